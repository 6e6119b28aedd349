//! `build`, `pull`, and the images pass of `up`.

use std::collections::{BTreeMap, BTreeSet};

use super::{Compose, ComposeError};
use crate::build::Overrides;
use crate::model::Project;
use crate::reconcile::observe::{observe, Observed};
use crate::reconcile::plan::{self, Plan};

/// What `build` builds, and how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildOptions {
    /// Services to build; empty for all that have a build section.
    pub services: Vec<String>,
    /// `--no-cache`, `--pull`, `--build-arg`.
    pub overrides: Overrides,
}

/// What `pull` pulls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullOptions {
    /// Services whose images to pull; empty for all.
    pub services: Vec<String>,
    /// A failed pull is a warning (`--ignore-pull-failures`).
    pub ignore_failures: bool,
}

impl Compose {
    /// Builds the images of the selected services that have a build section.
    pub async fn build(&self, project: &Project, opts: &BuildOptions) -> Result<Plan, ComposeError> {
        let services = self.known(project, &opts.services)?;
        let plan = plan::plan_build(project, &services, &opts.overrides)?;
        self.execute(&project.name, &plan).await?;
        Ok(plan)
    }

    /// Pulls the images of the selected services.
    pub async fn pull(&self, project: &Project, opts: &PullOptions) -> Result<Plan, ComposeError> {
        let services = self.known(project, &opts.services)?;
        let observed = observe(self.engine.as_ref(), &project.name, Some(project), &BTreeMap::new()).await?;
        let plan = plan::plan_pull(project, &observed, &services, opts.ignore_failures);
        self.execute(&project.name, &plan).await?;
        Ok(plan)
    }

    /// The images pass of `up`: pulls and builds what `targets` need, then observes the engine
    /// again so that containers are planned against the images just made (a rebuilt image
    /// recreates the containers that ran the old one). Returns the new snapshot and the options
    /// that tell the container pass the images are in place. When dry-running, or when there
    /// is nothing to pull or build, the snapshot is `observed` unchanged.
    pub(super) async fn ensure_images(
        &self,
        project: &Project,
        targets: &BTreeSet<String>,
        observed: Observed,
        hashes: &BTreeMap<String, String>,
        mut converge: plan::UpOptions,
    ) -> Result<(Observed, plan::UpOptions), ComposeError> {
        if self.dry_run {
            return Ok((observed, converge));
        }
        let images = plan::plan_images(project, &observed, targets, &converge.images)?;
        converge.images.ensured = true;
        if images.steps.is_empty() {
            return Ok((observed, converge));
        }
        self.execute(&project.name, &images).await?;
        let observed = observe(self.engine.as_ref(), &project.name, Some(project), hashes).await?;
        Ok((observed, converge))
    }

    fn known(&self, project: &Project, services: &[String]) -> Result<BTreeSet<String>, ComposeError> {
        match services.iter().find(|s| !project.services.contains_key(*s)) {
            Some(unknown) => Err(ComposeError::NoSuchService(unknown.clone())),
            None => Ok(services.iter().cloned().collect()),
        }
    }
}
