//! `top`: the processes running in each container of the project.

use super::{containers, Scope, StatusError};
use crate::engine::{Engine, TopResult};

/// The processes of each running container of `scope`, by container name (sorted). Stopped
/// containers are left out, as Docker Compose does.
pub async fn top(engine: &dyn Engine, scope: &Scope) -> Result<Vec<(String, TopResult)>, StatusError> {
    let list = containers(engine, scope, false, false).await?;
    let results = futures_util::future::join_all(list.iter().map(|c| engine.top(&c.id, None))).await;
    let mut out = Vec::new();
    for (c, result) in list.iter().zip(results) {
        match result {
            Ok(t) => out.push((c.name().to_string(), t)),
            // Stopped between the listing and the call.
            Err(e) if e.is_conflict() || e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}
