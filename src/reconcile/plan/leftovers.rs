//! What an interrupted `up` leaves of a recreation, and how the next `up` deals with it.
//!
//! A container is replaced in four calls: create the new one under a temporary name
//! (`<old id12>_<name>`, labelled `com.docker.compose.replace` with the old id), stop the old
//! one, remove it, rename the new one. An `up` killed between two of them leaves, for one
//! replica number of a service:
//!
//! - the old container under the name (running or stopped) and the new one under its temporary
//!   name: the new one is removed (not its volumes: those it inherited are the old one's), and
//!   the old one is planned as usual, which replaces it again if it still diverges;
//! - only the new one, under its temporary name: it is adopted, renamed to the name, and
//!   planned as usual (started if it is what the service wants, else replaced).
//!
//! A replacement is recognised by its labels (the project's, its service and number, and the
//! `replace` label) and by a name other than the one its number gives. Several replacements for
//! one number (two interrupted runs) keep the newest, running first. Pure: the steps go into the
//! plan, and the containers come back as they will be once the steps have run.

use super::{Op, Plan, StepId, StepLabel, Target};
use crate::model::{Project, Service};
use crate::reconcile::labels;
use crate::reconcile::observe::ObservedContainer;

/// What [`tidy`] planned for one service.
pub(super) struct Tidied {
    /// The service's containers (one-off ones left out) as they will be: replacements left by
    /// an interrupted run are gone or carry their name.
    pub containers: Vec<ObservedContainer>,
    /// The steps that remove or rename leftovers: whatever creates or starts a container of the
    /// service waits for them (a new replacement may take a leftover's temporary name).
    pub steps: Vec<StepId>,
}

/// Plans the removal or adoption of the replacements an interrupted `up` left for `s`.
pub(super) fn tidy<'a>(plan: &mut Plan, project: &Project, s: &Service, observed: impl Iterator<Item = &'a ObservedContainer>) -> Tidied {
    let mine: Vec<&ObservedContainer> = observed.filter(|c| c.service == s.name && !c.oneoff).collect();
    let mut out = Tidied { containers: Vec::new(), steps: Vec::new() };
    let mut leftovers: Vec<(&ObservedContainer, String)> = Vec::new();
    for c in &mine {
        let name = labels::container_name(project, s, c.number);
        if c.number > 0 && is_replacement(c, &name) {
            leftovers.push((c, name));
        } else {
            out.containers.push((*c).clone());
        }
    }
    // Newest first, running first: the one to adopt comes first for its number.
    leftovers.sort_by_key(|(c, _)| (!c.is_up(), std::cmp::Reverse(c.summary.created), c.name().to_string()));
    for (c, name) in leftovers {
        let target = Target { name: c.name().to_string(), id: Some(c.id().to_string()) };
        if out.containers.iter().any(|k| k.name() == name) {
            plan.decide(
                c.name(),
                "remove",
                format!("left by an interrupted recreate of {name}, which is still there; its volumes are kept"),
            );
            out.steps.push(plan.push(
                Op::RemoveContainer { target, volumes: false },
                vec![],
                StepLabel::new("Container", c.name(), Some("Removing"), Some("Removed")),
            ));
            continue;
        }
        plan.decide(c.name(), "rename", format!("left by an interrupted recreate: it takes the name {name}"));
        out.steps.push(plan.push(Op::RenameContainer { target, to: name.clone() }, vec![], None));
        let mut adopted = c.clone();
        adopted.summary.names = vec![name];
        out.containers.push(adopted);
    }
    out.containers.sort_by(|a, b| a.name().cmp(b.name()));
    out
}

