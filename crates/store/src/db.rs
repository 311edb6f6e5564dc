//! Opening the database. SQLite in the data folder is the default; a `postgres://` URL selects
//! PostgreSQL. Both are driven through sqlx's `Any` driver so that every query is written once
//! in the SQL both dialects share (`$1` placeholders, `RETURNING`, `ON CONFLICT`, recursive CTEs).

use crate::error::{Result, StoreError};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{ConnectOptions, Connection};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Where the data lives. `Debug` and `Display` never show a password or a key.
#[derive(Clone)]
pub struct DatabaseSettings {
    pub data_dir: PathBuf,
    pub url: Option<String>,
    /// The audit chain's keys (kept outside the database); a random key unless given.
    pub audit_keys: std::sync::Arc<gongkai_domain::audit::KeyRing>,
}

pub const SQLITE_FILE: &str = "gongkai.db";

impl DatabaseSettings {
    pub fn new(data_dir: impl Into<PathBuf>, url: Option<String>) -> Self {
        let url = url.filter(|u| !u.trim().is_empty());
        let audit_keys = std::sync::Arc::new(crate::audit_keys::random_ring());
        DatabaseSettings { data_dir: data_dir.into(), url, audit_keys }
    }

    /// The same settings with the configured audit key ring.
    pub fn with_audit_keys(mut self, ring: gongkai_domain::audit::KeyRing) -> Self {
        self.audit_keys = std::sync::Arc::new(ring);
        self
    }

    pub fn backend(&self) -> Result<Backend> {
        match &self.url {
            None => Ok(Backend::Sqlite),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => Ok(Backend::Postgres),
            Some(u) if u.starts_with("sqlite:") => Ok(Backend::Sqlite),
            Some(_) => {
                Err(StoreError::Other("数据库地址应以 postgres:// 开头（不填则使用数据目录中的 SQLite）".into()))
            }
        }
    }

    pub fn sqlite_path(&self) -> Option<PathBuf> {
        match &self.url {
            None => Some(self.data_dir.join(SQLITE_FILE)),
            Some(u) => u
                .strip_prefix("sqlite://")
                .or_else(|| u.strip_prefix("sqlite:"))
                .map(|p| PathBuf::from(p.split('?').next().unwrap_or(p))),
        }
    }

    /// A description of the target fit for logs and error lines: host, port and database for
    /// PostgreSQL, the file for SQLite.
    pub fn target(&self) -> String {
        match &self.url {
            Some(u) if u.starts_with("postgres") => match url::Url::parse(u) {
                Ok(parsed) => {
                    let host = parsed.host_str().unwrap_or("localhost");
                    let port = parsed.port().unwrap_or(5432);
                    let db = parsed.path().trim_start_matches('/');
                    if db.is_empty() { format!("{host}:{port}") } else { format!("{host}:{port}/{db}") }
                }
                Err(_) => "（无法解析的 PostgreSQL 地址）".into(),
            },
            _ => self.sqlite_path().map(|p| p.display().to_string()).unwrap_or_default(),
        }
    }
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings").field("data_dir", &self.data_dir).field("target", &self.target()).finish()
    }
}

impl fmt::Display for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.target())
    }
}

/// The handle every repository function takes. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    pub(crate) pool: crate::counting::Pool,
    backend: Backend,
    settings: DatabaseSettings,
    /// On SQLite, the queue and the connection of audited writers; PostgreSQL queues them on
    /// the audit chain's row instead.
    pub(crate) writers: Option<Writers>,
}

/// SQLite has a single write lock, and a writer that finds it taken sleeps in growing steps
/// (its busy handler), so under load the lock often stands free while writers sleep, or wait
/// for a connection that readers hold. So audited writers take turns in arrival order here,
/// each on the connection kept for them.
#[derive(Clone)]
pub(crate) struct Writers {
    pub(crate) turn: std::sync::Arc<tokio::sync::Mutex<()>>,
    pub(crate) pool: crate::counting::Pool,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store").field("backend", &self.backend).field("target", &self.settings.target()).finish()
    }
}

