//! `rcompose up` end to end: the binary against the real engine, compared with what Docker
//! Compose does and expects (names, labels, DNS, convergence, health gates, scale).

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};

use rcompose::engine::{ContainerStatus, ContainerSummary, DockerEngine, Engine, ExecSpec, LabelFilter, RemoveContainerOptions};

use crate::harness::ensure_busybox;

/// A compose project in a temporary directory, removed with everything labelled for it when
/// dropped.
pub struct Stack {
    pub name: String,
    pub dir: tempfile::TempDir,
    pub engine: DockerEngine,
}

impl Stack {
    pub async fn new(test: &str, yaml: &str) -> Stack {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        ensure_busybox();
        let engine = DockerEngine::connect().await.unwrap_or_else(|e| panic!("integration tests need a Docker engine: {e}"));
        let name = format!("rcup{}-{}-{test}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
        let stack = Stack { name, dir: tempfile::tempdir().expect("temp dir"), engine };
        stack.write(yaml);
        stack
    }

    pub fn write(&self, yaml: &str) {
        std::fs::write(self.dir.path().join("compose.yaml"), yaml).expect("write compose.yaml");
    }

    /// Runs `rcompose -p <name> args...` in the project directory.
    pub async fn rcompose(&self, args: &[&str]) -> Output {
        run(env!("CARGO_BIN_EXE_rcompose"), self.dir.path(), &self.name, args).await
    }

    /// Runs `docker compose -p <name> args...` in the project directory.
    pub async fn docker_compose(&self, args: &[&str]) -> Output {
        let mut all = vec!["compose"];
        all.extend_from_slice(args);
        run("docker", self.dir.path(), &self.name, &all).await
    }

    /// Runs `args` with rcompose when `rcompose`, else with Docker Compose (2.40.3), for tests
    /// that do one thing with both tools and compare.
    pub async fn by(&self, rcompose: bool, args: &[&str]) -> Output {
        if rcompose {
            self.rcompose(args).await
        } else {
            self.docker_compose(args).await
        }
    }

    /// Runs Docker Compose 2.26.1 (`harness::compose_2_26`) as `docker-compose -p <name> args...`.
    pub async fn docker_compose_2_26(&self, binary: &Path, args: &[&str]) -> Output {
        run(&binary.display().to_string(), self.dir.path(), &self.name, args).await
    }

    /// Like `rcompose`, failing the test when the command fails.
    pub async fn ok(&self, args: &[&str]) -> String {
        let out = self.rcompose(args).await;
        assert!(out.status.success(), "rcompose {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The project's containers by name.
    pub async fn containers(&self) -> BTreeMap<String, ContainerSummary> {
        let filter = LabelFilter::new().eq("com.docker.compose.project", &self.name);
        self.engine.list_containers(true, &filter).await.expect("list").into_iter().map(|c| (c.name().to_string(), c)).collect()
    }

    pub fn container(&self, service: &str, n: u32) -> String {
        format!("{}-{service}-{n}", self.name)
    }
}

async fn run(program: &str, dir: &Path, project: &str, args: &[&str]) -> Output {
    let mut cmd = tokio::process::Command::new(program);
    if program == "docker" {
        cmd.arg(args[0]).args(["-p", project]).args(&args[1..]);
    } else {
        cmd.args(["-p", project]).args(args);
    }
    cmd.current_dir(dir).output().await.unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

impl Drop for Stack {
    fn drop(&mut self) {
        let name = self.name.clone();
        let done = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                let e = DockerEngine::connect().await.expect("connect");
                let f = LabelFilter::new().eq("com.docker.compose.project", &name);
                for c in e.list_containers(true, &f).await.unwrap_or_default() {
                    let _ = e.remove_container(&c.id, RemoveContainerOptions { force: true, volumes: true }).await;
                }
                for n in e.list_networks(&f).await.unwrap_or_default() {
                    let _ = e.remove_network(&n.id).await;
                }
                for v in e.list_volumes(&f).await.unwrap_or_default() {
                    let _ = e.remove_volume(&v.name, true).await;
                }
            })
        });
        let _ = done.join();
    }
}

