//! The decision `up` makes about each existing container it keeps: recreate it, start it, or
//! leave it as it is, with the reason the plan prints (`web: recreate (environment.DB_URL
//! changed)`). A pure function of the container and of what the service wants, so that every
//! rule is tested alone; [`super::Up::service`] only gathers the inputs and turns the decision
//! into steps.

use super::Recreate;
use crate::engine::{ContainerSpec, ContainerStatus};
use crate::reconcile::observe::ObservedContainer;
use crate::reconcile::plan::diff;

/// What happens to an existing container, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Replace it with a new container.
    Recreate(String),
    /// It is stopped (or was never started): start it. The reason is its state.
    Start(String),
    /// Leave it: it runs as wanted (the reason is empty), or it is stopped and `--no-start`
    /// leaves it so.
    UpToDate(String),
}

impl Decision {
    /// The verb the plan prints.
    pub fn verb(&self) -> &'static str {
        match self {
            Decision::Recreate(_) => "recreate",
            Decision::Start(_) => "start",
            Decision::UpToDate(_) => "up to date",
        }
    }

    /// Why, as the plan prints it (may be empty).
    pub fn reason(&self) -> &str {
        match self {
            Decision::Recreate(r) | Decision::Start(r) | Decision::UpToDate(r) => r,
        }
    }
}

/// What a service wants of each of its existing containers: the same for all of them.
#[derive(Debug, Clone, Copy)]
pub struct Wanted<'a> {
    /// When to recreate: `--force-recreate`, `--no-recreate`, or when diverged.
    pub policy: Recreate,
    /// The flag that set a `Force` policy, given as the reason (`--force-recreate`, or
    /// `--always-recreate-deps` for a dependency).
    pub flag: &'static str,
    /// The config hash label the container must carry. `None` when it cannot be known yet: the
    /// service refers to a container this plan creates (`network_mode: service:db`), whose id
    /// goes into the hash; the container then has to be recreated.
    pub hash: Option<&'a str>,
    /// The services whose new containers `hash` waits for (for the reason).
    pub awaited: &'a str,
    /// The image reference the service runs.
    pub image: &'a str,
    /// The id of that image on the engine, if known and not about to be rebuilt.
    pub image_id: Option<&'a str>,
    /// This plan rebuilds the image (`up --dry-run --build`): the container is planned as
    /// recreated, as Docker Compose's dry run shows it.
    pub rebuilt: bool,
    /// A service this one depends on whose container this plan recreates: as Docker Compose
    /// 2.26.1 does, the dependent is recreated too (it may hold the old address or namespace).
    pub dependency_recreated: Option<&'a str>,
    /// `--no-start`: a stopped container stays stopped.
    pub no_start: bool,
}

/// The decision for container `c`, which would be created today as `spec`.
pub fn decide(c: &ObservedContainer, spec: &ContainerSpec, w: &Wanted) -> Decision {
    if let Some(why) = why_recreate(c, spec, w) {
        return Decision::Recreate(why);
    }
    if c.is_up() {
        Decision::UpToDate(String::new())
    } else if w.no_start {
        Decision::UpToDate(format!("{}, not started: --no-start", c.state()))
    } else {
        Decision::Start(stopped_reason(c))
    }
}

/// Why `c` must be replaced, if it must: the first of the forcing flag, a changed
/// configuration or image (named field by field, see [`diff::why_recreate`]), a rebuilt
/// image, a recreated dependency, or a hash that waits for a new container.
fn why_recreate(c: &ObservedContainer, spec: &ContainerSpec, w: &Wanted) -> Option<String> {
    match w.policy {
        Recreate::Force => Some(w.flag.to_string()),
        Recreate::Never => None,
        Recreate::Diverged => match w.hash {
            Some(hash) => diff::why_recreate(c, spec, hash, w.image_id)
                .or_else(|| w.rebuilt.then(|| format!("image {} is rebuilt", w.image)))
                .or_else(|| w.dependency_recreated.map(|d| format!("{d} is recreated"))),
            // The label holds the id of a container this plan replaces (or that is gone).
            None => {
                Some(w.dependency_recreated.map_or_else(|| format!("{} has a new container", w.awaited), |d| format!("{d} is recreated")))
            }
        },
    }
}

