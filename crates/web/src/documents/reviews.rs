//! The reviewers' side: the documents waiting for a reviewer (待我审核) and what a reviewer
//! may do on a document's page, both decided by `workflow::review_options`, the rule the
//! store applies when the reviewer acts.

use crate::app::AppState;
use crate::auth::{ApiStaff, Principal};
use crate::errors::{ApiResult, AppError, Problem};
use crate::forms::path_id;
use axum::Json;
use axum::extract::{Path, State};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::time::{display_instant_at, format_instant, local_minute_at};
use gongkai_domain::workflow::{ReviewOptions, State as DocState, review_options};
use gongkai_store::documents::{Document, publishes_later};
use serde::Serialize;
use utoipa::ToSchema;

/// The documents at a review stage `p` may approve now (`gongkai_app::documents::review_queue`).
pub use gongkai_app::documents::review_queue as queue;

/// What `p` may do to `doc` as a reviewer.
pub async fn options(state: &AppState, p: &Principal, doc: &Document) -> Result<ReviewOptions, AppError> {
    let reach = p.reach(state, doc.unit_id).await?;
    Ok(review_options(p.roles(), reach, doc.status, p.user.id, &doc.facts(), doc.publishes_later()))
}

/// A row of the 待我审核 list.
pub struct QueueRow {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub stage: &'static str,
    pub since: String,
    /// At 终审: 「审核通过即发布」 or the scheduled time.
    pub publishing: String,
}

pub async fn queue_rows(state: &AppState, p: &Principal) -> Result<Vec<QueueRow>, AppError> {
    let tree = state.unit_tree().await?;
    Ok(queue(state, p)
        .await?
        .into_iter()
        .map(|d| QueueRow {
            id: d.id,
            unit: tree.get(d.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
            stage: d.status.label(),
            since: display_instant_at(d.updated_at),
            publishing: final_note(d.status, d.publish_at),
            title: d.title,
        })
        .collect())
}

/// What approving at 终审 does, in words: publish now, or at the scheduled time.
pub fn final_note(status: DocState, publish_at: Option<chrono::DateTime<chrono::Utc>>) -> String {
    if status != DocState::InReview(gongkai_domain::workflow::Stage::Final) {
        return String::new();
    }
    match publish_at.filter(|at| publishes_later(Some(*at))) {
        Some(at) => format!("将于 {} 定时发布", display_instant_at(at)),
        None => "终审通过即在门户网站公开".into(),
    }
}

/// 待我审核的文件
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueueItem {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub doc_no: String,
    /// review_first / review_second / review_final
    #[schema(inline, value_type = crate::api::schema::DocStateCode)]
    pub status: String,
    /// 待初审 / 待复审 / 待终审
    pub status_label: String,
    /// 定时发布时间（北京时间 YYYY-MM-DD HH:MM），未设定为 null
    pub publish_at: Option<String>,
    /// 此时审核通过是否立即在门户网站公开（仅终审且未设定时间时为 true）
    pub publishes_now: bool,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewQueue {
    pub total: i64,
    pub items: Vec<ReviewQueueItem>,
}

/// 待我审核：本人此时可以审核通过的文件（按送审先后）
#[utoipa::path(get, path = "/api/v1/staff/reviews", tag = "documents", security(("bearer" = [])),
    responses((status = 200, body = ReviewQueue), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn api_queue(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<ReviewQueue>> {
    p.require(Action::UseConsole, Reach::Subtree)?;
    let items: Vec<ReviewQueueItem> = queue(&state, &p)
        .await?
        .into_iter()
        .map(|d| {
            let later = publishes_later(d.publish_at);
            ReviewQueueItem {
                id: d.id,
                unit_id: d.unit_id,
                status: d.status.code().into(),
                status_label: d.status.label().into(),
                publishes_now: d.status == DocState::InReview(gongkai_domain::workflow::Stage::Final) && !later,
                publish_at: d.publish_at.filter(|_| later).map(local_minute_at),
                title: d.title,
                doc_no: d.doc_no,
                updated_at: format_instant(d.updated_at),
            }
        })
        .collect();
    Ok(Json(ReviewQueue { total: items.len() as i64, items }))
}

/// 本人对一份文件的审核权限
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewPermissions {
    /// 此时能否审核通过
    pub may_approve: bool,
    /// 不能审核通过的原因
    pub approve_refusal: Option<String>,
    /// 审核通过后的状态：review_second / review_final / published / scheduled
    pub approve_leads_to: Option<String>,
    /// 此时能否退回修改
    pub may_reject: bool,
    /// 不能退回的原因
    pub reject_refusal: Option<String>,
}

/// 本人对该文件能否审核通过、能否退回，不能时说明原因
#[utoipa::path(get, path = "/api/v1/staff/documents/{id}/review", tag = "documents", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = ReviewPermissions), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn api_permissions(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<ReviewPermissions>> {
    let doc = super::actions::visible(&state, &p, path_id(&id)?).await?;
    let o = options(&state, &p, &doc).await?;
    Ok(Json(ReviewPermissions {
        may_approve: o.approve.is_ok(),
        approve_refusal: o.approve.err().map(|e| e.to_string()),
        approve_leads_to: o.approve.ok().map(|s| s.code().to_string()),
        may_reject: o.reject.is_ok(),
        reject_refusal: o.reject.err().map(|e| e.to_string()),
    }))
}
