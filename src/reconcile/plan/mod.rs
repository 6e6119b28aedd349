//! The plan: what the reconciler will do to the engine, and why.
//!
//! A plan is a graph of steps, each one engine call (or one wait on a service's readiness),
//! with edges saying which steps must be done first. The planners in this module are pure
//! functions of the project, an [`Observed`](super::observe::Observed) snapshot and the
//! command's options: they are tested without an engine, and the plan prints as stable text for
//! `--dry-run`. The executor walks the graph and decides nothing.

mod diff;
mod display;
mod down;
mod gates;
mod images;
mod leftovers;
mod lifecycle;
pub(crate) mod pre_start;
mod resources;
mod run;
mod up;

use std::collections::BTreeMap;
use std::time::Duration;

use crate::build::{BuildError, BuildJob};
use crate::engine::{ContainerSpec, NetworkSpec, VolumeSpec};
use crate::reconcile::convert::InjectedFile;

pub use down::{label_project, plan_down, DownOptions, RemoveImages};
pub use images::{plan_build, plan_images, plan_pull, plan_push, ImageOptions, PullOptions, PullPolicy};
pub use lifecycle::{plan_kill, plan_pause, plan_restart, plan_rm, plan_start, plan_stop, plan_unpause};
pub use run::{one_off_service, plan_run, run_dependencies, run_name, OneOff, RunPlanOptions};
pub use up::{plan_up, replicas, Recreate, UpOptions};

/// Why no plan could be made; nothing has been done when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Cycle(#[from] crate::graph::CycleError),
    #[error("network {name} not found")]
    ExternalNetwork { name: String },
    #[error("external volume {name:?} not found")]
    ExternalVolume { name: String },
    /// A network of the project's name exists, but was made for another network (or by hand):
    /// Docker Compose refuses to use it.
    #[error("network {name} was found but has incorrect label {} set to {found:?}", crate::reconcile::labels::NETWORK)]
    NetworkLabel { name: String, found: String },
    #[error(transparent)]
    File(#[from] crate::reconcile::convert::files::FileError),
    #[error("service {service}: image {image} is not present locally and {why}")]
    ImageMissing { service: String, image: String, why: String },
    #[error(transparent)]
    Build(#[from] BuildError),
    /// A service shares a namespace or volumes with a service that has no container and is not
    /// converged by this plan (`up --no-deps`).
    #[error("service {service}: cannot share {what} with service {dependency}: container missing")]
    ContainerMissing { service: String, what: &'static str, dependency: String },
    /// A feature the engine's API version does not have, in Docker Compose's words.
    #[error("service {service}: can't set {feature} as feature require Docker Engine {engine} or later")]
    Unsupported { service: String, feature: &'static str, engine: &'static str },
    /// A `type: image` volume on an engine older than API 1.48; `at` is the key with its position.
    #[error("{at}: service {service}: volume with type=image requires Docker Engine v28 (API 1.48) or later; this engine's API is {api}")]
    ImageMount { at: String, service: String, api: String },
    #[error("no such service: {0}")]
    NoService(String),
    /// A `run` flag whose value does not parse.
    #[error("invalid {flag}: {why}")]
    RunFlag { flag: &'static str, why: String },
    /// `per_replica: true` on a `pre_start` hook, which Docker Compose v5.5 reads and refuses
    /// (in its words).
    #[error("{at}: service {service:?} pre_start[{index}]: per_replica is not yet supported; remove per_replica or set it to false")]
    PerReplica { at: String, service: String, index: usize },
    /// A start of a service with `pre_start` hooks whose hook containers are missing (a
    /// previous start consumed them), in Docker Compose v5.5's words.
    #[error(
        "service {service:?} pre_start[{index}]: no hook runner container found — either its runner was already consumed by a previous start, or the service's container state changed after reconciliation planned this run; run `docker compose up {service}` to prepare fresh runners"
    )]
    NoRunner { service: String, index: usize },
    #[error("service {service}: cannot run several replicas with container_name {container_name:?}: container names must be unique")]
    ScaleWithContainerName { service: String, container_name: String },
}

/// Index of a step in [`Plan::steps`].
pub type StepId = usize;

/// The plan for one command.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// One line per thing considered, with what will happen to it and why, including the
    /// things left alone (`cache: up to date`).
    pub decisions: Vec<Decision>,
    pub steps: Vec<Step>,
    /// Things the user should know that do not stop the plan (orphan containers...).
    pub warnings: Vec<String>,
}

