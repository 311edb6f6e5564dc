//! Standard lists and unit catalogues: the rules shared by the console, the API and the portal.

use crate::Context;
use crate::Error;
use crate::Principal;
use gongkai_domain::catalogue::{CatalogueItemInput, CatalogueRow, Level};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::units::UnitTree;
use gongkai_domain::validation::Invalid;
use gongkai_store::catalogue::{CatalogueItem, FiledDocument, ImportReport, StandardItem};

/// The level of the standard list a unit instantiates, from its place in the tree.
pub fn unit_level(tree: &UnitTree, unit_id: i64) -> Level {
    tree.level(unit_id).unwrap_or(Level::City)
}

pub fn parse_level(raw: &str) -> Result<Level, Invalid> {
    Level::parse(raw).ok_or_else(|| Invalid::one("level", "层级", "应为市级、县级或乡级"))
}

/// Imports an XLSX standard list for one level and domain, replacing the previous one.
pub async fn import_standards(
    cx: &Context,
    p: &Principal,
    level: &str,
    domain: &str,
    file: Option<&[u8]>,
) -> Result<ImportReport, Error> {
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
    let cells = match cx.extractor.catalogue_cells(bytes).await {
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
    let mut w = cx.store.write(p.actor()).await?;
    let report = w.standards_replace(level, domain, &rows).await?;
    w.commit().await?;
    Ok(report)
}

/// Copies a level's standard list (one domain, or all) into a unit's catalogue.
pub async fn instantiate(
    cx: &Context,
    p: &Principal,
    unit_id: i64,
    level: Option<&str>,
    domain: &str,
) -> Result<usize, Error> {
    p.require_for_unit(cx, Action::ManageCatalogue, unit_id).await?;
    let tree = cx.unit_tree().await?;
    let level = match level.map(str::trim).filter(|l| !l.is_empty()) {
        Some(l) => parse_level(l)?,
        None => unit_level(&tree, unit_id),
    };
    let domain = domain.trim();
    let mut w = cx.store.write(p.actor()).await?;
    let added = w.catalogue_instantiate(unit_id, level, (!domain.is_empty()).then_some(domain)).await?;
    w.commit().await?;
    // Unit pages list columns and the catalogue size.
    cx.public_changed();
    Ok(added)
}

/// Adds an item of the unit's own (特色事项) to its catalogue.
pub async fn add_item(cx: &Context, p: &Principal, unit_id: i64, input: &CatalogueItemInput) -> Result<i64, Error> {
    p.require_for_unit(cx, Action::ManageCatalogue, unit_id).await?;
    let row = CatalogueRow::parse(input)?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.catalogue_add(unit_id, &row).await?;
    w.commit().await?;
    cx.public_changed();
    Ok(id)
}

/// A catalogue item of a unit whose catalogue `p` manages.
pub async fn item(cx: &Context, p: &Principal, item_id: i64) -> Result<CatalogueItem, Error> {
    let item = cx.store.catalogue_item(item_id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ManageCatalogue, item.unit_id).await?;
    Ok(item)
}

pub async fn mark(
    cx: &Context,
    p: &Principal,
    item_id: i64,
    applicable: bool,
    reason: &str,
) -> Result<CatalogueItem, Error> {
    item(cx, p, item_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let item = w.catalogue_mark(item_id, applicable, reason).await?;
    w.commit().await?;
    Ok(item)
}

pub async fn remove(cx: &Context, p: &Principal, item_id: i64) -> Result<i64, Error> {
    let item = item(cx, p, item_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    w.catalogue_remove(item_id).await?;
    w.commit().await?;
    cx.public_changed();
    Ok(item.unit_id)
}

/// Whether `p` works on catalogues at all: a unit's, or the standard lists.
fn require_catalogue_staff(p: &Principal) -> Result<(), Error> {
    if p.may(Action::ManageCatalogue) || p.may(Action::ManageStandards) { Ok(()) } else { Err(Error::Forbidden) }
}

/// The standard list of a level, of one domain or (`None` or empty) all (public).
pub async fn standards(cx: &Context, level: Level, domain: Option<&str>) -> Result<Vec<StandardItem>, Error> {
    Ok(cx.store.standard_items(level, domain).await?)
}

/// Every (level, domain) with a standard list, and how many items it has.
pub async fn standard_domains(
    cx: &Context,
    p: &Principal,
) -> Result<Vec<gongkai_store::catalogue::StandardDomain>, Error> {
    require_catalogue_staff(p)?;
    Ok(cx.store.standard_domains().await?)
}

/// A standard list (one domain, or all of the level when `domain` is empty) as an XLSX file
/// in the import format: its title and bytes.
pub async fn standards_xlsx(
    cx: &Context,
    p: &Principal,
    level: &str,
    domain: &str,
) -> Result<(String, Vec<u8>), Error> {
    require_catalogue_staff(p)?;
    let level = parse_level(level)?;
    let domain = domain.trim();
    let items = cx.store.standard_items(level, Some(domain)).await?;
    let rows: Vec<_> = items.into_iter().map(|i| i.row).collect();
    let title = format!(
        "{}{}事项标准清单",
        level.label(),
        if domain.is_empty() { String::new() } else { format!("{domain}领域") }
    );
    let bytes = xlsx(&title, &rows)?;
    Ok((title, bytes))
}

/// A unit's catalogue (public); an unknown unit is not found.
pub async fn of_unit(cx: &Context, unit_id: i64) -> Result<Vec<CatalogueItem>, Error> {
    cx.unit_tree().await?.get(unit_id).ok_or(Error::NotFound)?;
    Ok(cx.store.catalogue(unit_id).await?)
}

/// What the console shows of a unit's catalogue: the level of standard list it instantiates,
/// that level's domains, and its items.
pub struct UnitCatalogue {
    pub level: Level,
    pub domains: Vec<String>,
    pub items: Vec<CatalogueItem>,
}

pub async fn unit_catalogue(cx: &Context, p: &Principal, unit_id: i64) -> Result<UnitCatalogue, Error> {
    p.require_for_unit(cx, Action::ManageCatalogue, unit_id).await?;
    let level = unit_level(&*cx.unit_tree().await?, unit_id);
    let mut domains: Vec<String> =
        cx.store.standard_domains().await?.into_iter().filter(|d| d.level == level).map(|d| d.domain).collect();
    domains.dedup();
    let items = cx.store.catalogue(unit_id).await?;
    Ok(UnitCatalogue { level, domains, items })
}

/// One 一级事项 of a catalogue with its items and, under each, the documents filed there.
pub struct Group {
    pub name: String,
    /// Each item with its newest documents and how many it holds in all.
    pub items: Vec<(CatalogueItem, Vec<FiledDocument>, usize)>,
}

/// A unit's catalogue as a tree with the newest 20 documents filed under each item.
pub async fn tree_with_documents(cx: &Context, unit_id: i64) -> Result<Vec<Group>, Error> {
    let items = cx.store.catalogue(unit_id).await?;
    let gongkai_store::catalogue::CatalogueDocuments { documents: docs, counts } =
        cx.store.catalogue_documents(unit_id, 20).await?;
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

pub fn xlsx(title: &str, rows: &[CatalogueRow]) -> Result<Vec<u8>, Error> {
    gongkai_export::catalogue_xlsx::write_rows(title, rows).map_err(Error::internal)
}
