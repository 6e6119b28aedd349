//! `stats`: each container's CPU, memory, network, block I/O and process count, computed from
//! the engine's samples as the docker CLI computes them (`docker stats`, which Docker Compose
//! runs on the project's containers).
//!
//! Containers are those labelled with the project (and the service, if one is named), in the
//! engine's order, running ones unless `all`. A container whose sample does not come within two
//! seconds (ten for the one sample of `--no-stream`), or fails, shows `--`, as in the
//! docker CLI.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::StatusError;
use crate::engine::{ContainerStats, Engine, LabelFilter};
use crate::reconcile::labels;

/// How long the next sample of a followed container may take before it shows `--` (the
/// docker CLI's two seconds).
const SAMPLE_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the one sample of `--no-stream` may take: the engine answers once it has read the
/// container twice, a second apart (the docker CLI's two seconds start after that answer).
const ONCE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the live view is refreshed (the docker CLI's half second).
pub const REFRESH: Duration = Duration::from_millis(500);

/// Which containers `stats` shows.
#[derive(Debug, Clone, Default)]
pub struct StatsOptions {
    pub project: String,
    /// Only this service's containers.
    pub service: Option<String>,
    /// Stopped containers too.
    pub all: bool,
}

/// One container's figures, as the docker CLI keeps them (`StatsEntry`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatsEntry {
    /// The container's full id, as listed.
    pub container: String,
    /// The id and name (with its leading `/`) of the sample; empty before one came.
    pub id: String,
    pub name: String,
    pub cpu_percent: f64,
    /// Memory in use, page cache excluded, in bytes.
    pub memory: f64,
    pub memory_limit: f64,
    pub memory_percent: f64,
    pub net_rx: f64,
    pub net_tx: f64,
    pub block_read: f64,
    pub block_write: f64,
    pub pids: u64,
    /// No valid sample (it failed or did not come in time): the figures show `--`.
    pub invalid: bool,
}

impl StatsEntry {
    /// The entry of `container` before any sample, or after a failed one.
    pub fn invalid(container: &str) -> StatsEntry {
        StatsEntry { container: container.to_string(), invalid: true, ..Default::default() }
    }

    /// The figures of sample `s` of `container`.
    pub fn from_sample(container: &str, s: &ContainerStats) -> StatsEntry {
        let memory = memory_without_cache(s);
        let limit = s.memory_limit as f64;
        StatsEntry {
            container: container.to_string(),
            id: s.id.clone(),
            name: s.name.clone(),
            cpu_percent: cpu_percent(s),
            memory,
            memory_limit: limit,
            memory_percent: if limit != 0.0 { memory / limit * 100.0 } else { 0.0 },
            net_rx: s.networks.iter().map(|(rx, _)| *rx as f64).sum(),
            net_tx: s.networks.iter().map(|(_, tx)| *tx as f64).sum(),
            block_read: block(s, ['r', 'R']),
            block_write: block(s, ['w', 'W']),
            pids: s.pids,
            invalid: false,
        }
    }
}

/// The container's share of the host's CPU time between the two readings of the sample, times
/// the CPUs online: 100% is one CPU busy.
fn cpu_percent(s: &ContainerStats) -> f64 {
    let cpu_delta = s.cpu.total_usage as f64 - s.precpu.total_usage as f64;
    let system_delta = s.cpu.system_usage as f64 - s.precpu.system_usage as f64;
    let cpus = if s.cpu.online_cpus == 0 { s.cpu.percpu as f64 } else { f64::from(s.cpu.online_cpus) };
    if system_delta > 0.0 && cpu_delta > 0.0 {
        cpu_delta / system_delta * cpus * 100.0
    } else {
        0.0
    }
}

/// Memory use without the inactive page cache: `total_inactive_file` on cgroup v1,
/// `inactive_file` on v2, when smaller than the usage.
fn memory_without_cache(s: &ContainerStats) -> f64 {
    let usage = s.memory_usage;
    if let Some(v) = s.memory_stats.get("total_inactive_file").filter(|v| **v < usage) {
        return (usage - v) as f64;
    }
    let inactive = s.memory_stats.get("inactive_file").copied().unwrap_or(0);
    if inactive < usage {
        (usage - inactive) as f64
    } else {
        usage as f64
    }
}

