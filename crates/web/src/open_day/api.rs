//! Open days as JSON: the public list, series and event; registration without an account (with
//! the challenge), looking a registration up and cancelling it by its code; and every staff
//! action (drafting and review, the roster, selection, check-in, the record, series).

use crate::app::AppState;
use crate::auth::{ApiStaff, ClientIp};
use crate::consultation::api::ReviewActionBody;
use crate::errors::{ApiResult, Problem};
use crate::forms::{ApiJson, ApiQuery, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_app::open_day::registrations::{self, Decision, Lookup};
use gongkai_app::open_day::{self, Live, ReviewAction, SeriesInput};
use gongkai_domain::open_day::EventPhase;
use gongkai_domain::open_day::input::{EventFields, EventInput, FormField, RegistrationInput};
use gongkai_domain::privacy::{mask_name, mask_phone};
use gongkai_domain::time::{format_instant, local_minute_at};
use gongkai_domain::validation::Invalid;
use gongkai_store::open_day::registrations::Registration;
use gongkai_store::open_day::{Counts, OpenDay, Series};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 报名情况
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsOut {
    /// 报名成功（含已签到）
    pub confirmed: u32,
    /// 候补
    pub waitlisted: u32,
    /// 待审核
    pub pending: u32,
    /// 已签到
    pub checked_in: u32,
}

pub(crate) fn counts_out(c: Counts) -> CountsOut {
    CountsOut { confirmed: c.holding, waitlisted: c.waiting, pending: c.pending, checked_in: c.attended }
}

/// 政府开放活动
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenDayOut {
    pub id: i64,
    pub unit_id: i64,
    pub unit_name: String,
    pub series_id: Option<i64>,
    /// visit / seminar / lecture / observe_meeting / online
    pub kind: String,
    pub kind_label: String,
    pub title: String,
    pub description: String,
    pub place: String,
    /// 北京时间 YYYY-MM-DD HH:MM
    pub starts_at: String,
    pub ends_at: String,
    pub registration_opens_at: String,
    pub registration_closes_at: String,
    pub capacity: u32,
    pub reserved: u32,
    /// 开放报名的名额（总名额减预留）
    pub open_seats: u32,
    /// 尚余名额（有人候补时为 0）
    pub free_seats: u32,
    /// first_come / selection
    pub approval: String,
    pub min_age: Option<u32>,
    pub max_age: Option<u32>,
    pub districts: Vec<String>,
    pub once_a_year: bool,
    pub fields: Vec<FormField>,
    /// announced / registration_open / registration_closed / ongoing / finished
    pub phase: String,
    pub phase_label: String,
    pub counts: CountsOut,
    /// 活动记录（纪要等）的文件 id
    pub record_document_id: Option<i64>,
    pub url: String,
}

fn event_out(
    id: i64,
    unit_id: i64,
    unit_name: String,
    f: &EventFields,
    phase: EventPhase,
    counts: Counts,
) -> OpenDayOut {
    let s = f.schedule;
    OpenDayOut {
        id,
        unit_id,
        unit_name,
        series_id: f.series_id,
        kind: f.kind.code().into(),
        kind_label: f.kind.label().into(),
        title: f.title.clone(),
        description: f.description.clone(),
        place: f.place.clone(),
        starts_at: local_minute_at(s.starts),
        ends_at: local_minute_at(s.ends),
        registration_opens_at: local_minute_at(s.registration_opens),
        registration_closes_at: local_minute_at(s.registration_closes),
        capacity: f.capacity,
        reserved: f.reserved,
        open_seats: f.seats().open(),
        free_seats: 0,
        approval: f.approval.code().into(),
        min_age: f.rules.min_age,
        max_age: f.rules.max_age,
        districts: f.rules.districts.clone(),
        once_a_year: f.rules.once_a_year,
        fields: f.fields.clone(),
        phase: phase.code().into(),
        phase_label: phase.label().into(),
        counts: counts_out(counts),
        record_document_id: None,
        url: format!("/open-days/{id}"),
    }
}

async fn unit_name(state: &AppState, unit_id: i64) -> ApiResult<String> {
    Ok(state.unit_tree().await?.get(unit_id).map(|u| u.name.clone()).unwrap_or_default())
}

pub(crate) async fn live_out(state: &AppState, l: &Live) -> ApiResult<OpenDayOut> {
    let mut out = event_out(l.id, l.unit_id, unit_name(state, l.unit_id).await?, &l.fields, l.phase, l.counts);
    out.free_seats = l.free();
    out.record_document_id = l.record_document_id;
    Ok(out)
}

/// 政府开放活动列表
#[derive(Debug, Serialize, ToSchema)]
pub struct OpenDayList {
    pub total: usize,
    pub items: Vec<OpenDayOut>,
}

fn phase_param(q: &crate::forms::Fields) -> Result<Option<EventPhase>, Invalid> {
    let mut errors = Invalid::default();
    let phase = q.code(
        &mut errors,
        "phase",
        "应为 announced、registration_open、registration_closed、ongoing 或 finished",
        |v| {
            [
                EventPhase::Announced,
                EventPhase::RegistrationOpen,
                EventPhase::RegistrationClosed,
                EventPhase::Ongoing,
                EventPhase::Finished,
            ]
            .into_iter()
            .find(|p| p.code() == v)
        },
    );
    errors.into_result(phase)
}

/// 政府开放活动（公开）：已发布的活动，最近开始的在前；可按状态、系列筛选
#[utoipa::path(get, path = "/api/v1/open-days", tag = "open_days",
    params(
        ("phase" = inline(Option<crate::api::schema::OpenDayPhaseCode>), Query),
        ("series" = Option<i64>, Query, description = "只看这一系列的活动"),
    ),
    responses((status = 200, body = OpenDayList), (status = 422, body = Problem)))]
