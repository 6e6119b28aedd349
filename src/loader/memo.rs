//! A memo of documents already found valid, so that an unchanged compose file is not checked
//! against the schema on every command.
//!
//! Compiling the JSON Schema is most of the work of loading a small project (about three
//! quarters of `config` on a one-screen file), and commands such as `ps` or a no-op `up` load the
//! same, unchanged file again and again. The memo records a digest of each document that passed
//! validation, taken after interpolation (so a change of environment is a new document) and
//! salted with the schema itself (so a new schema starts a new memo). A document whose digest is
//! recorded is valid by the same rules it was valid by before; anything else is validated as
//! usual. Invalid documents are never recorded, so every error is found again and reported
//! with its position.
//!
//! The memo is one small file of hex digests, the most recent last, rewritten through a
//! temporary file and a rename so a reader never sees half of it. It is only a cache: when it
//! cannot be read or written, validation simply runs.

use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::diagnostic::Diagnostic;
use super::validate;
use super::yaml::{Node, Value};

/// How many digests the memo keeps (a few kilobytes).
const CAPACITY: usize = 256;

/// The memo file's name in the cache directory.
const FILE: &str = "valid-documents";

/// The schema's identity, computed when the binary is built: a new schema invalidates every
/// recorded digest.
const SCHEMA_ID: u64 = fnv1a(validate::SCHEMA_TEXT.as_bytes());

const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// The memo kept in one directory.
#[derive(Clone, Debug)]
pub struct Memo {
    path: PathBuf,
}

impl Memo {
    /// The memo in `dir` (created when first written).
    pub fn new(dir: &Path) -> Memo {
        Memo { path: dir.join(FILE) }
    }

    /// The directory the command line uses: `$XDG_CACHE_HOME/rcompose`, else
    /// `$HOME/.cache/rcompose`; none when `RCOMPOSE_NO_CACHE` is set or neither is known.
    pub fn default_dir(environ: &[(String, String)]) -> Option<PathBuf> {
        let get = |name: &str| environ.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
        if get("RCOMPOSE_NO_CACHE").is_some() {
            return None;
        }
        match (get("XDG_CACHE_HOME"), get("HOME")) {
            (Some(cache), _) => Some(Path::new(cache).join("rcompose")),
            (None, Some(home)) => Some(Path::new(home).join(".cache").join("rcompose")),
            (None, None) => None,
        }
    }

    /// Validates `node` unless the memo says this very document was valid before; records it
    /// when it is.
    pub fn validate(&self, node: &Node) -> Result<(), Diagnostic> {
        let digest = digest(node);
        let recorded = self.read();
        if recorded.contains(&digest) {
            return Ok(());
        }
        validate::validate(node)?;
        self.record(recorded, digest);
        Ok(())
    }

    /// Whether the memo holds this document (for tests).
    pub fn holds(&self, node: &Node) -> bool {
        let digest = digest(node);
        self.read().contains(&digest)
    }

