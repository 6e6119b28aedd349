//! The keys and flags Docker Compose 2.40.3 has that 2.26.1 did not (and v5's `start --wait`),
//! on the real engine, compared with what 2.40.3 (`docker compose`) does where it runs here:
//! lifecycle hooks, `type: image` volumes on an engine too old for them, `gpus`, `up -y` and
//! `start --wait`.

use std::process::Output;

use crate::cli::interrupt_when;
use crate::harness::reference_installed;
use crate::up::Stack;
use rcompose::engine::{ContainerStatus, Engine, ExecSpec, HealthStatus, LabelFilter};

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// What `cat path` prints in the container, or the error.
async fn cat(s: &Stack, container: &str, path: &str) -> String {
    let out = s.engine.exec(container, &ExecSpec::new(["cat", path])).await.expect("exec");
    out.stdout_text()
}

async fn state(s: &Stack, container: &str) -> ContainerStatus {
    s.containers().await.get(container).unwrap_or_else(|| panic!("{container} missing")).state
}

/// A hook that records who ran it, where, and with which variable, in the container's /tmp.
const HOOKED: &str = r#"
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    post_start:
      - command: sh -c 'echo "$$(id -u) $$(pwd) $$HOOKVAR" >> /tmp/post'
        user: "1000"
        working_dir: /etc
        environment:
          HOOKVAR: from-hook
"#;

#[tokio::test]
async fn post_start_hooks_run_after_up_and_start_with_their_user_directory_and_environment() {
    let s = Stack::new("poststart", HOOKED).await;
    let web = s.container("web", 1);
    s.ok(&["up", "-d"]).await;
    assert_eq!(cat(&s, &web, "/tmp/post").await, "1000 /etc from-hook\n", "the hook ran once, as user 1000 in /etc");
    s.ok(&["stop"]).await;
    s.ok(&["start"]).await;
    assert_eq!(cat(&s, &web, "/tmp/post").await, "1000 /etc from-hook\n", "with -p alone no file is read: no hook (as 2.40.3)");
    s.ok(&["stop"]).await;
    s.ok(&["-f", "compose.yaml", "start"]).await;
    assert_eq!(cat(&s, &web, "/tmp/post").await, "1000 /etc from-hook\n".repeat(2), "start runs it again");
    s.ok(&["-f", "compose.yaml", "restart"]).await;
    assert_eq!(cat(&s, &web, "/tmp/post").await, "1000 /etc from-hook\n".repeat(2), "restart does not, as in 2.40.3");
    if reference_installed() {
        s.ok(&["down"]).await;
        let out = s.docker_compose(&["up", "-d"]).await;
        assert!(out.status.success(), "docker compose up: {}", stderr(&out));
        assert_eq!(cat(&s, &web, "/tmp/post").await, "1000 /etc from-hook\n", "Docker Compose's hook leaves the same trace");
    }
}

const FAILING: &str = r#"
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    post_start:
      - command: sh -c 'echo failing; exit 3'
      - command: touch /tmp/second
  other:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on: [web]
"#;

#[tokio::test]
async fn a_failing_post_start_hook_fails_up_as_in_docker_compose_2_40() {
    let s = Stack::new("hookfail", FAILING).await;
    let (web, other) = (s.container("web", 1), s.container("other", 1));
    let out = s.rcompose(&["up", "-d"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("web hook exited with status 3"), "{}", stderr(&out));
    assert_eq!(state(&s, &web).await, ContainerStatus::Running, "the container stays up");
    assert_eq!(state(&s, &other).await, ContainerStatus::Created, "its dependents are not started");
    let second = s.engine.exec(&web, &ExecSpec::new(["test", "-e", "/tmp/second"])).await.expect("exec");
    assert_ne!(second.exit_code, 0, "the hooks after the failing one do not run");
    if reference_installed() {
        s.ok(&["down"]).await;
        let out = s.docker_compose(&["up", "-d"]).await;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("web hook exited with status 3"), "{}", stderr(&out));
        assert_eq!(state(&s, &web).await, ContainerStatus::Running);
        assert_eq!(state(&s, &other).await, ContainerStatus::Created);
    }
}

