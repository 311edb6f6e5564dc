//! The `gongkai` binary: calendar questions, tokens, the audit check, backup and restore,
//! clear failures, and a served instance that starts, answers and stops gracefully.

use crate::common;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn gongkai(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("GONGKAI_DATABASE_URL")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn calendar_commands_answer_from_the_holiday_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["calendar", "is-workday", "2024-02-04"], "true"),
        (&["calendar", "is-workday", "2024-02-12"], "false"),
        (&["calendar", "is-workday", "2025-10-08"], "false"),
        (&["calendar", "is-workday", "2019-04-28"], "true"),
        (&["calendar", "add-workdays", "2024-09-27", "20"], "2024-10-30"),
        (&["calendar", "add-workdays", "2025-01-24", "7"], "2025-02-10"),
        (&["calendar", "add-workdays", "2023-09-27", "7"], "2023-10-12"),
        (&["calendar", "add-workdays", "2026-05-01", "0"], "2026-05-01"),
        (&["calendar", "between", "2024-09-27", "2024-10-30"], "20"),
    ];
    for (args, expected) in cases {
        let out = gongkai(dir.path(), args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), *expected, "{args:?}");
        assert!(stderr(&out).is_empty() || !stderr(&out).contains("注意"), "{args:?} is not flagged");
    }
    // A year without a schedule is counted by weekdays and flagged.
    let out = gongkai(dir.path(), &["calendar", "is-workday", "2027-02-08"]);
    assert_eq!(stdout(&out).trim(), "true");
    assert!(stderr(&out).contains("2027 年的节假日安排尚未录入"), "{}", stderr(&out));
    let out = gongkai(dir.path(), &["calendar", "add-workdays", "2024-02-30", "3"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("日期“2024-02-30”无效"), "{}", stderr(&out));
}

