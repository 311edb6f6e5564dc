//! The holiday calendar: entering a year's schedule, correcting single days, and the working
//! day questions other systems ask (is this a working day, what date is N working days on).

use crate::Context;
use crate::Error;
use crate::Principal;
use chrono::{Datelike, NaiveDate};
use gongkai_domain::calendar::{Calendar, CalendarDay, DayKind, parse_schedules};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::time::parse_date;
use gongkai_domain::validation::{self, Invalid};
use gongkai_store::calendar::ScheduledYear;
use std::sync::Arc;

pub fn parse_day(raw: &str, field: &str) -> Result<NaiveDate, Invalid> {
    parse_date(raw).ok_or_else(|| Invalid::one(field, "日期", "应为 YYYY-MM-DD 格式的有效日期，如 2027-01-01"))
}

/// Enters (or replaces) the years in `text`, written in the format of the shipped schedule.
pub async fn put_years(cx: &Context, p: &Principal, text: &str) -> Result<Vec<i32>, Error> {
    p.require(Action::ManageCalendar, Reach::Global)?;
    if text.trim().is_empty() {
        return Err(Invalid::one("schedule", "节假日安排", "不能为空").into());
    }
    if text.chars().count() > 20_000 {
        return Err(Invalid::one("schedule", "节假日安排", "内容过长，请一次录入一个年度").into());
    }
    let schedules = parse_schedules(text).map_err(|e| Invalid::one("schedule", "节假日安排", e))?;
    let mut w = cx.store.write(p.actor()).await?;
    for s in &schedules {
        w.calendar_put_year(s, gongkai_domain::calendar::ScheduleSource::Admin).await?;
    }
    w.commit().await?;
    cx.calendar_changed();
    Ok(schedules.iter().map(|s| s.year).collect())
}

pub async fn set_day(cx: &Context, p: &Principal, date: &str, kind: &str, name: &str) -> Result<CalendarDay, Error> {
    p.require(Action::ManageCalendar, Reach::Global)?;
    let mut errors = Invalid::default();
    let date = parse_day(date, "date").map_err(|e| errors.0.extend(e.0)).ok();
    let kind = DayKind::parse(kind.trim());
    if kind.is_none() {
        errors.push("kind", "安排", "应为 holiday（放假）或 workday（调休上班）");
    }
    let name = validation::line(&mut errors, "name", "节日名称", name, true, 20);
    if let (Some(d), Some(DayKind::Workday)) = (date, kind)
        && d.weekday().number_from_monday() <= 5
    {
        errors.push("kind", "安排", "调休上班日应为星期六或星期日；工作日本来就要上班");
    }
    let (Some(date), Some(kind)) = (date, kind) else { return Err(errors.into()) };
    errors.into_result(())?;
    let day = CalendarDay { date, kind, name };
    let mut w = cx.store.write(p.actor()).await?;
    w.calendar_set_day(&day).await?;
    w.commit().await?;
    cx.calendar_changed();
    Ok(day)
}

pub async fn clear_day(cx: &Context, p: &Principal, date: &str) -> Result<bool, Error> {
    p.require(Action::ManageCalendar, Reach::Global)?;
    let date = parse_day(date, "date")?;
    let mut w = cx.store.write(p.actor()).await?;
    let cleared = w.calendar_clear_day(date).await?;
    if cleared {
        w.commit().await?;
        cx.calendar_changed();
    }
    Ok(cleared)
}

pub async fn delete_year(cx: &Context, p: &Principal, year: i32) -> Result<bool, Error> {
    p.require(Action::ManageCalendar, Reach::Global)?;
    let mut w = cx.store.write(p.actor()).await?;
    let gone = w.calendar_delete_year(year).await?;
    if gone {
        w.commit().await?;
        cx.calendar_changed();
    }
    Ok(gone)
}

pub fn parse_year(raw: &str) -> Result<i32, Invalid> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1990..=2200).contains(y))
        .ok_or_else(|| Invalid::one("year", "年份", "应为四位年份，如 2027"))
}

/// The years whose schedules are entered (public).
pub async fn years(cx: &Context) -> Result<Vec<ScheduledYear>, Error> {
    Ok(cx.store.calendar_years().await?)
}

/// A year's notice (`None` when its schedule is not entered) and its holidays and 调休 days
/// (public).
pub async fn year(cx: &Context, year: i32) -> Result<(Option<String>, Vec<CalendarDay>), Error> {
    let notice = cx.store.calendar_years().await?.into_iter().find(|y| y.year == year).map(|y| y.notice);
    let days = cx.store.calendar_days_of(year).await?;
    Ok((notice, days))
}

/// What the console's calendar page shows for a year.
pub struct YearView {
    pub calendar: Arc<Calendar>,
    /// Every year entered.
    pub years: Vec<ScheduledYear>,
    /// The year's holidays and 调休 days.
    pub days: Vec<CalendarDay>,
}

pub async fn year_view(cx: &Context, p: &Principal, year: i32) -> Result<YearView, Error> {
    p.require(Action::ManageCalendar, Reach::Global)?;
    let calendar = cx.calendar().await?;
    let years = cx.store.calendar_years().await?;
    let days = cx.store.calendar_days_of(year).await?;
    Ok(YearView { calendar, years, days })
}
