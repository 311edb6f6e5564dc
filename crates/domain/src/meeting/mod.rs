//! 政府常务会议公开 (`meeting`): a government's meetings made public. A meeting has a kind, a
//! number within its kind (第66次), a date and place, its agenda items, the seats of those who
//! attend and of citizens who observe (列席/旁听), and after the meeting the decision on each
//! agenda item, linked to the documents and interpretations published from it.

pub mod input;

use serde::{Deserialize, Serialize};

code_list! {
    /// What kind of meeting.
    MeetingKind {
        Executive = ("executive", "常务会议"),
        Plenary = ("plenary", "全体会议"),
        Thematic = ("thematic", "专题会议"),
    }
}

code_list! {
    /// Where a meeting stands: drafted, its notice published (decisions follow the meeting), or
    /// the notice withdrawn with a reason (a wrong notice, a meeting called off).
    MeetingStatus {
        Draft = ("draft", "草稿"),
        Announced = ("announced", "已发布预告"),
        Withdrawn = ("withdrawn", "预告已撤回"),
    }
}

/// What staff do to a meeting's notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStep {
    Announce,
    Withdraw,
}

/// Where a notice goes from `from` by `step`; `decided` says whether decisions of the meeting
/// are on record (a meeting that decided something stays public: its decisions are the record
/// of government). A withdrawn notice may be corrected and announced again.
pub fn notice_next(from: MeetingStatus, step: NoticeStep, decided: bool) -> Result<MeetingStatus, &'static str> {
    use MeetingStatus::{Announced, Draft, Withdrawn};
    match (from, step) {
        (Draft | Withdrawn, NoticeStep::Announce) => Ok(Announced),
        (Announced, NoticeStep::Announce) => Err("会议预告已发布"),
        (Announced, NoticeStep::Withdraw) if decided => Err("会议已记录决定，不能撤回预告"),
        (Announced, NoticeStep::Withdraw) => Ok(Withdrawn),
        (Draft | Withdrawn, NoticeStep::Withdraw) => Err("会议预告尚未发布，无需撤回"),
    }
}

/// The number of a meeting as people write it: "第66次", "66", "第六十六次" are all 66.
pub fn parse_number(raw: &str) -> Option<u32> {
    let s = raw.trim();
    let s = s.strip_prefix('第').unwrap_or(s);
    let s = s.strip_suffix('次').unwrap_or(s).trim();
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok().filter(|&n| n > 0);
    }
    chinese_number(s).filter(|&n| n > 0)
}

/// A number in Chinese numerals below ten thousand (六十六, 一百零三, 十二).
fn chinese_number(s: &str) -> Option<u32> {
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c).map(|d| d as u32);
    let (mut total, mut pending) = (0u32, None::<u32>);
    for c in s.chars() {
        let unit = match c {
            '十' => Some(10),
            '百' => Some(100),
            '千' => Some(1000),
            _ => None,
        };
        match (unit, digit(c)) {
            (Some(u), _) => {
                total += pending.take().unwrap_or(1) * u;
            }
            (None, Some(d)) => {
                if pending.is_some() && d != 0 {
                    return None;
                }
                pending = if d == 0 { pending } else { Some(d) };
            }
            (None, None) => return None,
        }
    }
    Some(total + pending.unwrap_or(0))
}

/// The title of a meeting: "槐荫区人民政府第66次常务会议".
pub fn title(government: &str, kind: MeetingKind, number: u32) -> String {
    format!("{government}第{number}次{}", kind.label())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_write_them() {
        for (raw, want) in [
            ("第66次", Some(66)),
            ("66", Some(66)),
            (" 第 66 次 ", Some(66)),
            ("第六十六次", Some(66)),
            ("十二", Some(12)),
            ("一百零三", Some(103)),
            ("第一千二百次", Some(1200)),
            ("第0次", None),
            ("", None),
            ("第次", None),
            ("六六", None),
            ("第66届", None),
        ] {
            assert_eq!(parse_number(raw), want, "{raw}");
        }
    }

    #[test]
    fn every_notice_step_from_every_status() {
        use MeetingStatus::{Announced, Draft, Withdrawn};
        use NoticeStep::{Announce, Withdraw};
        for (from, step, decided, want) in [
            (Draft, Announce, false, Ok(Announced)),
            (Withdrawn, Announce, false, Ok(Announced)),
            (Announced, Announce, false, Err("会议预告已发布")),
            (Announced, Withdraw, false, Ok(Withdrawn)),
            (Announced, Withdraw, true, Err("会议已记录决定，不能撤回预告")),
            (Draft, Withdraw, false, Err("会议预告尚未发布，无需撤回")),
            (Withdrawn, Withdraw, false, Err("会议预告尚未发布，无需撤回")),
        ] {
            assert_eq!(notice_next(from, step, decided), want, "{from:?} {step:?} decided={decided}");
        }
    }

    #[test]
    fn titles_read_as_published() {
        assert_eq!(title("槐荫区人民政府", MeetingKind::Executive, 66), "槐荫区人民政府第66次常务会议");
        assert_eq!(MeetingKind::parse("全体会议"), Some(MeetingKind::Plenary));
    }
}
