//! Planner tests: hand-built engine states in, plans out. No engine.

use std::collections::BTreeSet;

use super::*;
use crate::engine::ContainerStatus;
use crate::reconcile::observe::Observed;
use crate::reconcile::testing::{container, converged, project, steps};

const STACK: &str = r#"
services:
  web:
    image: busybox
    environment: {DB_URL: "db:5432"}
    depends_on:
      db: {condition: service_healthy}
  db:
    image: busybox
    healthcheck: {test: ["CMD", "true"], interval: 200ms}
  cache:
    image: busybox
volumes:
  data:
"#;

fn up(p: &crate::model::Project, o: &Observed) -> Plan {
    plan_up(p, o, &UpOptions::default()).unwrap()
}

fn decisions(plan: &Plan) -> Vec<String> {
    plan.decisions.iter().map(|d| d.to_string()).collect()
}

#[test]
fn from_nothing_everything_is_created_in_order() {
    let p = project(STACK);
    let plan = up(&p, &Observed { images: converged(&p).images, ..Default::default() });
    assert_eq!(
        decisions(&plan),
        [
            "network p_default: create (not found)",
            "cache: create (no container)",
            "db: create (no container)",
            "web: create (no container)"
        ]
    );
    assert_eq!(
        steps(&plan),
        [
            "#1 create network p_default",
            "#2 create container p-cache-1  after #1",
            "#3 start container p-cache-1  after #2",
            "#4 create container p-db-1  after #1",
            "#5 start container p-db-1  after #4",
            "#6 create container p-web-1  after #1",
            "#7 wait for db to be healthy  after #5",
            "#8 start container p-web-1  after #7, #6",
        ]
    );
}

#[test]
fn a_converged_project_needs_no_step() {
    let p = project(STACK);
    let plan = up(&p, &converged(&p));
    assert!(plan.steps.is_empty(), "{plan}");
    assert_eq!(decisions(&plan), ["cache: up to date", "db: up to date", "web: up to date"]);
    assert_eq!(plan.to_string(), "cache: up to date\ndb: up to date\nweb: up to date\nnothing to do\n");
}

#[test]
fn a_changed_service_alone_is_recreated_and_the_reason_names_the_key() {
    let before = project(STACK);
    let observed = converged(&before);
    let after = project(&STACK.replace("db:5432", "db:5433"));
    let plan = up(&after, &observed);
    assert_eq!(decisions(&plan), ["cache: up to date", "db: up to date", "web: recreate (environment.DB_URL changed)"]);
    let id = &observed.containers.iter().find(|c| c.service == "web").unwrap().id()[..12];
    assert_eq!(
        steps(&plan),
        [
            format!("#1 create container {id}_p-web-1"),
            format!("#2 stop container p-web-1 ({id})  after #1"),
            format!("#3 remove container p-web-1 ({id})  after #2"),
            format!("#4 rename container {id}_p-web-1 to p-web-1  after #3"),
            "#5 wait for db to be healthy".to_string(),
            "#6 start container p-web-1  after #5, #4".to_string(),
        ]
    );
    let Op::CreateContainer { spec, .. } = &plan.steps[0].op else { panic!() };
    assert_eq!(
        spec.config.labels[crate::reconcile::labels::REPLACE],
        observed.containers.iter().find(|c| c.service == "web").unwrap().id()
    );
}

#[test]
fn recreate_policies() {
    let p = project(STACK);
    let o = converged(&p);
    let forced = plan_up(&p, &o, &UpOptions { recreate: Recreate::Force, ..Default::default() }).unwrap();
    assert_eq!(forced.decisions.iter().filter(|d| d.action == "recreate").count(), 3);
    let changed = project(&STACK.replace("db:5432", "x"));
    let never = plan_up(&changed, &o, &UpOptions { recreate: Recreate::Never, ..Default::default() }).unwrap();
    assert!(never.steps.is_empty(), "{never}");
}

