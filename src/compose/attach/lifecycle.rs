//! The states of one attached `up`, from the start of the services to its return, and every
//! transition between them, apart from the futures that drive them ([`super::AttachedUp::run`]
//! polls those and tells this what happened). Tested here without an engine.
//!
//! Three things run at once: the start of the services, the follow of their output, and the
//! events the follow sends. Besides them, `up` is in one [`Stage`]: running; ending (an exit
//! aborts it, or Ctrl-C), waiting for the start to finish so that nothing starts after the
//! stop looked; stopping (or killing, after a second Ctrl-C); stopped, the follow then having a
//! grace period to report the exits.

use super::StopReason;

/// Where `up` is on its way to the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// The services start and their output is shown.
    Running,
    /// `up` ends for `reason`; the stop waits for the start to finish. `kill` once forced.
    Ending { reason: StopReason, kill: bool },
    /// The stop (or, with `kill`, the kill) of the services is under way.
    Stopping { reason: StopReason, kill: bool },
    /// The services are stopped; the follow ends once it has seen them exit, or after a grace
    /// period.
    Stopped { reason: StopReason },
}

/// What the loop must do after a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Action {
    Nothing,
    /// Say that `up` stops (nothing more is shown), and cancel the start.
    Announce(StopReason),
    /// Begin stopping the services (`kill`: killing them).
    Stop {
        kill: bool,
    },
    /// Drop the stop under way and kill instead.
    Kill,
    /// The stop is over: give the follow its grace period.
    Grace,
    /// Return the error that came with the input.
    Fail,
}

/// The stage, and which of the three concurrent parts are over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Lifecycle {
    pub stage: Stage,
    /// The start of the services has finished (well or not).
    pub started: bool,
    /// The follow has returned.
    pub followed: bool,
    /// The follow's event channel is still open.
    pub events_open: bool,
    /// Ctrl-C was pressed (the command then returns `Interrupted`).
    pub interrupted: bool,
}

impl Lifecycle {
    pub fn new() -> Lifecycle {
        Lifecycle { stage: Stage::Running, started: false, followed: false, events_open: true, interrupted: false }
    }

    /// `up` returns once everything it waits for is over: the start, the follow and its
    /// events, and, if it ended, the stop.
    pub fn done(&self) -> bool {
        self.started && self.followed && !self.events_open && matches!(self.stage, Stage::Running | Stage::Stopped { .. })
    }

    /// Called before each wait: the stop begins once `up` ends and the start is over.
    pub fn begin_stop(&mut self) -> Action {
        match self.stage {
            Stage::Ending { reason, kill } if self.started => {
                self.stage = Stage::Stopping { reason, kill };
                Action::Stop { kill }
            }
            _ => Action::Nothing,
        }
    }

    /// The start finished. A failure fails `up` unless it is ending or cancelled (Docker
    /// Compose leaves what started running when a start fails).
    pub fn start_ended(&mut self, failed: bool, cancelled: bool) -> Action {
        if failed && self.stage == Stage::Running && !cancelled {
            return Action::Fail;
        }
        self.started = true;
        Action::Nothing
    }

    /// The follow returned. A failure fails `up` unless it is already ending.
    pub fn follow_ended(&mut self, failed: bool) -> Action {
        self.followed = true;
        if failed && self.stage == Stage::Running {
            return Action::Fail;
        }
        Action::Nothing
    }

    pub fn events_closed(&mut self) {
        self.events_open = false;
    }

    /// An event from the follow; `aborts` when it is an exit that ends `up` (see `Cascade`).
    /// Returns whether to show it (nothing is, once `up` ends, the stop's own exits included),
    /// and what to do.
    pub fn event(&mut self, aborts: bool) -> (bool, Action) {
        let show = self.stage == Stage::Running;
        if aborts && self.stage == Stage::Running {
            self.stage = Stage::Ending { reason: StopReason::Abort, kill: false };
            return (show, Action::Announce(StopReason::Abort));
        }
        (show, Action::Nothing)
    }

    /// Whether the loop listens for Ctrl-C: once only, the second one comes as `force`.
    pub fn listens_interrupt(&self) -> bool {
        !self.interrupted
    }

    /// Ctrl-C: `up` ends if it was running; if it was already ending (an abort), no more
    /// waiting: the services are killed.
    pub fn interrupt(&mut self) -> Action {
        self.interrupted = true;
        match self.stage {
            Stage::Running => {
                self.stage = Stage::Ending { reason: StopReason::Interrupt, kill: false };
                Action::Announce(StopReason::Interrupt)
            }
            _ => self.force(),
        }
    }

    /// Whether the loop listens for the second Ctrl-C (`force`): once `up` ends, until it kills.
    pub fn listens_force(&self) -> bool {
        match self.stage {
            Stage::Running | Stage::Stopped { .. } => false,
            Stage::Ending { kill, .. } | Stage::Stopping { kill, .. } => !kill,
        }
    }

