//! Console pages for units: the tree, creating, editing, moving and closing.

use crate::app::AppState;
use crate::auth::{Principal, Staff};
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html};
use crate::units::{UnitOption, unit_options, unit_rows};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::units::{Unit, UnitInput, UnitKind};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(list).post(create))
        .route("/units/new", get(new))
        .route("/units/{id}", get(edit).post(save))
        .route("/units/{id}/move", post(move_unit))
        .route("/units/{id}/close", post(close))
}

/// Whose units the user sees: all for system administrators, their own subtree otherwise.
fn scope(p: &Principal) -> Result<Option<i64>, AppError> {
    if p.require(Action::ManageUnitStructure, Reach::Global).is_ok() {
        Ok(None)
    } else {
        p.require(Action::EditUnitContacts, Reach::Subtree)?;
        Ok(Some(p.user.unit_id))
    }
}

fn input_from(f: &Fields) -> UnitInput {
    UnitInput::from_form(&|name| f.get(name).to_string())
}

fn fields_of(u: &Unit) -> Fields {
    let value = serde_json::to_value(u.input()).unwrap_or_default();
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let pairs = value.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), text(v)));
    let encoded = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Fields::parse(encoded.as_bytes())
}

#[derive(Template)]
#[template(path = "console/units.html")]
struct UnitsTemplate {
    page: Page,
    rows: Vec<UnitOption>,
    can_create: bool,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let scope = scope(&p)?;
    let tree = state.unit_tree().await?;
    let page = with_notice(console_page(&state, &headers, &p, "单位管理", "/admin/units", "units").await, &q);
    Ok(html(&UnitsTemplate {
        page,
        rows: unit_rows(&tree, scope, true),
        can_create: p.may(Action::ManageUnitStructure),
    }))
}

#[derive(Template)]
#[template(path = "console/unit_form.html")]
struct UnitFormTemplate {
    page: Page,
    unit: Option<Unit>,
    form: FormView,
    move_form: FormView,
    close_form: FormView,
    parents: Vec<UnitOption>,
    kinds: Vec<UnitKind>,
    /// Whether the name and codes may be changed (system administrators only).
    structure: bool,
    today: String,
}

struct Forms {
    form: FormView,
    move_form: FormView,
    close_form: FormView,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    unit: Option<Unit>,
    forms: Forms,
    q: &Fields,
) -> PageResult {
    let tree = state.unit_tree().await?;
    let (title, path) = match &unit {
        Some(u) => (format!("编辑单位：{}", u.short_name), format!("/admin/units/{}", u.id)),
        None => ("新建单位".into(), "/admin/units/new".into()),
    };
    let failed = forms.form.failed() || forms.move_form.failed() || forms.close_form.failed();
    let page = with_notice(console_page(state, headers, p, &title, &path, "units").await, q);
    let mut res = html(&UnitFormTemplate {
        page,
        unit,
        form: forms.form,
        move_form: forms.move_form,
        close_form: forms.close_form,
        parents: unit_options(&tree, None),
        kinds: UnitKind::ALL.to_vec(),
        structure: p.may(Action::ManageUnitStructure),
        today: gongkai_domain::time::date_in_china(chrono::Utc::now()).to_string(),
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

fn plain(form: FormView) -> Forms {
    Forms { form, move_form: FormView::default(), close_form: FormView::default() }
}

async fn new(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    p.require(Action::ManageUnitStructure, Reach::Global)?;
    let parent = q.get("parent").to_string();
    let form = FormView::from_pairs(&[("parent_id", &parent), ("kind", "department")]);
    form_page(&state, &headers, &p, None, plain(form), &Fields::default()).await
}

async fn create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    let parent = match f.int("parent_id", "上级单位") {
        Ok(v) => v,
        Err(e) => {
            return form_page(&state, &headers, &p, None, plain(FormView::with_errors(f, e)), &Fields::default()).await;
        }
    };
    match super::create(&state, &p, &UnitInput { parent_id: parent, ..input_from(&f) }).await {
        Ok(u) => Ok(Redirect::to(&format!("/admin/units/{}?notice=unit_created", u.id)).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            form_page(&state, &headers, &p, None, plain(FormView::with_errors(f, e)), &Fields::default()).await
        }
    }
}

async fn editable(state: &AppState, p: &Principal, id: &str) -> Result<Unit, AppError> {
    Ok(super::editable(state, p, path_id(id)?).await?)
}

async fn edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let unit = editable(&state, &p, &id).await?;
    let form = FormView::new(fields_of(&unit));
    form_page(&state, &headers, &p, Some(unit), plain(form), &q).await
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let unit = editable(&state, &p, &id).await?;
    match super::update(&state, &p, unit.id, &input_from(&f)).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/units/{}?notice=unit_saved", unit.id)).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            form_page(&state, &headers, &p, Some(unit), plain(FormView::with_errors(f, e)), &Fields::default()).await
        }
    }
}

async fn move_unit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let unit = editable(&state, &p, &id).await?;
    let result = match f.int("parent_id", "上级单位") {
        Ok(parent) => super::move_to(&state, &p, unit.id, parent).await,
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/admin/units/{}?notice=unit_moved", unit.id)).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            let forms = Forms {
                form: FormView::new(fields_of(&unit)),
                move_form: FormView::with_errors(f, e),
                close_form: FormView::default(),
            };
            form_page(&state, &headers, &p, Some(unit), forms, &Fields::default()).await
        }
    }
}

async fn close(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let unit = editable(&state, &p, &id).await?;
    match super::close(&state, &p, unit.id, f.get("closed_on"), f.get("reason")).await {
        Ok(_) => Ok(Redirect::to(&format!("/admin/units/{}?notice=unit_closed", unit.id)).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            let forms = Forms {
                form: FormView::new(fields_of(&unit)),
                move_form: FormView::default(),
                close_form: FormView::with_errors(f, e),
            };
            form_page(&state, &headers, &p, Some(unit), forms, &Fields::default()).await
        }
    }
}
