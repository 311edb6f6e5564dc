//! Demo data: Jinan's units and a set of staff accounts, loaded idempotently (units matched on
//! their demo key, accounts on their user name) so `gongkai demo` can run any number of times.

use crate::audit::Actor;
use crate::credentials::hash_password;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::users::NewUser;
use gongkai_domain::catalogue::{CatalogueRow, Level};
use gongkai_domain::columns::{ColumnFields, ColumnInput};
use gongkai_domain::documents::{DocumentFields, DocumentInput};
use gongkai_domain::staff::parse_roles;
use gongkai_domain::units::{UnitFields, UnitInput, UnitKind};
use serde::Deserialize;
use sqlx::Row;
use std::collections::HashMap;

const DEMO_UNITS: &str = include_str!("../demo/units.toml");

#[derive(Debug, Deserialize)]
struct DemoFile {
    unit: Vec<DemoUnit>,
    user: Vec<DemoUser>,
}

#[derive(Debug, Deserialize)]
struct DemoUnit {
    key: String,
    parent: String,
    kind: String,
    #[serde(flatten)]
    input: UnitInput,
}

#[derive(Debug, Deserialize)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub unit: String,
    pub roles: Vec<String>,
    pub password: String,
}

/// A login to print at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub unit_name: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Default)]
pub struct DemoReport {
    pub units_added: usize,
    pub users_added: usize,
    pub documents_added: usize,
    pub logins: Vec<DemoLogin>,
}

fn parse() -> Result<DemoFile> {
    toml::from_str(DEMO_UNITS).map_err(|e| StoreError::Other(format!("demo data: {e}")))
}

/// Everything: units, users and the disclosure demo. Idempotent.
pub async fn load(store: &Store) -> Result<DemoReport> {
    load_parts(store, true).await
}

async fn load_parts(store: &Store, with_disclosure: bool) -> Result<DemoReport> {
    let file = parse()?;
    let mut report = DemoReport::default();
    let existing = demo_unit_ids(store).await?;
    let mut ids = existing.clone();
    let mut names: HashMap<String, String> = HashMap::new();
    let missing_units: Vec<&DemoUnit> = file.unit.iter().filter(|u| !existing.contains_key(&u.key)).collect();
    if !missing_units.is_empty() {
        let mut w = store.write(Actor::system("demo")).await?;
        for (i, u) in file.unit.iter().enumerate() {
            let kind = UnitKind::parse(&u.kind)
                .ok_or_else(|| StoreError::Other(format!("demo unit {}: kind {}", u.key, u.kind)))?;
            let fields = UnitFields::parse(kind, &u.input)
                .map_err(|e| StoreError::Other(format!("demo unit {}: {e}", u.key)))?;
            names.insert(u.key.clone(), fields.name.clone());
            if ids.contains_key(&u.key) {
                continue;
            }
            let parent = match u.parent.as_str() {
                "" => None,
                p => Some(
                    *ids.get(p).ok_or_else(|| StoreError::Other(format!("demo unit {}: parent {p} unknown", u.key)))?,
                ),
            };
            let id = w.unit_create(parent, kind, &fields, (i as i64 + 1) * 10, Some(&u.key)).await?;
            ids.insert(u.key.clone(), id);
            report.units_added += 1;
        }
        w.commit().await?;
    } else {
        for u in &file.unit {
            names.insert(u.key.clone(), u.input.name.trim().to_string());
        }
    }

    let mut new_users = Vec::new();
    for u in &file.user {
        let unit_id =
            *ids.get(&u.unit).ok_or_else(|| StoreError::Other(format!("demo user {}: unit {}", u.username, u.unit)))?;
        if store.user_by_username(&u.username).await?.is_none() {
            let roles =
                parse_roles(u.roles.iter().map(String::as_str)).map_err(|e| StoreError::Other(e.to_string()))?;
            let password = u.password.clone();
            let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(|e| StoreError::Other(e.to_string()))?;
            new_users.push(NewUser {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                unit_id,
                roles,
                phone: String::new(),
                email: String::new(),
                password_hash,
            });
        }
        report.logins.push(DemoLogin {
            username: u.username.clone(),
            password: u.password.clone(),
            display_name: u.display_name.clone(),
            unit_name: names.get(&u.unit).cloned().unwrap_or_default(),
            roles: u.roles.clone(),
        });
    }
    if !new_users.is_empty() {
        let mut w = store.write(Actor::system("demo")).await?;
        for u in &new_users {
            w.user_create(u).await?;
        }
        w.commit().await?;
        report.users_added = new_users.len();
    }
    if with_disclosure {
        report.documents_added = load_disclosure(store, &ids).await?;
    }
    Ok(report)
}

