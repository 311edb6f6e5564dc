//! The public API of applications: the challenge, submitting an application without an
//! account, and following it with the tracking number and query code. Also the views of a
//! case that the staff API and the console share.

use super::{Deadline, Intake, deadline, today};
use crate::app::AppState;
use crate::auth::{ClientIp, Principal};
use crate::errors::{ApiResult, AppError, Problem};
use crate::forms::ApiJson;
use crate::forms::ApiQuery;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use base64::Engine;
use gongkai_domain::request_form::RequestInput;

use gongkai_domain::validation::Invalid;
use gongkai_store::requests::{Consultation, Request, RequestEventRow, RequestFile};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 网上申请
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ApplicationBody {
    /// 受理机关（机构编号）
    pub unit_id: String,
    /// person、organisation.business、organisation.research、organisation.public_interest、organisation.legal_service、organisation.other
    pub applicant_type: String,
    /// 姓名或单位名称
    pub name: String,
    /// 证件类型（自然人）：citizen_id、passport、hk_macao_permit、taiwan_permit、foreign_permanent、other
    pub id_type: String,
    pub id_number: String,
    /// 统一社会信用代码（法人或其他组织）
    pub credit_code: String,
    pub legal_representative: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
    /// 所需政府信息的名称、文号或便于查询的特征性描述
    pub description: String,
    /// paper（纸质）、electronic（电子）、other（其他）
    pub provision_form: String,
    /// post（邮寄）、email（电子邮件）、pickup（当面领取）、online（网上获取）、fax（传真）、other
    pub delivery: String,
    /// GET /api/v1/requests/challenge 返回的 id
    pub challenge_id: String,
    /// 验证问题的答案（阿拉伯数字）
    pub challenge_answer: String,
    /// 身份证明（可选）：PDF、JPG 或 PNG，不超过 5 MB
    pub identity_proof: Option<FileBody>,
}

#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileBody {
    pub name: String,
    /// 文件内容，Base64 编码
    pub content_base64: String,
}

impl ApplicationBody {
    pub fn input(&self) -> RequestInput {
        RequestInput {
            applicant_type: self.applicant_type.clone(),
            name: self.name.clone(),
            id_type: self.id_type.clone(),
            id_number: self.id_number.clone(),
            credit_code: self.credit_code.clone(),
            legal_representative: self.legal_representative.clone(),
            contact_person: self.contact_person.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            postcode: self.postcode.clone(),
            description: self.description.clone(),
            provision_form: self.provision_form.clone(),
            delivery: self.delivery.clone(),
        }
    }
}

pub fn decode_file(f: &Option<FileBody>, field: &str, label: &str) -> Result<Option<(String, Vec<u8>)>, Invalid> {
    let Some(f) = f else { return Ok(None) };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(f.content_base64.trim())
        .map_err(|_| Invalid::one(field, label, "内容应为 Base64 编码"))?;
    Ok(Some((crate::forms::clean_file_name(&f.name), bytes)))
}

/// 申请已收到
#[derive(Debug, Serialize, ToSchema)]
pub struct Acknowledged {
    /// 申请编号
    pub tracking_no: String,
    /// 查询码：与申请编号一起用于查询办理进度，请妥善保存，平台不再显示
    pub query_code: String,
    pub status: String,
    pub status_label: String,
    pub submitted_at: String,
    /// 查询办理进度的网页地址
    pub track_url: String,
}

pub fn acknowledged(ack: &super::Acknowledgement) -> Acknowledged {
    Acknowledged {
        tracking_no: ack.request.tracking_no.clone(),
        query_code: ack.query_code.clone(),
        status: ack.request.state.code().into(),
        status_label: ack.request.state.label().into(),
        submitted_at: gongkai_domain::time::format_instant(ack.request.submitted_at),
        track_url: format!("/requests/{}?code={}", ack.request.tracking_no, ack.query_code),
    }
}

/// 办理过程中的一条记录
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventOut {
    pub on: String,
    /// 事项名称，如“告知补正”
    pub kind: String,
    /// 事项代码：submitted、registered、confirmed、clarification_requested、clarification_received、
    /// correction_received、third_party_consulted、coordination_requested、opinion_received、
    /// coordination_answered、extended、excessive_period_set、fee_noticed、fee_paid、reply_submitted、
    /// replied、reply_returned、withdrawn、archived、handler_assigned、other
    pub code: String,
    pub note: String,
    /// 仅工作人员可见
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
}

