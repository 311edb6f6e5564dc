//! The review workflow of a document (编辑 → 初审 → 复审 → 终审 → 发布, with 退回, 修订, 撤稿):
//! which step fits is `gongkai_domain::workflow::next` (with the separation of reviewers);
//! this applies a step inside the caller's transaction — the approvals, the review record,
//! publication with its 索引号 and version, withdrawal — and writes its audit record.

use crate::Error;
use chrono::{DateTime, Utc};
use gongkai_domain::documents::Withdrawal;
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::{self, Event, Stage, State};
use gongkai_store::Writer;
use gongkai_store::documents::Document;

/// What a member of staff (or the scheduler) does to a document.
#[derive(Debug, Clone)]
pub enum DocAction {
    Submit,
    Approve { checks_clear: bool, override_reason: String },
    Reject { comment: String },
    PublishDue,
    Revise,
    Discard,
    Withdraw { reason: Withdrawal, note: String, replacement: Option<i64> },
}

impl DocAction {
    /// The workflow's event for this action on `doc` at `now` (an approval at 终审 of a
    /// document with a publication time still to come schedules it).
    fn event(&self, doc: &Document, now: DateTime<Utc>) -> Event {
        match self {
            DocAction::Submit => Event::Submit,
            DocAction::Approve { checks_clear, override_reason } => Event::Approve {
                checks_clear: *checks_clear || !override_reason.trim().is_empty(),
                publish_later: doc.publish_at.is_some_and(|at| at > now),
            },
            DocAction::Reject { .. } => Event::Reject,
            DocAction::PublishDue => Event::PublishDue,
            DocAction::Revise => Event::Revise,
            DocAction::Discard => Event::Discard,
            DocAction::Withdraw { .. } => Event::Withdraw,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            DocAction::Submit => "submit",
            DocAction::Approve { .. } => "approve",
            DocAction::Reject { .. } => "reject",
            DocAction::PublishDue => "publish_due",
            DocAction::Revise => "revise",
            DocAction::Discard => "discard",
            DocAction::Withdraw { .. } => "withdraw",
        }
    }
}

/// Applies `action` to document `id` in the transaction `w`, by `actor` (the member of staff,
/// for the separation of reviewers; `None` for the scheduler), at `now`. Returns the document
/// as it then stands; the caller commits.
pub async fn apply(
    w: &mut Writer,
    id: i64,
    action: &DocAction,
    actor: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Document, Error> {
    let doc = w.document_current(id).await?;
    let event = action.event(&doc, now);
    let next = workflow::next(doc.status, event, actor.unwrap_or(0), &doc.facts())
        .map_err(|e| Error::Invalid(Invalid::one("action", "操作", e)))?;
    let stage_of = |s: State| match s {
        State::InReview(stage) => Some(stage),
        _ => None,
    };
    let mut summary = format!("《{}》：{} → {}", doc.title, doc.status.label(), next.label());
    match action {
        DocAction::Approve { override_reason, .. } => {
            let stage = stage_of(doc.status).unwrap_or(Stage::Final);
            w.document_set_reviewer(id, stage, actor).await?;
            let reason = override_reason.trim();
            if !reason.is_empty() {
                w.document_set_checks_override(id, reason).await?;
                summary.push_str(&format!("；忽略发布前检查问题，理由：{reason}"));
            }
            let decision = if reason.is_empty() { "approve" } else { "approve_override" };
            w.document_review_decision(id, stage.label(), decision, actor, reason, now).await?;
        }
        DocAction::Reject { comment } => {
            let stage = stage_of(doc.status).map(|s| s.label()).unwrap_or("定时发布");
            w.document_clear_reviews(id).await?;
            w.document_review_decision(id, stage, "reject", actor, comment, now).await?;
            summary.push_str(&format!("；退回意见：{comment}"));
        }
        DocAction::Revise => w.document_open_revision(id, actor).await?,
        DocAction::Discard => w.document_discard_revision(&doc).await?,
        DocAction::Withdraw { reason, note, replacement } => {
            if *reason == Withdrawal::Replaced && replacement.is_none() {
                return Err(Invalid::one("replacement", "替代文件", "“已被替代”须指明替代它的文件").into());
            }
            w.document_withdraw(id, *reason, note, *replacement, now).await?;
            summary.push_str(&format!("；撤稿原因：{}，{note}", reason.label()));
        }
        DocAction::Submit | DocAction::PublishDue => {}
    }
    if next == State::Published && !matches!(action, DocAction::Discard) {
        w.document_publish(&doc, actor, now).await?;
    }
    w.document_set_status(id, next, now).await?;
    w.record(&format!("document.{}", action.code()), "document", id, Some(doc.unit_id), summary);
    Ok(w.document_current(id).await?)
}
