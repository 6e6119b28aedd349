//! The `--since`/`--until` values of `logs`: an RFC 3339 time, a Unix time, or a duration ago.
//! (How times print as Go prints them is in `crate::go::time`.)

use jiff::fmt::temporal::{Pieces, PiecesOffset};
use jiff::tz::Offset;
use jiff::Timestamp;

use crate::model::Duration;

/// Why a `--since`/`--until` value is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("invalid timestamp {0:?}: use a date such as 2013-01-02T13:23:37Z, a Unix time, or a duration such as 42m")]
    Unreadable(String),
    #[error("invalid timestamp {0:?}: out of range (years -9999 to 9999)")]
    OutOfRange(String),
}

/// The Unix time (seconds) a `--since`/`--until` value names: a duration ago (`42m`, `1h30m`),
/// a Unix time (`1700000000`, `1700000000.5`), or a date and time (`2013-01-02T13:23:37Z`, with
/// an offset, without one for UTC, or `2013-01-02` for midnight UTC). A value that names no
/// time in years -9999 to 9999 is refused.
pub fn parse_timestamp(value: &str, now: i64) -> Result<i64, TimestampError> {
    let v = value.trim();
    let out_of_range = || TimestampError::OutOfRange(value.to_string());
    let checked = |secs: Option<i64>| match secs.map(Timestamp::from_second) {
        Some(Ok(t)) => Ok(t.as_second()),
        _ => Err(out_of_range()),
    };
    if let Ok(d) = Duration::parse(v) {
        return checked(now.checked_sub(d.0.div_euclid(1_000_000_000)));
    }
    if let Some(secs) = v.split('.').next().filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) {
        if v.len() == secs.len() || v[secs.len() + 1..].bytes().all(|b| b.is_ascii_digit()) {
            return checked(secs.parse().ok());
        }
    }
    // A date, a time, an offset, each read alone: a date and time that exist, but whose
    // offset carries them past the range, are out of range rather than unreadable.
    let pieces = match Pieces::parse(v) {
        Ok(p) => p,
        Err(_) if looks_like_a_date(v) => return Err(out_of_range()),
        Err(_) => return Err(TimestampError::Unreadable(value.to_string())),
    };
    let offset = match pieces.offset() {
        Some(PiecesOffset::Numeric(n)) => n.offset(),
        // `Z`, or none: UTC.
        _ => Offset::UTC,
    };
    let datetime = pieces.date().to_datetime(pieces.time().unwrap_or_default());
    offset.to_timestamp(datetime).map(|t| t.as_second()).map_err(|_| out_of_range())
}

/// `YYYY...-MM-DD...` with a year of more digits than a date can have: a date out of range
/// rather than no date at all.
fn looks_like_a_date(v: &str) -> bool {
    let year = v.trim_start_matches(['-', '+']).split('-').next().unwrap_or("");
    year.len() > 4 && year.bytes().all(|b| b.is_ascii_digit()) && v.len() > year.len()
}

/// An engine timestamp (RFC 3339, as the engine writes `Created` and `LastTagTime`) as a Unix
/// time; `None` when it is not one.
pub(crate) fn rfc3339(v: &str) -> Option<i64> {
    v.parse::<Timestamp>().ok().map(|t| t.as_second())
}

pub(crate) fn now_secs() -> i64 {
    Timestamp::now().as_second()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_read_in_every_form() {
        let now = 1_700_000_000;
        assert_eq!(parse_timestamp("42m", now), Ok(now - 42 * 60));
        assert_eq!(parse_timestamp("1700000000", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("1700000000.5", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("2023-11-14T22:13:20Z", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("2023-11-14T23:13:20.123+01:00", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("2023-11-14", now), Ok(1_699_920_000));
        assert_eq!(parse_timestamp("2023-11-14T22:13:20", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("yesterday", now), Err(TimestampError::Unreadable("yesterday".into())));
    }

    /// A time no date can hold is a clear error, not an overflow (`logs --since
    /// 99999999999999-01-01` used to overflow the day count).
    #[test]
    fn timestamps_out_of_range_are_refused() {
        let now = 1_700_000_000;
        for v in ["99999999999999-01-01", "10000-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00", "99999999999999999", "9223372036854775807"]
        {
            let e = parse_timestamp(v, now).unwrap_err();
            assert!(matches!(e, TimestampError::OutOfRange(_)), "{v}: {e}");
        }
        // A duration past Go's range is no duration (and no clamp to 292 years ago).
        assert!(parse_timestamp("99999999999999999999h", now).is_err());
        assert_eq!(
            parse_timestamp("99999999999999-01-01", now).unwrap_err().to_string(),
            r#"invalid timestamp "99999999999999-01-01": out of range (years -9999 to 9999)"#
        );
        assert_eq!(parse_timestamp("9999-12-30T00:00:00Z", now), Ok(253_402_128_000));
        assert_eq!(crate::go::time::go_time(253_402_128_000), "9999-12-30 00:00:00 +0000 UTC");
    }
}
