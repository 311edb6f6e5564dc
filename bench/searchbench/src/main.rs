//! Search benchmark: import and index a corpus through gongkai's own code paths, measure search
//! latency in process and over HTTP, and do the same documents and queries on SQLite FTS5 with
//! the trigram tokenizer as the baseline.
//!
//!   searchbench --corpus ../shared/data/laws/corpus.jsonl.gz --docs 0 --work /tmp/gk-bench \
//!       --server target/release/gongkai
//!
//! `--docs 0` uses the corpus as it is; a larger number adds synthetic documents made by
//! recombining the corpus's paragraphs. Results are printed as Markdown and written to
//! `<work>/results.json`.

use anyhow::{Context, Result, anyhow};
use gongkai_search::{SearchIndex, SearchRequest};
use gongkai_store::{Actor, DatabaseSettings, Store};
use serde_json::{Value, json};
use sqlx::Connection;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

struct Args {
    corpus: PathBuf,
    docs: usize,
    work: PathBuf,
    server: Option<PathBuf>,
    http_requests: usize,
    clients: usize,
}

fn args() -> Result<Args> {
    let mut a = Args {
        corpus: "../shared/data/laws/corpus.jsonl.gz".into(),
        docs: 0,
        work: std::env::temp_dir().join("gongkai-searchbench"),
        server: None,
        http_requests: 4000,
        clients: 16,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--corpus" => a.corpus = value.into(),
            "--docs" => a.docs = value.parse()?,
            "--work" => a.work = value.into(),
            "--server" => a.server = Some(value.into()),
            "--http-requests" => a.http_requests = value.parse()?,
            "--clients" => a.clients = value.parse()?,
            other => return Err(anyhow!("unknown flag {other}")),
        }
    }
    Ok(a)
}

/// A deterministic generator, so that every run builds the same corpus and queries; written
/// out because the sequence must not change with a dependency's version.
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
}

struct Doc {
    title: String,
    body: String,
    doc_no: String,
    history: Vec<String>,
    version_date: String,
}

fn load_corpus(path: &Path) -> Result<Vec<Doc>> {
    let mut raw = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(path).with_context(|| path.display().to_string())?)
        .read_to_string(&mut raw)?;
    let mut docs = Vec::new();
    for line in raw.lines().filter(|l| !l.trim().is_empty()) {
        let v: Value = serde_json::from_str(line)?;
        let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
        docs.push(Doc {
            title: s("title"),
            body: s("body"),
            doc_no: s("doc_no"),
            history: v["history"]
                .as_array()
                .map(|h| h.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
            version_date: s("version_date"),
        });
    }
    Ok(docs)
}

/// The corpus, then synthetic documents up to `total`: a corpus title with a serial, and three
/// to six paragraphs drawn from the whole corpus.
fn build_docs(corpus: Vec<Doc>, total: usize) -> Vec<Doc> {
    if total <= corpus.len() {
        return if total == 0 { corpus } else { corpus.into_iter().take(total).collect() };
    }
    let paragraphs: Vec<String> = corpus
        .iter()
        .flat_map(|d| d.body.split('\n'))
        .map(|p| p.trim().trim_start_matches('#').trim().to_string())
        .filter(|p| p.chars().count() >= 20)
        .collect();
    let titles: Vec<String> = corpus.iter().map(|d| d.title.clone()).collect();
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut docs = corpus;
    let start = docs.len();
    for i in start..total {
        let title = format!("{}（汇编第{}号）", titles[rng.below(titles.len())], i);
        let n = 3 + rng.below(4);
        let body = (0..n).map(|_| paragraphs[rng.below(paragraphs.len())].as_str()).collect::<Vec<_>>().join("\n\n");
        docs.push(Doc { title, body, doc_no: String::new(), history: Vec::new(), version_date: String::new() });
    }
    docs
}

