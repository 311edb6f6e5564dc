//! The network edge: slow and idle connections, connection caps, redirect targets from
//! input, the client address behind proxies, the metrics endpoint, absolute links and the
//! link checker's refusal of internal addresses.

use crate::common;
use common::{App, Db, TestApp, client, csrf_in, location};
use gongkai_web::ServerOptions;
use gongkai_web::link_checker::{AllowList, check, client as checker};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long a test waits for the server to close a connection before calling it held open.
/// Generous: this bounds a failing test, it is not a speed goal.
const PATIENCE: Duration = Duration::from_secs(15);

fn addr(app: &App) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// Reads until the server closes the connection; `None` if it is still open after `PATIENCE`.
async fn closed_by_server(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let until = tokio::time::Instant::now() + PATIENCE;
    loop {
        match tokio::time::timeout_at(until, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0)) | Ok(Err(_)) => return Some(got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// One request over a fresh connection with `Connection: close`; the whole answer.
async fn raw(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    String::from_utf8_lossy(&closed_by_server(&mut s).await.expect("the server answers and closes")).into_owned()
}

async fn start(options: ServerOptions) -> TestApp {
    TestApp::start_with(Db::Sqlite, options).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partial_headers_are_cut_off_while_others_are_served() {
    let app = start(ServerOptions { header_read_timeout: Duration::from_secs(1), ..TestApp::options() }).await;
    let h = app.clone_handle();
    let mut slow = TcpStream::connect(addr(&h)).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: example\r\nX-Slow: ").await.unwrap();
    // A connection that sends nothing at all is held no longer.
    let mut silent = TcpStream::connect(addr(&h)).await.unwrap();
    assert_eq!(h.get("/healthz").await.status(), StatusCode::OK, "others are served meanwhile");
    let answer = closed_by_server(&mut slow).await.expect("a partial header is not held open");
    assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    assert!(closed_by_server(&mut silent).await.is_some(), "a silent connection is not held open");
    assert_eq!(h.get("/healthz").await.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_are_closed() {
    let app = start(ServerOptions { header_read_timeout: Duration::from_secs(1), ..TestApp::options() }).await;
    let h = app.clone_handle();
    let mut s = TcpStream::connect(addr(&h)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: example\r\n\r\n").await.unwrap();
    let mut buf = vec![0u8; 4096];
    let mut got = String::new();
    while !got.ends_with("ok\n") {
        let n = tokio::time::timeout(PATIENCE, s.read(&mut buf)).await.unwrap().unwrap();
        assert!(n > 0, "the answer came before the close: {got}");
        got.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(got.starts_with("HTTP/1.1 200") && !got.to_ascii_lowercase().contains("connection: close"), "{got}");
    // Kept alive, then closed once idle.
    assert!(closed_by_server(&mut s).await.is_some(), "an idle keep-alive connection is not held open");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_are_refused() {
    let app = start(ServerOptions { body_read_timeout: Duration::from_secs(1), ..TestApp::options() }).await;
    let h = app.clone_handle();
    let mut s = TcpStream::connect(addr(&h)).await.unwrap();
    s.write_all(
        b"POST /api/v1/requests HTTP/1.1\r\nHost: example\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"unit",
    )
    .await
    .unwrap();
    let answer = closed_by_server(&mut s).await.expect("a stalled body is not waited for");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 4"), "a client error, never a 500: {answer}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_per_address_are_capped() {
    let app = start(ServerOptions { max_connections_per_ip: 3, ..TestApp::options() }).await;
    let h = app.clone_handle();
    let mut open = Vec::new();
    for _ in 0..3 {
        open.push(TcpStream::connect(addr(&h)).await.unwrap());
    }
    // The fourth is closed at once, before anything is read.
    let mut fourth = TcpStream::connect(addr(&h)).await.unwrap();
    let _ = fourth.write_all(b"GET /healthz HTTP/1.1\r\nHost: example\r\n\r\n").await;
    let answer = closed_by_server(&mut fourth).await.expect("the connection past the cap is closed");
    assert!(answer.is_empty(), "nothing is served past the cap: {}", String::from_utf8_lossy(&answer));
    // The three are served.
    let mut first = open.remove(0);
    first.write_all(b"GET /healthz HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n").await.unwrap();
    let answer = String::from_utf8_lossy(&closed_by_server(&mut first).await.unwrap()).into_owned();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A closed connection gives its place back.
    drop(first);
    let mut served = false;
    for _ in 0..50 {
        let mut s = TcpStream::connect(addr(&h)).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: example\r\nConnection: close\r\n\r\n").await.unwrap();
        if String::from_utf8_lossy(&closed_by_server(&mut s).await.unwrap()).starts_with("HTTP/1.1 200") {
            served = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(served, "the place of a closed connection is given back");
    drop(open);
    app.stop().await;
}

both!(redirect_targets_stay_on_this_site, |app: App| async move {
    let c = client();
    for (given, want) in [
        ("%2F%09%2Fevil.com", "/"),
        ("%2F%5Cevil.com", "/"),
        ("https%3A%2F%2Fevil.com", "/"),
        ("%2F%2Fevil.com", "/"),
        ("%2Funits%0D%0ASet-Cookie%3A%20x%3Dy", "/"),
        // The form layer drops NUL before the check.
        ("%2Funits%00", "/units"),
        ("%2Funits%3Fq%3D%E5%8E%86", "/units?q=%E5%8E%86"),
    ] {
        let res = c.get(app.url(&format!("/preferences/elder?on=1&return={given}"))).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{given}");
        assert_eq!(location(&res), want, "{given}");
    }
    // After a good password, a hostile `next` still ends on a console page, signed in.
    for (next, want) in [
        ("/admin\t/evil.com", "/admin"),
        ("/admin/users\r\nSet-Cookie: x=y", "/admin"),
        ("/admin/users\u{7}", "/admin"),
        ("//evil.com/admin", "/admin"),
        ("/admin/../\\evil.com", "/admin"),
        ("https://evil.com/admin", "/admin"),
        ("/admin/users?q=a%20b", "/admin/users?q=a%20b"),
    ] {
        let c = client();
        let page = c.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
        let token = csrf_in(&page).unwrap();
        let res = c
            .post(app.url("/admin/login"))
            .form(&[
                ("csrf", token.as_str()),
                ("username", "admin"),
                ("password", &common::password_of("admin")),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(location(&res), want, "{next:?}");
        assert!(res.headers().get("set-cookie").unwrap().to_str().unwrap().starts_with("gk_session="), "{next:?}");
        assert_eq!(c.get(app.url("/admin")).send().await.unwrap().status(), StatusCode::OK, "signed in: {next:?}");
    }
    // The login form carries only a cleaned target.
    let page = client().get(app.url("/admin/login?next=%2F%2Fevil.com")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("evil.com"));
});

/// A server that trusts the proxy in front of it (the test's own address is that proxy).
async fn behind_proxy(db: Db) -> TestApp {
    TestApp::start_with(db, ServerOptions { trust_proxy: true, ..TestApp::options() }).await
}

/// The address the proxy appends for every request in these tests: the real client.
const REAL: &str = "198.51.100.7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoofed_forwarded_for_does_not_escape_limits_sqlite() {
    spoofed_forwarded_for(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spoofed_forwarded_for_does_not_escape_limits_postgres() {
    spoofed_forwarded_for(Db::Postgres).await;
}

async fn spoofed_forwarded_for(db: Db) {
    let server = behind_proxy(db).await;
    let app = server.clone_handle();
    let xff = |i: usize| format!("203.0.113.{i}, {REAL}");
    // Applications: ten per address, whatever the client writes in front of the proxy's entry.
    let ybj = app.unit_id("济南市医疗保障局").await;
    let mut statuses = Vec::new();
    for i in 0..11 {
        let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
        let body = json!({
            "unit_id": ybj.to_string(),
            "applicant_type": "person",
            "name": "欧阳明远",
            "id_type": "citizen_id",
            "id_number": format!("37010219850615123{}", gongkai_domain::codes::citizen_id_check_char("37010219850615123").unwrap()),
            "phone": "13905318765",
            "email": "ouyang@example.com",
            "address": "济南市历下区泉城路188号",
            "postcode": "250011",
            "description": "2025年济南市城乡居民医疗保险门诊慢特病病种目录及其调整依据",
            "provision_form": "electronic",
            "delivery": "email",
            "challenge_id": c["id"],
            "challenge_answer": common::solve(c["question"].as_str().unwrap()),
        });
        let res = client()
            .post(app.url("/api/v1/requests"))
            .header("x-forwarded-for", xff(i))
            .json(&body)
            .send()
            .await
            .unwrap();
        statuses.push(res.status());
    }
    assert!(statuses[..10].iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS, "the eleventh from one address is refused");

    // Logins: thirty failures per address, whatever the client writes.
    let mut last = StatusCode::OK;
    for i in 0..31 {
        let c = client();
        let page = c.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
        let token = csrf_in(&page).unwrap();
        let res = c
            .post(app.url("/admin/login"))
            .header("x-forwarded-for", xff(i))
            .form(&[("csrf", token.as_str()), ("username", &format!("nobody{i}")), ("password", "wrong-password")])
            .send()
            .await
            .unwrap();
        last = res.status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS, "the 31st failure from one address is refused");

    // The audit log records the address the proxy saw, never the one the client wrote.
    let s = app.login("ybj_editor").await;
    let res = s
        .client
        .post(s.url("/admin/logout"))
        .header("x-forwarded-for", format!("6.6.6.6, {REAL}"))
        .form(&[("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = common::raw_conn(&app.store).await;
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT action, ip FROM audit_log").fetch_all(&mut conn).await.unwrap();
    assert!(rows.iter().any(|(a, ip)| a == "user.logout" && ip == REAL), "{rows:?}");
    assert!(rows.iter().all(|(_, ip)| !ip.contains("6.6.6.6") && !ip.contains("203.0.113.")), "{rows:?}");
    server.stop().await;
}

/// A non-loopback address of this machine, to reach the server from "outside"; `None` on a
/// machine with only loopback.
fn outside_address() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("8.8.8.8:53").ok()?;
    Some(s.local_addr().ok()?.ip()).filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_only_for_loopback_or_the_token() {
    let token = "metrics-token-0123456789";
    let (store, dir, _) = common::fresh_store(Db::Sqlite).await;
    let (search, _) = gongkai_search::SearchIndex::open(&dir.path().join("index"), &[]).unwrap();
    let options = ServerOptions { metrics_token: Some(token.into()), trust_proxy: true, ..TestApp::options() };
    let state = gongkai_web::AppState::new(store.clone(), gongkai_web::SiteConfig::default(), options, search);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gongkai_web::serve(listener, state, async {
        let _ = rx.await;
    }));
    let local = format!("http://127.0.0.1:{port}/metrics");
    client().get(format!("http://127.0.0.1:{port}/healthz")).send().await.unwrap();
    let res = client().get(&local).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "loopback peers may read the metrics");
    assert!(res.text().await.unwrap().contains("gongkai_http_requests_total"));
    match outside_address() {
        Some(ip) => {
            let outside = format!("http://{ip}:{port}/metrics");
            let res = client().get(&outside).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND, "others are not told the page exists");
            assert!(!res.text().await.unwrap().contains("gongkai_http"));
            // A forwarded loopback address is not the peer's.
            let res = client().get(&outside).header("x-forwarded-for", "127.0.0.1").send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            let res = client().get(&outside).bearer_auth("wrong-token-0123456789").send().await.unwrap();
            assert_eq!(res.status(), StatusCode::NOT_FOUND);
            let res = client().get(&outside).bearer_auth(token).send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "the token opens the metrics from anywhere");
        }
        None => eprintln!("no non-loopback address on this machine: only the loopback case was tested"),
    }
    let _ = tx.send(());
    server.await.unwrap().unwrap();
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absolute_links_ignore_the_host_header() {
    let app = start(TestApp::options()).await;
    let h = app.clone_handle();
    for path in ["/sitemap.xml", "/sitemaps/pages.xml", "/feeds/documents.atom", "/"] {
        let answer =
            raw(&addr(&h), &format!("GET {path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")).await;
        assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        assert!(!answer.contains("evil.example"), "{path} repeats the Host header: {answer}");
        if path != "/" {
            assert!(answer.contains(&h.base), "{path} links to the listening address: {answer}");
        }
    }
    app.stop().await;
}

/// A server on this host that counts the requests it gets, with a redirect to `to`.
async fn counting_site() -> (u16, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new()
        .route(
            "/redirect/{*to}",
            axum::routing::get(|axum::extract::Path(to): axum::extract::Path<String>| async move {
                (axum::http::StatusCode::FOUND, [("location", to.replacen(":/", "://", 1))])
            }),
        )
        .fallback(|| async { "secret" })
        .layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            let counted = counted.clone();
            async move {
                if !req.uri().path().starts_with("/redirect/") {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                next.run(req).await
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (port, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_checker_refuses_internal_addresses() {
    let (port, hits) = counting_site().await;
    let default = checker(&AllowList::default());
    for url in [
        format!("http://127.0.0.1:{port}/secret"),
        format!("http://2130706433:{port}/secret"),
        format!("http://0x7f000001:{port}/secret"),
        format!("http://[::1]:{port}/secret"),
        format!("http://[::ffff:127.0.0.1]:{port}/secret"),
        format!("http://localhost:{port}/secret"),
        format!("http://10.255.255.1:{port}/secret"),
        format!("http://169.254.169.254:{port}/latest/meta-data/"),
    ] {
        let (status, detail) = check(&default, &url).await;
        assert_eq!(status, gongkai_domain::link_check::LinkStatus::Refused, "{url}");
        assert_eq!(detail, "内部地址，不检查", "{url}");
    }
    // A host the deployment allows by name redirects to an internal address: refused too.
    let by_name = checker(&AllowList::parse("localhost").unwrap());
    for target in [format!("http:/127.0.0.1:{port}/secret"), format!("http:/2130706433:{port}/secret")] {
        let url = format!("http://localhost:{port}/redirect/{target}");
        let (status, _) = check(&by_name, &url).await;
        assert_eq!(status, gongkai_domain::link_check::LinkStatus::Refused, "{url}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no internal page was fetched");
    // The allow-list lets an intranet address through.
    let allowed = checker(&AllowList::parse("127.0.0.1").unwrap());
    let (status, detail) = check(&allowed, &format!("http://127.0.0.1:{port}/page")).await;
    assert_eq!((status, detail.as_str()), (gongkai_domain::link_check::LinkStatus::Ok, "HTTP 200"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
}
