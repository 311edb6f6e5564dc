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
        .filter_map(|p| {
            let fields = p.live?;
            let g = &fields.guide;
            let haystack = [&fields.title, &fields.summary, &fields.doc_no, &g.beneficiaries, &g.conditions]
                .iter()
                .map(|s| s.to_lowercase())
                .collect::<Vec<_>>()
                .join("\n");
            Some(LivePolicy {
                id: p.id,
                unit_id: p.unit_id,
                published_at: p.published_at.unwrap_or(p.updated_at),
                fields,
                haystack,
            })
        })
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
                p.industries().iter().any(|c| c.starts_with(&i) || i.starts_with(c.as_str()))
            })
            && f.district.as_deref().is_none_or(|d| p.names_district(d.trim()))
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
        let mut sections: Vec<String> = fl.industries().iter().filter_map(|c| c.get(..1).map(str::to_string)).collect();
        sections.dedup();
        for s in sections {
            *facets.industry.entry(s).or_default() += 1;
        }
        for d in fl.districts() {
            *facets.district.entry(d).or_default() += 1;
        }
        *facets.validity.entry(p.validity(today).code().into()).or_default() += 1;
    }
    (found, facets)
}
