//! Units repository.

use crate::audit::Writer;
use crate::counting::Conn;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::{Named, Page};
use crate::sql::{Sql, like_contains};
use gongkai_domain::units::{ParentView, Unit, UnitFields, UnitKind, check_placement};
use gongkai_domain::validation::Invalid;
use sqlx::Row;
use sqlx::any::AnyRow;

const COLUMNS: &str = "id, parent_id, kind, name, short_name, division_code, credit_code, address, postcode, phone, email, office_hours, description, sort_order, closed_on, closed_reason, created_at, updated_at";

fn unit_from_row(r: &AnyRow) -> Result<Unit> {
    let r = Named::new(r, "units");
    Ok(Unit {
        id: r.get("id")?,
        parent_id: r.get("parent_id")?,
        kind: r.code("kind", UnitKind::parse)?,
        name: r.get("name")?,
        short_name: r.get("short_name")?,
        division_code: r.get("division_code")?,
        credit_code: r.get("credit_code")?,
        address: r.get("address")?,
        postcode: r.get("postcode")?,
        phone: r.get("phone")?,
        email: r.get("email")?,
        office_hours: r.get("office_hours")?,
        description: r.get("description")?,
        sort_order: r.get("sort_order")?,
        closed_on: r.date_opt("closed_on")?,
        closed_reason: r.get("closed_reason")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
    })
}

#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub parent: Option<i64>,
    pub kind: Option<UnitKind>,
    /// Matches full name, short name, division code or credit code.
    pub q: Option<String>,
    pub include_closed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormerName {
    pub name: String,
    pub short_name: String,
    pub until_on: chrono::NaiveDate,
}

async fn get_in(conn: &mut Conn, id: i64) -> Result<Option<Unit>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM units WHERE id = $1")).bind(id).fetch_optional(conn).await?;
    row.as_ref().map(unit_from_row).transpose()
}

/// The unit and its ancestors' ids, nearest first.
async fn lineage_in(conn: &mut Conn, id: i64) -> Result<Vec<i64>> {
    let rows = sqlx::query(
        "WITH RECURSIVE up(id, parent_id, depth) AS (
            SELECT id, parent_id, 0 FROM units WHERE id = $1
            UNION ALL SELECT u.id, u.parent_id, up.depth + 1 FROM units u JOIN up ON u.id = up.parent_id WHERE up.depth < 64)
         SELECT id FROM up ORDER BY depth",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
}

/// A credit code identifies one unit; checked before writing so the answer names the field.
/// The identifiers the law makes unique: a unified social credit code belongs to one organ
/// (GB 32100), an administrative division code to one division (GB/T 2260), and an organ's
/// full name to one organ; names and division codes of closed units may be reused by their
/// successors. The partial unique indexes of migration 8 hold the same rules against races;
/// this check names the field.
async fn ensure_identifiers_free(conn: &mut Conn, fields: &UnitFields, except: Option<i64>) -> Result<()> {
    let taken =
        |field: &'static str, label: &'static str| StoreError::Conflict(Invalid::one(field, label, "已被其他单位使用"));
    let other = |row: Option<sqlx::any::AnyRow>| -> Result<bool> {
        Ok(match row {
            Some(r) => Some(r.try_get::<i64, _>("id")?) != except,
            None => false,
        })
    };
    if let Some(code) = &fields.credit_code {
        let row =
            sqlx::query("SELECT id FROM units WHERE credit_code = $1").bind(code).fetch_optional(&mut *conn).await?;
        if other(row)? {
            return Err(taken("credit_code", "统一社会信用代码"));
        }
    }
    let row = sqlx::query("SELECT id FROM units WHERE name = $1 AND closed_on IS NULL")
        .bind(&fields.name)
        .fetch_optional(&mut *conn)
        .await?;
    if other(row)? {
        return Err(taken("name", "单位全称"));
    }
    if !fields.division_code.is_empty() {
        let row = sqlx::query("SELECT id FROM units WHERE division_code = $1 AND closed_on IS NULL")
            .bind(&fields.division_code)
            .fetch_optional(&mut *conn)
            .await?;
        if other(row)? {
            return Err(taken("division_code", "行政区划代码"));
        }
    }
    Ok(())
}

