//! 政府信息公开指南: for each unit, generated from what the platform knows of it — its contact
//! details, its catalogue and columns — and from the regulation's rules on requests, so that the
//! guide never contradicts the unit's record or the law.

use crate::app::AppState;
use crate::errors::PageResult;
use crate::forms::Query;
use crate::page::html;
use crate::portal::{UnitLink, find, page};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use gongkai_domain::columns::ColumnKind;
use gongkai_domain::units::{Unit, UnitKind};

#[derive(Template)]
#[template(path = "portal/guide.html")]
struct GuideTemplate {
    page: crate::page::Page,
    unit: Option<Unit>,
    /// Governments and their departments, to choose a unit when none is given.
    choices: Vec<UnitLink>,
    catalogue_items: usize,
    columns: Vec<(i64, String)>,
    rules_column: Option<i64>,
}

pub async fn guide(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let (section, parent) = find("guide").ok_or(crate::errors::AppError::NotFound)?;
    let tree = state.unit_tree().await?;
    let unit = q.opt("unit").and_then(|u| u.parse::<i64>().ok()).and_then(|id| tree.get(id)).cloned();
    let title = match &unit {
        Some(u) => format!("{}政府信息公开指南", u.name),
        None => section.title.to_string(),
    };
    let mut p = page(&state, &headers, &title, section.path, "gongkai").column(
        section.title,
        parent.map(|p| p.title).unwrap_or("政务公开"),
        section.summary,
    );
    p = p.crumb("政务公开", "/gongkai").crumb(section.title, section.path);
    if let Some(u) = &unit {
        p = p.in_unit_gongkai(u.id, &u.name, "guide");
    }
    let (catalogue_items, columns, rules_column) = match &unit {
        Some(u) => {
            let cols = crate::columns::list(&state, Some(u.id)).await?;
            (
                crate::catalogue::of_unit(&state, u.id).await?.len(),
                cols.iter().filter(|c| c.kind == ColumnKind::Special).map(|c| (c.id, c.name.clone())).collect(),
                cols.iter().find(|c| c.kind == ColumnKind::Rules).map(|c| c.id),
            )
        }
        None => (0, Vec::new(), None),
    };
    let choices = if unit.is_none() {
        tree.all()
            .iter()
            .filter(|u| {
                !u.is_closed() && matches!(u.kind, UnitKind::Government | UnitKind::Zone | UnitKind::Department)
            })
            .map(UnitLink::from)
            .collect()
    } else {
        Vec::new()
    };
    Ok(html(&GuideTemplate { page: p, unit, choices, catalogue_items, columns, rules_column }))
}
