//! `rcompose stack`: the project deployed to a Docker Swarm (`deploy`, `ps`, `services`, `rm`,
//! `ls`), named and labelled as `docker stack` names them, so both tools manage one stack.

use clap::{Args, Subcommand, ValueEnum};

use super::{session, GlobalOptions};
use crate::output;
use crate::stack::{DeployOptions, ResolveImage};

#[derive(Debug, Args)]
pub struct StackArgs {
    #[command(subcommand)]
    pub command: StackCommand,
}

#[derive(Debug, Subcommand)]
pub enum StackCommand {
    /// Create or update the stack's services, networks, secrets and configs on the swarm
    ///
    /// The stack is named after the project (`-p`, `name:` or the directory). Only the
    /// services whose spec changed are updated; `depends_on` is honoured (a service is
    /// deployed once its dependencies run, are healthy, or completed, as the condition says).
    Deploy(DeployArgs),
    /// List the tasks of the stack
    Ps(PsArgs),
    /// List the services of the stack
    Services(FormatArgs),
    /// Remove the stack's services, networks, secrets and configs
    Rm,
    /// List the stacks on the swarm
    Ls(FormatArgs),
}

#[derive(Debug, Args)]
pub struct DeployArgs {
    /// Return only once every service has its tasks running (and healthy, if it has a
    /// healthcheck); fail with the failing task's error, service and node
    #[arg(long)]
    pub wait: bool,
    /// With --wait (and for depends_on gates), give up after this many seconds
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Remove the stack's services that are no longer in the compose file
    #[arg(long)]
    pub prune: bool,
    /// Pin images to their registry digest: always, only when the image changed in the file,
    /// or never
    #[arg(long, value_enum, default_value = "always", value_name = "WHEN")]
    pub resolve_image: Resolve,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Resolve {
    Always,
    Changed,
    Never,
}

#[derive(Debug, Args)]
pub struct PsArgs {
    #[command(flatten)]
    pub format: FormatArgs,
    /// Show the tasks' errors whole (they are cut to 30 characters otherwise)
    #[arg(long)]
    pub no_trunc: bool,
}

#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format: table or json (one object per line)
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    pub format: String,
    /// Only display ids (names for `ls`)
    #[arg(short, long)]
    pub quiet: bool,
}

impl StackArgs {
    /// Whether the command reports progress events (`deploy` and `rm` do).
    pub fn shows_progress(&self) -> bool {
        matches!(self.command, StackCommand::Deploy(_) | StackCommand::Rm)
    }
}

pub fn run(global: &GlobalOptions, args: StackArgs) -> anyhow::Result<i32> {
    match args.command {
        StackCommand::Deploy(a) => deploy(global, a),
        StackCommand::Ps(a) => {
            let (name, _) = session::project_or_name(global, &[])?;
            let rows = session::call_with(global, false, |c| async move { c.stack_ps(&name, a.no_trunc).await })?;
            print(&a.format, &rows, |r| &r.id, output::stack::ps_table)
        }
        StackCommand::Services(f) => {
            let (name, _) = session::project_or_name(global, &[])?;
            let rows = session::call_with(global, false, |c| async move { c.stack_services(&name).await })?;
            print(&f, &rows, |r| &r.id, output::stack::services_table)
        }
        StackCommand::Rm => {
            let (name, _) = session::project_or_name(global, &[])?;
            session::call_with(global, false, |c| async move { c.stack_rm(&name).await })?;
            Ok(0)
        }
        StackCommand::Ls(f) => {
            let rows = session::call_with(global, false, |c| async move { c.stack_ls().await })?;
            print(&f, &rows, |r| &r.name, output::stack::ls_table)
        }
    }
}

fn deploy(global: &GlobalOptions, a: DeployArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &[])?;
    let opts = DeployOptions {
        resolve_image: match a.resolve_image {
            Resolve::Always => ResolveImage::Always,
            Resolve::Changed => ResolveImage::Changed,
            Resolve::Never => ResolveImage::Never,
        },
        prune: a.prune,
        wait: a.wait,
        wait_timeout: a.wait_timeout.map(std::time::Duration::from_secs),
    };
    let plan = session::call_with(global, false, |c| async move { c.stack_deploy(&project, &opts).await })?;
    if global.dry_run {
        output::stdout(&plan.to_string());
    }
    Ok(0)
}

fn print<R: serde::Serialize>(
    f: &FormatArgs,
    rows: &[R],
    id: impl Fn(&R) -> &String,
    table: impl Fn(&[R]) -> String,
) -> anyhow::Result<i32> {
    let text = if f.quiet {
        rows.iter().map(|r| format!("{}\n", id(r))).collect()
    } else if f.format == "json" {
        rows.iter().map(|r| serde_json::to_string(r).unwrap_or_default() + "\n").collect()
    } else {
        table(rows)
    };
    output::stdout(&text);
    Ok(0)
}
