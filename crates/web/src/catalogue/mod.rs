//! Standard lists and unit catalogues: the rules shared by the console, the API and the portal.

pub mod api;
pub mod console;
pub mod portal;

use crate::app::AppState;
use crate::auth::Principal;
use crate::errors::AppError;
use gongkai_domain::catalogue::{CatalogueRow, Level};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::units::UnitTree;
use gongkai_domain::validation::Invalid;
use gongkai_store::catalogue::{CatalogueItem, FiledDocument, ImportReport};

/// The level of the standard list a unit instantiates, from its place in the tree.
pub fn unit_level(tree: &UnitTree, unit_id: i64) -> Level {
    tree.level(unit_id).unwrap_or(Level::City)
}

pub fn parse_level(raw: &str) -> Result<Level, Invalid> {
    Level::parse(raw).ok_or_else(|| Invalid::one("level", "层级", "应为市级、县级或乡级"))
}

/// Imports an XLSX standard list for one level and domain, replacing the previous one.
pub async fn import_standards(
    state: &AppState,
    p: &Principal,
    level: &str,
    domain: &str,
    file: Option<&[u8]>,
) -> Result<ImportReport, AppError> {
    p.require(Action::ManageStandards, Reach::Global)?;
    let mut errors = Invalid::default();
    let level = parse_level(level).map_err(|e| errors.0.extend(e.0)).ok();
    if domain.trim().is_empty() {
        errors.push("domain", "领域", "请填写领域名称，如“医疗保障”");
    }
    let bytes = match file.filter(|b| !b.is_empty()) {
        Some(b) => Some(b.to_vec()),
        None => {
            errors.push("file", "清单文件", "请选择 XLSX 格式的清单文件");
            None
        }
    };
    let (Some(level), Some(bytes)) = (level, bytes) else { return Err(errors.into()) };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    // Read in a limited child process: a hostile workbook fails its own import, nothing more.
    let cells = match state.extractor.catalogue_cells(bytes).await {
        Ok(Ok(cells)) => cells,
        Ok(Err(message)) => return Err(Invalid::one("file", "清单文件", message).into()),
        Err(e) => {
            tracing::warn!(error = %e, "standard list not read");
            return Err(Invalid::one(
                "file",
                "清单文件",
                "文件无法读取（可能已损坏或过于庞大），请使用本平台导出的模板填写",
            )
            .into());
        }
    };
    let rows = gongkai_export::catalogue_xlsx::rows_from_cells(&cells)?;
    let mut w = state.store.write(p.actor()).await?;
    let report = w.standards_replace(level, domain, &rows).await?;
    w.commit().await?;
    Ok(report)
}

/// Copies a level's standard list (one domain, or all) into a unit's catalogue.
pub async fn instantiate(
    state: &AppState,
    p: &Principal,
    unit_id: i64,
    level: Option<&str>,
    domain: &str,
) -> Result<usize, AppError> {
    p.require_for_unit(state, Action::ManageCatalogue, unit_id).await?;
    let tree = state.unit_tree().await?;
    let level = match level.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => parse_level(l)?,
        None => unit_level(&tree, unit_id),
    };
    let domain = domain.trim();
    let mut w = state.store.write(p.actor()).await?;
    let added = w.catalogue_instantiate(unit_id, level, (!domain.is_empty()).then_some(domain)).await?;
    w.commit().await?;
    // Unit pages list columns and the catalogue size.
    state.public_changed();
    Ok(added)
}

pub async fn add_item(
    state: &AppState,
    p: &Principal,
    unit_id: i64,
    get: impl Fn(&str) -> String,
) -> Result<i64, AppError> {
    p.require_for_unit(state, Action::ManageCatalogue, unit_id).await?;
    let row = CatalogueRow::from_fields(get)?;
    let mut w = state.store.write(p.actor()).await?;
    let id = w.catalogue_add(unit_id, &row).await?;
    w.commit().await?;
    state.public_changed();
    Ok(id)
}

async fn item_for(state: &AppState, p: &Principal, item_id: i64) -> Result<CatalogueItem, AppError> {
    let item = state.store.catalogue_item(item_id).await?.ok_or(AppError::NotFound)?;
    p.require_for_unit(state, Action::ManageCatalogue, item.unit_id).await?;
    Ok(item)
}

pub async fn mark(
    state: &AppState,
    p: &Principal,
    item_id: i64,
    applicable: bool,
    reason: &str,
) -> Result<CatalogueItem, AppError> {
    item_for(state, p, item_id).await?;
    let mut w = state.store.write(p.actor()).await?;
    let item = w.catalogue_mark(item_id, applicable, reason).await?;
    w.commit().await?;
    Ok(item)
}

pub async fn remove(state: &AppState, p: &Principal, item_id: i64) -> Result<i64, AppError> {
    let item = item_for(state, p, item_id).await?;
    let mut w = state.store.write(p.actor()).await?;
    w.catalogue_remove(item_id).await?;
    w.commit().await?;
    state.public_changed();
    Ok(item.unit_id)
}

/// One 一级事项 of a catalogue with its items and, under each, the documents filed there.
pub struct Group {
    pub name: String,
    /// Each item with its newest documents and how many it holds in all.
    pub items: Vec<(CatalogueItem, Vec<FiledDocument>, usize)>,
}

/// A unit's catalogue as a tree with the newest 20 documents filed under each item.
pub async fn tree_with_documents(state: &AppState, unit_id: i64) -> Result<Vec<Group>, AppError> {
    let items = state.store.catalogue(unit_id).await?;
    let (docs, counts) = state.store.catalogue_documents(unit_id, 20).await?;
    let mut groups: Vec<Group> = Vec::new();
    for item in items {
        let filed: Vec<FiledDocument> = docs.iter().filter(|d| d.catalogue_item_id == item.id).cloned().collect();
        let total = counts.get(&item.id).copied().unwrap_or(0);
        match groups.iter_mut().find(|g| g.name == item.row.level1) {
            Some(g) => g.items.push((item, filed, total)),
            None => groups.push(Group { name: item.row.level1.clone(), items: vec![(item, filed, total)] }),
        }
    }
    Ok(groups)
}

/// An XLSX download under its Chinese name.
pub fn xlsx_response(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, crate::documents::files::content_disposition(name, false)),
        ],
        bytes,
    )
        .into_response()
}

pub fn xlsx(title: &str, rows: &[CatalogueRow]) -> Result<Vec<u8>, AppError> {
    gongkai_export::catalogue_xlsx::write_rows(title, rows).map_err(AppError::internal)
}
