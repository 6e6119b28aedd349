//! The Docker engine through bollard: the only code in rcompose that knows bollard.
//!
//! Each area lives in its own file (`containers`, `runtime`, `resources`, `images`) as plain
//! async functions; the `Engine` impl below only boxes them. `spec` turns our specs into request
//! bodies, `observe` turns container answers into our types (networks, volumes and images are
//! translated in their own files), and `error` maps every failure to an `EngineError`.

mod archives;
mod containers;
mod dial;
mod error;
mod hijack;
mod images;
mod interactive;
mod liveness;
mod logstream;
mod ping;
mod registry;
mod resources;
mod runtime;
mod spec;
mod stats;
mod swarm;
mod wire;

use std::time::Duration;

use bollard::Docker;
use futures_util::FutureExt;

use super::endpoint;
use super::RegistryAuth;
use super::{
    ArchiveOptions, AttachStreams, BuildOptions, ByteStream, CommitOptions, ContainerDetails, ContainerSpec, ContainerSummary,
    EndpointSpec, Engine, EngineError, EngineEvent, EngineFuture, EngineResult, EngineStream, EngineVersion, EventFilter, ExecOutput,
    ExecSpec, ExecStart, ExecState, Hijacked, ImageFilter, ImageInfo, ImageMessage, ImageRemoved, ImageSummary, LabelFilter, LogChunk,
    LogOptions, NetworkInfo, NetworkSpec, PathStat, RemoveContainerOptions, TopResult, TtySize, VolumeInfo, VolumeSpec, WaitCondition,
    WaitResult,
};

/// Where the engine listens when `DOCKER_HOST` is unset.
pub const DEFAULT_HOST: &str = crate::engine::endpoint::DEFAULT_HOST;

/// Time allowed for the engine to start answering one request. Streams (logs, events, build
/// output) are not bound by it once they have started; cancellation is the caller's business.
/// Generous because `stop` answers only once the container is down.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30 * 60);

const USER_AGENT: &str = concat!("rcompose/", env!("CARGO_PKG_VERSION"));

/// A connection to a Docker engine. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct DockerEngine {
    docker: Docker,
    /// The address we connected to (with its context, if any), for error messages.
    host: String,
    /// How connections to the engine are opened, for what speaks HTTP by hand: container logs
    /// (`logstream`), exec and attach sessions (`hijack`).
    dialer: std::sync::Arc<dial::Dialer>,
    /// What the engine warned about while doing what was asked (a container's or network's
    /// creation), kept until the caller takes them ([`Engine::take_warnings`]) and prints them
    /// through `src/output/`: nothing here writes to the terminal.
    warnings: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl std::fmt::Debug for DockerEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DockerEngine").field("host", &self.host).finish_non_exhaustive()
    }
}

impl DockerEngine {
    /// Keeps a warning for the caller ([`Engine::take_warnings`]).
    fn warn(&self, warning: String) {
        self.warnings.lock().unwrap_or_else(|e| e.into_inner()).push(warning);
    }

    /// Connects to the engine the environment designates (`DOCKER_HOST`, `DOCKER_CONTEXT`, the
    /// docker CLI's current context: `crate::engine::endpoint`) and negotiates the API version,
    /// which fails with `Unavailable` if nothing answers.
    pub async fn connect() -> EngineResult<Self> {
        let endpoint = endpoint::from_env(&endpoint::Selection::default()).map_err(|e| EngineError::Unavailable {
            host: "the engine of the docker CLI's configuration".to_string(),
            reason: e.to_string(),
        })?;
        Self::connect_endpoint(&endpoint).await
    }

    /// Connects to an explicit address (`unix:///path`, `tcp://host:port`, `ssh://user@host`),
    /// without TLS.
    pub async fn connect_to(host: &str) -> EngineResult<Self> {
        Self::connect_endpoint(&endpoint::Endpoint { host: host.to_string(), tls: None, context: None }).await
    }

