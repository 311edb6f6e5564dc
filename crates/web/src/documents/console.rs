//! Console pages for documents: the list, the editor, and the review page with its checks.

use super::actions::{self, ActionInput};
use super::checks::CheckReport;
use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::page_links;
use crate::page::{Page, html};
use crate::units::{UnitOption, unit_options};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use gongkai_domain::documents::{
    DisclosureMode, DocumentInput, Genre, InterpretationForm, Topic, Validity, Withdrawal,
};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::time::{display_instant_at, local_minute_at};
use gongkai_domain::workflow::State as DocState;
use gongkai_store::documents::{Document, DocumentFilter, Review, Version};

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/documents", get(list).post(create))
        .route("/documents/new", get(new))
        .route("/documents/interpretable", get(interpretable))
        .route("/documents/{id}", get(show).post(save))
        .route("/documents/{id}/edit", get(edit))
        .route("/documents/{id}/act", post(act))
        .route("/documents/{id}/mask", post(mask))
        .route("/documents/{id}/validity", post(validity))
        .route("/documents/{id}/attachments", post(upload).layer(axum::extract::DefaultBodyLimit::max(upload_limit)))
        .route("/documents/{id}/attachments/{aid}/delete", post(remove_attachment))
}

async fn upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    form: axum::extract::Multipart,
) -> PageResult {
    let id = path_id(&id)?;
    match super::files::upload(&state, &p, id, form).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/documents/{id}?notice=attachment_added")).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            show_page(&state, &headers, &p, id, &Fields::default(), FormView::with_errors(Fields::default(), e)).await
        }
    }
}

async fn remove_attachment(
    State(state): State<AppState>,
    Staff(p): Staff,
    Path((id, aid)): Path<(String, String)>,
) -> PageResult {
    let id = path_id(&id)?;
    super::files::remove(&state, &p, id, path_id(&aid)?).await?;
    Ok(Redirect::to(&format!("/admin/documents/{id}?notice=attachment_removed")).into_response())
}

pub struct Row {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub status: &'static str,
    pub index_no: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "console/documents.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    total: i64,
    q: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    pages: Vec<crate::page::PageLink>,
    can_draft: bool,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let page_no = q.page();
    let status = q.opt("status").and_then(DocState::parse);
    let filter = DocumentFilter { status, q: q.opt("q").map(str::to_string), ..Default::default() };
    let gongkai_store::Page { items: docs, total } = actions::list(&state, &p, filter, 50, (page_no - 1) * 50).await?;
    let tree = state.unit_tree().await?;
    let rows = docs
        .iter()
        .map(|d| Row {
            id: d.id,
            title: d.title.clone(),
            unit: tree.get(d.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
            status: d.status.label(),
            index_no: d.index_no.clone().unwrap_or_default(),
            updated: display_instant_at(d.updated_at),
        })
        .collect();
    let page = with_notice(console_page(&state, &headers, &p, "政府信息", "/admin/documents", "documents").await, &q);
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("q", q.get("q")), ("status", q.get("status"))].into_iter().filter(|(_, v)| !v.is_empty()))
        .finish();
    Ok(html(&ListTemplate {
        page,
        rows,
        total,
        q: q.get("q").to_string(),
        status: q.get("status").to_string(),
        statuses: DocState::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        pages: page_links(&format!("/admin/documents?{query}&"), total, 50, page_no),
        can_draft: p.may(Action::DraftDocuments),
    }))
}

#[derive(Template)]
#[template(path = "console/document_form.html")]
struct FormTemplate {
    page: Page,
    form: FormView,
    doc: Option<Document>,
    units: Vec<UnitOption>,
    topics: &'static [Topic],
    genres: &'static [Genre],
    modes: &'static [DisclosureMode],
    forms: &'static [InterpretationForm],
    /// Per unit: the catalogue items and the columns a document may be filed under.
    filing: Vec<Filing>,
    picker: Picker,
}

/// The picker of the document an interpretation explains: a search in the form itself (its
/// buttons re-show the form with what was typed, nothing is saved), enhanced by app.js into
/// search-as-you-type over `/admin/documents/interpretable`.
#[derive(Default)]
pub struct Picker {
    pub q: String,
    pub searched: bool,
    pub results: Vec<PolicyChoice>,
    pub selected: Option<PolicyChoice>,
}

/// A document an interpretation may explain, as the picker shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyChoice {
    pub id: i64,
    pub title: String,
    /// 索引号, or 文号, or the state of a draft not yet published.
    pub detail: String,
}

