//! The handling steps — 确认收到、补正、征求意见、会商协查、延期、收费、答复、审签、撤回、归档 —
//! each checked against the lifecycle, recomputing the reply clock, committed with its timeline
//! entry and audit record; and the coordinating unit's answer.

use super::*;
use gongkai_domain::request_events::{EventDetails, EventKind};

/// One step of handling a case, with its checked parameters.
#[derive(Debug, Clone)]
pub enum Step {
    /// 确认收到 (art. 31): online, fax and e-mail applications count from this day.
    Confirm {
        on: NaiveDate,
    },
    /// 告知补正 (art. 30), every correction at once.
    RequestClarification {
        on: NaiveDate,
        what: String,
    },
    /// The corrected application arrived: the reply period starts again.
    ClarificationReceived {
        on: NaiveDate,
        note: String,
    },
    /// 征求第三方意见 (art. 32) or 会商/协查 with another unit (art. 34).
    Consult {
        kind: ConsultationKind,
        target_unit_id: Option<i64>,
        third_party: String,
        question: String,
        on: NaiveDate,
    },
    /// A third party's opinion (or another unit's answer) recorded by the handler.
    RecordOpinion {
        consultation_id: i64,
        on: NaiveDate,
        answer: String,
    },
    /// 延期 (art. 33), once, at most 20 working days, approved by the head of the office.
    Extend {
        days: u32,
        reason: String,
        approver: String,
        on: NaiveDate,
    },
    /// Art. 35: a reasonable longer period for an excessive request.
    SetExcessivePeriod {
        due_on: NaiveDate,
        reason: String,
    },
    /// 收费通知 (art. 42, 国办函〔2020〕109号).
    NoticeFee {
        basis: processing_fee::FeeBasis,
        quantity: u64,
        earlier_items: u64,
        on: NaiveDate,
    },
    FeePaid {
        on: NaiveDate,
    },
    /// The draft reply goes to 审签.
    SubmitReply {
        outcome: Outcome,
        reply: Reply,
        replied_on: Option<NaiveDate>,
    },
    /// 审签通过: the reply is sent on `on`.
    Approve {
        on: Option<NaiveDate>,
    },
    /// 审签退回.
    Return {
        note: String,
    },
    Withdraw {
        on: NaiveDate,
        note: String,
    },
    Archive,
    Assign {
        handler_id: i64,
    },
}

impl Step {
    pub fn label(&self) -> &'static str {
        match self {
            Step::Confirm { .. } => "确认收到",
            Step::RequestClarification { .. } => "告知补正",
            Step::ClarificationReceived { .. } => "收到补正材料",
            Step::Consult { kind: ConsultationKind::ThirdParty, .. } => "征求第三方意见",
            Step::Consult { .. } => "发起会商协查",
            Step::RecordOpinion { .. } => "登记意见",
            Step::Extend { .. } => "延长答复期限",
            Step::SetExcessivePeriod { .. } => "确定合理答复期限",
            Step::NoticeFee { .. } => "发出收费通知",
            Step::FeePaid { .. } => "登记缴费",
            Step::SubmitReply { .. } => "提交答复审签",
            Step::Approve { .. } => "审签通过并答复",
            Step::Return { .. } => "审签退回",
            Step::Withdraw { .. } => "申请人撤回申请",
            Step::Archive => "归档",
            Step::Assign { .. } => "指定承办人",
        }
    }
}

/// Who may take a step: approval by a second person with the approving role, everything
/// else by the unit's handlers.
fn step_action(step: &Step) -> Action {
    match step {
        Step::Approve { .. } | Step::Return { .. } => Action::ApproveReplies,
        _ => Action::HandleRequests,
    }
}

