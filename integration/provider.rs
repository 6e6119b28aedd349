//! Provider services (`provider:`) on the real engine: the provider is a shell script this test
//! writes into a temporary directory put first on the `PATH` of the rcompose it runs (and of
//! Docker Compose 2.40.3, the reference, where installed). The script records its arguments.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::harness::reference_installed;
use crate::up::Stack;

const PROJECT: &str = r#"
services:
  app:
    image: busybox
    command: ["sleep", "600"]
    stop_signal: SIGKILL
    depends_on: [db]
  db:
    provider:
      type: awesomecloud
      options:
        type: mysql
        size: 256
        tag: [a, b]
"#;

/// A provider that reports progress and sets two variables on `up`, and says goodbye on `down`.
const GOOD: &str = r#"
case " $* " in
  *" up "*)
    echo '{"type":"info","message":"preparing database"}'
    echo '{"type":"debug","message":"a detail"}'
    echo '{"type":"setenv","message":"URL=https://db.example/x?a=b"}'
    echo '{"type":"setenv","message":"TOKEN=abc"}'
    ;;
  *" down "*)
    echo '{"type":"info","message":"removing"}'
    ;;
esac
"#;

/// A directory holding the provider `awesomecloud` (the script `body`, after a line that
/// records its arguments in `argv` beside it); `None` for no provider at all.
struct Provider {
    bin: tempfile::TempDir,
}

impl Provider {
    fn new(body: Option<&str>) -> Provider {
        let bin = tempfile::tempdir().expect("temp dir");
        if let Some(body) = body {
            let log = bin.path().join("argv");
            let script = format!("#!/bin/sh\necho \"$@\" >> '{}'\n[ \"$2\" = metadata ] && exit 1\n{body}", log.display());
            let path = bin.path().join("awesomecloud");
            std::fs::write(&path, script).expect("write provider");
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        Provider { bin }
    }

    /// The calls the provider received, one line each (`compose metadata` left out).
    fn calls(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.bin.path().join("argv")).unwrap_or_default();
        text.lines().filter(|l| *l != "compose metadata").map(str::to_string).collect()
    }

    fn clear(&self) {
        let _ = std::fs::remove_file(self.bin.path().join("argv"));
    }

    fn path_var(&self) -> String {
        format!("{}:{}", self.bin.path().display(), std::env::var("PATH").unwrap_or_default())
    }

    /// `program [compose] -p <project> args...` in the project's directory, with the provider on `PATH`.
    async fn run(&self, s: &Stack, program: &Path, args: &[&str]) -> Output {
        let mut cmd = tokio::process::Command::new(program);
        if program == Path::new("docker") {
            cmd.arg("compose");
        }
        cmd.args(["-p", &s.name]).args(args).env("PATH", self.path_var()).current_dir(s.dir.path());
        cmd.output().await.expect("run")
    }

    async fn rcompose(&self, s: &Stack, args: &[&str]) -> Output {
        self.run(s, &rcompose(), args).await
    }

    async fn reference(&self, s: &Stack, args: &[&str]) -> Output {
        self.run(s, Path::new("docker"), args).await
    }
}

fn rcompose() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_rcompose"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what} failed: {}", text(&out.stderr));
}

/// The container's environment, as the engine holds it.
fn env_of(container: &str) -> Vec<String> {
    let out =
        std::process::Command::new("docker").args(["inspect", "--format", "{{json .Config.Env}}", container]).output().expect("docker");
    assert!(out.status.success(), "docker inspect {container}: {}", text(&out.stderr));
    let mut env: Vec<String> = serde_json::from_slice(&out.stdout).expect("json");
    env.retain(|v| v.starts_with("DB_"));
    env.sort();
    env
}

