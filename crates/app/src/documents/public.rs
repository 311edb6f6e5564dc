//! What anyone may read of documents: the published versions, their lists and feeds, the
//! sitemap, and a document's page with what it links to.

use crate::{Context, Error};
use gongkai_store::attachments::Attachment;
use gongkai_store::catalogue::CatalogueItem;
use gongkai_store::columns::SpecialColumn;
use gongkai_store::documents::{PublicDocument, PublicFilter, Version};
use std::collections::HashMap;

/// A page of the published documents matching `filter`, newest first, and how many match.
pub async fn list(
    cx: &Context,
    filter: &PublicFilter,
    limit: i64,
    offset: i64,
) -> Result<gongkai_store::Page<PublicDocument>, Error> {
    Ok(cx.store.public_documents(filter, limit, offset).await?)
}

/// The years in which documents matching `filter` (whatever its year) were published.
pub async fn years(cx: &Context, filter: &PublicFilter) -> Result<Vec<i32>, Error> {
    Ok(cx.store.public_years(filter).await?)
}

/// A page of the sitemap: (id, last change) of published documents, by id.
pub async fn sitemap(
    cx: &Context,
    limit: i64,
    offset: i64,
) -> Result<Vec<gongkai_store::documents::SitemapEntry>, Error> {
    Ok(cx.store.public_sitemap(limit, offset).await?)
}

/// The published version of a document, withdrawn ones included (their pages say so).
pub async fn document(cx: &Context, id: i64) -> Result<Option<PublicDocument>, Error> {
    Ok(cx.store.public_document(id).await?)
}

/// The published versions of the documents `ids` that exist, in the order of `ids`.
pub async fn documents(cx: &Context, ids: &[i64]) -> Result<Vec<PublicDocument>, Error> {
    let mut found = cx.store.public_documents_by_ids(ids).await?;
    found.sort_by_key(|d| ids.iter().position(|i| *i == d.id));
    Ok(found)
}

/// The published text of the documents `ids`, for search results' excerpts.
pub async fn texts(cx: &Context, ids: &[i64]) -> Result<HashMap<i64, String>, Error> {
    Ok(cx.store.public_texts(ids).await?)
}

/// A published attachment (of a document that is public).
pub async fn attachment(cx: &Context, id: i64) -> Result<Option<Attachment>, Error> {
    Ok(cx.store.attachment_public(id).await?)
}

/// What a document's public page shows besides the document.
pub struct Details {
    /// The interpretations explaining it (at most 20).
    pub interpretations: Vec<PublicDocument>,
    /// The catalogue item it is filed under.
    pub filed_under: Option<CatalogueItem>,
    /// The column it was published into.
    pub column: Option<SpecialColumn>,
    pub replaced_by: Option<PublicDocument>,
    /// The document it interprets.
    pub interprets: Option<PublicDocument>,
    /// Its published versions, newest first.
    pub versions: Vec<Version>,
    pub attachments: Vec<Attachment>,
}

pub async fn details(cx: &Context, doc: &PublicDocument) -> Result<Details, Error> {
    let interpretations =
        cx.store.public_documents(&PublicFilter { interprets: Some(doc.id), ..Default::default() }, 20, 0).await?.items;
    let filed_under = match doc.catalogue_item_id {
        Some(i) => cx.store.catalogue_item(i).await?,
        None => None,
    };
    let column = match doc.column_id {
        Some(c) => cx.store.column(c).await?,
        None => None,
    };
    let replaced_by = match doc.replaced_by {
        Some(id) => cx.store.public_document(id).await?,
        None => None,
    };
    let interprets = match doc.interprets_id {
        Some(id) => cx.store.public_document(id).await?,
        None => None,
    };
    Ok(Details {
        interpretations,
        filed_under,
        column,
        replaced_by,
        interprets,
        versions: cx.store.document_versions(doc.id).await?,
        attachments: cx.store.attachments_public(doc.id).await?,
    })
}
