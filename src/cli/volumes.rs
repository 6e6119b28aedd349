//! `rcompose volumes`: the project's volumes (Docker Compose 2.40).

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct VolumesArgs {
    /// Only the volumes these services mount
    pub services: Vec<String>,
    /// Output format: table or json (one object per line)
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Only display volume names
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: VolumesArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    let rows = session::call(global, false, |c| async move { c.volumes(&name, project.as_ref(), &args.services).await })?;
    let text = if args.quiet {
        rows.iter().map(|r| format!("{}\n", r.name)).collect()
    } else if args.format == "json" {
        output::status::json_lines(&rows)
    } else {
        output::status::volumes_table(&rows)
    };
    output::stdout(&text);
    Ok(0)
}
