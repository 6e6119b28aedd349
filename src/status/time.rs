//! Times as Docker prints and reads them: `3 minutes ago`, Go's `time.Time` text, and the
//! `--since`/`--until` values of `logs` (an RFC 3339 time, a Unix time, or a duration ago).

use crate::model::Duration;

/// Go's `units.HumanDuration` of a number of seconds: `Less than a second`, `3 minutes`...
pub fn human_duration(secs: i64) -> String {
    let hours = (secs as f64 / 3600.0 + 0.5) as i64;
    match secs {
        s if s < 1 => "Less than a second".into(),
        1 => "1 second".into(),
        s if s < 60 => format!("{s} seconds"),
        s if s / 60 == 1 => "About a minute".into(),
        s if s / 60 < 60 => format!("{} minutes", s / 60),
        _ if hours == 1 => "About an hour".into(),
        _ if hours < 48 => format!("{hours} hours"),
        _ if hours < 24 * 7 * 2 => format!("{} days", hours / 24),
        _ if hours < 24 * 30 * 2 => format!("{} weeks", hours / 24 / 7),
        _ if hours < 24 * 365 * 2 => format!("{} months", hours / 24 / 30),
        s => format!("{} years", s / 3600 / 24 / 365),
    }
}

/// Go's `time.Time.String()` of a Unix time, in UTC: `2024-05-01 12:00:00 +0000 UTC`.
pub fn go_time(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000 UTC", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The Unix time (seconds) a `--since`/`--until` value names: a duration ago (`42m`, `1h30m`),
/// a Unix time (`1700000000`), or a date and time (`2013-01-02T13:23:37Z`, with an offset, or
/// `2013-01-02` for midnight UTC).
pub fn parse_timestamp(value: &str, now: i64) -> Result<i64, String> {
    let v = value.trim();
    if let Ok(d) = Duration::parse(v) {
        return Ok(now - d.0.div_euclid(1_000_000_000));
    }
    if let Some(secs) = v.split('.').next().filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())) {
        if v.len() == secs.len() || v[secs.len() + 1..].bytes().all(|b| b.is_ascii_digit()) {
            return secs.parse().map_err(|_| format!("invalid timestamp {value:?}"));
        }
    }
    rfc3339(v).ok_or_else(|| {
        format!("invalid timestamp {value:?}: use a date such as 2013-01-02T13:23:37Z, a Unix time, or a duration such as 42m")
    })
}

pub(crate) fn rfc3339(v: &str) -> Option<i64> {
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, rest) = v.split_once('T').unwrap_or((v, ""));
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let mut secs = days_from_civil(y, m, day) * 86_400;
    if rest.is_empty() {
        return Some(secs);
    }
    // The offset: `Z`, `+HH:MM` or `-HH:MM`; none means UTC.
    let (clock, offset) = match rest.find(['Z', 'z', '+', '-']) {
        Some(i) if rest[i..].eq_ignore_ascii_case("z") => (&rest[..i], 0),
        Some(i) => {
            let sign = if rest.as_bytes()[i] == b'-' { -1 } else { 1 };
            let (h, m) = rest[i + 1..].split_once(':')?;
            (&rest[..i], sign * (num(h)? * 3600 + num(m)? * 60))
        }
        None => (rest, 0),
    };
    let clock = clock.split('.').next()?;
    let mut c = clock.splitn(3, ':');
    secs += num(c.next()?)? * 3600 + num(c.next()?)? * 60 + c.next().map_or(Some(0), num)?;
    Some(secs - offset)
}

pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times_print_like_docker() {
        assert_eq!(human_duration(0), "Less than a second");
        assert_eq!(human_duration(90), "About a minute");
        assert_eq!(human_duration(3 * 3600), "3 hours");
        assert_eq!(go_time(1_700_000_000), "2023-11-14 22:13:20 +0000 UTC");
    }

    #[test]
    fn timestamps_are_read_in_every_form() {
        let now = 1_700_000_000;
        assert_eq!(parse_timestamp("42m", now), Ok(now - 42 * 60));
        assert_eq!(parse_timestamp("1700000000", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("1700000000.5", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("2023-11-14T22:13:20Z", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("2023-11-14T23:13:20.123+01:00", now), Ok(1_700_000_000));
        assert_eq!(parse_timestamp("2023-11-14", now), Ok(1_699_920_000));
        assert!(parse_timestamp("yesterday", now).is_err());
    }
}
