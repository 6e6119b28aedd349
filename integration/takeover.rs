//! Taking over a project another tool made, without recreating what did not change: made by
//! Docker Compose 2.26.1 (its own hash algorithm), by 2.40.3 (the reference), or by rcompose
//! and then taken over by 2.40.3. A real change still recreates, with its reason.
//!
//! The fixture uses what the series hash differently: `depends_on` (hashed by 2.26 only), a
//! secret's `mode` (a number for 2.26), a network attachment's `priority` (first for 2.26), a
//! short bind (v5 leaves `create_host_path: true` out: see `hash::tests`, no v5 binary runs here).

use std::collections::BTreeMap;
use std::process::Output;

use crate::harness::{compose_2_26, reference_installed};
use crate::up::Stack;

const PROJECT: &str = r#"
services:
  db:
    image: busybox
    command: [sleep, "600"]
    stop_signal: SIGKILL
    volumes: ["data:/data"]
    networks:
      back: {aliases: [database], priority: 10}
      front:
  web:
    image: busybox
    command: [sleep, "600"]
    stop_signal: SIGKILL
    depends_on: [db]
    volumes: ["./site:/site:ro"]
    secrets: [{source: token, mode: 0440}]
    networks: [back, front]
networks:
  back:
  front:
    driver_opts: {com.docker.network.bridge.enable_icc: "true"}
volumes:
  data:
secrets:
  token: {file: ./token.txt}
"#;

async fn stack(test: &str) -> Stack {
    let s = Stack::new(test, PROJECT).await;
    std::fs::create_dir(s.dir.path().join("site")).expect("site");
    std::fs::write(s.dir.path().join("token.txt"), "t0ken\n").expect("token");
    s
}

/// What recreating would change: every container's, network's and volume's id, by name.
async fn ids(s: &Stack) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = s.containers().await.into_iter().map(|(name, c)| (name, c.id)).collect();
    let inspect = |kind: &str| {
        let list = std::process::Command::new("docker")
            .args([kind, "ls", "-q", "--filter", &format!("label=com.docker.compose.project={}", s.name)])
            .output()
            .expect("docker ls");
        let names: Vec<String> = String::from_utf8_lossy(&list.stdout).lines().map(str::to_string).collect();
        names
            .iter()
            .map(|n| {
                let f = if kind == "network" { "{{.Name}} {{.Id}}" } else { "{{.Name}} {{.CreatedAt}}" };
                let o = std::process::Command::new("docker").args([kind, "inspect", "-f", f, n]).output().expect("inspect");
                let text = String::from_utf8_lossy(&o.stdout).trim().to_string();
                let (name, id) = text.split_once(' ').unwrap_or((&text, ""));
                (format!("{kind} {name}"), id.to_string())
            })
            .collect::<Vec<_>>()
    };
    out.extend(inspect("network"));
    out.extend(inspect("volume"));
    out
}

