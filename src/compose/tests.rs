//! The API on the fake engine: convergence, dry runs, and `down` by label.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::engine::{FakeEngine, LabelFilter, NetworkSpec};
use crate::reconcile::testing::project;

const STACK: &str = "services:\n  web:\n    image: busybox\n    depends_on: [db]\n  db:\n    image: busybox\n    volumes: [data:/data]\nvolumes:\n  data:\n";

fn compose() -> (Arc<FakeEngine>, Compose) {
    let fake = Arc::new(FakeEngine::new());
    fake.add_image("busybox", BTreeMap::new());
    (fake.clone(), Compose::new(fake))
}

fn mutations(fake: &FakeEngine) -> Vec<String> {
    let reads = ["list_", "inspect_", "events", "wait_container"];
    fake.calls().into_iter().filter(|c| !reads.iter().any(|r| c.starts_with(r))).collect()
}

#[tokio::test]
async fn up_twice_then_down() {
    let (fake, c) = compose();
    let p = project(STACK);
    c.up(&p, &UpOptions::default()).await.unwrap();
    fake.clear_calls();
    let again = c.up(&p, &UpOptions::default()).await.unwrap();
    assert!(again.steps.is_empty(), "{again}");
    assert!(mutations(&fake).is_empty(), "{:?}", fake.calls());

    c.down("p", Some(&p), &DownOptions::default()).await.unwrap();
    assert!(fake.container("p-web-1").is_none() && fake.container("p-db-1").is_none());
    assert!(fake.inspect_volume("p_data").await.is_ok(), "volumes stay without -v");
    c.down("p", None, &DownOptions { volumes: true, ..Default::default() }).await.unwrap();
    assert!(fake.inspect_volume("p_data").await.is_err());
}

#[tokio::test]
async fn a_dry_run_changes_nothing() {
    let (fake, mut c) = compose();
    c.dry_run = true;
    let plan = c.up(&project(STACK), &UpOptions::default()).await.unwrap();
    assert_eq!(plan.steps.len(), 6, "{plan}");
    assert!(mutations(&fake).is_empty(), "{:?}", fake.calls());
}

#[tokio::test]
async fn down_by_name_leaves_other_projects_alone() {
    let (fake, c) = compose();
    let p = project(STACK);
    c.up(&p, &UpOptions::default()).await.unwrap();
    let other = NetworkSpec { name: "q_default".into(), labels: [(crate::reconcile::labels::PROJECT.into(), "q".into())].into(), ..Default::default() };
    fake.create_network(&other).await.unwrap();
    c.down("p", None, &DownOptions::default()).await.unwrap();
    assert!(fake.list_containers(true, &LabelFilter::new()).await.unwrap().is_empty());
    let left: Vec<String> = fake.list_networks(&LabelFilter::new()).await.unwrap().into_iter().map(|n| n.name).collect();
    assert_eq!(left, ["q_default"]);
}

#[tokio::test]
async fn unknown_services_are_refused() {
    let (_, c) = compose();
    let e = c.up(&project(STACK), &UpOptions { services: vec!["nope".into()], ..Default::default() }).await.unwrap_err();
    assert_eq!(e.to_string(), "no such service: nope");
}
