//! The annual report's pages and API: served as JSON, HTML, XLSX and DOCX, edited in the
//! console, drafted as a document. Building, saving and drafting the report are
//! `gongkai_app::annual_report`; its HTML body is `gongkai_export::annual_report_html`.

use crate::app::AppState;
use crate::auth::{ApiStaff, Principal, Staff};
use crate::console::console_page;
use crate::errors::{ApiResult, AppError, PageResult, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, Fields, Form, FormView, Query, path_id};
use crate::page::{Page, html, html_form};
use askama::Template;
use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use gongkai_domain::annual_report::{self as ar, AnnualReport};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::Invalid;
use serde::Serialize;
use utoipa::ToSchema;

pub use gongkai_app::annual_report::{Built, ReportBody, Scope, build, draft_document, save};

/// The report as HTML: the published document's body and the report pages.
pub fn report_html(r: &AnnualReport) -> Result<String, AppError> {
    gongkai_export::annual_report_html::write(r).map_err(AppError::internal)
}

fn year_param(q: &Fields) -> Result<i32, AppError> {
    match q.opt("year") {
        Some(y) => Ok(ar::parse_year(y)?),
        // The report being written is last year's.
        None => Ok(super::today().year() - 1),
    }
}

/// 政府信息公开工作年度报告
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    pub unit_id: i64,
    pub year: i32,
    /// unit（本单位）或 all（含下级单位）
    pub scope: String,
    /// 统计的单位数
    pub units_counted: usize,
    /// 法定公开期限：部门为次年 1 月 31 日，政府为次年 3 月 31 日
    pub deadline: String,
    pub published_on: Option<String>,
    pub document_id: Option<i64>,
    /// 未按期公开
    pub late: bool,
    /// 表三各列是否满足“一 + 二 = 三（七）+ 四”
    pub balanced: bool,
    /// 报告正文（全国统一格式），各表的行列以代码为键
    #[schema(value_type = Object)]
    pub report: serde_json::Value,
}

fn report_response(b: &Built, scope: Scope, format: &str) -> Result<Response, AppError> {
    let title = b.report.title();
    let file = |bytes: Vec<u8>, ct: &'static str, ext: &str| -> Response {
        crate::documents::files::as_download(bytes, ct, &format!("{title}.{ext}"))
    };
    match format {
        "json" => Ok(Json(ReportOut {
            unit_id: b.unit_id,
            year: b.report.year,
            scope: if scope == Scope::All { "all" } else { "unit" }.into(),
            units_counted: b.units_counted,
            deadline: b.deadline.to_string(),
            published_on: b.published_on.map(|d| d.to_string()),
            document_id: b.document_id,
            late: b.late,
            balanced: b.report.table3.check_identity().is_ok(),
            report: serde_json::to_value(&b.report).map_err(AppError::internal)?,
        })
        .into_response()),
        "xlsx" => Ok(file(
            gongkai_export::annual_report_xlsx::write(&b.report).map_err(AppError::internal)?,
            gongkai_store::attachments::FileKind::Xlsx.content_type(),
            "xlsx",
        )),
        "docx" => Ok(file(
            gongkai_export::annual_report_docx::write(&b.report).map_err(|e| AppError::internal(format!("{e:?}")))?,
            gongkai_store::attachments::FileKind::Docx.content_type(),
            "docx",
        )),
        _ => Err(Invalid::one("format", "格式", "应为 json、xlsx 或 docx").into()),
    }
}

