//! `.env` and `env_file` parsing, with the syntax Docker Compose accepts.
//!
//! The format is looser than it looks, and users rely on the looseness, so the parser follows
//! compose-go's `dotenv` package statement by statement rather than line by line:
//!
//! - a statement is `KEY=value`, `KEY: value` or `export KEY=value`; a bare `KEY` followed by a
//!   newline takes its value from the lookup (the process environment) and is dropped when unset;
//! - unquoted values run to the end of the line, lose a trailing ` # comment` (a `#` only starts a
//!   comment after a space) and trailing blanks;
//! - single-quoted values are literal (only `\'` is special); double-quoted values understand
//!   `\n \t \\ \" \$ \a \b \f \r \v` and `\0ooo` octal; both may span lines, and whatever
//!   follows the closing quote is read as the next statement;
//! - unquoted and double-quoted values are interpolated like compose files (`${VAR:-x}`...),
//!   looking a name up in the lookup first, then among the keys defined before it.
//!
//! Errors carry the line and column of the offending text.

use indexmap::IndexMap;
use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, FileId, Pos};
use super::interpolate::{self, TemplateError};
use super::limits;

/// A syntax error in an env file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct DotenvError {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

/// Parses env-file text. `lookup` resolves bare keys and takes precedence over earlier keys
/// of the file when values are interpolated.
pub fn parse(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<IndexMap<String, String>, DotenvError> {
    let mut vars = IndexMap::new();
    parse_into(text, lookup, &mut vars, &mut Vec::new())?;
    Ok(vars)
}

/// Parses env-file text into `vars`, which may already hold the variables of earlier files:
/// they are visible to interpolation (after `lookup`) and are overridden by this file's keys.
/// "variable is not set" warnings are appended to `warnings`.
pub fn parse_into(
    text: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, String>,
    warnings: &mut Vec<String>,
) -> Result<(), DotenvError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Parser { text, lookup, vars, warnings, remaining: limits::get().expanded_size.value }.run()
}

/// Reads one env file. Warnings about unset variables are dropped; use [`read_files`] to keep
/// them.
pub fn read_file(path: &Path, lookup: &dyn Fn(&str) -> Option<String>) -> Result<IndexMap<String, String>, Diagnostic> {
    read_files(&[path.to_path_buf()], lookup, &mut Vec::new())
}

/// Reads env files in order; a later file overrides an earlier one, and sees its variables
/// when interpolating (after `lookup`, which is the process environment).
pub fn read_files(
    paths: &[PathBuf],
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<String>,
) -> Result<IndexMap<String, String>, Diagnostic> {
    let mut vars = IndexMap::new();
    for path in paths {
        let bytes = std::fs::File::open(path)
            .and_then(|f| limits::read_bounded(f, limits::get()))
            .map_err(|e| Diagnostic::file(path, format!("couldn't read env file: {e}")))?
            .map_err(|too_big| Diagnostic::file(path, too_big))?;
        let text = String::from_utf8_lossy(&bytes);
        parse_into(&text, lookup, &mut vars, warnings)
            .map_err(|e| Diagnostic::new(Pos::new(FileId::intern(path), e.line, e.col), "", e.message))?;
    }
    Ok(vars)
}

struct Parser<'a> {
    /// The whole text; statements are slices of it, so an offset gives a line and column.
    text: &'a str,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    vars: &'a mut IndexMap<String, String>,
    warnings: &'a mut Vec<String>,
    /// Bytes the file's values may still expand to (each may double the previous one).
    remaining: usize,
}

/// Blanks inside a line: what may surround keys, `=` and values. Not `\n`, which ends things.
fn is_blank(c: char) -> bool {
    matches!(c, '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}')
}

fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphabetic() || c.is_numeric()
}

fn first_line(s: &str) -> &str {
    s.split('\n').next().unwrap_or("")
}

