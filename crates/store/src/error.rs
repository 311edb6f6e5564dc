use gongkai_domain::validation::Invalid;

/// The store's one error type. Callers show `Invalid` and `Conflict` to users (they carry the
/// Chinese message and the field), treat `NotFound` as 404, and log everything else.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached; `target` names the host or file, never a password.
    #[error("无法连接数据库 {target}：{cause}")]
    Unreachable { target: String, cause: String },
    #[error("{0}")]
    Invalid(Invalid),
    /// A uniqueness or state rule of the stored data, e.g. a credit code already used.
    #[error("{0}")]
    Conflict(Invalid),
    #[error("{0}不存在")]
    NotFound(&'static str),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    /// A stored value the program does not know: a code no list has, a date that is not one.
    #[error("stored {table}.{column} value {value:?} is not known")]
    Stored { table: &'static str, column: String, value: String },
    #[error("{0}")]
    Other(String),
}

impl From<Invalid> for StoreError {
    fn from(e: Invalid) -> Self {
        StoreError::Invalid(e)
    }
}

impl StoreError {
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Database(sqlx::Error::Database(e)) if e.kind() == sqlx::error::ErrorKind::UniqueViolation)
    }

    /// The database stayed busy with other writers for longer than a write waits (SQLite's
    /// `SQLITE_BUSY` after its busy timeout; PostgreSQL's lock timeout or serialisation
    /// failure): the request may be tried again, nothing was written.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                matches!(e.code().as_deref(), Some("5" | "517" | "55P03" | "40001" | "40P01"))
                    || e.message().contains("database is locked")
            }
            StoreError::Database(sqlx::Error::PoolTimedOut) => true,
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
