//! `rcompose push`: push the images of the services that build them to their registries.

use clap::Args;

use super::{build::quiet_if, session, GlobalOptions};
use crate::compose::PushOptions;

#[derive(Debug, Args)]
pub struct PushArgs {
    /// Services whose images to push (default: all). Only a service with both a build section
    /// and an `image:` name is pushed, under that name and its build.tags; the registry is the
    /// one the name gives (`registry.example:5000/team/app:1`), logged in to with the
    /// credentials `docker login` stored
    pub services: Vec<String>,
    /// Push what can be pushed, and only warn about the images that fail
    #[arg(long)]
    pub ignore_push_failures: bool,
    /// Also push the images of the services the named ones depend on
    #[arg(long)]
    pub include_deps: bool,
    /// Push without printing progress information
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: PushArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &args.services)?;
    let opts = PushOptions { services: args.services.clone(), include_deps: args.include_deps, ignore_failures: args.ignore_push_failures };
    session::run(&quiet_if(global, args.quiet), |c| async move { c.push(&project, &opts).await })
}
