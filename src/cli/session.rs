//! What the commands that act on the engine share: loading the project, and running one call
//! of the compose API with progress and warnings wired to the terminal.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::GlobalOptions;
use crate::compose::{self, Compose, ComposeError};
use crate::model::Project;
use crate::output;
use crate::reconcile::plan::Plan;

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

/// Connects to the engine and runs `work` with a `Compose` that prints progress and warnings;
/// Ctrl-C cancels it. With `--dry-run`, the plan `work` returns is printed.
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

/// Like [`run`], returning what `work` returns. With `forceable`, the second Ctrl-C fires the
/// `force` token instead of exiting.
pub fn call<T, F, Fut>(global: &GlobalOptions, forceable: bool, work: F) -> anyhow::Result<T>
where
    F: FnOnce(Compose) -> Fut,
    Fut: Future<Output = Result<T, ComposeError>>,
{
    let (cancel, force) = (CancellationToken::new(), CancellationToken::new());
    let dry_run = global.dry_run;
    let parallel = usize::try_from(global.parallel).ok().filter(|n| *n > 0);
    let quiet = global.progress == super::Progress::Quiet;
    let value = compose::block_on(&cancel, forceable.then_some(&force), async {
        let mut c = Compose::connect().await?;
        c.parallel = parallel;
        c.dry_run = dry_run;
        c.cancel = cancel.clone();
        c.force = force.clone();
        if !quiet {
            c.events = Arc::new(output::event);
            c.details = Arc::new(output::detail);
        }
        c.warn = Arc::new(output::warn);
        work(c).await
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
    let quiet = global.progress == super::Progress::Quiet;
    let dry_run = global.dry_run;
    let value = compose::block_on_session(async {
        let mut c = Compose::connect().await?;
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
pub fn interrupted<T, E: Into<anyhow::Error>>(cancel: &CancellationToken, result: Result<T, E>) -> anyhow::Result<T> {
    if cancel.is_cancelled() {
        return Err(ComposeError::Interrupted.into());
    }
    result.map_err(Into::into)
}

/// `-t`/`--timeout` in seconds, as the engine takes it.
pub fn timeout(secs: Option<i64>) -> Option<Duration> {
    secs.map(|s| Duration::from_secs(s.max(0) as u64))
}
