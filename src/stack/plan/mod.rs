//! The pure plan of `stack deploy`: the stack as converted, against one snapshot of the swarm,
//! → the objects to create, the services to create, update or leave alone (each with its
//! reason), and with `--prune` the services to remove. No engine call, no clock, no file.
//!
//! A service is compared as the engine stores it: its whole spec, both sides normalised where
//! the engine fills a default in (`Replicas: 1`, `Mode: vip`, `Isolation: default`, network
//! names answered as ids...). An unchanged service is not updated, so its version stays.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::convert::{Namespace, Stack, LABEL_IMAGE};
use crate::engine::swarm::{FileKind, FileObjectInfo, FileObjectSpec, Service, ServiceSpec, Version};
use crate::engine::{NetworkInfo, NetworkSpec};
use crate::model::Project;

/// `--resolve-image`: when the image is pinned to its registry digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResolveImage {
    /// Ask the registry for every service's digest.
    #[default]
    Always,
    /// Ask only for the services whose image changed in the file.
    Changed,
    /// Never ask: send the image as written.
    Never,
}

/// One snapshot of the swarm for a stack.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    /// The stack's services (by namespace label).
    pub services: Vec<Service>,
    /// Every network (external ones included, and to read the ids services answer with).
    pub networks: Vec<NetworkInfo>,
    pub secrets: Vec<FileObjectInfo>,
    pub configs: Vec<FileObjectInfo>,
    /// Images as written → with their registry digest (`busybox:latest@sha256:...`), for
    /// those that were resolved.
    pub resolved: BTreeMap<String, String>,
    /// The tasks the stack's services had before the deploy: their failures are not ours.
    pub old_tasks: BTreeSet<String>,
}

impl Observed {
    fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.spec.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    CreateNetwork(NetworkSpec),
    CreateFile(FileKind, FileObjectSpec),
    /// `service` is the compose name; the spec's secret and config ids are filled in by name
    /// once the objects exist.
    CreateService {
        service: String,
        spec: Box<ServiceSpec>,
    },
    UpdateService {
        service: String,
        id: String,
        version: Version,
        spec: Box<ServiceSpec>,
        changed: Vec<String>,
    },
    KeepService {
        service: String,
        id: String,
    },
    RemoveService {
        name: String,
        id: String,
    },
}

/// A `depends_on` gate: `service` is deployed once `dependency` meets `condition`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gate {
    pub dependency: String,
    /// `service_started`, `service_healthy` or `service_completed_successfully`.
    pub condition: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct StackPlan {
    pub namespace: String,
    pub steps: Vec<Step>,
    /// Services in the order they are deployed: each wave after the waves of its dependencies.
    pub waves: Vec<Vec<String>>,
    pub gates: BTreeMap<String, Vec<Gate>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("network {0:?} is declared as external, but could not be found: create a swarm-scoped network before the stack is deployed")]
    MissingNetwork(String),
    #[error("network {0:?} is declared as external, but it is not in the swarm scope")]
    LocalNetwork(String),
    #[error("{0} {1:?} is declared as external, but could not be found")]
    MissingFile(&'static str, String),
    #[error(
        "config {0}: its content changed, and a swarm config cannot be changed: give it a new name (`name:`), or remove the stack first"
    )]
    ConfigChanged(String),
    #[error(transparent)]
    Cycle(#[from] crate::graph::CycleError),
}

/// Which images to ask the registry about under `policy`: every one (`always`), those of
/// services that are new or whose image changed in the file (`changed`), none (`never`).
pub fn images_to_resolve(stack: &Stack, observed_services: &[Service], policy: ResolveImage) -> BTreeSet<String> {
    stack
        .services
        .values()
        .filter(|spec| match policy {
            ResolveImage::Always => true,
            ResolveImage::Never => false,
            ResolveImage::Changed => {
                let old = observed_services.iter().find(|s| s.spec.name == spec.name);
                old.is_none_or(|o| o.spec.labels.get(LABEL_IMAGE) != spec.labels.get(LABEL_IMAGE))
            }
        })
        .map(|s| s.task_template.container_spec.image.clone())
        .filter(|image| !image.contains('@'))
        .collect()
}

