//! The Docker adapter's container calls against the real engine: lifecycle, exec, archives,
//! logs, wait and events.

use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use rcompose::engine::{
    byte_stream, ContainerStatus, EndpointSpec, Engine, EngineError, EventFilter, ExecSpec, LogChunk, LogOptions, LogStream, Mount,
    MountKind, NetworkSpec, RemoveContainerOptions, VolumeSpec, WaitCondition,
};

use crate::harness::{log_text, TestProject};
use crate::tar::Tar;

#[tokio::test]
async fn container_lifecycle_with_labels_networks_and_volumes() {
    let p = TestProject::new("lifecycle").await;
    let e = &p.engine;

    let net_name = p.object("net");
    let net = NetworkSpec { name: net_name.clone(), labels: p.labels(&[]), ..Default::default() };
    let net_id = e.create_network(&net).await.expect("create network");
    let vol_name = p.object("data");
    let vol = VolumeSpec { name: vol_name.clone(), labels: p.labels(&[]), ..Default::default() };
    assert_eq!(e.create_volume(&vol).await.expect("create volume").name, vol_name);

    let mut spec = p.busybox("app", "echo out; echo err >&2; exec sleep 300");
    spec.config.env = vec!["GREETING=hi".into()];
    spec.host.mounts = vec![Mount {
        kind: MountKind::Volume,
        source: Some(vol_name.clone()),
        target: "/data".into(),
        read_only: false,
        consistency: None,
        bind: None,
        volume: None,
        tmpfs: None,
        image_subpath: None,
    }];
    spec.networks = vec![EndpointSpec { aliases: vec!["web".into()], ..EndpointSpec::new(&net_name) }];
    let id = e.create_container(&spec).await.expect("create container");

    // Listing by label finds exactly what we made.
    let listed = e.list_containers(true, &p.filter()).await.expect("list containers");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].id, id);
    assert_eq!(listed[0].name(), p.object("app"));
    assert_eq!(listed[0].state, ContainerStatus::Created);
    assert_eq!(listed[0].labels.get("role").map(String::as_str), Some("app"));
    let nets = e.list_networks(&p.filter()).await.expect("list networks");
    assert_eq!(nets.iter().map(|n| n.id.as_str()).collect::<Vec<_>>(), [net_id.as_str()]);
    let vols = e.list_volumes(&p.filter()).await.expect("list volumes");
    assert_eq!(vols.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), [vol_name.as_str()]);
    assert!(e.list_containers(true, &p.filter().eq("role", "other")).await.unwrap().is_empty());

    e.start_container(&id).await.expect("start");
    e.start_container(&id).await.expect("starting a running container is fine");
    let details = e.inspect_container(&id).await.expect("inspect");
    assert!(details.state.running, "{:?}", details.state);
    assert_eq!(details.name, p.object("app"));
    assert!(details.config.env.contains(&"GREETING=hi".to_string()));
    let endpoint = &details.networks[&net_name];
    assert!(endpoint.aliases.contains(&"web".to_string()), "{endpoint:?}");
    assert!(!endpoint.ip_address.is_empty(), "{endpoint:?}");
    let data = details.mounts.iter().find(|m| m.destination == "/data").expect("volume mount");
    assert_eq!(data.name.as_deref(), Some(vol_name.as_str()));
    assert_eq!(data.kind, Some(MountKind::Volume));
    let member = e.inspect_network(&net_id).await.expect("inspect network");
    assert!(member.containers.contains_key(&id), "{member:?}");

    // exec, and a file uploaded with put_archive read back through exec.
    let out = e.exec(&id, &ExecSpec::new(["sh", "-c", "echo $GREETING; echo oops >&2; exit 7"])).await;
    let out = out.expect("exec");
    assert_eq!((out.exit_code, out.stdout_text(), out.stderr_text()), (7, "hi\n".into(), "oops\n".into()));
    let tar = Tar::new().dir("conf", 0o755).file("conf/hello.txt", 0o644, b"hello from tar\n");
    e.put_archive(&id, "/data", byte_stream(tar.finish())).await.expect("put_archive");
    let read = e.exec(&id, &ExecSpec::new(["cat", "/data/conf/hello.txt"])).await.expect("exec cat");
    assert_eq!((read.exit_code, read.stdout_text()), (0, "hello from tar\n".to_string()));
    let missing = e.put_archive(&id, "/no/such/dir", byte_stream(Tar::new().finish())).await;
    assert!(matches!(missing, Err(EngineError::NotFound { .. })), "{missing:?}");

    let chunks: Vec<LogChunk> = e.logs(&id, &LogOptions::default()).try_collect().await.expect("logs");
    assert_eq!(log_text(&chunks, LogStream::Stdout), "out\n");
    assert_eq!(log_text(&chunks, LogStream::Stderr), "err\n");

    let top = e.top(&id, None).await.expect("top");
    assert!(top.processes.iter().flatten().any(|f| f.contains("sleep")), "{top:?}");

    // sh as PID 1 ignores SIGTERM: stop has to kill after the grace period.
    e.stop_container(&id, Some(Duration::from_secs(1))).await.expect("stop");
    e.stop_container(&id, Some(Duration::from_secs(1))).await.expect("stopping twice is fine");
    let waited = e.wait_container(&id, WaitCondition::NotRunning).await.expect("wait");
    assert_eq!(waited.exit_code, 137);
    assert_eq!(e.inspect_container(&id).await.unwrap().state.status, ContainerStatus::Exited);

    e.disconnect_network(&net_name, &id, false).await.expect("disconnect");
    e.remove_container(&id, RemoveContainerOptions::default()).await.expect("remove container");
    e.remove_network(&net_id).await.expect("remove network");
    e.remove_volume(&vol_name, false).await.expect("remove volume");
    assert!(e.list_containers(true, &p.filter()).await.unwrap().is_empty());
    assert!(e.list_networks(&p.filter()).await.unwrap().is_empty());
    assert!(e.list_volumes(&p.filter()).await.unwrap().is_empty());
}

