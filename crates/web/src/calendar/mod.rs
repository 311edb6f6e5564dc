//! The holiday calendar: entering a year's schedule, correcting single days, and the working
//! day questions other systems ask (is this a working day, what date is N working days on).
//!
//! The use cases are `gongkai_app::calendar`; this module holds the faces.

pub mod api;
pub mod console;

pub use gongkai_app::calendar::*;
