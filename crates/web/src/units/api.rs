//! The units API.

use crate::api::paging;
use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::AppError;
use crate::errors::{ApiResult, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, parse_int, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_domain::units::{Unit, UnitInput};
use gongkai_domain::validation::Invalid;
use gongkai_store::units::UnitFilter;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 机构
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitOut {
    pub id: i64,
    pub parent_id: Option<i64>,
    /// government / department / town / street / zone
    pub kind: String,
    /// 类型的中文名称
    pub kind_label: String,
    pub name: String,
    pub short_name: String,
    pub division_code: String,
    pub credit_code: Option<String>,
    pub address: String,
    pub postcode: String,
    pub phone: String,
    pub email: String,
    pub office_hours: String,
    pub description: String,
    /// 撤销日期；未撤销为 null
    pub closed_on: Option<String>,
    pub closed_reason: String,
    pub updated_at: String,
    /// 公开页面地址
    pub url: String,
}

impl From<&Unit> for UnitOut {
    fn from(u: &Unit) -> Self {
        UnitOut {
            id: u.id,
            parent_id: u.parent_id,
            kind: u.kind.as_str().into(),
            kind_label: u.kind.label().into(),
            name: u.name.clone(),
            short_name: u.short_name.clone(),
            division_code: u.division_code.clone(),
            credit_code: u.credit_code.clone(),
            address: u.address.clone(),
            postcode: u.postcode.clone(),
            phone: u.phone.clone(),
            email: u.email.clone(),
            office_hours: u.office_hours.clone(),
            description: u.description.clone(),
            closed_on: u.closed_on.map(|d| d.to_string()),
            closed_reason: u.closed_reason.clone(),
            updated_at: gongkai_domain::time::format_instant(u.updated_at),
            url: format!("/units/{}", u.id),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<UnitOut>,
}

/// The one input of the unit form and of this API (schema `UnitCreate`).
pub use gongkai_domain::units::UnitInput as UnitCreate;

/// 修改机构信息：只需给出要修改的字段
// The fields a PATCH may change, each optional; they are merged over the unit's own
// `UnitInput`, so this type is only read and described, never mapped field by field.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitPatch {
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub division_code: Option<String>,
    pub credit_code: Option<String>,
    pub address: Option<String>,
    pub postcode: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub office_hours: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitMove {
    /// 新的上级机构
    pub parent_id: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnitClose {
    /// 撤销日期（YYYY-MM-DD），不填为今天
    #[serde(default)]
    pub closed_on: String,
    /// 撤销原因
    #[schema(schema_with = crate::api::schema::text::<500>)]
    pub reason: String,
}

/// 机构列表
#[utoipa::path(
    get, path = "/api/v1/units", tag = "units",
    params(
        ("parent" = Option<i64>, Query, description = "上级机构 id"),
        ("kind" = inline(Option<crate::api::schema::UnitKindCode>), Query),
        ("q" = Option<String>, Query, description = "按名称、简称、区划代码或统一社会信用代码查找"),
        ("include_closed" = Option<bool>, Query, description = "是否包括已撤销的机构"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 500, description = "每页条数，最多 500")
    ),
    responses((status = 200, body = UnitList), (status = 422, body = Problem))
)]
pub async fn list_units(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<UnitList>> {
    let (page, per_page) = paging(&q, 100, 500)?;
    let kind = match q.opt("kind") {
        Some(k) => Some(super::parse_kind(k)?),
        None => None,
    };
    let filter = UnitFilter {
        parent: parse_int(q.opt("parent"), "parent", "上级机构")?,
        kind,
        q: q.opt("q").map(|s| s.chars().take(100).collect()),
        include_closed: q.flag("include_closed")?,
    };
    let gongkai_store::Page { items: units, total } =
        super::list(&state, &filter, per_page, (page - 1) * per_page).await?;
    Ok(Json(UnitList { total, page, per_page, items: units.iter().map(UnitOut::from).collect() }))
}

/// 机构详情
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)),
    responses((status = 200, body = UnitOut), (status = 404, body = Problem)))]
pub async fn get_unit(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<UnitOut>> {
    let unit = super::unit(&state, path_id(&id)?).await?;
    Ok(Json(UnitOut::from(&unit)))
}

/// 新建机构（系统管理员）
#[utoipa::path(post, path = "/api/v1/units", tag = "units", request_body = UnitCreate, security(("bearer" = [])),
    responses((status = 201, body = UnitOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem), (status = 409, body = Problem)))]
pub async fn create_unit(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<UnitCreate>,
) -> ApiResult<(StatusCode, Json<UnitOut>)> {
    let unit = super::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(UnitOut::from(&unit))))
}

/// 修改机构信息（联系方式可由本单位管理员修改；名称和代码仅系统管理员）
#[utoipa::path(patch, path = "/api/v1/units/{id}", tag = "units", params(("id" = i64, Path)), request_body = UnitPatch, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_unit(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<UnitPatch>,
) -> ApiResult<Json<UnitOut>> {
    let unit = super::unit(&state, path_id(&id)?).await?;
    let input = merged(unit.input(), &patch)?;
    let saved = super::update(&state, &p, unit.id, &input).await?;
    Ok(Json(UnitOut::from(&saved)))
}

/// The unit's input with the fields the patch gives laid over it.
fn merged(current: UnitInput, patch: &UnitPatch) -> Result<UnitInput, AppError> {
    let internal = |e: serde_json::Error| AppError::Internal(format!("unit patch: {e}"));
    let mut input = serde_json::to_value(current).map_err(internal)?;
    if let (Some(fields), serde_json::Value::Object(given)) =
        (input.as_object_mut(), serde_json::to_value(patch).map_err(internal)?)
    {
        fields.extend(given.into_iter().filter(|(_, v)| !v.is_null()));
    }
    serde_json::from_value(input).map_err(internal)
}

/// 调整上级机构（系统管理员）
#[utoipa::path(post, path = "/api/v1/units/{id}/move", tag = "units", params(("id" = i64, Path)), request_body = UnitMove, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn move_unit(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UnitMove>,
) -> ApiResult<Json<UnitOut>> {
    let saved = super::move_to(&state, &p, path_id(&id)?, Some(body.parent_id)).await?;
    Ok(Json(UnitOut::from(&saved)))
}

/// 撤销机构（系统管理员）；撤销后历史信息保留
#[utoipa::path(post, path = "/api/v1/units/{id}/close", tag = "units", params(("id" = i64, Path)), request_body = UnitClose, security(("bearer" = [])),
    responses((status = 200, body = UnitOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn close_unit(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UnitClose>,
) -> ApiResult<Json<UnitOut>> {
    if body.reason.chars().count() > 500 {
        return Err(Invalid::one("reason", "撤销原因", "不能超过 500 个字").into());
    }
    let saved = super::close(&state, &p, path_id(&id)?, &body.closed_on, &body.reason).await?;
    Ok(Json(UnitOut::from(&saved)))
}

/// The units' API routes, with their OpenAPI descriptions.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_units, create_unit))
        .routes(routes!(get_unit, update_unit))
        .routes(routes!(move_unit))
        .routes(routes!(close_unit))
}
