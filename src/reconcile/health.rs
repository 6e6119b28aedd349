//! Waiting until a service's containers are ready: healthy, exited with status 0, or running.
//!
//! Completion is awaited with the engine's own `wait` call. Health is followed through the
//! engine's events for the service (replayed from a second before the wait began, so nothing
//! said between the first look and the subscription is lost), re-reading the containers on each
//! event; a slow poll covers an engine that drops events.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::future::try_join_all;
use futures_util::StreamExt;
use tokio_util::sync::CancellationToken;

use super::labels;
use super::plan::Condition;
use crate::engine::{ContainerDetails, ContainerStatus, Engine, EngineError, EventFilter, HealthStatus, LabelFilter, WaitCondition};

/// How long to trust the event stream before looking again anyway.
const FALLBACK_POLL: Duration = Duration::from_secs(2);

/// Why a service did not become ready.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    #[error("container {container} is unhealthy")]
    Unhealthy { container: String },
    #[error("container {container} has no healthcheck configured")]
    NoHealthcheck { container: String },
    #[error("container {container} exited ({code})")]
    Exited { container: String, code: i64 },
    #[error("service {service} didn't complete successfully: container {container} exited ({code})")]
    Failed { service: String, container: String, code: i64 },
    #[error("container {container}: {source}")]
    Engine { container: String, source: EngineError },
    #[error("interrupted")]
    Cancelled,
}

/// Waits until every container in `containers` of `service` meets `condition`.
pub async fn wait_service(
    engine: &dyn Engine,
    project: &str,
    service: &str,
    containers: &[String],
    condition: Condition,
    cancel: &CancellationToken,
) -> Result<(), NotReady> {
    let work = async {
        match condition {
            Condition::CompletedSuccessfully => try_join_all(containers.iter().map(|c| completed(engine, service, c))).await.map(drop),
            Condition::Healthy | Condition::RunningOrHealthy => follow(engine, project, service, containers, condition).await,
        }
    };
    tokio::select! {
        r = work => r,
        _ = cancel.cancelled() => Err(NotReady::Cancelled),
    }
}

async fn completed(engine: &dyn Engine, service: &str, container: &str) -> Result<(), NotReady> {
    let r = engine
        .wait_container(container, WaitCondition::NotRunning)
        .await
        .map_err(|source| NotReady::Engine { container: container.into(), source })?;
    match r.exit_code {
        0 => Ok(()),
        code => Err(NotReady::Failed { service: service.into(), container: container.into(), code }),
    }
}

async fn follow(engine: &dyn Engine, project: &str, service: &str, containers: &[String], condition: Condition) -> Result<(), NotReady> {
    let since = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64 - 1).unwrap_or(0);
    let filter = EventFilter {
        labels: LabelFilter::new().eq(labels::PROJECT, project).eq(labels::SERVICE, service),
        types: vec!["container".into()],
        since: Some(since),
        ..Default::default()
    };
    let mut events = engine.events(&filter);
    loop {
        let details =
            try_join_all(containers.iter().map(|c| async move {
                engine.inspect_container(c).await.map_err(|source| NotReady::Engine { container: c.clone(), source })
            }))
            .await?;
        let mut ready = true;
        for d in &details {
            ready &= check(d, condition)?;
        }
        if ready {
            return Ok(());
        }
        tokio::select! {
            event = events.next() => {
                if event.is_none() {
                    // The stream ended (engine restart?): fall back to polling.
                    tokio::time::sleep(FALLBACK_POLL).await;
                }
            }
            _ = tokio::time::sleep(FALLBACK_POLL) => {}
        }
    }
}

/// Whether one container is ready; an error when it never will be.
pub fn check(d: &ContainerDetails, condition: Condition) -> Result<bool, NotReady> {
    let container = || d.name.clone();
    if matches!(d.state.status, ContainerStatus::Exited | ContainerStatus::Dead) {
        return Err(NotReady::Exited { container: container(), code: d.state.exit_code });
    }
    let has_check = d.config.healthcheck.as_ref().is_some_and(|h| !h.test.is_empty() && h.test[0] != "NONE");
    if !has_check {
        return match condition {
            Condition::Healthy => Err(NotReady::NoHealthcheck { container: container() }),
            _ => Ok(d.state.running),
        };
    }
    match d.state.health.as_ref().map(|h| h.status) {
        Some(HealthStatus::Healthy) => Ok(true),
        Some(HealthStatus::Unhealthy) => Err(NotReady::Unhealthy { container: container() }),
        _ => Ok(false),
    }
}