    /// The second Ctrl-C: kill instead of stopping, now if the stop is under way, else when it
    /// begins.
    pub fn force(&mut self) -> Action {
        match &mut self.stage {
            Stage::Ending { kill, .. } => {
                *kill = true;
                Action::Nothing
            }
            Stage::Stopping { kill: false, reason } => {
                self.stage = Stage::Stopping { reason: *reason, kill: true };
                Action::Kill
            }
            _ => Action::Nothing,
        }
    }

    /// The stop (or kill) returned.
    pub fn stop_ended(&mut self) -> Action {
        match self.stage {
            Stage::Stopping { reason, .. } => {
                self.stage = Stage::Stopped { reason };
                Action::Grace
            }
            _ => Action::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(l: &mut Lifecycle) {
        l.follow_ended(false);
        l.events_closed();
    }

    #[test]
    fn up_returns_when_the_services_have_exited_by_themselves() {
        let mut l = Lifecycle::new();
        assert_eq!(l.start_ended(false, false), Action::Nothing);
        assert_eq!(l.event(false), (true, Action::Nothing));
        assert!(!l.done());
        ended(&mut l);
        assert_eq!(l.begin_stop(), Action::Nothing);
        assert!(l.done());
        assert!(!l.interrupted);
    }

    #[test]
    fn an_aborting_exit_stops_once_the_start_is_over() {
        let mut l = Lifecycle::new();
        assert_eq!(l.event(true), (true, Action::Announce(StopReason::Abort)), "the exit itself is shown");
        assert_eq!(l.event(false), (false, Action::Nothing), "nothing more is");
        assert_eq!(l.begin_stop(), Action::Nothing, "the start is not over");
        // A start cut short by the abort is no failure.
        assert_eq!(l.start_ended(true, false), Action::Nothing);
        assert_eq!(l.begin_stop(), Action::Stop { kill: false });
        assert_eq!(l.begin_stop(), Action::Nothing, "once");
        ended(&mut l);
        assert!(!l.done(), "waits for the stop");
        assert_eq!(l.stop_ended(), Action::Grace);
        assert!(l.done());
        assert!(!l.interrupted, "the exit code is the cascade's");
    }

    #[test]
    fn ctrl_c_stops_then_a_second_one_kills() {
        let mut l = Lifecycle::new();
        l.start_ended(false, false);
        assert!(!l.listens_force());
        assert_eq!(l.interrupt(), Action::Announce(StopReason::Interrupt));
        assert!(!l.listens_interrupt());
        assert_eq!(l.begin_stop(), Action::Stop { kill: false });
        assert!(l.listens_force());
        assert_eq!(l.force(), Action::Kill);
        assert!(!l.listens_force(), "killing already");
        assert_eq!(l.stage, Stage::Stopping { reason: StopReason::Interrupt, kill: true });
        assert_eq!(l.stop_ended(), Action::Grace);
        ended(&mut l);
        assert!(l.done() && l.interrupted);
    }

    #[test]
    fn ctrl_c_while_aborting_kills_without_waiting() {
        let mut l = Lifecycle::new();
        l.start_ended(false, false);
        l.event(true);
        assert_eq!(l.begin_stop(), Action::Stop { kill: false });
        assert_eq!(l.interrupt(), Action::Kill);
        assert_eq!(l.stage, Stage::Stopping { reason: StopReason::Abort, kill: true });
    }

    #[test]
    fn a_kill_asked_before_the_stop_begins_is_a_kill_from_the_start() {
        let mut l = Lifecycle::new();
        l.event(true);
        assert_eq!(l.interrupt(), Action::Nothing, "the start is not over: nothing to replace yet");
        l.start_ended(false, true);
        assert_eq!(l.begin_stop(), Action::Stop { kill: true });
    }

    #[test]
    fn failures_fail_up_only_while_it_runs() {
        let mut l = Lifecycle::new();
        assert_eq!(l.start_ended(true, false), Action::Fail);
        let mut l = Lifecycle::new();
        assert_eq!(l.start_ended(true, true), Action::Nothing, "cancelled by Ctrl-C");
        assert_eq!(l.follow_ended(true), Action::Fail);
        let mut l = Lifecycle::new();
        l.interrupt();
        assert_eq!(l.follow_ended(true), Action::Nothing, "ending already");
    }

    #[test]
    fn a_stop_that_has_not_begun_cannot_end() {
        let mut l = Lifecycle::new();
        assert_eq!(l.stop_ended(), Action::Nothing);
        assert_eq!(l.force(), Action::Nothing);
        assert_eq!(l.stage, Stage::Running);
    }
}
