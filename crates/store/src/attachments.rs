//! Attachments: checked by their content (not their name), stored once per content under the
//! data folder (`files/ab/cd/<sha256>`), their text kept for search, and versioned with the
//! document so that a revision's files stay private until it is published.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::{DateTime, Utc};
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::State;
use sha2::{Digest, Sha256};
use sqlx::Row;
use std::path::PathBuf;

// The kinds of file, defined in the domain; rows and `NewAttachment` carry one. Telling a
// file's kind from its bytes is `gongkai_extract::detect`.
pub use gongkai_domain::attachments::FileKind;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Attachment {
    pub id: i64,
    pub document_id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub alt: String,
    /// The file's text could not be extracted (the checks skipped it).
    pub text_unavailable: bool,
    /// When it was uploaded (an instant): the `Last-Modified` of its download.
    #[serde(skip)]
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, document_id, name, content_type, size, sha256, alt, text_unavailable, created_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Attachment> {
    let r = Named::new(r, "attachments");
    Ok(Attachment {
        id: r.get("id")?,
        document_id: r.get("document_id")?,
        name: r.get("name")?,
        content_type: r.get("content_type")?,
        size: r.get("size")?,
        sha256: r.get("sha256")?,
        alt: r.get("alt")?,
        text_unavailable: r.flag("text_unavailable")?,
        created_at: r.instant("created_at")?,
    })
}

impl Store {
    pub fn file_path(&self, sha256: &str) -> PathBuf {
        self.data_dir().join("files").join(&sha256[..2]).join(&sha256[2..4]).join(sha256)
    }

    /// Writes the bytes once per content; returns their hash. Written beside and renamed, so a
    /// crash never leaves half a file under its name.
    pub async fn file_save(&self, bytes: &[u8]) -> Result<String> {
        let sha = hex::encode(Sha256::digest(bytes));
        let path = self.file_path(&sha);
        if !path.exists() {
            let dir = path.parent().map(|p| p.to_path_buf()).unwrap_or_default();
            tokio::fs::create_dir_all(&dir).await?;
            let tmp = dir.join(format!(".{sha}.partial"));
            tokio::fs::write(&tmp, bytes).await?;
            tokio::fs::rename(&tmp, &path).await?;
        }
        Ok(sha)
    }

    /// The attachments of the working copy (what editors see).
    pub async fn attachments_current(&self, document_id: i64) -> Result<Vec<Attachment>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments WHERE document_id = $1 AND until_version IS NULL ORDER BY sort_order, id"
        ))
        .bind(document_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The attachments of the live version (what the public sees).
    pub async fn attachments_public(&self, document_id: i64) -> Result<Vec<Attachment>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments a WHERE document_id = $1
             AND from_version <= (SELECT live_version FROM documents WHERE id = $1)
             AND (until_version IS NULL OR until_version > (SELECT live_version FROM documents WHERE id = $1))
             ORDER BY sort_order, id"
        ))
        .bind(document_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The public text of a document's attachments, for the search index.
    pub async fn attachments_public_text(&self, document_id: i64) -> Result<String> {
        Ok(self.attachments_public_text_many(&[document_id]).await?.remove(&document_id).unwrap_or_default())
    }

    /// The public text of many documents' attachments at once (the index rebuild), by document
    /// id; documents without public attachments are absent.
    pub async fn attachments_public_text_many(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        let mut out: std::collections::HashMap<i64, String> = std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut q = crate::sql::Sql::new(
            "SELECT a.document_id, a.text FROM attachments a JOIN documents d ON d.id = a.document_id
             WHERE a.from_version <= d.live_version AND (a.until_version IS NULL OR a.until_version > d.live_version)
             AND a.document_id IN ",
        );
        q.bind_list(ids.iter().copied()).push(" ORDER BY a.document_id, a.id");
        for r in q.query().fetch_all(&self.pool).await? {
            let (id, text): (i64, String) = (r.try_get("document_id")?, r.try_get("text")?);
            let entry = out.entry(id).or_default();
            if !entry.is_empty() {
                entry.push('\n');
            }
            entry.push_str(&text);
        }
        Ok(out)
    }

    pub async fn attachments_current_text(&self, document_id: i64) -> Result<String> {
        let rows = sqlx::query("SELECT text FROM attachments WHERE document_id = $1 AND until_version IS NULL")
            .bind(document_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.iter().map(|r| r.try_get::<String, _>("text")).collect::<Result<Vec<_>, _>>()?.join("\n"))
    }

    /// An attachment the public may download: one of a live, not withdrawn-in-error document.
    pub async fn attachment_public(&self, id: i64) -> Result<Option<Attachment>> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM attachments a WHERE a.id = $1 AND EXISTS (
                SELECT 1 FROM documents d WHERE d.id = a.document_id AND d.live_version > 0
                AND (d.withdrawal IS NULL OR d.withdrawal = 'withdrawn')
                AND a.from_version <= d.live_version AND (a.until_version IS NULL OR a.until_version > d.live_version))"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn attachment(&self, id: i64) -> Result<Option<Attachment>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM attachments WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }
}

