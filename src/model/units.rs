//! Value types whose text form follows Docker Compose: durations printed as Go prints them
//! (`1m30s`), byte sizes read with units (`512m`) and printed as a plain number.

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;

/// A duration in nanoseconds, written and read in Go's `time.Duration` syntax.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

impl Duration {
    pub fn from_secs(s: i64) -> Duration {
        Duration(s * 1_000_000_000)
    }

    pub fn as_std(self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.0.max(0) as u64)
    }

    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Parses Go's duration syntax: a sequence of decimal numbers with units
    /// `ns`, `us`/`µs`, `ms`, `s`, `m`, `h` (`1h30m`, `1.5s`, `-2m`). `0` alone is allowed.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let err = || format!("invalid duration {s:?}: expected a number with a unit such as 10s, 1m30s or 500ms");
        let (neg, mut rest) = match s.strip_prefix('-') {
            Some(r) => (true, r),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        if rest == "0" {
            return Ok(Duration(0));
        }
        if rest.is_empty() {
            return Err(err());
        }
        let mut total: f64 = 0.0;
        while !rest.is_empty() {
            let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(err)?;
            if num_end == 0 {
                return Err(err());
            }
            let num: f64 = rest[..num_end].parse().map_err(|_| err())?;
            rest = &rest[num_end..];
            let unit_end = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
            let unit = match &rest[..unit_end] {
                "ns" => 1.0,
                "us" | "µs" | "μs" => 1e3,
                "ms" => 1e6,
                "s" => 1e9,
                "m" => 60e9,
                "h" => 3600e9,
                _ => return Err(err()),
            };
            total += num * unit;
            rest = &rest[unit_end..];
        }
        // As Go's `time.ParseDuration`: past about 292 years it is an error, not a clamp.
        if total.round() >= i64::MAX as f64 {
            return Err(format!("invalid duration {s:?}: out of range (at most 2562047h)"));
        }
        let n = total.round() as i64;
        Ok(Duration(if neg { -n } else { n }))
    }
}

impl fmt::Display for Duration {
    /// Go's `time.Duration.String()`: `1h2m3.5s`, `1m30s`, `500ms`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n == 0 {
            return write!(f, "0s");
        }
        let sign = if n < 0 { "-" } else { "" };
        let u = n.unsigned_abs();
        if u < 1_000_000_000 {
            // Sub-second: pick the largest unit that keeps an integer part.
            let (div, unit) = if u < 1_000 {
                (1, "ns")
            } else if u < 1_000_000 {
                (1_000, "µs")
            } else {
                (1_000_000, "ms")
            };
            return write!(f, "{sign}{}{unit}", frac(u, div));
        }
        let hours = u / 3_600_000_000_000;
        let rem = u % 3_600_000_000_000;
        let mins = rem / 60_000_000_000;
        let secs_ns = rem % 60_000_000_000;
        let secs = frac(secs_ns, 1_000_000_000);
        if hours > 0 {
            write!(f, "{sign}{hours}h{mins}m{secs}s")
        } else if mins > 0 {
            write!(f, "{sign}{mins}m{secs}s")
        } else {
            write!(f, "{sign}{secs}s")
        }
    }
}

/// `v / div` as a decimal without trailing zeros.
fn frac(v: u64, div: u64) -> String {
    let whole = v / div;
    let rest = v % div;
    if rest == 0 {
        return whole.to_string();
    }
    let width = div.to_string().len() - 1;
    let digits = format!("{rest:0width$}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as 10s or 1m30s")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                Ok(Duration(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Ok(Duration(v as i64))
            }
        }
        d.deserialize_any(V)
    }
}

/// A size in bytes. Read from a number or a string with a unit (`512m`, `1gb`, `64k`, binary
/// multiples as Docker reads them); printed as the number of bytes, in quotes as Compose does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Bytes(pub i64);

