//! The command line as a user meets it: exit codes and `--help`, compared with what Docker
//! Compose 2.40.3 (the reference) returns for the same mistakes.

use std::process::{Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::harness::reference_installed;
use crate::up::Stack;
use rcompose::engine::ContainerStatus;

fn rcompose(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    rcompose_env(dir, args, &[])
}

/// Runs the binary in `dir` with `env` set (and COMPOSE_* left out of the inherited
/// environment); returns the exit code and standard error.
fn rcompose_env(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcompose"));
    cmd.args(args).current_dir(dir);
    for var in ["COMPOSE_FILE", "COMPOSE_PROGRESS", "COMPOSE_ANSI", "COMPOSE_PROJECT_NAME"] {
        cmd.env_remove(var);
    }
    let out = cmd.envs(env.iter().copied()).stdin(Stdio::null()).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn exit_codes_follow_docker_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(rcompose(dir, &["config"]).0, 14, "no compose file");
    std::fs::write(dir.join("compose.yaml"), "services:\n  a:\n    imagee: x\n").unwrap();
    let (code, err) = rcompose(dir, &["config"]);
    assert_eq!(code, 15, "invalid file");
    assert!(err.contains("compose.yaml:3:5: services.a: unknown key \"imagee\""), "{err}");
    std::fs::write(dir.join("compose.yaml"), "services:\n  a:\n    image: x\n").unwrap();
    assert_eq!(rcompose(dir, &["-p", "BAD", "config"]).0, 1, "invalid -p");
    assert_eq!(rcompose(dir, &["nosuchcommand"]).0, 16, "unknown command");
    assert_eq!(rcompose(dir, &["config", "--nosuchflag"]).0, 16, "unknown flag");
    assert_eq!(rcompose(dir, &["config", "-q"]).0, 0);
}

#[test]
fn every_command_has_help() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rcompose")).arg("--help").output().unwrap();
    let top = String::from_utf8_lossy(&out.stdout).into_owned();
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A description that wraps continues on a line indented further: not a command.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() > 5, "{top}");
    for c in commands {
        let (code, _) = rcompose(tmp.path(), &[&c, "--help"]);
        assert_eq!(code, 0, "{c} --help");
        let out = Command::new(env!("CARGO_BIN_EXE_rcompose")).args([&c, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.lines().next().is_some_and(|l| l.len() > 10), "{c} has no description:\n{text}");
    }
}

/// Mistakes caught before any engine call: Docker Compose exits 16 on a flag it cannot parse
/// and 1 on arguments it parses and then refuses; so do we.
#[test]
fn usage_mistakes_exit_as_docker_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: busybox\n").unwrap();
    let cases: &[(&[&str], i32)] = &[
        (&[], 0),
        (&["up", "--nosuch"], 16),
        (&["logs", "--tail"], 16),
        (&["down", "--rmi"], 16),
        (&["stop", "-t", "abc"], 16),
        (&["nosuchcommand"], 16),
        (&["port"], 1),
        (&["port", "web"], 1),
        (&["port", "web", "abc"], 1),
        (&["ls", "extra"], 1),
        (&["version", "extra"], 1),
        (&["up", "--build", "--no-build"], 1),
        (&["up", "--force-recreate", "--no-recreate"], 1),
        (&["up", "--always-recreate-deps", "--no-recreate"], 1),
        (&["up", "--scale", "web"], 1),
        (&["up", "--pull", "bogus"], 1),
        (&["down", "--rmi", "bogus"], 1),
        (&["config", "--format", "xml"], 1),
        (&["ls", "--format", "xml"], 1),
        (&["--progress", "x", "config"], 1),
        (&["--progress", "x", "version"], 0),
        (&["--progress", "tty", "config", "-q"], 0),
        (&["--progress", "tty", "stop"], 1),
        (&["--ansi", "bogus", "config", "-q"], 0),
        (&["-f", "missing.yaml", "config"], 14),
        (&["config", "nosuch"], 1),
        (&["logs", "--since", "99999999999999-01-01"], 1),
        (&["logs", "--until", "tomorrow"], 1),
    ];
    for (args, want) in cases {
        let (code, err) = rcompose(dir, args);
        assert_eq!(code, *want, "rcompose {args:?}: {err}");
    }
    let (_, err) = rcompose(dir, &["--progress", "x", "ps"]);
    assert!(err.contains("unsupported --progress value \"x\""), "{err}");
    // A time no date can hold is a clear error, not an overflow.
    let (_, err) = rcompose(dir, &["logs", "--since", "99999999999999-01-01"]);
    assert!(err.contains("invalid timestamp \"99999999999999-01-01\": out of range"), "{err}");
    let (_, err) = rcompose(dir, &["--ansi", "bogus", "config", "-q"]);
    assert!(err.contains("unsupported --ansi value \"bogus\""), "{err}");
    let (code, err) = rcompose(dir, &["alpha"]);
    assert_eq!(code, 16);
    assert!(err.contains("a Docker Compose command rcompose does not have"), "{err}");
    assert_eq!(rcompose_env(dir, &["config", "-q"], &[("COMPOSE_PROGRESS", "x")]).0, 1, "the variable is checked as the flag");
    assert_eq!(rcompose_env(dir, &["config", "-q"], &[("COMPOSE_FILE", "missing.yaml")]).0, 1);
}

