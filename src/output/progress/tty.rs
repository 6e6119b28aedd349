//! The live view: a `[+] Running done/total` header and one line per resource, redrawn in
//! place, laid out as Docker Compose lays out its terminal view: a spinner (a tick once done, a
//! cross on error), the resource, its status (green once done, red on error) padded to a common
//! column, and the time it took (still counting while under way) flush right, in blue.
//!
//! A frame moves the cursor back up over the previous frame and writes every line again, with
//! the cursor hidden while it writes. A step's output lines (build steps, pulled layers) show
//! as one line per source below the resources, the latest one only, cut to the width.

use std::io::Write;
use std::time::Duration;

use super::{Phase, Render};
use crate::output::{Detail, Event};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const BLUE: &str = "\x1b[34m";
const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const RESET: &str = "\x1b[0m";
const UP: &str = "\x1b[1A";
const HIDE_CURSOR: &str = "\x1b[?25l";
const SHOW_CURSOR: &str = "\x1b[?25h";

/// One resource's line.
#[derive(Debug)]
struct Line {
    /// `Container p-web-1`.
    id: String,
    status: &'static str,
    phase: Phase,
    /// When its first event came.
    start: Duration,
    /// When it last became done or failed.
    end: Option<Duration>,
}

impl Line {
    fn elapsed(&self, now: Duration) -> Duration {
        match self.phase {
            Phase::Working => now.saturating_sub(self.start),
            _ => self.end.unwrap_or(self.start).saturating_sub(self.start),
        }
    }
}

/// The live view over a writer; `width` tells the terminal's width, read at every frame so
/// that a resized terminal is followed.
pub struct Tty<W> {
    out: W,
    width: fn() -> usize,
    lines: Vec<Line>,
    /// The latest output line of each source (or of each layer of a pull: the key), in order
    /// of first appearance: (key, source, text).
    details: Vec<(String, String, String)>,
    /// How many lines under the header the last frame of this block wrote; `None` before
    /// its first frame.
    drawn: Option<usize>,
}

impl<W: Write> Tty<W> {
    pub fn new(out: W, width: fn() -> usize) -> Tty<W> {
        Tty { out, width, lines: Vec::new(), details: Vec::new(), drawn: None }
    }

    /// The writer, for tests to read what was drawn.
    pub fn writer(&self) -> &W {
        &self.out
    }

    fn draw(&mut self, now: Duration) {
        if self.lines.is_empty() && self.details.is_empty() {
            return;
        }
        let width = (self.width)();
        let mut frame = String::new();
        match self.drawn {
            // The first frame goes where the cursor is.
            None => frame.push_str("\x1b[1A\x1b[1B"),
            Some(n) => (0..=n).for_each(|_| frame.push_str(UP)),
        }
        frame.push_str("\x1b[0G");
        frame.push_str(HIDE_CURSOR);
        let done = self.lines.iter().filter(|l| l.phase == Phase::Done).count();
        let header = format!("[+] Running {done}/{}", self.lines.len());
        if done == self.lines.len() {
            frame.push_str(&paint(BLUE, &header));
        } else {
            frame.push_str(&header);
        }
        frame.push('\n');
        let column = self.lines.iter().map(|l| l.id.len() + 1).max().unwrap_or(0);
        for line in &self.lines {
            frame.push_str(&line_text(line, column, width, now));
        }
        for (_, source, text) in &self.details {
            let text = format!("   [{source}] {text}");
            frame.extend(text.chars().take(width.saturating_sub(1)));
            frame.push('\n');
        }
        frame.push_str(SHOW_CURSOR);
        let _ = self.out.write_all(frame.as_bytes());
        let _ = self.out.flush();
        self.drawn = Some(self.lines.len() + self.details.len());
    }
}

/// One resource's line: spinner, resource, status at `column`, and the time flush right.
fn line_text(line: &Line, column: usize, width: usize, now: Duration) -> String {
    let elapsed = line.elapsed(now);
    let (spinner, status) = match line.phase {
        Phase::Working => (paint(YELLOW, SPINNER[(elapsed.as_millis() / 100) as usize % SPINNER.len()]), line.status.to_string()),
        Phase::Done => (paint(GREEN, "✔"), paint(GREEN, line.status)),
        Phase::Error => (paint(RED, "✘"), paint(RED, line.status)),
    };
    let padding = " ".repeat(column - (line.id.len() + 1));
    let left = format!(" {spinner} {} {padding} {status}", line.id);
    let timer = paint(BLUE, &format!("{:.1}s ", elapsed.as_secs_f64()));
    let gap = width.saturating_sub(visible_len(&left) + visible_len(&timer));
    format!("{left}{}{timer}\n", " ".repeat(gap))
}

