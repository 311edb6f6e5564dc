//! Benchmark of issue 4, applications for disclosure (依申请公开):
//!
//!   requestbench intake --url http://127.0.0.1:18381 --clients 32 --seconds 20
//!       each client loops: GET /api/v1/requests/challenge, solve the sum, POST
//!       /api/v1/requests with its own X-Forwarded-For address (the server runs with
//!       --trust-proxy, so the limit of 10 submissions per address does not bind);
//!   requestbench generate (--data-dir DIR | --database-url postgres://…) --rows 1000000
//!       inserts generated applications over every unit, straight into the `requests` table
//!       with multi-row INSERTs in large transactions (test data, not audited), then ANALYZE;
//!   requestbench report --url … [--unit-id N] --year 2025 --runs 5
//!       times GET /api/v1/units/{city}/annual-report?scope=all and shows table 三's totals;
//!   requestbench breakdown (--data-dir DIR | --database-url …) --year 2025 --runs 5
//!       times the report's store queries in process and prints the plan of the heavy one.
//!
//!   requestbench sql (--data-dir DIR | --database-url …) --sql "STATEMENT; …" [--repeat 2]
//!       runs statements with the server's database driver and prints their time and rows
//!       (for trying an index or a query change on a copy of a generated database).
//!
//! Each command prints one JSON line on stdout (bench/requests.sh makes the table from it) and
//! what it does on stderr.

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use gongkai_domain::requests::{ApplicantType, Channel, Outcome};
use gongkai_domain::units::UnitTree;
use gongkai_store::{DatabaseSettings, Store};
use serde_json::{Value, json};
use sqlx::{Connection, Row};
use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: gongkai-requestbench intake|generate|report|breakdown [--flag value]…";
const CITY: &str = "济南市人民政府";
const INTAKE_UNIT: &str = "济南市医疗保障局";

struct Flags(BTreeMap<String, String>);

