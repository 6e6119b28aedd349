//! The tar stream a sync uploads: written by a blocking thread as the engine reads it, so a
//! burst of thousands of files is one upload that is never held whole in memory.
//!
//! Names are container paths without the leading `/` (the archive is extracted at `/`), modes
//! and modification times come from the host, owners are root. A file that vanished since it
//! was looked at is left out: its deletion comes with the next batch.

use std::fs::File;
use std::io::{self, Read, Write};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::files::{Entry, EntryKind};
use crate::engine::ByteStream;

/// Bytes per chunk sent to the engine.
const CHUNK: usize = 256 * 1024;
/// Files up to this size are read whole before their header is written, so that a file
/// growing meanwhile still makes a consistent entry.
const READ_WHOLE: u64 = 8 * 1024 * 1024;

/// A stream of the archive of `entries`, produced on a blocking thread.
pub fn stream(entries: Vec<Entry>) -> ByteStream {
    let (tx, rx) = mpsc::channel::<io::Result<Bytes>>(8);
    tokio::task::spawn_blocking(move || {
        let writer = ChunkWriter { tx: tx.clone(), buf: Vec::with_capacity(CHUNK) };
        if let Err(e) = write(writer, &entries) {
            // The reader sees the error and the upload fails; nothing else to do here.
            let _ = tx.blocking_send(Err(e));
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed()
}

/// Writes the archive of `entries` to `out`.
pub fn write<W: Write>(out: W, entries: &[Entry]) -> io::Result<()> {
    let mut tar = tar::Builder::new(out);
    for e in entries {
        let name = e.container.trim_start_matches('/');
        if name.is_empty() {
            continue;
        }
        let mut h = tar::Header::new_gnu();
        h.set_uid(0);
        h.set_gid(0);
        match &e.kind {
            EntryKind::Dir { mode, mtime } => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(*mode);
                h.set_mtime(*mtime);
                h.set_size(0);
                tar.append_data(&mut h, format!("{name}/"), io::empty())?;
            }
            EntryKind::Symlink { target } => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                tar.append_link(&mut h, name, target)?;
            }
            EntryKind::File { mode, mtime } => {
                let mut file = match File::open(&e.host) {
                    Ok(f) => f,
                    Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                    Err(err) => return Err(io::Error::new(err.kind(), format!("{}: {err}", e.host.display()))),
                };
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_mtime(*mtime);
                let size = file.metadata()?.len();
                if size <= READ_WHOLE {
                    let mut content = Vec::with_capacity(size as usize);
                    file.read_to_end(&mut content)?;
                    h.set_size(content.len() as u64);
                    tar.append_data(&mut h, name, content.as_slice())?;
                } else {
                    // Exactly `size` bytes: cut if the file grew, zero-padded if it shrank.
                    h.set_size(size);
                    let exact = file.take(size).chain(io::repeat(0)).take(size);
                    tar.append_data(&mut h, name, exact)?;
                }
            }
        }
    }
    tar.into_inner()?.flush()
}

/// Cuts what the tar builder writes into chunks for the channel.
struct ChunkWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
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
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn entry(host: &std::path::Path, container: &str, kind: EntryKind) -> Entry {
        Entry { host: host.to_path_buf(), container: container.into(), kind }
    }

    #[test]
    fn entries_keep_names_modes_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("run.sh");
        std::fs::write(&f, "echo hi\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o755)).unwrap();
        let long = format!("/app/{}/x.txt", "d".repeat(150));
        let entries = vec![
            entry(dir.path(), "/app/bin", EntryKind::Dir { mode: 0o750, mtime: 0 }),
            entry(&f, "/app/bin/run.sh", EntryKind::File { mode: 0o755, mtime: 5 }),
            entry(&f, &long, EntryKind::File { mode: 0o644, mtime: 0 }),
            entry(&f, "/app/link", EntryKind::Symlink { target: "bin/run.sh".into() }),
            entry(&dir.path().join("gone"), "/app/gone", EntryKind::File { mode: 0o644, mtime: 0 }),
        ];
        let mut bytes = Vec::new();
        write(&mut bytes, &entries).unwrap();
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut seen = Vec::new();
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let path = e.path().unwrap().display().to_string();
            let mode = e.header().mode().unwrap();
            let mut content = String::new();
            e.read_to_string(&mut content).unwrap();
            let link = e.link_name().unwrap().map(|l| l.display().to_string());
            seen.push((path, mode, content, link));
        }
        assert_eq!(seen.len(), 4, "the vanished file is left out: {seen:?}");
        assert_eq!(seen[0].0, "app/bin/");
        assert_eq!(seen[0].1, 0o750);
        assert_eq!((seen[1].0.as_str(), seen[1].1, seen[1].2.as_str()), ("app/bin/run.sh", 0o755, "echo hi\n"));
        assert_eq!(seen[2].0, long.trim_start_matches('/'));
        assert_eq!(seen[3].3.as_deref(), Some("bin/run.sh"));
    }

    #[tokio::test]
    async fn the_stream_carries_the_whole_archive_in_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let mut entries = Vec::new();
        for i in 0..300 {
            let f = dir.path().join(format!("f{i}"));
            std::fs::write(&f, vec![b'x'; 2000]).unwrap();
            entries.push(entry(&f, &format!("/app/f{i}"), EntryKind::File { mode: 0o644, mtime: 0 }));
        }
        let mut expected = Vec::new();
        write(&mut expected, &entries).unwrap();
        let chunks: Vec<Bytes> = stream(entries).map(|c| c.unwrap()).collect().await;
        assert!(chunks.len() > 1);
        assert_eq!(chunks.concat(), expected);
    }
}
