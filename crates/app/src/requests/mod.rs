//! Applications for disclosure (依申请公开): intake (the online form, registration of other
//! channels, the applicant's access with the query code and correction), every step a handler
//! takes — 接收、登记、补正、办理、协查、审签、答复、延期、归档 — and the letters. Each step checks
//! the caller's rights, asks the domain's lifecycle whether it fits the case, recomputes the
//! reply clock from the holiday calendar, and commits the change, its timeline entry and its
//! audit record together.

mod clock;
pub mod correction;
pub(crate) mod intake;
pub mod letters;
mod step_input;
mod steps;
mod views;

pub use clock::{Deadline, clock, clock_facts, deadline, refresh_due};
pub use intake::{
    APPLICATION_BODY_LIMIT, Acknowledgement, CODE_GUESSES_PER_ADDRESS, CODE_GUESSES_PER_REQUEST, Intake,
    SUBMISSIONS_PER_ADDRESS, keep_proof, kept_proof, register, submit, track,
};
pub(crate) use intake::{register_numbered, store_online};
pub use step_input::{StepBody, parse_step, take_named_step};
pub use steps::{Step, answer_coordination, take_step};
pub use views::{
    CaseFile, CasePage, PublicCase, Queue, QueueQuery, case_file, case_page, check_reply_documents, coordinations,
    current_deadline, public_case, public_file, queue, queue_page, register_rows, reminders, reply_has_files,
    staff_file, visible,
};

use crate::{Context, Error, Principal, today};
use chrono::NaiveDate;
use gongkai_domain::calendar::Calendar;
use gongkai_domain::processing_fee;
use gongkai_domain::request_form::{RequestFields, RequestInput};
use gongkai_domain::request_lifecycle::{self as lifecycle, RequestEvent, RequestFacts, RequestState};
use gongkai_domain::requests::{self as rules, Channel, ClockFacts, Outcome, Pause, Reply, ReplyClock};
use gongkai_domain::staff::{Action, Reach, Role};
use gongkai_domain::time::{date_in_china, parse_date};
use gongkai_domain::validation::{Invalid, text};
use gongkai_store::requests::{Consultation, ConsultationKind, NewRequest, Request};
use rand::Rng;

/// Whether `p` may see the applicant's identity and contact details: only the handlers of
/// the unit handling the case. Coordinating units, evaluators and administrators see the
/// request's content only.
pub fn may_see_applicant(p: &Principal, r: &Request) -> bool {
    p.user.unit_id == r.unit_id && p.roles().contains(&Role::RequestHandler)
}

/// A date a handler gives for something that already happened: not in the future, not
/// before `not_before`; empty means today.
pub fn past_date(
    errors: &mut Invalid,
    field: &str,
    label: &str,
    raw: &str,
    not_before: Option<NaiveDate>,
) -> NaiveDate {
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

fn lifecycle_error(e: lifecycle::RequestError) -> Error {
    Error::Conflict(Invalid::one("state", "办理状态", e))
}

pub async fn unit_name(cx: &Context, unit_id: i64) -> String {
    cx.unit_tree().await.ok().and_then(|t| t.get(unit_id).map(|u| u.name.clone())).unwrap_or_default()
}

/// Whether `p` may read the case at all (content only), and whether as a coordinating unit.
pub async fn may_view(cx: &Context, p: &Principal, r: &Request) -> Result<bool, Error> {
    let reach = p.reach(cx, r.unit_id).await?;
    if gongkai_domain::staff::permits(p.roles(), Action::ViewRequests, reach) {
        return Ok(true);
    }
    // A unit asked to coordinate sees the request it was asked about.
    let consultations = cx.store.request_consultations(r.id).await?;
    asked_to_coordinate(cx, p, &consultations).await
}

/// [`may_view`] with the case's consultations already read.
async fn may_view_with(
    cx: &Context,
    p: &Principal,
    r: &Request,
    consultations: &[Consultation],
) -> Result<bool, Error> {
    let reach = p.reach(cx, r.unit_id).await?;
    if gongkai_domain::staff::permits(p.roles(), Action::ViewRequests, reach) {
        return Ok(true);
    }
    asked_to_coordinate(cx, p, consultations).await
}

/// Whether `p`'s unit (or one below it) was asked to coordinate in one of `consultations`,
/// and `p` handles requests.
async fn asked_to_coordinate(cx: &Context, p: &Principal, consultations: &[Consultation]) -> Result<bool, Error> {
    for c in consultations.iter().filter_map(|c| c.target_unit_id) {
        if p.reach(cx, c).await? == Reach::Subtree && p.may(Action::HandleRequests) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Records that a member of staff looked at an applicant's personal data (every view is
/// audited).
pub async fn audit_personal_view(cx: &Context, p: &Principal, r: &Request) -> Result<(), Error> {
    let mut w = cx.store.write(p.actor()).await?;
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

/// Adds a file of the information provided to a reply still being drafted; returns its id and
/// kind. Only the unit's handlers, only while the case is open.
pub async fn add_provided_file(
    cx: &Context,
    p: &Principal,
    r: &Request,
    name: &str,
    bytes: &[u8],
) -> Result<(i64, gongkai_store::attachments::FileKind), Error> {
    p.require_for_unit(cx, Action::HandleRequests, r.unit_id).await?;
    if !r.state.is_open() {
        return Err(Error::Conflict(Invalid::one("file", "文件", "申请已办结，不能再添加文件")));
    }
    if bytes.is_empty() {
        return Err(Invalid::one("file", "文件", "请选择文件").into());
    }
    let kind = gongkai_extract::detect(name, bytes).map_err(|e| Invalid::one("file", "文件", e))?;
    let sha = cx.store.file_save(bytes).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let fid = w
        .request_file_insert(
            r.id,
            gongkai_domain::requests::FileRole::Provided,
            name,
            kind.content_type(),
            bytes.len() as i64,
            &sha,
            false,
        )
        .await?;
    w.record(
        "request.file_add",
        "request",
        r.id,
        Some(r.unit_id),
        format!("申请 {} 上传答复材料“{name}”", r.tracking_no),
    );
    w.commit().await?;
    Ok((fid, kind))
}

/// Records that the register of a unit's applications, with the applicants' personal data,
/// was exported (`total` cases): every such export is audited.
pub async fn record_export(cx: &Context, p: &Principal, unit_id: i64, total: i64) -> Result<(), Error> {
    let mut w = cx.store.write(p.actor()).await?;
    w.record(
        "request.export",
        "unit",
        unit_id,
        Some(unit_id),
        format!("导出依申请公开登记表（含申请人信息）{total} 件"),
    );
    w.commit().await?;
    Ok(())
}
