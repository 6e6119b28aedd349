//! `rcompose stats`: the resource usage of the project's containers, live or once.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;
use crate::output::stats::{LiveStats, StatsFormat};
use crate::status::stats::StatsOptions;

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// Only the containers of this service (all the project's by default)
    pub service: Option<String>,
    /// Show all containers (default shows just running)
    #[arg(short, long)]
    pub all: bool,
    /// Print the figures once and exit, instead of a table refreshed every half second
    #[arg(long)]
    pub no_stream: bool,
    /// Do not truncate output (full container ids)
    #[arg(long)]
    pub no_trunc: bool,
    /// Output format: `table` (the default), `json` (one object per line), a Go template
    /// (`{{.Name}} {{.CPUPerc}}`), or `table` followed by a template for aligned columns under a
    /// header; fields: Container, ID, Name, CPUPerc, MemUsage, MemPerc, NetIO, BlockIO, PIDs
    #[arg(long, default_value = "")]
    pub format: String,
}

pub fn run(global: &GlobalOptions, args: StatsArgs) -> anyhow::Result<i32> {
    let format = StatsFormat::parse(&args.format, args.no_trunc)?;
    let services: Vec<String> = args.service.iter().cloned().collect();
    let (project, _) = session::project_or_name(global, &services)?;
    let opts = StatsOptions { project, service: args.service, all: args.all };
    if args.no_stream {
        let entries = session::call(global, false, |c| async move { c.stats(&opts).await })?;
        output::stdout(&format.render(&entries)?);
        return Ok(0);
    }
    // The live view: a refresh every half second until Ctrl-C; a template that fails on a row
    // ends it with that error.
    let failed = session::call(global, false, |c| async move {
        let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<_>>(1);
        let show = async move {
            let mut view = LiveStats::default();
            while let Some(entries) = rx.recv().await {
                match format.render(&entries) {
                    Ok(text) => view.show(&text),
                    Err(e) => return Some(e),
                }
            }
            None
        };
        let (result, failed) = tokio::join!(c.stats_follow(&opts, tx), show);
        result.map(|()| failed)
    })?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(0),
    }
}
