//! 图文直播 (`live_blog`): any meeting, open day or press event can have a live page. Staff
//! post text, photos (resized in a bounded process; alt text required) and quotes, edit them
//! (the page says so) or retract them (a notice remains); citizens send questions without an
//! account; moderators publish, answer or hide them. Every change viewers must see is written
//! to the outbox in the same transaction and reaches them through this node's [`hub::Hub`]
//! (and, on PostgreSQL, every other node's). After the event the page is the archive.

pub mod demo;
pub mod hub;

use crate::{Context, Error, Principal};
use chrono::{DateTime, Utc};
use gongkai_domain::live_blog::input::{PostFields, PostInput, QuestionFields, QuestionInput};
use gongkai_domain::live_blog::{
    BlogStatus, HideReason, Moderation, PostKind, PostState, PostStep, QuestionStatus, SubjectKind, blog_next,
    moderate as moderation_next, post_next,
};
use gongkai_domain::staff::Action;
use gongkai_domain::time::local_minute_at;
use gongkai_domain::validation::{Invalid, line, local_minute, text};
use gongkai_store::Writer;
use gongkai_store::live_blog::{Blog, NewBlog, Post, Question};
use serde::Serialize;

/// Questions one address may send per window (15 minutes).
pub const QUESTIONS_PER_ADDRESS: usize = 5;

/// 图文直播（新建时提交）
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = LiveBlogBody)]
#[serde(deny_unknown_fields)]
pub struct BlogInput {
    /// 主办单位，不填为本人所在单位
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub title: String,
    /// 简介
    #[serde(default)]
    pub summary: String,
    /// meeting（政府会议）、open_day（政府开放活动）或 press（新闻发布会）
    #[serde(default)]
    pub subject_kind: String,
    /// 所直播的会议或活动的 id（新闻发布会可不填）
    pub subject_id: Option<i64>,
    /// 开始时间 YYYY-MM-DD HH:MM（北京时间）
    #[serde(default)]
    pub starts_at: String,
}

/// What a viewer's page reads of a post (the Server-Sent Event's data).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PostView {
    pub id: i64,
    /// text / photo / quote
    pub kind: String,
    /// published / edited / retracted
    pub state: String,
    /// 撤回后为空
    pub text: String,
    pub speaker: String,
    /// 图片地址（撤回后为空）
    pub image_url: Option<String>,
    pub alt: String,
    /// 发布时间（北京时间 HH:MM）
    pub time: String,
    pub edited: bool,
    /// 撤回说明
    pub retract_note: Option<String>,
}

impl PostView {
    pub fn of(p: &Post) -> PostView {
        let retracted = p.state == PostState::Retracted;
        let shown = |s: &str| if retracted { String::new() } else { s.to_string() };
        PostView {
            id: p.id,
            kind: p.kind.code().into(),
            state: p.state.code().into(),
            text: shown(&p.text),
            speaker: shown(&p.speaker),
            image_url: p.image_id.filter(|_| !retracted).map(|i| format!("/live/images/{i}")),
            alt: shown(&p.alt),
            time: local_minute_at(p.posted_at).get(11..).unwrap_or_default().to_string(),
            edited: p.state == PostState::Edited,
            retract_note: p.retract_note.clone().filter(|_| retracted),
        }
    }
}

/// What a viewer's page reads of a published question.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionView {
    pub id: i64,
    pub name: String,
    /// 提问（个人信息已遮盖）
    pub text: String,
    pub answer: Option<String>,
    /// 提问时间（北京时间 HH:MM）
    pub time: String,
}

impl QuestionView {
    pub fn of(q: &Question) -> QuestionView {
        QuestionView {
            id: q.id,
            name: q.name.clone(),
            text: q.public_text.clone(),
            answer: q.answer.clone().filter(|_| q.status == QuestionStatus::Answered),
            time: local_minute_at(q.received_at).get(11..).unwrap_or_default().to_string(),
        }
    }
}

fn json(value: &impl Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(Error::internal)
}

