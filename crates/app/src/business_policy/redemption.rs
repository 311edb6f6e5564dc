//! 免申即享 follow-through: staff save a run of a policy against the register, draw the 公示名单
//! from its eligible enterprises, take the list through review (初审/复审/终审, as documents),
//! publish it for the 公示期 (names and credit codes only), and record what was paid to each
//! enterprise (待兑现 → 已兑现, or 退回 with the reason).

use super::register::{self, RegisterRun};
use crate::{Context, Error, Principal};
use gongkai_domain::business_policy::Mode;
use gongkai_domain::business_policy::redemption::{PUBLICITY_WORKDAYS, PayoutEvent, payout_next};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::{self, Event, State};
use gongkai_store::business_policy::Policy;
use gongkai_store::business_policy::redemption::{Beneficiary, Payout, PolicyList};

fn beneficiaries(run: &RegisterRun) -> Vec<Beneficiary> {
    run.eligible
        .iter()
        .map(|m| Beneficiary {
            credit_code: m.credit_code.clone(),
            name: m.name.clone(),
            district: m.district.clone(),
            amount_yuan: m.amount_yuan,
        })
        .collect()
}

/// Runs the policy against the register and keeps the eligible enterprises as its "matched"
/// figure (audited); answers the run.
pub async fn save_run(cx: &Context, p: &Principal, id: i64) -> Result<RegisterRun, Error> {
    let policy = super::visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, policy.unit_id).await?;
    let run = register::run(cx, p, id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let summary = format!(
        "按企业名录测算《{}》：{} 家企业中符合 {} 家、可能符合 {} 家",
        policy.draft.title,
        run.enterprises,
        run.eligible.len(),
        run.possible.len()
    );
    w.policy_matches_replace(id, policy.unit_id, cx.today(), &beneficiaries(&run), summary).await?;
    w.commit().await?;
    Ok(run)
}

/// What a new 公示名单 says; empty fields take the usual wording.
#[derive(Debug, Clone, Default)]
pub struct NewList {
    pub title: String,
    pub notice: String,
    /// The credit codes to put on the list (none: every eligible enterprise); each must be
    /// eligible on the run made now.
    pub include: Option<Vec<String>>,
}

fn exempt_live(policy: &Policy) -> Result<(), Error> {
    let live = policy
        .live
        .as_ref()
        .ok_or_else(|| Error::Conflict(Invalid::one("policy", "政策", "政策尚未发布，不能发布公示名单")))?;
    if live.mode != Mode::ExemptApply {
        return Err(Error::Conflict(Invalid::one(
            "policy",
            "政策",
            format!("只有“免申即享”的政策发布公示名单；本政策为“{}”", live.mode.label()),
        )));
    }
    Ok(())
}

/// Draws a 公示名单 (a draft) from a run made now.
pub async fn create_list(cx: &Context, p: &Principal, policy_id: i64, new: &NewList) -> Result<PolicyList, Error> {
    let policy = super::visible(cx, p, policy_id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, policy.unit_id).await?;
    exempt_live(&policy)?;
    let mut e = Invalid::default();
    let title = gongkai_domain::validation::line(&mut e, "title", "名单标题", &new.title, false, 200);
    let notice = gongkai_domain::validation::text(&mut e, "notice", "公示说明", &new.notice, false, 2000);
    e.into_result(())?;
    let run = save_run(cx, p, policy_id).await?;
    let eligible = beneficiaries(&run);
    let entries: Vec<Beneficiary> = match &new.include {
        None => eligible.clone(),
        Some(codes) => {
            let mut e = Invalid::default();
            for c in codes {
                if !eligible.iter().any(|b| &b.credit_code == c) {
                    let c: String = c.chars().take(20).collect();
                    e.push("include", "列入名单的企业", format!("{c} 不在本次测算的符合条件企业中"));
                }
            }
            e.into_result(())?;
            eligible.iter().filter(|b| codes.contains(&b.credit_code)).cloned().collect()
        }
    };
    if entries.is_empty() {
        return Err(Error::Invalid(Invalid::one("include", "列入名单的企业", "没有列入任何企业，不能生成公示名单")));
    }
    let live = policy.live.as_ref().unwrap_or(&policy.draft);
    let title = if title.is_empty() { format!("《{}》拟兑现企业名单公示", live.title) } else { title };
    let notice = if notice.is_empty() {
        let unit = crate::requests::unit_name(cx, policy.unit_id).await;
        let phone = match live.guide.phone.as_str() {
            "" => String::new(),
            ph => format!("，联系电话：{ph}"),
        };
        format!(
            "根据《{}》，经企业名录比对，下列企业符合条件，拟予兑现。公示期为{PUBLICITY_WORKDAYS}个工作日。\
             对名单有异议的，请在公示期内以书面形式向{unit}反映{phone}。",
            live.title
        )
    } else {
        notice
    };
    let mut w = cx.store.write(p.actor()).await?;
    let id = w
        .policy_list_create(policy_id, policy.unit_id, &title, &notice, cx.today(), eligible.len(), &entries, p.user.id)
        .await?;
    w.commit().await?;
    cx.store.policy_list(id).await?.ok_or(Error::NotFound)
}

