//! The audit log as staff read it: filters, scope and the chain check.

pub mod api;
pub mod console;

use crate::auth::Principal;
use crate::errors::AppError;
use crate::forms::Fields;
use chrono::{NaiveTime, TimeZone};
use gongkai_domain::time::{china, format_instant, parse_date};
use gongkai_domain::validation::Invalid;
use gongkai_store::AuditFilter;

/// Reads the filter fields shared by the console and the API; dates are local calendar
/// dates, inclusive.
pub fn filter_from(p: &Principal, q: &Fields) -> Result<AuditFilter, AppError> {
    let within_unit = gongkai_app::audit::scope(p)?;
    let mut errors = Invalid::default();
    let day_bound = |field: &str, label: &str, end: bool, errors: &mut Invalid| -> Option<String> {
        let raw = q.opt(field)?;
        match parse_date(raw) {
            Some(d) => {
                let time = if end {
                    NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999)
                } else {
                    NaiveTime::from_hms_opt(0, 0, 0)
                };
                let local = china().from_local_datetime(&d.and_time(time?)).single()?;
                Some(format_instant(local.with_timezone(&chrono::Utc)))
            }
            None => {
                errors.push(field, label, "应为 YYYY-MM-DD 格式的日期");
                None
            }
        }
    };
    let from = day_bound("from", "开始日期", false, &mut errors);
    let until = day_bound("to", "结束日期", true, &mut errors);
    errors.into_result(())?;
    let text = |name: &str| q.opt(name).map(|s| s.chars().take(100).collect::<String>());
    Ok(AuditFilter {
        within_unit,
        actor: text("actor"),
        action: text("action"),
        object_type: text("object_type"),
        object_id: text("object_id"),
        from,
        until,
        text: text("q"),
    })
}
