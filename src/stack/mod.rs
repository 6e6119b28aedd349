//! `stack deploy|ps|services|rm|ls`: the compose project on a Docker Swarm.
//!
//! The same loader, and the same shape as `up`: observe the swarm once, plan purely (each
//! service created, updated with the fields that changed, or left alone), execute the plan.
//! What a stack is made of (`NAME_x` services, networks, secrets, configs labelled
//! `com.docker.stack.namespace=NAME`) is what `docker stack deploy` makes, so either tool takes
//! over the other's stacks. The commands reach the engine's Swarm calls through
//! [`crate::engine::Engine::swarm`]; they never touch an object without the stack's label.

pub mod convert;
pub mod deploy;
pub mod plan;
pub mod query;
pub mod readiness;

pub use deploy::DeployOptions;
pub use plan::{ResolveImage, StackPlan};

use crate::engine::EngineError;

/// Why a stack command failed.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("this engine has no swarm calls")]
    NoSwarm,
    #[error("this node is not a swarm manager: use \"docker swarm init\" or \"docker swarm join\" to connect this node to a swarm and try again")]
    NotManager,
    #[error(transparent)]
    Convert(#[from] convert::ConvertError),
    #[error(transparent)]
    Plan(#[from] plan::PlanError),
    #[error("cannot read {path}: {message}")]
    File { path: String, message: String },
    /// A wait (`depends_on`, `--wait`) that failed: the failing task's error, service and node.
    #[error("{0}")]
    Wait(String),
    #[error("nothing found in stack: {0}")]
    NotFound(String),
}
