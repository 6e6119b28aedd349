//! Plain aligned tables, as Docker Compose prints `ps`, `ls` and `config --variables`.

/// Formats `rows` under `headers`, columns separated by at least three spaces, with no trailing
/// spaces. Every row should have as many cells as there are headers.
pub fn format(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if i < widths.len() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut l = String::new();
        for (i, cell) in cells.iter().enumerate() {
            l.push_str(cell);
            if i + 1 < cells.len() {
                let pad = widths[i] - cell.chars().count() + 3;
                l.push_str(&" ".repeat(pad));
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_are_aligned() {
        let t = super::format(&["NAME", "VALUE"], &[vec!["A".into(), "1".into()], vec!["LONGER".into(), "".into()]]);
        assert_eq!(t, "NAME     VALUE\nA        1\nLONGER\n");
    }
}
