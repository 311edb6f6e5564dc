//! The search index of public documents: brought up to date from the outbox of public
//! changes (this node's and the other nodes').

use crate::Context;
use gongkai_search::SearchIndex;
use std::sync::Arc;

/// Applies the public changes the index has not seen; when anything changed, the face's
/// copies of public lists and pages are dropped. Returns how many changes were applied.
pub async fn sync(cx: &Context, index: &Arc<SearchIndex>) -> gongkai_search::Result<usize> {
    let applied = index.sync(&cx.store).await?;
    if applied > 0 {
        cx.public_changed();
    }
    Ok(applied)
}
