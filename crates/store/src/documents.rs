//! Documents repository: working copies under review, the published versions the public sees,
//! 索引号 given at first publication, and the outbox events that feed the search index.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::{Named, Page};
use crate::sql::{Sql, like_contains};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use gongkai_domain::codes::CreditCode;
use gongkai_domain::documents::{
    DisclosureMode, DocumentFields, Genre, IndexNo, InterpretationForm, Topic, Validity, Withdrawal,
};
use gongkai_domain::qa::QaPair;
use gongkai_domain::time::{date_in_china, format_instant, parse_date, parse_local_minute};
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::{Facts, Stage, State};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

/// A document's working copy and workflow state, as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub id: i64,
    pub unit_id: i64,
    pub index_no: Option<String>,
    pub status: State,
    pub title: String,
    pub publisher: String,
    pub doc_no: String,
    pub doc_no_key: String,
    pub written_on: Option<NaiveDate>,
    /// The scheduled publication, kept as local time to the minute.
    #[serde(with = "gongkai_domain::time::serde_local_minute_opt")]
    pub publish_at: Option<DateTime<Utc>>,
    pub topic: Topic,
    pub genre: Genre,
    pub keywords: String,
    pub note: String,
    pub disclosure_mode: DisclosureMode,
    pub catalogue_item_id: Option<i64>,
    pub column_id: Option<i64>,
    pub interprets_id: Option<i64>,
    pub interpretation_form: Option<InterpretationForm>,
    pub body_html: String,
    pub body_text: String,
    pub qa: Vec<QaPair>,
    pub validity: Validity,
    pub validity_on: Option<NaiveDate>,
    pub replaced_by: Option<i64>,
    pub author_id: Option<i64>,
    pub reviewers: [Option<i64>; 3],
    pub checks_override: String,
    pub change_note: String,
    pub minor_change: bool,
    pub live_version: i64,
    pub published_on: Option<NaiveDate>,
    #[serde(with = "gongkai_domain::time::serde_instant_opt")]
    pub last_published_at: Option<DateTime<Utc>>,
    pub withdrawal: Option<Withdrawal>,
    pub withdrawal_note: String,
    #[serde(with = "gongkai_domain::time::serde_instant_opt")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub updated_at: DateTime<Utc>,
}

const DOC_COLUMNS: &str = "id, unit_id, index_no, status, title, publisher, doc_no, doc_no_key, written_on, publish_at, topic, genre, keywords, disclosure_mode, catalogue_item_id, column_id, interprets_id, interpretation_form, COALESCE((SELECT t.body_html FROM document_texts t WHERE t.id = documents.text_id), '') AS body_html, COALESCE((SELECT t.body_text FROM document_texts t WHERE t.id = documents.text_id), '') AS body_text, validity, validity_on, replaced_by, author_id, reviewer_first, reviewer_second, reviewer_final, checks_override, change_note, minor_change, live_version, published_on, last_published_at, withdrawal, withdrawal_note, withdrawn_at, created_at, updated_at, note, qa_pairs";

/// The stored form of question–answer pairs (plain strings serialise without fail).
fn qa_json(qa: &[QaPair]) -> String {
    serde_json::to_string(qa).unwrap_or_else(|_| "[]".into())
}

/// A scheduled publication time, stored as local time to the minute.
fn local_minute_opt(r: Named<'_>, column: &str) -> Result<Option<DateTime<Utc>>> {
    let raw: Option<String> = r.get(column)?;
    raw.map(|raw| r.code_in(column, &raw, parse_local_minute)).transpose()
}

fn document_from_row(r: &AnyRow) -> Result<Document> {
    let r = Named::new(r, "documents");
    Ok(Document {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        index_no: r.get("index_no")?,
        status: r.code("status", State::parse)?,
        title: r.get("title")?,
        publisher: r.get("publisher")?,
        doc_no: r.get("doc_no")?,
        doc_no_key: r.get("doc_no_key")?,
        written_on: r.date_opt("written_on")?,
        publish_at: local_minute_opt(r, "publish_at")?,
        topic: r.code("topic", Topic::from_code)?,
        genre: r.code("genre", Genre::from_code)?,
        keywords: r.get("keywords")?,
        disclosure_mode: r.code("disclosure_mode", DisclosureMode::from_code)?,
        catalogue_item_id: r.get("catalogue_item_id")?,
        column_id: r.get("column_id")?,
        interprets_id: r.get("interprets_id")?,
        interpretation_form: r.code_or_empty("interpretation_form", InterpretationForm::from_code)?,
        body_html: r.get("body_html")?,
        body_text: r.get("body_text")?,
        validity: r.code("validity", Validity::from_code)?,
        validity_on: r.date_opt("validity_on")?,
        replaced_by: r.get("replaced_by")?,
        author_id: r.get("author_id")?,
        reviewers: [r.get("reviewer_first")?, r.get("reviewer_second")?, r.get("reviewer_final")?],
        checks_override: r.get("checks_override")?,
        change_note: r.get("change_note")?,
        minor_change: r.flag("minor_change")?,
        live_version: r.get("live_version")?,
        published_on: r.date_opt("published_on")?,
        last_published_at: r.instant_opt("last_published_at")?,
        withdrawal: r.code_opt("withdrawal", Withdrawal::from_code)?,
        withdrawal_note: r.get("withdrawal_note")?,
        withdrawn_at: r.instant_opt("withdrawn_at")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
        note: r.get("note")?,
        qa: r.json("qa_pairs")?,
    })
}

impl Document {
    /// What the workflow rule needs to know of this document besides its state.
    pub fn facts(&self) -> Facts {
        Facts { author: self.author_id.unwrap_or(-1), reviewers: self.reviewers, has_live: self.live_version > 0 }
    }

    /// Whether approval at 终审 now schedules publication rather than publishing at once.
    pub fn publishes_later(&self) -> bool {
        publishes_later(self.publish_at)
    }
}

/// Whether a scheduled time (kept to the minute) is still to come.
pub fn publishes_later(publish_at: Option<DateTime<Utc>>) -> bool {
    publish_at.is_some_and(|at| at > Utc::now())
}

