//! `rcompose pull`: pull the images of the project's services.

use clap::Args;

use super::{build::quiet_if, session, GlobalOptions};
use crate::compose::PullOptions;

#[derive(Debug, Args)]
pub struct PullArgs {
    /// Services whose images to pull (default: all)
    pub services: Vec<String>,
    /// Pull what can be pulled, and only warn about the rest
    #[arg(long)]
    pub ignore_pull_failures: bool,
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: PullArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &args.services)?;
    let opts = PullOptions { services: args.services.clone(), ignore_failures: args.ignore_pull_failures };
    session::run(&quiet_if(global, args.quiet), |c| async move { c.pull(&project, &opts).await })
}
