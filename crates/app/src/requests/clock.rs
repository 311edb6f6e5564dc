//! The reply clock of a case as the queues and pages show it: the facts it depends on, the
//! due date kept for the queues, and the deadline with the working days left.

use super::*;

/// The facts the reply clock depends on. A consultation stops the clock until it is answered
/// or, unanswered, until its own period ends (art. 34: silence is consent).
pub fn clock_facts(r: &Request, consultations: &[Consultation], today: NaiveDate) -> ClockFacts {
    let pauses = consultations.iter().map(|c| Pause::consultation(c.sent_on, c.due_on, c.answered_on, today)).collect();
    ClockFacts {
        received_on: r.received_on,
        clarification_requested_on: r.clarification_requested_on,
        clarification_received_on: r.clarification_received_on,
        pauses,
        extension_days: r.extension_days,
        excessive_due_on: r.excessive_due_on,
    }
}

pub fn clock(cal: &Calendar, r: &Request, consultations: &[Consultation], today: NaiveDate) -> ReplyClock {
    if !r.state.is_open() {
        return ReplyClock::NotStarted;
    }
    rules::reply_clock(cal, &clock_facts(r, consultations, today))
}

/// The due date kept on the case for the queues.
/// The queues filter on this stored date, and nothing rewrites it when a consultation lapses
/// in silence (art. 34), so it is the date the reply is due if every open consultation runs
/// its full period unanswered; an earlier answer is a step, which stores the new date.
pub fn refresh_due(cal: &Calendar, r: &mut Request, consultations: &[Consultation]) {
    r.due_on = match clock(cal, r, consultations, NaiveDate::MAX) {
        ReplyClock::Due(d) => Some(d.value),
        // Awaiting a clarification the reply has no due date until the corrected application
        // arrives.
        _ => None,
    };
}

/// The deadline a case shows now: what is due, by when, and the working days left.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Deadline {
    /// reply（答复）、clarification_notice（告知补正）、paused（征求意见中，暂停计算）、
    /// awaiting_clarification（待申请人补正）、fee（待缴费）、none
    pub kind: String,
    pub label: String,
    pub due_on: Option<String>,
    /// 剩余工作日，0 为当日到期，负数为已逾期
    pub days_left: Option<i64>,
    /// 按周一至周五推算（未录入节假日安排）的年份
    pub assumed_years: Vec<i32>,
}

impl Deadline {
    pub fn overdue(&self) -> bool {
        self.days_left.is_some_and(|d| d < 0)
    }

    pub fn due_soon(&self) -> bool {
        self.days_left.is_some_and(gongkai_domain::requests::due_soon)
    }

    pub fn days_text(&self) -> String {
        match self.days_left {
            Some(d) if d < 0 => format!("已逾期 {} 个工作日", -d),
            Some(0) => "今日到期".into(),
            Some(d) => format!("剩余 {d} 个工作日"),
            None => String::new(),
        }
    }
}

pub fn deadline(cal: &Calendar, r: &Request, consultations: &[Consultation], today: NaiveDate) -> Deadline {
    let mk = |kind: &str, label: &str, due: Option<NaiveDate>, assumed: Vec<i32>| Deadline {
        kind: kind.into(),
        label: label.into(),
        due_on: due.map(|d| d.to_string()),
        days_left: due.map(|d| rules::days_left(cal, today, d)),
        assumed_years: assumed,
    };
    match r.state {
        RequestState::AwaitingConfirmation => {
            return mk("none", "待确认收到，确认后开始计算答复期限", None, vec![]);
        }
        RequestState::AwaitingFee => {
            if let Some(noticed) = r.fee_noticed_on {
                let due = processing_fee::payment_due(cal, noticed);
                return mk("fee", "申请人缴费期限", Some(due.value), due.assumed_years);
            }
        }
        s if !s.is_open() => return mk("none", "已办结", None, vec![]),
        _ => {}
    }
    match clock(cal, r, consultations, today) {
        ReplyClock::Due(d) => {
            // Before the applicant is asked to clarify, the notice itself has a deadline.
            if r.state == RequestState::InProgress
                && r.clarification_requested_on.is_none()
                && let Some(received) = r.received_on
            {
                let notice = rules::clarification_due(cal, received);
                if notice.value >= today {
                    let mut out = mk("reply", "答复期限", Some(d.value), d.assumed_years);
                    out.label = format!("答复期限（如需补正，应于 {} 前一次性告知）", notice.value);
                    return out;
                }
            }
            mk("reply", "答复期限", Some(d.value), d.assumed_years)
        }
        ReplyClock::Paused { since } => mk("paused", &format!("自 {since} 起征求意见，答复期限暂停计算"), None, vec![]),
        ReplyClock::AwaitingClarification => mk("awaiting_clarification", "待申请人补正，补正后重新计算", None, vec![]),
        ReplyClock::NotStarted => mk("none", "", None, vec![]),
    }
}
