//! The tar stream a sync uploads, written (by `build::archive`, shared with build contexts) on
//! a blocking thread as the engine reads it, so a burst of thousands of files is one upload
//! that is never held whole in memory.
//!
//! Names are container paths without the leading `/` (the archive is extracted at `/`), modes
//! and modification times come from the host, owners are root. A file that vanished since it
//! was looked at is left out: its deletion comes with the next batch.

use std::io::{self, Write};
use std::path::Path;

use super::files::{Entry, EntryKind};
use crate::build::archive::{self, Changing};
use crate::engine::ByteStream;

/// A stream of the archive of `entries`, produced on a blocking thread.
pub fn stream(entries: Vec<Entry>) -> ByteStream {
    archive::stream(move |out| write(out, &entries)).0
}

/// Writes the archive of `entries` to `out`.
pub fn write<W: Write>(out: W, entries: &[Entry]) -> io::Result<()> {
    let mut tar = tar::Builder::new(out);
    for e in entries {
        let name = e.container.trim_start_matches('/');
        if name.is_empty() {
            continue;
        }
        match &e.kind {
            EntryKind::Dir { mode, mtime } => archive::append_dir(&mut tar, &mut archive::header(*mode, *mtime), name)?,
            EntryKind::Symlink { target } => archive::append_symlink(&mut tar, &mut archive::header(0o777, 0), name, Path::new(target))?,
            EntryKind::File { mode, mtime } => {
                archive::append_file(&mut tar, &mut archive::header(*mode, *mtime), name, &e.host, Changing::Tolerate)?;
            }
        }
    }
    tar.into_inner()?.flush()
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::os::unix::fs::PermissionsExt;

    use bytes::Bytes;
    use futures_util::StreamExt;

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
