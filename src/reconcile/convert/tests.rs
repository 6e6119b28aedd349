use super::*;
use crate::engine::{MountKind, PortBinding, RestartPolicy};
use crate::reconcile::testing::project;

fn spec(yaml: &str, service: &str) -> ContainerSpec {
    let p = project(yaml);
    let cx = Context { number: 1, name: "p-web-1".into(), config_hash: "h".into(), image_id: Some("sha256:1".into()), ..Default::default() };
    container_spec(&p, &p.services[service], &cx)
}

#[test]
fn labels_are_those_docker_compose_sets() {
    let s = spec("services:\n  web:\n    image: busybox\n    labels: {a: b}\n    depends_on: [db]\n  db:\n    image: busybox\n", "web");
    let l = &s.config.labels;
    for (k, v) in [
        ("a", "b"),
        (labels::PROJECT, "p"),
        (labels::SERVICE, "web"),
        (labels::CONTAINER_NUMBER, "1"),
        (labels::ONEOFF, "False"),
        (labels::CONFIG_HASH, "h"),
        (labels::IMAGE, "sha256:1"),
        (labels::VERSION, "2.26.1"),
    ] {
        assert_eq!(l.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert!(l.contains_key(labels::WORKING_DIR) && l[labels::CONFIG_FILES].ends_with("compose.yaml"));
    assert!(!l.contains_key(labels::ENVIRONMENT_FILE));
}

#[test]
fn networks_get_the_container_and_service_names_as_aliases() {
    let s = spec("services:\n  web:\n    image: busybox\n    networks:\n      back: {aliases: [api]}\n      front: {priority: 10}\nnetworks:\n  back:\n  front:\n", "web");
    let nets: Vec<(&str, Vec<&str>)> = s.networks.iter().map(|e| (e.network.as_str(), e.aliases.iter().map(String::as_str).collect())).collect();
    assert_eq!(nets, [("p_front", vec!["p-web-1", "web"]), ("p_back", vec!["p-web-1", "web", "api"])]);
}

#[test]
fn short_binds_stay_binds_and_volumes_become_mounts() {
    let s = spec("services:\n  web:\n    image: busybox\n    volumes: [\"data:/data:ro\", \"/tmp:/host\", {type: tmpfs, target: /t}]\nvolumes:\n  data:\n", "web");
    assert_eq!(s.host.binds, ["/tmp:/host:rw"]);
    let mounts: Vec<(MountKind, Option<&str>, &str, bool)> = s.host.mounts.iter().map(|m| (m.kind, m.source.as_deref(), m.target.as_str(), m.read_only)).collect();
    assert_eq!(mounts, [(MountKind::Volume, Some("p_data"), "/data", true), (MountKind::Tmpfs, None, "/t", false)]);
}

#[test]
fn ports_restart_environment_and_command() {
    let s = spec("services:\n  web:\n    image: busybox\n    ports: [\"8080:80\", \"127.0.0.1::53/udp\"]\n    restart: on-failure:3\n    environment: {A: \"1\"}\n    command: sleep 1\n    stop_grace_period: 3s\n", "web");
    assert_eq!(s.host.port_bindings["80/tcp"], [PortBinding { host_ip: None, host_port: Some("8080".into()) }]);
    assert_eq!(s.host.port_bindings["53/udp"], [PortBinding { host_ip: Some("127.0.0.1".into()), host_port: None }]);
    assert_eq!(s.config.exposed_ports, ["53/udp", "80/tcp"]);
    assert_eq!(s.host.restart_policy, Some(RestartPolicy::OnFailure { max_retries: Some(3) }));
    assert_eq!(s.config.env, ["A=1"]);
    assert_eq!(s.config.cmd, Some(vec!["sleep".to_string(), "1".to_string()]));
    assert_eq!(s.config.stop_timeout, Some(std::time::Duration::from_secs(3)));
}

#[test]
fn service_namespaces_name_the_first_container() {
    let s = spec("services:\n  web:\n    image: busybox\n    network_mode: service:db\n  db:\n    image: busybox\n", "web");
    assert_eq!(s.host.network_mode.as_deref(), Some("container:p-db-1"));
    assert!(s.networks.is_empty());
}
