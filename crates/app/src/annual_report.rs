//! The annual report (政府信息公开工作年度报告, art. 49–50) of a unit, or of a government
//! over every unit below it: table 二 from published 规章 and 行政规范性文件 plus the figures
//! staff enter, table 三 counted from the applications, table 四 from the review and lawsuit
//! records (行政复议 and 行政诉讼 about replies, kept by hand here, counted in the year they were
//! filed), and the text sections the unit writes. A unit's report is published as a document in
//! its 政府信息公开年报 column, through the usual review; one not published by its legal
//! deadline is late.

use crate::{Context, Error, Principal};
use chrono::NaiveDate;
use gongkai_domain::annual_report::{
    self as ar, AnnualReport, IssuedRepealedInForce, ManualTable2, ManualTable2Input, ReviewKind, ReviewResult,
    Sections, SectionsInput, Table2, Table3, Table3Counts, Table4,
};
use gongkai_domain::columns::{ColumnFields, ColumnKind};
use gongkai_domain::documents::{DocumentFields, DocumentInput, Genre};
use gongkai_domain::requests::ApplicantType;
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::units::UnitKind;
use gongkai_domain::validation::{Invalid, text};
use gongkai_store::attachments::NewAttachment;
use gongkai_store::requests::{ApplicantCount, ReviewCase};
use serde::Deserialize;
use utoipa::ToSchema;

/// Whose applications a report counts: the unit alone, or the unit and every unit below it
/// (a government's report over its departments, towns and streets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Unit,
    All,
}

