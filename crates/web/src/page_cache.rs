//! The whole-page cache: finished public portal pages, kept per node, so that a reader's
//! request for the home page or a document costs a lookup instead of queries and a template.
//!
//! What is kept, and why it is safe:
//! - Only GET (and HEAD, answered from a page a GET kept) of the portal routes in
//!   `CACHEABLE_ROUTES`: pages that are the same for every anonymous reader. Pages with
//!   per-visitor content — the application form (its challenge), request tracking and its
//!   files, `/preferences`, the console, the API, the annual-report figures (from requests, which
//!   change without a public event) — are not listed, so never kept. A route added later is not
//!   kept until someone lists it.
//! - Only for requests without a console session cookie: a member of staff signed in never gets
//!   a kept page and never puts one in (the portal shows staff nothing else today, but that must
//!   not depend on it), nor do requests with `Authorization`.
//! - Only `200 text/html` answers without `Set-Cookie`, without `Cache-Control: no-store` or
//!   `private`, and at most `MAX_PAGE` bytes.
//! - The key is the path and query as sent plus the elder-mode flag (the only preference that
//!   changes a page); compressed copies live in the entry, so variants never mix.
//!
//! When it is dropped: `AppState::public_changed` (documents, columns, catalogues, and on every
//! node when the indexer applies the outbox) and `AppState::invalidate_units` drop it; so do
//! calendar changes. Each drop raises a generation: a page rendered before the drop (which may
//! hold the old data) is refused when it is stored and when it is read, so no page older than
//! the last drop is ever served. `TTL` bounds what no event reaches (a change on another node
//! that is not in the outbox, such as a unit renamed there, which this node's unit tree also
//! only sees after its 30 s).
//!
//! Bounds: `CAPACITY` bytes in all (weighted by body size, with room for the compressed
//! copies), `MAX_PAGE` bytes per page, and a query of at most `MAX_TARGET` bytes (longer ones are
//! rendered but not kept). quick_cache's eviction keeps pages read often when one-off search
//! queries stream through.

use crate::app::AppState;
use crate::auth::SESSION_COOKIE;
use crate::http_cache::{Conditions, Effort, Head, Representation, respond};
use crate::page::{Prefs, cookie_value};
use axum::body::Bytes;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub const TTL: Duration = Duration::from_secs(30);
pub const CAPACITY: u64 = 64 * 1024 * 1024;
pub const MAX_PAGE: usize = 1024 * 1024;
pub const MAX_TARGET: usize = 1024;

/// Kept pages are public, but each reader's browser must ask again (`no-cache`) with the tag it
/// has, so a change shows at once; the answer is a 304 when nothing changed. `Vary: Cookie`
/// because the elder-mode cookie chooses the variant.
const CACHE_CONTROL: &str = "no-cache";
const VARY: &str = "Accept-Encoding, Cookie";

/// Route patterns (as `MatchedPath` gives them) of pages that are the same for every anonymous
/// reader. The navigation's landing and "建设中" pages are added from `crate::portal::NAV`.
const CACHEABLE_ROUTES: &[&str] = &[
    "/",
    "/sitemap",
    "/about",
    "/contact",
    "/accessibility",
    "/units",
    "/units/{id}",
    "/units/{id}/catalogue",
    "/documents/{id}",
    "/gongkai/catalogue",
    "/gongkai/guide",
    "/gongkai/rules",
    "/gongkai/annual-reports",
    "/interpretations",
    "/columns/{id}",
    "/search",
];

fn cacheable_route(pattern: &str) -> bool {
    if CACHEABLE_ROUTES.contains(&pattern) {
        return true;
    }
    // Landing and section pages of the navigation; `/requests` is not a plain page (it leads
    // into the application and tracking pages), so it is left out with them.
    // `/open-days` (seats left) and `/live` (what is on air) change without a public event.
    !["/requests", "/open-days", "/live"].contains(&pattern)
        && crate::portal::NAV.iter().any(|top| top.path == pattern || top.children.iter().any(|c| c.path == pattern))
}

#[derive(Debug, Hash, PartialEq, Eq)]
struct Key {
    target: Box<str>,
    elder: bool,
}

/// A key borrowed from the request, for lookups without an allocation; hashes as `Key` does.
#[derive(Hash)]
struct KeyRef<'a> {
    target: &'a str,
    elder: bool,
}

impl quick_cache::Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.elder == key.elder && self.target == &*key.target
    }
}

struct Page {
    body: Representation,
    content_type: HeaderValue,
    last_modified: Option<HeaderValue>,
    generation: u64,
    at: Instant,
}

#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<Key, Arc<Page>> for Weight {
    fn weight(&self, key: &Key, page: &Arc<Page>) -> u64 {
        // The body, about half as much again for its gzip and brotli copies once made, and
        // the entry's own overhead.
        (key.target.len() + page.body.len() * 3 / 2 + 512) as u64
    }
}

pub struct PageCache {
    pages: quick_cache::sync::Cache<Key, Arc<Page>, Weight>,
    generation: AtomicU64,
}

impl Default for PageCache {
    fn default() -> Self {
        PageCache::new(CAPACITY)
    }
}

impl PageCache {
    pub fn new(capacity: u64) -> Self {
        PageCache {
            pages: quick_cache::sync::Cache::with_weighter((capacity / 16_384) as usize, capacity, Weight),
            generation: AtomicU64::new(0),
        }
    }

    /// Drops every kept page; pages being rendered now will not be kept.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        self.pages.clear();
    }

    pub fn len(&self) -> usize {
        self.pages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    fn fresh(&self, target: &str, elder: bool) -> Option<Arc<Page>> {
        let page = self.pages.get(&KeyRef { target, elder })?;
        (page.generation == self.generation.load(Ordering::SeqCst) && page.at.elapsed() < TTL).then_some(page)
    }
}

