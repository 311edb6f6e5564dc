//! The question–answer pairs of a 问答 interpretation. Staff write them the way such
//! interpretations are printed — each question on a line beginning 问： and its answer after
//! 答： — so one plain text box works without JavaScript and pasting from Word keeps the pairs;
//! they are kept as structured pairs, shown as such and returned as such by the API.

use serde::{Deserialize, Serialize};

/// 问答解读中的一组问答
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = QaPairBody)]
#[serde(deny_unknown_fields)]
pub struct QaPair {
    pub question: String,
    pub answer: String,
}

pub const MAX_PAIRS: usize = 200;
const MAX_QUESTION: usize = 500;
const MAX_ANSWER: usize = 10_000;

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Question,
    Answer,
}

/// Numbering staff put before a question (1. / 1、 / （一） / 一、 / 第一问 is left alone).
fn strip_numbering(line: &str) -> &str {
    let t = line.trim_start();
    let rest = t.trim_start_matches(|c: char| {
        c.is_ascii_digit() || "一二三四五六七八九十百（）()、.．".contains(c) || c == ' '
    });
    if rest.len() < t.len() { rest } else { t }
}

/// The marker a line starts with, and the text after it.
fn marker(line: &str) -> Option<(Part, &str)> {
    let t = strip_numbering(line);
    for (prefixes, part) in [(["问", "问题", "Q"], Part::Question), (["答", "回答", "A"], Part::Answer)] {
        for p in prefixes {
            if let Some(rest) = t.strip_prefix(p) {
                for colon in ['：', ':'] {
                    if let Some(text) = rest.strip_prefix(colon) {
                        return Some((part, text.trim()));
                    }
                }
            }
        }
    }
    None
}

/// Reads the pairs from the editing text. Errors name the line, in Chinese.
pub fn parse(text: &str) -> Result<Vec<QaPair>, String> {
    let mut pairs: Vec<QaPair> = Vec::new();
    let mut current: Option<Part> = None;
    let mut question_line = 0;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        match (marker(line), current) {
            (Some((Part::Question, q)), None | Some(Part::Answer)) => {
                if pairs.len() == MAX_PAIRS {
                    return Err(format!("问答最多 {MAX_PAIRS} 组"));
                }
                pairs.push(QaPair { question: q.to_string(), answer: String::new() });
                current = Some(Part::Question);
                question_line = n;
            }
            (Some((Part::Question, _)), Some(Part::Question)) => {
                return Err(format!("第 {question_line} 行的问题还没有“答：”，第 {n} 行又开始了新的问题"));
            }
            (Some((Part::Answer, a)), Some(Part::Question)) => {
                if let Some(p) = pairs.last_mut() {
                    p.answer = a.to_string();
                }
                current = Some(Part::Answer);
            }
            (Some((Part::Answer, _)), Some(Part::Answer)) => {
                return Err(format!("第 {n} 行的“答：”前没有对应的“问：”"));
            }
            (Some((Part::Answer, _)), None) | (None, None) => {
                return Err(format!("第 {n} 行：问答应从以“问：”开头的一行开始"));
            }
            (None, Some(part)) => {
                if let Some(p) = pairs.last_mut() {
                    let target = if part == Part::Question { &mut p.question } else { &mut p.answer };
                    if !target.is_empty() {
                        target.push('\n');
                    }
                    target.push_str(line);
                }
            }
        }
    }
    if current == Some(Part::Question) {
        return Err(format!("第 {question_line} 行的问题没有“答：”"));
    }
    check(pairs)
}

