//! `pre_start` hooks (Docker Compose v5's init containers), planned as Docker Compose v5.5 runs
//! them (`pkg/compose/pre_start.go`): each hook runs to completion, in declared order, in a
//! container of its own, `project-service-pre_start-N`, made from the service's container spec
//! with the hook's command (and its `user`, `privileged`, `working_dir`, `environment` over
//! the service's), the service container's volumes (`volumes_from`) and networks. It runs
//! after the service's dependencies are ready and before its containers start; a non-zero exit
//! fails the step, so they are not started.
//!
//! As in v5.5, the hook containers ("runners") are made by `up` (and `create`) when none of the
//! service's containers is left running and one is created, recreated or started
//! ([`prepare`]), and are consumed when the service starts ([`run`]): by the same `up`, or by
//! the start of attached `up`, or `start` after `create` or `up --no-start`, which find them in
//! the `created` state ([`waiting`]). A `start` that finds none (the service was only stopped:
//! its previous start consumed them) is refused, as v5.5 refuses it; `up` makes new ones. The
//! hooks do not run on `restart`, nor for replicas added beside a running one (v5.5's "not
//! re-triggered on scale up").
//!
//! A hook's container is removed (with its anonymous volumes) once the hook succeeded; a failed
//! one is kept for `docker logs`, as v5.5 keeps it, and removed by the next `up` that prepares
//! the hooks, or by `down`.

use super::{hard, Edge, OnFailure, Op, Plan, PlanError, StepId, StepLabel, Target};
use crate::engine::{ContainerSpec, ContainerStatus};
use crate::model::{Project, Service, ServiceHook};
use crate::reconcile::convert::{self, Context};
use crate::reconcile::labels;
use crate::reconcile::observe::{Observed, ObservedContainer};

/// The kind written in the `com.docker.compose.hook` label.
pub const KIND: &str = "pre_start";

/// A hook container to run: the hook's index, the container, and the steps that make it.
pub type Runner = (usize, Target, Vec<Edge>);

/// Plans the creation of the containers of `s`'s `pre_start` hooks, lent the volumes of the
/// service's container named `of`, after `after` (the step that creates that container); a
/// container of the same hook an earlier run left is removed first. Returns the runners.
pub fn prepare(plan: &mut Plan, project: &Project, observed: &Observed, s: &Service, of: &str, after: &[Edge]) -> Vec<Runner> {
    let mut runners = Vec::new();
    for (index, hook) in s.pre_start.iter().enumerate() {
        let name = labels::pre_start_name(project, s, index);
        let mut first = after.to_vec();
        // A container of this hook left by an earlier run (a failed hook's, kept for
        // inspection, or a runner never started) has the name this one needs.
        let left = observed.hooks.iter().filter(|c| c.name() == name || (c.service == s.name && index_of(c) == Some(index)));
        for old in left {
            plan.decide(format!("{} pre_start[{index}]", s.name), "remove", format!("container {} left by an earlier run", old.name()));
            let target = Target { name: old.name().to_string(), id: Some(old.id().to_string()) };
            let step = plan.push(Op::RemoveContainer { target, volumes: true }, first.clone(), None);
            first.extend(hard([step]));
        }
        let spec = hook_spec(project, s, hook, index, of);
        let op = Op::CreateContainer { spec: Box::new(spec), image_label: None, hash: None };
        let create = plan.push(op, first, None);
        runners.push((index, Target::name(name), hard([create])));
    }
    runners
}

/// The runners of `s` that wait in the `created` state (made by `create`, `up --no-start` or
/// the create phase of attached `up`), by index.
pub fn waiting(observed: &Observed, s: &Service) -> Vec<Runner> {
    let mut runners: Vec<Runner> = observed
        .hooks
        .iter()
        .filter(|c| c.service == s.name && c.state() == ContainerStatus::Created && c.label(labels::HOOK) == Some(KIND))
        .filter_map(|c| {
            index_of(c)
                .filter(|i| *i < s.pre_start.len())
                .map(|i| (i, Target { name: c.name().to_string(), id: Some(c.id().to_string()) }, Vec::new()))
        })
        .collect();
    runners.sort_by_key(|(i, t, _)| (*i, t.name.clone()));
    runners.dedup_by_key(|(i, ..)| *i);
    runners
}

