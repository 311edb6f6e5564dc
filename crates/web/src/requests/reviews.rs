//! 行政复议 and 行政诉讼 about replies (annual-report table 四): recorded with their result and
//! updated when decided, counted in the year they were filed.

use crate::app::AppState;
use crate::auth::{ApiStaff, Principal, Staff};
use crate::console::console_page;
use crate::errors::{ApiResult, AppError, PageResult, Problem};
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
use chrono::NaiveDate;
use gongkai_domain::annual_report::{self as ar, ReviewKind, ReviewResult};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::validation::{Invalid, text};
use gongkai_store::requests::ReviewCase;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/review-cases", get(console_reviews).post(console_add_review))
        .route("/review-cases/{id}", post(console_update_review))
}

/// 行政复议或行政诉讼
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewBody {
    /// 被申请复议或被诉的单位，默认本人所在单位
    pub unit_id: Option<i64>,
    /// 涉及的申请编号（可选）
    pub tracking_no: String,
    /// review（行政复议）、lawsuit_direct（未经复议直接起诉）、lawsuit_after_review（复议后起诉）
    #[schema(inline, value_type = crate::api::schema::ReviewKindCode)]
    pub kind: String,
    /// upheld（维持）、corrected（纠正）、other（其他结果）、pending（尚未审结）
    #[schema(inline, value_type = crate::api::schema::ReviewResultCode)]
    pub result: String,
    /// 申请复议或起诉日期 YYYY-MM-DD
    pub filed_on: String,
    /// 决定或判决日期（审结后填写）
    pub decided_on: String,
    /// 复议机关或人民法院
    pub authority: String,
    pub note: String,
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
        kind: c.kind.clone(),
        kind_label: ReviewKind::parse(&c.kind).map(|k| k.label()).unwrap_or_default().into(),
        result: c.result.clone(),
        result_label: ReviewResult::parse(&c.result).map(|r| r.label()).unwrap_or_default().into(),
        filed_on: c.filed_on.to_string(),
        decided_on: c.decided_on.map(|d| d.to_string()),
        authority: c.authority.clone(),
        note: c.note.clone(),
    }
}

async fn parse_review(state: &AppState, p: &Principal, b: &ReviewBody, id: i64) -> Result<ReviewCase, AppError> {
    let mut e = Invalid::default();
    let unit_id = b.unit_id.unwrap_or(p.user.unit_id);
    let kind = ReviewKind::parse(&b.kind);
    if kind.is_none() {
        e.push(
            "kind",
            "类型",
            "应为 review（行政复议）、lawsuit_direct（未经复议直接起诉）或 lawsuit_after_review（复议后起诉）",
        );
    }
    let result = ReviewResult::parse(&b.result);
    if result.is_none() {
        e.push("result", "结果", "应为 upheld（维持）、corrected（纠正）、other（其他结果）或 pending（尚未审结）");
    }
    let today = super::today();
    let date = |e: &mut Invalid, field: &str, label: &str, raw: &str, required: bool| -> Option<NaiveDate> {
        if raw.trim().is_empty() {
            if required {
                e.push(field, label, "请填写");
            }
            return None;
        }
        match gongkai_domain::time::parse_date(raw.trim()) {
            Some(d) if d <= today => Some(d),
            Some(_) => {
                e.push(field, label, "不能晚于今天");
                None
            }
            None => {
                e.push(field, label, "应为 YYYY-MM-DD 格式的有效日期");
                None
            }
        }
    };
    let filed_on = date(&mut e, "filed_on", "申请复议或起诉日期", &b.filed_on, true);
    let decided_on = date(&mut e, "decided_on", "审结日期", &b.decided_on, false);
    if let (Some(f), Some(d)) = (filed_on, decided_on)
        && d < f
    {
        e.push("decided_on", "审结日期", "不能早于申请复议或起诉日期");
    }
    if result == Some(ReviewResult::Pending) && decided_on.is_some() {
        e.push("result", "结果", "已填写审结日期的，结果不能为尚未审结");
    }
    let authority =
        gongkai_domain::validation::line(&mut e, "authority", "复议机关或人民法院", &b.authority, false, 100);
    let note = text(&mut e, "note", "备注", &b.note, false, 2000);
    let mut request_id = None;
    if !b.tracking_no.trim().is_empty() {
        match state.store.request_by_tracking_no(b.tracking_no.trim()).await? {
            Some(r) if r.unit_id == unit_id => request_id = Some(r.id),
            _ => e.push("tracking_no", "申请编号", "不是该单位的申请"),
        }
    }
    let (Some(kind), Some(result), Some(filed_on)) = (kind, result, filed_on) else { return Err(e.into()) };
    e.into_result(())?;
    p.require_for_unit(state, Action::HandleRequests, unit_id).await?;
    Ok(ReviewCase {
        id,
        unit_id,
        request_id,
        kind: kind.code().into(),
        result: result.code().into(),
        filed_on,
        decided_on,
        authority,
        note,
    })
}

pub async fn add_review(state: &AppState, p: &Principal, b: &ReviewBody) -> Result<ReviewCase, AppError> {
    let mut c = parse_review(state, p, b, 0).await?;
    let mut w = state.store.write(p.actor()).await?;
    c.id = w.review_case_insert(&c).await?;
    w.record(
        "review_case.create",
        "review_case",
        c.id,
        Some(c.unit_id),
        format!("登记{}（{}）", ReviewKind::parse(&c.kind).map(|k| k.label()).unwrap_or_default(), c.filed_on),
    );
    w.commit().await?;
    Ok(c)
}

pub async fn update_review(state: &AppState, p: &Principal, id: i64, b: &ReviewBody) -> Result<ReviewCase, AppError> {
    let old = state.store.review_case(id).await?.ok_or(AppError::NotFound)?;
    p.require_for_unit(state, Action::HandleRequests, old.unit_id).await?;
    let mut body_unit = ReviewBody { unit_id: Some(old.unit_id), ..Default::default() };
    body_unit.kind.clone_from(&b.kind);
    body_unit.result.clone_from(&b.result);
    body_unit.filed_on.clone_from(&b.filed_on);
    body_unit.decided_on.clone_from(&b.decided_on);
    body_unit.authority.clone_from(&b.authority);
    body_unit.note.clone_from(&b.note);
    body_unit.tracking_no.clone_from(&b.tracking_no);
    let c = parse_review(state, p, &body_unit, id).await?;
    let mut w = state.store.write(p.actor()).await?;
    w.review_case_update(&c).await?;
    w.record(
        "review_case.update",
        "review_case",
        id,
        Some(c.unit_id),
        format!("更新复议诉讼结果：{}", ReviewResult::parse(&c.result).map(|r| r.label()).unwrap_or_default()),
    );
    w.commit().await?;
    Ok(c)
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
    p.require(Action::ViewRequests, Reach::Subtree)?;
    let year = match q.opt("year") {
        Some(y) => Some(ar::parse_year(y).map_err(AppError::Invalid)?),
        None => None,
    };
    let tree = state.unit_tree().await?;
    let ids: Vec<i64> = tree.subtree(p.user.unit_id).iter().map(|u| u.id).collect();
    Ok(Json(state.store.review_cases(&ids, year).await?.iter().map(review_out).collect()))
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
    p.require(Action::ViewRequests, Reach::Subtree)?;
    let tree = state.unit_tree().await?;
    let ids: Vec<i64> = tree.subtree(p.user.unit_id).iter().map(|u| u.id).collect();
    let rows = state.store.review_cases(&ids, None).await?.iter().map(review_out).collect();
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
