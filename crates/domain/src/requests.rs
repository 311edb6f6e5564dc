//! Applications for disclosure (依申请公开): the codes the API and the annual report use, and
//! the legal deadlines of the 2019 Regulation counted in working days from the holiday
//! calendar. Everything here is pure; the store keeps the facts and the web shows the result.

use crate::calendar::{Calendar, Counted};
use crate::validation::{Invalid, line, text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

code_list! {
    /// 申请人类型: the columns of annual-report table 三.
    ApplicantType {
        Person = ("person", "自然人"),
        Business = ("organisation.business", "商业企业"),
        Research = ("organisation.research", "科研机构"),
        PublicInterest = ("organisation.public_interest", "社会公益组织"),
        LegalService = ("organisation.legal_service", "法律服务机构"),
        OtherOrganisation = ("organisation.other", "其他组织"),
    }
}

impl ApplicantType {
    pub fn is_organisation(self) -> bool {
        self != ApplicantType::Person
    }
}

code_list! {
    /// What a file of an application is.
    FileRole {
        /// The applicant's identity document (personal data).
        IdentityProof = ("identity_proof", "身份证明"),
        /// Information provided with the reply.
        Provided = ("provided", "提供的信息"),
        /// The reply letter.
        Letter = ("letter", "答复书"),
        /// Material the applicant sent to correct the application (personal data).
        Correction = ("correction", "补正材料"),
    }
}

impl FileRole {
    /// Files only the applicant and the handlers may see.
    pub fn is_personal(self) -> bool {
        matches!(self, FileRole::IdentityProof | FileRole::Correction)
    }
}

code_list! {
    /// 申请渠道: decides the receipt date (art. 31).
    Channel {
        Online = ("online", "网上申请"),
        InPerson = ("in_person", "当面申请"),
        Post = ("post", "信函申请"),
        Fax = ("fax", "传真申请"),
        Email = ("email", "电子邮件申请"),
        Other = ("other", "其他"),
    }
}

impl Channel {
    /// Online and fax applications count as received only when the agency confirms them
    /// (art. 31(3)); e-mail is treated the same way, since it is just as easily never seen.
    pub fn needs_confirmation(self) -> bool {
        matches!(self, Channel::Online | Channel::Fax | Channel::Email)
    }
}

code_list! {
    /// 办理结果: exactly one per reply, one per row of annual-report table 三.
    Outcome {
        Disclosed = ("disclosed", "予以公开"),
        PartiallyDisclosed = ("partially_disclosed", "部分公开"),
        StateSecret = ("withheld.state_secret", "不予公开：属于国家秘密"),
        ProhibitedByLaw = ("withheld.prohibited_by_law", "不予公开：其他法律行政法规禁止公开"),
        ThreeSafeties = ("withheld.three_safeties", "不予公开：危及“三安全一稳定”"),
        ThirdPartyRights = ("withheld.third_party_rights", "不予公开：保护第三方合法权益"),
        InternalAffairs = ("withheld.internal_affairs", "不予公开：属于三类内部事务信息"),
        ProcessInformation = ("withheld.process_information", "不予公开：属于四类过程性信息"),
        EnforcementFile = ("withheld.enforcement_file", "不予公开：属于行政执法案卷"),
        InquiryMatter = ("withheld.inquiry_matter", "不予公开：属于行政查询事项"),
        NotHeld = ("unavailable.not_held", "无法提供：本机关不掌握相关政府信息"),
        NeedsCreation = ("unavailable.needs_creation", "无法提供：没有现成信息需要另行制作"),
        StillUnclear = ("unavailable.still_unclear", "无法提供：补正后申请内容仍不明确"),
        Petition = ("not_processed.petition", "不予处理：信访举报投诉类申请"),
        Repeated = ("not_processed.repeated", "不予处理：重复申请"),
        Publication = ("not_processed.publication", "不予处理：要求提供公开出版物"),
        Excessive = ("not_processed.excessive", "不予处理：无正当理由大量反复申请"),
        Reconfirmation = ("not_processed.reconfirmation", "不予处理：要求行政机关确认或重新出具已获取信息"),
        NoClarification = ("other.no_clarification", "其他处理：申请人无正当理由逾期不补正"),
        FeeUnpaid = ("other.fee_unpaid", "其他处理：申请人逾期未缴纳信息处理费"),
        OtherOutcome = ("other.other", "其他处理：其他"),
    }
}

impl Outcome {
    /// The row of annual-report table 三 (index into its rows, 2 = 三（一）予以公开).
    pub fn table3_row(self) -> usize {
        2 + Outcome::ALL.iter().position(|o| *o == self).unwrap_or(0)
    }

    /// Whether the reply must give reasons for what it withholds (art. 36(3), 37).
    pub fn needs_reasons(self) -> bool {
        !matches!(self, Outcome::Disclosed)
    }

    /// A refusal to disclose: under the 2023 Administrative Review Law art. 23 the applicant
    /// must seek administrative review before going to court.
    pub fn review_first(self) -> bool {
        self.code().starts_with("withheld.") || self == Outcome::PartiallyDisclosed
    }
}

/// The statutory periods, in working days.
pub const REPLY_DAYS: u32 = 20;
pub const CLARIFICATION_NOTICE_DAYS: u32 = 7;
pub const CONSULTATION_DAYS: u32 = 15;
pub const MAX_EXTENSION_DAYS: u32 = 20;
pub const FEE_PAYMENT_DAYS: u32 = 20;

/// A stretch of time that does not count towards the reply period (third-party consultation,
/// art. 32; coordination with other agencies, art. 34): the working days after `from` up to
/// and including `to`. The day a consultation is sent is a working day of the handler; the day
/// the answer arrives is not. `to = None` while the consultation is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Pause {
    /// The pause of a consultation of a third party or another agency sent on `sent_on`, due
    /// on `due_on` (art. 32, 34): it ends with the answer, but never after the due date; one
    /// left unanswered lapses on its due date (a silent third party is taken as no objection)
    /// once that date has passed by `today`, and is still open until then.
    pub fn consultation(
        sent_on: NaiveDate,
        due_on: NaiveDate,
        answered_on: Option<NaiveDate>,
        today: NaiveDate,
    ) -> Pause {
        let to = match answered_on {
            Some(a) => Some(a.min(due_on)),
            None => (today > due_on).then_some(due_on),
        };
        Pause { from: sent_on, to }
    }
}

