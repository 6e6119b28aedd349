//! rcompose: a Docker-Compose-compatible multi-container orchestrator.

pub mod build;
pub mod cli;
pub mod compose;
pub mod engine;
pub mod go;
pub mod graph;
pub mod loader;
pub mod logs;
pub mod model;
pub mod output;
pub mod reconcile;
pub mod registry;
pub mod render;
pub mod shutdown;
pub mod stack;
pub mod status;
pub mod stdio;
pub mod watch;
