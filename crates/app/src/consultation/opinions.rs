//! Opinions from every channel: the public form (no account: the challenge and a limit per
//! address), partner accounts through the API (their channel fixed on the account), and
//! letters and calls entered by staff. Each is stored with a receipt number and a query code
//! and grouped with its near-duplicates as it arrives (MinHash/LSH candidates verified on the
//! texts). Moderators publish or hide opinions; the person who gave one follows it with the
//! receipt number and query code.

use super::Live;
use super::intake::Job;
use crate::requests::intake::new_query_code;
use crate::{Context, Error, Principal};
use gongkai_domain::consultation::grouping::{self, Signature};
use gongkai_domain::consultation::handling::{Moderation, OpinionStatus, moderate as moderation_next};
use gongkai_domain::consultation::input::{OpinionFields, OpinionInput, received_on};
use gongkai_domain::consultation::{Channel, Decision, Phase};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use gongkai_store::consultation::opinions::{Forward, NewOpinion, Opinion};
use gongkai_store::requests::query_code_hash as code_hash;

/// Opinions one address may give per window (15 minutes) on the public form: a family
/// sharing a connection, not a robot.
pub const OPINIONS_PER_ADDRESS: usize = 10;
/// Candidates of the LSH index verified per band of a new opinion: a popular text has many
/// copies, all in one group, so the newest few tell which group it joins.
const CANDIDATES_PER_BAND: i64 = 3;

/// The answer to a stored opinion: what the person needs to follow it.
#[derive(Debug, Clone)]
pub struct OpinionAck {
    pub opinion: Opinion,
    pub query_code: String,
}

/// The text of the draft under consultation, as published (quoted passages are found in it).
pub async fn draft_text(cx: &Context, live: &Live) -> Result<Option<String>, Error> {
    match live.fields.document_id {
        None => Ok(None),
        Some(id) => Ok(cx.store.public_document(id).await?.map(|d| d.body_text)),
    }
}

/// The opinion's fields checked against the consultation; what is wrong is added to `errors`.
/// The draft is read only when `input` quotes a passage of it (to find the passage in), so
/// most opinions do not read it at all.
async fn checked_fields(
    cx: &Context,
    live: &Live,
    input: &OpinionInput,
    errors: &mut Invalid,
) -> Result<Option<OpinionFields>, Error> {
    let draft = if input.passage.trim().is_empty() { None } else { draft_text(cx, live).await? };
    Ok(OpinionFields::parse(input, &live.fields, draft.as_deref()).map_err(|e| errors.0.extend(e.0)).ok())
}

/// The published consultation, refused (409) when it takes no opinion from `channel` now.
async fn open_to(cx: &Context, consultation_id: i64, channel: Channel) -> Result<Live, Error> {
    let live = super::published(cx, consultation_id).await?;
    match closed_reason(&live, channel) {
        Some(why) => Err(refuse(why)),
        None => Ok(live),
    }
}

/// Why a consultation takes no opinion from `channel` now, if it does not.
pub fn closed_reason(live: &Live, channel: Channel) -> Option<String> {
    match live.phase {
        Phase::Upcoming => Some("意见征集尚未开始".into()),
        Phase::Closed => Some("意见征集已结束，不再接收意见".into()),
        Phase::Open if !live.fields.accepts(channel) => Some(format!("本次征集不接收来自“{}”的意见", channel.label())),
        Phase::Open => None,
    }
}

fn refuse(why: String) -> Error {
    Error::Conflict(Invalid::one("consultation", "意见征集", why))
}

/// An opinion from the public form: checked, the challenge answered, at most
/// [`OPINIONS_PER_ADDRESS`] per address and window.
pub async fn submit(cx: &Context, consultation_id: i64, input: &OpinionInput, ip: &str) -> Result<OpinionAck, Error> {
    let taken =
        crate::throttle::take(cx, &format!("opinion-ip:{ip}"), OPINIONS_PER_ADDRESS, "提交意见过于频繁").await?;
    let stored = submit_counted(cx, consultation_id, input, ip).await;
    if stored.is_err() {
        crate::throttle::release(cx, &taken).await?;
    }
    stored
}

