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
    NotAllowed {
        state: State,
        event: &'static str,
    },
    AuthorCannotReview,
    /// `actor` approved `stage` of this revision and may not also approve `at`.
    AlreadyReviewed {
        stage: Stage,
        at: Stage,
    },
    ChecksPending,
    NothingPublished,
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkflowError::NotAllowed { state, event } => write!(f, "文件当前为“{}”，不能{}", state.label(), event),
            WorkflowError::AuthorCannotReview => write!(f, "审核人不能是本文稿的撰稿人"),
            WorkflowError::AlreadyReviewed { stage, at } => {
                write!(f, "您已参与本文的{}，按规定不能再{}（每一审核环节须由不同的人完成）", stage.label(), at.label())
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
                return Err(WorkflowError::AlreadyReviewed { stage: *done, at: stage });
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

/// Why a member of staff may not approve or send back a document now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// No 信息审核 role over the document's unit.
    NoRole,
    /// The workflow refuses: the author, a reviewer of an earlier stage, or a state that is not
    /// under review.
    Rule(WorkflowError),
}

impl fmt::Display for ReviewRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReviewRefusal::NoRole => write!(f, "您没有审核本单位文件的权限（需“信息审核”角色）"),
            ReviewRefusal::Rule(e) => e.fmt(f),
        }
    }
}

/// What a member of staff may do to a document in review: approve it (and into which state
/// that takes it: the next stage, published, or scheduled), and send it back. Both answers
/// come from [`crate::staff::permits`] and [`next`], the rules the write itself applies, so
/// what the console offers is what the store accepts. The pre-publication checks are not
/// considered here: at 终审 they are cleared or overridden with a reason in the same step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewOptions {
    pub approve: Result<State, ReviewRefusal>,
    pub reject: Result<State, ReviewRefusal>,
}

impl ReviewOptions {
    /// Whether the document waits for this person: it is at a review stage they may approve.
    pub fn awaits(&self) -> bool {
        self.approve.is_ok()
    }
}

pub fn review_options(
    roles: &crate::staff::Roles,
    reach: crate::staff::Reach,
    state: State,
    actor: i64,
    facts: &Facts,
    publish_later: bool,
) -> ReviewOptions {
    if !crate::staff::permits(roles, crate::staff::Action::ReviewDocuments, reach) {
        return ReviewOptions { approve: Err(ReviewRefusal::NoRole), reject: Err(ReviewRefusal::NoRole) };
    }
    let approve = next(state, Event::Approve { checks_clear: true, publish_later }, actor, facts);
    let reject = next(state, Event::Reject, actor, facts);
    ReviewOptions { approve: approve.map_err(ReviewRefusal::Rule), reject: reject.map_err(ReviewRefusal::Rule) }
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
            Err(WorkflowError::AlreadyReviewed { stage: Stage::First, at: Stage::Second })
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

    /// Who may approve and send back, per stage: roles, reach and the separation of duties
    /// together, with the reason people are told when they may not.
    #[test]
    fn review_options_table() {
        use crate::staff::{Reach, Role, Roles};
        let reviewer: Roles = [Role::Reviewer].into_iter().collect();
        let editor: Roles = [Role::Editor].into_iter().collect();
        let admin: Roles = [Role::SystemAdmin].into_iter().collect();
        let after_first = Facts { author: AUTHOR, reviewers: [Some(R1), None, None], has_live: false };
        let after_second = Facts { author: AUTHOR, reviewers: [Some(R1), Some(R2), None], has_live: false };
        let fresh = Facts { author: AUTHOR, reviewers: [None; 3], has_live: false };
        let first = State::InReview(Stage::First);
        let second = State::InReview(Stage::Second);
        let fin = State::InReview(Stage::Final);
        type Case<'a> = (&'a Roles, Reach, State, i64, Facts, bool, Result<State, &'a str>, Result<State, &'a str>);
        let cases: Vec<Case> = vec![
            // An ordinary reviewer at each stage.
            (&reviewer, Reach::Subtree, first, R1, fresh, false, Ok(second), Ok(State::Draft)),
            (&reviewer, Reach::Subtree, second, R2, after_first, false, Ok(fin), Ok(State::Draft)),
            (&reviewer, Reach::Subtree, fin, R3, after_second, false, Ok(State::Published), Ok(State::Draft)),
            (&reviewer, Reach::Subtree, fin, R3, after_second, true, Ok(State::Scheduled), Ok(State::Draft)),
            // Separation of duties: refused to approve, still allowed to send back.
            (
                &reviewer,
                Reach::Subtree,
                second,
                R1,
                after_first,
                false,
                Err("您已参与本文的初审，按规定不能再复审（每一审核环节须由不同的人完成）"),
                Ok(State::Draft),
            ),
            (
                &reviewer,
                Reach::Subtree,
                fin,
                R2,
                after_second,
                false,
                Err("您已参与本文的复审，按规定不能再终审（每一审核环节须由不同的人完成）"),
                Ok(State::Draft),
            ),
            (
                &reviewer,
                Reach::Subtree,
                first,
                AUTHOR,
                fresh,
                false,
                Err("审核人不能是本文稿的撰稿人"),
                Err("审核人不能是本文稿的撰稿人"),
            ),
            // Roles and reach.
            (
                &editor,
                Reach::Subtree,
                first,
                R1,
                fresh,
                false,
                Err("您没有审核本单位文件的权限（需“信息审核”角色）"),
                Err("您没有审核本单位文件的权限（需“信息审核”角色）"),
            ),
            (
                &reviewer,
                Reach::Outside,
                first,
                R1,
                fresh,
                false,
                Err("您没有审核本单位文件的权限（需“信息审核”角色）"),
                Err("您没有审核本单位文件的权限（需“信息审核”角色）"),
            ),
            (&admin, Reach::Outside, first, R1, fresh, false, Ok(second), Ok(State::Draft)),
            // Nothing to review in a draft; a scheduled one can only be sent back.
            (
                &reviewer,
                Reach::Subtree,
                State::Draft,
                R1,
                fresh,
                false,
                Err("文件当前为“草稿”，不能审核通过"),
                Err("文件当前为“草稿”，不能退回修改"),
            ),
            (
                &reviewer,
                Reach::Subtree,
                State::Scheduled,
                R3,
                after_second,
                false,
                Err("文件当前为“定时发布”，不能审核通过"),
                Ok(State::Draft),
            ),
        ];
        for (roles, reach, state, actor, facts, later, approve, reject) in cases {
            let got = review_options(roles, reach, state, actor, &facts, later);
            let shown = |r: Result<State, ReviewRefusal>| r.map_err(|e| e.to_string());
            let want = |r: Result<State, &str>| r.map_err(str::to_string);
            assert_eq!(shown(got.approve), want(approve), "approve {state:?} by {actor} {roles:?} {reach:?}");
            assert_eq!(shown(got.reject), want(reject), "reject {state:?} by {actor} {roles:?} {reach:?}");
            assert_eq!(got.awaits(), approve.is_ok());
        }
    }
}