/// A list of a unit whose documents `p` may see.
pub async fn list_visible(cx: &Context, p: &Principal, id: i64) -> Result<PolicyList, Error> {
    let list = cx.store.policy_list(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, list.unit_id).await.map_err(|_| Error::NotFound)?;
    Ok(list)
}

/// What a member of staff does to a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListAction {
    Submit,
    Approve,
    Reject { comment: String },
    Withdraw { note: String },
}

impl ListAction {
    pub fn parse(code: &str, comment: &str) -> Result<ListAction, Invalid> {
        let comment = comment.trim();
        let needs = |what: &str| Invalid::one("comment", "说明", format!("{what}须写明理由"));
        Ok(match code.trim() {
            "submit" => ListAction::Submit,
            "approve" => ListAction::Approve,
            "reject" if comment.is_empty() => return Err(needs("退回")),
            "reject" => ListAction::Reject { comment: comment.chars().take(500).collect() },
            "withdraw" if comment.is_empty() => return Err(needs("撤下")),
            "withdraw" => ListAction::Withdraw { note: comment.chars().take(500).collect() },
            other => {
                return Err(Invalid::one(
                    "action",
                    "操作",
                    format!(
                        "“{}”不是可用的操作（submit、approve、reject、withdraw）",
                        other.chars().take(20).collect::<String>()
                    ),
                ));
            }
        })
    }

    fn event(&self) -> Event {
        match self {
            ListAction::Submit => Event::Submit,
            ListAction::Approve => Event::Approve { checks_clear: true, publish_later: false },
            ListAction::Reject { .. } => Event::Reject,
            ListAction::Withdraw { .. } => Event::Withdraw,
        }
    }

    fn needs(&self) -> Action {
        match self {
            ListAction::Submit => Action::DraftDocuments,
            ListAction::Approve | ListAction::Reject { .. } => Action::ReviewDocuments,
            ListAction::Withdraw { .. } => Action::WithdrawDocuments,
        }
    }
}

/// Takes a step of the list's review; the final approval publishes it for the 公示期 and
/// records each enterprise as 待兑现.
pub async fn act_list(cx: &Context, p: &Principal, id: i64, action: &ListAction) -> Result<PolicyList, Error> {
    let list = list_visible(cx, p, id).await?;
    p.require_for_unit(cx, action.needs(), list.unit_id).await?;
    let cal = cx.calendar().await?;
    let mut w = cx.store.write(p.actor()).await?;
    let list = w.policy_list_current(id).await?;
    let next = workflow::next(list.status, action.event(), p.user.id, &list.facts())
        .map_err(|e| Error::Conflict(Invalid::one("action", "操作", e.to_string().replace("文件", "名单"))))?;
    let summary = match action {
        ListAction::Reject { comment } => {
            format!("《{}》：{} → {}（{comment}）", list.title, list.status.label(), next.label())
        }
        _ => format!("《{}》：{} → {}", list.title, list.status.label(), next.label()),
    };
    match (action, next) {
        (ListAction::Withdraw { note }, _) => w.policy_list_withdraw(id, note).await?,
        (ListAction::Approve, _) => {
            let State::InReview(stage) = list.status else { return Err(Error::NotFound) };
            w.policy_list_set_status(id, next, None, Some((stage, p.user.id)), summary).await?;
            if next == State::Published {
                let ends = cal.add_workdays(cx.today(), PUBLICITY_WORKDAYS).value;
                w.policy_list_publish(id, ends, cx.clock.now()).await?;
            }
        }
        (ListAction::Submit, _) => w.policy_list_set_status(id, next, Some(p.user.id), None, summary).await?,
        (ListAction::Reject { .. }, _) => w.policy_list_set_status(id, next, None, None, summary).await?,
    }
    w.commit().await?;
    if matches!(next, State::Published | State::Withdrawn) {
        cx.public_changed();
    }
    cx.store.policy_list(id).await?.ok_or(Error::NotFound)
}

