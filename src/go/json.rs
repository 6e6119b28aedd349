//! JSON text exactly as Go's `encoding/json.Marshal` writes it, for hashing (and, indented,
//! for `config --format json`).
//!
//! The differences from serde_json that change bytes: `<`, `>` and `&` are escaped as
//! `\u003c`, `\u003e`, `\u0026` (Go's HTML-safe default), so are U+2028 and U+2029; control
//! characters other than `\b \f \n \r \t` are written `\u00XX` in lowercase hex; floats are
//! written in their shortest form without a trailing `.0`, in exponent form (`1e-7`, `1e+21`)
//! outside [1e-6, 1e21). Object keys are written in the order the value holds them: the caller
//! arranges struct order, and Go's sorted order for maps.

use serde_json::{Number, Value};

/// Go's compact `json.Marshal` text of `value`.
pub fn marshal(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, true);
    out
}

/// What the docker CLI's template function `json` writes: an `encoding/json` encoder with
/// `SetEscapeHTML(false)`, so `<`, `>` and `&` stay as they are (the rest as [`marshal`]).
pub fn marshal_unescaped(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, false);
    out
}

/// Go's `json.MarshalIndent(value, "", "  ")` text of `value`, as `config --format json` prints.
pub fn marshal_indent(value: &Value) -> String {
    let mut out = String::new();
    write_indented(&mut out, value, 0);
    out
}

fn write_indented(out: &mut String, value: &Value, depth: usize) {
    let newline = |out: &mut String, depth: usize| {
        out.push('\n');
        out.extend(std::iter::repeat_n("  ", depth));
    };
    match value {
        Value::Array(items) if !items.is_empty() => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_indented(out, item, depth + 1);
            }
            newline(out, depth);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, depth + 1);
                write_string(out, k, true);
                out.push_str(": ");
                write_indented(out, v, depth + 1);
            }
            newline(out, depth);
            out.push('}');
        }
        other => write_value(out, other, true),
    }
}

fn write_value(out: &mut String, value: &Value, html: bool) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s, html),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, html);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k, html);
                out.push(':');
                write_value(out, v, html);
            }
            out.push('}');
        }
    }
}

fn write_number(out: &mut String, n: &Number) {
    if n.is_i64() || n.is_u64() {
        out.push_str(&n.to_string());
        return;
    }
    let f = n.as_f64().unwrap_or(0.0);
    out.push_str(&go_float(f));
}

/// `strconv.FormatFloat(f, 'f' or 'e', -1, 64)` as `encoding/json` picks between them.
fn go_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Rust writes `1e-7` and `1e21`; Go writes `1e-07` trimmed by encoding/json to `1e-7`,
        // and `1e+21`.
        let s = format!("{f:e}");
        return match s.split_once('e') {
            Some((m, e)) if !e.starts_with('-') => format!("{m}e+{e}"),
            _ => s,
        };
    }
    format!("{f}")
}

fn write_string(out: &mut String, s: &str, html: bool) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' if html => out.push_str(&format!("\\u{:04x}", c as u32)),
            '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_are_escaped_like_go() {
        let v = json!("<a href=\"x\">&</a>\u{7}\u{1b}\u{8}\u{c}\t\u{2028}é\u{7f}");
        assert_eq!(marshal(&v), r#""\u003ca href=\"x\"\u003e\u0026\u003c/a\u003e\u0007\u001b\b\f\t\u2028é"#.to_string() + "\u{7f}\"");
    }

    #[test]
    fn the_template_function_leaves_html_characters_alone() {
        assert_eq!(marshal_unescaped(&json!({"a": "<b> & \u{2028}"})), "{\"a\":\"<b> & \\u2028\"}");
    }

    #[test]
    fn floats_are_shortest_without_trailing_zero() {
        assert_eq!(
            marshal(&json!([1.0, 0.5, 1.5, 0.001, 30.0, 1e-7, 1e21, 123456789.0, -2.5])),
            "[1,0.5,1.5,0.001,30,1e-7,1e+21,123456789,-2.5]"
        );
    }

    #[test]
    fn containers_are_compact_and_keep_key_order() {
        let v = json!({"b": [1, null, true], "a": {"z": "x", "c": {}}});
        assert_eq!(marshal(&v), r#"{"b":[1,null,true],"a":{"z":"x","c":{}}}"#);
    }
}
