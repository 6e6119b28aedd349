//! `rcompose start`: start existing containers.

use clap::Args;

use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct StartArgs {
    /// Services to start (default: all)
    pub services: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: StartArgs) -> anyhow::Result<i32> {
    let (name, project) = session::project_or_name(global, &args.services)?;
    session::run(global, |c| async move { c.start(&name, project.as_ref(), &args.services).await })
}
