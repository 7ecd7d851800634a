//! Dates, times and timestamps as comparable values.
//!
//! Accepts what PostgreSQL prints with `DateStyle=ISO` (`2026-01-02 03:04:05.123+00`), what
//! SQLite stores (`2026-01-02 03:04:05`, `2026-01-02T03:04:05Z`) and what people write in YAML
//! (RFC 3339 or `YYYY-MM-DD HH:MM:SS[.frac][+hh[:mm]|Z]`). Sessions run with `TimeZone=UTC`,
//! so a timestamp without an offset is taken as UTC.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike};

/// Most seconds an offset may have: PostgreSQL accepts up to ±15:59:59.
const MAX_OFFSET_SECS: i32 = 16 * 3600;

/// Parses `YYYY-MM-DD`.
pub(crate) fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Parses `HH:MM`, `HH:MM:SS` or `HH:MM:SS.frac`.
pub(crate) fn parse_time(text: &str) -> Option<NaiveTime> {
    let text = text.trim();
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .ok()
}

/// A time of day with an optional UTC offset (`timetz`), as the UTC time of day in
/// nanoseconds since midnight.
pub(crate) fn time_tz_utc_nanos(text: &str) -> Option<i64> {
    let (time, offset) = split_time_and_offset(text.trim())?;
    let nanos =
        i64::from(time.num_seconds_from_midnight()) * 1_000_000_000 + i64::from(time.nanosecond());
    let shifted = nanos - i64::from(offset.unwrap_or(0)) * 1_000_000_000;
    Some(shifted.rem_euclid(86_400 * 1_000_000_000))
}

/// The UTC instant a timestamp stands for; no offset means UTC.
///
/// With `date_only_is_midnight`, a bare `YYYY-MM-DD` is midnight (as PostgreSQL reads it into a
/// timestamp column); without it, a date alone is not a timestamp.
pub(crate) fn instant(text: &str, date_only_is_midnight: bool) -> Option<NaiveDateTime> {
    let text = text.trim();
    let Some(split) = text.find([' ', 'T', 't']) else {
        return if date_only_is_midnight {
            parse_date(text).map(|d| d.and_time(NaiveTime::MIN))
        } else {
            None
        };
    };
    let date = parse_date(&text[..split])?;
    let (time, offset) = split_time_and_offset(text[split + 1..].trim_start())?;
    let local = date.and_time(time);
    local.checked_sub_signed(TimeDelta::try_seconds(i64::from(offset.unwrap_or(0)))?)
}

/// Splits `03:04:05.123+05:30` into the time and the offset in seconds east of UTC.
fn split_time_and_offset(text: &str) -> Option<(NaiveTime, Option<i32>)> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.'))
        .unwrap_or(text.len());
    let time = parse_time(&text[..end])?;
    let zone = text[end..].trim();
    let offset = if zone.is_empty() {
        None
    } else {
        Some(parse_offset(zone)?)
    };
    Some((time, offset))
}