/// Writes a change to the outbox in `w` and tells the other nodes on commit.
async fn outbox(w: &mut Writer, blog_id: i64, kind: &str, object_id: i64, payload: String) -> Result<(), Error> {
    w.live_event_add(blog_id, kind, object_id, &payload).await?;
    w.live_notify().await?;
    Ok(())
}

/// Commits `w` and passes its changes to this node's viewers at once.
async fn commit(cx: &Context, w: Writer) -> Result<(), Error> {
    w.commit().await?;
    if let Ok(hub) = cx.live_hub().await {
        hub.poke();
    }
    Ok(())
}

/// Creates a live page for `input.unit_id` or the caller's unit.
pub async fn create(cx: &Context, p: &Principal, input: &BlogInput) -> Result<Blog, Error> {
    let unit_id = input.unit_id.unwrap_or(p.user.unit_id);
    p.require_for_unit(cx, Action::DraftDocuments, unit_id).await?;
    let mut e = Invalid::default();
    let title = line(&mut e, "title", "直播标题", &input.title, true, 100);
    let summary = text(&mut e, "summary", "简介", &input.summary, false, 1000);
    let kind = SubjectKind::parse(&input.subject_kind);
    if kind.is_none() {
        e.push("subject_kind", "直播对象", "应为 meeting（政府会议）、open_day（政府开放活动）或 press（新闻发布会）");
    }
    let starts = local_minute(&mut e, "starts_at", "开始时间", &input.starts_at);
    match (kind, input.subject_id) {
        (Some(SubjectKind::Meeting), Some(id)) if cx.store.meeting(id).await?.is_none_or(|m| m.unit_id != unit_id) => {
            e.push("subject_id", "直播的会议", format!("本单位没有 id 为 {id} 的会议"));
        }
        (Some(SubjectKind::OpenDay), Some(id)) if cx.store.open_day(id).await?.is_none_or(|d| d.unit_id != unit_id) => {
            e.push("subject_id", "直播的活动", format!("本单位没有 id 为 {id} 的政府开放活动"));
        }
        (Some(SubjectKind::Meeting | SubjectKind::OpenDay), None) => {
            e.push("subject_id", "直播对象", "请填写所直播的会议或活动的 id");
        }
        _ => {}
    }
    let (Some(kind), Some(starts_at)) = (kind, starts) else { return Err(e.into()) };
    e.into_result(())?;
    let new = NewBlog {
        unit_id,
        title: &title,
        summary: &summary,
        subject_kind: kind,
        subject_id: input.subject_id,
        starts_at,
    };
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.live_blog_create(&new).await?;
    if kind == SubjectKind::Meeting
        && let Some(m) = input.subject_id
    {
        w.meeting_set_live(m, id).await?;
    }
    w.commit().await?;
    cx.public_changed();
    cx.store.live_blog(id).await?.ok_or(Error::NotFound)
}

/// A live page `p` may run (staff who may draft for its unit).
pub async fn managed(cx: &Context, p: &Principal, id: i64) -> Result<Blog, Error> {
    let b = cx.store.live_blog(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ViewDocuments, b.unit_id).await.map_err(|_| Error::NotFound)?;
    p.require_for_unit(cx, Action::DraftDocuments, b.unit_id).await?;
    Ok(b)
}

fn refuse(field: &str, label: &str, why: &str) -> Error {
    Error::Conflict(Invalid::one(field, label, why))
}