/// What the reply period depends on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockFacts {
    /// 收到申请之日 (art. 31); `None` while an online application awaits confirmation.
    pub received_on: Option<NaiveDate>,
    /// 补正: when the notice went out, and when the corrected application arrived.
    pub clarification_requested_on: Option<NaiveDate>,
    pub clarification_received_on: Option<NaiveDate>,
    pub pauses: Vec<Pause>,
    /// 延期: the approved extension in working days (at most 20, once).
    pub extension_days: u32,
    /// Art. 35: a reasonable longer period set for an excessive request, replacing the count.
    pub excessive_due_on: Option<NaiveDate>,
}

/// Where the reply period stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReplyClock {
    /// Not received yet (an online application awaiting confirmation of receipt).
    NotStarted,
    /// The applicant has been asked to clarify; the period starts again on the corrected
    /// application.
    AwaitingClarification,
    /// A consultation is open; the period stands still.
    Paused { since: NaiveDate },
    /// The reply is due on this day.
    Due(Counted<NaiveDate>),
}

/// The day by which the applicant must be asked for every correction at once (art. 30).
pub fn clarification_due(cal: &Calendar, received_on: NaiveDate) -> Counted<NaiveDate> {
    cal.add_workdays(received_on, CLARIFICATION_NOTICE_DAYS)
}