/// A document at a review stage, with what the review rule needs to decide who may act on it.
#[derive(Debug, Clone, Serialize)]
pub struct InReview {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub doc_no: String,
    pub status: State,
    pub author_id: Option<i64>,
    pub reviewers: [Option<i64>; 3],
    #[serde(with = "gongkai_domain::time::serde_local_minute_opt")]
    pub publish_at: Option<DateTime<Utc>>,
    pub live_version: i64,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub updated_at: DateTime<Utc>,
}

impl InReview {
    pub fn facts(&self) -> Facts {
        Facts { author: self.author_id.unwrap_or(-1), reviewers: self.reviewers, has_live: self.live_version > 0 }
    }
}

/// What the public sees of a document: its live version and its identity.
#[derive(Debug, Clone, Serialize)]
pub struct PublicDocument {
    pub id: i64,
    pub unit_id: i64,
    pub index_no: String,
    pub version: i64,
    pub title: String,
    pub publisher: String,
    pub doc_no: String,
    pub doc_no_key: String,
    pub written_on: Option<NaiveDate>,
    pub published_on: NaiveDate,
    pub topic: Topic,
    pub genre: Genre,
    pub keywords: String,
    pub note: String,
    pub disclosure_mode: DisclosureMode,
    pub catalogue_item_id: Option<i64>,
    pub column_id: Option<i64>,
    pub interprets_id: Option<i64>,
    pub interpretation_form: Option<InterpretationForm>,
    pub body_html: String,
    pub body_text: String,
    pub qa: Vec<QaPair>,
    pub validity: Validity,
    pub validity_on: Option<NaiveDate>,
    pub replaced_by: Option<i64>,
    pub withdrawal: Option<Withdrawal>,
    pub withdrawal_note: String,
    #[serde(with = "gongkai_domain::time::serde_instant_opt")]
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// When the live version was published.
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub updated_at: DateTime<Utc>,
    /// The last change to the document (a publication, its validity, a withdrawal; a revision's
    /// draft counts too, which only makes it later than needed): the page's `Last-Modified`.
    #[serde(skip)]
    pub changed_at: DateTime<Utc>,
}

const PUBLIC_COLUMNS: &str = "d.id, d.unit_id, d.index_no, v.version, v.title, v.publisher, v.doc_no, v.doc_no_key, v.written_on, d.published_on, v.topic, v.genre, v.keywords, v.disclosure_mode, v.catalogue_item_id, v.column_id, v.interprets_id, v.interpretation_form, COALESCE((SELECT t.body_html FROM document_texts t WHERE t.id = v.text_id), '') AS body_html, COALESCE((SELECT t.body_text FROM document_texts t WHERE t.id = v.text_id), '') AS body_text, d.validity, d.validity_on, d.replaced_by, d.withdrawal, d.withdrawal_note, d.withdrawn_at, v.published_at, v.note, v.qa_pairs, d.updated_at";
const PUBLIC_FROM: &str =
    "FROM documents d JOIN document_versions v ON v.document_id = d.id AND v.version = d.live_version";

fn public_from_row(r: &AnyRow) -> Result<PublicDocument> {
    let r = Named::new(r, "documents");
    Ok(PublicDocument {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        index_no: r.get::<Option<String>>("index_no")?.unwrap_or_default(),
        version: r.get("version")?,
        title: r.get("title")?,
        publisher: r.get("publisher")?,
        doc_no: r.get("doc_no")?,
        doc_no_key: r.get("doc_no_key")?,
        written_on: r.date_opt("written_on")?,
        published_on: r.date("published_on")?,
        topic: r.code("topic", Topic::from_code)?,
        genre: r.code("genre", Genre::from_code)?,
        keywords: r.get("keywords")?,
        disclosure_mode: r.code("disclosure_mode", DisclosureMode::from_code)?,
        catalogue_item_id: r.get("catalogue_item_id")?,
        column_id: r.get("column_id")?,
        interprets_id: r.get("interprets_id")?,
        interpretation_form: r.code_or_empty("interpretation_form", InterpretationForm::from_code)?,
        body_html: r.get("body_html")?,
        body_text: r.get("body_text")?,
        validity: r.code("validity", Validity::from_code)?,
        validity_on: r.date_opt("validity_on")?,
        replaced_by: r.get("replaced_by")?,
        withdrawal: r.code_opt("withdrawal", Withdrawal::from_code)?,
        withdrawal_note: r.get("withdrawal_note")?,
        withdrawn_at: r.instant_opt("withdrawn_at")?,
        updated_at: r.instant("published_at")?,
        note: r.get("note")?,
        qa: r.json("qa_pairs")?,
        changed_at: r.instant("updated_at")?,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct Version {
    pub version: i64,
    pub title: String,
    pub change_note: String,
    pub minor_change: bool,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub published_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Review {
    /// The stage's label (初审 …, or 定时发布), as recorded.
    pub stage: String,
    /// approve, approve_override or reject.
    pub decision: String,
    pub reviewer_id: Option<i64>,
    pub comment: String,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub at: DateTime<Utc>,
}

/// A line of the sitemap: an online document and its last change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub id: i64,
    /// The last publication (or, for a document published before that was kept, the last
    /// change).
    pub changed_at: DateTime<Utc>,
}

/// The body of a published version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionBody {
    pub body_html: String,
    pub body_text: String,
}

/// A change noted for the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    pub id: i64,
    /// What changed: `document`, …
    pub topic: String,
    pub object_id: i64,
}

/// A document of a bulk import: its id and whether this import added it (`false`: imported
/// before under the same key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub id: i64,
    pub fresh: bool,
}

/// Filters for staff lists of working copies.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    pub within_unit: Option<i64>,
    pub unit: Option<i64>,
    pub status: Option<State>,
    pub q: Option<String>,
}

/// Filters for public lists.
#[derive(Debug, Clone, Default)]
pub struct PublicFilter {
    pub within_unit: Option<i64>,
    pub unit: Option<i64>,
    pub genre: Option<Genre>,
    pub topic: Option<Topic>,
    pub year: Option<i32>,
    pub validity: Option<Validity>,
    pub column: Option<i64>,
    pub catalogue_item: Option<i64>,
    pub interprets: Option<i64>,
    /// Only documents in columns of this kind (the 制度 and 年报 sections).
    pub column_kind: Option<gongkai_domain::columns::ColumnKind>,
}

