//! Application state, the router and the server loop.

use crate::cache::Cached;
use crate::config::{ServerOptions, SiteConfig};
use crate::errors::{AppError, ErrorInfo, default_text, problem_response};
use crate::metrics::Metrics;
use crate::page::{Page, Prefs};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use gongkai_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// The web faces' state: the application context (unit tree, calendar, …, reached through
/// `Deref`, so use cases take `&state` and `state.calendar()` reads as before) and what only the
/// web needs: its caches of finished pages and lists, the site's settings, metrics.
pub struct Inner {
    pub app: gongkai_app::Context,
    pub site: Arc<SiteConfig>,
    pub server: ServerOptions,
    /// The newest documents and interpretations on the home page, the busiest page: one query
    /// per time-to-live instead of one per view. The indexer drops it when public content changes.
    pub home_latest: Cached<crate::portal::Latest>,
    /// What a unit's page shows besides the unit itself (latest documents, columns, catalogue
    /// size), per unit, for the same reason.
    pub unit_extras: crate::cache::Keyed<i64, crate::units::portal::UnitExtras>,
    /// Finished public pages for anonymous readers (`crate::page_cache`), dropped with the
    /// copies above.
    pub pages: crate::page_cache::PageCache,
    pub metrics: Metrics,
    pub search: Arc<gongkai_search::SearchIndex>,
    /// `http://<address the server listens on>`, set by `serve`: the base of absolute links
    /// when no public URL is configured (never the request's `Host`, which the client chooses).
    pub listen_url: std::sync::OnceLock<String>,
    /// Challenges issued per client address, in memory (per node).
    pub challenge_limiter: governor::DefaultKeyedRateLimiter<String>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl std::ops::Deref for Inner {
    type Target = gongkai_app::Context;
    fn deref(&self) -> &gongkai_app::Context {
        &self.app
    }
}

/// What the application context tells the web faces after a write: drop the copies of lists
/// and pages. Holds the state weakly (the state holds the context that holds this).
struct WebEffects(std::sync::Weak<Inner>);

impl gongkai_app::Effects for WebEffects {
    fn public_changed(&self) {
        if let Some(inner) = self.0.upgrade() {
            inner.drop_public_copies();
        }
    }
    fn units_changed(&self) {
        if let Some(inner) = self.0.upgrade() {
            inner.pages.invalidate();
        }
    }
}

impl Inner {
    fn drop_public_copies(&self) {
        self.home_latest.invalidate();
        self.unit_extras.invalidate();
        self.pages.invalidate();
    }
}

/// The fixed pages of the portal a document may link to: the home, the main sections and
/// every entry of the navigation.
fn site_paths() -> Vec<String> {
    ["/", "/units", "/search", "/sitemap", "/gongkai", "/hudong", "/about", "/contact", "/accessibility"]
        .into_iter()
        .map(String::from)
        .chain(
            crate::portal::NAV
                .iter()
                .flat_map(|n| std::iter::once(n).chain(n.children.iter()))
                .map(|n| n.path.to_string()),
        )
        .collect()
}

impl AppState {
    pub fn new(
        store: Store,
        site: SiteConfig,
        server: ServerOptions,
        search: Arc<gongkai_search::SearchIndex>,
    ) -> Self {
        let per_minute =
            std::num::NonZeroU32::new(server.challenges_per_minute.max(1)).unwrap_or(std::num::NonZeroU32::MIN);
        let options = gongkai_app::Options {
            letter_font: server.letter_font.clone(),
            throttle_delay_max: server.throttle_delay_max,
            extractor: server.extractor.clone(),
            extract_limits: server.extract_limits,
            link_check: server.link_check,
            site_paths: site_paths(),
            partner_opinions_burst: server.partner_opinions_burst,
        };
        AppState(Arc::new_cyclic(|weak| Inner {
            app: gongkai_app::Context::new(store, options, Arc::new(WebEffects(weak.clone()))),
            site: Arc::new(site),
            server,
            home_latest: Cached::new(Duration::from_secs(30)),
            unit_extras: crate::cache::Keyed::new(Duration::from_secs(30), 10_000),
            pages: crate::page_cache::PageCache::default(),
            metrics: Metrics::default(),
            search,
            listen_url: std::sync::OnceLock::new(),
            challenge_limiter: governor::RateLimiter::keyed(governor::Quota::per_minute(per_minute)),
        }))
    }

    /// Brings the search index up to date with the outbox of public changes; when anything
    /// changed, the cached public lists are read afresh.
    pub async fn sync_public(&self) -> gongkai_search::Result<usize> {
        gongkai_app::search::sync(&self.app, &self.search).await
    }

    /// The base of absolute links (`https://host`, no trailing slash): the public URL, else
    /// the address the server listens on.
    pub fn base_url(&self) -> String {
        match self.site.public_url.trim().trim_end_matches('/') {
            "" => self.listen_url.get().cloned().unwrap_or_else(|| "http://localhost".into()),
            configured => configured.to_string(),
        }
    }

