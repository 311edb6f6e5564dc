//! What the faces read of applications: the queues and their reminders, a case file for
//! staff (with the applicant's details only for the handling unit's handlers, audited), what
//! the applicant sees, the coordinations a unit was asked for, and the files. Each read checks
//! the caller's right to it.

use super::{Deadline, deadline, may_see_applicant, may_view};
use crate::{Context, Error, Principal};
use chrono::NaiveDate;
use gongkai_domain::request_lifecycle::RequestState;
use gongkai_domain::requests as rules;
use gongkai_domain::requests::FileRole;
use gongkai_domain::staff::{Action, Reach, Role};
use gongkai_domain::validation::Invalid;
use gongkai_store::Page;
use gongkai_store::requests::{
    Consultation, ReminderCounts, ReplyDocument, Request, RequestEventRow, RequestFile, RequestFilter,
};
use gongkai_store::users::{User, UserFilter};
use std::collections::HashMap;

/// The case if `p` may read it; a case they may not read is not found.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Request, Error> {
    let r = cx.store.request(id).await?.ok_or(Error::NotFound)?;
    if !may_view(cx, p, &r).await? {
        return Err(Error::NotFound);
    }
    Ok(r)
}

/// What a queue lists: a unit and the units below it, whose cases the caller may see, and the
/// filters asked for. Made only by [`queue`], which checks that right.
pub struct Queue {
    filter: RequestFilter,
}

impl Queue {
    pub fn filter(&self) -> &RequestFilter {
        &self.filter
    }
}

/// What a queue is asked to show; `state` and `due` as given (checked here).
#[derive(Debug, Clone, Default)]
pub struct QueueQuery<'a> {
    /// The unit whose cases (with its subtree's) are listed; `None`: the caller's.
    pub unit_id: Option<i64>,
    pub state: Option<&'a str>,
    /// `soon` (due within 3 working days) or `overdue`.
    pub due: Option<&'a str>,
    pub open_only: bool,
    /// Only the caller's own cases.
    pub mine: bool,
    /// Tracking number or words of the description.
    pub text: &'a str,
}

pub async fn queue(cx: &Context, p: &Principal, q: &QueueQuery<'_>) -> Result<Queue, Error> {
    let unit_id = q.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::ViewRequests, unit_id).await?;
    let tree = cx.unit_tree().await?;
    let unit_ids = tree.subtree(unit_id).iter().map(|u| u.id).collect();
    let mut f = RequestFilter { unit_ids, query: q.text.chars().take(100).collect(), ..Default::default() };
    if let Some(s) = q.state {
        f.state = Some(RequestState::parse(s).ok_or_else(|| Invalid::one("state", "办理状态", "不是可选的值"))?);
    }
    let cal = cx.calendar().await?;
    match q.due {
        None => {}
        Some("soon") => f.due_by = Some(cal.add_workdays(cx.today(), rules::DUE_SOON_DAYS.unsigned_abs() as u32).value),
        Some("overdue") => f.due_by = cx.today().pred_opt(),
        Some(_) => return Err(Invalid::one("due", "期限", "应为 soon（即将到期）或 overdue（已逾期）").into()),
    }
    f.open_only = q.open_only;
    if q.mine {
        f.handler_id = Some(p.user.id);
    }
    Ok(Queue { filter: f })
}

/// A page of a queue, each case with the consultations its clock pauses for (those of
/// consulting cases, read in one statement), and how many cases the queue holds.
pub async fn queue_page(
    cx: &Context,
    queue: &Queue,
    limit: i64,
    offset: i64,
) -> Result<Page<(Request, Vec<Consultation>)>, Error> {
    let Page { items: rows, total } = cx.store.requests_list(&queue.filter, limit, offset).await?;
    let consulting: Vec<i64> = rows.iter().filter(|r| r.state == RequestState::Consulting).map(|r| r.id).collect();
    let mut consultations = cx.store.consultations_of_requests(&consulting).await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let of_case = if r.state == RequestState::Consulting {
                consultations.remove(&r.id).unwrap_or_default()
            } else {
                Vec::new()
            };
            (r, of_case)
        })
        .collect();
    Ok(Page { items: rows, total })
}

