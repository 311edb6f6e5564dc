//! Instants are stored in UTC as fixed-width text so that they sort and compare as strings on
//! every database; dates the law counts are calendar dates in China Standard Time.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

const INSTANT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// The stored text of an instant; takes the instant or a reference to it, as templates hold
/// either.
pub fn format_instant(at: impl std::borrow::Borrow<DateTime<Utc>>) -> String {
    at.borrow().format(INSTANT_FORMAT).to_string()
}

pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|d| d.with_timezone(&Utc))
}

/// An instant as people read it (`display_instant` for a typed instant). Takes the instant
/// or a reference to it, as templates hold either.
pub fn display_instant_at(at: impl std::borrow::Borrow<DateTime<Utc>>) -> String {
    display_local_time(at.borrow().with_timezone(&china()).naive_local())
}

/// An instant as local time to the minute in machine form (`local_minute` for a typed
/// instant); also the stored form of a scheduled publication time.
pub fn local_minute_at(at: impl std::borrow::Borrow<DateTime<Utc>>) -> String {
    at.borrow().with_timezone(&china()).format(LOCAL_MINUTE_FORMAT).to_string()
}

const LOCAL_MINUTE_FORMAT: &str = "%Y-%m-%d %H:%M";

/// A local time to the minute (`YYYY-MM-DD HH:MM`, China Standard Time, as scheduled
/// publication is kept) as the instant it names.
pub fn parse_local_minute(text: &str) -> Option<DateTime<Utc>> {
    let t = chrono::NaiveDateTime::parse_from_str(text.trim(), LOCAL_MINUTE_FORMAT).ok()?;
    t.and_local_timezone(china()).single().map(|d| d.with_timezone(&Utc))
}

/// Serde in the stored text form of instants (`format_instant`), so that typed rows keep the
/// JSON they had as text: `#[serde(with = "gongkai_domain::time::serde_instant")]`.
pub mod serde_instant {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_instant(*at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_instant(&text).ok_or_else(|| serde::de::Error::custom(format!("not an instant: {text}")))
    }
}

/// [`serde_instant`] for an optional instant (`null` when none).
pub mod serde_instant_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_some(&super::format_instant(*at)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_instant(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not an instant: {text}"))),
        }
    }
}

/// Serde of an optional instant as local time to the minute (`local_minute_at`), the form of
/// scheduled publication times.
pub mod serde_local_minute_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_some(&super::local_minute_at(at)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_local_minute(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("not a local time: {text}"))),
        }
    }
}

/// China has used UTC+8 without daylight saving since 1991, so a fixed offset is exact for
/// every date the platform counts.
pub fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

pub fn date_in_china(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// How an instant is shown to people: Beijing time to the minute, 「2026年12月5日 20:33」.
pub fn display_instant(text: &str) -> String {
    match parse_instant(text) {
        Some(at) => display_local_time(at.with_timezone(&china()).naive_local()),
        None => text.to_string(),
    }
}

/// An instant as local time to the minute in machine form (`2026-12-05 20:33`), for the API.
pub fn local_minute(text: &str) -> String {
    match parse_instant(text) {
        Some(at) => at.with_timezone(&china()).format("%Y-%m-%d %H:%M").to_string(),
        None => text.to_string(),
    }
}

/// A local date and time as people read it: 「2026年12月8日 09:00」.
pub fn display_local_time(t: chrono::NaiveDateTime) -> String {
    use chrono::{Datelike, Timelike};
    format!("{}年{}月{}日 {:02}:{:02}", t.year(), t.month(), t.day(), t.hour(), t.minute())
}

/// A stored local time (`YYYY-MM-DD HH:MM`, as scheduled publication is kept) as people read
/// it; anything else is shown as it is.
pub fn display_local(text: &str) -> String {
    match chrono::NaiveDateTime::parse_from_str(text.trim(), "%Y-%m-%d %H:%M") {
        Ok(t) => display_local_time(t),
        Err(_) => text.to_string(),
    }
}

/// A calendar date as people read it: 「2026年12月8日」.
pub fn display_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Whole years from `from` to `as_of`, counted as birthdays are (negative when `as_of` comes
/// first): an age on a day, or an enterprise's years since its founding.
pub fn whole_years(from: NaiveDate, as_of: NaiveDate) -> i32 {
    use chrono::Datelike;
    let years = as_of.year() - from.year();
    if (as_of.month(), as_of.day()) < (from.month(), from.day()) { years - 1 } else { years }
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
        assert_eq!(display_instant(&format_instant(a)), "2026年2月1日 00:00");
        assert_eq!(local_minute(&format_instant(a)), "2026-02-01 00:00");
        // The value of issue 13: a UTC instant after approval, shown in Beijing time.
        assert_eq!(display_instant("2026-12-05T12:33:55.481455Z"), "2026年12月5日 20:33");
        assert_eq!(display_local("2026-12-08 09:00"), "2026年12月8日 09:00");
        assert_eq!(display_local("明天"), "明天");
        assert_eq!(display_date(NaiveDate::from_ymd_opt(2026, 1, 9).unwrap()), "2026年1月9日");
        assert_eq!(display_instant("garbage"), "garbage");
        assert_eq!(parse_date(" 2026-02-29 "), None);
        assert_eq!(parse_date("2028-02-29"), NaiveDate::from_ymd_opt(2028, 2, 29));
    }

    #[test]
    fn typed_instants_show_and_serialise_as_their_text() {
        let at = parse_instant("2026-12-05T12:33:55.481455Z").unwrap();
        assert_eq!(display_instant_at(at), display_instant("2026-12-05T12:33:55.481455Z"));
        assert_eq!(local_minute_at(at), "2026-12-05 20:33");
        let scheduled = parse_local_minute("2026-12-08 09:00").unwrap();
        assert_eq!(format_instant(scheduled), "2026-12-08T01:00:00.000000Z");
        assert_eq!(local_minute_at(scheduled), "2026-12-08 09:00");
        assert_eq!(parse_local_minute("明天"), None);
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Row {
            #[serde(with = "serde_instant")]
            at: DateTime<Utc>,
            #[serde(with = "serde_instant_opt")]
            seen_at: Option<DateTime<Utc>>,
            #[serde(with = "serde_local_minute_opt")]
            publish_at: Option<DateTime<Utc>>,
        }
        let row = Row { at, seen_at: None, publish_at: Some(scheduled) };
        let json = serde_json::to_string(&row).unwrap();
        assert_eq!(json, r#"{"at":"2026-12-05T12:33:55.481455Z","seen_at":null,"publish_at":"2026-12-08 09:00"}"#);
        assert_eq!(serde_json::from_str::<Row>(&json).unwrap(), row);
    }
}
