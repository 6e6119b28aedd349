//! `events`: the engine's container events for the project's service containers, as Docker
//! Compose 2.40 reports them: one-off (`run`) containers left out, the `com.docker.compose.*`
//! labels dropped from the attributes (they say nothing the event does not already say).

use std::collections::BTreeMap;

use futures_util::StreamExt;

use super::{Compose, ComposeError};
use crate::engine::{EngineEvent, EventFilter, LabelFilter};
use crate::reconcile::labels;

/// Something that happened to a service container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEvent {
    /// Unix time in nanoseconds.
    pub time_nanos: i64,
    pub service: String,
    /// The container's id.
    pub container: String,
    /// `create`, `start`, `die`, `health_status: healthy`...
    pub action: String,
    /// The container's own labels and the engine's details (`name`, `image`, `exitCode`...).
    pub attributes: BTreeMap<String, String>,
}

/// Which events `events` reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventsOptions {
    /// Only these services' containers; empty for all.
    pub services: Vec<String>,
    /// Replay the events since this Unix time first.
    pub since: Option<i64>,
    /// End at this Unix time; `None` follows until Ctrl-C.
    pub until: Option<i64>,
}

/// The event as `events` reports it, or `None` when it is not one of a service container of
/// `services` (empty: any service).
pub fn service_event(e: EngineEvent, services: &[String]) -> Option<ServiceEvent> {
    let hook = e.attributes.contains_key(labels::HOOK);
    if e.kind != "container" || hook || e.attributes.get(labels::ONEOFF).is_some_and(|v| v == "True") {
        return None;
    }
    let service = e.attributes.get(labels::SERVICE).cloned().unwrap_or_default();
    if !services.is_empty() && !services.contains(&service) {
        return None;
    }
    let attributes = e.attributes.into_iter().filter(|(k, _)| !k.starts_with("com.docker.compose.")).collect();
    Some(ServiceEvent { time_nanos: e.time_nanos, service, container: e.actor_id, action: e.action, attributes })
}

impl Compose {
    /// Sends each event of the project's service containers to `each`, until `options.until`
    /// is reached, the engine ends the stream, Ctrl-C, or `each` fails (its reader is gone: a
    /// closed pipe).
    pub async fn events(
        &self,
        project: &str,
        options: &EventsOptions,
        mut each: impl FnMut(ServiceEvent) -> std::io::Result<()>,
    ) -> Result<(), ComposeError> {
        let filter = EventFilter {
            labels: LabelFilter::new().eq(labels::PROJECT, project.to_lowercase()),
            types: vec!["container".to_string()],
            since: options.since,
            until: options.until,
            ..Default::default()
        };
        let mut stream = self.engine.events(&filter);
        loop {
            let next = tokio::select! {
                next = stream.next() => next,
                () = self.cancel.cancelled() => return Ok(()),
            };
            match next {
                None => return Ok(()),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(e)) => {
                    if let Some(event) = service_event(e, &options.services) {
                        if each(event).is_err() {
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, attributes: &[(&str, &str)]) -> EngineEvent {
        EngineEvent {
            kind: kind.to_string(),
            action: "start".to_string(),
            actor_id: "abc".to_string(),
            attributes: attributes.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            time_nanos: 1_700_000_000_123_456_789,
        }
    }

    #[test]
    fn service_containers_only_without_compose_labels() {
        let e = event("container", &[(labels::SERVICE, "web"), (labels::ONEOFF, "False"), ("name", "p-web-1"), ("tier", "front")]);
        let got = service_event(e.clone(), &[]).unwrap();
        assert_eq!(got.service, "web");
        assert_eq!(got.container, "abc");
        assert_eq!(got.action, "start");
        assert_eq!(got.attributes.keys().collect::<Vec<_>>(), ["name", "tier"]);
        assert!(service_event(e.clone(), &["db".to_string()]).is_none());
        assert!(service_event(e, &["db".to_string(), "web".to_string()]).is_some());
    }

    #[test]
    fn one_off_containers_hook_containers_and_other_objects_are_left_out() {
        assert!(service_event(event("container", &[(labels::SERVICE, "web"), (labels::ONEOFF, "True")]), &[]).is_none());
        let hook = [(labels::SERVICE, "web"), (labels::ONEOFF, "False"), (labels::HOOK, "pre_start")];
        assert!(service_event(event("container", &hook), &[]).is_none());
        assert!(service_event(event("network", &[(labels::SERVICE, "web")]), &[]).is_none());
    }
}