impl<W: Write + Send> Render for Tty<W> {
    fn event(&mut self, e: &Event, now: Duration) {
        let id = e.id();
        let phase = Phase::of(e.status);
        match self.lines.iter_mut().find(|l| l.id == id) {
            Some(line) => {
                if phase != Phase::Working && phase != line.phase {
                    line.end = Some(now);
                }
                line.phase = phase;
                line.status = e.status;
            }
            None => {
                let end = (phase != Phase::Working).then_some(now);
                self.lines.push(Line { id, status: e.status, phase, start: now, end });
            }
        }
    }

    fn detail(&mut self, d: &Detail, _now: Duration) {
        let text: String = d.text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        // A pull's or push's layer lines (`4eb94e9492c6: Downloading`) each keep a line of their
        // own, as Docker Compose shows each layer under its image; other output keeps one line
        // per source, its latest.
        let key = match layer_of(&text) {
            Some(layer) => format!("{} {layer}", d.name),
            None => d.name.clone(),
        };
        match self.details.iter_mut().find(|(k, _, _)| *k == key) {
            Some(entry) => entry.2 = text,
            None => self.details.push((key, d.name.clone(), text)),
        }
    }

    fn tick(&mut self, now: Duration) {
        self.draw(now);
    }

    fn end(&mut self, now: Duration) {
        self.draw(now);
        self.lines.clear();
        self.details.clear();
        self.drawn = None;
    }

    fn live(&self) -> bool {
        !self.lines.is_empty() || !self.details.is_empty()
    }
}

/// The layer a pull or push line is about: its short id, 12 hex digits before `: `.
fn layer_of(text: &str) -> Option<&str> {
    let (id, _) = text.split_once(": ")?;
    (id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit())).then_some(id)
}

fn paint(color: &str, text: &str) -> String {
    format!("{color}{text}{RESET}")
}

