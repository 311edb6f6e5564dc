//! Consultations as JSON: the public list, a consultation, its published opinions and its
//! figures; opinions from the public (with the challenge) and from partner accounts (with
//! their token, under their channel); following an opinion; and every staff action.

use crate::api::paging;
use crate::app::AppState;
use crate::auth::{ApiCaller, ApiStaff, ClientIp};
use crate::errors::{ApiResult, AppError, Problem};
use crate::forms::{ApiJson, ApiQuery, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_app::consultation::{self, Live, ReviewAction, concerns, handling, opinions, report};
use gongkai_domain::consultation::concern::ConcernInput;
use gongkai_domain::consultation::handling::{DecisionInput, ForwardStep, Moderation, OpinionStatus};
use gongkai_domain::consultation::input::{ConsultationFields, ConsultationInput, OpinionInput};
use gongkai_domain::consultation::report::{FeedbackInput, ReportFigures};
use gongkai_domain::consultation::{Channel, Phase};
use gongkai_domain::time::{format_instant, local_minute_at};
use gongkai_domain::validation::Invalid;
use gongkai_store::consultation::Consultation;
use gongkai_store::consultation::concerns::Concern;
use gongkai_store::consultation::opinions::{Forward, Group, Opinion, OpinionFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 意见征集
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicConsultationOut {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub background: String,
    pub questions: Vec<String>,
    /// 征求意见稿（文件 id）
    pub document_id: Option<i64>,
    pub interpretation_ids: Vec<i64>,
    pub topics: Vec<String>,
    /// 开始时间（北京时间 YYYY-MM-DD HH:MM）
    pub opens_at: String,
    /// 截止时间（北京时间 YYYY-MM-DD HH:MM）
    pub closes_at: String,
    /// upcoming（即将开始）/ open（正在征集）/ closed（已结束）
    pub phase: String,
    pub phase_label: String,
    /// 接收渠道代码
    pub channels: Vec<String>,
    pub contact_required: bool,
    pub published_at: Option<String>,
    /// 采纳情况反馈是否已发布
    pub report_published: bool,
    pub url: String,
}

fn fields_out(id: i64, unit_id: i64, unit_name: String, f: &ConsultationFields, phase: Phase) -> PublicConsultationOut {
    PublicConsultationOut {
        id,
        unit_id,
        unit_name,
        title: f.title.clone(),
        background: f.background.clone(),
        questions: f.questions.clone(),
        document_id: f.document_id,
        interpretation_ids: f.interpretation_ids.clone(),
        topics: f.topics.clone(),
        opens_at: local_minute_at(f.opens_at),
        closes_at: local_minute_at(f.closes_at),
        phase: phase.code().into(),
        phase_label: phase.label().into(),
        channels: f.channels.iter().map(|c| c.code().to_string()).collect(),
        contact_required: f.contact_required,
        published_at: None,
        report_published: false,
        url: format!("/consultations/{id}"),
    }
}

async fn unit_name(state: &AppState, unit_id: i64) -> ApiResult<String> {
    Ok(state.unit_tree().await?.get(unit_id).map(|u| u.name.clone()).unwrap_or_default())
}

async fn live_out(state: &AppState, l: &Live) -> ApiResult<PublicConsultationOut> {
    let mut out = fields_out(l.id, l.unit_id, unit_name(state, l.unit_id).await?, &l.fields, l.phase);
    out.published_at = l.published_at.map(format_instant);
    out.report_published = l.report.is_some();
    Ok(out)
}

/// 意见征集列表
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultationList {
    pub total: usize,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<PublicConsultationOut>,
}

/// 意见征集（公开）：已发布的意见征集，最近开始的在前；可按状态筛选
#[utoipa::path(get, path = "/api/v1/consultations", tag = "consultations",
    params(
        ("phase" = inline(Option<crate::api::schema::ConsultationPhaseCode>), Query),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)
    ),
    responses((status = 200, body = ConsultationList), (status = 422, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<ConsultationList>> {
    let (page, per_page) = paging(&q, 20, 100)?;
    let mut errors = Invalid::default();
    let phase = q.code(&mut errors, "phase", "应为 upcoming、open 或 closed", |v| {
        [Phase::Upcoming, Phase::Open, Phase::Closed].into_iter().find(|p| p.code() == v)
    });
    errors.into_result(())?;
    let all: Vec<Live> = consultation::published_list(&state)
        .await?
        .into_iter()
        .filter(|l| phase.is_none_or(|p| l.phase == p))
        .collect();
    let mut items = Vec::new();
    for l in all.iter().skip(((page - 1) * per_page) as usize).take(per_page as usize) {
        items.push(live_out(&state, l).await?);
    }
    Ok(Json(ConsultationList { total: all.len(), page, per_page, items }))
}

/// 意见征集详情（公开）
#[utoipa::path(get, path = "/api/v1/consultations/{id}", tag = "consultations", params(("id" = i64, Path)),
    responses((status = 200, body = PublicConsultationOut), (status = 404, body = Problem)))]
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<PublicConsultationOut>> {
    let l = consultation::published(&state, path_id(&id)?).await?;
    Ok(Json(live_out(&state, &l).await?))
}

/// 意见的受理回执
#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionAckOut {
    /// 意见编号
    pub receipt_no: String,
    /// 查询码（只显示这一次）
    pub query_code: String,
    /// 渠道
    pub channel: String,
    pub received_on: String,
    pub track_url: String,
}

