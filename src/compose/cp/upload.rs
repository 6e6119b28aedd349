//! From the host into containers: the source is looked at once, then archived for each
//! container by the project's one tar writer (`build::archive`) under the name the
//! destination calls for, and extracted by the engine. A tar archive on standard input is
//! sent as it is, to every container at once.

use std::path::Path;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use super::paths::{self, Destination, Source};
use super::{CopyError, CopyOptions};
use crate::build::archive;
use crate::engine::{ArchiveOptions, ByteStream, ContainerSummary, Engine, PathKind};

/// Chunks of standard input buffered ahead of the slowest container.
const AHEAD: usize = 8;

/// The host source `path` (absolute), its symbolic links resolved as `docker cp` resolves
/// them: all of them with `follow`, else those of its parent only (a link is copied as a link).
pub fn host_source(path: &str, follow: bool) -> Result<Source, CopyError> {
    let (resolved, rebase) = if follow {
        let real = std::fs::canonicalize(path).map_err(CopyError::host("lstat", paths::clean(path)))?;
        paths::rebase_name(path, &real.to_string_lossy())
    } else {
        let cut = path.rfind('/').map_or(0, |i| i + 1);
        let (dir, base) = path.split_at(cut);
        let dir = if dir.is_empty() { "." } else { dir };
        let real = std::fs::canonicalize(dir).map_err(|e| match e.raw_os_error() {
            Some(libc::ENOTDIR) => CopyError::NotADirectory,
            _ => CopyError::host("lstat", paths::clean(dir))(e),
        })?;
        let resolved = format!("{}/{base}", real.to_string_lossy().trim_end_matches('/'));
        let rebase = (path.ends_with('/') && paths::split_dir_entry(path).1 != paths::split_dir_entry(&resolved).1)
            .then(|| paths::split_dir_entry(path).1);
        (resolved, rebase)
    };
    let target = paths::clean(&resolved);
    let meta = std::fs::symlink_metadata(&target).map_err(CopyError::host("lstat", target.as_str()))?;
    if paths::asserts_directory(&resolved) && !meta.is_dir() {
        return Err(CopyError::NotADirectory);
    }
    Ok(Source { path: resolved, is_dir: meta.is_dir(), rebase })
}

/// Copies `source` (or the archive `input`, for `-`) to `path` in container `c`.
pub async fn copy(
    engine: &dyn Engine,
    c: &ContainerSummary,
    source: Option<&Source>,
    input: Option<ByteStream>,
    path: &str,
    options: &CopyOptions,
) -> Result<(), CopyError> {
    let dst = destination(engine, &c.id, path).await?;
    let archive_options = ArchiveOptions { copy_uid_gid: options.archive, no_overwrite_dir_non_dir: true };
    let (dir, tar, failure) = match (source, input) {
        (Some(src), _) => {
            let placement = paths::place(src, &dst)?;
            let root = paths::clean(&src.path);
            let top = placement.top.clone();
            let (tar, failure) = archive::stream(move |out| {
                let mut tar = tar::Builder::new(out);
                archive::append_tree(&mut tar, Path::new(&root), &top)?;
                tar.finish()
            });
            (placement.dir, tar, Some(failure))
        }
        (None, Some(input)) => {
            if !(dst.exists && dst.is_dir) {
                return Err(CopyError::StdinNeedsDir { container: c.id.clone(), path: path.to_string() });
            }
            (dst.path, input, None)
        }
        (None, None) => unreachable!("a copy to a service has a host source or standard input"),
    };
    let sent = engine.put_archive_with(&c.id, &dir, tar, archive_options).await;
    // The engine's view of an upload cut short is vaguer than the writer's own failure.
    if let Some(why) = failure.and_then(|f| f.lock().expect("never poisoned").take()) {
        return Err(CopyError::Archive(why));
    }
    Ok(sent?)
}

/// What `path` is in the container, a symbolic link followed once, as `docker cp` looks.
async fn destination(engine: &dyn Engine, id: &str, path: &str) -> Result<Destination, CopyError> {
    let mut dst = Destination { path: path.to_string(), exists: false, is_dir: false };
    let mut stat = engine.stat_path(id, path).await;
    if let Ok(s) = &stat {
        if s.kind == PathKind::Symlink {
            let target = if s.link_target.starts_with('/') {
                s.link_target.clone()
            } else {
                format!("{}/{}", paths::split_dir_entry(path).0, s.link_target)
            };
            dst.path = paths::clean(&target);
            stat = engine.stat_path(id, &dst.path).await;
        }
    }
    if let Ok(s) = stat {
        let got = match s.kind {
            PathKind::Device => Some("a device"),
            PathKind::Irregular => Some("an irregular file"),
            _ => None,
        };
        if let Some(got) = got {
            return Err(CopyError::BadDestination { container: id.to_string(), path: path.to_string(), got });
        }
        dst.exists = true;
        dst.is_dir = s.kind == PathKind::Directory;
    }
    Ok(dst)
}

/// `input` for `n` containers: itself for one; else one stream each, fed by the returned pump
/// (to be run beside the uploads) as the slowest reader allows. A reader that gives up (its
/// upload failed) is left out; the others go on.
pub fn fan_out(input: ByteStream, n: usize) -> (Option<BoxFuture<'static, ()>>, Vec<Option<ByteStream>>) {
    if n <= 1 {
        return (None, vec![Some(input)]);
    }
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..n).map(|_| mpsc::channel::<std::io::Result<Bytes>>(AHEAD)).unzip();
    let pump = async move {
        let mut input = input;
        let mut senders: Vec<_> = senders.into_iter().map(Some).collect();
        while let Some(item) = input.next().await {
            let failed = item.is_err();
            for slot in senders.iter_mut() {
                let Some(tx) = slot else { continue };
                let copy = match &item {
                    Ok(bytes) => Ok(bytes.clone()),
                    Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
                };
                if tx.send(copy).await.is_err() {
                    *slot = None;
                }
            }
            if failed || senders.iter().all(Option::is_none) {
                break;
            }
        }
    }
    .boxed();
    let streams = receivers
        .into_iter()
        .map(|rx| Some(futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed()))
        .collect();
    (Some(pump), streams)
}
