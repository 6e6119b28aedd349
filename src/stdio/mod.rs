//! The streams between the local terminal and a process in a container, shared by `exec`,
//! `run` and `attach`: the one place that holds the terminal for an interactive session.
//!
//! [`stream`] copies standard input to the process and its output to standard output and
//! standard error until the process ends its output, the user types the detach keys, or a
//! signal ends the session. While it runs:
//! - with a TTY on the container side and a terminal on ours, the terminal is in raw mode
//!   (every key, Ctrl-C included, goes to the container as typed), restored on every way out:
//!   normal end, error, Ctrl-C or SIGTERM or SIGHUP sent to rcompose, panic;
//! - the container's TTY gets our window size at the start and on every SIGWINCH;
//! - the detach keys (default Ctrl-P Ctrl-Q) typed on a terminal end the session and leave the
//!   process running;
//! - without a TTY, the process's stdout and stderr go to ours, kept apart; the end of our
//!   standard input closes the process's input, and the session goes on until its output ends.
//!
//! # How `exec` uses it
//! `create_exec` (stdin attached), `start_exec` attached, then [`stream`] with
//! [`Target::Exec`]; once it returns [`Ending::Ended`], `inspect_exec` gives the exit code.
//!
//! # How `run` uses it (a one-off container)
//! Create the container, then `attach_container` (stdin when `-i`, stdout, stderr) **before**
//! starting it, so no output is lost, and start `wait_container(NextExit)` before starting it
//! too; then `start_container`, [`stream`] with [`Target::Container`] (the TTY's size is sent
//! once the container runs), and when it returns [`Ending::Ended`] the wait's exit code is the
//! command's. [`Ending::Detached`] leaves the container running; [`Ending::Interrupted`] is
//! exit 130.
//!
//! # How `attach` uses it
//! `attach_container` on the running container, then [`stream`] with [`Target::Container`];
//! with `proxy_signals`, Ctrl-C/SIGTERM/SIGHUP are sent to the container (when it has no TTY)
//! instead of ending the session.
//!
//! It writes the process's bytes to standard output and standard error itself, untouched and
//! unbuffered: what a TTY sends (escape sequences, partial lines, a prompt without a newline)
//! must reach the terminal as sent, in order, at once, which `crate::output`'s line-oriented
//! writers are not made for. That, and raw mode, is why this module owns the terminal while a
//! session lasts (ARCHITECTURE.md's invariants say so).

pub mod keys;
pub mod terminal;

use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::engine::{Engine, EngineError, Hijacked, LogChunk, LogStream, TtySize};
use crate::shutdown::{Shutdown, WindowChanges};

/// Whose TTY is resized, and whom signals are passed on to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// An exec, by id.
    Exec(String),
    /// A container, by id or name.
    Container(String),
}

/// How a session behaves.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The process has a TTY: its output is one raw stream, our terminal (when standard input
    /// is one) goes raw, and the window size is passed on.
    pub tty: bool,
    /// Send our standard input to the process.
    pub stdin: bool,
    /// The detach sequence (see [`keys::parse`]); honoured when `tty` and `stdin` are set and
    /// standard input is a terminal, as in Docker. `None`: no detaching.
    pub detach_keys: Option<Vec<u8>>,
    /// `attach --sig-proxy`: a signal rcompose receives is sent to the container (a
    /// [`Target::Container`] without a TTY) rather than ending the session.
    pub proxy_signals: bool,
}

/// Why a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    /// The process's output ended: it exited (or closed its output); ask the engine for its
    /// exit code.
    Ended,
    /// The process's output ended after a signal rcompose received was passed on to the
    /// container (`proxy_signals`): Docker Compose then exits 130 whatever the exit code.
    EndedAfterSignal,
    /// The detach keys were typed; the process goes on.
    Detached,
    /// A signal (Ctrl-C without a TTY, SIGTERM, SIGHUP) ended the session; the process goes on.
    Interrupted,
}

#[derive(Debug, thiserror::Error)]
pub enum StdioError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("writing the container's output: {0}")]
    Output(std::io::Error),
}

/// Runs the session (see the module's documentation) until its output ends, the detach keys,
/// or a signal.
pub async fn stream(engine: &dyn Engine, target: &Target, hijacked: Hijacked, options: &Options) -> Result<Ending, StdioError> {
    let Hijacked { output, input } = hijacked;
    // The session owns the terminal from here: a live progress block (`run`'s dependencies)
    // ends first, or its ticker would keep redrawing over the container's output.
    crate::output::progress::interrupt();
    // Signals first: from here on Ctrl-C, SIGTERM and SIGHUP end the session, whose guard
    // then restores the terminal.
    let signals = Shutdown::listen().with_hangup();
    let raw = if options.tty && options.stdin { terminal::RawMode::enable() } else { None };
    let escape = match (&raw, &options.detach_keys) {
        (Some(_), Some(keys)) => Some(keys::Escape::new(keys.clone())),
        _ => None,
    };
    let stdin = options.stdin.then(terminal::stdin_chunks);
    let signalled = std::cell::Cell::new(false);
    // Three loops side by side, so that none waits on another: a process that stops reading
    // its input until its output is read must not stall the copy of its output.
    let ending = tokio::select! {
        // Output first: what the process wrote before it ended is all written.
        biased;
        ended = copy_out(output, options.tty) => {
            ended?;
            if signalled.get() { Ending::EndedAfterSignal } else { Ending::Ended }
        }
        () = copy_in(stdin, input, escape) => Ending::Detached,
        ending = control(engine, target, options, signals, &signalled) => ending,
    };
    drop(raw);
    Ok(ending)
}