impl Store {
    /// Connects (creating the SQLite file and data folder when needed) and applies migrations.
    pub async fn open(settings: &DatabaseSettings) -> Result<Store> {
        let store = Store::connect(settings).await?;
        crate::migrate::run(&store).await?;
        crate::calendar::seed_official(&store).await?;
        crate::wordlists::seed_words(&store).await?;
        Ok(store)
    }

    /// Connects without migrating, for `gongkai migrate` and for checks.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = settings.backend()?;
        let unreachable = |cause: String| StoreError::Unreachable { target: settings.target(), cause };
        let url = match backend {
            Backend::Postgres => settings.url.clone().unwrap_or_default(),
            Backend::Sqlite => {
                let path = settings.sqlite_path().unwrap_or_default();
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| unreachable(e.to_string()))?;
                }
                format!("sqlite://{}?mode=rwc", path.display())
            }
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| unreachable(describe_sqlx_error(&e)))?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
        // One direct attempt first: the pool would retry a refused connection until its
        // timeout, and an operator wants the reason at once.
        let probe = tokio::time::timeout(Duration::from_secs(10), sqlx::AnyConnection::connect_with(&options))
            .await
            .map_err(|_| unreachable("连接超时".into()))?
            .map_err(|e| unreachable(describe_sqlx_error(&e)))?;
        probe.close().await.ok();
        let max = match backend {
            // Readers run in parallel under WAL; writers queue on SQLite's single write lock.
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        };
        let connect = |max: u32| {
            AnyPoolOptions::new()
                .max_connections(max)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(10))
                .after_connect(move |conn, _meta| {
                    Box::pin(async move {
                        if backend == Backend::Sqlite {
                            // WAL lets readers proceed during writes; FULL sync keeps every
                            // acknowledged submission through a power loss; the busy timeout
                            // queues writers instead of failing them.
                            sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA synchronous = FULL").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA busy_timeout = 10000").execute(&mut *conn).await?;
                            sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        }
                        Ok(())
                    })
                })
                .connect_with(options.clone())
        };
        let pool = connect(max).await.map_err(|e| unreachable(describe_sqlx_error(&e)))?;
        let writers = match backend {
            Backend::Postgres => None,
            Backend::Sqlite => Some(Writers {
                turn: Default::default(),
                pool: crate::counting::Pool::new(connect(1).await.map_err(|e| unreachable(describe_sqlx_error(&e)))?),
            }),
        };
        Ok(Store { pool: crate::counting::Pool::new(pool), backend, settings: settings.clone(), writers })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn settings(&self) -> &DatabaseSettings {
        &self.settings
    }

    pub fn data_dir(&self) -> &Path {
        &self.settings.data_dir
    }

    /// For `/readyz`: one round trip.
    pub async fn ping(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        conn.ping().await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
        if let Some(w) = &self.writers {
            w.pool.close().await;
        }
    }
}

/// sqlx errors for connection failures can embed the URL; keep only the kind of failure.
fn describe_sqlx_error(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(_) => "TLS 握手失败".into(),
        sqlx::Error::PoolTimedOut => "连接超时".into(),
        sqlx::Error::Database(db) => db.message().to_string(),
        sqlx::Error::Configuration(c) => {
            let text = c.to_string();
            if text.contains('@') { "地址格式不正确".into() } else { text }
        }
        other => {
            let text = other.to_string();
            if text.contains("://") { "连接失败".into() } else { text }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_never_show_passwords() {
        let s = DatabaseSettings::new("/tmp/x", Some("postgres://gk:s3cret@db.example:6432/gongkai".into()));
        assert_eq!(s.target(), "db.example:6432/gongkai");
        assert!(!format!("{s:?} {s}").contains("s3cret"));
        assert_eq!(s.backend().unwrap(), Backend::Postgres);
        let d = DatabaseSettings::new("/tmp/x", None);
        assert_eq!(d.sqlite_path().unwrap(), PathBuf::from("/tmp/x/gongkai.db"));
        assert!(DatabaseSettings::new("/tmp/x", Some("mysql://x".into())).backend().is_err());
        assert_eq!(DatabaseSettings::new("/tmp/x", Some(" ".into())).backend().unwrap(), Backend::Sqlite);
    }
}