/// The demo units loaded so far, by their key in the demo file.
async fn demo_unit_ids(store: &Store) -> Result<HashMap<String, i64>> {
    sqlx::query("SELECT demo_key, id FROM units WHERE demo_key IS NOT NULL")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_>>()
}

/// Units and users only, for tests that build their own documents from nothing.
pub async fn load_base(store: &Store) -> Result<DemoReport> {
    load_parts(store, false).await
}

/// The demo standard lists, catalogues, columns and documents, over loaded demo units.
pub async fn load_disclosure_demo(store: &Store) -> Result<usize> {
    load_disclosure(store, &demo_unit_ids(store).await?).await
}

const DEMO_DISCLOSURE: &str = include_str!("../demo/disclosure.toml");

#[derive(Debug, Deserialize)]
struct DisclosureFile {
    standard: Vec<DemoStandard>,
    catalogue: Vec<DemoCatalogue>,
    column: Vec<DemoColumn>,
    document: Vec<DemoDocument>,
}

#[derive(Debug, Deserialize)]
struct DemoStandard {
    levels: Vec<String>,
    domain: String,
    items: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct DemoCatalogue {
    unit: String,
    level: String,
    domain: String,
    #[serde(default)]
    own: Vec<Vec<String>>,
    /// 一级事项, 二级事项, reason
    #[serde(default)]
    not_applicable: Vec<[String; 3]>,
}

#[derive(Debug, Deserialize)]
struct DemoColumn {
    unit: String,
    #[serde(flatten)]
    input: ColumnInput,
}

#[derive(Debug, Deserialize)]
struct DemoDocument {
    key: String,
    unit: String,
    published_on: String,
    #[serde(default)]
    catalogue: String,
    #[serde(default)]
    column: String,
    #[serde(default)]
    interprets: String,
    #[serde(flatten)]
    input: DocumentInput,
}

fn parse_disclosure() -> Result<DisclosureFile> {
    toml::from_str(DEMO_DISCLOSURE).map_err(|e| StoreError::Other(format!("demo disclosure: {e}")))
}

fn demo_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("demo {what}: {e}"))
}

