//! Attachments: upload (console and API), removal, and the public download.

use crate::app::AppState;
use crate::auth::Principal;
use crate::errors::{AppError, PageResult};
use crate::forms::path_id;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;
use gongkai_store::attachments::{Attachment, FileKind};

pub fn public_routes() -> Router<AppState> {
    Router::new().route("/files/{id}/{name}", get(download))
}

/// Reads the multipart upload (`file`, and `alt` for images), checks and stores the file.
pub async fn upload(state: &AppState, p: &Principal, doc_id: i64, form: Multipart) -> Result<Attachment, AppError> {
    let upload = crate::forms::read_upload(form).await?;
    let alt = upload.fields.get("alt").to_string();
    Ok(gongkai_app::documents::attachments::add(state, p, doc_id, upload.file, &alt).await?)
}

pub use gongkai_app::documents::attachments::remove;

/// A public file. Stored files are named by their SHA-256, so that is their entity tag (the
/// same bytes, whatever the document); `Last-Modified` is the upload. A client holding the
/// file gets a 304 before the file is read. Files are not compressed: the kinds allowed (PDF,
/// Office, images, media) are compressed already.
async fn download(
    State(state): State<AppState>,
    Path((id, _name)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
) -> PageResult {
    let a = gongkai_app::documents::public::attachment(&state, path_id(&id)?).await?.ok_or(AppError::NotFound)?;
    let etag = HeaderValue::from_str(&format!("\"{}\"", a.sha256)).ok();
    let last_modified = Some(crate::http_cache::http_date(a.created_at));
    let cond = crate::http_cache::Conditions::of(&headers);
    let cache_control = HeaderValue::from_static("public, max-age=3600");
    if cond.not_modified(|inm| crate::http_cache::etag_matches(inm, &a.sha256), last_modified.as_ref()) {
        let mut res = axum::http::StatusCode::NOT_MODIFIED.into_response();
        let h = res.headers_mut();
        h.insert(header::CACHE_CONTROL, cache_control);
        if let Some(v) = etag {
            h.insert(header::ETAG, v);
        }
        if let Some(v) = last_modified {
            h.insert(header::LAST_MODIFIED, v);
        }
        return Ok(res);
    }
    let bytes = state.file_bytes(&a.sha256).await?;
    let kind = FileKind::from_content_type(&a.content_type);
    let inline = kind.is_some_and(|k| k.is_image() || k.is_media() || k == FileKind::Pdf);
    let disposition = content_disposition(&a.name, inline);
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&a.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, cache_control);
    if let Some(v) = etag {
        h.insert(header::ETAG, v);
    }
    if let Some(v) = last_modified {
        h.insert(header::LAST_MODIFIED, v);
    }
    Ok(res)
}

/// A file name as one percent-encoded path segment or RFC 5987 value (spaces as %20).
pub fn encode_name(name: &str) -> String {
    url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>().replace('+', "%20")
}

/// Bytes made for the caller (a workbook, a report) as a download under `name`.
pub fn as_download(bytes: Vec<u8>, content_type: &'static str, name: &str) -> axum::response::Response {
    let mut res = bytes.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(name, false)) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `Content-Disposition` for a download under its (Chinese) name.
pub fn content_disposition(name: &str, inline: bool) -> String {
    format!("{}; filename*=UTF-8''{}", if inline { "inline" } else { "attachment" }, encode_name(name))
}

/// A human size: 12.3 KB, 4.5 MB.
pub fn human_size(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MB", bytes as f64 / 1048576.0)
    }
}

pub fn type_label(content_type: &str) -> &'static str {
    match FileKind::from_content_type(content_type) {
        Some(FileKind::Pdf) => "PDF",
        Some(FileKind::Docx) => "Word",
        Some(FileKind::Xlsx) => "Excel",
        Some(FileKind::Mp4) => "视频",
        Some(FileKind::Mp3) => "音频",
        Some(_) => "图片",
        None => "文件",
    }
}
