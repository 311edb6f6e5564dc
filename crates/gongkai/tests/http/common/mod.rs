//! The test harness: the real server on port 0 over a fresh database — a temporary SQLite
//! folder or a new PostgreSQL database on 127.0.0.1:5432 — spoken to over HTTP.
#![allow(dead_code, reason = "each test crate uses its own part of the harness")]

use gongkai_store::{DatabaseSettings, Store};
use gongkai_web::{AppState, ServerOptions, SiteConfig};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::sync::oneshot;

pub mod crash;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

pub const PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Runs a scenario once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! both {
    ($name:ident, $scenario:expr) => {
        mod $name {
            #[allow(unused_imports, reason = "not every scenario uses the test file's imports")]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::start($crate::common::Db::Sqlite).await;
                ($scenario)(app.clone_handle()).await;
                app.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::common::TestApp::start($crate::common::Db::Postgres).await;
                ($scenario)(app.clone_handle()).await;
                app.stop().await;
            }
        }
    };
}

/// Runs a scenario on SQLite and on PostgreSQL, as two tests, with the server options that
/// `$options` (a function) gives.
#[macro_export]
macro_rules! both_with {
    ($name:ident, $options:expr, $scenario:expr) => {
        mod $name {
            #[allow(unused_imports, reason = "not every scenario uses the test file's imports")]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::start_with($crate::common::Db::Sqlite, ($options)()).await;
                ($scenario)(app.clone_handle()).await;
                app.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let app = $crate::common::TestApp::start_with($crate::common::Db::Postgres, ($options)()).await;
                ($scenario)(app.clone_handle()).await;
                app.stop().await;
            }
        }
    };
}

/// Runs a scenario against a bare store (no server) on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! store_test {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports, reason = "not every scenario uses the test file's imports")]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::with_store($crate::common::Db::Sqlite, false, $body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::with_store($crate::common::Db::Postgres, false, $body).await;
            }
        }
    };
    // The same on a store holding the demo's units and users.
    ($name:ident, demo_base, $body:expr) => {
        mod $name {
            #[allow(unused_imports, reason = "not every scenario uses the test file's imports")]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::common::with_store($crate::common::Db::Sqlite, true, $body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::common::with_store($crate::common::Db::Postgres, true, $body).await;
            }
        }
    };
}

/// A fresh store (with the demo's units and users when `demo_base`) for `body`, closed and
/// removed afterwards.
pub async fn with_store<F, Fut>(db: Db, demo_base: bool, body: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (store, dir, pg) = fresh_store(db).await;
    if demo_base {
        gongkai_app::demo::load_base(&store).await.unwrap();
    }
    body(store.clone()).await;
    store.close().await;
    if let Some(name) = pg {
        drop_pg_database(&name).await;
    }
    drop(dir);
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A fresh, empty PostgreSQL database; returns its URL and name.
pub async fn pg_database() -> (String, String) {
    let name = format!(
        "gk_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_micros() % 1_000_000
    );
    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(PG_ADMIN_URL)
        .await
        .expect("PostgreSQL must be running on 127.0.0.1:5432 (bash .ci/run starts it)");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
    (format!("postgres://postgres@127.0.0.1:5432/{name}"), name)
}

pub async fn drop_pg_database(name: &str) {
    if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(PG_ADMIN_URL).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await;
    }
}

/// Opens a store on a fresh database of the given kind.
pub async fn fresh_store(db: Db) -> (Store, tempfile::TempDir, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (settings, pg) = match db {
        Db::Sqlite => (DatabaseSettings::new(dir.path(), None), None),
        Db::Postgres => {
            let (url, name) = pg_database().await;
            (DatabaseSettings::new(dir.path(), Some(url)), Some(name))
        }
    };
    (Store::open(&settings).await.unwrap(), dir, pg)
}

/// A store on a fresh database migrated only up to `version`, as an older program left it,
/// for tests of the migrations after it; with the folder and the PostgreSQL database to drop.
pub async fn store_at_version(db: Db, version: i64) -> (Store, tempfile::TempDir, Option<String>) {
    let dir = tempfile::tempdir().unwrap();
    let (settings, pg) = match db {
        Db::Sqlite => (DatabaseSettings::new(dir.path(), None), None),
        Db::Postgres => {
            let (url, name) = pg_database().await;
            (DatabaseSettings::new(dir.path(), Some(url)), Some(name))
        }
    };
    let store = Store::connect(&settings).await.unwrap();
    gongkai_store::migrate::run_to(&store, version).await.unwrap();
    (store, dir, pg)
}

/// A raw connection to a store's database, to do what no user could (tamper, age sessions).
pub async fn raw_conn(store: &Store) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    let settings = store.settings();
    let url = match &settings.url {
        Some(u) => u.clone(),
        None => format!("sqlite://{}", settings.sqlite_path().unwrap().display()),
    };
    <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap()
}

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub state: AppState,
    pub db: Db,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
    dir: Option<tempfile::TempDir>,
    pg: Option<String>,
}

