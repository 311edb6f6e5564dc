//! Registration without an account, the waitlist, staff selection and check-in at the door.
//! Every change runs in one audited write, and audited writes are serialised on both
//! databases (`Store::write` takes the audit chain's head first), so admission, cancellation
//! and promotion see each other's counts: an event is never over capacity and no waiter is
//! passed over, however many arrive at once.

use super::notify::{self, Message};
use super::{Live, published};
use crate::{Context, Error, Principal};
use gongkai_domain::open_day::code;
use gongkai_domain::open_day::input::{RegistrationFields, RegistrationInput};
use gongkai_domain::open_day::registration::{CheckIn, RegistrationStatus, Step, next};
use gongkai_domain::open_day::seats::{Admission, admit, promote};
use gongkai_domain::open_day::{ApprovalMode, EventPhase, eligibility};
use gongkai_domain::privacy::mask_name;
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_store::credentials::secret_hash;
use gongkai_store::open_day::Counts;
use gongkai_store::open_day::registrations::{NewRegistration, Notice, Registration};
use gongkai_store::{Actor, Writer};
use rand::Rng;

/// Registrations one address may make per window (15 minutes): a family registering together
/// from one connection, not a robot.
pub const REGISTRATIONS_PER_ADDRESS: usize = 10;

/// What a registrant keeps: the code, shown once (only its hash is stored).
#[derive(Debug, Clone)]
pub struct Ack {
    pub registration: Registration,
    pub code: String,
    pub event: Live,
}

/// A registration as its registrant sees it by the code.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub registration: Registration,
    pub event: Live,
    pub notices: Vec<Notice>,
}

fn code_hash(code: &str) -> String {
    secret_hash(&format!("open-day:{code}"))
}

fn id_hash(id_number: &str) -> String {
    secret_hash(&format!("citizen:{id_number}"))
}

fn new_code() -> String {
    let mut rng = rand::rng();
    let draws: [u8; code::LEN - 1] = std::array::from_fn(|_| rng.random_range(0..31u8));
    code::from_draws(draws)
}

fn refuse(field: &str, label: &str, why: impl std::fmt::Display) -> Error {
    Error::Conflict(Invalid::one(field, label, why))
}

/// Why registration is not possible now, if it is not.
pub fn closed_reason(phase: EventPhase) -> Option<&'static str> {
    match phase {
        EventPhase::Announced => Some("报名尚未开始"),
        EventPhase::RegistrationOpen => None,
        EventPhase::RegistrationClosed => Some("报名已截止"),
        EventPhase::Ongoing => Some("活动已开始，报名已截止"),
        EventPhase::Finished => Some("活动已结束"),
    }
}

/// The event's day in China (ages are counted to it) and year.
fn event_day(live: &Live) -> chrono::NaiveDate {
    gongkai_domain::time::date_in_china(live.fields.schedule.starts)
}

/// A registration from the public form or the API: checked against the event's fields, the
/// challenge answered, at most [`REGISTRATIONS_PER_ADDRESS`] per address and window.
pub async fn register(cx: &Context, event_id: i64, input: &RegistrationInput, ip: &str) -> Result<Ack, Error> {
    let taken =
        crate::throttle::take(cx, &format!("open-day-ip:{ip}"), REGISTRATIONS_PER_ADDRESS, "报名过于频繁").await?;
    let stored = register_counted(cx, event_id, input, ip).await;
    if stored.is_err() {
        crate::throttle::release(cx, &taken).await?;
    }
    stored
}

async fn register_counted(cx: &Context, event_id: i64, input: &RegistrationInput, ip: &str) -> Result<Ack, Error> {
    let live = published(cx, event_id).await?;
    if let Some(why) = closed_reason(live.phase) {
        return Err(refuse("open_day", "活动", why));
    }
    let mut errors = Invalid::default();
    let fields = RegistrationFields::parse(input, &live.fields.fields).map_err(|e| errors.0.extend(e.0)).ok();
    if errors.0.is_empty() {
        crate::challenge::check(cx, &input.challenge_id, &input.challenge_answer)
            .await
            .map_err(|e| errors.0.extend(e.0))
            .ok();
    }
    let Some(fields) = fields else { return Err(errors.into()) };
    errors.into_result(())?;
    let actor = Actor { user_id: None, name: "公众".into(), unit_id: None, ip: ip.to_string() };
    let mut w = cx.store.write(actor).await?;
    let (registration_id, code) = admit_one(cx, &mut w, event_id, &fields).await?;
    w.commit().await?;
    let registration = cx.store.registration(registration_id).await?.ok_or(Error::NotFound)?;
    let event = published(cx, event_id).await?;
    Ok(Ack { registration, code, event })
}