async fn submit_counted(
    cx: &Context,
    consultation_id: i64,
    input: &OpinionInput,
    ip: &str,
) -> Result<OpinionAck, Error> {
    let live = open_to(cx, consultation_id, Channel::Portal).await?;
    let mut errors = Invalid::default();
    let fields = checked_fields(cx, &live, input, &mut errors).await?;
    if errors.0.is_empty() {
        crate::challenge::check(cx, &input.challenge_id, &input.challenge_answer)
            .await
            .map_err(|e| errors.0.extend(e.0))
            .ok();
    }
    let Some(fields) = fields else { return Err(errors.into()) };
    errors.into_result(())?;
    let actor = gongkai_store::Actor { user_id: None, name: "公众".into(), unit_id: None, ip: ip.to_string() };
    let new = NewOpinion {
        consultation_id,
        channel: Channel::Portal,
        partner_id: None,
        entered_by: None,
        received_on: cx.today(),
        fields: &fields,
    };
    store(cx, actor, &new, None).await
}

/// The limiter of partner accounts' opinions: `burst` at once, a tenth of it back each minute
/// (governor's GCRA: no counters to keep, nothing in the database).
pub(crate) fn partner_limiter(burst: u32) -> governor::DefaultKeyedRateLimiter<i64> {
    let burst = std::num::NonZeroU32::new(burst.max(10)).unwrap_or(std::num::NonZeroU32::MIN);
    let per_minute = std::num::NonZeroU32::new(burst.get() / 10).unwrap_or(std::num::NonZeroU32::MIN);
    governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute).allow_burst(burst))
}

/// Refuses a partner account that has sent more than its quota (429 with the seconds to wait).
fn partner_within_quota(cx: &Context, account: i64) -> Result<(), Error> {
    use governor::clock::{Clock, DefaultClock};
    cx.partner_flood.check_key(&account).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now()).as_secs().max(1);
        Error::TooManyRequests {
            retry_after_secs: i64::try_from(wait).unwrap_or(i64::MAX),
            detail: format!("本账号提交意见过于频繁，请于 {wait} 秒后再试。"),
        }
    })
}

/// An opinion a partner account (12345, a newspaper, …) sends through the API, under the
/// channel fixed on its account: a channel given in the body that is not the account's is
/// refused, never taken. Each account has a quota against floods
/// (`Options::partner_opinions_burst`).
pub async fn submit_as_partner(
    cx: &Context,
    p: &Principal,
    consultation_id: i64,
    input: &OpinionInput,
) -> Result<OpinionAck, Error> {
    let Some(channel) = p.user.partner_channel.as_deref().and_then(Channel::from_code) else {
        return Err(Error::Forbidden);
    };
    partner_within_quota(cx, p.user.id)?;
    if !input.channel.trim().is_empty() && Channel::parse(&input.channel) != Some(channel) {
        return Err(Error::Invalid(Invalid::one(
            "channel",
            "渠道",
            format!("本账号的渠道为“{}”，不能以其他渠道提交", channel.label()),
        )));
    }
    let live = open_to(cx, consultation_id, channel).await?;
    let mut errors = Invalid::default();
    let Some(fields) = checked_fields(cx, &live, input, &mut errors).await? else { return Err(errors.into()) };
    let new = NewOpinion {
        consultation_id,
        channel,
        partner_id: Some(p.user.id),
        entered_by: None,
        received_on: cx.today(),
        fields: &fields,
    };
    store(cx, p.actor(), &new, None).await
}

