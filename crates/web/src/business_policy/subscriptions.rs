//! Kept 企业画像 and subscriptions on the web: saving from the calculator's result (with the
//! challenge), opening with the credit code and query code, the feed of matching policies, and
//! the same as JSON.

use super::portal::{FeedEntry, FeedTemplate, profile_of};
use crate::app::AppState;
use crate::auth::ClientIp;
use crate::errors::{ApiResult, AppError, PageResult, Problem};
use crate::forms::{ApiJson, ApiQuery, Fields, Form, FormView};
use crate::page::{Page, html, html_form, no_store};
use crate::portal::page;
use crate::requests::challenge::{self, Challenge};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use gongkai_app::business_policy::matching::{Eligible, MatchResult, Possible};
use gongkai_app::business_policy::subscriptions::{self, Kept};
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use gongkai_domain::validation::Invalid;
use gongkai_store::business_policy::subscriptions::SavedProfile;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

pub fn portal_routes() -> Router<AppState> {
    Router::new()
        .route("/policies/profiles", get(open_form).post(keep))
        .route("/policies/profiles/confirm", post(confirm))
        .route("/policies/profiles/open", post(open))
        .route("/policies/subscriptions/{token}/feed.atom", get(feed))
}

fn crumbs(state: &AppState, headers: &HeaderMap, title: &str) -> Page {
    page(state, headers, title, "/policies/profiles", "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("政策库", "/policies")
        .crumb("政策计算器", "/policies/calculator")
}

/// The profile's values carried from the calculator, without the page's own fields.
fn carried(f: &Fields) -> Vec<(String, String)> {
    const OWN: [&str; 5] = ["code", "challenge_id", "challenge_question", "challenge_answer", "as_of"];
    f.pairs().iter().filter(|(k, _)| !OWN.contains(&k.as_str())).cloned().collect()
}

#[derive(Template)]
#[template(path = "portal/policy_profile_save.html")]
struct ConfirmTemplate {
    page: Page,
    f: FormView,
    carried: Vec<(String, String)>,
    credit_code: String,
    name: String,
    challenge: Challenge,
}

async fn render_confirm(
    state: &AppState,
    headers: &HeaderMap,
    f: FormView,
    profile: &EnterpriseProfile,
    challenge: Challenge,
) -> PageResult {
    let failed = f.failed();
    let t = ConfirmTemplate {
        page: crumbs(state, headers, "保存企业画像"),
        carried: carried(&f.values),
        credit_code: profile.credit_code.clone().unwrap_or_default(),
        name: profile.name.clone().unwrap_or_default(),
        f,
        challenge,
    };
    Ok(no_store(html_form(&t, failed)))
}

/// The profile of a form from the calculator, with a credit code (what is kept by it).
fn carried_profile(state: &AppState, f: &Fields) -> Result<EnterpriseProfile, Invalid> {
    let p = profile_of(f, state.today())?;
    if p.credit_code.is_none() {
        return Err(Invalid::one(
            "credit_code",
            "统一社会信用代码",
            "保存企业画像须填写统一社会信用代码，请返回计算器填写",
        ));
    }
    Ok(p)
}

/// A form from the calculator that cannot be kept: the reason, and the way back.
fn refused(state: &AppState, headers: &HeaderMap, e: Invalid) -> PageResult {
    let t = OpenTemplate {
        page: crumbs(state, headers, "保存企业画像"),
        f: FormView::with_errors(Fields::default(), e),
        view: None,
        back: true,
    };
    Ok(html_form(&t, true))
}

async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form,
) -> PageResult {
    match carried_profile(&state, &f) {
        Ok(profile) => {
            let challenge = challenge::issue(&state, &ip).await?;
            render_confirm(&state, &headers, FormView::new(f), &profile, challenge).await
        }
        Err(e) => refused(&state, &headers, e),
    }
}

#[derive(Template)]
#[template(path = "portal/policy_profile_kept.html")]
struct KeptTemplate {
    page: Page,
    kept: Kept,
    base: String,
}

