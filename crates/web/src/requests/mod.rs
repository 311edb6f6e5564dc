//! Applications for disclosure (依申请公开): the public form, the applicant's tracking page,
//! and every step a handler takes — 接收、登记、补正、办理、协查、审签、答复、延期、归档. Each
//! step is one function here used by both the console and the API: it checks the caller's
//! rights, asks the domain's lifecycle whether the step fits the case, recomputes the reply
//! clock from the holiday calendar, and commits the change, its timeline entry and its audit
//! record together.

pub mod api;
pub mod challenge;
pub mod console;
pub mod letters;
pub mod portal;
pub mod report;
pub mod staff_api;

use crate::app::AppState;
use crate::auth::Principal;
use crate::errors::AppError;
use chrono::{NaiveDate, Utc};
use gongkai_domain::calendar::Calendar;
use gongkai_domain::processing_fee;
use gongkai_domain::request_form::{RequestFields, RequestInput};
use gongkai_domain::request_lifecycle::{self as lifecycle, RequestEvent, RequestFacts, RequestState};
use gongkai_domain::requests::{self as rules, Channel, ClockFacts, Outcome, Pause, Reply, ReplyClock};
use gongkai_domain::staff::{Action, Reach, Role, throttle};
use gongkai_domain::time::{date_in_china, parse_date};
use gongkai_domain::validation::{Invalid, line, text};
use gongkai_store::requests::{Consultation, ConsultationKind, NewRequest, Request};
use rand::Rng;

/// How many applications one address may submit per window (15 minutes): enough for a
/// family or an office sharing one address, too few for a robot.
pub const SUBMISSIONS_PER_ADDRESS: usize = 10;
/// Wrong query codes per application and per address before guessing is refused for the
/// rest of the window.
pub const CODE_GUESSES_PER_REQUEST: usize = 5;
pub const CODE_GUESSES_PER_ADDRESS: usize = 20;

pub fn today() -> NaiveDate {
    date_in_china(Utc::now())
}

/// 申请编号: the receiving year and month, then random digits, so numbers say when and
/// reveal nothing about how many applications an agency gets.
fn new_tracking_no() -> String {
    let mut rng = rand::rng();
    format!("{}{:08}", today().format("%Y%m"), rng.random_range(0..100_000_000u32))
}

/// 查询码: 8 characters without look-alikes (0/O, 1/I/L), easy to read out on the phone.
fn new_query_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

use gongkai_store::requests::query_code_hash as code_hash;

/// Whether `p` may see the applicant's identity and contact details: only the handlers of
/// the unit handling the case. Coordinating units, evaluators and administrators see the
/// request's content only.
pub fn may_see_applicant(p: &Principal, r: &Request) -> bool {
    p.user.unit_id == r.unit_id && p.roles().contains(&Role::RequestHandler)
}

