//! Columns (专栏, and each unit's 制度 and 年报 columns): created by unit administrators,
//! published into by editors, listed publicly with the date of their last update.
//!
//! The use cases are `gongkai_app::columns`; this module holds the faces.

pub mod api;
pub mod console;
pub mod portal;

pub use gongkai_app::columns::*;
