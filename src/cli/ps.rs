//! `rcompose ps`: the project's containers.

use clap::Args;

use super::{session, GlobalOptions};
use crate::output;
use crate::status::{self, ps::PsOptions, Scope};

#[derive(Debug, Args)]
pub struct PsArgs {
    /// Only containers of these services
    pub services: Vec<String>,
    /// Show stopped containers too (and those created by `run`)
    #[arg(short, long)]
    pub all: bool,
    /// Only display container IDs
    #[arg(short, long)]
    pub quiet: bool,
    /// Display service names
    #[arg(long = "services", id = "list_services")]
    pub list_services: bool,
    /// Output format: `table` (the default), `json`, a Go template (`{{.Name}} {{.State}}`), or
    /// `table` followed by a template for aligned columns under a header
    /// (`table {{.Service}}\t{{.Status}}`); fields: ID, Name, Names, Project, Service, Image, Command,
    /// CreatedAt, RunningFor, Ports, Publishers, State, Status, Health, ExitCode, Size, Labels,
    /// Mounts, LocalVolumes, Networks
    #[arg(long, default_value = "table")]
    pub format: String,
    /// Only containers in this state (paused, restarting, removing, running, dead, created,
    /// exited); repeatable
    #[arg(long, value_name = "STATUS")]
    pub status: Vec<String>,
    /// Filter by a property (`status=running`)
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
    /// Don't truncate output
    #[arg(long)]
    pub no_trunc: bool,
    /// Include containers of services the compose file does not declare
    #[arg(long, default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub orphans: bool,
}

pub fn run(global: &GlobalOptions, args: PsArgs) -> anyhow::Result<i32> {
    let mut status_filter = args.status.clone();
    if let Some(f) = &args.filter {
        match f.split_once('=') {
            Some(("status", v)) => status_filter.push(v.to_string()),
            _ => anyhow::bail!("unknown filter {}", f.split('=').next().unwrap_or(f)),
        }
    }
    let scope = scope(global, &args.services, true)?;
    let opts = PsOptions { all: args.all, status: status_filter, orphans: args.orphans, no_trunc: args.no_trunc || args.quiet };
    let rows = session::call(global, false, |c| async move { c.ps(&scope, &opts).await })?;
    let text = if args.quiet {
        rows.iter().map(|r| format!("{}\n", r.id)).collect()
    } else if args.list_services {
        let mut services: Vec<&str> = rows.iter().map(|r| r.service.as_str()).collect();
        services.sort_unstable();
        services.dedup();
        services.iter().map(|s| format!("{s}\n")).collect()
    } else if args.format == "json" {
        output::status::ps_json(&rows)
    } else if matches!(args.format.as_str(), "table" | "") {
        output::status::ps_table(&rows)
    } else {
        let format = if args.format == "raw" { output::status::PS_RAW } else { &args.format };
        output::status::templated(format, &output::status::ps_fields(&rows), output::status::PS_COLUMNS)?
    };
    output::stdout(&text);
    Ok(0)
}

/// The containers `ps`, `logs`, `images` and `top` look at. As in Docker Compose, a service the
/// loaded project does not declare is refused by `ps` and `logs` (`refuse_unknown`), while
/// `images` and `top` select nothing for it and succeed (we warn); without a project (`-p`
/// alone) the labels decide.
pub(super) fn scope(global: &GlobalOptions, services: &[String], refuse_unknown: bool) -> anyhow::Result<Scope> {
    let (name, project) = session::project_or_name(global, services)?;
    for s in status::unknown_services(project.as_ref(), services) {
        if refuse_unknown {
            anyhow::bail!("no such service: {s}");
        }
        output::warn(&format!("no such service: {s}"));
    }
    Ok(Scope::new(&name, project.as_ref(), services))
}
