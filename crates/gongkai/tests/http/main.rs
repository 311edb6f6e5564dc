//! The integration tests over HTTP, the store and the application layer, in one binary (one
//! link instead of one per file): the real server on port 0 over a fresh SQLite folder or
//! PostgreSQL database (`common`), one module per feature.

#![allow(clippy::unwrap_used, reason = "tests fail loudly")]

#[macro_use]
mod common;

mod annual_report;
mod api;
mod app_open_days;
mod app_requests;
mod applicant;
mod audit_chain;
mod catalogue;
mod cli;
mod console;
mod consultations;
mod documents;
mod edge;
mod hostile;
mod hostile_files;
mod http_cache;
mod live;
mod open_days;
mod permissions;
mod policies;
mod portal;
mod redemption;
mod requests;
mod search;
mod statements;
mod store;
mod throttles;
mod workflow;
