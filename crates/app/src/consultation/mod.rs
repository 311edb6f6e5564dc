//! 意见征集 (`consultation`): staff of any unit draft a consultation, which goes through the
//! review of documents; once published it opens and closes by the clock alone (on every node),
//! takes opinions from the channels it accepts ([`opinions`]), whose groups are forwarded and
//! decided ([`handling`]) and accounted for in the adoption feedback ([`report`]). Responses to
//! public concerns are in [`concerns`].

pub mod concerns;
pub(crate) mod demo;
pub mod handling;
pub(crate) mod intake;
pub mod opinions;
pub mod report;

pub use crate::review::ReviewAction;

use crate::{Context, Error, Principal};
use chrono::{DateTime, Utc};
use gongkai_domain::consultation::Phase;
use gongkai_domain::consultation::input::{ConsultationFields, ConsultationInput};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::{self, Stage, State};
use gongkai_store::consultation::{Consultation, Part};

/// Checks the input and the documents it links to (they must exist).
async fn checked(cx: &Context, input: &ConsultationInput) -> Result<ConsultationFields, Error> {
    let fields = ConsultationFields::parse(input)?;
    let mut e = Invalid::default();
    let linked = fields.document_id.iter().map(|id| ("document_id", "征求意见稿", *id));
    let interpretations = fields.interpretation_ids.iter().map(|id| ("interpretation_ids", "起草说明或解读", *id));
    for (field, label, id) in linked.chain(interpretations) {
        if cx.store.document(id).await?.is_none() {
            e.push(field, label, format!("没有 id 为 {id} 的文件"));
        }
    }
    e.into_result(fields).map_err(Error::Invalid)
}

/// Drafts a consultation for `input.unit_id`, or the caller's unit.
pub async fn create(cx: &Context, p: &Principal, input: &ConsultationInput) -> Result<Consultation, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let fields = checked(cx, input).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.consultation_create(unit_id, &fields, p.user.id).await?;
    w.commit().await?;
    cx.store.consultation_by_id(id).await?.ok_or(Error::NotFound)
}

/// A consultation of a unit whose documents `p` may see.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Consultation, Error> {
    let c = cx.store.consultation_by_id(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, c.unit_id).await.map_err(|_| Error::NotFound)?;
    Ok(c)
}

/// Saves the working copy (only while it is a draft).
pub async fn update(cx: &Context, p: &Principal, id: i64, input: &ConsultationInput) -> Result<Consultation, Error> {
    let c = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, c.unit_id).await?;
    if !c.review.status.editable() {
        return Err(not_editable(c.review.status));
    }
    let fields = checked(cx, input).await?;
    let mut w = cx.store.write(p.actor()).await?;
    w.consultation_update(id, &fields).await?;
    w.commit().await?;
    cx.store.consultation_by_id(id).await?.ok_or(Error::NotFound)
}

fn not_editable(status: State) -> Error {
    Error::Conflict(Invalid::one("status", "状态", format!("当前为“{}”，不能修改；已发布的请先“修订”", status.label())))
}

