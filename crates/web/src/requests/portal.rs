//! The citizen's pages: how to apply, the application form (no account, no JavaScript
//! needed), the acknowledgement with tracking number and query code, and the tracking page.

use super::Intake;
use super::api::{PublicRequest, public_view};
use super::challenge::{self, Challenge};
use super::correction::Asked;
use crate::app::AppState;
use crate::auth::ClientIp;
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id, read_upload};
use crate::page::{Page, html, html_form, no_store};
use crate::portal::page;
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use gongkai_domain::request_form::{Delivery, IdType, ProvisionForm, RequestInput};
use gongkai_domain::requests::ApplicantType;
use gongkai_domain::units::{UnitKind, UnitTree};
use gongkai_store::requests::Request;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/requests", get(index))
        .route("/requests/new", get(new_form).post(submit).layer(DefaultBodyLimit::max(super::APPLICATION_BODY_LIMIT)))
        .route("/requests/track", get(track_query).post(track_form))
        .route("/requests/{tracking_no}", get(track_path))
        .route("/requests/{tracking_no}/files/{id}", get(file).post(file_form))
        .route(
            "/requests/{tracking_no}/correction",
            post(correct).layer(DefaultBodyLimit::max(super::correction::CORRECTION_BODY_LIMIT)),
        )
        .route("/requests/{tracking_no}/receipt", post(receipt))
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
    /// The identity proof uploaded with a form that came back with errors, kept on the server.
    proof: Option<KeptProof>,
}

/// An identity proof kept between a form with errors and its next submission: the browser
/// cannot keep a chosen file across the page, so the server holds it (checked, in the file
/// store) and the form carries a signed, short-lived token naming it.
pub struct KeptProof {
    pub name: String,
    pub size: String,
    pub token: String,
}

fn size_text(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Keeps a checked identity proof for the next try and gives the form its token.
async fn keep_proof(state: &AppState, name: &str, bytes: &[u8]) -> Result<KeptProof, AppError> {
    let token = gongkai_app::requests::keep_proof(state, name, bytes).await?;
    Ok(KeptProof { name: name.to_string(), size: size_text(bytes.len()), token })
}

async fn render_form(state: &AppState, headers: &HeaderMap, ip: &str, f: FormView) -> PageResult {
    let challenge = challenge::issue(state, ip).await?;
    render_form_with(state, headers, f, challenge, None).await
}

async fn render_form_with(
    state: &AppState,
    headers: &HeaderMap,
    f: FormView,
    challenge: Challenge,
    proof: Option<KeptProof>,
) -> PageResult {
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
        challenge,
        proof,
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
    // A newly chosen file replaces the one kept from the last try; “remove” drops that one.
    let mut proof = upload.file.filter(|(_, b)| !b.is_empty()).map(|(n, b)| (n, b.to_vec()));
    let token = f.get("identity_proof_token").trim().to_string();
    if proof.is_none() && !token.is_empty() && f.get("identity_proof_remove") != "1" {
        match gongkai_app::requests::kept_proof(&state, &token).await? {
            Ok(kept) => proof = Some(kept),
            Err(problem) => {
                // Never submit without the file the applicant believes is attached.
                let errors = gongkai_domain::validation::Invalid::one("identity_proof", "身份证明", problem);
                let kept = f.without(&["identity_proof_token", "identity_proof_remove"]);
                return again(&state, &headers, &ip, kept, errors, None).await;
            }
        }
    }
    let intake = Intake {
        unit_id: f.get("unit_id").into(),
        challenge_id: f.get("challenge_id").into(),
        challenge_answer: f.get("challenge_answer").into(),
        identity_proof: proof,
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
            // A checked file is kept for the next try; one refused is named in the errors.
            let proof = match &intake.identity_proof {
                Some((name, bytes)) if errors.message_for("identity_proof").is_none() => {
                    Some(keep_proof(&state, name, bytes).await?)
                }
                _ => None,
            };
            let kept = f.without(&["identity_proof_token", "identity_proof_remove"]);
            again(&state, &headers, &ip, kept, errors, proof).await
        }
    }
}

/// The form again after errors, with every typed value. The challenge stays as it was when
/// it was not used (it is checked only once the rest of the form is right), with the answer
/// already typed; a used one (wrong answer) or one whose hour is over is replaced by a new
/// question, and the applicant is told why next to it.
async fn again(
    state: &AppState,
    headers: &HeaderMap,
    ip: &str,
    mut kept: Fields,
    mut errors: gongkai_domain::validation::Invalid,
    proof: Option<KeptProof>,
) -> PageResult {
    let challenge = challenge::again(state, ip, &mut kept, &mut errors).await?;
    render_form_with(state, headers, FormView::with_errors(kept, errors), challenge, proof).await
}

#[derive(Template)]
#[template(path = "portal/request_track.html")]
struct TrackTemplate {
    page: Page,
    view: PublicRequest,
    /// Carried in the download forms' bodies, never in a URL.
    code: String,
    /// At 待申请人补正: what the office asked for, and the correction form.
    asked: Option<Asked>,
    cf: FormView,
    /// A confirmation shown above the case (the correction was received).
    notice: String,
}

fn tracking_fields(tracking_no: &str) -> Fields {
    Fields::parse(
        url::form_urlencoded::Serializer::new(String::new())
            .append_pair("tracking_no", tracking_no)
            .finish()
            .as_bytes(),
    )
}

