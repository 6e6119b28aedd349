//! The plan of `run`: a one-off container of a service, after the services it depends on.
//!
//! The one-off container is the service as `up` would create it ([`convert`]), changed by the
//! command line as Docker Compose 2.40 changes it: its own name (`project-service-run-<12 hex
//! of the slug>`), the `oneoff` and `slug` labels and no container number, no restart policy,
//! ports only with `--service-ports` or `--publish`, the service's network aliases only with
//! `--use-aliases`. Its dependencies are converged as `up` converges them, and its creation
//! waits for them by their `depends_on` conditions, in the same plan.

use std::collections::{BTreeMap, BTreeSet};

use super::up::{converge, UpOptions};
use super::{hard, Op, Plan, PlanError, StepId, Target};
use crate::graph::Graph;
use crate::loader::syntax;
use crate::model::{Mount, Port, Project, Service, MOUNT_BIND};
use crate::reconcile::convert::{self, Context};
use crate::reconcile::hash;
use crate::reconcile::labels;
use crate::reconcile::observe::Observed;

/// How the command line changes the service for its one-off container.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OneOff {
    pub service: String,
    /// The command after the service name; empty keeps the service's.
    pub command: Vec<String>,
    /// `--entrypoint`, split as a shell would; without a command it also clears the service's.
    pub entrypoint: Option<Vec<String>>,
    /// `-e` and `--env-from-file`, resolved: they override the service's `environment`.
    pub environment: BTreeMap<String, String>,
    /// `-l KEY=VALUE`.
    pub labels: BTreeMap<String, String>,
    /// `-v` short specs, added to the service's volumes; a relative host path is the project
    /// directory's.
    pub volumes: Vec<String>,
    /// The home directory `~` stands for in `-v` host paths.
    pub home: Option<std::path::PathBuf>,
    /// `-p` short specs: the container's only ports.
    pub publish: Vec<String>,
    /// `-P`: keep the service's ports (without it, and without `-p`, there are none).
    pub service_ports: bool,
    /// `--use-aliases`: the service name and its aliases on each network.
    pub use_aliases: bool,
    pub user: Option<String>,
    pub workdir: Option<String>,
    /// `--name`, instead of `project-service-run-<id>`.
    pub name: Option<String>,
    pub cap_add: Vec<String>,
    pub cap_drop: Vec<String>,
    /// `--rm`: the engine removes the container when it exits.
    pub auto_remove: bool,
    pub tty: bool,
    /// `-i` (the default): standard input kept open and attached.
    pub interactive: bool,
}

/// The container name Docker Compose gives a one-off container: the first 12 hex digits of
/// its slug (the slug itself goes into the `slug` label).
pub fn run_name(project: &Project, service: &str, slug: &str) -> String {
    format!("{}-{service}-run-{}", project.name, &slug[..slug.len().min(12)])
}

/// The service as its one-off container runs it.
pub fn one_off_service(project: &Project, o: &OneOff, slug: &str) -> Result<Service, PlanError> {
    let mut s = project.services.get(&o.service).cloned().ok_or_else(|| PlanError::NoService(o.service.clone()))?;
    if !o.service_ports {
        s.ports.clear();
    }
    if !o.publish.is_empty() {
        s.ports = o.publish.iter().map(|p| parse_publish(p)).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
    }
    for v in &o.volumes {
        let json = syntax::parse_volume(v).map_err(|why| PlanError::RunFlag { flag: "--volume", why })?;
        let mut m: Mount = serde_json::from_value(json).map_err(|e| PlanError::RunFlag { flag: "--volume", why: e.to_string() })?;
        // A relative host path is the project directory's, as in the compose file.
        if m.kind == MOUNT_BIND {
            m.source = crate::loader::paths::absolute(&m.source, &project.working_dir, o.home.as_deref());
        }
        s.volumes.push(m);
    }
    s.tty = o.tty;
    s.stdin_open = o.interactive;
    s.container_name = o.name.clone().unwrap_or_else(|| run_name(project, &o.service, slug));
    if !o.command.is_empty() {
        s.command = Some(o.command.clone());
    }
    if let Some(user) = &o.user {
        s.user = user.clone();
    }
    if !o.cap_add.is_empty() {
        s.cap_add.extend(o.cap_add.iter().cloned());
        s.cap_drop.retain(|c| !o.cap_add.contains(c));
    }
    if !o.cap_drop.is_empty() {
        s.cap_drop.extend(o.cap_drop.iter().cloned());
        s.cap_add.retain(|c| !o.cap_drop.contains(c));
    }
    if let Some(dir) = &o.workdir {
        s.working_dir = dir.clone();
    }
    if let Some(entrypoint) = &o.entrypoint {
        s.entrypoint = Some(entrypoint.clone());
        if o.command.is_empty() {
            s.command = None;
        }
    }
    for (k, v) in &o.environment {
        s.environment.insert(k.clone(), Some(v.clone()));
    }
    s.labels.extend(o.labels.clone());
    s.scale = Some(1);
    s.restart.clear();
    if let Some(deploy) = s.deploy.as_mut() {
        deploy.restart_policy = None;
    }
    Ok(s)
}

