//! The command line as a user meets it: exit codes and `--help`, compared with what Docker
//! Compose returns for the same mistakes.

use std::process::Command;

fn rcompose(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rcompose")).args(args).current_dir(dir).env_remove("COMPOSE_FILE").output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn exit_codes_follow_docker_compose() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    assert_eq!(rcompose(dir, &["config"]).0, 14, "no compose file");
    std::fs::write(dir.join("compose.yaml"), "services:\n  a:\n    imagee: x\n").unwrap();
    let (code, err) = rcompose(dir, &["config"]);
    assert_eq!(code, 15, "invalid file");
    assert!(err.contains("compose.yaml:3:5: services.a: unknown key \"imagee\""), "{err}");
    std::fs::write(dir.join("compose.yaml"), "services:\n  a:\n    image: x\n").unwrap();
    assert_eq!(rcompose(dir, &["-p", "BAD", "config"]).0, 1, "invalid -p");
    assert_eq!(rcompose(dir, &["nosuchcommand"]).0, 16, "unknown command");
    assert_eq!(rcompose(dir, &["config", "--nosuchflag"]).0, 16, "unknown flag");
    assert_eq!(rcompose(dir, &["config", "-q"]).0, 0);
}

#[test]
fn every_command_has_help() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rcompose")).arg("--help").output().unwrap();
    let top = String::from_utf8_lossy(&out.stdout).into_owned();
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() > 5, "{top}");
    for c in commands {
        let (code, _) = rcompose(tmp.path(), &[&c, "--help"]);
        assert_eq!(code, 0, "{c} --help");
        let out = Command::new(env!("CARGO_BIN_EXE_rcompose")).args([&c, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.lines().next().is_some_and(|l| l.len() > 10), "{c} has no description:\n{text}");
    }
}
