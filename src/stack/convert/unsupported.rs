//! The service keys a Swarm service cannot honour, as a table: `docker stack deploy` names
//! them in one line ("Ignoring unsupported options: build, links"); we name each with the file
//! and line it was written at, and why it is ignored.

use crate::model::{Project, Service};

/// Key → why a Swarm ignores it. Keys `docker stack deploy` lists as unsupported or
/// deprecated, and the keys of the newer compose format that no swarm field takes.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("build", "a swarm builds nothing; the service runs `image`"),
    ("cgroup", "not a service option"),
    ("cgroup_parent", "not a service option"),
    ("container_name", "task containers are named by the swarm"),
    ("cpu_count", "use deploy.resources"),
    ("cpu_percent", "use deploy.resources"),
    ("cpu_period", "use deploy.resources"),
    ("cpu_quota", "use deploy.resources"),
    ("cpu_rt_period", "use deploy.resources"),
    ("cpu_rt_runtime", "use deploy.resources"),
    ("cpu_shares", "use deploy.resources"),
    ("cpus", "use deploy.resources.limits.cpus"),
    ("cpuset", "not a service option"),
    ("device_cgroup_rules", "not a service option"),
    ("devices", "not a service option"),
    ("domainname", "not a service option"),
    ("expose", "services on one network reach each other on any port"),
    ("external_links", "not a service option"),
    ("gpus", "use deploy.resources.reservations.generic_resources"),
    ("group_add", "not sent by docker stack deploy"),
    ("ipc", "not a service option"),
    ("links", "services on one network find each other by name"),
    ("mac_address", "not a service option"),
    ("mem_limit", "use deploy.resources.limits.memory"),
    ("mem_reservation", "use deploy.resources.reservations.memory"),
    ("mem_swappiness", "not a service option"),
    ("memswap_limit", "not a service option"),
    ("network_mode", "a service joins networks (`networks:`)"),
    ("oom_kill_disable", "not a service option"),
    ("pid", "not a service option"),
    ("pids_limit", "use deploy.resources.limits.pids"),
    ("platform", "the swarm picks the image's platform per node"),
    ("pre_start", "no lifecycle hooks in a swarm"),
    ("post_start", "no lifecycle hooks in a swarm"),
    ("pre_stop", "no lifecycle hooks in a swarm"),
    ("privileged", "not a service option"),
    ("pull_policy", "each node pulls the image the spec names"),
    ("runtime", "not a service option"),
    ("security_opt", "not a service option"),
    ("shm_size", "not a service option"),
    ("storage_opt", "not a service option"),
    ("userns_mode", "not a service option"),
    ("uts", "not a service option"),
    ("volume_driver", "declare the volume's driver under top-level `volumes`"),
    ("volumes_from", "share a named volume instead"),
];

/// The unsupported keys the project's services set, one warning each (`compose.yaml:7:5:
/// services.web.links: ignored by a swarm: ...`), in file order per service.
pub fn unsupported_keys(project: &Project) -> Vec<String> {
    let mut out = Vec::new();
    for service in project.services.values() {
        let set = serde_json::to_value(service).unwrap_or_default();
        let Some(set) = set.as_object() else { continue };
        for (key, why) in UNSUPPORTED {
            if set.get(*key).is_some_and(|v| !v.is_null()) {
                out.push(format!("{}: ignored by a swarm: {why}", project.located(&format!("services.{}.{key}", service.name))));
            }
        }
        out.extend(ignored_parts(project, service));
    }
    out
}

/// Parts of supported keys a swarm drops.
fn ignored_parts(project: &Project, service: &Service) -> Vec<String> {
    let mut out = Vec::new();
    if service.healthcheck.as_ref().is_some_and(|h| h.start_interval.is_some()) {
        let at = project.located(&format!("services.{}.healthcheck", service.name));
        out.push(format!("{at}: start_interval ignored: the engine's API (1.41) has no such service field"));
    }
    if service.ports.iter().any(|p| !p.host_ip.is_empty()) {
        let at = project.located(&format!("services.{}.ports", service.name));
        out.push(format!("{at}: host_ip ignored: a swarm publishes on every address of the node"));
    }
    let reservations = service.deploy.as_ref().and_then(|d| d.resources.reservations.as_ref());
    if reservations.is_some_and(|r| !r.devices.is_empty()) {
        let at = project.located(&format!("services.{}.deploy", service.name));
        out.push(format!("{at}: resources.reservations.devices ignored: use generic_resources"));
    }
    for (name, dep) in &service.depends_on {
        if !project.services.contains_key(name) && dep.required {
            let at = project.located(&format!("services.{}.depends_on", service.name));
            out.push(format!("{at}: {name} is not a service of this stack"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::testing::project;

    #[test]
    fn each_unsupported_key_is_named_with_where_it_was_written() {
        let p = project("services:\n  web:\n    image: busybox\n    container_name: w1\n    links: [db]\n  db:\n    image: busybox\n");
        let warnings = unsupported_keys(&p);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("compose.yaml:4:5: services.web.container_name: ignored by a swarm"), "{warnings:?}");
        assert!(warnings[1].contains("compose.yaml:5:5: services.web.links"), "{warnings:?}");
    }

    #[test]
    fn dropped_parts_of_supported_keys_are_named() {
        let p = project("services:\n  web:\n    image: busybox\n    ports: ['127.0.0.1:80:80']\n");
        let warnings = unsupported_keys(&p);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("compose.yaml:4:5: services.web.ports: host_ip ignored"), "{warnings:?}");
    }

    #[test]
    fn supported_keys_raise_nothing() {
        let p = project("services:\n  web:\n    image: busybox\n    environment: {A: b}\n    deploy: {replicas: 2}\n");
        assert_eq!(unsupported_keys(&p), Vec::<String>::new());
    }
}