pub async fn list(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<OpenDayList>> {
    let phase = phase_param(&q)?;
    let series = q.int("series", "系列活动")?;
    let mut items = Vec::new();
    for l in open_day::published_list(&state).await? {
        if phase.is_none_or(|p| l.phase == p) && series.is_none_or(|s| l.series_id == Some(s)) {
            items.push(live_out(&state, &l).await?);
        }
    }
    Ok(Json(OpenDayList { total: items.len(), items }))
}

/// 政府开放活动详情（公开）
#[utoipa::path(get, path = "/api/v1/open-days/{id}", tag = "open_days", params(("id" = i64, Path)),
    responses((status = 200, body = OpenDayOut), (status = 404, body = Problem)))]
pub async fn get_one(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<OpenDayOut>> {
    let l = open_day::published(&state, path_id(&id)?).await?;
    Ok(Json(live_out(&state, &l).await?))
}

/// 系列活动
#[derive(Debug, Serialize, ToSchema)]
pub struct SeriesOut {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
    pub summary: String,
    pub starts_on: String,
    pub ends_on: String,
    pub url: String,
}

pub(crate) fn series_out(s: Series) -> SeriesOut {
    SeriesOut {
        url: format!("/open-days/series/{}", s.id),
        id: s.id,
        unit_id: s.unit_id,
        title: s.title,
        summary: s.summary,
        starts_on: s.starts_on.to_string(),
        ends_on: s.ends_on.to_string(),
    }
}

/// 系列活动（公开）
#[utoipa::path(get, path = "/api/v1/open-days/series", tag = "open_days",
    responses((status = 200, body = Vec<SeriesOut>)))]
pub async fn series_list(State(state): State<AppState>) -> ApiResult<Json<Vec<SeriesOut>>> {
    Ok(Json(open_day::series_all(&state).await?.into_iter().map(series_out).collect()))
}

/// 报名回执
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationAckOut {
    /// 报名码（只显示这一次；凭它查询、取消和入场签到）
    pub code: String,
    /// pending（待审核）/ confirmed（报名成功）/ waitlisted（候补中）
    pub status: String,
    pub status_label: String,
    pub open_day_id: i64,
    /// 报名码二维码（SVG）
    pub qr_url: String,
    pub lookup_url: String,
}

/// 报名（无需账号；须先取得验证题，GET /api/v1/requests/challenge）
#[utoipa::path(post, path = "/api/v1/open-days/{id}/registrations", tag = "open_days", params(("id" = i64, Path)),
    request_body = RegistrationInput,
    responses((status = 201, body = RegistrationAckOut), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn register(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RegistrationInput>,
) -> ApiResult<(StatusCode, Json<RegistrationAckOut>)> {
    let ack = registrations::register(&state, path_id(&id)?, &body, &ip).await?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationAckOut {
            qr_url: format!("/open-days/qr/{}.svg", ack.code),
            code: ack.code,
            status: ack.registration.status.code().into(),
            status_label: ack.registration.status.label().into(),
            open_day_id: ack.registration.open_day_id,
            lookup_url: "/open-days/registration".into(),
        }),
    ))
}

/// 凭报名码查询或取消
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegistrationCodeBody {
    /// 报名码（8 位，大小写和连字符不限）
    #[serde(default)]
    pub code: String,
}

