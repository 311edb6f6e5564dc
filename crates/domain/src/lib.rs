//! Pure types and rules of gongkai. Nothing here does I/O, so every rule can be tested with
//! tables of concrete values.

#[macro_use]
mod macros;

pub mod annual_report;
pub mod attachments;
pub mod audit;
pub mod business_policy;
pub mod calendar;
pub mod catalogue;
pub mod codes;
pub mod columns;
pub mod consultation;
pub mod documents;
#[cfg(test)]
mod form_inputs;
pub mod html;
pub mod link_check;
pub mod live_blog;
pub mod meeting;
pub mod open_day;
pub mod paths;
pub mod privacy;
pub mod processing_fee;
pub mod qa;
pub mod reply_letter;
pub mod request_events;
pub mod request_form;
pub mod request_lifecycle;
pub mod requests;
pub mod staff;
pub mod time;
pub mod units;
pub mod validation;
pub mod wordcheck;
pub mod workflow;
