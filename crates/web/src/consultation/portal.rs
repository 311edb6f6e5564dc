//! The public pages of consultations: the list, a consultation with its questions, draft and
//! published opinions, the form to give an opinion (no account, works without JavaScript), the
//! receipt, following an opinion, the adoption feedback with its charts and workbook, the
//! Atom feed, and the responses to public concerns.

use super::{channel_bars, decision_bars};
use crate::app::AppState;
use crate::errors::{AppError, PageResult};
use crate::forms::{Form, FormView, Query, path_id};
use crate::page::{Page, PageLink, html, html_form, no_store, page_links};
use crate::portal::page;
use crate::requests::challenge::{self, Challenge};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_app::consultation::{self, Live, opinions, report};
use gongkai_domain::business_policy::district_name;
use gongkai_domain::consultation::input::OpinionInput;
use gongkai_domain::consultation::report::{NO_DISTRICT, ReportFigures};
use gongkai_domain::consultation::{Channel, Phase};
use gongkai_domain::time::{display_instant_at, format_instant};
use gongkai_store::consultation::opinions::{Opinion, OpinionFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/consultations", get(list))
        .route("/consultations/feed.atom", get(feed))
        .route("/consultations/opinions", get(track_form).post(track))
        .route("/consultations/{id}", get(show))
        .route("/consultations/{id}/submit", get(form).post(submit))
        .route("/consultations/{id}/draft", get(draft_page))
        .route("/consultations/{id}/report", get(report_page))
        .route("/consultations/{id}/report.xlsx", get(report_xlsx))
        .route("/concerns", get(concerns_page))
}

const PER_PAGE: i64 = 20;

/// What a list shows of a consultation.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub opens: String,
    pub closes: String,
    pub phase: Phase,
    pub report: bool,
}

