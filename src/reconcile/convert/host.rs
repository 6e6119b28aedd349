//! How a service's container sits on the host: ports, restart policy, resources, namespaces.

use std::collections::BTreeMap;

use super::{mounts, non_empty};
use crate::engine::{DeviceMapping, HostConfig, LogConfig, PortBinding, Resources, RestartPolicy, Ulimit};
use crate::model::{self, Project, Service};
use crate::reconcile::labels;

pub(super) fn host_config(project: &Project, service: &Service) -> HostConfig {
    let (binds, mounts) = mounts::mounts(project, service);
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
        security_opt: service.security_opt.clone(),
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
        links: service.links.iter().map(|l| link(project, l)).collect(),
        oom_score_adj: (service.oom_score_adj != 0).then_some(service.oom_score_adj),
        storage_opt: service.storage_opt.clone(),
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

/// `restart:`, else `deploy.restart_policy`.
fn restart_policy(service: &Service) -> Option<RestartPolicy> {
    let policy = |name: &str, max: Option<u32>| match name {
        "always" | "any" => Some(RestartPolicy::Always),
        "unless-stopped" => Some(RestartPolicy::UnlessStopped),
        "on-failure" => Some(RestartPolicy::OnFailure { max_retries: max }),
        "no" | "none" => Some(RestartPolicy::No),
        _ => None,
    };
    if !service.restart.is_empty() {
        let (name, max) = service.restart.split_once(':').unwrap_or((&service.restart, ""));
        return policy(name, max.parse().ok());
    }
    let rp = service.deploy.as_ref()?.restart_policy.as_ref()?;
    let max = rp.max_attempts.map(|m| u32::try_from(m).unwrap_or(u32::MAX));
    policy(if rp.condition.is_empty() { "any" } else { &rp.condition }, max)
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

fn volumes_from(project: &Project, entry: &str) -> String {
    if let Some(rest) = entry.strip_prefix("container:") {
        return rest.to_string();
    }
    match entry.split_once(':') {
        Some((svc, mode)) => format!("{}:{mode}", first_container(project, svc)),
        None => first_container(project, entry),
    }
}

fn link(project: &Project, entry: &str) -> String {
    let (svc, alias) = entry.split_once(':').unwrap_or((entry, entry));
    format!("{}:{alias}", first_container(project, svc))
}

fn first_container(project: &Project, service: &str) -> String {
    match project.services.get(service) {
        Some(s) => labels::container_name(project, s, 1),
        None => format!("{}-{service}-1", project.name),
    }
}

fn resources(service: &Service) -> Resources {
    let limits = service.deploy.as_ref().and_then(|d| d.resources.limits.clone()).unwrap_or_default();
    let reservations = service.deploy.as_ref().and_then(|d| d.resources.reservations.clone()).unwrap_or_default();
    let bytes = |a: model::Bytes, b: model::Bytes| [a.0, b.0].into_iter().find(|v| *v != 0);
    let cpus = [service.cpus, limits.cpus].into_iter().find(|c| *c != 0.0);
    Resources {
        memory: bytes(service.mem_limit, limits.memory),
        memory_reservation: bytes(service.mem_reservation, reservations.memory),
        memory_swap: bytes(service.memswap_limit, model::Bytes(0)),
        memory_swappiness: bytes(service.mem_swappiness, model::Bytes(0)),
        nano_cpus: cpus.map(|c| (f64::from(c) * 1e9).round() as i64),
        cpu_shares: (service.cpu_shares != 0).then_some(service.cpu_shares),
        cpu_period: (service.cpu_period != 0).then_some(service.cpu_period),
        cpu_quota: (service.cpu_quota != 0).then_some(service.cpu_quota),
        cpuset_cpus: non_empty(&service.cpuset),
        cpuset_mems: None,
        pids_limit: [service.pids_limit, limits.pids].into_iter().find(|p| *p != 0),
        oom_kill_disable: service.oom_kill_disable.then_some(true),
        blkio_weight: None,
    }
}
