//! Intake: the online application (no account, rate-limited, with the challenge), the
//! registration of applications received by other channels, and the applicant's access to
//! the case with the tracking number and query code.

use super::*;
use gongkai_domain::request_events::{EventDetails, EventKind};
use gongkai_domain::requests::FileRole;

/// How many applications one address may submit per window (15 minutes): enough for a
/// family or an office sharing one address, too few for a robot.
pub const SUBMISSIONS_PER_ADDRESS: usize = 10;
/// Wrong query codes per (application, address) before guessing the application's code from
/// that address is refused for the rest of the window; wrong codes from all addresses only slow
/// the next attempt, so nobody can lock an applicant out. Per address (all applications), the
/// second limit.
pub const CODE_GUESSES_PER_REQUEST: usize = 5;
pub const CODE_GUESSES_PER_ADDRESS: usize = 20;
/// The largest application body: a 5 MB identity proof grows by a third in Base64 (JSON) or
/// comes as multipart with the form's fields.
pub const APPLICATION_BODY_LIMIT: usize = 8 * 1024 * 1024;

/// 申请编号: the receiving year and month, then random digits, so numbers say when and
/// reveal nothing about how many applications an agency gets.
pub(crate) fn new_tracking_no() -> String {
    let mut rng = rand::rng();
    format!("{}{:08}", today().format("%Y%m"), rng.random_range(0..100_000_000u32))
}

/// 查询码: 8 characters without look-alikes (0/O, 1/I/L), easy to read out on the phone.
pub(crate) fn new_query_code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    let mut rng = rand::rng();
    (0..8).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

use gongkai_store::requests::query_code_hash as code_hash;

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
            match gongkai_extract::detect(name, bytes) {
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

/// Stores an online application (no account): rate-limited per address, guarded by the
/// challenge, checked field by field; answers with the tracking number and query code.
pub async fn submit(cx: &Context, input: &RequestInput, intake: &Intake, ip: &str) -> Result<Acknowledgement, Error> {
    // Counted before anything else in one atomic step with the check, so parallel submissions
    // cannot pass the limit together; given back when the application is not stored.
    let taken =
        crate::throttle::take(cx, &format!("apply-ip:{ip}"), SUBMISSIONS_PER_ADDRESS, "提交申请过于频繁").await?;
    let stored = submit_counted(cx, input, intake, ip).await;
    if stored.is_err() {
        crate::throttle::release(cx, &taken).await?;
    }
    stored
}

async fn submit_counted(
    cx: &Context,
    input: &RequestInput,
    intake: &Intake,
    ip: &str,
) -> Result<Acknowledgement, Error> {
    let tree = cx.unit_tree().await?;
    let mut errors = Invalid::default();
    let unit_id = unit_choice(&mut errors, &intake.unit_id, &tree);
    let fields = RequestFields::parse(input).map_err(|e| errors.0.extend(e.0)).ok();
    check_identity_proof(&mut errors, &intake.identity_proof);
    // The challenge last, and only for an otherwise good form, so a typo elsewhere does not
    // burn the answer the applicant already gave.
    if errors.0.is_empty() {
        crate::challenge::check(cx, &intake.challenge_id, &intake.challenge_answer)
            .await
            .map_err(|e| errors.0.extend(e.0))
            .ok();
    }
    let (Some(unit_id), Some(fields)) = (unit_id, fields) else { return Err(in_form_order(errors).into()) };
    in_form_order(errors).into_result(())?;
    store_online(cx, unit_id, &fields, &intake.identity_proof, ip, None).await
}

/// Stores an online application (checked) as submitted by the applicant; `fixed` gives the
/// tracking number and query code instead of drawing them (the demo's published examples).
pub(crate) async fn store_online(
    cx: &Context,
    unit_id: i64,
    fields: &RequestFields,
    proof: &Option<(String, Vec<u8>)>,
    ip: &str,
    fixed: Option<(&str, &str)>,
) -> Result<Acknowledgement, Error> {
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
    store_new(cx, actor, &new, proof, EventKind::Submitted, fixed).await
}

async fn store_new(
    cx: &Context,
    actor: gongkai_store::Actor,
    new: &NewRequest,
    proof: &Option<(String, Vec<u8>)>,
    event: EventKind,
    fixed: Option<(&str, &str)>,
) -> Result<Acknowledgement, Error> {
    let proof_sha = match proof {
        Some((_, bytes)) => Some(cx.store.file_save(bytes).await?),
        None => None,
    };
    let code = fixed.map_or_else(new_query_code, |(_, code)| code.to_string());
    for _ in 0..5 {
        let tracking_no = fixed.map_or_else(new_tracking_no, |(no, _)| no.to_string());
        let mut w = cx.store.write(actor.clone()).await?;
        let Some(id) = w.request_insert(new, &tracking_no, &code_hash(&tracking_no, &code)).await? else {
            if fixed.is_some() {
                return Err(Error::Conflict(Invalid::one(
                    "tracking_no",
                    "申请编号",
                    format!("{tracking_no} 已被使用"),
                )));
            }
            continue;
        };
        if let (Some((name, bytes)), Some(sha)) = (proof, &proof_sha) {
            let kind = gongkai_extract::detect(name, bytes).map_err(Error::internal)?;
            w.request_file_insert(
                id,
                FileRole::IdentityProof,
                name,
                kind.content_type(),
                bytes.len() as i64,
                sha,
                false,
            )
            .await?;
        }
        let on = new.received_on.unwrap_or_else(|| cx.today());
        let details = EventDetails {
            channel: Some(new.channel.code().into()),
            unit: Some(unit_name(cx, new.unit_id).await),
            unit_id: Some(new.unit_id),
            ..Default::default()
        };
        w.request_event(id, event, on, true, &details).await?;
        let what = event.label();
        w.record("request.create", "request", id, Some(new.unit_id), format!("{what}：申请编号 {tracking_no}"));
        let request = w.request_lock(id).await?;
        w.commit().await?;
        return Ok(Acknowledgement { request, query_code: code });
    }
    Err(Error::internal("no free tracking number after 5 draws"))
}

/// A handler registers an application received in person, by post, fax, e-mail or otherwise,
/// with the day it was actually received (art. 31), which may lie in the past.
pub async fn register(
    cx: &Context,
    p: &Principal,
    input: &RequestInput,
    unit_id: &str,
    channel: &str,
    received_on: &str,
) -> Result<Acknowledgement, Error> {
    register_numbered(cx, p, input, unit_id, channel, received_on, None).await
}

/// [`register`], with the tracking number and query code given (the demo's) when `fixed`.
pub(crate) async fn register_numbered(
    cx: &Context,
    p: &Principal,
    input: &RequestInput,
    unit_id: &str,
    channel: &str,
    received_on: &str,
    fixed: Option<(&str, &str)>,
) -> Result<Acknowledgement, Error> {
    let tree = cx.unit_tree().await?;
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
        let cutoff = cx.today() - chrono::Duration::days(3 * 366);
        Some(past_date(&mut errors, "received_on", "收到申请日期", received_on, Some(cutoff)))
    };
    let fields = RequestFields::parse(input).map_err(|e| errors.0.extend(e.0)).ok();
    let (Some(unit_id), Some(channel), Some(received), Some(fields)) = (unit_id, channel, received, fields) else {
        return Err(in_form_order(errors).into());
    };
    in_form_order(errors).into_result(())?;
    p.require_for_unit(cx, Action::HandleRequests, unit_id).await?;
    let cal = cx.calendar().await?;
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
    store_new(cx, p.actor(), &new, &None, EventKind::Registered, fixed).await
}

