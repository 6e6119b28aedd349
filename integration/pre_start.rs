//! `pre_start` hooks (Docker Compose v5's init containers) on the real engine: each runs to its
//! exit in a container of its own, `project-service-pre_start-N`, in the service container's
//! volumes, before that container starts; a failed one stops `up` and is kept for inspection
//! until the next `up` or `down`. Docker Compose 2.40.3, the reference installed here, refuses
//! the key, so nothing is compared with it.

use std::process::Output;

use crate::cli::interrupt_when;
use crate::up::Stack;
use rcompose::engine::{ContainerStatus, Engine, ExecSpec, LabelFilter};
use rcompose::reconcile::labels;

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// What `cat path` prints in container `name`.
async fn cat(s: &Stack, name: &str, path: &str) -> String {
    s.engine.exec(name, &ExecSpec::new(["cat", path])).await.expect("exec").stdout_text()
}

/// The names of the project's hook containers, with their states, sorted.
async fn hook_containers(s: &Stack) -> Vec<(String, ContainerStatus)> {
    let filter = LabelFilter::new().eq(labels::PROJECT, &s.name).eq(labels::HOOK, "pre_start");
    let list = s.engine.list_containers(true, &filter).await.expect("list containers");
    let mut list: Vec<_> = list.into_iter().map(|c| (c.name().to_string(), c.state)).collect();
    list.sort_by(|a, b| a.0.cmp(&b.0));
    list
}

/// Two hooks: the first (root, in /etc, the service's environment with one variable
/// overridden) writes a seed into the service's named volume and counts its runs; the second
/// adds its user. The service copies the seed when it starts: what it copied was there before
/// its command ran.
const SEEDED: &str = r#"
services:
  db:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
  web:
    image: busybox
    command: ["sh", "-c", "cp /data/seed /data/seen-at-start; sleep 600"]
    stop_signal: SIGKILL
    depends_on: [db]
    volumes: [data:/data]
    environment:
      FROM: service
      OVER: service
    pre_start:
      - command: sh -c 'chmod 777 /data && echo "$$(pwd) $$FROM $$OVER" > /data/seed && chmod 666 /data/seed && echo run >> /data/runs && echo seeded'
        working_dir: /etc
        environment:
          OVER: hook
      - command: sh -c 'id -u >> /data/seed'
        user: "1000"
volumes:
  data: {}
"#;

