//! Console pages of applications: the queue with due-soon and overdue cases, registration of
//! applications received by other channels, the case page with every step as a form, and the
//! coordination queue of units asked by others.

use super::api::{StaffRequest, staff_view_of};
use super::portal::{Choice, UnitOptionGroup, input_from};
use super::staff_api::{CoordinationOut, RequestList, add_provided_file, coordinations_for, list_page, serve_file};
use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id, read_upload, read_upload_with};
use crate::page::{Page, html, html_form};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use gongkai_app::requests::{StepBody, take_named_step};
use gongkai_domain::processing_fee::FeeBasis;
use gongkai_domain::request_form::{Delivery, IdType, ProvisionForm};
use gongkai_domain::request_lifecycle::RequestState;
use gongkai_domain::requests::{ApplicantType, Channel, Outcome};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_store::requests::Request;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/requests", get(queue))
        .route("/requests/new", get(new_form).post(register))
        .route("/requests/export", get(export))
        .route("/requests/{id}", get(case))
        .route("/requests/{id}/steps/{step}", post(take_step))
        .route("/requests/{id}/files", post(upload).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/requests/{id}/reply", post(reply_with_files).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/requests/{id}/files/{file_id}", get(file))
        .route("/requests/{id}/letters/{kind}", get(letter))
        .route("/letter-templates", get(templates))
        .route("/letter-templates/{key}", get(template_form).post(template_save))
        .route("/letter-templates/{key}/reset", post(template_reset))
        .merge(super::report::console_routes())
        .route("/coordinations", get(coordinations))
        .route("/coordinations/{id}/answer", post(answer))
}

pub fn notice(key: &str) -> Option<&'static str> {
    Some(match key {
        "request_registered" => "申请已登记，答复期限自收到申请之日起计算。",
        "step_done" => "已办理。",
        "file_added" => "文件已上传，审签通过后申请人可以下载。",
        "file_added_keep" => "文件已上传，审签通过后申请人可以下载。已填写的答复内容保留在下方，请继续填写后提交审签。",
        "coordination_answered" => "协查意见已答复，发起单位可在案卷中看到。",
        "template_saved" => "模板已保存，此后生成的告知书使用新模板；已发出的告知书不变。",
        "template_reset" => "已恢复默认模板。",
        _ => return None,
    })
}