/// Checks the registrant against the event as it stands in this write and stores them with a
/// seat, on the waitlist or pending; returns the registration and its code.
pub(super) async fn admit_one(
    cx: &Context,
    w: &mut Writer,
    event_id: i64,
    f: &RegistrationFields,
) -> Result<(i64, String), Error> {
    let e = w.open_day_current(event_id).await?;
    let live = Live::of(e, cx.now()).ok_or(Error::NotFound)?;
    if let Some(why) = closed_reason(live.phase) {
        return Err(refuse("open_day", "活动", why));
    }
    let who = id_hash(f.id.as_str());
    if w.registration_exists(event_id, &who).await? {
        return Err(refuse("id_number", "身份证号码", "该身份证号码已报名本活动，请勿重复报名；可凭报名码查询"));
    }
    let day = event_day(&live);
    let year = chrono::Datelike::year(&day);
    let kind = live.fields.kind.code();
    let earlier = if live.fields.rules.once_a_year { w.registrations_in_year(&who, kind, year).await? } else { 0 };
    eligibility::check(&live.fields.rules, &f.id, f.district.as_deref(), day, earlier)?;
    let status = match admit(live.fields.approval, live.fields.seats(), live.counts.holding, live.counts.waiting) {
        Admission::Seat => RegistrationStatus::Confirmed,
        Admission::Waitlist => RegistrationStatus::Waitlisted,
        Admission::Pending => RegistrationStatus::Pending,
    };
    let code = new_code();
    let hash = code_hash(&code);
    let new = NewRegistration {
        open_day_id: event_id,
        code_hash: &hash,
        status,
        name: &f.name,
        id_number: f.id.as_str(),
        id_hash: &who,
        phone: &f.phone,
        district: f.district.as_deref(),
        answers: &f.answers,
        kind,
        year,
    };
    let id = w.registration_insert(&new).await?;
    w.record(
        "open_day.register",
        "open_day_registration",
        id,
        Some(live.unit_id),
        format!("{}报名《{}》：{}", mask_name(&f.name), live.fields.title, status.label()),
    );
    Ok((id, code))
}

/// Gives free seats of a first-come event to its first waiters, in order of arrival, with a
/// notice each; returns the messages to deliver once the write has committed.
pub(crate) async fn promote_waiting(w: &mut Writer, event_id: i64) -> Result<Vec<Message>, Error> {
    let e = w.open_day_current(event_id).await?;
    let Some(live) = e.live.as_ref() else { return Ok(vec![]) };
    if live.approval != ApprovalMode::FirstCome || e.counts.waiting == 0 {
        return Ok(vec![]);
    }
    let free = live.seats().open().saturating_sub(e.counts.holding);
    if free == 0 {
        return Ok(vec![]);
    }
    let waiters = w.registrations_waiting(event_id, free).await?;
    let mut out = Vec::new();
    for r in promote(live.seats(), e.counts.holding, &waiters) {
        let to = next(r.status, Step::Promote).map_err(|why| refuse("status", "报名状态", why))?;
        w.registration_set_status(r, to, None).await?;
        let text = format!("您报名的《{}》已由候补转为报名成功，报名码不变，请按时参加。", live.title);
        let notice_id = w.notice_add(r.id, "promoted", &text).await?;
        w.record(
            "open_day.promote",
            "open_day_registration",
            r.id,
            Some(e.unit_id),
            format!("{}由候补转为报名成功（《{}》）", mask_name(&r.name), live.title),
        );
        out.push(Message { notice_id, registration_id: r.id, phone: r.phone.clone(), text });
    }
    Ok(out)
}

/// The code as typed, made canonical, or the message that it was mistyped.
fn canonical(raw: &str) -> Result<String, Error> {
    code::normalise(raw).ok_or_else(|| {
        Error::Invalid(Invalid::one("code", "报名码", "报名码应为 8 位字母和数字，请核对（不含 0、1、I、L、O）"))
    })
}

