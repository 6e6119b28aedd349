//! From a container to the host: the engine's archive of the path is read as it arrives and
//! extracted on a blocking thread, its top entry renamed as the destination calls for, as
//! `docker cp` extracts it: modes and times kept, owners not (the files are the caller's),
//! nothing written outside the target directory, no directory replaced by a file or the
//! reverse. `-` writes the archive itself to standard output.

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::paths::{self, Destination, Source};
use super::{CopyError, OutputSink};
use crate::engine::{Engine, PathKind};

/// Chunks of the archive received ahead of the extraction.
const AHEAD: usize = 8;

/// Links followed at the destination before giving up.
const MAX_LINKS: usize = 10;

/// Copies `path` of container `id` to the host path `to` (absolute), or to `stdout` when `to`
/// is `None`. With `follow`, a symbolic link at `path` is copied as what it leads to, under the
/// link's name.
pub async fn copy(engine: &dyn Engine, id: &str, path: &str, to: Option<&str>, follow: bool, stdout: &OutputSink) -> Result<(), CopyError> {
    if let Some(to) = to {
        check_output(to)?;
    }
    let (mut src_path, mut rebase) = (path.to_string(), None);
    if follow {
        if let Ok(stat) = engine.stat_path(id, path).await {
            if stat.kind == PathKind::Symlink {
                let target = if stat.link_target.starts_with('/') {
                    stat.link_target
                } else {
                    format!("{}/{}", paths::split_dir_entry(path).0, stat.link_target)
                };
                (src_path, rebase) = paths::rebase_name(path, &paths::clean(&target));
            }
        }
    }
    let mut archive = engine.get_archive(id, &src_path);
    let Some(to) = to else {
        while let Some(chunk) = archive.next().await {
            stdout(&chunk?).map_err(CopyError::host("write", "standard output"))?;
        }
        return Ok(());
    };
    // The first item tells a missing path (the engine's 404) before anything is extracted.
    let first = match archive.next().await {
        Some(item) => item?,
        None => return Ok(()),
    };
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(AHEAD);
    let dst = destination(to)?;
    let source = Source { path: src_path.clone(), is_dir: false, rebase };
    let extract = tokio::task::spawn_blocking(move || extract(ChannelReader::new(first, rx), source, dst));
    let feed = async move {
        while let Some(item) = archive.next().await {
            let failed = item.is_err();
            if tx.send(item.map_err(|e| io::Error::other(e.to_string()))).await.is_err() || failed {
                break;
            }
        }
    };
    let ((), extracted) = tokio::join!(feed, extract);
    extracted.map_err(|e| CopyError::Archive(format!("extraction stopped: {e}")))?
}

/// Refuses a destination whose parent directory is missing, or that is neither a directory
/// nor a regular file, before anything is read from the container.
fn check_output(to: &str) -> Result<(), CopyError> {
    let (parent, _) = paths::split_dir_entry(&paths::clean(to));
    if !Path::new(&parent).exists() {
        return Err(CopyError::NoOutputDir(parent));
    }
    Ok(())
}

/// What is at the host path `to`, links followed (a dangling one names the file to create).
fn destination(to: &str) -> Result<Destination, CopyError> {
    let mut path = to.to_string();
    for _ in 0..=MAX_LINKS {
        let clean = paths::clean(&path);
        match std::fs::symlink_metadata(&clean) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = std::fs::read_link(&clean).map_err(CopyError::host("readlink", clean.as_str()))?;
                let target = target.to_string_lossy();
                path = if target.starts_with('/') { target.into_owned() } else { format!("{}/{target}", paths::split_dir_entry(&path).0) };
            }
            Ok(meta) => return Ok(Destination { path, exists: true, is_dir: meta.is_dir() }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (parent, _) = paths::split_dir_entry(&path);
                let meta = std::fs::metadata(&parent).map_err(CopyError::host("stat", parent.as_str()))?;
                if !meta.is_dir() {
                    return Err(CopyError::NotADirectory);
                }
                return Ok(Destination { path, exists: false, is_dir: false });
            }
            Err(e) => return Err(CopyError::host("lstat", clean)(e)),
        }
    }
    Err(CopyError::TooManyLinks(to.to_string()))
}

