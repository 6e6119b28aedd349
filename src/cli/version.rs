//! `rcompose version`: the crate's version, shaped as Docker Compose shapes its own.

use clap::Args;

use crate::output;

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Format the output: `pretty` or `json` (anything else is `pretty`, as in Docker Compose)
    #[arg(short, long, default_value = "pretty")]
    pub format: String,
    /// Print the version number only
    #[arg(long)]
    pub short: bool,
}

pub fn run(args: VersionArgs) -> anyhow::Result<i32> {
    output::stdout(&output::version(env!("CARGO_PKG_VERSION"), args.short, args.format == "json"));
    Ok(0)
}