/// Starts or ends the broadcast; viewers are told.
pub async fn set_status(cx: &Context, p: &Principal, id: i64, to: BlogStatus) -> Result<Blog, Error> {
    managed(cx, p, id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let b = w.live_blog_current(id).await?;
    blog_next(b.status, to).map_err(|why| refuse("status", "直播状态", why))?;
    w.live_blog_set_status(&b, to, cx.now()).await?;
    let payload = json(&serde_json::json!({"status": to.code(), "label": to.label()}))?;
    outbox(&mut w, id, "status", id, payload).await?;
    commit(cx, w).await?;
    cx.public_changed();
    cx.store.live_blog(id).await?.ok_or(Error::NotFound)
}

/// A photo as it is kept: re-encoded in the bounded process (which also drops its metadata,
/// the place it was taken among them), at most 1600 pixels wide.
pub struct Photo {
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    pub bytes: Vec<u8>,
}

async fn photo(cx: &Context, bytes: Vec<u8>) -> Result<Photo, Error> {
    let bad = |m: String| Error::Invalid(Invalid::one("photo", "图片", m));
    match cx.extractor.photo(bytes).await {
        Ok(Ok(p)) => Ok(Photo { content_type: p.content_type, width: p.width, height: p.height, bytes: p.bytes }),
        Ok(Err(why)) => Err(bad(why)),
        Err(e) => {
            tracing::warn!(error = %e, "a photo could not be read");
            Err(bad("无法读取该图片，请上传 JPEG 或 PNG 格式的照片".into()))
        }
    }
}

/// Posts to a live broadcast: text, a quote, or a photo with its alt text.
pub async fn post(
    cx: &Context,
    p: &Principal,
    id: i64,
    input: &PostInput,
    image: Option<Vec<u8>>,
) -> Result<Post, Error> {
    let b = managed(cx, p, id).await?;
    if b.status != BlogStatus::Live {
        return Err(refuse(
            "status",
            "直播状态",
            if b.status == BlogStatus::Ended { "直播已结束，不能再发布" } else { "直播尚未开始" },
        ));
    }
    let fields = PostFields::parse(input, image.is_some())?;
    let image = match (fields.kind, image) {
        (PostKind::Photo, Some(bytes)) => Some(photo(cx, bytes).await?),
        _ => None,
    };
    let mut w = cx.store.write(p.actor()).await?;
    let b = w.live_blog_current(id).await?;
    let image_id = match &image {
        Some(ph) => Some(w.live_image_insert(b.id, &ph.content_type, (ph.width, ph.height), &ph.bytes).await?),
        None => None,
    };
    let post =
        w.live_post_insert(&b, fields.kind, &fields.text, &fields.speaker, image_id, &fields.alt, cx.now()).await?;
    outbox(&mut w, b.id, "post", post.id, json(&PostView::of(&post))?).await?;
    commit(cx, w).await?;
    Ok(post)
}

/// Corrects a post's words; the page marks it edited.
pub async fn edit(cx: &Context, p: &Principal, post_id: i64, input: &PostInput) -> Result<Post, Error> {
    let old = cx.store.live_post(post_id).await?.ok_or(Error::NotFound)?;
    managed(cx, p, old.blog_id).await?;
    let mut given = input.clone();
    given.kind = old.kind.code().into();
    let fields = PostFields::parse(&given, old.image_id.is_some())?;
    let mut w = cx.store.write(p.actor()).await?;
    let b = w.live_blog_current(old.blog_id).await?;
    let current = w.live_post_current(post_id).await?;
    post_next(current.state, PostStep::Edit).map_err(|why| refuse("state", "直播内容", why))?;
    let post = w.live_post_edit(&b, post_id, &fields.text, &fields.speaker, &fields.alt).await?;
    outbox(&mut w, b.id, "post", post.id, json(&PostView::of(&post))?).await?;
    commit(cx, w).await?;
    Ok(post)
}

/// Withdraws a post; viewers see a notice in its place.
pub async fn retract(cx: &Context, p: &Principal, post_id: i64, note: &str) -> Result<Post, Error> {
    let old = cx.store.live_post(post_id).await?.ok_or(Error::NotFound)?;
    managed(cx, p, old.blog_id).await?;
    let mut e = Invalid::default();
    let note = line(&mut e, "note", "撤回说明", note, true, 200);
    e.into_result(())?;
    let mut w = cx.store.write(p.actor()).await?;
    let b = w.live_blog_current(old.blog_id).await?;
    let current = w.live_post_current(post_id).await?;
    post_next(current.state, PostStep::Retract).map_err(|why| refuse("state", "直播内容", why))?;
    let post = w.live_post_retract(&b, post_id, &note).await?;
    outbox(&mut w, b.id, "post", post.id, json(&PostView::of(&post))?).await?;
    commit(cx, w).await?;
    Ok(post)
}

/// A citizen's question (no account: the challenge, and [`QUESTIONS_PER_ADDRESS`] per
/// address and window); moderators see it first.
pub async fn ask(cx: &Context, blog_id: i64, input: &QuestionInput, ip: &str) -> Result<Question, Error> {
    let taken =
        crate::throttle::take(cx, &format!("live-question-ip:{ip}"), QUESTIONS_PER_ADDRESS, "提问过于频繁").await?;
    let asked = ask_counted(cx, blog_id, input, ip).await;
    if asked.is_err() {
        crate::throttle::release(cx, &taken).await?;
    }
    asked
}

async fn ask_counted(cx: &Context, blog_id: i64, input: &QuestionInput, ip: &str) -> Result<Question, Error> {
    let b = cx.store.live_blog(blog_id).await?.ok_or(Error::NotFound)?;
    if b.status == BlogStatus::Ended {
        return Err(refuse("live", "图文直播", "直播已结束，不再接收提问"));
    }
    let mut errors = Invalid::default();
    let fields: Option<QuestionFields> = QuestionFields::parse(input).map_err(|e| errors.0.extend(e.0)).ok();
    if errors.0.is_empty() {
        crate::challenge::check(cx, &input.challenge_id, &input.challenge_answer)
            .await
            .map_err(|e| errors.0.extend(e.0))
            .ok();
    }
    let Some(f) = fields else { return Err(errors.into()) };
    errors.into_result(())?;
    let actor = gongkai_store::Actor { user_id: None, name: "公众".into(), unit_id: None, ip: ip.to_string() };
    let mut w = cx.store.write(actor).await?;
    let id = w.live_question_insert(&b, &f.name, &f.text, &f.public_text, cx.now()).await?;
    w.commit().await?;
    cx.store.live_question(id).await?.ok_or(Error::NotFound)
}

/// What a moderator does: publish, answer (with the answer) or hide (with the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Publish,
    Answer(String),
    Hide(HideReason),
}

