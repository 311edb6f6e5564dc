//! Public pages of units: the list of all units and each unit's page.

use crate::app::AppState;
use crate::errors::{AppError, PageResult};
use crate::forms::Query;
use crate::page::html;
use crate::portal::{UnitGroup, UnitLink, match_units, page, unit_groups};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::get;
use gongkai_domain::time::display_instant_at;
use gongkai_domain::units::{Unit, UnitKind};
use gongkai_store::units::FormerName;
use std::sync::Arc;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(list))
        .route("/units/{id}", get(show))
        .route("/units/{id}/gongkai", get(gongkai_home))
}

#[derive(Template)]
#[template(path = "portal/units.html")]
struct UnitsTemplate {
    page: crate::page::Page,
    q: String,
    matches: Vec<UnitLink>,
    groups: Vec<UnitGroup>,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let tree = state.unit_tree().await?;
    let text: String = q.get("q").trim().chars().take(100).collect();
    let page = page(&state, &headers, "政府机构", "/units", "")
        .column("政府机构", "机构职能", "本级政府及其工作部门、区县政府、功能区和镇（街道）")
        .crumb("政府机构", "/units");
    let matches = match_units(&tree, &text);
    Ok(html(&UnitsTemplate { page, q: text, matches, groups: unit_groups(&tree) }))
}

#[derive(Template)]
#[template(path = "portal/unit.html")]
struct UnitTemplate {
    page: crate::page::Page,
    unit: Unit,
    kind_label: &'static str,
    level_label: &'static str,
    parent: Option<UnitLink>,
    former_names: Vec<FormerName>,
    /// The entries of the unit's 政府信息公开 section: (key, address, label, short label).
    gongkai_links: Vec<(&'static str, String, &'static str, &'static str)>,
    departments: Vec<UnitLink>,
    governments: Vec<UnitLink>,
    towns: Vec<UnitLink>,
    updated: String,
    extras: Arc<UnitExtras>,
}

/// What a unit's page lists from the unit's content: special columns (id, name, last update),
/// the size of its catalogue and its newest documents (id, title, date).
pub struct UnitExtras {
    columns: Vec<(i64, String, String)>,
    catalogue_items: usize,
    latest: Vec<(i64, String, String)>,
}

async fn extras(state: &AppState, id: i64) -> Result<Arc<UnitExtras>, AppError> {
    let load = || async move {
        let columns = crate::columns::list(state, Some(id))
            .await?
            .iter()
            .filter(|c| c.kind == gongkai_domain::columns::ColumnKind::Special)
            .map(|c| (c.id, c.name.clone(), crate::columns::last_updated(c)))
            .collect();
        let filter = gongkai_store::documents::PublicFilter { unit: Some(id), ..Default::default() };
        let gongkai_store::Page { items: latest, .. } =
            gongkai_app::documents::public::list(state, &filter, 8, 0).await?;
        Ok::<_, gongkai_app::Error>(UnitExtras {
            columns,
            catalogue_items: crate::catalogue::of_unit(state, id).await?.len(),
            latest: latest.into_iter().map(|d| (d.id, d.title, d.published_on.to_string())).collect(),
        })
    };
    state.unit_extras.get(&id, load).await.map_err(AppError::from)
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let tree = state.unit_tree().await?;
    let unit = tree.get(id).cloned().ok_or(AppError::NotFound)?;
    let lineage = tree.lineage(id);
    let path = format!("/units/{id}");
    let mut page = page(&state, &headers, &unit.name, &path, "").article(
        "政府机构",
        &unit.name,
        &display_instant_at(unit.updated_at),
        &unit.name,
        if unit.description.is_empty() { &unit.name } else { &unit.description },
    );
    page = page.crumb("政府机构", "/units");
    for ancestor in lineage.iter().skip(1).rev() {
        page = page.crumb(&ancestor.short_name, &format!("/units/{}", ancestor.id));
    }
    page = page.crumb(&unit.short_name, &path);
    let children: Vec<&Unit> = tree.children(id).collect();
    let of = |kinds: &[UnitKind]| {
        children.iter().filter(|c| kinds.contains(&c.kind)).map(|c| UnitLink::from(*c)).collect::<Vec<_>>()
    };
    let gongkai_links = crate::page::UnitNav { unit_id: id, unit_name: unit.name.clone(), current: "" }
        .links()
        .into_iter()
        .filter(|(k, ..)| *k != "home")
        .collect();
    let t = UnitTemplate {
        page,
        kind_label: unit.kind.label(),
        level_label: tree.level(id).map(|l| l.label()).unwrap_or(""),
        parent: lineage.get(1).map(|p| UnitLink::from(*p)),
        former_names: state.former_names().await?.get(&id).cloned().unwrap_or_default(),
        gongkai_links,
        departments: of(&[UnitKind::Department]),
        governments: of(&[UnitKind::Government, UnitKind::Zone]),
        towns: of(&[UnitKind::Town, UnitKind::Street]),
        updated: display_instant_at(unit.updated_at),
        extras: extras(&state, id).await?,
        unit,
    };
    Ok(html(&t))
}

#[derive(Template)]
#[template(path = "portal/unit_gongkai.html")]
struct GongkaiHomeTemplate {
    page: crate::page::Page,
    unit: Unit,
    extras: Arc<UnitExtras>,
}

/// A unit's 政府信息公开 home: the entry to its guide, rules, catalogue, annual reports and
/// requests, with the section's left navigation that all those pages share.
async fn gongkai_home(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let tree = state.unit_tree().await?;
    let unit = tree.get(id).cloned().ok_or(AppError::NotFound)?;
    let title = format!("{}政府信息公开", unit.name);
    let page = page(&state, &headers, &title, &format!("/units/{id}/gongkai"), "gongkai")
        .column("政府信息公开", "信息公开", &title)
        .in_unit_gongkai(id, &unit.name, "home");
    Ok(html(&GongkaiHomeTemplate { page, extras: extras(&state, id).await?, unit }))
}
