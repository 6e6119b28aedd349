//! The flags rcompose took from Docker Compose 2.26.1 late, proven on the engine: `build
//! --with-dependencies/--memory/--push/--ssh/--builder`, `pull --ignore-buildable/--include-deps`,
//! `kill --remove-orphans` and `config --resolve-image-digests`. Where the reference is
//! installed, its exit code (and what it builds or kills) is compared with ours.

use std::process::{Command, Output};

use crate::up::Stack;

/// Removes the named images when dropped.
struct Images(Vec<String>);

impl Drop for Images {
    fn drop(&mut self) {
        let _ = Command::new("docker").args(["rmi", "-f"]).args(&self.0).output();
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn image_exists(reference: &str) -> bool {
    Command::new("docker").args(["image", "inspect", reference]).output().unwrap().status.success()
}

/// Docker Compose with its classic builder, the one rcompose matches.
async fn reference(s: &Stack, args: &[&str]) -> Option<Output> {
    if !crate::harness::reference_installed() {
        return None;
    }
    let mut cmd = tokio::process::Command::new("docker");
    cmd.args(["compose", "-p", &s.name]).args(args).current_dir(s.dir.path()).env("DOCKER_BUILDKIT", "0");
    Some(cmd.output().await.unwrap())
}

/// `base` and `app`, each built from its own directory, `app` depending on `base`.
async fn two_builds(test: &str, app_extra: &str) -> (Stack, Images) {
    let yaml = format!(
        "services:\n  base:\n    build: base\n    command: [sleep, '600']\n  app:\n    build: app\n    depends_on: [base]\n{app_extra}"
    );
    let s = Stack::new(test, &yaml).await;
    // Steps unique to the project: no other test's build shares (or removes) their layers.
    for (dir, run) in [
        ("base", "echo base"),
        ("app", "echo app; cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes"),
    ] {
        std::fs::create_dir_all(s.dir.path().join(dir)).unwrap();
        std::fs::write(s.dir.path().join(dir).join("Dockerfile"), format!("FROM busybox:latest\nRUN echo {}; {run}\n", s.name)).unwrap();
    }
    let images = Images(vec![format!("{}-base", s.name), format!("{}-app", s.name)]);
    (s, images)
}

#[tokio::test]
async fn build_with_dependencies_builds_the_images_of_what_the_service_depends_on() {
    let (s, images) = two_builds("with-deps", "").await;
    let (base, app) = (&images.0[0], &images.0[1]);
    s.ok(&["build", "app"]).await;
    assert!(image_exists(app) && !image_exists(base), "without the flag only app is built");
    s.ok(&["build", "--with-dependencies", "app"]).await;
    assert!(image_exists(base), "base is built as app's dependency");

    if let Some(theirs) = {
        let _ = Command::new("docker").args(["rmi", "-f", base]).output();
        reference(&s, &["build", "--with-dependencies", "app"]).await
    } {
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert!(image_exists(base), "Docker Compose builds the dependency too");
    }
}

#[tokio::test]
async fn build_memory_limits_the_run_steps() {
    let (s, _images) = two_builds("memory", "").await;
    let out = s.rcompose(&["--progress", "plain", "build", "--no-cache", "-m", "100m", "app"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("[app] 104857600"), "the RUN step sees the 100 MiB limit: {}", stderr(&out));
    // Above what 32 bits hold, the limit still reaches the engine.
    let out = s.rcompose(&["--progress", "plain", "build", "--no-cache", "--memory", "3g", "app"]).await;
    assert!(out.status.success() && stderr(&out).contains("[app] 3221225472"), "{}", stderr(&out));
    let bad = s.rcompose(&["build", "-m", "lots", "app"]).await;
    assert_eq!(bad.status.code(), Some(16), "a size that does not parse is a usage error, as in Docker Compose: {}", stderr(&bad));

    if let Some(theirs) = reference(&s, &["build", "--no-cache", "-m", "100m", "app"]).await {
        let text = String::from_utf8_lossy(&theirs.stdout).into_owned() + &stderr(&theirs);
        assert!(theirs.status.success() && text.contains("104857600"), "{text}");
    }
}

#[tokio::test]
async fn build_push_without_a_registry_fails_naming_the_image() {
    let name = format!("localhost:5999/rcflags{}/app:1", std::process::id());
    let (s, mut images) = two_builds("push", &format!("    image: {name}\n")).await;
    images.0.push(name.clone());
    let out = s.rcompose(&["build", "--push", "app"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("push image {name} for service app")), "{}", stderr(&out));
    assert!(image_exists(&name), "the build itself was done before the push failed");
    if let Some(theirs) = reference(&s, &["build", "--push", "app"]).await {
        assert_eq!(theirs.status.code(), Some(1), "{}", stderr(&theirs));
    }
}

#[tokio::test]
async fn build_builder_warns_and_ssh_is_refused_before_building() {
    let (s, images) = two_builds("builder-ssh", "").await;
    let out = s.rcompose(&["build", "--builder", "elsewhere", "app"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("builder \"elsewhere\" is not used"), "{}", stderr(&out));
    assert!(!stderr(&s.rcompose(&["build", "--builder", "default", "app"]).await).contains("is not used"), "the default builder is ours");
    let _ = Command::new("docker").args(["rmi", "-f", &images.0[1]]).output();
    let out = s.rcompose(&["build", "--ssh", "default", "app"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("the classic builder doesn't support SSH keys (--ssh)"), "{}", stderr(&out));
    assert!(!image_exists(&images.0[1]), "nothing was built");
}

#[tokio::test]
async fn pull_ignore_buildable_skips_the_services_that_build() {
    let absent = format!("rcflags{}-absent:1", std::process::id());
    let (s, _images) = two_builds("ignore-buildable", &format!("    image: {absent}\n")).await;
    let out = s.rcompose(&["pull", "app"]).await;
    assert_ne!(out.status.code(), Some(0), "the image is pulled, and there is no registry: {}", stderr(&out));
    assert!(stderr(&out).contains(&format!("pull image {absent}")), "{}", stderr(&out));
    let out = s.rcompose(&["pull", "--ignore-buildable", "app"]).await;
    assert!(out.status.success(), "nothing left to pull: {}", stderr(&out));
    assert!(!stderr(&out).contains("Pulling"), "{}", stderr(&out));
    if let Some(theirs) = reference(&s, &["pull", "--ignore-buildable", "app"]).await {
        assert!(theirs.status.success(), "{}", stderr(&theirs));
    }
}

#[tokio::test]
async fn pull_include_deps_pulls_what_the_service_depends_on() {
    let absent = format!("rcflags{}-dep-absent:1", std::process::id());
    let yaml = format!(
        "services:\n  app:\n    image: busybox:latest\n    pull_policy: missing\n    depends_on: [db]\n  db:\n    image: {absent}\n"
    );
    let s = Stack::new("include-deps", &yaml).await;
    let out = s.rcompose(&["pull", "app"]).await;
    assert!(out.status.success(), "app's image is here, db is not asked for: {}", stderr(&out));
    let out = s.rcompose(&["pull", "--include-deps", "app"]).await;
    assert_ne!(out.status.code(), Some(0), "db's image is pulled too, and there is no registry");
    assert!(stderr(&out).contains(&format!("pull image {absent} for service db")), "{}", stderr(&out));
    if let Some(theirs) = reference(&s, &["pull", "--include-deps", "app"]).await {
        assert_ne!(theirs.status.code(), Some(0), "{}", stderr(&theirs));
    }
}

#[tokio::test]
async fn kill_remove_orphans_kills_the_orphans_too_without_removing_them() {
    let two =
        "services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n  gone:\n    image: busybox\n    command: [sleep, '600']\n";
    let one = "services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n";
    let s = Stack::new("kill-orphans", two).await;
    let (a, gone) = (s.container("a", 1), s.container("gone", 1));
    s.ok(&["up", "-d"]).await;
    s.write(one);
    // `-f`: with `-p` alone, as in Docker Compose, no file is read and every container of the
    // project is one of its services.
    s.ok(&["-f", "compose.yaml", "kill"]).await;
    let state =
        |all: &std::collections::BTreeMap<String, rcompose::engine::ContainerSummary>, c: &str| all.get(c).map(|x| x.state.to_string());
    let all = s.containers().await;
    assert_eq!(state(&all, &a).as_deref(), Some("exited"));
    assert_eq!(state(&all, &gone).as_deref(), Some("running"), "an orphan is left alone without the flag");
    s.ok(&["up", "-d"]).await;
    s.ok(&["-f", "compose.yaml", "kill", "--remove-orphans"]).await;
    let all = s.containers().await;
    assert_eq!(state(&all, &gone).as_deref(), Some("exited"), "killed with the flag");
    assert!(all.contains_key(&a), "and nothing removed");

    if crate::harness::reference_installed() {
        s.ok(&["up", "-d"]).await;
        let _ = Command::new("docker").args(["start", &gone]).output();
        let theirs = reference(&s, &["-f", "compose.yaml", "kill"]).await.unwrap();
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        assert_eq!(state(&s.containers().await, &gone).as_deref(), Some("running"), "Docker Compose leaves it too");
        let theirs = reference(&s, &["-f", "compose.yaml", "kill", "--remove-orphans"]).await.unwrap();
        assert!(theirs.status.success(), "{}", stderr(&theirs));
        let all = s.containers().await;
        assert_eq!(state(&all, &gone).as_deref(), Some("exited"), "and kills it with the flag");
        assert!(all.contains_key(&gone), "without removing it");
    }
}

#[tokio::test]
async fn config_resolve_image_digests_needs_a_digest_the_engine_knows() {
    // busybox here was made locally (scripts/busybox-image.sh): no registry digest.
    let s = Stack::new("digests", "services:\n  a:\n    image: busybox:latest\n").await;
    let out = s.rcompose(&["config", "--resolve-image-digests"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot pin image busybox:latest of service a to a digest"), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    s.write("services:\n  a:\n    build: .\n");
    let out = s.ok(&["config", "--resolve-image-digests"]).await;
    assert!(out.contains("build:"), "a service that only builds has nothing to pin: {out}");
}
