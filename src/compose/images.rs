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
    /// Also build what the named services depend on, transitively (`--with-dependencies`).
    pub with_dependencies: bool,
    /// `--no-cache`, `--pull`, `--build-arg`, `--memory`, `--ssh`.
    pub overrides: Overrides,
    /// Push the built images that services name with `image:` (`--push`).
    pub push: bool,
    /// `--builder`: a buildx builder, which the classic builder cannot use (see [`builder_warning`]).
    pub builder: Option<String>,
}

/// What `pull` pulls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullOptions {
    /// Services whose images to pull; empty for all.
    pub services: Vec<String>,
    /// Also pull the images of what the named services depend on (`--include-deps`).
    pub include_deps: bool,
    /// `--ignore-pull-failures`, `--ignore-buildable`, `--policy`.
    pub pull: plan::PullOptions,
}

/// What `push` pushes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// Services whose images to push; empty for all.
    pub services: Vec<String>,
    /// Also push the images of what the named services depend on (`--include-deps`).
    pub include_deps: bool,
    /// A failed push is a warning (`--ignore-push-failures`).
    pub ignore_failures: bool,
}

/// What `--builder NAME` gets: `default` is the engine's own builder, which builds here too;
/// any other name is a buildx builder, which is not used (rcompose talks to the engine's
/// classic builder only), and the user is told so rather than left to guess.
pub fn builder_warning(builder: Option<&str>) -> Option<String> {
    match builder {
        None | Some("") | Some("default") => None,
        Some(name) => Some(format!(
            "--builder {name}: rcompose builds with the Docker engine's classic builder, not with buildx builders; builder {name:?} is not used"
        )),
    }
}

impl Compose {
    /// Builds the images of the selected services that have a build section (and of their
    /// dependencies, when asked), then pushes them when asked.
    pub async fn build(&self, project: &Project, opts: &BuildOptions) -> Result<Plan, ComposeError> {
        let mut services = self.known(project, &opts.services)?;
        if opts.with_dependencies && !services.is_empty() {
            services = crate::graph::Graph::new(project).with_dependencies(&opts.services);
        }
        if let Some(w) = builder_warning(opts.builder.as_deref()) {
            (self.warn)(&w);
        }
        let plan = plan::plan_build(project, &services, &opts.overrides, opts.push)?;
        self.execute(&project.name, &plan).await?;
        Ok(plan)
    }

    /// Pulls the images of the selected services.
    pub async fn pull(&self, project: &Project, opts: &PullOptions) -> Result<Plan, ComposeError> {
        let mut services = self.known(project, &opts.services)?;
        if opts.include_deps && !services.is_empty() {
            services = crate::graph::Graph::new(project).with_dependencies(&opts.services);
        }
        let observed = observe(self.engine.as_ref(), &project.name, Some(project), &BTreeMap::new()).await?;
        let plan = plan::plan_pull(project, &observed, &services, &opts.pull);
        self.execute(&project.name, &plan).await?;
        Ok(plan)
    }