fn parse_publish(spec: &str) -> Result<Vec<Port>, PlanError> {
    let specs = syntax::parse_port(spec).map_err(|why| PlanError::RunFlag { flag: "--publish", why })?;
    Ok(specs
        .into_iter()
        .map(|p| Port {
            mode: "ingress".into(),
            host_ip: p.host_ip,
            target: p.target,
            published: p.published,
            protocol: p.protocol,
            ..Default::default()
        })
        .collect())
}

/// What `run` does besides the one-off container itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunPlanOptions {
    /// The services to bring up first: the service's dependencies, none with `--no-deps`.
    pub dependencies: BTreeSet<String>,
    /// Images, orphans (`--remove-orphans`), the `environment_file` label: as for `up`.
    pub up: UpOptions,
    /// The slug: 64 hex digits, random.
    pub slug: String,
}

/// The services `run` brings up before its container: what `service` depends on,
/// transitively, unless `no_deps`.
pub fn run_dependencies(project: &Project, service: &str, no_deps: bool) -> BTreeSet<String> {
    if no_deps {
        return BTreeSet::new();
    }
    let mut deps = Graph::new(project).with_dependencies(&[service.to_string()]);
    deps.remove(service);
    deps
}

/// Plans `run`: the dependencies converged as `up` converges them, the networks, volumes and
/// image the one-off container needs, then its creation (after its dependencies meet their
/// conditions) and the files written into it. Starting and attaching are the caller's.
pub fn plan_run(project: &Project, observed: &Observed, one_off: &Service, o: &OneOff, opts: &RunPlanOptions) -> Result<Plan, PlanError> {
    let order = Graph::new(project).start_order()?;
    // Provider services have no container: their providers ran before this plan.
    let targets: Vec<&Service> =
        order.iter().filter(|s| opts.dependencies.contains(*s)).map(|s| &project.services[s]).filter(|s| s.provider.is_none()).collect();
    let up = UpOptions { services: opts.dependencies.clone(), named: opts.dependencies.clone(), ..opts.up.clone() };
    let (mut plan, mut gates, res) = converge(project, observed, &up, &targets, Some(one_off))?;

    let name = one_off.container_name.clone();
    let image = labels::image_name(project, one_off);
    let image_id = observed.images.get(&image).cloned().flatten();
    let cx = Context {
        number: 1,
        name: name.clone(),
        config_hash: hash::config_hash(project, one_off),
        image_id: image_id.clone(),
        replaces: None,
        environment_file: opts.up.environment_file.clone(),
    };
    let mut spec = convert::container_spec(project, one_off, &cx);
    let l = &mut spec.config.labels;
    l.remove(labels::CONTAINER_NUMBER);
    l.insert(labels::ONEOFF.into(), "True".into());
    l.insert(labels::SLUG.into(), opts.slug.clone());
    spec.config.attach_stdin = o.interactive;
    spec.host.auto_remove = o.auto_remove;
    for endpoint in &mut spec.networks {
        // The first alias is the container's name; the service's own come with --use-aliases.
        if !o.use_aliases {
            endpoint.aliases.truncate(1);
        }
    }

    let mut after = hard(res.for_service(project, one_off));
    after.extend(gates.before_start(&mut plan, project, one_off));
    let reason = if opts.dependencies.is_empty() { String::new() } else { format!("after {}", join(&opts.dependencies)) };
    plan.decide(&name, "create", reason);
    let label = image_id.is_none().then(|| image.clone());
    let create = plan.push(Op::CreateContainer { spec: Box::new(spec), image_label: label, hash: None }, after, None);
    copy_files(&mut plan, project, one_off, &name, create)?;
    Ok(plan)
}

/// The step that writes the service's inline secrets and configs into the new container.
fn copy_files(plan: &mut Plan, project: &Project, s: &Service, name: &str, created: StepId) -> Result<(), PlanError> {
    let files = convert::injected_files(project, s)?;
    if !files.is_empty() {
        let what: Vec<String> = files.iter().map(|f| format!("{} {} from {}", f.kind, f.source, f.origin)).collect();
        plan.decide(name, "copy files", what.join(", "));
        plan.push(Op::CopyFiles { target: Target::name(name), files }, hard([created]), None);
    }
    Ok(())
}

fn join(names: &BTreeSet<String>) -> String {
    names.iter().cloned().collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests;
