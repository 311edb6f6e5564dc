//! 企业画像 kept by enterprises, with the hash of their query code and their feed token.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::Result;
use crate::row::Named;
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use sqlx::any::AnyRow;

/// A kept profile.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedProfile {
    pub credit_code: String,
    pub code_hash: String,
    pub feed_token: String,
    pub profile: EnterpriseProfile,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

const SELECT: &str = "SELECT credit_code, code_hash, feed_token, profile, updated_at FROM enterprise_profiles";

fn from_row(row: &AnyRow) -> Result<SavedProfile> {
    let r = Named::new(row, "enterprise_profiles");
    let text: String = r.get("profile")?;
    Ok(SavedProfile {
        credit_code: r.get("credit_code")?,
        code_hash: r.get("code_hash")?,
        feed_token: r.get("feed_token")?,
        profile: super::stored_profile("enterprise_profiles", &text)?,
        updated_at: r.instant("updated_at")?,
    })
}

impl Store {
    pub async fn saved_profile(&self, credit_code: &str) -> Result<Option<SavedProfile>> {
        let row = sqlx::query(&format!("{SELECT} WHERE credit_code = $1"))
            .bind(credit_code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(from_row).transpose()
    }

    pub async fn saved_profile_by_feed(&self, token: &str) -> Result<Option<SavedProfile>> {
        let row =
            sqlx::query(&format!("{SELECT} WHERE feed_token = $1")).bind(token).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }
}

impl Writer {
    /// Keeps a new profile; false when the credit code already has one.
    pub async fn saved_profile_insert(
        &mut self,
        credit_code: &str,
        code_hash: &str,
        feed_token: &str,
        profile: &EnterpriseProfile,
    ) -> Result<bool> {
        let now = crate::now_text();
        let done = sqlx::query(
            "INSERT INTO enterprise_profiles (credit_code, code_hash, feed_token, profile, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT (credit_code) DO NOTHING",
        )
        .bind(credit_code)
        .bind(code_hash)
        .bind(feed_token)
        .bind(profile.to_json().to_string())
        .bind(&now)
        .execute(self.conn())
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        self.record(
            "profile.save",
            "enterprise_profile",
            credit_code,
            None,
            format!("企业 {credit_code} 保存企业画像并订阅"),
        );
        Ok(true)
    }

    pub async fn saved_profile_update(&mut self, credit_code: &str, profile: &EnterpriseProfile) -> Result<()> {
        sqlx::query("UPDATE enterprise_profiles SET profile = $1, updated_at = $2 WHERE credit_code = $3")
            .bind(profile.to_json().to_string())
            .bind(crate::now_text())
            .bind(credit_code)
            .execute(self.conn())
            .await?;
        self.record(
            "profile.update",
            "enterprise_profile",
            credit_code,
            None,
            format!("企业 {credit_code} 更新企业画像"),
        );
        Ok(())
    }
}