    fn read(&self) -> Vec<String> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => text.lines().filter(|l| l.len() == 64 && l.bytes().all(|b| b.is_ascii_hexdigit())).map(String::from).collect(),
            Err(_) => Vec::new(),
        }
    }

    fn record(&self, mut digests: Vec<String>, digest: String) {
        digests.push(digest);
        let keep = &digests[digests.len().saturating_sub(CAPACITY)..];
        let Some(dir) = self.path.parent() else { return };
        if std::fs::create_dir_all(dir).is_err() {
            return;
        }
        let text: String = keep.iter().map(|d| format!("{d}\n")).collect();
        let tmp = dir.join(format!(".{FILE}.{}", std::process::id()));
        let written =
            std::fs::File::create(&tmp).and_then(|mut f| f.write_all(text.as_bytes())).and_then(|_| std::fs::rename(&tmp, &self.path));
        if let Err(e) = written {
            tracing::debug!("validation memo not written: {e}");
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// The digest of a document's content (values, keys, tags and the schema; not positions).
fn digest(node: &Node) -> String {
    let mut hasher = Sha256::new();
    hasher.update(SCHEMA_ID.to_le_bytes());
    feed(&mut hasher, node);
    let mut out = String::with_capacity(64);
    for b in hasher.finalize() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

fn feed(h: &mut Sha256, node: &Node) {
    h.update([node.tag as u8]);
    match &node.value {
        Value::Null => h.update(b"n"),
        Value::Bool(b) => h.update(if *b { b"t" } else { b"f" }),
        Value::Int(i) => {
            h.update(b"i");
            h.update(i.to_le_bytes());
        }
        Value::Float(f) => {
            h.update(b"d");
            h.update(f.to_bits().to_le_bytes());
        }
        Value::Str(s) => {
            h.update(b"s");
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        }
        Value::Seq(items) => {
            h.update(b"[");
            h.update((items.len() as u64).to_le_bytes());
            items.iter().for_each(|i| feed(h, i));
        }
        Value::Map(map) => {
            h.update(b"{");
            h.update((map.len() as u64).to_le_bytes());
            for (k, v) in map {
                h.update((k.len() as u64).to_le_bytes());
                h.update(k.as_bytes());
                feed(h, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{source, yaml};

    fn doc(text: &str) -> Node {
        yaml::parse(text, source::file_id(Path::new("compose.yaml"))).unwrap().remove(0)
    }

    #[test]
    fn a_valid_document_is_recorded_and_an_invalid_one_never() {
        let dir = tempfile::tempdir().unwrap();
        let memo = Memo::new(dir.path());
        let good = doc("services:\n  web:\n    image: busybox\n");
        assert!(!memo.holds(&good));
        memo.validate(&good).unwrap();
        assert!(memo.holds(&good));
        memo.validate(&good).unwrap();

        let bad = doc("services:\n  web:\n    image: busybox\n    ports: 80\n");
        let first = memo.validate(&bad).unwrap_err();
        assert!(!memo.holds(&bad));
        // Found again, at the same place, every time.
        let second = memo.validate(&bad).unwrap_err();
        assert_eq!((first.path, first.pos.line), (second.path, second.pos.line));
    }

    #[test]
    fn any_change_of_content_is_a_new_document() {
        let a = doc("services: {web: {image: busybox, environment: {A: '1'}}}");
        let b = doc("services: {web: {image: busybox, environment: {A: '2'}}}");
        let c = doc("services: {web: {image: busybox, environment: {A: 1}}}");
        let moved = doc("services:\n\n  web: {image: busybox, environment: {A: '1'}}");
        assert_ne!(digest(&a), digest(&b));
        assert_ne!(digest(&a), digest(&c));
        assert_eq!(digest(&a), digest(&moved), "positions are not content");
    }

    #[test]
    fn a_damaged_or_unwritable_memo_only_means_validating() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), "not a digest\n\u{0}\u{1}garbage").unwrap();
        let memo = Memo::new(dir.path());
        let good = doc("services: {web: {image: busybox}}");
        memo.validate(&good).unwrap();
        assert!(memo.holds(&good));

        let file_in_the_way = dir.path().join("file");
        std::fs::write(&file_in_the_way, "").unwrap();
        let memo = Memo::new(&file_in_the_way.join("sub"));
        memo.validate(&good).unwrap();
        assert!(memo.validate(&doc("services: {web: {image: [1]}}")).is_err());
    }

    #[test]
    fn the_memo_keeps_the_most_recent_documents() {
        let dir = tempfile::tempdir().unwrap();
        let memo = Memo::new(dir.path());
        let docs: Vec<Node> = (0..CAPACITY + 1).map(|i| doc(&format!("services: {{s{i}: {{image: busybox}}}}"))).collect();
        docs.iter().for_each(|d| memo.validate(d).unwrap());
        assert!(!memo.holds(&docs[0]));
        assert!(memo.holds(&docs[1]) && memo.holds(&docs[CAPACITY]));
    }

    #[test]
    fn the_directory_follows_the_environment() {
        let env = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
        assert_eq!(Memo::default_dir(&env(&[("HOME", "/h")])), Some(PathBuf::from("/h/.cache/rcompose")));
        assert_eq!(Memo::default_dir(&env(&[("HOME", "/h"), ("XDG_CACHE_HOME", "/c")])), Some(PathBuf::from("/c/rcompose")));
        assert_eq!(Memo::default_dir(&env(&[("HOME", "/h"), ("RCOMPOSE_NO_CACHE", "1")])), None);
        assert_eq!(Memo::default_dir(&env(&[])), None);
    }
}
