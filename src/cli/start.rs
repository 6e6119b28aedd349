//! `rcompose start`: start existing containers.

use clap::Args;

use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Services to start (default: all)
    pub services: Vec<String>,
    /// Wait for the services (and what they depend on) to be running, or healthy when they have
    /// a healthcheck
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds (with --wait)
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
}

pub fn run(global: &GlobalOptions, args: StartArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    let timeout = args.wait_timeout.filter(|t| *t > 0).map(std::time::Duration::from_secs);
    if args.wait {
        return session::run(global, |c| async move { c.start_and_wait(&name, project.as_ref(), &args.services, timeout).await });
    }
    session::run(global, |c| async move { c.start(&name, project.as_ref(), &args.services).await })
}
