//! `rcompose build`: build the images of services that have a build section; and the image
//! flags `up` and `create` take (`--build`, `--no-build`, `--pull`).

use clap::Args;

use super::{session, GlobalOptions, Progress};
use crate::build::Overrides;
use crate::compose::BuildOptions;
use crate::reconcile::plan::{ImageOptions, PullPolicy};

#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Services to build (default: every service with a build section)
    pub services: Vec<String>,
    /// Do not use the build cache
    #[arg(long)]
    pub no_cache: bool,
    /// Always try to pull newer versions of the base images
    #[arg(long)]
    pub pull: bool,
    /// Set a build argument (KEY=VALUE, or KEY to take the value from the environment)
    #[arg(long = "build-arg", value_name = "KEY=VALUE")]
    pub build_args: Vec<String>,
    /// Print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: BuildArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &args.services)?;
    let opts = BuildOptions {
        services: args.services.clone(),
        overrides: Overrides { no_cache: args.no_cache, pull: args.pull, args: build_args(&args.build_args) },
    };
    session::run(&quiet_if(global, args.quiet), |c| async move { c.build(&project, &opts).await })
}

/// `KEY=VALUE` as given; `KEY` alone takes its value from the environment, and is dropped when
/// the variable is unset (as Docker Compose does).
fn build_args(flags: &[String]) -> std::collections::BTreeMap<String, String> {
    flags
        .iter()
        .filter_map(|f| match f.split_once('=') {
            Some((k, v)) => Some((k.to_string(), v.to_string())),
            None => std::env::var(f).ok().map(|v| (f.clone(), v)),
        })
        .collect()
}

/// The global options, with progress silenced when `quiet`.
pub(super) fn quiet_if(global: &GlobalOptions, quiet: bool) -> GlobalOptions {
    let mut g = global.clone();
    if quiet {
        g.progress = Progress::Quiet;
    }
    g
}

/// The flags of `up` and `create` about images.
#[derive(Debug, Args, Clone)]
pub struct ImageFlags {
    /// Build images before starting containers
    #[arg(long, conflicts_with = "no_build")]
    pub build: bool,
    /// Don't build an image, even if it's missing
    #[arg(long)]
    pub no_build: bool,
    /// Pull images before running: always, missing, never, or each service's pull_policy
    #[arg(long, value_name = "POLICY", default_value = "policy", value_parser = ["always", "missing", "never", "policy"])]
    pub pull: String,
}

impl ImageFlags {
    pub fn options(&self) -> ImageOptions {
        ImageOptions {
            pull: (self.pull != "policy").then(|| PullPolicy::parse(&self.pull)),
            build: self.build,
            no_build: self.no_build,
            ensured: false,
        }
    }
}
