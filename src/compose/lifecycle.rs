//! `stop`, `restart`, `kill`, `pause`, `unpause` and `rm`: acting on the containers a project
//! already has.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::{Compose, ComposeError};
use crate::model::Project;
use crate::reconcile::observe::{observe, Observed};
use crate::reconcile::plan::{self, Plan};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RmOptions {
    /// Stop running containers first (`-s`); otherwise they are left alone.
    pub stop: bool,
    /// Also remove the containers' anonymous volumes (`-v`).
    pub volumes: bool,
    pub timeout: Option<Duration>,
}

impl Compose {
    /// Stops the running containers of `services` (all when empty), dependents first.
    pub async fn stop(
        &self,
        name: &str,
        project: Option<&Project>,
        services: &[String],
        timeout: Option<Duration>,
    ) -> Result<Plan, ComposeError> {
        self.stop_running_hooks(name, project, services, timeout, false).await
    }

    /// `stop`, running the services' `pre_stop` hooks first when `pre_stop` (attached `up`
    /// does, on Ctrl-C); a container whose hook fails is left running.
    pub async fn stop_running_hooks(
        &self,
        name: &str,
        project: Option<&Project>,
        services: &[String],
        timeout: Option<Duration>,
        pre_stop: bool,
    ) -> Result<Plan, ComposeError> {
        let (observed, selected) = self.look(name, project, services).await?;
        let plan = plan::plan_stop(project, &observed, &selected, timeout, pre_stop);
        self.execute(name, &plan).await?;
        Ok(plan)
    }

    /// Stops and starts again the containers of `services` (all when empty) and, unless
    /// `no_deps`, of the services that depend on them with `restart: true`.
    pub async fn restart(
        &self,
        name: &str,
        project: Option<&Project>,
        services: &[String],
        no_deps: bool,
        timeout: Option<Duration>,
    ) -> Result<Plan, ComposeError> {
        let (observed, selected) = self.look(name, project, services).await?;
        let plan = plan::plan_restart(project, &observed, &selected, no_deps, timeout);
        self.execute(name, &plan).await?;
        Ok(plan)
    }

    /// Sends `signal` (default SIGKILL) to the running containers of `services`, and to those
    /// of services the file no longer has when `orphans` (`--remove-orphans`).
    pub async fn kill(
        &self,
        name: &str,
        project: Option<&Project>,
        services: &[String],
        signal: Option<&str>,
        orphans: bool,
    ) -> Result<Plan, ComposeError> {
        let (observed, selected) = self.look(name, project, services).await?;
        let plan = plan::plan_kill(project, &observed, &selected, signal, orphans);
        self.execute(name, &plan).await?;
        Ok(plan)
    }

    /// Pauses the running containers of `services` (all when empty).
    pub async fn pause(&self, name: &str, project: Option<&Project>, services: &[String]) -> Result<Plan, ComposeError> {
        let (observed, selected) = self.look(name, project, services).await?;
        let plan = plan::plan_pause(&observed, &selected);
        self.execute(name, &plan).await?;
        Ok(plan)
    }

    /// Unpauses the paused containers of `services` (all when empty).
    pub async fn unpause(&self, name: &str, project: Option<&Project>, services: &[String]) -> Result<Plan, ComposeError> {
        let (observed, selected) = self.look(name, project, services).await?;
        let plan = plan::plan_unpause(&observed, &selected);
        self.execute(name, &plan).await?;
        Ok(plan)
    }

    /// The plan of `rm`, to show (and confirm) before [`Compose::apply`] carries it out.
    pub async fn plan_rm(
        &self,
        name: &str,
        project: Option<&Project>,
        services: &[String],
        opts: &RmOptions,
    ) -> Result<Plan, ComposeError> {
        let (observed, selected) = self.look(name, project, services).await?;
        Ok(plan::plan_rm(project, &observed, &selected, opts.stop, opts.volumes, opts.timeout))
    }

    /// Carries out a plan made by one of the `plan_*` methods.
    pub async fn apply(&self, name: &str, plan: &Plan) -> Result<(), ComposeError> {
        self.execute(name, plan).await
    }

    /// The engine's state and the named services. A name the loaded project does not declare is
    /// refused, as Docker Compose refuses it; without a project (`-p` alone) the labels decide,
    /// and an unknown name selects nothing.
    async fn look(&self, name: &str, project: Option<&Project>, services: &[String]) -> Result<(Observed, BTreeSet<String>), ComposeError> {
        if let Some(unknown) = project.and_then(|p| services.iter().find(|s| !p.services.contains_key(*s))) {
            return Err(ComposeError::NoSuchService(unknown.clone()));
        }
        let observed = observe(self.engine.as_ref(), name, project, &BTreeMap::new()).await?;
        Ok((observed, services.iter().cloned().collect()))
    }
}