impl Scope {
    pub fn parse(raw: &str) -> Result<Scope, Invalid> {
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
/// one of review cases, and the unit's own text and figures with its publication. Public: the
/// figures are what the law asks to publish; the portal shows them only once published.
pub async fn build(cx: &Context, unit_id: i64, year: i32, scope: Scope) -> Result<Built, Error> {
    let tree = cx.unit_tree().await?;
    let unit = tree.get(unit_id).ok_or(Error::NotFound)?;
    let unit_ids: Vec<i64> = match scope {
        Scope::Unit => vec![unit_id],
        Scope::All => tree.subtree(unit_id).iter().map(|u| u.id).collect(),
    };
    // The store refuses an unknown code: a row is never dropped from a legal report.
    let raw = cx.store.request_counts(&unit_ids, year).await?;
    let pairs =
        |v: &[ApplicantCount]| -> Vec<(ApplicantType, u64)> { v.iter().map(|c| (c.applicant_type, c.count)).collect() };
    let counts = Table3Counts {
        new: pairs(&raw.new),
        carried_over: pairs(&raw.carried_over),
        replied: raw.replied.iter().map(|c| (c.applicant_type, c.outcome, c.count)).collect(),
        carried_forward: pairs(&raw.carried_forward),
    };
    let table3 = Table3::from_counts(&counts);
    let reviews: Vec<(ReviewKind, ReviewResult, u64)> =
        cx.store.review_counts(&unit_ids, year).await?.iter().map(|c| (c.kind, c.result, c.count)).collect();
    let table4 = Table4::from_counts(&reviews);
    let mut rules = IssuedRepealedInForce::default();
    let mut normative = IssuedRepealedInForce::default();
    for c in cx.store.regulation_counts(&unit_ids, year).await? {
        let target = if c.genre == Genre::Regulation { &mut rules } else { &mut normative };
        *target = IssuedRepealedInForce { issued: c.issued, repealed: c.repealed, in_force: c.in_force };
    }
    let meta = cx.store.annual_report_meta(unit_id, year).await?;
    let (sections, manual, document_id, published_on) = match &meta {
        Some(m) => (
            serde_json::from_str::<Sections>(&m.sections).unwrap_or_default(),
            serde_json::from_str::<ManualTable2>(&m.manual).unwrap_or_default(),
            m.document_id,
            // Published means the linked document is online, whatever the report row says.
            m.published_on,
        ),
        None => (Sections::default(), ManualTable2::default(), None, None),
    };
    let is_government = matches!(unit.kind, UnitKind::Government | UnitKind::Zone);
    let deadline = ar::report_deadline(year, is_government);
    Ok(Built {
        late: ar::is_late(deadline, published_on, cx.today()),
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

/// Where a unit's report stands, for the console's list of the units below a government.
pub struct UnitStatus {
    pub id: i64,
    pub name: String,
    pub deadline: NaiveDate,
    pub published_on: Option<NaiveDate>,
    pub late: bool,
}

/// The open units in the caller's subtree (at most 200) with their report's deadline and
/// publication for `year`: one query for all of them.
pub async fn statuses(cx: &Context, p: &Principal, year: i32) -> Result<Vec<UnitStatus>, Error> {
    let tree = cx.unit_tree().await?;
    let listed: Vec<_> = tree.subtree(p.user.unit_id).into_iter().filter(|u| !u.is_closed()).take(200).collect();
    let ids: Vec<i64> = listed.iter().map(|u| u.id).collect();
    let published_on = cx.store.annual_reports_published(&ids, year).await?;
    let today = cx.today();
    Ok(listed
        .into_iter()
        .map(|u| {
            let published = published_on.get(&u.id).copied();
            let deadline = ar::report_deadline(year, matches!(u.kind, UnitKind::Government | UnitKind::Zone));
            UnitStatus {
                id: u.id,
                name: u.name.clone(),
                deadline,
                published_on: published,
                late: ar::is_late(deadline, published, today),
            }
        })
        .collect())
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

/// Saves the text sections and the figures of table 二 staff enter.
pub async fn save(cx: &Context, p: &Principal, unit_id: i64, year: i32, b: &ReportBody) -> Result<(), Error> {
    p.require_for_unit(cx, Action::EditAnnualReport, unit_id).await?;
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
    let mut w = cx.store.write(p.actor()).await?;
    w.annual_report_put(
        unit_id,
        year,
        &serde_json::to_string(&sections).map_err(Error::internal)?,
        &serde_json::to_string(&manual).map_err(Error::internal)?,
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
pub async fn draft_document(cx: &Context, p: &Principal, unit_id: i64, year: i32) -> Result<i64, Error> {
    p.require_for_unit(cx, Action::EditAnnualReport, unit_id).await?;
    let built = build(cx, unit_id, year, Scope::Unit).await?;
    built.report.check_publishable()?;
    if let Some(d) = built.document_id
        && cx.store.document(d).await?.is_some_and(|doc| doc.withdrawal.is_none())
    {
        return Err(Error::Conflict(Invalid::one(
            "document",
            "年度报告",
            format!("已生成稿件（信息编号 {d}），请在政府信息中修改或送审"),
        )));
    }
    let xlsx = gongkai_export::annual_report_xlsx::write(&built.report).map_err(Error::internal)?;
    let docx =
        gongkai_export::annual_report_docx::write(&built.report).map_err(|e| Error::internal(format!("{e:?}")))?;
    let body = gongkai_export::annual_report_html::write(&built.report).map_err(Error::internal)?;
    let column =
        cx.store.columns(Some(unit_id)).await?.into_iter().find(|c| c.kind == ColumnKind::Reports).map(|c| c.id);
    let title = built.report.title();
    let input = DocumentInput {
        title: title.clone(),
        written_on: cx.today().to_string(),
        topic: "general".into(),
        genre: "report".into(),
        keywords: "政府信息公开,年度报告".into(),
        disclosure_mode: "proactive".into(),
        body,
        ..Default::default()
    };
    let publisher = cx.unit_tree().await?.get(unit_id).map(|u| u.name.clone()).unwrap_or_default();
    let mut fields = DocumentFields::parse(&input, &publisher)?;
    let saved = [(format!("{title}.xlsx"), xlsx), (format!("{title}.docx"), docx)];
    let mut shas = Vec::new();
    for (_, bytes) in &saved {
        shas.push(cx.store.file_save(bytes).await?);
    }
    let mut w = cx.store.write(p.actor()).await?;
    let column_id = match column {
        Some(c) => c,
        None => {
            let f = ColumnFields {
                name: "政府信息公开年报".into(),
                description: "本单位政府信息公开工作年度报告".into(),
                kind: ColumnKind::Reports,
            };
            w.column_create(unit_id, &f).await?
        }
    };
    fields.column_id = Some(column_id);
    let doc_id = w.document_create(unit_id, &fields, Some(p.user.id), None).await?;
    for ((name, bytes), sha) in saved.iter().zip(&shas) {
        let kind = gongkai_extract::detect(name, bytes).map_err(Error::internal)?;
        w.attachment_add(
            doc_id,
            &NewAttachment {
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

/// 行政复议或行政诉讼
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewBody {
    /// 被申请复议或被诉的单位，默认本人所在单位
    pub unit_id: Option<i64>,
    /// 涉及的申请编号（可选）
    pub tracking_no: String,
    /// review（行政复议）、lawsuit_direct（未经复议直接起诉）、lawsuit_after_review（复议后起诉）
    #[schema(inline, value_type = crate::schema::ReviewKindCode)]
    pub kind: String,
    /// upheld（维持）、corrected（纠正）、other（其他结果）、pending（尚未审结）
    #[schema(inline, value_type = crate::schema::ReviewResultCode)]
    pub result: String,
    /// 申请复议或起诉日期 YYYY-MM-DD
    pub filed_on: String,
    /// 决定或判决日期（审结后填写）
    pub decided_on: String,
    /// 复议机关或人民法院
    pub authority: String,
    pub note: String,
}

async fn parse_review(cx: &Context, p: &Principal, b: &ReviewBody, id: i64) -> Result<ReviewCase, Error> {
    let mut e = Invalid::default();
    let unit_id = b.unit_id.unwrap_or(p.user.unit_id);
    let kind = ReviewKind::parse(&b.kind);
    if kind.is_none() {
        e.push(
            "kind",
            "类型",
            "应为 review（行政复议）、lawsuit_direct（未经复议直接起诉）或 lawsuit_after_review（复议后起诉）",
        );
    }
    let result = ReviewResult::parse(&b.result);
    if result.is_none() {
        e.push("result", "结果", "应为 upheld（维持）、corrected（纠正）、other（其他结果）或 pending（尚未审结）");
    }
    let today = cx.today();
    let date = |e: &mut Invalid, field: &str, label: &str, raw: &str, required: bool| -> Option<NaiveDate> {
        if raw.trim().is_empty() {
            if required {
                e.push(field, label, "请填写");
            }
            return None;
        }
        match gongkai_domain::time::parse_date(raw.trim()) {
            Some(d) if d <= today => Some(d),
            Some(_) => {
                e.push(field, label, "不能晚于今天");
                None
            }
            None => {
                e.push(field, label, "应为 YYYY-MM-DD 格式的有效日期");
                None
            }
        }
    };
    let filed_on = date(&mut e, "filed_on", "申请复议或起诉日期", &b.filed_on, true);
    let decided_on = date(&mut e, "decided_on", "审结日期", &b.decided_on, false);
    if let (Some(f), Some(d)) = (filed_on, decided_on)
        && d < f
    {
        e.push("decided_on", "审结日期", "不能早于申请复议或起诉日期");
    }
    if result == Some(ReviewResult::Pending) && decided_on.is_some() {
        e.push("result", "结果", "已填写审结日期的，结果不能为尚未审结");
    }
    let authority =
        gongkai_domain::validation::line(&mut e, "authority", "复议机关或人民法院", &b.authority, false, 100);
    let note = text(&mut e, "note", "备注", &b.note, false, 2000);
    let mut request_id = None;
    if !b.tracking_no.trim().is_empty() {
        match cx.store.request_by_tracking_no(b.tracking_no.trim()).await? {
            Some(r) if r.unit_id == unit_id => request_id = Some(r.id),
            _ => e.push("tracking_no", "申请编号", "不是该单位的申请"),
        }
    }
    let (Some(kind), Some(result), Some(filed_on)) = (kind, result, filed_on) else { return Err(e.into()) };
    e.into_result(())?;
    p.require_for_unit(cx, Action::HandleRequests, unit_id).await?;
    Ok(ReviewCase { id, unit_id, request_id, kind, result, filed_on, decided_on, authority, note })
}

pub async fn add_review(cx: &Context, p: &Principal, b: &ReviewBody) -> Result<ReviewCase, Error> {
    let mut c = parse_review(cx, p, b, 0).await?;
    let mut w = cx.store.write(p.actor()).await?;
    c.id = w.review_case_insert(&c).await?;
    w.record(
        "review_case.create",
        "review_case",
        c.id,
        Some(c.unit_id),
        format!("登记{}（{}）", c.kind.label(), c.filed_on),
    );
    w.commit().await?;
    Ok(c)
}

pub async fn update_review(cx: &Context, p: &Principal, id: i64, b: &ReviewBody) -> Result<ReviewCase, Error> {
    let old = cx.store.review_case(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::HandleRequests, old.unit_id).await?;
    let mut body_unit = ReviewBody { unit_id: Some(old.unit_id), ..Default::default() };
    body_unit.kind.clone_from(&b.kind);
    body_unit.result.clone_from(&b.result);
    body_unit.filed_on.clone_from(&b.filed_on);
    body_unit.decided_on.clone_from(&b.decided_on);
    body_unit.authority.clone_from(&b.authority);
    body_unit.note.clone_from(&b.note);
    body_unit.tracking_no.clone_from(&b.tracking_no);
    let c = parse_review(cx, p, &body_unit, id).await?;
    let mut w = cx.store.write(p.actor()).await?;
    w.review_case_update(&c).await?;
    w.record(
        "review_case.update",
        "review_case",
        id,
        Some(c.unit_id),
        format!("更新复议诉讼结果：{}", c.result.label()),
    );
    w.commit().await?;
    Ok(c)
}

/// The administrative review and litigation cases of the caller's unit and those below; of the
/// year (as given, checked here) the review was applied for or the suit filed, or all.
pub async fn review_cases(cx: &Context, p: &Principal, year: Option<&str>) -> Result<Vec<ReviewCase>, Error> {
    p.require(Action::ViewRequests, Reach::Subtree)?;
    let year = year.map(gongkai_domain::annual_report::parse_year).transpose()?;
    let tree = cx.unit_tree().await?;
    let ids: Vec<i64> = tree.subtree(p.user.unit_id).iter().map(|u| u.id).collect();
    Ok(cx.store.review_cases(&ids, year).await?)
}
