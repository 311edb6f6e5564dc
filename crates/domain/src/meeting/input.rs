//! A meeting as staff give it ([`MeetingInput`], checked into [`MeetingFields`]): before the
//! meeting its notice (kind, number, time, place, agenda, seats); after it the decision on
//! each agenda item ([`DecisionInput`]).

use super::{MeetingKind, parse_number};
use crate::validation::{Invalid, line, local_minute, text};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Agenda items a meeting may have at most.
pub const MAX_AGENDA: usize = 30;

// The doc comments are the OpenAPI schema's descriptions.
/// 政府会议（会前预告）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MeetingBody)]
#[serde(deny_unknown_fields)]
pub struct MeetingInput {
    /// 召开会议的政府（单位），不填为本人所在单位（仅新建时有效）
    pub unit_id: Option<i64>,
    /// executive（常务会议）、plenary（全体会议）或 thematic（专题会议）
    #[serde(default)]
    pub kind: String,
    /// 届次，如“第66次”或 66
    #[serde(default)]
    pub number: String,
    /// 召开时间 YYYY-MM-DD HH:MM（北京时间）
    #[serde(default)]
    pub held_at: String,
    #[serde(default)]
    pub place: String,
    /// 议题，按顺序
    #[serde(default)]
    pub agenda: Vec<String>,
    /// 列席人员（如“市民代表、企业代表、专家”）
    #[serde(default)]
    pub observers: String,
    /// 公众旁听席位数，0 为不设
    #[serde(default)]
    pub public_seats: u32,
}

/// A checked meeting notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingFields {
    pub kind: MeetingKind,
    pub number: u32,
    pub held_at: DateTime<Utc>,
    pub place: String,
    pub agenda: Vec<String>,
    pub observers: String,
    pub public_seats: u32,
}

impl MeetingFields {
    pub fn parse(input: &MeetingInput) -> Result<MeetingFields, Invalid> {
        let mut e = Invalid::default();
        let kind = MeetingKind::parse(&input.kind);
        if kind.is_none() {
            e.push("kind", "会议类型", "应为常务会议、全体会议或专题会议");
        }
        let number = parse_number(&input.number);
        if number.is_none() {
            e.push("number", "届次", "应为正整数，如“第66次”");
        }
        let held_at = local_minute(&mut e, "held_at", "召开时间", &input.held_at);
        let place = line(&mut e, "place", "地点", &input.place, true, 100);
        let mut agenda = Vec::new();
        for item in &input.agenda {
            let v = line(&mut e, "agenda", "议题", item, false, 200);
            if !v.is_empty() {
                agenda.push(v);
            }
        }
        if agenda.is_empty() && e.message_for("agenda").is_none() {
            e.push("agenda", "议题", "至少填写一个议题");
        }
        if agenda.len() > MAX_AGENDA {
            e.push("agenda", "议题", format!("最多 {MAX_AGENDA} 个"));
        }
        let observers = line(&mut e, "observers", "列席人员", &input.observers, false, 200);
        if input.public_seats > 1000 {
            e.push("public_seats", "旁听席位", "不超过 1000");
        }
        let (Some(kind), Some(number), Some(held_at)) = (kind, number, held_at) else { return Err(e) };
        e.into_result(MeetingFields {
            kind,
            number,
            held_at,
            place,
            agenda,
            observers,
            public_seats: input.public_seats,
        })
    }
}

/// 议题的决定（会后公开）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MeetingDecisionBody)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// 议题序号（从 1 开始）
    #[serde(default)]
    pub item: u32,
    /// 会议决定，如“原则通过，由区发展改革局按程序印发实施”
    #[serde(default)]
    pub decision: String,
    /// 据此公开的文件和解读（本平台文件的 id）
    #[serde(default)]
    pub document_ids: Vec<i64>,
}

/// Checks a decision against the meeting's agenda; gives the item's index (from 0).
pub fn check_decision(input: &DecisionInput, agenda_len: usize) -> Result<(usize, String), Invalid> {
    let mut e = Invalid::default();
    let index = (input.item as usize).checked_sub(1).filter(|&i| i < agenda_len);
    if index.is_none() {
        e.push("item", "议题序号", format!("应为 1 至 {agenda_len}"));
    }
    let decision = text(&mut e, "decision", "会议决定", &input.decision, true, 2000);
    if input.document_ids.len() > 20 {
        e.push("document_ids", "相关文件", "最多 20 个");
    }
    let Some(index) = index else { return Err(e) };
    e.into_result((index, decision))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notice() -> MeetingInput {
        MeetingInput {
            kind: "常务会议".into(),
            number: "第66次".into(),
            held_at: "2026-12-10 09:00".into(),
            place: "区政府第一会议室".into(),
            agenda: vec!["研究老旧小区改造实施方案".into(), " ".into(), "研究营商环境优化措施".into()],
            observers: "市民代表、企业代表".into(),
            public_seats: 10,
            ..Default::default()
        }
    }

    #[test]
    fn a_notice_is_kept_clean() {
        let m = MeetingFields::parse(&notice()).expect("valid");
        assert_eq!((m.kind, m.number), (MeetingKind::Executive, 66));
        assert_eq!(m.agenda.len(), 2, "blank items dropped");
    }

    #[test]
    fn each_problem_names_its_field() {
        type Spoil = fn(&mut MeetingInput);
        let cases: [(Spoil, &str); 6] = [
            (|i| i.kind = "座谈会".into(), "kind"),
            (|i| i.number = "第零次".into(), "number"),
            (|i| i.held_at = "2026/12/10".into(), "held_at"),
            (|i| i.place = String::new(), "place"),
            (|i| i.agenda = vec![" ".into()], "agenda"),
            (|i| i.public_seats = 5000, "public_seats"),
        ];
        for (spoil, field) in cases {
            let mut input = notice();
            spoil(&mut input);
            let e = MeetingFields::parse(&input).expect_err(field);
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
    }

    #[test]
    fn decisions_belong_to_an_agenda_item() {
        let ok = DecisionInput { item: 2, decision: "原则通过。".into(), document_ids: vec![1] };
        assert_eq!(check_decision(&ok, 2).expect("valid"), (1, "原则通过。".to_string()));
        for (input, field) in [
            (DecisionInput { item: 0, ..ok.clone() }, "item"),
            (DecisionInput { item: 3, ..ok.clone() }, "item"),
            (DecisionInput { decision: String::new(), ..ok.clone() }, "decision"),
            (DecisionInput { document_ids: (0..21).collect(), ..ok.clone() }, "document_ids"),
        ] {
            let e = check_decision(&input, 2).expect_err(field);
            assert!(e.message_for(field).is_some(), "{field}: {e:?}");
        }
    }
}
