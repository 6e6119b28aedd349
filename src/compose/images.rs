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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::engine::{Engine, FakeEngine, LabelFilter};
    use crate::output::{Detail, Event};
    use crate::reconcile::labels;

    /// A project `p` in a directory that outlives it (builds read their context).
    fn project_in(dir: &std::path::Path, yaml: &str) -> Project {
        std::fs::write(dir.join("compose.yaml"), yaml).unwrap();
        std::fs::write(dir.join("Dockerfile"), "FROM busybox").unwrap();
        let opts = crate::loader::Options { project_name: Some("p".into()), cwd: dir.to_path_buf(), environ: Vec::new(), ..Default::default() };
        crate::loader::load(&opts).unwrap_or_else(|e| panic!("{e}")).project
    }

    /// A runtime on a fake engine that records progress events and output lines.
    fn compose() -> (Arc<FakeEngine>, Compose, Arc<Mutex<Vec<String>>>) {
        let fake = Arc::new(FakeEngine::new());
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut c = Compose::new(fake.clone());
        let (events, details) = (seen.clone(), seen.clone());
        c.events = Arc::new(move |e: &Event| events.lock().unwrap().push(format!("{} {} {}", e.kind, e.name, e.status)));
        c.details = Arc::new(move |d: &Detail| details.lock().unwrap().push(format!("[{}] {}", d.name, d.text)));
        (fake, c, seen)
    }

    async fn web_container(fake: &FakeEngine) -> (String, String) {
        let all = fake.list_containers(true, &LabelFilter::new()).await.unwrap();
        let web = all.iter().find(|c| c.name() == "p-web-1").expect("p-web-1");
        (web.id.clone(), web.labels[labels::IMAGE].clone())
    }

    #[tokio::test]
    async fn up_builds_what_is_missing_and_recreates_after_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let p = project_in(dir.path(), "services:\n  web:\n    build: .\n  db:\n    image: busybox\n");
        let (fake, c, seen) = compose();
        c.up(&p, &super::super::UpOptions::default()).await.unwrap();
        let built = fake.inspect_image("p-web").await.unwrap().id;
        let (first, label) = web_container(&fake).await;
        assert_eq!(label, built, "the container records the image it was made from");
        let lines = seen.lock().unwrap().clone();
        for line in ["Image p-web Building", "[web] Step 1/1 : fake build of Dockerfile", "Image p-web Built", "Image busybox Pulled"] {
            assert!(lines.iter().any(|l| l == line), "{line:?} in {lines:#?}");
        }
        assert!(lines.iter().any(|l| l.starts_with("[busybox] Status: Downloaded newer image")), "{lines:#?}");

        c.up(&p, &super::super::UpOptions::default()).await.unwrap();
        assert_eq!(web_container(&fake).await.0, first, "nothing rebuilt, nothing recreated");

        let mut again = super::super::UpOptions::default();
        again.converge.images.build = true;
        c.up(&p, &again).await.unwrap();
        let (second, label) = web_container(&fake).await;
        assert_ne!(second, first, "recreated on the rebuilt image");
        assert_eq!(label, fake.inspect_image("p-web").await.unwrap().id);
        assert_ne!(label, built);
    }

    #[tokio::test]
    async fn build_and_pull_commands() {
        let dir = tempfile::tempdir().unwrap();
        let p = project_in(dir.path(), "services:\n  web:\n    build: .\n  db:\n    image: busybox\n");
        let (fake, c, _) = compose();
        let plan = c.build(&p, &BuildOptions::default()).await.unwrap();
        assert_eq!(plan.steps.len(), 1, "{plan}");
        assert!(fake.inspect_image("p-web").await.is_ok());
        assert!(fake.inspect_image("busybox").await.is_err(), "build pulls nothing");
        c.pull(&p, &PullOptions::default()).await.unwrap();
        assert!(fake.inspect_image("busybox").await.is_ok());
        let e = c.build(&p, &BuildOptions { services: vec!["nope".into()], ..Default::default() }).await.unwrap_err();
        assert_eq!(e.to_string(), "no such service: nope");
    }
}
