//! The configuration hash Docker Compose writes in the `com.docker.compose.config-hash` label.
//!
//! A container whose label differs from the hash of its service's current configuration is
//! recreated by `up`. rcompose writes the hash Docker Compose 2.40.3 writes, so that a user can run
//! `docker compose up` after `rcompose up` (or the other way round) without anything being
//! recreated; and it recognises the hash of every Docker Compose series ([`Algorithm`]), so that
//! it takes over a project made by any of them without recreating what did not change.
//!
//! Docker Compose computes `sha256(json.Marshal(service))` over compose-go's `ServiceConfig`
//! after clearing `build`, `pull_policy`, `scale` and `deploy.replicas` (`pkg/compose/hash.go`);
//! from 2.29.3 on it clears `depends_on` too, from 2.30.2 `profiles`. The model serializes in
//! the struct order of the compose-go 2.40.3 uses (see `model::service`), so the work here is to
//! (1) drop what Go leaves out of JSON (extensions, `json:"-"`), (2) put the free-form parts the
//! model keeps as JSON values into Go's struct order, (3) shape what another series' compose-go
//! writes differently, and (4) write bytes as Go does (`gojson`).
//!
//! At `up`, Docker Compose hashes the service after replacing its references to other services'
//! containers by ids (`resolveServiceReferences`): `network_mode`, `ipc` and `pid` set to
//! `service:x` become `container:<id of x's first container>`, a `volumes_from` entry `x[:mode]`
//! becomes that id and `container:name[:mode]` becomes `name`. `config --hash` hashes the service
//! as written. [`config_hash`] is the latter, [`label_hash`] the former.
//!
//! The service must be the one `up` creates containers from: environment resolved and env
//! files merged, which is what the loader produces. (Docker Compose's own `config --hash`
//! hashes a service whose `env_file`s are not merged yet, so for such services it prints a
//! value that no container of its own ever carries; rcompose prints the label value.)
//!
//! Since 2.31/2.32 Docker Compose labels the networks and volumes it creates with a config hash
//! too ([`network_hash`], [`volume_hash`]): `sha256(json.Marshal(config))`, the volume's driver
//! defaulting to `local`.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::model::{Network, Project, Service, Volume};

pub use crate::go::json::{marshal as go_json, marshal_indent as go_json_indent};

/// The hash algorithms of the Docker Compose series: what `ServiceHash` clears and how the
/// compose-go each pins writes a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    /// Docker Compose 2.2x (2.26.1): `depends_on` and `profiles` hashed, a file `mode` written as
    /// a number, a network attachment's `priority` first.
    Compose2_26,
    /// Docker Compose 2.29 to 2.40 (2.40.3, the reference, and what rcompose writes).
    Compose2_40,
    /// Docker Compose v5 (from v5.5's `pkg/compose/hash.go` and its compose-go): a bind's
    /// `create_host_path` is left out when true and written when false; the top-level keys are
    /// pinned to compose-go's historical order, `pre_start` before `post_start`.
    Compose5,
}

impl Algorithm {
    /// The algorithm of the labels rcompose writes.
    pub const WRITTEN: Algorithm = Algorithm::Compose2_40;
    /// Every algorithm, the one written first: the order in which a label is recognised.
    pub const ALL: [Algorithm; 3] = [Algorithm::Compose2_40, Algorithm::Compose2_26, Algorithm::Compose5];

    /// Fields `ServiceHash` clears before hashing: changing them never recreates a container.
    fn cleared(self) -> &'static [&'static str] {
        match self {
            Algorithm::Compose2_26 => &["build", "pull_policy", "scale"],
            Algorithm::Compose2_40 | Algorithm::Compose5 => &["build", "pull_policy", "scale", "depends_on", "profiles"],
        }
    }
}

impl std::fmt::Display for Algorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Algorithm::Compose2_26 => "Docker Compose 2.26",
            Algorithm::Compose2_40 => "Docker Compose 2.40",
            Algorithm::Compose5 => "Docker Compose 5",
        })
    }
}

/// Go struct field order where it differs from the model's, or of the parts the model keeps as
/// free-form JSON, keyed by their path in the service (`*`: any array element or map key). Keys
/// not listed keep their place after these.
const STRUCT_ORDER: &[(&[&str], &[&str])] = &[
    (&["develop", "watch", "*", "exec"], &["command", "user", "privileged", "working_dir", "environment"]),
    (&["blkio_config"], &["weight", "weight_device", "device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops"]),
    (&["blkio_config", "*", "*"], &["Path", "Weight", "Rate"]),
    (&["credential_spec"], &["config", "file", "registry"]),
    (
        &["networks", "*"],
        &[
            "aliases",
            "driver_opts",
            "gw_priority",
            "interface_name",
            "ipv4_address",
            "ipv6_address",
            "link_local_ips",
            "mac_address",
            "priority",
        ],
    ),
];

