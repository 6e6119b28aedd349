//! `events`, `scale`, `export`, `commit` and `publish` on the real engine, with Docker Compose
//! 2.40.3's output (compared with the reference when it is installed).

use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, BufReader};

use rcompose::engine::Engine;

use crate::harness::reference_installed;
use crate::up::Stack;

const TWO: &str = "services:
  a:
    image: busybox:latest
    command: sleep 600
    stop_signal: SIGKILL
    labels: [tier=front]
  b:
    image: busybox:latest
    command: sleep 600
    stop_signal: SIGKILL
";

fn text(out: &std::process::Output) -> (i32, String, String) {
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// The plain lines with their attributes sorted (Docker Compose prints them in Go's random
/// map order).
fn sorted_attributes(out: &str) -> Vec<String> {
    out.lines()
        .map(|l| match l.rsplit_once(" (") {
            Some((head, attrs)) => {
                let mut a: Vec<&str> = attrs.trim_end_matches(')').split(", ").collect();
                a.sort();
                format!("{head} ({})", a.join(", "))
            }
            None => l.to_string(),
        })
        .collect()
}

#[tokio::test]
async fn events_between_since_and_until_as_docker_compose_prints_them() {
    let s = Stack::new("cmds-events", TWO).await;
    s.ok(&["up", "-d"]).await;
    let since = now().to_string();
    s.ok(&["restart", "a"]).await;
    s.ok(&["stop", "b"]).await;
    let until = (now() + 1).to_string();
    let containers = s.containers().await;
    let id = |service: &str| containers[&s.container(service, 1)].id.clone();

    let plain = s.ok(&["events", "--since", &since, "--until", &until]).await;
    assert!(plain.contains(&format!(" container start {} (", id("a"))), "{plain}");
    assert!(plain.contains(&format!(" container stop {} (", id("b"))), "{plain}");
    assert!(plain.contains("tier=front"), "the container's own labels are attributes: {plain}");
    assert!(!plain.contains("com.docker.compose."), "compose labels are left out: {plain}");
    assert!(plain.lines().skip(1).step_by(2).all(str::is_empty), "an empty line after each event: {plain}");

    let json = s.ok(&["events", "--json", "--since", &since, "--until", &until, "a"]).await;
    let events: Vec<serde_json::Value> = json.lines().map(|l| serde_json::from_str(l).expect("a JSON object per line")).collect();
    assert!(!events.is_empty());
    for e in &events {
        let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["action", "attributes", "id", "service", "time", "type"]);
        assert_eq!(e["service"], "a", "only service a: {e}");
        assert_eq!(e["type"], "container");
        assert_eq!(e["id"], id("a").as_str());
    }
    assert!(events.iter().any(|e| e["action"] == "kill"), "restarted: {json}");

    if reference_installed() {
        let theirs = text(&s.docker_compose(&["events", "--since", &since, "--until", &until]).await).1;
        assert_eq!(sorted_attributes(&plain), sorted_attributes(&theirs));
        let theirs = text(&s.docker_compose(&["events", "--json", "--since", &since, "--until", &until, "a"]).await).1;
        assert_eq!(json, theirs);
    }
}

#[tokio::test]
async fn events_follows_until_interrupted() {
    let s = Stack::new("cmds-events-follow", TWO).await;
    s.ok(&["up", "-d", "b"]).await;
    let since = now().to_string();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "events", "--json", "--since", &since, "b"])
        .current_dir(s.dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn rcompose events");
    s.ok(&["up", "-d", "a"]).await;
    s.ok(&["stop", "b"]).await;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    while let Some(line) = lines.next_line().await.expect("read events") {
        let e: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(e["service"], "b", "only b's events: {e}");
        seen.push(e["action"].as_str().unwrap().to_string());
        if seen.last().map(String::as_str) == Some("stop") {
            break;
        }
    }
    assert!(seen.contains(&"die".to_string()), "{seen:?}");
    // Interrupted, it exits as Docker Compose's does after Ctrl-C: 130.
    let pid = child.id().expect("running") as i32;
    unsafe { libc::kill(pid, libc::SIGINT) };
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130));
}

#[tokio::test]
async fn events_refuses_an_unreadable_time() {
    let s = Stack::new("cmds-events-bad", TWO).await;
    let (code, _, err) = text(&s.rcompose(&["events", "--since", "garbage"]).await);
    assert_eq!(code, 1);
    assert!(err.contains("invalid timestamp \"garbage\""), "{err}");
}

#[tokio::test]
async fn publish_is_refused_clearly() {
    let s = Stack::new("cmds-publish", TWO).await;
    let (code, out, err) = text(&s.rcompose(&["publish", "--with-env", "registry.example/app:1"]).await);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(err.contains("publish is not supported by rcompose"), "{err}");
}

