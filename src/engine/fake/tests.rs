use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};

use super::FakeEngine;
use crate::engine::{
    byte_stream, BuildOptions, ContainerConfig, ContainerSpec, ContainerStatus, EndpointSpec, Engine, EngineError, EventFilter, ExecOutput,
    ExecSpec, ImageRemoved, LabelFilter, LogChunk, LogOptions, LogStream, Mount, MountKind, NetworkSpec, RemoveContainerOptions,
    VolumeSpec, WaitCondition,
};

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn spec(name: &str, project: &str) -> ContainerSpec {
    ContainerSpec {
        name: Some(name.into()),
        config: ContainerConfig { image: "busybox".into(), labels: labels(&[("project", project)]), ..Default::default() },
        ..Default::default()
    }
}

fn fake() -> Arc<FakeEngine> {
    let fake = Arc::new(FakeEngine::new());
    fake.add_image("busybox:latest", labels(&[("from", "image")]));
    fake
}

#[tokio::test]
async fn records_a_lifecycle_as_readable_calls() {
    let fake = fake();
    // The planner and executor hold the engine as a trait object.
    let engine: Arc<dyn Engine> = fake.clone();
    engine.create_network(&NetworkSpec { name: "demo_default".into(), ..Default::default() }).await.unwrap();
    let mut web = spec("demo-web-1", "demo");
    web.networks = vec![EndpointSpec { aliases: vec!["web".into()], ..EndpointSpec::new("demo_default") }];
    let id = engine.create_container(&web).await.unwrap();
    engine.start_container(&id).await.unwrap();
    fake.set_exit_code("demo-web-1", 3);
    assert_eq!(engine.wait_container(&id, WaitCondition::NotRunning).await.unwrap().exit_code, 3);
    engine.remove_container(&id, RemoveContainerOptions::default()).await.unwrap();
    engine.remove_network("demo_default").await.unwrap();
    assert_eq!(
        fake.calls(),
        [
            "create_network demo_default",
            "create_container demo-web-1",
            "start_container demo-web-1",
            "wait_container demo-web-1",
            "remove_container demo-web-1",
            "remove_network demo_default",
        ]
    );
}

#[tokio::test]
async fn lists_by_label_and_reports_state() {
    let fake = fake();
    let a = fake.create_container(&spec("a", "one")).await.unwrap();
    fake.create_container(&spec("b", "two")).await.unwrap();
    fake.start_container("a").await.unwrap();
    let one = LabelFilter::new().eq("project", "one");
    let listed = fake.list_containers(false, &one).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.name()).collect::<Vec<_>>(), ["a"]);
    assert_eq!(listed[0].state, ContainerStatus::Running);
    // Image labels are inherited, the container's own win.
    assert_eq!(listed[0].labels.get("from").map(String::as_str), Some("image"));
    assert!(fake.list_containers(false, &LabelFilter::new().eq("project", "two")).await.unwrap().is_empty());
    assert_eq!(fake.list_containers(true, &LabelFilter::new()).await.unwrap().len(), 2);
    fake.stop_container(&a, None).await.unwrap();
    assert_eq!(fake.inspect_container("a").await.unwrap().state.status, ContainerStatus::Exited);
}

#[tokio::test]
async fn answers_with_dockers_error_kinds() {
    let fake = fake();
    assert!(fake.inspect_container("ghost").await.unwrap_err().is_not_found());
    let mut missing_image = spec("x", "p");
    missing_image.config.image = "nope".into();
    assert!(fake.create_container(&missing_image).await.unwrap_err().is_not_found());
    fake.create_container(&spec("x", "p")).await.unwrap();
    assert!(fake.create_container(&spec("x", "p")).await.unwrap_err().is_conflict());
    assert!(fake.kill_container("x", None).await.unwrap_err().is_conflict(), "not running");
    fake.start_container("x").await.unwrap();
    let plain = RemoveContainerOptions::default();
    assert!(fake.remove_container("x", plain).await.unwrap_err().is_conflict(), "running");
    let force = RemoveContainerOptions { force: true, volumes: false };
    fake.remove_container("x", force).await.unwrap();
}

#[tokio::test]
async fn networks_and_volumes_in_use_cannot_be_removed() {
    let fake = fake();
    fake.create_network(&NetworkSpec { name: "n".into(), ..Default::default() }).await.unwrap();
    fake.create_volume(&VolumeSpec { name: "v".into(), ..Default::default() }).await.unwrap();
    let mut c = spec("c", "p");
    c.networks = vec![EndpointSpec::new("n")];
    c.host.mounts = vec![Mount {
        kind: MountKind::Volume,
        source: Some("v".into()),
        target: "/data".into(),
        read_only: false,
        consistency: None,
        bind: None,
        volume: None,
        tmpfs: None,
        image_subpath: None,
    }];
    fake.create_container(&c).await.unwrap();
    assert!(matches!(fake.remove_network("n").await, Err(EngineError::Api { status: 403, .. })));
    assert!(fake.remove_volume("v", false).await.unwrap_err().is_conflict());
    fake.remove_container("c", RemoveContainerOptions::default()).await.unwrap();
    fake.remove_network("n").await.unwrap();
    fake.remove_volume("v", false).await.unwrap();
}