/// Plans the deploy of `stack` (converted from `project`).
pub fn plan(
    ns: &Namespace,
    project: &Project,
    stack: &Stack,
    observed: &Observed,
    policy: ResolveImage,
    prune: bool,
) -> Result<StackPlan, PlanError> {
    let mut steps = Vec::new();
    let network = |name: &str| observed.networks.iter().find(|n| n.name == name);
    for name in &stack.external_networks {
        match network(name) {
            None if matches!(name.as_str(), "host" | "bridge" | "none") => {}
            None => return Err(PlanError::MissingNetwork(name.clone())),
            Some(n) if n.scope != "swarm" && !matches!(name.as_str(), "host" | "bridge" | "none") => {
                return Err(PlanError::LocalNetwork(name.clone()))
            }
            Some(_) => {}
        }
    }
    for spec in &stack.networks {
        if network(&spec.name).is_none() {
            steps.push(Step::CreateNetwork(spec.clone()));
        }
    }
    for (kind, name) in &stack.external_files {
        let list = if *kind == FileKind::Secret { &observed.secrets } else { &observed.configs };
        if !list.iter().any(|o| &o.name == name) {
            return Err(PlanError::MissingFile(kind.noun(), name.clone()));
        }
    }
    for (kind, specs, existing) in
        [(FileKind::Secret, &stack.secrets, &observed.secrets), (FileKind::Config, &stack.configs, &observed.configs)]
    {
        for spec in specs {
            match existing.iter().find(|o| o.name == spec.name) {
                None => steps.push(Step::CreateFile(kind, spec.clone())),
                Some(o) if kind == FileKind::Config && o.data.as_ref().is_some_and(|d| *d != spec.data) => {
                    return Err(PlanError::ConfigChanged(spec.name.clone()))
                }
                Some(_) => {}
            }
        }
    }
    if prune {
        let wanted: BTreeSet<&str> = stack.services.values().map(|s| s.name.as_str()).collect();
        for s in observed.services.iter().filter(|s| !wanted.contains(s.spec.name.as_str())) {
            steps.push(Step::RemoveService { name: s.spec.name.clone(), id: s.id.clone() });
        }
    }
    let ids: BTreeMap<&str, &str> = observed.networks.iter().map(|n| (n.id.as_str(), n.name.as_str())).collect();
    for (service, desired) in &stack.services {
        let mut desired = desired.clone();
        let old = observed.service(&desired.name);
        choose_image(&mut desired, old, observed, policy);
        match old {
            None => steps.push(Step::CreateService { service: service.clone(), spec: Box::new(desired) }),
            Some(old) => {
                desired.task_template.force_update = old.spec.task_template.force_update;
                let changed = differences(&normalized(&desired, &BTreeMap::new()), &normalized(&old.spec, &ids));
                if changed.is_empty() {
                    steps.push(Step::KeepService { service: service.clone(), id: old.id.clone() });
                } else {
                    steps.push(Step::UpdateService {
                        service: service.clone(),
                        id: old.id.clone(),
                        version: old.version,
                        spec: Box::new(desired),
                        changed,
                    });
                }
            }
        }
    }
    let graph = crate::graph::Graph::new(project);
    let order = graph.start_order()?;
    let mut wave_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut gates = BTreeMap::new();
    for name in order.iter().filter(|n| stack.services.contains_key(*n)) {
        let deps: Vec<Gate> = project.services[name]
            .depends_on
            .iter()
            .filter(|(d, _)| stack.services.contains_key(*d))
            .map(|(d, on)| Gate { dependency: d.clone(), condition: on.condition.clone() })
            .collect();
        let wave = deps.iter().filter_map(|g| wave_of.get(&g.dependency)).map(|w| w + 1).max().unwrap_or(0);
        wave_of.insert(name.clone(), wave);
        if !deps.is_empty() {
            gates.insert(name.clone(), deps);
        }
    }
    let mut waves = vec![Vec::new(); wave_of.values().max().map_or(0, |m| m + 1)];
    for (name, wave) in wave_of {
        waves[wave].push(name);
    }
    Ok(StackPlan { namespace: ns.name().to_string(), steps, waves, gates })
}

/// The image the spec sends: the one the service runs when its image is unchanged in the file
/// and not to be resolved again (`changed`, `never`, as docker does), else the resolved digest,
/// else the image as written. A kept image keeps the platforms its resolution recorded.
fn choose_image(desired: &mut ServiceSpec, old: Option<&Service>, observed: &Observed, policy: ResolveImage) {
    let written = desired.task_template.container_spec.image.clone();
    let same_label = old.is_some_and(|o| o.spec.labels.get(LABEL_IMAGE) == Some(&written));
    let image = match (old, policy) {
        (Some(o), ResolveImage::Changed | ResolveImage::Never) if same_label => o.spec.task_template.container_spec.image.clone(),
        _ => observed.resolved.get(&written).cloned().unwrap_or(written),
    };
    if let Some(o) = old.filter(|o| o.spec.task_template.container_spec.image == image) {
        let platforms = o.spec.task_template.placement.as_ref().map(|p| p.platforms.clone()).unwrap_or_default();
        if !platforms.is_empty() {
            desired.task_template.placement.get_or_insert_with(Default::default).platforms = platforms;
        }
    }
    desired.task_template.container_spec.image = image;
}

