//! Carries a plan out: every step as soon as the steps it waits on are done, with at most
//! `limit` engine calls at once. It decides nothing: what to do, in which order, and what a
//! failure means all come from the plan.
//!
//! Every step runs as a task of one `JoinSet` owned by [`Executor::run`]; a semaphore bounds
//! the engine calls (waits on readiness do not hold a permit). When a step fails, the steps
//! with a hard edge to it are skipped, transitively; independent steps carry on. Once the
//! cancellation token fires no new step starts, waits end, and running calls finish.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::convert::files::archive;
use super::convert::InjectedFile;
use super::health;
use super::labels;
use super::plan::{OnFailure, Op, Plan, StepId};
use crate::engine::{byte_stream, ArchiveOptions, Engine, EngineError, ImageMessage, RemoveContainerOptions};
use crate::output::{Detail, Event};
use crate::registry::{Credentials, Reference};

/// Where progress events go (the CLI prints them through `output::event`).
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;
/// Where the output lines of builds and pulls go (the CLI prints them through `output::detail`).
pub type DetailSink = Arc<dyn Fn(&Detail) + Send + Sync>;

/// What carrying out a plan needs.
#[derive(Clone)]
pub struct Executor {
    pub engine: Arc<dyn Engine>,
    /// The project name, to follow its containers' events.
    pub project: String,
    /// At most this many engine calls at once; `None` for no limit.
    pub limit: Option<usize>,
    pub events: EventSink,
    pub details: DetailSink,
    pub cancel: CancellationToken,
    /// The registry credentials pulls, pushes and builds log in with.
    pub credentials: Arc<Credentials>,
}

/// A step that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub step: StepId,
    pub message: String,
}

/// How a plan went.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    pub failures: Vec<Failure>,
    /// Failures of steps marked [`OnFailure::Warn`].
    pub warnings: Vec<String>,
    /// Steps not run because a step they needed failed, or because of an interruption.
    pub skipped: Vec<StepId>,
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        self.failures.is_empty() && self.skipped.is_empty()
    }
}

/// Which side of a step a test pause is at.
#[derive(Clone, Copy)]
enum Pause {
    Before,
    After,
}

/// The running steps, and which step each task carries out.
#[derive(Default)]
struct Tasks {
    /// Each step's result; `None` when the cancellation came while it waited for a permit.
    set: JoinSet<Option<Result<(), String>>>,
    steps: HashMap<tokio::task::Id, StepId>,
}

/// Results shared between steps: image ids learnt from pulls and builds, for containers'
/// image label.
type Images = Arc<Mutex<HashMap<String, String>>>;

impl Executor {
    pub async fn run(&self, plan: &Plan) -> Outcome {
        let n = plan.steps.len();
        let mut waiting: Vec<usize> = plan.steps.iter().map(|s| s.after.len()).collect();
        let mut dependents: Vec<Vec<(StepId, bool)>> = vec![Vec::new(); n];
        for (id, s) in plan.steps.iter().enumerate() {
            for e in &s.after {
                dependents[e.step].push((id, e.hard));
            }
        }
        let mut doomed = vec![false; n];
        let mut outcome = Outcome::default();
        let permits = Arc::new(Semaphore::new(self.limit.unwrap_or(Semaphore::MAX_PERMITS).max(1)));
        let images: Images = Arc::default();
        let mut tasks = Tasks::default();
        let mut finished: Vec<(StepId, bool)> = Vec::new();
        for id in (0..n).filter(|i| waiting[*i] == 0) {
            self.spawn(&mut tasks, plan, id, &permits, &images);
        }
        while let Some(joined) = tasks.set.join_next_with_id().await {
            let (id, result) = match joined {
                Ok((task, result)) => (tasks.steps[&task], result),
                Err(e) => (tasks.steps[&e.id()], Some(Err(format!("internal error: the step failed to run: {e}")))),
            };
            let ok = match result {
                // Cancelled in the queue: skipped, as a step released after the cancellation is.
                None => {
                    outcome.skipped.push(id);
                    false
                }
                Some(Ok(())) => true,
                Some(Err(message)) if plan.steps[id].on_failure == OnFailure::Warn => {
                    outcome.warnings.push(format!("{}: {message}", plan.steps[id].op));
                    true
                }
                Some(Err(message)) => {
                    outcome.failures.push(Failure { step: id, message });
                    false
                }
            };
            finished.push((id, ok));
            // Release the dependents of finished steps; a skipped step counts as failed.
            while let Some((done, ok)) = finished.pop() {
                for &(d, hard) in &dependents[done] {
                    doomed[d] |= hard && !ok;
                    waiting[d] -= 1;
                    if waiting[d] > 0 {
                        continue;
                    }
                    if doomed[d] || self.cancel.is_cancelled() {
                        outcome.skipped.push(d);
                        finished.push((d, false));
                    } else {
                        self.spawn(&mut tasks, plan, d, &permits, &images);
                    }
                }
            }
        }
        outcome.skipped.sort_unstable();
        outcome
    }

