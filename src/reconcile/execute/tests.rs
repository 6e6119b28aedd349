//! Executor tests on the fake engine: which calls a plan makes, in which order, and what a
//! failure holds back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use super::*;
use crate::engine::{EngineError, FakeEngine, LogChunk};
use crate::model::Project;
use crate::reconcile::hash::config_hash;
use crate::reconcile::observe::observe;
use crate::reconcile::plan::{plan_up, UpOptions};
use crate::reconcile::testing::project;

struct World {
    fake: Arc<FakeEngine>,
    events: Arc<Mutex<Vec<String>>>,
    executor: Executor,
}

fn world() -> World {
    let fake = Arc::new(FakeEngine::new());
    fake.add_image("busybox", BTreeMap::new());
    let events: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = events.clone();
    let executor = Executor {
        engine: fake.clone(),
        project: "p".into(),
        limit: Some(4),
        events: Arc::new(move |e: &Event| sink.lock().unwrap().push(format!("{} {}", e.name, e.status))),
        details: Arc::new(|_: &crate::output::Detail| {}),
        cancel: CancellationToken::new(),
        credentials: Arc::new(crate::registry::Credentials::none()),
    };
    World { fake, events, executor }
}

impl World {
    async fn up(&self, p: &Project) -> Outcome {
        let hashes = p.services.values().map(|s| (s.name.clone(), config_hash(p, s))).collect();
        let observed = observe(self.fake.as_ref(), &p.name, Some(p), &hashes).await.unwrap();
        let plan = plan_up(p, &observed, &UpOptions::default()).unwrap();
        self.executor.run(&plan).await
    }

    /// The calls that change something, in order.
    fn mutations(&self) -> Vec<String> {
        let reads = ["list_", "inspect_", "events", "wait_container"];
        self.fake.calls().into_iter().filter(|c| !reads.iter().any(|r| c.starts_with(r))).collect()
    }
}

const STACK: &str = "services:\n  web:\n    image: busybox\n    environment: {A: '1'}\n    depends_on: [db]\n  db:\n    image: busybox\n";

#[tokio::test]
async fn a_second_up_makes_no_mutating_call() {
    let w = world();
    let p = project(STACK);
    assert!(w.up(&p).await.is_success());
    assert_eq!(
        w.mutations(),
        [
            "create_network p_default",
            "create_container p-db-1",
            "create_container p-web-1",
            "start_container p-db-1",
            "start_container p-web-1"
        ]
    );
    assert!(w.events.lock().unwrap().contains(&"p-web-1 Started".to_string()));
    w.fake.clear_calls();
    assert!(w.up(&p).await.is_success());
    assert_eq!(w.mutations(), Vec::<String>::new(), "all calls: {:?}", w.fake.calls());
}

#[tokio::test]
async fn a_changed_service_is_replaced_the_way_docker_compose_does_it() {
    let w = world();
    assert!(w.up(&project(STACK)).await.is_success());
    let old = w.fake.container("p-web-1").unwrap().id;
    w.fake.clear_calls();
    assert!(w.up(&project(&STACK.replace("'1'", "'2'"))).await.is_success());
    let temp = format!("{}_p-web-1", &old[..12]);
    assert_eq!(
        w.mutations(),
        [
            format!("create_container {temp}"),
            "stop_container p-web-1".into(),
            "remove_container p-web-1".into(),
            format!("rename_container {temp}"),
            "start_container p-web-1".into()
        ]
    );
    let new = w.fake.container("p-web-1").unwrap();
    assert!(new.config.env.contains(&"A=2".to_string()));
    assert_eq!(new.config.labels[crate::reconcile::labels::REPLACE], old);
}

const JOB: &str = r#"
services:
  init:
    image: busybox
  web:
    image: busybox
    depends_on:
      init: {condition: service_completed_successfully}
  cache:
    image: busybox
"#;

#[tokio::test]
async fn a_failing_dependency_holds_its_dependents_back_only() {
    let w = world();
    w.fake.set_exit_code("p-init-1", 1);
    let outcome = w.up(&project(JOB)).await;
    assert_eq!(outcome.failures.len(), 1, "{outcome:?}");
    assert_eq!(outcome.failures[0].message, "service init didn't complete successfully: container p-init-1 exited (1)");
    let calls = w.mutations();
    assert!(calls.contains(&"start_container p-cache-1".to_string()), "{calls:?}");
    assert!(calls.contains(&"create_container p-web-1".to_string()), "{calls:?}");
    assert!(!calls.contains(&"start_container p-web-1".to_string()), "{calls:?}");
    assert_eq!(outcome.skipped.len(), 1);
}

