//! Bounds on what one load may cost, so that a hostile or broken file fails fast and in little
//! memory instead of exhausting the machine.
//!
//! A 1 KB YAML file with nine levels of nine aliases stands for 387 million nodes; 20,000 nested
//! `${A:-` in one value recurse 20,000 times; an `.env` file can double a value at every line.
//! Each such growth is counted against a limit here, and exceeding one is an invalid file (exit
//! code 15) whose message names the limit and the environment variable that raises it.
//!
//! The defaults are far above what real files need (the largest file of the samples and of the
//! conformance cases is 10 KB, ~1,600 nodes, 8 levels deep, interpolation 2 levels deep, extends
//! 2 levels deep, a few included projects); `limits_leave_room_for_real_files` in `tests/samples.rs` keeps it so. They
//! are read once per process, from the environment.

use std::sync::OnceLock;

/// One limit: its value and the variable that sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub value: usize,
    pub variable: &'static str,
}

impl Limit {
    /// The sentence that ends every message about this limit.
    pub fn hint(&self) -> String {
        format!("if a real file needs more, set {} to a higher value", self.variable)
    }
}

/// Every bound of the loader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of one compose or env file.
    pub file_size: Limit,
    /// YAML nodes of one document once its aliases are expanded (every scalar, list and mapping).
    pub yaml_nodes: Limit,
    /// Bytes of scalars of one document once its aliases are expanded, and bytes one
    /// interpolation pass (or one env file) may produce.
    pub expanded_size: Limit,
    /// Nesting of lists and mappings, aliases expanded.
    pub nesting: Limit,
    /// Nesting of `${VAR:-...}` inside one another.
    pub interpolation_depth: Limit,
    /// Links of one `extends` chain, and levels of `include`.
    pub extends_depth: Limit,
    /// Included projects loaded by one load, a project included from several places counted
    /// once per place: levels of "A includes B and C, both include D" double the loads at
    /// each level, which the depth alone does not bound.
    pub includes: Limit,
}

const fn limit(value: usize, variable: &'static str) -> Limit {
    Limit { value, variable }
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        file_size: limit(8 << 20, "RCOMPOSE_MAX_FILE_SIZE"),
        yaml_nodes: limit(500_000, "RCOMPOSE_MAX_YAML_NODES"),
        expanded_size: limit(32 << 20, "RCOMPOSE_MAX_EXPANDED_SIZE"),
        nesting: limit(500, "RCOMPOSE_MAX_NESTING"),
        interpolation_depth: limit(64, "RCOMPOSE_MAX_INTERPOLATION_DEPTH"),
        extends_depth: limit(64, "RCOMPOSE_MAX_EXTENDS_DEPTH"),
        includes: limit(256, "RCOMPOSE_MAX_INCLUDES"),
    };

    /// The defaults, each overridden by its variable when that is set to a number.
    pub fn from_environ(lookup: impl Fn(&str) -> Option<String>) -> Limits {
        let mut limits = Limits::DEFAULT;
        for l in [
            &mut limits.file_size,
            &mut limits.yaml_nodes,
            &mut limits.expanded_size,
            &mut limits.nesting,
            &mut limits.interpolation_depth,
            &mut limits.extends_depth,
            &mut limits.includes,
        ] {
            if let Some(v) = lookup(l.variable).and_then(|v| v.trim().parse::<usize>().ok()) {
                l.value = v;
            }
        }
        limits
    }
}

/// The limits of this process: [`Limits::DEFAULT`] with the process environment's overrides.
pub fn get() -> &'static Limits {
    static LIMITS: OnceLock<Limits> = OnceLock::new();
    LIMITS.get_or_init(|| Limits::from_environ(|k| std::env::var(k).ok()))
}

/// Reads a file of at most `file_size` bytes, without reading more than that from it.
pub fn read_bounded(reader: impl std::io::Read, limits: &Limits) -> std::io::Result<Result<Vec<u8>, String>> {
    use std::io::Read as _;
    let max = limits.file_size.value;
    let mut bytes = Vec::new();
    reader.take(max as u64 + 1).read_to_end(&mut bytes)?;
    if bytes.len() > max {
        return Ok(Err(format!("the file is larger than {max} bytes ({})", limits.file_size.hint())));
    }
    Ok(Ok(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_override_the_defaults() {
        let l = Limits::from_environ(|k| (k == "RCOMPOSE_MAX_NESTING").then(|| "12".to_string()));
        assert_eq!(l.nesting.value, 12);
        assert_eq!(l.yaml_nodes, Limits::DEFAULT.yaml_nodes);
        let l = Limits::from_environ(|_| Some("lots".to_string()));
        assert_eq!(l, Limits::DEFAULT, "a value that is not a number is ignored");
    }

    #[test]
    fn bounded_reads_stop_at_the_limit() {
        let mut l = Limits::DEFAULT;
        l.file_size.value = 4;
        assert_eq!(read_bounded(&b"abcd"[..], &l).unwrap(), Ok(b"abcd".to_vec()));
        let e = read_bounded(&b"abcde"[..], &l).unwrap().unwrap_err();
        assert!(e.contains("larger than 4 bytes") && e.contains("RCOMPOSE_MAX_FILE_SIZE"), "{e}");
    }
}