async fn row(state: &AppState, l: &Live) -> Result<Row, AppError> {
    let tree = state.unit_tree().await?;
    Ok(Row {
        id: l.id,
        title: l.fields.title.clone(),
        unit: tree.get(l.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
        opens: display_instant_at(l.fields.opens_at),
        closes: display_instant_at(l.fields.closes_at),
        phase: l.phase,
        report: l.report.is_some(),
    })
}

#[derive(Template)]
#[template(path = "portal/consultations.html")]
struct ListTemplate {
    page: Page,
    items: Vec<Row>,
    total: usize,
    pages: Vec<PageLink>,
    phase: String,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let phase = q.get("phase").trim().to_string();
    let all: Vec<Live> = consultation::published_list(&state)
        .await?
        .into_iter()
        .filter(|l| phase.is_empty() || l.phase.code() == phase)
        .collect();
    let page_no = q.page();
    let mut items = Vec::new();
    for l in all.iter().skip(((page_no - 1) * PER_PAGE) as usize).take(PER_PAGE as usize) {
        items.push(row(&state, l).await?);
    }
    let base = if phase.is_empty() { "/consultations?".to_string() } else { format!("/consultations?phase={phase}&") };
    let p = page(&state, &headers, "意见征集", "/consultations", "consultations")
        .crumb("互动交流", "/hudong")
        .crumb("意见征集", "/consultations");
    Ok(html(&ListTemplate {
        page: p,
        pages: page_links(&base, all.len() as i64, PER_PAGE, page_no),
        total: all.len(),
        items,
        phase,
    }))
}

/// A published opinion as the public reads it.
pub struct PublicOpinion {
    pub question: u32,
    pub text: String,
    pub topic: String,
    pub district: String,
    pub channel: &'static str,
    pub received_on: String,
    pub passage: Option<String>,
}

fn public(o: Opinion) -> PublicOpinion {
    PublicOpinion {
        question: o.question,
        text: o.public_text,
        topic: o.topic.unwrap_or_default(),
        district: o.district.as_deref().map(district_name).unwrap_or_default(),
        channel: o.channel.label(),
        received_on: o.received_on.to_string(),
        passage: o.passage,
    }
}

struct DocLink {
    id: i64,
    title: String,
}

#[derive(Template)]
#[template(path = "portal/consultation.html")]
struct ShowTemplate {
    page: Page,
    c: Row,
    unit_id: i64,
    unit_name: String,
    background: String,
    questions: Vec<String>,
    channels: String,
    draft: Option<DocLink>,
    interpretations: Vec<DocLink>,
    closed: Option<String>,
    topics: Vec<(String, u64)>,
    opinions: Vec<PublicOpinion>,
    total: i64,
    pages: Vec<PageLink>,
    topic: String,
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let l = consultation::published(&state, path_id(&id)?).await?;
    let tree = state.unit_tree().await?;
    let docs = |ids: Vec<i64>| {
        let state = state.clone();
        async move {
            let found = gongkai_app::documents::public::documents(&state, &ids).await?;
            Ok::<_, AppError>(found.into_iter().map(|d| DocLink { id: d.id, title: d.title }).collect::<Vec<_>>())
        }
    };
    let draft = docs(l.fields.document_id.into_iter().collect()).await?.into_iter().next();
    let interpretations = docs(l.fields.interpretation_ids.clone()).await?;
    let topics = opinions::topic_counts(&state, l.id).await?.into_iter().collect();
    let topic = q.get("topic").trim().chars().take(20).collect::<String>();
    let page_no = q.page();
    let f = OpinionFilter { topic: Some(topic.clone()).filter(|t| !t.is_empty()), ..Default::default() };
    let found = opinions::published_page(&state, l.id, &f, (page_no - 1) * PER_PAGE, PER_PAGE).await?;
    let base = if topic.is_empty() {
        format!("/consultations/{}?", l.id)
    } else {
        format!(
            "/consultations/{}?{}&",
            l.id,
            url::form_urlencoded::Serializer::new(String::new()).append_pair("topic", &topic).finish()
        )
    };
    let path = format!("/consultations/{}", l.id);
    let p = page(&state, &headers, &l.fields.title, &path, "consultations")
        .crumb("互动交流", "/hudong")
        .crumb("意见征集", "/consultations");
    Ok(html(&ShowTemplate {
        page: p,
        c: row(&state, &l).await?,
        unit_id: l.unit_id,
        unit_name: tree.get(l.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        background: l.fields.background.clone(),
        questions: l.fields.questions.clone(),
        channels: l.fields.channels.iter().map(|c| c.label()).collect::<Vec<_>>().join("、"),
        draft,
        interpretations,
        closed: opinions::closed_reason(&l, Channel::Portal),
        topics,
        pages: page_links(&base, found.total, PER_PAGE, page_no),
        total: found.total,
        opinions: found.items.into_iter().map(public).collect(),
        topic,
    }))
}

/// A paragraph of the draft as shown, with the opinions on it.
struct ParagraphView {
    number: usize,
    text: String,
    count: usize,
    opinions: Vec<PublicOpinion>,
    /// The form with this paragraph quoted (while the consultation is open).
    comment: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/consultation_draft.html")]
struct DraftTemplate {
    page: Page,
    id: i64,
    title: String,
    document_id: i64,
    document_title: String,
    paragraphs: Vec<ParagraphView>,
    /// One paragraph with all its opinions (`?para=N`), or all with the newest few.
    one: bool,
    pages: Vec<PageLink>,
    total: usize,
    commented: usize,
}

/// The draft paragraph by paragraph, each with the published opinions on its passages beside
/// it (below it on a phone); `?para=N` lists all the opinions on paragraph N.
async fn draft_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let id = path_id(&id)?;
    let view = opinions::draft_view(&state, id).await?;
    let open = opinions::closed_reason(&view.live, Channel::Portal).is_none();
    let comment = |text: &str| {
        open.then(|| {
            let quoted = text.trim().chars().take(500).collect::<String>();
            format!(
                "/consultations/{id}/submit?{}",
                url::form_urlencoded::Serializer::new(String::new()).append_pair("passage", &quoted).finish()
            )
        })
    };
    let total = view.paragraphs.iter().map(|p| p.count).sum();
    let commented = view.paragraphs.iter().filter(|p| p.count > 0).count();
    let chosen = q.opt("para").and_then(|n| n.trim().parse::<usize>().ok());
    let shown = |p: opinions::DraftParagraph, shown: Vec<Opinion>| ParagraphView {
        comment: comment(&p.text),
        number: p.number,
        text: p.text,
        count: p.count,
        opinions: shown.into_iter().map(public).collect(),
    };
    let mut pages = Vec::new();
    let paragraphs = match chosen {
        None => view
            .paragraphs
            .into_iter()
            .map(|mut p| {
                let newest = std::mem::take(&mut p.newest);
                shown(p, newest)
            })
            .collect(),
        Some(n) => {
            let p = view.paragraphs.into_iter().find(|p| p.number == n).ok_or(AppError::NotFound)?;
            let page_no = q.page();
            let f = OpinionFilter { passage_within: Some((p.start, p.end)), ..Default::default() };
            let found = opinions::published_page(&state, id, &f, (page_no - 1) * PER_PAGE, PER_PAGE).await?;
            pages = page_links(&format!("/consultations/{id}/draft?para={n}&"), found.total, PER_PAGE, page_no);
            vec![shown(p, found.items)]
        }
    };
    let title = view.live.fields.title.clone();
    let p = page(&state, &headers, "征求意见稿逐段意见", &format!("/consultations/{id}/draft"), "consultations")
        .crumb("互动交流", "/hudong")
        .crumb("意见征集", "/consultations")
        .crumb(&title, &format!("/consultations/{id}"));
    Ok(html(&DraftTemplate {
        page: p,
        id,
        title,
        document_id: view.document_id,
        document_title: view.title,
        paragraphs,
        one: chosen.is_some(),
        pages,
        total,
        commented,
    }))
}

#[derive(Template)]
#[template(path = "portal/consultation_form.html")]
struct FormTemplate {
    page: Page,
    f: FormView,
    id: i64,
    title: String,
    questions: Vec<String>,
    topics: Vec<String>,
    districts: Vec<(String, String)>,
    has_draft: bool,
    contact_required: bool,
    closed: Option<String>,
    challenge: Option<Challenge>,
}

async fn render_form(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    f: FormView,
    challenge: Option<Challenge>,
) -> PageResult {
    let l = consultation::published(state, id).await?;
    let closed = opinions::closed_reason(&l, Channel::Portal);
    let path = format!("/consultations/{id}/submit");
    let p = page(state, headers, "提交意见", &path, "consultations")
        .crumb("互动交流", "/hudong")
        .crumb("意见征集", "/consultations")
        .crumb(&l.fields.title, &format!("/consultations/{id}"));
    let failed = f.failed();
    let t = FormTemplate {
        page: p,
        f,
        id,
        title: l.fields.title.clone(),
        questions: l.fields.questions.clone(),
        topics: l.fields.topics.clone(),
        districts: crate::business_policy::district_options(),
        has_draft: l.fields.document_id.is_some(),
        contact_required: l.fields.contact_required,
        challenge: if closed.is_none() { challenge } else { None },
        closed,
    };
    Ok(html_form(&t, failed))
}

async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let id = path_id(&id)?;
    let challenge = challenge::issue(&state, &ip).await?;
    // A link from a passage of the draft fills the passage in.
    let mut kept = crate::forms::Fields::default();
    for k in ["passage", "question"] {
        if let Some(v) = q.opt(k) {
            kept = kept.with(k, &v.chars().take(500).collect::<String>());
        }
    }
    render_form(&state, &headers, id, FormView::with_errors(kept, Default::default()), Some(challenge)).await
}

#[derive(Template)]
#[template(path = "portal/opinion_ack.html")]
struct AckTemplate {
    page: Page,
    receipt_no: String,
    query_code: String,
    title: String,
    id: i64,
}

async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let input = OpinionInput::from_form(&|k| f.get(k).to_string());
    match opinions::submit(&state, id, &input, &ip).await {
        Ok(ack) => {
            let l = consultation::published(&state, id).await?;
            let p = page(&state, &headers, "意见已提交", &format!("/consultations/{id}/submit"), "consultations")
                .crumb("互动交流", "/hudong")
                .crumb("意见征集", "/consultations");
            Ok(no_store(html(&AckTemplate {
                page: p,
                receipt_no: ack.opinion.receipt_no,
                query_code: ack.query_code,
                title: l.fields.title,
                id,
            })))
        }
        Err(e) => {
            let mut errors = AppError::from(e).form_errors()?;
            let mut kept = f;
            let challenge = challenge::again(&state, &ip, &mut kept, &mut errors).await?;
            render_form(&state, &headers, id, FormView::with_errors(kept, errors), Some(challenge)).await
        }
    }
}

