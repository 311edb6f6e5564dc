//! The figures of the adoption feedback (采纳情况反馈): the same numbers on the page, in the
//! workbook and in `GET /api/v1/consultations/{id}/report`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// 采纳情况：各办理结果的意见数
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ByDecision {
    pub adopted: u64,
    pub partly_adopted: u64,
    pub not_adopted: u64,
    pub answered: u64,
    /// 尚未办结
    pub open: u64,
}

/// 意见征集的统计：总数，按渠道、分类、区县和办理结果，以及相似意见归并后的组数
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportFigures {
    /// 收到的意见总数（不含不予公开的垃圾信息和重复提交）
    pub total: u64,
    /// 渠道代码 → 意见数
    pub by_channel: BTreeMap<String, u64>,
    /// 分类 → 意见数（未分类的计入“未分类”）
    pub by_topic: BTreeMap<String, u64>,
    /// 区划代码 → 意见数（未填的计入“unknown”）
    pub by_district: BTreeMap<String, u64>,
    pub by_decision: ByDecision,
    /// 归并后的意见组数
    pub groups: u64,
}

/// 采纳情况反馈（保存草稿时提交）
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = FeedbackBody)]
#[serde(deny_unknown_fields)]
pub struct FeedbackInput {
    /// 总体情况：征集和采纳情况的说明
    #[serde(default)]
    pub summary: String,
}

impl FeedbackInput {
    /// The checked input (the summary trimmed, at most 20,000 characters).
    pub fn checked(&self) -> Result<FeedbackInput, crate::validation::Invalid> {
        let mut e = crate::validation::Invalid::default();
        let summary = crate::validation::text(&mut e, "summary", "总体情况", &self.summary, true, 20_000);
        e.into_result(FeedbackInput { summary })
    }
}

/// One of the main opinions of the feedback: a group, what it said (the masked text of its
/// first opinion) and what was done with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MainOpinion {
    pub group_id: i64,
    /// 同类意见数
    pub size: u64,
    pub text: String,
    /// adopted、partly_adopted、not_adopted、answered
    pub decision: Option<String>,
    /// 采纳情况或未采纳的理由
    pub reason: String,
}

/// The published feedback: the summary, and the figures and main opinions as they stood when
/// it was published (they do not move afterwards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub summary: String,
    pub figures: ReportFigures,
    pub main: Vec<MainOpinion>,
}

/// The topic key of opinions without a topic, and the district key of those without one.
pub const NO_TOPIC: &str = "未分类";
pub const NO_DISTRICT: &str = "unknown";

/// Opinions alike in what the figures count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted<'a> {
    pub channel: &'a str,
    pub topic: Option<&'a str>,
    pub district: Option<&'a str>,
    /// The decision of their group (a code of [`super::Decision`]), none while open.
    pub decision: Option<&'a str>,
}

impl ReportFigures {
    /// The figures of counts of alike opinions (those that count: the caller leaves out spam
    /// and repeated submissions) in `groups` groups.
    pub fn of_counts<'a>(counts: impl IntoIterator<Item = (Counted<'a>, u64)>, groups: u64) -> ReportFigures {
        let mut f = ReportFigures { groups, ..Default::default() };
        for (o, n) in counts {
            f.total += n;
            *f.by_channel.entry(o.channel.to_string()).or_default() += n;
            *f.by_topic.entry(o.topic.unwrap_or(NO_TOPIC).to_string()).or_default() += n;
            *f.by_district.entry(o.district.unwrap_or(NO_DISTRICT).to_string()).or_default() += n;
            let d = &mut f.by_decision;
            *match o.decision {
                Some("adopted") => &mut d.adopted,
                Some("partly_adopted") => &mut d.partly_adopted,
                Some("not_adopted") => &mut d.not_adopted,
                Some("answered") => &mut d.answered,
                _ => &mut d.open,
            } += n;
        }
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_add_up() {
        let o = |channel, topic, district, decision, n| (Counted { channel, topic, district, decision }, n);
        let f = ReportFigures::of_counts(
            [
                o("portal", Some("教育"), Some("370102"), Some("adopted"), 1),
                o("portal", Some("教育"), None, Some("adopted"), 1),
                o("12345", None, Some("370102"), Some("not_adopted"), 1),
                o("newspaper", Some("交通出行"), Some("370112"), None, 1),
                o("letter", Some("交通出行"), Some("370112"), Some("partly_adopted"), 1),
                o("wechat", None, None, Some("answered"), 1),
            ],
            5,
        );
        assert_eq!(f.total, 6);
        assert_eq!(f.by_channel.values().sum::<u64>(), 6);
        assert_eq!(f.by_channel["portal"], 2);
        assert_eq!(f.by_topic[NO_TOPIC], 2);
        assert_eq!(f.by_district[NO_DISTRICT], 2);
        assert_eq!(f.by_district["370112"], 2);
        assert_eq!(f.by_decision, ByDecision { adopted: 2, partly_adopted: 1, not_adopted: 1, answered: 1, open: 1 });
        assert_eq!(f.groups, 5);
        let json = serde_json::to_value(&f).expect("serialises");
        for key in ["total", "by_channel", "by_topic", "by_district", "by_decision", "groups"] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }
}
