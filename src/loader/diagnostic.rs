//! Loader errors and warnings.
//!
//! Every problem found in a compose file is a [`Diagnostic`]: where it is (file, line, column),
//! which key it is about (`services.web.ports[0]`), and what was expected. The loader never
//! panics on bad input; each pass returns `Result<_, Diagnostic>`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{OnceLock, RwLock};

/// A source file known to the loader. Interned so that [`Pos`] stays `Copy` and small.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FileId(u32);

fn files() -> &'static RwLock<Vec<PathBuf>> {
    static FILES: OnceLock<RwLock<Vec<PathBuf>>> = OnceLock::new();
    FILES.get_or_init(|| RwLock::new(vec![PathBuf::from("<unknown>")]))
}

impl FileId {
    /// The id used for nodes that were not read from a file (defaults, values made by a pass).
    pub const NONE: FileId = FileId(0);

    /// Registers a path (or returns the id it already has).
    pub fn intern(path: &Path) -> FileId {
        if let Some(i) = files().read().unwrap().iter().position(|p| p == path) {
            return FileId(i as u32);
        }
        let mut all = files().write().unwrap();
        all.push(path.to_path_buf());
        FileId((all.len() - 1) as u32)
    }

    pub fn path(self) -> PathBuf {
        files().read().unwrap().get(self.0 as usize).cloned().unwrap_or_default()
    }

    /// The name shown in messages: relative to the current directory when possible.
    pub fn display_name(self) -> String {
        let p = self.path();
        if let Ok(cwd) = std::env::current_dir() {
            if let Ok(rel) = p.strip_prefix(&cwd) {
                return rel.display().to_string();
            }
        }
        p.display().to_string()
    }
}

/// A position in a source file: 1-based line and column. `line == 0` means unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Pos {
    pub file: FileId,
    pub line: u32,
    pub col: u32,
}

impl Pos {
    pub const UNKNOWN: Pos = Pos { file: FileId::NONE, line: 0, col: 0 };

    pub fn new(file: FileId, line: u32, col: u32) -> Pos {
        Pos { file, line, col }
    }

    pub fn is_known(&self) -> bool {
        self.file != FileId::NONE
    }
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.file == FileId::NONE {
            return write!(f, "<unknown>");
        }
        if self.line == 0 {
            return write!(f, "{}", self.file.display_name());
        }
        write!(f, "{}:{}:{}", self.file.display_name(), self.line, self.col)
    }
}

/// What kind of problem a diagnostic reports; decides the exit code, as in Docker Compose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    /// The compose files are wrong (exit code 15).
    #[default]
    Invalid,
    /// No compose file was found (exit code 14).
    NoConfig,
    /// Anything else: a bad option value, a missing env file (exit code 1).
    Other,
}

/// One loader error: position, key path and message.
///
/// Displayed as `compose.yaml:4:5: services.app.ports: must be a list`.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub pos: Pos,
    /// Dotted key path with `[i]` for sequence items; empty when the error is about a whole file.
    pub path: String,
    pub message: String,
    pub kind: Kind,
}

impl Diagnostic {
    pub fn new(pos: Pos, path: impl Into<String>, message: impl Into<String>) -> Diagnostic {
        Diagnostic { pos, path: path.into(), message: message.into(), kind: Kind::Invalid }
    }

    /// An error about a file as a whole (missing, unreadable, empty).
    pub fn file(path: &Path, message: impl Into<String>) -> Diagnostic {
        Diagnostic { pos: Pos::new(FileId::intern(path), 0, 0), path: String::new(), message: message.into(), kind: Kind::Invalid }
    }

    /// An error with no source position (command-line input, environment).
    pub fn plain(message: impl Into<String>) -> Diagnostic {
        Diagnostic { pos: Pos::UNKNOWN, path: String::new(), message: message.into(), kind: Kind::Other }
    }

    /// No compose file could be found.
    pub fn no_config(message: impl Into<String>) -> Diagnostic {
        Diagnostic { kind: Kind::NoConfig, ..Diagnostic::plain(message) }
    }

    /// The exit code Docker Compose uses for this kind of problem.
    pub fn exit_code(&self) -> i32 {
        match self.kind {
            Kind::Invalid => 15,
            Kind::NoConfig => 14,
            Kind::Other => 1,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pos.is_known() {
            write!(f, "{}: ", self.pos)?;
        }
        if !self.path.is_empty() {
            write!(f, "{}: ", self.path)?;
        }
        write!(f, "{}", self.message)
    }
}

impl std::error::Error for Diagnostic {}

/// Joins a key path: `join("services.web", "ports")` is `services.web.ports`.
pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Appends a sequence index: `index("services.web.ports", 0)` is `services.web.ports[0]`.
pub fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}
