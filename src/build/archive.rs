//! Tar archives sent to the engine, in one place: the build context (`context`), the files
//! `watch` syncs into containers and what `cp` copies into one all go through here.
//!
//! Entries are owned by root ([`header`]), or by whom the host says, with the host's modes and
//! times ([`header_of`], as `docker cp` sends them); symbolic links are kept as links, hard
//! links as links to the first entry of the same file; directories end in `/`. What
//! a file that changes while it is archived becomes is the caller's choice ([`Changing`]): a
//! build fails rather than send a context that is not what was scanned, a sync sends what it
//! finds (the next batch brings the rest).
//!
//! The archive is written lazily by a blocking task into a bounded channel, read by the
//! request body as a stream: a large archive is never held in memory, and the task ends when
//! the stream is dropped (every send then fails).

use std::collections::HashMap;
use std::fs::{File, Metadata};
use std::io::{self, Read, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
use tar::{EntryType, Header, HeaderMode};

use crate::engine::ByteStream;

/// How many bytes the writer gathers before handing a chunk to the request body.
const CHUNK: usize = 256 * 1024;
/// Chunks written ahead of the reader.
const AHEAD: usize = 4;
/// With [`Changing::Tolerate`], files up to this size are read whole before their header is
/// written, so that a file growing meanwhile still makes a consistent entry.
const READ_WHOLE: u64 = 8 * 1024 * 1024;

/// What to do with a file that changes (or vanishes) while it is being archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Changing {
    /// The archive fails, naming the file.
    Fail,
    /// A vanished file is left out; one that changes size is archived as it was when opened
    /// (cut, or padded with zeros).
    Tolerate,
}

/// Where the writer's failure is kept, so that the caller can tell that the archive was the
/// problem rather than report the engine's view of a truncated upload.
pub type Failure = Arc<Mutex<Option<String>>>;

/// A regular-file header owned by root: mode, modification time (Unix seconds), no size yet.
pub fn header(mode: u32, mtime: u64) -> Header {
    let mut h = Header::new_gnu();
    h.set_entry_type(EntryType::Regular);
    h.set_mode(mode);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// A header for the host file `meta` describes, as `docker cp` sends it: its type, its
/// permission bits (with setuid, setgid and sticky), modification time and numeric owners.
pub fn header_of(meta: &Metadata) -> Header {
    let mut h = Header::new_gnu();
    h.set_metadata_in_mode(meta, HeaderMode::Complete);
    h.set_mode(meta.mode() & 0o7777);
    h.set_size(0);
    h
}

/// Appends directory `name` (without its trailing `/`).
pub fn append_dir<W: Write>(tar: &mut tar::Builder<W>, h: &mut Header, name: &str) -> io::Result<()> {
    h.set_entry_type(EntryType::Directory);
    h.set_size(0);
    tar.append_data(h, format!("{name}/"), io::empty())
}

/// Appends a symbolic link `name` pointing to `target`.
pub fn append_symlink<W: Write>(tar: &mut tar::Builder<W>, h: &mut Header, name: &str, target: &Path) -> io::Result<()> {
    h.set_entry_type(EntryType::Symlink);
    h.set_size(0);
    tar.append_link(h, name, target)
}

/// Appends `name` as a hard link to `target`, an entry written before it in the archive.
pub fn append_hard_link<W: Write>(tar: &mut tar::Builder<W>, h: &mut Header, name: &str, target: &str) -> io::Result<()> {
    h.set_entry_type(EntryType::Link);
    h.set_size(0);
    tar.append_link(h, name, target)
}

/// Appends bytes made up by the caller as regular file `name`.
pub fn append_data<W: Write>(tar: &mut tar::Builder<W>, h: &mut Header, name: &str, data: &[u8]) -> io::Result<()> {
    h.set_size(data.len() as u64);
    tar.append_data(h, name, data)
}

/// Appends the host file `path` as regular file `name`. Returns false when the file was
/// gone and `changing` allows leaving it out.
pub fn append_file<W: Write>(tar: &mut tar::Builder<W>, h: &mut Header, name: &str, path: &Path, changing: Changing) -> io::Result<bool> {
    let with_path = |err: io::Error| io::Error::new(err.kind(), format!("{}: {err}", path.display()));
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(err) if err.kind() == io::ErrorKind::NotFound && changing == Changing::Tolerate => return Ok(false),
        Err(err) => return Err(with_path(err)),
    };
    let size = file.metadata()?.len();
    match changing {
        Changing::Fail => {
            h.set_size(size);
            tar.append_data(h, name, Exact { inner: file.take(size), left: size, path })?;
        }
        Changing::Tolerate if size <= READ_WHOLE => {
            let mut content = Vec::with_capacity(size as usize);
            file.read_to_end(&mut content)?;
            h.set_size(content.len() as u64);
            tar.append_data(h, name, content.as_slice())?;
        }
        Changing::Tolerate => {
            // Exactly `size` bytes: cut if the file grew, zero-padded if it shrank.
            h.set_size(size);
            tar.append_data(h, name, file.take(size).chain(io::repeat(0)).take(size))?;
        }
    }
    Ok(true)
}

