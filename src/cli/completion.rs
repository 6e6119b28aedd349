//! `rcompose completion bash|zsh|fish`: the script that makes the shell complete rcompose's
//! commands, flags and, inside a project, its service names.
//!
//! The script is clap_complete's dynamic registration: on Tab the shell runs rcompose itself
//! with `RCOMPOSE_COMPLETE=<shell>` and the words typed so far, and [`complete_if_asked`],
//! the first thing `main` does, answers from the clap definitions and exits. Commands and
//! flags therefore never go stale. Service names come from the compose files the typed global
//! flags (`-f`, `--project-directory`, `--env-file`) or the current directory point at, found
//! and parsed as every command finds them, of which only the `services` keys are read
//! (`loader::service_names`; a project with `include:` is loaded whole): no engine call is
//! made. A project whose files do not parse completes no service.

use std::ffi::OsString;
use std::sync::OnceLock;

use clap::{Args, CommandFactory, Parser, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::{CompleteEnv, EnvCompleter, Shells};

use super::{Cli, GlobalOptions};
use crate::{loader, output};

/// The environment variable that turns a run of rcompose into a completion request.
const VAR: &str = "RCOMPOSE_COMPLETE";

#[derive(Debug, Args)]
pub struct CompletionArgs {
    /// The shell to write the script for. Load it with `source <(rcompose completion bash)`
    /// (bash, e.g. in ~/.bashrc), `source <(rcompose completion zsh)` (zsh) or
    /// `rcompose completion fish | source` (fish)
    pub shell: Shell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

pub fn run(args: CompletionArgs) -> anyhow::Result<i32> {
    let name = match args.shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
    };
    let shells = Shells::builtins();
    let shell = shells.completer(name).expect("clap_complete has bash, zsh and fish");
    output::stdout(&registration(shell)?);
    Ok(0)
}

fn registration(shell: &dyn EnvCompleter) -> std::io::Result<String> {
    let mut buf = Vec::new();
    shell.write_registration(VAR, "rcompose", "rcompose", "rcompose", &mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}

/// The words of the command line being completed, for the service completer.
static TYPED: OnceLock<Vec<OsString>> = OnceLock::new();

/// Answers a completion request (the shell script ran rcompose with `RCOMPOSE_COMPLETE` set)
/// and exits; returns at once on an ordinary run.
pub fn complete_if_asked() {
    if std::env::var_os(VAR).is_some() {
        let _ = TYPED.set(std::env::args_os().skip_while(|a| a != "--").skip(1).collect());
    }
    CompleteEnv::with_factory(command).var(VAR).complete();
}

/// Answers the docker CLI's completion request for its `compose` plugin (`docker compose
/// <Tab>`: the CLI runs `docker-compose __complete compose WORDS... CURRENT`), in cobra's
/// format: one candidate a line (with its help after a tab), then `:4` (no file completion).
pub fn cobra(words: Vec<OsString>) -> anyhow::Result<i32> {
    let mut line = vec![OsString::from("rcompose")];
    line.extend(words);
    let index = line.len() - 1;
    let _ = TYPED.set(line.clone());
    let cwd = std::env::current_dir().ok();
    let candidates = clap_complete::engine::complete(&mut command(), line, index, cwd.as_deref())?;
    let mut out = String::new();
    for c in candidates.iter().filter(|c| !c.is_hide_set()) {
        out.push_str(&c.get_value().to_string_lossy());
        if let Some(help) = c.get_help() {
            out.push('\t');
            out.push_str(help.to_string().lines().next().unwrap_or(""));
        }
        out.push('\n');
    }
    out.push_str(":4\n");
    output::stdout(&out);
    Ok(0)
}

/// The command line definition, with every service operand completing the project's services.
fn command() -> clap::Command {
    let mut cmd = Cli::command();
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| {
            // `mut_arg` moves the argument last: every positional is visited, in order, so
            // that they keep their order.
            let ids: Vec<String> = sub.get_positionals().map(|a| a.get_id().to_string()).collect();
            ids.into_iter().fold(sub, |sub, id| {
                let is_service = matches!(id.as_str(), "services" | "service");
                sub.mut_arg(id, |a| if is_service { a.add(ArgValueCandidates::new(services)) } else { a })
            })
        });
    }
    cmd
}

/// The global flags typed before the command, from the words of the request (after `--`);
/// anything unparsable is ignored: completion must not fail on a half-typed line.
#[derive(Debug, Parser)]
#[command(name = "rcompose", ignore_errors = true)]
struct Typed {
    #[command(flatten)]
    global: GlobalOptions,
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
    rest: Vec<OsString>,
}

/// The service names of the project the typed command line acts on, every profile included
/// (naming a service enables its profile).
fn services() -> Vec<CompletionCandidate> {
    service_names(TYPED.get().map(Vec::as_slice).unwrap_or_default()).into_iter().map(CompletionCandidate::new).collect()
}

/// The service names for a typed command line (`rcompose -f x.yaml logs w`), empty when no
/// project loads.
pub fn service_names(words: &[OsString]) -> Vec<String> {
    let Ok(typed) = Typed::try_parse_from(words) else { return Vec::new() };
    let mut opts = typed.global.load_options(&[]);
    opts.profiles = vec!["*".to_string()];
    // Only the names are read; a project that includes others is loaded whole.
    match loader::service_names(&opts) {
        Ok(Some(names)) => return names,
        Ok(None) => {}
        Err(_) => return Vec::new(),
    }
    match loader::load(&opts) {
        Ok(loaded) => loaded.project.services.into_keys().collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(line: &str) -> Vec<OsString> {
        line.split(' ').map(OsString::from).collect()
    }

    #[test]
    fn service_names_come_from_the_typed_file_with_every_profile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.yaml");
        std::fs::write(&file, "services:\n  web: {image: a}\n  db: {image: a, profiles: [debug]}\n").unwrap();
        let line = format!("rcompose -f {} logs ", file.display());
        assert_eq!(service_names(&words(&line)), ["db", "web"]);
    }

    #[test]
    fn names_come_from_every_file_and_from_included_projects() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.yaml"), dir.path().join("b.yaml"));
        std::fs::write(&a, "services:\n  web: {image: a}\n").unwrap();
        std::fs::write(&b, "services:\n  web: {environment: [X=1]}\n  cache: {image: a}\n").unwrap();
        let line = format!("rcompose -f {} -f {} logs ", a.display(), b.display());
        assert_eq!(service_names(&words(&line)), ["cache", "web"]);
        let main = dir.path().join("main.yaml");
        std::fs::write(&main, format!("include: [{}]\nservices:\n  api: {{image: a}}\n", b.display())).unwrap();
        std::fs::write(&b, "services:\n  cache: {image: a}\n").unwrap();
        assert_eq!(service_names(&words(&format!("rcompose -f {} logs ", main.display()))), ["api", "cache"]);
    }

    #[test]
    fn a_file_that_does_not_load_completes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.yaml");
        std::fs::write(&file, "services: [").unwrap();
        assert!(service_names(&words(&format!("rcompose -f {} logs ", file.display()))).is_empty());
    }

    #[test]
    fn every_service_operand_gets_the_service_completer() {
        let cmd = command();
        for sub in ["logs", "up", "ps", "port", "volumes", "wait"] {
            let sub = cmd.find_subcommand(sub).unwrap();
            let arg = sub.get_positionals().find(|a| a.get_id().as_str().starts_with("service")).unwrap();
            assert!(arg.get::<ArgValueCandidates>().is_some(), "{}", sub.get_name());
        }
    }
}
