//! Handling groups of opinions: staff who handle a consultation's opinions merge and split
//! groups, tag them, forward them to the responsible unit with a due date in working days,
//! and decide each (采纳 / 部分采纳 / 未采纳 with the reason / 已答复). The unit answers its
//! forwards; overdue ones show on its dashboard.

use super::opinions::{handled, parse_tags, visible as opinion_visible};
use crate::{Context, Error, Principal};
use gongkai_domain::consultation::handling::{DecisionInput, ForwardState, ForwardStep, forward_next, may_decide};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_store::Page;
use gongkai_store::consultation::opinions::{Forward, Group};

/// The working days a unit has to answer a forward unless staff say otherwise.
pub const DEFAULT_FORWARD_WORKDAYS: u32 = 10;

fn conflict(field: &str, label: &str, m: impl std::fmt::Display) -> Error {
    Error::Conflict(Invalid::one(field, label, m))
}

/// A group with its consultation checked as handled by `p`.
pub async fn group(cx: &Context, p: &Principal, id: i64) -> Result<Group, Error> {
    let g = cx.store.opinion_group(id).await?.ok_or(Error::NotFound)?;
    handled(cx, p, g.consultation_id).await.map_err(|_| Error::NotFound)?;
    Ok(g)
}

/// One page of a consultation's groups, the largest first.
pub async fn groups(
    cx: &Context,
    p: &Principal,
    consultation_id: i64,
    open_only: bool,
    offset: i64,
    limit: i64,
) -> Result<Page<Group>, Error> {
    handled(cx, p, consultation_id).await?;
    Ok(cx.store.opinion_groups_page(consultation_id, open_only, offset, limit.clamp(1, 200)).await?)
}

/// One page of a consultation's opinions, with everything the handling staff see.
pub async fn opinions(
    cx: &Context,
    p: &Principal,
    consultation_id: i64,
    f: &gongkai_store::consultation::opinions::OpinionFilter,
    offset: i64,
    limit: i64,
) -> Result<Page<gongkai_store::consultation::opinions::Opinion>, Error> {
    handled(cx, p, consultation_id).await?;
    Ok(cx.store.opinions_page(consultation_id, f, offset, limit.clamp(1, 200)).await?)
}

async fn report_published(cx: &Context, consultation_id: i64) -> Result<bool, Error> {
    Ok(cx.store.consultation_by_id(consultation_id).await?.is_some_and(|c| c.report_published()))
}

fn decisions_final(published: bool) -> Result<(), Error> {
    may_decide(published).map_err(|m| conflict("group", "意见组", m))
}

/// Moves every opinion of group `from` into `into` (same consultation).
pub async fn merge(cx: &Context, p: &Principal, into: i64, from: i64) -> Result<Group, Error> {
    let (a, b) = (group(cx, p, into).await?, group(cx, p, from).await?);
    if a.consultation_id != b.consultation_id {
        return Err(conflict("from", "被合并的组", "不属于同一次意见征集"));
    }
    if into == from || b.size == 0 {
        return Err(conflict("from", "被合并的组", "没有可合并的意见"));
    }
    decisions_final(report_published(cx, a.consultation_id).await?)?;
    let mut w = cx.store.write(p.actor()).await?;
    let moved = w.opinion_groups_merge(into, from).await?;
    w.record(
        "opinion_group.merge",
        "opinion_group",
        into,
        None,
        format!("将意见组 {from} 的 {moved} 条意见并入意见组 {into}"),
    );
    w.commit().await?;
    cx.store.opinion_group(into).await?.ok_or(Error::NotFound)
}

/// Takes an opinion out of its group into a group of its own.
pub async fn split(cx: &Context, p: &Principal, opinion_id: i64) -> Result<Group, Error> {
    let o = opinion_visible(cx, p, opinion_id).await?;
    decisions_final(report_published(cx, o.consultation_id).await?)?;
    let mut w = cx.store.write(p.actor()).await?;
    let g = w.opinion_set_group(opinion_id, None).await?;
    w.record(
        "opinion_group.split",
        "opinion",
        opinion_id,
        None,
        format!("将意见 {} 从意见组 {} 中拆出", o.receipt_no, o.group_id.unwrap_or_default()),
    );
    w.commit().await?;
    cx.store.opinion_group(g).await?.ok_or(Error::NotFound)
}

/// Sets a group's tags.
pub async fn tag(cx: &Context, p: &Principal, id: i64, raw: &str) -> Result<Group, Error> {
    group(cx, p, id).await?;
    let tags = parse_tags(raw)?;
    let mut w = cx.store.write(p.actor()).await?;
    w.opinion_tags_set(true, id, &tags).await?;
    w.record("opinion_group.tag", "opinion_group", id, None, format!("意见组 {id} 标签：{}", tags.join("、")));
    w.commit().await?;
    cx.store.opinion_group(id).await?.ok_or(Error::NotFound)
}

/// Decides a group (or changes its decision while the feedback is not published).
pub async fn decide(cx: &Context, p: &Principal, id: i64, d: &DecisionInput) -> Result<Group, Error> {
    let g = group(cx, p, id).await?;
    decisions_final(report_published(cx, g.consultation_id).await?)?;
    if g.size == 0 {
        return Err(conflict("group", "意见组", "该组已并入其他组"));
    }
    let mut w = cx.store.write(p.actor()).await?;
    w.opinion_group_decide(id, d.decision, &d.reason, p.user.id).await?;
    w.record(
        "opinion_group.decide",
        "opinion_group",
        id,
        None,
        format!("意见组 {id}（{} 条）办理结果：{}{}", g.size, d.decision.label(), reason_words(&d.reason)),
    );
    w.commit().await?;
    cx.public_changed();
    cx.store.opinion_group(id).await?.ok_or(Error::NotFound)
}