/// Every case of a queue with the applicants' details, for the register a unit exports: only
/// for those who may export the unit's register (the export is to be recorded with
/// `record_export`).
pub async fn register_rows(cx: &Context, p: &Principal, queue: &Queue, unit_id: i64) -> Result<Page<Request>, Error> {
    p.require_for_unit(cx, Action::ExportRequests, unit_id).await?;
    Ok(cx.store.requests_list(&queue.filter, 50_000, 0).await?)
}

/// What waits for the caller's unit (and units below): applications to confirm, replies due
/// within 3 working days or overdue, drafts awaiting 审签, and (for handlers) coordinations
/// to answer; counted together in one statement.
pub async fn reminders(cx: &Context, p: &Principal) -> Result<ReminderCounts, Error> {
    let queue = queue(cx, p, &QueueQuery::default()).await?;
    let cal = cx.calendar().await?;
    let today = cx.today();
    let soon = cal.add_workdays(today, 3).value;
    let overdue = today.pred_opt().unwrap_or(NaiveDate::MIN);
    let coordination_units: Vec<i64> = if p.may(Action::HandleRequests) {
        cx.unit_tree().await?.subtree(p.user.unit_id).iter().map(|u| u.id).collect()
    } else {
        Vec::new()
    };
    Ok(cx.store.request_reminders(&queue.filter.unit_ids, soon, overdue, &coordination_units).await?)
}

