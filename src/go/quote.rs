//! Go's `strconv.Quote`, as `ps --format json` and `ps`'s table quote a container's command.

/// Go's `strconv.Quote` for the text a command holds.
pub fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::ps::ellipsis;

    #[test]
    fn small_formats_follow_go() {
        assert_eq!(go_quote(&ellipsis("sh -c 'echo one; echo two'", 20)), "\"sh -c 'echo one; ec…\"");
    }
}
