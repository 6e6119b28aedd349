//! One service, in canonical (long) form.
//!
//! Field order and `skip_serializing_if` rules follow what Docker Compose prints, so that
//! `config` output compares equal. Fields the runtime does not use yet and whose shape is free
//! are kept as JSON values; anything not modelled at all lands in `other` and is printed back.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;

use super::units::{Bytes, Duration};

pub type Mapping = BTreeMap<String, String>;
/// `environment` and `build.args`: a variable may be declared without a value.
pub type MappingWithEquals = BTreeMap<String, Option<String>>;

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_zero_i64(v: &i64) -> bool {
    *v == 0
}
fn is_zero_f32(v: &f32) -> bool {
    *v == 0.0
}
fn is_zero_bytes(v: &Bytes) -> bool {
    v.0 == 0
}
fn is_none_or_zero(v: &Option<i64>) -> bool {
    v.unwrap_or(0) == 0
}
fn is_none_or_empty(v: &Option<Json>) -> bool {
    v.as_ref().is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty))
}

/// A free-form part that is a Go struct whose fields are all `omitempty` (`blkio_config`,
/// `deploy.placement`): empty lists and zeros are left out.
fn without_empty_fields<'a, S, I>(fields: I, s: S) -> Result<S::Ok, S::Error>
where
    S: serde::Serializer,
    I: IntoIterator<Item = (&'a String, &'a Json)>,
{
    let empty = |v: &Json| match v {
        Json::Array(items) => items.is_empty(),
        Json::Number(n) => n.as_f64() == Some(0.0),
        Json::String(text) => text.is_empty(),
        Json::Null => true,
        _ => false,
    };
    s.collect_map(fields.into_iter().filter(|(_, v)| !empty(v)))
}

/// `deploy.placement`: Go's struct, in its field order, without its empty fields.
fn placement<S: serde::Serializer>(v: &IndexMap<String, Json>, s: S) -> Result<S::Ok, S::Error> {
    let order = ["constraints", "preferences", "max_replicas_per_node"];
    let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(order.len());
    let mut fields: Vec<(&String, &Json)> = v.iter().collect();
    fields.sort_by_key(|(k, _)| rank(k));
    without_empty_fields(fields, s)
}

/// `blkio_config`: Go's struct without its empty fields, and its device entries as Go writes
/// them in JSON: compose-go's device types have no JSON tags (`Path`, `Weight`, `Rate`), and a
/// rate is a byte count written as a string. (The YAML output writes the keys in lower case.)
fn blkio_config<S: serde::Serializer>(v: &Option<Json>, s: S) -> Result<S::Ok, S::Error> {
    let Some(Json::Object(config)) = v else { return v.serialize(s) };
    let mut config = config.clone();
    for devices in config.values_mut().filter_map(Json::as_array_mut) {
        for device in devices.iter_mut().filter_map(Json::as_object_mut) {
            for (from, to) in [("path", "Path"), ("weight", "Weight"), ("rate", "Rate")] {
                if let Some(mut v) = device.shift_remove(from) {
                    if to == "Rate" {
                        let bytes = match &v {
                            Json::String(s) => Bytes::parse(s).map(|b| b.0).unwrap_or_default(),
                            other => other.as_i64().unwrap_or_default(),
                        };
                        v = Json::String(bytes.to_string());
                    }
                    device.insert(to.into(), v);
                }
            }
        }
    }
    without_empty_fields(&config, s)
}

