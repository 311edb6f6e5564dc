//! Audited writes. Every change made by staff (or by the system on their behalf) goes through a
//! `Writer`, whose commit appends the audit records to the hash chain in the same transaction
//! as the change itself: a change without its record, or a record without its change, cannot
//! be committed.

use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::{Named, Page};
use crate::sql::Sql;
use gongkai_domain::audit::{AuditEpoch, AuditKey, AuditRecord, ChainBreak, ChainVerifier, Checkpoint};
use sqlx::Row;

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
    /// Who made this change: the writer's actor when it was recorded.
    actor: Actor,
    subject_unit_id: Option<i64>,
    action: String,
    object_type: String,
    object_id: String,
    summary: String,
}

pub struct Writer {
    tx: crate::counting::Tx,
    /// The writer's turn on SQLite (`Store::writers`), given up after the transaction (fields
    /// drop in order).
    _queued: Option<tokio::sync::OwnedMutexGuard<()>>,
    actor: Actor,
    /// Whether the chain head is held (and the fields below read from it).
    head_taken: bool,
    /// On PostgreSQL the record and the new head are written in one statement.
    postgres: bool,
    last_seq: i64,
    last_hash: String,
    /// Epoch and key id of the head record (0 and empty before the chain was keyed).
    head_epoch: i64,
    head_key_id: String,
    keys: std::sync::Arc<gongkai_domain::audit::KeyRing>,
    /// A key that starts a new epoch with this write (key rotation).
    new_key: Option<AuditKey>,
    pending: Vec<Pending>,
}

impl Store {
    /// Starts an audited write. Updating the chain head first takes the write lock on SQLite
    /// and a row lock on PostgreSQL, so audited writers are serialised and the chain stays a
    /// single line.
    pub async fn write(&self, actor: Actor) -> Result<Writer> {
        let mut w = self.write_appending(actor).await?;
        w.take_head().await?;
        Ok(w)
    }

    /// Starts an audited write that only adds rows (an opinion arriving from the public): the
    /// chain head is taken at commit, so on PostgreSQL such writes run their statements side by
    /// side and the chain is held only while its record is appended. The first statement must
    /// be a write (on SQLite a transaction that read first could not take the write lock later
    /// without a retry), and nothing may be read and then changed on the strength of that
    /// read: such writes use [`Store::write`], which is serialised from its first statement.
    pub async fn write_appending(&self, actor: Actor) -> Result<Writer> {
        let (queued, tx) = match &self.writers {
            Some(w) => (Some(w.turn.clone().lock_owned().await), w.pool.begin().await?),
            None => (None, self.pool.begin().await?),
        };
        Ok(Writer {
            tx,
            _queued: queued,
            actor,
            head_taken: false,
            postgres: self.backend() == crate::db::Backend::Postgres,
            last_seq: 0,
            last_hash: String::new(),
            head_epoch: 0,
            head_key_id: String::new(),
            keys: self.settings().audit_keys.clone(),
            new_key: None,
            pending: Vec::new(),
        })
    }
}

