//! Demo data: Jinan's units and a set of staff accounts, loaded idempotently (units matched on
//! their demo key, accounts on their user name) so `gongkai demo` can run any number of times.

use crate::audit::Actor;
use crate::credentials::hash_password;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::users::NewUser;
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
    pub logins: Vec<DemoLogin>,
}

fn parse() -> Result<DemoFile> {
    toml::from_str(DEMO_UNITS).map_err(|e| StoreError::Other(format!("demo data: {e}")))
}

pub async fn load(store: &Store) -> Result<DemoReport> {
    let file = parse()?;
    let mut report = DemoReport::default();
    let existing: HashMap<String, i64> = sqlx::query("SELECT demo_key, id FROM units WHERE demo_key IS NOT NULL")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_>>()?;
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
    Ok(report)
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
        for u in &file.user {
            gongkai_domain::staff::check_password("password", &u.password).unwrap();
            gongkai_domain::staff::parse_username(&u.username).unwrap();
        }
    }
}
