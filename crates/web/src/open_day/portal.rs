//! The public pages of open days: the list and a series, an event with its record, the
//! registration form (no account, works without JavaScript), the answer with the code and its
//! QR image (drawn on the server), and looking up or cancelling a registration by its code.

use crate::app::AppState;
use crate::auth::ClientIp;
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html, html_form, no_store};
use crate::portal::page;
use crate::requests::challenge::{self, Challenge};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_app::open_day::registrations::{self, Lookup};
use gongkai_app::open_day::{self, Live};
use gongkai_domain::business_policy::district_name;
use gongkai_domain::open_day::EventPhase;
use gongkai_domain::open_day::code;
use gongkai_domain::open_day::input::{FieldKind, FormField, RegistrationInput};
use gongkai_domain::privacy::{mask_name, mask_phone};
use gongkai_domain::time::local_minute_at;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open-days", get(list))
        .route("/open-days/series/{id}", get(series))
        .route("/open-days/registration", get(lookup_form).post(lookup))
        .route("/open-days/registration/cancel", axum::routing::post(cancel))
        .route("/open-days/qr/{file}", get(qr))
        .route("/open-days/{id}", get(show))
        .route("/open-days/{id}/register", get(form).post(submit))
}

/// What a list shows of an event.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub kind: &'static str,
    pub place: String,
    pub starts: String,
    pub ends: String,
    pub phase: EventPhase,
    pub open_seats: u32,
    pub free: u32,
    pub waiting: u32,
    pub record: bool,
}