/// The period the applicant is given to correct an unclear application, in working days from
/// the notice. Art. 30 leaves its length to the agency (“在规定的期限内补正”); the platform's
/// notices give 15 working days. Without good reason, no correction in time means the
/// application is treated as withdrawn, which the handler answers as `other.no_clarification`.
pub const CORRECTION_DAYS: u32 = 15;

/// The day by which the applicant should send the corrected application.
pub fn correction_due(cal: &Calendar, asked_on: NaiveDate) -> Counted<NaiveDate> {
    cal.add_workdays(asked_on, CORRECTION_DAYS)
}

/// A deadline this many working days away or fewer is "due soon" (临期): shown in the queues and
/// the dashboard's reminders before it is overdue.
pub const DUE_SOON_DAYS: i64 = 3;

/// Whether a deadline `days_left` working days away is due soon (today included, not overdue).
pub fn due_soon(days_left: i64) -> bool {
    (0..=DUE_SOON_DAYS).contains(&days_left)
}

/// What a withdrawal (申请人撤回申请) on `on` makes of a case received on `received_on`: the
/// day it closes and the outcome it is counted under. An application withdrawn before it was
/// received was never a case: it closes without a date or an outcome and is not counted. One
/// withdrawn after receipt closes that day and is counted in annual-report table 三 as 其他处理.
pub fn withdrawal(received_on: Option<NaiveDate>, on: NaiveDate) -> (Option<NaiveDate>, Option<Outcome>) {
    match received_on {
        Some(_) => (Some(on), Some(Outcome::OtherOutcome)),
        None => (None, None),
    }
}

/// Whether `outcome` may end an application in `state`. The outcomes that close an application
/// the applicant did not follow up fit only the state they close: 逾期不补正 a case awaiting
/// correction (art. 30), 逾期不缴费 a case awaiting a fee whose payment period (the fee rules'
/// working days from the notice) has run out; and a case waiting on the applicant ends only
/// with those, or with a withdrawal. The error is the reason, in words for the handler.
pub fn outcome_fits(
    cal: &Calendar,
    state: crate::request_lifecycle::RequestState,
    fee_noticed_on: Option<NaiveDate>,
    outcome: Outcome,
    today: NaiveDate,
) -> Result<(), String> {
    use crate::request_lifecycle::RequestState as S;
    match (state, outcome) {
        (S::Clarifying, Outcome::NoClarification) => Ok(()),
        (S::Clarifying, _) => Err("申请待补正，只能答复“申请人无正当理由逾期不补正”，或登记补正材料后再答复".into()),
        (S::AwaitingFee, Outcome::FeeUnpaid) => {
            let due = crate::processing_fee::payment_due(cal, fee_noticed_on.unwrap_or(today)).value;
            if today <= due {
                return Err(format!("缴费期限至 {due}，期满仍未缴纳的才能答复“逾期未缴纳信息处理费”"));
            }
            Ok(())
        }
        (S::AwaitingFee, _) => Err("申请待缴费，只能答复“逾期未缴纳信息处理费”，或登记缴费后再答复".into()),
        (_, Outcome::NoClarification) => Err("只有告知补正后申请人逾期未补正的，才能选择该结果".into()),
        (_, Outcome::FeeUnpaid) => Err("只有发出收费通知后申请人逾期未缴费的，才能选择该结果".into()),
        _ => Ok(()),
    }
}

/// The day by which a third party or another agency should answer a consultation (art. 32, 34).
pub fn consultation_due(cal: &Calendar, sent_on: NaiveDate) -> Counted<NaiveDate> {
    cal.add_workdays(sent_on, CONSULTATION_DAYS)
}

