//! The lifecycle of an application for disclosure, covering the stages Jinan's system names
//! 接收、登记、补正、办理、协查、审签、答复、延期、归档: an online application waits until a
//! handler confirms its receipt (art. 31); the handler may ask once for a clarification
//! (art. 30), consult third parties or other agencies (art. 32, 34), send a fee notice (art.
//! 42), and drafts the reply, which a second person approves (审签) before it is sent.
//! Extension (延期) changes the due date, not the state; the rule for it is here too.

use serde::{Deserialize, Serialize};
use std::fmt;

code_list! {
    /// Where an application stands.
    RequestState {
        AwaitingConfirmation = ("awaiting_confirmation", "待确认收到"),
        InProgress = ("in_progress", "办理中"),
        Clarifying = ("clarifying", "待申请人补正"),
        Consulting = ("consulting", "征求意见中"),
        AwaitingFee = ("awaiting_fee", "待缴纳信息处理费"),
        AwaitingApproval = ("awaiting_approval", "答复待审签"),
        Replied = ("replied", "已答复"),
        Archived = ("archived", "已归档"),
        Withdrawn = ("withdrawn", "申请人已撤回"),
    }
}

impl RequestState {
    /// Whether the reply is still owed.
    pub fn is_open(self) -> bool {
        !matches!(self, RequestState::Replied | RequestState::Archived | RequestState::Withdrawn)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestEvent {
    /// 确认收到 (online, fax and e-mail applications).
    ConfirmReceipt,
    /// 补正告知: every correction asked for at once, so only once per application.
    RequestClarification,
    /// The corrected application arrived; the reply period starts again.
    ClarificationReceived,
    /// 征求第三方意见 or 会商/协查 sent.
    OpenConsultation,
    /// A consultation answered (or its period ran out); `others_open` if more are pending.
    CloseConsultation {
        others_open: bool,
    },
    /// 收费通知 for an excessive request.
    NoticeFee,
    FeePaid,
    /// The handler's draft reply goes to 审签. From 待补正 or 待缴费 it is the reply that the
    /// application is no longer processed (other.no_clarification / other.fee_unpaid).
    SubmitReply,
    /// 审签通过: the reply is sent.
    ApproveReply,
    /// 审签退回: back to the handler.
    ReturnReply,
    /// 归档.
    Archive,
    /// The applicant withdraws the application.
    Withdraw,
}

impl RequestEvent {
    pub fn label(self) -> &'static str {
        match self {
            RequestEvent::ConfirmReceipt => "确认收到",
            RequestEvent::RequestClarification => "告知补正",
            RequestEvent::ClarificationReceived => "登记补正材料",
            RequestEvent::OpenConsultation => "征求意见",
            RequestEvent::CloseConsultation { .. } => "结束征求意见",
            RequestEvent::NoticeFee => "发出收费通知",
            RequestEvent::FeePaid => "登记缴费",
            RequestEvent::SubmitReply => "提交答复审签",
            RequestEvent::ApproveReply => "审签通过",
            RequestEvent::ReturnReply => "审签退回",
            RequestEvent::Archive => "归档",
            RequestEvent::Withdraw => "撤回申请",
        }
    }
}

/// What the rule needs besides the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequestFacts {
    /// Who submitted the reply now awaiting 审签.
    pub drafter: Option<i64>,
    /// Whether a clarification was asked for before.
    pub clarified_before: bool,
    /// Whether the period was extended before.
    pub extended_before: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestError {
    NotAllowed {
        state: RequestState,
        event: &'static str,
    },
    /// Art. 30: all corrections are asked for at once.
    ClarifiedBefore,
    /// 审签 is by a second person.
    OwnReply,
    /// Art. 33: one extension.
    ExtendedBefore,
    /// Art. 33: at most 20 working days.
    ExtensionTooLong,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::NotAllowed { state, event } => write!(f, "申请当前为“{}”，不能{}", state.label(), event),
            RequestError::ClarifiedBefore => write!(f, "已告知过补正；补正须一次性告知，不能再次要求补正"),
            RequestError::OwnReply => write!(f, "答复须由起草人以外的人审签"),
            RequestError::ExtendedBefore => write!(f, "答复期限已延长过一次，不能再次延长"),
            RequestError::ExtensionTooLong => write!(f, "延长答复期限最长不得超过 20 个工作日"),
        }
    }
}

impl std::error::Error for RequestError {}

/// The rule: the state after `event` done by `actor`, or why not.
pub fn next(
    state: RequestState,
    event: RequestEvent,
    actor: i64,
    facts: &RequestFacts,
) -> Result<RequestState, RequestError> {
    use RequestEvent as E;
    use RequestState as S;
    let refuse = RequestError::NotAllowed { state, event: event.label() };
    match (state, event) {
        (S::AwaitingConfirmation, E::ConfirmReceipt) => Ok(S::InProgress),
        (S::InProgress, E::RequestClarification) if facts.clarified_before => Err(RequestError::ClarifiedBefore),
        (S::InProgress, E::RequestClarification) => Ok(S::Clarifying),
        (S::Clarifying, E::ClarificationReceived) => Ok(S::InProgress),
        (S::InProgress | S::Consulting, E::OpenConsultation) => Ok(S::Consulting),
        (S::Consulting, E::CloseConsultation { others_open: true }) => Ok(S::Consulting),
        (S::Consulting, E::CloseConsultation { others_open: false }) => Ok(S::InProgress),
        (S::InProgress, E::NoticeFee) => Ok(S::AwaitingFee),
        (S::AwaitingFee, E::FeePaid) => Ok(S::InProgress),
        (S::InProgress | S::Clarifying | S::AwaitingFee, E::SubmitReply) => Ok(S::AwaitingApproval),
        (S::AwaitingApproval, E::ApproveReply | E::ReturnReply) if facts.drafter == Some(actor) => {
            Err(RequestError::OwnReply)
        }
        (S::AwaitingApproval, E::ApproveReply) => Ok(S::Replied),
        (S::AwaitingApproval, E::ReturnReply) => Ok(S::InProgress),
        (S::Replied, E::Archive) => Ok(S::Archived),
        // Until the reply is sent the applicant may withdraw.
        (_, E::Withdraw) if state.is_open() => Ok(S::Withdrawn),
        _ => Err(refuse),
    }
}

