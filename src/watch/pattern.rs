//! `.dockerignore` pattern syntax for watch rules, matched by the build's own `.dockerignore`
//! matcher (`build::Ignore`, Docker's pattern semantics): `*` and `?` never cross `/`, `[...]`
//! classes, `**` for any number of directories, `\` escapes, `!` exclusions applied in order
//! (the last pattern that matches decides), and a pattern matching a directory matches
//! everything under it, so `node_modules` ignores the whole tree.
//!
//! Watch rules keep absolute paths, so patterns are made absolute against a root (the rule's
//! `path` for `ignore`/`include`, the build context for `.dockerignore`) when compiled, as
//! Docker Compose does, and matched against absolute paths.

use std::path::{Component, Path};

use crate::build::Ignore;

/// A bad pattern: which one, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid pattern {pattern:?}: {reason}")]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

/// An ordered list of patterns; the empty matcher matches nothing.
#[derive(Debug, Clone, Default)]
pub struct Matcher {
    /// The patterns made absolute, written relative to `/`.
    ignore: Ignore,
    empty: bool,
}

impl Matcher {
    /// Compiles `patterns` (as written in a rule or a `.dockerignore`) against `root`.
    pub fn new<S: AsRef<str>>(root: &Path, patterns: &[S]) -> Result<Matcher, PatternError> {
        let mut absolute = Vec::new();
        for raw in patterns {
            let raw = raw.as_ref().trim();
            if raw.is_empty() {
                continue;
            }
            let (bang, body) = match raw.strip_prefix('!') {
                Some(rest) => ("!", rest.trim()),
                None => ("", raw),
            };
            if body.is_empty() {
                return Err(PatternError { pattern: raw.to_string(), reason: "\"!\" alone excludes nothing".into() });
            }
            let pattern = format!("{bang}{}", clean(&root.join(body)).trim_start_matches('/'));
            // Checked one by one, so that the error names the pattern as written.
            Ignore::from_patterns([&pattern]).map_err(|reason| PatternError { pattern: raw.to_string(), reason })?;
            absolute.push(pattern);
        }
        let ignore = Ignore::from_patterns(&absolute).map_err(|reason| PatternError { pattern: absolute.join(" "), reason })?;
        Ok(Matcher { ignore, empty: absolute.is_empty() })
    }

    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// Whether `path` (absolute), or one of its parent directories, is matched.
    pub fn matches(&self, path: &Path) -> bool {
        let path = path.to_string_lossy();
        let relative = path.trim_start_matches('/');
        !self.empty && !relative.is_empty() && self.ignore.is_excluded(relative)
    }
}

/// Lexical clean: `.` dropped, `..` applied, no trailing slash (Go's `filepath.Clean`).
pub fn clean(path: &Path) -> String {
    let mut parts: Vec<String> = Vec::new();
    for c in path.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop();
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    format!("/{}", parts.join("/"))
}

/// Reads a `.dockerignore`: one pattern a line, `#` comments, blank lines skipped, a leading
/// `/` dropped (patterns are relative to the context anyway).
pub fn read_ignore_file(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.strip_prefix('!') {
            Some(rest) => format!("!{}", rest.trim().trim_start_matches('/')),
            None => l.trim_start_matches('/').to_string(),
        })
        .filter(|l| !l.is_empty() && l != "!")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(patterns: &[&str]) -> Matcher {
        Matcher::new(Path::new("/p"), patterns).unwrap()
    }

    fn yes(m: &Matcher, path: &str) -> bool {
        m.matches(Path::new(path))
    }

    #[test]
    fn plain_names_match_the_path_and_everything_below() {
        let m = m(&["node_modules/", "build"]);
        assert!(yes(&m, "/p/node_modules"));
        assert!(yes(&m, "/p/node_modules/x/y.js"));
        assert!(yes(&m, "/p/build/out"));
        assert!(!yes(&m, "/p/src/node_modules"));
        assert!(!yes(&m, "/p/buildx"));
    }

    #[test]
    fn star_stays_within_one_directory() {
        let m = m(&["*.tmp"]);
        assert!(yes(&m, "/p/a.tmp"));
        assert!(!yes(&m, "/p/d/a.tmp"));
        assert!(!yes(&m, "/p/a.tmpx"));
    }

    #[test]
    fn double_star_crosses_directories() {
        let m = m(&["**/*.tmp", "docs/**"]);
        assert!(yes(&m, "/p/a.tmp"));
        assert!(yes(&m, "/p/d/e/a.tmp"));
        assert!(yes(&m, "/p/docs/a/b"));
        assert!(!yes(&m, "/p/doc"));
    }

    #[test]
    fn question_mark_and_classes() {
        let m = m(&["file?.txt", "[ab].log", "[^c]x"]);
        assert!(yes(&m, "/p/file1.txt"));
        assert!(!yes(&m, "/p/file10.txt"));
        assert!(yes(&m, "/p/a.log"));
        assert!(!yes(&m, "/p/c.log"));
        assert!(yes(&m, "/p/dx"));
        assert!(!yes(&m, "/p/cx"));
    }

    #[test]
    fn exclusions_apply_in_order() {
        let m = m(&["*.md", "!README.md"]);
        assert!(yes(&m, "/p/NOTES.md"));
        assert!(!yes(&m, "/p/README.md"));
        let m2 = self::m(&["!README.md", "*.md"]);
        assert!(yes(&m2, "/p/README.md"));
    }

    #[test]
    fn regex_characters_are_literal_and_escapes_work() {
        let m = m(&["a+b(c).txt", r"x\*y"]);
        assert!(yes(&m, "/p/a+b(c).txt"));
        assert!(yes(&m, "/p/x*y"));
        assert!(!yes(&m, "/p/xzy"));
    }

    #[test]
    fn dots_in_patterns_are_cleaned() {
        let m = m(&["./src/../lib"]);
        assert!(yes(&m, "/p/lib/a"));
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(Matcher::new(Path::new("/p"), &["[abc"]).is_err());
        assert!(Matcher::new(Path::new("/p"), &["!"]).is_err());
    }

    #[test]
    fn the_ignore_file_reader_drops_comments_and_leading_slashes() {
        let got = read_ignore_file("# c\n\n/dist\n !/keep \nnode_modules\n");
        assert_eq!(got, ["dist", "!keep", "node_modules"]);
    }
}
