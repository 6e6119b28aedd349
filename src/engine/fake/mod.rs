//! An in-memory engine for planner and executor unit tests.
//!
//! It keeps containers, networks, volumes and images in maps, answers with Docker's error kinds
//! (a taken name is `Conflict`, an unknown object `NotFound`), records every call as one line
//! of text (`start_container web-1`, naming containers by name), and lets a test script what
//! the engine cannot invent: exit codes, logs, exec output, one-shot failures. It proves
//! nothing about Docker itself; the integration tests do that.

mod containers;
mod resources;
mod state;

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use futures_util::future::{ready, FutureExt};
use futures_util::stream::{self, StreamExt, TryStreamExt};

pub use state::Archive;
use state::State;

use super::RegistryAuth;
use super::{
    ArchiveOptions, AttachStreams, BuildOptions, ByteStream, CommitOptions, ContainerDetails, ContainerSpec, ContainerSummary,
    EndpointSpec, Engine, EngineError, EngineEvent, EngineFuture, EngineResult, EngineStream, EngineVersion, EventFilter, ExecOutput,
    ExecSpec, ExecStart, ExecState, Hijacked, ImageFilter, ImageInfo, ImageMessage, ImageRemoved, ImageSummary, LabelFilter, LogChunk,
    LogOptions, NetworkInfo, NetworkSpec, PathStat, RemoveContainerOptions, TopResult, TtySize, VolumeInfo, VolumeSpec, WaitCondition,
    WaitResult,
};

/// The fake engine. Share it as `Arc<FakeEngine>` and hand out `Arc<dyn Engine>` clones.
pub struct FakeEngine {
    state: Mutex<State>,
}

impl Default for FakeEngine {
    fn default() -> Self {
        FakeEngine { state: Mutex::new(State::new()) }
    }
}

impl FakeEngine {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A test that panicked while holding the lock has failed already; keep the state.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // ---- setting the scene

    /// Makes an image available (`busybox` means `busybox:latest`); returns its id.
    pub fn add_image(&self, reference: &str, labels: BTreeMap<String, String>) -> String {
        self.lock().add_image(reference, labels)
    }

    /// Gives an image (added before) the `VOLUME` paths `volumes`.
    pub fn set_image_volumes(&self, reference: &str, volumes: &[&str]) {
        let mut s = self.lock();
        if let Ok(id) = s.image_id(reference) {
            s.images.get_mut(&id).expect("id just found").volumes = volumes.iter().map(|v| v.to_string()).collect();
        }
    }

    /// Gives an image (added before) the `RepoDigests` a pull or push would have given it.
    pub fn set_repo_digests(&self, reference: &str, digests: &[&str]) {
        let mut s = self.lock();
        if let Ok(id) = s.image_id(reference) {
            s.images.get_mut(&id).expect("id just found").repo_digests = digests.iter().map(|d| d.to_string()).collect();
        }
    }

    /// The exit code of `container` (by name) when it stops or is waited for; default 0.
    pub fn set_exit_code(&self, container: &str, code: i64) {
        self.lock().exit_codes.insert(container.to_string(), code);
    }

    /// What `logs` returns for `container` (by name).
    pub fn set_logs(&self, container: &str, chunks: Vec<LogChunk>) {
        self.lock().logs.insert(container.to_string(), chunks);
    }

    /// What every `exec` in `container` (by name) returns; default: exit 0, no output.
    pub fn set_exec_result(&self, container: &str, output: ExecOutput) {
        self.lock().exec_results.insert(container.to_string(), output);
    }

    /// What `stat_path` answers for `path` in `container` (by name); default `NotFound`.
    pub fn set_path(&self, container: &str, path: &str, stat: PathStat) {
        self.lock().paths.insert((container.to_string(), path.to_string()), stat);
    }

    /// What `get_archive` streams for `path` in `container` (by name); default `NotFound`.
    pub fn set_path_archive(&self, container: &str, path: &str, tar: Vec<u8>) {
        self.lock().path_archives.insert((container.to_string(), path.to_string()), tar);
    }

