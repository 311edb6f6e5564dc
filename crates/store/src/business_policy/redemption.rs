//! 兑现: saved runs of a policy against the register, 公示名单 with their review state, the
//! 快申快享 claims with their steps, and the disbursement records.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::reviewed::{Review, Step, Table};
use crate::row::Named;
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::business_policy::redemption::{ClaimState, PayoutStatus};
use gongkai_domain::workflow::{Stage, State};
use sqlx::any::AnyRow;

/// An enterprise on a run or a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Beneficiary {
    pub credit_code: String,
    pub name: String,
    pub district: Option<String>,
    pub amount_yuan: Option<i64>,
}

fn beneficiary(row: &AnyRow, table: &'static str) -> Result<Beneficiary> {
    let r = Named::new(row, table);
    Ok(Beneficiary {
        credit_code: r.get("credit_code")?,
        name: r.get("name")?,
        district: r.get("district")?,
        amount_yuan: r.get("amount_yuan")?,
    })
}

/// 公示名单 as stored.
#[derive(Debug, Clone)]
pub struct PolicyList {
    pub id: i64,
    pub policy_id: i64,
    pub unit_id: i64,
    pub status: State,
    pub author_id: Option<i64>,
    pub reviewers: [Option<i64>; 3],
    pub title: String,
    /// 公示说明: the period, where to object.
    pub notice: String,
    /// The day of the run the list was drawn from.
    pub run_on: NaiveDate,
    /// How many enterprises the run found eligible (the list may leave some out).
    pub eligible: i64,
    pub published_at: Option<DateTime<Utc>>,
    pub publicity_ends_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PolicyList {
    pub fn facts(&self) -> gongkai_domain::workflow::Facts {
        gongkai_domain::workflow::Facts {
            author: self.author_id.unwrap_or(0),
            reviewers: self.reviewers,
            has_live: self.status == State::Published,
        }
    }
}

const LIST_SELECT: &str = "SELECT id, policy_id, unit_id, status, author_id, reviewer_first, reviewer_second, \
     reviewer_final, title, notice, run_on, eligible, published_at, publicity_ends_on, created_at, updated_at \
     FROM policy_lists";

fn list_from_row(row: &AnyRow) -> Result<PolicyList> {
    let r = Named::new(row, "policy_lists");
    Ok(PolicyList {
        id: r.get("id")?,
        policy_id: r.get("policy_id")?,
        unit_id: r.get("unit_id")?,
        status: r.code("status", State::parse)?,
        author_id: r.get("author_id")?,
        reviewers: [r.get("reviewer_first")?, r.get("reviewer_second")?, r.get("reviewer_final")?],
        title: r.get("title")?,
        notice: r.get("notice")?,
        run_on: r.date("run_on")?,
        eligible: r.get("eligible")?,
        published_at: r.instant_opt("published_at")?,
        publicity_ends_on: r.date_opt("publicity_ends_on")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
    })
}

/// A 快申快享 application as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    pub policy_id: i64,
    pub unit_id: i64,
    pub tracking_no: String,
    pub code_hash: String,
    pub status: ClaimState,
    pub credit_code: String,
    pub enterprise_name: String,
    pub district: Option<String>,
    pub contact_name: String,
    pub phone: String,
    pub statement: String,
    pub amount_yuan: Option<i64>,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub reason: Option<String>,
    pub handler_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

const CLAIM_SELECT: &str = "SELECT id, policy_id, unit_id, tracking_no, code_hash, status, credit_code, \
     enterprise_name, district, contact_name, phone, statement, amount_yuan, received_on, due_on, decided_on, \
     reason, handler_id, created_at FROM policy_claims";

fn claim_from_row(row: &AnyRow) -> Result<Claim> {
    let r = Named::new(row, "policy_claims");
    Ok(Claim {
        id: r.get("id")?,
        policy_id: r.get("policy_id")?,
        unit_id: r.get("unit_id")?,
        tracking_no: r.get("tracking_no")?,
        code_hash: r.get("code_hash")?,
        status: r.code("status", ClaimState::from_code)?,
        credit_code: r.get("credit_code")?,
        enterprise_name: r.get("enterprise_name")?,
        district: r.get("district")?,
        contact_name: r.get("contact_name")?,
        phone: r.get("phone")?,
        statement: r.get("statement")?,
        amount_yuan: r.get("amount_yuan")?,
        received_on: r.date("received_on")?,
        due_on: r.date("due_on")?,
        decided_on: r.date_opt("decided_on")?,
        reason: r.get("reason")?,
        handler_id: r.get("handler_id")?,
        created_at: r.instant("created_at")?,
    })
}

/// A step of a claim, as the enterprise sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimStep {
    pub status: ClaimState,
    pub note: String,
    pub on_date: NaiveDate,
}

