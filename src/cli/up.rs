//! `rcompose up`: create and start the project's containers.

use clap::Args;
use tokio::sync::mpsc;

use super::{session, GlobalOptions};
use crate::compose::{AttachOptions, OnExit, Recreate, UpOptions};
use crate::output::{self, logs::LogPrinter};
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
    /// Don't start the services the named ones depend on
    #[arg(long)]
    pub no_deps: bool,
    /// Recreate the containers of the services the named ones depend on, even if unchanged
    #[arg(long, conflicts_with = "no_recreate")]
    pub always_recreate_deps: bool,
    /// Recreate anonymous volumes instead of retrieving data from the previous containers
    #[arg(short = 'V', long)]
    pub renew_anon_volumes: bool,
    /// Seconds to wait for containers to stop before killing them
    #[arg(short, long, value_name = "SECONDS", allow_negative_numbers = true)]
    pub timeout: Option<i64>,
    /// Watch the services' files and update their containers when files change
    #[arg(short, long)]
    pub watch: bool,
    /// Build without showing the builds' output (they still say when they start and end)
    #[arg(long)]
    pub quiet_build: bool,
    #[command(flatten)]
    pub attached: AttachFlags,
}

/// What attached `up` shows, and when it stops by itself.
#[derive(Debug, Args)]
pub struct AttachFlags {
    /// Stop all containers if any container stops; incompatible with --detach
    #[arg(long)]
    pub abort_on_container_exit: bool,
    /// Stop all containers if any container exits with a non-zero code; incompatible with --detach
    #[arg(long)]
    pub abort_on_container_failure: bool,
    /// Return the exit code of this service's container; implies --abort-on-container-exit
    #[arg(long, value_name = "SERVICE")]
    pub exit_code_from: Option<String>,
    /// Show only the output of this service (repeatable); incompatible with --attach-dependencies
    #[arg(long, value_name = "SERVICE")]
    pub attach: Vec<String>,
    /// Don't show the output of this service (repeatable)
    #[arg(long, value_name = "SERVICE")]
    pub no_attach: Vec<String>,
    /// Show the output of the named services' dependencies too
    #[arg(long)]
    pub attach_dependencies: bool,
    /// Show timestamps
    #[arg(long)]
    pub timestamps: bool,
    /// Don't print the container prefix
    #[arg(long)]
    pub no_log_prefix: bool,
    /// Produce monochrome output
    #[arg(long)]
    pub no_color: bool,
}

impl AttachFlags {
    /// The options of attached `up`, checking the flags that exclude each other as Docker
    /// Compose does. `detach` is `-d` or `--wait`.
    fn options(&self, detach: bool, wait: bool) -> anyhow::Result<AttachOptions> {
        let abort = self.abort_on_container_exit || (self.exit_code_from.is_some() && !self.abort_on_container_failure);
        if abort && self.abort_on_container_failure {
            anyhow::bail!("--abort-on-container-failure cannot be combined with --abort-on-container-exit");
        }
        if wait && (self.attach_dependencies || abort || !self.attach.is_empty()) {
            anyhow::bail!("--wait cannot be combined with --abort-on-container-exit, --attach or --attach-dependencies");
        }
        if detach && (self.attach_dependencies || abort || self.abort_on_container_failure || !self.attach.is_empty()) {
            anyhow::bail!("--detach cannot be combined with --abort-on-container-exit, --abort-on-container-failure, --attach or --attach-dependencies");
        }
        if !self.attach.is_empty() && self.attach_dependencies {
            anyhow::bail!("cannot combine --attach and --attach-dependencies");
        }
        let on_exit = match (abort, self.abort_on_container_failure) {
            (true, _) => OnExit::Abort,
            (false, true) => OnExit::AbortOnFailure,
            (false, false) => OnExit::Ignore,
        };
        Ok(AttachOptions {
            attach: self.attach.clone(),
            no_attach: self.no_attach.clone(),
            dependencies: self.attach_dependencies,
            on_exit,
            exit_code_from: self.exit_code_from.clone(),
            timestamps: self.timestamps,
        })
    }

