//! `rcompose watch`: bring the services up, then follow their `develop.watch` rules.

use std::sync::Arc;

use clap::Args;

use super::{session, GlobalOptions};
use crate::compose::{self, AttachOptions, Compose, UpOptions};
use crate::model::Project;
use crate::output::{self, logs::LogPrinter};
use crate::watch::{self, Notice, NoticeSink, WatchOptions};

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Services to watch (default: all that have watch rules)
    pub services: Vec<String>,
    /// Do not build and start the services before watching
    #[arg(long)]
    pub no_up: bool,
    /// Remove dangling images after a rebuild
    #[arg(long)]
    pub prune: bool,
    /// Hide build output
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(global: &GlobalOptions, args: WatchArgs) -> anyhow::Result<i32> {
    let project = session::project(global, &args.services)?;
    let opts = WatchOptions {
        services: args.services.clone(),
        no_up: args.no_up,
        prune: args.prune,
        up: UpOptions::default(),
        loader: global.load_options(&args.services),
        timing: Default::default(),
    };
    watch_until_interrupted(global, project, opts, args.quiet)
}

/// Watches with the terminal as the notice sink until Ctrl-C; `quiet` hides build output.
pub fn watch_until_interrupted(global: &GlobalOptions, project: Project, opts: WatchOptions, quiet_build: bool) -> anyhow::Result<i32> {
    let cancel = tokio_util::sync::CancellationToken::new();
    let quiet = global.progress == super::Progress::Quiet;
    let result = compose::block_on(&cancel, None, async {
        let mut c = Compose::connect().await?;
        c.cancel = cancel.clone();
        if !quiet {
            c.events = Arc::new(output::event);
            if !quiet_build {
                c.details = Arc::new(output::detail);
            }
        }
        c.warn = Arc::new(output::warn);
        watch::run(&c, project, &opts, notices()).await
    });
    // Watching ends with Ctrl-C: exit 130, as Docker Compose's watch does.
    session::interrupted(&cancel, result)?;
    Ok(0)
}

/// Notices on the terminal: warnings on standard error, the rest on standard output.
pub fn notices() -> NoticeSink {
    Arc::new(|n: &Notice| match n {
        Notice::Warning(w) => output::warn(w),
        other => output::stdout(&other.to_string()),
    })
}

/// `up --watch`: brings the services up, then watches them; unless `detach`, their logs are
/// followed at the same time (as `attach` says, printed by `printer`) and Ctrl-C stops them, as
/// `up` does.
pub fn up_and_watch(global: &GlobalOptions, project: Project, up: UpOptions, detach: bool, attach: AttachOptions, mut printer: LogPrinter) -> anyhow::Result<i32> {
    let opts = WatchOptions {
        services: up.services.clone(),
        no_up: true,
        prune: false,
        up: up.clone(),
        loader: global.load_options(&up.services),
        timing: Default::default(),
    };
    let (cancel, force) = (tokio_util::sync::CancellationToken::new(), tokio_util::sync::CancellationToken::new());
    let progress = global.progress != super::Progress::Quiet;
    let result = compose::block_on(&cancel, Some(&force), async {
        let mut c = Compose::connect().await?;
        c.cancel = cancel.clone();
        c.force = force.clone();
        if progress {
            c.events = Arc::new(output::event);
            c.details = Arc::new(output::detail);
        }
        c.warn = Arc::new(output::warn);
        c.up(&project, &up).await?;
        if detach {
            watch::run(&c, project, &opts, notices()).await?;
            return Ok(0);
        }
        let (tx, rx) = tokio::sync::mpsc::channel(256);
        let watcher = async {
            let r = watch::run(&c, project.clone(), &opts, notices()).await;
            // A watcher that cannot start stops the whole command.
            if r.is_err() {
                cancel.cancel();
            }
            r
        };
        let (attached, (), watched) = tokio::join!(c.up_attached(&project, &up, &attach, tx), printer.print_attached(rx), watcher);
        watched?;
        anyhow::Ok(attached?.exit_code)
    });
    session::interrupted(&cancel, result)
}
