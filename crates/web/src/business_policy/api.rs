//! Policies as JSON: the public library with facets, the calculator, and the staff's drafting
//! and review.

use super::public_filter;
use crate::api::paging;
use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::{ApiResult, Problem};
use crate::forms::{ApiJson, ApiQuery, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use gongkai_app::business_policy::library::{self, Facets, LivePolicy};
use gongkai_app::business_policy::matching::{self, MatchResult};
use gongkai_domain::business_policy::policy::{GuideInput, PolicyFields, PolicyInput};
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use gongkai_domain::business_policy::rule::describe;
use gongkai_domain::validation::Invalid;
use gongkai_store::business_policy::Policy;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// 惠企政策
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyOut {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub summary: String,
    /// national / provincial / city / district
    pub level: String,
    pub level_label: String,
    pub doc_no: String,
    /// 有效期至（空为长期有效）
    pub valid_until: Option<String>,
    /// 今天是否有效
    pub in_force: bool,
    pub benefit_type: String,
    pub benefit_type_label: String,
    /// exempt_apply / quick_apply / regular
    pub mode: String,
    pub mode_label: String,
    /// {"fixed_yuan": N} 或 {"rate": R, "of": 字段, "cap_yuan": N}
    #[schema(value_type = Option<Object>)]
    pub amount: Option<Value>,
    pub amount_text: String,
    /// 申报时间 {"opens_on", "closes_on"}；空为常年受理
    #[schema(value_type = Option<Object>)]
    pub window: Option<Value>,
    /// 今天是否在申报时间内（且有效）
    pub open_now: bool,
    pub guide: GuideInput,
    /// 适用条件（JSON）
    #[schema(value_type = Object)]
    pub rule: Value,
    /// 适用条件（文字）
    pub rule_text: String,
    pub document_ids: Vec<i64>,
    pub interpretation_ids: Vec<i64>,
    /// 适用条件中写明的行业代码
    pub industries: Vec<String>,
    /// 适用条件中写明的区县代码
    pub districts: Vec<String>,
    pub published_at: Option<String>,
    pub url: String,
}

fn out(
    id: i64,
    unit_id: i64,
    unit_name: String,
    f: &PolicyFields,
    published_at: Option<String>,
    today: chrono::NaiveDate,
) -> PolicyOut {
    let input = f.input(None);
    PolicyOut {
        id,
        unit_id,
        unit_name,
        title: f.title.clone(),
        summary: f.summary.clone(),
        level: f.level.code().into(),
        level_label: f.level.label().into(),
        doc_no: f.doc_no.clone(),
        valid_until: f.valid_until.map(|d| d.to_string()),
        in_force: f.in_force(today),
        benefit_type: f.benefit_type.code().into(),
        benefit_type_label: f.benefit_type.label().into(),
        mode: f.mode.code().into(),
        mode_label: f.mode.label().into(),
        amount: input.amount,
        amount_text: f.amount.as_ref().map(|a| a.words()).unwrap_or_default(),
        window: input.window,
        open_now: f.open_on(today),
        guide: f.guide.clone(),
        rule: input.rule,
        rule_text: describe(&f.rule),
        document_ids: f.document_ids.clone(),
        interpretation_ids: f.interpretation_ids.clone(),
        industries: f.industries(),
        districts: f.districts(),
        published_at,
        url: format!("/policies/{id}"),
    }
}

async fn public_out(state: &AppState, p: &LivePolicy) -> ApiResult<PolicyOut> {
    let tree = state.unit_tree().await?;
    let unit = tree.get(p.unit_id).map(|u| u.name.clone()).unwrap_or_default();
    let published = gongkai_domain::time::format_instant(p.published_at);
    Ok(out(p.id, p.unit_id, unit, &p.fields, Some(published), state.today()))
}

/// 惠企政策列表
#[derive(Debug, Serialize, ToSchema)]
pub struct PolicyList {
    pub total: usize,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<PolicyOut>,
    /// 各筛选项的政策数（在当前结果中）
    pub facets: Facets,
}

/// 惠企政策库（公开）：按层级、发布单位、扶持方式、行业、区县、有效性、兑现方式筛选，并可检索
#[utoipa::path(get, path = "/api/v1/policies", tag = "policies",
    params(
        ("q" = Option<String>, Query, description = "检索政策名称、摘要、文号和申兑指南"),
        ("level" = inline(Option<crate::api::schema::PolicyLevelCode>), Query),
        ("unit" = Option<i64>, Query, description = "发布单位"),
        ("benefit_type" = inline(Option<crate::api::schema::BenefitTypeCode>), Query),
        ("mode" = inline(Option<crate::api::schema::PolicyModeCode>), Query),
        ("industry" = Option<String>, Query, pattern = "^[A-Ta-t]([0-9]{2,4})?$", description = "国民经济行业分类代码或其开头，如 C 或 I65"),
        ("district" = Option<String>, Query, pattern = "^[0-9]{6}$", description = "区县行政区划代码，如 370112"),
        ("validity" = inline(Option<crate::api::schema::PolicyValidityCode>), Query),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)
    ),
    responses((status = 200, body = PolicyList), (status = 422, body = Problem)))]
