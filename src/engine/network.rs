//! Networks as rcompose creates and observes them.

use std::collections::BTreeMap;

/// A network to create.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkSpec {
    pub name: String,
    /// `None` takes the engine's default (`bridge`).
    pub driver: Option<String>,
    pub options: BTreeMap<String, String>,
    pub ipam: Option<Ipam>,
    pub internal: bool,
    pub attachable: bool,
    pub enable_ipv6: Option<bool>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ipam {
    pub driver: Option<String>,
    pub pools: Vec<IpamPool>,
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpamPool {
    pub subnet: Option<String>,
    pub ip_range: Option<String>,
    pub gateway: Option<String>,
    pub aux_addresses: BTreeMap<String, String>,
}

/// A network as the engine reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkInfo {
    pub id: String,
    pub name: String,
    pub driver: String,
    /// `local`, `swarm` or `global`.
    pub scope: String,
    pub created: String,
    pub internal: bool,
    pub attachable: bool,
    pub enable_ipv6: bool,
    pub ipam: Ipam,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    /// Attached containers keyed by container id; filled by inspect, empty in listings.
    pub containers: BTreeMap<String, NetworkMember>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkMember {
    pub name: String,
    /// CIDR notation, e.g. `172.18.0.2/16`.
    pub ipv4_address: String,
    pub ipv6_address: String,
    pub mac_address: String,
}
