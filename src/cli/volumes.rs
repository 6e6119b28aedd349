//! `rcompose volumes`: the project's volumes.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct VolumesArgs {
    /// Only the volumes that the running containers of these services mount
    pub services: Vec<String>,
    /// Output format: `table` (the default), `json`, a Go template (`{{.Name}} {{.State}}`), or
    /// `table` followed by a template for aligned columns under a header
    /// (`table {{.Service}}\t{{.Status}}`); fields: Name, Driver, Scope, Mountpoint, Labels, Links,
    /// Size, Group, Availability, Status
    #[arg(long, default_value = "table", value_name = "FORMAT")]
    pub format: String,
    /// Only display volume names
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: VolumesArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    let volumes = session::call(global, false, |c| async move { c.volumes(&name, project.as_ref(), &args.services).await })?;
    let text = if args.quiet {
        output::volumes::volume_names(&volumes)
    } else if args.format == "json" {
        output::volumes::volumes_json(&volumes)
    } else if matches!(args.format.as_str(), "table" | "") {
        output::volumes::volumes_table(&volumes)
    } else {
        let format = if args.format == "raw" { output::volumes::VOLUME_RAW } else { &args.format };
        output::status::templated(format, &output::volumes::volume_fields(&volumes), output::volumes::VOLUME_COLUMNS)?
    };
    output::stdout(&text);
    Ok(0)
}