#[test]
fn forcing_a_named_service_leaves_its_dependencies_alone_unless_asked() {
    let p = project(STACK);
    let o = converged(&p);
    let web = |recreate_dependencies| UpOptions {
        services: BTreeSet::from(["web".to_string(), "db".to_string()]),
        named: BTreeSet::from(["web".to_string()]),
        recreate: Recreate::Force,
        recreate_dependencies,
        ..Default::default()
    };
    let plan = plan_up(&p, &o, &web(Recreate::Diverged)).unwrap();
    assert_eq!(decisions(&plan), ["db: up to date", "web: recreate (--force-recreate)"]);
    let plan = plan_up(&p, &o, &web(Recreate::Force)).unwrap();
    assert_eq!(decisions(&plan), ["db: recreate (--always-recreate-deps)", "web: recreate (--force-recreate)"]);
}

#[test]
fn stopped_containers_are_started_and_waits_follow_them() {
    let p = project(STACK);
    let mut o = converged(&p);
    o.containers.retain(|c| c.service != "db");
    o.containers.push(container(&p, "db", 1, ContainerStatus::Exited));
    let plan = up(&p, &o);
    assert!(decisions(&plan).contains(&"db: start (exited)".to_string()), "{plan}");
    // web is up to date: nothing waits for db on its behalf.
    assert_eq!(steps(&plan), ["#1 start container p-db-1 (646231000000)"]);
}

#[test]
fn scaling_reuses_the_lowest_free_numbers_and_removes_the_highest() {
    let p = project("services:\n  web:\n    image: busybox\n");
    let mut o = converged(&p);
    o.containers.push(container(&p, "web", 3, ContainerStatus::Running));
    let scale = |n| UpOptions { scale: [("web".to_string(), n)].into(), ..Default::default() };
    let plan = plan_up(&p, &o, &scale(3)).unwrap();
    assert_eq!(decisions(&plan), ["web #1: up to date", "web #3: up to date", "web #2: create (scale to 3)"]);
    let plan = plan_up(&p, &o, &scale(1)).unwrap();
    assert_eq!(decisions(&plan), ["web #3: remove (scale to 1)", "web #1: up to date"]);
    assert_eq!(steps(&plan)[1], "#2 remove container p-web-3 (776562330000)  after #1");
}

#[test]
fn replicas_from_the_file_and_container_name_conflicts() {
    let p = project("services:\n  web:\n    image: busybox\n    deploy: {replicas: 2}\n");
    let plan = plan_up(&p, &Observed::default(), &UpOptions::default()).unwrap();
    assert_eq!(plan.steps.iter().filter(|s| matches!(s.op, Op::CreateContainer { .. })).count(), 2);
    let p = project("services:\n  web:\n    image: busybox\n    container_name: one\n    scale: 2\n");
    assert!(matches!(plan_up(&p, &Observed::default(), &UpOptions::default()), Err(PlanError::ScaleWithContainerName { .. })));
}

#[test]
fn kill_signals_orphans_only_with_remove_orphans() {
    let old = project("services:\n  web:\n    image: busybox\n  gone:\n    image: busybox\n");
    let o = converged(&old);
    let now = project("services:\n  web:\n    image: busybox\n");
    let all = BTreeSet::new();
    let plan = plan_kill(Some(&now), &o, &all, None, false);
    assert_eq!(steps(&plan), ["#1 kill container p-web-1 (776562310000)"]);
    assert!(plan.decisions.iter().any(|d| d.to_string().starts_with("p-gone-1: skip (orphan")), "{plan}");
    let plan = plan_kill(Some(&now), &o, &all, None, true);
    assert_eq!(
        steps(&plan),
        ["#1 kill container p-gone-1 (676f6e653100)", "#2 kill container p-web-1 (776562310000)"],
        "killed, not removed"
    );
    assert_eq!(plan_kill(None, &o, &all, None, false).steps.len(), 2, "without a compose file every container is the project's");
}

#[test]
fn orphans_are_reported_or_removed() {
    let old = project("services:\n  web:\n    image: busybox\n  gone:\n    image: busybox\n");
    let o = converged(&old);
    let now = project("services:\n  web:\n    image: busybox\n");
    let plan = up(&now, &o);
    assert!(plan.steps.is_empty());
    assert!(plan.warnings[0].contains("found orphan containers (p-gone-1)"), "{:?}", plan.warnings);
    let plan = plan_up(&now, &o, &UpOptions { remove_orphans: true, ..Default::default() }).unwrap();
    assert_eq!(steps(&plan), ["#1 stop container p-gone-1 (676f6e653100)", "#2 remove container p-gone-1 (676f6e653100)  after #1"]);
}

