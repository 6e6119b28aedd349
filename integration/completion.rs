//! `rcompose completion`: each shell accepts the script, and bash, driven as it is on Tab,
//! completes commands and the project's service names (no engine involved).

use std::path::Path;
use std::process::Command;

/// The directory of the binary under test, for PATH: the scripts call `rcompose` by name.
fn path_with_rcompose() -> String {
    let bin = Path::new(env!("CARGO_BIN_EXE_rcompose")).parent().unwrap().display().to_string();
    format!("{bin}:{}", std::env::var("PATH").unwrap_or_default())
}

fn script(shell: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rcompose")).args(["completion", shell]).output().unwrap();
    assert!(out.status.success(), "completion {shell}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn each_shell_accepts_its_script() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let file = tmp.path().join(format!("rcompose.{shell}"));
        std::fs::write(&file, script(shell)).unwrap();
        let out = Command::new(shell).arg("-n").arg(&file).output().unwrap_or_else(|e| {
            panic!("cannot run {shell} ({e}): the completion tests need bash, zsh and fish (apt-get install zsh fish)")
        });
        assert!(out.status.success(), "{shell} -n refuses the script: {}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(Command::new(env!("CARGO_BIN_EXE_rcompose")).args(["completion", "tcsh"]).status().unwrap().code(), Some(1));
}

/// What bash's completion function offers for the words of a command line, the last one being
/// completed; run in `dir`.
fn bash_offers(dir: &Path, words: &[&str]) -> Vec<String> {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let cword = words.len() - 1;
    let program = format!(
        "source <(rcompose completion bash)\nCOMP_WORDS=({})\nCOMP_CWORD={cword}\n_clap_complete_rcompose rcompose '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words[cword],
        words[cword - 1],
    );
    let out = Command::new("bash").arg("-c").arg(program).current_dir(dir).env("PATH", path_with_rcompose()).output().unwrap();
    assert!(out.status.success(), "bash: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn bash_completes_commands_flags_and_services() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("compose.yaml"),
        "services:\n  web: {image: busybox}\n  worker: {image: busybox}\n  db: {image: busybox, profiles: [debug]}\n",
    )
    .unwrap();
    assert_eq!(bash_offers(dir, &["rcompose", "u"]), ["up", "unpause"]);
    assert_eq!(bash_offers(dir, &["rcompose", "vol"]), ["volumes"]);
    assert_eq!(bash_offers(dir, &["rcompose", "logs", "--fol"]), ["--follow"]);
    let offered = bash_offers(dir, &["rcompose", "logs", ""]);
    let services: Vec<&String> = offered.iter().filter(|w| !w.starts_with('-')).collect();
    assert_eq!(services, ["db", "web", "worker"], "{offered:?}");
    assert_eq!(bash_offers(dir, &["rcompose", "logs", "w"]), ["web", "worker"]);
    // Another file named with -f, from another directory.
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("other.yaml"), "services:\n  api: {image: busybox}\n").unwrap();
    let file = elsewhere.path().join("other.yaml").display().to_string();
    assert_eq!(bash_offers(dir, &["rcompose", "-f", &file, "stop", "a"]), ["api"]);
    // A file that does not load completes no service, and says nothing.
    std::fs::write(dir.join("compose.yaml"), "services: [").unwrap();
    assert!(bash_offers(dir, &["rcompose", "logs", "w"]).is_empty());
}