/// Extracts the archive `input` of `source` to `dst`. The first entry (the source itself)
/// says whether a file or a directory is copied, which decides where it goes.
pub fn extract(input: impl Read, mut source: Source, dst: Destination) -> Result<(), CopyError> {
    let mut archive = tar::Archive::new(input);
    archive.set_preserve_permissions(true);
    archive.set_preserve_mtime(true);
    let mut entries = archive.entries().map_err(tar_error)?;
    let Some(first) = entries.next() else { return Ok(()) };
    let first = first.map_err(tar_error)?;
    source.is_dir = first.header().entry_type().is_dir();
    let placement = paths::place(&source, &dst)?;
    let dir = PathBuf::from(&placement.dir);
    let archive_top = top_name(&first.path().map_err(tar_error)?);
    let mut out = Extraction {
        dir,
        from: archive_top,
        to: placement.top,
        dirs: Vec::new(),
        root: None,
        inside: HashSet::new(),
        made: HashSet::new(),
    };
    out.entry(first)?;
    for entry in entries {
        out.entry(entry.map_err(tar_error)?)?;
    }
    out.finish()
}

fn tar_error(e: io::Error) -> CopyError {
    CopyError::Archive(e.to_string())
}

/// The first component of an entry's path (`.` for `./`).
fn top_name(path: &Path) -> String {
    path.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_else(|| ".".into())
}

/// An extraction under way.
struct Extraction {
    dir: PathBuf,
    /// The archive's top name, and the one it takes on the host (`.`: the directory itself).
    from: String,
    to: String,
    /// Directories made or merged, with the mode and time they get once their content is in.
    dirs: Vec<(PathBuf, u32, u64)>,
    /// `dir` with its links resolved, once known.
    root: Option<PathBuf>,
    /// Parents already checked to be inside `dir`.
    inside: HashSet<PathBuf>,
    /// Directories this extraction made: nothing can be in them but what it wrote, so an
    /// entry there needs no look at what is in its place (one system call less per file).
    /// (An archive naming a path twice finds it there: a directory's creation then fails and
    /// the entry is looked at; a file is replaced by the unpacking itself.)
    made: HashSet<PathBuf>,
}

impl Extraction {
    /// `name` from the archive, renamed and relative to `dir`; `None` for what would leave it.
    fn relative(&self, name: &Path) -> Option<PathBuf> {
        let mut parts = name.components().peekable();
        let first = parts.next().map(|c| c.as_os_str().to_string_lossy().into_owned()).unwrap_or_else(|| ".".into());
        let mut rel = PathBuf::new();
        match first.as_str() {
            f if f == self.from => {
                if self.to != "." {
                    rel.push(&self.to);
                }
            }
            // Not under the top name: Docker Compose extracts it as it is named.
            _ => rel.push(&first),
        }
        for part in parts {
            match part {
                Component::Normal(p) => rel.push(p),
                Component::CurDir => {}
                _ => return None,
            }
        }
        rel.components().all(|c| matches!(c, Component::Normal(_))).then_some(rel)
    }