pub async fn list_policies(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<PolicyList>> {
    let (page, per_page) = paging(&q, 20, 100)?;
    let (filter, errors) = public_filter(&q);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let lib = library::library(&state).await?;
    let (found, facets) = library::search(&lib, &filter, state.today());
    let mut items = Vec::new();
    for p in found.iter().skip(((page - 1) * per_page) as usize).take(per_page as usize) {
        items.push(public_out(&state, p).await?);
    }
    Ok(Json(PolicyList { total: found.len(), page, per_page, items, facets }))
}

/// 惠企政策详情（公开）
#[utoipa::path(get, path = "/api/v1/policies/{id}", tag = "policies", params(("id" = i64, Path)),
    responses((status = 200, body = PolicyOut), (status = 404, body = Problem)))]
pub async fn get_policy(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<PolicyOut>> {
    let p = library::published(&state, path_id(&id)?).await?;
    Ok(Json(public_out(&state, &p).await?))
}

/// 政策计算器的请求
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchBody {
    /// 企业画像：credit_code、district、industry、size、founded_on、registered_capital_wan、employees、revenue_wan、tax_paid_wan、rd_expense_wan、rd_ratio、total_assets_wan、qualifications、ownership、export；未填的字段视为未知
    #[schema(value_type = Object)]
    pub profile: Value,
    /// 测算日期 YYYY-MM-DD，默认今天
    #[serde(default)]
    pub as_of: Option<String>,
}

/// 政策计算器（公开，无需登录）：按企业画像匹配当前有效、正在受理的政策，分为符合、可能符合（需补充信息）和不符合三组，并说明理由
#[utoipa::path(post, path = "/api/v1/policies/match", tag = "policies", request_body = MatchBody,
    responses((status = 200, body = MatchResult), (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn match_policies(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<MatchBody>,
) -> ApiResult<axum::response::Response> {
    let today = state.today();
    let as_of = match body.as_of.as_deref().map(str::trim) {
        None | Some("") => today,
        Some(d) => gongkai_domain::time::parse_date(d)
            .filter(|d| d.year_ce().1 >= 1949 && d.year_ce().1 <= 2100)
            .ok_or_else(|| Invalid::one("as_of", "测算日期", "应为 YYYY-MM-DD 格式的日期"))?,
    };
    let profile = EnterpriseProfile::from_json(&body.profile, today).map_err(|mut e| {
        for f in &mut e.0 {
            f.field = format!("profile.{}", f.field);
        }
        e
    })?;
    let lib = library::library(&state).await?;
    let json = tokio::task::spawn_blocking(move || matching::match_json(&lib, &profile, as_of))
        .await
        .map_err(|e| crate::errors::AppError::Internal(format!("matching: {e}")))?
        .map_err(|e| crate::errors::AppError::Internal(format!("matching: {e}")))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/json")], json).into_response())
}

use chrono::Datelike;

// ---- staff

/// 政策工作稿及其审核状态
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffPolicyOut {
    /// 工作稿
    pub policy: PolicyOut,
    /// draft / review_first / review_second / review_final / published / withdrawn
    pub status: String,
    pub status_label: String,
    /// 是否有已发布的版本
    pub has_live: bool,
    pub updated_at: String,
}

async fn staff_out(state: &AppState, p: &Policy) -> ApiResult<StaffPolicyOut> {
    let tree = state.unit_tree().await?;
    let unit = tree.get(p.unit_id).map(|u| u.name.clone()).unwrap_or_default();
    let published = p.published_at.map(gongkai_domain::time::format_instant);
    Ok(StaffPolicyOut {
        policy: out(p.id, p.unit_id, unit, &p.draft, published, state.today()),
        status: p.status.code().into(),
        status_label: p.status.label().into(),
        has_live: p.live.is_some(),
        updated_at: gongkai_domain::time::format_instant(p.updated_at),
    })
}

/// 本人可见的政策（含草稿和审核中的）
#[utoipa::path(get, path = "/api/v1/staff/policies", tag = "policies", security(("bearer" = [])),
    responses((status = 200, body = Vec<StaffPolicyOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn staff_list(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<Vec<StaffPolicyOut>>> {
    let mut items = Vec::new();
    for policy in super::staff_list(&state, &p).await? {
        items.push(staff_out(&state, &policy).await?);
    }
    Ok(Json(items))
}

/// 起草政策
#[utoipa::path(post, path = "/api/v1/staff/policies", tag = "policies", security(("bearer" = [])), request_body = PolicyInput,
    responses((status = 201, body = StaffPolicyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<PolicyInput>,
) -> ApiResult<(StatusCode, Json<StaffPolicyOut>)> {
    let policy = super::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(staff_out(&state, &policy).await?)))
}

/// 政策工作稿详情
#[utoipa::path(get, path = "/api/v1/staff/policies/{id}", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StaffPolicyOut), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<StaffPolicyOut>> {
    let policy = super::visible(&state, &p, path_id(&id)?).await?;
    Ok(Json(staff_out(&state, &policy).await?))
}

/// 保存政策草稿
#[utoipa::path(put, path = "/api/v1/staff/policies/{id}", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PolicyInput,
    responses((status = 200, body = StaffPolicyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicyInput>,
) -> ApiResult<Json<StaffPolicyOut>> {
    let policy = super::update(&state, &p, path_id(&id)?, &body).await?;
    Ok(Json(staff_out(&state, &policy).await?))
}

/// 政策审核操作
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyActionBody {
    /// submit（提交审核）/ approve（审核通过）/ reject（退回）/ revise（修订）/ discard（放弃修订）/ withdraw（撤下）
    pub action: String,
    /// 退回或撤下的理由
    #[serde(default)]
    pub comment: String,
}

/// 审核流程操作：提交、通过（终审通过即发布）、退回、修订、放弃修订、撤下
#[utoipa::path(post, path = "/api/v1/staff/policies/{id}/actions", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PolicyActionBody,
    responses((status = 200, body = StaffPolicyOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PolicyActionBody>,
) -> ApiResult<Json<StaffPolicyOut>> {
    let action = super::PolicyAction::parse(&body.action, &body.comment)?;
    let policy = super::act(&state, &p, path_id(&id)?, &action).await?;
    Ok(Json(staff_out(&state, &policy).await?))
}

/// 企业名录导入
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnterprisesBody {
    /// 企业画像的列表，每家须有 credit_code 和 name；按统一社会信用代码新增或更新
    #[schema(value_type = Vec<Object>)]
    pub enterprises: Vec<Value>,
}

/// 导入的结果
#[derive(Debug, Serialize, ToSchema)]
pub struct RegisterReport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// 导入企业名录（新增或更新；全部通过检查才写入）
#[utoipa::path(post, path = "/api/v1/staff/enterprises", tag = "policies", security(("bearer" = [])), request_body = EnterprisesBody,
    responses((status = 200, body = RegisterReport), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn import_enterprises(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<EnterprisesBody>,
) -> ApiResult<Json<RegisterReport>> {
    let r = super::register::import_json(&state, &p, &body.enterprises).await?;
    Ok(Json(RegisterReport { created: r.created, updated: r.updated, unchanged: r.unchanged }))
}

/// 按企业名录测算政策：列出符合和可能符合的企业及理由
#[utoipa::path(get, path = "/api/v1/staff/policies/{id}/register", tag = "policies", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = super::register::RegisterRun), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn run_register(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<super::register::RegisterRun>> {
    Ok(Json(super::register::run(&state, &p, path_id(&id)?).await?))
}

/// The policies' API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_policies))
        .routes(routes!(match_policies))
        .routes(routes!(get_policy))
        .routes(routes!(staff_list, create))
        .routes(routes!(get, save))
        .routes(routes!(act))
        .routes(routes!(import_enterprises))
        .routes(routes!(run_register))
        .merge(super::claims::api_routes())
        .merge(super::redemption::api_routes())
        .merge(super::stats::api_routes())
        .merge(super::subscriptions::api_routes())
}