#[test]
fn optional_dependencies_give_soft_edges_and_warnings_only() {
    let p = project("services:\n  web:\n    image: busybox\n    depends_on:\n      job: {condition: service_completed_successfully, required: false}\n  job:\n    image: busybox\n");
    let plan = plan_up(&p, &Observed { images: converged(&p).images, ..Default::default() }, &UpOptions::default()).unwrap();
    let wait = plan.steps.iter().position(|s| matches!(s.op, Op::Await { .. })).unwrap();
    assert_eq!(plan.steps[wait].on_failure, OnFailure::Warn);
    assert!(steps(&plan).iter().any(|l| l.contains("start container p-web-1  after #5?, #4")), "{plan}");
}

#[test]
fn no_deps_and_no_start() {
    let p = project(STACK);
    let o = Observed { images: converged(&p).images, ..Default::default() };
    let opts = UpOptions { services: BTreeSet::from(["web".to_string()]), no_start: true, ..Default::default() };
    let plan = plan_up(&p, &o, &opts).unwrap();
    assert_eq!(steps(&plan), ["#1 create network p_default", "#2 create container p-web-1  after #1"]);
}

#[test]
fn missing_images_are_pulled_and_never_pulled_ones_refused() {
    let p = project(STACK);
    let plan = up(&p, &Observed::default());
    assert_eq!(steps(&plan)[1], "#2 pull image busybox for services cache, db, web");
    assert!(steps(&plan).contains(&"#3 create container p-cache-1  after #1, #2".to_string()), "{plan}");
    let p = project("services:\n  app:\n    image: nope\n    pull_policy: never\n");
    let e = plan_up(&p, &Observed::default(), &UpOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "service app: image nope is not present locally and pull_policy never forbids pulling it");
}

#[test]
fn external_networks_must_exist() {
    let p = project("services:\n  web:\n    image: busybox\n    networks: [front]\nnetworks:\n  front: {external: true}\n");
    let e = plan_up(&p, &Observed::default(), &UpOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "network front not found");
}

#[test]
fn down_stops_dependents_first_then_removes_networks_and_on_request_volumes() {
    let p = project(&STACK.replace("  cache:\n    image: busybox\n", "  cache:\n    image: busybox\n    volumes: [data:/data]\n"));
    let o = converged(&p);
    let plan = plan_down("p", Some(&p), &o, &DownOptions::default());
    let s = steps(&plan);
    let pos = |needle: &str| s.iter().position(|l| l.starts_with(needle)).unwrap_or_else(|| panic!("{needle} in {s:?}"));
    let web_stop = pos("#") + s.iter().skip(pos("#")).position(|l| l.contains("stop container p-web-1")).unwrap();
    let db_stop = s.iter().position(|l| l.contains("stop container p-db-1")).unwrap();
    assert!(s[db_stop].contains(&format!("#{}?", web_stop + 1)), "{s:?}");
    assert!(s.last().unwrap().contains("remove network p_default"));
    assert!(!s.iter().any(|l| l.contains("volume")));
    let plan = plan_down("p", Some(&p), &o, &DownOptions { volumes: true, ..Default::default() });
    assert!(steps(&plan).last().unwrap().contains("remove volume p_data"));
}

#[test]
fn down_by_name_alone_uses_labels_and_leaves_other_projects_alone() {
    let p = project(STACK);
    let mut o = converged(&p);
    let foreign = crate::engine::NetworkInfo {
        name: "other_default".into(),
        labels: [(crate::reconcile::labels::PROJECT.to_string(), "other".to_string())].into(),
        ..Default::default()
    };
    o.networks.insert(foreign.name.clone(), foreign);
    let plan = plan_down("p", None, &o, &DownOptions::default());
    let s = steps(&plan).join("\n");
    assert!(s.contains("stop container p-web-1") && s.contains("remove network p_default"), "{s}");
    assert!(!s.contains("other_default"), "{s}");
    let web = s.lines().position(|l| l.contains("stop container p-web-1")).unwrap();
    let db = s.lines().find(|l| l.contains("stop container p-db-1")).unwrap();
    assert!(db.contains(&format!("#{}?", web + 1)), "{s}");
}

