//! The adapter around `notify`: its callback only forwards events to a channel; deciding what
//! they mean is the loop's job.
//!
//! Watched directories are followed recursively. A path that does not exist yet is watched
//! through its nearest existing ancestor (non-recursively) until [`Notifier::rearm`] sees it
//! appear; a single file (a compose file, a `.env`) is watched through its directory, since
//! editors often replace a file rather than write into it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify::{Config, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use tokio::sync::mpsc;

/// What the callback forwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsEvent {
    /// Something happened to `path`; `created` when it appeared (created or moved in), which
    /// for a directory means its whole content is new.
    Changed {
        path: PathBuf,
        created: bool,
    },
    /// The kernel dropped events (queue overflow): some changes may be missed.
    Overflow,
    Error(String),
}

/// The set of watched paths, kept in step with what the rules and config files need.
pub struct Notifier {
    watcher: RecommendedWatcher,
    /// Directories to follow recursively, and files to follow through their directory.
    trees: Vec<PathBuf>,
    files: Vec<PathBuf>,
    /// What is watched now.
    active: BTreeMap<PathBuf, bool>,
}

impl Notifier {
    /// A notifier sending to `tx`; nothing is watched until [`Notifier::set`].
    pub fn new(tx: mpsc::UnboundedSender<FsEvent>) -> notify::Result<Notifier> {
        let handler = move |res: notify::Result<notify::Event>| forward(&tx, res);
        let watcher = RecommendedWatcher::new(handler, Config::default().with_follow_symlinks(false))?;
        Ok(Notifier { watcher, trees: Vec::new(), files: Vec::new(), active: BTreeMap::new() })
    }

    /// Watches the directory trees `trees` and the single files `files`, instead of what was
    /// watched before. Returns what could not be watched.
    pub fn set(&mut self, trees: &[PathBuf], files: &[PathBuf]) -> Vec<String> {
        self.trees = trees.to_vec();
        self.files = files.to_vec();
        self.rearm()
    }

    /// Recomputes the watch points (after paths appeared or disappeared) and applies the
    /// difference. Returns what could not be watched.
    pub fn rearm(&mut self) -> Vec<String> {
        let wanted = watch_points(&self.trees, &self.files, |p| p.exists());
        let mut problems = Vec::new();
        let stale: Vec<PathBuf> = self.active.iter().filter(|(p, r)| wanted.get(*p) != Some(r)).map(|(p, _)| p.clone()).collect();
        for p in stale {
            let _ = self.watcher.unwatch(&p);
            self.active.remove(&p);
        }
        for (p, recursive) in wanted {
            if self.active.contains_key(&p) {
                continue;
            }
            let mode = if recursive { RecursiveMode::Recursive } else { RecursiveMode::NonRecursive };
            match self.watcher.watch(&p, mode) {
                Ok(()) => {
                    self.active.insert(p, recursive);
                }
                Err(e) => problems.push(format!("cannot watch {}: {e}", p.display())),
            }
        }
        problems
    }
}

/// The callback: forwards, never blocks, never decides.
fn forward(tx: &mpsc::UnboundedSender<FsEvent>, res: notify::Result<notify::Event>) {
    let event = match res {
        Ok(e) => e,
        Err(e) => {
            let _ = tx.send(FsEvent::Error(e.to_string()));
            return;
        }
    };
    tracing::trace!(?event, "file event");
    if event.need_rescan() {
        let _ = tx.send(FsEvent::Overflow);
    }
    let created = match event.kind {
        EventKind::Create(_) | EventKind::Modify(ModifyKind::Name(RenameMode::To)) => true,
        EventKind::Modify(ModifyKind::Name(RenameMode::Both)) => {
            // [from, to]: the source is gone, the destination is new.
            for (i, path) in event.paths.into_iter().enumerate() {
                let _ = tx.send(FsEvent::Changed { path, created: i == 1 });
            }
            return;
        }
        EventKind::Modify(_) | EventKind::Remove(_) | EventKind::Any | EventKind::Other => false,
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => false,
        // Opening or reading a file (as the sync itself does) changes nothing.
        EventKind::Access(_) => return,
    };
    for path in event.paths {
        let _ = tx.send(FsEvent::Changed { path, created });
    }
}

/// Where to put kernel watches: each existing tree recursively, the nearest existing ancestor
/// of a missing tree and the directory of each file non-recursively; nothing already covered
/// by a recursive watch of an ancestor.
pub fn watch_points(trees: &[PathBuf], files: &[PathBuf], exists: impl Fn(&Path) -> bool) -> BTreeMap<PathBuf, bool> {
    let nearest = |p: &Path| p.ancestors().find(|a| exists(a)).map(Path::to_path_buf);
    let mut wanted: BTreeMap<PathBuf, bool> = BTreeMap::new();
    let mut add = |p: PathBuf, recursive: bool| {
        let e = wanted.entry(p).or_insert(recursive);
        *e |= recursive;
    };
    for t in trees {
        if exists(t) {
            add(t.clone(), true);
        } else if let Some(a) = nearest(t) {
            add(a, false);
        }
    }
    for f in files {
        if let Some(a) = f.parent().and_then(nearest) {
            add(a, false);
        }
    }
    let recursive: Vec<PathBuf> = wanted.iter().filter(|(_, r)| **r).map(|(p, _)| p.clone()).collect();
    wanted.retain(|p, r| !recursive.iter().any(|t| p.starts_with(t) && (p != t || !*r)));
    wanted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pb(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn trees_are_recursive_and_cover_what_is_below_them() {
        let exists = |_: &Path| true;
        let got = watch_points(&[pb("/p/src"), pb("/p/src/lib"), pb("/p/web")], &[pb("/p/compose.yaml"), pb("/p/src/.env")], exists);
        let want = BTreeMap::from([(pb("/p"), false), (pb("/p/src"), true), (pb("/p/web"), true)]);
        assert_eq!(got, want);
    }

    #[test]
    fn missing_trees_are_watched_through_their_nearest_ancestor() {
        let exists = |p: &Path| p == Path::new("/") || p == Path::new("/p");
        let got = watch_points(&[pb("/p/a/b")], &[], exists);
        assert_eq!(got, BTreeMap::from([(pb("/p"), false)]));
    }

    #[tokio::test]
    async fn the_callback_forwards_changes_and_drops_reads() {
        use notify::event::{CreateKind, Event};
        let (tx, mut rx) = mpsc::unbounded_channel();
        forward(&tx, Ok(Event::new(EventKind::Create(CreateKind::Folder)).add_path(pb("/d"))));
        forward(&tx, Ok(Event::new(EventKind::Access(AccessKind::Open(AccessMode::Read))).add_path(pb("/r"))));
        forward(&tx, Ok(Event::new(EventKind::Access(AccessKind::Close(AccessMode::Write))).add_path(pb("/w"))));
        forward(&tx, Ok(Event::new(EventKind::Modify(ModifyKind::Name(RenameMode::Both))).add_path(pb("/from")).add_path(pb("/to"))));
        drop(tx);
        let mut got = Vec::new();
        while let Some(e) = rx.recv().await {
            got.push(e);
        }
        let changed = |p: &str, created| FsEvent::Changed { path: pb(p), created };
        assert_eq!(got, [changed("/d", true), changed("/w", false), changed("/from", false), changed("/to", true)]);
    }
}
