//! 政府开放活动: the events, their series, and the counts of their registrations (the
//! registrations themselves are in [`registrations`]). An event's working copy and published
//! version are its checked fields as JSON, reviewed as documents are ([`crate::reviewed`]).

pub mod registrations;

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::reviewed::{Review, Table};
use crate::row::Named;
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::open_day::input::EventFields;
use gongkai_domain::open_day::registration::RegistrationStatus;
use gongkai_domain::time::format_instant;
use gongkai_domain::workflow::State;
use sqlx::any::AnyRow;

pub const TABLE: Table = Table::named("open_days", "open_day");

/// A series of events (a district's 政府开放月) with its own page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub summary: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// How many registrations of an event are in each state that matters to its seats.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Confirmed or checked in: holding a seat.
    pub holding: u32,
    pub waiting: u32,
    pub pending: u32,
    /// Checked in at the door.
    pub attended: u32,
}

impl Counts {
    /// The change to the counts when one registration goes from `from` (none: new) to `to`.
    pub fn delta(from: Option<RegistrationStatus>, to: RegistrationStatus) -> [i64; 4] {
        let of = |s: Option<RegistrationStatus>| -> [i64; 4] {
            use RegistrationStatus::*;
            match s {
                Some(Confirmed) => [1, 0, 0, 0],
                Some(CheckedIn) => [1, 0, 0, 1],
                Some(Waitlisted) => [0, 1, 0, 0],
                Some(Pending) => [0, 0, 1, 0],
                Some(Rejected | Cancelled) | None => [0, 0, 0, 0],
            }
        };
        let (a, b) = (of(from), of(Some(to)));
        [b[0] - a[0], b[1] - a[1], b[2] - a[2], b[3] - a[3]]
    }
}

/// An event as stored.
#[derive(Debug, Clone)]
pub struct OpenDay {
    pub id: i64,
    pub unit_id: i64,
    pub series_id: Option<i64>,
    pub review: Review,
    pub draft: EventFields,
    /// What the public sees; none before the first publication and after withdrawal.
    pub live: Option<EventFields>,
    pub published_at: Option<DateTime<Utc>>,
    pub counts: Counts,
    /// The published record of the event (纪要, photos, answers): a document.
    pub record_document_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OpenDay {
    pub fn title(&self) -> &str {
        self.live.as_ref().map_or(&self.draft.title, |l| &l.title)
    }
}

const SELECT: &str = "SELECT id, unit_id, series_id, status, author_id, reviewer_first, reviewer_second, \
     reviewer_final, draft, live, published_at, holding, waiting, pending, attended, record_document_id, \
     created_at, updated_at FROM open_days";

fn count(r: &Named<'_>, column: &str) -> Result<u32> {
    let n = r.count(column)?;
    u32::try_from(n).map_err(|_| StoreError::Stored { table: "open_days", column: column.into(), value: n.to_string() })
}

fn from_row(row: &AnyRow) -> Result<OpenDay> {
    let r = Named::new(row, "open_days");
    let live: Option<String> = r.get("live")?;
    let live = match live {
        None => None,
        Some(text) => Some(serde_json::from_str(&text).map_err(|_| StoreError::Stored {
            table: "open_days",
            column: "live".into(),
            value: text.chars().take(200).collect(),
        })?),
    };
    Ok(OpenDay {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        series_id: r.get("series_id")?,
        review: Review::read(&r, "")?,
        draft: r.json("draft")?,
        live,
        published_at: r.instant_opt("published_at")?,
        counts: Counts {
            holding: count(&r, "holding")?,
            waiting: count(&r, "waiting")?,
            pending: count(&r, "pending")?,
            attended: count(&r, "attended")?,
        },
        record_document_id: r.get("record_document_id")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
    })
}

fn series_from_row(row: &AnyRow) -> Result<Series> {
    let r = Named::new(row, "open_day_series");
    Ok(Series {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        title: r.get("title")?,
        summary: r.get("summary")?,
        starts_on: r.date("starts_on")?,
        ends_on: r.date("ends_on")?,
    })
}

const SERIES: &str = "SELECT id, unit_id, title, summary, starts_on, ends_on FROM open_day_series";

fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("open_day json: {e}")))
}

/// One unit's figures of a year, for the annual report's section on participation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct YearFigures {
    pub events: u64,
    pub registrations: u64,
    pub attended: u64,
}

impl Store {
    pub async fn open_day(&self, id: i64) -> Result<Option<OpenDay>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The events of some units (all when `units` is none), newest change first.
    pub async fn open_days_of(&self, units: Option<&[i64]>) -> Result<Vec<OpenDay>> {
        // A city holds a few hundred events a year: filtered here rather than by a list of ids.
        let rows = sqlx::query(&format!("{SELECT} ORDER BY updated_at DESC, id DESC")).fetch_all(&self.pool).await?;
        let all: Result<Vec<OpenDay>> = rows.iter().map(from_row).collect();
        Ok(all?.into_iter().filter(|c| units.is_none_or(|u| u.contains(&c.unit_id))).collect())
    }

