//! `.dockerignore`: which files of a build context are not sent to the engine.
//!
//! The semantics are Docker's (moby's `patternmatcher` and the CLI's `ignorefile`), not git's:
//! patterns are anchored at the context root (`foo` is `./foo` only, `**/foo` is any `foo`),
//! `*` and `?` stop at `/`, a pattern that matches a directory excludes everything below it,
//! `!pattern` re-includes, and the last matching pattern wins. Lines starting with `#` are
//! comments; surrounding spaces are trimmed; paths are cleaned (`./a/../b` is `b`, a leading
//! `/` is dropped).

use globset::{GlobBuilder, GlobMatcher};

/// The compiled patterns of one `.dockerignore`.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern, without its `!`.
    text: String,
    /// A `!` pattern: matching files are sent after all.
    exception: bool,
    glob: GlobMatcher,
}

impl Ignore {
    /// Parses the text of a `.dockerignore`; an invalid pattern is an error naming it.
    pub fn parse(text: &str) -> Result<Ignore, String> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        Ignore::from_patterns(text.lines().filter(|line| !line.starts_with('#')))
    }

    /// Compiles patterns given one by one (as `watch` rules list them): no comments, blank
    /// ones and a lone `!` skipped.
    pub fn from_patterns<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) -> Result<Ignore, String> {
        let mut patterns = Vec::new();
        for line in lines {
            let line = line.as_ref().trim();
            if line.is_empty() {
                continue;
            }
            let (exception, rest) = match line.strip_prefix('!') {
                Some(rest) => (true, rest.trim()),
                None => (false, line),
            };
            if rest.is_empty() {
                continue;
            }
            patterns.push(Pattern::new(&clean(rest), exception)?);
        }
        Ok(Ignore { patterns })
    }

    /// Adds `!path` so that `path` is always sent (the Dockerfile and `.dockerignore` itself,
    /// as the Docker CLI does), when the patterns would exclude it.
    pub fn keep(&mut self, path: &str) {
        if self.is_excluded(path) {
            self.patterns.push(Pattern::new(path, true).expect("a plain path is a valid pattern"));
        }
    }

    /// Whether `path` (relative to the context, `/`-separated) is left out: the last pattern
    /// that matches it or one of its parent directories decides.
    pub fn is_excluded(&self, path: &str) -> bool {
        let parents: Vec<&str> = path.match_indices('/').map(|(i, _)| &path[..i]).collect();
        let mut excluded = false;
        for p in &self.patterns {
            // An exception only matters for what is excluded so far, and the other way round.
            if p.exception != excluded {
                continue;
            }
            if p.glob.is_match(path) || parents.iter().any(|d| p.glob.is_match(d)) {
                excluded = !p.exception;
            }
        }
        excluded
    }

    /// Whether the walk may skip the excluded directory `dir` altogether: true unless an
    /// exception pattern could re-include something below it.
    pub fn skips_dir(&self, dir: &str) -> bool {
        let prefix = format!("{dir}/");
        !self.patterns.iter().any(|p| p.exception && format!("{}/", p.text).starts_with(&prefix))
    }
}

impl Pattern {
    fn new(text: &str, exception: bool) -> Result<Pattern, String> {
        // Docker has no `{a,b}` alternatives: braces are plain characters.
        let glob = GlobBuilder::new(&literal_braces(text))
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("invalid .dockerignore pattern {text:?}: {}", e.kind()))?;
        Ok(Pattern { text: text.to_string(), exception, glob: glob.compile_matcher() })
    }
}

/// `{` and `}` outside character classes turned into one-character classes.
fn literal_braces(text: &str) -> String {
    let (mut out, mut in_class, mut escaped) = (String::new(), false, false);
    for c in text.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '{' | '}' if !in_class => {
                out.extend(['[', c, ']']);
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// Go's `filepath.Clean` on a `/`-separated pattern, then a leading `/` dropped (`/` alone stays).
fn clean(path: &str) -> String {
    let cleaned = crate::go::path::clean(path);
    match cleaned.strip_prefix('/') {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => cleaned,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excluded(rules: &str, path: &str) -> bool {
        Ignore::parse(rules).unwrap().is_excluded(path)
    }

    #[test]
    fn patterns_are_anchored_and_cover_what_is_below() {
        assert!(excluded("secret.txt", "secret.txt"));
        assert!(!excluded("secret.txt", "sub/secret.txt"));
        assert!(excluded("**/secret.txt", "sub/deep/secret.txt"));
        assert!(excluded("**/secret.txt", "secret.txt"));
        assert!(excluded("build", "build/out/a.o"));
        assert!(excluded("/build/", "build/x"));
        assert!(excluded("./a/../build", "build"));
        assert!(!excluded("*.md", "docs/readme.md"), "* stops at /");
        assert!(excluded("*/*.md", "docs/readme.md"));
        assert!(excluded("docs/**", "docs/a/b.md"));
        assert!(excluded("fil?.txt", "file.txt"));
        assert!(excluded("[a-c].txt", "b.txt"));
        assert!(!excluded("{a,b}.txt", "a.txt"), "braces are literal");
        assert!(excluded("{a,b}.txt", "{a,b}.txt"));
    }

    #[test]
    fn the_last_matching_pattern_wins() {
        let rules = "*.log\n!keep.log\n";
        assert!(excluded(rules, "debug.log"));
        assert!(!excluded(rules, "keep.log"));
        assert!(excluded("!keep.log\n*.log\n", "keep.log"));
        assert!(!excluded("logs\n!logs/keep", "logs/keep"));
        assert!(excluded("logs\n!logs/keep", "logs/other"));
    }

    #[test]
    fn comments_blank_lines_and_spaces() {
        let rules = "\u{feff}# a comment\n\n   spaced.txt   \n ! kept.txt\n";
        assert!(excluded(rules, "spaced.txt"));
        assert!(!excluded(rules, "# a comment"));
        assert!(!excluded(&format!("{rules}*\n!kept.txt"), "kept.txt"));
    }

    #[test]
    fn excluded_directories_are_walked_only_for_exceptions_below_them() {
        let i = Ignore::parse("logs\nvendor\n!logs/keep/me\n").unwrap();
        assert!(i.skips_dir("vendor"));
        assert!(!i.skips_dir("logs"));
        assert!(!i.skips_dir("logs/keep"));
    }

    #[test]
    fn the_build_files_can_be_kept() {
        let mut i = Ignore::parse("*\n").unwrap();
        i.keep("Dockerfile");
        i.keep(".dockerignore");
        assert!(!i.is_excluded("Dockerfile") && !i.is_excluded(".dockerignore"));
        assert!(i.is_excluded("other"));
    }

    #[test]
    fn bad_patterns_are_errors() {
        assert!(Ignore::parse("[z-a\n").unwrap_err().contains("[z-a"));
    }
}
