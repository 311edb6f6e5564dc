//! 图文直播 (`live_blog`): a live text-and-photo page of a meeting, an open day or a press
//! event. Staff post text, photos (with alt text) and quotes in order, edit them (the page says
//! so) or retract them (a notice remains). Citizens send questions without an account;
//! moderators publish, answer or hide them. Viewers follow over Server-Sent Events: every change
//! is an event with a sequence number, so a viewer that reconnects with `Last-Event-ID` gets
//! exactly what it missed.

pub mod input;

use serde::{Deserialize, Serialize};

code_list! {
    /// What a post carries.
    PostKind {
        Text = ("text", "文字"),
        Photo = ("photo", "图片"),
        Quote = ("quote", "引语"),
    }
}

code_list! {
    /// Where a post stands: shown, shown with a mark that it was changed, or replaced by a
    /// notice that it was withdrawn.
    PostState {
        Published = ("published", "已发布"),
        Edited = ("edited", "已修改"),
        Retracted = ("retracted", "已撤回"),
    }
}

code_list! {
    /// Why a question is not shown.
    HideReason {
        Spam = ("spam", "垃圾信息"),
        Abusive = ("abusive", "辱骂攻击"),
        OffTopic = ("off_topic", "与本次活动无关"),
        PersonalData = ("personal_data", "含个人信息"),
        Duplicate = ("duplicate", "重复提问"),
    }
}

code_list! {
    /// Where a citizen's question stands; only published and answered ones reach viewers.
    QuestionStatus {
        Pending = ("pending", "待审核"),
        Published = ("published", "已公开"),
        Answered = ("answered", "已回答"),
        Hidden = ("hidden", "不予公开"),
    }
}

code_list! {
    /// Where a broadcast stands: announced, on air, over (the page is then the archive).
    BlogStatus {
        Scheduled = ("scheduled", "即将开始"),
        Live = ("live", "直播中"),
        Ended = ("ended", "已结束"),
    }
}

code_list! {
    /// What a live page follows.
    SubjectKind {
        Meeting = ("meeting", "政府会议"),
        OpenDay = ("open_day", "政府开放活动"),
        Press = ("press", "新闻发布会"),
    }
}

/// The broadcast's status after staff start or end it, or why not: it starts once and ends once.
pub fn blog_next(status: BlogStatus, to: BlogStatus) -> Result<BlogStatus, &'static str> {
    match (status, to) {
        (BlogStatus::Scheduled, BlogStatus::Live) | (BlogStatus::Live, BlogStatus::Ended) => Ok(to),
        (BlogStatus::Scheduled, BlogStatus::Ended) => Err("直播尚未开始"),
        (BlogStatus::Ended, _) => Err("直播已结束"),
        (_, BlogStatus::Scheduled) => Err("直播已开始，不能改回即将开始"),
        (BlogStatus::Live, BlogStatus::Live) => Err("直播已在进行中"),
    }
}

/// What staff do to a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStep {
    Edit,
    Retract,
}

/// The post's state after `step`, or why not.
pub fn post_next(state: PostState, step: PostStep) -> Result<PostState, &'static str> {
    match (state, step) {
        (PostState::Retracted, _) => Err("该条已撤回"),
        (_, PostStep::Edit) => Ok(PostState::Edited),
        (_, PostStep::Retract) => Ok(PostState::Retracted),
    }
}

/// What moderators do to a question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    Publish,
    /// Publishes it with the answer beside it (an answered question may be answered again:
    /// the answer is corrected).
    Answer,
    Hide(HideReason),
}

/// The question's status after `step`, or why not.
pub fn moderate(status: QuestionStatus, step: Moderation) -> Result<QuestionStatus, &'static str> {
    use QuestionStatus::*;
    match (status, step) {
        (Pending, Moderation::Publish) => Ok(Published),
        (Published, Moderation::Publish) | (Answered, Moderation::Publish) => Err("已公开"),
        (Hidden, Moderation::Publish) => Ok(Published),
        (Pending | Published | Answered | Hidden, Moderation::Answer) => Ok(Answered),
        (Hidden, Moderation::Hide(_)) => Err("已不予公开"),
        (_, Moderation::Hide(_)) => Ok(Hidden),
    }
}

impl QuestionStatus {
    /// Whether viewers see it.
    pub fn shown(self) -> bool {
        matches!(self, QuestionStatus::Published | QuestionStatus::Answered)
    }
}

/// The sequence number a reconnecting viewer last saw, from its `Last-Event-ID` header (or the
/// `last_event_id` query of a page that reconnects by itself); none for a first connection or
/// anything that is not a plain number.
pub fn resume_after(last_event_id: Option<&str>) -> Option<u64> {
    let raw = last_event_id?.trim();
    if raw.is_empty() || raw.len() > 20 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_post_transition() {
        for &state in PostState::ALL {
            for step in [PostStep::Edit, PostStep::Retract] {
                let got = post_next(state, step);
                match (state, step) {
                    (PostState::Retracted, _) => assert!(got.is_err()),
                    (_, PostStep::Edit) => assert_eq!(got, Ok(PostState::Edited)),
                    (_, PostStep::Retract) => assert_eq!(got, Ok(PostState::Retracted)),
                }
            }
        }
    }

    #[test]
    fn every_question_transition() {
        use QuestionStatus::*;
        let hide = Moderation::Hide(HideReason::Abusive);
        let table = [
            (Pending, Moderation::Publish, Ok(Published)),
            (Pending, Moderation::Answer, Ok(Answered)),
            (Pending, hide, Ok(Hidden)),
            (Published, Moderation::Publish, Err(())),
            (Published, Moderation::Answer, Ok(Answered)),
            (Published, hide, Ok(Hidden)),
            (Answered, Moderation::Publish, Err(())),
            (Answered, Moderation::Answer, Ok(Answered)),
            (Answered, hide, Ok(Hidden)),
            (Hidden, Moderation::Publish, Ok(Published)),
            (Hidden, Moderation::Answer, Ok(Answered)),
            (Hidden, hide, Err(())),
        ];
        assert_eq!(table.len(), QuestionStatus::ALL.len() * 3, "every pair");
        for (from, step, want) in table {
            assert_eq!(moderate(from, step).map_err(|_| ()), want, "{from:?} {step:?}");
        }
        assert!(Published.shown() && Answered.shown() && !Pending.shown() && !Hidden.shown());
    }

    #[test]
    fn last_event_id_is_a_plain_number_or_nothing() {
        for (raw, want) in [
            (None, None),
            (Some(""), None),
            (Some(" 42 "), Some(42)),
            (Some("0"), Some(0)),
            (Some("-1"), None),
            (Some("4e2"), None),
            (Some("99999999999999999999999"), None),
            (Some("18446744073709551615"), Some(u64::MAX)),
        ] {
            assert_eq!(resume_after(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn a_broadcast_starts_once_and_ends_once() {
        use BlogStatus::*;
        for from in BlogStatus::ALL {
            for to in BlogStatus::ALL {
                let ok = matches!((from, to), (Scheduled, Live) | (Live, Ended));
                assert_eq!(blog_next(*from, *to).is_ok(), ok, "{from:?} -> {to:?}");
            }
        }
    }
}
