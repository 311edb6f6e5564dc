//! Staff: logging in, accounts, passwords and API tokens — the actions shared by the console
//! and the API.
//!
//! The use cases are `gongkai_app::staff`; this module holds the faces.

pub mod api;
pub mod console;

pub use gongkai_app::staff::*;
