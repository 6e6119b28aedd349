//! `volumes` and `wait` on the real engine, with Docker Compose 2.40.3's output and exit codes
//! (compared with the reference when it is installed).

use crate::harness::reference_installed;
use crate::up::Stack;

const TWO_SERVICES: &str = "services:
  a:
    image: busybox:latest
    command: sh -c 'sleep 1; exit 3'
    volumes: [data:/data]
  b:
    image: busybox:latest
    command: sh -c 'sleep 4; exit 5'
volumes:
  data: {}
";

fn text(out: &std::process::Output) -> (i32, String, String) {
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test]
async fn volumes_lists_the_projects_volumes_as_docker_compose() {
    let yaml = "services:\n  a:\n    image: busybox:latest\n    command: sleep 300\n    volumes: [data:/data]\n  b:\n    image: busybox:latest\n    command: sleep 300\nvolumes:\n  data: {}\n";
    let s = Stack::new("volumes-cmd", yaml).await;
    s.ok(&["up", "-d"]).await;
    let volume = format!("{}_data", s.name);
    let table = s.ok(&["volumes"]).await;
    assert_eq!(table, format!("DRIVER    VOLUME NAME\nlocal     {volume}\n"));
    assert_eq!(s.ok(&["volumes", "-q"]).await, format!("{volume}\n"));
    assert_eq!(s.ok(&["volumes", "a"]).await, table, "a mounts the volume");
    assert_eq!(s.ok(&["volumes", "b"]).await, "DRIVER    VOLUME NAME\n", "b mounts nothing");
    let json = s.ok(&["volumes", "--format", "json"]).await;
    let row: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON line");
    assert_eq!(row["Name"], volume.as_str());
    assert_eq!(row["Driver"], "local");
    assert!(row["Labels"].as_str().unwrap().contains(&format!("com.docker.compose.project={}", s.name)), "{row}");
    // Named by -p alone, the project is its labels: an unknown service selects nothing, as in
    // Docker Compose; with the file read, it is refused.
    assert_eq!(s.ok(&["volumes", "nosuch"]).await, "DRIVER    VOLUME NAME\n");
    let (code, _, err) = text(&s.rcompose(&["-f", "compose.yaml", "volumes", "nosuch"]).await);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nosuch"), "{err}");
    assert_eq!(s.ok(&["volumes", "--format", "{{.Name}} {{.Driver}}"]).await, format!("{volume} local\n"), "a Go template");
    if reference_installed() {
        let reference = text(&s.docker_compose(&["volumes"]).await).1;
        assert_eq!(table, reference);
        let reference = text(&s.docker_compose(&["volumes", "--format", "json"]).await).1;
        let theirs: serde_json::Value = serde_json::from_str(reference.trim()).unwrap();
        let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&row), keys(&theirs));
        for field in ["Name", "Driver", "Mountpoint", "Scope", "Size", "Status", "Links", "Group", "Availability"] {
            assert_eq!(row[field], theirs[field], "{field}");
        }
    }
}

#[tokio::test]
async fn wait_exits_with_the_code_of_the_last_container_to_stop() {
    let s = Stack::new("wait-cmd", TWO_SERVICES).await;
    s.ok(&["up", "-d"]).await;
    let containers = s.containers().await;
    let id = |service: &str| containers[&s.container(service, 1)].id.clone();
    let (code, out, err) = text(&s.rcompose(&["wait", "a", "b"]).await);
    assert_eq!(code, 5, "{err}");
    let want = format!("container {:?} exited with status code 3\ncontainer {:?} exited with status code 5\n", id("a"), id("b"));
    assert_eq!(out, want);
    // Nothing runs any more: as Docker Compose, an error.
    let (code, _, err) = text(&s.rcompose(&["wait", "a"]).await);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("no containers for project {:?}", s.name)), "{err}");
    assert_eq!(text(&s.rcompose(&["wait"]).await).0, 1, "a service is required");
    if reference_installed() {
        s.ok(&["up", "-d"]).await;
        let (code, out, err) = text(&s.docker_compose(&["wait", "a", "b"]).await);
        assert_eq!((code, out), (5, want), "{err}");
    }
    // --down-project: the project goes once its containers have stopped.
    s.ok(&["up", "-d"]).await;
    let (code, out, err) = text(&s.rcompose(&["wait", "--down-project", "b"]).await);
    assert_eq!(code, 5, "{err}");
    assert_eq!(out, format!("container {:?} exited with status code 5\n", id("b")));
    assert!(s.containers().await.is_empty(), "down removed the containers");
}