const WEB_DB: &str = "services:
  web:
    image: busybox:latest
    command: sleep 600
    stop_signal: SIGKILL
    depends_on: [db]
  db:
    image: busybox:latest
    command: sleep 600
    stop_signal: SIGKILL
";

/// The project's running containers' names, sorted.
async fn running(s: &Stack) -> Vec<String> {
    s.containers().await.into_iter().filter(|(_, c)| c.state == rcompose::engine::ContainerStatus::Running).map(|(n, _)| n).collect()
}

#[tokio::test]
async fn scale_adds_and_removes_containers_as_up_scale_does() {
    let s = Stack::new("cmds-scale", WEB_DB).await;
    let names = |list: &[(&str, u32)]| list.iter().map(|(svc, n)| s.container(svc, *n)).collect::<Vec<_>>();
    s.ok(&["scale", "--no-deps", "web=2"]).await;
    assert_eq!(running(&s).await, names(&[("web", 1), ("web", 2)]), "--no-deps leaves db alone");
    s.ok(&["scale", "web=3"]).await;
    assert_eq!(running(&s).await, names(&[("db", 1), ("web", 1), ("web", 2), ("web", 3)]), "db comes with web");
    s.ok(&["scale", "web=1", "db=2"]).await;
    assert_eq!(running(&s).await, names(&[("db", 1), ("db", 2), ("web", 1)]));
    let plan = s.ok(&["--dry-run", "scale", "web=2"]).await;
    assert!(plan.contains("web #2: create (scale to 2)"), "{plan}");
    assert_eq!(running(&s).await.len(), 3, "a dry run changes nothing");
    // db, a dependency, is converged to its own scale (1) too, as Docker Compose does.
    s.ok(&["scale", "web=0"]).await;
    assert_eq!(running(&s).await, names(&[("db", 1)]));

    for (args, message) in [
        (&["scale", "web"][..], "invalid scale specifier: web"),
        (&["scale", "web=x"][..], "invalid scale specifier: can't parse replica value as int: web=x"),
        (&["scale", "nosuch=2"][..], "no such service: nosuch"),
    ] {
        let (code, _, err) = text(&s.rcompose(args).await);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        if reference_installed() {
            let (code, _, err) = text(&s.docker_compose(args).await);
            assert_eq!(code, 1, "{args:?}: {err}");
            assert!(err.contains(message), "Docker Compose says {err}");
        }
    }
    if reference_installed() {
        // Docker Compose scales what rcompose made, to the same containers.
        let out = s.docker_compose(&["scale", "web=2", "db=1"]).await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(running(&s).await, names(&[("db", 1), ("web", 1), ("web", 2)]));
    }
}

/// The entries of a tar archive, with the content of `wanted`.
fn entries(tar: &[u8], wanted: &str) -> (Vec<String>, Option<String>) {
    let mut archive = ::tar::Archive::new(tar);
    let (mut names, mut content) = (Vec::new(), None);
    for entry in archive.entries().expect("a tar archive") {
        let mut entry = entry.expect("an entry");
        let name = entry.path().unwrap().display().to_string();
        if name == wanted {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut entry, &mut text).unwrap();
            content = Some(text);
        }
        names.push(name);
    }
    names.sort();
    (names, content)
}

