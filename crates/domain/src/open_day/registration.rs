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
    fn a_second_check_in_is_refused_so_attendance_counts_once() {
        let once = next(Confirmed, Step::CheckIn).unwrap();
        assert!(next(once, Step::CheckIn).unwrap_err().contains("不重复"));
        assert!(once.holds_seat() && Confirmed.holds_seat());
        assert!(!Waitlisted.holds_seat() && !Pending.holds_seat() && !Cancelled.holds_seat());
    }
}
