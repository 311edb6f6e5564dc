//! Console pages of open days: the list, the form, each event with its review actions, roster
//! (with the personal data only the organiser sees), selection and record; the series form;
//! and the check-in page for a phone at the door, which works without JavaScript and, with it,
//! offline (a service worker keeps the page, a local queue keeps the codes until the network
//! is back; the server never counts a code twice). Every write goes through
//! `gongkai_app::open_day`.

use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, review_actions, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html, html_form, refused, see};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gongkai_app::open_day::registrations::{self, Decision};
use gongkai_app::open_day::{self, ReviewAction, SeriesInput};
use gongkai_domain::business_policy::district_name;
use gongkai_domain::open_day::input::{EventFields, EventInput, FieldKind, FormField};
use gongkai_domain::open_day::{ApprovalMode, EventKind};
use gongkai_domain::staff::Action;
use gongkai_domain::time::local_minute_at;
use gongkai_domain::validation::Invalid;
use gongkai_store::open_day::OpenDay;
use gongkai_store::open_day::registrations::Registration;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open-days", get(list))
        .route("/open-days/new", get(new).post(create))
        .route("/open-days/series", post(create_series))
        .route("/open-days/check-in-sw.js", get(service_worker))
        .route("/open-days/{id}", get(show))
        .route("/open-days/{id}/edit", get(edit).post(save))
        .route("/open-days/{id}/actions", post(act))
        .route("/open-days/{id}/record", post(record))
        .route("/open-days/{id}/check-in", get(check_in_page).post(check_in))
        .route("/open-days/{id}/counts", get(counts))
        .route("/open-day-registrations/{id}/decision", post(decide))
}

struct Row {
    id: i64,
    title: String,
    unit: String,
    status: &'static str,
    phase: &'static str,
    live: bool,
    starts: String,
    counts: String,
}

#[derive(Template)]
#[template(path = "console/open_days.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    may_draft: bool,
    series: FormView,
    series_list: Vec<gongkai_store::open_day::Series>,
    year: i32,
    figures: Vec<crate::open_day::api::YearFiguresOut>,
}

fn counts_text(e: &OpenDay) -> String {
    let c = e.counts;
    let mut s = format!("报名成功 {}", c.holding);
    if c.waiting > 0 {
        s.push_str(&format!("，候补 {}", c.waiting));
    }
    if c.pending > 0 {
        s.push_str(&format!("，待审核 {}", c.pending));
    }
    if c.attended > 0 {
        s.push_str(&format!("，签到 {}", c.attended));
    }
    s
}

