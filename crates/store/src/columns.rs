//! Columns (栏目) of a unit that documents are published into; see the domain's `columns`.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use gongkai_domain::columns::{ColumnFields, ColumnKind};
use gongkai_domain::validation::Invalid;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Serialize)]
pub struct SpecialColumn {
    pub id: i64,
    pub unit_id: i64,
    pub kind: ColumnKind,
    pub name: String,
    pub description: String,
    /// The publication date of the newest online document in it, shown as 最近更新.
    pub last_updated_on: Option<chrono::NaiveDate>,
}

// The date comes from the documents themselves, so that a withdrawal or a backdated import
// tells the truth without bookkeeping.
const SELECT: &str = "SELECT c.id, c.unit_id, c.kind, c.name, c.description, (SELECT MAX(d.published_on) FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.version = d.live_version WHERE v.column_id = c.id AND d.withdrawal IS NULL) AS last_updated_on FROM special_columns c";

fn from_row(r: &AnyRow) -> Result<SpecialColumn> {
    let r = Named::new(r, "special_columns");
    Ok(SpecialColumn {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        kind: r.code("kind", ColumnKind::from_code)?,
        name: r.get("name")?,
        description: r.get("description")?,
        last_updated_on: r.date_opt("last_updated_on")?,
    })
}

impl Store {
    /// The columns of a unit, or of every unit.
    pub async fn columns(&self, unit_id: Option<i64>) -> Result<Vec<SpecialColumn>> {
        let rows =
            sqlx::query(&format!("{SELECT} WHERE ($1 = 0 OR c.unit_id = $1) ORDER BY c.unit_id, c.sort_order, c.id"))
                .bind(unit_id.unwrap_or(0))
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn column(&self, id: i64) -> Result<Option<SpecialColumn>> {
        let row = sqlx::query(&format!("{SELECT} WHERE c.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }
}

impl Writer {
    pub async fn column_create(&mut self, unit_id: i64, f: &ColumnFields) -> Result<i64> {
        let exists = sqlx::query("SELECT id FROM special_columns WHERE unit_id = $1 AND name = $2")
            .bind(unit_id)
            .bind(&f.name)
            .fetch_optional(self.conn())
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(Invalid::one("name", "栏目名称", "本单位已有同名栏目")));
        }
        let now = crate::now_text();
        let id: i64 = sqlx::query(
            "INSERT INTO special_columns (unit_id, kind, name, description, sort_order, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, (SELECT COALESCE(MAX(sort_order), 0) + 10 FROM special_columns WHERE unit_id = $1), $5, $5) RETURNING id",
        )
        .bind(unit_id)
        .bind(f.kind.code())
        .bind(&f.name)
        .bind(&f.description)
        .bind(&now)
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        self.record("column.create", "column", id, Some(unit_id), format!("新建{}“{}”", f.kind.label(), f.name));
        Ok(id)
    }

    pub async fn column_update(&mut self, id: i64, f: &ColumnFields) -> Result<()> {
        let row = sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("栏目"))?;
        let old = from_row(&row)?;
        let clash = sqlx::query("SELECT id FROM special_columns WHERE unit_id = $1 AND name = $2 AND id <> $3")
            .bind(old.unit_id)
            .bind(&f.name)
            .bind(id)
            .fetch_optional(self.conn())
            .await?;
        if clash.is_some() {
            return Err(StoreError::Conflict(Invalid::one("name", "栏目名称", "本单位已有同名栏目")));
        }
        sqlx::query("UPDATE special_columns SET name = $1, description = $2, kind = $3, updated_at = $4 WHERE id = $5")
            .bind(&f.name)
            .bind(&f.description)
            .bind(f.kind.code())
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        let summary = if old.name == f.name {
            format!("修改栏目“{}”的说明或类型", f.name)
        } else {
            format!("栏目“{}”更名为“{}”", old.name, f.name)
        };
        self.record("column.update", "column", id, Some(old.unit_id), summary);
        Ok(())
    }

    /// Removes a column that no document was ever filed under.
    pub async fn column_remove(&mut self, id: i64) -> Result<()> {
        let row = sqlx::query(&format!("{SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("栏目"))?;
        let old = from_row(&row)?;
        let used: i64 = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM documents WHERE column_id = $1) + (SELECT COUNT(*) FROM document_versions WHERE column_id = $1) AS n",
        )
        .bind(id)
        .fetch_one(self.conn())
        .await?
        .try_get("n")?;
        if used > 0 {
            return Err(StoreError::Conflict(Invalid::one("column", "栏目", "栏目中已有信息，不能删除")));
        }
        sqlx::query("DELETE FROM special_columns WHERE id = $1").bind(id).execute(self.conn()).await?;
        self.record("column.remove", "column", id, Some(old.unit_id), format!("删除栏目“{}”", old.name));
        Ok(())
    }
}
