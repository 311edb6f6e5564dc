//! Operations endpoints: liveness, readiness (the database answers) and metrics.

use crate::app::AppState;
use crate::errors::AppError;
use axum::Router;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz)).route("/metrics", get(metrics))
}

async fn healthz() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ok\n")
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.ping().await {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ready\n".to_string()),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "database unavailable\n".to_string(),
            )
        }
    }
}

/// The metrics, for the monitoring system only: a peer on this host (the socket's address,
/// never a forwarded one) or a caller with the metrics token. Anyone else is told there is no
/// such page, so the endpoint is not advertised.
async fn metrics(State(state): State<AppState>, parts: Parts) -> Response {
    let from_loopback = crate::auth::peer_ip(&parts).is_some_and(|ip| ip.is_loopback());
    let token_ok = state.server.metrics_token.as_deref().filter(|t| !t.is_empty()).is_some_and(|expected| {
        let sent = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("");
        sent.strip_prefix("Bearer ").is_some_and(|s| constant_time_eq(s.trim().as_bytes(), expected.as_bytes()))
    });
    if !(from_loopback || token_ok) {
        return AppError::NotFound.into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], state.metrics.encode())
        .into_response()
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
