//! The build context as a tar archive, produced the way the Docker CLI produces it for the
//! classic builder: files the context's `.dockerignore` excludes are left out (the Dockerfile
//! and `.dockerignore` are always sent, the engine drops them itself when they are ignored),
//! owners are root, symbolic links are kept as links, modes and times are kept.
//!
//! A Dockerfile from outside the context, or a `dockerfile_inline`, travels inside the archive
//! under a generated name (`.dockerfile.<hash>`), which is appended to the archived
//! `.dockerignore` (made up, listing itself, when the context has none) so that the engine
//! leaves both out of the context it builds from.
//!
//! The directory is scanned first (so that a missing Dockerfile or a bad pattern fails before
//! any byte is sent), then the archive is written lazily as the request body reads it
//! (`archive`, which `watch` uses too); a file that changed since the scan fails the build.

use std::fs::{self, File, Metadata};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tar::{Header, HeaderMode};

use super::archive::{self, Changing};
use super::ignore::Ignore;
use super::{BuildError, Dockerfile};
use crate::engine::ByteStream;

/// A scanned build context, ready to be archived.
#[derive(Debug)]
pub struct Context {
    /// What to archive, in walk order (lexical, parents before children).
    entries: Vec<Entry>,
    /// The `.dockerignore` text to send, when one is sent.
    dockerignore: Option<Vec<u8>>,
    /// A Dockerfile that is not a file of the context: its name in the archive and its text.
    extra: Option<(String, Vec<u8>)>,
    /// The Dockerfile's path inside the archive, for the engine's `dockerfile` option.
    pub dockerfile: String,
}

#[derive(Debug)]
struct Entry {
    /// `/`-separated, relative to the context.
    name: String,
    path: PathBuf,
    meta: Metadata,
}

/// Where the writer's failure is kept, so that a failed build can say the context was the
/// problem rather than report the engine's view of a truncated upload.
pub type ContextError = archive::Failure;

impl Context {
    /// Scans `dir` for `dockerfile`: reads `.dockerignore`, checks that the Dockerfile exists,
    /// and lists what will be sent.
    pub fn scan(dir: &Path, dockerfile: &Dockerfile) -> Result<Context, BuildError> {
        let err = |path: &Path, message: String| BuildError::Context { path: path.to_path_buf(), message };
        if !fs::metadata(dir).map(|m| m.is_dir()).unwrap_or(false) {
            return Err(err(dir, "not a directory".into()));
        }
        let ignore_path = dir.join(".dockerignore");
        let dockerignore = match fs::read(&ignore_path) {
            Ok(bytes) => Some(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(err(&ignore_path, e.to_string())),
        };
        let mut ignore =
            Ignore::parse(&String::from_utf8_lossy(dockerignore.as_deref().unwrap_or_default())).map_err(|m| err(&ignore_path, m))?;
        let (dockerfile, extra) = match dockerfile {
            Dockerfile::InContext(name) => {
                let path = dir.join(name);
                if !path.is_file() {
                    return Err(err(&path, "cannot locate the Dockerfile".into()));
                }
                (name.clone(), None)
            }
            Dockerfile::Outside(path) => {
                let text = fs::read(path).map_err(|e| err(path, format!("cannot read the Dockerfile: {e}")))?;
                (extra_name(&text), Some(text))
            }
            Dockerfile::Inline(text) => (extra_name(text.as_bytes()), Some(text.clone().into_bytes())),
        };
        ignore.keep(&dockerfile);
        ignore.keep(".dockerignore");
        let mut entries = Vec::new();
        walk(dir, "", &ignore, &mut entries)?;
        let extra = extra.map(|text| (dockerfile.clone(), text));
        Ok(Context { entries, dockerignore, extra, dockerfile })
    }

    /// The archived names, in order (for tests and debugging).
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.entries.iter().map(|e| e.name.clone()).collect();
        if self.extra.is_some() && self.dockerignore.is_none() {
            names.push(".dockerignore".into());
        }
        names.extend(self.extra.iter().map(|(n, _)| n.clone()));
        names
    }

