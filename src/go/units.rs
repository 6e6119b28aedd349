//! Docker's `go-units` sizes as text, as `docker images` and a pull's progress print them.

/// Docker's `units.HumanSizeWithPrecision(size, 3)`: decimal units, three significant digits
/// (`1.98MB`, `123MB`, `0B`).
pub fn human_size(bytes: i64) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", go_g3(size), UNITS[unit])
}

/// Go's `%.3g`.
fn go_g3(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let sci = format!("{v:.2e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..3).contains(&exp) {
        let m = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let decimals = (2 - exp).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_dockers() {
        assert_eq!(human_size(1_984_240), "1.98MB");
        assert_eq!(human_size(0), "0B");
        assert_eq!(human_size(123_400_000), "123MB");
        assert_eq!(human_size(4_300), "4.3kB");
        assert_eq!(human_size(999_999), "1e+03kB");
    }
}
