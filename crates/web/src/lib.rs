//! The web face of gongkai: the public portal at `/`, the staff console at `/admin` and the
//! JSON API at `/api/v1`, with templates and assets compiled in.
//!
//! Handlers are grouped by domain (`units`, `staff`, `calendar`, `audit`), each with its
//! portal, console and API faces beside the shared actions, so a change to a domain is found
//! in one folder.

pub mod api;
pub mod app;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod business_policy;
pub mod consultation;
pub use gongkai_app::cache;
pub mod calendar;
pub mod catalogue;
pub mod charts;
pub mod columns;
pub mod config;
pub mod console;
pub mod documents;
pub mod errors;
pub mod forms;
pub mod http_cache;
pub mod link_checker;
pub mod live_blog;
pub mod meeting;
pub mod metrics;
pub mod net;
pub mod open_day;
pub mod ops;
pub mod page;
pub mod page_cache;
pub mod portal;
pub mod requests;
pub mod search;
pub mod security;
pub mod server;
pub mod staff;
pub use gongkai_app::throttle;
pub mod units;
pub mod wordlists;

pub use app::{AppState, STATEMENTS_HEADER, publish_due, router, serve, spawn_indexer, spawn_scheduler};
pub use config::{ServerOptions, SiteConfig};
pub use link_checker::spawn_link_checker;
