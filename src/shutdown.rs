//! The one source of shutdown requests. Ctrl-C (SIGINT) and SIGTERM mean the same thing: a
//! command stopped by a process manager, `kill` or a CI runner (which send SIGTERM) stops the
//! way it does when the user presses Ctrl-C, gracefully first.
//!
//! Commands that wait take their cancellation token from [`Shutdown::escalate`] (through
//! `cli::session`, the one entry of the commands).

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio_util::sync::CancellationToken;

/// Both signals, listened to from the moment it is made.
pub struct Shutdown {
    interrupt: Option<Signal>,
    terminate: Option<Signal>,
    /// SIGHUP, only for the commands that hold the terminal ([`Shutdown::with_hangup`]).
    hangup: Option<Signal>,
}

impl Shutdown {
    /// Starts listening; must be called inside a tokio runtime. A signal that cannot be
    /// listened to keeps its default action.
    pub fn listen() -> Shutdown {
        Shutdown { interrupt: signal(SignalKind::interrupt()).ok(), terminate: signal(SignalKind::terminate()).ok(), hangup: None }
    }

    /// Also takes SIGHUP (the terminal was closed) as a request. For the commands that put the
    /// terminal in raw mode (`crate::stdio`): they must restore it before exiting, which the
    /// signal's default action (exit at once) would not do.
    pub fn with_hangup(mut self) -> Shutdown {
        self.hangup = signal(SignalKind::hangup()).ok();
        self
    }

    /// The next request, whichever signal brings it.
    pub async fn requested(&mut self) {
        self.next_signal().await;
    }

    /// The next request, and the signal that brought it (`SIGINT`, `SIGTERM`, `SIGHUP`): what
    /// `attach --sig-proxy` passes on to the container.
    pub async fn next_signal(&mut self) -> &'static str {
        tokio::select! {
            Some(()) = next(&mut self.interrupt) => "SIGINT",
            Some(()) = next(&mut self.terminate) => "SIGTERM",
            Some(()) = next(&mut self.hangup) => "SIGHUP",
            else => std::future::pending().await,
        }
    }

    /// The escalation every waiting command follows: the first request fires `cancel` (no new
    /// step starts, waits end, running calls finish); the second fires `force` when given
    /// (attached `up` then kills what it was stopping) and exits at once otherwise; the next one
    /// always exits. Exiting goes through `output::exit_interrupted`, the way every interrupted
    /// command ends: the progress view finished, "canceled", exit code 130.
    pub async fn escalate(mut self, cancel: CancellationToken, force: Option<CancellationToken>) {
        self.requested().await;
        cancel.cancel();
        self.requested().await;
        if let Some(force) = force {
            force.cancel();
            self.requested().await;
        }
        crate::output::exit_interrupted();
    }
}

/// The terminal's size changes (SIGWINCH), listened to from the moment it is made: an
/// interactive session passes the new size on to the container's TTY.
pub struct WindowChanges {
    signal: Option<Signal>,
}

impl WindowChanges {
    /// Starts listening; must be called inside a tokio runtime.
    pub fn listen() -> WindowChanges {
        WindowChanges { signal: signal(SignalKind::window_change()).ok() }
    }

    /// The next change; never, when the signal cannot be listened to.
    pub async fn changed(&mut self) {
        if next(&mut self.signal).await.is_none() {
            std::future::pending::<()>().await;
        }
    }
}

async fn next(signal: &mut Option<Signal>) -> Option<()> {
    match signal {
        Some(s) => s.recv().await,
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sigterm_cancels_like_ctrl_c() {
        let shutdown = Shutdown::listen();
        let (cancel, force) = (CancellationToken::new(), CancellationToken::new());
        let escalation = tokio::spawn(shutdown.escalate(cancel.clone(), Some(force.clone())));
        // SAFETY: raise sends a signal to this process, whose handler tokio installed above.
        unsafe { libc::raise(libc::SIGTERM) };
        cancel.cancelled().await;
        assert!(!force.is_cancelled(), "one request only cancels");
        unsafe { libc::raise(libc::SIGINT) };
        force.cancelled().await;
        escalation.abort();
    }

    #[tokio::test]
    async fn hangup_is_a_request_only_when_asked_for() {
        let mut shutdown = Shutdown::listen().with_hangup();
        // SAFETY: as above; tokio's handler for SIGHUP is installed by with_hangup.
        unsafe { libc::raise(libc::SIGHUP) };
        shutdown.requested().await;
    }

    #[tokio::test]
    async fn window_changes_are_heard() {
        let mut changes = WindowChanges::listen();
        // SAFETY: as above.
        unsafe { libc::raise(libc::SIGWINCH) };
        changes.changed().await;
    }
}