/// A spec with the engine's defaults made explicit and what the engine rewrites undone, so
/// that what was sent and what is stored compare equal. `ids` maps network ids to names.
pub fn normalized(spec: &ServiceSpec, ids: &BTreeMap<&str, &str>) -> ServiceSpec {
    let mut s = spec.clone();
    if let Some(r) = &mut s.mode.replicated {
        r.replicas.get_or_insert(1);
    }
    let endpoint = s.endpoint_spec.get_or_insert_with(Default::default);
    if endpoint.mode.is_empty() {
        endpoint.mode = "vip".into();
    }
    for p in &mut endpoint.ports {
        if p.protocol.is_empty() {
            p.protocol = "tcp".into();
        }
        if p.publish_mode.is_empty() {
            p.publish_mode = "ingress".into();
        }
    }
    endpoint.ports.sort();
    // The engine stores the update and rollback policies' enums: "" reads back as the first value.
    for u in [&mut s.update_config, &mut s.rollback_config].into_iter().flatten() {
        if u.failure_action.is_empty() {
            u.failure_action = "pause".into();
        }
        if u.order.is_empty() {
            u.order = "stop-first".into();
        }
    }
    let t = &mut s.task_template;
    if t.resources.as_ref().is_some_and(|r| r.limits.is_none() && r.reservations.is_none()) {
        t.resources = None;
    }
    if let Some(r) = &mut t.resources {
        for l in [&mut r.limits, &mut r.reservations] {
            if l.as_ref().is_some_and(|l| *l == Default::default()) {
                *l = None;
            }
        }
    }
    if t.placement.as_ref().is_some_and(|p| *p == Default::default()) {
        t.placement = None;
    }
    if let Some(p) = &mut t.restart_policy {
        if p.max_attempts == Some(0) {
            p.max_attempts = None;
        }
    }
    for n in &mut t.networks {
        if let Some(name) = ids.get(n.target.as_str()) {
            n.target = name.to_string();
        }
    }
    t.networks.sort_by(|a, b| a.target.cmp(&b.target));
    let c = &mut t.container_spec;
    if c.isolation == "default" {
        c.isolation.clear();
    }
    if c.dns_config.as_ref().is_some_and(|d| *d == Default::default()) {
        c.dns_config = None;
    }
    for m in &mut c.mounts {
        if m.bind_options.as_ref().is_some_and(|b| b.propagation.is_empty()) {
            m.bind_options = None;
        }
    }
    c.secrets.iter_mut().for_each(|r| r.id.clear());
    c.configs.iter_mut().for_each(|r| r.id.clear());
    // docker orders two uses of one secret (or config) at random: the order carries nothing.
    c.secrets.sort_by(|a, b| (&a.name, &a.file.name).cmp(&(&b.name, &b.file.name)));
    c.configs.sort_by(|a, b| (&a.name, &a.file.name).cmp(&(&b.name, &b.file.name)));
    s
}

/// What differs between two normalised specs, named as the compose file names it
/// (`environment.DB_URL`, `image`, `deploy.replicas`).
pub fn differences(desired: &ServiceSpec, current: &ServiceSpec) -> Vec<String> {
    let a = serde_json::to_value(desired).unwrap_or_default();
    let b = serde_json::to_value(current).unwrap_or_default();
    let mut out = Vec::new();
    let get = |v: &serde_json::Value, path: &[&str]| path.iter().try_fold(v.clone(), |v, k| v.get(*k).cloned()).unwrap_or_default();
    for (path, key) in FIELDS {
        let (x, y) = (get(&a, path), get(&b, path));
        if x == y {
            continue;
        }
        if *key == "environment" {
            out.extend(changed_variables(&desired.task_template.container_spec.env, &current.task_template.container_spec.env));
        } else {
            out.push(key.to_string());
        }
    }
    // Anything else the spec holds.
    let mut rest = (a, b);
    for (path, _) in FIELDS {
        for v in [&mut rest.0, &mut rest.1] {
            remove(v, path);
        }
    }
    if rest.0 != rest.1 {
        out.push("service spec".into());
    }
    out.dedup();
    out
}

fn remove(v: &mut serde_json::Value, path: &[&str]) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut cur = v;
    for k in parents {
        match cur.get_mut(*k) {
            Some(next) => cur = next,
            None => return,
        }
    }
    if let Some(map) = cur.as_object_mut() {
        map.remove(*last);
    }
}

