//! One error type for handlers, shown as a friendly page on the portal and console and as an
//! RFC 9457 problem document on the API. Users see a Chinese title and detail (naming the
//! field where there is one); the cause of internal errors goes to the log only.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongkai_domain::validation::{FieldError, Invalid};
use gongkai_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub enum AppError {
    Invalid(Invalid),
    Conflict(Invalid),
    NotFound,
    Unauthenticated,
    Forbidden,
    /// 403 with the reason in words, where the general "no permission" would mislead.
    ForbiddenBecause(String),
    TooManyRequests {
        retry_after_secs: i64,
        detail: String,
    },
    PayloadTooLarge,
    BadRequest(String),
    Internal(String),
}

impl AppError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        AppError::Internal(e.to_string())
    }

    /// For forms that show their problems in place: the field errors of an invalid or
    /// conflicting submission, or the error itself for everything else.
    pub fn form_errors(self) -> Result<Invalid, AppError> {
        match self {
            AppError::Invalid(inv) | AppError::Conflict(inv) => Ok(inv),
            other => Err(other),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::ForbiddenBecause(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn info(&self) -> ErrorInfo {
        let (title, detail, errors) = match self {
            AppError::Invalid(inv) => ("提交的内容有误".to_string(), inv.to_string(), inv.0.clone()),
            AppError::Conflict(inv) => ("与现有数据冲突".to_string(), inv.to_string(), inv.0.clone()),
            AppError::TooManyRequests { detail, .. } => ("操作过于频繁".to_string(), detail.clone(), vec![]),
            AppError::ForbiddenBecause(detail) => ("没有权限".to_string(), detail.clone(), vec![]),
            AppError::BadRequest(detail) => ("请求格式不正确".to_string(), detail.clone(), vec![]),
            other => {
                let (t, d) = default_text(other.status());
                (t.to_string(), d.to_string(), vec![])
            }
        };
        ErrorInfo { status: self.status().as_u16(), title, detail, errors }
    }
}

/// The default Chinese title and detail for a status without more specific words.
pub fn default_text(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("请求格式不正确", "请求的格式或参数不正确，请检查后重试。"),
        401 => ("需要登录", "请先登录，或在请求中提供有效的 API 令牌（Authorization: Bearer …）。"),
        403 => ("没有权限", "您的账号没有进行此操作的权限。如有需要，请联系本单位管理员。"),
        404 => ("页面不存在", "您访问的页面不存在或已被移除。请检查网址，或从首页和网站地图查找。"),
        405 => ("请求方法不允许", "该地址不支持这种请求方法。"),
        408 => ("请求超时", "请求超时，请重试。"),
        409 => ("与现有数据冲突", "提交的内容与现有数据冲突。"),
        413 => ("提交的内容过大", "提交的内容超过了允许的大小，请精简后重试。"),
        415 => ("内容类型不支持", "请求的内容类型不受支持；API 请使用 Content-Type: application/json。"),
        422 => ("提交的内容有误", "提交的内容未通过校验。"),
        429 => ("操作过于频繁", "操作过于频繁，请稍后再试。"),
        503 => ("服务暂不可用", "服务暂时不可用，请稍后再试。"),
        s if s >= 500 => ("系统繁忙", "系统暂时无法处理您的请求，请稍后再试。我们已记录此问题。"),
        _ => ("请求未能完成", "请求未能完成，请检查后重试。"),
    }
}

/// What an error page or problem document says; travels in the response extensions from the
/// handler to the layer that renders it with the site layout.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorInfo {
    pub status: u16,
    pub title: String,
    pub detail: String,
    pub errors: Vec<FieldError>,
}

/// The store's errors mean what the application layer says they mean.
impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        gongkai_app::Error::from(e).into()
    }
}

impl From<gongkai_app::Error> for AppError {
    fn from(e: gongkai_app::Error) -> Self {
        use gongkai_app::Error as E;
        match e {
            E::Invalid(inv) => AppError::Invalid(inv),
            E::Conflict(inv) => AppError::Conflict(inv),
            E::NotFound => AppError::NotFound,
            E::Unauthenticated => AppError::Unauthenticated,
            E::Forbidden => AppError::Forbidden,
            E::ForbiddenBecause(why) => AppError::ForbiddenBecause(why),
            E::TooManyRequests { retry_after_secs, detail } => AppError::TooManyRequests { retry_after_secs, detail },
            E::Internal(cause) => AppError::Internal(cause),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::Internal(format!("template: {e}"))
    }
}

fn log_internal(e: &AppError) {
    if let AppError::Internal(cause) = e {
        tracing::error!(%cause, "internal error");
    }
}

/// HTML contexts: an empty body carrying `ErrorInfo`, which the error layer renders as a page
/// in the site's layout (it knows the site and the reader's display mode).
impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        log_internal(&self);
        let mut res = self.status().into_response();
        if let AppError::TooManyRequests { retry_after_secs, .. } = &self
            && let Ok(v) = HeaderValue::from_str(&(*retry_after_secs).max(1).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if matches!(self, AppError::Unauthenticated) {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res.extensions_mut().insert(self.info());
        res
    }
}

/// API contexts: the same error as `application/problem+json`.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

/// RFC 9457 problem details, with the invalid fields listed in `errors`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status and title say what happened.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The first offending field, when the problem is about a field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

pub fn problem_response(info: &ErrorInfo) -> Response {
    let problem = Problem {
        kind: "about:blank".into(),
        title: info.title.clone(),
        status: info.status,
        detail: info.detail.clone(),
        field: info.errors.first().map(|e| e.field.clone()).filter(|f| !f.is_empty()),
        errors: info
            .errors
            .iter()
            .map(|e| ProblemField { field: e.field.clone(), message: e.message.clone() })
            .collect(),
    };
    let status = StatusCode::from_u16(info.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    res
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log_internal(&self.0);
        let retry = if let AppError::TooManyRequests { retry_after_secs, .. } = &self.0 {
            Some(*retry_after_secs)
        } else {
            None
        };
        let unauthenticated = matches!(self.0, AppError::Unauthenticated);
        let mut res = problem_response(&self.0.info());
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if unauthenticated {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
pub type PageResult<T = Response> = Result<T, AppError>;
