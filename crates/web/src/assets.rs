//! Stylesheet, script and images, compiled into the binary and served from `/static/`.
//! Nothing is loaded from another host.

use crate::app::AppState;
use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::OnceLock;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { name: "site.css", content_type: "text/css; charset=utf-8", body: include_bytes!("../static/site.css") },
    Asset { name: "app.js", content_type: "text/javascript; charset=utf-8", body: include_bytes!("../static/app.js") },
    Asset { name: "emblem.svg", content_type: "image/svg+xml", body: include_bytes!("../static/emblem.svg") },
];

/// A fingerprint of every asset, appended to their URLs so browsers may cache them for a
/// year and still see a new release at once.
fn fingerprint() -> &'static str {
    static PRINT: OnceLock<String> = OnceLock::new();
    PRINT.get_or_init(|| {
        let mut h = DefaultHasher::new();
        for a in ASSETS {
            a.body.hash(&mut h);
        }
        format!("{:08x}", h.finish() as u32)
    })
}

pub fn url(name: &str) -> String {
    format!("/static/{name}?v={}", fingerprint())
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(serve)).route("/favicon.ico", get(favicon))
}

async fn serve(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == path) else {
        return crate::errors::AppError::NotFound.into_response();
    };
    let etag = format!("\"{}-{}\"", fingerprint(), asset.name);
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let mut res = asset.body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    res
}

async fn favicon() -> Response {
    let asset = &ASSETS[2];
    ([(header::CONTENT_TYPE, asset.content_type), (header::CACHE_CONTROL, "public, max-age=86400")], asset.body)
        .into_response()
}