/// Spec fields → the compose key that sets them.
const FIELDS: &[(&[&str], &str)] = &[
    (&["Labels"], "deploy.labels"),
    (&["Mode"], "deploy.mode/replicas"),
    (&["UpdateConfig"], "deploy.update_config"),
    (&["RollbackConfig"], "deploy.rollback_config"),
    (&["EndpointSpec"], "ports"),
    (&["TaskTemplate", "Resources"], "deploy.resources"),
    (&["TaskTemplate", "RestartPolicy"], "deploy.restart_policy"),
    (&["TaskTemplate", "Placement"], "deploy.placement"),
    (&["TaskTemplate", "Networks"], "networks"),
    (&["TaskTemplate", "LogDriver"], "logging"),
    (&["TaskTemplate", "ForceUpdate"], "force_update"),
    (&["TaskTemplate", "ContainerSpec", "Image"], "image"),
    (&["TaskTemplate", "ContainerSpec", "Labels"], "labels"),
    (&["TaskTemplate", "ContainerSpec", "Command"], "entrypoint"),
    (&["TaskTemplate", "ContainerSpec", "Args"], "command"),
    (&["TaskTemplate", "ContainerSpec", "Hostname"], "hostname"),
    (&["TaskTemplate", "ContainerSpec", "Env"], "environment"),
    (&["TaskTemplate", "ContainerSpec", "Dir"], "working_dir"),
    (&["TaskTemplate", "ContainerSpec", "User"], "user"),
    (&["TaskTemplate", "ContainerSpec", "TTY"], "tty"),
    (&["TaskTemplate", "ContainerSpec", "OpenStdin"], "stdin_open"),
    (&["TaskTemplate", "ContainerSpec", "ReadOnly"], "read_only"),
    (&["TaskTemplate", "ContainerSpec", "Mounts"], "volumes"),
    (&["TaskTemplate", "ContainerSpec", "StopSignal"], "stop_signal"),
    (&["TaskTemplate", "ContainerSpec", "StopGracePeriod"], "stop_grace_period"),
    (&["TaskTemplate", "ContainerSpec", "Healthcheck"], "healthcheck"),
    (&["TaskTemplate", "ContainerSpec", "Hosts"], "extra_hosts"),
    (&["TaskTemplate", "ContainerSpec", "DNSConfig"], "dns"),
    (&["TaskTemplate", "ContainerSpec", "Secrets"], "secrets"),
    (&["TaskTemplate", "ContainerSpec", "Configs"], "configs"),
    (&["TaskTemplate", "ContainerSpec", "Isolation"], "isolation"),
    (&["TaskTemplate", "ContainerSpec", "Init"], "init"),
    (&["TaskTemplate", "ContainerSpec", "Sysctls"], "sysctls"),
    (&["TaskTemplate", "ContainerSpec", "CapabilityAdd"], "cap_add"),
    (&["TaskTemplate", "ContainerSpec", "CapabilityDrop"], "cap_drop"),
    (&["TaskTemplate", "ContainerSpec", "Ulimits"], "ulimits"),
];

/// `environment.NAME` for each variable added, removed or changed.
fn changed_variables(desired: &[String], current: &[String]) -> Vec<String> {
    let split = |list: &[String]| -> BTreeMap<String, String> {
        list.iter().map(|e| e.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())).unwrap_or((e.clone(), String::new()))).collect()
    };
    let (a, b) = (split(desired), split(current));
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter().filter(|k| a.get(*k) != b.get(*k)).map(|k| format!("environment.{k}")).collect()
}

impl fmt::Display for StackPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.steps {
            match step {
                Step::CreateNetwork(n) => writeln!(f, "network {}: create", n.name)?,
                Step::CreateFile(kind, o) => writeln!(f, "{} {}: create", kind.noun(), o.name)?,
                Step::RemoveService { name, .. } => {
                    let ns = Namespace::new(&self.namespace);
                    writeln!(f, "{}: remove (not in the file)", ns.descope(name))?
                }
                Step::CreateService { service, .. } => {
                    let after = self.gates.get(service).map(|g| gates_text(g)).unwrap_or_default();
                    writeln!(f, "{service}: create{after}")?
                }
                Step::UpdateService { service, changed, .. } => {
                    let after = self.gates.get(service).map(|g| gates_text(g)).unwrap_or_default();
                    writeln!(f, "{service}: update ({} changed){after}", changed.join(", "))?
                }
                Step::KeepService { service, .. } => writeln!(f, "{service}: unchanged")?,
            }
        }
        Ok(())
    }
}

fn gates_text(gates: &[Gate]) -> String {
    let list: Vec<String> = gates.iter().map(|g| format!("{} {}", g.dependency, g.condition.trim_start_matches("service_"))).collect();
    format!(", after {}", list.join(", "))
}

#[cfg(test)]
mod tests;