    fn spawn(&self, tasks: &mut Tasks, plan: &Plan, id: StepId, permits: &Arc<Semaphore>, images: &Images) {
        let step = plan.steps[id].clone();
        let this = self.clone();
        let permits = permits.clone();
        let images = images.clone();
        let handle = tasks.set.spawn(async move {
            let _permit = match step.op {
                Op::Await { .. } => None,
                _ => Some(permits.acquire_owned().await.expect("the semaphore is never closed")),
            };
            // A step that queued for its permit does not start once the command is cancelled.
            if this.cancel.is_cancelled() && !matches!(step.op, Op::Await { .. }) {
                return None;
            }
            let emit = |status: Option<&'static str>| {
                if let (Some(p), Some(status)) = (&step.progress, status) {
                    (this.events)(&Event { kind: p.kind, name: p.name.clone(), status });
                }
            };
            // A wait on a dependency shows on each of its containers, as Docker Compose shows it:
            // `Waiting`, then `Healthy` or `Exited`.
            let emit_waits = |status: &'static str| {
                if let Op::Await { containers, .. } = &step.op {
                    for name in containers {
                        (this.events)(&Event { kind: "Container", name: name.clone(), status });
                    }
                }
            };
            if this.test_pause(&step.op, Pause::Before).await {
                return Some(Err("interrupted before it ran".to_string()));
            }
            emit(step.progress.as_ref().and_then(|p| p.begin));
            emit_waits("Waiting");
            let result = this.op(&step.op, &images).await;
            if result.is_ok() {
                this.test_pause(&step.op, Pause::After).await;
            }
            match &result {
                Ok(()) => {
                    emit(step.progress.as_ref().and_then(|p| p.end));
                    if let Op::Await { condition, .. } = &step.op {
                        emit_waits(condition.reached());
                    }
                }
                Err(_) => {
                    emit(Some("Error"));
                    emit_waits("Error");
                }
            }
            Some(result)
        });
        tasks.steps.insert(handle.id(), id);
    }

    /// Test-only: with `RCOMPOSE_TEST_PAUSE=<point>:<file>`, stops at `point` of a container's
    /// replacement (`after-create` of the replacement, `after-stop` and `after-remove` of any
    /// container, `before-rename`), creates `file`, and stays there until the run is cancelled
    /// (Ctrl-C) or killed, or `file` is removed (the run then goes on): the interruption and
    /// engine-fault tests reach each point this way. Not for users. True when the run was
    /// cancelled while paused.
    async fn test_pause(&self, op: &Op, when: Pause) -> bool {
        static SETTING: std::sync::OnceLock<Option<(String, String)>> = std::sync::OnceLock::new();
        let setting = SETTING.get_or_init(|| {
            let v = std::env::var("RCOMPOSE_TEST_PAUSE").ok()?;
            v.split_once(':').map(|(point, file)| (point.to_string(), file.to_string()))
        });
        let Some((point, file)) = setting else { return false };
        let here = match (op, when) {
            (Op::CreateContainer { spec, .. }, Pause::After) if spec.config.labels.contains_key(labels::REPLACE) => "after-create",
            (Op::StopContainer { .. }, Pause::After) => "after-stop",
            (Op::RemoveContainer { .. }, Pause::After) => "after-remove",
            (Op::RenameContainer { .. }, Pause::Before) => "before-rename",
            _ => return false,
        };
        if here != point {
            return false;
        }
        if let Err(e) = std::fs::write(file, here) {
            tracing::warn!("RCOMPOSE_TEST_PAUSE: cannot write {file}: {e}");
        }
        let removed = async {
            while std::path::Path::new(file).exists() {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        };
        tokio::select! {
            _ = self.cancel.cancelled() => true,
            _ = removed => false,
        }
    }

    /// One engine call (or one wait). Removing or stopping what is already gone succeeds.
    async fn op(&self, op: &Op, images: &Images) -> Result<(), String> {
        let e = self.engine.as_ref();
        let gone_is_done = |r: Result<(), EngineError>| match r {
            Err(err) if err.is_not_found() => Ok(()),
            other => other,
        };
        let r = match op {
            Op::CreateNetwork(spec) => match e.create_network(spec).await {
                Err(err) if err.is_conflict() => Ok(()),
                other => other.map(drop),
            },
            Op::CreateVolume(spec) => e.create_volume(spec).await.map(drop),
            Op::PullImage { reference, quiet, .. } => {
                self.pull(reference, *quiet).await?;
                let id = e.inspect_image(reference).await.map_err(|err| err.to_string())?.id;
                images.lock().expect("never poisoned").insert(reference.clone(), id);
                Ok(())
            }
            Op::PushImage { reference, .. } => return self.push(reference).await,
            Op::BuildImage(job) => {
                let name = job.service_list();
                let output = |line: &str| {
                    if !job.quiet {
                        (self.details)(&Detail::line(&name, line))
                    }
                };
                let auths = self.credentials.all().map_err(|err| err.to_string())?;
                let id = crate::build::run(e, job, &auths, &output).await.map_err(|err| match err {
                    crate::build::BuildError::Engine(err) => build_refused(&auths, err),
                    other => other.to_string(),
                })?;
                let mut known = images.lock().expect("never poisoned");
                for tag in &job.tags {
                    known.insert(tag.clone(), id.clone());
                }
                Ok(())
            }
            Op::CreateContainer { spec, image_label, hash } => {
                let mut spec = spec.clone();
                if let Some(pending) = hash {
                    let mut ids = pending.ids.clone();
                    for (service, container) in &pending.containers {
                        ids.insert(service.clone(), e.inspect_container(container).await.map_err(|err| err.to_string())?.id);
                    }
                    let label = super::hash::label_hash(&pending.service, &ids).unwrap_or_default();
                    spec.config.labels.insert(labels::CONFIG_HASH.into(), label);
                }
                if let Some(reference) = image_label {
                    let known = images.lock().expect("never poisoned").get(reference).cloned();
                    let id = match known {
                        Some(id) => id,
                        None => e.inspect_image(reference).await.map_err(|err| err.to_string())?.id,
                    };
                    spec.config.labels.insert(labels::IMAGE.into(), id);
                }
                e.create_container(&spec).await.map(drop)
            }
            Op::StartContainer(t) => e.start_container(t.key()).await,
            Op::RunHooks { target, service, hooks, .. } => {
                let name = format!("{} ->", target.name);
                let output = |line: &str| (self.details)(&Detail::line(&name, line));
                return super::hooks::run(e, target.key(), service, hooks, &output).await;
            }
            Op::RunPreStart { target, service, index } => {
                // As v5.5 shows them: `web pre_start[0] -> line`.
                let name = format!("{service} pre_start[{index}] ->");
                let output = |line: &str| (self.details)(&Detail::line(&name, line));
                return super::hooks::run_pre_start(e, target.key(), service, *index, &output, &self.cancel).await;
            }
            Op::StopContainer { target, timeout } => gone_is_done(e.stop_container(target.key(), *timeout).await),
            Op::KillContainer { target, signal } => e.kill_container(target.key(), signal.as_deref()).await,
            Op::PauseContainer(t) => e.pause_container(t.key()).await,
            Op::UnpauseContainer(t) => e.unpause_container(t.key()).await,
            Op::RemoveContainer { target, volumes } => {
                gone_is_done(e.remove_container(target.key(), RemoveContainerOptions { force: true, volumes: *volumes }).await)
            }
            Op::RenameContainer { target, to } => e.rename_container(target.key(), to).await,
            Op::CopyFiles { target, files } => return copy_files(e, target.key(), files).await,
            Op::Await { service, condition, containers } => {
                return health::wait_service(e, &self.project, service, containers, *condition, &self.cancel)
                    .await
                    .map_err(|err| err.to_string())
            }
            Op::RemoveNetwork { name } => gone_is_done(e.remove_network(name).await),
            Op::DisconnectNetwork { network, target } => gone_is_done(e.disconnect_network(network, target.key(), true).await),
            Op::ConnectNetwork { target, endpoint } => e.connect_network(target.key(), endpoint).await,
            Op::RemoveVolume { name } => gone_is_done(e.remove_volume(name, false).await),
            Op::RemoveImage { name } => gone_is_done(e.remove_image(name, false).await.map(drop)),
        };
        r.map_err(|err| err.to_string())
    }

    /// Pulls `reference` with its registry's credentials, passing on each layer's changes of
    /// status (not every byte count) unless `quiet`.
    async fn pull(&self, reference: &str, quiet: bool) -> Result<(), String> {
        let auth = self.credentials.for_image(reference).map_err(|err| err.to_string())?;
        let progress = self.engine.pull_image(reference, None, auth.as_ref());
        self.relay(reference, progress, quiet).await.map_err(|err| refused(reference, auth.is_some(), err))
    }

    /// Pushes `reference` with its registry's credentials, passing on each layer's changes of
    /// status.
    async fn push(&self, reference: &str) -> Result<(), String> {
        let auth = self.credentials.for_image(reference).map_err(|err| err.to_string())?;
        let progress = self.engine.push_image(reference, auth.as_ref());
        self.relay(reference, progress, false).await.map_err(|err| refused(reference, auth.is_some(), err))
    }

    /// Reads a pull or push stream to its end, passing on each layer's changes of status
    /// unless `quiet`; the stream's error is the step's.
    async fn relay(
        &self,
        reference: &str,
        mut progress: crate::engine::EngineStream<'_, ImageMessage>,
        quiet: bool,
    ) -> Result<(), EngineError> {
        let mut last: HashMap<Option<String>, String> = HashMap::new();
        let mut counted: HashMap<String, String> = HashMap::new();
        while let Some(item) = progress.next().await {
            let mut lines: Vec<(String, bool)> = Vec::new();
            match item? {
                ImageMessage::Status { id, status, current, total } => {
                    if last.get(&id) != Some(&status) {
                        last.insert(id.clone(), status.clone());
                        lines.push((id.as_ref().map_or(status.clone(), |id| format!("{id}: {status}")), false));
                    }
                    // A new byte count: only a live view shows it, in place of the layer's
                    // line (a plain log would get a line per chunk).
                    if let (Some(id), Some(current), Some(total)) = (id, current, total.filter(|t| *t > 0)) {
                        let size = |n: i64| crate::go::units::human_size(n as f64, 3);
                        let bytes = format!("{}/{}", size(current), size(total));
                        if counted.get(&id) != Some(&bytes) {
                            lines.push((format!("{id}: {status} {bytes}"), true));
                            counted.insert(id, bytes);
                        }
                    }
                }
                ImageMessage::Output(text) => lines.push((text.trim_end().to_string(), false)),
                _ => continue,
            };
            if !quiet {
                for (text, live_only) in lines {
                    (self.details)(&Detail { name: reference.to_string(), text, live_only });
                }
            }
        }
        Ok(())
    }
}

