use super::*;
use crate::engine::swarm::Service;
use crate::reconcile::testing::project;
use crate::stack::convert;

const FILE: &str = "services:\n  web:\n    image: busybox:latest\n    environment: {DB_URL: a}\n    depends_on: {db: {condition: service_healthy}}\n  db:\n    image: busybox:latest\n";

fn ns() -> Namespace {
    Namespace::new("p")
}

/// The swarm after a deploy of `yaml`: services stored as the engine stores them (network ids,
/// default replicas and endpoint mode filled in), the network present.
fn deployed(yaml: &str) -> Observed {
    let p = project(yaml);
    let stack = convert::stack(&ns(), &p, &BTreeMap::new()).unwrap();
    let mut o = Observed::default();
    o.networks.push(NetworkInfo { id: "net1".into(), name: "p_default".into(), scope: "swarm".into(), ..Default::default() });
    for (i, spec) in stack.services.values().enumerate() {
        let mut spec = spec.clone();
        spec.task_template.networks.iter_mut().for_each(|n| n.target = "net1".into());
        spec.mode.replicated.as_mut().unwrap().replicas = Some(1);
        spec.endpoint_spec = Some(crate::engine::swarm::EndpointSpec { mode: "vip".into(), ports: vec![] });
        spec.task_template.container_spec.isolation = "default".into();
        o.services.push(Service { id: format!("id{i}"), version: Version { index: 10 + i as u64 }, spec, ..Default::default() });
    }
    o
}

fn plan_of(yaml: &str, observed: &Observed, prune: bool) -> StackPlan {
    let p = project(yaml);
    let stack = convert::stack(&ns(), &p, &BTreeMap::new()).unwrap();
    plan(&ns(), &p, &stack, observed, ResolveImage::Always, prune).unwrap()
}

#[test]
fn a_new_stack_creates_its_network_then_its_services_in_dependency_order() {
    let plan = plan_of(FILE, &Observed::default(), false);
    assert_eq!(plan.to_string(), "network p_default: create\ndb: create\nweb: create, after db healthy\n");
    assert_eq!(plan.waves, [vec!["db".to_string()], vec!["web".to_string()]]);
}

#[test]
fn a_deployed_stack_is_left_alone() {
    let plan = plan_of(FILE, &deployed(FILE), false);
    assert_eq!(plan.to_string(), "db: unchanged\nweb: unchanged\n");
}

#[test]
fn only_the_changed_service_is_updated_with_the_variable_named() {
    let plan = plan_of(&FILE.replace("DB_URL: a", "DB_URL: b"), &deployed(FILE), false);
    assert_eq!(plan.to_string(), "db: unchanged\nweb: update (environment.DB_URL changed), after db healthy\n");
    let Some(Step::UpdateService { version, id, .. }) = plan.steps.iter().find(|s| matches!(s, Step::UpdateService { .. })) else {
        panic!()
    };
    assert_eq!((id.as_str(), version.index), ("id1", 11));
}

#[test]
fn prune_removes_the_services_no_longer_in_the_file() {
    let two = "services:\n  web:\n    image: busybox:latest\n  old:\n    image: busybox:latest\n";
    let one = "services:\n  web:\n    image: busybox:latest\n";
    assert_eq!(plan_of(one, &deployed(two), false).to_string(), "web: unchanged\n");
    assert_eq!(plan_of(one, &deployed(two), true).to_string(), "old: remove (not in the file)\nweb: unchanged\n");
}

#[test]
fn a_pinned_digest_is_kept_when_the_image_did_not_change_in_the_file() {
    let yaml = "services:\n  web:\n    image: busybox:latest\n";
    let mut observed = deployed(yaml);
    observed.services[0].spec.task_template.container_spec.image = "busybox:latest@sha256:abc".into();
    let p = project(yaml);
    let stack = convert::stack(&ns(), &p, &BTreeMap::new()).unwrap();
    let changed = plan(&ns(), &p, &stack, &observed, ResolveImage::Changed, false).unwrap();
    assert_eq!(changed.to_string(), "web: unchanged\n");
    // `always` asks again; a registry that did not answer leaves the tag, which is a change.
    let always = plan(&ns(), &p, &stack, &observed, ResolveImage::Always, false).unwrap();
    assert_eq!(always.to_string(), "web: update (image changed)\n");
    observed.resolved.insert("busybox:latest".into(), "busybox:latest@sha256:abc".into());
    let always = plan(&ns(), &p, &stack, &observed, ResolveImage::Always, false).unwrap();
    assert_eq!(always.to_string(), "web: unchanged\n");
}

#[test]
fn a_changed_config_is_refused_rather_than_left_stale() {
    let yaml = "services:\n  web:\n    image: busybox:latest\n    configs: [c]\nconfigs:\n  c: {content: new}\n";
    let mut observed = deployed(yaml);
    observed.configs.push(FileObjectInfo { id: "c1".into(), name: "p_c".into(), data: Some(b"old".to_vec()), ..Default::default() });
    let p = project(yaml);
    let stack = convert::stack(&ns(), &p, &BTreeMap::new()).unwrap();
    let err = plan(&ns(), &p, &stack, &observed, ResolveImage::Never, false).unwrap_err();
    assert_eq!(err, PlanError::ConfigChanged("p_c".into()));
}

#[test]
fn a_missing_external_network_is_refused() {
    let yaml = "services:\n  web:\n    image: busybox:latest\n    networks: [outside]\nnetworks:\n  outside: {external: true}\n";
    let p = project(yaml);
    let stack = convert::stack(&ns(), &p, &BTreeMap::new()).unwrap();
    let err = plan(&ns(), &p, &stack, &Observed::default(), ResolveImage::Never, false).unwrap_err();
    assert_eq!(err, PlanError::MissingNetwork("outside".into()));
}
