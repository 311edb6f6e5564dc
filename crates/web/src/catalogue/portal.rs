//! The public view of a unit's 主动公开基本目录: a tree of 一级 and 二级事项 with what each
//! covers, the documents filed under it, and the 未涉及说明 of items that do not apply.

use crate::app::AppState;
use crate::errors::{AppError, PageResult};
use crate::forms::path_id;
use crate::page::html;
use crate::portal::page;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/units/{id}/catalogue", get(show)).route("/units/{id}/catalogue.xlsx", get(export))
}

#[derive(Template)]
#[template(path = "portal/catalogue.html")]
struct CatalogueTemplate {
    page: crate::page::Page,
    unit_id: i64,
    unit_name: String,
    groups: Vec<super::Group>,
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    let tree = state.unit_tree().await?;
    let unit = tree.get(id).ok_or(AppError::NotFound)?;
    let title = format!("{}法定主动公开内容", unit.name);
    let path = format!("/units/{id}/catalogue");
    let p = page(&state, &headers, &title, &path, "gongkai")
        .column("法定主动公开内容", "信息公开", "按主动公开基本目录分类的政府信息")
        .in_unit_gongkai(id, &unit.name, "catalogue");
    Ok(html(&CatalogueTemplate {
        page: p,
        unit_id: id,
        unit_name: unit.name.clone(),
        groups: super::tree_with_documents(&state, id).await?,
    }))
}

async fn export(State(state): State<AppState>, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    let tree = state.unit_tree().await?;
    let unit = tree.get(id).ok_or(AppError::NotFound)?;
    let rows: Vec<_> = super::of_unit(&state, id).await?.into_iter().map(|i| i.row).collect();
    let title = format!("{}主动公开基本目录", unit.name);
    Ok(super::xlsx_response(&format!("{title}.xlsx"), super::xlsx(&title, &rows)?))
}
