//! The results of the background check of external links: derived data the checker keeps
//! for the check reports, so not audited (it records no one's decision).

use crate::{Result, Store};
use gongkai_domain::link_check::{LinkStatus, RECHECK_AFTER_DAYS};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCheck {
    pub status: LinkStatus,
    pub detail: String,
    pub checked_at: Option<String>,
}

impl Store {
    /// The last result for `url`, asking for a check when there is none or it is older than a
    /// week.
    pub async fn link_check_request(&self, url: &str) -> Result<LinkCheck> {
        let now = chrono::Utc::now();
        sqlx::query(
            "INSERT INTO link_checks (url, status, detail, requested_at, due) VALUES ($1, 'pending', '', $2, 1) \
             ON CONFLICT (url) DO NOTHING",
        )
        .bind(url)
        .bind(crate::now_text())
        .execute(&self.pool)
        .await?;
        let stale = gongkai_domain::time::format_instant(now - chrono::Duration::days(RECHECK_AFTER_DAYS));
        sqlx::query("UPDATE link_checks SET due = 1, requested_at = $1 WHERE url = $2 AND due = 0 AND checked_at < $3")
            .bind(crate::now_text())
            .bind(url)
            .bind(stale)
            .execute(&self.pool)
            .await?;
        let row = sqlx::query("SELECT status, detail, checked_at FROM link_checks WHERE url = $1")
            .bind(url)
            .fetch_one(&self.pool)
            .await?;
        let status: String = row.try_get(0)?;
        Ok(LinkCheck {
            status: LinkStatus::parse(&status).unwrap_or(LinkStatus::Pending),
            detail: row.try_get(1)?,
            checked_at: row.try_get(2)?,
        })
    }

    /// Links waiting for the checker, oldest request first.
    pub async fn link_checks_due(&self, limit: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT url FROM link_checks WHERE due = 1 ORDER BY requested_at, url LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    pub async fn link_check_record(&self, url: &str, status: LinkStatus, detail: &str) -> Result<()> {
        sqlx::query("UPDATE link_checks SET status = $1, detail = $2, checked_at = $3, due = 0 WHERE url = $4")
            .bind(status.code())
            .bind(detail)
            .bind(crate::now_text())
            .bind(url)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
