//! CPU, memory, process, block-I/O and device limits of a service's container.
//!
//! Docker Compose reads the service-level keys (`mem_limit`, `cpus`, `pids_limit`...) and then
//! lets `deploy.resources` override them where set; numbers are converted as Go converts them.

use super::non_empty;
use crate::engine::{BlkioThrottle, BlkioWeight, DeviceRequest, Resources};
use crate::model::{self, Service};

/// Service-level limits, then `deploy.resources` over them where set, as Docker Compose does.
pub(super) fn resources(service: &Service) -> Resources {
    let deploy = service.deploy.as_ref().map(|d| &d.resources);
    let limits = deploy.and_then(|r| r.limits.clone()).unwrap_or_default();
    let reservations = deploy.and_then(|r| r.reservations.clone()).unwrap_or_default();
    let bytes = |service: model::Bytes, deploy: model::Bytes| [deploy.0, service.0].into_iter().find(|v| *v != 0);
    let cpus = [limits.cpus, service.cpus].into_iter().find(|c| *c != 0.0);
    let blkio = blkio(service.blkio_config.as_ref());
    Resources {
        memory: bytes(service.mem_limit, limits.memory),
        memory_reservation: bytes(service.mem_reservation, reservations.memory),
        memory_swap: (service.memswap_limit.0 != 0).then_some(service.memswap_limit.0),
        memory_swappiness: (service.mem_swappiness.0 != 0).then_some(service.mem_swappiness.0),
        nano_cpus: cpus.map(nano_cpus),
        cpu_shares: (service.cpu_shares != 0).then_some(service.cpu_shares),
        cpu_period: (service.cpu_period != 0).then_some(service.cpu_period),
        cpu_quota: (service.cpu_quota != 0).then_some(service.cpu_quota),
        cpu_realtime_period: (service.cpu_rt_period != 0).then_some(service.cpu_rt_period),
        cpu_realtime_runtime: (service.cpu_rt_runtime != 0).then_some(service.cpu_rt_runtime),
        cpu_count: (service.cpu_count != 0).then_some(service.cpu_count),
        // Go's `int64(percent * 100)` on a float32: truncated.
        cpu_percent: (service.cpu_percent != 0.0).then_some((service.cpu_percent * 100.0) as i64),
        cpuset_cpus: non_empty(&service.cpuset),
        cpuset_mems: None,
        pids_limit: if limits.pids > 0 { Some(limits.pids) } else { (service.pids_limit != 0).then_some(service.pids_limit) },
        oom_kill_disable: service.oom_kill_disable.then_some(true),
        device_requests: device_requests(&reservations.devices, &service.gpus),
        ..blkio
    }
}

/// `deploy.resources.reservations.devices`, then `gpus`, as Docker Compose 2.40.3 sends them:
/// one request per entry with its capabilities as the single alternative, `count: all` as -1,
/// and its `options`; a `gpus` entry asks for the `gpu` capability besides its own (added even
/// when it names it already, as 2.40.3 does).
fn device_requests(devices: &[model::DeviceRequest], gpus: &[model::DeviceRequest]) -> Vec<DeviceRequest> {
    let request = |d: &model::DeviceRequest, extra: Option<&str>| DeviceRequest {
        driver: d.driver.clone(),
        count: d.count,
        device_ids: d.device_ids.clone(),
        capabilities: vec![d.capabilities.iter().map(String::as_str).chain(extra).map(String::from).collect()],
        options: d.options.clone(),
    };
    devices.iter().map(|d| request(d, None)).chain(gpus.iter().map(|d| request(d, Some("gpu")))).collect()
}

/// CPUs in units of 1e-9 as Go computes them from a float32: multiplied in float32, then
/// truncated (`cpus: 0.3` is 300000000, not the 300000012 that f64 arithmetic gives).
fn nano_cpus(cpus: f32) -> i64 {
    (cpus * 1e9_f32) as i64
}

/// `blkio_config`, kept as free-form JSON by the model: weights, and rates as byte counts (`1mb`)
/// or operation counts.
fn blkio(config: Option<&serde_json::Value>) -> Resources {
    let Some(c) = config else { return Resources::default() };
    let weight = |v: &serde_json::Value| v.as_u64().and_then(|w| u16::try_from(w).ok());
    let list = |key: &str| c.get(key).and_then(|v| v.as_array()).cloned().unwrap_or_default();
    let rate = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => model::Bytes::parse(s).ok().and_then(|b| u64::try_from(b.0).ok()),
        other => other.as_u64(),
    };
    let throttle = |key: &str| -> Vec<BlkioThrottle> {
        list(key)
            .iter()
            .filter_map(|d| {
                Some(BlkioThrottle { path: d.get("path")?.as_str()?.to_string(), rate: d.get("rate").and_then(rate).unwrap_or(0) })
            })
            .collect()
    };
    Resources {
        blkio_weight: c.get("weight").and_then(weight).filter(|w| *w != 0),
        blkio_weight_device: list("weight_device")
            .iter()
            .filter_map(|d| {
                Some(BlkioWeight { path: d.get("path")?.as_str()?.to_string(), weight: d.get("weight").and_then(weight).unwrap_or(0) })
            })
            .collect(),
        blkio_device_read_bps: throttle("device_read_bps"),
        blkio_device_read_iops: throttle("device_read_iops"),
        blkio_device_write_bps: throttle("device_write_bps"),
        blkio_device_write_iops: throttle("device_write_iops"),
        ..Resources::default()
    }
}