/// Two long-running services, `web` depending on `db`; SIGKILL keeps stops instant.
pub const PAIR: &str = r#"
services:
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    environment: {DB_URL: "db:5432"}
    depends_on: [db]
  db:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    volumes: ["data:/data"]
volumes:
  data:
"#;

fn ids(containers: &BTreeMap<String, ContainerSummary>) -> BTreeMap<String, String> {
    containers.iter().map(|(n, c)| (n.clone(), c.id.clone())).collect()
}

#[tokio::test]
async fn up_creates_labelled_containers_on_a_network_where_names_resolve() {
    let s = Stack::new("names", PAIR).await;
    s.ok(&["up", "-d"]).await;
    let cs = s.containers().await;
    assert_eq!(cs.keys().cloned().collect::<Vec<_>>(), [s.container("db", 1), s.container("web", 1)]);
    let web = &cs[&s.container("web", 1)];
    assert_eq!(web.state, ContainerStatus::Running);
    let l = &web.labels;
    for (k, v) in [
        ("com.docker.compose.project", s.name.as_str()),
        ("com.docker.compose.service", "web"),
        ("com.docker.compose.container-number", "1"),
        ("com.docker.compose.oneoff", "False"),
        ("com.docker.compose.version", "2.40.3"),
    ] {
        assert_eq!(l.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(l["com.docker.compose.config-hash"].len(), 64);
    assert!(l["com.docker.compose.image"].starts_with("sha256:"));
    assert!(l["com.docker.compose.project.config_files"].ends_with("compose.yaml"));
    let net = s.engine.inspect_network(&format!("{}_default", s.name)).await.expect("network");
    assert_eq!(net.labels.get("com.docker.compose.network").map(String::as_str), Some("default"));
    let vol = s.engine.inspect_volume(&format!("{}_data", s.name)).await.expect("volume");
    assert_eq!(vol.labels.get("com.docker.compose.volume").map(String::as_str), Some("data"));
    let ping = s.engine.exec(&web.id, &ExecSpec::new(["ping", "-c1", "-W3", "db"])).await.expect("exec");
    assert_eq!(ping.exit_code, 0, "ping db from web: {}{}", ping.stdout_text(), ping.stderr_text());
}

#[tokio::test]
async fn a_second_up_changes_nothing_and_docker_compose_agrees() {
    let s = Stack::new("noop", PAIR).await;
    s.ok(&["up", "-d"]).await;
    let before = ids(&s.containers().await);
    let out = s.rcompose(&["up", "-d"]).await;
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), "", "a no-op up reports no progress");
    let plan = s.ok(&["--dry-run", "up", "-d"]).await;
    assert!(plan.contains("web: up to date") && plan.contains("nothing to do"), "{plan}");
    if !crate::harness::reference_installed() {
        return;
    }
    let dc = s.docker_compose(&["up", "-d"]).await;
    assert!(dc.status.success(), "{}", String::from_utf8_lossy(&dc.stderr));
    assert_eq!(ids(&s.containers().await), before, "docker compose recreated: {}", String::from_utf8_lossy(&dc.stderr));
}

#[tokio::test]
async fn changing_one_service_recreates_only_it() {
    let s = Stack::new("change", PAIR).await;
    s.ok(&["up", "-d"]).await;
    let before = ids(&s.containers().await);
    s.write(&PAIR.replace("db:5432", "db:5433"));
    let plan = s.ok(&["--dry-run", "up", "-d"]).await;
    assert!(plan.contains("web: recreate (environment.DB_URL changed)"), "{plan}");
    s.ok(&["up", "-d"]).await;
    let after = s.containers().await;
    let (web, db) = (s.container("web", 1), s.container("db", 1));
    assert_eq!(after[&db].id, before[&db]);
    assert_ne!(after[&web].id, before[&web]);
    assert_eq!(after[&web].state, ContainerStatus::Running);
    let details = s.engine.inspect_container(&web).await.unwrap();
    assert!(details.config.env.contains(&"DB_URL=db:5433".to_string()));
    assert_eq!(after.len(), 2, "no temporary container left: {:?}", after.keys());
}

