//! What a command needs around the API: the project, and a runtime that turns Ctrl-C and
//! SIGTERM into cancellation.

use std::future::Future;
use std::path::Path;

use tokio_util::sync::CancellationToken;

use crate::loader::{self, Diagnostic};
use crate::model::Project;
use crate::shutdown::Shutdown;

/// Loads the project. With `name_is_enough`, a project name given with `-p` and no compose
/// file anywhere is not an error: the project is then `None` and the command works from
/// labels alone (`down -p name`).
pub fn load_project(opts: &loader::Options, name_is_enough: bool) -> Result<(Option<Project>, Vec<String>), Diagnostic> {
    let dir = opts.project_dir.clone().unwrap_or_else(|| opts.cwd.clone());
    let no_file = opts.files.is_empty()
        && !opts.environ.iter().any(|(k, v)| k == "COMPOSE_FILE" && !v.is_empty())
        && loader::source::discover(Path::new(&dir)).is_err();
    if name_is_enough && opts.project_name.is_some() && no_file {
        return Ok((None, Vec::new()));
    }
    let loaded = loader::load(opts)?;
    Ok((Some(loaded.project), loaded.warnings))
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