/// The target (path and query) of a request the cache may answer, or `None`.
fn cacheable(req: &Request) -> Option<&str> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return None;
    }
    if !req.extensions().get::<MatchedPath>().is_some_and(|p| cacheable_route(p.as_str())) {
        return None;
    }
    let h = req.headers();
    if h.contains_key(header::AUTHORIZATION) || cookie_value(h, SESSION_COOKIE).is_some() {
        return None;
    }
    let target = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/");
    (target.len() <= MAX_TARGET).then_some(target)
}

fn head(page: &Page) -> Head<'_> {
    Head {
        content_type: &page.content_type,
        cache_control: CACHE_CONTROL,
        vary: VARY,
        last_modified: page.last_modified.as_ref(),
    }
}

/// The middleware: answers from a kept page, or renders, keeps and answers. It runs inside the
/// security headers and metrics layers, so a hit gets both, and before everything else.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !state.server.page_cache {
        return next.run(req).await;
    }
    let Some(target) = cacheable(&req) else { return next.run(req).await };
    let elder = Prefs::from_headers(req.headers()).elder;
    if let Some(page) = state.pages.fresh(target, elder) {
        state.metrics.page_cache(true);
        return respond(&page.body, &Conditions::of(req.headers()), &head(&page));
    }
    state.metrics.page_cache(false);
    // axum answers HEAD with GET's handler but an empty body: nothing to keep.
    if req.method() != Method::GET {
        return next.run(req).await;
    }
    let key = Key { target: target.into(), elder };
    let cond = Conditions::of(req.headers());
    let generation = state.pages.generation.load(Ordering::SeqCst);
    let res = next.run(req).await;
    let Some(content_type) = storable(&res) else { return res };
    let (parts, body) = res.into_parts();
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_PAGE).await {
        Ok(b) => b,
        Err(e) => return crate::errors::AppError::internal(format!("page body: {e}")).into_response(),
    };
    let page = Arc::new(Page {
        body: Representation::hashed(bytes, Effort::Page),
        content_type,
        last_modified: parts.headers.get(header::LAST_MODIFIED).cloned(),
        generation,
        at: Instant::now(),
    });
    // A drop while this page was rendered may have come after its data was read: not kept.
    if state.pages.generation.load(Ordering::SeqCst) == generation {
        state.pages.pages.insert(key, page.clone());
    }
    let mut out = respond(&page.body, &cond, &head(&page));
    // Headers the handler set that `respond` does not write (none today; kept for safety).
    for (name, value) in parts.headers.iter() {
        if !out.headers().contains_key(name) && name != header::CONTENT_LENGTH && name != header::CONTENT_TYPE {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// The content type of an answer that may be kept, or `None`.
fn storable(res: &Response) -> Option<HeaderValue> {
    if res.status() != StatusCode::OK {
        return None;
    }
    let h = res.headers();
    let content_type = h.get(header::CONTENT_TYPE)?;
    if !content_type.to_str().is_ok_and(|t| t.starts_with("text/html")) {
        return None;
    }
    if h.contains_key(header::SET_COOKIE) || h.contains_key(header::CONTENT_ENCODING) {
        return None;
    }
    let private = h
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.contains("no-store") || v.contains("private"));
    if private {
        return None;
    }
    let size = axum::body::HttpBody::size_hint(res.body()).exact()?;
    (size as usize <= MAX_PAGE).then(|| content_type.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_portal_routes_are_kept() {
        for ok in ["/", "/documents/{id}", "/units/{id}", "/search", "/gongkai", "/hudong", "/policies", "/meetings"] {
            assert!(cacheable_route(ok), "{ok}");
        }
        for no in [
            "/requests",
            "/open-days",
            "/live",
            "/live/{id}",
            "/requests/new",
            "/requests/track",
            "/requests/{tracking_no}",
            "/requests/{tracking_no}/files/{id}",
            "/preferences/elder",
            "/admin",
            "/admin/documents",
            "/api/v1/documents",
            "/gongkai/annual-reports/{unit_id}/{year}",
            "/files/{id}/{name}",
            "/static/{*path}",
            "/metrics",
        ] {
            assert!(!cacheable_route(no), "{no}");
        }
    }

    fn page(generation: u64) -> Arc<Page> {
        Arc::new(Page {
            body: Representation::hashed(Bytes::from_static(b"<p>page</p>"), Effort::Page),
            content_type: HeaderValue::from_static("text/html; charset=utf-8"),
            last_modified: None,
            generation,
            at: Instant::now(),
        })
    }

    #[test]
    fn variants_are_apart_and_a_drop_empties_the_cache() {
        let cache = PageCache::new(1024 * 1024);
        cache.pages.insert(Key { target: "/".into(), elder: false }, page(0));
        assert!(cache.fresh("/", false).is_some());
        assert!(cache.fresh("/", true).is_none());
        assert!(cache.fresh("/?a=1", false).is_none());
        cache.invalidate();
        assert!(cache.fresh("/", false).is_none());
        // A page rendered before the drop is refused even if it got in afterwards.
        cache.pages.insert(Key { target: "/".into(), elder: false }, page(0));
        assert!(cache.fresh("/", false).is_none());
        cache.pages.insert(Key { target: "/".into(), elder: false }, page(1));
        assert!(cache.fresh("/", false).is_some());
    }

    #[test]
    fn the_cache_holds_no_more_than_its_capacity() {
        let cache = PageCache::new(64 * 1024);
        for i in 0..1000 {
            cache.pages.insert(Key { target: format!("/search?q={i}").into(), elder: false }, page(0));
        }
        assert!(cache.len() < 1000);
        assert!(cache.pages.weight() <= 64 * 1024);
    }
}