/// An uploaded file, checked.
pub struct NewAttachment {
    pub name: String,
    pub kind: FileKind,
    pub size: i64,
    pub sha256: String,
    pub text: String,
    pub alt: String,
    /// The text could not be extracted; `text` is empty.
    pub text_unavailable: bool,
}

impl Writer {
    pub async fn attachment_add(&mut self, document_id: i64, a: &NewAttachment) -> Result<i64> {
        let row = sqlx::query("SELECT status, live_version, unit_id, title FROM documents WHERE id = $1")
            .bind(document_id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("文件"))?;
        let row = Named::new(&row, "documents");
        let (status, live, unit, title): (State, i64, i64, String) =
            (row.code("status", State::parse)?, row.get("live_version")?, row.get("unit_id")?, row.get("title")?);
        if status != State::Draft {
            return Err(StoreError::Conflict(Invalid::one("file", "附件", "只有草稿可以增删附件")));
        }
        if a.kind.is_image() && a.alt.trim().is_empty() {
            return Err(StoreError::Invalid(Invalid::one("alt", "图片说明", "图片须有文字说明，供读屏软件朗读")));
        }
        if a.kind.is_media() && a.alt.trim().is_empty() {
            return Err(StoreError::Invalid(Invalid::one(
                "alt",
                "文字说明",
                "音视频须附文字说明或文字稿，供听障和视障读者阅读",
            )));
        }
        let id: i64 = sqlx::query(
            "INSERT INTO attachments (document_id, name, content_type, size, sha256, text, alt, from_version, created_at, text_unavailable)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(document_id)
        .bind(&a.name)
        .bind(a.kind.content_type())
        .bind(a.size)
        .bind(&a.sha256)
        .bind(&a.text)
        .bind(a.alt.trim())
        .bind(live + 1)
        .bind(crate::now_text())
        .bind(i64::from(a.text_unavailable))
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        self.record(
            "attachment.add",
            "attachment",
            id,
            Some(unit),
            format!("为《{title}》上传附件“{}”（{} 字节）", a.name, a.size),
        );
        Ok(id)
    }

    pub async fn attachment_remove(&mut self, id: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT a.document_id, a.name, a.from_version, d.status, d.live_version, d.unit_id FROM attachments a JOIN documents d ON d.id = a.document_id WHERE a.id = $1 AND a.until_version IS NULL",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?
        .ok_or(StoreError::NotFound("附件"))?;
        let row = Named::new(&row, "attachments");
        let (doc, name, from): (i64, String, i64) =
            (row.get("document_id")?, row.get("name")?, row.get("from_version")?);
        let (status, live, unit): (State, i64, i64) =
            (row.code("status", State::parse)?, row.get("live_version")?, row.get("unit_id")?);
        if status != State::Draft {
            return Err(StoreError::Conflict(Invalid::one("file", "附件", "只有草稿可以增删附件")));
        }
        if from > live {
            sqlx::query("DELETE FROM attachments WHERE id = $1").bind(id).execute(self.conn()).await?;
        } else {
            sqlx::query("UPDATE attachments SET until_version = $1 WHERE id = $2")
                .bind(live + 1)
                .bind(id)
                .execute(self.conn())
                .await?;
        }
        self.record("attachment.remove", "attachment", id, Some(unit), format!("删除附件“{name}”"));
        Ok(doc)
    }
}
