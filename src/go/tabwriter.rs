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

/// `text` through a `text/tabwriter` (space padding, no flags) as the docker CLI's templates
/// use it: cells end at a tab; tab-terminated cells of consecutive lines form a column, as wide
/// as its widest cell plus `padding` (at least `min_width`); a line with fewer cells ends the
/// columns it lacks, so later lines start new ones. The text after a line's last tab is never
/// padded. Widths count characters (Go counts terminal columns: a wide character differs).
pub fn write(text: &str, min_width: usize, padding: usize) -> String {
    let mut lines: Vec<Vec<&str>> = text.split('\n').map(|l| l.split('\t').collect()).collect();
    // The text after the last newline is written as is, never part of a column.
    let tail = lines.pop().map(|l| l.join("\t")).unwrap_or_default();
    let mut writer = Columns { lines: &lines, min_width, padding, widths: Vec::new(), out: String::new() };
    writer.format(0, lines.len());
    writer.out.push_str(&tail);
    writer.out
}

/// The state of [`write`]: the widths of the columns enclosing the lines being formatted.
struct Columns<'a> {
    lines: &'a [Vec<&'a str>],
    min_width: usize,
    padding: usize,
    widths: Vec<usize>,
    out: String,
}

impl Columns<'_> {
    /// Formats lines `first..end`: each block of consecutive lines that have a cell in the next
    /// column is sized, then formatted with that column's width known.
    fn format(&mut self, first: usize, end: usize) {
        let column = self.widths.len();
        let has_column = |line: &Vec<&str>| line.len() > column + 1;
        let (mut done, mut this) = (first, first);
        while this < end {
            if !has_column(&self.lines[this]) {
                this += 1;
                continue;
            }
            self.write_lines(done, this);
            let block = this;
            let mut width = self.min_width;
            while this < end && has_column(&self.lines[this]) {
                width = width.max(self.lines[this][column].chars().count() + self.padding);
                this += 1;
            }
            self.widths.push(width);
            self.format(block, this);
            self.widths.pop();
            done = this;
        }
        self.write_lines(done, end);
    }

    fn write_lines(&mut self, first: usize, end: usize) {
        for line in &self.lines[first..end] {
            for (j, cell) in line.iter().enumerate() {
                self.out.push_str(cell);
                if let Some(width) = self.widths.get(j).filter(|_| j + 1 < line.len()) {
                    self.out.extend(std::iter::repeat_n(' ', width.saturating_sub(cell.chars().count())));
                }
            }
            self.out.push('\n');
        }
    }
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
    fn columns_are_blocks_of_consecutive_lines() {
        // The second line has no second column: the third line starts a new one.
        let text = "aaaa\tbbb\td\naa\tb\tdd\na\t\naa\tcccc\teee\n";
        assert_eq!(write(text, 0, 1), "aaaa bbb d\naa   b   dd\na    \naa   cccc eee\n");
        assert_eq!(write("NAME\tSTATUS\nweb\tUp\n", 10, 3), "NAME      STATUS\nweb       Up\n");
        assert_eq!(write("x\ty", 10, 3), "x\ty", "text after the last newline is written as is");
    }

    #[test]
    fn a_column_only_some_lines_have_is_sized_by_those() {
        let lines = [Line::row(["UID", "CMD"]), Line::terminated(["root", "sleep 1000"])];
        assert_eq!(layout(&lines, 5, 3), "UID    CMD\nroot   sleep 1000   \n");
    }
}
