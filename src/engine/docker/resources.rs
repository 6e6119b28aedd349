//! Networks and volumes: the calls and the translation of their answers.

use std::collections::BTreeMap;

use bollard::models as wire;
use bollard::query_parameters as q;

use super::wire::sorted;
use super::{filters, spec, DockerEngine};
use crate::engine::{EngineResult, Ipam, IpamPool, LabelFilter, NetworkInfo, NetworkMember, NetworkSpec, VolumeInfo, VolumeSpec};

pub(super) async fn list_networks(e: &DockerEngine, filter: &LabelFilter) -> EngineResult<Vec<NetworkInfo>> {
    let options = q::ListNetworksOptions { filters: Some(filters(filter)) };
    let list = e.docker.list_networks(Some(options)).await.map_err(|x| e.err(x))?;
    Ok(list.into_iter().map(network_summary).collect())
}

pub(super) async fn inspect_network(e: &DockerEngine, id: &str) -> EngineResult<NetworkInfo> {
    let n = e.docker.inspect_network(id, None).await.map_err(|x| e.err(x))?;
    Ok(network(n))
}

pub(super) async fn create_network(e: &DockerEngine, spec: &NetworkSpec) -> EngineResult<String> {
    let created = e.docker.create_network(spec::network_request(spec)).await.map_err(|x| e.err(x))?;
    if !created.warning.is_empty() {
        e.warn(format!("network {}: {}", spec.name, created.warning));
    }
    Ok(created.id)
}

pub(super) async fn remove_network(e: &DockerEngine, id: &str) -> EngineResult<()> {
    e.docker.remove_network(id).await.map_err(|x| e.err(x))
}

pub(super) async fn list_volumes(e: &DockerEngine, filter: &LabelFilter) -> EngineResult<Vec<VolumeInfo>> {
    let options = q::ListVolumesOptions { filters: Some(filters(filter)) };
    let list = e.docker.list_volumes(Some(options)).await.map_err(|x| e.err(x))?;
    Ok(list.volumes.unwrap_or_default().into_iter().map(volume).collect())
}

pub(super) async fn inspect_volume(e: &DockerEngine, name: &str) -> EngineResult<VolumeInfo> {
    let v = e.docker.inspect_volume(name).await.map_err(|x| e.err(x))?;
    Ok(volume(v))
}

pub(super) async fn create_volume(e: &DockerEngine, spec: &VolumeSpec) -> EngineResult<VolumeInfo> {
    let v = e.docker.create_volume(spec::volume_request(spec)).await.map_err(|x| e.err(x))?;
    Ok(volume(v))
}

pub(super) async fn remove_volume(e: &DockerEngine, name: &str, force: bool) -> EngineResult<()> {
    let options = q::RemoveVolumeOptions { force };
    e.docker.remove_volume(name, Some(options)).await.map_err(|x| e.err(x))
}

/// The `NetworkInfo` of a network answer. The list's `Network` and inspect's `NetworkInspect`
/// are two bollard types with the same fields: one translation serves both; only inspect
/// lists the containers attached.
macro_rules! network_info {
    ($n:ident, $containers:expr) => {
        NetworkInfo {
            id: $n.id.unwrap_or_default(),
            name: $n.name.unwrap_or_default(),
            driver: $n.driver.unwrap_or_default(),
            scope: $n.scope.unwrap_or_default(),
            created: $n.created.unwrap_or_default(),
            internal: $n.internal.unwrap_or_default(),
            attachable: $n.attachable.unwrap_or_default(),
            enable_ipv6: $n.enable_ipv6.unwrap_or_default(),
            ipam: $n.ipam.map(ipam).unwrap_or_default(),
            options: sorted($n.options),
            labels: sorted($n.labels),
            containers: $containers,
        }
    };
}

pub(super) fn network(n: wire::NetworkInspect) -> NetworkInfo {
    let containers = n
        .containers
        .unwrap_or_default()
        .into_iter()
        .map(|(id, c)| {
            let member = NetworkMember {
                name: c.name.unwrap_or_default(),
                ipv4_address: c.ipv4_address.unwrap_or_default(),
                ipv6_address: c.ipv6_address.unwrap_or_default(),
                mac_address: c.mac_address.unwrap_or_default(),
            };
            (id, member)
        })
        .collect();
    network_info!(n, containers)
}

pub(super) fn network_summary(n: wire::Network) -> NetworkInfo {
    network_info!(n, BTreeMap::new())
}

fn ipam(i: wire::Ipam) -> Ipam {
    Ipam {
        driver: i.driver,
        pools: i
            .config
            .unwrap_or_default()
            .into_iter()
            .map(|c| IpamPool { subnet: c.subnet, ip_range: c.ip_range, gateway: c.gateway, aux_addresses: sorted(c.auxiliary_addresses) })
            .collect(),
        options: sorted(i.options),
    }
}

pub(super) fn volume(v: wire::Volume) -> VolumeInfo {
    VolumeInfo {
        name: v.name,
        driver: v.driver,
        mountpoint: v.mountpoint,
        created_at: v.created_at,
        labels: v.labels.into_iter().collect(),
        options: v.options.into_iter().collect(),
        scope: v.scope.map(|s| s.to_string()).unwrap_or_default(),
    }
}
