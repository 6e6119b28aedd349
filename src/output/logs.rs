//! Log lines as Docker Compose prints them: `service-1  | line`, the prefix padded to the
//! longest container label and coloured per container (cyan, yellow, green, magenta, blue, then
//! their bright variants, in turn). Everything goes to standard output, stderr lines included,
//! except what attached `up` says about stopping, which goes to standard error.

use std::collections::HashMap;
use std::io::Write;

use crate::compose::{AttachEvent, StopReason};
use crate::logs::LogEvent;

/// The colours Docker Compose gives containers, in order.
const RAINBOW: [&str; 10] = ["36", "33", "32", "35", "34", "36;1", "33;1", "32;1", "35;1", "34;1"];

/// Formats and prints log events; remembers each container's colour and the prefix width.
#[derive(Debug, Default)]
pub struct LogPrinter {
    color: bool,
    prefix: bool,
    width: usize,
    colors: HashMap<String, &'static str>,
}

impl LogPrinter {
    /// `color`: ANSI colours (and the erase-line code Docker Compose writes before each
    /// line); `prefix`: the `service-1  | ` prefix.
    pub fn new(color: bool, prefix: bool) -> LogPrinter {
        LogPrinter { color, prefix, ..Default::default() }
    }

    /// Makes room for `label` in the prefix column and gives it the next colour. Register every
    /// container known at the start first, so that the column does not move.
    pub fn register(&mut self, label: &str) {
        if self.colors.contains_key(label) {
            return;
        }
        self.width = self.width.max(label.chars().count());
        let next = RAINBOW[self.colors.len() % RAINBOW.len()];
        self.colors.insert(label.to_string(), next);
    }

    /// The text of one line of `label`'s output, line break included.
    pub fn line(&mut self, label: &str, text: &str) -> String {
        let mut out = String::new();
        self.push_line(&mut out, label, text);
        out
    }

    /// Appends one line of `label`'s output to `out`, as [`line`](Self::line) writes it,
    /// without allocating anything of its own: `logs -f` spends its time here.
    fn push_line(&mut self, out: &mut String, label: &str, text: &str) {
        // One lookup per line: a label is registered once, on its first line at the latest.
        let code = match self.colors.get(label) {
            Some(code) => *code,
            None => {
                self.register(label);
                self.colors[label]
            }
        };
        if self.color {
            out.push_str("\x1b[2K");
        }
        if self.prefix {
            let code = Some(code).filter(|_| self.color);
            if let Some(code) = code {
                out.push_str("\x1b[");
                out.push_str(code);
                out.push('m');
            }
            // The label left-aligned in a column one wider than the longest, then the bar.
            out.push_str(label);
            out.extend(std::iter::repeat_n(' ', (self.width + 1).saturating_sub(label.chars().count())));
            out.push_str(" | ");
            if code.is_some() {
                out.push_str("\x1b[0m");
            }
        }
        out.push_str(text);
        out.push('\n');
    }

    /// Appends the lines of `text`, each ending with `\n`, as [`push_line`](Self::push_line)
    /// writes them; without prefix nor colour the text goes out as it is.
    fn push_lines(&mut self, out: &mut String, label: &str, text: &str) {
        if !self.prefix && !self.color {
            out.push_str(text);
            return;
        }
        for line in text.split_terminator('\n') {
            self.push_line(out, label, line);
        }
    }

    /// `Attaching to db-1, web-1`, making room for every label first.
    pub fn attaching(&mut self, labels: &[String]) -> String {
        for l in labels {
            self.register(l);
        }
        format!("Attaching to {}\n", labels.join(", "))
    }

    /// `web-1 exited with code 0`.
    pub fn exited(&mut self, label: &str, code: i64) -> String {
        self.register(label);
        format!("{} exited with code {code}\n", self.paint(label, label))
    }

    fn paint(&self, label: &str, text: &str) -> String {
        match (self.color, self.colors.get(label)) {
            (true, Some(code)) => format!("\x1b[{code}m{text}\x1b[0m"),
            _ => text.to_string(),
        }
    }

    /// Prints every event `events` brings, until it closes. The events already waiting are
    /// printed with one write: under a steady flow of lines that is one system call per batch
    /// instead of one per line, and the bytes written are the same.
    pub async fn print_all(&mut self, mut events: tokio::sync::mpsc::Receiver<LogEvent>) {
        let mut out = String::new();
        while let Some(e) = events.recv().await {
            self.push(&mut out, &e);
            while out.len() < BATCH {
                match events.try_recv() {
                    Ok(e) => self.push(&mut out, &e),
                    Err(_) => break,
                }
            }
            write_stdout(&out);
            out.clear();
        }
    }