/// The process's output to ours until it ends.
async fn copy_out(mut output: crate::engine::EngineStream<'static, LogChunk>, tty: bool) -> Result<(), StdioError> {
    let (mut stdout, mut stderr) = (tokio::io::stdout(), tokio::io::stderr());
    while let Some(chunk) = output.next().await {
        let LogChunk { stream, bytes } = chunk?;
        let out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send) =
            if stream == LogStream::Stderr && !tty { &mut stderr } else { &mut stdout };
        write(out, &bytes).await.map_err(StdioError::Output)?;
    }
    Ok(())
}

/// Our input to the process's; returns when the detach keys are typed. At the end of our input
/// the process's input is closed, and this waits for ever (the output's end ends the session).
async fn copy_in(
    mut stdin: Option<tokio::sync::mpsc::Receiver<Bytes>>,
    mut input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    mut escape: Option<keys::Escape>,
) {
    while let Some(bytes) = recv(&mut stdin).await {
        let (send, detach) = match escape.as_mut().map(|e| e.scan(&bytes)) {
            None => (bytes.to_vec(), false),
            Some(keys::Scan::Send(send)) => (send, false),
            Some(keys::Scan::Detach(send)) => (send, true),
        };
        // A process that closed its input while we still type: its output tells the rest.
        if !send.is_empty() && (input.write_all(&send).await.is_err() || input.flush().await.is_err()) {
            stdin = None;
        }
        if detach {
            return;
        }
    }
    if stdin.is_some() {
        let _ = input.shutdown().await;
    }
    // Kept to the end: dropping the connection's writing half may close the process's input.
    std::future::pending::<()>().await;
    drop(input);
}

/// The TTY's size (at the start and on SIGWINCH) and the signals; returns when a signal ends
/// the session.
async fn control(
    engine: &dyn Engine,
    target: &Target,
    options: &Options,
    mut signals: Shutdown,
    signalled: &std::cell::Cell<bool>,
) -> Ending {
    let mut windows = WindowChanges::listen();
    let first = async {
        if options.tty {
            resize_until_it_takes(engine, target).await;
        }
    };
    let mut first = std::pin::pin!(first);
    let mut first_done = false;
    loop {
        tokio::select! {
            () = &mut first, if !first_done => first_done = true,
            () = windows.changed(), if options.tty => {
                if let Some(size) = terminal::size() {
                    let _ = resize(engine, target, size).await;
                }
            }
            signal = signals.next_signal() => match target {
                Target::Container(id) if options.proxy_signals && !options.tty => {
                    signalled.set(true);
                    let _ = engine.kill_container(id, Some(signal)).await;
                }
                _ => return Ending::Interrupted,
            },
        }
    }
}

async fn recv(stdin: &mut Option<tokio::sync::mpsc::Receiver<Bytes>>) -> Option<Bytes> {
    match stdin {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn write(out: &mut (dyn tokio::io::AsyncWrite + Unpin + Send), bytes: &[u8]) -> std::io::Result<()> {
    out.write_all(bytes).await?;
    out.flush().await
}

async fn resize(engine: &dyn Engine, target: &Target, size: TtySize) -> Result<(), EngineError> {
    match target {
        Target::Exec(id) => engine.resize_exec(id, size).await,
        Target::Container(id) => engine.resize_container_tty(id, size).await,
    }
}

/// The first resize, as Docker's client makes it: the engine may not have made the TTY yet
/// when the streams are connected (an exec starts after its connection is taken over, a
/// one-off container is attached before it starts), so a refused resize is tried again, a
/// few times, a little later each time.
///
/// A container's TTY is first set one row and column larger: attaching again to a shell whose
/// size has not changed would otherwise show no prompt until a key is pressed (the resize
/// makes it redraw), as Docker's client does.
async fn resize_until_it_takes(engine: &dyn Engine, target: &Target) {
    let Some(size) = terminal::size() else { return };
    if let Target::Container(_) = target {
        let nudge = TtySize { rows: size.rows.saturating_add(1), columns: size.columns.saturating_add(1) };
        let _ = resize(engine, target, nudge).await;
    }
    for attempt in 0..10u64 {
        if resize(engine, target, size).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10 * (attempt + 1))).await;
    }
}
