//! The state machines of handling: an opinion's moderation, a forward to the responsible unit,
//! and the decision that ends a group of opinions. Each transition is a pure function; the
//! store writes only what it returns.

use super::{Decision, HideReason};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Whether an opinion is shown: every opinion starts pending; only published ones reach the
/// public (masked, without contact details).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpinionStatus {
    Pending,
    Published,
    Hidden,
}

impl OpinionStatus {
    pub const ALL: [OpinionStatus; 3] = [OpinionStatus::Pending, OpinionStatus::Published, OpinionStatus::Hidden];

    pub fn code(self) -> &'static str {
        match self {
            OpinionStatus::Pending => "pending",
            OpinionStatus::Published => "published",
            OpinionStatus::Hidden => "hidden",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OpinionStatus::Pending => "待审核",
            OpinionStatus::Published => "已公开",
            OpinionStatus::Hidden => "不予公开",
        }
    }

    pub fn from_code(s: &str) -> Option<OpinionStatus> {
        OpinionStatus::ALL.into_iter().find(|v| v.code() == s)
    }
}

/// A moderator's step on an opinion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Publish,
    Hide(HideReason),
}

impl Moderation {
    /// Reads `publish`, or `hide` with its reason's code.
    pub fn parse(action: &str, reason: &str) -> Result<Moderation, String> {
        match action.trim() {
            "publish" => Ok(Moderation::Publish),
            "hide" => match HideReason::parse(reason) {
                Some(r) => Ok(Moderation::Hide(r)),
                None => Err(format!(
                    "不予公开须选择理由（{}）",
                    HideReason::ALL
                        .iter()
                        .map(|r| format!("{} {}", r.code(), r.label()))
                        .collect::<Vec<_>>()
                        .join("、")
                )),
            },
            other => Err(format!("“{other}”不是可用的操作（publish、hide）")),
        }
    }
}

/// The status after a moderation step: a pending or hidden opinion may be published, a
/// pending or published one hidden; doing again what is done is refused, so two moderators
/// racing learn of each other.
pub fn moderate(status: OpinionStatus, step: Moderation) -> Result<OpinionStatus, String> {
    match (status, step) {
        (OpinionStatus::Pending | OpinionStatus::Hidden, Moderation::Publish) => Ok(OpinionStatus::Published),
        (OpinionStatus::Pending | OpinionStatus::Published, Moderation::Hide(_)) => Ok(OpinionStatus::Hidden),
        (s, _) => Err(format!("该意见已是“{}”状态", s.label())),
    }
}

/// A forward of an opinion or group to the unit that is to answer it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardState {
    /// Waiting for the unit's answer (again, after a return).
    Sent,
    Answered,
    /// Taken back by the consultation's staff (sent to the wrong unit).
    Recalled,
}

impl ForwardState {
    pub const ALL: [ForwardState; 3] = [ForwardState::Sent, ForwardState::Answered, ForwardState::Recalled];

    pub fn code(self) -> &'static str {
        match self {
            ForwardState::Sent => "sent",
            ForwardState::Answered => "answered",
            ForwardState::Recalled => "recalled",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ForwardState::Sent => "待答复",
            ForwardState::Answered => "已答复",
            ForwardState::Recalled => "已撤回",
        }
    }

    pub fn from_code(s: &str) -> Option<ForwardState> {
        ForwardState::ALL.into_iter().find(|v| v.code() == s)
    }

    /// Past its due date without an answer: shown on the unit's dashboard.
    pub fn overdue(self, due_on: NaiveDate, today: NaiveDate) -> bool {
        self == ForwardState::Sent && today > due_on
    }
}

/// A step on a forward: the unit answers; the consultation's staff return an answer that
/// does not do (it waits again) or recall a forward still waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForwardStep {
    Answer,
    Return,
    Recall,
}

impl ForwardStep {
    pub fn parse(code: &str) -> Option<ForwardStep> {
        match code.trim() {
            "answer" => Some(ForwardStep::Answer),
            "return" => Some(ForwardStep::Return),
            "recall" => Some(ForwardStep::Recall),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            ForwardStep::Answer => "答复",
            ForwardStep::Return => "退回重新答复",
            ForwardStep::Recall => "撤回",
        }
    }
}

pub fn forward_next(state: ForwardState, step: ForwardStep) -> Result<ForwardState, String> {
    match (state, step) {
        (ForwardState::Sent, ForwardStep::Answer) => Ok(ForwardState::Answered),
        (ForwardState::Answered, ForwardStep::Return) => Ok(ForwardState::Sent),
        (ForwardState::Sent, ForwardStep::Recall) => Ok(ForwardState::Recalled),
        (s, step) => Err(format!("转办件当前为“{}”，不能{}", s.label(), step.label())),
    }
}