/// Binds the editable fields as `$1`–`$10`, in the order both the insert and the update use.
fn bind_fields<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    f: &'q UnitFields,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(&f.name)
        .bind(&f.short_name)
        .bind(&f.division_code)
        .bind(f.credit_code.as_deref())
        .bind(&f.address)
        .bind(&f.postcode)
        .bind(&f.phone)
        .bind(&f.email)
        .bind(&f.office_hours)
        .bind(&f.description)
}

/// Facts about the parent the placement rule needs.
async fn parent_view(conn: &mut Conn, parent_id: i64) -> Result<(UnitKind, bool, Vec<i64>)> {
    let parent = get_in(conn, parent_id)
        .await?
        .ok_or_else(|| StoreError::Invalid(Invalid::one("parent_id", "上级单位", "所选单位不存在")))?;
    let lineage = lineage_in(conn, parent_id).await?;
    Ok((parent.kind, parent.is_closed(), lineage))
}

impl Store {
    pub async fn unit(&self, id: i64) -> Result<Option<Unit>> {
        let mut conn = self.pool.acquire().await?;
        get_in(&mut conn, id).await
    }

    pub async fn unit_by_credit_code(&self, code: &str) -> Result<Option<Unit>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM units WHERE credit_code = $1"))
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(unit_from_row).transpose()
    }

    /// Every unit, closed ones included, in display order.
    pub async fn units_all(&self) -> Result<Vec<Unit>> {
        let rows =
            sqlx::query(&format!("SELECT {COLUMNS} FROM units ORDER BY sort_order, id")).fetch_all(&self.pool).await?;
        rows.iter().map(unit_from_row).collect()
    }

    pub async fn units_list(&self, f: &UnitFilter, limit: i64, offset: i64) -> Result<Page<Unit>> {
        let build = |select: &str| {
            let mut q = Sql::new(select);
            q.push(" FROM units WHERE 1 = 1");
            if let Some(p) = f.parent {
                q.push(" AND parent_id = ").bind(p);
            }
            if let Some(k) = f.kind {
                q.push(" AND kind = ").bind(k.as_str());
            }
            if !f.include_closed {
                q.push(" AND closed_on IS NULL");
            }
            if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let pattern = like_contains(&text.to_lowercase());
                q.push(" AND (LOWER(name) LIKE ").bind(pattern.as_str()).push(" ESCAPE '\\'");
                q.push(" OR LOWER(short_name) LIKE ").bind(pattern.as_str()).push(" ESCAPE '\\'");
                q.push(" OR division_code = ").bind(text);
                q.push(" OR credit_code = ").bind(text.to_uppercase()).push(")");
            }
            q
        };
        let total: i64 = build("SELECT COUNT(*) AS n").query().fetch_one(&self.pool).await?.try_get("n")?;
        let mut q = build(&format!("SELECT {COLUMNS}"));
        q.push(" ORDER BY sort_order, id LIMIT ").bind(limit.clamp(1, 1000)).push(" OFFSET ").bind(offset.max(0));
        let rows = q.query().fetch_all(&self.pool).await?;
        Ok(Page { items: rows.iter().map(unit_from_row).collect::<Result<_>>()?, total })
    }

    /// The unit and its ancestors' ids, nearest first; empty when the unit does not exist.
    pub async fn unit_lineage(&self, id: i64) -> Result<Vec<i64>> {
        let mut conn = self.pool.acquire().await?;
        lineage_in(&mut conn, id).await
    }

    /// Every former name, by unit, for the portal's cache.
    pub async fn unit_former_names_all(&self) -> Result<std::collections::HashMap<i64, Vec<FormerName>>> {
        let rows = sqlx::query("SELECT unit_id, name, short_name, until_on FROM unit_former_names ORDER BY id DESC")
            .fetch_all(&self.pool)
            .await?;
        let mut out: std::collections::HashMap<i64, Vec<FormerName>> = Default::default();
        for r in &rows {
            let r = Named::new(r, "unit_former_names");
            out.entry(r.get("unit_id")?).or_default().push(FormerName {
                name: r.get("name")?,
                short_name: r.get("short_name")?,
                until_on: r.date("until_on")?,
            });
        }
        Ok(out)
    }

    pub async fn unit_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM units").fetch_one(&self.pool).await?.try_get("n")?)
    }
}

