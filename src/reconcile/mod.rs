//! Reconciliation: observe the engine once, plan as a pure function, execute the plan.
//!
//! `observe` reads; `plan` decides (pure, printable, with a reason for every action);
//! `execute` carries a plan out with bounded concurrency and decides nothing; `convert` turns
//! a service into the engine's container spec; `health` waits for containers to be ready;
//! `hooks` runs the `post_start`/`pre_stop` commands in them, and `pre_start` hooks' own
//! containers to their exit.

pub mod convert;
pub mod execute;
pub mod hash;
pub mod health;
pub mod hooks;
pub mod labels;
pub mod observe;
pub mod plan;

pub use plan::PlanError;

#[cfg(test)]
pub(crate) mod testing;
