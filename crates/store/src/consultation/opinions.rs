//! Opinions, their groups and the LSH index that groups them, and the forwards of groups to
//! the units that answer them.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::{Named, Page};
use crate::sql::Sql;
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::consultation::handling::{ForwardState, OpinionStatus};
use gongkai_domain::consultation::input::OpinionFields;
use gongkai_domain::consultation::report::{Counted, ReportFigures};
use gongkai_domain::consultation::{Channel, Decision, HideReason};
use sqlx::any::AnyRow;

/// An opinion as stored. `text`, `name` and `contact` are for the staff handling it only.
#[derive(Debug, Clone)]
pub struct Opinion {
    pub id: i64,
    pub consultation_id: i64,
    pub receipt_no: String,
    pub code_hash: Option<String>,
    pub channel: Channel,
    pub partner_id: Option<i64>,
    pub entered_by: Option<i64>,
    pub received_on: NaiveDate,
    pub question: u32,
    pub text: String,
    pub public_text: String,
    pub topic: Option<String>,
    pub district: Option<String>,
    pub name: String,
    pub contact: String,
    pub passage: Option<String>,
    pub passage_at: Option<i64>,
    pub status: OpinionStatus,
    pub hide_reason: Option<HideReason>,
    pub group_id: Option<i64>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// The columns of an opinion as `opinion_from_row` reads them.
macro_rules! opinion_columns {
    () => {
        "id, consultation_id, receipt_no, code_hash, channel, partner_id, entered_by, \
         received_on, question, text, public_text, topic, district, name, contact, passage, passage_at, status, \
         hide_reason, group_id, tags, created_at"
    };
}
const OPINION_SELECT: &str = concat!("SELECT ", opinion_columns!(), " FROM opinions");

fn tags(raw: &str) -> Vec<String> {
    raw.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

fn opinion_from_row(row: &AnyRow) -> Result<Opinion> {
    let r = Named::new(row, "opinions");
    let question: i64 = r.get("question")?;
    let raw_tags: String = r.get("tags")?;
    Ok(Opinion {
        id: r.get("id")?,
        consultation_id: r.get("consultation_id")?,
        receipt_no: r.get("receipt_no")?,
        code_hash: r.get("code_hash")?,
        channel: r.code("channel", Channel::from_code)?,
        partner_id: r.get("partner_id")?,
        entered_by: r.get("entered_by")?,
        received_on: r.date("received_on")?,
        question: u32::try_from(question).unwrap_or(1),
        text: r.get("text")?,
        public_text: r.get("public_text")?,
        topic: r.get("topic")?,
        district: r.get("district")?,
        name: r.get("name")?,
        contact: r.get("contact")?,
        passage: r.get("passage")?,
        passage_at: r.get("passage_at")?,
        status: r.code("status", OpinionStatus::from_code)?,
        hide_reason: r.code_opt("hide_reason", HideReason::from_code)?,
        group_id: r.get("group_id")?,
        tags: tags(&raw_tags),
        created_at: r.instant("created_at")?,
    })
}

/// A group of similar opinions and how it ended.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: i64,
    pub consultation_id: i64,
    pub representative_id: Option<i64>,
    pub size: u64,
    pub tags: Vec<String>,
    pub decision: Option<Decision>,
    pub reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The masked text of its first opinion.
    pub text: String,
}

const GROUP_SELECT: &str = "SELECT g.id, g.consultation_id, g.representative_id, g.size, g.tags, g.decision, g.reason, \
     g.decided_at, COALESCE(o.public_text, '') AS text FROM opinion_groups g \
     LEFT JOIN opinions o ON o.id = g.representative_id";

fn group_from_row(row: &AnyRow) -> Result<Group> {
    let r = Named::new(row, "opinion_groups");
    let raw_tags: String = r.get("tags")?;
    Ok(Group {
        id: r.get("id")?,
        consultation_id: r.get("consultation_id")?,
        representative_id: r.get("representative_id")?,
        size: r.count("size")?,
        tags: tags(&raw_tags),
        decision: r.code_opt("decision", Decision::from_code)?,
        reason: r.get("reason")?,
        decided_at: r.instant_opt("decided_at")?,
        text: r.get("text")?,
    })
}

/// A forward of a group to a unit.
#[derive(Debug, Clone)]
pub struct Forward {
    pub id: i64,
    pub consultation_id: i64,
    pub group_id: i64,
    pub unit_id: i64,
    pub state: ForwardState,
    pub note: String,
    pub due_on: NaiveDate,
    pub answer: Option<String>,
    pub answered_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

const FORWARD_SELECT: &str = "SELECT id, consultation_id, group_id, unit_id, state, note, due_on, answer, answered_on, \
     created_at FROM opinion_forwards";

fn forward_from_row(row: &AnyRow) -> Result<Forward> {
    let r = Named::new(row, "opinion_forwards");
    Ok(Forward {
        id: r.get("id")?,
        consultation_id: r.get("consultation_id")?,
        group_id: r.get("group_id")?,
        unit_id: r.get("unit_id")?,
        state: r.code("state", ForwardState::from_code)?,
        note: r.get("note")?,
        due_on: r.date("due_on")?,
        answer: r.get("answer")?,
        answered_on: r.date_opt("answered_on")?,
        created_at: r.instant("created_at")?,
    })
}

/// Where a new opinion came from and who entered it.
#[derive(Debug, Clone)]
pub struct NewOpinion<'a> {
    pub consultation_id: i64,
    pub channel: Channel,
    pub partner_id: Option<i64>,
    pub entered_by: Option<i64>,
    pub received_on: NaiveDate,
    pub fields: &'a OpinionFields,
}

/// An earlier opinion sharing a band with a new one: to be verified on its text.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    pub group_id: Option<i64>,
    pub text: String,
}

