//! Bulk import of documents from JSON Lines (optionally gzip-compressed): every line is checked
//! first, and nothing is written when any line is bad; then documents are published in batches,
//! each an audited administrative action, skipping those imported before.

use crate::audit::Actor;
use crate::db::Store;
use crate::documents::ImportItem;
use crate::error::Result;
use flate2::read::GzDecoder;
use gongkai_domain::documents::{DocumentFields, DocumentInput, Genre, Topic};
use gongkai_domain::time::parse_date;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

/// One line of the file. Every field but title and body may be missing or null.
#[derive(Debug, Deserialize)]
struct Line {
    title: Option<String>,
    body: Option<String>,
    doc_no: Option<String>,
    written_on: Option<String>,
    published_on: Option<String>,
    genre: Option<String>,
    topic: Option<String>,
    validity: Option<String>,
    keywords: Option<String>,
    note: Option<String>,
    /// Credit code or id of the publishing unit.
    unit: Option<serde_json::Value>,
    // Fields of the shared laws corpus.
    version_date: Option<String>,
    history: Option<Vec<String>>,
    category: Option<String>,
    source_path: Option<String>,
}

/// A line ready to write.
pub struct Prepared {
    pub line: usize,
    pub unit_id: i64,
    pub key: String,
    pub fields: DocumentFields,
    pub published_on: Option<chrono::NaiveDate>,
}

#[derive(Debug)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

/// A file read and checked.
pub struct PreparedFile {
    /// The good lines, in file order.
    pub items: Vec<Prepared>,
    /// The bad lines; nothing is to be written when there is one.
    pub errors: Vec<LineError>,
}

