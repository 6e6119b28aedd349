//! The environment used for interpolation: the process environment over `.env` files, with
//! where each value came from (shown by `config --variables`).

use indexmap::IndexMap;
use std::path::{Path, PathBuf};

use super::diagnostic::Diagnostic;
use super::dotenv;

/// Where a variable's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Shell,
    EnvFile(PathBuf),
    /// Set by rcompose itself (`COMPOSE_PROJECT_NAME` from the project name).
    Compose,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Shell => write!(f, "shell environment"),
            Origin::EnvFile(p) => write!(f, "{}", p.display()),
            Origin::Compose => write!(f, "project name"),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Environment {
    vars: IndexMap<String, (String, Origin)>,
}

impl Environment {
    /// The process environment alone.
    pub fn from_process(vars: impl IntoIterator<Item = (String, String)>) -> Environment {
        Environment { vars: vars.into_iter().map(|(k, v)| (k, (v, Origin::Shell))).collect() }
    }

    /// Adds the variables of `.env` files; a variable already set (by the shell, or by an
    /// earlier file) keeps its value... except that later env files override earlier ones,
    /// as with repeated `--env-file`.
    pub fn add_env_files(&mut self, files: &[PathBuf]) -> Result<(), Diagnostic> {
        let mut from_files: IndexMap<String, (String, Origin)> = IndexMap::new();
        for file in files {
            let lookup = |k: &str| from_files.get(k).map(|(v, _)| v.clone()).or_else(|| self.get(k).map(str::to_string));
            let vars = dotenv::read_file(file, &lookup)?;
            for (k, v) in vars {
                from_files.insert(k, (v, Origin::EnvFile(file.clone())));
            }
        }
        for (k, v) in from_files {
            if !matches!(self.vars.get(&k), Some((_, Origin::Shell))) {
                self.vars.insert(k, v);
            }
        }
        Ok(())
    }

    pub fn set(&mut self, key: &str, value: &str, origin: Origin) {
        self.vars.insert(key.to_string(), (value.to_string(), origin));
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.vars.get(key).map(|(v, _)| v.as_str())
    }

    pub fn origin(&self, key: &str) -> Option<&Origin> {
        self.vars.get(key).map(|(_, o)| o)
    }

    /// Every variable with its value, in the order they were set.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, (v, _))| (k.as_str(), v.as_str()))
    }

    pub fn lookup(&self) -> impl Fn(&str) -> Option<String> + '_ {
        move |k| self.get(k).map(str::to_string)
    }
}

/// The `.env` files to read: the `--env-file`s when given, else `.env` in the project directory
/// Reads the `.env` of `project_dir` into a fresh `environment` when it is not the one read
/// before the files were found (`read`): the files' location may move the project, and its
/// `.env` with it. Returns the env files in force.
pub fn reread_for(
    environment: &mut Environment,
    opts: &super::Options,
    read: &[PathBuf],
    project_dir: &Path,
) -> Result<Vec<PathBuf>, Diagnostic> {
    let env_files = env_files(&opts.env_files, project_dir, &opts.cwd)?;
    if env_files != read {
        *environment = Environment::from_process(opts.environ.iter().cloned());
        environment.add_env_files(&env_files)?;
    }
    Ok(env_files)
}

/// when it exists.
pub fn env_files(explicit: &[PathBuf], project_dir: &Path, cwd: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    if !explicit.is_empty() {
        let mut out = Vec::new();
        for f in explicit {
            let p = if f.is_absolute() { f.clone() } else { cwd.join(f) };
            if !p.is_file() {
                return Err(Diagnostic::plain(format!("env file {} not found", p.display())));
            }
            out.push(p);
        }
        return Ok(out);
    }
    let default = project_dir.join(".env");
    Ok(if default.is_file() { vec![default] } else { Vec::new() })
}
