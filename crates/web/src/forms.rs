//! Reading input. HTML forms and query strings are read as plain name–value lists and turned
//! into domain types by hand, so every problem becomes a Chinese message naming the field
//! (serde's form decoder would answer malformed input with an English 400). JSON bodies are
//! decoded with the path of a bad field kept for the problem document.

use crate::errors::{ApiError, AppError};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use gongkai_domain::validation::Invalid;
use serde::de::DeserializeOwned;

/// Name–value pairs of a form body or a query string.
#[derive(Debug, Clone, Default)]
pub struct Fields(Vec<(String, String)>, Given);

/// What an empty value means. A form sends every field, the empty ones too, so there an empty
/// value is a field left blank. An API caller sends the parameters it means; there `?kind=` is
/// a value, and one no parameter accepts unless it is free text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Given {
    #[default]
    Form,
    Api,
}

impl Fields {
    /// NUL characters are dropped: no text we keep may contain them (PostgreSQL refuses them
    /// in text columns) and no person types one.
    pub fn parse(raw: &[u8]) -> Fields {
        let clean = |s: std::borrow::Cow<'_, str>| if s.contains('\0') { s.replace('\0', "") } else { s.into_owned() };
        Fields(url::form_urlencoded::parse(raw).map(|(k, v)| (clean(k), clean(v))).collect(), Given::Form)
    }

    /// Every name and value in order.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// The first value of `name`, or "" when absent.
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    /// The trimmed value of `name`; `None` when absent or, in a form, left blank.
    pub fn opt(&self, name: &str) -> Option<&str> {
        match self.1 {
            Given::Form => Some(self.get(name).trim()).filter(|v| !v.is_empty()),
            Given::Api => self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()),
        }
    }

    /// A parameter that must be one of a list's codes: `None` when absent; when given and not
    /// understood, `problem` is recorded against it (a filter the API refuses, a page ignores).
    pub fn code<T>(
        &self,
        errors: &mut Invalid,
        name: &str,
        problem: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let value = parse(self.opt(name)?);
        if value.is_none() {
            errors.push(name, &format!("参数 {name}"), problem);
        }
        value
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// The same fields without those named (a used-up answer, say).
    pub fn without(&self, names: &[&str]) -> Fields {
        Fields(self.0.iter().filter(|(k, _)| !names.contains(&k.as_str())).cloned().collect(), self.1)
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    /// The same fields with `name` set to `value` (in place of any value it had).
    pub fn with(&self, name: &str, value: &str) -> Fields {
        let mut out = self.without(&[name]);
        out.0.push((name.to_string(), value.to_string()));
        out
    }

    /// An optional whole number; a malformed one is an error naming the field.
    pub fn int(&self, name: &str, label: &str) -> Result<Option<i64>, Invalid> {
        parse_int(self.opt(name), name, label)
    }

    /// A page number, 1 when absent or malformed (a bad page number is not worth an error).
    /// A boolean parameter: absent is `false`; `true`/`1` and `false`/`0` are read; anything
    /// else is refused naming the parameter.
    pub fn flag(&self, name: &str) -> Result<bool, Invalid> {
        match self.opt(name) {
            None | Some("false" | "0") => Ok(false),
            Some("true" | "1") => Ok(true),
            Some(_) => Err(Invalid::one(name, &format!("参数 {name}"), "应为 true 或 false")),
        }
    }

    pub fn page(&self) -> i64 {
        self.opt("page").and_then(|p| p.parse::<i64>().ok()).filter(|p| *p >= 1 && *p < 100_000).unwrap_or(1)
    }
}

/// A multipart upload: the `file` part with its cleaned name, the non-empty `files` parts (a
/// multiple file input), and the other parts as text.
#[derive(Default)]
pub struct Upload {
    pub file: Option<(String, Bytes)>,
    pub files: Vec<(String, Bytes)>,
    pub fields: Fields,
}

/// At most this many `files` parts are kept; one more than any form allows, so that too many
/// can be named rather than silently dropped (the body limit bounds their size).
const MAX_FILES: usize = 10;

/// Reads a multipart body; a body over the route's limit is a 413, a broken one a 400.
pub async fn read_upload(form: axum::extract::Multipart) -> Result<Upload, AppError> {
    read_upload_with(form, 2000).await
}

/// `read_upload` for forms whose text fields may be longer (a reply's reasons), each cut at
/// `max_chars`.
pub async fn read_upload_with(mut form: axum::extract::Multipart, max_chars: usize) -> Result<Upload, AppError> {
    let too_large = |status: axum::http::StatusCode| status == axum::http::StatusCode::PAYLOAD_TOO_LARGE;
    let mut upload = Upload::default();
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if too_large(e.status()) => return Err(AppError::PayloadTooLarge),
            Err(_) => return Err(AppError::BadRequest("上传的内容无法读取，请重新选择文件".into())),
        };
        match field.name().map(str::to_string) {
            Some(name) if name == "file" || name == "files" => {
                let file_name = clean_file_name(field.file_name().unwrap_or(""));
                let bytes = field.bytes().await.map_err(|e| {
                    if too_large(e.status()) {
                        AppError::PayloadTooLarge
                    } else {
                        AppError::BadRequest("文件读取失败".into())
                    }
                })?;
                if name == "file" {
                    upload.file = Some((file_name, bytes));
                } else if !bytes.is_empty() && upload.files.len() < MAX_FILES {
                    upload.files.push((file_name, bytes));
                }
            }
            Some(name) if upload.fields.0.len() < 24 => {
                let text: String =
                    field.text().await.unwrap_or_default().replace('\0', "").chars().take(max_chars).collect();
                upload.fields.0.push((name, text));
            }
            _ => {}
        }
    }
    Ok(upload)
}