/// The waits on a dependency show on its containers as Docker Compose shows them: `Waiting`,
/// then `Exited` (or `Healthy`), or `Error`; the dependent starts after.
#[tokio::test]
async fn waits_on_a_dependency_show_on_its_containers() {
    let w = world();
    assert!(w.up(&project(JOB)).await.is_success());
    let events = w.events.lock().unwrap().clone();
    let at = |e: &str| events.iter().position(|x| x == e).unwrap_or_else(|| panic!("no {e:?} in {events:?}"));
    assert!(at("p-init-1 Started") < at("p-init-1 Waiting"));
    assert!(at("p-init-1 Waiting") < at("p-init-1 Exited"));
    assert!(at("p-init-1 Exited") < at("p-web-1 Started"));
    assert!(!events.iter().any(|e| e.starts_with("p-cache-1 Waiting")), "nothing waits on cache: {events:?}");

    let w = world();
    w.fake.set_exit_code("p-init-1", 1);
    w.up(&project(JOB)).await;
    let events = w.events.lock().unwrap().clone();
    assert!(events.contains(&"p-init-1 Error".to_string()), "{events:?}");
}

#[tokio::test]
async fn an_optional_dependency_that_fails_only_warns() {
    let w = world();
    w.fake.set_exit_code("p-init-1", 3);
    let outcome = w.up(&project(&JOB.replace("service_completed_successfully}", "service_completed_successfully, required: false}"))).await;
    assert!(outcome.is_success(), "{outcome:?}");
    assert!(outcome.warnings[0].contains("exited (3)"), "{:?}", outcome.warnings);
    assert!(w.mutations().contains(&"start_container p-web-1".to_string()));
}

#[tokio::test]
async fn a_failed_call_skips_what_needs_it() {
    let w = world();
    w.fake.fail_once("create_container", "p-db-1", EngineError::Api { status: 500, message: "disk full".into() });
    let outcome = w.up(&project(STACK)).await;
    assert_eq!(outcome.failures.len(), 1);
    assert_eq!(outcome.failures[0].message, "engine error (status 500): disk full");
    let calls = w.mutations();
    assert!(calls.contains(&"create_container p-web-1".to_string()));
    assert!(!calls.iter().any(|c| c.starts_with("start_container")), "{calls:?}");
    assert_eq!(outcome.skipped.len(), 2, "db's start and web's start");
}

#[tokio::test]
async fn one_call_at_a_time_still_finishes() {
    let mut w = world();
    w.executor.limit = Some(1);
    let many: String = (0..12).map(|i| format!("  s{i}:\n    image: busybox\n")).collect();
    assert!(w.up(&project(&format!("services:\n{many}"))).await.is_success());
    assert_eq!(w.mutations().iter().filter(|c| c.starts_with("start_container")).count(), 12);
}

#[tokio::test]
async fn nothing_starts_once_cancelled() {
    let w = world();
    w.executor.cancel.cancel();
    let outcome = w.up(&project(STACK)).await;
    // Nothing is released once cancelled; everything is skipped.
    assert!(!outcome.skipped.is_empty());
    assert!(!w.mutations().iter().any(|c| c.starts_with("start_container")));
}

/// A step that was released but waited for its permit checks the cancellation once it has the
/// permit: cancelled before anything ran, the plan makes no call at all.
#[tokio::test]
async fn a_queued_step_does_not_start_once_cancelled() {
    let w = world();
    w.executor.cancel.cancel();
    let outcome = w.up(&project(STACK)).await;
    assert_eq!(w.mutations(), Vec::<String>::new());
    assert!(outcome.failures.is_empty(), "skipped, not failed: {:?}", outcome.failures);
}

#[tokio::test]
async fn files_are_copied_after_create_in_one_archive_per_ownership_mode() {
    let w = world();
    let yaml = "services:\n  app:\n    image: busybox\n    configs:\n      - {source: c, target: /a}\n      - {source: c, target: /b, uid: '7'}\n      - {source: c, target: /c}\nconfigs:\n  c: {content: hi}\n";
    assert!(w.up(&project(yaml)).await.is_success());
    assert_eq!(
        w.mutations(),
        ["create_network p_default", "create_container p-app-1", "put_archive p-app-1", "put_archive p-app-1", "start_container p-app-1"]
    );
    let archives = w.fake.archives();
    let names = |tar: &[u8]| -> Vec<String> {
        tar::Archive::new(tar).entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect()
    };
    let got: Vec<(bool, &str, Vec<String>)> = archives.iter().map(|a| (a.copy_uid_gid, a.path.as_str(), names(&a.tar))).collect();
    assert_eq!(got, [(false, "/", vec!["a".to_string(), "c".to_string()]), (true, "/", vec!["b".to_string()])]);
}

const SHARED: &str = "services:\n  db:\n    image: busybox\n    environment: {V: '1'}\n  side:\n    image: busybox\n    network_mode: service:db\n    volumes_from: [db]\n";