    /// Makes the next call of `op` (a trait method name) on `target` fail with `error`;
    /// an empty `target` matches any. Targets are container names, or the names or ids the
    /// call was given for other objects.
    pub fn fail_once(&self, op: &str, target: &str, error: EngineError) {
        self.lock().failures.push((op.to_string(), target.to_string(), error));
    }

    // ---- looking at the result

    /// Every call so far, one line each: the method name and its target.
    pub fn calls(&self) -> Vec<String> {
        self.lock().calls.clone()
    }

    /// Forgets the calls so far (after setting the scene through the trait).
    pub fn clear_calls(&self) {
        self.lock().calls.clear();
    }

    /// The archives received by `put_archive`, in order.
    pub fn archives(&self) -> Vec<Archive> {
        self.lock().archives.clone()
    }

    /// A container by name or id.
    pub fn container(&self, key: &str) -> Option<ContainerDetails> {
        let s = self.lock();
        s.container_id(key).ok().map(|id| s.containers[&id].clone())
    }

    /// Runs `f` on the locked state after recording the call.
    fn call<T>(&self, op: &str, target: &str, f: impl FnOnce(&mut State) -> EngineResult<T>) -> EngineResult<T> {
        let mut s = self.lock();
        s.call(op, target)?;
        f(&mut s)
    }

    /// Like `call`, naming the container as the log should: by its name.
    fn on_container<T>(&self, op: &str, key: &str, f: impl FnOnce(&mut State) -> EngineResult<T>) -> EngineResult<T> {
        let mut s = self.lock();
        let name = s.container_name(key);
        s.call(op, &name)?;
        f(&mut s)
    }
}

fn done<'a, T: Send + 'a>(r: EngineResult<T>) -> EngineFuture<'a, T> {
    ready(r).boxed()
}

fn items<'a, T: Send + 'a>(r: EngineResult<Vec<T>>) -> EngineStream<'a, T> {
    match r {
        Ok(v) => stream::iter(v.into_iter().map(Ok)).boxed(),
        Err(e) => stream::once(ready(Err(e))).boxed(),
    }
}