impl<'a> Parser<'a> {
    fn run(mut self) -> Result<(), DotenvError> {
        let mut rest = self.text;
        while let Some(stmt) = statement_start(rest) {
            rest = self.statement(stmt)?;
        }
        Ok(())
    }

    fn error(&self, at: &str, message: String) -> DotenvError {
        let offset = self.text.len() - at.len();
        let before = &self.text[..offset];
        let line = before.matches('\n').count() as u32 + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = before[line_start..].chars().count() as u32 + 1;
        DotenvError { line, col, message }
    }

    /// Parses the statement at the start of `src` and returns what follows it.
    fn statement(&mut self, src: &'a str) -> Result<&'a str, DotenvError> {
        let src = strip_export(src);
        // The key ends at `=`, `:` or a newline (a bare key); blanks may appear inside it and
        // are rejected below, so that the message can say so.
        let mut end = None;
        for (i, c) in src.char_indices() {
            match c {
                '=' | ':' | '\n' => {
                    end = Some((i, c));
                    break;
                }
                c if is_blank(c) || is_key_char(c) => {}
                c => {
                    return Err(
                        self.error(&src[i..], format!("unexpected character {:?} in variable name {:?}", c.to_string(), first_line(src)))
                    )
                }
            }
        }
        if src.is_empty() {
            return Err(self.error(src, "zero length string".to_string()));
        }
        // Text that never reaches a terminator becomes the value of an empty key, as in Docker
        // Compose.
        let (key, after) = match end {
            Some((i, _)) => (src[..i].trim_end(), &src[i + 1..]),
            None => ("", src),
        };
        if key.contains(' ') {
            return Err(self.error(src, "key cannot contain a space".to_string()));
        }
        if let Some((_, '\n')) = end {
            if let Some(v) = (self.lookup)(key) {
                self.vars.insert(key.to_string(), v);
            }
            return Ok(after);
        }
        let after = after.trim_start_matches(is_blank);
        let (value, rest) = self.value(after)?;
        self.vars.insert(key.to_string(), value);
        Ok(rest)
    }

    /// Reads a value at the start of `src` and returns it with what follows it.
    fn value(&mut self, src: &'a str) -> Result<(String, &'a str), DotenvError> {
        let quote = match src.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                let (line, rest) = src.split_once('\n').unwrap_or((src, ""));
                let line = line.split(" #").next().unwrap_or("").trim_end();
                return Ok((self.expand(line, src)?, rest));
            }
        };
        let Some((raw, rest)) = quoted(src, quote) else {
            return Err(self.error(src, format!("unterminated quoted value {}", first_line(src))));
        };
        if quote == b'\'' {
            return Ok((raw, rest));
        }
        Ok((self.expand(&unescape(&raw), src)?, rest))
    }

    /// Interpolates a value; names resolve through the lookup, then earlier keys.
    fn expand(&mut self, value: &str, at: &str) -> Result<String, DotenvError> {
        let lookup = |name: &str| (self.lookup)(name).or_else(|| self.vars.get(name).cloned());
        let result = interpolate::substitute_within(value, &lookup, limits::get(), self.remaining);
        let s = result.map_err(|e: TemplateError| self.error(at, e.to_string()))?;
        self.remaining = self.remaining.saturating_sub(s.value.len());
        self.warnings.extend(s.unset.iter().map(|n| interpolate::unset_warning(n)));
        Ok(s.value)
    }
}

/// Skips blank lines and `#` comment lines; `None` at the end of the text.
fn statement_start(mut src: &str) -> Option<&str> {
    loop {
        src = src.trim_start();
        if src.is_empty() {
            return None;
        }
        if !src.starts_with('#') {
            return Some(src);
        }
        src = &src[src.find('\n')?..];
    }
}

/// Drops a leading `export` when whitespace (newlines included) follows it.
fn strip_export(src: &str) -> &str {
    match src.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t', '\n', '\r', '\u{c}']) => rest.trim_start_matches(is_blank),
        _ => src,
    }
}