type Rewrite = fn(&mut Value);

/// Values an algorithm's compose-go writes differently from the model, fixed before ordering.
fn rewrites(alg: Algorithm) -> &'static [(&'static [&'static str], Rewrite)] {
    match alg {
        Algorithm::Compose2_26 => {
            &[(&["secrets", "*"], mode_as_number), (&["configs", "*"], mode_as_number), (&["networks", "*"], priority_first)]
        }
        Algorithm::Compose2_40 => &[],
        Algorithm::Compose5 => &[(&["volumes", "*", "bind"], create_host_path_opt_out)],
    }
}

/// compose-go before 2.4 wrote a file `mode` as a number (`288`), later ones as `"0440"`.
fn mode_as_number(v: &mut Value) {
    if let Some(Value::String(m)) = v.get("mode") {
        if let Ok(n) = u32::from_str_radix(m, 8) {
            v["mode"] = Value::from(n);
        }
    }
}

/// compose-go before 2.1.4 declared a network attachment's `priority` first.
fn priority_first(v: &mut Value) {
    if let Value::Object(map) = v {
        reorder(map, &["priority"]);
    }
}

/// compose-go 2.10 made `create_host_path` an opt-out (`omitzero`, zero being true): true is
/// left out, false written.
fn create_host_path_opt_out(v: &mut Value) {
    if let Value::Object(map) = v {
        let create = map.get("create_host_path").and_then(Value::as_bool).unwrap_or(false);
        if create {
            map.shift_remove("create_host_path");
        } else {
            let at = map.keys().position(|k| k != "selinux" && k != "propagation").unwrap_or(map.len());
            map.shift_insert(at, "create_host_path".into(), Value::Bool(false));
        }
    }
}

/// The top-level key order Docker Compose v5 pins its hash to (compose-go's struct order, with
/// the v5 hook `pre_start` before `post_start`); keys not listed follow, sorted.
const V5_KEY_ORDER: &[&str] = &[
    "profiles",
    "annotations",
    "attach",
    "build",
    "develop",
    "blkio_config",
    "cap_add",
    "cap_drop",
    "cgroup_parent",
    "cgroup",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpus",
    "cpuset",
    "cpu_shares",
    "command",
    "configs",
    "container_name",
    "credential_spec",
    "depends_on",
    "deploy",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "dockerfile",
    "domainname",
    "entrypoint",
    "provider",
    "environment",
    "env_file",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "group_add",
    "gpus",
    "hostname",
    "healthcheck",
    "image",
    "init",
    "ipc",
    "isolation",
    "labels",
    "label_file",
    "links",
    "logging",
    "log_driver",
    "log_opt",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "mem_swappiness",
    "mac_address",
    "models",
    "net",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "privileged",
    "pull_policy",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volume_driver",
    "volumes",
    "volumes_from",
    "working_dir",
    "pre_start",
    "post_start",
    "pre_stop",
];

/// Paths of Go structs whose `x-*` keys are extensions (`json:"-"`), not data.
const EXTENSIBLE: &[&[&str]] = &[&[], &["networks", "*"], &["volumes", "*"], &["develop"], &["develop", "watch", "*"]];

/// The value of the `com.docker.compose.config-hash` label for `service`, as Docker Compose
/// 2.40.3 computes it. Docker Compose hashes the service alone; the project is taken so that
/// callers do not change if project-level inputs (secret contents...) ever join the hash.
pub fn config_hash(_project: &Project, service: &Service) -> String {
    config_hash_with(Algorithm::WRITTEN, service)
}

/// [`config_hash`] as the Docker Compose series of `alg` computes it.
pub fn config_hash_with(alg: Algorithm, service: &Service) -> String {
    sha256(&hashed_json_with(alg, service))
}

fn sha256(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The `com.docker.compose.config-hash` label of a network Docker Compose 2.40.3 creates.
pub fn network_hash(network: &Network) -> String {
    let mut value = serde_json::to_value(network).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.retain(|k, _| !k.starts_with("x-"));
        // compose-go declares `enable_ipv4` (kept among the model's other keys) before `enable_ipv6`.
        if let (Some(at), true) = (map.keys().position(|k| k == "enable_ipv6"), map.contains_key("enable_ipv4")) {
            if let Some(v4) = map.shift_remove("enable_ipv4") {
                map.shift_insert(at, "enable_ipv4".into(), v4);
            }
        }
    }
    sha256(&go_json(&value))
}

/// The `com.docker.compose.config-hash` label of a volume Docker Compose 2.40.3 creates: its
/// driver is `local` when the file names none.
pub fn volume_hash(volume: &Volume) -> String {
    let mut value = serde_json::to_value(volume).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.retain(|k, _| !k.starts_with("x-"));
        if !map.contains_key("driver") {
            let at = usize::from(map.contains_key("name"));
            map.shift_insert(at, "driver".into(), Value::from("local"));
        }
    }
    sha256(&go_json(&value))
}