fn choices<T: Copy>(all: &[T], code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Vec<Choice> {
    all.iter().map(|v| Choice { value: code(*v).into(), label: label(*v).into() }).collect()
}

#[derive(Template)]
#[template(path = "console/requests.html")]
struct QueueTemplate {
    page: Page,
    list: RequestList,
    q: Fields,
    states: Vec<Choice>,
    counts: Vec<(String, String, i64)>,
    may_handle: bool,
    may_export: bool,
    export_href: String,
    pages: Vec<crate::page::PageLink>,
}

async fn queue(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let list = match list_page(&state, &p, &q).await {
        Ok(l) => l,
        Err(AppError::Invalid(_)) => list_page(&state, &p, &Fields::default()).await?,
        Err(e) => return Err(e),
    };
    let counts = reminders(&state, &p).await?;
    let keep: Vec<(String, String)> = ["state", "due", "mine", "q", "open"]
        .iter()
        .map(|k| (k.to_string(), q.get(k).to_string()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(keep).finish();
    let href = format!("/admin/requests?{query}&");
    let pages = crate::page::page_links(&href, list.total, list.per_page, list.page);
    let export_href = format!("/admin/requests/export?{query}");
    let page = with_notice(console_page(&state, &headers, &p, "依申请公开", "/admin/requests", "requests").await, &q);
    Ok(html(&QueueTemplate {
        page,
        list,
        q,
        states: choices(RequestState::ALL, RequestState::code, RequestState::label),
        counts,
        may_handle: p.may(Action::HandleRequests),
        may_export: p.may(Action::ExportRequests),
        export_href,
        pages,
    }))
}

#[derive(Template)]
#[template(path = "console/request_new.html")]
struct NewTemplate {
    page: Page,
    f: FormView,
    units: Vec<UnitOptionGroup>,
    channels: Vec<Choice>,
    applicant_types: Vec<Choice>,
    id_types: Vec<Choice>,
    provision_forms: Vec<Choice>,
    deliveries: Vec<Choice>,
}

async fn render_new(state: &AppState, headers: &HeaderMap, p: &Principal, f: FormView) -> PageResult {
    p.require(Action::HandleRequests, gongkai_domain::staff::Reach::Subtree)?;
    let tree = state.unit_tree().await?;
    let own: Vec<Choice> = tree
        .subtree(p.user.unit_id)
        .into_iter()
        .filter(|u| !u.is_closed())
        .map(|u| Choice { value: u.id.to_string(), label: u.name.clone() })
        .collect();
    let failed = f.failed();
    let t = NewTemplate {
        page: console_page(state, headers, p, "登记申请", "/admin/requests/new", "requests").await,
        f,
        units: vec![UnitOptionGroup { label: "本单位及下级".into(), options: own }],
        channels: Channel::ALL
            .iter()
            .filter(|c| **c != Channel::Online)
            .map(|c| Choice { value: c.code().into(), label: c.label().into() })
            .collect(),
        applicant_types: choices(ApplicantType::ALL, ApplicantType::code, ApplicantType::label),
        id_types: choices(IdType::ALL, IdType::code, IdType::label),
        provision_forms: choices(ProvisionForm::ALL, ProvisionForm::code, ProvisionForm::label),
        deliveries: choices(Delivery::ALL, Delivery::code, Delivery::label),
    };
    Ok(html_form(&t, failed))
}

async fn new_form(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    let today = super::today().to_string();
    render_new(
        &state,
        &headers,
        &p,
        FormView::from_pairs(&[("received_on", &today), ("unit_id", &p.user.unit_id.to_string())]),
    )
    .await
}

async fn register(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    match super::register(&state, &p, &input_from(&f), f.get("unit_id"), f.get("channel"), f.get("received_on")).await {
        Ok(ack) => Ok(Redirect::to(&format!(
            "/admin/requests/{}?notice=request_registered&code={}",
            ack.request.id, ack.query_code
        ))
        .into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            render_new(&state, &headers, &p, FormView::with_errors(f, e)).await
        }
    }
}

/// An outcome in the reply form, with whether it needs reasons.
pub struct OutcomeChoice {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "console/request.html")]
struct CaseTemplate {
    page: Page,
    r: StaffRequest,
    state_code: String,
    may_see_applicant: bool,
    may_handle: bool,
    may_approve: bool,
    is_drafter: bool,
    /// Whether any step is open to this user now (else no 办理 heading).
    has_actions: bool,
    /// Which step's form failed, with its values and errors.
    step: String,
    f: FormView,
    outcomes: Vec<OutcomeChoice>,
    units: Vec<UnitOptionGroup>,
    handlers: Vec<Choice>,
    handler_now: String,
    fee_bases: Vec<Choice>,
    query_code: String,
    /// The published documents the reply points to: (id, title, 索引号).
    disclosed: Vec<gongkai_store::requests::ReplyDocument>,
    /// What the reply form's upload takes, from the configuration.
    upload_hint: String,
}

impl CaseTemplate {
    fn form(&self, step: &str) -> FormView {
        if self.step == step { self.f.clone() } else { FormView::default() }
    }
}

async fn render_case(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    r: &Request,
    q: &Fields,
    step: &str,
    f: FormView,
) -> PageResult {
    let super::CasePage { file, handlers, disclosed } =
        super::case_page(state, p, r, q.get("applicant") == "1").await?;
    let view = staff_view_of(state, r, file).await?;
    let tree = state.unit_tree().await?;
    let handlers = handlers.into_iter().map(|u| Choice { value: u.id.to_string(), label: u.display_name }).collect();
    let failed = f.failed();
    let mut page =
        console_page(state, headers, p, &format!("申请 {}", r.tracking_no), "/admin/requests", "requests").await;
    if let Some(n) = notice(q.get("notice")) {
        page.notice = n.to_string();
    }
    let reach = p.reach(state, r.unit_id).await?;
    let may_handle = gongkai_domain::staff::permits(p.roles(), Action::HandleRequests, reach);
    let may_approve =
        gongkai_domain::staff::permits(p.roles(), Action::ApproveReplies, reach) && r.drafter_id != Some(p.user.id);
    let is_drafter = r.drafter_id == Some(p.user.id);
    let has_actions = match r.state {
        RequestState::AwaitingApproval => may_approve || is_drafter,
        RequestState::Archived | RequestState::Withdrawn => false,
        _ => may_handle,
    };
    let t = CaseTemplate {
        disclosed,
        upload_hint: upload_hint(state.server.attachment_limit),
        page,
        state_code: r.state.code().to_string(),
        may_see_applicant: super::may_see_applicant(p, r),
        may_handle,
        may_approve,
        is_drafter,
        has_actions,
        step: step.to_string(),
        f,
        outcomes: Outcome::ALL.iter().map(|o| OutcomeChoice { value: o.code(), label: o.label() }).collect(),
        units: super::portal::unit_options(&tree),
        handlers,
        handler_now: r.handler_id.map(|v| v.to_string()).unwrap_or_default(),
        fee_bases: choices(FeeBasis::ALL, FeeBasis::code, FeeBasis::label),
        query_code: q.get("code").chars().filter(|c| c.is_ascii_alphanumeric()).take(12).collect(),
        r: view,
    };
    Ok(html_form(&t, failed))
}

/// The accepted files of the reply form, as `gongkai_extract::detect` takes them, and the size
/// limit configured for uploads.
pub fn upload_hint(limit_bytes: usize) -> String {
    format!(
        "可上传 PDF、Word（.docx）、Excel（.xlsx）、PNG/JPEG/GIF/WebP 图片、MP4 视频或 MP3 音频，每个文件不超过 {} MB；系统按文件内容核对类型。",
        limit_bytes / 1024 / 1024
    )
}

/// The case if the caller may read it.
async fn load(state: &AppState, p: &Principal, id: &str) -> Result<Request, AppError> {
    Ok(super::visible(state, p, path_id(id)?).await?)
}

async fn case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let r = load(&state, &p, &id).await?;
    render_case(&state, &headers, &p, &r, &q, "", FormView::default()).await
}

async fn take_step(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path((id, name)): Path<(String, String)>,
    Form(f): Form,
) -> PageResult {
    // The step's use case reads the case and checks the caller's rights.
    let request_id = path_id(&id)?;
    let body = StepBody::from_form(&|k| f.all(k).into_iter().map(str::to_string).collect());
    match take_named_step(&state, &p, request_id, &name, &body).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/requests/{request_id}?notice=step_done")).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            let r = load(&state, &p, &id).await?;
            render_case(&state, &headers, &p, &r, &Fields::default(), &name, FormView::with_errors(f, e)).await
        }
    }
}