impl Writer {
    pub async fn unit_create(
        &mut self,
        parent_id: Option<i64>,
        kind: UnitKind,
        fields: &UnitFields,
        sort_order: i64,
        demo_key: Option<&str>,
    ) -> Result<i64> {
        let conn = self.conn();
        match parent_id {
            Some(p) => {
                let (pkind, closed, lineage) = parent_view(conn, p).await?;
                check_placement(None, kind, Some(ParentView { kind: pkind, closed, lineage: &lineage }))
                    .map_err(|e| StoreError::Invalid(Invalid::one("parent_id", "上级单位", e)))?;
            }
            None => {
                check_placement(None, kind, None)
                    .map_err(|e| StoreError::Invalid(Invalid::one("parent_id", "上级单位", e)))?;
                let roots: i64 = sqlx::query("SELECT COUNT(*) AS n FROM units WHERE parent_id IS NULL")
                    .fetch_one(&mut *conn)
                    .await?
                    .try_get("n")?;
                if roots > 0 {
                    return Err(StoreError::Invalid(Invalid::one(
                        "parent_id",
                        "上级单位",
                        "请选择上级单位（平台只有一个最上级单位）",
                    )));
                }
            }
        }
        ensure_identifiers_free(conn, fields, None).await?;
        let now = crate::now_text();
        let id: i64 = bind_fields(
            sqlx::query(
                "INSERT INTO units (name, short_name, division_code, credit_code, address, postcode, phone, email, office_hours, description, parent_id, kind, sort_order, demo_key, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
            ),
            fields,
        )
        .bind(parent_id)
        .bind(kind.as_str())
        .bind(sort_order)
        .bind(demo_key)
        .bind(&now)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?;
        self.record("unit.create", "unit", id, Some(id), format!("新建{}“{}”", kind.label(), fields.name));
        Ok(id)
    }

    /// Updates the editable fields; a change of name keeps the old one as a former name.
    pub async fn unit_update(&mut self, id: i64, fields: &UnitFields, today: &str) -> Result<Unit> {
        let conn = self.conn();
        let before = get_in(conn, id).await?.ok_or(StoreError::NotFound("单位"))?;
        if before.is_closed() {
            return Err(StoreError::Conflict(Invalid::one("name", "单位", "已撤销的单位不能修改")));
        }
        ensure_identifiers_free(conn, fields, Some(id)).await?;
        let changes = describe_changes(&before.fields(), fields);
        if changes.is_empty() {
            return Ok(before);
        }
        if before.name != fields.name || before.short_name != fields.short_name {
            sqlx::query("INSERT INTO unit_former_names (unit_id, name, short_name, until_on) VALUES ($1, $2, $3, $4)")
                .bind(id)
                .bind(&before.name)
                .bind(&before.short_name)
                .bind(today)
                .execute(&mut *conn)
                .await?;
        }
        bind_fields(
            sqlx::query(
                "UPDATE units SET name = $1, short_name = $2, division_code = $3, credit_code = $4, address = $5, postcode = $6,
                 phone = $7, email = $8, office_hours = $9, description = $10, updated_at = $11 WHERE id = $12",
            ),
            fields,
        )
        .bind(crate::now_text())
        .bind(id)
        .execute(&mut *conn)
        .await?;
        let action = if before.name != fields.name { "unit.rename" } else { "unit.update" };
        self.record(action, "unit", id, Some(id), format!("“{}”：{}", before.name, changes.join("；")));
        get_in(self.conn(), id).await?.ok_or(StoreError::NotFound("单位"))
    }

    pub async fn unit_move(&mut self, id: i64, new_parent: i64) -> Result<()> {
        let conn = self.conn();
        let unit = get_in(conn, id).await?.ok_or(StoreError::NotFound("单位"))?;
        if unit.is_closed() {
            return Err(StoreError::Conflict(Invalid::one("parent_id", "单位", "已撤销的单位不能移动")));
        }
        if unit.parent_id == Some(new_parent) {
            return Ok(());
        }
        let (pkind, closed, lineage) = parent_view(conn, new_parent).await?;
        check_placement(Some(id), unit.kind, Some(ParentView { kind: pkind, closed, lineage: &lineage }))
            .map_err(|e| StoreError::Invalid(Invalid::one("parent_id", "上级单位", e)))?;
        let old_parent = match unit.parent_id {
            Some(p) => get_in(conn, p).await?.map(|u| u.name).unwrap_or_default(),
            None => "（无）".into(),
        };
        let new_parent_name = get_in(conn, new_parent).await?.map(|u| u.name).unwrap_or_default();
        sqlx::query("UPDATE units SET parent_id = $1, updated_at = $2 WHERE id = $3")
            .bind(new_parent)
            .bind(crate::now_text())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        self.record(
            "unit.move",
            "unit",
            id,
            Some(id),
            format!("“{}”的上级单位由“{}”改为“{}”", unit.name, old_parent, new_parent_name),
        );
        Ok(())
    }

