//! The plan of `down`: stop and remove the project's containers (dependents first), then its
//! networks, and on request its volumes and images.
//!
//! It works from labels: with only a project name it removes everything labelled for that
//! project, and it never touches an object labelled for another one.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::{hard, soft, OnFailure, Op, Plan, StepId, StepLabel, Target};
use crate::engine::MountKind;
use crate::graph::Graph;
use crate::model::{DependsOn, Project, Service};
use crate::reconcile::labels;
use crate::reconcile::observe::{Observed, ObservedContainer};

/// `--rmi`: which images `down` removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemoveImages {
    /// Images without a custom tag: those built for the project (`project-service`).
    Local,
    /// Every image a service uses.
    All,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DownOptions {
    /// Also remove named volumes and containers' anonymous volumes (`-v`).
    pub volumes: bool,
    pub images: Option<RemoveImages>,
    /// Grace period before containers are killed (`-t`).
    pub timeout: Option<Duration>,
    /// Also remove the exited `run` containers (`--remove-orphans`).
    pub remove_orphans: bool,
}

/// Plans `down` for project `name`; `project` is `None` when no compose file was found.
pub fn plan_down(name: &str, project: Option<&Project>, observed: &Observed, opts: &DownOptions) -> Plan {
    let mut plan = Plan::default();
    // Every service container of the project goes, orphans included (with or without
    // `--remove-orphans`), as in Docker Compose 2.26.1: an orphan left behind would keep the
    // project's network in use. `run` containers stay, as in Docker Compose 2.40, except the
    // exited ones with `--remove-orphans`.
    let (mut containers, kept): (Vec<&ObservedContainer>, Vec<&ObservedContainer>) =
        observed.containers.iter().partition(|c| !c.oneoff || (opts.remove_orphans && super::resources::exited(c)));
    // And the containers of `pre_start` hooks (a failed one kept for inspection), as Docker
    // Compose v5 removes them.
    containers.extend(observed.hooks.iter());
    let removals = stop_and_remove_ordered(&mut plan, project, observed, &containers, opts.timeout, opts.volumes);
    let users = |used: &dyn Fn(&ObservedContainer) -> bool| kept.iter().filter(|c| used(c)).map(|c| c.name()).collect::<Vec<_>>();

    let mine = |l: &BTreeMap<String, String>| l.get(labels::PROJECT).map(String::as_str) == Some(name);
    let declared_networks: Option<BTreeSet<&str>> =
        project.map(|p| p.networks.values().filter(|n| !n.external).map(|n| n.name.as_str()).collect());
    for n in
        observed.networks.values().filter(|n| mine(&n.labels) && declared_networks.as_ref().is_none_or(|d| d.contains(n.name.as_str())))
    {
        let users = users(&|c| c.summary.networks.contains_key(&n.name));
        if !users.is_empty() {
            keep_in_use(&mut plan, "network", &n.name, &users);
            continue;
        }
        plan.decide(format!("network {}", n.name), "remove", "");
        plan.push(
            Op::RemoveNetwork { name: n.name.clone() },
            soft(removals.clone()),
            StepLabel::new("Network", &n.name, Some("Removing"), Some("Removed")),
        );
    }
    if opts.volumes {
        let declared: Option<BTreeSet<&str>> =
            project.map(|p| p.volumes.values().filter(|v| !v.external).map(|v| v.name.as_str()).collect());
        for v in observed.volumes.values().filter(|v| mine(&v.labels) && declared.as_ref().is_none_or(|d| d.contains(v.name.as_str()))) {
            let users = users(&|c| c.summary.mounts.iter().any(|m| m.name.as_deref() == Some(v.name.as_str())));
            if !users.is_empty() {
                keep_in_use(&mut plan, "volume", &v.name, &users);
                continue;
            }
            plan.decide(format!("volume {}", v.name), "remove", "-v");
            plan.push(
                Op::RemoveVolume { name: v.name.clone() },
                soft(removals.clone()),
                StepLabel::new("Volume", &v.name, Some("Removing"), Some("Removed")),
            );
        }
    }
    if let Some(which) = opts.images {
        for image in images_to_remove(name, project, observed, which) {
            plan.decide(format!("image {image}"), "remove", "--rmi");
            plan.push(
                Op::RemoveImage { name: image.clone() },
                soft(removals.clone()),
                StepLabel::new("Image", image, Some("Removing"), Some("Removed")),
            );
        }
    }
    // Docker Compose warns so too (and succeeds): a mistyped `-p` does not pass unnoticed.
    if plan.steps.is_empty() {
        plan.warnings.push(format!("no resource found to remove for project {name:?}"));
    }
    plan
}

/// A network or volume a `run` container that `down` leaves still uses: kept, as Docker Compose
/// keeps it ("Resource is still in use"), and the user told why.
fn keep_in_use(plan: &mut Plan, kind: &str, name: &str, users: &[&str]) {
    plan.decide(format!("{kind} {name}"), "keep", format!("in use by {}", users.join(", ")));
    plan.warnings.push(format!("{kind} {name} is still in use by run container {}; not removed", users.join(", ")));
}

