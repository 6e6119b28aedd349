//! `rcompose kill`: send a signal to running containers.

use clap::Args;

use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct KillArgs {
    /// Services to signal (default: all)
    pub services: Vec<String>,
    /// Signal to send
    #[arg(short, long, default_value = "SIGKILL")]
    pub signal: String,
    /// Also signal the containers of services no longer in the compose file (orphans), as
    /// Docker Compose does; like Docker Compose, this does not remove them (`down` does)
    #[arg(long)]
    pub remove_orphans: bool,
}

pub fn run(global: &GlobalOptions, args: KillArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    session::run(global, |c| async move { c.kill(&name, project.as_ref(), &args.services, Some(&args.signal), args.remove_orphans).await })
}