#[test]
fn lifecycle_plans() {
    let p = project(STACK);
    let o = converged(&p);
    let all = BTreeSet::new();
    assert_eq!(plan_stop(Some(&p), &o, &all, None, false).steps.len(), 3);
    assert_eq!(
        plan_kill(Some(&p), &o, &BTreeSet::from(["db".to_string()]), Some("SIGTERM"), false).to_string().lines().last().unwrap(),
        "  #1 kill container p-db-1 (646231000000) with SIGTERM"
    );
    assert!(plan_rm(Some(&p), &o, &all, false, false, None).steps.is_empty(), "running containers are kept without --stop");
    assert_eq!(plan_rm(Some(&p), &o, &all, true, false, None).steps.len(), 6);
    assert!(plan_start(&p, &o, &all).unwrap().steps.is_empty());
}

#[test]
fn the_dependents_of_a_recreated_service_are_recreated_as_docker_compose_does() {
    let p = project(STACK);
    let o = converged(&p);
    let changed = project(&STACK.replace("interval: 200ms", "interval: 300ms"));
    let d = decisions(&up(&changed, &o));
    assert_eq!(d, ["cache: up to date", "db: recreate (healthcheck changed)", "web: recreate (db is recreated)"]);
    let never = plan_up(&changed, &o, &UpOptions { recreate: Recreate::Never, ..Default::default() }).unwrap();
    assert!(never.steps.is_empty(), "{never}");
}

const SHARED: &str = "services:\n  db:\n    image: busybox\n    environment: {V: '1'}\n  side:\n    image: busybox\n    network_mode: service:db\n    ipc: service:db\n    pid: service:db\n    volumes_from: [db, \"container:legacy:ro\"]\n";

#[test]
fn a_reference_to_a_kept_container_is_hashed_with_its_id() {
    let p = project(SHARED);
    let observed = converged(&p);
    let plan = up(&p, &observed);
    assert_eq!(decisions(&plan), ["db: up to date", "side: up to date"]);
    // What the label holds: the service as Docker Compose resolves it before hashing.
    let side = observed.containers.iter().find(|c| c.service == "side").unwrap();
    let db = crate::reconcile::testing::container_id("db", 1);
    let mut resolved = p.services["side"].clone();
    resolved.network_mode = format!("container:{db}");
    resolved.ipc = resolved.network_mode.clone();
    resolved.pid = resolved.network_mode.clone();
    resolved.volumes_from = vec![db.clone(), "legacy".into()];
    assert_eq!(side.label(crate::reconcile::labels::CONFIG_HASH), Some(crate::reconcile::hash::config_hash(&p, &resolved).as_str()));
}

#[test]
fn a_reference_to_a_container_this_plan_makes_is_hashed_when_it_exists() {
    let p = project(SHARED);
    let pending = |plan: &Plan| {
        plan.steps.iter().find_map(|s| match &s.op {
            Op::CreateContainer { spec, hash, .. } if spec.name.as_deref().is_some_and(|n| n.ends_with("p-side-1")) => Some(hash.clone()),
            _ => None,
        })
    };
    let fresh = up(&p, &Observed { images: converged(&p).images, ..Default::default() });
    let hash = pending(&fresh).flatten().expect("side's hash waits for db's container");
    assert_eq!(hash.containers, BTreeMap::from([("db".to_string(), "p-db-1".to_string())]));

    let changed = project(&SHARED.replace("'1'", "'2'"));
    let plan = up(&changed, &converged(&p));
    assert_eq!(decisions(&plan), ["db: recreate (environment.V changed)", "side: recreate (db is recreated)"]);
    assert!(pending(&plan).flatten().is_some());

    // db gone: side's label names a container that no longer exists.
    let mut observed = converged(&p);
    observed.containers.retain(|c| c.service != "db");
    assert_eq!(decisions(&up(&p, &observed)), ["db: create (no container)", "side: recreate (db has a new container)"]);
    let opts = UpOptions { services: BTreeSet::from(["side".to_string()]), ..Default::default() };
    assert_eq!(
        plan_up(&p, &observed, &opts).unwrap_err().to_string(),
        "service side: cannot share volume with service db: container missing"
    );
}