#[tokio::test]
async fn up_gives_the_dependents_the_provider_variables_and_down_calls_its_down() {
    let s = Stack::new("provider-up", PROJECT).await;
    let p = Provider::new(Some(GOOD));
    let out = p.rcompose(&s, &["--progress", "plain", "up", "-d"]).await;
    ok(&out, "up");
    let up = format!("compose --project-name={} up --size=256 --tag=a --tag=b --type=mysql db", s.name);
    assert_eq!(p.calls(), std::slice::from_ref(&up), "each list value repeated, options sorted, the service last");
    let progress = text(&out.stderr);
    for line in [" db  Creating", " db  Created"] {
        assert!(progress.lines().any(|l| l == line), "{line:?} in {progress}");
    }
    assert!(progress.contains("preparing database"), "the info message is shown: {progress}");
    assert!(!progress.contains("a detail"), "debug messages are not: {progress}");
    let app = s.container("app", 1);
    assert_eq!(env_of(&app), ["DB_TOKEN=abc", "DB_URL=https://db.example/x?a=b"]);
    let containers = s.containers().await;
    assert_eq!(containers.keys().collect::<Vec<_>>(), [&app], "a provider service has no container");
    let ps = p.rcompose(&s, &["ps", "-a", "--services"]).await;
    assert_eq!(text(&ps.stdout), "app\n");

    let first = containers[&app].id.clone();
    p.clear();
    ok(&p.rcompose(&s, &["up", "-d"]).await, "second up");
    assert_eq!(p.calls(), std::slice::from_ref(&up), "up runs the provider every time");
    assert_eq!(s.containers().await[&app].id, first, "same variables: app is up to date");

    if reference_installed() {
        let out = p.reference(&s, &["up", "-d"]).await;
        ok(&out, "docker compose up");
        assert_eq!(s.containers().await[&app].id, first, "Docker Compose 2.40.3 computes the same hash: {}", text(&out.stderr));
    }

    p.clear();
    let out = p.rcompose(&s, &["-f", "compose.yaml", "--progress", "plain", "down"]).await;
    ok(&out, "down");
    assert_eq!(p.calls(), [format!("compose --project-name={} down --size=256 --tag=a --tag=b --type=mysql db", s.name)]);
    assert!(text(&out.stderr).lines().any(|l| l == " db  Removed"), "{}", text(&out.stderr));
    assert!(s.containers().await.is_empty());
}

#[tokio::test]
async fn dry_run_runs_no_provider() {
    let s = Stack::new("provider-dry", PROJECT).await;
    let p = Provider::new(Some(GOOD));
    let out = p.rcompose(&s, &["--dry-run", "up", "-d"]).await;
    ok(&out, "up --dry-run");
    assert!(text(&out.stdout).lines().any(|l| l == "db: run provider awesomecloud (up)"), "{}", text(&out.stdout));
    assert!(p.calls().is_empty(), "nothing ran: {:?}", p.calls());
    assert!(s.containers().await.is_empty());
    let out = p.rcompose(&s, &["-f", "compose.yaml", "--dry-run", "down"]).await;
    ok(&out, "down --dry-run");
    assert!(text(&out.stdout).lines().any(|l| l == "db: run provider awesomecloud (down)"), "{}", text(&out.stdout));
    assert!(p.calls().is_empty(), "nothing ran: {:?}", p.calls());
}

/// Runs `up -d` with rcompose (and the reference where installed): each fails with exit code
/// 1, says `message`, and creates no container.
async fn fails_as_the_reference(test: &str, body: Option<&str>, message: &str) {
    let s = Stack::new(test, PROJECT).await;
    let p = Provider::new(body);
    let out = p.rcompose(&s, &["up", "-d"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains(message), "{message:?} in {}", text(&out.stderr));
    assert!(s.containers().await.is_empty(), "app is not created when its provider failed");
    if reference_installed() {
        let theirs = p.reference(&s, &["up", "-d"]).await;
        assert_eq!(theirs.status.code(), Some(1), "{}", text(&theirs.stderr));
        assert!(text(&theirs.stderr).contains(message), "Docker Compose says {message:?} too: {}", text(&theirs.stderr));
        assert!(s.containers().await.is_empty());
    }
}

#[tokio::test]
async fn an_error_message_fails_up_with_that_message() {
    fails_as_the_reference(
        "provider-err",
        Some("echo '{\"type\":\"info\",\"message\":\"starting\"}'\necho '{\"type\":\"error\",\"message\":\"quota exceeded\"}'\n"),
        "quota exceeded",
    )
    .await;
}

#[tokio::test]
async fn a_failing_provider_fails_up() {
    fails_as_the_reference("provider-exit", Some("exit 3\n"), "failed to create service provider: exit status 3").await;
}

#[tokio::test]
async fn a_missing_provider_fails_up_as_docker_compose() {
    fails_as_the_reference("provider-missing", None, "exec: \"awesomecloud\": executable file not found in $PATH").await;
}

#[tokio::test]
async fn the_provider_type_compose_is_refused() {
    let s = Stack::new("provider-compose", &PROJECT.replace("type: awesomecloud", "type: compose")).await;
    let p = Provider::new(None);
    let out = p.rcompose(&s, &["up", "-d"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("'compose' is not a valid provider type"), "{}", text(&out.stderr));
}

#[tokio::test]
async fn run_runs_the_providers_of_its_dependencies_first() {
    let s = Stack::new("provider-run", PROJECT).await;
    let p = Provider::new(Some(GOOD));
    let out = p.rcompose(&s, &["run", "--rm", "app", "env"]).await;
    ok(&out, "run");
    let env = text(&out.stdout);
    assert!(env.lines().any(|l| l == "DB_TOKEN=abc"), "{env}");
    assert_eq!(p.calls(), [format!("compose --project-name={} up --size=256 --tag=a --tag=b --type=mysql db", s.name)]);
}
