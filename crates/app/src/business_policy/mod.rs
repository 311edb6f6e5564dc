//! 惠企政策 (`business_policy`): editors draft policies, which go through the review of documents
//! (初审 → 复审 → 终审, each by someone other than the author and the earlier reviewers); the
//! published ones form the library that the public lists, searches and matches against an
//! enterprise profile (政策计算器, [`matching`]).

pub mod claims;
pub(crate) mod demo;
pub mod import;
pub mod library;
pub mod matching;
pub mod redemption;
pub mod register;
pub mod stats;
pub mod subscriptions;

use crate::{Context, Error, Principal};
use gongkai_domain::business_policy::policy::{PolicyFields, PolicyInput};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::{self, Stage, State};
use gongkai_store::business_policy::Policy;

/// What a member of staff does to a policy: a step of the review shared with consultations.
pub use crate::review::ReviewAction as PolicyAction;

/// Checks the input and the documents it links to (they must exist).
async fn checked(cx: &Context, input: &PolicyInput) -> Result<PolicyFields, Error> {
    let fields = PolicyFields::parse(input)?;
    let mut e = Invalid::default();
    for (field, label, ids) in [
        ("document_ids", "政策原文", &fields.document_ids),
        ("interpretation_ids", "政策解读", &fields.interpretation_ids),
    ] {
        for id in ids {
            if cx.store.document(*id).await?.is_none() {
                e.push(field, label, format!("没有 id 为 {id} 的文件"));
            }
        }
    }
    e.into_result(fields).map_err(Error::Invalid)
}

/// Drafts a policy for `input.unit_id`, or the caller's unit.
pub async fn create(cx: &Context, p: &Principal, input: &PolicyInput) -> Result<Policy, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let fields = checked(cx, input).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.policy_create(unit_id, &fields, Some(p.user.id), None).await?;
    w.commit().await?;
    cx.store.policy(id).await?.ok_or(Error::NotFound)
}

/// A policy of a unit whose documents `p` may see.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Policy, Error> {
    let policy = cx.store.policy(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, policy.unit_id).await.map_err(|_| Error::NotFound)?;
    Ok(policy)
}

/// Saves the working copy (only while it is a draft); `input.unit_id` is not read.
pub async fn update(cx: &Context, p: &Principal, id: i64, input: &PolicyInput) -> Result<Policy, Error> {
    let policy = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, policy.unit_id).await?;
    if !policy.status.editable() {
        return Err(Error::Conflict(Invalid::one(
            "status",
            "状态",
            format!("政策当前为“{}”，不能修改；已发布的政策请先“修订”", policy.status.label()),
        )));
    }
    let fields = checked(cx, input).await?;
    let mut w = cx.store.write(p.actor()).await?;
    w.policy_update(id, &fields).await?;
    w.commit().await?;
    cx.store.policy(id).await?.ok_or(Error::NotFound)
}

/// Takes a step of the review workflow.
pub async fn act(cx: &Context, p: &Principal, id: i64, action: &PolicyAction) -> Result<Policy, Error> {
    let policy = visible(cx, p, id).await?;
    p.require_for_unit(cx, action.needs(), policy.unit_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let policy = w.policy_current(id).await?;
    let next = workflow::next(policy.status, action.event(), p.user.id, &policy.facts())
        .map_err(|e| Error::Conflict(Invalid::one("action", "操作", e.to_string().replace("文件", "政策"))))?;
    let title = &policy.draft.title;
    let summary = match action {
        PolicyAction::Reject { comment } => {
            format!("《{title}》：{} → {}（{comment}）", policy.status.label(), next.label())
        }
        _ => format!("《{title}》：{} → {}", policy.status.label(), next.label()),
    };
    match (action, next) {
        (PolicyAction::Withdraw { note }, _) => w.policy_withdraw(id, note).await?,
        (PolicyAction::Discard, _) => w.policy_discard(id).await?,
        (PolicyAction::Approve, State::Published) => {
            w.policy_set_status(id, next, None, Some((Stage::Final, p.user.id)), summary).await?;
            w.policy_publish(id).await?;
        }
        (PolicyAction::Approve, _) => {
            let State::InReview(stage) = policy.status else { return Err(Error::NotFound) };
            w.policy_set_status(id, next, None, Some((stage, p.user.id)), summary).await?;
        }
        (PolicyAction::Submit | PolicyAction::Revise, _) => {
            w.policy_set_status(id, next, Some(p.user.id), None, summary).await?;
        }
        (PolicyAction::Reject { .. }, _) => w.policy_set_status(id, next, None, None, summary).await?,
    }
    w.commit().await?;
    if matches!(next, State::Published | State::Withdrawn) {
        cx.public_changed();
    }
    cx.store.policy(id).await?.ok_or(Error::NotFound)
}

/// The policies of the units `p` may see in the console, newest change first.
pub async fn staff_list(cx: &Context, p: &Principal) -> Result<Vec<Policy>, Error> {
    let units = p.units_in_reach(cx, Action::ViewDocuments).await?;
    Ok(cx.store.policies_of(units.as_deref()).await?)
}

/// A policy's title as the public knows it (the working title before publication); empty
/// when there is no such policy.
pub async fn title_of(cx: &Context, id: i64) -> Result<String, Error> {
    Ok(cx
        .store
        .policy(id)
        .await?
        .map(|p| p.live.as_ref().map_or(p.draft.title.clone(), |l| l.title.clone()))
        .unwrap_or_default())
}
