//! What the engine reports about existing containers: the list view and the inspect view.

use std::collections::BTreeMap;
use std::fmt;

use super::container::{ContainerConfig, HostConfig, MountKind, PortBinding};

/// One row of a container listing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerSummary {
    pub id: String,
    /// Names without the engine's leading `/`.
    pub names: Vec<String>,
    /// The image as the container was created with it (a name or an id).
    pub image: String,
    pub image_id: String,
    pub command: String,
    /// Unix seconds.
    pub created: i64,
    pub state: ContainerStatus,
    /// Human text such as `Up 3 minutes (healthy)`.
    pub status: String,
    pub labels: BTreeMap<String, String>,
    pub ports: Vec<PortSummary>,
    /// Keyed by network name.
    pub networks: BTreeMap<String, EndpointInfo>,
    pub mounts: Vec<MountPoint>,
}

impl ContainerSummary {
    /// The first name, which is the container's own (others are legacy links).
    pub fn name(&self) -> &str {
        self.names.first().map(String::as_str).unwrap_or("")
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortSummary {
    pub ip: Option<String>,
    pub private_port: u16,
    pub public_port: Option<u16>,
    /// `tcp`, `udp` or `sctp`.
    pub protocol: String,
}

/// The full view of one container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerDetails {
    pub id: String,
    /// Without the leading `/`.
    pub name: String,
    /// RFC 3339.
    pub created: String,
    pub image_id: String,
    pub restart_count: i64,
    /// As the engine reports it: image defaults (env, cmd) are merged in.
    pub config: ContainerConfig,
    pub host: HostConfig,
    pub state: ContainerState,
    pub mounts: Vec<MountPoint>,
    /// Keyed by network name.
    pub networks: BTreeMap<String, EndpointInfo>,
    /// Ports actually bound, keyed by `port/protocol`; empty while the container is stopped.
    pub ports: BTreeMap<String, Vec<PortBinding>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContainerState {
    pub status: ContainerStatus,
    pub running: bool,
    pub paused: bool,
    pub restarting: bool,
    pub oom_killed: bool,
    pub dead: bool,
    pub pid: i64,
    pub exit_code: i64,
    pub error: String,
    pub started_at: String,
    pub finished_at: String,
    /// `None` when the container has no healthcheck.
    pub health: Option<HealthState>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ContainerStatus {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited,
    Dead,
    /// A state this version does not know.
    #[default]
    Unknown,
}

impl ContainerStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "created" => ContainerStatus::Created,
            "running" => ContainerStatus::Running,
            "paused" => ContainerStatus::Paused,
            "restarting" => ContainerStatus::Restarting,
            "removing" => ContainerStatus::Removing,
            "exited" => ContainerStatus::Exited,
            "dead" => ContainerStatus::Dead,
            _ => ContainerStatus::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ContainerStatus::Created => "created",
            ContainerStatus::Running => "running",
            ContainerStatus::Paused => "paused",
            ContainerStatus::Restarting => "restarting",
            ContainerStatus::Removing => "removing",
            ContainerStatus::Exited => "exited",
            ContainerStatus::Dead => "dead",
            ContainerStatus::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ContainerStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthState {
    pub status: HealthStatus,
    pub failing_streak: i64,
    /// The last few probes, oldest first.
    pub log: Vec<HealthProbe>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HealthStatus {
    #[default]
    None,
    Starting,
    Healthy,
    Unhealthy,
}

impl HealthStatus {
    pub fn parse(s: &str) -> Self {
        match s {
            "starting" => HealthStatus::Starting,
            "healthy" => HealthStatus::Healthy,
            "unhealthy" => HealthStatus::Unhealthy,
            _ => HealthStatus::None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::None => "none",
            HealthStatus::Starting => "starting",
            HealthStatus::Healthy => "healthy",
            HealthStatus::Unhealthy => "unhealthy",
        }
    }
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthProbe {
    pub start: String,
    pub end: String,
    pub exit_code: i64,
    pub output: String,
}

/// A mount as the engine set it up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MountPoint {
    pub kind: Option<MountKind>,
    /// Volume name, for volumes.
    pub name: Option<String>,
    pub source: String,
    pub destination: String,
    pub driver: Option<String>,
    pub mode: String,
    pub rw: bool,
    pub propagation: String,
}

/// A container's attachment to one network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointInfo {
    pub network_id: String,
    pub endpoint_id: String,
    pub aliases: Vec<String>,
    pub ip_address: String,
    pub ip_prefix_len: i64,
    pub gateway: String,
    pub ipv6_address: String,
    pub mac_address: String,
    /// The static addresses that were asked for, if any.
    pub ipv4_requested: Option<String>,
    pub ipv6_requested: Option<String>,
}