    fn entry<R: Read>(&mut self, mut entry: tar::Entry<'_, R>) -> Result<(), CopyError> {
        let name = entry.path().map_err(tar_error)?.into_owned();
        let rel = self.relative(&name).ok_or_else(|| CopyError::OutsidePath(name.display().to_string()))?;
        let target = self.dir.join(&rel);
        let text = |p: &Path| p.display().to_string();
        if let Some(parent) = target.parent().filter(|_| !rel.as_os_str().is_empty()) {
            self.ensure_inside(parent, &name)?;
        }
        let kind = entry.header().entry_type();
        let fresh = target.parent().is_some_and(|p| self.made.contains(p));
        if kind.is_dir() && fresh {
            match std::fs::create_dir(&target) {
                Ok(()) => {
                    self.made.insert(target.clone());
                    let mode = entry.header().mode().map_err(tar_error)?;
                    let mtime = entry.header().mtime().unwrap_or(0);
                    self.dirs.push((target, mode, mtime));
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(CopyError::host("mkdir", text(&target))(e)),
            }
        }
        let existing = if fresh && !kind.is_dir() { None } else { std::fs::symlink_metadata(&target).ok() };
        if kind.is_dir() {
            match existing {
                Some(m) if !m.is_dir() => return Err(CopyError::FileWithDir { path: text(&target), dir: text(&self.dir) }),
                Some(_) => {}
                None => {
                    std::fs::create_dir(&target).map_err(CopyError::host("mkdir", text(&target)))?;
                    self.made.insert(target.clone());
                }
            }
            let mode = entry.header().mode().map_err(tar_error)?;
            let mtime = entry.header().mtime().unwrap_or(0);
            self.dirs.push((target, mode, mtime));
            return Ok(());
        }
        match existing {
            Some(m) if m.is_dir() => return Err(CopyError::DirWithFile { path: text(&target), dir: text(&self.dir) }),
            Some(_) => std::fs::remove_file(&target).map_err(CopyError::host("remove", text(&target)))?,
            None => {}
        }
        if kind.is_hard_link() {
            let link = entry.link_name().map_err(tar_error)?.map(|l| l.into_owned()).unwrap_or_default();
            let link_rel = self.relative(&link).ok_or_else(|| CopyError::OutsidePath(link.display().to_string()))?;
            let source = self.dir.join(link_rel);
            if let Some(parent) = source.parent() {
                self.ensure_inside(parent, &link)?;
            }
            std::fs::hard_link(&source, &target).map_err(CopyError::host("link", text(&target)))?;
            return Ok(());
        }
        entry.unpack(&target).map_err(|e| CopyError::Archive(e.to_string()))?;
        Ok(())
    }

    /// Makes sure `parent` exists and, links resolved, is inside the target directory.
    fn ensure_inside(&mut self, parent: &Path, name: &Path) -> Result<(), CopyError> {
        if self.inside.contains(parent) {
            return Ok(());
        }
        if !parent.exists() {
            std::fs::create_dir_all(parent).map_err(CopyError::host("mkdir", parent.display().to_string()))?;
        }
        let root = match &self.root {
            Some(root) => root,
            None => self.root.insert(std::fs::canonicalize(&self.dir).map_err(CopyError::host("lstat", self.dir.display().to_string()))?),
        };
        let real = std::fs::canonicalize(parent).map_err(CopyError::host("lstat", parent.display().to_string()))?;
        if !real.starts_with(root) {
            return Err(CopyError::OutsidePath(name.display().to_string()));
        }
        self.inside.insert(parent.to_path_buf());
        Ok(())
    }

    /// Gives the directories their modes and times, deepest first (writing into one changed
    /// its time, and a read-only one could not have been written into).
    fn finish(mut self) -> Result<(), CopyError> {
        use std::os::unix::fs::PermissionsExt;
        self.dirs.sort_by(|a, b| b.0.cmp(&a.0));
        for (dir, mode, mtime) in &self.dirs {
            let time = filetime::FileTime::from_unix_time(*mtime as i64, 0);
            filetime::set_file_times(dir, time, time).map_err(CopyError::host("chtimes", dir.display().to_string()))?;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(*mode & 0o7777))
                .map_err(CopyError::host("chmod", dir.display().to_string()))?;
        }
        Ok(())
    }
}

/// The archive as it arrives from the engine, read on a blocking thread.
struct ChannelReader {
    current: Bytes,
    rx: mpsc::Receiver<io::Result<Bytes>>,
}

impl ChannelReader {
    fn new(first: Bytes, rx: mpsc::Receiver<io::Result<Bytes>>) -> ChannelReader {
        ChannelReader { current: first, rx }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                Some(chunk) => self.current = chunk?,
                None => return Ok(0),
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}
