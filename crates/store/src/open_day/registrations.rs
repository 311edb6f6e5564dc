//! Registrations for events and the notices their registrants are sent. Each status change
//! moves the event's counts in the same transaction (`Writer::open_day_count`).

use super::Counts;
use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::{DateTime, Utc};
use gongkai_domain::open_day::registration::RegistrationStatus;
use sqlx::any::AnyRow;

/// A registration as stored; `id_number` is for the organiser only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub id: i64,
    pub open_day_id: i64,
    pub status: RegistrationStatus,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub district: Option<String>,
    /// The answers to the event's own fields, by key, in the form's order.
    pub answers: Vec<(String, String)>,
    pub received_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub checked_in_at: Option<DateTime<Utc>>,
}

/// A registration to store.
#[derive(Debug, Clone)]
pub struct NewRegistration<'a> {
    pub open_day_id: i64,
    pub code_hash: &'a str,
    pub status: RegistrationStatus,
    pub name: &'a str,
    pub id_number: &'a str,
    pub id_hash: &'a str,
    pub phone: &'a str,
    pub district: Option<&'a str>,
    pub answers: &'a [(String, String)],
    /// The event's kind and year (for the once-a-year rule).
    pub kind: &'a str,
    pub year: i32,
}

/// A notice to a registrant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub registration_id: i64,
    pub kind: String,
    pub text: String,
    pub delivery: Option<String>,
    pub created_at: DateTime<Utc>,
}

const SELECT: &str = "SELECT id, open_day_id, status, name, id_number, phone, district, answers, received_at, \
     decided_at, checked_in_at FROM open_day_registrations";

fn from_row(row: &AnyRow) -> Result<Registration> {
    let r = Named::new(row, "open_day_registrations");
    Ok(Registration {
        id: r.get("id")?,
        open_day_id: r.get("open_day_id")?,
        status: r.code("status", RegistrationStatus::from_code)?,
        name: r.get("name")?,
        id_number: r.get("id_number")?,
        phone: r.get("phone")?,
        district: r.get("district")?,
        answers: r.json("answers")?,
        received_at: r.instant("received_at")?,
        decided_at: r.instant_opt("decided_at")?,
        checked_in_at: r.instant_opt("checked_in_at")?,
    })
}

fn notice_from_row(row: &AnyRow) -> Result<Notice> {
    let r = Named::new(row, "open_day_notices");
    Ok(Notice {
        id: r.get("id")?,
        registration_id: r.get("registration_id")?,
        kind: r.get("kind")?,
        text: r.get("text")?,
        delivery: r.get("delivery")?,
        created_at: r.instant("created_at")?,
    })
}

impl Store {
    pub async fn registration(&self, id: i64) -> Result<Option<Registration>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn registration_by_code(&self, code_hash: &str) -> Result<Option<Registration>> {
        let row =
            sqlx::query(&format!("{SELECT} WHERE code_hash = $1")).bind(code_hash).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The registrations of an event in order of arrival.
    pub async fn registrations_of(&self, open_day_id: i64) -> Result<Vec<Registration>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE open_day_id = $1 ORDER BY id"))
            .bind(open_day_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The counts of an event recounted from its registrations (to check the kept counts).
    pub async fn registration_counts(&self, open_day_id: i64) -> Result<Counts> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS n FROM open_day_registrations WHERE open_day_id = $1 GROUP BY status",
        )
        .bind(open_day_id)
        .fetch_all(&self.pool)
        .await?;
        let mut c = [0i64; 4];
        for row in &rows {
            let r = Named::new(row, "open_day_registrations");
            let status = r.code("status", RegistrationStatus::from_code)?;
            let n = i64::try_from(r.count("n")?).unwrap_or(i64::MAX);
            for (sum, d) in c.iter_mut().zip(Counts::delta(None, status)) {
                *sum += d * n;
            }
        }
        let u = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(Counts { holding: u(c[0]), waiting: u(c[1]), pending: u(c[2]), attended: u(c[3]) })
    }

