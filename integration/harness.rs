//! The test harness: a connected engine per test, a unique project name, and a guard that
//! removes everything the test labelled, even when the test panics.
//!
//! Tests never skip: an unreachable engine fails them with the engine's own message (which
//! names DOCKER_HOST), because a green run that tested nothing is worse than a red one.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use rcompose::engine::{
    ContainerConfig, ContainerSpec, DockerEngine, Engine, ImageFilter, LabelFilter, LogChunk, LogStream, RemoveContainerOptions,
};

/// The label every object made by a test carries; its value is the test's project name.
pub const TEST_LABEL: &str = "org.rcompose.test";

/// The image every test may rely on; created from busybox-static when missing.
pub const BUSYBOX: &str = "busybox:latest";

/// One test's view of the engine. Dropping it removes the test's containers, networks,
/// volumes and images.
pub struct TestProject {
    pub name: String,
    pub engine: DockerEngine,
}

impl TestProject {
    /// Connects (panicking loudly if the engine cannot be reached) and makes sure the busybox
    /// image exists. `test` is the test's name, kept in the project name for debugging.
    pub async fn new(test: &str) -> TestProject {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let engine = match DockerEngine::connect().await {
            Ok(e) => e,
            Err(e) => panic!("integration tests need a Docker engine: {e}"),
        };
        ensure_busybox();
        let short: String = test.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).take(30).collect();
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("rcit{}-{n}-{short}", std::process::id());
        TestProject { name, engine }
    }

    /// A name unique to this test, for containers, networks and volumes.
    pub fn object(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.name)
    }

    /// The labels that mark an object as this test's (plus any extra pairs).
    pub fn labels(&self, extra: &[(&str, &str)]) -> BTreeMap<String, String> {
        let mut labels = BTreeMap::from([(TEST_LABEL.to_string(), self.name.clone())]);
        labels.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        labels
    }

    /// The filter that finds this test's objects.
    pub fn filter(&self) -> LabelFilter {
        LabelFilter::new().eq(TEST_LABEL, &self.name)
    }

    /// A busybox container named and labelled for this test (label `role` = `suffix`),
    /// running `script` with `sh -c`.
    pub fn busybox(&self, suffix: &str, script: &str) -> ContainerSpec {
        ContainerSpec {
            name: Some(self.object(suffix)),
            config: ContainerConfig {
                image: BUSYBOX.into(),
                cmd: Some(vec!["sh".into(), "-c".into(), script.into()]),
                labels: self.labels(&[("role", suffix)]),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// The keys that make a test service sleep ten minutes and stop at once (SIGKILL).
macro_rules! sleeps {
    () => {
        "command: [\"sleep\", \"600\"]\nstop_signal: SIGKILL\n"
    };
}

/// The keys that make a service sleep ten minutes and stop at once (SIGKILL), whatever its
/// image: `build: ./ctx` and these, for a built one.
pub const SLEEPS: &str = sleeps!();

/// The keys of the usual test service: busybox, sleeping ten minutes, stopped at once.
pub const SLEEPER: &str = concat!("image: busybox\n", sleeps!());

/// A compose file of `services`, each a name and the parts of its keys (YAML written from
/// column 0, e.g. `SLEEPER` and what the test adds), so that a test states only what differs.
pub fn compose(services: &[(&str, &[&str])]) -> String {
    let mut yaml = String::from("services:\n");
    for (name, parts) in services {
        yaml.push_str(&format!("  {name}:\n"));
        for part in *parts {
            yaml.push_str(&indent(part, 4));
        }
    }
    yaml
}

/// `text` with each line indented by `n` spaces, blank lines left out.
pub fn indent(text: &str, n: usize) -> String {
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("{:n$}{l}\n", "")).collect()
}

/// The text of one output stream among log chunks.
pub fn log_text(chunks: &[LogChunk], stream: LogStream) -> String {
    chunks.iter().filter(|c| c.stream == stream).map(|c| String::from_utf8_lossy(&c.bytes).into_owned()).collect()
}

impl Drop for TestProject {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot be blocked on: clean up from a
        // thread with a runtime and a connection of its own.
        let name = self.name.clone();
        let cleanup = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("cleanup runtime");
            rt.block_on(remove_everything(&name))
        });
        match cleanup.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("cleanup of {}: {e}", self.name),
            Err(_) => eprintln!("cleanup of {} panicked", self.name),
        }
    }
}