    /// Writes the archive.
    pub fn write<W: Write>(&self, out: W) -> io::Result<()> {
        let mut tar = tar::Builder::new(out);
        for e in &self.entries {
            let mut h = Header::new_gnu();
            h.set_metadata_in_mode(&e.meta, HeaderMode::Complete);
            h.set_uid(0);
            h.set_gid(0);
            let ft = e.meta.file_type();
            if ft.is_dir() {
                archive::append_dir(&mut tar, &mut h, &e.name)?;
            } else if ft.is_symlink() {
                archive::append_symlink(&mut tar, &mut h, &e.name, &fs::read_link(&e.path)?)?;
            } else if e.name == ".dockerignore" && self.dockerignore.is_some() {
                archive::append_data(&mut tar, &mut h, &e.name, &self.ignore_text())?;
            } else {
                archive::append_file(&mut tar, &mut h, &e.name, &e.path, Changing::Fail)?;
            }
        }
        if let Some((name, text)) = &self.extra {
            if self.dockerignore.is_none() {
                archive::append_data(&mut tar, &mut archive::header(0o600, 0), ".dockerignore", &self.ignore_text())?;
            }
            archive::append_data(&mut tar, &mut archive::header(0o600, 0), name, text)?;
        }
        tar.into_inner()?.flush()
    }

    /// The `.dockerignore` to send: the context's own, plus the generated Dockerfile's name.
    /// One made up for the purpose lists itself, so that it does not end up in the image either.
    fn ignore_text(&self) -> Vec<u8> {
        let mut text = self.dockerignore.clone().unwrap_or_else(|| b".dockerignore".to_vec());
        if let Some((name, _)) = &self.extra {
            text.extend_from_slice(format!("\n{name}\n").as_bytes());
        }
        text
    }

    /// The archive as a request body, written by a blocking task as the body is read. The
    /// writer's failure is both an error item of the stream and kept in the returned slot.
    pub fn into_stream(self) -> (ByteStream, ContextError) {
        archive::stream(move |out| self.write(out))
    }
}

/// Lists what to send below `dir` (`rel` is its path in the context, empty for the root).
fn walk(dir: &Path, rel: &str, ignore: &Ignore, out: &mut Vec<Entry>) -> Result<(), BuildError> {
    let err = |path: &Path, e: io::Error| BuildError::Context { path: path.to_path_buf(), message: e.to_string() };
    let mut children: Vec<(String, PathBuf)> = Vec::new();
    for item in fs::read_dir(dir).map_err(|e| err(dir, e))? {
        let item = item.map_err(|e| err(dir, e))?;
        children.push((item.file_name().to_string_lossy().into_owned(), item.path()));
    }
    children.sort();
    for (name, path) in children {
        let name = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        let meta = fs::symlink_metadata(&path).map_err(|e| err(&path, e))?;
        let ft = meta.file_type();
        if !(ft.is_dir() || ft.is_file() || ft.is_symlink()) {
            continue; // sockets, fifos and devices have no place in a context
        }
        let excluded = ignore.is_excluded(&name);
        if ft.is_dir() {
            if !excluded {
                out.push(Entry { name: name.clone(), path: path.clone(), meta });
            }
            if !excluded || !ignore.skips_dir(&name) {
                walk(&path, &name, ignore, out)?;
            }
        } else if !excluded {
            if ft.is_file() {
                File::open(&path).map_err(|e| err(&path, e))?;
            }
            out.push(Entry { name, path, meta });
        }
    }
    Ok(())
}

/// `.dockerfile.` and the first 20 hex digits of the text's SHA-256: stable across runs, so
/// that the engine's build cache is not defeated by a random name.
fn extra_name(text: &[u8]) -> String {
    format!(".dockerfile.{}", &hex::encode(Sha256::digest(text))[..20])
}

#[cfg(test)]
mod tests;
