//! Which project a command acts on: loaded from the compose files, or known by its name alone.

use crate::loader::{self, Diagnostic};
use crate::model::Project;

/// Loads the project. With `name_is_enough`, see [`name_only`]: the project is then `None` and
/// the command works from labels alone (`down -p name`).
pub fn load_project(opts: &loader::Options, name_is_enough: bool) -> Result<(Option<Project>, Vec<String>), Diagnostic> {
    if name_is_enough && name_only(opts) {
        return Ok((None, Vec::new()));
    }
    let loaded = loader::load(opts)?;
    Ok((Some(loaded.project), loaded.warnings))
}

/// Whether a command that can work from labels alone (`down`, `ps`, `logs`, `stop`, `start`,
/// `restart`, `kill`, `pause`, `unpause`, `rm`, `top`, `images`, `port`) does: when the project
/// is named with `-p` and no `-f` is given. As in Docker Compose, the compose file of the
/// directory (or `COMPOSE_FILE`) is then not read: `-p other ps` lists project `other` as it
/// runs, whatever the file here describes.
pub fn name_only(opts: &loader::Options) -> bool {
    opts.project_name.is_some() && opts.files.is_empty()
}