/// The services whose containers' ids [`label_hash`] needs for `service`.
pub fn referenced_services(service: &Service) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = [&service.network_mode, &service.ipc, &service.pid]
        .into_iter()
        .filter_map(|m| m.strip_prefix("service:"))
        .map(str::to_string)
        .collect();
    out.extend(service.volumes_from.iter().filter(|v| !v.starts_with("container:")).map(|v| v.split(':').next().unwrap_or(v).to_string()));
    out
}

/// The value `up` writes in the label of a container of `service`: the hash of the service
/// with its references resolved, `ids` giving the id of the first container (by name) of each
/// of [`referenced_services`]. `None` when one of them is missing from `ids`.
pub fn label_hash(service: &Service, ids: &BTreeMap<String, String>) -> Option<String> {
    Some(config_hash_with(Algorithm::WRITTEN, &resolved(service, ids)?))
}

/// The label value of every [`Algorithm`] for `service` ([`label_hash`]), the written one first.
pub fn label_hashes(service: &Service, ids: &BTreeMap<String, String>) -> Option<Vec<(Algorithm, String)>> {
    let s = resolved(service, ids)?;
    Some(Algorithm::ALL.iter().map(|&alg| (alg, config_hash_with(alg, &s))).collect())
}

/// `service` with its references to other services' containers replaced by ids, as
/// `resolveServiceReferences` does before hashing.
fn resolved(service: &Service, ids: &BTreeMap<String, String>) -> Option<Service> {
    let mut s = service.clone();
    for mode in [&mut s.network_mode, &mut s.ipc, &mut s.pid] {
        if let Some(other) = mode.strip_prefix("service:") {
            *mode = format!("container:{}", ids.get(other)?);
        }
    }
    for from in &mut s.volumes_from {
        let mut spec = from.split(':');
        *from = match (spec.next(), spec.next()) {
            (Some("container"), Some(name)) => name.to_string(),
            (Some(other), _) => ids.get(other)?.clone(),
            (None, _) => continue,
        };
    }
    Some(s)
}

/// The exact text 2.40.3 hashes: Go's JSON of the service with the cleared fields removed.
pub fn hashed_json(service: &Service) -> String {
    hashed_json_with(Algorithm::WRITTEN, service)
}

/// The exact text the series of `alg` hashes.
pub fn hashed_json_with(alg: Algorithm, service: &Service) -> String {
    let mut value = serde_json::to_value(service).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        for key in alg.cleared() {
            map.shift_remove(*key);
        }
        if let Some(Value::Object(deploy)) = map.get_mut("deploy") {
            deploy.shift_remove("replicas");
        }
    }
    let mut path = Vec::new();
    go_shape(alg, &mut value, &mut path);
    if let (Algorithm::Compose5, Value::Object(map)) = (alg, &mut value) {
        let rank = |k: &str| V5_KEY_ORDER.iter().position(|o| *o == k).unwrap_or(V5_KEY_ORDER.len());
        let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
        entries.sort_by(|(a, _), (b, _)| {
            rank(a).cmp(&rank(b)).then_with(|| if rank(a) == V5_KEY_ORDER.len() { a.cmp(b) } else { std::cmp::Ordering::Equal })
        });
        map.extend(entries);
    }
    go_json(&value)
}

/// Applies the tables above to every object under `value`, whose path is `path`.
fn go_shape(alg: Algorithm, value: &mut Value, path: &mut Vec<String>) {
    if let Value::Object(map) = value {
        if EXTENSIBLE.iter().any(|p| matches(p, path)) {
            map.retain(|k, _| !k.starts_with("x-"));
        }
        if let Some((_, order)) = STRUCT_ORDER.iter().find(|(p, _)| matches(p, path)) {
            reorder(map, order);
        }
    }
    if let Some((_, rewrite)) = rewrites(alg).iter().find(|(p, _)| matches(p, path)) {
        rewrite(value);
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.clone());
                go_shape(alg, v, path);
                path.pop();
            }
        }
        Value::Array(items) => {
            for item in items {
                path.push("*".into());
                go_shape(alg, item, path);
                path.pop();
            }
        }
        _ => {}
    }
}

fn matches(pattern: &[&str], path: &[String]) -> bool {
    pattern.len() == path.len() && pattern.iter().zip(path).all(|(p, s)| *p == "*" || p == s)
}

/// Puts the keys named in `order` first, in that order; the others follow as they were.
fn reorder(map: &mut Map<String, Value>, order: &[&str]) {
    let rank = |k: &str| order.iter().position(|o| *o == k).unwrap_or(order.len());
    let mut entries: Vec<(String, Value)> = std::mem::take(map).into_iter().collect();
    entries.sort_by_key(|(k, _)| rank(k));
    map.extend(entries);
}