/// The bytes of the block I/O operations whose name starts with one of `first`.
fn block(s: &ContainerStats, first: [char; 2]) -> f64 {
    s.block_io.iter().filter(|(op, _)| op.starts_with(first)).map(|(_, v)| *v as f64).sum()
}

/// The containers `stats` shows: full ids, in the engine's order.
async fn container_ids(engine: &dyn Engine, opts: &StatsOptions) -> Result<Vec<String>, StatusError> {
    let mut filter = LabelFilter::new().eq(labels::PROJECT, &opts.project);
    if let Some(service) = &opts.service {
        filter = filter.eq(labels::SERVICE, service);
    }
    Ok(engine.list_containers(opts.all, &filter).await?.into_iter().map(|c| c.id).collect())
}

/// `stats --no-stream`: one sample of each container, taken together.
pub async fn once(engine: &dyn Engine, opts: &StatsOptions) -> Result<Vec<StatsEntry>, StatusError> {
    let ids = container_ids(engine, opts).await?;
    Ok(futures_util::future::join_all(ids.iter().map(|id| async move {
        let mut samples = engine.container_stats(id, false);
        match tokio::time::timeout(ONCE_TIMEOUT, samples.next()).await {
            Ok(Some(Ok(s))) => StatsEntry::from_sample(id, &s),
            _ => StatsEntry::invalid(id),
        }
    }))
    .await)
}

