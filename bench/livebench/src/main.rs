//! Benchmark of issue 17 (meetings, live broadcasts, open days), against a running server:
//!
//!   livebench viewers --url URL --blog ID --token TOKEN --viewers 10000 --posts 20 [--pid PID]
//!       opens VIEWERS Server-Sent Event streams of the broadcast, then publishes POSTS posts (one
//!       every 500 ms) and measures, for every post and viewer, the time from the post's request
//!       to the viewer reading it: p50, p99, max; viewers held; the server's memory (VmRSS of PID).
//!
//!   livebench register --url URL --event ID --count 5000 --clients 5000
//!       sends COUNT registrations (each with its own solved challenge and its own address in
//!       X-Forwarded-For, so the server must trust the proxy) from CLIENTS tasks at once and
//!       reports registrations per second, latency, and how many were confirmed and waitlisted.
//!
//! Each command prints one JSON line on stdout.

use anyhow::{Result, anyhow, bail};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn need(args: &[String], name: &str) -> Result<String> {
    arg(args, name).ok_or_else(|| anyhow!("missing {name}"))
}

fn number(args: &[String], name: &str, default: usize) -> Result<usize> {
    arg(args, name).map(|v| v.parse().map_err(|_| anyhow!("{name}: not a number"))).unwrap_or(Ok(default))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn rss_kib(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("viewers") => viewers(&args).await,
        Some("register") => register(&args).await,
        _ => bail!("usage: livebench viewers|register …"),
    }
}

/// When each viewer read each post: post id → receipt instants.
type Seen = Arc<Mutex<HashMap<i64, Vec<Instant>>>>;

