//! rcompose: a Docker-Compose-compatible multi-container orchestrator.

pub mod loader;