fn ack_out(ack: opinions::OpinionAck) -> (StatusCode, Json<OpinionAckOut>) {
    (
        StatusCode::CREATED,
        Json(OpinionAckOut {
            receipt_no: ack.opinion.receipt_no,
            query_code: ack.query_code,
            channel: ack.opinion.channel.code().into(),
            received_on: ack.opinion.received_on.to_string(),
            track_url: "/consultations/opinions".into(),
        }),
    )
}

/// 提交意见：公众无需账号（须先取得验证题，GET /api/v1/requests/challenge）；12345 热线、报社、广播电视台等合作渠道带 API 令牌提交，渠道以账号为准
#[utoipa::path(post, path = "/api/v1/consultations/{id}/opinions", tag = "consultations", params(("id" = i64, Path)),
    request_body = OpinionInput, security((), ("bearer" = [])),
    responses((status = 201, body = OpinionAckOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OpinionInput>,
) -> ApiResult<(StatusCode, Json<OpinionAckOut>)> {
    let id = path_id(&id)?;
    let ack = match caller {
        Some(p) if p.user.partner_channel.is_none() => {
            return Err(AppError::ForbiddenBecause(
                "本账号不是合作渠道账号；工作人员录入来信来电请用 /api/v1/staff/consultations/{id}/opinions".into(),
            )
            .into());
        }
        Some(p) => opinions::submit_as_partner(&state, &p, id, &body).await?,
        None => opinions::submit(&state, id, &body, &ip).await?,
    };
    Ok(ack_out(ack))
}

/// 公开的意见（已审核公开，个人信息已遮盖，不含姓名和联系方式）
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicOpinionOut {
    pub id: i64,
    /// 问题序号（从 1 开始）
    pub question: u32,
    pub text: String,
    pub topic: Option<String>,
    /// 区县代码
    pub district: Option<String>,
    pub channel: String,
    pub channel_label: String,
    pub received_on: String,
    /// 针对征求意见稿的段落
    pub passage: Option<String>,
}

fn public_opinion(o: Opinion) -> PublicOpinionOut {
    PublicOpinionOut {
        id: o.id,
        question: o.question,
        text: o.public_text,
        topic: o.topic,
        district: o.district,
        channel: o.channel.code().into(),
        channel_label: o.channel.label().into(),
        received_on: o.received_on.to_string(),
        passage: o.passage,
    }
}

/// 公开意见列表
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicOpinionList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<PublicOpinionOut>,
    /// 各分类的公开意见数（未分类的计入“未分类”）
    pub by_topic: std::collections::BTreeMap<String, u64>,
}

