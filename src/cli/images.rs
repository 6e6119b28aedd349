//! `rcompose images`: the images the project's containers run.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Only containers of these services
    pub services: Vec<String>,
    /// Output format: table or json
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Only display image IDs
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: ImagesArgs) -> anyhow::Result<i32> {
    let scope = super::ps::scope(global, &args.services, false)?;
    let rows = session::call(global, false, |c| async move { c.images(&scope).await })?;
    let text = if args.quiet {
        let mut ids: Vec<&str> = rows.iter().map(|r| r.id.trim_start_matches("sha256:")).collect();
        ids.dedup();
        ids.iter().map(|i| format!("{i}\n")).collect()
    } else if args.format == "json" {
        output::status::json_array(&rows)
    } else {
        output::status::images_table(&rows)
    };
    output::stdout(&text);
    Ok(0)
}
