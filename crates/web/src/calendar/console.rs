//! Console pages of the holiday calendar.

use crate::app::AppState;
use crate::auth::Staff;
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query};
use crate::page::{Page, html};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate, Utc};
use gongkai_domain::calendar::{Calendar, CalendarDay, DayKind, YearSchedule, format_schedules};
use gongkai_domain::time::{date_in_china, display_instant_at};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(show))
        .route("/calendar/years", post(put_years))
        .route("/calendar/years/{year}/delete", post(delete_year))
        .route("/calendar/days", post(set_day))
        .route("/calendar/days/{date}/clear", post(clear_day))
}

pub struct DayCell {
    pub day: u32,
    pub class: &'static str,
    pub title: String,
}

pub struct MonthView {
    pub title: String,
    pub weeks: Vec<Vec<DayCell>>,
}

fn months(calendar: &Calendar, year: i32) -> Vec<MonthView> {
    (1..=12)
        .filter_map(|m| {
            let first = NaiveDate::from_ymd_opt(year, m, 1)?;
            let mut weeks = Vec::new();
            let mut week: Vec<DayCell> = (1..first.weekday().number_from_monday())
                .map(|_| DayCell { day: 0, class: "", title: String::new() })
                .collect();
            let mut d = first;
            while d.month() == m {
                let (class, title) = match calendar.day(d) {
                    Some(x) if x.kind == DayKind::Holiday => ("day-off", format!("{} 放假", x.name)),
                    Some(x) => ("day-work", format!("{} 调休上班", x.name)),
                    None if d.weekday().number_from_monday() >= 6 => ("day-weekend", "周末".to_string()),
                    None => ("", String::new()),
                };
                week.push(DayCell { day: d.day(), class, title });
                if week.len() == 7 {
                    weeks.push(std::mem::take(&mut week));
                }
                d = d.succ_opt()?;
            }
            if !week.is_empty() {
                while week.len() < 7 {
                    week.push(DayCell { day: 0, class: "", title: String::new() });
                }
                weeks.push(week);
            }
            Some(MonthView { title: format!("{m}月"), weeks })
        })
        .collect()
}

pub struct YearRow {
    pub year: i32,
    pub notice: String,
    pub source: &'static str,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "console/calendar.html")]
struct CalendarTemplate {
    page: Page,
    year: i32,
    years: Vec<YearRow>,
    scheduled: bool,
    months: Vec<MonthView>,
    days: Vec<CalendarDay>,
    schedule_form: FormView,
    day_form: FormView,
    example: String,
}

async fn render(
    state: &AppState,
    headers: &HeaderMap,
    p: &crate::auth::Principal,
    year: i32,
    q: &Fields,
    schedule_form: FormView,
    day_form: FormView,
) -> PageResult {
    let super::YearView { calendar, years: stored, days } = super::year_view(state, p, year).await?;
    let notice = stored.iter().find(|y| y.year == year).map(|y| y.notice.clone()).unwrap_or_default();
    let schedule_form =
        if schedule_form.values.get("schedule").is_empty() && !schedule_form.failed() && !days.is_empty() {
            // Show the year as text so a correction is an edit of what is there.
            let text = format_schedules(&[YearSchedule { year, notice, days: days.clone() }]);
            FormView::from_pairs(&[("schedule", &text)])
        } else {
            schedule_form
        };
    let failed = schedule_form.failed() || day_form.failed();
    let page = with_notice(console_page(state, headers, p, "节假日安排", "/admin/calendar", "calendar").await, q);
    let mut res = html(&CalendarTemplate {
        page,
        year,
        scheduled: calendar.has_schedule(year),
        years: stored
            .iter()
            .map(|y| YearRow {
                year: y.year,
                notice: y.notice.clone(),
                source: y.source.label(),
                updated: display_instant_at(y.updated_at),
            })
            .collect(),
        months: months(&calendar, year),
        days,
        schedule_form,
        day_form,
        example: format!(
            "年份 {year} 国办发明电〔{}〕N号\n元旦 {year}-01-01 放假\n春节 {year}-02-05至{year}-02-11 放假；{year}-01-31、{year}-02-20 上班",
            year - 1
        ),
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn selected_year(q: &Fields) -> i32 {
    q.opt("year").and_then(|y| super::parse_year(y).ok()).unwrap_or_else(|| date_in_china(Utc::now()).year())
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    render(&state, &headers, &p, selected_year(&q), &q, FormView::default(), FormView::default()).await
}

async fn put_years(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    match super::put_years(&state, &p, f.get("schedule")).await {
        Ok(years) => Ok(Redirect::to(&format!(
            "/admin/calendar?year={}&notice=year_saved",
            years.first().copied().unwrap_or(2026)
        ))
        .into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            let year = selected_year(&f);
            render(&state, &headers, &p, year, &Fields::default(), FormView::with_errors(f, e), FormView::default())
                .await
        }
    }
}

async fn set_day(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    match super::set_day(&state, &p, f.get("date"), f.get("kind"), f.get("name")).await {
        Ok(day) => {
            Ok(Redirect::to(&format!("/admin/calendar?year={}&notice=day_saved", day.date.year())).into_response())
        }
        Err(e) => {
            let e = e.form_errors()?;
            let year = super::parse_day(f.get("date"), "date").map(|d| d.year()).unwrap_or_else(|_| selected_year(&f));
            render(&state, &headers, &p, year, &Fields::default(), FormView::default(), FormView::with_errors(f, e))
                .await
        }
    }
}

async fn clear_day(State(state): State<AppState>, Staff(p): Staff, Path(date): Path<String>) -> PageResult {
    super::clear_day(&state, &p, &date).await?;
    let year = super::parse_day(&date, "date").map(|d| d.year()).unwrap_or(2026);
    Ok(Redirect::to(&format!("/admin/calendar?year={year}&notice=day_cleared")).into_response())
}

async fn delete_year(State(state): State<AppState>, Staff(p): Staff, Path(year): Path<String>) -> PageResult {
    let year = super::parse_year(&year).map_err(|_| AppError::NotFound)?;
    super::delete_year(&state, &p, year).await?;
    Ok(Redirect::to(&format!("/admin/calendar?year={year}&notice=year_deleted")).into_response())
}