/// A registration by its code, for its registrant: throttled as query codes are (wrong codes
/// lock the address for a while, never the rightful holder elsewhere).
pub async fn lookup(cx: &Context, raw_code: &str, ip: &str) -> Result<Lookup, Error> {
    let code = canonical(raw_code)?;
    let registration = crate::throttle::check_query_code(
        cx,
        "open-day-code",
        &code,
        ip,
        async { Ok(cx.store.registration_by_code(&code_hash(&code)).await?) },
        |_| true,
        Invalid::one("code", "报名码", "没有这个报名码，请核对"),
    )
    .await?;
    let e = cx.store.open_day(registration.open_day_id).await?.ok_or(Error::NotFound)?;
    let event = Live::of(e, cx.now()).ok_or(Error::NotFound)?;
    let notices = cx.store.registration_notices(registration.id).await?;
    Ok(Lookup { registration, event, notices })
}

/// The registrant cancels with the code; the seat goes to the first waiter at once.
pub async fn cancel(cx: &Context, raw_code: &str, ip: &str) -> Result<Lookup, Error> {
    let found = lookup(cx, raw_code, ip).await?;
    if found.event.phase == EventPhase::Finished {
        return Err(refuse("code", "报名码", "活动已结束，不能取消"));
    }
    let actor = Actor { user_id: None, name: "公众".into(), unit_id: None, ip: ip.to_string() };
    let mut w = cx.store.write(actor).await?;
    let r = w.registration_current(found.registration.id).await?;
    let to = next(r.status, Step::Cancel).map_err(|why| refuse("code", "报名码", why))?;
    w.registration_set_status(&r, to, None).await?;
    w.record(
        "open_day.cancel",
        "open_day_registration",
        r.id,
        Some(found.event.unit_id),
        format!("{}取消报名《{}》", mask_name(&r.name), found.event.fields.title),
    );
    let messages = promote_waiting(&mut w, r.open_day_id).await?;
    w.commit().await?;
    notify::send(cx, messages).await;
    lookup_by_id(cx, r.id).await
}

async fn lookup_by_id(cx: &Context, id: i64) -> Result<Lookup, Error> {
    let registration = cx.store.registration(id).await?.ok_or(Error::NotFound)?;
    let event = published(cx, registration.open_day_id).await?;
    let notices = cx.store.registration_notices(id).await?;
    Ok(Lookup { registration, event, notices })
}

/// The organiser's list of an event's registrations, with their personal data: for the staff
/// who may draft for the event's unit only.
pub async fn roster(cx: &Context, p: &Principal, event_id: i64) -> Result<(Live, Vec<Registration>), Error> {
    let e = super::visible(cx, p, event_id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, e.unit_id).await?;
    let live = Live::of(e, cx.now()).ok_or_else(|| refuse("status", "状态", "活动尚未发布"))?;
    Ok((live, cx.store.registrations_of(event_id).await?))
}

/// What staff decide about a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    pub fn parse(code: &str) -> Result<Decision, Invalid> {
        match code.trim() {
            "approve" => Ok(Decision::Approve),
            "reject" => Ok(Decision::Reject),
            _ => Err(Invalid::one("action", "操作", "应为 approve（入选）或 reject（未入选）")),
        }
    }
}

