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
    for (part, _) in in_parts(lib, profile, as_of, false) {
        out.eligible.extend(part.eligible);
        out.possible.extend(part.possible);
        out.ineligible.extend(part.ineligible);
    }
    sort(&mut out);
    out
}

/// [`match_profile`] as the JSON of [`MatchResult`]: each part writes its ineligible policies
/// (nearly all of a large library, with their reasons) straight as JSON in its own thread
/// ([`Rule::write_reasons`]), so only the few eligible and possible ones are built, sorted and
/// serialised at the end.
///
/// [`Rule::write_reasons`]: gongkai_domain::business_policy::rule::Rule::write_reasons
pub fn match_json(lib: &Library, profile: &EnterpriseProfile, as_of: NaiveDate) -> serde_json::Result<Vec<u8>> {
    let parts = in_parts(lib, profile, as_of, true);
    let mut head = MatchResult::default();
    let mut tails = Vec::with_capacity(parts.len());
    for (part, json) in parts {
        head.eligible.extend(part.eligible);
        head.possible.extend(part.possible);
        tails.push(json);
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

/// The library matched in contiguous parts, one thread each; the parts come back in the
/// library's order. `json`: each part's ineligible policies are written as the items of the
/// JSON list (beside an empty `ineligible`) rather than built.
fn in_parts(lib: &Library, profile: &EnterpriseProfile, as_of: NaiveDate, json: bool) -> Vec<(MatchResult, Vec<u8>)> {
    let facts = Facts::of(profile, as_of);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = lib.policies.len().div_ceil(cores).max(500);
    std::thread::scope(|scope| {
        let running: Vec<_> =
            lib.policies.chunks(chunk).map(|part| scope.spawn(|| match_part(part, &facts, as_of, json))).collect();
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

fn match_part(policies: &[LivePolicy], facts: &Facts, as_of: NaiveDate, json: bool) -> (MatchResult, Vec<u8>) {
    let mut out = MatchResult::default();
    let mut written = Vec::new();
    for p in policies.iter().filter(|p| p.fields.open_on(as_of)) {
        if json {
            let truth = p.fields.rule.eval(facts);
            if truth == Truth::False {
                if !written.is_empty() {
                    written.push(b',');
                }
                written.extend_from_slice(&p.json_head);
                written.extend_from_slice(br#","failed":"#);
                p.fields.rule.write_reasons(facts, truth, &mut written);
                written.push(b'}');
                continue;
            }
        }
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
    (out, written)
}

#[cfg(test)]
mod tests {
    use super::super::library::tests::live;
    use super::*;
    use serde_json::json;

    /// The JSON written straight is the result serialised, over a library split into parts,
    /// with titles that need escaping and tests under `not`.
    #[test]
    fn written_json_is_the_serialised_result() {
        let rules = [
            json!({"field": "employees", "op": ">=", "value": 50}),
            json!({"all": [{"field": "district", "op": "in", "value": ["370102", "370112"]},
                           {"not": {"field": "qualifications", "op": "contains", "value": "listed"}}]}),
            json!({"any": [{"field": "rd_ratio", "op": ">=", "value": 0.05},
                           {"field": "industry", "op": "prefix", "value": ["C39", "I65"]}]}),
            json!({"not": {"field": "export", "op": "==", "value": true}}),
            json!({"field": "revenue_wan", "op": "<", "value": 2000}),
        ];
        let policies: Vec<LivePolicy> = (0..1_200)
            .map(|i| {
                let mut fields = live(i, rules[i as usize % rules.len()].clone()).fields;
                fields.title = format!("政策“{i}”\\ \"引号\"\n");
                LivePolicy::new(i, 1, chrono::Utc::now(), fields)
            })
            .collect();
        let lib = Library { policies };
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let profile = EnterpriseProfile::from_json(
            &json!({"district": "370102", "employees": 30, "rd_ratio": 0.032, "qualifications": ["listed"],
                    "export": true, "industry": "C3911"}),
            today,
        )
        .unwrap();
        let built = match_profile(&lib, &profile, today);
        assert!(built.ineligible.len() > 500 && !built.eligible.is_empty() && !built.possible.is_empty());
        let written = match_json(&lib, &profile, today).unwrap();
        assert_eq!(String::from_utf8(written).unwrap(), serde_json::to_string(&built).unwrap());
    }
}
