//! The review steps shared by the records that go through the documents' workflow (初审 →
//! 复审 → 终审, each by someone other than the author and the earlier reviewers).

use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_domain::workflow::Event;

/// A step of the review of a record drafted and reviewed as documents are (a policy, a
/// consultation, its adoption feedback).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewAction {
    Submit,
    Approve,
    Reject { comment: String },
    Revise,
    Discard,
    Withdraw { note: String },
}

impl ReviewAction {
    /// Reads an action by its code (`submit`, `approve`, `reject`, `revise`, `discard`,
    /// `withdraw`) with its comment.
    pub fn parse(code: &str, comment: &str) -> Result<ReviewAction, Invalid> {
        let comment = comment.trim();
        let needs = |what: &str| Invalid::one("comment", "说明", format!("{what}须写明理由"));
        Ok(match code.trim() {
            "submit" => ReviewAction::Submit,
            "approve" => ReviewAction::Approve,
            "reject" if comment.is_empty() => return Err(needs("退回")),
            "reject" => ReviewAction::Reject { comment: comment.into() },
            "revise" => ReviewAction::Revise,
            "discard" => ReviewAction::Discard,
            "withdraw" if comment.is_empty() => return Err(needs("撤下")),
            "withdraw" => ReviewAction::Withdraw { note: comment.into() },
            other => {
                return Err(Invalid::one(
                    "action",
                    "操作",
                    format!("“{other}”不是可用的操作（submit、approve、reject、revise、discard、withdraw）"),
                ));
            }
        })
    }

    pub(crate) fn event(&self) -> Event {
        match self {
            ReviewAction::Submit => Event::Submit,
            ReviewAction::Approve => Event::Approve { checks_clear: true, publish_later: false },
            ReviewAction::Reject { .. } => Event::Reject,
            ReviewAction::Revise => Event::Revise,
            ReviewAction::Discard => Event::Discard,
            ReviewAction::Withdraw { .. } => Event::Withdraw,
        }
    }

    /// The permission the action takes.
    pub(crate) fn needs(&self) -> Action {
        match self {
            ReviewAction::Submit | ReviewAction::Revise | ReviewAction::Discard => Action::DraftDocuments,
            ReviewAction::Approve | ReviewAction::Reject { .. } => Action::ReviewDocuments,
            ReviewAction::Withdraw { .. } => Action::WithdrawDocuments,
        }
    }
}
