//! The read-only commands (`ps`, `logs`, `images`, `port`, `top`, `ls`) and `config --hash`,
//! run as the `rcompose` binary against containers on the real engine.
//!
//! The first test makes its containers itself, through the engine, with the labels Docker
//! Compose writes, and runs with `-p` and no compose file. The second lets Docker Compose
//! (the reference) create them and compares; it is skipped, with a note, when `docker compose`
//! is not installed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rcompose::engine::{ContainerSpec, Engine, LabelFilter, PortBinding};
use serde_json::Value as Json;

use crate::harness::{rcompose_in as rcompose, rcompose_ok as ok, TestProject, TEST_LABEL};

/// A busybox container of `project` carrying Docker Compose's labels, as `service-number`.
fn compose_container(p: &TestProject, service: &str, number: u32, script: &str) -> ContainerSpec {
    let mut spec = p.busybox(&format!("{service}-{number}"), script);
    spec.config.labels.extend([
        ("com.docker.compose.project".to_string(), p.name.clone()),
        ("com.docker.compose.service".into(), service.into()),
        ("com.docker.compose.container-number".into(), number.to_string()),
        ("com.docker.compose.oneoff".into(), "False".into()),
        ("com.docker.compose.project.config_files".into(), "/somewhere/compose.yaml".into()),
    ]);
    spec
}

/// Polls `check` for up to ten seconds.
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..50 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("timed out waiting for {what}");
}

#[tokio::test]
async fn status_commands_work_from_labels_alone() {
    let p = TestProject::new("status-labels").await;
    let e = &p.engine;
    let mut web = compose_container(&p, "web", 1, "echo one; echo two; echo three; exec sleep 300");
    web.config.exposed_ports = vec!["80/tcp".into()];
    web.host.port_bindings =
        BTreeMap::from([("80/tcp".to_string(), vec![PortBinding { host_ip: Some("127.0.0.1".into()), host_port: None }])]);
    let web_id = e.create_container(&web).await.expect("create web");
    e.start_container(&web_id).await.expect("start web");
    let db_id = e.create_container(&compose_container(&p, "db", 1, "exit 0")).await.expect("create db");
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let name = p.name.as_str();

    // ps: running containers only, unless -a; the columns of Docker Compose.
    let table = ok(d, &["-p", name, "ps"]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NAME") && lines[0].ends_with("PORTS"), "{table}");
    for column in ["IMAGE", "COMMAND", "SERVICE", "CREATED", "STATUS"] {
        assert!(lines[0].contains(column), "{table}");
    }
    assert_eq!(lines.len(), 2, "{table}");
    assert!(lines[1].starts_with(&format!("{name}-web-1 ")), "{table}");
    assert!(lines[1].contains("\"sh -c 'echo one; ec…\"") && lines[1].contains(" Up "), "{table}");
    assert!(lines[1].contains("127.0.0.1:") && lines[1].ends_with("->80/tcp"), "{table}");
    assert_eq!(ok(d, &["-p", name, "ps", "-a", "--services"]), "db\nweb\n");
    assert_eq!(ok(d, &["-p", name, "ps", "-q"]), format!("{web_id}\n"));
    assert_eq!(ok(d, &["-p", name, "ps", "--status", "created", "-q"]), format!("{db_id}\n"));

    // ps --format json: one object per line, Docker Compose's fields.
    let json = ok(d, &["-p", name, "ps", "-a", "--format", "json"]);
    let rows: Vec<Json> = json.lines().map(|l| serde_json::from_str(l).expect("a JSON object per line")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0]["Name"].as_str(), rows[0]["Service"].as_str(), rows[0]["State"].as_str()),
        (Some(&*format!("{name}-db-1")), Some("db"), Some("created"))
    );
    assert_eq!(rows[1]["Project"], name);
    assert_eq!(rows[1]["Publishers"][0]["TargetPort"], 80);
    assert_eq!(rows[1]["ID"].as_str().map(str::len), Some(12));

    // port: the published address.
    let web_summary = e.list_containers(false, &p.filter()).await.expect("list").into_iter().find(|c| c.id == web_id).expect("web listed");
    let published = web_summary.ports.iter().find_map(|p| p.public_port).expect("a published port");
    assert_eq!(ok(d, &["-p", name, "port", "web", "80"]), format!("127.0.0.1:{published}\n"));
    let (code, _, err) = rcompose(d, &["-p", name, "port", "db", "80"]);
    assert_eq!((code, err.contains("service \"db\" is not running")), (1, true), "{err}");

    // logs: the last lines of each container, prefixed with service-number.
    eventually("the web container's output", || ok(d, &["-p", name, "logs", "web"]).lines().count() == 3).await;
    let tail = ok(d, &["-p", name, "logs", "--tail", "2", "web"]);
    let mut got: Vec<&str> = tail.lines().collect();
    got.sort_unstable();
    assert_eq!(got, ["web-1  | three", "web-1  | two"], "{tail}");
    assert_eq!(
        ok(d, &["-p", name, "logs", "--no-log-prefix", "--tail", "3", "--no-color", "web"]).lines().filter(|l| *l == "one").count(),
        1
    );

    // images, top, ls.
    let images = ok(d, &["-p", name, "images"]);
    assert!(images.starts_with("CONTAINER") && images.contains(&format!("{name}-web-1")) && images.contains("busybox"), "{images}");
    let top = ok(d, &["-p", name, "top"]);
    assert!(top.starts_with(&format!("{name}-web-1\n")) && top.contains("sleep 300"), "{top}");
    let ls: Vec<Json> = serde_json::from_str(&ok(d, &["ls", "-a", "--format", "json"])).expect("ls json");
    let mine = ls.iter().find(|r| r["Name"] == name).expect("the project is listed");
    assert_eq!(mine["Status"], "created(1), running(1)");
    assert_eq!(mine["ConfigFiles"], "/somewhere/compose.yaml");
}