/// Parses `Z`, `UTC`, `+05`, `+05:30`, `-0800`, `+05:30:15` into seconds east of UTC.
fn parse_offset(zone: &str) -> Option<i32> {
    if zone.eq_ignore_ascii_case("z")
        || zone.eq_ignore_ascii_case("utc")
        || zone.eq_ignore_ascii_case("gmt")
    {
        return Some(0);
    }
    let (sign, rest) = match zone.as_bytes().first() {
        Some(b'+') => (1, &zone[1..]),
        Some(b'-') => (-1, &zone[1..]),
        _ => return None,
    };
    if !rest.bytes().all(|b| b.is_ascii_digit() || b == b':') {
        return None;
    }
    let fields: Vec<&str> = if rest.contains(':') {
        rest.split(':').collect()
    } else if rest.len() == 4 {
        vec![&rest[..2], &rest[2..]]
    } else {
        vec![rest]
    };
    if fields.is_empty() || fields.len() > 3 {
        return None;
    }
    let mut secs = 0i32;
    for (field, unit) in fields.iter().zip([3600, 60, 1]) {
        if field.is_empty() || field.len() > 2 || !field.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let value: i32 = field.parse().ok()?;
        if unit != 3600 && value >= 60 {
            return None;
        }
        secs += value * unit;
    }
    (secs < MAX_OFFSET_SECS).then_some(sign * secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> NaiveDateTime {
        instant(text, false).unwrap_or_else(|| panic!("{text} should parse"))
    }

    #[test]
    fn postgres_timestamptz_equals_rfc3339() {
        assert_eq!(
            at("2026-01-02 03:04:05.123+00"),
            at("2026-01-02T03:04:05.123Z")
        );
        assert_eq!(
            at("2026-01-02 03:04:05+00"),
            at("2026-01-02T03:04:05+00:00")
        );
    }

    #[test]
    fn offsets_convert_to_utc() {
        assert_eq!(at("2026-01-02 08:34:05+05:30"), at("2026-01-02 03:04:05Z"));
        assert_eq!(at("2026-01-01 19:04:05-0800"), at("2026-01-02 03:04:05"));
        assert_eq!(at("2026-01-02 03:04:05 UTC"), at("2026-01-02 03:04:05"));
        assert_eq!(at("2026-01-02 03:04:05 +01:00"), at("2026-01-02 02:04:05"));
        assert_eq!(
            at("2026-01-02 03:04:20+00:00:15"),
            at("2026-01-02 03:04:05")
        );
    }

    #[test]
    fn different_instants_differ() {
        assert_ne!(at("2026-01-02 03:04:05+01"), at("2026-01-02 03:04:05Z"));
        assert_ne!(at("2026-01-02 03:04:05.1"), at("2026-01-02 03:04:05.12"));
    }

    #[test]
    fn fractions_compare_by_value() {
        assert_eq!(at("2026-01-02 03:04:05.100"), at("2026-01-02 03:04:05.1"));
        assert_eq!(at("2026-01-02 03:04:05.000000"), at("2026-01-02 03:04:05"));
        assert_eq!(at("2026-01-02T03:04"), at("2026-01-02 03:04:00"));
    }

    #[test]
    fn date_only_is_midnight_only_when_asked() {
        assert_eq!(instant("2026-01-02", false), None);
        assert_eq!(instant("2026-01-02", true), Some(at("2026-01-02 00:00:00")));
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for s in [
            "hello",
            "2026-13-01 00:00:00",
            "2026-01-02 25:00:00",
            "2026-01-02 03:04:05+99",
            "2026-01-02 03:04:05 nowhere",
            "infinity",
            "1 day 02:00:00",
            "2026-01-02 03:04:05+5:3:1:1",
            "2026-01-02 03:04:05+a€",
            "2026-01-02 03:04:05+é1",
        ] {
            assert_eq!(instant(s, true), None, "{s}");
        }
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(
            parse_date("2026-01-02"),
            NaiveDate::from_ymd_opt(2026, 1, 2)
        );
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(
            parse_time("03:04:05.5"),
            NaiveTime::from_hms_milli_opt(3, 4, 5, 500)
        );
        assert_eq!(parse_time("03:04"), NaiveTime::from_hms_opt(3, 4, 0));
        assert_eq!(parse_time("noon"), None);
    }

    #[test]
    fn time_with_zone_compares_in_utc() {
        assert_eq!(
            time_tz_utc_nanos("03:04:05+00"),
            time_tz_utc_nanos("04:04:05+01")
        );
        assert_eq!(
            time_tz_utc_nanos("00:30:00+01"),
            time_tz_utc_nanos("23:30:00Z")
        );
        assert_ne!(
            time_tz_utc_nanos("03:04:05+00"),
            time_tz_utc_nanos("03:04:05+01")
        );
        assert_eq!(
            time_tz_utc_nanos("03:04:05"),
            time_tz_utc_nanos("03:04:05+00")
        );
    }
}
