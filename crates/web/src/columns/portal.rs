//! The public page of a column: what it publishes, when it was last updated, its documents.

use crate::app::AppState;
use crate::documents::portal::{ListItem, PER_PAGE, list_item};
use crate::errors::{AppError, PageResult};
use crate::forms::{Query, path_id};
use crate::page::html;
use crate::page::page_links;
use crate::portal::page;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use gongkai_store::documents::PublicFilter;

pub fn routes() -> Router<AppState> {
    Router::new().route("/columns/{id}", get(show))
}

#[derive(Template)]
#[template(path = "portal/column.html")]
struct ColumnTemplate {
    page: crate::page::Page,
    column: gongkai_store::columns::SpecialColumn,
    unit_id: i64,
    unit_name: String,
    updated: String,
    items: Vec<ListItem>,
    total: i64,
    pages: Vec<crate::page::PageLink>,
}

async fn show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let column = super::column(&state, path_id(&id)?).await?;
    let tree = state.unit_tree().await?;
    let unit = tree.get(column.unit_id).ok_or(AppError::NotFound)?;
    let page_no = q.page();
    let filter = PublicFilter { column: Some(column.id), ..Default::default() };
    let gongkai_store::Page { items: docs, total } =
        gongkai_app::documents::public::list(&state, &filter, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let path = format!("/columns/{}", column.id);
    let description = if column.description.is_empty() { column.name.clone() } else { column.description.clone() };
    let p = page(&state, &headers, &format!("{} · {}", unit.short_name, column.name), &path, "gongkai")
        .column(&column.name, "专栏", &description)
        .crumb(&unit.short_name, &format!("/units/{}", unit.id))
        .crumb(&column.name, &path);
    Ok(html(&ColumnTemplate {
        page: p,
        unit_id: unit.id,
        unit_name: unit.name.clone(),
        updated: super::last_updated(&column),
        items: docs.iter().map(|d| list_item(&tree, d)).collect(),
        pages: page_links(&format!("{path}?"), total, PER_PAGE, page_no),
        total,
        column,
    }))
}
