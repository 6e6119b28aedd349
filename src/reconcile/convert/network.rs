//! Network endpoints of a container, and the specs of the project's networks and volumes.

use std::collections::BTreeMap;

use super::non_empty;
use crate::engine::{EndpointSpec, Ipam, IpamPool, NetworkSpec, VolumeSpec};
use crate::model::{Network, Project, Service, Volume};
use crate::reconcile::labels;

/// The networks a container joins, the primary one first: highest `priority`, then by name,
/// as Docker Compose orders them. Aliases are the container name, the service name, then the
/// configured aliases. Every endpoint carries the service's links, as Docker Compose sends them.
pub(super) fn endpoints(project: &Project, service: &Service, container_name: &str, links: &[String]) -> Vec<EndpointSpec> {
    let mut keys: Vec<(&String, i64)> =
        service.networks.iter().map(|(k, cfg)| (k, cfg.as_ref().and_then(|c| c.priority).unwrap_or(0))).collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    keys.iter()
        .enumerate()
        .map(|(i, (key, _))| {
            let given = service.networks[*key].as_ref();
            let cfg = given.cloned().unwrap_or_default();
            let mut aliases = vec![container_name.to_string(), service.name.clone()];
            aliases.extend(cfg.aliases.iter().filter(|a| !aliases.contains(a)).cloned().collect::<Vec<_>>());
            let mac = if cfg.mac_address.is_empty() && i == 0 { &service.mac_address } else { &cfg.mac_address };
            EndpointSpec {
                network: project.networks.get(*key).map_or_else(|| (*key).clone(), |n| n.name.clone()),
                aliases,
                ipv4_address: non_empty(&cfg.ipv4_address),
                ipv6_address: non_empty(&cfg.ipv6_address),
                link_local_ips: cfg.link_local_ips.clone(),
                mac_address: non_empty(mac),
                links: links.to_vec(),
                driver_opts: cfg
                    .other
                    .get("driver_opts")
                    .and_then(|o| o.as_object())
                    .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_string))).collect())
                    .unwrap_or_default(),
                ipam_config: given.is_some(),
                ..Default::default()
            }
        })
        .collect()
}

/// The legacy links of container `number`, as Docker Compose writes them: for each container
/// of a linked service, `container:alias`, `container:service-N` and
/// `container:project-service-N`, where N is the number of the container being created (not of
/// the linked one: Docker Compose's quirk, kept so that both tools create the same links); then
/// `external_links` as `container:alias`.
pub(super) fn links(project: &Project, service: &Service, number: u32) -> Vec<String> {
    let mut out = Vec::new();
    for entry in &service.links {
        let (target, alias) = entry.split_once(':').unwrap_or((entry, entry));
        let Some(linked) = project.services.get(target) else { continue };
        for n in 1..=crate::reconcile::plan::replicas(linked) {
            let name = labels::container_name(project, linked, n);
            out.push(format!("{name}:{alias}"));
            out.push(format!("{name}:{target}-{number}"));
            out.push(format!("{name}:{}-{target}-{number}", project.name));
        }
    }
    for entry in &service.external_links {
        let (container, alias) = entry.split_once(':').unwrap_or((entry, entry));
        out.push(format!("{container}:{alias}"));
    }
    out
}

/// The spec of the project network declared under `key`.
pub fn network_spec(project: &Project, key: &str, network: &Network) -> NetworkSpec {
    let mut l = network.labels.clone();
    l.insert(labels::NETWORK.into(), key.into());
    l.insert(labels::PROJECT.into(), project.name.clone());
    l.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
    l.insert(labels::CONFIG_HASH.into(), crate::reconcile::hash::network_hash(network));
    let ipam = &network.ipam;
    // Docker Compose 2.40.3 sends the IPAM driver and pools only: `ipam.options` never reach
    // the engine, so they are left out here too.
    let has_ipam = !ipam.driver.is_empty() || !ipam.config.is_empty();
    NetworkSpec {
        name: network.name.clone(),
        driver: non_empty(&network.driver),
        options: network.driver_opts.clone(),
        ipam: has_ipam.then(|| Ipam {
            driver: non_empty(&ipam.driver),
            pools: ipam
                .config
                .iter()
                .map(|p| IpamPool {
                    subnet: non_empty(&p.subnet),
                    ip_range: non_empty(&p.ip_range),
                    gateway: non_empty(&p.gateway),
                    aux_addresses: p.aux_addresses.clone(),
                })
                .collect(),
            options: Default::default(),
        }),
        internal: network.internal,
        attachable: network.attachable,
        enable_ipv6: network.enable_ipv6,
        labels: l,
    }
}

/// The spec of the project volume declared under `key`.
pub fn volume_spec(project: &Project, key: &str, volume: &Volume) -> VolumeSpec {
    let mut l: BTreeMap<String, String> = volume.labels.clone();
    l.insert(labels::VOLUME.into(), key.into());
    l.insert(labels::PROJECT.into(), project.name.clone());
    l.insert(labels::VERSION.into(), labels::COMPOSE_VERSION.into());
    l.insert(labels::CONFIG_HASH.into(), crate::reconcile::hash::volume_hash(volume));
    VolumeSpec { name: volume.name.clone(), driver: non_empty(&volume.driver), driver_opts: volume.driver_opts.clone(), labels: l }
}
