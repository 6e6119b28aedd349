//! Attached `up`, `pause`/`unpause` and the `restart` cascade, through the binary against the
//! real engine, side by side with Docker Compose where it matters (exit codes, log lines).

use std::process::Stdio;
use std::time::Duration;

use rcompose::engine::{ContainerStatus, Engine};

use crate::harness::{compose, SLEEPER};
use crate::up::Stack;

/// A job that fails and a server that would run for ten minutes.
const JOB_AND_SERVER: &str = r#"
services:
  job:
    image: busybox
    command: ["sh", "-c", "echo working; sleep 1; exit 5"]
  server:
    image: busybox
    command: ["sh", "-c", "echo serving; exec sleep 600"]
    stop_signal: SIGKILL
"#;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn exit_code_from_returns_the_services_code_and_stops_the_others() {
    let s = Stack::new("abort", JOB_AND_SERVER).await;
    let out = s.rcompose(&["up", "--no-color", "--abort-on-container-exit", "--exit-code-from", "job"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "stderr: {stderr}");
    assert!(stderr.contains("Aborting on container exit..."), "{stderr}");
    assert!(text(&out.stdout).contains("job-1 exited with code 5"), "{}", text(&out.stdout));
    let cs = s.containers().await;
    assert_eq!(cs[&s.container("server", 1)].state, ContainerStatus::Exited, "the server is stopped");

    // The server is stopped by the abort: its code is SIGKILL's, for both tools.
    if !crate::harness::reference_installed() {
        return;
    }
    let ours = s.rcompose(&["up", "--abort-on-container-exit", "--exit-code-from", "server"]).await;
    let theirs = s.docker_compose(&["up", "--abort-on-container-exit", "--exit-code-from", "server"]).await;
    assert_eq!(theirs.status.code(), Some(137), "docker compose: {}", text(&theirs.stderr));
    assert_eq!(ours.status.code(), theirs.status.code(), "{}", text(&ours.stderr));
    let theirs = s.docker_compose(&["up", "--abort-on-container-exit", "--exit-code-from", "job"]).await;
    assert_eq!(theirs.status.code(), Some(5), "docker compose agrees: {}", text(&theirs.stderr));
}

#[tokio::test]
async fn abort_on_failure_ignores_clean_exits() {
    let yaml = JOB_AND_SERVER.replace("exit 5", "exit 0").replace("exec sleep 600", "sleep 3; exit 7");
    let s = Stack::new("abort-failure", &yaml).await;
    let out = s.rcompose(&["up", "--no-color", "--abort-on-container-failure"]).await;
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("job-1 exited with code 0") && stdout.contains("server-1 exited with code 7"), "{stdout}");
}