async fn row(state: &AppState, l: &Live) -> Result<Row, AppError> {
    let tree = state.unit_tree().await?;
    let s = l.fields.schedule;
    Ok(Row {
        id: l.id,
        title: l.fields.title.clone(),
        unit: tree.get(l.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
        kind: l.fields.kind.label(),
        place: l.fields.place.clone(),
        starts: local_minute_at(s.starts),
        ends: local_minute_at(s.ends).get(11..).unwrap_or_default().to_string(),
        phase: l.phase,
        open_seats: l.fields.seats().open(),
        free: l.free(),
        waiting: l.counts.waiting,
        record: l.record_document_id.is_some(),
    })
}

const PHASES: [(&str, &str); 4] = [
    ("registration_open", "报名中"),
    ("announced", "即将报名"),
    ("registration_closed", "报名截止"),
    ("finished", "活动回顾"),
];

#[derive(Template)]
#[template(path = "portal/open_days.html")]
struct ListTemplate {
    page: Page,
    items: Vec<Row>,
    series: Vec<gongkai_store::open_day::Series>,
    phase: String,
    phases: &'static [(&'static str, &'static str)],
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let phase = q.get("phase").trim().to_string();
    let mut all = open_day::published_list(&state).await?;
    // Coming events first, soonest first; then the past, latest first.
    all.sort_by_key(|l| (l.phase == EventPhase::Finished, l.phase != EventPhase::Finished, l.fields.schedule.starts));
    let (coming, mut past): (Vec<Live>, Vec<Live>) = all.into_iter().partition(|l| l.phase != EventPhase::Finished);
    past.reverse();
    let mut items = Vec::new();
    for l in coming.iter().chain(&past) {
        let shown = match phase.as_str() {
            "" => true,
            "registration_closed" => matches!(l.phase, EventPhase::RegistrationClosed | EventPhase::Ongoing),
            p => l.phase.code() == p,
        };
        if shown {
            items.push(row(&state, l).await?);
        }
    }
    let series = open_day::series_all(&state).await?;
    let p = page(&state, &headers, "政府开放", "/open-days", "open_days")
        .crumb("互动交流", "/hudong")
        .crumb("政府开放", "/open-days");
    Ok(html(&ListTemplate { page: p, items, series, phase, phases: &PHASES }))
}

#[derive(Template)]
#[template(path = "portal/open_day_series.html")]
struct SeriesTemplate {
    page: Page,
    s: gongkai_store::open_day::Series,
    unit: String,
    items: Vec<Row>,
}

async fn series(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let (s, events) = open_day::series(&state, path_id(&id)?).await?;
    let mut items = Vec::new();
    for l in &events {
        items.push(row(&state, l).await?);
    }
    let unit = state.unit_tree().await?.get(s.unit_id).map(|u| u.name.clone()).unwrap_or_default();
    let p = page(&state, &headers, &s.title, &format!("/open-days/series/{}", s.id), "open_days")
        .crumb("互动交流", "/hudong")
        .crumb("政府开放", "/open-days");
    Ok(html(&SeriesTemplate { page: p, s, unit, items }))
}

struct DocLink {
    id: i64,
    title: String,
}

#[derive(Template)]
#[template(path = "portal/open_day.html")]
struct ShowTemplate {
    page: Page,
    e: Row,
    unit_id: i64,
    unit_name: String,
    description: String,
    registration: String,
    approval: &'static str,
    rules: Vec<String>,
    closed: Option<&'static str>,
    series: Option<(i64, String)>,
    record: Option<DocLink>,
    confirmed: u32,
}

/// The eligibility rules in words.
fn rules_in_words(l: &Live) -> Vec<String> {
    let r = &l.fields.rules;
    let mut out = Vec::new();
    match (r.min_age, r.max_age) {
        (Some(a), Some(b)) => out.push(format!("年龄 {a} 至 {b} 周岁（按活动当日计算）")),
        (Some(a), None) => out.push(format!("年满 {a} 周岁（按活动当日计算）")),
        (None, Some(b)) => out.push(format!("不超过 {b} 周岁（按活动当日计算）")),
        (None, None) => {}
    }
    if !r.districts.is_empty() {
        let names: Vec<String> = r.districts.iter().map(|d| district_name(d)).collect();
        out.push(format!("居住在{}", names.join("、")));
    }
    if r.once_a_year {
        out.push("每人每年限报名旁听一次".into());
    }
    out
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let l = open_day::published(&state, path_id(&id)?).await?;
    let tree = state.unit_tree().await?;
    let record = match l.record_document_id {
        None => None,
        Some(d) => {
            gongkai_app::documents::public::document(&state, d).await?.map(|d| DocLink { id: d.id, title: d.title })
        }
    };
    let series = match l.series_id {
        None => None,
        Some(s) => open_day::one_series(&state, s).await?.map(|s| (s.id, s.title)),
    };
    let s = l.fields.schedule;
    let p = page(&state, &headers, &l.fields.title, &format!("/open-days/{}", l.id), "open_days")
        .crumb("互动交流", "/hudong")
        .crumb("政府开放", "/open-days");
    Ok(html(&ShowTemplate {
        page: p,
        e: row(&state, &l).await?,
        unit_id: l.unit_id,
        unit_name: tree.get(l.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        description: l.fields.description.clone(),
        registration: format!(
            "{} 至 {}",
            local_minute_at(s.registration_opens),
            local_minute_at(s.registration_closes)
        ),
        approval: l.fields.approval.label(),
        rules: rules_in_words(&l),
        closed: registrations::closed_reason(l.phase),
        series,
        record,
        confirmed: l.counts.holding,
    }))
}

/// A field of the event's own form, with its name in the HTML form.
struct ExtraField {
    name: String,
    label: String,
    kind: FieldKind,
    options: Vec<String>,
}

#[derive(Template)]
#[template(path = "portal/open_day_form.html")]
struct FormTemplate {
    page: Page,
    f: FormView,
    id: i64,
    title: String,
    extra: Vec<ExtraField>,
    districts: Vec<(String, String)>,
    district_required: bool,
    closed: Option<&'static str>,
    challenge: Option<Challenge>,
    free: u32,
    waiting: u32,
    selection: bool,
}

fn extra_fields(fields: &[FormField]) -> Vec<ExtraField> {
    fields
        .iter()
        .map(|f| ExtraField {
            name: format!("answers.{}", f.key),
            label: if f.required { f.label.clone() } else { format!("{}（可不填）", f.label) },
            kind: f.kind,
            options: f.options.clone(),
        })
        .collect()
}

async fn render_form(state: &AppState, headers: &HeaderMap, id: i64, f: FormView, c: Option<Challenge>) -> PageResult {
    let l = open_day::published(state, id).await?;
    let closed = registrations::closed_reason(l.phase);
    let p = page(state, headers, "活动报名", &format!("/open-days/{id}/register"), "open_days")
        .crumb("互动交流", "/hudong")
        .crumb("政府开放", "/open-days")
        .crumb(&l.fields.title, &format!("/open-days/{id}"));
    let failed = f.failed();
    let t = FormTemplate {
        page: p,
        f,
        id,
        title: l.fields.title.clone(),
        extra: extra_fields(&l.fields.fields),
        districts: crate::business_policy::district_options(),
        district_required: !l.fields.rules.districts.is_empty(),
        challenge: if closed.is_none() { c } else { None },
        closed,
        free: l.free(),
        waiting: l.counts.waiting,
        selection: l.fields.approval == gongkai_domain::open_day::ApprovalMode::Selection,
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
    let c = challenge::issue(&state, &ip).await?;
    render_form(&state, &headers, id, FormView::with_errors(Fields::default(), Default::default()), Some(c)).await
}

fn input_from(f: &Fields) -> RegistrationInput {
    let answers = f
        .pairs()
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("answers.").map(|key| (key.to_string(), v.clone())))
        .filter(|(_, v)| !v.trim().is_empty())
        .collect();
    RegistrationInput {
        name: f.get("name").into(),
        id_number: f.get("id_number").into(),
        phone: f.get("phone").into(),
        district: f.get("district").into(),
        answers,
        challenge_id: f.get("challenge_id").into(),
        challenge_answer: f.get("challenge_answer").into(),
    }
}

#[derive(Template)]
#[template(path = "portal/open_day_ack.html")]
struct AckTemplate {
    page: Page,
    code: String,
    qr: String,
    status: &'static str,
    status_code: &'static str,
    id: i64,
    title: String,
    when: String,
    place: String,
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    match registrations::register(&state, id, &input_from(&f), &ip).await {
        Ok(ack) => {
            let p = page(&state, &headers, "报名已提交", &format!("/open-days/{id}/register"), "open_days")
                .crumb("互动交流", "/hudong")
                .crumb("政府开放", "/open-days");
            let s = ack.event.fields.schedule;
            Ok(no_store(html(&AckTemplate {
                page: p,
                qr: qr_svg(&ack.code),
                status: ack.registration.status.label(),
                status_code: ack.registration.status.code(),
                code: ack.code,
                id,
                title: ack.event.fields.title.clone(),
                when: format!(
                    "{} 至 {}",
                    local_minute_at(s.starts),
                    local_minute_at(s.ends).get(11..).unwrap_or_default()
                ),
                place: ack.event.fields.place.clone(),
            })))
        }
        Err(e) => {
            let mut errors = AppError::from(e).form_errors()?;
            let mut kept = f;
            let c = challenge::again(&state, &ip, &mut kept, &mut errors).await?;
            render_form(&state, &headers, id, FormView::with_errors(kept, errors), Some(c)).await
        }
    }
}

/// The QR image of a code, drawn on the server as SVG (scales for print and the elder mode;
/// nothing is fetched from elsewhere).
fn qr_svg(code: &str) -> String {
    use qrcode::render::svg;
    match qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M) {
        Ok(q) => q
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build()
            .replacen("<?xml version=\"1.0\" standalone=\"yes\"?>", "", 1),
        Err(_) => String::new(),
    }
}

/// `/open-days/qr/{CODE}.svg`: the QR image of a well-formed code (no lookup: the image holds
/// nothing but the code in the address).
async fn qr(Path(file): Path<String>) -> Result<Response, AppError> {
    let raw = file.strip_suffix(".svg").ok_or(AppError::NotFound)?;
    let code = code::normalise(raw).ok_or(AppError::NotFound)?;
    let mut res = qr_svg(&code).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/svg+xml"));
    Ok(no_store(res))
}

/// A registration as its registrant reads it.
struct Mine {
    code: String,
    status: &'static str,
    status_code: &'static str,
    name: String,
    phone: String,
    received: String,
    checked_in: Option<String>,
    id: i64,
    title: String,
    when: String,
    place: String,
    notices: Vec<(String, String)>,
    can_cancel: bool,
    qr: String,
}

fn mine(code: &str, l: Lookup) -> Mine {
    let r = l.registration;
    let s = l.event.fields.schedule;
    let can_cancel =
        gongkai_domain::open_day::registration::next(r.status, gongkai_domain::open_day::registration::Step::Cancel)
            .is_ok()
            && l.event.phase != EventPhase::Finished;
    let code = code::normalise(code).unwrap_or_default();
    Mine {
        qr: if r.status.holds_seat() { qr_svg(&code) } else { String::new() },
        code,
        status: r.status.label(),
        status_code: r.status.code(),
        name: mask_name(&r.name),
        phone: mask_phone(&r.phone),
        received: local_minute_at(r.received_at),
        checked_in: r.checked_in_at.map(local_minute_at),
        id: l.event.id,
        title: l.event.fields.title.clone(),
        when: format!("{} 至 {}", local_minute_at(s.starts), local_minute_at(s.ends).get(11..).unwrap_or_default()),
        place: l.event.fields.place.clone(),
        notices: l.notices.into_iter().map(|n| (local_minute_at(n.created_at), n.text)).collect(),
        can_cancel,
    }
}

#[derive(Template)]
#[template(path = "portal/open_day_lookup.html")]
struct LookupTemplate {
    page: Page,
    f: FormView,
    found: Option<Mine>,
    cancelled_now: bool,
}

fn lookup_page(state: &AppState, headers: &HeaderMap) -> Page {
    page(state, headers, "查询报名", "/open-days/registration", "open_days")
        .crumb("互动交流", "/hudong")
        .crumb("政府开放", "/open-days")
}

async fn lookup_form(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let f = FormView::with_errors(Fields::default(), Default::default());
    Ok(html(&LookupTemplate { page: lookup_page(&state, &headers), f, found: None, cancelled_now: false }))
}

async fn lookup(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form,
) -> PageResult {
    let code = f.get("code").to_string();
    answer(&state, &headers, f, registrations::lookup(&state, &code, &ip).await, false)
}

async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form,
) -> PageResult {
    let code = f.get("code").to_string();
    answer(&state, &headers, f, registrations::cancel(&state, &code, &ip).await, true)
}

fn answer(
    state: &AppState,
    headers: &HeaderMap,
    f: Fields,
    found: Result<Lookup, gongkai_app::Error>,
    cancelling: bool,
) -> PageResult {
    let p = lookup_page(state, headers);
    match found {
        Ok(l) => {
            let found = mine(f.get("code"), l);
            let f = FormView::with_errors(f, Default::default());
            Ok(no_store(html(&LookupTemplate { page: p, f, found: Some(found), cancelled_now: cancelling })))
        }
        Err(e) => {
            let errors = AppError::from(e).form_errors()?;
            let f = FormView::with_errors(f, errors);
            let failed = f.failed();
            Ok(no_store(html_form(&LookupTemplate { page: p, f, found: None, cancelled_now: false }, failed)))
        }
    }
}
