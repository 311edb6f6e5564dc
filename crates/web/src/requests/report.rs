//! The annual report (政府信息公开工作年度报告, art. 49–50) of a unit, or of a government
//! over every unit below it: table 二 from published 规章 and 行政规范性文件 plus the figures
//! staff enter, table 三 counted from the applications, table 四 from the review and lawsuit
//! records, and the text sections the unit writes. Served as JSON, HTML, XLSX and DOCX; a
//! unit's report is published as a document in its 政府信息公开年报 column, through the usual
//! review, and a report not published by its legal deadline is flagged.

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
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{Datelike, NaiveDate};
use gongkai_domain::annual_report::{
    self as ar, AnnualReport, IssuedRepealedInForce, ManualTable2, ManualTable2Input, ReviewKind, ReviewResult,
    Sections, SectionsInput, Table2, Table3, Table3Counts, Table4, layout,
};
use gongkai_domain::requests::{ApplicantType, Outcome};
use gongkai_domain::staff::Action;
use gongkai_domain::units::UnitKind;
use gongkai_domain::validation::Invalid;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Whose applications a report counts: the unit alone, or the unit and every unit below it
/// (a government's report over its departments, towns and streets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Unit,
    All,
}

impl Scope {
    fn parse(raw: &str) -> Result<Scope, Invalid> {
        match raw.trim() {
            "unit" => Ok(Scope::Unit),
            "all" => Ok(Scope::All),
            _ => Err(Invalid::one("scope", "统计范围", "应为 unit（本单位）或 all（含下级单位）")),
        }
    }
}

/// A report with what the pages and the API say about it.
pub struct Built {
    pub report: AnnualReport,
    pub unit_id: i64,
    pub units_counted: usize,
    pub deadline: NaiveDate,
    pub published_on: Option<NaiveDate>,
    pub document_id: Option<i64>,
    pub late: bool,
}

/// Builds the report from the store: one grouped count of applications, one of documents,
/// one of review cases, and the unit's own text and figures with its publication.
pub async fn build(state: &AppState, unit_id: i64, year: i32, scope: Scope) -> Result<Built, AppError> {
    let tree = state.unit_tree().await?;
    let unit = tree.get(unit_id).ok_or(AppError::NotFound)?;
    let unit_ids: Vec<i64> = match scope {
        Scope::Unit => vec![unit_id],
        Scope::All => tree.subtree(unit_id).iter().map(|u| u.id).collect(),
    };
    let raw = state.store.request_counts(&unit_ids, year).await?;
    let pairs = |v: &[(String, u64)]| -> Vec<(ApplicantType, u64)> {
        v.iter().filter_map(|(t, n)| ApplicantType::parse(t).map(|t| (t, *n))).collect()
    };
    let counts = Table3Counts {
        new: pairs(&raw.new),
        carried_over: pairs(&raw.carried_over),
        replied: raw
            .replied
            .iter()
            .filter_map(|(t, o, n)| Some((ApplicantType::parse(t)?, Outcome::parse(o)?, *n)))
            .collect(),
        carried_forward: pairs(&raw.carried_forward),
    };
    let table3 = Table3::from_counts(&counts);
    let reviews: Vec<(ReviewKind, ReviewResult, u64)> = state
        .store
        .review_counts(&unit_ids, year)
        .await?
        .iter()
        .filter_map(|(k, r, n)| Some((ReviewKind::parse(k)?, ReviewResult::parse(r)?, *n)))
        .collect();
    let table4 = Table4::from_counts(&reviews);
    let mut rules = IssuedRepealedInForce::default();
    let mut normative = IssuedRepealedInForce::default();
    for (genre, issued, repealed, in_force) in state.store.regulation_counts(&unit_ids, year).await? {
        let target = if genre == "regulation" { &mut rules } else { &mut normative };
        *target = IssuedRepealedInForce { issued, repealed, in_force };
    }
    let meta = state.store.annual_report_meta(unit_id, year).await?;
    let (sections, manual, document_id, published_on) = match &meta {
        Some(m) => (
            serde_json::from_str::<Sections>(&m.sections).unwrap_or_default(),
            serde_json::from_str::<ManualTable2>(&m.manual).unwrap_or_default(),
            m.document_id,
            // Published means the linked document is online, whatever the report row says.
            m.published_on.as_deref().and_then(gongkai_domain::time::parse_date),
        ),
        None => (Sections::default(), ManualTable2::default(), None, None),
    };
    let is_government = matches!(unit.kind, UnitKind::Government | UnitKind::Zone);
    let deadline = ar::report_deadline(year, is_government);
    Ok(Built {
        late: ar::is_late(deadline, published_on, super::today()),
        report: AnnualReport {
            unit_name: unit.name.clone(),
            year,
            sections,
            table2: Table2::new(rules, normative, manual),
            table3,
            table4,
        },
        unit_id,
        units_counted: unit_ids.len(),
        deadline,
        published_on,
        document_id,
    })
}

