//! Docker's answers about containers into our types. Absent fields become empty values:
//! the engine omits what is unset, and older engines omit what they do not know.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models as wire;

use crate::engine::{
    ContainerConfig, ContainerDetails, ContainerState, ContainerStatus, ContainerSummary, DeviceMapping, EndpointInfo, HealthProbe,
    HealthState, HealthStatus, Healthcheck, HostConfig, LogConfig, MountKind, MountPoint, PortBinding, PortSummary, Resources,
    RestartPolicy, Ulimit,
};

pub(super) fn summary(c: wire::ContainerSummary) -> ContainerSummary {
    ContainerSummary {
        id: c.id.unwrap_or_default(),
        names: c.names.unwrap_or_default().into_iter().map(|n| n.trim_start_matches('/').to_string()).collect(),
        image: c.image.unwrap_or_default(),
        image_id: c.image_id.unwrap_or_default(),
        command: c.command.unwrap_or_default(),
        created: c.created.unwrap_or_default(),
        state: c.state.map(|s| ContainerStatus::parse(s.as_ref())).unwrap_or_default(),
        status: c.status.unwrap_or_default(),
        labels: sorted(c.labels),
        ports: c
            .ports
            .unwrap_or_default()
            .into_iter()
            .map(|p| PortSummary {
                ip: p.ip,
                private_port: p.private_port,
                public_port: p.public_port,
                protocol: p.typ.map(|t| t.to_string()).unwrap_or_else(|| "tcp".into()),
            })
            .collect(),
        networks: endpoints(c.network_settings.and_then(|n| n.networks)),
        mounts: c.mounts.unwrap_or_default().into_iter().map(mount_point).collect(),
    }
}

pub(super) fn details(c: wire::ContainerInspectResponse) -> ContainerDetails {
    let net = c.network_settings.unwrap_or_default();
    ContainerDetails {
        id: c.id.unwrap_or_default(),
        name: c.name.unwrap_or_default().trim_start_matches('/').to_string(),
        created: c.created.unwrap_or_default(),
        image_id: c.image.unwrap_or_default(),
        restart_count: c.restart_count.unwrap_or_default(),
        config: c.config.map(config).unwrap_or_default(),
        host: c.host_config.map(host_config).unwrap_or_default(),
        state: c.state.map(state).unwrap_or_default(),
        mounts: c.mounts.unwrap_or_default().into_iter().map(mount_point).collect(),
        networks: endpoints(net.networks),
        ports: net.ports.unwrap_or_default().into_iter().map(|(port, bindings)| (port, port_bindings(bindings))).collect(),
    }
}

fn config(c: wire::ContainerConfig) -> ContainerConfig {
    ContainerConfig {
        image: c.image.unwrap_or_default(),
        cmd: c.cmd,
        entrypoint: c.entrypoint,
        env: c.env.unwrap_or_default(),
        labels: sorted(c.labels),
        working_dir: c.working_dir.filter(|s| !s.is_empty()),
        user: c.user.filter(|s| !s.is_empty()),
        hostname: c.hostname.filter(|s| !s.is_empty()),
        domainname: c.domainname.filter(|s| !s.is_empty()),
        exposed_ports: c.exposed_ports.unwrap_or_default(),
        tty: c.tty.unwrap_or_default(),
        open_stdin: c.open_stdin.unwrap_or_default(),
        attach_stdin: c.attach_stdin.unwrap_or_default(),
        stop_signal: c.stop_signal,
        stop_timeout: c.stop_timeout.map(|s| Duration::from_secs(s.max(0) as u64)),
        healthcheck: c.healthcheck.map(|h| Healthcheck {
            test: h.test.unwrap_or_default(),
            interval: h.interval.and_then(duration),
            timeout: h.timeout.and_then(duration),
            retries: h.retries.and_then(|r| u32::try_from(r).ok()),
            start_period: h.start_period.and_then(duration),
            start_interval: h.start_interval.and_then(duration),
        }),
    }
}

