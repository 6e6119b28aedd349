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
    let other = NetworkSpec {
        name: "q_default".into(),
        labels: [(crate::reconcile::labels::PROJECT.into(), "q".into())].into(),
        ..Default::default()
    };
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

#[tokio::test]
async fn start_refuses_to_start_nothing() {
    let (_, c) = compose();
    let p = project(STACK);
    let e = c.start(&p.name, Some(&p), &[]).await.unwrap_err();
    assert_eq!(e.to_string(), "no container to start for project \"p\"; run `up` to create it");
    c.create(&p, &UpOptions { services: vec!["db".into()], ..Default::default() }).await.unwrap();
    let e = c.start(&p.name, Some(&p), &["web".into()]).await.unwrap_err();
    assert_eq!(e.to_string(), "no container to start for service \"web\"; run `up` to create it");
    let plan = c.start(&p.name, Some(&p), &[]).await.unwrap();
    assert_eq!(plan.steps.len(), 1, "db is started, web warned about: {plan}");
}

/// With `-p` and no compose file, `start` works from the labels, dependencies first (as Docker
/// Compose's does).
#[tokio::test]
async fn start_by_name_follows_the_labels() {
    let (fake, c) = compose();
    let p = project(STACK);
    c.create(&p, &UpOptions::default()).await.unwrap();
    fake.clear_calls();
    let plan = c.start("p", None, &[]).await.unwrap();
    assert_eq!(plan.steps.len(), 2, "{plan}");
    let starts: Vec<String> = mutations(&fake).into_iter().filter(|m| m.starts_with("start_container")).collect();
    assert_eq!(starts.len(), 2, "{starts:?}");
    assert!(starts[0].contains("p-db-1") && starts[1].contains("p-web-1"), "db before web: {starts:?}");
    let e = c.start("nope", None, &[]).await.unwrap_err();
    assert_eq!(e.to_string(), "no container to start for project \"nope\"; run `up` to create it");
}

mod attached {
    use std::time::Duration;

    use tokio::sync::mpsc;

    use super::*;
    use crate::engine::{Engine, WaitCondition};
    use crate::logs::LogEvent;

    /// Runs attached `up` of STACK; `act` runs once both containers are up. Returns the result
    /// and what `up` showed, as text.
    async fn attached(
        opts: AttachOptions,
        act: impl AsyncFnOnce(&FakeEngine, &Compose),
    ) -> (Result<Attached, ComposeError>, Vec<String>, Vec<String>) {
        let (fake, c) = compose();
        fake.set_exit_code("p-db-1", 3);
        let p = project(STACK);
        let (tx, mut rx) = mpsc::channel(64);
        let up = UpOptions::default();
        let run = c.up_attached(&p, &up, &opts, tx);
        let drive = async {
            let running = |n: &str| fake.container(n).is_some_and(|c| c.state.running);
            while !(running("p-db-1") && running("p-web-1")) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            act(&fake, &c).await;
            let mut shown = Vec::new();
            while let Some(e) = rx.recv().await {
                shown.push(match e {
                    AttachEvent::Attaching(labels) => format!("attaching {}", labels.join(" ")),
                    AttachEvent::Log(LogEvent::Exited { source, exit_code, .. }) => format!("{} exited {exit_code}", source.label),
                    AttachEvent::Log(LogEvent::Attached { .. }) => continue,
                    AttachEvent::Log(other) => format!("{other:?}"),
                    AttachEvent::Stopping(r) => format!("stopping {r:?}"),
                });
            }
            shown
        };
        let (r, shown) = tokio::time::timeout(Duration::from_secs(10), async { tokio::join!(run, drive) }).await.expect("attached up ends");
        (r, shown, mutations(&fake))
    }

    async fn exit(fake: &FakeEngine, name: &str) {
        fake.wait_container(name, WaitCondition::NotRunning).await.unwrap();
    }

    #[tokio::test]
    async fn it_ends_when_every_attached_container_has_stopped() {
        let (r, shown, _) = attached(AttachOptions::default(), async |fake, _| {
            exit(fake, "p-db-1").await;
            exit(fake, "p-web-1").await;
        })
        .await;
        assert_eq!(r.unwrap().exit_code, 0, "no abort, no exit code");
        assert_eq!(shown, ["attaching db-1 web-1", "db-1 exited 3", "web-1 exited 0"]);
    }

    #[tokio::test]
    async fn an_exit_aborts_stops_the_rest_and_gives_the_exit_code() {
        let opts = AttachOptions { on_exit: OnExit::Abort, ..Default::default() };
        let (r, shown, calls) = attached(opts, async |fake, _| exit(fake, "p-db-1").await).await;
        assert_eq!(r.unwrap().exit_code, 3);
        assert!(calls.contains(&"stop_container p-web-1".to_string()), "{calls:?}");
        assert_eq!(shown, ["attaching db-1 web-1", "db-1 exited 3", "stopping Abort"], "nothing is shown once stopping");
    }

    #[tokio::test]
    async fn exit_code_from_waits_for_that_service() {
        let opts = AttachOptions { on_exit: OnExit::Abort, exit_code_from: Some("web".into()), ..Default::default() };
        let (r, _, _) = attached(opts, async |fake, _| {
            fake.set_exit_code("p-web-1", 42);
            exit(fake, "p-db-1").await;
        })
        .await;
        assert_eq!(r.unwrap().exit_code, 42, "web's code, set as the abort stops it");
    }

    #[tokio::test]
    async fn ctrl_c_stops_everything_and_ends_interrupted() {
        let (r, shown, calls) = attached(AttachOptions::default(), async |_, c| c.cancel.cancel()).await;
        assert!(matches!(r, Err(ComposeError::Interrupted)), "{r:?}");
        assert!(calls.contains(&"stop_container p-web-1".to_string()) && calls.contains(&"stop_container p-db-1".to_string()), "{calls:?}");
        assert_eq!(shown, ["attaching db-1 web-1", "stopping Interrupt"]);
    }

    #[tokio::test]
    async fn the_second_ctrl_c_kills() {
        let (r, _, calls) = attached(AttachOptions::default(), async |_, c| {
            c.force.cancel();
            c.cancel.cancel();
        })
        .await;
        assert!(matches!(r, Err(ComposeError::Interrupted)), "{r:?}");
        assert!(calls.iter().any(|c| c.starts_with("kill_container")), "{calls:?}");
    }
}
