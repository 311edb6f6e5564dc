//! 意见征集: each consultation's working copy and published version with its review state,
//! and its adoption feedback (采纳情况反馈), reviewed apart with the same stages. Both copies
//! are the checked input as JSON and are checked again when read.

pub mod concerns;
pub mod opinions;

use crate::audit::Writer;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::Named;
use chrono::{DateTime, Utc};
use gongkai_domain::consultation::input::{ConsultationFields, ConsultationInput};
use gongkai_domain::consultation::report::{Feedback, FeedbackInput};
use gongkai_domain::time::format_instant;
use gongkai_domain::workflow::{Stage, State};
use sqlx::any::AnyRow;

pub use crate::reviewed::Review;
use crate::reviewed::{Step, Table};

/// The adoption feedback of a consultation: its draft summary and, once published, what the
/// public reads.
#[derive(Debug, Clone)]
pub struct Report {
    pub review: Review,
    pub draft: FeedbackInput,
    pub live: Option<Feedback>,
    pub published_at: Option<DateTime<Utc>>,
}

/// A consultation as stored.
#[derive(Debug, Clone)]
pub struct Consultation {
    pub id: i64,
    pub unit_id: i64,
    pub review: Review,
    pub draft: ConsultationFields,
    /// What the public sees; none before the first publication and after withdrawal.
    pub live: Option<ConsultationFields>,
    pub published_at: Option<DateTime<Utc>>,
    pub report: Option<Report>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Consultation {
    pub fn title(&self) -> &str {
        self.live.as_ref().map_or(&self.draft.title, |l| &l.title)
    }

    /// Whether its adoption feedback is public (decisions are then final).
    pub fn report_published(&self) -> bool {
        self.report.as_ref().is_some_and(|r| r.live.is_some())
    }
}

/// The two reviewed parts of a consultation: the record and the feedback, each with its own
/// columns (`report_` before the feedback's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Record,
    Report,
}

impl Part {
    /// The part as a reviewed record: its columns, and its name in the audit.
    fn table(self) -> Table {
        match self {
            Part::Record => Table {
                table: "consultations",
                noun: "consultation",
                action: "consultation",
                prefix: "",
                what: "意见征集",
            },
            Part::Report => Table::named("consultations", "consultation_report").with_prefix("report_"),
        }
    }
}

const SELECT: &str = "SELECT id, unit_id, status, author_id, reviewer_first, reviewer_second, reviewer_final, \
     draft, live, published_at, report_status, report_author_id, report_reviewer_first, report_reviewer_second, \
     report_reviewer_final, report_draft, report_live, report_published_at, created_at, updated_at FROM consultations";

fn stored(column: &str, text: &str) -> StoreError {
    StoreError::Stored { table: "consultations", column: column.into(), value: text.chars().take(200).collect() }
}

/// A stored copy, checked again as it is read.
fn fields(column: &str, text: &str) -> Result<ConsultationFields> {
    let input: ConsultationInput = serde_json::from_str(text).map_err(|_| stored(column, text))?;
    ConsultationFields::parse(&input).map_err(|_| stored(column, text))
}

fn review(r: &Named<'_>, part: Part) -> Result<Review> {
    Review::read(r, part.table().prefix)
}

fn from_row(row: &AnyRow) -> Result<Consultation> {
    let r = Named::new(row, "consultations");
    let draft: String = r.get("draft")?;
    let live: Option<String> = r.get("live")?;
    let report_status: Option<String> = r.get("report_status")?;
    let report = match report_status {
        None => None,
        Some(_) => {
            let draft: Option<String> = r.get("report_draft")?;
            let draft = draft.unwrap_or_default();
            let live: Option<String> = r.get("report_live")?;
            Some(Report {
                review: review(&r, Part::Report)?,
                draft: serde_json::from_str(&draft).map_err(|_| stored("report_draft", &draft))?,
                live: live.map(|l| serde_json::from_str(&l).map_err(|_| stored("report_live", &l))).transpose()?,
                published_at: r.instant_opt("report_published_at")?,
            })
        }
    };
    Ok(Consultation {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        review: review(&r, Part::Record)?,
        draft: fields("draft", &draft)?,
        live: live.map(|l| fields("live", &l)).transpose()?,
        published_at: r.instant_opt("published_at")?,
        report,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
    })
}

fn json(value: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Other(format!("consultation json: {e}")))
}

