//! Reconciliation: observe the engine once, plan as a pure function, execute the plan.

pub mod labels;
pub mod hash;
