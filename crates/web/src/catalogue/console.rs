//! Console pages: the standard lists (import, export) and each unit's catalogue (instantiate,
//! own items, 未涉及说明).

use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id, read_upload};
use crate::page::{Page, html_form};
use crate::units::{UnitOption, unit_options};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use gongkai_domain::catalogue::{CatalogueItemInput, Channel, Level};
use gongkai_domain::staff::{Action, Reach};
use gongkai_store::catalogue::CatalogueItem;

pub fn routes(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route("/catalogue", get(overview))
        .route("/catalogue/standards", post(import).layer(axum::extract::DefaultBodyLimit::max(upload_limit)))
        .route("/catalogue/standards.xlsx", get(export))
        .route("/catalogue/units/{id}", get(unit_page))
        .route("/catalogue/units/{id}/instantiate", post(instantiate))
        .route("/catalogue/units/{id}/items", post(add_item))
        .route("/catalogue/items/{id}/mark", post(mark))
        .route("/catalogue/items/{id}/delete", post(remove))
}

pub struct DomainRow {
    pub level: Level,
    pub domain: String,
    pub count: i64,
    pub export: String,
}

#[derive(Template)]
#[template(path = "console/catalogue.html")]
struct OverviewTemplate {
    page: Page,
    domains: Vec<DomainRow>,
    can_import: bool,
    levels: &'static [Level],
    form: FormView,
    report: String,
    units: Vec<UnitOption>,
    own_unit: i64,
}

async fn overview_page(state: &AppState, headers: &HeaderMap, p: &Principal, q: &Fields, form: FormView) -> PageResult {
    let domains = super::standard_domains(state, p).await?;
    let page = with_notice(console_page(state, headers, p, "公开目录", "/admin/catalogue", "catalogue").await, q);
    let domains = domains
        .into_iter()
        .map(|d| {
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("level", d.level.code())
                .append_pair("domain", &d.domain)
                .finish();
            DomainRow {
                level: d.level,
                export: format!("/admin/catalogue/standards.xlsx?{query}"),
                domain: d.domain,
                count: d.items,
            }
        })
        .collect();
    let tree = state.unit_tree().await?;
    let root = if p.require(Action::ManageCatalogue, Reach::Global).is_ok() { None } else { Some(p.user.unit_id) };
    let units = if p.may(Action::ManageCatalogue) { unit_options(&tree, root) } else { Vec::new() };
    let report = q.opt("report").map(|r| r.chars().take(200).collect()).unwrap_or_default();
    let failed = form.failed();
    Ok(html_form(
        &OverviewTemplate {
            page,
            domains,
            can_import: p.may(Action::ManageStandards),
            levels: Level::ALL,
            form,
            report,
            units,
            own_unit: p.user.unit_id,
        },
        failed,
    ))
}

async fn overview(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    overview_page(&state, &headers, &p, &q, FormView::new(Fields::default())).await
}

async fn import(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, form: Multipart) -> PageResult {
    let upload = read_upload(form).await?;
    let f = &upload.fields;
    let file = upload.file.as_ref().map(|(_, b)| b.as_ref());
    match super::import_standards(&state, &p, f.get("level"), f.get("domain"), file).await {
        Ok(r) => {
            let report = format!("导入完成：新增 {} 项，更新 {} 项，删除 {} 项。", r.added, r.updated, r.removed);
            let q: String =
                url::form_urlencoded::Serializer::new(String::new()).append_pair("report", &report).finish();
            Ok(Redirect::to(&format!("/admin/catalogue?{q}")).into_response())
        }
        Err(e) => {
            let errors = e.form_errors()?;
            overview_page(
                &state,
                &headers,
                &p,
                &Fields::default(),
                FormView::with_errors(upload.fields.clone(), errors),
            )
            .await
        }
    }
}