/// 单位的政府信息公开工作年度报告（JSON、XLSX 或 DOCX）
#[utoipa::path(get, path = "/api/v1/units/{id}/annual-report", tag = "reports",
    params(("id" = i64, Path), ("year" = Option<i32>, Query, minimum = 2008, maximum = 9999, description = "年度，默认上一年"),
        ("scope" = inline(Option<crate::api::schema::ScopeCode>), Query, description = "unit（本单位，默认）或 all（含全部下级单位）"),
        ("format" = inline(Option<crate::api::schema::ReportFormatCode>), Query, description = "json（默认）、xlsx 或 docx")),
    responses((status = 200, description = "年度报告：JSON，或 format 所要的 XLSX、DOCX 文件", content((ReportOut = "application/json"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery,
) -> Result<Response, crate::errors::ApiError> {
    let unit_id = path_id(&id)?;
    let year = year_param(&q)?;
    let scope = Scope::parse(q.opt("scope").unwrap_or("unit")).map_err(AppError::Invalid)?;
    let built = build(&state, unit_id, year, scope).await?;
    Ok(report_response(&built, scope, q.opt("format").unwrap_or("json"))?)
}

/// 保存年度报告的文字部分和表二中需填写的数据（单位管理员、依申请公开办理人员）
#[utoipa::path(put, path = "/api/v1/staff/annual-reports/{unit_id}/{year}", tag = "reports", security(("bearer" = [])),
    params(("unit_id" = i64, Path), ("year" = i32, Path, minimum = 2008, maximum = 9999)), request_body = ReportBody,
    responses((status = 200, body = ReportOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_report(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path((unit_id, year)): Path<(String, String)>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Response, crate::errors::ApiError> {
    let unit_id = path_id(&unit_id)?;
    let year = ar::parse_year(&year).map_err(AppError::Invalid)?;
    save(&state, &p, unit_id, year, &body).await?;
    let built = build(&state, unit_id, year, Scope::Unit).await?;
    Ok(report_response(&built, Scope::Unit, "json")?)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DraftOut {
    /// 生成的政府信息稿件编号，经审核后发布到本单位“政府信息公开年报”栏目
    pub document_id: i64,
}

/// 将年度报告生成为政府信息稿件（附 XLSX、DOCX），送审后发布
#[utoipa::path(post, path = "/api/v1/staff/annual-reports/{unit_id}/{year}/document", tag = "reports", security(("bearer" = [])),
    params(("unit_id" = i64, Path), ("year" = i32, Path, minimum = 2008, maximum = 9999)),
    responses((status = 201, body = DraftOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn post_document(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path((unit_id, year)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<DraftOut>)> {
    let unit_id = path_id(&unit_id)?;
    let year = ar::parse_year(&year).map_err(AppError::Invalid)?;
    let document_id = draft_document(&state, &p, unit_id, year).await?;
    Ok((StatusCode::CREATED, Json(DraftOut { document_id })))
}

// ----- pages -----

pub fn console_routes() -> Router<AppState> {
    Router::new()
        .route("/annual-reports", get(console_report).post(console_save))
        .route("/annual-reports/document", post(console_document))
        .merge(super::reviews::console_routes())
}

pub fn portal_routes() -> Router<AppState> {
    Router::new().route("/gongkai/annual-reports/{unit_id}/{year}", get(portal_report))
}

/// A unit in the deadline list: its report's status for the year.
pub struct UnitStatus {
    pub id: i64,
    pub name: String,
    pub deadline: String,
    pub published_on: String,
    pub late: bool,
}

#[derive(Template)]
#[template(path = "console/annual_report.html")]
struct ReportTemplate {
    page: Page,
    unit_id: i64,
    year: i32,
    all: bool,
    title: String,
    body: String,
    deadline: String,
    published_on: String,
    late: bool,
    document_id: Option<i64>,
    balanced: String,
    may_edit: bool,
    units: Vec<(i64, String)>,
    statuses: Vec<UnitStatus>,
    f: FormView,
}

async fn render_report(
    state: &AppState,
    headers: &HeaderMap,
    p: &Principal,
    q: &Fields,
    // The values the user sent with a form that failed, or `None` for what is saved.
    submitted: Option<Fields>,
    errors: Invalid,
) -> PageResult {
    let unit_id = match q.opt("unit_id").filter(|v| !v.is_empty()) {
        Some(v) => v.parse::<i64>().map_err(|_| AppError::NotFound)?,
        None => p.user.unit_id,
    };
    p.require_for_unit(state, Action::ViewRequests, unit_id).await?;
    let year = year_param(q)?;
    let all = q.get("scope") == "all";
    let built = build(state, unit_id, year, if all { Scope::All } else { Scope::Unit }).await?;
    let statuses = gongkai_app::annual_report::statuses(state, p, year)
        .await?
        .into_iter()
        .map(|u| UnitStatus {
            id: u.id,
            name: u.name,
            deadline: u.deadline.to_string(),
            published_on: u.published_on.map(|d| d.to_string()).unwrap_or_default(),
            late: u.late,
        })
        .collect::<Vec<_>>();
    let tree = state.unit_tree().await?;
    let units =
        tree.subtree(p.user.unit_id).iter().filter(|u| !u.is_closed()).map(|u| (u.id, u.name.clone())).collect();
    let m = built.report.table2.manual();
    let saved = || {
        FormView::from_pairs(&[
            ("overall", &built.report.sections.overall),
            ("problems", &built.report.sections.problems),
            ("other", &built.report.sections.other),
            ("licensing", &m.licensing.to_string()),
            ("penalty", &m.penalty.to_string()),
            ("enforcement", &m.enforcement.to_string()),
            ("fees_wan_yuan", &m.fees_wan_yuan),
        ])
        .values
    };
    let f = FormView::with_errors(submitted.unwrap_or_else(saved), errors);
    let failed = f.failed();
    let mut page = console_page(state, headers, p, "年度报告", "/admin/annual-reports", "requests").await;
    page.notice = match q.get("notice") {
        "report_saved" => "年度报告已保存。".into(),
        "report_drafted" => "已生成年度报告稿件，请在“政府信息”中送审发布。".into(),
        _ => String::new(),
    };
    let t = ReportTemplate {
        page,
        unit_id,
        year,
        all,
        title: built.report.title(),
        body: report_html(&built.report)?,
        deadline: built.deadline.to_string(),
        published_on: built.published_on.map(|d| d.to_string()).unwrap_or_default(),
        late: built.late,
        document_id: built.document_id,
        balanced: match built.report.table3.check_identity() {
            Ok(()) => String::new(),
            Err(e) => e.to_string(),
        },
        may_edit: gongkai_domain::staff::permits(p.roles(), Action::EditAnnualReport, p.reach(state, unit_id).await?),
        units,
        statuses,
        f,
    };
    Ok(html_form(&t, failed))
}

async fn console_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Query(q): Query,
) -> PageResult {
    render_report(&state, &headers, &p, &q, None, Invalid::default()).await
}

fn report_body(f: &Fields) -> ReportBody {
    ReportBody {
        overall: f.get("overall").into(),
        problems: f.get("problems").into(),
        other: f.get("other").into(),
        licensing: f.get("licensing").into(),
        penalty: f.get("penalty").into(),
        enforcement: f.get("enforcement").into(),
        fees_wan_yuan: f.get("fees_wan_yuan").into(),
    }
}

fn unit_year(f: &Fields) -> Result<(i64, i32), AppError> {
    Ok((path_id(f.get("unit_id"))?, ar::parse_year(f.get("year"))?))
}

async fn console_save(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    let (unit_id, year) = unit_year(&f)?;
    match save(&state, &p, unit_id, year, &report_body(&f)).await {
        Ok(()) => Ok(Redirect::to(&format!("/admin/annual-reports?unit_id={unit_id}&year={year}&notice=report_saved"))
            .into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            let q = Fields::parse(format!("unit_id={unit_id}&year={year}").as_bytes());
            render_report(&state, &headers, &p, &q, Some(f), e).await
        }
    }
}

async fn console_document(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Form(f): Form,
) -> PageResult {
    let (unit_id, year) = unit_year(&f)?;
    match draft_document(&state, &p, unit_id, year).await {
        Ok(doc) => Ok(Redirect::to(&format!("/admin/documents/{doc}")).into_response()),
        Err(e) => {
            let e = e.form_errors()?;
            let q = Fields::parse(format!("unit_id={unit_id}&year={year}").as_bytes());
            // Drafting failed on what is saved (a blank section, say): show it with the problems.
            render_report(&state, &headers, &p, &q, None, e).await
        }
    }
}

#[derive(Template)]
#[template(path = "portal/annual_report.html")]
struct PortalReportTemplate {
    page: Page,
    title: String,
    body: String,
    unit_id: i64,
    year: i32,
}

async fn portal_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((unit_id, year)): Path<(String, String)>,
) -> PageResult {
    let unit_id = path_id(&unit_id)?;
    let year = ar::parse_year(&year).map_err(|_| AppError::NotFound)?;
    let built = build(&state, unit_id, year, Scope::Unit).await?;
    // Until the unit publishes its report, the figures are a working draft, not the report.
    if built.published_on.is_none() {
        return Err(AppError::NotFound);
    }
    let title = built.report.title();
    let page =
        crate::portal::page(&state, &headers, &title, &format!("/gongkai/annual-reports/{unit_id}/{year}"), "gongkai")
            .crumb("政务公开", "/gongkai")
            .crumb("政府信息公开年报", "/gongkai/annual-reports");
    let tree = state.unit_tree().await?;
    let page = match tree.get(unit_id) {
        Some(u) => page.in_unit_gongkai(u.id, &u.name, "reports").crumb(&title, ""),
        None => page,
    };
    Ok(html(&PortalReportTemplate { page, body: report_html(&built.report)?, title, unit_id, year }))
}