impl Engine for FakeEngine {
    fn ping(&self) -> EngineFuture<'_, ()> {
        done(self.call("ping", "", |_| Ok(())))
    }

    fn api_version(&self) -> (usize, usize) {
        (1, 41)
    }

    fn version(&self) -> EngineFuture<'_, EngineVersion> {
        done(self.call("version", "", |_| {
            Ok(EngineVersion {
                version: "fake".into(),
                api_version: "1.41".into(),
                min_api_version: "1.12".into(),
                negotiated_api_version: "1.41".into(),
                os: "linux".into(),
                arch: "amd64".into(),
                kernel_version: String::new(),
            })
        }))
    }

    fn events<'a>(&'a self, filter: &'a EventFilter) -> EngineStream<'a, EngineEvent> {
        let mut s = self.lock();
        if let Err(e) = s.call("events", "") {
            return items(Err(e));
        }
        let since = filter.since.map(|t| t.saturating_mul(1_000_000_000));
        let replay: Vec<EngineEvent> = match since {
            Some(since) => s.history.iter().filter(|e| e.time_nanos >= since).cloned().collect(),
            None => Vec::new(),
        };
        let past = stream::iter(replay);
        let keep = move |e: &EngineEvent| {
            let wanted = (filter.types.is_empty() || filter.types.contains(&e.kind))
                && (filter.actions.is_empty() || filter.actions.contains(&e.action))
                && filter.labels.matches(&e.attributes);
            ready(wanted)
        };
        if filter.until.is_some() {
            return past.filter(keep).map(Ok).boxed();
        }
        let live = stream::unfold(s.events.subscribe(), |mut rx| async move {
            loop {
                match rx.recv().await {
                    Ok(event) => return Some((event, rx)),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            }
        });
        past.chain(live).filter(keep).map(Ok).boxed()
    }

    fn list_containers<'a>(&'a self, all: bool, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<ContainerSummary>> {
        done(self.call("list_containers", "", |s| Ok(s.list_containers(all, filter))))
    }

    fn inspect_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ContainerDetails> {
        done(self.on_container("inspect_container", id, |s| {
            let id = s.container_id(id)?;
            Ok(s.containers[&id].clone())
        }))
    }

    fn create_container<'a>(&'a self, spec: &'a ContainerSpec) -> EngineFuture<'a, String> {
        let name = spec.name.as_deref().unwrap_or("");
        done(self.call("create_container", name, |s| s.create_container(spec)))
    }

    fn start_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        done(self.on_container("start_container", id, |s| s.start(id)))
    }

    fn stop_container<'a>(&'a self, id: &'a str, _timeout: Option<Duration>) -> EngineFuture<'a, ()> {
        done(self.on_container("stop_container", id, |s| s.stop(id)))
    }

    fn kill_container<'a>(&'a self, id: &'a str, _signal: Option<&'a str>) -> EngineFuture<'a, ()> {
        done(self.on_container("kill_container", id, |s| s.kill(id)))
    }

    fn pause_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        done(self.on_container("pause_container", id, |s| s.pause(id)))
    }

    fn unpause_container<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        done(self.on_container("unpause_container", id, |s| s.unpause(id)))
    }

    fn remove_container<'a>(&'a self, id: &'a str, options: RemoveContainerOptions) -> EngineFuture<'a, ()> {
        done(self.on_container("remove_container", id, |s| s.remove(id, options)))
    }

    fn rename_container<'a>(&'a self, id: &'a str, new_name: &'a str) -> EngineFuture<'a, ()> {
        done(self.on_container("rename_container", id, |s| s.rename(id, new_name)))
    }

    fn wait_container<'a>(&'a self, id: &'a str, _condition: WaitCondition) -> EngineFuture<'a, WaitResult> {
        done(self.on_container("wait_container", id, |s| s.wait(id)))
    }

    fn connect_network<'a>(&'a self, container: &'a str, endpoint: &'a EndpointSpec) -> EngineFuture<'a, ()> {
        done(self.on_container("connect_network", container, |s| s.connect(container, endpoint)))
    }

    fn disconnect_network<'a>(&'a self, network: &'a str, container: &'a str, _force: bool) -> EngineFuture<'a, ()> {
        done(self.on_container("disconnect_network", container, |s| s.disconnect(network, container)))
    }

    fn logs<'a>(&'a self, id: &'a str, options: &'a LogOptions) -> EngineStream<'a, LogChunk> {
        items(self.on_container("logs", id, |s| {
            let name = s.containers[&s.container_id(id)?].name.clone();
            let mut chunks = s.logs.get(&name).cloned().unwrap_or_default();
            if let Some(n) = options.tail {
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                chunks.drain(..chunks.len().saturating_sub(n));
            }
            Ok(chunks)
        }))
    }

    fn exec<'a>(&'a self, id: &'a str, spec: &'a ExecSpec) -> EngineFuture<'a, ExecOutput> {
        done(self.on_container("exec", id, |s| s.exec(id, spec)))
    }

    fn put_archive_with<'a>(&'a self, id: &'a str, path: &'a str, tar: ByteStream, options: ArchiveOptions) -> EngineFuture<'a, ()> {
        async move {
            let chunks: Vec<bytes::Bytes> =
                tar.try_collect().await.map_err(|e| EngineError::Protocol { message: format!("reading the archive: {e}") })?;
            self.on_container("put_archive", id, |s| {
                let container = s.containers[&s.container_id(id)?].name.clone();
                let tar = chunks.concat();
                s.archives.push(Archive {
                    container,
                    path: path.to_string(),
                    tar,
                    copy_uid_gid: options.copy_uid_gid,
                    no_overwrite_dir_non_dir: options.no_overwrite_dir_non_dir,
                });
                Ok(())
            })
        }
        .boxed()
    }

    fn top<'a>(&'a self, id: &'a str, _ps_args: Option<&'a str>) -> EngineFuture<'a, TopResult> {
        done(self.on_container("top", id, |s| s.top(id)))
    }

    /// One sample of an idle container: its id and name, nothing used.
    fn container_stats<'a>(&'a self, id: &'a str, _stream: bool) -> EngineStream<'a, super::ContainerStats> {
        items(self.on_container("container_stats", id, |s| {
            let full = s.container_id(id)?;
            let name = format!("/{}", s.containers[&full].name);
            Ok(vec![super::ContainerStats { id: full, name, ..Default::default() }])
        }))
    }

    // ---- archives

    fn stat_path<'a>(&'a self, id: &'a str, path: &'a str) -> EngineFuture<'a, PathStat> {
        done(self.on_container("stat_path", id, |s| {
            let name = s.container_name(id);
            s.paths
                .get(&(name, path.to_string()))
                .cloned()
                .ok_or_else(|| EngineError::not_found(format!("Could not find the file {path} in container {id}")))
        }))
    }

    fn get_archive<'a>(&'a self, id: &'a str, path: &'a str) -> EngineStream<'a, bytes::Bytes> {
        let found = self.on_container("get_archive", id, |s| {
            let name = s.container_name(id);
            s.path_archives
                .get(&(name, path.to_string()))
                .cloned()
                .ok_or_else(|| EngineError::not_found(format!("Could not find the file {path} in container {id}")))
        });
        items(found.map(|tar| tar.chunks(512).map(bytes::Bytes::copy_from_slice).collect()))
    }

    /// The archive set for the path `/` (`set_path_archive`), else an empty archive.
    fn export_container<'a>(&'a self, id: &'a str) -> EngineStream<'a, bytes::Bytes> {
        let found = self.on_container("export_container", id, |s| {
            let name = s.container_name(id);
            Ok(s.path_archives.get(&(name, "/".to_string())).cloned().unwrap_or_else(|| vec![0; 1024]))
        });
        items(found.map(|tar| tar.chunks(512).map(bytes::Bytes::copy_from_slice).collect()))
    }

    /// A new image, tagged with the options' reference.
    fn commit_container<'a>(&'a self, id: &'a str, options: &'a CommitOptions) -> EngineFuture<'a, String> {
        done(self.on_container("commit_container", id, |s| Ok(s.commit(options.reference.as_deref()))))
    }

    fn list_networks<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<NetworkInfo>> {
        done(self.call("list_networks", "", |s| Ok(s.list_networks(filter))))
    }

    fn inspect_network<'a>(&'a self, id: &'a str) -> EngineFuture<'a, NetworkInfo> {
        done(self.call("inspect_network", id, |s| Ok(s.networks[&s.network_id(id)?].clone())))
    }

    fn create_network<'a>(&'a self, spec: &'a NetworkSpec) -> EngineFuture<'a, String> {
        done(self.call("create_network", &spec.name, |s| s.create_network(spec)))
    }

    fn remove_network<'a>(&'a self, id: &'a str) -> EngineFuture<'a, ()> {
        done(self.call("remove_network", id, |s| s.remove_network(id)))
    }

    fn list_volumes<'a>(&'a self, filter: &'a LabelFilter) -> EngineFuture<'a, Vec<VolumeInfo>> {
        done(self.call("list_volumes", "", |s| Ok(s.volumes.values().filter(|v| filter.matches(&v.labels)).cloned().collect())))
    }

    fn inspect_volume<'a>(&'a self, name: &'a str) -> EngineFuture<'a, VolumeInfo> {
        done(self.call("inspect_volume", name, |s| s.volume(name)))
    }

    fn create_volume<'a>(&'a self, spec: &'a VolumeSpec) -> EngineFuture<'a, VolumeInfo> {
        done(self.call("create_volume", &spec.name, |s| Ok(s.create_volume(spec))))
    }

    fn remove_volume<'a>(&'a self, name: &'a str, _force: bool) -> EngineFuture<'a, ()> {
        done(self.call("remove_volume", name, |s| s.remove_volume(name)))
    }

    fn inspect_image<'a>(&'a self, name: &'a str) -> EngineFuture<'a, ImageInfo> {
        done(self.call("inspect_image", name, |s| Ok(s.images[&s.image_id(name)?].clone())))
    }

    fn list_images<'a>(&'a self, filter: &'a ImageFilter) -> EngineFuture<'a, Vec<ImageSummary>> {
        done(self.call("list_images", "", |s| Ok(s.list_images(filter))))
    }

    fn remove_image<'a>(&'a self, name: &'a str, force: bool) -> EngineFuture<'a, Vec<ImageRemoved>> {
        done(self.call("remove_image", name, |s| s.remove_image(name, force)))
    }

    fn tag_image<'a>(&'a self, source: &'a str, target: &'a str) -> EngineFuture<'a, ()> {
        done(self.call("tag_image", target, |s| s.tag_image(source, target)))
    }

    fn build_image<'a>(&'a self, context: ByteStream, options: &'a BuildOptions) -> EngineStream<'a, ImageMessage> {
        let target = options.tag.clone().unwrap_or_default();
        let build = async move {
            let sent: Result<Vec<bytes::Bytes>, _> = context.try_collect().await;
            let sent = sent.map_err(|e| EngineError::Protocol { message: format!("reading the context: {e}") });
            items(sent.and_then(|_| self.call("build_image", &target, |s| Ok(s.build(options)))))
        };
        stream::once(build).flatten().boxed()
    }

    // ---- registries

    fn pull_image<'a>(
        &'a self,
        reference: &'a str,
        _platform: Option<&'a str>,
        _auth: Option<&'a RegistryAuth>,
    ) -> EngineStream<'a, ImageMessage> {
        items(self.call("pull_image", reference, |s| Ok(s.pull(reference))))
    }

    fn push_image<'a>(&'a self, reference: &'a str, _auth: Option<&'a RegistryAuth>) -> EngineStream<'a, ImageMessage> {
        items(self.call("push_image", reference, |s| s.push(reference)))
    }

    /// The fake has no registry to ask.
    fn registry_digest<'a>(&'a self, reference: &'a str, _auth: Option<&'a RegistryAuth>) -> EngineFuture<'a, String> {
        done(self.call("registry_digest", reference, |_| {
            Err(EngineError::Api { status: 500, message: "no registry behind the fake engine".into() })
        }))
    }
    // ---- exec and attach: interactive streams are proven on the real engine only.

    fn create_exec<'a>(&'a self, container: &'a str, _spec: &'a ExecSpec, _stdin: bool) -> EngineFuture<'a, String> {
        done(self.on_container("create_exec", container, |_| Err(no_streams())))
    }

    fn start_exec<'a>(&'a self, exec: &'a str, _start: ExecStart) -> EngineFuture<'a, Option<Hijacked>> {
        done(self.call("start_exec", exec, |_| Err(no_streams())))
    }

    fn resize_exec<'a>(&'a self, exec: &'a str, _size: TtySize) -> EngineFuture<'a, ()> {
        done(self.call("resize_exec", exec, |_| Err(no_streams())))
    }

    fn inspect_exec<'a>(&'a self, exec: &'a str) -> EngineFuture<'a, ExecState> {
        done(self.call("inspect_exec", exec, |_| Err(no_streams())))
    }

    fn attach_container<'a>(&'a self, id: &'a str, _streams: &'a AttachStreams) -> EngineFuture<'a, Hijacked> {
        done(self.on_container("attach_container", id, |_| Err(no_streams())))
    }

    fn resize_container_tty<'a>(&'a self, id: &'a str, _size: TtySize) -> EngineFuture<'a, ()> {
        done(self.on_container("resize_container_tty", id, |_| Err(no_streams())))
    }
}

fn no_streams() -> EngineError {
    EngineError::Unsupported { message: "the fake engine has no interactive streams".into() }
}

#[cfg(test)]
mod tests;