/// db turns healthy about 2 s after it starts (a file its healthcheck looks for); web sleeps.
const SLOW_DB_AND_WEB: &str = r#"
services:
  db:
    image: busybox
    command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 600"]
    stop_signal: SIGKILL
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ready"], interval: 200ms, start_period: 10s}
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
"#;

#[tokio::test]
async fn a_dependent_starts_once_its_dependency_is_healthy() {
    // db turns healthy about 2 s after it starts; web must not start before.
    let yaml = format!("{SLOW_DB_AND_WEB}    depends_on:\n      db: {{condition: service_healthy}}\n");
    let s = Stack::new("healthy", &yaml).await;
    s.ok(&["up", "-d"]).await;
    let db = s.engine.inspect_container(&s.container("db", 1)).await.unwrap();
    let web = s.engine.inspect_container(&s.container("web", 1)).await.unwrap();
    assert_eq!(db.state.health.expect("db has a health state").status.as_str(), "healthy");
    let gap = seconds_of_day(&web.state.started_at) - seconds_of_day(&db.state.started_at);
    // Only the order is asserted: how soon web follows depends on the machine's load, and the
    // benchmarks (bench/run.py, health chain) measure that instead.
    assert!(gap >= 1.9, "web started {gap:.2}s after db, before db could be healthy");
}

/// Seconds since midnight of an RFC 3339 UTC time (`2024-01-02T03:04:05.123456789Z`).
fn seconds_of_day(t: &str) -> f64 {
    let time = t.split('T').nth(1).unwrap_or_default().trim_end_matches('Z');
    let parts: Vec<f64> = time.split(':').map(|p| p.parse().unwrap_or_default()).collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
}

