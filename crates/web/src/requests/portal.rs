//! The citizen's pages: how to apply, the application form (no account, no JavaScript
//! needed), the acknowledgement with tracking number and query code, and the tracking page.

use super::Intake;
use super::api::{PublicRequest, public_view};
use super::challenge::{self, Challenge};
use crate::app::AppState;
use crate::auth::ClientIp;
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id, read_upload};
use crate::page::{Page, html, html_form};
use crate::portal::page;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use gongkai_domain::request_form::{Delivery, IdType, ProvisionForm, RequestInput};
use gongkai_domain::requests::ApplicantType;
use gongkai_domain::units::{UnitKind, UnitTree};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(index))
        .route("/requests/new", get(new_form).post(submit).layer(DefaultBodyLimit::max(super::APPLICATION_BODY_LIMIT)))
        .route("/requests/track", get(track_query).post(track_form))
        .route("/requests/{tracking_no}", get(track_path))
        .route("/requests/{tracking_no}/files/{id}", get(file).post(file_form))
        .merge(super::report::portal_routes())
}

/// A choice in a select: value, label, whether it is a heading only.
pub struct Choice {
    pub value: String,
    pub label: String,
}

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v).into(), label: label(*v).into() }).collect()
}

/// Units grouped as people look for them: the city government with its departments, then
/// each district or zone with its departments, towns and streets.
pub struct UnitOptionGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

