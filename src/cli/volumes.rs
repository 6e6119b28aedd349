//! `rcompose volumes`: the project's volumes.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct VolumesArgs {
    /// Only the volumes that the running containers of these services mount
    pub services: Vec<String>,
    /// Output format: `table` (the default: driver and name) or `json` (one object per line,
    /// with every field the docker CLI shows); Go templates are not supported yet
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
    /// Only display volume names
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: VolumesArgs) -> anyhow::Result<i32> {
    if !args.quiet && !matches!(args.format.as_str(), "table" | "json") {
        anyhow::bail!("unsupported --format {:?}: rcompose knows table and json (Go templates are not supported yet)", args.format);
    }
    let (name, project) = session::project_or_name(global, &args.services)?;
    let volumes = session::call(global, false, |c| async move { c.volumes(&name, project.as_ref(), &args.services).await })?;
    let text = if args.quiet {
        output::volumes::volume_names(&volumes)
    } else if args.format == "json" {
        output::volumes::volumes_json(&volumes)
    } else {
        output::volumes::volumes_table(&volumes)
    };
    output::stdout(&text);
    Ok(0)
}
