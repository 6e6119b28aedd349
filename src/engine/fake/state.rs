//! The fake engine's world: objects in maps, the call log, scripted answers and the event
//! history. Every operation runs under the fake's lock, synchronously.

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::broadcast;

use crate::engine::{
    ContainerDetails, EngineError, EngineEvent, EngineResult, ExecOutput, ImageInfo, LogChunk, NetworkInfo, PathStat, VolumeInfo,
};

/// A tar archive received by `put_archive`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Archive {
    /// Container name.
    pub container: String,
    pub path: String,
    pub tar: Vec<u8>,
    /// The `copy_uid_gid` option it came with.
    pub copy_uid_gid: bool,
    /// The `no_overwrite_dir_non_dir` option it came with.
    pub no_overwrite_dir_non_dir: bool,
}

pub(super) struct State {
    seq: u64,
    /// Keyed by id.
    pub containers: BTreeMap<String, ContainerDetails>,
    /// Keyed by id.
    pub networks: BTreeMap<String, NetworkInfo>,
    /// Keyed by name.
    pub volumes: BTreeMap<String, VolumeInfo>,
    /// Keyed by id.
    pub images: BTreeMap<String, ImageInfo>,
    pub calls: Vec<String>,
    /// One-shot failures: (operation, target or "" for any, error).
    pub failures: Vec<(String, String, EngineError)>,
    /// Scripted by container name.
    pub exit_codes: HashMap<String, i64>,
    pub logs: HashMap<String, Vec<LogChunk>>,
    pub exec_results: HashMap<String, ExecOutput>,
    pub archives: Vec<Archive>,
    /// Scripted by (container name, path): what `stat_path` and `get_archive` answer.
    pub paths: HashMap<(String, String), PathStat>,
    pub path_archives: HashMap<(String, String), Vec<u8>>,
    pub history: Vec<EngineEvent>,
    /// Live subscribers of `events`; sending fails harmlessly when there are none.
    pub events: broadcast::Sender<EngineEvent>,
}

impl State {
    pub fn new() -> Self {
        State {
            seq: 0,
            containers: BTreeMap::new(),
            networks: BTreeMap::new(),
            volumes: BTreeMap::new(),
            images: BTreeMap::new(),
            calls: Vec::new(),
            failures: Vec::new(),
            exit_codes: HashMap::new(),
            logs: HashMap::new(),
            exec_results: HashMap::new(),
            archives: Vec::new(),
            paths: HashMap::new(),
            path_archives: HashMap::new(),
            history: Vec::new(),
            events: broadcast::channel(1024).0,
        }
    }

    /// Records a call and returns the scripted failure for it, if any.
    pub fn call(&mut self, op: &str, target: &str) -> EngineResult<()> {
        self.calls.push(if target.is_empty() { op.to_string() } else { format!("{op} {target}") });
        let hit = self.failures.iter().position(|(o, t, _)| o == op && (t.is_empty() || t == target));
        match hit {
            Some(i) => Err(self.failures.remove(i).2),
            None => Ok(()),
        }
    }

    /// A fresh 64-hex-digit id, distinct per kind by its first digit.
    pub fn new_id(&mut self, kind: u8) -> String {
        self.seq += 1;
        format!("{kind:x}{:063x}", self.seq)
    }

    pub fn emit(&mut self, kind: &str, action: &str, id: &str, attributes: BTreeMap<String, String>) {
        let event = EngineEvent { kind: kind.into(), action: action.into(), actor_id: id.into(), attributes, time_nanos: now_nanos() };
        self.history.push(event.clone());
        let _ = self.events.send(event);
    }

    /// A container id from an id, a unique id prefix or a name.
    pub fn container_id(&self, key: &str) -> EngineResult<String> {
        let key = key.trim_start_matches('/');
        if self.containers.contains_key(key) {
            return Ok(key.to_string());
        }
        if let Some((id, _)) = self.containers.iter().find(|(_, c)| c.name == key) {
            return Ok(id.clone());
        }
        unique_prefix(self.containers.keys(), key).ok_or_else(|| EngineError::not_found(format!("No such container: {key}")))
    }

    pub fn network_id(&self, key: &str) -> EngineResult<String> {
        if self.networks.contains_key(key) {
            return Ok(key.to_string());
        }
        if let Some((id, _)) = self.networks.iter().find(|(_, n)| n.name == key) {
            return Ok(id.clone());
        }
        unique_prefix(self.networks.keys(), key).ok_or_else(|| EngineError::not_found(format!("network {key} not found")))
    }

    /// An image id from an id (with or without `sha256:`) or a reference (tag `latest` implied).
    pub fn image_id(&self, key: &str) -> EngineResult<String> {
        let reference = normalize_reference(key);
        let found = self
            .images
            .iter()
            .find(|(id, i)| id.as_str() == key || id.strip_prefix("sha256:") == Some(key) || i.repo_tags.contains(&reference));
        match found {
            Some((id, _)) => Ok(id.clone()),
            None => Err(EngineError::not_found(format!("No such image: {key}"))),
        }
    }

    /// The name a container is known by in the call log and scripted answers.
    pub fn container_name(&self, key: &str) -> String {
        match self.container_id(key) {
            Ok(id) => self.containers[&id].name.clone(),
            Err(_) => key.to_string(),
        }
    }
}

fn unique_prefix<'a>(ids: impl Iterator<Item = &'a String>, prefix: &str) -> Option<String> {
    if prefix.is_empty() {
        return None;
    }
    let mut hits = ids.filter(|id| id.starts_with(prefix));
    match (hits.next(), hits.next()) {
        (Some(id), None) => Some(id.clone()),
        _ => None,
    }
}

/// `busybox` → `busybox:latest`; references with a tag or digest stay as they are.
pub(super) fn normalize_reference(reference: &str) -> String {
    let last = reference.rsplit('/').next().unwrap_or(reference);
    if last.contains(':') || last.contains('@') {
        reference.to_string()
    } else {
        format!("{reference}:latest")
    }
}

pub(super) fn now_nanos() -> i64 {
    let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}