pub fn unit_options(tree: &UnitTree) -> Vec<UnitOptionGroup> {
    tree.all()
        .iter()
        .filter(|u| !u.is_closed() && matches!(u.kind, UnitKind::Government | UnitKind::Zone))
        .map(|g| UnitOptionGroup {
            label: g.name.clone(),
            options: std::iter::once(g)
                .chain(tree.children(g.id).filter(|c| {
                    !c.is_closed() && matches!(c.kind, UnitKind::Department | UnitKind::Town | UnitKind::Street)
                }))
                .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/requests.html")]
struct IndexTemplate {
    page: Page,
    track: FormView,
    /// The unit whose section the page is shown in: (id, name, closed).
    unit: Option<(i64, String, bool)>,
}

async fn index(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let mut page = page(&state, &headers, "依申请公开", "/requests", "gongkai")
        .column("依申请公开", "依申请公开", "在线申请政府信息公开，凭申请编号和查询码查询办理进度。")
        .crumb("政务公开", "/gongkai");
    // Reached from a unit's 政府信息公开 section: stay in it, and apply to that unit.
    let tree = state.unit_tree().await?;
    let unit = q.opt("unit").and_then(|u| u.trim().parse::<i64>().ok()).and_then(|id| tree.get(id));
    if let Some(u) = unit {
        page = page.in_unit_gongkai(u.id, &u.name, "requests");
    }
    let unit = unit.map(|u| (u.id, u.name.clone(), u.is_closed()));
    Ok(html(&IndexTemplate { page, track: FormView::default(), unit }))
}

#[derive(Template)]
#[template(path = "portal/request_form.html")]
struct FormTemplate {
    page: Page,
    f: FormView,
    units: Vec<UnitOptionGroup>,
    applicant_types: Vec<Choice>,
    id_types: Vec<Choice>,
    provision_forms: Vec<Choice>,
    deliveries: Vec<Choice>,
    challenge: Challenge,
}

async fn render_form(state: &AppState, headers: &HeaderMap, ip: &str, f: FormView) -> PageResult {
    let tree = state.unit_tree().await?;
    let failed = f.failed();
    let page = page(state, headers, "在线申请政府信息公开", "/requests/new", "gongkai")
        .column("依申请公开", "依申请公开", "在线提交政府信息公开申请，无需注册账号。")
        .crumb("政务公开", "/gongkai")
        .crumb("依申请公开", "/requests");
    let t = FormTemplate {
        page,
        f,
        units: unit_options(&tree),
        applicant_types: codes(ApplicantType::ALL, ApplicantType::code, ApplicantType::label),
        id_types: codes(IdType::ALL, IdType::code, IdType::label),
        provision_forms: codes(ProvisionForm::ALL, ProvisionForm::code, ProvisionForm::label),
        deliveries: codes(Delivery::ALL, Delivery::code, Delivery::label),
        challenge: challenge::issue(state, ip).await?,
    };
    Ok(html_form(&t, failed))
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Query(q): Query,
) -> PageResult {
    let mut values = Fields::default();
    if let Some(u) = q.opt("unit") {
        values = Fields::parse(format!("unit_id={}", u.trim()).as_bytes());
    }
    render_form(&state, &headers, &ip, FormView::new(values)).await
}

pub fn input_from(f: &Fields) -> RequestInput {
    RequestInput {
        applicant_type: f.get("applicant_type").into(),
        name: f.get("name").into(),
        id_type: f.get("id_type").into(),
        id_number: f.get("id_number").into(),
        credit_code: f.get("credit_code").into(),
        legal_representative: f.get("legal_representative").into(),
        contact_person: f.get("contact_person").into(),
        phone: f.get("phone").into(),
        email: f.get("email").into(),
        address: f.get("address").into(),
        postcode: f.get("postcode").into(),
        description: f.get("description").into(),
        provision_form: f.get("provision_form").into(),
        delivery: f.get("delivery").into(),
    }
}

#[derive(Template)]
#[template(path = "portal/request_ack.html")]
struct AckTemplate {
    page: Page,
    tracking_no: String,
    query_code: String,
    unit: String,
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    form: Multipart,
) -> PageResult {
    let upload = read_upload(form).await?;
    let f = upload.fields;
    let intake = Intake {
        unit_id: f.get("unit_id").into(),
        challenge_id: f.get("challenge_id").into(),
        challenge_answer: f.get("challenge_answer").into(),
        identity_proof: upload.file.filter(|(_, b)| !b.is_empty()).map(|(n, b)| (n, b.to_vec())),
    };
    match super::submit(&state, &input_from(&f), &intake, &ip).await {
        Ok(ack) => {
            let page = page(&state, &headers, "申请已提交", "/requests/new", "gongkai")
                .crumb("政务公开", "/gongkai")
                .crumb("依申请公开", "/requests");
            Ok(html(&AckTemplate {
                page,
                tracking_no: ack.request.tracking_no.clone(),
                query_code: ack.query_code.clone(),
                unit: super::unit_name(&state, ack.request.unit_id).await,
            }))
        }
        Err(e) => {
            let errors = e.form_errors()?;
            // The answer was used up; the new form carries a new question.
            let kept = f.without(&["challenge_answer", "challenge_id"]);
            render_form(&state, &headers, &ip, FormView::with_errors(kept, errors)).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal/request_track.html")]
struct TrackTemplate {
    page: Page,
    view: PublicRequest,
    /// Carried in the download forms' bodies, never in a URL.
    code: String,
}

async fn show(state: &AppState, headers: &HeaderMap, ip: &str, tracking_no: &str, code: &str) -> PageResult {
    let fields = Fields::parse(
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("tracking_no", tracking_no)
            .finish()
            .as_bytes(),
    );
    match super::track(state, tracking_no, code, ip).await {
        Ok(r) => {
            let view = public_view(state, &r, code).await?;
            let page = page(state, headers, &format!("申请 {}", r.tracking_no), "/requests/track", "gongkai")
                .crumb("政务公开", "/gongkai")
                .crumb("依申请公开", "/requests");
            let mut res = html(&TrackTemplate { page, view, code: code.trim().to_string() });
            res.headers_mut()
                .insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("private, no-store"));
            Ok(res)
        }
        Err(e) => {
            let errors = e.form_errors()?;
            Ok(html_form(
                &IndexTemplate {
                    page: index_page(state, headers),
                    track: FormView::with_errors(fields, errors),
                    unit: None,
                },
                true,
            ))
        }
    }
}

fn index_page(state: &AppState, headers: &HeaderMap) -> Page {
    page(state, headers, "依申请公开", "/requests", "gongkai").crumb("政务公开", "/gongkai")
}

async fn track_query(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Query(q): Query,
) -> PageResult {
    if q.get("tracking_no").trim().is_empty() && q.get("code").trim().is_empty() {
        return Ok(html(&IndexTemplate { page: index_page(&state, &headers), track: FormView::default(), unit: None }));
    }
    show(&state, &headers, &ip, q.get("tracking_no"), q.get("code")).await
}

async fn track_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form,
) -> PageResult {
    show(&state, &headers, &ip, f.get("tracking_no"), f.get("code")).await
}

async fn track_path(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(tracking_no): Path<String>,
    Query(q): Query,
) -> PageResult {
    if q.get("code").trim().is_empty() {
        let fields = Fields::parse(
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("tracking_no", &tracking_no)
                .finish()
                .as_bytes(),
        );
        return Ok(html(&IndexTemplate {
            page: index_page(&state, &headers),
            track: FormView::new(fields),
            unit: None,
        }));
    }
    show(&state, &headers, &ip, &tracking_no, q.get("code")).await
}

async fn file(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path((tracking_no, id)): Path<(String, String)>,
    Query(q): Query,
) -> Result<Response, AppError> {
    let r = super::track(&state, &tracking_no, q.get("code"), &ip).await?;
    let f = state
        .store
        .request_file(path_id(&id)?)
        .await?
        .filter(|f| f.request_id == r.id && f.public)
        .ok_or(AppError::NotFound)?;
    super::staff_api::file_response(&state, &f.sha256, &f.content_type, &f.name).await
}

/// Downloads from the tracking page: the code travels in the form body, so it stays out of
/// browser history and proxy logs.
async fn file_form(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path((tracking_no, id)): Path<(String, String)>,
    Form(f): Form,
) -> Result<Response, AppError> {
    let r = super::track(&state, &tracking_no, f.get("code"), &ip).await?;
    let f = state
        .store
        .request_file(path_id(&id)?)
        .await?
        .filter(|x| x.request_id == r.id && x.public)
        .ok_or(AppError::NotFound)?;
    super::staff_api::file_response(&state, &f.sha256, &f.content_type, &f.name).await
}
