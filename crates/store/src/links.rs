//! The results of the background check of external links: derived data the checker keeps
//! for the check reports, so not audited (it records no one's decision).

use crate::row::Named;
use crate::{Result, Store};
use gongkai_domain::link_check::{LinkStatus, RECHECK_AFTER_DAYS};
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCheck {
    pub status: LinkStatus,
    pub detail: String,
}

impl Store {
    /// The last result for `url`, asking for a check when there is none or it is older than a
    /// week. A report is read far more often than a link changes, so it writes only then.
    pub async fn link_check_request(&self, url: &str) -> Result<LinkCheck> {
        let row = sqlx::query("SELECT status, detail, checked_at, due FROM link_checks WHERE url = $1")
            .bind(url)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            // Another report may ask at the same moment; the first insert wins.
            sqlx::query(
                "INSERT INTO link_checks (url, status, detail, requested_at, due) VALUES ($1, 'pending', '', $2, 1) \
                 ON CONFLICT (url) DO NOTHING",
            )
            .bind(url)
            .bind(crate::now_text())
            .execute(&self.pool)
            .await?;
            return Ok(LinkCheck { status: LinkStatus::Pending, detail: String::new() });
        };
        let row = Named::new(&row, "link_checks");
        let status = row.code("status", LinkStatus::from_code)?;
        let detail: String = row.get("detail")?;
        let checked_at = row.instant_opt("checked_at")?;
        let due: i64 = row.get("due")?;
        let stale = chrono::Utc::now() - chrono::Duration::days(RECHECK_AFTER_DAYS);
        if due == 0 && checked_at.is_some_and(|at| at < stale) {
            sqlx::query("UPDATE link_checks SET due = 1, requested_at = $1 WHERE url = $2")
                .bind(crate::now_text())
                .bind(url)
                .execute(&self.pool)
                .await?;
        }
        Ok(LinkCheck { status, detail })
    }

    /// Links waiting for the checker, oldest request first.
    pub async fn link_checks_due(&self, limit: i64) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT url FROM link_checks WHERE due = 1 ORDER BY requested_at, url LIMIT $1")
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("url")?)).collect()
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
