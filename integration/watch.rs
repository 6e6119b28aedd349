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
    async fn start(stack: &Stack, args: &[&str]) -> Watching {
        let mut child = Command::new(env!("CARGO_BIN_EXE_rcompose"))
            .args(["-p", &stack.name, "watch"])
            .args(args)
            .current_dir(stack.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start rcompose watch");
        let (tx, lines) = mpsc::unbounded_channel();
        for pipe in [Box::new(child.stdout.take().unwrap()) as Box<dyn tokio::io::AsyncRead + Unpin + Send>, Box::new(child.stderr.take().unwrap())] {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut reader = BufReader::new(pipe).lines();
                while let Ok(Some(line)) = reader.next_line().await {
                    // Shown with the test's output when it fails.
                    println!("[watch] {line}");
                    let _ = tx.send(line);
                }
            });
        }
        let mut w = Watching { child, lines, seen: Vec::new() };
        w.wait_for("Watch enabled").await;
        w
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

    /// Ctrl-C: the watcher stops cleanly.
    async fn interrupt(mut self) {
        let pid = self.child.id().expect("running").to_string();
        let status = Command::new("kill").args(["-INT", &pid]).status().await.expect("kill");
        assert!(status.success());
        let code = tokio::time::timeout(LIMIT, self.child.wait()).await.expect("watch stops after Ctrl-C").expect("wait");
        self.wait_for("Watch disabled").await;
        // Interrupted: 130, as Docker Compose's watch exits.
        assert_eq!(code.code(), Some(130), "watch exited with {code}; output:\n{}", self.seen.join("\n"));
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

const SYNC: &str = r#"
services:
  app:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          ignore: ["*.tmp", "cache/"]
"#;

#[tokio::test]
async fn sync_copies_new_and_changed_files_removes_deleted_ones_and_skips_ignored_ones() {
    let s = Stack::new("wsync", SYNC).await;
    let dir = s.dir.path();
    write(dir, "src/keep.txt", "keep");
    let w = Watching::start(&s, &[]).await;

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
    let s = Stack::new("wburst", SYNC).await;
    let dir = s.dir.path();
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let w = Watching::start(&s, &[]).await;
    for i in 0..2000 {
        write(dir, &format!("src/burst/{}/f{i}.txt", i % 10), &i.to_string());
    }
    eventually(&s, "app", "find /app/burst -type f | wc -l", "2000").await;
    assert_eq!(sh(&s, "app", "cat /app/burst/7/f1237.txt").await, "1237");
    w.interrupt().await;
}

#[tokio::test]
async fn sync_restart_restarts_the_container() {
    let s = Stack::new(
        "wrestart",
        r#"
services:
  app:
    image: busybox
    command: ["sh", "-c", "echo start >> /starts; exec sleep 600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./conf
          action: sync+restart
          target: /etc/app
"#,
    )
    .await;
    std::fs::create_dir_all(s.dir.path().join("conf")).unwrap();
    let mut w = Watching::start(&s, &[]).await;
    eventually(&s, "app", "wc -l < /starts", "1").await;
    write(s.dir.path(), "conf/app.ini", "x=1");
    w.wait_for("restarted").await;
    eventually(&s, "app", "wc -l < /starts", "2").await;
    eventually(&s, "app", "cat /etc/app/app.ini", "x=1").await;
    w.interrupt().await;
}

#[tokio::test]
async fn sync_exec_runs_its_command_with_its_user_directory_and_environment() {
    let s = Stack::new(
        "wexec",
        r#"
services:
  app:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./hooks
          action: sync+exec
          target: /hooks
          exec:
            command: ["sh", "-c", "echo \"$$GREETING $(pwd) $(id -u) $(cat /hooks/h.txt)\" > /tmp/exec-out; echo done"]
            user: "1234"
            working_dir: /hooks
            environment:
              GREETING: hello
"#,
    )
    .await;
    std::fs::create_dir_all(s.dir.path().join("hooks")).unwrap();
    let mut w = Watching::start(&s, &[]).await;
    write(s.dir.path(), "hooks/h.txt", "v1");
    w.wait_for("app | done").await;
    eventually(&s, "app", "cat /tmp/exec-out", "hello /hooks 1234 v1").await;
    w.interrupt().await;
}

#[tokio::test]
async fn initial_sync_copies_existing_files_before_watching() {
    let s = Stack::new(
        "winit",
        r#"
services:
  app:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
          ignore: ["*.log"]
          x-initialSync: true
"#,
    )
    .await;
    write(s.dir.path(), "src/a/b.txt", "early");
    write(s.dir.path(), "src/noise.log", "no");
    let w = Watching::start(&s, &[]).await;
    assert_eq!(sh(&s, "app", "cat /app/a/b.txt").await, "early");
    assert_eq!(sh(&s, "app", "ls /app").await.trim(), "a");
    w.interrupt().await;
}

#[tokio::test]
async fn rebuild_builds_a_new_image_and_replaces_the_container() {
    let s = Stack::new(
        "wrebuild",
        r#"
services:
  app:
    build: ./ctx
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    develop:
      watch:
        - path: ./ctx/version.txt
          action: rebuild
"#,
    )
    .await;
    write(s.dir.path(), "ctx/Dockerfile", "FROM busybox:latest\nCOPY version.txt /version.txt\n");
    // Contents unique to this test, so that no other project shares its images.
    let (v1, v2) = (format!("{} v1", s.name), format!("{} v2", s.name));
    write(s.dir.path(), "ctx/version.txt", &v1);
    let mut w = Watching::start(&s, &[]).await;
    let before = s.containers().await[&s.container("app", 1)].clone();
    assert_eq!(sh(&s, "app", "cat /version.txt").await, v1);
    write(s.dir.path(), "ctx/version.txt", &v2);
    w.wait_for("successfully built").await;
    eventually(&s, "app", "cat /version.txt", &v2).await;
    let after = s.containers().await[&s.container("app", 1)].clone();
    assert_ne!(before.id, after.id, "a new container");
    assert_ne!(before.image_id, after.image_id, "from a new image");
    w.interrupt().await;
    s.ok(&["down"]).await;
    let _ = s.engine.remove_image(&format!("{}-app", s.name), false).await;
    let _ = s.engine.remove_image(&before.image_id, false).await;
}

#[tokio::test]
async fn a_compose_file_change_recreates_only_the_changed_service() {
    let yaml = |greeting: &str| {
        format!(
            r#"
services:
  a:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    environment: {{GREETING: {greeting}}}
    develop:
      watch:
        - path: ./src
          action: sync
          target: /app
  b:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
"#
        )
    };
    let s = Stack::new("wreload", &yaml("hello")).await;
    std::fs::create_dir_all(s.dir.path().join("src")).unwrap();
    let mut w = Watching::start(&s, &[]).await;
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
    let s = Stack::new("wfail", SYNC).await;
    std::fs::create_dir_all(s.dir.path().join("src")).unwrap();
    let mut w = Watching::start(&s, &[]).await;
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
