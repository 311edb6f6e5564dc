//! Columns (专栏, and each unit's 制度 and 年报 columns): created by unit administrators,
//! published into by editors, listed publicly with the date of their last update.

pub mod api;
pub mod console;
pub mod portal;

use crate::app::AppState;
use crate::auth::Principal;
use crate::errors::AppError;
use gongkai_domain::columns::{ColumnFields, ColumnInput};
use gongkai_domain::staff::Action;
use gongkai_store::columns::SpecialColumn;

pub async fn create(
    state: &AppState,
    p: &Principal,
    unit_id: i64,
    input: &ColumnInput,
) -> Result<SpecialColumn, AppError> {
    p.require_for_unit(state, Action::ManageColumns, unit_id).await?;
    let fields = ColumnFields::parse(input)?;
    let mut w = state.store.write(p.actor()).await?;
    let id = w.column_create(unit_id, &fields).await?;
    w.commit().await?;
    // Unit pages list columns and the catalogue size.
    state.public_changed();
    state.store.column(id).await?.ok_or(AppError::NotFound)
}

async fn owned(state: &AppState, p: &Principal, id: i64) -> Result<SpecialColumn, AppError> {
    let c = state.store.column(id).await?.ok_or(AppError::NotFound)?;
    p.require_for_unit(state, Action::ManageColumns, c.unit_id).await?;
    Ok(c)
}

pub async fn update(state: &AppState, p: &Principal, id: i64, input: &ColumnInput) -> Result<SpecialColumn, AppError> {
    owned(state, p, id).await?;
    let fields = ColumnFields::parse(input)?;
    let mut w = state.store.write(p.actor()).await?;
    w.column_update(id, &fields).await?;
    w.commit().await?;
    state.public_changed();
    state.store.column(id).await?.ok_or(AppError::NotFound)
}

pub async fn remove(state: &AppState, p: &Principal, id: i64) -> Result<SpecialColumn, AppError> {
    let c = owned(state, p, id).await?;
    let mut w = state.store.write(p.actor()).await?;
    w.column_remove(id).await?;
    w.commit().await?;
    state.public_changed();
    Ok(c)
}

/// The date of the column's newest document, or "—" for a column nothing was published into.
pub fn last_updated(c: &SpecialColumn) -> String {
    c.last_updated_on.clone().unwrap_or_else(|| "—".into())
}
