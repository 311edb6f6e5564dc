//! 采纳情况反馈: the figures of a consultation's opinions (by channel, topic, district and
//! decision) as they stand, and the feedback staff write after closing, reviewed as documents
//! are and published with the figures and main opinions of that moment.

use super::{ReviewAction, review_next, set_status, step_summary};
use crate::{Context, Error, Principal};
use gongkai_domain::consultation::Phase;
use gongkai_domain::consultation::report::{Feedback, FeedbackInput, MainOpinion, ReportFigures};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::{Stage, State};
use gongkai_store::consultation::{Consultation, Part};

/// How many of the largest groups the feedback lists as the main opinions.
pub const MAIN_OPINIONS: i64 = 20;

/// The figures as they stand (the public's while the feedback is not out).
pub async fn figures(cx: &Context, consultation_id: i64) -> Result<ReportFigures, Error> {
    Ok(cx.store.consultation_figures(consultation_id).await?)
}

/// The public figures of a published consultation: the published feedback's, else as they
/// stand.
pub async fn public_figures(cx: &Context, consultation_id: i64) -> Result<ReportFigures, Error> {
    let live = super::published(cx, consultation_id).await?;
    match live.report {
        Some(r) => Ok(r.figures),
        None => figures(cx, consultation_id).await,
    }
}

/// The largest groups with their decisions.
pub async fn main_opinions(cx: &Context, consultation_id: i64) -> Result<Vec<MainOpinion>, Error> {
    let page = cx.store.opinion_groups_page(consultation_id, false, 0, MAIN_OPINIONS).await?;
    Ok(page
        .items
        .into_iter()
        .map(|g| MainOpinion {
            group_id: g.id,
            size: g.size,
            text: g.text,
            decision: g.decision.map(|d| d.code().to_string()),
            reason: g.reason.unwrap_or_default(),
        })
        .collect())
}

/// Saves the feedback's summary (after the consultation has closed, while a draft).
pub async fn save(cx: &Context, p: &Principal, id: i64, input: &FeedbackInput) -> Result<Consultation, Error> {
    let c = super::visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, c.unit_id).await?;
    let input = input.checked()?;
    let live = super::published(cx, id).await?;
    if live.phase != Phase::Closed {
        return Err(Error::Conflict(Invalid::one("consultation", "意见征集", "征集结束后才能撰写采纳情况反馈")));
    }
    if let Some(r) = &c.report
        && !r.review.status.editable()
    {
        return Err(super::not_editable(r.review.status));
    }
    let mut w = cx.store.write(p.actor()).await?;
    w.consultation_report_save(id, &input, p.user.id).await?;
    w.commit().await?;
    cx.store.consultation_by_id(id).await?.ok_or(Error::NotFound)
}

/// A review step of the feedback; the last approval publishes it with today's figures.
pub async fn act(cx: &Context, p: &Principal, id: i64, action: &ReviewAction) -> Result<Consultation, Error> {
    let c = super::visible(cx, p, id).await?;
    p.require_for_unit(cx, action.needs(), c.unit_id).await?;
    if matches!(action, ReviewAction::Withdraw { .. } | ReviewAction::Revise | ReviewAction::Discard) {
        return Err(Error::Conflict(Invalid::one("action", "操作", "采纳情况反馈发布后不能撤回或修订")));
    }
    let Some(report) = &c.report else {
        return Err(Error::Conflict(Invalid::one("report", "采纳情况反馈", "尚未撰写")));
    };
    let next = review_next(&report.review, report.live.is_some(), action, p.user.id)?;
    let summary = step_summary(c.title(), "采纳情况反馈", report.review.status, next, action);
    let live = if next == State::Published {
        Some(Feedback {
            summary: report.draft.summary.clone(),
            figures: figures(cx, id).await?,
            main: main_opinions(cx, id).await?,
        })
    } else {
        None
    };
    let mut w = cx.store.write(p.actor()).await?;
    let current = w.consultation_current(id).await?;
    let Some(now) = current.report else { return Err(Error::NotFound) };
    if now.review != report.review {
        return Err(Error::Conflict(Invalid::one("action", "操作", "采纳情况反馈刚被他人处理，请刷新后再试")));
    }
    match live {
        Some(feedback) => {
            w.consultation_set_status(id, Part::Report, next, None, Some((Stage::Final, p.user.id)), summary).await?;
            w.consultation_report_publish(id, &feedback).await?;
        }
        None => set_status(&mut w, id, Part::Report, &report.review, next, action, p.user.id, summary).await?,
    }
    w.commit().await?;
    if next == State::Published {
        cx.public_changed();
    }
    cx.store.consultation_by_id(id).await?.ok_or(Error::NotFound)
}
