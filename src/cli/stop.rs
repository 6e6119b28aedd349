//! `rcompose stop`: stop running containers without removing them.

use clap::Args;

use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Services to stop (default: all)
    pub services: Vec<String>,
    /// Seconds to wait for a container to stop before killing it
    #[arg(short, long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<i64>,
}

pub fn run(global: &GlobalOptions, args: StopArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    let timeout = session::timeout(args.timeout);
    session::run(global, |c| async move { c.stop(&name, project.as_ref(), &args.services, timeout).await })
}