fn jsonl(docs: &[Doc]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in docs {
        let mut line = json!({"title": d.title, "body": d.body});
        if !d.doc_no.is_empty() {
            line["doc_no"] = json!(d.doc_no);
        }
        if !d.history.is_empty() {
            line["history"] = json!(d.history);
        }
        if !d.version_date.is_empty() {
            line["version_date"] = json!(d.version_date);
        }
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    out
}

/// At least 200 fixed queries: exact titles, 文号 from the history lines, two-character
/// words, and phrases cut from paragraphs.
fn queries(docs: &[Doc]) -> Vec<String> {
    let mut rng = XorShift(0xD1B5_4A32_D192_ED03);
    let corpus = &docs[..docs.len().min(3475)];
    let mut q = Vec::new();
    for _ in 0..60 {
        q.push(corpus[rng.below(corpus.len())].title.clone());
    }
    let numbers: Vec<String> = corpus
        .iter()
        .flat_map(|d| d.history.iter())
        .filter_map(|h| {
            let start = h.find("国务院令第")?;
            let rest = &h[start..];
            let end = rest.find('号')? + '号'.len_utf8();
            Some(rest[..end].to_string())
        })
        .collect();
    for _ in 0..40.min(numbers.len()) {
        q.push(numbers[rng.below(numbers.len())].clone());
    }
    for w in [
        "医保", "社保", "公积", "税收", "教育", "环境", "土地", "住房", "交通", "安全", "价格", "食品", "药品", "消防",
        "森林", "水利", "农业", "养老", "就业", "统计", "审计", "海关", "港口", "旅游", "文物", "档案", "气象", "地震",
        "能源", "电力", "邮政", "铁路", "民航", "渔业", "草原", "矿产", "测绘", "人防", "信访", "宗教",
    ] {
        q.push(w.to_string());
    }
    while q.len() < 240 {
        let d = &corpus[rng.below(corpus.len())];
        let chars: Vec<char> =
            d.body.chars().filter(|c| !c.is_ascii() && !"，。、；：（）《》“”？！\n".contains(*c)).collect();
        if chars.len() < 20 {
            continue;
        }
        let len = 4 + rng.below(5);
        let at = rng.below(chars.len() - len);
        q.push(chars[at..at + len].iter().collect());
    }
    q
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) };
    entries
        .flatten()
        .map(|e| if e.path().is_dir() { dir_size(&e.path()) } else { e.metadata().map(|m| m.len()).unwrap_or(0) })
        .sum()
}