fn exec_or_empty<S: serde::Serializer>(v: &Option<Json>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => v.serialize(s),
        None => serde_json::json!({ "command": null }).serialize(s),
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Service {
    /// The key under `services:`; filled in by the loader.
    #[serde(skip)]
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attach: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub develop: Option<Develop>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "blkio_config")]
    pub blkio_config: Option<Json>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cap_drop: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cgroup_parent: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cgroup: String,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub cpu_count: i64,
    #[serde(
        skip_serializing_if = "is_zero_f32",
        deserialize_with = "super::units::lenient_f32",
        serialize_with = "super::units::f32_shortest"
    )]
    pub cpu_percent: f32,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub cpu_period: i64,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub cpu_quota: i64,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub cpu_rt_period: i64,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub cpu_rt_runtime: i64,
    #[serde(
        skip_serializing_if = "is_zero_f32",
        deserialize_with = "super::units::lenient_f32",
        serialize_with = "super::units::f32_shortest"
    )]
    pub cpus: f32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub cpuset: String,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub cpu_shares: i64,
    /// `None` means "the image's default"; printed as `null` as Compose does.
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub configs: Vec<FileReference>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub container_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential_spec: Option<Json>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub depends_on: BTreeMap<String, DependsOn>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_cgroup_rules: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<Device>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_opt: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns_search: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dockerfile: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub domainname: String,
    pub entrypoint: Option<Vec<String>>,
    /// A service provided by a plugin (`docker model`...) rather than a container: read and
    /// printed; `up` refuses it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Provider>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: MappingWithEquals,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env_file: Vec<EnvFile>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<Json>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_links: Vec<String>,
    /// `host=ip` entries, in the order written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_add: Vec<String>,
    /// `gpus: all` is canonically `[{count: all}]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub gpus: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub hostname: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<Healthcheck>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipc: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub isolation: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub label_file: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging: Option<Logging>,
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub mem_limit: Bytes,
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub mem_reservation: Bytes,
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub memswap_limit: Bytes,
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub mem_swappiness: Bytes,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    /// Top-level `models` the service uses, with the variables that tell it where they are.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, Option<ServiceModel>>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network_mode: String,
    /// Networks the service joins; `None` values are attachments with no options.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Option<ServiceNetwork>>,
    #[serde(skip_serializing_if = "is_false")]
    pub oom_kill_disable: bool,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub oom_score_adj: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pid: String,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub pids_limit: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub platform: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pull_policy: String,
    /// Read, and not printed, as Docker Compose 2.40.3 does.
    #[serde(skip_serializing)]
    pub pull_refresh_after: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub restart: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub runtime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scale: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub shm_size: Bytes,
    #[serde(skip_serializing_if = "is_false")]
    pub stdin_open: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_grace_period: Option<Duration>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub stop_signal: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub storage_opt: Mapping,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sysctls: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tmpfs: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub tty: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub ulimits: BTreeMap<String, Ulimit>,
    /// Mount the engine's socket and the user's registry credentials into the container.
    #[serde(skip_serializing_if = "is_false")]
    pub use_api_socket: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub userns_mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uts: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub volume_driver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Mount>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    /// Docker Compose v5's init containers: each command runs to completion in a container of
    /// its own, made from the service's, after the service's container is created and before
    /// it starts (`reconcile::hooks`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pre_start: Vec<ServiceHook>,
    /// Commands run in the container after it starts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub post_start: Vec<ServiceHook>,
    /// Commands run in the container before it stops.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pre_stop: Vec<ServiceHook>,
    /// `x-*` extensions and any key the model does not name, printed back as read.
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Build {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub context: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dockerfile: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub dockerfile_inline: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entitlements: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub args: MappingWithEquals,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ssh: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_from: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cache_to: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub no_cache: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub additional_contexts: Mapping,
    #[serde(skip_serializing_if = "is_false")]
    pub pull: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extra_hosts: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub isolation: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub network: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<FileReference>,
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub shm_size: Bytes,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ulimits: Option<BTreeMap<String, Ulimit>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub platforms: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    /// BuildKit attestations; the classic builder refuses them.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub provenance: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub sbom: String,
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// `provider:` of a service.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Provider {
    #[serde(rename = "type")]
    pub kind: String,
    /// Every value a list of strings, in canonical form.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, Vec<String>>,
}

/// A service's use of a model.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ServiceModel {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_var: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub model_var: String,
}

/// A `pre_start`, `post_start` or `pre_stop` hook.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ServiceHook {
    /// Printed `null` when unset, as compose-go's `ShellCommand` is.
    pub command: Option<Vec<String>>,
    /// `pre_start` only: the image the hook's container runs instead of the service's.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub image: String,
    /// `pre_start` only: run the hook once per replica. Docker Compose v5.5 reads it and
    /// refuses `true` ("not yet supported"); so does the planner.
    #[serde(skip_serializing_if = "is_false")]
    pub per_replica: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub user: String,
    #[serde(skip_serializing_if = "is_false")]
    pub privileged: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub working_dir: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: MappingWithEquals,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DependsOn {
    pub condition: String,
    #[serde(skip_serializing_if = "is_false")]
    pub restart: bool,
    pub required: bool,
}

pub const SERVICE_STARTED: &str = "service_started";
pub const SERVICE_HEALTHY: &str = "service_healthy";
pub const SERVICE_COMPLETED: &str = "service_completed_successfully";

/// A service's use of a secret or config.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FileReference {
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gid: String,
    /// Written as Docker Compose 2.40.3 writes it: a string, `0` and the octal digits (`"0440"`);
    /// read from a number or such a string.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "octal_mode", deserialize_with = "mode_number")]
    pub mode: Option<u32>,
}

fn octal_mode<S: serde::Serializer>(v: &Option<u32>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(m) => s.serialize_str(&format!("0{m:o}")),
        None => s.serialize_none(),
    }
}

