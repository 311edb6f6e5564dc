//! Live broadcasts as JSON: the public list and page, questions from the public (with the
//! challenge), and every staff action: creating a page, starting and ending it, posting
//! (a photo as base64), editing and retracting, and moderating questions. The changes stream
//! at `GET /live/{id}/events` (Server-Sent Events).

use crate::app::AppState;
use crate::auth::{ApiStaff, ClientIp};
use crate::errors::{ApiResult, Problem};
use crate::forms::{ApiJson, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_app::live_blog::{self, BlogInput, Decision, PostView, QuestionView};
use gongkai_domain::live_blog::BlogStatus;
use gongkai_domain::live_blog::input::{PostInput, QuestionInput};
use gongkai_domain::time::local_minute_at;
use gongkai_domain::validation::Invalid;
use gongkai_store::live_blog::{Blog, Question};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 图文直播
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveBlogOut {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub summary: String,
    /// meeting / open_day / press
    pub subject_kind: String,
    pub subject_id: Option<i64>,
    /// scheduled / live / ended
    pub status: String,
    pub status_label: String,
    /// 北京时间 YYYY-MM-DD HH:MM
    pub starts_at: String,
    pub url: String,
    /// 实时推送（text/event-stream）
    pub events_url: String,
}

fn blog_out(b: &Blog) -> LiveBlogOut {
    LiveBlogOut {
        id: b.id,
        unit_id: b.unit_id,
        title: b.title.clone(),
        summary: b.summary.clone(),
        subject_kind: b.subject_kind.code().into(),
        subject_id: b.subject_id,
        status: b.status.code().into(),
        status_label: b.status.label().into(),
        starts_at: local_minute_at(b.starts_at),
        url: format!("/live/{}", b.id),
        events_url: format!("/live/{}/events", b.id),
    }
}

/// 图文直播（公开）
#[utoipa::path(get, path = "/api/v1/live", tag = "live", responses((status = 200, body = Vec<LiveBlogOut>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<LiveBlogOut>>> {
    let all = live_blog::public_list(&state).await?;
    Ok(Json(all.iter().map(blog_out).collect()))
}

/// 直播页面：内容（最新的在前）和公开的提问
#[derive(Debug, Serialize, ToSchema)]
pub struct LivePageOut {
    pub blog: LiveBlogOut,
    pub posts: Vec<PostView>,
    pub questions: Vec<QuestionView>,
    /// 页面内容截至的事件序号：以它作 Last-Event-ID 接收此后的变化
    pub last_event_id: i64,
}

/// 直播页面（公开）
#[utoipa::path(get, path = "/api/v1/live/{id}", tag = "live", params(("id" = i64, Path)),
    responses((status = 200, body = LivePageOut), (status = 404, body = Problem)))]
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<LivePageOut>> {
    let v = live_blog::page(&state, path_id(&id)?).await?;
    Ok(Json(LivePageOut {
        blog: blog_out(&v.blog),
        posts: v.posts.iter().map(PostView::of).collect(),
        questions: v.questions.iter().rev().map(QuestionView::of).collect(),
        last_event_id: v.last_seq,
    }))
}

/// 提问回执
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionAckOut {
    pub id: i64,
    /// pending（待审核）
    pub status: String,
}

/// 网民提问（无需账号；须先取得验证题，GET /api/v1/requests/challenge）；审核后公开
#[utoipa::path(post, path = "/api/v1/live/{id}/questions", tag = "live", params(("id" = i64, Path)), request_body = QuestionInput,
    responses((status = 201, body = QuestionAckOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn ask(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<QuestionInput>,
) -> ApiResult<(StatusCode, Json<QuestionAckOut>)> {
    let q = live_blog::ask(&state, path_id(&id)?, &body, &ip).await?;
    Ok((StatusCode::CREATED, Json(QuestionAckOut { id: q.id, status: q.status.code().into() })))
}

/// 工作人员：新建图文直播
#[utoipa::path(post, path = "/api/v1/staff/live", tag = "live", security(("bearer" = [])), request_body = BlogInput,
    responses((status = 201, body = LiveBlogOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<BlogInput>,
) -> ApiResult<(StatusCode, Json<LiveBlogOut>)> {
    let b = live_blog::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(blog_out(&b))))
}

/// 直播状态
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// live（开始直播）或 ended（结束直播）
    pub status: String,
}

