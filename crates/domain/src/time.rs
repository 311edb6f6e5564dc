//! Instants are stored in UTC as fixed-width text so that they sort and compare as strings on
//! every database; dates the law counts are calendar dates in China Standard Time.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

const INSTANT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

pub fn format_instant(at: DateTime<Utc>) -> String {
    at.format(INSTANT_FORMAT).to_string()
}

pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|d| d.with_timezone(&Utc))
}

/// China has used UTC+8 without daylight saving since 1991, so a fixed offset is exact for
/// every date the platform counts.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn date_in_china(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// How an instant is shown to people: local time to the minute.
pub fn display_instant(text: &str) -> String {
    match parse_instant(text) {
        Some(at) => at.with_timezone(&china()).format("%Y-%m-%d %H:%M").to_string(),
        None => text.to_string(),
    }
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn instants_round_trip_and_sort_as_text() {
        let a = Utc.with_ymd_and_hms(2026, 1, 31, 16, 0, 0).unwrap();
        let b = a + chrono::Duration::microseconds(1);
        assert_eq!(format_instant(a), "2026-01-31T16:00:00.000000Z");
        assert!(format_instant(a) < format_instant(b));
        assert_eq!(parse_instant(&format_instant(b)), Some(b));
        // 16:00 UTC is already the next day in Jinan.
        assert_eq!(date_in_china(a), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert_eq!(display_instant(&format_instant(a)), "2026-02-01 00:00");
        assert_eq!(display_instant("garbage"), "garbage");
        assert_eq!(parse_date(" 2026-02-29 "), None);
        assert_eq!(parse_date("2028-02-29"), NaiveDate::from_ymd_opt(2028, 2, 29));
    }
}