/// Plans running `runners` of `s` one after the other, each after `after` and the steps that
/// make it, and the removal of each that succeeded. Returns the step the service's starts wait
/// on, or `None` when there is no runner.
pub fn run(plan: &mut Plan, s: &Service, runners: Vec<Runner>, after: &[Edge]) -> Option<StepId> {
    if runners.is_empty() {
        return None;
    }
    let count = runners.len();
    plan.decide(&s.name, "run pre_start", format!("{count} {} before it starts", if count == 1 { "hook" } else { "hooks" }));
    let mut previous: Option<StepId> = None;
    for (index, target, made) in runners {
        let mut first = after.to_vec();
        first.extend(made);
        first.extend(hard(previous));
        let name = target.name.clone();
        let op = Op::RunPreStart { target: target.clone(), service: s.name.clone(), index };
        let step = plan.push(op, first, StepLabel::new("Container", &name, Some("Starting"), Some("Exited")));
        let remove = plan.push(Op::RemoveContainer { target, volumes: true }, hard([step]), None);
        // A hook that succeeded but whose container could not be removed does not keep the
        // service from starting (v5.5 logs a warning).
        plan.steps[remove].on_failure = OnFailure::Warn;
        previous = Some(step);
    }
    previous
}

/// Refuses a hook with `per_replica: true`, as v5.5 does before it makes anything: the whole
/// plan is refused.
pub fn supported(project: &Project, s: &Service) -> Result<(), PlanError> {
    match s.pre_start.iter().position(|h| h.per_replica) {
        Some(index) => Err(PlanError::PerReplica {
            at: project.located(&format!("services.{}.pre_start[{index}].per_replica", s.name)),
            service: s.name.clone(),
            index,
        }),
        None => Ok(()),
    }
}

/// The images the `pre_start` hooks of `s` run other than the service's.
pub fn images(s: &Service) -> impl Iterator<Item = &str> {
    s.pre_start.iter().map(|h| h.image.as_str()).filter(|i| !i.is_empty())
}

/// The hook index a hook container's label gives, if it reads.
fn index_of(c: &ObservedContainer) -> Option<usize> {
    c.label(labels::HOOK_INDEX).and_then(|i| i.parse().ok())
}

