//! `rcompose up`: create and start the project's containers.

use clap::Args;
use tokio::sync::mpsc;

use super::{session, GlobalOptions};
use crate::compose::{Recreate, UpOptions};
use crate::logs::LogEvent;
use crate::output;
use crate::reconcile::plan;

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Services to start, with what they depend on (default: all)
    pub services: Vec<String>,
    /// Run containers in the background
    #[arg(short, long)]
    pub detach: bool,
    #[command(flatten)]
    pub create: CreateFlags,
    /// Don't start the containers, only create them
    #[arg(long)]
    pub no_start: bool,
    /// Wait for the services to be running or healthy; implies --detach
    #[arg(long)]
    pub wait: bool,
    /// Give up waiting after this many seconds
    #[arg(long, value_name = "SECONDS")]
    pub wait_timeout: Option<u64>,
    /// Don't start linked services
    #[arg(long)]
    pub no_deps: bool,
    /// Seconds to wait for containers to stop before killing them
    #[arg(short, long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    /// Watch the services' files and update their containers when files change
    #[arg(short, long)]
    pub watch: bool,
}

/// Flags `up` and `create` share.
#[derive(Debug, Args)]
pub struct CreateFlags {
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long, conflicts_with = "no_recreate")]
    pub force_recreate: bool,
    /// Don't recreate containers that exist, even if their configuration changed
    #[arg(long)]
    pub no_recreate: bool,
    /// Remove containers of services not defined in the compose file
    #[arg(long)]
    pub remove_orphans: bool,
    /// Run this many containers of a service (overrides `scale` in the file)
    #[arg(long, value_name = "SERVICE=NUM", value_parser = parse_scale)]
    pub scale: Vec<(String, u32)>,
    #[command(flatten)]
    pub images: super::build::ImageFlags,
}

impl CreateFlags {
    pub fn options(&self, global: &GlobalOptions, services: &[String], no_deps: bool, timeout: Option<i64>) -> UpOptions {
        let recreate = match (self.force_recreate, self.no_recreate) {
            (true, _) => Recreate::Force,
            (_, true) => Recreate::Never,
            _ => Recreate::Diverged,
        };
        let env_files = global.load_options(services).env_files;
        UpOptions {
            services: services.to_vec(),
            no_deps,
            converge: plan::UpOptions {
                recreate,
                remove_orphans: self.remove_orphans,
                scale: self.scale.iter().cloned().collect(),
                images: self.images.options(),
                timeout: session::timeout(timeout),
                environment_file: (!env_files.is_empty()).then(|| env_files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(",")),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

fn parse_scale(s: &str) -> Result<(String, u32), String> {
    let (service, n) = s.split_once('=').ok_or_else(|| format!("invalid --scale {s:?}: expected SERVICE=NUM"))?;
    let n = n.parse().map_err(|_| format!("invalid --scale {s:?}: {n:?} is not a number of containers"))?;
    Ok((service.to_string(), n))
}

pub fn run(global: &GlobalOptions, args: UpArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &args.services)?;
    let mut opts = args.create.options(global, &args.services, args.no_deps, args.timeout);
    opts.converge.no_start = args.no_start;
    opts.wait = args.wait;
    opts.wait_timeout = args.wait_timeout.map(std::time::Duration::from_secs);
    if args.watch {
        return super::watch::up_and_watch(global, project, opts, args.detach || args.wait);
    }
    if args.detach || args.wait || args.no_start {
        return session::run(global, |c| async move { c.up(&project, &opts).await });
    }
    session::run(global, |c| async move {
        let (tx, rx) = mpsc::channel(256);
        let (result, ()) = tokio::join!(c.up_attached(&project, &opts, tx), print_logs(rx));
        result
    })
}

/// Prints followed logs as `service-1  | line`, names padded to the longest seen so far.
pub(super) async fn print_logs(mut rx: mpsc::Receiver<LogEvent>) {
    let mut width = 0;
    while let Some(event) = rx.recv().await {
        match event {
            LogEvent::Line { source, text, .. } => {
                width = width.max(source.label.len());
                output::stdout(&format!("{:width$}  | {text}", source.label));
            }
            LogEvent::Exited { source, exit_code } => output::stdout(&format!("{} exited with code {exit_code}", source.name)),
            LogEvent::Attached { source } => {
                width = width.max(source.label.len());
                output::stdout(&format!("Attaching to {}", source.name));
            }
        }
    }
}
