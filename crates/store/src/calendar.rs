//! The holiday calendar as stored: the shipped schedules are seeded once per year, and
//! administrators enter new years (the next year's notice comes out each November) and correct
//! single days without a release.

use crate::audit::{Actor, Writer};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use gongkai_domain::calendar::{Calendar, CalendarDay, DayKind, ScheduleSource, YearSchedule, official_schedules};
use gongkai_domain::validation::Invalid;
use sqlx::Row;

/// Where a year's schedule came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ScheduledYear {
    pub year: i32,
    pub notice: String,
    #[serde(serialize_with = "source_code")]
    pub source: ScheduleSource,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub updated_at: DateTime<Utc>,
}

/// The source as its stored code, as the JSON of this row has always had it.
fn source_code<S: serde::Serializer>(source: &ScheduleSource, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(source.code())
}

fn day_from_row(r: &sqlx::any::AnyRow) -> Result<CalendarDay> {
    let r = Named::new(r, "calendar_days");
    Ok(CalendarDay { date: r.date("day")?, kind: r.code("kind", DayKind::parse)?, name: r.get("name")? })
}

/// Adds each shipped year the database does not have yet. Years already present are left
/// alone, so an administrator's corrections survive upgrades.
pub async fn seed_official(store: &Store) -> Result<Vec<i32>> {
    let known: Vec<i64> = sqlx::query("SELECT year FROM calendar_years")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| r.try_get("year"))
        .collect::<Result<_, _>>()?;
    let missing: Vec<YearSchedule> =
        official_schedules().into_iter().filter(|s| !known.contains(&(s.year as i64))).collect();
    if missing.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = store.write(Actor::system("calendar")).await?;
    let mut years = Vec::new();
    for schedule in &missing {
        w.calendar_put_year(schedule, ScheduleSource::Official).await?;
        years.push(schedule.year);
    }
    w.commit().await?;
    Ok(years)
}

impl Store {
    pub async fn calendar(&self) -> Result<Calendar> {
        let years = self.calendar_years().await?;
        let rows = sqlx::query("SELECT day, kind, name FROM calendar_days").fetch_all(&self.pool).await?;
        let days = rows.iter().map(day_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Calendar::new(years.iter().map(|y| y.year), days))
    }

    pub async fn calendar_years(&self) -> Result<Vec<ScheduledYear>> {
        let rows = sqlx::query("SELECT year, notice, source, updated_at FROM calendar_years ORDER BY year")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "calendar_years");
                Ok(ScheduledYear {
                    year: r.get::<i64>("year")? as i32,
                    notice: r.get("notice")?,
                    source: r.code("source", ScheduleSource::from_code)?,
                    updated_at: r.instant("updated_at")?,
                })
            })
            .collect()
    }

    /// The days announced by one year's notice, in date order.
    pub async fn calendar_days_of(&self, year: i32) -> Result<Vec<CalendarDay>> {
        let rows = sqlx::query("SELECT day, kind, name FROM calendar_days WHERE schedule_year = $1 ORDER BY day")
            .bind(year as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(day_from_row).collect()
    }
}

impl Writer {
    /// Enters or replaces a whole year's schedule.
    pub async fn calendar_put_year(&mut self, schedule: &YearSchedule, source: ScheduleSource) -> Result<()> {
        let year = schedule.year as i64;
        let existed = sqlx::query("SELECT year FROM calendar_years WHERE year = $1")
            .bind(year)
            .fetch_optional(self.conn())
            .await?
            .is_some();
        // A day may belong to one notice only; refuse days another year's notice already set.
        for d in &schedule.days {
            let owner = sqlx::query("SELECT schedule_year FROM calendar_days WHERE day = $1")
                .bind(d.date.to_string())
                .fetch_optional(self.conn())
                .await?;
            if let Some(row) = owner {
                let owner_year: i64 = row.try_get("schedule_year")?;
                if owner_year != year {
                    return Err(StoreError::Invalid(Invalid::one(
                        "schedule",
                        "节假日安排",
                        format!("{} 已在 {owner_year} 年的安排中", d.date),
                    )));
                }
            }
        }
        sqlx::query("DELETE FROM calendar_days WHERE schedule_year = $1").bind(year).execute(self.conn()).await?;
        let now = crate::now_text();
        if existed {
            sqlx::query("UPDATE calendar_years SET notice = $1, source = $2, updated_at = $3 WHERE year = $4")
                .bind(&schedule.notice)
                .bind(source.code())
                .bind(&now)
                .bind(year)
                .execute(self.conn())
                .await?;
        } else {
            sqlx::query("INSERT INTO calendar_years (year, notice, source, updated_at) VALUES ($1, $2, $3, $4)")
                .bind(year)
                .bind(&schedule.notice)
                .bind(source.code())
                .bind(&now)
                .execute(self.conn())
                .await?;
        }
        for d in &schedule.days {
            sqlx::query("INSERT INTO calendar_days (day, schedule_year, kind, name) VALUES ($1, $2, $3, $4)")
                .bind(d.date.to_string())
                .bind(year)
                .bind(d.kind.as_str())
                .bind(&d.name)
                .execute(self.conn())
                .await?;
        }
        let holidays = schedule.days.iter().filter(|d| d.kind == DayKind::Holiday).count();
        let workdays = schedule.days.len() - holidays;
        self.record(
            if existed { "calendar.replace_year" } else { "calendar.add_year" },
            "calendar_year",
            year,
            None,
            format!(
                "{}{} 年节假日安排（{}）：放假 {holidays} 天，调休上班 {workdays} 天",
                if existed { "替换" } else { "录入" },
                schedule.year,
                schedule.notice
            ),
        );
        Ok(())
    }