/// Takes one step on a case. Returns the case as it now stands.
pub async fn take_step(cx: &Context, p: &Principal, id: i64, step: Step) -> Result<Request, Error> {
    let before = cx.store.request(id).await?.ok_or(Error::NotFound)?;
    let reach = p.reach(cx, before.unit_id).await?;
    if !gongkai_domain::staff::permits(p.roles(), Action::ViewRequests, reach)
        && !gongkai_domain::staff::permits(p.roles(), step_action(&step), reach)
    {
        return Err(Error::NotFound);
    }
    p.require(step_action(&step), reach)?;
    let cal = cx.calendar().await?;
    let today = cx.today();
    // 审签通过 sends the reply letter, written from the case as the approval leaves it.
    // Writing it reads templates, documents and the timeline and sets DOCX and PDF: that is
    // done before the write opens, so the write (which holds the audit chain's lock) stays
    // short; the write then checks the case is still the one the letter was made for.
    let mut letters = match &step {
        Step::Approve { on: day } => {
            let mut approved = before.clone();
            approve(&mut approved, *day, p.user.id, today)?;
            Some(letters::reply_files(cx, &approved).await?)
        }
        _ => None,
    };
    let mut w = cx.store.write(p.actor()).await?;
    let mut r = w.request_lock(id).await?;
    // Any change to the case meanwhile (its state, reply or dates; a timeline entry or a
    // consultation comes with a save, which moves `updated_at`) may change the letter.
    if letters.is_some() && r != before {
        return Err(Error::Conflict(Invalid::one("state", "办理状态", "申请刚刚有了新的办理，请刷新后重试")));
    }
    let mut consultations = w.consultations_of(id).await?;
    let facts = facts_of(&r);
    let transition = |event: RequestEvent, state: RequestState| -> Result<RequestState, Error> {
        lifecycle::next(state, event, p.user.id, &facts).map_err(lifecycle_error)
    };
    let (kind, on, public, details, summary): (EventKind, NaiveDate, bool, EventDetails, String);
    match &step {
        Step::Confirm { on: day } => {
            r.state = transition(RequestEvent::ConfirmReceipt, r.state)?;
            let submitted = Some(date_in_china(r.submitted_at));
            not_before("on", "确认收到日期", *day, submitted)?;
            r.received_on = Some(*day);
            r.handler_id = r.handler_id.or(Some(p.user.id));
            (kind, on, public) = (EventKind::Confirmed, *day, true);
            details = EventDetails { due_on: Some(*day), ..Default::default() };
            summary = format!("确认收到申请 {}，收到日期 {day}", r.tracking_no);
        }
        Step::RequestClarification { on: day, what } => {
            r.state = transition(RequestEvent::RequestClarification, r.state)?;
            not_before("on", "告知补正日期", *day, r.received_on)?;
            r.clarification_requested_on = Some(*day);
            (kind, on, public) = (EventKind::ClarificationRequested, *day, true);
            details = EventDetails { items: Some(what.clone()), ..Default::default() };
            summary = format!("申请 {} 告知补正", r.tracking_no);
        }
        Step::ClarificationReceived { on: day, note: n } => {
            r.state = transition(RequestEvent::ClarificationReceived, r.state)?;
            not_before("on", "收到补正日期", *day, r.clarification_requested_on)?;
            r.clarification_received_on = Some(*day);
            (kind, on, public) = (EventKind::ClarificationReceived, *day, true);
            details = EventDetails { text: Some(n.clone()).filter(|n| !n.is_empty()), ..Default::default() };
            summary = format!("申请 {} 收到补正材料 {day}", r.tracking_no);
        }
        Step::Consult { kind: ck, target_unit_id, third_party, question, on: day } => {
            r.state = transition(RequestEvent::OpenConsultation, r.state)?;
            not_before("on", "发出日期", *day, r.received_on)?;
            if *target_unit_id == Some(r.unit_id) {
                return Err(Invalid::one("target_unit_id", "协查单位", "不能是本机关").into());
            }
            let due = rules::consultation_due(&cal, *day).value;
            let cid = w.consultation_insert(id, *ck, *target_unit_id, third_party, question, *day, due).await?;
            consultations = w.consultations_of(id).await?;
            let whom = match target_unit_id {
                Some(u) => unit_name(cx, *u).await,
                None => third_party.clone(),
            };
            kind = match ck {
                ConsultationKind::ThirdParty => EventKind::ThirdPartyConsulted,
                ConsultationKind::Coordination => EventKind::CoordinationRequested,
            };
            (on, public) = (*day, true);
            details = EventDetails {
                unit: Some(whom.clone()),
                unit_id: *target_unit_id,
                consultation_id: Some(cid),
                due_on: Some(due),
                text: Some(question.clone()),
                ..Default::default()
            };
            summary = format!("申请 {} {}（{cid}）：{whom}", r.tracking_no, ck.label());
        }
        Step::RecordOpinion { consultation_id, on: day, answer } => {
            let c =
                consultations.iter().find(|c| c.id == *consultation_id).cloned().ok_or_else(|| {
                    Error::Invalid(Invalid::one("consultation_id", "征求意见", "不是本申请的征求意见"))
                })?;
            not_before("on", "收到意见日期", *day, Some(c.sent_on))?;
            if !w.consultation_answer(c.id, *day, answer).await? {
                return Err(Error::Conflict(Invalid::one("consultation_id", "征求意见", "已登记过意见")));
            }
            consultations = w.consultations_of(id).await?;
            let others_open = consultations.iter().any(|c| c.answered_on.is_none());
            r.state = transition(RequestEvent::CloseConsultation { others_open }, r.state)?;
            (kind, on, public) = (EventKind::OpinionReceived, *day, true);
            details = EventDetails {
                unit: Some(c.third_party.clone()).filter(|t| !t.is_empty()),
                unit_id: c.target_unit_id,
                consultation_id: Some(c.id),
                ..Default::default()
            };
            summary = format!("申请 {} 登记征求意见结果", r.tracking_no);
        }
        Step::Extend { days, reason, approver, on: day } => {
            lifecycle::may_extend(r.state, *days, &facts).map_err(lifecycle_error)?;
            r.extension_days = *days;
            (kind, on, public) = (EventKind::Extended, *day, true);
            details = EventDetails {
                days: Some(*days),
                reason: Some(reason.clone()),
                approver: Some(approver.clone()),
                ..Default::default()
            };
            summary = format!("申请 {} 延期 {days} 个工作日，批准人 {approver}", r.tracking_no);
        }
        Step::SetExcessivePeriod { due_on, reason } => {
            if !matches!(r.state, RequestState::InProgress | RequestState::Consulting) {
                return Err(lifecycle_error(lifecycle::RequestError::NotAllowed {
                    state: r.state,
                    event: "确定合理答复期限",
                }));
            }
            if *due_on <= today {
                return Err(Invalid::one("due_on", "答复期限", "应晚于今天").into());
            }
            r.excessive_due_on = Some(*due_on);
            (kind, on, public) = (EventKind::ExcessivePeriodSet, today, true);
            details = EventDetails { due_on: Some(*due_on), reason: Some(reason.clone()), ..Default::default() };
            summary = format!("申请 {} 按第三十五条确定答复期限 {due_on}", r.tracking_no);
        }
        Step::NoticeFee { basis, quantity, earlier_items, on: day } => {
            r.state = transition(RequestEvent::NoticeFee, r.state)?;
            let fee = match basis {
                processing_fee::FeeBasis::PerItem => processing_fee::per_item_fee(*earlier_items, *quantity),
                processing_fee::FeeBasis::PerPage => processing_fee::per_page_fee(*quantity),
            };
            if fee == 0 {
                return Err(Invalid::one("quantity", "数量", "在免费范围内，无需收费").into());
            }
            r.fee_yuan = Some(fee as i64);
            r.fee_noticed_on = Some(*day);
            r.fee_paid_on = None;
            let due = processing_fee::payment_due(&cal, *day).value;
            (kind, on, public) = (EventKind::FeeNoticed, *day, true);
            details = EventDetails {
                fee_yuan: Some(fee as i64),
                fee_basis: Some(basis.code().into()),
                quantity: Some(*quantity),
                due_on: Some(due),
                ..Default::default()
            };
            summary = format!("申请 {} 收费通知 {fee} 元", r.tracking_no);
        }
        Step::FeePaid { on: day } => {
            r.state = transition(RequestEvent::FeePaid, r.state)?;
            not_before("on", "缴费日期", *day, r.fee_noticed_on)?;
            r.fee_paid_on = Some(*day);
            (kind, on, public) = (EventKind::FeePaid, *day, true);
            details = EventDetails { fee_yuan: r.fee_yuan, ..Default::default() };
            summary = format!("申请 {} 登记缴费", r.tracking_no);
        }
        Step::SubmitReply { outcome, reply, replied_on } => {
            check_outcome_fits(&cal, &r, *outcome, today)?;
            r.state = transition(RequestEvent::SubmitReply, r.state)?;
            if let Some(d) = replied_on {
                not_before("replied_on", "答复日期", *d, r.received_on)?;
            }
            r.outcome = Some(*outcome);
            r.reply = reply.clone();
            r.replied_on = *replied_on;
            r.drafter_id = Some(p.user.id);
            (kind, on, public) = (EventKind::ReplySubmitted, today, false);
            details = EventDetails { outcome: Some(outcome.code().into()), ..Default::default() };
            summary = format!("申请 {} 答复提交审签：{}", r.tracking_no, outcome.label());
        }
        Step::Approve { on: day } => {
            let sent = approve(&mut r, *day, p.user.id, today)?;
            w.request_files_publish(id).await?;
            for (name, content_type, size, sha) in letters.take().unwrap_or_default() {
                w.request_file_insert(
                    id,
                    gongkai_domain::requests::FileRole::Letter,
                    &name,
                    content_type,
                    size,
                    &sha,
                    true,
                )
                .await?;
            }
            (kind, on, public) = (EventKind::Replied, sent, true);
            details = EventDetails { outcome: r.outcome.map(|o| o.code().into()), ..Default::default() };
            summary = format!("申请 {} 审签通过并答复", r.tracking_no);
        }
        Step::Return { note: n } => {
            r.state = transition(RequestEvent::ReturnReply, r.state)?;
            r.outcome = None;
            (kind, on, public) = (EventKind::ReplyReturned, today, false);
            details = EventDetails { text: Some(n.clone()), ..Default::default() };
            summary = format!("申请 {} 答复审签退回", r.tracking_no);
        }
        Step::Withdraw { on: day, note: n } => {
            r.state = transition(RequestEvent::Withdraw, r.state)?;
            not_before("on", "撤回日期", *day, r.received_on)?;
            let (closed_on, outcome) = rules::withdrawal(r.received_on, *day);
            r.closed_on = closed_on;
            r.outcome = outcome.or(r.outcome);
            (kind, on, public) = (EventKind::Withdrawn, *day, true);
            details = EventDetails { text: Some(n.clone()).filter(|n| !n.is_empty()), ..Default::default() };
            summary = format!("申请 {} 撤回", r.tracking_no);
        }
        Step::Archive => {
            r.state = transition(RequestEvent::Archive, r.state)?;
            (kind, on, public) = (EventKind::Archived, today, false);
            details = EventDetails::default();
            summary = format!("申请 {} 归档", r.tracking_no);
        }
        Step::Assign { handler_id } => {
            let user = cx.store.user(*handler_id).await?;
            match user {
                Some(u) if u.unit_id == r.unit_id && u.roles.contains(&Role::RequestHandler) && u.active => {}
                _ => return Err(Invalid::one("handler_id", "承办人", "应为本机关的依申请公开办理人员").into()),
            }
            r.handler_id = Some(*handler_id);
            (kind, on, public) = (EventKind::HandlerAssigned, today, false);
            details = EventDetails { handler_id: Some(*handler_id), ..Default::default() };
            summary = format!("申请 {} 指定承办人 {handler_id}", r.tracking_no);
        }
    }
    refresh_due(&cal, &mut r, &consultations);
    w.request_save(&r).await?;
    w.request_event(id, kind, on, public, &details).await?;
    w.record(&format!("request.{}", step_code(&step)), "request", id, Some(r.unit_id), summary);
    w.commit().await?;
    Ok(r)
}

