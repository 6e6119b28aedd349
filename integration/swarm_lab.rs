//! Issue 16, several machines simulated: `scripts/swarm-lab.sh` adds two workers (each a
//! `dockerd` in a network namespace of its own) to the main engine's swarm, and a stack is
//! deployed across the three nodes with placement constraints. Ignored by default (it starts
//! two engines and needs root): `cargo test --test integration -- --ignored swarm_lab`.
//!
//! `SWARM_LAB_DEPLOY=docker` runs the same test with `docker stack deploy|ps|rm` in place of
//! rcompose's, to check the lab itself against the reference.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const STACK: &str = "\
services:
  pinned:
    image: busybox:latest
    command: [\"sleep\", \"3600\"]
    stop_signal: SIGKILL
    deploy:
      placement:
        constraints: [\"node.hostname == rclab-1\"]
  boss:
    image: busybox:latest
    command: [\"sleep\", \"3600\"]
    stop_signal: SIGKILL
    deploy:
      placement:
        constraints: [\"node.role == manager\"]
  spread:
    image: busybox:latest
    command: [\"sleep\", \"3600\"]
    stop_signal: SIGKILL
    deploy:
      replicas: 4
      placement:
        constraints: [\"node.role == worker\"]
        preferences: [{spread: node.labels.rclab}]
";

fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/swarm-lab.sh")
}

fn lab(args: &[&str]) -> Output {
    Command::new(script()).args(args).stdin(Stdio::null()).output().expect("run scripts/swarm-lab.sh")
}

/// The lab, torn down when the test ends (passed or not).
struct Lab;

impl Lab {
    fn start() -> Lab {
        let out = lab(&["start"]);
        let lab = Lab;
        assert!(out.status.success(), "swarm-lab.sh start: {}", String::from_utf8_lossy(&out.stderr));
        lab
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let out = lab(&["stop"]);
        if !out.status.success() && !std::thread::panicking() {
            panic!("swarm-lab.sh stop: {}", String::from_utf8_lossy(&out.stderr));
        }
    }
}

/// The stack under test, removed when the test ends.
struct Deployed {
    dir: tempfile::TempDir,
    name: String,
    docker: bool,
}

impl Deployed {
    fn cli(&self, args: &[&str]) -> Output {
        let file = self.dir.path().join("compose.yaml");
        let mut cmd = if self.docker {
            let mut c = Command::new("docker");
            c.arg("stack");
            match args {
                ["deploy", ..] => c.args(["deploy", "--detach=false", "-c"]).arg(&file).arg(&self.name),
                [verb, rest @ ..] => c.arg(verb).args(rest).arg(&self.name),
                [] => unreachable!("a stack verb"),
            };
            c
        } else {
            let mut c = Command::new(env!("CARGO_BIN_EXE_rcompose"));
            c.arg("-f").arg(&file).args(["-p", &self.name, "stack"]).args(args);
            c
        };
        cmd.current_dir(self.dir.path()).env_remove("COMPOSE_FILE").env_remove("COMPOSE_PROJECT_NAME").stdin(Stdio::null());
        cmd.output().expect("run the stack command")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "stack {args:?}: {all}");
        all
    }

    /// The running tasks as the reference CLI lists them: service → the node of each task.
    fn running(&self) -> BTreeMap<String, Vec<String>> {
        let out = Command::new("docker")
            .args(["stack", "ps", &self.name, "--filter", "desired-state=running", "--format", "{{.Name}} {{.Node}} {{.CurrentState}}"])
            .output()
            .expect("docker stack ps");
        if !out.status.success() && String::from_utf8_lossy(&out.stderr).to_lowercase().contains("nothing found in stack") {
            return BTreeMap::new();
        }
        assert!(out.status.success(), "docker stack ps: {}", String::from_utf8_lossy(&out.stderr));
        let mut tasks: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let mut words = line.split_whitespace();
            let (Some(task), Some(node), Some(state)) = (words.next(), words.next(), words.next()) else { continue };
            if state != "Running" {
                continue;
            }
            let service = task.strip_prefix(&format!("{}_", self.name)).and_then(|t| t.rsplit_once('.')).map(|(s, _)| s);
            tasks.entry(service.unwrap_or(task).to_string()).or_default().push(node.to_string());
        }
        tasks.values_mut().for_each(|nodes| nodes.sort());
        tasks
    }

    /// Waits (two minutes at most) until the running tasks are `want`, and returns them.
    fn wait_for(&self, want: &BTreeMap<String, Vec<String>>, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let now = self.running();
            if &now == want {
                return;
            }
            assert!(Instant::now() < deadline, "{what}: the running tasks are {now:?}, not {want:?}");
            std::thread::sleep(Duration::from_secs(1));
        }
    }
}

impl Drop for Deployed {
    fn drop(&mut self) {
        let _ = self.cli(&["rm"]);
    }
}

fn nodes(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
#[ignore = "starts two more dockerd in network namespaces (root): cargo test --test integration -- --ignored swarm_lab"]
fn swarm_lab_places_tasks_on_the_named_nodes_and_reschedules_a_lost_workers() {
    crate::harness::ensure_busybox();
    let _lab = Lab::start();
    let manager = Command::new("docker").args(["info", "-f", "{{.Name}}"]).output().expect("docker info");
    let manager = String::from_utf8_lossy(&manager.stdout).trim().to_string();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), STACK).unwrap();
    let docker = std::env::var("SWARM_LAB_DEPLOY").is_ok_and(|v| v == "docker");
    let stack = Deployed { dir, name: format!("rclab{}", std::process::id()), docker };

    stack.ok(&["deploy", "--wait"]);
    // `--wait` returned: every task already runs where the constraints put it. Swarm balances
    // `spread` over the two workers (not always evenly: a worker that joined last may get less).
    let mut running = stack.running();
    let spread = running.remove("spread").unwrap_or_default();
    let want = BTreeMap::from([("boss".to_string(), nodes(&[&manager])), ("pinned".to_string(), nodes(&["rclab-1"]))]);
    assert_eq!(running, want, "after deploy --wait");
    assert_eq!(spread.len(), 4, "after deploy --wait: {spread:?}");
    assert!(spread.iter().all(|n| n.starts_with("rclab-")) && spread.contains(&"rclab-2".to_string()), "on both workers: {spread:?}");
    let listed = stack.ok(&["ps"]);
    for node in ["rclab-1", "rclab-2", manager.as_str()] {
        assert!(listed.contains(node), "stack ps names the node {node}:\n{listed}");
    }

    // Worker 2 is lost as a machine would be: its engine dies. Its tasks go to worker 1, the
    // only other node its constraints allow; the other services are untouched.
    let out = lab(&["kill", "2"]);
    assert!(out.status.success(), "swarm-lab.sh kill 2: {}", String::from_utf8_lossy(&out.stderr));
    let mut want = want;
    want.insert("spread".to_string(), nodes(&["rclab-1"; 4]));
    stack.wait_for(&want, "after worker 2 was lost");

    let removed = stack.ok(&["rm"]);
    assert!(removed.contains("spread"), "stack rm names what it removes:\n{removed}");
    assert!(stack.running().is_empty(), "stack rm left tasks: {:?}", stack.running());
}
