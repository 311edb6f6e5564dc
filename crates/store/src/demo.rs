//! What only the demo loader (`gongkai_app::demo`) reads and writes besides the use cases: its
//! units by their key, whether a part was loaded, and the times of its story. The loader runs
//! every step through the application's use cases on the story's day; the moment of loading is
//! then replaced by the moment the story gives, so that 「更新时间」 and the timeline's times
//! read as a real case would.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use chrono::{DateTime, Utc};
use gongkai_domain::time::format_instant;
use sqlx::Row;
use std::collections::HashMap;

impl Store {
    /// The demo units loaded so far, by their key in the demo file.
    pub async fn demo_unit_ids(&self) -> Result<HashMap<String, i64>> {
        sqlx::query("SELECT demo_key AS demo_key, id AS id FROM units WHERE demo_key IS NOT NULL")
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("demo_key")?, r.try_get("id")?)))
            .collect()
    }

    /// The first document with this title (the demo names documents by title).
    pub async fn document_id_titled(&self, title: &str) -> Result<Option<i64>> {
        let row = sqlx::query("SELECT id AS id FROM documents WHERE title = $1 ORDER BY id")
            .bind(title)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| r.try_get("id").map_err(StoreError::from)).transpose()
    }

    /// Whether the audit log holds an action of this kind (a demo part's marker).
    pub async fn audit_action_taken(&self, action: &str) -> Result<bool> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = $1")
            .bind(action)
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(n > 0)
    }
}

impl Writer {
    /// The catalogue item of a unit named by its 二级事项 (and 一级事项, when given).
    pub async fn catalogue_item_named(&mut self, unit_id: i64, level1: Option<&str>, level2: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT id AS id FROM catalogue_items WHERE unit_id = $1 AND level2 = $2 \
             AND ($3 = '' OR level1 = $3) ORDER BY id",
        )
        .bind(unit_id)
        .bind(level2)
        .bind(level1.unwrap_or(""))
        .fetch_optional(self.conn())
        .await?
        .ok_or_else(|| StoreError::Other(format!("catalogue item {level2} of unit {unit_id} not found")))?;
        Ok(row.try_get("id")?)
    }

    /// A published document's times: drafted at `created`, published (its only version) and
    /// last updated at `published`.
    pub async fn document_set_times(
        &mut self,
        id: i64,
        created: DateTime<Utc>,
        published: DateTime<Utc>,
    ) -> Result<()> {
        let (created, published) = (format_instant(created), format_instant(published));
        sqlx::query("UPDATE documents SET created_at = $1, last_published_at = $2, updated_at = $2 WHERE id = $3")
            .bind(&created)
            .bind(&published)
            .bind(id)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE document_versions SET published_at = $1 WHERE document_id = $2")
            .bind(&published)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// A case's times: submitted (and created) at `submitted`, its timeline entries in order at
    /// `events` (the first ones, when fewer are given), last updated at the last of them.
    pub async fn request_set_times(
        &mut self,
        id: i64,
        submitted: DateTime<Utc>,
        events: &[DateTime<Utc>],
    ) -> Result<()> {
        let ids: Vec<i64> = sqlx::query("SELECT id AS id FROM request_events WHERE request_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<std::result::Result<_, _>>()?;
        for (event, at) in ids.iter().zip(events) {
            sqlx::query("UPDATE request_events SET at = $1 WHERE id = $2")
                .bind(format_instant(*at))
                .bind(event)
                .execute(self.conn())
                .await?;
        }
        let last = events.iter().copied().max().unwrap_or(submitted).max(submitted);
        sqlx::query("UPDATE requests SET submitted_at = $1, created_at = $1, updated_at = $2 WHERE id = $3")
            .bind(format_instant(submitted))
            .bind(format_instant(last))
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }
}
