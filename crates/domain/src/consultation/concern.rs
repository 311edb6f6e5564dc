//! 回应关切: a unit records a public concern (a hot topic) with where it arose and when, and
//! answers it with a response — a document of genre 回应关切 linked to the concern and to
//! interpretations. The working days from the concern to the response are the unit's figure.

use crate::calendar::Calendar;
use crate::validation::{Invalid, line, text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_list! {
    /// Where a concern was noticed.
    ConcernSource {
        Opinions = ("opinions", "意见征集"),
        Hotline = ("12345", "12345热线"),
        Media = ("media", "媒体报道"),
        Applications = ("applications", "依申请公开"),
        Other = ("other", "其他"),
    }
}

/// 社会关切（登记时提交）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ConcernBody)]
#[serde(deny_unknown_fields)]
pub struct ConcernInput {
    /// 登记单位，不填为本人所在单位
    pub unit_id: Option<i64>,
    /// 关切事项，如“中心城区老旧小区加装电梯进展缓慢”
    #[serde(default)]
    pub title: String,
    /// 关切的具体内容
    #[serde(default)]
    pub summary: String,
    /// 来源：opinions、12345、media、applications、other
    #[serde(default)]
    pub source: String,
    /// 关切出现的日期 YYYY-MM-DD
    #[serde(default)]
    pub arose_on: String,
    /// 来自某次意见征集时，其 id
    #[serde(default)]
    pub consultation_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcernFields {
    pub title: String,
    pub summary: String,
    pub source: ConcernSource,
    pub arose_on: NaiveDate,
    pub consultation_id: Option<i64>,
}

impl ConcernFields {
    pub fn parse(input: &ConcernInput, today: NaiveDate) -> Result<ConcernFields, Invalid> {
        let mut e = Invalid::default();
        let title = line(&mut e, "title", "关切事项", &input.title, true, 100);
        let summary = text(&mut e, "summary", "具体内容", &input.summary, false, 2000);
        let source = ConcernSource::parse(&input.source);
        if source.is_none() {
            e.push("source", "来源", "请选择（opinions、12345、media、applications、other）");
        }
        let arose_on = crate::time::parse_date(input.arose_on.trim());
        match arose_on {
            None => e.push("arose_on", "出现日期", "应为 YYYY-MM-DD 格式的日期"),
            Some(d) if d > today => e.push("arose_on", "出现日期", "不能晚于今天"),
            Some(_) => {}
        }
        match (source, arose_on) {
            (Some(source), Some(arose_on)) if e.is_empty() => Ok(ConcernFields {
                title,
                summary,
                source,
                arose_on,
                consultation_id: input.consultation_id.filter(|_| source == ConcernSource::Opinions),
            }),
            _ => Err(e),
        }
    }
}

/// Working days from the concern to its response: the days after the concern up to and
/// including the response's, so a response on the day is 0 and on the next working day 1.
/// A response dated before the concern is refused.
pub fn response_workdays(cal: &Calendar, arose_on: NaiveDate, responded_on: NaiveDate) -> Result<i64, String> {
    if responded_on < arose_on {
        return Err("回应日期不能早于关切出现的日期".into());
    }
    Ok(cal.workdays_between(arose_on, responded_on).value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn concerns_are_checked() {
        let ok = ConcernFields::parse(
            &ConcernInput {
                title: "老旧小区加装电梯".into(),
                source: "媒体报道".into(),
                arose_on: "2026-11-02".into(),
                consultation_id: Some(3),
                ..Default::default()
            },
            d("2026-12-06"),
        )
        .expect("valid");
        assert_eq!(ok.source, ConcernSource::Media);
        assert_eq!(ok.consultation_id, None, "only a concern from opinions names a consultation");
        let e = ConcernFields::parse(
            &ConcernInput { source: "rumour".into(), arose_on: "2026-12-07".into(), ..Default::default() },
            d("2026-12-06"),
        )
        .unwrap_err();
        for f in ["title", "source", "arose_on"] {
            assert!(e.message_for(f).is_some(), "{f}");
        }
    }

    #[test]
    fn response_time_counts_working_days_on_the_calendar() {
        let cal = Calendar::official();
        // 2026-09-30 (Wed) to 2026-10-09 (Fri): the National Day holiday lies between.
        let cases = [
            ("2026-12-04", "2026-12-04", 0),
            ("2026-12-04", "2026-12-07", 1), // Friday to Monday
            ("2026-12-01", "2026-12-08", 5),
        ];
        for (from, to, want) in cases {
            assert_eq!(response_workdays(&cal, d(from), d(to)), Ok(want), "{from} → {to}");
        }
        let holiday = response_workdays(&cal, d("2026-09-30"), d("2026-10-09")).expect("ordered");
        assert!(holiday < 7, "the National Day holiday is not counted: {holiday}");
        assert!(response_workdays(&cal, d("2026-12-08"), d("2026-12-01")).is_err());
    }
}