/// What the person sees of their opinion.
struct TrackView {
    receipt_no: String,
    consultation_id: i64,
    consultation: String,
    text: String,
    received_on: String,
    status: &'static str,
    hidden: Option<&'static str>,
    decision: Option<&'static str>,
    reason: String,
    answers: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "portal/opinion_track.html")]
struct TrackTemplate {
    page: Page,
    f: FormView,
    found: Option<TrackView>,
}

fn track_page(state: &AppState, headers: &HeaderMap, f: FormView, found: Option<TrackView>) -> PageResult {
    let p = page(state, headers, "意见查询", "/consultations/opinions", "consultations")
        .crumb("互动交流", "/hudong")
        .crumb("意见征集", "/consultations");
    let failed = f.failed();
    Ok(no_store(html_form(&TrackTemplate { page: p, f, found }, failed)))
}

async fn track_form(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    track_page(&state, &headers, FormView::default(), None)
}

async fn track(
    State(state): State<AppState>,
    headers: HeaderMap,
    crate::auth::ClientIp(ip): crate::auth::ClientIp,
    Form(f): Form,
) -> PageResult {
    match opinions::track(&state, f.get("receipt_no"), f.get("code"), &ip).await {
        Ok(file) => {
            let tree = state.unit_tree().await?;
            let o = file.opinion;
            let view = TrackView {
                receipt_no: o.receipt_no,
                consultation_id: o.consultation_id,
                consultation: file.consultation,
                text: o.public_text,
                received_on: o.received_on.to_string(),
                status: o.status.label(),
                hidden: o.hide_reason.map(|r| r.label()),
                decision: file.decision.map(|d| d.label()),
                reason: file.reason.unwrap_or_default(),
                answers: file
                    .answers
                    .into_iter()
                    .map(|a| {
                        (tree.get(a.unit_id).map(|u| u.name.clone()).unwrap_or_default(), a.answer.unwrap_or_default())
                    })
                    .collect(),
            };
            track_page(&state, &headers, FormView::default(), Some(view))
        }
        Err(e) => {
            let errors = AppError::from(e).form_errors()?;
            let kept = f.without(&["code"]);
            track_page(&state, &headers, FormView::with_errors(kept, errors), None)
        }
    }
}