/// Removes a Docker Compose project when dropped, even if the test panics.
struct ReferenceProject<'a> {
    dir: &'a Path,
    name: String,
}

impl Drop for ReferenceProject<'_> {
    fn drop(&mut self) {
        let _ = docker_compose(self.dir, &["-p", &self.name, "down", "-t", "0", "-v"]);
    }
}

fn docker_compose(dir: &Path, args: &[&str]) -> std::io::Result<std::process::Output> {
    Command::new("docker").arg("compose").args(args).current_dir(dir).output()
}

const REFERENCE_STACK: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "echo first; echo 'a <b> & c'; echo last; exec sleep 300"]
    ports: ["127.0.0.1::80"]
    labels: {LABEL: LABEL_VALUE}
    environment: {GREETING: "hello & <welcome>"}
    healthcheck: {test: ["CMD", "true"], interval: 1s}
    stop_grace_period: 1m30s
  worker:
    image: busybox:latest
    command: sleep 300
    env_file: worker.env
    depends_on: {web: {condition: service_started}}
    deploy: {resources: {limits: {cpus: "0.5", memory: 64m}}}
    labels: {LABEL: LABEL_VALUE}
networks:
  default:
    labels: {LABEL: LABEL_VALUE}
"#;

#[tokio::test]
async fn docker_compose_containers_are_listed_and_hashed_alike() {
    let p = TestProject::new("status-reference").await;
    if !crate::harness::reference_installed() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("compose.yaml"), REFERENCE_STACK.replace("LABEL_VALUE", &p.name).replace("LABEL", TEST_LABEL)).unwrap();
    std::fs::write(d.join("worker.env"), "FROM_FILE=1\n").unwrap();
    let guard = ReferenceProject { dir: d, name: p.name.clone() };
    let up = docker_compose(d, &["-p", &guard.name, "up", "-d"]).expect("docker compose up");
    assert!(up.status.success(), "docker compose up: {}", String::from_utf8_lossy(&up.stderr));
    let name = guard.name.as_str();

    // config --hash: the very value Docker Compose wrote in each container's label.
    let filter = LabelFilter::new().eq("com.docker.compose.project", name);
    let containers = p.engine.list_containers(true, &filter).await.expect("list");
    let mut labels: Vec<String> = containers
        .iter()
        .map(|c| format!("{} {}", c.labels["com.docker.compose.service"], c.labels["com.docker.compose.config-hash"]))
        .collect();
    labels.sort();
    assert_eq!(ok(d, &["-p", name, "config", "--hash", "*"]), labels.join("\n") + "\n");

    // The same rows as the reference, but for what depends on the time of the call.
    let reference = |args: &[&str]| {
        let mut all = vec!["-p", name];
        all.extend_from_slice(args);
        String::from_utf8_lossy(&docker_compose(d, &all).expect("docker compose").stdout).replace("\x1b[2K", "")
    };
    let timeless = |text: &str| -> Vec<Json> {
        text.lines()
            .map(|l| {
                let mut v: Json = serde_json::from_str(l).expect("json");
                for k in ["Labels", "RunningFor", "Status", "Health", "CreatedAt"] {
                    v.as_object_mut().unwrap().remove(k);
                }
                v
            })
            .collect()
    };
    assert_eq!(timeless(&ok(d, &["-p", name, "ps", "-a", "--format", "json"])), timeless(&reference(&["ps", "-a", "--format", "json"])));
    for args in [&["ps", "-q"][..], &["ps", "--services"], &["images"], &["port", "web", "80"]] {
        let mut full = vec!["-p", name];
        full.extend_from_slice(args);
        assert_eq!(ok(d, &full), reference(args), "rcompose {args:?}");
    }
    // Docker Compose 2.40.3 lists the images of `--format json` in a map's order, which varies
    // from run to run: the same entries, and the same text once sorted by container.
    let by_container = |text: &str| -> (Vec<Json>, bool) {
        let mut rows: Vec<Json> = serde_json::from_str(text.trim_end()).expect("images json");
        rows.sort_by_key(|r| r["ContainerName"].as_str().unwrap_or_default().to_string());
        (rows, text.ends_with("]\n\n"))
    };
    assert_eq!(
        by_container(&ok(d, &["-p", name, "images", "--format", "json"])),
        by_container(&reference(&["images", "--format", "json"]))
    );
    assert!(ok(d, &["ls", "-q"]).lines().any(|l| l == name));
    eventually("the web container's output", || reference(&["logs", "web"]).lines().count() == 3).await;
    assert_eq!(ok(d, &["-p", name, "logs", "--tail", "2", "web"]), reference(&["logs", "--tail", "2", "web"]));
    assert_eq!(ok(d, &["-p", name, "logs", "--tail", "2", "web"]), "web-1  | a <b> & c\nweb-1  | last\n");
}
