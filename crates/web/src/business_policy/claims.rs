//! 快申快享 on the web: the enterprise's form and its tracking page (no account, works without
//! JavaScript), the unit's queue and decisions in the console, and the same as JSON.

use crate::app::AppState;
use crate::auth::{ApiStaff, ClientIp, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{ApiResult, AppError, PageResult, Problem};
use crate::forms::{ApiJson, ApiQuery, Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html, html_form, no_store};
use crate::portal::page;
use crate::requests::challenge::{self, Challenge};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use gongkai_app::business_policy::{claims, library};
use gongkai_domain::business_policy::redemption::{ClaimEvent, ClaimInput};
use gongkai_store::business_policy::redemption::{Claim, ClaimStep, Payout};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn portal_routes() -> Router<AppState> {
    Router::new()
        .route("/policies/{id}/apply", get(form).post(submit))
        .route("/policies/claims", get(track_form).post(track))
}

pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/policy-claims", get(queue))
        .route("/policy-claims/{id}", get(show))
        .route("/policy-claims/{id}/actions", post(act))
}

#[derive(Template)]
#[template(path = "portal/policy_apply.html")]
struct FormTemplate {
    page: Page,
    f: FormView,
    id: i64,
    title: String,
    due_days: u32,
    closed: Option<String>,
    challenge: Option<Challenge>,
}

async fn render_form(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    f: FormView,
    challenge: Option<Challenge>,
) -> PageResult {
    let policy = library::published(state, id).await?;
    let closed = claims::closed_reason(&policy, state.today());
    let path = format!("/policies/{id}/apply");
    let page = page(state, headers, "快申快享在线申报", &path, "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("政策库", "/policies")
        .crumb(&policy.fields.title, &format!("/policies/{id}"));
    let failed = f.failed();
    let challenge = if closed.is_none() { challenge } else { None };
    let t = FormTemplate {
        page,
        f,
        id,
        title: policy.fields.title.clone(),
        due_days: policy.fields.handling_workdays(),
        closed,
        challenge,
    };
    Ok(html_form(&t, failed))
}

async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id)?;
    let challenge = challenge::issue(&state, &ip).await?;
    render_form(&state, &headers, id, FormView::default(), Some(challenge)).await
}

#[derive(Template)]
#[template(path = "portal/policy_claim_ack.html")]
struct AckTemplate {
    page: Page,
    tracking_no: String,
    query_code: String,
    due_on: String,
    title: String,
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let input = ClaimInput::from_form(&|k| f.get(k).to_string());
    match claims::submit(&state, id, &input, &ip).await {
        Ok(ack) => {
            let policy = library::published(&state, id).await?;
            let page = page(&state, &headers, "申报已提交", &format!("/policies/{id}/apply"), "gongkai")
                .crumb("政务公开", "/gongkai")
                .crumb("政策库", "/policies");
            Ok(no_store(html(&AckTemplate {
                page,
                tracking_no: ack.claim.tracking_no.clone(),
                query_code: ack.query_code,
                due_on: ack.claim.due_on.to_string(),
                title: policy.fields.title,
            })))
        }
        Err(e) => {
            let mut errors = AppError::from(e).form_errors()?;
            let mut kept = f;
            let challenge = challenge::again(&state, &ip, &mut kept, &mut errors).await?;
            render_form(&state, &headers, id, FormView::with_errors(kept, errors), Some(challenge)).await
        }
    }
}

/// A claim as its enterprise sees it.
struct ClaimView {
    claim: Claim,
    title: String,
    steps: Vec<ClaimStep>,
    payout: Option<Payout>,
}

impl ClaimView {
    async fn of(state: &AppState, f: claims::ClaimFile) -> ClaimView {
        let title = policy_title(state, f.claim.policy_id).await;
        ClaimView { claim: f.claim, title, steps: f.steps, payout: f.payout }
    }
}

#[derive(Template)]
#[template(path = "portal/policy_claim_track.html")]
struct TrackTemplate {
    page: Page,
    f: FormView,
    view: Option<ClaimView>,
}

