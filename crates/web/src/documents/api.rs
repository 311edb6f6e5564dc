//! Documents as JSON: the public list and each document.

use crate::api::paging;
use crate::app::AppState;
use crate::errors::{ApiResult, AppError, Problem};
use crate::forms::ApiQuery;
use crate::forms::path_id;
use axum::Json;
use axum::extract::{Path, State};
use gongkai_domain::validation::Invalid;
use gongkai_store::documents::PublicFilter;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<super::DocumentSummary>,
}

/// 政府信息（公开的版本）
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: i64,
    pub index_no: String,
    pub title: String,
    pub publisher: String,
    pub unit_id: i64,
    pub doc_no: String,
    pub written_on: Option<String>,
    pub published_on: String,
    /// 体裁代码与名称
    pub genre: String,
    pub genre_label: String,
    pub topic: String,
    pub topic_label: String,
    pub keywords: String,
    /// 题注
    pub note: String,
    pub validity: String,
    pub validity_on: Option<String>,
    pub replaced_by: Option<i64>,
    pub interprets_id: Option<i64>,
    pub version: i64,
    pub body_html: String,
    /// 问答解读的问答（其他文件为空）
    pub qa_pairs: Vec<super::QaPairBody>,
    /// in_error / replaced / withdrawn，未撤稿为 null
    pub withdrawal: Option<String>,
    pub url: String,
}

fn filter_from(q: &crate::forms::Fields) -> Result<PublicFilter, Invalid> {
    let (filter, errors) = super::public_filter(q);
    errors.into_result(filter)
}

/// 公开的政府信息列表（按发布日期倒序），可按单位（含下级）、体裁、主题、年份、有效性、栏目、目录事项筛选
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents",
    params(("unit" = Option<i64>, Query, description = "单位 id，含其下级单位"), ("genre" = inline(Option<crate::api::schema::GenreCode>), Query), ("topic" = inline(Option<crate::api::schema::TopicCode>), Query),
        ("year" = Option<i32>, Query, minimum = 1949, maximum = 2100), ("validity" = inline(Option<crate::api::schema::ValidityCode>), Query),
        ("column" = Option<i64>, Query, description = "栏目 id"), ("item" = Option<i64>, Query, description = "主动公开目录事项 id"), ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = DocumentList), (status = 422, body = Problem)))]
pub async fn list_documents(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<DocumentList>> {
    let filter = filter_from(&q)?;
    let (page, per_page) = paging(&q, 20, 100)?;
    let gongkai_store::Page { items: docs, total } =
        gongkai_app::documents::public::list(&state, &filter, per_page, (page - 1) * per_page).await?;
    let tree = state.unit_tree().await?;
    let items = docs
        .iter()
        .map(|d| super::DocumentSummary::of(d, &tree.get(d.unit_id).map(|u| u.name.clone()).unwrap_or_default()))
        .collect();
    Ok(Json(DocumentList { total, page, per_page, items }))
}

/// 政府信息详情（当前公开的版本）
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = i64, Path)),
    responses((status = 200, body = DocumentOut), (status = 404, body = Problem)))]
pub async fn get_document(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<DocumentOut>> {
    let d = gongkai_app::documents::public::document(&state, path_id(&id)?).await?.ok_or(AppError::NotFound)?;
    if d.withdrawal == Some(gongkai_domain::documents::Withdrawal::InError) {
        return Err(AppError::NotFound.into());
    }
    Ok(Json(DocumentOut {
        id: d.id,
        index_no: d.index_no.clone(),
        title: d.title.clone(),
        publisher: d.publisher.clone(),
        unit_id: d.unit_id,
        doc_no: d.doc_no.clone(),
        written_on: d.written_on.map(|d| d.to_string()),
        published_on: d.published_on.to_string(),
        genre: d.genre.code().into(),
        genre_label: d.genre.label().into(),
        topic: d.topic.code().into(),
        topic_label: d.topic.label().into(),
        keywords: d.keywords.clone(),
        note: d.note.clone(),
        validity: d.validity.code().into(),
        validity_on: d.validity_on.map(|d| d.to_string()),
        replaced_by: d.replaced_by,
        interprets_id: d.interprets_id,
        version: d.version,
        body_html: d.body_html.clone(),
        qa_pairs: d.qa.clone(),
        withdrawal: d.withdrawal.map(|w| w.code().to_string()),
        url: format!("/documents/{}", d.id),
    }))
}

/// The documents' API routes: public reading here, staff work in `staff_api` and `reviews`;
/// uploads of attachments up to `upload_limit` bytes.
pub fn routes(upload_limit: usize) -> utoipa_axum::router::OpenApiRouter<AppState> {
    use super::{reviews, staff_api};
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    OpenApiRouter::new()
        .routes(routes!(list_documents))
        .routes(routes!(get_document))
        .routes(routes!(staff_api::list, staff_api::create))
        .routes(routes!(staff_api::get, staff_api::save))
        .routes(routes!(staff_api::act))
        .routes(routes!(staff_api::checks))
        .routes(routes!(staff_api::flags))
        .routes(routes!(reviews::api_queue))
        .routes(routes!(reviews::api_permissions))
        .routes(routes!(staff_api::mask))
        .routes(routes!(staff_api::validity))
        .routes(routes!(staff_api::remove_attachment))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(staff_api::attachments, staff_api::upload))
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
}