/// `stats`: the figures of every container, sent to `out` every [`REFRESH`] until `shutdown`
/// or until `out` is closed. Each container is followed by a task of its own; the list is
/// looked at again on each refresh, so that containers started later appear and, unless
/// `all`, stopped ones go.
pub async fn follow(
    engine: Arc<dyn Engine>,
    opts: &StatsOptions,
    out: mpsc::Sender<Vec<StatsEntry>>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), StatusError> {
    let latest: Arc<Mutex<BTreeMap<String, StatsEntry>>> = Arc::default();
    let mut followers: BTreeMap<String, tokio::task::JoinHandle<()>> = BTreeMap::new();
    let mut tick = tokio::time::interval(REFRESH);
    let mut first = true;
    tokio::pin!(shutdown);
    let result = loop {
        tokio::select! {
            _ = &mut shutdown => break Ok(()),
            _ = tick.tick() => {}
        }
        let ids = match container_ids(&*engine, opts).await {
            Ok(ids) => ids,
            Err(e) => break Err(e),
        };
        followers.retain(|id, task| {
            let keep = ids.contains(id);
            if !keep {
                task.abort();
                latest.lock().unwrap_or_else(|p| p.into_inner()).remove(id);
            }
            keep
        });
        for id in &ids {
            if !followers.contains_key(id) {
                followers.insert(id.clone(), tokio::spawn(follow_one(engine.clone(), id.clone(), latest.clone())));
            }
        }
        // The first refresh waits for the first sample of each container (or its timeout), as
        // the docker CLI's does; later, a new container shows once its first sample came.
        if first {
            first = false;
            let deadline = tokio::time::Instant::now() + SAMPLE_TIMEOUT;
            while tokio::time::Instant::now() < deadline
                && !ids.iter().all(|id| latest.lock().unwrap_or_else(|p| p.into_inner()).contains_key(id))
            {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let snapshot: Vec<StatsEntry> = {
            let latest = latest.lock().unwrap_or_else(|p| p.into_inner());
            ids.iter().filter_map(|id| latest.get(id).cloned()).collect()
        };
        if out.send(snapshot).await.is_err() {
            break Ok(());
        }
    };
    followers.values().for_each(|t| t.abort());
    result
}

/// Reads the samples of container `id` into `latest` until its stream ends; a sample late by
/// more than two seconds, or a failure, makes its figures `--` until the next one.
async fn follow_one(engine: Arc<dyn Engine>, id: String, latest: Arc<Mutex<BTreeMap<String, StatsEntry>>>) {
    let mut samples = engine.container_stats(&id, true);
    loop {
        let entry = match tokio::time::timeout(SAMPLE_TIMEOUT, samples.next()).await {
            Ok(None) => return,
            Ok(Some(Ok(s))) => StatsEntry::from_sample(&id, &s),
            Ok(Some(Err(_))) | Err(_) => StatsEntry::invalid(&id),
        };
        latest.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone(), entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::CpuReading;

    fn sample() -> ContainerStats {
        ContainerStats {
            id: "abc".into(),
            name: "/p-web-1".into(),
            cpu: CpuReading { total_usage: 300_000_000, system_usage: 20_000_000_000, online_cpus: 2, percpu: 0 },
            precpu: CpuReading { total_usage: 100_000_000, system_usage: 18_000_000_000, online_cpus: 2, percpu: 0 },
            memory_usage: 10_000_000,
            memory_limit: 100_000_000,
            memory_stats: BTreeMap::from([("inactive_file".to_string(), 2_000_000)]),
            networks: vec![(1000, 10), (200, 5)],
            block_io: vec![("read".into(), 4096), ("Write".into(), 8192), ("Read".into(), 4096), ("sync".into(), 1)],
            pids: 3,
        }
    }

    #[test]
    fn figures_are_the_docker_clis() {
        let e = StatsEntry::from_sample("abcdef", &sample());
        // 0.2 s of CPU over 2 s of the host's, times 2 CPUs.
        assert!((e.cpu_percent - 20.0).abs() < 1e-9, "{}", e.cpu_percent);
        assert_eq!((e.memory, e.memory_limit), (8_000_000.0, 100_000_000.0));
        assert!((e.memory_percent - 8.0).abs() < 1e-9);
        assert_eq!((e.net_rx, e.net_tx, e.block_read, e.block_write, e.pids), (1200.0, 15.0, 8192.0, 8192.0, 3));
        assert_eq!((e.container.as_str(), e.name.as_str(), e.invalid), ("abcdef", "/p-web-1", false));
    }

    #[test]
    fn cgroup_v1_cache_and_missing_readings() {
        let mut s = sample();
        s.memory_stats = BTreeMap::from([("total_inactive_file".to_string(), 1_000_000), ("inactive_file".to_string(), 5)]);
        assert_eq!(StatsEntry::from_sample("x", &s).memory, 9_000_000.0);
        // A stopped container: nothing used, no limit, no CPU delta.
        let stopped = ContainerStats { id: "x".into(), name: "/x".into(), ..Default::default() };
        let e = StatsEntry::from_sample("x", &stopped);
        assert_eq!((e.cpu_percent, e.memory, e.memory_percent), (0.0, 0.0, 0.0));
        // CPUs counted from the per-CPU counters when the engine does not say.
        s.cpu.online_cpus = 0;
        s.cpu.percpu = 4;
        assert!((StatsEntry::from_sample("x", &s).cpu_percent - 40.0).abs() < 1e-9);
    }

    #[tokio::test]
    async fn once_samples_each_container_of_the_project() {
        let engine = crate::engine::FakeEngine::new();
        engine.add_image("busybox", BTreeMap::new());
        let labels = |service: &str| {
            BTreeMap::from([(labels::PROJECT.to_string(), "p".to_string()), (labels::SERVICE.to_string(), service.to_string())])
        };
        for service in ["web", "db"] {
            let spec = crate::engine::ContainerSpec {
                name: Some(format!("p-{service}-1")),
                config: crate::engine::ContainerConfig { image: "busybox".into(), labels: labels(service), ..Default::default() },
                ..Default::default()
            };
            let id = engine.create_container(&spec).await.unwrap();
            engine.start_container(&id).await.unwrap();
        }
        let opts = StatsOptions { project: "p".into(), service: Some("web".into()), all: false };
        let entries = once(&engine, &opts).await.unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].name, "/p-web-1");
        assert!(!entries[0].invalid);
    }
}
