//! (in progress)
pub struct FakeEngine;