/// What happens to one service container, network, volume or image, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `web`, `web #2`, `network p_default`...
    pub subject: String,
    /// `create`, `recreate`, `start`, `up to date`...
    pub action: String,
    /// Why; empty when the action says it all.
    pub reason: String,
}

/// One engine call, with the steps that must come first.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub op: Op,
    pub after: Vec<Edge>,
    /// What a failure of this step means for the steps that wait on it.
    pub on_failure: OnFailure,
    /// The progress lines to show around this step, if any.
    pub progress: Option<StepLabel>,
}

/// "This step waits for `step`".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub step: StepId,
    /// A hard edge skips the waiting step when `step` fails; a soft one only orders them
    /// (dependencies marked `required: false`).
    pub hard: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnFailure {
    /// Report the failure; steps with a hard edge to this one are skipped.
    Abort,
    /// Report a warning and carry on as if the step had succeeded (`required: false`).
    Warn,
}

/// How a step shows in the progress view: ` Container p-web-1  Creating`, then `... Created`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepLabel {
    /// `Container`, `Network`, `Volume`, `Image`.
    pub kind: &'static str,
    pub name: String,
    /// Shown when the step begins, if anything.
    pub begin: Option<&'static str>,
    /// Shown when the step succeeds, if anything.
    pub end: Option<&'static str>,
}

/// A container as the engine calls address it: by id when known (a container being replaced
/// shares its name with its successor), else by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub id: Option<String>,
}

impl Target {
    pub fn name(name: impl Into<String>) -> Target {
        Target { name: name.into(), id: None }
    }

    /// What to send to the engine.
    pub fn key(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.name)
    }
}

/// One engine call, or one wait.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateNetwork(NetworkSpec),
    CreateVolume(VolumeSpec),
    /// Pulls an image for `services` (named in messages); `quiet` keeps each layer's progress
    /// to itself (`--quiet-pull`).
    PullImage {
        reference: String,
        services: Vec<String>,
        quiet: bool,
    },
    /// Pushes an image of `services` to its registry (`build --push`).
    PushImage {
        reference: String,
        services: Vec<String>,
    },
    /// Builds an image and gives it every tag of the job.
    BuildImage(Box<BuildJob>),
    /// Creates a container. When `image_label` is set, the executor writes the id that
    /// reference has at that moment into the `com.docker.compose.image` label (the image may
    /// only exist once an earlier step pulled it). When `hash` is set, it writes the
    /// config-hash label too, from the ids the containers it names have at that moment.
    CreateContainer {
        spec: Box<ContainerSpec>,
        image_label: Option<String>,
        hash: Option<Box<PendingHash>>,
    },
    StartContainer(Target),
    /// Runs a service's lifecycle hooks (`post_start`, `pre_stop`) in a container, one after
    /// the other; the first that fails (non-zero exit) fails the step.
    RunHooks {
        target: Target,
        service: String,
        phase: HookPhase,
        hooks: Vec<crate::model::ServiceHook>,
    },
    /// Starts the container a service's `pre_start` hook was created in and waits for it to
    /// exit, its output passed on; a non-zero exit fails the step (`reconcile::hooks`).
    RunPreStart {
        target: Target,
        service: String,
        /// The hook's index in the service's `pre_start` list.
        index: usize,
    },
    StopContainer {
        target: Target,
        timeout: Option<Duration>,
    },
    KillContainer {
        target: Target,
        signal: Option<String>,
    },
    PauseContainer(Target),
    UnpauseContainer(Target),
    RemoveContainer {
        target: Target,
        volumes: bool,
    },
    RenameContainer {
        target: Target,
        to: String,
    },
    /// Writes secrets and configs that are not host files into a created container.
    CopyFiles {
        target: Target,
        files: Vec<InjectedFile>,
    },
    /// Waits until every listed container of `service` meets `condition`.
    Await {
        service: String,
        condition: Condition,
        containers: Vec<String>,
    },
    RemoveNetwork {
        name: String,
    },
    /// Takes a container off a network (to recreate the network: see `resources`).
    DisconnectNetwork {
        network: String,
        target: Target,
    },
    /// Puts a container on a network with the endpoint settings of its service.
    ConnectNetwork {
        target: Target,
        endpoint: Box<crate::engine::EndpointSpec>,
    },
    RemoveVolume {
        name: String,
    },
    RemoveImage {
        name: String,
    },
}