impl Bytes {
    pub fn parse(s: &str) -> Result<Bytes, String> {
        let t = s.trim();
        let err = || format!("invalid size {s:?}: expected a number of bytes or a number with a unit (b, k, m, g)");
        let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let num: f64 = num.parse().map_err(|_| err())?;
        let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1.0,
            "k" | "kb" | "kib" => 1024.0,
            "m" | "mb" | "mib" => 1024.0 * 1024.0,
            "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
            "t" | "tb" | "tib" => 1024f64.powi(4),
            "p" | "pb" | "pib" => 1024f64.powi(5),
            _ => return Err(err()),
        };
        Ok(Bytes((num * mult) as i64))
    }
}

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Bytes, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Bytes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as 512m or a number of bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Bytes, E> {
                Bytes::parse(v).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Bytes, E> {
                Ok(Bytes(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Bytes, E> {
                Ok(Bytes(v as i64))
            }
            /// compose-go's `UnitBytes` reads integers and strings only: a size written as a
            /// YAML float (`shm_size: 1e3`, `mem_limit: 2.0`) is silently unset, and so it is here.
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Bytes, E> {
                Ok(Bytes(0))
            }
        }
        d.deserialize_any(V)
    }
}

/// Writes an `f32` with its shortest decimal form (`0.001`, not `0.0010000000474974513`), as
/// Go prints a `float32`.
pub fn f32_shortest<S: Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    let shortest: f64 = v.to_string().parse().unwrap_or(*v as f64);
    s.serialize_f64(shortest)
}

/// Reads a number written either as a YAML number or as a string (`cpus: '0.5'`).
pub fn lenient_f32<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = f32;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<f32, E> {
            v.trim().parse().map_err(|_| E::custom(format!("invalid number {v:?}")))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<f32, E> {
            Ok(v as f32)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f32, E> {
            Ok(v as f32)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f32, E> {
            Ok(v as f32)
        }
    }
    d.deserialize_any(V)
}

/// Reads a string-to-string mapping whose values may be written as numbers or booleans
/// (`driver_opts: {size: 1}`); `null` becomes an empty string.
pub fn lenient_mapping<'de, D: Deserializer<'de>>(d: D) -> Result<std::collections::BTreeMap<String, String>, D::Error> {
    let raw: std::collections::BTreeMap<String, serde_json::Value> = Deserialize::deserialize(d)?;
    raw.into_iter()
        .map(|(k, v)| {
            let s = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                serde_json::Value::Number(n) => n.to_string(),
                serde_json::Value::Bool(b) => b.to_string(),
                other => return Err(de::Error::custom(format!("the value of {k:?} must be a string, not {other}"))),
            };
            Ok((k, s))
        })
        .collect()
}

/// Reads an integer written either as a YAML number or as a string.
pub fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
            v.trim().parse().map_err(|_| E::custom(format!("invalid integer {v:?}")))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(E::custom)
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_print_like_go() {
        for (input, want) in [
            ("90s", "1m30s"),
            ("120s", "2m0s"),
            ("10s", "10s"),
            ("1h", "1h0m0s"),
            ("1.5s", "1.5s"),
            ("500ms", "500ms"),
            ("0", "0s"),
            ("1m0.25s", "1m0.25s"),
            ("1500us", "1.5ms"),
        ] {
            assert_eq!(Duration::parse(input).unwrap().to_string(), want, "{input}");
        }
    }

    #[test]
    fn bad_durations_are_rejected() {
        for bad in ["", "10", "s", "1x", "1.2.3s", "2562048h", "99999999999999999999h"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sizes_read_units() {
        assert_eq!(Bytes::parse("50M").unwrap().0, 52_428_800);
        assert_eq!(Bytes::parse("1g").unwrap().0, 1_073_741_824);
        assert_eq!(Bytes::parse("64k").unwrap().0, 65_536);
        assert_eq!(Bytes::parse("10000").unwrap().0, 10_000);
        assert_eq!(Bytes::parse("1.5kb").unwrap().0, 1536);
        assert!(Bytes::parse("12q").is_err());
    }

    #[test]
    fn a_size_written_as_a_float_is_unset_as_docker_compose_leaves_it() {
        let b: Bytes = serde_json::from_value(serde_json::json!(1e3)).unwrap();
        assert_eq!(b.0, 0);
        let b: Bytes = serde_json::from_value(serde_json::json!(1000)).unwrap();
        assert_eq!(b.0, 1000);
    }
}
