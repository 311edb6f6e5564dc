//! Follow-through to money paid (兑现): the states of a disbursement (兑现记录) and of an online
//! application under a 快申快享 policy (申兑申请, a "claim"), each an enum whose transitions are
//! the only way to change it, and the claim form's checks.

use crate::codes::CreditCode;
use crate::validation::{Invalid, line, text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// 公示期: a list of enterprises to be paid is public for at least this many working days
/// before the money goes out (the practice of 济南、山东 funds: “公示期不少于5个工作日”).
pub const PUBLICITY_WORKDAYS: u32 = 5;

/// 办理时限 of a 快申快享 application when the policy sets none: working days from receipt.
pub const DEFAULT_HANDLING_WORKDAYS: u32 = 10;

code_list! {
    /// 兑现状态 of one enterprise under one policy.
    PayoutStatus {
        Pending = ("pending", "待兑现"),
        Paid = ("paid", "已兑现"),
        Returned = ("returned", "退回"),
    }
}

/// What staff record about a disbursement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayoutEvent {
    /// The money went out on this day.
    Pay { on: NaiveDate, amount_yuan: i64 },
    /// Not paid, or paid and come back (account closed, enterprise declined, found ineligible).
    Return { reason: String },
    /// A returned disbursement is to be paid again.
    Reopen,
}

impl PayoutEvent {
    pub fn label(&self) -> &'static str {
        match self {
            PayoutEvent::Pay { .. } => "登记兑现",
            PayoutEvent::Return { .. } => "退回",
            PayoutEvent::Reopen => "重新兑现",
        }
    }
}

/// The status after `event`, or why not.
pub fn payout_next(status: PayoutStatus, event: &PayoutEvent) -> Result<PayoutStatus, String> {
    use PayoutStatus::*;
    match (status, event) {
        (Pending, PayoutEvent::Pay { .. }) => Ok(Paid),
        // Money paid can come back from the bank (a closed account) or be recovered.
        (Pending | Paid, PayoutEvent::Return { .. }) => Ok(Returned),
        (Returned, PayoutEvent::Reopen) => Ok(Pending),
        (s, e) => Err(format!("“{}”的兑现记录不能“{}”", s.label(), e.label())),
    }
}

code_list! {
    /// 申兑申请的状态 (快申快享).
    ClaimState {
        Submitted = ("submitted", "待受理"),
        Accepted = ("accepted", "审核中"),
        Approved = ("approved", "审核通过"),
        Rejected = ("rejected", "不予支持"),
    }
}

impl ClaimState {
    /// Still waiting for the unit: counted against the due date.
    pub fn open(self) -> bool {
        matches!(self, ClaimState::Submitted | ClaimState::Accepted)
    }
}

/// What the responsible unit does with a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimEvent {
    Accept,
    /// Approved for this amount: a disbursement is recorded as 待兑现.
    Approve {
        amount_yuan: i64,
    },
    Reject {
        reason: String,
    },
}

impl ClaimEvent {
    pub fn label(&self) -> &'static str {
        match self {
            ClaimEvent::Accept => "受理",
            ClaimEvent::Approve { .. } => "审核通过",
            ClaimEvent::Reject { .. } => "不予支持",
        }
    }

    /// Reads an action by its code with the amount and reason it needs.
    pub fn parse(action: &str, amount_yuan: &str, reason: &str) -> Result<ClaimEvent, Invalid> {
        let reason = reason.trim();
        match action.trim() {
            "accept" => Ok(ClaimEvent::Accept),
            "approve" => Ok(ClaimEvent::Approve { amount_yuan: parse_yuan(amount_yuan, true)?.unwrap_or(0) }),
            "reject" if reason.is_empty() => Err(Invalid::one("reason", "理由", "不予支持须写明理由")),
            "reject" if reason.chars().count() > 500 => Err(Invalid::one("reason", "理由", "不能超过 500 字")),
            "reject" => Ok(ClaimEvent::Reject { reason: reason.into() }),
            other => Err(Invalid::one(
                "action",
                "操作",
                format!("“{}”不是可用的操作（accept、approve、reject）", other.chars().take(20).collect::<String>()),
            )),
        }
    }
}

/// The state after `event`, or why not.
pub fn claim_next(state: ClaimState, event: &ClaimEvent) -> Result<ClaimState, String> {
    use ClaimState::*;
    match (state, event) {
        (Submitted, ClaimEvent::Accept) => Ok(Accepted),
        (Accepted, ClaimEvent::Approve { .. }) => Ok(Approved),
        // 不予受理 (at once) or 不予支持 (after checking).
        (Submitted | Accepted, ClaimEvent::Reject { .. }) => Ok(Rejected),
        (s, e) => Err(format!("“{}”的申请不能“{}”", s.label(), e.label())),
    }
}

