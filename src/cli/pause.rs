//! `rcompose pause`: freeze the processes of running containers.

use clap::Args;

use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct PauseArgs {
    /// Services to pause (default: all)
    pub services: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: PauseArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    session::run(global, |c| async move { c.pause(&name, project.as_ref(), &args.services).await })
}
