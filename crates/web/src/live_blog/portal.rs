//! The public pages of live broadcasts: the list, a live page (every post and the published
//! questions, rendered on the server, with a refresh link and no automatic reload; a script
//! adds what arrives over Server-Sent Events), the question form (no account), the photos, and
//! the event stream itself.

use crate::app::AppState;
use crate::auth::ClientIp;
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html, html_form};
use crate::portal::page;
use crate::requests::challenge::{self, Challenge};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use gongkai_app::live_blog::{self, PostView, QuestionView};
use gongkai_domain::live_blog::input::QuestionInput;
use gongkai_domain::live_blog::{BlogStatus, SubjectKind, resume_after};
use gongkai_domain::time::local_minute_at;
use gongkai_store::live_blog::{Blog, LiveEvent};
use std::collections::VecDeque;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/live", get(list))
        .route("/live/images/{id}", get(image))
        .route("/live/{id}", get(show))
        .route("/live/{id}/events", get(events))
        .route("/live/{id}/questions", get(question_form).post(ask))
}

/// What a list shows of a broadcast.
pub struct Row {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub status: BlogStatus,
    pub starts: String,
    pub subject: &'static str,
}

async fn row(state: &AppState, b: &Blog) -> Result<Row, AppError> {
    let tree = state.unit_tree().await?;
    Ok(Row {
        id: b.id,
        title: b.title.clone(),
        unit: tree.get(b.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
        status: b.status,
        starts: local_minute_at(live_blog::began(b)),
        subject: b.subject_kind.label(),
    })
}

#[derive(Template)]
#[template(path = "portal/live_list.html")]
struct ListTemplate {
    page: Page,
    items: Vec<Row>,
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> PageResult {
    let mut all = live_blog::public_list(&state).await?;
    // On air first, then the coming ones, then the archive.
    all.sort_by_key(|b| {
        let rank = match b.status {
            BlogStatus::Live => 0,
            BlogStatus::Scheduled => 1,
            BlogStatus::Ended => 2,
        };
        (rank, std::cmp::Reverse(live_blog::began(b)))
    });
    let mut items = Vec::new();
    for b in &all {
        items.push(row(&state, b).await?);
    }
    let p = page(&state, &headers, "图文直播", "/live", "live").crumb("互动交流", "/hudong").crumb("图文直播", "/live");
    Ok(html(&ListTemplate { page: p, items }))
}

#[derive(Template)]
#[template(path = "portal/live.html")]
struct ShowTemplate {
    page: Page,
    b: Row,
    summary: String,
    subject_url: Option<String>,
    posts: Vec<PostView>,
    questions: Vec<QuestionView>,
    last_seq: i64,
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let v = live_blog::page(&state, path_id(&id)?).await?;
    let subject_url = match (v.blog.subject_kind, v.blog.subject_id) {
        (SubjectKind::Meeting, Some(m)) => Some(format!("/meetings/{m}")),
        (SubjectKind::OpenDay, Some(d)) => Some(format!("/open-days/{d}")),
        _ => None,
    };
    let p = page(&state, &headers, &v.blog.title, &format!("/live/{}", v.blog.id), "live")
        .crumb("互动交流", "/hudong")
        .crumb("图文直播", "/live");
    let mut res = html(&ShowTemplate {
        page: p,
        b: row(&state, &v.blog).await?,
        summary: v.blog.summary.clone(),
        subject_url,
        posts: v.posts.iter().map(PostView::of).collect(),
        questions: v.questions.iter().rev().map(QuestionView::of).collect(),
        last_seq: v.last_seq,
    });
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(res)
}

/// A photo of a post: its bytes never change, so it may be kept for a year.
async fn image(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, AppError> {
    let (content_type, bytes) = live_blog::image(&state, path_id(&id)?).await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&content_type).map_err(AppError::internal)?);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    Ok(res)
}

/// Where a viewer's stream stands: changes read from the outbox and not yet sent, the last sent.
struct Viewer {
    blog_id: i64,
    last: i64,
    backlog: VecDeque<LiveEvent>,
    /// The outbox may hold more after the backlog (it was read in a batch).
    more: bool,
    rx: tokio::sync::broadcast::Receiver<Arc<LiveEvent>>,
    state: AppState,
}

/// Changes read from the outbox at a time.
const BACKLOG: i64 = 500;

impl Viewer {
    async fn refill(&mut self) {
        match live_blog::events_after(&self.state, self.blog_id, self.last, BACKLOG).await {
            Ok(events) => {
                self.more = events.len() as i64 == BACKLOG;
                self.backlog = events.into();
            }
            Err(e) => {
                tracing::warn!(error = %e, "a viewer's missed changes could not be read");
                self.more = false;
            }
        }
    }

    /// The next change of this page, in order, none missed.
    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(e) = self.backlog.pop_front() {
                self.last = e.seq;
                return Some(sse_event(&e));
            }
            if self.more {
                self.refill().await;
                continue;
            }
            match self.rx.recv().await {
                // The hub passes every change in the order of the outbox (live writes are
                // serialised, so they commit in that order) and says when this viewer fell
                // behind: a change of this page after the last one sent is the next one.
                Ok(e) if e.blog_id == self.blog_id && e.seq > self.last => {
                    self.last = e.seq;
                    return Some(sse_event(&e));
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => self.more = true,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}

fn sse_event(e: &LiveEvent) -> Event {
    Event::default().id(e.seq.to_string()).event(e.kind.clone()).data(e.payload.clone())
}

/// `GET /live/{id}/events`: the page's changes as Server-Sent Events, each with its sequence
/// number as id. A viewer reconnecting with `Last-Event-ID` (or `?last_event_id=`, which the
/// page gives for its first connection) gets every change after it, from the outbox; a viewer
/// giving neither gets changes from now on.
async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query,
) -> Result<Response, AppError> {
    let blog_id = path_id(&id)?;
    live_blog::public(&state, blog_id).await?;
    let given = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let from = resume_after(given).or_else(|| resume_after(q.opt("last_event_id")));
    let hub = state.live_hub().await?;
    // Subscribe before reading the outbox: nothing committed in between is missed.
    let rx = hub.subscribe();
    let last = match from {
        Some(seq) => i64::try_from(seq).unwrap_or(i64::MAX),
        None => live_blog::last_seq(&state, blog_id).await?,
    };
    let mut viewer = Viewer { blog_id, last, backlog: VecDeque::new(), more: from.is_some(), rx, state };
    viewer.refill_if_resuming().await;
    let stream = futures_util::stream::unfold(viewer, |mut v| async move {
        v.next().await.map(|e| (Ok::<_, std::convert::Infallible>(e), v))
    });
    let mut res =
        Sse::new(stream).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15))).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

