//! Fan-in of container log streams: the output of many containers as one stream of lines.
//!
//! `logs` and attached `up` read several containers at once. Each container is read by a task
//! of its own (owned by a `JoinSet`) that cuts the engine's chunks into lines and sends them on
//! one channel. When following, the engine's events are watched too: a container of the
//! project that starts (restarted, or recreated under a new id) is followed from the moment it
//! started, and a container that dies is reported once the lines it wrote before dying are
//! out. Following ends when every container that keeps it going has died without restarting
//! (or was removed), or when `shutdown` completes.
//!
//! Nothing here prints: the caller turns events into text (`output::logs`).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::engine::{
    ContainerStatus, ContainerSummary, Engine, EngineError, EngineEvent, EngineResult, EventFilter, LabelFilter, LogOptions, LogStream,
};
use crate::reconcile::labels;

/// How long the report of a container's death waits for the end of its log stream, which the
/// engine closes when the container stops.
const EXIT_GRACE: Duration = Duration::from_secs(2);

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
    /// Of the followed containers, only those of these services keep the follow going; empty:
    /// all of them (`up --attach-dependencies web` ends when web's containers are done).
    pub required: Vec<String>,
    pub follow: bool,
    /// The sources that are not running are about to be started (attached `up`): they are read
    /// from their start on and the follow waits for them. Otherwise they are read to the end of
    /// what they wrote.
    pub await_start: bool,
    /// Watch the engine's events from this Unix time in nanoseconds on (replayed, what came
    /// before it in the same second ignored), so that nothing that happens between the caller's
    /// look at the containers and the subscription is missed.
    pub events_since: Option<i64>,
    /// The last N lines of each container; `None` for all.
    pub tail: Option<u64>,
    /// Unix seconds.
    pub since: Option<i64>,
    /// Unix seconds.
    pub until: Option<i64>,
    pub timestamps: bool,
}

impl LogRequest {
    fn keeps_follow(&self, service: &str) -> bool {
        self.required.is_empty() || self.required.iter().any(|s| s == service)
    }

    fn picks(&self, service: &str) -> bool {
        self.services.is_empty() || self.services.iter().any(|s| s == service)
    }
}

