//! 行政复议 and 行政诉讼 about replies (annual-report table 四): recorded with their result and
//! updated when decided, counted in the year they were filed.

use crate::app::AppState;
use crate::auth::{ApiStaff, Principal, Staff};
use crate::console::console_page;
use crate::errors::{ApiResult, PageResult, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html_form};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
pub use gongkai_app::annual_report::{ReviewBody, add_review, update_review};
use gongkai_domain::annual_report::{ReviewKind, ReviewResult};
use gongkai_domain::staff::Action;

use gongkai_store::requests::ReviewCase;
use serde::Serialize;
use utoipa::ToSchema;

pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/review-cases", get(console_reviews).post(console_add_review))
        .route("/review-cases/{id}", post(console_update_review))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewOut {
    pub id: i64,
    pub unit_id: i64,
    pub request_id: Option<i64>,
    pub kind: String,
    pub kind_label: String,
    pub result: String,
    pub result_label: String,
    pub filed_on: String,
    pub decided_on: Option<String>,
    pub authority: String,
    pub note: String,
}

fn review_out(c: &ReviewCase) -> ReviewOut {
    ReviewOut {
        id: c.id,
        unit_id: c.unit_id,
        request_id: c.request_id,
        kind: c.kind.code().into(),
        kind_label: c.kind.label().into(),
        result: c.result.code().into(),
        result_label: c.result.label().into(),
        filed_on: c.filed_on.to_string(),
        decided_on: c.decided_on.map(|d| d.to_string()),
        authority: c.authority.clone(),
        note: c.note.clone(),
    }
}

/// 行政复议、行政诉讼记录（本单位及下级）
#[utoipa::path(get, path = "/api/v1/staff/review-cases", tag = "reports", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, minimum = 2008, maximum = 9999, description = "按申请复议或起诉的年度")),
    responses((status = 200, body = Vec<ReviewOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_reviews(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<Vec<ReviewOut>>> {
    let cases = gongkai_app::annual_report::review_cases(&state, &p, q.opt("year")).await?;
    Ok(Json(cases.iter().map(review_out).collect()))
}

/// 登记行政复议或行政诉讼（办理人员）
#[utoipa::path(post, path = "/api/v1/staff/review-cases", tag = "reports", security(("bearer" = [])), request_body = ReviewBody,
    responses((status = 201, body = ReviewOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_review(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<(StatusCode, Json<ReviewOut>)> {
    let c = add_review(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(review_out(&c))))
}

/// 更新行政复议或行政诉讼的结果（办理人员）
#[utoipa::path(put, path = "/api/v1/staff/review-cases/{id}", tag = "reports", security(("bearer" = [])),
    params(("id" = i64, Path)), request_body = ReviewBody,
    responses((status = 200, body = ReviewOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn put_review(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<Json<ReviewOut>> {
    let c = update_review(&state, &p, path_id(&id)?, &body).await?;
    Ok(Json(review_out(&c)))
}

#[derive(Template)]
#[template(path = "console/review_cases.html")]
struct ReviewsTemplate {
    page: Page,
    rows: Vec<ReviewOut>,
    kinds: Vec<(&'static str, &'static str)>,
    results: Vec<(&'static str, &'static str)>,
    f: FormView,
    may_handle: bool,
}

async fn render_reviews(state: &AppState, headers: &HeaderMap, p: &Principal, notice: &str, f: FormView) -> PageResult {
    let rows = gongkai_app::annual_report::review_cases(state, p, None).await?.iter().map(review_out).collect();
    let failed = f.failed();
    let mut page = console_page(state, headers, p, "行政复议和行政诉讼", "/admin/review-cases", "requests").await;
    if notice == "review_saved" {
        page.notice = "已保存，年度报告表四随之更新。".into();
    }
    Ok(html_form(
        &ReviewsTemplate {
            page,
            rows,
            kinds: ReviewKind::ALL.iter().map(|k| (k.code(), k.label())).collect(),
            results: ReviewResult::ALL.iter().map(|r| (r.code(), r.label())).collect(),
            f,
            may_handle: p.may(Action::HandleRequests),
        },
        failed,
    ))
}

async fn console_reviews(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    render_reviews(&state, &headers, &p, q.get("notice"), FormView::default()).await
}

fn review_body(f: &Fields) -> ReviewBody {
    ReviewBody {
        unit_id: None,
        tracking_no: f.get("tracking_no").into(),
        kind: f.get("kind").into(),
        result: f.get("result").into(),
        filed_on: f.get("filed_on").into(),
        decided_on: f.get("decided_on").into(),
        authority: f.get("authority").into(),
        note: f.get("note").into(),
    }
}

async fn console_add_review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Form(f): Form,
) -> PageResult {
    match add_review(&state, &p, &review_body(&f)).await {
        Ok(_) => Ok(Redirect::to("/admin/review-cases?notice=review_saved").into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            render_reviews(&state, &headers, &p, "", FormView::with_errors(f, e)).await
        }
    }
}

async fn console_update_review(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    match update_review(&state, &p, path_id(&id)?, &review_body(&f)).await {
        Ok(_) => Ok(Redirect::to("/admin/review-cases?notice=review_saved").into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            render_reviews(&state, &headers, &p, "", FormView::with_errors(f, e)).await
        }
    }
}
