//! What `stats` prints: the docker CLI's columns and figures (`CPU %`, `MEM USAGE / LIMIT`...),
//! through a `--format` template like the other listings, and, on a terminal, the live table
//! redrawn in place.

use std::io::{IsTerminal, Write};

use serde_json::{json, Value as Json};

use crate::go::template::{Format, TemplateError};
use crate::go::units::{bytes_size, human_size};
use crate::status::stats::StatsEntry;

/// The table `stats` prints by default.
const DEFAULT_TABLE: &str =
    "table {{.ID}}\\t{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}\\t{{.MemPerc}}\\t{{.NetIO}}\\t{{.BlockIO}}\\t{{.PIDs}}";

/// The column names of `stats`, by field, as the docker CLI names them.
pub const STATS_COLUMNS: &[(&str, &str)] = &[
    ("Container", "CONTAINER"),
    ("Name", "NAME"),
    ("ID", "CONTAINER ID"),
    ("CPUPerc", "CPU %"),
    ("MemUsage", "MEM USAGE / LIMIT"),
    ("MemPerc", "MEM %"),
    ("NetIO", "NET I/O"),
    ("BlockIO", "BLOCK I/O"),
    ("PIDs", "PIDS"),
];

/// The `--format` of `stats`, parsed once for every refresh.
pub struct StatsFormat {
    format: Format,
    trunc: bool,
}

impl StatsFormat {
    /// `format` as given (`table` or nothing for the default table); ids cut to 12 characters
    /// unless `no_trunc`.
    pub fn parse(format: &str, no_trunc: bool) -> Result<StatsFormat, TemplateError> {
        let format = if matches!(format, "" | "table") { DEFAULT_TABLE } else { format };
        Ok(StatsFormat { format: Format::parse(format)?, trunc: !no_trunc })
    }

    /// The text of `entries`.
    pub fn render(&self, entries: &[StatsEntry]) -> Result<String, TemplateError> {
        let rows: Vec<Json> = entries.iter().map(|e| fields(e, self.trunc)).collect();
        self.format.render(&rows, STATS_COLUMNS)
    }
}

/// One container's fields, written as the docker CLI writes them.
pub fn fields(e: &StatsEntry, trunc: bool) -> Json {
    let percent = |v: f64| format!("{v:.2}%");
    let invalid = |text: String| if e.invalid { "--".to_string() } else { text };
    json!({
        "Container": e.container,
        "Name": e.name.get(1..).filter(|n| !n.is_empty()).unwrap_or("--"),
        "ID": if trunc { e.id.chars().take(12).collect() } else { e.id.clone() },
        "CPUPerc": invalid(percent(e.cpu_percent)),
        "MemUsage": if e.invalid { "-- / --".to_string() } else { format!("{} / {}", bytes_size(e.memory), bytes_size(e.memory_limit)) },
        "MemPerc": invalid(percent(e.memory_percent)),
        "NetIO": invalid(format!("{} / {}", human_size(e.net_rx, 3), human_size(e.net_tx, 3))),
        "BlockIO": invalid(format!("{} / {}", human_size(e.block_read, 3), human_size(e.block_write, 3))),
        "PIDs": invalid(e.pids.to_string()),
    })
}

/// The live output of `stats`: on a terminal, each refresh drawn over the previous one; else
/// each refresh printed after the previous one.
pub struct LiveStats {
    terminal: bool,
    /// Lines drawn by the previous refresh, to move back over.
    drawn: usize,
}

impl Default for LiveStats {
    fn default() -> Self {
        LiveStats { terminal: std::io::stdout().is_terminal(), drawn: 0 }
    }
}

impl LiveStats {
    /// Shows one refresh.
    pub fn show(&mut self, text: &str) {
        super::progress::interrupt();
        let frame = if self.terminal { redraw(text, self.drawn) } else { text.to_string() };
        self.drawn = text.lines().count();
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(frame.as_bytes());
        let _ = out.flush();
    }
}

/// `text` drawn over the `drawn` lines above the cursor: each line cleared to its end, and
/// what the previous drawing had below cleared.
fn redraw(text: &str, drawn: usize) -> String {
    let mut frame = String::new();
    if drawn > 0 {
        frame.push_str(&format!("\x1b[{drawn}A"));
    }
    frame.push('\r');
    for line in text.lines() {
        frame.push_str(line);
        frame.push_str("\x1b[K\n");
    }
    frame.push_str("\x1b[J");
    frame
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> StatsEntry {
        StatsEntry {
            container: "4fef7285733e205ee17b84601ec67ae87c492bcfeabdbd99d5a15fb9ae65fb92".into(),
            id: "4fef7285733e205ee17b84601ec67ae87c492bcfeabdbd99d5a15fb9ae65fb92".into(),
            name: "/p-web-1".into(),
            cpu_percent: 0.123,
            memory: 327_680.0,
            memory_limit: 25_275_842_560.0,
            memory_percent: 0.0013,
            net_rx: 1_200.0,
            net_tx: 0.0,
            pids: 1,
            ..Default::default()
        }
    }

    #[test]
    fn the_default_table_is_the_docker_clis() {
        let text = StatsFormat::parse("", false).unwrap().render(&[entry()]).unwrap();
        assert_eq!(
            text,
            "CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O      BLOCK I/O   PIDS\n\
             4fef7285733e   p-web-1   0.12%     320KiB / 23.54GiB   0.00%     1.2kB / 0B   0B / 0B     1\n"
        );
    }

    #[test]
    fn json_and_invalid_entries() {
        let json = StatsFormat::parse("json", true).unwrap().render(&[entry()]).unwrap();
        assert!(json.starts_with(r#"{"BlockIO":"0B / 0B","CPUPerc":"0.12%","Container":"4fef7285733e205ee"#), "{json}");
        assert!(json.contains(r#""ID":"4fef7285733e205ee17b84601ec67ae87c492bcfeabdbd99d5a15fb9ae65fb92","#), "--no-trunc: {json}");
        let invalid = StatsEntry::invalid("abc");
        let text =
            StatsFormat::parse("{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}} [{{.ID}}]", false).unwrap().render(&[invalid]).unwrap();
        assert_eq!(text, "-- -- -- / -- -- []\n");
    }

    #[test]
    fn a_redraw_goes_back_over_the_previous_one() {
        assert_eq!(redraw("A\nB\n", 0), "\rA\x1b[K\nB\x1b[K\n\x1b[J");
        assert_eq!(redraw("A\n", 2), "\x1b[2A\rA\x1b[K\n\x1b[J");
    }
}