fn track_page(state: &AppState, headers: &HeaderMap) -> Page {
    page(state, headers, "申报进度查询", "/policies/claims", "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("政策库", "/policies")
}

async fn track_form(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    Ok(html(&TrackTemplate { page: track_page(&state, &headers), f: FormView::default(), view: None }))
}

async fn track(State(state): State<AppState>, headers: HeaderMap, ClientIp(ip): ClientIp, Form(f): Form) -> PageResult {
    let page = track_page(&state, &headers);
    match claims::track(&state, f.get("tracking_no"), f.get("code"), &ip).await {
        Ok(file) => {
            let view = Some(ClaimView::of(&state, file).await);
            Ok(no_store(html(&TrackTemplate { page, f: FormView::default(), view })))
        }
        Err(e) => {
            let errors = AppError::from(e).form_errors()?;
            let kept = f.without(&["code"]);
            Ok(html_form(&TrackTemplate { page, f: FormView::with_errors(kept, errors), view: None }, true))
        }
    }
}

async fn policy_title(state: &AppState, id: i64) -> String {
    gongkai_app::business_policy::title_of(state, id).await.unwrap_or_default()
}

// ----- the console -----

/// Claims with their policies' titles, each title read once.
async fn titled(state: &AppState, list: Vec<Claim>) -> Vec<(Claim, String)> {
    let mut titles: std::collections::HashMap<i64, String> = Default::default();
    let mut rows = Vec::with_capacity(list.len());
    for c in list {
        let t = match titles.get(&c.policy_id) {
            Some(t) => t.clone(),
            None => {
                let t = policy_title(state, c.policy_id).await;
                titles.insert(c.policy_id, t.clone());
                t
            }
        };
        rows.push((c, t));
    }
    rows
}

#[derive(Template)]
#[template(path = "console/policy_claims.html")]
struct QueueTemplate {
    page: Page,
    rows: Vec<(Claim, String)>,
    today: chrono::NaiveDate,
}

async fn queue(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let policy_id = q.int("policy", "政策")?;
    let rows = titled(&state, claims::staff_list(&state, &p, policy_id).await?).await;
    let page = console_page(&state, &headers, &p, "快申快享申报", "/admin/policy-claims", "policies").await;
    Ok(html(&QueueTemplate { page, rows, today: state.today() }))
}

#[derive(Template)]
#[template(path = "console/policy_claim.html")]
struct ShowTemplate {
    page: Page,
    view: ClaimView,
    f: FormView,
    today: chrono::NaiveDate,
}

async fn show_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &gongkai_app::Principal,
    id: i64,
    q: &Fields,
    f: FormView,
) -> PageResult {
    let claim = claims::visible(state, p, id).await?;
    let view = ClaimView::of(state, claims::file(state, claim).await?).await;
    let page = with_notice(
        console_page(
            state,
            headers,
            p,
            &format!("申报 {}", view.claim.tracking_no),
            "/admin/policy-claims",
            "policies",
        )
        .await,
        q,
    );
    let failed = f.failed();
    Ok(html_form(&ShowTemplate { page, view, f, today: state.today() }, failed))
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    show_page(&state, &headers, &p, path_id(&id)?, &q, FormView::default()).await
}

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let outcome = match ClaimEvent::parse(f.get("action"), f.get("amount_yuan"), f.get("reason")) {
        Ok(event) => claims::act(&state, &p, id, &event).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match outcome {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/policy-claims/{id}?notice=claim_{}", f.get("action"))).into_response())
        }
        Err(e) => {
            let e = e.form_errors()?;
            show_page(&state, &headers, &p, id, &Fields::default(), FormView::with_errors(f, e)).await
        }
    }
}

// ----- JSON -----

/// 快申快享申报的受理回执
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimAckOut {
    /// 申报编号
    pub tracking_no: String,
    /// 查询码（只显示这一次）
    pub query_code: String,
    /// 办结期限
    pub due_on: String,
    pub track_url: String,
}

/// 快申快享：企业在线申报（无需账号；须先取得验证题）
#[utoipa::path(post, path = "/api/v1/policies/{id}/claims", tag = "policies", params(("id" = i64, Path)), request_body = ClaimInput,
    responses((status = 201, body = ClaimAckOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn api_submit(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClaimInput>,
) -> ApiResult<(StatusCode, Json<ClaimAckOut>)> {
    let ack = claims::submit(&state, path_id(&id)?, &body, &ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(ClaimAckOut {
            tracking_no: ack.claim.tracking_no,
            query_code: ack.query_code,
            due_on: ack.claim.due_on.to_string(),
            track_url: "/policies/claims".into(),
        }),
    ))
}

/// 申报进度查询
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimTrackBody {
    pub tracking_no: String,
    pub code: String,
}

/// 申报的一步
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimStepOut {
    /// submitted / accepted / approved / rejected
    pub status: String,
    pub status_label: String,
    pub note: String,
    pub on: String,
}

/// 快申快享申报
#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimOut {
    pub id: i64,
    pub tracking_no: String,
    pub policy_id: i64,
    pub policy_title: String,
    pub unit_id: i64,
    /// submitted（待受理）/ accepted（审核中）/ approved（审核通过）/ rejected（不予支持）
    pub status: String,
    pub status_label: String,
    pub credit_code: String,
    pub enterprise_name: String,
    /// 注册地区县代码
    pub district: Option<String>,
    pub statement: String,
    /// 申请或核定金额（元）
    pub amount_yuan: Option<i64>,
    pub received_on: String,
    /// 办结期限（按工作日计）
    pub due_on: String,
    pub overdue: bool,
    pub decided_on: Option<String>,
    pub reason: Option<String>,
    /// 联系人（仅工作人员可见）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// 联系电话（仅工作人员可见）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub steps: Vec<ClaimStepOut>,
    /// 兑现情况：pending（待兑现）/ paid（已兑现）/ returned（退回）；审核通过后才有
    pub payout_status: Option<String>,
    /// 兑现日期
    pub paid_on: Option<String>,
}