/// Which opinions a list shows.
#[derive(Debug, Clone, Default)]
pub struct OpinionFilter {
    pub status: Option<OpinionStatus>,
    pub group_id: Option<i64>,
    pub topic: Option<String>,
    pub channel: Option<Channel>,
    /// Only opinions on a passage starting in these characters of the draft (from, to).
    pub passage_within: Option<(i64, i64)>,
}

/// The opinions that count in the figures: all but those hidden as spam or as repeated
/// submissions.
const COUNTED: &str = "(o.status <> 'hidden' OR o.hide_reason NOT IN ('spam', 'duplicate'))";

impl Store {
    /// The earlier opinions of the consultation sharing a band key with `bands`: per band the
    /// newest `per_band`, read backwards along the primary key (a popular text has thousands
    /// of copies, all in one group, and the newest few tell which), with their texts.
    pub async fn opinion_candidates(
        &self,
        consultation_id: i64,
        bands: &[i64],
        per_band: i64,
    ) -> Result<Vec<Candidate>> {
        if bands.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new("SELECT o.id, o.group_id, o.text FROM opinions o WHERE o.id IN (");
        for (band, key) in bands.iter().enumerate() {
            if band > 0 {
                q.push(" UNION ");
            }
            q.push("SELECT opinion_id FROM (SELECT opinion_id FROM opinion_bands WHERE consultation_id = ")
                .bind(consultation_id)
                .push(" AND band = ")
                .bind(band as i64)
                .push(" AND band_key = ")
                .bind(*key)
                .push(" ORDER BY opinion_id DESC LIMIT ")
                .bind(per_band)
                .push(&format!(") b{band}"));
        }
        q.push(") ORDER BY o.id DESC");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|row| {
                let r = Named::new(row, "opinions");
                Ok(Candidate { id: r.get("id")?, group_id: r.get("group_id")?, text: r.get("text")? })
            })
            .collect()
    }

    /// Where in the draft the published opinions on passages start (characters), for the
    /// counts beside each paragraph.
    pub async fn opinion_passage_starts(&self, consultation_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query(
            "SELECT passage_at FROM opinions WHERE consultation_id = $1 AND status = 'published' AND passage_at IS NOT NULL",
        )
        .bind(consultation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Named::new(r, "opinions").get("passage_at")).collect()
    }

    /// The newest `limit` published opinions on passages of the draft.
    pub async fn opinions_on_passages(&self, consultation_id: i64, limit: i64) -> Result<Vec<Opinion>> {
        let rows = sqlx::query(&format!(
            "{OPINION_SELECT} WHERE consultation_id = $1 AND status = 'published' AND passage_at IS NOT NULL ORDER BY id DESC LIMIT $2"
        ))
        .bind(consultation_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(opinion_from_row).collect()
    }

    pub async fn opinion(&self, id: i64) -> Result<Option<Opinion>> {
        let row = sqlx::query(&format!("{OPINION_SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(opinion_from_row).transpose()
    }

    pub async fn opinion_by_receipt(&self, receipt_no: &str) -> Result<Option<Opinion>> {
        let row = sqlx::query(&format!("{OPINION_SELECT} WHERE receipt_no = $1"))
            .bind(receipt_no)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(opinion_from_row).transpose()
    }

    /// One page of a consultation's opinions, newest first.
    pub async fn opinions_page(
        &self,
        consultation_id: i64,
        f: &OpinionFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Opinion>> {
        let build = |head: &str| {
            let mut q = Sql::new(head);
            q.push(" WHERE consultation_id = ").bind(consultation_id);
            if let Some(s) = f.status {
                q.push(" AND status = ").bind(s.code());
            }
            if let Some(g) = f.group_id {
                q.push(" AND group_id = ").bind(g);
            }
            match f.topic.as_deref() {
                // The figures' key of opinions without a topic.
                Some(gongkai_domain::consultation::report::NO_TOPIC) => {
                    q.push(" AND topic IS NULL");
                }
                Some(t) => {
                    q.push(" AND topic = ").bind(t);
                }
                None => {}
            }
            if let Some(c) = f.channel {
                q.push(" AND channel = ").bind(c.code());
            }
            if let Some((from, to)) = f.passage_within {
                q.push(" AND passage_at >= ").bind(from).push(" AND passage_at < ").bind(to);
            }
            q
        };
        let count = build("SELECT COUNT(*) AS n FROM opinions");
        let total: i64 = Named::new(&count.query().fetch_one(&self.pool).await?, "opinions").get("n")?;
        let mut list = build(OPINION_SELECT);
        list.push(" ORDER BY id DESC LIMIT ").bind(limit).push(" OFFSET ").bind(offset);
        let rows = list.query().fetch_all(&self.pool).await?;
        Ok(Page { items: rows.iter().map(opinion_from_row).collect::<Result<_>>()?, total })
    }

    /// How many published opinions each topic has (none: no topic given).
    pub async fn opinion_topic_counts(&self, consultation_id: i64) -> Result<Vec<(Option<String>, u64)>> {
        let rows = sqlx::query(
            "SELECT topic, COUNT(*) AS n FROM opinions WHERE consultation_id = $1 AND status = 'published' \
             GROUP BY topic ORDER BY n DESC, topic",
        )
        .bind(consultation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let r = Named::new(row, "opinions");
                Ok((r.get("topic")?, r.count("n")?))
            })
            .collect()
    }

    /// The figures of a consultation's opinions as they stand, counted by the database.
    pub async fn consultation_figures(&self, consultation_id: i64) -> Result<ReportFigures> {
        let rows = sqlx::query(&format!(
            "SELECT o.channel, o.topic, o.district, g.decision, COUNT(*) AS n FROM opinions o \
             LEFT JOIN opinion_groups g ON g.id = o.group_id WHERE o.consultation_id = $1 AND {COUNTED} \
             GROUP BY o.channel, o.topic, o.district, g.decision"
        ))
        .bind(consultation_id)
        .fetch_all(&self.pool)
        .await?;
        let mut counted = Vec::with_capacity(rows.len());
        for row in &rows {
            let r = Named::new(row, "opinions");
            let (channel, topic, district, decision): (String, Option<String>, Option<String>, Option<String>) =
                (r.get("channel")?, r.get("topic")?, r.get("district")?, r.get("decision")?);
            counted.push((channel, topic, district, decision, r.count("n")?));
        }
        let groups = sqlx::query(&format!(
            "SELECT COUNT(DISTINCT o.group_id) AS n FROM opinions o WHERE o.consultation_id = $1 AND {COUNTED}"
        ))
        .bind(consultation_id)
        .fetch_one(&self.pool)
        .await?;
        let groups = Named::new(&groups, "opinions").count("n")?;
        Ok(ReportFigures::of_counts(
            counted.iter().map(|(c, t, d, dec, n)| {
                (Counted { channel: c, topic: t.as_deref(), district: d.as_deref(), decision: dec.as_deref() }, *n)
            }),
            groups,
        ))
    }

    pub async fn opinion_group(&self, id: i64) -> Result<Option<Group>> {
        let row = sqlx::query(&format!("{GROUP_SELECT} WHERE g.id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(group_from_row).transpose()
    }

    /// The groups with these ids, in one statement (unknown ids are left out).
    pub async fn opinion_groups_by_ids(&self, ids: &[i64]) -> Result<Vec<Group>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(&format!("{GROUP_SELECT} WHERE g.id IN "));
        q.bind_list(ids.iter().copied());
        q.query().fetch_all(&self.pool).await?.iter().map(group_from_row).collect()
    }

    /// One page of a consultation's groups, the largest first; `open_only`: undecided ones.
    pub async fn opinion_groups_page(
        &self,
        consultation_id: i64,
        open_only: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Group>> {
        let open = if open_only { " AND g.decision IS NULL" } else { "" };
        let total = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM opinion_groups g WHERE g.consultation_id = $1 AND g.size > 0{open}"
        ))
        .bind(consultation_id)
        .fetch_one(&self.pool)
        .await?;
        let total: i64 = Named::new(&total, "opinion_groups").get("n")?;
        let rows = sqlx::query(&format!(
            "{GROUP_SELECT} WHERE g.consultation_id = $1 AND g.size > 0{open} ORDER BY g.size DESC, g.id LIMIT $2 OFFSET $3"
        ))
        .bind(consultation_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page { items: rows.iter().map(group_from_row).collect::<Result<_>>()?, total })
    }

    pub async fn opinion_forward(&self, id: i64) -> Result<Option<Forward>> {
        let row = sqlx::query(&format!("{FORWARD_SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(forward_from_row).transpose()
    }

    pub async fn opinion_forwards_of_group(&self, group_id: i64) -> Result<Vec<Forward>> {
        let rows = sqlx::query(&format!("{FORWARD_SELECT} WHERE group_id = $1 ORDER BY id"))
            .bind(group_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(forward_from_row).collect()
    }

    /// The forwards of a consultation's groups, each group's in order (one query for a page
    /// of groups).
    pub async fn opinion_forwards_of_consultation(&self, consultation_id: i64) -> Result<Vec<Forward>> {
        let rows = sqlx::query(&format!("{FORWARD_SELECT} WHERE consultation_id = $1 ORDER BY group_id, id"))
            .bind(consultation_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(forward_from_row).collect()
    }

    /// The forwards to some units (all when none), waiting ones first by due date.
    pub async fn opinion_forwards_to(&self, units: Option<&[i64]>, waiting_only: bool) -> Result<Vec<Forward>> {
        let mut q = Sql::new(FORWARD_SELECT);
        q.push(" WHERE 1 = 1");
        if waiting_only {
            q.push(" AND state = ").bind(ForwardState::Sent.code());
        }
        if let Some(units) = units {
            if units.is_empty() {
                return Ok(Vec::new());
            }
            q.push(" AND unit_id IN ").bind_list(units.iter().copied());
        }
        q.push(" ORDER BY CASE WHEN state = 'sent' THEN 0 ELSE 1 END, due_on, id");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter().map(forward_from_row).collect()
    }
}

impl Writer {
    /// Stores a new opinion in `group` (when that group still stands; a new group otherwise)
    /// with its LSH bands, as stored; `None` when the receipt number is taken (the caller draws
    /// another).
    /// Made for [`Store::write_appending`](crate::Store::write_appending): the first statement
    /// is a write, and a group emptied by a merge meanwhile is never joined (the merge empties
    /// the group before it moves the opinions, so either it waits for this write and moves its
    /// opinion too, or this write waits for it and starts a group of its own).
    pub async fn opinion_insert(
        &mut self,
        new: &NewOpinion<'_>,
        receipt_no: &str,
        code_hash: Option<&str>,
        bands: &[i64],
        group: Option<i64>,
    ) -> Result<Option<Opinion>> {
        let now = crate::now_text();
        let joined = match group {
            None => None,
            Some(g) => {
                let n = sqlx::query(
                    "UPDATE opinion_groups SET size = size + 1, updated_at = $1 \
                     WHERE id = $2 AND consultation_id = $3 AND representative_id IS NOT NULL",
                )
                .bind(&now)
                .bind(g)
                .bind(new.consultation_id)
                .execute(self.conn())
                .await?
                .rows_affected();
                (n == 1).then_some(g)
            }
        };
        let f = new.fields;
        let (passage, passage_at) = match &f.passage {
            Some((p, at)) => (Some(p.as_str()), Some(i64::try_from(*at).unwrap_or(i64::MAX))),
            None => (None, None),
        };
        let row = sqlx::query(concat!(
            "INSERT INTO opinions (consultation_id, receipt_no, code_hash, channel, partner_id, entered_by, received_on, \
             question, text, public_text, topic, district, name, contact, passage, passage_at, status, group_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19) \
             ON CONFLICT (receipt_no) DO NOTHING RETURNING ",
            opinion_columns!()
        ))
        .bind(new.consultation_id)
        .bind(receipt_no)
        .bind(code_hash)
        .bind(new.channel.code())
        .bind(new.partner_id)
        .bind(new.entered_by)
        .bind(new.received_on.to_string())
        .bind(i64::from(f.question))
        .bind(&f.text)
        .bind(&f.public_text)
        .bind(f.topic.as_deref())
        .bind(f.district.as_deref())
        .bind(&f.name)
        .bind(&f.contact)
        .bind(passage)
        .bind(passage_at)
        .bind(OpinionStatus::Pending.code())
        .bind(joined)
        .bind(&now)
        .fetch_optional(self.conn())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let mut opinion = opinion_from_row(&row)?;
        let id = opinion.id;
        if !bands.is_empty() {
            // One statement for all the bands: the write holds the database's lock briefly.
            let mut q = Sql::new("INSERT INTO opinion_bands (consultation_id, band, band_key, opinion_id) VALUES ");
            for (band, key) in bands.iter().enumerate() {
                if band > 0 {
                    q.push(", ");
                }
                q.push("(")
                    .bind(new.consultation_id)
                    .push(", ")
                    .bind(band as i64)
                    .push(", ")
                    .bind(*key)
                    .push(", ")
                    .bind(id)
                    .push(")");
            }
            q.query().execute(self.conn()).await?;
        }
        if joined.is_none() {
            let g: i64 = sqlx::query(
                "INSERT INTO opinion_groups (consultation_id, representative_id, size, created_at, updated_at) \
                 VALUES ($1, $2, 1, $3, $3) RETURNING id",
            )
            .bind(new.consultation_id)
            .bind(id)
            .bind(&now)
            .fetch_one(self.conn())
            .await
            .map(|row| Named::new(&row, "opinion_groups").get::<i64>("id"))??;
            sqlx::query("UPDATE opinions SET group_id = $1 WHERE id = $2")
                .bind(g)
                .bind(id)
                .execute(self.conn())
                .await?;
            opinion.group_id = Some(g);
        }
        self.record("opinion.create", "opinion", id, None, format!("收到意见 {receipt_no}（{}）", new.channel.label()));
        Ok(Some(opinion))
    }

    /// Puts an opinion in a group (a new one when `group_id` is none), keeping the sizes.
    pub async fn opinion_set_group(&mut self, opinion_id: i64, group_id: Option<i64>) -> Result<i64> {
        let old = sqlx::query("SELECT consultation_id, group_id FROM opinions WHERE id = $1")
            .bind(opinion_id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("意见"))?;
        let r = Named::new(&old, "opinions");
        let (consultation_id, before): (i64, Option<i64>) = (r.get("consultation_id")?, r.get("group_id")?);
        let now = crate::now_text();
        let group_id = match group_id {
            Some(g) => g,
            None => sqlx::query(
                "INSERT INTO opinion_groups (consultation_id, representative_id, size, created_at, updated_at) \
                 VALUES ($1, $2, 0, $3, $3) RETURNING id",
            )
            .bind(consultation_id)
            .bind(opinion_id)
            .bind(&now)
            .fetch_one(self.conn())
            .await
            .map(|row| Named::new(&row, "opinion_groups").get::<i64>("id"))??,
        };
        if before == Some(group_id) {
            return Ok(group_id);
        }
        sqlx::query("UPDATE opinions SET group_id = $1, updated_at = $2 WHERE id = $3")
            .bind(group_id)
            .bind(&now)
            .bind(opinion_id)
            .execute(self.conn())
            .await?;
        sqlx::query("UPDATE opinion_groups SET size = size + 1, updated_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(group_id)
            .execute(self.conn())
            .await?;
        if let Some(b) = before {
            self.group_shrunk(b, &now).await?;
        }
        Ok(group_id)
    }

    /// One fewer in the group; its first opinion is the earliest left.
    async fn group_shrunk(&mut self, group_id: i64, now: &str) -> Result<()> {
        sqlx::query(
            "UPDATE opinion_groups SET size = size - 1, representative_id = \
             (SELECT MIN(id) FROM opinions WHERE group_id = $1), updated_at = $2 WHERE id = $1",
        )
        .bind(group_id)
        .bind(now)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Moves every opinion and forward of group `from` into `into`; `from` is left empty.
    pub async fn opinion_groups_merge(&mut self, into: i64, from: i64) -> Result<u64> {
        let now = crate::now_text();
        // Emptied first: an opinion joining `from` at this moment (its write holds the group's
        // row) is waited for and moved below; one arriving later sees the group emptied and
        // starts its own.
        sqlx::query("UPDATE opinion_groups SET size = 0, representative_id = NULL, updated_at = $1 WHERE id = $2")
            .bind(&now)
            .bind(from)
            .execute(self.conn())
            .await?;
        let moved = sqlx::query("UPDATE opinions SET group_id = $1, updated_at = $2 WHERE group_id = $3")
            .bind(into)
            .bind(&now)
            .bind(from)
            .execute(self.conn())
            .await?
            .rows_affected();
        sqlx::query("UPDATE opinion_forwards SET group_id = $1, updated_at = $2 WHERE group_id = $3")
            .bind(into)
            .bind(&now)
            .bind(from)
            .execute(self.conn())
            .await?;
        let moved_i = i64::try_from(moved).unwrap_or(i64::MAX);
        sqlx::query("UPDATE opinion_groups SET size = size + $1, updated_at = $2 WHERE id = $3")
            .bind(moved_i)
            .bind(&now)
            .bind(into)
            .execute(self.conn())
            .await?;
        Ok(moved)
    }

    pub async fn opinion_group_current(&mut self, id: i64) -> Result<Group> {
        let row = sqlx::query(&format!("{GROUP_SELECT} WHERE g.id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("意见组"))?;
        group_from_row(&row)
    }

    pub async fn opinion_current(&mut self, id: i64) -> Result<Opinion> {
        let row = sqlx::query(&format!("{OPINION_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("意见"))?;
        opinion_from_row(&row)
    }

    /// Records a moderation step's outcome.
    pub async fn opinion_moderate(
        &mut self,
        id: i64,
        status: OpinionStatus,
        reason: Option<HideReason>,
        by: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE opinions SET status = $1, hide_reason = $2, moderated_by = $3, updated_at = $4 WHERE id = $5",
        )
        .bind(status.code())
        .bind(reason.map(HideReason::code))
        .bind(by)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Sets the tags of an opinion or (`group`) of a group.
    pub async fn opinion_tags_set(&mut self, group: bool, id: i64, tags: &[String]) -> Result<()> {
        let table = if group { "opinion_groups" } else { "opinions" };
        sqlx::query(&format!("UPDATE {table} SET tags = $1, updated_at = $2 WHERE id = $3"))
            .bind(tags.join(","))
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn opinion_group_decide(&mut self, id: i64, decision: Decision, reason: &str, by: i64) -> Result<()> {
        let now = crate::now_text();
        sqlx::query(
            "UPDATE opinion_groups SET decision = $1, reason = $2, decided_by = $3, decided_at = $4, updated_at = $4 WHERE id = $5",
        )
        .bind(decision.code())
        .bind(reason)
        .bind(by)
        .bind(&now)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn opinion_forward_create(
        &mut self,
        group: &Group,
        unit_id: i64,
        note: &str,
        due_on: NaiveDate,
        by: i64,
    ) -> Result<i64> {
        let now = crate::now_text();
        let id = sqlx::query(
            "INSERT INTO opinion_forwards (consultation_id, group_id, unit_id, state, note, due_on, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
        )
        .bind(group.consultation_id)
        .bind(group.id)
        .bind(unit_id)
        .bind(ForwardState::Sent.code())
        .bind(note)
        .bind(due_on.to_string())
        .bind(by)
        .bind(&now)
        .fetch_one(self.conn())
        .await
        .map(|row| Named::new(&row, "opinion_forwards").get::<i64>("id"))??;
        Ok(id)
    }

    pub async fn opinion_forward_current(&mut self, id: i64) -> Result<Forward> {
        let row = sqlx::query(&format!("{FORWARD_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("转办件"))?;
        forward_from_row(&row)
    }

    /// A forward's new state; an answer is kept with who gave it and when, and a return
    /// sets a new due date.
    pub async fn opinion_forward_set(
        &mut self,
        id: i64,
        state: ForwardState,
        answer: Option<(&str, i64, NaiveDate)>,
        due_on: Option<NaiveDate>,
    ) -> Result<()> {
        let (text, by, on) = match answer {
            Some((t, b, o)) => (Some(t), Some(b), Some(o.to_string())),
            None => (None, None, None),
        };
        sqlx::query(
            "UPDATE opinion_forwards SET state = $1, answer = COALESCE($2, answer), answered_by = COALESCE($3, answered_by), \
             answered_on = COALESCE($4, answered_on), due_on = COALESCE($5, due_on), updated_at = $6 WHERE id = $7",
        )
        .bind(state.code())
        .bind(text)
        .bind(by)
        .bind(on)
        .bind(due_on.map(|d| d.to_string()))
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