/// Reads and checks a whole file. `default_unit` is used for lines that name no unit.
pub async fn prepare(store: &Store, raw: &[u8], default_unit: Option<i64>) -> Result<PreparedFile> {
    let reader: Box<dyn Read> =
        if raw.starts_with(&[0x1f, 0x8b]) { Box::new(GzDecoder::new(raw)) } else { Box::new(raw) };
    let units = store.units_all().await?;
    let by_code: HashMap<String, (i64, String)> =
        units.iter().filter_map(|u| u.credit_code.clone().map(|c| (c, (u.id, u.name.clone())))).collect();
    let by_id: HashMap<i64, String> = units.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut lines = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in BufReader::new(reader).lines().enumerate() {
        match line {
            Ok(t) => lines.push((i + 1, t)),
            Err(e) => {
                errors.push(LineError { line: i + 1, message: format!("无法读取（{e}）") });
                break;
            }
        }
    }
    // Cleaning and converting bodies is most of an import's work, and lines are independent:
    // one share of them per core, results kept in file order.
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).clamp(1, 8);
    let share = lines.len().div_ceil(cores).max(1);
    let results: Vec<Vec<std::result::Result<Prepared, LineError>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = lines
            .chunks(share)
            .map(|part| {
                let (by_code, by_id) = (&by_code, &by_id);
                scope.spawn(move || {
                    part.iter().filter_map(|(n, t)| read_line(*n, t, default_unit, by_code, by_id)).collect()
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    let mut prepared = Vec::new();
    for r in results.into_iter().flatten() {
        match r {
            Ok(p) => prepared.push(p),
            Err(e) => errors.push(e),
        }
    }
    errors.sort_by_key(|e| e.line);
    Ok(PreparedFile { items: prepared, errors })
}

/// One line read and checked; `None` for a blank line.
fn read_line(
    n: usize,
    text: &str,
    default_unit: Option<i64>,
    by_code: &HashMap<String, (i64, String)>,
    by_id: &HashMap<i64, String>,
) -> Option<std::result::Result<Prepared, LineError>> {
    if text.trim().is_empty() {
        return None;
    }
    let parsed: Line = match serde_json::from_str(text) {
        Ok(l) => l,
        Err(e) => {
            let message = if e.is_data() {
                format!("字段类型不正确（{}）", e.to_string().split(" at line").next().unwrap_or(""))
            } else {
                format!("不是有效的 JSON（第 {} 列）", e.column())
            };
            return Some(Err(LineError { line: n, message }));
        }
    };
    Some(prepare_line(n, parsed, default_unit, by_code, by_id).map_err(|message| LineError { line: n, message }))
}

fn prepare_line(
    n: usize,
    l: Line,
    default_unit: Option<i64>,
    by_code: &HashMap<String, (i64, String)>,
    by_id: &HashMap<i64, String>,
) -> std::result::Result<Prepared, String> {
    let title = l.title.filter(|t| !t.trim().is_empty()).ok_or("缺少 title（标题）")?;
    // The body may be empty only where a 题注 says what the document is (a few laws in the
    // shared corpus are known by their history lines alone).
    let has_note =
        l.history.as_ref().is_some_and(|h| !h.is_empty()) || l.note.as_ref().is_some_and(|n| !n.trim().is_empty());
    let body = l.body.clone().filter(|b| !b.trim().is_empty() || has_note).ok_or("缺少 body（正文）")?;
    let (unit_id, unit_name) = match &l.unit {
        None | Some(serde_json::Value::Null) => {
            let id = default_unit.ok_or("没有 unit，也没有用 --unit 指定默认单位")?;
            (id, by_id.get(&id).cloned().ok_or("默认单位不存在")?)
        }
        Some(serde_json::Value::Number(num)) => {
            let id = num.as_i64().ok_or("unit 应为单位 id 或统一社会信用代码")?;
            (id, by_id.get(&id).cloned().ok_or_else(|| format!("单位 {id} 不存在"))?)
        }
        Some(serde_json::Value::String(code)) => {
            let (id, name) = by_code
                .get(&code.trim().to_uppercase())
                .cloned()
                .ok_or_else(|| format!("没有统一社会信用代码为 {code} 的单位"))?;
            (id, name)
        }
        Some(_) => return Err("unit 应为单位 id 或统一社会信用代码".into()),
    };
    let text = |v: &Option<String>| v.clone().unwrap_or_default().trim().to_string();
    let (doc_no, keywords, category, source_path) =
        (text(&l.doc_no), text(&l.keywords), text(&l.category), text(&l.source_path));
    let history = l.history.clone().unwrap_or_default();
    let written = if text(&l.written_on).is_empty() { text(&l.version_date) } else { text(&l.written_on) };
    let published = if text(&l.published_on).is_empty() { written.clone() } else { text(&l.published_on) };
    let published_on = match published.trim() {
        "" => None,
        d => Some(parse_date(d).ok_or_else(|| format!("published_on“{d}”不是 YYYY-MM-DD 格式的日期"))?),
    };
    let genre = if !text(&l.genre).is_empty() {
        text(&l.genre)
    } else if !category.is_empty() || !history.is_empty() {
        Genre::Law.code().into()
    } else {
        Genre::Other.code().into()
    };
    let topic = if text(&l.topic).is_empty() { Topic::Other.code().to_string() } else { text(&l.topic) };
    let note = if text(&l.note).is_empty() { history.join("\n") } else { text(&l.note) };
    // HTML when it looks like HTML; otherwise the Markdown of the laws corpus (plain text
    // paragraphs are Markdown too).
    let looks_html = body.contains("</p>") || body.contains("<br") || body.contains("</div>");
    let body_html = if looks_html { body.clone() } else { gongkai_domain::html::from_markdown(&body) };
    let input = DocumentInput {
        title: title.clone(),
        doc_no: doc_no.clone(),
        written_on: written.clone(),
        topic,
        genre,
        keywords,
        note,
        body: body_html,
        ..Default::default()
    };
    let mut fields = DocumentFields::parse(&input, &unit_name).map_err(|e| e.to_string())?;
    let validity = text(&l.validity);
    if !validity.is_empty() && gongkai_domain::documents::Validity::parse(&validity).is_none() {
        return Err(format!("validity“{validity}”应为 有效、失效 或 废止"));
    }
    // Import keeps the author's own markup decisions out: an empty body after cleaning is bad.
    if fields.body_text.trim().is_empty() && fields.note.trim().is_empty() {
        return Err("正文清理后为空".into());
    }
    fields.minor_change = false;
    let key = if !source_path.is_empty() {
        format!("source:{source_path}")
    } else {
        let mut h = Sha256::new();
        for part in [unit_id.to_string(), title, doc_no, written, body] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        format!("sha256:{}", hex::encode(h.finalize()))
    };
    Ok(Prepared { line: n, unit_id, key, fields, published_on })
}

#[derive(Debug, Default)]
pub struct ImportReport {
    pub imported: usize,
    pub skipped: usize,
}

/// Writes prepared documents in batches of `batch` per transaction; `progress(done)` after each.
pub async fn write(
    store: &Store,
    docs: &[Prepared],
    batch: usize,
    actor: Actor,
    mut progress: impl FnMut(usize),
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    for chunk in docs.chunks(batch.max(1)) {
        let mut w = store.write(actor.clone()).await?;
        let items: Vec<ImportItem> = chunk
            .iter()
            .map(|d| ImportItem {
                line: d.line,
                unit_id: d.unit_id,
                fields: &d.fields,
                key: &d.key,
                published_on: d.published_on,
            })
            .collect();
        let done = w.documents_import(&items).await?;
        let new_in_batch = done.iter().filter(|d| d.fresh).count();
        // A batch imported before writes nothing and is rolled back, so a re-run leaves no trace.
        if new_in_batch > 0 {
            w.commit().await?;
        }
        report.imported += new_in_batch;
        report.skipped += chunk.len() - new_in_batch;
        progress(report.imported + report.skipped);
    }
    Ok(report)
}
