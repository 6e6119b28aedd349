//! Groups file events into batches: a batch closes after a short quiet period with no new
//! event, or when it has been open for `cap`, so that an editor saving ten files is one batch
//! and a process writing without pause still gets its changes synced regularly.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::{sleep_until, Instant};

use super::notify::FsEvent;

/// How long to wait for more events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// A batch closes after this long with no new event.
    pub quiet: Duration,
    /// ...or this long after its first event, whatever keeps coming.
    pub cap: Duration,
}

impl Default for Timing {
    fn default() -> Timing {
        Timing { quiet: Duration::from_millis(20), cap: Duration::from_millis(500) }
    }
}

/// The changes of one batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Each path once; `true` when it appeared during the batch.
    pub paths: BTreeMap<PathBuf, bool>,
    /// The kernel dropped events during the batch.
    pub overflow: bool,
    pub errors: Vec<String>,
}

impl Batch {
    fn add(&mut self, event: FsEvent) {
        match event {
            FsEvent::Changed { path, created } => *self.paths.entry(path).or_insert(false) |= created,
            FsEvent::Overflow => self.overflow = true,
            FsEvent::Error(e) => self.errors.push(e),
        }
    }
}

/// Turns the notifier's events into batches.
pub struct Debouncer {
    /// Events from the notify callback; closed when the notifier is dropped.
    rx: mpsc::UnboundedReceiver<FsEvent>,
    timing: Timing,
    /// When the last batch was handed out.
    returned: Option<Instant>,
}

impl Debouncer {
    pub fn new(rx: mpsc::UnboundedReceiver<FsEvent>, timing: Timing) -> Debouncer {
        Debouncer { rx, timing, returned: None }
    }

    /// The next batch; `None` once the channel is closed and drained. Not cancel-safe: events
    /// of a batch being gathered are lost if the future is dropped.
    pub async fn next(&mut self) -> Option<Batch> {
        let batch = self.gather().await;
        self.returned = Some(Instant::now());
        batch
    }

    async fn gather(&mut self) -> Option<Batch> {
        let mut batch = Batch::default();
        // Events queued while the last batch was being handled are as old as that handling:
        // their batch opened when the last one was handed out, so a long sync or build is not
        // followed by a full `cap` of waiting for what has long been there.
        let opened = match self.rx.try_recv() {
            Ok(e) => {
                batch.add(e);
                self.returned.unwrap_or_else(Instant::now)
            }
            Err(mpsc::error::TryRecvError::Empty) => {
                batch.add(self.rx.recv().await?);
                Instant::now()
            }
            Err(mpsc::error::TryRecvError::Disconnected) => return None,
        };
        let cap = opened + self.timing.cap;
        loop {
            while let Ok(e) = self.rx.try_recv() {
                batch.add(e);
            }
            let deadline = (Instant::now() + self.timing.quiet).min(cap);
            tokio::select! {
                e = self.rx.recv() => match e {
                    Some(e) => batch.add(e),
                    None => return Some(batch),
                },
                () = sleep_until(deadline) => return Some(batch),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(p: &str) -> FsEvent {
        FsEvent::Changed { path: PathBuf::from(p), created: false }
    }

    /// A debouncer waiting 40 ms of quiet, 1 s at most, and the sender of its events.
    fn debouncer() -> (mpsc::UnboundedSender<FsEvent>, Debouncer) {
        let (tx, rx) = mpsc::unbounded_channel();
        let timing = Timing { quiet: Duration::from_millis(40), cap: Duration::from_millis(1000) };
        (tx, Debouncer::new(rx, timing))
    }

    /// A writer that never lets the debouncer rest: event `i` on `path(i)` every 10 ms, for 5 s.
    fn steady_writer(tx: mpsc::UnboundedSender<FsEvent>, path: fn(usize) -> String) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            for i in 0..500 {
                tx.send(ev(&path(i))).unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    }

    /// Waits for the next batch, reporting how much (paused) time it took.
    async fn timed(d: &mut Debouncer) -> (Option<Batch>, Duration) {
        let start = Instant::now();
        let b = d.next().await;
        (b, start.elapsed())
    }

    #[tokio::test(start_paused = true)]
    async fn a_burst_is_one_batch_after_the_quiet_period() {
        let (tx, mut d) = debouncer();
        let writer = tokio::spawn(async move {
            for i in 0..5 {
                tx.send(ev(&format!("/f{i}"))).unwrap();
                tx.send(ev(&format!("/f{i}"))).unwrap();
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tx
        });
        let (batch, took) = timed(&mut d).await;
        let batch = batch.unwrap();
        assert_eq!(batch.paths.len(), 5, "each path once");
        // The last event came at 40 ms; the batch closed 40 ms later.
        assert_eq!(took, Duration::from_millis(80));
        drop(writer.await.unwrap());
        assert_eq!(d.next().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn a_continuous_writer_cannot_starve_the_batches() {
        let (tx, mut d) = debouncer();
        let writer = steady_writer(tx, |i| format!("/f{}", i % 7));
        let (first, took) = timed(&mut d).await;
        assert!(first.is_some());
        assert_eq!(took, Duration::from_millis(1000), "closed by the cap");
        let (second, took) = timed(&mut d).await;
        assert_eq!(second.unwrap().paths.len(), 7);
        assert!(took <= Duration::from_millis(1010), "{took:?}");
        writer.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn what_queued_during_a_long_handling_is_not_held_for_another_cap() {
        let (tx, mut d) = debouncer();
        let writer = steady_writer(tx, |i| format!("/f{i}"));
        let (first, took) = timed(&mut d).await;
        assert_eq!(took, Duration::from_millis(1000), "closed by the cap");
        // One event every 10 ms (the one at the deadline may go either way).
        let n = first.unwrap().paths.len();
        assert!((100..=101).contains(&n), "{n}");
        // The batch takes 1.5 s to sync: what came meanwhile goes at once.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let (second, took) = timed(&mut d).await;
        assert_eq!(took, Duration::ZERO);
        let n = second.unwrap().paths.len();
        assert!((149..=151).contains(&n), "{n}");
        // A short handling (10 ms) still lets the batch gather, up to the cap from its opening.
        tokio::time::sleep(Duration::from_millis(10)).await;
        let (_, took) = timed(&mut d).await;
        assert_eq!(took, Duration::from_millis(990));
        writer.abort();
    }

    #[tokio::test(start_paused = true)]
    async fn creation_sticks_and_errors_are_kept() {
        let (tx, mut d) = debouncer();
        tx.send(FsEvent::Changed { path: "/d".into(), created: true }).unwrap();
        tx.send(ev("/d")).unwrap();
        tx.send(FsEvent::Overflow).unwrap();
        tx.send(FsEvent::Error("boom".into())).unwrap();
        let b = d.next().await.unwrap();
        assert_eq!(b.paths.get(&PathBuf::from("/d")), Some(&true));
        assert!(b.overflow);
        assert_eq!(b.errors, vec!["boom".to_string()]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_event_waits_only_the_quiet_period() {
        let (tx, mut d) = debouncer();
        tx.send(ev("/a")).unwrap();
        let (b, took) = timed(&mut d).await;
        assert_eq!(b.unwrap().paths.len(), 1);
        assert_eq!(took, Duration::from_millis(40));
    }
}
