//! `rcompose watch` end to end: the binary runs in the background against the real engine,
//! the test changes files and waits (polling, with a generous limit that is a failure guard,
//! not a timing assertion) for the container to show the change.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use rcompose::engine::{Engine, ExecSpec};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;

use crate::harness::{compose, indent, SLEEPER, SLEEPS};
use crate::up::Stack;

/// How long anything may take before the test gives up.
const LIMIT: Duration = Duration::from_secs(90);

/// A running `rcompose watch`, its output lines arriving on a channel.
struct Watching {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
}

impl Watching {
    /// `rcompose watch`, once it says it watches.
    async fn start(stack: &Stack) -> Watching {
        let mut w = Watching::spawn(stack, &["watch"]);
        w.wait_for("Watch enabled").await;
        w
    }

    /// `rcompose args...` in the background.
    fn spawn(stack: &Stack, args: &[&str]) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rcompose"))
            .args(["-p", &stack.name])
            .args(args)
            .current_dir(stack.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start rcompose");
        let (tx, lines) = mpsc::unbounded_channel();
        for pipe in
            [Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>, Box::new(child.stderr.take().unwrap())]
        {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    // Shown with the test's output when it fails.
                    println!("[rcompose] {line}");
                    let _ = tx.send(line);
                }
            });
        }
        Watching { child, lines, seen: Vec::new() }
    }

    /// Waits for an output line containing `text`.
    async fn wait_for(&mut self, text: &str) -> String {
        let found = tokio::time::timeout(LIMIT, async {
            loop {
                match self.lines.recv().await {
                    Some(line) => {
                        self.seen.push(line.clone());
                        if line.contains(text) {
                            return Some(line);
                        }
                    }
                    None => return None,
                }
            }
        })
        .await;
        match found {
            Ok(Some(line)) => line,
            _ => panic!("no line with {text:?} from rcompose watch; output so far:\n{}", self.seen.join("\n")),
        }
    }

    /// Ctrl-C: the watcher stops, exiting 130 as Docker Compose does.
    async fn interrupt(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().await.expect("kill");
        assert!(status.success());
        let code = self.exit().await;
        assert_eq!(code.code(), Some(130), "watch exited with {code}; output:\n{}", self.seen.join("\n"));
    }

    /// Waits for the process to end by itself (a failure guard, not a timing assertion).
    async fn exit(&mut self) -> std::process::ExitStatus {
        let status = tokio::time::timeout(LIMIT, self.child.wait()).await;
        if status.is_ok() {
            // Everything it printed, up to the end of its pipes.
            let drain = async {
                while let Some(line) = self.lines.recv().await {
                    self.seen.push(line);
                }
            };
            let _ = tokio::time::timeout(LIMIT, drain).await;
        }
        match status {
            Ok(status) => status.expect("wait"),
            Err(_) => panic!("rcompose did not end; output:\n{}", self.seen.join("\n")),
        }
    }

    /// Kills the process and reads what it printed, for tests that look at the output and
    /// not at how it ends.
    async fn kill(&mut self) {
        self.child.start_kill().ok();
        let _ = self.exit().await;
    }

    /// Whether a line already read contains `text`.
    fn saw(&self, text: &str) -> bool {
        self.seen.iter().any(|l| l.contains(text))
    }

    /// Everything printed so far, once the process has ended.
    fn output(&self) -> String {
        self.seen.join("\n")
    }
}

/// The id of the first container of `service`.
async fn container_id(stack: &Stack, service: &str) -> String {
    let name = stack.container(service, 1);
    stack.containers().await.get(&name).unwrap_or_else(|| panic!("no container {name}")).id.clone()
}

/// Runs `sh -c script` in the service's container; returns stdout.
async fn sh(stack: &Stack, service: &str, script: &str) -> String {
    try_sh(stack, service, script).await.unwrap_or_else(|e| panic!("{e}"))
}

