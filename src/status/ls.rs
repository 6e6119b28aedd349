//! `ls`: the compose projects the engine knows of, found by their containers' labels.

use std::collections::BTreeMap;

use serde::Serialize;

use super::StatusError;
use crate::engine::{ContainerSummary, Engine, LabelFilter};
use crate::reconcile::labels;

/// One project, named and shaped as in `docker compose ls --format json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectRow {
    pub name: String,
    /// Container counts by state, states sorted: `exited(1), running(2)`.
    pub status: String,
    /// The compose files of its containers, comma-separated, each once.
    pub config_files: String,
}

/// Projects with running containers (any container if `all`), sorted by name; `name` keeps
/// only projects whose name contains it.
pub async fn ls(engine: &dyn Engine, all: bool, name: Option<&str>) -> Result<Vec<ProjectRow>, StatusError> {
    let list = engine.list_containers(all, &LabelFilter::new().has(labels::PROJECT)).await?;
    let mut projects: BTreeMap<String, Vec<ContainerSummary>> = BTreeMap::new();
    for c in list {
        let project = c.labels.get(labels::PROJECT).cloned().unwrap_or_default();
        if name.is_none_or(|n| project.contains(n)) {
            projects.entry(project).or_default().push(c);
        }
    }
    Ok(projects.into_iter().map(|(name, containers)| row(name, &containers)).collect())
}

fn row(name: String, containers: &[ContainerSummary]) -> ProjectRow {
    let mut states: BTreeMap<&str, usize> = BTreeMap::new();
    let mut files: Vec<&str> = Vec::new();
    for c in containers {
        *states.entry(c.state.as_str()).or_default() += 1;
        for f in c.labels.get(labels::CONFIG_FILES).map(String::as_str).unwrap_or("").split(',').filter(|f| !f.is_empty()) {
            if !files.contains(&f) {
                files.push(f);
            }
        }
    }
    let status = states.iter().map(|(s, n)| format!("{s}({n})")).collect::<Vec<_>>().join(", ");
    ProjectRow { name, status, config_files: files.join(",") }
}