/// Stops the containers, dependents before their dependencies, and removes each once stopped.
/// Returns the removal steps.
pub(super) fn stop_and_remove_ordered(
    plan: &mut Plan,
    project: Option<&Project>,
    observed: &Observed,
    containers: &[&ObservedContainer],
    timeout: Option<Duration>,
    volumes: bool,
) -> Vec<StepId> {
    let graph = service_graph(project, observed);
    let mut stops: BTreeMap<&str, Vec<StepId>> = BTreeMap::new();
    let mut removals = Vec::new();
    let mut removed: Vec<(&ObservedContainer, StepId)> = Vec::new();
    for service in by_stop_order(&graph, containers) {
        // A dependent that fails to stop must not keep its dependencies running: soft edges.
        let after: Vec<StepId> = graph.dependents(service).iter().filter_map(|d| stops.get(d.as_str())).flatten().copied().collect();
        for c in containers.iter().filter(|c| c.service == service) {
            let target = Target { name: c.name().to_string(), id: Some(c.id().to_string()) };
            let mut before = soft(after.clone());
            plan.decide(c.name(), if c.is_up() { "stop and remove" } else { "remove" }, "");
            if c.is_up() {
                let stop = plan.push(
                    Op::StopContainer { target: target.clone(), timeout },
                    before,
                    StepLabel::new("Container", c.name(), Some("Stopping"), Some("Stopped")),
                );
                stops.entry(service).or_default().push(stop);
                before = hard([stop]);
            }
            removals.push(plan.push(
                Op::RemoveContainer { target, volumes },
                before,
                StepLabel::new("Container", c.name(), Some("Removing"), Some("Removed")),
            ));
            removed.push((*c, *removals.last().expect("just pushed")));
        }
    }
    if volumes {
        remove_inherited_volumes(plan, project, observed, &removed);
    }
    removals
}

/// The anonymous volumes of `containers` that the engine keeps when it removes them with their
/// volumes: those a replacement container inherited, which it mounts by name and therefore
/// counts as named. Each goes once every container using it is removed (`removed`: each
/// container with its removal step), unless another container still uses it; a failure only
/// warns. One the engine did remove is gone already, which is success.
fn remove_inherited_volumes(plan: &mut Plan, project: Option<&Project>, observed: &Observed, removed: &[(&ObservedContainer, StepId)]) {
    let anonymous = |name: &str| name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase());
    let declared = |name: &str| project.is_some_and(|p| p.volumes.values().any(|v| v.name == name));
    let gone: BTreeSet<&str> = removed.iter().map(|(c, _)| c.id()).collect();
    let in_use: BTreeSet<&str> = observed
        .containers
        .iter()
        .filter(|c| !gone.contains(c.id()))
        .flat_map(|c| c.summary.mounts.iter().filter_map(|m| m.name.as_deref()))
        .collect();
    let mut wanted: BTreeMap<&str, (Vec<StepId>, &str)> = BTreeMap::new();
    for (c, step) in removed {
        for name in c.summary.mounts.iter().filter(|m| m.kind == Some(MountKind::Volume)).filter_map(|m| m.name.as_deref()) {
            if anonymous(name) && !declared(name) && !in_use.contains(name) {
                wanted.entry(name).or_insert((Vec::new(), c.name())).0.push(*step);
            }
        }
    }
    for (name, (after, container)) in wanted {
        plan.decide(format!("volume {}", &name[..12]), "remove", format!("anonymous volume of {container}"));
        let step = plan.push(Op::RemoveVolume { name: name.to_string() }, hard(after), None);
        plan.steps[step].on_failure = OnFailure::Warn;
    }
}

/// The services of `containers`, dependents first.
pub(super) fn by_stop_order<'a>(graph: &Graph, containers: &[&'a ObservedContainer]) -> Vec<&'a str> {
    let present: BTreeSet<&str> = containers.iter().map(|c| c.service.as_str()).collect();
    let order = graph.stop_order().unwrap_or_default();
    let mut out: Vec<&str> = present.iter().copied().filter(|s| !order.iter().any(|o| o == s)).collect();
    out.extend(order.iter().filter_map(|o| present.get(o.as_str()).copied()));
    out
}

/// The dependency graph of the project, or, without one, of the services the containers'
/// `depends_on` labels describe.
pub(super) fn service_graph(project: Option<&Project>, observed: &Observed) -> Graph {
    match project {
        Some(p) => Graph::new(p),
        None => Graph::new(&label_project(observed)),
    }
}

/// The services of the containers, with the dependencies their `depends_on` labels
/// (`name:condition:restart`) describe: the project as far as a command without a compose file
/// can know it.
pub fn label_project(observed: &Observed) -> Project {
    let mut p = Project::default();
    for c in &observed.containers {
        let s = p.services.entry(c.service.clone()).or_insert_with(|| Service { name: c.service.clone(), ..Default::default() });
        for entry in c.label(labels::DEPENDS_ON).unwrap_or("").split(',').filter(|e| !e.is_empty()) {
            let mut parts = entry.split(':');
            let dep = parts.next().unwrap_or_default().to_string();
            let condition = parts.next().unwrap_or_default().to_string();
            let restart = parts.next() == Some("true");
            s.depends_on.insert(dep, DependsOn { condition, restart, required: true });
        }
    }
    p
}

fn images_to_remove(name: &str, project: Option<&Project>, observed: &Observed, which: RemoveImages) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    match project {
        Some(p) => {
            for s in p.services.values().filter(|s| which == RemoveImages::All || s.image.is_empty()) {
                let image = labels::image_name(p, s);
                if observed.images.get(&image).is_none_or(Option::is_some) {
                    out.insert(image);
                }
            }
        }
        None => {
            for c in &observed.containers {
                let image = &c.summary.image;
                if which == RemoveImages::All || *image == format!("{name}-{}", c.service) {
                    out.insert(image.clone());
                }
            }
        }
    }
    out.into_iter().collect()
}