/// 给通知
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeOut {
    pub text: String,
    pub at: String,
}

/// 本人的报名（姓名、证件号和电话已遮盖）
#[derive(Debug, Serialize, ToSchema)]
pub struct MyRegistrationOut {
    pub status: String,
    pub status_label: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub received_at: String,
    pub checked_in_at: Option<String>,
    pub open_day: OpenDayOut,
    pub notices: Vec<NoticeOut>,
}

pub(crate) fn masked_id(id: &str) -> String {
    gongkai_domain::codes::CitizenId::parse(id).map(|c| c.masked()).unwrap_or_else(|_| "*".repeat(id.chars().count()))
}

async fn mine(state: &AppState, l: Lookup) -> ApiResult<Json<MyRegistrationOut>> {
    let r = l.registration;
    Ok(Json(MyRegistrationOut {
        status: r.status.code().into(),
        status_label: r.status.label().into(),
        name: mask_name(&r.name),
        id_number: masked_id(&r.id_number),
        phone: mask_phone(&r.phone),
        received_at: local_minute_at(r.received_at),
        checked_in_at: r.checked_in_at.map(local_minute_at),
        open_day: live_out(state, &l.event).await?,
        notices: l.notices.into_iter().map(|n| NoticeOut { text: n.text, at: local_minute_at(n.created_at) }).collect(),
    }))
}

