//! The audit log as staff read it: the part of the log a caller may see, and the chain check.

use crate::{Context, Error, Principal};
use gongkai_domain::audit::{AuditRecord, ChainBreak};
use gongkai_domain::staff::{Action, Reach};
use gongkai_store::AuditFilter;
use gongkai_store::users::UserFilter;

/// The unit whose subtree `p` may read, or `None` for the whole log.
pub fn scope(p: &Principal) -> Result<Option<i64>, Error> {
    p.reach_root(Action::ViewAudit)
}

/// A page of the records matching `filter` within the caller's scope, and how many match.
pub async fn list(
    cx: &Context,
    p: &Principal,
    mut filter: AuditFilter,
    limit: i64,
    offset: i64,
) -> Result<gongkai_store::Page<AuditRecord>, Error> {
    filter.within_unit = scope(p)?;
    Ok(cx.store.audit_list(&filter, limit, offset).await?)
}

/// Every action code in the log, for the filter's choices.
pub async fn actions(cx: &Context, p: &Principal) -> Result<Vec<String>, Error> {
    scope(p)?;
    Ok(cx.store.audit_actions().await?)
}

/// Checks the whole hash chain: the number of records, or where it breaks.
pub async fn verify(cx: &Context, p: &Principal) -> Result<Result<i64, ChainBreak>, Error> {
    p.require(Action::VerifyAudit, Reach::Global)?;
    Ok(cx.store.audit_verify().await?)
}

/// What the dashboard shows of the log: the newest records in the caller's scope and how many
/// accounts there are in the caller's subtree; nothing for those who may not read the log.
pub async fn dashboard(cx: &Context, p: &Principal) -> Result<(i64, Vec<AuditRecord>), Error> {
    if !p.may(Action::ViewAudit) {
        return Ok((0, Vec::new()));
    }
    let filter = AuditFilter { within_unit: scope(p)?, ..Default::default() };
    let records = cx.store.audit_list(&filter, 8, 0).await?.items;
    let users =
        cx.store.users_list(&UserFilter { within_unit: Some(p.user.unit_id), ..Default::default() }, 1, 0).await?.total;
    Ok((users, records))
}