fn now_local() -> String {
    Utc::now().with_timezone(&gongkai_domain::time::china()).format("%Y-%m-%d %H:%M").to_string()
}

fn today() -> NaiveDate {
    date_in_china(Utc::now())
}

async fn doc_in(conn: &mut AnyConnection, id: i64) -> Result<Option<Document>> {
    let row = sqlx::query(&format!("SELECT {DOC_COLUMNS} FROM documents WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(document_from_row).transpose()
}

impl Store {
    pub async fn document(&self, id: i64) -> Result<Option<Document>> {
        let mut conn = self.pool.acquire().await?;
        doc_in(&mut conn, id).await
    }

    pub async fn documents_list(&self, f: &DocumentFilter, limit: i64, offset: i64) -> Result<Page<Document>> {
        let build = |select: &str| {
            let mut q = Sql::new("");
            if let Some(unit) = f.within_unit {
                q.push("WITH RECURSIVE sub(id) AS (SELECT CAST(")
                    .bind(unit)
                    .push(" AS BIGINT) UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) ");
            }
            q.push(select).push(" FROM documents WHERE 1 = 1");
            if f.within_unit.is_some() {
                q.push(" AND unit_id IN (SELECT id FROM sub)");
            }
            if let Some(u) = f.unit {
                q.push(" AND unit_id = ").bind(u);
            }
            if let Some(s) = f.status {
                q.push(" AND status = ").bind(s.code());
            }
            if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                q.push(" AND (title LIKE ")
                    .bind(like_contains(text))
                    .push(" ESCAPE '\\' OR doc_no LIKE ")
                    .bind(like_contains(text))
                    .push(" ESCAPE '\\')");
            }
            q
        };
        let total: i64 = build("SELECT COUNT(*) AS n").query().fetch_one(&self.pool).await?.try_get("n")?;
        let mut q = build(&format!("SELECT {DOC_COLUMNS}"));
        q.push(" ORDER BY updated_at DESC, id DESC LIMIT ")
            .bind(limit.clamp(1, 500))
            .push(" OFFSET ")
            .bind(offset.max(0));
        let rows = q.query().fetch_all(&self.pool).await?;
        Ok(Page { items: rows.iter().map(document_from_row).collect::<Result<_>>()?, total })
    }

    /// Every document at a review stage (初审, 复审, 终审) in `within_unit` and below, or
    /// everywhere: one query, oldest first. Who may act on each is the workflow's rule
    /// ([`gongkai_domain::workflow::review_options`]), applied by the caller.
    pub async fn documents_in_review(&self, within_unit: Option<i64>) -> Result<Vec<InReview>> {
        let mut q = Sql::new("");
        if let Some(unit) = within_unit {
            q.push("WITH RECURSIVE sub(id) AS (SELECT CAST(")
                .bind(unit)
                .push(" AS BIGINT) UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) ");
        }
        q.push("SELECT id, unit_id, title, doc_no, status, author_id, reviewer_first, reviewer_second, reviewer_final, publish_at, live_version, updated_at FROM documents WHERE status IN ('review_first', 'review_second', 'review_final')");
        if within_unit.is_some() {
            q.push(" AND unit_id IN (SELECT id FROM sub)");
        }
        q.push(" ORDER BY updated_at, id");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "documents");
                Ok(InReview {
                    id: r.get("id")?,
                    unit_id: r.get("unit_id")?,
                    title: r.get("title")?,
                    doc_no: r.get("doc_no")?,
                    status: r.code("status", State::parse)?,
                    author_id: r.get("author_id")?,
                    reviewers: [r.get("reviewer_first")?, r.get("reviewer_second")?, r.get("reviewer_final")?],
                    publish_at: local_minute_opt(r, "publish_at")?,
                    live_version: r.get("live_version")?,
                    updated_at: r.instant("updated_at")?,
                })
            })
            .collect()
    }

    /// The live version of a document, if it was ever published (withdrawn ones included:
    /// the portal decides what to show of them).
    pub async fn public_document(&self, id: i64) -> Result<Option<PublicDocument>> {
        let row = sqlx::query(&format!("SELECT {PUBLIC_COLUMNS} {PUBLIC_FROM} WHERE d.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(public_from_row).transpose()
    }

    /// The published versions of documents by id (withdrawn ones included), in one query.
    pub async fn public_documents_by_ids(&self, ids: &[i64]) -> Result<Vec<PublicDocument>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = Sql::new(&format!("SELECT {PUBLIC_COLUMNS} "));
        q.push(PUBLIC_FROM).push(" WHERE d.id IN ");
        q.bind_list(ids.iter().copied());
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter().map(public_from_row).collect()
    }

    /// Published documents that are online (not withdrawn), newest first.
    pub async fn public_documents(&self, f: &PublicFilter, limit: i64, offset: i64) -> Result<Page<PublicDocument>> {
        let build = |select: &str| public_query(f, select);
        let total: i64 = build("SELECT COUNT(*) AS n").query().fetch_one(&self.pool).await?.try_get("n")?;
        let mut q = build(&format!("SELECT {PUBLIC_COLUMNS}"));
        q.push(" ORDER BY d.published_on DESC, d.id DESC LIMIT ")
            .bind(limit.clamp(1, 500))
            .push(" OFFSET ")
            .bind(offset.max(0));
        let rows = q.query().fetch_all(&self.pool).await?;
        Ok(Page { items: rows.iter().map(public_from_row).collect::<Result<_>>()?, total })
    }

    /// The years in which documents of a public list were published, newest first (the year
    /// filter offers only these).
    pub async fn public_years(&self, f: &PublicFilter) -> Result<Vec<i32>> {
        let f = PublicFilter { year: None, ..f.clone() };
        let mut q = public_query(&f, "SELECT DISTINCT SUBSTR(d.published_on, 1, 4) AS y");
        q.push(" ORDER BY y DESC");
        let rows = q.query().fetch_all(&self.pool).await?;
        let mut years = Vec::with_capacity(rows.len());
        for r in &rows {
            let y: Option<String> = r.try_get("y")?;
            if let Some(y) = y {
                years.push(Named::new(r, "documents").code_in("published_on", &y, |y| y.parse().ok())?);
            }
        }
        Ok(years)
    }

    /// Every online document, in id order, for rebuilding the search index in batches.
    pub async fn public_documents_after(&self, after_id: i64, limit: i64) -> Result<Vec<PublicDocument>> {
        let rows = sqlx::query(&format!(
            "SELECT {PUBLIC_COLUMNS} {PUBLIC_FROM} WHERE d.withdrawal IS NULL AND d.id > $1 ORDER BY d.id LIMIT $2"
        ))
        .bind(after_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(public_from_row).collect()
    }

    /// The texts of online documents by id, for search excerpts.
    pub async fn public_texts(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut q = Sql::new(
            "SELECT d.id, v.note, COALESCE((SELECT t.body_text FROM document_texts t WHERE t.id = v.text_id), '') AS body_text ",
        );
        q.push(PUBLIC_FROM).push(" WHERE d.id IN ");
        q.bind_list(ids.iter().copied());
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let note: String = r.try_get("note")?;
                let body: String = r.try_get("body_text")?;
                Ok((r.try_get("id")?, if note.is_empty() { body } else { format!("{note}\n{body}") }))
            })
            .collect()
    }

    /// Online documents in id order with their last change, for the sitemap.
    pub async fn public_sitemap(&self, limit: i64, offset: i64) -> Result<Vec<SitemapEntry>> {
        let rows = sqlx::query("SELECT id, COALESCE(last_published_at, updated_at) AS changed_at FROM documents WHERE live_version > 0 AND withdrawal IS NULL ORDER BY id LIMIT $1 OFFSET $2")
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "documents");
                Ok(SitemapEntry { id: r.get("id")?, changed_at: r.instant("changed_at")? })
            })
            .collect()
    }

    pub async fn document_versions(&self, id: i64) -> Result<Vec<Version>> {
        let rows = sqlx::query("SELECT version, title, change_note, minor_change, published_at FROM document_versions WHERE document_id = $1 ORDER BY version DESC")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "document_versions");
                Ok(Version {
                    version: r.get("version")?,
                    title: r.get("title")?,
                    change_note: r.get("change_note")?,
                    minor_change: r.flag("minor_change")?,
                    published_at: r.instant("published_at")?,
                })
            })
            .collect()
    }

    /// The body (HTML, plain text) of a published version, whether live or superseded.
    pub async fn document_version_body(&self, id: i64, version: i64) -> Result<Option<VersionBody>> {
        let row = sqlx::query(
            "SELECT t.body_html, t.body_text FROM document_versions v JOIN document_texts t ON t.id = v.text_id
             WHERE v.document_id = $1 AND v.version = $2",
        )
        .bind(id)
        .bind(version)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok(VersionBody { body_html: r.try_get("body_html")?, body_text: r.try_get("body_text")? }))
            .transpose()
    }

    pub async fn document_reviews(&self, id: i64) -> Result<Vec<Review>> {
        let rows = sqlx::query(
            "SELECT stage, decision, reviewer_id, comment, at FROM document_reviews WHERE document_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "document_reviews");
                Ok(Review {
                    stage: r.get("stage")?,
                    decision: r.get("decision")?,
                    reviewer_id: r.get("reviewer_id")?,
                    comment: r.get("comment")?,
                    at: r.instant("at")?,
                })
            })
            .collect()
    }

    /// Documents whose scheduled time has come, for the publishing job.
    pub async fn documents_due(&self) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT id FROM documents WHERE status = 'scheduled' AND publish_at <= $1")
            .bind(now_local())
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// Documents with the same 文号 key, for exact search and duplicate warnings.
    pub async fn documents_by_doc_no_key(&self, key: &str) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT id FROM documents WHERE doc_no_key = $1 AND live_version > 0 ORDER BY id")
            .bind(key)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    // ----- outbox -----

    pub async fn outbox_after(&self, after: i64, limit: i64) -> Result<Vec<OutboxEvent>> {
        let rows = sqlx::query("SELECT id, topic, object_id FROM outbox WHERE id > $1 ORDER BY id LIMIT $2")
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(OutboxEvent { id: r.try_get("id")?, topic: r.try_get("topic")?, object_id: r.try_get("object_id")? })
            })
            .collect()
    }

    pub async fn outbox_last_id(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM outbox").fetch_one(&self.pool).await?.try_get("id")?)
    }
}

