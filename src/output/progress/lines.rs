//! The line-by-line modes: `plain` writes each event as Docker Compose's plain mode does
//! (` Container p-web-1  Started`), `json` as one JSON object per line with the field names of
//! Docker Compose's JSON mode (`{"id":"Container p-web-1","status":"Started"}`), and `quiet`
//! writes nothing.

use std::io::Write;
use std::time::Duration;

use serde::Serialize;

use super::Render;
use crate::output::{Detail, Event};
use crate::reconcile::hash::go_json;

/// One line per event and per output line.
pub struct Plain<W> {
    out: W,
}

impl<W: Write> Plain<W> {
    pub fn new(out: W) -> Plain<W> {
        Plain { out }
    }

    pub fn writer(&self) -> &W {
        &self.out
    }
}

impl<W: Write + Send> Render for Plain<W> {
    fn event(&mut self, e: &Event, _now: Duration) {
        let _ = writeln!(self.out, " {}  {}", e.id(), e.status);
    }

    fn detail(&mut self, d: &Detail, _now: Duration) {
        if d.live_only {
            return;
        }
        let _ = writeln!(self.out, " [{}] {}", d.name, d.text);
    }
}

/// One JSON object per line. An event's resource is its `id` and its status word its
/// `status`; a step's output line is a `text` whose `id` names what it is about (the services
/// a build is for, the image a pull fetches).
pub struct Json<W> {
    out: W,
}

/// The fields Docker Compose writes, in its order; empty ones are left out.
#[derive(Serialize)]
struct Message<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    text: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    status: &'a str,
}

impl<W: Write> Json<W> {
    pub fn new(out: W) -> Json<W> {
        Json { out }
    }

    pub fn writer(&self) -> &W {
        &self.out
    }

    fn write(&mut self, m: &Message) {
        let value = serde_json::to_value(m).unwrap_or_default();
        let _ = writeln!(self.out, "{}", go_json(&value));
    }
}

impl<W: Write + Send> Render for Json<W> {
    fn event(&mut self, e: &Event, _now: Duration) {
        let id = e.id();
        self.write(&Message { id: &id, text: "", status: e.status });
    }

    fn detail(&mut self, d: &Detail, _now: Duration) {
        if d.live_only {
            return;
        }
        self.write(&Message { id: &d.name, text: &d.text, status: "" });
    }
}

/// `--progress quiet`.
pub struct Quiet;

impl Render for Quiet {
    fn event(&mut self, _: &Event, _: Duration) {}
    fn detail(&mut self, _: &Detail, _: Duration) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(r: &mut dyn Render) {
        r.event(&Event { kind: "Container", name: "p-web-1".into(), status: "Started" }, Duration::ZERO);
        r.detail(&Detail::line("web", "Step 1/2 : FROM <busybox>"), Duration::ZERO);
        r.detail(&Detail { live_only: true, ..Detail::line("web", "a3ed95caeb02: Downloading 1MB/2MB") }, Duration::ZERO);
    }

    #[test]
    fn plain_lines_are_docker_composes() {
        let mut p = Plain::new(Vec::new());
        feed(&mut p);
        assert_eq!(String::from_utf8(p.writer().clone()).unwrap(), " Container p-web-1  Started\n [web] Step 1/2 : FROM <busybox>\n");
    }

    #[test]
    fn json_is_one_object_per_line_with_go_escaping() {
        let mut j = Json::new(Vec::new());
        feed(&mut j);
        let text = String::from_utf8(j.writer().clone()).unwrap();
        assert_eq!(
            text,
            "{\"id\":\"Container p-web-1\",\"status\":\"Started\"}\n{\"id\":\"web\",\"text\":\"Step 1/2 : FROM \\u003cbusybox\\u003e\"}\n"
        );
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).expect("each line parses alone");
        }
    }
}
