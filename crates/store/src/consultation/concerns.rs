//! 回应关切: the concerns units recorded and the responses that answered them.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::NaiveDate;
use gongkai_domain::consultation::concern::{ConcernFields, ConcernSource};
use sqlx::any::AnyRow;

#[derive(Debug, Clone)]
pub struct Concern {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub summary: String,
    pub source: ConcernSource,
    pub arose_on: NaiveDate,
    pub consultation_id: Option<i64>,
    pub response_document_id: Option<i64>,
    pub responded_on: Option<NaiveDate>,
    pub response_workdays: Option<i64>,
}

const SELECT: &str = "SELECT id, unit_id, title, summary, source, arose_on, consultation_id, response_document_id, \
     responded_on, response_workdays FROM concerns";

fn from_row(row: &AnyRow) -> Result<Concern> {
    let r = Named::new(row, "concerns");
    Ok(Concern {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        title: r.get("title")?,
        summary: r.get("summary")?,
        source: r.code("source", ConcernSource::from_code)?,
        arose_on: r.date("arose_on")?,
        consultation_id: r.get("consultation_id")?,
        response_document_id: r.get("response_document_id")?,
        responded_on: r.date_opt("responded_on")?,
        response_workdays: r.get("response_workdays")?,
    })
}

impl Store {
    pub async fn concern(&self, id: i64) -> Result<Option<Concern>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The concerns of some units (all when none), the latest first.
    pub async fn concerns_of(&self, units: Option<&[i64]>) -> Result<Vec<Concern>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY arose_on DESC, id DESC")).fetch_all(&self.pool).await?;
        let all: Result<Vec<Concern>> = rows.iter().map(from_row).collect();
        Ok(all?.into_iter().filter(|c| units.is_none_or(|u| u.contains(&c.unit_id))).collect())
    }

    /// The concerns answered by a response, the latest first (the public list).
    pub async fn concerns_answered(&self) -> Result<Vec<Concern>> {
        let rows = sqlx::query(&format!(
            "{SELECT} WHERE response_document_id IS NOT NULL ORDER BY responded_on DESC, id DESC"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}

impl Writer {
    pub async fn concern_create(&mut self, unit_id: i64, f: &ConcernFields, by: i64) -> Result<i64> {
        let now = crate::now_text();
        let id = sqlx::query(
            "INSERT INTO concerns (unit_id, title, summary, source, arose_on, consultation_id, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(unit_id)
        .bind(&f.title)
        .bind(&f.summary)
        .bind(f.source.code())
        .bind(f.arose_on.to_string())
        .bind(f.consultation_id)
        .bind(by)
        .bind(&now)
        .fetch_one(self.conn())
        .await
        .map(|row| Named::new(&row, "concerns").get::<i64>("id"))??;
        self.record("concern.create", "concern", id, Some(unit_id), format!("登记社会关切“{}”", f.title));
        Ok(id)
    }

    /// Links the response document, its date and the working days it took.
    pub async fn concern_respond(&mut self, id: i64, document_id: i64, on: NaiveDate, workdays: i64) -> Result<()> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("社会关切"))?;
        let old = from_row(&row)?;
        sqlx::query(
            "UPDATE concerns SET response_document_id = $1, responded_on = $2, response_workdays = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(document_id)
        .bind(on.to_string())
        .bind(workdays)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(
            "concern.respond",
            "concern",
            id,
            Some(old.unit_id),
            format!("回应社会关切“{}”（{workdays} 个工作日）", old.title),
        );
        Ok(())
    }
}
