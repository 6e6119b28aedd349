//! The container engine, behind our own trait.
//!
//! Everything above this module speaks `Engine` and the plain types defined here; only
//! `docker` knows bollard and the Docker wire format, and `fake` is an in-memory stand-in for
//! planner and executor unit tests. Behaviour on a real engine is proven by the integration
//! tests, never by the fake.
//!
//! The trait returns boxed futures and streams rather than using `async fn` so that it stays
//! dyn-compatible: the CLI builds one `Arc<dyn Engine>` and hands it to the reconciler, the log
//! follower and the watcher, which run as tasks of their own; tests put a `FakeEngine` in the
//! same slot. One allocation per call is nothing next to an HTTP round trip. Futures and
//! streams borrow the engine and their arguments (`'a`); a task that needs a stream owns an
//! `Arc<dyn Engine>` clone and opens the stream inside itself.

mod container;
pub mod docker;
pub mod endpoint;
mod error;
pub mod fake;
mod filter;
mod hijack;
mod image;
mod inspect;
mod io;
mod network;
mod registry;
mod stats;
pub mod swarm;
mod volume;

use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;

pub use container::{
    BindOptions, BlkioThrottle, BlkioWeight, ContainerConfig, ContainerSpec, DeviceMapping, DeviceRequest, EndpointSpec, Healthcheck,
    HostConfig, LogConfig, Mount, MountKind, PortBinding, Resources, RestartPolicy, TmpfsOptions, Ulimit, VolumeMountOptions,
};
pub use docker::DockerEngine;
pub use error::EngineError;
pub use fake::FakeEngine;
pub use filter::LabelFilter;
pub use hijack::{AttachStreams, ExecStart, ExecState, Hijacked, TtySize};
pub use image::{BuildOptions, ImageFilter, ImageInfo, ImageMessage, ImageRemoved, ImageSummary};
pub use inspect::{
    ContainerDetails, ContainerState, ContainerStatus, ContainerSummary, EndpointInfo, HealthProbe, HealthState, HealthStatus, MountPoint,
    PortSummary,
};
pub use io::{
    byte_stream, ArchiveOptions, ByteStream, CommitOptions, EngineEvent, EngineVersion, EventFilter, ExecOutput, ExecSpec, LogChunk,
    LogOptions, LogStream, PathKind, PathStat, RemoveContainerOptions, TopResult, WaitCondition, WaitResult,
};
pub use network::{Ipam, IpamPool, NetworkInfo, NetworkMember, NetworkSpec};
pub use registry::RegistryAuth;
pub use stats::{ContainerStats, CpuReading};
pub use volume::{VolumeInfo, VolumeSpec};

pub type EngineResult<T> = Result<T, EngineError>;
/// The future every engine call returns.
pub type EngineFuture<'a, T> = BoxFuture<'a, EngineResult<T>>;
/// A stream of engine items; an `Err` item reports a failure (the stream may end after it).
pub type EngineStream<'a, T> = BoxStream<'a, EngineResult<T>>;

/// A container engine. Object names may be given by name or id wherever the engine accepts
/// both.
pub trait Engine: Send + Sync {
    // ---- the engine itself

    /// Succeeds when the engine answers.
    fn ping(&self) -> EngineFuture<'_, ()>;
    fn version(&self) -> EngineFuture<'_, EngineVersion>;
    /// The API version spoken with the engine, as (major, minor): which features requests may use.
    fn api_version(&self) -> (usize, usize);
    /// What the engine warned about since the last call (a container or network created with a
    /// warning, a failed clean-up), for the caller to print: the engine prints nothing.
    fn take_warnings(&self) -> Vec<String> {
        Vec::new()
    }
    /// Live events; never ends on its own unless `filter.until` is set.
    fn events<'a>(&'a self, filter: &'a EventFilter) -> EngineStream<'a, EngineEvent>;

    // ---- containers