/// What the lifecycle asks of a case besides its state.
fn facts_of(r: &Request) -> RequestFacts {
    RequestFacts {
        drafter: r.drafter_id,
        clarified_before: r.clarification_requested_on.is_some(),
        extended_before: r.extension_days > 0,
    }
}

/// A date given for a step may not come before `floor`.
fn not_before(field: &str, label: &str, on: NaiveDate, floor: Option<NaiveDate>) -> Result<(), Error> {
    match floor {
        Some(f) if on < f => Err(Error::Invalid(Invalid::one(field, label, format!("不能早于 {f}")))),
        _ => Ok(()),
    }
}

/// 审签通过 by `approver`: the reply is sent on `on`, else on the reply's date, else today.
/// Returns the day it is sent.
fn approve(r: &mut Request, on: Option<NaiveDate>, approver: i64, today: NaiveDate) -> Result<NaiveDate, Error> {
    r.state = lifecycle::next(r.state, RequestEvent::ApproveReply, approver, &facts_of(r)).map_err(lifecycle_error)?;
    let sent = on.or(r.replied_on).unwrap_or(today);
    not_before("on", "答复日期", sent, r.received_on)?;
    r.replied_on = Some(sent);
    r.closed_on = Some(sent);
    r.approver_id = Some(approver);
    Ok(sent)
}