/// The coordinations the caller's unit and those below were asked for, each with its case
/// (content only), for handlers.
pub async fn coordinations(
    cx: &Context,
    p: &Principal,
    open_only: bool,
) -> Result<Vec<(Consultation, Request)>, Error> {
    p.require(Action::HandleRequests, Reach::Subtree)?;
    let tree = cx.unit_tree().await?;
    let unit_ids: Vec<i64> = tree.subtree(p.user.unit_id).iter().map(|u| u.id).collect();
    let coordinations = cx.store.coordinations_for(&unit_ids, open_only).await?;
    let mut ids: Vec<i64> = coordinations.iter().map(|c| c.request_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let requests: HashMap<i64, Request> =
        cx.store.requests_by_ids(&ids).await?.into_iter().map(|r| (r.id, r)).collect();
    let mut out = Vec::with_capacity(coordinations.len());
    for c in coordinations {
        // A case with several coordinations appears once per coordination.
        let Some(r) = requests.get(&c.request_id).cloned() else { continue };
        out.push((c, r));
    }
    Ok(out)
}

/// The case file staff read besides the case itself.
pub struct CaseFile {
    pub consultations: Vec<Consultation>,
    /// The whole timeline, each staff member named as they are now.
    pub events: Vec<RequestEventRow>,
    /// The files; those with personal data only for who may see the applicant.
    pub files: Vec<RequestFile>,
    /// Whether the applicant's details were asked for and may be shown (the view is audited).
    pub applicant_shown: bool,
}

/// The file of a case `p` may read (else not found). With `with_applicant`, the handling
/// unit's handlers also get the applicant's details, and that view is audited.
pub async fn case_file(cx: &Context, p: &Principal, r: &Request, with_applicant: bool) -> Result<CaseFile, Error> {
    let consultations = cx.store.request_consultations(r.id).await?;
    if !super::may_view_with(cx, p, r, &consultations).await? {
        return Err(Error::NotFound);
    }
    let personal = may_see_applicant(p, r);
    let applicant_shown = with_applicant && personal;
    if applicant_shown {
        super::audit_personal_view(cx, p, r).await?;
    }
    let mut events = cx.store.request_events(r.id, false).await?;
    // People read names, not logins: show the staff member's name as it is now (all the
    // timeline's actors in one statement).
    let mut actors: Vec<i64> = events.iter().filter_map(|e| e.actor_id).collect();
    actors.sort_unstable();
    actors.dedup();
    let names = cx.store.user_display_names(&actors).await?;
    for e in &mut events {
        if let Some(name) = e.actor_id.and_then(|uid| names.get(&uid)).filter(|n| !n.is_empty()) {
            e.actor_name = name.clone();
        }
    }
    let mut files = cx.store.request_files(r.id).await?;
    files.retain(|f| personal || !f.role.is_personal());
    Ok(CaseFile { consultations, events, files, applicant_shown })
}

/// What the console's case page shows besides the case file: the unit's active handlers (to
/// assign the case to) and the published documents the reply points to (id, title, 索引号).
pub struct CasePage {
    pub file: CaseFile,
    pub handlers: Vec<User>,
    pub disclosed: Vec<ReplyDocument>,
}

pub async fn case_page(cx: &Context, p: &Principal, r: &Request, with_applicant: bool) -> Result<CasePage, Error> {
    let file = case_file(cx, p, r, with_applicant).await?;
    let filter = UserFilter { unit: Some(r.unit_id), role: Some(Role::RequestHandler), ..Default::default() };
    let mut handlers = cx.store.users_list(&filter, 200, 0).await?.items;
    handlers.retain(|u| u.active);
    let disclosed = cx.store.reply_documents(&r.reply.document_ids).await?;
    Ok(CasePage { file, handlers, disclosed })
}

/// Whether files of the information provided are attached to the case's reply already: an
/// input of the reply step (whose use case checks the caller's rights), nothing shown.
pub async fn reply_has_files(cx: &Context, id: i64) -> Result<bool, Error> {
    Ok(cx.store.request_files(id).await?.iter().any(|f| f.role == FileRole::Provided))
}

/// Checks that the documents a reply points to are published ones.
pub async fn check_reply_documents(cx: &Context, ids: &[i64]) -> Result<(), Error> {
    let published = cx.store.reply_documents(ids).await?;
    if let Some(doc) = ids.iter().find(|id| !published.iter().any(|d| d.id == **id)) {
        return Err(Invalid::one("document_ids", "已公开信息", format!("编号 {doc} 不是已公开的政府信息")).into());
    }
    Ok(())
}

/// A file of a case `p` may read (`r`, from [`visible`]); the files with personal data only
/// for the handling unit's handlers, and each such view is audited.
pub async fn staff_file(cx: &Context, p: &Principal, r: &Request, file_id: i64) -> Result<RequestFile, Error> {
    let f = cx.store.request_file(file_id).await?.filter(|f| f.request_id == r.id).ok_or(Error::NotFound)?;
    if f.role.is_personal() {
        if !may_see_applicant(p, r) {
            return Err(Error::NotFound);
        }
        super::audit_personal_view(cx, p, r).await?;
    }
    Ok(f)
}

/// What the applicant sees of their case (`r`, found with its query code by `track`).
pub struct PublicCase {
    pub deadline: Deadline,
    /// The public part of the timeline.
    pub events: Vec<RequestEventRow>,
    /// The files published to the applicant.
    pub files: Vec<RequestFile>,
}

pub async fn public_case(cx: &Context, r: &Request) -> Result<PublicCase, Error> {
    let deadline = current_deadline(cx, r).await?;
    let events = cx.store.request_events(r.id, true).await?;
    let mut files = cx.store.request_files(r.id).await?;
    files.retain(|f| f.public);
    Ok(PublicCase { deadline, events, files })
}

/// The reply deadline of a case as of today.
pub async fn current_deadline(cx: &Context, r: &Request) -> Result<Deadline, Error> {
    let cal = cx.calendar().await?;
    let consultations = cx.store.request_consultations(r.id).await?;
    Ok(deadline(&cal, r, &consultations, cx.today()))
}

/// A file published to the applicant of `r` (found with its query code by `track`).
pub async fn public_file(cx: &Context, r: &Request, file_id: i64) -> Result<RequestFile, Error> {
    cx.store.request_file(file_id).await?.filter(|f| f.request_id == r.id && f.public).ok_or(Error::NotFound)
}
