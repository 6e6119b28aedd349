//! `rcompose down` end to end: what goes, what stays, and that other projects are left alone.

use rcompose::engine::Engine;

use crate::up::{Stack, PAIR};

#[tokio::test]
async fn down_removes_containers_and_network_and_keeps_volumes_unless_asked() {
    let s = Stack::new("down", PAIR).await;
    s.ok(&["up", "-d"]).await;
    s.ok(&["down"]).await;
    assert!(s.containers().await.is_empty());
    let net = s.engine.inspect_network(&format!("{}_default", s.name)).await;
    assert!(net.is_err_and(|e| e.is_not_found()), "the network is removed");
    let volume = format!("{}_data", s.name);
    assert!(s.engine.inspect_volume(&volume).await.is_ok(), "named volumes stay without -v");
    s.ok(&["up", "-d"]).await;
    s.ok(&["down", "-v"]).await;
    assert!(s.engine.inspect_volume(&volume).await.is_err_and(|e| e.is_not_found()), "down -v removes named volumes");
}

#[tokio::test]
async fn down_leaves_other_projects_alone() {
    let mine = Stack::new("down-mine", PAIR).await;
    let other = Stack::new("down-other", PAIR).await;
    mine.ok(&["up", "-d"]).await;
    other.ok(&["up", "-d"]).await;
    let theirs = other.containers().await;
    mine.ok(&["down", "-v"]).await;
    assert!(mine.containers().await.is_empty());
    assert_eq!(other.containers().await.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>());
    assert!(other.engine.inspect_network(&format!("{}_default", other.name)).await.is_ok());
    assert!(other.engine.inspect_volume(&format!("{}_data", other.name)).await.is_ok());
}

#[tokio::test]
async fn down_with_only_a_project_name_works_from_labels() {
    let s = Stack::new("down-name", PAIR).await;
    s.ok(&["up", "-d"]).await;
    std::fs::remove_file(s.dir.path().join("compose.yaml")).unwrap();
    s.ok(&["down", "-v"]).await;
    assert!(s.containers().await.is_empty());
    assert!(s.engine.inspect_network(&format!("{}_default", s.name)).await.is_err());
    assert!(s.engine.inspect_volume(&format!("{}_data", s.name)).await.is_err());
}

#[tokio::test]
async fn docker_compose_takes_down_what_rcompose_started() {
    if !crate::harness::reference_installed() {
        return;
    }
    let s = Stack::new("down-interop", PAIR).await;
    s.ok(&["up", "-d"]).await;
    // Docker Compose lists the project and its containers...
    let ls = s.docker_compose(&["ls", "--filter", &format!("name={}", s.name), "--format", "json"]).await;
    let ls = String::from_utf8_lossy(&ls.stdout);
    assert!(ls.contains(&format!("\"Name\":\"{}\"", s.name)) && ls.contains("running(2)"), "docker compose ls: {ls}");
    let ps = s.docker_compose(&["ps", "-q"]).await;
    assert_eq!(String::from_utf8_lossy(&ps.stdout).lines().count(), 2, "docker compose ps");
    // ...and takes it down.
    let out = s.docker_compose(&["down", "-v"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(s.containers().await.is_empty());
    assert!(s.engine.inspect_volume(&format!("{}_data", s.name)).await.is_err());
}