/// 公开的意见（公开）
#[utoipa::path(get, path = "/api/v1/consultations/{id}/opinions", tag = "consultations",
    params(("id" = i64, Path), ("topic" = Option<String>, Query, description = "只看这一分类"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = PublicOpinionList), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn public_opinions(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<PublicOpinionList>> {
    let (page, per_page) = paging(&q, 20, 100)?;
    let l = consultation::published(&state, path_id(&id)?).await?;
    let topic = q.opt("topic").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let f = OpinionFilter { topic, ..Default::default() };
    let found = opinions::published_page(&state, l.id, &f, (page - 1) * per_page, per_page).await?;
    let by_topic = opinions::topic_counts(&state, l.id).await?.into_iter().collect();
    Ok(Json(PublicOpinionList {
        total: found.total,
        page,
        per_page,
        items: found.items.into_iter().map(public_opinion).collect(),
        by_topic,
    }))
}

/// 征集情况统计（公开）：采纳情况反馈发布后为发布时的数字，此前为当前数字
#[utoipa::path(get, path = "/api/v1/consultations/{id}/report", tag = "consultations", params(("id" = i64, Path)),
    responses((status = 200, body = ReportFigures), (status = 404, body = Problem)))]
pub async fn public_report(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<ReportFigures>> {
    Ok(Json(report::public_figures(&state, path_id(&id)?).await?))
}

/// 意见查询
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpinionTrackBody {
    pub receipt_no: String,
    pub code: String,
}

/// 转办单位的答复
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    pub unit_name: String,
    pub answer: String,
    pub answered_on: Option<String>,
}

/// 本人意见的处理情况
#[derive(Debug, Serialize, ToSchema)]
pub struct OpinionTrackOut {
    pub receipt_no: String,
    pub consultation_id: i64,
    pub consultation_title: String,
    pub text: String,
    pub received_on: String,
    /// pending（待审核）/ published（已公开）/ hidden（不予公开）
    pub status: String,
    pub status_label: String,
    /// 不予公开的理由
    pub hide_reason: Option<String>,
    /// adopted / partly_adopted / not_adopted / answered；未办结为空
    pub decision: Option<String>,
    pub decision_label: Option<String>,
    /// 采纳情况或未采纳的理由
    pub reason: Option<String>,
    pub answers: Vec<AnswerOut>,
}

async fn answers_out(state: &AppState, forwards: Vec<Forward>) -> ApiResult<Vec<AnswerOut>> {
    let tree = state.unit_tree().await?;
    Ok(forwards
        .into_iter()
        .map(|f| AnswerOut {
            unit_name: tree.get(f.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
            answer: f.answer.unwrap_or_default(),
            answered_on: f.answered_on.map(|d| d.to_string()),
        })
        .collect())
}

/// 凭意见编号和查询码查看意见的处理和采纳情况
#[utoipa::path(post, path = "/api/v1/consultations/opinions/track", tag = "consultations", request_body = OpinionTrackBody,
    responses((status = 200, body = OpinionTrackOut), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn track(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<OpinionTrackBody>,
) -> ApiResult<Json<OpinionTrackOut>> {
    let f = opinions::track(&state, &body.receipt_no, &body.code, &ip).await?;
    let o = f.opinion;
    Ok(Json(OpinionTrackOut {
        receipt_no: o.receipt_no,
        consultation_id: o.consultation_id,
        consultation_title: f.consultation,
        text: o.public_text,
        received_on: o.received_on.to_string(),
        status: o.status.code().into(),
        status_label: o.status.label().into(),
        hide_reason: o.hide_reason.map(|r| r.label().to_string()),
        decision: f.decision.map(|d| d.code().to_string()),
        decision_label: f.decision.map(|d| d.label().to_string()),
        reason: f.reason.filter(|r| !r.is_empty()),
        answers: answers_out(&state, f.answers).await?,
    }))
}

/// 社会关切及其回应
#[derive(Debug, Serialize, ToSchema)]
pub struct ConcernOut {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub title: String,
    pub summary: String,
    /// opinions、12345、media、applications、other
    pub source: String,
    pub source_label: String,
    pub arose_on: String,
    pub consultation_id: Option<i64>,
    /// 回应文件 id
    pub response_document_id: Option<i64>,
    pub responded_on: Option<String>,
    /// 从关切出现到回应的工作日数
    pub response_workdays: Option<i64>,
}

async fn concern_out(state: &AppState, c: Concern) -> ApiResult<ConcernOut> {
    Ok(ConcernOut {
        unit_name: unit_name(state, c.unit_id).await?,
        id: c.id,
        unit_id: c.unit_id,
        title: c.title,
        summary: c.summary,
        source: c.source.code().into(),
        source_label: c.source.label().into(),
        arose_on: c.arose_on.to_string(),
        consultation_id: c.consultation_id,
        response_document_id: c.response_document_id,
        responded_on: c.responded_on.map(|d| d.to_string()),
        response_workdays: c.response_workdays,
    })
}

/// 回应关切（公开）：已回应的社会关切，最近回应的在前
#[utoipa::path(get, path = "/api/v1/concerns", tag = "consultations",
    responses((status = 200, body = Vec<ConcernOut>)))]
