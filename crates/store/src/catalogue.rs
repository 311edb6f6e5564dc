//! Standard lists (事项标准清单) per level and domain, and each unit's proactive disclosure
//! catalogue (主动公开基本目录) instantiated from them, with its own items (特色事项) and items
//! marked as not applicable (未涉及说明).

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::NaiveDate;
use gongkai_domain::catalogue::{Audience, CatalogueRow, Channel, Level, TimeLimit};
use gongkai_domain::documents::{DisclosureMode, Genre};
use gongkai_domain::validation::Invalid;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, Serialize)]
pub struct StandardItem {
    pub id: i64,
    pub level: Level,
    /// 领域, e.g. 医疗保障
    pub domain: String,
    #[serde(flatten)]
    pub row: CatalogueRow,
}

#[derive(Debug, Clone, Serialize)]
pub struct CatalogueItem {
    pub id: i64,
    pub unit_id: i64,
    /// The standard item it was instantiated from; `None` for the unit's own (特色) items.
    pub standard_item_id: Option<i64>,
    #[serde(flatten)]
    pub row: CatalogueRow,
    pub applicable: bool,
    /// 未涉及说明
    pub not_applicable_reason: String,
}

/// What an import of a standard list changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

const ROW_COLUMNS: &str = "level1, level2, content, basis, time_limit, subject, channels, audience, mode, layer";

/// The columns of `ROW_COLUMNS`; every stored code must be known (an empty list of channels
/// is stored as the empty text).
fn row_from(r: Named<'_>) -> Result<CatalogueRow> {
    let channels = r.get::<String>("channels")?;
    let channels = channels
        .split(',')
        .filter(|c| !c.is_empty())
        .map(|c| r.code_in("channels", c, Channel::from_code))
        .collect::<Result<_>>()?;
    Ok(CatalogueRow {
        level1: r.get("level1")?,
        level2: r.get("level2")?,
        content: r.get("content")?,
        basis: r.get("basis")?,
        time_limit: r.code("time_limit", TimeLimit::parse)?,
        subject: r.get("subject")?,
        channels,
        audience: r.code("audience", Audience::from_code)?,
        mode: r.code("mode", DisclosureMode::from_code)?,
        layer: r.get("layer")?,
    })
}

fn channel_codes(row: &CatalogueRow) -> String {
    row.channels.iter().map(|c| c.code()).collect::<Vec<_>>().join(",")
}

fn standard_from(r: &AnyRow) -> Result<StandardItem> {
    let r = Named::new(r, "standard_items");
    Ok(StandardItem {
        id: r.get("id")?,
        level: r.code("level", Level::parse)?,
        domain: r.get("domain")?,
        row: row_from(r)?,
    })
}

fn item_from(r: &AnyRow) -> Result<CatalogueItem> {
    let r = Named::new(r, "catalogue_items");
    Ok(CatalogueItem {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        standard_item_id: r.get("standard_item_id")?,
        applicable: r.flag("applicable")?,
        not_applicable_reason: r.get("not_applicable_reason")?,
        row: row_from(r)?,
    })
}

/// A domain that has a standard list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardDomain {
    pub level: Level,
    /// 领域, e.g. 医疗保障
    pub domain: String,
    /// How many items its list has.
    pub items: i64,
}

/// An applicable catalogue item a document may be filed under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueChoice {
    pub unit_id: i64,
    /// The catalogue item's id.
    pub id: i64,
    /// 「一级事项 / 二级事项」
    pub label: String,
}

/// An unpublished document filed under a catalogue item, with what its publication time
/// limit is measured against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftWithTimeLimit {
    /// The document's id.
    pub id: i64,
    /// The working copy's title.
    pub title: String,
    pub unit_id: i64,
    /// 成文日期
    pub written_on: NaiveDate,
    /// The catalogue item's 公开时限.
    pub time_limit: TimeLimit,
}

const ITEM_SELECT: &str = "SELECT id, unit_id, standard_item_id, applicable, not_applicable_reason, level1, level2, content, basis, time_limit, subject, channels, audience, mode, layer FROM catalogue_items";