/// A group's decision as staff give it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionInput {
    pub decision: Decision,
    /// Why (required for 未采纳); also what was done, shown to the people who gave the
    /// opinions.
    pub reason: String,
}

impl DecisionInput {
    pub fn parse(decision: &str, reason: &str) -> Result<DecisionInput, crate::validation::Invalid> {
        let mut e = crate::validation::Invalid::default();
        let d = Decision::parse(decision);
        if d.is_none() {
            e.push(
                "decision",
                "办理结果",
                format!(
                    "应为 {}",
                    Decision::ALL
                        .iter()
                        .map(|d| format!("{}（{}）", d.code(), d.label()))
                        .collect::<Vec<_>>()
                        .join("、")
                ),
            );
        }
        let reason = crate::validation::text(&mut e, "reason", "理由或采纳情况", reason, false, 2000);
        if d.is_some_and(Decision::needs_reason) && reason.is_empty() {
            e.push("reason", "理由或采纳情况", "未采纳须说明理由");
        }
        match d {
            Some(decision) if e.is_empty() => Ok(DecisionInput { decision, reason }),
            _ => Err(e),
        }
    }
}

/// Whether a group may be decided (or its decision changed): not once the adoption feedback
/// that accounts for it is published.
pub fn may_decide(report_published: bool) -> Result<(), String> {
    if report_published { Err("采纳情况反馈已发布，办理结果不能再更改".into()) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_moderation_transition() {
        use Moderation::*;
        use OpinionStatus::*;
        let hide = Hide(HideReason::Spam);
        let table = [
            (Pending, Publish, Some(Published)),
            (Pending, hide, Some(Hidden)),
            (Published, Publish, None),
            (Published, hide, Some(Hidden)),
            (Hidden, Publish, Some(Published)),
            (Hidden, hide, None),
        ];
        for (from, step, want) in table {
            assert_eq!(moderate(from, step).ok(), want, "{from:?} {step:?}");
        }
        assert_eq!(Moderation::parse("hide", "off_topic"), Ok(Hide(HideReason::OffTopic)));
        assert_eq!(Moderation::parse("hide", "与征集主题无关"), Ok(Hide(HideReason::OffTopic)));
        assert!(Moderation::parse("hide", "").unwrap_err().contains("spam"));
        assert!(Moderation::parse("delete", "").is_err());
        for s in OpinionStatus::ALL {
            assert_eq!(OpinionStatus::from_code(s.code()), Some(s));
        }
    }

    #[test]
    fn every_forward_transition() {
        use ForwardState::*;
        use ForwardStep::*;
        for from in ForwardState::ALL {
            for step in [Answer, Return, Recall] {
                let want = match (from, step) {
                    (Sent, Answer) => Some(Answered),
                    (Answered, Return) => Some(Sent),
                    (Sent, Recall) => Some(Recalled),
                    _ => None,
                };
                assert_eq!(forward_next(from, step).ok(), want, "{from:?} {step:?}");
            }
            assert_eq!(ForwardState::from_code(from.code()), Some(from));
        }
        assert!(forward_next(Recalled, Answer).unwrap_err().contains("已撤回"));
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date");
        assert!(!Sent.overdue(d("2026-12-07"), d("2026-12-07")));
        assert!(Sent.overdue(d("2026-12-07"), d("2026-12-08")));
        assert!(!Answered.overdue(d("2026-12-07"), d("2026-12-08")));
        assert_eq!(ForwardStep::parse(" answer "), Some(Answer));
        assert_eq!(ForwardStep::parse("close"), None);
    }

    #[test]
    fn decisions_need_a_reason_only_when_not_adopted() {
        assert!(DecisionInput::parse("adopted", "").is_ok());
        assert_eq!(DecisionInput::parse("部分采纳", "已写入报告").map(|d| d.decision), Ok(Decision::PartlyAdopted));
        let e = DecisionInput::parse("not_adopted", " ").unwrap_err();
        assert_eq!(e.message_for("reason"), Some("理由或采纳情况：未采纳须说明理由"));
        let e = DecisionInput::parse("maybe", "").unwrap_err();
        assert!(e.message_for("decision").is_some_and(|m| m.contains("adopted")));
        assert!(may_decide(false).is_ok() && may_decide(true).is_err());
    }
}
