//! The staff side of documents in the API: working copies, the review workflow, checks.

use super::actions::{self, ActionInput};
use super::checks::{self, CheckReport};
use crate::api::paging;
use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::{ApiResult, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, parse_int, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_domain::staff::Action;
use gongkai_domain::workflow::State as DocState;
use gongkai_store::documents::{Document, DocumentFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The one input of a document's form and of this API (schema `DocumentBody`).
pub use gongkai_domain::documents::DocumentInput as DocumentBody;

/// 文件的工作稿及其审核状态
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDocument {
    pub id: i64,
    pub unit_id: i64,
    /// draft / review_first / review_second / review_final / scheduled / published / withdrawn
    pub status: String,
    pub status_label: String,
    pub index_no: Option<String>,
    pub title: String,
    pub publisher: String,
    pub doc_no: String,
    pub written_on: Option<String>,
    pub publish_at: Option<String>,
    pub topic: String,
    pub genre: String,
    pub keywords: String,
    pub note: String,
    pub interprets_id: Option<i64>,
    pub body_html: String,
    /// 问答解读的问答（其他文件为空）
    pub qa_pairs: Vec<super::QaPairBody>,
    pub validity: String,
    pub validity_on: Option<String>,
    pub replaced_by: Option<i64>,
    /// 已发布的版本数
    pub live_version: i64,
    pub published_on: Option<String>,
    pub withdrawal: Option<String>,
    pub updated_at: String,
}

impl From<&Document> for StaffDocument {
    fn from(d: &Document) -> Self {
        StaffDocument {
            id: d.id,
            unit_id: d.unit_id,
            status: d.status.code().into(),
            status_label: d.status.label().into(),
            index_no: d.index_no.clone(),
            title: d.title.clone(),
            publisher: d.publisher.clone(),
            doc_no: d.doc_no.clone(),
            written_on: d.written_on.map(|d| d.to_string()),
            publish_at: d.publish_at.map(gongkai_domain::time::local_minute_at),
            topic: d.topic.code().into(),
            genre: d.genre.code().into(),
            keywords: d.keywords.clone(),
            note: d.note.clone(),
            interprets_id: d.interprets_id,
            body_html: d.body_html.clone(),
            qa_pairs: d.qa.clone(),
            validity: d.validity.code().into(),
            validity_on: d.validity_on.map(|d| d.to_string()),
            replaced_by: d.replaced_by,
            live_version: d.live_version,
            published_on: d.published_on.map(|d| d.to_string()),
            withdrawal: d.withdrawal.map(|w| w.code().to_string()),
            updated_at: gongkai_domain::time::format_instant(d.updated_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffDocumentList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<StaffDocument>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidityBody {
    #[schema(inline, value_type = crate::api::schema::ValidityCode)]
    pub validity: String,
    /// 失效或废止日期 YYYY-MM-DD，不填为今天
    #[serde(default)]
    pub validity_on: String,
    pub replaced_by: Option<i64>,
}

/// 工作稿列表（本人可见范围内）
#[utoipa::path(get, path = "/api/v1/staff/documents", tag = "documents", security(("bearer" = [])),
    params(("status" = inline(Option<crate::api::schema::DocStateCode>), Query), ("q" = Option<String>, Query), ("unit" = Option<i64>, Query), ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = StaffDocumentList), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<StaffDocumentList>> {
    // A caller who may see no documents is refused before the query's problems are told.
    actions::scope(&p)?;
    let status = match q.opt("status") {
        Some(s) => Some(
            DocState::parse(s)
                .ok_or_else(|| gongkai_domain::validation::Invalid::one("status", "参数 status", "不是可选的状态"))?,
        ),
        None => None,
    };
    let (page, per_page) = paging(&q, 20, 100)?;
    let filter = DocumentFilter {
        // The caller's scope: documents::list sets it.
        within_unit: None,
        unit: parse_int(q.opt("unit"), "unit", "单位")?,
        status,
        q: q.opt("q").map(str::to_string),
    };
    let gongkai_store::Page { items: docs, total } =
        actions::list(&state, &p, filter, per_page, (page - 1) * per_page).await?;
    Ok(Json(StaffDocumentList { total, page, per_page, items: docs.iter().map(StaffDocument::from).collect() }))
}

/// 起草文件
#[utoipa::path(post, path = "/api/v1/staff/documents", tag = "documents", security(("bearer" = [])), request_body = DocumentBody,
    responses((status = 201, body = StaffDocument), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<DocumentBody>,
) -> ApiResult<(StatusCode, Json<StaffDocument>)> {
    let doc = actions::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(StaffDocument::from(&doc))))
}

/// 工作稿详情
#[utoipa::path(get, path = "/api/v1/staff/documents/{id}", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StaffDocument), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<StaffDocument>> {
    Ok(Json(StaffDocument::from(&actions::visible(&state, &p, path_id(&id)?).await?)))
}

/// 保存草稿
#[utoipa::path(put, path = "/api/v1/staff/documents/{id}", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DocumentBody,
    responses((status = 200, body = StaffDocument), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DocumentBody>,
) -> ApiResult<Json<StaffDocument>> {
    Ok(Json(StaffDocument::from(&actions::update(&state, &p, path_id(&id)?, &body).await?)))
}

/// 审核流程操作：提交、通过、退回、修订、放弃修订、撤稿
#[utoipa::path(post, path = "/api/v1/staff/documents/{id}/actions", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ActionInput,
    responses((status = 200, body = StaffDocument), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ActionInput>,
) -> ApiResult<Json<StaffDocument>> {
    Ok(Json(StaffDocument::from(&actions::act(&state, &p, path_id(&id)?, &body).await?)))
}

/// 发布前检查结果
#[utoipa::path(get, path = "/api/v1/staff/documents/{id}/checks", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = CheckReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn checks(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<CheckReport>> {
    let doc = actions::visible(&state, &p, path_id(&id)?).await?;
    Ok(Json(checks::run(&state, &doc).await?))
}

/// 一键遮盖个人信息
#[utoipa::path(post, path = "/api/v1/staff/documents/{id}/mask", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StaffDocument), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn mask(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<StaffDocument>> {
    Ok(Json(StaffDocument::from(&actions::mask(&state, &p, path_id(&id)?).await?)))
}

/// 设置有效性（有效、失效、废止）
#[utoipa::path(post, path = "/api/v1/staff/documents/{id}/validity", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ValidityBody,
    responses((status = 200, body = StaffDocument), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn validity(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ValidityBody>,
) -> ApiResult<Json<StaffDocument>> {
    let doc =
        actions::set_validity(&state, &p, path_id(&id)?, &body.validity, &body.validity_on, body.replaced_by).await?;
    Ok(Json(StaffDocument::from(&doc)))
}

/// 附件
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// 图片的文字说明
    pub alt: String,
    /// 发布后公众下载的地址
    pub url: String,
}

impl From<&gongkai_store::attachments::Attachment> for AttachmentOut {
    fn from(a: &gongkai_store::attachments::Attachment) -> Self {
        let view = super::AttachmentView::from(a);
        AttachmentOut {
            id: a.id,
            name: a.name.clone(),
            content_type: a.content_type.clone(),
            size: a.size,
            alt: a.alt.clone(),
            url: view.url,
        }
    }
}

/// 上传的附件（multipart/form-data）
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart body for OpenAPI only; the handler reads the parts")]
pub struct UploadForm {
    /// PDF、.docx、.xlsx 或 PNG/JPEG/GIF/WebP 图片；按内容核对类型
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
    /// 图片的文字说明（上传图片时必填）
    alt: Option<String>,
}

/// 工作稿的附件
#[utoipa::path(get, path = "/api/v1/staff/documents/{id}/attachments", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<AttachmentOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn attachments(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<AttachmentOut>>> {
    let current = gongkai_app::documents::attachments::current(&state, &p, path_id(&id)?).await?;
    Ok(Json(current.iter().map(AttachmentOut::from).collect()))
}

