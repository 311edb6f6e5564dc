//! 图文直播: the public pages and the event stream, the console and the API of
//! `gongkai_app::live_blog`.

pub mod api;
pub mod console;
pub mod portal;