/// A file name as shown and offered for download: the last path part, without control
/// characters, at most 120 characters.
pub fn clean_file_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    base.chars()
        .filter(|c| !c.is_control() && !"\"<>|:*?".contains(*c))
        .take(120)
        .collect::<String>()
        .trim()
        .to_string()
}

/// An id from the path; anything else is a page that does not exist.
pub fn path_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub fn parse_int(value: Option<&str>, name: &str, label: &str) -> Result<Option<i64>, Invalid> {
    match value {
        None => Ok(None),
        Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| Invalid::one(name, label, "应为整数")),
    }
}

/// A body over the limit is 413; anything else that stops reading it is a bad request.
pub fn body_error(e: axum::extract::rejection::BytesRejection) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest("请求内容无法读取。".into())
    }
}

/// A form body (`application/x-www-form-urlencoded`).
pub struct Form(pub Fields);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest("请通过页面上的表单提交。".into()));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest("表单内容过大或无法读取。".into()))?;
        Ok(Form(Fields::parse(&bytes)))
    }
}

/// The query string.
pub struct Query(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for Query {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Query(Fields::parse(parts.uri.query().unwrap_or("").as_bytes())))
    }
}

/// The query string of an API call. No API parameter is a list, so a name given twice is
/// refused (which value was meant cannot be known, and taking the first let a second,
/// malformed one pass unnoticed).
pub struct ApiQuery(pub Fields);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let mut fields = Fields::parse(parts.uri.query().unwrap_or("").as_bytes());
        fields.1 = Given::Api;
        let mut seen = std::collections::HashSet::new();
        let mut errors = Invalid::default();
        for (name, _) in &fields.0 {
            if !seen.insert(name.as_str()) && !errors.0.iter().any(|e| &e.field == name) {
                let shown: String = name.chars().filter(|c| !c.is_control()).take(40).collect();
                errors.push(&shown, &format!("参数 {shown}"), "只能出现一次");
            }
        }
        if errors.0.is_empty() { Ok(ApiQuery(fields)) } else { Err(errors.into()) }
    }
}

/// A JSON body. Errors name the field: `字段 parent_id：应为整数`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/json"));
        if !is_json {
            return Err(ApiError(AppError::BadRequest(
                "请求体应为 JSON，并带有 Content-Type: application/json。".into(),
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| ApiError(body_error(e)))?;
        // Two things JSON allows that our types would refuse are made plain first: a NUL
        // character (stored in no text column, typed by no person) is dropped, as from forms
        // (`Fields::parse`); and a number with a fraction or exponent whose value is whole
        // (`3.0`, `1e3`) is an integer, as JSON Schema counts it. Only bodies that may hold
        // either are read twice.
        let has_nul = bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"));
        let has_real = bytes.windows(2).any(|w| w[0].is_ascii_digit() && matches!(w[1], b'.' | b'e' | b'E'));
        let bytes = if has_nul || has_real {
            match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(mut value) => {
                    normalise(&mut value);
                    Bytes::from(serde_json::to_vec(&value).unwrap_or_default())
                }
                Err(_) => bytes,
            }
        } else {
            bytes
        };
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        match serde_path_to_error::deserialize(de) {
            Ok(v) => Ok(ApiJson(v)),
            Err(e) => {
                let path = e.path().to_string();
                let inner = e.into_inner();
                let detail = describe_json_error(&inner);
                if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                    return Err(ApiError(AppError::BadRequest(format!("JSON 格式错误：{detail}"))));
                }
                // A missing or unknown field is reported at the object holding it; name it.
                let field = if path.is_empty() || path == "." { quoted_field(&inner.to_string()) } else { path };
                let label = if field.is_empty() { "请求".to_string() } else { format!("字段 {field}") };
                Err(ApiError(AppError::Invalid(Invalid::one(&field, &label, detail))))
            }
        }
    }
}

