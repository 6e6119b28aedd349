//! Plans of the commands that act on existing containers: start, stop, restart, kill, rm.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::down::{by_stop_order, label_project, service_graph, stop_and_remove_ordered};
use super::gates::Gates;
use super::{hard, soft, HookPhase, Op, Plan, PlanError, StepId, StepLabel, Target};
use crate::engine::ContainerStatus;
use crate::model::Project;
use crate::reconcile::observe::{Observed, ObservedContainer};

/// The service containers of `services` (all when empty), one-off containers left out.
fn selected<'a>(observed: &'a Observed, services: &BTreeSet<String>) -> Vec<&'a ObservedContainer> {
    observed.containers.iter().filter(|c| !c.oneoff && (services.is_empty() || services.contains(&c.service))).collect()
}

fn target(c: &ObservedContainer) -> Target {
    Target { name: c.name().to_string(), id: Some(c.id().to_string()) }
}

/// Starts the stopped containers of `services`, each service once its dependencies are ready
/// by their `depends_on` conditions.
///
/// A service with `pre_start` hooks, none of whose containers runs, runs them first, in the
/// containers `create` or `up --no-start` made for them; when they are missing (a container
/// only stopped: the previous start consumed them), the start is refused, as in Docker
/// Compose v5.5: `up` makes new ones.
pub fn plan_start(project: &Project, observed: &Observed, services: &BTreeSet<String>) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let order = crate::graph::Graph::new(project).start_order().unwrap_or_default();
    // Provider services have no container to start.
    let targets: BTreeSet<String> = order
        .iter()
        .filter(|s| services.is_empty() || services.contains(*s))
        .filter(|s| project.services.get(*s).is_none_or(|s| s.provider.is_none()))
        .cloned()
        .collect();
    let mut gates = Gates::new(targets.clone());
    for name in order.iter().filter(|s| targets.contains(*s)) {
        let containers: Vec<&ObservedContainer> = observed.containers.iter().filter(|c| !c.oneoff && c.service == *name).collect();
        // A service scaled to zero has nothing to start (attached `up` starts every service).
        if containers.is_empty() && super::replicas(&project.services[name]) > 0 {
            plan.warnings.push(format!("service {name:?} has no container to start; run `up` to create it"));
        }
        let edges = if containers.iter().any(|c| !c.is_up()) {
            gates.before_start(&mut plan, project, &project.services[name])
        } else {
            Vec::new()
        };
        // The `pre_start` hooks `create` or `up --no-start` made ready to run, when no container
        // of the service is running: before any of them starts.
        let service = &project.services[name];
        let mut edges = edges;
        if !containers.is_empty() && !containers.iter().any(|c| c.is_up()) && !service.pre_start.is_empty() {
            super::pre_start::supported(project, service)?;
            let runners = super::pre_start::waiting(observed, service);
            if let Some(index) = (0..service.pre_start.len()).find(|i| !runners.iter().any(|(r, ..)| r == i)) {
                return Err(PlanError::NoRunner { service: name.clone(), index });
            }
            let hooks = super::pre_start::run(&mut plan, service, runners, &edges);
            edges.extend(hard(hooks));
        }
        let mut ready = Vec::new();
        for c in &containers {
            if c.is_up() {
                plan.decide(c.name(), "up to date", "running");
                continue;
            }
            plan.decide(c.name(), "start", c.state().to_string());
            ready.push(super::push_start(&mut plan, target(c), project.services.get(name), edges.clone()));
        }
        gates.service_ready(name, ready, containers.iter().map(|c| c.name().to_string()).collect());
    }
    Ok(plan)
}

/// Stops the running containers of `services`, dependents first.
///
/// With `pre_stop` (attached `up` stopping on Ctrl-C, the one place Docker Compose 2.40.3 runs
/// them), a container whose service has `pre_stop` hooks runs them first; when one fails, that
/// container is left running.
pub fn plan_stop(
    project: Option<&Project>,
    observed: &Observed,
    services: &BTreeSet<String>,
    timeout: Option<Duration>,
    pre_stop: bool,
) -> Plan {
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
            let hooks = if pre_stop { project.and_then(|p| p.services.get(service)).map(|s| s.pre_stop.clone()) } else { None };
            let mut before = soft(after.clone());
            if let Some(hooks) = hooks.filter(|h| !h.is_empty()) {
                let op = Op::RunHooks { target: target(c), service: service.to_string(), phase: HookPhase::PreStop, hooks };
                before = hard([plan.push(op, before, None)]);
            }
            let step = plan.push(
                Op::StopContainer { target: target(c), timeout },
                before,
                StepLabel::new("Container", c.name(), Some("Stopping"), Some("Stopped")),
            );
            stops.entry(service.to_string()).or_default().push(step);
        }
    }
    plan
}

