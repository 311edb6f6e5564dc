//! Standard lists and unit catalogues: the console, the API and the portal. The use cases are
//! `gongkai_app::catalogue`.

pub mod api;
pub mod console;
pub mod portal;

pub use gongkai_app::catalogue::*;

/// An XLSX download under its Chinese name.
pub fn xlsx_response(name: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string()),
            (header::CONTENT_DISPOSITION, crate::documents::files::content_disposition(name, false)),
        ],
        bytes,
    )
        .into_response()
}
