//! What a container is made of, in our own words.
//!
//! The same `ContainerConfig` and `HostConfig` describe a container to create and a container
//! inspected, so the reconciler can compare "wanted" and "running" field by field without
//! knowing the engine's wire format. Optional fields left `None` (or empty) take the engine's
//! or the image's default.

use std::collections::BTreeMap;
use std::time::Duration;

/// Everything needed to create one container.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerSpec {
    /// The container's name; `None` lets the engine pick one.
    pub name: Option<String>,
    pub config: ContainerConfig,
    pub host: HostConfig,
    /// Networks to join, the primary one first. Engines older than API 1.44 accept a single
    /// network at creation: the Docker adapter connects the others right after creating.
    pub networks: Vec<EndpointSpec>,
}

/// The part of a container's configuration that travels with it (the engine's `Config`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerConfig {
    pub image: String,
    /// `None` keeps the image's CMD.
    pub cmd: Option<Vec<String>>,
    /// `None` keeps the image's ENTRYPOINT; `Some(vec![])` clears it.
    pub entrypoint: Option<Vec<String>>,
    /// `KEY=value` entries.
    pub env: Vec<String>,
    pub labels: BTreeMap<String, String>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    /// `port/protocol` entries, e.g. `80/tcp`.
    pub exposed_ports: Vec<String>,
    pub tty: bool,
    pub open_stdin: bool,
    /// Standard input is attached when the container starts (a `run` that reads the
    /// terminal); with `open_stdin` the engine closes it once that client detaches.
    pub attach_stdin: bool,
    pub stop_signal: Option<String>,
    /// Engine-side grace period for stop, in whole seconds on the wire.
    pub stop_timeout: Option<Duration>,
    pub healthcheck: Option<Healthcheck>,
}

/// A healthcheck; `test: ["NONE"]` disables the image's one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Healthcheck {
    /// `["CMD", ...]`, `["CMD-SHELL", "..."]` or `["NONE"]`; empty inherits the image's test.
    pub test: Vec<String>,
    pub interval: Option<Duration>,
    pub timeout: Option<Duration>,
    pub retries: Option<u32>,
    pub start_period: Option<Duration>,
    /// Needs API 1.44; older engines ignore it.
    pub start_interval: Option<Duration>,
}

/// How the container sits on the host (the engine's `HostConfig`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HostConfig {
    /// Short-syntax binds, `source:target[:options]`.
    pub binds: Vec<String>,
    pub mounts: Vec<Mount>,
    /// Keyed by `port/protocol` of the container.
    pub port_bindings: BTreeMap<String, Vec<PortBinding>>,
    pub publish_all_ports: bool,
    pub restart_policy: Option<RestartPolicy>,
    /// `bridge`, `host`, `none`, `container:<id>`, or a network name.
    pub network_mode: Option<String>,
    pub resources: Resources,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    pub privileged: bool,
    pub init: Option<bool>,
    pub read_only: bool,
    /// Mount path to tmpfs options (`size=64m,mode=1777`), options may be empty.
    pub tmpfs: BTreeMap<String, String>,
    /// Bytes.
    pub shm_size: Option<i64>,
    pub ulimits: Vec<Ulimit>,
    pub sysctls: BTreeMap<String, String>,
    /// `host:ip` entries.
    pub extra_hosts: Vec<String>,
    pub dns: Vec<String>,
    pub dns_search: Vec<String>,
    pub dns_options: Vec<String>,
    pub log_config: Option<LogConfig>,
    pub security_opt: Vec<String>,
    pub devices: Vec<DeviceMapping>,
    pub device_cgroup_rules: Vec<String>,
    pub pid_mode: Option<String>,
    pub ipc_mode: Option<String>,
    pub uts_mode: Option<String>,
    pub userns_mode: Option<String>,
    pub cgroup_parent: Option<String>,
    pub runtime: Option<String>,
    pub group_add: Vec<String>,
    pub volumes_from: Vec<String>,
    pub links: Vec<String>,
    pub oom_score_adj: Option<i64>,
    pub auto_remove: bool,
    pub storage_opt: BTreeMap<String, String>,
    /// `host` or `private`; `None` takes the engine's default.
    pub cgroupns_mode: Option<String>,
    pub isolation: Option<String>,
    pub volume_driver: Option<String>,
    /// `Some(vec![])` unmasks every path (`security_opt: systempaths=unconfined`).
    pub masked_paths: Option<Vec<String>>,
    pub readonly_paths: Option<Vec<String>>,
}

