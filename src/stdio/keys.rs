//! Detach keys: parsing Docker's `--detach-keys` syntax, and spotting the sequence in what
//! the user types without holding back anything else.

/// Docker's default: Ctrl-P then Ctrl-Q.
pub const DEFAULT: &str = "ctrl-p,ctrl-q";

/// The detach keys when no `--detach-keys` is given: the `detachKeys` of the docker CLI's
/// `config.json` (as `docker attach` and `docker exec` read it), else [`DEFAULT`]. A file
/// that cannot be read is no setting; a setting that cannot be parsed is an error naming it.
pub fn configured() -> Result<String, InvalidKeys> {
    #[derive(serde::Deserialize)]
    struct Config {
        #[serde(rename = "detachKeys", default)]
        detach_keys: String,
    }
    let file = crate::registry::docker_config_dir().map(|d| d.join("config.json"));
    let set = file
        .and_then(|f| std::fs::read(f).ok())
        .and_then(|text| serde_json::from_slice::<Config>(&text).ok())
        .map(|c| c.detach_keys)
        .filter(|k| !k.is_empty());
    match set {
        Some(keys) => parse(&keys).map(|_| keys),
        None => Ok(DEFAULT.to_string()),
    }
}

/// A `--detach-keys` value that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid detach keys {0:?}: expected comma-separated keys, each a letter or ctrl-<a-z, @, ^, [, \\, ], _>")]
pub struct InvalidKeys(pub String);

/// The byte sequence that detaches: `ctrl-p,ctrl-q` is `[0x10, 0x11]`, `a,ctrl-[` is
/// `[b'a', 0x1b]`, as Docker reads them.
pub fn parse(spec: &str) -> Result<Vec<u8>, InvalidKeys> {
    let bad = || InvalidKeys(spec.to_string());
    spec.split(',')
        .map(|key| {
            let key = key.trim();
            if let Some(rest) = key.strip_prefix("ctrl-") {
                let &[c] = rest.as_bytes() else { return Err(bad()) };
                match c {
                    b'a'..=b'z' => Ok(c - b'a' + 1),
                    b'@' => Ok(0),
                    b'[' => Ok(27),
                    b'\\' => Ok(28),
                    b']' => Ok(29),
                    b'^' => Ok(30),
                    b'_' => Ok(31),
                    _ => Err(bad()),
                }
            } else {
                match key.as_bytes() {
                    &[c] if c.is_ascii_graphic() => Ok(c),
                    _ => Err(bad()),
                }
            }
        })
        .collect()
}

/// Watches typed bytes for the detach sequence. Bytes that may begin the sequence are held
/// until the next ones tell; held bytes that turn out not to be it are passed on, as typed.
#[derive(Debug, Clone)]
pub struct Escape {
    keys: Vec<u8>,
    /// How many bytes of `keys` the last bytes typed matched (held back, not yet sent).
    matched: usize,
}

/// What to do with a chunk of typed bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scan {
    /// Send these bytes on (possibly none: the chunk is held as a prefix of the sequence).
    Send(Vec<u8>),
    /// The sequence was typed: detach. The bytes before it are to be sent first.
    Detach(Vec<u8>),
}

impl Escape {
    pub fn new(keys: Vec<u8>) -> Escape {
        Escape { keys, matched: 0 }
    }

    pub fn scan(&mut self, input: &[u8]) -> Scan {
        let mut out = Vec::with_capacity(input.len());
        for &b in input {
            if self.keys.is_empty() {
                out.push(b);
                continue;
            }
            if b == self.keys[self.matched] {
                self.matched += 1;
                if self.matched == self.keys.len() {
                    self.matched = 0;
                    return Scan::Detach(out);
                }
                continue;
            }
            // Not the sequence after all: what was held goes out, and this byte may start it anew.
            out.extend_from_slice(&self.keys[..self.matched]);
            self.matched = 0;
            if b == self.keys[0] {
                self.matched = 1;
                if self.keys.len() == 1 {
                    self.matched = 0;
                    return Scan::Detach(out);
                }
            } else {
                out.push(b);
            }
        }
        Scan::Send(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_key_syntax() {
        assert_eq!(parse(DEFAULT).unwrap(), [0x10, 0x11]);
        assert_eq!(parse("a,ctrl-[,ctrl-@,ctrl-_").unwrap(), [b'a', 27, 0, 31]);
        assert_eq!(parse("ctrl-x").unwrap(), [0x18]);
        assert!(parse("ctrl-").is_err());
        assert!(parse("ctrl-1").is_err());
        assert!(parse("ab").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn the_sequence_detaches_and_the_rest_goes_through() {
        let mut e = Escape::new(vec![0x10, 0x11]);
        assert_eq!(e.scan(b"ls\r"), Scan::Send(b"ls\r".to_vec()));
        assert_eq!(e.scan(b"x\x10"), Scan::Send(b"x".to_vec()), "a possible start is held");
        assert_eq!(e.scan(b"\x11"), Scan::Detach(vec![]), "across chunks");
    }

    #[test]
    fn a_false_start_is_sent_as_typed() {
        let mut e = Escape::new(vec![0x10, 0x11]);
        assert_eq!(e.scan(b"\x10a"), Scan::Send(b"\x10a".to_vec()));
        assert_eq!(e.scan(b"\x10\x10\x11"), Scan::Detach(b"\x10".to_vec()), "a repeated first key restarts the match");
    }
}