fn host_config(h: wire::HostConfig) -> HostConfig {
    HostConfig {
        binds: h.binds.unwrap_or_default(),
        mounts: Vec::new(), // long-syntax mounts show up in `ContainerDetails::mounts`
        port_bindings: h.port_bindings.unwrap_or_default().into_iter().map(|(port, b)| (port, port_bindings(b))).collect(),
        publish_all_ports: h.publish_all_ports.unwrap_or_default(),
        restart_policy: h.restart_policy.and_then(restart_policy),
        network_mode: h.network_mode,
        resources: Resources {
            memory: h.memory.filter(|&v| v != 0),
            memory_reservation: h.memory_reservation.filter(|&v| v != 0),
            memory_swap: h.memory_swap.filter(|&v| v != 0),
            memory_swappiness: h.memory_swappiness,
            nano_cpus: h.nano_cpus.filter(|&v| v != 0),
            cpu_shares: h.cpu_shares.filter(|&v| v != 0),
            cpu_period: h.cpu_period.filter(|&v| v != 0),
            cpu_quota: h.cpu_quota.filter(|&v| v != 0),
            cpuset_cpus: h.cpuset_cpus.filter(|s| !s.is_empty()),
            cpuset_mems: h.cpuset_mems.filter(|s| !s.is_empty()),
            pids_limit: h.pids_limit.filter(|&v| v > 0),
            oom_kill_disable: h.oom_kill_disable,
            blkio_weight: h.blkio_weight.filter(|&v| v != 0),
            cpu_realtime_period: h.cpu_realtime_period.filter(|&v| v != 0),
            cpu_realtime_runtime: h.cpu_realtime_runtime.filter(|&v| v != 0),
            ..Default::default()
        },
        cap_add: h.cap_add.unwrap_or_default(),
        cap_drop: h.cap_drop.unwrap_or_default(),
        privileged: h.privileged.unwrap_or_default(),
        init: h.init,
        read_only: h.readonly_rootfs.unwrap_or_default(),
        tmpfs: sorted(h.tmpfs),
        shm_size: h.shm_size,
        ulimits: h
            .ulimits
            .unwrap_or_default()
            .into_iter()
            .map(|u| Ulimit { name: u.name.unwrap_or_default(), soft: u.soft.unwrap_or_default(), hard: u.hard.unwrap_or_default() })
            .collect(),
        sysctls: sorted(h.sysctls),
        extra_hosts: h.extra_hosts.unwrap_or_default(),
        dns: h.dns.unwrap_or_default(),
        dns_search: h.dns_search.unwrap_or_default(),
        dns_options: h.dns_options.unwrap_or_default(),
        log_config: h.log_config.map(|l| LogConfig { driver: l.typ.unwrap_or_default(), options: sorted(l.config) }),
        security_opt: h.security_opt.unwrap_or_default(),
        devices: h
            .devices
            .unwrap_or_default()
            .into_iter()
            .map(|d| DeviceMapping {
                path_on_host: d.path_on_host.unwrap_or_default(),
                path_in_container: d.path_in_container.unwrap_or_default(),
                cgroup_permissions: d.cgroup_permissions.unwrap_or_default(),
            })
            .collect(),
        device_cgroup_rules: h.device_cgroup_rules.unwrap_or_default(),
        pid_mode: h.pid_mode.filter(|s| !s.is_empty()),
        ipc_mode: h.ipc_mode.filter(|s| !s.is_empty()),
        uts_mode: h.uts_mode.filter(|s| !s.is_empty()),
        userns_mode: h.userns_mode.filter(|s| !s.is_empty()),
        cgroup_parent: h.cgroup_parent.filter(|s| !s.is_empty()),
        runtime: h.runtime.filter(|s| !s.is_empty()),
        group_add: h.group_add.unwrap_or_default(),
        volumes_from: h.volumes_from.unwrap_or_default(),
        links: h.links.unwrap_or_default(),
        oom_score_adj: h.oom_score_adj.filter(|&v| v != 0),
        auto_remove: h.auto_remove.unwrap_or_default(),
        storage_opt: sorted(h.storage_opt),
        cgroupns_mode: h.cgroupns_mode.map(|m| m.to_string()).filter(|s| !s.is_empty()),
        isolation: h.isolation.map(|m| m.to_string()).filter(|s| !s.is_empty()),
        volume_driver: h.volume_driver.filter(|s| !s.is_empty()),
        masked_paths: h.masked_paths,
        readonly_paths: h.readonly_paths,
    }
}

