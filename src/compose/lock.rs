//! One rcompose at a time changes a project: a per-project lock around observe → plan → execute.
//!
//! Two `up`s of one project at once would each observe "no network", each create one (Docker
//! Engine before API 1.44 accepts two networks of one name, and bollard no longer sends the
//! `CheckDuplicate` that asked it not to), and every later `up` would fail on the ambiguous name.
//! Re-observing after a conflict cannot undo that, and a duplicate check on the engine only
//! covers networks, so commands that change a project serialise on a lock file instead: the
//! second run waits, says so, and then observes what the first one made, which leaves it
//! nothing to do. The lock is an advisory `flock` on
//! `$TMPDIR/rcompose-locks/<digest of engine and project>.lock`, released when the process ends
//! however it ends (a killed run cannot leave it held). It serialises rcompose runs on one
//! machine; Docker Compose, or rcompose on another machine against the same engine, does not
//! take it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::PathBuf;
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use super::ComposeError;

/// Held while a command changes the project; dropping it lets the next run in.
pub struct ProjectLock {
    _file: File,
}

/// How often a waiting run tries the lock again.
const RETRY: Duration = Duration::from_millis(100);

/// The lock file of project `name` on the engine at `host`.
fn path(host: &str, name: &str) -> PathBuf {
    let digest = hex::encode(Sha256::digest(format!("{host}\0{name}").as_bytes()));
    std::env::temp_dir().join("rcompose-locks").join(format!("{}.lock", &digest[..24]))
}

/// Takes the lock of project `name`, waiting (and saying so through `waiting`, once) while
/// another run holds it. `None` when no lock file can be made (a read-only temporary
/// directory): the run goes on unlocked rather than not at all.
pub async fn acquire(
    host: &str,
    name: &str,
    cancel: &CancellationToken,
    waiting: impl Fn(&str),
) -> Result<Option<ProjectLock>, ComposeError> {
    let path = path(host, name);
    let Some(mut file) = open(&path) else { return Ok(None) };
    let mut said = false;
    loop {
        if try_lock(&file) {
            // Who holds it, for the message of the next run that waits.
            let _ = file.set_len(0).and_then(|_| file.rewind()).and_then(|_| write!(file, "{}", std::process::id()));
            return Ok(Some(ProjectLock { _file: file }));
        }
        if !said {
            said = true;
            let mut holder = String::new();
            let _ = file.rewind().and_then(|_| file.read_to_string(&mut holder));
            let by = if holder.trim().is_empty() { String::new() } else { format!(" (pid {})", holder.trim()) };
            waiting(&format!("another rcompose{by} is changing project {name:?}: waiting for it to finish"));
        }
        tokio::select! {
            _ = cancel.cancelled() => return Err(ComposeError::Interrupted),
            _ = tokio::time::sleep(RETRY) => {}
        }
    }
}

/// Opens (or makes) the lock file, readable and writable by every user of the machine.
fn open(path: &std::path::Path) -> Option<File> {
    let dir = path.parent()?;
    if std::fs::create_dir_all(dir).is_ok() {
        // Shared by every user, like /tmp itself; only its owner can change this.
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o1777));
    }
    match OpenOptions::new().read(true).write(true).create(true).truncate(false).mode(0o666).open(path) {
        Ok(f) => Some(f),
        Err(e) => {
            tracing::debug!("no project lock ({}): {e}", path.display());
            None
        }
    }
}

fn try_lock(file: &File) -> bool {
    // SAFETY: flock on a descriptor this function borrows; no memory is involved.
    unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[tokio::test]
    async fn a_second_run_waits_for_the_first_and_says_so() {
        let name = format!("lock-test-{}", std::process::id());
        let cancel = CancellationToken::new();
        let first = acquire("unix:///test.sock", &name, &cancel, |_| panic!("nothing holds it yet")).await.unwrap().expect("a lock file");
        let said = Arc::new(Mutex::new(Vec::new()));
        let heard = said.clone();
        let second = tokio::spawn(async move {
            let c = CancellationToken::new();
            acquire("unix:///test.sock", &name, &c, |m| heard.lock().unwrap().push(m.to_string())).await.unwrap().is_some()
        });
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(!second.is_finished(), "the second run waits while the first holds the lock");
        drop(first);
        assert!(second.await.unwrap(), "then it gets the lock");
        let said = said.lock().unwrap();
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains(&format!("(pid {})", std::process::id())) && said[0].contains("waiting for it to finish"), "{said:?}");
    }

    #[tokio::test]
    async fn a_waiting_run_can_be_interrupted() {
        let name = format!("lock-test-cancel-{}", std::process::id());
        let cancel = CancellationToken::new();
        let _held = acquire("unix:///test.sock", &name, &cancel, |_| {}).await.unwrap().expect("a lock file");
        let other = CancellationToken::new();
        other.cancel();
        assert!(matches!(acquire("unix:///test.sock", &name, &other, |_| {}).await, Err(ComposeError::Interrupted)));
    }
}