impl Flags {
    fn parse(args: impl Iterator<Item = String>) -> Result<Flags> {
        let mut map = BTreeMap::new();
        let mut it = args;
        while let Some(flag) = it.next() {
            let Some(name) = flag.strip_prefix("--") else { bail!("unexpected argument {flag}\n{USAGE}") };
            let value = it.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
            map.insert(name.to_string(), value);
        }
        Ok(Flags(map))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.is_empty())
    }

    fn num<T: FromStr>(&self, name: &str, default: T) -> Result<T>
    where
        T::Err: std::fmt::Display,
    {
        match self.get(name) {
            Some(v) => v.parse().map_err(|e| anyhow!("--{name} {v}: {e}")),
            None => Ok(default),
        }
    }

    fn url(&self) -> Result<String> {
        Ok(self.get("url").ok_or_else(|| anyhow!("--url is needed"))?.trim_end_matches('/').to_string())
    }

    fn database(&self) -> Result<DatabaseSettings> {
        let url = self.get("database-url").map(str::to_string);
        let dir = self.get("data-dir").map(str::to_string);
        if url.is_none() && dir.is_none() {
            bail!("--data-dir (SQLite) or --database-url (PostgreSQL) is needed");
        }
        let settings = DatabaseSettings::new(dir.unwrap_or_else(|| std::env::temp_dir().display().to_string()), url);
        // The served instance's audit key (GONGKAI_AUDIT_KEY or audit.key in its data folder).
        let env_key = std::env::var(gongkai_store::audit_keys::KEY_ENV).ok();
        let key_file = settings.data_dir.join(gongkai_store::audit_keys::KEY_FILE);
        let ring =
            gongkai_store::audit_keys::load_ring(env_key.as_deref(), &key_file, true).map_err(|e| anyhow!("{e}"))?.ring;
        Ok(settings.with_audit_keys(ring))
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let flags = Flags::parse(args)?;
    let out = match command.as_str() {
        "intake" => intake(&flags).await?,
        "generate" => generate(&flags).await?,
        "report" => report(&flags).await?,
        "breakdown" => breakdown(&flags).await?,
        "sql" => sql(&flags).await?,
        _ => bail!("{USAGE}"),
    };
    println!("{out}");
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn url_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// The id of the unit called `name`, through the public units API.
async fn find_unit(client: &reqwest::Client, base: &str, name: &str) -> Result<i64> {
    let v: Value = client
        .get(format!("{base}/api/v1/units?q={}", url_encode(name)))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let items = v["items"].as_array().ok_or_else(|| anyhow!("units API: no items in {v}"))?;
    let unit = items.iter().find(|u| u["name"] == name).or(items.first()).ok_or_else(|| anyhow!("no unit {name}"))?;
    unit["id"].as_i64().ok_or_else(|| anyhow!("units API: id of {unit}"))
}

// ----- intake -----

/// 一 … 二十九 as a number (the challenge writes 1 to 29 this way).
fn chinese_number(s: &str) -> Option<u32> {
    let digit = |s: &str| -> Option<u32> {
        let mut cs = s.chars();
        let c = cs.next()?;
        if cs.next().is_some() {
            return None;
        }
        "零一二三四五六七八九".chars().position(|d| d == c).map(|p| p as u32)
    };
    match s.split_once('十') {
        Some((tens, ones)) => {
            let tens = if tens.is_empty() { 1 } else { digit(tens)? };
            let ones = if ones.is_empty() { 0 } else { digit(ones)? };
            Some(tens * 10 + ones)
        }
        None => digit(s),
    }
}

/// “十三加五等于多少？” → 18, “十三减五等于多少？” → 8.
fn solve(question: &str) -> Option<u32> {
    let sum = question.trim().trim_end_matches(['？', '?']).strip_suffix("等于多少")?;
    if let Some((a, b)) = sum.split_once('加') {
        return Some(chinese_number(a)? + chinese_number(b)?);
    }
    let (a, b) = sum.split_once('减')?;
    chinese_number(a)?.checked_sub(chinese_number(b)?)
}

#[derive(Default)]
struct Phase {
    post: Vec<Duration>,
    pair: Vec<Duration>,
    refused: BTreeMap<String, u64>,
    wall: Duration,
}

/// `clients` loops of challenge + application until `seconds` have passed.
async fn intake_phase(
    client: &reqwest::Client,
    base: &str,
    unit_id: i64,
    clients: usize,
    seconds: f64,
    counter: &Arc<AtomicU64>,
) -> Result<Phase> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        let base = base.to_string();
        let counter = counter.clone();
        tasks.push(tokio::spawn(async move {
            let mut p = Phase::default();
            let mut refuse = |what: String| *p.refused.entry(what).or_default() += 1;
            let mut post_times = Vec::new();
            let mut pair_times = Vec::new();
            while Instant::now() < deadline {
                let t0 = Instant::now();
                let challenge: Value = match client.get(format!("{base}/api/v1/requests/challenge")).send().await {
                    Ok(r) if r.status().is_success() => match r.json().await {
                        Ok(v) => v,
                        Err(e) => {
                            refuse(format!("GET challenge: {e}"));
                            continue;
                        }
                    },
                    Ok(r) => {
                        refuse(format!("GET challenge {}", r.status().as_u16()));
                        continue;
                    }
                    Err(e) => {
                        refuse(format!("GET challenge: {e}"));
                        continue;
                    }
                };
                let question = challenge["question"].as_str().unwrap_or_default();
                let Some(answer) = solve(question) else {
                    refuse(format!("question not understood: {question}"));
                    continue;
                };
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let address = format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255);
                let body = json!({
                    "unit_id": unit_id.to_string(),
                    "applicant_type": "person",
                    "name": "张三",
                    "id_type": "citizen_id",
                    "id_number": "11010519491231002X",
                    "phone": "0531-88888888",
                    "email": "zhangsan@example.com",
                    "description": format!("请公开2025年度城乡居民医疗保险基金收支情况（压力测试第{n}号）"),
                    "provision_form": "electronic",
                    "delivery": "email",
                    "challenge_id": challenge["id"],
                    "challenge_answer": answer.to_string(),
                });
                let t1 = Instant::now();
                match client
                    .post(format!("{base}/api/v1/requests"))
                    .header("x-forwarded-for", address)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) => {
                        let status = r.status().as_u16();
                        let text = r.text().await.unwrap_or_default();
                        let t2 = Instant::now();
                        if status == 201 {
                            post_times.push(t2 - t1);
                            pair_times.push(t2 - t0);
                        } else {
                            refuse(format!("POST {status}: {}", text.chars().take(160).collect::<String>()));
                        }
                    }
                    Err(e) => refuse(format!("POST: {e}")),
                }
            }
            p.post = post_times;
            p.pair = pair_times;
            p
        }));
    }
    let mut all = Phase::default();
    for t in tasks {
        let p = t.await?;
        all.post.extend(p.post);
        all.pair.extend(p.pair);
        for (k, v) in p.refused {
            *all.refused.entry(k).or_default() += v;
        }
    }
    all.wall = started.elapsed();
    all.post.sort();
    all.pair.sort();
    Ok(all)
}