async fn keep(State(state): State<AppState>, headers: HeaderMap, ClientIp(ip): ClientIp, Form(f): Form) -> PageResult {
    let profile = match carried_profile(&state, &f) {
        Ok(p) => p,
        Err(e) => return refused(&state, &headers, e),
    };
    let answer = (f.get("challenge_id"), f.get("challenge_answer"));
    match subscriptions::keep(&state, &profile, f.get("code"), answer, &ip).await {
        Ok(kept) => {
            let page = crumbs(&state, &headers, "企业画像已保存");
            Ok(no_store(html(&KeptTemplate { page, kept, base: state.base_url() })))
        }
        Err(e) => {
            let mut errors = AppError::from(e).form_errors()?;
            let mut kept = f;
            let challenge = challenge::again(&state, &ip, &mut kept, &mut errors).await?;
            render_confirm(&state, &headers, FormView::with_errors(kept, errors), &profile, challenge).await
        }
    }
}

/// A kept profile with what it matches.
struct ProfileView {
    saved: SavedProfile,
    result: MatchResult,
    base: String,
}

#[derive(Template)]
#[template(path = "portal/policy_profile.html")]
struct OpenTemplate {
    page: Page,
    f: FormView,
    view: Option<ProfileView>,
    /// Refused from the calculator: link back to it.
    back: bool,
}

async fn open_form(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let page = crumbs(&state, &headers, "我的惠企政策");
    Ok(html(&OpenTemplate { page, f: FormView::default(), view: None, back: false }))
}

async fn open(State(state): State<AppState>, headers: HeaderMap, ClientIp(ip): ClientIp, Form(f): Form) -> PageResult {
    let page = crumbs(&state, &headers, "我的惠企政策");
    match subscriptions::open(&state, f.get("credit_code"), f.get("code"), &ip).await {
        Ok(saved) => {
            let result = subscriptions::matches(&state, &saved, None).await?;
            let view = Some(ProfileView { saved, result, base: state.base_url() });
            Ok(no_store(html(&OpenTemplate { page, f: FormView::default(), view, back: false })))
        }
        Err(e) => {
            let errors = AppError::from(e).form_errors()?;
            let t =
                OpenTemplate { page, f: FormView::with_errors(f.without(&["code"]), errors), view: None, back: false };
            Ok(html_form(&t, true))
        }
    }
}

/// The policies a kept profile matches, newest first, as Atom: a feed reader shows each new one.
async fn feed(State(state): State<AppState>, Path(token): Path<String>) -> PageResult {
    let saved = subscriptions::by_feed(&state, &token).await?;
    let result = subscriptions::matches(&state, &saved, None).await?;
    let lib = gongkai_app::business_policy::library::library(&state).await?;
    let tree = state.unit_tree().await?;
    let mut entries: Vec<(chrono::DateTime<chrono::Utc>, i64, FeedEntry)> = Vec::new();
    let words = |e: &Eligible| e.why.iter().map(|w| w.text.clone()).collect::<Vec<_>>().join("；");
    let rows = result.eligible.iter().map(|e| (e.policy_id, format!("【符合】{}", e.title), words(e))).chain(
        result.possible.iter().map(|p: &Possible| {
            (p.policy_id, format!("【可能符合】{}", p.title), format!("还需填写：{}", p.unknown_labels.join("、")))
        }),
    );
    for (id, title, summary) in rows {
        if let Some(p) = lib.policies.iter().find(|p| p.id == id) {
            let author = tree.get(p.unit_id).map(|u| u.name.clone()).unwrap_or_default();
            let updated = gongkai_domain::time::format_instant(p.published_at);
            entries.push((
                p.published_at,
                id,
                FeedEntry { path: format!("/policies/{id}"), title, updated, author, summary },
            ));
        }
    }
    entries.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    let entries: Vec<FeedEntry> = entries.into_iter().take(100).map(|(_, _, e)| e).collect();
    let updated = entries.first().map(|e| e.updated.clone()).unwrap_or_else(|| "2000-01-01T00:00:00Z".into());
    let name = saved.profile.name.clone().unwrap_or_else(|| saved.credit_code.clone());
    FeedTemplate {
        title: format!("{name}适用的惠企政策 · {}", state.site.site_name),
        base: state.base_url(),
        feed_path: format!("/policies/subscriptions/{token}/feed.atom"),
        alternate: "/policies/profiles".into(),
        updated,
        entries,
    }
    .response()
    .map(no_store)
}

// ----- JSON -----

/// 保存或更新企业画像
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// 企业画像（须含 credit_code），字段同 POST /api/v1/policies/match
    #[schema(value_type = Object)]
    pub profile: Value,
    /// 查询码：更新已保存的画像时填写
    #[serde(default)]
    pub code: String,
    /// 验证题编号（GET /api/v1/requests/challenge），首次保存时必填
    #[serde(default)]
    pub challenge_id: String,
    #[serde(default)]
    pub challenge_answer: String,
}

