//! `stack ps`, `stack services`, `stack ls` and `stack rm`: what the swarm holds for a stack,
//! found by its namespace label, in the rows `docker stack` prints.

use std::collections::BTreeMap;

use super::convert::LABEL_NAMESPACE;
use super::deploy::manager;
use super::StackError;
use crate::compose::Compose;
use crate::engine::swarm::{FileKind, PortConfig, Service, Task};
use crate::engine::LabelFilter;
use crate::output::Event;

/// A line of `stack services`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceRow {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    pub mode: String,
    pub replicas: String,
    pub image: String,
    pub ports: String,
}

/// A line of `stack ps`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TaskRow {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    pub image: String,
    pub node: String,
    pub desired_state: String,
    pub current_state: String,
    pub error: String,
    pub ports: String,
}

/// A line of `stack ls`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct StackRow {
    pub name: String,
    pub services: usize,
}

fn short(id: &str) -> String {
    id.chars().take(12).collect()
}

/// The image without its pinned digest, as `docker stack` shows it.
fn image(name: &str) -> String {
    name.split('@').next().unwrap_or(name).to_string()
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn ports(ports: &[PortConfig], mode: &str) -> String {
    let list: Vec<String> = ports
        .iter()
        .filter(|p| p.publish_mode == mode || (p.publish_mode.is_empty() && mode == "ingress"))
        .map(|p| format!("*:{}->{}/{}", p.published_port, p.target_port, if p.protocol.is_empty() { "tcp" } else { &p.protocol }))
        .collect();
    list.join(", ")
}

/// A task's error as `docker stack ps` shows it: quoted, cut to 30 characters unless
/// `no_trunc`.
fn error_cell(err: &str, no_trunc: bool) -> String {
    if err.is_empty() {
        return String::new();
    }
    let cut = if !no_trunc && err.chars().count() > 30 { err.chars().take(29).chain(['…']).collect() } else { err.to_string() };
    crate::go::quote::go_quote(&cut)
}

fn seconds_since(timestamp: &str, now: i64) -> Option<i64> {
    timestamp.parse::<jiff::Timestamp>().ok().map(|t| now - t.as_second())
}

impl Compose {
    async fn stack_services_and_tasks(&self, name: &str) -> Result<(Vec<Service>, Vec<Task>), StackError> {
        let swarm = manager(self).await?;
        let services = swarm.list_services(&LabelFilter::new().eq(LABEL_NAMESPACE, name)).await?;
        if services.is_empty() {
            return Err(StackError::NotFound(name.to_string()));
        }
        let ids: Vec<String> = services.iter().map(|s| s.id.clone()).collect();
        let tasks = swarm.list_tasks(&ids).await?;
        Ok((services, tasks))
    }

    /// `stack services`: one row per service, sorted by name.
    pub async fn stack_services(&self, name: &str) -> Result<Vec<ServiceRow>, StackError> {
        let (mut services, tasks) = self.stack_services_and_tasks(name).await?;
        services.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
        Ok(services
            .iter()
            .map(|s| {
                let live: Vec<&Task> = tasks.iter().filter(|t| t.service_id == s.id && t.desired_state == "running").collect();
                let running = live.iter().filter(|t| t.status.state == "running").count();
                let (mode, desired) = match &s.spec.mode {
                    m if m.global.is_some() => ("global", live.len() as u64),
                    m if m.replicated_job.is_some() => {
                        ("replicated job", m.replicated_job.as_ref().and_then(|j| j.total_completions).unwrap_or(1))
                    }
                    m if m.global_job.is_some() => ("global job", live.len() as u64),
                    m => ("replicated", m.replicated.as_ref().and_then(|r| r.replicas).unwrap_or(1)),
                };
                let max = s.spec.task_template.placement.as_ref().map_or(0, |p| p.max_replicas);
                let per_node = if max > 0 && mode == "replicated" { format!(" (max {max} per node)") } else { String::new() };
                ServiceRow {
                    id: short(&s.id),
                    name: s.spec.name.clone(),
                    mode: mode.into(),
                    replicas: format!("{running}/{desired}{per_node}"),
                    image: image(&s.spec.task_template.container_spec.image),
                    ports: ports(&s.endpoint.ports, "ingress"),
                }
            })
            .collect())
    }

    /// `stack ps`: the tasks of the stack's services, each slot's current task first and its
    /// older ones after it (`\_ name`), as `docker stack ps` lists them.
    pub async fn stack_ps(&self, name: &str, no_trunc: bool) -> Result<Vec<TaskRow>, StackError> {
        let (services, mut tasks) = self.stack_services_and_tasks(name).await?;
        let swarm = manager(self).await?;
        let nodes: BTreeMap<String, String> = swarm.list_nodes().await?.into_iter().map(|n| (n.id, n.description.hostname)).collect();
        let names: BTreeMap<&str, &str> = services.iter().map(|s| (s.id.as_str(), s.spec.name.as_str())).collect();
        let now = jiff::Timestamp::now().as_second();
        let slot_name = |t: &Task| {
            let service = names.get(t.service_id.as_str()).copied().unwrap_or_default();
            if t.slot > 0 {
                format!("{service}.{}", t.slot)
            } else {
                format!("{service}.{}", t.node_id)
            }
        };
        tasks.sort_by(|a, b| slot_name(a).cmp(&slot_name(b)).then(b.created_at.cmp(&a.created_at)));
        let mut previous = String::new();
        Ok(tasks
            .iter()
            .map(|t| {
                let name = slot_name(t);
                let shown = if name == previous { format!(" \\_ {name}") } else { name.clone() };
                previous = name;
                let ago = seconds_since(&t.status.timestamp, now)
                    .map(|s| format!(" {} ago", crate::go::time::human_duration(s)))
                    .unwrap_or_default();
                TaskRow {
                    id: short(&t.id),
                    name: shown,
                    image: image(&t.spec.container_spec.image),
                    node: nodes.get(&t.node_id).cloned().unwrap_or_default(),
                    desired_state: capitalized(&t.desired_state),
                    current_state: format!("{}{ago}", capitalized(&t.status.state)),
                    error: error_cell(&t.status.err, no_trunc),
                    ports: ports(&t.status.port_status.ports, "host"),
                }
            })
            .collect())
    }

    /// `stack ls`: the stacks (namespaces of services) and how many services each has.
    pub async fn stack_ls(&self) -> Result<Vec<StackRow>, StackError> {
        let swarm = manager(self).await?;
        let services = swarm.list_services(&LabelFilter::new().has(LABEL_NAMESPACE)).await?;
        let mut count: BTreeMap<String, usize> = BTreeMap::new();
        for s in &services {
            *count.entry(s.spec.labels.get(LABEL_NAMESPACE).cloned().unwrap_or_default()).or_default() += 1;
        }
        Ok(count.into_iter().map(|(name, services)| StackRow { name, services }).collect())
    }

    /// `stack rm`: the stack's services, then its secrets, configs and networks: exactly the
    /// objects labelled with its namespace. Nothing found is an error, as in docker.
    pub async fn stack_rm(&self, name: &str) -> Result<(), StackError> {
        let swarm = manager(self).await?;
        let mine = LabelFilter::new().eq(LABEL_NAMESPACE, name);
        let (services, networks, secrets, configs) = tokio::try_join!(
            swarm.list_services(&mine),
            self.engine.list_networks(&mine),
            swarm.list_files(FileKind::Secret, &mine),
            swarm.list_files(FileKind::Config, &mine),
        )?;
        if services.is_empty() && networks.is_empty() && secrets.is_empty() && configs.is_empty() {
            return Err(StackError::NotFound(name.to_string()));
        }
        let event = |kind: &'static str, name: &str, status: &'static str| (self.events)(&Event { kind, name: name.to_string(), status });
        for s in &services {
            event("Service", &s.spec.name, "Removing");
            swarm.remove_service(&s.id).await?;
            event("Service", &s.spec.name, "Removed");
        }
        for (kind, noun, list) in [(FileKind::Secret, "Secret", &secrets), (FileKind::Config, "Config", &configs)] {
            for o in list {
                event(noun, &o.name, "Removing");
                swarm.remove_file(kind, &o.id).await?;
                event(noun, &o.name, "Removed");
            }
        }
        // A network stays busy until the service's tasks are gone: the engine is asked again
        // for up to a minute (`docker stack rm` tries once, and often leaves the network behind).
        for n in &networks {
            event("Network", &n.name, "Removing");
            let mut tries = 0;
            loop {
                match self.engine.remove_network(&n.id).await {
                    Ok(()) => break,
                    // Once the swarm dropped it, the node answers 500 "not found" for a while.
                    Err(e) if e.is_not_found() || e.to_string().contains("not found") => break,
                    Err(e) if tries < 120 && !self.cancel.is_cancelled() => {
                        tries += 1;
                        tracing::debug!("network {} busy: {e}", n.name);
                        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            event("Network", &n.name, "Removed");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_quoted_and_cut_as_docker_stack_ps_shows_them() {
        assert_eq!(error_cell("", false), "");
        assert_eq!(error_cell("task: non-zero exit (2)", false), "\"task: non-zero exit (2)\"");
        let long = "no suitable node (host-mode port already in use on 1 node)";
        assert_eq!(error_cell(long, false), "\"no suitable node (host-mode p…\"");
        assert_eq!(error_cell(long, true), format!("\"{long}\""));
    }
}