    /// Containers whose labels match; `all` includes stopped ones.
    fn list_containers<'a>(&'a self, all: bool, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<ContainerSummary>>;
    fn inspect_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ContainerDetails>;
    /// Creates the container and joins all its networks; returns the new id. A taken name is
    /// `Conflict`, a missing image `NotFound`.
    fn create_container<'a>(&'a self, spec: &'a ContainerSpec) -> EngineFuture<'a, String>;
    /// Succeeds, doing nothing, on a running container.
    fn start_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()>;
    /// Sends the stop signal, then kills after `timeout` (`None`: the container's own
    /// stop timeout). Succeeds, doing nothing, on a stopped container.
    fn stop_container<'a>(&'a self, id: &'a str, timeout: Option<Duration>) -> EngineFuture<'a, ()>;
    /// `signal` defaults to SIGKILL. A container that is not running is `Conflict`.
    fn kill_container<'a>(&'a self, id: &'a str, signal: Option<&'a str>) -> EngineFuture<'a, ()>;
    /// Freezes every process of a running container. A container that is not running, or is
    /// paused already, is `Conflict`.
    fn pause_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()>;
    /// Thaws a paused container. A container that is not paused is `Conflict`.
    fn unpause_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()>;
    fn remove_container<'a>(&'a self, id: &'a str, options: RemoveContainerOptions) -> EngineFuture<'a, ()>;
    fn rename_container<'a>(&'a self, id: &'a str, new_name: &'a str) -> EngineFuture<'a, ()>;
    fn wait_container<'a>(&'a self, id: &'a str, condition: WaitCondition) -> EngineFuture<'a, WaitResult>;
    fn connect_network<'a>(&'a self, container: &'a str, endpoint: &'a EndpointSpec) -> EngineFuture<'a, ()>;
    fn disconnect_network<'a>(&'a self, network: &'a str, container: &'a str, force: bool) -> EngineFuture<'a, ()>;
    fn logs<'a>(&'a self, id: &'a str, options: &'a LogOptions) -> EngineStream<'a, LogChunk>;
    /// Runs a command and collects its output; a non-zero exit is not an error.
    fn exec<'a>(&'a self, id: &'a str, spec: &'a ExecSpec) -> EngineFuture<'a, ExecOutput>;
    /// Extracts a tar archive into the directory `path` of the container, which must exist;
    /// the files keep the owners the archive gives them.
    fn put_archive<'a>(&'a self, id: &'a str, path: &'a str, tar: ByteStream) -> EngineFuture<'a, ()> {
        self.put_archive_with(id, path, tar, ArchiveOptions::default())
    }
    /// `put_archive` with the engine's options (see [`ArchiveOptions`]).
    fn put_archive_with<'a>(&'a self, id: &'a str, path: &'a str, tar: ByteStream, options: ArchiveOptions) -> EngineFuture<'a, ()>;
    /// `ps_args` defaults to the engine's (`-ef`).
    fn top<'a>(&'a self, id: &'a str, ps_args: Option<&'a str>) -> EngineFuture<'a, TopResult>;
    /// Resource usage samples of a container: one (the engine waits for two readings, so that
    /// CPU use is known) unless `stream`, else one about every second while it is read.
    fn container_stats<'a>(&'a self, id: &'a str, stream: bool) -> EngineStream<'a, ContainerStats>;

    // ---- archives

    /// What `path` is in the container (running or not): `NotFound` when nothing is there.
    /// A symbolic link is described itself, with where it leads in `link_target`.
    fn stat_path<'a>(&'a self, id: &'a str, path: &'a str) -> EngineFuture<'a, PathStat>;
    /// The tar archive of `path` in the container (running or not), streamed as the engine
    /// writes it: the entries are named after the path's last component (`d/`, `d/a`; `./`,
    /// `./a` for `d/.`), owners and modes as in the container. A missing path is a `NotFound`
    /// first item.
    fn get_archive<'a>(&'a self, id: &'a str, path: &'a str) -> EngineStream<'a, bytes::Bytes>;
    /// The container's whole file system (running or not) as one tar archive, streamed as the
    /// engine writes it (`docker export`).
    fn export_container<'a>(&'a self, id: &'a str) -> EngineStream<'a, bytes::Bytes>;
    /// Makes an image of the container's file system and configuration (`docker commit`);
    /// returns the new image's id. The engine refuses a malformed reference (`Api`, 400).
    fn commit_container<'a>(&'a self, id: &'a str, options: &'a CommitOptions) -> EngineFuture<'a, String>;

    // ---- networks

    fn list_networks<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<NetworkInfo>>;
    fn inspect_network<'a>(&'a self, id: &'a str) -> EngineFuture<'a, NetworkInfo>;
    /// Returns the new network's id.
    fn create_network<'a>(&'a self, spec: &'a NetworkSpec) -> EngineFuture<'a, String>;
    fn remove_network<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()>;

    // ---- volumes

    fn list_volumes<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<VolumeInfo>>;
    fn inspect_volume<'a>(&'a self, name: &'a str) -> EngineFuture<'a, VolumeInfo>;
    fn create_volume<'a>(&'a self, spec: &'a VolumeSpec) -> EngineFuture<'a, VolumeInfo>;
    /// A volume in use by a container is `Conflict`, whatever `force` (which only purges a
    /// volume its driver fails to remove).
    fn remove_volume<'a>(&'a self, name: &'a str, force: bool) -> EngineFuture<'a, ()>;

    // ---- images

    fn inspect_image<'a>(&'a self, name: &'a str) -> EngineFuture<'a, ImageInfo>;
    fn list_images<'a>(&'a self, filter: &'a ImageFilter) -> EngineFuture<'a, Vec<ImageSummary>>;
    fn remove_image<'a>(&'a self, name: &'a str, force: bool) -> EngineFuture<'a, Vec<ImageRemoved>>;
    /// Gives `source` the reference `target` (`repo:tag`, the tag defaults to `latest`).
    fn tag_image<'a>(&'a self, source: &'a str, target: &'a str) -> EngineFuture<'a, ()>;
    /// Builds from a tar context; the stream ends after `ImageMessage::ImageId` or an error.
    fn build_image<'a>(&'a self, context: ByteStream, options: &'a BuildOptions) -> EngineStream<'a, ImageMessage>;

    // ---- registries (pull and push; a build's credentials are `BuildOptions::registry_auths`)

    /// Pulls `reference` (`name[:tag|@digest]`, tag defaults to `latest`), logging in to its
    /// registry with `auth` when given. A registry that refuses is `Denied`.
    fn pull_image<'a>(
        &'a self,
        reference: &'a str,
        platform: Option<&'a str>,
        auth: Option<&'a RegistryAuth>,
    ) -> EngineStream<'a, ImageMessage>;
    /// Pushes `reference` (`name[:tag]`, tag defaults to `latest`) to its registry, logging in
    /// with `auth` when given. A registry that refuses is `Denied`.
    fn push_image<'a>(&'a self, reference: &'a str, auth: Option<&'a RegistryAuth>) -> EngineStream<'a, ImageMessage>;
    /// The digest (`sha256:...`) of the manifest `reference` names in its registry, which the
    /// engine asks with `auth` (`/distribution/{name}/json`). A registry that refuses is
    /// `Denied`.
    fn registry_digest<'a>(&'a self, reference: &'a str, auth: Option<&'a RegistryAuth>) -> EngineFuture<'a, String>;

    // ---- exec and attach

    /// Creates an exec in a running container and returns its id; `stdin` attaches the
    /// process's standard input (it is closed at once otherwise). A stopped container is
    /// `Conflict`, a missing one `NotFound`.
    fn create_exec<'a>(&'a self, container: &'a str, spec: &'a ExecSpec, stdin: bool) -> EngineFuture<'a, String>;
    /// Starts an exec made by `create_exec`. Attached (`detach` unset), the process's streams
    /// come back hijacked; detached, `None` once it runs.
    fn start_exec<'a>(&'a self, exec: &'a str, start: ExecStart) -> EngineFuture<'a, Option<Hijacked>>;
    /// Sets the size of an exec's TTY.
    fn resize_exec<'a>(&'a self, exec: &'a str, size: TtySize) -> EngineFuture<'a, ()>;
    fn inspect_exec<'a>(&'a self, exec: &'a str) -> EngineFuture<'a, ExecState>;
    /// Connects to the standard streams of a container, created or running. Made before the
    /// container starts, nothing it writes is missed.
    fn attach_container<'a>(&'a self, id: &'a str, streams: &'a AttachStreams) -> EngineFuture<'a, Hijacked>;
    /// Sets the size of a container's TTY. A container that is not running is `Conflict`.
    fn resize_container_tty<'a>(&'a self, id: &'a str, size: TtySize) -> EngineFuture<'a, ()>;

    // ---- swarm

    /// The engine's Swarm calls (`stack deploy`...), when it has them: a Docker engine does,
    /// whether or not it is in a swarm ([`swarm::SwarmEngine::swarm_info`] says).
    fn swarm(&self) -> Option<&dyn swarm::SwarmEngine> {
        None
    }
}