/// One thing to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEvent {
    /// One or more complete lines of one output stream, each ending with its line break (a
    /// `\r` before it dropped): one event per chunk the engine delivers, not per line.
    Line { source: Arc<LogSource>, stream: LogStream, text: String },
    /// A container is read from now on: each given one first, in order, then each that starts
    /// while following.
    Attached { source: Arc<LogSource> },
    /// A followed container stopped; `restarting` when its restart policy brings it back.
    Exited { source: Arc<LogSource>, exit_code: i64, restarting: bool },
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
    let options = LogOptions {
        follow: request.follow,
        tail: request.tail,
        since: request.since,
        until: request.until,
        timestamps: request.timestamps,
    };
    let filter = EventFilter {
        labels: LabelFilter::new().eq(labels::PROJECT, &request.project),
        types: vec!["container".into()],
        actions: ["create", "start", "die", "destroy"].map(String::from).to_vec(),
        since: request.events_since.map(|n| n.div_euclid(1_000_000_000)),
        ..Default::default()
    };
    // Subscribed before the first read, so that no start is missed in between.
    let mut events = if request.follow { Some(engine.events(&filter)) } else { None };
    let mut tasks = JoinSet::new();
    let mut f = Follow {
        request: &request,
        engine: &engine,
        out: &out,
        reading: HashSet::new(),
        expected: HashSet::new(),
        known: BTreeMap::new(),
        exits: HashMap::new(),
    };
    for source in sources {
        let source = Arc::new(source);
        let pending = request.await_start && !source.running;
        if (source.running || pending) && request.keeps_follow(&source.service) {
            f.expected.insert(source.id.clone());
        }
        f.known.insert(source.id.clone(), source.clone());
        let _ = out.send(LogEvent::Attached { source: source.clone() }).await;
        if !pending {
            f.reading.insert(source.id.clone());
            tasks.spawn(read_one(engine.clone(), source, options.clone(), out.clone()));
        }
    }
    tokio::pin!(shutdown);
    loop {
        let following = events.is_some() && !f.expected.is_empty();
        if tasks.is_empty() && !following && f.exits.is_empty() {
            return Ok(());
        }
        let deadline = f.exits.values().map(|e| e.deadline).min();
        tokio::select! {
            () = &mut shutdown => return Ok(()),
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                match done {
                    Ok(id) => {
                        f.reading.remove(&id);
                        if let Some(exit) = f.exits.remove(&id) {
                            f.report(&id, exit).await;
                        }
                    }
                    // A reader that panicked is a bug to report, not a stream that ended.
                    Err(e) if e.is_panic() => {
                        return Err(EngineError::Stream { message: format!("internal error: a container's log reader failed: {e}") });
                    }
                    Err(_) => {}
                }
            }
            () = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() => {
                let now = Instant::now();
                let due: Vec<String> = f.exits.iter().filter(|(_, e)| e.deadline <= now).map(|(id, _)| id.clone()).collect();
                for id in due {
                    let exit = f.exits.remove(&id).expect("listed above");
                    f.report(&id, exit).await;
                }
            }
            event = next_event(&mut events), if following => {
                let Some(event) = event else { return Ok(()) };
                let event = event?;
                if request.events_since.is_some_and(|since| event.time_nanos < since) {
                    continue;
                }
                let Some(id) = f.on_event(&event).await else { continue };
                if f.reading.insert(id.clone()) {
                    let since = Some(event.time_nanos / 1_000_000_000);
                    let options = LogOptions { tail: None, since, ..options.clone() };
                    tasks.spawn(read_one(engine.clone(), f.known[&id].clone(), options, out.clone()));
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

/// What the follow keeps track of.
struct Follow<'a> {
    request: &'a LogRequest,
    engine: &'a Arc<dyn Engine>,
    out: &'a mpsc::Sender<LogEvent>,
    /// Containers read now.
    reading: HashSet<String>,
    /// Containers whose end ends the follow: running, about to start, or replacing one of those.
    expected: HashSet<String>,
    known: BTreeMap<String, Arc<LogSource>>,
    /// Deaths reported once the container's log stream has ended (or after a grace period).
    exits: HashMap<String, Exit>,
}

struct Exit {
    code: i64,
    restarting: bool,
    deadline: Instant,
}

impl Follow<'_> {
    /// Tracks creations, starts, deaths and removals; returns the id of a container to start
    /// reading.
    async fn on_event(&mut self, event: &EngineEvent) -> Option<String> {
        let attrs = &event.attributes;
        // Neither `run` containers nor those of `pre_start` hooks (their output is the hook's).
        if attrs.get(labels::ONEOFF).is_some_and(|v| v == "True") || attrs.contains_key(labels::HOOK) {
            return None;
        }
        let service = attrs.get(labels::SERVICE)?;
        if !self.request.picks(service) {
            return None;
        }
        let id = event.actor_id.clone();
        match event.action.as_str() {
            // A replacement of a container the follow waits for is waited for too: it starts
            // only after the old one died.
            "create" => {
                if attrs.get(labels::REPLACE).is_some_and(|old| self.expected.contains(old)) {
                    self.expected.insert(id);
                }
                None
            }
            "start" => {
                let name = attrs.get("name").cloned().unwrap_or_default();
                let source = Arc::new(LogSource::from_labels(&self.request.project, &id, &name, attrs, true));
                if !self.known.contains_key(&id) {
                    let _ = self.out.send(LogEvent::Attached { source: source.clone() }).await;
                }
                self.known.insert(id.clone(), source);
                if self.request.keeps_follow(service) {
                    self.expected.insert(id.clone());
                }
                Some(id)
            }
            "die" => {
                self.known.get(&id)?;
                let code = attrs.get("exitCode").and_then(|c| c.parse().ok()).unwrap_or(0);
                // A container its restart policy brings back keeps the follow going.
                let restarting = self.engine.inspect_container(&id).await.is_ok_and(|d| d.state.restarting);
                let exit = Exit { code, restarting, deadline: Instant::now() + EXIT_GRACE };
                if self.reading.contains(&id) {
                    self.exits.insert(id, exit);
                } else {
                    self.report(&id, exit).await;
                }
                None
            }
            "destroy" => {
                self.expected.remove(&id);
                None
            }
            _ => None,
        }
    }

    async fn report(&mut self, id: &str, exit: Exit) {
        if !exit.restarting {
            self.expected.remove(id);
        }
        if let Some(source) = self.known.get(id) {
            let _ = self.out.send(LogEvent::Exited { source: source.clone(), exit_code: exit.code, restarting: exit.restarting }).await;
        }
    }
}

/// Reads one container to the end of its stream; returns its id.
async fn read_one(engine: Arc<dyn Engine>, source: Arc<LogSource>, options: LogOptions, out: mpsc::Sender<LogEvent>) -> String {
    let mut splitter = LineSplitter::default();
    let mut stream = engine.logs(&source.id, &options);
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        let mut text = String::new();
        splitter.push_text(chunk.stream, &chunk.bytes, &mut text);
        if !text.is_empty() && out.send(LogEvent::Line { source: source.clone(), stream: chunk.stream, text }).await.is_err() {
            return source.id.clone();
        }
    }
    for (stream, mut text) in splitter.finish() {
        text.push('\n');
        let _ = out.send(LogEvent::Line { source: source.clone(), stream, text }).await;
    }
    source.id.clone()
}