/// Scans a quoted value starting at its opening quote. A backslash escapes the next byte: before
/// the quote character it is dropped, otherwise kept for [`unescape`]. Returns the content and
/// the text after the closing quote, or `None` when the quote is never closed.
fn quoted(src: &str, quote: u8) -> Option<(String, &str)> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut escaped = false;
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if escaped {
            escaped = false;
            if b != quote {
                out.push(b'\\');
            }
            out.push(b);
        } else if b == b'\\' {
            escaped = true;
        } else if b == quote {
            // Only ASCII bytes were dropped, so the content is still UTF-8.
            return Some((String::from_utf8(out).ok()?, &src[i + 1..]));
        } else {
            out.push(b);
        }
    }
    None
}

/// Expands the escapes of a double-quoted value. `\$` becomes `$$` so that interpolation, which
/// runs next, leaves a literal `$`. Unknown escapes are kept as written.
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let simple = match chars.peek() {
            Some('a') => Some("\u{7}"),
            Some('b') => Some("\u{8}"),
            Some('f') => Some("\u{c}"),
            Some('n') => Some("\n"),
            Some('r') => Some("\r"),
            Some('t') => Some("\t"),
            Some('v') => Some("\u{b}"),
            Some('\\') => Some("\\"),
            Some('"') => Some("\""),
            Some('$') => Some("$$"),
            _ => None,
        };
        if let Some(rep) = simple {
            chars.next();
            out.push_str(rep);
        } else if chars.peek() == Some(&'0') {
            chars.next();
            let mut digits = String::new();
            while digits.len() < 3 && chars.peek().is_some_and(char::is_ascii_digit) {
                digits.extend(chars.next());
            }
            out.push_str(&octal(&digits));
        } else {
            out.push('\\');
        }
    }
    out
}

