//! Audited writes. Every change made by staff (or by the system on their behalf) goes through a
//! `Writer`, whose commit appends the audit records to the hash chain in the same transaction
//! as the change itself: a change without its record, or a record without its change, cannot
//! be committed.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::sql::Sql;
use gongkai_domain::audit::{AuditRecord, ChainBreak, ChainVerifier};
use sqlx::{Any, AnyConnection, Row, Transaction};

/// Who is writing, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub name: String,
    pub unit_id: Option<i64>,
    pub ip: String,
}

impl Actor {
    /// The platform itself (seeding the calendar, scheduled jobs); `what` says which part.
    pub fn system(what: &str) -> Actor {
        Actor { user_id: None, name: format!("system:{what}"), unit_id: None, ip: String::new() }
    }
}

struct Pending {
    subject_unit_id: Option<i64>,
    action: String,
    object_type: String,
    object_id: String,
    summary: String,
}

pub struct Writer {
    tx: Transaction<'static, Any>,
    actor: Actor,
    last_seq: i64,
    last_hash: String,
    pending: Vec<Pending>,
}

impl Store {
    /// Starts an audited write. Updating the chain head first takes the write lock on SQLite
    /// and a row lock on PostgreSQL, so audited writers are serialised and the chain stays a
    /// single line.
    pub async fn write(&self, actor: Actor) -> Result<Writer> {
        let mut tx = self.pool.begin().await?;
        let row = sqlx::query("UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash")
            .fetch_one(&mut *tx)
            .await?;
        Ok(Writer { tx, actor, last_seq: row.try_get(0)?, last_hash: row.try_get(1)?, pending: Vec::new() })
    }
}

impl Writer {
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Notes one change for the audit log: `action` like `unit.rename`, the object, the unit it
    /// belongs to and a summary in Chinese of what changed.
    pub fn record(
        &mut self,
        action: &str,
        object_type: &str,
        object_id: impl ToString,
        subject_unit_id: Option<i64>,
        summary: impl Into<String>,
    ) {
        self.pending.push(Pending {
            subject_unit_id,
            action: action.to_string(),
            object_type: object_type.to_string(),
            object_id: object_id.to_string(),
            summary: summary.into(),
        });
    }

    /// Appends the records to the chain and commits. A write that recorded nothing is refused:
    /// every write is audited.
    pub async fn commit(mut self) -> Result<Vec<i64>> {
        if self.pending.is_empty() {
            return Err(StoreError::Other("an audited write committed without an audit record".into()));
        }
        let at = crate::now_text();
        let mut seqs = Vec::with_capacity(self.pending.len());
        for p in std::mem::take(&mut self.pending) {
            let mut record = AuditRecord {
                seq: self.last_seq + 1,
                at: at.clone(),
                actor_id: self.actor.user_id,
                actor_name: self.actor.name.clone(),
                unit_id: self.actor.unit_id,
                subject_unit_id: p.subject_unit_id,
                action: p.action,
                object_type: p.object_type,
                object_id: p.object_id,
                summary: p.summary,
                ip: self.actor.ip.clone(),
                prev_hash: self.last_hash.clone(),
                hash: String::new(),
            };
            record.hash = record.compute_hash();
            sqlx::query(
                "INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, subject_unit_id, action, object_type, object_id, summary, ip, prev_hash, hash)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(record.seq)
            .bind(&record.at)
            .bind(record.actor_id)
            .bind(&record.actor_name)
            .bind(record.unit_id)
            .bind(record.subject_unit_id)
            .bind(&record.action)
            .bind(&record.object_type)
            .bind(&record.object_id)
            .bind(&record.summary)
            .bind(&record.ip)
            .bind(&record.prev_hash)
            .bind(&record.hash)
            .execute(&mut *self.tx)
            .await?;
            self.last_seq = record.seq;
            self.last_hash = record.hash;
            seqs.push(record.seq);
        }
        sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2 WHERE id = 1")
            .bind(self.last_seq)
            .bind(&self.last_hash)
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        Ok(seqs)
    }
}

/// Filters of the audit list; all optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only records by staff of, or about, this unit and the units below it.
    pub within_unit: Option<i64>,
    pub actor: Option<String>,
    /// An action or an action prefix (`unit.` for all unit actions).
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    /// Inclusive UTC instants in text form.
    pub from: Option<String>,
    pub until: Option<String>,
    pub text: Option<String>,
}

