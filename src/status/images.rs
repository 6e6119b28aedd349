//! `images`: the image each container of the project runs.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{containers, Scope, StatusError};
use crate::engine::{Engine, ImageInfo};

/// One container's image, named and shaped as in `docker compose images --format json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageRow {
    /// `sha256:...`.
    #[serde(rename = "ID")]
    pub id: String,
    pub container_name: String,
    pub repository: String,
    pub tag: String,
    /// `os/architecture[/variant]`.
    pub platform: String,
    /// Bytes.
    pub size: i64,
    /// When the image was last tagged, as the engine says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_tag_time: Option<String>,
    /// How long ago the image was last tagged (`18 minutes ago`), or `N/A`: the table's CREATED.
    #[serde(skip)]
    pub created: String,
    /// When the image was built, RFC 3339, or `N/A` (the `CreatedAt` of a `--format` template).
    #[serde(skip)]
    pub created_at: String,
}

/// One row per container of `scope` (stopped ones included), sorted by container name.
/// Containers whose image is gone are left out.
pub async fn images(engine: &dyn Engine, scope: &Scope) -> Result<Vec<ImageRow>, StatusError> {
    let list = containers(engine, scope, true, false).await?;
    let mut inspected: BTreeMap<String, Option<ImageInfo>> = BTreeMap::new();
    for c in &list {
        if !inspected.contains_key(&c.image_id) {
            let info = match engine.inspect_image(&c.image_id).await {
                Ok(i) => Some(i),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e.into()),
            };
            inspected.insert(c.image_id.clone(), info);
        }
    }
    let now = super::time::now_secs();
    Ok(list
        .iter()
        .filter_map(|c| {
            let info = inspected.get(&c.image_id)?.as_ref()?;
            // The tag the container was created with, when the image still has it.
            let wanted = if c.image.contains(':') { c.image.clone() } else { format!("{}:latest", c.image) };
            let tag = info.repo_tags.iter().find(|t| **t == wanted).or(info.repo_tags.first());
            let (repository, tag) = tag.map_or(("<none>".to_string(), "<none>".to_string()), |t| split_tag(t));
            let platform = [&info.os, &info.architecture, &info.variant].into_iter().filter(|p| !p.is_empty()).cloned().collect::<Vec<_>>();
            // Docker Compose 2.40.3 counts from the last tagging, the image's creation when unknown.
            let created = info
                .last_tag_time
                .as_deref()
                .or(info.created.as_deref())
                .and_then(super::time::rfc3339)
                .map_or_else(|| "N/A".to_string(), |t| format!("{} ago", crate::go::time::human_duration(now - t)));
            Some(ImageRow {
                id: info.id.clone(),
                container_name: c.name().to_string(),
                repository,
                tag,
                platform: platform.join("/"),
                size: info.size,
                last_tag_time: info.last_tag_time.clone(),
                created,
                created_at: info.created.clone().unwrap_or_else(|| "N/A".into()),
            })
        })
        .collect())
}

/// `registry:5000/name:tag` → (`registry:5000/name`, `tag`).
fn split_tag(reference: &str) -> (String, String) {
    let slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[slash..].rfind(':') {
        Some(i) => (reference[..slash + i].to_string(), reference[slash + i + 1..].to_string()),
        None => (reference.to_string(), "latest".to_string()),
    }
}

/// Docker's `units.HumanSizeWithPrecision(size, 3)`: decimal units, three significant digits
/// (`1.98MB`, `123MB`, `0B`).
pub fn human_size(bytes: i64) -> String {
    crate::go::units::human_size(bytes as f64, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_docker() {
        assert_eq!(human_size(1_984_240), "1.98MB");
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(123_400_000), "123MB");
        assert_eq!(human_size(4_300), "4.3kB");
        assert_eq!(human_size(999_999), "1e+03kB");
    }

    #[test]
    fn references_split_at_the_tag() {
        assert_eq!(split_tag("busybox:latest"), ("busybox".into(), "latest".into()));
        assert_eq!(split_tag("localhost:5000/app"), ("localhost:5000/app".into(), "latest".into()));
        assert_eq!(split_tag("localhost:5000/app:1.2"), ("localhost:5000/app".into(), "1.2".into()));
    }
}
