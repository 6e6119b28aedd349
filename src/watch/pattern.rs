//! `.dockerignore` pattern syntax, as Docker's pattern matcher reads it: patterns are cleaned
//! paths with `*` and `?` (never crossing `/`), `[...]` classes, `**` (any number of
//! directories), `\` escapes and `!` exclusions, applied in order (the last pattern that
//! matches decides). A pattern also matches everything under a directory it matches, so
//! `node_modules` ignores the whole tree.
//!
//! Watch rules keep absolute paths, so patterns are made absolute against a root (the rule's
//! `path` for `ignore`/`include`, the build context for `.dockerignore`) when compiled.

use std::path::{Component, Path, PathBuf};

use regex::Regex;

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
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    exclusion: bool,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    /// No wildcard: the path itself.
    Exact(String),
    /// `prefix**`: anything starting with the prefix.
    Prefix(String),
    Regex(Regex),
}

impl Matcher {
    /// Compiles `patterns` (as written in a rule or a `.dockerignore`) against `root`.
    pub fn new<S: AsRef<str>>(root: &Path, patterns: &[S]) -> Result<Matcher, PatternError> {
        let mut compiled = Vec::new();
        for raw in patterns {
            let raw = raw.as_ref().trim();
            if raw.is_empty() {
                continue;
            }
            let (exclusion, body) = match raw.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, raw),
            };
            if body.is_empty() {
                return Err(PatternError { pattern: raw.to_string(), reason: "\"!\" alone excludes nothing".into() });
            }
            let absolute = clean(&root.join(body));
            let kind = compile(&absolute).map_err(|reason| PatternError { pattern: raw.to_string(), reason })?;
            compiled.push(Pattern { exclusion, kind });
        }
        Ok(Matcher { patterns: compiled })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `path` (absolute), or one of its parent directories, is matched.
    pub fn matches(&self, path: &Path) -> bool {
        let path = path.to_string_lossy();
        let parents: Vec<&str> = ancestors(&path).collect();
        let mut matched = false;
        for p in &self.patterns {
            // An inclusion cannot change a match, nor an exclusion a non-match.
            if p.exclusion != matched {
                continue;
            }
            if p.kind.is_match(&path) || parents.iter().any(|a| p.kind.is_match(a)) {
                matched = !p.exclusion;
            }
        }
        matched
    }
}

impl Kind {
    fn is_match(&self, path: &str) -> bool {
        match self {
            Kind::Exact(p) => path == p,
            Kind::Prefix(p) => path.starts_with(p.as_str()),
            Kind::Regex(re) => re.is_match(path),
        }
    }
}

/// The proper ancestors of an absolute path, root excluded: `/a/b/c` → `/a`, `/a/b`.
fn ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(|(i, _)| &path[..i]).filter(|a| !a.is_empty())
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

/// Translates a cleaned absolute pattern into a matcher, as Docker's pattern matcher does.
fn compile(pattern: &str) -> Result<Kind, String> {
    let mut re = String::from("^");
    // The pattern with escapes undone, for patterns without wildcards.
    let mut literal = String::new();
    let mut wild = false;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut prefix_only = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' if chars.get(i + 1) == Some(&'*') => {
                i += 1;
                if chars.get(i + 1) == Some(&'/') {
                    i += 1;
                }
                if i + 1 == chars.len() {
                    // A trailing `**` accepts everything below.
                    if !wild {
                        prefix_only = true;
                    }
                    re.push_str(".*");
                } else {
                    re.push_str("(.*/)?");
                }
                wild = true;
            }
            '*' => {
                re.push_str("[^/]*");
                wild = true;
            }
            '?' => {
                re.push_str("[^/]");
                wild = true;
            }
            '\\' => match chars.get(i + 1) {
                Some(next) => {
                    re.push_str(&regex::escape(&next.to_string()));
                    literal.push(*next);
                    i += 1;
                }
                None => {
                    re.push_str(r"\\");
                    literal.push('\\');
                }
            },
            '[' => {
                let end = chars[i + 1..].iter().position(|&c| c == ']').ok_or("unterminated character class")? + i + 1;
                let class: String = chars[i + 1..end].iter().collect();
                if class.is_empty() || class == "^" {
                    return Err("empty character class".into());
                }
                re.push('[');
                re.push_str(&class.replace('\\', r"\\").replace('[', r"\["));
                re.push(']');
                i = end;
                wild = true;
            }
            _ => {
                re.push_str(&regex::escape(&c.to_string()));
                literal.push(c);
            }
        }
        i += 1;
    }
    if !wild {
        return Ok(Kind::Exact(literal));
    }
    if prefix_only {
        return Ok(Kind::Prefix(literal));
    }
    re.push('$');
    Regex::new(&re).map(Kind::Regex).map_err(|e| e.to_string())
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

/// `path` relative to `root`, if it is `root` or below it.
pub fn relative_to(path: &Path, root: &Path) -> Option<PathBuf> {
    path.strip_prefix(root).ok().map(Path::to_path_buf)
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