/// 上传附件（仅草稿）
#[utoipa::path(post, path = "/api/v1/staff/documents/{id}/attachments", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn upload(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> ApiResult<(StatusCode, Json<AttachmentOut>)> {
    let a = super::files::upload(&state, &p, path_id(&id)?, form).await?;
    Ok((StatusCode::CREATED, Json(AttachmentOut::from(&a))))
}

/// 删除附件（仅草稿）
#[utoipa::path(delete, path = "/api/v1/staff/documents/{id}/attachments/{attachment_id}", tag = "documents", security(("bearer" = [])),
    params(("id" = i64, Path), ("attachment_id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_attachment(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path((id, attachment_id)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    super::files::remove(&state, &p, path_id(&id)?, path_id(&attachment_id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 主动公开提示：逾期和即将到期的草稿、未同步解读的政策、各单位解读率
#[utoipa::path(get, path = "/api/v1/staff/documents/flags", tag = "documents", security(("bearer" = [])),
    params(("unit" = Option<i64>, Query, description = "单位（含下级）；不填为令牌所属单位")),
    responses((status = 200, body = super::flags::Flags), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn flags(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<super::flags::Flags>> {
    let unit = parse_int(q.opt("unit"), "unit", "单位")?.unwrap_or(p.user.unit_id);
    p.require_for_unit(&state, Action::ViewDocuments, unit).await?;
    let tree = state.unit_tree().await?;
    let units: Vec<i64> = tree.subtree(unit).iter().map(|u| u.id).collect();
    Ok(Json(super::flags::flags(&state, &units).await?))
}
