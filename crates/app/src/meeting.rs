//! 政府常务会议公开 (`meeting`): a government drafts a meeting's notice (kind, number, time,
//! place, agenda, observers, public seats) and publishes it before the meeting; after the
//! meeting it records the decision on each agenda item with the documents and interpretations
//! published from it (会议解读). Meetings have public pages and a list per unit and year, and
//! may have a live broadcast (`crate::live_blog`).

use crate::{Context, Error, Principal};
use gongkai_domain::meeting::input::{DecisionInput, MeetingFields, MeetingInput, check_decision};
use gongkai_domain::meeting::{MeetingStatus, NoticeStep, notice_next, title};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_store::meeting::{Decision, Meeting};

/// The checked notice and the meeting's title.
async fn checked(cx: &Context, unit_id: i64, input: &MeetingInput) -> Result<(String, MeetingFields), Error> {
    let f = MeetingFields::parse(input)?;
    let tree = cx.unit_tree().await?;
    let government = tree.get(unit_id).map(|u| u.name.clone()).unwrap_or_default();
    Ok((title(&government, f.kind, f.number), f))
}

/// Refuses a number the unit already gave a meeting of this kind (other than `except`). Run
/// inside the write that stores the meeting, so two at once cannot both take it.
async fn number_free(w: &mut gongkai_store::Writer, unit_id: i64, f: &MeetingFields, except: i64) -> Result<(), Error> {
    if w.meeting_number_taken(unit_id, f.kind, f.number, except).await? {
        return Err(Error::Conflict(Invalid::one(
            "number",
            "届次",
            format!("本单位已有第{}次{}", f.number, f.kind.label()),
        )));
    }
    Ok(())
}

/// Drafts a meeting of `input.unit_id` or the caller's unit.
pub async fn create(cx: &Context, p: &Principal, input: &MeetingInput) -> Result<Meeting, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let (t, f) = checked(cx, unit_id, input).await?;
    let mut w = cx.store.write(p.actor()).await?;
    number_free(&mut w, unit_id, &f, 0).await?;
    let id = w.meeting_create(unit_id, &t, &f).await?;
    w.commit().await?;
    cx.store.meeting(id).await?.ok_or(Error::NotFound)
}

/// A meeting of a unit whose documents `p` may see.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Meeting, Error> {
    let m = cx.store.meeting(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, m.unit_id).await.map_err(|_| Error::NotFound)?;
    Ok(m)
}

/// Saves the notice (before and after it is published: a changed time or place must reach
/// the public).
pub async fn update(cx: &Context, p: &Principal, id: i64, input: &MeetingInput) -> Result<Meeting, Error> {
    let m = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, m.unit_id).await?;
    let (t, f) = checked(cx, m.unit_id, input).await?;
    let mut w = cx.store.write(p.actor()).await?;
    number_free(&mut w, m.unit_id, &f, id).await?;
    w.meeting_update(id, m.unit_id, &t, &f).await?;
    w.commit().await?;
    if m.status == MeetingStatus::Announced {
        cx.public_changed();
    }
    cx.store.meeting(id).await?.ok_or(Error::NotFound)
}

/// Publishes the notice (again, after a withdrawal): by staff who review the unit's documents.
pub async fn announce(cx: &Context, p: &Principal, id: i64) -> Result<Meeting, Error> {
    let m = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::ReviewDocuments, m.unit_id).await?;
    notice_next(m.status, NoticeStep::Announce, false)
        .map_err(|why| Error::Conflict(Invalid::one("status", "状态", why)))?;
    let mut w = cx.store.write(p.actor()).await?;
    w.meeting_announce(id, m.unit_id, &m.title).await?;
    w.commit().await?;
    cx.public_changed();
    cx.store.meeting(id).await?.ok_or(Error::NotFound)
}

/// Withdraws a published notice with the reason (a wrong notice, a meeting called off): the
/// meeting leaves the public pages until it is announced again. A meeting whose decisions are
/// on record cannot be withdrawn.
pub async fn withdraw(cx: &Context, p: &Principal, id: i64, note: &str) -> Result<Meeting, Error> {
    let m = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::ReviewDocuments, m.unit_id).await?;
    let mut e = Invalid::default();
    let note = gongkai_domain::validation::text(&mut e, "note", "撤回原因", note, true, 500);
    e.into_result(())?;
    // Status and decisions are read inside the write, so a decision recorded meanwhile is seen.
    let mut w = cx.store.write(p.actor()).await?;
    let now = w.meeting_current(id).await?;
    let decided = w.meeting_decided(id).await?;
    notice_next(now.status, NoticeStep::Withdraw, decided)
        .map_err(|why| Error::Conflict(Invalid::one("status", "状态", why)))?;
    w.meeting_withdraw(id, m.unit_id, &m.title, &note).await?;
    w.commit().await?;
    cx.public_changed();
    cx.store.meeting(id).await?.ok_or(Error::NotFound)
}

