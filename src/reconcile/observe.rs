//! One snapshot of what the engine holds for a project, taken before planning.
//!
//! Everything the planners look at comes from here, read in one go (calls run concurrently):
//! the project's containers by label (stopped and one-off ones included), its networks and
//! volumes by label and by the names the project gives them, and the images its services
//! use. Only reads happen here.

use std::collections::BTreeMap;

use futures_util::future::try_join_all;

use super::labels;
use crate::engine::{ContainerDetails, ContainerStatus, ContainerSummary, Engine, EngineResult, LabelFilter, NetworkInfo, VolumeInfo};
use crate::model::Project;

/// What the engine holds for one project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// The project's containers, stopped and one-off ones included, sorted by name; not the
    /// containers `pre_start` hooks run in.
    pub containers: Vec<ObservedContainer>,
    /// The containers of `pre_start` hooks (`com.docker.compose.hook` label), sorted by name: a
    /// failed hook's, kept for inspection as Docker Compose v5 keeps it, or one an interrupted
    /// run left. No planner counts them as a service's replicas.
    pub hooks: Vec<ObservedContainer>,
    /// Networks labelled for the project or named by it, by name.
    pub networks: BTreeMap<String, NetworkInfo>,
    /// Volumes labelled for the project or named by it, by name.
    pub volumes: BTreeMap<String, VolumeInfo>,
    /// Images the services use, by reference, with their id when present.
    pub images: BTreeMap<String, Option<String>>,
    /// The `VOLUME` paths of the images present, by reference: a recreated container keeps
    /// the volumes its predecessor had there.
    pub image_volumes: BTreeMap<String, Vec<String>>,
    /// When each image present was last pulled, built or tagged (Unix seconds), by reference,
    /// where the engine says: what `pull_policy: daily` and the like count from.
    pub image_tagged: BTreeMap<String, i64>,
    /// The API version spoken with the engine (`None`: unknown, every feature allowed).
    pub api_version: Option<(usize, usize)>,
}

/// One container of the project.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ObservedContainer {
    pub summary: ContainerSummary,
    /// The `com.docker.compose.service` label.
    pub service: String,
    /// The `container-number` label; 0 when missing or unreadable.
    pub number: u32,
    /// A `run` container.
    pub oneoff: bool,
    /// The full view, fetched only for containers whose configuration hash no longer matches,
    /// so that the plan can say what changed.
    pub details: Option<ContainerDetails>,
}

impl ObservedContainer {
    pub fn from_summary(summary: ContainerSummary) -> ObservedContainer {
        let label = |k: &str| summary.labels.get(k).cloned().unwrap_or_default();
        ObservedContainer {
            service: label(labels::SERVICE),
            number: label(labels::CONTAINER_NUMBER).parse().unwrap_or(0),
            oneoff: label(labels::ONEOFF).eq_ignore_ascii_case("true"),
            details: None,
            summary,
        }
    }

    pub fn name(&self) -> &str {
        self.summary.name()
    }

    pub fn id(&self) -> &str {
        &self.summary.id
    }

    pub fn state(&self) -> ContainerStatus {
        self.summary.state
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.summary.labels.get(key).map(String::as_str)
    }

    /// Running in any sense that needs no start (paused and restarting included).
    pub fn is_up(&self) -> bool {
        matches!(self.state(), ContainerStatus::Running | ContainerStatus::Paused | ContainerStatus::Restarting)
    }
}

/// Reads the engine's state for project `name`. With `project`, its networks, volumes and
/// images are looked up by name too. `hashes` (service → configuration hash) selects the
/// containers to inspect in full: those whose hash label differs.
pub async fn observe(
    engine: &dyn Engine,
    name: &str,
    project: Option<&Project>,
    hashes: &BTreeMap<String, String>,
) -> EngineResult<Observed> {
    let filter = LabelFilter::new().eq(labels::PROJECT, name);
    let (all, networks, volumes, (images, image_volumes, image_tagged)) = futures_util::try_join!(
        containers(engine, &filter, hashes),
        networks(engine, &filter, project),
        volumes(engine, &filter, project),
        images(engine, project),
    )?;
    let (hooks, containers) = all.into_iter().partition(|c| c.label(labels::HOOK).is_some());
    Ok(Observed { containers, hooks, networks, volumes, images, image_volumes, image_tagged, api_version: Some(engine.api_version()) })
}