async fn list_page(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, series: FormView) -> PageResult {
    let all = open_day::staff_list(state, p).await?;
    let tree = state.unit_tree().await?;
    let now = state.now();
    let page = with_notice(console_page(state, headers, p, "政府开放", "/admin/open-days", "open_days").await, q);
    let rows = all
        .iter()
        .map(|e| Row {
            id: e.id,
            title: e.draft.title.clone(),
            unit: tree.get(e.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
            status: e.review.status.label(),
            phase: e.live.as_ref().map_or("—", |l| l.schedule().phase_at(now).label()),
            live: e.live.is_some(),
            starts: local_minute_at(e.draft.schedule.starts),
            counts: counts_text(e),
        })
        .collect();
    let series_list = open_day::series_all(state).await?;
    let failed = series.failed();
    let year = chrono::Datelike::year(&state.today());
    let figures = crate::open_day::api::year_figures(state, p, year).await.map_err(|e| e.0)?;
    let t = ListTemplate { page, rows, may_draft: p.may(Action::DraftDocuments), series, series_list, year, figures };
    Ok(html_form(&t, failed))
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    list_page(&state, &headers, &p, &q, FormView::default()).await
}

async fn create_series(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Form(f): Form,
) -> PageResult {
    let input = SeriesInput {
        unit_id: None,
        title: f.get("title").into(),
        summary: f.get("summary").into(),
        starts_on: f.get("starts_on").into(),
        ends_on: f.get("ends_on").into(),
    };
    match open_day::create_series(&state, &p, &input).await {
        Ok(_) => Ok(see("/admin/open-days".into(), "series_saved")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            list_page(&state, &headers, &p, &Fields::default(), FormView::with_errors(f, e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/open_day_form.html")]
struct FormTemplate {
    page: Page,
    form: FormView,
    id: Option<i64>,
    units: Vec<crate::units::UnitOption>,
    kinds: &'static [EventKind],
    modes: &'static [ApprovalMode],
    districts: Vec<(String, String)>,
    series: Vec<gongkai_store::open_day::Series>,
}

/// The event's own fields as the form writes them: one per line, `标识|名称|类型|必填|选项、选项`.
fn fields_text(fields: &[FormField]) -> String {
    fields
        .iter()
        .map(|f| {
            format!(
                "{}|{}|{}|{}|{}",
                f.key,
                f.label,
                f.kind.code(),
                if f.required { "必填" } else { "选填" },
                f.options.join("、")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn parse_fields(text: &str) -> Result<Vec<FormField>, Invalid> {
    let mut out = Vec::new();
    for (i, line) in text.lines().map(str::trim).filter(|l| !l.is_empty()).enumerate() {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        let bad =
            || Invalid::one("fields", "报名表栏目", format!("第 {} 行应为“标识|名称|类型|必填或选填|选项”", i + 1));
        if parts.len() < 3 {
            return Err(bad());
        }
        let kind = FieldKind::parse(parts[2]).ok_or_else(bad)?;
        out.push(FormField {
            key: parts[0].to_string(),
            label: parts[1].to_string(),
            kind,
            required: parts.get(3).is_some_and(|r| *r == "必填" || *r == "required"),
            options: parts
                .get(4)
                .map(|o| {
                    o.split(['、', ',', '，']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
                })
                .unwrap_or_default(),
        });
    }
    Ok(out)
}

fn form_of(e: &EventFields, unit_id: i64) -> Fields {
    let s = e.schedule;
    let mut pairs: Vec<(String, String)> = vec![
        ("unit_id".into(), unit_id.to_string()),
        ("series_id".into(), e.series_id.map(|s| s.to_string()).unwrap_or_default()),
        ("kind".into(), e.kind.code().into()),
        ("title".into(), e.title.clone()),
        ("description".into(), e.description.clone()),
        ("place".into(), e.place.clone()),
        ("starts_at".into(), local_minute_at(s.starts)),
        ("ends_at".into(), local_minute_at(s.ends)),
        ("registration_opens_at".into(), local_minute_at(s.registration_opens)),
        ("registration_closes_at".into(), local_minute_at(s.registration_closes)),
        ("capacity".into(), e.capacity.to_string()),
        ("reserved".into(), e.reserved.to_string()),
        ("approval".into(), e.approval.code().into()),
        ("min_age".into(), e.rules.min_age.map(|a| a.to_string()).unwrap_or_default()),
        ("max_age".into(), e.rules.max_age.map(|a| a.to_string()).unwrap_or_default()),
        ("fields".into(), fields_text(&e.fields)),
    ];
    pairs.extend(e.rules.districts.iter().map(|d| ("districts".to_string(), d.clone())));
    let encoded: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Fields::parse(encoded.as_bytes())
}

fn input_of(f: &Fields) -> Result<EventInput, Invalid> {
    let mut e = Invalid::default();
    let mut count = |name: &str, label: &str| -> u32 {
        match f.get(name).trim() {
            "" => 0,
            v => v.parse().unwrap_or_else(|_| {
                e.push(name, label, "应为不小于 0 的整数");
                0
            }),
        }
    };
    let capacity = count("capacity", "总名额");
    let reserved = count("reserved", "预留名额");
    let age = |name: &str, label: &str, e: &mut Invalid| -> Option<u32> {
        match f.get(name).trim() {
            "" => None,
            v => v.parse().map_err(|_| e.push(name, label, "应为整数（周岁）")).ok(),
        }
    };
    let min_age = age("min_age", "最小年龄", &mut e);
    let max_age = age("max_age", "最大年龄", &mut e);
    let fields = parse_fields(f.get("fields")).map_err(|x| e.0.extend(x.0)).unwrap_or_default();
    let unit_id = f.int("unit_id", "主办单位").map_err(|x| e.0.extend(x.0)).unwrap_or(None);
    let series_id = f.int("series_id", "所属系列活动").map_err(|x| e.0.extend(x.0)).unwrap_or(None);
    e.into_result(EventInput {
        unit_id,
        series_id,
        kind: f.get("kind").into(),
        title: f.get("title").into(),
        description: f.get("description").into(),
        place: f.get("place").into(),
        starts_at: f.get("starts_at").into(),
        ends_at: f.get("ends_at").into(),
        registration_opens_at: f.get("registration_opens_at").into(),
        registration_closes_at: f.get("registration_closes_at").into(),
        capacity,
        reserved,
        approval: f.get("approval").into(),
        min_age,
        max_age,
        districts: f.all("districts").into_iter().map(str::to_string).collect(),
        fields,
    })
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: Option<i64>,
    form: FormView,
) -> PageResult {
    let title = if id.is_some() { "修改政府开放活动" } else { "起草政府开放活动" };
    let page = console_page(state, headers, p, title, "/admin/open-days", "open_days").await;
    let tree = state.unit_tree().await?;
    let within = if p.require(Action::DraftDocuments, gongkai_domain::staff::Reach::Global).is_ok() {
        None
    } else {
        Some(p.user.unit_id)
    };
    let units = crate::units::unit_options(&tree, within);
    let series = open_day::series_all(state).await?;
    let failed = form.failed();
    let t = FormTemplate {
        page,
        form,
        id,
        units,
        kinds: EventKind::ALL,
        modes: ApprovalMode::ALL,
        districts: crate::business_policy::district_options(),
        series,
    };
    Ok(html_form(&t, failed))
}

async fn new(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    let f = Fields::default().with("unit_id", &p.user.unit_id.to_string()).with("approval", "first_come");
    form_page(&state, &headers, &p, None, FormView::new(f)).await
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    let created = match input_of(&f) {
        Ok(input) => open_day::create(&state, &p, &input).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match created {
        Ok(e) => Ok(see(format!("/admin/open-days/{}", e.id), "open_day_saved")),
        Err(e) => form_page(&state, &headers, &p, None, FormView::with_errors(f, e.form_errors()?)).await,
    }
}

async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> PageResult {
    let e = open_day::visible(&state, &p, path_id(&id)?).await?;
    form_page(&state, &headers, &p, Some(e.id), FormView::new(form_of(&e.draft, e.unit_id))).await
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let saved = match input_of(&f) {
        Ok(input) => open_day::update(&state, &p, id, &input).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match saved {
        Ok(_) => Ok(see(format!("/admin/open-days/{id}"), "open_day_saved")),
        Err(e) => form_page(&state, &headers, &p, Some(id), FormView::with_errors(f, e.form_errors()?)).await,
    }
}

/// A registration as the organiser's roster shows it.
struct RosterRow {
    r: Registration,
    district: String,
    answers: String,
    pending: bool,
}

#[derive(Template)]
#[template(path = "console/open_day.html")]
struct ShowTemplate {
    page: Page,
    e: OpenDay,
    unit: String,
    phase: &'static str,
    when: String,
    registration: String,
    actions: Vec<(&'static str, &'static str)>,
    roster: Option<Vec<RosterRow>>,
    counts: String,
    error: String,
    may_draft: bool,
}

async fn show_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    id: i64,
    error: String,
) -> PageResult {
    let (e, roster) = registrations::console_view(state, p, id).await?;
    let tree = state.unit_tree().await?;
    let page = with_notice(console_page(state, headers, p, &e.draft.title, "/admin/open-days", "open_days").await, q);
    let actions = review_actions(state, p, e.unit_id, e.review.status, e.live.is_some()).await;
    let may_draft = p.require_for_unit(state, Action::DraftDocuments, e.unit_id).await.is_ok();
    // The roster, with personal data, for the organiser only.
    let roster = roster.map(|list| {
        let labels: Vec<(String, String)> = e.draft.fields.iter().map(|f| (f.key.clone(), f.label.clone())).collect();
        list.into_iter()
            .map(|r| RosterRow {
                district: r.district.as_deref().map(district_name).unwrap_or_default(),
                answers: r
                    .answers
                    .iter()
                    .map(|(k, v)| {
                        let label = labels.iter().find(|(key, _)| key == k).map_or(k.as_str(), |(_, l)| l.as_str());
                        format!("{label}：{v}")
                    })
                    .collect::<Vec<_>>()
                    .join("；"),
                pending: r.status == gongkai_domain::open_day::registration::RegistrationStatus::Pending,
                r,
            })
            .collect()
    });
    let f = e.live.as_ref().unwrap_or(&e.draft);
    let s = f.schedule;
    let res = html(&ShowTemplate {
        page,
        unit: tree.get(e.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        phase: if e.live.is_some() { f.schedule().phase_at(state.now()).label() } else { "未发布" },
        when: format!("{} 至 {}", local_minute_at(s.starts), local_minute_at(s.ends)),
        registration: format!(
            "{} 至 {}",
            local_minute_at(s.registration_opens),
            local_minute_at(s.registration_closes)
        ),
        actions,
        roster,
        counts: counts_text(&e),
        error: error.clone(),
        may_draft,
        e,
    });
    Ok(if error.is_empty() { res } else { refused(res) })
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    show_page(&state, &headers, &p, &q, path_id(&id)?, String::new()).await
}

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = match ReviewAction::parse(f.get("action"), f.get("comment")) {
        Ok(a) => open_day::act(&state, &p, id, &a).await.map(|_| ()).map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match done {
        Ok(()) => Ok(see(format!("/admin/open-days/{id}"), &format!("document_{}", f.get("action")))),
        Err(e) => show_page(&state, &headers, &p, &Fields::default(), id, e.form_errors()?.to_string()).await,
    }
}

async fn record(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = match f.int("document_id", "活动记录") {
        Ok(Some(doc)) => open_day::set_record(&state, &p, id, doc).await.map(|_| ()).map_err(AppError::from),
        Ok(None) => Err(AppError::Invalid(Invalid::one("document_id", "活动记录", "请填写已发布的活动纪要的文件 id"))),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match done {
        Ok(()) => Ok(see(format!("/admin/open-days/{id}"), "open_day_record")),
        Err(e) => show_page(&state, &headers, &p, &Fields::default(), id, e.form_errors()?.to_string()).await,
    }
}

async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let event_id = registrations::event_of(&state, &p, id).await?;
    let done = match Decision::parse(f.get("action")) {
        Ok(d) => registrations::decide(&state, &p, id, d).await.map(|_| ()).map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match done {
        Ok(()) => Ok(see(format!("/admin/open-days/{event_id}"), "registration_decided")),
        Err(e) => show_page(&state, &headers, &p, &Fields::default(), event_id, e.form_errors()?.to_string()).await,
    }
}

#[derive(Template)]
#[template(path = "console/open_day_check_in.html")]
struct CheckInTemplate {
    page: Page,
    id: i64,
    title: String,
    when: String,
    attended: u32,
    holding: u32,
    results: Vec<crate::open_day::api::CheckInOut>,
    form: FormView,
}

async fn check_in_view(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: i64,
    results: Vec<crate::open_day::api::CheckInOut>,
    form: FormView,
) -> PageResult {
    let e = open_day::visible(state, p, id).await?;
    p.require_for_unit(state, Action::DraftDocuments, e.unit_id).await?;
    let page = console_page(state, headers, p, "入场签到", "/admin/open-days", "open_days").await;
    let s = e.draft.schedule;
    let failed = form.failed();
    let t = CheckInTemplate {
        page,
        id,
        title: e.title().to_string(),
        when: format!("{} 至 {}", local_minute_at(s.starts), local_minute_at(s.ends)),
        attended: e.counts.attended,
        holding: e.counts.holding,
        results,
        form,
    };
    Ok(html_form(&t, failed))
}

async fn check_in_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> PageResult {
    check_in_view(&state, &headers, &p, path_id(&id)?, vec![], FormView::default()).await
}

/// Codes typed or scanned at the door: from the form (one or more, one per line), or from the
/// page's script replaying its offline queue (`Accept: application/json`, answered as JSON).
async fn check_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> Result<Response, AppError> {
    let id = path_id(&id)?;
    let codes: Vec<String> =
        f.get("codes").split(['\n', ',', ' ']).map(str::trim).filter(|c| !c.is_empty()).map(str::to_string).collect();
    let wants_json =
        headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("application/json"));
    match registrations::check_in(&state, &p, id, &codes).await {
        Ok((results, counts)) => {
            let results: Vec<_> = results.into_iter().map(crate::open_day::api::check_in_out).collect();
            if wants_json {
                let out =
                    crate::open_day::api::CheckInsOut { results, counts: crate::open_day::api::counts_out(counts) };
                return Ok(Json(out).into_response());
            }
            check_in_view(&state, &headers, &p, id, results, FormView::default()).await
        }
        Err(e) => {
            let e = AppError::from(e);
            if wants_json {
                return Err(e);
            }
            let errors = e.form_errors()?;
            check_in_view(&state, &headers, &p, id, vec![], FormView::with_errors(f, errors)).await
        }
    }
}

/// The attendance now, for the check-in page's live count (every phone at the door).
async fn counts(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>) -> Result<Response, AppError> {
    let e = open_day::visible(&state, &p, path_id(&id)?).await?;
    let mut res = Json(crate::open_day::api::counts_out(e.counts)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The check-in page's service worker: keeps the check-in pages it has seen and the site's
/// assets, so a phone that loses the network at the door can reload the page and go on
/// (the codes wait in the page's local queue).
async fn service_worker() -> Response {
    let mut res = crate::assets::CHECK_IN_SW.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/javascript; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("service-worker-allowed", HeaderValue::from_static("/admin/open-days/"));
    res
}
