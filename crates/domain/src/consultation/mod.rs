//! 意见征集 (`consultation`, e.g. 开门写报告): a consultation collects opinions (`opinion`) on
//! guiding questions from every channel; similar opinions are grouped (`opinion_group`),
//! forwarded to the responsible units (`forward`), decided (采纳 / 部分采纳 / 未采纳 / 已答复)
//! and accounted for in the adoption feedback (`adoption_feedback`). Responses to public
//! concerns (回应关切, `concern` → `response`) live beside them.
//!
//! - [`input`]: a consultation's record and an opinion as submitted, with their checks;
//! - [`handling`]: the state machines of an opinion's moderation, a forward and a group's
//!   decision;
//! - [`grouping`]: near-duplicate opinions found by MinHash over character 3-shingles with an
//!   LSH index, never by comparing every pair;
//! - [`report`]: the figures of the adoption feedback;
//! - [`concern`]: public concerns and the responses to them.

pub mod concern;
pub mod grouping;
pub mod handling;
pub mod input;
pub mod report;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

code_list! {
    /// Where an opinion came from. The partner channels are fixed on the partner's account;
    /// letters and calls are entered by staff; `portal` is the public form.
    Channel {
        Portal = ("portal", "政府网站"),
        Hotline = ("12345", "12345热线"),
        Newspaper = ("newspaper", "报社"),
        RadioTv = ("radio_tv", "广播电视台"),
        Wechat = ("wechat", "微信"),
        Letter = ("letter", "来信"),
        Phone = ("phone", "来电"),
        Other = ("other", "其他"),
    }
}

impl Channel {
    /// The channels a partner account may be fixed to (they submit through the API).
    pub const PARTNER: [Channel; 5] =
        [Channel::Hotline, Channel::Newspaper, Channel::RadioTv, Channel::Wechat, Channel::Other];
    /// The channels staff enter by hand, with the date received.
    pub const STAFF: [Channel; 3] = [Channel::Letter, Channel::Phone, Channel::Other];
}

code_list! {
    /// Why an opinion is not shown.
    HideReason {
        Spam = ("spam", "垃圾信息"),
        Abusive = ("abusive", "含辱骂或不文明内容"),
        OffTopic = ("off_topic", "与征集主题无关"),
        PersonalData = ("personal_data", "含个人信息"),
        Duplicate = ("duplicate", "重复提交"),
    }
}

code_list! {
    /// How a group of opinions ends.
    Decision {
        Adopted = ("adopted", "采纳"),
        PartlyAdopted = ("partly_adopted", "部分采纳"),
        NotAdopted = ("not_adopted", "未采纳"),
        Answered = ("answered", "已答复"),
    }
}

impl Decision {
    /// 未采纳 must say why; the others may.
    pub fn needs_reason(self) -> bool {
        self == Decision::NotAdopted
    }
}

/// Where a published consultation stands in time. Opening and closing follow the clock
/// alone, so every node agrees without a job flipping a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Upcoming,
    Open,
    Closed,
}

impl Phase {
    pub fn at(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> Phase {
        if now < opens_at {
            Phase::Upcoming
        } else if now < closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Open => "open",
            Phase::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Upcoming => "即将开始",
            Phase::Open => "正在征集",
            Phase::Closed => "已结束",
        }
    }
}

/// A paragraph of the draft: its text and where it stands in the draft's text, in
/// characters (the unit of an opinion's `passage_at`), its end exclusive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

/// The draft's paragraphs (its non-blank lines), to show each with the opinions on it.
pub fn paragraphs(draft: &str) -> Vec<Paragraph<'_>> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in draft.split('\n') {
        let len = line.chars().count();
        if !line.trim().is_empty() {
            out.push(Paragraph { text: line.trim_end_matches('\r'), start: at, end: at + len });
        }
        at += len + 1;
    }
    out
}

/// The paragraph a passage starting at `at` (characters) begins in; a passage starting on a
/// line break belongs to the paragraph after it.
pub fn paragraph_at(paragraphs: &[Paragraph<'_>], at: usize) -> Option<usize> {
    let i = paragraphs.partition_point(|p| p.end <= at);
    (i < paragraphs.len()).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn passages_fall_in_the_paragraph_they_start_in() {
        let draft = "第一条 为了规范物业管理。\n\n第二条 本条例适用于本市。\r\n第三条 业主。";
        let ps = paragraphs(draft);
        assert_eq!(
            ps.iter().map(|p| p.text).collect::<Vec<_>>(),
            ["第一条 为了规范物业管理。", "第二条 本条例适用于本市。", "第三条 业主。"]
        );
        for (quote, want) in [("为了规范", 0), ("第二条", 1), ("适用于本市", 1), ("业主", 2)] {
            let byte = draft.find(quote).expect("quoted");
            let at = draft[..byte].chars().count();
            assert_eq!(paragraph_at(&ps, at), Some(want), "{quote}");
            let p = &ps[want];
            assert!(draft.chars().skip(p.start).take(p.end - p.start).collect::<String>().starts_with(p.text));
        }
        assert_eq!(paragraph_at(&ps, draft.chars().count() + 5), None);
        assert_eq!(paragraphs("").len(), 0);
    }

    #[test]
    fn phase_follows_the_clock() {
        let at = |h| Utc.with_ymd_and_hms(2026, 12, 6, h, 0, 0).single().expect("a valid time");
        let (opens, closes) = (at(8), at(16));
        for (now, want) in [(7, Phase::Upcoming), (8, Phase::Open), (15, Phase::Open), (16, Phase::Closed)] {
            assert_eq!(Phase::at(opens, closes, at(now)), want, "{now}:00");
        }
    }

    #[test]
    fn channels_read_by_code_and_label() {
        assert_eq!(Channel::parse("12345"), Some(Channel::Hotline));
        assert_eq!(Channel::parse("广播电视台"), Some(Channel::RadioTv));
        assert_eq!(Channel::from_code("广播电视台"), None);
        assert!(Channel::PARTNER.iter().all(|c| *c != Channel::Portal));
        assert!(Decision::NotAdopted.needs_reason() && !Decision::Answered.needs_reason());
    }
}
