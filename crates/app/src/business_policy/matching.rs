//! 政策计算器 (`policy_match`): an enterprise profile against every published policy that is in
//! force and taking applications on the day: eligible (with the reasons and the amount where
//! it can be computed), possible (with the fields that would decide it), ineligible (with the
//! tests failed).

use super::library::{Library, LivePolicy};
use chrono::NaiveDate;
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use gongkai_domain::business_policy::rule::{Facts, Reason, Truth};
use serde::Serialize;
use utoipa::ToSchema;

/// A policy the enterprise qualifies for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Eligible {
    pub policy_id: i64,
    pub title: String,
    /// 可享受的金额（元），能算出时给出
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_yuan: Option<i64>,
    /// 符合的条件
    #[schema(value_type = Vec<Object>)]
    pub why: Vec<Reason>,
}

/// A policy the enterprise may qualify for once it gives more.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Possible {
    pub policy_id: i64,
    pub title: String,
    /// 还需填写的企业画像字段
    pub unknown: Vec<String>,
    /// 还需填写的字段（中文）
    pub unknown_labels: Vec<String>,
}

/// A policy the enterprise does not qualify for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Ineligible {
    pub policy_id: i64,
    pub title: String,
    /// 不符合的条件：{field, op, value, actual, text}
    #[schema(value_type = Vec<Object>)]
    pub failed: Vec<Reason>,
}

/// 政策匹配结果
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct MatchResult {
    pub eligible: Vec<Eligible>,
    pub possible: Vec<Possible>,
    pub ineligible: Vec<Ineligible>,
}

/// Matches `profile` against the policies of `lib` open on `as_of`. The library is split over
/// the machine's cores (a city's 10,000 policies with their reasons take tens of milliseconds
/// on one); call it off the async runtime (`tokio::task::spawn_blocking`). Eligible policies
/// come by amount (largest first), possible ones by how little is missing, ineligible ones in
/// the library's order (newest first).
pub fn match_profile(lib: &Library, profile: &EnterpriseProfile, as_of: NaiveDate) -> MatchResult {
    let mut out = MatchResult::default();
    for part in in_parts(lib, profile, as_of, |part| part) {
        out.eligible.extend(part.eligible);
        out.possible.extend(part.possible);
        out.ineligible.extend(part.ineligible);
    }
    sort(&mut out);
    out
}

/// [`match_profile`] as the JSON of [`MatchResult`]: each part also serialises its ineligible
/// policies (nearly all of a large library, with their reasons) in its own thread, so only the
/// few eligible and possible ones are sorted and written at the end.
pub fn match_json(lib: &Library, profile: &EnterpriseProfile, as_of: NaiveDate) -> serde_json::Result<Vec<u8>> {
    let parts = in_parts(lib, profile, as_of, |mut part| {
        let ineligible = std::mem::take(&mut part.ineligible);
        let mut json = serde_json::to_vec(&ineligible);
        if let Ok(j) = &mut json {
            // The list's items without its brackets, to be joined with the other parts'.
            j.pop();
            j.remove(0);
        }
        (part, json)
    });
    let mut head = MatchResult::default();
    let mut tails = Vec::with_capacity(parts.len());
    for (part, json) in parts {
        head.eligible.extend(part.eligible);
        head.possible.extend(part.possible);
        tails.push(json?);
    }
    sort(&mut head);
    let mut out = Vec::with_capacity(tails.iter().map(Vec::len).sum::<usize>() + 4096);
    out.extend_from_slice(b"{\"eligible\":");
    serde_json::to_writer(&mut out, &head.eligible)?;
    out.extend_from_slice(b",\"possible\":");
    serde_json::to_writer(&mut out, &head.possible)?;
    out.extend_from_slice(b",\"ineligible\":[");
    for (i, t) in tails.iter().filter(|t| !t.is_empty()).enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(t);
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

/// The library matched in contiguous parts, one thread each, each part's result passed
/// through `then` in that thread; the parts come back in the library's order.
fn in_parts<T: Send>(
    lib: &Library,
    profile: &EnterpriseProfile,
    as_of: NaiveDate,
    then: impl Fn(MatchResult) -> T + Sync,
) -> Vec<T> {
    let facts = Facts::of(profile, as_of);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = lib.policies.len().div_ceil(cores).max(500);
    std::thread::scope(|scope| {
        let running: Vec<_> =
            lib.policies.chunks(chunk).map(|part| scope.spawn(|| then(match_part(part, &facts, as_of)))).collect();
        running.into_iter().filter_map(|h| h.join().ok()).collect()
    })
}

fn sort(out: &mut MatchResult) {
    out.eligible.sort_by(|a, b| {
        b.amount_yuan.unwrap_or(-1).cmp(&a.amount_yuan.unwrap_or(-1)).then(a.policy_id.cmp(&b.policy_id))
    });
    out.possible.sort_by(|a, b| a.unknown.len().cmp(&b.unknown.len()).then(a.policy_id.cmp(&b.policy_id)));
}

/// [`match_profile`] over the library as it stands, off the async runtime.
pub async fn run(
    cx: &crate::Context,
    profile: EnterpriseProfile,
    as_of: NaiveDate,
) -> Result<MatchResult, crate::Error> {
    let lib = super::library::library(cx).await?;
    tokio::task::spawn_blocking(move || match_profile(&lib, &profile, as_of)).await.map_err(crate::Error::internal)
}

fn match_part(policies: &[LivePolicy], facts: &Facts, as_of: NaiveDate) -> MatchResult {
    let mut out = MatchResult::default();
    for p in policies.iter().filter(|p| p.fields.open_on(as_of)) {
        let explained = p.fields.rule.explain(facts);
        let title = p.fields.title.clone();
        match explained.truth {
            Truth::True => out.eligible.push(Eligible {
                policy_id: p.id,
                title,
                amount_yuan: p.fields.amount.as_ref().and_then(|a| a.yuan(facts)),
                why: explained.reasons,
            }),
            Truth::Unknown => out.possible.push(Possible {
                policy_id: p.id,
                title,
                unknown: explained.unknown.iter().map(|f| f.code().to_string()).collect(),
                unknown_labels: explained.unknown.iter().map(|f| f.label().to_string()).collect(),
            }),
            Truth::False => out.ineligible.push(Ineligible { policy_id: p.id, title, failed: explained.reasons }),
        }
    }
    out
}