/// The reply due date (art. 30, 32–35): 20 working days (plus an approved extension) from
/// receipt, or from the corrected application after a clarification, not counting the working
/// days spent in consultations.
pub fn reply_clock(cal: &Calendar, facts: &ClockFacts) -> ReplyClock {
    let Some(received) = facts.received_on else { return ReplyClock::NotStarted };
    let start = match (facts.clarification_requested_on, facts.clarification_received_on) {
        (Some(_), Some(corrected)) => corrected.max(received),
        (Some(_), None) => return ReplyClock::AwaitingClarification,
        (None, _) => received,
    };
    if let Some(due) = facts.excessive_due_on {
        return ReplyClock::Due(Counted { value: due, assumed_years: Vec::new() });
    }
    let mut remaining = i64::from(REPLY_DAYS + facts.extension_days.min(MAX_EXTENSION_DAYS));
    let mut cursor = start;
    let mut assumed = Vec::new();
    let mut pauses: Vec<Pause> = facts.pauses.iter().copied().filter(|p| p.to.is_none_or(|to| to > start)).collect();
    pauses.sort_by_key(|p| p.from);
    for p in pauses {
        if p.from > cursor {
            let counted = cal.workdays_between(cursor, p.from);
            assumed.extend(counted.assumed_years);
            if counted.value >= remaining {
                break;
            }
            remaining -= counted.value;
            cursor = p.from;
        }
        match p.to {
            None => return ReplyClock::Paused { since: p.from },
            Some(to) => cursor = cursor.max(to),
        }
    }
    let due = cal.add_workdays(cursor, remaining as u32);
    assumed.extend(due.assumed_years);
    assumed.sort_unstable();
    assumed.dedup();
    ReplyClock::Due(Counted { value: due.value, assumed_years: assumed })
}

/// Working days left until `due` as seen on `today`: 0 on the due day, negative when overdue.
pub fn days_left(cal: &Calendar, today: NaiveDate, due: NaiveDate) -> i64 {
    cal.workdays_between(today, due).value
}

/// What a reply says besides its outcome (art. 36, 37): the reasons for anything withheld, the
/// information provided (described, and already-published documents linked for art. 36(1)),
/// and for information another agency is responsible for, that agency (art. 36(5)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Reply {
    pub reasons: String,
    pub provided: String,
    pub document_ids: Vec<i64>,
    pub responsible_agency: String,
    pub responsible_contact: String,
}

/// The reply form as submitted; text fields so that bad input gets a message.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReplyInput {
    pub outcome: String,
    pub reasons: String,
    pub provided: String,
    /// Ids of published documents, separated by commas or spaces.
    pub document_ids: String,
    pub responsible_agency: String,
    pub responsible_contact: String,
}