fn normalise(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) if s.contains('\0') => *s = s.replace('\0', ""),
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                // Every float in this range is a whole number that an i64 holds exactly.
                && (i64::MIN as f64..i64::MAX as f64).contains(&f)
            {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(normalise),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (k, mut v) in entries {
                normalise(&mut v);
                map.insert(k.replace('\0', ""), v);
            }
        }
        _ => {}
    }
}

/// The field name serde quotes in "missing field `x`" or "unknown field `x`".
fn quoted_field(message: &str) -> String {
    message.split('`').nth(1).unwrap_or("").to_string()
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let at = format!("（第 {} 行第 {} 列）", e.line(), e.column());
    if e.is_syntax() || e.is_eof() {
        return format!("无法解析{at}");
    }
    if let Some(rest) = text.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or("");
        return format!("缺少字段 {field}");
    }
    if text.starts_with("invalid type") {
        return format!("类型不正确：{}", text.split(" at line").next().unwrap_or(&text));
    }
    if let Some(rest) = text.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or("");
        return format!("不认识的字段 {field}");
    }
    if text.starts_with("unknown variant") {
        return format!("取值不在可选范围内：{}", text.split(" at line").next().unwrap_or(&text));
    }
    format!("取值不正确：{}", text.split(" at line").next().unwrap_or(&text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_read_repeated_and_missing_values() {
        let f = Fields::parse(b"roles=editor&roles=reviewer&name=%E6%B5%8E%E5%8D%97&n=x&page=0");
        assert_eq!(f.all("roles"), vec!["editor", "reviewer"]);
        assert_eq!(f.get("name"), "济南");
        assert_eq!(f.get("missing"), "");
        assert_eq!(f.opt("missing"), None);
        assert_eq!(f.int("n", "序号").unwrap_err().message_for("n"), Some("序号：应为整数"));
        assert_eq!(f.page(), 1);
        let bad = Fields::parse(b"name=%FF%FE");
        assert_eq!(bad.get("name"), "\u{FFFD}\u{FFFD}");
        assert_eq!(Fields::parse(b"q=a%00b").get("q"), "ab");
    }

    /// JSON Schema counts `3.0` and `1e3` as integers and the OpenAPI document says
    /// "integer": such numbers reach our integer fields as integers; NULs are dropped.
    #[test]
    fn json_numbers_and_nul_are_made_plain() {
        let mut v = serde_json::json!({"a": 3.0, "b": [1e3, 2.5, -0.0], "c": "x\u{0}y", "d\u{0}": 9.3e18, "e": 7});
        normalise(&mut v);
        assert_eq!(v, serde_json::json!({"a": 3, "b": [1000, 2.5, 0], "c": "xy", "d": 9.3e18, "e": 7}));
    }
}

/// A form as templates show it: what was typed and what was wrong with it.
#[derive(Debug, Clone, Default)]
pub struct FormView {
    pub values: Fields,
    pub errors: Invalid,
}

impl FormView {
    pub fn new(values: Fields) -> Self {
        FormView { values, errors: Invalid::default() }
    }

    pub fn with_errors(values: Fields, errors: Invalid) -> Self {
        FormView { values, errors }
    }

    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        FormView::new(Fields(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), Given::Form))
    }

    pub fn v(&self, name: &str) -> &str {
        self.values.get(name)
    }

    pub fn has(&self, name: &str) -> bool {
        self.errors.message_for(name).is_some()
    }

    pub fn err(&self, name: &str) -> &str {
        self.errors.message_for(name).unwrap_or("")
    }

    pub fn selected(&self, name: &str, value: &str) -> bool {
        self.values.all(name).contains(&value)
    }

    pub fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
}