/// Standard lists, the two bureaus' catalogues and columns, and their published documents,
/// once: the marker in the audit log keeps administrators' later edits from being redone.
async fn load_disclosure(store: &Store, units: &HashMap<String, i64>) -> Result<usize> {
    let done: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'demo.disclosure'")
        .fetch_one(&store.pool)
        .await?
        .try_get(0)?;
    if done > 0 {
        return Ok(0);
    }
    let file = parse_disclosure()?;
    let unit = |key: &str| units.get(key).copied().ok_or_else(|| demo_error("unit", key));
    let mut w = store.write(Actor::system("demo")).await?;
    for s in &file.standard {
        let rows = s
            .items
            .iter()
            .map(|cells| CatalogueRow::from_cells(cells).map_err(|e| demo_error(&s.domain, e)))
            .collect::<Result<Vec<_>>>()?;
        for level in &s.levels {
            let level = Level::parse(level).ok_or_else(|| demo_error("level", level))?;
            // Each level's list holds the rows whose 公开层级 names it.
            let rows: Vec<_> = rows.iter().filter(|r| r.layer.contains(level.label())).cloned().collect();
            w.standards_replace(level, &s.domain, &rows).await?;
        }
    }
    for c in &file.catalogue {
        let unit_id = unit(&c.unit)?;
        let level = Level::parse(&c.level).ok_or_else(|| demo_error("level", &c.level))?;
        w.catalogue_instantiate(unit_id, level, Some(&c.domain)).await?;
        for cells in &c.own {
            let row = CatalogueRow::from_cells(cells).map_err(|e| demo_error(&c.unit, e))?;
            w.catalogue_add(unit_id, &row).await?;
        }
        for [l1, l2, reason] in &c.not_applicable {
            let item = catalogue_item_named(&mut w, unit_id, l1, l2).await?;
            w.catalogue_mark(item, false, reason).await?;
        }
    }
    let mut columns = HashMap::new();
    for c in &file.column {
        let unit_id = unit(&c.unit)?;
        let fields = ColumnFields::parse(&c.input).map_err(|e| demo_error(&c.input.name, e))?;
        columns.insert((unit_id, fields.name.clone()), w.column_create(unit_id, &fields).await?);
    }
    let names: HashMap<i64, String> = store.units_all().await?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut documents: HashMap<&str, i64> = HashMap::new();
    for d in &file.document {
        let unit_id = unit(&d.unit)?;
        let mut input = d.input.clone();
        if !d.catalogue.is_empty() {
            let item = sqlx::query("SELECT id FROM catalogue_items WHERE unit_id = $1 AND level2 = $2")
                .bind(unit_id)
                .bind(&d.catalogue)
                .fetch_optional(w.conn())
                .await?
                .ok_or_else(|| demo_error("catalogue item", &d.catalogue))?;
            input.catalogue_item_id = Some(item.try_get(0)?);
        }
        if !d.column.is_empty() {
            input.column_id =
                Some(*columns.get(&(unit_id, d.column.clone())).ok_or_else(|| demo_error("column", &d.column))?);
        }
        if !d.interprets.is_empty() {
            input.interprets_id =
                Some(*documents.get(d.interprets.as_str()).ok_or_else(|| demo_error("interprets", &d.interprets))?);
        }
        let fields = DocumentFields::parse(&input, names.get(&unit_id).map(String::as_str).unwrap_or(""))
            .map_err(|e| demo_error(&d.key, e))?;
        let published =
            gongkai_domain::time::parse_date(&d.published_on).ok_or_else(|| demo_error(&d.key, &d.published_on))?;
        let (id, _) = w.document_import(unit_id, &fields, &format!("demo:{}", d.key), Some(published)).await?;
        documents.insert(d.key.as_str(), id);
    }
    w.record("demo.disclosure", "demo", 0, None, "载入演示用事项标准清单、主动公开目录、栏目和政府信息");
    w.commit().await?;
    Ok(documents.len())
}

async fn catalogue_item_named(w: &mut crate::Writer, unit_id: i64, level1: &str, level2: &str) -> Result<i64> {
    let row = sqlx::query("SELECT id FROM catalogue_items WHERE unit_id = $1 AND level1 = $2 AND level2 = $3")
        .bind(unit_id)
        .bind(level1)
        .bind(level2)
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| demo_error("catalogue item", level2))?;
    Ok(row.try_get(0)?)
}

/// The demo logins without touching the database, for printing.
pub fn logins() -> Vec<DemoUser> {
    parse().map(|f| f.user).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_domain::codes::CreditCode;

    #[test]
    fn demo_file_is_valid() {
        let file = parse().unwrap();
        let mut keys = std::collections::HashSet::new();
        for u in &file.unit {
            assert!(keys.insert(u.key.as_str()), "duplicate key {}", u.key);
            let kind = UnitKind::parse(&u.kind).unwrap();
            UnitFields::parse(kind, &u.input).unwrap_or_else(|e| panic!("{}: {e}", u.key));
            if !u.input.credit_code.is_empty() {
                CreditCode::parse(&u.input.credit_code).unwrap();
            }
            assert!(u.parent.is_empty() || keys.contains(u.parent.as_str()), "{} before its parent", u.key);
        }
        assert!(file.unit.len() >= 100);
        assert!(file.user.iter().any(|u| u.username == "admin" && u.roles == ["system_admin"]));
        let disclosure = parse_disclosure().unwrap();
        for s in &disclosure.standard {
            for cells in &s.items {
                CatalogueRow::from_cells(cells).unwrap_or_else(|e| panic!("{}: {e}", s.domain));
            }
        }
        for d in &disclosure.document {
            assert!(keys.contains(d.unit.as_str()), "{}", d.key);
            let mut input = d.input.clone();
            // Links are resolved at load time; any id stands in for them here.
            input.interprets_id = (!d.interprets.is_empty()).then_some(1);
            DocumentFields::parse(&input, "x").unwrap_or_else(|e| panic!("{}: {e}", d.key));
        }
        for u in &file.user {
            gongkai_domain::staff::check_password("password", &u.password).unwrap();
            gongkai_domain::staff::parse_username(&u.username).unwrap();
        }
    }
}
