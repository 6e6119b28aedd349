//! `--progress`: what the modes write on standard error for a real `up` and `down`.

use crate::harness::{compose, SLEEPER};
use crate::up::Stack;

/// `web` depending on `db`, both sleeping.
fn two() -> String {
    compose(&[("db", &[SLEEPER]), ("web", &[SLEEPER, "depends_on: [db]"])])
}

#[tokio::test]
async fn json_progress_is_one_parseable_event_per_line_naming_each_container() {
    let s = Stack::new("progress-json", &two()).await;
    let out = s.rcompose(&["--progress", "json", "up", "-d"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let events: Vec<serde_json::Value> =
        stderr.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}"))).collect();
    for service in ["db", "web"] {
        let id = format!("Container {}", s.container(service, 1));
        for status in ["Created", "Started"] {
            assert!(events.iter().any(|e| e["id"] == id.as_str() && e["status"] == status), "{id} {status} in {stderr}");
        }
    }
    assert!(events.iter().any(|e| e["id"] == format!("Network {}_default", s.name).as_str()), "{stderr}");

    let quiet = s.rcompose(&["--progress", "quiet", "down"]).await;
    assert!(quiet.status.success());
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "", "quiet writes nothing");
    assert!(s.containers().await.is_empty(), "down did its work all the same");
}

#[tokio::test]
async fn tty_progress_needs_a_terminal_as_in_docker_compose() {
    let s = Stack::new("progress-tty", &two()).await;
    let out = s.rcompose(&["--progress", "tty", "up", "-d"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("provided file is not a console"));
    assert!(s.containers().await.is_empty(), "nothing is done");
}
