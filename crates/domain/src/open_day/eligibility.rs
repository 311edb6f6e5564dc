//! Who may register for an event: an age range on the day of the event (from the birth date in
//! the ID number), residence in given districts (as the registrant declares it), and for
//! observing an executive meeting at most one registration per person per year.

use crate::codes::CitizenId;
use crate::validation::Invalid;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An event's rules; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    /// Districts (6-digit division codes) the registrant must live in; empty: any.
    pub districts: Vec<String>,
    /// At most one registration (not cancelled) per person per calendar year for events of
    /// this kind (旁听常务会议).
    pub once_a_year: bool,
}

/// Full years of age on `day`.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> u32 {
    u32::try_from(crate::time::whole_years(birth, day)).unwrap_or(0)
}

/// Checks a registrant against the rules: `residence` is the declared district code,
/// `earlier_this_year` how many registrations (not cancelled) the same ID number holds for
/// events of the same once-a-year kind in the event's year.
pub fn check(
    rules: &Rules,
    id: &CitizenId,
    residence: Option<&str>,
    event_day: NaiveDate,
    earlier_this_year: u32,
) -> Result<(), Invalid> {
    let mut e = Invalid::default();
    let age = age_on(id.birth_date(), event_day);
    if let Some(min) = rules.min_age
        && age < min
    {
        e.push("id_number", "身份证号码", format!("本活动限 {min} 周岁以上参加"));
    }
    if let Some(max) = rules.max_age
        && age > max
    {
        e.push("id_number", "身份证号码", format!("本活动限 {max} 周岁以下参加"));
    }
    if !rules.districts.is_empty() && !residence.is_some_and(|r| rules.districts.iter().any(|d| d == r)) {
        e.push("district", "居住区县", "本活动仅限居住在指定区县的市民报名");
    }
    if rules.once_a_year && earlier_this_year > 0 {
        e.push("id_number", "身份证号码", "每人每年限报名旁听一次，本年度已报名");
    }
    e.into_result(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn age_counts_full_years_on_the_day() {
        assert_eq!(age_on(d("1990-12-06"), d("2026-12-05")), 35);
        assert_eq!(age_on(d("1990-12-06"), d("2026-12-06")), 36);
        assert_eq!(age_on(d("2000-02-29"), d("2026-02-28")), 25);
        assert_eq!(age_on(d("2000-02-29"), d("2026-03-01")), 26);
        assert_eq!(age_on(d("2030-01-01"), d("2026-01-01")), 0);
    }

    #[test]
    fn each_rule_names_its_field() {
        // Born 1949-12-31: 76 on 2026-12-10.
        let id = CitizenId::parse("11010519491231002X").expect("a valid id");
        let day = d("2026-12-10");
        assert!(check(&Rules::default(), &id, None, day, 5).is_ok());
        for (rules, residence, earlier, field, words) in [
            (Rules { min_age: Some(80), ..Default::default() }, None, 0, "id_number", "80 周岁以上"),
            (Rules { max_age: Some(70), ..Default::default() }, None, 0, "id_number", "70 周岁以下"),
            (
                Rules { districts: vec!["370103".into()], ..Default::default() },
                Some("370102"),
                0,
                "district",
                "指定区县",
            ),
            (Rules { districts: vec!["370103".into()], ..Default::default() }, None, 0, "district", "指定区县"),
            (Rules { once_a_year: true, ..Default::default() }, None, 1, "id_number", "每人每年"),
        ] {
            let e = check(&rules, &id, residence, day, earlier).expect_err("refused");
            assert!(e.message_for(field).is_some_and(|m| m.contains(words)), "{rules:?}: {e:?}");
        }
        let fits = Rules { min_age: Some(18), max_age: Some(76), districts: vec!["370103".into()], once_a_year: true };
        assert!(check(&fits, &id, Some("370103"), day, 0).is_ok());
    }
}
