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
