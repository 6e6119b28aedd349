//! `rcompose restart`: stop and start containers again.

use clap::Args;

use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Services to restart (default: all)
    pub services: Vec<String>,
    /// Seconds to wait for a container to stop before killing it
    #[arg(short, long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    /// Don't restart the services that depend on these with `restart: true`
    #[arg(long)]
    pub no_deps: bool,
}

pub fn run(global: &GlobalOptions, args: RestartArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    let timeout = session::timeout(args.timeout);
    session::run(global, |c| async move { c.restart(&name, project.as_ref(), &args.services, args.no_deps, timeout).await })
}