fn step_code(step: &Step) -> &'static str {
    match step {
        Step::Confirm { .. } => "confirm",
        Step::RequestClarification { .. } => "clarification",
        Step::ClarificationReceived { .. } => "clarification_received",
        Step::Consult { .. } => "consult",
        Step::RecordOpinion { .. } => "opinion",
        Step::Extend { .. } => "extend",
        Step::SetExcessivePeriod { .. } => "excessive_period",
        Step::NoticeFee { .. } => "fee_notice",
        Step::FeePaid { .. } => "fee_paid",
        Step::SubmitReply { .. } => "reply",
        Step::Approve { .. } => "approve",
        Step::Return { .. } => "return",
        Step::Withdraw { .. } => "withdraw",
        Step::Archive => "archive",
        Step::Assign { .. } => "assign",
    }
}

/// `rules::outcome_fits`, as the step's conflict on 办理结果.
fn check_outcome_fits(cal: &Calendar, r: &Request, outcome: Outcome, today: NaiveDate) -> Result<(), Error> {
    rules::outcome_fits(cal, r.state, r.fee_noticed_on, outcome, today)
        .map_err(|msg| Error::Conflict(Invalid::one("outcome", "办理结果", msg)))
}

/// A coordinating unit answers a coordination (会商/协查) in its own queue.
pub async fn answer_coordination(
    cx: &Context,
    p: &Principal,
    consultation_id: i64,
    answer: &str,
) -> Result<Request, Error> {
    let c = cx.store.consultation(consultation_id).await?.ok_or(Error::NotFound)?;
    let Some(target) = c.target_unit_id else { return Err(Error::NotFound) };
    let reach = p.reach(cx, target).await?;
    if reach != Reach::Subtree && !p.roles().contains(&Role::SystemAdmin) {
        return Err(Error::NotFound);
    }
    p.require(Action::HandleRequests, reach)?;
    let mut errors = Invalid::default();
    let answer = text(&mut errors, "answer", "协查意见", answer, true, 5000);
    errors.into_result(())?;
    take_step_as_coordinator(cx, p, c, answer).await
}