impl Reply {
    /// Checks a draft reply. `has_files` says whether files are attached to it already: a
    /// disclosure must provide something, as files or as links to published documents.
    pub fn parse(input: &ReplyInput, has_files: bool) -> Result<(Outcome, Reply), Invalid> {
        let mut errors = Invalid::default();
        let outcome = if input.outcome.trim().is_empty() {
            errors.push("outcome", "办理结果", "请选择");
            None
        } else {
            let o = Outcome::parse(&input.outcome);
            if o.is_none() {
                errors.push("outcome", "办理结果", "不是可选的值");
            }
            o
        };
        let needs_reasons = outcome.is_some_and(Outcome::needs_reasons);
        let reason_label =
            if outcome == Some(Outcome::PartiallyDisclosed) { "不予公开部分的理由" } else { "理由" };
        let reasons = text(&mut errors, "reasons", reason_label, &input.reasons, needs_reasons, 5000);
        let provided = text(&mut errors, "provided", "提供的信息", &input.provided, false, 5000);
        let mut document_ids = Vec::new();
        for part in input.document_ids.split([',', '，', ' ', '、', '\n']).filter(|p| !p.trim().is_empty()) {
            match part.trim().parse::<i64>() {
                Ok(id) if id > 0 && document_ids.len() < 100 => document_ids.push(id),
                _ => {
                    errors.push("document_ids", "已公开信息", format!("“{}”不是有效的信息编号", part.trim()));
                    break;
                }
            }
        }
        let gives = matches!(outcome, Some(Outcome::Disclosed | Outcome::PartiallyDisclosed));
        if gives && provided.is_empty() && document_ids.is_empty() && !has_files {
            errors.push("provided", "提供的信息", "予以公开或部分公开的，请说明提供的信息、上传文件或链接已公开的信息");
        }
        let responsible_agency =
            line(&mut errors, "responsible_agency", "负责公开的机关", &input.responsible_agency, false, 100);
        let responsible_contact =
            line(&mut errors, "responsible_contact", "负责机关的联系方式", &input.responsible_contact, false, 200);
        let Some(outcome) = outcome else { return Err(errors) };
        errors
            .into_result((outcome, Reply { reasons, provided, document_ids, responsible_agency, responsible_contact }))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_consultation_pauses_until_its_answer_or_lapses_on_its_due_date() {
        let (sent, due) = (d("2025-03-03"), d("2025-03-17"));
        // (answered on, today, the pause ends on)
        let table = [
            (Some(d("2025-03-10")), d("2025-03-20"), Some(d("2025-03-10"))),
            (Some(d("2025-03-25")), d("2025-03-26"), Some(due)),
            (None, d("2025-03-12"), None),
            (None, due, None),
            (None, d("2025-03-18"), Some(due)),
        ];
        for (answered, today, to) in table {
            assert_eq!(
                Pause::consultation(sent, due, answered, today),
                Pause { from: sent, to },
                "{answered:?} {today}"
            );
        }
    }

    #[test]
    fn outcomes_fit_only_the_states_they_close() {
        use crate::request_lifecycle::RequestState as S;
        let cal = Calendar::default();
        let today = d("2025-06-16");
        let noticed_long_ago = Some(d("2025-05-06"));
        let noticed_today = Some(today);
        // (state, fee noticed on, outcome, fits)
        let table = [
            (S::Clarifying, None, Outcome::NoClarification, true),
            (S::Clarifying, None, Outcome::Disclosed, false),
            (S::Clarifying, None, Outcome::FeeUnpaid, false),
            (S::AwaitingFee, noticed_long_ago, Outcome::FeeUnpaid, true),
            (S::AwaitingFee, noticed_today, Outcome::FeeUnpaid, false),
            (S::AwaitingFee, noticed_long_ago, Outcome::Disclosed, false),
            (S::AwaitingFee, noticed_long_ago, Outcome::NoClarification, false),
            (S::InProgress, None, Outcome::Disclosed, true),
            (S::InProgress, None, Outcome::NotHeld, true),
            (S::InProgress, None, Outcome::NoClarification, false),
            (S::InProgress, None, Outcome::FeeUnpaid, false),
            (S::Consulting, None, Outcome::ThirdPartyRights, true),
            (S::AwaitingConfirmation, None, Outcome::Repeated, true),
        ];
        for (state, noticed, outcome, fits) in table {
            let got = outcome_fits(&cal, state, noticed, outcome, today);
            assert_eq!(got.is_ok(), fits, "{state:?} {outcome:?}: {got:?}");
            if let Err(reason) = got {
                assert!(!reason.is_empty() && !reason.is_ascii(), "a reason in words: {reason}");
            }
        }
        // Every outcome but the two lapses fits an ordinary open state.
        for outcome in Outcome::ALL {
            let lapse = matches!(outcome, Outcome::NoClarification | Outcome::FeeUnpaid);
            assert_eq!(outcome_fits(&cal, S::InProgress, None, *outcome, today).is_ok(), !lapse, "{outcome:?}");
        }
    }

    #[test]
    fn a_withdrawal_counts_only_once_received() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let cases = [
            (None, "2026-11-20", (None, None)),
            (Some("2026-11-02"), "2026-11-20", (Some("2026-11-20"), Some(Outcome::OtherOutcome))),
            (Some("2026-11-20"), "2026-11-20", (Some("2026-11-20"), Some(Outcome::OtherOutcome))),
        ];
        for (received, on, (closed, outcome)) in cases {
            assert_eq!(
                withdrawal(received.map(day), day(on)),
                (closed.map(day), outcome),
                "received {received:?}, withdrawn {on}"
            );
        }
    }

