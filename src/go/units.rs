//! Sizes as Docker's `go-units` writes them (`HumanSizeWithPrecision`, `BytesSize`), with Go's
//! `%.Ng`: `1.98MB`, `320KiB`, `23.54GiB`, `1e+03kB`.

const DECIMAL: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
const BINARY: [&str; 9] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

/// `units.HumanSizeWithPrecision(size, precision)`: powers of 1000.
pub fn human_size(size: f64, precision: usize) -> String {
    scaled(size, 1000.0, &DECIMAL, precision)
}

/// `units.BytesSize(size)`: powers of 1024, four significant digits.
pub fn bytes_size(size: f64) -> String {
    scaled(size, 1024.0, &BINARY, 4)
}

fn scaled(mut size: f64, base: f64, units: &[&str], precision: usize) -> String {
    let mut unit = 0;
    while size >= base && unit < units.len() - 1 {
        size /= base;
        unit += 1;
    }
    format!("{}{}", go_g(size, precision), units[unit])
}

/// Go's `%.{precision}g`: `precision` significant digits, trailing zeros dropped, the exponent
/// form when the exponent is below -4 or at least `precision`.
pub fn go_g(v: f64, precision: usize) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let precision = precision.max(1);
    let sci = format!("{v:.*e}", precision - 1);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if exp < -4 || exp >= precision as i32 {
        let m = if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
        return format!("{m}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let decimals = (precision as i32 - 1 - exp).max(0) as usize;
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
    fn sizes_read_like_go_units() {
        assert_eq!(human_size(1_984_240.0, 3), "1.98MB");
        assert_eq!(human_size(0.0, 3), "0B");
        assert_eq!(human_size(1_200.0, 3), "1.2kB");
        assert_eq!(human_size(999_999.0, 3), "1e+03kB");
        assert_eq!(bytes_size(320.0 * 1024.0), "320KiB");
        assert_eq!(bytes_size(25_275_842_560.0), "23.54GiB");
        assert_eq!(bytes_size(0.0), "0B");
        assert_eq!(bytes_size(1023.5), "1024B");
        assert_eq!(go_g(0.000012345, 3), "1.23e-05");
    }
}
