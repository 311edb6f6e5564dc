//! 快申快享: an enterprise applies online under a policy (no account: the challenge and the
//! per-address limit of applications for disclosure apply), gets a 申报编号 and 查询码 to follow
//! it, and the policy's unit decides within the policy's 办理时限 in working days; an approval
//! records the disbursement as 待兑现.

use crate::requests::intake::{new_query_code, new_tracking_no};
use crate::{Context, Error, Principal};
use gongkai_domain::business_policy::Mode;
use gongkai_domain::business_policy::redemption::{ClaimEvent, ClaimFields, ClaimInput, claim_next};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_store::business_policy::redemption::{Claim, ClaimStep, NewClaim, Payout};
use gongkai_store::requests::query_code_hash as code_hash;

/// Claims one address may submit per window, as applications for disclosure.
pub const CLAIMS_PER_ADDRESS: usize = crate::requests::SUBMISSIONS_PER_ADDRESS;

/// The answer to a stored claim: what the enterprise needs to follow it.
#[derive(Debug, Clone)]
pub struct ClaimAck {
    pub claim: Claim,
    pub query_code: String,
}

/// The district an enterprise is registered in: the register's, else the registration
/// authority's division inside the credit code when it is one of the city's.
async fn district_of(cx: &Context, credit_code: &str) -> Result<Option<String>, Error> {
    if let Some(e) = cx.store.enterprise(credit_code).await?
        && e.profile.district.is_some()
    {
        return Ok(e.profile.district);
    }
    let division = credit_code.get(2..8).unwrap_or("");
    let known = gongkai_domain::business_policy::JINAN_DISTRICTS.iter().skip(1).any(|(c, _)| *c == division);
    Ok(known.then(|| division.to_string()))
}

/// Stores an online claim under a published 快申快享 policy open for applications today.
pub async fn submit(cx: &Context, policy_id: i64, input: &ClaimInput, ip: &str) -> Result<ClaimAck, Error> {
    let taken = crate::throttle::take(cx, &format!("apply-ip:{ip}"), CLAIMS_PER_ADDRESS, "提交申报过于频繁").await?;
    let stored = submit_counted(cx, policy_id, input, ip).await;
    if stored.is_err() {
        crate::throttle::release(cx, &taken).await?;
    }
    stored
}

/// Why a policy takes no claim today, if it does not.
pub fn closed_reason(policy: &super::library::LivePolicy, today: chrono::NaiveDate) -> Option<String> {
    let f = &policy.fields;
    if f.mode != Mode::QuickApply {
        return Some(format!("本政策为“{}”，不接受在线申报", f.mode.label()));
    }
    if !f.in_force(today) {
        return Some("本政策已失效，不再受理申报".into());
    }
    if !f.open_on(today) {
        return Some(format!("不在申报时间内（{}）", f.window_words()));
    }
    None
}

async fn submit_counted(cx: &Context, policy_id: i64, input: &ClaimInput, ip: &str) -> Result<ClaimAck, Error> {
    let policy = super::library::published(cx, policy_id).await?;
    let today = cx.today();
    if let Some(why) = closed_reason(&policy, today) {
        return Err(Error::Conflict(Invalid::one("policy", "政策", why)));
    }
    let mut errors = Invalid::default();
    let fields = ClaimFields::parse(input).map_err(|e| errors.0.extend(e.0)).ok();
    if errors.0.is_empty() {
        crate::challenge::check(cx, &input.challenge_id, &input.challenge_answer)
            .await
            .map_err(|e| errors.0.extend(e.0))
            .ok();
    }
    let Some(fields) = fields else { return Err(errors.into()) };
    errors.into_result(())?;
    store(cx, &policy, &fields, ip, today, None).await
}