#[tokio::test]
async fn a_failed_dependency_fails_up_and_leaves_dependents_unstarted() {
    let yaml = r#"
services:
  migrate:
    image: busybox
    command: ["sh", "-c", "exit 1"]
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on:
      migrate: {condition: service_completed_successfully}
"#;
    let s = Stack::new("failed-dep", yaml).await;
    let out = s.rcompose(&["up", "-d"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("service migrate didn't complete successfully") && stderr.contains("exited (1)"), "{stderr}");
    let cs = s.containers().await;
    assert_eq!(cs[&s.container("web", 1)].state, ContainerStatus::Created, "web must not start");
}

#[tokio::test]
async fn scale_up_and_down_keeps_the_lowest_numbers() {
    let s = Stack::new("scale", "services:\n  web:\n    image: busybox\n    command: [sleep, '600']\n    stop_signal: SIGKILL\n").await;
    s.ok(&["up", "-d", "--scale", "web=3"]).await;
    let three = s.containers().await;
    assert_eq!(three.keys().cloned().collect::<Vec<_>>(), (1..=3).map(|n| s.container("web", n)).collect::<Vec<_>>());
    s.ok(&["up", "-d", "--scale", "web=1"]).await;
    let one = s.containers().await;
    assert_eq!(ids(&one), BTreeMap::from([(s.container("web", 1), three[&s.container("web", 1)].id.clone())]));
}

/// A service in another one's namespaces and volumes: Docker Compose hashes it with that
/// service's container id in place of `service:db`, so both tools must, for either to leave the
/// other's containers alone.
const SHARED: &str = r#"
services:
  db:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    ipc: shareable
    environment: {V: "1"}
    volumes: [/data]
  side:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    network_mode: service:db
    pid: service:db
    ipc: service:db
    volumes_from: [db]
"#;

#[tokio::test]
async fn shared_namespaces_hash_alike_in_both_tools() {
    if !crate::harness::reference_installed() {
        return;
    }
    let s = Stack::new("shared", SHARED).await;
    let dc = |args: &'static [&'static str]| {
        let s = &s;
        async move {
            let out = s.docker_compose(args).await;
            assert!(out.status.success(), "docker compose {args:?}: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8_lossy(&out.stderr).into_owned()
        }
    };
    // rcompose first, then Docker Compose: nothing recreated.
    s.ok(&["up", "-d"]).await;
    let ours = ids(&s.containers().await);
    assert_eq!(ours.len(), 2);
    let progress = dc(&["up", "-d"]).await;
    assert_eq!(ids(&s.containers().await), ours, "docker compose recreated: {progress}");

    // Docker Compose first, then rcompose: nothing recreated.
    dc(&["down"]).await;
    dc(&["up", "-d"]).await;
    let theirs = ids(&s.containers().await);
    let plan = s.ok(&["--dry-run", "up", "-d"]).await;
    assert!(plan.contains("side: up to date"), "{plan}");
    s.ok(&["up", "-d"]).await;
    assert_eq!(ids(&s.containers().await), theirs);

    // A new db container: rcompose recreates side too, and Docker Compose agrees with the result.
    s.write(&SHARED.replace("V: \"1\"", "V: \"2\""));
    s.ok(&["up", "-d"]).await;
    let changed = ids(&s.containers().await);
    let side = s.container("side", 1);
    assert_ne!(changed[&side], theirs[&side], "side follows db's new container");
    let progress = dc(&["up", "-d"]).await;
    assert_eq!(ids(&s.containers().await), changed, "docker compose recreated: {progress}");
}

#[tokio::test]
async fn start_interval_is_refused_by_engines_before_25() {
    let yaml = "services:\n  a:\n    image: busybox\n    command: [sleep, '600']\n    healthcheck: {test: [CMD, 'true'], start_interval: 1s}\n  b:\n    image: busybox\n    command: [sleep, '600']\n";
    let s = Stack::new("start-interval", yaml).await;
    let out = s.rcompose(&["up", "-d"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    if s.engine.api_version() >= (1, 44) {
        assert!(out.status.success(), "{stderr}");
        return;
    }
    assert!(!out.status.success());
    assert!(stderr.contains("service a: can't set healthcheck.start_interval as feature require Docker Engine v25 or later"), "{stderr}");
    assert!(s.containers().await.is_empty(), "nothing is created");
    let f = LabelFilter::new().eq("com.docker.compose.project", &s.name);
    assert!(s.engine.list_networks(&f).await.expect("networks").is_empty(), "not even the network");
}

/// The other two gates of `depends_on`: a dependency that turns unhealthy makes `up` fail and
/// leaves its dependent unstarted; a job that completes successfully lets its dependent start.
#[tokio::test]
async fn an_unhealthy_dependency_fails_up_and_a_completed_job_lets_its_dependent_start() {
    let yaml = r#"
services:
  db:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    healthcheck: {test: ["CMD", "false"], interval: 200ms, retries: 2}
  web:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on:
      db: {condition: service_healthy}
  migrate:
    image: busybox
    command: ["sh", "-c", "echo migrated > /tmp/done"]
  app:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on:
      migrate: {condition: service_completed_successfully}
"#;
    let s = Stack::new("gates", yaml).await;
    let out = s.rcompose(&["up", "-d"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("db") && stderr.contains("unhealthy"), "names the unhealthy dependency: {stderr}");
    let cs = s.containers().await;
    assert_eq!(cs[&s.container("web", 1)].state, ContainerStatus::Created, "web must not start");
    let migrate = s.engine.inspect_container(&s.container("migrate", 1)).await.unwrap();
    assert_eq!((migrate.state.status, migrate.state.exit_code), (ContainerStatus::Exited, 0));
    assert_eq!(cs[&s.container("app", 1)].state, ContainerStatus::Running, "app starts once migrate completed");
}

/// `up --wait` returns once every service is running or healthy, and fails (exit 1) when one
/// turns unhealthy.
#[tokio::test]
async fn up_wait_returns_once_healthy_and_fails_when_unhealthy() {
    let s = Stack::new("wait", SLOW_DB_AND_WEB).await;
    s.ok(&["up", "-d", "--wait"]).await;
    let db = s.engine.inspect_container(&s.container("db", 1)).await.unwrap();
    assert_eq!(db.state.health.expect("db has a health state").status.as_str(), "healthy", "--wait returned before db was healthy");
    assert_eq!(s.containers().await[&s.container("web", 1)].state, ContainerStatus::Running);

    s.write(&SLOW_DB_AND_WEB.replace(r#""test", "-f", "/tmp/ready""#, r#""false""#).replace("start_period: 10s", "retries: 2"));
    let out = s.rcompose(&["up", "-d", "--wait"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "an unhealthy service fails --wait: {stderr}");
    assert!(stderr.contains("db"), "{stderr}");
}

/// Orphans (containers of services no longer in the file) are kept with a warning by `up` and
/// removed by `up --remove-orphans`; `down` removes them.
#[tokio::test]
async fn orphans_are_kept_with_a_warning_and_removed_on_request() {
    let s = Stack::new("orphans", PAIR).await;
    s.ok(&["up", "-d"]).await;
    let db = s.container("db", 1);
    s.write("services:\n  db:\n    image: busybox\n    command: [sleep, '600']\n    stop_signal: SIGKILL\n    volumes: ['data:/data']\nvolumes:\n  data:\n");
    let web = s.container("web", 1);
    let before = ids(&s.containers().await);
    let out = s.rcompose(&["up", "-d"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("orphan") && stderr.contains(&web), "up warns about the orphan: {stderr}");
    assert_eq!(ids(&s.containers().await), before, "the orphan is kept and db untouched");
    let ps = s.ok(&["ps"]).await;
    assert!(ps.contains(&web), "ps lists the orphan: {ps}");
    s.ok(&["up", "-d", "--remove-orphans"]).await;
    let after = s.containers().await;
    assert_eq!(after.keys().collect::<Vec<_>>(), [&db], "only the orphan went");
    assert_eq!(after[&db].id, before[&db]);

    // `down` takes orphans too, flag or not, as Docker Compose 2.26.1 does (an orphan left
    // behind would keep the network in use).
    s.write(PAIR);
    s.ok(&["up", "-d"]).await;
    s.write("services:\n  db:\n    image: busybox\n    command: [sleep, '600']\n    stop_signal: SIGKILL\n");
    s.ok(&["down"]).await;
    assert!(s.containers().await.is_empty(), "down removes the orphan");
    assert!(s.engine.inspect_network(&format!("{}_default", s.name)).await.is_err_and(|e| e.is_not_found()), "and the network");
}

/// A restart policy reaches the engine and works: a container that keeps failing is restarted
/// by the engine, up to the `on-failure` limit.
#[tokio::test]
async fn a_restart_policy_restarts_a_failing_container() {
    let yaml = "services:\n  flaky:\n    image: busybox\n    command: [sh, -c, 'exit 3']\n    restart: on-failure:2\n";
    let s = Stack::new("restart", yaml).await;
    s.ok(&["up", "-d"]).await;
    let name = s.container("flaky", 1);
    let mut last = None;
    for _ in 0..300 {
        let c = s.engine.inspect_container(&name).await.unwrap();
        if c.restart_count == 2 && c.state.status == ContainerStatus::Exited {
            assert_eq!(c.state.exit_code, 3);
            assert_eq!(c.host.restart_policy, Some(rcompose::engine::RestartPolicy::OnFailure { max_retries: Some(2) }));
            s.ok(&["down", "-t", "0"]).await;
            return;
        }
        last = Some((c.restart_count, c.state.status));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("flaky was not restarted twice and left exited: {last:?}");
}
