//! `stack deploy`: observe the swarm once, plan (`plan.rs`), execute the plan's steps.
//!
//! The executor decides nothing: it removes, creates and updates what the plan says, in its
//! waves, each service after its `depends_on` gates hold (polling the tasks, `readiness.rs`),
//! then with `--wait` until every service runs. Secret and config ids are filled in by name
//! once the objects exist (a new secret's id is only known once it is created).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::future::join_all;

use super::convert::{self, Namespace, LABEL_NAMESPACE};
use super::plan::{self, Observed, ResolveImage, StackPlan, Step};
use super::readiness::{verdict, Condition, Verdict};
use super::StackError;
use crate::compose::Compose;
use crate::engine::swarm::{FileKind, ServiceSpec, SwarmEngine};
use crate::engine::LabelFilter;
use crate::model::Project;
use crate::output::Event;

/// How often the tasks are listed while waiting.
const POLL: Duration = Duration::from_millis(500);
/// How long a service must stay running for a wait on it to end.
const SETTLE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Default)]
pub struct DeployOptions {
    pub resolve_image: ResolveImage,
    pub prune: bool,
    /// Return only once every service runs (and is healthy).
    pub wait: bool,
    /// Bounds the waits (`depends_on` gates and `--wait`); `None`: no bound.
    pub wait_timeout: Option<Duration>,
}

/// The swarm calls of `c`'s engine, on a manager node.
pub(super) async fn manager(c: &Compose) -> Result<&dyn SwarmEngine, StackError> {
    let swarm = c.engine.swarm().ok_or(StackError::NoSwarm)?;
    let info = swarm.swarm_info().await?;
    if !info.manager {
        return Err(StackError::NotManager);
    }
    Ok(swarm)
}

impl Compose {
    /// Deploys `project` as stack `project.name`; returns the plan (not executed under
    /// `dry_run`).
    pub async fn stack_deploy(&self, project: &Project, opts: &DeployOptions) -> Result<StackPlan, StackError> {
        let swarm = manager(self).await?;
        let ns = Namespace::new(&project.name);
        convert::unsupported_keys(project).iter().for_each(|w| (self.warn)(w));
        let files = read_files(project).await?;
        let stack = convert::stack(&ns, project, &files)?;
        let observed = observe(self, swarm, &ns, &stack, opts.resolve_image).await?;
        let plan = plan::plan(&ns, project, &stack, &observed, opts.resolve_image, opts.prune)?;
        if self.dry_run {
            return Ok(plan);
        }
        execute(self, swarm, &plan, &observed, opts).await?;
        Ok(plan)
    }
}

/// The content of each secret's and config's `file:` (the planner reads no file).
async fn read_files(project: &Project) -> Result<BTreeMap<String, Vec<u8>>, StackError> {
    let mut out = BTreeMap::new();
    for path in convert::file_paths(project) {
        let data = tokio::fs::read(&path).await.map_err(|e| StackError::File { path: path.clone(), message: e.to_string() })?;
        out.insert(path, data);
    }
    Ok(out)
}

async fn observe(
    c: &Compose,
    swarm: &dyn SwarmEngine,
    ns: &Namespace,
    stack: &convert::Stack,
    policy: ResolveImage,
) -> Result<Observed, StackError> {
    let mine = LabelFilter::new().eq(LABEL_NAMESPACE, ns.name());
    let all = LabelFilter::new();
    let (services, networks, secrets, configs) = tokio::try_join!(
        swarm.list_services(&mine),
        c.engine.list_networks(&all),
        swarm.list_files(FileKind::Secret, &all),
        swarm.list_files(FileKind::Config, &all),
    )?;
    let ids: Vec<String> = services.iter().map(|s| s.id.clone()).collect();
    let old_tasks = if ids.is_empty() { Vec::new() } else { swarm.list_tasks(&ids).await? };
    let mut resolved = BTreeMap::new();
    for image in plan::images_to_resolve(stack, &services, policy) {
        let auth = c.credentials.for_image(&image).ok().flatten();
        match c.engine.registry_digest(&image, auth.as_ref()).await {
            Ok(digest) => {
                resolved.insert(image.clone(), format!("{image}@{digest}"));
            }
            Err(_) => (c.warn)(&format!(
                "image {image} could not be accessed on a registry to record its digest: each node will access {image} independently, possibly running different versions of the image"
            )),
        }
    }
    Ok(Observed { services, networks, secrets, configs, resolved, old_tasks: old_tasks.into_iter().map(|t| t.id).collect() })
}

fn event(c: &Compose, kind: &'static str, name: &str, status: &'static str) {
    (c.events)(&Event { kind, name: name.to_string(), status });
}

