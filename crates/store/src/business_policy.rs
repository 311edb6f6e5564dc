//! 惠企政策: the working copy and published version of each policy, with its review state.
//! Both copies are stored as the policy's checked input (JSON) and checked again when read,
//! so a stored policy that no longer passes the rules is an error, never half-shown.

pub mod redemption;
pub mod subscriptions;

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::reviewed::{Review, Step, Table};
use crate::row::Named;
use chrono::{DateTime, Utc};
use gongkai_domain::business_policy::policy::{PolicyFields, PolicyInput};
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use gongkai_domain::business_policy::register::Enterprise;
use gongkai_domain::workflow::{Stage, State};
use sqlx::any::AnyRow;

/// A policy as stored.
#[derive(Debug, Clone)]
pub struct Policy {
    pub id: i64,
    pub unit_id: i64,
    pub status: State,
    /// Who wrote the revision in the working copy.
    pub author_id: Option<i64>,
    /// Who approved each stage of that revision.
    pub reviewers: [Option<i64>; 3],
    pub draft: PolicyFields,
    /// What the public sees; none before the first publication and after withdrawal.
    pub live: Option<PolicyFields>,
    pub import_key: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Policy {
    /// What the workflow rule needs to know.
    pub fn facts(&self) -> gongkai_domain::workflow::Facts {
        gongkai_domain::workflow::Facts {
            author: self.author_id.unwrap_or(0),
            reviewers: self.reviewers,
            has_live: self.live.is_some(),
        }
    }
}

/// Policies as reviewed records.
const POLICIES: Table =
    Table { table: "business_policies", noun: "business_policy", action: "policy", prefix: "", what: "政策" };

const SELECT: &str = "SELECT id, unit_id, status, author_id, reviewer_first, reviewer_second, reviewer_final, \
     draft, live, import_key, published_at, created_at, updated_at FROM business_policies";

/// A stored copy of a policy, checked again as it is read.
fn fields(column: &str, text: &str) -> Result<PolicyFields> {
    let stored = || StoreError::Stored {
        table: "business_policies",
        column: column.into(),
        value: text.chars().take(200).collect(),
    };
    let input: PolicyInput = serde_json::from_str(text).map_err(|_| stored())?;
    PolicyFields::parse(&input).map_err(|_| stored())
}

fn from_row(row: &AnyRow) -> Result<Policy> {
    let r = Named::new(row, "business_policies");
    let draft: String = r.get("draft")?;
    let live: Option<String> = r.get("live")?;
    Ok(Policy {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        status: r.code("status", State::parse)?,
        author_id: r.get("author_id")?,
        reviewers: [r.get("reviewer_first")?, r.get("reviewer_second")?, r.get("reviewer_final")?],
        draft: fields("draft", &draft)?,
        live: live.map(|l| fields("live", &l)).transpose()?,
        import_key: r.get("import_key")?,
        published_at: r.instant_opt("published_at")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
    })
}

fn json(f: &PolicyFields) -> Result<String> {
    serde_json::to_string(&f.input(None)).map_err(|e| StoreError::Other(format!("policy json: {e}")))
}

/// A mark that changes with every write to any policy: readers that keep the published
/// policies in memory compare it to know when to read them again, on every node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Epoch {
    pub count: i64,
    pub last: Option<String>,
}

