//! `run` plans: the one-off container's name, labels and overrides, and what comes before it.

use super::*;
use crate::engine::{ContainerSpec, ContainerStatus};
use crate::reconcile::testing::{container, converged, project, steps};

const APP: &str = r#"
services:
  web:
    image: app
    command: ["serve"]
    restart: always
    ports: ["8080:80"]
    labels: {team: a}
    environment: {MODE: prod, KEEP: "1"}
    cap_drop: [NET_RAW]
    networks: {default: {aliases: [www]}}
    depends_on:
      db: {condition: service_healthy}
  db:
    image: pg
    healthcheck: {test: ["CMD", "true"]}
"#;

const SLUG: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn created(plan: &Plan) -> &ContainerSpec {
    let specs: Vec<&ContainerSpec> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.op {
            Op::CreateContainer { spec, .. } if spec.config.labels.get(labels::ONEOFF).map(String::as_str) == Some("True") => Some(&**spec),
            _ => None,
        })
        .collect();
    assert_eq!(specs.len(), 1, "one one-off container: {plan}");
    specs[0]
}

fn planned(p: &Project, observed: &Observed, o: &OneOff, no_deps: bool) -> Plan {
    let s = one_off_service(p, o, SLUG).unwrap();
    let opts = RunPlanOptions { dependencies: run_dependencies(p, &o.service, no_deps), slug: SLUG.into(), ..Default::default() };
    plan_run(p, observed, &s, o, &opts).unwrap()
}

fn web() -> OneOff {
    OneOff { service: "web".into(), interactive: true, ..Default::default() }
}

#[test]
fn the_one_off_container_is_named_and_labelled_as_docker_compose_does() {
    let p = project(APP);
    let plan = planned(&p, &converged(&p), &web(), false);
    let spec = created(&plan);
    assert_eq!(spec.name.as_deref(), Some("p-web-run-0123456789ab"));
    let l = &spec.config.labels;
    assert_eq!(l[labels::ONEOFF], "True");
    assert_eq!(l[labels::SLUG], SLUG);
    assert_eq!(l[labels::SERVICE], "web");
    assert_eq!(l[labels::DEPENDS_ON], "db:service_healthy:false");
    assert_eq!(l["team"], "a");
    assert!(!l.contains_key(labels::CONTAINER_NUMBER), "no container number: {l:?}");
    assert!(l.contains_key(labels::CONFIG_HASH));
    // No restart policy, no ports without -P, the container's name as its only alias.
    assert!(spec.host.restart_policy.is_none(), "{:?}", spec.host.restart_policy);
    assert!(spec.host.port_bindings.is_empty() && spec.config.exposed_ports.is_empty());
    assert_eq!(spec.networks[0].aliases, ["p-web-run-0123456789ab"]);
    assert!(spec.config.attach_stdin && spec.config.open_stdin && !spec.config.tty && !spec.host.auto_remove);
    assert_eq!(spec.config.cmd.as_deref(), Some(&["serve".to_string()][..]));
}

#[test]
fn flags_override_the_service() {
    let p = project(APP);
    let o = OneOff {
        command: vec!["sh".into(), "-c".into(), "env".into()],
        entrypoint: Some(vec!["/bin/entry".into()]),
        environment: BTreeMap::from([("MODE".into(), "test".into()), ("NEW".into(), "x".into())]),
        labels: BTreeMap::from([("team".into(), "b".into())]),
        volumes: vec!["/host:/data:ro".into()],
        publish: vec!["9000:90".into()],
        use_aliases: true,
        user: Some("1000".into()),
        workdir: Some("/work".into()),
        name: Some("mine".into()),
        cap_add: vec!["NET_RAW".into(), "SYS_ADMIN".into()],
        auto_remove: true,
        tty: true,
        ..web()
    };
    let plan = planned(&p, &converged(&p), &o, false);
    let spec = created(&plan);
    assert_eq!(spec.name.as_deref(), Some("mine"));
    assert_eq!(spec.config.cmd.as_ref().unwrap(), &["sh", "-c", "env"]);
    assert_eq!(spec.config.entrypoint.as_ref().unwrap(), &["/bin/entry"]);
    for e in ["MODE=test", "NEW=x", "KEEP=1"] {
        assert!(spec.config.env.iter().any(|v| v == e), "{e} in {:?}", spec.config.env);
    }
    assert_eq!(spec.config.labels["team"], "b");
    assert_eq!(spec.config.user.as_deref(), Some("1000"));
    assert_eq!(spec.config.working_dir.as_deref(), Some("/work"));
    assert!(spec.host.binds.iter().any(|b| b.starts_with("/host:/data:ro")), "{:?}", spec.host.binds);
    assert_eq!(spec.config.exposed_ports, ["90/tcp"]);
    assert_eq!(spec.host.port_bindings.len(), 1, "{:?}", spec.host.port_bindings);
    assert_eq!(spec.networks[0].aliases, ["mine", "web", "www"]);
    // --cap-add NET_RAW takes it out of the service's cap_drop; capabilities are sent CAP_-prefixed, as 2.40.3 sends them.
    assert_eq!(spec.host.cap_add, ["CAP_NET_RAW", "CAP_SYS_ADMIN"]);
    assert!(spec.host.cap_drop.is_empty(), "{:?}", spec.host.cap_drop);
    assert!(spec.host.auto_remove && spec.config.tty);
}

#[test]
fn an_entrypoint_without_a_command_clears_the_service_command() {
    let p = project(APP);
    let plan = planned(&p, &converged(&p), &OneOff { entrypoint: Some(vec!["env".into()]), ..web() }, false);
    assert_eq!(created(&plan).config.cmd, None);
}

