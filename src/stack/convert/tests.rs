use super::*;
use crate::reconcile::testing::project;

fn convert(yaml: &str) -> Stack {
    let p = project(yaml);
    let files = file_paths(&p).into_iter().map(|f| (f, b"from a file".to_vec())).collect();
    stack(&Namespace::new("p"), &p, &files).unwrap()
}

#[test]
fn names_and_labels_follow_docker_stack_deploy() {
    let s = convert("services:\n  web:\n    image: busybox:latest\n    labels: {c: d}\n    deploy: {labels: {x: y}}\n");
    let web = &s.services["web"];
    assert_eq!(web.name, "p_web");
    assert_eq!(web.labels["com.docker.stack.namespace"], "p");
    assert_eq!(web.labels["com.docker.stack.image"], "busybox:latest");
    assert_eq!(web.labels["x"], "y");
    assert_eq!(web.task_template.container_spec.labels["c"], "d");
    assert_eq!(web.task_template.container_spec.labels["com.docker.stack.namespace"], "p");
    let net = &web.task_template.networks[0];
    assert_eq!((net.target.as_str(), net.aliases.clone()), ("p_default", vec!["web".to_string()]));
    assert_eq!(s.networks.len(), 1);
    assert_eq!(s.networks[0].name, "p_default");
    assert_eq!(s.networks[0].driver.as_deref(), Some("overlay"));
    assert_eq!(s.networks[0].labels["com.docker.stack.namespace"], "p");
}

#[test]
fn secrets_and_configs_take_their_data_from_file_content_or_environment() {
    let s = convert(concat!(
        "services:\n  web:\n    image: busybox\n    secrets: [{source: s, mode: 0400, uid: '1'}]\n    configs: [c, {source: f, target: /etc/f}]\n",
        "secrets:\n  s: {file: ./s.txt}\nconfigs:\n  c: {content: hello}\n  f: {file: ./f.txt}\n"
    ));
    let names: Vec<(&str, &[u8])> = s.secrets.iter().chain(&s.configs).map(|o| (o.name.as_str(), o.data.as_slice())).collect();
    assert_eq!(names, [("p_s", &b"from a file"[..]), ("p_c", b"hello"), ("p_f", b"from a file")]);
    let spec = &s.services["web"].task_template.container_spec;
    assert_eq!(spec.secrets[0].name, "p_s");
    assert_eq!((spec.secrets[0].file.name.as_str(), spec.secrets[0].file.mode, spec.secrets[0].file.uid.as_str()), ("s", 0o400, "1"));
    let configs: Vec<(&str, &str, u32)> = spec.configs.iter().map(|c| (c.name.as_str(), c.file.name.as_str(), c.file.mode)).collect();
    assert_eq!(configs, [("p_c", "c", 0o444), ("p_f", "/etc/f", 0o444)]);
}

#[test]
fn volumes_binds_and_tmpfs_become_mounts() {
    let s = convert(concat!(
        "services:\n  web:\n    image: busybox\n    volumes: ['data:/data', '/srv:/srv:ro', {type: tmpfs, target: /t, tmpfs: {size: 1000}}]\n",
        "volumes:\n  data: {labels: {k: v}}\n"
    ));
    let m = &s.services["web"].task_template.container_spec.mounts;
    assert_eq!((m[0].kind.as_str(), m[0].source.as_str(), m[0].target.as_str()), ("volume", "p_data", "/data"));
    let labels = &m[0].volume_options.as_ref().unwrap().labels;
    assert_eq!((labels["k"].as_str(), labels["com.docker.stack.namespace"].as_str()), ("v", "p"));
    assert_eq!((m[1].kind.as_str(), m[1].source.as_str(), m[1].read_only), ("bind", "/srv", true));
    assert_eq!(m[1].bind_options, None);
    assert_eq!(m[2].tmpfs_options.as_ref().unwrap().size_bytes, 1000);
}

#[test]
fn deploy_section_maps_to_mode_resources_policies_and_placement() {
    let s = convert(concat!(
        "services:\n  web:\n    image: busybox\n    ports: ['8080:80', {target: 81, published: '8081', mode: host}]\n",
        "    deploy:\n      replicas: 3\n      resources: {limits: {cpus: '0.5', memory: 64M}}\n",
        "      restart_policy: {condition: on-failure, max_attempts: 2}\n      update_config: {parallelism: 2, order: start-first}\n",
        "      placement: {constraints: ['node.role==manager'], preferences: [{spread: node.id}], max_replicas_per_node: 2}\n",
        "      endpoint_mode: dnsrr\n"
    ));
    let web = &s.services["web"];
    assert_eq!(web.mode.replicated.as_ref().unwrap().replicas, Some(3));
    let limits = web.task_template.resources.as_ref().unwrap().limits.as_ref().unwrap();
    assert_eq!((limits.nano_cpus, limits.memory_bytes), (500_000_000, 64 * 1024 * 1024));
    let restart = web.task_template.restart_policy.as_ref().unwrap();
    assert_eq!((restart.condition.as_str(), restart.max_attempts), ("on-failure", Some(2)));
    let update = web.update_config.as_ref().unwrap();
    assert_eq!((update.parallelism, update.order.as_str()), (2, "start-first"));
    let placement = web.task_template.placement.as_ref().unwrap();
    assert_eq!(placement.constraints, ["node.role==manager"]);
    assert_eq!(placement.preferences[0].spread.spread_descriptor, "node.id");
    assert_eq!(placement.max_replicas, 2);
    let endpoint = web.endpoint_spec.as_ref().unwrap();
    assert_eq!(endpoint.mode, "dnsrr");
    let ports: Vec<(u32, u32, &str)> = endpoint.ports.iter().map(|p| (p.target_port, p.published_port, p.publish_mode.as_str())).collect();
    assert_eq!(ports, [(80, 8080, "ingress"), (81, 8081, "host")]);
}

#[test]
fn a_service_without_an_image_is_refused_with_where_its_build_is() {
    let p = project("services:\n  web:\n    build: .\n");
    let err = stack(&Namespace::new("p"), &p, &BTreeMap::new()).unwrap_err().to_string();
    assert!(err.starts_with("") && err.contains("compose.yaml:3:5: service web: no image"), "{err}");
}
