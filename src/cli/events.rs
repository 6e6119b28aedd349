//! `rcompose events`: the engine's events for the project's containers, as they happen.

use clap::Args;

use super::{session, GlobalOptions};
use crate::compose::EventsOptions;
use crate::output;
use crate::status::time;

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only events of these services' containers
    pub services: Vec<String>,
    /// Print each event as one JSON object per line (time, type, action, id, service,
    /// attributes)
    #[arg(long)]
    pub json: bool,
    /// Replay the events since a time (2013-01-02T13:23:37Z, a Unix time) or a duration ago
    /// (42m), then follow
    #[arg(long, value_name = "TIMESTAMP")]
    pub since: Option<String>,
    /// Stop at a time (2013-01-02T13:23:37Z, a Unix time) or a duration ago (42m) instead of
    /// following until Ctrl-C
    #[arg(long, value_name = "TIMESTAMP")]
    pub until: Option<String>,
}

pub fn run(global: &GlobalOptions, args: EventsArgs) -> anyhow::Result<i32> {
    let now = time::now_secs();
    let when = |v: &Option<String>| v.as_deref().map(|s| time::parse_timestamp(s, now)).transpose();
    let options = EventsOptions { services: args.services.clone(), since: when(&args.since)?, until: when(&args.until)? };
    let (name, _) = session::project_or_name(global, &args.services)?;
    let print = if args.json { output::events::json } else { output::events::plain };
    // Ctrl-C ends the stream, and the command exits 130, as Docker Compose's does.
    session::call(global, false, |c| async move { c.events(&name, &options, |e| output::stdout_bytes(print(&e).as_bytes())).await })?;
    Ok(0)
}
