//! The project and its top-level resources.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;
use std::path::PathBuf;

use super::service::{Mapping, Service};

fn is_false(b: &bool) -> bool {
    !*b
}

/// A loaded compose project: what every command works from.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Project {
    pub name: String,
    pub services: BTreeMap<String, Service>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub networks: BTreeMap<String, Network>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub volumes: BTreeMap<String, Volume>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, FileObject>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, FileObject>,
    /// AI models (Docker Model Runner): read and printed (in YAML only, as Docker Compose
    /// 2.40.3 prints them), not run.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub models: BTreeMap<String, Model>,
    /// Top-level `x-*` extensions.
    #[serde(flatten)]
    pub extensions: IndexMap<String, Json>,

    /// The directory relative paths were resolved against.
    #[serde(skip)]
    pub working_dir: PathBuf,
    /// The compose files the project was read from, in order.
    #[serde(skip)]
    pub config_files: Vec<PathBuf>,
    /// The `.env` files that were read for interpolation.
    #[serde(skip)]
    pub env_files: Vec<PathBuf>,
    /// The services' `env_file`s (missing optional ones included), which the loader reads
    /// into their `environment`: `watch` reloads when one changes.
    #[serde(skip)]
    pub service_env_files: Vec<PathBuf>,
    /// Services defined in the files but left out by profiles or selection.
    #[serde(skip)]
    pub disabled_services: BTreeMap<String, Service>,
    /// The seccomp profiles `security_opt: [seccomp=PATH]` names, read when the project is
    /// loaded (the planner reads no file), by the value as written. A profile that cannot be
    /// read is absent: it is sent as written, for the engine to refuse.
    #[serde(skip)]
    pub seccomp_profiles: BTreeMap<String, String>,
    /// Where the keys that only some engines support were written
    /// (`services.web.volumes[0]` → `compose.yaml:7:9`), for the planner to point at them
    /// when it refuses one.
    #[serde(skip)]
    pub positions: BTreeMap<String, String>,
    /// `--all-resources`: the networks and volumes no service uses are kept, and `up` creates them.
    #[serde(skip)]
    pub all_resources: bool,
    /// `--compatibility`: container and built image names joined with `_`, as Docker Compose v1.
    #[serde(skip)]
    pub compatibility: bool,
}

impl Project {
    /// What joins the parts of container and image names: `-`, or `_` with `--compatibility`.
    pub fn separator(&self) -> char {
        if self.compatibility {
            '_'
        } else {
            '-'
        }
    }
}

impl Project {
    /// `path` prefixed with where it was written, when the loader recorded it.
    pub fn located(&self, path: &str) -> String {
        match self.positions.get(path) {
            Some(pos) => format!("{pos}: {path}"),
            None => path.to_string(),
        }
    }
}

/// A top-level `models` entry.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Model {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub model: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context_size: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runtime_flags: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Network {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub driver_opts: Mapping,
    /// Printed even when empty, as Compose does.
    pub ipam: Ipam,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub internal: bool,
    #[serde(skip_serializing_if = "is_false")]
    pub attachable: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_ipv6: Option<bool>,
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Ipam {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<IpamPool>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub options: Mapping,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct IpamPool {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub subnet: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub gateway: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ip_range: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub aux_addresses: Mapping,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Volume {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub labels: Mapping,
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}

/// A top-level secret or config.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct FileObject {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub file: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub environment: String,
    /// The value of the variable `environment` names, read from the project environment at
    /// load time (`None` when unset): what is written into the containers.
    #[serde(skip)]
    pub environment_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(skip_serializing_if = "is_false")]
    pub external: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub labels: Mapping,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub driver: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty", deserialize_with = "super::units::lenient_mapping")]
    pub driver_opts: Mapping,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub template_driver: String,
    #[serde(flatten)]
    pub other: IndexMap<String, Json>,
}
