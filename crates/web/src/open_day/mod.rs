//! 政府开放活动: the public pages, the console and the API of `gongkai_app::open_day`.

pub mod api;
pub mod console;
pub mod portal;