    /// Connects to `endpoint` and settles on the lower of the engine's API version and ours,
    /// which decides version-dependent behaviour here (several networks at create needs 1.44).
    /// bollard 0.21 sends unversioned paths (`GET /containers/json`), so the engine reads every
    /// request at its own newest version.
    ///
    /// Sockets and plain TCP are spoken to by bollard's own clients; TLS and ssh engines by
    /// bollard over our connections (`dial`), which the ping, logs, exec and attach use on
    /// every transport.
    pub async fn connect_endpoint(endpoint: &endpoint::Endpoint) -> EngineResult<Self> {
        let host = endpoint.describe();
        let unavailable = |reason: String| EngineError::Unavailable { host: host.clone(), reason };
        let dialer = std::sync::Arc::new(dial::Dialer::new(endpoint).map_err(unavailable)?);
        let ready = |docker: Docker| {
            docker.with_timeout(REQUEST_TIMEOUT).with_request_modifier(|mut req| {
                req.headers_mut().insert("user-agent", USER_AGENT.parse().expect("ascii header"));
                req
            })
        };
        // TLS and ssh engines: bollard over our pooled connections, the ping's kept for the
        // next call.
        let pool = (!matches!(*dialer, dial::Dialer::Unix(_) | dial::Dialer::Tcp(_))).then(|| dial::Pool::new(dialer.clone()));
        let ping = async {
            match &pool {
                Some(pool) => pool.api_version(USER_AGENT).await,
                None => ping::api_version(&dialer, USER_AGENT).await,
            }
        };
        let seconds = liveness::answer_timeout().as_secs();
        // Whatever stops the first exchange means the engine cannot be reached.
        let engine = tokio::time::timeout(liveness::answer_timeout(), ping)
            .await
            .map_err(|_| EngineError::NoAnswer { host: host.clone(), what: "connecting".to_string(), seconds })?
            .map_err(|err| unavailable(err.to_string()))?;
        // An engine too old to say its version in the ping's headers is asked by bollard.
        let known = engine.is_some();
        let ours = (bollard::API_DEFAULT_VERSION.major_version, bollard::API_DEFAULT_VERSION.minor_version);
        let (major, minor) = engine.unwrap_or(ours).min(ours);
        let version = bollard::ClientVersion { major_version: major, minor_version: minor };
        let timeout = REQUEST_TIMEOUT.as_secs();
        let docker = match (&pool, &*dialer) {
            (Some(pool), _) => pool.docker(timeout, &version),
            (None, dial::Dialer::Unix(_)) => Docker::connect_with_unix(&endpoint.host, timeout, &version),
            (None, _) => Docker::connect_with_http(&endpoint.host, timeout, &version),
        }
        .map(ready)
        .map_err(|e| error::convert(&host, e))?;
        let docker = if known { docker } else { docker.negotiate_version().await.map_err(|e| error::convert(&host, e))? };
        Ok(DockerEngine { docker, host, dialer, warnings: Default::default() })
    }

    /// The address this engine was reached at.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The negotiated API version as (major, minor).
    pub fn api_version(&self) -> (usize, usize) {
        let v = self.docker.client_version();
        (v.major_version, v.minor_version)
    }

    fn err(&self, e: bollard::errors::Error) -> EngineError {
        error::convert(&self.host, e)
    }
}

