//! 政府开放活动 (`open_day`): staff of any unit draft an event, which goes through the review of
//! documents; once published its registration opens and closes by the clock alone (on every
//! node). Citizens register without an account ([`registrations`]); staff choose registrants
//! in selection mode and check them in at the door; after the event its record (纪要, photos,
//! the answers given) is a document published through review and linked here. A registrant's
//! notices go to a pluggable [`notify::Notifier`].

pub(crate) mod demo;
pub mod notify;
pub mod registrations;

pub use crate::review::ReviewAction;

use crate::consultation::review_next;
use crate::{Context, Error, Principal};
use chrono::{DateTime, Utc};
use gongkai_domain::open_day::EventPhase;
use gongkai_domain::open_day::input::{EventFields, EventInput};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::{Invalid, line, text};
use gongkai_domain::workflow::{Stage, State};
use gongkai_store::open_day::{Counts, OpenDay, Series, TABLE};
use gongkai_store::reviewed::Step;

/// Checks the input and the series it names (it must exist and be of the same unit).
async fn checked(cx: &Context, unit_id: i64, input: &EventInput) -> Result<EventFields, Error> {
    let fields = EventFields::parse(input)?;
    if let Some(sid) = fields.series_id {
        match cx.store.open_day_series(sid).await? {
            Some(s) if s.unit_id == unit_id => {}
            _ => {
                return Err(Error::Invalid(Invalid::one(
                    "series_id",
                    "所属系列活动",
                    format!("本单位没有 id 为 {sid} 的系列活动"),
                )));
            }
        }
    }
    Ok(fields)
}

/// Drafts an event for `input.unit_id`, or the caller's unit.
pub async fn create(cx: &Context, p: &Principal, input: &EventInput) -> Result<OpenDay, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let fields = checked(cx, unit_id, input).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.open_day_create(unit_id, &fields, p.user.id).await?;
    w.commit().await?;
    cx.store.open_day(id).await?.ok_or(Error::NotFound)
}

/// An event of a unit whose documents `p` may see.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<OpenDay, Error> {
    let e = cx.store.open_day(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, e.unit_id).await.map_err(|_| Error::NotFound)?;
    Ok(e)
}

/// Saves the working copy (only while it is a draft). Seats may not drop below the
/// registrations already holding them.
pub async fn update(cx: &Context, p: &Principal, id: i64, input: &EventInput) -> Result<OpenDay, Error> {
    let e = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, e.unit_id).await?;
    if !e.review.status.editable() {
        return Err(Error::Conflict(Invalid::one(
            "status",
            "状态",
            format!("当前为“{}”，不能修改；已发布的请先“修订”", e.review.status.label()),
        )));
    }
    let fields = checked(cx, e.unit_id, input).await?;
    if fields.seats().open() < e.counts.holding {
        return Err(Error::Conflict(Invalid::one(
            "capacity",
            "名额",
            format!("已有 {} 人报名成功，开放名额不能少于此数", e.counts.holding),
        )));
    }
    let mut w = cx.store.write(p.actor()).await?;
    w.open_day_update(id, e.unit_id, &fields).await?;
    w.commit().await?;
    cx.store.open_day(id).await?.ok_or(Error::NotFound)
}

