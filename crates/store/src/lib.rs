//! Persistence of gongkai. One schema and one set of queries serve SQLite (the embedded
//! default) and PostgreSQL; a module per domain, named as in the domain crate.

pub mod attachments;
pub mod audit;
pub mod audit_keys;
pub mod backup;
pub mod business_policy;
pub mod calendar;
pub mod catalogue;
pub mod columns;
pub mod consultation;
pub mod counting;
pub mod credentials;
pub mod db;
pub mod demo;
pub mod documents;
pub mod error;
pub mod import;
pub mod links;
pub mod live_blog;
pub mod meeting;
pub mod migrate;
pub mod open_day;
pub mod requests;
pub mod reviewed;
pub mod row;
pub mod sql;
pub mod throttle;
pub mod units;
pub mod users;
pub mod wordlists;

pub use audit::{Actor, AuditFilter, Writer};
pub use counting::counting;
pub use db::{Backend, DatabaseSettings, Store};
pub use error::{Result, StoreError};
pub use row::Page;

/// The current instant in the stored text form.
pub fn now_text() -> String {
    gongkai_domain::time::format_instant(chrono::Utc::now())
}