fn text(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[tokio::test]
async fn a_project_made_by_docker_compose_2_26_is_taken_over_without_recreating() {
    let Some(v226) = compose_2_26() else { return };
    let s = stack("from226").await;
    let made = s.docker_compose_2_26(&v226, &["up", "-d"]).await;
    assert!(made.status.success(), "2.26.1 up: {}", text(&made));
    let before = ids(&s).await;
    assert_eq!(before.len(), 5, "two containers, two networks, one volume: {before:?}");

    // web's hash differs between the series (depends_on, the secret's mode): rcompose says
    // which series it recognised.
    let said = text(&s.rcompose(&["up", "-d", "--dry-run"]).await);
    assert!(said.contains("web: up to date (hash of Docker Compose 2.26)"), "{said}");
    assert!(said.contains("db: up to date (hash of Docker Compose 2.26)"), "{said}");
    let up = s.rcompose(&["up", "-d"]).await;
    assert!(up.status.success(), "{}", text(&up));
    assert!(!text(&up).contains("Recreate"), "{}", text(&up));
    assert_eq!(ids(&s).await, before, "nothing recreated");

    // A real change still recreates, with its reason.
    s.write(&PROJECT.replace("depends_on: [db]", "depends_on: [db]\n    environment: {A: \"1\"}"));
    let said = text(&s.rcompose(&["up", "-d", "--dry-run"]).await);
    assert!(said.contains("web: recreate (environment.A changed)"), "{said}");
    assert!(said.contains("db: up to date (hash of Docker Compose 2.26)"), "{said}");
    s.ok(&["up", "-d"]).await;
    let after = ids(&s).await;
    let web = s.container("web", 1);
    assert_ne!(after[&web], before[&web], "web is recreated");
    let db = s.container("db", 1);
    assert_eq!(after[&db], before[&db], "db is not");
}

#[tokio::test]
async fn docker_compose_2_40_takes_over_what_rcompose_made_and_the_other_way_round() {
    if !reference_installed() {
        return;
    }
    // Made by rcompose, then 2.40.3's up: nothing recreated, networks and volumes included.
    let s = stack("to240").await;
    s.ok(&["up", "-d"]).await;
    let before = ids(&s).await;
    assert_eq!(before.len(), 5, "{before:?}");
    let theirs = s.docker_compose(&["up", "-d"]).await;
    assert!(theirs.status.success(), "{}", text(&theirs));
    assert!(!text(&theirs).contains("Recreate"), "2.40.3 recreates nothing: {}", text(&theirs));
    assert_eq!(ids(&s).await, before, "nothing recreated by Docker Compose 2.40.3");

    // Made by 2.40.3, then rcompose up: nothing recreated, and 2.40's hash needs no mention.
    let s = stack("from240").await;
    let theirs = s.docker_compose(&["up", "-d"]).await;
    assert!(theirs.status.success(), "{}", text(&theirs));
    let before = ids(&s).await;
    let said = text(&s.rcompose(&["up", "-d", "--dry-run"]).await);
    assert!(said.contains("web: up to date\n") || said.contains("web: up to date\r"), "{said}");
    assert!(!said.contains("hash of"), "{said}");
    s.ok(&["up", "-d"]).await;
    assert_eq!(ids(&s).await, before, "nothing recreated by rcompose");
}

const NETWORKED: &str = r#"
services:
  app:
    image: busybox
    command: [sleep, "600"]
    stop_signal: SIGKILL
    networks: [n]
    volumes: ["vdata:/data"]
networks:
  n: {}
volumes:
  vdata: {}
"#;

/// The progress lines of `out` about the objects of `kinds` (`Container`, `Network`...), the
/// project's name written `P`, sorted: what two tools' runs are compared by.
fn progress_lines(s: &Stack, out: &Output, kinds: &[&str]) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| l.replace(&s.name, "P").trim().to_string())
        .filter(|l| kinds.iter().any(|k| l.starts_with(k)))
        .collect();
    lines.sort();
    lines
}

/// What a changed network and a changed volume come to, for one tool: the ids before and
/// after, whether the container sits on the new network, whether the volume kept its data, and
/// the progress lines (sorted, prompts left out).
async fn change_network_and_volume(s: &Stack, rcompose: bool) -> (BTreeMap<String, String>, BTreeMap<String, String>, Vec<String>) {
    let made = s.by(rcompose, &["up", "-d"]).await;
    assert!(made.status.success(), "{}", text(&made));
    let app = s.container("app", 1);
    let wrote = std::process::Command::new("docker").args(["exec", &app, "sh", "-c", "echo kept > /data/f"]).output().unwrap();
    assert!(wrote.status.success());
    let before = ids(s).await;
    s.write(&NETWORKED.replace("  n: {}", "  n: {labels: {x: \"1\"}}").replace("  vdata: {}", "  vdata: {labels: {y: \"2\"}}"));
    let changed = s.by(rcompose, &["up", "-d"]).await;
    assert!(changed.status.success(), "{}", text(&changed));
    let after = ids(s).await;
    let on_new = std::process::Command::new("docker")
        .args(["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.NetworkID}}{{end}}", &app])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&on_new.stdout).trim(), after[&format!("network {}_n", s.name)], "app is on the new network");
    let data = std::process::Command::new("docker").args(["exec", &app, "cat", "/data/f"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&data.stdout), "kept\n", "the volume kept its data");
    (before, after, progress_lines(s, &changed, &["Container", "Network", "Volume"]))
}

