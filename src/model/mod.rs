//! The typed project every command works from. No I/O here: the loader builds it, the
//! runtime reads it, and `config` prints it.

pub mod project;
pub mod service;
pub mod units;

pub use project::{FileObject, Ipam, IpamPool, Model, Network, Project, Volume};
pub use service::*;
pub use units::{Bytes, Duration};