impl Store {
    /// The standard list of a level, or of one domain in it.
    pub async fn standard_items(&self, level: Level, domain: Option<&str>) -> Result<Vec<StandardItem>> {
        let rows = sqlx::query(&format!(
            "SELECT id, level, domain, {ROW_COLUMNS} FROM standard_items WHERE level = $1 AND ($2 = '' OR domain = $2) ORDER BY domain, sort_order, id"
        ))
        .bind(level.code())
        .bind(domain.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(standard_from).collect()
    }

    /// The domains that have a standard list, with their level and number of items.
    pub async fn standard_domains(&self) -> Result<Vec<StandardDomain>> {
        let rows = sqlx::query(
            "SELECT level, domain, COUNT(*) AS items FROM standard_items GROUP BY level, domain ORDER BY level, domain",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "standard_items");
                Ok(StandardDomain {
                    level: r.code("level", Level::parse)?,
                    domain: r.get("domain")?,
                    items: r.get("items")?,
                })
            })
            .collect()
    }

    /// A unit's catalogue in the order of its tree: standard items first, own items after.
    pub async fn catalogue(&self, unit_id: i64) -> Result<Vec<CatalogueItem>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE unit_id = $1 ORDER BY CASE WHEN standard_item_id IS NULL THEN 1 ELSE 0 END, sort_order, id"
        ))
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_from).collect()
    }

    /// Every applicable catalogue item, for choosing where a document is filed.
    pub async fn catalogue_choices(&self) -> Result<Vec<CatalogueChoice>> {
        let rows = sqlx::query(
            "SELECT unit_id, id, level1, level2 FROM catalogue_items WHERE applicable = 1 ORDER BY unit_id, CASE WHEN standard_item_id IS NULL THEN 1 ELSE 0 END, sort_order, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "catalogue_items");
                Ok(CatalogueChoice {
                    unit_id: r.get("unit_id")?,
                    id: r.get("id")?,
                    label: format!("{} / {}", r.get::<String>("level1")?, r.get::<String>("level2")?),
                })
            })
            .collect()
    }

    pub async fn catalogue_item(&self, id: i64) -> Result<Option<CatalogueItem>> {
        let row = sqlx::query(&format!("{ITEM_SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(item_from).transpose()
    }

    /// Unpublished documents of the units given that sit under a catalogue item, with the
    /// item's time limit text and the document's 成文日期: what the publication time limit
    /// is measured against.
    pub async fn drafts_with_time_limits(&self, unit_ids: &[i64]) -> Result<Vec<DraftWithTimeLimit>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = crate::sql::Sql::new(
            "SELECT d.id, d.title, d.unit_id, d.written_on, c.time_limit FROM documents d JOIN catalogue_items c ON c.id = d.catalogue_item_id WHERE d.live_version = 0 AND d.written_on IS NOT NULL AND d.withdrawal IS NULL AND d.unit_id IN ",
        );
        q.bind_list(unit_ids.iter().copied()).push(" ORDER BY d.written_on, d.id");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "documents");
                Ok(DraftWithTimeLimit {
                    id: r.get("id")?,
                    title: r.get("title")?,
                    unit_id: r.get("unit_id")?,
                    written_on: r.date("written_on")?,
                    time_limit: r.code("time_limit", TimeLimit::parse)?,
                })
            })
            .collect()
    }
}

/// An online document filed under a catalogue item, as the public tree lists it.
#[derive(Debug, Clone)]
pub struct FiledDocument {
    pub id: i64,
    pub title: String,
    pub published_on: NaiveDate,
    pub catalogue_item_id: i64,
}

/// The online documents of a unit's catalogue: the newest of each item, and how many each
/// item holds in all.
#[derive(Debug, Clone, Default)]
pub struct CatalogueDocuments {
    /// Newest first, at most the number asked for per item.
    pub documents: Vec<FiledDocument>,
    /// By catalogue item id, how many online documents it holds.
    pub counts: std::collections::HashMap<i64, usize>,
}

