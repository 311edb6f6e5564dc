//! Configurable word lists checked before publication: sensitive words (e.g. classification
//! markings that must never reach a public page) and wrong expressions (an outdated or wrong
//! form of an official title, with the right one). Matched in one pass with Aho–Corasick, so
//! long lists cost no more than short ones.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WordKind {
    Sensitive,
    Wrong,
}

impl WordKind {
    pub fn label(self) -> &'static str {
        match self {
            WordKind::Sensitive => "敏感词",
            WordKind::Wrong => "错误表述",
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            WordKind::Sensitive => "sensitive",
            WordKind::Wrong => "wrong",
        }
    }
    pub fn parse(s: &str) -> Option<WordKind> {
        [WordKind::Sensitive, WordKind::Wrong].into_iter().find(|k| k.code() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WordEntry {
    pub kind: WordKind,
    pub word: String,
    /// For wrong expressions: the right form.
    pub suggestion: String,
}

impl WordEntry {
    /// Validates what an administrator types: the kind (code or label), the word, and for a
    /// wrong expression the right form, which must differ from it.
    pub fn parse(kind: &str, word: &str, suggestion: &str) -> Result<WordEntry, crate::validation::Invalid> {
        use crate::validation::{Invalid, line};
        let mut errors = Invalid::default();
        let kind = [WordKind::Sensitive, WordKind::Wrong]
            .into_iter()
            .find(|k| k.code() == kind.trim() || k.label() == kind.trim());
        if kind.is_none() {
            errors.push("kind", "清单", "应为敏感词或错误表述");
        }
        let word = line(&mut errors, "word", "词语", word, true, 30);
        let suggestion = line(&mut errors, "suggestion", "正确表述", suggestion, false, 30);
        if kind == Some(WordKind::Wrong) && suggestion.is_empty() {
            errors.push("suggestion", "正确表述", "错误表述须给出正确的写法");
        }
        if !word.is_empty() && word == suggestion {
            errors.push("suggestion", "正确表述", "与错误表述相同");
        }
        let kind = kind.unwrap_or(WordKind::Sensitive);
        let suggestion = if kind == WordKind::Sensitive { String::new() } else { suggestion };
        errors.into_result(WordEntry { kind, word, suggestion })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WordHit {
    pub kind: WordKind,
    pub word: String,
    pub suggestion: String,
    /// Character positions in the text.
    pub start: usize,
    pub end: usize,
}

pub struct WordChecker {
    matcher: Option<AhoCorasick>,
    entries: Vec<WordEntry>,
}

impl WordChecker {
    pub fn new(entries: Vec<WordEntry>) -> WordChecker {
        let entries: Vec<WordEntry> = entries.into_iter().filter(|e| !e.word.trim().is_empty()).collect();
        // Longest match first, so "中华人民共和国国务院" is reported once, not also as "国务院".
        let matcher = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(entries.iter().map(|e| e.word.as_str()))
            .ok();
        WordChecker { matcher, entries }
    }

    pub fn check(&self, text: &str) -> Vec<WordHit> {
        let Some(m) = &self.matcher else { return Vec::new() };
        // Byte offsets to character offsets, counting as we go.
        let mut hits = Vec::new();
        let mut chars_before = 0usize;
        let mut byte_pos = 0usize;
        for found in m.find_iter(text) {
            chars_before += text[byte_pos..found.start()].chars().count();
            let len = text[found.start()..found.end()].chars().count();
            let e = &self.entries[found.pattern().as_usize()];
            hits.push(WordHit {
                kind: e.kind,
                word: e.word.clone(),
                suggestion: e.suggestion.clone(),
                start: chars_before,
                end: chars_before + len,
            });
            chars_before += len;
            byte_pos = found.end();
        }
        hits
    }
}

/// The lists a new installation starts with; administrators extend them.
pub fn default_entries() -> Vec<WordEntry> {
    let sensitive = ["绝密", "机密★", "秘密★", "内部资料", "内部文件", "注意保存", "仅供内部使用", "不得外传"];
    let wrong = [
        ("济南市政府办公室", "济南市人民政府办公厅"),
        ("市医保局局长", "市医疗保障局局长"),
        ("国务院办公室", "国务院办公厅"),
        ("中华人民共和国政府信息公开条例", "《中华人民共和国政府信息公开条例》"),
        ("身份证号码", "公民身份号码"),
    ];
    sensitive
        .iter()
        .map(|w| WordEntry { kind: WordKind::Sensitive, word: w.to_string(), suggestion: String::new() })
        .chain(wrong.iter().map(|(w, s)| WordEntry {
            kind: WordKind::Wrong,
            word: w.to_string(),
            suggestion: s.to_string(),
        }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_words_with_character_positions() {
        let checker = WordChecker::new(default_entries());
        let text = "本文件为内部资料。请联系济南市政府办公室。";
        let hits = checker.check(text);
        assert_eq!(hits.len(), 2);
        assert_eq!(
            (hits[0].kind, hits[0].word.as_str(), hits[0].start, hits[0].end),
            (WordKind::Sensitive, "内部资料", 4, 8)
        );
        assert_eq!(
            (hits[1].kind, hits[1].suggestion.as_str(), hits[1].start),
            (WordKind::Wrong, "济南市人民政府办公厅", 12)
        );
        assert!(checker.check("正常的文字").is_empty());
        assert!(WordChecker::new(vec![]).check("任何文字").is_empty());
    }

    #[test]
    fn longest_match_wins() {
        let checker = WordChecker::new(vec![
            WordEntry { kind: WordKind::Wrong, word: "国务院".into(), suggestion: "x".into() },
            WordEntry {
                kind: WordKind::Wrong, word: "国务院办公室".into(), suggestion: "国务院办公厅".into()
            },
        ]);
        let hits = checker.check("国务院办公室印发");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].word, "国务院办公室");
    }

    #[test]
    fn entries_typed_by_administrators() {
        let ok = WordEntry::parse("wrong", " 国务院总理 ", "国务院总理李强").unwrap();
        assert_eq!((ok.kind, ok.word.as_str()), (WordKind::Wrong, "国务院总理"));
        assert_eq!(WordEntry::parse("敏感词", "某词", "忽略").unwrap().suggestion, "");
        let cases: &[(&str, &str, &str, &str)] = &[
            ("x", "词", "", "kind"),
            ("sensitive", "", "", "word"),
            ("wrong", "错词", "", "suggestion"),
            ("wrong", "同一", "同一", "suggestion"),
            ("sensitive", &"长".repeat(31), "", "word"),
            ("sensitive", "两\n行", "", "word"),
        ];
        for (kind, word, suggestion, field) in cases {
            let e = WordEntry::parse(kind, word, suggestion).unwrap_err();
            assert!(e.message_for(field).is_some(), "{kind} {word:?}: {e}");
        }
    }
}
