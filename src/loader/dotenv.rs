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
    Parser { text, lookup, vars, warnings }.run()
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
        let bytes = std::fs::read(path).map_err(|e| Diagnostic::file(path, format!("couldn't read env file: {e}")))?;
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
                    return Err(self.error(
                        &src[i..],
                        format!("unexpected character {:?} in variable name {:?}", c.to_string(), first_line(src)),
                    ))
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
        let result = interpolate::substitute(value, &lookup);
        let s = result.map_err(|e: TemplateError| self.error(at, e.to_string()))?;
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