async fn viewers(args: &[String]) -> Result<()> {
    let url = need(args, "--url")?;
    let blog = need(args, "--blog")?;
    let token = need(args, "--token")?;
    let n = number(args, "--viewers", 10_000)?;
    let posts = number(args, "--posts", 20)?;
    let pid = arg(args, "--pid");
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let seen: Seen = Arc::default();
    let connected = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::with_capacity(n);
    let opened = Instant::now();
    for _ in 0..n {
        let (client, seen, connected) = (client.clone(), seen.clone(), connected.clone());
        let url = format!("{url}/live/{blog}/events");
        tasks.push(tokio::spawn(async move {
            let Ok(mut res) = client.get(&url).send().await else { return };
            if !res.status().is_success() {
                return;
            }
            connected.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mut buf = String::new();
            while let Ok(Some(chunk)) = res.chunk().await {
                buf.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buf.find("\n\n") {
                    let block: String = buf.drain(..end + 2).collect();
                    if !block.contains("event: post") {
                        continue;
                    }
                    let at = Instant::now();
                    if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:"))
                        && let Ok(v) = serde_json::from_str::<Value>(data.trim())
                        && let Some(id) = v["id"].as_i64()
                    {
                        seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(id).or_default().push(at);
                    }
                }
            }
        }));
    }
    // Wait until every viewer is connected (or a minute has passed).
    while connected.load(std::sync::atomic::Ordering::Relaxed) < n && opened.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held = connected.load(std::sync::atomic::Ordering::Relaxed);
    let connect_secs = opened.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_idle = pid.as_deref().map(|p| rss_kib(p, "VmRSS:")).unwrap_or(0);
    let mut sent: Vec<(i64, Instant)> = Vec::new();
    for i in 0..posts {
        let started = Instant::now();
        let res = client
            .post(format!("{url}/api/v1/staff/live/{blog}/posts"))
            .bearer_auth(&token)
            .json(&json!({"text": format!("压力测试第{i}条：会议正在进行。")}))
            .send()
            .await?;
        if !res.status().is_success() {
            bail!("post {i}: {}", res.text().await?);
        }
        let v: Value = res.json().await?;
        sent.push((v["id"].as_i64().unwrap_or(0), started));
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    let rss = pid.as_deref().map(|p| rss_kib(p, "VmRSS:")).unwrap_or(0);
    let seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let mut latencies: Vec<f64> = Vec::new();
    let mut missing = 0usize;
    for (id, started) in &sent {
        let got = seen.get(id).map(Vec::as_slice).unwrap_or(&[]);
        missing += held.saturating_sub(got.len());
        latencies.extend(got.iter().map(|t| t.duration_since(*started).as_secs_f64() * 1000.0));
    }
    latencies.sort_by(f64::total_cmp);
    for t in tasks {
        t.abort();
    }
    println!(
        "{}",
        json!({
            "viewers_asked": n, "viewers_held": held, "connect_secs": connect_secs, "posts": posts,
            "deliveries": latencies.len(), "missing": missing,
            "p50_ms": percentile(&latencies, 0.5), "p99_ms": percentile(&latencies, 0.99),
            "max_ms": latencies.last().copied().unwrap_or(0.0),
            "server_rss_idle_mib": rss_idle as f64 / 1024.0, "server_rss_mib": rss as f64 / 1024.0,
        })
    );
    Ok(())
}

/// 一 … 二十九 as the challenge writes them.
fn chinese_number(words: &str) -> Option<u32> {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let digit = |s: &str| -> Option<u32> {
        let mut chars = s.chars();
        let (Some(c), None) = (chars.next(), chars.next()) else { return None };
        DIGITS.iter().position(|d| *d == c).map(|p| p as u32)
    };
    match words.split_once('十') {
        None => digit(words),
        Some((tens, units)) => {
            let tens = if tens.is_empty() { 1 } else { digit(tens)? };
            let units = if units.is_empty() { 0 } else { digit(units)? };
            Some(tens * 10 + units)
        }
    }
}

fn solve(question: &str) -> Option<String> {
    let sum = question.strip_suffix("等于多少？")?;
    if let Some((a, b)) = sum.split_once('加') {
        return Some((chinese_number(a)? + chinese_number(b)?).to_string());
    }
    let (a, b) = sum.split_once('减')?;
    Some((chinese_number(a)?.checked_sub(chinese_number(b)?)?).to_string())
}

/// A valid ID number for registrant `n` (born 1950–1999).
fn citizen_id(n: usize) -> String {
    let first17 = format!("370102{}{:02}{:02}{:03}", 1950 + n % 50, 1 + n / 50 % 12, 1 + n / 600 % 28, n % 1000);
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17.bytes().zip(W).map(|(b, w)| u32::from(b - b'0') * w).sum();
    format!("{first17}{}", b"10X98765432"[(sum % 11) as usize] as char)
}

async fn register(args: &[String]) -> Result<()> {
    let url = need(args, "--url")?;
    let event = need(args, "--event")?;
    let count = number(args, "--count", 5000)?;
    let clients = number(args, "--clients", 5000)?.max(1);
    let client = reqwest::Client::builder().pool_max_idle_per_host(64).build()?;
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let results: Arc<Mutex<Vec<(f64, String)>>> = Arc::default();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients.min(count) {
        let (client, next, results, url, event) =
            (client.clone(), next.clone(), results.clone(), url.clone(), event.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= count {
                    return;
                }
                let ip = format!("10.{}.{}.{}", n / 65536 % 256, n / 256 % 256, n % 256);
                let began = Instant::now();
                let outcome = async {
                    let c: Value = client
                        .get(format!("{url}/api/v1/requests/challenge"))
                        .header("x-forwarded-for", &ip)
                        .send()
                        .await
                        .ok()?
                        .json()
                        .await
                        .ok()?;
                    let answer = solve(c["question"].as_str()?)?;
                    let res = client
                        .post(format!("{url}/api/v1/open-days/{event}/registrations"))
                        .header("x-forwarded-for", &ip)
                        .json(&json!({"name": format!("市民{n}"), "id_number": citizen_id(n),
                            "phone": format!("139{:08}", n), "challenge_id": c["id"], "challenge_answer": answer}))
                        .send()
                        .await
                        .ok()?;
                    let status = res.status();
                    let v: Value = res.json().await.ok()?;
                    Some(if status.as_u16() == 201 {
                        v["status"].as_str()?.to_string()
                    } else {
                        format!("http {status}")
                    })
                }
                .await
                .unwrap_or_else(|| "error".into());
                results
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((began.elapsed().as_secs_f64() * 1000.0, outcome));
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = start.elapsed().as_secs_f64();
    let results = results.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
    let mut lat: Vec<f64> = results.iter().map(|r| r.0).collect();
    lat.sort_by(f64::total_cmp);
    let mut by: HashMap<String, usize> = HashMap::new();
    for (_, o) in &results {
        *by.entry(o.clone()).or_default() += 1;
    }
    println!(
        "{}",
        json!({
            "registrants": count, "clients": clients, "seconds": secs, "per_second": count as f64 / secs,
            "p50_ms": percentile(&lat, 0.5), "p99_ms": percentile(&lat, 0.99), "outcomes": by,
        })
    );
    Ok(())
}
