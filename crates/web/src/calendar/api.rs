//! The calendar API: public working-day questions and, for system administrators, editing.

use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::{ApiResult, AppError, Problem};
use crate::forms::ApiJson;
use crate::forms::ApiQuery;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_domain::validation::Invalid;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct YearOut {
    pub year: i32,
    /// 依据的通知文号
    pub notice: String,
    /// official（随程序发布）或 admin（管理员录入或修改）
    pub source: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayOut {
    pub date: String,
    /// holiday（放假）或 workday（调休上班）
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct YearDetail {
    pub year: i32,
    /// 是否已录入该年度安排；未录入时按周一至周五计算
    pub scheduled: bool,
    pub notice: Option<String>,
    pub days: Vec<DayOut>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleBody {
    /// 按通知逐条录入的安排，格式与管理后台相同，例如“年份 2027 国办发明电〔2026〕N号\n元旦 2027-01-01 放假”
    pub schedule: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayBody {
    #[schema(inline, value_type = crate::api::schema::DayKindCode)]
    pub kind: String,
    /// 节日名称，如“春节”
    #[schema(pattern = r"\S", max_length = 30)]
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkdayAnswer {
    pub date: String,
    pub workday: bool,
    /// 未录入节假日安排、按周一至周五推算的年份
    pub assumed_years: Vec<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddAnswer {
    pub from: String,
    pub days: u32,
    /// from 之后第 days 个工作日
    pub date: String,
    pub assumed_years: Vec<i32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BetweenAnswer {
    pub from: String,
    pub to: String,
    /// from（不含）至 to（含）之间的工作日数
    pub workdays: i64,
    pub assumed_years: Vec<i32>,
}

fn year_of(raw: &str) -> Result<i32, AppError> {
    super::parse_year(raw).map_err(|_| AppError::NotFound)
}

/// 已录入节假日安排的年度
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", responses((status = 200, body = Vec<YearOut>)))]
pub async fn list_years(State(state): State<AppState>) -> ApiResult<Json<Vec<YearOut>>> {
    let years = super::years(&state).await?;
    Ok(Json(
        years
            .into_iter()
            .map(|y| YearOut {
                year: y.year,
                notice: y.notice,
                source: y.source.code().to_string(),
                updated_at: gongkai_domain::time::format_instant(y.updated_at),
            })
            .collect(),
    ))
}

/// 某年度的放假和调休安排
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "calendar", params(("year" = i32, Path, minimum = 1990, maximum = 2200)),
    responses((status = 200, body = YearDetail), (status = 404, body = Problem)))]
pub async fn get_year(State(state): State<AppState>, Path(year): Path<String>) -> ApiResult<Json<YearDetail>> {
    let year = year_of(&year)?;
    let (notice, days) = super::year(&state, year).await?;
    Ok(Json(YearDetail {
        year,
        scheduled: notice.is_some(),
        notice,
        days: days
            .into_iter()
            .map(|d| DayOut { date: d.date.to_string(), kind: d.kind.as_str().into(), name: d.name })
            .collect(),
    }))
}

/// 录入或替换年度安排（系统管理员）
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "calendar", params(("year" = i32, Path, minimum = 1990, maximum = 2200)), request_body = ScheduleBody, security(("bearer" = [])),
    responses((status = 200, body = YearDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_year(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(year): Path<String>,
    ApiJson(body): ApiJson<ScheduleBody>,
) -> ApiResult<Json<YearDetail>> {
    let year_n = year_of(&year)?;
    let schedules = gongkai_domain::calendar::parse_schedules(&body.schedule)
        .map_err(|e| AppError::Invalid(Invalid::one("schedule", "节假日安排", e)))?;
    if schedules.len() != 1 || schedules[0].year != year_n {
        return Err(
            AppError::Invalid(Invalid::one("schedule", "节假日安排", format!("应只包含 {year_n} 年的安排"))).into()
        );
    }
    super::put_years(&state, &p, &body.schedule).await?;
    get_year(State(state), Path(year)).await
}

/// 删除年度安排（系统管理员）
#[utoipa::path(delete, path = "/api/v1/calendar/{year}", tag = "calendar", params(("year" = i32, Path, minimum = 1990, maximum = 2200)), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn delete_year(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(year): Path<String>,
) -> ApiResult<StatusCode> {
    if super::delete_year(&state, &p, year_of(&year)?).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound.into())
    }
}

/// 设置单个日期为放假或调休上班（系统管理员）
#[utoipa::path(put, path = "/api/v1/calendar/days/{date}", tag = "calendar", params(("date" = String, Path, format = Date, description = "YYYY-MM-DD")), request_body = DayBody, security(("bearer" = [])),
    responses((status = 200, body = DayOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_day(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(date): Path<String>,
    ApiJson(body): ApiJson<DayBody>,
) -> ApiResult<Json<DayOut>> {
    let day = super::set_day(&state, &p, &date, &body.kind, &body.name).await?;
    Ok(Json(DayOut { date: day.date.to_string(), kind: day.kind.as_str().into(), name: day.name }))
}

/// 取消单个日期的安排，恢复按周一至周五计算（系统管理员）
#[utoipa::path(delete, path = "/api/v1/calendar/days/{date}", tag = "calendar", params(("date" = String, Path, format = Date, description = "YYYY-MM-DD")), security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn clear_day(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(date): Path<String>,
) -> ApiResult<StatusCode> {
    if super::clear_day(&state, &p, &date).await? { Ok(StatusCode::NO_CONTENT) } else { Err(AppError::NotFound.into()) }
}

fn date_param(q: &crate::forms::Fields, name: &str) -> Result<chrono::NaiveDate, AppError> {
    super::parse_day(q.get(name), name).map_err(|mut e| {
        e.0[0].message = format!("参数 {name}：应为 YYYY-MM-DD 格式的有效日期");
        AppError::Invalid(e)
    })
}

/// 某日是否工作日
#[utoipa::path(get, path = "/api/v1/calendar/is-workday", tag = "calendar", params(("date" = String, Query, format = Date, description = "YYYY-MM-DD")),
    responses((status = 200, body = WorkdayAnswer), (status = 422, body = Problem)))]
pub async fn is_workday(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<WorkdayAnswer>> {
    let date = date_param(&q, "date")?;
    let answer = state.calendar().await?.is_workday(date);
    Ok(Json(WorkdayAnswer { date: date.to_string(), workday: answer.value, assumed_years: answer.assumed_years }))
}

/// 某日之后第 N 个工作日（当日为第 0 天，次日起算）
#[utoipa::path(get, path = "/api/v1/calendar/add-workdays", tag = "calendar",
    params(("from" = String, Query, format = Date, description = "YYYY-MM-DD"), ("days" = u32, Query, minimum = 0, maximum = 3650, description = "工作日数，0 至 3650")),
    responses((status = 200, body = AddAnswer), (status = 422, body = Problem)))]
pub async fn add_workdays(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<AddAnswer>> {
    let from = date_param(&q, "from")?;
    let days = q
        .get("days")
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|d| *d <= 3650)
        .ok_or_else(|| AppError::Invalid(Invalid::one("days", "参数 days", "应为 0 至 3650 之间的整数")))?;
    let answer = state.calendar().await?.add_workdays(from, days);
    Ok(Json(AddAnswer {
        from: from.to_string(),
        days,
        date: answer.value.to_string(),
        assumed_years: answer.assumed_years,
    }))
}

/// 两个日期之间的工作日数
#[utoipa::path(get, path = "/api/v1/calendar/workdays-between", tag = "calendar",
    params(("from" = String, Query, format = Date, description = "YYYY-MM-DD"), ("to" = String, Query, format = Date, description = "YYYY-MM-DD")),
    responses((status = 200, body = BetweenAnswer), (status = 422, body = Problem)))]
pub async fn workdays_between(State(state): State<AppState>, ApiQuery(q): ApiQuery) -> ApiResult<Json<BetweenAnswer>> {
    let from = date_param(&q, "from")?;
    let to = date_param(&q, "to")?;
    let answer = state.calendar().await?.workdays_between(from, to);
    Ok(Json(BetweenAnswer {
        from: from.to_string(),
        to: to.to_string(),
        workdays: answer.value,
        assumed_years: answer.assumed_years,
    }))
}

/// The holiday calendar's API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(list_years))
        .routes(routes!(get_year, put_year, delete_year))
        .routes(routes!(set_day, clear_day))
        .routes(routes!(is_workday))
        .routes(routes!(add_workdays))
        .routes(routes!(workdays_between))
}
