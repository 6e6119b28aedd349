//! The one entry every command that talks to the engine goes through: [`call`] (and [`run`],
//! which prints the plan of `--dry-run`). It starts the runtime (one `block_on`), connects to
//! the engine (one connect, to the endpoint `--context`, `--host` and the environment choose as
//! the docker CLI does: `crate::engine::endpoint`), wires progress, build/pull output and warnings to `src/output/`
//! (nothing when `--progress quiet`), turns Ctrl-C and SIGTERM into the cancellation token
//! (the second one fires `force`, or exits 130), runs the command, and maps its result: a
//! command that Ctrl-C stopped is `Interrupted` (exit 130, "canceled"), whatever it returned.
//!
//! # Writing a new command
//!
//! A command is a thin file `src/cli/<verb>.rs`: its clap `Args`, then a `run` that turns the
//! flags into the options of one [`Compose`] method and calls it here:
//!
//! ```ignore
//! pub fn run(global: &GlobalOptions, args: StopArgs) -> anyhow::Result<i32> {
//!     let (name, project) = session::project_or_name(global, &args.services)?;
//!     let timeout = session::timeout(args.timeout);
//!     session::run(global, |compose| async move { compose.stop(&name, project.as_ref(), &args.services, timeout).await })
//! }
//! ```
//!
//! [`run`] is for methods that return a [`Plan`]; [`call`] returns whatever the method
//! returns (rows for `ps`, an exit code for attached `up`), and the file prints it through
//! `crate::output`. The method itself lives in `src/compose/` (or reads in `src/status/`), never
//! prints, and reports through the `Compose` sinks. The file holds no engine handle, no YAML
//! and no decision of the command's own.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::GlobalOptions;
use crate::compose::{self, Compose, ComposeError};
use crate::model::Project;
use crate::output;
use crate::output::progress::Requested;
use crate::reconcile::plan::Plan;
use crate::shutdown::Shutdown;

/// Loads the project for `services`, printing the loader's warnings.
pub fn project(global: &GlobalOptions, services: &[String]) -> anyhow::Result<Project> {
    let (project, warnings) = compose::load_project(&global.load_options(services), false)?;
    warnings.iter().for_each(|w| output::warn(w));
    Ok(project.expect("a project is always loaded when a name alone is not enough"))
}

/// The project name and, unless the project is named with `-p` and no `-f`, the project: the
/// commands that act on existing containers then work from its labels ([`crate::status::target`]).
pub fn project_or_name(global: &GlobalOptions, services: &[String]) -> anyhow::Result<(String, Option<Project>)> {
    let (name, project, warnings) = crate::status::target(&global.load_options(services))?;
    warnings.iter().for_each(|w| output::warn(w));
    Ok((name, project))
}

/// Runs `work` through [`call`]; with `--dry-run`, the plan it returns is printed.
pub fn run<F, Fut>(global: &GlobalOptions, work: F) -> anyhow::Result<i32>
where
    F: FnOnce(Compose) -> Fut,
    Fut: Future<Output = Result<Plan, ComposeError>>,
{
    let plan = call(global, false, work)?;
    if global.dry_run {
        output::stdout(&plan.to_string());
    }
    Ok(0)
}

/// Connects to the engine and runs `work` with a `Compose` that reports to the terminal;
/// Ctrl-C cancels it. With `forceable`, the second Ctrl-C fires the `force` token instead of
/// exiting. Returns what `work` returns, or `Interrupted` once Ctrl-C was pressed.
pub fn call<T, F, Fut>(global: &GlobalOptions, forceable: bool, work: F) -> anyhow::Result<T>
where
    F: FnOnce(Compose) -> Fut,
    Fut: Future<Output = Result<T, ComposeError>>,
{
    call_with(global, forceable, work)
}