#[tokio::test]
async fn scripted_failures_logs_exec_and_archives() {
    let fake = fake();
    fake.create_container(&spec("web", "p")).await.unwrap();
    fake.fail_once("start_container", "web", EngineError::Api { status: 500, message: "boom".into() });
    assert!(fake.start_container("web").await.is_err());
    fake.start_container("web").await.expect("the failure happens once");

    let chunk = |s: &str| LogChunk { stream: LogStream::Stdout, bytes: s.to_string().into() };
    fake.set_logs("web", vec![chunk("a\n"), chunk("b\n")]);
    let tail = LogOptions { tail: Some(1), ..Default::default() };
    let got: Vec<LogChunk> = fake.logs("web", &tail).try_collect().await.unwrap();
    assert_eq!(got, [chunk("b\n")]);

    let output = ExecOutput { exit_code: 2, stdout: b"x".to_vec(), stderr: Vec::new() };
    fake.set_exec_result("web", output.clone());
    assert_eq!(fake.exec("web", &ExecSpec::new(["true"])).await.unwrap(), output);

    fake.put_archive("web", "/app", byte_stream(&b"tar bytes"[..])).await.unwrap();
    let archives = fake.archives();
    assert_eq!((archives[0].container.as_str(), archives[0].path.as_str()), ("web", "/app"));
    assert_eq!(archives[0].tar, b"tar bytes");
}

#[tokio::test]
async fn events_replay_since_and_follow_live() {
    let fake = fake();
    fake.create_container(&spec("a", "p")).await.unwrap();
    let filter = EventFilter { labels: LabelFilter::new().eq("project", "p"), since: Some(0), ..Default::default() };
    let mut events = fake.events(&filter);
    fake.start_container("a").await.unwrap();
    fake.wait_container("a", WaitCondition::NotRunning).await.unwrap();
    let mut actions = Vec::new();
    for _ in 0..3 {
        actions.push(events.next().await.unwrap().unwrap().action);
    }
    assert_eq!(actions, ["create", "start", "die"]);
}

#[tokio::test]
async fn images_build_tag_pull_and_remove() {
    let fake = fake();
    let options = BuildOptions { tag: Some("app:1".into()), labels: labels(&[("k", "v")]), ..Default::default() };
    let progress: Vec<_> = fake.build_image(byte_stream(&b"ctx"[..]), &options).try_collect().await.unwrap();
    assert!(progress.iter().any(|p| matches!(p, crate::engine::ImageMessage::ImageId(_))));
    let built = fake.inspect_image("app:1").await.unwrap();
    assert_eq!(built.labels, labels(&[("k", "v")]));
    fake.tag_image("app:1", "app:latest").await.unwrap();
    assert_eq!(fake.remove_image("app", false).await.unwrap(), [ImageRemoved::Untagged("app:latest".into())]);
    let removed = fake.remove_image("app:1", false).await.unwrap();
    assert_eq!(removed, [ImageRemoved::Untagged("app:1".into()), ImageRemoved::Deleted(built.id)]);
    assert!(fake.inspect_image("redis").await.unwrap_err().is_not_found());
    fake.pull_image("redis", None, None).try_collect::<Vec<_>>().await.unwrap();
    assert_eq!(fake.inspect_image("redis:latest").await.unwrap().repo_tags, ["redis:latest"]);
}

#[tokio::test]
async fn pause_and_unpause_follow_dockers_rules() {
    let fake = fake();
    let engine: Arc<dyn Engine> = fake.clone();
    let id = engine.create_container(&spec("p-web-1", "p")).await.unwrap();
    assert!(engine.pause_container(&id).await.unwrap_err().is_conflict(), "not running");
    engine.start_container(&id).await.unwrap();
    engine.pause_container(&id).await.unwrap();
    let state = fake.container("p-web-1").unwrap().state;
    assert!(state.paused && state.running);
    assert_eq!(state.status, ContainerStatus::Paused);
    assert!(engine.pause_container(&id).await.unwrap_err().is_conflict(), "already paused");
    engine.unpause_container(&id).await.unwrap();
    assert_eq!(fake.container("p-web-1").unwrap().state.status, ContainerStatus::Running);
    assert!(engine.unpause_container(&id).await.unwrap_err().is_conflict(), "not paused");
}