/// What a new claim holds (checked).
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub policy_id: i64,
    pub unit_id: i64,
    pub credit_code: String,
    pub enterprise_name: String,
    pub district: Option<String>,
    pub contact_name: String,
    pub phone: String,
    pub statement: String,
    pub amount_yuan: Option<i64>,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
}

/// 兑现记录 as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payout {
    pub id: i64,
    pub policy_id: i64,
    pub unit_id: i64,
    pub credit_code: String,
    pub name: String,
    pub district: Option<String>,
    pub list_id: Option<i64>,
    pub claim_id: Option<i64>,
    pub amount_yuan: Option<i64>,
    pub status: PayoutStatus,
    pub paid_on: Option<NaiveDate>,
    pub reason: Option<String>,
}

const PAYOUT_SELECT: &str = "SELECT id, policy_id, unit_id, credit_code, name, district, list_id, claim_id, \
     amount_yuan, status, paid_on, reason FROM policy_payouts";

fn payout_from_row(row: &AnyRow) -> Result<Payout> {
    let r = Named::new(row, "policy_payouts");
    Ok(Payout {
        id: r.get("id")?,
        policy_id: r.get("policy_id")?,
        unit_id: r.get("unit_id")?,
        credit_code: r.get("credit_code")?,
        name: r.get("name")?,
        district: r.get("district")?,
        list_id: r.get("list_id")?,
        claim_id: r.get("claim_id")?,
        amount_yuan: r.get("amount_yuan")?,
        status: r.code("status", PayoutStatus::from_code)?,
        paid_on: r.date_opt("paid_on")?,
        reason: r.get("reason")?,
    })
}

/// The figures of one policy in one district (none: not known).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub policy_id: i64,
    pub district: Option<String>,
    pub matched: i64,
    pub applied: i64,
    pub paid: i64,
    pub paid_yuan: i64,
}

impl Store {
    /// The enterprises the latest saved run matched.
    pub async fn policy_matches(&self, policy_id: i64) -> Result<Vec<Beneficiary>> {
        let rows = sqlx::query(
            "SELECT credit_code, name, district, amount_yuan FROM policy_matches WHERE policy_id = $1 ORDER BY credit_code",
        )
        .bind(policy_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| beneficiary(r, "policy_matches")).collect()
    }

    /// The day of the latest saved run, if any.
    pub async fn policy_match_day(&self, policy_id: i64) -> Result<Option<NaiveDate>> {
        let row = sqlx::query("SELECT MAX(run_on) AS d FROM policy_matches WHERE policy_id = $1")
            .bind(policy_id)
            .fetch_one(&self.pool)
            .await?;
        Named::new(&row, "policy_matches").date_opt("d")
    }

