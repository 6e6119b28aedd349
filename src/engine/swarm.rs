//! Swarm objects (services, tasks, nodes, secrets, configs) as rcompose sends and observes them.
//!
//! The types carry the Engine API's own JSON field names (`TaskTemplate`, `ContainerSpec`...):
//! a service spec is compared field by field with what the engine stores, and what `docker
//! stack deploy` sent must read back as the same value, so the shape is the API's, not ours.
//! Empty fields are left out when written and default when read, so that "absent", `null` and
//! `[]` compare equal, as they mean the same to the engine. Durations are nanoseconds, as on
//! the wire. Only `engine/docker/swarm.rs` turns them into requests.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{EngineFuture, LabelFilter};

pub type Labels = BTreeMap<String, String>;

fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}
fn is_zero_u64(v: &u64) -> bool {
    *v == 0
}
fn is_zero_f64(v: &f64) -> bool {
    *v == 0.0
}
fn is_false(v: &bool) -> bool {
    !*v
}

/// What the engine says of its place in a swarm.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SwarmInfo {
    pub node_id: String,
    /// `inactive`, `pending`, `active`, `error` or `locked`.
    pub state: String,
    /// Whether this node is a manager (only managers accept service calls).
    pub manager: bool,
}

/// A service's whole desired state: `POST /services/create` and `/services/{id}/update`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceSpec {
    pub name: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    pub task_template: TaskSpec,
    pub mode: ServiceMode,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_spec: Option<EndpointSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskSpec {
    pub container_spec: ContainerSpec,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placement: Option<Placement>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<NetworkAttachment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_driver: Option<Driver>,
    /// A counter: changing it redeploys the tasks. Kept as found.
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub force_update: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ContainerSpec {
    pub image: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    /// The entrypoint.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// The command.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dir: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
    #[serde(rename = "TTY", skip_serializing_if = "is_false")]
    pub tty: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub open_stdin: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthConfig>,
    /// `IP host...` lines, as `/etc/hosts` has them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    #[serde(rename = "DNSConfig", skip_serializing_if = "Option::is_none")]
    pub dns_config: Option<DnsConfig>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<ConfigReference>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub isolation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: Labels,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capability_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capability_drop: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ulimits: Vec<Ulimit>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Mount {
    #[serde(rename = "Type")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    pub target: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consistency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind_options: Option<MountBindOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_options: Option<MountVolumeOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs_options: Option<MountTmpfsOptions>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MountBindOptions {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub propagation: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MountVolumeOptions {
    #[serde(skip_serializing_if = "is_false")]
    pub no_copy: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub driver_config: Option<Driver>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct MountTmpfsOptions {
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub size_bytes: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct HealthConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub interval: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub timeout: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub start_period: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub retries: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DnsConfig {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nameservers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// Where a secret or config appears in the container.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct FileTarget {
    pub name: String,
    #[serde(rename = "UID")]
    pub uid: String,
    #[serde(rename = "GID")]
    pub gid: String,
    pub mode: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SecretReference {
    #[serde(rename = "File")]
    pub file: FileTarget,
    #[serde(rename = "SecretID")]
    pub id: String,
    #[serde(rename = "SecretName")]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConfigReference {
    #[serde(rename = "File")]
    pub file: FileTarget,
    #[serde(rename = "ConfigID")]
    pub id: String,
    #[serde(rename = "ConfigName")]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Ulimit {
    pub name: String,
    pub soft: i64,
    pub hard: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ResourceRequirements {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Resources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Resources>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Resources {
    #[serde(rename = "NanoCPUs", skip_serializing_if = "is_zero_i64")]
    pub nano_cpus: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub memory_bytes: i64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub pids: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generic_resources: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Placement {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<PlacementPreference>,
    #[serde(skip_serializing_if = "is_zero_u64")]
    pub max_replicas: u64,
    /// Set from the registry's manifest list when an image is resolved.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<Platform>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PlacementPreference {
    pub spread: Spread,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Spread {
    pub spread_descriptor: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Platform {
    #[serde(rename = "Architecture", skip_serializing_if = "String::is_empty")]
    pub architecture: String,
    #[serde(rename = "OS", skip_serializing_if = "String::is_empty")]
    pub os: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NetworkAttachment {
    /// A network name when sent; the engine stores (and answers) its id.
    pub target: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub driver_opts: Labels,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Driver {
    pub name: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: Labels,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceMode {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicated: Option<Replicated>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global: Option<Empty>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicated_job: Option<ReplicatedJob>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_job: Option<Empty>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Replicated {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ReplicatedJob {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_completions: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateConfig {
    pub parallelism: u64,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub delay: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub failure_action: String,
    #[serde(skip_serializing_if = "is_zero_i64")]
    pub monitor: i64,
    #[serde(skip_serializing_if = "is_zero_f64")]
    pub max_failure_ratio: f64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub order: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct EndpointSpec {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PortConfig {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    pub target_port: u32,
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub published_port: u32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub publish_mode: String,
}

fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

/// A service as the engine answers it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Service {
    #[serde(rename = "ID")]
    pub id: String,
    pub version: Version,
    pub created_at: String,
    pub updated_at: String,
    pub spec: ServiceSpec,
    /// The ports the engine published (an ingress port left to the engine gets one here).
    pub endpoint: ServiceEndpoint,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_status: Option<UpdateStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ServiceEndpoint {
    pub ports: Vec<PortConfig>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UpdateStatus {
    /// `updating`, `paused`, `completed`, `rollback_started`, `rollback_paused`, `rollback_completed`.
    pub state: String,
    pub message: String,
}

/// An object's version: what an update must name, and what stays when nothing changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Version {
    pub index: u64,
}

/// One task: a replica (or, in global mode, a node's instance) of a service.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Task {
    #[serde(rename = "ID")]
    pub id: String,
    #[serde(rename = "ServiceID")]
    pub service_id: String,
    #[serde(rename = "NodeID")]
    pub node_id: String,
    pub slot: u64,
    pub created_at: String,
    /// `running`, `shutdown`, `accepted`...
    pub desired_state: String,
    pub status: TaskStatus,
    pub spec: TaskSpec,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskStatus {
    pub timestamp: String,
    /// `new` ... `starting`, `running`, `complete`, `failed`, `rejected`, `shutdown`...
    /// A task with a healthcheck stays `starting` until it is healthy.
    pub state: String,
    pub message: String,
    pub err: String,
    pub container_status: TaskContainerStatus,
    pub port_status: TaskPortStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskContainerStatus {
    #[serde(rename = "ContainerID")]
    pub container_id: String,
    pub exit_code: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TaskPortStatus {
    pub ports: Vec<PortConfig>,
}

/// A node of the swarm.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Node {
    #[serde(rename = "ID")]
    pub id: String,
    pub description: NodeDescription,
    pub status: NodeStatus,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeDescription {
    pub hostname: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct NodeStatus {
    pub state: String,
    pub addr: String,
}

/// A secret or a config (the engine never answers a secret's data; a config's it does).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileObjectInfo {
    pub id: String,
    pub version: u64,
    pub name: String,
    pub labels: Labels,
    pub data: Option<Vec<u8>>,
}

/// A secret or config to create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileObjectSpec {
    pub name: String,
    pub labels: Labels,
    pub data: Vec<u8>,
    /// A secret driver (`driver:`): the data then comes from it.
    pub driver: Option<Driver>,
    pub template_driver: Option<String>,
}

/// Secrets and configs have the same calls; which one a call is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Secret,
    Config,
}

impl FileKind {
    pub fn noun(self) -> &'static str {
        match self {
            FileKind::Secret => "secret",
            FileKind::Config => "config",
        }
    }
}

/// The Swarm calls of an engine. Reached through [`super::Engine::swarm`]: an engine that is
/// not a Docker engine (the fake) has none.
pub trait SwarmEngine: Send + Sync {
    fn swarm_info(&self) -> EngineFuture<'_, SwarmInfo>;
    /// Services whose labels match (the engine's own defaults not filled in: the spec as stored).
    fn list_services<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<Service>>;
    /// Returns the new service's id; the engine's warnings go to `take_warnings`.
    fn create_service<'a>(&'a self, spec: &'a ServiceSpec) -> EngineFuture<'a, String>;
    /// Replaces the spec of the service at `version`; a stale version is `Api`/`Conflict`.
    fn update_service<'a>(&'a self, id: &'a str, version: Version, spec: &'a ServiceSpec) -> EngineFuture<'a, ()>;
    fn remove_service<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()>;
    /// Tasks of the services whose ids are given (all tasks when none is).
    fn list_tasks<'a>(&'a self, services: &'a [String]) -> EngineFuture<'a, Vec<Task>>;
    fn list_nodes(&self) -> EngineFuture<'_, Vec<Node>>;
    fn list_files<'a>(&'a self, kind: FileKind, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<FileObjectInfo>>;
    /// Returns the new object's id.
    fn create_file<'a>(&'a self, kind: FileKind, spec: &'a FileObjectSpec) -> EngineFuture<'a, String>;
    fn remove_file<'a>(&'a self, kind: FileKind, id: &'a str) -> EngineFuture<'a, ()>;
}
