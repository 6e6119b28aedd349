//! rcompose's integration tests: one binary, run against the real Docker engine at DOCKER_HOST
//! (default /var/run/docker.sock). Every test gets its own project name and cleans up after
//! itself; none skips when the engine is missing, they fail and say why.
//!
//! Run with `cargo test --test integration`. The busybox:latest image is created locally from
//! Debian's busybox-static when missing (`scripts/busybox-image.sh`): no registry is needed.

mod cli;
mod harness;
mod pty;
mod registries;
mod tar;

mod engine_connect;
mod engine_containers;
mod engine_errors;
mod engine_images;
mod engine_networks;

mod attached;
mod build;
mod commands;
mod completion;
mod compose240;
mod cp;
mod down;
mod exec;
mod fields;
mod flags;
mod format;
mod inspect_diff;
mod interrupted;
mod plugin;
mod pre_start;
mod progress;
mod provider;
mod registry;
mod reliability;
mod remote;
mod run;
mod stack;
mod stats;
mod status;
mod swarm_lab;
mod takeover;
mod up;
mod volumes;
mod wait_volumes;
mod watch;
