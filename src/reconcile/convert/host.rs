//! How a service's container sits on the host: ports, restart policy, resources, namespaces.
//!
//! Where Docker Compose gives one key precedence over another (`deploy.restart_policy` over
//! `restart`) or rewrites a value on its way to the engine (`volumes_from`, `security_opt`), this
//! module does the same, so that both tools create the same container from the same file.

use std::collections::BTreeMap;

use super::{mounts, non_empty, resources::resources};
use crate::engine::{DeviceMapping, HostConfig, LogConfig, PortBinding, RestartPolicy, Ulimit};
use crate::model::{self, Project, Service};
use crate::reconcile::labels;

pub(super) fn host_config(project: &Project, service: &Service, links: &[String]) -> HostConfig {
    let (binds, mounts) = mounts::mounts(project, service);
    let (security_opt, unconfined) = security_opts(project, &service.security_opt);
    HostConfig {
        binds,
        mounts,
        port_bindings: port_bindings(service),
        restart_policy: restart_policy(service),
        network_mode: network_mode(project, service),
        resources: resources(service),
        cap_add: capabilities(&service.cap_add),
        cap_drop: capabilities(&service.cap_drop),
        privileged: service.privileged,
        init: service.init,
        read_only: service.read_only,
        tmpfs: service
            .tmpfs
            .iter()
            .map(|t| match t.split_once(':') {
                Some((path, opts)) => (path.to_string(), opts.to_string()),
                None => (t.clone(), String::new()),
            })
            .collect(),
        shm_size: (service.shm_size.0 != 0).then_some(service.shm_size.0),
        ulimits: service
            .ulimits
            .iter()
            .map(|(name, u)| match u {
                model::Ulimit::Single(v) => Ulimit { name: name.clone(), soft: *v, hard: *v },
                model::Ulimit::Range { soft, hard } => Ulimit { name: name.clone(), soft: *soft, hard: *hard },
            })
            .collect(),
        sysctls: service.sysctls.clone(),
        // Compose files write `host=ip`; the engine wants `host:ip`.
        extra_hosts: service.extra_hosts.iter().map(|h| h.replacen('=', ":", 1)).collect(),
        dns: service.dns.clone(),
        dns_search: service.dns_search.clone(),
        dns_options: service.dns_opt.clone(),
        log_config: service
            .logging
            .as_ref()
            .filter(|l| !l.driver.is_empty() || !l.options.is_empty())
            .map(|l| LogConfig { driver: l.driver.clone(), options: l.options.clone() }),
        security_opt,
        masked_paths: unconfined.then(Vec::new),
        readonly_paths: unconfined.then(Vec::new),
        devices: service
            .devices
            .iter()
            .map(|d| DeviceMapping {
                path_on_host: d.source.clone(),
                path_in_container: if d.target.is_empty() { d.source.clone() } else { d.target.clone() },
                cgroup_permissions: if d.permissions.is_empty() { "rwm".into() } else { d.permissions.clone() },
            })
            .collect(),
        device_cgroup_rules: service.device_cgroup_rules.clone(),
        pid_mode: namespace(project, &service.pid),
        ipc_mode: namespace(project, &service.ipc),
        uts_mode: namespace(project, &service.uts),
        userns_mode: non_empty(&service.userns_mode),
        cgroup_parent: non_empty(&service.cgroup_parent),
        runtime: non_empty(&service.runtime),
        group_add: service.group_add.clone(),
        volumes_from: service.volumes_from.iter().map(|v| volumes_from(project, v)).collect(),
        links: links.to_vec(),
        oom_score_adj: (service.oom_score_adj != 0).then_some(service.oom_score_adj),
        storage_opt: service.storage_opt.clone(),
        cgroupns_mode: non_empty(&service.cgroup),
        isolation: non_empty(&service.isolation),
        volume_driver: non_empty(&service.volume_driver),
        ..Default::default()
    }
}