impl Store {
    /// The online documents of a unit filed under its catalogue items, newest first, at most
    /// `per_item` per item (titles and dates only, however large the bodies), and how many each
    /// item holds in all.
    pub async fn catalogue_documents(&self, unit_id: i64, per_item: usize) -> Result<CatalogueDocuments> {
        let rows = sqlx::query(
            "SELECT d.id, v.title, d.published_on, v.catalogue_item_id FROM documents d \
             JOIN document_versions v ON v.document_id = d.id AND v.version = d.live_version \
             WHERE d.unit_id = $1 AND d.withdrawal IS NULL AND v.catalogue_item_id IS NOT NULL \
             ORDER BY d.published_on DESC, d.id DESC",
        )
        .bind(unit_id)
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<FiledDocument> = Vec::new();
        let mut counts: std::collections::HashMap<i64, usize> = Default::default();
        for r in &rows {
            let r = Named::new(r, "documents");
            let item: i64 = r.get("catalogue_item_id")?;
            let n = counts.entry(item).or_default();
            *n += 1;
            if *n <= per_item {
                out.push(FiledDocument {
                    id: r.get("id")?,
                    title: r.get("title")?,
                    published_on: r.date("published_on")?,
                    catalogue_item_id: item,
                });
            }
        }
        Ok(CatalogueDocuments { documents: out, counts })
    }
}

/// A published 规章 or 行政规范性文件 with the date its first interpretation was published.
#[derive(Debug, Clone)]
pub struct PolicyInterpretation {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub genre: Genre,
    pub published_on: NaiveDate,
    pub first_interpretation_on: Option<NaiveDate>,
}

impl Store {
    /// The online policies of the units given, newest first, for the 三同步 check.
    pub async fn policies_and_interpretations(&self, unit_ids: &[i64]) -> Result<Vec<PolicyInterpretation>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = crate::sql::Sql::new(
            "SELECT d.id, d.unit_id, v.title, v.genre, d.published_on,              (SELECT MIN(i.published_on) FROM documents i JOIN document_versions iv ON iv.document_id = i.id AND iv.version = i.live_version               WHERE iv.interprets_id = d.id AND i.withdrawal IS NULL) AS first_interpretation_on              FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.version = d.live_version              WHERE d.withdrawal IS NULL AND v.genre IN ('regulation', 'normative') AND d.unit_id IN ",
        );
        q.bind_list(unit_ids.iter().copied()).push(" ORDER BY d.published_on DESC, d.id DESC");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "documents");
                Ok(PolicyInterpretation {
                    id: r.get("id")?,
                    unit_id: r.get("unit_id")?,
                    title: r.get("title")?,
                    genre: r.code("genre", Genre::from_code)?,
                    published_on: r.date("published_on")?,
                    first_interpretation_on: r.date_opt("first_interpretation_on")?,
                })
            })
            .collect()
    }
}

fn duplicate_keys(rows: &[CatalogueRow]) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .find(|r| !seen.insert((r.level1.as_str(), r.level2.as_str())))
        .map(|r| format!("{} / {}", r.level1, r.level2))
}

