//! What a service's starts wait for: its dependencies, each by its own `depends_on` condition.
//!
//! There is no level-by-level barrier: a start waits only on the services it depends on. For
//! `service_started` it waits for their starts; for `service_healthy` and
//! `service_completed_successfully` on one [`Op::Await`] step per dependency and condition,
//! which follows their starts. A dependency marked `required: false` gives soft edges and an
//! await that only warns, so its failure does not hold the dependent back.

use std::collections::{BTreeMap, BTreeSet};

use super::{hard, soft, Condition, Edge, OnFailure, Op, Plan, StepId};
use crate::model::{Project, Service, SERVICE_COMPLETED, SERVICE_HEALTHY};

pub(super) struct Gates {
    /// The services this plan converges; dependencies outside it (`--no-deps`) are not waited for.
    targets: BTreeSet<String>,
    /// The steps after which a service's containers are up (or created, with `--no-start`).
    ready: BTreeMap<String, Vec<StepId>>,
    /// The final names of each service's containers.
    containers: BTreeMap<String, Vec<String>>,
    /// Await steps already planned, by service, condition and `required`.
    awaits: BTreeMap<(String, &'static str, bool), StepId>,
}

impl Gates {
    pub fn new(targets: BTreeSet<String>) -> Gates {
        Gates { targets, ready: BTreeMap::new(), containers: BTreeMap::new(), awaits: BTreeMap::new() }
    }

    /// Records how `service` comes up; services are planned in start order, so this is known
    /// before any dependent asks.
    pub fn service_ready(&mut self, service: &str, steps: Vec<StepId>, containers: Vec<String>) {
        self.ready.insert(service.to_string(), steps);
        self.containers.insert(service.to_string(), containers);
    }

    /// What creating a container of `s` waits for: the services whose containers it names
    /// (`links`, `volumes_from`, `network_mode: service:x`) must be there first.
    pub fn implicit(&self, _project: &Project, s: &Service) -> Vec<StepId> {
        crate::loader::normalize::implicit_dependencies(s).iter().filter_map(|(d, _)| self.ready.get(d)).flatten().copied().collect()
    }

    /// The edges a start of a container of `s` waits on, planning the await steps it needs.
    pub fn before_start(&mut self, plan: &mut Plan, project: &Project, s: &Service) -> Vec<Edge> {
        let mut edges = Vec::new();
        for (dep, d) in &s.depends_on {
            // A provider service has no container to wait for: its provider is done before the plan.
            if !self.targets.contains(dep) || project.services.get(dep).is_none_or(|d| d.provider.is_some()) {
                continue;
            }
            let ready = self.ready.get(dep).cloned().unwrap_or_default();
            let link = |steps: Vec<StepId>| if d.required { hard(steps) } else { soft(steps) };
            let condition = match d.condition.as_str() {
                SERVICE_HEALTHY => Condition::Healthy,
                SERVICE_COMPLETED => Condition::CompletedSuccessfully,
                _ => {
                    edges.extend(link(ready));
                    continue;
                }
            };
            let key = (dep.clone(), condition.as_str(), d.required);
            let step = match self.awaits.get(&key) {
                Some(&step) => step,
                None => {
                    let containers = self.containers.get(dep).cloned().unwrap_or_default();
                    let step = plan.push(Op::Await { service: dep.clone(), condition, containers }, link(ready), None);
                    if !d.required {
                        plan.steps[step].on_failure = OnFailure::Warn;
                    }
                    self.awaits.insert(key, step);
                    step
                }
            };
            edges.extend(link(vec![step]));
        }
        edges
    }
}
