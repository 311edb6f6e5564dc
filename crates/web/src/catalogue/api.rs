//! Standard lists and unit catalogues as JSON: public reading, staff writing.

use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::{ApiResult, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, path_id, read_upload};
use axum::Json;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use gongkai_domain::catalogue::CatalogueRow;
use gongkai_store::catalogue::CatalogueItem;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 目录或清单中的一项，列与国务院基层政务公开标准目录一致
#[derive(Debug, Serialize, ToSchema)]
pub struct RowOut {
    /// 一级事项
    pub level1: String,
    /// 二级事项
    pub level2: String,
    /// 公开内容（要素）
    pub content: String,
    /// 公开依据
    pub basis: String,
    /// 公开时限（文字）
    pub time_limit: String,
    /// 公开时限为若干工作日时的天数
    pub time_limit_working_days: Option<u32>,
    /// 公开主体
    pub subject: String,
    /// 公开渠道和载体（代码）
    pub channels: Vec<String>,
    /// 公开对象：public 或 group
    pub audience: String,
    /// 公开方式：proactive 或 on_request
    pub mode: String,
    /// 公开层级
    pub layer: String,
}

impl From<&CatalogueRow> for RowOut {
    fn from(r: &CatalogueRow) -> Self {
        RowOut {
            level1: r.level1.clone(),
            level2: r.level2.clone(),
            content: r.content.clone(),
            basis: r.basis.clone(),
            time_limit: r.time_limit.label(),
            time_limit_working_days: match r.time_limit {
                gongkai_domain::catalogue::TimeLimit::WorkingDays(n) => Some(n),
                _ => None,
            },
            subject: r.subject.clone(),
            channels: r.channels.iter().map(|c| c.code().to_string()).collect(),
            audience: r.audience.code().into(),
            mode: r.mode.code().into(),
            layer: r.layer.clone(),
        }
    }
}

/// 事项标准清单中的一项
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardItemOut {
    pub id: i64,
    /// city、county 或 township
    pub level: String,
    /// 领域
    pub domain: String,
    #[serde(flatten)]
    pub row: RowOut,
}

/// 单位主动公开基本目录中的一项
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueItemOut {
    pub id: i64,
    pub unit_id: i64,
    /// 来自的标准清单事项；特色事项为 null
    pub standard_item_id: Option<i64>,
    pub applicable: bool,
    /// 未涉及说明
    pub not_applicable_reason: String,
    #[serde(flatten)]
    pub row: RowOut,
}

impl From<&CatalogueItem> for CatalogueItemOut {
    fn from(i: &CatalogueItem) -> Self {
        CatalogueItemOut {
            id: i.id,
            unit_id: i.unit_id,
            standard_item_id: i.standard_item_id,
            applicable: i.applicable,
            not_applicable_reason: i.not_applicable_reason.clone(),
            row: RowOut::from(&i.row),
        }
    }
}

/// 事项标准清单（公开）
#[utoipa::path(get, path = "/api/v1/standards", tag = "catalogue",
    params(("level" = inline(crate::api::schema::LevelCode), Query), ("domain" = Option<String>, Query, description = "领域")),
    responses((status = 200, body = Vec<StandardItemOut>), (status = 422, body = Problem)))]