async fn intake(f: &Flags) -> Result<Value> {
    let base = f.url()?;
    let clients: usize = f.num("clients", 32)?;
    let seconds: f64 = f.num("seconds", 20.0)?;
    let warmup: f64 = f.num("warmup", 2.0)?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients * 2).build()?;
    let unit_id = match f.get("unit-id") {
        Some(id) => id.parse()?,
        None => find_unit(&client, &base, INTAKE_UNIT).await?,
    };
    let counter = Arc::new(AtomicU64::new(1));
    let mut warmed = 0;
    if warmup > 0.0 {
        let w = intake_phase(&client, &base, unit_id, clients, warmup, &counter).await?;
        eprintln!("warm-up: {} applications in {:.1} s", w.post.len(), w.wall.as_secs_f64());
        warmed = w.post.len();
    }
    let p = intake_phase(&client, &base, unit_id, clients, seconds, &counter).await?;
    let refused: u64 = p.refused.values().sum();
    let rate = p.post.len() as f64 / p.wall.as_secs_f64();
    eprintln!(
        "intake: {} applications acknowledged in {:.1} s with {clients} clients = {rate:.1}/s; POST p50 {:.1} ms p99 {:.1} ms; \
         challenge+POST p50 {:.1} ms p99 {:.1} ms; {refused} refused",
        p.post.len(),
        p.wall.as_secs_f64(),
        ms(percentile(&p.post, 0.5)),
        ms(percentile(&p.post, 0.99)),
        ms(percentile(&p.pair, 0.5)),
        ms(percentile(&p.pair, 0.99)),
    );
    for (what, n) in &p.refused {
        eprintln!("  {n} × {what}");
    }
    Ok(json!({
        "unit_id": unit_id,
        "clients": clients,
        "seconds": p.wall.as_secs_f64(),
        "acknowledged": p.post.len(),
        "warmup_acknowledged": warmed,
        "per_second": rate,
        "post_p50_ms": ms(percentile(&p.post, 0.5)),
        "post_p99_ms": ms(percentile(&p.post, 0.99)),
        "pair_p50_ms": ms(percentile(&p.pair, 0.5)),
        "pair_p99_ms": ms(percentile(&p.pair, 0.99)),
        "refused": refused,
        "refusals": p.refused,
    }))
}

// ----- generate -----

/// A deterministic generator, so that every run builds the same applications.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// An index into `weights`, drawn in proportion to them.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// A direct connection of the database's own driver, faster than the store's `Any` pool for
/// loading data and able to show query plans.
enum Conn {
    Pg(sqlx::PgConnection),
    Lite(sqlx::SqliteConnection),
}

impl Conn {
    async fn open(settings: &DatabaseSettings) -> Result<Conn> {
        Ok(match &settings.url {
            Some(url) if url.starts_with("postgres") => Conn::Pg(sqlx::PgConnection::connect(url).await?),
            _ => {
                let path = settings.sqlite_path().ok_or_else(|| anyhow!("no SQLite file"))?;
                Conn::Lite(sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await?)
            }
        })
    }

    fn is_pg(&self) -> bool {
        matches!(self, Conn::Pg(_))
    }

