//! What on the host gets sent: directories that appeared are walked, each path is looked at
//! (without following symbolic links) and turned into an entry to copy or a path to delete,
//! and anything that could write outside the rule's target or read outside its path is
//! refused with a reason.

use std::collections::HashSet;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::pattern;
use super::rules::{Mapping, Rule};

/// One thing to put in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub host: PathBuf,
    /// Absolute container path.
    pub container: String,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    File { mode: u32, mtime: u64 },
    Dir { mode: u32, mtime: u64 },
    Symlink { target: String },
}

/// What to do for one mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Put(Entry),
    /// The host file is gone: remove this container path.
    Delete(String),
    /// Not sent (a socket, a symbolic link leaving the target...), and why.
    Refused {
        host: PathBuf,
        reason: String,
    },
}

/// The paths of a batch, with every directory that appeared expanded into its content
/// (files written into it before its watch was set up have no event of their own).
pub fn expand(paths: &[(PathBuf, bool)]) -> Vec<PathBuf> {
    let mut out = Vec::with_capacity(paths.len());
    let mut seen = HashSet::new();
    for (path, created) in paths {
        if seen.insert(path.clone()) {
            out.push(path.clone());
        }
        if *created && std::fs::symlink_metadata(path).is_ok_and(|m| m.is_dir()) {
            for e in walkdir::WalkDir::new(path).min_depth(1).follow_links(false).into_iter().flatten() {
                if seen.insert(e.path().to_path_buf()) {
                    out.push(e.into_path());
                }
            }
        }
    }
    out
}

/// The files `initial_sync` sends: everything under the rule's path the rule covers, except
/// ignored directories (skipped whole), Dockerfiles and compose files.
pub fn initial(rule: &Rule) -> Vec<Mapping> {
    const SKIP: [&str; 9] = [
        "Dockerfile",
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "compose.override.yaml",
        "compose.override.yml",
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
    ];
    let mut out = Vec::new();
    let walk = walkdir::WalkDir::new(&rule.path).follow_links(false).into_iter();
    for e in walk.filter_entry(|e| !rule.is_ignored(e.path())).flatten() {
        let name = e.file_name().to_string_lossy();
        if SKIP.contains(&name.as_ref()) {
            continue;
        }
        if let Some(m) = rule.matches(e.path()) {
            out.push(m);
        }
    }
    out
}

/// Looks at the host side of each mapping. `root` is the rule's path and `target` its
/// container target: a path reached through a symbolic link (so possibly from outside
/// `root`) or a link pointing outside `target` is refused.
pub struct Classifier<'a> {
    root: &'a Path,
    target: &'a str,
    /// Directories already checked to be really under `root`.
    checked: HashSet<PathBuf>,
}

impl<'a> Classifier<'a> {
    pub fn new(root: &'a Path, target: &'a str) -> Classifier<'a> {
        Classifier { root, target, checked: HashSet::new() }
    }

    pub fn classify(&mut self, m: &Mapping) -> Change {
        let refuse = |reason: &str| Change::Refused { host: m.host.clone(), reason: reason.to_string() };
        if !self.parent_is_inside(&m.host) {
            return refuse("it is reached through a symbolic link");
        }
        let meta = match std::fs::symlink_metadata(&m.host) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Change::Delete(m.container.clone()),
            Err(e) => return refuse(&e.to_string()),
        };
        let mode = meta.permissions().mode() & 0o7777;
        let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_secs());
        let kind = if meta.file_type().is_symlink() {
            let link = match std::fs::read_link(&m.host) {
                Ok(l) => l.to_string_lossy().into_owned(),
                Err(e) => return refuse(&e.to_string()),
            };
            if !link_stays_in(&m.container, &link, self.target) {
                return refuse(&format!("it is a symbolic link to {link}, outside {}", self.target));
            }
            EntryKind::Symlink { target: link }
        } else if meta.is_dir() {
            EntryKind::Dir { mode, mtime }
        } else if meta.is_file() {
            EntryKind::File { mode, mtime }
        } else {
            return refuse("it is not a regular file, a directory or a symbolic link");
        };
        Change::Put(Entry { host: m.host.clone(), container: m.container.clone(), kind })
    }

    /// Whether the directory holding `host` is `root` or below it once links are resolved.
    fn parent_is_inside(&mut self, host: &Path) -> bool {
        let Some(parent) = host.parent() else { return false };
        if host == self.root || self.checked.contains(parent) {
            return true;
        }
        let inside = match std::fs::canonicalize(parent) {
            Ok(real) => real.starts_with(self.root),
            // The directory is gone: only a deletion can follow, which reads nothing.
            Err(_) => true,
        };
        if inside {
            self.checked.insert(parent.to_path_buf());
        }
        inside
    }
}

/// Whether a link at container path `at` pointing to `link` resolves inside `target`.
fn link_stays_in(at: &str, link: &str, target: &str) -> bool {
    let parent = Path::new(at).parent().unwrap_or(Path::new("/"));
    let resolved = pattern::clean(&parent.join(link));
    let target = pattern::clean(Path::new(target));
    target == "/" || resolved == target || resolved.starts_with(&format!("{target}/"))
}

#[cfg(test)]
mod tests;
