//! 免申即享 on the web: saving a run, drawing the 公示名单 and taking it through review, the
//! public 公示 page, and the disbursement records, in the console and as JSON.

use crate::app::AppState;
use crate::auth::{ApiStaff, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{ApiResult, AppError, PageResult, Problem};
use crate::forms::{ApiJson, Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html, html_form};
use crate::portal::page;
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use gongkai_app::business_policy::redemption::{self, ListAction, NewList};
use gongkai_app::business_policy::register::RegisterRun;
use gongkai_app::business_policy::{library, visible};
use gongkai_domain::business_policy::district_name;
use gongkai_domain::business_policy::redemption::{PayoutStatus, payout_event};
use gongkai_domain::workflow::State as Review;
use gongkai_store::business_policy::redemption::{Beneficiary, Payout, PolicyList};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn portal_routes() -> Router<AppState> {
    Router::new().route("/policies/{id}/publicity", get(publicity))
}

pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/policies/{id}/run", post(save_run))
        .route("/policies/{id}/lists", post(create_list))
        .route("/policies/{id}/payouts", get(payouts))
        .route("/policy-lists/{id}", get(list_show))
        .route("/policy-lists/{id}/actions", post(list_act))
        .route("/policy-payouts/{id}", post(payout_set))
}

// ----- public -----

#[derive(Template)]
#[template(path = "portal/policy_publicity.html")]
struct PublicityTemplate {
    page: Page,
    id: i64,
    title: String,
    lists: Vec<(PolicyList, Vec<Beneficiary>)>,
}

async fn publicity(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let policy = library::published(&state, path_id(&id)?).await?;
    let lists = redemption::published_lists(&state, policy.id).await?;
    let path = format!("/policies/{}/publicity", policy.id);
    let page = page(&state, &headers, "免申即享公示名单", &path, "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("政策库", "/policies")
        .crumb(&policy.fields.title, &format!("/policies/{}", policy.id));
    Ok(html(&PublicityTemplate { page, id: policy.id, title: policy.fields.title.clone(), lists }))
}

// ----- the console -----

async fn save_run(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    redemption::save_run(&state, &p, id).await?;
    Ok(Redirect::to(&format!("/admin/policies/{id}/register?notice=run_saved")).into_response())
}

fn new_list(f: &Fields) -> NewList {
    NewList {
        title: f.get("title").into(),
        notice: f.get("notice").into(),
        include: Some(f.all("include").into_iter().map(String::from).collect()),
    }
}

async fn create_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    match redemption::create_list(&state, &p, id, &new_list(&f)).await {
        Ok(list) => Ok(Redirect::to(&format!("/admin/policy-lists/{}?notice=list_created", list.id)).into_response()),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            super::console::run_page(&state, &headers, &p, id, &Fields::default(), FormView::with_errors(f, e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/policy_list.html")]
struct ListTemplate {
    page: Page,
    list: PolicyList,
    policy_title: String,
    entries: Vec<Beneficiary>,
    actions: Vec<(&'static str, &'static str)>,
    error: String,
}

async fn list_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &gongkai_app::Principal,
    id: i64,
    q: &Fields,
    error: String,
) -> PageResult {
    use gongkai_domain::staff::Action;
    let list = redemption::list_visible(state, p, id).await?;
    let policy = visible(state, p, list.policy_id).await?;
    let entries = redemption::entries(state, &list).await?;
    let may = |a: Action| async move { p.require_for_unit(state, a, list.unit_id).await.is_ok() };
    let mut actions = Vec::new();
    match list.status {
        Review::Draft if may(Action::DraftDocuments).await => actions.push(("submit", "提交审核")),
        Review::InReview(_) if may(Action::ReviewDocuments).await => {
            actions.push(("approve", "审核通过"));
            actions.push(("reject", "退回"));
        }
        Review::Published if may(Action::WithdrawDocuments).await => actions.push(("withdraw", "撤下")),
        _ => {}
    }
    let page = with_notice(console_page(state, headers, p, &list.title, "/admin/policies", "policies").await, q);
    let status = if error.is_empty() { StatusCode::OK } else { StatusCode::CONFLICT };
    let mut res = html(&ListTemplate { page, policy_title: policy.draft.title.clone(), list, entries, actions, error });
    *res.status_mut() = status;
    Ok(res)
}

async fn list_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    list_page(&state, &headers, &p, path_id(&id)?, &q, String::new()).await
}

async fn list_act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let outcome = match ListAction::parse(f.get("action"), f.get("comment")) {
        Ok(action) => redemption::act_list(&state, &p, id, &action).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/admin/policy-lists/{id}?notice=list_{}", f.get("action"))).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            list_page(&state, &headers, &p, id, &Fields::default(), e.to_string()).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/policy_payouts.html")]
struct PayoutsTemplate {
    page: Page,
    id: i64,
    title: String,
    rows: Vec<Payout>,
    today: String,
    f: FormView,
    /// The record the errors are about.
    failed_id: i64,
    paid_yuan: i64,
}

async fn payouts_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &gongkai_app::Principal,
    id: i64,
    q: &Fields,
    f: FormView,
    failed_id: i64,
) -> PageResult {
    let policy = visible(state, p, id).await?;
    let rows = redemption::payouts(state, p, id).await?;
    let paid_yuan = rows.iter().filter(|r| r.status == PayoutStatus::Paid).filter_map(|r| r.amount_yuan).sum();
    let page = with_notice(console_page(state, headers, p, "兑现记录", "/admin/policies", "policies").await, q);
    let failed = f.failed();
    let t = PayoutsTemplate {
        page,
        id,
        title: policy.draft.title.clone(),
        rows,
        today: state.today().to_string(),
        f,
        failed_id,
        paid_yuan,
    };
    Ok(html_form(&t, failed))
}

