//! The review workflow of a document: draft → 初审 → 复审 → 终审 → published (now or at a set
//! time). Each stage is done by a different person than the author and than every earlier
//! stage — enforced here, not advised. A published document is changed through a new draft
//! revision that goes through the same stages while the published version stays online.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    First,
    Second,
    Final,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::First, Stage::Second, Stage::Final];

    pub fn label(self) -> &'static str {
        match self {
            Stage::First => "初审",
            Stage::Second => "复审",
            Stage::Final => "终审",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    fn next(self) -> Option<Stage> {
        match self {
            Stage::First => Some(Stage::Second),
            Stage::Second => Some(Stage::Final),
            Stage::Final => None,
        }
    }
}

/// The state of a document's working copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    InReview(Stage),
    /// Approved at 终审, to be published at a set time.
    Scheduled,
    /// The working copy is what the public sees.
    Published,
    Withdrawn,
}

impl State {
    pub fn label(self) -> &'static str {
        match self {
            State::Draft => "草稿",
            State::InReview(Stage::First) => "待初审",
            State::InReview(Stage::Second) => "待复审",
            State::InReview(Stage::Final) => "待终审",
            State::Scheduled => "定时发布",
            State::Published => "已发布",
            State::Withdrawn => "已撤稿",
        }
    }

    /// The stored form: `draft`, `review_first`, … .
    pub fn code(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::InReview(Stage::First) => "review_first",
            State::InReview(Stage::Second) => "review_second",
            State::InReview(Stage::Final) => "review_final",
            State::Scheduled => "scheduled",
            State::Published => "published",
            State::Withdrawn => "withdrawn",
        }
    }

    pub const ALL: [State; 7] = [
        State::Draft,
        State::InReview(Stage::First),
        State::InReview(Stage::Second),
        State::InReview(Stage::Final),
        State::Scheduled,
        State::Published,
        State::Withdrawn,
    ];

    pub fn parse(code: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn editable(self) -> bool {
        self == State::Draft
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The author sends the draft to 初审.
    Submit,
    /// A reviewer approves the current stage. At 终审 the pre-publication checks must be
    /// clear (or overridden with a recorded reason); `publish_later` schedules publication.
    Approve { checks_clear: bool, publish_later: bool },
    /// A reviewer sends it back to the author with a comment; also cancels a scheduled
    /// publication.
    Reject,
    /// The scheduled time has come.
    PublishDue,
    /// Opens a new revision of a published document; the published version stays online.
    Revise,
    /// Drops a pending revision; the published version stays as it is.
    Discard,
    /// Takes the published document down (撤稿).
    Withdraw,
}

/// What the rule needs to know besides the state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Facts {
    /// Who wrote the revision under review.
    pub author: i64,
    /// Who approved each stage of this revision so far.
    pub reviewers: [Option<i64>; 3],
    /// Whether a version of the document is online.
    pub has_live: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkflowError {
    NotAllowed { state: State, event: &'static str },
    AuthorCannotReview,
    AlreadyReviewed { stage: Stage },
    ChecksPending,
    NothingPublished,
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowError::NotAllowed { state, event } => write!(f, "文件当前为“{}”，不能{}", state.label(), event),
            WorkflowError::AuthorCannotReview => write!(f, "审核人不能是本文稿的撰稿人"),
            WorkflowError::AlreadyReviewed { stage } => {
                write!(f, "您已完成本文稿的{}，每一审核环节须由不同的人完成", stage.label())
            }
            WorkflowError::ChecksPending => {
                write!(f, "发布前检查发现的问题尚未处理，请先处理，或由审核人说明理由后忽略")
            }
            WorkflowError::NothingPublished => write!(f, "该文件尚未发布"),
        }
    }
}

impl std::error::Error for WorkflowError {}

fn event_name(e: &Event) -> &'static str {
    match e {
        Event::Submit => "提交审核",
        Event::Approve { .. } => "审核通过",
        Event::Reject => "退回修改",
        Event::PublishDue => "定时发布",
        Event::Revise => "修订",
        Event::Discard => "放弃修订",
        Event::Withdraw => "撤稿",
    }
}

