//! Issue 13, level-triggered convergence beyond `up`: a `down`, a `run` and a `watch` rebuild
//! interrupted half-way (SIGKILL, as a closed laptop or a cancelled CI job; SIGINT, as Ctrl-C),
//! then the same command again: it finishes the work with no manual step, and no volume's data
//! is lost. `RCOMPOSE_TEST_PAUSE` (see `reconcile/execute.rs`) holds a run at a point of its plan.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use rcompose::engine::ContainerStatus;

use crate::up::Stack;

/// Three services sharing a named volume, each with an anonymous one.
const THREE: &str = "services:\n  a:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n    stop_signal: SIGKILL\n    \
                     volumes: [\"data:/data\", \"/anon\"]\n  b:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n    \
                     stop_signal: SIGKILL\n    volumes: [\"data:/data\"]\n  c:\n    image: busybox\n    command: [\"sleep\", \"600\"]\n    \
                     stop_signal: SIGKILL\n    volumes: [\"data:/data\"]\nvolumes:\n  data:\n";

fn docker(args: &[&str]) -> String {
    let out = std::process::Command::new("docker").args(args).output().expect("run docker");
    assert!(out.status.success(), "docker {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn signal(pid: u32, signal: &str) {
    assert!(std::process::Command::new("kill").args([&format!("-{signal}"), &pid.to_string()]).status().expect("kill").success());
}

/// Waits (two minutes at most: a guard, not a timing assertion) for `file` to exist.
async fn wait_for_file(file: &Path, what: &str) {
    let reached = async {
        while !file.exists() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), reached).await.unwrap_or_else(|_| panic!("{what} never got there"));
}

