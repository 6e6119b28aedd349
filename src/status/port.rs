//! `port`: the host address a container port is published on.

use super::{containers, Scope, StatusError};
use crate::engine::{ContainerSummary, Engine};
use crate::reconcile::labels;

/// `ip:port` on the host for `private_port/protocol` of the running container numbered `index`
/// (default 1) of `service`. A port that is exposed but not published reads `:0`, as in
/// Docker Compose.
pub async fn port(
    engine: &dyn Engine,
    project: &str,
    service: &str,
    private_port: u16,
    protocol: &str,
    index: Option<u32>,
) -> Result<String, StatusError> {
    let c = running_container(engine, project, service, index).await?;
    let found = c.ports.iter().find(|p| p.private_port == private_port && p.protocol == protocol);
    match found {
        Some(p) => Ok(format!("{}:{}", p.ip.as_deref().unwrap_or(""), p.public_port.unwrap_or(0))),
        None => Err(StatusError::NoSuchPort {
            port: format!("{private_port}/{protocol}"),
            container: c.name().to_string(),
            available: c.ports.iter().map(|p| format!("{}/{}", p.public_port.unwrap_or(0), p.protocol)).collect::<Vec<_>>().join(", "),
        }),
    }
}

/// The running container numbered `index` (default 1) of `service`.
pub async fn running_container(
    engine: &dyn Engine,
    project: &str,
    service: &str,
    index: Option<u32>,
) -> Result<ContainerSummary, StatusError> {
    let scope = Scope { project: project.into(), services: vec![service.into()], declared: None };
    let list = containers(engine, &scope, false, false).await?;
    if list.is_empty() {
        return Err(StatusError::NotRunning(service.into()));
    }
    let number = index.unwrap_or(1);
    list.into_iter()
        .find(|c| c.labels.get(labels::CONTAINER_NUMBER).and_then(|n| n.parse().ok()) == Some(number))
        .ok_or_else(|| StatusError::NoSuchContainer { service: service.into(), index: number })
}