/// A figure's row: its label and count.
pub struct Figure {
    pub label: String,
    pub n: u64,
}

/// The figures as the page and the workbook label them.
pub struct Labelled {
    pub channels: Vec<Figure>,
    pub topics: Vec<Figure>,
    pub districts: Vec<Figure>,
    pub decisions: Vec<Figure>,
}

pub fn labelled(f: &ReportFigures) -> Labelled {
    let fig = |label: String, n: u64| Figure { label, n };
    Labelled {
        channels: f
            .by_channel
            .iter()
            .map(|(c, n)| fig(Channel::from_code(c).map_or_else(|| c.clone(), |c| c.label().to_string()), *n))
            .collect(),
        topics: f.by_topic.iter().map(|(t, n)| fig(t.clone(), *n)).collect(),
        districts: f
            .by_district
            .iter()
            .map(|(d, n)| fig(if d == NO_DISTRICT { "未填写".into() } else { district_name(d) }, *n))
            .collect(),
        decisions: {
            let d = &f.by_decision;
            vec![
                fig("采纳".into(), d.adopted),
                fig("部分采纳".into(), d.partly_adopted),
                fig("未采纳".into(), d.not_adopted),
                fig("已答复".into(), d.answered),
                fig("尚未办结".into(), d.open),
            ]
        },
    }
}

struct MainView {
    size: u64,
    text: String,
    decision: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "portal/consultation_report.html")]
struct ReportTemplate {
    page: Page,
    id: i64,
    title: String,
    published: Option<String>,
    summary: String,
    figures: ReportFigures,
    labels: Labelled,
    channel_chart: String,
    decision_chart: String,
    main: Vec<MainView>,
}

