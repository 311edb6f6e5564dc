//! The public page of a document: metadata table of the 政府信息公开目录, 题注, body, validity
//! notice, interpretations, update history; withdrawn documents as their withdrawal says.

use crate::app::AppState;
use crate::errors::{AppError, PageResult};
use crate::forms::path_id;
use crate::page::html;
use crate::portal::page;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use gongkai_domain::documents::{Validity, Withdrawal};
use gongkai_domain::time::display_instant;
use gongkai_store::documents::{PublicDocument, PublicFilter, Version};

pub fn routes() -> Router<AppState> {
    Router::new().route("/documents/{id}", get(show))
}

pub struct Link {
    pub id: i64,
    pub title: String,
}

#[derive(Template)]
#[template(path = "portal/document.html")]
struct DocumentTemplate {
    page: crate::page::Page,
    doc: PublicDocument,
    unit: String,
    genre: &'static str,
    topic: &'static str,
    validity: &'static str,
    repealed: bool,
    replaced_by: Option<Link>,
    interprets: Option<Link>,
    interpretations: Vec<Link>,
    versions: Vec<Version>,
    withdrawn: bool,
    note_lines: Vec<String>,
    updated: String,
}

async fn link(state: &AppState, id: Option<i64>) -> Result<Option<Link>, AppError> {
    match id {
        Some(id) => Ok(state.store.public_document(id).await?.map(|d| Link { id: d.id, title: d.title })),
        None => Ok(None),
    }
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    let doc = state.store.public_document(id).await?.ok_or(AppError::NotFound)?;
    match doc.withdrawal {
        Some(Withdrawal::Replaced) => {
            if let Some(to) = doc.replaced_by {
                return Ok(Redirect::permanent(&format!("/documents/{to}")).into_response());
            }
        }
        Some(Withdrawal::InError) => {
            // The page is gone; a notice stays at its address.
            let info = crate::errors::ErrorInfo {
                status: 410,
                title: "该信息已撤回".into(),
                detail: format!("《{}》因发布有误已撤回，原页面不再提供。{}", doc.title, doc.withdrawal_note),
                errors: vec![],
            };
            let p = page(&state, &headers, "该信息已撤回", &format!("/documents/{id}"), "gongkai");
            let mut res = crate::portal::error_page(&p, &info, false);
            *res.status_mut() = StatusCode::GONE;
            return Ok(res);
        }
        _ => {}
    }
    let tree = state.unit_tree().await?;
    let unit = tree.get(doc.unit_id).map(|u| u.name.clone()).unwrap_or_default();
    let path = format!("/documents/{id}");
    let mut p = page(&state, &headers, &doc.title, &path, "gongkai").article(
        "政府信息",
        &doc.title,
        &doc.published_on,
        &doc.publisher,
        &doc.body_text,
    );
    p.meta.keywords = if doc.keywords.is_empty() { doc.title.clone() } else { doc.keywords.clone() };
    p = p.crumb("政务公开", "/gongkai").crumb(&unit, &format!("/units/{}", doc.unit_id)).crumb("政府信息", &path);
    let (interpretations, _) =
        state.store.public_documents(&PublicFilter { interprets: Some(id), ..Default::default() }, 20, 0).await?;
    let t = DocumentTemplate {
        page: p,
        unit,
        genre: doc.genre.label(),
        topic: doc.topic.label(),
        validity: doc.validity.label(),
        repealed: doc.validity != Validity::Valid,
        replaced_by: link(&state, doc.replaced_by).await?,
        interprets: link(&state, doc.interprets_id).await?,
        interpretations: interpretations.into_iter().map(|d| Link { id: d.id, title: d.title }).collect(),
        versions: state
            .store
            .document_versions(id)
            .await?
            .into_iter()
            .map(|mut v| {
                v.published_at = display_instant(&v.published_at);
                v
            })
            .collect(),
        withdrawn: doc.withdrawal == Some(Withdrawal::Withdrawn),
        note_lines: doc.note.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect(),
        updated: super::updated_text(&doc),
        doc,
    };
    Ok(html(&t))
}
