//! 政府常务会议公开: meetings with their notice (the checked input as JSON, its kind, number and
//! time as columns to list by) and, after the meeting, the decision on each agenda item with
//! the documents published from it.

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::{DateTime, Utc};
use gongkai_domain::meeting::input::MeetingFields;
use gongkai_domain::meeting::{MeetingKind, MeetingStatus};
use gongkai_domain::time::format_instant;
use sqlx::any::AnyRow;

/// A meeting as stored.
#[derive(Debug, Clone)]
pub struct Meeting {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub fields: MeetingFields,
    pub status: MeetingStatus,
    pub announced_at: Option<DateTime<Utc>>,
    /// When the notice was withdrawn, and why (while it stays withdrawn).
    pub withdrawn: Option<(DateTime<Utc>, String)>,
    pub live_blog_id: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The decision on one agenda item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub id: i64,
    pub meeting_id: i64,
    /// From 1, as the agenda numbers them.
    pub item: u32,
    pub decision: String,
    pub document_ids: Vec<i64>,
}

const SELECT: &str = "SELECT id, unit_id, title, fields, status, announced_at, withdrawn_at, withdrawn_note, \
     live_blog_id, created_at, updated_at FROM meetings";

fn from_row(row: &AnyRow) -> Result<Meeting> {
    let r = Named::new(row, "meetings");
    Ok(Meeting {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        title: r.get("title")?,
        fields: r.json("fields")?,
        status: r.code("status", MeetingStatus::from_code)?,
        announced_at: r.instant_opt("announced_at")?,
        withdrawn: match (r.instant_opt("withdrawn_at")?, r.get::<Option<String>>("withdrawn_note")?) {
            (Some(at), Some(note)) => Some((at, note)),
            _ => None,
        },
        live_blog_id: r.get("live_blog_id")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
    })
}

fn decision_from_row(row: &AnyRow) -> Result<Decision> {
    let r = Named::new(row, "meeting_decisions");
    let item: i64 = r.get("item")?;
    Ok(Decision {
        id: r.get("id")?,
        meeting_id: r.get("meeting_id")?,
        item: u32::try_from(item).map_err(|_| StoreError::Stored {
            table: "meeting_decisions",
            column: "item".into(),
            value: item.to_string(),
        })?,
        decision: r.get("decision")?,
        document_ids: r.json("document_ids")?,
    })
}

fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("meeting json: {e}")))
}

impl Store {
    pub async fn meeting(&self, id: i64) -> Result<Option<Meeting>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Meetings of some units (all when none), the latest first.
    pub async fn meetings_of(&self, units: Option<&[i64]>) -> Result<Vec<Meeting>> {
        let rows = sqlx::query(&format!("{SELECT} ORDER BY held_at DESC, id DESC")).fetch_all(&self.pool).await?;
        let all: Result<Vec<Meeting>> = rows.iter().map(from_row).collect();
        Ok(all?.into_iter().filter(|m| units.is_none_or(|u| u.contains(&m.unit_id))).collect())
    }

    /// Announced meetings (the public list), the latest first.
    pub async fn meetings_announced(&self) -> Result<Vec<Meeting>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE status = 'announced' ORDER BY held_at DESC, id DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }

    /// The decisions of a meeting in agenda order.
    pub async fn meeting_decisions(&self, meeting_id: i64) -> Result<Vec<Decision>> {
        let rows = sqlx::query(
            "SELECT id, meeting_id, item, decision, document_ids FROM meeting_decisions WHERE meeting_id = $1 ORDER BY item",
        )
        .bind(meeting_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(decision_from_row).collect()
    }

    /// The decisions of the meetings `ids`, by meeting and agenda item.
    pub async fn meeting_decisions_of(&self, ids: &[i64]) -> Result<Vec<Decision>> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let mut q = crate::sql::Sql::new(
            "SELECT id, meeting_id, item, decision, document_ids FROM meeting_decisions WHERE meeting_id IN ",
        );
        q.bind_list(ids.iter().copied());
        q.push(" ORDER BY meeting_id, item");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter().map(decision_from_row).collect()
    }

    /// The meetings whose decisions name a document (shown on the document's page).
    pub async fn meetings_citing(&self, document_id: i64) -> Result<Vec<i64>> {
        // Every document page asks: only decisions whose id list holds the number's digits are
        // read (`12` also finds `112`), and the list itself decides.
        let rows = sqlx::query(
            "SELECT id, meeting_id, item, decision, document_ids FROM meeting_decisions WHERE document_ids LIKE $1",
        )
        .bind(format!("%{document_id}%"))
        .fetch_all(&self.pool)
        .await?;
        let mut out: Vec<i64> = Vec::new();
        for row in &rows {
            let d = decision_from_row(row)?;
            if d.document_ids.contains(&document_id) && !out.contains(&d.meeting_id) {
                out.push(d.meeting_id);
            }
        }
        Ok(out)
    }
}