fn bind_document<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    f: &'q DocumentFields,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    q.bind(&f.title)
        .bind(&f.publisher)
        .bind(&f.doc_no)
        .bind(&f.doc_no_key)
        .bind(f.written_on.map(|d| d.to_string()))
        .bind(f.publish_at.as_deref())
        .bind(f.topic.code())
        .bind(f.genre.code())
        .bind(&f.keywords)
        .bind(f.disclosure_mode.code())
        .bind(f.catalogue_item_id)
        .bind(f.column_id)
        .bind(f.interprets_id)
        .bind(f.interpretation_form.map(|x| x.code()).unwrap_or(""))
        .bind(&f.change_note)
        .bind(f.minor_change as i64)
        .bind(&f.note)
        .bind(qa_json(&f.qa))
}

/// The fields `bind_document` fills, as `$1`–`$18`; the body is kept in `document_texts`.
const FIELD_NAMES: [&str; 18] = [
    "title",
    "publisher",
    "doc_no",
    "doc_no_key",
    "written_on",
    "publish_at",
    "topic",
    "genre",
    "keywords",
    "disclosure_mode",
    "catalogue_item_id",
    "column_id",
    "interprets_id",
    "interpretation_form",
    "change_note",
    "minor_change",
    "note",
    "qa_pairs",
];

/// Names the line of the import file in a refusal.
fn at_line(line: usize, e: StoreError) -> StoreError {
    match e {
        StoreError::Invalid(inv) | StoreError::Conflict(inv) if line > 0 => {
            StoreError::Other(format!("第 {line} 行：{inv}"))
        }
        other => other,
    }
}

/// One document of a bulk import.
pub struct ImportItem<'a> {
    /// The line of the import file, named in errors (0: not from a file).
    pub line: usize,
    pub unit_id: i64,
    pub fields: &'a DocumentFields,
    pub key: &'a str,
    pub published_on: Option<NaiveDate>,
}

