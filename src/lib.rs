//! rcompose: a Docker-Compose-compatible multi-container orchestrator.

pub mod engine;
pub mod loader;
pub mod model;