/// Takes a step of the review workflow of the record.
pub async fn act(cx: &Context, p: &Principal, id: i64, action: &ReviewAction) -> Result<Consultation, Error> {
    let c = visible(cx, p, id).await?;
    p.require_for_unit(cx, action.needs(), c.unit_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let c = w.consultation_current(id).await?;
    let next = review_next(&c.review, c.live.is_some(), action, p.user.id)?;
    let summary = step_summary(&c.draft.title, "", c.review.status, next, action);
    match (action, next) {
        (ReviewAction::Withdraw { note }, _) => w.consultation_withdraw(id, note).await?,
        (ReviewAction::Discard, _) => w.consultation_discard(id).await?,
        (ReviewAction::Approve, State::Published) => {
            w.consultation_set_status(id, Part::Record, next, None, Some((Stage::Final, p.user.id)), summary).await?;
            w.consultation_publish(id).await?;
        }
        _ => set_status(&mut w, id, Part::Record, &c.review, next, action, p.user.id, summary).await?,
    }
    w.commit().await?;
    if matches!(next, State::Published | State::Withdrawn) {
        cx.public_changed();
    }
    cx.store.consultation_by_id(id).await?.ok_or(Error::NotFound)
}

/// The state the workflow gives a reviewed part after `action` by `actor`, or why not.
pub(crate) fn review_next(
    review: &gongkai_store::consultation::Review,
    has_live: bool,
    action: &ReviewAction,
    actor: i64,
) -> Result<State, Error> {
    workflow::next(review.status, action.event(), actor, &review.facts(has_live))
        .map_err(|e| Error::Conflict(Invalid::one("action", "操作", e.to_string().replace("文件", "稿件"))))
}

/// The audit summary of a review step.
pub(crate) fn step_summary(title: &str, what: &str, from: State, to: State, action: &ReviewAction) -> String {
    match action {
        ReviewAction::Reject { comment } => {
            format!("《{title}》{what}：{} → {}（{comment}）", from.label(), to.label())
        }
        _ => format!("《{title}》{what}：{} → {}", from.label(), to.label()),
    }
}

/// Records a review step that neither publishes nor drops anything.
#[allow(clippy::too_many_arguments, reason = "the step's parts, each needed by the store's write")]
pub(crate) async fn set_status(
    w: &mut gongkai_store::Writer,
    id: i64,
    part: Part,
    review: &gongkai_store::consultation::Review,
    next: State,
    action: &ReviewAction,
    actor: i64,
    summary: String,
) -> Result<(), Error> {
    match action {
        ReviewAction::Approve => {
            let State::InReview(stage) = review.status else { return Err(Error::NotFound) };
            w.consultation_set_status(id, part, next, None, Some((stage, actor)), summary).await?;
        }
        ReviewAction::Submit | ReviewAction::Revise => {
            w.consultation_set_status(id, part, next, Some(actor), None, summary).await?;
        }
        _ => w.consultation_set_status(id, part, next, None, None, summary).await?,
    }
    Ok(())
}

/// The consultations of the units `p` may see in the console, newest change first.
pub async fn staff_list(cx: &Context, p: &Principal) -> Result<Vec<Consultation>, Error> {
    let units = p.units_in_reach(cx, Action::ViewDocuments).await?;
    Ok(cx.store.consultations_of(units.as_deref()).await?)
}

/// A published consultation as the public sees it, with where it stands now.
#[derive(Debug, Clone)]
pub struct Live {
    pub id: i64,
    pub unit_id: i64,
    pub fields: ConsultationFields,
    pub phase: Phase,
    pub published_at: Option<DateTime<Utc>>,
    pub report: Option<gongkai_domain::consultation::report::Feedback>,
    pub report_published_at: Option<DateTime<Utc>>,
}

impl Live {
    fn of(c: Consultation, now: DateTime<Utc>) -> Option<Live> {
        let fields = c.live?;
        let (report, report_published_at) = match c.report {
            Some(r) => (r.live, r.published_at),
            None => (None, None),
        };
        Some(Live {
            id: c.id,
            unit_id: c.unit_id,
            phase: Phase::at(fields.opens_at, fields.closes_at, now),
            fields,
            published_at: c.published_at,
            report,
            report_published_at,
        })
    }
}

/// Every published consultation, the latest to open first.
pub async fn published_list(cx: &Context) -> Result<Vec<Live>, Error> {
    let now = cx.now();
    Ok(cx.store.consultations_live().await?.into_iter().filter_map(|c| Live::of(c, now)).collect())
}

/// One published consultation; not found when unpublished or withdrawn.
pub async fn published(cx: &Context, id: i64) -> Result<Live, Error> {
    let c = cx.store.consultation_by_id(id).await?.ok_or(Error::NotFound)?;
    Live::of(c, cx.now()).ok_or(Error::NotFound)
}