async fn remove_everything(project: &str) -> Result<(), String> {
    let engine = DockerEngine::connect().await.map_err(|e| e.to_string())?;
    let filter = LabelFilter::new().eq(TEST_LABEL, project);
    let mut failures = Vec::new();
    let force = RemoveContainerOptions { force: true, volumes: true };
    for c in engine.list_containers(true, &filter).await.map_err(|e| e.to_string())? {
        if let Err(e) = engine.remove_container(&c.id, force).await {
            failures.push(format!("container {}: {e}", c.name()));
        }
    }
    for n in engine.list_networks(&filter).await.map_err(|e| e.to_string())? {
        if let Err(e) = engine.remove_network(&n.id).await {
            failures.push(format!("network {}: {e}", n.name));
        }
    }
    for v in engine.list_volumes(&filter).await.map_err(|e| e.to_string())? {
        if let Err(e) = engine.remove_volume(&v.name, true).await {
            failures.push(format!("volume {}: {e}", v.name));
        }
    }
    let images = ImageFilter { labels: filter.clone(), ..Default::default() };
    for i in engine.list_images(&images).await.map_err(|e| e.to_string())? {
        if let Err(e) = engine.remove_image(&i.id, true).await {
            if !e.is_not_found() {
                failures.push(format!("image {}: {e}", i.id));
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    }
}

/// Runs `program pre... args...` in `dir` (no `COMPOSE_FILE` from the caller's environment):
/// exit code, standard output, standard error.
pub fn run_in(program: &str, pre: &[&str], dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(program).args(pre).args(args).current_dir(dir).env_remove("COMPOSE_FILE").output().expect("run");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code().unwrap_or(-1), text(&out.stdout), text(&out.stderr))
}

/// `rcompose args...` in `dir`: exit code, standard output, standard error.
pub fn rcompose_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    run_in(env!("CARGO_BIN_EXE_rcompose"), &[], dir, args)
}

/// `rcompose args...` in `dir`, which must succeed: its standard output.
pub fn rcompose_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let (code, out, err) = rcompose_in(dir, args);
    assert_eq!(code, 0, "rcompose {args:?} failed: {err}");
    out
}

/// A `dockerd` of a test's own, in a network namespace of its own (`unshare --net`: nothing it
/// does to interfaces reaches the host's), with its configuration (`daemon.json`), data root,
/// exec root and pid file under `dir`; the caller adds its addresses and options.
pub fn dockerd_in(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new("unshare");
    cmd.args(["--net", "dockerd", "--config-file"])
        .arg(dir.join("daemon.json"))
        .arg("--data-root")
        .arg(dir.join("data"))
        .arg("--exec-root")
        .arg(dir.join("exec"))
        .arg("--pidfile")
        .arg(dir.join("dockerd.pid"));
    cmd
}

/// A reference missing: outside CI a note and the comparison is skipped (rcompose never needs
/// the reference); under CI (`CI=true`, set by `.ci/run`, which installs both references) a
/// failure, so that a comparison never passes by finding nothing to compare with.
pub fn reference_missing(note: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{note} (CI=true: .ci/run installs the references, so this is a failure, not a skip)");
    }
    eprintln!("note: {note}");
}

/// Whether the reference, Docker Compose 2.40.x, is `docker compose`: every comparison with
/// "Docker Compose" in these tests is with 2.40.3 (`.ci/run` installs it). Another version is
/// not compared with: its behaviour is not the one the tests expect. Tests compare with it when
/// it is there and skip only that comparison when it is not (see [`reference_missing`]).
pub fn reference_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    *INSTALLED.get_or_init(|| {
        let version = Command::new("docker")
            .args(["compose", "version", "--short"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().trim_start_matches('v').to_string());
        match version {
            Some(v) if v.starts_with("2.40.") => true,
            Some(v) => {
                reference_missing(&format!(
                    "`docker compose` is {v}, not the reference 2.40: the comparison with Docker Compose is skipped"
                ));
                false
            }
            None => {
                reference_missing("`docker compose` is not installed: the comparison with Docker Compose is skipped");
                false
            }
        }
    })
}

/// Docker Compose 2.26.1, kept aside for the takeover tests (`.ci/run` installs it at
/// `/opt/compose-2.26/docker-compose` with `compose-reference.sh 2.26 --aside`; `COMPOSE_2_26`
/// names another place). `None`, with a note, when it is not there.
pub fn compose_2_26() -> Option<std::path::PathBuf> {
    let path = std::path::PathBuf::from(std::env::var("COMPOSE_2_26").unwrap_or_else(|_| "/opt/compose-2.26/docker-compose".into()));
    let version = Command::new(&path).args(["version", "--short"]).output().ok().filter(|o| o.status.success());
    match version.map(|o| String::from_utf8_lossy(&o.stdout).trim().trim_start_matches('v').to_string()) {
        Some(v) if v.starts_with("2.26.") => Some(path),
        _ => {
            reference_missing(&format!("Docker Compose 2.26 is not at {}: the takeover from it is skipped", path.display()));
            None
        }
    }
}

/// Creates `busybox:latest` with `scripts/busybox-image.sh` unless it exists; once per run.
pub fn ensure_busybox() {
    static DONE: OnceLock<Result<(), String>> = OnceLock::new();
    let result = DONE.get_or_init(|| {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/busybox-image.sh");
        let out = Command::new("bash").arg(script).arg(BUSYBOX).output().map_err(|e| format!("cannot run {script}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{script} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr).trim()))
        }
    });
    if let Err(e) = result {
        panic!("the test image {BUSYBOX} is missing and cannot be created: {e}");
    }
}
