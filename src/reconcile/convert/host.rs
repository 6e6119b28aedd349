//! How a service's container sits on the host: ports, restart policy, resources, namespaces.
//!
//! Where Docker Compose gives one key precedence over another (`deploy.resources` over
//! `mem_limit`, `deploy.restart_policy` over `restart`) or rewrites a value on its way to the
//! engine (`volumes_from`, `security_opt`), this module does the same, so that both tools create
//! the same container from the same file.

use std::collections::BTreeMap;

use super::{mounts, non_empty};
use crate::engine::{BlkioThrottle, BlkioWeight, DeviceMapping, DeviceRequest, HostConfig, LogConfig, PortBinding, Resources, RestartPolicy, Ulimit};
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
        cap_add: service.cap_add.clone(),
        cap_drop: service.cap_drop.clone(),
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
        log_config: service.logging.as_ref().filter(|l| !l.driver.is_empty() || !l.options.is_empty()).map(|l| LogConfig {
            driver: l.driver.clone(),
            options: l.options.clone(),
        }),
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
        out.entry(format!("{}/{proto}", p.target)).or_default().push(PortBinding {
            host_ip: non_empty(&p.host_ip),
            host_port: non_empty(&p.published),
        });
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

/// Service-level limits, then `deploy.resources` over them where set, as Docker Compose does.
fn resources(service: &Service) -> Resources {
    let deploy = service.deploy.as_ref().map(|d| &d.resources);
    let limits = deploy.and_then(|r| r.limits.clone()).unwrap_or_default();
    let reservations = deploy.and_then(|r| r.reservations.clone()).unwrap_or_default();
    let bytes = |service: model::Bytes, deploy: model::Bytes| [deploy.0, service.0].into_iter().find(|v| *v != 0);
    let cpus = [limits.cpus, service.cpus].into_iter().find(|c| *c != 0.0);
    let blkio = blkio(service.blkio_config.as_ref());
    Resources {
        memory: bytes(service.mem_limit, limits.memory),
        memory_reservation: bytes(service.mem_reservation, reservations.memory),
        memory_swap: (service.memswap_limit.0 != 0).then_some(service.memswap_limit.0),
        memory_swappiness: (service.mem_swappiness.0 != 0).then_some(service.mem_swappiness.0),
        nano_cpus: cpus.map(nano_cpus),
        cpu_shares: (service.cpu_shares != 0).then_some(service.cpu_shares),
        cpu_period: (service.cpu_period != 0).then_some(service.cpu_period),
        cpu_quota: (service.cpu_quota != 0).then_some(service.cpu_quota),
        cpu_realtime_period: (service.cpu_rt_period != 0).then_some(service.cpu_rt_period),
        cpu_realtime_runtime: (service.cpu_rt_runtime != 0).then_some(service.cpu_rt_runtime),
        cpu_count: (service.cpu_count != 0).then_some(service.cpu_count),
        // Go's `int64(percent * 100)` on a float32: truncated.
        cpu_percent: (service.cpu_percent != 0.0).then(|| (service.cpu_percent * 100.0) as i64),
        cpuset_cpus: non_empty(&service.cpuset),
        cpuset_mems: None,
        pids_limit: if limits.pids > 0 { Some(limits.pids) } else { (service.pids_limit != 0).then_some(service.pids_limit) },
        oom_kill_disable: service.oom_kill_disable.then_some(true),
        device_requests: reservations.devices.as_ref().map(device_requests).unwrap_or_default(),
        ..blkio
    }
}

/// `deploy.resources.reservations.devices`, as Docker Compose 2.26.1 sends them: one request
/// per entry with its capabilities as the single alternative, `count: all` as -1, and without
/// the entry's `options` (which 2.26.1 does not pass on). `gpus:` is not read by 2.26.1 either.
fn device_requests(devices: &serde_json::Value) -> Vec<DeviceRequest> {
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array()).into_iter().flatten().filter_map(|s| s.as_str().map(String::from)).collect()
    };
    devices
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| DeviceRequest {
            driver: d.get("driver").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
            count: match d.get("count") {
                Some(serde_json::Value::String(s)) if s == "all" => -1,
                Some(serde_json::Value::String(s)) => s.parse().unwrap_or(0),
                Some(v) => v.as_i64().unwrap_or(0),
                None => 0,
            },
            device_ids: strings(d.get("device_ids")),
            capabilities: vec![strings(d.get("capabilities"))],
            options: Default::default(),
        })
        .collect()
}

/// CPUs in units of 1e-9 as Go computes them from a float32: multiplied in float32, then
/// truncated (`cpus: 0.3` is 300000000, not the 300000012 that f64 arithmetic gives).
fn nano_cpus(cpus: f32) -> i64 {
    (cpus * 1e9_f32) as i64
}

/// `blkio_config`, kept as free-form JSON by the model: weights, and rates as byte counts (`1mb`)
/// or operation counts.
fn blkio(config: Option<&serde_json::Value>) -> Resources {
    let Some(c) = config else { return Resources::default() };
    let weight = |v: &serde_json::Value| v.as_u64().and_then(|w| u16::try_from(w).ok());
    let list = |key: &str| c.get(key).and_then(|v| v.as_array()).cloned().unwrap_or_default();
    let rate = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => model::Bytes::parse(s).ok().and_then(|b| u64::try_from(b.0).ok()),
        other => other.as_u64(),
    };
    let throttle = |key: &str| -> Vec<BlkioThrottle> {
        list(key)
            .iter()
            .filter_map(|d| Some(BlkioThrottle { path: d.get("path")?.as_str()?.to_string(), rate: d.get("rate").and_then(rate).unwrap_or(0) }))
            .collect()
    };
    Resources {
        blkio_weight: c.get("weight").and_then(weight).filter(|w| *w != 0),
        blkio_weight_device: list("weight_device")
            .iter()
            .filter_map(|d| Some(BlkioWeight { path: d.get("path")?.as_str()?.to_string(), weight: d.get("weight").and_then(weight).unwrap_or(0) }))
            .collect(),
        blkio_device_read_bps: throttle("device_read_bps"),
        blkio_device_read_iops: throttle("device_read_iops"),
        blkio_device_write_bps: throttle("device_write_bps"),
        blkio_device_write_iops: throttle("device_write_iops"),
        ..Resources::default()
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
        if key == "seccomp" && !matches!(value, "unconfined" | "builtin" | "") {
            let path = project.working_dir.join(value);
            if let Ok(text) = std::fs::read_to_string(&path) {
                out.push(format!("seccomp={}", compact_json(&text)));
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