impl PolicyChoice {
    fn of(d: &Document) -> Self {
        let detail = match (&d.index_no, d.doc_no.is_empty()) {
            (Some(n), true) => format!("索引号 {n}"),
            (Some(n), false) => format!("{} · 索引号 {n}", d.doc_no),
            (None, true) => d.status.label().to_string(),
            (None, false) => format!("{} · {}", d.doc_no, d.status.label()),
        };
        PolicyChoice { id: d.id, title: d.title.clone(), detail }
    }
}

/// Documents in `p`'s reach whose title or 文号 contains `q` and that an interpretation may
/// explain (any document but another interpretation), at most ten.
async fn policies_matching(state: &AppState, p: &Principal, q: &str) -> Result<Vec<PolicyChoice>, AppError> {
    let q = q.trim();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let filter = DocumentFilter { q: Some(q.chars().take(50).collect()), ..Default::default() };
    let gongkai_store::Page { items: docs, .. } = actions::list(state, p, filter, 40, 0).await?;
    Ok(docs.iter().filter(|d| d.genre != Genre::Interpretation).take(10).map(PolicyChoice::of).collect())
}

async fn picker_for(state: &AppState, p: &Principal, form: &FormView, searched: bool) -> Result<Picker, AppError> {
    let q = form.values.get("interp_q").to_string();
    let selected = match form.values.get("interprets_id").trim().parse::<i64>() {
        Ok(id) => match actions::visible(state, p, id).await {
            Ok(d) => Some(PolicyChoice::of(&d)),
            Err(gongkai_app::Error::Internal(e)) => return Err(AppError::Internal(e)),
            Err(_) => None,
        },
        Err(_) => None,
    };
    let results = if searched { policies_matching(state, p, &q).await? } else { Vec::new() };
    Ok(Picker { q, searched, results, selected })
}

/// The picker's buttons: 查找, 关联 one result, 取消关联. Each re-shows the form with what was
/// typed; `None` when the form was sent to be saved.
fn picker_step(f: &Fields) -> Option<Fields> {
    let step = f.get("_picker");
    if step.is_empty() {
        return None;
    }
    Some(match step {
        "clear" => f.with("interprets_id", ""),
        s if s.starts_with("pick:") => f.with("interprets_id", s.trim_start_matches("pick:")),
        _ => f.clone(),
    })
}

/// Search-as-you-type for the picker: the same search as its 查找 button, as JSON.
async fn interpretable(
    State(state): State<AppState>,
    Staff(p): Staff,
    Query(q): Query,
) -> Result<axum::Json<Vec<PolicyChoice>>, AppError> {
    Ok(axum::Json(policies_matching(&state, &p, q.get("q")).await?))
}

pub struct Filing {
    pub unit: String,
    pub items: Vec<(i64, String)>,
    pub columns: Vec<(i64, String)>,
}

/// Where documents of the units in reach may be filed: their catalogue items and columns.
async fn filing_choices(state: &AppState, p: &Principal, units: &[i64]) -> Result<Vec<Filing>, AppError> {
    let tree = state.unit_tree().await?;
    Ok(actions::filing_choices(state, p, units)
        .await?
        .into_iter()
        .map(|f| Filing {
            unit: tree.get(f.unit_id).map(|x| x.short_name.clone()).unwrap_or_default(),
            items: f.items,
            columns: f.columns,
        })
        .collect())
}

fn input_from(f: &Fields) -> DocumentInput {
    DocumentInput::from_form(&|name| f.get(name).to_string())
}