#[test]
fn service_ports_keep_the_service_ports() {
    let p = project(APP);
    let plan = planned(&p, &converged(&p), &OneOff { service_ports: true, ..web() }, false);
    assert_eq!(created(&plan).config.exposed_ports, ["80/tcp"]);
}

#[test]
fn a_bad_publish_or_volume_is_refused() {
    let p = project(APP);
    assert!(matches!(one_off_service(&p, &OneOff { publish: vec!["x:y".into()], ..web() }, SLUG), Err(PlanError::RunFlag { .. })));
    assert!(matches!(one_off_service(&p, &OneOff { volumes: vec!["/x::/y".into()], ..web() }, SLUG), Err(PlanError::RunFlag { .. })));
    assert!(matches!(one_off_service(&p, &OneOff { service: "nope".into(), ..web() }, SLUG), Err(PlanError::NoService(_))));
}

#[test]
fn dependencies_come_first_and_are_waited_for_by_their_condition() {
    let p = project(APP);
    let plan = planned(&p, &Observed::default(), &web(), false);
    let text = steps(&plan);
    let position = |needle: &str| text.iter().position(|l| l.contains(needle)).unwrap_or_else(|| panic!("{needle} in {text:#?}"));
    assert!(position("create container p-db-1") < position("start container p-db-1"));
    assert!(position("start container p-db-1") < position("wait for db to be healthy"), "{text:#?}");
    assert!(position("wait for db to be healthy") < position("create container p-web-run-0123456789ab"), "{text:#?}");
    // web's own service container is not created: only the one-off.
    assert!(!text.iter().any(|l| l.contains("p-web-1")), "{text:#?}");
}

#[test]
fn no_deps_plans_the_one_off_container_alone_with_its_network() {
    let p = project(APP);
    let plan = planned(&p, &Observed::default(), &web(), true);
    let text = steps(&plan);
    assert!(!text.iter().any(|l| l.contains("p-db-1") || l.contains("await")), "{text:#?}");
    assert!(text.iter().any(|l| l.contains("create network p_default")), "{text:#?}");
}

#[test]
fn exited_run_containers_are_orphans_and_running_ones_are_not() {
    let p = project(APP);
    let mut o = converged(&p);
    for (name, state) in [("p-web-run-aaaaaaaaaaaa", ContainerStatus::Exited), ("p-web-run-bbbbbbbbbbbb", ContainerStatus::Running)] {
        let mut c = container(&p, "web", 1, state);
        c.oneoff = true;
        c.summary.names = vec![name.into()];
        c.summary.id = name.into();
        o.containers.push(c);
    }
    let plan = planned(&p, &o, &web(), false);
    assert!(plan.warnings.iter().any(|w| w.contains("p-web-run-aaaaaaaaaaaa") && !w.contains("bbbb")), "{:?}", plan.warnings);
    let opts = RunPlanOptions {
        dependencies: run_dependencies(&p, "web", false),
        slug: SLUG.into(),
        up: UpOptions { remove_orphans: true, ..Default::default() },
    };
    let plan = plan_run(&p, &o, &one_off_service(&p, &web(), SLUG).unwrap(), &web(), &opts).unwrap();
    let text = steps(&plan);
    assert!(text.iter().any(|l| l.contains("remove container p-web-run-aaaaaaaaaaaa")), "{text:#?}");
    assert!(!text.iter().any(|l| l.contains("bbbbbbbbbbbb")), "{text:#?}");
}

/// `run` containers in `o`: one exited, one running, on the project's default network.
fn with_run_containers(p: &Project, o: &mut Observed) {
    for (name, state) in [("p-web-run-aaaaaaaaaaaa", ContainerStatus::Exited), ("p-web-run-bbbbbbbbbbbb", ContainerStatus::Running)] {
        let mut c = container(p, "web", 1, state);
        c.oneoff = true;
        c.summary.names = vec![name.into()];
        c.summary.id = name.into();
        c.summary.networks.insert("p_default".into(), Default::default());
        o.containers.push(c);
    }
}

#[test]
fn down_leaves_run_containers_and_the_network_they_use_and_remove_orphans_takes_the_exited_ones() {
    use crate::reconcile::plan::{plan_down, DownOptions};
    let p = project(APP);
    let mut o = converged(&p);
    with_run_containers(&p, &mut o);
    let plan = plan_down("p", Some(&p), &o, &DownOptions::default());
    let text = steps(&plan);
    assert!(text.iter().any(|l| l.contains("remove container p-web-1")), "{text:#?}");
    assert!(!text.iter().any(|l| l.contains("-run-")), "{text:#?}");
    assert!(!text.iter().any(|l| l.contains("remove network")), "{text:#?}");
    assert!(plan.warnings.iter().any(|w| w.contains("network p_default is still in use")), "{:?}", plan.warnings);

    let plan = plan_down("p", None, &o, &DownOptions { remove_orphans: true, ..Default::default() });
    let text = steps(&plan);
    assert!(text.iter().any(|l| l.contains("remove container p-web-run-aaaaaaaaaaaa")), "{text:#?}");
    assert!(!text.iter().any(|l| l.contains("bbbbbbbbbbbb")), "{text:#?}");
}

#[test]
fn a_relative_volume_path_is_the_project_directorys() {
    let p = project(APP);
    let o = OneOff { volumes: vec!["./sub:/x".into(), "~/h:/h".into()], home: Some("/home/me".into()), ..web() };
    let s = one_off_service(&p, &o, SLUG).unwrap();
    let sources: Vec<&str> = s.volumes.iter().map(|m| m.source.as_str()).collect();
    assert_eq!(sources, [p.working_dir.join("sub").display().to_string().as_str(), "/home/me/h"]);
}
