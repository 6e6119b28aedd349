//! `GET /containers/{id}/stats`: bollard's sample translated into our [`ContainerStats`].

use bollard::models::{ContainerCpuStats, ContainerStatsResponse};
use bollard::query_parameters::StatsOptions;
use futures_util::{StreamExt, TryStreamExt};

use super::DockerEngine;
use crate::engine::{ContainerStats, CpuReading, EngineStream};

pub(super) fn stats<'a>(e: &'a DockerEngine, id: &'a str, stream: bool) -> EngineStream<'a, ContainerStats> {
    // Not `one-shot`: the engine then waits for a second reading, so that the CPU use of a single
    // sample is known, as the docker CLI's `stats --no-stream` shows it.
    let options = StatsOptions { stream, one_shot: false };
    let samples = e.docker.stats(id, Some(options)).map_ok(sample).map_err(|x| e.err(x));
    if stream {
        let short = &id[..id.len().min(12)];
        return super::liveness::watched(e, format!("following the resource usage of container {short}"), samples.boxed());
    }
    samples.boxed()
}

fn sample(s: ContainerStatsResponse) -> ContainerStats {
    let memory = s.memory_stats.unwrap_or_default();
    let blkio = s.blkio_stats.unwrap_or_default();
    ContainerStats {
        id: s.id.unwrap_or_default(),
        name: s.name.unwrap_or_default(),
        cpu: cpu(s.cpu_stats),
        precpu: cpu(s.precpu_stats),
        memory_usage: memory.usage.unwrap_or_default(),
        memory_limit: memory.limit.unwrap_or_default(),
        memory_stats: memory.stats.unwrap_or_default().into_iter().collect(),
        networks: s
            .networks
            .unwrap_or_default()
            .into_values()
            .map(|n| (n.rx_bytes.unwrap_or_default(), n.tx_bytes.unwrap_or_default()))
            .collect(),
        block_io: blkio
            .io_service_bytes_recursive
            .unwrap_or_default()
            .into_iter()
            .map(|b| (b.op.unwrap_or_default(), b.value.unwrap_or_default()))
            .collect(),
        pids: s.pids_stats.and_then(|p| p.current).unwrap_or_default(),
    }
}

fn cpu(c: Option<ContainerCpuStats>) -> CpuReading {
    let c = c.unwrap_or_default();
    let usage = c.cpu_usage.unwrap_or_default();
    CpuReading {
        total_usage: usage.total_usage.unwrap_or_default(),
        system_usage: c.system_cpu_usage.unwrap_or_default(),
        online_cpus: c.online_cpus.unwrap_or_default(),
        percpu: usage.percpu_usage.map_or(0, |p| p.len()),
    }
}
