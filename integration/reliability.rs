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