pub async fn public_concerns(State(state): State<AppState>) -> ApiResult<Json<Vec<ConcernOut>>> {
    let mut out = Vec::new();
    for c in concerns::answered(&state).await? {
        out.push(concern_out(&state, c).await?);
    }
    Ok(Json(out))
}

// ---- staff

/// 意见征集工作稿及其审核状态
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffConsultationOut {
    /// 工作稿
    pub consultation: PublicConsultationOut,
    /// draft / review_first / review_second / review_final / published / withdrawn
    pub status: String,
    pub status_label: String,
    /// 是否有公开的版本
    pub live: bool,
    /// 采纳情况反馈：状态（未撰写为空）
    pub report_status: Option<String>,
    /// 采纳情况反馈：总体情况（草稿）
    pub report_summary: Option<String>,
}

async fn staff_out(state: &AppState, c: &Consultation) -> ApiResult<StaffConsultationOut> {
    let phase = Phase::at(c.draft.opens_at, c.draft.closes_at, state.now());
    let mut consultation = fields_out(c.id, c.unit_id, unit_name(state, c.unit_id).await?, &c.draft, phase);
    consultation.published_at = c.published_at.map(format_instant);
    consultation.report_published = c.report_published();
    Ok(StaffConsultationOut {
        consultation,
        status: c.review.status.code().into(),
        status_label: c.review.status.label().into(),
        live: c.live.is_some(),
        report_status: c.report.as_ref().map(|r| r.review.status.code().to_string()),
        report_summary: c.report.as_ref().map(|r| r.draft.summary.clone()),
    })
}

/// 工作人员：本人可见单位的意见征集（含未发布的）
#[utoipa::path(get, path = "/api/v1/staff/consultations", tag = "consultations", security(("bearer" = [])),
    responses((status = 200, body = Vec<StaffConsultationOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn staff_list(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
) -> ApiResult<Json<Vec<StaffConsultationOut>>> {
    let mut out = Vec::new();
    for c in consultation::staff_list(&state, &p).await? {
        out.push(staff_out(&state, &c).await?);
    }
    Ok(Json(out))
}

/// 工作人员：起草意见征集
#[utoipa::path(post, path = "/api/v1/staff/consultations", tag = "consultations", security(("bearer" = [])), request_body = ConsultationInput,
    responses((status = 201, body = StaffConsultationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<ConsultationInput>,
) -> ApiResult<(StatusCode, Json<StaffConsultationOut>)> {
    let c = consultation::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(staff_out(&state, &c).await?)))
}

/// 工作人员：意见征集工作稿
#[utoipa::path(get, path = "/api/v1/staff/consultations/{id}", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StaffConsultationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn staff_get(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<StaffConsultationOut>> {
    let c = consultation::visible(&state, &p, path_id(&id)?).await?;
    Ok(Json(staff_out(&state, &c).await?))
}