impl Store {
    pub async fn consultation_by_id(&self, id: i64) -> Result<Option<Consultation>> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(from_row).transpose()
    }

    /// The consultations of some units (all when `units` is none), newest change first.
    pub async fn consultations_of(&self, units: Option<&[i64]>) -> Result<Vec<Consultation>> {
        // A city has tens of consultations a year: filtered here rather than by a list of ids.
        let rows = sqlx::query(&format!("{SELECT} ORDER BY updated_at DESC, id DESC")).fetch_all(&self.pool).await?;
        let all: Result<Vec<Consultation>> = rows.iter().map(from_row).collect();
        Ok(all?.into_iter().filter(|c| units.is_none_or(|u| u.contains(&c.unit_id))).collect())
    }

    /// Every consultation with a published version, the latest to open first.
    pub async fn consultations_live(&self) -> Result<Vec<Consultation>> {
        let rows = sqlx::query(&format!("{SELECT} WHERE live IS NOT NULL ORDER BY opens_at DESC, id DESC"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(from_row).collect()
    }
}

impl Writer {
    /// The consultation as it stands inside this transaction.
    pub async fn consultation_current(&mut self, id: i64) -> Result<Consultation> {
        let row = sqlx::query(&format!("{SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.conn())
            .await?
            .ok_or(StoreError::NotFound("意见征集"))?;
        from_row(&row)
    }

    pub async fn consultation_create(&mut self, unit_id: i64, f: &ConsultationFields, author: i64) -> Result<i64> {
        let now = crate::now_text();
        let id: i64 = sqlx::query(
            "INSERT INTO consultations (unit_id, status, author_id, title, draft, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(unit_id)
        .bind(State::Draft.code())
        .bind(author)
        .bind(&f.title)
        .bind(json(&f.to_input(None))?)
        .bind(&now)
        .fetch_one(self.conn())
        .await
        .map(|row| Named::new(&row, "consultations").get::<i64>("id"))??;
        self.record("consultation.create", "consultation", id, Some(unit_id), format!("起草意见征集《{}》", f.title));
        Ok(id)
    }

    /// Saves the working copy.
    pub async fn consultation_update(&mut self, id: i64, f: &ConsultationFields) -> Result<()> {
        let old = self.consultation_current(id).await?;
        sqlx::query("UPDATE consultations SET draft = $1, updated_at = $2 WHERE id = $3")
            .bind(json(&f.to_input(None))?)
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record(
            "consultation.update",
            "consultation",
            id,
            Some(old.unit_id),
            format!("修改意见征集《{}》", f.title),
        );
        Ok(())
    }

    /// Moves a part's working copy to `status`: `author` starts a revision (submit or revise),
    /// `reviewer` approves a stage; every review is cleared when it goes back to draft.
    pub async fn consultation_set_status(
        &mut self,
        id: i64,
        part: Part,
        status: State,
        author: Option<i64>,
        reviewer: Option<(Stage, i64)>,
        summary: String,
    ) -> Result<()> {
        let old = self.consultation_current(id).await?;
        let before = match part {
            Part::Record => old.review.clone(),
            Part::Report => {
                old.report.as_ref().map(|r| r.review.clone()).ok_or(StoreError::NotFound("采纳情况反馈"))?
            }
        };
        let step = Step { status, author, reviewer, summary };
        self.reviewed_set_status(part.table(), id, old.unit_id, &before, step).await
    }

    /// Publishes the record's working copy: from now on the public sees it, and it opens
    /// and closes at its times.
    pub async fn consultation_publish(&mut self, id: i64) -> Result<()> {
        let old = self.consultation_current(id).await?;
        let now = crate::now_text();
        sqlx::query(
            "UPDATE consultations SET live = draft, title = $1, status = $2, opens_at = $3, closes_at = $4, \
             published_at = COALESCE(published_at, $5), updated_at = $5 WHERE id = $6",
        )
        .bind(&old.draft.title)
        .bind(State::Published.code())
        .bind(format_instant(old.draft.opens_at))
        .bind(format_instant(old.draft.closes_at))
        .bind(&now)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(
            "consultation.publish",
            "consultation",
            id,
            Some(old.unit_id),
            format!("发布意见征集《{}》", old.draft.title),
        );
        Ok(())
    }

    /// Drops a revision: the working copy is the published version again.
    pub async fn consultation_discard(&mut self, id: i64) -> Result<()> {
        let old = self.consultation_current(id).await?;
        self.reviewed_discard(Part::Record.table(), id, old.unit_id, old.title()).await
    }

    /// Takes the consultation down: the public no longer sees it nor can give opinions.
    pub async fn consultation_withdraw(&mut self, id: i64, note: &str) -> Result<()> {
        let old = self.consultation_current(id).await?;
        self.reviewed_withdraw(Part::Record.table(), id, old.unit_id, old.title(), note).await
    }

    /// Saves the feedback's draft summary (starting the feedback as a draft by `author`).
    pub async fn consultation_report_save(&mut self, id: i64, input: &FeedbackInput, author: i64) -> Result<()> {
        let old = self.consultation_current(id).await?;
        sqlx::query(
            "UPDATE consultations SET report_draft = $1, report_status = COALESCE(report_status, $2), \
             report_author_id = COALESCE(report_author_id, $3), updated_at = $4 WHERE id = $5",
        )
        .bind(json(input)?)
        .bind(State::Draft.code())
        .bind(author)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(
            "consultation_report.update",
            "consultation_report",
            id,
            Some(old.unit_id),
            format!("修改《{}》的采纳情况反馈", old.title()),
        );
        Ok(())
    }

    /// Publishes the feedback with the figures and main opinions of this moment.
    pub async fn consultation_report_publish(&mut self, id: i64, live: &Feedback) -> Result<()> {
        let old = self.consultation_current(id).await?;
        let now = crate::now_text();
        sqlx::query(
            "UPDATE consultations SET report_live = $1, report_status = $2, report_published_at = $3, updated_at = $3 WHERE id = $4",
        )
        .bind(json(live)?)
        .bind(State::Published.code())
        .bind(&now)
        .bind(id)
        .execute(self.conn())
        .await?;
        self.record(
            "consultation_report.publish",
            "consultation_report",
            id,
            Some(old.unit_id),
            format!("发布《{}》的采纳情况反馈（意见 {} 条）", old.title(), live.figures.total),
        );
        Ok(())
    }
}
