//! Who is asking: console sessions (cookie + per-session form token), API tokens (bearer), and
//! the client address for the audit log and login throttling.

use crate::app::AppState;
use crate::errors::{ApiError, AppError};
use crate::page::cookie_value;
use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use gongkai_domain::staff::Action;
use std::net::SocketAddr;

pub const SESSION_COOKIE: &str = "gk_session";
/// Form token for the login form, before there is a session (double-submit cookie).
pub const LOGIN_CSRF_COOKIE: &str = "gk_csrf";

/// The client's address: the socket peer, or, when the server is configured to trust its
/// proxies, the address the nearest untrusted hop was seen from (`crate::net::client_addr`).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(client_ip(parts, state)))
    }
}

/// The socket peer's address, whatever the headers say.
pub fn peer_ip(parts: &Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_canonical())
}

fn client_ip(parts: &Parts, state: &AppState) -> String {
    let Some(peer) = peer_ip(parts) else { return String::new() };
    let forwarded: Vec<&str> =
        parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    crate::net::client_addr(peer, &forwarded, state.server.trust_proxy, &state.server.trusted_proxies).to_string()
}

pub use gongkai_app::Principal;

/// The console's signed-in user; without one, the browser is sent to the login page.
pub struct Staff(pub Principal);

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Option<Principal>>().cloned().flatten() {
            Some(p) => {
                if !p.may(Action::UseConsole) {
                    return Err(AppError::Forbidden.into_response());
                }
                Ok(Staff(p))
            }
            None => {
                // The original URI: inside the nested console router the path lacks "/admin".
                let uri = parts.extensions.get::<axum::extract::OriginalUri>().map(|o| &o.0).unwrap_or(&parts.uri);
                let next = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/admin");
                let next: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
                Err(Redirect::to(&format!("/admin/login?next={next}")).into_response())
            }
        }
    }
}

/// The API caller, authenticated by `Authorization: Bearer <token>`. Cookies are ignored on
/// the API, so no form token is needed there.
pub struct ApiStaff(pub Principal);

impl FromRequestParts<AppState> for ApiStaff {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let ApiCaller(caller) = ApiCaller::from_request_parts(parts, state).await?;
        let Some(principal) = caller else { return Err(ApiError(AppError::Unauthenticated)) };
        if !principal.may(Action::UseConsole) {
            return Err(ApiError(AppError::Forbidden));
        }
        Ok(ApiStaff(principal))
    }
}

/// An API caller who may or may not show a token: none without an `Authorization` header;
/// a header with a token that is not valid is refused (401), never taken as anonymous.
/// Partner accounts (12345, media) come this way; they have no console rights.
pub struct ApiCaller(pub Option<Principal>);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(header) = parts.headers.get(header::AUTHORIZATION) else { return Ok(ApiCaller(None)) };
        let header = header.to_str().unwrap_or("");
        let Some(secret) = header.strip_prefix("Bearer ").map(str::trim).filter(|s| !s.is_empty() && s.len() < 200)
        else {
            return Err(ApiError(AppError::Unauthenticated));
        };
        let Some(user) = gongkai_app::staff::token_user(state, secret).await.map_err(AppError::from)? else {
            return Err(ApiError(AppError::Unauthenticated));
        };
        let ip = client_ip(parts, state);
        Ok(ApiCaller(Some(Principal { user, ip, session: None })))
    }
}

pub fn session_cookie(state: &AppState, value: &str, max_age_secs: i64) -> String {
    Cookie::build((SESSION_COOKIE, value.to_string()))
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.server.secure_cookies)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

pub fn login_csrf_cookie(state: &AppState, value: &str) -> String {
    Cookie::build((LOGIN_CSRF_COOKIE, value.to_string()))
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.server.secure_cookies)
        .build()
        .to_string()
}

/// Loads the console session for every `/admin` request and checks the form token of every
/// state-changing request, so no console form can forget it. The token may come as the form
/// field `csrf`, the `X-CSRF-Token` header (scripts) or the `_csrf` query parameter (file
/// uploads, whose bodies are not parsed here).
pub async fn console_session(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let principal = match cookie_value(&parts.headers, SESSION_COOKIE) {
        Some(secret) if secret.len() < 200 => match gongkai_app::staff::session(&state, &secret).await {
            Ok(found) => {
                found.map(|f| Principal { user: f.user, ip: client_ip(&parts, &state), session: Some(f.session) })
            }
            Err(e) => return AppError::from(e).into_response(),
        },
        _ => None,
    };
    let body = if parts.method != Method::GET && parts.method != Method::HEAD {
        if !same_origin(&parts) {
            return AppError::Forbidden.into_response();
        }
        // File uploads carry the token in the address; their bodies are left to the handler.
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("multipart/form-data"));
        let (bytes, body) = if multipart {
            (axum::body::Bytes::new(), body)
        } else {
            match to_bytes(body, state.server.body_limit).await {
                Ok(b) => (b.clone(), Body::from(b)),
                Err(_) => return AppError::PayloadTooLarge.into_response(),
            }
        };
        let sent = submitted_token(&parts, &bytes);
        let expected = if parts.uri.path() == "/admin/login" || principal.is_none() {
            // Before login the token is bound to a cookie of this browser.
            cookie_value(&parts.headers, LOGIN_CSRF_COOKIE)
        } else {
            principal.as_ref().map(|p| p.csrf())
        };
        let ok = matches!((&sent, &expected), (Some(s), Some(e)) if !e.is_empty() && constant_time_eq(s.as_bytes(), e.as_bytes()));
        if !ok {
            return csrf_failure();
        }
        body
    } else {
        body
    };
    parts.extensions.insert(principal);
    next.run(Request::from_parts(parts, body)).await
}

fn csrf_failure() -> Response {
    AppError::BadRequest("表单已过期或来源无法确认，请返回上一页刷新后重新提交。".into()).into_response()
}

/// Browsers send `Origin` on cross-site posts; when present it must be this host.
fn same_origin(parts: &Parts) -> bool {
    let Some(origin) = parts.headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    if origin == "null" {
        return false;
    }
    let host = parts.headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let origin_host = origin.split("://").nth(1).unwrap_or("");
    origin_host == host
}

fn submitted_token(parts: &Parts, body: &[u8]) -> Option<String> {
    if let Some(h) = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Some(h.to_string());
    }
    if let Some(q) = parts.uri.query()
        && let Some((_, v)) = url::form_urlencoded::parse(q.as_bytes()).find(|(k, _)| k == "_csrf")
    {
        return Some(v.into_owned());
    }
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        return url::form_urlencoded::parse(body).find(|(k, _)| k == "csrf").map(|(_, v)| v.into_owned());
    }
    None
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
