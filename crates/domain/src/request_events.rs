//! The timeline of a case (办理过程): what happened, stored as a kind code with structured
//! details. Letters and pages read the details' fields; the Chinese words — the kind's label
//! and the note the applicant reads — come from here, so rewording a message cannot change a
//! legal letter.

use crate::requests::{Channel, Outcome};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_list! {
    /// What happened on a case.
    EventKind {
        Submitted = ("submitted", "网上提交申请"),
        Registered = ("registered", "登记申请"),
        Confirmed = ("confirmed", "确认收到申请"),
        ClarificationRequested = ("clarification_requested", "告知补正"),
        ClarificationReceived = ("clarification_received", "收到补正材料"),
        /// The applicant's own correction, sent on the tracking page.
        CorrectionReceived = ("correction_received", "申请人补正"),
        ThirdPartyConsulted = ("third_party_consulted", "征求第三方意见"),
        CoordinationRequested = ("coordination_requested", "会商协查"),
        OpinionReceived = ("opinion_received", "收到意见"),
        CoordinationAnswered = ("coordination_answered", "收到协查意见"),
        Extended = ("extended", "延长答复期限"),
        ExcessivePeriodSet = ("excessive_period_set", "确定合理答复期限"),
        FeeNoticed = ("fee_noticed", "发出收费通知"),
        FeePaid = ("fee_paid", "已缴纳信息处理费"),
        ReplySubmitted = ("reply_submitted", "答复提交审签"),
        Replied = ("replied", "已答复"),
        ReplyReturned = ("reply_returned", "审签退回"),
        Withdrawn = ("withdrawn", "申请人撤回申请"),
        Archived = ("archived", "归档"),
        HandlerAssigned = ("handler_assigned", "指定承办人"),
        /// A record converted from an older timeline whose words matched no kind; its label
        /// is kept in the details.
        Other = ("other", "办理记录"),
    }
}

/// The facts an event carries, each field for the kinds that have it. Stored as JSON; an
/// absent field is left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventDetails {
    /// 申请渠道 (submitted, registered), its code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// The unit concerned: the receiving unit (submitted, registered), the unit or third party
    /// consulted (third_party_consulted, coordination_requested, opinion_received), the unit
    /// that answered (coordination_answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation_id: Option<i64>,
    /// 需要补正的内容 (clarification_requested).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub items: Option<String>,
    /// Words given with the step: the applicant's correction, a note, the reason for
    /// returning a draft or for a withdrawal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Working days of an extension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who approved an extension.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
    /// A date the event sets: the receipt date, a consultation's or a payment's end, the
    /// reasonable period of art. 35.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_yuan: Option<i64>,
    /// per_item or per_page (国办函〔2020〕109号).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fee_basis: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<u64>,
    /// 办理结果, its code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler_id: Option<i64>,
    /// The words of an older record that matched no kind (kind `other`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl EventDetails {
    /// The details as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    pub fn from_json(text: &str) -> Result<EventDetails, serde_json::Error> {
        if text.trim().is_empty() { Ok(EventDetails::default()) } else { serde_json::from_str(text) }
    }
}

/// The label a timeline shows for an event: the kind's, or an older record's own words.
pub fn label(kind: EventKind, d: &EventDetails) -> String {
    match (kind, &d.label) {
        (EventKind::Other, Some(l)) => l.clone(),
        _ => kind.label().to_string(),
    }
}

