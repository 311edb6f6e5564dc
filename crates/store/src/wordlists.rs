//! The lists of sensitive words and wrong expressions checked before publication.

use crate::audit::{Actor, Writer};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use gongkai_domain::validation::Invalid;
use gongkai_domain::wordcheck::{WordEntry, WordKind, default_entries};
use sqlx::Row;

#[derive(Debug, Clone, serde::Serialize)]
pub struct StoredWord {
    pub id: i64,
    pub entry: WordEntry,
}

/// A new installation starts with the default lists.
pub async fn seed_words(store: &Store) -> Result<bool> {
    let count: i64 =
        sqlx::query("SELECT COUNT(*) AS n FROM word_entries").fetch_one(&store.pool).await?.try_get("n")?;
    let seeded: i64 = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'wordlist.seed'")
        .fetch_one(&store.pool)
        .await?
        .try_get("n")?;
    if count > 0 || seeded > 0 {
        return Ok(false);
    }
    let mut w = store.write(Actor::system("wordlist")).await?;
    for e in default_entries() {
        w.word_insert(&e).await?;
    }
    w.record("wordlist.seed", "word_list", 0, None, "载入默认敏感词和错误表述清单");
    w.commit().await?;
    Ok(true)
}

impl Store {
    pub async fn words(&self) -> Result<Vec<StoredWord>> {
        let rows = sqlx::query("SELECT id, kind, word, suggestion FROM word_entries ORDER BY kind, word")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "word_entries");
                Ok(StoredWord {
                    id: r.get("id")?,
                    entry: WordEntry {
                        kind: r.code("kind", WordKind::parse)?,
                        word: r.get("word")?,
                        suggestion: r.get("suggestion")?,
                    },
                })
            })
            .collect()
    }
}

impl Writer {
    async fn word_insert(&mut self, e: &WordEntry) -> Result<i64> {
        let id: i64 = sqlx::query(
            "INSERT INTO word_entries (kind, word, suggestion, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(e.kind.code())
        .bind(&e.word)
        .bind(&e.suggestion)
        .bind(crate::now_text())
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        Ok(id)
    }

    pub async fn word_add(&mut self, e: &WordEntry) -> Result<i64> {
        let exists = sqlx::query("SELECT id FROM word_entries WHERE kind = $1 AND word = $2")
            .bind(e.kind.code())
            .bind(&e.word)
            .fetch_optional(self.conn())
            .await?;
        if exists.is_some() {
            return Err(StoreError::Conflict(Invalid::one("word", "词语", "已在清单中")));
        }
        let id = self.word_insert(e).await?;
        self.record(
            "wordlist.add",
            "word",
            id,
            None,
            format!(
                "{}清单新增“{}”{}",
                e.kind.label(),
                e.word,
                if e.suggestion.is_empty() { String::new() } else { format!("，应为“{}”", e.suggestion) }
            ),
        );
        Ok(id)
    }

    pub async fn word_remove(&mut self, id: i64) -> Result<()> {
        let row = sqlx::query("SELECT kind, word FROM word_entries WHERE id = $1")
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("词语"))?;
        let row = Named::new(&row, "word_entries");
        let (kind, word): (WordKind, String) = (row.code("kind", WordKind::parse)?, row.get("word")?);
        sqlx::query("DELETE FROM word_entries WHERE id = $1").bind(id).execute(self.conn()).await?;
        let label = kind.label();
        self.record("wordlist.remove", "word", id, None, format!("{label}清单删除“{word}”"));
        Ok(())
    }
}