/// An amount in whole yuan as typed (“50000”, “5,0000”); required or not.
pub fn parse_yuan(raw: &str, required: bool) -> Result<Option<i64>, Invalid> {
    let t: String = raw.trim().chars().filter(|c| *c != ',' && *c != '，').collect();
    if t.is_empty() {
        return if required { Err(Invalid::one("amount_yuan", "金额", "请填写（元）")) } else { Ok(None) };
    }
    match t.parse::<i64>() {
        Ok(n) if (0..=10_000_000_000_000).contains(&n) => Ok(Some(n)),
        _ => Err(Invalid::one("amount_yuan", "金额", "应为不小于 0 的整数（元）")),
    }
}

/// Reads a disbursement action by its code.
pub fn payout_event(
    action: &str,
    amount_yuan: &str,
    on: &str,
    reason: &str,
    today: NaiveDate,
) -> Result<PayoutEvent, Invalid> {
    let reason = reason.trim();
    match action.trim() {
        "pay" => {
            let mut e = Invalid::default();
            let amount = parse_yuan(amount_yuan, true).map_err(|x| e.0.extend(x.0)).ok().flatten();
            let on = match crate::time::parse_date(on.trim()) {
                Some(d) if d > today => {
                    e.push("paid_on", "兑现日期", "不能晚于今天");
                    None
                }
                Some(d) => Some(d),
                None => {
                    e.push("paid_on", "兑现日期", "应为 YYYY-MM-DD 格式的日期");
                    None
                }
            };
            match (amount, on) {
                (Some(amount_yuan), Some(on)) if e.0.is_empty() => Ok(PayoutEvent::Pay { on, amount_yuan }),
                _ => Err(e),
            }
        }
        "return" if reason.is_empty() => Err(Invalid::one("reason", "退回原因", "请写明退回原因")),
        "return" if reason.chars().count() > 500 => Err(Invalid::one("reason", "退回原因", "不能超过 500 字")),
        "return" => Ok(PayoutEvent::Return { reason: reason.into() }),
        "reopen" => Ok(PayoutEvent::Reopen),
        other => Err(Invalid::one(
            "action",
            "操作",
            format!("“{}”不是可用的操作（pay、return、reopen）", other.chars().take(20).collect::<String>()),
        )),
    }
}

// The doc comments are the OpenAPI schema's descriptions.
/// 快申快享：企业在线申报
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = PolicyClaimBody)]
#[serde(default, deny_unknown_fields)]
pub struct ClaimInput {
    /// 统一社会信用代码
    pub credit_code: String,
    /// 企业名称
    pub enterprise_name: String,
    /// 联系人
    pub contact_name: String,
    /// 联系电话
    pub phone: String,
    /// 申报说明：符合条件的情况、申请金额的依据等
    pub statement: String,
    /// 申请金额（元），可不填
    #[serde(deserialize_with = "number_or_text")]
    #[schema(value_type = Option<i64>, minimum = 0)]
    pub amount_yuan: String,
    /// 验证题编号（GET /api/v1/requests/challenge）
    pub challenge_id: String,
    /// 验证题答案
    pub challenge_answer: String,
}

/// An amount as JSON gives it (a number) or a form does (text); checked later with the rest.
fn number_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

/// A checked claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimFields {
    pub credit_code: String,
    pub enterprise_name: String,
    pub contact_name: String,
    pub phone: String,
    pub statement: String,
    pub amount_yuan: Option<i64>,
}

impl ClaimInput {
    /// Reads the form of `/policies/{id}/apply`.
    pub fn from_form(get: &dyn Fn(&str) -> String) -> ClaimInput {
        ClaimInput {
            credit_code: get("credit_code"),
            enterprise_name: get("enterprise_name"),
            contact_name: get("contact_name"),
            phone: get("phone"),
            statement: get("statement"),
            amount_yuan: get("amount_yuan"),
            challenge_id: get("challenge_id"),
            challenge_answer: get("challenge_answer"),
        }
    }
}