    /// Sets one day of a scheduled year (a correction, or a late change by the State Council).
    pub async fn calendar_set_day(&mut self, day: &CalendarDay) -> Result<()> {
        let year = day.date.year() as i64;
        if sqlx::query("SELECT year FROM calendar_years WHERE year = $1")
            .bind(year)
            .fetch_optional(self.conn())
            .await?
            .is_none()
        {
            return Err(StoreError::Invalid(Invalid::one(
                "date",
                "日期",
                format!("{year} 年的节假日安排尚未录入，请先录入全年安排"),
            )));
        }
        let key = day.date.to_string();
        let before = sqlx::query("SELECT kind, name FROM calendar_days WHERE day = $1")
            .bind(&key)
            .fetch_optional(self.conn())
            .await?;
        match &before {
            Some(_) => {
                sqlx::query("UPDATE calendar_days SET kind = $1, name = $2 WHERE day = $3")
                    .bind(day.kind.as_str())
                    .bind(&day.name)
                    .bind(&key)
                    .execute(self.conn())
                    .await?
            }
            None => {
                sqlx::query("INSERT INTO calendar_days (day, schedule_year, kind, name) VALUES ($1, $2, $3, $4)")
                    .bind(&key)
                    .bind(year)
                    .bind(day.kind.as_str())
                    .bind(&day.name)
                    .execute(self.conn())
                    .await?
            }
        };
        self.touch_year(year).await?;
        let what = match day.kind {
            DayKind::Holiday => "放假",
            DayKind::Workday => "调休上班",
        };
        self.record("calendar.set_day", "calendar_day", &key, None, format!("{key} 设为{what}（{}）", day.name));
        Ok(())
    }

    /// Removes a day's exception: it goes back to the weekday rule.
    pub async fn calendar_clear_day(&mut self, date: NaiveDate) -> Result<bool> {
        let key = date.to_string();
        let row = sqlx::query("SELECT schedule_year, name FROM calendar_days WHERE day = $1")
            .bind(&key)
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else { return Ok(false) };
        let year: i64 = row.try_get("schedule_year")?;
        let name: String = row.try_get("name")?;
        sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(&key).execute(self.conn()).await?;
        self.touch_year(year).await?;
        self.record(
            "calendar.clear_day",
            "calendar_day",
            &key,
            None,
            format!("取消 {key} 的安排（{name}），按周一至周五计算"),
        );
        Ok(true)
    }

    pub async fn calendar_delete_year(&mut self, year: i32) -> Result<bool> {
        let y = year as i64;
        sqlx::query("DELETE FROM calendar_days WHERE schedule_year = $1").bind(y).execute(self.conn()).await?;
        let gone = sqlx::query("DELETE FROM calendar_years WHERE year = $1")
            .bind(y)
            .execute(self.conn())
            .await?
            .rows_affected()
            > 0;
        if gone {
            self.record("calendar.delete_year", "calendar_year", year, None, format!("删除 {year} 年节假日安排"));
        }
        Ok(gone)
    }

    async fn touch_year(&mut self, year: i64) -> Result<()> {
        sqlx::query("UPDATE calendar_years SET source = 'admin', updated_at = $1 WHERE year = $2")
            .bind(crate::now_text())
            .bind(year)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