/// `rcompose -p NAME args...` paused at `point`; `signal` is sent once it is there. Returns
/// the exit status.
async fn interrupted(s: &Stack, args: &[&str], point: &str, sig: &str) -> std::process::ExitStatus {
    let marker = s.dir.path().join(format!("paused-{point}-{sig}"));
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name])
        .args(args)
        .current_dir(s.dir.path())
        .env("RCOMPOSE_TEST_PAUSE", format!("{point}:{}", marker.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn rcompose");
    wait_for_file(&marker, &format!("{args:?} ({point})")).await;
    signal(child.id().expect("running"), sig);
    tokio::time::timeout(Duration::from_secs(60), child.wait()).await.expect("rcompose ends").expect("status")
}

fn network_count(s: &Stack) -> usize {
    docker(&["network", "ls", "-q", "--filter", &format!("name=^{}_default$", s.name)]).lines().count()
}

fn volume_exists(s: &Stack) -> bool {
    !docker(&["volume", "ls", "-q", "--filter", &format!("name=^{}_data$", s.name)]).is_empty()
}

/// A `down` interrupted after its first stop, or its first removal, by SIGKILL and by SIGINT:
/// the next `down` removes what is left (containers and network), the named volume stays (no
/// `-v`), and the next `up` finds its data.
async fn down_interrupted_at(point: &str) {
    let s = Stack::new(&format!("down-{point}"), THREE).await;
    for sig in ["KILL", "INT"] {
        s.ok(&["up", "-d"]).await;
        docker(&["exec", &s.container("a", 1), "sh", "-c", "echo named > /data/f"]);
        let status = interrupted(&s, &["down"], point, sig).await;
        assert!(!status.success(), "an interrupted down fails ({point}, SIG{sig}): {status}");
        // The network goes last, after every container: it is still there.
        assert_eq!(network_count(&s), 1, "{point}/{sig}: down stopped half-way");

        s.ok(&["down"]).await;
        assert!(s.containers().await.is_empty(), "{point}/{sig}: no container left");
        assert_eq!(network_count(&s), 0, "{point}/{sig}: the network is gone");
        assert!(volume_exists(&s), "{point}/{sig}: the named volume is kept without -v");

        s.ok(&["up", "-d"]).await;
        assert_eq!(docker(&["exec", &s.container("c", 1), "cat", "/data/f"]), "named", "{point}/{sig}: the volume's data");
    }
    s.ok(&["down", "-v"]).await;
}

#[tokio::test]
async fn down_interrupted_after_a_stop_converges() {
    down_interrupted_at("after-stop").await;
}

#[tokio::test]
async fn down_interrupted_after_a_removal_converges() {
    down_interrupted_at("after-remove").await;
}

/// A `run --rm` killed while its one-off container runs leaves that container running, as
/// Docker Compose does (it cannot remove it once killed). The next `run` works beside it,
/// `down` removes the service containers and says why the network stays, and once the
/// one-off has exited (and the engine removed it, as `--rm` asked), `down` removes the network.
#[tokio::test]
async fn a_killed_run_leaves_a_one_off_that_the_next_run_and_down_handle() {
    let s = Stack::new("run-killed", THREE).await;
    s.ok(&["up", "-d"]).await;
    docker(&["exec", &s.container("a", 1), "sh", "-c", "echo named > /data/f"]);
    let marker = "/data/run-started";
    let mut run = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
        .args(["-p", &s.name, "run", "--rm", "-T", "b", "sh", "-c", &format!("touch {marker}; exec sleep 600")])
        .current_dir(s.dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("spawn run");
    let started = async {
        while docker(&["exec", &s.container("a", 1), "sh", "-c", &format!("test -e {marker} && echo y || echo n")]) != "y" {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(120), started).await.expect("the one-off started");
    signal(run.id().expect("running"), "KILL");
    run.wait().await.expect("run ends");

    let one_offs = |cs: &std::collections::BTreeMap<String, rcompose::engine::ContainerSummary>| {
        cs.iter().filter(|(n, _)| n.contains("-b-run-")).map(|(n, c)| (n.clone(), c.state)).collect::<Vec<_>>()
    };
    let left = one_offs(&s.containers().await);
    assert_eq!(left.len(), 1, "the killed run's one-off is left: {left:?}");
    assert_eq!(left[0].1, ContainerStatus::Running);

    // The next run works beside it, and removes its own container.
    let out = s.rcompose(&["run", "--rm", "-T", "b", "cat", "/data/f"]).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "named");
    assert_eq!(one_offs(&s.containers().await), left, "only the killed run's one-off is left");

    // `down` removes the service containers and keeps the network the one-off still uses.
    let out = s.rcompose(&["down"]).await;
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{err}");
    assert!(err.contains(&format!("still in use by run container {}", left[0].0)), "down says why the network stays:\n{err}");
    assert_eq!(one_offs(&s.containers().await), left);
    assert_eq!(s.containers().await.len(), 1, "only the one-off is left");

    // Once it has exited, the engine removes it (`--rm` asked for it), and the next `down`
    // removes the network.
    docker(&["kill", &left[0].0]);
    let gone = async {
        while !s.containers().await.is_empty() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(60), gone).await.expect("the exited one-off is removed");
    s.ok(&["down"]).await;
    assert_eq!(network_count(&s), 0);
    assert!(volume_exists(&s), "the named volume is kept");
    s.ok(&["down", "-v"]).await;
}

/// A `watch` rebuild interrupted once the replacement container exists (by SIGKILL, then by
/// Ctrl-C): the next `up -d` says what it does with the leftover, runs the rebuilt image in
/// one container under the service's name, and the volume's data is intact.
#[tokio::test]
async fn a_watch_rebuild_interrupted_mid_replacement_converges() {
    let yaml = "services:\n  app:\n    build: ./ctx\n    command: [\"sleep\", \"600\"]\n    stop_signal: SIGKILL\n    \
                volumes: [\"data:/data\", \"/anon\"]\n    develop:\n      watch:\n        - {path: ./ctx/version.txt, action: rebuild}\n\
                volumes:\n  data:\n";
    let s = Stack::new("watch-rebuild", yaml).await;
    let dir = s.dir.path();
    std::fs::create_dir(dir.join("ctx")).unwrap();
    std::fs::write(dir.join("ctx/Dockerfile"), "FROM busybox:latest\nCOPY version.txt /version.txt\n").unwrap();
    let version = |n: u32| format!("{} v{n}", s.name);
    std::fs::write(dir.join("ctx/version.txt"), version(0)).unwrap();
    s.ok(&["up", "-d", "--build"]).await;
    let name = s.container("app", 1);
    docker(&["exec", &name, "sh", "-c", "echo named > /data/f && echo anon > /anon/f"]);
    let mut images = vec![docker(&["inspect", "-f", "{{.Image}}", &name])];

    for (round, sig) in [(1, "KILL"), (2, "INT")] {
        let marker = dir.join(format!("paused-{round}"));
        let mut watch = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"))
            .args(["-p", &s.name, "watch", "--no-up"])
            .current_dir(dir)
            .env("RCOMPOSE_TEST_PAUSE", format!("after-create:{}", marker.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn watch");
        let mut err = tokio::io::BufReader::new(watch.stderr.take().unwrap());
        let mut out = tokio::io::BufReader::new(watch.stdout.take().unwrap());
        let watching = async {
            use tokio::io::AsyncBufReadExt;
            let (mut a, mut b) = (String::new(), String::new());
            loop {
                tokio::select! {
                    n = out.read_line(&mut a) => if n.unwrap_or(0) == 0 { break false },
                    n = err.read_line(&mut b) => if n.unwrap_or(0) == 0 { break false },
                }
                if a.contains("Watch enabled") || b.contains("Watch enabled") {
                    break true;
                }
            }
        };
        assert!(tokio::time::timeout(Duration::from_secs(120), watching).await.unwrap_or(false), "round {round}: watch started");
        // Drains what it prints from now on, so that it never blocks on a full pipe.
        tokio::spawn(async move { tokio::io::copy(&mut err, &mut tokio::io::sink()).await });
        tokio::spawn(async move { tokio::io::copy(&mut out, &mut tokio::io::sink()).await });
        std::fs::write(dir.join("ctx/version.txt"), version(round)).unwrap();
        wait_for_file(&marker, &format!("round {round}: the rebuild's replacement")).await;
        signal(watch.id().expect("running"), sig);
        let status = tokio::time::timeout(Duration::from_secs(60), watch.wait()).await.expect("watch ends").expect("status");
        assert!(!status.success(), "round {round}: an interrupted watch fails: {status}");
        let left: Vec<String> = s.containers().await.into_keys().collect();
        assert!(left.iter().any(|n| n.ends_with(&format!("_{name}"))), "round {round}/{sig}: a replacement was left: {left:?}");

        let out = s.rcompose(&["--dry-run", "up", "-d"]).await;
        let plan = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(
            out.status.success() && plan.contains("interrupted recreate"),
            "round {round}/{sig}: the dry run names the leftover:\n{plan}"
        );
        s.ok(&["up", "-d"]).await;
        let cs = s.containers().await;
        assert_eq!(cs.keys().collect::<Vec<_>>(), [&name], "round {round}/{sig}: one container, under its name");
        assert_eq!(cs[&name].state, ContainerStatus::Running);
        assert_eq!(docker(&["exec", &name, "cat", "/version.txt"]), version(round), "round {round}/{sig}: the rebuilt image runs");
        assert_eq!(docker(&["exec", &name, "cat", "/data/f", "/anon/f"]), "named\nanon", "round {round}/{sig}: the volumes' data");
        images.push(docker(&["inspect", "-f", "{{.Image}}", &name]));
    }
    s.ok(&["down", "-v"]).await;
    for image in images {
        let _ = std::process::Command::new("docker").args(["rmi", "-f", &image]).output();
    }
}
