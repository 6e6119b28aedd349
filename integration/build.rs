//! Images end to end: `build` (args, `.dockerignore`, inline and outside Dockerfiles, targets),
//! `up` building what is missing and rebuilding on `--build`, pull policies, `pull`, and the
//! README's quickstart stack. Built images are compared with what Docker Compose's classic
//! builder makes from the same files.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Output};

use rcompose::engine::{Engine, LabelFilter};

use crate::harness::ensure_busybox;
use crate::up::Stack;

/// Removes the named images (references or ids) when dropped.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f"]).args(&self.0).output();
    }
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// `sh -c script` in a throwaway container of `image`; its standard output.
fn run_in(image: &str, script: &str) -> String {
    let out = Command::new("docker").args(["run", "--rm", image, "sh", "-c", script]).output().unwrap();
    assert!(out.status.success(), "docker run {image}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const CONTEXT: &[(&str, &str)] = &[
    ("ctx/Dockerfile", "FROM busybox:latest\nARG GREETING=hello\nARG FLAG=unset\nCOPY . /ctx\nRUN echo \"$GREETING $FLAG\" > /greeting\n"),
    ("ctx/.dockerignore", "# secrets stay home\n*.secret\nnested/drop\n!nested/drop/back.txt\n"),
    ("ctx/keep.txt", "kept"),
    ("ctx/a.secret", "s"),
    ("ctx/nested/a.secret", "* stops at /"),
    ("ctx/nested/drop/x.txt", "dropped"),
    ("ctx/nested/drop/back.txt", "re-included"),
    ("ctx/nested/keep/y.txt", "kept"),
];

#[tokio::test]
async fn build_sends_args_and_leaves_out_what_dockerignore_excludes() {
    let yaml = "services:\n  app:\n    build:\n      context: ./ctx\n      args: {GREETING: bonjour}\n      labels: {org.example.built: \"yes\"}\n    command: [sleep, '600']\n";
    let s = Stack::new("build-args", yaml).await;
    write(s.dir.path(), CONTEXT);
    let image = format!("{}-app", s.name);
    let mut cleanup = Images(vec![image.clone()]);
    let out = s.rcompose(&["build", "--build-arg", "FLAG=from-flag"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(" Image ") && stderr(&out).contains("Step 1/"), "progress and build output: {}", stderr(&out));

    let listing = "cat /greeting; cd /ctx && find . -type f | sort";
    let ours = run_in(&image, listing);
    assert_eq!(
        ours,
        "bonjour from-flag\n./.dockerignore\n./Dockerfile\n./keep.txt\n./nested/a.secret\n./nested/drop/back.txt\n./nested/keep/y.txt\n"
    );
    let info = s.engine.inspect_image(&image).await.unwrap();
    cleanup.0.push(info.id.clone());
    assert_eq!(info.labels.get("org.example.built").map(String::as_str), Some("yes"));
    assert_eq!(info.labels.get("com.docker.compose.image.builder").map(String::as_str), Some("classic"));

    let quiet = s.rcompose(&["build", "-q", "--build-arg", "FLAG=from-flag"]).await;
    assert!(quiet.status.success() && quiet.stderr.is_empty() && quiet.stdout.is_empty(), "{}", stderr(&quiet));

    // Docker Compose's classic builder sends the same files.
    if crate::harness::reference_installed() {
        let theirs = Command::new("docker")
            .args(["compose", "-p", &s.name, "build", "--build-arg", "FLAG=from-flag"])
            .env("DOCKER_BUILDKIT", "0")
            .current_dir(s.dir.path())
            .output()
            .unwrap();
        assert!(theirs.status.success(), "docker compose build: {}", stderr(&theirs));
        assert_eq!(run_in(&image, listing), ours);
    }
}

#[tokio::test]
async fn inline_and_outside_dockerfiles_and_target_stages() {
    let outside = format!("rcompose-outside-{}", std::process::id());
    let yaml = r#"
services:
  inline:
    build:
      context: ./ctx
      dockerfile_inline: |
        FROM busybox:latest
        RUN echo inline > /which
  staged:
    build: {context: ./ctx, dockerfile: stages.Dockerfile, target: dev}
  outside:
    image: OUTSIDE
    build: {context: ./ctx, dockerfile: ../Dockerfile.outside}
"#
    .replace("OUTSIDE", &outside);
    let s = Stack::new("build-files", &yaml).await;
    write(
        s.dir.path(),
        &[
            ("ctx/stages.Dockerfile", "FROM busybox:latest AS base\nRUN echo base > /which\nFROM base AS dev\nRUN echo dev > /which\nFROM base AS prod\nRUN echo prod > /which\n"),
            ("Dockerfile.outside", "FROM busybox:latest\nCOPY . /ctx\nRUN echo outside > /which\n"),
        ],
    );
    let (inline, staged) = (format!("{}-inline", s.name), format!("{}-staged", s.name));
    let _cleanup = Images(vec![inline.clone(), staged.clone(), outside.clone()]);
    s.ok(&["build"]).await;
    assert_eq!(run_in(&inline, "cat /which"), "inline\n");
    assert_eq!(run_in(&staged, "cat /which"), "dev\n");
    assert_eq!(run_in(&outside, "cat /which"), "outside\n");
    assert_eq!(run_in(&outside, "ls -A /ctx"), "stages.Dockerfile\n", "the generated Dockerfile stays out of the context");

    let only = s.rcompose(&["build", "nosuch"]).await;
    assert!(!only.status.success() && stderr(&only).contains("no such service: nosuch"), "{}", stderr(&only));
}

#[tokio::test]
async fn extra_hosts_shm_size_and_network_reach_the_build_steps() {
    let yaml = r#"
services:
  app:
    build:
      context: .
      dockerfile_inline: |
        FROM busybox:latest
        RUN grep example /etc/hosts > /hosts; df -k /dev/shm | tail -1 | awk '{print $2}' > /shm; ls /sys/class/net > /nets
      extra_hosts: ["one.example:10.1.2.3", "two.example=10.1.2.4", "three.example:10.1.2.5"]
      shm_size: 96m
      network: none
"#;
    let s = Stack::new("build-options", yaml).await;
    let image = format!("{}-app", s.name);
    let _cleanup = Images(vec![image.clone()]);
    s.ok(&["build"]).await;
    let hosts = run_in(&image, "cat /hosts");
    for line in ["10.1.2.3\tone.example", "10.1.2.4\ttwo.example", "10.1.2.5\tthree.example"] {
        assert!(hosts.contains(line), "{line} in {hosts}");
    }
    assert_eq!(run_in(&image, "cat /shm"), "98304\n");
    assert_eq!(run_in(&image, "cat /nets"), "lo\n");
}

#[tokio::test]
async fn up_builds_a_missing_image_and_rebuilds_on_request() {
    let yaml = "services:\n  web:\n    build: ./ctx\n    command: [sleep, '600']\n    stop_signal: SIGKILL\n";
    let s = Stack::new("up-build", yaml).await;
    write(s.dir.path(), &[("ctx/Dockerfile", "FROM busybox:latest\nRUN echo one > /version\n")]);
    let image = format!("{}-web", s.name);
    let mut cleanup = Images(vec![image.clone()]);

    let first = s.rcompose(&["up", "-d"]).await;
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stderr(&first).contains(&format!(" Image {image}  Built")), "{}", stderr(&first));
    let built = s.engine.inspect_image(&image).await.unwrap().id;
    cleanup.0.push(built.clone());
    let web = s.containers().await.remove(&s.container("web", 1)).expect("web runs");
    assert_eq!(web.labels["com.docker.compose.image"], built);

    let again = s.rcompose(&["up", "-d"]).await;
    assert!(again.status.success() && !stderr(&again).contains("Building"), "a present image is not rebuilt: {}", stderr(&again));

    write(s.dir.path(), &[("ctx/Dockerfile", "FROM busybox:latest\nRUN echo two > /version\n")]);
    let rebuilt = s.rcompose(&["up", "-d", "--build"]).await;
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    let new_id = s.engine.inspect_image(&image).await.unwrap().id;
    assert_ne!(new_id, built);
    let web2 = s.containers().await.remove(&s.container("web", 1)).expect("web runs");
    assert_ne!(web2.id, web.id, "a container of a rebuilt image is recreated");
    assert_eq!(web2.labels["com.docker.compose.image"], new_id);

    // Docker Compose agrees that nothing is left to do.
    if crate::harness::reference_installed() {
        let theirs = s.docker_compose(&["up", "-d"]).await;
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert_eq!(s.containers().await[&s.container("web", 1)].id, web2.id);
    }

    s.ok(&["down"]).await;
    s.engine.remove_image(&image, true).await.unwrap();
    let refused = s.rcompose(&["up", "-d", "--no-build"]).await;
    assert!(!refused.status.success());
    assert!(
        stderr(&refused)
            .contains(&format!("service web: image {image} is not present locally and it must be built, and --no-build was given")),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn missing_images_that_cannot_be_pulled_name_the_service() {
    let absent = format!("rcompose-absent-{}:never", std::process::id());
    let yaml = format!("services:\n  app:\n    image: {absent}\n    pull_policy: never\n  other:\n    image: {absent}-too\n");
    let s = Stack::new("pull-never", &yaml).await;
    // Exit codes as Docker Compose 2.40's: 1 when pulling is forbidden, and 1 when a pull fails.
    let never = s.rcompose(&["up", "-d", "app"]).await;
    assert_eq!(never.status.code(), Some(1), "{}", stderr(&never));
    assert!(
        stderr(&never).contains(&format!("service app: image {absent} is not present locally and pull_policy never forbids pulling it")),
        "{}",
        stderr(&never)
    );
    assert!(s.containers().await.is_empty(), "nothing is created");

    let unpullable = s.rcompose(&["up", "-d", "other"]).await;
    assert_eq!(unpullable.status.code(), Some(1), "{}", stderr(&unpullable));
    assert!(stderr(&unpullable).contains(&format!("pull image {absent}-too for service other: ")), "{}", stderr(&unpullable));

    let pull = s.rcompose(&["pull"]).await;
    assert_eq!(pull.status.code(), Some(1), "{}", stderr(&pull));
    assert!(stderr(&pull).contains("for service other"), "{}", stderr(&pull));
    let lenient = s.rcompose(&["pull", "--ignore-pull-failures"]).await;
    assert!(lenient.status.success(), "{}", stderr(&lenient));
    assert!(stderr(&lenient).contains("WARN: pull image"), "{}", stderr(&lenient));
}

/// A free TCP port on the host.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// `GET /` on `port`, retried for a few seconds while the server starts.
fn http_get(port: u16) -> String {
    let mut last = String::new();
    for _ in 0..50 {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            Ok(mut conn) => {
                let _ = conn.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n");
                let mut body = String::new();
                let _ = conn.read_to_string(&mut body);
                if body.contains("200 OK") {
                    return body;
                }
                last = body;
            }
            Err(e) => last = e.to_string(),
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no answer on port {port}: {last}");
}

#[tokio::test]
async fn the_quickstart_stack_comes_up_answers_and_goes_down() {
    ensure_busybox();
    let project = format!("rcqs{}", std::process::id());
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/quickstart/compose.yaml");
    let port = free_port().to_string();
    let _cleanup = Images(vec![format!("{project}-web")]);
    let rcompose = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rcompose"))
            .args(["-f", file, "-p", &project])
            .args(args)
            .env("QUICKSTART_PORT", &port)
            .output()
            .unwrap()
    };
    // Without QUICKSTART_PORT, the page is published on 8080 (the test uses a free port so
    // as not to depend on 8080 being free).
    let config = Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-f", file, "config", "--format", "json"])
        .env_remove("QUICKSTART_PORT")
        .output()
        .unwrap();
    let model: serde_json::Value =
        serde_json::from_slice(&config.stdout).unwrap_or_else(|e| panic!("config --format json: {e}: {}", stderr(&config)));
    let published: Vec<&serde_json::Value> =
        model["services"].as_object().into_iter().flat_map(|s| s.values()).filter_map(|s| s["ports"].as_array()).flatten().collect();
    assert!(published.iter().any(|p| p["target"] == 8080 && p["published"] == "8080"), "{published:?}");
    let up = rcompose(&["up", "-d", "--wait"]);
    let down_anyway = scopeguard(|| drop(rcompose(&["down", "-v"])));
    assert!(up.status.success(), "{}", stderr(&up));
    let page = http_get(port.parse().unwrap());
    assert!(page.contains("<h1>Hello from rcompose</h1>"), "{page}");

    let down = rcompose(&["down", "-v"]);
    assert!(down.status.success(), "{}", stderr(&down));
    drop(down_anyway);
    let engine = rcompose::engine::DockerEngine::connect().await.unwrap();
    let mine = LabelFilter::new().eq("com.docker.compose.project", &project);
    assert!(engine.list_containers(true, &mine).await.unwrap().is_empty());
    assert!(engine.list_networks(&mine).await.unwrap().is_empty());
    assert!(engine.list_volumes(&mine).await.unwrap().is_empty());
}

/// Runs `f` when dropped (a failed assertion still takes the stack down).
fn scopeguard(f: impl FnOnce()) -> impl Drop {
    struct Guard<F: FnOnce()>(Option<F>);
    impl<F: FnOnce()> Drop for Guard<F> {
        fn drop(&mut self) {
            if let Some(f) = self.0.take() {
                f();
            }
        }
    }
    Guard(Some(f))
}

/// `build --print` writes the bake file Docker Compose 2.40.3 prints, byte for byte; building
/// with attestations is refused, as 2.40.3 refuses it on the engine's own builder.
#[tokio::test]
async fn build_print_is_docker_composes_bake_file_and_attestations_are_refused() {
    let file = "services:\n  web:\n    build:\n      context: .\n      args: {A: '1', B: null}\n      labels: {team: core}\n      target: prod\n      tags: ['extra:1']\n    image: reg.example/web:2\n  api.v1:\n    build: ./api\n    depends_on: [web]\n  db:\n    image: busybox\n";
    let s = Stack::new("bakeprint", file).await;
    std::fs::create_dir_all(s.dir.path().join("api")).unwrap();
    let ours = s.rcompose(&["build", "--print", "--no-cache"]).await;
    assert!(ours.status.success(), "{}", stderr(&ours));
    let text = String::from_utf8_lossy(&ours.stdout).into_owned();
    assert!(text.contains("\"api_v1\"") && text.contains("\"no-cache\": true"), "{text}");
    assert!(s.engine.inspect_image("reg.example/web:2").await.is_err(), "nothing is built");
    if crate::harness::reference_installed() {
        let theirs = s.docker_compose(&["build", "--print", "--no-cache"]).await;
        let theirs = String::from_utf8_lossy(&theirs.stdout).into_owned();
        // Docker Compose lists the group's targets in Go's random map order: compared as sets.
        let targets = |t: &str| {
            let v: serde_json::Value = serde_json::from_str(t).expect("JSON");
            let mut names: Vec<String> = v["group"]["default"]["targets"].as_array().unwrap().iter().map(|n| n.to_string()).collect();
            names.sort();
            names
        };
        assert_eq!(targets(&text), targets(&theirs));
        let after = |t: &str| t[t.find("\"target\"").expect("targets")..].to_string();
        assert_eq!(after(&text), after(&theirs), "the targets as Docker Compose 2.40.3 prints them");
    }
    let refused = s.rcompose(&["build", "--provenance", "true"]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--provenance: attestations need BuildKit"), "{}", stderr(&refused));
}