async fn take_step_as_coordinator(
    cx: &Context,
    p: &Principal,
    c: Consultation,
    answer: String,
) -> Result<Request, Error> {
    let cal = cx.calendar().await?;
    let today = cx.today();
    let mut w = cx.store.write(p.actor()).await?;
    let mut r = w.request_lock(c.request_id).await?;
    if !w.consultation_answer(c.id, today, &answer).await? {
        return Err(Error::Conflict(Invalid::one("answer", "协查意见", "该协查已答复")));
    }
    let consultations = w.consultations_of(r.id).await?;
    let others_open = consultations.iter().any(|c| c.answered_on.is_none());
    let facts = RequestFacts::default();
    // The case may have moved on (replied after silence); the answer still joins the file.
    if r.state == RequestState::Consulting {
        r.state = lifecycle::next(r.state, RequestEvent::CloseConsultation { others_open }, p.user.id, &facts)
            .map_err(lifecycle_error)?;
    }
    refresh_due(&cal, &mut r, &consultations);
    w.request_save(&r).await?;
    let unit = unit_name(cx, p.user.unit_id).await;
    let details = EventDetails {
        unit: Some(unit),
        unit_id: Some(p.user.unit_id),
        consultation_id: Some(c.id),
        ..Default::default()
    };
    w.request_event(r.id, EventKind::CoordinationAnswered, today, true, &details).await?;
    w.record(
        "request.coordination_answer",
        "request",
        r.id,
        Some(r.unit_id),
        format!("答复申请 {} 的协查", r.tracking_no),
    );
    w.commit().await?;
    Ok(r)
}