/// The label a container of `side` should carry: its hash with db's container id in place of
/// `service:db`, as Docker Compose writes it at `up`.
fn side_label(p: &Project, db_id: &str) -> String {
    let ids = BTreeMap::from([("db".to_string(), db_id.to_string())]);
    crate::reconcile::hash::label_hash(&p.services["side"], &ids).unwrap()
}

#[tokio::test]
async fn a_service_sharing_another_ones_container_is_hashed_with_its_id() {
    let w = world();
    let p = project(SHARED);
    assert!(w.up(&p).await.is_success());
    let db = w.fake.container("p-db-1").unwrap().id;
    let label = w.fake.container("p-side-1").unwrap().config.labels[crate::reconcile::labels::CONFIG_HASH].clone();
    assert_eq!(label, side_label(&p, &db));
    assert_ne!(label, config_hash(&p, &p.services["side"]), "the label is not what `config --hash` prints");
    w.fake.clear_calls();
    assert!(w.up(&p).await.is_success());
    assert_eq!(w.mutations(), Vec::<String>::new(), "nothing recreated: {:?}", w.fake.calls());

    // A new db container: side follows it, and its label names the new one.
    let changed = project(&SHARED.replace("'1'", "'2'"));
    assert!(w.up(&changed).await.is_success());
    let new_db = w.fake.container("p-db-1").unwrap().id;
    assert_ne!(new_db, db);
    assert_eq!(w.fake.container("p-side-1").unwrap().config.labels[crate::reconcile::labels::CONFIG_HASH], side_label(&changed, &new_db));
    w.fake.clear_calls();
    assert!(w.up(&changed).await.is_success());
    assert_eq!(w.mutations(), Vec::<String>::new());
}

#[tokio::test]
async fn a_pull_passes_on_status_changes_to_every_view_and_byte_counts_to_live_ones() {
    let mut w = world();
    let seen: Arc<Mutex<Vec<(String, bool)>>> = Arc::default();
    let sink = seen.clone();
    w.executor.details = Arc::new(move |d: &crate::output::Detail| sink.lock().unwrap().push((d.text.clone(), d.live_only)));
    w.executor.pull("reg:5000/app:1", false).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let expect = |text: &str, live_only: bool| (text.to_string(), live_only);
    assert_eq!(
        seen,
        [
            expect("0123456789ab: Pulling fs layer", false),
            expect("0123456789ab: Downloading", false),
            expect("0123456789ab: Downloading 1MB/4MB", true),
            expect("0123456789ab: Downloading 2.5MB/4MB", true),
            expect("0123456789ab: Downloading 4MB/4MB", true),
            expect("0123456789ab: Pull complete", false),
            expect("Status: Downloaded newer image for reg:5000/app:1", false),
        ],
        "a repeated count is not passed on; each new one is, for live views only"
    );
}

const HOOKED: &str = "services:\n  web:\n    image: busybox\n    pre_start:\n      - command: [migrate]\n      - command: [seed]\n";

#[tokio::test]
async fn pre_start_hooks_run_their_containers_in_order_and_a_failure_keeps_the_service_stopped() {
    let w = world();
    let p = project(HOOKED);
    assert!(w.up(&p).await.is_success());
    let calls: Vec<String> = w.mutations().into_iter().filter(|c| !c.starts_with("logs ")).collect();
    assert_eq!(
        calls,
        [
            "create_network p_default",
            "create_container p-web-1",
            "create_container p-web-pre_start-0",
            "create_container p-web-pre_start-1",
            "start_container p-web-pre_start-0",
            "remove_container p-web-pre_start-0",
            "start_container p-web-pre_start-1",
            "remove_container p-web-pre_start-1",
            "start_container p-web-1"
        ]
    );

    let w = world();
    w.fake.set_exit_code("p-web-pre_start-0", 3);
    w.fake.set_logs(
        "p-web-pre_start-0",
        vec![
            LogChunk { stream: crate::engine::LogStream::Stdout, bytes: "migrating\n".into() },
            LogChunk { stream: crate::engine::LogStream::Stderr, bytes: "no database\n".into() },
        ],
    );
    let outcome = w.up(&p).await;
    assert_eq!(outcome.failures.len(), 1, "{outcome:?}");
    assert_eq!(
        outcome.failures[0].message,
        "service \"web\" pre_start[0] exited with code 3: no database (hook container p-web-pre_start-0 retained for inspection)"
    );
    let calls = w.mutations();
    assert!(!calls.iter().any(|c| c == "start_container p-web-1" || c == "remove_container p-web-pre_start-0"), "{calls:?}");
    assert!(!calls.iter().any(|c| c == "start_container p-web-pre_start-1"), "{calls:?}");
}