/// Without an engine, every command that needs one exits 1; `config` and `version` work.
#[test]
fn an_unreachable_engine_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("compose.yaml"), "services:\n  web:\n    image: busybox\n").unwrap();
    let no_engine = [("DOCKER_HOST", "unix:///nonexistent/docker.sock")];
    for args in [
        &["up", "-d"][..],
        &["down"],
        &["ps"],
        &["logs"],
        &["start"],
        &["stop"],
        &["restart"],
        &["rm", "-f"],
        &["create"],
        &["kill"],
        &["pause"],
        &["unpause"],
        &["pull"],
        &["images"],
        &["port", "web", "80"],
        &["top"],
        &["ls"],
        &["--dry-run", "up"],
        &["events"],
        &["scale", "web=2"],
        &["export", "web"],
        &["commit", "web"],
    ] {
        let (code, err) = rcompose_env(dir, args, &no_engine);
        assert_eq!(code, 1, "rcompose {args:?}: {err}");
        assert!(err.contains("cannot connect to the docker engine"), "rcompose {args:?}: {err}");
    }
    assert_eq!(rcompose_env(dir, &["config", "-q"], &no_engine).0, 0);
    assert_eq!(rcompose_env(dir, &["version"], &no_engine).0, 0);
}

/// `start` with nothing to start fails, so that `start || up -d` works as with Docker Compose.
#[tokio::test]
async fn start_without_containers_exits_1() {
    let s = Stack::new(
        "startnone",
        "services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n  b:\n    image: busybox\n    command: [sleep, '600']\n",
    )
    .await;
    let out = s.rcompose(&["start"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    s.ok(&["create", "a"]).await;
    assert_eq!(s.rcompose(&["start", "b"]).await.status.code(), Some(1), "b has no container");
    s.ok(&["start", "a"]).await;
    s.ok(&["down", "-t", "0"]).await;
}

/// A command interrupted by Ctrl-C exits 130, as Docker Compose's does, even when the call
/// under way finishes (here a stop that waits for its timeout).
#[tokio::test]
async fn an_interrupted_stop_exits_130() {
    let s = Stack::new("stopint", "services:\n  app:\n    image: busybox\n    command: [sleep, '600']\n").await;
    s.ok(&["up", "-d"]).await;
    // `sleep` as PID 1 ignores SIGTERM: the stop lasts until the timeout kills it.
    let (status, rest) = interrupt_when(&s, &["--progress", "plain", "stop", "-t", "5"], |l| l.contains("Stopping")).await;
    assert_eq!(status.code(), Some(130));
    assert_eq!(rest.last().map(String::as_str), Some("canceled"), "Docker Compose's last word: {rest:?}");
    assert!(!rest.iter().any(|l| l.starts_with("error:")), "{rest:?}");
    s.ok(&["down", "-t", "0"]).await;
}

/// `watch` ends with Ctrl-C, and exits 130 then, as Docker Compose's does.
#[tokio::test]
async fn watch_ends_on_ctrl_c_with_130() {
    let yaml = "services:\n  app:\n    image: busybox\n    command: [sleep, '600']\n    develop:\n      watch:\n        - {action: sync, path: ./src, target: /src}\n";
    let s = Stack::new("watchint", yaml).await;
    std::fs::create_dir(s.dir.path().join("src")).unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "watch", "--no-up"])
        .current_dir(s.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rcompose watch");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let enabled = async {
        while let Some(line) = stdout.next_line().await.expect("read stdout") {
            if line.contains("Watch enabled") {
                return;
            }
        }
        panic!("watch ended before it was enabled");
    };
    tokio::time::timeout(Duration::from_secs(60), enabled).await.expect("watch starts");
    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait()).await.expect("watch ends").expect("status");
    assert_eq!(status.code(), Some(130));
}

