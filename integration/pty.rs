//! A real pseudo-terminal for the tests of interactive commands: rcompose runs with the
//! terminal as its controlling terminal and its standard input, output and error, and the test
//! types into it, reads what it shows, resizes it, and checks its mode afterwards.

use std::io::{Read, Write};
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::termios::{LocalFlags, Termios};
use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};

/// Long enough for a loaded machine; only a hang waits this long.
const PATIENCE: Duration = Duration::from_secs(60);

pub struct Pty {
    master: Box<dyn MasterPty + Send>,
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    output: mpsc::Receiver<Vec<u8>>,
    /// Everything read so far (the transcript a failure shows).
    pub seen: Vec<u8>,
    /// Where in `seen` the next `expect` starts looking.
    cursor: usize,
}

impl Pty {
    /// Runs `program args...` in `dir` on a new terminal of `rows` x `columns`.
    pub fn spawn(program: &str, args: &[&str], dir: &Path, rows: u16, columns: u16) -> Pty {
        Pty::spawn_with(program, args, dir, rows, columns, &[])
    }

    /// [`Pty::spawn`] with these variables set.
    pub fn spawn_with(program: &str, args: &[&str], dir: &Path, rows: u16, columns: u16, env: &[(&str, &str)]) -> Pty {
        let pair = native_pty_system().openpty(PtySize { rows, cols: columns, pixel_width: 0, pixel_height: 0 }).expect("openpty");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.cwd(dir);
        for var in ["COMPOSE_FILE", "COMPOSE_PROGRESS", "COMPOSE_ANSI", "COMPOSE_PROJECT_NAME"] {
            cmd.env_remove(var);
        }
        cmd.env("TERM", "xterm");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("pty reader");
        let writer = pair.master.take_writer().expect("pty writer");
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty { master: pair.master, child, writer, output, seen: Vec::new(), cursor: 0 }
    }

    /// Runs rcompose with `-p project` on a new terminal.
    pub fn rcompose(dir: &Path, project: &str, args: &[&str], rows: u16, columns: u16) -> Pty {
        let mut all = vec!["-p", project];
        all.extend_from_slice(args);
        Pty::spawn(env!("CARGO_BIN_EXE_rcompose"), &all, dir, rows, columns)
    }

    pub fn transcript(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }

    /// Waits until `needle` appears after what earlier calls matched; returns the text up to
    /// and including it. Fails the test, showing the transcript, if it never does.
    pub fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = String::from_utf8_lossy(&self.seen[self.cursor..]).into_owned();
            if let Some(at) = text.find(needle) {
                let end = at + needle.len();
                self.cursor += text[..end].len();
                return text[..end].to_string();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.output.recv_timeout(left) {
                Ok(bytes) => self.seen.extend(bytes),
                Err(_) => panic!("{needle:?} never appeared on the terminal; it showed:\n{}", self.transcript()),
            }
        }
    }

    /// Reads what has arrived so far, without waiting.
    pub fn poll(&mut self) {
        while let Ok(bytes) = self.output.try_recv() {
            self.seen.extend(bytes);
        }
    }

    /// Types `bytes` (a `\r` is Enter, `\x03` Ctrl-C).
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("type into the terminal");
        self.writer.flush().expect("flush the terminal");
    }

    pub fn resize(&self, rows: u16, columns: u16) {
        self.master.resize(PtySize { rows, cols: columns, pixel_width: 0, pixel_height: 0 }).expect("resize the terminal");
    }

    /// The terminal's current mode.
    pub fn termios(&self) -> Termios {
        self.master.get_termios().expect("the terminal's mode")
    }

    /// Whether the terminal is in its usual, cooked mode: lines edited and echoed locally.
    pub fn is_cooked(&self) -> bool {
        let flags = self.termios().local_flags;
        flags.contains(LocalFlags::ICANON) && flags.contains(LocalFlags::ECHO) && flags.contains(LocalFlags::ISIG)
    }

    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("the child's pid")
    }

    /// Waits for the program to exit (failing the test if it does not) and returns its exit
    /// code, everything it showed having been read.
    pub fn wait(&mut self) -> u32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the child") {
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(200)) {
                    self.seen.extend(bytes);
                }
                return status.exit_code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the program did not exit; the terminal showed:\n{}", self.transcript());
            }
            if let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(50)) {
                self.seen.extend(bytes);
            }
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