/// The applicant's view: the case behind a tracking number, for the right query code only.
/// Wrong codes lock the application for the address they came from (and the address for all
/// applications) and only slow attempts from elsewhere, so the applicant cannot be locked out;
/// an unknown number and a wrong code get the same answer, so numbers cannot be probed.
pub async fn track(cx: &Context, tracking_no: &str, code: &str, ip: &str) -> Result<Request, Error> {
    let tracking_no: String = tracking_no.trim().chars().filter(|c| !c.is_control()).take(40).collect();
    let find = async {
        if tracking_no.is_empty() { Ok(None) } else { Ok(cx.store.request_by_tracking_no(&tracking_no).await?) }
    };
    crate::throttle::check_query_code(
        cx,
        "query",
        &tracking_no,
        ip,
        find,
        |r: &Request| !code.trim().is_empty() && r.code_hash == code_hash(&r.tracking_no, code),
        Invalid::one("code", "申请编号或查询码", "不正确，请核对后重新输入"),
    )
    .await
}

// ----- an identity proof kept between a form with errors and its next submission -----
// The browser cannot keep a chosen file across the page, so the server holds it (checked, in
// the file store, named by its hash) and the form carries a signed, short-lived token naming it.

const PROOF_PURPOSE: &str = "gongkai draft identity proof";
/// As long as a challenge: a form is filled in within the hour.
const PROOF_MINUTES: i64 = 60;

/// Keeps a checked identity proof in the file store and gives the token that names it.
pub async fn keep_proof(cx: &Context, name: &str, bytes: &[u8]) -> Result<String, Error> {
    let sha = cx.store.file_save(bytes).await?;
    let expires = chrono::Utc::now().timestamp() + PROOF_MINUTES * 60;
    let data = format!("{expires}|{sha}|{}|{name}", bytes.len());
    let key = cx.challenge_key().await?;
    let signature = key.sign(PROOF_PURPOSE, data.as_bytes());
    Ok(format!("{}.{signature}", base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &data)))
}

/// The proof a token names (file name and bytes), read back from the file store; `Ok(Err)`
/// with the message for the applicant when the token is out of date or not one this server gave.
pub async fn kept_proof(cx: &Context, token: &str) -> Result<Result<(String, Vec<u8>), &'static str>, Error> {
    const STALE: &str = "已上传的文件已过期，请重新选择上传";
    let Some((data, signature)) = token.trim().split_once('.') else { return Ok(Err(STALE)) };
    let Ok(raw) = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, data) else {
        return Ok(Err(STALE));
    };
    let key = cx.challenge_key().await?;
    if !key.signed(PROOF_PURPOSE, &raw, signature) {
        return Ok(Err(STALE));
    }
    let text = String::from_utf8_lossy(&raw);
    let mut parts = text.splitn(4, '|');
    let (Some(expires), Some(sha), Some(size), Some(name)) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Ok(Err(STALE));
    };
    let fresh = expires.parse::<i64>().is_ok_and(|e| e > chrono::Utc::now().timestamp());
    let hex_sha = sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit());
    if !fresh || !hex_sha {
        return Ok(Err(STALE));
    }
    match tokio::fs::read(cx.store.file_path(sha)).await {
        Ok(bytes) if size.parse::<usize>() == Ok(bytes.len()) => Ok(Ok((name.to_string(), bytes))),
        _ => Ok(Err(STALE)),
    }
}
