//! 政府开放活动 (`open_day`): events a unit opens to the public (visits, seminars, lectures,
//! observing an executive meeting, online sessions), with registration without an account, a
//! waitlist, and check-in at the door. The rules here are pure: the event's phase by the clock,
//! who may register ([`eligibility`]), how seats and the waitlist move ([`seats`]), the state
//! machine of one registration ([`registration`]) and its code ([`code`]).

pub mod code;
pub mod eligibility;
pub mod input;
pub mod registration;
pub mod seats;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_list! {
    /// What kind of event it is.
    EventKind {
        Visit = ("visit", "参观"),
        Seminar = ("seminar", "座谈"),
        Lecture = ("lecture", "讲座"),
        ObserveMeeting = ("observe_meeting", "旁听常务会议"),
        Online = ("online", "线上"),
    }
}

code_list! {
    /// How registrants get their seats: in order of arrival, or chosen by staff among them.
    ApprovalMode {
        FirstCome = ("first_come", "先到先得"),
        Selection = ("selection", "审核选取"),
    }
}

/// Where an event stands by the clock alone, so every node agrees without a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventPhase {
    /// Announced; registration not open yet.
    Announced,
    RegistrationOpen,
    RegistrationClosed,
    Ongoing,
    Finished,
}

/// The times of an event: registration opens and closes, the event starts and ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub registration_opens: DateTime<Utc>,
    pub registration_closes: DateTime<Utc>,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
}

impl Schedule {
    /// The phase at `now`; each bound belongs to the phase it begins.
    pub fn phase_at(&self, now: DateTime<Utc>) -> EventPhase {
        if now >= self.ends {
            EventPhase::Finished
        } else if now >= self.starts {
            EventPhase::Ongoing
        } else if now >= self.registration_closes {
            EventPhase::RegistrationClosed
        } else if now >= self.registration_opens {
            EventPhase::RegistrationOpen
        } else {
            EventPhase::Announced
        }
    }

    /// Why these times cannot stand, if they cannot: registration opens before it closes,
    /// closes no later than the start, and the event ends after it starts.
    pub fn problem(&self) -> Option<(&'static str, &'static str, &'static str)> {
        if self.registration_opens >= self.registration_closes {
            Some(("registration_closes_at", "报名截止时间", "应晚于报名开始时间"))
        } else if self.registration_closes > self.starts {
            Some(("registration_closes_at", "报名截止时间", "不能晚于活动开始时间"))
        } else if self.starts >= self.ends {
            Some(("ends_at", "结束时间", "应晚于开始时间"))
        } else {
            None
        }
    }
}

impl EventPhase {
    pub fn code(self) -> &'static str {
        match self {
            EventPhase::Announced => "announced",
            EventPhase::RegistrationOpen => "registration_open",
            EventPhase::RegistrationClosed => "registration_closed",
            EventPhase::Ongoing => "ongoing",
            EventPhase::Finished => "finished",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EventPhase::Announced => "即将报名",
            EventPhase::RegistrationOpen => "报名中",
            EventPhase::RegistrationClosed => "报名已截止",
            EventPhase::Ongoing => "进行中",
            EventPhase::Finished => "已结束",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, h, 0, 0).single().expect("a valid time")
    }

    #[test]
    fn the_phase_follows_the_clock() {
        let s = Schedule {
            registration_opens: at(1, 0),
            registration_closes: at(8, 0),
            starts: at(10, 1),
            ends: at(10, 4),
        };
        assert_eq!(s.problem(), None);
        for (now, want) in [
            (at(1, 0) - chrono::Duration::seconds(1), EventPhase::Announced),
            (at(1, 0), EventPhase::RegistrationOpen),
            (at(7, 23), EventPhase::RegistrationOpen),
            (at(8, 0), EventPhase::RegistrationClosed),
            (at(10, 1), EventPhase::Ongoing),
            (at(10, 4), EventPhase::Finished),
        ] {
            assert_eq!(s.phase_at(now), want, "{now}");
        }
    }

    #[test]
    fn impossible_times_are_named() {
        let ok = Schedule {
            registration_opens: at(1, 0),
            registration_closes: at(8, 0),
            starts: at(10, 1),
            ends: at(10, 4),
        };
        for (s, field) in [
            (Schedule { registration_closes: at(1, 0), ..ok }, "registration_closes_at"),
            (Schedule { registration_closes: at(10, 2), ..ok }, "registration_closes_at"),
            (Schedule { ends: at(10, 1), ..ok }, "ends_at"),
        ] {
            assert_eq!(s.problem().map(|p| p.0), Some(field));
        }
    }

    #[test]
    fn kinds_and_modes_read_codes_and_labels() {
        assert_eq!(EventKind::parse("旁听常务会议"), Some(EventKind::ObserveMeeting));
        assert_eq!(EventKind::from_code("visit"), Some(EventKind::Visit));
        assert_eq!(EventKind::from_code("参观"), None);
        assert_eq!(ApprovalMode::parse("selection"), Some(ApprovalMode::Selection));
    }
}