/// The characters of `s` a terminal shows: escape sequences (`ESC ... m`) take no room.
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut escape = false;
    for c in s.chars() {
        match c {
            '\x1b' => escape = true,
            'm' if escape => escape = false,
            _ if escape => {}
            _ => n += 1,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: &'static str, name: &str, status: &'static str) -> Event {
        Event { kind, name: name.into(), status }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn frames(t: &Tty<Vec<u8>>) -> String {
        String::from_utf8(t.writer().clone()).unwrap()
    }

    #[test]
    fn a_frame_is_drawn_as_docker_compose_draws_it() {
        let mut t = Tty::new(Vec::new(), || 80);
        t.event(&ev("Network", "p_default", "Creating"), ms(0));
        t.event(&ev("Network", "p_default", "Created"), ms(200));
        t.event(&ev("Container", "proj-web-1", "Creating"), ms(200));
        t.tick(ms(300));
        let expected = [
            "\x1b[1A\x1b[1B\x1b[0G\x1b[?25l[+] Running 1/2\n",
            " \x1b[32m✔\x1b[0m Network p_default     \x1b[32mCreated\x1b[0m",
            &" ".repeat(43),
            "\x1b[34m0.2s \x1b[0m\n",
            " \x1b[33m⠙\x1b[0m Container proj-web-1  Creating",
            &" ".repeat(42),
            "\x1b[34m0.1s \x1b[0m\n",
            "\x1b[?25h",
        ]
        .concat();
        assert_eq!(frames(&t), expected);
        let lines: Vec<&str> = expected.split('\n').collect();
        assert!(lines[1..3].iter().all(|l| visible_len(l) == 80), "each line fills the width: {lines:?}");
    }

    #[test]
    fn later_frames_redraw_in_place_and_the_header_turns_blue_when_all_is_done() {
        let mut t = Tty::new(Vec::new(), || 60);
        t.event(&ev("Container", "p-web-1", "Starting"), ms(0));
        t.tick(ms(100));
        let first = frames(&t).len();
        t.event(&ev("Container", "p-web-1", "Started"), ms(500));
        t.tick(ms(700));
        let second = &frames(&t)[first..];
        assert!(
            second.starts_with("\x1b[1A\x1b[1A\x1b[0G\x1b[?25l\x1b[34m[+] Running 1/1\x1b[0m\n"),
            "up over the header and one line: {second:?}"
        );
        assert!(second.contains("\x1b[32m✔\x1b[0m Container p-web-1  \x1b[32mStarted\x1b[0m"), "{second:?}");
        assert!(second.contains("\x1b[34m0.5s \x1b[0m"), "the time stops when done: {second:?}");
    }

    #[test]
    fn the_spinner_turns_and_errors_are_red() {
        let mut t = Tty::new(Vec::new(), || 60);
        t.event(&ev("Image", "web", "Building"), ms(0));
        t.tick(ms(250));
        assert!(frames(&t).contains("\x1b[33m⠹\x1b[0m Image web  Building"), "{:?}", frames(&t));
        t.event(&ev("Image", "web", "Error"), ms(300));
        t.end(ms(400));
        let all = frames(&t);
        assert!(
            all.ends_with(
                "\x1b[31m✘\x1b[0m Image web  \x1b[31mError\x1b[0m                                    \x1b[34m0.3s \x1b[0m\n\x1b[?25h"
            ),
            "{all:?}"
        );
        assert!(all.contains("[+] Running 0/1\n"), "a failure is not done: {all:?}");
    }

    #[test]
    fn a_new_block_starts_below_the_last_one() {
        let mut t = Tty::new(Vec::new(), || 60);
        t.event(&ev("Container", "p-web-1", "Created"), ms(0));
        t.end(ms(10));
        assert!(!t.live());
        let first = frames(&t).len();
        t.end(ms(20));
        assert_eq!(frames(&t).len(), first, "nothing to draw");
        t.event(&ev("Container", "p-web-1", "Stopping"), ms(30));
        t.tick(ms(40));
        let second = &frames(&t)[first..];
        assert!(second.starts_with("\x1b[1A\x1b[1B\x1b[0G"), "{second:?}");
        assert!(second.contains("[+] Running 0/1\n"), "{second:?}");
    }

    #[test]
    fn output_lines_show_the_latest_per_source_cut_to_the_width() {
        let mut t = Tty::new(Vec::new(), || 30);
        t.event(&ev("Image", "p-web", "Building"), ms(0));
        t.detail(&Detail::line("web", "Step 1/2 : FROM busybox"), ms(1));
        t.detail(&Detail::line("web", "Step 2/2 : RUN echo\tvery long indeed"), ms(2));
        t.tick(ms(3));
        let all = frames(&t);
        assert!(all.ends_with("\n   [web] Step 2/2 : RUN echo \n\x1b[?25h"), "{all:?}");
        assert!(!all.contains("Step 1/2"), "{all:?}");
        t.tick(ms(4));
        assert!(
            frames(&t)[all.len()..].starts_with("\x1b[1A\x1b[1A\x1b[1A\x1b[0G"),
            "up over the header, the resource and the output line"
        );
    }

    #[test]
    fn each_layer_of_a_pull_keeps_a_line() {
        let mut t = Tty::new(Vec::new(), || 80);
        t.event(&ev("Image", "reg:5000/app:1", "Pulling"), ms(0));
        for text in ["1: Pulling from app", "4eb94e9492c6: Pulling fs layer", "0a1b2c3d4e5f: Pulling fs layer", "4eb94e9492c6: Downloading"]
        {
            t.detail(&Detail::line("reg:5000/app:1", text), ms(1));
        }
        t.tick(ms(2));
        let all = frames(&t);
        assert!(all.contains("[reg:5000/app:1] 1: Pulling from app\n"), "{all:?}");
        assert!(all.contains("[reg:5000/app:1] 4eb94e9492c6: Downloading\n"), "{all:?}");
        assert!(all.contains("[reg:5000/app:1] 0a1b2c3d4e5f: Pulling fs layer\n"), "{all:?}");
        assert!(!all.contains("4eb94e9492c6: Pulling fs layer"), "a layer's line shows its latest status: {all:?}");

        t.detail(&Detail { live_only: true, ..Detail::line("reg:5000/app:1", "4eb94e9492c6: Downloading 1.2MB/3.4MB") }, ms(3));
        t.tick(ms(4));
        let last = frames(&t)[all.len()..].to_string();
        assert!(last.contains("[reg:5000/app:1] 4eb94e9492c6: Downloading 1.2MB/3.4MB\n"), "the byte count shows: {last:?}");
        assert_eq!(last.matches("4eb94e9492c6").count(), 1, "in place of the layer's line: {last:?}");
    }
}
