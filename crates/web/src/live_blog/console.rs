//! Console pages of live broadcasts: the list with the form for a new page, and each page with
//! its start and end, the post form (text, quote, or a photo with its alt text; works without
//! JavaScript), its posts with edit and retract, and the moderation of questions.

use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html_form, see};
use askama::Template;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use gongkai_app::live_blog::{self, BlogInput, Decision, PostView};
use gongkai_domain::live_blog::input::PostInput;
use gongkai_domain::live_blog::{BlogStatus, HideReason, SubjectKind};
use gongkai_domain::staff::Action;
use gongkai_domain::time::local_minute_at;
use gongkai_store::live_blog::{Blog, Question};

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/live", get(list).post(create))
        .route("/live/{id}", get(show))
        .route("/live/{id}/status", post(set_status))
        .route("/live/{id}/posts", post(add_post).layer(DefaultBodyLimit::max(upload_limit)))
        .route("/live-posts/{id}/edit", post(edit_post))
        .route("/live-posts/{id}/retraction", post(retract_post))
        .route("/live-questions/{id}/moderation", post(moderate))
}

struct Row {
    id: i64,
    title: String,
    status: &'static str,
    starts: String,
    subject: &'static str,
}

#[derive(Template)]
#[template(path = "console/live_list.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    form: FormView,
    kinds: &'static [SubjectKind],
    may_draft: bool,
}

async fn list_page(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, form: FormView) -> PageResult {
    let page = with_notice(console_page(state, headers, p, "图文直播", "/admin/live", "live").await, q);
    let rows = live_blog::staff_list(state, p)
        .await?
        .iter()
        .map(|b| Row {
            id: b.id,
            title: b.title.clone(),
            status: b.status.label(),
            starts: local_minute_at(b.starts_at),
            subject: b.subject_kind.label(),
        })
        .collect();
    let failed = form.failed();
    Ok(html_form(
        &ListTemplate { page, rows, form, kinds: SubjectKind::ALL, may_draft: p.may(Action::DraftDocuments) },
        failed,
    ))
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    list_page(&state, &headers, &p, &q, FormView::default()).await
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    let subject_id = match f.int("subject_id", "直播对象") {
        Ok(v) => v,
        Err(e) => return list_page(&state, &headers, &p, &Fields::default(), FormView::with_errors(f, e)).await,
    };
    let input = BlogInput {
        unit_id: None,
        title: f.get("title").into(),
        summary: f.get("summary").into(),
        subject_kind: f.get("subject_kind").into(),
        subject_id,
        starts_at: f.get("starts_at").into(),
    };
    match live_blog::create(&state, &p, &input).await {
        Ok(b) => Ok(see(format!("/admin/live/{}", b.id), "live_saved")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            list_page(&state, &headers, &p, &Fields::default(), FormView::with_errors(f, e)).await
        }
    }
}

#[derive(Template)]
#[template(path = "console/live.html")]
struct ShowTemplate {
    page: Page,
    b: Blog,
    posts: Vec<PostView>,
    questions: Vec<Question>,
    reasons: &'static [HideReason],
    form: FormView,
    error: String,
}

async fn show_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    id: i64,
    form: FormView,
    error: String,
) -> PageResult {
    let (b, posts, questions) = live_blog::console_view(state, p, id).await?;
    let page = with_notice(console_page(state, headers, p, &b.title, "/admin/live", "live").await, q);
    let failed = form.failed() || !error.is_empty();
    let t = ShowTemplate {
        page,
        b,
        posts: posts.iter().map(PostView::of).collect(),
        questions,
        reasons: HideReason::ALL,
        form,
        error,
    };
    Ok(html_form(&t, failed))
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    show_page(&state, &headers, &p, &q, path_id(&id)?, FormView::default(), String::new()).await
}

async fn set_status(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let to = if f.get("status") == "ended" { BlogStatus::Ended } else { BlogStatus::Live };
    match live_blog::set_status(&state, &p, id, to).await {
        Ok(_) => Ok(see(format!("/admin/live/{id}"), "live_status")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?.to_string();
            show_page(&state, &headers, &p, &Fields::default(), id, FormView::default(), e).await
        }
    }
}

/// The post form: multipart, for the photo; the CSRF token is checked by the console's layer
/// from the query (`_csrf`), as for every upload form.
async fn add_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    form: Multipart,
) -> PageResult {
    let id = path_id(&id)?;
    let upload = crate::forms::read_upload_with(form, 2000).await?;
    let f = upload.fields;
    let input = PostInput {
        kind: f.get("kind").into(),
        text: f.get("text").into(),
        alt: f.get("alt").into(),
        speaker: f.get("speaker").into(),
    };
    // A form always sends its file field; left empty, it holds no file.
    let image = upload.file.filter(|(_, bytes)| !bytes.is_empty()).map(|(_, bytes)| bytes.to_vec());
    match live_blog::post(&state, &p, id, &input, image).await {
        Ok(_) => Ok(see(format!("/admin/live/{id}"), "live_posted")),
        Err(e) => {
            let e = AppError::from(e).form_errors()?;
            show_page(&state, &headers, &p, &Fields::default(), id, FormView::with_errors(f, e), String::new()).await
        }
    }
}

async fn after_post(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    post_id: i64,
    done: Result<(), AppError>,
) -> PageResult {
    let blog = live_blog::blog_of_post(state, p, post_id).await?;
    match done {
        Ok(()) => Ok(see(format!("/admin/live/{blog}"), "live_posted")),
        Err(e) => {
            let e = e.form_errors()?.to_string();
            show_page(state, headers, p, &Fields::default(), blog, FormView::default(), e).await
        }
    }
}

async fn edit_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let input = PostInput {
        kind: String::new(),
        text: f.get("text").into(),
        alt: f.get("alt").into(),
        speaker: f.get("speaker").into(),
    };
    let done = live_blog::edit(&state, &p, id, &input).await.map(|_| ()).map_err(AppError::from);
    after_post(&state, &headers, &p, id, done).await
}

async fn retract_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let done = live_blog::retract(&state, &p, id, f.get("note")).await.map(|_| ()).map_err(AppError::from);
    after_post(&state, &headers, &p, id, done).await
}

async fn moderate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let blog = live_blog::blog_of_question(&state, &p, id).await?;
    let done = match Decision::parse(f.get("action"), f.get("answer"), f.get("reason")) {
        Ok(d) => live_blog::moderate(&state, &p, id, &d).await.map(|_| ()).map_err(AppError::from),
        Err(e) => Err(AppError::Invalid(e)),
    };
    match done {
        Ok(()) => Ok(see(format!("/admin/live/{blog}"), "question_moderated")),
        Err(e) => {
            let e = e.form_errors()?.to_string();
            show_page(&state, &headers, &p, &Fields::default(), blog, FormView::default(), e).await
        }
    }
}
