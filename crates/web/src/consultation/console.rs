//! Console pages of consultations: the list, the form, each consultation with its review
//! actions and figures, the moderation of its opinions (and the entry of letters and calls),
//! its groups with their decisions, forwards and merges, the feedback, the forwards waiting
//! at the user's unit, and public concerns with their responses. Every page works without
//! JavaScript; every write goes through the use cases of `gongkai_app::consultation`.

use super::portal::labelled;
use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, review_actions, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::{Page, PageLink, html, html_form, page_links, refused, see};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use gongkai_app::consultation::{self, ReviewAction, concerns, handling, opinions, report};
use gongkai_domain::consultation::concern::{ConcernInput, ConcernSource};
use gongkai_domain::consultation::handling::{DecisionInput, ForwardStep, Moderation, OpinionStatus};
use gongkai_domain::consultation::input::{ConsultationFields, ConsultationInput, OpinionInput};
use gongkai_domain::consultation::report::{FeedbackInput, ReportFigures};
use gongkai_domain::consultation::{Channel, Decision, HideReason, Phase};
use gongkai_domain::staff::Action;
use gongkai_domain::time::display_instant_at;
use gongkai_domain::validation::Invalid;
use gongkai_store::consultation::Consultation;
use gongkai_store::consultation::opinions::{Forward, Group, Opinion, OpinionFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(list))
        .route("/consultations/new", get(new).post(create))
        .route("/consultations/{id}", get(show))
        .route("/consultations/{id}/edit", get(edit).post(save))
        .route("/consultations/{id}/actions", post(act))
        .route("/consultations/{id}/opinions", get(opinions_page).post(enter))
        .route("/consultations/{id}/groups", get(groups_page))
        .route("/consultations/{id}/report", post(save_report))
        .route("/consultations/{id}/report/actions", post(act_report))
        .route("/opinions/{id}/moderation", post(moderate))
        .route("/opinions/{id}/split", post(split))
        .route("/opinion-groups/{id}/decision", post(decide))
        .route("/opinion-groups/{id}/forwards", post(forward))
        .route("/opinion-groups/{id}/merge", post(merge))
        .route("/opinion-forwards", get(forwards_page))
        .route("/opinion-forwards/{id}/actions", post(forward_act))
        .route("/concerns", get(concerns_page).post(create_concern))
        .route("/concerns/{id}/response", post(respond))
}

const PER_PAGE: i64 = 50;

struct Row {
    id: i64,
    title: String,
    unit: String,
    status: &'static str,
    phase: &'static str,
    live: bool,
    updated: String,
}

#[derive(Template)]
#[template(path = "console/consultations.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    may_draft: bool,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let all = consultation::staff_list(&state, &p).await?;
    let tree = state.unit_tree().await?;
    let now = state.now();
    let page =
        with_notice(console_page(&state, &headers, &p, "意见征集", "/admin/consultations", "consultations").await, &q);
    let rows = all
        .iter()
        .map(|c| Row {
            id: c.id,
            title: c.draft.title.clone(),
            unit: tree.get(c.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
            status: c.review.status.label(),
            phase: c.live.as_ref().map_or("—", |l| Phase::at(l.opens_at, l.closes_at, now).label()),
            live: c.live.is_some(),
            updated: display_instant_at(c.updated_at),
        })
        .collect();
    Ok(html(&ListTemplate { page, rows, may_draft: p.may(Action::DraftDocuments) }))
}

#[derive(Template)]
#[template(path = "console/consultation_form.html")]
struct FormTemplate {
    page: Page,
    form: FormView,
    id: Option<i64>,
    units: Vec<crate::units::UnitOption>,
    channels: &'static [Channel],
}