/// The statement appending one record, its values `$1`–`$14` in the order of [`bind_record`].
macro_rules! insert_record {
    () => {
        "INSERT INTO audit_log (seq, at, actor_id, actor_name, unit_id, subject_unit_id, action, object_type, \
         object_id, summary, ip, prev_hash, hash, epoch) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    };
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

fn bind_record<'q>(q: AnyQuery<'q>, r: &'q AuditRecord) -> AnyQuery<'q> {
    q.bind(r.seq)
        .bind(&r.at)
        .bind(r.actor_id)
        .bind(&r.actor_name)
        .bind(r.unit_id)
        .bind(r.subject_unit_id)
        .bind(&r.action)
        .bind(&r.object_type)
        .bind(&r.object_id)
        .bind(&r.summary)
        .bind(&r.ip)
        .bind(&r.prev_hash)
        .bind(&r.hash)
        .bind(r.epoch)
}

/// The refusal when this node's key is not the key of the chain's current epoch.
fn key_mismatch(epoch: i64, db_key_id: &str, ours: Option<&AuditKey>) -> StoreError {
    StoreError::Other(match ours {
        Some(k) => format!(
            "审计密钥与数据库不符：当前密钥纪元 {epoch} 的密钥标识为 {db_key_id}，本机密钥标识为 {}。各节点须使用同一审计密钥（{} 或数据目录中的 {}）；轮换密钥请用 gongkai audit rotate-key",
            k.id(),
            crate::audit_keys::KEY_ENV,
            crate::audit_keys::KEY_FILE
        ),
        None => format!(
            "没有审计密钥：请设置 {} 或提供密钥文件 {}",
            crate::audit_keys::KEY_ENV,
            crate::audit_keys::KEY_FILE
        ),
    })
}

impl Writer {
    /// Takes the chain head: its row is locked until the write commits or rolls back.
    async fn take_head(&mut self) -> Result<()> {
        let row = sqlx::query(
            "UPDATE audit_head SET last_seq = last_seq WHERE id = 1 RETURNING last_seq, last_hash, epoch, key_id",
        )
        .fetch_one(&mut *self.tx)
        .await?;
        self.last_seq = row.try_get("last_seq")?;
        self.last_hash = row.try_get("last_hash")?;
        self.head_epoch = row.try_get("epoch")?;
        self.head_key_id = row.try_get("key_id")?;
        self.head_taken = true;
        Ok(())
    }

    /// The write's transaction, counting its statements (`crate::counting`).
    pub fn conn(&mut self) -> &mut crate::counting::Conn {
        &mut self.tx
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Whether the write runs on PostgreSQL (for the few statements only it has).
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// Makes the changes recorded from now on the changes of `actor`: one write that commits
    /// the changes of several people (opinions arriving together, committed at once).
    pub fn act_as(&mut self, actor: Actor) {
        self.actor = actor;
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
            actor: self.actor.clone(),
            subject_unit_id,
            action: action.to_string(),
            object_type: object_type.to_string(),
            object_id: object_id.to_string(),
            summary: summary.into(),
        });
    }

    /// Makes this write start a new key epoch under `key` (key rotation): its records and all
    /// later ones are keyed with it.
    pub(crate) fn start_epoch(&mut self, key: AuditKey) {
        self.new_key = Some(key);
    }

    /// The epoch and key of the records of this write; starts an epoch when the chain is not
    /// keyed yet (the first keyed record starts epoch 1) or when rotating.
    async fn epoch_and_key(&mut self, at: &str) -> Result<(i64, AuditKey)> {
        let start = match self.new_key.take() {
            Some(key) => Some(key),
            None => {
                let current = self.keys.current().cloned();
                match current {
                    Some(k) if self.head_epoch > 0 && self.head_key_id == k.id() => {
                        return Ok((self.head_epoch, k));
                    }
                    Some(k) if self.head_epoch == 0 => Some(k),
                    other => return Err(key_mismatch(self.head_epoch, &self.head_key_id, other.as_ref())),
                }
            }
        };
        let key = start.expect("a key to start the epoch with");
        let newest: i64 = sqlx::query("SELECT COALESCE(MAX(epoch), 0) AS epoch FROM audit_epochs")
            .fetch_one(&mut *self.tx)
            .await?
            .try_get("epoch")?;
        if newest != self.head_epoch {
            return Err(StoreError::Other(format!(
                "审计日志链头（纪元 {}）与密钥纪元表（最新纪元 {newest}）不符，拒绝写入；请运行 gongkai audit verify",
                self.head_epoch
            )));
        }
        let epoch = newest + 1;
        sqlx::query("INSERT INTO audit_epochs (epoch, key_id, first_seq, started_at) VALUES ($1, $2, $3, $4)")
            .bind(epoch)
            .bind(key.id())
            .bind(self.last_seq + 1)
            .bind(at)
            .execute(&mut *self.tx)
            .await?;
        tracing::info!(epoch, key_id = key.id(), first_seq = self.last_seq + 1, "audit key epoch started");
        Ok((epoch, key))
    }

    /// Appends the records to the chain and commits. A write that recorded nothing is refused:
    /// every write is audited.
    pub async fn commit(mut self) -> Result<Vec<i64>> {
        if self.pending.is_empty() {
            return Err(StoreError::Other("an audited write committed without an audit record".into()));
        }
        if !self.head_taken {
            self.take_head().await?;
        }
        let at = crate::now_text();
        let (epoch, key) = self.epoch_and_key(&at).await?;
        let mut records = Vec::with_capacity(self.pending.len());
        for p in std::mem::take(&mut self.pending) {
            let mut record = AuditRecord {
                seq: self.last_seq + 1,
                at: at.clone(),
                actor_id: p.actor.user_id,
                actor_name: p.actor.name,
                unit_id: p.actor.unit_id,
                subject_unit_id: p.subject_unit_id,
                action: p.action,
                object_type: p.object_type,
                object_id: p.object_id,
                summary: p.summary,
                ip: p.actor.ip,
                prev_hash: self.last_hash.clone(),
                hash: String::new(),
                epoch,
            };
            record.hash = record.compute_keyed_hash(&key);
            self.last_seq = record.seq;
            self.last_hash.clone_from(&record.hash);
            records.push(record);
        }
        if let [record] = records.as_slice()
            && self.postgres
        {
            // The record and the new head in one statement on PostgreSQL: the chain's row lock
            // is held for one round trip less (most writes record one change).
            bind_record(
                sqlx::query(concat!(
                    "WITH appended AS (",
                    insert_record!(),
                    ") UPDATE audit_head SET last_seq = $1, last_hash = $13, epoch = $14, key_id = $15 WHERE id = 1"
                )),
                record,
            )
            .bind(key.id())
            .execute(&mut *self.tx)
            .await?;
        } else {
            for record in &records {
                bind_record(sqlx::query(insert_record!()), record).execute(&mut *self.tx).await?;
            }
            sqlx::query("UPDATE audit_head SET last_seq = $1, last_hash = $2, epoch = $3, key_id = $4 WHERE id = 1")
                .bind(self.last_seq)
                .bind(&self.last_hash)
                .bind(epoch)
                .bind(key.id())
                .execute(&mut *self.tx)
                .await?;
        }
        let seqs = records.iter().map(|r| r.seq).collect();
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

const AUDIT_COLUMNS: &str = "seq, at, actor_id, actor_name, unit_id, subject_unit_id, action, object_type, object_id, summary, ip, prev_hash, hash, epoch";

/// A record as stored: `at` stays the stored text, which its hash covers.
fn record_from_row(r: &sqlx::any::AnyRow) -> Result<AuditRecord> {
    let r = Named::new(r, "audit_log");
    Ok(AuditRecord {
        seq: r.get("seq")?,
        at: r.get("at")?,
        actor_id: r.get("actor_id")?,
        actor_name: r.get("actor_name")?,
        unit_id: r.get("unit_id")?,
        subject_unit_id: r.get("subject_unit_id")?,
        action: r.get("action")?,
        object_type: r.get("object_type")?,
        object_id: r.get("object_id")?,
        summary: r.get("summary")?,
        ip: r.get("ip")?,
        prev_hash: r.get("prev_hash")?,
        hash: r.get("hash")?,
        epoch: r.get("epoch")?,
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
    pub async fn audit_list(&self, f: &AuditFilter, limit: i64, offset: i64) -> Result<Page<AuditRecord>> {
        let total: i64 = filtered("SELECT COUNT(*) AS n", f).query().fetch_one(&self.pool).await?.try_get("n")?;
        let mut q = filtered(&format!("SELECT {AUDIT_COLUMNS}"), f);
        q.push(" ORDER BY seq DESC LIMIT ").bind(limit.clamp(1, 500)).push(" OFFSET ").bind(offset.max(0));
        let rows = q.query().fetch_all(&self.pool).await?;
        let records = rows.iter().map(record_from_row).collect::<Result<_>>()?;
        Ok(Page { items: records, total })
    }

    /// Walks the whole chain in batches with the settings' key ring; `Ok(n)` with the number
    /// of records when intact.
    pub async fn audit_verify(&self) -> Result<Result<i64, ChainBreak>> {
        self.audit_verify_with(&[]).await
    }

    /// The key epochs, oldest first.
    pub async fn audit_epochs(&self) -> Result<Vec<AuditEpoch>> {
        let rows = sqlx::query("SELECT epoch, key_id, first_seq, started_at FROM audit_epochs ORDER BY epoch")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "audit_epochs");
                Ok(AuditEpoch {
                    epoch: r.get("epoch")?,
                    key_id: r.get("key_id")?,
                    first_seq: r.get("first_seq")?,
                    started_at: r.instant("started_at")?,
                })
            })
            .collect()
    }

    /// Verifies the chain and then that each kept checkpoint's record is still in it with the
    /// same hash. A break of the chain is reported before a checkpoint's.
    pub async fn audit_verify_with(&self, checkpoints: &[Checkpoint]) -> Result<Result<i64, ChainBreak>> {
        let ring = self.settings().audit_keys.as_ref().clone();
        let mut verifier = match ChainVerifier::keyed(self.audit_epochs().await?, ring.clone()) {
            Ok(v) => v,
            Err(b) => return Ok(Err(b)),
        };
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
        let head =
            sqlx::query("SELECT last_seq, last_hash, epoch FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        let head_seq: i64 = head.try_get("last_seq")?;
        let head_hash: String = head.try_get("last_hash")?;
        let head_epoch: i64 = head.try_get("epoch")?;
        let mut result = verifier.finish(head_seq, &head_hash, head_epoch);
        let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
        sorted.sort_by_key(|c| c.seq);
        for cp in sorted {
            let row = sqlx::query(&format!("SELECT {AUDIT_COLUMNS} FROM audit_log WHERE seq = $1"))
                .bind(cp.seq)
                .fetch_optional(&self.pool)
                .await?;
            let record = row.as_ref().map(record_from_row).transpose()?;
            if let Err(b) = gongkai_domain::audit::check_checkpoint(cp, record.as_ref(), after, &ring) {
                // A break of the chain below the checkpoint stays the first problem; a missing
                // key only means the chain could not be checked, so the checkpoint's finding wins.
                match &result {
                    Err(ChainBreak::MissingKey { .. }) | Ok(_) => result = Err(b),
                    Err(chain) if chain.seq().is_none_or(|s| s > cp.seq) => result = Err(b),
                    Err(_) => {}
                }
                break;
            }
        }
        Ok(result)
    }

    /// The signed head of the chain now; with `keep`, also stored in the checkpoints table and
    /// logged at info level (so the log shipper carries it off the box).
    pub async fn audit_checkpoint(&self, keep: bool) -> Result<Checkpoint> {
        let head = sqlx::query("SELECT last_seq, last_hash, epoch, key_id FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let (seq, hash, epoch, key_id): (i64, String, i64, String) =
            (head.try_get("last_seq")?, head.try_get("last_hash")?, head.try_get("epoch")?, head.try_get("key_id")?);
        let ring = &self.settings().audit_keys;
        let key = match ring.current() {
            Some(k) if epoch == 0 || k.id() == key_id => k,
            other => return Err(key_mismatch(epoch, &key_id, other)),
        };
        let cp = Checkpoint::sign(seq, &hash, epoch, &crate::now_text(), key);
        if keep {
            sqlx::query(
                "INSERT INTO audit_checkpoints (seq, hash, epoch, key_id, at, public_key, signature) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(cp.seq)
            .bind(&cp.hash)
            .bind(cp.epoch)
            .bind(&cp.key_id)
            .bind(&cp.at)
            .bind(&cp.public_key)
            .bind(&cp.signature)
            .execute(&self.pool)
            .await?;
            tracing::info!(checkpoint = %cp.to_line(), seq = cp.seq, "audit checkpoint");
        }
        Ok(cp)
    }

    /// Records a checkpoint when the head moved since the last one and that one is older than
    /// `min_age` (so several nodes do not each record one per period). Returns it if recorded.
    pub async fn audit_checkpoint_if_due(&self, min_age: chrono::Duration) -> Result<Option<Checkpoint>> {
        let last = sqlx::query("SELECT seq, at FROM audit_checkpoints ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        let head_seq: i64 = sqlx::query("SELECT last_seq FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get("last_seq")?;
        if let Some(row) = last {
            let row = Named::new(&row, "audit_checkpoints");
            let (seq, at): (i64, chrono::DateTime<chrono::Utc>) = (row.get("seq")?, row.instant("at")?);
            let cutoff = chrono::Utc::now() - min_age;
            if seq == head_seq || at > cutoff {
                return Ok(None);
            }
        }
        Ok(Some(self.audit_checkpoint(true).await?))
    }

    /// Checkpoints recorded by the server, newest first.
    pub async fn audit_checkpoints(&self, limit: i64) -> Result<Vec<Checkpoint>> {
        let rows = sqlx::query(
            "SELECT seq, hash, epoch, key_id, at, public_key, signature FROM audit_checkpoints ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    seq: r.try_get("seq")?,
                    hash: r.try_get("hash")?,
                    epoch: r.try_get("epoch")?,
                    key_id: r.try_get("key_id")?,
                    at: r.try_get("at")?,
                    public_key: r.try_get("public_key")?,
                    signature: r.try_get("signature")?,
                })
            })
            .collect()
    }

    /// Starts a new key epoch under `new_key`, with an audit record of the rotation as its
    /// first record. Returns the new epoch. The caller keeps the key files in step.
    pub async fn audit_rotate_key(&self, new_key: AuditKey, actor: Actor) -> Result<i64> {
        let mut w = self.write(actor).await?;
        let (head_epoch, head_key_id) = (w.head_epoch, w.head_key_id.clone());
        if head_epoch > 0 && self.settings().audit_keys.current().map(|k| k.id()) != Some(head_key_id.as_str()) {
            return Err(key_mismatch(head_epoch, &head_key_id, self.settings().audit_keys.current()));
        }
        let summary = format!("轮换审计密钥：新密钥标识 {}（原纪元 {head_epoch}）", new_key.id());
        w.start_epoch(new_key);
        w.record("audit.rotate_key", "audit_key", head_epoch + 1, None, summary);
        w.commit().await?;
        let epoch: i64 =
            sqlx::query("SELECT epoch FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?.try_get("epoch")?;
        Ok(epoch)
    }

    /// At start: refuses a key that is not the key of the chain's current epoch, so a node with
    /// the wrong key stops at once with the reason instead of failing every write.
    pub async fn audit_key_check(&self) -> Result<()> {
        let head = sqlx::query("SELECT epoch, key_id FROM audit_head WHERE id = 1").fetch_one(&self.pool).await?;
        let (epoch, key_id): (i64, String) = (head.try_get("epoch")?, head.try_get("key_id")?);
        let current = self.settings().audit_keys.current();
        match current {
            Some(_) if epoch == 0 => Ok(()),
            Some(k) if k.id() == key_id => Ok(()),
            other => Err(key_mismatch(epoch, &key_id, other)),
        }
    }

    /// Distinct actions seen, for the filter menu of the console.
    pub async fn audit_actions(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT DISTINCT action FROM audit_log ORDER BY action").fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok(r.try_get("action")?)).collect()
    }
}
