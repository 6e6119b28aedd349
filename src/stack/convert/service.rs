//! One compose service → one Swarm service spec, field by field as `docker stack deploy`
//! converts it (docker/cli `cli/compose/convert/service.go`, `volume.go`), so that a stack it
//! deployed reads back as the spec computed here.

use std::collections::BTreeMap;

use super::{Namespace, LABEL_IMAGE, LABEL_NAMESPACE};
use crate::engine::swarm::{
    ConfigReference, ContainerSpec, DnsConfig, Driver, Empty, EndpointSpec, FileTarget, HealthConfig, Mount, MountBindOptions,
    MountTmpfsOptions, MountVolumeOptions, NetworkAttachment, Placement, PlacementPreference, PortConfig, Replicated, ReplicatedJob,
    ResourceRequirements, Resources, RestartPolicy, SecretReference, ServiceMode, ServiceSpec, Spread, TaskSpec, Ulimit, UpdateConfig,
};
use crate::model::{self, Project, Service};

/// Converts `service`; an error is a value Swarm cannot take (an unknown mode...).
pub fn service_spec(ns: &Namespace, project: &Project, service: &Service) -> Result<ServiceSpec, String> {
    let deploy = service.deploy.clone().unwrap_or_default();
    let mut labels = deploy.labels.clone();
    labels.insert(LABEL_NAMESPACE.into(), ns.name().into());
    labels.insert(LABEL_IMAGE.into(), service.image.clone());
    let mut container_labels = service.labels.clone();
    container_labels.insert(LABEL_NAMESPACE.into(), ns.name().into());

    let container = ContainerSpec {
        image: service.image.clone(),
        labels: container_labels,
        command: service.entrypoint.clone().unwrap_or_default(),
        args: service.command.clone().unwrap_or_default(),
        hostname: service.hostname.clone(),
        env: environment(&service.environment),
        dir: service.working_dir.clone(),
        user: service.user.clone(),
        groups: Vec::new(),
        tty: service.tty,
        open_stdin: service.stdin_open,
        read_only: service.read_only,
        mounts: mounts(ns, project, service)?,
        stop_signal: service.stop_signal.clone(),
        stop_grace_period: service.stop_grace_period.map(|d| d.0),
        healthcheck: service.healthcheck.as_ref().map(healthcheck).transpose()?,
        hosts: service.extra_hosts.iter().filter_map(|h| host_line(h)).collect(),
        dns_config: dns(service),
        secrets: secrets(ns, project, service),
        configs: configs(ns, project, service),
        isolation: service.isolation.clone(),
        init: service.init,
        sysctls: service.sysctls.clone(),
        capability_add: capabilities(&service.cap_add, &[]),
        capability_drop: capabilities(&service.cap_drop, &service.cap_add),
        ulimits: ulimits(service),
    };
    let task = TaskSpec {
        container_spec: container,
        resources: Some(resources(&deploy.resources)),
        restart_policy: restart_policy(&service.restart, deploy.restart_policy.as_ref())?,
        placement: Some(placement(&deploy.placement)),
        networks: networks(ns, project, service),
        log_driver: service.logging.as_ref().map(|l| Driver { name: l.driver.clone(), options: l.options.clone() }),
        force_update: 0,
    };
    Ok(ServiceSpec {
        name: ns.scope(&service.name),
        labels,
        task_template: task,
        mode: mode(&deploy.mode, deploy.replicas.or(service.scale))?,
        update_config: deploy.update_config.as_ref().map(update_config),
        rollback_config: deploy.rollback_config.as_ref().map(update_config),
        endpoint_spec: Some(endpoint(&deploy.endpoint_mode, &service.ports)?),
    })
}

/// Capabilities as the docker CLI sends them: `CAP_` names in capitals, sorted, without
/// duplicates; `ALL` alone when present; a capability also added is not dropped.
fn capabilities(list: &[String], added: &[String]) -> Vec<String> {
    let normal = |c: &String| {
        let c = c.to_uppercase();
        if c == "ALL" || c.starts_with("CAP_") {
            c
        } else {
            format!("CAP_{c}")
        }
    };
    let mut out: Vec<String> = list.iter().map(normal).collect();
    out.sort();
    out.dedup();
    if out.iter().any(|c| c == "ALL") {
        out = vec!["ALL".into()];
    }
    let added: Vec<String> = added.iter().map(normal).collect();
    out.retain(|c| !added.contains(c));
    out
}