/// 工作人员：开始或结束直播（观众即时收到）
#[utoipa::path(post, path = "/api/v1/staff/live/{id}/status", tag = "live", security(("bearer" = [])), params(("id" = i64, Path)), request_body = StatusBody,
    responses((status = 200, body = LiveBlogOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn set_status(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> ApiResult<Json<LiveBlogOut>> {
    let to = match body.status.trim() {
        "live" => BlogStatus::Live,
        "ended" => BlogStatus::Ended,
        _ => return Err(Invalid::one("status", "直播状态", "应为 live（开始直播）或 ended（结束直播）").into()),
    };
    let b = live_blog::set_status(&state, &p, path_id(&id)?, to).await?;
    Ok(Json(blog_out(&b)))
}

/// 发布直播内容
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LivePostCreateBody {
    /// text（文字）、photo（图片）或 quote（引语）
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub text: String,
    /// 图片的替代文字，图片必填
    #[serde(default)]
    pub alt: String,
    /// 引语的讲话人
    #[serde(default)]
    pub speaker: String,
    /// 图片（JPEG 或 PNG）的 base64，仅 photo
    pub image_base64: Option<String>,
}

/// 工作人员：发布直播内容（文字、图片、引语），观众即时收到
#[utoipa::path(post, path = "/api/v1/staff/live/{id}/posts", tag = "live", security(("bearer" = [])), params(("id" = i64, Path)), request_body = LivePostCreateBody,
    responses((status = 201, body = PostView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn post(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<LivePostCreateBody>,
) -> ApiResult<(StatusCode, Json<PostView>)> {
    use base64::Engine;
    let image = match body.image_base64.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(b64) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|_| Invalid::one("image_base64", "图片", "不是有效的 base64 编码"))?,
        ),
    };
    let input = PostInput { kind: body.kind, text: body.text, alt: body.alt, speaker: body.speaker };
    let post = live_blog::post(&state, &p, path_id(&id)?, &input, image).await?;
    Ok((StatusCode::CREATED, Json(PostView::of(&post))))
}

/// 工作人员：修改直播内容（页面注明“已修改”）
#[utoipa::path(put, path = "/api/v1/staff/live-posts/{id}", tag = "live", security(("bearer" = [])), params(("id" = i64, Path)), request_body = PostInput,
    responses((status = 200, body = PostView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn edit(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PostInput>,
) -> ApiResult<Json<PostView>> {
    let post = live_blog::edit(&state, &p, path_id(&id)?, &body).await?;
    Ok(Json(PostView::of(&post)))
}

/// 撤回
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetractBody {
    /// 撤回说明（公开显示）
    #[serde(default)]
    pub note: String,
}

/// 工作人员：撤回直播内容（页面保留撤回说明）
#[utoipa::path(post, path = "/api/v1/staff/live-posts/{id}/retraction", tag = "live", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RetractBody,
    responses((status = 200, body = PostView), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn retract(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RetractBody>,
) -> ApiResult<Json<PostView>> {
    let post = live_blog::retract(&state, &p, path_id(&id)?, &body.note).await?;
    Ok(Json(PostView::of(&post)))
}

/// 提问（工作人员可见全部，含原文）
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffQuestionOut {
    pub id: i64,
    pub name: String,
    /// 原文
    pub text: String,
    /// 公开文本（个人信息已遮盖）
    pub public_text: String,
    /// pending / published / answered / hidden
    pub status: String,
    pub status_label: String,
    pub hide_reason: Option<String>,
    pub answer: Option<String>,
    pub received_at: String,
}

fn staff_question(q: &Question) -> StaffQuestionOut {
    StaffQuestionOut {
        id: q.id,
        name: q.name.clone(),
        text: q.text.clone(),
        public_text: q.public_text.clone(),
        status: q.status.code().into(),
        status_label: q.status.label().into(),
        hide_reason: q.hide_reason.map(|r| r.code().to_string()),
        answer: q.answer.clone(),
        received_at: local_minute_at(q.received_at),
    }
}

/// 工作人员：直播的全部提问（待审核的在内）
#[utoipa::path(get, path = "/api/v1/staff/live/{id}/questions", tag = "live", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<StaffQuestionOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn questions(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<StaffQuestionOut>>> {
    let (_, all) = live_blog::questions(&state, &p, path_id(&id)?).await?;
    Ok(Json(all.iter().map(staff_question).collect()))
}

/// 审核提问
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationBody {
    /// publish（公开）、answer（回答并公开）或 hide（不予公开）
    pub action: String,
    /// 回答（answer 时必填）
    #[serde(default)]
    pub answer: String,
    /// 不予公开的理由（hide 时必填）：spam / abusive / off_topic / personal_data / duplicate
    #[serde(default)]
    pub reason: String,
}

/// 工作人员：审核网民提问（公开、回答或不予公开），观众即时看到
#[utoipa::path(post, path = "/api/v1/staff/live-questions/{id}/moderation", tag = "live", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ModerationBody,
    responses((status = 200, body = StaffQuestionOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn moderate(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ModerationBody>,
) -> ApiResult<Json<StaffQuestionOut>> {
    let d = Decision::parse(&body.action, &body.answer, &body.reason)?;
    let q = live_blog::moderate(&state, &p, path_id(&id)?, &d).await?;
    Ok(Json(staff_question(&q)))
}

/// The routes; a post may carry a photo in base64, so its body may reach `upload_limit` (and a
/// third more for the encoding).
pub fn routes(upload_limit: usize) -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::router::OpenApiRouter;
    use utoipa_axum::routes;
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(ask))
        .routes(routes!(create))
        .routes(routes!(set_status))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(post))
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit.saturating_mul(4) / 3 + 4096)),
        )
        .routes(routes!(edit))
        .routes(routes!(retract))
        .routes(routes!(questions))
        .routes(routes!(moderate))
}
