//! Fan-in of container log streams: the output of many containers as one stream of lines.
//!
//! `logs` and attached `up` read several containers at once. Each container is read by a task
//! of its own (owned by a `JoinSet`) that cuts the engine's chunks into lines and sends them on
//! one channel. When following, the engine's events are watched too: a container of the
//! project that starts (restarted, or recreated under a new id) is followed from the moment it
//! started, and a container that dies is reported. Following ends when every followed
//! container has died without restarting, or when `shutdown` completes.
//!
//! Nothing here prints: the caller turns events into text (`output::logs`).

use std::collections::{BTreeMap, HashSet};
use std::future::Future;
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::engine::{ContainerStatus, ContainerSummary, Engine, EngineEvent, EngineResult, EventFilter, LabelFilter, LogOptions, LogStream};
use crate::reconcile::labels;

/// A container whose logs are read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogSource {
    pub id: String,
    /// The container's name.
    pub name: String,
    pub service: String,
    pub number: u32,
    /// What its lines are prefixed with: `service-N`, or the custom `container_name`.
    pub label: String,
    /// Whether it runs now; only running containers keep a follow going.
    pub running: bool,
}

impl LogSource {
    /// A source from a listed container of `project`, as Docker Compose names it in prefixes.
    pub fn from_summary(project: &str, c: &ContainerSummary) -> LogSource {
        Self::from_labels(project, &c.id, c.name(), &c.labels, c.state == ContainerStatus::Running)
    }

    fn from_labels(project: &str, id: &str, name: &str, l: &BTreeMap<String, String>, running: bool) -> LogSource {
        let service = l.get(labels::SERVICE).cloned().unwrap_or_default();
        let number = l.get(labels::CONTAINER_NUMBER).and_then(|n| n.parse().ok()).unwrap_or(0);
        let default = format!("{project}-{service}-{number}");
        let label = if name == default { format!("{service}-{number}") } else { name.to_string() };
        LogSource { id: id.into(), name: name.into(), service, number, label, running }
    }
}

/// What to read, and whether to keep reading.
#[derive(Clone, Debug, Default)]
pub struct LogRequest {
    /// The project whose new containers are picked up while following.
    pub project: String,
    /// Only containers of these services are picked up while following; empty: all.
    pub services: Vec<String>,
    pub follow: bool,
    /// The last N lines of each container; `None` for all.
    pub tail: Option<u64>,
    /// Unix seconds.
    pub since: Option<i64>,
    /// Unix seconds.
    pub until: Option<i64>,
    pub timestamps: bool,
}

/// One thing to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// A line of output, without its line break.
    Line { source: Arc<LogSource>, stream: LogStream, text: String },
    /// A container is read from now on: each given one first, in order, then each that starts
    /// while following.
    Attached { source: Arc<LogSource> },
    /// A followed container stopped.
    Exited { source: Arc<LogSource>, exit_code: i64 },
}

/// Reads the logs of `sources` into `out` until there is nothing more to read, `out` is closed,
/// or `shutdown` completes. Errors of single containers end their own stream only (a container
/// removed while being read is normal); a failure of the event stream is returned.
pub async fn fan_in(
    engine: Arc<dyn Engine>,
    sources: Vec<LogSource>,
    request: LogRequest,
    out: mpsc::Sender<LogEvent>,
    shutdown: impl Future<Output = ()>,
) -> EngineResult<()> {
    let options = LogOptions { follow: request.follow, tail: request.tail, since: request.since, until: request.until, timestamps: request.timestamps };
    let filter = EventFilter {
        labels: LabelFilter::new().eq(labels::PROJECT, &request.project),
        types: vec!["container".into()],
        actions: vec!["start".into(), "die".into()],
        ..Default::default()
    };
    // Subscribed before the first read, so that no start is missed in between.
    let mut events = if request.follow { Some(engine.events(&filter)) } else { None };
    let mut tasks = JoinSet::new();
    // Containers read now, and containers whose end ends the follow.
    let mut reading: HashSet<String> = HashSet::new();
    let mut expected: HashSet<String> = HashSet::new();
    let mut known: BTreeMap<String, Arc<LogSource>> = BTreeMap::new();
    for source in sources {
        let source = Arc::new(source);
        if source.running {
            expected.insert(source.id.clone());
        }
        reading.insert(source.id.clone());
        known.insert(source.id.clone(), source.clone());
        let _ = out.send(LogEvent::Attached { source: source.clone() }).await;
        tasks.spawn(read_one(engine.clone(), source, options.clone(), out.clone()));
    }
    tokio::pin!(shutdown);
    loop {
        let following = events.is_some() && !expected.is_empty();
        if tasks.is_empty() && !following {
            return Ok(());
        }
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done {
                    reading.remove(&id);
                }
            }
            event = next_event(&mut events), if following => {
                let Some(event) = event else { return Ok(()) };
                let event = event?;
                let Some(id) = on_event(&request, &event, &mut known, &mut expected, &engine, &out).await else { continue };
                if reading.insert(id.clone()) {
                    let since = Some(event.time_nanos / 1_000_000_000);
                    let options = LogOptions { tail: None, since, ..options.clone() };
                    tasks.spawn(read_one(engine.clone(), known[&id].clone(), options, out.clone()));
                }
            }
        }
    }
}