#[tokio::test]
async fn lines_of_every_service_are_prefixed_as_docker_compose_prefixes_them() {
    let yaml = r#"
services:
  one:
    image: busybox
    command: ["sh", "-c", "echo first line; echo second line"]
  two:
    image: busybox
    command: ["sh", "-c", "echo from two"]
"#;
    let s = Stack::new("prefixes", yaml).await;
    let out = s.rcompose(&["up", "--no-color"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains('\x1b'), "no colours with --no-color: {stdout:?}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "Attaching to one-1, two-1");
    for expected in
        ["one-1  | first line", "one-1  | second line", "two-1  | from two", "one-1 exited with code 0", "two-1 exited with code 0"]
    {
        assert!(lines.contains(&expected), "{expected:?} in {stdout}");
    }
    let first = lines.iter().position(|l| *l == "one-1  | first line").unwrap();
    assert!(first < lines.iter().position(|l| *l == "one-1  | second line").unwrap(), "a container's lines keep their order");
    assert!(first < lines.iter().position(|l| *l == "one-1 exited with code 0").unwrap(), "a container's exit comes after its lines");

    // Docker Compose 2.40.3 prints the same lines, with terminal codes rcompose leaves out of
    // uncoloured output: a carriage return and an erase-line code before each exit line (2.26.1
    // wrote an erase-line code before each log line).
    if crate::harness::reference_installed() {
        let theirs = s.docker_compose(&["up", "--no-color"]).await;
        let theirs_text = text(&theirs.stdout).replace("\x1b[2K", "").replace("\r\x1b[K", "");
        let mut theirs: Vec<String> = theirs_text.lines().map(str::to_string).collect();
        let mut ours: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        theirs.sort();
        ours.sort();
        assert_eq!(ours, theirs);
    }

    let bare = s.ok(&["up", "--no-log-prefix", "one"]).await;
    assert!(bare.lines().any(|l| l == "first line"), "{bare}");
}

#[tokio::test]
async fn ctrl_c_stops_the_services_gracefully_and_exits_130() {
    stops_gracefully_on("ctrl-c", "-INT").await;
}

/// A process manager stops `up` with SIGTERM: Docker Compose treats it as Ctrl-C (graceful
/// stop, exit 130), and so do we.
#[tokio::test]
async fn sigterm_stops_the_services_gracefully_and_exits_130() {
    stops_gracefully_on("sigterm", "-TERM").await;
}

/// Sends `signal` to attached `up` once its service is ready; the service must be stopped
/// gracefully and `up` exit 130.
async fn stops_gracefully_on(test: &str, signal: &str) {
    let yaml = r#"
services:
  app:
    image: busybox
    command: ["sh", "-c", "trap 'exit 0' TERM; echo ready; while true; do sleep 0.2; done"]
"#;
    let s = Stack::new(test, yaml).await;
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "up", "--no-color"])
        .current_dir(s.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rcompose up");
    // Signal once the app says it is ready (its TERM trap is set by then), as the engine has
    // it: what `up` prints of it is the other tests' subject.
    let container = s.container("app", 1);
    let ready = async {
        loop {
            let logs = std::process::Command::new("docker").args(["logs", &container]).output().expect("docker logs");
            if String::from_utf8_lossy(&logs.stdout).contains("ready") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), ready).await.expect("the app gets ready");
    let pid = child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill").args([signal, &pid]).status().expect("kill");
    assert!(sent.success());
    let out =
        tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await.expect("up ends after the signal").expect("output");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Gracefully stopping... (press Ctrl+C again to force)"), "{stderr}");
    assert_eq!(stderr.lines().last(), Some("canceled"), "Docker Compose's last word: {stderr}");
    let details = s.engine.inspect_container(&s.container("app", 1)).await.expect("the app is kept");
    assert_eq!((details.state.status, details.state.exit_code), (ContainerStatus::Exited, 0), "stopped by SIGTERM, not killed");
}

#[tokio::test]
async fn pause_and_unpause_show_in_ps() {
    let s = Stack::new("pause", crate::up::PAIR).await;
    s.ok(&["up", "-d"]).await;
    s.ok(&["pause", "web"]).await;
    let web = s.container("web", 1);
    let ps = s.ok(&["ps"]).await;
    let line = |ps: &str, name: &str| ps.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name} in {ps}")).to_string();
    assert!(line(&ps, &web).contains("(Paused)"), "{ps}");
    assert!(!line(&ps, &s.container("db", 1)).contains("(Paused)"), "{ps}");
    assert_eq!(s.containers().await[&web].state, ContainerStatus::Paused);
    if crate::harness::reference_installed() {
        let theirs = text(&s.docker_compose(&["ps"]).await.stdout);
        assert!(line(&theirs, &web).contains("(Paused)"), "docker compose agrees: {theirs}");
    }

    s.ok(&["pause"]).await;
    assert!(s.containers().await.values().all(|c| c.state == ContainerStatus::Paused), "pausing a paused container changes nothing");
    s.ok(&["unpause"]).await;
    let ps = s.ok(&["ps"]).await;
    assert!(!ps.contains("(Paused)"), "{ps}");
    assert!(s.containers().await.values().all(|c| c.state == ContainerStatus::Running));
}

#[tokio::test]
async fn restart_cascades_to_dependents_that_ask_for_it() {
    let yaml = compose(&[
        ("db", &[SLEEPER]),
        ("web", &[SLEEPER, "depends_on:\n  db: {condition: service_started, restart: true}"]),
        ("worker", &[SLEEPER, "depends_on: [db]"]),
    ]);
    let s = Stack::new("restart", &yaml).await;
    s.ok(&["up", "-d"]).await;
    let started = async |service: &str| s.engine.inspect_container(&s.container(service, 1)).await.expect("inspect").state.started_at;
    let web_labels = s.engine.inspect_container(&s.container("web", 1)).await.unwrap().config.labels;
    assert_eq!(web_labels["com.docker.compose.depends_on"], "db:service_started:true", "the label Docker Compose writes");
    let (db, web, worker) = (started("db").await, started("web").await, started("worker").await);
    s.ok(&["restart", "db"]).await;
    let (db2, web2, worker2) = (started("db").await, started("web").await, started("worker").await);
    assert_ne!(db, db2, "db restarted");
    assert_ne!(web, web2, "web depends on db with restart: true");
    assert_eq!(worker, worker2, "worker does not ask to be restarted");

    s.ok(&["restart", "--no-deps", "db"]).await;
    assert_eq!(started("web").await, web2, "--no-deps restarts db alone");
}
