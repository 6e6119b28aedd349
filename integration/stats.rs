//! `stats` on a project `rcompose up` started: the figures' fields, the containers chosen
//! (`-a`, SERVICE), `--no-trunc`, the live output, and, when the reference is installed, the
//! same rows as Docker Compose's for the fields that do not change from one call to the next.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value as Json;

use crate::harness::{rcompose_ok as ok, run_in as run, TestProject, TEST_LABEL};

const STACK: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["sh", "-c", "sleep 600 & exec sleep 600"]
    stop_signal: SIGKILL
    labels: {LABEL: VALUE}
    deploy: {resources: {limits: {memory: 64m}}}
  worker:
    image: busybox:latest
    command: sleep 600
    stop_signal: SIGKILL
    labels: {LABEL: VALUE}
  once:
    image: busybox:latest
    command: "true"
    labels: {LABEL: VALUE}
networks:
  default:
    labels: {LABEL: VALUE}
"#;

fn rows(text: &str) -> Vec<Json> {
    text.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect()
}

#[tokio::test]
async fn stats_shows_the_docker_clis_figures() {
    let p = TestProject::new("stats-figures").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    std::fs::write(d.join("compose.yaml"), STACK.replace("LABEL", TEST_LABEL).replace("VALUE", &p.name)).unwrap();
    let name = p.name.as_str();
    ok(d, &["-p", name, "up", "-d"]);
    for _ in 0..100 {
        if ok(d, &["-p", name, "ps", "-a", "--format", "{{.State}}", "once"]) == "exited\n" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }

    // Running containers only, with every field of the docker CLI.
    let running = rows(&ok(d, &["-p", name, "stats", "--no-stream", "--format", "json"]));
    let mut names: Vec<&str> = running.iter().map(|r| r["Name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, [format!("{name}-web-1"), format!("{name}-worker-1")]);
    let web = running.iter().find(|r| r["Name"] == format!("{name}-web-1").as_str()).unwrap();
    let fields: Vec<&String> = web.as_object().unwrap().keys().collect();
    assert_eq!(fields, ["BlockIO", "CPUPerc", "Container", "ID", "MemPerc", "MemUsage", "Name", "NetIO", "PIDs"]);
    assert_eq!(web["Container"].as_str().unwrap().len(), 64);
    assert!(web["Container"].as_str().unwrap().starts_with(web["ID"].as_str().unwrap()) && web["ID"].as_str().unwrap().len() == 12);
    for percent in ["CPUPerc", "MemPerc"] {
        let v = web[percent].as_str().unwrap();
        assert!(v.ends_with('%') && v.trim_end_matches('%').parse::<f64>().is_ok(), "{percent}: {v}");
    }
    assert!(web["MemUsage"].as_str().unwrap().ends_with(" / 64MiB"), "the 64m limit: {web}");
    assert_eq!(web["PIDs"], "2", "the shell's two sleeps");
    for io in ["NetIO", "BlockIO"] {
        assert_eq!(web[io].as_str().unwrap().split(" / ").count(), 2, "{io}: {web}");
    }

    // -a adds the stopped container, whose figures are all zero; SERVICE keeps one service.
    let all = rows(&ok(d, &["-p", name, "stats", "--no-stream", "-a", "--format", "json"]));
    let once = all.iter().find(|r| r["Name"] == format!("{name}-once-1").as_str()).expect("the stopped container with -a");
    assert_eq!((once["MemUsage"].as_str(), once["PIDs"].as_str(), once["CPUPerc"].as_str()), (Some("0B / 0B"), Some("0"), Some("0.00%")));
    assert_eq!(ok(d, &["-p", name, "stats", "--no-stream", "--format", "{{.Name}}", "worker"]), format!("{name}-worker-1\n"));
    let full = ok(d, &["-p", name, "stats", "--no-stream", "--no-trunc", "--format", "{{.ID}}", "worker"]);
    assert_eq!(full.trim().len(), 64, "{full}");

    // The default table: the docker CLI's columns.
    let table = ok(d, &["-p", name, "stats", "--no-stream"]);
    let header: Vec<&str> = table.lines().next().unwrap().split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(header, ["CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS"]);
    assert_eq!(table.lines().count(), 3, "{table}");

    // Without --no-stream and without a terminal: one table after the other, until stopped.
    let mut live = Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", name, "stats", "--format", r"table {{.Name}}\t{{.PIDs}}"])
        .current_dir(d)
        .stdout(Stdio::piped())
        .spawn()
        .expect("rcompose stats");
    let mut headers = 0;
    for line in BufReader::new(live.stdout.take().unwrap()).lines() {
        let line = line.expect("a line");
        assert!(!line.contains('\x1b'), "no escape sequence without a terminal: {line:?}");
        headers += usize::from(line.starts_with("NAME "));
        if headers == 3 {
            break;
        }
    }
    live.kill().expect("stop stats");
    let _ = live.wait();
    assert_eq!(headers, 3, "refreshed tables");

    if !crate::harness::reference_installed() {
        return;
    }
    // The same containers, in the same order, with the same names, ids and process counts.
    for args in [
        &["stats", "--no-stream", "--format", "{{.Name}} {{.ID}} {{.Container}} {{.PIDs}}"][..],
        &["stats", "--no-stream", "-a", "--no-trunc", "--format", r"table {{.Name}}\t{{.ID}}\t{{.PIDs}}"],
        &["stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", "once"],
        &["stats", "--no-stream", "--format", r"table {{.Name}}\t{{.PIDs}}", "nosuchservice"],
    ] {
        let mut full = vec!["-p", name];
        full.extend_from_slice(args);
        let theirs = run("docker", &["compose"], d, &full);
        assert_eq!(theirs.0, 0, "docker compose {full:?}: {}", theirs.2);
        assert_eq!(ok(d, &full), theirs.1, "{args:?}");
    }
}