pub async fn list_standards(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<Vec<StandardItemOut>>> {
    let level = super::parse_level(q.get("level"))?;
    let items = super::standards(&state, level, q.opt("domain")).await?;
    Ok(Json(
        items
            .iter()
            .map(|i| StandardItemOut {
                id: i.id,
                level: i.level.code().into(),
                domain: i.domain.clone(),
                row: RowOut::from(&i.row),
            })
            .collect(),
    ))
}

/// 导入的清单（multipart/form-data）
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart body for OpenAPI only; the handler reads the parts")]
pub struct StandardsUpload {
    /// city、county 或 township
    level: String,
    /// 领域
    domain: String,
    /// XLSX 文件，列与国务院基层政务公开标准目录一致
    #[schema(format = Binary, value_type = String)]
    file: Vec<u8>,
}

/// 导入结果
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportOut {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
}

/// 导入事项标准清单（替换该层级该领域的清单）
#[utoipa::path(post, path = "/api/v1/staff/standards", tag = "catalogue", security(("bearer" = [])),
    request_body(content = StandardsUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = ImportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn import_standards(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    form: Multipart,
) -> ApiResult<Json<ImportOut>> {
    let upload = read_upload(form).await?;
    let f = &upload.fields;
    let file = upload.file.as_ref().map(|(_, b)| b.as_ref());
    let r = super::import_standards(&state, &p, f.get("level"), f.get("domain"), file).await?;
    Ok(Json(ImportOut { added: r.added, updated: r.updated, removed: r.removed }))
}

/// 单位的主动公开基本目录（公开）
#[utoipa::path(get, path = "/api/v1/units/{id}/catalogue", tag = "catalogue", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<CatalogueItemOut>), (status = 404, body = Problem)))]
pub async fn unit_catalogue(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<CatalogueItemOut>>> {
    let id = path_id(&id)?;
    Ok(Json(super::of_unit(&state, id).await?.iter().map(CatalogueItemOut::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct InstantiateBody {
    /// 层级；不填则按单位在机构树中的位置确定
    pub level: Option<String>,
    /// 领域；不填则生成该层级全部领域
    #[serde(default)]
    pub domain: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstantiateOut {
    /// 新增的目录事项数
    pub added: usize,
}

/// 依据标准清单生成单位目录（已有事项不重复生成）
#[utoipa::path(post, path = "/api/v1/staff/units/{id}/catalogue", tag = "catalogue", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = InstantiateBody,
    responses((status = 200, body = InstantiateOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn instantiate(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InstantiateBody>,
) -> ApiResult<Json<InstantiateOut>> {
    let added = super::instantiate(&state, &p, path_id(&id)?, body.level.as_deref(), &body.domain).await?;
    Ok(Json(InstantiateOut { added }))
}

/// The one input of the item form and of this API (schema `ItemBody`).
pub use gongkai_domain::catalogue::CatalogueItemInput as ItemBody;

/// 增加特色事项
#[utoipa::path(post, path = "/api/v1/staff/units/{id}/catalogue/items", tag = "catalogue", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = ItemBody,
    responses((status = 201, body = CatalogueItemOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_item(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ItemBody>,
) -> ApiResult<(StatusCode, Json<CatalogueItemOut>)> {
    let item_id = super::add_item(&state, &p, path_id(&id)?, &b).await?;
    let item = super::item(&state, &p, item_id).await?;
    Ok((StatusCode::CREATED, Json(CatalogueItemOut::from(&item))))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkBody {
    /// false 表示本单位不涉及
    pub applicable: bool,
    /// 未涉及说明（applicable 为 false 时必填，向公众公开）
    #[serde(default)]
    pub reason: String,
}

/// 标记目录事项涉及或未涉及
#[utoipa::path(patch, path = "/api/v1/staff/catalogue/items/{id}", tag = "catalogue", security(("bearer" = [])), params(("id" = i64, Path)),
    request_body = MarkBody,
    responses((status = 200, body = CatalogueItemOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn mark_item(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<MarkBody>,
) -> ApiResult<Json<CatalogueItemOut>> {
    let item = super::mark(&state, &p, path_id(&id)?, b.applicable, &b.reason).await?;
    Ok(Json(CatalogueItemOut::from(&item)))
}

/// 删除特色事项（其下无信息时）
#[utoipa::path(delete, path = "/api/v1/staff/catalogue/items/{id}", tag = "catalogue", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_item(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    super::remove(&state, &p, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The catalogues' and standard lists' API routes; standard-list workbooks up to
/// `upload_limit` bytes.
pub fn routes(upload_limit: usize) -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    OpenApiRouter::new()
        .routes(routes!(list_standards))
        .routes(routes!(unit_catalogue))
        .routes(routes!(instantiate))
        .routes(routes!(add_item))
        .routes(routes!(mark_item, remove_item))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import_standards))
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
}