/// 凭报名码查询报名（错误次数过多将暂时锁定本地址）
#[utoipa::path(post, path = "/api/v1/open-days/registrations/lookup", tag = "open_days", request_body = RegistrationCodeBody,
    responses((status = 200, body = MyRegistrationOut), (status = 404, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn lookup(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<RegistrationCodeBody>,
) -> ApiResult<Json<MyRegistrationOut>> {
    let l = registrations::lookup(&state, &body.code, &ip).await?;
    mine(&state, l).await
}

/// 凭报名码取消报名（名额自动递补给第一位候补者）
#[utoipa::path(post, path = "/api/v1/open-days/registrations/cancel", tag = "open_days", request_body = RegistrationCodeBody,
    responses((status = 200, body = MyRegistrationOut), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    ApiJson(body): ApiJson<RegistrationCodeBody>,
) -> ApiResult<Json<MyRegistrationOut>> {
    let l = registrations::cancel(&state, &body.code, &ip).await?;
    mine(&state, l).await
}

/// 工作人员看到的活动（含工作稿和审核状态）
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffOpenDayOut {
    pub id: i64,
    pub unit_id: i64,
    /// draft / in_review_first / in_review_second / in_review_final / published / withdrawn …
    pub status: String,
    pub status_label: String,
    /// 工作稿
    pub draft: OpenDayOut,
    pub published: bool,
    pub published_at: Option<String>,
    pub counts: CountsOut,
    pub record_document_id: Option<i64>,
}

async fn staff_out(state: &AppState, e: &OpenDay) -> ApiResult<StaffOpenDayOut> {
    let now = state.now();
    let phase = e.draft.schedule().phase_at(now);
    let mut draft = event_out(e.id, e.unit_id, unit_name(state, e.unit_id).await?, &e.draft, phase, e.counts);
    draft.record_document_id = e.record_document_id;
    Ok(StaffOpenDayOut {
        id: e.id,
        unit_id: e.unit_id,
        status: e.review.status.code().to_string(),
        status_label: e.review.status.label().into(),
        draft,
        published: e.live.is_some(),
        published_at: e.published_at.map(format_instant),
        counts: counts_out(e.counts),
        record_document_id: e.record_document_id,
    })
}

/// 工作人员：本人可见单位的政府开放活动（含未发布的）
#[utoipa::path(get, path = "/api/v1/staff/open-days", tag = "open_days", security(("bearer" = [])),
    responses((status = 200, body = Vec<StaffOpenDayOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn staff_list(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<Vec<StaffOpenDayOut>>> {
    let mut out = Vec::new();
    for e in open_day::staff_list(&state, &p).await? {
        out.push(staff_out(&state, &e).await?);
    }
    Ok(Json(out))
}

/// 工作人员：起草政府开放活动
#[utoipa::path(post, path = "/api/v1/staff/open-days", tag = "open_days", security(("bearer" = [])), request_body = EventInput,
    responses((status = 201, body = StaffOpenDayOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<EventInput>,
) -> ApiResult<(StatusCode, Json<StaffOpenDayOut>)> {
    let e = open_day::create(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(staff_out(&state, &e).await?)))
}

/// 工作人员：活动工作稿
#[utoipa::path(get, path = "/api/v1/staff/open-days/{id}", tag = "open_days", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = StaffOpenDayOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn staff_get(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<StaffOpenDayOut>> {
    let e = open_day::visible(&state, &p, path_id(&id)?).await?;
    Ok(Json(staff_out(&state, &e).await?))
}

/// 工作人员：保存活动工作稿（草稿时）
#[utoipa::path(put, path = "/api/v1/staff/open-days/{id}", tag = "open_days", security(("bearer" = [])), params(("id" = i64, Path)), request_body = EventInput,
    responses((status = 200, body = StaffOpenDayOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn save(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EventInput>,
) -> ApiResult<Json<StaffOpenDayOut>> {
    let e = open_day::update(&state, &p, path_id(&id)?, &body).await?;
    Ok(Json(staff_out(&state, &e).await?))
}

/// 工作人员：活动的审核流程（提交、通过、退回、修订、放弃修订、撤下）；终审通过即发布
#[utoipa::path(post, path = "/api/v1/staff/open-days/{id}/actions", tag = "open_days", security(("bearer" = [])), params(("id" = i64, Path)), request_body = ReviewActionBody,
    responses((status = 200, body = StaffOpenDayOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn act(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewActionBody>,
) -> ApiResult<Json<StaffOpenDayOut>> {
    let action = ReviewAction::parse(&body.action, &body.comment)?;
    let e = open_day::act(&state, &p, path_id(&id)?, &action).await?;
    Ok(Json(staff_out(&state, &e).await?))
}

/// 活动记录
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// 已发布的活动纪要等文件（本单位）
    pub document_id: i64,
}

/// 工作人员：关联活动记录（纪要、照片、参加单位和答复，作为文件经审核发布后关联）
#[utoipa::path(put, path = "/api/v1/staff/open-days/{id}/record", tag = "open_days", security(("bearer" = [])), params(("id" = i64, Path)), request_body = RecordBody,
    responses((status = 200, body = StaffOpenDayOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn record(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RecordBody>,
) -> ApiResult<Json<StaffOpenDayOut>> {
    let e = open_day::set_record(&state, &p, path_id(&id)?, body.document_id).await?;
    Ok(Json(staff_out(&state, &e).await?))
}

/// 报名（主办单位可见全部信息）
#[derive(Debug, Serialize, ToSchema)]
pub struct RegistrationOut {
    pub id: i64,
    pub open_day_id: i64,
    /// pending / confirmed / waitlisted / rejected / cancelled / checked_in
    pub status: String,
    pub status_label: String,
    pub name: String,
    pub id_number: String,
    pub phone: String,
    pub district: Option<String>,
    /// 活动自设栏目的回答
    pub answers: std::collections::BTreeMap<String, String>,
    pub received_at: String,
    pub decided_at: Option<String>,
    pub checked_in_at: Option<String>,
}

pub(crate) fn registration_out(r: Registration) -> RegistrationOut {
    RegistrationOut {
        id: r.id,
        open_day_id: r.open_day_id,
        status: r.status.code().into(),
        status_label: r.status.label().into(),
        name: r.name,
        id_number: r.id_number,
        phone: r.phone,
        district: r.district,
        answers: r.answers.into_iter().collect(),
        received_at: local_minute_at(r.received_at),
        decided_at: r.decided_at.map(local_minute_at),
        checked_in_at: r.checked_in_at.map(local_minute_at),
    }
}

/// 工作人员：活动的报名名单（按报名先后）
#[utoipa::path(get, path = "/api/v1/staff/open-days/{id}/registrations", tag = "open_days", security(("bearer" = [])), params(("id" = i64, Path)),
    responses((status = 200, body = Vec<RegistrationOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn roster(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<RegistrationOut>>> {
    let (_, list) = registrations::roster(&state, &p, path_id(&id)?).await?;
    Ok(Json(list.into_iter().map(registration_out).collect()))
}

/// 审核选取
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// approve（入选）或 reject（未入选）
    pub action: String,
}

/// 工作人员：审核选取报名人（审核选取方式的活动；入选不超过开放名额）
#[utoipa::path(post, path = "/api/v1/staff/open-day-registrations/{id}/decision", tag = "open_days", security(("bearer" = [])), params(("id" = i64, Path)), request_body = DecisionBody,
    responses((status = 200, body = RegistrationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> ApiResult<Json<RegistrationOut>> {
    let d = Decision::parse(&body.action)?;
    let r = registrations::decide(&state, &p, path_id(&id)?, d).await?;
    Ok(Json(registration_out(r)))
}

/// 入场签到（离线时排队的报名码可一并提交，不会重复计数）
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckInBody {
    /// 报名码，1 至 500 个
    pub codes: Vec<String>,
}

/// 一个报名码的签到结果
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInOut {
    pub code: String,
    /// admitted / already_in / unknown / other_event / no_seat
    pub outcome: String,
    pub message: String,
    /// 报名人姓名（遮盖）
    pub name: Option<String>,
    /// 是否计入签到人数
    pub counted: bool,
}

/// 签到结果和签到后的人数
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInsOut {
    pub results: Vec<CheckInOut>,
    pub counts: CountsOut,
}

pub(crate) fn check_in_out(r: registrations::CheckInResult) -> CheckInOut {
    use gongkai_domain::open_day::registration::CheckIn;
    let outcome = match r.outcome {
        CheckIn::Admitted => "admitted",
        CheckIn::AlreadyIn => "already_in",
        CheckIn::Unknown => "unknown",
        CheckIn::OtherEvent => "other_event",
        CheckIn::NoSeat(_) => "no_seat",
    };
    CheckInOut {
        code: r.code,
        outcome: outcome.into(),
        message: r.outcome.message(),
        name: r.name,
        counted: r.outcome.counts(),
    }
}

/// 工作人员：入场签到
#[utoipa::path(post, path = "/api/v1/staff/open-days/{id}/check-ins", tag = "open_days", security(("bearer" = [])), params(("id" = i64, Path)), request_body = CheckInBody,
    responses((status = 200, body = CheckInsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn check_in(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CheckInBody>,
) -> ApiResult<Json<CheckInsOut>> {
    let (results, counts) = registrations::check_in(&state, &p, path_id(&id)?, &body.codes).await?;
    Ok(Json(CheckInsOut { results: results.into_iter().map(check_in_out).collect(), counts: counts_out(counts) }))
}

/// 一个单位一年的政府开放活动情况（年度报告公众参与部分）
#[derive(Debug, Serialize, ToSchema)]
pub struct YearFiguresOut {
    pub unit_id: i64,
    pub unit_name: String,
    /// 当年开始的已发布活动数
    pub events: u64,
    /// 报名人次（不含已取消）
    pub registrations: u64,
    /// 签到参加人次
    pub attended: u64,
}

/// 工作人员：各单位某年的政府开放活动数、报名人次和参加人次（本人可见的单位）
#[utoipa::path(get, path = "/api/v1/staff/open-days/figures", tag = "open_days", security(("bearer" = [])),
    params(("year" = Option<i32>, Query, minimum = 2000, maximum = 2100, description = "年度，默认今年")),
    responses((status = 200, body = Vec<YearFiguresOut>), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn figures(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<Vec<YearFiguresOut>>> {
    let year = match q.int("year", "年度")? {
        None => chrono::Datelike::year(&state.today()),
        Some(y) if (2000..=2100).contains(&y) => i32::try_from(y).unwrap_or(2000),
        Some(_) => return Err(Invalid::one("year", "年度", "应为 2000 至 2100").into()),
    };
    Ok(Json(year_figures(&state, &p, year).await?))
}

/// The figures of a year for the units `p` may see.
pub(crate) async fn year_figures(
    state: &AppState,
    p: &gongkai_app::Principal,
    year: i32,
) -> ApiResult<Vec<YearFiguresOut>> {
    let tree = state.unit_tree().await?;
    Ok(open_day::year_figures(state, p, year)
        .await?
        .into_iter()
        .map(|(unit_id, f)| YearFiguresOut {
            unit_id,
            unit_name: tree.get(unit_id).map(|u| u.name.clone()).unwrap_or_default(),
            events: f.events,
            registrations: f.registrations,
            attended: f.attended,
        })
        .collect())
}

/// 工作人员：新建系列活动（如政府开放月）
#[utoipa::path(post, path = "/api/v1/staff/open-day-series", tag = "open_days", security(("bearer" = [])), request_body = SeriesInput,
    responses((status = 201, body = SeriesOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_series(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<SeriesInput>,
) -> ApiResult<(StatusCode, Json<SeriesOut>)> {
    let s = open_day::create_series(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(series_out(s))))
}

pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(series_list))
        .routes(routes!(get_one))
        .routes(routes!(register))
        .routes(routes!(lookup))
        .routes(routes!(cancel))
        .routes(routes!(staff_list, create))
        .routes(routes!(figures))
        .routes(routes!(staff_get, save))
        .routes(routes!(act))
        .routes(routes!(record))
        .routes(routes!(roster))
        .routes(routes!(decide))
        .routes(routes!(check_in))
        .routes(routes!(create_series))
}