fn rss_kib(pid: &str, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with(field)).map(|l| l.to_string()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> Result<()> {
    let a = args()?;
    let _ = std::fs::remove_dir_all(&a.work);
    std::fs::create_dir_all(&a.work)?;
    let docs = build_docs(load_corpus(&a.corpus)?, a.docs);
    let text_bytes: usize = docs.iter().map(|d| d.title.len() + d.body.len()).sum();
    let queries = queries(&docs);
    eprintln!("{} documents, {:.1} MB of text, {} queries", docs.len(), text_bytes as f64 / 1e6, queries.len());

    // gongkai: the import path of `gongkai import documents`, then the index rebuild of
    // `gongkai reindex`, in chunks so that a million documents need not be held twice.
    let data = a.work.join("data");
    // The audit key beside the data, as the binary keeps it, so a reused work folder opens.
    let ring = gongkai_store::audit_keys::load_ring(None, &data.join(gongkai_store::audit_keys::KEY_FILE), true)
        .map_err(|e| anyhow!("{e}"))?
        .ring;
    let store =
        Store::open(&DatabaseSettings::new(&data, None).with_audit_keys(ring)).await.map_err(|e| anyhow!("{e}"))?;
    gongkai_app::demo::load_base(&store).await.map_err(|e| anyhow!("{e}"))?;
    let unit = store.units_all().await.map_err(|e| anyhow!("{e}"))?[0].id;
    let started = Instant::now();
    for (n, chunk) in docs.chunks(20_000).enumerate() {
        let gongkai_store::import::PreparedFile { items: prepared, errors } =
            gongkai_store::import::prepare(&store, &jsonl(chunk), Some(unit)).await.map_err(|e| anyhow!("{e}"))?;
        if let Some(e) = errors.first() {
            return Err(anyhow!("line {}: {}", e.line, e.message));
        }
        gongkai_store::import::write(&store, &prepared, 500, Actor::system("bench"), |_| {})
            .await
            .map_err(|e| anyhow!("{e}"))?;
        eprintln!("imported {}", n * 20_000 + chunk.len());
    }
    let import = started.elapsed();
    let words: Vec<String> = store
        .units_all()
        .await
        .map_err(|e| anyhow!("{e}"))?
        .iter()
        .flat_map(|u| [u.name.clone(), u.short_name.clone()])
        .collect();
    let index_path = data.join("search");
    let (index, _) = SearchIndex::open_for_rebuild(&index_path, &words).map_err(|e| anyhow!("{e}"))?;
    let started = Instant::now();
    index.rebuild(&store, |_| {}).await.map_err(|e| anyhow!("{e}"))?;
    let indexing = started.elapsed();
    let index_bytes = dir_size(&index_path);
    let db_bytes = dir_size(&data) - index_bytes;
    let peak_rss = rss_kib("self", "VmHWM:");

    // gongkai in process, single-threaded: one warm-up pass, then the measured passes — the
    // ten best and the count (the work FTS5 does below), and with the facet counts the search
    // page shows.
    let request = |q: &str, skip_facets: bool| SearchRequest {
        q: q.to_string(),
        page: 1,
        per_page: 10,
        skip_facets,
        ..Default::default()
    };
    for q in &queries {
        index.search(&request(q, false)).map_err(|e| anyhow!("{e}"))?;
    }
    let mut gk = Vec::with_capacity(queries.len());
    let mut gk_facets = Vec::with_capacity(queries.len());
    let mut gk_found = 0;
    for q in &queries {
        let t = Instant::now();
        let r = index.search(&request(q, true)).map_err(|e| anyhow!("{e}"))?;
        gk.push(t.elapsed());
        gk_found += usize::from(r.total > 0);
        let t = Instant::now();
        index.search(&request(q, false)).map_err(|e| anyhow!("{e}"))?;
        gk_facets.push(t.elapsed());
    }
    gk_facets.sort();
    gk.sort();

    // SQLite FTS5 with the trigram tokenizer, same documents and queries: the ten best by
    // rank and the count, which a result page needs. Queries under three characters cannot
    // use a trigram index and fall back to LIKE, as FTS5's documentation prescribes.
    let fts_path = a.work.join("fts.db");
    let mut fts = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", fts_path.display())).await?;
    sqlx::query("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'trigram')").execute(&mut fts).await?;
    let started = Instant::now();
    for chunk in docs.chunks(10_000) {
        let mut tx = fts.begin().await?;
        for d in chunk {
            sqlx::query("INSERT INTO docs (title, body) VALUES ($1, $2)")
                .bind(&d.title)
                .bind(&d.body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    let fts_import = started.elapsed();
    let fts_bytes = dir_size(&fts_path);
    let fts_search = |q: String| {
        let phrase = format!("\"{}\"", q.replace('"', "\"\""));
        (q, phrase)
    };
    let mut fts_times = Vec::with_capacity(queries.len());
    let mut fts_found = 0;
    for pass in 0..2 {
        for q in &queries {
            let (q, phrase) = fts_search(q.clone());
            let t = Instant::now();
            let (rows, count): (Vec<i64>, i64) = if q.chars().count() >= 3 {
                let rows = sqlx::query_scalar("SELECT rowid FROM docs WHERE docs MATCH $1 ORDER BY rank LIMIT 10")
                    .bind(&phrase)
                    .fetch_all(&mut fts)
                    .await?;
                let count = sqlx::query_scalar("SELECT count(*) FROM docs WHERE docs MATCH $1")
                    .bind(&phrase)
                    .fetch_one(&mut fts)
                    .await?;
                (rows, count)
            } else {
                let like = format!("%{q}%");
                let rows = sqlx::query_scalar("SELECT rowid FROM docs WHERE title LIKE $1 OR body LIKE $1 LIMIT 10")
                    .bind(&like)
                    .fetch_all(&mut fts)
                    .await?;
                let count = sqlx::query_scalar("SELECT count(*) FROM docs WHERE title LIKE $1 OR body LIKE $1")
                    .bind(&like)
                    .fetch_one(&mut fts)
                    .await?;
                (rows, count)
            };
            if pass == 1 {
                fts_times.push(t.elapsed());
                fts_found += usize::from(count > 0 && !rows.is_empty());
            }
        }
    }
    fts_times.sort();
    drop(fts);

    // gongkai over HTTP: the real server on the same data, `clients` concurrent clients.
    let mut http = None;
    if let Some(bin) = &a.server {
        drop(index);
        store.close().await;
        let port = 18290;
        let mut child = std::process::Command::new(bin)
            .args(["--data-dir", &data.display().to_string(), "serve", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()?;
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let ready = Instant::now();
        while !client.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status().is_success()) {
            if ready.elapsed() > Duration::from_secs(120) {
                child.kill().ok();
                return Err(anyhow!("the server did not start"));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let urls: Vec<String> = queries.iter().map(|q| format!("{base}/api/v1/search?q={}", url_encode(q))).collect();
        for u in &urls {
            client.get(u).send().await?.error_for_status()?;
        }
        let per_client = a.http_requests / a.clients;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..a.clients {
            let client = client.clone();
            let urls = urls.clone();
            tasks.push(tokio::spawn(async move {
                let mut times = Vec::with_capacity(per_client);
                for i in 0..per_client {
                    let u = &urls[(c * 37 + i) % urls.len()];
                    let t = Instant::now();
                    let res = client.get(u).send().await?;
                    res.error_for_status()?.bytes().await?;
                    times.push(t.elapsed());
                }
                Ok::<_, reqwest::Error>(times)
            }));
        }
        let mut times = Vec::new();
        for t in tasks {
            times.extend(t.await??);
        }
        let wall = started.elapsed();
        times.sort();
        let server_rss = rss_kib(&child.id().to_string(), "VmRSS:");
        child.kill().ok();
        child.wait().ok();
        http = Some((times, wall, server_rss));
    }

    let gk_p50 = percentile(&gk, 0.5);
    let gk_p99 = percentile(&gk, 0.99);
    let fts_p50 = percentile(&fts_times, 0.5);
    let fts_p99 = percentile(&fts_times, 0.99);
    let mb = text_bytes as f64 / 1e6;
    let total_import = import + indexing;
    let mut md = String::new();
    md.push_str(&format!(
        "{} documents · {:.1} MB of text · {} queries\n\n| | gongkai (tantivy + jieba) | SQLite FTS5 trigram | FTS5 / gongkai |\n|---|---:|---:|---:|\n",
        docs.len(),
        mb,
        queries.len()
    ));
    md.push_str(&format!(
        "| import (`gongkai import documents`), documents/s | {:.0} ({:.1} s) | {:.0} ({:.1} s) | |\n",
        docs.len() as f64 / import.as_secs_f64(),
        import.as_secs_f64(),
        docs.len() as f64 / fts_import.as_secs_f64(),
        fts_import.as_secs_f64()
    ));
    md.push_str(&format!(
        "| index build (`gongkai reindex`), documents/s | {:.0} ({:.1} s) | | |\n",
        docs.len() as f64 / indexing.as_secs_f64(),
        indexing.as_secs_f64()
    ));
    md.push_str(&format!(
        "| import + index, documents/s | {:.0} | {:.0} | |\n",
        docs.len() as f64 / total_import.as_secs_f64(),
        docs.len() as f64 / fts_import.as_secs_f64()
    ));
    md.push_str(&format!(
        "| import + index, MB/s | {:.2} | {:.2} | |\n",
        mb / total_import.as_secs_f64(),
        mb / fts_import.as_secs_f64()
    ));
    md.push_str(&format!(
        "| size on disk | index {:.1} MB (database {:.1} MB) | {:.1} MB | |\n",
        index_bytes as f64 / 1e6,
        db_bytes as f64 / 1e6,
        fts_bytes as f64 / 1e6
    ));
    for (label, p, fts) in [
        ("search p50, in process, ten best + count", gk_p50, fts_p50),
        ("search p99, in process, ten best + count", gk_p99, fts_p99),
        ("search p50, in process, with facets", percentile(&gk_facets, 0.5), fts_p50),
        ("search p99, in process, with facets", percentile(&gk_facets, 0.99), fts_p99),
    ] {
        md.push_str(&format!(
            "| {label} | {:.3} ms | {:.3} ms | {:.1}× |\n",
            ms(p),
            ms(fts),
            ms(fts) / ms(p).max(0.0001)
        ));
    }
    md.push_str(&format!("| queries with results | {gk_found} | {fts_found} | |\n"));
    md.push_str(&format!("| peak resident memory of the import and index process | {} MiB | | |\n", peak_rss / 1024));
    if let Some((times, wall, rss)) = &http {
        md.push_str(&format!(
            "| HTTP `/api/v1/search`, {} clients, {} requests | p50 {:.2} ms · p99 {:.2} ms · {:.0} req/s · server RSS {} MiB | | |\n",
            a.clients,
            times.len(),
            ms(percentile(times, 0.5)),
            ms(percentile(times, 0.99)),
            times.len() as f64 / wall.as_secs_f64(),
            rss / 1024
        ));
    }
    println!("{md}");
    let results = json!({
        "documents": docs.len(),
        "text_mb": mb,
        "queries": queries.len(),
        "gongkai": {
            "import_s": import.as_secs_f64(), "index_s": indexing.as_secs_f64(),
            "index_mb": index_bytes as f64 / 1e6, "db_mb": db_bytes as f64 / 1e6,
            "p50_ms": ms(gk_p50), "p99_ms": ms(gk_p99),
            "facets_p50_ms": ms(percentile(&gk_facets, 0.5)), "facets_p99_ms": ms(percentile(&gk_facets, 0.99)), "found": gk_found, "peak_rss_mib": peak_rss / 1024,
        },
        "fts5": {"import_s": fts_import.as_secs_f64(), "size_mb": fts_bytes as f64 / 1e6, "p50_ms": ms(fts_p50), "p99_ms": ms(fts_p99), "found": fts_found},
        "http": http.as_ref().map(|(t, w, rss)| json!({"p50_ms": ms(percentile(t, 0.5)), "p99_ms": ms(percentile(t, 0.99)), "requests": t.len(), "wall_s": w.as_secs_f64(), "server_rss_mib": rss / 1024})),
    });
    let mut f = std::fs::File::create(a.work.join("results.json"))?;
    f.write_all(serde_json::to_string_pretty(&results)?.as_bytes())?;
    std::fs::write(a.work.join("results.md"), md)?;
    Ok(())
}

fn url_encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}
