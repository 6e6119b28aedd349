//! `rcompose ls`: the compose projects on the engine.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Show stopped projects too
    #[arg(short, long)]
    pub all: bool,
    /// Output format: `table` (the default), `json`, a Go template (`{{.Name}} {{.State}}`), or
    /// `table` followed by a template for aligned columns under a header
    /// (`table {{.Service}}\t{{.Status}}`); fields: Name, Status, ConfigFiles (Docker Compose
    /// 2.40.3 knows only table and json)
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only display project names
    #[arg(short, long)]
    pub quiet: bool,
    /// Filter by a property (`name=demo`)
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
}

pub fn run(global: &GlobalOptions, args: LsArgs) -> anyhow::Result<i32> {
    output::status::listing_format(&args.format).map_err(anyhow::Error::msg)?;
    let name = match args.filter.as_deref().map(|f| f.split_once('=')) {
        None => None,
        Some(Some(("name", v))) => Some(v.to_string()),
        Some(_) => anyhow::bail!("invalid filter {:?}: only name=... is supported", args.filter.unwrap_or_default()),
    };
    let rows = session::call(global, false, |c| async move { c.ls(args.all, name.as_deref()).await })?;
    let text = if args.quiet {
        rows.iter().map(|r| format!("{}\n", r.name)).collect()
    } else if args.format == "json" {
        output::status::json_array(&rows)
    } else if matches!(args.format.as_str(), "table" | "") {
        output::status::ls_table(&rows)
    } else {
        let format = if args.format == "raw" { output::status::LS_RAW } else { &args.format };
        output::status::templated(format, &output::status::ls_fields(&rows), output::status::LS_COLUMNS)?
    };
    output::stdout(&text);
    Ok(0)
}
