//! The accept loop: HTTP/1.1 on hyper with the limits a public server needs.
//!
//! - Headers must arrive within `header_read_timeout`. hyper starts that timer whenever a
//!   connection waits for a request (hyper 1.x `Conn::poll_read_head`: the timer is armed when
//!   reading is in its initial state, which a kept-alive connection returns to after each
//!   response), so it is also the idle limit of keep-alive connections: a connection that sends
//!   nothing, a partial header or nothing after its last request is closed after it.
//! - A request body may pause at most `body_read_timeout` between parts (tower-http's
//!   `TimeoutBody`). There is no limit on a whole response: live broadcasts stream for hours.
//! - At most `max_connections_per_ip` connections per client address and `max_connections` in
//!   all; a connection past either cap is closed at once, before anything is read.
//! - On shutdown, no new connections are taken, idle ones are closed and requests in flight
//!   finish.
//!
//! hyper's own HTTP/1 builder is used rather than hyper-util's `auto` builder: with upgrades
//! enabled, `auto` first reads the opening bytes to tell HTTP/2 from HTTP/1 with no timeout,
//! so a client that connects and sends nothing would be held for ever; and HTTP/2 is not
//! compiled into this program anyway (axum's `serve` answered HTTP/1 only, too). Graceful
//! shutdown is done here with a watch channel, as hyper-util's `GracefulShutdown` does,
//! because that helper does not accept hyper's upgradeable HTTP/1 connections.

use crate::app::AppState;
use crate::net::{ConnectionLimits, Refused};
use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::pin::pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt;
use tower_http::timeout::TimeoutBody;

/// Serves until `shutdown` resolves, then lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let local = listener.local_addr()?;
    let _ = state.listen_url.set(format!("http://{local}"));
    let opts = state.server.clone();
    let router = crate::app::router(state);
    // The assets' compressed copies, made once at the best level, before the first reader asks.
    tokio::task::spawn_blocking(crate::assets::warm);
    let limits = ConnectionLimits::new(opts.max_connections_per_ip.max(1), opts.max_connections.max(1));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(opts.header_read_timeout).keep_alive(true);
    let (close_tx, close_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors, or a connection reset before it was taken:
                    // wait a moment instead of spinning, and go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        // Behind trusted proxies many clients share the proxy's address; only the total applies.
        let exempt = opts.trust_proxy && (opts.trusted_proxies.is_empty() || opts.trusted_proxies.contains(peer.ip()));
        let permit = match limits.admit(peer.ip(), exempt) {
            Ok(p) => p,
            Err(why) => {
                let (total, from_peer) = limits.open(peer.ip());
                match why {
                    Refused::PerClient => tracing::debug!(%peer, from_peer, "connection refused: per-address cap"),
                    Refused::Total => tracing::warn!(%peer, total, "connection refused: connection cap reached"),
                }
                drop(stream);
                continue;
            }
        };
        let router = router.clone();
        let body_timeout = opts.body_read_timeout;
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let req = req.map(|body| Body::new(TimeoutBody::new(body_timeout, body)));
            router.clone().oneshot(req)
        });
        let conn = http.serve_connection(TokioIo::new(stream), service).with_upgrades();
        let mut close = close_rx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let mut conn = pin!(conn);
            tokio::select! {
                done = conn.as_mut() => {
                    if let Err(e) = done {
                        tracing::debug!(%peer, error = %e, "connection ended with an error");
                    }
                }
                _ = close.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.as_mut().await;
                }
            }
            drop(close);
        });
    }
    drop(listener);
    drop(close_rx);
    let _ = close_tx.send(());
    close_tx.closed().await;
    Ok(())
}
