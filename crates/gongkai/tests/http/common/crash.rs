//! Crash tests of the real binary: a demo server on its own data (and its own PostgreSQL
//! database), clients sending while it is killed with SIGKILL, and the same data served again.

use super::{Server, ready};
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What one send came to: acknowledged with what the test will look for after the restart,
/// refused with the status and body (a defect while the server runs), or cut off (the kill).
pub enum Sent<A> {
    Acked(A),
    Refused(String),
    Cut,
}

/// A demo server to be killed mid-stream.
pub struct Crashable {
    _dir: tempfile::TempDir,
    pub data: std::path::PathBuf,
    db: Option<(String, String)>,
    base_args: Vec<String>,
    pub server: Server,
}

impl Crashable {
    /// Starts `serve --demo` on a new data folder, on a new PostgreSQL database when `pg`.
    pub async fn start(pg: bool) -> Crashable {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let db = if pg { Some(super::pg_database().await) } else { None };
        let base_args: Vec<String> =
            db.iter().flat_map(|(url, _)| ["--database-url".to_string(), url.clone()]).collect();
        let mut args: Vec<&str> = base_args.iter().map(String::as_str).collect();
        args.push("--demo");
        let server = Server::start(&data, &args);
        ready(&server.base).await;
        Crashable { _dir: dir, data, db, base_args, server }
    }

    pub fn base(&self) -> String {
        self.server.base.clone()
    }

    /// Runs the binary's command line on the same data and database; it must succeed.
    pub fn cli(&self, args: &[&str]) -> String {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
            .arg("--data-dir")
            .arg(&self.data)
            .args(&self.base_args)
            .args(args)
            .env_remove("GONGKAI_DATABASE_URL")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A new API token of `user`.
    pub fn token(&self, user: &str) -> String {
        self.cli(&["token", "create", "--user", user]).split_whitespace().last().unwrap().to_string()
    }

    /// `clients` tasks call `send(base, client, n)` for n in 0..`each`, one after another; once
    /// `kill_after` are acknowledged the server is killed. Nothing may be refused while it runs.
    /// Returns every acknowledgement.
    pub async fn kill_mid_stream<A, F, Fut>(&mut self, clients: u32, each: u32, kill_after: usize, send: F) -> Vec<A>
    where
        A: Clone + Send + 'static,
        F: Fn(String, u32, u32) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = Sent<A>> + Send,
    {
        let acked: Arc<Mutex<Vec<A>>> = Arc::default();
        let refused: Arc<Mutex<Vec<String>>> = Arc::default();
        let mut tasks = Vec::new();
        for t in 0..clients {
            let (base, acked, refused, send) = (self.base(), acked.clone(), refused.clone(), send.clone());
            tasks.push(tokio::spawn(async move {
                for n in 0..each {
                    match send(base.clone(), t, n).await {
                        Sent::Acked(a) => acked.lock().unwrap().push(a),
                        Sent::Refused(why) => refused.lock().unwrap().push(why),
                        Sent::Cut => return,
                    }
                }
            }));
        }
        let started = std::time::Instant::now();
        while acked.lock().unwrap().len() < kill_after {
            assert!(started.elapsed() < std::time::Duration::from_secs(120), "the stream is too slow");
            assert!(!tasks.iter().all(|t| t.is_finished()), "the clients finished before the kill");
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        self.server.kill();
        for t in tasks {
            t.await.unwrap();
        }
        let refused = refused.lock().unwrap().clone();
        assert!(refused.is_empty(), "refused while the server ran: {refused:?}");
        let acked = acked.lock().unwrap().clone();
        assert!(acked.len() >= kill_after && acked.len() < (clients * each) as usize, "{} acknowledged", acked.len());
        acked
    }

    /// The same data served again, without loading the demo.
    pub async fn restart(&self) -> Server {
        let args: Vec<&str> = self.base_args.iter().map(String::as_str).collect();
        let again = Server::start(&self.data, &args);
        ready(&again.base).await;
        again
    }

    /// Drops the PostgreSQL database, if there is one.
    pub async fn finish(self) {
        if let Some((_, name)) = &self.db {
            super::drop_pg_database(name).await;
        }
    }
}

/// What a response came to: 201 with its body read as JSON through `ack`, another status as a
/// refusal, a broken connection or body as cut off.
pub async fn answer<A>(sent: reqwest::Result<reqwest::Response>, ack: impl FnOnce(serde_json::Value) -> A) -> Sent<A> {
    let Ok(res) = sent else { return Sent::Cut };
    let status = res.status();
    let Ok(text) = res.text().await else { return Sent::Cut };
    if status == reqwest::StatusCode::CREATED {
        Sent::Acked(ack(serde_json::from_str(&text).unwrap()))
    } else {
        Sent::Refused(format!("{status}: {text}"))
    }
}
