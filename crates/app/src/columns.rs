//! Columns (专栏, and each unit's 制度 and 年报 columns): created by unit administrators,
//! published into by editors, listed publicly with the date of their last update.

use crate::Context;
use crate::Error;
use crate::Principal;
use gongkai_domain::columns::{ColumnFields, ColumnInput};
use gongkai_domain::staff::{Action, Reach};
use gongkai_store::columns::SpecialColumn;

pub async fn create(cx: &Context, p: &Principal, unit_id: i64, input: &ColumnInput) -> Result<SpecialColumn, Error> {
    p.require_for_unit(cx, Action::ManageColumns, unit_id).await?;
    let fields = ColumnFields::parse(input)?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.column_create(unit_id, &fields).await?;
    w.commit().await?;
    // Unit pages list columns and the catalogue size.
    cx.public_changed();
    cx.store.column(id).await?.ok_or(Error::NotFound)
}

async fn owned(cx: &Context, p: &Principal, id: i64) -> Result<SpecialColumn, Error> {
    let c = cx.store.column(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ManageColumns, c.unit_id).await?;
    Ok(c)
}

pub async fn update(cx: &Context, p: &Principal, id: i64, input: &ColumnInput) -> Result<SpecialColumn, Error> {
    owned(cx, p, id).await?;
    let fields = ColumnFields::parse(input)?;
    let mut w = cx.store.write(p.actor()).await?;
    w.column_update(id, &fields).await?;
    w.commit().await?;
    cx.public_changed();
    cx.store.column(id).await?.ok_or(Error::NotFound)
}

pub async fn remove(cx: &Context, p: &Principal, id: i64) -> Result<SpecialColumn, Error> {
    let c = owned(cx, p, id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    w.column_remove(id).await?;
    w.commit().await?;
    cx.public_changed();
    Ok(c)
}

/// The columns of a unit, or of all units (public).
pub async fn list(cx: &Context, unit_id: Option<i64>) -> Result<Vec<SpecialColumn>, Error> {
    Ok(cx.store.columns(unit_id).await?)
}

/// A column (public).
pub async fn column(cx: &Context, id: i64) -> Result<SpecialColumn, Error> {
    cx.store.column(id).await?.ok_or(Error::NotFound)
}

/// The columns `p` manages: everywhere for system administrators, else those of the units in
/// their subtree; with the unit at the top of that subtree (`None`: everywhere).
pub async fn manageable(cx: &Context, p: &Principal) -> Result<(Option<i64>, Vec<SpecialColumn>), Error> {
    if !p.may(Action::ManageColumns) {
        return Err(Error::Forbidden);
    }
    let within = if p.require(Action::ManageColumns, Reach::Global).is_ok() { None } else { Some(p.user.unit_id) };
    let tree = cx.unit_tree().await?;
    let reach: std::collections::HashSet<i64> = match within {
        Some(u) => tree.subtree(u).into_iter().map(|u| u.id).collect(),
        None => tree.all().iter().map(|u| u.id).collect(),
    };
    let mut columns = cx.store.columns(None).await?;
    columns.retain(|c| reach.contains(&c.unit_id));
    Ok((within, columns))
}

/// The date of the column's newest document, or "—" for a column nothing was published into.
pub fn last_updated(c: &SpecialColumn) -> String {
    c.last_updated_on.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}
