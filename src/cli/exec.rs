//! `rcompose exec`: run a command in a service's running container.

use clap::{ArgAction, Args};

use super::{session, GlobalOptions};
use crate::compose::{self, ExecOptions};
use crate::output;
use crate::stdio::{keys, terminal};

#[derive(Debug, Args)]
#[command(after_help = "The command's exit code is rcompose's. Standard input goes to the command; its end closes the \
command's input (`echo hi | rcompose exec -T web cat`). With a TTY, Ctrl-C goes to the command and Ctrl-P Ctrl-Q \
leaves it running in the background.")]
pub struct ExecArgs {
    /// Run the command in the background and return at once
    #[arg(short, long)]
    pub detach: bool,
    /// Set an environment variable (repeatable); KEY alone takes its value from the shell or .env, and is left out when unset
    #[arg(short, long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// Index of the container if the service has several (default: the first running one)
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub index: u32,
    /// Give the process extended privileges
    #[arg(long)]
    pub privileged: bool,
    /// Run the command as this user (name or uid, optionally :group)
    #[arg(short, long, value_name = "USER")]
    pub user: Option<String>,
    /// Working directory of the command inside the container
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Do not allocate a pseudo-TTY. By default one is allocated when standard input and
    /// standard output are both terminals
    #[arg(short = 'T', long = "no-tty", visible_alias = "no-TTY")]
    pub no_tty: bool,
    /// Keep standard input attached (Docker Compose's hidden flag; `-i=false` detaches it)
    #[arg(short = 'i', long, hide = true, num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true", action = ArgAction::Set)]
    pub interactive: bool,
    /// Allocate a pseudo-TTY (Docker Compose's hidden flag: the default already)
    #[arg(short = 't', long = "tty", hide = true)]
    pub tty: bool,
    /// The service whose container runs the command
    pub service: String,
    /// The command and its arguments
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: ExecArgs) -> anyhow::Result<i32> {
    let (name, environment, warnings) = compose::name_and_environment(&global.load_options(&[]))?;
    warnings.iter().for_each(|w| output::warn(w));
    let options = ExecOptions {
        service: args.service,
        index: (args.index > 0).then_some(args.index),
        command: args.command,
        env: compose::resolve_env(&args.env, environment.lookup()),
        user: args.user,
        workdir: args.workdir,
        privileged: args.privileged,
        tty: !args.no_tty && terminal::stdin_is_terminal() && terminal::stdout_is_terminal(),
        detach: args.detach,
        stdin: args.interactive,
        detach_keys: Some(keys::parse(&keys::configured()?)?),
    };
    let code = session::interactive(global, |c| async move { c.exec(&name, &options).await })?;
    Ok(i32::try_from(code).unwrap_or(1))
}
