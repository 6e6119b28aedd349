//! `up` without `-d`: the services come up with their output shown, and `up` stays until the
//! attached containers have stopped, an exit aborts the project (`--abort-on-container-exit`),
//! or the user presses Ctrl-C.
//!
//! The steps are Docker Compose's: create (and recreate) everything without starting it; list
//! the containers to attach to; then start the services while following their output, so that
//! no line of a container that exits at once is lost. Following, starting, stopping and the
//! decisions about exits all run in one loop ([`AttachedUp::run`]) that owns every future it
//! polls; its states and their transitions are in [`lifecycle`], tested without an engine. The first Ctrl-C stops the services gracefully; the second (`force`) kills them.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

mod lifecycle;

use lifecycle::{Action, Lifecycle};

use super::cascade::{attached_services, AttachOptions, Cascade};
use super::up::targets;
use super::{Compose, ComposeError, UpOptions};
use crate::engine::LabelFilter;
use crate::logs::{fan_in, LogEvent, LogRequest, LogSource};
use crate::model::Project;
use crate::output::Event;
use crate::reconcile::labels;
use crate::reconcile::plan::Plan;

/// How long the follow may go on once the services are stopped, for the engine to report their
/// deaths (the exit code may depend on them).
const FOLLOW_GRACE: Duration = Duration::from_secs(2);

/// What attached `up` shows, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachEvent {
    /// The labels of the containers whose output follows, once, before any of it.
    Attaching(Vec<String>),
    Log(LogEvent),
    /// `up` stops the services; nothing more is shown.
    Stopping(StopReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// An attached container exited (or failed) and `up` aborts.
    Abort,
    /// The first Ctrl-C.
    Interrupt,
}

/// How attached `up` ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Attached {
    /// What `up` created (or, dry-running, would do).
    pub plan: Plan,
    /// The exit code for the process; see [`Cascade`].
    pub exit_code: i32,
}

impl Compose {
    /// Runs `up` attached, sending what to show to `out`. Returns the exit code, or
    /// `Interrupted` once the services are stopped after a Ctrl-C.
    pub async fn up_attached(
        &self,
        project: &Project,
        opts: &UpOptions,
        attach: &AttachOptions,
        out: mpsc::Sender<AttachEvent>,
    ) -> Result<Attached, ComposeError> {
        if let Some(s) = attach.exit_code_from.as_ref().filter(|s| !project.services.contains_key(*s)) {
            return Err(ComposeError::NoSuchService(s.clone()));
        }
        let targets = targets(project, &opts.services, opts.no_deps)?;
        let attached = attached_services(project, &opts.services, &targets, attach)?;
        if self.dry_run {
            return Ok(Attached { plan: self.up(project, opts).await?, exit_code: 0 });
        }
        let mut create = opts.clone();
        create.converge.no_start = true;
        create.wait = false;
        let plan = self.up(project, &create).await?;

        let since = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        let filter = LabelFilter::new().eq(labels::PROJECT, &project.name).eq(labels::ONEOFF, "False");
        let mut sources: Vec<LogSource> = self
            .engine
            .list_containers(true, &filter)
            .await?
            .iter()
            .filter(|c| c.labels.get(labels::SERVICE).is_some_and(|s| attached.contains(s)))
            // The containers of `pre_start` hooks are no service's: their output is the hook's.
            .filter(|c| !c.labels.contains_key(labels::HOOK))
            .map(|c| LogSource::from_summary(&project.name, c))
            .collect();
        sources.sort_by(|a, b| a.label.cmp(&b.label));
        let _ = out.send(AttachEvent::Attaching(sources.iter().map(|s| s.label.clone()).collect())).await;
        // The named services keep `up` going; with none named, every attached one does.
        let required: Vec<String> = opts.services.iter().filter(|s| attached.contains(*s)).cloned().collect();
        let request = LogRequest {
            project: project.name.clone(),
            services: attached.iter().cloned().collect(),
            required,
            follow: true,
            await_start: true,
            events_since: Some(since),
            // Running containers show what they write from now on, as `docker attach` would.
            tail: Some(0),
            timestamps: attach.timestamps,
            ..Default::default()
        };
        let start: Vec<String> = if opts.services.is_empty() { Vec::new() } else { targets.into_iter().collect() };
        let names: Vec<(String, String, String)> = sources.iter().map(|s| (s.name.clone(), s.label.clone(), s.service.clone())).collect();
        let runner = AttachedUp { compose: self, project, opts, out, shown: plan.warnings.clone(), names };
        let exit_code = runner.run(sources, request, start, Cascade::new(attach)).await?;
        Ok(Attached { plan, exit_code })
    }
}

type Call<'a> = Pin<Box<dyn Future<Output = Result<Plan, ComposeError>> + Send + 'a>>;

/// One attached run, from the start of the services on.
struct AttachedUp<'a> {
    compose: &'a Compose,
    project: &'a Project,
    opts: &'a UpOptions,
    out: mpsc::Sender<AttachEvent>,
    /// Warnings already shown by the create step, not to repeat.
    shown: Vec<String>,
    /// The attached containers' names, with their log labels and services.
    names: Vec<(String, String, String)>,
}

