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
}

impl Shutdown {
    /// Starts listening; must be called inside a tokio runtime. A signal that cannot be
    /// listened to keeps its default action.
    pub fn listen() -> Shutdown {
        Shutdown { interrupt: signal(SignalKind::interrupt()).ok(), terminate: signal(SignalKind::terminate()).ok() }
    }

    /// The next request, whichever signal brings it.
    pub async fn requested(&mut self) {
        tokio::select! {
            Some(()) = next(&mut self.interrupt) => {}
            Some(()) = next(&mut self.terminate) => {}
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
}