/// A cell of a report table as the template writes it: a heading (`th`, with its scope) or a
/// figure (`td`), and how many grid positions it spans.
struct GridCell {
    tag: &'static str,
    scope: &'static str,
    rows: usize,
    cols: usize,
    text: String,
}

/// A layout grid as the rows of an HTML table with merged headings; the labels are the
/// domain's fixed strings and the figures numbers, escaped all the same by the template.
struct GridView {
    caption: &'static str,
    rows: Vec<Vec<GridCell>>,
}

impl GridView {
    fn new(grid: &layout::Grid, caption: &'static str) -> GridView {
        let rows = (0..grid.rows)
            .map(|row| {
                let header = row < grid.header_rows;
                grid.cells
                    .iter()
                    .filter(|c| c.row == row)
                    .map(|cell| {
                        let (tag, scope, text) = match &cell.content {
                            layout::Content::Heading(t) => ("th", if header { "col" } else { "" }, t.to_string()),
                            layout::Content::Label(t) => ("th", "row", t.to_string()),
                            layout::Content::Count(n) => ("td", "", n.to_string()),
                            layout::Content::Amount(a) => ("td", "", a.clone()),
                        };
                        GridCell { tag, scope, rows: cell.rows, cols: cell.cols, text }
                    })
                    .collect()
            })
            .collect();
        GridView { caption, rows }
    }
}

/// The body of a report: the sections' titles, the paragraphs staff wrote and the tables.
#[derive(Template)]
#[template(path = "annual_report_body.html")]
struct ReportBodyTemplate<'a> {
    titles: &'static [&'static str; 6],
    overall: Vec<&'a str>,
    table2: GridView,
    table3: GridView,
    table3_note: &'static str,
    table4: GridView,
    problems: Vec<&'a str>,
    other: Vec<&'a str>,
}