fn fields_of(d: &Document) -> Fields {
    let pairs: Vec<(&str, String)> = vec![
        ("unit_id", d.unit_id.to_string()),
        ("title", d.title.clone()),
        ("publisher", d.publisher.clone()),
        ("doc_no", d.doc_no.clone()),
        ("written_on", d.written_on.map(|d| d.to_string()).unwrap_or_default()),
        ("publish_at", d.publish_at.map(local_minute_at).unwrap_or_default()),
        ("topic", d.topic.code().into()),
        ("genre", d.genre.code().into()),
        ("keywords", d.keywords.clone()),
        ("note", d.note.clone()),
        ("disclosure_mode", d.disclosure_mode.code().into()),
        ("interprets_id", d.interprets_id.map(|i| i.to_string()).unwrap_or_default()),
        ("catalogue_item_id", d.catalogue_item_id.map(|i| i.to_string()).unwrap_or_default()),
        ("column_id", d.column_id.map(|i| i.to_string()).unwrap_or_default()),
        ("interpretation_form", d.interpretation_form.map(|f| f.code().to_string()).unwrap_or_default()),
        ("body", d.body_html.clone()),
        ("qa", gongkai_domain::qa::format(&d.qa)),
        ("change_note", d.change_note.clone()),
        ("minor_change", if d.minor_change { "1".into() } else { String::new() }),
    ];
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Fields::parse(encoded.as_bytes())
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    doc: Option<Document>,
    form: FormView,
) -> PageResult {
    let tree = state.unit_tree().await?;
    let units = unit_options(
        &tree,
        if p.require(Action::DraftDocuments, Reach::Global).is_ok() { None } else { Some(p.user.unit_id) },
    );
    let (title, path) = match &doc {
        Some(d) => (format!("编辑：{}", d.title), format!("/admin/documents/{}/edit", d.id)),
        None => ("起草政府信息".to_string(), "/admin/documents/new".to_string()),
    };
    let failed = form.failed();
    let page = console_page(state, headers, p, &title, &path, "documents").await;
    let reach: Vec<i64> = match &doc {
        Some(d) => vec![d.unit_id],
        None => units.iter().map(|u| u.id).collect(),
    };
    let filing = filing_choices(state, p, &reach).await?;
    let searched = form.values.get("_picker") == "search";
    let picker = picker_for(state, p, &form, searched).await?;
    let mut res = html(&FormTemplate {
        picker,
        page,
        form,
        doc,
        units,
        filing,
        topics: Topic::ALL,
        genres: Genre::ALL,
        modes: DisclosureMode::ALL,
        forms: InterpretationForm::ALL,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn new(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    p.require(Action::DraftDocuments, Reach::Subtree)?;
    let form = FormView::from_pairs(&[
        ("unit_id", &p.user.unit_id.to_string()),
        ("topic", "general"),
        ("genre", "notice"),
        ("disclosure_mode", "proactive"),
    ]);
    form_page(&state, &headers, &p, None, form).await
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    if let Some(f) = picker_step(&f) {
        p.require(Action::DraftDocuments, Reach::Subtree)?;
        return form_page(&state, &headers, &p, None, FormView::new(f)).await;
    }
    match actions::create(&state, &p, &input_from(&f)).await {
        Ok(d) => Ok(Redirect::to(&format!("/admin/documents/{}?notice=document_saved", d.id)).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
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
    let doc = actions::visible(&state, &p, path_id(&id)?).await?;
    p.require_for_unit(&state, Action::DraftDocuments, doc.unit_id).await?;
    let form = FormView::new(fields_of(&doc));
    form_page(&state, &headers, &p, Some(doc), form).await
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    if let Some(f) = picker_step(&f) {
        let doc = actions::visible(&state, &p, id).await?;
        p.require_for_unit(&state, Action::DraftDocuments, doc.unit_id).await?;
        return form_page(&state, &headers, &p, Some(doc), FormView::new(f)).await;
    }
    match actions::update(&state, &p, id, &input_from(&f)).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/documents/{id}?notice=document_saved")).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            let doc = actions::visible(&state, &p, id).await?;
            form_page(&state, &headers, &p, Some(doc), FormView::with_errors(f, e)).await
        }
    }
}

#[derive(Clone)]
pub struct ReviewRow {
    pub stage: String,
    pub decision: &'static str,
    pub reviewer: String,
    pub comment: String,
    pub at: String,
}

#[derive(Template)]
#[template(path = "console/document.html")]
struct ShowTemplate {
    page: Page,
    doc: Document,
    unit: String,
    status: &'static str,
    report: CheckReport,
    reviews: Vec<ReviewRow>,
    versions: Vec<Version>,
    form: FormView,
    can_edit: bool,
    can_submit: bool,
    can_review: bool,
    /// 审核通过 offered only when the rule allows it; otherwise why not.
    may_approve: bool,
    approve_refusal: String,
    may_reject: bool,
    /// At 终审 with no time set: approving publishes at once, so it asks to confirm.
    final_publishes_now: bool,
    /// At 终审 with a time set: 「将于 … 定时发布」.
    final_scheduled: String,
    /// The latest return of this draft: (stage, reviewer, time, comment).
    returned: Option<ReviewRow>,
    can_revise: bool,
    can_withdraw: bool,
    is_final: bool,
    withdrawals: &'static [Withdrawal],
    validities: &'static [Validity],
    attachments: Vec<super::AttachmentView>,
    upload_limit_mb: usize,
}

async fn show_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: i64,
    q: &Fields,
    form: FormView,
) -> PageResult {
    let actions::StaffView { doc, report, reviews, versions, attachments } = actions::staff_view(state, p, id).await?;
    let tree = state.unit_tree().await?;
    let may = |a: Action| async move { p.require_for_unit(state, a, doc.unit_id).await.is_ok() };
    let draft = may(Action::DraftDocuments).await;
    let review = may(Action::ReviewDocuments).await;
    let withdraw = may(Action::WithdrawDocuments).await;
    let reviews: Vec<ReviewRow> = reviews.into_iter().map(review_row).collect();
    let returned = match reviews.last() {
        Some(r) if doc.status == DocState::Draft && r.decision == "退回" => Some(reviews[reviews.len() - 1].clone()),
        _ => None,
    };
    let options = super::reviews::options(state, p, &doc).await?;
    let at_final = doc.status == DocState::InReview(gongkai_domain::workflow::Stage::Final);
    let failed = form.failed();
    let page = with_notice(
        console_page(state, headers, p, &doc.title, &format!("/admin/documents/{id}"), "documents").await,
        q,
    );
    let mut res = html(&ShowTemplate {
        unit: tree.get(doc.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        status: doc.status.label(),
        report,
        reviews,
        versions,
        may_approve: options.approve.is_ok(),
        approve_refusal: options.approve.err().map(|e| e.to_string()).unwrap_or_default(),
        may_reject: options.reject.is_ok(),
        final_publishes_now: at_final && options.approve == Ok(DocState::Published),
        final_scheduled: if at_final && options.approve == Ok(DocState::Scheduled) {
            super::reviews::final_note(doc.status, doc.publish_at)
        } else {
            String::new()
        },
        returned,
        form,
        can_edit: draft && doc.status == DocState::Draft,
        can_submit: draft && doc.status == DocState::Draft,
        can_review: review && matches!(doc.status, DocState::InReview(_) | DocState::Scheduled),
        can_revise: draft && doc.status == DocState::Published,
        can_withdraw: withdraw && doc.live_version > 0 && doc.status != DocState::Withdrawn,
        is_final: doc.status == DocState::InReview(gongkai_domain::workflow::Stage::Final),
        withdrawals: Withdrawal::ALL,
        validities: Validity::ALL,
        attachments: attachments.iter().map(super::AttachmentView::from).collect(),
        upload_limit_mb: state.server.attachment_limit / 1024 / 1024,
        page,
        doc,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn review_row((r, reviewer): (Review, Option<String>)) -> ReviewRow {
    let reviewer = reviewer.unwrap_or_else(|| "系统".into());
    ReviewRow {
        stage: r.stage,
        decision: match r.decision.as_str() {
            "approve" => "通过",
            "approve_override" => "通过（说明理由后忽略检查问题）",
            "reject" => "退回",
            _ => "—",
        },
        reviewer,
        comment: r.comment,
        at: display_instant_at(r.at),
    }
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
    let input = ActionInput {
        action: f.get("action").into(),
        comment: f.get("comment").into(),
        override_reason: f.get("override_reason").into(),
        reason: f.get("reason").into(),
        note: f.get("note").into(),
        replacement: f.get("replacement").trim().parse().ok(),
    };
    if input.action.trim() == "approve" && f.get("confirm_publish") != "1" {
        let doc = actions::visible(&state, &p, id).await?;
        if doc.status == DocState::InReview(gongkai_domain::workflow::Stage::Final) && !doc.publishes_later() {
            let e = gongkai_domain::validation::Invalid::one(
                "confirm_publish",
                "发布确认",
                "终审通过即在门户网站公开，请勾选“我确认发布后将立即在门户网站公开”",
            );
            return show_page(&state, &headers, &p, id, &Fields::default(), FormView::with_errors(f, e)).await;
        }
    }
    match actions::act(&state, &p, id, &input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/admin/documents/{id}?notice=document_{}", input.action.trim())).into_response())
        }
        Err(e) => {
            let e = e.form_errors()?;
            show_page(&state, &headers, &p, id, &Fields::default(), FormView::with_errors(f, e)).await
        }
    }
}

async fn mask(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    actions::mask(&state, &p, id).await?;
    Ok(Redirect::to(&format!("/admin/documents/{id}?notice=document_masked")).into_response())
}

async fn validity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    match actions::set_validity(
        &state,
        &p,
        id,
        f.get("validity"),
        f.get("validity_on"),
        f.get("replaced_by").trim().parse().ok(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/documents/{id}?notice=document_validity")).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            show_page(&state, &headers, &p, id, &Fields::default(), FormView::with_errors(f, e)).await
        }
    }
}