/// 保存企业画像的结果
#[derive(Debug, Serialize, ToSchema)]
pub struct KeptOut {
    pub credit_code: String,
    /// 查询码：只在首次保存时给出一次
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// 订阅地址（Atom）
    pub feed_url: String,
    /// 订阅接口：新发布的适用政策
    pub subscription_url: String,
}

fn kept_out(state: &AppState, k: Kept) -> KeptOut {
    let base = state.base_url();
    KeptOut {
        feed_url: format!("{base}/policies/subscriptions/{}/feed.atom", k.feed_token),
        subscription_url: format!("{base}/api/v1/policies/subscriptions/{}", k.feed_token),
        credit_code: k.credit_code,
        code: k.code,
    }
}

/// 保存企业画像并订阅（首次保存须答验证题，得到查询码；凭查询码更新）
#[utoipa::path(post, path = "/api/v1/policies/profiles", tag = "policies", request_body = ProfileBody,
    responses((status = 201, body = KeptOut), (status = 200, body = KeptOut), (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn api_keep(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<(StatusCode, Json<KeptOut>)> {
    let profile = EnterpriseProfile::from_json(&body.profile, state.today()).map_err(|e| {
        Invalid(
            e.0.into_iter()
                .map(|mut f| {
                    f.field = format!("profile.{}", f.field);
                    f
                })
                .collect(),
        )
    })?;
    let kept =
        subscriptions::keep(&state, &profile, &body.code, (&body.challenge_id, &body.challenge_answer), &ip).await?;
    let status = if kept.code.is_some() { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(kept_out(&state, kept))))
}

/// 凭统一社会信用代码和查询码查看
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileOpenBody {
    pub credit_code: String,
    pub code: String,
}

/// 企业画像及其适用政策
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionOut {
    pub credit_code: String,
    pub name: Option<String>,
    /// 只列此日（含）以后发布的政策
    pub since: Option<String>,
    /// 保存的企业画像（查看时给出）
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub profile: Option<Value>,
    pub eligible: Vec<Eligible>,
    pub possible: Vec<Possible>,
    pub feed_url: String,
}

fn subscription_out(
    state: &AppState,
    saved: SavedProfile,
    r: MatchResult,
    since: Option<chrono::NaiveDate>,
    with_profile: bool,
) -> SubscriptionOut {
    SubscriptionOut {
        feed_url: format!("{}/policies/subscriptions/{}/feed.atom", state.base_url(), saved.feed_token),
        name: saved.profile.name.clone(),
        since: since.map(|d| d.to_string()),
        profile: with_profile.then(|| saved.profile.to_json()),
        credit_code: saved.credit_code,
        eligible: r.eligible,
        possible: r.possible,
    }
}

/// 查看保存的企业画像和适用政策
#[utoipa::path(post, path = "/api/v1/policies/profiles/open", tag = "policies", request_body = ProfileOpenBody,
    responses((status = 200, body = SubscriptionOut), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn api_open(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<ProfileOpenBody>,
) -> ApiResult<Json<SubscriptionOut>> {
    let saved = subscriptions::open(&state, &body.credit_code, &body.code, &ip).await?;
    let r = subscriptions::matches(&state, &saved, None).await?;
    Ok(Json(subscription_out(&state, saved, r, None, true)))
}

/// 订阅：企业画像适用的政策（since 之后发布的）
#[utoipa::path(get, path = "/api/v1/policies/subscriptions/{token}", tag = "policies",
    params(("token" = String, Path, description = "保存画像时得到的订阅令牌"), ("since" = Option<String>, Query, description = "YYYY-MM-DD：只列此日（含）以后发布的政策")),
    responses((status = 200, body = SubscriptionOut), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn api_subscription(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<SubscriptionOut>> {
    let since = match q.opt("since") {
        None => None,
        Some(d) => Some(
            gongkai_domain::time::parse_date(d)
                .ok_or_else(|| Invalid::one("since", "起始日期", "应为 YYYY-MM-DD 格式的日期"))?,
        ),
    };
    let saved = subscriptions::by_feed(&state, &token).await?;
    let r = subscriptions::matches(&state, &saved, since).await?;
    Ok(Json(subscription_out(&state, saved, r, since, false)))
}

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api_keep))
        .routes(routes!(api_open))
        .routes(routes!(api_subscription))
}
