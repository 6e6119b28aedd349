//! `ps`: one row per container, with the fields Docker Compose shows in its table and JSON.

use futures_util::future::join_all;
use serde::Serialize;

use super::time::now_secs;
use super::{containers, Scope, StatusError};
use crate::engine::{ContainerStatus, ContainerSummary, Engine, PortSummary};
use crate::go::quote::go_quote;
use crate::go::time::{go_time, human_duration};
use crate::reconcile::labels;

#[derive(Debug, Clone, Default)]
pub struct PsOptions {
    /// Stopped and `run` containers too.
    pub all: bool,
    /// Only containers in one of these states (`running`, `exited`...); any state may then be
    /// listed, as with `all`.
    pub status: Vec<String>,
    /// Containers of services the compose file does not declare (default in the CLI: true).
    pub orphans: bool,
    /// Full command and id.
    pub no_trunc: bool,
}

/// One container, named and shaped as in `docker compose ps --format json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsRow {
    pub command: String,
    pub created_at: String,
    pub exit_code: i64,
    pub health: String,
    #[serde(rename = "ID")]
    pub id: String,
    pub image: String,
    pub labels: String,
    pub local_volumes: String,
    pub mounts: String,
    pub name: String,
    pub names: String,
    pub networks: String,
    pub ports: String,
    pub project: String,
    /// `[]` when nothing is published, as Docker Compose 2.40.3 writes it (2.26.1: `null`).
    pub publishers: Vec<Publisher>,
    pub running_for: String,
    pub service: String,
    pub size: String,
    pub state: String,
    pub status: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Publisher {
    #[serde(rename = "URL")]
    pub url: String,
    pub target_port: u16,
    pub published_port: u16,
    pub protocol: String,
}

/// The rows of `ps`, sorted by container name.
pub async fn ps(engine: &dyn Engine, scope: &Scope, opts: &PsOptions) -> Result<Vec<PsRow>, StatusError> {
    let all = opts.all || !opts.status.is_empty();
    let mut list = containers(engine, scope, all, opts.all).await?;
    if !opts.status.is_empty() {
        list.retain(|c| opts.status.iter().any(|s| s == c.state.as_str()));
    }
    if let (false, Some(declared)) = (opts.orphans, &scope.declared) {
        list.retain(|c| c.labels.get(labels::SERVICE).is_some_and(|s| declared.contains(s)));
    }
    // Exit code and health: from the list's status text for running containers, else from
    // the full view.
    let details = join_all(list.iter().map(|c| async move {
        if let Some(known) = from_status(c) {
            return known;
        }
        match engine.inspect_container(&c.id).await {
            Ok(d) => (d.state.exit_code, d.state.health.map(|h| h.status.to_string()).unwrap_or_default()),
            Err(_) => (0, String::new()),
        }
    }))
    .await;
    let now = now_secs();
    Ok(list.iter().zip(details).map(|(c, (exit_code, health))| row(c, exit_code, health, now, opts.no_trunc)).collect())
}

/// Exit code and health of a running container, read from the engine's status text ("Up 5
/// minutes (healthy)"), which the engine writes from the same state the full view shows: a
/// running container's exit code is 0 (the engine resets it on start), and its health, when it
/// has a healthcheck, is the parenthesised suffix. `None` when the text does not say (paused,
/// restarting, stopped containers), and the full view must be read. Saves one inspect per
/// container on the common `ps`.
fn from_status(c: &ContainerSummary) -> Option<(i64, String)> {
    if c.state != ContainerStatus::Running || !c.status.starts_with("Up ") {
        return None;
    }
    let health = match c.status.rsplit_once(" (") {
        None => "",
        Some((_, "healthy)")) => "healthy",
        Some((_, "unhealthy)")) => "unhealthy",
        Some((_, "health: starting)")) => "starting",
        Some(_) => return None,
    };
    Some((0, health.to_string()))
}

fn row(c: &ContainerSummary, exit_code: i64, health: String, now: i64, no_trunc: bool) -> PsRow {
    let trunc = |s: &str, n: usize| if no_trunc { s.to_string() } else { ellipsis(s, n) };
    let mut ports = c.ports.clone();
    ports.sort_by_key(|p| p.private_port);
    let publishers: Vec<Publisher> = ports
        .iter()
        .map(|p| Publisher {
            url: p.ip.clone().unwrap_or_default(),
            target_port: p.private_port,
            published_port: p.public_port.unwrap_or(0),
            protocol: p.protocol.clone(),
        })
        .collect();
    let mut networks: Vec<&str> = c.networks.keys().map(String::as_str).collect();
    networks.sort_unstable();
    let mounts: Vec<String> = c.mounts.iter().map(|m| trunc(m.name.as_deref().unwrap_or(&m.source), 15)).collect();
    let local = c.mounts.iter().filter(|m| m.driver.as_deref() == Some("local")).count();
    PsRow {
        command: go_quote(&trunc(&c.command, 20)),
        created_at: go_time(c.created),
        exit_code,
        health,
        id: if no_trunc { c.id.clone() } else { c.id.chars().take(12).collect() },
        image: c.image.clone(),
        labels: c.labels.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(","),
        local_volumes: local.to_string(),
        mounts: mounts.join(","),
        name: c.name().to_string(),
        names: c.names.join(","),
        networks: networks.join(","),
        ports: displayable_ports(&ports),
        project: c.labels.get(labels::PROJECT).cloned().unwrap_or_default(),
        publishers,
        running_for: format!("{} ago", human_duration(now - c.created)),
        service: c.labels.get(labels::SERVICE).cloned().unwrap_or_default(),
        size: "0B".into(),
        state: c.state.to_string(),
        status: c.status.clone(),
    }
}