fn reason_words(reason: &str) -> String {
    if reason.is_empty() { String::new() } else { format!("（{reason}）") }
}

/// Forwards a group to the unit that is to answer it within `workdays` working days
/// (default [`DEFAULT_FORWARD_WORKDAYS`]) on the holiday calendar.
pub async fn forward(
    cx: &Context,
    p: &Principal,
    group_id: i64,
    unit_id: i64,
    note: &str,
    workdays: Option<u32>,
) -> Result<Forward, Error> {
    let g = group(cx, p, group_id).await?;
    let tree = cx.unit_tree().await?;
    match tree.get(unit_id) {
        Some(u) if !u.is_closed() => {}
        _ => return Err(Error::Invalid(Invalid::one("unit_id", "承办单位", "不是可选的单位"))),
    }
    let days = workdays.unwrap_or(DEFAULT_FORWARD_WORKDAYS);
    if !(1..=60).contains(&days) {
        return Err(Error::Invalid(Invalid::one("workdays", "办理时限", "应为 1 到 60 个工作日")));
    }
    let mut e = Invalid::default();
    let note = gongkai_domain::validation::text(&mut e, "note", "转办说明", note, false, 1000);
    e.into_result(())?;
    let due_on = cx.calendar().await?.add_workdays(cx.today(), days).value;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.opinion_forward_create(&g, unit_id, &note, due_on, p.user.id).await?;
    w.record(
        "opinion_forward.create",
        "opinion_forward",
        id,
        Some(unit_id),
        format!(
            "将意见组 {group_id}（{} 条）转 {} 办理，{due_on} 前答复",
            g.size,
            tree.get(unit_id).map_or("", |u| u.name.as_str())
        ),
    );
    w.commit().await?;
    cx.store.opinion_forward(id).await?.ok_or(Error::NotFound)
}

/// A step on a forward: the unit answers (with the text); the consultation's staff return
/// an answer (it waits again, due in [`DEFAULT_FORWARD_WORKDAYS`]) or recall a waiting one.
pub async fn forward_step(
    cx: &Context,
    p: &Principal,
    id: i64,
    step: ForwardStep,
    text: &str,
) -> Result<Forward, Error> {
    let f = cx.store.opinion_forward(id).await?.ok_or(Error::NotFound)?;
    match step {
        ForwardStep::Answer => p.require_for_unit(cx, Action::HandleOpinions, f.unit_id).await?,
        ForwardStep::Return | ForwardStep::Recall => handled(cx, p, f.consultation_id).await?,
    }
    let next = forward_next(f.state, step).map_err(|m| conflict("action", "操作", m))?;
    let mut e = Invalid::default();
    let text = gongkai_domain::validation::text(&mut e, "text", "答复内容", text, step == ForwardStep::Answer, 5000);
    e.into_result(())?;
    let today = cx.today();
    let mut w = cx.store.write(p.actor()).await?;
    match step {
        ForwardStep::Answer => w.opinion_forward_set(id, next, Some((&text, p.user.id, today)), None).await?,
        ForwardStep::Return => {
            let due = cx.calendar().await?.add_workdays(today, DEFAULT_FORWARD_WORKDAYS).value;
            w.opinion_forward_set(id, next, None, Some(due)).await?
        }
        ForwardStep::Recall => w.opinion_forward_set(id, next, None, None).await?,
    }
    w.record(
        "opinion_forward.step",
        "opinion_forward",
        id,
        Some(f.unit_id),
        format!("转办件 {id}：{} → {}{}", f.state.label(), next.label(), reason_words(&text)),
    );
    w.commit().await?;
    cx.store.opinion_forward(id).await?.ok_or(Error::NotFound)
}

/// The forwards to the units `p` answers for, waiting ones first by due date, each with
/// whether it is overdue today.
pub async fn dashboard(cx: &Context, p: &Principal) -> Result<Vec<(Forward, bool)>, Error> {
    let units = p.units_in_reach(cx, Action::HandleOpinions).await?;
    let today = cx.today();
    Ok(cx
        .store
        .opinion_forwards_to(units.as_deref(), false)
        .await?
        .into_iter()
        .map(|f| {
            let late = f.state.overdue(f.due_on, today);
            (f, late)
        })
        .collect())
}

/// Whether any forward is still waiting (the state a unit's dashboard counts).
pub fn waiting(forwards: &[(Forward, bool)]) -> usize {
    forwards.iter().filter(|(f, _)| f.state == ForwardState::Sent).count()
}

/// Every forward of a consultation the caller has already been given (through
/// `super::visible`), by group.
pub async fn forwards_of(cx: &Context, c: &gongkai_store::consultation::Consultation) -> Result<Vec<Forward>, Error> {
    Ok(cx.store.opinion_forwards_of_consultation(c.id).await?)
}

/// The text of each group that `forwards` (from [`dashboard`]) name, read in one query.
pub async fn group_texts(
    cx: &Context,
    forwards: &[(Forward, bool)],
) -> Result<std::collections::HashMap<i64, String>, Error> {
    let mut ids: Vec<i64> = forwards.iter().map(|(f, _)| f.group_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(cx.store.opinion_groups_by_ids(&ids).await?.into_iter().map(|g| (g.id, g.text)).collect())
}