    /// Every event with a published version, the latest to start first.
    pub async fn open_days_live(&self) -> Result<Vec<OpenDay>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE live IS NOT NULL ORDER BY starts_at DESC, id DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn open_day_series(&self, id: i64) -> Result<Option<Series>> {
        let row = sqlx::query(&format!("{SERIES} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(series_from_row).transpose()
    }

    /// Every series, the latest first.
    pub async fn open_day_series_all(&self) -> Result<Vec<Series>> {
        let rows = sqlx::query(&format!("{SERIES} ORDER BY starts_on DESC, id DESC")).fetch_all(&self.pool).await?;
        rows.iter().map(series_from_row).collect()
    }

    /// Per unit, the published events that started in `[from, to)` (UTC instants as stored),
    /// their registrations (not cancelled) and attendance.
    pub async fn open_day_figures(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<(i64, YearFigures)>> {
        let rows = sqlx::query(
            // SUM of BIGINT is NUMERIC on PostgreSQL: cast back to what both databases return.
            "SELECT unit_id, COUNT(*) AS events, CAST(SUM(holding + waiting + pending) AS BIGINT) AS registrations, \
             CAST(SUM(attended) AS BIGINT) AS attended FROM open_days WHERE live IS NOT NULL AND starts_at >= $1 AND starts_at < $2 \
             GROUP BY unit_id ORDER BY unit_id",
        )
        .bind(format_instant(from))
        .bind(format_instant(to))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let r = Named::new(row, "open_days");
                Ok((
                    r.get("unit_id")?,
                    YearFigures {
                        events: r.count("events")?,
                        registrations: r.count("registrations")?,
                        attended: r.count("attended")?,
                    },
                ))
            })
            .collect()
    }
}

impl Writer {
    /// The event as it stands inside this transaction.
    pub async fn open_day_current(&mut self, id: i64) -> Result<OpenDay> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("政府开放活动"))?;
        from_row(&row)
    }

    pub async fn open_day_create(&mut self, unit_id: i64, f: &EventFields, author: i64) -> Result<i64> {
        let now = crate::now_text();
        let id: i64 = sqlx::query(
            "INSERT INTO open_days (unit_id, series_id, status, author_id, title, kind, draft, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(unit_id)
        .bind(f.series_id)
        .bind(State::Draft.code())
        .bind(author)
        .bind(&f.title)
        .bind(f.kind.code())
        .bind(json(f)?)
        .bind(&now)
        .fetch_one(self.conn())
        .await
        .map(|row| Named::new(&row, "open_days").get::<i64>("id"))??;
        self.record("open_day.create", "open_day", id, Some(unit_id), format!("起草政府开放活动《{}》", f.title));
        Ok(id)
    }

    /// Saves the working copy.
    pub async fn open_day_update(&mut self, id: i64, unit_id: i64, f: &EventFields) -> Result<()> {
        sqlx::query("UPDATE open_days SET draft = $1, series_id = $2, updated_at = $3 WHERE id = $4")
            .bind(json(f)?)
            .bind(f.series_id)
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record("open_day.update", "open_day", id, Some(unit_id), format!("修改政府开放活动《{}》", f.title));
        Ok(())
    }

    /// Publishes the working copy: the public sees it, and registration opens and closes at
    /// its times.
    pub async fn open_day_publish(&mut self, id: i64, unit_id: i64, f: &EventFields) -> Result<()> {
        let now = crate::now_text();
        sqlx::query(
            "UPDATE open_days SET live = draft, title = $1, kind = $2, status = $3, starts_at = $4, \
             registration_closes_at = $5, published_at = COALESCE(published_at, $6), updated_at = $6 WHERE id = $7",
        )
        .bind(&f.title)
        .bind(f.kind.code())
        .bind(State::Published.code())
        .bind(format_instant(f.schedule.starts))
        .bind(format_instant(f.schedule.registration_closes))
        .bind(&now)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record("open_day.publish", "open_day", id, Some(unit_id), format!("发布政府开放活动《{}》", f.title));
        Ok(())
    }

    /// Links the published record of the event (a document).
    pub async fn open_day_set_record(&mut self, id: i64, unit_id: i64, document_id: i64, title: &str) -> Result<()> {
        sqlx::query("UPDATE open_days SET record_document_id = $1, updated_at = $2 WHERE id = $3")
            .bind(document_id)
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record(
            "open_day.record",
            "open_day",
            id,
            Some(unit_id),
            format!("为《{title}》关联活动记录（文件 {document_id}）"),
        );
        Ok(())
    }

    /// Adds `delta` (holding, waiting, pending, attended) to the event's counts.
    pub async fn open_day_count(&mut self, id: i64, delta: [i64; 4]) -> Result<()> {
        if delta == [0; 4] {
            return Ok(());
        }
        sqlx::query(
            "UPDATE open_days SET holding = holding + $1, waiting = waiting + $2, pending = pending + $3, \
             attended = attended + $4 WHERE id = $5",
        )
        .bind(delta[0])
        .bind(delta[1])
        .bind(delta[2])
        .bind(delta[3])
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn open_day_series_create(
        &mut self,
        unit_id: i64,
        title: &str,
        summary: &str,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
    ) -> Result<i64> {
        let now = crate::now_text();
        let by = self.actor().user_id;
        let id: i64 = sqlx::query(
            "INSERT INTO open_day_series (unit_id, title, summary, starts_on, ends_on, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(unit_id)
        .bind(title)
        .bind(summary)
        .bind(starts_on.to_string())
        .bind(ends_on.to_string())
        .bind(by)
        .bind(&now)
        .fetch_one(self.conn())
        .await
        .map(|row| Named::new(&row, "open_day_series").get::<i64>("id"))??;
        self.record("open_day_series.create", "open_day_series", id, Some(unit_id), format!("新建系列活动《{title}》"));
        Ok(id)
    }
}