/// [`call`] for work that fails with another error than [`ComposeError`] (`up --watch`, whose
/// watcher has its own).
pub fn call_with<T, E, F, Fut>(global: &GlobalOptions, forceable: bool, work: F) -> anyhow::Result<T>
where
    E: Into<anyhow::Error>,
    F: FnOnce(Compose) -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let (cancel, force) = (CancellationToken::new(), CancellationToken::new());
    let dry_run = global.dry_run;
    let parallel = usize::try_from(global.parallel).ok().filter(|n| *n > 0);
    let quiet = global.progress == Requested::Quiet;
    let endpoint = global.endpoint()?;
    let value = block_on(&cancel, forceable.then_some(&force), async {
        let mut c = Compose::connect_to(&endpoint).await.map_err(anyhow::Error::from)?;
        c.parallel = parallel;
        c.dry_run = dry_run;
        c.cancel = cancel.clone();
        c.force = force.clone();
        if !quiet {
            c.events = Arc::new(output::event);
            c.details = Arc::new(output::detail);
        }
        c.warn = Arc::new(output::warn);
        work(c).await.map_err(Into::into)
    });
    interrupted(&cancel, value)
}

/// Like [`call`], for an interactive session (`exec`, `attach`, `run`): Ctrl-C, SIGTERM and
/// SIGHUP are not cancellation here but `crate::stdio`'s to handle (a session they end
/// returns `Interrupted`; `attach --sig-proxy` passes them on to the container).
pub fn interactive<T, F, Fut>(global: &GlobalOptions, work: F) -> anyhow::Result<T>
where
    F: FnOnce(Compose) -> Fut,
    Fut: Future<Output = Result<T, ComposeError>>,
{
    let quiet = global.progress == Requested::Quiet;
    let dry_run = global.dry_run;
    // No signal becomes cancellation: until a session starts, signals keep their default
    // action; then `crate::stdio` decides what each does (end the session, restoring the
    // terminal, or pass it on to the container).
    let endpoint = global.endpoint()?;
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("cannot start the async runtime");
    let value = rt.block_on(async {
        let mut c = Compose::connect_to(&endpoint).await?;
        c.dry_run = dry_run;
        if !quiet {
            c.events = Arc::new(output::event);
            c.details = Arc::new(output::detail);
        }
        c.warn = Arc::new(output::warn);
        work(c).await
    });
    value.map_err(Into::into)
}

/// The result of work that `cancel` may have stopped: after a Ctrl-C the command is
/// `Interrupted` (exit 130, "canceled"), as Docker Compose's is, whatever the work returned:
/// the calls under way may have finished (the engine stopped the container anyway), and a
/// failure the cancellation caused (a health wait cut short) is not the command's own.
fn interrupted<T>(cancel: &CancellationToken, result: anyhow::Result<T>) -> anyhow::Result<T> {
    if cancel.is_cancelled() {
        return Err(ComposeError::Interrupted.into());
    }
    result
}

/// Runs `work` to completion on a fresh runtime, with shutdown requests (Ctrl-C or SIGTERM)
/// escalating as [`Shutdown::escalate`] says: `cancel` first, then `force` when given.
///
/// The runtime has one thread: the work is waiting on the engine, whose calls all run
/// concurrently on it, and the client-side work between them (encoding, decoding, planning) is
/// small next to what the engine does with the machine's cores. Worker threads would only add
/// start-up, memory, and cross-thread wake-ups. Blocking work (build contexts, archives, a
/// prompt) goes to `spawn_blocking`.
fn block_on<F: Future>(cancel: &CancellationToken, force: Option<&CancellationToken>, work: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("cannot start the async runtime");
    rt.block_on(async {
        let signals = tokio::spawn(Shutdown::listen().escalate(cancel.clone(), force.cloned()));
        let out = work.await;
        signals.abort();
        out
    })
}

/// `-t`/`--timeout` in seconds, as the engine takes it.
pub fn timeout(secs: Option<i64>) -> Option<Duration> {
    secs.map(|s| Duration::from_secs(s.max(0) as u64))
}