const AUDIT_COLUMNS: &str = "seq, at, actor_id, actor_name, unit_id, subject_unit_id, action, object_type, object_id, summary, ip, prev_hash, hash";

fn record_from_row(r: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    Ok(AuditRecord {
        seq: r.try_get(0)?,
        at: r.try_get(1)?,
        actor_id: r.try_get(2)?,
        actor_name: r.try_get(3)?,
        unit_id: r.try_get(4)?,
        subject_unit_id: r.try_get(5)?,
        action: r.try_get(6)?,
        object_type: r.try_get(7)?,
        object_id: r.try_get(8)?,
        summary: r.try_get(9)?,
        ip: r.try_get(10)?,
        prev_hash: r.try_get(11)?,
        hash: r.try_get(12)?,
    })
}

fn filtered(select: &str, f: &AuditFilter) -> Sql {
    let mut q = Sql::new("");
    if let Some(unit) = f.within_unit {
        q.push("WITH RECURSIVE sub(id) AS (SELECT CAST(")
            .bind(unit)
            .push(" AS BIGINT) UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) ");
    }
    q.push(select).push(" FROM audit_log WHERE 1 = 1");
    if f.within_unit.is_some() {
        q.push(" AND (unit_id IN (SELECT id FROM sub) OR subject_unit_id IN (SELECT id FROM sub))");
    }
    if let Some(actor) = f.actor.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND actor_name = ").bind(actor);
    }
    if let Some(action) = f.action.as_deref().filter(|s| !s.is_empty()) {
        if action.ends_with('.') {
            q.push(" AND action LIKE ").bind(format!("{}%", action.replace(['%', '_'], "")));
        } else {
            q.push(" AND action = ").bind(action);
        }
    }
    if let Some(t) = f.object_type.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND object_type = ").bind(t);
    }
    if let Some(id) = f.object_id.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND object_id = ").bind(id);
    }
    if let Some(from) = f.from.as_deref() {
        q.push(" AND at >= ").bind(from);
    }
    if let Some(until) = f.until.as_deref() {
        q.push(" AND at <= ").bind(until);
    }
    if let Some(text) = f.text.as_deref().filter(|s| !s.is_empty()) {
        q.push(" AND summary LIKE ").bind(crate::sql::like_contains(text)).push(" ESCAPE '\\'");
    }
    q
}

impl Store {
    /// Newest first, `limit` records after skipping `offset`, and the total count.
    pub async fn audit_list(&self, f: &AuditFilter, limit: i64, offset: i64) -> Result<(Vec<AuditRecord>, i64)> {
        let total: i64 = filtered("SELECT COUNT(*)", f).query().fetch_one(&self.pool).await?.try_get(0)?;
        let mut q = filtered(&format!("SELECT {AUDIT_COLUMNS}"), f);
        q.push(" ORDER BY seq DESC LIMIT ").bind(limit.clamp(1, 500)).push(" OFFSET ").bind(offset.max(0));
        let rows = q.query().fetch_all(&self.pool).await?;
        let records = rows.iter().map(record_from_row).collect::<Result<_>>()?;
        Ok((records, total))
    }

    /// Walks the whole chain in batches; `Ok(n)` with the number of records when intact.
    pub async fn audit_verify(&self) -> Result<Result<i64, ChainBreak>> {
        let mut verifier = ChainVerifier::default();
        let mut after = 0i64;
        loop {
            let rows =
                sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000"))
                    .bind(after)
                    .fetch_all(&self.pool)
                    .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let record = record_from_row(row)?;
                if let Err(b) = verifier.feed(&record) {
                    return Ok(Err(b));
                }
                after = record.seq;
            }
        }
        let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        let head_seq: i64 = head.try_get(0)?;
        let head_hash: String = head.try_get(1)?;
        Ok(verifier.finish(head_seq, &head_hash))
    }

    /// Distinct actions seen, for the filter menu of the console.
    pub async fn audit_actions(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }
}