fn claim_out(f: claims::ClaimFile, title: String, staff: bool, today: chrono::NaiveDate) -> ClaimOut {
    let (c, steps) = (f.claim, f.steps);
    ClaimOut {
        payout_status: f.payout.as_ref().map(|p| p.status.code().to_string()),
        paid_on: f.payout.as_ref().and_then(|p| p.paid_on).map(|d| d.to_string()),
        id: c.id,
        policy_id: c.policy_id,
        policy_title: title,
        unit_id: c.unit_id,
        status: c.status.code().into(),
        status_label: c.status.label().into(),
        overdue: c.status.open() && c.due_on < today,
        tracking_no: c.tracking_no,
        credit_code: c.credit_code,
        enterprise_name: c.enterprise_name,
        district: c.district,
        statement: c.statement,
        amount_yuan: c.amount_yuan,
        received_on: c.received_on.to_string(),
        due_on: c.due_on.to_string(),
        decided_on: c.decided_on.map(|d| d.to_string()),
        reason: c.reason,
        contact_name: staff.then_some(c.contact_name),
        phone: staff.then_some(c.phone),
        steps: steps
            .into_iter()
            .map(|s| ClaimStepOut {
                status: s.status.code().into(),
                status_label: s.status.label().into(),
                note: s.note,
                on: s.on_date.to_string(),
            })
            .collect(),
    }
}

/// 凭申报编号和查询码查询进度
#[utoipa::path(post, path = "/api/v1/policies/claims/track", tag = "policies", request_body = ClaimTrackBody,
    responses((status = 200, body = ClaimOut), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn api_track(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ClaimTrackBody>,
) -> ApiResult<Json<ClaimOut>> {
    let file = claims::track(&state, &body.tracking_no, &body.code, &ip).await?;
    let title = policy_title(&state, file.claim.policy_id).await;
    Ok(Json(claim_out(file, title, false, state.today())))
}

/// 工作人员：快申快享申报列表（办理中的在前，按办结期限）
#[utoipa::path(get, path = "/api/v1/staff/policy-claims", tag = "policies", security(("bearer" = [])),
    params(("policy" = Option<i64>, Query, description = "只看这项政策的申报")),
    responses((status = 200, body = Vec<ClaimOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn api_queue(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<Vec<ClaimOut>>> {
    let policy_id = q.int("policy", "政策")?;
    let mut out = Vec::new();
    let today = state.today();
    for (c, title) in titled(&state, claims::staff_list(&state, &p, policy_id).await?).await {
        let file = claims::ClaimFile { claim: c, steps: vec![], payout: None };
        out.push(claim_out(file, title, true, today));
    }
    Ok(Json(out))
}

/// 工作人员：申报详情
#[utoipa::path(get, path = "/api/v1/staff/policy-claims/{id}", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ClaimOut), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn api_get(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<ClaimOut>> {
    let claim = claims::visible(&state, &p, path_id(&id)?).await?;
    let title = policy_title(&state, claim.policy_id).await;
    Ok(Json(claim_out(claims::file(&state, claim).await?, title, true, state.today())))
}

/// 办理申报
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimActionBody {
    /// accept（受理）/ approve（审核通过，须核定金额）/ reject（不予支持，须写明理由）
    pub action: String,
    /// 核定金额（元）
    #[serde(default)]
    pub amount_yuan: Option<i64>,
    #[serde(default)]
    pub reason: String,
}

/// 工作人员：受理、审核通过（记为待兑现）或不予支持
#[utoipa::path(post, path = "/api/v1/staff/policy-claims/{id}/actions", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ClaimActionBody,
    responses((status = 200, body = ClaimOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_act(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ClaimActionBody>,
) -> ApiResult<Json<ClaimOut>> {
    let id = path_id(&id)?;
    let amount = body.amount_yuan.map(|a| a.to_string()).unwrap_or_default();
    let event = ClaimEvent::parse(&body.action, &amount, &body.reason)?;
    let claim = claims::act(&state, &p, id, &event).await?;
    let title = policy_title(&state, claim.policy_id).await;
    Ok(Json(claim_out(claims::file(&state, claim).await?, title, true, state.today())))
}

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api_submit))
        .routes(routes!(api_track))
        .routes(routes!(api_queue))
        .routes(routes!(api_get))
        .routes(routes!(api_act))
}
