//! What the background check of a document's external links concludes from what the far
//! server answered. Only a page that is clearly gone blocks 终审: a server that cannot be
//! reached may be our own network's fault (intranets often filter outbound traffic), so it is
//! shown for a person to judge.

use serde::{Deserialize, Serialize};

code_list! {
    /// The state of one external link.
    LinkStatus {
        Pending = ("pending", "正在后台检查"),
        Ok = ("ok", "可以访问"),
        Broken = ("broken", "失效"),
        Unreachable = ("unreachable", "暂时无法访问，请人工确认"),
        Unchecked = ("unchecked", "未检查（本站未启用外部链接检查）"),
        /// The link points into a private network (or this server): not fetched, so that a
        /// document cannot make the server probe its own network; a person judges it.
        Refused = ("refused", "内部地址，未检查"),
    }
}

impl LinkStatus {
    /// Whether this link holds up 终审.
    pub fn blocks(self) -> bool {
        self == LinkStatus::Broken
    }
}

/// The verdict on an HTTP status code after redirects were followed.
pub fn verdict(code: u16) -> LinkStatus {
    match code {
        200..=399 => LinkStatus::Ok,
        // The page is there but refuses robots, HEAD or this rate: a person can still open it.
        401 | 403 | 405 | 429 => LinkStatus::Unreachable,
        400..=499 => LinkStatus::Broken,
        _ => LinkStatus::Unreachable,
    }
}

/// Whether a HEAD answer should be confirmed with GET: many servers answer HEAD wrongly.
pub fn retry_with_get(code: u16) -> bool {
    !(200..=399).contains(&code)
}

/// Results older than this are checked again the next time a report asks for them.
pub const RECHECK_AFTER_DAYS: i64 = 7;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts() {
        for (code, want) in [
            (200, LinkStatus::Ok),
            (204, LinkStatus::Ok),
            (304, LinkStatus::Ok),
            (400, LinkStatus::Broken),
            (401, LinkStatus::Unreachable),
            (403, LinkStatus::Unreachable),
            (404, LinkStatus::Broken),
            (405, LinkStatus::Unreachable),
            (410, LinkStatus::Broken),
            (429, LinkStatus::Unreachable),
            (500, LinkStatus::Unreachable),
            (503, LinkStatus::Unreachable),
            (100, LinkStatus::Unreachable),
        ] {
            assert_eq!(verdict(code), want, "{code}");
        }
    }

    #[test]
    fn only_broken_blocks_and_codes_round_trip() {
        for s in LinkStatus::ALL {
            assert_eq!(s.blocks(), *s == LinkStatus::Broken);
            assert_eq!(LinkStatus::parse(s.code()), Some(*s));
        }
        assert!(retry_with_get(405) && retry_with_get(404) && !retry_with_get(200) && !retry_with_get(301));
    }
}