/// What a scenario gets: everything but the means to stop the server.
#[derive(Clone)]
pub struct App {
    pub base: String,
    pub store: Store,
    pub state: AppState,
    pub db: Db,
}

impl TestApp {
    pub async fn start(db: Db) -> TestApp {
        // Units and users; scenarios that want the demo's lists, columns and documents ask.
        TestApp::start_with(db, TestApp::options()).await
    }

    pub async fn start_empty(db: Db) -> TestApp {
        TestApp::start_empty_with(db, TestApp::options()).await
    }

    /// The server options of the tests: small body limits, everything else as shipped.
    pub fn options() -> ServerOptions {
        ServerOptions {
            body_limit: 256 * 1024,
            attachment_limit: 1024 * 1024,
            // The built binary extracts attachments' text, as `gongkai serve` runs itself.
            extractor: Some(env!("CARGO_BIN_EXE_gongkai").into()),
            ..Default::default()
        }
    }

    /// Units and users, as `start`, served with other options.
    pub async fn start_with(db: Db, options: ServerOptions) -> TestApp {
        let app = TestApp::start_empty_with(db, options).await;
        gongkai_app::demo::load_base(&app.store).await.unwrap();
        app
    }

    async fn start_empty_with(db: Db, options: ServerOptions) -> TestApp {
        let (store, dir, pg) = fresh_store(db).await;
        let (search, _) = gongkai_search::SearchIndex::open(&dir.path().join("index"), &[]).unwrap();
        let state = AppState::new(store.clone(), SiteConfig::default(), options, search);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        let serve_state = state.clone();
        let handle = tokio::spawn(async move {
            gongkai_web::serve(listener, serve_state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        TestApp { base, store, state, db, shutdown: Some(tx), handle: Some(handle), dir: Some(dir), pg }
    }

    pub fn clone_handle(&self) -> App {
        App { base: self.base.clone(), store: self.store.clone(), state: self.state.clone(), db: self.db }
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
        self.store.close().await;
        if let Some(name) = self.pg.take() {
            drop_pg_database(&name).await;
        }
        drop(self.dir.take());
    }
}

pub fn client() -> Client {
    Client::builder().redirect(Policy::none()).cookie_store(true).build().unwrap()
}

pub fn password_of(username: &str) -> String {
    format!("Gongkai-{username}-2026")
}

/// Pulls the form token out of a console page.
pub fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

/// A browser-like console session.
pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: String,
}

impl App {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Brings the search index up to date with the outbox, as the background indexer would.
    pub async fn sync_search(&self) {
        self.state.sync_public().await.unwrap();
    }

    pub async fn get(&self, path: &str) -> Response {
        client().get(self.url(path)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let res = self.get(path).await;
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Logs in through the login form, as a browser would.
    pub async fn login(&self, username: &str) -> Session {
        self.login_with(username, &password_of(username)).await.expect("login should succeed")
    }

    pub async fn login_with(&self, username: &str, password: &str) -> Result<Session, Response> {
        let client = client();
        let page = client.get(self.url("/admin/login")).send().await.unwrap().text().await.unwrap();
        let token = csrf_in(&page).expect("login form has a token");
        let res = client
            .post(self.url("/admin/login"))
            .form(&[("csrf", token.as_str()), ("username", username), ("password", password), ("next", "/admin")])
            .send()
            .await
            .unwrap();
        if res.status() != StatusCode::SEE_OTHER {
            return Err(res);
        }
        let dashboard = client.get(self.url("/admin")).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_in(&dashboard).expect("console pages carry the form token");
        Ok(Session { client, base: self.base.clone(), csrf })
    }

    /// The three 医保局 reviewers pass a submitted document in the console, each stage by another.
    pub async fn approve_all_stages(&self, id: i64) {
        for r in ["ybj_reviewer1", "ybj_reviewer2", "ybj_reviewer3"] {
            let s = self.login(r).await;
            // 终审 asks to confirm publication; the earlier stages ignore the box.
            let res =
                s.post(&format!("/admin/documents/{id}/act"), &[("action", "approve"), ("confirm_publish", "1")]).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{r}");
        }
    }

    /// A document published by bulk import into the named unit, for tests that need one.
    pub async fn published(&self, unit: &str, title: &str, genre: &str, key: &str) -> i64 {
        let input = gongkai_domain::documents::DocumentInput {
            title: title.into(),
            topic: "health".into(),
            genre: genre.into(),
            body: "<p>正文</p>".into(),
            ..Default::default()
        };
        let fields = gongkai_domain::documents::DocumentFields::parse(&input, unit).unwrap();
        let unit_id = self.unit_id(unit).await;
        let mut w = self.store.write(gongkai_store::Actor::system("test")).await.unwrap();
        let id = w.document_import(unit_id, &fields, key, None).await.unwrap().id;
        w.commit().await.unwrap();
        id
    }

    /// An API token for a user, made through the store as the CLI does.
    pub async fn token(&self, username: &str) -> String {
        let user = self.store.user_by_username(username).await.unwrap().expect("user exists");
        let mut w = self.store.write(gongkai_store::Actor::system("test")).await.unwrap();
        let secret = w.token_create(user.id, "test").await.unwrap().secret;
        w.commit().await.unwrap();
        secret
    }

    pub async fn unit_id(&self, name: &str) -> i64 {
        self.store
            .units_all()
            .await
            .unwrap()
            .iter()
            .find(|u| u.name == name)
            .unwrap_or_else(|| panic!("unit {name}"))
            .id
    }

    /// Loads the demo standard lists, catalogues, columns and documents.
    pub async fn load_disclosure_demo(&self) {
        assert!(gongkai_app::demo::load_disclosure_demo(&self.store).await.unwrap() > 0);
        self.sync_search().await;
    }

    /// Opens a page in a console session on a server started with `count_statements`:
    /// its status and how many SQL statements the request ran.
    pub async fn statements(&self, path: &str, session: &Session) -> (StatusCode, u64) {
        statements_of(session.get(path).await).await
    }

    /// The same for an API request with a token.
    pub async fn api_statements(&self, path: &str, token: &str) -> (StatusCode, u64) {
        statements_of(self.api_get(token, path).await).await
    }

    pub async fn api_get(&self, token: &str, path: &str) -> Response {
        client().get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn api_json(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> Response {
        client().request(method, self.url(path)).bearer_auth(token).json(&body).send().await.unwrap()
    }
}

impl Session {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn text(&self, path: &str) -> (StatusCode, String) {
        let res = self.get(path).await;
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// Posts a console form with this session's form token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let mut all: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client.post(self.url(path)).form(&all).send().await.unwrap()
    }
}

/// An RFC 9457 problem document of `status`, with its Chinese title.
pub async fn problem(res: Response, status: u16) -> serde_json::Value {
    assert_eq!(res.status().as_u16(), status, "status");
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], "about:blank");
    assert!(
        body["title"].as_str().unwrap().chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese title: {body}"
    );
    body
}

/// The status of a response and the statement count its server sent (`count_statements`).
pub async fn statements_of(res: Response) -> (StatusCode, u64) {
    let status = res.status();
    let count = res
        .headers()
        .get(gongkai_web::STATEMENTS_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("the server counts statements (ServerOptions::count_statements)");
    let _ = res.bytes().await;
    (status, count)
}

pub fn location(res: &Response) -> String {
    res.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_string()
}

/// 一 … 二十九 as the challenge writes them.
pub fn chinese_number(words: &str) -> u32 {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let digit = |s: &str| -> u32 {
        let mut chars = s.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else { panic!("not one digit: {s:?}") };
        DIGITS.iter().position(|d| *d == c).unwrap_or_else(|| panic!("not a digit: {c}")) as u32
    };
    match words.split_once('十') {
        None => digit(words),
        Some((tens, units)) => {
            let tens = if tens.is_empty() { 1 } else { digit(tens) };
            let units = if units.is_empty() { 0 } else { digit(units) };
            tens * 10 + units
        }
    }
}

/// Answers the application form's challenge: “十三加五等于多少？” with "18", “十三减五等于多少？” with "8".
pub fn solve(question: &str) -> String {
    let sum = question.strip_suffix("等于多少？").unwrap_or_else(|| panic!("question: {question}"));
    let value = if let Some((a, b)) = sum.split_once('加') {
        chinese_number(a) + chinese_number(b)
    } else if let Some((a, b)) = sum.split_once('减') {
        chinese_number(a) - chinese_number(b)
    } else {
        panic!("question: {question}")
    };
    value.to_string()
}

// ----- the real binary, for crash tests

/// A `gongkai serve` child process, killed when dropped so a failed test leaves none behind.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

impl Server {
    pub fn start(data: &std::path::Path, extra: &[&str]) -> Server {
        use std::io::{BufRead, BufReader};
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--addr", "127.0.0.1:0", "--trust-proxy", "--no-link-check"])
            .args(extra)
            .env_remove("GONGKAI_DATABASE_URL")
            .env_remove("GONGKAI_PUBLIC_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let started = std::time::Instant::now();
        let mut lines = Vec::new();
        let base = loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 || started.elapsed() > std::time::Duration::from_secs(120)
            {
                let _ = child.kill();
                panic!("server did not start: {lines:?}");
            }
            if let Some(url) = line.trim().strip_prefix("门户网站：") {
                break url.trim_end_matches('/').to_string();
            }
            lines.push(line);
        };
        // Keep reading so that the server never writes into a full or closed pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        Server { child, base }
    }

    /// SIGKILL: no graceful shutdown, no flushing.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn ready(base: &str) {
    for _ in 0..200 {
        if let Ok(res) = client().get(format!("{base}/api/v1/units?per_page=1")).send().await
            && res.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{base} does not answer");
}