/// A pull's or push's error; when the registry refused, it also says which registry and how
/// to log in to it (`with_login`: credentials were sent, and were refused).
fn refused(reference: &str, with_login: bool, err: EngineError) -> String {
    if !err.is_denied() {
        return err.to_string();
    }
    let registry = Reference::parse(reference).map(|r| r.domain).unwrap_or_default();
    let login = crate::registry::login_command(&registry);
    let why = if with_login { "refused the credentials stored for it" } else { "asks for a login, and no credentials are stored for it" };
    format!("{err}: registry {registry} {why}: run `{login}`")
}

/// A build's error; when a registry refused a `FROM` image, it also says which registry and
/// how to log in to it. The engine names the registry only in the URL it asked
/// (`Head "http://127.0.0.1:5000/v2/base/manifests/1": no basic auth credentials`).
fn build_refused(auths: &std::collections::BTreeMap<String, crate::engine::RegistryAuth>, err: EngineError) -> String {
    if !err.is_denied() {
        return err.to_string();
    }
    let text = err.to_string();
    let registry = text
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split_once("/v2/"))
        .map(|(host, _)| host.to_string())
        .filter(|host| !host.is_empty() && !host.contains(char::is_whitespace));
    let Some(registry) = registry else {
        return format!("{text}: a registry refused a base image: run `docker login` for its registry");
    };
    let host = crate::registry::hostname(&registry).to_string();
    let registry = if host == "index.docker.io" { crate::registry::DOCKER_HUB.to_string() } else { registry };
    let login = crate::registry::login_command(&registry);
    let with_login = auths.keys().any(|k| crate::registry::hostname(k) == host);
    let why = if with_login { "refused the credentials stored for it" } else { "asks for a login, and no credentials are stored for it" };
    format!("{text}: registry {registry} {why}: run `{login}`")
}

/// Writes `files` into container `id` through the archive endpoint: one archive for the files
/// asking for the engine's `copyUIDGID`, one for the others, each file dated now.
async fn copy_files(e: &dyn Engine, id: &str, files: &[InjectedFile]) -> Result<(), String> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default();
    for copy_uid_gid in [false, true] {
        let group: Vec<&InjectedFile> = files.iter().filter(|f| f.copy_uid_gid == copy_uid_gid).collect();
        if group.is_empty() {
            continue;
        }
        let tar = archive(&group, now).map_err(|err| format!("writing the archive: {err}"))?;
        e.put_archive_with(id, "/", byte_stream(tar), ArchiveOptions { copy_uid_gid, ..Default::default() })
            .await
            .map_err(|err| err.to_string())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