/// Stops and starts again the containers of `services` (all when empty) and, unless `no_deps`,
/// of the services that depend on them with `restart: true`, transitively (links and shared
/// namespaces imply it).
///
/// The order is Docker Compose's: only `restart: true` dependencies order a restart. A service
/// that has them is stopped once they have started again; every other service restarts at
/// once, alongside its plain dependencies.
pub fn plan_restart(
    project: Option<&Project>,
    observed: &Observed,
    services: &BTreeSet<String>,
    no_deps: bool,
    timeout: Option<Duration>,
) -> Plan {
    let mut plan = Plan::default();
    let derived;
    let p = match project {
        Some(p) => p,
        None => {
            derived = label_project(observed);
            &derived
        }
    };
    let pulled = if services.is_empty() || no_deps { BTreeMap::new() } else { restart_dependents(p, services) };
    let services: BTreeSet<String> = services.iter().chain(pulled.keys()).cloned().collect();
    let containers = selected(observed, &services);
    let graph = service_graph(project, observed);
    let mut starts: BTreeMap<String, Vec<StepId>> = BTreeMap::new();
    let mut order = by_stop_order(&graph, &containers);
    order.reverse();
    for service in order {
        let restarts_after = p
            .services
            .get(service)
            .map(|s| s.depends_on.iter().filter(|(_, d)| d.restart).map(|(dep, _)| dep.as_str()).collect::<Vec<_>>())
            .unwrap_or_default();
        let after: Vec<StepId> = restarts_after.iter().filter_map(|d| starts.get(*d)).flatten().copied().collect();
        let reason = pulled.get(service).map(|d| format!("depends on {d} with restart: true")).unwrap_or_default();
        for c in containers.iter().filter(|c| c.service == service) {
            plan.decide(c.name(), "restart", reason.clone());
            let before = if c.is_up() {
                let stop = plan.push(
                    Op::StopContainer { target: target(c), timeout },
                    soft(after.clone()),
                    StepLabel::new("Container", c.name(), Some("Restarting"), None),
                );
                hard([stop])
            } else {
                soft(after.clone())
            };
            let start = plan.push(Op::StartContainer(target(c)), before, StepLabel::new("Container", c.name(), None, Some("Started")));
            starts.entry(service.to_string()).or_default().push(start);
        }
    }
    plan
}

/// The services that a restart of `services` restarts too, each with the dependency that pulls
/// it in: those that depend on one of them with `restart: true`, transitively.
fn restart_dependents(project: &Project, services: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut pulled: BTreeMap<String, String> = BTreeMap::new();
    let mut queue: Vec<String> = services.iter().cloned().collect();
    while let Some(dep) = queue.pop() {
        for s in project.services.values() {
            let restarts = s.depends_on.get(&dep).is_some_and(|d| d.restart);
            if restarts && !services.contains(&s.name) && !pulled.contains_key(&s.name) {
                pulled.insert(s.name.clone(), dep.clone());
                queue.push(s.name.clone());
            }
        }
    }
    pulled
}

/// Sends `signal` (default SIGKILL) to the running containers of `services`; to those of
/// orphan services (the project's file no longer has them) only with `orphans`.
pub fn plan_kill(project: Option<&Project>, observed: &Observed, services: &BTreeSet<String>, signal: Option<&str>, orphans: bool) -> Plan {
    let mut plan = Plan::default();
    for c in selected(observed, services).into_iter().filter(|c| c.is_up()) {
        // As in Docker Compose, the containers of services the file no longer has are only
        // signalled with `--remove-orphans` (which, despite its name, does not remove them).
        let orphan = project.is_some_and(|p| !p.services.contains_key(&c.service) && !p.disabled_services.contains_key(&c.service));
        if orphan && !orphans {
            plan.decide(c.name(), "skip", format!("orphan: service {:?} is not in the project (--remove-orphans kills it too)", c.service));
            continue;
        }
        plan.decide(c.name(), "kill", signal.unwrap_or("SIGKILL"));
        plan.push(
            Op::KillContainer { target: target(c), signal: signal.map(str::to_string) },
            vec![],
            StepLabel::new("Container", c.name(), Some("Killing"), Some("Killed")),
        );
    }
    // Docker Compose says so too, and exits 0.
    if plan.steps.is_empty() {
        plan.warnings.push("no container to kill".to_string());
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
                plan.push(Op::PauseContainer(target(c)), vec![], StepLabel::new("Container", c.name(), None, Some("Paused")));
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
                plan.push(Op::UnpauseContainer(target(c)), vec![], StepLabel::new("Container", c.name(), None, Some("Unpaused")));
            }
            state => plan.decide(c.name(), "up to date", state.to_string()),
        }
    }
    plan
}

