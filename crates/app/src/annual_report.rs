//! The annual report's records kept by hand: 行政复议 and 行政诉讼 about replies (table 四),
//! recorded with their result and updated when decided, counted in the year they were filed.

use crate::{Context, Error, Principal, today};
use chrono::NaiveDate;
use gongkai_domain::annual_report::{ReviewKind, ReviewResult};
use gongkai_domain::staff::Action;
use gongkai_domain::validation::{Invalid, text};
use gongkai_store::requests::ReviewCase;
use serde::Deserialize;
use utoipa::ToSchema;

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
    let today = today();
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
    Ok(ReviewCase {
        id,
        unit_id,
        request_id,
        kind: kind.code().into(),
        result: result.code().into(),
        filed_on,
        decided_on,
        authority,
        note,
    })
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
        format!("登记{}（{}）", ReviewKind::parse(&c.kind).map(|k| k.label()).unwrap_or_default(), c.filed_on),
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
        format!("更新复议诉讼结果：{}", ReviewResult::parse(&c.result).map(|r| r.label()).unwrap_or_default()),
    );
    w.commit().await?;
    Ok(c)
}
