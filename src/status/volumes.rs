//! `volumes` (Docker Compose 2.40): the project's volumes, as `docker volume ls` shows them.

use std::collections::BTreeSet;

use serde::Serialize;

use super::StatusError;
use crate::engine::{Engine, LabelFilter};
use crate::model::{Project, MOUNT_VOLUME};
use crate::reconcile::labels;

/// One volume, with the field names and the `N/A`s of the Docker CLI's JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct VolumeRow {
    pub availability: String,
    pub driver: String,
    pub group: String,
    /// `k=v` pairs, sorted, comma-separated.
    pub labels: String,
    pub links: String,
    pub mountpoint: String,
    pub name: String,
    pub scope: String,
    pub size: String,
    pub status: String,
}

/// The volumes labelled for `project`, sorted by name; with `services`, only those the
/// services mount: by the compose file when one was loaded, else by their containers' mounts.
pub async fn volumes(
    engine: &dyn Engine,
    project: &str,
    file: Option<&Project>,
    services: &[String],
) -> Result<Vec<VolumeRow>, StatusError> {
    let wanted: Option<BTreeSet<String>> = match file {
        _ if services.is_empty() => None,
        Some(p) => Some(
            services
                .iter()
                .filter_map(|s| p.services.get(s))
                .flat_map(|s| s.volumes.iter())
                .filter(|m| m.kind == MOUNT_VOLUME && !m.source.is_empty())
                .filter_map(|m| p.volumes.get(&m.source).map(|v| v.name.clone()))
                .collect(),
        ),
        None => {
            let filter = LabelFilter::new().eq(labels::PROJECT, project);
            let containers = engine.list_containers(true, &filter).await?;
            let of_services = containers.iter().filter(|c| c.labels.get(labels::SERVICE).is_some_and(|s| services.contains(s)));
            Some(of_services.flat_map(|c| c.mounts.iter().filter_map(|m| m.name.clone())).collect())
        }
    };
    let filter = LabelFilter::new().eq(labels::PROJECT, project);
    let mut rows: Vec<VolumeRow> = engine
        .list_volumes(&filter)
        .await?
        .into_iter()
        .filter(|v| wanted.as_ref().is_none_or(|w| w.contains(&v.name)))
        .map(|v| {
            let na = || "N/A".to_string();
            VolumeRow {
                availability: na(),
                driver: v.driver,
                group: na(),
                labels: v.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
                links: na(),
                mountpoint: v.mountpoint,
                name: v.name,
                scope: v.scope,
                size: na(),
                status: na(),
            }
        })
        .collect();
    rows.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(rows)
}