impl Store {
    pub async fn policy(&self, id: i64) -> Result<Option<Policy>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The policies of some units (all when `units` is none), newest change first.
    pub async fn policies_of(&self, units: Option<&[i64]>) -> Result<Vec<Policy>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY updated_at DESC, id DESC")).fetch_all(&self.pool).await?;
        let all: Result<Vec<Policy>> = rows.iter().map(from_row).collect();
        Ok(match units {
            None => all?,
            Some(u) => all?.into_iter().filter(|p| u.contains(&p.unit_id)).collect(),
        })
    }

    /// Every policy with a published version.
    pub async fn policies_live(&self) -> Result<Vec<Policy>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE live IS NOT NULL ORDER BY published_at DESC, id DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn policy_epoch(&self) -> Result<Epoch> {
        let row = sqlx::query("SELECT COUNT(*) AS n, MAX(updated_at) AS last FROM business_policies")
            .fetch_one(&self.pool)
            .await?;
        let r = Named::new(&row, "business_policies");
        Ok(Epoch { count: r.get("n")?, last: r.get("last")? })
    }

    pub async fn policy_by_import_key(&self, key: &str) -> Result<Option<Policy>> {
        let row = sqlx::query(&format!("{SELECT} WHERE import_key = $1")).bind(key).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }
}

impl Writer {
    /// The policy as it stands inside this transaction.
    pub async fn policy_current(&mut self, id: i64) -> Result<Policy> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("政策"))?;
        from_row(&row)
    }

    /// A new draft by `author` (none: an import), with the key an import finds it by.
    pub async fn policy_create(
        &mut self,
        unit_id: i64,
        f: &PolicyFields,
        author: Option<i64>,
        import_key: Option<&str>,
    ) -> Result<i64> {
        let now = crate::now_text();
        let id: i64 = sqlx::query(
            "INSERT INTO business_policies (unit_id, status, author_id, title, draft, import_key, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
        )
        .bind(unit_id)
        .bind(State::Draft.code())
        .bind(author)
        .bind(&f.title)
        .bind(json(f)?)
        .bind(import_key)
        .bind(&now)
        .fetch_one(self.conn())
        .await
        .map(|row| Named::new(&row, "business_policies").get::<i64>("id"))??;
        self.record("policy.create", "business_policy", id, Some(unit_id), format!("起草政策《{}》", f.title));
        Ok(id)
    }

    /// Saves the working copy (a draft, or a revision of a published policy).
    pub async fn policy_update(&mut self, id: i64, f: &PolicyFields) -> Result<()> {
        let old = self.policy_current(id).await?;
        sqlx::query("UPDATE business_policies SET draft = $1, title = CASE WHEN live IS NULL THEN $2 ELSE title END, updated_at = $3 WHERE id = $4")
            .bind(json(f)?)
            .bind(&f.title)
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record("policy.update", "business_policy", id, Some(old.unit_id), format!("修改政策《{}》", f.title));
        Ok(())
    }

    /// Moves the working copy to `status`: `author` starts a revision (submit or revise),
    /// `reviewer` approves `stage`; every review is cleared when it goes back to draft.
    pub async fn policy_set_status(
        &mut self,
        id: i64,
        status: State,
        author: Option<i64>,
        reviewer: Option<(Stage, i64)>,
        summary: String,
    ) -> Result<()> {
        let old = self.policy_current(id).await?;
        let before = Review { status: old.status, author_id: old.author_id, reviewers: old.reviewers };
        let step = Step { status, author, reviewer, summary };
        self.reviewed_set_status(POLICIES, id, old.unit_id, &before, step).await
    }

    /// Publishes the working copy: the public sees it from now on.
    pub async fn policy_publish(&mut self, id: i64) -> Result<()> {
        let old = self.policy_current(id).await?;
        let now = crate::now_text();
        sqlx::query(
            "UPDATE business_policies SET live = draft, title = $1, status = $2, published_at = $3, updated_at = $3 WHERE id = $4",
        )
        .bind(&old.draft.title)
        .bind(State::Published.code())
        .bind(&now)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(
            "policy.publish",
            "business_policy",
            id,
            Some(old.unit_id),
            format!("发布政策《{}》", old.draft.title),
        );
        Ok(())
    }

    /// Drops a revision: the working copy is the published version again.
    pub async fn policy_discard(&mut self, id: i64) -> Result<()> {
        let old = self.policy_current(id).await?;
        self.reviewed_discard(POLICIES, id, old.unit_id, &old.draft.title).await
    }

    /// Takes the policy down (撤稿): the public no longer sees it.
    pub async fn policy_withdraw(&mut self, id: i64, note: &str) -> Result<()> {
        let old = self.policy_current(id).await?;
        let title = old.live.as_ref().map_or(&old.draft.title, |l| &l.title);
        self.reviewed_withdraw(POLICIES, id, old.unit_id, title, note).await
    }
}