/// The rule: the state after `event` done by `actor`, or why not.
pub fn next(state: State, event: Event, actor: i64, facts: &Facts) -> Result<State, WorkflowError> {
    let refuse = || WorkflowError::NotAllowed { state, event: event_name(&event) };
    match (state, event) {
        (State::Draft, Event::Submit) => Ok(State::InReview(Stage::First)),
        (State::InReview(stage), Event::Approve { checks_clear, publish_later }) => {
            if actor == facts.author {
                return Err(WorkflowError::AuthorCannotReview);
            }
            if let Some(done) = Stage::ALL[..stage.index()].iter().find(|s| facts.reviewers[s.index()] == Some(actor)) {
                return Err(WorkflowError::AlreadyReviewed { stage: *done });
            }
            match stage.next() {
                Some(next) => Ok(State::InReview(next)),
                None if !checks_clear => Err(WorkflowError::ChecksPending),
                None if publish_later => Ok(State::Scheduled),
                None => Ok(State::Published),
            }
        }
        (State::InReview(_), Event::Reject) | (State::Scheduled, Event::Reject) => {
            if actor == facts.author {
                return Err(WorkflowError::AuthorCannotReview);
            }
            Ok(State::Draft)
        }
        (State::Scheduled, Event::PublishDue) => Ok(State::Published),
        (State::Published, Event::Revise) => Ok(State::Draft),
        (State::Draft | State::InReview(_) | State::Scheduled, Event::Discard) => {
            if facts.has_live {
                Ok(State::Published)
            } else {
                Err(WorkflowError::NothingPublished)
            }
        }
        (State::Withdrawn, Event::Withdraw) => Err(refuse()),
        (_, Event::Withdraw) => {
            if facts.has_live {
                Ok(State::Withdrawn)
            } else {
                Err(WorkflowError::NothingPublished)
            }
        }
        _ => Err(refuse()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const AUTHOR: i64 = 1;
    const R1: i64 = 2;
    const R2: i64 = 3;
    const R3: i64 = 4;

    fn events() -> Vec<Event> {
        let mut e =
            vec![Event::Submit, Event::Reject, Event::PublishDue, Event::Revise, Event::Discard, Event::Withdraw];
        for checks_clear in [true, false] {
            for publish_later in [true, false] {
                e.push(Event::Approve { checks_clear, publish_later });
            }
        }
        e
    }

    /// The whole table: every state × every event × with and without a live version, by a
    /// reviewer who has not reviewed yet.
    #[test]
    fn every_transition() {
        use State::*;
        for has_live in [false, true] {
            let facts = Facts { author: AUTHOR, reviewers: [None; 3], has_live };
            for state in State::ALL {
                for event in events() {
                    let got = next(state, event, R1, &facts);
                    let expected: Option<State> = match (state, event) {
                        (Draft, Event::Submit) => Some(InReview(Stage::First)),
                        (InReview(Stage::First), Event::Approve { .. }) => Some(InReview(Stage::Second)),
                        (InReview(Stage::Second), Event::Approve { .. }) => Some(InReview(Stage::Final)),
                        (InReview(Stage::Final), Event::Approve { checks_clear: true, publish_later: true }) => {
                            Some(Scheduled)
                        }
                        (InReview(Stage::Final), Event::Approve { checks_clear: true, publish_later: false }) => {
                            Some(Published)
                        }
                        (InReview(_) | Scheduled, Event::Reject) => Some(Draft),
                        (Scheduled, Event::PublishDue) => Some(Published),
                        (Published, Event::Revise) => Some(Draft),
                        (Draft | InReview(_) | Scheduled, Event::Discard) if has_live => Some(Published),
                        (Draft | InReview(_) | Scheduled | Published, Event::Withdraw) if has_live => Some(Withdrawn),
                        _ => None,
                    };
                    assert_eq!(got.ok(), expected, "{state:?} + {event:?} (live: {has_live})");
                }
            }
        }
    }

    #[test]
    fn reviewers_must_all_be_different_people() {
        let approve = Event::Approve { checks_clear: true, publish_later: false };
        let mut facts = Facts { author: AUTHOR, reviewers: [None; 3], has_live: false };
        assert_eq!(
            next(State::InReview(Stage::First), approve, AUTHOR, &facts),
            Err(WorkflowError::AuthorCannotReview)
        );
        assert_eq!(
            next(State::InReview(Stage::First), Event::Reject, AUTHOR, &facts),
            Err(WorkflowError::AuthorCannotReview)
        );
        facts.reviewers[0] = Some(R1);
        assert_eq!(
            next(State::InReview(Stage::Second), approve, R1, &facts),
            Err(WorkflowError::AlreadyReviewed { stage: Stage::First })
        );
        assert_eq!(next(State::InReview(Stage::Second), approve, R2, &facts), Ok(State::InReview(Stage::Final)));
        facts.reviewers[1] = Some(R2);
        for someone in [AUTHOR, R1, R2] {
            assert!(next(State::InReview(Stage::Final), approve, someone, &facts).is_err(), "{someone}");
        }
        assert_eq!(next(State::InReview(Stage::Final), approve, R3, &facts), Ok(State::Published));
        // Anyone but the author may send it back at any stage.
        assert_eq!(next(State::InReview(Stage::Final), Event::Reject, R1, &facts), Ok(State::Draft));
    }

    #[test]
    fn final_review_waits_for_the_checks() {
        let facts = Facts { author: AUTHOR, reviewers: [Some(R1), Some(R2), None], has_live: false };
        let blocked = Event::Approve { checks_clear: false, publish_later: false };
        assert_eq!(next(State::InReview(Stage::Final), blocked, R3, &facts), Err(WorkflowError::ChecksPending));
        // Earlier stages see the checks but are not blocked by them.
        let facts = Facts { author: AUTHOR, reviewers: [None; 3], has_live: false };
        assert_eq!(next(State::InReview(Stage::First), blocked, R1, &facts), Ok(State::InReview(Stage::Second)));
    }

    #[test]
    fn states_round_trip_their_codes() {
        for s in State::ALL {
            assert_eq!(State::parse(s.code()), Some(s));
            assert!(!s.label().is_empty());
        }
        assert_eq!(State::parse("approved"), None);
    }
}
