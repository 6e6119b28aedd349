//! The compose loader: files in, typed [`crate::model::Project`] out, as a pipeline of passes.
//! See `ARCHITECTURE.md` for the order of the passes and why.

pub mod diagnostic;
pub mod canonical;
pub mod syntax;
pub mod yaml;

pub use diagnostic::{Diagnostic, FileId, Pos};
pub use yaml::{Map, Node, Tag, Value};

pub mod dotenv;
pub mod interpolate;
pub mod merge;
pub mod validate;