#[tokio::test]
async fn pre_start_hooks_run_in_order_before_the_service_starts_in_its_volumes_and_leave_no_container() {
    let s = Stack::new("prestart", SEEDED).await;
    let web = s.container("web", 1);
    let out = s.rcompose(&["--progress", "plain", "up", "-d"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let shown = text(&out).lines().any(|l| l.contains("web pre_start[0] ->") && l.ends_with(" seeded"));
    assert!(shown, "the hook's output is shown, named after it: {}", text(&out));
    assert_eq!(cat(&s, &web, "/data/seen-at-start").await, "/etc service hook\n1000\n", "both hooks ran before the service's command");
    assert_eq!(cat(&s, &web, "/data/runs").await, "run\n");
    assert_eq!(hook_containers(&s).await, [], "a hook that succeeded leaves no container");
    let ps = s.ok(&["ps", "-a", "--format", "{{.Name}}"]).await;
    assert_eq!(ps.lines().collect::<Vec<_>>(), [s.container("db", 1), web.clone()], "ps shows no hook container");

    // Up to date: the hooks do not run again, nor when the container is only restarted.
    let out = s.rcompose(&["--progress", "plain", "up", "-d"]).await;
    assert!(out.status.success() && !text(&out).contains("pre_start"), "{}", text(&out));
    s.ok(&["restart", "web"]).await;
    assert_eq!(cat(&s, &web, "/data/runs").await, "run\n", "not run by an up to date up, nor by restart");

    // Recreated: they run again, before the new container starts.
    s.ok(&["up", "-d", "--force-recreate", "web"]).await;
    assert_eq!(cat(&s, &web, "/data/runs").await, "run\nrun\n");
    assert_eq!(s.engine.inspect_container(&web).await.expect("web").state.status, ContainerStatus::Running);
    assert_eq!(hook_containers(&s).await, []);
}

#[tokio::test]
async fn create_makes_the_hook_containers_start_runs_them_and_a_start_after_stop_is_refused_until_up() {
    let s = Stack::new("prestartcreate", SEEDED).await;
    let web = s.container("web", 1);
    s.ok(&["create"]).await;
    let made = hook_containers(&s).await;
    let names: Vec<String> = (0..2).map(|i| format!("{}-web-pre_start-{i}", s.name)).collect();
    assert_eq!(made, names.iter().map(|n| (n.clone(), ContainerStatus::Created)).collect::<Vec<_>>(), "made, not run");
    // With the compose file read (with `-p` alone, no file is read, and no hook is known).
    s.ok(&["-f", "compose.yaml", "start"]).await;
    assert_eq!(cat(&s, &web, "/data/seen-at-start").await, "/etc service hook\n1000\n", "they ran before the service's command");
    assert_eq!(hook_containers(&s).await, []);
    // Stopped, the hooks' containers are consumed: `start` refuses (as v5.5), `up` makes new ones.
    s.ok(&["stop"]).await;
    let out = s.rcompose(&["-f", "compose.yaml", "start"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("service \"web\" pre_start[0]: no hook runner container found"), "{}", text(&out));
    assert!(text(&out).contains("`docker compose up web`"), "{}", text(&out));
    assert_eq!(s.containers().await[&web].state, ContainerStatus::Exited, "not started without its hooks");
    s.ok(&["up", "-d"]).await;
    assert_eq!(cat(&s, &web, "/data/runs").await, "run\nrun\n", "up ran them again before starting it");
    assert_eq!(hook_containers(&s).await, []);
}

#[tokio::test]
async fn attached_up_runs_the_hooks_before_the_service_and_attaches_to_the_service_only() {
    let yaml = SEEDED.replace("cp /data/seed /data/seen-at-start; sleep 600", r#"echo \"started after $$(cat /data/runs)\"; sleep 600"#);
    let s = Stack::new("prestartattached", &yaml).await;
    let seen = std::sync::Mutex::new(Vec::new());
    let ready = |l: &str| {
        seen.lock().unwrap().push(l.to_string());
        l.contains("started after")
    };
    let (status, lines) = interrupt_when(&s, &["--progress", "plain", "up"], ready).await;
    assert_eq!(status.code(), Some(130), "{lines:#?}");
    let all = seen.into_inner().unwrap().join("\n");
    assert!(all.contains("started after run"), "the service saw what the hook wrote: {all}");
    assert!(all.lines().any(|l| l.contains("web pre_start[0] ->") && l.ends_with(" seeded")), "the hook's output: {all}");
    assert!(all.contains("Attaching to db-1, web-1\n"), "no hook container attached: {all}");
    assert_eq!(hook_containers(&s).await, []);
}

#[tokio::test]
async fn a_hook_runs_the_image_it_names_else_the_services_own() {
    let yaml = r#"
services:
  web:
    build:
      context: .
      dockerfile_inline: "FROM busybox\nRUN touch /marker\n"
    command: ["sh", "-c", "cp /data/image /data/seen; sleep 600"]
    stop_signal: SIGKILL
    volumes: [data:/data]
    pre_start:
      - image: busybox
        command: sh -c 'if [ -e /marker ]; then echo built; else echo busybox; fi > /data/image'
      - command: sh -c 'if [ -e /marker ]; then echo built; else echo busybox; fi >> /data/image'
volumes:
  data: {}
"#;
    let s = Stack::new("prestartimage", yaml).await;
    s.ok(&["up", "-d"]).await;
    assert_eq!(cat(&s, &s.container("web", 1), "/data/seen").await, "busybox\nbuilt\n");
    assert_eq!(hook_containers(&s).await, []);
    s.ok(&["down", "--rmi", "local"]).await;
}

const FAILING: &str = r#"
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    pre_start:
      - command: sh -c 'echo migrating; echo "no database" >&2; exit 3'
      - command: "true"
  other:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on: [web]
"#;

#[tokio::test]
async fn a_failing_pre_start_hook_stops_up_and_its_container_stays_for_inspection_until_the_next_up_or_down() {
    let s = Stack::new("prestartfail", FAILING).await;
    let (web, other) = (s.container("web", 1), s.container("other", 1));
    let hook = format!("{}-web-pre_start-0", s.name);
    let out = s.rcompose(&["--progress", "plain", "up", "-d"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let message = format!("service \"web\" pre_start[0] exited with code 3: no database (hook container {hook} retained for inspection)");
    assert!(text(&out).contains(&message), "the error names the service, the hook and its exit code: {}", text(&out));
    let states = s.containers().await;
    assert_eq!(states[&web].state, ContainerStatus::Created, "the service's container is not started");
    assert_eq!(states[&other].state, ContainerStatus::Created, "nor what depends on it");
    let next = format!("{}-web-pre_start-1", s.name);
    let kept = [(hook.clone(), ContainerStatus::Exited), (next, ContainerStatus::Created)];
    assert_eq!(hook_containers(&s).await, kept, "the failed hook's container is kept, the next hook's never started");

    // Fixed: the next `up` removes the old hook container, runs the hooks and starts the service.
    s.write(&FAILING.replace("exit 3", "exit 0"));
    let out = s.rcompose(&["up", "-d"]).await;
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(s.containers().await[&web].state, ContainerStatus::Running);
    assert_eq!(hook_containers(&s).await, [], "the kept container and the new ones are gone");

    // Broken again, then `down`: nothing of the project is left.
    s.write(FAILING);
    assert_eq!(s.rcompose(&["up", "-d", "--force-recreate"]).await.status.code(), Some(1));
    s.ok(&["down"]).await;
    assert_eq!(s.containers().await.len(), 0, "down removes the kept hook container too");
}

#[tokio::test]
async fn dry_run_says_which_hooks_would_run_and_runs_none() {
    let s = Stack::new("prestartdry", SEEDED).await;
    let out = s.rcompose(&["up", "-d", "--dry-run"]).await;
    assert!(out.status.success(), "{}", text(&out));
    let text = text(&out);
    assert!(text.contains("web: run pre_start (2 hooks before"), "{text}");
    assert!(text.contains("run pre_start hook 1 of web in container"), "{text}");
    assert_eq!(s.containers().await.len(), 0, "nothing was made");
}
