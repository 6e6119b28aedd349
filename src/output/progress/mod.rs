//! How progress events reach standard error, in the one mode the user chose (`--progress`):
//! a live view redrawn in place on a terminal (`tty`), one line per event (`plain`), one JSON
//! object per event (`json`), or nothing (`quiet`).
//!
//! The mode is resolved once per process ([`Mode::resolve`], set by [`init`]); the rest of the
//! program only sends events through `output::event` and `output::detail`. A renderer is pure
//! over its writer and a clock reading passed in, so each is tested by feeding it events and
//! reading the buffer. The live view keeps a block of lines that it redraws every 100 ms from a
//! ticker thread that the block owns: the thread starts with the block's first event and is
//! joined when the block ends ([`interrupt`], before anything else is written to the terminal,
//! and [`finish`], when the command ends).

mod lines;
mod tty;

use std::io::Write;
use std::sync::mpsc;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use lines::{Json, Plain};
pub use tty::Tty;

use super::{Detail, Event};

/// How often the live view is redrawn, as Docker Compose does.
const TICK: Duration = Duration::from_millis(100);

/// How progress is shown, once `auto` is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Tty,
    Plain,
    Json,
    Quiet,
}

/// What the user asked for with `--progress` (`COMPOSE_PROGRESS`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Requested {
    #[default]
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

impl Requested {
    /// A `--progress` value. An unknown one is an error, not a usage error, as in Docker
    /// Compose (exit code 1, same message).
    pub fn parse(value: &str) -> Result<Requested, UnknownMode> {
        Ok(match value {
            "auto" => Requested::Auto,
            "tty" => Requested::Tty,
            "plain" => Requested::Plain,
            "json" => Requested::Json,
            "quiet" => Requested::Quiet,
            _ => return Err(UnknownMode(value.to_string())),
        })
    }
}

/// A `--progress` value that is none of the modes.
#[derive(Debug, thiserror::Error)]
#[error("unsupported --progress value {0:?} (expected auto, tty, plain, json or quiet)")]
pub struct UnknownMode(String);

/// `--progress tty` when standard error is not a terminal, refused as Docker Compose refuses it.
#[derive(Debug, thiserror::Error)]
#[error("provided file is not a console")]
pub struct NotAConsole;

impl Mode {
    /// The mode for `requested`: `auto` is the live view on a terminal unless colours and
    /// terminal codes are off (`--ansi never`), plain lines otherwise.
    pub fn resolve(requested: Requested, ansi_never: bool, terminal: bool) -> Result<Mode, NotAConsole> {
        Ok(match requested {
            Requested::Auto if terminal && !ansi_never => Mode::Tty,
            Requested::Auto | Requested::Plain => Mode::Plain,
            Requested::Tty if !terminal => return Err(NotAConsole),
            Requested::Tty => Mode::Tty,
            Requested::Json => Mode::Json,
            Requested::Quiet => Mode::Quiet,
        })
    }
}

/// Whether an event's status says that work is under way, done, or failed: `Creating`,
/// `Created`, `Error`. The live view colours and times lines by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Working,
    Done,
    Error,
}

impl Phase {
    pub fn of(status: &str) -> Phase {
        match status {
            "Error" => Phase::Error,
            "Recreate" | "Waiting" => Phase::Working,
            s if s.ends_with("ing") => Phase::Working,
            _ => Phase::Done,
        }
    }
}

/// A way of showing progress. `now` is the time since the renderer was made.
pub trait Render: Send {
    fn event(&mut self, e: &Event, now: Duration);
    fn detail(&mut self, d: &Detail, now: Duration);
    /// Redraws what changes with time; only the live view has any.
    fn tick(&mut self, _now: Duration) {}
    /// Ends the current block: its last state stays on screen and what is written next goes
    /// below it.
    fn end(&mut self, _now: Duration) {}
    /// Whether a block is on screen that `tick` keeps up to date.
    fn live(&self) -> bool {
        false
    }
}

