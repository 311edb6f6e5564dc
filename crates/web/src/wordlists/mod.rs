//! The lists of sensitive words and wrong expressions that the pre-publication checks match
//! (Aho–Corasick, in the domain's `wordcheck`): a console page and the API, for system
//! administrators. The checks read the lists afresh at every run, so a change applies at once.

use crate::app::AppState;
use crate::auth::{ApiStaff, Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{ApiResult, AppError, PageResult, Problem};
use crate::forms::{ApiJson, Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html_form};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Json, Router};
use gongkai_app::wordlists::{add_word, remove_word, words};
use gongkai_domain::wordcheck::WordKind;
use gongkai_store::wordlists::StoredWord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn console_routes() -> Router<AppState> {
    Router::new().route("/wordlists", get(page).post(add)).route("/wordlists/{id}/delete", post(remove_form))
}

#[derive(Template)]
#[template(path = "console/wordlists.html")]
struct WordsTemplate {
    page: Page,
    sensitive: Vec<StoredWord>,
    wrong: Vec<StoredWord>,
    form: FormView,
}

async fn render(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, form: FormView) -> PageResult {
    let (sensitive, wrong) = words(state, p).await?.into_iter().partition(|w| w.entry.kind == WordKind::Sensitive);
    let page = with_notice(console_page(state, headers, p, "检查词表", "/admin/wordlists", "wordlists").await, q);
    let failed = form.failed();
    Ok(html_form(&WordsTemplate { page, sensitive, wrong, form }, failed))
}

async fn page(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    render(&state, &headers, &p, &q, FormView::from_pairs(&[("kind", "wrong")])).await
}

async fn add(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    match add_word(&state, &p, f.get("kind"), f.get("word"), f.get("suggestion")).await {
        Ok(_) => Ok(Redirect::to("/admin/wordlists?notice=word_added").into_response()),
        Err(e) => {
            let errors = e.form_errors()?;
            render(&state, &headers, &p, &Fields::default(), FormView::with_errors(f, errors)).await
        }
    }
}

async fn remove_form(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>) -> PageResult {
    remove_word(&state, &p, path_id(&id)?).await?;
    Ok(Redirect::to("/admin/wordlists?notice=word_removed").into_response())
}

/// 检查词表中的一项
#[derive(Debug, Serialize, ToSchema)]
pub struct WordEntryOut {
    pub id: i64,
    /// sensitive（敏感词）或 wrong（错误表述）
    pub kind: String,
    pub word: String,
    /// 错误表述的正确写法
    pub suggestion: String,
}

impl From<&StoredWord> for WordEntryOut {
    fn from(w: &StoredWord) -> Self {
        WordEntryOut {
            id: w.id,
            kind: w.entry.kind.code().into(),
            word: w.entry.word.clone(),
            suggestion: w.entry.suggestion.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct WordBody {
    /// sensitive 或 wrong
    #[serde(default)]
    #[schema(inline, value_type = crate::api::schema::WordKindCode)]
    pub kind: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::schema::line::<30>)]
    pub word: String,
    #[serde(default)]
    #[schema(schema_with = crate::api::schema::line_opt::<30>)]
    pub suggestion: String,
}

/// 检查词表（敏感词和错误表述）
#[utoipa::path(get, path = "/api/v1/staff/wordlists", tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = Vec<WordEntryOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_words(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<Vec<WordEntryOut>>> {
    Ok(Json(words(&state, &p).await?.iter().map(WordEntryOut::from).collect()))
}

/// 增加敏感词或错误表述
#[utoipa::path(post, path = "/api/v1/staff/wordlists", tag = "documents", security(("bearer" = [])), request_body = WordBody,
    responses((status = 201, body = WordEntryOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_word(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(b): ApiJson<WordBody>,
) -> ApiResult<(StatusCode, Json<WordEntryOut>)> {
    let id = add_word(&state, &p, &b.kind, &b.word, &b.suggestion).await?;
    let words = words(&state, &p).await?;
    let w = words.iter().find(|w| w.id == id).ok_or(AppError::NotFound)?;
    Ok((StatusCode::CREATED, Json(WordEntryOut::from(w))))
}

/// 删除词表中的一项
#[utoipa::path(delete, path = "/api/v1/staff/wordlists/{id}", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_word(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    remove_word(&state, &p, path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The word lists' API routes.
pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new().routes(routes!(list_words, create_word)).routes(routes!(delete_word))
}