async fn payouts(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    payouts_page(&state, &headers, &p, path_id(&id)?, &q, FormView::default(), 0).await
}

async fn payout_set(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let policy_id = redemption::payout_policy(&state, &p, id).await?;
    let outcome =
        match payout_event(f.get("action"), f.get("amount_yuan"), f.get("paid_on"), f.get("reason"), state.today()) {
            Ok(event) => redemption::set_payout(&state, &p, id, &event).await.map_err(AppError::from),
            Err(e) => Err(AppError::Invalid(e)),
        };
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/admin/policies/{policy_id}/payouts?notice=payout_saved#payout-{id}"))
            .into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            payouts_page(&state, &headers, &p, policy_id, &Fields::default(), FormView::with_errors(f, e), id).await
        }
    }
}

// ----- JSON -----

/// 名单上的企业
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryOut {
    pub credit_code: String,
    pub name: String,
    /// 注册地区县代码（仅工作人员可见）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// 拟兑现金额（元，仅工作人员可见）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_yuan: Option<i64>,
}

/// 免申即享公示名单
#[derive(Debug, Serialize, ToSchema)]
pub struct ListOut {
    pub id: i64,
    pub policy_id: i64,
    pub unit_id: i64,
    pub title: String,
    pub notice: String,
    /// draft / review_first / review_second / review_final / published / withdrawn
    pub status: String,
    pub status_label: String,
    /// 据以生成名单的测算日期
    pub run_on: String,
    /// 测算中符合条件的企业数
    pub eligible: i64,
    pub published_at: Option<String>,
    /// 公示期至
    pub publicity_ends_on: Option<String>,
    pub entries: Vec<EntryOut>,
}

fn list_out(l: PolicyList, entries: Vec<Beneficiary>, staff: bool) -> ListOut {
    ListOut {
        id: l.id,
        policy_id: l.policy_id,
        unit_id: l.unit_id,
        title: l.title,
        notice: l.notice,
        status: l.status.code().into(),
        status_label: l.status.label().into(),
        run_on: l.run_on.to_string(),
        eligible: l.eligible,
        published_at: l.published_at.map(gongkai_domain::time::format_instant),
        publicity_ends_on: l.publicity_ends_on.map(|d| d.to_string()),
        entries: entries
            .into_iter()
            .map(|b| EntryOut {
                credit_code: b.credit_code,
                name: b.name,
                district: if staff { b.district } else { None },
                amount_yuan: if staff { b.amount_yuan } else { None },
            })
            .collect(),
    }
}

/// 政策的免申即享公示名单（已公示的，企业名称和统一社会信用代码）
#[utoipa::path(get, path = "/api/v1/policies/{id}/lists", tag = "policies", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ListOut>), (status = 404, body = Problem)))]
pub async fn api_public_lists(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Vec<ListOut>>> {
    let policy = library::published(&state, path_id(&id)?).await?;
    let lists = redemption::published_lists(&state, policy.id).await?;
    Ok(Json(lists.into_iter().map(|(l, e)| list_out(l, e, false)).collect()))
}

/// 按企业名录测算政策并保存结果（计入统计的“匹配企业数”）
#[utoipa::path(post, path = "/api/v1/staff/policies/{id}/register", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = RegisterRun), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn api_save_run(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<RegisterRun>> {
    Ok(Json(redemption::save_run(&state, &p, path_id(&id)?).await?))
}

/// 拟定公示名单
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ListBody {
    /// 名单标题，不填按政策名称生成
    pub title: String,
    /// 公示说明，不填按公示期和受理单位生成
    pub notice: String,
    /// 列入名单的企业（统一社会信用代码），不填为本次测算符合条件的全部企业
    pub include: Option<Vec<String>>,
}

/// 工作人员：政策的公示名单
#[utoipa::path(get, path = "/api/v1/staff/policies/{id}/lists", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<ListOut>), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn api_lists(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ListOut>>> {
    let policy = visible(&state, &p, path_id(&id)?).await?;
    let mut out = Vec::new();
    for l in redemption::lists_of(&state, &policy).await? {
        out.push(list_out(l, vec![], true));
    }
    Ok(Json(out))
}