    /// Prints every event of attached `up` until `events` closes, batched as in
    /// [`print_all`](Self::print_all); what goes to standard error is written after the
    /// standard output before it.
    pub async fn print_attached(&mut self, mut events: tokio::sync::mpsc::Receiver<AttachEvent>) {
        let mut out = String::new();
        while let Some(mut e) = events.recv().await {
            loop {
                match &e {
                    AttachEvent::Attaching(labels) => out.push_str(&self.attaching(labels)),
                    AttachEvent::Log(e) => self.push(&mut out, e),
                    AttachEvent::Stopping(reason) => {
                        write_stdout(&out);
                        out.clear();
                        super::progress::interrupt();
                        eprintln!("{}", stopping(*reason));
                    }
                }
                match events.try_recv() {
                    Ok(next) if out.len() < BATCH => e = next,
                    Ok(next) => {
                        write_stdout(&out);
                        out.clear();
                        e = next;
                    }
                    Err(_) => break,
                }
            }
            write_stdout(&out);
            out.clear();
        }
    }

    /// Prints one event on standard output.
    pub fn print(&mut self, event: &LogEvent) {
        let mut out = String::new();
        self.push(&mut out, event);
        write_stdout(&out);
    }

    /// Appends the text of one event to `out`.
    fn push(&mut self, out: &mut String, event: &LogEvent) {
        match event {
            LogEvent::Line { source, text, .. } => self.push_lines(out, &source.label, text),
            LogEvent::Attached { source } => self.register(&source.label),
            LogEvent::Exited { source, exit_code, .. } => out.push_str(&self.exited(&source.label, *exit_code)),
        }
    }
}

/// How much text is gathered before it is written (a batch may end sooner: when no event is
/// waiting).
const BATCH: usize = 64 * 1024;

/// What attached `up` says when it stops the services, as Docker Compose words it.
pub fn stopping(reason: StopReason) -> &'static str {
    match reason {
        StopReason::Abort => "Aborting on container exit...",
        StopReason::Interrupt => "Gracefully stopping... (press Ctrl+C again to force)",
    }
}

fn write_stdout(text: &str) {
    if text.is_empty() {
        return;
    }
    super::progress::interrupt();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_padded_to_the_longest_label() {
        let mut p = LogPrinter::new(false, true);
        p.register("longername-1");
        assert_eq!(p.line("web-1", "hello"), "web-1         | hello\n");
        assert_eq!(p.line("longername-1", "x"), "longername-1  | x\n");
        assert_eq!(LogPrinter::new(false, false).line("web-1", "bare"), "bare\n");
        assert_eq!(LogPrinter::new(true, false).line("web-1", "bare"), "\x1b[2Kbare\n");
    }

    #[test]
    fn colours_go_round_the_rainbow() {
        let mut p = LogPrinter::new(true, true);
        p.register("web-1");
        p.register("db-1");
        assert_eq!(p.line("web-1", "a"), "\x1b[2K\x1b[36mweb-1  | \x1b[0ma\n");
        assert_eq!(p.line("db-1", "b"), "\x1b[2K\x1b[33mdb-1   | \x1b[0mb\n");
        assert_eq!(p.exited("db-1", 3), "\x1b[33mdb-1\x1b[0m exited with code 3\n");
    }

    #[test]
    fn a_batch_of_lines_is_printed_line_by_line() {
        for (color, prefix) in [(false, false), (false, true), (true, false), (true, true)] {
            let mut p = LogPrinter::new(color, prefix);
            let mut out = String::new();
            p.push_lines(&mut out, "web-1", "a\n\nb\n");
            let want = ["a", "", "b"].map(|l| p.line("web-1", l)).concat();
            assert_eq!(out, want, "color {color} prefix {prefix}");
        }
    }

    #[test]
    fn attaching_lists_the_labels_and_sets_the_column() {
        let mut p = LogPrinter::new(false, true);
        assert_eq!(p.attaching(&["db-1".into(), "web-10".into()]), "Attaching to db-1, web-10\n");
        assert_eq!(p.line("db-1", "up"), "db-1    | up\n");
    }
}
