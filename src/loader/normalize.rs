//! Defaults Docker Compose fills in (skipped by `config --no-normalize`): the implicit
//! `default` network, resource names prefixed by the project, the default Dockerfile, build
//! arguments without a value taken from the environment, and the dependencies implied by
//! `links`, `volumes_from` and `network_mode`.

use super::env::Environment;
use crate::model::{DependsOn, Project, SERVICE_STARTED};

pub fn normalize(project: &mut Project, env: &Environment) {
    let mut needs_default = false;
    for service in project.services.values_mut() {
        // A service a provider plugin runs has no container to attach.
        if service.networks.is_empty() && service.network_mode.is_empty() && service.provider.is_none() {
            service.networks.insert("default".into(), None);
        }
        needs_default |= service.networks.contains_key("default");
        if let Some(build) = &mut service.build {
            if build.dockerfile.is_empty() && build.dockerfile_inline.is_empty() {
                build.dockerfile = "Dockerfile".into();
            }
            // A build argument declared without a value takes it from the environment, and is
            // left out when the environment does not have it.
            build.args.retain(|k, v| {
                if v.is_none() {
                    *v = env.get(k).map(str::to_string);
                }
                v.is_some()
            });
        }
        for (dep, restart) in implicit_dependencies(service) {
            service.depends_on.entry(dep).or_insert_with(|| DependsOn { condition: SERVICE_STARTED.into(), restart, required: true });
        }
    }
    if needs_default {
        project.networks.entry("default".into()).or_default();
    }
    let name = project.name.clone();
    for (key, net) in project.networks.iter_mut() {
        if net.name.is_empty() {
            net.name = if net.external { key.clone() } else { format!("{name}_{key}") };
        }
    }
    for (key, vol) in project.volumes.iter_mut() {
        if vol.name.is_empty() {
            vol.name = if vol.external { key.clone() } else { format!("{name}_{key}") };
        }
    }
    for (key, obj) in project.secrets.iter_mut().chain(project.configs.iter_mut()) {
        if obj.name.is_empty() {
            obj.name = if obj.external { key.clone() } else { format!("{name}_{key}") };
        }
    }
}

/// Services a service needs started first without saying so in `depends_on`, each with
/// whether a restart of the dependency restarts this service (true for links and shared
/// namespaces, false for `volumes_from`).
pub fn implicit_dependencies(service: &crate::model::Service) -> Vec<(String, bool)> {
    let mut deps = Vec::new();
    for link in &service.links {
        deps.push((link.split(':').next().unwrap_or(link).to_string(), true));
    }
    for ns in [&service.network_mode, &service.ipc, &service.pid, &service.uts, &service.cgroup] {
        if let Some(s) = ns.strip_prefix("service:") {
            deps.push((s.to_string(), true));
        }
    }
    for from in &service.volumes_from {
        if !from.starts_with("container:") {
            deps.push((from.split(':').next().unwrap_or(from).to_string(), false));
        }
    }
    deps
}