/// Appends the host file or tree at `path` as it is, its top entry named `name` (`.` for a
/// tree whose content is extracted into the target directory itself) and the rest under it:
/// [`header_of`] each entry, symbolic links kept as links (a link at `path` itself too: the
/// caller resolves it first to send what it leads to), hard links within the tree as links,
/// sockets left out (as `docker cp` leaves them out). A file that shrinks while it is read
/// fails the archive.
pub fn append_tree<W: Write>(tar: &mut tar::Builder<W>, path: &Path, name: &str) -> io::Result<()> {
    let with_path = |err: io::Error, p: &Path| io::Error::new(err.kind(), format!("{}: {err}", p.display()));
    let mut first_of_inode: HashMap<(u64, u64), String> = HashMap::new();
    for entry in walkdir::WalkDir::new(path).follow_links(false).follow_root_links(false).sort_by_file_name() {
        let entry = entry.map_err(io::Error::from)?;
        let meta = entry.path().symlink_metadata().map_err(|e| with_path(e, entry.path()))?;
        let rel = entry.path().strip_prefix(path).expect("walkdir yields paths under its root");
        let entry_name = match (name, rel.as_os_str().is_empty()) {
            (_, true) => name.to_string(),
            (".", false) => rel.to_string_lossy().into_owned(),
            (_, false) => format!("{name}/{}", rel.to_string_lossy()),
        };
        let mut h = header_of(&meta);
        let kind = meta.file_type();
        use std::os::unix::fs::FileTypeExt;
        if kind.is_dir() {
            append_dir(tar, &mut h, &entry_name)?;
        } else if kind.is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(|e| with_path(e, entry.path()))?;
            append_symlink(tar, &mut h, &entry_name, &target)?;
        } else if kind.is_file() {
            if meta.nlink() > 1 {
                match first_of_inode.get(&(meta.dev(), meta.ino())) {
                    Some(first) => {
                        append_hard_link(tar, &mut h, &entry_name, first)?;
                        continue;
                    }
                    None => {
                        first_of_inode.insert((meta.dev(), meta.ino()), entry_name.clone());
                    }
                }
            }
            append_file(tar, &mut h, &entry_name, entry.path(), Changing::Fail)?;
        } else if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
            let rdev = meta.rdev();
            h.set_device_major(libc::major(rdev))?;
            h.set_device_minor(libc::minor(rdev))?;
            tar.append_data(&mut h, &entry_name, io::empty())?;
        }
        // Sockets cannot be archived.
    }
    Ok(())
}

/// The archive `write` produces, as a stream written on a blocking thread while the engine
/// reads it. The writer's failure is both an error item of the stream and kept in the
/// returned slot; the reader going away is no failure.
pub fn stream<F>(write: F) -> (ByteStream, Failure)
where
    F: FnOnce(&mut ChunkWriter) -> io::Result<()> + Send + 'static,
{
    let failure: Failure = Arc::default();
    let (tx, rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(AHEAD);
    let slot = failure.clone();
    // Not awaited: the task ends when the archive is written or the receiver is dropped, and
    // its failure travels through the channel and the slot.
    drop(tokio::task::spawn_blocking(move || {
        let mut out = ChunkWriter { tx: tx.clone(), buf: Vec::with_capacity(CHUNK) };
        if let Err(e) = write(&mut out).and_then(|()| out.flush()) {
            if e.kind() != io::ErrorKind::BrokenPipe {
                *slot.lock().expect("never poisoned") = Some(e.to_string());
                let _ = tx.blocking_send(Err(e));
            }
        }
    }));
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed();
    (stream, failure)
}

/// A file's bytes, failing if the file shrank since its size went into the header.
struct Exact<'a, R> {
    inner: R,
    left: u64,
    path: &'a Path,
}

impl<R: Read> Read for Exact<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && self.left > 0 && !buf.is_empty() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("{}: changed while it was being sent", self.path.display())));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// Hands the archive to the request body in chunks.
pub struct ChunkWriter {
    tx: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChunkWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the upload was abandoned"))
    }
}