/// The report as HTML: the published document's body and the report pages.
pub fn report_html(r: &AnnualReport) -> Result<String, askama::Error> {
    fn paragraphs(t: &str) -> Vec<&str> {
        t.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
    }
    let t = ReportBodyTemplate {
        titles: &ar::SECTION_TITLES,
        overall: paragraphs(&r.sections.overall),
        table2: GridView::new(&layout::table2(&r.table2), "表二"),
        table3: GridView::new(&layout::table3(&r.table3), "表三"),
        table3_note: ar::TABLE3_NOTE,
        table4: GridView::new(&layout::table4(&r.table4), "表四"),
        problems: paragraphs(&r.sections.problems),
        other: paragraphs(&r.sections.other),
    };
    t.render()
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
        let mut res = bytes.into_response();
        res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
        if let Ok(v) =
            HeaderValue::from_str(&crate::documents::files::content_disposition(&format!("{title}.{ext}"), false))
        {
            res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
        res
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

/// 年度报告中由单位填写的内容
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReportBody {
    /// 一、总体情况
    pub overall: String,
    /// 五、存在的主要问题及改进情况
    pub problems: String,
    /// 六、其他需要报告的事项
    pub other: String,
    /// 行政许可本年处理决定数量
    pub licensing: String,
    /// 行政处罚本年处理决定数量
    pub penalty: String,
    /// 行政强制本年处理决定数量
    pub enforcement: String,
    /// 行政事业性收费本年收费金额（万元）
    pub fees_wan_yuan: String,
}

pub async fn save(state: &AppState, p: &Principal, unit_id: i64, year: i32, b: &ReportBody) -> Result<(), AppError> {
    p.require_for_unit(state, Action::EditAnnualReport, unit_id).await?;
    let mut errors = Invalid::default();
    let sections = Sections::parse(&SectionsInput {
        overall: b.overall.clone(),
        problems: b.problems.clone(),
        other: b.other.clone(),
    })
    .map_err(|e| errors.0.extend(e.0))
    .ok();
    let manual = ManualTable2::parse(&ManualTable2Input {
        licensing: b.licensing.clone(),
        penalty: b.penalty.clone(),
        enforcement: b.enforcement.clone(),
        fees_wan_yuan: b.fees_wan_yuan.clone(),
    })
    .map_err(|e| errors.0.extend(e.0))
    .ok();
    let (Some(sections), Some(manual)) = (sections, manual) else { return Err(errors.into()) };
    let mut w = state.store.write(p.actor()).await?;
    w.annual_report_put(
        unit_id,
        year,
        &serde_json::to_string(&sections).map_err(AppError::internal)?,
        &serde_json::to_string(&manual).map_err(AppError::internal)?,
    )
    .await?;
    w.record(
        "annual_report.save",
        "annual_report",
        format!("{unit_id}/{year}"),
        Some(unit_id),
        format!("保存 {year} 年度报告"),
    );
    w.commit().await?;
    Ok(())
}

/// Drafts the report as a document in the unit's 年报 column (created if missing), with the
/// XLSX and DOCX attached; the draft then goes through the unit's review like any document.
pub async fn draft_document(state: &AppState, p: &Principal, unit_id: i64, year: i32) -> Result<i64, AppError> {
    p.require_for_unit(state, Action::EditAnnualReport, unit_id).await?;
    let built = build(state, unit_id, year, Scope::Unit).await?;
    built.report.check_publishable()?;
    if let Some(d) = built.document_id
        && state.store.document(d).await?.is_some_and(|doc| doc.withdrawal.is_none())
    {
        return Err(AppError::Conflict(Invalid::one(
            "document",
            "年度报告",
            format!("已生成稿件（信息编号 {d}），请在政府信息中修改或送审"),
        )));
    }
    let xlsx = gongkai_export::annual_report_xlsx::write(&built.report).map_err(AppError::internal)?;
    let docx =
        gongkai_export::annual_report_docx::write(&built.report).map_err(|e| AppError::internal(format!("{e:?}")))?;
    let column = state
        .store
        .columns(Some(unit_id))
        .await?
        .into_iter()
        .find(|c| c.kind == gongkai_domain::columns::ColumnKind::Reports)
        .map(|c| c.id);
    let title = built.report.title();
    let input = gongkai_domain::documents::DocumentInput {
        title: title.clone(),
        written_on: super::today().to_string(),
        topic: "general".into(),
        genre: "report".into(),
        keywords: "政府信息公开,年度报告".into(),
        disclosure_mode: "proactive".into(),
        body: report_html(&built.report)?,
        ..Default::default()
    };
    let publisher = state.unit_tree().await?.get(unit_id).map(|u| u.name.clone()).unwrap_or_default();
    let mut fields = gongkai_domain::documents::DocumentFields::parse(&input, &publisher)?;
    let saved = [(format!("{title}.xlsx"), xlsx), (format!("{title}.docx"), docx)];
    let mut shas = Vec::new();
    for (_, bytes) in &saved {
        shas.push(state.store.file_save(bytes).await?);
    }
    let mut w = state.store.write(p.actor()).await?;
    let column_id = match column {
        Some(c) => c,
        None => {
            let f = gongkai_domain::columns::ColumnFields {
                name: "政府信息公开年报".into(),
                description: "本单位政府信息公开工作年度报告".into(),
                kind: gongkai_domain::columns::ColumnKind::Reports,
            };
            w.column_create(unit_id, &f).await?
        }
    };
    fields.column_id = Some(column_id);
    let doc_id = w.document_create(unit_id, &fields, Some(p.user.id), None).await?;
    for ((name, bytes), sha) in saved.iter().zip(&shas) {
        let kind = gongkai_extract::detect(name, bytes).map_err(AppError::internal)?;
        w.attachment_add(
            doc_id,
            &gongkai_store::attachments::NewAttachment {
                name: name.clone(),
                kind,
                size: bytes.len() as i64,
                sha256: sha.clone(),
                text: String::new(),
                alt: String::new(),
                text_unavailable: false,
            },
        )
        .await?;
    }
    w.annual_report_document(unit_id, year, doc_id).await?;
    w.record(
        "annual_report.draft",
        "annual_report",
        format!("{unit_id}/{year}"),
        Some(unit_id),
        format!("生成 {year} 年度报告稿件（信息编号 {doc_id}）"),
    );
    w.commit().await?;
    Ok(doc_id)
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
    let tree = state.unit_tree().await?;
    let subtree = tree.subtree(p.user.unit_id);
    let listed: Vec<_> = subtree.iter().filter(|u| !u.is_closed()).take(200).collect();
    let ids: Vec<i64> = listed.iter().map(|u| u.id).collect();
    let published_on = state.store.annual_reports_published(&ids, year).await?;
    let mut statuses = Vec::new();
    for u in listed {
        let published = published_on.get(&u.id).and_then(|d| gongkai_domain::time::parse_date(d));
        let deadline = ar::report_deadline(year, matches!(u.kind, UnitKind::Government | UnitKind::Zone));
        statuses.push(UnitStatus {
            id: u.id,
            name: u.name.clone(),
            deadline: deadline.to_string(),
            published_on: published.map(|d| d.to_string()).unwrap_or_default(),
            late: ar::is_late(deadline, published, super::today()),
        });
    }
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
        units: subtree.iter().filter(|u| !u.is_closed()).map(|u| (u.id, u.name.clone())).collect(),
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