async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    form: Multipart,
) -> PageResult {
    let r = load(&state, &p, &id).await?;
    let upload = read_upload(form).await?;
    if upload.fields.get("csrf") != p.csrf() {
        return Err(AppError::Forbidden);
    }
    let (name, bytes) = upload.file.unwrap_or_default();
    match add_provided_file(&state, &p, &r, &name, &bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/requests/{}?notice=file_added", r.id)).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            render_case(
                &state,
                &headers,
                &p,
                &r,
                &Fields::default(),
                "files",
                FormView::with_errors(Fields::default(), e),
            )
            .await
        }
    }
}

/// The reply form: its fields and a file in one submit, so typed text is never lost to an
/// upload. 「只上传文件」 adds the file and shows the form again with what was typed;
/// 「提交审签」 adds the file, if one was chosen, and submits the reply.
async fn reply_with_files(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    form: Multipart,
) -> PageResult {
    let r = load(&state, &p, &id).await?;
    let upload = read_upload_with(form, 20_000).await?;
    if upload.fields.get("csrf") != p.csrf() {
        return Err(AppError::Forbidden);
    }
    let fields = upload.fields;
    let only_upload = fields.get("do") == "upload";
    match upload.file.filter(|(_, bytes)| !bytes.is_empty()) {
        Some((name, bytes)) => {
            if let Err(e) = add_provided_file(&state, &p, &r, &name, &bytes).await {
                let e = e.form_errors()?;
                return render_case(
                    &state,
                    &headers,
                    &p,
                    &r,
                    &Fields::default(),
                    "reply",
                    FormView::with_errors(fields, e),
                )
                .await;
            }
        }
        None if only_upload => {
            let e = Invalid::one("file", "文件", "请选择要上传的文件");
            return render_case(
                &state,
                &headers,
                &p,
                &r,
                &Fields::default(),
                "reply",
                FormView::with_errors(fields, e),
            )
            .await;
        }
        None => {}
    }
    let r = load(&state, &p, &id).await?;
    if only_upload {
        let q = Fields::parse(b"notice=file_added_keep");
        return render_case(&state, &headers, &p, &r, &q, "reply", FormView::new(fields)).await;
    }
    let body = StepBody::from_form(&|k| fields.all(k).into_iter().map(str::to_string).collect());
    match take_named_step(&state, &p, r.id, "reply", &body).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/requests/{}?notice=step_done", r.id)).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            render_case(&state, &headers, &p, &r, &Fields::default(), "reply", FormView::with_errors(fields, e)).await
        }
    }
}

