//! Read-only queries on a project's containers: `ps`, `images`, `port`, `top`, `ls`, and the
//! sources `logs` reads.
//!
//! Everything is found by the labels Docker Compose writes, so these commands show containers
//! created by either tool, and work with `-p NAME` alone when no compose file is at hand. The
//! functions return data; `output` turns it into tables or JSON. The CLI calls them as methods
//! of [`crate::compose::Compose`] (`compose/query.rs`).

pub mod images;
pub mod ls;
pub mod port;
pub mod ps;
pub mod stats;
pub mod time;
pub mod top;

use std::future::Future;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::engine::{ContainerSummary, Engine, EngineError, LabelFilter};
use crate::loader::{self, Diagnostic};
use crate::logs::{self, LogEvent, LogRequest, LogSource};
use crate::model::Project;
use crate::reconcile::labels;

/// Which containers a query looks at.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub project: String,
    /// Only containers of these services; empty for all.
    pub services: Vec<String>,
    /// The services the compose file declares, when one was loaded: containers of other
    /// services of the project are orphans.
    pub declared: Option<Vec<String>>,
}

impl Scope {
    /// The scope of `services` in `project`, or in the project named `name` when no compose
    /// file was loaded. A service the project does not declare selects nothing, as in Docker
    /// Compose (see [`unknown_services`]).
    pub fn new(name: &str, project: Option<&Project>, services: &[String]) -> Scope {
        let declared = project.map(|p| p.services.keys().chain(p.disabled_services.keys()).cloned().collect());
        Scope { project: name.to_string(), services: services.to_vec(), declared }
    }

    fn wants(&self, c: &ContainerSummary) -> bool {
        let service = c.labels.get(labels::SERVICE).map(String::as_str).unwrap_or("");
        self.services.is_empty() || self.services.iter().any(|s| s == service)
    }
}

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum StatusError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("service {service:?} is not running container #{index}")]
    NoSuchContainer { service: String, index: u32 },
    #[error("service {0:?} is not running")]
    NotRunning(String),
    #[error("no port {port} for container {container}: {available}")]
    NoSuchPort { port: String, container: String, available: String },
}

/// The names among `services` that `project` does not declare (none without a project). The
/// queries ignore them, as Docker Compose's do (`ps nosuch` prints an empty table, exit 0); the
/// CLI warns about them.
pub fn unknown_services<'a>(project: Option<&Project>, services: &'a [String]) -> Vec<&'a String> {
    let Some(p) = project else { return Vec::new() };
    services.iter().filter(|s| !p.services.contains_key(*s) && !p.disabled_services.contains_key(*s)).collect()
}

/// The project a command acts on: loaded from the compose files, or, with `-p` and no `-f`,
/// known by its name alone (`None`), as Docker Compose does ([`crate::compose::name_only`]).
/// Returns the project name, the project, and the loader's warnings.
pub fn target(opts: &loader::Options) -> Result<(String, Option<Project>, Vec<String>), Diagnostic> {
    let (project, warnings) = crate::compose::load_project(opts, true)?;
    let name = match &project {
        Some(p) => p.name.clone(),
        None => loader::source::normalize_project_name(opts.project_name.as_deref().unwrap_or_default()),
    };
    Ok((name, project, warnings))
}

/// The project's containers in `scope`, sorted by name: running ones only unless `all`,
/// `run` containers only if `oneoff`.
pub async fn containers(engine: &dyn Engine, scope: &Scope, all: bool, oneoff: bool) -> Result<Vec<ContainerSummary>, StatusError> {
    let filter = LabelFilter::new().eq(labels::PROJECT, &scope.project);
    let mut list: Vec<ContainerSummary> = engine
        .list_containers(all, &filter)
        .await?
        .into_iter()
        .filter(|c| scope.wants(c))
        .filter(|c| oneoff || c.labels.get(labels::ONEOFF).is_none_or(|v| !v.eq_ignore_ascii_case("true")))
        // The containers `pre_start` hooks run in are no service's replicas.
        .filter(|c| !c.labels.contains_key(labels::HOOK))
        .collect();
    list.sort_by(|a, b| a.name().cmp(b.name()));
    Ok(list)
}

/// The log sources of `scope`: every container of its services (stopped ones included, as
/// Docker Compose shows their logs too), or only the container numbered `index`.
pub async fn log_sources(engine: &dyn Engine, scope: &Scope, index: Option<u32>) -> Result<Vec<LogSource>, StatusError> {
    let list = containers(engine, scope, true, false).await?;
    let sources: Vec<LogSource> =
        list.iter().map(|c| LogSource::from_summary(&scope.project, c)).filter(|s| index.is_none_or(|i| s.number == i)).collect();
    if let (Some(i), true) = (index, sources.is_empty()) {
        let service = scope.services.first().cloned().unwrap_or_default();
        return Err(StatusError::NoSuchContainer { service, index: i });
    }
    Ok(sources)
}

/// `logs`: reads the containers of `scope` (only the one numbered `index`, if given) into
/// `out` until done or `shutdown`; see `logs::fan_in`. Returns once every event is sent.
pub async fn logs(
    engine: Arc<dyn Engine>,
    scope: &Scope,
    index: Option<u32>,
    mut request: LogRequest,
    out: mpsc::Sender<LogEvent>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StatusError> {
    let sources = log_sources(&*engine, scope, index).await?;
    request.project = scope.project.clone();
    request.services = scope.services.clone();
    Ok(logs::fan_in(engine, sources, request, out, shutdown).await?)
}