/// `KEY=value` (or `KEY` alone, unset), sorted.
fn environment(env: &model::MappingWithEquals) -> Vec<String> {
    let mut out: Vec<String> = env
        .iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.clone(),
        })
        .collect();
    out.sort();
    out
}

/// `host=ip` (or `host:ip`) → `ip host`, the hosts-file line Swarm takes.
fn host_line(entry: &str) -> Option<String> {
    let (host, ip) = entry.split_once('=').or_else(|| entry.split_once(':'))?;
    Some(format!("{ip} {host}"))
}

fn dns(service: &Service) -> Option<DnsConfig> {
    if service.dns.is_empty() && service.dns_search.is_empty() && service.dns_opt.is_empty() {
        return None;
    }
    let nameservers = service.dns.iter().filter(|ip| ip.parse::<std::net::IpAddr>().is_ok()).cloned().collect();
    Some(DnsConfig { nameservers, search: service.dns_search.clone(), options: service.dns_opt.clone() })
}

fn healthcheck(h: &model::Healthcheck) -> Result<HealthConfig, String> {
    if h.disable {
        if !h.test.is_empty() && h.test != ["NONE"] {
            return Err("healthcheck: test and disable can't be set at the same time".into());
        }
        return Ok(HealthConfig { test: vec!["NONE".into()], ..Default::default() });
    }
    let nanos = |d: Option<model::Duration>| d.map(|d| d.0).unwrap_or(0);
    Ok(HealthConfig {
        test: h.test.clone(),
        interval: nanos(h.interval),
        timeout: nanos(h.timeout),
        start_period: nanos(h.start_period),
        retries: h.retries.unwrap_or(0) as i64,
    })
}

fn ulimits(service: &Service) -> Vec<Ulimit> {
    // BTreeMap: already sorted by name, as docker sorts them.
    service
        .ulimits
        .iter()
        .map(|(name, u)| {
            let (soft, hard) = match *u {
                model::Ulimit::Single(v) => (v, v),
                model::Ulimit::Range { soft, hard } => (soft, hard),
            };
            Ulimit { name: name.clone(), soft, hard }
        })
        .collect()
}

/// A secret's or config's target: Swarm places a relative name under `/run/secrets` (secrets)
/// or `/` (configs); the loader wrote the compose default `/run/secrets/<source>` in full.
fn file_target(r: &model::FileReference, default_dir: &str) -> FileTarget {
    let target = match r.target.strip_prefix(default_dir) {
        Some(name) if !name.is_empty() && !name.contains('/') => name.to_string(),
        _ if r.target.is_empty() => r.source.clone(),
        _ => r.target.clone(),
    };
    let or_zero = |s: &str| if s.is_empty() { "0".to_string() } else { s.to_string() };
    FileTarget { name: target, uid: or_zero(&r.uid), gid: or_zero(&r.gid), mode: r.mode.unwrap_or(0o444) }
}

fn object_name(ns: &Namespace, objects: &BTreeMap<String, model::FileObject>, source: &str) -> String {
    match objects.get(source) {
        Some(o) if o.external && !o.name.is_empty() => o.name.clone(),
        Some(o) if !o.name.is_empty() => o.name.clone(),
        _ => ns.scope(source),
    }
}