impl Decision {
    /// Reads `publish`, `answer` (with `answer`) or `hide` (with `reason`).
    pub fn parse(action: &str, answer: &str, reason: &str) -> Result<Decision, Invalid> {
        match action.trim() {
            "publish" => Ok(Decision::Publish),
            "answer" => {
                let mut e = Invalid::default();
                let a = text(&mut e, "answer", "回答", answer, true, 2000);
                e.into_result(Decision::Answer(a))
            }
            "hide" => HideReason::parse(reason).map(Decision::Hide).ok_or_else(|| {
                Invalid::one("reason", "不予公开的理由", "应为 spam、abusive、off_topic、personal_data 或 duplicate")
            }),
            _ => Err(Invalid::one("action", "操作", "应为 publish（公开）、answer（回答）或 hide（不予公开）")),
        }
    }
}

/// A moderator's decision; viewers see the question (with its answer) when it is shown, and
/// see it go when a shown one is hidden.
pub async fn moderate(cx: &Context, p: &Principal, question_id: i64, d: &Decision) -> Result<Question, Error> {
    let q = cx.store.live_question(question_id).await?.ok_or(Error::NotFound)?;
    managed(cx, p, q.blog_id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    let b = w.live_blog_current(q.blog_id).await?;
    let q = w.live_question_current(question_id).await?;
    let step = match d {
        Decision::Publish => Moderation::Publish,
        Decision::Answer(_) => Moderation::Answer,
        Decision::Hide(r) => Moderation::Hide(*r),
    };
    let to = moderation_next(q.status, step).map_err(|why| refuse("action", "操作", why))?;
    let (answer, reason) = match d {
        Decision::Answer(a) => (Some(a.as_str()), None),
        Decision::Hide(r) => (None, Some(*r)),
        Decision::Publish => (None, None),
    };
    let after = w.live_question_moderate(&b, question_id, to, answer, reason).await?;
    if to.shown() {
        outbox(&mut w, b.id, "question", after.id, json(&QuestionView::of(&after))?).await?;
    } else if q.status.shown() {
        outbox(&mut w, b.id, "question_hidden", after.id, json(&serde_json::json!({"id": after.id}))?).await?;
    }
    commit(cx, w).await?;
    Ok(after)
}

/// A live page as viewers see it.
pub struct Page {
    pub blog: Blog,
    pub posts: Vec<Post>,
    pub questions: Vec<Question>,
    /// The last change included: the page's script listens from here.
    pub last_seq: i64,
}

/// A live page with its posts (newest first) and shown questions.
pub async fn page(cx: &Context, id: i64) -> Result<Page, Error> {
    // Read the sequence first: a change made while the page is read is then sent again (and
    // replaces what is shown), never missed.
    let last_seq = cx.store.live_blog_last_seq(id).await?;
    let blog = cx.store.live_blog(id).await?.ok_or(Error::NotFound)?;
    let mut posts = cx.store.live_posts(id).await?;
    posts.reverse();
    let questions = cx.store.live_questions(id, Some(&[QuestionStatus::Published, QuestionStatus::Answered])).await?;
    Ok(Page { blog, posts, questions, last_seq })
}

/// The live pages of the units `p` may see in the console.
pub async fn staff_list(cx: &Context, p: &Principal) -> Result<Vec<Blog>, Error> {
    let units = p.units_in_reach(cx, Action::ViewDocuments).await?;
    Ok(cx
        .store
        .live_blogs()
        .await?
        .into_iter()
        .filter(|b| units.as_ref().is_none_or(|u| u.contains(&b.unit_id)))
        .collect())
}

/// When a broadcast began, for lists.
pub fn began(b: &Blog) -> DateTime<Utc> {
    b.started_at.unwrap_or(b.starts_at)
}

/// Every live page, for the public list (a page is public once created).
pub async fn public_list(cx: &Context) -> Result<Vec<Blog>, Error> {
    Ok(cx.store.live_blogs().await?)
}

/// A live page as the public sees it, without its posts.
pub async fn public(cx: &Context, id: i64) -> Result<Blog, Error> {
    cx.store.live_blog(id).await?.ok_or(Error::NotFound)
}

/// A post's photo: its content type and bytes.
pub async fn image(cx: &Context, id: i64) -> Result<(String, Vec<u8>), Error> {
    let (_, content_type, bytes) = cx.store.live_image(id).await?.ok_or(Error::NotFound)?;
    Ok((content_type, bytes))
}

/// A page's changes after `seq` from the outbox, at most `limit`, in order.
pub async fn events_after(
    cx: &Context,
    blog_id: i64,
    seq: i64,
    limit: i64,
) -> Result<Vec<gongkai_store::live_blog::LiveEvent>, Error> {
    Ok(cx.store.live_events_after(blog_id, seq, limit).await?)
}

/// The sequence number of a page's last change (0 before any).
pub async fn last_seq(cx: &Context, blog_id: i64) -> Result<i64, Error> {
    Ok(cx.store.live_blog_last_seq(blog_id).await?)
}

/// Every question of a page `p` runs, the pending ones among them.
pub async fn questions(cx: &Context, p: &Principal, id: i64) -> Result<(Blog, Vec<Question>), Error> {
    let b = managed(cx, p, id).await?;
    let all = cx.store.live_questions(id, None).await?;
    Ok((b, all))
}

/// A page as its staff run it: the posts newest first, and every question, the ones waiting
/// for moderation first, then the newest.
pub async fn console_view(cx: &Context, p: &Principal, id: i64) -> Result<(Blog, Vec<Post>, Vec<Question>), Error> {
    let (b, mut questions) = questions(cx, p, id).await?;
    let mut posts = cx.store.live_posts(id).await?;
    posts.reverse();
    questions.sort_by_key(|x| (x.status != QuestionStatus::Pending, std::cmp::Reverse(x.id)));
    Ok((b, posts, questions))
}

/// The page of a post, when `p` runs it.
pub async fn blog_of_post(cx: &Context, p: &Principal, post_id: i64) -> Result<i64, Error> {
    let post = cx.store.live_post(post_id).await?.ok_or(Error::NotFound)?;
    Ok(managed(cx, p, post.blog_id).await?.id)
}

/// The page of a question, when `p` runs it.
pub async fn blog_of_question(cx: &Context, p: &Principal, question_id: i64) -> Result<i64, Error> {
    let q = cx.store.live_question(question_id).await?.ok_or(Error::NotFound)?;
    Ok(managed(cx, p, q.blog_id).await?.id)
}