/// A letter or call entered by staff who handle the consultation's opinions, with the channel
/// and the date received (while open, or after closing for what arrived before).
pub async fn enter(
    cx: &Context,
    p: &Principal,
    consultation_id: i64,
    input: &OpinionInput,
) -> Result<OpinionAck, Error> {
    let c = super::visible(cx, p, consultation_id).await?;
    p.require_for_unit(cx, Action::HandleOpinions, c.unit_id).await?;
    let live = super::published(cx, consultation_id).await?;
    let mut e = Invalid::default();
    let channel = Channel::parse(&input.channel).filter(|c| Channel::STAFF.contains(c));
    if channel.is_none() {
        e.push("channel", "渠道", "请选择来信（letter）、来电（phone）或其他（other）");
    }
    let on = received_on(&input.received_on, &live.fields, cx.today()).map_err(|x| e.0.extend(x.0)).ok();
    if let Some(on) = on
        && on > gongkai_domain::time::date_in_china(live.fields.closes_at)
    {
        e.push("received_on", "收到日期", "晚于征集截止日期，不再计入");
    }
    let fields = checked_fields(cx, &live, input, &mut e).await?;
    let (Some(channel), Some(on), Some(fields)) = (channel, on, fields) else { return Err(e.into()) };
    e.into_result(())?;
    let new = NewOpinion {
        consultation_id,
        channel,
        partner_id: None,
        entered_by: Some(p.user.id),
        received_on: on,
        fields: &fields,
    };
    store(cx, p.actor(), &new, None).await
}

/// Stores a checked opinion and groups it; it is acknowledged only once committed (with the
/// others arriving at the same time: [`super::intake`]). Its group is found before the write
/// (the LSH candidates read and verified on their texts), so the write itself is a few
/// statements; two near-duplicates arriving at the same instant may start two groups, which
/// staff merge. `fixed` gives the numbers (the demo's examples).
pub(crate) async fn store(
    cx: &Context,
    actor: gongkai_store::Actor,
    new: &NewOpinion<'_>,
    fixed: Option<(&str, &str)>,
) -> Result<OpinionAck, Error> {
    let shingles = grouping::shingles(&new.fields.text);
    // A text of no letters or digits has no shingles and is never grouped.
    let bands = if shingles.is_empty() { Vec::new() } else { Signature::of(&shingles).bands().to_vec() };
    let candidates = cx.store.opinion_candidates(new.consultation_id, &bands, CANDIDATES_PER_BAND).await?;
    let group = candidates
        .iter()
        .map(|c| (grouping::jaccard(&shingles, &grouping::shingles(&c.text)), c))
        .filter(|(j, _)| *j >= grouping::THRESHOLD)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .and_then(|(_, c)| c.group_id);
    let code = fixed.map_or_else(new_query_code, |(_, c)| c.to_string());
    let job = Job::new(actor, new, bands, group, code.clone(), fixed.map(|(n, _)| n.to_string()));
    let opinion = cx.opinion_intake().store(job).await?;
    Ok(OpinionAck { opinion, query_code: code })
}

/// What the person who gave an opinion sees of it: the opinion as published (or why not),
/// and the decision of its group with what was done.
#[derive(Debug, Clone)]
pub struct OpinionFile {
    pub opinion: Opinion,
    pub consultation: String,
    pub decision: Option<Decision>,
    pub reason: Option<String>,
    /// The answers of the units it was forwarded to.
    pub answers: Vec<Forward>,
}