    /// The lists of a policy, newest first.
    pub async fn policy_lists(&self, policy_id: i64) -> Result<Vec<PolicyList>> {
        let rows = sqlx::query(&format!("{LIST_SELECT} WHERE policy_id = $1 ORDER BY id DESC"))
            .bind(policy_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(list_from_row).collect()
    }

    pub async fn policy_list(&self, id: i64) -> Result<Option<PolicyList>> {
        let row = sqlx::query(&format!("{LIST_SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(list_from_row).transpose()
    }

    /// The lists waiting for review, oldest first.
    pub async fn policy_lists_in_review(&self) -> Result<Vec<PolicyList>> {
        let rows = sqlx::query(&format!("{LIST_SELECT} WHERE status LIKE 'review%' ORDER BY updated_at"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(list_from_row).collect()
    }

    pub async fn policy_list_entries(&self, list_id: i64) -> Result<Vec<Beneficiary>> {
        let rows = sqlx::query(
            "SELECT credit_code, name, district, amount_yuan FROM policy_list_entries WHERE list_id = $1 ORDER BY credit_code",
        )
        .bind(list_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| beneficiary(r, "policy_list_entries")).collect()
    }

    pub async fn policy_claim(&self, id: i64) -> Result<Option<Claim>> {
        let row = sqlx::query(&format!("{CLAIM_SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(claim_from_row).transpose()
    }

    pub async fn policy_claim_by_tracking_no(&self, no: &str) -> Result<Option<Claim>> {
        let row =
            sqlx::query(&format!("{CLAIM_SELECT} WHERE tracking_no = $1")).bind(no).fetch_optional(&self.pool).await?;
        row.as_ref().map(claim_from_row).transpose()
    }

    /// The claims of some units (all when none), open ones first by due date, then the rest.
    pub async fn policy_claims(&self, units: Option<&[i64]>, policy_id: Option<i64>) -> Result<Vec<Claim>> {
        let order = "ORDER BY CASE WHEN status IN ('submitted', 'accepted') THEN 0 ELSE 1 END, due_on, id";
        let rows = match policy_id {
            Some(id) => {
                sqlx::query(&format!("{CLAIM_SELECT} WHERE policy_id = $1 {order}"))
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => sqlx::query(&format!("{CLAIM_SELECT} {order}")).fetch_all(&self.pool).await?,
        };
        let all: Vec<Claim> = rows.iter().map(claim_from_row).collect::<Result<_>>()?;
        Ok(match units {
            None => all,
            Some(u) => all.into_iter().filter(|c| u.contains(&c.unit_id)).collect(),
        })
    }

    /// Whether the enterprise has a claim under the policy still waiting for the unit.
    pub async fn policy_claim_open(&self, policy_id: i64, credit_code: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM policy_claims WHERE policy_id = $1 AND credit_code = $2 \
             AND status IN ($3, $4)",
        )
        .bind(policy_id)
        .bind(credit_code)
        .bind(ClaimState::Submitted.code())
        .bind(ClaimState::Accepted.code())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn policy_claim_steps(&self, claim_id: i64) -> Result<Vec<ClaimStep>> {
        let rows = sqlx::query("SELECT status, note, on_date FROM policy_claim_events WHERE claim_id = $1 ORDER BY id")
            .bind(claim_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let r = Named::new(row, "policy_claim_events");
                Ok(ClaimStep {
                    status: r.code("status", ClaimState::from_code)?,
                    note: r.get("note")?,
                    on_date: r.date("on_date")?,
                })
            })
            .collect()
    }

    pub async fn policy_payouts(&self, policy_id: i64) -> Result<Vec<Payout>> {
        let rows = sqlx::query(&format!("{PAYOUT_SELECT} WHERE policy_id = $1 ORDER BY credit_code"))
            .bind(policy_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(payout_from_row).collect()
    }

    /// The disbursement an approved claim led to.
    pub async fn policy_payout_of_claim(&self, claim_id: i64) -> Result<Option<Payout>> {
        let row = sqlx::query(&format!("{PAYOUT_SELECT} WHERE claim_id = $1"))
            .bind(claim_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(payout_from_row).transpose()
    }

    pub async fn policy_payout(&self, id: i64) -> Result<Option<Payout>> {
        let row = sqlx::query(&format!("{PAYOUT_SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(payout_from_row).transpose()
    }

    /// The figures by policy and district, in three grouped queries whatever the size.
    pub async fn policy_tallies(&self) -> Result<Vec<Tally>> {
        let mut out: std::collections::BTreeMap<(i64, Option<String>), Tally> = Default::default();
        let queries = [
            (
                "SELECT policy_id, district, COUNT(*) AS n, 0 AS yuan FROM policy_matches GROUP BY policy_id, district",
                0,
            ),
            ("SELECT policy_id, district, COUNT(*) AS n, 0 AS yuan FROM policy_claims GROUP BY policy_id, district", 1),
            (
                "SELECT policy_id, district, COUNT(*) AS n, CAST(COALESCE(SUM(amount_yuan), 0) AS BIGINT) AS yuan \
                 FROM policy_payouts WHERE status = 'paid' GROUP BY policy_id, district",
                2,
            ),
        ];
        for (sql, which) in queries {
            for row in sqlx::query(sql).fetch_all(&self.pool).await? {
                let r = Named::new(&row, "policy_tallies");
                let (policy_id, district): (i64, Option<String>) = (r.get("policy_id")?, r.get("district")?);
                let n: i64 = r.get("n")?;
                let t = out.entry((policy_id, district.clone())).or_insert_with(|| Tally {
                    policy_id,
                    district,
                    ..Default::default()
                });
                match which {
                    0 => t.matched = n,
                    1 => t.applied = n,
                    _ => {
                        t.paid = n;
                        t.paid_yuan = r.get("yuan")?;
                    }
                }
            }
        }
        Ok(out.into_values().collect())
    }
}

impl Writer {
    /// Replaces the saved run of a policy.
    pub async fn policy_matches_replace(
        &mut self,
        policy_id: i64,
        unit_id: i64,
        run_on: NaiveDate,
        matched: &[Beneficiary],
        summary: String,
    ) -> Result<()> {
        sqlx::query("DELETE FROM policy_matches WHERE policy_id = $1").bind(policy_id).execute(self.conn()).await?;
        for b in matched {
            sqlx::query(
                "INSERT INTO policy_matches (policy_id, credit_code, name, district, amount_yuan, run_on) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(policy_id)
            .bind(&b.credit_code)
            .bind(&b.name)
            .bind(&b.district)
            .bind(b.amount_yuan)
            .bind(run_on.to_string())
            .execute(self.conn())
            .await?;
        }
        self.record("policy.run", "business_policy", policy_id, Some(unit_id), summary);
        Ok(())
    }

    pub async fn policy_list_current(&mut self, id: i64) -> Result<PolicyList> {
        let row = sqlx::query(&format!("{LIST_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("公示名单"))?;
        list_from_row(&row)
    }

    /// A new list (a draft by `author`) with its entries.
    #[expect(clippy::too_many_arguments, reason = "one argument per column of the row it inserts")]
    pub async fn policy_list_create(
        &mut self,
        policy_id: i64,
        unit_id: i64,
        title: &str,
        notice: &str,
        run_on: NaiveDate,
        eligible: usize,
        entries: &[Beneficiary],
        author: i64,
    ) -> Result<i64> {
        let now = crate::now_text();
        let row = sqlx::query(
            "INSERT INTO policy_lists (policy_id, unit_id, status, author_id, title, notice, run_on, eligible, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(policy_id)
        .bind(unit_id)
        .bind(State::Draft.code())
        .bind(author)
        .bind(title)
        .bind(notice)
        .bind(run_on.to_string())
        .bind(eligible as i64)
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = Named::new(&row, "policy_lists").get("id")?;
        for b in entries {
            sqlx::query(
                "INSERT INTO policy_list_entries (list_id, credit_code, name, district, amount_yuan) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&b.credit_code)
            .bind(&b.name)
            .bind(&b.district)
            .bind(b.amount_yuan)
            .execute(self.conn())
            .await?;
        }
        self.record(
            "policy_list.create",
            "policy_list",
            id,
            Some(unit_id),
            format!("拟定公示名单《{title}》：{} 家企业", entries.len()),
        );
        Ok(id)
    }

    /// Moves a list through review, as [`Writer::policy_set_status`] does a policy.
    pub async fn policy_list_set_status(
        &mut self,
        id: i64,
        status: State,
        author: Option<i64>,
        reviewer: Option<(Stage, i64)>,
        summary: String,
    ) -> Result<()> {
        let old = self.policy_list_current(id).await?;
        let before = Review { status: old.status, author_id: old.author_id, reviewers: old.reviewers };
        let step = Step { status, author, reviewer, summary };
        self.reviewed_set_status(Table::named("policy_lists", "policy_list"), id, old.unit_id, &before, step).await
    }

    /// Publishes a list for its 公示期 and records each entry as 待兑现 (an enterprise that
    /// already has a record under the policy keeps it).
    /// `at` is the publication's instant (the use case's clock).
    pub async fn policy_list_publish(&mut self, id: i64, ends_on: NaiveDate, at: DateTime<Utc>) -> Result<()> {
        let old = self.policy_list_current(id).await?;
        let now = gongkai_domain::time::format_instant(at);
        sqlx::query(
            "UPDATE policy_lists SET status = $1, published_at = $2, publicity_ends_on = $3, updated_at = $2 WHERE id = $4",
        )
        .bind(State::Published.code())
        .bind(&now)
        .bind(ends_on.to_string())
        .bind(id)
        .execute(self.conn())
        .await?;
        sqlx::query(
            "INSERT INTO policy_payouts (policy_id, unit_id, credit_code, name, district, list_id, amount_yuan, status, created_at, updated_at) \
             SELECT $1, $2, credit_code, name, district, list_id, amount_yuan, $3, $4, $4 FROM policy_list_entries WHERE list_id = $5 \
             ON CONFLICT (policy_id, credit_code) DO NOTHING",
        )
        .bind(old.policy_id)
        .bind(old.unit_id)
        .bind(PayoutStatus::Pending.code())
        .bind(&now)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(
            "policy_list.publish",
            "policy_list",
            id,
            Some(old.unit_id),
            format!("发布公示名单《{}》，公示至 {ends_on}", old.title),
        );
        Ok(())
    }

    /// Takes a published list down; its disbursements not yet paid are returned.
    pub async fn policy_list_withdraw(&mut self, id: i64, note: &str) -> Result<()> {
        let old = self.policy_list_current(id).await?;
        let now = crate::now_text();
        sqlx::query("UPDATE policy_lists SET status = $1, updated_at = $2 WHERE id = $3")
            .bind(State::Withdrawn.code())
            .bind(&now)
            .bind(id)
            .execute(self.conn())
            .await?;
        sqlx::query(
            "UPDATE policy_payouts SET status = $1, reason = $2, updated_at = $3 WHERE list_id = $4 AND status = $5",
        )
        .bind(PayoutStatus::Returned.code())
        .bind(format!("公示名单已撤下：{note}"))
        .bind(&now)
        .bind(id)
        .bind(PayoutStatus::Pending.code())
        .execute(self.conn())
        .await?;
        self.record(
            "policy_list.withdraw",
            "policy_list",
            id,
            Some(old.unit_id),
            format!("撤下公示名单《{}》：{note}", old.title),
        );
        Ok(())
    }

    /// Stores a claim with its first step; none when the tracking number is taken.
    pub async fn policy_claim_insert(
        &mut self,
        n: &NewClaim,
        tracking_no: &str,
        code_hash: &str,
    ) -> Result<Option<i64>> {
        let taken = sqlx::query("SELECT 1 FROM policy_claims WHERE tracking_no = $1")
            .bind(tracking_no)
            .fetch_optional(self.conn())
            .await?
            .is_some();
        if taken {
            return Ok(None);
        }
        let now = crate::now_text();
        let row = sqlx::query(
            "INSERT INTO policy_claims (policy_id, unit_id, tracking_no, code_hash, status, credit_code, enterprise_name, \
             district, contact_name, phone, statement, amount_yuan, received_on, due_on, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id",
        )
        .bind(n.policy_id)
        .bind(n.unit_id)
        .bind(tracking_no)
        .bind(code_hash)
        .bind(ClaimState::Submitted.code())
        .bind(&n.credit_code)
        .bind(&n.enterprise_name)
        .bind(&n.district)
        .bind(&n.contact_name)
        .bind(&n.phone)
        .bind(&n.statement)
        .bind(n.amount_yuan)
        .bind(n.received_on.to_string())
        .bind(n.due_on.to_string())
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = Named::new(&row, "policy_claims").get("id")?;
        self.policy_claim_event(id, ClaimState::Submitted, "企业在线提交申报", n.received_on).await?;
        self.record(
            "policy_claim.create",
            "policy_claim",
            id,
            Some(n.unit_id),
            format!("收到快申快享申报：申报编号 {tracking_no}"),
        );
        Ok(Some(id))
    }

    async fn policy_claim_event(&mut self, id: i64, status: ClaimState, note: &str, on: NaiveDate) -> Result<()> {
        sqlx::query(
            "INSERT INTO policy_claim_events (claim_id, status, note, on_date, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(status.code())
        .bind(note)
        .bind(on.to_string())
        .bind(crate::now_text())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn policy_claim_current(&mut self, id: i64) -> Result<Claim> {
        let row = sqlx::query(&format!("{CLAIM_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("申报"))?;
        claim_from_row(&row)
    }

    /// Moves a claim to `status` on `on` by `handler`, with the note the enterprise sees; an
    /// approval records the disbursement as 待兑现.
    #[expect(clippy::too_many_arguments, reason = "the step, who took it and when, and what it records")]
    pub async fn policy_claim_step(
        &mut self,
        id: i64,
        status: ClaimState,
        on: NaiveDate,
        handler: i64,
        note: &str,
        reason: Option<&str>,
        approved_yuan: Option<i64>,
    ) -> Result<()> {
        let old = self.policy_claim_current(id).await?;
        let decided = (!status.open()).then(|| on.to_string());
        sqlx::query(
            "UPDATE policy_claims SET status = $1, handler_id = $2, decided_on = $3, reason = $4, \
             amount_yuan = COALESCE($5, amount_yuan), updated_at = $6 WHERE id = $7",
        )
        .bind(status.code())
        .bind(handler)
        .bind(decided)
        .bind(reason)
        .bind(approved_yuan)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.policy_claim_event(id, status, note, on).await?;
        if status == ClaimState::Approved {
            let now = crate::now_text();
            sqlx::query(
                "INSERT INTO policy_payouts (policy_id, unit_id, credit_code, name, district, claim_id, amount_yuan, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (policy_id, credit_code) DO NOTHING",
            )
            .bind(old.policy_id)
            .bind(old.unit_id)
            .bind(&old.credit_code)
            .bind(&old.enterprise_name)
            .bind(&old.district)
            .bind(id)
            .bind(approved_yuan.or(old.amount_yuan))
            .bind(PayoutStatus::Pending.code())
            .bind(&now)
            .execute(self.conn())
            .await?;
        }
        self.record(
            "policy_claim.step",
            "policy_claim",
            id,
            Some(old.unit_id),
            format!("申报 {}：{} → {}（{note}）", old.tracking_no, old.status.label(), status.label()),
        );
        Ok(())
    }

    pub async fn policy_payout_current(&mut self, id: i64) -> Result<Payout> {
        let row = sqlx::query(&format!("{PAYOUT_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("兑现记录"))?;
        payout_from_row(&row)
    }

    /// Records what happened to a disbursement.
    pub async fn policy_payout_set(
        &mut self,
        id: i64,
        status: PayoutStatus,
        paid: Option<(NaiveDate, i64)>,
        reason: Option<&str>,
        summary: String,
    ) -> Result<()> {
        let old = self.policy_payout_current(id).await?;
        sqlx::query(
            "UPDATE policy_payouts SET status = $1, paid_on = $2, amount_yuan = COALESCE($3, amount_yuan), reason = $4, \
             updated_at = $5 WHERE id = $6",
        )
        .bind(status.code())
        .bind(paid.map(|(d, _)| d.to_string()).or_else(|| old.paid_on.map(|d| d.to_string())))
        .bind(paid.map(|(_, y)| y))
        .bind(reason)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record("policy_payout.set", "policy_payout", id, Some(old.unit_id), summary);
        Ok(())
    }
}