/// Limits on CPU, memory and processes; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// Bytes.
    pub memory: Option<i64>,
    pub memory_reservation: Option<i64>,
    pub memory_swap: Option<i64>,
    pub memory_swappiness: Option<i64>,
    /// CPUs in units of 1e-9 (`cpus: 1.5` is 1_500_000_000).
    pub nano_cpus: Option<i64>,
    pub cpu_shares: Option<i64>,
    pub cpu_period: Option<i64>,
    pub cpu_quota: Option<i64>,
    pub cpuset_cpus: Option<String>,
    pub cpuset_mems: Option<String>,
    pub pids_limit: Option<i64>,
    pub oom_kill_disable: Option<bool>,
    pub blkio_weight: Option<u16>,
    pub blkio_weight_device: Vec<BlkioWeight>,
    pub blkio_device_read_bps: Vec<BlkioThrottle>,
    pub blkio_device_read_iops: Vec<BlkioThrottle>,
    pub blkio_device_write_bps: Vec<BlkioThrottle>,
    pub blkio_device_write_iops: Vec<BlkioThrottle>,
    pub cpu_realtime_period: Option<i64>,
    pub cpu_realtime_runtime: Option<i64>,
    /// Windows only: Linux engines refuse them.
    pub cpu_count: Option<i64>,
    pub cpu_percent: Option<i64>,
    /// Devices asked of a device driver (GPUs): `deploy.resources.reservations.devices`.
    pub device_requests: Vec<DeviceRequest>,
}

/// A request for devices from a driver such as `nvidia`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceRequest {
    pub driver: String,
    /// `-1` for all the driver's devices.
    pub count: i64,
    pub device_ids: Vec<String>,
    /// Alternatives, each a set of capabilities the device must all have.
    pub capabilities: Vec<Vec<String>>,
    pub options: BTreeMap<String, String>,
}

/// A relative block-I/O weight for one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlkioWeight {
    pub path: String,
    pub weight: u16,
}

/// A block-I/O rate limit for one device: bytes or operations per second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlkioThrottle {
    pub path: String,
    pub rate: u64,
}

/// A long-syntax mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub kind: MountKind,
    /// Host path (bind), volume name (volume; `None` for anonymous), unused for tmpfs.
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub consistency: Option<String>,
    pub bind: Option<BindOptions>,
    pub volume: Option<VolumeMountOptions>,
    pub tmpfs: Option<TmpfsOptions>,
    /// `image` mounts: the directory of the image to mount (API 1.48 and later).
    pub image_subpath: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Image,
    Cluster,
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Bind => "bind",
            MountKind::Volume => "volume",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Npipe => "npipe",
            MountKind::Image => "image",
            MountKind::Cluster => "cluster",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "bind" => MountKind::Bind,
            "volume" => MountKind::Volume,
            "tmpfs" => MountKind::Tmpfs,
            "npipe" => MountKind::Npipe,
            "image" => MountKind::Image,
            "cluster" => MountKind::Cluster,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BindOptions {
    /// `private`, `rprivate`, `shared`, `rshared`, `slave`, `rslave`.
    pub propagation: Option<String>,
    /// Create the host path when missing (API 1.44; older engines always create it for binds).
    pub create_host_path: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VolumeMountOptions {
    pub no_copy: bool,
    pub labels: BTreeMap<String, String>,
    /// Needs API 1.45.
    pub subpath: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TmpfsOptions {
    pub size_bytes: Option<i64>,
    /// Unix permission bits, e.g. `0o1777`.
    pub mode: Option<u32>,
}

/// One host side of a published port; both `None` means "any interface, a random port".
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PortBinding {
    pub host_ip: Option<String>,
    /// A port or a range (`8000-8010`).
    pub host_port: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartPolicy {
    No,
    Always,
    UnlessStopped,
    OnFailure { max_retries: Option<u32> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ulimit {
    pub name: String,
    pub soft: i64,
    pub hard: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceMapping {
    pub path_on_host: String,
    pub path_in_container: String,
    /// `rwm` or a subset.
    pub cgroup_permissions: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogConfig {
    pub driver: String,
    pub options: BTreeMap<String, String>,
}

/// How a container joins one network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EndpointSpec {
    /// Network name or id.
    pub network: String,
    pub aliases: Vec<String>,
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
    pub link_local_ips: Vec<String>,
    pub mac_address: Option<String>,
    pub links: Vec<String>,
    pub driver_opts: BTreeMap<String, String>,
    /// Default-gateway priority (API 1.48).
    pub gw_priority: Option<i64>,
    /// Send an IPAM config even with no address in it: Docker Compose does for every network
    /// the service gives settings for, and the engine then reports `{}` instead of `null`.
    pub ipam_config: bool,
}

impl EndpointSpec {
    pub fn new(network: impl Into<String>) -> Self {
        EndpointSpec { network: network.into(), ..Default::default() }
    }
}