/// What writing a register did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegisterWrite {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

pub(crate) fn stored_profile(table: &'static str, text: &str) -> Result<EnterpriseProfile> {
    let stored = || StoreError::Stored { table, column: "profile".into(), value: text.chars().take(200).collect() };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|_| stored())?;
    // A founding date is checked against today when it is given; a stored one is read against
    // no bound, so that a profile is never refused for the day it is read on.
    EnterpriseProfile::from_json(&value, chrono::NaiveDate::MAX).map_err(|_| stored())
}

fn enterprise_from_row(row: &AnyRow) -> Result<Enterprise> {
    let r = Named::new(row, "enterprises");
    let text: String = r.get("profile")?;
    let profile = stored_profile("enterprises", &text)?;
    Ok(Enterprise { credit_code: r.get("credit_code")?, name: r.get("name")?, profile })
}

impl Store {
    /// Every enterprise of the register, by credit code.
    pub async fn enterprises(&self) -> Result<Vec<Enterprise>> {
        let rows = sqlx::query("SELECT credit_code, name, profile FROM enterprises ORDER BY credit_code")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(enterprise_from_row).collect()
    }

    pub async fn enterprise(&self, credit_code: &str) -> Result<Option<Enterprise>> {
        let row = sqlx::query("SELECT credit_code, name, profile FROM enterprises WHERE credit_code = $1")
            .bind(credit_code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(enterprise_from_row).transpose()
    }

    pub async fn enterprise_count(&self) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM enterprises").fetch_one(&self.pool).await?;
        Named::new(&row, "enterprises").get("n")
    }
}

impl Writer {
    /// Adds or updates the register's enterprises (one audit record for the whole file).
    pub async fn enterprises_put(&mut self, list: &[Enterprise]) -> Result<RegisterWrite> {
        let now = crate::now_text();
        let mut out = RegisterWrite::default();
        // The register as it stands, in one query rather than one per row (a register is a few
        // hundred thousand rows at most).
        let mut stored: std::collections::HashMap<String, (String, String)> = std::collections::HashMap::new();
        for row in sqlx::query("SELECT credit_code, name, profile FROM enterprises").fetch_all(self.conn()).await? {
            let r = Named::new(&row, "enterprises");
            stored.insert(r.get("credit_code")?, (r.get("name")?, r.get("profile")?));
        }
        for e in list {
            let profile = e.profile.to_json().to_string();
            match stored.get(&e.credit_code) {
                Some((name, stored)) => {
                    if *name == e.name && *stored == profile {
                        out.unchanged += 1;
                        continue;
                    }
                    sqlx::query(
                        "UPDATE enterprises SET name = $1, profile = $2, updated_at = $3 WHERE credit_code = $4",
                    )
                    .bind(&e.name)
                    .bind(&profile)
                    .bind(&now)
                    .bind(&e.credit_code)
                    .execute(self.conn())
                    .await?;
                    out.updated += 1;
                }
                None => {
                    sqlx::query(
                        "INSERT INTO enterprises (credit_code, name, profile, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
                    )
                    .bind(&e.credit_code)
                    .bind(&e.name)
                    .bind(&profile)
                    .bind(&now)
                    .execute(self.conn())
                    .await?;
                    out.created += 1;
                }
            }
        }
        self.record(
            "enterprise.import",
            "enterprise",
            0,
            None,
            format!("导入企业名录：新增 {} 家，更新 {} 家，未变 {} 家", out.created, out.updated, out.unchanged),
        );
        Ok(out)
    }
}