    /// The host (and port) of `base_url`, for the `SiteDomain` meta tag.
    pub fn base_host(&self) -> String {
        let base = self.base_url();
        base.split_once("://").map(|(_, rest)| rest).unwrap_or(&base).split('/').next().unwrap_or("").to_string()
    }
}

pub fn router(state: AppState) -> Router {
    let count_statements = state.server.count_statements;
    let (api, openapi) = crate::api::router(state.server.attachment_limit).split_for_parts();
    let openapi = Arc::new(crate::api::finish(openapi));
    let app = Router::new()
        .merge(crate::portal::routes())
        .nest("/admin", crate::console::routes(state.clone()))
        .merge(api)
        .route(
            "/api/v1/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .merge(crate::ops::routes())
        .merge(crate::assets::routes())
        .fallback(|| async { AppError::NotFound })
        // Extractors read at most body_limit; the upload routes allow more. The outer layer
        // refuses anything larger than the largest upload before reading it.
        .layer(axum::extract::DefaultBodyLimit::max(state.server.body_limit))
        .layer(RequestBodyLimitLayer::new(
            state.server.attachment_limit.max(state.server.body_limit).max(crate::requests::APPLICATION_BODY_LIMIT)
                + 64 * 1024,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), finish_errors))
        // Kept pages are answered here: after routing (the route decides what may be kept),
        // inside the security headers and the metrics, before anything else.
        .layer(middleware::from_fn_with_state(state.clone(), crate::page_cache::layer))
        .layer(middleware::from_fn_with_state(state.clone(), crate::security::headers))
        .layer(middleware::from_fn_with_state(state.clone(), crate::metrics::track))
        .layer(crate::http_cache::compression_layer())
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }))
        .with_state(state);
    // Outermost, so that the session lookup, the page cache and every other layer count too.
    if count_statements { app.layer(middleware::from_fn(count_statements_layer)) } else { app }
}

/// The header that tells a test how many SQL statements its request ran.
pub const STATEMENTS_HEADER: &str = "x-gongkai-statements";

/// For tests (`ServerOptions::count_statements`): runs the request in a statement-counting
/// scope (`gongkai_store::counting`, a task-local the store's executors bump) and sends the
/// count in `x-gongkai-statements`. Statements run by tasks a handler spawns are not counted;
/// no handler runs statements that way.
async fn count_statements_layer(req: Request, next: Next) -> Response {
    let (mut res, n) = gongkai_store::counting(next.run(req)).await;
    res.headers_mut().insert(STATEMENTS_HEADER, header::HeaderValue::from(n));
    res
}

/// Turns every error response that is not already a finished page or problem document (our
/// own errors, axum's rejections, the body limit, unknown routes) into one: a problem
/// document under `/api/`, a page in the site's layout elsewhere.
async fn finish_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let is_console = req.uri().path().starts_with("/admin");
    let prefs = Prefs::from_headers(req.headers());
    let path = req.uri().path().to_string();
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req.headers().get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0");
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let content_type = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if content_type.starts_with("text/html") || content_type.starts_with("application/problem+json") {
        return close_if_unread(res, has_body);
    }
    let info = res.extensions().get::<ErrorInfo>().cloned().unwrap_or_else(|| {
        let (title, detail) = default_text(status);
        ErrorInfo { status: status.as_u16(), title: title.into(), detail: detail.into(), errors: vec![] }
    });
    let kept: Vec<_> = [header::RETRY_AFTER, header::WWW_AUTHENTICATE, header::ALLOW]
        .into_iter()
        .filter_map(|h| res.headers().get(&h).cloned().map(|v| (h, v)))
        .collect();
    let mut out = if is_api {
        problem_response(&info)
    } else {
        let page = Page::new(&state.site, &info.title, &path, prefs, if is_console { "console" } else { "" })
            .host_from(state.base_host());
        crate::portal::error_page(&page, &info, is_console)
    };
    *out.status_mut() = status;
    for (h, v) in kept {
        out.headers_mut().insert(h, v);
    }
    close_if_unread(out, has_body)
}

/// A request refused before its body was read (too large, the wrong content type, no token)
/// leaves the rest of the body on the connection, so the connection cannot carry another
/// request; saying so lets clients open a new one instead of failing on the next request they
/// send. Whether a handler read the body is not known here, so every error answer to a request
/// with a body closes: one reconnect after an error costs little.
fn close_if_unread(mut res: Response, has_body: bool) -> Response {
    if has_body || res.status() == StatusCode::PAYLOAD_TOO_LARGE {
        res.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    }
    res
}

/// Keeps the search index up with the outbox: at once after a change on this node, and every
/// `interval` for changes made on other nodes or by the command line.
pub fn spawn_indexer(state: AppState, interval: Duration) {
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = state.search_wake.notified() => {}
                _ = tokio::time::sleep(interval) => {}
            }
            if let Err(e) = state.sync_public().await {
                tracing::warn!(error = %e, "search index sync failed");
            }
        }
    });
}

/// Publishes the documents whose scheduled time has come; returns how many.
pub async fn publish_due(state: &AppState) -> Result<usize, AppError> {
    Ok(gongkai_app::documents::publish_due(state).await?)
}

/// Runs `publish_due` every half minute.
pub fn spawn_scheduler(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(30));
        loop {
            tick.tick().await;
            if let Err(e) = publish_due(&state).await {
                tracing::warn!(error = ?e, "scheduled publication failed");
            }
        }
    });
}

/// Serves until `shutdown` resolves, then lets requests in flight finish (see `crate::server`).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::server::serve(listener, state, shutdown).await
}
