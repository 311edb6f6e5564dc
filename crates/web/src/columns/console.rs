//! Console page of columns: the columns of the units within reach, and forms to add, rename
//! and remove them.

use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::PageResult;
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html_form};
use crate::units::{UnitOption, unit_options};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use gongkai_domain::columns::{ColumnInput, ColumnKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/columns", get(list).post(create))
        .route("/columns/{id}", post(update))
        .route("/columns/{id}/delete", post(remove))
}

pub struct Row {
    pub id: i64,
    pub unit: String,
    pub kind: &'static str,
    pub name: String,
    pub description: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "console/columns.html")]
struct ListTemplate {
    page: Page,
    rows: Vec<Row>,
    units: Vec<UnitOption>,
    kinds: &'static [ColumnKind],
    form: FormView,
}

fn input(f: &Fields) -> ColumnInput {
    ColumnInput { name: f.get("name").into(), description: f.get("description").into(), kind: f.get("kind").into() }
}

async fn list_page(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, form: FormView) -> PageResult {
    let (within, columns) = super::manageable(state, p).await?;
    let page = with_notice(console_page(state, headers, p, "栏目管理", "/admin/columns", "columns").await, q);
    let tree = state.unit_tree().await?;
    let rows = columns
        .into_iter()
        .map(|c| Row {
            id: c.id,
            unit: tree.get(c.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
            kind: c.kind.label(),
            updated: super::last_updated(&c),
            name: c.name,
            description: c.description,
        })
        .collect();
    let failed = form.failed();
    Ok(html_form(
        &ListTemplate { page, rows, units: unit_options(&tree, within), kinds: ColumnKind::ALL, form },
        failed,
    ))
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let form = FormView::from_pairs(&[("unit_id", &p.user.unit_id.to_string())]);
    list_page(&state, &headers, &p, &q, form).await
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    let unit_id = match f.int("unit_id", "所属单位") {
        Ok(Some(u)) => u,
        Ok(None) => p.user.unit_id,
        Err(e) => return list_page(&state, &headers, &p, &Fields::default(), FormView::with_errors(f, e)).await,
    };
    match super::create(&state, &p, unit_id, &input(&f)).await {
        Ok(_) => Ok(Redirect::to("/admin/columns?notice=column_created").into_response()),
        Err(e) => {
            let errors = e.form_errors()?;
            list_page(&state, &headers, &p, &Fields::default(), FormView::with_errors(f, errors)).await
        }
    }
}

async fn update(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>, Form(f): Form) -> PageResult {
    super::update(&state, &p, path_id(&id)?, &input(&f)).await?;
    Ok(Redirect::to("/admin/columns?notice=column_saved").into_response())
}

async fn remove(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>) -> PageResult {
    super::remove(&state, &p, path_id(&id)?).await?;
    Ok(Redirect::to("/admin/columns?notice=column_removed").into_response())
}
