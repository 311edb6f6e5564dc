//! Stylesheet, script and images, compiled into the binary and served from `/static/`.
//! Nothing is loaded from another host.

use crate::app::AppState;
use crate::http_cache::{Conditions, Effort, Head, Representation, compressible, respond};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue};
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
    Asset {
        name: "check_in.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/check_in.js"),
    },
    Asset {
        name: "live.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../static/live.js"),
    },
    Asset { name: "emblem.svg", content_type: "image/svg+xml", body: include_bytes!("../static/emblem.svg") },
];

/// The check-in page's service worker, served from the console's open-day path so that its
/// scope covers the check-in pages (`crate::open_day::console`).
pub const CHECK_IN_SW: &str = include_str!("../static/check_in_sw.js");

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

/// Each asset with its gzip and brotli copies at the best compression, made once per process
/// (`warm` at start-up, off the request path) and served as they are: reading 60 KB of CSS
/// with brotli 11 takes tens of milliseconds, far too long per request, and nothing for a copy
/// made once. The entity tag stays `"<fingerprint>-<name>"` (with the encoding's suffix).
fn compressed() -> &'static [Representation] {
    static COPIES: OnceLock<Vec<Representation>> = OnceLock::new();
    COPIES.get_or_init(|| {
        ASSETS
            .iter()
            .map(|a| {
                let rep = Representation::new(
                    Bytes::from_static(a.body),
                    format!("{}-{}", fingerprint(), a.name),
                    Effort::Best,
                );
                if compressible(a.content_type) {
                    rep.warm();
                }
                rep
            })
            .collect()
    })
}

/// Compresses the assets now; `crate::server::serve` runs it on the blocking pool at start.
pub fn warm() {
    compressed();
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/static/{*path}", get(serve)).route("/favicon.ico", get(favicon))
}

/// A fingerprinted URL (`?v=` of this release) may be kept for a year unchanged; any other
/// (an old release's, or none) must be checked again, or a browser would keep a stale file
/// under an address that does not change.
async fn serve(Path(path): Path<String>, Query(q): Query<Vec<(String, String)>>, headers: HeaderMap) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.name == path) else {
        return crate::errors::AppError::NotFound.into_response();
    };
    let fingerprinted = q.iter().any(|(k, v)| k == "v" && v == fingerprint());
    let cache_control = if fingerprinted { "public, max-age=31536000, immutable" } else { "public, no-cache" };
    answer(i, cache_control, &headers)
}

fn answer(i: usize, cache_control: &'static str, headers: &HeaderMap) -> Response {
    let content_type = HeaderValue::from_static(ASSETS[i].content_type);
    let head = Head { content_type: &content_type, cache_control, vary: "Accept-Encoding", last_modified: None };
    respond(&compressed()[i], &Conditions::of(headers), &head)
}

async fn favicon(headers: HeaderMap) -> Response {
    answer(2, "public, max-age=86400", &headers)
}