async fn export(State(state): State<AppState>, Staff(p): Staff, Query(q): Query) -> PageResult {
    let (title, bytes) = super::standards_xlsx(&state, &p, q.get("level"), q.get("domain")).await?;
    Ok(super::xlsx_response(&format!("{title}.xlsx"), bytes))
}

#[derive(Template)]
#[template(path = "console/catalogue_unit.html")]
struct UnitTemplate {
    page: Page,
    unit_id: i64,
    unit_name: String,
    level: Level,
    levels: &'static [Level],
    domains: Vec<String>,
    items: Vec<CatalogueItem>,
    channels: &'static [Channel],
    form: FormView,
    mark_form: FormView,
    mark_item: i64,
}

async fn unit_view(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    unit_id: i64,
    q: &Fields,
    form: FormView,
    mark: (i64, FormView),
) -> PageResult {
    let super::UnitCatalogue { level, domains, items } = super::unit_catalogue(state, p, unit_id).await?;
    let tree = state.unit_tree().await?;
    let unit = tree.get(unit_id).ok_or(AppError::NotFound)?;
    let title = format!("{} · 主动公开基本目录", unit.name);
    let page = with_notice(
        console_page(state, headers, p, &title, &format!("/admin/catalogue/units/{unit_id}"), "catalogue").await,
        q,
    );
    let failed = form.failed() || mark.1.failed();
    Ok(html_form(
        &UnitTemplate {
            page,
            unit_id,
            unit_name: unit.name.clone(),
            level,
            levels: Level::ALL,
            domains,
            items,
            channels: Channel::ALL,
            form,
            mark_form: mark.1,
            mark_item: mark.0,
        },
        failed,
    ))
}

async fn unit_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let id = path_id(&id)?;
    unit_view(&state, &headers, &p, id, &q, FormView::new(Fields::default()), (0, FormView::new(Fields::default())))
        .await
}

fn back(unit_id: i64, notice: &str) -> axum::response::Response {
    Redirect::to(&format!("/admin/catalogue/units/{unit_id}?notice={notice}")).into_response()
}

/// The unit's page after a form on it: back to it with a notice, or shown again with the
/// form's errors.
async fn answer(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    unit_id: i64,
    f: Fields,
    outcome: Result<(), AppError>,
    notice: &str,
) -> PageResult {
    match outcome {
        Ok(()) => Ok(back(unit_id, notice)),
        Err(e) => {
            let errors = FormView::with_errors(f, e.form_errors()?);
            unit_view(state, headers, p, unit_id, &Fields::default(), errors, (0, FormView::default())).await
        }
    }
}

async fn instantiate(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let outcome =
        super::instantiate(&state, &p, id, f.opt("level"), f.get("domain")).await.map(|_| ()).map_err(AppError::from);
    answer(&state, &headers, &p, id, f, outcome, "catalogue_instantiated").await
}

async fn add_item(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let input = CatalogueItemInput::from_form(&|name| f.get(name).to_string(), &|name| {
        f.all(name).into_iter().map(str::to_string).collect()
    });
    let outcome = super::add_item(&state, &p, id, &input).await.map(|_| ()).map_err(AppError::from);
    answer(&state, &headers, &p, id, f, outcome, "catalogue_item_added").await
}

async fn mark(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let applicable = f.get("applicable") == "1";
    match super::mark(&state, &p, id, applicable, f.get("reason")).await {
        Ok(item) => Ok(back(item.unit_id, "catalogue_item_marked")),
        Err(e) => {
            let errors = e.form_errors()?;
            let unit_id = super::item(&state, &p, id).await?.unit_id;
            unit_view(
                &state,
                &headers,
                &p,
                unit_id,
                &Fields::default(),
                FormView::default(),
                (id, FormView::with_errors(f, errors)),
            )
            .await
        }
    }
}

async fn remove(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>) -> PageResult {
    let unit_id = super::remove(&state, &p, path_id(&id)?).await?;
    Ok(back(unit_id, "catalogue_item_removed"))
}
