//! Columns as JSON: public listing, staff management.

use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::{ApiResult, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, parse_int, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_domain::columns::ColumnInput;
use gongkai_store::columns::SpecialColumn;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 栏目
#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnOut {
    pub id: i64,
    pub unit_id: i64,
    /// special（专栏）、rules（政府信息公开制度）或 reports（政府信息公开年报）
    pub kind: String,
    pub name: String,
    pub description: String,
    /// 栏目中最新信息的发布日期
    pub last_updated_on: Option<String>,
    pub url: String,
}

impl From<&SpecialColumn> for ColumnOut {
    fn from(c: &SpecialColumn) -> Self {
        ColumnOut {
            id: c.id,
            unit_id: c.unit_id,
            kind: c.kind.code().into(),
            name: c.name.clone(),
            description: c.description.clone(),
            last_updated_on: c.last_updated_on.map(|d| d.to_string()),
            url: format!("/columns/{}", c.id),
        }
    }
}

/// 栏目列表（公开）
#[utoipa::path(get, path = "/api/v1/columns", tag = "columns", params(("unit" = Option<i64>, Query, description = "单位")),
    responses((status = 200, body = Vec<ColumnOut>), (status = 422, body = Problem)))]
pub async fn list_columns(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<Vec<ColumnOut>>> {
    let unit = parse_int(q.opt("unit"), "unit", "单位")?;
    Ok(Json(super::list(&state, unit).await?.iter().map(ColumnOut::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ColumnBody {
    /// 所属单位；不填为令牌所属单位（仅新建时使用）
    pub unit_id: Option<i64>,
    #[schema(schema_with = crate::api::schema::line::<40>)]
    pub name: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::schema::text_opt::<500>)]
    pub description: String,
    /// special、rules 或 reports，默认 special
    #[serde(default)]
    #[schema(inline, value_type = crate::api::schema::ColumnKindCode)]
    pub kind: String,
}

impl ColumnBody {
    fn input(&self) -> ColumnInput {
        ColumnInput { name: self.name.clone(), description: self.description.clone(), kind: self.kind.clone() }
    }
}

/// 新建栏目
#[utoipa::path(post, path = "/api/v1/staff/columns", tag = "columns", security(("bearer" = [])), request_body = ColumnBody,
    responses((status = 201, body = ColumnOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_column(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(b): ApiJson<ColumnBody>,
) -> ApiResult<(StatusCode, Json<ColumnOut>)> {
    let c = super::create(&state, &p, b.unit_id.unwrap_or(p.user.unit_id), &b.input()).await?;
    Ok((StatusCode::CREATED, Json(ColumnOut::from(&c))))
}

/// 修改栏目
#[utoipa::path(patch, path = "/api/v1/staff/columns/{id}", tag = "columns", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ColumnBody,
    responses((status = 200, body = ColumnOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_column(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(b): ApiJson<ColumnBody>,
) -> ApiResult<Json<ColumnOut>> {
    let c = super::update(&state, &p, path_id(&id)?, &b.input()).await?;
    Ok(Json(ColumnOut::from(&c)))
}

/// 删除栏目（栏目中没有信息时）
#[utoipa::path(delete, path = "/api/v1/staff/columns/{id}", tag = "columns", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn delete_column(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    super::remove(&state, &p, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The columns' API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_columns))
        .routes(routes!(create_column))
        .routes(routes!(update_column, delete_column))
}