    #[test]
    fn due_soon_is_today_to_three_working_days() {
        for (days, soon) in [(-1, false), (0, true), (1, true), (3, true), (4, false), (20, false)] {
            assert_eq!(due_soon(days), soon, "{days}");
        }
    }

    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn due(clock: ReplyClock) -> NaiveDate {
        match clock {
            ReplyClock::Due(c) => c.value,
            other => panic!("not due: {other:?}"),
        }
    }

    #[test]
    fn codes_are_the_api_strings_and_the_rows_of_table_3() {
        assert_eq!(Outcome::ALL.len(), 21);
        assert_eq!(ApplicantType::ALL.len(), 6);
        assert_eq!(Outcome::parse("withheld.third_party_rights"), Some(Outcome::ThirdPartyRights));
        assert_eq!(Outcome::Disclosed.table3_row(), 2);
        assert_eq!(Outcome::OtherOutcome.table3_row(), 22, "三（六）3.其他 is the last row before the total");
        assert!(Outcome::StateSecret.review_first() && !Outcome::NotHeld.review_first());
        assert!(Channel::Online.needs_confirmation() && !Channel::InPerson.needs_confirmation());
        assert!(ApplicantType::Business.is_organisation() && !ApplicantType::Person.is_organisation());
    }

    #[test]
    fn reply_deadlines_across_the_holidays() {
        let cal = Calendar::official();
        let base = |received: &str| ClockFacts { received_on: Some(d(received)), ..Default::default() };
        for (facts, want, why) in [
            // Received the Friday before National Day 2024: the holiday week does not count,
            // and the working Saturday 2024-10-12 does.
            (base("2024-09-27"), "2024-10-30", "over 国庆 2024"),
            (base("2025-01-20"), "2025-02-21", "over 春节 2025, with the working Sunday 1-26 and Saturday 2-8"),
            (ClockFacts { extension_days: 20, ..base("2024-09-27") }, "2024-11-27", "one extension of 20 working days"),
            (
                ClockFacts { extension_days: 35, ..base("2024-09-27") },
                "2024-11-27",
                "an extension is at most 20 working days",
            ),
            (
                ClockFacts {
                    clarification_requested_on: Some(d("2024-03-01")),
                    clarification_received_on: Some(d("2024-03-11")),
                    ..base("2024-02-28")
                },
                "2024-04-09",
                "a clarification restarts the count (清明 4-4 to 4-6 skipped, 4-7 worked)",
            ),
            (
                ClockFacts {
                    pauses: vec![Pause { from: d("2024-03-05"), to: Some(d("2024-03-08")) }],
                    ..base("2024-03-01")
                },
                "2024-04-03",
                "three working days of consultation (3-6 to 3-8) move 3-29 to 4-3",
            ),
            (
                ClockFacts {
                    pauses: vec![
                        Pause { from: d("2024-03-05"), to: Some(d("2024-03-08")) },
                        Pause { from: d("2024-03-06"), to: Some(d("2024-03-07")) },
                    ],
                    ..base("2024-03-01")
                },
                "2024-04-03",
                "overlapping consultations pause once",
            ),
            (
                base("2026-09-24"),
                "2026-10-29",
                "over 中秋 and 国庆 2026 (9-25 to 9-27, 10-1 to 10-7 off; Saturday 10-10 worked)",
            ),
            (
                // One case with everything: received 2-2, asked to clarify 2-4, corrected 2-10
                // (day 0 again); 11 working days to the consultation of 3-3 (Saturdays 2-14 and
                // 2-28 worked, 春节 2-15 to 2-23 off); the consultation answered 3-9 stops the
                // clock for 4 working days; 15 days' extension leaves 24 to count from 3-9,
                // past 清明 (4-4 to 4-6).
                ClockFacts {
                    clarification_requested_on: Some(d("2026-02-04")),
                    clarification_received_on: Some(d("2026-02-10")),
                    pauses: vec![Pause { from: d("2026-03-03"), to: Some(d("2026-03-09")) }],
                    extension_days: 15,
                    ..base("2026-02-02")
                },
                "2026-04-13",
                "clarification, consultation and extension in one case across 春节 and 清明 2026",
            ),
            (
                ClockFacts { excessive_due_on: Some(d("2024-06-30")), ..base("2024-03-01") },
                "2024-06-30",
                "art. 35: a reasonable longer period",
            ),
        ] {
            assert_eq!(due(reply_clock(&cal, &facts)), d(want), "{why}");
        }
    }

