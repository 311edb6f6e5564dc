//! Personal information in text about to be published: citizen ID numbers (with a valid check
//! character), mobile numbers and bank card numbers (passing Luhn), with their positions and a
//! mask. Scanning digit runs by hand is simpler and faster than a regular expression here,
//! because every candidate needs its checksum verified anyway.

use crate::codes::{CitizenId, luhn_valid};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    CitizenId,
    Mobile,
    BankCard,
}

impl FindingKind {
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::CitizenId => "公民身份号码",
            FindingKind::Mobile => "手机号码",
            FindingKind::BankCard => "银行卡号",
        }
    }
}

/// One piece of personal information; `start`/`end` count characters, not bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub start: usize,
    pub end: usize,
    pub text: String,
}

impl Finding {
    /// The finding with its middle hidden, as it may be published.
    pub fn masked(&self) -> String {
        let digits: Vec<char> = self.text.chars().collect();
        let (keep_head, keep_tail) = match self.kind {
            FindingKind::CitizenId => (6, 4),
            FindingKind::Mobile => (3, 4),
            FindingKind::BankCard => (6, 4),
        };
        digits
            .iter()
            .enumerate()
            .map(
                |(i, c)| {
                    if i < keep_head || i + keep_tail >= digits.len() || !c.is_ascii_alphanumeric() { *c } else { '*' }
                },
            )
            .collect()
    }
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

pub fn scan(text: &str) -> Vec<Finding> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_digit(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_digit(chars[i]) {
            i += 1;
        }
        let mut end = i;
        // A citizen ID may end in X.
        if end - start == 17
            && end < chars.len()
            && matches!(chars[end], 'X' | 'x')
            && !chars.get(end + 1).is_some_and(|c| c.is_ascii_alphanumeric())
        {
            end += 1;
        }
        // A run glued to letters (an order code, a hash) is not a person's number.
        let glued = start > 0 && chars[start - 1].is_ascii_alphabetic()
            || chars.get(end).is_some_and(|c| c.is_ascii_alphabetic());
        let run: String = chars[start..end].iter().collect();
        if !glued {
            let kind = match run.len() {
                18 if CitizenId::parse(&run).is_ok() => Some(FindingKind::CitizenId),
                11 if run.starts_with('1') && matches!(run.as_bytes()[1], b'3'..=b'9') => Some(FindingKind::Mobile),
                16..=19 if luhn_valid(&run) => Some(FindingKind::BankCard),
                _ => None,
            };
            if let Some(kind) = kind {
                found.push(Finding { kind, start, end, text: run });
            }
        }
        i = end;
    }
    found.extend(grouped_mobiles(&chars));
    found.sort_by_key(|f| f.start);
    found
}

/// Mobile numbers written in groups, `138-0013-8000` or `138 0013 8000`.
fn grouped_mobiles(chars: &[char]) -> Vec<Finding> {
    let mut out = Vec::new();
    if chars.len() < 13 {
        return out;
    }
    for start in 0..=chars.len() - 13 {
        let w = &chars[start..start + 13];
        let sep = w[3];
        let shape = matches!(sep, '-' | ' ')
            && w[8] == sep
            && w.iter().enumerate().all(|(k, c)| k == 3 || k == 8 || is_digit(*c))
            && w[0] == '1'
            && ('3'..='9').contains(&w[1]);
        let bounded = (start == 0 || !chars[start - 1].is_ascii_alphanumeric())
            && chars.get(start + 13).is_none_or(|c| !c.is_ascii_alphanumeric());
        if shape && bounded {
            out.push(Finding { kind: FindingKind::Mobile, start, end: start + 13, text: w.iter().collect() });
        }
    }
    out
}

/// The text with every finding masked.
pub fn mask_all(text: &str, findings: &[Finding]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for f in findings {
        let masked: Vec<char> = f.masked().chars().collect();
        if f.end <= chars.len() && masked.len() == f.end - f.start {
            chars.splice(f.start..f.end, masked);
        }
    }
    chars.into_iter().collect()
}

/// A phone number as shown beside a person's name to anyone but the staff handling it: the
/// first three and last four digits of a mobile number, the last four of anything else.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    let n = chars.len();
    match n {
        11.. => chars[..3].iter().chain(std::iter::repeat_n(&'*', n - 7)).chain(&chars[n - 4..]).collect(),
        5..=10 => std::iter::repeat_n('*', n - 4).chain(chars[n - 4..].iter().copied()).collect(),
        _ => "*".repeat(n.max(1)),
    }
}

/// A name as shown in public: its first character and a star for each other.
pub fn mask_name(name: &str) -> String {
    let mut chars = name.trim().chars();
    match chars.next() {
        None => String::new(),
        Some(first) => std::iter::once(first).chain(chars.map(|_| '*')).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_is_personal_and_only_that() {
        let text = "申请人张三，身份证号11010519491231002X，电话13800138000，卡号4111111111111111。文号济政发〔2021〕5号，统计数据123456789012345678，订单A13800138000。";
        let found = scan(text);
        let kinds: Vec<(FindingKind, &str)> = found.iter().map(|f| (f.kind, f.text.as_str())).collect();
        assert_eq!(
            kinds,
            vec![
                (FindingKind::CitizenId, "11010519491231002X"),
                (FindingKind::Mobile, "13800138000"),
                (FindingKind::BankCard, "4111111111111111"),
            ]
        );
        let id = &found[0];
        assert_eq!(
            text.chars().skip(id.start).take(id.end - id.start).collect::<String>(),
            id.text,
            "positions count characters"
        );
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(found[1].masked(), "138****8000");
        assert_eq!(found[2].masked(), "411111******1111");
        let masked = mask_all(text, &found);
        assert!(
            masked.contains("110105********002X")
                && masked.contains("138****8000")
                && !masked.contains("13800138000，")
        );
        assert!(scan(&masked).is_empty(), "masked text is clean");
    }

    #[test]
    fn table_of_cases() {
        let cases: &[(&str, Option<FindingKind>)] = &[
            ("11010519491231002X", Some(FindingKind::CitizenId)),
            ("110105194912310021", None),
            ("13912345678", Some(FindingKind::Mobile)),
            ("12912345678", None),
            ("139-1234-5678", Some(FindingKind::Mobile)),
            ("139 1234 5678", Some(FindingKind::Mobile)),
            ("139-1234 5678", None),
            ("0531-66608011", None),
            ("4111111111111112", None),
            ("6011000990139424", Some(FindingKind::BankCard)),
            ("913701007060000000", None),
            ("2024年10月30日", None),
            ("x13912345678", None),
        ];
        for (text, kind) in cases {
            let got = scan(text);
            assert_eq!(got.first().map(|f| f.kind), *kind, "{text}");
            assert!(got.len() <= 1, "{text}: {got:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_and_positions_are_in_bounds(s in "\\PC{0,80}") {
            let n = s.chars().count();
            for f in scan(&s) {
                proptest::prop_assert!(f.start < f.end && f.end <= n);
            }
            let _ = mask_all(&s, &scan(&s));
        }
    }

    #[test]
    fn phones_and_names_keep_only_what_identifies_nobody() {
        for (raw, want) in [
            ("13812345678", "138****5678"),
            ("0531-8612345", "053*****2345"),
            ("86123456", "****3456"),
            ("123", "***"),
            ("", "*"),
        ] {
            assert_eq!(mask_phone(raw), want, "{raw}");
        }
        assert_eq!(mask_name("欧阳明月"), "欧***");
        assert_eq!(mask_name("李"), "李");
        assert_eq!(mask_name("  "), "");
    }
}
