//! Times and durations as Go prints them: `time.Duration.String()` (`1m30s`, what `config`
//! prints for a compose duration), `time.Time.String()` (`ps --format json`'s `CreatedAt`),
//! and Docker's `units.HumanDuration` (`ps`'s `RunningFor`, `Up 3 minutes`).

use jiff::Timestamp;

/// Go's `time.Duration.String()` of a number of nanoseconds: `1h2m3.5s`, `1m30s`, `500ms`, `0s`.
pub fn duration(n: i64) -> String {
    if n == 0 {
        return "0s".to_string();
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
        return format!("{sign}{}{unit}", frac(u, div));
    }
    let hours = u / 3_600_000_000_000;
    let rem = u % 3_600_000_000_000;
    let mins = rem / 60_000_000_000;
    let secs_ns = rem % 60_000_000_000;
    let secs = frac(secs_ns, 1_000_000_000);
    if hours > 0 {
        format!("{sign}{hours}h{mins}m{secs}s")
    } else if mins > 0 {
        format!("{sign}{mins}m{secs}s")
    } else {
        format!("{sign}{secs}s")
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

/// Go's `time.Time.String()` of a Unix time, in UTC: `2024-05-01 12:00:00 +0000 UTC`. A time
/// outside years -9999 to 9999 (never one the engine reports) prints as the number.
pub fn go_time(unix: i64) -> String {
    match Timestamp::from_second(unix) {
        Ok(t) => t.strftime("%Y-%m-%d %H:%M:%S +0000 UTC").to_string(),
        Err(_) => unix.to_string(),
    }
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
}