/// The tracking page of a case whose code was checked.
async fn track_page(
    state: &AppState,
    headers: &HeaderMap,
    r: &Request,
    code: &str,
    cf: FormView,
    notice: String,
) -> PageResult {
    let view = public_view(state, r, code).await?;
    let asked = super::correction::asked(state, r).await?;
    let page = page(state, headers, &format!("申请 {}", r.tracking_no), "/requests/track", "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("依申请公开", "/requests");
    let failed = cf.failed();
    let t = TrackTemplate { page, view, code: code.trim().to_string(), asked, cf, notice };
    Ok(no_store(html_form(&t, failed)))
}

/// The tracking form again, with the message for a wrong number or code.
fn wrong_code(state: &AppState, headers: &HeaderMap, tracking_no: &str, e: AppError) -> PageResult {
    let errors = e.form_errors()?;
    Ok(html_form(
        &IndexTemplate {
            page: index_page(state, headers),
            track: FormView::with_errors(tracking_fields(tracking_no), errors),
            unit: None,
        },
        true,
    ))
}

async fn show(state: &AppState, headers: &HeaderMap, ip: &str, tracking_no: &str, code: &str) -> PageResult {
    match super::track(state, tracking_no, code, ip).await {
        Ok(r) => track_page(state, headers, &r, code, FormView::default(), String::new()).await,
        Err(e) => wrong_code(state, headers, tracking_no, e.into()),
    }
}

/// The applicant's correction, sent from the tracking page (the code in the body).
async fn correct(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(tracking_no): Path<String>,
    form: Multipart,
) -> PageResult {
    let upload = crate::forms::read_upload_with(form, 4000).await?;
    let (f, files): (Fields, Vec<(String, Vec<u8>)>) =
        (upload.fields, upload.files.into_iter().map(|(name, bytes)| (name, bytes.to_vec())).collect());
    let code = f.get("code").to_string();
    let r = match super::track(&state, &tracking_no, &code, &ip).await {
        Ok(r) => r,
        Err(e) => return wrong_code(&state, &headers, &tracking_no, e.into()),
    };
    match super::correction::submit_correction(&state, &r, &ip, f.get("text"), &files).await {
        Ok(now) => {
            let due = now.due_on.map(|d| format!("，答复期限至 {d}")).unwrap_or_default();
            let received = now.clarification_received_on.map(|d| d.to_string()).unwrap_or_default();
            let notice = format!(
                "补正材料已提交。{}已收到您的补正，答复期限自 {received} 起重新计算{due}。",
                super::unit_name(&state, now.unit_id).await
            );
            track_page(&state, &headers, &now, &code, FormView::default(), notice).await
        }
        Err(e) => {
            let e = AppError::from(e);
            let status = e.status();
            let mut errors = e.form_errors()?;
            if !files.is_empty() && !errors.0.iter().any(|e| e.field == "files" || e.field == "state") {
                errors.push("files", "补正材料", "所选文件尚未提交，请重新选择");
            }
            let kept = f.without(&["code"]);
            let mut res =
                track_page(&state, &headers, &r, &code, FormView::with_errors(kept, errors), String::new()).await?;
            // 422 for bad input, 409 for a case not awaiting correction.
            *res.status_mut() = status;
            Ok(res)
        }
    }
}

#[derive(Template)]
#[template(path = "portal/request_receipt.html")]
struct ReceiptTemplate {
    page: Page,
    tracking_no: String,
    query_code: String,
    unit: String,
    unit_phone: String,
    unit_address: String,
    submitted_at: String,
    received_on: Option<String>,
    due_on: Option<String>,
    status_label: String,
    track_url: String,
}

/// 回执: a page to print or keep, reached with the code in the body (never in a URL).
async fn receipt(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(tracking_no): Path<String>,
    Form(f): Form,
) -> PageResult {
    let code = f.get("code").trim().to_string();
    let r = match super::track(&state, &tracking_no, &code, &ip).await {
        Ok(r) => r,
        Err(e) => return wrong_code(&state, &headers, &tracking_no, e.into()),
    };
    let tree = state.unit_tree().await?;
    let unit = tree.get(r.unit_id);
    let deadline = super::current_deadline(&state, &r).await?;
    let base = state.site.public_url.trim_end_matches('/');
    let page = page(&state, &headers, "申请回执", "/requests/track", "gongkai")
        .crumb("政务公开", "/gongkai")
        .crumb("依申请公开", "/requests");
    Ok(no_store(html(&ReceiptTemplate {
        page,
        tracking_no: r.tracking_no.clone(),
        query_code: code.to_ascii_uppercase(),
        unit: unit.map(|u| u.name.clone()).unwrap_or_default(),
        unit_phone: unit.map(|u| u.phone.clone()).unwrap_or_default(),
        unit_address: unit.map(|u| u.address.clone()).unwrap_or_default(),
        submitted_at: gongkai_domain::time::display_instant_at(r.submitted_at),
        received_on: r.received_on.map(|d| d.to_string()),
        due_on: deadline.due_on,
        status_label: r.state.label().into(),
        track_url: format!("{base}/requests/track"),
    })))
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
        let fields = tracking_fields(&tracking_no);
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
    let f = super::public_file(&state, &r, path_id(&id)?).await?;
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
    let f = super::public_file(&state, &r, path_id(&id)?).await?;
    super::staff_api::file_response(&state, &f.sha256, &f.content_type, &f.name).await
}