/// A network whose configuration changed is recreated (its containers stopped, then started
/// on the new one, not recreated), and a changed volume is kept with its data, as Docker
/// Compose 2.40.3 does (answering no to its question without a terminal).
#[tokio::test]
async fn a_changed_network_is_recreated_and_a_changed_volume_kept_as_docker_compose_2_40_does() {
    let s = Stack::new("netchange", NETWORKED).await;
    let (before, after, ours) = change_network_and_volume(&s, true).await;
    let net = format!("network {}_n", s.name);
    let app = s.container("app", 1);
    assert_ne!(after[&net], before[&net], "the network is recreated");
    assert_eq!(after[&app], before[&app], "the container is kept");
    assert_eq!(after[&format!("volume {}_vdata", s.name)], before[&format!("volume {}_vdata", s.name)], "the volume is kept");
    let warned = s.rcompose(&["up", "-d"]).await;
    assert!(text(&warned).contains("exists but doesn't match configuration in compose file"), "{}", text(&warned));

    if !reference_installed() {
        return;
    }
    let theirs = Stack::new("netchange-ref", NETWORKED).await;
    let (before, after, lines) = change_network_and_volume(&theirs, false).await;
    let net = format!("network {}_n", theirs.name);
    assert_ne!(after[&net], before[&net], "2.40.3 recreates the network");
    assert_eq!(after[&theirs.container("app", 1)], before[&theirs.container("app", 1)], "2.40.3 keeps the container");
    assert_eq!(ours, lines, "the same progress lines as Docker Compose 2.40.3");
}

/// `up -y` answers Docker Compose 2.40.3's question for a volume whose configuration changed:
/// the volume is recreated (its data lost, as the user agreed) with the container mounting it.
#[tokio::test]
async fn up_yes_recreates_a_changed_volume_as_docker_compose_2_40_does() {
    async fn recreate(s: &Stack, rcompose: bool) -> (bool, bool, Vec<String>) {
        let made = s.by(rcompose, &["up", "-d"]).await;
        assert!(made.status.success(), "{}", text(&made));
        let app = s.container("app", 1);
        let wrote = std::process::Command::new("docker").args(["exec", &app, "sh", "-c", "echo lost > /data/f"]).output().unwrap();
        assert!(wrote.status.success());
        let before = ids(s).await;
        s.write(&NETWORKED.replace("  vdata: {}", "  vdata: {labels: {y: \"2\"}}"));
        let changed = s.by(rcompose, &["up", "-d", "-y"]).await;
        assert!(changed.status.success(), "{}", text(&changed));
        let after = ids(s).await;
        let volume = format!("volume {}_vdata", s.name);
        let labels = std::process::Command::new("docker")
            .args(["volume", "inspect", "-f", "{{.Labels.y}}", &format!("{}_vdata", s.name)])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&labels.stdout).trim(), "2", "the volume has its new configuration");
        let data = std::process::Command::new("docker").args(["exec", &app, "ls", "/data"]).output().unwrap();
        let lines = progress_lines(s, &changed, &["Container", "Volume"]);
        // (A volume's identity is its creation time, to the second: an emptied volume with the
        // new labels is the proof that it was made anew.)
        assert!(after.contains_key(&volume));
        (after[&app] != before[&app], String::from_utf8_lossy(&data.stdout).trim().is_empty(), lines)
    }
    let s = Stack::new("voly", NETWORKED).await;
    let (recreated, emptied, ours) = recreate(&s, true).await;
    assert!(recreated, "the container mounting the volume is new");
    assert!(emptied, "the new volume starts empty");

    if !reference_installed() {
        return;
    }
    let theirs = Stack::new("voly-ref", NETWORKED).await;
    let (recreated, emptied, lines) = recreate(&theirs, false).await;
    assert!(recreated && emptied, "2.40.3 recreates both too");
    assert_eq!(ours, lines, "the same progress lines as Docker Compose 2.40.3");
}
