//! Files attached to documents (附件): added to drafts with their text read for the checks and
//! search, removed from drafts.

use crate::{Context, Error, Principal};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_extract::detect;
use gongkai_store::attachments::{Attachment, FileKind, NewAttachment};

/// The attachments of the working copy, if `p` may see the document.
pub async fn current(cx: &Context, p: &Principal, doc_id: i64) -> Result<Vec<Attachment>, Error> {
    let doc = super::visible(cx, p, doc_id).await?;
    Ok(cx.store.attachments_current(doc.id).await?)
}

/// Adds a file to a draft: its kind told from its bytes, its text read in a limited child
/// process (for the checks and search), `alt` the description of an image.
pub async fn add(
    cx: &Context,
    p: &Principal,
    doc_id: i64,
    file: Option<(String, impl AsRef<[u8]>)>,
    alt: &str,
) -> Result<Attachment, Error> {
    let doc = super::visible(cx, p, doc_id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, doc.unit_id).await?;
    let alt: String = alt.chars().take(300).collect();
    let Some((name, bytes)) = file.filter(|(_, b)| !b.as_ref().is_empty()) else {
        return Err(Invalid::one("file", "附件", "请选择要上传的文件").into());
    };
    if name.is_empty() {
        return Err(Invalid::one("file", "附件", "文件名无效").into());
    }
    let bytes = bytes.as_ref();
    let kind = detect(&name, bytes).map_err(|e| Invalid::one("file", "附件", e))?;
    let (text, text_unavailable) = match attachment_text(cx, kind, bytes).await {
        Ok(text) => (text, false),
        Err(e) => {
            // The file is stored all the same; the check report says its text was skipped.
            tracing::warn!(document = doc_id, kind = kind.content_type(), size = bytes.len(), error = %e, "attachment text not extracted");
            (String::new(), true)
        }
    };
    let sha256 = cx.store.file_save(bytes).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let new = NewAttachment { name, kind, size: bytes.len() as i64, sha256, text, alt, text_unavailable };
    let id = w.attachment_add(doc_id, &new).await?;
    w.commit().await?;
    cx.store.attachment(id).await?.ok_or(Error::NotFound)
}

/// The text of a document file, read in a limited child process (hostile files must not reach
/// the server's own memory or stack); images and media have none.
async fn attachment_text(cx: &Context, kind: FileKind, bytes: &[u8]) -> Result<String, gongkai_extract::ExtractError> {
    let kind = match kind {
        FileKind::Pdf => gongkai_extract::Kind::Pdf,
        FileKind::Docx => gongkai_extract::Kind::Docx,
        FileKind::Xlsx => gongkai_extract::Kind::Xlsx,
        _ => return Ok(String::new()),
    };
    cx.extractor.text(kind, bytes.to_vec()).await
}

pub async fn remove(cx: &Context, p: &Principal, doc_id: i64, attachment_id: i64) -> Result<(), Error> {
    let doc = super::visible(cx, p, doc_id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, doc.unit_id).await?;
    let a = cx.store.attachment(attachment_id).await?.filter(|a| a.document_id == doc_id).ok_or(Error::NotFound)?;
    let mut w = cx.store.write(p.actor()).await?;
    w.attachment_remove(a.id).await?;
    w.commit().await?;
    Ok(())
}
