//! `watch`: follow the files named by the services' `develop.watch` rules and bring the
//! containers along (sync files in, restart, run a command, rebuild), and reload the project
//! when its compose files or env files change.
//!
//! Three parts, each testable alone: `notify` (a callback that only forwards kernel events to
//! a channel), `debounce` (events → batches, tested with paused time) and the watcher loop (`watcher.rs`)
//! (batches → actions through the pure `plan`, then `sync`, the compose API and the engine).
//! A batch that fails is a warning naming the service and the file; the loop keeps going until
//! the cancellation token fires.
//!
//! `attached` runs the watcher beside attached `up` (`up --watch`).
//!
//! `rules` compiles the rules (`pattern` is the `.dockerignore` syntax), `files` decides what
//! on the host may be sent, `archive` streams it as tar, `sync` puts it in the containers.

mod actions;
mod archive;
mod attached;
pub mod debounce;
mod files;
mod notify;
pub mod pattern;
pub mod plan;
mod reload;
pub mod rules;
mod sync;
mod watcher;

use std::fmt;
use std::sync::Arc;

pub use attached::{up_attached, UpWatched};
pub use debounce::Timing;
pub use watcher::{check, run};

use crate::compose::{ComposeError, UpOptions};
use crate::loader;

/// How to watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// Services to watch; empty for all that have watch rules.
    pub services: Vec<String>,
    /// Don't bring the services up first (`--no-up`).
    pub no_up: bool,
    /// Remove the dangling images a rebuild leaves (`--prune`).
    pub prune: bool,
    /// How `up` brings the services up first, and how changed services are reconciled.
    pub up: UpOptions,
    /// How the project was loaded: a reload after a compose file changed uses the same.
    pub loader: loader::Options,
    pub timing: Timing,
}

/// What the watcher tells the user, as it happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Enabled,
    Disabled,
    Synced {
        service: String,
        files: usize,
        containers: usize,
    },
    Rebuilding(Vec<String>),
    Rebuilt(Vec<String>),
    Restarted(Vec<String>),
    /// The output of a `sync+exec` command.
    Output {
        service: String,
        text: String,
    },
    /// The project was reloaded; these services had a new configuration and were updated.
    Reloaded(Vec<String>),
    /// Something went wrong; watching goes on.
    Warning(String),
}

/// Where notices go (the CLI prints them through `output`).
pub type NoticeSink = Arc<dyn Fn(&Notice) + Send + Sync>;

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Notice::Enabled => write!(f, "Watch enabled"),
            Notice::Disabled => write!(f, "Watch disabled"),
            Notice::Synced { service, files, containers } => {
                write!(f, "Synced {files} change{} to service {service:?} ({containers} container{})", plural(*files), plural(*containers))
            }
            Notice::Rebuilding(s) => write!(f, "Rebuilding service(s) {} after changes were detected...", list(s)),
            Notice::Rebuilt(s) => write!(f, "service(s) {} successfully built", list(s)),
            Notice::Restarted(s) => write!(f, "service(s) {} restarted", list(s)),
            Notice::Output { service, text } => write!(f, "{service} | {}", text.trim_end().replace('\n', &format!("\n{service} | "))),
            Notice::Reloaded(s) if s.is_empty() => write!(f, "Project reloaded: no service changed"),
            Notice::Reloaded(s) => write!(f, "Project reloaded: service(s) {} updated", list(s)),
            Notice::Warning(w) => write!(f, "{w}"),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `["a" "b"]`, as Docker Compose prints service lists.
fn list(services: &[String]) -> String {
    format!("[{}]", services.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(" "))
}

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("none of the selected services is configured for watch, consider setting a 'develop' section")]
    NothingToWatch,
    #[error(transparent)]
    Rule(#[from] rules::RuleError),
    #[error(transparent)]
    Compose(#[from] ComposeError),
    #[error("cannot watch files: {0}")]
    Notify(String),
}
