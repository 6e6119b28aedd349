//! The only module that writes to the terminal. Everything else returns data.

pub mod logs;
pub mod status;
pub mod tabwriter;

use std::io::Write;

/// Prints command output on standard output.
pub fn stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.is_empty() && !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// A warning on standard error.
pub fn warn(msg: &str) {
    eprintln!("WARN: {msg}");
}

/// An error on standard error, printed once by `main`.
pub fn error(msg: &str) {
    eprintln!("error: {msg}");
}

/// A progress event of an engine operation, shown as one line on standard error:
/// ` Container p-web-1  Started`, as Docker Compose prints them in plain mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `Container`, `Network`, `Volume`, `Image`.
    pub kind: &'static str,
    pub name: String,
    /// `Creating`, `Created`, `Started`, `Error`...
    pub status: &'static str,
}

/// Prints a progress event.
pub fn event(e: &Event) {
    eprintln!(" {} {}  {}", e.kind, e.name, e.status);
}

/// A line of a long step's own output (a build's output, a pulled layer's status), shown
/// between that step's progress events as ` [web] Step 1/4 : FROM busybox:latest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// What the line is about: the services a build is for, the image a pull fetches.
    pub name: String,
    pub text: String,
}

/// Prints a step's output line.
pub fn detail(d: &Detail) {
    eprintln!(" [{}] {}", d.name, d.text);
}