/// The note the timeline shows the applicant and staff for an event: written from the
/// details when the event is recorded, and kept as written.
pub fn note(kind: EventKind, d: &EventDetails) -> String {
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    let date = |v: Option<NaiveDate>| v.map(|d| d.to_string()).unwrap_or_default();
    match kind {
        EventKind::Submitted | EventKind::Registered => {
            format!(
                "{}，受理机关：{}",
                d.channel.as_deref().and_then(Channel::from_code).map(|c| c.label()).unwrap_or_default(),
                s(&d.unit)
            )
        }
        EventKind::Confirmed => format!("收到申请日期为 {}，答复期限自次日起计算", date(d.due_on)),
        EventKind::ClarificationRequested => format!("请补正：{}", s(&d.items)),
        EventKind::ClarificationReceived => match &d.text {
            Some(t) if !t.is_empty() => t.clone(),
            _ => "答复期限自收到补正之日起重新计算".into(),
        },
        EventKind::ThirdPartyConsulted | EventKind::CoordinationRequested => {
            format!("向{}{}，期限至 {}，期间不计入答复期限", s(&d.unit), kind.label(), date(d.due_on))
        }
        EventKind::OpinionReceived => {
            format!("{}已回复意见", d.unit.as_deref().filter(|u| !u.is_empty()).unwrap_or("协查单位"))
        }
        EventKind::CoordinationAnswered => format!("{}已回复协查意见", s(&d.unit)),
        EventKind::Extended => format!(
            "经{}同意，答复期限延长 {} 个工作日。理由：{}",
            s(&d.approver),
            d.days.unwrap_or_default(),
            s(&d.reason)
        ),
        EventKind::ExcessivePeriodSet => {
            format!("申请数量、频次明显超过合理范围，答复期限确定为 {}。理由：{}", date(d.due_on), s(&d.reason))
        }
        EventKind::FeeNoticed => format!(
            "信息处理费 {} 元，请于 {} 前缴纳；逾期未缴纳的，不再处理该申请",
            d.fee_yuan.unwrap_or_default(),
            date(d.due_on)
        ),
        EventKind::ReplySubmitted | EventKind::Replied => {
            format!(
                "办理结果：{}",
                d.outcome.as_deref().and_then(Outcome::from_code).map(|o| o.label()).unwrap_or_default()
            )
        }
        EventKind::CorrectionReceived
        | EventKind::ReplyReturned
        | EventKind::Withdrawn
        | EventKind::Other
        | EventKind::FeePaid
        | EventKind::Archived
        | EventKind::HandlerAssigned => s(&d.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_read_back_only_as_codes() {
        let mut codes: Vec<_> = EventKind::ALL.iter().map(|k| k.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), EventKind::ALL.len());
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_code(k.code()), Some(*k));
            assert_eq!(EventKind::from_code(k.label()), None, "{} is words, not a code", k.label());
        }
    }

    #[test]
    fn notes_are_written_from_the_details() {
        let on = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        let cases: &[(EventKind, EventDetails, &str)] = &[
            (
                EventKind::Submitted,
                EventDetails {
                    channel: Some(Channel::Online.code().into()),
                    unit: Some("济南市教育局".into()),
                    ..Default::default()
                },
                "网上申请，受理机关：济南市教育局",
            ),
            (
                EventKind::Confirmed,
                EventDetails { due_on: on("2026-11-02"), ..Default::default() },
                "收到申请日期为 2026-11-02，答复期限自次日起计算",
            ),
            (
                EventKind::ClarificationRequested,
                EventDetails { items: Some("请写明文件名称".into()), ..Default::default() },
                "请补正：请写明文件名称",
            ),
            (EventKind::ClarificationReceived, EventDetails::default(), "答复期限自收到补正之日起重新计算"),
            (
                EventKind::ClarificationReceived,
                EventDetails { text: Some("电话补正".into()), ..Default::default() },
                "电话补正",
            ),
            (
                EventKind::CoordinationRequested,
                EventDetails { unit: Some("市住建局".into()), due_on: on("2026-12-01"), ..Default::default() },
                "向市住建局会商协查，期限至 2026-12-01，期间不计入答复期限",
            ),
            (EventKind::OpinionReceived, EventDetails::default(), "协查单位已回复意见"),
            (
                EventKind::Extended,
                EventDetails {
                    days: Some(20),
                    approver: Some("王主任".into()),
                    reason: Some("涉及档案调取".into()),
                    ..Default::default()
                },
                "经王主任同意，答复期限延长 20 个工作日。理由：涉及档案调取",
            ),
            (
                EventKind::FeeNoticed,
                EventDetails { fee_yuan: Some(100), due_on: on("2026-12-20"), ..Default::default() },
                "信息处理费 100 元，请于 2026-12-20 前缴纳；逾期未缴纳的，不再处理该申请",
            ),
            (
                EventKind::Replied,
                EventDetails { outcome: Some(Outcome::Disclosed.code().into()), ..Default::default() },
                "办理结果：予以公开",
            ),
            (EventKind::Archived, EventDetails::default(), ""),
        ];
        for (kind, details, want) in cases {
            assert_eq!(note(*kind, details), *want, "{kind:?}");
        }
    }

    #[test]
    fn details_round_trip_and_leave_out_what_is_absent() {
        let d = EventDetails { items: Some("材料".into()), days: Some(3), ..Default::default() };
        let json = d.to_json();
        assert_eq!(json, r#"{"items":"材料","days":3}"#);
        assert_eq!(EventDetails::from_json(&json).unwrap(), d);
        assert_eq!(EventDetails::from_json("").unwrap(), EventDetails::default());
        assert_eq!(EventDetails::from_json("{}").unwrap(), EventDetails::default());
        assert!(EventDetails::from_json("not json").is_err());
    }

    #[test]
    fn older_records_keep_their_words() {
        let d = EventDetails { label: Some("电话沟通".into()), ..Default::default() };
        assert_eq!(label(EventKind::Other, &d), "电话沟通");
        assert_eq!(label(EventKind::Archived, &d), "归档");
    }
}
