//! rcompose as the docker CLI's `compose` plugin: a temporary DOCKER_CONFIG holds it as
//! `cli-plugins/docker-compose`, and `docker --config DIR compose ...` runs it.

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixListener};
use std::process::{Command, Output};
use std::time::Duration;

use crate::up::Stack;

/// A docker config directory whose only plugin is rcompose.
fn docker_config() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("cli-plugins")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_rcompose"), dir.path().join("cli-plugins/docker-compose")).unwrap();
    dir
}

fn docker(config: &tempfile::TempDir, cwd: &std::path::Path, args: &[&str]) -> Output {
    Command::new("docker").arg("--config").arg(config.path()).args(args).current_dir(cwd).output().expect("the docker CLI runs")
}

fn ok(out: &Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_plugin_handshake_answers_the_docker_cli() {
    let out = Command::new(env!("CARGO_BIN_EXE_rcompose")).arg("docker-cli-plugin-metadata").output().unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    assert_eq!(meta["SchemaVersion"], "0.1.0");
    assert_eq!(meta["Vendor"], "rcompose");
    assert_eq!(meta["Version"], env!("CARGO_PKG_VERSION"));
}

#[tokio::test]
async fn docker_compose_runs_rcompose_as_its_plugin() {
    let config = docker_config();
    let s = Stack::new("plugin", "services:\n  web:\n    image: busybox:latest\n    command: sleep 300\n").await;
    let dir = s.dir.path();
    let version = ok(&docker(&config, dir, &["compose", "version"]), "docker compose version");
    assert_eq!(version, format!("rcompose version {}\n", env!("CARGO_PKG_VERSION")));
    // The docker CLI passes its own flags before `compose`: `--config` reaches rcompose too.
    let help = ok(&docker(&config, dir, &["compose", "--help"]), "docker compose --help");
    assert!(help.contains("Usage: docker compose"), "{help}");
    // `docker compose <Tab>`: the docker CLI asks the plugin, in cobra's format.
    let offered = ok(&docker(&config, dir, &["__complete", "compose", "logs", "w"]), "docker __complete compose");
    assert_eq!(offered, "web\n:4\n");
    let offered = ok(&docker(&config, dir, &["__complete", "compose", "vol"]), "docker __complete compose");
    assert_eq!(offered, "volumes\tList the project's volumes\n:4\n");
    ok(&docker(&config, dir, &["compose", "-p", &s.name, "up", "-d"]), "docker compose up -d");
    let ps = ok(&docker(&config, dir, &["compose", "-p", &s.name, "ps", "--format", "json"]), "docker compose ps");
    let row: serde_json::Value = serde_json::from_str(ps.lines().next().expect("one container")).unwrap();
    assert_eq!((row["Service"].as_str(), row["State"].as_str()), (Some("web"), Some("running")), "{ps}");
    // Named by -p from elsewhere, the project is found by its labels.
    let elsewhere = tempfile::tempdir().unwrap();
    let ps = ok(&docker(&config, elsewhere.path(), &["compose", "-p", &s.name, "ps", "-q"]), "docker compose -p X ps");
    assert_eq!(ps.lines().count(), 1, "{ps}");
    assert_eq!(docker(&config, dir, &["compose", "nosuchcommand"]).status.code(), Some(16));
    ok(&docker(&config, dir, &["compose", "-p", &s.name, "down"]), "docker compose down");
    assert!(s.containers().await.is_empty());
}

/// With DOCKER_CLI_PLUGIN_SOCKET set, rcompose connects to the CLI's socket, and stops as on
/// Ctrl-C when the CLI closes it.
#[tokio::test]
async fn the_cli_socket_is_connected_and_its_closing_stops_rcompose() {
    let s = Stack::new("plugin-socket", "services:\n  web:\n    image: busybox:latest\n    command: sleep 300\n").await;
    s.ok(&["up", "-d"]).await;
    let name = format!("rcompose_test_{}_{}", std::process::id(), s.name);
    let listener = UnixListener::bind_addr(&SocketAddr::from_abstract_name(name.as_bytes()).unwrap()).unwrap();
    listener.set_nonblocking(true).unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "wait", "web"])
        .env("DOCKER_CLI_PLUGIN_SOCKET", format!("@{name}"))
        .current_dir(s.dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut conn = None;
    for _ in 0..100 {
        match listener.accept() {
            Ok((c, _)) => {
                conn = Some(c);
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => tokio::time::sleep(Duration::from_millis(100)).await,
            Err(e) => panic!("accept: {e}"),
        }
    }
    let conn = conn.expect("rcompose connected to the CLI socket");
    // `wait` is blocked on a container that sleeps 300 s: closing the socket is what ends it.
    // (The pause lets rcompose reach its signal handling: before, SIGTERM ends it unhandled.)
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(conn);
    let out = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output()).await.expect("rcompose stopped").unwrap();
    assert_eq!(out.status.code(), Some(130), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().last(), Some("canceled"));
}
