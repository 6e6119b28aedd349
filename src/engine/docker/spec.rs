//! Our specs into Docker's request bodies.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models as wire;

use crate::engine::io::whole_seconds;
use crate::engine::{
    BlkioThrottle, ContainerConfig, ContainerSpec, EndpointSpec, Healthcheck, HostConfig, Mount, MountKind, NetworkSpec, RestartPolicy,
    VolumeSpec,
};

/// The body of `POST /containers/create`, with at most `endpoints` networks in it.
pub(super) fn create_body(spec: &ContainerSpec, endpoints: &[EndpointSpec]) -> wire::ContainerCreateBody {
    let c = &spec.config;
    let mut host = host_config(&spec.host);
    // Without a network mode the engine would also attach the default bridge: name the
    // primary network, as the Docker CLI does.
    if host.network_mode.is_none() {
        host.network_mode = spec.networks.first().map(|e| e.network.clone());
    }
    let networking_config = (!endpoints.is_empty()).then(|| wire::NetworkingConfig {
        endpoints_config: Some(endpoints.iter().map(|e| (e.network.clone(), endpoint_settings(e))).collect()),
    });
    wire::ContainerCreateBody { image: Some(c.image.clone()), host_config: Some(host), networking_config, ..config_fields(c) }
}

fn config_fields(c: &ContainerConfig) -> wire::ContainerCreateBody {
    wire::ContainerCreateBody {
        cmd: c.cmd.clone(),
        entrypoint: c.entrypoint.clone(),
        env: non_empty(&c.env),
        labels: Some(map(&c.labels)),
        working_dir: c.working_dir.clone(),
        user: c.user.clone(),
        hostname: c.hostname.clone(),
        domainname: c.domainname.clone(),
        exposed_ports: non_empty(&c.exposed_ports),
        tty: Some(c.tty),
        open_stdin: Some(c.open_stdin),
        attach_stdin: Some(c.attach_stdin),
        stdin_once: Some(c.attach_stdin && c.open_stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        stop_signal: c.stop_signal.clone(),
        stop_timeout: c.stop_timeout.map(whole_seconds),
        healthcheck: c.healthcheck.as_ref().map(healthcheck),
        ..Default::default()
    }
}

fn healthcheck(h: &Healthcheck) -> wire::HealthConfig {
    wire::HealthConfig {
        test: non_empty(&h.test),
        interval: h.interval.map(nanos),
        timeout: h.timeout.map(nanos),
        retries: h.retries.map(i64::from),
        start_period: h.start_period.map(nanos),
        start_interval: h.start_interval.map(nanos),
    }
}

pub(super) fn host_config(h: &HostConfig) -> wire::HostConfig {
    let r = &h.resources;
    wire::HostConfig {
        binds: non_empty(&h.binds),
        mounts: (!h.mounts.is_empty()).then(|| h.mounts.iter().map(mount).collect()),
        // Docker Compose always sends the port map and the extra hosts, empty or not, and the
        // engine reports them as sent (`{}`, `[]`) rather than `null`.
        port_bindings: Some(
            h.port_bindings
                .iter()
                .map(|(port, bindings)| {
                    let b =
                        bindings.iter().map(|b| wire::PortBinding { host_ip: b.host_ip.clone(), host_port: b.host_port.clone() }).collect();
                    (port.clone(), Some(b))
                })
                .collect(),
        ),
        publish_all_ports: Some(h.publish_all_ports),
        restart_policy: h.restart_policy.map(restart_policy),
        network_mode: h.network_mode.clone(),
        memory: r.memory,
        memory_reservation: r.memory_reservation,
        memory_swap: r.memory_swap,
        memory_swappiness: r.memory_swappiness,
        nano_cpus: r.nano_cpus,
        cpu_shares: r.cpu_shares,
        cpu_period: r.cpu_period,
        cpu_quota: r.cpu_quota,
        cpuset_cpus: r.cpuset_cpus.clone(),
        cpuset_mems: r.cpuset_mems.clone(),
        pids_limit: r.pids_limit,
        oom_kill_disable: r.oom_kill_disable,
        blkio_weight: r.blkio_weight,
        blkio_weight_device: (!r.blkio_weight_device.is_empty()).then(|| {
            r.blkio_weight_device
                .iter()
                .map(|w| wire::ResourcesBlkioWeightDevice { path: Some(w.path.clone()), weight: Some(usize::from(w.weight)) })
                .collect()
        }),
        blkio_device_read_bps: throttle(&r.blkio_device_read_bps),
        blkio_device_read_iops: throttle(&r.blkio_device_read_iops),
        blkio_device_write_bps: throttle(&r.blkio_device_write_bps),
        blkio_device_write_iops: throttle(&r.blkio_device_write_iops),
        cpu_realtime_period: r.cpu_realtime_period,
        cpu_realtime_runtime: r.cpu_realtime_runtime,
        cpu_count: r.cpu_count,
        cpu_percent: r.cpu_percent,
        device_requests: (!r.device_requests.is_empty()).then(|| {
            r.device_requests
                .iter()
                .map(|d| wire::DeviceRequest {
                    driver: Some(d.driver.clone()),
                    count: Some(d.count),
                    device_ids: (!d.device_ids.is_empty()).then(|| d.device_ids.clone()),
                    capabilities: Some(d.capabilities.clone()),
                    options: (!d.options.is_empty()).then(|| map(&d.options)),
                })
                .collect()
        }),
        cap_add: non_empty(&h.cap_add),
        cap_drop: non_empty(&h.cap_drop),
        privileged: Some(h.privileged),
        init: h.init,
        readonly_rootfs: Some(h.read_only),
        tmpfs: (!h.tmpfs.is_empty()).then(|| map(&h.tmpfs)),
        shm_size: h.shm_size,
        ulimits: (!h.ulimits.is_empty()).then(|| {
            h.ulimits
                .iter()
                .map(|u| wire::ResourcesUlimits { name: Some(u.name.clone()), soft: Some(u.soft), hard: Some(u.hard) })
                .collect()
        }),
        sysctls: (!h.sysctls.is_empty()).then(|| map(&h.sysctls)),
        extra_hosts: Some(h.extra_hosts.clone()),
        dns: non_empty(&h.dns),
        dns_search: non_empty(&h.dns_search),
        dns_options: non_empty(&h.dns_options),
        log_config: h.log_config.as_ref().map(|l| wire::HostConfigLogConfig { typ: Some(l.driver.clone()), config: Some(map(&l.options)) }),
        security_opt: non_empty(&h.security_opt),
        devices: (!h.devices.is_empty()).then(|| {
            h.devices
                .iter()
                .map(|d| wire::DeviceMapping {
                    path_on_host: Some(d.path_on_host.clone()),
                    path_in_container: Some(d.path_in_container.clone()),
                    cgroup_permissions: Some(d.cgroup_permissions.clone()),
                })
                .collect()
        }),
        device_cgroup_rules: non_empty(&h.device_cgroup_rules),
        pid_mode: h.pid_mode.clone(),
        ipc_mode: h.ipc_mode.clone(),
        uts_mode: h.uts_mode.clone(),
        userns_mode: h.userns_mode.clone(),
        cgroup_parent: h.cgroup_parent.clone(),
        runtime: h.runtime.clone(),
        group_add: non_empty(&h.group_add),
        volumes_from: non_empty(&h.volumes_from),
        links: non_empty(&h.links),
        oom_score_adj: h.oom_score_adj,
        auto_remove: Some(h.auto_remove),
        storage_opt: (!h.storage_opt.is_empty()).then(|| map(&h.storage_opt)),
        cgroupns_mode: h.cgroupns_mode.as_deref().and_then(|m| m.parse().ok()),
        isolation: h.isolation.as_deref().and_then(|m| m.parse().ok()),
        volume_driver: h.volume_driver.clone(),
        masked_paths: h.masked_paths.clone(),
        readonly_paths: h.readonly_paths.clone(),
        ..Default::default()
    }
}

fn throttle(devices: &[BlkioThrottle]) -> Option<Vec<wire::ThrottleDevice>> {
    (!devices.is_empty()).then(|| {
        devices
            .iter()
            .map(|d| wire::ThrottleDevice { path: Some(d.path.clone()), rate: Some(i64::try_from(d.rate).unwrap_or(i64::MAX)) })
            .collect()
    })
}

fn restart_policy(p: RestartPolicy) -> wire::RestartPolicy {
    use wire::RestartPolicyNameEnum as N;
    let (name, max) = match p {
        RestartPolicy::No => (N::NO, None),
        RestartPolicy::Always => (N::ALWAYS, None),
        RestartPolicy::UnlessStopped => (N::UNLESS_STOPPED, None),
        RestartPolicy::OnFailure { max_retries } => (N::ON_FAILURE, max_retries.map(i64::from)),
    };
    wire::RestartPolicy { name: Some(name), maximum_retry_count: max }
}

fn mount(m: &Mount) -> wire::Mount {
    let typ = match m.kind {
        MountKind::Bind => wire::MountType::BIND,
        MountKind::Volume => wire::MountType::VOLUME,
        MountKind::Tmpfs => wire::MountType::TMPFS,
        MountKind::Npipe => wire::MountType::NPIPE,
        MountKind::Image => wire::MountType::IMAGE,
        MountKind::Cluster => wire::MountType::CLUSTER,
    };
    wire::Mount {
        target: Some(m.target.clone()),
        source: m.source.clone(),
        typ: Some(typ),
        read_only: Some(m.read_only),
        consistency: m.consistency.clone(),
        bind_options: m.bind.as_ref().map(|b| wire::MountBindOptions {
            propagation: b.propagation.as_deref().and_then(|p| p.parse().ok()),
            create_mountpoint: b.create_host_path,
            ..Default::default()
        }),
        volume_options: m.volume.as_ref().map(|v| wire::MountVolumeOptions {
            no_copy: Some(v.no_copy),
            labels: (!v.labels.is_empty()).then(|| map(&v.labels)),
            subpath: v.subpath.clone(),
            ..Default::default()
        }),
        image_options: m.image_subpath.as_ref().map(|subpath| wire::MountImageOptions { subpath: Some(subpath.clone()) }),
        tmpfs_options: m.tmpfs.as_ref().map(|t| wire::MountTmpfsOptions {
            size_bytes: t.size_bytes,
            mode: t.mode.map(i64::from),
            ..Default::default()
        }),
    }
}

pub(super) fn endpoint_settings(e: &EndpointSpec) -> wire::EndpointSettings {
    let has_ipam = e.ipam_config || e.ipv4_address.is_some() || e.ipv6_address.is_some() || !e.link_local_ips.is_empty();
    wire::EndpointSettings {
        aliases: non_empty(&e.aliases),
        ipam_config: has_ipam.then(|| wire::EndpointIpamConfig {
            ipv4_address: e.ipv4_address.clone(),
            ipv6_address: e.ipv6_address.clone(),
            link_local_ips: non_empty(&e.link_local_ips),
        }),
        mac_address: e.mac_address.clone(),
        links: non_empty(&e.links),
        driver_opts: (!e.driver_opts.is_empty()).then(|| map(&e.driver_opts)),
        gw_priority: e.gw_priority,
        ..Default::default()
    }
}

pub(super) fn network_request(n: &NetworkSpec) -> wire::NetworkCreateRequest {
    wire::NetworkCreateRequest {
        name: n.name.clone(),
        driver: n.driver.clone(),
        internal: Some(n.internal),
        attachable: Some(n.attachable),
        enable_ipv6: n.enable_ipv6,
        options: Some(map(&n.options)),
        labels: Some(map(&n.labels)),
        ipam: n.ipam.as_ref().map(|i| wire::Ipam {
            driver: i.driver.clone(),
            options: (!i.options.is_empty()).then(|| map(&i.options)),
            config: Some(
                i.pools
                    .iter()
                    .map(|p| wire::IpamConfig {
                        subnet: p.subnet.clone(),
                        ip_range: p.ip_range.clone(),
                        gateway: p.gateway.clone(),
                        auxiliary_addresses: (!p.aux_addresses.is_empty()).then(|| map(&p.aux_addresses)),
                    })
                    .collect(),
            ),
        }),
        ..Default::default()
    }
}

pub(super) fn volume_request(v: &VolumeSpec) -> wire::VolumeCreateRequest {
    wire::VolumeCreateRequest {
        name: Some(v.name.clone()),
        driver: v.driver.clone(),
        // Docker Compose sends no options when there are none: the engine then reports `null`.
        driver_opts: (!v.driver_opts.is_empty()).then(|| map(&v.driver_opts)),
        labels: Some(map(&v.labels)),
        ..Default::default()
    }
}

pub(super) fn map(m: &BTreeMap<String, String>) -> HashMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn non_empty(v: &[String]) -> Option<Vec<String>> {
    (!v.is_empty()).then(|| v.to_vec())
}

fn nanos(d: Duration) -> i64 {
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::PortBinding;

    #[test]
    fn primary_network_becomes_the_network_mode() {
        let spec = ContainerSpec {
            config: ContainerConfig { image: "busybox".into(), ..Default::default() },
            networks: vec![EndpointSpec::new("front"), EndpointSpec::new("back")],
            ..Default::default()
        };
        let body = create_body(&spec, &spec.networks[..1]);
        let host = body.host_config.unwrap();
        assert_eq!(host.network_mode.as_deref(), Some("front"));
        let eps = body.networking_config.unwrap().endpoints_config.unwrap();
        assert_eq!(eps.keys().collect::<Vec<_>>(), ["front"]);
    }

    #[test]
    fn ports_and_healthcheck_use_the_wire_units() {
        let mut spec = ContainerSpec::default();
        spec.host.port_bindings.insert("80/tcp".into(), vec![PortBinding { host_ip: None, host_port: Some("8080".into()) }]);
        spec.config.healthcheck = Some(Healthcheck {
            test: vec!["CMD".into(), "true".into()],
            interval: Some(Duration::from_millis(1500)),
            ..Default::default()
        });
        let body = create_body(&spec, &[]);
        assert_eq!(body.healthcheck.unwrap().interval, Some(1_500_000_000));
        let ports = body.host_config.unwrap().port_bindings.unwrap();
        assert_eq!(ports["80/tcp"].as_ref().unwrap()[0].host_port.as_deref(), Some("8080"));
        assert!(body.networking_config.is_none());
    }

    #[test]
    fn empty_collections_are_sent_as_docker_compose_sends_them() {
        let host = host_config(&HostConfig { masked_paths: Some(vec![]), ..Default::default() });
        assert_eq!(host.port_bindings, Some(HashMap::new()));
        assert_eq!(host.extra_hosts, Some(vec![]));
        assert_eq!(host.masked_paths, Some(vec![]));
        assert_eq!(host.readonly_paths, None);
        let volume = volume_request(&VolumeSpec { name: "v".into(), ..Default::default() });
        assert_eq!(volume.driver_opts, None);
        let configured = endpoint_settings(&EndpointSpec { ipam_config: true, ..EndpointSpec::new("n") });
        assert_eq!(configured.ipam_config, Some(wire::EndpointIpamConfig::default()));
        assert_eq!(endpoint_settings(&EndpointSpec::new("n")).ipam_config, None);
    }
}