    /// The notices of a registration, the latest first.
    pub async fn registration_notices(&self, registration_id: i64) -> Result<Vec<Notice>> {
        let rows = sqlx::query(
            "SELECT id, registration_id, kind, text, delivery, created_at FROM open_day_notices \
             WHERE registration_id = $1 ORDER BY id DESC",
        )
        .bind(registration_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(notice_from_row).collect()
    }

    /// Notes how a notice was delivered (by the notifier, after the write that made it).
    pub async fn notice_delivered(&self, id: i64, delivery: &str) -> Result<()> {
        sqlx::query("UPDATE open_day_notices SET delivery = $1 WHERE id = $2")
            .bind(delivery)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

impl Writer {
    /// A registration as it stands in this transaction, found by the hash of its code.
    pub async fn registration_by_code(&mut self, code_hash: &str) -> Result<Option<Registration>> {
        let row =
            sqlx::query(&format!("{SELECT} WHERE code_hash = $1")).bind(code_hash).fetch_optional(self.conn()).await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn registration_current(&mut self, id: i64) -> Result<Registration> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("报名"))?;
        from_row(&row)
    }

    /// Whether this person (by the hash of the ID number) holds a registration, not
    /// cancelled, for the event.
    pub async fn registration_exists(&mut self, open_day_id: i64, id_hash: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM open_day_registrations WHERE open_day_id = $1 AND id_hash = $2 \
             AND status <> 'cancelled'",
        )
        .bind(open_day_id)
        .bind(id_hash)
        .fetch_one(self.conn())
        .await?;
        Ok(Named::new(&row, "open_day_registrations").count("n")? > 0)
    }

    /// How many registrations (not cancelled or rejected) this person holds for events of
    /// `kind` in `year`.
    pub async fn registrations_in_year(&mut self, id_hash: &str, kind: &str, year: i32) -> Result<u32> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM open_day_registrations WHERE id_hash = $1 AND kind = $2 AND year = $3 \
             AND status NOT IN ('cancelled', 'rejected')",
        )
        .bind(id_hash)
        .bind(kind)
        .bind(i64::from(year))
        .fetch_one(self.conn())
        .await?;
        Ok(u32::try_from(Named::new(&row, "open_day_registrations").count("n")?).unwrap_or(u32::MAX))
    }

    /// The first `n` waiting registrations of an event, in order of arrival.
    pub async fn registrations_waiting(&mut self, open_day_id: i64, n: u32) -> Result<Vec<Registration>> {
        let rows =
            sqlx::query(&format!("{SELECT} WHERE open_day_id = $1 AND status = 'waitlisted' ORDER BY id LIMIT $2"))
                .bind(open_day_id)
                .bind(i64::from(n))
                .fetch_all(self.conn())
                .await?;
        rows.iter().map(from_row).collect()
    }

    /// Stores a registration and counts it; the audit record is the caller's.
    pub async fn registration_insert(&mut self, new: &NewRegistration<'_>) -> Result<i64> {
        let now = crate::now_text();
        let answers = serde_json::to_string(new.answers).map_err(|e| StoreError::Other(format!("answers: {e}")))?;
        let row = sqlx::query(
            "INSERT INTO open_day_registrations (open_day_id, code_hash, status, name, id_number, id_hash, phone, \
             district, answers, kind, year, received_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $12) RETURNING id",
        )
        .bind(new.open_day_id)
        .bind(new.code_hash)
        .bind(new.status.code())
        .bind(new.name)
        .bind(new.id_number)
        .bind(new.id_hash)
        .bind(new.phone)
        .bind(new.district)
        .bind(answers)
        .bind(new.kind)
        .bind(i64::from(new.year))
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = Named::new(&row, "open_day_registrations").get("id")?;
        self.open_day_count(new.open_day_id, Counts::delta(None, new.status)).await?;
        Ok(id)
    }

    /// Moves a registration from `from` to `to` (by staff `by`, or the registrant) and the
    /// event's counts with it; the audit record is the caller's.
    pub async fn registration_set_status(
        &mut self,
        r: &Registration,
        to: RegistrationStatus,
        by: Option<i64>,
    ) -> Result<()> {
        let now = crate::now_text();
        let (decided, checked) = match to {
            RegistrationStatus::CheckedIn => (None, Some(&now)),
            _ => (Some(&now), None),
        };
        sqlx::query(
            "UPDATE open_day_registrations SET status = $1, decided_at = COALESCE($2, decided_at), \
             decided_by = CASE WHEN $2 IS NULL THEN decided_by ELSE $3 END, \
             checked_in_at = COALESCE($4, checked_in_at), \
             checked_in_by = CASE WHEN $4 IS NULL THEN checked_in_by ELSE $3 END, updated_at = $5 WHERE id = $6",
        )
        .bind(to.code())
        .bind(decided)
        .bind(by)
        .bind(checked)
        .bind(&now)
        .bind(r.id)
        .execute(self.conn())
        .await?;
        self.open_day_count(r.open_day_id, Counts::delta(Some(r.status), to)).await?;
        Ok(())
    }

    /// Records a notice for a registrant; returns its id for the notifier.
    pub async fn notice_add(&mut self, registration_id: i64, kind: &str, text: &str) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO open_day_notices (registration_id, kind, text, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(registration_id)
        .bind(kind)
        .bind(text)
        .bind(crate::now_text())
        .fetch_one(self.conn())
        .await?;
        Named::new(&row, "open_day_notices").get("id")
    }
}
