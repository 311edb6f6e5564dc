//! Documents (政府信息): the staff actions — drafting, review, publication, withdrawal,
//! validity, masking — with the pre-publication checks and the reminders.

pub mod attachments;
pub mod checks;
pub mod flags;
pub mod public;
mod workflow;

pub use workflow::{DocAction, apply};

use crate::Context;
use crate::Error;
use crate::Principal;
use gongkai_domain::documents::{DocumentFields, DocumentInput, Validity, Withdrawal};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::validation::{self, Invalid};
use gongkai_domain::workflow::{State, review_options};
use gongkai_store::attachments::Attachment;
use gongkai_store::documents::{Document, DocumentFilter, InReview, Review, Version};

async fn publisher_of(cx: &Context, unit_id: i64) -> Result<String, Error> {
    Ok(cx.store.unit(unit_id).await?.ok_or(Error::NotFound)?.name)
}

/// The document if `p` may see it in the console.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Document, Error> {
    let doc = cx.store.document(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, doc.unit_id).await?;
    Ok(doc)
}

/// Drafts a document for `input.unit_id`, or the caller's own unit when it names none.
pub async fn create(cx: &Context, p: &Principal, input: &DocumentInput) -> Result<Document, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let fields = DocumentFields::parse(input, &publisher_of(cx, unit_id).await?)?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.document_create(unit_id, &fields, Some(p.user.id), None).await?;
    w.commit().await?;
    cx.store.document(id).await?.ok_or(Error::NotFound)
}

/// Saves the working copy; `input.unit_id` is not read (a document keeps its unit).
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

/// The unit whose documents `p` sees: everything for system administrators, their subtree
/// otherwise.
pub fn scope(p: &Principal) -> Result<Option<i64>, Error> {
    p.reach_root(Action::ViewDocuments)
}

/// A page of the working copies in `p`'s scope matching `filter`, and how many match.
pub async fn list(
    cx: &Context,
    p: &Principal,
    mut filter: DocumentFilter,
    limit: i64,
    offset: i64,
) -> Result<gongkai_store::Page<Document>, Error> {
    filter.within_unit = scope(p)?;
    Ok(cx.store.documents_list(&filter, limit, offset).await?)
}

/// The documents at a review stage `p` may approve now, oldest first: in their unit and
/// below (everywhere for system administrators), not written by them, at no stage after one
/// they approved. One query; the rule is applied to each row in memory.
pub async fn review_queue(cx: &Context, p: &Principal) -> Result<Vec<InReview>, Error> {
    let within = if p.require(Action::ReviewDocuments, Reach::Global).is_ok() {
        None
    } else if p.may(Action::ReviewDocuments) {
        Some(p.user.unit_id)
    } else {
        return Ok(Vec::new());
    };
    let candidates = cx.store.documents_in_review(within).await?;
    Ok(candidates
        .into_iter()
        .filter(|d| {
            review_options(
                p.roles(),
                Reach::Subtree,
                d.status,
                p.user.id,
                &d.facts(),
                gongkai_store::documents::publishes_later(d.publish_at),
            )
            .awaits()
        })
        .collect())
}

/// What the console's page of a document shows: the working copy, its checks, its reviews,
/// its published versions and its attachments.
pub struct StaffView {
    pub doc: Document,
    pub report: checks::CheckReport,
    /// Each decision with its reviewer's name as it is now (`None`: taken by the system).
    pub reviews: Vec<(Review, Option<String>)>,
    /// Newest first.
    pub versions: Vec<Version>,
    pub attachments: Vec<Attachment>,
}

pub async fn staff_view(cx: &Context, p: &Principal, id: i64) -> Result<StaffView, Error> {
    let doc = visible(cx, p, id).await?;
    let report = checks::run(cx, &doc).await?;
    let reviews = cx.store.document_reviews(id).await?;
    // The reviewers' names in one statement.
    let mut reviewers: Vec<i64> = reviews.iter().filter_map(|r| r.reviewer_id).collect();
    reviewers.sort_unstable();
    reviewers.dedup();
    let names = cx.store.user_display_names(&reviewers).await?;
    let reviews = reviews
        .into_iter()
        .map(|r| {
            let name = r.reviewer_id.map(|id| names.get(&id).cloned().unwrap_or_default());
            (r, name)
        })
        .collect();
    let versions = cx.store.document_versions(id).await?;
    let attachments = cx.store.attachments_current(id).await?;
    Ok(StaffView { doc, report, reviews, versions, attachments })
}

/// Where a document of a unit may be filed: the unit's catalogue items and columns.
pub struct Filing {
    pub unit_id: i64,
    pub items: Vec<(i64, String)>,
    pub columns: Vec<(i64, String)>,
}

/// Where documents of `units` may be filed, for those of them `p` may draft in; units with
/// neither items nor columns are left out.
pub async fn filing_choices(cx: &Context, p: &Principal, units: &[i64]) -> Result<Vec<Filing>, Error> {
    let items = cx.store.catalogue_choices().await?;
    let columns = cx.store.columns(None).await?;
    let mut out = Vec::new();
    for &u in units {
        if p.require_for_unit(cx, Action::DraftDocuments, u).await.is_err() {
            continue;
        }
        let filing = Filing {
            unit_id: u,
            items: items.iter().filter(|c| c.unit_id == u).map(|c| (c.id, c.label.clone())).collect(),
            columns: columns.iter().filter(|c| c.unit_id == u).map(|c| (c.id, c.name.clone())).collect(),
        };
        if !filing.items.is_empty() || !filing.columns.is_empty() {
            out.push(filing);
        }
    }
    Ok(out)
}
