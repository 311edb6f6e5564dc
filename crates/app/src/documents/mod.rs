//! Documents (政府信息): the staff actions — drafting, review, publication, withdrawal,
//! validity, masking — with the pre-publication checks and the reminders.

pub mod attachments;
pub mod checks;
pub mod flags;
mod workflow;

pub use workflow::{DocAction, apply};

use crate::Context;
use crate::Error;
use crate::Principal;
use gongkai_domain::documents::{DocumentFields, DocumentInput, Validity, Withdrawal};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::{self, Invalid};
use gongkai_domain::workflow::State;
use gongkai_store::documents::Document;

async fn publisher_of(cx: &Context, unit_id: i64) -> Result<String, Error> {
    Ok(cx.store.unit(unit_id).await?.ok_or(Error::NotFound)?.name)
}

/// The document if `p` may see it in the console.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Document, Error> {
    let doc = cx.store.document(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, doc.unit_id).await?;
    Ok(doc)
}

pub async fn create(
    cx: &Context,
    p: &Principal,
    unit_id: Option<i64>,
    input: &DocumentInput,
) -> Result<Document, Error> {
    let unit_id = unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let fields = DocumentFields::parse(input, &publisher_of(cx, unit_id).await?)?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.document_create(unit_id, &fields, Some(p.user.id), None).await?;
    w.commit().await?;
    cx.store.document(id).await?.ok_or(Error::NotFound)
}

pub async fn update(cx: &Context, p: &Principal, id: i64, input: &DocumentInput) -> Result<Document, Error> {
    let doc = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, doc.unit_id).await?;
    let fields = DocumentFields::parse(input, &publisher_of(cx, doc.unit_id).await?)?;
    let mut w = cx.store.write(p.actor()).await?;
    w.document_update(id, &fields).await?;
    w.commit().await?;
    cx.store.document(id).await?.ok_or(Error::NotFound)
}

/// What a form or JSON body asks to do with a document.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    #[schema(inline, value_type = crate::schema::DocActionCode)]
    pub action: String,
    /// 退回意见（reject 必填）
    #[serde(default)]
    pub comment: String,
    /// 忽略发布前检查问题的理由（终审时检查未通过才需要）
    #[serde(default)]
    pub override_reason: String,
    /// 撤稿原因：in_error / replaced / withdrawn
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub note: String,
    /// 替代文件 id（reason 为 replaced 时必填）
    pub replacement: Option<i64>,
}

pub async fn act(cx: &Context, p: &Principal, id: i64, input: &ActionInput) -> Result<Document, Error> {
    let doc = visible(cx, p, id).await?;
    let mut errors = Invalid::default();
    let (needed, action) = match input.action.trim() {
        "submit" => (Action::DraftDocuments, DocAction::Submit),
        "revise" => (Action::DraftDocuments, DocAction::Revise),
        "discard" => (Action::DraftDocuments, DocAction::Discard),
        "approve" => {
            let report = checks::run(cx, &doc).await?;
            let reason =
                validation::text(&mut errors, "override_reason", "忽略理由", &input.override_reason, false, 500);
            (Action::ReviewDocuments, DocAction::Approve { checks_clear: report.clear, override_reason: reason })
        }
        "reject" => {
            let comment = validation::text(&mut errors, "comment", "退回意见", &input.comment, true, 1000);
            (Action::ReviewDocuments, DocAction::Reject { comment })
        }
        "withdraw" => {
            let reason = Withdrawal::parse(&input.reason).unwrap_or_else(|| {
                errors.push("reason", "撤稿原因", "请选择：误发撤回、已被替代或撤回留存");
                Withdrawal::Withdrawn
            });
            let note = validation::text(&mut errors, "note", "撤稿说明", &input.note, true, 500);
            (Action::WithdrawDocuments, DocAction::Withdraw { reason, note, replacement: input.replacement })
        }
        _ => {
            return Err(
                Invalid::one("action", "操作", "应为 submit、approve、reject、revise、discard 或 withdraw").into()
            );
        }
    };
    errors.into_result(())?;
    p.require_for_unit(cx, needed, doc.unit_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let after = apply(&mut w, id, &action, Some(p.user.id), cx.clock.now()).await?;
    w.commit().await?;
    if matches!(after.status, State::Published | State::Withdrawn) {
        cx.documents_changed();
    }
    Ok(after)
}

pub async fn set_validity(
    cx: &Context,
    p: &Principal,
    id: i64,
    validity: &str,
    on: &str,
    replaced_by: Option<i64>,
) -> Result<Document, Error> {
    let doc = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::WithdrawDocuments, doc.unit_id).await?;
    let mut errors = Invalid::default();
    let v = Validity::parse(validity).unwrap_or_else(|| {
        errors.push("validity", "有效性", "应为有效、失效或废止");
        Validity::Valid
    });
    let on = match on.trim() {
        "" => None,
        raw => gongkai_domain::time::parse_date(raw).or_else(|| {
            errors.push("validity_on", "失效或废止日期", "应为 YYYY-MM-DD 格式的日期");
            None
        }),
    };
    errors.into_result(())?;
    let mut w = cx.store.write(p.actor()).await?;
    w.document_set_validity(id, v, on, replaced_by).await?;
    w.commit().await?;
    cx.documents_changed();
    cx.store.document(id).await?.ok_or(Error::NotFound)
}

/// Masks the personal information the checks found, in a draft or a document under review.
pub async fn mask(cx: &Context, p: &Principal, id: i64) -> Result<Document, Error> {
    let doc = visible(cx, p, id).await?;
    let may = p.require_for_unit(cx, Action::DraftDocuments, doc.unit_id).await.is_ok()
        || p.require_for_unit(cx, Action::ReviewDocuments, doc.unit_id).await.is_ok();
    if !may {
        return Err(Error::Forbidden);
    }
    let (masked, qa) = checks::masked_body(&doc);
    let mut w = cx.store.write(p.actor()).await?;
    w.document_replace_body(id, &masked, &qa).await?;
    w.commit().await?;
    cx.store.document(id).await?.ok_or(Error::NotFound)
}

/// Publishes the documents whose scheduled time has come (the scheduler, every node); returns
/// how many. A document another node published first, or sent back meanwhile, is skipped.
pub async fn publish_due(cx: &Context) -> Result<usize, Error> {
    let mut done = 0;
    for id in cx.store.documents_due().await? {
        let mut w = cx.store.write(gongkai_store::Actor::system("scheduler")).await?;
        match apply(&mut w, id, &DocAction::PublishDue, None, cx.clock.now()).await {
            Ok(_) => {
                w.commit().await?;
                done += 1;
            }
            Err(e) => tracing::info!(document = id, error = %e, "scheduled publication skipped"),
        }
    }
    if done > 0 {
        cx.documents_changed();
    }
    Ok(done)
}