/// Docker's port column: ports published on their own number grouped into ranges per
/// address and protocol, then the other mappings, e.g.
/// `3000/tcp, 0.0.0.0:8080->80/tcp, :::8080->80/tcp`.
pub fn displayable_ports(ports: &[PortSummary]) -> String {
    let mut ports = ports.to_vec();
    ports.sort_by(|a, b| (a.private_port, &a.ip, a.public_port, &a.protocol).cmp(&(b.private_port, &b.ip, b.public_port, &b.protocol)));
    let mut groups: Vec<(String, u16, u16)> = Vec::new();
    let (mut done, mut mappings) = (Vec::new(), Vec::new());
    for p in &ports {
        let public = p.public_port.unwrap_or(0);
        let key = match p.ip.as_deref().filter(|ip| !ip.is_empty()) {
            Some(ip) if public != p.private_port => {
                mappings.push(format!("{ip}:{public}->{}/{}", p.private_port, p.protocol));
                continue;
            }
            Some(ip) => format!("{ip}/{}", p.protocol),
            None => p.protocol.clone(),
        };
        match groups.iter_mut().find(|g| g.0 == key) {
            Some(g) if g.2.checked_add(1) == Some(p.private_port) => g.2 = p.private_port,
            Some(g) => {
                done.push(form_group(&g.0, g.1, g.2));
                *g = (key, p.private_port, p.private_port);
            }
            None => groups.push((key, p.private_port, p.private_port)),
        }
    }
    done.extend(groups.iter().map(|(k, a, b)| form_group(k, *a, *b)));
    done.extend(mappings);
    done.join(", ")
}

fn form_group(key: &str, first: u16, last: u16) -> String {
    let (ip, proto) = key.rsplit_once('/').map_or(("", key), |(ip, p)| (ip, p));
    let range = if first == last { first.to_string() } else { format!("{first}-{last}") };
    if ip.is_empty() {
        format!("{range}/{proto}")
    } else {
        format!("{ip}:{range}->{range}/{proto}")
    }
}

/// Docker's `Ellipsis`: at most `max` characters, the last one `…` when cut.
pub fn ellipsis(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(ip: &str, private: u16, public: Option<u16>, proto: &str) -> PortSummary {
        PortSummary { ip: (!ip.is_empty()).then(|| ip.to_string()), private_port: private, public_port: public, protocol: proto.into() }
    }

    #[test]
    fn ports_read_like_docker() {
        let ports = [
            port("0.0.0.0", 80, Some(18080), "tcp"),
            port("::", 80, Some(18080), "tcp"),
            port("", 3000, None, "tcp"),
            port("127.0.0.1", 81, Some(18081), "udp"),
            port("0.0.0.0", 5000, Some(5000), "tcp"),
            port("0.0.0.0", 5001, Some(5001), "tcp"),
        ];
        assert_eq!(
            displayable_ports(&ports),
            "3000/tcp, 0.0.0.0:5000-5001->5000-5001/tcp, 0.0.0.0:18080->80/tcp, :::18080->80/tcp, 127.0.0.1:18081->81/udp"
        );
    }

    #[test]
    fn running_containers_say_their_health_in_the_status_text() {
        let c = |state: ContainerStatus, status: &str| ContainerSummary { state, status: status.into(), ..Default::default() };
        let known = |state, status| from_status(&c(state, status));
        assert_eq!(known(ContainerStatus::Running, "Up 5 minutes"), Some((0, String::new())));
        assert_eq!(known(ContainerStatus::Running, "Up About a minute (healthy)"), Some((0, "healthy".into())));
        assert_eq!(known(ContainerStatus::Running, "Up 2 seconds (health: starting)"), Some((0, "starting".into())));
        assert_eq!(known(ContainerStatus::Running, "Up 3 hours (unhealthy)"), Some((0, "unhealthy".into())));
        // Anything else is read from the full view.
        assert_eq!(known(ContainerStatus::Running, "Up 3 hours (something new)"), None);
        assert_eq!(known(ContainerStatus::Paused, "Up 3 hours (Paused)"), None);
        assert_eq!(known(ContainerStatus::Exited, "Exited (1) 2 seconds ago"), None);
        assert_eq!(known(ContainerStatus::Restarting, "Restarting (1) 2 seconds ago"), None);
    }
}