impl Engine for DockerEngine {
    fn ping(&self) -> EngineFuture<'_, ()> {
        let ping = async move { self.docker.ping().await.map(drop).map_err(|e| self.err(e)) };
        liveness::bounded(self, "answering a ping", liveness::answer_timeout(), ping)
    }

    fn version(&self) -> EngineFuture<'_, EngineVersion> {
        runtime::version(self).boxed()
    }

    fn api_version(&self) -> (usize, usize) {
        DockerEngine::api_version(self)
    }

    fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn events<'a>(&'a self, filter: &'a EventFilter) -> EngineStream<'a, EngineEvent> {
        liveness::watched(self, "following the engine's events".to_string(), runtime::events(self, filter))
    }

    fn list_containers<'a>(&'a self, all: bool, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<ContainerSummary>> {
        liveness::bounded(self, "listing containers", liveness::answer_timeout(), containers::list(self, all, filter))
    }

    fn inspect_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ContainerDetails> {
        liveness::bounded(self, "inspecting a container", liveness::answer_timeout(), containers::inspect(self, id))
    }

    fn create_container<'a>(&'a self, spec: &'a ContainerSpec) -> EngineFuture<'a, String> {
        liveness::bounded(self, "creating a container", liveness::answer_timeout(), containers::create(self, spec))
    }

    fn start_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "starting a container", liveness::answer_timeout(), containers::start(self, id))
    }

    fn stop_container<'a>(&'a self, id: &'a str, timeout: Option<Duration>) -> EngineFuture<'a, ()> {
        // The engine answers once the container is down: after its grace period at worst.
        let limit = liveness::answer_timeout() + timeout.unwrap_or(Duration::from_secs(10));
        liveness::bounded(self, "stopping a container", limit, containers::stop(self, id, timeout))
    }

    fn kill_container<'a>(&'a self, id: &'a str, signal: Option<&'a str>) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "killing a container", liveness::answer_timeout(), containers::kill(self, id, signal))
    }

    fn pause_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "pausing a container", liveness::answer_timeout(), containers::pause(self, id))
    }

    fn unpause_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "unpausing a container", liveness::answer_timeout(), containers::unpause(self, id))
    }

    fn remove_container<'a>(&'a self, id: &'a str, options: RemoveContainerOptions) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "removing a container", liveness::answer_timeout(), containers::remove(self, id, options))
    }

    fn rename_container<'a>(&'a self, id: &'a str, new_name: &'a str) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "renaming a container", liveness::answer_timeout(), containers::rename(self, id, new_name))
    }

    fn wait_container<'a>(&'a self, id: &'a str, condition: WaitCondition) -> EngineFuture<'a, WaitResult> {
        containers::wait(self, id, condition).boxed()
    }

    fn connect_network<'a>(&'a self, container: &'a str, endpoint: &'a EndpointSpec) -> EngineFuture<'a, ()> {
        liveness::bounded(
            self,
            "connecting a container to a network",
            liveness::answer_timeout(),
            containers::connect(self, container, endpoint),
        )
    }

    fn disconnect_network<'a>(&'a self, network: &'a str, container: &'a str, force: bool) -> EngineFuture<'a, ()> {
        liveness::bounded(
            self,
            "disconnecting a container from a network",
            liveness::answer_timeout(),
            containers::disconnect(self, network, container, force),
        )
    }

    fn logs<'a>(&'a self, id: &'a str, options: &'a LogOptions) -> EngineStream<'a, LogChunk> {
        let stream = logstream::logs(&self.dialer, &self.host, USER_AGENT, id, options);
        if !options.follow {
            return stream;
        }
        let short = &id[..id.len().min(12)];
        liveness::watched(self, format!("following the logs of container {short}"), stream)
    }

    fn exec<'a>(&'a self, id: &'a str, spec: &'a ExecSpec) -> EngineFuture<'a, ExecOutput> {
        runtime::exec(self, id, spec).boxed()
    }

    fn put_archive_with<'a>(&'a self, id: &'a str, path: &'a str, tar: ByteStream, options: ArchiveOptions) -> EngineFuture<'a, ()> {
        runtime::put_archive(self, id, path, tar, options).boxed()
    }

    fn top<'a>(&'a self, id: &'a str, ps_args: Option<&'a str>) -> EngineFuture<'a, TopResult> {
        liveness::bounded(self, "listing processes of a container", liveness::answer_timeout(), runtime::top(self, id, ps_args))
    }

    fn container_stats<'a>(&'a self, id: &'a str, stream: bool) -> EngineStream<'a, super::ContainerStats> {
        stats::stats(self, id, stream)
    }

    // ---- archives

    fn stat_path<'a>(&'a self, id: &'a str, path: &'a str) -> EngineFuture<'a, PathStat> {
        archives::stat(self, id, path).boxed()
    }

    fn get_archive<'a>(&'a self, id: &'a str, path: &'a str) -> EngineStream<'a, bytes::Bytes> {
        archives::get(self, id, path)
    }

    fn export_container<'a>(&'a self, id: &'a str) -> EngineStream<'a, bytes::Bytes> {
        archives::export(self, id)
    }

    fn commit_container<'a>(&'a self, id: &'a str, options: &'a CommitOptions) -> EngineFuture<'a, String> {
        // Copying a large file system takes as long as it takes: bounded by the answer
        // timeout only as far as the engine keeps the connection alive.
        images::commit(self, id, options).boxed()
    }

    fn list_networks<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<NetworkInfo>> {
        liveness::bounded(self, "listing networks", liveness::answer_timeout(), resources::list_networks(self, filter))
    }

    fn inspect_network<'a>(&'a self, id: &'a str) -> EngineFuture<'a, NetworkInfo> {
        liveness::bounded(self, "inspecting a network", liveness::answer_timeout(), resources::inspect_network(self, id))
    }

    fn create_network<'a>(&'a self, spec: &'a NetworkSpec) -> EngineFuture<'a, String> {
        liveness::bounded(self, "creating a network", liveness::answer_timeout(), resources::create_network(self, spec))
    }

    fn remove_network<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "removing a network", liveness::answer_timeout(), resources::remove_network(self, id))
    }

    fn list_volumes<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<VolumeInfo>> {
        liveness::bounded(self, "listing volumes", liveness::answer_timeout(), resources::list_volumes(self, filter))
    }

    fn inspect_volume<'a>(&'a self, name: &'a str) -> EngineFuture<'a, VolumeInfo> {
        liveness::bounded(self, "inspecting a volume", liveness::answer_timeout(), resources::inspect_volume(self, name))
    }

    fn create_volume<'a>(&'a self, spec: &'a VolumeSpec) -> EngineFuture<'a, VolumeInfo> {
        liveness::bounded(self, "creating a volume", liveness::answer_timeout(), resources::create_volume(self, spec))
    }

    fn remove_volume<'a>(&'a self, name: &'a str, force: bool) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "removing a volume", liveness::answer_timeout(), resources::remove_volume(self, name, force))
    }

    fn inspect_image<'a>(&'a self, name: &'a str) -> EngineFuture<'a, ImageInfo> {
        liveness::bounded(self, "inspecting an image", liveness::answer_timeout(), images::inspect(self, name))
    }

    fn list_images<'a>(&'a self, filter: &'a ImageFilter) -> EngineFuture<'a, Vec<ImageSummary>> {
        liveness::bounded(self, "listing images", liveness::answer_timeout(), images::list(self, filter))
    }

    fn remove_image<'a>(&'a self, name: &'a str, force: bool) -> EngineFuture<'a, Vec<ImageRemoved>> {
        liveness::bounded(self, "removing an image", liveness::answer_timeout(), images::remove(self, name, force))
    }

    fn tag_image<'a>(&'a self, source: &'a str, target: &'a str) -> EngineFuture<'a, ()> {
        liveness::bounded(self, "tagging an image", liveness::answer_timeout(), images::tag(self, source, target))
    }

    fn build_image<'a>(&'a self, context: ByteStream, options: &'a BuildOptions) -> EngineStream<'a, ImageMessage> {
        images::build(self, context, options)
    }

    // ---- registries

    fn pull_image<'a>(
        &'a self,
        reference: &'a str,
        platform: Option<&'a str>,
        auth: Option<&'a RegistryAuth>,
    ) -> EngineStream<'a, ImageMessage> {
        registry::pull(self, reference, platform, auth)
    }

    fn push_image<'a>(&'a self, reference: &'a str, auth: Option<&'a RegistryAuth>) -> EngineStream<'a, ImageMessage> {
        registry::push(self, reference, auth)
    }

    fn registry_digest<'a>(&'a self, reference: &'a str, auth: Option<&'a RegistryAuth>) -> EngineFuture<'a, String> {
        registry::digest(self, reference, auth).boxed()
    }

    // ---- exec and attach

    fn create_exec<'a>(&'a self, container: &'a str, spec: &'a ExecSpec, stdin: bool) -> EngineFuture<'a, String> {
        interactive::create_exec(self, container, spec, stdin).boxed()
    }

    fn start_exec<'a>(&'a self, exec: &'a str, start: ExecStart) -> EngineFuture<'a, Option<Hijacked>> {
        interactive::start_exec(self, exec, start).boxed()
    }

    fn resize_exec<'a>(&'a self, exec: &'a str, size: TtySize) -> EngineFuture<'a, ()> {
        interactive::resize_exec(self, exec, size).boxed()
    }

    fn inspect_exec<'a>(&'a self, exec: &'a str) -> EngineFuture<'a, ExecState> {
        interactive::inspect_exec(self, exec).boxed()
    }

    fn attach_container<'a>(&'a self, id: &'a str, streams: &'a AttachStreams) -> EngineFuture<'a, Hijacked> {
        interactive::attach_container(self, id, streams).boxed()
    }

    fn resize_container_tty<'a>(&'a self, id: &'a str, size: TtySize) -> EngineFuture<'a, ()> {
        interactive::resize_container_tty(self, id, size).boxed()
    }

    fn swarm(&self) -> Option<&dyn super::swarm::SwarmEngine> {
        Some(self)
    }
}

