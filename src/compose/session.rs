//! What a command needs around the API: the project, and a runtime that turns Ctrl-C and
//! SIGTERM into cancellation.

use std::future::Future;

use tokio_util::sync::CancellationToken;

use crate::loader::{self, Diagnostic};
use crate::model::Project;
use crate::shutdown::Shutdown;

/// Loads the project. With `name_is_enough`, see [`name_only`]: the project is then `None` and
/// the command works from labels alone (`down -p name`).
pub fn load_project(opts: &loader::Options, name_is_enough: bool) -> Result<(Option<Project>, Vec<String>), Diagnostic> {
    if name_is_enough && name_only(opts) {
        return Ok((None, Vec::new()));
    }
    let loaded = loader::load(opts)?;
    Ok((Some(loaded.project), loaded.warnings))
}

/// The project and the variables of the shell over `.env` it was read with (for `run -e KEY`).
pub fn load_with_environment(opts: &loader::Options) -> Result<(Project, loader::env::Environment, Vec<String>), Diagnostic> {
    let loaded = loader::load(opts)?;
    Ok((loaded.project, loaded.environment, loaded.warnings))
}

/// The project name and the variables of the shell over `.env`, for `exec -e KEY`: as
/// [`load_project`] with `name_is_enough`, the compose files are read only when the project
/// is not named by `-p` alone.
pub fn name_and_environment(opts: &loader::Options) -> Result<(String, loader::env::Environment, Vec<String>), Diagnostic> {
    if name_only(opts) {
        let mut environment = loader::env::Environment::from_process(opts.environ.iter().cloned());
        let dir = opts.project_dir.as_ref().map(|d| opts.cwd.join(d)).unwrap_or_else(|| opts.cwd.clone());
        environment.add_env_files(&loader::env::env_files(&opts.env_files, &dir, &opts.cwd)?)?;
        let name = loader::source::normalize_project_name(opts.project_name.as_deref().unwrap_or_default());
        return Ok((name, environment, Vec::new()));
    }
    let loaded = loader::load(opts)?;
    Ok((loaded.project.name, loaded.environment, loaded.warnings))
}

/// Whether a command that can work from labels alone (`down`, `ps`, `logs`, `stop`, `start`,
/// `restart`, `kill`, `pause`, `unpause`, `rm`, `top`, `images`, `port`) does: when the project
/// is named with `-p` and no `-f` is given. As in Docker Compose, the compose file of the
/// directory (or `COMPOSE_FILE`) is then not read: `-p other ps` lists project `other` as it
/// runs, whatever the file here describes.
pub fn name_only(opts: &loader::Options) -> bool {
    opts.project_name.is_some() && opts.files.is_empty()
}

/// Runs `work` to completion on a fresh runtime (as [`block_on`]) without turning signals into
/// cancellation: for interactive sessions (`exec`, `attach`, `run`), where `crate::stdio`
/// decides what a signal does (end the session, restoring the terminal, or pass it on to the
/// container). Until a session starts, signals keep their default action.
pub fn block_on_session<F: Future>(work: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("cannot start the async runtime").block_on(work)
}

/// Runs `work` to completion on a fresh runtime, with shutdown requests (Ctrl-C or SIGTERM)
/// escalating as [`Shutdown::escalate`] says: `cancel` first, then `force` when given.
///
/// The runtime has one thread: the work is waiting on the engine, whose calls all run
/// concurrently on it, and the client-side work between them (encoding, decoding, planning) is
/// small next to what the engine does with the machine's cores. Worker threads would only add
/// start-up, memory, and cross-thread wake-ups. Blocking work (build contexts, archives) goes
/// to `spawn_blocking` as before.
pub fn block_on<F: Future>(cancel: &CancellationToken, force: Option<&CancellationToken>, work: F) -> F::Output {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("cannot start the async runtime");
    rt.block_on(async {
        let signals = tokio::spawn(Shutdown::listen().escalate(cancel.clone(), force.cloned()));
        let out = work.await;
        signals.abort();
        out
    })
}
