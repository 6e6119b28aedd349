//! A service, as the engine must be told to create one of its containers.
//!
//! Names and labels are exactly those Docker Compose sets, so that either tool recognises the
//! other's containers, networks and volumes. The conversion is pure: everything it needs about
//! the engine (the image id, the container being replaced) comes in [`Context`].

pub mod files;
mod host;
mod mounts;
mod network;
mod resources;

use std::collections::BTreeMap;

use super::labels;
use crate::engine::{ContainerConfig, ContainerSpec, Healthcheck};
use crate::model::{Project, Service};

pub use files::{injected_files, InjectedFile};
pub use mounts::inherit_volumes;
pub use network::{network_spec, volume_spec};

/// What a container spec needs besides the service.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The container's replica number (`container-number`).
    pub number: u32,
    /// The name to create the container under: its final name, or a temporary one while it
    /// replaces an older container.
    pub name: String,
    pub config_hash: String,
    /// The image's id for the `image` label; left out when not known yet.
    pub image_id: Option<String>,
    /// The id of the container this one replaces (the `replace` label).
    pub replaces: Option<String>,
    /// The `--env-file` files given explicitly, comma-separated (the `environment_file` label).
    pub environment_file: Option<String>,
}

/// The spec of container `cx.number` of `service`.
pub fn container_spec(project: &Project, service: &Service, cx: &Context) -> ContainerSpec {
    let final_name = labels::container_name(project, service, cx.number);
    let links = network::links(project, service, cx.number);
    let host = host::host_config(project, service, &links);
    let networks = if service.network_mode.is_empty() { network::endpoints(project, service, &final_name, &links) } else { Vec::new() };
    ContainerSpec {
        name: Some(cx.name.clone()),
        config: ContainerConfig {
            image: labels::image_name(project, service),
            cmd: service.command.clone(),
            entrypoint: service.entrypoint.clone(),
            env: service.environment.iter().map(|(k, v)| v.as_ref().map_or_else(|| k.clone(), |v| format!("{k}={v}"))).collect(),
            labels: container_labels(project, service, cx),
            working_dir: non_empty(&service.working_dir),
            user: non_empty(&service.user),
            hostname: non_empty(&service.hostname),
            domainname: non_empty(&service.domainname),
            exposed_ports: exposed_ports(service),
            tty: service.tty,
            open_stdin: service.stdin_open,
            attach_stdin: false,
            stop_signal: non_empty(&service.stop_signal),
            // Whole seconds, truncated as Go's `int(d.Seconds())` does: `1500ms` is 1.
            stop_timeout: service.stop_grace_period.map(|d| std::time::Duration::from_secs(d.as_std().as_secs())),
            healthcheck: service.healthcheck.as_ref().map(healthcheck),
        },
        host,
        networks,
    }
}

/// The labels of a service container: the service's own, then Docker Compose's.
pub fn container_labels(project: &Project, service: &Service, cx: &Context) -> BTreeMap<String, String> {
    let mut l = service.labels.clone();
    let mut set = |k: &str, v: String| {
        l.insert(k.to_string(), v);
    };
    set(labels::PROJECT, project.name.clone());
    set(labels::SERVICE, service.name.clone());
    set(labels::VERSION, labels::COMPOSE_VERSION.into());
    set(labels::ONEOFF, "False".into());
    set(labels::WORKING_DIR, project.working_dir.display().to_string());
    set(labels::CONFIG_FILES, project.config_files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(","));
    if let Some(files) = &cx.environment_file {
        set(labels::ENVIRONMENT_FILE, files.clone());
    }
    set(labels::CONFIG_HASH, cx.config_hash.clone());
    set(labels::CONTAINER_NUMBER, cx.number.to_string());
    set(labels::DEPENDS_ON, labels::depends_on_label(service));
    if let Some(id) = &cx.image_id {
        set(labels::IMAGE, id.clone());
    }
    if let Some(old) = &cx.replaces {
        set(labels::REPLACE, old.clone());
    }
    l
}

/// `expose` as written (the engine keeps `3000` and `4000-4001/udp` as they are, and so does
/// Docker Compose), and the targets of `ports` as `port/protocol`.
fn exposed_ports(service: &Service) -> Vec<String> {
    let mut out = service.expose.clone();
    for p in &service.ports {
        out.push(format!("{}/{}", p.target, if p.protocol.is_empty() { "tcp" } else { &p.protocol }));
    }
    out.sort();
    out.dedup();
    out
}

fn healthcheck(h: &crate::model::Healthcheck) -> Healthcheck {
    if h.disable {
        return Healthcheck { test: vec!["NONE".into()], ..Default::default() };
    }
    Healthcheck {
        test: h.test.clone(),
        interval: h.interval.map(|d| d.as_std()),
        timeout: h.timeout.map(|d| d.as_std()),
        retries: h.retries.map(|r| u32::try_from(r).unwrap_or(u32::MAX)),
        start_period: h.start_period.map(|d| d.as_std()),
        start_interval: h.start_interval.map(|d| d.as_std()),
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

#[cfg(test)]
mod tests;
