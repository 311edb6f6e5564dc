//! The published policies (惠企政策库) as the public reads them: kept in memory and read again
//! whenever any policy changed on any node (one small query per use tells), listed with
//! facets and searched.

use crate::{Context, Error};
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::business_policy::policy::PolicyFields;
use gongkai_domain::business_policy::{BenefitType, Level, Mode};
use gongkai_store::business_policy::Epoch;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A published policy.
#[derive(Debug, Clone)]
pub struct LivePolicy {
    pub id: i64,
    pub unit_id: i64,
    pub fields: PolicyFields,
    pub published_at: DateTime<Utc>,
    /// Text searched by `q`, lower-cased.
    haystack: String,
    /// What the filters and facets read of the rule, worked out once when the library is read:
    /// the industry codes it names, their sections (each once), the division codes it names
    /// and every district test (prefixes included).
    industries: Vec<String>,
    sections: Vec<String>,
    districts: Vec<String>,
    district_tests: Vec<String>,
    /// The start of the calculator's JSON for it, `{"policy_id":…,"title":…`, written once.
    pub(crate) json_head: Vec<u8>,
}

/// Every published policy, newest first.
#[derive(Debug, Default)]
pub struct Library {
    pub policies: Vec<LivePolicy>,
}

/// The cache of the library with the mark it was read at.
#[derive(Default)]
pub struct LibraryCache(tokio::sync::Mutex<Option<(Epoch, Arc<Library>)>>);

/// The library as it stands.
pub async fn library(cx: &Context) -> Result<Arc<Library>, Error> {
    let epoch = cx.store.policy_epoch().await?;
    let mut cached = cx.policies.0.lock().await;
    if let Some((at, lib)) = cached.as_ref()
        && *at == epoch
    {
        return Ok(lib.clone());
    }
    let policies = cx
        .store
        .policies_live()
        .await?
        .into_iter()
        .filter_map(|p| Some(LivePolicy::new(p.id, p.unit_id, p.published_at.unwrap_or(p.updated_at), p.live?)))
        .collect();
    let lib = Arc::new(Library { policies });
    *cached = Some((epoch, lib.clone()));
    Ok(lib)
}

/// A published policy by id.
pub async fn published(cx: &Context, id: i64) -> Result<LivePolicy, Error> {
    library(cx).await?.policies.iter().find(|p| p.id == id).cloned().ok_or(Error::NotFound)
}

/// Whether a policy is in force, for the validity facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    InForce,
    Expired,
}

impl Validity {
    pub fn code(self) -> &'static str {
        match self {
            Validity::InForce => "in_force",
            Validity::Expired => "expired",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Validity::InForce => "有效",
            Validity::Expired => "已失效",
        }
    }

    pub fn parse(s: &str) -> Option<Validity> {
        [Validity::InForce, Validity::Expired].into_iter().find(|v| v.code() == s.trim())
    }
}

/// What the public filters by; every part optional.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub q: String,
    pub level: Option<Level>,
    pub unit_id: Option<i64>,
    pub benefit_type: Option<BenefitType>,
    pub mode: Option<Mode>,
    /// An industry code or its start (a policy matches when one of the codes its rule names
    /// begins with it, or it with one of them).
    pub industry: Option<String>,
    /// A division code: the policies whose rule names it (or a prefix of it, such as the
    /// city's), not those open to every district.
    pub district: Option<String>,
    pub validity: Option<Validity>,
}

/// The counts of each value of each facet over the policies found.
#[derive(Debug, Clone, Default, serde::Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub level: BTreeMap<String, usize>,
    pub unit: BTreeMap<String, usize>,
    pub benefit_type: BTreeMap<String, usize>,
    pub mode: BTreeMap<String, usize>,
    /// By section letter of GB/T 4754-2017.
    pub industry: BTreeMap<String, usize>,
    pub district: BTreeMap<String, usize>,
    pub validity: BTreeMap<String, usize>,
}

