//! The plan of `up` (and `create`): converge each selected service on its wanted replicas.
//!
//! For every container the planner decides one of: up to date, start, recreate, create, remove
//! (scale down or orphan), with the reason. Starts wait for what the service depends on
//! (see [`gates`](super::gates)); creates wait for the networks, volumes and image they use.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::gates::Gates;
use super::{hard, leftovers, pre_start, resources, Op, PendingHash, Plan, PlanError, StepId, StepLabel, Target};
use crate::graph::Graph;
use crate::model::{Project, Service};
use crate::reconcile::convert::{self, Context};
use crate::reconcile::hash;
use crate::reconcile::labels;
use crate::reconcile::observe::{Observed, ObservedContainer};

mod decide;

use decide::{Decision, Wanted};

/// When to replace an existing container.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Recreate {
    /// When its configuration or image changed.
    #[default]
    Diverged,
    /// Always (`--force-recreate`).
    Force,
    /// Never (`--no-recreate`).
    Never,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpOptions {
    /// The services to converge, dependencies included unless `--no-deps`; empty: all.
    pub services: BTreeSet<String>,
    /// For the containers of the services named on the command line (all, when none is).
    pub recreate: Recreate,
    /// The services named on the command line; the others of `services` are there as their
    /// dependencies. Empty: every service is named.
    pub named: BTreeSet<String>,
    /// For the containers of the dependencies: as Docker Compose, `--force-recreate web`
    /// leaves web's dependencies alone unless they diverged; `--always-recreate-deps` (`Force`)
    /// recreates them, `--no-recreate` (`Never`) applies to them too.
    pub recreate_dependencies: Recreate,
    /// Create containers but leave them stopped.
    pub no_start: bool,
    pub remove_orphans: bool,
    /// Replicas asked for on the command line (`--scale web=3`).
    pub scale: BTreeMap<String, u32>,
    /// Grace period for containers stopped on the way (replaced or scaled down).
    pub timeout: Option<Duration>,
    /// The `--env-file` files given explicitly, comma-separated, for the `environment_file` label.
    pub environment_file: Option<String>,
    /// What to do about images: pull policy, `--build`, `--no-build`.
    pub images: super::ImageOptions,
    /// Give recreated containers fresh anonymous volumes instead of their predecessors' ones
    /// (`--renew-anon-volumes`).
    pub renew_anon_volumes: bool,
    /// `-y/--yes`: the answer to every question Docker Compose would ask is yes. rcompose asks
    /// none: what a question would decide is decided by this flag (unset: the safe answer).
    pub assume_yes: bool,
}

/// Plans `up`: pure, from the project, what the engine holds, and the options.
pub fn plan_up(project: &Project, observed: &Observed, opts: &UpOptions) -> Result<Plan, PlanError> {
    let order = Graph::new(project).start_order()?;
    // A provider service has no container: its provider ran before this plan.
    let targets: Vec<&Service> = order
        .iter()
        .filter(|s| opts.services.is_empty() || opts.services.contains(*s))
        .map(|s| &project.services[s])
        .filter(|s| s.provider.is_none())
        .collect();
    Ok(converge(project, observed, opts, &targets, None)?.0)
}

/// Converges `targets` (in start order); with `extra`, also prepares the networks, volumes
/// and images that service needs (a `run` container, planned by the caller). Returns the plan
/// so far, the gates a further container can wait on, and the resource steps.
pub(super) fn converge(
    project: &Project,
    observed: &Observed,
    opts: &UpOptions,
    targets: &[&Service],
    extra: Option<&Service>,
) -> Result<(Plan, Gates, resources::Prepared), PlanError> {
    let mut plan = Plan::default();
    let mut needs: Vec<&Service> = targets.to_vec();
    needs.extend(extra);
    let res = resources::prepare(&mut plan, project, observed, &needs, &opts.images, opts.assume_yes)?;
    resources::orphans(&mut plan, project, observed, opts.remove_orphans, opts.timeout);
    let mut gates = Gates::new(targets.iter().map(|s| s.name.clone()).collect());
    let mut up = Up { plan, project, observed, opts, res, gates: &mut gates, recreated: BTreeSet::new(), first: BTreeMap::new() };
    for service in targets {
        up.service(service)?;
    }
    let (plan, res) = (up.plan, up.res);
    Ok((plan, gates, res))
}