/// Like `sh`, an error when the container cannot run it (it may be being replaced).
async fn try_sh(stack: &Stack, service: &str, script: &str) -> Result<String, String> {
    let name = stack.container(service, 1);
    let containers = stack.containers().await;
    let id = &containers.get(&name).ok_or_else(|| format!("no container {name}"))?.id;
    match stack.engine.exec(id, &ExecSpec::new(["sh", "-c", script])).await {
        Ok(out) => Ok(out.stdout_text()),
        Err(e) => Err(format!("exec {script:?} in {service}: {e}")),
    }
}

/// Polls `script` in the container until its output, trimmed, is `want`.
async fn eventually(stack: &Stack, service: &str, script: &str, want: &str) {
    let deadline = tokio::time::Instant::now() + LIMIT;
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        last = match try_sh(stack, service, script).await {
            Ok(out) => out.trim().to_string(),
            Err(e) => e,
        };
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{script:?} in {service} gave {last:?}, not {want:?}");
}

fn write(dir: &Path, rel: &str, content: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

/// Makes the directories `rels` in the project's directory, for rules to watch.
fn dirs(stack: &Stack, rels: &[&str]) {
    for rel in rels {
        std::fs::create_dir_all(stack.dir.path().join(rel)).unwrap();
    }
}

/// `down`, then removes the images the test built: those of `services` and the `others`
/// (failures ignored: an image may be gone already).
async fn down_removing_images(stack: &Stack, services: &[&str], others: &[String]) {
    stack.ok(&["down"]).await;
    let built = services.iter().map(|service| format!("{}-{service}", stack.name));
    for image in built.chain(others.iter().cloned()) {
        let _ = stack.engine.remove_image(&image, false).await;
    }
}

/// The `develop` key of a service watching with `rules`, each a list item written from column 0.
fn develop(rules: &[&str]) -> String {
    let items: String = rules.iter().map(|rule| indent(rule, 4)).collect();
    format!("develop:\n  watch:\n{items}")
}

/// The rule most tests watch with: `./src` synced into `/app`.
const SRC_TO_APP: &str = r#"
- path: ./src
  action: sync
  target: /app
"#;

/// A busybox service that counts its starts in `/starts`.
const COUNTS_STARTS: &str = r#"
image: busybox
command: ["sh", "-c", "echo start >> /starts; exec sleep 600"]
stop_signal: SIGKILL
"#;

/// The key of a service built from `./ctx` (`SLEEPS` makes it sleep).
const BUILT: &str = "build: ./ctx";

/// The rule of tests that rebuild when `version.txt` changes.
const VERSION_REBUILDS: &str = r#"
- path: ./ctx/version.txt
  action: rebuild
"#;

/// Writes the context of tests that rebuild, an image holding `version.txt` at version one.
/// Returns versions one and two, unique to the test so that no other project shares its images.
fn version_context(stack: &Stack) -> (String, String) {
    let dir = stack.dir.path();
    write(dir, "ctx/Dockerfile", "FROM busybox:latest\nCOPY version.txt /version.txt\n");
    let (v1, v2) = (format!("{} v1", stack.name), format!("{} v2", stack.name));
    write(dir, "ctx/version.txt", &v1);
    (v1, v2)
}

/// `app` syncing `./src` into `/app`, but for temporary files and a cache.
fn sync() -> String {
    let rule = r#"
- path: ./src
  action: sync
  target: /app
  ignore: ["*.tmp", "cache/"]
"#;
    compose(&[("app", &[SLEEPER, &develop(&[rule])])])
}

#[tokio::test]
async fn sync_copies_new_and_changed_files_removes_deleted_ones_and_skips_ignored_ones() {
    let s = Stack::new("wsync", &sync()).await;
    let dir = s.dir.path();
    write(dir, "src/keep.txt", "keep");
    let w = Watching::start(&s).await;

    write(dir, "src/new.txt", "one");
    eventually(&s, "app", "cat /app/new.txt", "one").await;
    write(dir, "src/new.txt", "two");
    eventually(&s, "app", "cat /app/new.txt", "two").await;

    write(dir, "src/deep/er/run.sh", "#!/bin/sh\necho ran\n");
    std::fs::set_permissions(dir.join("src/deep/er/run.sh"), std::os::unix::fs::PermissionsExt::from_mode(0o751)).unwrap();
    eventually(&s, "app", "stat -c %a /app/deep/er/run.sh 2>/dev/null", "751").await;

    std::fs::remove_file(dir.join("src/new.txt")).unwrap();
    eventually(&s, "app", "test -e /app/new.txt && echo there || echo gone", "gone").await;
    std::fs::remove_dir_all(dir.join("src/deep")).unwrap();
    eventually(&s, "app", "test -e /app/deep && echo there || echo gone", "gone").await;

    // Ignored files first, then one that is synced: once it is there, the others had their chance.
    write(dir, "src/scratch.tmp", "no");
    write(dir, "src/cache/c.bin", "no");
    write(dir, "src/after.txt", "yes");
    eventually(&s, "app", "cat /app/after.txt", "yes").await;
    assert_eq!(sh(&s, "app", "ls -A /app | sort | tr '\\n' ' '").await.trim(), "after.txt", "ignored and pre-existing files stay out");
    w.interrupt().await;
}

#[tokio::test]
async fn a_burst_of_files_is_synced() {
    let s = Stack::new("wburst", &sync()).await;
    let dir = s.dir.path();
    dirs(&s, &["src"]);
    let w = Watching::start(&s).await;
    for i in 0..2000 {
        write(dir, &format!("src/burst/{}/f{i}.txt", i % 10), &i.to_string());
    }
    eventually(&s, "app", "find /app/burst -type f | wc -l", "2000").await;
    assert_eq!(sh(&s, "app", "cat /app/burst/7/f1237.txt").await, "1237");
    w.interrupt().await;
}

#[tokio::test]
async fn sync_restart_restarts_the_container() {
    let rules = r#"
- path: ./conf
  action: sync+restart
  target: /etc/app
- path: ./plain
  action: restart
"#;
    let s = Stack::new("wrestart", &compose(&[("app", &[COUNTS_STARTS, &develop(&[rules])])])).await;
    dirs(&s, &["conf", "plain"]);
    let mut w = Watching::start(&s).await;
    eventually(&s, "app", "wc -l < /starts", "1").await;
    write(s.dir.path(), "conf/app.ini", "x=1");
    w.wait_for("restarted").await;
    eventually(&s, "app", "wc -l < /starts", "2").await;
    eventually(&s, "app", "cat /etc/app/app.ini", "x=1").await;
    // `restart` alone: restarted, nothing copied.
    write(s.dir.path(), "plain/p.txt", "p");
    w.wait_for("restarted").await;
    eventually(&s, "app", "wc -l < /starts", "3").await;
    assert_eq!(sh(&s, "app", "test -e /plain/p.txt && echo there || echo absent").await.trim(), "absent");
    w.interrupt().await;
}

#[tokio::test]
async fn sync_exec_runs_its_command_with_its_user_directory_and_environment() {
    let rule = r#"
- path: ./hooks
  action: sync+exec
  target: /hooks
  exec:
    command: ["sh", "-c", "echo \"$$GREETING $(pwd) $(id -u) $(cat /hooks/h.txt)\" > /tmp/exec-out; echo done"]
    user: "1234"
    working_dir: /hooks
    environment:
      GREETING: hello
"#;
    let s = Stack::new("wexec", &compose(&[("app", &[SLEEPER, &develop(&[rule])])])).await;
    dirs(&s, &["hooks"]);
    let mut w = Watching::start(&s).await;
    write(s.dir.path(), "hooks/h.txt", "v1");
    w.wait_for("app | done").await;
    eventually(&s, "app", "cat /tmp/exec-out", "hello /hooks 1234 v1").await;
    w.interrupt().await;
}

#[tokio::test]
async fn initial_sync_copies_existing_files_before_watching() {
    let rule = r#"
- path: ./src
  action: sync
  target: /app
  ignore: ["*.log"]
  initial_sync: true
"#;
    let s = Stack::new("winit", &compose(&[("app", &[SLEEPER, &develop(&[rule])])])).await;
    write(s.dir.path(), "src/a/b.txt", "early");
    write(s.dir.path(), "src/noise.log", "no");
    let w = Watching::start(&s).await;
    assert_eq!(sh(&s, "app", "cat /app/a/b.txt").await, "early");
    assert_eq!(sh(&s, "app", "ls /app").await.trim(), "a");
    w.interrupt().await;
}

#[tokio::test]
async fn rebuild_builds_a_new_image_and_replaces_the_container() {
    let s = Stack::new("wrebuild", &compose(&[("app", &[BUILT, SLEEPS, &develop(&[VERSION_REBUILDS])])])).await;
    let (v1, v2) = version_context(&s);
    let mut w = Watching::start(&s).await;
    let before = s.containers().await[&s.container("app", 1)].clone();
    assert_eq!(sh(&s, "app", "cat /version.txt").await, v1);
    write(s.dir.path(), "ctx/version.txt", &v2);
    w.wait_for("successfully built").await;
    eventually(&s, "app", "cat /version.txt", &v2).await;
    let after = s.containers().await[&s.container("app", 1)].clone();
    assert_ne!(before.id, after.id, "a new container");
    assert_ne!(before.image_id, after.image_id, "from a new image");
    w.interrupt().await;
    down_removing_images(&s, &["app"], &[before.image_id]).await;
}

#[tokio::test]
async fn a_compose_file_change_recreates_only_the_changed_service() {
    let yaml = |greeting: &str| {
        let environment = format!("environment: {{GREETING: {greeting}}}");
        compose(&[("a", &[SLEEPER, &environment, &develop(&[SRC_TO_APP])]), ("b", &[SLEEPER])])
    };
    let s = Stack::new("wreload", &yaml("hello")).await;
    dirs(&s, &["src"]);
    let mut w = Watching::start(&s).await;
    let (a, b) = (container_id(&s, "a").await, container_id(&s, "b").await);
    s.write(&yaml("bonjour"));
    w.wait_for("Project reloaded").await;
    assert_ne!(container_id(&s, "a").await, a, "a changed: recreated");
    assert_eq!(container_id(&s, "b").await, b, "b did not change: left alone");
    assert_eq!(sh(&s, "a", "echo $GREETING").await.trim(), "bonjour");
    // The rules still work after the reload.
    write(s.dir.path(), "src/x.txt", "after reload");
    eventually(&s, "a", "cat /app/x.txt", "after reload").await;
    w.interrupt().await;
}

#[tokio::test]
async fn a_failed_sync_is_a_warning_and_watching_goes_on() {
    let s = Stack::new("wfail", &sync()).await;
    dirs(&s, &["src"]);
    let mut w = Watching::start(&s).await;
    let id = container_id(&s, "app").await;
    s.engine.stop_container(&id, None).await.expect("stop");
    write(s.dir.path(), "src/lost.txt", "x");
    let warning = w.wait_for("WARN").await;
    assert!(warning.contains("service app") && warning.contains("lost.txt"), "{warning}");
    s.engine.start_container(&id).await.expect("start");
    write(s.dir.path(), "src/found.txt", "y");
    eventually(&s, "app", "cat /app/found.txt", "y").await;
    w.interrupt().await;
}

/// `app` printing a line, then running until `/app/stop` is synced, then exiting 3.
fn until_stop() -> String {
    let app = r#"
image: busybox
command: ["sh", "-c", "echo first-line; while [ ! -e /app/stop ]; do sleep 0.1; done; echo stopping; exit 3"]
stop_signal: SIGKILL
"#;
    compose(&[("app", &[app, &develop(&[SRC_TO_APP])])])
}

#[tokio::test]
async fn up_watch_shows_the_logs_from_the_start_and_ends_when_up_aborts() {
    let s = Stack::new("wupabort", &until_stop()).await;
    dirs(&s, &["src"]);
    let mut w = Watching::spawn(&s, &["up", "--watch", "--abort-on-container-exit"]);
    // Written right after the start: attached `up` shows it with or without --watch.
    w.wait_for("first-line").await;
    if !w.saw("Watch enabled") {
        w.wait_for("Watch enabled").await;
    }
    write(s.dir.path(), "src/stop", "now");
    // The container exits, `up` aborts with its code, and the watcher goes with it.
    let code = w.exit().await;
    assert_eq!(code.code(), Some(3), "output:\n{}", w.output());
    assert!(w.saw("stopping"), "output:\n{}", w.output());
}

#[tokio::test]
async fn up_watch_syncs_and_ctrl_c_stops_the_services_and_the_watcher() {
    let s = Stack::new("wupint", &until_stop()).await;
    dirs(&s, &["src"]);
    let mut w = Watching::spawn(&s, &["up", "--watch"]);
    w.wait_for("Watch enabled").await;
    write(s.dir.path(), "src/a.txt", "synced");
    eventually(&s, "app", "cat /app/a.txt", "synced").await;
    w.interrupt().await;
    let app = &s.containers().await[&s.container("app", 1)];
    assert_ne!(app.state, rcompose::engine::ContainerStatus::Running, "up stopped the service");
}

#[tokio::test]
async fn include_built_in_ignores_and_the_context_dockerignore_decide_what_is_synced() {
    let rules = r#"
- path: ./ctx/src
  action: sync
  target: /app
- path: ./ctx/docs
  action: sync
  target: /docs
  include: ["*.md"]
"#;
    let s = Stack::new("wignore", &compose(&[("app", &[BUILT, SLEEPS, &develop(&[rules])])])).await;
    let dir = s.dir.path();
    write(dir, "ctx/Dockerfile", "FROM busybox:latest\n");
    write(dir, "ctx/.dockerignore", "src/*.secret\n");
    dirs(&s, &["ctx/src", "ctx/docs"]);
    let w = Watching::start(&s).await;
    for ignored in [
        "src/.git/HEAD",
        "src/.notes.txt.swp",
        "src/notes.txt~",
        "src/4913",
        "src/#notes.txt#",
        "src/.#notes.txt",
        "src/k.secret",
        "docs/b.txt",
    ] {
        write(dir, &format!("ctx/{ignored}"), "no");
    }
    write(dir, "ctx/docs/a.md", "a");
    write(dir, "ctx/src/ok.txt", "ok");
    write(dir, "ctx/docs/z.md", "z");
    eventually(&s, "app", "cat /app/ok.txt /docs/z.md | tr -d '\\n'", "okz").await;
    assert_eq!(sh(&s, "app", "ls -A /app | tr '\\n' ' '").await.trim(), "ok.txt");
    assert_eq!(sh(&s, "app", "ls -A /docs | tr '\\n' ' '").await.trim(), "a.md z.md");
    w.interrupt().await;
    down_removing_images(&s, &["app"], &[]).await;
}

#[tokio::test]
async fn paths_bind_mounted_into_the_container_are_not_synced() {
    let volumes = r#"
volumes:
  - ./cache:/app/cache:ro
  - ./shared:/shared
"#;
    let shared = r#"
- path: ./shared
  action: sync
  target: /elsewhere
"#;
    let s = Stack::new("wbind", &compose(&[("app", &[SLEEPER, volumes, &develop(&[SRC_TO_APP, shared])])])).await;
    let dir = s.dir.path();
    dirs(&s, &["src", "cache", "shared"]);
    let mut w = Watching::start(&s).await;
    assert!(w.saw("also bind-mounted"), "a warning says ./shared is not watched");
    // /app/cache is a read-only bind mount: writing there would fail loudly.
    write(dir, "src/cache/x.txt", "x");
    write(dir, "shared/y.txt", "y");
    write(dir, "src/after.txt", "after");
    eventually(&s, "app", "cat /app/after.txt", "after").await;
    assert_eq!(sh(&s, "app", "ls -A /app/cache; test -e /elsewhere && echo elsewhere").await.trim(), "");
    w.kill().await;
    assert!(!w.output().contains("x.txt"), "no attempt to sync into the bind mount:\n{}", w.output());
}

#[tokio::test]
async fn a_rebuild_builds_a_shared_context_once_and_touches_only_what_depends_on_it() {
    let rebuilds: &[&str] = &[BUILT, SLEEPS, &develop(&[VERSION_REBUILDS])];
    let yaml = compose(&[
        ("a", rebuilds),
        ("b", rebuilds),
        ("dependent", &[COUNTS_STARTS, "depends_on:\n  a: {condition: service_started, restart: true}"]),
        ("bystander", &[SLEEPER]),
    ]);
    let s = Stack::new("wshared", &yaml).await;
    let (_, v2) = version_context(&s);
    let mut w = Watching::start(&s).await;
    let before = s.containers().await;
    let id =
        |c: &std::collections::BTreeMap<String, rcompose::engine::ContainerSummary>, service: &str| c[&s.container(service, 1)].clone();
    let old_image = id(&before, "a").image_id;
    eventually(&s, "dependent", "wc -l < /starts", "1").await;

    write(s.dir.path(), "ctx/version.txt", &v2);
    w.wait_for("Rebuilding").await;
    let from = w.seen.len();
    w.wait_for("successfully built").await;
    let builds: Vec<&String> = w.seen[from..].iter().filter(|l| l.contains("Image") && l.trim_end().ends_with("Building")).collect();
    assert_eq!(builds.len(), 1, "one build for both services: {builds:?}");
    w.wait_for("restarted").await;
    eventually(&s, "a", "cat /version.txt", &v2).await;
    eventually(&s, "b", "cat /version.txt", &v2).await;
    eventually(&s, "dependent", "wc -l < /starts", "2").await;
    let after = s.containers().await;
    for service in ["a", "b"] {
        assert_ne!(id(&before, service).id, id(&after, service).id, "{service} recreated");
        assert_ne!(id(&after, service).image_id, old_image, "{service} runs the new image");
    }
    assert_eq!(id(&after, "a").image_id, id(&after, "b").image_id);
    assert_eq!(id(&before, "dependent").id, id(&after, "dependent").id, "the dependent is restarted, not recreated");
    assert_eq!(id(&before, "bystander").id, id(&after, "bystander").id);
    assert_eq!(id(&after, "bystander").state, rcompose::engine::ContainerStatus::Running);
    // Pruning is on by default: the image the rebuild left dangling goes.
    let deadline = tokio::time::Instant::now() + LIMIT;
    while s.engine.inspect_image(&old_image).await.is_ok() {
        assert!(tokio::time::Instant::now() < deadline, "the old image {old_image} was not pruned");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    w.interrupt().await;
    down_removing_images(&s, &["a", "b"], &[id(&after, "a").image_id]).await;
}

#[tokio::test]
async fn failed_builds_and_commands_are_warnings_naming_the_service_and_file() {
    let rules = r#"
- path: ./ctx/Dockerfile
  action: rebuild
- path: ./hooks
  action: sync+exec
  target: /hooks
  exec:
    command: ["sh", "-c", "exit 4"]
"#;
    let s = Stack::new("wfailures", &compose(&[("app", &[BUILT, SLEEPS, &develop(&[rules, SRC_TO_APP])])])).await;
    let dir = s.dir.path();
    write(dir, "ctx/Dockerfile", "FROM busybox:latest\n");
    dirs(&s, &["hooks", "src"]);
    let mut w = Watching::start(&s).await;
    let before = container_id(&s, "app").await;

    write(dir, "hooks/h.txt", "x");
    let warning = w.wait_for("exited with code 4").await;
    assert!(warning.contains("service app") && warning.contains("h.txt"), "{warning}");

    write(dir, "ctx/Dockerfile", "FROM busybox:latest\nRUN exit 7\n");
    let warning = w.wait_for("build failed").await;
    assert!(warning.contains("app") && warning.contains("Dockerfile"), "{warning}");

    // Still watching, with the container of before.
    write(dir, "src/ok.txt", "ok");
    eventually(&s, "app", "cat /app/ok.txt", "ok").await;
    assert_eq!(container_id(&s, "app").await, before);
    w.interrupt().await;
    down_removing_images(&s, &["app"], &[]).await;
}

#[tokio::test]
async fn nothing_is_written_outside_the_target_nor_read_outside_the_path() {
    let s = Stack::new("wsafe", &sync()).await;
    let dir = s.dir.path();
    dirs(&s, &["src"]);
    write(dir, "outside/secret.txt", "secret");
    let mut w = Watching::start(&s).await;
    let link = |target: &str, name: &str| std::os::unix::fs::symlink(target, dir.join("src").join(name)).unwrap();
    write(dir, "src/sub/file.txt", "in");
    link("sub/file.txt", "inner");
    link("/etc", "escape");
    link("../../etc", "up");
    link("../outside", "linkdir");
    write(dir, "src/..dots", "dots");
    write(dir, "src/ok.txt", "ok");
    eventually(&s, "app", "cat /app/ok.txt", "ok").await;
    assert_eq!(sh(&s, "app", "ls -A /app | tr '\\n' ' '").await.trim(), "..dots inner ok.txt sub");
    assert_eq!(sh(&s, "app", "readlink /app/inner; cat /app/inner /app/..dots").await, "sub/file.txt\nindots");
    assert_eq!(sh(&s, "app", "test -e /outside && echo there; test -e /etc/secret.txt && echo there").await, "");
    w.kill().await;
    for name in ["escape", "up", "linkdir"] {
        let path = format!("src/{name}:");
        assert!(w.seen.iter().any(|l| l.contains("not syncing") && l.contains(&path)), "a warning for {name}:\n{}", w.output());
    }
}

#[tokio::test]
async fn env_file_and_dot_env_changes_recreate_only_the_services_they_change() {
    let yaml = compose(&[
        ("a", &[SLEEPER, "env_file: [a.env]", &develop(&[SRC_TO_APP])]),
        ("b", &[SLEEPER, r#"environment: {B_VALUE: "${B_VALUE:-none}"}"#]),
    ]);
    let s = Stack::new("wenv", &yaml).await;
    let dir = s.dir.path();
    write(dir, "a.env", "GREETING=hello\n");
    dirs(&s, &["src"]);
    let mut w = Watching::start(&s).await;
    let (a, b) = (container_id(&s, "a").await, container_id(&s, "b").await);

    write(dir, "a.env", "GREETING=bonjour\n");
    w.wait_for("Project reloaded").await;
    eventually(&s, "a", "echo $GREETING", "bonjour").await;
    let a2 = container_id(&s, "a").await;
    assert_ne!(a2, a, "a uses a.env: recreated");
    assert_eq!(container_id(&s, "b").await, b, "b does not: left alone");

    write(dir, ".env", "B_VALUE=two\n");
    w.wait_for("Project reloaded").await;
    eventually(&s, "b", "echo $B_VALUE", "two").await;
    assert_eq!(container_id(&s, "a").await, a2, "a does not use B_VALUE: left alone");
    assert_ne!(container_id(&s, "b").await, b, "b recreated");
    w.interrupt().await;
}

#[tokio::test]
async fn up_watch_with_nothing_to_watch_fails_before_bringing_anything_up() {
    let s = Stack::new("wnothing", "services:\n  app:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n").await;
    let out = s.rcompose(&["up", "--watch"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("none of the selected services is configured for watch"));
    assert!(s.containers().await.is_empty(), "nothing created");
}

#[tokio::test]
async fn include_and_ignore_written_as_single_strings_filter_as_lists_do() {
    // Docker Compose 2.40 (compose-go 2.9) accepts one pattern as a plain string.
    let rule = r#"
- path: ./src
  action: sync
  target: /app
  include: "*.md"
  ignore: "draft*"
"#;
    let s = Stack::new("wstrings", &compose(&[("app", &[SLEEPER, &develop(&[rule])])])).await;
    let dir = s.dir.path();
    dirs(&s, &["src"]);
    let w = Watching::start(&s).await;
    write(dir, "src/draft.md", "ignored");
    write(dir, "src/notes.txt", "not included");
    write(dir, "src/readme.md", "synced");
    eventually(&s, "app", "cat /app/readme.md", "synced").await;
    assert_eq!(sh(&s, "app", "ls -A /app | tr '\\n' ' '").await.trim(), "readme.md");
    w.interrupt().await;
}