    #[test]
    fn states_before_the_clock_runs() {
        let cal = Calendar::official();
        assert_eq!(reply_clock(&cal, &ClockFacts::default()), ReplyClock::NotStarted);
        let waiting = ClockFacts {
            received_on: Some(d("2024-03-01")),
            clarification_requested_on: Some(d("2024-03-04")),
            ..Default::default()
        };
        assert_eq!(reply_clock(&cal, &waiting), ReplyClock::AwaitingClarification);
        let open = ClockFacts {
            received_on: Some(d("2024-03-01")),
            pauses: vec![Pause { from: d("2024-03-05"), to: None }],
            ..Default::default()
        };
        assert_eq!(reply_clock(&cal, &open), ReplyClock::Paused { since: d("2024-03-05") });
        // A consultation opened after the due day does not move it.
        let late = ClockFacts {
            received_on: Some(d("2024-03-01")),
            pauses: vec![Pause { from: d("2024-05-01"), to: None }],
            ..Default::default()
        };
        assert_eq!(due(reply_clock(&cal, &late)), d("2024-03-29"));
        assert_eq!(clarification_due(&cal, d("2024-09-27")).value, d("2024-10-12"), "9-29 and 10-12 are worked");
        assert_eq!(consultation_due(&cal, d("2024-09-27")).value, d("2024-10-23"));
        assert_eq!(correction_due(&cal, d("2024-09-27")).value, d("2024-10-23"), "over 国庆 2024, as consultations");
        assert_eq!(correction_due(&cal, d("2025-01-20")).value, d("2025-02-14"), "over 春节 2025");
        assert_eq!(days_left(&cal, d("2024-03-28"), d("2024-03-29")), 1);
        assert_eq!(days_left(&cal, d("2024-04-01"), d("2024-03-29")), -1);
        let future = ClockFacts { received_on: Some(d("2031-03-03")), ..Default::default() };
        match reply_clock(&cal, &future) {
            ReplyClock::Due(c) => assert!(c.is_assumed(), "a year without a schedule is flagged"),
            other => panic!("{other:?}"),
        }
    }

    proptest! {
        #[test]
        fn a_closed_pause_moves_the_due_day_by_its_working_days(
            start in 0i64..2500, gap in 0i64..40, length in 0i64..30,
        ) {
            let cal = Calendar::official();
            let received = d("2019-01-01") + chrono::Duration::days(start);
            let from = received + chrono::Duration::days(gap);
            let to = from + chrono::Duration::days(length);
            let plain = due(reply_clock(&cal, &ClockFacts { received_on: Some(received), ..Default::default() }));
            let paused = due(reply_clock(&cal, &ClockFacts {
                received_on: Some(received),
                pauses: vec![Pause { from, to: Some(to) }],
                ..Default::default()
            }));
            // Counted days between receipt and the due day, less those inside the pause, are 20.
            let (lo, hi) = (from.max(received), to.min(paused));
            let inside = if hi > lo { cal.workdays_between(lo, hi).value } else { 0 };
            let counted = cal.workdays_between(received, paused).value - inside;
            prop_assert_eq!(counted, 20);
            prop_assert!(paused >= plain);
            if from >= plain {
                prop_assert_eq!(paused, plain, "a pause after the due day changes nothing");
            }
        }
    }
}