async fn execute(
    c: &Compose,
    swarm: &dyn SwarmEngine,
    plan: &StackPlan,
    observed: &Observed,
    opts: &DeployOptions,
) -> Result<(), StackError> {
    let mut secret_ids: BTreeMap<String, String> = observed.secrets.iter().map(|o| (o.name.clone(), o.id.clone())).collect();
    let mut config_ids: BTreeMap<String, String> = observed.configs.iter().map(|o| (o.name.clone(), o.id.clone())).collect();
    for step in &plan.steps {
        match step {
            Step::RemoveService { name, id } => {
                event(c, "Service", name, "Removing");
                swarm.remove_service(id).await?;
                event(c, "Service", name, "Removed");
            }
            Step::CreateNetwork(spec) => {
                event(c, "Network", &spec.name, "Creating");
                c.engine.create_network(spec).await?;
                event(c, "Network", &spec.name, "Created");
            }
            Step::CreateFile(kind, spec) => {
                let noun = if *kind == FileKind::Secret { "Secret" } else { "Config" };
                event(c, noun, &spec.name, "Creating");
                let id = swarm.create_file(*kind, spec).await?;
                match kind {
                    FileKind::Secret => secret_ids.insert(spec.name.clone(), id),
                    FileKind::Config => config_ids.insert(spec.name.clone(), id),
                };
                event(c, noun, &spec.name, "Created");
            }
            _ => {}
        }
    }
    for warning in c.engine.take_warnings() {
        (c.warn)(&warning);
    }
    let nodes: BTreeMap<String, String> = swarm.list_nodes().await?.into_iter().map(|n| (n.id, n.description.hostname)).collect();
    let ctx = Waiter { c, swarm, namespace: plan.namespace.clone(), old: &observed.old_tasks, nodes: &nodes, timeout: opts.wait_timeout };
    let started = tokio::time::Instant::now();
    for wave in &plan.waves {
        let jobs = wave.iter().filter_map(|service| {
            let step = plan.steps.iter().find(|s| matches!(s, Step::CreateService { service: n, .. } | Step::UpdateService { service: n, .. } | Step::KeepService { service: n, .. } if n == service))?;
            Some(async {
                for gate in plan.gates.get(service).into_iter().flatten() {
                    ctx.wait_for(&gate.dependency, Condition::of_depends_on(&gate.condition), started).await?;
                }
                apply(c, swarm, step, &secret_ids, &config_ids).await
            })
        });
        for result in join_all(jobs).await {
            result?;
        }
    }
    for warning in c.engine.take_warnings() {
        (c.warn)(&warning);
    }
    if opts.wait {
        let all: Vec<&String> = plan.waves.iter().flatten().collect();
        let waits = all.iter().map(|s| ctx.wait_for(s, Condition::Running, started));
        for result in join_all(waits).await {
            result?;
        }
    }
    Ok(())
}

/// The spec with its secrets' and configs' ids, by name.
fn with_ids(spec: &ServiceSpec, secrets: &BTreeMap<String, String>, configs: &BTreeMap<String, String>) -> ServiceSpec {
    let mut spec = spec.clone();
    let c = &mut spec.task_template.container_spec;
    c.secrets.iter_mut().for_each(|r| r.id = secrets.get(&r.name).cloned().unwrap_or_default());
    c.configs.iter_mut().for_each(|r| r.id = configs.get(&r.name).cloned().unwrap_or_default());
    spec
}

async fn apply(
    c: &Compose,
    swarm: &dyn SwarmEngine,
    step: &Step,
    secrets: &BTreeMap<String, String>,
    configs: &BTreeMap<String, String>,
) -> Result<(), StackError> {
    match step {
        Step::CreateService { spec, .. } => {
            event(c, "Service", &spec.name, "Creating");
            swarm.create_service(&with_ids(spec, secrets, configs)).await?;
            event(c, "Service", &spec.name, "Created");
        }
        Step::UpdateService { id, version, spec, .. } => {
            event(c, "Service", &spec.name, "Updating");
            swarm.update_service(id, *version, &with_ids(spec, secrets, configs)).await?;
            event(c, "Service", &spec.name, "Updated");
        }
        _ => {}
    }
    Ok(())
}

/// Polls a service's tasks until a condition holds.
struct Waiter<'a> {
    c: &'a Compose,
    swarm: &'a dyn SwarmEngine,
    namespace: String,
    old: &'a BTreeSet<String>,
    nodes: &'a BTreeMap<String, String>,
    timeout: Option<Duration>,
}

impl Waiter<'_> {
    async fn wait_for(&self, service: &str, condition: Condition, started: tokio::time::Instant) -> Result<(), StackError> {
        let full = Namespace::new(&self.namespace).scope(service);
        let filter = LabelFilter::new().eq(LABEL_NAMESPACE, &self.namespace);
        let mut last = String::new();
        let mut settled = None;
        loop {
            let services = self.swarm.list_services(&filter).await?;
            let Some(s) = services.into_iter().find(|s| s.spec.name == full) else {
                return Err(StackError::Wait(format!("service {service} is gone")));
            };
            let tasks = self.swarm.list_tasks(std::slice::from_ref(&s.id)).await?;
            match verdict(service, &s, &tasks, self.old, self.nodes, condition) {
                // Running must hold across two polls a settle apart: a task that exits at once
                // is seen running for a moment.
                Verdict::Ready if condition == Condition::Running && settled.is_none() => {
                    settled = Some(());
                    tokio::select! {
                        _ = self.c.cancel.cancelled() => return Err(StackError::Wait("canceled".into())),
                        _ = tokio::time::sleep(SETTLE) => {}
                    }
                    continue;
                }
                Verdict::Ready => {
                    let status = if condition == Condition::Completed { "Exited" } else { "Running" };
                    event(self.c, "Service", &full, status);
                    return Ok(());
                }
                Verdict::Failed(why) => return Err(StackError::Wait(why)),
                Verdict::Pending(progress) => {
                    settled = None;
                    if progress != last {
                        event(self.c, "Service", &full, "Waiting");
                        last = progress.clone();
                    }
                    if self.timeout.is_some_and(|t| started.elapsed() >= t) {
                        return Err(StackError::Wait(format!("service {service}: timed out waiting ({progress} tasks ready)")));
                    }
                }
            }
            tokio::select! {
                _ = self.c.cancel.cancelled() => return Err(StackError::Wait("canceled".into())),
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }
}
