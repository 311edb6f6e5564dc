//! Chinese text into index terms. Every run of Chinese characters gives its character bigrams
//! — so any two-character word (医保, 社保, 公积) is found wherever it stands, as in Lucene's
//! CJK analyser — and, for ranking, the longer words jieba finds with the platform's own
//! dictionary (unit and place names, terms). Latin letters and digits give lower-case words.

use jieba_rs::Jieba;
use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

pub const NAME: &str = "gongkai_zh";

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Full-width letters and digits as their ASCII forms, so ２０２１ matches 2021.
fn fold(c: char) -> char {
    let v = c as u32;
    if (0xFF01..=0xFF5E).contains(&v) { char::from_u32(v - 0xFEE0).unwrap_or(c) } else { c }
}

#[derive(Clone)]
pub struct ChineseTokenizer {
    jieba: Arc<Jieba>,
    tokens: Vec<Token>,
}

impl ChineseTokenizer {
    pub fn new(jieba: Arc<Jieba>) -> Self {
        ChineseTokenizer { jieba, tokens: Vec::new() }
    }
}

/// The pieces of a text: runs of Chinese characters and of letters/digits, with byte ranges.
pub(crate) fn runs(text: &str) -> Vec<(bool, usize, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(bool, usize)> = None;
    for (i, c) in text.char_indices() {
        let c = fold(c);
        let kind = if is_cjk(c) {
            Some(true)
        } else if is_word_char(c) {
            Some(false)
        } else {
            None
        };
        match current {
            Some((k, _)) if Some(k) == kind => {}
            Some((k, start)) => {
                out.push((k, start, i));
                current = kind.map(|n| (n, i));
            }
            None => current = kind.map(|n| (n, i)),
        }
    }
    if let Some((k, start)) = current {
        out.push((k, start, text.len()));
    }
    out
}

/// Terms of one run of Chinese characters: bigrams (or the single character).
pub(crate) fn bigrams(run: &str, base: usize, mut push: impl FnMut(String, usize, usize)) {
    let chars: Vec<(usize, char)> = run.char_indices().collect();
    if chars.len() == 1 {
        push(run.to_string(), base, base + run.len());
        return;
    }
    for w in chars.windows(2) {
        let end = w[1].0 + w[1].1.len_utf8();
        push(run[w[0].0..end].to_string(), base + w[0].0, base + end);
    }
}

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = ChineseTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> ChineseTokenStream<'a> {
        self.tokens.clear();
        let mut position = 0usize;
        let tokens = &mut self.tokens;
        let mut push = |text: String, from: usize, to: usize| {
            tokens.push(Token { offset_from: from, offset_to: to, position, text, position_length: 1 });
            position += 1;
        };
        for (cjk, start, end) in runs(text) {
            let run = &text[start..end];
            if cjk {
                bigrams(run, start, &mut push);
                for t in self.jieba.cut_for_search(run, false) {
                    if t.word.chars().count() >= 3 {
                        push(t.word.to_string(), start + t.byte_start, start + t.byte_end);
                    }
                }
            } else {
                let word: String = run.chars().map(|c| fold(c).to_ascii_lowercase()).collect();
                push(word, start, end);
            }
        }
        ChineseTokenStream { tokens: &self.tokens, index: usize::MAX }
    }
}

pub struct ChineseTokenStream<'a> {
    tokens: &'a [Token],
    index: usize,
}

impl TokenStream for ChineseTokenStream<'_> {
    fn advance(&mut self) -> bool {
        self.index = self.index.wrapping_add(1);
        self.index < self.tokens.len()
    }
    fn token(&self) -> &Token {
        &self.tokens[self.index]
    }
    fn token_mut(&mut self) -> &mut Token {
        unreachable!("the stream is read only")
    }
}

/// The query side: for each run of a segment the terms that must all match, and the longer
/// jieba words that lift the ranking.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueryTerms {
    pub required: Vec<String>,
    pub boosts: Vec<String>,
}

pub fn query_terms(jieba: &Jieba, segment: &str) -> QueryTerms {
    let mut q = QueryTerms::default();
    let all = runs(segment);
    let several = all.len() > 1;
    for (cjk, start, end) in all {
        let run = &segment[start..end];
        // A lone character beside other terms (the 号 of 第711号) is indexed only inside
        // bigrams, so it would match nothing; the other terms carry the query.
        if cjk && several && run.chars().count() == 1 {
            continue;
        }
        if cjk {
            bigrams(run, 0, |t, _, _| q.required.push(t));
            for t in jieba.cut_for_search(run, false) {
                if t.word.chars().count() >= 3 {
                    q.boosts.push(t.word.to_string());
                }
            }
        } else {
            q.required.push(run.chars().map(|c| fold(c).to_ascii_lowercase()).collect());
        }
    }
    q.required.dedup();
    q
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        let mut t = ChineseTokenizer::new(Arc::new(Jieba::new()));
        let mut stream = t.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let tok = stream.token();
            assert_eq!(
                &text[tok.offset_from..tok.offset_to]
                    .to_lowercase()
                    .replace('２', "2")
                    .replace('０', "0")
                    .replace('１', "1"),
                &tok.text.to_lowercase(),
                "offsets point at the token"
            );
            out.push(tok.text.clone());
        }
        out
    }

    #[test]
    fn bigrams_and_words() {
        let t = terms("住房公积金");
        for bigram in ["住房", "房公", "公积", "积金"] {
            assert!(t.contains(&bigram.to_string()), "{bigram} in {t:?}");
        }
        assert!(t.contains(&"公积金".to_string()) || t.contains(&"住房公积金".to_string()), "{t:?}");
        assert_eq!(terms("医"), vec!["医"]);
        assert_eq!(terms("GB 32100-2015 标准"), vec!["gb", "32100", "2015", "标准"]);
        assert!(terms("").is_empty());
        assert!(terms("，。！").is_empty());
    }

    #[test]
    fn query_terms_require_every_bigram() {
        let jieba = Jieba::new();
        let q = query_terms(&jieba, "医疗保障局");
        assert_eq!(q.required, vec!["医疗", "疗保", "保障", "障局"]);
        assert_eq!(query_terms(&jieba, "医保").required, vec!["医保"]);
        assert_eq!(query_terms(&jieba, "\"国务院\" OR (AND").required, vec!["国务", "务院", "or", "and"]);
    }
}
