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