impl Writer {
    async fn check_links(&mut self, unit_id: i64, f: &DocumentFields) -> Result<()> {
        let conn = self.conn();
        if let Some(item) = f.catalogue_item_id {
            let ok = sqlx::query("SELECT id FROM catalogue_items WHERE id = $1 AND unit_id = $2")
                .bind(item)
                .bind(unit_id)
                .fetch_optional(&mut *conn)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Invalid(Invalid::one(
                    "catalogue_item_id",
                    "目录事项",
                    "不是本单位目录中的事项",
                )));
            }
        }
        if let Some(col) = f.column_id {
            let ok = sqlx::query("SELECT id FROM special_columns WHERE id = $1 AND unit_id = $2")
                .bind(col)
                .bind(unit_id)
                .fetch_optional(&mut *conn)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Invalid(Invalid::one("column_id", "专栏", "不是本单位的专栏")));
            }
        }
        if let Some(policy) = f.interprets_id {
            let ok = sqlx::query("SELECT id FROM documents WHERE id = $1 AND genre <> 'interpretation'")
                .bind(policy)
                .fetch_optional(&mut *conn)
                .await?;
            if ok.is_none() {
                return Err(StoreError::Invalid(Invalid::one("interprets_id", "所解读的文件", "不存在或不是政策文件")));
            }
        }
        Ok(())
    }

    pub async fn document_create(
        &mut self,
        unit_id: i64,
        fields: &DocumentFields,
        author: Option<i64>,
        import_key: Option<&str>,
    ) -> Result<i64> {
        let id = self.insert_document(unit_id, fields, author, import_key).await?;
        self.record("document.create", "document", id, Some(unit_id), format!("起草《{}》", fields.title));
        Ok(id)
    }

    async fn insert_document(
        &mut self,
        unit_id: i64,
        fields: &DocumentFields,
        author: Option<i64>,
        import_key: Option<&str>,
    ) -> Result<i64> {
        self.check_links(unit_id, fields).await?;
        let now = crate::now_text();
        let placeholders: Vec<String> = (1..=FIELD_NAMES.len()).map(|i| format!("${i}")).collect();
        let n = FIELD_NAMES.len();
        let sql = format!(
            "INSERT INTO documents ({}, unit_id, status, validity, author_id, created_by, import_key, created_at, updated_at)
             VALUES ({}, ${}, 'draft', 'valid', ${}, ${}, ${}, ${}, ${}) RETURNING id",
            FIELD_NAMES.join(", "),
            placeholders.join(", "),
            n + 1,
            n + 2,
            n + 2,
            n + 3,
            n + 4,
            n + 4
        );
        let id: i64 = bind_document(sqlx::query(&sql), fields)
            .bind(unit_id)
            .bind(author)
            .bind(import_key)
            .bind(&now)
            .fetch_one(self.conn())
            .await?
            .try_get("id")?;
        self.new_working_text(id, &fields.body_html, &fields.body_text).await?;
        Ok(id)
    }

    /// Stores a body of document `id` as a new row and makes it the working copy's.
    async fn new_working_text(&mut self, id: i64, html: &str, text: &str) -> Result<()> {
        let text_id: i64 = sqlx::query(
            "INSERT INTO document_texts (document_id, body_html, body_text) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(id)
        .bind(html)
        .bind(text)
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        sqlx::query("UPDATE documents SET text_id = $1 WHERE id = $2")
            .bind(text_id)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Makes `html` and `text` the working copy's body. An unchanged body keeps its row (and
    /// the versions that share it go on sharing it); a row no published version shares is
    /// rewritten in place; otherwise the body goes into a new row, so that every version keeps
    /// the text it was published with.
    async fn set_working_text(&mut self, id: i64, html: &str, text: &str) -> Result<()> {
        let row = sqlx::query(
            "SELECT t.id, t.body_html, t.body_text, (SELECT COUNT(*) FROM document_versions v WHERE v.text_id = t.id) AS shared
             FROM documents d JOIN document_texts t ON t.id = d.text_id WHERE d.id = $1",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return self.new_working_text(id, html, text).await };
        let (text_id, old_html, old_text, shared): (i64, String, String, i64) =
            (row.try_get("id")?, row.try_get("body_html")?, row.try_get("body_text")?, row.try_get("shared")?);
        if old_html == html && old_text == text {
            return Ok(());
        }
        if shared > 0 {
            return self.new_working_text(id, html, text).await;
        }
        sqlx::query("UPDATE document_texts SET body_html = $1, body_text = $2 WHERE id = $3")
            .bind(html)
            .bind(text)
            .bind(text_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Deletes a text that neither the working copy nor any version refers to any more.
    async fn drop_text_if_unused(&mut self, text_id: i64) -> Result<()> {
        sqlx::query(
            "DELETE FROM document_texts WHERE id = $1
             AND NOT EXISTS (SELECT 1 FROM documents WHERE text_id = $1)
             AND NOT EXISTS (SELECT 1 FROM document_versions WHERE text_id = $1)",
        )
        .bind(text_id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Saves the working copy; only drafts can be edited.
    pub async fn document_update(&mut self, id: i64, fields: &DocumentFields) -> Result<()> {
        let doc = doc_in(self.conn(), id).await?.ok_or(StoreError::NotFound("文件"))?;
        if !doc.status.editable() {
            return Err(StoreError::Conflict(Invalid::one(
                "status",
                "文件",
                format!("当前为“{}”，不能修改；如需修改请先退回或发起修订", doc.status.label()),
            )));
        }
        self.check_links(doc.unit_id, fields).await?;
        let sets: Vec<String> = FIELD_NAMES.iter().enumerate().map(|(i, f)| format!("{f} = ${}", i + 1)).collect();
        let n = FIELD_NAMES.len();
        let sql = format!("UPDATE documents SET {}, updated_at = ${} WHERE id = ${}", sets.join(", "), n + 1, n + 2);
        bind_document(sqlx::query(&sql), fields).bind(crate::now_text()).bind(id).execute(self.conn()).await?;
        self.set_working_text(id, &fields.body_html, &fields.body_text).await?;
        self.record("document.update", "document", id, Some(doc.unit_id), format!("修改《{}》草稿", fields.title));
        Ok(())
    }

    /// The working copy as it stands in this transaction (the workflow's steps read it here).
    pub async fn document_current(&mut self, id: i64) -> Result<Document> {
        doc_in(self.conn(), id).await?.ok_or(StoreError::NotFound("文件"))
    }

    /// Records who approved at `stage`.
    pub async fn document_set_reviewer(&mut self, id: i64, stage: Stage, reviewer: Option<i64>) -> Result<()> {
        let column = ["reviewer_first", "reviewer_second", "reviewer_final"][stage.index()];
        sqlx::query(&format!("UPDATE documents SET {column} = $1 WHERE id = $2"))
            .bind(reviewer)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Keeps the reason given for approving despite the pre-publication checks.
    pub async fn document_set_checks_override(&mut self, id: i64, reason: &str) -> Result<()> {
        sqlx::query("UPDATE documents SET checks_override = $1 WHERE id = $2")
            .bind(reason)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Forgets the approvals so far (sent back: review starts again).
    pub async fn document_clear_reviews(&mut self, id: i64) -> Result<()> {
        sqlx::query("UPDATE documents SET reviewer_first = NULL, reviewer_second = NULL, reviewer_final = NULL, checks_override = '' WHERE id = $1")
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Opens a revision of a published document by `author`: no approvals, no change note yet.
    pub async fn document_open_revision(&mut self, id: i64, author: Option<i64>) -> Result<()> {
        sqlx::query("UPDATE documents SET author_id = $1, reviewer_first = NULL, reviewer_second = NULL, reviewer_final = NULL, checks_override = '', change_note = '', minor_change = 0 WHERE id = $2")
            .bind(author)
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Takes a document off the public pages with its reason (the outbox tells the index).
    pub async fn document_withdraw(
        &mut self,
        id: i64,
        reason: Withdrawal,
        note: &str,
        replacement: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query("UPDATE documents SET withdrawal = $1, withdrawal_note = $2, withdrawn_at = $3, replaced_by = COALESCE($4, replaced_by) WHERE id = $5")
            .bind(reason.code())
            .bind(note)
            .bind(format_instant(now))
            .bind(replacement)
            .bind(id)
            .execute(self.conn())
            .await?;
        self.outbox("document", id).await
    }

    /// Publishes the working copy now: the 索引号 at first publication, a new version and the
    /// outbox event for the search index.
    pub async fn document_publish(&mut self, doc: &Document, actor: Option<i64>, now: DateTime<Utc>) -> Result<()> {
        self.publish(doc, actor, &format_instant(now), None).await
    }

    /// Puts the working copy back to the live version (a revision is dropped).
    pub async fn document_discard_revision(&mut self, doc: &Document) -> Result<()> {
        self.restore_live(doc).await
    }

    pub async fn document_set_status(&mut self, id: i64, status: State, now: DateTime<Utc>) -> Result<()> {
        sqlx::query("UPDATE documents SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(status.code())
            .bind(format_instant(now))
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// A review decision in the document's review record.
    pub async fn document_review_decision(
        &mut self,
        id: i64,
        stage: &str,
        decision: &str,
        reviewer: Option<i64>,
        comment: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.review_row(id, stage, decision, reviewer, comment, &format_instant(now)).await
    }

    async fn review_row(
        &mut self,
        id: i64,
        stage: &str,
        decision: &str,
        actor: Option<i64>,
        comment: &str,
        now: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO document_reviews (document_id, stage, decision, reviewer_id, comment, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id)
            .bind(stage)
            .bind(decision)
            .bind(actor)
            .bind(comment)
            .bind(now)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Makes the working copy the live version: the 索引号 at first publication, a new
    /// version row, and an outbox event for the search index — all in this transaction.
    /// `on` backdates the first publication (imports of documents published elsewhere): the
    /// 索引号 then carries the year they were published in.
    async fn publish(&mut self, doc: &Document, actor: Option<i64>, now: &str, on: Option<NaiveDate>) -> Result<()> {
        let today = on.unwrap_or_else(today);
        if doc.index_no.is_none() {
            let code = self.unit_credit_code(doc.unit_id).await?;
            let year = today.year();
            let serial: i64 = sqlx::query(
                "INSERT INTO index_no_sequences (unit_id, year, last_serial) VALUES ($1, $2, 1)
                 ON CONFLICT (unit_id, year) DO UPDATE SET last_serial = index_no_sequences.last_serial + 1 RETURNING last_serial",
            )
            .bind(doc.unit_id)
            .bind(year as i64)
            .fetch_one(self.conn())
            .await?
            .try_get("last_serial")?;
            let index_no = IndexNo::new(&code, year, serial as u32);
            sqlx::query("UPDATE documents SET index_no = $1, published_on = $2 WHERE id = $3")
                .bind(index_no.as_str())
                .bind(today.to_string())
                .bind(doc.id)
                .execute(self.conn())
                .await?;
        }
        let version = doc.live_version + 1;
        self.copy_to_version(doc.id, version, now, actor).await?;
        sqlx::query("UPDATE documents SET live_version = $1, last_published_at = $2, publish_at = NULL WHERE id = $3")
            .bind(version)
            .bind(now)
            .bind(doc.id)
            .execute(self.conn())
            .await?;
        self.outbox("document", doc.id).await
    }

    /// Keeps the working copy as published version `version`.
    async fn copy_to_version(&mut self, id: i64, version: i64, now: &str, actor: Option<i64>) -> Result<()> {
        sqlx::query(
            "INSERT INTO document_versions (document_id, version, title, publisher, doc_no, doc_no_key, written_on, topic, genre, keywords, note, disclosure_mode, catalogue_item_id, column_id, interprets_id, interpretation_form, text_id, qa_pairs, change_note, minor_change, published_at, published_by)
             SELECT id, $1, title, publisher, doc_no, doc_no_key, written_on, topic, genre, keywords, note, disclosure_mode, catalogue_item_id, column_id, interprets_id, interpretation_form, text_id, qa_pairs, change_note, minor_change, $2, $3 FROM documents WHERE id = $4",
        )
        .bind(version)
        .bind(now)
        .bind(actor)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Puts the working copy back to the live version (a revision is dropped).
    async fn restore_live(&mut self, doc: &Document) -> Result<()> {
        let revision_text: Option<i64> = sqlx::query("SELECT text_id FROM documents WHERE id = $1")
            .bind(doc.id)
            .fetch_one(self.conn())
            .await?
            .try_get("text_id")?;
        sqlx::query(
            "UPDATE documents SET (title, publisher, doc_no, doc_no_key, written_on, topic, genre, keywords, note, disclosure_mode, catalogue_item_id, column_id, interprets_id, interpretation_form, text_id, qa_pairs, change_note, minor_change) =
             (SELECT title, publisher, doc_no, doc_no_key, written_on, topic, genre, keywords, note, disclosure_mode, catalogue_item_id, column_id, interprets_id, interpretation_form, text_id, qa_pairs, change_note, minor_change FROM document_versions WHERE document_id = $1 AND version = $2)
             WHERE id = $1",
        )
        .bind(doc.id)
        .bind(doc.live_version)
        .execute(self.conn())
        .await?;
        sqlx::query("UPDATE documents SET publish_at = NULL, reviewer_first = NULL, reviewer_second = NULL, reviewer_final = NULL WHERE id = $1")
            .bind(doc.id)
            .execute(self.conn())
            .await?;
        // The revision's attachment changes go with it.
        sqlx::query("DELETE FROM attachments WHERE document_id = $1 AND from_version > $2")
            .bind(doc.id)
            .bind(doc.live_version)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE attachments SET until_version = NULL WHERE document_id = $1 AND until_version = $2")
            .bind(doc.id)
            .bind(doc.live_version + 1)
            .execute(self.conn())
            .await?;
        // So does its body, unless it is the live version's (or an earlier one's).
        if let Some(t) = revision_text {
            self.drop_text_if_unused(t).await?;
        }
        Ok(())
    }

    /// Replaces the body of a draft or a document under review (the one-click mask of personal
    /// information), keeping its place in the workflow.
    pub async fn document_replace_body(&mut self, id: i64, body_html: &str, qa: &[QaPair]) -> Result<()> {
        let doc = doc_in(self.conn(), id).await?.ok_or(StoreError::NotFound("文件"))?;
        if !matches!(doc.status, State::Draft | State::InReview(_)) {
            return Err(StoreError::Conflict(Invalid::one(
                "status",
                "文件",
                format!("当前为“{}”，不能修改正文", doc.status.label()),
            )));
        }
        let html = gongkai_domain::html::sanitize(body_html);
        let text = gongkai_domain::html::to_text(&html);
        self.set_working_text(id, &html, &text).await?;
        sqlx::query("UPDATE documents SET qa_pairs = $1, updated_at = $2 WHERE id = $3")
            .bind(qa_json(qa))
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record("document.mask", "document", id, Some(doc.unit_id), format!("遮盖《{}》中的个人信息", doc.title));
        Ok(())
    }

    /// Publishes a document taken in by bulk import, as an administrative action without the
    /// review stages (the text is already law or already published elsewhere). Idempotent on
    /// `import_key`: a document imported before is left alone and its id returned.
    pub async fn document_import(
        &mut self,
        unit_id: i64,
        fields: &DocumentFields,
        import_key: &str,
        published_on: Option<NaiveDate>,
    ) -> Result<Imported> {
        let done =
            self.documents_import(&[ImportItem { line: 0, unit_id, fields, key: import_key, published_on }]).await?;
        done.into_iter().next().ok_or_else(|| StoreError::Other("the import answered nothing".into()))
    }

    /// `document_import` for many documents in this transaction, in a handful of statements per
    /// document: the existing keys, the units' credit codes and the index-number serials are
    /// read or reserved once per batch, and each document is written already published.
    /// Returns each document in the order given.
    pub async fn documents_import(&mut self, items: &[ImportItem<'_>]) -> Result<Vec<Imported>> {
        let mut known: HashMap<String, i64> = HashMap::new();
        for chunk in items.chunks(500) {
            let mut q = Sql::new("SELECT import_key, id FROM documents WHERE import_key IN ");
            q.bind_list(chunk.iter().map(|i| i.key));
            for r in q.query().fetch_all(self.conn()).await? {
                known.insert(r.try_get("import_key")?, r.try_get("id")?);
            }
        }
        let fresh: Vec<&ImportItem> = {
            let mut seen = std::collections::HashSet::new();
            items.iter().filter(|i| !known.contains_key(i.key) && seen.insert(i.key)).collect()
        };
        // Serials for each unit and year, reserved in one step each, handed out in file order.
        let today = today();
        let mut codes: HashMap<i64, CreditCode> = HashMap::new();
        let mut wanted: BTreeMap<(i64, i32), u32> = BTreeMap::new();
        for i in &fresh {
            if let std::collections::hash_map::Entry::Vacant(e) = codes.entry(i.unit_id) {
                e.insert(self.unit_credit_code(i.unit_id).await.map_err(|e| at_line(i.line, e))?);
            }
            *wanted.entry((i.unit_id, i.published_on.unwrap_or(today).year())).or_default() += 1;
        }
        let mut next: HashMap<(i64, i32), u32> = HashMap::new();
        for (&(unit, year), &count) in &wanted {
            let last: i64 = sqlx::query(
                "INSERT INTO index_no_sequences (unit_id, year, last_serial) VALUES ($1, $2, $3)
                 ON CONFLICT (unit_id, year) DO UPDATE SET last_serial = index_no_sequences.last_serial + $3 RETURNING last_serial",
            )
            .bind(unit)
            .bind(year as i64)
            .bind(count as i64)
            .fetch_one(self.conn())
            .await?
            .try_get("last_serial")?;
            next.insert((unit, year), last as u32 - count + 1);
        }
        let now = crate::now_text();
        let n = FIELD_NAMES.len();
        let placeholders: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        let insert = format!(
            "INSERT INTO documents ({}, unit_id, status, validity, import_key, index_no, published_on, live_version, last_published_at, created_at, updated_at)
             VALUES ({}, ${}, 'published', 'valid', ${}, ${}, ${}, 1, ${}, ${}, ${}) RETURNING id",
            FIELD_NAMES.join(", "),
            placeholders.join(", "),
            n + 1,
            n + 2,
            n + 3,
            n + 4,
            n + 5,
            n + 5,
            n + 5
        );
        let mut ids: HashMap<&str, i64> = HashMap::new();
        for i in fresh {
            self.check_links(i.unit_id, i.fields).await.map_err(|e| at_line(i.line, e))?;
            let on = i.published_on.unwrap_or(today);
            let serial = next.get_mut(&(i.unit_id, on.year())).ok_or_else(|| StoreError::Other("serial".into()))?;
            let index_no = IndexNo::new(&codes[&i.unit_id], on.year(), *serial);
            *serial += 1;
            let id: i64 = bind_document(sqlx::query(&insert), i.fields)
                .bind(i.unit_id)
                .bind(i.key)
                .bind(index_no.as_str())
                .bind(on.to_string())
                .bind(&now)
                .fetch_one(self.conn())
                .await?
                .try_get("id")?;
            self.new_working_text(id, &i.fields.body_html, &i.fields.body_text).await?;
            self.copy_to_version(id, 1, &now, None).await?;
            self.outbox("document", id).await?;
            self.record(
                "document.import",
                "document",
                id,
                Some(i.unit_id),
                format!("导入并发布《{}》", i.fields.title),
            );
            ids.insert(i.key, id);
        }
        // A key given twice in one batch is imported once.
        let mut reported = std::collections::HashSet::new();
        Ok(items
            .iter()
            .map(|i| match known.get(i.key) {
                Some(&id) => Imported { id, fresh: false },
                None => Imported { id: ids[i.key], fresh: reported.insert(i.key) },
            })
            .collect())
    }

    /// The unit's credit code, which every index number starts with.
    async fn unit_credit_code(&mut self, unit_id: i64) -> Result<CreditCode> {
        let code: Option<String> = sqlx::query("SELECT credit_code FROM units WHERE id = $1")
            .bind(unit_id)
            .fetch_one(self.conn())
            .await?
            .try_get("credit_code")?;
        code.and_then(|c| CreditCode::parse(&c).ok()).ok_or_else(|| {
            StoreError::Invalid(Invalid::one(
                "unit_id",
                "发布单位",
                "尚未登记统一社会信用代码，无法生成索引号，请联系系统管理员",
            ))
        })
    }

    /// Marks a published document 失效 or 废止 (or valid again), with the date and what
    /// replaced it; shown on the document's page.
    pub async fn document_set_validity(
        &mut self,
        id: i64,
        validity: Validity,
        on: Option<NaiveDate>,
        replaced_by: Option<i64>,
    ) -> Result<()> {
        let doc = doc_in(self.conn(), id).await?.ok_or(StoreError::NotFound("文件"))?;
        if doc.live_version == 0 {
            return Err(StoreError::Invalid(Invalid::one("validity", "有效性", "文件尚未发布")));
        }
        if replaced_by == Some(id) {
            return Err(StoreError::Invalid(Invalid::one("replaced_by", "替代文件", "不能是文件本身")));
        }
        if let Some(r) = replaced_by
            && sqlx::query("SELECT id FROM documents WHERE id = $1 AND live_version > 0")
                .bind(r)
                .fetch_optional(self.conn())
                .await?
                .is_none()
        {
            return Err(StoreError::Invalid(Invalid::one("replaced_by", "替代文件", "不存在或尚未发布")));
        }
        let on = if validity == Validity::Valid { None } else { Some(on.unwrap_or_else(today).to_string()) };
        sqlx::query(
            "UPDATE documents SET validity = $1, validity_on = $2, replaced_by = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(validity.code())
        .bind(on.as_deref())
        .bind(replaced_by)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.outbox("document", id).await?;
        self.record(
            "document.validity",
            "document",
            id,
            Some(doc.unit_id),
            format!(
                "《{}》有效性改为“{}”{}",
                doc.title,
                validity.label(),
                on.map(|d| format!("（{d}）")).unwrap_or_default()
            ),
        );
        Ok(())
    }

    /// Notes a change to public content for the search index, in this transaction.
    pub async fn outbox(&mut self, topic: &str, object_id: i64) -> Result<()> {
        sqlx::query("INSERT INTO outbox (topic, object_id, created_at) VALUES ($1, $2, $3)")
            .bind(topic)
            .bind(object_id)
            .bind(crate::now_text())
            .execute(self.conn())
            .await?;
        Ok(())
    }
}

/// The query of public lists under `f`, selecting `select`.
fn public_query(f: &PublicFilter, select: &str) -> Sql {
    let mut q = Sql::new("");
    if let Some(unit) = f.within_unit {
        q.push("WITH RECURSIVE sub(id) AS (SELECT CAST(")
            .bind(unit)
            .push(" AS BIGINT) UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) ");
    }
    q.push(select).push(" ").push(PUBLIC_FROM).push(" WHERE d.withdrawal IS NULL");
    if f.within_unit.is_some() {
        q.push(" AND d.unit_id IN (SELECT id FROM sub)");
    }
    if let Some(u) = f.unit {
        q.push(" AND d.unit_id = ").bind(u);
    }
    if let Some(g) = f.genre {
        q.push(" AND v.genre = ").bind(g.code());
    }
    if let Some(t) = f.topic {
        q.push(" AND v.topic = ").bind(t.code());
    }
    if let Some(y) = f.year {
        q.push(" AND d.published_on LIKE ").bind(format!("{y}-%"));
    }
    if let Some(v) = f.validity {
        q.push(" AND d.validity = ").bind(v.code());
    }
    if let Some(c) = f.column {
        q.push(" AND v.column_id = ").bind(c);
    }
    if let Some(c) = f.catalogue_item {
        q.push(" AND v.catalogue_item_id = ").bind(c);
    }
    if let Some(p) = f.interprets {
        q.push(" AND v.interprets_id = ").bind(p);
    }
    if let Some(k) = f.column_kind {
        q.push(" AND v.column_id IN (SELECT id FROM special_columns WHERE kind = ").bind(k.code()).push(")");
    }
    q
}

/// The date part of a stored date, for filters on years.
pub fn year_of(date: &str) -> Option<i32> {
    parse_date(date).map(|d| d.year())
}