struct Up<'a> {
    plan: Plan,
    project: &'a Project,
    observed: &'a Observed,
    opts: &'a UpOptions,
    res: resources::Prepared,
    gates: &'a mut Gates,
    /// Services with a container recreated so far (services are planned in start order).
    recreated: BTreeSet<String>,
    /// The first container (by name) each service planned so far will have, if any: its name,
    /// and its id when it is kept (a container this plan creates has no id yet).
    first: BTreeMap<String, Option<(String, Option<String>)>>,
}

impl Up<'_> {
    fn service(&mut self, s: &Service) -> Result<(), PlanError> {
        let want = self.opts.scale.get(&s.name).copied().unwrap_or_else(|| replicas(s));
        if want > 1 && !s.container_name.is_empty() {
            return Err(PlanError::ScaleWithContainerName { service: s.name.clone(), container_name: s.container_name.clone() });
        }
        self.plan.warnings.extend(convert::files::ignored_ownership(self.project, s));
        pre_start::supported(self.project, s)?;
        let (hash, pending) = self.label_hash(s)?;
        // The label values other Docker Compose series would have written for the same service:
        // a container carrying one of them is as up to date as one carrying `hash`.
        let ids = pending.is_none().then(|| self.referenced_ids(s)).flatten();
        let others: Vec<(hash::Algorithm, String)> = ids
            .and_then(|ids| hash::label_hashes(s, &ids))
            .unwrap_or_default()
            .into_iter()
            .filter(|(alg, _)| *alg != hash::Algorithm::WRITTEN)
            .collect();
        let image = labels::image_name(self.project, s);
        // An image this plan builds (`up --dry-run --build`; a real `up` builds first, then
        // plans against the result) may come out new: its containers are planned as recreated
        // and labelled with the image once built, as Docker Compose's dry run shows them.
        let rebuilt = self.res.image_step(&image).is_some_and(|step| matches!(self.plan.steps[step].op, Op::BuildImage(_)));
        let image_id = if rebuilt { None } else { self.observed.images.get(&image).cloned().flatten() };
        let mut prereqs = self.res.for_service(self.project, s);
        prereqs.extend(self.gates.implicit(self.project, s));

        // Replacements an interrupted `up` left are removed or adopted first.
        let tidied = leftovers::tidy(&mut self.plan, self.project, s, self.observed.containers.iter());
        prereqs.extend(tidied.steps.iter().copied());
        // Containers removed to recreate a volume they mount (`up -y`) are replaced.
        let present: Vec<ObservedContainer> =
            tidied.containers.iter().filter(|c| !self.res.removed.contains_key(c.name())).cloned().collect();
        let (kept, excess) = split_replicas(&present, want);
        let several = want > 1 || kept.len() + excess.len() > 1;
        let subject = |n: u32| if several { format!("{} #{n}", s.name) } else { s.name.clone() };
        for c in excess {
            self.plan.decide(subject(c.number), "remove", format!("scale to {want}"));
            resources::stop_and_remove(&mut self.plan, c, self.opts.timeout, vec![]);
        }
        let free: Vec<u32> = (1..).filter(|n| !kept.contains_key(n)).take(want.saturating_sub(kept.len() as u32) as usize).collect();
        let mut ready: Vec<StepId> = Vec::new();
        // What to start, after which steps.
        let mut starts: Vec<(Vec<StepId>, Target)> = Vec::new();
        let mut names = Vec::new();
        let awaited = pending.as_ref().map(|p| p.containers.keys().cloned().collect::<Vec<_>>().join(", ")).unwrap_or_default();
        // The containers kept as they are, by name, with their ids.
        let mut kept_ids = BTreeMap::new();
        // The containers this plan creates or recreates (number, name, the step that completes
        // them), those it keeps stopped (number, name), and whether it keeps one running: when
        // none runs, `pre_start` hooks are prepared to run before the others start.
        let mut fresh: Vec<(u32, String, StepId)> = Vec::new();
        let mut stopped_kept: Vec<(u32, String)> = Vec::new();
        let mut running = false;
        // Docker Compose 2.26.1 recreates the dependents of a recreated service (those this `up`
        // converges), whatever their `restart` flag: they may hold its old address or namespace.
        let dependency_recreated = s.depends_on.keys().find(|d| self.recreated.contains(*d)).cloned();
        let named = self.opts.named.is_empty() || self.opts.named.contains(&s.name);
        let (policy, flag) =
            if named { (self.opts.recreate, "--force-recreate") } else { (self.opts.recreate_dependencies, "--always-recreate-deps") };
        let stopped = self.res.stopped.clone();
        let wanted = Wanted {
            policy,
            flag,
            hash: hash.as_deref(),
            others: &others,
            awaited: &awaited,
            image: &image,
            image_id: image_id.as_deref(),
            rebuilt,
            dependency_recreated: dependency_recreated.as_deref(),
            no_start: self.opts.no_start,
            stopped: &stopped,
        };
        // How a container of this service numbered `number` and named `name` is made.
        let context = |number: u32, name: &str| Context {
            number,
            name: name.to_string(),
            config_hash: hash.clone().unwrap_or_default(),
            image_id: image_id.clone(),
            replaces: None,
            environment_file: self.opts.environment_file.clone(),
        };
        for (&number, c) in &kept {
            let name = labels::container_name(self.project, s, number);
            names.push(name.clone());
            let cx = context(number, &name);
            let decision = decide::decide(c, &convert::container_spec(self.project, s, &cx), &wanted);
            self.plan.decide(subject(number), decision.verb(), decision.reason());
            match decision {
                Decision::Recreate(_) => {
                    self.recreated.insert(s.name.clone());
                    let last = self.recreate(s, c, cx, &image, &subject(number), prereqs.clone(), pending.clone())?;
                    ready.push(last);
                    fresh.push((number, name.clone(), last));
                    starts.push((vec![last], Target::name(&name)));
                }
                Decision::UpToDate(_) => {
                    running |= c.is_up();
                    if !c.is_up() {
                        stopped_kept.push((number, name.clone()));
                    }
                    kept_ids.insert(name.clone(), c.id().to_string());
                }
                Decision::Start(_) => {
                    stopped_kept.push((number, name.clone()));
                    kept_ids.insert(name.clone(), c.id().to_string());
                    // A container stopped to recreate its network starts once the network is back;
                    // any other, once the leftovers of an interrupted `up` are tidied.
                    let after = if stopped.contains_key(&name) { prereqs.clone() } else { tidied.steps.clone() };
                    starts.push((after, Target { name: name.clone(), id: Some(c.id().to_string()) }));
                }
            }
        }
        for number in free {
            let name = labels::container_name(self.project, s, number);
            names.push(name.clone());
            let reason = match self.res.removed.get(&name) {
                Some(why) => why.clone(),
                None if want > 1 => format!("scale to {want}"),
                None => "no container".to_string(),
            };
            self.plan.decide(subject(number), "create", reason);
            let cx = context(number, &name);
            let spec = convert::container_spec(self.project, s, &cx);
            let label = image_id.is_none().then(|| image.clone());
            self.supported(s)?;
            let op = Op::CreateContainer { spec: Box::new(spec), image_label: label, hash: pending.clone() };
            let step = self.plan.push(op, hard(prereqs.clone()), StepLabel::new("Container", &name, Some("Creating"), Some("Created")));
            let step = self.copy_files(s, &subject(number), Target::name(&name), step)?;
            ready.push(step);
            fresh.push((number, name.clone(), step));
            starts.push((vec![step], Target::name(&name)));
        }
        // `pre_start` hooks, when no container of the service stays running (v5.5 prepares its
        // runners then, and a start consumes them): made to run in the volumes of the
        // lowest-numbered container to start, once it exists.
        let to_start = fresh
            .iter()
            .map(|(n, name, step)| (*n, name, hard([*step])))
            .chain(stopped_kept.iter().map(|(n, name)| (*n, name, Vec::new())));
        let runners = match to_start.min_by_key(|(number, ..)| *number) {
            Some((_, of, after)) if !running && !s.pre_start.is_empty() => {
                pre_start::prepare(&mut self.plan, self.project, self.observed, s, of, &after)
            }
            _ => Vec::new(),
        };
        if !self.opts.no_start && !starts.is_empty() {
            let gate_edges = self.gates.before_start(&mut self.plan, self.project, s);
            // Once the dependencies are ready; every start of the service waits for them.
            let hooks = pre_start::run(&mut self.plan, s, runners, &gate_edges);
            ready.clear();
            for (created, target) in starts {
                let mut after = gate_edges.clone();
                after.extend(hard(created));
                after.extend(hard(hooks));
                ready.push(super::push_start(&mut self.plan, target, Some(s), after));
            }
        }
        let first = names.iter().min().map(|first| (first.clone(), kept_ids.get(first).cloned()));
        self.first.insert(s.name.clone(), first);
        self.gates.service_ready(&s.name, ready, names);
        Ok(())
    }

    /// Refuses to create a container of `s` with a feature the engine lacks, as Docker Compose
    /// does when it builds the create request (`healthcheck.start_interval` needs API 1.44,
    /// Docker Engine 25). The whole plan is refused: nothing is created.
    fn supported(&self, s: &Service) -> Result<(), PlanError> {
        let start_interval = s.healthcheck.as_ref().is_some_and(|h| h.start_interval.is_some());
        if start_interval && self.observed.api_version.is_some_and(|v| v < (1, 44)) {
            return Err(PlanError::Unsupported { service: s.name.clone(), feature: "healthcheck.start_interval", engine: "v25" });
        }
        // Image mounts need API 1.48 (Docker Engine 28). Docker Compose 2.40.3 finds out when it
        // creates the container, after the networks and volumes; refused here, nothing is made.
        let api = self.observed.api_version;
        if let Some(i) = s.volumes.iter().position(|m| m.kind == crate::model::MOUNT_IMAGE).filter(|_| api.is_some_and(|v| v < (1, 48))) {
            let (major, minor) = api.unwrap_or_default();
            return Err(PlanError::ImageMount {
                at: self.project.located(&format!("services.{}.volumes[{i}]", s.name)),
                service: s.name.clone(),
                api: format!("{major}.{minor}"),
            });
        }
        Ok(())
    }

    /// The config hash of `s`'s containers as Docker Compose writes it at `up`, with the
    /// services it references resolved to their first container's id
    /// ([`hash::label_hash`]). When one of those containers is created by this plan, its id
    /// is not known yet: the hash is left for the create step to compute (the second value).
    fn label_hash(&self, s: &Service) -> Result<(Option<String>, Option<Box<PendingHash>>), PlanError> {
        let (ids, containers) = self.references(s)?;
        if containers.is_empty() {
            return Ok((hash::label_hash(s, &ids), None));
        }
        Ok((None, Some(Box::new(PendingHash { service: s.clone(), ids, containers }))))
    }

    /// The ids of the first containers of the services `s` refers to, when all are known.
    fn referenced_ids(&self, s: &Service) -> Option<BTreeMap<String, String>> {
        self.references(s).ok().filter(|(_, pending)| pending.is_empty()).map(|(ids, _)| ids)
    }

    /// The services `s` refers to (`network_mode: service:x`...): the ids of their first
    /// containers when kept, and the names of those this plan creates.
    #[allow(clippy::type_complexity)]
    fn references(&self, s: &Service) -> Result<(BTreeMap<String, String>, BTreeMap<String, String>), PlanError> {
        let mut ids = BTreeMap::new();
        let mut containers = BTreeMap::new();
        for dep in hash::referenced_services(s) {
            // A service this plan does not converge (`--no-deps`) keeps the containers it has.
            let first = self.first.get(&dep).cloned().unwrap_or_else(|| {
                let mine = self.observed.containers.iter().filter(|c| c.service == dep && !c.oneoff);
                mine.min_by_key(|c| c.name()).map(|c| (c.name().to_string(), Some(c.id().to_string())))
            });
            match first {
                Some((_, Some(id))) => {
                    ids.insert(dep, id);
                }
                Some((name, None)) => {
                    containers.insert(dep, name);
                }
                None => return Err(PlanError::ContainerMissing { service: s.name.clone(), what: shared_what(s, &dep), dependency: dep }),
            }
        }
        Ok((ids, containers))
    }

    /// Create the replacement under a temporary name, stop and remove the old container, then
    /// give the new one its name: the steps Docker Compose takes. Unless
    /// `--renew-anon-volumes`, the replacement mounts the old container's anonymous volumes.
    /// Returns the last step.
    #[allow(clippy::too_many_arguments)]
    fn recreate(
        &mut self,
        s: &Service,
        old: &ObservedContainer,
        mut cx: Context,
        image: &str,
        subject: &str,
        prereqs: Vec<StepId>,
        hash: Option<Box<PendingHash>>,
    ) -> Result<StepId, PlanError> {
        let name = cx.name.clone();
        let temp = format!("{}_{name}", &old.id()[..old.id().len().min(12)]);
        cx.name = temp.clone();
        cx.replaces = Some(old.id().to_string());
        let label = cx.image_id.is_none().then(|| image.to_string());
        let mut spec = convert::container_spec(self.project, s, &cx);
        if !self.opts.renew_anon_volumes {
            let image_volumes = self.observed.image_volumes.get(image).map(Vec::as_slice).unwrap_or_default();
            let kept = convert::inherit_volumes(&mut spec, s, &old.summary.mounts, image_volumes);
            if !kept.is_empty() {
                self.plan.decide(subject, "keep volumes", kept.join(", "));
            }
        }
        self.supported(s)?;
        let create = self.plan.push(
            Op::CreateContainer { spec: Box::new(spec), image_label: label, hash },
            hard(prereqs),
            StepLabel::new("Container", &name, Some("Recreate"), None),
        );
        let create = self.copy_files(s, subject, Target::name(&temp), create)?;
        let p = &mut self.plan;
        let old_target = Target { name: name.clone(), id: Some(old.id().to_string()) };
        let stop = p.push(Op::StopContainer { target: old_target.clone(), timeout: self.opts.timeout }, hard([create]), None);
        let remove = p.push(Op::RemoveContainer { target: old_target, volumes: false }, hard([stop]), None);
        Ok(p.push(
            Op::RenameContainer { target: Target::name(temp), to: name.clone() },
            hard([remove]),
            StepLabel::new("Container", name, None, Some("Recreated")),
        ))
    }

    /// After `created`, the step that writes the service's environment and inline secrets and
    /// configs into the container; returns the step to wait on for the container to be
    /// complete (`created` when there is nothing to write).
    fn copy_files(&mut self, s: &Service, subject: &str, target: Target, created: StepId) -> Result<StepId, PlanError> {
        let files = convert::injected_files(self.project, s)?;
        if files.is_empty() {
            return Ok(created);
        }
        let what: Vec<String> = files.iter().map(|f| format!("{} {} from {}", f.kind, f.source, f.origin)).collect();
        self.plan.decide(subject, "copy files", what.join(", "));
        Ok(self.plan.push(Op::CopyFiles { target, files }, hard([created]), None))
    }
}

