//! The applicant's correction (补正, art. 30): at 待申请人补正 the applicant answers the notice
//! on the tracking page with the tracking number and query code — the corrected text and
//! files of the kinds the application takes. The case goes back to 办理中 and the reply period
//! starts again from the day the correction arrived, by the holiday calendar; the handler sees
//! the text and files, the files only the handlers of the unit, as the identity proof.

use super::*;
use gongkai_domain::request_events::{EventDetails, EventKind};

/// The role of the files the applicant sends with it.
pub const CORRECTION_ROLE: &str = "correction";
pub const CORRECTION_MAX_CHARS: usize = 2000;
pub const CORRECTION_MAX_FILES: usize = 3;
/// Each file, as the identity proof of the application.
pub const CORRECTION_FILE_BYTES: usize = 5 * 1024 * 1024;
/// The largest correction form: three files of 5 MB and the text.
pub const CORRECTION_BODY_LIMIT: usize = CORRECTION_MAX_FILES * CORRECTION_FILE_BYTES + 1024 * 1024;

/// What the office asked to be corrected, when, and by when the applicant should answer.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Asked {
    /// 告知补正日期
    pub asked_on: String,
    /// 需要补正的内容
    pub items: String,
    /// 补正期限（告知之日起 15 个工作日）
    pub due_on: String,
    /// 距补正期限的工作日，负数为已逾期
    pub days_left: i64,
}

/// The notice a case awaiting correction carries; `None` in any other cx.
pub async fn asked(cx: &Context, r: &Request) -> Result<Option<Asked>, Error> {
    let (RequestState::Clarifying, Some(on)) = (r.state, r.clarification_requested_on) else { return Ok(None) };
    let cal = cx.calendar().await?;
    let events = cx.store.request_events(r.id, true).await?;
    let items = events
        .iter()
        .rev()
        .find(|e| e.kind == EventKind::ClarificationRequested)
        .and_then(|e| e.details.items.clone())
        .unwrap_or_default();
    let due = rules::correction_due(&cal, on).value;
    Ok(Some(Asked {
        asked_on: on.to_string(),
        items,
        due_on: due.to_string(),
        days_left: rules::days_left(&cal, cx.today(), due),
    }))
}

/// Checks a file sent with the correction as the application's identity proof is checked.
fn check_file(errors: &mut Invalid, name: &str, bytes: &[u8]) -> Option<gongkai_store::attachments::FileKind> {
    let shown = if name.is_empty() { "未命名文件" } else { name };
    if bytes.len() > CORRECTION_FILE_BYTES {
        errors.push("files", "补正材料", format!("“{shown}”超过 5 MB"));
        return None;
    }
    match gongkai_extract::detect(name, bytes) {
        Ok(kind) if kind.is_image() || kind == gongkai_store::attachments::FileKind::Pdf => Some(kind),
        _ => {
            errors.push("files", "补正材料", format!("“{shown}”不是 PDF、JPG 或 PNG 文件"));
            None
        }
    }
}

/// The applicant sends the correction for `found`, the case `track` gave for the tracking
/// number and query code (checked and throttled as on the tracking page); the text and files
/// are checked as the form's, and only a case awaiting correction takes it. Returns the case
/// as it now stands.
pub async fn submit_correction(
    cx: &Context,
    found: &Request,
    ip: &str,
    raw_text: &str,
    files: &[(String, Vec<u8>)],
) -> Result<Request, Error> {
    let mut errors = Invalid::default();
    let body = text(&mut errors, "text", "补正内容", raw_text, true, CORRECTION_MAX_CHARS);
    let mut kinds = Vec::new();
    if files.len() > CORRECTION_MAX_FILES {
        errors.push("files", "补正材料", format!("最多上传 {CORRECTION_MAX_FILES} 个文件"));
    } else {
        for (name, bytes) in files {
            kinds.push(check_file(&mut errors, name, bytes));
        }
    }
    errors.into_result(())?;
    if found.state != RequestState::Clarifying {
        return Err(not_awaiting(found.state));
    }
    let mut saved = Vec::new();
    for ((name, bytes), kind) in files.iter().zip(kinds) {
        let Some(kind) = kind else { continue };
        saved.push((name.clone(), kind.content_type(), bytes.len() as i64, cx.store.file_save(bytes).await?));
    }
    let cal = cx.calendar().await?;
    let today = cx.today();
    let actor = gongkai_store::Actor { user_id: None, name: "申请人".into(), unit_id: None, ip: ip.to_string() };
    let mut w = cx.store.write(actor).await?;
    let mut r = w.request_lock(found.id).await?;
    // Another correction or a handler's step may have come first.
    if r.state != RequestState::Clarifying {
        return Err(not_awaiting(r.state));
    }
    r.state = lifecycle::next(r.state, RequestEvent::ClarificationReceived, 0, &RequestFacts::default())
        .map_err(lifecycle_error)?;
    // Received on the day it arrives on the platform: the reply period counts from it (art. 30).
    let received = r.clarification_requested_on.map_or(today, |asked| today.max(asked));
    r.clarification_received_on = Some(received);
    let consultations = w.consultations_of(r.id).await?;
    refresh_due(&cal, &mut r, &consultations);
    w.request_save(&r).await?;
    for (name, content_type, size, sha) in &saved {
        w.request_file_insert(
            r.id,
            gongkai_domain::requests::FileRole::Correction,
            name,
            content_type,
            *size,
            sha,
            false,
        )
        .await?;
    }
    let details = EventDetails { text: Some(body), ..Default::default() };
    w.request_event(r.id, EventKind::CorrectionReceived, received, true, &details).await?;
    let late = r
        .clarification_requested_on
        .map(|asked| rules::correction_due(&cal, asked).value)
        .filter(|due| received > *due)
        .map(|due| format!("（补正期限 {due} 已过）"))
        .unwrap_or_default();
    w.record(
        "request.correction",
        "request",
        r.id,
        Some(r.unit_id),
        format!(
            "申请人提交补正：申请编号 {}，附文件 {} 个{late}；答复期限自 {received} 起重新计算",
            r.tracking_no,
            saved.len()
        ),
    );
    w.commit().await?;
    Ok(r)
}

fn not_awaiting(state: RequestState) -> Error {
    Error::Conflict(Invalid::one(
        "state",
        "办理状态",
        format!("申请当前为“{}”，不是待申请人补正，无需提交补正", state.label()),
    ))
}
