//! The YAML writer of `config`: block style as Docker Compose prints it (two-space indents,
//! sequence items indented under their key), and strings quoted wherever a YAML 1.1 or 1.2
//! reader would take them for something else.
//!
//! `serde_yaml` only quotes for YAML 1.2, so `restart: "no"` came out as `restart: no`, which a
//! YAML 1.1 reader (PyYAML, docker-compose v1) reads as `false`. Go's yaml.v3, which Docker
//! Compose prints with, quotes YAML 1.1 booleans, base-60 numbers and the like, and so does this.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value as Json};

/// `value` as a YAML document.
pub fn to_string(value: &Json) -> String {
    let mut out = String::new();
    match value {
        Json::Object(m) if !m.is_empty() => map(&mut out, m, 0, false),
        Json::Array(items) if !items.is_empty() => seq(&mut out, items, 0),
        other => {
            out.push_str(&scalar(other, 0));
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// `in_item`: the mapping is a sequence item, whose first entry shares the `- ` line.
fn map(out: &mut String, m: &Map<String, Json>, indent: usize, in_item: bool) {
    for (i, (k, v)) in m.iter().enumerate() {
        if i > 0 || !in_item {
            pad(out, indent);
        }
        out.push_str(&key(k));
        out.push(':');
        value(out, v, indent);
    }
}

fn seq(out: &mut String, items: &[Json], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push('-');
        match item {
            Json::Object(m) if !m.is_empty() => {
                out.push(' ');
                map(out, m, indent + 2, true);
            }
            Json::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                seq(out, inner, indent + 2);
            }
            other => {
                out.push(' ');
                out.push_str(&scalar(other, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// What follows `key:` at `indent`.
fn value(out: &mut String, v: &Json, indent: usize) {
    match v {
        Json::Object(m) if !m.is_empty() => {
            out.push('\n');
            map(out, m, indent + 2, false);
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            seq(out, items, indent + 2);
        }
        other => {
            out.push(' ');
            out.push_str(&scalar(other, indent + 2));
            out.push('\n');
        }
    }
}

/// A scalar, or an empty collection; a block scalar's lines are indented by `indent`.
fn scalar(v: &Json, indent: usize) -> String {
    match v {
        Json::Null => "null".into(),
        Json::Bool(b) => b.to_string(),
        Json::Number(n) if n.is_f64() => go_float(n.as_f64().unwrap_or_default()),
        Json::Number(n) => n.to_string(),
        Json::String(s) => string(s, indent),
        Json::Object(_) => "{}".into(),
        Json::Array(_) => "[]".into(),
    }
}

/// A float as yaml.v3 writes it, `strconv.FormatFloat(f, 'g', -1, 64)`: the shortest decimal,
/// in exponent form (`1e-06`, `1.5e+07`) when the exponent is below -4 or 6 and above.
fn go_float(f: f64) -> String {
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if f != 0.0 && !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    } else {
        format!("{f}")
    }
}

/// A string as Go's yaml.v3 writes it: plain if it can be; multi-line text as a literal block;
/// double-quoted if it would read back as another type, or needs escapes; else single-quoted.
fn string(s: &str, indent: usize) -> String {
    if plain(s) {
        s.to_string()
    } else if literal(s) {
        literal_block(s, indent)
    } else if s.is_empty() || NOT_A_STRING.is_match(s) || !s.chars().all(|c| c != '\t' && printable(c) && !line_break(c) && c != '\u{feff}')
    {
        double_quoted(s)
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// A mapping key: as [`string`], but never a block.
fn key(s: &str) -> String {
    if s.contains('\n') {
        double_quoted(s)
    } else {
        string(s, 0)
    }
}

/// Strings a YAML 1.1 or 1.2 reader resolves to something else than a string when unquoted.
static NOT_A_STRING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:",
        r"y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
        r"|null|Null|NULL|~|<<|=",
        // integers (1.2: decimal, 0o, 0x; 1.1: 0b, octal 0..., underscores, base 60)
        r"|[-+]?(?:0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*)",
        // floats (1.2 and 1.1 forms, base 60, infinities and NaN)
        r"|[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?",
        r"|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+",
        r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*",
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        // timestamps
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt ].*)?",
        r")$"
    ))
    .expect("a valid pattern")
});

/// Whether `s` can be written unquoted and still read back as this very string.
fn plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else { return false };
    let second = s.chars().nth(1);
    let starts_badly = match first {
        '-' | '?' | ':' => second.is_none_or(|c| c == ' '),
        ',' | '[' | ']' | '{' | '}' | '#' | '&' | '*' | '!' | '|' | '>' | '\'' | '"' | '%' | '@' | '`' | ' ' => true,
        _ => false,
    };
    !starts_badly
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains(" #")
        && s.chars().all(|c| c != '\t' && printable(c) && !line_break(c))
        && !NOT_A_STRING.is_match(s)
}

/// Multi-line text written as a literal block (`|`), as Go does, when that reads back exactly.
fn literal(s: &str) -> bool {
    s.contains('\n') && !s.starts_with([' ', '\n', '\t']) && s.chars().all(|c| c == '\n' || c == '\t' || (printable(c) && !line_break(c)))
}

fn literal_block(s: &str, indent: usize) -> String {
    let body = s.trim_end_matches('\n');
    let chomp = match s.len() - body.len() {
        0 => "-",
        1 => "",
        _ => "+",
    };
    let mut out = format!("|{chomp}");
    for line in s.strip_suffix('\n').unwrap_or(s).split('\n') {
        out.push('\n');
        if !line.is_empty() {
            pad(&mut out, indent);
            out.push_str(line);
        }
    }
    out
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if printable(c) && !line_break(c) && c != '\u{feff}' => out.push(c),
            c if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// YAML's printable characters, tab aside.
fn printable(c: char) -> bool {
    matches!(c as u32, 0x20..=0x7e | 0x85 | 0xa0..=0xd7ff | 0xe000..=0xfffd | 0x10000..=0x10ffff)
}

/// Line breaks in YAML 1.1 (1.2 has only the first two).
fn line_break(c: char) -> bool {
    matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_a_yaml_1_1_reader_would_retype_are_quoted() {
        for s in [
            "no",
            "yes",
            "on",
            "Off",
            "n",
            "y",
            "~",
            "null",
            "1_000",
            "0o17",
            "0b11",
            "017",
            "20:30",
            "1.5",
            ".inf",
            "2001-12-14",
            "1e3",
            "-1",
            "=",
            "<<",
        ] {
            assert_eq!(to_string(&json!({ "k": s })), format!("k: \"{s}\"\n"), "{s}");
        }
        for s in ["a: b", "x #y", "a:", " a", "a ", "-", "- a", "!x", "*.go", "#", "\"q\"", "it's: x"] {
            assert_eq!(to_string(&json!({ "k": s })), format!("k: '{}'\n", s.replace('\'', "''")), "{s:?}");
        }
        for (s, quoted) in [("", r#""""#), ("\u{7f}", r#""\x7F""#), ("tab\there", r#""tab\there""#), ("a\r\nb", r#""a\r\nb""#)] {
            assert_eq!(to_string(&json!({ "k": s })), format!("k: {quoted}\n"), "{s:?}");
        }
        for s in
            [".", "./x", "busybox", "nginx:1.25", "-c", "/data", "a b", "http://x:80/", "é", "-1a", "1.2.3", "10.0.0.1", "8080:80", "nope"]
        {
            assert_eq!(to_string(&json!({ "k": s })), format!("k: {s}\n"), "{s}");
        }
    }

    #[test]
    fn nesting_and_multi_line_text_are_written_as_docker_compose_writes_them() {
        let v = json!({"s": {"a": {"cmd": ["sh", "-c"], "deps": [{"x": 1, "z": {}}], "e": [], "t": "a\nb\n", "u": "a\nb", "w": "a\n\n"}}});
        let text = "s:\n  a:\n    cmd:\n      - sh\n      - -c\n    deps:\n      - x: 1\n        z: {}\n    e: []\n    t: |\n      a\n      b\n    u: |-\n      a\n      b\n    w: |+\n      a\n\n";
        assert_eq!(to_string(&v), text);
    }

    #[test]
    fn floats_are_written_as_go_writes_them() {
        for (f, text) in [
            (2.0, "2"),
            (0.5, "0.5"),
            (1e-6, "1e-06"),
            (0.0001, "0.0001"),
            (123456.5, "123456.5"),
            (1e6, "1e+06"),
            (-1.5e7, "-1.5e+07"),
            (0.0, "0"),
        ] {
            assert_eq!(to_string(&json!({ "k": f })), format!("k: {text}\n"), "{f}");
        }
    }

    #[test]
    fn what_is_written_reads_back_the_same() {
        let v = json!({"a": ["no", "x #y", "a\n b\n", "\u{1}\u{85}é\"\\", " lead", "\nfirst", "tab\there", "1_0", null, true, 1.5, -3], "n": {"yes": {}}, "": [[1, [2]], []]});
        let back: Json = serde_yaml::from_str(&to_string(&v)).unwrap();
        assert_eq!(back, v, "{}", to_string(&v));
    }
}
