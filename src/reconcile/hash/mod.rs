//! The configuration hash Docker Compose writes in the `com.docker.compose.config-hash` label.
//!
//! A container whose label differs from the hash of its service's current configuration is
//! recreated by `up`. Producing the very same hash as Docker Compose v2.26.1 is what lets a user
//! run `docker compose up` after `rcompose up` (or the other way round) without anything being
//! recreated.
//!
//! Docker Compose computes `sha256(json.Marshal(service))` over compose-go's `ServiceConfig`
//! after clearing `build`, `pull_policy`, `scale` and `deploy.replicas` (`pkg/compose/hash.go`);
//! `depends_on` and `profiles` stay in. The model serializes in `ServiceConfig`'s field order
//! (see `model::service`), so the work here is to (1) drop what Go leaves out of JSON
//! (extensions, `json:"-"`), (2) put the free-form parts the model keeps as JSON values into
//! Go's struct order, and (3) write bytes as Go does (`gojson`).
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

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::model::{Project, Service};

pub use crate::go::json::{marshal as go_json, marshal_indent as go_json_indent};

/// Fields `ServiceHash` clears before hashing: changing them never recreates a container.
const CLEARED: &[&str] = &["build", "pull_policy", "scale"];

/// Go struct field order where it differs from the model's, or of the parts the model keeps as
/// free-form JSON, keyed by their path in the service (`*`: any array element or map key). Keys
/// not listed keep their place after these.
const STRUCT_ORDER: &[(&[&str], &[&str])] = &[
    (&["develop", "watch", "*", "exec"], &["command", "user", "privileged", "working_dir", "environment"]),
    (&["blkio_config"], &["weight", "weight_device", "device_read_bps", "device_read_iops", "device_write_bps", "device_write_iops"]),
    (&["blkio_config", "*", "*"], &["Path", "Weight", "Rate"]),
    (&["credential_spec"], &["config", "file", "registry"]),
];

type Rewrite = fn(&mut Value);

/// Values Go writes differently from the model, fixed before ordering.
const REWRITES: &[(&[&str], Rewrite)] = &[];

/// Paths of Go structs whose `x-*` keys are extensions (`json:"-"`), not data.
const EXTENSIBLE: &[&[&str]] = &[&[], &["networks", "*"], &["volumes", "*"], &["develop"], &["develop", "watch", "*"]];

/// The value of the `com.docker.compose.config-hash` label for `service`, as Docker Compose
/// v2.26.1 computes it. Docker Compose hashes the service alone; the project is taken so that
/// callers do not change if project-level inputs (secret contents...) ever join the hash.
pub fn config_hash(_project: &Project, service: &Service) -> String {
    hex::encode(Sha256::digest(hashed_json(service).as_bytes()))
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
    Some(hex::encode(Sha256::digest(hashed_json(&s).as_bytes())))
}

/// The exact text that is hashed: Go's JSON of the service with the cleared fields removed.
pub fn hashed_json(service: &Service) -> String {
    let mut value = serde_json::to_value(service).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        for key in CLEARED {
            map.shift_remove(*key);
        }
        if let Some(Value::Object(deploy)) = map.get_mut("deploy") {
            deploy.shift_remove("replicas");
        }
    }
    let mut path = Vec::new();
    go_shape(&mut value, &mut path);
    go_json(&value)
}

/// Applies the tables above to every object under `value`, whose path is `path`.
fn go_shape(value: &mut Value, path: &mut Vec<String>) {
    if let Some((_, rewrite)) = REWRITES.iter().find(|(p, _)| matches(p, path)) {
        rewrite(value);
    }
    match value {
        Value::Object(map) => {
            if EXTENSIBLE.iter().any(|p| matches(p, path)) {
                map.retain(|k, _| !k.starts_with("x-"));
            }
            if let Some((_, order)) = STRUCT_ORDER.iter().find(|(p, _)| matches(p, path)) {
                reorder(map, order);
            }
            for (k, v) in map.iter_mut() {
                path.push(k.clone());
                go_shape(v, path);
                path.pop();
            }
        }
        Value::Array(items) => {
            for item in items {
                path.push("*".into());
                go_shape(item, path);
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