/// 工作人员：按企业名录重新测算，从符合条件的企业中拟定公示名单（草稿，须经审核发布）
#[utoipa::path(post, path = "/api/v1/staff/policies/{id}/lists", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ListBody,
    responses((status = 201, body = ListOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_create_list(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ListBody>,
) -> ApiResult<(StatusCode, Json<ListOut>)> {
    let new = NewList { title: body.title, notice: body.notice, include: body.include };
    let list = redemption::create_list(&state, &p, path_id(&id)?, &new).await?;
    let entries = redemption::entries(&state, &list).await?;
    Ok((StatusCode::CREATED, Json(list_out(list, entries, true))))
}

/// 工作人员：公示名单详情
#[utoipa::path(get, path = "/api/v1/staff/policy-lists/{id}", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ListOut), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn api_list(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<ListOut>> {
    let list = redemption::list_visible(&state, &p, path_id(&id)?).await?;
    let entries = redemption::entries(&state, &list).await?;
    Ok(Json(list_out(list, entries, true)))
}

/// 公示名单审核操作
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListActionBody {
    /// submit（提交审核）/ approve（审核通过，终审通过即公示）/ reject（退回）/ withdraw（撤下）
    pub action: String,
    /// 退回或撤下的理由
    #[serde(default)]
    pub comment: String,
}

/// 工作人员：公示名单的审核流程（初审、复审、终审；终审通过即公示，名单内企业记为待兑现）
#[utoipa::path(post, path = "/api/v1/staff/policy-lists/{id}/actions", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ListActionBody,
    responses((status = 200, body = ListOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_list_act(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ListActionBody>,
) -> ApiResult<Json<ListOut>> {
    let action = ListAction::parse(&body.action, &body.comment)?;
    let list = redemption::act_list(&state, &p, path_id(&id)?, &action).await?;
    let entries = redemption::entries(&state, &list).await?;
    Ok(Json(list_out(list, entries, true)))
}

/// 兑现记录
#[derive(Debug, Serialize, ToSchema)]
pub struct PayoutOut {
    pub id: i64,
    pub policy_id: i64,
    pub credit_code: String,
    pub name: String,
    pub district: Option<String>,
    /// 来自的公示名单
    pub list_id: Option<i64>,
    /// 来自的快申快享申报
    pub claim_id: Option<i64>,
    /// 金额（元）
    pub amount_yuan: Option<i64>,
    /// pending（待兑现）/ paid（已兑现）/ returned（退回）
    pub status: String,
    pub status_label: String,
    pub paid_on: Option<String>,
    /// 退回原因
    pub reason: Option<String>,
}

fn payout_out(p: Payout) -> PayoutOut {
    PayoutOut {
        id: p.id,
        policy_id: p.policy_id,
        credit_code: p.credit_code,
        name: p.name,
        district: p.district,
        list_id: p.list_id,
        claim_id: p.claim_id,
        amount_yuan: p.amount_yuan,
        status: p.status.code().into(),
        status_label: p.status.label().into(),
        paid_on: p.paid_on.map(|d| d.to_string()),
        reason: p.reason,
    }
}

/// 工作人员：政策的兑现记录
#[utoipa::path(get, path = "/api/v1/staff/policies/{id}/payouts", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<PayoutOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn api_payouts(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<PayoutOut>>> {
    let rows = redemption::payouts(&state, &p, path_id(&id)?).await?;
    Ok(Json(rows.into_iter().map(payout_out).collect()))
}

/// 登记兑现
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayoutBody {
    /// pay（登记已兑现，须填金额和日期）/ return（退回，须写明原因）/ reopen（退回后重新兑现）
    pub action: String,
    /// 兑现金额（元）
    #[serde(default)]
    #[schema(minimum = 0)]
    pub amount_yuan: Option<i64>,
    /// 兑现日期 YYYY-MM-DD
    #[serde(default)]
    pub paid_on: String,
    /// 退回原因
    #[serde(default)]
    pub reason: String,
}

/// 工作人员：登记一家企业的兑现情况
#[utoipa::path(post, path = "/api/v1/staff/policy-payouts/{id}", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PayoutBody,
    responses((status = 200, body = PayoutOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_payout_set(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PayoutBody>,
) -> ApiResult<Json<PayoutOut>> {
    let amount = body.amount_yuan.map(|a| a.to_string()).unwrap_or_default();
    let event = payout_event(&body.action, &amount, &body.paid_on, &body.reason, state.today())?;
    Ok(Json(payout_out(redemption::set_payout(&state, &p, path_id(&id)?, &event).await?)))
}

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api_public_lists))
        .routes(routes!(api_save_run))
        .routes(routes!(api_lists, api_create_list))
        .routes(routes!(api_list))
        .routes(routes!(api_list_act))
        .routes(routes!(api_payouts))
        .routes(routes!(api_payout_set))
}

/// The district of a row in words.
pub fn district_words(d: Option<&str>) -> String {
    d.map(district_name).unwrap_or_else(|| "—".into())
}