/// A replacement made by an `up` (the `replace` label) still under a name other than `name`.
fn is_replacement(c: &ObservedContainer, name: &str) -> bool {
    c.label(labels::REPLACE).is_some_and(|r| !r.is_empty()) && c.name() != name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ContainerStatus;
    use crate::reconcile::observe::Observed;
    use crate::reconcile::plan::{plan_up, UpOptions};
    use crate::reconcile::testing::{container, converged, project, steps};

    const YAML: &str = "services:\n  web:\n    image: nginx\n    environment: {A: '1'}\n    volumes: [data:/data]\nvolumes:\n  data: {}\n";

    /// The replacement an `up` of `yaml` creates for `old`, under its temporary name.
    fn replacement(yaml: &str, old: &ObservedContainer, state: ContainerStatus) -> ObservedContainer {
        let mut c = container(&project(yaml), "web", 1, state);
        c.summary.id = format!("new{}", &old.id()[3..]);
        c.summary.names = vec![format!("{}_{}", &old.id()[..12], old.name())];
        c.summary.labels.insert(labels::REPLACE.into(), old.id().to_string());
        c.summary.created = 10;
        c
    }

    const CHANGED: &str =
        "services:\n  web:\n    image: nginx\n    environment: {A: '2'}\n    volumes: [data:/data]\nvolumes:\n  data: {}\n";

    #[test]
    fn a_replacement_beside_its_old_container_is_removed_before_the_next_replacement() {
        let p = project(CHANGED);
        let mut o: Observed = converged(&project(YAML));
        let temp = replacement(CHANGED, &o.containers[0], ContainerStatus::Created);
        let temp_name = temp.name().to_string();
        o.containers.push(temp);
        let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
        let text = plan.to_string();
        assert!(text.contains(&format!("{temp_name}: remove (left by an interrupted recreate of p-web-1")), "{text}");
        assert!(text.contains("web: recreate (environment.A"), "{text}");
        // The removal comes before the create that reuses its temporary name.
        let remove =
            plan.steps.iter().position(|s| matches!(&s.op, Op::RemoveContainer { target, .. } if target.name == temp_name)).unwrap();
        let create = plan.steps.iter().position(|s| matches!(&s.op, Op::CreateContainer { .. })).unwrap();
        assert!(plan.steps[create].after.iter().any(|e| e.step == remove && e.hard), "{text}");
    }

    #[test]
    fn a_lone_replacement_is_adopted_under_its_name_and_started() {
        let p = project(CHANGED);
        let old = container(&project(YAML), "web", 1, ContainerStatus::Running);
        let mut o = converged(&p);
        o.containers = vec![replacement(CHANGED, &old, ContainerStatus::Created)];
        let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
        let text = plan.to_string();
        assert!(text.contains("rename (left by an interrupted recreate: it takes the name p-web-1)"), "{text}");
        assert!(text.contains("web: start (created, never started)"), "{text}");
        assert!(!text.contains("create container"), "nothing is created: {text}");
        let s = steps(&plan);
        let rename = s.iter().position(|l| l.contains("rename")).unwrap();
        let start = s.iter().position(|l| l.contains("start")).unwrap();
        assert!(rename < start, "{s:?}");
        let start_step = plan.steps.iter().position(|s| matches!(s.op, Op::StartContainer(_))).unwrap();
        assert!(plan.steps[start_step].after.iter().any(|e| plan.steps[e.step].op.to_string().contains("rename")), "{text}");
    }

    #[test]
    fn a_lone_replacement_that_diverges_is_adopted_then_replaced() {
        let p =
            project("services:\n  web:\n    image: nginx\n    environment: {A: '3'}\n    volumes: [data:/data]\nvolumes:\n  data: {}\n");
        let old = container(&project(YAML), "web", 1, ContainerStatus::Running);
        let mut o = converged(&p);
        o.containers = vec![replacement(CHANGED, &old, ContainerStatus::Created)];
        let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
        let text = plan.to_string();
        assert!(text.contains("it takes the name p-web-1") && text.contains("web: recreate"), "{text}");
    }

    #[test]
    fn a_converged_project_has_no_leftovers() {
        let p = project(YAML);
        let plan = plan_up(&p, &converged(&p), &UpOptions::default()).unwrap();
        assert!(plan.is_noop(), "{plan}");
    }
}