fn port_bindings(service: &Service) -> BTreeMap<String, Vec<PortBinding>> {
    let mut out: BTreeMap<String, Vec<PortBinding>> = BTreeMap::new();
    for p in &service.ports {
        let proto = if p.protocol.is_empty() { "tcp" } else { &p.protocol };
        out.entry(format!("{}/{proto}", p.target))
            .or_default()
            .push(PortBinding { host_ip: non_empty(&p.host_ip), host_port: non_empty(&p.published) });
    }
    out
}

/// `deploy.restart_policy` when set (its empty condition means no policy), else `restart:`.
fn restart_policy(service: &Service) -> Option<RestartPolicy> {
    let policy = |name: &str, max: Option<u32>| match name {
        "always" | "any" => Some(RestartPolicy::Always),
        "unless-stopped" => Some(RestartPolicy::UnlessStopped),
        "on-failure" => Some(RestartPolicy::OnFailure { max_retries: max }),
        "no" | "none" => Some(RestartPolicy::No),
        _ => None,
    };
    if let Some(rp) = service.deploy.as_ref().and_then(|d| d.restart_policy.as_ref()) {
        let max = rp.max_attempts.map(|m| u32::try_from(m).unwrap_or(u32::MAX));
        return policy(&rp.condition, max);
    }
    let (name, max) = service.restart.split_once(':').unwrap_or((&service.restart, ""));
    policy(name, max.parse().ok())
}

fn network_mode(project: &Project, service: &Service) -> Option<String> {
    namespace(project, &service.network_mode)
}

/// A namespace mode: `service:x` names the first container of `x`; others pass through.
fn namespace(project: &Project, mode: &str) -> Option<String> {
    match mode.strip_prefix("service:") {
        Some(other) => Some(format!("container:{}", first_container(project, other))),
        None => non_empty(mode),
    }
}

/// A `volumes_from` entry as Docker Compose 2.26.1 sends it: the container alone, its `:ro` or
/// `:rw` mode dropped (the volumes are mounted as the source container has them).
fn volumes_from(project: &Project, entry: &str) -> String {
    let mut parts = entry.split(':');
    match (parts.next(), parts.next()) {
        (Some("container"), Some(name)) => name.to_string(),
        (Some(svc), _) => first_container(project, svc),
        (None, _) => String::new(),
    }
}

fn first_container(project: &Project, service: &str) -> String {
    match project.services.get(service) {
        Some(s) => labels::container_name(project, s, 1),
        None => format!("{}-{service}-1", project.name),
    }
}

/// `security_opt` as Docker Compose sends it: `systempaths=unconfined` is not an engine option
/// but unmasks `/proc` paths (the `bool`), and a seccomp profile named by path is sent as its
/// JSON text, whitespace removed. A profile that cannot be read is passed on as written, for
/// the engine to reject with its own message.
fn security_opts(project: &Project, opts: &[String]) -> (Vec<String>, bool) {
    let mut unconfined = false;
    let mut out = Vec::new();
    for opt in opts {
        if opt == "systempaths=unconfined" {
            unconfined = true;
            continue;
        }
        let (key, value) = opt.split_once('=').or_else(|| opt.split_once(':')).unwrap_or((opt, ""));
        if key == "seccomp" {
            if let Some(text) = project.seccomp_profiles.get(value) {
                out.push(format!("seccomp={}", compact_json(text)));
                continue;
            }
        }
        out.push(opt.clone());
    }
    (out, unconfined)
}

/// JSON text with the whitespace between tokens removed (Go's `json.Compact`).
fn compact_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in text.chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !c.is_whitespace() {
            out.push(c);
        }
    }
    out
}

/// Capabilities as Docker Compose 2.40.3 sends them (docker/cli's normalisation): `CAP_`
/// prefixed and upper case, `ALL` as it is, sorted, each once.
fn capabilities(caps: &[String]) -> Vec<String> {
    let set: std::collections::BTreeSet<String> = caps
        .iter()
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .map(|c| if c == "ALL" || c.starts_with("CAP_") { c } else { format!("CAP_{c}") })
        .collect();
    set.into_iter().collect()
}