#[tokio::test]
async fn attached_up_runs_pre_stop_hooks_when_interrupted_and_a_failing_one_keeps_its_container() {
    let yaml = r#"
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    volumes: ["./out:/out"]
    post_start:
      - command: echo web-ready
    pre_stop:
      - command: sh -c 'echo stopping >> /out/pre_stop'
  stuck:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    pre_stop:
      - command: sh -c 'exit 4'
"#;
    let s = Stack::new("prestop", yaml).await;
    std::fs::create_dir(s.dir.path().join("out")).expect("out dir");
    let (status, _) = interrupt_when(&s, &["--progress", "plain", "up"], |l| l.contains("web-ready")).await;
    assert_eq!(status.code(), Some(130));
    assert_eq!(std::fs::read_to_string(s.dir.path().join("out/pre_stop")).expect("the hook wrote"), "stopping\n");
    assert_eq!(state(&s, &s.container("web", 1)).await, ContainerStatus::Exited);
    assert_eq!(state(&s, &s.container("stuck", 1)).await, ContainerStatus::Running, "its pre_stop failed: left running, as 2.40.3 does");
    s.ok(&["stop"]).await;
    assert_eq!(std::fs::read_to_string(s.dir.path().join("out/pre_stop")).unwrap(), "stopping\n", "`stop` runs no pre_stop hook (2.40.3)");
}

const IMAGE_VOLUME: &str = r#"
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    volumes:
      - data:/data
      - type: image
        source: busybox
        target: /img
        image:
          subpath: bin
volumes:
  data:
"#;

#[tokio::test]
async fn a_type_image_volume_is_refused_on_this_engine_before_anything_is_created() {
    let s = Stack::new("imgvol", IMAGE_VOLUME).await;
    assert!(s.engine.api_version() < (1, 48), "this test expects an engine without image mounts (API < 1.48)");
    let out = s.rcompose(&["up", "-d"]).await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let (major, minor) = s.engine.api_version();
    for part in ["compose.yaml:8:", "services.web.volumes[1]", "service web", "type=image", "API 1.48", &format!("API is {major}.{minor}")]
    {
        assert!(err.contains(part), "{part:?} missing from: {err}");
    }
    let filter = LabelFilter::new().eq("com.docker.compose.project", &s.name);
    assert!(s.containers().await.is_empty(), "no container");
    assert!(s.engine.list_networks(&filter).await.unwrap().is_empty(), "no network");
    assert!(s.engine.list_volumes(&filter).await.unwrap().is_empty(), "no volume");
    let config = s.ok(&["config"]).await;
    assert!(
        config.contains("      - type: image\n        source: busybox\n        target: /img\n        image:\n          subpath: bin\n"),
        "{config}"
    );
    if reference_installed() {
        let theirs = s.docker_compose(&["config"]).await;
        assert_eq!(config, String::from_utf8_lossy(&theirs.stdout), "config as 2.40.3 prints it");
    }
}

const GPUS: &str = r#"
services:
  all:
    image: busybox
    gpus: all
  some:
    image: busybox
    gpus:
      - driver: nvidia
        count: 2
        capabilities: [gpu, utility]
        options: {x: "1"}
      - device_ids: ["0", "3"]
        capabilities: [compute]
    deploy:
      resources:
        reservations:
          devices:
            - capabilities: [gpu]
              driver: nvidia
              options: {a: b}
"#;

/// The device requests of the project's containers as the engine reports them, by container.
async fn device_requests(s: &Stack) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for name in s.containers().await.keys() {
        let inspect = std::process::Command::new("docker")
            .args(["inspect", "--format", "{{json .HostConfig.DeviceRequests}}", name])
            .output()
            .expect("docker inspect");
        out.push((name.clone(), String::from_utf8_lossy(&inspect.stdout).trim().to_string()));
    }
    out
}

