//! 政府常务会议公开: the public pages (a list per unit and year, each meeting with its notice,
//! decisions and documents, and its live page), the console and the API of
//! `gongkai_app::meeting`.

use crate::app::AppState;
use crate::auth::{ApiStaff, Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{ApiResult, AppError, PageResult, Problem};
use crate::forms::{ApiJson, ApiQuery, Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html, html_form, see};
use crate::portal::page;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use gongkai_app::meeting;
use gongkai_domain::meeting::input::{DecisionInput, MeetingInput};
use gongkai_domain::meeting::{MeetingKind, MeetingStatus};
use gongkai_domain::staff::Action;
use gongkai_domain::time::local_minute_at;
use gongkai_store::meeting::{Decision, Meeting};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn portal_routes() -> Router<AppState> {
    Router::new().route("/meetings", get(list)).route("/meetings/{id}", get(show))
}

pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(console_list))
        .route("/meetings/new", get(new).post(create))
        .route("/meetings/{id}", get(console_show))
        .route("/meetings/{id}/edit", get(edit).post(save))
        .route("/meetings/{id}/announce", post(announce))
        .route("/meetings/{id}/withdraw", post(withdraw))
        .route("/meetings/{id}/decisions", post(decide))
}

/// A document a decision led to.
pub struct DocLink {
    pub id: i64,
    pub title: String,
}

/// A decision as pages show it.
pub struct DecisionView {
    pub item: u32,
    pub topic: String,
    pub decision: String,
    pub documents: Vec<DocLink>,
}

async fn decision_views(state: &AppState, m: &Meeting, decisions: &[Decision]) -> Result<Vec<DecisionView>, AppError> {
    let ids: Vec<i64> = decisions.iter().flat_map(|d| d.document_ids.iter().copied()).collect();
    let docs = gongkai_app::documents::public::documents(state, &ids).await?;
    Ok(decisions
        .iter()
        .map(|d| DecisionView {
            item: d.item,
            topic: m.fields.agenda.get(d.item as usize - 1).cloned().unwrap_or_default(),
            decision: d.decision.clone(),
            documents: d
                .document_ids
                .iter()
                .filter_map(|id| {
                    docs.iter().find(|x| x.id == *id).map(|x| DocLink { id: x.id, title: x.title.clone() })
                })
                .collect(),
        })
        .collect())
}

/// What a list shows of a meeting.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub held: String,
    pub place: String,
    pub items: usize,
    pub live: Option<i64>,
}

fn row(m: &Meeting) -> Row {
    Row {
        id: m.id,
        title: m.title.clone(),
        held: local_minute_at(m.fields.held_at),
        place: m.fields.place.clone(),
        items: m.fields.agenda.len(),
        live: m.live_blog_id,
    }
}

#[derive(Template)]
#[template(path = "portal/meetings.html")]
struct ListTemplate {
    page: Page,
    items: Vec<Row>,
    units: Vec<(i64, String)>,
    years: Vec<i32>,
    unit: Option<i64>,
    year: Option<i32>,
}