#[tokio::test]
async fn wait_reports_the_exit_code_and_logs_follow_to_the_end() {
    let p = TestProject::new("wait").await;
    let e = &p.engine;
    let id = e.create_container(&p.busybox("job", "for i in 1 2 3; do echo line$i; done; exit 3")).await.unwrap();
    e.start_container(&id).await.unwrap();
    let follow = LogOptions { follow: true, ..Default::default() };
    let chunks: Vec<LogChunk> = tokio::time::timeout(Duration::from_secs(30), e.logs(&id, &follow).try_collect())
        .await
        .expect("a followed log ends when the container exits")
        .expect("logs");
    assert_eq!(log_text(&chunks, LogStream::Stdout), "line1\nline2\nline3\n");
    let waited = e.wait_container(&id, WaitCondition::NotRunning).await.expect("wait");
    assert_eq!(waited.exit_code, 3);
    let tail = LogOptions { tail: Some(1), ..Default::default() };
    let last: Vec<LogChunk> = e.logs(&id, &tail).try_collect().await.unwrap();
    assert_eq!(log_text(&last, LogStream::Stdout), "line3\n");
}

#[tokio::test]
async fn events_report_what_happens_to_labelled_containers() {
    let p = TestProject::new("events").await;
    let e = &p.engine;
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64 - 1;
    let id = e.create_container(&p.busybox("ev", "exit 0")).await.unwrap();
    e.start_container(&id).await.unwrap();
    let filter = EventFilter { labels: p.filter(), types: vec!["container".into()], since: Some(since), ..Default::default() };
    let mut seen = Vec::new();
    let mut events = e.events(&filter);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !seen.iter().any(|a: &String| a == "die") {
        let next = tokio::time::timeout_at(deadline, events.next()).await;
        let event = next.expect("a die event in time").expect("stream open").expect("event");
        assert_eq!(event.actor_id, id);
        assert_eq!(event.attributes.get("role").map(String::as_str), Some("ev"));
        seen.push(event.action);
    }
    assert_eq!(seen, ["create", "start", "die"]);
}