/// Whether the reply period may be extended by `days` working days now (art. 33).
pub fn may_extend(state: RequestState, days: u32, facts: &RequestFacts) -> Result<(), RequestError> {
    if !matches!(state, RequestState::InProgress | RequestState::Consulting) {
        return Err(RequestError::NotAllowed { state, event: "延长答复期限" });
    }
    if facts.extended_before {
        return Err(RequestError::ExtendedBefore);
    }
    if days == 0 || days > crate::requests::MAX_EXTENSION_DAYS {
        return Err(RequestError::ExtensionTooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use RequestEvent as E;
    use RequestState as S;

    const HANDLER: i64 = 1;
    const APPROVER: i64 = 2;

    fn events() -> Vec<RequestEvent> {
        vec![
            E::ConfirmReceipt,
            E::RequestClarification,
            E::ClarificationReceived,
            E::OpenConsultation,
            E::CloseConsultation { others_open: true },
            E::CloseConsultation { others_open: false },
            E::NoticeFee,
            E::FeePaid,
            E::SubmitReply,
            E::ApproveReply,
            E::ReturnReply,
            E::Archive,
            E::Withdraw,
        ]
    }

    /// Every state × every event, by a second person, with and without an earlier clarification.
    #[test]
    fn every_transition() {
        for clarified_before in [false, true] {
            let facts = RequestFacts { drafter: Some(HANDLER), clarified_before, extended_before: false };
            for &state in S::ALL {
                for event in events() {
                    let expected = match (state, event) {
                        (S::AwaitingConfirmation, E::ConfirmReceipt) => Some(S::InProgress),
                        (S::InProgress, E::RequestClarification) if !clarified_before => Some(S::Clarifying),
                        (S::Clarifying, E::ClarificationReceived) => Some(S::InProgress),
                        (S::InProgress | S::Consulting, E::OpenConsultation) => Some(S::Consulting),
                        (S::Consulting, E::CloseConsultation { others_open }) => {
                            Some(if others_open { S::Consulting } else { S::InProgress })
                        }
                        (S::InProgress, E::NoticeFee) => Some(S::AwaitingFee),
                        (S::AwaitingFee, E::FeePaid) => Some(S::InProgress),
                        (S::InProgress | S::Clarifying | S::AwaitingFee, E::SubmitReply) => Some(S::AwaitingApproval),
                        (S::AwaitingApproval, E::ApproveReply) => Some(S::Replied),
                        (S::AwaitingApproval, E::ReturnReply) => Some(S::InProgress),
                        (S::Replied, E::Archive) => Some(S::Archived),
                        (
                            S::AwaitingConfirmation
                            | S::InProgress
                            | S::Clarifying
                            | S::Consulting
                            | S::AwaitingFee
                            | S::AwaitingApproval,
                            E::Withdraw,
                        ) => Some(S::Withdrawn),
                        _ => None,
                    };
                    assert_eq!(
                        next(state, event, APPROVER, &facts).ok(),
                        expected,
                        "{state:?} + {event:?} (clarified before: {clarified_before})"
                    );
                }
            }
        }
    }

    #[test]
    fn the_rules_give_their_reasons() {
        let facts = RequestFacts { drafter: Some(HANDLER), clarified_before: true, extended_before: false };
        assert_eq!(next(S::InProgress, E::RequestClarification, HANDLER, &facts), Err(RequestError::ClarifiedBefore));
        assert_eq!(next(S::AwaitingApproval, E::ApproveReply, HANDLER, &facts), Err(RequestError::OwnReply));
        assert_eq!(next(S::AwaitingApproval, E::ReturnReply, HANDLER, &facts), Err(RequestError::OwnReply));
        let refused = next(S::Replied, E::Withdraw, APPROVER, &facts).unwrap_err();
        assert_eq!(refused.to_string(), "申请当前为“已答复”，不能撤回申请");
        assert!(RequestError::OwnReply.to_string().contains("审签"));
    }

    #[test]
    fn one_extension_of_at_most_twenty_days() {
        let fresh = RequestFacts::default();
        assert_eq!(may_extend(S::InProgress, 20, &fresh), Ok(()));
        assert_eq!(may_extend(S::Consulting, 5, &fresh), Ok(()));
        assert_eq!(may_extend(S::InProgress, 21, &fresh), Err(RequestError::ExtensionTooLong));
        assert_eq!(may_extend(S::InProgress, 0, &fresh), Err(RequestError::ExtensionTooLong));
        let again = RequestFacts { extended_before: true, ..fresh };
        assert_eq!(may_extend(S::InProgress, 10, &again), Err(RequestError::ExtendedBefore));
        for &state in S::ALL {
            let allowed = matches!(state, S::InProgress | S::Consulting);
            assert_eq!(may_extend(state, 10, &fresh).is_ok(), allowed, "{state:?}");
        }
    }

    #[test]
    fn states_round_trip_their_codes() {
        for &s in S::ALL {
            assert_eq!(S::parse(s.code()), Some(s));
        }
        assert!(S::Consulting.is_open() && !S::Replied.is_open() && !S::Withdrawn.is_open());
    }
}