fn form_of(c: &ConsultationFields, unit_id: i64) -> Fields {
    let input = c.to_input(Some(unit_id));
    let mut pairs: Vec<(String, String)> = vec![
        ("unit_id".into(), unit_id.to_string()),
        ("title".into(), input.title),
        ("background".into(), input.background),
        ("questions".into(), input.questions.join("\n")),
        ("topics".into(), input.topics.join("\n")),
        ("document_id".into(), input.document_id.map(|d| d.to_string()).unwrap_or_default()),
        (
            "interpretation_ids".into(),
            input.interpretation_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(","),
        ),
        ("opens_at".into(), input.opens_at),
        ("closes_at".into(), input.closes_at),
        ("contact_required".into(), if input.contact_required { "1" } else { "" }.into()),
    ];
    pairs.extend(input.channels.into_iter().map(|c| ("channels".to_string(), c)));
    let encoded: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Fields::parse(encoded.as_bytes())
}

/// The consultation's input of the console's form (lists one per line).
fn input_of(f: &Fields) -> Result<ConsultationInput, Invalid> {
    let lines = |name: &str| f.get(name).lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string).collect();
    let ids = |name: &str, label: &str| -> Result<Vec<i64>, Invalid> {
        f.get(name)
            .split([',', '，', ' ', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<i64>().map_err(|_| Invalid::one(name, label, format!("“{s}”不是文件 id"))))
            .collect()
    };
    Ok(ConsultationInput {
        unit_id: f.int("unit_id", "发起单位")?,
        title: f.get("title").into(),
        background: f.get("background").into(),
        questions: lines("questions"),
        document_id: f.int("document_id", "征求意见稿")?,
        interpretation_ids: ids("interpretation_ids", "起草说明或解读")?,
        topics: lines("topics"),
        opens_at: f.get("opens_at").into(),
        closes_at: f.get("closes_at").into(),
        channels: f.all("channels").into_iter().map(str::to_string).collect(),
        contact_required: f.get("contact_required") == "1",
    })
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: Option<i64>,
    form: FormView,
) -> PageResult {
    let title = if id.is_some() { "修改意见征集" } else { "起草意见征集" };
    let page = console_page(state, headers, p, title, "/admin/consultations", "consultations").await;
    let tree = state.unit_tree().await?;
    let within = if p.require(Action::DraftDocuments, gongkai_domain::staff::Reach::Global).is_ok() {
        None
    } else {
        Some(p.user.unit_id)
    };
    let units = crate::units::unit_options(&tree, within);
    let failed = form.failed();
    Ok(html_form(&FormTemplate { page, form, id, units, channels: Channel::ALL }, failed))
}

async fn new(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    let mut f = Fields::default().with("unit_id", &p.user.unit_id.to_string());
    for c in Channel::ALL {
        f = Fields::parse(format!("{}&channels={}", encoded(&f), c.code()).as_bytes());
    }
    form_page(&state, &headers, &p, None, FormView::new(f)).await
}

fn encoded(f: &Fields) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(f.pairs().iter().map(|(k, v)| (k, v))).finish()
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    let created = match input_of(&f) {
        Ok(input) => consultation::create(&state, &p, &input).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match created {
        Ok(c) => Ok(see(format!("/admin/consultations/{}", c.id), "consultation_saved")),
        Err(e) => form_page(&state, &headers, &p, None, FormView::with_errors(f, e.form_errors()?)).await,
    }
}

async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> PageResult {
    let c = consultation::visible(&state, &p, path_id(&id)?).await?;
    form_page(&state, &headers, &p, Some(c.id), FormView::new(form_of(&c.draft, c.unit_id))).await
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
        Ok(input) => consultation::update(&state, &p, id, &input).await.map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match saved {
        Ok(_) => Ok(see(format!("/admin/consultations/{id}"), "consultation_saved")),
        Err(e) => form_page(&state, &headers, &p, Some(id), FormView::with_errors(f, e.form_errors()?)).await,
    }
}