/// Takes a step of the review workflow. Publishing a revision that adds seats gives them to
/// the first waiting registrants at once.
pub async fn act(cx: &Context, p: &Principal, id: i64, action: &ReviewAction) -> Result<OpenDay, Error> {
    let e = visible(cx, p, id).await?;
    p.require_for_unit(cx, action.needs(), e.unit_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let e = w.open_day_current(id).await?;
    let next = review_next(&e.review, e.live.is_some(), action, p.user.id)?;
    let summary = crate::consultation::step_summary(&e.draft.title, "", e.review.status, next, action);
    let mut notices = Vec::new();
    match (action, next) {
        (ReviewAction::Withdraw { note }, _) => w.reviewed_withdraw(TABLE, id, e.unit_id, e.title(), note).await?,
        (ReviewAction::Discard, _) => w.reviewed_discard(TABLE, id, e.unit_id, e.title()).await?,
        (ReviewAction::Approve, State::Published) => {
            let step = Step { status: next, author: None, reviewer: Some((Stage::Final, p.user.id)), summary };
            w.reviewed_set_status(TABLE, id, e.unit_id, &e.review, step).await?;
            w.open_day_publish(id, e.unit_id, &e.draft).await?;
            notices = registrations::promote_waiting(&mut w, id).await?;
        }
        _ => {
            let (author, reviewer) = match (action, e.review.status) {
                (ReviewAction::Approve, State::InReview(stage)) => (None, Some((stage, p.user.id))),
                (ReviewAction::Submit | ReviewAction::Revise, _) => (Some(p.user.id), None),
                _ => (None, None),
            };
            let step = Step { status: next, author, reviewer, summary };
            w.reviewed_set_status(TABLE, id, e.unit_id, &e.review, step).await?;
        }
    }
    w.commit().await?;
    notify::send(cx, notices).await;
    if matches!(next, State::Published | State::Withdrawn) {
        cx.public_changed();
    }
    cx.store.open_day(id).await?.ok_or(Error::NotFound)
}

/// Links the event's record: a published document of the same unit.
pub async fn set_record(cx: &Context, p: &Principal, id: i64, document_id: i64) -> Result<OpenDay, Error> {
    let e = visible(cx, p, id).await?;
    p.require_for_unit(cx, Action::DraftDocuments, e.unit_id).await?;
    let bad = |m: &str| Error::Invalid(Invalid::one("document_id", "活动记录", m));
    let doc = cx.store.public_document(document_id).await?.ok_or_else(|| bad("应为已发布的文件"))?;
    if doc.unit_id != e.unit_id {
        return Err(bad("应为本单位发布的文件"));
    }
    let mut w = cx.store.write(p.actor()).await?;
    w.open_day_set_record(id, e.unit_id, document_id, e.title()).await?;
    w.commit().await?;
    cx.public_changed();
    cx.store.open_day(id).await?.ok_or(Error::NotFound)
}

/// The events of the units `p` may see in the console, newest change first.
pub async fn staff_list(cx: &Context, p: &Principal) -> Result<Vec<OpenDay>, Error> {
    let units = p.units_in_reach(cx, Action::ViewDocuments).await?;
    Ok(cx.store.open_days_of(units.as_deref()).await?)
}

/// A published event as the public sees it, with where it stands now.
#[derive(Debug, Clone)]
pub struct Live {
    pub id: i64,
    pub unit_id: i64,
    pub series_id: Option<i64>,
    pub fields: EventFields,
    pub phase: EventPhase,
    pub counts: Counts,
    pub record_document_id: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Live {
    pub(crate) fn of(e: OpenDay, now: DateTime<Utc>) -> Option<Live> {
        let fields = e.live?;
        Some(Live {
            id: e.id,
            unit_id: e.unit_id,
            series_id: e.series_id,
            phase: fields.schedule().phase_at(now),
            fields,
            counts: e.counts,
            record_document_id: e.record_document_id,
            published_at: e.published_at,
        })
    }

    /// Seats still free to registrants (0 once anyone waits).
    pub fn free(&self) -> u32 {
        if self.counts.waiting > 0 { 0 } else { self.fields.seats().open().saturating_sub(self.counts.holding) }
    }
}

/// Every published event, the latest to start first.
pub async fn published_list(cx: &Context) -> Result<Vec<Live>, Error> {
    let now = cx.now();
    Ok(cx.store.open_days_live().await?.into_iter().filter_map(|e| Live::of(e, now)).collect())
}

/// One published event; not found when unpublished or withdrawn.
pub async fn published(cx: &Context, id: i64) -> Result<Live, Error> {
    let e = cx.store.open_day(id).await?.ok_or(Error::NotFound)?;
    Live::of(e, cx.now()).ok_or(Error::NotFound)
}

/// A series and its published events, the first to start first.
pub async fn series(cx: &Context, id: i64) -> Result<(Series, Vec<Live>), Error> {
    let s = cx.store.open_day_series(id).await?.ok_or(Error::NotFound)?;
    let mut events: Vec<Live> = published_list(cx).await?.into_iter().filter(|e| e.series_id == Some(id)).collect();
    events.sort_by_key(|e| (e.fields.schedule.starts, e.id));
    Ok((s, events))
}

/// 系列活动（如某区的政府开放月）
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeriesInput {
    /// 主办单位，不填为本人所在单位
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub summary: String,
    /// 开始日期 YYYY-MM-DD
    #[serde(default)]
    pub starts_on: String,
    /// 结束日期 YYYY-MM-DD
    #[serde(default)]
    pub ends_on: String,
}

/// Creates a series of events for `input.unit_id` or the caller's unit.
pub async fn create_series(cx: &Context, p: &Principal, input: &SeriesInput) -> Result<Series, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let mut e = Invalid::default();
    let title = line(&mut e, "title", "系列名称", &input.title, true, 100);
    let summary = text(&mut e, "summary", "系列介绍", &input.summary, true, 2000);
    let date = |e: &mut Invalid, field: &str, label: &str, raw: &str| {
        let d = gongkai_domain::time::parse_date(raw.trim());
        if d.is_none() {
            e.push(field, label, "应为 YYYY-MM-DD 格式的日期");
        }
        d
    };
    let starts = date(&mut e, "starts_on", "开始日期", &input.starts_on);
    let ends = date(&mut e, "ends_on", "结束日期", &input.ends_on);
    if let (Some(s), Some(t)) = (starts, ends)
        && t < s
    {
        e.push("ends_on", "结束日期", "不能早于开始日期");
    }
    let (Some(starts), Some(ends)) = (starts, ends) else { return Err(e.into()) };
    e.into_result(())?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.open_day_series_create(unit_id, &title, &summary, starts, ends).await?;
    w.commit().await?;
    cx.public_changed();
    cx.store.open_day_series(id).await?.ok_or(Error::NotFound)
}

/// Per unit, the year's published events, registrations and attendance (the annual report's
/// section on participation), for the units `p` may see; the year is China's calendar year.
pub async fn year_figures(
    cx: &Context,
    p: &Principal,
    year: i32,
) -> Result<Vec<(i64, gongkai_store::open_day::YearFigures)>, Error> {
    let start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .and_then(|t| t.and_local_timezone(gongkai_domain::time::china()).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| Error::Invalid(Invalid::one("year", "年度", "不是有效的年份")))
    };
    let reach = p.units_in_reach(cx, Action::ViewDocuments).await?;
    let figures = cx.store.open_day_figures(start(year)?, start(year + 1)?).await?;
    Ok(figures.into_iter().filter(|(u, _)| reach.as_ref().is_none_or(|r| r.contains(u))).collect())
}

/// Every series (open months and the like), the latest first.
pub async fn series_all(cx: &Context) -> Result<Vec<Series>, Error> {
    Ok(cx.store.open_day_series_all().await?)
}

/// One series, if it exists.
pub async fn one_series(cx: &Context, id: i64) -> Result<Option<Series>, Error> {
    Ok(cx.store.open_day_series(id).await?)
}
