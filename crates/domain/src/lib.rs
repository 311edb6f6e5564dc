//! Pure types and rules of gongkai. Nothing here does I/O, so every rule can be tested with
//! tables of concrete values.

pub mod audit;
pub mod calendar;
pub mod codes;
pub mod staff;
pub mod time;
pub mod units;
pub mod validation;
