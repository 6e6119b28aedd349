//! The typed API the commands call: one method per verb, each observe → plan → execute.
//!
//! A [`Compose`] holds the engine, the concurrency limit, the cancellation token and where
//! progress and warnings go; it never writes to the terminal itself. With `dry_run` set, the
//! methods observe and plan, then return the plan without executing it.

mod attach;
mod cascade;
mod cp;
mod digests;
mod down;
mod events;
mod exec;
mod export;
mod images;
mod lifecycle;
mod lock;
mod project;
pub mod provider;
mod query;
mod run;
mod up;
mod volumes;
mod wait;

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::engine::{DockerEngine, Engine, EngineError};
use crate::output::Event;
use crate::reconcile::execute::{DetailSink, EventSink, Executor, Outcome};
use crate::reconcile::health::NotReady;
use crate::reconcile::plan::{Op, Plan};
use crate::reconcile::PlanError;
use crate::registry::Credentials;

pub use crate::reconcile::plan::{Recreate, RemoveImages};
pub use attach::{AttachEvent, Attached, StopReason};
pub use cascade::{AttachOptions, OnExit};
pub use cp::{paths as copy_paths, CopyError, CopyOptions, CopyStdio};
pub use down::DownOptions;
pub use events::{service_event, EventsOptions, ServiceEvent};
pub use exec::{pick_container, resolve_env, AttachServiceOptions, ExecOptions};
pub use export::{ExportError, ExportTo};
pub use images::{BuildOptions, PullOptions, PushOptions};
pub use lifecycle::RmOptions;
pub use project::{load_project, load_with_environment, name_and_environment, name_only};
pub use run::{RunOptions, RunOutcome};
pub use up::UpOptions;

/// Where warnings go (the CLI prints them through `output::warn`).
pub type WarnSink = Arc<dyn Fn(&str) + Send + Sync>;