#[test]
fn token_audit_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = gongkai(&data, &["demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("admin"));
    let again = gongkai(&data, &["demo"]);
    assert!(stdout(&again).contains("新增单位 0 个，新增账号 0 个"), "demo loads idempotently: {}", stdout(&again));

    let out = gongkai(&data, &["token", "create", "--user", "ybj_admin"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let token = stdout(&out).split_whitespace().last().unwrap().to_string();
    assert!(token.starts_with("gk_") && token.len() > 40, "{token}");
    let out = gongkai(&data, &["token", "create", "--user", "nobody"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("没有用户名为“nobody”的账号"));

    let out = gongkai(&data, &["audit", "verify"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("audit chain intact"));

    let archive = dir.path().join("backup.tar.gz");
    let out = gongkai(&data, &["backup", archive.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(archive.metadata().unwrap().len() > 10_000);
    let restored = dir.path().join("restored");
    // The backup holds no audit key: without the key the chain cannot be checked and the
    // restore is refused, naming the key file to bring along.
    let out = gongkai(&restored, &["restore", archive.to_str().unwrap()]);
    assert!(!out.status.success() && stderr(&out).contains("audit.key"), "{}", stderr(&out));
    std::fs::copy(data.join("audit.key"), restored.join("audit.key")).unwrap();
    let out = gongkai(&restored, &["restore", archive.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = gongkai(&restored, &["audit", "verify"]);
    assert!(out.status.success() && stdout(&out).contains("intact"), "{}", stderr(&out));
    let out = gongkai(&restored, &["token", "create", "--user", "admin"]);
    assert!(out.status.success(), "the restored data holds the accounts");
    // Restoring over existing data needs --force.
    let out = gongkai(&restored, &["restore", archive.to_str().unwrap()]);
    assert!(!out.status.success() && stderr(&out).contains("--force"), "{}", stderr(&out));
    let out = gongkai(&restored, &["restore", "--force", archive.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = gongkai(&restored, &["restore", "--force", "/etc/hostname"]);
    assert!(!out.status.success());

    // Tampering is found and named, with a non-zero exit.
    let url = format!("sqlite://{}", data.join("gongkai.db").display());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await.unwrap();
        sqlx::query("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 5").execute(&mut conn).await.unwrap();
    });
    let out = gongkai(&data, &["audit", "verify"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("record 5 was altered"), "{}", stderr(&out));
    let out = gongkai(&data, &["backup", archive.to_str().unwrap()]);
    assert!(!out.status.success(), "a broken chain is not backed up silently");
}

#[test]
fn unreachable_database_is_one_clear_line_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let out = gongkai(dir.path(), &["--database-url", "postgres://gongkai:s3cr3t-pw@127.0.0.1:1/gongkai", "migrate"]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("127.0.0.1:1") && err.contains("无法连接数据库"), "{err}");
    assert!(!err.contains("s3cr3t-pw"), "{err}");
    let out = gongkai(dir.path(), &["--database-url", "mysql://x@y/z", "migrate"]);
    assert!(!out.status.success() && stderr(&out).contains("postgres://"));
}

#[test]
fn bad_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = gongkai(dir.path(), &["serve", "--addr", "not-an-address"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("监听地址 addr") && stderr(&out).contains("not-an-address"), "{}", stderr(&out));
    let out = gongkai(dir.path(), &["serve", "--public-url", "ftp://x"]);
    assert!(stderr(&out).contains("public_url"), "{}", stderr(&out));
    let config = dir.path().join("gongkai.toml");
    std::fs::write(&config, "addr = \"127.0.0.1:0\"\nbogus = 1\n").unwrap();
    let out = gongkai(dir.path(), &["--config", config.to_str().unwrap(), "serve"]);
    assert!(!out.status.success() && stderr(&out).contains("配置文件"), "{}", stderr(&out));
}

struct Served {
    child: Child,
    base: String,
    lines: Vec<String>,
}

fn serve(data: &Path, extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .arg("--data-dir")
        .arg(data)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .env_remove("GONGKAI_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let started = Instant::now();
    let base = loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 || started.elapsed() > Duration::from_secs(60) {
            panic!("server did not start: {lines:?}");
        }
        lines.push(line.trim_end().to_string());
        if let Some(url) = line.trim().strip_prefix("门户网站：") {
            break url.trim_end_matches('/').to_string();
        }
    };
    // Read the rest of the start-up banner (the demo logins follow the addresses).
    for _ in 0..40 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        let done = line.contains("已就绪");
        lines.push(line.trim_end().to_string());
        if done {
            break;
        }
    }
    Served { child, base, lines }
}

#[test]
fn serve_with_demo_prints_logins_answers_and_stops_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = serve(dir.path(), &["--demo"]);
    let banner = s.lines.join("\n");
    assert!(banner.contains("admin") && banner.contains("Gongkai-admin-2026"), "{banner}");
    assert!(banner.contains("/admin"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let home = reqwest::get(format!("{}/", s.base)).await.unwrap();
        assert_eq!(home.status(), 200);
        assert!(home.text().await.unwrap().contains("济南市人民政府"));
    });
    // A token made on the command line works against the running server.
    let out = gongkai(dir.path(), &["token", "create", "--user", "admin", "--name", "集成测试"]);
    let token = stdout(&out).split_whitespace().last().unwrap().to_string();
    rt.block_on(async {
        let me: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/api/v1/me", s.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["username"], "admin");
    });
    // SIGTERM: the server stops accepting, finishes and exits cleanly.
    let pid = s.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let started = Instant::now();
    let status = loop {
        if let Some(status) = s.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "server did not stop");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status:?}");
    // The same data folder serves again without --demo, with the demo data still there.
    let mut again = serve(dir.path(), &[]);
    rt.block_on(async {
        let units: serde_json::Value =
            reqwest::get(format!("{}/api/v1/units?kind=zone", again.base)).await.unwrap().json().await.unwrap();
        assert_eq!(units["total"], 3);
    });
    let _ = again.child.kill();
    let _ = again.child.wait();
}

#[test]
fn postgres_from_the_command_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (url, name) = rt.block_on(common::pg_database());
    let dir = tempfile::tempdir().unwrap();
    let out = gongkai(dir.path(), &["--database-url", &url, "migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = gongkai(dir.path(), &["--database-url", &url, "demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = gongkai(dir.path(), &["--database-url", &url, "token", "create", "--user", "admin"]);
    assert!(stdout(&out).split_whitespace().last().unwrap().starts_with("gk_"));
    let out = gongkai(dir.path(), &["--database-url", &url, "audit", "verify"]);
    assert!(out.status.success() && stdout(&out).contains("intact"), "{}", stderr(&out));
    let out = gongkai(dir.path(), &["--database-url", &url, "calendar", "add-workdays", "2024-09-27", "20"]);
    assert_eq!(stdout(&out).trim(), "2024-10-30");
    let out = gongkai(dir.path(), &["--database-url", &url, "backup", "x.tar.gz"]);
    assert!(!out.status.success() && stderr(&out).contains("pg_dump"));
    assert!(!dir.path().join("gongkai.db").exists(), "nothing was written to the SQLite default");
    rt.block_on(common::drop_pg_database(&name));
}