impl super::swarm::SwarmEngine for DockerEngine {
    fn swarm_info(&self) -> EngineFuture<'_, super::swarm::SwarmInfo> {
        swarm::info(self).boxed()
    }
    fn list_services<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<super::swarm::Service>> {
        swarm::list_services(self, filter).boxed()
    }
    fn create_service<'a>(&'a self, spec: &'a super::swarm::ServiceSpec) -> EngineFuture<'a, String> {
        swarm::create_service(self, spec).boxed()
    }
    fn update_service<'a>(
        &'a self,
        id: &'a str,
        version: super::swarm::Version,
        spec: &'a super::swarm::ServiceSpec,
    ) -> EngineFuture<'a, ()> {
        swarm::update_service(self, id, version, spec).boxed()
    }
    fn remove_service<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        swarm::remove_service(self, id).boxed()
    }
    fn list_tasks<'a>(&'a self, services: &'a [String]) -> EngineFuture<'a, Vec<super::swarm::Task>> {
        swarm::list_tasks(self, services).boxed()
    }
    fn list_nodes(&self) -> EngineFuture<'_, Vec<super::swarm::Node>> {
        swarm::list_nodes(self).boxed()
    }
    fn list_files<'a>(
        &'a self,
        kind: super::swarm::FileKind,
        filter: &'a LabelFilter,
    ) -> EngineFuture<'a, Vec<super::swarm::FileObjectInfo>> {
        swarm::list_files(self, kind, filter).boxed()
    }
    fn create_file<'a>(&'a self, kind: super::swarm::FileKind, spec: &'a super::swarm::FileObjectSpec) -> EngineFuture<'a, String> {
        swarm::create_file(self, kind, spec).boxed()
    }
    fn remove_file<'a>(&'a self, kind: super::swarm::FileKind, id: &'a str) -> EngineFuture<'a, ()> {
        swarm::remove_file(self, kind, id).boxed()
    }
}

/// The engine's `filters` map holding a label filter; callers add other keys.
fn filters(labels: &LabelFilter) -> std::collections::HashMap<String, Vec<String>> {
    let mut f = std::collections::HashMap::new();
    if !labels.is_empty() {
        f.insert("label".to_string(), labels.to_engine_terms());
    }
    f
}
