//! `GET /api/v1/search`.

use crate::app::AppState;
use crate::errors::{ApiResult, Problem};
use crate::forms::ApiQuery;
use axum::Json;
use axum::extract::State;

/// 全文检索：政府信息、政策解读等全部公开内容
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(
        ("q" = Option<String>, Query, description = "关键词、标题或文号（〔〕、[]、() 均可）"),
        ("unit" = Option<i64>, Query, description = "发布单位 id"),
        ("genre" = inline(Option<crate::api::schema::GenreCode>), Query), ("topic" = inline(Option<crate::api::schema::TopicCode>), Query),
        ("year" = Option<i32>, Query, minimum = 1949, maximum = 2100, description = "发布年份"), ("validity" = inline(Option<crate::api::schema::ValidityCode>), Query),
        ("sort" = inline(Option<crate::api::schema::SortCode>), Query, description = "relevance（默认）或 date"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 1000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100, description = "每页条数，最多 100"),
        ("facets" = Option<bool>, Query, description = "false 时不返回分面统计（更快）")
    ),
    responses((status = 200, body = super::SearchView), (status = 422, body = Problem)))]
pub async fn search(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<super::SearchView>> {
    let req = super::request_from(&q, true)?;
    Ok(Json(super::run(&state, req).await?))
}

/// The search API route.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(search))
}