async fn next_event(events: &mut Option<crate::engine::EngineStream<'_, EngineEvent>>) -> Option<EngineResult<EngineEvent>> {
    match events {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

/// Tracks starts and deaths; returns the id of a container to start reading.
async fn on_event(
    request: &LogRequest,
    event: &EngineEvent,
    known: &mut BTreeMap<String, Arc<LogSource>>,
    expected: &mut HashSet<String>,
    engine: &Arc<dyn Engine>,
    out: &mpsc::Sender<LogEvent>,
) -> Option<String> {
    let attrs = &event.attributes;
    if attrs.get(labels::ONEOFF).is_some_and(|v| v == "True") {
        return None;
    }
    let service = attrs.get(labels::SERVICE)?;
    if !request.services.is_empty() && !request.services.contains(service) {
        return None;
    }
    let id = event.actor_id.clone();
    match event.action.as_str() {
        "start" => {
            let name = attrs.get("name").cloned().unwrap_or_default();
            let source = Arc::new(LogSource::from_labels(&request.project, &id, &name, attrs, true));
            if !known.contains_key(&id) {
                let _ = out.send(LogEvent::Attached { source: source.clone() }).await;
            }
            known.insert(id.clone(), source);
            expected.insert(id.clone());
            Some(id)
        }
        "die" => {
            let source = known.get(&id)?.clone();
            let exit_code = attrs.get("exitCode").and_then(|c| c.parse().ok()).unwrap_or(0);
            let _ = out.send(LogEvent::Exited { source, exit_code }).await;
            // A container its restart policy brings back keeps the follow going.
            let restarting = engine.inspect_container(&id).await.is_ok_and(|d| d.state.restarting);
            if !restarting {
                expected.remove(&id);
            }
            None
        }
        _ => None,
    }
}

/// Reads one container to the end of its stream; returns its id.
async fn read_one(engine: Arc<dyn Engine>, source: Arc<LogSource>, options: LogOptions, out: mpsc::Sender<LogEvent>) -> String {
    let mut splitter = LineSplitter::default();
    let mut stream = engine.logs(&source.id, &options);
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        for (stream, text) in splitter.push(chunk.stream, &chunk.bytes) {
            if out.send(LogEvent::Line { source: source.clone(), stream, text }).await.is_err() {
                return source.id.clone();
            }
        }
    }
    for (stream, text) in splitter.finish() {
        let _ = out.send(LogEvent::Line { source: source.clone(), stream, text }).await;
    }
    source.id.clone()
}

/// Cuts chunks into lines, per output stream: a chunk may end in the middle of a line.
#[derive(Debug, Default)]
pub struct LineSplitter {
    partial: BTreeMap<StreamKey, Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct StreamKey(u8);

impl StreamKey {
    fn of(s: LogStream) -> StreamKey {
        StreamKey(matches!(s, LogStream::Stderr) as u8)
    }
    fn stream(self) -> LogStream {
        if self.0 == 1 { LogStream::Stderr } else { LogStream::Stdout }
    }
}

impl LineSplitter {
    /// The complete lines `bytes` ends, without their `\n` (nor a `\r` before it).
    pub fn push(&mut self, stream: LogStream, bytes: &[u8]) -> Vec<(LogStream, String)> {
        let buf = self.partial.entry(StreamKey::of(stream)).or_default();
        buf.extend_from_slice(bytes);
        let mut lines = Vec::new();
        while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let mut line: Vec<u8> = buf.drain(..=pos).collect();
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            lines.push((stream, String::from_utf8_lossy(&line).into_owned()));
        }
        lines
    }

    /// What is left once the stream ended: last lines without a line break.
    pub fn finish(&mut self) -> Vec<(LogStream, String)> {
        std::mem::take(&mut self.partial)
            .into_iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(k, b)| (k.stream(), String::from_utf8_lossy(&b).into_owned()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_cut_into_lines_per_stream() {
        let mut s = LineSplitter::default();
        assert_eq!(s.push(LogStream::Stdout, b"one\ntw"), vec![(LogStream::Stdout, "one".to_string())]);
        assert_eq!(s.push(LogStream::Stderr, b"err\r\n"), vec![(LogStream::Stderr, "err".to_string())]);
        assert_eq!(s.push(LogStream::Stdout, b"o\nthree"), vec![(LogStream::Stdout, "two".to_string())]);
        assert_eq!(s.finish(), vec![(LogStream::Stdout, "three".to_string())]);
    }

    #[test]
    fn prefixes_drop_the_project_unless_the_name_is_custom() {
        let l = |s: &str, n: &str| BTreeMap::from([(labels::SERVICE.to_string(), s.to_string()), (labels::CONTAINER_NUMBER.to_string(), n.to_string())]);
        assert_eq!(LogSource::from_labels("demo", "x", "demo-web-2", &l("web", "2"), true).label, "web-2");
        assert_eq!(LogSource::from_labels("demo", "x", "custom", &l("web", "1"), true).label, "custom");
    }
}
