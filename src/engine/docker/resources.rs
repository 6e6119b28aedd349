//! Networks and volumes.

use bollard::query_parameters as q;

use super::{filters, observe, spec, DockerEngine};
use crate::engine::{EngineResult, LabelFilter, NetworkInfo, NetworkSpec, VolumeInfo, VolumeSpec};

pub(super) async fn list_networks(
    e: &DockerEngine,
    filter: &LabelFilter,
) -> EngineResult<Vec<NetworkInfo>> {
    let options = q::ListNetworksOptions {
        filters: Some(filters(filter)),
    };
    let list = e
        .docker
        .list_networks(Some(options))
        .await
        .map_err(|x| e.err(x))?;
    Ok(list.into_iter().map(observe::network_summary).collect())
}

pub(super) async fn inspect_network(e: &DockerEngine, id: &str) -> EngineResult<NetworkInfo> {
    let n = e
        .docker
        .inspect_network(id, None)
        .await
        .map_err(|x| e.err(x))?;
    Ok(observe::network(n))
}

pub(super) async fn create_network(e: &DockerEngine, spec: &NetworkSpec) -> EngineResult<String> {
    let created = e
        .docker
        .create_network(spec::network_request(spec))
        .await
        .map_err(|x| e.err(x))?;
    if !created.warning.is_empty() {
        tracing::warn!(network = %spec.name, "engine: {}", created.warning);
    }
    Ok(created.id)
}

pub(super) async fn remove_network(e: &DockerEngine, id: &str) -> EngineResult<()> {
    e.docker.remove_network(id).await.map_err(|x| e.err(x))
}

pub(super) async fn list_volumes(
    e: &DockerEngine,
    filter: &LabelFilter,
) -> EngineResult<Vec<VolumeInfo>> {
    let options = q::ListVolumesOptions {
        filters: Some(filters(filter)),
    };
    let list = e
        .docker
        .list_volumes(Some(options))
        .await
        .map_err(|x| e.err(x))?;
    Ok(list
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(observe::volume)
        .collect())
}

pub(super) async fn inspect_volume(e: &DockerEngine, name: &str) -> EngineResult<VolumeInfo> {
    let v = e.docker.inspect_volume(name).await.map_err(|x| e.err(x))?;
    Ok(observe::volume(v))
}

pub(super) async fn create_volume(e: &DockerEngine, spec: &VolumeSpec) -> EngineResult<VolumeInfo> {
    let v = e
        .docker
        .create_volume(spec::volume_request(spec))
        .await
        .map_err(|x| e.err(x))?;
    Ok(observe::volume(v))
}

pub(super) async fn remove_volume(e: &DockerEngine, name: &str, force: bool) -> EngineResult<()> {
    let options = q::RemoveVolumeOptions { force };
    e.docker
        .remove_volume(name, Some(options))
        .await
        .map_err(|x| e.err(x))
}