/// A renderer for `mode` writing to standard error.
pub fn renderer(mode: Mode) -> Box<dyn Render> {
    let err = || Box::new(std::io::stderr()) as Box<dyn Write + Send>;
    match mode {
        Mode::Tty => Box::new(Tty::new(err(), terminal_width)),
        Mode::Plain => Box::new(Plain::new(err())),
        Mode::Json => Box::new(Json::new(err())),
        Mode::Quiet => Box::new(lines::Quiet),
    }
}

/// The process's renderer, its clock, and the ticker of the live block if one is on screen.
struct Terminal {
    render: Box<dyn Render>,
    origin: Instant,
    ticker: Option<(mpsc::Sender<()>, JoinHandle<()>)>,
}

static TERMINAL: OnceLock<Mutex<Terminal>> = OnceLock::new();

/// Chooses the mode for the rest of the process; until then (and in tests) events are plain
/// lines. Only the first call counts.
pub fn init(mode: Mode) {
    let _ = TERMINAL.set(Mutex::new(Terminal { render: renderer(mode), origin: Instant::now(), ticker: None }));
}

fn terminal() -> MutexGuard<'static, Terminal> {
    let t = TERMINAL.get_or_init(|| Mutex::new(Terminal { render: renderer(Mode::Plain), origin: Instant::now(), ticker: None }));
    t.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Shows a progress event.
pub fn event(e: &Event) {
    let mut t = terminal();
    let now = t.origin.elapsed();
    t.render.event(e, now);
    start_ticker(&mut t);
}

/// Shows a line of a step's own output.
pub fn detail(d: &Detail) {
    let mut t = terminal();
    let now = t.origin.elapsed();
    t.render.detail(d, now);
    start_ticker(&mut t);
}

/// Ends the live block, if any, so that other text can be written below it.
pub fn interrupt() {
    let ticker = {
        let mut t = terminal();
        if !t.render.live() && t.ticker.is_none() {
            return;
        }
        let now = t.origin.elapsed();
        t.render.end(now);
        t.ticker.take()
    };
    // Joined without the lock: the ticker takes it to draw.
    if let Some((stop, handle)) = ticker {
        drop(stop);
        let _ = handle.join();
    }
}

/// Ends the live block when the command is over.
pub fn finish() {
    interrupt();
}

fn start_ticker(t: &mut Terminal) {
    if t.ticker.is_some() || !t.render.live() {
        return;
    }
    let (stop, stopped) = mpsc::channel::<()>();
    let handle = std::thread::spawn(move || {
        while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
            let mut t = terminal();
            let now = t.origin.elapsed();
            t.render.tick(now);
        }
    });
    t.ticker = Some((stop, handle));
}

/// The width of the terminal on standard error, 80 when it cannot be known.
fn terminal_width() -> usize {
    // SAFETY: TIOCGWINSZ fills the `winsize` it is given and reads nothing else.
    let mut size: libc::winsize = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::ioctl(libc::STDERR_FILENO, libc::TIOCGWINSZ, &mut size) } == 0;
    if ok && size.ws_col > 0 {
        return usize::from(size.ws_col);
    }
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(80)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_is_the_live_view_only_on_a_terminal_with_ansi() {
        assert_eq!(Mode::resolve(Requested::Auto, false, true).unwrap(), Mode::Tty);
        assert_eq!(Mode::resolve(Requested::Auto, false, false).unwrap(), Mode::Plain);
        assert_eq!(Mode::resolve(Requested::Auto, true, true).unwrap(), Mode::Plain, "--ansi never");
        assert_eq!(Mode::resolve(Requested::Json, false, false).unwrap(), Mode::Json);
        assert_eq!(Mode::resolve(Requested::Quiet, false, true).unwrap(), Mode::Quiet);
        let refused = Mode::resolve(Requested::Tty, false, false).unwrap_err();
        assert_eq!(refused.to_string(), "provided file is not a console");
    }

    #[test]
    fn phases_follow_the_status_words() {
        assert_eq!(Phase::of("Creating"), Phase::Working);
        assert_eq!(Phase::of("Recreate"), Phase::Working);
        assert_eq!(Phase::of("Started"), Phase::Done);
        assert_eq!(Phase::of("Recreated"), Phase::Done);
        assert_eq!(Phase::of("Error"), Phase::Error);
    }
}