/// The person's view of their opinion, for the right query code only (throttled as the
/// tracking of applications: the rightful person is never locked out).
pub async fn track(cx: &Context, receipt_no: &str, code: &str, ip: &str) -> Result<OpinionFile, Error> {
    let receipt_no: String =
        receipt_no.trim().chars().filter(|c| !c.is_control()).take(40).collect::<String>().to_ascii_uppercase();
    let find =
        async { if receipt_no.is_empty() { Ok(None) } else { Ok(cx.store.opinion_by_receipt(&receipt_no).await?) } };
    let opinion = crate::throttle::check_query_code(
        cx,
        "opinion",
        &receipt_no,
        ip,
        find,
        |o: &Opinion| {
            !code.trim().is_empty() && o.code_hash.as_deref() == Some(code_hash(&o.receipt_no, code.trim()).as_str())
        },
        Invalid::one("code", "意见编号或查询码", "不正确，请核对后重新输入"),
    )
    .await?;
    let consultation =
        cx.store.consultation_by_id(opinion.consultation_id).await?.map(|c| c.title().to_string()).unwrap_or_default();
    let group = match opinion.group_id {
        Some(g) => cx.store.opinion_group(g).await?,
        None => None,
    };
    let answers = match &group {
        Some(g) => cx
            .store
            .opinion_forwards_of_group(g.id)
            .await?
            .into_iter()
            .filter(|f| f.state == gongkai_domain::consultation::handling::ForwardState::Answered)
            .collect(),
        None => Vec::new(),
    };
    let (decision, reason) = group.map_or((None, None), |g| (g.decision, g.reason));
    Ok(OpinionFile { opinion, consultation, decision, reason, answers })
}

/// The consultation of an opinion, for staff who handle its opinions.
pub(crate) async fn handled(cx: &Context, p: &Principal, consultation_id: i64) -> Result<(), Error> {
    let c = super::visible(cx, p, consultation_id).await?;
    p.require_for_unit(cx, Action::HandleOpinions, c.unit_id).await
}

/// An opinion with its contact details, for staff who handle its consultation's opinions.
pub async fn visible(cx: &Context, p: &Principal, id: i64) -> Result<Opinion, Error> {
    let o = cx.store.opinion(id).await?.ok_or(Error::NotFound)?;
    handled(cx, p, o.consultation_id).await.map_err(|_| Error::NotFound)?;
    Ok(o)
}