/// Stores a checked claim received on `on`; `fixed` gives the numbers (the demo's examples).
pub(crate) async fn store(
    cx: &Context,
    policy: &super::library::LivePolicy,
    fields: &ClaimFields,
    ip: &str,
    on: chrono::NaiveDate,
    fixed: Option<(&str, &str)>,
) -> Result<ClaimAck, Error> {
    if cx.store.policy_claim_open(policy.id, &fields.credit_code).await? {
        return Err(Error::Conflict(Invalid::one(
            "credit_code",
            "统一社会信用代码",
            "该企业对本政策已有办理中的申报，请用申报编号和查询码查看进度，不必重复申报",
        )));
    }
    let cal = cx.calendar().await?;
    let new = NewClaim {
        policy_id: policy.id,
        unit_id: policy.unit_id,
        credit_code: fields.credit_code.clone(),
        enterprise_name: fields.enterprise_name.clone(),
        district: district_of(cx, &fields.credit_code).await?,
        contact_name: fields.contact_name.clone(),
        phone: fields.phone.clone(),
        statement: fields.statement.clone(),
        amount_yuan: fields.amount_yuan,
        received_on: on,
        due_on: cal.add_workdays(on, policy.fields.handling_workdays()).value,
    };
    let actor = gongkai_store::Actor { user_id: None, name: "申报企业".into(), unit_id: None, ip: ip.to_string() };
    let code = fixed.map_or_else(new_query_code, |(_, c)| c.to_string());
    for _ in 0..5 {
        let tracking_no = fixed.map_or_else(|| format!("Q{}", new_tracking_no()), |(n, _)| n.to_string());
        let mut w = cx.store.write(actor.clone()).await?;
        let Some(id) = w.policy_claim_insert(&new, &tracking_no, &code_hash(&tracking_no, &code)).await? else {
            if fixed.is_some() {
                return Err(Error::Conflict(Invalid::one("tracking_no", "申报编号", "已被使用")));
            }
            continue;
        };
        w.commit().await?;
        let claim = cx.store.policy_claim(id).await?.ok_or(Error::NotFound)?;
        return Ok(ClaimAck { claim, query_code: code });
    }
    Err(Error::internal("no free claim number after 5 draws"))
}

/// The enterprise's view of its claim, for the right query code only (throttled as the
/// tracking of applications for disclosure: the rightful enterprise is never locked out).
pub async fn track(cx: &Context, tracking_no: &str, code: &str, ip: &str) -> Result<ClaimFile, Error> {
    let tracking_no: String =
        tracking_no.trim().chars().filter(|c| !c.is_control()).take(40).collect::<String>().to_ascii_uppercase();
    let find = async {
        if tracking_no.is_empty() { Ok(None) } else { Ok(cx.store.policy_claim_by_tracking_no(&tracking_no).await?) }
    };
    let claim = crate::throttle::check_query_code(
        cx,
        "claim",
        &tracking_no,
        ip,
        find,
        |c: &Claim| !code.trim().is_empty() && c.code_hash == code_hash(&c.tracking_no, code),
        Invalid::one("code", "申报编号或查询码", "不正确，请核对后重新输入"),
    )
    .await?;
    file(cx, claim).await
}

/// A claim whose unit's policies `p` drafts (the enterprise's contact details are theirs to see).
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Claim, Error> {
    let claim = cx.store.policy_claim(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::DraftDocuments, claim.unit_id).await.map_err(|_| Error::NotFound)?;
    Ok(claim)
}

/// A claim with its steps and the disbursement it led to.
#[derive(Debug, Clone)]
pub struct ClaimFile {
    pub claim: Claim,
    pub steps: Vec<ClaimStep>,
    pub payout: Option<Payout>,
}

/// The steps and disbursement of a claim.
pub async fn file(cx: &Context, claim: Claim) -> Result<ClaimFile, Error> {
    let steps = cx.store.policy_claim_steps(claim.id).await?;
    let payout = cx.store.policy_payout_of_claim(claim.id).await?;
    Ok(ClaimFile { claim, steps, payout })
}

/// The claims `p` handles (of one policy when given): open ones first, by due date.
pub async fn staff_list(cx: &Context, p: &Principal, policy_id: Option<i64>) -> Result<Vec<Claim>, Error> {
    let units = p.units_in_reach(cx, Action::DraftDocuments).await?;
    Ok(cx.store.policy_claims(units.as_deref(), policy_id).await?)
}

/// The unit decides: accept, approve with the amount, or reject with the reason.
pub async fn act(cx: &Context, p: &Principal, id: i64, event: &ClaimEvent) -> Result<Claim, Error> {
    visible(cx, p, id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let claim = w.policy_claim_current(id).await?;
    let next = claim_next(claim.status, event).map_err(|m| Error::Conflict(Invalid::one("action", "操作", m)))?;
    let (note, reason, amount) = match event {
        ClaimEvent::Accept => ("已受理，正在审核".to_string(), None, None),
        ClaimEvent::Approve { amount_yuan } => (
            format!("审核通过，核定金额 {}，待兑现", gongkai_domain::business_policy::policy::yuan_words(*amount_yuan)),
            None,
            Some(*amount_yuan),
        ),
        ClaimEvent::Reject { reason } => (format!("不予支持：{reason}"), Some(reason.as_str()), None),
    };
    w.policy_claim_step(id, next, cx.today(), p.user.id, &note, reason, amount).await?;
    w.commit().await?;
    cx.store.policy_claim(id).await?.ok_or(Error::NotFound)
}
