//! `up`, `create` and `start`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures_util::future::try_join_all;

use super::{provider, Compose, ComposeError};
use crate::engine::{ContainerStatus, LabelFilter};
use crate::graph::Graph;
use crate::model::{Project, SERVICE_COMPLETED};
use crate::output::Event;
use crate::reconcile::hash::config_hash;
use crate::reconcile::health::{self, NotReady};
use crate::reconcile::labels;
use crate::reconcile::observe::observe;
use crate::reconcile::plan::{self, Condition, Plan};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpOptions {
    /// Services named on the command line; empty for all.
    pub services: Vec<String>,
    /// Leave the named services' dependencies alone (`--no-deps`).
    pub no_deps: bool,
    /// After starting, wait for the services to be running or healthy (`--wait`).
    pub wait: bool,
    pub wait_timeout: Option<Duration>,
    /// How to converge; its `services` is filled in from `services` and `no_deps`.
    pub converge: plan::UpOptions,
}

impl Compose {
    /// Brings the project's services to what the project says; returns the plan it carried out
    /// (or would carry out, when dry-running).
    pub async fn up(&self, project: &Project, opts: &UpOptions) -> Result<Plan, ComposeError> {
        let targets = targets(project, &opts.services, opts.no_deps)?;
        // Providers first: what they set is part of their dependents' configuration.
        let (provided, provider_decisions) = self.run_providers(project, &targets, provider::Command::Up).await?;
        let project = provided.as_ref().unwrap_or(project);
        let hashes: BTreeMap<String, String> =
            project.services.values().filter(|s| targets.contains(&s.name)).map(|s| (s.name.clone(), config_hash(project, s))).collect();
        // Held until the plan is carried out: a concurrent run observes what this one made.
        let lock = self.lock(&project.name).await?;
        let observed = observe(self.engine.as_ref(), &project.name, Some(project), &hashes).await?;
        let mut converge = plan::UpOptions { services: targets.clone(), ..opts.converge.clone() };
        converge.images.now = crate::status::time::now_secs();
        let (observed, converge) = self.ensure_images(project, &targets, observed, &hashes, converge).await?;
        let mut plan = plan::plan_up(project, &observed, &converge)?;
        if !provider_decisions.is_empty() {
            plan.warnings.push("dry run: no provider was run, so the services that depend on a provider service are planned without the variables it would set".to_string());
        }
        plan.decisions.splice(0..0, provider_decisions);
        self.execute(&project.name, &plan).await?;
        drop(lock);
        if opts.wait && !opts.converge.no_start && !self.dry_run {
            let wait = self.wait_ready(project, &targets);
            match opts.wait_timeout {
                Some(t) => tokio::time::timeout(t, wait).await.map_err(|_| ComposeError::WaitTimeout(t))??,
                None => wait.await?,
            }
        }
        Ok(plan)
    }

    /// Creates what `up` would, starting nothing.
    pub async fn create(&self, project: &Project, opts: &UpOptions) -> Result<Plan, ComposeError> {
        let mut opts = opts.clone();
        opts.converge.no_start = true;
        opts.wait = false;
        self.up(project, &opts).await
    }

    /// Starts the existing containers of `services` (all when empty) of the project `name`,
    /// each after its dependencies are ready. Without a compose file (`project` is `None`), the
    /// project is what the containers' labels say, as in Docker Compose.
    pub async fn start(&self, name: &str, project: Option<&Project>, services: &[String]) -> Result<Plan, ComposeError> {
        if let Some(p) = project {
            targets(p, services, true)?;
        }
        let observed = observe(self.engine.as_ref(), name, project, &BTreeMap::new()).await?;
        // As in Docker Compose, starting nothing is an error (so `start || up -d` works): a
        // named service without containers, or a project without any.
        let created = |s: &str| observed.containers.iter().any(|c| !c.oneoff && (s.is_empty() || c.service == s));
        if let Some(missing) = services.iter().find(|s| !created(s)) {
            return Err(ComposeError::NothingToStart(format!("service {missing:?}")));
        }
        if services.is_empty() && !created("") {
            return Err(ComposeError::NothingToStart(format!("project {name:?}")));
        }
        let derived;
        let project = match project {
            Some(p) => p,
            None => {
                derived = Project { name: name.to_string(), ..plan::label_project(&observed) };
                &derived
            }
        };
        let selected = services.iter().cloned().collect();
        let plan = plan::plan_start(project, &observed, &selected)?;
        self.execute(name, &plan).await?;
        Ok(plan)
    }