/// `\0` followed by `digits`: exactly three octal digits up to 0o377 make one character;
/// anything else is kept as a backslash and the digits (the `0` is lost, as in Docker Compose).
fn octal(digits: &str) -> String {
    if digits.len() == 3 {
        if let Some(c) = u32::from_str_radix(digits, 8).ok().filter(|v| *v <= 0o377).and_then(char::from_u32) {
            return c.to_string();
        }
    }
    format!("\\{digits}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value as J;
    use std::collections::HashMap;

    const CORPUS: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus/dotenv-cases.json"));

    fn corpus() -> J {
        serde_json::from_str(CORPUS).expect("dotenv-cases.json parses")
    }

    fn no_lookup(_: &str) -> Option<String> {
        None
    }

    fn vars(v: &J) -> HashMap<String, String> {
        v.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect()
    }

    fn parse_with(text: &str, env: &[(&str, &str)]) -> Result<IndexMap<String, String>, DotenvError> {
        let env: HashMap<&str, &str> = env.iter().copied().collect();
        parse(text, &|k| env.get(k).map(|v| v.to_string()))
    }

    fn pairs(m: &IndexMap<String, String>) -> Vec<(&str, &str)> {
        m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn corpus_parse_line_cases() {
        let corpus = corpus();
        let cases = corpus["parse_line_cases"].as_array().unwrap();
        let mut failed = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let input = case["input"].as_str().unwrap();
            let got = parse(input, &no_lookup);
            let want = case["expected"].as_str().unwrap();
            if got.as_ref().ok().and_then(|m| m.get(case["key"].as_str().unwrap())).map(String::as_str) != Some(want) {
                failed.push(format!("parse_line case {i}: {input:?} -> {got:?}, want {want:?}"));
            }
        }
        assert_eq!(cases.len(), 51);
        assert!(failed.is_empty(), "{} of {} failed:\n{}", failed.len(), cases.len(), failed.join("\n"));
    }

    #[test]
    fn corpus_parse_error_cases() {
        let corpus = corpus();
        let cases = corpus["parse_error_cases"].as_array().unwrap();
        let mut failed = Vec::new();
        for (i, case) in cases.iter().enumerate() {
            let input = case["input"].as_str().unwrap();
            match parse(input, &no_lookup) {
                Err(e) if e.message.contains(case["error_contains"].as_str().unwrap()) => {}
                got => failed.push(format!("parse_error case {i}: {input:?} -> {got:?}")),
            }
        }
        assert_eq!(cases.len(), 9);
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    #[test]
    fn corpus_expand_cases() {
        let corpus = corpus();
        let cases = corpus["expand_cases"].as_array().unwrap();
        let mut failed = Vec::new();
        for case in cases {
            let got = parse(case["input"].as_str().unwrap(), &no_lookup);
            if got.as_ref().map(|m| m.clone().into_iter().collect::<HashMap<_, _>>()) != Ok(vars(&case["expected"])) {
                failed.push(format!("{}: {got:?}", case["name"]));
            }
        }
        assert_eq!(cases.len(), 8);
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    /// The fixture files of compose-go's dotenv tests. The corpus names them but does not hold
    /// their text, so they are written here: upstream's content where it is known (plain,
    /// quoted, substitutions-default), otherwise files that use the syntax each test is named
    /// after and define the values the corpus expects.
    const FIXTURES: &[(&str, &str)] = &[
        ("plain.env", "OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\nOPTION_F = \nOPTION_G=\nOPTION_H = my string # Inline comment\n"),
        ("exported.env", "export OPTION_A=2\nexport OPTION_B='\\n'\n"),
        ("equals.env", "export OPTION_A='postgres://localhost:5432/database?sslmode=disable'\n"),
        ("quoted.env", concat!(
            "OPTION_A='1'\nOPTION_B='2'\nOPTION_C=''\nOPTION_D='\\n'\nOPTION_E=\"1\"\nOPTION_F=\"2\"\nOPTION_G=\"\"\n",
            "OPTION_H=\"\\n\"\nOPTION_I = \"echo 'asd'\"\nOPTION_J = 'first line\nsecond line\nthird line\nand so on'\n",
            "OPTION_K='Let\\'s go!'\nOPTION_Z = \"last value\"\n",
        )),
        ("unquoted.env", concat!(
            "OPTION_A = \"some quoted phrase\"\nOPTION_B=first one with an unquoted phrase\n",
            "OPTION_C=then another one with an unquoted phrase # and a comment\n",
            "OPTION_D=then another one with an unquoted phrase special è char\n",
            "OPTION_E=\"then another one quoted phrase\"\n",
        )),
        ("substitutions.env", "OPTION_A=1\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n"),
        ("substitutions-default.env", "OPTION_A=${OPTION_A:-1}\nOPTION_B=${OPTION_A}\nOPTION_C=$OPTION_B\nOPTION_D=${OPTION_A}_${OPTION_B}\nOPTION_E=${OPTION_NOT_DEFINED}\n"),
        ("inherited-multi-var.env", "VAR_TO_BE_LOADED_FROM_OS_ENV\nfoo=bar\nbar=baz\n"),
        ("inherited-single-var.env", "VAR_TO_BE_LOADED_FROM_OS_ENV\n"),
        ("utf8-bom.env", "\u{feff}OPTION_A=1\nOPTION_B=2\nOPTION_C= 3\nOPTION_D =4\nOPTION_E = 5\n"),
        ("special.env", "VAR-WITH-DASHES=dashes\nVAR.WITH.DOTS=dots\nVAR_WITH_UNDERSCORES=underscores\n"),
    ];

    #[test]
    fn corpus_fixture_cases() {
        let corpus = corpus();
        let cases = corpus["fixture_cases"].as_array().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut failed = Vec::new();
        let mut skipped = Vec::new();
        for case in cases {
            let test = case["test"].as_str().unwrap();
            let api = case["api"].as_str().unwrap();
            if api.contains("skip") {
                skipped.push(test);
                continue;
            }
            let fixture = case["fixture"].as_str().unwrap();
            let name = Path::new(fixture).file_name().unwrap().to_str().unwrap();
            let Some((_, text)) = FIXTURES.iter().find(|(n, _)| *n == name) else {
                failed.push(format!("{test}: no fixture text for {fixture}"));
                continue;
            };
            let path = dir.path().join(fixture);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            let process = vars(&case["process_env"]);
            let lookup = |k: &str| process.get(k).cloned();
            let got = match api {
                "Read" => read_file(&path, &no_lookup),
                "ReadWithLookup(os.LookupEnv)" => read_file(&path, &lookup),
                // Load sets only the variables the process does not already have.
                "Load" => read_file(&path, &no_lookup).map(|mut m| {
                    for (k, v) in &process {
                        m.insert(k.clone(), v.clone());
                    }
                    m
                }),
                other => panic!("{test}: unknown api {other}"),
            };
            let got = match got {
                Ok(m) => m,
                Err(e) => {
                    failed.push(format!("{test}: {e}"));
                    continue;
                }
            };
            // `expected` may list only some of the keys.
            for (k, want) in vars(&case["expected"]) {
                if got.get(&k) != Some(&want) {
                    failed.push(format!("{test}: {k} = {:?}, want {want:?}", got.get(&k)));
                }
            }
        }
        assert_eq!(skipped, ["TestLoadWithFormat"], "only the Go-only custom format case may be skipped");
        assert_eq!(cases.len() - skipped.len(), 15);
        assert!(failed.is_empty(), "fixture cases failed:\n{}", failed.join("\n"));
    }

    #[test]
    fn corpus_multi_file_cases() {
        let corpus = corpus();
        let dir = tempfile::tempdir().unwrap();
        let mut failed = Vec::new();
        for case in corpus["multi_file_cases"].as_array().unwrap() {
            let test = case["test"].as_str().unwrap();
            let paths: Vec<PathBuf> = case["files"]
                .as_array()
                .unwrap()
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let path = dir.path().join(format!("{test}-{i}.env"));
                    std::fs::write(&path, text.as_str().unwrap()).unwrap();
                    path
                })
                .collect();
            for (r, run) in case["runs"].as_array().unwrap().iter().enumerate() {
                let process = vars(&run["process_env"]);
                let got = read_files(&paths, &|k| process.get(k).cloned(), &mut Vec::new());
                let got = got.map(|m| m.into_iter().collect::<HashMap<_, _>>());
                if got != Ok(vars(&run["expected"])) {
                    failed.push(format!("{test} run {r}: {got:?}"));
                }
            }
        }
        assert!(failed.is_empty(), "{}", failed.join("\n"));
    }

    #[test]
    fn errors_have_line_and_column() {
        let e = parse("FOO=x\nlol$wut\n", &no_lookup).unwrap_err();
        assert_eq!((e.line, e.col), (2, 4));
        assert_eq!(e.to_string(), r#"line 2: unexpected character "$" in variable name "lol$wut""#);

        let e = parse("A=1\nKEY=\"abc\nX=1\n", &no_lookup).unwrap_err();
        assert_eq!((e.line, e.col), (2, 5), "the line of the opening quote");
        assert_eq!(e.message, "unterminated quoted value \"abc");

        let e = parse("\n  FOO BAR=a\n", &no_lookup).unwrap_err();
        assert_eq!((e.line, e.col, e.message.as_str()), (2, 3, "key cannot contain a space"));

        let e = parse("A=1\nB=x${\n", &no_lookup).unwrap_err();
        assert_eq!((e.line, e.col), (2, 3));
        assert_eq!(e.message, r#"Invalid template: "x${""#);

        let e = parse("A=\"${X:?is required}\"", &no_lookup).unwrap_err();
        assert_eq!(e.message, "required variable X is missing a value: is required");
    }

    #[test]
    fn read_file_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.env");
        std::fs::write(&path, "# settings\nA=1\nB='open\n").unwrap();
        let d = read_file(&path, &no_lookup).unwrap_err();
        assert_eq!((d.pos.line, d.pos.col), (3, 3));
        assert_eq!(d.pos.file.path(), path);
        assert!(d.to_string().contains("app.env:3:3: unterminated quoted value 'open"), "{d}");

        let d = read_file(&dir.path().join("missing.env"), &no_lookup).unwrap_err();
        assert!(d.message.starts_with("couldn't read env file"), "{d}");
    }

    #[test]
    fn unset_variables_warn() {
        let mut vars = IndexMap::new();
        let mut warnings = Vec::new();
        parse_into("B=${A}\nA=1\nC='$D'\n", &no_lookup, &mut vars, &mut warnings).unwrap();
        assert_eq!(pairs(&vars), [("B", ""), ("A", "1"), ("C", "$D")]);
        assert_eq!(warnings, ["The \"A\" variable is not set. Defaulting to a blank string."]);
    }

    /// Behaviour checked against `docker compose config` (v2.26.1) with `env_file`.
    #[test]
    fn matches_reference_binary() {
        let p = |text: &str, env: &[(&str, &str)]| parse_with(text, env).unwrap();
        // The lookup wins over keys defined earlier in the file, but not over the key itself.
        assert_eq!(pairs(&p("A=1\nB=${A}", &[("A", "5")])), [("A", "1"), ("B", "5")]);
        // A bare key takes the lookup's value, or is dropped.
        assert_eq!(pairs(&p("FOO\nBAR\n", &[("FOO", "x")])), [("FOO", "x")]);
        assert_eq!(pairs(&p("export FOO\n", &[("FOO", "x")])), [("FOO", "x")]);
        assert_eq!(pairs(&p("export\n", &[])), []);
        // Text that never reaches `=`, `:` or a newline is the value of an empty key.
        assert_eq!(pairs(&p("FOO", &[("FOO", "x")])), [("", "FOO")]);
        // After a closing quote, reading goes on with the next statement.
        assert_eq!(pairs(&p("FOO=\"a\"b", &[])), [("FOO", "a"), ("", "b")]);
        assert_eq!(pairs(&p("FOO=\"a\nb\" BAR=1", &[])), [("FOO", "a\nb"), ("BAR", "1")]);
        assert_eq!(
            pairs(&p("X=\"\\0\" Y=\"\\01\" Z=\"\\012\" W=\"\\0777\" V=\"\\01234\"", &[])),
            [("X", "\\"), ("Y", "\\1"), ("Z", "\\12"), ("W", "\\777"), ("V", "S4"),]
        );
        assert_eq!(pairs(&p(r#"A="a\$B" B=a\$B"#, &[])), [("A", "a$B"), ("B", "a\\")]);
        assert_eq!(pairs(&p("A=$$B\nB=a\t#c\nC=a #c #d\nD=a#b #c\n", &[])), [("A", "$B"), ("B", "a\t#c"), ("C", "a"), ("D", "a#b"),]);
        assert_eq!(
            pairs(&p("1FOO=a\né=2\nA-B[0]=3\nFOO : bar\nexport=4\n", &[])),
            [("1FOO", "a"), ("é", "2"), ("A-B[0]", "3"), ("FOO", "bar"), ("export", "4"),]
        );
        assert_eq!(pairs(&p("A='it\\'s'\nB=\"bar\\nbaz\\\\\"\nC='a\\\\b'\n", &[])), [("A", "it's"), ("B", "bar\nbaz\\"), ("C", "a\\\\b"),]);
        assert_eq!(pairs(&p("A=\" a \"\nB=  \"q\"  \n", &[])), [("A", " a "), ("B", "q")]);
        assert_eq!(pairs(&p("A=${B:-${C:-x}}", &[])), [("A", "x")]);
    }
}