impl ClaimFields {
    /// Checks every field and names each problem (the challenge is the caller's).
    pub fn parse(input: &ClaimInput) -> Result<ClaimFields, Invalid> {
        let mut e = Invalid::default();
        let credit_code = match input.credit_code.trim() {
            "" => {
                e.push("credit_code", "统一社会信用代码", "请填写");
                String::new()
            }
            raw => match CreditCode::parse(raw) {
                Ok(c) => c.as_str().to_string(),
                Err(err) => {
                    e.push("credit_code", "统一社会信用代码", err);
                    String::new()
                }
            },
        };
        let enterprise_name = line(&mut e, "enterprise_name", "企业名称", &input.enterprise_name, true, 100);
        let contact_name = line(&mut e, "contact_name", "联系人", &input.contact_name, true, 50);
        let phone = line(&mut e, "phone", "联系电话", &input.phone, true, 30);
        if let Err(m) = crate::request_form::check_phone(&phone)
            && !phone.is_empty()
        {
            e.push("phone", "联系电话", m);
        }
        let statement = text(&mut e, "statement", "申报说明", &input.statement, true, 2000);
        let amount_yuan = parse_yuan(&input.amount_yuan, false).map_err(|x| e.0.extend(x.0)).ok().flatten();
        e.into_result(ClaimFields { credit_code, enterprise_name, contact_name, phone, statement, amount_yuan })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn every_payout_transition() {
        use PayoutStatus::*;
        let pay = PayoutEvent::Pay { on: day("2026-11-02"), amount_yuan: 100 };
        let ret = PayoutEvent::Return { reason: "账户已注销".into() };
        let table = [
            (Pending, &pay, Some(Paid)),
            (Pending, &ret, Some(Returned)),
            (Pending, &PayoutEvent::Reopen, None),
            (Paid, &pay, None),
            (Paid, &ret, Some(Returned)),
            (Paid, &PayoutEvent::Reopen, None),
            (Returned, &pay, None),
            (Returned, &ret, None),
            (Returned, &PayoutEvent::Reopen, Some(Pending)),
        ];
        for (from, event, to) in table {
            assert_eq!(payout_next(from, event).ok(), to, "{from:?} + {event:?}");
        }
        assert_eq!(payout_next(Paid, &pay).unwrap_err(), "“已兑现”的兑现记录不能“登记兑现”");
    }

    #[test]
    fn every_claim_transition() {
        use ClaimState::*;
        let approve = ClaimEvent::Approve { amount_yuan: 5 };
        let reject = ClaimEvent::Reject { reason: "不符合条件".into() };
        let table = [
            (Submitted, &ClaimEvent::Accept, Some(Accepted)),
            (Submitted, &approve, None),
            (Submitted, &reject, Some(Rejected)),
            (Accepted, &ClaimEvent::Accept, None),
            (Accepted, &approve, Some(Approved)),
            (Accepted, &reject, Some(Rejected)),
            (Approved, &ClaimEvent::Accept, None),
            (Approved, &approve, None),
            (Approved, &reject, None),
            (Rejected, &ClaimEvent::Accept, None),
            (Rejected, &approve, None),
            (Rejected, &reject, None),
        ];
        for (from, event, to) in table {
            assert_eq!(claim_next(from, event).ok(), to, "{from:?} + {event:?}");
        }
        assert!(Submitted.open() && Accepted.open() && !Approved.open() && !Rejected.open());
    }

    #[test]
    fn actions_are_read_with_what_they_need() {
        let today = day("2026-12-01");
        assert_eq!(
            payout_event("pay", "50,000", "2026-11-30", "", today),
            Ok(PayoutEvent::Pay { on: day("2026-11-30"), amount_yuan: 50_000 })
        );
        let fields = |r: Result<PayoutEvent, Invalid>| -> Vec<String> {
            r.unwrap_err().0.into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(payout_event("pay", "", "2026-12-02", "", today)), ["amount_yuan", "paid_on"]);
        assert_eq!(fields(payout_event("pay", "-3", "2026-11-30", "", today)), ["amount_yuan"]);
        assert_eq!(fields(payout_event("return", "", "", " ", today)), ["reason"]);
        assert_eq!(fields(payout_event("delete", "", "", "", today)), ["action"]);
        assert_eq!(payout_event("reopen", "", "", "", today), Ok(PayoutEvent::Reopen));
        assert_eq!(ClaimEvent::parse("approve", "800000", ""), Ok(ClaimEvent::Approve { amount_yuan: 800_000 }));
        assert!(ClaimEvent::parse("approve", "", "").is_err());
        assert!(ClaimEvent::parse("reject", "", "").is_err());
        assert_eq!(ClaimEvent::parse("reject", "", " 材料不全 "), Ok(ClaimEvent::Reject { reason: "材料不全".into() }));
    }

    #[test]
    fn a_claim_names_each_bad_field() {
        let code = format!("91370100163044918{}", crate::codes::credit_code_check_char("91370100163044918").unwrap());
        let wrong = format!("91370100163044918{}", if code.ends_with('0') { '1' } else { '0' });
        let good = ClaimInput {
            credit_code: code.to_lowercase(),
            enterprise_name: "济南某某科技有限公司".into(),
            contact_name: "王经理".into(),
            phone: "0531-88888888".into(),
            statement: "本公司2026年新认定为高新技术企业。".into(),
            amount_yuan: "".into(),
            ..Default::default()
        };
        let f = ClaimFields::parse(&good).unwrap();
        assert_eq!(f.credit_code, code);
        assert_eq!(f.amount_yuan, None);
        let bad = ClaimInput {
            credit_code: wrong,
            enterprise_name: " ".into(),
            phone: "12".into(),
            amount_yuan: "十万".into(),
            statement: "说".repeat(2001),
            ..good
        };
        let e = ClaimFields::parse(&bad).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["credit_code", "enterprise_name", "phone", "statement", "amount_yuan"]);
        assert!(e.0[0].message.contains("统一社会信用代码"), "{}", e.0[0].message);
    }
}
