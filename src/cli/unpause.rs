//! `rcompose unpause`: thaw paused containers.

use clap::Args;

use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct UnpauseArgs {
    /// Services to unpause (default: all)
    pub services: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: UnpauseArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    session::run(global, |c| async move { c.unpause(&name, project.as_ref(), &args.services).await })
}
