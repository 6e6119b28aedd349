//! `rcompose create`: create the project's containers without starting them.

use clap::Args;

use super::up::CreateFlags;
use super::{session, GlobalOptions};

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Services to create, with what they depend on (default: all)
    pub services: Vec<String>,
    #[command(flatten)]
    pub create: CreateFlags,
}

pub fn run(global: &GlobalOptions, args: CreateArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &args.services)?;
    let opts = args.create.options(global, &args.services, false, None)?;
    session::run(global, |c| async move { c.create(&project, &opts).await })
}