fn year_of(m: &Meeting) -> i32 {
    chrono::Datelike::year(&gongkai_domain::time::date_in_china(m.fields.held_at))
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let unit = q.opt("unit").and_then(|u| u.parse::<i64>().ok());
    let year = q.opt("year").and_then(|y| y.parse::<i32>().ok());
    let all = meeting::published_list(&state, None, None).await?;
    let tree = state.unit_tree().await?;
    let mut units: Vec<(i64, String)> = Vec::new();
    let mut years: Vec<i32> = Vec::new();
    for m in &all {
        if !units.iter().any(|(id, _)| *id == m.unit_id) {
            units.push((m.unit_id, tree.get(m.unit_id).map(|u| u.short_name.clone()).unwrap_or_default()));
        }
        if !years.contains(&year_of(m)) {
            years.push(year_of(m));
        }
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let items = all
        .iter()
        .filter(|m| unit.is_none_or(|u| m.unit_id == u) && year.is_none_or(|y| year_of(m) == y))
        .map(row)
        .collect();
    let p = page(&state, &headers, "政府会议", "/meetings", "meetings")
        .crumb("政务公开", "/gongkai")
        .crumb("政府会议", "/meetings");
    Ok(html(&ListTemplate { page: p, items, units, years, unit, year }))
}

#[derive(Template)]
#[template(path = "portal/meeting.html")]
struct ShowTemplate {
    page: Page,
    m: Row,
    unit_id: i64,
    unit_name: String,
    kind: &'static str,
    agenda: Vec<String>,
    observers: String,
    public_seats: u32,
    decisions: Vec<DecisionView>,
    held: bool,
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let (m, decisions) = meeting::published(&state, path_id(&id)?).await?;
    let tree = state.unit_tree().await?;
    let p = page(&state, &headers, &m.title, &format!("/meetings/{}", m.id), "meetings")
        .crumb("政务公开", "/gongkai")
        .crumb("政府会议", "/meetings");
    Ok(html(&ShowTemplate {
        page: p,
        decisions: decision_views(&state, &m, &decisions).await?,
        unit_id: m.unit_id,
        unit_name: tree.get(m.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        kind: m.fields.kind.label(),
        agenda: m.fields.agenda.clone(),
        observers: m.fields.observers.clone(),
        public_seats: m.fields.public_seats,
        held: state.now() >= m.fields.held_at,
        m: row(&m),
    }))
}

// ----- console -----

#[derive(Template)]
#[template(path = "console/meetings.html")]
struct ConsoleListTemplate {
    page: Page,
    rows: Vec<(Row, &'static str)>,
    may_draft: bool,
}

async fn console_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    let page = with_notice(console_page(&state, &headers, &p, "政府会议", "/admin/meetings", "meetings").await, &q);
    let rows = meeting::staff_list(&state, &p).await?.iter().map(|m| (row(m), m.status.label())).collect();
    Ok(html(&ConsoleListTemplate { page, rows, may_draft: p.may(Action::DraftDocuments) }))
}

#[derive(Template)]
#[template(path = "console/meeting_form.html")]
struct FormTemplate {
    page: Page,
    form: FormView,
    id: Option<i64>,
    kinds: &'static [MeetingKind],
}

fn input_of(f: &Fields) -> MeetingInput {
    MeetingInput {
        unit_id: None,
        kind: f.get("kind").into(),
        number: f.get("number").into(),
        held_at: f.get("held_at").into(),
        place: f.get("place").into(),
        agenda: f.get("agenda").lines().map(str::to_string).collect(),
        observers: f.get("observers").into(),
        public_seats: f.get("public_seats").trim().parse().unwrap_or(0),
    }
}

fn form_of(m: &Meeting) -> Fields {
    let pairs = [
        ("kind", m.fields.kind.code().to_string()),
        ("number", m.fields.number.to_string()),
        ("held_at", local_minute_at(m.fields.held_at)),
        ("place", m.fields.place.clone()),
        ("agenda", m.fields.agenda.join("\n")),
        ("observers", m.fields.observers.clone()),
        ("public_seats", m.fields.public_seats.to_string()),
    ];
    let encoded: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Fields::parse(encoded.as_bytes())
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: Option<i64>,
    form: FormView,
) -> PageResult {
    let title = if id.is_some() { "修改会议" } else { "新建会议" };
    let page = console_page(state, headers, p, title, "/admin/meetings", "meetings").await;
    let failed = form.failed();
    Ok(html_form(&FormTemplate { page, form, id, kinds: MeetingKind::ALL }, failed))
}

async fn new(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    form_page(&state, &headers, &p, None, FormView::new(Fields::default().with("kind", "executive"))).await
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    match meeting::create(&state, &p, &input_of(&f)).await {
        Ok(m) => Ok(see(format!("/admin/meetings/{}", m.id), "meeting_saved")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            form_page(&state, &headers, &p, None, FormView::with_errors(f, e)).await
        }
    }
}

async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> PageResult {
    let m = meeting::visible(&state, &p, path_id(&id)?).await?;
    form_page(&state, &headers, &p, Some(m.id), FormView::new(form_of(&m))).await
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    match meeting::update(&state, &p, id, &input_of(&f)).await {
        Ok(_) => Ok(see(format!("/admin/meetings/{id}"), "meeting_saved")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            form_page(&state, &headers, &p, Some(id), FormView::with_errors(f, e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/meeting.html")]
struct ConsoleShowTemplate {
    page: Page,
    m: Meeting,
    held: String,
    decisions: Vec<DecisionView>,
    form: FormView,
    announced: bool,
    may_review: bool,
    /// When and why the notice was withdrawn, as shown.
    withdrawn: Option<(String, String)>,
}

async fn console_page_of(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    id: i64,
    form: FormView,
) -> PageResult {
    let m = meeting::visible(state, p, id).await?;
    let decisions = meeting::decisions(state, &m).await?;
    let page = with_notice(console_page(state, headers, p, &m.title, "/admin/meetings", "meetings").await, q);
    let failed = form.failed();
    let t = ConsoleShowTemplate {
        page,
        held: local_minute_at(m.fields.held_at),
        decisions: decision_views(state, &m, &decisions).await?,
        form,
        announced: m.status == MeetingStatus::Announced,
        may_review: p.require_for_unit(state, Action::ReviewDocuments, m.unit_id).await.is_ok(),
        withdrawn: m.withdrawn.as_ref().map(|(at, note)| (local_minute_at(*at), note.clone())),
        m,
    };
    Ok(html_form(&t, failed))
}

async fn console_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    console_page_of(&state, &headers, &p, &q, path_id(&id)?, FormView::default()).await
}

async fn announce(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id)?;
    match meeting::announce(&state, &p, id).await {
        Ok(_) => Ok(see(format!("/admin/meetings/{id}"), "meeting_announced")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            console_page_of(&state, &headers, &p, &Fields::default(), id, FormView::with_errors(Fields::default(), e))
                .await
        }
    }
}

async fn withdraw(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    match meeting::withdraw(&state, &p, id, f.get("note")).await {
        Ok(_) => Ok(see(format!("/admin/meetings/{id}"), "meeting_withdrawn")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            console_page_of(&state, &headers, &p, &Fields::default(), id, FormView::with_errors(f, e)).await
        }
    }
}

fn decision_input(f: &Fields) -> Result<DecisionInput, gongkai_domain::validation::Invalid> {
    let mut ids = Vec::new();
    for s in f.get("document_ids").split([',', '，', ' ', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
        ids.push(s.parse::<i64>().map_err(|_| {
            gongkai_domain::validation::Invalid::one("document_ids", "相关文件", format!("“{s}”不是文件 id"))
        })?);
    }
    Ok(DecisionInput {
        item: f.get("item").trim().parse().unwrap_or(0),
        decision: f.get("decision").into(),
        document_ids: ids,
    })
}

async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = match decision_input(&f) {
        Ok(input) => meeting::decide(&state, &p, id, &input).await.map(|_| ()).map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match done {
        Ok(()) => Ok(see(format!("/admin/meetings/{id}"), "meeting_decided")),
        Err(e) => {
            let e = e.form_errors()?;
            console_page_of(&state, &headers, &p, &Fields::default(), id, FormView::with_errors(f, e)).await
        }
    }
}

// ----- API -----

/// 会议决定
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionOut {
    /// 议题序号（从 1 开始）
    pub item: u32,
    pub topic: String,
    pub decision: String,
    pub document_ids: Vec<i64>,
}

/// 政府会议
#[derive(Debug, Serialize, ToSchema)]
pub struct MeetingOut {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    /// executive / plenary / thematic
    pub kind: String,
    pub number: u32,
    /// 北京时间 YYYY-MM-DD HH:MM
    pub held_at: String,
    pub place: String,
    pub agenda: Vec<String>,
    pub observers: String,
    pub public_seats: u32,
    /// draft / announced / withdrawn
    pub status: String,
    /// 撤回原因（预告已撤回时）
    pub withdrawn_note: Option<String>,
    pub decisions: Vec<DecisionOut>,
    /// 图文直播 id
    pub live_blog_id: Option<i64>,
    pub url: String,
}

fn meeting_out(m: &Meeting, decisions: &[Decision]) -> MeetingOut {
    MeetingOut {
        id: m.id,
        unit_id: m.unit_id,
        title: m.title.clone(),
        kind: m.fields.kind.code().into(),
        number: m.fields.number,
        held_at: local_minute_at(m.fields.held_at),
        place: m.fields.place.clone(),
        agenda: m.fields.agenda.clone(),
        observers: m.fields.observers.clone(),
        public_seats: m.fields.public_seats,
        status: m.status.code().into(),
        withdrawn_note: m.withdrawn.as_ref().map(|(_, note)| note.clone()),
        decisions: decisions
            .iter()
            .map(|d| DecisionOut {
                item: d.item,
                topic: m.fields.agenda.get(d.item as usize - 1).cloned().unwrap_or_default(),
                decision: d.decision.clone(),
                document_ids: d.document_ids.clone(),
            })
            .collect(),
        live_blog_id: m.live_blog_id,
        url: format!("/meetings/{}", m.id),
    }
}

/// 政府会议（公开）：已发布预告的会议，最近的在前；可按单位和年度筛选
#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings",
    params(("unit" = Option<i64>, Query, description = "召开会议的单位"), ("year" = Option<i32>, Query, minimum = 1900, maximum = 2200, description = "年度")),
    responses((status = 200, body = Vec<MeetingOut>), (status = 422, body = Problem)))]
pub async fn api_list(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<Vec<MeetingOut>>> {
    let unit = q.int("unit", "单位")?;
    let year = q.int("year", "年度")?;
    let year = match year {
        None => None,
        Some(y) if (1900..=2200).contains(&y) => Some(i32::try_from(y).unwrap_or(0)),
        Some(_) => return Err(gongkai_domain::validation::Invalid::one("year", "年度", "应为 1900 至 2200").into()),
    };
    let listed = meeting::published_list_with_decisions(&state, unit, year).await?;
    Ok(Json(listed.iter().map(|(m, d)| meeting_out(m, d)).collect()))
}

/// 政府会议详情（公开）
#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)),
    responses((status = 200, body = MeetingOut), (status = 404, body = Problem)))]
pub async fn api_get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<MeetingOut>> {
    let (m, d) = meeting::published(&state, path_id(&id)?).await?;
    Ok(Json(meeting_out(&m, &d)))
}

/// 工作人员：本人可见单位的会议（含草稿和已撤回预告的），最近的在前
#[utoipa::path(get, path = "/api/v1/staff/meetings", tag = "meetings", security(("bearer" = [])),
    responses((status = 200, body = Vec<MeetingOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn api_staff_list(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<Vec<MeetingOut>>> {
    let all = meeting::staff_list(&state, &p).await?;
    Ok(Json(all.iter().map(|m| meeting_out(m, &[])).collect()))
}

/// 工作人员：一次会议及已记录的决定（含草稿和已撤回预告的）
#[utoipa::path(get, path = "/api/v1/staff/meetings/{id}", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MeetingOut), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn api_staff_get(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingOut>> {
    let m = meeting::visible(&state, &p, path_id(&id)?).await?;
    let d = meeting::decisions(&state, &m).await?;
    Ok(Json(meeting_out(&m, &d)))
}

/// 工作人员：新建会议（草稿）
#[utoipa::path(post, path = "/api/v1/staff/meetings", tag = "meetings", security(("bearer" = [])), request_body = MeetingInput,
    responses((status = 201, body = MeetingOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_create(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<MeetingInput>,
) -> ApiResult<(StatusCode, Json<MeetingOut>)> {
    let m = meeting::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(meeting_out(&m, &[]))))
}

/// 工作人员：修改会议
#[utoipa::path(put, path = "/api/v1/staff/meetings/{id}", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)), request_body = MeetingInput,
    responses((status = 200, body = MeetingOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_save(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MeetingInput>,
) -> ApiResult<Json<MeetingOut>> {
    let m = meeting::update(&state, &p, path_id(&id)?, &body).await?;
    let d = meeting::decisions(&state, &m).await?;
    Ok(Json(meeting_out(&m, &d)))
}

/// 工作人员：发布会议预告（审核人员）
#[utoipa::path(post, path = "/api/v1/staff/meetings/{id}/announce", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = MeetingOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn api_announce(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<MeetingOut>> {
    let m = meeting::announce(&state, &p, path_id(&id)?).await?;
    Ok(Json(meeting_out(&m, &[])))
}

/// 撤回会议预告
#[derive(Debug, Deserialize, ToSchema)]
pub struct WithdrawBody {
    /// 撤回原因（如：会议延期，另行通知）
    #[schema(min_length = 1, max_length = 500)]
    pub note: String,
}

/// 工作人员：撤回已发布的会议预告（审核人员；已记录决定的会议不能撤回），门户网站不再显示
#[utoipa::path(post, path = "/api/v1/staff/meetings/{id}/withdraw", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)), request_body = WithdrawBody,
    responses((status = 200, body = MeetingOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_withdraw(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<WithdrawBody>,
) -> ApiResult<Json<MeetingOut>> {
    let m = meeting::withdraw(&state, &p, path_id(&id)?, &body.note).await?;
    Ok(Json(meeting_out(&m, &[])))
}

/// 工作人员：记录议题的决定及据此公开的文件（会后）
#[utoipa::path(post, path = "/api/v1/staff/meetings/{id}/decisions", tag = "meetings", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = MeetingOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn api_decide(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionInput>,
) -> ApiResult<Json<MeetingOut>> {
    let id = path_id(&id)?;
    let d = meeting::decide(&state, &p, id, &body).await?;
    let m = meeting::visible(&state, &p, id).await?;
    Ok(Json(meeting_out(&m, &d)))
}

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(api_list))
        .routes(routes!(api_get))
        .routes(routes!(api_staff_list, api_create))
        .routes(routes!(api_staff_get, api_save))
        .routes(routes!(api_announce))
        .routes(routes!(api_withdraw))
        .routes(routes!(api_decide))
}
