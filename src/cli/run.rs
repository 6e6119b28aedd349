//! `rcompose run`: a one-off command in a new container of a service.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{ArgAction, Args};

use super::{session, GlobalOptions};
use crate::compose::{self, RunOptions, RunOutcome};
use crate::reconcile::plan::{self, ImageOptions, OneOff, PullPolicy};
use crate::stdio::keys;

#[derive(Debug, Args)]
#[command(after_help = "The services SERVICE depends on are started first and waited for as `up` waits for them. \
The command's exit code is rcompose's (with -d: 0, and the container's id is printed). The container is named \
PROJECT-SERVICE-run-ID and, without --rm, stays once it exits: `down` leaves it, `down --remove-orphans` removes it. \
With a TTY (the default when standard input and output are terminals) Ctrl-C goes to the command and Ctrl-P Ctrl-Q \
leaves it running; without one, standard input is passed through and Ctrl-C is sent to the container.")]
pub struct RunArgs {
    /// The service whose configuration the container is made from
    pub service: String,
    /// The command and its arguments (default: the service's command)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Run the container in the background and print its id
    #[arg(short, long)]
    pub detach: bool,
    /// Set an environment variable (`KEY=VALUE`; `KEY` alone passes this shell's value on)
    #[arg(short = 'e', long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// Read environment variables from this file (repeatable; `-e` wins)
    #[arg(long = "env-from-file", value_name = "FILE")]
    pub env_from_file: Vec<PathBuf>,
    /// Add or override a label of the container
    #[arg(short = 'l', long = "label", visible_alias = "labels", value_name = "KEY=VALUE")]
    pub labels: Vec<String>,
    /// Remove the container when it exits
    #[arg(long)]
    pub rm: bool,
    /// Don't allocate a pseudo-terminal (default: one is allocated when standard input and
    /// output are terminals)
    #[arg(short = 'T', long = "no-TTY")]
    pub no_tty: bool,
    /// Allocate a pseudo-terminal even when not on one
    #[arg(short = 't', long = "tty", hide = true, conflicts_with = "no_tty")]
    pub tty: bool,
    /// Keep standard input open (`-i=false` to close it)
    #[arg(short = 'i', long, default_value_t = true, action = ArgAction::Set, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "BOOL")]
    pub interactive: bool,
    /// Name the container (default: PROJECT-SERVICE-run-ID)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Run as this user name or uid
    #[arg(short, long, value_name = "USER")]
    pub user: Option<String>,
    /// Working directory inside the container
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Override the image's entrypoint (split as a shell would); the service's command is dropped unless COMMAND is given
    #[arg(long, value_name = "COMMAND", allow_hyphen_values = true)]
    pub entrypoint: Option<String>,
    /// Add a Linux capability (repeatable, or comma-separated)
    #[arg(long = "cap-add", value_name = "CAP", value_delimiter = ',')]
    pub cap_add: Vec<String>,
    /// Drop a Linux capability (repeatable, or comma-separated)
    #[arg(long = "cap-drop", value_name = "CAP", value_delimiter = ',')]
    pub cap_drop: Vec<String>,
    /// Don't start the services this one depends on
    #[arg(long)]
    pub no_deps: bool,
    /// Mount a volume or bind a host path (`[SOURCE:]TARGET[:ro]`, repeatable)
    #[arg(short = 'v', long = "volume", visible_alias = "volumes", value_name = "VOLUME")]
    pub volumes: Vec<String>,
    /// Publish a container port to the host (`[IP:][HOST:]CONTAINER[/PROTOCOL]`, repeatable); the
    /// service's ports are not published. `-p` after `run` is this flag, as in Docker Compose
    #[arg(long = "publish", value_name = "PORT", conflicts_with = "service_ports")]
    pub publish: Vec<String>,
    /// Publish the service's ports, as `up` does (by default a one-off container publishes none)
    #[arg(short = 'P', long)]
    pub service_ports: bool,
    /// Give the container the service's name and network aliases, as `up` does
    #[arg(long)]
    pub use_aliases: bool,
    /// Pull the image before running: always, missing, never, or the service's pull_policy
    #[arg(long, value_name = "POLICY", default_value = "policy", value_parser = ["always", "missing", "never", "policy", "build"])]
    pub pull: String,
    /// Build the image before starting the container
    #[arg(long)]
    pub build: bool,
    /// Don't print anything to standard output (the container's output included)
    #[arg(short, long)]
    pub quiet: bool,
    /// Don't show the output of image builds
    #[arg(long)]
    pub quiet_build: bool,
    /// Pull without showing each layer's progress
    #[arg(long)]
    pub quiet_pull: bool,
    /// Remove containers of services not defined in the compose file, and exited run containers
    #[arg(long)]
    pub remove_orphans: bool,
}

impl RunArgs {
    /// The options of `run`; `lookup` gives `-e KEY` its value (the shell over `.env`).
    fn options(&self, global: &GlobalOptions, lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<RunOptions> {
        let entrypoint = match &self.entrypoint {
            Some(e) => Some(shell_words::split(e).map_err(|err| anyhow::anyhow!("invalid --entrypoint {e:?}: {err}"))?),
            None => None,
        };
        let labels = self
            .labels
            .iter()
            .map(|l| l.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect::<Option<_>>()
            .ok_or_else(|| anyhow::anyhow!("label must be set as KEY=VALUE"))?;
        // As Docker Compose: a TTY when asked for, or by default when both ends are terminals.
        let on_terminal = std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
        let tty = self.tty || (!self.no_tty && on_terminal);
        let env_files = global.load_options(&[]).env_files;
        Ok(RunOptions {
            one_off: OneOff {
                service: self.service.clone(),
                command: self.command.clone(),
                entrypoint,
                labels,
                volumes: self.volumes.clone(),
                home: std::env::var_os("HOME").map(PathBuf::from),
                publish: self.publish.clone(),
                service_ports: self.service_ports,
                use_aliases: self.use_aliases,
                user: self.user.clone(),
                workdir: self.workdir.clone(),
                name: self.name.clone(),
                cap_add: self.cap_add.clone(),
                cap_drop: self.cap_drop.clone(),
                auto_remove: self.rm,
                tty,
                interactive: self.interactive,
                ..Default::default()
            },
            env: compose::resolve_env(&self.env, lookup),
            env_files: self.env_from_file.clone(),
            no_deps: self.no_deps,
            detach: self.detach,
            quiet: self.quiet,
            detach_keys: Some(keys::parse(&keys::configured()?)?),
            up: plan::UpOptions {
                remove_orphans: self.remove_orphans,
                images: ImageOptions {
                    pull: (self.pull != "policy").then(|| PullPolicy::parse(&self.pull)),
                    build: self.build,
                    quiet_pull: self.quiet_pull,
                    ..Default::default()
                },
                environment_file: (!env_files.is_empty())
                    .then(|| env_files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(",")),
                ..Default::default()
            },
        })
    }
}

/// Docker Compose's `run -p PORT` publishes a port, where rcompose's global `-p` names the
/// project (clap cannot give one short flag two meanings): the `-p` given after `run` and
/// before its service become `--publish`. Everything else is left as it is.
pub fn publish_short_flags(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    const GLOBAL_VALUED: [&str; 10] =
        ["-f", "--file", "-p", "--project-name", "--project-directory", "--profile", "--env-file", "--progress", "--ansi", "--parallel"];
    const RUN_VALUED: [&str; 20] = [
        "-e",
        "--env",
        "--env-from-file",
        "-l",
        "--label",
        "--labels",
        "--name",
        "-u",
        "--user",
        "-w",
        "--workdir",
        "--entrypoint",
        "--cap-add",
        "--cap-drop",
        "-v",
        "--volume",
        "--volumes",
        "-p",
        "--publish",
        "--pull",
    ];
    let mut args: Vec<OsString> = args.into_iter().collect();
    let text = |a: &OsString| a.to_str().unwrap_or_default().to_string();
    // Find the command: the first word that is not a global flag or its value.
    let mut i = 1;
    while i < args.len() {
        let a = text(&args[i]);
        if GLOBAL_VALUED.contains(&a.as_str()) {
            i += 2;
        } else if a.starts_with('-') {
            i += 1;
        } else {
            break;
        }
    }
    if args.get(i).map(text).as_deref() != Some("run") {
        return args;
    }
    i += 1;
    while i < args.len() {
        let a = text(&args[i]);
        if a == "-p" {
            args[i] = "--publish".into();
        } else if let Some(value) = a.strip_prefix("-p").filter(|v| !v.is_empty() && !a.starts_with("--")) {
            args[i] = format!("--publish={value}").into();
        } else if !a.starts_with('-') || a == "--" {
            break;
        }
        i += if RUN_VALUED.contains(&text(&args[i]).as_str()) || args[i] == "--publish" { 2 } else { 1 };
    }
    args
}

pub fn run(global: &GlobalOptions, args: RunArgs) -> anyhow::Result<i32> {
    let (project, environment, warnings) = compose::load_with_environment(&global.load_options(std::slice::from_ref(&args.service)))?;
    warnings.iter().for_each(|w| crate::output::warn(w));
    let opts = args.options(global, environment.lookup())?;
    let (quiet, quiet_build) = (args.quiet, args.quiet_build);
    // An interactive session: once the container runs, Ctrl-C, SIGTERM and SIGHUP are the
    // stdio session's (passed on to the container, as Docker Compose does).
    let outcome = session::interactive(global, |mut c| async move {
        if quiet {
            c.events = Arc::new(|_: &crate::output::Event| {});
        }
        if quiet || quiet_build {
            c.details = Arc::new(|_: &crate::output::Detail| {});
        }
        c.run(&project, &opts).await
    })?;
    match outcome {
        RunOutcome::Planned(plan) => {
            crate::output::stdout(&plan.to_string());
            Ok(0)
        }
        RunOutcome::Detached { id } => {
            if !quiet {
                crate::output::stdout(&id);
            }
            Ok(0)
        }
        RunOutcome::Exited { code } => Ok(i32::try_from(code).unwrap_or(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(args: &[&str]) -> Vec<String> {
        publish_short_flags(args.iter().map(OsString::from)).into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn run_p_publishes_and_the_global_p_still_names_the_project() {
        assert_eq!(
            rewritten(&["rc", "-p", "proj", "run", "-p", "80:80", "-e", "-p", "-p8080:80", "web", "sh", "-p"]),
            ["rc", "-p", "proj", "run", "--publish", "80:80", "-e", "-p", "--publish=8080:80", "web", "sh", "-p"]
        );
        assert_eq!(rewritten(&["rc", "ps", "-p", "x"]), ["rc", "ps", "-p", "x"]);
        assert_eq!(rewritten(&["rc", "--progress", "run", "run", "web"]), ["rc", "--progress", "run", "run", "web"]);
    }
}