#[test]
fn start_interval_is_refused_below_api_1_44_as_docker_compose_does() {
    let yaml =
        "services:\n  a:\n    image: busybox\n    healthcheck: {test: [CMD, 'true'], start_interval: 0s}\n  b:\n    image: busybox\n";
    let p = project(yaml);
    let fresh = |v| Observed { images: converged(&p).images, api_version: Some(v), ..Default::default() };
    // Docker Compose 2.26.1 on engine 20.10 (`docker compose up`, run by hand) says, and creates
    // no container: "can't set healthcheck.start_interval as feature require Docker Engine v25 or later".
    let e = plan_up(&p, &fresh((1, 41)), &UpOptions::default()).unwrap_err();
    assert_eq!(e.to_string(), "service a: can't set healthcheck.start_interval as feature require Docker Engine v25 or later");
    assert!(plan_up(&p, &fresh((1, 44)), &UpOptions::default()).is_ok());
    // A container that exists already is not created again: nothing to refuse.
    let mut running = converged(&p);
    running.api_version = Some((1, 41));
    assert!(plan_up(&p, &running, &UpOptions::default()).is_ok());
    assert!(plan_up(&project(&yaml.replace(", start_interval: 0s", "")), &fresh((1, 41)), &UpOptions::default()).is_ok());
}

const HOOKED: &str = r#"
services:
  web:
    image: busybox
    depends_on: [db]
  db:
    image: busybox
    post_start: [{command: ["touch", "/ready"]}]
    pre_stop: [{command: ["sync"]}]
"#;

#[test]
fn post_start_hooks_follow_the_start_and_gate_what_depends_on_the_service() {
    let p = project(HOOKED);
    let plan = up(&p, &Observed { images: converged(&p).images, ..Default::default() });
    let start = plan.steps.iter().position(|s| matches!(&s.op, Op::StartContainer(t) if t.name == "p-db-1")).unwrap();
    let hooks = plan.steps.iter().position(|s| matches!(s.op, Op::RunHooks { phase: HookPhase::PostStart, .. })).unwrap();
    assert_eq!(plan.steps[hooks].after, hard([start]), "the hooks run once db started");
    assert_eq!(plan.steps[hooks].progress.as_ref().and_then(|p| p.end), Some("Started"), "db shows Started after its hooks");
    assert_eq!(plan.steps[start].progress.as_ref().and_then(|p| p.end), None);
    let web = plan.steps.iter().position(|s| matches!(&s.op, Op::StartContainer(t) if t.name == "p-web-1")).unwrap();
    assert!(plan.steps[web].after.iter().any(|e| e.step == hooks && e.hard), "web starts once db's hooks succeeded");
    assert_eq!(plan.steps.iter().filter(|s| matches!(s.op, Op::RunHooks { .. })).count(), 1, "web has no hooks");
}

#[test]
fn pre_stop_hooks_come_before_the_stop_only_when_asked() {
    let p = project(HOOKED);
    let o = converged(&p);
    let all = BTreeSet::new();
    assert!(!plan_stop(Some(&p), &o, &all, None, false).steps.iter().any(|s| matches!(s.op, Op::RunHooks { .. })), "plain stop");
    let plan = plan_stop(Some(&p), &o, &all, None, true);
    let hooks = plan.steps.iter().position(|s| matches!(s.op, Op::RunHooks { phase: HookPhase::PreStop, .. })).unwrap();
    let stop = plan.steps.iter().position(|s| matches!(&s.op, Op::StopContainer { target, .. } if target.name == "p-db-1")).unwrap();
    assert!(plan.steps[stop].after.contains(&Edge { step: hooks, hard: true }), "a failed hook keeps db running");
}

#[test]
fn an_image_volume_needs_api_1_48() {
    let mut p = project("services:\n  web:\n    image: busybox\n    volumes: [{type: image, source: busybox, target: /img}]\n");
    p.positions.insert("services.web.volumes[0]".into(), "compose.yaml:4:15".into());
    let images = converged(&p).images;
    let old = Observed { images: images.clone(), api_version: Some((1, 41)), ..Default::default() };
    let err = plan_up(&p, &old, &UpOptions::default()).unwrap_err().to_string();
    assert_eq!(
        err,
        "compose.yaml:4:15: services.web.volumes[0]: service web: volume with type=image requires Docker Engine v28 (API 1.48) or later; this engine's API is 1.41"
    );
    let new = Observed { images, api_version: Some((1, 48)), ..Default::default() };
    assert!(plan_up(&p, &new, &UpOptions::default()).is_ok());
}
