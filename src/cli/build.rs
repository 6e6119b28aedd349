//! `rcompose build`: build the images of services that have a build section; and the image
//! flags `up` and `create` take (`--build`, `--no-build`, `--pull`).

use clap::Args;

use super::{session, GlobalOptions};
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
    /// Also build the images of the services the named ones depend on, transitively
    #[arg(long)]
    pub with_dependencies: bool,
    /// Memory limit of the build's RUN steps (bytes, or a number with a unit: 512m, 2g)
    #[arg(short, long, value_name = "BYTES", value_parser = memory)]
    pub memory: Option<i64>,
    /// After building, push each image a service names with `image:` (and its build.tags) to
    /// its registry
    #[arg(long)]
    pub push: bool,
    /// SSH agent socket or keys for the build (`default` for $SSH_AUTH_SOCK). Not supported:
    /// the engine's classic builder, which rcompose uses, cannot pass SSH to a build
    #[arg(long, value_name = "ID=SOCKET|KEYS")]
    pub ssh: Option<String>,
    /// Buildx builder to use. rcompose builds with the engine's classic builder: any name
    /// other than `default` is accepted with a warning that it is not used
    #[arg(long, value_name = "NAME")]
    pub builder: Option<String>,
    /// Print, instead of building, the bake file (JSON) Docker Compose would give
    /// `docker buildx bake` for these builds
    #[arg(long)]
    pub print: bool,
    /// Check the build configuration with BuildKit's linter. The classic builder rcompose uses
    /// has none: the images are built, with a warning, as Docker Compose does without buildx
    #[arg(long)]
    pub check: bool,
    /// Add a provenance attestation (BuildKit only: refused unless `false`)
    #[arg(long, value_name = "VALUE")]
    pub provenance: Option<String>,
    /// Add an SBOM attestation (BuildKit only: refused unless `false`)
    #[arg(long, value_name = "VALUE")]
    pub sbom: Option<String>,
}

/// `--memory`: a size as Docker reads it.
fn memory(value: &str) -> Result<i64, String> {
    crate::model::Bytes::parse(value).map(|b| b.0)
}

pub fn run(global: &GlobalOptions, args: BuildArgs) -> anyhow::Result<i32> {
    for (flag, value) in [("--provenance", &args.provenance), ("--sbom", &args.sbom)] {
        if value.as_deref().is_some_and(|v| !matches!(v, "false" | "0")) {
            anyhow::bail!(
                "{flag}: attestations need BuildKit, and rcompose builds with the engine's classic builder, which cannot add them \
                 (Docker Compose refuses them the same way on the docker driver)"
            );
        }
    }
    let project = session::project(global, &args.services)?;
    if args.print {
        let selected: Vec<String> =
            if args.services.is_empty() { project.services.keys().cloned().collect() } else { args.services.clone() };
        let overrides = Overrides { no_cache: args.no_cache, pull: args.pull, args: build_args(&args.build_args), ..Default::default() };
        crate::output::stdout(&crate::render::bake::bake_file(&project, &selected, &overrides, args.push));
        return Ok(0);
    }
    if args.check {
        crate::output::warn("--check: the classic builder has no build checks; building without them");
    }
    let overrides = Overrides {
        no_cache: args.no_cache,
        pull: args.pull,
        args: build_args(&args.build_args),
        memory: args.memory,
        ssh: args.ssh.into_iter().collect(),
    };
    let opts = BuildOptions {
        services: args.services.clone(),
        with_dependencies: args.with_dependencies,
        overrides,
        push: args.push,
        builder: args.builder,
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
        g.progress = crate::output::progress::Requested::Quiet;
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
    /// Pull without showing each layer's progress
    #[arg(long)]
    pub quiet_pull: bool,
}

impl ImageFlags {
    pub fn options(&self) -> ImageOptions {
        ImageOptions {
            pull: (self.pull != "policy").then(|| PullPolicy::parse(&self.pull)),
            build: self.build,
            no_build: self.no_build,
            ensured: false,
            quiet_pull: self.quiet_pull,
            ..Default::default()
        }
    }
}