/// Cuts chunks into lines, per output stream: a chunk may end in the middle of a line. Only
/// what follows the last line break of a chunk is kept for the next one; complete lines are cut
/// straight from the chunk (`logs -f` spends its time here).
#[derive(Debug, Default)]
pub struct LineSplitter {
    /// The unfinished line of stdout (0) and stderr (1).
    partial: [Vec<u8>; 2],
}

fn slot(s: LogStream) -> usize {
    matches!(s, LogStream::Stderr) as usize
}

impl LineSplitter {
    /// The complete lines `bytes` ends, without their `\n` (nor a `\r` before it).
    pub fn push(&mut self, stream: LogStream, bytes: &[u8]) -> Vec<(LogStream, String)> {
        let mut lines = Vec::new();
        self.push_into(stream, bytes, &mut lines);
        lines
    }

    /// Like [`push`](Self::push), appending to `lines`.
    pub fn push_into(&mut self, stream: LogStream, bytes: &[u8], lines: &mut Vec<(LogStream, String)>) {
        let buf = &mut self.partial[slot(stream)];
        // A chunk of valid UTF-8 (nearly all of them) is checked once, then searched with
        // `str::find`, which looks for the line break a word at a time.
        if let Ok(text) = std::str::from_utf8(bytes) {
            let mut rest = text;
            while let Some(pos) = rest.find('\n') {
                let line = &rest[..pos];
                let text = if buf.is_empty() {
                    line.strip_suffix('\r').unwrap_or(line).to_owned()
                } else {
                    buf.extend_from_slice(line.as_bytes());
                    let t = text_of(buf);
                    buf.clear();
                    t
                };
                lines.push((stream, text));
                rest = &rest[pos + 1..];
            }
            buf.extend_from_slice(rest.as_bytes());
            return;
        }
        let mut rest = bytes;
        while let Some(pos) = rest.iter().position(|b| *b == b'\n') {
            let text = if buf.is_empty() {
                text_of(&rest[..pos])
            } else {
                buf.extend_from_slice(&rest[..pos]);
                let t = text_of(buf);
                buf.clear();
                t
            };
            lines.push((stream, text));
            rest = &rest[pos + 1..];
        }
        buf.extend_from_slice(rest);
    }

