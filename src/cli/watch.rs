//! `rcompose watch`: bring the services up, then follow their `develop.watch` rules.

use std::sync::Arc;

use clap::Args;

use super::{session, GlobalOptions};
use tokio::sync::mpsc;

use crate::compose::{AttachOptions, UpOptions};
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
    /// Remove the image a rebuild leaves dangling (on by default; `--prune=false` keeps it)
    #[arg(long, num_args = 0..=1, require_equals = true, default_value_t = true, default_missing_value = "true", action = clap::ArgAction::Set)]
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

/// Watches with the terminal as the notice sink until Ctrl-C, which exits 130 as Docker
/// Compose does; `quiet` hides build output.
pub fn watch_until_interrupted(global: &GlobalOptions, project: Project, opts: WatchOptions, quiet_build: bool) -> anyhow::Result<i32> {
    // Watching ends with Ctrl-C: exit 130, as Docker Compose's watch does.
    session::call_with(global, false, |mut c| async move {
        if quiet_build {
            c.details = Arc::new(|_: &output::Detail| {});
        }
        watch::run(&c, project, &opts, notices()).await
    })?;
    Ok(0)
}

/// Notices on the terminal: warnings on standard error, the rest on standard output.
pub fn notices() -> NoticeSink {
    Arc::new(|n: &Notice| match n {
        Notice::Warning(w) => output::warn(w),
        other => output::stdout(&other.to_string()),
    })
}

/// `up --watch`: brings the services up, then watches them until Ctrl-C; unless `detach`,
/// attached `up` runs beside the watcher (see `watch::up_attached`), its output printed by
/// `printer`.
pub fn up_and_watch(
    global: &GlobalOptions,
    project: Project,
    up: UpOptions,
    detach: bool,
    attach: AttachOptions,
    mut printer: LogPrinter,
) -> anyhow::Result<i32> {
    let opts = WatchOptions {
        services: up.services.clone(),
        no_up: true,
        prune: false,
        up: up.clone(),
        loader: global.load_options(&up.services),
        timing: Default::default(),
    };
    // A watch that cannot start fails before anything is brought up.
    watch::check(&project, &opts)?;
    session::call_with(global, true, |c| async move {
        if detach {
            c.up(&project, &up).await?;
            watch::run(&c, project, &opts, notices()).await?;
            return Ok(0);
        }
        let (tx, rx) = mpsc::channel(256);
        let (done, ()) = tokio::join!(watch::up_attached(&c, &project, &up, &attach, &opts, notices(), tx), printer.print_attached(rx));
        // The watcher's failure, if any, is why `up` stopped.
        done.watch?;
        anyhow::Ok(done.up?.exit_code)
    })
}