/// `logs -f` ends with Ctrl-C as every command does (the one entry of `cli::session`): exit
/// 130 and "canceled", as Docker Compose's.
#[tokio::test]
async fn an_interrupted_log_follow_exits_130_canceled() {
    let s = Stack::new("logsint", "services:\n  app:\n    image: busybox\n    command: [sh, -c, 'echo ready; exec sleep 600']\n").await;
    s.ok(&["up", "-d"]).await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "logs", "-f"])
        .current_dir(s.dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn rcompose logs");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let followed = async {
        while let Some(line) = stdout.next_line().await.expect("read stdout") {
            if line.ends_with("ready") {
                return;
            }
        }
        panic!("logs ended before the container's line");
    };
    tokio::time::timeout(Duration::from_secs(60), followed).await.expect("the container's line comes");
    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output()).await.expect("logs ends").expect("output");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert_eq!(stderr.lines().last(), Some("canceled"), "{stderr}");
    s.ok(&["down", "-t", "0"]).await;
}

/// Runs `rcompose -p <project> args`, sends it SIGINT once a line of its standard error
/// matches `ready`, and returns its exit status and the standard error lines that followed.
pub(crate) async fn interrupt_when(s: &Stack, args: &[&str], ready: impl Fn(&str) -> bool) -> (std::process::ExitStatus, Vec<String>) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name])
        .args(args)
        .current_dir(s.dir.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn rcompose");
    let mut stderr = BufReader::new(child.stderr.take().expect("piped")).lines();
    // Standard output is watched too (attached `up` shows logs and hook output there), and
    // read to its end so that the child never blocks on it.
    let mut stdout = BufReader::new(child.stdout.take().expect("piped")).lines();
    let (seen, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let out_reader = tokio::spawn(async move {
        while let Ok(Some(line)) = stdout.next_line().await {
            let _ = seen.send(line);
        }
    });
    let reached = async {
        let mut out_open = true;
        loop {
            tokio::select! {
                line = stderr.next_line() => match line.expect("read stderr") {
                    Some(line) if ready(&line) => return,
                    Some(_) => {}
                    None => panic!("rcompose {args:?} ended before the line to interrupt at"),
                },
                line = seen_rx.recv(), if out_open => match line {
                    Some(line) if ready(&line) => return,
                    Some(_) => {}
                    None => out_open = false,
                },
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), reached).await.expect("the line to interrupt at comes");
    let pid = child.id().expect("running").to_string();
    assert!(std::process::Command::new("kill").args(["-INT", &pid]).status().expect("kill").success());
    let rest = async {
        let mut rest = Vec::new();
        while let Some(line) = stderr.next_line().await.expect("read stderr") {
            rest.push(line);
        }
        rest
    };
    let rest = tokio::time::timeout(Duration::from_secs(60), rest).await.expect("stderr closes");
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait()).await.expect("rcompose ends").expect("status");
    let _ = out_reader.await;
    (status, rest)
}

/// Ctrl-C while `up -d` waits on a dependency's health check: Docker Compose exits 130 and
/// says "canceled" (not that the dependency failed), and the dependent is left unstarted.
#[tokio::test]
async fn an_interrupted_health_wait_exits_130_canceled() {
    let yaml = r#"
services:
  db:
    image: busybox
    command: [sleep, '600']
    healthcheck: {test: ["CMD", "false"], interval: 2s, retries: 100}
  web:
    image: busybox
    command: [sleep, '600']
    depends_on: {db: {condition: service_healthy}}
"#;
    let s = Stack::new("healthint", yaml).await;
    let db = s.container("db", 1);
    let (status, rest) = interrupt_when(&s, &["--progress", "plain", "up", "-d"], |l| l.contains(&db) && l.ends_with("Started")).await;
    assert_eq!(status.code(), Some(130), "{rest:?}");
    assert_eq!(rest.last().map(String::as_str), Some("canceled"), "{rest:?}");
    assert!(!rest.iter().any(|l| l.starts_with("error:")), "{rest:?}");
    assert_eq!(s.containers().await[&s.container("web", 1)].state, ContainerStatus::Created, "web waits for a healthy db");
    s.ok(&["down", "-t", "0"]).await;
}

/// Service names the compose file does not declare, as Docker Compose 2.40.3 treats them:
/// `images` and `top` select nothing for them and exit 0 (we warn on standard error); every
/// other command refuses them (exit 1). Checked with the project down and up, and, when Docker
/// Compose is installed, side by side with it (exit code and stdout). With `-p` alone no file is
/// read: the labels decide, and a name no container has selects nothing.
#[tokio::test]
async fn unknown_services_are_ignored_or_refused_as_docker_compose() {
    let s = Stack::new(
        "unknownsvc",
        "services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n  b:\n    image: busybox\n    command: [sleep, '600']\n",
    )
    .await;
    let reference = reference_installed();
    let cases: &[(&[&str], i32)] = &[
        (&["ps", "nosuch"], 1),
        (&["logs", "nosuch"], 1),
        (&["images", "nosuch"], 0),
        (&["top", "nosuch"], 0),
        (&["stop", "nosuch"], 1),
        (&["kill", "nosuch"], 1),
        (&["pause", "nosuch"], 1),
        (&["unpause", "nosuch"], 1),
        (&["rm", "-f", "nosuch"], 1),
        (&["start", "nosuch"], 1),
        (&["restart", "nosuch"], 1),
        (&["create", "nosuch"], 1),
        (&["pull", "nosuch"], 1),
        (&["build", "nosuch"], 1),
        (&["port", "nosuch", "80"], 1),
    ];
    for running in [false, true] {
        if running {
            s.ok(&["up", "-d"]).await;
        }
        for (args, want) in cases {
            // With `-f`: with `-p` alone both tools work from labels and know of no services.
            let args = &[&["-f", "compose.yaml"][..], args].concat();
            let ours = s.rcompose(args).await;
            let (out, err) = (String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&ours.stderr));
            assert_eq!(ours.status.code(), Some(*want), "rcompose {args:?} (running: {running}): {err}");
            assert!(err.contains("no such service: nosuch") || err.contains("\"nosuch\""), "rcompose {args:?} names the service: {err}");
            if reference {
                let theirs = s.docker_compose(args).await;
                assert_eq!(
                    theirs.status.code(),
                    Some(*want),
                    "docker compose {args:?} (running: {running}): {}",
                    String::from_utf8_lossy(&theirs.stderr)
                );
                assert_eq!(out, String::from_utf8_lossy(&theirs.stdout), "stdout of {args:?} (running: {running})");
            }
        }
        assert_eq!(s.containers().await.len(), if running { 2 } else { 0 }, "nothing was touched");
    }
    // From the labels (`-p` alone), known names among unknown ones are acted on.
    s.ok(&["stop", "-t", "0", "a", "nosuch"]).await;
    let states: Vec<ContainerStatus> = s.containers().await.values().map(|c| c.state).collect();
    assert_eq!(states, [ContainerStatus::Exited, ContainerStatus::Running], "a stopped, b left alone");
    s.ok(&["down", "-t", "0"]).await;
}

