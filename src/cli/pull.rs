//! `rcompose pull`: pull the images of the project's services.

use clap::Args;

use super::{build::quiet_if, session, GlobalOptions};
use crate::compose::PullOptions;
use crate::reconcile::plan;

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
    /// Also pull the images of the services the named ones depend on
    #[arg(long)]
    pub include_deps: bool,
    /// Skip the services that have a build section (their image can be built instead)
    #[arg(long)]
    pub ignore_buildable: bool,
    /// Pull policy for every service, instead of each one's pull_policy: `missing` pulls only
    /// images this engine does not have, `always` pulls them all (`never` and `build`, as in
    /// pull_policy, pull nothing)
    #[arg(long, value_name = "POLICY", value_parser = ["missing", "always", "never", "build", "if_not_present"])]
    pub policy: Option<String>,
}

pub fn run(global: &GlobalOptions, args: PullArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &args.services)?;
    let pull = plan::PullOptions {
        ignore_failures: args.ignore_pull_failures,
        ignore_buildable: args.ignore_buildable,
        policy: args.policy.as_deref().map(plan::PullPolicy::parse),
    };
    let opts = PullOptions { services: args.services.clone(), include_deps: args.include_deps, pull };
    session::run(&quiet_if(global, args.quiet), |c| async move { c.pull(&project, &opts).await })
}