/// The facts the reply clock depends on. A consultation stops the clock until it is answered
/// or, unanswered, until its own period ends (art. 34: silence is consent).
pub fn clock_facts(r: &Request, consultations: &[Consultation], today: NaiveDate) -> ClockFacts {
    let pauses = consultations
        .iter()
        .map(|c| Pause {
            from: c.sent_on,
            to: c.answered_on.map(|a| a.min(c.due_on)).or(if today > c.due_on { Some(c.due_on) } else { None }),
        })
        .collect();
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
fn refresh_due(cal: &Calendar, r: &mut Request, consultations: &[Consultation], today: NaiveDate) {
    r.due_on = match clock(cal, r, consultations, today) {
        ReplyClock::Due(d) => Some(d.value),
        // Awaiting a clarification, the case is due when the applicant has had the notice
        // period; shown as the clarification, not the reply, in the queue.
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
        self.days_left.is_some_and(|d| (0..=3).contains(&d))
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

/// A date a handler gives for something that already happened: not in the future, not
/// before the application was submitted.
fn past_date(errors: &mut Invalid, field: &str, label: &str, raw: &str, not_before: Option<NaiveDate>) -> NaiveDate {
    let raw = raw.trim();
    if raw.is_empty() {
        return today();
    }
    match parse_date(raw) {
        None => {
            errors.push(field, label, "应为 YYYY-MM-DD 格式的有效日期");
            today()
        }
        Some(d) if d > today() => {
            errors.push(field, label, "不能晚于今天");
            today()
        }
        Some(d) if not_before.is_some_and(|nb| d < nb) => {
            errors.push(field, label, format!("不能早于 {}", not_before.unwrap_or(d)));
            d
        }
        Some(d) => d,
    }
}

fn lifecycle_error(e: lifecycle::RequestError) -> AppError {
    AppError::Conflict(Invalid::one("state", "办理状态", e))
}

// ----- intake -----

/// What the public form or `POST /api/v1/requests` gives besides the applicant's fields.
#[derive(Debug, Clone, Default)]
pub struct Intake {
    pub unit_id: String,
    pub challenge_id: String,
    pub challenge_answer: String,
    pub identity_proof: Option<(String, Vec<u8>)>,
}

/// The answer to a stored application: the numbers the applicant needs to follow it.
#[derive(Debug, Clone)]
pub struct Acknowledgement {
    pub request: Request,
    pub query_code: String,
}

fn unit_choice(errors: &mut Invalid, raw: &str, tree: &gongkai_domain::units::UnitTree) -> Option<i64> {
    let raw = raw.trim();
    if raw.is_empty() {
        errors.push("unit_id", "受理机关", "请选择");
        return None;
    }
    match raw.parse::<i64>().ok().and_then(|id| tree.get(id)) {
        Some(u) if !u.is_closed() => Some(u.id),
        Some(_) => {
            errors.push("unit_id", "受理机关", "该机关已撤销，请选择承接其职能的机关");
            None
        }
        None => {
            errors.push("unit_id", "受理机关", "不是可选的机关");
            None
        }
    }
}

fn check_identity_proof(errors: &mut Invalid, proof: &Option<(String, Vec<u8>)>) {
    if let Some((name, bytes)) = proof {
        if bytes.len() > 5 * 1024 * 1024 {
            errors.push("identity_proof", "身份证明", "文件不能超过 5 MB");
        } else {
            match gongkai_store::attachments::detect(name, bytes) {
                Ok(kind) if kind.is_image() || kind == gongkai_store::attachments::FileKind::Pdf => {}
                _ => errors.push("identity_proof", "身份证明", "请上传 PDF、JPG 或 PNG 格式的文件"),
            }
        }
    }
}

/// The order of the fields on the forms, so that the error summary lists problems in the
/// order the applicant meets them.
const FIELD_ORDER: &[&str] = &[
    "unit_id",
    "channel",
    "received_on",
    "applicant_type",
    "name",
    "id_type",
    "id_number",
    "credit_code",
    "legal_representative",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
    "identity_proof",
    "description",
    "provision_form",
    "delivery",
    "challenge_answer",
];

fn in_form_order(mut errors: Invalid) -> Invalid {
    errors.0.sort_by_key(|e| FIELD_ORDER.iter().position(|f| *f == e.field).unwrap_or(FIELD_ORDER.len()));
    errors
}

/// Checks a throttle key against its recent events; refuses with the time to come back.
async fn throttled(state: &AppState, keys: &[(String, usize)], what: &str) -> Result<(), AppError> {
    let now = Utc::now();
    for (key, limit) in keys {
        let events = state.store.login_failures_since(key, now - throttle::WINDOW).await?;
        if let Err(until) = throttle::check(&events, *limit, now) {
            let local = until.with_timezone(&gongkai_domain::time::china());
            return Err(AppError::TooManyRequests {
                retry_after_secs: (until - now).num_seconds().max(1),
                detail: format!("{what}，请于 {} 后再试。", local.format("%H:%M")),
            });
        }
    }
    Ok(())
}

/// Stores an online application (no account): rate-limited per address, guarded by the
/// challenge, checked field by field; answers with the tracking number and query code.
pub async fn submit(
    state: &AppState,
    input: &RequestInput,
    intake: &Intake,
    ip: &str,
) -> Result<Acknowledgement, AppError> {
    let ip_key = format!("apply-ip:{ip}");
    throttled(state, &[(ip_key.clone(), SUBMISSIONS_PER_ADDRESS)], "提交申请过于频繁").await?;
    let tree = state.unit_tree().await?;
    let mut errors = Invalid::default();
    let unit_id = unit_choice(&mut errors, &intake.unit_id, &tree);
    let fields = RequestFields::parse(input).map_err(|e| errors.0.extend(e.0)).ok();
    check_identity_proof(&mut errors, &intake.identity_proof);
    // The challenge last, and only for an otherwise good form, so a typo elsewhere does not
    // burn the answer the applicant already gave.
    if errors.0.is_empty() {
        challenge::check(state, &intake.challenge_id, &intake.challenge_answer)
            .await
            .map_err(|e| errors.0.extend(e.0))
            .ok();
    }
    let (Some(unit_id), Some(fields)) = (unit_id, fields) else { return Err(in_form_order(errors).into()) };
    in_form_order(errors).into_result(())?;
    let new = NewRequest {
        unit_id,
        channel: Channel::Online,
        applicant_type: fields.applicant_type,
        applicant: fields.applicant(),
        description: fields.description.clone(),
        provision_form: fields.provision_form,
        delivery: fields.delivery,
        state: RequestState::AwaitingConfirmation,
        received_on: None,
        due_on: None,
        handler_id: None,
    };
    let actor = gongkai_store::Actor { user_id: None, name: "申请人".into(), unit_id: None, ip: ip.to_string() };
    let ack = store_new(state, actor, &new, &intake.identity_proof, "网上提交申请").await?;
    state.store.login_failure_add(&[ip_key], Utc::now()).await?;
    Ok(ack)
}

async fn store_new(
    state: &AppState,
    actor: gongkai_store::Actor,
    new: &NewRequest,
    proof: &Option<(String, Vec<u8>)>,
    event: &str,
) -> Result<Acknowledgement, AppError> {
    let proof_sha = match proof {
        Some((_, bytes)) => Some(state.store.file_save(bytes).await?),
        None => None,
    };
    let code = new_query_code();
    for _ in 0..5 {
        let tracking_no = new_tracking_no();
        let mut w = state.store.write(actor.clone()).await?;
        let Some(id) = w.request_insert(new, &tracking_no, &code_hash(&tracking_no, &code)).await? else { continue };
        if let (Some((name, bytes)), Some(sha)) = (proof, &proof_sha) {
            let kind = gongkai_store::attachments::detect(name, bytes).map_err(AppError::internal)?;
            w.request_file_insert(id, "identity_proof", name, kind.content_type(), bytes.len() as i64, sha, false)
                .await?;
        }
        let on = new.received_on.unwrap_or_else(today);
        let note = format!("{}，受理机关：{}", new.channel.label(), unit_name(state, new.unit_id).await);
        w.request_event(id, event, on, true, &note).await?;
        w.record("request.create", "request", id, Some(new.unit_id), format!("{event}：申请编号 {tracking_no}"));
        let request = w.request_lock(id).await?;
        w.commit().await?;
        return Ok(Acknowledgement { request, query_code: code });
    }
    Err(AppError::internal("no free tracking number after 5 draws"))
}

async fn unit_name(state: &AppState, unit_id: i64) -> String {
    state.unit_tree().await.ok().and_then(|t| t.get(unit_id).map(|u| u.name.clone())).unwrap_or_default()
}

/// A handler registers an application received in person, by post, fax, e-mail or otherwise,
/// with the day it was actually received (art. 31), which may lie in the past.
pub async fn register(
    state: &AppState,
    p: &Principal,
    input: &RequestInput,
    unit_id: &str,
    channel: &str,
    received_on: &str,
) -> Result<Acknowledgement, AppError> {
    let tree = state.unit_tree().await?;
    let mut errors = Invalid::default();
    let unit_id = match unit_id.trim() {
        "" => Some(p.user.unit_id),
        _ => unit_choice(&mut errors, unit_id, &tree),
    };
    let channel = match Channel::parse(channel) {
        Some(Channel::Online) => {
            errors.push("channel", "申请渠道", "网上申请由申请人在网站提交，请选择当面、信函、传真、电子邮件或其他");
            None
        }
        Some(c) => Some(c),
        None => {
            errors.push("channel", "申请渠道", "应为 in_person、post、fax、email 或 other");
            None
        }
    };
    let received = if received_on.trim().is_empty() {
        errors.push("received_on", "收到申请日期", "请填写");
        None
    } else {
        let cutoff = today() - chrono::Duration::days(3 * 366);
        Some(past_date(&mut errors, "received_on", "收到申请日期", received_on, Some(cutoff)))
    };
    let fields = RequestFields::parse(input).map_err(|e| errors.0.extend(e.0)).ok();
    let (Some(unit_id), Some(channel), Some(received), Some(fields)) = (unit_id, channel, received, fields) else {
        return Err(in_form_order(errors).into());
    };
    in_form_order(errors).into_result(())?;
    p.require_for_unit(state, Action::HandleRequests, unit_id).await?;
    let cal = state.calendar().await?;
    let mut new = NewRequest {
        unit_id,
        channel,
        applicant_type: fields.applicant_type,
        applicant: fields.applicant(),
        description: fields.description.clone(),
        provision_form: fields.provision_form,
        delivery: fields.delivery,
        state: RequestState::InProgress,
        received_on: Some(received),
        due_on: None,
        handler_id: Some(p.user.id),
    };
    if let ReplyClock::Due(d) =
        rules::reply_clock(&cal, &ClockFacts { received_on: Some(received), ..Default::default() })
    {
        new.due_on = Some(d.value);
    }
    store_new(state, p.actor(), &new, &None, "登记申请").await
}

/// The applicant's view: the case behind a tracking number, for the right query code only.
/// Wrong codes are throttled per application and per address; an unknown number and a wrong
/// code get the same answer, so numbers cannot be probed.
pub async fn track(state: &AppState, tracking_no: &str, code: &str, ip: &str) -> Result<Request, AppError> {
    let tracking_no: String = tracking_no.trim().chars().take(40).collect();
    let req_key = format!("query:{tracking_no}");
    let ip_key = format!("query-ip:{ip}");
    throttled(
        state,
        &[(req_key.clone(), CODE_GUESSES_PER_REQUEST), (ip_key.clone(), CODE_GUESSES_PER_ADDRESS)],
        "查询码错误次数过多",
    )
    .await?;
    let found = if tracking_no.is_empty() { None } else { state.store.request_by_tracking_no(&tracking_no).await? };
    match found {
        Some(r) if !code.trim().is_empty() && r.code_hash == code_hash(&r.tracking_no, code) => Ok(r),
        _ => {
            state.store.login_failure_add(&[req_key, ip_key], Utc::now()).await?;
            Err(AppError::Invalid(Invalid::one("code", "申请编号或查询码", "不正确，请核对后重新输入")))
        }
    }
}

// ----- handling -----

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
pub async fn take_step(state: &AppState, p: &Principal, id: i64, step: Step) -> Result<Request, AppError> {
    let before = state.store.request(id).await?.ok_or(AppError::NotFound)?;
    let reach = p.reach(state, before.unit_id).await?;
    if !gongkai_domain::staff::permits(p.roles(), Action::ViewRequests, reach)
        && !gongkai_domain::staff::permits(p.roles(), step_action(&step), reach)
    {
        return Err(AppError::NotFound);
    }
    p.require(step_action(&step), reach)?;
    let cal = state.calendar().await?;
    let today = today();
    let mut w = state.store.write(p.actor()).await?;
    let mut r = w.request_lock(id).await?;
    let mut consultations = w.consultations_of(id).await?;
    let facts = RequestFacts {
        drafter: r.drafter_id,
        clarified_before: r.clarification_requested_on.is_some(),
        extended_before: r.extension_days > 0,
    };
    let transition = |event: RequestEvent, state: RequestState| -> Result<RequestState, AppError> {
        lifecycle::next(state, event, p.user.id, &facts).map_err(lifecycle_error)
    };
    let not_before = |field: &str, label: &str, on: NaiveDate, floor: Option<NaiveDate>| -> Result<(), AppError> {
        match floor {
            Some(f) if on < f => Err(AppError::Invalid(Invalid::one(field, label, format!("不能早于 {f}")))),
            _ => Ok(()),
        }
    };
    let (kind, on, public, note, summary): (&str, NaiveDate, bool, String, String);
    match &step {
        Step::Confirm { on: day } => {
            r.state = transition(RequestEvent::ConfirmReceipt, r.state)?;
            let submitted = gongkai_domain::time::parse_instant(&r.submitted_at).map(date_in_china);
            not_before("received_on", "确认收到日期", *day, submitted)?;
            r.received_on = Some(*day);
            r.handler_id = r.handler_id.or(Some(p.user.id));
            (kind, on, public) = ("确认收到申请", *day, true);
            note = format!("收到申请日期为 {day}，答复期限自次日起计算");
            summary = format!("确认收到申请 {}，收到日期 {day}", r.tracking_no);
        }
        Step::RequestClarification { on: day, what } => {
            r.state = transition(RequestEvent::RequestClarification, r.state)?;
            not_before("on", "告知补正日期", *day, r.received_on)?;
            r.clarification_requested_on = Some(*day);
            (kind, on, public) = ("告知补正", *day, true);
            note = format!("请补正：{what}");
            summary = format!("申请 {} 告知补正", r.tracking_no);
        }
        Step::ClarificationReceived { on: day, note: n } => {
            r.state = transition(RequestEvent::ClarificationReceived, r.state)?;
            not_before("on", "收到补正日期", *day, r.clarification_requested_on)?;
            r.clarification_received_on = Some(*day);
            (kind, on, public) = ("收到补正材料", *day, true);
            note = if n.is_empty() { "答复期限自收到补正之日起重新计算".into() } else { n.clone() };
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
                Some(u) => unit_name(state, *u).await,
                None => third_party.clone(),
            };
            (kind, on, public) = (ck.label(), *day, true);
            note = format!("向{whom}{}，期限至 {due}，期间不计入答复期限", ck.label());
            summary = format!("申请 {} {}（{cid}）：{whom}", r.tracking_no, ck.label());
        }
        Step::RecordOpinion { consultation_id, on: day, answer } => {
            let c = consultations.iter().find(|c| c.id == *consultation_id).cloned().ok_or_else(|| {
                AppError::Invalid(Invalid::one("consultation_id", "征求意见", "不是本申请的征求意见"))
            })?;
            not_before("on", "收到意见日期", *day, Some(c.sent_on))?;
            if !w.consultation_answer(c.id, *day, answer).await? {
                return Err(AppError::Conflict(Invalid::one("consultation_id", "征求意见", "已登记过意见")));
            }
            consultations = w.consultations_of(id).await?;
            let others_open = consultations.iter().any(|c| c.answered_on.is_none());
            r.state = transition(RequestEvent::CloseConsultation { others_open }, r.state)?;
            (kind, on, public) = ("收到意见", *day, true);
            note = format!("{}已回复意见", if c.third_party.is_empty() { "协查单位" } else { &c.third_party });
            summary = format!("申请 {} 登记征求意见结果", r.tracking_no);
        }
        Step::Extend { days, reason, approver, on: day } => {
            lifecycle::may_extend(r.state, *days, &facts).map_err(lifecycle_error)?;
            r.extension_days = *days;
            (kind, on, public) = ("延长答复期限", *day, true);
            note = format!("经{approver}同意，答复期限延长 {days} 个工作日。理由：{reason}");
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
            (kind, on, public) = ("确定合理答复期限", today, true);
            note = format!("申请数量、频次明显超过合理范围，答复期限确定为 {due_on}。理由：{reason}");
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
            (kind, on, public) = ("发出收费通知", *day, true);
            note = format!("信息处理费 {fee} 元，请于 {due} 前缴纳；逾期未缴纳的，不再处理该申请");
            summary = format!("申请 {} 收费通知 {fee} 元", r.tracking_no);
        }
        Step::FeePaid { on: day } => {
            r.state = transition(RequestEvent::FeePaid, r.state)?;
            not_before("on", "缴费日期", *day, r.fee_noticed_on)?;
            r.fee_paid_on = Some(*day);
            (kind, on, public) = ("已缴纳信息处理费", *day, true);
            note = String::new();
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
            (kind, on, public) = ("答复提交审签", today, false);
            note = format!("办理结果：{}", outcome.label());
            summary = format!("申请 {} 答复提交审签：{}", r.tracking_no, outcome.code());
        }
        Step::Approve { on: day } => {
            r.state = transition(RequestEvent::ApproveReply, r.state)?;
            let sent = day.or(r.replied_on).unwrap_or(today);
            not_before("replied_on", "答复日期", sent, r.received_on)?;
            r.replied_on = Some(sent);
            r.closed_on = Some(sent);
            r.approver_id = Some(p.user.id);
            w.request_files_publish(id).await?;
            for (name, content_type, size, sha) in letters::reply_files(state, &r).await? {
                w.request_file_insert(id, "letter", &name, content_type, size, &sha, true).await?;
            }
            (kind, on, public) = ("已答复", sent, true);
            note = format!("办理结果：{}", r.outcome.map(|o| o.label()).unwrap_or_default());
            summary = format!("申请 {} 审签通过并答复", r.tracking_no);
        }
        Step::Return { note: n } => {
            r.state = transition(RequestEvent::ReturnReply, r.state)?;
            r.outcome = None;
            (kind, on, public) = ("审签退回", today, false);
            note = n.clone();
            summary = format!("申请 {} 答复审签退回", r.tracking_no);
        }
        Step::Withdraw { on: day, note: n } => {
            r.state = transition(RequestEvent::Withdraw, r.state)?;
            not_before("on", "撤回日期", *day, r.received_on)?;
            r.closed_on = r.received_on.map(|_| *day);
            // An application withdrawn after receipt is counted in table 三 as 其他处理.
            if r.received_on.is_some() {
                r.outcome = Some(Outcome::OtherOutcome);
            }
            (kind, on, public) = ("申请人撤回申请", *day, true);
            note = n.clone();
            summary = format!("申请 {} 撤回", r.tracking_no);
        }
        Step::Archive => {
            r.state = transition(RequestEvent::Archive, r.state)?;
            (kind, on, public) = ("归档", today, false);
            note = String::new();
            summary = format!("申请 {} 归档", r.tracking_no);
        }
        Step::Assign { handler_id } => {
            let user = state.store.user(*handler_id).await?;
            match user {
                Some(u) if u.unit_id == r.unit_id && u.roles.contains(&Role::RequestHandler) && u.active => {}
                _ => return Err(Invalid::one("handler_id", "承办人", "应为本机关的依申请公开办理人员").into()),
            }
            r.handler_id = Some(*handler_id);
            (kind, on, public) = ("指定承办人", today, false);
            note = String::new();
            summary = format!("申请 {} 指定承办人 {handler_id}", r.tracking_no);
        }
    }
    refresh_due(&cal, &mut r, &consultations, today);
    w.request_save(&r).await?;
    w.request_event(id, kind, on, public, &note).await?;
    w.record(&format!("request.{}", step_code(&step)), "request", id, Some(r.unit_id), summary);
    w.commit().await?;
    Ok(r)
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

/// Outcomes that end an application the applicant did not follow up fit only the state they
/// end: 逾期不补正 a case awaiting clarification, 逾期不缴费 a case awaiting a fee whose period
/// has run out; and a case waiting on the applicant ends only with those (or a withdrawal).
fn check_outcome_fits(cal: &Calendar, r: &Request, outcome: Outcome, today: NaiveDate) -> Result<(), AppError> {
    let refuse = |msg: String| Err(AppError::Conflict(Invalid::one("outcome", "办理结果", msg)));
    match (r.state, outcome) {
        (RequestState::Clarifying, Outcome::NoClarification) => Ok(()),
        (RequestState::Clarifying, _) => {
            refuse("申请待补正，只能答复“申请人无正当理由逾期不补正”，或登记补正材料后再答复".into())
        }
        (RequestState::AwaitingFee, Outcome::FeeUnpaid) => {
            let noticed = r.fee_noticed_on.unwrap_or(today);
            let due = processing_fee::payment_due(cal, noticed).value;
            if today <= due {
                return refuse(format!("缴费期限至 {due}，期满仍未缴纳的才能答复“逾期未缴纳信息处理费”"));
            }
            Ok(())
        }
        (RequestState::AwaitingFee, _) => {
            refuse("申请待缴费，只能答复“逾期未缴纳信息处理费”，或登记缴费后再答复".into())
        }
        (_, Outcome::NoClarification) => refuse("只有告知补正后申请人逾期未补正的，才能选择该结果".into()),
        (_, Outcome::FeeUnpaid) => refuse("只有发出收费通知后申请人逾期未缴费的，才能选择该结果".into()),
        _ => Ok(()),
    }
}

// ----- parsing steps from form fields (console and API share these) -----

fn required_text(errors: &mut Invalid, field: &str, label: &str, raw: &str, max: usize) -> String {
    text(errors, field, label, raw, true, max)
}

fn date_or_today(errors: &mut Invalid, field: &str, label: &str, raw: &str) -> NaiveDate {
    past_date(errors, field, label, raw, None)
}

/// Parses a step named `name` from text fields (`get` gives a field's value, empty if
/// absent). Unknown names are a 404 for the caller.
pub fn parse_step(name: &str, get: &(dyn Fn(&str) -> String + Sync)) -> Result<Option<Step>, Invalid> {
    let mut e = Invalid::default();
    let step = match name {
        "confirm" => Step::Confirm { on: date_or_today(&mut e, "on", "收到申请日期", &get("on")) },
        "clarification" => Step::RequestClarification {
            on: date_or_today(&mut e, "on", "告知补正日期", &get("on")),
            what: required_text(&mut e, "what", "需要补正的内容", &get("what"), 2000),
        },
        "clarification-received" => Step::ClarificationReceived {
            on: date_or_today(&mut e, "on", "收到补正日期", &get("on")),
            note: text(&mut e, "note", "说明", &get("note"), false, 2000),
        },
        "consultations" => {
            let kind = match get("kind").trim() {
                "third_party" => Some(ConsultationKind::ThirdParty),
                "coordination" => Some(ConsultationKind::Coordination),
                _ => {
                    e.push("kind", "征求意见类型", "应为 third_party（第三方）或 coordination（会商协查）");
                    None
                }
            };
            let target = get("target_unit_id");
            let target_unit_id = match (kind, target.trim()) {
                (Some(ConsultationKind::Coordination), "") => {
                    e.push("target_unit_id", "协查单位", "请选择");
                    None
                }
                (Some(ConsultationKind::Coordination), t) => match t.parse::<i64>() {
                    Ok(id) if id > 0 => Some(id),
                    _ => {
                        e.push("target_unit_id", "协查单位", "不是可选的单位");
                        None
                    }
                },
                _ => None,
            };
            let third_party = line(
                &mut e,
                "third_party",
                "第三方名称",
                &get("third_party"),
                kind == Some(ConsultationKind::ThirdParty),
                100,
            );
            let question = required_text(&mut e, "question", "征求意见的事项", &get("question"), 2000);
            let on = date_or_today(&mut e, "on", "发出日期", &get("on"));
            match kind {
                Some(kind) => Step::Consult { kind, target_unit_id, third_party, question, on },
                None => return Err(e),
            }
        }
        "opinion" => {
            let consultation_id = match get("consultation_id").trim().parse::<i64>() {
                Ok(id) => id,
                Err(_) => {
                    e.push("consultation_id", "征求意见", "请选择");
                    0
                }
            };
            Step::RecordOpinion {
                consultation_id,
                on: date_or_today(&mut e, "on", "收到意见日期", &get("on")),
                answer: required_text(&mut e, "answer", "意见", &get("answer"), 5000),
            }
        }
        "extension" => {
            let days = match get("days").trim().parse::<u32>() {
                Ok(d) if (1..=rules::MAX_EXTENSION_DAYS).contains(&d) => d,
                _ => {
                    e.push("days", "延长天数", "应为 1 至 20 之间的整数（工作日）");
                    0
                }
            };
            Step::Extend {
                days,
                reason: required_text(&mut e, "reason", "延期理由", &get("reason"), 1000),
                approver: line(&mut e, "approver", "批准人", &get("approver"), true, 50),
                on: date_or_today(&mut e, "on", "延期日期", &get("on")),
            }
        }
        "excessive-period" => {
            let due_on = match parse_date(get("due_on").trim()) {
                Some(d) => d,
                None => {
                    e.push("due_on", "答复期限", "应为 YYYY-MM-DD 格式的有效日期");
                    today()
                }
            };
            Step::SetExcessivePeriod { due_on, reason: required_text(&mut e, "reason", "理由", &get("reason"), 2000) }
        }
        "fee-notice" => {
            let basis = match get("basis").trim() {
                "per_item" => Some(processing_fee::FeeBasis::PerItem),
                "per_page" => Some(processing_fee::FeeBasis::PerPage),
                _ => {
                    e.push("basis", "计费方式", "应为 per_item（按件）或 per_page（按量）");
                    None
                }
            };
            let mut count = |field: &str, label: &str, required: bool| -> u64 {
                let raw = get(field);
                if raw.trim().is_empty() && !required {
                    return 0;
                }
                match raw.trim().parse::<u64>() {
                    Ok(n) if n <= 1_000_000 => n,
                    _ => {
                        e.push(field, label, "应为非负整数");
                        0
                    }
                }
            };
            let quantity = count("quantity", "数量", true);
            let earlier_items = count("earlier_items", "本月此前已申请件数", false);
            let on = date_or_today(&mut e, "on", "通知日期", &get("on"));
            match basis {
                Some(basis) => Step::NoticeFee { basis, quantity, earlier_items, on },
                None => return Err(e),
            }
        }
        "fee-payment" => Step::FeePaid { on: date_or_today(&mut e, "on", "缴费日期", &get("on")) },
        "reply" => {
            let input = rules::ReplyInput {
                outcome: get("outcome"),
                reasons: get("reasons"),
                provided: get("provided"),
                document_ids: get("document_ids"),
                responsible_agency: get("responsible_agency"),
                responsible_contact: get("responsible_contact"),
            };
            let has_files = get("has_files") == "1";
            let replied_on = match get("replied_on").trim() {
                "" => None,
                raw => Some(past_date(&mut e, "replied_on", "答复日期", raw, None)),
            };
            match Reply::parse(&input, has_files) {
                Ok((outcome, reply)) => Step::SubmitReply { outcome, reply, replied_on },
                Err(more) => {
                    e.0.extend(more.0);
                    return Err(e);
                }
            }
        }
        "approve" => Step::Approve {
            on: match get("on").trim() {
                "" => None,
                raw => Some(past_date(&mut e, "on", "答复日期", raw, None)),
            },
        },
        "return" => Step::Return { note: required_text(&mut e, "note", "退回意见", &get("note"), 2000) },
        "withdraw" => Step::Withdraw {
            on: date_or_today(&mut e, "on", "撤回日期", &get("on")),
            note: text(&mut e, "note", "说明", &get("note"), false, 1000),
        },
        "archive" => Step::Archive,
        "assign" => match get("handler_id").trim().parse::<i64>() {
            Ok(id) => Step::Assign { handler_id: id },
            Err(_) => return Err(Invalid::one("handler_id", "承办人", "请选择")),
        },
        _ => return Ok(None),
    };
    e.into_result(Some(step))
}

/// The names of the steps, as the console's forms and the API's paths use them.
pub const STEP_NAMES: &[&str] = &[
    "confirm",
    "clarification",
    "clarification-received",
    "consultations",
    "opinion",
    "extension",
    "excessive-period",
    "fee-notice",
    "fee-payment",
    "reply",
    "approve",
    "return",
    "withdraw",
    "archive",
    "assign",
];

/// A coordinating unit answers a coordination (会商/协查) in its own queue.
pub async fn answer_coordination(
    state: &AppState,
    p: &Principal,
    consultation_id: i64,
    answer: &str,
) -> Result<Request, AppError> {
    let c = state.store.consultation(consultation_id).await?.ok_or(AppError::NotFound)?;
    let Some(target) = c.target_unit_id else { return Err(AppError::NotFound) };
    let reach = p.reach(state, target).await?;
    if reach != Reach::Subtree && !p.roles().contains(&Role::SystemAdmin) {
        return Err(AppError::NotFound);
    }
    p.require(Action::HandleRequests, reach)?;
    let mut errors = Invalid::default();
    let answer = required_text(&mut errors, "answer", "协查意见", answer, 5000);
    errors.into_result(())?;
    take_step_as_coordinator(state, p, c, answer).await
}

async fn take_step_as_coordinator(
    state: &AppState,
    p: &Principal,
    c: Consultation,
    answer: String,
) -> Result<Request, AppError> {
    let cal = state.calendar().await?;
    let today = today();
    let mut w = state.store.write(p.actor()).await?;
    let mut r = w.request_lock(c.request_id).await?;
    if !w.consultation_answer(c.id, today, &answer).await? {
        return Err(AppError::Conflict(Invalid::one("answer", "协查意见", "该协查已答复")));
    }
    let consultations = w.consultations_of(r.id).await?;
    let others_open = consultations.iter().any(|c| c.answered_on.is_none());
    let facts = RequestFacts::default();
    // The case may have moved on (replied after silence); the answer still joins the file.
    if r.state == RequestState::Consulting {
        r.state = lifecycle::next(r.state, RequestEvent::CloseConsultation { others_open }, p.user.id, &facts)
            .map_err(lifecycle_error)?;
    }
    refresh_due(&cal, &mut r, &consultations, today);
    w.request_save(&r).await?;
    let unit = unit_name(state, p.user.unit_id).await;
    w.request_event(r.id, "收到协查意见", today, true, &format!("{unit}已回复协查意见")).await?;
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

/// Whether `p` may read the case at all (content only), and whether as a coordinating unit.
pub async fn may_view(state: &AppState, p: &Principal, r: &Request) -> Result<bool, AppError> {
    let reach = p.reach(state, r.unit_id).await?;
    if gongkai_domain::staff::permits(p.roles(), Action::ViewRequests, reach) {
        return Ok(true);
    }
    // A unit asked to coordinate sees the request it was asked about.
    let consultations = state.store.request_consultations(r.id).await?;
    for c in consultations.iter().filter_map(|c| c.target_unit_id) {
        if p.reach(state, c).await? == Reach::Subtree && p.may(Action::HandleRequests) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Records that a member of staff looked at an applicant's personal data (every view is
/// audited).
pub async fn audit_personal_view(state: &AppState, p: &Principal, r: &Request) -> Result<(), AppError> {
    let mut w = state.store.write(p.actor()).await?;
    w.record(
        "request.view_applicant",
        "request",
        r.id,
        Some(r.unit_id),
        format!("查看申请 {} 的申请人信息", r.tracking_no),
    );
    w.commit().await?;
    Ok(())
}
