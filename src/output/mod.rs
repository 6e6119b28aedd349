//! The only module that writes to the terminal. Everything else returns data, or sends
//! progress events here to be shown in the `--progress` mode ([`progress`]).

pub mod events;
pub mod logs;
pub mod progress;
pub mod stack;
pub mod stats;
pub mod status;
pub mod volumes;

use std::io::Write;

/// Prints command output on standard output.
pub fn stdout(text: &str) {
    progress::interrupt();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    if !text.is_empty() && !text.ends_with('\n') {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// Raw bytes on standard output (the tar archive `cp` writes to `-`), written at once.
pub fn stdout_bytes(bytes: &[u8]) -> std::io::Result<()> {
    progress::interrupt();
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// Standard input as a stream of bytes, read only when polled (the tar archive `cp -` reads).
pub fn stdin_stream() -> crate::engine::ByteStream {
    use futures_util::StreamExt;
    tokio_util::io::ReaderStream::with_capacity(tokio::io::stdin(), 256 * 1024).boxed()
}

/// A warning on standard error.
pub fn warn(msg: &str) {
    progress::interrupt();
    eprintln!("WARN: {msg}");
}

/// An error on standard error, printed once by `main`.
pub fn error(msg: &str) {
    progress::interrupt();
    eprintln!("error: {msg}");
}

/// What a command interrupted by Ctrl-C (or SIGTERM) says last, on standard error, as Docker
/// Compose does.
pub fn canceled() {
    progress::interrupt();
    eprintln!("canceled");
}

/// Ends the process as an interrupted command ends (the signal that cannot wait any longer):
/// the live view finished, "canceled" said, exit code 130, the same as a command that returned
/// `Interrupted`.
pub fn exit_interrupted() -> ! {
    progress::finish();
    canceled();
    std::process::exit(130)
}

/// A writer for the debug logs of `--verbose` (and `RUST_LOG`): standard error, after the live
/// view has stepped aside, so that a log line never tears it.
pub fn log_writer() -> impl Write {
    progress::interrupt();
    std::io::stderr()
}

/// A progress event of an engine operation: ` Container p-web-1  Started` in plain mode, a
/// line of the live view on a terminal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `Container`, `Network`, `Volume`, `Image`; empty for a provider service, whose line
    /// is its name alone (` db  Created`), as Docker Compose shows it.
    pub kind: &'static str,
    pub name: String,
    /// `Creating`, `Created`, `Started`, `Error`...
    pub status: &'static str,
}

impl Event {
    /// What the line is about: `Container p-web-1`, or the name alone when there is no kind.
    pub fn id(&self) -> String {
        if self.kind.is_empty() {
            self.name.clone()
        } else {
            format!("{} {}", self.kind, self.name)
        }
    }
}

/// Shows a progress event on standard error, in the `--progress` mode.
pub fn event(e: &Event) {
    progress::event(e);
}

/// A line of a long step's own output (a build's output, a pulled layer's status), shown
/// between that step's progress events as ` [web] Step 1/4 : FROM busybox:latest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    /// What the line is about: the services a build is for, the image a pull fetches.
    pub name: String,
    pub text: String,
    /// A line only a live view shows, in place of the last one of its source (a layer's byte
    /// count while it downloads): the plain and JSON logs keep the changes of status only.
    pub live_only: bool,
}

impl Detail {
    /// An output line of `name`'s, which every view shows.
    pub fn line(name: &str, text: &str) -> Detail {
        Detail { name: name.to_string(), text: text.to_string(), live_only: false }
    }
}

/// Shows a step's output line on standard error, in the `--progress` mode.
pub fn detail(d: &Detail) {
    progress::detail(d);
}

/// What `version` prints: `rcompose version 0.1.0`, the number alone with `short`, or
/// `{"version":"0.1.0"}` with `json`, as Docker Compose prints its own.
pub fn version(number: &str, short: bool, json: bool) -> String {
    match (short, json) {
        (true, _) => format!("{number}\n"),
        (false, true) => format!("{}\n", serde_json::json!({ "version": number })),
        (false, false) => format!("rcompose version {number}\n"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn version_has_docker_composes_shapes() {
        assert_eq!(super::version("0.1.0", false, false), "rcompose version 0.1.0\n");
        assert_eq!(super::version("0.1.0", true, true), "0.1.0\n", "--short wins over --format");
        assert_eq!(super::version("0.1.0", false, true), "{\"version\":\"0.1.0\"}\n");
    }
}