    async fn exec(&mut self, sql: &str) -> Result<()> {
        match self {
            Conn::Pg(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
            Conn::Lite(c) => sqlx::raw_sql(sql).execute(c).await.map(|_| ()),
        }
        .with_context(|| sql.chars().take(200).collect::<String>())
    }

    /// The first column of each row, as text.
    async fn texts(&mut self, sql: &str, column: usize) -> Result<Vec<String>> {
        Ok(match self {
            Conn::Pg(c) => sqlx::raw_sql(sql)
                .fetch_all(c)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(column))
                .collect::<Result<_, _>>()?,
            Conn::Lite(c) => sqlx::raw_sql(sql)
                .fetch_all(c)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>(column))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Every row, each cell as text whatever its type.
    async fn rows(&mut self, sql: &str) -> Result<Vec<Vec<String>>> {
        fn cells<R: Row>(r: &R) -> Vec<String>
        where
            for<'a> Option<String>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<i64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            for<'a> Option<f64>: sqlx::Decode<'a, R::Database> + sqlx::Type<R::Database>,
            usize: sqlx::ColumnIndex<R>,
        {
            (0..r.len())
                .map(|i| {
                    r.try_get::<Option<String>, _>(i)
                        .map(|v| v.unwrap_or_else(|| "NULL".into()))
                        .or_else(|_| r.try_get::<Option<i64>, _>(i).map(|v| v.map_or("NULL".into(), |v| v.to_string())))
                        .or_else(|_| r.try_get::<Option<f64>, _>(i).map(|v| v.map_or("NULL".into(), |v| v.to_string())))
                        .unwrap_or_else(|_| "?".into())
                })
                .collect()
        }
        Ok(match self {
            Conn::Pg(c) => sqlx::raw_sql(sql).fetch_all(c).await?.iter().map(cells).collect(),
            Conn::Lite(c) => sqlx::raw_sql(sql).fetch_all(c).await?.iter().map(cells).collect(),
        })
    }

    async fn count(&mut self, sql: &str) -> Result<i64> {
        Ok(match self {
            Conn::Pg(c) => sqlx::query_scalar(sql).fetch_one(c).await?,
            Conn::Lite(c) => sqlx::query_scalar(sql).fetch_one(c).await?,
        })
    }
}

const COLUMNS: &str = "tracking_no, code_hash, unit_id, channel, applicant_type, applicant, description, provision_form, \
     delivery, state, submitted_at, received_on, due_on, outcome, replied_on, closed_on, created_at, updated_at";

const TOPICS: [&str; 10] = [
    "城乡居民医疗保险基金收支情况",
    "某路段道路拓宽工程的规划许可及环评文件",
    "本街道2024年低保发放名单",
    "某小区房屋征收补偿方案",
    "某企业排污许可证及监测数据",
    "某学校新建项目的立项批复",
    "财政预算执行情况及“三公”经费明细",
    "某村土地征收批复文件",
    "公共租赁住房分配结果",
    "某行政处罚决定书",
];

fn quoted(v: Option<String>) -> String {
    v.map(|s| format!("'{s}'")).unwrap_or_else(|| "NULL".into())
}

async fn generate(f: &Flags) -> Result<Value> {
    let settings = f.database()?;
    let rows: usize = f.num("rows", 1_000_000)?;
    let per_statement: usize = f.num("batch", 1000)?;
    let per_transaction: usize = f.num("transaction", 50_000)?;
    // Migrate (an empty database gets the schema) and read the units.
    let store = Store::open(&settings).await.map_err(|e| anyhow!("{e}"))?;
    let units: Vec<i64> = store.units_all().await.map_err(|e| anyhow!("{e}"))?.iter().map(|u| u.id).collect();
    store.close().await;
    if units.is_empty() {
        bail!("no units: load the demo data first (gongkai serve --demo)");
    }
    let mut conn = Conn::open(&settings).await?;
    let before = conn.count("SELECT COUNT(*) FROM requests").await?;
    if conn.is_pg() {
        conn.exec("SET synchronous_commit = off").await?;
    } else {
        conn.exec("PRAGMA synchronous = OFF; PRAGMA cache_size = -262144").await?;
    }
    eprintln!("generating {rows} applications over {} units ({before} already there)", units.len());

    // Received from 2023-01-01 to 2026-11-30; about nine in ten closed with an outcome within
    // 45 days (those that would close after the end stay open), the rest still open.
    let first = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
    let span = (last - first).num_days() as usize + 1;
    let type_weights = [85, 6, 1, 2, 4, 2]; // ApplicantType::ALL
    let channel_weights = [60, 15, 15, 2, 5, 3]; // Channel::ALL
    let outcomes = Outcome::ALL;
    // 予以公开 40 %, 部分公开 15 %, 本机关不掌握 15 %, the 18 others 30 % together.
    let outcome_weights: Vec<u32> = outcomes
        .iter()
        .map(|o| match o {
            Outcome::Disclosed => 240,
            Outcome::PartiallyDisclosed => 90,
            Outcome::NotHeld => 90,
            _ => 10,
        })
        .collect();
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let started = Instant::now();
    let (mut closed, mut done) = (0usize, 0usize);
    let mut sql = String::with_capacity(per_statement * 420);
    while done < rows {
        conn.exec("BEGIN").await?;
        let end_tx = (done + per_transaction).min(rows);
        while done < end_tx {
            let end_stmt = (done + per_statement).min(end_tx);
            sql.clear();
            sql.push_str("INSERT INTO requests (");
            sql.push_str(COLUMNS);
            sql.push_str(") VALUES ");
            for i in done..end_stmt {
                let unit = units[rng.below(units.len())];
                let applicant_type = ApplicantType::ALL[rng.weighted(&type_weights)];
                let channel = Channel::ALL[rng.weighted(&channel_weights)];
                let received = first + chrono::Duration::days(rng.below(span) as i64);
                let closes = rng.below(10) < 9;
                let closed_on = received + chrono::Duration::days(1 + rng.below(45) as i64);
                let (state, outcome, closed_on, due_on) = if closes && closed_on <= last {
                    closed += 1;
                    (
                        "replied",
                        Some(outcomes[rng.weighted(&outcome_weights)].code().to_string()),
                        Some(closed_on),
                        None,
                    )
                } else {
                    ("in_progress", None, None, Some(received + chrono::Duration::days(28)))
                };
                let submitted =
                    format!("{}T{:02}:{:02}:{:02}.000000Z", received, rng.below(10), rng.below(60), rng.below(60));
                let updated = closed_on.map(|d| format!("{d}T08:00:00.000000Z")).unwrap_or_else(|| submitted.clone());
                if i > done {
                    sql.push(',');
                }
                sql.push_str(&format!(
                    "('{}{:08}','bench',{unit},'{}','{}','{{}}','申请公开{}（第{i}号）','electronic','email','{state}','{submitted}','{received}',{},{},{},{},'{submitted}','{updated}')",
                    received.format("%Y%m"),
                    i,
                    channel.code(),
                    applicant_type.code(),
                    TOPICS[rng.below(TOPICS.len())],
                    quoted(due_on.map(|d| d.to_string())),
                    quoted(outcome),
                    quoted(closed_on.map(|d| d.to_string())),
                    quoted(closed_on.map(|d| d.to_string())),
                ));
            }
            conn.exec(&sql).await?;
            done = end_stmt;
        }
        conn.exec("COMMIT").await?;
        if done % 100_000 == 0 || done == rows {
            eprintln!("  {done} rows, {:.0} rows/s", done as f64 / started.elapsed().as_secs_f64());
        }
    }
    let inserted = started.elapsed();
    let t = Instant::now();
    conn.exec("ANALYZE requests").await?;
    let analyze = t.elapsed();
    let total = conn.count("SELECT COUNT(*) FROM requests").await?;
    let size_mb = if conn.is_pg() {
        conn.count("SELECT pg_total_relation_size('requests')").await? as f64 / 1e6
    } else {
        conn.exec("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        settings.sqlite_path().and_then(|p| std::fs::metadata(p).ok()).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
    };
    eprintln!(
        "inserted {rows} rows in {:.1} s ({:.0} rows/s), {closed} closed; ANALYZE {:.1} s; {total} applications; {size_mb:.0} MB",
        inserted.as_secs_f64(),
        rows as f64 / inserted.as_secs_f64(),
        analyze.as_secs_f64()
    );
    Ok(json!({
        "rows": rows,
        "closed": closed,
        "insert_s": inserted.as_secs_f64(),
        "rows_per_second": rows as f64 / inserted.as_secs_f64(),
        "analyze_s": analyze.as_secs_f64(),
        "total": total,
        "size_mb": size_mb,
    }))
}

// ----- report -----

async fn report(f: &Flags) -> Result<Value> {
    let base = f.url()?;
    let year: i32 = f.num("year", 2025)?;
    let runs: usize = f.num("runs", 5)?;
    let client = reqwest::Client::new();
    let unit_id = match f.get("unit-id") {
        Some(id) => id.parse()?,
        None => find_unit(&client, &base, CITY).await?,
    };
    let url = format!("{base}/api/v1/units/{unit_id}/annual-report?year={year}&scope=all");
    let mut times = Vec::new();
    let mut last = Value::Null;
    for run in 0..runs.max(1) {
        let t = Instant::now();
        let res = client.get(&url).send().await?;
        let status = res.status();
        let body = res.bytes().await?;
        let took = t.elapsed();
        if !status.is_success() {
            bail!("GET {url}: {status} {}", String::from_utf8_lossy(&body));
        }
        eprintln!("run {}: {:.1} ms", run + 1, ms(took));
        times.push(took);
        last = serde_json::from_slice(&body)?;
    }
    let first = times[0];
    times.sort();
    let t3 = &last["report"]["table3"];
    let total = |row: &str| t3[row]["total"].as_u64().unwrap_or(0);
    let row = json!({
        "new": total("new"),
        "carried_over": total("carried_over"),
        "replied": total("replied_total"),
        "carried_forward": total("carried_forward"),
        "disclosed": t3["outcomes"]["disclosed"]["total"],
    });
    eprintln!(
        "annual report {year} of unit {unit_id} over {} units: min {:.1} ms, median {:.1} ms, max {:.1} ms (first {:.1} ms)",
        last["units_counted"],
        ms(times[0]),
        ms(percentile(&times, 0.5)),
        ms(times[times.len() - 1]),
        ms(first)
    );
    eprintln!(
        "table 三, 总计 column: 一 本年新收 {} · 二 上年结转 {} · 三（七）总计 {} · 四 结转下年度 {} · balanced {}",
        row["new"], row["carried_over"], row["replied"], row["carried_forward"], last["balanced"]
    );
    Ok(json!({
        "unit_id": unit_id,
        "year": year,
        "units_counted": last["units_counted"],
        "runs": times.len(),
        "min_ms": ms(times[0]),
        "median_ms": ms(percentile(&times, 0.5)),
        "max_ms": ms(times[times.len() - 1]),
        "first_ms": ms(first),
        "balanced": last["balanced"],
        "table3_total": row,
        "table3": t3,
    }))
}

/// The report's store queries, timed in process over the city's units, and the plan of
/// `request_counts` (the same SQL, with the values written in).
async fn breakdown(f: &Flags) -> Result<Value> {
    let settings = f.database()?;
    let year: i32 = f.num("year", 2025)?;
    let runs: usize = f.num("runs", 5)?;
    let store = Store::connect(&settings).await.map_err(|e| anyhow!("{e}"))?;
    let tree = UnitTree::new(store.units_all().await.map_err(|e| anyhow!("{e}"))?);
    let root = match f.get("unit-id") {
        Some(id) => id.parse()?,
        None => tree.roots().find(|u| u.name == CITY).map(|u| u.id).ok_or_else(|| anyhow!("no unit {CITY}"))?,
    };
    let ids: Vec<i64> = tree.subtree(root).iter().map(|u| u.id).collect();
    let mut timed: BTreeMap<&str, Vec<Duration>> = BTreeMap::new();
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        store.request_counts(&ids, year).await.map_err(|e| anyhow!("{e}"))?;
        timed.entry("request_counts").or_default().push(t.elapsed());
        let t = Instant::now();
        store.review_counts(&ids, year).await.map_err(|e| anyhow!("{e}"))?;
        timed.entry("review_counts").or_default().push(t.elapsed());
        let t = Instant::now();
        store.regulation_counts(&ids, year).await.map_err(|e| anyhow!("{e}"))?;
        timed.entry("regulation_counts").or_default().push(t.elapsed());
    }
    store.close().await;
    let mut out = serde_json::Map::new();
    for (name, mut t) in timed {
        t.sort();
        eprintln!("{name}: min {:.1} ms, median {:.1} ms", ms(t[0]), ms(percentile(&t, 0.5)));
        out.insert(format!("{name}_median_ms"), json!(ms(percentile(&t, 0.5))));
        out.insert(format!("{name}_min_ms"), json!(ms(t[0])));
    }
    let list = ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ");
    let (a, z) = (format!("'{year}-01-01'"), format!("'{year}-12-31'"));
    // The SQL of `Store::request_counts` (crates/store/src/requests.rs) with the values written
    // in; keep the two in step.
    let open_in_year = format!("COALESCE(closed_on, '9999-12-31') >= {a}");
    let sql = format!(
        "SELECT applicant_type, outcome, \
         SUM(CASE WHEN received_on >= {a} THEN 1 ELSE 0 END), \
         SUM(CASE WHEN received_on < {a} THEN 1 ELSE 0 END), \
         SUM(CASE WHEN closed_on <= {z} THEN 1 ELSE 0 END), \
         SUM(CASE WHEN closed_on IS NULL OR closed_on > {z} THEN 1 ELSE 0 END) \
         FROM requests WHERE received_on IS NOT NULL AND received_on <= {z} \
         AND {open_in_year} AND unit_id IN ({list}) GROUP BY applicant_type, outcome"
    );
    let mut conn = Conn::open(&settings).await?;
    let explain = |sql: &str, pg: bool| {
        if pg { format!("EXPLAIN (ANALYZE, BUFFERS) {sql}") } else { format!("EXPLAIN QUERY PLAN {sql}") }
    };
    let column = if conn.is_pg() { 0 } else { 3 };
    let plan = conn.texts(&explain(&sql, conn.is_pg()), column).await?;
    let t = Instant::now();
    conn.exec(&sql).await?;
    let literal = t.elapsed();
    // Two comparisons, timed after a warm-up run each: reading the whole table (SQLite's NOT
    // INDEXED; PostgreSQL scans anyway), and the earlier form with an OR on closed_on, which
    // SQLite planned as two index ranges per unit.
    let variants = [
        ("full_scan", (!conn.is_pg()).then(|| sql.replace("FROM requests WHERE", "FROM requests NOT INDEXED WHERE"))),
        ("coalesce", Some(sql.replace(&open_in_year, &format!("(closed_on IS NULL OR closed_on >= {a})")))),
    ];
    for (name, variant) in variants {
        let Some(variant) = variant else { continue };
        conn.exec(&variant).await?;
        let t = Instant::now();
        conn.exec(&variant).await?;
        let took = t.elapsed();
        let variant_plan = if conn.is_pg() {
            conn.texts(&format!("EXPLAIN {variant}"), 0).await?
        } else {
            conn.texts(&explain(&variant, false), 3).await?
        };
        eprintln!("variant {name}: {:.1} ms, plan: {}", ms(took), variant_plan.first().cloned().unwrap_or_default());
        out.insert(format!("{name}_ms"), json!(ms(took)));
        out.insert(format!("{name}_plan"), json!(variant_plan));
    }
    let matching = conn
        .count(&format!(
            "SELECT COUNT(*) FROM requests WHERE received_on IS NOT NULL AND received_on <= {z} \
             AND (closed_on IS NULL OR closed_on >= {a}) AND unit_id IN ({list})"
        ))
        .await?;
    let total = conn.count("SELECT COUNT(*) FROM requests").await?;
    eprintln!(
        "request_counts SQL with literal values: {:.1} ms; {matching} of {total} rows matter to {year}",
        ms(literal)
    );
    eprintln!("plan:");
    for line in &plan {
        eprintln!("  {line}");
    }
    out.insert("units".into(), json!(ids.len()));
    out.insert("literal_sql_ms".into(), json!(ms(literal)));
    out.insert("rows_matching".into(), json!(matching));
    out.insert("rows_total".into(), json!(total));
    out.insert("plan".into(), json!(plan));
    Ok(Value::Object(out))
}

/// Statements on the database, timed, with their rows: for trying a fix on a copy.
async fn sql(f: &Flags) -> Result<Value> {
    let settings = f.database()?;
    let repeat: usize = f.num("repeat", 1)?;
    let text = f.get("sql").ok_or_else(|| anyhow!("--sql is needed"))?;
    let mut conn = Conn::open(&settings).await?;
    let mut out = Vec::new();
    for statement in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
        let mut times = Vec::new();
        let mut rows = Vec::new();
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            rows = conn.rows(statement).await?;
            times.push(ms(t.elapsed()));
        }
        eprintln!(
            "{:.1} ms {}: {}",
            times.iter().copied().fold(f64::MAX, f64::min),
            times.iter().map(|t| format!("{t:.1}")).collect::<Vec<_>>().join(" / "),
            statement.chars().take(120).collect::<String>()
        );
        for r in rows.iter().take(40) {
            eprintln!("  {}", r.join(" | "));
        }
        out.push(json!({"sql": statement, "ms": times, "rows": rows.len()}));
    }
    Ok(json!(out))
}

#[cfg(test)]
mod tests {
    use super::{chinese_number, solve};

    #[test]
    fn reads_the_challenge() {
        for (n, w) in [(1, "一"), (9, "九"), (10, "十"), (13, "十三"), (20, "二十"), (29, "二十九")] {
            assert_eq!(chinese_number(w), Some(n), "{w}");
        }
        assert_eq!(solve("十三加五等于多少？"), Some(18));
        assert_eq!(solve("十三减五等于多少？"), Some(8));
        assert_eq!(solve("二十减九等于多少？"), Some(11));
    }
}