/// With `-p` and no `-f`, the commands that can work from labels do, even where a compose file
/// is found, as Docker Compose's do: `-p name ps` shows project `name` as it runs, not as the
/// file of the current directory describes it.
#[tokio::test]
async fn a_project_name_without_a_file_flag_reads_the_labels_not_the_file() {
    let s = Stack::new("labelsonly", "services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n    stop_signal: SIGKILL\n  gone:\n    image: busybox\n    command: [sleep, '600']\n    stop_signal: SIGKILL\n").await;
    s.ok(&["up", "-d"]).await;
    s.write("services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n");
    let listed = |out: &str| out.lines().map(str::to_string).collect::<Vec<_>>();
    assert_eq!(listed(&s.ok(&["ps", "--services"]).await), ["a", "gone"]);
    let refused = s.rcompose(&["-f", "compose.yaml", "stop", "gone"]).await;
    assert_eq!(refused.status.code(), Some(1), "the file does not declare gone");
    s.ok(&["stop", "gone"]).await;
    assert_eq!(s.containers().await[&s.container("gone", 1)].state, ContainerStatus::Exited, "the labels do");
    if reference_installed() {
        let theirs = s.docker_compose(&["-f", "compose.yaml", "stop", "gone"]).await;
        assert_eq!(theirs.status.code(), Some(1), "Docker Compose refuses it from the file");
        let theirs = s.docker_compose(&["start", "gone"]).await;
        assert!(theirs.status.success(), "and starts it from the labels: {}", String::from_utf8_lossy(&theirs.stderr));
        assert_eq!(s.containers().await[&s.container("gone", 1)].state, ContainerStatus::Running);
    }
    s.ok(&["down", "-t", "0"]).await;
    assert!(s.containers().await.is_empty(), "down from the labels removes every container of the project");
}