impl<'a> AttachedUp<'a> {
    /// Starts `start` (all services when empty) while following `sources`, and stops the
    /// services when an exit aborts `up` or on Ctrl-C. Returns the exit code.
    async fn run(
        self,
        sources: Vec<LogSource>,
        request: LogRequest,
        start: Vec<String>,
        mut cascade: Cascade,
    ) -> Result<i32, ComposeError> {
        let c = self.compose;
        let (tx, mut rx) = mpsc::channel(256);
        let stop_follow = CancellationToken::new();
        let follow = fan_in(c.engine.clone(), sources, request, tx, stop_follow.clone().cancelled_owned());
        // Starting is cancelled by Ctrl-C, and by an abort.
        let start_cancel = c.cancel.child_token();
        let shown = self.shown.clone();
        let warn = c.warn.clone();
        let starter = Compose {
            cancel: start_cancel.clone(),
            details: self.hook_lines(),
            // Docker Compose shows no start progress among the logs.
            events: Arc::new(|_: &Event| {}),
            warn: Arc::new(move |w: &str| {
                if !shown.iter().any(|s| s == w) {
                    warn(w)
                }
            }),
            ..c.clone()
        };
        let starting = starter.start(&self.project.name, Some(self.project), &start);
        tokio::pin!(follow, starting);

        let mut life = Lifecycle::new();
        let mut stopping: Option<Call<'a>> = None;
        let mut grace: Option<Pin<Box<tokio::time::Sleep>>> = None;
        loop {
            if life.done() {
                break;
            }
            if let Action::Stop { kill } = life.begin_stop() {
                stopping = Some(if kill { self.kill() } else { self.stop() });
            }
            let action = tokio::select! {
                r = &mut starting, if !life.started => match life.start_ended(r.is_err(), c.cancel.is_cancelled()) {
                    Action::Fail => return Err(r.expect_err("a failure")),
                    action => action,
                },
                r = &mut follow, if !life.followed => match life.follow_ended(r.is_err()) {
                    Action::Fail => return Err(r.expect_err("a failure").into()),
                    action => action,
                },
                event = rx.recv(), if life.events_open => match event {
                    None => {
                        life.events_closed();
                        Action::Nothing
                    }
                    Some(event) => {
                        let aborts = match &event {
                            LogEvent::Exited { source, exit_code, .. } => cascade.exited(&source.service, *exit_code),
                            _ => false,
                        };
                        let (show, action) = life.event(aborts);
                        if show {
                            let _ = self.out.send(AttachEvent::Log(event)).await;
                        }
                        action
                    }
                },
                () = c.cancel.cancelled(), if life.listens_interrupt() => life.interrupt(),
                () = c.force.cancelled(), if life.listens_force() => life.force(),
                r = async { stopping.as_mut().expect("guarded").await }, if stopping.is_some() => {
                    stopping = None;
                    if let Err(e) = r {
                        (c.warn)(&e.to_string());
                    }
                    life.stop_ended()
                }
                () = async { grace.as_mut().expect("guarded").await }, if grace.is_some() && !life.followed => {
                    grace = None;
                    stop_follow.cancel();
                    Action::Nothing
                }
            };
            match action {
                Action::Announce(reason) => {
                    start_cancel.cancel();
                    let _ = self.out.send(AttachEvent::Stopping(reason)).await;
                }
                // Dropping the stop cancels its calls; the kill takes over.
                Action::Kill => stopping = stopping.map(|_| self.kill()),
                Action::Grace => grace = Some(Box::pin(tokio::time::sleep(FOLLOW_GRACE))),
                Action::Nothing | Action::Stop { .. } | Action::Fail => {}
            }
        }
        if life.interrupted {
            return Err(ComposeError::Interrupted);
        }
        Ok(cascade.code)
    }

    /// Where the output of hooks goes while attached: among the logs, labelled as Docker
    /// Compose 2.40.3 labels it (`web-1 ->  | ...`), on standard output. (Other step output,
    /// which a start has none of, stays where it was.)
    fn hook_lines(&self) -> crate::reconcile::execute::DetailSink {
        let (out, names, other) = (self.out.clone(), self.names.clone(), self.compose.details.clone());
        Arc::new(move |d: &crate::output::Detail| {
            let Some(container) = d.name.strip_suffix(" ->") else { return other(d) };
            let (label, service) = names
                .iter()
                .find(|(name, _, _)| name == container)
                .map(|(_, label, service)| (label.clone(), service.clone()))
                .unwrap_or_else(|| (container.to_string(), String::new()));
            let source = Arc::new(LogSource {
                id: String::new(),
                name: container.to_string(),
                service,
                number: 0,
                label: format!("{label} ->"),
                running: true,
            });
            let line = LogEvent::Line { source, stream: crate::engine::LogStream::Stdout, text: format!("{}\n", d.text) };
            // The printer is far behind only if the terminal is: the line is then shown as
            // progress output rather than waited for.
            if out.try_send(AttachEvent::Log(line)).is_err() {
                other(d)
            }
        })
    }

    /// Stops the services `up` named (all when none), as Docker Compose does.
    fn stop(&self) -> Call<'a> {
        let (c, project, opts, details) = (self.compose, self.project, self.opts, self.hook_lines());
        Box::pin(async move {
            let c = Compose { cancel: CancellationToken::new(), details, ..c.clone() };
            c.stop_running_hooks(&project.name, Some(project), &opts.services, opts.converge.timeout, true).await
        })
    }

    /// Kills them instead (the second Ctrl-C).
    fn kill(&self) -> Call<'a> {
        let (c, project, opts) = (self.compose, self.project, self.opts);
        Box::pin(async move {
            let c = Compose { cancel: CancellationToken::new(), ..c.clone() };
            c.kill(&project.name, Some(project), &opts.services, None, false).await
        })
    }
}