impl Writer {
    /// Replaces the standard list of one level and domain with `rows`, matching rows by their
    /// 一级事项 and 二级事项: matched rows are updated in place (so unit catalogues keep their
    /// link), new ones added, missing ones removed — units that instantiated a removed row keep
    /// their copy as their own item.
    pub async fn standards_replace(
        &mut self,
        level: Level,
        domain: &str,
        rows: &[CatalogueRow],
    ) -> Result<ImportReport> {
        let domain = domain.trim();
        if domain.is_empty() || domain.chars().count() > 50 {
            return Err(StoreError::Invalid(Invalid::one("domain", "领域", "请填写领域名称（50 字以内）")));
        }
        if let Some(dup) = duplicate_keys(rows) {
            return Err(StoreError::Invalid(Invalid::one("file", "清单文件", format!("事项“{dup}”重复出现"))));
        }
        let existing = sqlx::query("SELECT id, level1, level2 FROM standard_items WHERE level = $1 AND domain = $2")
            .bind(level.code())
            .bind(domain)
            .fetch_all(self.conn())
            .await?;
        let mut by_key = std::collections::HashMap::new();
        for r in &existing {
            by_key.insert(
                (r.try_get::<String, _>("level1")?, r.try_get::<String, _>("level2")?),
                r.try_get::<i64, _>("id")?,
            );
        }
        let now = crate::now_text();
        let mut report = ImportReport::default();
        for (i, row) in rows.iter().enumerate() {
            let values = [
                row.level1.clone(),
                row.level2.clone(),
                row.content.clone(),
                row.basis.clone(),
                row.time_limit.label(),
                row.subject.clone(),
                channel_codes(row),
                row.audience.code().to_string(),
                row.mode.code().to_string(),
                row.layer.clone(),
            ];
            match by_key.remove(&(row.level1.clone(), row.level2.clone())) {
                Some(id) => {
                    let mut q = sqlx::query(
                        "UPDATE standard_items SET level1 = $1, level2 = $2, content = $3, basis = $4, time_limit = $5, subject = $6, channels = $7, audience = $8, mode = $9, layer = $10, sort_order = $11, updated_at = $12 WHERE id = $13",
                    );
                    for v in &values {
                        q = q.bind(v.as_str());
                    }
                    q.bind(i as i64).bind(&now).bind(id).execute(self.conn()).await?;
                    report.updated += 1;
                }
                None => {
                    let sql = format!(
                        "INSERT INTO standard_items (level, domain, {ROW_COLUMNS}, sort_order, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)"
                    );
                    let mut q = sqlx::query(&sql).bind(level.code()).bind(domain);
                    for v in &values {
                        q = q.bind(v.as_str());
                    }
                    q.bind(i as i64).bind(&now).execute(self.conn()).await?;
                    report.added += 1;
                }
            }
        }
        for id in by_key.into_values() {
            sqlx::query("UPDATE catalogue_items SET standard_item_id = NULL WHERE standard_item_id = $1")
                .bind(id)
                .execute(self.conn())
                .await?;
            sqlx::query("DELETE FROM standard_items WHERE id = $1").bind(id).execute(self.conn()).await?;
            report.removed += 1;
        }
        self.record(
            "standard.import",
            "standard_list",
            format!("{}/{domain}", level.code()),
            None,
            format!(
                "导入{}“{domain}”领域事项标准清单：新增 {} 项，更新 {} 项，删除 {} 项",
                level.label(),
                report.added,
                report.updated,
                report.removed
            ),
        );
        Ok(report)
    }

    /// Copies the standard items of a level (and domain) that the unit does not have yet into
    /// its catalogue; returns how many were added. Running it again after the list grows adds
    /// only the new items.
    pub async fn catalogue_instantiate(&mut self, unit_id: i64, level: Level, domain: Option<&str>) -> Result<usize> {
        let now = crate::now_text();
        let done = sqlx::query(&format!(
            "INSERT INTO catalogue_items (unit_id, standard_item_id, {ROW_COLUMNS}, sort_order, created_at, updated_at) \
             SELECT $1, s.id, s.level1, s.level2, s.content, s.basis, s.time_limit, s.subject, s.channels, s.audience, s.mode, s.layer, s.sort_order, $2, $2 \
             FROM standard_items s WHERE s.level = $3 AND ($4 = '' OR s.domain = $4) \
             AND NOT EXISTS (SELECT 1 FROM catalogue_items c WHERE c.unit_id = $1 AND c.standard_item_id = s.id)"
        ))
        .bind(unit_id)
        .bind(&now)
        .bind(level.code())
        .bind(domain.unwrap_or(""))
        .execute(self.conn())
        .await?
        .rows_affected() as usize;
        if done == 0 {
            return Err(StoreError::Invalid(Invalid::one(
                "domain",
                "领域",
                "该层级和领域的标准清单中没有尚未纳入目录的事项",
            )));
        }
        self.record(
            "catalogue.instantiate",
            "unit",
            unit_id,
            Some(unit_id),
            format!(
                "依据{}{}事项标准清单生成主动公开基本目录 {done} 项",
                level.label(),
                domain.map(|d| format!("“{d}”")).unwrap_or_default()
            ),
        );
        Ok(done)
    }