fn events_out(events: Vec<RequestEventRow>, staff: bool) -> Vec<EventOut> {
    events
        .into_iter()
        .map(|e| EventOut {
            on: e.on_date.to_string(),
            kind: gongkai_domain::request_events::label(e.kind, &e.details),
            code: e.kind.code().into(),
            note: e.note,
            actor: staff.then_some(e.actor_name),
            public: staff.then_some(e.public),
        })
        .collect()
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FileOut {
    pub id: i64,
    /// identity_proof（身份证明）、correction（申请人的补正材料）、provided（提供的信息）、letter（告知书）
    pub role: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub url: String,
}

/// 申请人查询到的办理情况
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicRequest {
    pub tracking_no: String,
    pub unit: String,
    pub channel: String,
    pub status: String,
    pub status_label: String,
    pub submitted_at: String,
    pub received_on: Option<String>,
    pub description: String,
    pub deadline: Deadline,
    pub outcome: Option<String>,
    pub outcome_label: Option<String>,
    pub replied_on: Option<String>,
    /// 待申请人补正时：需要补正的内容和补正期限
    pub clarification: Option<super::correction::Asked>,
    pub timeline: Vec<EventOut>,
    pub files: Vec<FileOut>,
}

pub async fn public_view(state: &AppState, r: &Request, code: &str) -> Result<PublicRequest, AppError> {
    let super::PublicCase { deadline, events, files } = super::public_case(state, r).await?;
    let code_q: String = url::form_urlencoded::byte_serialize(code.trim().as_bytes()).collect();
    let replied = !r.state.is_open() && r.replied_on.is_some();
    Ok(PublicRequest {
        tracking_no: r.tracking_no.clone(),
        unit: super::unit_name(state, r.unit_id).await,
        channel: r.channel.label().into(),
        status: r.state.code().into(),
        status_label: r.state.label().into(),
        submitted_at: gongkai_domain::time::local_minute_at(r.submitted_at),
        received_on: r.received_on.map(|d| d.to_string()),
        description: r.description.clone(),
        deadline,
        outcome: r.outcome.filter(|_| replied).map(|o| o.code().into()),
        outcome_label: r.outcome.filter(|_| replied).map(|o| o.label().into()),
        replied_on: r.replied_on.filter(|_| replied).map(|d| d.to_string()),
        clarification: super::correction::asked(state, r).await?,
        timeline: events_out(events, false),
        files: files
            .into_iter()
            .map(|f| FileOut {
                url: format!("/requests/{}/files/{}?code={code_q}", r.tracking_no, f.id),
                id: f.id,
                role: f.role.code().to_string(),
                name: f.name,
                content_type: f.content_type,
                size: f.size,
            })
            .collect(),
    })
}

/// 申请人信息（仅承办机关的办理人员可见，每次查看均记入审计日志）
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicantOut {
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    pub address: String,
    pub postcode: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsultationOut {
    pub id: i64,
    /// third_party（征求第三方意见）或 coordination（会商协查）
    pub kind: String,
    pub target_unit_id: Option<i64>,
    pub target: String,
    pub question: String,
    pub sent_on: String,
    pub due_on: String,
    pub answered_on: Option<String>,
    pub answer: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReplyOut {
    pub outcome: Option<String>,
    pub outcome_label: Option<String>,
    pub reasons: String,
    pub provided: String,
    pub document_ids: Vec<i64>,
    pub responsible_agency: String,
    pub responsible_contact: String,
    pub replied_on: Option<String>,
    pub drafter_id: Option<i64>,
    pub approver_id: Option<i64>,
}

/// 工作人员看到的申请
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffRequest {
    pub id: i64,
    pub tracking_no: String,
    pub unit_id: i64,
    pub unit: String,
    pub channel: String,
    pub channel_label: String,
    pub applicant_type: String,
    pub applicant_type_label: String,
    /// 仅在 applicant=true 且调用者为承办机关办理人员时返回
    pub applicant: Option<ApplicantOut>,
    pub description: String,
    pub provision_form: String,
    pub delivery: String,
    pub status: String,
    pub status_label: String,
    pub submitted_at: String,
    pub received_on: Option<String>,
    pub clarification_requested_on: Option<String>,
    pub clarification_received_on: Option<String>,
    pub extension_days: u32,
    pub excessive_due_on: Option<String>,
    pub deadline: Deadline,
    pub handler_id: Option<i64>,
    pub fee_yuan: Option<i64>,
    pub fee_noticed_on: Option<String>,
    pub fee_paid_on: Option<String>,
    pub reply: ReplyOut,
    pub consultations: Vec<ConsultationOut>,
    /// 申请人在网上提交的补正（最近一次）；补正材料仅承办机关的办理人员可见
    pub correction: Option<CorrectionOut>,
    pub timeline: Vec<EventOut>,
    pub files: Vec<FileOut>,
}

/// 申请人提交的补正
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionOut {
    /// 收到补正日期（答复期限自此重新计算）
    pub received_on: String,
    /// 补正内容
    pub text: String,
    /// 补正材料（仅承办机关的办理人员可见，其他人为空）
    pub files: Vec<FileOut>,
}

fn d(v: Option<chrono::NaiveDate>) -> Option<String> {
    v.map(|d| d.to_string())
}

pub async fn consultation_out(state: &AppState, c: &Consultation) -> ConsultationOut {
    ConsultationOut {
        id: c.id,
        kind: c.kind.code().into(),
        target_unit_id: c.target_unit_id,
        target: match c.target_unit_id {
            Some(u) => super::unit_name(state, u).await,
            None => c.third_party.clone(),
        },
        question: c.question.clone(),
        sent_on: c.sent_on.to_string(),
        due_on: c.due_on.to_string(),
        answered_on: d(c.answered_on),
        answer: c.answer.clone(),
    }
}

/// The summary a queue shows (no timeline, files or consultations).
pub async fn staff_summary(
    state: &AppState,
    r: &Request,
    consultations: &[Consultation],
) -> Result<StaffRequest, AppError> {
    let cal = state.calendar().await?;
    Ok(StaffRequest {
        id: r.id,
        tracking_no: r.tracking_no.clone(),
        unit_id: r.unit_id,
        unit: super::unit_name(state, r.unit_id).await,
        channel: r.channel.code().into(),
        channel_label: r.channel.label().into(),
        applicant_type: r.applicant_type.code().into(),
        applicant_type_label: r.applicant_type.label().into(),
        applicant: None,
        description: r.description.clone(),
        provision_form: r.provision_form.label().into(),
        delivery: r.delivery.label().into(),
        status: r.state.code().into(),
        status_label: r.state.label().into(),
        submitted_at: gongkai_domain::time::local_minute_at(r.submitted_at),
        received_on: d(r.received_on),
        clarification_requested_on: d(r.clarification_requested_on),
        clarification_received_on: d(r.clarification_received_on),
        extension_days: r.extension_days,
        excessive_due_on: d(r.excessive_due_on),
        deadline: deadline(&cal, r, consultations, today()),
        handler_id: r.handler_id,
        fee_yuan: r.fee_yuan,
        fee_noticed_on: d(r.fee_noticed_on),
        fee_paid_on: d(r.fee_paid_on),
        reply: ReplyOut {
            outcome: r.outcome.map(|o| o.code().into()),
            outcome_label: r.outcome.map(|o| o.label().into()),
            reasons: r.reply.reasons.clone(),
            provided: r.reply.provided.clone(),
            document_ids: r.reply.document_ids.clone(),
            responsible_agency: r.reply.responsible_agency.clone(),
            responsible_contact: r.reply.responsible_contact.clone(),
            replied_on: d(r.replied_on),
            drafter_id: r.drafter_id,
            approver_id: r.approver_id,
        },
        consultations: Vec::new(),
        correction: None,
        timeline: Vec::new(),
        files: Vec::new(),
    })
}

/// The whole case file for staff. The applicant's details only when asked for and allowed;
/// that view is audited. Coordinating units never see the identity proof.
pub async fn staff_view(
    state: &AppState,
    p: &Principal,
    r: &Request,
    with_applicant: bool,
) -> Result<StaffRequest, AppError> {
    let file = super::case_file(state, p, r, with_applicant).await?;
    staff_view_of(state, r, file).await
}

/// The case file for staff from what `case_file` read.
pub async fn staff_view_of(state: &AppState, r: &Request, file: super::CaseFile) -> Result<StaffRequest, AppError> {
    let super::CaseFile { consultations, events, files, applicant_shown } = file;
    let mut out = staff_summary(state, r, &consultations).await?;
    if applicant_shown {
        let a = &r.applicant;
        out.applicant = Some(ApplicantOut {
            name: a.name.clone(),
            id_type: a.id_type_label().to_string(),
            id_number: a.id_number.clone(),
            credit_code: a.credit_code.clone(),
            legal_representative: a.legal_representative.clone(),
            contact_person: a.contact_person.clone(),
            phone: a.phone.clone(),
            email: a.email.clone(),
            address: a.address.clone(),
            postcode: a.postcode.clone(),
        });
    }
    for c in &consultations {
        out.consultations.push(consultation_out(state, c).await);
    }
    let correction = events
        .iter()
        .rev()
        .find(|e| e.kind == gongkai_domain::request_events::EventKind::CorrectionReceived)
        .map(|e| (e.on_date.to_string(), e.note.clone()));
    out.timeline = events_out(events, true);
    out.files = files
        .into_iter()
        .map(|f: RequestFile| FileOut {
            url: format!("/api/v1/staff/requests/{}/files/{}", r.id, f.id),
            id: f.id,
            role: f.role.code().to_string(),
            name: f.name,
            content_type: f.content_type,
            size: f.size,
        })
        .collect();
    out.correction = correction.map(|(received_on, text)| CorrectionOut {
        received_on,
        text,
        files: out.files.iter().filter(|f| f.role == super::correction::CORRECTION_ROLE).cloned().collect(),
    });
    Ok(out)
}

/// 获取验证问题（提交网上申请前调用）
#[utoipa::path(get, path = "/api/v1/requests/challenge", tag = "requests",
    responses((status = 200, body = super::challenge::Challenge), (status = 429, body = Problem)))]
pub async fn challenge(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
) -> ApiResult<Json<super::challenge::Challenge>> {
    Ok(Json(super::challenge::issue(&state, &ip).await?))
}

/// 提交政府信息公开申请（无需账号）
#[utoipa::path(post, path = "/api/v1/requests", tag = "requests", request_body = ApplicationBody,
    responses((status = 201, body = Acknowledged), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ApplicationBody>,
) -> ApiResult<(StatusCode, Json<Acknowledged>)> {
    let proof = decode_file(&body.identity_proof, "identity_proof", "身份证明").map_err(AppError::Invalid)?;
    let intake = Intake {
        unit_id: body.unit_id.clone(),
        challenge_id: body.challenge_id.clone(),
        challenge_answer: body.challenge_answer.clone(),
        identity_proof: proof,
    };
    let ack = super::submit(&state, &body.input(), &intake, &ip).await?;
    Ok((StatusCode::CREATED, Json(acknowledged(&ack))))
}

/// 凭申请编号和查询码查询办理进度
#[utoipa::path(get, path = "/api/v1/requests/{tracking_no}", tag = "requests",
    params(("tracking_no" = String, Path, description = "申请编号"), ("code" = String, Query, description = "查询码")),
    responses((status = 200, body = PublicRequest), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn track(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(tracking_no): Path<String>,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<PublicRequest>> {
    let r = super::track(&state, &tracking_no, q.get("code"), &ip).await?;
    Ok(Json(public_view(&state, &r, q.get("code")).await?))
}

/// The applications' API routes: the applicant's here (an application may carry a 5 MB
/// identity proof, Base64 in JSON), staff work in `staff_api`, the annual report in `report`
/// and its review cases in `reviews`; files provided with a reply up to `upload_limit` bytes.
pub fn routes(upload_limit: usize) -> utoipa_axum::router::OpenApiRouter<AppState> {
    use super::{report, reviews, staff_api};
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    OpenApiRouter::new()
        .routes(routes!(challenge))
        .routes(routes!(track))
        .routes(routes!(staff_api::list, staff_api::register))
        .routes(routes!(staff_api::export))
        .routes(routes!(staff_api::get))
        .routes(routes!(staff_api::take))
        .routes(routes!(staff_api::file))
        .routes(routes!(staff_api::coordinations))
        .routes(routes!(staff_api::answer))
        .routes(routes!(staff_api::letter))
        .routes(routes!(report::get_report))
        .routes(routes!(report::put_report))
        .routes(routes!(report::post_document))
        .routes(routes!(reviews::list_reviews, reviews::create_review))
        .routes(routes!(reviews::put_review))
        .routes(routes!(staff_api::templates))
        .routes(routes!(staff_api::put_template, staff_api::reset_template))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(staff_api::add_file))
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .merge(
            OpenApiRouter::new()
                .routes(routes!(submit))
                .layer(axum::extract::DefaultBodyLimit::max(super::APPLICATION_BODY_LIMIT)),
        )
}