/// Staff choose (or do not choose) a pending registrant of a selection event; never more than
/// the open seats. The registrant gets a notice.
pub async fn decide(cx: &Context, p: &Principal, registration_id: i64, d: Decision) -> Result<Registration, Error> {
    let r = cx.store.registration(registration_id).await?.ok_or(Error::NotFound)?;
    let e = super::visible(cx, p, r.open_day_id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, e.unit_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let e = w.open_day_current(r.open_day_id).await?;
    let live = e.live.as_ref().ok_or(Error::NotFound)?;
    let r = w.registration_current(registration_id).await?;
    let step = match d {
        Decision::Approve => Step::Approve,
        Decision::Reject => Step::Reject,
    };
    let to = next(r.status, step).map_err(|why| refuse("action", "操作", why))?;
    if to.holds_seat() && e.counts.holding >= live.seats().open() {
        return Err(refuse("action", "操作", format!("开放名额 {} 个已满，不能再入选", live.seats().open())));
    }
    w.registration_set_status(&r, to, Some(p.user.id)).await?;
    let text = match d {
        Decision::Approve => format!("您报名的《{}》已入选，请凭报名码按时参加。", live.title),
        Decision::Reject => format!("感谢您报名《{}》，因名额有限，本次未能入选。", live.title),
    };
    let notice_id = w.notice_add(r.id, "decided", &text).await?;
    w.record(
        "open_day.decide",
        "open_day_registration",
        r.id,
        Some(e.unit_id),
        format!("《{}》报名人{}：{}", live.title, mask_name(&r.name), to.label()),
    );
    w.commit().await?;
    notify::send(cx, vec![Message { notice_id, registration_id: r.id, phone: r.phone.clone(), text }]).await;
    cx.store.registration(registration_id).await?.ok_or(Error::NotFound)
}

/// One code checked in at the door, and what the door sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInResult {
    /// The code as sent.
    pub code: String,
    pub outcome: CheckIn,
    /// The registrant's name, masked (for the staff to compare with the ID shown).
    pub name: Option<String>,
}

/// Checks in codes at the door of an event, in one write: a code already in does not count
/// again (a phone that was offline sends its queue later, perhaps twice), a code of another
/// event or without a seat is refused. Returns each outcome and the event's counts after.
pub async fn check_in(
    cx: &Context,
    p: &Principal,
    event_id: i64,
    codes: &[String],
) -> Result<(Vec<CheckInResult>, Counts), Error> {
    let e = super::visible(cx, p, event_id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, e.unit_id).await?;
    if e.live.is_none() {
        return Err(refuse("open_day", "活动", "活动尚未发布"));
    }
    if codes.is_empty() || codes.len() > 500 {
        return Err(Error::Invalid(Invalid::one("codes", "报名码", "应为 1 至 500 个")));
    }
    let mut w = cx.store.write(p.actor()).await?;
    let mut out = Vec::with_capacity(codes.len());
    let mut admitted = 0;
    for raw in codes {
        let found = match code::normalise(raw) {
            Some(c) => w.registration_by_code(&code_hash(&c)).await?,
            None => None,
        };
        let outcome = CheckIn::of(found.as_ref().map(|r| (r.open_day_id, r.status)), event_id);
        let name = found.as_ref().filter(|r| r.open_day_id == event_id).map(|r| mask_name(&r.name));
        if let Some(r) = found.filter(|_| outcome.counts()) {
            w.registration_set_status(&r, RegistrationStatus::CheckedIn, Some(p.user.id)).await?;
            w.record(
                "open_day.check_in",
                "open_day_registration",
                r.id,
                Some(e.unit_id),
                format!("{}签到（《{}》）", mask_name(&r.name), e.title()),
            );
            admitted += 1;
        }
        out.push(CheckInResult { code: raw.chars().take(20).collect(), outcome, name });
    }
    // A write that admitted nobody is dropped (rolled back): a refused code is no change,
    // and an audited write must leave a record.
    if admitted > 0 {
        w.commit().await?;
    }
    let counts = cx.store.open_day(event_id).await?.ok_or(Error::NotFound)?.counts;
    Ok((out, counts))
}

/// An event as its console page shows it, with the roster (personal data included) when `p`
/// organises it and it is published.
pub async fn console_view(
    cx: &Context,
    p: &Principal,
    event_id: i64,
) -> Result<(gongkai_store::open_day::OpenDay, Option<Vec<Registration>>), Error> {
    let e = super::visible(cx, p, event_id).await?;
    let organiser = p.require_for_unit(cx, Action::DraftDocuments, e.unit_id).await.is_ok();
    let roster = if organiser && e.live.is_some() { Some(cx.store.registrations_of(event_id).await?) } else { None };
    Ok((e, roster))
}

/// The event a registration is for, when `p` may see the event.
pub async fn event_of(cx: &Context, p: &Principal, registration_id: i64) -> Result<i64, Error> {
    let r = cx.store.registration(registration_id).await?.ok_or(Error::NotFound)?;
    Ok(super::visible(cx, p, r.open_day_id).await?.id)
}
