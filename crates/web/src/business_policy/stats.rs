//! 兑现统计 on the web: tables and server-drawn SVG charts per policy, unit and district, the
//! same as a workbook, and as JSON.

use crate::app::AppState;
use crate::auth::{ApiStaff, Staff};
use crate::charts::{Bar, bars};
use crate::console::console_page;
use crate::errors::{ApiResult, AppError, PageResult, Problem};
use crate::page::{Page, html};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use gongkai_app::business_policy::stats::{self, PolicyStats, StatRow};

pub fn console_routes() -> Router<AppState> {
    Router::new().route("/policies/stats", get(page)).route("/policies/stats.xlsx", get(workbook))
}

/// A table of the page with its chart.
struct Section {
    id: &'static str,
    heading: &'static str,
    first: &'static str,
    rows: Vec<StatRow>,
    chart: String,
}

#[derive(Template)]
#[template(path = "console/policy_stats.html")]
struct StatsTemplate {
    page: Page,
    total: StatRow,
    sections: Vec<Section>,
}

/// At most this many bars in a chart (the table has every row).
const CHART_BARS: usize = 12;

fn section(id: &'static str, heading: &'static str, first: &'static str, rows: Vec<StatRow>) -> Section {
    let data: Vec<Bar> =
        rows.iter().take(CHART_BARS).map(|r| Bar { label: r.label.clone(), value: r.paid_yuan }).collect();
    let chart = bars(id, &format!("{heading}：已兑现金额（前 {} 项）", data.len()), "元", &data);
    Section { id, heading, first, rows, chart }
}

async fn page(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    let s = stats::stats(&state, &p).await?;
    let page = console_page(&state, &headers, &p, "惠企政策兑现统计", "/admin/policies", "policies").await;
    let sections = vec![
        section("by-district", "按区县", "区县", s.by_district),
        section("by-unit", "按单位", "单位", s.by_unit),
        section("by-policy", "按政策", "政策", s.by_policy),
    ];
    Ok(html(&StatsTemplate { page, total: s.total, sections }))
}

const HEADERS: [&str; 6] = ["代码", "名称", "匹配企业数", "申报数", "已兑现企业数", "已兑现金额（元）"];

fn table(rows: &[StatRow]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            vec![
                r.key.clone(),
                r.label.clone(),
                r.matched.to_string(),
                r.applied.to_string(),
                r.paid.to_string(),
                r.paid_yuan.to_string(),
            ]
        })
        .collect()
}

async fn workbook(State(state): State<AppState>, Staff(p): Staff) -> Result<Response, AppError> {
    let s = stats::stats(&state, &p).await?;
    let (d, u, pol) = (table(&s.by_district), table(&s.by_unit), table(&s.by_policy));
    let total = table(std::slice::from_ref(&s.total));
    use gongkai_export::table_xlsx::{Sheet, write_sheets};
    let sheet = |name, rows| Sheet { name, headers: &HEADERS, rows, numbers_from: 2 };
    let bytes = write_sheets(&[sheet("按区县", &d), sheet("按单位", &u), sheet("按政策", &pol), sheet("合计", &total)])
        .map_err(AppError::internal)?;
    Ok(crate::documents::files::as_download(
        bytes,
        gongkai_store::attachments::FileKind::Xlsx.content_type(),
        &format!("惠企政策兑现统计-{}.xlsx", state.today()),
    ))
}

/// 惠企政策兑现统计：按政策、单位、区县的匹配企业数、申报数、已兑现企业数和金额
#[utoipa::path(get, path = "/api/v1/staff/policy-stats", tag = "policies", security(("bearer" = [])),
    responses((status = 200, body = PolicyStats), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn api_stats(State(state): State<AppState>, ApiStaff(p): ApiStaff) -> ApiResult<Json<PolicyStats>> {
    Ok(Json(stats::stats(&state, &p).await?))
}

pub fn api_routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    utoipa_axum::router::OpenApiRouter::new().routes(utoipa_axum::routes!(api_stats))
}