/// Checks pairs given structured (the JSON API), trimming them.
pub fn check(mut pairs: Vec<QaPair>) -> Result<Vec<QaPair>, String> {
    if pairs.len() > MAX_PAIRS {
        return Err(format!("问答最多 {MAX_PAIRS} 组"));
    }
    for p in &mut pairs {
        p.question = p.question.trim().to_string();
        p.answer = p.answer.trim().to_string();
    }
    for (i, p) in pairs.iter().enumerate() {
        let k = i + 1;
        if (p.question.chars().chain(p.answer.chars())).any(|c| c.is_control() && c != '\n' && c != '\t') {
            return Err(format!("第 {k} 组问答含有不可见的控制字符"));
        }
        if p.question.is_empty() {
            return Err(format!("第 {k} 组问答的问题为空"));
        }
        if p.answer.is_empty() {
            return Err(format!("第 {k} 组问答的回答为空"));
        }
        if p.question.chars().count() > MAX_QUESTION {
            return Err(format!("第 {k} 组问答的问题超过 {MAX_QUESTION} 字"));
        }
        if p.answer.chars().count() > MAX_ANSWER {
            return Err(format!("第 {k} 组问答的回答超过 {MAX_ANSWER} 字"));
        }
    }
    Ok(pairs)
}

/// The editing text of stored pairs; `parse(&format(p)) == p`.
pub fn format(pairs: &[QaPair]) -> String {
    pairs.iter().map(|p| format!("问：{}\n答：{}", p.question, p.answer)).collect::<Vec<_>>().join("\n\n")
}

/// The pairs as plain text, for the checks and the search index.
pub fn plain_text(pairs: &[QaPair]) -> String {
    pairs.iter().map(|p| format!("{}\n{}", p.question, p.answer)).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pair(q: &str, a: &str) -> QaPair {
        QaPair { question: q.into(), answer: a.into() }
    }

    #[test]
    fn reads_the_forms_staff_write() {
        let cases: &[(&str, Vec<QaPair>)] = &[
            ("", vec![]),
            ("问：谁可以申请？\n答：参保职工。", vec![pair("谁可以申请？", "参保职工。")]),
            ("问:半角冒号\n答:也可以", vec![pair("半角冒号", "也可以")]),
            (
                "1. 问：第一问\n答：第一答\n\n2、问：第二问\n答：第二答\n续行",
                vec![pair("第一问", "第一答"), pair("第二问", "第二答\n续行")],
            ),
            ("（一）问题：长问题\n接着问\n回答：好", vec![pair("长问题\n接着问", "好")]),
            ("一、Q：英文标记\nA：可以", vec![pair("英文标记", "可以")]),
            ("  问：前有空格  \n  答：后有空格  ", vec![pair("前有空格", "后有空格")]),
        ];
        for (text, want) in cases {
            assert_eq!(&parse(text).unwrap(), want, "{text:?}");
        }
    }

    #[test]
    fn names_the_line_of_every_mistake() {
        let cases = [
            ("开头没有标记\n问：x\n答：y", "第 1 行"),
            ("答：没有问题", "第 1 行"),
            ("问：一\n问：二\n答：三", "第 2 行又开始了新的问题"),
            ("问：一\n答：二\n答：三", "第 3 行的“答：”前没有"),
            ("问：只有问题", "第 1 行的问题没有“答：”"),
            ("问：\n答：有回答", "问题为空"),
            ("问：有问题\n答：", "回答为空"),
        ];
        for (text, want) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
        let long = format!("问：{}\n答：好", "长".repeat(MAX_QUESTION + 1));
        assert!(parse(&long).unwrap_err().contains("超过"));
        let many = (0..=MAX_PAIRS).map(|i| format!("问：{i}\n答：{i}")).collect::<Vec<_>>().join("\n");
        assert!(parse(&many).unwrap_err().contains("最多"));
    }

    proptest! {
        #[test]
        fn format_and_parse_round_trip(raw in proptest::collection::vec(("[一-龥a-z？]{1,12}", "[一-龥a-z。]{1,20}"), 0..6)) {
            let pairs: Vec<QaPair> = raw.iter().map(|(q, a)| pair(q, a)).collect();
            prop_assert_eq!(parse(&format(&pairs)).unwrap(), pairs);
        }

        #[test]
        fn never_panics(text in "\\PC{0,200}") {
            let _ = parse(&text);
        }
    }
}
