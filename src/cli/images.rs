//! `rcompose images`: the images the project's containers run.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct ImagesArgs {
    /// Only containers of these services
    pub services: Vec<String>,
    /// Output format: `table` (the default), `json`, a Go template (`{{.Name}} {{.State}}`), or
    /// `table` followed by a template for aligned columns under a header
    /// (`table {{.Service}}\t{{.Status}}`); fields: ContainerName, Repository, Tag, Platform, ID, Size,
    /// Created, CreatedAt, LastTagTime (Docker Compose 2.40.3 knows only table and json)
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display image IDs
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: ImagesArgs) -> anyhow::Result<i32> {
    output::status::listing_format(&args.format).map_err(anyhow::Error::msg)?;
    let scope = super::ps::scope(global, &args.services, false)?;
    let rows = session::call(global, false, |c| async move { c.images(&scope).await })?;
    let text = if args.quiet {
        let mut ids: Vec<&str> = rows.iter().map(|r| r.id.trim_start_matches("sha256:")).collect();
        ids.dedup();
        ids.iter().map(|i| format!("{i}\n")).collect()
    } else if args.format == "json" {
        // Docker Compose 2.40.3 ends this one with an empty line.
        output::status::json_array(&rows) + "\n"
    } else if matches!(args.format.as_str(), "table" | "") {
        output::status::images_table(&rows)
    } else {
        let format = if args.format == "raw" { output::status::IMAGES_RAW } else { &args.format };
        output::status::templated(format, &output::status::image_fields(&rows), output::status::IMAGE_COLUMNS)?
    };
    output::stdout(&text);
    Ok(0)
}
