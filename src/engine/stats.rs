//! A container's resource usage as the engine samples it (`GET /containers/{id}/stats`): the
//! raw counters, from which `status::stats` computes what `stats` shows.

use std::collections::BTreeMap;

/// One sample. Counters are cumulative; CPU use is the change between `cpu` and `precpu`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerStats {
    /// The container's full id.
    pub id: String,
    /// The container's name as the engine writes it, with its leading `/`.
    pub name: String,
    /// CPU counters now.
    pub cpu: CpuReading,
    /// CPU counters at the previous sample (zero in the first sample of a stream).
    pub precpu: CpuReading,
    /// Memory in use, cache included, in bytes.
    pub memory_usage: u64,
    /// The container's memory limit (the host's memory without one), in bytes.
    pub memory_limit: u64,
    /// The cgroup's memory counters (`inactive_file`, `total_inactive_file`...).
    pub memory_stats: BTreeMap<String, u64>,
    /// Bytes received and sent, per network interface.
    pub networks: Vec<(u64, u64)>,
    /// Block I/O bytes by operation (`read`, `write`, `Read`...), per device.
    pub block_io: Vec<(String, u64)>,
    /// Processes or threads in the container.
    pub pids: u64,
}

/// The CPU counters of a sample, in nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuReading {
    /// CPU time the container used.
    pub total_usage: u64,
    /// CPU time the host used.
    pub system_usage: u64,
    /// CPUs online; 0 when the engine does not say (count `percpu` instead).
    pub online_cpus: u32,
    /// How many per-CPU counters the sample has.
    pub percpu: usize,
}