fn stopped_reason(c: &ObservedContainer) -> String {
    match c.state() {
        ContainerStatus::Created => "created, never started".into(),
        state => state.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::convert::{self, Context};
    use crate::reconcile::labels;
    use crate::reconcile::testing::{container, project, IMAGE_ID};

    const YAML: &str = "services:\n  web:\n    image: nginx\n    environment: {A: '1'}\n";

    /// The container `up` made of web in `state`, what web wants today (from `yaml`), and the
    /// inputs of a plain `up`.
    fn case(state: ContainerStatus, yaml: &str) -> (ObservedContainer, ContainerSpec, String) {
        let old = container(&project(YAML), "web", 1, state);
        let p = project(yaml);
        let s = &p.services["web"];
        let hash = crate::reconcile::hash::label_hash(s, &Default::default()).expect("no reference");
        let cx = Context {
            number: 1,
            name: labels::container_name(&p, s, 1),
            config_hash: hash.clone(),
            image_id: Some(IMAGE_ID.into()),
            ..Default::default()
        };
        (old, convert::container_spec(&p, s, &cx), hash)
    }

    fn wanted(hash: Option<&str>) -> Wanted<'_> {
        Wanted {
            policy: Recreate::Diverged,
            flag: "--force-recreate",
            hash,
            awaited: "",
            image: "nginx",
            image_id: Some(IMAGE_ID),
            rebuilt: false,
            dependency_recreated: None,
            no_start: false,
        }
    }

    #[test]
    fn an_unchanged_running_container_is_up_to_date() {
        let (c, spec, hash) = case(ContainerStatus::Running, YAML);
        assert_eq!(decide(&c, &spec, &wanted(Some(&hash))), Decision::UpToDate(String::new()));
    }

    #[test]
    fn an_unchanged_stopped_container_is_started_unless_no_start() {
        let (c, spec, hash) = case(ContainerStatus::Exited, YAML);
        assert_eq!(decide(&c, &spec, &wanted(Some(&hash))), Decision::Start("exited".into()));
        let no_start = Wanted { no_start: true, ..wanted(Some(&hash)) };
        assert_eq!(decide(&c, &spec, &no_start), Decision::UpToDate("exited, not started: --no-start".into()));
        let (c, spec, hash) = case(ContainerStatus::Created, YAML);
        assert_eq!(decide(&c, &spec, &wanted(Some(&hash))), Decision::Start("created, never started".into()));
    }

    #[test]
    fn a_changed_configuration_recreates_and_names_the_field() {
        let (c, spec, hash) = case(ContainerStatus::Running, "services:\n  web:\n    image: nginx\n    environment: {A: '2'}\n");
        assert_eq!(decide(&c, &spec, &wanted(Some(&hash))), Decision::Recreate("environment.A changed".into()));
        // --no-recreate keeps it whatever changed.
        let never = Wanted { policy: Recreate::Never, ..wanted(Some(&hash)) };
        assert_eq!(decide(&c, &spec, &never), Decision::UpToDate(String::new()));
    }

    #[test]
    fn a_new_image_recreates() {
        let (c, spec, hash) = case(ContainerStatus::Running, YAML);
        let pulled = Wanted { image_id: Some("sha256:2222"), ..wanted(Some(&hash)) };
        assert_eq!(decide(&c, &spec, &pulled), Decision::Recreate("image nginx changed".into()));
        let rebuilt = Wanted { image_id: None, rebuilt: true, ..wanted(Some(&hash)) };
        assert_eq!(decide(&c, &spec, &rebuilt), Decision::Recreate("image nginx is rebuilt".into()));
    }

    #[test]
    fn the_forcing_flag_is_the_reason() {
        let (c, spec, hash) = case(ContainerStatus::Exited, YAML);
        let force = Wanted { policy: Recreate::Force, flag: "--always-recreate-deps", ..wanted(Some(&hash)) };
        assert_eq!(decide(&c, &spec, &force), Decision::Recreate("--always-recreate-deps".into()));
    }

    #[test]
    fn a_recreated_dependency_or_a_new_referenced_container_recreates() {
        let (c, spec, hash) = case(ContainerStatus::Running, YAML);
        let dep = Wanted { dependency_recreated: Some("db"), ..wanted(Some(&hash)) };
        assert_eq!(decide(&c, &spec, &dep), Decision::Recreate("db is recreated".into()));
        let pending = Wanted { awaited: "p-db-1", ..wanted(None) };
        assert_eq!(decide(&c, &spec, &pending), Decision::Recreate("p-db-1 has a new container".into()));
        let both = Wanted { dependency_recreated: Some("db"), ..pending };
        assert_eq!(decide(&c, &spec, &both), Decision::Recreate("db is recreated".into()));
    }

    #[test]
    fn the_decision_prints_as_the_plan_says_it() {
        let d = Decision::Recreate("x changed".into());
        assert_eq!((d.verb(), d.reason()), ("recreate", "x changed"));
        assert_eq!(Decision::UpToDate(String::new()).verb(), "up to date");
        assert_eq!(Decision::Start("exited".into()).verb(), "start");
    }
}