/// The published lists of a published policy with their entries (names and credit codes are
/// what the public is shown), newest first.
pub async fn published_lists(cx: &Context, policy_id: i64) -> Result<Vec<(PolicyList, Vec<Beneficiary>)>, Error> {
    let mut out = Vec::new();
    for list in cx.store.policy_lists(policy_id).await? {
        if list.status == State::Published {
            let entries = cx.store.policy_list_entries(list.id).await?;
            out.push((list, entries));
        }
    }
    Ok(out)
}

/// The disbursement records of a policy.
pub async fn payouts(cx: &Context, p: &Principal, policy_id: i64) -> Result<Vec<Payout>, Error> {
    let policy = super::visible(cx, p, policy_id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, policy.unit_id).await?;
    Ok(cx.store.policy_payouts(policy_id).await?)
}

/// Records what happened to one disbursement.
pub async fn set_payout(cx: &Context, p: &Principal, id: i64, event: &PayoutEvent) -> Result<Payout, Error> {
    let payout = cx.store.policy_payout(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, payout.unit_id).await.map_err(|_| Error::NotFound)?;
    p.require_for_unit(cx, Action::DraftDocuments, payout.unit_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let payout = w.policy_payout_current(id).await?;
    let next = payout_next(payout.status, event).map_err(|m| Error::Conflict(Invalid::one("action", "操作", m)))?;
    let who = format!("{}（{}）", payout.name, payout.credit_code);
    let (paid, reason, summary) = match event {
        PayoutEvent::Pay { on, amount_yuan } => (
            Some((*on, *amount_yuan)),
            None,
            format!("{who}已兑现 {}，兑现日期 {on}", gongkai_domain::business_policy::policy::yuan_words(*amount_yuan)),
        ),
        PayoutEvent::Return { reason } => (None, Some(reason.as_str()), format!("{who}兑现退回：{reason}")),
        PayoutEvent::Reopen => (None, None, format!("{who}重新列为待兑现")),
    };
    w.policy_payout_set(id, next, paid, reason, summary).await?;
    w.commit().await?;
    cx.store.policy_payout(id).await?.ok_or(Error::NotFound)
}

/// The enterprises on a list the caller has already been given (through [`list_visible`] and
/// the like).
pub async fn entries(cx: &Context, list: &PolicyList) -> Result<Vec<Beneficiary>, Error> {
    Ok(cx.store.policy_list_entries(list.id).await?)
}

/// The 公示名单 of a policy the caller has already been given, newest first.
pub async fn lists_of(cx: &Context, policy: &Policy) -> Result<Vec<PolicyList>, Error> {
    Ok(cx.store.policy_lists(policy.id).await?)
}

/// The day the policy's run against the register was last saved, if ever.
pub async fn saved_on(cx: &Context, policy: &Policy) -> Result<Option<chrono::NaiveDate>, Error> {
    Ok(cx.store.policy_match_day(policy.id).await?)
}

/// The policy of a disbursement record, when `p` may see its unit.
pub async fn payout_policy(cx: &Context, p: &Principal, payout_id: i64) -> Result<i64, Error> {
    let payout = cx.store.policy_payout(payout_id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, payout.unit_id).await.map_err(|_| Error::NotFound)?;
    Ok(payout.policy_id)
}
