//! The enterprise register (企业名录) and running a policy against it: staff import the register
//! as CSV or XLSX (a workbook is read in the extractor's child process), checked row by row
//! and written in one transaction, idempotent by credit code; a policy is then evaluated against
//! every enterprise with its reasons — the list a 免申即享 policy is redeemed from.

use crate::{Context, Error, Principal};
use gongkai_domain::business_policy::register::{self, Enterprise};
use gongkai_domain::business_policy::rule::{Facts, Reason, Truth};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::validation::Invalid;
use gongkai_store::business_policy::RegisterWrite;

/// Who keeps the register: the city-wide drafting of policies.
fn require(p: &Principal) -> Result<(), Error> {
    p.require(Action::DraftDocuments, Reach::Global)
}

/// How many enterprises the register holds.
pub async fn count(cx: &Context, p: &Principal) -> Result<i64, Error> {
    require(p)?;
    Ok(cx.store.enterprise_count().await?)
}

/// Imports a register file (`name` tells CSV from XLSX).
pub async fn import_file(cx: &Context, p: &Principal, name: &str, bytes: Vec<u8>) -> Result<RegisterWrite, Error> {
    require(p)?;
    let file_error = |m: String| Error::Invalid(Invalid::one("file", "名录文件", m));
    let rows = if name.to_lowercase().ends_with(".csv") {
        gongkai_export::register_table::rows_of_csv(&bytes).map_err(file_error)?
    } else {
        match cx.extractor.catalogue_cells(bytes).await {
            Ok(Ok(cells)) => gongkai_export::register_table::rows_of_cells(&cells),
            Ok(Err(message)) => return Err(file_error(message)),
            Err(e) => {
                tracing::warn!(error = %e, "register not read");
                return Err(file_error("文件无法读取（可能已损坏或过于庞大），请上传 CSV 或 XLSX".into()));
            }
        }
    };
    put(cx, p, &register::read(&rows, cx.today())?).await
}

/// Imports enterprises given as JSON profiles (each with `credit_code` and `name`); the errors
/// name the item (`enterprises[3].employees`).
pub async fn import_json(cx: &Context, p: &Principal, items: &[serde_json::Value]) -> Result<RegisterWrite, Error> {
    require(p)?;
    let list = register::read_json(items, cx.today())?;
    put(cx, p, &list).await
}

/// Writes checked enterprises (the imports and the demo come here).
pub async fn put(cx: &Context, p: &Principal, list: &[Enterprise]) -> Result<RegisterWrite, Error> {
    require(p)?;
    let mut w = cx.store.write(p.actor()).await?;
    let report = w.enterprises_put(list).await?;
    w.commit().await?;
    Ok(report)
}

/// An enterprise the policy applies to, with the reasons and the amount.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RegisterMatch {
    pub credit_code: String,
    pub name: String,
    /// 注册地（区县代码）
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<String>,
    /// 可享受的金额（元），能算出时给出
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_yuan: Option<i64>,
    #[schema(value_type = Vec<Object>)]
    pub why: Vec<Reason>,
    /// 可能符合时还缺的字段
    pub unknown: Vec<String>,
}

/// 按企业名录测算一项政策
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct RegisterRun {
    pub policy_id: i64,
    pub enterprises: usize,
    pub eligible: Vec<RegisterMatch>,
    pub possible: Vec<RegisterMatch>,
    /// 不符合的企业数
    pub ineligible: usize,
}

/// Runs the working copy of policy `id` against the whole register, on `cx.today()`.
pub async fn run(cx: &Context, p: &Principal, id: i64) -> Result<RegisterRun, Error> {
    let policy = super::visible(cx, p, id).await?;
    let enterprises = cx.store.enterprises().await?;
    let today = cx.today();
    let fields = policy.live.as_ref().unwrap_or(&policy.draft);
    let mut out = RegisterRun { policy_id: id, enterprises: enterprises.len(), ..Default::default() };
    for e in enterprises {
        let facts = Facts::of(&e.profile, today);
        let explained = fields.rule.explain(&facts);
        let row = |why: Vec<Reason>, unknown: Vec<String>| RegisterMatch {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            district: e.profile.district.clone(),
            amount_yuan: fields.amount.as_ref().and_then(|a| a.yuan(&facts)),
            why,
            unknown,
        };
        match explained.truth {
            Truth::True => out.eligible.push(row(explained.reasons, vec![])),
            Truth::Unknown => {
                out.possible.push(row(vec![], explained.unknown.iter().map(|f| f.code().to_string()).collect()))
            }
            Truth::False => out.ineligible += 1,
        }
    }
    Ok(out)
}