impl Writer {
    pub async fn meeting_current(&mut self, id: i64) -> Result<Meeting> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("会议"))?;
        from_row(&row)
    }

    /// Whether any decision of the meeting is on record.
    pub async fn meeting_decided(&mut self, id: i64) -> Result<bool> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM meeting_decisions WHERE meeting_id = $1")
            .bind(id)
            .fetch_one(self.conn())
            .await?;
        Ok(Named::new(&row, "meeting_decisions").count("n")? > 0)
    }

    /// Whether the unit already has a meeting of this kind and number (other than `except`).
    pub async fn meeting_number_taken(
        &mut self,
        unit_id: i64,
        kind: MeetingKind,
        number: u32,
        except: i64,
    ) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM meetings WHERE unit_id = $1 AND kind = $2 AND number = $3 AND id <> $4",
        )
        .bind(unit_id)
        .bind(kind.code())
        .bind(i64::from(number))
        .bind(except)
        .fetch_one(self.conn())
        .await?;
        Ok(Named::new(&row, "meetings").count("n")? > 0)
    }

    pub async fn meeting_create(&mut self, unit_id: i64, title: &str, f: &MeetingFields) -> Result<i64> {
        let now = crate::now_text();
        let by = self.actor().user_id;
        let row = sqlx::query(
            "INSERT INTO meetings (unit_id, kind, number, title, held_at, fields, status, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(unit_id)
        .bind(f.kind.code())
        .bind(i64::from(f.number))
        .bind(title)
        .bind(format_instant(f.held_at))
        .bind(json(f)?)
        .bind(MeetingStatus::Draft.code())
        .bind(by)
        .bind(&now)
        .fetch_one(self.conn())
        .await?;
        let id: i64 = Named::new(&row, "meetings").get("id")?;
        self.record("meeting.create", "meeting", id, Some(unit_id), format!("起草会议《{title}》"));
        Ok(id)
    }

    pub async fn meeting_update(&mut self, id: i64, unit_id: i64, title: &str, f: &MeetingFields) -> Result<()> {
        sqlx::query(
            "UPDATE meetings SET kind = $1, number = $2, title = $3, held_at = $4, fields = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(f.kind.code())
        .bind(i64::from(f.number))
        .bind(title)
        .bind(format_instant(f.held_at))
        .bind(json(f)?)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record("meeting.update", "meeting", id, Some(unit_id), format!("修改会议《{title}》"));
        Ok(())
    }

    /// Publishes the meeting's notice.
    pub async fn meeting_announce(&mut self, id: i64, unit_id: i64, title: &str) -> Result<()> {
        let now = crate::now_text();
        sqlx::query(
            "UPDATE meetings SET status = $1, announced_at = $2, announced_by = $3, withdrawn_at = NULL, \
             withdrawn_note = NULL, updated_at = $2 WHERE id = $4",
        )
        .bind(MeetingStatus::Announced.code())
        .bind(&now)
        .bind(self.actor().user_id)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record("meeting.announce", "meeting", id, Some(unit_id), format!("发布会议预告《{title}》"));
        Ok(())
    }

    /// Withdraws the meeting's notice: the public no longer sees the meeting.
    pub async fn meeting_withdraw(&mut self, id: i64, unit_id: i64, title: &str, note: &str) -> Result<()> {
        let now = crate::now_text();
        sqlx::query(
            "UPDATE meetings SET status = $1, withdrawn_at = $2, withdrawn_note = $3, updated_at = $2 WHERE id = $4",
        )
        .bind(MeetingStatus::Withdrawn.code())
        .bind(&now)
        .bind(note)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record("meeting.withdraw", "meeting", id, Some(unit_id), format!("撤回会议预告《{title}》：{note}"));
        Ok(())
    }

    /// Links the meeting's live page.
    pub async fn meeting_set_live(&mut self, id: i64, blog_id: i64) -> Result<()> {
        sqlx::query("UPDATE meetings SET live_blog_id = $1, updated_at = $2 WHERE id = $3")
            .bind(blog_id)
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    /// Records (or corrects) the decision on agenda item `item` (from 1).
    pub async fn meeting_decide(&mut self, m: &Meeting, item: u32, decision: &str, document_ids: &[i64]) -> Result<()> {
        let now = crate::now_text();
        let docs = json(&document_ids)?;
        let updated = sqlx::query(
            "UPDATE meeting_decisions SET decision = $1, document_ids = $2, updated_at = $3 WHERE meeting_id = $4 AND item = $5",
        )
        .bind(decision)
        .bind(&docs)
        .bind(&now)
        .bind(m.id)
        .bind(i64::from(item))
        .execute(self.conn())
        .await?
        .rows_affected();
        if updated == 0 {
            sqlx::query(
                "INSERT INTO meeting_decisions (meeting_id, item, decision, document_ids, created_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
            )
            .bind(m.id)
            .bind(i64::from(item))
            .bind(decision)
            .bind(&docs)
            .bind(self.actor().user_id)
            .bind(&now)
            .execute(self.conn())
            .await?;
        }
        self.record(
            "meeting.decide",
            "meeting",
            m.id,
            Some(m.unit_id),
            format!("记录《{}》第 {item} 项议题的决定", m.title),
        );
        Ok(())
    }
}
