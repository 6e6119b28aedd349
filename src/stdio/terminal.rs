//! The local terminal: raw mode held by a guard, its size, and standard input read off the
//! runtime.

use std::io::{IsTerminal, Read};

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::engine::TtySize;

/// Whether standard input is a terminal (raw mode and the detach keys apply then).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// Whether standard output is a terminal (Docker Compose's default for `exec`'s TTY).
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}

/// The controlling terminal's size, if there is one.
pub fn size() -> Option<TtySize> {
    let (columns, rows) = crossterm::terminal::size().ok()?;
    (columns > 0 && rows > 0).then_some(TtySize { rows, columns })
}

/// The terminal in raw mode for as long as this lives: every key reaches the container as
/// typed (Ctrl-C included), nothing is echoed locally. Dropping it restores the mode the
/// terminal had, whichever way the session ends: its end, an error, a signal (the session
/// returns, and drops it), or a panic (unwinding drops it).
#[derive(Debug)]
pub struct RawMode(());

impl RawMode {
    /// Raw mode on standard input's terminal; `None` when standard input is not a terminal
    /// or its mode cannot be changed.
    pub fn enable() -> Option<RawMode> {
        if !stdin_is_terminal() {
            return None;
        }
        crossterm::terminal::enable_raw_mode().ok().map(|()| RawMode(()))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = crossterm::terminal::disable_raw_mode();
    }
}

/// Standard input as a channel of chunks; the channel closes at end of file (or on a read
/// error).
///
/// A blocking read cannot be cancelled, so it runs on a thread of its own rather than on the
/// runtime's blocking pool, which would wait for it when the runtime shuts down: when the
/// session ends before standard input does (the command exited), the thread stays parked in
/// `read` until the process exits. It is the one thread nobody joins, and it owns nothing.
pub fn stdin_chunks() -> mpsc::Receiver<Bytes> {
    let (tx, rx) = mpsc::channel(4);
    let spawned = std::thread::Builder::new().name("stdin".into()).spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            match stdin.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx.blocking_send(Bytes::copy_from_slice(&buf[..n])).is_err() {
                        break;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => break,
            }
        }
    });
    // Without the thread the channel is closed at once: standard input reads as empty.
    drop(spawned);
    rx
}
