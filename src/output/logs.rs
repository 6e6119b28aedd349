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
        self.width = self.width.max(label.chars().count());
        let next = RAINBOW[self.colors.len() % RAINBOW.len()];
        self.colors.entry(label.to_string()).or_insert(next);
    }

    /// The text of one line of `label`'s output, line break included.
    pub fn line(&mut self, label: &str, text: &str) -> String {
        self.register(label);
        let mut out = String::new();
        if self.color {
            out.push_str("\x1b[2K");
        }
        if self.prefix {
            let prefix = format!("{label:<width$} | ", width = self.width + 1);
            out.push_str(&self.paint(label, &prefix));
        }
        out.push_str(text);
        out.push('\n');
        out
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

    /// Prints every event `events` brings, until it closes.
    pub async fn print_all(&mut self, mut events: tokio::sync::mpsc::Receiver<LogEvent>) {
        while let Some(e) = events.recv().await {
            self.print(&e);
        }
    }

    /// Prints every event of attached `up` until `events` closes.
    pub async fn print_attached(&mut self, mut events: tokio::sync::mpsc::Receiver<AttachEvent>) {
        while let Some(e) = events.recv().await {
            match &e {
                AttachEvent::Attaching(labels) => {
                    let text = self.attaching(labels);
                    write_stdout(&text);
                }
                AttachEvent::Log(e) => self.print(e),
                AttachEvent::Stopping(reason) => {
                    super::progress::interrupt();
                    eprintln!("{}", stopping(*reason));
                }
            }
        }
    }

    /// Prints one event on standard output.
    pub fn print(&mut self, event: &LogEvent) {
        let text = match event {
            LogEvent::Line { source, text, .. } => self.line(&source.label, text),
            LogEvent::Attached { source } => {
                self.register(&source.label);
                return;
            }
            LogEvent::Exited { source, exit_code, .. } => self.exited(&source.label, *exit_code),
        };
        write_stdout(&text);
    }
}

/// What attached `up` says when it stops the services, as Docker Compose words it.
pub fn stopping(reason: StopReason) -> &'static str {
    match reason {
        StopReason::Abort => "Aborting on container exit...",
        StopReason::Interrupt => "Gracefully stopping... (press Ctrl+C again to force)",
    }
}

fn write_stdout(text: &str) {
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
    fn attaching_lists_the_labels_and_sets_the_column() {
        let mut p = LogPrinter::new(false, true);
        assert_eq!(p.attaching(&["db-1".into(), "web-10".into()]), "Attaching to db-1, web-10\n");
        assert_eq!(p.line("db-1", "up"), "db-1    | up\n");
    }
}