#[tokio::test]
async fn gpus_reach_the_engine_as_docker_compose_2_40_sends_them() {
    let s = Stack::new("gpus", GPUS).await;
    s.ok(&["create"]).await;
    let ours = device_requests(&s).await;
    let all = &ours.iter().find(|(n, _)| *n == s.container("all", 1)).expect("all").1;
    assert_eq!(all, r#"[{"Driver":"","Count":-1,"DeviceIDs":null,"Capabilities":[["gpu"]],"Options":null}]"#);
    if reference_installed() {
        s.ok(&["down"]).await;
        let out = s.docker_compose(&["create"]).await;
        assert!(out.status.success(), "docker compose create: {}", stderr(&out));
        assert_eq!(ours, device_requests(&s).await, "the same requests as Docker Compose 2.40.3");
    }
}

#[tokio::test]
async fn up_and_create_accept_yes() {
    let s = Stack::new("yes", HOOKED).await;
    s.ok(&["create", "--yes"]).await;
    assert_eq!(state(&s, &s.container("web", 1)).await, ContainerStatus::Created);
    s.ok(&["up", "-d", "-y"]).await;
    assert_eq!(state(&s, &s.container("web", 1)).await, ContainerStatus::Running);
}

#[tokio::test]
async fn start_wait_returns_once_the_services_are_healthy_and_gives_up_at_its_timeout() {
    let yaml = r#"
services:
  db:
    image: busybox
    command: sh -c 'sleep 2; touch /tmp/ready; exec sleep 600'
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD", "test", "-f", "/tmp/ready"]
      interval: 1s
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on: [db]
"#;
    let s = Stack::new("startwait", yaml).await;
    s.ok(&["create"]).await;
    s.ok(&["start", "--wait"]).await;
    let details = s.engine.inspect_container(&s.container("db", 1)).await.expect("inspect");
    assert_eq!(details.state.health.map(|h| h.status), Some(HealthStatus::Healthy), "start --wait returned with db healthy");
    assert_eq!(state(&s, &s.container("web", 1)).await, ContainerStatus::Running);

    let never = r#"
services:
  never:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    healthcheck:
      test: ["CMD", "false"]
      interval: 1s
"#;
    let s = Stack::new("startwaitnever", never).await;
    s.ok(&["create"]).await;
    let out = s.rcompose(&["start", "--wait", "--wait-timeout", "2"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("timed out"), "{}", stderr(&out));
}

#[tokio::test]
async fn all_resources_keeps_and_creates_what_no_service_uses() {
    let yaml = "services:\n  s:\n    image: busybox\nnetworks:\n  unused: {}\nvolumes:\n  spare: {}\n";
    let s = Stack::new("allres", yaml).await;
    let config = s.ok(&["--all-resources", "config"]).await;
    assert!(config.contains("  unused:\n") && config.contains("  spare:\n"), "{config}");
    assert!(!s.ok(&["config"]).await.contains("spare"), "without the flag they are pruned");
    if reference_installed() {
        let theirs = s.docker_compose(&["--all-resources", "config"]).await;
        assert_eq!(config, String::from_utf8_lossy(&theirs.stdout), "as Docker Compose 2.40.3 prints it");
    }
    s.ok(&["--all-resources", "create"]).await;
    let filter = LabelFilter::new().eq("com.docker.compose.project", &s.name);
    let networks: Vec<String> = s.engine.list_networks(&filter).await.unwrap().into_iter().map(|n| n.name).collect();
    assert!(networks.contains(&format!("{}_unused", s.name)), "{networks:?}");
    let volumes: Vec<String> = s.engine.list_volumes(&filter).await.unwrap().into_iter().map(|v| v.name).collect();
    assert_eq!(volumes, [format!("{}_spare", s.name)]);
}

#[tokio::test]
async fn compatibility_names_containers_and_built_images_with_underscores() {
    let s = Stack::new("compat", "services:\n  web:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n  app:\n    build: .\n").await;
    std::fs::write(s.dir.path().join("Dockerfile"), "FROM busybox\n").expect("Dockerfile");
    let images = s.ok(&["--compatibility", "config", "--images"]).await;
    assert_eq!(images, format!("{}_app\nbusybox\n", s.name), "app, then web");
    s.ok(&["--compatibility", "create", "web"]).await;
    let names: Vec<String> = s.containers().await.into_keys().collect();
    assert_eq!(names, [format!("{}_web_1", s.name)]);
    if reference_installed() {
        s.ok(&["down"]).await;
        let out = s.docker_compose(&["--compatibility", "create", "web"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(s.containers().await.into_keys().collect::<Vec<_>>(), names, "the name Docker Compose 2.40.3 gives");
        // 2.40.3 lists them in its map's order, which varies: compared as sets.
        let theirs = s.docker_compose(&["--compatibility", "config", "--images"]).await;
        let mut theirs: Vec<String> = String::from_utf8_lossy(&theirs.stdout).lines().map(String::from).collect();
        theirs.sort();
        let mut ours: Vec<&str> = images.lines().collect();
        ours.sort_unstable();
        assert_eq!(ours, theirs);
    }
}

const TALKING: &str = r#"
services:
  web:
    image: busybox
    command: [sh, -c, "echo main; sleep 1"]
    post_start:
      - command: [sh, -c, "echo hook-out; echo hook-err >&2"]
"#;

/// Attached, a hook's output is shown among the logs on standard output, labelled as Docker
/// Compose 2.40.3 labels it (`web-1 ->  | hook-out`).
#[tokio::test]
async fn attached_up_shows_hook_output_among_the_logs() {
    let s = Stack::new("hooklog", TALKING).await;
    let out = s.rcompose(&["up"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("web-1 ->  | hook-out\n") && stdout.contains("web-1 ->  | hook-err\n"), "{stdout}");
    assert!(!stderr(&out).contains("hook-out"), "not among the progress lines: {}", stderr(&out));
    if reference_installed() {
        let _ = s.rcompose(&["down"]).await;
        let theirs = s.docker_compose(&["up"]).await;
        let text = String::from_utf8_lossy(&theirs.stdout).replace("\x1b[K", "");
        for line in ["web-1 ->  | hook-out", "web-1 ->  | hook-err", "web-1  | main"] {
            assert!(text.contains(line) && stdout.contains(line), "{line:?} in both:\n{text}\n---\n{stdout}");
        }
    }
}

/// A service's `mac_address` reaches an engine older than API 1.44, which reads it from the
/// container's configuration only, where Docker Compose 2.40.3 puts it.
#[tokio::test]
async fn mac_address_is_the_containers_on_an_engine_before_api_1_44() {
    const MAC: &str = "02:42:ac:11:00:99";
    let file =
        format!("services:\n  a:\n    image: busybox\n    command: [sleep, '60']\n    stop_signal: SIGKILL\n    mac_address: {MAC}\n");
    let s = Stack::new("macaddr", &file).await;
    let inspect = |name: String| {
        let o = std::process::Command::new("docker")
            .args(["inspect", "-f", "{{.Config.MacAddress}} {{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}", &name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    let up = s.rcompose(&["up", "-d"]).await;
    assert!(up.status.success(), "{}", stderr(&up));
    let ours = inspect(s.container("a", 1));
    assert!(ours.ends_with(&format!(" {MAC}")), "the engine gave the container its address: {ours}");
    if reference_installed() {
        let _ = s.rcompose(&["down"]).await;
        let theirs = s.docker_compose(&["up", "-d"]).await;
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert_eq!(ours, inspect(s.container("a", 1)), "as Docker Compose 2.40.3 sets it");
    }
}