/// 工作人员：保存意见征集工作稿（草稿时）
#[utoipa::path(put, path = "/api/v1/staff/consultations/{id}", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ConsultationInput,
    responses((status = 200, body = StaffConsultationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ConsultationInput>,
) -> ApiResult<Json<StaffConsultationOut>> {
    let c = consultation::update(&state, &p, path_id(&id)?, &body).await?;
    Ok(Json(staff_out(&state, &c).await?))
}

/// 审核操作
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewActionBody {
    /// submit / approve / reject / revise / discard / withdraw
    pub action: String,
    /// 退回和撤下时必填的理由
    #[serde(default)]
    pub comment: String,
}

/// 工作人员：意见征集的审核流程（提交、通过、退回、修订、放弃修订、撤下）；终审通过即发布
#[utoipa::path(post, path = "/api/v1/staff/consultations/{id}/actions", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReviewActionBody,
    responses((status = 200, body = StaffConsultationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewActionBody>,
) -> ApiResult<Json<StaffConsultationOut>> {
    let id = path_id(&id)?;
    let action = ReviewAction::parse(&body.action, &body.comment)?;
    let c = consultation::act(&state, &p, id, &action).await?;
    Ok(Json(staff_out(&state, &c).await?))
}

/// 意见（工作人员可见全部内容和联系方式）
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffOpinionOut {
    pub id: i64,
    pub consultation_id: i64,
    pub receipt_no: String,
    pub channel: String,
    pub channel_label: String,
    pub received_on: String,
    pub question: u32,
    /// 原文
    pub text: String,
    /// 公开文本（个人信息已遮盖）
    pub public_text: String,
    pub topic: Option<String>,
    pub district: Option<String>,
    pub name: String,
    pub contact: String,
    pub passage: Option<String>,
    /// pending / published / hidden
    pub status: String,
    pub status_label: String,
    /// spam / abusive / off_topic / personal_data / duplicate
    pub hide_reason: Option<String>,
    pub group_id: Option<i64>,
    pub tags: Vec<String>,
}

fn staff_opinion(o: Opinion) -> StaffOpinionOut {
    StaffOpinionOut {
        id: o.id,
        consultation_id: o.consultation_id,
        receipt_no: o.receipt_no,
        channel: o.channel.code().into(),
        channel_label: o.channel.label().into(),
        received_on: o.received_on.to_string(),
        question: o.question,
        text: o.text,
        public_text: o.public_text,
        topic: o.topic,
        district: o.district,
        name: o.name,
        contact: o.contact,
        passage: o.passage,
        status: o.status.code().into(),
        status_label: o.status.label().into(),
        hide_reason: o.hide_reason.map(|r| r.code().to_string()),
        group_id: o.group_id,
        tags: o.tags,
    }
}

/// 工作人员看到的意见列表
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffOpinionList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<StaffOpinionOut>,
}

/// 工作人员：一次征集的意见（可按状态、分组、分类、渠道筛选）
#[utoipa::path(get, path = "/api/v1/staff/consultations/{id}/opinions", tag = "consultations", security(("bearer" = [])),
    params(("id" = i64, Path),
        ("status" = inline(Option<crate::api::schema::OpinionStatusCode>), Query),
        ("group" = Option<i64>, Query), ("topic" = Option<String>, Query),
        ("channel" = inline(Option<crate::api::schema::ChannelCode>), Query),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = StaffOpinionList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn staff_opinions(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<StaffOpinionList>> {
    let id = path_id(&id)?;
    let (page, per_page) = paging(&q, 50, 100)?;
    let mut errors = Invalid::default();
    let f = OpinionFilter {
        status: q.code(&mut errors, "status", "应为 pending、published 或 hidden", OpinionStatus::from_code),
        group_id: q.code(&mut errors, "group", "应为整数", |v| v.trim().parse::<i64>().ok()),
        topic: q.opt("topic").map(str::trim).filter(|t| !t.is_empty()).map(str::to_string),
        channel: q.code(&mut errors, "channel", "不是可选的渠道", Channel::parse),
        passage_within: None,
    };
    errors.into_result(())?;
    let found = handling::opinions(&state, &p, id, &f, (page - 1) * per_page, per_page).await?;
    Ok(Json(StaffOpinionList {
        total: found.total,
        page,
        per_page,
        items: found.items.into_iter().map(staff_opinion).collect(),
    }))
}

/// 工作人员：录入来信、来电等渠道的意见（channel、received_on 必填）
#[utoipa::path(post, path = "/api/v1/staff/consultations/{id}/opinions", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = OpinionInput,
    responses((status = 201, body = OpinionAckOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn enter(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OpinionInput>,
) -> ApiResult<(StatusCode, Json<OpinionAckOut>)> {
    Ok(ack_out(opinions::enter(&state, &p, path_id(&id)?, &body).await?))
}

/// 审核意见
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationBody {
    /// publish（公开）/ hide（不予公开）
    pub action: String,
    /// 不予公开的理由：spam、abusive、off_topic、personal_data、duplicate
    #[serde(default)]
    pub reason: String,
}

/// 工作人员：公开或不予公开一条意见
#[utoipa::path(post, path = "/api/v1/staff/opinions/{id}/moderation", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ModerationBody,
    responses((status = 200, body = StaffOpinionOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn moderate(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ModerationBody>,
) -> ApiResult<Json<StaffOpinionOut>> {
    let step = Moderation::parse(&body.action, &body.reason).map_err(|m| Invalid::one("action", "操作", m))?;
    Ok(Json(staff_opinion(opinions::moderate(&state, &p, path_id(&id)?, step).await?)))
}

/// 标签
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagsBody {
    /// 以逗号或顿号分隔，最多 10 个；空字符串清除标签。必填：一个字段都没有的请求体（如 `[]`）不会被当作清除
    pub tags: String,
}

/// 工作人员：设置意见的标签
#[utoipa::path(post, path = "/api/v1/staff/opinions/{id}/tags", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = TagsBody,
    responses((status = 200, body = StaffOpinionOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tag_opinion(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TagsBody>,
) -> ApiResult<Json<StaffOpinionOut>> {
    Ok(Json(staff_opinion(opinions::tag(&state, &p, path_id(&id)?, &body.tags).await?)))
}

/// 意见组（相似意见归并）
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupOut {
    pub id: i64,
    pub consultation_id: i64,
    /// 组内意见数
    pub size: u64,
    /// 第一条意见的公开文本
    pub text: String,
    pub tags: Vec<String>,
    /// adopted / partly_adopted / not_adopted / answered；未办结为空
    pub decision: Option<String>,
    pub decision_label: Option<String>,
    pub reason: Option<String>,
}

fn group_out(g: Group) -> GroupOut {
    GroupOut {
        id: g.id,
        consultation_id: g.consultation_id,
        size: g.size,
        text: g.text,
        tags: g.tags,
        decision: g.decision.map(|d| d.code().to_string()),
        decision_label: g.decision.map(|d| d.label().to_string()),
        reason: g.reason,
    }
}

/// 工作人员：拆出一条意见，单独成组
#[utoipa::path(post, path = "/api/v1/staff/opinions/{id}/split", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = GroupOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn split(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<GroupOut>> {
    Ok(Json(group_out(handling::split(&state, &p, path_id(&id)?).await?)))
}

/// 意见组列表
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<GroupOut>,
}

/// 工作人员：一次征集的意见组，意见多的在前
#[utoipa::path(get, path = "/api/v1/staff/consultations/{id}/groups", tag = "consultations", security(("bearer" = [])),
    params(("id" = i64, Path), ("open" = Option<bool>, Query, description = "只看未办结的"),
        ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 100)),
    responses((status = 200, body = GroupList), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn groups(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<GroupList>> {
    let (page, per_page) = paging(&q, 50, 100)?;
    let mut errors = Invalid::default();
    let open = q.code(&mut errors, "open", "应为 true 或 false", |v| v.trim().parse::<bool>().ok()).unwrap_or(false);
    errors.into_result(())?;
    let found = handling::groups(&state, &p, path_id(&id)?, open, (page - 1) * per_page, per_page).await?;
    Ok(Json(GroupList { total: found.total, page, per_page, items: found.items.into_iter().map(group_out).collect() }))
}

/// 办理结果
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// adopted（采纳）/ partly_adopted（部分采纳）/ not_adopted（未采纳）/ answered（已答复）
    pub decision: String,
    /// 采纳情况，或未采纳的理由（未采纳时必填）
    #[serde(default)]
    pub reason: String,
}

/// 工作人员：意见组的办理结果（采纳情况反馈发布前可更改）
#[utoipa::path(post, path = "/api/v1/staff/opinion-groups/{id}/decision", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 200, body = GroupOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<GroupOut>> {
    let d = DecisionInput::parse(&body.decision, &body.reason)?;
    Ok(Json(group_out(handling::decide(&state, &p, path_id(&id)?, &d).await?)))
}

/// 合并意见组
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// 并入本组的意见组 id
    pub from: i64,
}

/// 工作人员：把另一组的意见并入本组
#[utoipa::path(post, path = "/api/v1/staff/opinion-groups/{id}/merge", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = MergeBody,
    responses((status = 200, body = GroupOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<MergeBody>,
) -> ApiResult<Json<GroupOut>> {
    Ok(Json(group_out(handling::merge(&state, &p, path_id(&id)?, body.from).await?)))
}

/// 工作人员：设置意见组的标签
#[utoipa::path(post, path = "/api/v1/staff/opinion-groups/{id}/tags", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = TagsBody,
    responses((status = 200, body = GroupOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn tag_group(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TagsBody>,
) -> ApiResult<Json<GroupOut>> {
    Ok(Json(group_out(handling::tag(&state, &p, path_id(&id)?, &body.tags).await?)))
}

/// 转办
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardBody {
    /// 承办单位 id
    pub unit_id: i64,
    /// 转办说明
    #[serde(default)]
    pub note: String,
    /// 办理时限（工作日，1–60），不填为 10
    #[serde(default)]
    #[schema(minimum = 1, maximum = 60)]
    pub workdays: Option<u32>,
}

/// 转办件
#[derive(Debug, Serialize, ToSchema)]
pub struct ForwardOut {
    pub id: i64,
    pub consultation_id: i64,
    pub group_id: i64,
    pub unit_id: i64,
    /// sent（待答复）/ answered（已答复）/ recalled（已撤回）
    pub state: String,
    pub state_label: String,
    pub note: String,
    /// 答复期限（按工作日计）
    pub due_on: String,
    pub overdue: bool,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
}

fn forward_out(f: Forward, today: chrono::NaiveDate) -> ForwardOut {
    ForwardOut {
        overdue: f.state.overdue(f.due_on, today),
        id: f.id,
        consultation_id: f.consultation_id,
        group_id: f.group_id,
        unit_id: f.unit_id,
        state: f.state.code().into(),
        state_label: f.state.label().into(),
        note: f.note,
        due_on: f.due_on.to_string(),
        answer: f.answer,
        answered_on: f.answered_on.map(|d| d.to_string()),
    }
}

/// 工作人员：把意见组转给承办单位，限期答复（按工作日计）
#[utoipa::path(post, path = "/api/v1/staff/opinion-groups/{id}/forwards", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ForwardBody,
    responses((status = 201, body = ForwardOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn forward(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ForwardBody>,
) -> ApiResult<(StatusCode, Json<ForwardOut>)> {
    let f = handling::forward(&state, &p, path_id(&id)?, body.unit_id, &body.note, body.workdays).await?;
    Ok((StatusCode::CREATED, Json(forward_out(f, state.today()))))
}

/// 工作人员：转给本人所在单位（及下级单位）的意见，待答复的在前，含是否逾期
#[utoipa::path(get, path = "/api/v1/staff/opinion-forwards", tag = "consultations", security(("bearer" = [])),
    responses((status = 200, body = Vec<ForwardOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn forwards(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<Vec<ForwardOut>>> {
    let today = state.today();
    Ok(Json(handling::dashboard(&state, &p).await?.into_iter().map(|(f, _)| forward_out(f, today)).collect()))
}

/// 转办件的操作
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForwardActionBody {
    /// answer（承办单位答复）/ return（退回重新答复）/ recall（撤回）
    pub action: String,
    /// 答复内容（答复时必填）或说明
    #[serde(default)]
    pub text: String,
}

/// 工作人员：答复、退回或撤回转办件
#[utoipa::path(post, path = "/api/v1/staff/opinion-forwards/{id}/actions", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ForwardActionBody,
    responses((status = 200, body = ForwardOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn forward_act(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ForwardActionBody>,
) -> ApiResult<Json<ForwardOut>> {
    let step = ForwardStep::parse(&body.action)
        .ok_or_else(|| Invalid::one("action", "操作", "应为 answer、return 或 recall"))?;
    let f = handling::forward_step(&state, &p, path_id(&id)?, step, &body.text).await?;
    Ok(Json(forward_out(f, state.today())))
}

/// 采纳情况反馈（工作人员）
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffReportOut {
    /// 当前数字
    pub figures: ReportFigures,
    /// draft / review_first / review_second / review_final / published；未撰写为空
    pub status: Option<String>,
    pub summary: Option<String>,
    pub published_at: Option<String>,
}

async fn staff_report_out(state: &AppState, c: &Consultation) -> ApiResult<StaffReportOut> {
    Ok(StaffReportOut {
        figures: report::figures(state, c.id).await?,
        status: c.report.as_ref().map(|r| r.review.status.code().to_string()),
        summary: c.report.as_ref().map(|r| r.draft.summary.clone()),
        published_at: c.report.as_ref().and_then(|r| r.published_at).map(format_instant),
    })
}

/// 工作人员：采纳情况反馈及当前数字
#[utoipa::path(get, path = "/api/v1/staff/consultations/{id}/report", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StaffReportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn staff_report(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<StaffReportOut>> {
    let c = consultation::visible(&state, &p, path_id(&id)?).await?;
    Ok(Json(staff_report_out(&state, &c).await?))
}

/// 工作人员：保存采纳情况反馈（征集结束后）
#[utoipa::path(put, path = "/api/v1/staff/consultations/{id}/report", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = FeedbackInput,
    responses((status = 200, body = StaffReportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save_report(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FeedbackInput>,
) -> ApiResult<Json<StaffReportOut>> {
    let c = report::save(&state, &p, path_id(&id)?, &body).await?;
    Ok(Json(staff_report_out(&state, &c).await?))
}

/// 工作人员：采纳情况反馈的审核（submit、approve、reject）；终审通过即发布
#[utoipa::path(post, path = "/api/v1/staff/consultations/{id}/report/actions", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReviewActionBody,
    responses((status = 200, body = StaffReportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act_report(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewActionBody>,
) -> ApiResult<Json<StaffReportOut>> {
    let action = ReviewAction::parse(&body.action, &body.comment)?;
    let c = report::act(&state, &p, path_id(&id)?, &action).await?;
    Ok(Json(staff_report_out(&state, &c).await?))
}

/// 工作人员：本人可见单位登记的社会关切
#[utoipa::path(get, path = "/api/v1/staff/concerns", tag = "consultations", security(("bearer" = [])),
    responses((status = 200, body = Vec<ConcernOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn staff_concerns(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<Vec<ConcernOut>>> {
    let mut out = Vec::new();
    for c in concerns::staff_list(&state, &p).await? {
        out.push(concern_out(&state, c).await?);
    }
    Ok(Json(out))
}

/// 工作人员：登记社会关切
#[utoipa::path(post, path = "/api/v1/staff/concerns", tag = "consultations", security(("bearer" = [])), request_body = ConcernInput,
    responses((status = 201, body = ConcernOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_concern(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<ConcernInput>,
) -> ApiResult<(StatusCode, Json<ConcernOut>)> {
    let c = concerns::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(concern_out(&state, c).await?)))
}

/// 回应
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    /// 已发布的“回应关切”文件 id
    pub document_id: i64,
}

/// 工作人员：以已发布的“回应关切”文件回应社会关切，记录所用工作日
#[utoipa::path(post, path = "/api/v1/staff/concerns/{id}/response", tag = "consultations", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ResponseBody,
    responses((status = 200, body = ConcernOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn respond(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResponseBody>,
) -> ApiResult<Json<ConcernOut>> {
    let c = concerns::respond(&state, &p, path_id(&id)?, body.document_id).await?;
    Ok(Json(concern_out(&state, c).await?))
}

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get_one))
        .routes(routes!(submit, public_opinions))
        .routes(routes!(public_report))
        .routes(routes!(track))
        .routes(routes!(public_concerns))
        .routes(routes!(staff_list, create))
        .routes(routes!(staff_get, save))
        .routes(routes!(act))
        .routes(routes!(staff_opinions, enter))
        .routes(routes!(moderate))
        .routes(routes!(tag_opinion))
        .routes(routes!(split))
        .routes(routes!(groups))
        .routes(routes!(decide))
        .routes(routes!(merge))
        .routes(routes!(tag_group))
        .routes(routes!(forward))
        .routes(routes!(forwards))
        .routes(routes!(forward_act))
        .routes(routes!(staff_report, save_report))
        .routes(routes!(act_report))
        .routes(routes!(staff_concerns, create_concern))
        .routes(routes!(respond))
}