    /// Closes (撤销) a unit. Its pages, documents and audit history stay; its staff accounts
    /// are disabled because nobody can act for a unit that no longer exists. Units still open
    /// below it must be moved or closed first, so nothing is left without a parent.
    pub async fn unit_close(&mut self, id: i64, closed_on: &str, reason: &str) -> Result<i64> {
        let conn = self.conn();
        let unit = get_in(conn, id).await?.ok_or(StoreError::NotFound("单位"))?;
        if unit.is_closed() {
            return Err(StoreError::Conflict(Invalid::one("closed_on", "单位", "该单位已经撤销")));
        }
        let open_children: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM units WHERE parent_id = $1 AND closed_on IS NULL")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?
                .try_get("n")?;
        if open_children > 0 {
            return Err(StoreError::Conflict(Invalid::one(
                "closed_on",
                "撤销单位",
                format!("该单位还有 {open_children} 个未撤销的下级单位，请先移动或撤销它们"),
            )));
        }
        let now = crate::now_text();
        let disabled = sqlx::query("UPDATE users SET active = 0, updated_at = $1 WHERE unit_id = $2 AND active = 1")
            .bind(&now)
            .bind(id)
            .execute(&mut *conn)
            .await?
            .rows_affected() as i64;
        sqlx::query("DELETE FROM sessions WHERE user_id IN (SELECT id FROM users WHERE unit_id = $1)")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("UPDATE units SET closed_on = $1, closed_reason = $2, updated_at = $3 WHERE id = $4")
            .bind(closed_on)
            .bind(reason)
            .bind(&now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        let mut summary = format!("撤销“{}”，撤销日期 {closed_on}，原因：{reason}", unit.name);
        if disabled > 0 {
            summary.push_str(&format!("；同时停用该单位 {disabled} 个工作人员账号"));
        }
        self.record("unit.close", "unit", id, Some(id), summary);
        Ok(disabled)
    }

    /// Sets the display order among siblings (used by the demo loader and the console).
    pub async fn unit_set_sort_order(&mut self, id: i64, sort_order: i64) -> Result<()> {
        sqlx::query("UPDATE units SET sort_order = $1 WHERE id = $2")
            .bind(sort_order)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record("unit.reorder", "unit", id, Some(id), format!("排序号改为 {sort_order}"));
        Ok(())
    }
}

/// Chinese summary of what changed, field by field, for the audit log.
fn describe_changes(before: &UnitFields, after: &UnitFields) -> Vec<String> {
    let pairs: [(&str, &str, &str); 9] = [
        ("全称", &before.name, &after.name),
        ("简称", &before.short_name, &after.short_name),
        ("区划代码", &before.division_code, &after.division_code),
        ("地址", &before.address, &after.address),
        ("邮编", &before.postcode, &after.postcode),
        ("电话", &before.phone, &after.phone),
        ("邮箱", &before.email, &after.email),
        ("办公时间", &before.office_hours, &after.office_hours),
        ("职能简介", &before.description, &after.description),
    ];
    let mut out: Vec<String> = pairs
        .iter()
        .filter(|(_, a, b)| a != b)
        .map(|(label, a, b)| {
            if *label == "职能简介" {
                format!("{label}已修改")
            } else {
                format!("{label}由“{a}”改为“{b}”")
            }
        })
        .collect();
    if before.credit_code != after.credit_code {
        out.push(format!(
            "统一社会信用代码由“{}”改为“{}”",
            before.credit_code.as_deref().unwrap_or(""),
            after.credit_code.as_deref().unwrap_or("")
        ));
    }
    out
}
