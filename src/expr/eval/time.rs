//! Timestamps and durations for `+`, `-` and comparisons on `!!timestamp` values, as yq does
//! them (pkg/yqlib/operator_datetime.go): RFC 3339 (`2021-01-01T03:10:00Z`, or a date alone,
//! read as midnight UTC) plus a Go duration (`3h10m`, `24h`, `-1.5h`, `300ms`), written back in
//! RFC 3339 with the original offset.

use std::cmp::Ordering;

/// An instant with the UTC offset it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Instant {
    /// Nanoseconds since the Unix epoch.
    nanos: i128,
    /// The offset from UTC, in minutes (`None`: written `Z`).
    offset: Option<i32>,
}

/// Days since the epoch of a civil date (proleptic Gregorian; Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day since the epoch.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

fn parse(text: &str) -> Option<Instant> {
    let b = text.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then(|| s.parse().ok())?
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return Some(Instant { nanos: i128::from(days) * 86_400 * 1_000_000_000, offset: None });
    }
    if b.len() < 20 || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &text[19..];
    let mut fraction: i128 = 0;
    if let Some(f) = rest.strip_prefix('.') {
        let digits: String = f.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() || digits.len() > 9 {
            return None;
        }
        fraction = format!("{digits:0<9}").parse().ok()?;
        rest = &f[digits.len()..];
    }
    let offset = match rest {
        "Z" | "z" => None,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let hours: i32 = rest.get(1..3)?.parse().ok()?;
            let minutes: i32 = rest.get(4..6)?.parse().ok()?;
            Some(sign * (hours * 60 + minutes))
        }
    };
    let local = i128::from(days * 86_400 + hour * 3_600 + minute * 60 + second);
    let seconds = local - i128::from(offset.unwrap_or(0)) * 60;
    Some(Instant { nanos: seconds * 1_000_000_000 + fraction, offset })
}

/// RFC 3339 as Go's `time.RFC3339` layout writes it (no fractional seconds).
fn format(instant: Instant) -> String {
    let offset_seconds = i128::from(instant.offset.unwrap_or(0)) * 60;
    let local = instant.nanos.div_euclid(1_000_000_000) + offset_seconds;
    let days = local.div_euclid(86_400) as i64;
    let secs = local.rem_euclid(86_400) as i64;
    let (year, month, day) = civil_from_days(days);
    let zone = match instant.offset {
        None | Some(0) => "Z".to_string(),
        Some(m) => format!("{}{:02}:{:02}", if m < 0 { '-' } else { '+' }, m.abs() / 60, m.abs() % 60),
    };
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}{zone}", secs / 3600, secs % 3600 / 60, secs % 60)
}

/// A Go duration (`time.ParseDuration`) in nanoseconds.
fn parse_duration(text: &str) -> Option<i128> {
    let (sign, mut rest) = match text.strip_prefix('-') {
        Some(r) => (-1, r),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    if rest == "0" {
        return Some(0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        if number_len == 0 {
            return None;
        }
        let number: f64 = rest[..number_len].parse().ok()?;
        rest = &rest[number_len..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let nanos_per = match &rest[..unit_len] {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += number * nanos_per;
    }
    Some(sign * total.round() as i128)
}

/// `timestamp ± duration` (`sign` 1 or -1), in RFC 3339.
pub(crate) fn add_duration(timestamp: &str, duration: &str, sign: i128) -> Result<String, String> {
    let instant = parse(timestamp).ok_or_else(|| format!("cannot read {timestamp:?} as an RFC 3339 timestamp"))?;
    let nanos = parse_duration(duration).ok_or_else(|| format!("unable to parse duration [{duration}]"))?;
    Ok(format(Instant { nanos: instant.nanos + sign * nanos, ..instant }))
}

/// The order of two timestamps.
pub(crate) fn compare(a: &str, b: &str) -> Result<Ordering, String> {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => Ok(x.nanos.cmp(&y.nanos)),
        _ => Err(format!("cannot compare {a:?} with {b:?} as timestamps")),
    }
}

/// Whether a plain scalar's text is a timestamp yq tags `!!timestamp` (RFC 3339, or a date).
pub fn is_timestamp(text: &str) -> bool {
    parse(text).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_plus_durations() {
        assert_eq!(add_duration("2021-01-01T00:00:00Z", "3h10m", 1).unwrap(), "2021-01-01T03:10:00Z");
        assert_eq!(add_duration("2021-01-01", "24h", 1).unwrap(), "2021-01-02T00:00:00Z");
        assert_eq!(add_duration("2021-01-01T03:10:00Z", "3h10m", -1).unwrap(), "2021-01-01T00:00:00Z");
        assert_eq!(add_duration("2021-01-01", "24h", -1).unwrap(), "2020-12-31T00:00:00Z");
        assert_eq!(add_duration("2024-02-28T23:30:00+02:00", "1h", 1).unwrap(), "2024-02-29T00:30:00+02:00");
        assert_eq!(add_duration("2021-01-01T00:00:00.5Z", "1.5s", 1).unwrap(), "2021-01-01T00:00:02Z");
        assert!(add_duration("2021-01-01", "3 hours", 1).unwrap_err().contains("duration"));
        assert!(add_duration("yesterday", "1h", 1).is_err());
    }

    #[test]
    fn timestamp_forms() {
        assert!(
            is_timestamp("2021-01-01")
                && is_timestamp("2021-01-01T00:00:00Z")
                && is_timestamp("2021-01-01t00:00:00.123+01:00")
        );
        assert!(!is_timestamp("2021-13-01") && !is_timestamp("1.2.3") && !is_timestamp("2021-01-01 00:00"));
        assert_eq!(compare("2021-01-01T01:00:00+01:00", "2021-01-01T00:00:00Z"), Ok(Ordering::Equal));
    }
}
