//! Aligned columns exactly as Go's `text/tabwriter` lays them out, which is how Docker Compose
//! prints `ps`, `ls`, `images` and `top`: a cell ended by a tab is padded to its column's width
//! (the widest such cell plus `padding`, at least `min_width`); the text after a line's last tab
//! is written as is. Trailing spaces are part of the reference output and are kept.

/// Lays out `lines`, each a list of tab-terminated cells followed by one trailing cell.
pub fn layout(lines: &[Line], min_width: usize, padding: usize) -> String {
    let columns = lines.iter().map(|l| l.cells.len()).max().unwrap_or(0);
    let mut widths = vec![0; columns];
    for line in lines {
        for (i, cell) in line.cells.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count() + padding).max(min_width);
        }
    }
    let mut out = String::new();
    for line in lines {
        for (i, cell) in line.cells.iter().enumerate() {
            out.push_str(cell);
            out.push_str(&" ".repeat(widths[i] - cell.chars().count()));
        }
        out.push_str(&line.trailing);
        out.push('\n');
    }
    out
}

/// One line: tab-terminated cells, then the text after the last tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    pub cells: Vec<String>,
    pub trailing: String,
}

impl Line {
    /// A line whose last value is the trailing text (`a\tb\tc`).
    pub fn row<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Line {
        let mut cells: Vec<String> = values.into_iter().map(Into::into).collect();
        let trailing = cells.pop().unwrap_or_default();
        Line { cells, trailing }
    }

    /// A line whose every value is tab-terminated (`a\tb\tc\t`).
    pub fn terminated<S: Into<String>>(values: impl IntoIterator<Item = S>) -> Line {
        Line { cells: values.into_iter().map(Into::into).collect(), trailing: String::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_padded_and_trailing_text_is_not() {
        let lines = [Line::row(["NAME", "STATUS", "PORTS"]), Line::row(["p-web-1", "Up 3 seconds", ""])];
        assert_eq!(layout(&lines, 10, 3), "NAME      STATUS         PORTS\np-web-1   Up 3 seconds   \n");
    }

    #[test]
    fn a_column_only_some_lines_have_is_sized_by_those() {
        let lines = [Line::row(["UID", "CMD"]), Line::terminated(["root", "sleep 1000"])];
        assert_eq!(layout(&lines, 5, 3), "UID    CMD\nroot   sleep 1000   \n");
    }
}
