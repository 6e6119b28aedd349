//! `rcompose run` on the real engine: the one-off container (named, labelled and configured as
//! Docker Compose 2.40 makes it), every flag, its dependencies, its exit code, `down` and
//! `--remove-orphans` around it, and Docker Compose working on rcompose's one-off containers
//! and the other way round.

use std::collections::BTreeMap;

use regex::Regex;
use serde_json::Value;

use crate::inspect_diff;
use crate::pty::Pty;
use crate::up::Stack;

/// web waits for db to be healthy; db becomes healthy two seconds after it starts, by writing
/// a file into the volume they share, which is how a `run` of web can tell it waited.
const GATED: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["sleep", "300"]
    ports: ["80"]
    volumes: [shared:/shared]
    networks: {default: {aliases: [www]}}
    depends_on:
      db: {condition: service_healthy}
  db:
    image: busybox:latest
    command: ["sh", "-c", "sleep 2; touch /shared/ready; exec sleep 300"]
    healthcheck: {test: ["CMD", "test", "-f", "/shared/ready"], interval: 1s, retries: 60}
    volumes: [shared:/shared]
volumes:
  shared:
"#;

/// One service and nothing else.
const ALONE: &str = r#"
services:
  web:
    image: busybox:latest
    command: ["sleep", "300"]
    ports: ["80"]
    labels: {team: a}
    environment: {MODE: prod}
    working_dir: /tmp
    restart: always
    networks: {default: {aliases: [www]}}
"#;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The project's one-off containers by name.
async fn one_offs(s: &Stack) -> BTreeMap<String, rcompose::engine::ContainerSummary> {
    s.containers()
        .await
        .into_iter()
        .filter(|(_, c)| c.labels.get("com.docker.compose.oneoff").map(String::as_str) == Some("True"))
        .collect()
}