#[derive(Template)]
#[template(path = "console/consultation.html")]
struct ShowTemplate {
    page: Page,
    c: Consultation,
    unit: String,
    phase: &'static str,
    opens: String,
    closes: String,
    channels: String,
    actions: Vec<(&'static str, &'static str)>,
    report_actions: Vec<(&'static str, &'static str)>,
    figures: ReportFigures,
    labels: super::portal::Labelled,
    closed: bool,
    may_handle: bool,
    report_form: FormView,
    report_editable: bool,
    error: String,
}

async fn show_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    id: i64,
    error: String,
    report_form: FormView,
) -> PageResult {
    let c = consultation::visible(state, p, id).await?;
    let tree = state.unit_tree().await?;
    let page =
        with_notice(console_page(state, headers, p, &c.draft.title, "/admin/consultations", "consultations").await, q);
    let actions = review_actions(state, p, c.unit_id, c.review.status, c.live.is_some()).await;
    let report_actions = match &c.report {
        Some(r) if r.live.is_none() => review_actions(state, p, c.unit_id, r.review.status, false)
            .await
            .into_iter()
            .filter(|(code, _)| matches!(*code, "submit" | "approve" | "reject"))
            .collect(),
        _ => Vec::new(),
    };
    let f = c.live.as_ref().unwrap_or(&c.draft);
    let phase = Phase::at(f.opens_at, f.closes_at, state.now());
    let figures = report::figures(state, id).await?;
    let report_form = if report_form.v("summary").is_empty() && !report_form.failed() {
        FormView::new(
            Fields::default().with("summary", &c.report.as_ref().map(|r| r.draft.summary.clone()).unwrap_or_default()),
        )
    } else {
        report_form
    };
    let failed = !error.is_empty() || report_form.failed();
    let res = html(&ShowTemplate {
        page,
        unit: tree.get(c.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        phase: if c.live.is_some() { phase.label() } else { "未发布" },
        opens: display_instant_at(f.opens_at),
        closes: display_instant_at(f.closes_at),
        channels: f.channels.iter().map(|c| c.label()).collect::<Vec<_>>().join("、"),
        actions,
        report_actions,
        labels: labelled(&figures),
        figures,
        closed: c.live.is_some() && phase == Phase::Closed,
        may_handle: p.require_for_unit(state, Action::HandleOpinions, c.unit_id).await.is_ok(),
        report_form,
        report_editable: c.report.as_ref().is_none_or(|r| r.review.status.editable()),
        error,
        c,
    });
    Ok(if failed { refused(res) } else { res })
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    show_page(&state, &headers, &p, &q, path_id(&id)?, String::new(), FormView::default()).await
}

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    review_step(&state, &headers, &p, &id, &f, false).await
}

/// A review step of the consultation or (`feedback`) of its adoption feedback.
async fn review_step(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    id: &str,
    f: &Fields,
    feedback: bool,
) -> PageResult {
    let id = path_id(id)?;
    let done = match ReviewAction::parse(f.get("action"), f.get("comment")) {
        Ok(a) if feedback => report::act(state, p, id, &a).await.map(|_| ()).map_err(AppError::from),
        Ok(a) => consultation::act(state, p, id, &a).await.map(|_| ()).map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match done {
        Ok(()) => Ok(see(format!("/admin/consultations/{id}"), &format!("document_{}", f.get("action")))),
        Err(e) => {
            let e = e.form_errors()?;
            show_page(state, headers, p, &Fields::default(), id, e.to_string(), FormView::default()).await
        }
    }
}

async fn save_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    match report::save(&state, &p, id, &FeedbackInput { summary: f.get("summary").into() }).await {
        Ok(_) => Ok(see(format!("/admin/consultations/{id}"), "feedback_saved")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            show_page(&state, &headers, &p, &Fields::default(), id, String::new(), FormView::with_errors(f, e)).await
        }
    }
}

async fn act_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    review_step(&state, &headers, &p, &id, &f, true).await
}