fn mode_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    use serde::de::Error;
    match Option::<Json>::deserialize(d)? {
        None | Some(Json::Null) => Ok(None),
        Some(Json::Number(n)) => {
            n.as_u64().and_then(|n| u32::try_from(n).ok()).map(Some).ok_or_else(|| D::Error::custom(format!("invalid file mode {n}")))
        }
        Some(Json::String(t)) => u32::from_str_radix(&t, 8).map(Some).map_err(|_| D::Error::custom(format!("invalid file mode {t:?}"))),
        Some(other) => Err(D::Error::custom(format!("invalid file mode {other}"))),
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Device {
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub permissions: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct EnvFile {
    pub path: String,
    pub required: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub format: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Healthcheck {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub test: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retries: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_period: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_interval: Option<Duration>,
    #[serde(skip_serializing_if = "is_false")]
    pub disable: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Logging {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: Mapping,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct ServiceNetwork {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv4_address: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ipv6_address: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mac_address: String,
    /// `omitempty` in compose-go: 0 is not printed. Last, as in compose-go's struct since
    /// Docker Compose 2.29 (2.26.1 wrote it first).
    #[serde(skip_serializing_if = "is_none_or_zero")]
    pub priority: Option<i64>,
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Port {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub host_ip: String,
    pub target: u32,
    /// A port or a range (`8000-8010`) on the host; empty means "any free port".
    #[serde(skip_serializing_if = "String::is_empty")]
    pub published: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub protocol: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub app_protocol: String,
}

pub const MOUNT_BIND: &str = "bind";
pub const MOUNT_VOLUME: &str = "volume";
pub const MOUNT_TMPFS: &str = "tmpfs";
/// A directory of an image, read-only (Docker Engine 28, API 1.48).
pub const MOUNT_IMAGE: &str = "image";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Mount {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub source: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    #[serde(skip_serializing_if = "is_false")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub consistency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<BindOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume: Option<VolumeOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<TmpfsOptions>,
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct BindOptions {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub selinux: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub propagation: String,
    #[serde(skip_serializing_if = "is_false")]
    pub create_host_path: bool,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct VolumeOptions {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "is_false")]
    pub nocopy: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subpath: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct TmpfsOptions {
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub size: Bytes,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
}

/// One `ulimits` entry. It serializes as Go's JSON writes compose-go's `UlimitsConfig`: a
/// non-zero single value as a number, anything else as `{soft, hard}` without its zero fields
/// (`core: 0` is `{}`). The YAML output puts the zero fields back (`render`), as Compose does.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(untagged)]
pub enum Ulimit {
    Single(i64),
    Range { soft: i64, hard: i64 },
}

impl Serialize for Ulimit {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (soft, hard) = match *self {
            Ulimit::Single(v) if v != 0 => return s.serialize_i64(v),
            Ulimit::Single(_) => (0, 0),
            Ulimit::Range { soft, hard } => (soft, hard),
        };
        let fields = [("soft", soft), ("hard", hard)];
        let mut map = s.serialize_map(Some(fields.iter().filter(|f| f.1 != 0).count()))?;
        for (k, v) in fields.iter().filter(|f| f.1 != 0) {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A request for devices of a device driver (`gpus`, `deploy.resources.reservations.devices`),
/// in the field order and shape of compose-go's `DeviceRequest`: `count: all` is -1, a zero
/// count is left out, options are strings.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct DeviceRequest {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub capabilities: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "device_count")]
    pub count: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub device_ids: Vec<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub options: Mapping,
}

/// A device count: a number, or `all` (-1).
fn device_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match Json::deserialize(d)? {
        Json::String(s) if s == "all" => Ok(-1),
        Json::String(s) => s.trim().parse().map_err(|_| serde::de::Error::custom(format!("invalid value for count: {s:?}"))),
        Json::Number(n) => n.as_i64().ok_or_else(|| serde::de::Error::custom(format!("invalid value for count: {n}"))),
        other => Err(serde::de::Error::custom(format!("invalid value for count: {other}"))),
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Deploy {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub mode: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i64>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback_config: Option<UpdateConfig>,
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
    /// Printed even when empty, as Compose does.
    #[serde(serialize_with = "placement")]
    pub placement: IndexMap<String, Json>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub endpoint_mode: String,
}

/// `deploy.update_config` and `deploy.rollback_config`.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct UpdateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub failure_action: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor: Option<Duration>,
    #[serde(
        skip_serializing_if = "is_zero_f32",
        deserialize_with = "super::units::lenient_f32",
        serialize_with = "super::units::f32_shortest"
    )]
    pub max_failure_ratio: f32,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub order: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Resource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservations: Option<Resource>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Resource {
    #[serde(
        skip_serializing_if = "is_zero_f32",
        deserialize_with = "super::units::lenient_f32",
        serialize_with = "super::units::f32_shortest"
    )]
    pub cpus: f32,
    #[serde(skip_serializing_if = "is_zero_bytes")]
    pub memory: Bytes,
    #[serde(skip_serializing_if = "is_zero_i64", deserialize_with = "super::units::lenient_i64")]
    pub pids: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<DeviceRequest>,
    #[serde(skip_serializing_if = "is_none_or_empty")]
    pub generic_resources: Option<Json>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub condition: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<Duration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<Duration>,
}

/// `develop:` — the rules `watch` follows.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Develop {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub watch: Vec<WatchRule>,
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct WatchRule {
    pub path: String,
    pub action: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub target: String,
    /// A struct, not a pointer, in compose-go: written `{"command": null}` when unset.
    #[serde(serialize_with = "exec_or_empty")]
    pub exec: Option<Json>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub initial_sync: bool,
    /// `x-*` extensions (`x-initialSync`, the older spelling of `initial_sync`); not printed,
    /// as Docker Compose 2.26.1 does not print them.
    #[serde(flatten, skip_serializing)]
    pub other: IndexMap<String, Json>,
}