fn secrets(ns: &Namespace, project: &Project, service: &Service) -> Vec<SecretReference> {
    let mut out: Vec<SecretReference> = service
        .secrets
        .iter()
        .map(|r| SecretReference {
            file: file_target(r, "/run/secrets/"),
            id: String::new(),
            name: object_name(ns, &project.secrets, &r.source),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn configs(ns: &Namespace, project: &Project, service: &Service) -> Vec<ConfigReference> {
    let mut out: Vec<ConfigReference> = service
        .configs
        .iter()
        .map(|r| {
            let mut file = file_target(r, "\u{0}");
            // compose-go writes a config's default target as `/<source>`; docker sends `<source>`.
            if file.name == format!("/{}", r.source) {
                file.name = r.source.clone();
            }
            ConfigReference { file, id: String::new(), name: object_name(ns, &project.configs, &r.source) }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn mounts(ns: &Namespace, project: &Project, service: &Service) -> Result<Vec<Mount>, String> {
    let mut out = Vec::new();
    for v in &service.volumes {
        let mut m = Mount {
            kind: v.kind.clone(),
            source: v.source.clone(),
            target: v.target.clone(),
            read_only: v.read_only,
            ..Default::default()
        };
        m.consistency = v.consistency.clone();
        match v.kind.as_str() {
            model::MOUNT_VOLUME | "" => {
                m.kind = model::MOUNT_VOLUME.into();
                if !v.source.is_empty() {
                    let declared = project.volumes.get(&v.source).ok_or_else(|| format!("undefined volume {:?}", v.source))?;
                    m.source = if declared.name.is_empty() { ns.scope(&v.source) } else { declared.name.clone() };
                    let mut options = MountVolumeOptions { no_copy: v.volume.as_ref().is_some_and(|o| o.nocopy), ..Default::default() };
                    if !declared.external {
                        options.labels = declared.labels.clone();
                        options.labels.insert(LABEL_NAMESPACE.into(), ns.name().into());
                        if !declared.driver.is_empty() || !declared.driver_opts.is_empty() {
                            options.driver_config = Some(Driver { name: declared.driver.clone(), options: declared.driver_opts.clone() });
                        }
                    }
                    m.volume_options = Some(options);
                }
            }
            model::MOUNT_BIND => {
                let propagation = v.bind.as_ref().map(|b| b.propagation.clone()).unwrap_or_default();
                if !propagation.is_empty() {
                    m.bind_options = Some(MountBindOptions { propagation });
                }
            }
            model::MOUNT_TMPFS => {
                if let Some(t) = &v.tmpfs {
                    m.tmpfs_options = Some(MountTmpfsOptions { size_bytes: t.size.0, mode: t.mode });
                }
            }
            other => return Err(format!("volume type {other:?} cannot be used in a swarm service")),
        }
        out.push(m);
    }
    // `tmpfs:` paths (docker stack deploy drops them; Swarm mounts them).
    for path in &service.tmpfs {
        let target = path.split(':').next().unwrap_or(path).to_string();
        out.push(Mount { kind: model::MOUNT_TMPFS.into(), target, ..Default::default() });
    }
    Ok(out)
}

fn networks(ns: &Namespace, project: &Project, service: &Service) -> Vec<NetworkAttachment> {
    let mut nets: Vec<NetworkAttachment> = if service.networks.is_empty() {
        vec![(String::from("default"), None)].into_iter().collect::<Vec<_>>()
    } else {
        service.networks.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
    .into_iter()
    .map(|(key, attach)| {
        let declared = project.networks.get(&key);
        let target = declared.filter(|n| !n.name.is_empty()).map(|n| n.name.clone()).unwrap_or_else(|| ns.scope(&key));
        let mut aliases = attach.as_ref().map(|a| a.aliases.clone()).unwrap_or_default();
        let driver_opts = attach
            .as_ref()
            .and_then(|a| a.other.get("driver_opts"))
            .and_then(|v| serde_json::from_value::<BTreeMap<String, String>>(v.clone()).ok())
            .unwrap_or_default();
        // Only user-defined networks take aliases.
        if !matches!(target.as_str(), "bridge" | "host" | "none" | "default") && !target.starts_with("container:") {
            aliases.push(service.name.clone());
        }
        NetworkAttachment { target, aliases, driver_opts }
    })
    .collect();
    nets.sort_by(|a, b| a.target.cmp(&b.target));
    nets
}

/// A decimal CPU count (`0.5`) in billionths, exactly (docker parses it as a rational).
fn nano_cpus(cpus: f32) -> i64 {
    let text = format!("{cpus}");
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    let frac: String = frac.chars().chain(std::iter::repeat('0')).take(9).collect();
    int.parse::<i64>().unwrap_or(0) * 1_000_000_000 + frac.parse::<i64>().unwrap_or(0)
}

fn resources(r: &model::Resources) -> ResourceRequirements {
    let limits = r.limits.as_ref().map(|l| Resources {
        nano_cpus: nano_cpus(l.cpus),
        memory_bytes: l.memory.0,
        pids: l.pids,
        generic_resources: Vec::new(),
    });
    let reservations = r.reservations.as_ref().map(|l| {
        let generic = match &l.generic_resources {
            Some(serde_json::Value::Array(items)) => items
                .iter()
                .filter_map(|g| g.get("discrete_resource_spec"))
                .map(|d| serde_json::json!({"DiscreteResourceSpec": {"Kind": d.get("kind"), "Value": d.get("value")}}))
                .collect(),
            _ => Vec::new(),
        };
        Resources { nano_cpus: nano_cpus(l.cpus), memory_bytes: l.memory.0, pids: 0, generic_resources: generic }
    });
    ResourceRequirements { limits, reservations }
}

fn restart_policy(restart: &str, policy: Option<&model::RestartPolicy>) -> Result<Option<RestartPolicy>, String> {
    if let Some(p) = policy {
        return Ok(Some(RestartPolicy {
            condition: p.condition.clone(),
            delay: p.delay.map(|d| d.0),
            max_attempts: p.max_attempts,
            window: p.window.map(|d| d.0),
        }));
    }
    let (name, count) = match restart.split_once(':') {
        Some((n, c)) => (n, c.parse::<i64>().map_err(|_| format!("invalid restart policy {restart:?}"))?),
        None => (restart, 0),
    };
    let attempts = (count > 0).then_some(count as u64);
    Ok(match name {
        "" | "no" => None,
        "always" | "unless-stopped" => Some(RestartPolicy { condition: "any".into(), max_attempts: attempts, ..Default::default() }),
        "on-failure" => Some(RestartPolicy { condition: "on-failure".into(), max_attempts: attempts, ..Default::default() }),
        other => return Err(format!("invalid restart policy: unknown policy {other:?}")),
    })
}

fn placement(p: &indexmap::IndexMap<String, serde_json::Value>) -> Placement {
    let strings = |v: Option<&serde_json::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array()).map(|a| a.iter().filter_map(|s| s.as_str().map(String::from)).collect()).unwrap_or_default()
    };
    let preferences = p
        .get("preferences")
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|p| p.get("spread").and_then(|s| s.as_str()))
                .map(|s| PlacementPreference { spread: Spread { spread_descriptor: s.into() } })
                .collect()
        })
        .unwrap_or_default();
    Placement {
        constraints: strings(p.get("constraints")),
        preferences,
        max_replicas: p.get("max_replicas_per_node").and_then(|v| v.as_u64()).unwrap_or(0),
        platforms: Vec::new(),
    }
}

fn mode(mode: &str, replicas: Option<i64>) -> Result<ServiceMode, String> {
    let replicas = replicas.map(|r| r.max(0) as u64);
    let global_refuses = |m: &str| match replicas {
        Some(_) => Err(format!("replicas can only be used with replicated or replicated-job mode, not {m}")),
        None => Ok(()),
    };
    Ok(match mode {
        "" | "replicated" => ServiceMode { replicated: Some(Replicated { replicas }), ..Default::default() },
        "global" => {
            global_refuses(mode)?;
            ServiceMode { global: Some(Empty {}), ..Default::default() }
        }
        "replicated-job" => ServiceMode {
            replicated_job: Some(ReplicatedJob { max_concurrent: replicas, total_completions: replicas }),
            ..Default::default()
        },
        "global-job" => {
            global_refuses(mode)?;
            ServiceMode { global_job: Some(Empty {}), ..Default::default() }
        }
        other => return Err(format!("unknown deploy mode {other:?}")),
    })
}

fn update_config(u: &model::UpdateConfig) -> UpdateConfig {
    UpdateConfig {
        parallelism: u.parallelism.unwrap_or(1),
        delay: u.delay.map(|d| d.0).unwrap_or(0),
        failure_action: u.failure_action.clone(),
        monitor: u.monitor.map(|d| d.0).unwrap_or(0),
        max_failure_ratio: f64::from(u.max_failure_ratio),
        order: u.order.clone(),
    }
}

/// Ports, sorted as docker sorts them. A published range (`8000-8001:80`, one target) is one
/// port per published number, each to that target.
fn endpoint(mode: &str, ports: &[model::Port]) -> Result<EndpointSpec, String> {
    let mut out = Vec::new();
    for p in ports {
        let protocol = if p.protocol.is_empty() { "tcp".to_string() } else { p.protocol.clone() };
        let publish_mode = if p.mode.is_empty() { "ingress".to_string() } else { p.mode.clone() };
        let published: Vec<u32> = match p.published.split_once('-') {
            _ if p.published.is_empty() => vec![0],
            Some((a, b)) => {
                let (a, b) = (a.parse::<u32>(), b.parse::<u32>());
                match (a, b) {
                    (Ok(a), Ok(b)) if a <= b => (a..=b).collect(),
                    _ => return Err(format!("invalid published port range {:?}", p.published)),
                }
            }
            None => vec![p.published.parse::<u32>().map_err(|_| format!("invalid published port {:?}", p.published))?],
        };
        for published in published {
            out.push(PortConfig {
                name: p.name.clone(),
                protocol: protocol.clone(),
                target_port: p.target,
                published_port: published,
                publish_mode: publish_mode.clone(),
            });
        }
    }
    out.sort_by_key(|p| p.published_port);
    Ok(EndpointSpec { mode: mode.to_lowercase(), ports: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpus_are_exact_billionths() {
        assert_eq!(nano_cpus(0.1), 100_000_000);
        assert_eq!(nano_cpus(1.5), 1_500_000_000);
        assert_eq!(nano_cpus(2.0), 2_000_000_000);
        assert_eq!(nano_cpus(0.0), 0);
    }

    #[test]
    fn capabilities_are_normalised_as_the_docker_cli_does() {
        let s = |v: &[&str]| v.iter().map(|c| c.to_string()).collect::<Vec<_>>();
        assert_eq!(capabilities(&s(&["net_admin", "CAP_CHOWN", "NET_ADMIN"]), &[]), ["CAP_CHOWN", "CAP_NET_ADMIN"]);
        assert_eq!(capabilities(&s(&["MKNOD", "all"]), &[]), ["ALL"]);
        assert_eq!(capabilities(&s(&["MKNOD", "CHOWN"]), &s(&["chown"])), ["CAP_MKNOD"]);
    }

    #[test]
    fn extra_hosts_become_hosts_file_lines() {
        assert_eq!(host_line("db=10.0.0.2").as_deref(), Some("10.0.0.2 db"));
        assert_eq!(host_line("db:10.0.0.2").as_deref(), Some("10.0.0.2 db"));
    }

    #[test]
    fn legacy_restart_maps_to_a_swarm_policy() {
        assert_eq!(restart_policy("", None).unwrap(), None);
        assert_eq!(restart_policy("always", None).unwrap().unwrap().condition, "any");
        let p = restart_policy("on-failure:3", None).unwrap().unwrap();
        assert_eq!((p.condition.as_str(), p.max_attempts), ("on-failure", Some(3)));
        assert!(restart_policy("sometimes", None).is_err());
    }

    #[test]
    fn port_ranges_expand_and_defaults_are_filled() {
        let port = model::Port { target: 80, published: "8000-8001".into(), ..Default::default() };
        let spec = endpoint("", &[port]).unwrap();
        let got: Vec<(u32, u32, &str, &str)> =
            spec.ports.iter().map(|p| (p.target_port, p.published_port, p.protocol.as_str(), p.publish_mode.as_str())).collect();
        assert_eq!(got, [(80, 8000, "tcp", "ingress"), (80, 8001, "tcp", "ingress")]);
    }

    #[test]
    fn global_mode_refuses_replicas() {
        assert!(mode("global", Some(2)).is_err());
        assert_eq!(mode("", None).unwrap().replicated, Some(Replicated { replicas: None }));
    }

    #[test]
    fn secret_targets_are_made_relative_as_docker_sends_them() {
        let r = model::FileReference { source: "s".into(), target: "/run/secrets/s".into(), mode: Some(0o400), ..Default::default() };
        assert_eq!(file_target(&r, "/run/secrets/"), FileTarget { name: "s".into(), uid: "0".into(), gid: "0".into(), mode: 0o400 });
        let r = model::FileReference { source: "s".into(), target: "/etc/app.conf".into(), ..Default::default() };
        assert_eq!(file_target(&r, "/run/secrets/").name, "/etc/app.conf");
    }
}
