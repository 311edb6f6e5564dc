//! The state machine of one registration. A registrant is confirmed, waitlisted or (selection
//! mode) pending on arrival ([`super::seats::admit`]); a waiter is promoted when a seat frees; staff
//! approve or reject pending ones; anyone but the checked-in may cancel with their code; a
//! confirmed registrant is checked in at the door, once.

use serde::{Deserialize, Serialize};

code_list! {
    /// Where a registration stands.
    RegistrationStatus {
        Pending = ("pending", "待审核"),
        Confirmed = ("confirmed", "报名成功"),
        Waitlisted = ("waitlisted", "候补中"),
        Rejected = ("rejected", "未入选"),
        Cancelled = ("cancelled", "已取消"),
        CheckedIn = ("checked_in", "已签到"),
    }
}

/// What can happen to a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// A seat freed and this waiter was first.
    Promote,
    /// Staff chose this registrant (selection mode).
    Approve,
    /// Staff did not choose this registrant.
    Reject,
    /// The registrant (with the code) or staff cancelled.
    Cancel,
    /// Seen at the door.
    CheckIn,
}

impl Step {
    pub const ALL: [Step; 5] = [Step::Promote, Step::Approve, Step::Reject, Step::Cancel, Step::CheckIn];
}

impl RegistrationStatus {
    /// Whether it holds one of the event's seats.
    pub fn holds_seat(self) -> bool {
        matches!(self, RegistrationStatus::Confirmed | RegistrationStatus::CheckedIn)
    }
}

/// The status after `step`, or why the step is refused (in Chinese, for the person).
pub fn next(status: RegistrationStatus, step: Step) -> Result<RegistrationStatus, &'static str> {
    use RegistrationStatus::*;
    match (status, step) {
        (Waitlisted, Step::Promote) => Ok(Confirmed),
        (Pending, Step::Approve) => Ok(Confirmed),
        (Pending, Step::Reject) => Ok(Rejected),
        (Pending | Confirmed | Waitlisted, Step::Cancel) => Ok(Cancelled),
        (Confirmed, Step::CheckIn) => Ok(CheckedIn),
        (CheckedIn, Step::CheckIn) => Err("已签到，不重复计数"),
        (CheckedIn, Step::Cancel) => Err("已签到，不能取消"),
        (Cancelled, _) => Err("报名已取消"),
        (Rejected, _) => Err("报名未入选"),
        (Waitlisted, Step::CheckIn) => Err("仍在候补，尚未获得名额"),
        (Pending, Step::CheckIn) => Err("报名尚未通过审核"),
        (_, Step::Promote) => Err("不在候补名单中"),
        (_, Step::Approve | Step::Reject) => Err("报名不在待审核状态"),
    }
}

/// What the door sees for a code scanned or typed at check-in (also when a phone that was
/// offline sends its queue later): admitted once, and the same code again is no error but is
/// not counted twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckIn {
    /// Checked in now: counts.
    Admitted,
    /// Checked in before (by this or another phone): does not count again.
    AlreadyIn,
    /// Mistyped (its check character disagrees) or unknown.
    Unknown,
    /// A code of another event.
    OtherEvent,
    /// Waitlisted, pending, rejected or cancelled: not admitted.
    NoSeat(RegistrationStatus),
}

impl CheckIn {
    /// The outcome for a registration found by its code (`None`: no such code) of event
    /// `of_event`, checked in at the door of `at_event`.
    pub fn of(found: Option<(i64, RegistrationStatus)>, at_event: i64) -> CheckIn {
        match found {
            None => CheckIn::Unknown,
            Some((of_event, _)) if of_event != at_event => CheckIn::OtherEvent,
            Some((_, status)) => match next(status, Step::CheckIn) {
                Ok(_) => CheckIn::Admitted,
                Err(_) if status == RegistrationStatus::CheckedIn => CheckIn::AlreadyIn,
                Err(_) => CheckIn::NoSeat(status),
            },
        }
    }

    /// Whether it adds one to the attendance.
    pub fn counts(self) -> bool {
        self == CheckIn::Admitted
    }

    /// What the staff at the door read.
    pub fn message(self) -> String {
        match self {
            CheckIn::Admitted => "签到成功".into(),
            CheckIn::AlreadyIn => "已签到过，不重复计数".into(),
            CheckIn::Unknown => "报名码不正确或不存在，请核对".into(),
            CheckIn::OtherEvent => "这是其他活动的报名码".into(),
            CheckIn::NoSeat(s) => format!("该报名{}，不能签到", s.label()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RegistrationStatus::*;

    #[test]
    fn every_transition() {
        let allowed = [
            (Waitlisted, Step::Promote, Confirmed),
            (Pending, Step::Approve, Confirmed),
            (Pending, Step::Reject, Rejected),
            (Pending, Step::Cancel, Cancelled),
            (Confirmed, Step::Cancel, Cancelled),
            (Waitlisted, Step::Cancel, Cancelled),
            (Confirmed, Step::CheckIn, CheckedIn),
        ];
        for &status in RegistrationStatus::ALL {
            for step in Step::ALL {
                let want = allowed.iter().find(|(s, t, _)| *s == status && *t == step).map(|(_, _, to)| *to);
                match (next(status, step), want) {
                    (Ok(got), Some(to)) => assert_eq!(got, to, "{status:?} {step:?}"),
                    (Err(why), None) => assert!(!why.is_empty()),
                    (got, want) => panic!("{status:?} {step:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn the_door_admits_each_confirmed_code_once() {
        assert_eq!(CheckIn::of(None, 7), CheckIn::Unknown);
        assert_eq!(CheckIn::of(Some((8, Confirmed)), 7), CheckIn::OtherEvent);
        assert_eq!(CheckIn::of(Some((7, Confirmed)), 7), CheckIn::Admitted);
        assert_eq!(CheckIn::of(Some((7, CheckedIn)), 7), CheckIn::AlreadyIn);
        for s in [Pending, Waitlisted, Rejected, Cancelled] {
            let got = CheckIn::of(Some((7, s)), 7);
            assert_eq!(got, CheckIn::NoSeat(s));
            assert!(got.message().contains(s.label()));
        }
        let counted: Vec<bool> =
            [Confirmed, CheckedIn, Waitlisted].iter().map(|&s| CheckIn::of(Some((7, s)), 7).counts()).collect();
        assert_eq!(counted, [true, false, false]);
    }

    #[test]
    fn a_second_check_in_is_refused_so_attendance_counts_once() {
        let once = next(Confirmed, Step::CheckIn).unwrap();
        assert!(next(once, Step::CheckIn).unwrap_err().contains("不重复"));
        assert!(once.holds_seat() && Confirmed.holds_seat());
        assert!(!Waitlisted.holds_seat() && !Pending.holds_seat() && !Cancelled.holds_seat());
    }
}
