//! Field-level validation errors. Every form and API field is checked on the server and a
//! failure names the field in Chinese, so the same error can be shown next to a form input and
//! returned as an RFC 9457 problem with the offending field.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The machine name of the field as it appears in the form and the API (`credit_code`).
    pub field: String,
    /// The whole sentence shown to users, starting with the field's Chinese label.
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, label: &str, problem: impl fmt::Display) -> Self {
        FieldError { field: field.to_string(), message: format!("{label}：{problem}") }
    }
}

/// One or more invalid fields, in the order of the form.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: &str, label: &str, problem: impl fmt::Display) -> Self {
        Invalid(vec![FieldError::new(field, label, problem)])
    }

    pub fn push(&mut self, field: &str, label: &str, problem: impl fmt::Display) {
        self.0.push(FieldError::new(field, label, problem));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was pushed; lets validators collect every error before failing.
    pub fn into_result<T>(self, value: T) -> Result<T, Invalid> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    pub fn message_for(&self, field: &str) -> Option<&str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let messages: Vec<&str> = self.0.iter().map(|e| e.message.as_str()).collect();
        f.write_str(&messages.join("；"))
    }
}

impl std::error::Error for Invalid {}

/// Trimmed text with a length limit counted in characters (not bytes, which would punish
/// Chinese). Control characters other than line breaks and tabs are refused because they
/// break exports and can hide content from reviewers.
pub fn text(errors: &mut Invalid, field: &str, label: &str, value: &str, required: bool, max_chars: usize) -> String {
    let value = value.trim();
    if value.is_empty() {
        if required {
            errors.push(field, label, "不能为空");
        }
        return String::new();
    }
    let count = value.chars().count();
    if count > max_chars {
        errors.push(field, label, format!("不能超过 {max_chars} 个字（现有 {count} 个）"));
    } else if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.push(field, label, "含有不可见的控制字符");
    }
    value.to_string()
}

/// A single-line text: as `text`, and line breaks are refused.
pub fn line(errors: &mut Invalid, field: &str, label: &str, value: &str, required: bool, max_chars: usize) -> String {
    let before = errors.0.len();
    let v = text(errors, field, label, value, required, max_chars);
    if errors.0.len() == before && v.contains(['\n', '\r']) {
        errors.push(field, label, "不能包含换行");
    }
    v
}

/// A time given as `YYYY-MM-DD HH:MM` in Beijing time (what forms and the API take), as an
/// instant; `None`, with the problem named by field, when it is not one.
pub fn local_minute(
    errors: &mut Invalid,
    field: &str,
    label: &str,
    value: &str,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let parsed = crate::time::parse_local_minute(value);
    if parsed.is_none() {
        errors.push(field, label, "应为 YYYY-MM-DD HH:MM 格式的时间（北京时间）");
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        let cases: &[(&str, bool, usize, Option<&str>)] = &[
            ("  济南  ", true, 10, None),
            ("", true, 10, Some("名称：不能为空")),
            ("   ", false, 10, None),
            ("一二三四五六", true, 5, Some("名称：不能超过 5 个字（现有 6 个）")),
            ("a\u{0}b", true, 10, Some("名称：含有不可见的控制字符")),
            ("两行\n文字", true, 10, None),
        ];
        for (input, required, max, expected) in cases {
            let mut errors = Invalid::default();
            text(&mut errors, "name", "名称", input, *required, *max);
            assert_eq!(errors.0.first().map(|e| e.message.as_str()), *expected, "{input:?}");
        }
        let mut errors = Invalid::default();
        assert_eq!(line(&mut errors, "name", "名称", "两行\n文字", true, 10), "两行\n文字");
        assert_eq!(errors.message_for("name"), Some("名称：不能包含换行"));
    }
}
