//! 兑现统计: per policy, unit and district, the enterprises matched (the latest saved run
//! against the register), applied (快申快享 claims), paid (已兑现) and the amount paid, over the
//! policies of the units a member of staff sees.

use crate::{Context, Error, Principal};
use gongkai_domain::business_policy::district_name;
use gongkai_store::business_policy::redemption::Tally;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// 一行统计
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct StatRow {
    /// 政策 id、单位 id 或区县代码（未知区县为空）
    pub key: String,
    pub label: String,
    /// 匹配企业数（最近一次按企业名录测算）
    pub matched: i64,
    /// 申报数（快申快享）
    pub applied: i64,
    /// 已兑现企业数
    pub paid: i64,
    /// 已兑现金额（元）
    pub paid_yuan: i64,
}

impl StatRow {
    fn add(&mut self, t: &Tally) {
        self.matched += t.matched;
        self.applied += t.applied;
        self.paid += t.paid;
        self.paid_yuan += t.paid_yuan;
    }
}

/// 惠企政策兑现统计
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PolicyStats {
    pub total: StatRow,
    pub by_policy: Vec<StatRow>,
    pub by_unit: Vec<StatRow>,
    pub by_district: Vec<StatRow>,
}

/// A policy as the statistics name it.
pub struct Named {
    pub id: i64,
    pub unit_id: i64,
    pub title: String,
}

/// Adds the tallies of the policies in `policies` up by policy, unit and district; every policy
/// has a row (zeros included), units and districts only where something was counted. Rows are
/// in order of amount paid, then enterprises matched.
pub fn roll_up(tallies: &[Tally], policies: &[Named], unit_name: impl Fn(i64) -> String) -> PolicyStats {
    let mut by_policy: BTreeMap<i64, StatRow> = policies
        .iter()
        .map(|p| (p.id, StatRow { key: p.id.to_string(), label: p.title.clone(), ..Default::default() }))
        .collect();
    let unit_of: BTreeMap<i64, i64> = policies.iter().map(|p| (p.id, p.unit_id)).collect();
    let mut by_unit: BTreeMap<i64, StatRow> = BTreeMap::new();
    let mut by_district: BTreeMap<String, StatRow> = BTreeMap::new();
    let mut total = StatRow { label: "合计".into(), ..Default::default() };
    for t in tallies {
        let (Some(row), Some(unit)) = (by_policy.get_mut(&t.policy_id), unit_of.get(&t.policy_id)) else { continue };
        row.add(t);
        total.add(t);
        by_unit
            .entry(*unit)
            .or_insert_with(|| StatRow { key: unit.to_string(), label: unit_name(*unit), ..Default::default() })
            .add(t);
        let key = t.district.clone().unwrap_or_default();
        let label = if key.is_empty() { "未注明区县".to_string() } else { district_name(&key) };
        by_district.entry(key.clone()).or_insert_with(|| StatRow { key, label, ..Default::default() }).add(t);
    }
    let sorted = |rows: Vec<StatRow>| {
        let mut rows = rows;
        rows.sort_by(|a, b| b.paid_yuan.cmp(&a.paid_yuan).then(b.matched.cmp(&a.matched)).then(a.key.cmp(&b.key)));
        rows
    };
    PolicyStats {
        total,
        by_policy: sorted(by_policy.into_values().collect()),
        by_unit: sorted(by_unit.into_values().collect()),
        by_district: sorted(by_district.into_values().collect()),
    }
}

/// The figures over the policies `p` sees in the console.
pub async fn stats(cx: &Context, p: &Principal) -> Result<PolicyStats, Error> {
    let policies: Vec<Named> = super::staff_list(cx, p)
        .await?
        .into_iter()
        .map(|x| Named {
            id: x.id,
            unit_id: x.unit_id,
            title: x.live.as_ref().map_or(&x.draft.title, |l| &l.title).clone(),
        })
        .collect();
    let tallies = cx.store.policy_tallies().await?;
    let tree = cx.unit_tree().await?;
    Ok(roll_up(&tallies, &policies, |id| tree.get(id).map(|u| u.name.clone()).unwrap_or_else(|| id.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(policy_id: i64, district: Option<&str>, figures: [i64; 4]) -> Tally {
        Tally {
            policy_id,
            district: district.map(String::from),
            matched: figures[0],
            applied: figures[1],
            paid: figures[2],
            paid_yuan: figures[3],
        }
    }

    #[test]
    fn tallies_add_up_by_policy_unit_and_district() {
        let policies = [
            Named { id: 1, unit_id: 10, title: "甲".into() },
            Named { id: 2, unit_id: 10, title: "乙".into() },
            Named { id: 3, unit_id: 20, title: "丙".into() },
            Named { id: 4, unit_id: 20, title: "丁".into() },
        ];
        let tallies = [
            t(1, Some("370102"), [5, 0, 3, 300]),
            t(1, Some("370112"), [2, 0, 1, 100]),
            t(2, Some("370102"), [0, 4, 2, 50]),
            t(3, None, [7, 1, 0, 0]),
            // A policy the caller does not see is left out.
            t(9, Some("370102"), [100, 100, 100, 100_000]),
        ];
        let s = roll_up(&tallies, &policies, |u| format!("单位{u}"));
        assert_eq!((s.total.matched, s.total.applied, s.total.paid, s.total.paid_yuan), (14, 5, 6, 450));
        let keys = |rows: &[StatRow]| rows.iter().map(|r| (r.key.clone(), r.paid_yuan, r.matched)).collect::<Vec<_>>();
        assert_eq!(
            keys(&s.by_policy),
            [("1".into(), 400, 7), ("2".into(), 50, 0), ("3".into(), 0, 7), ("4".into(), 0, 0)]
        );
        assert_eq!(keys(&s.by_unit), [("10".into(), 450, 7), ("20".into(), 0, 7)]);
        assert_eq!(s.by_unit[0].label, "单位10");
        assert_eq!(keys(&s.by_district), [("370102".into(), 350, 5), ("370112".into(), 100, 2), ("".into(), 0, 7)]);
        assert_eq!(s.by_district[0].label, "历下区");
        assert_eq!(s.by_district[2].label, "未注明区县");
        let sum: i64 = s.by_district.iter().map(|r| r.applied).sum();
        assert_eq!(sum, s.total.applied);
    }
}
