use super::*;
use crate::engine::{MountKind, PortBinding, RestartPolicy};
use crate::reconcile::testing::project;

fn spec(yaml: &str, service: &str) -> ContainerSpec {
    let p = project(yaml);
    let cx =
        Context { number: 1, name: "p-web-1".into(), config_hash: "h".into(), image_id: Some("sha256:1".into()), ..Default::default() };
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
        (labels::VERSION, "2.40.3"),
    ] {
        assert_eq!(l.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert!(l.contains_key(labels::WORKING_DIR) && l[labels::CONFIG_FILES].ends_with("compose.yaml"));
    assert!(!l.contains_key(labels::ENVIRONMENT_FILE));
}

#[test]
fn networks_get_the_container_and_service_names_as_aliases() {
    let s = spec("services:\n  web:\n    image: busybox\n    networks:\n      back: {aliases: [api]}\n      front: {priority: 10}\nnetworks:\n  back:\n  front:\n", "web");
    let nets: Vec<(&str, Vec<&str>)> =
        s.networks.iter().map(|e| (e.network.as_str(), e.aliases.iter().map(String::as_str).collect())).collect();
    assert_eq!(nets, [("p_front", vec!["p-web-1", "web"]), ("p_back", vec!["p-web-1", "web", "api"])]);
}

#[test]
fn binds_and_plain_named_volumes_are_bind_strings_the_rest_mounts() {
    let s = spec(
        "services:\n  web:\n    image: busybox\n    volumes: [\"data:/data:ro\", \"/tmp:/host\", {type: tmpfs, target: /t}, {type: volume, source: data, target: /nc, volume: {nocopy: true}}, /anon, {type: bind, source: /tmp, target: /long}, {type: bind, source: /tmp, target: /nocreate, bind: {create_host_path: false}}]\nvolumes:\n  data:\n",
        "web",
    );
    // As Docker Compose 2.40.3 sends them.
    assert_eq!(s.host.binds, ["p_data:/data:ro", "/tmp:/host:rw", "/tmp:/long:rw"]);
    let mounts: Vec<(MountKind, Option<&str>, &str, bool)> =
        s.host.mounts.iter().map(|m| (m.kind, m.source.as_deref(), m.target.as_str(), m.read_only)).collect();
    assert_eq!(
        mounts,
        [
            (MountKind::Tmpfs, None, "/t", false),
            (MountKind::Volume, Some("p_data"), "/nc", false),
            (MountKind::Volume, None, "/anon", false),
            (MountKind::Bind, Some("/tmp"), "/nocreate", false)
        ]
    );
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

#[test]
fn links_reach_every_endpoint_in_docker_compose_forms() {
    let yaml = "services:\n  web:\n    image: busybox\n    links: [\"db:database\"]\n    external_links: [\"other-c:legacy\", solo]\n    networks: [a, b]\n  db:\n    image: busybox\n    scale: 2\n    networks: [a]\nnetworks:\n  a:\n  b:\n";
    let p = project(yaml);
    let cx = Context { number: 3, name: "p-web-3".into(), ..Default::default() };
    let s = container_spec(&p, &p.services["web"], &cx);
    // The `-3` is the linking container's number, not the linked one's: Docker Compose's quirk.
    let want = [
        "p-db-1:database",
        "p-db-1:db-3",
        "p-db-1:p-db-3",
        "p-db-2:database",
        "p-db-2:db-3",
        "p-db-2:p-db-3",
        "other-c:legacy",
        "solo:solo",
    ];
    assert_eq!(s.host.links, want);
    assert!(s.networks.iter().all(|e| e.links == want), "{:?}", s.networks);
}

#[test]
fn expose_is_sent_as_written() {
    let s = spec("services:\n  web:\n    image: busybox\n    expose: [\"3000\", \"4000-4001/udp\"]\n    ports: [\"8080:80\"]\n", "web");
    assert_eq!(s.config.exposed_ports, ["3000", "4000-4001/udp", "80/tcp"]);
}

#[test]
fn only_networks_given_settings_send_an_ipam_config() {
    let s = spec("services:\n  web:\n    image: busybox\n    networks:\n      a: {}\n      b:\nnetworks:\n  a:\n  b:\n", "web");
    let ipam: Vec<(&str, bool)> = s.networks.iter().map(|e| (e.network.as_str(), e.ipam_config)).collect();
    assert_eq!(ipam, [("p_a", true), ("p_b", false)]);
}

#[test]
fn deploy_settings_win_over_service_level_ones() {
    // A `pids_limit` other than the deploy one passes the loader with `--no-consistency` only.
    let mut p = project("services:\n  web:\n    image: busybox\n    restart: always\n    deploy:\n      restart_policy: {max_attempts: 2}\n      resources:\n        limits: {pids: 20, cpus: \"0.3\"}\n");
    p.services.get_mut("web").unwrap().pids_limit = 10;
    let cx = Context { number: 1, name: "p-web-1".into(), config_hash: "h".into(), ..Default::default() };
    let s = container_spec(&p, &p.services["web"], &cx);
    // An empty condition is no policy at all, whatever `restart:` says.
    assert_eq!(s.host.restart_policy, None);
    assert_eq!(s.host.resources.pids_limit, Some(20));
    // float32 arithmetic, truncated, as Go computes it (f64 would give 300000012).
    assert_eq!(s.host.resources.nano_cpus, Some(300_000_000));
    let s = spec("services:\n  web:\n    image: busybox\n    restart: \"no\"\n    pids_limit: -1\n    deploy:\n      restart_policy: {condition: on-failure, max_attempts: 2}\n", "web");
    assert_eq!(s.host.restart_policy, Some(RestartPolicy::OnFailure { max_retries: Some(2) }));
    assert_eq!(s.host.resources.pids_limit, Some(-1));
}

#[test]
fn volumes_from_name_the_container_without_a_mode() {
    let s = spec(
        "services:\n  web:\n    image: busybox\n    volumes_from: [\"db:ro\", \"container:legacy:rw\", db]\n  db:\n    image: busybox\n",
        "web",
    );
    assert_eq!(s.host.volumes_from, ["p-db-1", "legacy", "p-db-1"]);
}

#[test]
fn blkio_config_becomes_weights_and_rates() {
    let s = spec("services:\n  web:\n    image: busybox\n    blkio_config:\n      weight: 300\n      weight_device: [{path: /dev/sda, weight: 400}]\n      device_read_bps: [{path: /dev/sda, rate: 1mb}]\n      device_write_iops: [{path: /dev/sdb, rate: 30}]\n", "web");
    let r = &s.host.resources;
    assert_eq!(r.blkio_weight, Some(300));
    assert_eq!(r.blkio_weight_device, [crate::engine::BlkioWeight { path: "/dev/sda".into(), weight: 400 }]);
    assert_eq!(r.blkio_device_read_bps, [crate::engine::BlkioThrottle { path: "/dev/sda".into(), rate: 1 << 20 }]);
    assert_eq!(r.blkio_device_write_iops, [crate::engine::BlkioThrottle { path: "/dev/sdb".into(), rate: 30 }]);
    assert!(r.blkio_device_read_iops.is_empty() && r.blkio_device_write_bps.is_empty());
}

#[test]
fn cgroup_isolation_and_realtime_cpu_reach_the_host_config() {
    let s = spec("services:\n  web:\n    image: busybox\n    cgroup: private\n    isolation: default\n    cpu_rt_runtime: 1000\n    cpu_rt_period: 2000\n", "web");
    assert_eq!((s.host.cgroupns_mode.as_deref(), s.host.isolation.as_deref()), (Some("private"), Some("default")));
    assert_eq!((s.host.resources.cpu_realtime_runtime, s.host.resources.cpu_realtime_period), (Some(1000), Some(2000)));
}

#[test]
fn security_opt_unmasks_system_paths_and_inlines_seccomp_profiles() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("profile.json"), "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"names\": [\"a b\"]\n}\n").unwrap();
    let mut p = project("services:\n  web:\n    image: busybox\n    security_opt: [\"systempaths=unconfined\", \"seccomp:./profile.json\", \"seccomp=unconfined\", \"label=disable\"]\n");
    p.working_dir = dir.path().to_path_buf();
    // The loader reads the profile (here after moving the project): the conversion reads no file.
    crate::loader::resolve::read_seccomp_profiles(&mut p);
    let s = container_spec(&p, &p.services["web"], &Context { number: 1, name: "p-web-1".into(), ..Default::default() });
    assert_eq!(
        s.host.security_opt,
        [r#"seccomp={"defaultAction":"SCMP_ACT_ALLOW","names":["a b"]}"#, "seccomp=unconfined", "label=disable"]
    );
    assert_eq!((s.host.masked_paths.as_deref(), s.host.readonly_paths.as_deref()), (Some(&[][..]), Some(&[][..])));
    let plain = spec("services:\n  web:\n    image: busybox\n    security_opt: [\"no-new-privileges\"]\n", "web");
    assert_eq!((plain.host.masked_paths, plain.host.security_opt), (None, vec!["no-new-privileges".to_string()]));
}

#[test]
fn ipam_options_are_not_sent() {
    let p = project("services:\n  web:\n    image: busybox\n    networks: [default, other]\nnetworks:\n  default:\n    ipam:\n      options: {a: b}\n  other:\n    ipam:\n      config: [{subnet: 10.9.0.0/24}]\n      options: {a: b}\n");
    assert_eq!(network_spec(&p, "default", &p.networks["default"]).ipam, None);
    let other = network_spec(&p, "other", &p.networks["other"]).ipam.expect("a pool");
    assert!(other.options.is_empty());
    assert_eq!(other.pools[0].subnet.as_deref(), Some("10.9.0.0/24"));
}

#[test]
fn reserved_devices_then_gpus_become_device_requests_as_docker_compose_2_40_sends_them() {
    let s = spec("services:\n  web:\n    image: busybox\n    gpus: all\n    deploy:\n      resources:\n        reservations:\n          devices:\n            - {driver: nvidia, device_ids: [\"0\"], capabilities: [gpu, utility], options: {a: b}}\n            - {count: all, capabilities: [compute]}\n", "web");
    let request = |driver: &str, count: i64, ids: &[&str], caps: &[&str], options: &[(&str, &str)]| crate::engine::DeviceRequest {
        driver: driver.into(),
        count,
        device_ids: ids.iter().map(|s| s.to_string()).collect(),
        capabilities: vec![caps.iter().map(|s| s.to_string()).collect()],
        options: options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
    };
    assert_eq!(
        s.host.resources.device_requests,
        [
            request("nvidia", 0, &["0"], &["gpu", "utility"], &[("a", "b")]),
            request("", -1, &[], &["compute"], &[]),
            request("", -1, &[], &["gpu"], &[]),
        ]
    );
}

#[test]
fn stop_grace_period_is_truncated_to_whole_seconds() {
    let s = spec("services:\n  web:\n    image: busybox\n    stop_grace_period: 1500ms\n", "web");
    assert_eq!(s.config.stop_timeout, Some(std::time::Duration::from_secs(1)));
}