#[derive(Template)]
#[template(path = "console/consultation_opinions.html")]
struct OpinionsTemplate {
    page: Page,
    id: i64,
    title: String,
    status: String,
    items: Vec<Opinion>,
    total: i64,
    pages: Vec<PageLink>,
    reasons: &'static [HideReason],
    entry: FormView,
    error: String,
    today: String,
}

async fn opinions_view(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    id: i64,
    entry: FormView,
    error: String,
) -> PageResult {
    let c = consultation::visible(state, p, id).await?;
    let status = q.get("status").trim().to_string();
    let f = OpinionFilter { status: OpinionStatus::from_code(&status), ..Default::default() };
    let page_no = q.page();
    let found = handling::opinions(state, p, id, &f, (page_no - 1) * PER_PAGE, PER_PAGE).await?;
    let page =
        with_notice(console_page(state, headers, p, "意见审核", "/admin/consultations", "consultations").await, q);
    let base = if status.is_empty() {
        format!("/admin/consultations/{id}/opinions?")
    } else {
        format!("/admin/consultations/{id}/opinions?status={status}&")
    };
    let failed = entry.failed() || !error.is_empty();
    let res = html(&OpinionsTemplate {
        page,
        id,
        title: c.draft.title.clone(),
        status,
        pages: page_links(&base, found.total, PER_PAGE, page_no),
        total: found.total,
        items: found.items,
        reasons: HideReason::ALL,
        entry,
        error,
        today: state.today().to_string(),
    });
    Ok(if failed { refused(res) } else { res })
}

async fn opinions_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    opinions_view(&state, &headers, &p, &q, path_id(&id)?, FormView::default(), String::new()).await
}

async fn enter(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let input = OpinionInput::from_form(&|k| f.get(k).to_string());
    match opinions::enter(&state, &p, id, &input).await {
        Ok(_) => Ok(see(format!("/admin/consultations/{id}/opinions"), "opinion_entered")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            opinions_view(&state, &headers, &p, &Fields::default(), id, FormView::with_errors(f, e), String::new())
                .await
        }
    }
}

async fn moderate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let o = opinions::visible(&state, &p, id).await?;
    let done = match Moderation::parse(f.get("action"), f.get("reason")) {
        Ok(step) => opinions::moderate(&state, &p, id, step).await.map_err(AppError::from),
        Err(m) => Err(AppError::Invalid(Invalid::one("reason", "理由", m))),
    };
    match done {
        Ok(_) => Ok(see(format!("/admin/consultations/{}/opinions", o.consultation_id), "opinion_moderated")),
        Err(e) => {
            let e = e.form_errors()?;
            opinions_view(
                &state,
                &headers,
                &p,
                &Fields::default(),
                o.consultation_id,
                FormView::default(),
                e.to_string(),
            )
            .await
        }
    }
}

/// Takes an opinion out of its group (a grouping that was wrong).
async fn split(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id)?;
    let o = opinions::visible(&state, &p, id).await?;
    match handling::split(&state, &p, id).await {
        Ok(_) => Ok(see(format!("/admin/consultations/{}/opinions", o.consultation_id), "opinion_split")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            opinions_view(
                &state,
                &headers,
                &p,
                &Fields::default(),
                o.consultation_id,
                FormView::default(),
                e.to_string(),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "console/consultation_groups.html")]
struct GroupsTemplate {
    page: Page,
    id: i64,
    title: String,
    open_only: bool,
    items: Vec<(Group, Vec<Forward>)>,
    total: i64,
    pages: Vec<PageLink>,
    decisions: &'static [Decision],
    units: Vec<crate::units::UnitOption>,
    final_: bool,
    error: String,
}

async fn groups_view(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    id: i64,
    error: String,
) -> PageResult {
    let c = consultation::visible(state, p, id).await?;
    let open_only = q.get("open") == "1";
    let page_no = q.page();
    let found = handling::groups(state, p, id, open_only, (page_no - 1) * PER_PAGE, PER_PAGE).await?;
    // The consultation's forwards in one query, not one per group of the page.
    let forwards = handling::forwards_of(state, &c).await?;
    let items = found
        .items
        .into_iter()
        .map(|g| {
            let of_group = forwards.iter().filter(|f| f.group_id == g.id).cloned().collect();
            (g, of_group)
        })
        .collect();
    let page = with_notice(
        console_page(state, headers, p, "意见归并与办理", "/admin/consultations", "consultations").await,
        q,
    );
    let base = format!("/admin/consultations/{id}/groups?{}", if open_only { "open=1&" } else { "" });
    let res = html(&GroupsTemplate {
        page,
        id,
        title: c.draft.title.clone(),
        open_only,
        pages: page_links(&base, found.total, PER_PAGE, page_no),
        total: found.total,
        items,
        decisions: Decision::ALL,
        units: crate::units::unit_options(&*state.unit_tree().await?, None),
        final_: c.report_published(),
        error: error.clone(),
    });
    Ok(if error.is_empty() { res } else { refused(res) })
}

async fn groups_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    groups_view(&state, &headers, &p, &q, path_id(&id)?, String::new()).await
}