/// The container the `index`-th hook runs in: the service's container spec (image, networks
/// with their aliases, mounts, resources...) with the hook's command, its `user`,
/// `working_dir` and `privileged` when set, its `environment` over the service's, the volumes
/// of container `of`, and labels naming it a hook: no config hash, no replica number (v5.5's
/// `createPreStartContainer`). No restart policy and no auto-removal: a hook that exited stays
/// exited until the plan removes it (v5.5 sets `AutoRemove: false` too; whether its spec keeps
/// the service's `restart` is not known here, rcompose keeps none).
pub fn hook_spec(project: &Project, s: &Service, hook: &ServiceHook, index: usize, of: &str) -> ContainerSpec {
    let mut service = s.clone();
    service.command = hook.command.clone();
    if !hook.image.is_empty() {
        service.image = hook.image.clone();
    }
    if !hook.user.is_empty() {
        service.user = hook.user.clone();
    }
    if !hook.working_dir.is_empty() {
        service.working_dir = hook.working_dir.clone();
    }
    service.privileged |= hook.privileged;
    service.environment.extend(hook.environment.clone());
    let name = labels::pre_start_name(project, s, index);
    let cx = Context { number: 1, name, ..Context::default() };
    let mut spec = convert::container_spec(project, &service, &cx);
    let l = &mut spec.config.labels;
    for key in [labels::CONFIG_HASH, labels::CONTAINER_NUMBER, labels::REPLACE, labels::IMAGE] {
        l.remove(key);
    }
    l.insert(labels::HOOK.into(), KIND.into());
    l.insert(labels::HOOK_INDEX.into(), index.to_string());
    spec.host.volumes_from.push(of.to_string());
    spec.host.restart_policy = None;
    spec.host.auto_remove = false;
    spec
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ContainerStatus, ContainerSummary};
    use crate::reconcile::plan::{plan_up, UpOptions};
    use crate::reconcile::testing::{container, converged, project, steps};

    const HOOKED: &str = "services:\n  web:\n    image: busybox\n    depends_on: [db]\n    pre_start:\n      - command: [\"true\"]\n      \
                          - command: [\"false\"]\n  db:\n    image: busybox\n";

    fn fresh(p: &Project) -> Observed {
        Observed { images: converged(p).images, ..Default::default() }
    }

    #[test]
    fn hooks_run_in_order_after_the_container_is_created_and_before_it_starts() {
        let p = project(HOOKED);
        let plan = plan_up(&p, &fresh(&p), &UpOptions::default()).unwrap();
        assert_eq!(
            steps(&plan),
            [
                "#1 create network p_default",
                "#2 create container p-db-1  after #1",
                "#3 start container p-db-1  after #2",
                "#4 create container p-web-1  after #1",
                "#5 create container p-web-pre_start-0  after #4",
                "#6 create container p-web-pre_start-1  after #4",
                "#7 run pre_start hook 0 of web in container p-web-pre_start-0 to its exit  after #3, #5",
                "#8 remove container p-web-pre_start-0 and its anonymous volumes  after #7  (failure only warns)",
                "#9 run pre_start hook 1 of web in container p-web-pre_start-1 to its exit  after #3, #6, #7",
                "#10 remove container p-web-pre_start-1 and its anonymous volumes  after #9  (failure only warns)",
                "#11 start container p-web-1  after #3, #4, #9",
            ]
        );
        assert!(plan.decisions.iter().any(|d| d.to_string() == "web: run pre_start (2 hooks before it starts)"));
    }

    #[test]
    fn hooks_do_not_run_for_a_running_service_but_do_when_up_starts_a_stopped_one() {
        let p = project(HOOKED);
        let running = converged(&p);
        assert!(!steps(&plan_up(&p, &running, &UpOptions::default()).unwrap()).iter().any(|s| s.contains("pre_start")));
        // Scaled up beside a running replica: not run again.
        let opts = UpOptions { scale: [("web".to_string(), 2)].into(), ..Default::default() };
        let plan = plan_up(&p, &running, &opts).unwrap();
        assert!(steps(&plan).iter().any(|s| s.starts_with("#") && s.contains("create container p-web-2")));
        assert!(!steps(&plan).iter().any(|s| s.contains("pre_start")));
        // Stopped: `up` makes new hook containers and runs them before starting it (v5.5's
        // "up prepares fresh runners"); `start` alone has none to run and refuses.
        let mut stopped = converged(&p);
        stopped.containers.retain(|c| c.service != "web");
        stopped.containers.push(container(&p, "web", 1, ContainerStatus::Exited));
        let plan = steps(&plan_up(&p, &stopped, &UpOptions::default()).unwrap());
        let run = plan.iter().position(|s| s.contains("run pre_start hook 1 of web")).expect("run");
        let start = plan.iter().position(|s| s.contains("start container p-web-1")).expect("started");
        assert!(run < start, "{plan:#?}");
        let err = crate::reconcile::plan::plan_start(&p, &stopped, &Default::default()).unwrap_err().to_string();
        assert!(
            err.starts_with("service \"web\" pre_start[0]: no hook runner container found") && err.contains("`docker compose up web`"),
            "{err}"
        );
    }

    #[test]
    fn a_changed_hook_changes_the_config_hash_so_the_service_is_recreated_and_its_hooks_run_again() {
        let p = project(HOOKED);
        let changed = project(&HOOKED.replace("[\"false\"]", "[\"true\"]"));
        let plan = plan_up(&changed, &converged(&p), &UpOptions::default()).unwrap();
        let web = plan.decisions.iter().find(|d| d.subject == "web").expect("web decided");
        assert_eq!(web.action, "recreate", "{web}");
        assert!(steps(&plan).iter().any(|s| s.contains("run pre_start hook 1 of web")));
    }

    #[test]
    fn a_hook_may_run_another_image_pulled_when_missing_and_per_replica_is_refused() {
        let p = project(&HOOKED.replace("- command: [\"true\"]", "- command: [\"true\"]\n        image: alpine:3"));
        let s = &p.services["web"];
        assert_eq!(hook_spec(&p, s, &s.pre_start[0], 0, "p-web-1").config.image, "alpine:3");
        assert_eq!(hook_spec(&p, s, &s.pre_start[1], 1, "p-web-1").config.image, "busybox", "the service's by default");
        let images = crate::reconcile::plan::plan_images(&p, &fresh(&p), &Default::default(), &Default::default()).unwrap();
        assert_eq!(steps(&images), ["#1 pull image alpine:3 for service web"]);
        let mut o = fresh(&p);
        o.images.insert("alpine:3".into(), Some("sha256:a".into()));
        assert!(crate::reconcile::plan::plan_images(&p, &o, &Default::default(), &Default::default()).unwrap().steps.is_empty());

        let p = project(&HOOKED.replace("- command: [\"false\"]", "- command: [\"false\"]\n        per_replica: true"));
        let err = plan_up(&p, &fresh(&p), &UpOptions::default()).unwrap_err().to_string();
        assert!(err.ends_with("services.web.pre_start[1].per_replica: service \"web\" pre_start[1]: per_replica is not yet supported; remove per_replica or set it to false"), "{err}");
        assert!(err.starts_with("compose.yaml:") || err.contains("compose.yaml:"), "{err}");
    }

    /// A hook container as [`prepare`] makes it, in `state`.
    fn runner(p: &Project, index: usize, state: ContainerStatus) -> ObservedContainer {
        let s = &p.services["web"];
        let spec = hook_spec(p, s, &s.pre_start[index], index, "p-web-1");
        let summary = ContainerSummary {
            id: format!("{index}").repeat(64),
            names: vec![labels::pre_start_name(p, s, index)],
            state,
            labels: spec.config.labels,
            ..Default::default()
        };
        ObservedContainer::from_summary(summary)
    }

    #[test]
    fn the_runners_up_no_start_makes_run_when_the_service_starts() {
        let p = project(HOOKED);
        let no_start = UpOptions { no_start: true, ..Default::default() };
        let created = steps(&plan_up(&p, &fresh(&p), &no_start).unwrap());
        assert!(created.iter().any(|s| s.contains("create container p-web-pre_start-1")), "{created:#?}");
        assert!(!created.iter().any(|s| s.contains("run pre_start")), "{created:#?}");
        // What the engine then holds: every container created, the runners too.
        let mut o = converged(&p);
        o.containers = ["db", "web"].iter().map(|s| container(&p, s, 1, ContainerStatus::Created)).collect();
        o.hooks = vec![runner(&p, 1, ContainerStatus::Created), runner(&p, 0, ContainerStatus::Created)];
        let started = crate::reconcile::plan::plan_start(&p, &o, &Default::default()).unwrap();
        let started = steps(&started);
        let run = |i: usize| started.iter().position(|s| s.contains(&format!("run pre_start hook {i} of web"))).expect("run");
        let web = started.iter().position(|s| s.contains("start container p-web-1")).unwrap();
        assert!(run(0) < run(1) && run(1) < web && started[web].contains(&format!("#{}", run(1) + 1)), "{started:#?}");
        assert!(started.iter().any(|s| s.contains("remove container p-web-pre_start-0 (000000000000)")), "{started:#?}");
        // `up -d` after `up --no-start` makes them anew and runs them.
        let up = steps(&plan_up(&p, &o, &UpOptions::default()).unwrap());
        assert!(up.iter().any(|s| s.contains("remove container p-web-pre_start-0 (000000000000)")), "{up:#?}");
        assert!(up.iter().any(|s| s.contains("run pre_start hook 1 of web")), "{up:#?}");
        // A failed hook's container is no runner: `start` refuses.
        o.hooks = vec![runner(&p, 0, ContainerStatus::Exited), runner(&p, 1, ContainerStatus::Created)];
        let err = crate::reconcile::plan::plan_start(&p, &o, &Default::default()).unwrap_err();
        assert!(err.to_string().starts_with("service \"web\" pre_start[0]: no hook runner"), "{err}");
    }

    #[test]
    fn a_recreated_service_runs_its_hooks_after_the_rename() {
        let p = project(HOOKED);
        let opts = UpOptions { recreate: crate::reconcile::plan::Recreate::Force, ..Default::default() };
        let plan = plan_up(&p, &converged(&p), &opts).unwrap();
        let steps = steps(&plan);
        let rename = steps.iter().position(|s| s.contains("rename container") && s.contains("to p-web-1")).expect("renamed");
        let hook = steps.iter().position(|s| s.contains("create container p-web-pre_start-0")).expect("hooks planned");
        assert!(steps[hook].contains(&format!("#{}", rename + 1)), "{steps:#?}");
    }

    #[test]
    fn a_container_an_earlier_run_left_is_removed_first() {
        let p = project(HOOKED);
        let mut o = fresh(&p);
        let spec = hook_spec(&p, &p.services["web"], &p.services["web"].pre_start[0], 0, "p-web-1");
        let summary = ContainerSummary {
            id: "f".repeat(64),
            names: vec!["p-web-pre_start-0".into()],
            state: ContainerStatus::Exited,
            labels: spec.config.labels,
            ..Default::default()
        };
        o.hooks.push(ObservedContainer::from_summary(summary));
        let plan = plan_up(&p, &o, &UpOptions::default()).unwrap();
        let steps = steps(&plan);
        let remove = steps.iter().position(|s| s.contains("remove container p-web-pre_start-0 (ffffffffffff)")).expect("removed");
        let create = steps.iter().position(|s| s.contains("create container p-web-pre_start-0")).unwrap();
        assert!(remove < create && steps[create].contains(&format!("#{}", remove + 1)), "{steps:#?}");
        // `down` removes it too.
        let down = crate::reconcile::plan::plan_down("p", Some(&p), &o, &Default::default());
        assert!(down.to_string().contains("remove container p-web-pre_start-0"), "{down}");
    }

    #[test]
    fn a_hook_container_is_the_service_container_with_the_hook_over_it() {
        let p = project(
            "services:\n  web:\n    image: busybox\n    user: nobody\n    working_dir: /srv\n    restart: always\n    labels: [team=a]\n    \
             environment: [A=service, B=service]\n    volumes: [data:/data]\n    pre_start:\n      - command: sh -c 'echo hi'\n        \
             user: root\n        privileged: true\n        environment: [B=hook, C]\nvolumes:\n  data: {}\n",
        );
        let s = &p.services["web"];
        let spec = hook_spec(&p, s, &s.pre_start[0], 0, "p-web-1");
        assert_eq!(spec.name.as_deref(), Some("p-web-pre_start-0"));
        assert_eq!(spec.config.cmd.as_deref(), Some(&["sh".to_string(), "-c".into(), "echo hi".into()][..]));
        assert_eq!((spec.config.user.as_deref(), spec.config.working_dir.as_deref()), (Some("root"), Some("/srv")));
        assert!(spec.host.privileged);
        assert_eq!(spec.config.env, ["A=service", "B=hook", "C"]);
        assert_eq!(spec.host.volumes_from, ["p-web-1"]);
        assert_eq!(spec.host.restart_policy, None);
        assert_eq!(spec.config.image, "busybox");
        let l = &spec.config.labels;
        assert_eq!((l[labels::HOOK].as_str(), l[labels::HOOK_INDEX].as_str(), l[labels::SERVICE].as_str()), ("pre_start", "0", "web"));
        assert_eq!(l["team"], "a");
        assert!(!l.contains_key(labels::CONFIG_HASH) && !l.contains_key(labels::CONTAINER_NUMBER));
        // The service's own mounts come with it, as v5.5 creates the hook from the service's spec.
        assert!(
            spec.host.binds.iter().any(|b| b.ends_with(":/data:rw")) || spec.host.mounts.iter().any(|m| m.target == "/data"),
            "{spec:?}"
        );
    }
}
