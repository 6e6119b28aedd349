//! `rcompose logs`: the output of the project's containers, prefixed per container.

use clap::Args;

use super::{session, GlobalOptions};
use crate::logs::LogRequest;
use crate::output::logs::LogPrinter;
use crate::status::time;

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Only containers of these services
    pub services: Vec<String>,
    /// Follow log output (and containers that start later)
    #[arg(short, long)]
    pub follow: bool,
    /// Number of lines to show from the end of the logs of each container, or `all`
    #[arg(short = 'n', long, default_value = "all")]
    pub tail: String,
    /// Show logs since a time (2013-01-02T13:23:37Z) or for a duration (42m)
    #[arg(long)]
    pub since: Option<String>,
    /// Show logs before a time (2013-01-02T13:23:37Z) or a duration ago (42m)
    #[arg(long)]
    pub until: Option<String>,
    /// Show timestamps
    #[arg(short, long)]
    pub timestamps: bool,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
    /// Don't print the container prefix
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Index of the container if the service has several
    #[arg(long)]
    pub index: Option<u32>,
}

pub fn run(global: &GlobalOptions, args: LogsArgs) -> anyhow::Result<i32> {
    let now = time::now_secs();
    let when = |v: &Option<String>| v.as_deref().map(|s| time::parse_timestamp(s, now)).transpose().map_err(anyhow::Error::msg);
    let tail = match args.tail.as_str() {
        "all" | "-1" => None,
        n => Some(n.parse::<u64>().map_err(|_| anyhow::anyhow!("invalid --tail {n:?}: a number of lines or `all`"))?),
    };
    let request = LogRequest {
        follow: args.follow,
        tail,
        since: when(&args.since)?,
        until: when(&args.until)?,
        timestamps: args.timestamps,
        ..Default::default()
    };
    let scope = super::ps::scope(global, &args.services, true)?;
    let mut printer = LogPrinter::new(global.log_colors(args.no_color), !args.no_log_prefix);
    // Ctrl-C or SIGTERM ends a follow, and the command exits 130, as Docker Compose's does.
    session::call(global, false, |c| async move {
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let (result, ()) = tokio::join!(c.logs(&scope, args.index, request, tx), printer.print_all(rx));
        result
    })?;
    Ok(0)
}
