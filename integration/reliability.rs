//! Issue 13: the loader's limits as a user meets them (exit code, message, the variable that
//! raises a limit); interrupted and concurrent `up`s; an engine that goes away mid-command.

use std::process::{Command, Stdio};

/// Runs `rcompose config` in `dir` with `env`; returns the exit code and standard error.
fn config(dir: &std::path::Path, env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["config", "-q"])
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn loader_limits_are_invalid_files_and_their_variables_raise_them() {
    let tmp = tempfile::tempdir().unwrap();
    // Four levels of ten aliases: 11,111 nodes, well under the default limit.
    let mut doc = String::from("x-l0: &l0 [a]\n");
    for l in 1..=4 {
        doc.push_str(&format!("x-l{l}: &l{l} [{}]\n", vec![format!("*l{}", l - 1); 10].join(", ")));
    }
    doc.push_str("services:\n  a:\n    image: busybox\n    labels: {x: \"${A:-${B:-${C:-x}}}\"}\n");
    std::fs::write(tmp.path().join("compose.yaml"), &doc).unwrap();
    assert_eq!(config(tmp.path(), &[]), (0, String::new()));

    let (code, err) = config(tmp.path(), &[("RCOMPOSE_MAX_YAML_NODES", "5000")]);
    assert_eq!(code, 15, "{err}");
    assert!(
        err.contains("compose.yaml:5:") && err.contains("more than 5000 YAML nodes") && err.contains("RCOMPOSE_MAX_YAML_NODES"),
        "{err}"
    );

    let (code, err) = config(tmp.path(), &[("RCOMPOSE_MAX_INTERPOLATION_DEPTH", "2")]);
    assert_eq!(code, 15, "{err}");
    assert!(err.contains("compose.yaml:9:") && err.contains("nested deeper than 2 levels"), "{err}");

    let (code, err) = config(tmp.path(), &[("RCOMPOSE_MAX_FILE_SIZE", "100")]);
    assert_eq!(code, 15, "{err}");
    assert!(err.contains("compose.yaml: the file is larger than 100 bytes") && err.contains("RCOMPOSE_MAX_FILE_SIZE"), "{err}");

    let (code, err) = config(tmp.path(), &[("RCOMPOSE_MAX_NESTING", "3")]);
    assert_eq!(code, 15, "{err}");
    assert!(err.contains("nesting deeper than 3 levels"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Interrupted recreation: `up -d` stopped at each point of a replacement (by SIGKILL, and by
// SIGINT, which stops gracefully), then `up -d` again.

use std::time::Duration;

use crate::up::Stack;
use rcompose::engine::ContainerStatus;

/// One service with a named volume; `V` changes the configuration to force a replacement.
fn app(v: u32) -> String {
    format!(
        "services:\n  app:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n    stop_signal: SIGKILL\n    \
         environment: {{V: \"{v}\"}}\n    volumes: [\"data:/data\", \"/anon\"]\nvolumes:\n  data:\n"
    )
}

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker").args(args).output().expect("run docker");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs `rcompose up -d` paused at `point`, sends it `signal` once there, and waits for it.
async fn interrupted_up(s: &Stack, point: &str, signal: &str) {
    let marker = s.dir.path().join(format!("paused-{point}-{signal}"));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "up", "-d"])
        .current_dir(s.dir.path())
        .env("RCOMPOSE_TEST_PAUSE", format!("{point}:{}", marker.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn rcompose");
    let reached = async {
        while !marker.exists() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), reached).await.unwrap_or_else(|_| panic!("up -d never reached {point}"));
    let pid = child.id().expect("running").to_string();
    assert!(Command::new("kill").args([&format!("-{signal}"), &pid]).status().expect("kill").success());
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait()).await.expect("rcompose ends").expect("status");
    assert!(!status.success(), "an interrupted up -d fails ({point}, SIG{signal}): {status}");
}

/// Interrupts a replacement at `point`, once by SIGKILL and once by SIGINT; after each, the
/// next `up -d` says what it does with the leftovers (`--dry-run`), converges without help,
/// and the named and anonymous volumes keep their data.
async fn interrupt_and_converge(point: &str) {
    let s = Stack::new(&format!("int-{point}"), &app(0)).await;
    s.ok(&["up", "-d"]).await;
    let name = s.container("app", 1);
    docker(&["exec", &name, "sh", "-c", "echo named > /data/f && echo anon > /anon/f"]);
    for (round, signal) in [(1, "KILL"), (2, "INT")] {
        s.write(&app(round));
        interrupted_up(&s, point, signal).await;
        let left: Vec<String> = s.containers().await.into_keys().collect();
        assert!(left.iter().any(|n| n.ends_with(&format!("_{name}"))), "{point}/{signal}: a replacement was left: {left:?}");

        let out = s.rcompose(&["--dry-run", "up", "-d"]).await;
        let plan = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success() && plan.contains("interrupted recreate"), "{point}/{signal}: the dry run names the leftover:\n{plan}");

        s.ok(&["up", "-d"]).await;
        let cs = s.containers().await;
        assert_eq!(cs.keys().collect::<Vec<_>>(), [&name], "{point}/{signal}: one container, under its name");
        assert_eq!(cs[&name].state, ContainerStatus::Running, "{point}/{signal}");
        let env = docker(&["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", &name]);
        assert!(env.lines().any(|l| l == format!("V={round}")), "{point}/{signal}: the new configuration runs: {env}");
        let data = docker(&["exec", &name, "cat", "/data/f", "/anon/f"]);
        assert_eq!(data, "named\nanon", "{point}/{signal}: the volumes' data is intact");
        // And a further `up` has nothing to do.
        let out = s.rcompose(&["--dry-run", "up", "-d"]).await;
        let plan = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        assert!(!plan.contains("recreate") && !plan.contains("rename"), "{point}/{signal}: converged:\n{plan}");
    }
}

#[tokio::test]
async fn up_interrupted_after_create_converges() {
    interrupt_and_converge("after-create").await;
}

#[tokio::test]
async fn up_interrupted_after_stop_converges() {
    interrupt_and_converge("after-stop").await;
}

#[tokio::test]
async fn up_interrupted_after_remove_converges() {
    interrupt_and_converge("after-remove").await;
}

#[tokio::test]
async fn up_interrupted_before_rename_converges() {
    interrupt_and_converge("before-rename").await;
}

// ---------------------------------------------------------------------------------------------
// Concurrent runs.

/// Two `up -d` of one project started together: both succeed, one waits for the other and says
/// so, and the project ends with one network and one container per replica.
#[tokio::test]
async fn concurrent_ups_of_one_project_converge_once() {
    let yaml = "services:\n  a:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n    stop_signal: SIGKILL\n    scale: 2\n  \
                b:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n    stop_signal: SIGKILL\n    depends_on: [a]\n    \
                volumes: [\"data:/data\"]\nvolumes:\n  data:\n";
    let s = Stack::new("concurrent", yaml).await;
    for round in 0..3 {
        let (one, two) = tokio::join!(s.rcompose(&["up", "-d"]), s.rcompose(&["up", "-d"]));
        let err = |o: &std::process::Output| String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(one.status.success() && two.status.success(), "round {round}:\n{}\n---\n{}", err(&one), err(&two));
        if round == 0 {
            let waited = [&one, &two].iter().filter(|o| err(o).contains("waiting for it to finish")).count();
            assert_eq!(waited, 1, "one run says it waits for the other:\n{}\n---\n{}", err(&one), err(&two));
        }
        let names: Vec<String> = s.containers().await.into_keys().collect();
        assert_eq!(names, [s.container("a", 1), s.container("a", 2), s.container("b", 1)], "round {round}");
        let networks = docker(&["network", "ls", "-q", "--filter", &format!("name=^{}_default$", s.name)]);
        assert_eq!(networks.lines().count(), 1, "round {round}: one network: {networks}");
        let volumes = docker(&["volume", "ls", "-q", "--filter", &format!("name=^{}_data$", s.name)]);
        assert_eq!(volumes.lines().count(), 1, "round {round}: one volume: {volumes}");
        // The next round recreates everything at once, concurrently again.
        s.write(&yaml.replace("sleep\", \"600", &format!("sleep\", \"60{round}")));
    }
}

// ---------------------------------------------------------------------------------------------
// Engine faults, on an engine of the test's own.

/// A second `dockerd` with its own data root, exec root, pid file, socket and config, no
/// default bridge, no iptables rules, and an address pool of its own: nothing it does touches
/// the main engine. busybox is loaded into it from the main engine.
struct SecondEngine {
    dir: tempfile::TempDir,
    child: Option<std::process::Child>,
}

impl SecondEngine {
    fn start() -> SecondEngine {
        crate::harness::ensure_busybox();
        let dir = tempfile::Builder::new().prefix("rc-dd").tempdir_in("/tmp").expect("temp dir");
        std::fs::write(dir.path().join("daemon.json"), "{}").unwrap();
        let mut engine = SecondEngine { dir, child: None };
        engine.launch();
        let load = format!("docker save busybox:latest | docker -H {} load", engine.host());
        let out = Command::new("sh").args(["-c", &load]).output().expect("load busybox");
        assert!(out.status.success(), "loading busybox: {}", String::from_utf8_lossy(&out.stderr));
        engine
    }

    fn host(&self) -> String {
        format!("unix://{}", self.dir.path().join("sock").display())
    }

    fn launch(&mut self) {
        let d = self.dir.path();
        // A killed dockerd's containerd dies with it but its pid file stays, and the pid may
        // still name a process (a zombie nobody reaped): the new dockerd would wait for it.
        let _ = std::fs::remove_file(d.join("exec/containerd/containerd.pid"));
        let log = std::fs::File::options().create(true).append(true).open(d.join("dockerd.log")).unwrap();
        // In a network namespace of its own: a dockerd started with `--bridge=none` deletes the
        // `docker0` interface of the namespace it runs in, which would cut the main engine's
        // default bridge; alone in its namespace it touches nothing of the host's.
        let child = crate::harness::dockerd_in(d)
            .args(["-H", &self.host(), "--bridge=none", "--iptables=false", "--ip6tables=false"])
            .args(["--default-address-pool", "base=10.213.0.0/16,size=24"])
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("dockerd runs");
        self.child = Some(child);
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while !Command::new("docker").args(["-H", &self.host(), "version"]).output().is_ok_and(|o| o.status.success()) {
            assert!(std::time::Instant::now() < deadline, "the second engine did not start: {}", self.log());
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// [`SecondEngine::launch`] without failing, to clean up after a test that failed with the
    /// engine down.
    fn launch_quietly(&mut self) {
        if !std::thread::panicking() {
            self.launch();
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dockerd.log")).unwrap_or_default()
    }

    fn pid(&self) -> String {
        self.child.as_ref().expect("running").id().to_string()
    }

    /// SIGKILL, as a crash or an out-of-memory kill would end it.
    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn signal(&self, signal: &str) {
        assert!(Command::new("kill").args([signal, &self.pid()]).status().unwrap().success());
    }

    fn docker(&self, args: &[&str]) -> String {
        let mut all = vec!["-H".to_string(), self.host()];
        all.extend(args.iter().map(|a| a.to_string()));
        docker(&all.iter().map(String::as_str).collect::<Vec<_>>())
    }

    /// `rcompose -p faults args...` in `dir`, on this engine, with a 5-second answer timeout.
    fn rcompose(&self, dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"));
        cmd.args(["-p", "faults"]).args(args).current_dir(dir).env("DOCKER_HOST", self.host()).env("RCOMPOSE_ENGINE_TIMEOUT", "5");
        cmd.envs(env.iter().copied()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd
    }
}

impl Drop for SecondEngine {
    fn drop(&mut self) {
        if self.child.is_none() {
            self.launch_quietly();
        }
        if self.child.is_none() {
            let _ = Command::new("umount").arg(self.dir.path().join("data")).status();
            return;
        }
        let _ = Command::new("kill").args(["-CONT", &self.pid()]).status();
        // Containers first, then a graceful stop, so that nothing stays mounted.
        let all = Command::new("docker").args(["-H", &self.host(), "ps", "-aq"]).output();
        if let Ok(out) = all {
            let ids: Vec<String> = String::from_utf8_lossy(&out.stdout).split_whitespace().map(String::from).collect();
            if !ids.is_empty() {
                let _ = Command::new("docker").args(["-H", &self.host(), "rm", "-f", "-v"]).args(&ids).output();
            }
        }
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &c.id().to_string()]).status();
            let _ = c.wait();
        }
        // dockerd makes its data root a mount of its own, and leaves it.
        let _ = Command::new("umount").arg(self.dir.path().join("data")).status();
    }
}

/// Runs a prepared command to its end (at most two minutes: it must not hang), with its output.
async fn finish(mut cmd: tokio::process::Command) -> std::process::Output {
    let child = cmd.spawn().expect("spawn rcompose");
    tokio::time::timeout(Duration::from_secs(120), child.wait_with_output()).await.expect("rcompose ends in time").expect("output")
}

/// `up -d`, paused at `point`; `fault` runs there, then the run goes on against what it left.
async fn up_with_fault_at(
    engine: &mut SecondEngine,
    dir: &std::path::Path,
    point: &str,
    fault: impl FnOnce(&mut SecondEngine),
) -> (i32, String) {
    let marker = dir.join(format!("paused-{point}"));
    let env = format!("{point}:{}", marker.display());
    let child = engine.rcompose(dir, &["up", "-d"], &[("RCOMPOSE_TEST_PAUSE", &env)]).spawn().expect("spawn");
    let reached = async {
        while !marker.exists() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), reached).await.unwrap_or_else(|_| panic!("up -d never reached {point}"));
    fault(engine);
    std::fs::remove_file(&marker).unwrap();
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output()).await.expect("up ends in time").unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// After a fault, `up -d` converges: one running container with the configuration `v` and the
/// volume's data.
async fn converges(engine: &SecondEngine, dir: &std::path::Path, v: u32, when: &str) {
    let out = finish(engine.rcompose(dir, &["up", "-d"], &[])).await;
    assert!(out.status.success(), "{when}: up -d after the fault: {}", String::from_utf8_lossy(&out.stderr));
    let names = engine.docker(&["ps", "-a", "--filter", "label=com.docker.compose.project=faults", "--format", "{{.Names}} {{.State}}"]);
    assert_eq!(names, "faults-app-1 running", "{when}");
    let env = engine.docker(&["inspect", "-f", "{{range .Config.Env}}{{println .}}{{end}}", "faults-app-1"]);
    assert!(env.lines().any(|l| l == format!("V={v}")), "{when}: {env}");
    assert_eq!(engine.docker(&["exec", "faults-app-1", "cat", "/data/f"]), "named", "{when}: the volume's data");
}

#[tokio::test]
async fn engine_faults_give_clear_errors_and_the_next_up_converges() {
    let mut engine = SecondEngine::start();
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    let write = |v: u32| std::fs::write(dir.join("compose.yaml"), app(v)).unwrap();
    write(0);
    let out = finish(engine.rcompose(dir, &["up", "-d"], &[])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    engine.docker(&["exec", "faults-app-1", "sh", "-c", "echo named > /data/f"]);

    // The engine dies in the middle of a recreation: a clear error naming the step, at once.
    write(1);
    let (code, err) = up_with_fault_at(&mut engine, dir, "after-stop", |e| e.kill()).await;
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("remove container faults-app-1") && err.contains("cannot connect to the docker engine"), "{err}");
    engine.launch();
    converges(&engine, dir, 1, "after the engine was killed").await;

    // The engine stops answering (frozen): the call ends after the answer timeout, saying so.
    write(2);
    let (code, err) = up_with_fault_at(&mut engine, dir, "after-create", |e| e.signal("-STOP")).await;
    engine.signal("-CONT");
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("stop container faults-app-1") && err.contains("stopped answering: no answer in 15 s while stopping a container"),
        "{err}"
    );
    converges(&engine, dir, 2, "after the engine froze").await;

    // `logs -f` when the engine is killed, then when it freezes: an error naming what it followed.
    for fault in ["kill", "freeze"] {
        let mut logs = engine.rcompose(dir, &["logs", "-f"], &[]).spawn().expect("spawn logs -f");
        tokio::time::sleep(Duration::from_secs(1)).await;
        match fault {
            "kill" => engine.kill(),
            _ => engine.signal("-STOP"),
        }
        let status = tokio::time::timeout(Duration::from_secs(60), logs.wait()).await.expect("logs -f ends in time").unwrap();
        let mut err = String::new();
        tokio::io::AsyncReadExt::read_to_string(logs.stderr.as_mut().unwrap(), &mut err).await.unwrap();
        assert_eq!(status.code(), Some(1), "{fault}: {err}");
        let want = if fault == "kill" { "lost the docker engine at" } else { "stopped answering: no answer in 5 s while following" };
        assert!(err.contains(want), "{fault}: {err}");
        match fault {
            "kill" => engine.launch(),
            _ => engine.signal("-CONT"),
        }
        converges(&engine, dir, 2, &format!("after logs -f lost the engine ({fault})")).await;
    }
}

