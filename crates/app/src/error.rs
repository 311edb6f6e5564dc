//! What a use case answers when it does not succeed. The faces turn it into their own words:
//! the web crate into an error page or an RFC 9457 problem document (`gongkai_web::errors`).

use gongkai_domain::validation::Invalid;
use gongkai_store::StoreError;

#[derive(Debug)]
pub enum Error {
    /// The input breaks a rule; each problem names its field.
    Invalid(Invalid),
    /// The input is well-formed but does not fit what is stored (a state, a duplicate).
    Conflict(Invalid),
    /// Not there, or not there for this caller (what a caller may not see, it is not told of).
    NotFound,
    /// The caller must sign in (or the credentials given are wrong).
    Unauthenticated,
    Forbidden,
    /// Forbidden, with the reason in words, where the general "no permission" would mislead.
    ForbiddenBecause(String),
    TooManyRequests {
        retry_after_secs: i64,
        detail: String,
    },
    /// A fault of the system, not of the caller: the cause goes to the log only.
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Error::Internal(e.to_string())
    }

    /// For forms that show their problems in place: the field errors of an invalid or
    /// conflicting submission, or the error itself for everything else.
    pub fn form_errors(self) -> Result<Invalid, Error> {
        match self {
            Error::Invalid(inv) | Error::Conflict(inv) => Ok(inv),
            other => Err(other),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Invalid(inv) | Error::Conflict(inv) => write!(f, "{inv}"),
            Error::NotFound => f.write_str("not found"),
            Error::Unauthenticated => f.write_str("unauthenticated"),
            Error::Forbidden => f.write_str("forbidden"),
            Error::ForbiddenBecause(why) => write!(f, "forbidden: {why}"),
            Error::TooManyRequests { detail, .. } => f.write_str(detail),
            Error::Internal(cause) => write!(f, "internal: {cause}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Invalid(inv) => Error::Invalid(inv),
            StoreError::Conflict(inv) => Error::Conflict(inv),
            StoreError::NotFound(_) => Error::NotFound,
            other if other.is_unique_violation() => Error::Conflict(Invalid::one("", "数据", "与已有记录重复")),
            other if other.is_busy() => {
                tracing::warn!(cause = %other, "database busy: the request is answered 429 to be tried again");
                Error::TooManyRequests { retry_after_secs: 2, detail: "系统繁忙，请稍后再试".into() }
            }
            other => Error::Internal(other.to_string()),
        }
    }
}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::Invalid(e)
    }
}