#[tokio::test]
async fn export_streams_the_containers_file_system_to_a_file_or_standard_output() {
    let s = Stack::new("cmds-export", TWO).await;
    s.ok(&["up", "-d", "--scale", "a=2"]).await;
    s.ok(&["exec", "--index", "2", "a", "sh", "-c", "echo second > /marker"]).await;
    s.ok(&["exec", "a", "sh", "-c", "echo first > /marker"]).await;

    let out = s.rcompose(&["export", "a"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (names, marker) = entries(&out.stdout, "marker");
    assert_eq!(marker.as_deref(), Some("first\n"), "the lowest-numbered container");
    assert!(names.contains(&"bin/busybox".to_string()), "{names:?}");

    let file = s.dir.path().join("a2.tar");
    s.ok(&["export", "--index", "2", "-o", file.to_str().unwrap(), "a"]).await;
    let written = std::fs::read(&file).unwrap();
    assert_eq!(entries(&written, "marker").1.as_deref(), Some("second\n"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "as Docker Compose writes it");
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".rcompose-export"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left");

    let dry = s.dir.path().join("dry.tar");
    s.ok(&["--dry-run", "export", "-o", dry.to_str().unwrap(), "a"]).await;
    assert!(!dry.exists(), "a dry run writes nothing");

    for (args, message) in [
        (&["export", "--index", "3", "a"][..], "service \"a\" is not running container #3"),
        (&["export", "-o", "/nonexistent-dir/x.tar", "a"][..], "invalid output path: directory \"/nonexistent-dir\" does not exist"),
        (&["export", "nosuch"][..], "service \"nosuch\" is not running"),
    ] {
        let (code, out, err) = text(&s.rcompose(args).await);
        assert_eq!((code, out.as_str()), (1, ""), "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
        if reference_installed() {
            let (code, _, err) = text(&s.docker_compose(args).await);
            assert_eq!(code, 1, "{args:?}: {err}");
            assert!(err.contains(message), "Docker Compose says {err}");
        }
    }

    // Never a tar archive on a terminal, as Docker Compose refuses.
    let mut pty = crate::pty::Pty::rcompose(s.dir.path(), &s.name, &["export", "a"], 24, 80);
    assert_eq!(pty.wait(), 1);
    assert!(pty.transcript().contains("output option is required when exporting to terminal"), "{}", pty.transcript());

    if reference_installed() {
        let theirs = s.docker_compose(&["export", "a"]).await;
        assert!(theirs.status.success());
        assert_eq!(names, entries(&theirs.stdout, "marker").0, "the same entries as Docker Compose's export");
    }
}

#[tokio::test]
async fn commit_makes_an_image_with_author_message_and_changes() {
    let s = Stack::new("cmds-commit", TWO).await;
    s.ok(&["up", "-d", "a"]).await;
    s.ok(&["exec", "a", "sh", "-c", "echo kept > /marker"]).await;
    let reference = format!("{}-image:v1", s.name);
    let out = s
        .rcompose(&[
            "commit",
            "-a",
            "Jane <jane@example.com>",
            "-m",
            "a message",
            "-c",
            "ENV FOO=bar",
            "-c",
            "LABEL x=y",
            "-p=false",
            "a",
            &reference,
        ])
        .await;
    let (code, _, err) = text(&out);
    assert_eq!(code, 0, "{err}");
    let image = s.engine.inspect_image(&reference).await.expect("the committed image");
    assert!(err.contains(&format!("Committed as {}", image.id)), "{err}");
    assert_eq!(image.labels.get("x").map(String::as_str), Some("y"));
    let check = tokio::process::Command::new("docker")
        .args(["image", "inspect", &reference, "--format", "{{.Author}}|{{.Comment}}|{{index .Config.Env 1}}"])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&check.stdout).trim(), "Jane <jane@example.com>|a message|FOO=bar");

    let dry = format!("{}-image:dry", s.name);
    s.ok(&["--dry-run", "commit", "a", &dry]).await;
    assert!(s.engine.inspect_image(&dry).await.is_err(), "a dry run makes no image");
    let (code, _, err) = text(&s.rcompose(&["commit", "b", &dry]).await);
    assert_eq!(code, 1);
    assert!(err.contains("service \"b\" is not running"), "{err}");
    if reference_installed() {
        let theirs = format!("{}-image:v2", s.name);
        let (code, _, err) = text(&s.docker_compose(&["commit", "-m", "a message", "a", &theirs]).await);
        assert_eq!(code, 0, "{err}");
        assert_eq!(
            s.engine.inspect_image(&theirs).await.unwrap().labels,
            s.engine.inspect_image(&reference).await.unwrap().labels.into_iter().filter(|(k, _)| k != "x").collect()
        );
    }
    for r in [reference, format!("{}-image:v2", s.name)] {
        let _ = s.engine.remove_image(&r, true).await;
    }
}

#[tokio::test]
async fn graph_reads_the_files_alone() {
    let yaml = "services:
  web:
    image: busybox:latest
    depends_on:
      db: {condition: service_healthy}
    volumes: [data:/data]
  db:
    image: busybox:latest
    volumes: [data:/var/lib/db]
  sidecar:
    image: busybox:latest
    network_mode: service:web
volumes:
  data: {}
";
    let s = Stack::new("cmds-graph", yaml).await;
    // No engine is reached: an address where nothing answers changes nothing.
    let graph = |args: &[&str]| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rcompose"));
        cmd.args(["-p", &s.name, "graph"]).args(args).current_dir(s.dir.path()).env("DOCKER_HOST", "unix:///nonexistent.sock");
        cmd.output().expect("run rcompose graph")
    };
    let (code, tree, err) = text(&graph(&[]));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        tree,
        "sidecar\n└── web  [network_mode]\n    └── db  [service_healthy]\n\nnetworks:\n  default: db, web\n\nvolumes:\n  data: db, web\n"
    );
    let (_, dot, _) = text(&graph(&["--format", "dot"]));
    assert!(dot.contains("\"web\" -> \"db\" [label=\"service_healthy\"];"), "{dot}");
    let (_, mermaid, _) = text(&graph(&["--format", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    let (_, json, _) = text(&graph(&["--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["volumes"]["data"], serde_json::json!(["db", "web"]));
    let (code, _, err) = text(&graph(&["--format", "png"]));
    assert_eq!(code, 1);
    assert!(err.contains("unsupported format \"png\""), "{err}");
}