async fn file(
    State(state): State<AppState>,
    Staff(p): Staff,
    Path((id, file_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    serve_file(&state, &p, &id, &file_id).await
}

#[derive(Template)]
#[template(path = "console/coordinations.html")]
struct CoordinationsTemplate {
    page: Page,
    items: Vec<CoordinationOut>,
    failed_id: i64,
    f: FormView,
}

async fn render_coordinations(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    failed_id: i64,
    f: FormView,
) -> PageResult {
    let items = coordinations_for(state, p, false).await?;
    let failed = f.failed();
    let mut page = console_page(state, headers, p, "会商协查", "/admin/coordinations", "coordinations").await;
    if let Some(n) = notice(q.get("notice")) {
        page.notice = n.to_string();
    }
    Ok(html_form(&CoordinationsTemplate { page, items, failed_id, f }, failed))
}

async fn coordinations(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    render_coordinations(&state, &headers, &p, &q, 0, FormView::default()).await
}

async fn answer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let cid = path_id(&id)?;
    match super::answer_coordination(&state, &p, cid, f.get("answer")).await {
        Ok(_) => Ok(Redirect::to("/admin/coordinations?notice=coordination_answered").into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            render_coordinations(&state, &headers, &p, &Fields::default(), cid, FormView::with_errors(f, e)).await
        }
    }
}

async fn letter(
    State(state): State<AppState>,
    Staff(p): Staff,
    Path((id, kind)): Path<(String, String)>,
    Query(q): Query,
) -> Result<Response, AppError> {
    super::staff_api::serve_letter(&state, &p, &id, &kind, q.opt("format").unwrap_or("docx")).await
}

pub struct TemplateRow {
    pub key: String,
    pub label: String,
    pub customised: bool,
}

#[derive(Template)]
#[template(path = "console/letter_templates.html")]
struct TemplatesTemplate {
    page: Page,
    rows: Vec<TemplateRow>,
}

async fn templates(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    super::letters::require_manage(&p)?;
    let mut rows = Vec::new();
    for key in gongkai_domain::reply_letter::TemplateKey::ALL {
        let (_, customised) = super::letters::template(&state, *key).await?;
        rows.push(TemplateRow { key: key.code(), label: key.label(), customised });
    }
    let mut page =
        console_page(&state, &headers, &p, "告知书模板", "/admin/letter-templates", "letter-templates").await;
    if let Some(n) = notice(q.get("notice")) {
        page.notice = n.to_string();
    }
    Ok(html(&TemplatesTemplate { page, rows }))
}

#[derive(Template)]
#[template(path = "console/letter_template.html")]
struct TemplateFormTemplate {
    page: Page,
    key: String,
    label: String,
    customised: bool,
    f: FormView,
    placeholders: Vec<(&'static str, &'static str)>,
}

async fn render_template_form(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    key: &str,
    f: Option<FormView>,
) -> PageResult {
    super::letters::require_manage(p)?;
    let key = gongkai_domain::reply_letter::TemplateKey::parse(key).ok_or(AppError::NotFound)?;
    let (body, customised) = super::letters::template(state, key).await?;
    let f = f.unwrap_or_else(|| FormView::from_pairs(&[("body", &body)]));
    let failed = f.failed();
    let page = console_page(
        state,
        headers,
        p,
        &format!("模板：{}", key.label()),
        "/admin/letter-templates",
        "letter-templates",
    )
    .await;
    let placeholders =
        gongkai_domain::reply_letter::Placeholder::ALL.iter().map(|ph| (ph.label(), ph.description())).collect();
    Ok(html_form(
        &TemplateFormTemplate { page, key: key.code(), label: key.label(), customised, f, placeholders },
        failed,
    ))
}

async fn template_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(key): Path<String>,
) -> PageResult {
    render_template_form(&state, &headers, &p, &key, None).await
}

async fn template_save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(key): Path<String>,
    Form(f): Form,
) -> PageResult {
    match super::letters::put_template(&state, &p, &key, f.get("body")).await {
        Ok(_) => Ok(Redirect::to("/admin/letter-templates?notice=template_saved").into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            render_template_form(&state, &headers, &p, &key, Some(FormView::with_errors(f, e))).await
        }
    }
}

async fn template_reset(State(state): State<AppState>, Staff(p): Staff, Path(key): Path<String>) -> PageResult {
    super::letters::reset_template(&state, &p, &key).await?;
    Ok(Redirect::to("/admin/letter-templates?notice=template_reset").into_response())
}

/// What waits for the user's unit (and units below): applications to confirm, replies due
/// within 3 working days or overdue, drafts awaiting 审签, coordinations to answer. Shown on
/// the queue and as reminders on the dashboard; (label, link, count).
pub async fn reminders(state: &AppState, p: &Principal) -> Result<Vec<(String, String, i64)>, AppError> {
    let n = super::reminders(state, p).await?;
    let mut counts = Vec::new();
    for (label, query, count) in [
        ("待确认收到", "state=awaiting_confirmation", n.awaiting_confirmation),
        ("即将到期", "due=soon", n.due_soon),
        ("已逾期", "due=overdue", n.overdue),
        ("待审签", "state=awaiting_approval", n.awaiting_approval),
    ] {
        counts.push((label.to_string(), format!("/admin/requests?{query}"), count));
    }
    if p.may(Action::HandleRequests) {
        counts.push(("会商协查待答复".into(), "/admin/coordinations".into(), n.open_coordinations));
    }
    Ok(counts)
}

async fn export(State(state): State<AppState>, Staff(p): Staff, Query(q): Query) -> Result<Response, AppError> {
    super::staff_api::export_register(&state, &p, &q).await
}
