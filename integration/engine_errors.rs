//! HTTP statuses become error kinds: 404 is `NotFound`, 409 is `Conflict`.

use rcompose::engine::{Engine, EngineError, RemoveContainerOptions};

use crate::harness::TestProject;

#[tokio::test]
async fn missing_objects_are_not_found_and_taken_names_conflict() {
    let p = TestProject::new("errors").await;
    let e = &p.engine;
    let ghost = p.object("ghost");
    let not_found = |r: Result<(), EngineError>, what: &str| {
        assert!(matches!(r, Err(EngineError::NotFound { .. })), "{what}: {r:?}");
    };
    not_found(e.inspect_container(&ghost).await.map(drop), "inspect container");
    not_found(e.start_container(&ghost).await, "start container");
    not_found(e.remove_container(&ghost, RemoveContainerOptions::default()).await, "remove");
    not_found(e.inspect_network(&ghost).await.map(drop), "inspect network");
    not_found(e.inspect_volume(&ghost).await.map(drop), "inspect volume");
    not_found(e.inspect_image(&format!("{ghost}:nope")).await.map(drop), "inspect image");
    let mut spec = p.busybox("x", "true");
    spec.config.image = format!("{ghost}:nope");
    not_found(e.create_container(&spec).await.map(drop), "create from a missing image");

    let spec = p.busybox("dup", "true");
    e.create_container(&spec).await.expect("first create");
    let again = e.create_container(&spec).await;
    assert!(matches!(again, Err(EngineError::Conflict { .. })), "{again:?}");
    let kill = e.kill_container(spec.name.as_deref().unwrap(), None).await;
    assert!(matches!(kill, Err(EngineError::Conflict { .. })), "killing a created container: {kill:?}");
}
