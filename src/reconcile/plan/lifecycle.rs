//! Plans of the commands that act on existing containers: start, stop, restart, kill, rm.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::down::{by_stop_order, service_graph, stop_and_remove_ordered};
use super::gates::Gates;
use super::{hard, soft, Op, Plan, Progress, StepId, Target};
use crate::engine::ContainerStatus;
use crate::model::Project;
use crate::reconcile::observe::{ObservedContainer, Observed};

/// The service containers of `services` (all when empty), one-off containers left out.
fn selected<'a>(observed: &'a Observed, services: &BTreeSet<String>) -> Vec<&'a ObservedContainer> {
    observed.containers.iter().filter(|c| !c.oneoff && (services.is_empty() || services.contains(&c.service))).collect()
}

fn target(c: &ObservedContainer) -> Target {
    Target { name: c.name().to_string(), id: Some(c.id().to_string()) }
}

/// Starts the stopped containers of `services`, each service once its dependencies are ready
/// by their `depends_on` conditions.
pub fn plan_start(project: &Project, observed: &Observed, services: &BTreeSet<String>) -> Plan {
    let mut plan = Plan::default();
    let order = crate::graph::Graph::new(project).start_order().unwrap_or_default();
    let targets: BTreeSet<String> = order.iter().filter(|s| services.is_empty() || services.contains(*s)).cloned().collect();
    let mut gates = Gates::new(targets.clone());
    for name in order.iter().filter(|s| targets.contains(*s)) {
        let containers: Vec<&ObservedContainer> = observed.containers.iter().filter(|c| !c.oneoff && c.service == *name).collect();
        if containers.is_empty() {
            plan.warnings.push(format!("service {name:?} has no container to start; run `up` to create it"));
        }
        let edges = if containers.iter().any(|c| !c.is_up()) { gates.before_start(&mut plan, project, &project.services[name]) } else { Vec::new() };
        let mut ready = Vec::new();
        for c in &containers {
            if c.is_up() {
                plan.decide(c.name(), "up to date", "running");
                continue;
            }
            plan.decide(c.name(), "start", c.state().to_string());
            ready.push(plan.push(Op::StartContainer(target(c)), edges.clone(), Progress::new("Container", c.name(), Some("Starting"), Some("Started"))));
        }
        gates.service_ready(name, ready, containers.iter().map(|c| c.name().to_string()).collect());
    }
    plan
}

/// Stops the running containers of `services`, dependents first.
pub fn plan_stop(project: Option<&Project>, observed: &Observed, services: &BTreeSet<String>, timeout: Option<Duration>) -> Plan {
    let mut plan = Plan::default();
    let containers = selected(observed, services);
    let graph = service_graph(project, observed);
    let mut stops: BTreeMap<String, Vec<StepId>> = BTreeMap::new();
    for service in by_stop_order(&graph, &containers) {
        let after: Vec<StepId> = graph.dependents(service).iter().filter_map(|d| stops.get(d)).flatten().copied().collect();
        for c in containers.iter().filter(|c| c.service == service) {
            if !c.is_up() {
                plan.decide(c.name(), "up to date", c.state().to_string());
                continue;
            }
            plan.decide(c.name(), "stop", "");
            let step = plan.push(Op::StopContainer { target: target(c), timeout }, soft(after.clone()), Progress::new("Container", c.name(), Some("Stopping"), Some("Stopped")));
            stops.entry(service.to_string()).or_default().push(step);
        }
    }
    plan
}

/// Stops and starts again every container of `services`; a service starts after the
/// services it depends on.
pub fn plan_restart(project: Option<&Project>, observed: &Observed, services: &BTreeSet<String>, timeout: Option<Duration>) -> Plan {
    let mut plan = Plan::default();
    let containers = selected(observed, services);
    let graph = service_graph(project, observed);
    let mut starts: BTreeMap<String, Vec<StepId>> = BTreeMap::new();
    let mut order = by_stop_order(&graph, &containers);
    order.reverse();
    for service in order {
        let after: Vec<StepId> = graph.dependencies(service).iter().filter_map(|d| starts.get(d)).flatten().copied().collect();
        for c in containers.iter().filter(|c| c.service == service) {
            plan.decide(c.name(), "restart", "");
            let mut before = soft(after.clone());
            if c.is_up() {
                let stop = plan.push(Op::StopContainer { target: target(c), timeout }, vec![], Progress::new("Container", c.name(), Some("Restarting"), None));
                before.extend(hard([stop]));
            }
            let start = plan.push(Op::StartContainer(target(c)), before, Progress::new("Container", c.name(), None, Some("Started")));
            starts.entry(service.to_string()).or_default().push(start);
        }
    }
    plan
}

/// Sends `signal` (default SIGKILL) to the running containers of `services`.
pub fn plan_kill(observed: &Observed, services: &BTreeSet<String>, signal: Option<&str>) -> Plan {
    let mut plan = Plan::default();
    for c in selected(observed, services).into_iter().filter(|c| c.is_up()) {
        plan.decide(c.name(), "kill", signal.unwrap_or("SIGKILL"));
        plan.push(Op::KillContainer { target: target(c), signal: signal.map(str::to_string) }, vec![], Progress::new("Container", c.name(), Some("Killing"), Some("Killed")));
    }
    plan
}

/// Pauses the running containers of `services`; paused and stopped ones are left as they are.
pub fn plan_pause(observed: &Observed, services: &BTreeSet<String>) -> Plan {
    let mut plan = Plan::default();
    for c in selected(observed, services) {
        match c.state() {
            ContainerStatus::Running => {
                plan.decide(c.name(), "pause", "");
                plan.push(Op::PauseContainer(target(c)), vec![], Progress::new("Container", c.name(), None, Some("Paused")));
            }
            state => plan.decide(c.name(), "up to date", state.to_string()),
        }
    }
    plan
}

/// Unpauses the paused containers of `services`.
pub fn plan_unpause(observed: &Observed, services: &BTreeSet<String>) -> Plan {
    let mut plan = Plan::default();
    for c in selected(observed, services) {
        match c.state() {
            ContainerStatus::Paused => {
                plan.decide(c.name(), "unpause", "");
                plan.push(Op::UnpauseContainer(target(c)), vec![], Progress::new("Container", c.name(), None, Some("Unpaused")));
            }
            state => plan.decide(c.name(), "up to date", state.to_string()),
        }
    }
    plan
}

/// Removes the stopped containers of `services`; with `stop`, running ones are stopped first.
pub fn plan_rm(project: Option<&Project>, observed: &Observed, services: &BTreeSet<String>, stop: bool, volumes: bool, timeout: Option<Duration>) -> Plan {
    let mut plan = Plan::default();
    let containers: Vec<&ObservedContainer> = selected(observed, services).into_iter().filter(|c| stop || !c.is_up()).collect();
    stop_and_remove_ordered(&mut plan, project, observed, &containers, timeout, volumes);
    plan
}