/// Publishes or hides an opinion (with the reason).
pub async fn moderate(cx: &Context, p: &Principal, id: i64, step: Moderation) -> Result<Opinion, Error> {
    visible(cx, p, id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let o = w.opinion_current(id).await?;
    let next = moderation_next(o.status, step).map_err(|m| Error::Conflict(Invalid::one("action", "操作", m)))?;
    let reason = match step {
        Moderation::Hide(r) => Some(r),
        Moderation::Publish => None,
    };
    w.opinion_moderate(id, next, reason, p.user.id).await?;
    let why = reason.map(|r| format!("（{}）", r.label())).unwrap_or_default();
    w.record(
        "opinion.moderate",
        "opinion",
        id,
        None,
        format!("意见 {}：{} → {}{why}", o.receipt_no, o.status.label(), next.label()),
    );
    w.commit().await?;
    if next == OpinionStatus::Published || o.status == OpinionStatus::Published {
        cx.public_changed();
    }
    cx.store.opinion(id).await?.ok_or(Error::NotFound)
}

/// Sets an opinion's tags (comma or 、 separated, at most 10 of at most 20 characters).
pub async fn tag(cx: &Context, p: &Principal, id: i64, raw: &str) -> Result<Opinion, Error> {
    let o = visible(cx, p, id).await?;
    let tags = parse_tags(raw)?;
    let mut w = cx.store.write(p.actor()).await?;
    w.opinion_tags_set(false, id, &tags).await?;
    w.record("opinion.tag", "opinion", id, None, format!("意见 {} 标签：{}", o.receipt_no, tags.join("、")));
    w.commit().await?;
    cx.store.opinion(id).await?.ok_or(Error::NotFound)
}

pub(crate) fn parse_tags(raw: &str) -> Result<Vec<String>, Invalid> {
    let mut tags: Vec<String> = Vec::new();
    for t in raw.split([',', '，', '、']).map(str::trim).filter(|t| !t.is_empty()) {
        if t.chars().count() > 20 || t.chars().any(char::is_control) {
            return Err(Invalid::one(
                "tags",
                "标签",
                format!("“{}”过长或含控制字符（每个标签不超过 20 个字）", t.chars().take(20).collect::<String>()),
            ));
        }
        if !tags.iter().any(|x| x == t) {
            tags.push(t.to_string());
        }
    }
    if tags.len() > 10 {
        return Err(Invalid::one("tags", "标签", "最多 10 个"));
    }
    Ok(tags)
}

/// A paragraph of the draft with the published opinions on passages starting in it.
#[derive(Debug, Clone)]
pub struct DraftParagraph {
    /// From 1, as shown.
    pub number: usize,
    pub text: String,
    pub start: i64,
    pub end: i64,
    /// All the published opinions on it.
    pub count: usize,
    /// The newest few of them.
    pub newest: Vec<Opinion>,
}

/// The draft under consultation, paragraph by paragraph, with the opinions on its passages.
#[derive(Debug, Clone)]
pub struct DraftView {
    pub live: Live,
    pub document_id: i64,
    pub title: String,
    pub paragraphs: Vec<DraftParagraph>,
}

/// Opinions shown beside each paragraph; the rest are a link away.
pub const NEWEST_PER_PARAGRAPH: usize = 3;
/// Newest opinions on passages read to fill the paragraphs (older ones are counted, and
/// listed on each paragraph's own page).
const PASSAGE_OPINIONS_READ: i64 = 500;

/// The draft of a published consultation with the opinions on its passages, in three
/// statements whatever the number of paragraphs; not found without a published draft.
pub async fn draft_view(cx: &Context, consultation_id: i64) -> Result<DraftView, Error> {
    use gongkai_domain::consultation::{paragraph_at, paragraphs};
    let live = super::published(cx, consultation_id).await?;
    let doc_id = live.fields.document_id.ok_or(Error::NotFound)?;
    let doc = cx.store.public_document(doc_id).await?.ok_or(Error::NotFound)?;
    let ps = paragraphs(&doc.body_text);
    let mut out: Vec<DraftParagraph> = ps
        .iter()
        .enumerate()
        .map(|(i, p)| DraftParagraph {
            number: i + 1,
            text: p.text.to_string(),
            start: i64::try_from(p.start).unwrap_or(i64::MAX),
            end: i64::try_from(p.end).unwrap_or(i64::MAX),
            count: 0,
            newest: Vec::new(),
        })
        .collect();
    let at = |start: i64| usize::try_from(start).ok().and_then(|s| paragraph_at(&ps, s));
    for start in cx.store.opinion_passage_starts(consultation_id).await? {
        if let Some(i) = at(start) {
            out[i].count += 1;
        }
    }
    for o in cx.store.opinions_on_passages(consultation_id, PASSAGE_OPINIONS_READ).await? {
        if let Some(i) = o.passage_at.and_then(at)
            && out[i].newest.len() < NEWEST_PER_PARAGRAPH
        {
            out[i].newest.push(o);
        }
    }
    Ok(DraftView { live, document_id: doc.id, title: doc.title, paragraphs: out })
}

/// A page of a consultation's published opinions matching `f` (whatever status it names),
/// newest first.
/// They carry the name, contact and unmasked text for staff: the public is shown `public_text`.
pub async fn published_page(
    cx: &Context,
    consultation_id: i64,
    f: &gongkai_store::consultation::opinions::OpinionFilter,
    offset: i64,
    limit: i64,
) -> Result<gongkai_store::Page<Opinion>, Error> {
    let f =
        gongkai_store::consultation::opinions::OpinionFilter { status: Some(OpinionStatus::Published), ..f.clone() };
    Ok(cx.store.opinions_page(consultation_id, &f, offset, limit).await?)
}

/// How many published opinions each topic has, the largest first; those without a topic
/// under 未分类.
pub async fn topic_counts(cx: &Context, consultation_id: i64) -> Result<Vec<(String, u64)>, Error> {
    let counts = cx.store.opinion_topic_counts(consultation_id).await?;
    Ok(counts
        .into_iter()
        .map(|(t, n)| (t.unwrap_or_else(|| gongkai_domain::consultation::report::NO_TOPIC.into()), n))
        .collect())
}