    /// Adds a unit's own item (特色事项).
    pub async fn catalogue_add(&mut self, unit_id: i64, row: &CatalogueRow) -> Result<i64> {
        let exists = sqlx::query("SELECT id FROM catalogue_items WHERE unit_id = $1 AND level1 = $2 AND level2 = $3")
            .bind(unit_id)
            .bind(&row.level1)
            .bind(&row.level2)
            .fetch_optional(self.conn())
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(Invalid::one("level2", "二级事项", "目录中已有同名事项")));
        }
        let now = crate::now_text();
        let id: i64 = sqlx::query(&format!(
            "INSERT INTO catalogue_items (unit_id, {ROW_COLUMNS}, sort_order, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 100000, $12, $12) RETURNING id"
        ))
        .bind(unit_id)
        .bind(&row.level1)
        .bind(&row.level2)
        .bind(&row.content)
        .bind(&row.basis)
        .bind(row.time_limit.label())
        .bind(&row.subject)
        .bind(channel_codes(row))
        .bind(row.audience.code())
        .bind(row.mode.code())
        .bind(&row.layer)
        .bind(&now)
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        self.record(
            "catalogue.add",
            "catalogue_item",
            id,
            Some(unit_id),
            format!("新增特色事项“{} / {}”", row.level1, row.level2),
        );
        Ok(id)
    }

    /// Marks an item as applying to the unit, or not with the reason (未涉及说明) the public sees.
    pub async fn catalogue_mark(&mut self, item_id: i64, applicable: bool, reason: &str) -> Result<CatalogueItem> {
        let reason = reason.trim();
        if !applicable && reason.chars().count() < 4 {
            return Err(StoreError::Invalid(Invalid::one(
                "reason",
                "未涉及说明",
                "标记为未涉及时，请说明原因（至少 4 个字），该说明将向公众公开",
            )));
        }
        if reason.chars().count() > 500 {
            return Err(StoreError::Invalid(Invalid::one("reason", "未涉及说明", "不能超过 500 字")));
        }
        let row = sqlx::query(&format!("{ITEM_SELECT} WHERE id = $1"))
            .bind(item_id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("目录事项"))?;
        let mut item = item_from(&row)?;
        let reason = if applicable { "" } else { reason };
        sqlx::query(
            "UPDATE catalogue_items SET applicable = $1, not_applicable_reason = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(applicable as i64)
        .bind(reason)
        .bind(crate::now_text())
        .bind(item_id)
        .execute(self.conn())
        .await?;
        self.record(
            if applicable { "catalogue.applicable" } else { "catalogue.not_applicable" },
            "catalogue_item",
            item_id,
            Some(item.unit_id),
            if applicable {
                format!("“{}”恢复为本单位涉及的事项", item.row.level2)
            } else {
                format!("“{}”标记为未涉及：{reason}", item.row.level2)
            },
        );
        item.applicable = applicable;
        item.not_applicable_reason = reason.to_string();
        Ok(item)
    }

    /// Removes one of the unit's own items, unless a document was filed under it.
    pub async fn catalogue_remove(&mut self, item_id: i64) -> Result<()> {
        let row = sqlx::query(&format!("{ITEM_SELECT} WHERE id = $1"))
            .bind(item_id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("目录事项"))?;
        let item = item_from(&row)?;
        if item.standard_item_id.is_some() {
            return Err(StoreError::Conflict(Invalid::one(
                "item",
                "目录事项",
                "标准清单中的事项不能删除；不涉及的请标记为未涉及并说明原因",
            )));
        }
        let used: i64 = sqlx::query("SELECT COUNT(*) AS n FROM documents WHERE catalogue_item_id = $1")
            .bind(item_id)
            .fetch_one(self.conn())
            .await?
            .try_get("n")?;
        if used > 0 {
            return Err(StoreError::Conflict(Invalid::one(
                "item",
                "目录事项",
                format!("该事项下已有 {used} 篇信息，不能删除"),
            )));
        }
        sqlx::query("DELETE FROM catalogue_items WHERE id = $1").bind(item_id).execute(self.conn()).await?;
        self.record(
            "catalogue.remove",
            "catalogue_item",
            item_id,
            Some(item.unit_id),
            format!("删除特色事项“{} / {}”", item.row.level1, item.row.level2),
        );
        Ok(())
    }
}
