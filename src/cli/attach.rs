//! `rcompose attach`: connect the terminal to a service's running container.

use clap::{ArgAction, Args};

use super::{session, GlobalOptions};
use crate::compose::AttachServiceOptions;
use crate::stdio::keys;

#[derive(Debug, Args)]
#[command(after_help = "Detaching (Ctrl-P Ctrl-Q unless --detach-keys says otherwise) leaves the container running \
and exits 1 with \"read escape sequence\", as Docker Compose does; when the container exits, its exit code is rcompose's \
(130 when it exited after Ctrl-C was passed on to it).")]
pub struct AttachArgs {
    /// Keys that detach from the container, leaving it running: comma-separated, each a
    /// letter or ctrl-<key> (default: ctrl-p,ctrl-q)
    #[arg(long, value_name = "KEYS")]
    pub detach_keys: Option<String>,
    /// Index of the container if the service has several (default: the first running one)
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub index: u32,
    /// Do not send standard input to the container
    #[arg(long)]
    pub no_stdin: bool,
    /// Pass the signals rcompose receives (Ctrl-C, SIGTERM) on to the container, when it has
    /// no TTY (`--sig-proxy=false`: they end rcompose alone)
    #[arg(long, num_args = 0..=1, require_equals = true, default_value = "true", default_missing_value = "true", action = ArgAction::Set)]
    pub sig_proxy: bool,
    /// The service whose container to attach to
    pub service: String,
}

pub fn run(global: &GlobalOptions, args: AttachArgs) -> anyhow::Result<i32> {
    let (name, _) = session::project_or_name(global, &[])?;
    let options = AttachServiceOptions {
        service: args.service,
        index: (args.index > 0).then_some(args.index),
        stdin: !args.no_stdin,
        proxy_signals: args.sig_proxy,
        detach_keys: match args.detach_keys {
            Some(keys) => keys,
            None => keys::configured()?,
        },
    };
    let code = session::interactive(global, |c| async move { c.attach(&name, &options).await })?;
    Ok(i32::try_from(code).unwrap_or(1))
}