    pub(super) fn printer(&self, global: &GlobalOptions) -> LogPrinter {
        LogPrinter::new(global.log_colors(self.no_color), !self.no_log_prefix)
    }
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
    #[arg(long, value_name = "SERVICE=NUM")]
    pub scale: Vec<String>,
    /// Assume "yes" as the answer to every question and run non-interactively. Today's one
    /// question: a named volume whose configuration changed in the file is recreated, with the
    /// containers that mount it, and its data is lost (without -y it is kept, with a warning)
    #[arg(short, long)]
    pub yes: bool,
    #[command(flatten)]
    pub images: super::build::ImageFlags,
}

impl CreateFlags {
    /// The options of `up` and `create`; a malformed `--scale` is refused here (exit code 1,
    /// as in Docker Compose), not by the parser.
    pub fn options(&self, global: &GlobalOptions, services: &[String], no_deps: bool, timeout: Option<i64>) -> anyhow::Result<UpOptions> {
        let recreate = match (self.force_recreate, self.no_recreate) {
            (true, _) => Recreate::Force,
            (_, true) => Recreate::Never,
            _ => Recreate::Diverged,
        };
        let recreate_dependencies = if self.no_recreate { Recreate::Never } else { Recreate::Diverged };
        let env_files = global.load_options(services).env_files;
        let scale = self.scale.iter().map(|s| parse_scale(s)).collect::<Result<_, _>>()?;
        Ok(UpOptions {
            services: services.to_vec(),
            no_deps,
            converge: plan::UpOptions {
                recreate,
                named: services.iter().cloned().collect(),
                recreate_dependencies,
                remove_orphans: self.remove_orphans,
                assume_yes: self.yes,
                scale,
                images: self.images.options(),
                timeout: session::timeout(timeout),
                environment_file: (!env_files.is_empty())
                    .then(|| env_files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(",")),
                ..Default::default()
            },
            ..Default::default()
        })
    }
}

fn parse_scale(s: &str) -> anyhow::Result<(String, u32)> {
    let (service, n) = s.split_once('=').ok_or_else(|| anyhow::anyhow!("invalid --scale {s:?}: expected SERVICE=NUM"))?;
    let n = n.parse().map_err(|_| anyhow::anyhow!("invalid --scale {s:?}: {n:?} is not a number of containers"))?;
    Ok((service.to_string(), n))
}

pub fn run(global: &GlobalOptions, args: UpArgs) -> anyhow::Result<i32> {
    let attach = args.attached.options(args.detach || args.wait, args.wait)?;
    let project = session::project(global, &args.services)?;
    let mut opts = args.create.options(global, &args.services, args.no_deps, args.timeout)?;
    if args.always_recreate_deps {
        opts.converge.recreate_dependencies = Recreate::Force;
    }
    opts.converge.no_start = args.no_start;
    opts.converge.renew_anon_volumes = args.renew_anon_volumes;
    opts.converge.images.quiet_build = args.quiet_build;
    opts.wait = args.wait;
    opts.wait_timeout = args.wait_timeout.map(std::time::Duration::from_secs);
    if args.watch {
        let printer = args.attached.printer(global);
        return super::watch::up_and_watch(global, project, opts, args.detach || args.wait, attach, printer);
    }
    if args.detach || args.wait || args.no_start {
        return session::run(global, |c| async move { c.up(&project, &opts).await });
    }
    let mut printer = args.attached.printer(global);
    let attached = session::call(global, true, |c| async move {
        let (tx, rx) = mpsc::channel(256);
        let (result, ()) = tokio::join!(c.up_attached(&project, &opts, &attach, tx), printer.print_attached(rx));
        result
    })?;
    if global.dry_run {
        output::stdout(&attached.plan.to_string());
    }
    Ok(attached.exit_code)
}
