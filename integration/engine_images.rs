//! Images through the Docker adapter: build from a tar context, run the result, pull errors.

use std::collections::BTreeMap;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use rcompose::engine::{
    byte_stream, BuildOptions, ContainerConfig, ContainerSpec, Engine, EngineError, ImageFilter, ImageMessage, ImageRemoved, LogOptions,
    WaitCondition,
};

use crate::harness::{TestProject, BUSYBOX, TEST_LABEL};
use crate::tar::Tar;

const DOCKERFILE: &str = "\
FROM busybox:latest
ARG GREETING=hello
COPY msg.txt /msg.txt
RUN echo \"$GREETING\" > /greeting
CMD [\"sh\", \"-c\", \"cat /msg.txt /greeting\"]
";

#[tokio::test]
async fn build_from_a_tar_context_then_run_the_image() {
    let p = TestProject::new("build").await;
    let e = &p.engine;
    let tag = format!("{}:v1", p.name);
    let context = Tar::new().file("Dockerfile", 0o644, DOCKERFILE.as_bytes()).file("msg.txt", 0o644, b"from the context\n").finish();
    let options = BuildOptions {
        tag: Some(tag.clone()),
        build_args: BTreeMap::from([("GREETING".into(), "bonjour".into())]),
        labels: p.labels(&[("stage", "built")]),
        ..Default::default()
    };
    let progress: Vec<ImageMessage> = e.build_image(byte_stream(context), &options).try_collect().await.expect("build");
    let output: String = progress.iter().filter_map(|m| if let ImageMessage::Output(s) = m { Some(s.as_str()) } else { None }).collect();
    assert!(output.contains(" : ARG GREETING=hello\n"), "{output}");
    let built = progress.iter().find_map(|m| match m {
        ImageMessage::ImageId(id) => Some(id.clone()),
        _ => None,
    });
    let built = built.expect("an image id at the end of the build");

    let info = e.inspect_image(&tag).await.expect("inspect built image");
    assert_eq!(info.id, built);
    assert!(info.repo_tags.contains(&tag), "{info:?}");
    assert_eq!(info.labels.get("stage").map(String::as_str), Some("built"));
    let listed = e.list_images(&ImageFilter { labels: p.filter(), ..Default::default() }).await;
    assert_eq!(listed.expect("list images").iter().map(|i| &i.id).collect::<Vec<_>>(), [&built]);
    let second = format!("{}:v2", p.name);
    e.tag_image(&tag, &second).await.expect("tag");
    assert_eq!(e.inspect_image(&second).await.unwrap().id, built);

    let spec = ContainerSpec {
        name: Some(p.object("run")),
        config: ContainerConfig { image: tag.clone(), labels: p.labels(&[]), ..Default::default() },
        ..Default::default()
    };
    let id = e.create_container(&spec).await.expect("create from the built image");
    e.start_container(&id).await.unwrap();
    let waited = e.wait_container(&id, WaitCondition::NotRunning).await.unwrap();
    assert_eq!(waited.exit_code, 0);
    let logs: Vec<_> = e.logs(&id, &LogOptions::default()).try_collect().await.unwrap();
    let text: String = logs.iter().map(|c| String::from_utf8_lossy(&c.bytes)).collect();
    assert_eq!(text, "from the context\nbonjour\n");

    e.remove_container(&id, Default::default()).await.unwrap();
    let removed = e.remove_image(&second, false).await.expect("remove one tag");
    assert_eq!(removed, [ImageRemoved::Untagged(second.clone())]);
}

#[tokio::test]
async fn a_failing_build_step_is_a_stream_error() {
    let p = TestProject::new("build-fails").await;
    let context =
        Tar::new().file("Dockerfile", 0o644, format!("FROM {BUSYBOX}\nLABEL {TEST_LABEL}={}\nRUN exit 42\n", p.name).as_bytes()).finish();
    let options = BuildOptions { labels: p.labels(&[]), ..Default::default() };
    let result: Result<Vec<ImageMessage>, EngineError> = p.engine.build_image(byte_stream(context), &options).try_collect().await;
    match result {
        Err(EngineError::Stream { message }) => assert!(message.contains("42"), "{message}"),
        other => panic!("expected a stream error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_build_without_its_base_image_fails_cleanly() {
    let p = TestProject::new("build-no-base").await;
    let dockerfile = format!("FROM 127.0.0.1:1/{}-missing:latest\n", p.name);
    let context = Tar::new().file("Dockerfile", 0o644, dockerfile.as_bytes()).finish();
    let result: Result<Vec<ImageMessage>, EngineError> =
        p.engine.build_image(byte_stream(context), &BuildOptions::default()).try_collect().await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn pulling_from_an_unreachable_registry_fails_in_the_stream() {
    let p = TestProject::new("pull").await;
    let reference = format!("127.0.0.1:1/{}:latest", p.name);
    let pull = p.engine.pull_image(&reference, None, None).try_collect::<Vec<_>>();
    let result = tokio::time::timeout(Duration::from_secs(60), pull).await.expect("fails in time");
    assert!(result.is_err(), "{result:?}");
    let mut stream = p.engine.pull_image(&reference, None, None);
    let mut saw_error = false;
    while let Some(item) = stream.next().await {
        saw_error |= item.is_err();
    }
    assert!(saw_error);
}