/// With `-p` and no compose file, the commands work from the containers' labels, as Docker
/// Compose's do (`start` included: it used to need a compose file); a project that has no
/// containers makes `start` and `port` fail (exit 1) and the others succeed.
#[tokio::test]
async fn commands_work_from_labels_with_only_a_project_name() {
    let yaml = "services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n    ports: ['127.0.0.1::80']\n  b:\n    image: busybox\n    command: [sleep, '600']\n    depends_on: [a]\n";
    let s = Stack::new("labelsonly", yaml).await;
    s.ok(&["up", "-d"]).await;
    let empty = tempfile::tempdir().unwrap();
    let run = |args: &[&str], project: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_rcompose"));
        cmd.args(["-p", project])
            .args(args)
            .current_dir(empty.path())
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .stdin(Stdio::null());
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let name = s.name.clone();
    let running = || async { s.containers().await.values().filter(|c| c.state == ContainerStatus::Running).count() };
    for args in [&["ps"][..], &["logs"], &["images"], &["top"], &["port", "a", "80"], &["pause"], &["unpause"], &["stop", "-t", "0"]] {
        let (code, _, err) = run(args, &name);
        assert_eq!(code, 0, "rcompose -p NAME {args:?}: {err}");
    }
    assert_eq!(running().await, 0, "stopped");
    let (code, _, err) = run(&["start"], &name);
    assert_eq!(code, 0, "start from labels: {err}");
    assert_eq!(running().await, 2, "started from the labels");
    for args in [&["restart", "-t", "0"][..], &["kill"]] {
        let (code, _, err) = run(args, &name);
        assert_eq!(code, 0, "rcompose -p NAME {args:?}: {err}");
    }
    let (code, out, err) = run(&["rm", "-f"], &name);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&s.container("a", 1)), "rm -f says what it removes, as Docker Compose: {out}");
    assert!(s.containers().await.is_empty(), "killed, then removed");
    let (code, _, err) = run(&["down"], &name);
    assert_eq!(code, 0, "{err}");

    // A project with no containers at all.
    let none = format!("{name}-none");
    for (args, want) in [
        (&["ps"][..], 0),
        (&["logs"], 0),
        (&["images"], 0),
        (&["top"], 0),
        (&["stop"], 0),
        (&["restart"], 0),
        (&["kill"], 0),
        (&["pause"], 0),
        (&["unpause"], 0),
        (&["rm", "-f"], 0),
        (&["down"], 0),
        (&["start"], 1),
        (&["port", "a", "80"], 1),
    ] {
        let (code, _, err) = run(args, &none);
        assert_eq!(code, want, "rcompose -p {none} {args:?}: {err}");
        if reference_installed() {
            let theirs = Command::new("docker").args(["compose", "-p", &none]).args(args).current_dir(empty.path()).output().unwrap();
            assert_eq!(theirs.status.code(), Some(want), "docker compose -p {none} {args:?}");
        }
    }
}
