//! `volumes`: the project's volumes, as the engine lists them.

use std::collections::BTreeSet;

use super::{Compose, ComposeError};
use crate::engine::{LabelFilter, VolumeInfo};
use crate::model::Project;
use crate::reconcile::labels;

impl Compose {
    /// The volumes labelled for project `name`, by name. With `services`, only those that the
    /// running containers of these services mount, as in Docker Compose (a stopped container's
    /// volumes are not listed). With the `project` read from its files, a service it does not
    /// have is an error; named by `-p` alone, it selects nothing.
    pub async fn volumes(&self, name: &str, project: Option<&Project>, services: &[String]) -> Result<Vec<VolumeInfo>, ComposeError> {
        if let Some(unknown) = services.iter().find(|s| project.is_some_and(|p| !p.services.contains_key(*s))) {
            return Err(ComposeError::NoSuchService(unknown.clone()));
        }
        let filter = LabelFilter::new().eq(labels::PROJECT, name);
        let mut volumes = self.engine.list_volumes(&filter).await?;
        if !services.is_empty() {
            let containers = self.engine.list_containers(false, &filter).await?;
            let mounted: BTreeSet<&str> = containers
                .iter()
                .filter(|c| c.labels.get(labels::SERVICE).is_some_and(|s| services.contains(s)))
                .flat_map(|c| c.mounts.iter().filter_map(|m| m.name.as_deref()))
                .collect();
            volumes.retain(|v| mounted.contains(v.name.as_str()));
        }
        volumes.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(volumes)
    }
}
