//! Types of the calls that connect a local terminal to a process in a container: an exec
//! started attached, or a container attached to. The engine hands back the process's standard
//! streams on one hijacked connection ([`Hijacked`]); `crate::stdio` copies them to and from
//! the terminal.

use std::pin::Pin;

use tokio::io::AsyncWrite;

use super::{EngineStream, LogChunk};

/// The standard streams of a process in a container, over one connection taken over from HTTP.
pub struct Hijacked {
    /// What the process writes, in order. Without a TTY stdout and stderr come apart; with
    /// one, everything is `Stdout`. Ends when the process closes its output (it exited) or the
    /// connection is closed.
    pub output: EngineStream<'static, LogChunk>,
    /// The process's standard input. Shutting it down (`AsyncWriteExt::shutdown`) closes the
    /// process's input (end of file), the connection's output staying open.
    pub input: Pin<Box<dyn AsyncWrite + Send>>,
}

impl std::fmt::Debug for Hijacked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hijacked")
    }
}

/// A terminal's size in character cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TtySize {
    pub rows: u16,
    pub columns: u16,
}

/// How an exec is started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExecStart {
    /// The exec has a TTY (as created): its output is one raw stream.
    pub tty: bool,
    /// Start it in the background: nothing is attached, the call returns once it runs.
    pub detach: bool,
}

/// What the engine knows of an exec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExecState {
    pub running: bool,
    /// Known once the process has exited.
    pub exit_code: Option<i64>,
    /// The container the exec runs in (its id).
    pub container_id: String,
}

/// Which streams of a container `attach_container` connects to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AttachStreams {
    /// The container has a TTY (as created): its output is one raw stream, not frames.
    pub tty: bool,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    /// Send what the container has already written (its logs) first.
    pub logs: bool,
    /// Keys the engine takes as "detach" on stdin (`ctrl-p,ctrl-q`); `None`: the engine's
    /// default. `crate::stdio` watches for the detach keys itself, so callers usually leave the
    /// engine's alone.
    pub detach_keys: Option<String>,
}