/// The compose runtime: what every command needs to act on the engine.
#[derive(Clone)]
pub struct Compose {
    pub engine: Arc<dyn Engine>,
    /// At most this many engine calls at once; `None` for no limit (`--parallel`).
    pub parallel: Option<usize>,
    /// Plan only: the methods return the plan and change nothing (`--dry-run`).
    pub dry_run: bool,
    /// Fired on the first Ctrl-C: no new step starts and waits end.
    pub cancel: CancellationToken,
    /// Fired on the second Ctrl-C, where a command listens for it: attached `up` then kills
    /// what it was stopping.
    pub force: CancellationToken,
    pub events: EventSink,
    /// Where the output lines of builds and pulls go.
    pub details: DetailSink,
    pub warn: WarnSink,
    /// The registry credentials `docker login` stored, for pulls, pushes and builds.
    pub credentials: Arc<Credentials>,
    /// The engine's address, which the per-project lock is about (`lock`).
    pub engine_host: String,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A read-only query failed (`ps`, `port`, `logs`...).
    #[error(transparent)]
    Status(#[from] crate::status::StatusError),
    #[error("no such service: {0}")]
    NoSuchService(String),
    /// `exec`/`attach` found no running container of the service (of that number).
    #[error("service {service:?} is not running{}", .index.map(|i| format!(" container #{i}")).unwrap_or_default())]
    NotRunning { service: String, index: Option<u32> },
    /// An exec whose output ended kept running as far as the engine said.
    #[error("exec {0}: still running after its output ended")]
    ExecStillRunning(String),
    #[error(transparent)]
    Stdio(#[from] crate::stdio::StdioError),
    /// `--dry-run` with a command that would connect the terminal to a container (Docker
    /// Compose's message: "interactive exec is not supported in dry-run mode").
    #[error("interactive {0} is not supported in dry-run mode")]
    DryRunInteractive(&'static str),
    #[error(transparent)]
    DetachKeys(#[from] crate::stdio::keys::InvalidKeys),
    /// `attach` ended by the detach keys, the container left running (Docker Compose's
    /// words and exit code 1).
    #[error("read escape sequence")]
    Detached,
    #[error("cannot attach to services not included in up: {0}")]
    NotAttachable(String),
    /// Steps failed; one message per failure, and one for what was left undone.
    #[error("{}", .messages.join("\n"))]
    Failed { messages: Vec<String> },
    #[error("canceled")]
    Interrupted,
    /// `wait` found no running container of the project.
    #[error("no containers for project {0:?}")]
    NoContainers(String),
    /// `run --env-from-file` could not read a file.
    #[error("{0}")]
    EnvFromFile(String),
    /// `start` found no container (of a named service, or of the whole project).
    #[error("no container to start for {0}; run `up` to create it")]
    NothingToStart(String),
    #[error(transparent)]
    NotReady(#[from] NotReady),
    #[error("timed out after {0:?} waiting for the services to be running or healthy")]
    WaitTimeout(Duration),
    /// `config --resolve-image-digests` found no digest for a service's image.
    #[error("cannot pin image {image} of service {service} to a digest: {why}")]
    NoDigest { service: String, image: String, why: String },
    #[error(transparent)]
    Copy(Box<CopyError>),
    /// A provider service's provider could not be run, or failed.
    #[error(transparent)]
    Provider(#[from] provider::ProviderError),
    #[error(transparent)]
    Export(#[from] ExportError),
}

impl Compose {
    /// A runtime over `engine` that reports nothing, with no concurrency limit.
    pub fn new(engine: Arc<dyn Engine>) -> Compose {
        Compose {
            engine,
            parallel: None,
            dry_run: false,
            cancel: CancellationToken::new(),
            force: CancellationToken::new(),
            events: Arc::new(|_: &Event| {}),
            details: Arc::new(|_: &crate::output::Detail| {}),
            warn: Arc::new(|_: &str| {}),
            credentials: Arc::new(Credentials::from_env()),
            engine_host: std::env::var("DOCKER_HOST")
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| crate::engine::endpoint::DEFAULT_HOST.into()),
        }
    }

    /// A runtime connected to the Docker engine at `DOCKER_HOST`.
    pub async fn connect() -> Result<Compose, ComposeError> {
        Ok(Compose::new(Arc::new(DockerEngine::connect().await?)))
    }

    /// A runtime connected to the Docker engine at `endpoint` (a context's, `--host`...).
    pub async fn connect_to(endpoint: &crate::engine::endpoint::Endpoint) -> Result<Compose, ComposeError> {
        let compose = Compose::new(Arc::new(DockerEngine::connect_endpoint(endpoint).await?));
        Ok(Compose { engine_host: endpoint.host.clone(), ..compose })
    }

    /// The per-project lock ([`lock`]) for a command that changes project `name`; none when
    /// dry-running, which changes nothing.
    async fn lock(&self, name: &str) -> Result<Option<lock::ProjectLock>, ComposeError> {
        if self.dry_run {
            return Ok(None);
        }
        lock::acquire(&self.engine_host, name, &self.cancel, |message| (self.warn)(message)).await
    }

    fn warn_all(&self, warnings: &[String]) {
        for w in warnings {
            (self.warn)(w);
        }
    }

    /// Carries out `plan` for project `name` (unless dry-running) and turns failures into one
    /// error that says what failed and what was left undone.
    async fn execute(&self, name: &str, plan: &Plan) -> Result<(), ComposeError> {
        self.warn_all(&plan.warnings);
        if self.dry_run {
            return Ok(());
        }
        let executor = Executor {
            engine: self.engine.clone(),
            project: name.to_string(),
            limit: self.parallel,
            events: self.events.clone(),
            details: self.details.clone(),
            cancel: self.cancel.clone(),
            credentials: self.credentials.clone(),
        };
        let outcome = executor.run(plan).await;
        self.warn_all(&outcome.warnings);
        self.warn_all(&self.engine.take_warnings());
        self.warn_all(&self.credentials.take_warnings());
        check(plan, &outcome, self.cancel.is_cancelled())
    }
}

/// The error for a plan's outcome, if anything went wrong.
fn check(plan: &Plan, outcome: &Outcome, cancelled: bool) -> Result<(), ComposeError> {
    if outcome.is_success() {
        return Ok(());
    }
    if cancelled && outcome.failures.is_empty() {
        return Err(ComposeError::Interrupted);
    }
    let mut messages: Vec<String> = outcome
        .failures
        .iter()
        .map(|f| match &plan.steps[f.step].op {
            Op::Await { .. } => format!("dependency failed to start: {}", f.message),
            op => format!("{op}: {}", f.message),
        })
        .collect();
    let why = if cancelled { "interrupted" } else { "a dependency failed" };
    for (verb, wanted) in [("created", true), ("started", false)] {
        let mut names: Vec<String> = outcome
            .skipped
            .iter()
            .filter_map(|s| match &plan.steps[*s].op {
                Op::CreateContainer { spec, .. } if wanted => spec.name.clone(),
                Op::StartContainer(t) if !wanted => Some(t.name.clone()),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        if !names.is_empty() {
            messages.push(format!("not {verb}: {} ({why})", names.join(", ")));
        }
    }
    Err(ComposeError::Failed { messages })
}

impl ComposeError {
    /// The exit code of a command that failed this way, as Docker Compose 2.40's: 130 when
    /// interrupted, else 1 (an image that could not be pulled included; 2.26 exited 18).
    pub fn exit_code(&self) -> i32 {
        match self {
            ComposeError::Interrupted => 130,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests;
