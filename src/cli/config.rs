//! `rcompose config`: load the project and print it, or a part of it.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

use super::{session, GlobalOptions};
use crate::output;
use crate::render::{self, ConfigFormat, ConfigQuery};

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Services to include (default: all enabled services)
    pub services: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "yaml")]
    pub format: Format,
    /// Only check the files; print nothing but errors
    #[arg(short, long)]
    pub quiet: bool,
    /// Print the service names, one per line
    #[arg(long = "services", id = "list_services")]
    pub services_only: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Print the network names, one per line
    #[arg(long)]
    pub networks: bool,
    /// Print the image names, one per line
    #[arg(long)]
    pub images: bool,
    /// Print the profile names, one per line
    #[arg(long = "profiles", id = "list_profiles")]
    pub profiles: bool,
    /// Print the configuration hash of these services (comma-separated, or `*` for all)
    #[arg(long, value_name = "SERVICES")]
    pub hash: Option<String>,
    /// Print each variable the files use, its value and where the value comes from
    #[arg(long)]
    pub variables: bool,
    /// Print the models the project uses (top-level `models`), one per line
    #[arg(long)]
    pub models: bool,
    /// Print every variable interpolation sees (shell and .env files), `KEY=value`, sorted
    #[arg(long)]
    pub environment: bool,
    /// Accepted for Docker Compose 2.40 compatibility; env files are read into `environment`
    /// all the same, as 2.40.3 prints them
    #[arg(long)]
    pub no_env_resolution: bool,
    /// Leave ${VARIABLES} as written
    #[arg(long)]
    pub no_interpolate: bool,
    /// Do not add defaults (the default network, resource names)
    #[arg(long)]
    pub no_normalize: bool,
    /// Do not check that referenced services, networks and volumes exist
    #[arg(long)]
    pub no_consistency: bool,
    /// Leave relative paths as written
    #[arg(long)]
    pub no_path_resolution: bool,
    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Pin each service's image to its digest (image:tag@sha256:...), asked of its registry
    /// with the credentials `docker login` stored (or, when the registry cannot be reached, as
    /// this engine recorded it at the last pull or push)
    #[arg(long, conflicts_with = "no_interpolate")]
    pub resolve_image_digests: bool,
    /// Print an override file that pins each service's image to its digest (found as
    /// --resolve-image-digests finds it), to pass with -f after the project's files
    #[arg(long, conflicts_with = "no_interpolate")]
    pub lock_image_digests: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

pub fn run(global: &GlobalOptions, args: ConfigArgs) -> anyhow::Result<i32> {
    let mut opts = global.load_options(&args.services);
    opts.interpolate = !args.no_interpolate;
    opts.normalize = !args.no_normalize;
    opts.consistency = !args.no_consistency;
    opts.resolve_paths = !args.no_path_resolution;
    let query = if args.services_only {
        ConfigQuery::Services
    } else if args.volumes {
        ConfigQuery::Volumes
    } else if args.networks {
        ConfigQuery::Networks
    } else if args.images {
        ConfigQuery::Images
    } else if args.profiles {
        ConfigQuery::Profiles
    } else if let Some(h) = args.hash {
        ConfigQuery::Hash(h)
    } else if args.variables {
        ConfigQuery::Variables
    } else if args.models {
        ConfigQuery::Models
    } else if args.environment {
        ConfigQuery::Environment
    } else if args.lock_image_digests {
        ConfigQuery::LockedImages(match args.format {
            Format::Yaml => ConfigFormat::Yaml,
            Format::Json => ConfigFormat::Json,
        })
    } else {
        ConfigQuery::Model(match args.format {
            Format::Yaml => ConfigFormat::Yaml,
            Format::Json => ConfigFormat::Json,
        })
    };
    let resolve = args.resolve_image_digests || args.lock_image_digests;
    let pin = |p: &mut crate::model::Project| match resolve {
        false => Ok(()),
        true => session::call(global, false, |c| async move { c.pin_image_digests(p).await })
            .map_err(|e| crate::loader::Diagnostic::plain(format!("{e:#}"))),
    };
    let (text, warnings) = render::render_with(&opts, &args.services, &query, pin)?;
    for w in warnings {
        output::warn(&w);
    }
    if args.quiet {
        return Ok(0);
    }
    match args.output {
        Some(path) => std::fs::write(&path, text)?,
        None => output::stdout(&text),
    }
    Ok(0)
}
