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
/// on one); call it off the async runtime (`tokio::task::spawn_blocking`).
pub fn match_profile(lib: &Library, profile: &EnterpriseProfile, as_of: NaiveDate) -> MatchResult {
    let facts = Facts::of(profile, as_of);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = lib.policies.len().div_ceil(cores).max(500);
    let mut out = MatchResult::default();
    let parts: Vec<MatchResult> = std::thread::scope(|scope| {
        let running: Vec<_> =
            lib.policies.chunks(chunk).map(|part| scope.spawn(|| match_part(part, &facts, as_of))).collect();
        running.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    for part in parts {
        out.eligible.extend(part.eligible);
        out.possible.extend(part.possible);
        out.ineligible.extend(part.ineligible);
    }
    out.eligible.sort_by(|a, b| {
        b.amount_yuan.unwrap_or(-1).cmp(&a.amount_yuan.unwrap_or(-1)).then(a.policy_id.cmp(&b.policy_id))
    });
    out.possible.sort_by(|a, b| a.unknown.len().cmp(&b.unknown.len()).then(a.policy_id.cmp(&b.policy_id)));
    out.ineligible.sort_by_key(|i| i.policy_id);
    out
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
