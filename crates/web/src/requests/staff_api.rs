//! The staff side of applications in the API: queues, registration, every handling step,
//! coordination answers, files, review cases and letter templates.

use super::api::{ApplicationBody, FileBody, StaffRequest, decode_file, staff_summary, staff_view};
use crate::api::paging;
use crate::app::AppState;
use crate::auth::{ApiStaff, Principal};
use crate::errors::{ApiResult, AppError, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, Fields, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Reads a queue's query parameters: `unit_id` (default the caller's unit) and its subtree,
/// `state`, `due` (soon: due within 3 working days; overdue), `open`, `mine`, `q`; the app
/// checks the caller may see the unit's cases.
pub async fn queue_filter(state: &AppState, p: &Principal, q: &Fields) -> Result<super::Queue, AppError> {
    let unit_id = match q.opt("unit_id") {
        Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| Invalid::one("unit_id", "单位", "应为机构编号"))?),
        None => None,
    };
    let query = super::QueueQuery {
        unit_id,
        state: q.opt("state"),
        due: q.opt("due"),
        open_only: q.get("open") == "1",
        mine: q.get("mine") == "1",
        text: q.get("q"),
    };
    Ok(super::queue(state, p, &query).await?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<StaffRequest>,
}

pub async fn list_page(state: &AppState, p: &Principal, q: &Fields) -> Result<RequestList, AppError> {
    let f = queue_filter(state, p, q).await?;
    let (page, per_page) = paging(q, 50, 200)?;
    // The clock of a consulting case pauses for its consultations, read with the page.
    let gongkai_store::Page { items: rows, total } =
        super::queue_page(state, &f, per_page, (page - 1) * per_page).await?;
    let mut items = Vec::with_capacity(rows.len());
    for (r, consultations) in &rows {
        items.push(staff_summary(state, r, consultations).await?);
    }
    Ok(RequestList { total, page, per_page, items })
}

/// 依申请公开办理队列
#[utoipa::path(get, path = "/api/v1/staff/requests", tag = "requests", security(("bearer" = [])),
    params(("unit_id" = Option<i64>, Query, description = "单位（含下级），默认本人所在单位"),
        ("state" = inline(Option<crate::api::schema::RequestStateCode>), Query, description = "办理状态"),
        ("due" = inline(Option<crate::api::schema::DueCode>), Query, description = "soon：3 个工作日内到期；overdue：已逾期"),
        ("mine" = Option<String>, Query, description = "1：只看本人承办"),
        ("open" = Option<String>, Query, description = "1：只看未办结"),
        ("q" = Option<String>, Query, description = "申请编号或内容关键词"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 200)),
    responses((status = 200, body = RequestList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<RequestList>> {
    Ok(Json(list_page(&state, &p, &q).await?))
}

/// 当面、信函、传真、电子邮件等渠道收到的申请
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// in_person、post、fax、email、other
    pub channel: String,
    /// 实际收到申请之日 YYYY-MM-DD（可早于今天，不得晚于今天）
    pub received_on: String,
    #[serde(flatten)]
    pub application: ApplicationBody,
}

/// The body is one object: the online application's fields and `channel` and `received_on`.
/// Derived, the schema would be `allOf` of two closed objects, which no body satisfies (each
/// forbids the other's fields); so it is the application's schema with the two fields added.
impl utoipa::PartialSchema for RegisterBody {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
        let RefOr::T(Schema::Object(mut body)) = <ApplicationBody as utoipa::PartialSchema>::schema() else {
            unreachable!("the application body is an object")
        };
        let channels = gongkai_domain::requests::Channel::ALL
            .iter()
            .filter(|c| c.code() != "online")
            .map(|c| c.code().to_string());
        body.properties.insert(
            "channel".into(),
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(channels.collect::<Vec<_>>()))
                .description(Some("收到申请的渠道"))
                .into(),
        );
        let mut received_on = crate::api::schema::date();
        received_on.description = Some("实际收到申请之日 YYYY-MM-DD（可早于今天，不得晚于今天）".into());
        body.properties.insert("received_on".into(), received_on.into());
        body.required.extend(["channel".to_string(), "received_on".to_string()]);
        body.description = Some("当面、信函、传真、电子邮件等渠道收到的申请".into());
        RefOr::T(Schema::Object(body))
    }
}

impl ToSchema for RegisterBody {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        <ApplicationBody as ToSchema>::schemas(schemas);
        schemas.push(("FileBody".into(), <super::api::FileBody as utoipa::PartialSchema>::schema()));
    }
}