    /// Like [`push`](Self::push), appending the lines to `text`, each followed by `\n`. A
    /// chunk of valid UTF-8 without `\r` that continues no partial line is copied whole up
    /// to its last line break: under `logs -f` that is nearly every chunk.
    pub fn push_text(&mut self, stream: LogStream, bytes: &[u8], text: &mut String) {
        let buf = &mut self.partial[slot(stream)];
        if buf.is_empty() {
            if let Ok(all) = std::str::from_utf8(bytes) {
                let end = all.rfind('\n').map_or(0, |p| p + 1);
                if !all[..end].contains('\r') {
                    text.push_str(&all[..end]);
                    buf.extend_from_slice(&bytes[end..]);
                    return;
                }
            }
        }
        let mut lines = Vec::new();
        self.push_into(stream, bytes, &mut lines);
        for (_, line) in lines {
            text.push_str(&line);
            text.push('\n');
        }
    }

    /// What is left once the stream ended: last lines without a line break.
    pub fn finish(&mut self) -> Vec<(LogStream, String)> {
        let [out, err] = std::mem::take(&mut self.partial);
        [(LogStream::Stdout, out), (LogStream::Stderr, err)]
            .into_iter()
            .filter(|(_, b)| !b.is_empty())
            .map(|(k, b)| (k, String::from_utf8_lossy(&b).into_owned()))
            .collect()
    }
}

/// One line's text: a `\r` before the line break dropped, invalid UTF-8 replaced.
fn text_of(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // The check of valid UTF-8 is several times quicker than the lossy walk, which only the
    // rare invalid line needs.
    match std::str::from_utf8(line) {
        Ok(text) => text.to_owned(),
        Err(_) => String::from_utf8_lossy(line).into_owned(),
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
    fn a_chunk_may_hold_many_lines_and_end_in_a_partial_one() {
        let mut s = LineSplitter::default();
        let lines = |v: &[&str]| v.iter().map(|t| (LogStream::Stdout, t.to_string())).collect::<Vec<_>>();
        assert_eq!(s.push(LogStream::Stdout, b"a\nb\r\n\nc"), lines(&["a", "b", ""]));
        assert_eq!(s.push(LogStream::Stderr, b"e1"), vec![]);
        assert_eq!(s.push(LogStream::Stdout, b"d\ne\n"), lines(&["cd", "e"]));
        assert_eq!(s.push(LogStream::Stdout, b"\xff\n"), lines(&["\u{fffd}"]));
        assert_eq!(s.finish(), vec![(LogStream::Stderr, "e1".to_string())]);
    }

    #[test]
    fn text_batches_hold_the_same_lines_as_the_line_by_line_cut() {
        let chunks: [(LogStream, &[u8]); 6] = [
            (LogStream::Stdout, b"a\nb\nc"),
            (LogStream::Stderr, b"e\r\nf\n"),
            (LogStream::Stdout, b"d\n\xffx\n"),
            (LogStream::Stdout, b"one\ntwo\n"),
            (LogStream::Stdout, b"\n"),
            (LogStream::Stderr, b"tail"),
        ];
        let (mut by_line, mut by_text) = (LineSplitter::default(), LineSplitter::default());
        let mut want = String::new();
        let mut got = String::new();
        for (stream, bytes) in chunks {
            for (_, l) in by_line.push(stream, bytes) {
                want.push_str(&l);
                want.push('\n');
            }
            by_text.push_text(stream, bytes, &mut got);
        }
        assert_eq!(got, want);
        assert_eq!(got, "a\nb\ne\nf\ncd\n\u{fffd}x\none\ntwo\n\n");
        assert_eq!(by_text.finish(), by_line.finish());
    }

    #[test]
    fn prefixes_drop_the_project_unless_the_name_is_custom() {
        let l = |s: &str, n: &str| {
            BTreeMap::from([(labels::SERVICE.to_string(), s.to_string()), (labels::CONTAINER_NUMBER.to_string(), n.to_string())])
        };
        assert_eq!(LogSource::from_labels("demo", "x", "demo-web-2", &l("web", "2"), true).label, "web-2");
        assert_eq!(LogSource::from_labels("demo", "x", "custom", &l("web", "1"), true).label, "custom");
    }
}