fn restart_policy(p: wire::RestartPolicy) -> Option<RestartPolicy> {
    use wire::RestartPolicyNameEnum as N;
    Some(match p.name? {
        N::EMPTY => return None,
        N::NO => RestartPolicy::No,
        N::ALWAYS => RestartPolicy::Always,
        N::UNLESS_STOPPED => RestartPolicy::UnlessStopped,
        N::ON_FAILURE => RestartPolicy::OnFailure { max_retries: p.maximum_retry_count.filter(|&n| n > 0).and_then(|n| n.try_into().ok()) },
    })
}

fn state(s: wire::ContainerState) -> ContainerState {
    ContainerState {
        status: s.status.map(|v| ContainerStatus::parse(v.as_ref())).unwrap_or_default(),
        running: s.running.unwrap_or_default(),
        paused: s.paused.unwrap_or_default(),
        restarting: s.restarting.unwrap_or_default(),
        oom_killed: s.oom_killed.unwrap_or_default(),
        dead: s.dead.unwrap_or_default(),
        pid: s.pid.unwrap_or_default(),
        exit_code: s.exit_code.unwrap_or_default(),
        error: s.error.unwrap_or_default(),
        started_at: s.started_at.unwrap_or_default(),
        finished_at: s.finished_at.unwrap_or_default(),
        health: s.health.map(|h| HealthState {
            status: h.status.map(|v| HealthStatus::parse(v.as_ref())).unwrap_or_default(),
            failing_streak: h.failing_streak.unwrap_or_default(),
            log: h
                .log
                .unwrap_or_default()
                .into_iter()
                .map(|p| HealthProbe {
                    start: p.start.unwrap_or_default(),
                    end: p.end.unwrap_or_default(),
                    exit_code: p.exit_code.unwrap_or_default(),
                    output: p.output.unwrap_or_default(),
                })
                .collect(),
        }),
    }
}

fn mount_point(m: wire::MountPoint) -> MountPoint {
    MountPoint {
        kind: m.typ.as_deref().and_then(MountKind::parse),
        name: m.name.filter(|s| !s.is_empty()),
        source: m.source.unwrap_or_default(),
        destination: m.destination.unwrap_or_default(),
        driver: m.driver.filter(|s| !s.is_empty()),
        mode: m.mode.unwrap_or_default(),
        rw: m.rw.unwrap_or_default(),
        propagation: m.propagation.unwrap_or_default(),
    }
}

fn endpoints(n: Option<HashMap<String, wire::EndpointSettings>>) -> BTreeMap<String, EndpointInfo> {
    n.unwrap_or_default()
        .into_iter()
        .map(|(name, e)| {
            let ipam = e.ipam_config.unwrap_or_default();
            let info = EndpointInfo {
                network_id: e.network_id.unwrap_or_default(),
                endpoint_id: e.endpoint_id.unwrap_or_default(),
                aliases: e.aliases.unwrap_or_default(),
                ip_address: e.ip_address.unwrap_or_default(),
                ip_prefix_len: e.ip_prefix_len.unwrap_or_default(),
                gateway: e.gateway.unwrap_or_default(),
                ipv6_address: e.global_ipv6_address.unwrap_or_default(),
                mac_address: e.mac_address.unwrap_or_default(),
                ipv4_requested: ipam.ipv4_address.filter(|s| !s.is_empty()),
                ipv6_requested: ipam.ipv6_address.filter(|s| !s.is_empty()),
            };
            (name, info)
        })
        .collect()
}

fn port_bindings(b: Option<Vec<wire::PortBinding>>) -> Vec<PortBinding> {
    let mut out: Vec<PortBinding> = b
        .unwrap_or_default()
        .into_iter()
        .map(|b| PortBinding { host_ip: b.host_ip.filter(|s| !s.is_empty()), host_port: b.host_port.filter(|s| !s.is_empty()) })
        .collect();
    out.sort();
    out
}

pub(super) fn sorted(m: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    m.unwrap_or_default().into_iter().collect()
}

fn duration(nanos: i64) -> Option<Duration> {
    (nanos > 0).then(|| Duration::from_nanos(nanos as u64))
}