    /// `start --wait` (Docker Compose v5): starts as [`start`](Self::start), then waits, as
    /// `up --wait` does, for the services started and what they depend on to be running or
    /// healthy, giving up after `timeout`.
    pub async fn start_and_wait(
        &self,
        name: &str,
        project: Option<&Project>,
        services: &[String],
        timeout: Option<Duration>,
    ) -> Result<Plan, ComposeError> {
        let plan = self.start(name, project, services).await?;
        if self.dry_run {
            return Ok(plan);
        }
        let observed;
        let derived;
        let project = match project {
            Some(p) => p,
            None => {
                observed = observe(self.engine.as_ref(), name, None, &BTreeMap::new()).await?;
                derived = Project { name: name.to_string(), ..plan::label_project(&observed) };
                &derived
            }
        };
        let wanted = targets(project, services, false)?;
        let wait = self.wait_ready(project, &wanted);
        match timeout {
            Some(t) => tokio::time::timeout(t, wait).await.map_err(|_| ComposeError::WaitTimeout(t))??,
            None => wait.await?,
        }
        Ok(plan)
    }

    /// `--wait`: every started container of `targets` running, or healthy when it has a
    /// healthcheck; services others wait on to complete are allowed to exit.
    async fn wait_ready(&self, project: &Project, targets: &BTreeSet<String>) -> Result<(), ComposeError> {
        let filter = LabelFilter::new().eq(labels::PROJECT, &project.name).eq(labels::ONEOFF, "False");
        let containers = self.engine.list_containers(true, &filter).await?;
        let jobs: BTreeSet<&str> = project
            .services
            .values()
            .flat_map(|s| s.depends_on.iter())
            .filter(|(_, d)| d.condition == SERVICE_COMPLETED)
            .map(|(n, _)| n.as_str())
            .collect();
        let mut by_service: BTreeMap<String, Vec<String>> = BTreeMap::new();
        // Not the containers of `pre_start` hooks: they exit by design.
        for c in containers.iter().filter(|c| !c.labels.contains_key(labels::HOOK)) {
            let service = c.labels.get(labels::SERVICE).cloned().unwrap_or_default();
            if targets.contains(&service) && !jobs.contains(service.as_str()) && c.state != ContainerStatus::Created {
                by_service.entry(service).or_default().push(c.name().to_string());
            }
        }
        try_join_all(by_service.iter().map(|(service, names)| async move {
            for n in names {
                (self.events)(&Event { kind: "Container", name: n.clone(), status: "Waiting" });
            }
            let r =
                health::wait_service(self.engine.as_ref(), &project.name, service, names, Condition::RunningOrHealthy, &self.cancel).await;
            if r.is_ok() {
                for n in names {
                    (self.events)(&Event { kind: "Container", name: n.clone(), status: "Healthy" });
                }
            }
            r
        }))
        .await
        .map_err(|e| if e == NotReady::Cancelled { ComposeError::Interrupted } else { e.into() })?;
        Ok(())
    }
}

/// The services to act on: the named ones (checked) and, unless `no_deps`, what they depend
/// on; all services when none is named.
pub(super) fn targets(project: &Project, services: &[String], no_deps: bool) -> Result<BTreeSet<String>, ComposeError> {
    if let Some(unknown) = services.iter().find(|s| !project.services.contains_key(*s)) {
        return Err(ComposeError::NoSuchService(unknown.clone()));
    }
    Ok(match (services.is_empty(), no_deps) {
        (true, _) => project.services.keys().cloned().collect(),
        (false, true) => services.iter().cloned().collect(),
        (false, false) => Graph::new(project).with_dependencies(services),
    })
}