/// The replicas a service asks for: `scale`, else `deploy.replicas`, else 1.
pub fn replicas(s: &Service) -> u32 {
    let n = s.scale.or_else(|| s.deploy.as_ref().and_then(|d| d.replicas)).unwrap_or(1);
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The service's containers to keep (the `want` lowest numbers, one container per number) and
/// the rest.
fn split_replicas(mine: &[ObservedContainer], want: u32) -> (BTreeMap<u32, &ObservedContainer>, Vec<&ObservedContainer>) {
    let mut mine: Vec<&ObservedContainer> = mine.iter().collect();
    // Lowest numbers first; for a number held twice, prefer the running one.
    mine.sort_by_key(|c| (c.number == 0, c.number, !c.is_up(), c.name().to_string()));
    let mut kept = BTreeMap::new();
    let mut excess = Vec::new();
    for c in mine {
        if c.number > 0 && kept.len() < want as usize && !kept.contains_key(&c.number) {
            kept.insert(c.number, c);
        } else {
            excess.push(c);
        }
    }
    (kept, excess)
}

/// What `s` shares with `dep`, in Docker Compose's words for a missing container (it resolves
/// `volumes_from` first, then the network, IPC and PID namespaces).
fn shared_what(s: &Service, dep: &str) -> &'static str {
    let names = |m: &str| m.strip_prefix("service:") == Some(dep);
    if s.volumes_from.iter().any(|v| v.split(':').next() == Some(dep)) {
        "volume"
    } else if names(&s.network_mode) {
        "network namespace"
    } else if names(&s.ipc) {
        "IPC namespace"
    } else {
        "PID namespace"
    }
}

#[cfg(test)]
mod tests;