/// Removes the stopped containers of `services`; with `stop`, running ones are stopped first.
pub fn plan_rm(
    project: Option<&Project>,
    observed: &Observed,
    services: &BTreeSet<String>,
    stop: bool,
    volumes: bool,
    timeout: Option<Duration>,
) -> Plan {
    let mut plan = Plan::default();
    let containers: Vec<&ObservedContainer> = selected(observed, services).into_iter().filter(|c| stop || !c.is_up()).collect();
    stop_and_remove_ordered(&mut plan, project, observed, &containers, timeout, volumes);
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::testing::{container, converged, project, steps};

    const STACK: &str = r#"
services:
  db:
    image: busybox
  web:
    image: busybox
    depends_on:
      db: {condition: service_started, restart: true}
  worker:
    image: busybox
    depends_on: [db]
  proxy:
    image: busybox
    network_mode: service:web
"#;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn restarted(plan: &Plan) -> Vec<String> {
        plan.decisions.iter().map(|d| d.to_string()).collect()
    }

    #[test]
    fn restart_takes_the_dependents_that_ask_for_it_transitively() {
        let p = project(STACK);
        let o = converged(&p);
        let plan = plan_restart(Some(&p), &o, &set(&["db"]), false, None);
        assert_eq!(
            restarted(&plan),
            [
                "p-db-1: restart",
                "p-web-1: restart (depends on db with restart: true)",
                "p-proxy-1: restart (depends on web with restart: true)"
            ]
        );
        let s = steps(&plan);
        let pos = |needle: &str| s.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} in {s:?}")) + 1;
        let web_stop = &s[pos("stop container p-web-1") - 1];
        assert!(web_stop.contains(&format!("#{}?", pos("start container p-db-1"))), "web restarts once db has: {s:?}");
        let only = plan_restart(Some(&p), &o, &set(&["db"]), true, None);
        assert_eq!(restarted(&only), ["p-db-1: restart"], "--no-deps");
    }

    #[test]
    fn only_restart_true_dependencies_order_a_restart() {
        let p = project(STACK);
        let o = converged(&p);
        let plan = plan_restart(Some(&p), &o, &BTreeSet::new(), false, None);
        let s = steps(&plan);
        let step = |needle: &str| s.iter().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} in {s:?}")).clone();
        let number = |needle: &str| step(needle).split_whitespace().next().unwrap().to_string();
        assert!(!step("stop container p-db-1").contains("after"), "db has no dependency: {s:?}");
        assert!(!step("stop container p-worker-1").contains("after"), "a plain dependency does not order the restart: {s:?}");
        assert!(
            step("stop container p-web-1").ends_with(&format!("after {}?", number("start container p-db-1"))),
            "web stops once db has started again: {s:?}"
        );
        assert!(
            step("stop container p-proxy-1").ends_with(&format!("after {}?", number("start container p-web-1"))),
            "proxy shares web's network: {s:?}"
        );
        assert!(
            step("start container p-web-1").ends_with(&format!("after {}", number("stop container p-web-1"))),
            "each start follows its own stop: {s:?}"
        );
    }

    #[test]
    fn without_a_compose_file_the_labels_say_who_restarts() {
        let p = project(STACK);
        let o = converged(&p);
        let plan = plan_restart(None, &o, &set(&["db"]), false, None);
        assert!(restarted(&plan).contains(&"p-web-1: restart (depends on db with restart: true)".to_string()), "{plan}");
        assert!(!restarted(&plan).iter().any(|d| d.starts_with("p-worker-1")), "{plan}");
    }

    #[test]
    fn pause_and_unpause_touch_only_what_they_change() {
        let p = project(STACK);
        let mut o = converged(&p);
        o.containers[0] = container(&p, "db", 1, ContainerStatus::Paused);
        o.containers[1] = container(&p, "proxy", 1, ContainerStatus::Exited);
        let pause = plan_pause(&o, &BTreeSet::new());
        assert_eq!(steps(&pause).len(), 2, "{pause}");
        assert!(pause.to_string().contains("p-db-1: up to date (paused)"), "{pause}");
        let unpause = plan_unpause(&o, &BTreeSet::new());
        assert_eq!(steps(&unpause), [format!("#1 unpause container p-db-1 ({})", &o.containers[0].id()[..12])]);
    }
}