/// After a step on a group: back to the groups, or the groups with what was wrong.
async fn after_group(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    group: i64,
    done: Result<(), AppError>,
    notice: &str,
) -> PageResult {
    let g = handling::group(state, p, group).await?;
    match done {
        Ok(()) => Ok(see(format!("/admin/consultations/{}/groups", g.consultation_id), notice)),
        Err(e) => {
            let e = e.form_errors()?;
            groups_view(state, headers, p, &Fields::default(), g.consultation_id, e.to_string()).await
        }
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
    let done = match DecisionInput::parse(f.get("decision"), f.get("reason")) {
        Ok(d) => handling::decide(&state, &p, id, &d).await.map(|_| ()).map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    after_group(&state, &headers, &p, id, done, "group_decided").await
}

async fn forward(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = async {
        let unit = f.int("unit_id", "承办单位")?.ok_or_else(|| Invalid::one("unit_id", "承办单位", "请选择"))?;
        let days = f.int("workdays", "办理时限")?.map(|d| u32::try_from(d).unwrap_or(0));
        handling::forward(&state, &p, id, unit, f.get("note"), days).await.map_err(AppError::from)?;
        Ok::<(), AppError>(())
    }
    .await;
    after_group(&state, &headers, &p, id, done, "group_forwarded").await
}

async fn merge(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = async {
        let from = f.int("from", "被合并的组")?.ok_or_else(|| Invalid::one("from", "被合并的组", "请填写组号"))?;
        handling::merge(&state, &p, id, from).await.map_err(AppError::from)?;
        Ok::<(), AppError>(())
    }
    .await;
    after_group(&state, &headers, &p, id, done, "groups_merged").await
}

struct ForwardRow {
    f: Forward,
    overdue: bool,
    unit: String,
    text: String,
    may_answer: bool,
}

#[derive(Template)]
#[template(path = "console/opinion_forwards.html")]
struct ForwardsTemplate {
    page: Page,
    rows: Vec<ForwardRow>,
    waiting: usize,
    overdue: usize,
    error: String,
}

async fn forwards_view(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, error: String) -> PageResult {
    let all = handling::dashboard(state, p).await?;
    let tree = state.unit_tree().await?;
    let texts = handling::group_texts(state, &all).await?;
    let mut rows = Vec::with_capacity(all.len());
    for (f, overdue) in &all {
        let text = texts.get(&f.group_id).cloned().unwrap_or_default();
        rows.push(ForwardRow {
            unit: tree.get(f.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
            may_answer: p.require_for_unit(state, Action::HandleOpinions, f.unit_id).await.is_ok(),
            overdue: *overdue,
            text,
            f: f.clone(),
        });
    }
    let page =
        with_notice(console_page(state, headers, p, "转办的意见", "/admin/opinion-forwards", "forwards").await, q);
    let res = html(&ForwardsTemplate {
        page,
        waiting: handling::waiting(&all),
        overdue: all.iter().filter(|(_, late)| *late).count(),
        rows,
        error: error.clone(),
    });
    Ok(if error.is_empty() { res } else { refused(res) })
}

async fn forwards_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    forwards_view(&state, &headers, &p, &q, String::new()).await
}

async fn forward_act(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = match ForwardStep::parse(f.get("action")) {
        Some(step) => handling::forward_step(&state, &p, id, step, f.get("text")).await.map_err(AppError::from),
        None => Err(AppError::Invalid(Invalid::one("action", "操作", "应为答复、退回或撤回"))),
    };
    match done {
        Ok(_) => Ok(see("/admin/opinion-forwards".into(), "forward_saved")),
        Err(e) => {
            let e = e.form_errors()?;
            forwards_view(&state, &headers, &p, &Fields::default(), e.to_string()).await
        }
    }
}

struct ConcernRow {
    id: i64,
    title: String,
    unit: String,
    source: &'static str,
    arose_on: String,
    response: Option<(i64, String, i64)>,
}

#[derive(Template)]
#[template(path = "console/concerns.html")]
struct ConcernsTemplate {
    page: Page,
    rows: Vec<ConcernRow>,
    times: Vec<(String, usize, String)>,
    sources: &'static [ConcernSource],
    form: FormView,
    error: String,
}

async fn concerns_view(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    form: FormView,
    error: String,
) -> PageResult {
    let all = concerns::staff_list(state, p).await?;
    let tree = state.unit_tree().await?;
    let name = |id: i64| tree.get(id).map(|u| u.short_name.clone()).unwrap_or_default();
    let times =
        concerns::response_times(&all).into_iter().map(|(u, n, avg)| (name(u), n, format!("{avg:.1}"))).collect();
    let rows = all
        .iter()
        .map(|c| ConcernRow {
            id: c.id,
            title: c.title.clone(),
            unit: name(c.unit_id),
            source: c.source.label(),
            arose_on: c.arose_on.to_string(),
            response: c.response_document_id.map(|d| {
                (d, c.responded_on.map(|o| o.to_string()).unwrap_or_default(), c.response_workdays.unwrap_or_default())
            }),
        })
        .collect();
    let page = with_notice(console_page(state, headers, p, "回应关切", "/admin/concerns", "consultations").await, q);
    let failed = form.failed() || !error.is_empty();
    let res = html(&ConcernsTemplate { page, rows, times, sources: ConcernSource::ALL, form, error });
    Ok(if failed { refused(res) } else { res })
}

async fn concerns_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    concerns_view(
        &state,
        &headers,
        &p,
        &q,
        FormView::new(Fields::default().with("arose_on", &state.today().to_string())),
        String::new(),
    )
    .await
}

async fn create_concern(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Form(f): Form,
) -> PageResult {
    let input = ConcernInput {
        unit_id: None,
        title: f.get("title").into(),
        summary: f.get("summary").into(),
        source: f.get("source").into(),
        arose_on: f.get("arose_on").into(),
        consultation_id: None,
    };
    match concerns::create(&state, &p, &input).await {
        Ok(_) => Ok(see("/admin/concerns".into(), "concern_saved")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            concerns_view(&state, &headers, &p, &Fields::default(), FormView::with_errors(f, e), String::new()).await
        }
    }
}

async fn respond(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = match f.int("document_id", "回应文件") {
        Ok(Some(doc)) => concerns::respond(&state, &p, id, doc).await.map_err(AppError::from),
        Ok(None) => Err(AppError::Invalid(Invalid::one("document_id", "回应文件", "请填写已发布的回应文件的 id"))),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match done {
        Ok(_) => Ok(see("/admin/concerns".into(), "concern_answered")),
        Err(e) => {
            let e = e.form_errors()?;
            concerns_view(&state, &headers, &p, &Fields::default(), FormView::default(), e.to_string()).await
        }
    }
}