/// `docker inspect` of one container, by name or id.
fn inspect(container: &str) -> Value {
    let out = std::process::Command::new("docker").args(["inspect", container]).output().expect("docker inspect");
    assert!(out.status.success(), "docker inspect {container}: {}", text(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout).expect("inspect JSON")[0].clone()
}

fn assert_run_name(s: &Stack, name: &str, labels: &BTreeMap<String, String>) {
    let re = Regex::new(&format!("^{}-web-run-([0-9a-f]{{12}})$", regex::escape(&s.name))).unwrap();
    let short = re.captures(name).unwrap_or_else(|| panic!("{name} is not {}-web-run-<12 hex>", s.name))[1].to_string();
    let slug = &labels["com.docker.compose.slug"];
    assert!(slug.len() == 64 && slug.starts_with(&short), "the slug {slug} begins with the name's {short}");
    assert_eq!(labels["com.docker.compose.oneoff"], "True");
    assert_eq!(labels["com.docker.compose.service"], "web");
    assert!(!labels.contains_key("com.docker.compose.container-number"), "{labels:?}");
}

#[tokio::test]
async fn run_rm_returns_the_exit_code_keeps_stdout_and_stderr_apart_and_leaves_no_container() {
    let s = Stack::new("run-rm", ALONE).await;
    let out = s.rcompose(&["run", "--rm", "web", "sh", "-c", "echo out; echo err >&2; exit 7"]).await;
    assert_eq!(out.status.code(), Some(7), "stderr: {}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "out\n");
    assert!(text(&out.stderr).contains("err\n"), "{}", text(&out.stderr));
    assert!(s.containers().await.is_empty(), "--rm leaves nothing: {:?}", s.containers().await.keys());
    // Without --rm the container stays, exited, named and labelled as Docker Compose's.
    let out = s.rcompose(&["run", "web", "true"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let left = one_offs(&s).await;
    assert_eq!(left.len(), 1, "{:?}", left.keys());
    let (name, c) = left.iter().next().unwrap();
    assert_run_name(&s, name, &c.labels);
    assert_eq!(c.state, rcompose::engine::ContainerStatus::Exited);
}

#[tokio::test]
async fn run_starts_dependencies_waits_for_health_and_no_deps_does_not() {
    let s = Stack::new("run-deps", GATED).await;
    // The file db writes once healthy is there when web's command runs: run waited.
    let out = s.rcompose(&["run", "--rm", "web", "test", "-f", "/shared/ready"]).await;
    assert_eq!(out.status.code(), Some(0), "web ran before db was healthy: {}", text(&out.stderr));
    let db = s.containers().await;
    assert!(db.contains_key(&s.container("db", 1)), "db started: {:?}", db.keys());
    assert!(!db.contains_key(&s.container("web", 1)), "web's own service container is not created");

    let t = Stack::new("run-nodeps", GATED).await;
    let out = t.rcompose(&["run", "--rm", "--no-deps", "web", "test", "-f", "/shared/ready"]).await;
    assert_eq!(out.status.code(), Some(1), "nothing made the file: {}", text(&out.stderr));
    assert!(t.containers().await.is_empty(), "--no-deps starts no dependency: {:?}", t.containers().await.keys());
}

#[tokio::test]
async fn run_flags_reach_the_container() {
    let s = Stack::new("run-flags", ALONE).await;
    std::fs::write(s.dir.path().join("more.env"), "FROM_FILE=f\nA=overridden-by-e\n").unwrap();
    let name = format!("{}-custom", s.name);
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_rcompose"));
    cmd.current_dir(s.dir.path()).env("FROM_SHELL", "s").args(["-p", &s.name, "run", "-d"]);
    cmd.args(["-e", "A=1", "-e", "FROM_SHELL", "-e", "NOT_SET_ANYWHERE", "--env-from-file", "more.env"]);
    cmd.args(["-v", "/tmp:/host:ro", "-p", "127.0.0.1::81", "--use-aliases", "--entrypoint", "sh -c"]);
    cmd.args(["-u", "1000", "-w", "/srv", "-l", "team=b", "-l", "extra=x", "--name", &name]);
    cmd.args(["--cap-add", "SYS_ADMIN", "--cap-drop", "CHOWN", "-T", "-i=false", "--pull", "missing", "--quiet-pull"]);
    cmd.args(["web", "sleep 60"]);
    let out = cmd.output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let id = text(&out.stdout).trim().to_string();
    assert!(Regex::new("^[0-9a-f]{64}$").unwrap().is_match(&id), "-d prints the container's id: {id:?}");

    let c = inspect(&name);
    assert_eq!(c["Id"], id.as_str());
    let cfg = &c["Config"];
    let env: Vec<&str> = cfg["Env"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
    for want in ["A=1", "FROM_SHELL=s", "FROM_FILE=f", "MODE=prod"] {
        assert!(env.contains(&want), "{want} in {env:?}");
    }
    assert!(!env.iter().any(|e| e.starts_with("NOT_SET_ANYWHERE")), "an unset -e KEY is left out: {env:?}");
    assert_eq!(cfg["Entrypoint"], serde_json::json!(["sh", "-c"]));
    assert_eq!(cfg["Cmd"], serde_json::json!(["sleep 60"]));
    assert_eq!(cfg["User"], "1000");
    assert_eq!(cfg["WorkingDir"], "/srv");
    assert_eq!(cfg["Labels"]["team"], "b");
    assert_eq!(cfg["Labels"]["extra"], "x");
    assert_eq!(cfg["Labels"]["com.docker.compose.oneoff"], "True");
    assert_eq!(cfg["Tty"], false);
    assert_eq!(cfg["OpenStdin"], false, "-i=false");
    let host = &c["HostConfig"];
    assert_eq!(host["Binds"], serde_json::json!(["/tmp:/host:ro"]));
    assert_eq!(
        host["PortBindings"],
        serde_json::json!({"81/tcp": [{"HostIp": "127.0.0.1", "HostPort": ""}]}),
        "-p replaces the service's ports"
    );
    // Capabilities go out `CAP_`-prefixed, as Docker Compose 2.40.3 sends them.
    assert_eq!(host["CapAdd"], serde_json::json!(["CAP_SYS_ADMIN"]));
    assert_eq!(host["CapDrop"], serde_json::json!(["CAP_CHOWN"]));
    assert_eq!(host["RestartPolicy"]["Name"], "", "a one-off container never restarts (no policy, as Docker Compose sends it)");
    assert_eq!(host["AutoRemove"], false);
    let aliases = &c["NetworkSettings"]["Networks"][format!("{}_default", s.name)]["Aliases"];
    for alias in [name.as_str(), "web", "www"] {
        assert!(aliases.as_array().unwrap().iter().any(|a| a == alias), "--use-aliases: {alias} in {aliases}");
    }
}

#[tokio::test]
async fn run_publishes_the_service_ports_only_with_service_ports() {
    let s = Stack::new("run-ports", ALONE).await;
    let without = text(&s.rcompose(&["run", "-d", "web"]).await.stdout).trim().to_string();
    let with = text(&s.rcompose(&["run", "-d", "-P", "web"]).await.stdout).trim().to_string();
    assert_eq!(inspect(&without)["HostConfig"]["PortBindings"], serde_json::json!({}));
    assert!(inspect(&without)["Config"]["ExposedPorts"].is_null());
    assert!(inspect(&with)["HostConfig"]["PortBindings"]["80/tcp"].is_array(), "{}", inspect(&with)["HostConfig"]["PortBindings"]);
    // Without --use-aliases the container is known on its network by its own name only.
    let aliases = inspect(&without)["NetworkSettings"]["Networks"][format!("{}_default", s.name)]["Aliases"].clone();
    assert!(!aliases.as_array().unwrap().iter().any(|a| a == "web" || a == "www"), "{aliases}");
    let out = s.rcompose(&["run", "-P", "-p", "81", "web"]).await;
    assert!(!out.status.success(), "-P and -p exclude each other");
}

#[tokio::test]
async fn run_quiet_interactive_and_remove_orphans() {
    let s = Stack::new("run-misc", ALONE).await;
    let quiet = s.rcompose(&["run", "--rm", "-q", "web", "echo", "hidden"]).await;
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert_eq!(text(&quiet.stdout), "", "-q prints nothing on standard output");
    let quiet_d = s.rcompose(&["run", "-d", "-q", "web", "true"]).await;
    assert_eq!(text(&quiet_d.stdout), "", "-d -q prints no id");

    // Standard input goes to the command (and its end closes the command's); -i=false keeps it out.
    let (dir, name) = (s.dir.path().to_path_buf(), s.name.clone());
    let read = tokio::task::spawn_blocking(move || {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_rcompose"));
        cmd.current_dir(dir).args(["-p", &name, "run", "--rm", "-T", "web", "cat"]);
        cmd.stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), b"typed\n").unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(text(&read.stdout), "typed\n", "{}", text(&read.stderr));

    // An exited run container is an orphan: warned about, and removed with --remove-orphans.
    let before = one_offs(&s).await;
    assert!(!before.is_empty());
    let out = s.rcompose(&["run", "--rm", "web", "true"]).await;
    let exited: Vec<&String> = before.keys().collect();
    assert!(text(&out.stderr).contains(exited[0].as_str()), "orphans named: {}", text(&out.stderr));
    s.ok(&["run", "--rm", "--remove-orphans", "web", "true"]).await;
    assert!(one_offs(&s).await.is_empty(), "{:?}", one_offs(&s).await.keys());
}

#[tokio::test]
async fn run_builds_with_build_and_pull_never_refuses_a_missing_image() {
    let s = Stack::new(
        "run-build",
        "services:\n  app:\n    build: .\n    image: rcompose-run-build-test:latest\n  missing:\n    image: rcompose-never-pulled:none\n",
    )
    .await;
    std::fs::write(s.dir.path().join("Dockerfile"), "FROM busybox:latest\nLABEL org.rcompose.test=run-build\nRUN echo built > /built\n")
        .unwrap();
    let out = s.rcompose(&["run", "--rm", "--build", "app", "cat", "/built"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "built\n");
    assert!(text(&out.stderr).contains("Step"), "the build's output is shown: {}", text(&out.stderr));
    let quiet = s.rcompose(&["run", "--rm", "--build", "--quiet-build", "app", "true"]).await;
    assert!(quiet.status.success(), "{}", text(&quiet.stderr));
    assert!(!text(&quiet.stderr).contains("Step"), "--quiet-build: {}", text(&quiet.stderr));
    let never = s.rcompose(&["run", "--rm", "--pull", "never", "missing", "true"]).await;
    assert!(!never.status.success(), "--pull never with no image fails");
    assert!(one_offs(&s).await.is_empty());
    let _ = std::process::Command::new("docker").args(["rmi", "-f", "rcompose-run-build-test:latest"]).output();
}

/// The one-off containers both tools make from one file, normalised: the same fields, but the
/// slug (random), the config hash (it hashes the random name) and the version label.
#[tokio::test]
async fn run_containers_are_made_as_docker_composes_and_each_tool_lists_and_removes_the_others() {
    if !crate::harness::reference_installed() {
        return;
    }
    let ours = Stack::new("run-ours", ALONE).await;
    let theirs = Stack::new("run-theirs", ALONE).await;
    // Same directory for both: the working_dir and config_files labels hold it.
    let dir = ours.dir.path().display().to_string();
    ours.ok(&["run", "-d", "web", "sleep", "60"]).await;
    let mut cmd = tokio::process::Command::new("docker");
    cmd.current_dir(ours.dir.path()).args(["compose", "-p", &theirs.name, "run", "-d", "web", "sleep", "60"]);
    let out = cmd.output().await.unwrap();
    assert!(out.status.success(), "docker compose run: {}", text(&out.stderr));

    let slug = Regex::new("-run-[0-9a-f]{12}").unwrap();
    let normal = |project: &str| -> inspect_diff::Flat {
        inspect_diff::normalised(project, &dir, &["default"])
            .into_iter()
            .map(|(k, fields)| {
                let fields = fields
                    .into_iter()
                    .filter(|(f, _)| !["slug", "config-hash", "version"].iter().any(|l| f.ends_with(&format!("com.docker.compose.{l}"))))
                    .map(|(f, v)| (slug.replace_all(&f, "-run-SLUG").into_owned(), slug.replace_all(&v, "-run-SLUG").into_owned()))
                    .collect();
                (slug.replace_all(&k, "-run-SLUG").into_owned(), fields)
            })
            .collect()
    };
    let (a, b) = (normal(&theirs.name), normal(&ours.name));
    assert!(a.keys().any(|k| k.contains("-run-SLUG")), "{:?}", a.keys());
    let diffs = inspect_diff::differences(&a, &b);
    assert!(diffs.is_empty(), "rcompose's run container differs from Docker Compose's:\n{}", diffs.join("\n"));
    for s in [&ours, &theirs] {
        for (name, c) in one_offs(s).await {
            assert_run_name(s, &name, &c.labels);
        }
    }

    // Each tool lists the other's one-off containers (ps -a), and `down` leaves running ones
    // alone while --remove-orphans takes the exited ones.
    for (s, other_tool_ps) in [(&ours, true), (&theirs, false)] {
        let ps = if other_tool_ps { s.docker_compose(&["ps", "-a"]).await } else { s.rcompose(&["ps", "-a"]).await };
        let listed = text(&ps.stdout);
        for name in one_offs(s).await.keys() {
            assert!(listed.contains(name.as_str()), "{name} listed: {listed}");
        }
    }
    let exited = ours.rcompose(&["run", "web", "true"]).await;
    assert!(exited.status.success(), "{}", text(&exited.stderr));
    let exited = theirs.docker_compose(&["run", "web", "true"]).await;
    assert!(exited.status.success(), "{}", text(&exited.stderr));
    for (s, down_by_docker) in [(&ours, true), (&theirs, false)] {
        let down = if down_by_docker { s.docker_compose(&["down"]).await } else { s.rcompose(&["down"]).await };
        assert!(down.status.success(), "{}", text(&down.stderr));
        assert_eq!(one_offs(s).await.len(), 2, "down leaves run containers: {:?}", one_offs(s).await.keys());
        let down = if down_by_docker {
            s.docker_compose(&["down", "--remove-orphans"]).await
        } else {
            s.rcompose(&["down", "--remove-orphans"]).await
        };
        assert!(down.status.success(), "{}", text(&down.stderr));
        let left = one_offs(s).await;
        assert_eq!(left.len(), 1, "--remove-orphans removes the exited one: {:?}", left.keys());
        assert_eq!(left.values().next().unwrap().state, rcompose::engine::ContainerStatus::Running);
    }
}

#[test]
fn run_on_a_terminal_is_interactive_with_the_terminal_size() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let s = rt.block_on(Stack::new("run-pty", ALONE));
    let mut pty = Pty::rcompose(s.dir.path(), &s.name, &["run", "--rm", "web", "sh"], 33, 101);
    command(&mut pty, "test -t 0 && echo is-a-tty");
    pty.expect("is-a-tty");
    size_becomes(&mut pty, "33 101");
    pty.resize(40, 120);
    size_becomes(&mut pty, "40 120");
    // Ctrl-C goes to the container's TTY (it interrupts the shell's `read`), not to rcompose.
    command(&mut pty, "read x");
    pty.expect("read x");
    pty.send(b"\x03");
    command(&mut pty, "echo after-$((40+2))");
    pty.expect("after-42");
    command(&mut pty, "exit 5");
    assert_eq!(pty.wait(), 5, "the shell's exit code; the terminal showed:\n{}", pty.transcript());
    assert!(pty.is_cooked(), "the terminal is restored");
    let mut plain =
        Pty::rcompose(s.dir.path(), &s.name, &["run", "--rm", "-T", "web", "sh", "-c", "test -t 0 && echo tty || echo no-tty"], 24, 80);
    plain.expect("no-tty");
    assert_eq!(plain.wait(), 0);
    assert!(rt.block_on(s.containers()).is_empty(), "--rm");
}

/// Types `line` at the shell's next prompt. Busybox's shell asks the terminal where its
/// cursor is (`ESC[6n`) after each prompt and takes what comes next as the answer: the
/// question is answered first, and nothing is typed ahead of the prompt.
fn command(pty: &mut Pty, line: &str) {
    pty.expect("\x1b[6n");
    pty.send(b"\x1b[1;8R");
    pty.send(format!("{line}\r").as_bytes());
}

/// Asks the shell on `pty` for its terminal's size until it is `want`: the engine 20.10 API
/// cannot give a container its size at creation, so the first resize, made once it runs, may
/// come just after the shell's first prompt (as with `docker run -it`).
fn size_becomes(pty: &mut Pty, want: &str) {
    for _ in 0..50 {
        command(pty, "echo size=$(stty size)=");
        // The typed line is echoed first, and redrawn in pieces when a resize lands while it is
        // typed; the answer is the next line whose last `size=` is not the command's own.
        let shown = loop {
            let line = pty.expect("=\r");
            if line.rfind("size=").is_some_and(|at| !line[at + "size=".len()..].starts_with("$(")) {
                break line;
            }
        };
        if shown.contains(&format!("size={want}=")) {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the terminal size never became {want}; the terminal showed:\n{}", pty.transcript());
}