async fn report_page(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let l = consultation::published(&state, path_id(&id)?).await?;
    let (summary, figures, main, published) = match &l.report {
        Some(r) => {
            (r.summary.clone(), r.figures.clone(), r.main.clone(), l.report_published_at.map(display_instant_at))
        }
        None => (String::new(), report::figures(&state, l.id).await?, Vec::new(), None),
    };
    let labels = labelled(&figures);
    let main = main
        .into_iter()
        .map(|m| MainView {
            size: m.size,
            text: m.text,
            decision: m
                .decision
                .as_deref()
                .and_then(gongkai_domain::consultation::Decision::from_code)
                .map_or("尚未办结", |d| d.label())
                .to_string(),
            reason: m.reason,
        })
        .collect();
    let path = format!("/consultations/{}/report", l.id);
    let p = page(&state, &headers, "意见采纳情况反馈", &path, "consultations")
        .crumb("互动交流", "/hudong")
        .crumb("意见征集", "/consultations")
        .crumb(&l.fields.title, &format!("/consultations/{}", l.id));
    Ok(html(&ReportTemplate {
        page: p,
        id: l.id,
        title: l.fields.title.clone(),
        published,
        summary,
        channel_chart: channel_bars(&labels),
        decision_chart: decision_bars(&labels),
        labels,
        figures,
        main,
    }))
}

async fn report_xlsx(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let l = consultation::published(&state, path_id(&id)?).await?;
    let figures = report::public_figures(&state, l.id).await?;
    let bytes = super::workbook(&l.fields.title, &figures)?;
    Ok(crate::documents::files::as_download(bytes, super::XLSX, "意见征集统计.xlsx").into_response())
}

async fn feed(State(state): State<AppState>) -> PageResult {
    let tree = state.unit_tree().await?;
    let all = consultation::published_list(&state).await?;
    let entries: Vec<crate::business_policy::portal::FeedEntry> = all
        .iter()
        .take(50)
        .map(|l| crate::business_policy::portal::FeedEntry {
            path: format!("/consultations/{}", l.id),
            title: l.fields.title.clone(),
            updated: format_instant(l.published_at.unwrap_or(l.fields.opens_at)),
            author: tree.get(l.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
            summary: format!(
                "{}（征集时间：{} 至 {}）",
                l.fields.background.chars().take(200).collect::<String>(),
                display_instant_at(l.fields.opens_at),
                display_instant_at(l.fields.closes_at)
            ),
        })
        .collect();
    let updated = entries.iter().map(|e| e.updated.clone()).max().unwrap_or_else(|| "2000-01-01T00:00:00Z".into());
    crate::business_policy::portal::FeedTemplate {
        title: format!("{} · 意见征集", state.site.site_name),
        base: state.base_url(),
        feed_path: "/consultations/feed.atom".into(),
        alternate: "/consultations".into(),
        updated,
        entries,
    }
    .response()
}

struct ConcernView {
    title: String,
    summary: String,
    unit: String,
    source: &'static str,
    arose_on: String,
    responded_on: String,
    workdays: i64,
    document_id: i64,
    document: String,
}

#[derive(Template)]
#[template(path = "portal/concerns.html")]
struct ConcernsTemplate {
    page: Page,
    items: Vec<ConcernView>,
}

async fn concerns_page(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let tree = state.unit_tree().await?;
    let answered = consultation::concerns::answered(&state).await?;
    let ids: Vec<i64> = answered.iter().filter_map(|c| c.response_document_id).collect();
    let docs = gongkai_app::documents::public::documents(&state, &ids).await?;
    let items = answered
        .into_iter()
        .filter_map(|c| {
            let doc = docs.iter().find(|d| Some(d.id) == c.response_document_id)?;
            Some(ConcernView {
                title: c.title,
                summary: c.summary,
                unit: tree.get(c.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
                source: c.source.label(),
                arose_on: c.arose_on.to_string(),
                responded_on: c.responded_on.map(|d| d.to_string()).unwrap_or_default(),
                workdays: c.response_workdays.unwrap_or_default(),
                document_id: doc.id,
                document: doc.title.clone(),
            })
        })
        .collect();
    let p = page(&state, &headers, "回应关切", "/concerns", "concerns").crumb("互动交流", "/hudong");
    Ok(html(&ConcernsTemplate { page: p, items }))
}