impl Write for ChunkWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(bytes: &[u8]) -> Vec<(String, EntryType, u64, String)> {
        let mut a = tar::Archive::new(bytes);
        a.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let mut text = String::new();
                e.read_to_string(&mut text).unwrap();
                (e.path().unwrap().display().to_string(), e.header().entry_type(), e.header().uid().unwrap(), text)
            })
            .collect()
    }

    #[test]
    fn a_vanished_file_fails_or_is_left_out_as_asked() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let mut tar = tar::Builder::new(Vec::new());
        assert!(!append_file(&mut tar, &mut header(0o644, 0), "gone", &gone, Changing::Tolerate).unwrap());
        let err = append_file(&mut tar, &mut header(0o644, 0), "gone", &gone, Changing::Fail).unwrap_err();
        assert!(err.to_string().contains("gone"), "{err}");
    }

    #[test]
    fn every_kind_of_entry_is_owned_by_root() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        std::fs::write(&f, "content").unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        append_dir(&mut tar, &mut header(0o755, 0), "d").unwrap();
        append_file(&mut tar, &mut header(0o644, 0), "d/f", &f, Changing::Fail).unwrap();
        append_file(&mut tar, &mut header(0o644, 0), "d/g", &f, Changing::Tolerate).unwrap();
        append_symlink(&mut tar, &mut header(0o777, 0), "d/l", Path::new("f")).unwrap();
        append_data(&mut tar, &mut header(0o600, 0), "made", b"up").unwrap();
        let got = entries(&tar.into_inner().unwrap());
        let summary: Vec<(&str, EntryType, u64, &str)> = got.iter().map(|(n, t, u, c)| (n.as_str(), *t, *u, c.as_str())).collect();
        assert_eq!(
            summary,
            [
                ("d/", EntryType::Directory, 0, ""),
                ("d/f", EntryType::Regular, 0, "content"),
                ("d/g", EntryType::Regular, 0, "content"),
                ("d/l", EntryType::Symlink, 0, ""),
                ("made", EntryType::Regular, 0, "up"),
            ]
        );
    }

    #[test]
    fn a_tree_keeps_the_hosts_modes_times_owners_and_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("f"), "content").unwrap();
        std::fs::set_permissions(root.join("f"), std::fs::Permissions::from_mode(0o4750)).unwrap();
        std::fs::hard_link(root.join("f"), root.join("g")).unwrap();
        std::os::unix::fs::symlink("f", root.join("l")).unwrap();
        let _socket = std::os::unix::net::UnixListener::bind(root.join("s")).unwrap();
        let meta = std::fs::metadata(root.join("f")).unwrap();
        let mut tar = tar::Builder::new(Vec::new());
        append_tree(&mut tar, &root, "top").unwrap();
        let bytes = tar.into_inner().unwrap();
        let mut a = tar::Archive::new(bytes.as_slice());
        let got: Vec<(String, EntryType, u32, u64, u64)> = a
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (e.path().unwrap().display().to_string(), h.entry_type(), h.mode().unwrap(), h.uid().unwrap(), h.mtime().unwrap())
            })
            .collect();
        let (uid, mtime) = (u64::from(meta.uid()), meta.mtime() as u64);
        assert_eq!(got[1], ("top/f".into(), EntryType::Regular, 0o4750, uid, mtime));
        assert_eq!((got[2].0.as_str(), got[2].1), ("top/g", EntryType::Link), "the second name of a file is a hard link");
        assert_eq!((got[3].0.as_str(), got[3].1), ("top/l", EntryType::Symlink));
        assert_eq!(got.len(), 4, "the socket is left out: {got:?}");

        let mut tar = tar::Builder::new(Vec::new());
        append_tree(&mut tar, &root.join("l"), "renamed").unwrap();
        let bytes = tar.into_inner().unwrap();
        let mut a = tar::Archive::new(bytes.as_slice());
        let only = a.entries().unwrap().next().unwrap().unwrap();
        assert_eq!((only.path().unwrap().display().to_string(), only.header().entry_type()), ("renamed".into(), EntryType::Symlink));
    }

    #[tokio::test]
    async fn the_stream_carries_the_archive_in_chunks_and_reports_a_failure() {
        let piece = vec![b'x'; CHUNK / 4];
        let (s, failure) = stream(move |out| (0..12).try_for_each(|_| out.write_all(&piece)));
        let chunks: Vec<Bytes> = s.map(|c| c.unwrap()).collect().await;
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks.concat().len(), 3 * CHUNK);
        assert!(failure.lock().unwrap().is_none());

        let (s, failure) = stream(|_| Err(io::Error::other("disk on fire")));
        let items: Vec<io::Result<Bytes>> = s.collect().await;
        assert!(matches!(items.as_slice(), [Err(e)] if e.to_string() == "disk on fire"));
        assert_eq!(failure.lock().unwrap().as_deref(), Some("disk on fire"));
    }
}