/// A config-hash label that needs the id of a container this plan creates: Docker Compose
/// hashes a service with its `service:x` references replaced by the id of x's first container
/// ([`hash::label_hash`](crate::reconcile::hash::label_hash)), and that id is only known once
/// the step creating it has run (the create step waits for it).
#[derive(Debug, Clone, PartialEq)]
pub struct PendingHash {
    pub service: crate::model::Service,
    /// The ids known when planning, by referenced service.
    pub ids: BTreeMap<String, String>,
    /// The other referenced services, with the name of the container whose id to take.
    pub containers: BTreeMap<String, String>,
}

/// When a lifecycle hook runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookPhase {
    /// Just after the container started; the container counts as started once they succeed.
    PostStart,
    /// Just before the container is stopped; a failure leaves the container running.
    PreStop,
}

impl HookPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            HookPhase::PostStart => "post_start",
            HookPhase::PreStop => "pre_stop",
        }
    }
}

/// What "ready" means for a dependency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    /// `service_healthy`: the healthcheck passed.
    Healthy,
    /// `service_completed_successfully`: the container exited with status 0.
    CompletedSuccessfully,
    /// `--wait`: healthy when there is a healthcheck, else running.
    RunningOrHealthy,
}

impl Condition {
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::Healthy => "healthy",
            Condition::CompletedSuccessfully => "completed successfully",
            Condition::RunningOrHealthy => "running or healthy",
        }
    }

    /// The progress status of a container once the condition is met, as Docker Compose shows it.
    pub fn reached(self) -> &'static str {
        match self {
            Condition::Healthy | Condition::RunningOrHealthy => "Healthy",
            Condition::CompletedSuccessfully => "Exited",
        }
    }
}

impl Plan {
    /// Appends a step and returns its id.
    pub fn push(&mut self, op: Op, after: Vec<Edge>, progress: Option<StepLabel>) -> StepId {
        self.steps.push(Step { op, after, on_failure: OnFailure::Abort, progress });
        self.steps.len() - 1
    }

    pub fn decide(&mut self, subject: impl Into<String>, action: impl Into<String>, reason: impl Into<String>) {
        self.decisions.push(Decision { subject: subject.into(), action: action.into(), reason: reason.into() });
    }

    /// Whether the plan changes nothing (waits alone change nothing).
    pub fn is_noop(&self) -> bool {
        self.steps.iter().all(|s| matches!(s.op, Op::Await { .. }))
    }
}

/// Starts a container (after `after`) and runs its service's `post_start` hooks in it, if it
/// has any: the container shows `Started` once they have succeeded, and what waits on the
/// returned step waits on them too, as in Docker Compose.
pub fn push_start(plan: &mut Plan, target: Target, service: Option<&crate::model::Service>, after: Vec<Edge>) -> StepId {
    let name = target.name.clone();
    let hooks = service.map(|s| s.post_start.clone()).unwrap_or_default();
    if hooks.is_empty() {
        return plan.push(Op::StartContainer(target), after, StepLabel::new("Container", name, Some("Starting"), Some("Started")));
    }
    let start = plan.push(Op::StartContainer(target.clone()), after, StepLabel::new("Container", &name, Some("Starting"), None));
    let service = service.map(|s| s.name.clone()).unwrap_or_default();
    let op = Op::RunHooks { target, service, phase: HookPhase::PostStart, hooks };
    plan.push(op, hard([start]), StepLabel::new("Container", name, None, Some("Started")))
}

/// Hard edges to every step in `steps`.
pub fn hard(steps: impl IntoIterator<Item = StepId>) -> Vec<Edge> {
    steps.into_iter().map(|step| Edge { step, hard: true }).collect()
}

/// Soft edges to every step in `steps`.
pub fn soft(steps: impl IntoIterator<Item = StepId>) -> Vec<Edge> {
    steps.into_iter().map(|step| Edge { step, hard: false }).collect()
}

impl StepLabel {
    pub fn new(kind: &'static str, name: impl Into<String>, begin: Option<&'static str>, end: Option<&'static str>) -> Option<StepLabel> {
        Some(StepLabel { kind, name: name.into(), begin, end })
    }
}

#[cfg(test)]
mod tests;