/// 登记其他渠道收到的申请（办理人员）
#[utoipa::path(post, path = "/api/v1/staff/requests", tag = "requests", security(("bearer" = [])), request_body = RegisterBody,
    responses((status = 201, body = super::api::Acknowledged), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn register(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<(StatusCode, Json<super::api::Acknowledged>)> {
    let ack = super::register(
        &state,
        &p,
        &body.application.input(),
        &body.application.unit_id,
        &body.channel,
        &body.received_on,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(super::api::acknowledged(&ack))))
}

async fn visible(state: &AppState, p: &Principal, id: &str) -> Result<gongkai_store::requests::Request, AppError> {
    Ok(super::visible(state, p, path_id(id)?).await?)
}

/// 申请详情（applicant=1 时含申请人信息，仅承办机关办理人员可见并记入审计日志）
#[utoipa::path(get, path = "/api/v1/staff/requests/{id}", tag = "requests", security(("bearer" = [])),
    params(("id" = i64, Path), ("applicant" = Option<String>, Query, description = "1：同时返回申请人信息")),
    responses((status = 200, body = StaffRequest), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<StaffRequest>> {
    let r = visible(&state, &p, &id).await?;
    Ok(Json(staff_view(&state, &p, &r, q.get("applicant") == "1").await?))
}

pub use gongkai_app::requests::StepBody;

/// 办理步骤：确认收到、告知补正、收到补正、征求意见或会商协查、登记意见、延期、确定合理期限、收费通知、登记缴费、提交答复、审签通过、审签退回、撤回、归档、指定承办人
#[utoipa::path(post, path = "/api/v1/staff/requests/{id}/steps/{step}", tag = "requests", security(("bearer" = [])),
    params(("id" = i64, Path), ("step" = String, Path, description = "confirm、clarification、clarification-received、consultations、opinion、extension、excessive-period、fee-notice、fee-payment、reply、approve、return、withdraw、archive、assign")),
    request_body = StepBody,
    responses((status = 200, body = StaffRequest), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn take(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path((id, name)): Path<(String, String)>,
    ApiJson(body): ApiJson<StepBody>,
) -> ApiResult<Json<StaffRequest>> {
    let id = path_id(&id)?;
    let r = gongkai_app::requests::take_named_step(&state, &p, id, &name, &body).await?;
    Ok(Json(staff_view(&state, &p, &r, false).await?))
}

/// 上传答复提供的信息（role=provided）
#[utoipa::path(post, path = "/api/v1/staff/requests/{id}/files", tag = "requests", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = FileBody,
    responses((status = 201, body = super::api::FileOut), (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_file(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FileBody>,
) -> ApiResult<(StatusCode, Json<super::api::FileOut>)> {
    let r = visible(&state, &p, &id).await?;
    let file = decode_file(&Some(body), "file", "文件").map_err(AppError::Invalid)?.unwrap_or_default();
    let f = add_provided_file(&state, &p, &r, &file.0, &file.1).await?;
    Ok((StatusCode::CREATED, Json(f)))
}

/// Adds a file of the information provided to a reply still being drafted.
pub async fn add_provided_file(
    state: &AppState,
    p: &Principal,
    r: &gongkai_store::requests::Request,
    name: &str,
    bytes: &[u8],
) -> Result<super::api::FileOut, AppError> {
    let (fid, kind) = gongkai_app::requests::add_provided_file(state, p, r, name, bytes).await?;
    Ok(super::api::FileOut {
        id: fid,
        role: "provided".into(),
        name: name.to_string(),
        content_type: kind.content_type().into(),
        size: bytes.len() as i64,
        url: format!("/api/v1/staff/requests/{}/files/{fid}", r.id),
    })
}

/// Serves a case file to staff; the identity proof and the applicant's correction files only
/// to the handlers of the unit (audited).
pub async fn serve_file(state: &AppState, p: &Principal, id: &str, file_id: &str) -> Result<Response, AppError> {
    let r = visible(state, p, id).await?;
    let f = super::staff_file(state, p, &r, path_id(file_id)?).await?;
    file_response(state, &f.sha256, &f.content_type, &f.name).await
}

pub async fn file_response(state: &AppState, sha: &str, content_type: &str, name: &str) -> Result<Response, AppError> {
    let bytes = state.file_bytes(sha).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = axum::http::HeaderValue::from_str(content_type) {
        h.insert(axum::http::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(&crate::documents::files::content_disposition(name, false)) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    Ok(res)
}

/// 下载申请的文件
#[utoipa::path(get, path = "/api/v1/staff/requests/{id}/files/{file_id}", tag = "requests", security(("bearer" = [])),
    params(("id" = i64, Path), ("file_id" = i64, Path)),
    responses((status = 200, description = "文件，类型为上传时识别的类型", content(("application/pdf"), ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("image/png"), ("image/jpeg"), ("image/gif"), ("image/webp"), ("video/mp4"), ("audio/mpeg"))),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn file(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, crate::errors::ApiError> {
    Ok(serve_file(&state, &p, &id, &file_id).await?)
}

/// 会商协查
#[derive(Debug, Serialize, ToSchema)]
pub struct CoordinationOut {
    #[serde(flatten)]
    pub consultation: super::api::ConsultationOut,
    pub request_id: i64,
    pub tracking_no: String,
    /// 发起单位
    pub from_unit: String,
    /// 申请内容（不含申请人信息）
    pub description: String,
}

pub async fn coordinations_for(
    state: &AppState,
    p: &Principal,
    open_only: bool,
) -> Result<Vec<CoordinationOut>, AppError> {
    let mut out = Vec::new();
    for (c, r) in super::coordinations(state, p, open_only).await? {
        out.push(CoordinationOut {
            consultation: super::api::consultation_out(state, &c).await,
            request_id: r.id,
            tracking_no: r.tracking_no.clone(),
            from_unit: super::unit_name(state, r.unit_id).await,
            description: r.description.clone(),
        });
    }
    Ok(out)
}

/// 本单位收到的会商协查（办理人员）
#[utoipa::path(get, path = "/api/v1/staff/coordinations", tag = "requests", security(("bearer" = [])),
    params(("open" = Option<String>, Query, description = "1：只看未答复")),
    responses((status = 200, body = Vec<CoordinationOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn coordinations(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<Vec<CoordinationOut>>> {
    Ok(Json(coordinations_for(&state, &p, q.get("open") == "1").await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerBody {
    /// 协查意见
    #[schema(schema_with = crate::api::schema::text::<5000>)]
    pub answer: String,
}

/// 答复会商协查（被协查单位的办理人员）
#[utoipa::path(post, path = "/api/v1/staff/coordinations/{id}/answer", tag = "requests", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = AnswerBody,
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<AnswerBody>,
) -> ApiResult<StatusCode> {
    super::answer_coordination(&state, &p, path_id(&id)?, &body.answer).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Serves a letter of a case (staff): `kind` reply, clarification, extension, fee_notice or
/// third_party_consultation; `format` docx (default) or pdf.
pub async fn serve_letter(
    state: &AppState,
    p: &Principal,
    id: &str,
    kind: &str,
    format: &str,
) -> Result<Response, AppError> {
    let r = visible(state, p, id).await?;
    p.require_for_unit(state, Action::HandleRequests, r.unit_id).await?;
    let key = super::letters::key_for(&r, kind)?;
    let format = match format {
        "docx" => super::letters::Format::Docx,
        "pdf" => super::letters::Format::Pdf,
        _ => return Err(Invalid::one("format", "格式", "应为 docx 或 pdf").into()),
    };
    let (bytes, content_type, name) = super::letters::file(state, &r, key, format).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(content_type));
    if let Ok(v) = axum::http::HeaderValue::from_str(&crate::documents::files::content_disposition(&name, false)) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    Ok(res)
}

/// 生成告知书（答复告知书、补正告知书、延期答复告知书、收费通知书、征求第三方意见书）
#[utoipa::path(get, path = "/api/v1/staff/requests/{id}/letters/{kind}", tag = "requests", security(("bearer" = [])),
    params(("id" = i64, Path), ("kind" = String, Path, description = "reply、clarification、extension、fee_notice、third_party_consultation"),
        ("format" = inline(Option<crate::api::schema::LetterFormatCode>), Query, description = "docx（默认）或 pdf")),
    responses((status = 200, description = "告知书：DOCX（默认）或 PDF", content(("application/vnd.openxmlformats-officedocument.wordprocessingml.document"), ("application/pdf"))), (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn letter(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path((id, kind)): Path<(String, String)>,
    ApiQuery(q): ApiQuery,
) -> Result<Response, crate::errors::ApiError> {
    Ok(serve_letter(&state, &p, &id, &kind, q.opt("format").unwrap_or("docx")).await?)
}

/// 告知书模板
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateOut {
    /// 如 reply.disclosed、clarification、extension、fee_notice
    pub key: String,
    pub label: String,
    pub body: String,
    /// 是否为管理员修改过的模板
    pub customised: bool,
}

async fn template_out(
    state: &AppState,
    key: gongkai_domain::reply_letter::TemplateKey,
) -> Result<TemplateOut, AppError> {
    let (body, customised) = super::letters::template(state, key).await?;
    Ok(TemplateOut { key: key.code(), label: key.label(), body, customised })
}

/// 告知书模板列表（系统管理员）
#[utoipa::path(get, path = "/api/v1/staff/letter-templates", tag = "requests", security(("bearer" = [])),
    responses((status = 200, body = Vec<TemplateOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn templates(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<Vec<TemplateOut>>> {
    super::letters::require_manage(&p)?;
    let mut out = Vec::new();
    for key in gongkai_domain::reply_letter::TemplateKey::ALL {
        out.push(template_out(&state, *key).await?);
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateBody {
    /// 模板正文：第一行为标题，空行分段，占位符写作 {{申请人}}
    pub body: String,
}

/// 修改告知书模板（系统管理员）
#[utoipa::path(put, path = "/api/v1/staff/letter-templates/{key}", tag = "requests", security(("bearer" = [])),
    params(("key" = String, Path)), request_body = TemplateBody,
    responses((status = 200, body = TemplateOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_template(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(key): Path<String>,
    ApiJson(body): ApiJson<TemplateBody>,
) -> ApiResult<Json<TemplateOut>> {
    let key = super::letters::put_template(&state, &p, &key, &body.body).await?;
    Ok(Json(template_out(&state, key).await?))
}

/// 恢复默认告知书模板（系统管理员）
#[utoipa::path(delete, path = "/api/v1/staff/letter-templates/{key}", tag = "requests", security(("bearer" = [])),
    params(("key" = String, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reset_template(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(key): Path<String>,
) -> ApiResult<StatusCode> {
    if super::letters::reset_template(&state, &p, &key).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

/// 导出申请登记表（含申请人信息，单位管理员；记入审计日志）
#[utoipa::path(get, path = "/api/v1/staff/requests/export", tag = "requests", security(("bearer" = [])),
    params(("unit_id" = Option<i64>, Query, description = "单位（含下级），默认本人所在单位"),
        ("state" = inline(Option<crate::api::schema::RequestStateCode>), Query), ("q" = Option<String>, Query)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn export(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> Result<Response, crate::errors::ApiError> {
    Ok(export_register(&state, &p, &q).await?)
}

/// The register of applications with the applicants' details, as XLSX. Personal data leaves
/// the platform here, so only unit administrators may, and every export is audited.
pub async fn export_register(state: &AppState, p: &Principal, q: &Fields) -> Result<Response, AppError> {
    let f = queue_filter(state, p, q).await?;
    let unit_id = q.opt("unit_id").and_then(|v| v.trim().parse::<i64>().ok()).unwrap_or(p.user.unit_id);
    let gongkai_store::Page { items: rows, total } = super::register_rows(state, p, &f, unit_id).await?;
    let mut table = Vec::with_capacity(rows.len());
    for r in &rows {
        let a = &r.applicant;
        table.push(vec![
            r.tracking_no.clone(),
            super::unit_name(state, r.unit_id).await,
            r.channel.label().to_string(),
            r.received_on.map(|d| d.to_string()).unwrap_or_default(),
            r.applicant_type.label().to_string(),
            a.name.clone(),
            if a.credit_code.is_empty() { a.id_number.clone() } else { a.credit_code.clone() },
            a.phone.clone(),
            a.email.clone(),
            a.address.clone(),
            r.description.clone(),
            r.state.label().to_string(),
            r.due_on.map(|d| d.to_string()).unwrap_or_default(),
            r.outcome.map(|o| o.label().to_string()).unwrap_or_default(),
            r.replied_on.map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    let headers = [
        "申请编号",
        "受理机关",
        "渠道",
        "收到日期",
        "申请人类型",
        "申请人",
        "证件号码或统一社会信用代码",
        "联系电话",
        "电子邮箱",
        "通信地址",
        "申请内容",
        "办理状态",
        "答复期限",
        "办理结果",
        "答复日期",
    ];
    let bytes = gongkai_export::table_xlsx::write("申请登记", &headers, &table).map_err(AppError::internal)?;
    gongkai_app::requests::record_export(state, p, unit_id, total).await?;
    let mut res = crate::documents::files::as_download(
        bytes,
        gongkai_store::attachments::FileKind::Xlsx.content_type(),
        &format!("依申请公开登记表-{}.xlsx", super::today()),
    );
    res.headers_mut()
        .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
    Ok(res)
}