async fn containers(engine: &dyn Engine, filter: &LabelFilter, hashes: &BTreeMap<String, String>) -> EngineResult<Vec<ObservedContainer>> {
    let mut list: Vec<ObservedContainer> =
        engine.list_containers(true, filter).await?.into_iter().map(ObservedContainer::from_summary).collect();
    list.sort_by(|a, b| a.name().cmp(b.name()));
    let stale = |c: &ObservedContainer| {
        hashes.get(&c.service).is_some_and(|h| c.label(labels::CONFIG_HASH) != Some(h.as_str()))
            && !c.oneoff
            && c.label(labels::HOOK).is_none()
    };
    let details = try_join_all(list.iter().map(|c| async move {
        if !stale(c) {
            return Ok(None);
        }
        missing_is_none(engine.inspect_container(c.id()).await)
    }))
    .await?;
    for (c, d) in list.iter_mut().zip(details) {
        c.details = d;
    }
    Ok(list)
}

async fn networks(engine: &dyn Engine, filter: &LabelFilter, project: Option<&Project>) -> EngineResult<BTreeMap<String, NetworkInfo>> {
    let mut out: BTreeMap<String, NetworkInfo> = engine.list_networks(filter).await?.into_iter().map(|n| (n.name.clone(), n)).collect();
    let named: Vec<&str> = project.map(|p| p.networks.values().map(|n| n.name.as_str()).collect()).unwrap_or_default();
    let found = try_join_all(
        named.iter().filter(|n| !out.contains_key(**n)).map(|n| async move { missing_is_none(engine.inspect_network(n).await) }),
    )
    .await?;
    out.extend(found.into_iter().flatten().map(|n| (n.name.clone(), n)));
    Ok(out)
}

async fn volumes(engine: &dyn Engine, filter: &LabelFilter, project: Option<&Project>) -> EngineResult<BTreeMap<String, VolumeInfo>> {
    let mut out: BTreeMap<String, VolumeInfo> = engine.list_volumes(filter).await?.into_iter().map(|v| (v.name.clone(), v)).collect();
    let named: Vec<&str> = project.map(|p| p.volumes.values().map(|v| v.name.as_str()).collect()).unwrap_or_default();
    let found = try_join_all(
        named.iter().filter(|n| !out.contains_key(**n)).map(|n| async move { missing_is_none(engine.inspect_volume(n).await) }),
    )
    .await?;
    out.extend(found.into_iter().flatten().map(|v| (v.name.clone(), v)));
    Ok(out)
}

/// The images' ids, and the `VOLUME`s of those present.
type Images = (BTreeMap<String, Option<String>>, BTreeMap<String, Vec<String>>, BTreeMap<String, i64>);

async fn images(engine: &dyn Engine, project: Option<&Project>) -> EngineResult<Images> {
    let Some(project) = project else { return Ok(Images::default()) };
    let mut refs: Vec<String> = project.services.values().map(|s| labels::image_name(project, s)).collect();
    refs.extend(project.services.values().flat_map(crate::reconcile::plan::pre_start::images).map(str::to_string));
    refs.sort();
    refs.dedup();
    let found = try_join_all(refs.iter().map(|r| async move { missing_is_none(engine.inspect_image(r).await) })).await?;
    let mut out = Images::default();
    for (r, info) in refs.into_iter().zip(found) {
        if let Some(info) = &info {
            out.1.insert(r.clone(), info.volumes.clone());
            if let Some(t) = info.last_tagged() {
                out.2.insert(r.clone(), t);
            }
        }
        out.0.insert(r, info.map(|i| i.id));
    }
    Ok(out)
}

/// `NotFound` becomes `None`: an absent object is an observation, not a failure.
fn missing_is_none<T>(r: EngineResult<T>) -> EngineResult<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}
