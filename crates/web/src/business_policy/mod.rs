//! 惠企政策库 and 政策计算器: the public pages, the console and the API of
//! `gongkai_app::business_policy`.

pub mod api;
pub mod claims;
pub mod console;
pub mod portal;
pub mod redemption;
pub mod stats;
pub mod subscriptions;

use crate::forms::Fields;
use gongkai_app::business_policy::library::{Filter, LivePolicy, Validity};
use gongkai_domain::business_policy::{BenefitType, Level, Mode, district_name};
use gongkai_domain::validation::Invalid;

pub use gongkai_app::business_policy::*;

/// The public filter of a query string, with what in it was not understood (the API refuses
/// it, the pages ignore it).
pub fn public_filter(q: &Fields) -> (Filter, Invalid) {
    let mut errors = Invalid::default();
    let filter = Filter {
        q: q.get("q").chars().take(100).collect(),
        level: q.code(&mut errors, "level", "应为 national、provincial、city 或 district", Level::parse),
        unit_id: q.code(&mut errors, "unit", "应为整数", |v| v.trim().parse::<i64>().ok()),
        benefit_type: q.code(&mut errors, "benefit_type", "不是可选的扶持方式", BenefitType::parse),
        mode: q.code(&mut errors, "mode", "应为 exempt_apply、quick_apply 或 regular", Mode::parse),
        industry: q.code(
            &mut errors,
            "industry",
            "应为国民经济行业分类代码或其开头，如 C 或 I65",
            |v| {
                let v = v.trim().to_ascii_uppercase();
                gongkai_domain::business_policy::is_industry_code(&v).then_some(v)
            },
        ),
        district: q.code(&mut errors, "district", "应为 6 位行政区划代码", |v| {
            gongkai_domain::business_policy::is_division_code(v.trim()).then(|| v.trim().to_string())
        }),
        validity: q.code(&mut errors, "validity", "应为 in_force 或 expired", Validity::parse),
    };
    (filter, errors)
}

/// What a list shows of a published policy.
pub struct PolicyRow {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub level: &'static str,
    pub benefit: &'static str,
    pub mode: &'static str,
    pub exempt: bool,
    pub amount: String,
    pub window: String,
    pub in_force: bool,
}

pub fn row(tree: &gongkai_domain::units::UnitTree, p: &LivePolicy, today: chrono::NaiveDate) -> PolicyRow {
    let f = &p.fields;
    PolicyRow {
        id: p.id,
        title: f.title.clone(),
        unit: tree.get(p.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
        level: f.level.label(),
        benefit: f.benefit_type.label(),
        mode: f.mode.label(),
        exempt: f.mode == Mode::ExemptApply,
        amount: f.amount.as_ref().map(|a| a.words()).unwrap_or_default(),
        window: f.window_words(),
        in_force: f.in_force(today),
    }
}

/// Division codes with their names, for the district filter.
pub fn district_options() -> Vec<(String, String)> {
    gongkai_domain::business_policy::JINAN_DISTRICTS
        .iter()
        .skip(1)
        .map(|(c, _)| (c.to_string(), district_name(c)))
        .collect()
}
