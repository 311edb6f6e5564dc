//! The caller of a staff use case: a signed-in member of staff, from a console session or an
//! API token. What they may do is `gongkai_domain::staff::permits` of their roles and where the
//! unit concerned lies relative to their own unit, read from the cached unit tree.

use crate::{Context, Error, Result};
use gongkai_domain::staff::{Action, Reach, Roles, permits};
use gongkai_store::Actor;
use gongkai_store::users::{Session, User};

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub ip: String,
    /// The session (console only): its id lets a password change keep this session.
    pub session: Option<Session>,
}

impl Principal {
    /// Who the audit log names for this caller's writes.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            name: self.user.username.clone(),
            unit_id: Some(self.user.unit_id),
            ip: self.ip.clone(),
        }
    }

    /// The top of the units this caller may do `action` for: none meaning all (a city-wide
    /// reach), else their own unit (with the units below it); forbidden without either reach.
    pub fn reach_root(&self, action: Action) -> Result<Option<i64>> {
        if self.require(action, Reach::Global).is_ok() {
            return Ok(None);
        }
        self.require(action, Reach::Subtree)?;
        Ok(Some(self.user.unit_id))
    }

    /// The units of [`Principal::reach_root`] one by one: none meaning all, else the caller's
    /// unit and the units below it.
    pub async fn units_in_reach(&self, cx: &Context, action: Action) -> Result<Option<Vec<i64>>> {
        let Some(root) = self.reach_root(action)? else { return Ok(None) };
        let tree = cx.unit_tree().await?;
        Ok(Some(tree.subtree(root).into_iter().map(|u| u.id).collect()))
    }

    pub fn roles(&self) -> &Roles {
        &self.user.roles
    }

    /// The console session's form token (empty for API callers).
    pub fn csrf(&self) -> String {
        self.session.as_ref().map(|s| s.csrf_token.clone()).unwrap_or_default()
    }

    /// Where `unit_id` lies relative to this user's unit: from the cached unit tree, so a page
    /// checking many rows does not read the lineage once per row. A unit the cached tree does
    /// not know yet (made on another node within the cache's lifetime) is read from the store.
    pub async fn reach(&self, cx: &Context, unit_id: i64) -> Result<Reach> {
        let tree = cx.unit_tree().await?;
        let within = if tree.get(unit_id).is_some() {
            tree.is_within(unit_id, self.user.unit_id)
        } else {
            let lineage = cx.store.unit_lineage(unit_id).await?;
            if lineage.is_empty() {
                return Err(Error::NotFound);
            }
            lineage.contains(&self.user.unit_id)
        };
        Ok(if within { Reach::Subtree } else { Reach::Outside })
    }

    pub fn require(&self, action: Action, reach: Reach) -> Result<()> {
        if permits(self.roles(), action, reach) { Ok(()) } else { Err(Error::Forbidden) }
    }

    pub async fn require_for_unit(&self, cx: &Context, action: Action, unit_id: i64) -> Result<()> {
        let reach = self.reach(cx, unit_id).await?;
        self.require(action, reach)
    }

    /// Whether the roles allow `action` anywhere in the user's own subtree.
    pub fn may(&self, action: Action) -> bool {
        permits(self.roles(), action, Reach::Subtree)
    }
}