impl LivePolicy {
    /// A published policy with what searching it needs worked out.
    pub fn new(id: i64, unit_id: i64, published_at: DateTime<Utc>, fields: PolicyFields) -> LivePolicy {
        let g = &fields.guide;
        let haystack = [&fields.title, &fields.summary, &fields.doc_no, &g.beneficiaries, &g.conditions]
            .iter()
            .map(|s| s.to_lowercase())
            .collect::<Vec<_>>()
            .join("\n");
        let industries = fields.industries();
        let mut sections: Vec<String> = industries.iter().filter_map(|c| c.get(..1).map(str::to_string)).collect();
        sections.sort();
        sections.dedup();
        let json_head =
            format!(r#"{{"policy_id":{id},"title":{}"#, serde_json::Value::from(fields.title.as_str())).into_bytes();
        LivePolicy {
            json_head,
            id,
            unit_id,
            published_at,
            districts: fields.districts(),
            district_tests: fields.district_tests(),
            industries,
            sections,
            fields,
            haystack,
        }
    }

    pub fn validity(&self, today: NaiveDate) -> Validity {
        if self.fields.in_force(today) { Validity::InForce } else { Validity::Expired }
    }

    fn matches(&self, f: &Filter, today: NaiveDate) -> bool {
        let p = &self.fields;
        let q = f.q.trim().to_lowercase();
        (q.is_empty() || q.split_whitespace().all(|word| self.haystack.contains(word)))
            && f.level.is_none_or(|l| p.level == l)
            && f.unit_id.is_none_or(|u| self.unit_id == u)
            && f.benefit_type.is_none_or(|b| p.benefit_type == b)
            && f.mode.is_none_or(|m| p.mode == m)
            && f.industry.as_deref().is_none_or(|i| {
                let i = i.trim().to_ascii_uppercase();
                self.industries.iter().any(|c| c.starts_with(&i) || i.starts_with(c.as_str()))
            })
            && f.district
                .as_deref()
                .is_none_or(|d| self.district_tests.iter().any(|c| d.trim().starts_with(c.as_str())))
            && f.validity.is_none_or(|v| self.validity(today) == v)
    }
}

/// The policies found, with the facets counted over them.
pub fn search<'a>(lib: &'a Library, f: &Filter, today: NaiveDate) -> (Vec<&'a LivePolicy>, Facets) {
    let found: Vec<&LivePolicy> = lib.policies.iter().filter(|p| p.matches(f, today)).collect();
    let mut facets = Facets::default();
    for p in &found {
        let fl = &p.fields;
        *facets.level.entry(fl.level.code().into()).or_default() += 1;
        *facets.unit.entry(p.unit_id.to_string()).or_default() += 1;
        *facets.benefit_type.entry(fl.benefit_type.code().into()).or_default() += 1;
        *facets.mode.entry(fl.mode.code().into()).or_default() += 1;
        for s in &p.sections {
            *facets.industry.entry(s.clone()).or_default() += 1;
        }
        for d in &p.districts {
            *facets.district.entry(d.clone()).or_default() += 1;
        }
        *facets.validity.entry(p.validity(today).code().into()).or_default() += 1;
    }
    (found, facets)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use gongkai_domain::business_policy::policy::{PolicyFields, PolicyInput};

    pub(crate) fn live(id: i64, rule: serde_json::Value) -> LivePolicy {
        let input = PolicyInput {
            title: format!("政策{id}"),
            level: "city".into(),
            benefit_type: "subsidy".into(),
            mode: "regular".into(),
            rule,
            ..Default::default()
        };
        LivePolicy::new(id, 1, Utc::now(), PolicyFields::parse(&input).unwrap())
    }

    #[test]
    fn facets_count_each_policy_once_per_value() {
        let lib = Library {
            policies: vec![
                live(
                    1,
                    serde_json::json!({"any": [
                        {"field": "industry", "op": "prefix", "value": ["C39", "I65"]},
                        {"field": "industry", "op": "prefix", "value": ["C34"]},
                        {"field": "district", "op": "in", "value": ["370102", "370112"]}
                    ]}),
                ),
                live(2, serde_json::json!({"field": "district", "op": "prefix", "value": ["3701"]})),
            ],
        };
        let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let (found, facets) = search(&lib, &Filter::default(), today);
        assert_eq!(found.len(), 2);
        assert_eq!(facets.industry.get("C"), Some(&1), "C39 and C34 are one section");
        assert_eq!(facets.industry.get("I"), Some(&1));
        assert_eq!(facets.district.get("370112"), Some(&1), "the city's prefix is not a district");
        // The city's prefix names every district; a policy naming others does not.
        let f = Filter { district: Some("370104".into()), ..Default::default() };
        assert_eq!(search(&lib, &f, today).0.iter().map(|p| p.id).collect::<Vec<_>>(), [2]);
        let f = Filter { industry: Some("C3911".into()), ..Default::default() };
        assert_eq!(search(&lib, &f, today).0.iter().map(|p| p.id).collect::<Vec<_>>(), [1]);
    }
}