/// `watch` when its engine is killed, restarted and frozen: each sync that cannot reach the
/// engine is a warning naming the service, the file and what failed, within the answer
/// timeout; the watcher goes on, syncs again once the engine is back (after the next `up`,
/// which converges), and ends on Ctrl-C with no panic.
#[tokio::test]
async fn watch_survives_engine_faults_with_clear_warnings_and_the_next_up_converges() {
    use tokio::io::AsyncBufReadExt;

    let mut engine = SecondEngine::start();
    let project = tempfile::tempdir().unwrap();
    let dir = project.path();
    let yaml = app(0).replace("\nvolumes:\n", "\n    develop:\n      watch: [{path: ./src, action: sync, target: /app}]\nvolumes:\n");
    std::fs::write(dir.join("compose.yaml"), &yaml).unwrap();
    std::fs::create_dir(dir.join("src")).unwrap();
    let out = finish(engine.rcompose(dir, &["up", "-d"], &[])).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    engine.docker(&["exec", "faults-app-1", "sh", "-c", "echo named > /data/f"]);

    let mut watch = engine.rcompose(dir, &["watch"], &[]).spawn().expect("spawn watch");
    let mut lines = tokio::io::BufReader::new(watch.stderr.take().unwrap()).lines();
    let mut stdout = tokio::io::BufReader::new(watch.stdout.take().unwrap()).lines();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let tx2 = tx.clone();
    tokio::spawn(async move {
        while let Ok(Some(l)) = lines.next_line().await {
            println!("[watch] {l}");
            let _ = tx.send(l);
        }
    });
    tokio::spawn(async move {
        while let Ok(Some(l)) = stdout.next_line().await {
            println!("[watch] {l}");
            let _ = tx2.send(l);
        }
    });
    // Waits (two minutes at most: a guard, not a timing assertion) for a line with `text`.
    async fn line_with(rx: &mut tokio::sync::mpsc::UnboundedReceiver<String>, text: &str) -> String {
        let found = tokio::time::timeout(Duration::from_secs(120), async {
            while let Some(l) = rx.recv().await {
                if l.contains(text) {
                    return Some(l);
                }
            }
            None
        });
        found.await.ok().flatten().unwrap_or_else(|| panic!("watch printed no line with {text:?}"))
    }
    line_with(&mut rx, "Watch enabled").await;
    let sync = |name: &str| std::fs::write(dir.join("src").join(name), name).unwrap();
    sync("before.txt");
    line_with(&mut rx, "Synced").await;

    // Killed: the next sync is a warning saying the engine cannot be reached.
    engine.kill();
    sync("killed.txt");
    let warning = line_with(&mut rx, "WARN").await;
    assert!(
        warning.contains("service app") && warning.contains("killed.txt") && warning.contains("cannot connect to the docker engine"),
        "{warning}"
    );
    // Back, with the container stopped by the restart: a warning until `up` starts it again.
    engine.launch();
    converges(&engine, dir, 0, "after the engine under watch was killed").await;
    sync("back.txt");
    line_with(&mut rx, "Synced").await;
    assert_eq!(engine.docker(&["exec", "faults-app-1", "cat", "/app/back.txt"]), "back.txt");

    // Frozen: the sync gives up after the answer timeout, saying so, and the watcher goes on.
    engine.signal("-STOP");
    sync("frozen.txt");
    let warning = line_with(&mut rx, "WARN").await;
    engine.signal("-CONT");
    assert!(warning.contains("frozen.txt") && warning.contains("stopped answering: no answer in 5 s"), "{warning}");
    sync("thawed.txt");
    line_with(&mut rx, "Synced").await;
    assert_eq!(engine.docker(&["exec", "faults-app-1", "cat", "/app/thawed.txt"]), "thawed.txt");

    // Ctrl-C ends it as usual.
    assert!(Command::new("kill").args(["-INT", &watch.id().expect("running").to_string()]).status().unwrap().success());
    let status = tokio::time::timeout(Duration::from_secs(60), watch.wait()).await.expect("watch ends in time").unwrap();
    assert_eq!(status.code(), Some(130), "watch after Ctrl-C");
    converges(&engine, dir, 0, "after watch").await;
}