/// Records the decision on an agenda item, after the meeting has begun, with the published
/// documents it led to.
pub async fn decide(cx: &Context, p: &Principal, id: i64, input: &DecisionInput) -> Result<Vec<Decision>, Error> {
    let m = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, m.unit_id).await?;
    let (index, decision) = check_decision(input, m.fields.agenda.len())?;
    if m.status != MeetingStatus::Announced {
        return Err(Error::Conflict(Invalid::one("status", "状态", "请先发布会议预告")));
    }
    if cx.now() < m.fields.held_at {
        return Err(Error::Conflict(Invalid::one("item", "议题", "会议尚未召开，不能记录决定")));
    }
    let mut e = Invalid::default();
    let found = cx.store.public_documents_by_ids(&input.document_ids).await?;
    for d in &input.document_ids {
        if !found.iter().any(|f| f.id == *d) {
            e.push("document_ids", "相关文件", format!("没有 id 为 {d} 的已发布文件"));
        }
    }
    e.into_result(())?;
    let mut w = cx.store.write(p.actor()).await?;
    // A notice withdrawn meanwhile takes no decision.
    if w.meeting_current(id).await?.status != MeetingStatus::Announced {
        return Err(Error::Conflict(Invalid::one("status", "状态", "请先发布会议预告")));
    }
    let item = u32::try_from(index + 1).unwrap_or(u32::MAX);
    w.meeting_decide(&m, item, &decision, &input.document_ids).await?;
    w.commit().await?;
    cx.public_changed();
    Ok(cx.store.meeting_decisions(id).await?)
}

/// The meetings of the units `p` may see in the console, the latest first.
pub async fn staff_list(cx: &Context, p: &Principal) -> Result<Vec<Meeting>, Error> {
    let units = p.units_in_reach(cx, Action::ViewDocuments).await?;
    Ok(cx.store.meetings_of(units.as_deref()).await?)
}

/// A published meeting with its decisions.
pub async fn published(cx: &Context, id: i64) -> Result<(Meeting, Vec<Decision>), Error> {
    let m = cx.store.meeting(id).await?.ok_or(Error::NotFound)?;
    if m.status != MeetingStatus::Announced {
        return Err(Error::NotFound);
    }
    let decisions = cx.store.meeting_decisions(id).await?;
    Ok((m, decisions))
}

/// Published meetings, of one unit and year when given, the latest first.
pub async fn published_list(cx: &Context, unit: Option<i64>, year: Option<i32>) -> Result<Vec<Meeting>, Error> {
    let all = cx.store.meetings_announced().await?;
    Ok(all
        .into_iter()
        .filter(|m| unit.is_none_or(|u| m.unit_id == u))
        .filter(|m| {
            year.is_none_or(|y| chrono::Datelike::year(&gongkai_domain::time::date_in_china(m.fields.held_at)) == y)
        })
        .collect())
}

/// The decisions of a meeting the caller has already been given (through [`visible`] or
/// [`published`]), by agenda item.
pub async fn decisions(cx: &Context, m: &Meeting) -> Result<Vec<Decision>, Error> {
    Ok(cx.store.meeting_decisions(m.id).await?)
}

/// [`published_list`] with each meeting's decisions, read in one query.
pub async fn published_list_with_decisions(
    cx: &Context,
    unit: Option<i64>,
    year: Option<i32>,
) -> Result<Vec<(Meeting, Vec<Decision>)>, Error> {
    let meetings = published_list(cx, unit, year).await?;
    let ids: Vec<i64> = meetings.iter().map(|m| m.id).collect();
    let mut by_meeting: std::collections::HashMap<i64, Vec<Decision>> = std::collections::HashMap::new();
    for d in cx.store.meeting_decisions_of(&ids).await? {
        by_meeting.entry(d.meeting_id).or_default().push(d);
    }
    Ok(meetings
        .into_iter()
        .map(|m| {
            let decisions = by_meeting.remove(&m.id).unwrap_or_default();
            (m, decisions)
        })
        .collect())
}

/// The published meetings whose decisions name a document (for the document's page).
pub async fn citing(cx: &Context, document_id: i64) -> Result<Vec<Meeting>, Error> {
    let mut out = Vec::new();
    for id in cx.store.meetings_citing(document_id).await? {
        if let Some(m) = cx.store.meeting(id).await?
            && m.status == MeetingStatus::Announced
        {
            out.push(m);
        }
    }
    Ok(out)
}