impl Viewer {
    async fn refill_if_resuming(&mut self) {
        if self.more {
            self.refill().await;
        }
    }
}

#[derive(Template)]
#[template(path = "portal/live_question.html")]
struct QuestionTemplate {
    page: Page,
    f: FormView,
    id: i64,
    title: String,
    closed: bool,
    challenge: Option<Challenge>,
    sent: bool,
}

async fn render_question(
    state: &AppState,
    headers: &HeaderMap,
    id: i64,
    f: FormView,
    challenge: Option<Challenge>,
    sent: bool,
) -> PageResult {
    let b = live_blog::public(state, id).await?;
    let p = page(state, headers, "网民提问", &format!("/live/{id}/questions"), "live")
        .crumb("互动交流", "/hudong")
        .crumb("图文直播", "/live")
        .crumb(&b.title, &format!("/live/{id}"));
    let failed = f.failed();
    let closed = b.status == BlogStatus::Ended;
    let t = QuestionTemplate {
        page: p,
        f,
        id,
        title: b.title,
        closed,
        challenge: if closed { None } else { challenge },
        sent,
    };
    Ok(html_form(&t, failed))
}

async fn question_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult {
    let id = path_id(&id)?;
    let c = challenge::issue(&state, &ip).await?;
    render_question(&state, &headers, id, FormView::default(), Some(c), false).await
}

async fn ask(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let input = QuestionInput {
        name: f.get("name").into(),
        text: f.get("text").into(),
        challenge_id: f.get("challenge_id").into(),
        challenge_answer: f.get("challenge_answer").into(),
    };
    match live_blog::ask(&state, id, &input, &ip).await {
        Ok(_) => {
            let c = challenge::issue(&state, &ip).await?;
            render_question(&state, &headers, id, FormView::default(), Some(c), true).await
        }
        Err(e) => {
            let mut errors = AppError::from(e).form_errors()?;
            let mut kept: Fields = f;
            let c = challenge::again(&state, &ip, &mut kept, &mut errors).await?;
            render_question(&state, &headers, id, FormView::with_errors(kept, errors), Some(c), false).await
        }
    }
}