    /// Pushes the images of the selected services that build them and name them, to their
    /// registries.
    pub async fn push(&self, project: &Project, opts: &PushOptions) -> Result<Plan, ComposeError> {
        let mut services = self.known(project, &opts.services)?;
        if opts.include_deps && !services.is_empty() {
            services = crate::graph::Graph::new(project).with_dependencies(&opts.services);
        }
        let plan = plan::plan_push(project, &services, opts.ignore_failures);
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
    use crate::reconcile::plan;

    /// A project `p` in a directory that outlives it (builds read their context).
    fn project_in(dir: &std::path::Path, yaml: &str) -> Project {
        std::fs::write(dir.join("compose.yaml"), yaml).unwrap();
        std::fs::write(dir.join("Dockerfile"), "FROM busybox").unwrap();
        let opts =
            crate::loader::Options { project_name: Some("p".into()), cwd: dir.to_path_buf(), environ: Vec::new(), ..Default::default() };
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

    #[tokio::test]
    async fn with_dependencies_and_include_deps_follow_depends_on() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "services:\n  app:\n    build: .\n    image: app:1\n    depends_on: [lib]\n  lib:\n    build: {context: ., args: {L: '1'}}\n    image: lib:1\n    depends_on: [db]\n  db:\n    image: busybox\n";
        let p = project_in(dir.path(), yaml);
        let (fake, c, _) = compose();
        let app = || vec!["app".to_string()];
        c.build(&p, &BuildOptions { services: app(), ..Default::default() }).await.unwrap();
        assert!(fake.inspect_image("app:1").await.is_ok());
        assert!(fake.inspect_image("lib:1").await.is_err(), "without --with-dependencies only app is built");
        c.build(&p, &BuildOptions { services: app(), with_dependencies: true, ..Default::default() }).await.unwrap();
        assert!(fake.inspect_image("lib:1").await.is_ok(), "lib is built as app's dependency");

        let pulled = |fake: &FakeEngine| {
            let mut v: Vec<String> = fake.calls().into_iter().filter(|c| c.starts_with("pull_image")).collect();
            v.sort();
            v
        };
        fake.clear_calls();
        c.pull(
            &p,
            &PullOptions {
                services: app(),
                pull: plan::PullOptions { policy: Some(plan::PullPolicy::Always), ..Default::default() },
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(pulled(&fake), ["pull_image app:1"]);
        fake.clear_calls();
        let deps = PullOptions {
            services: app(),
            include_deps: true,
            pull: plan::PullOptions { policy: Some(plan::PullPolicy::Always), ..Default::default() },
        };
        c.pull(&p, &deps).await.unwrap();
        assert_eq!(pulled(&fake), ["pull_image app:1", "pull_image busybox", "pull_image lib:1"]);
        fake.clear_calls();
        let buildable = PullOptions {
            pull: plan::PullOptions { ignore_buildable: true, policy: Some(plan::PullPolicy::Always), ..Default::default() },
            ..deps
        };
        c.pull(&p, &buildable).await.unwrap();
        assert_eq!(pulled(&fake), ["pull_image busybox"], "--ignore-buildable skips app and lib");
    }

    #[tokio::test]
    async fn build_push_and_builder() {
        let dir = tempfile::tempdir().unwrap();
        let p = project_in(dir.path(), "services:\n  web:\n    build: .\n    image: reg.example:5000/web:1\n");
        let (fake, mut c, _) = compose();
        let warnings: Arc<Mutex<Vec<String>>> = Arc::default();
        let sink = warnings.clone();
        c.warn = Arc::new(move |w: &str| sink.lock().unwrap().push(w.to_string()));
        c.build(&p, &BuildOptions { push: true, builder: Some("default".into()), ..Default::default() }).await.unwrap();
        let calls = fake.calls();
        let (built, pushed) =
            (calls.iter().position(|c| c.starts_with("build_image")), calls.iter().position(|c| c == "push_image reg.example:5000/web:1"));
        assert!(built.is_some() && pushed > built, "pushed after the build: {calls:?}");
        assert!(warnings.lock().unwrap().is_empty(), "the default builder is the engine's own");
        c.build(&p, &BuildOptions { builder: Some("remote".into()), ..Default::default() }).await.unwrap();
        assert_eq!(*warnings.lock().unwrap(), [builder_warning(Some("remote")).unwrap()]);
        assert!(warnings.lock().unwrap()[0].contains("builder \"remote\" is not used"));
    }

    #[tokio::test]
    async fn quiet_pull_shows_the_pull_but_not_its_layers() {
        let dir = tempfile::tempdir().unwrap();
        let p = project_in(dir.path(), "services:\n  db:\n    image: busybox\n");
        let (_, c, seen) = compose();
        let mut quiet = super::super::UpOptions::default();
        quiet.converge.images.quiet_pull = true;
        c.up(&p, &quiet).await.unwrap();
        let lines = seen.lock().unwrap().clone();
        assert!(lines.iter().any(|l| l == "Image busybox Pulled"), "{lines:#?}");
        assert!(!lines.iter().any(|l| l.starts_with("[busybox]")), "no layer progress: {lines:#?}");
    }
}
