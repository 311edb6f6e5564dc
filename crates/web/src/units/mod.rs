//! Units: the actions shared by the console and the API, and their three faces.
//!
//! The use cases are `gongkai_app::units`; this module holds the faces.

pub mod api;
pub mod console;
pub mod portal;

pub use gongkai_app::units::*;
