//! Chinese full-text search over everything public, with tantivy. The index is derived data:
//! it follows the store's outbox (each change to public content commits with an outbox event),
//! remembers in its own commit how far it has read, and is rebuilt from the store when missing,
//! corrupt, or asked to. Each node keeps its own index.

pub mod facets;
pub mod snippet;
pub mod tokenizer;

use gongkai_domain::documents::{DocNo, Genre, Topic, Validity};
use gongkai_store::Store;
use gongkai_store::documents::PublicDocument;
use jieba_rs::Jieba;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::{Index, IndexReader, IndexWriter, Order, ReloadPolicy, TantivyDocument, Term};
use tokenizer::{ChineseTokenizer, query_terms};

/// Raised when the schema or tokenisation changes, so old indexes are rebuilt.
const SCHEMA_VERSION: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index: {0}")]
    Store(#[from] gongkai_store::StoreError),
    #[error("search index: {0}")]
    Other(String),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

#[derive(Clone, Copy)]
struct Fields {
    key: Field,
    id: Field,
    title: Field,
    title_exact: Field,
    body: Field,
    doc_no: Field,
    doc_no_keys: Field,
    index_no: Field,
    unit: Field,
    genre: Field,
    topic: Field,
    validity: Field,
    year: Field,
    published: Field,
    published_on: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool, positions: bool| {
        let idx = TextFieldIndexing::default().set_tokenizer(tokenizer::NAME).set_index_option(if positions {
            IndexRecordOption::WithFreqsAndPositions
        } else {
            IndexRecordOption::WithFreqs
        });
        let o = TextOptions::default().set_indexing_options(idx);
        if stored { o.set_stored() } else { o }
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        id: b.add_u64_field("id", STORED),
        title: b.add_text_field("title", text(true, false)),
        title_exact: b.add_text_field("title_exact", STRING),
        body: b.add_text_field("body", text(false, false)),
        doc_no: b.add_text_field("doc_no", STORED),
        doc_no_keys: b.add_text_field("doc_no_keys", STRING),
        index_no: b.add_text_field("index_no", STRING | STORED),
        unit: b.add_u64_field("unit", NumericOptions::default().set_indexed().set_fast().set_stored()),
        genre: b.add_text_field("genre", STRING | FAST | STORED),
        topic: b.add_text_field("topic", STRING | FAST | STORED),
        validity: b.add_text_field("validity", STRING | FAST | STORED),
        year: b.add_u64_field("year", INDEXED | FAST | STORED),
        published: b.add_i64_field("published", FAST),
        published_on: b.add_text_field("published_on", STORED),
    };
    (b.build(), fields)
}

/// Pairs of words that mean the same; a query with one also finds the other.
pub const DEFAULT_SYNONYMS: &[(&str, &str)] = &[
    ("医保", "医疗保障"),
    ("医保", "医疗保险"),
    ("社保", "社会保险"),
    ("公积金", "住房公积金"),
    ("住建", "住房和城乡建设"),
    ("人社", "人力资源和社会保障"),
    ("发改", "发展和改革"),
    ("市监", "市场监督管理"),
    ("慢特病", "慢性病"),
    ("政府信息公开", "政务公开"),
];

/// Words jieba should keep whole besides its own dictionary: terms of government work.
pub const DEFAULT_TERMS: &[&str] = &[
    "医疗保障",
    "门诊慢特病",
    "住房公积金",
    "政府信息公开",
    "依申请公开",
    "行政规范性文件",
    "政策解读",
    "一网通办",
    "放管服",
    "惠企政策",
    "免申即享",
    "城市更新",
    "老旧小区",
    "公租房",
    "廉租住房",
    "营商环境",
    "12345热线",
];

/// Normalises a title for exact matching: no white space, full-width letters and digits folded.
pub fn normalize_title(title: &str) -> String {
    title
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| {
            let v = c as u32;
            if (0xFF01..=0xFF5E).contains(&v) { char::from_u32(v - 0xFEE0).unwrap_or(c) } else { c }
        })
        .collect::<String>()
        .to_lowercase()
}

/// The 文号 keys a document can be found by: its own and any in its 题注 (laws list their
/// promulgating orders, 国务院令第711号).
pub fn doc_no_keys(doc_no: &str, note: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    let own = DocNo::parse(doc_no).ok();
    for d in own.into_iter().chain(gongkai_domain::documents::find_doc_numbers(note)) {
        let k = d.key();
        if !keys.contains(&k) {
            keys.push(k);
        }
    }
    keys
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    #[default]
    Relevance,
    Date,
}

#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub q: String,
    pub unit: Option<i64>,
    pub genre: Option<Genre>,
    pub topic: Option<Topic>,
    pub year: Option<i32>,
    pub validity: Option<Validity>,
    pub sort: Sort,
    pub page: usize,
    pub per_page: usize,
    /// Leave out the facet counts (a caller that only wants the hits and the total).
    pub skip_facets: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: i64,
    pub title: String,
    pub index_no: String,
    pub doc_no: String,
    pub unit_id: i64,
    pub genre: String,
    pub published_on: String,
    pub validity: String,
    pub score: f32,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Facets {
    pub unit: Vec<(String, u64)>,
    pub genre: Vec<(String, u64)>,
    pub topic: Vec<(String, u64)>,
    pub year: Vec<(String, u64)>,
    pub validity: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// The terms a snippet should highlight.
    pub terms: Vec<String>,
}

pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    jieba: Arc<Jieba>,
    synonyms: Vec<(String, String)>,
    path: PathBuf,
    /// Serialises whole sync and rebuild runs (the writer lock covers single operations).
    sync_lock: tokio::sync::Mutex<()>,
}

#[derive(Debug, serde::Deserialize, Serialize)]
struct Payload {
    schema: u32,
    outbox: i64,
}

fn open_dir(path: &Path, schema: Schema) -> Result<Index> {
    std::fs::create_dir_all(path).map_err(|e| SearchError::Other(format!("{}: {e}", path.display())))?;
    let dir = tantivy::directory::MmapDirectory::open(path).map_err(|e| SearchError::Other(e.to_string()))?;
    Ok(Index::open_or_create(dir, schema)?)
}

impl SearchIndex {
    /// Opens the index for a server: one indexing thread, which keeps up with single changes
    /// and leaves the cores and memory to the searches.
    pub fn open(path: &Path, words: &[String]) -> Result<(Arc<SearchIndex>, bool)> {
        SearchIndex::open_with_threads(path, words, 1)
    }

    /// Opens the index for a bulk rebuild (`gongkai reindex`): one indexing thread per core,
    /// at most four, since segmentation is the cost of indexing.
    pub fn open_for_rebuild(path: &Path, words: &[String]) -> Result<(Arc<SearchIndex>, bool)> {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        SearchIndex::open_with_threads(path, words, cores.clamp(1, 4))
    }

    /// Opens the index in `path`, creating it when absent and starting afresh when it cannot
    /// be read or was built by another version; `needs_rebuild` then says so. `words` extend
    /// jieba's dictionary (unit and place names).
    fn open_with_threads(path: &Path, words: &[String], threads: usize) -> Result<(Arc<SearchIndex>, bool)> {
        let (schema, fields) = schema();
        let mut needs_rebuild = false;
        let index = match open_dir(path, schema.clone()) {
            Ok(i) => i,
            Err(e) => {
                tracing::warn!(error = %e, "search index unreadable; rebuilding it");
                let _ = std::fs::remove_dir_all(path);
                needs_rebuild = true;
                open_dir(path, schema)?
            }
        };
        let mut jieba = Jieba::new();
        for w in DEFAULT_TERMS.iter().map(|s| s.to_string()).chain(words.iter().cloned()) {
            if w.chars().count() >= 2 && w.chars().count() <= 30 {
                jieba.add_word(&w, None, None);
            }
        }
        let jieba = Arc::new(jieba);
        index.tokenizers().register(tokenizer::NAME, ChineseTokenizer::new(jieba.clone()));
        let payload = index.load_metas()?.payload.and_then(|p| serde_json::from_str::<Payload>(&p).ok());
        match payload {
            Some(p) if p.schema == SCHEMA_VERSION => {}
            _ => needs_rebuild = true,
        }
        let writer: IndexWriter = index.writer_with_num_threads(threads, threads * 64_000_000)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let synonyms = DEFAULT_SYNONYMS.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let idx = Arc::new(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            jieba,
            synonyms,
            path: path.to_path_buf(),
            sync_lock: Default::default(),
        });
        Ok((idx, needs_rebuild))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How far in the outbox the committed index has read.
    pub fn cursor(&self) -> i64 {
        self.index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok())
            .map(|p| p.outbox)
            .unwrap_or(0)
    }

    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// `files` is the text of the document's public attachments.
    fn to_document(&self, d: &PublicDocument, files: &str) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, format!("d{}", d.id));
        doc.add_u64(f.id, d.id as u64);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.title_exact, normalize_title(&d.title));
        let qa = gongkai_domain::qa::plain_text(&d.qa);
        // The body field holds the title too, so that every word of a query is one term in one
        // field (a plain intersection); the title field only adds weight.
        doc.add_text(
            f.body,
            format!("{}\n{}\n{}\n{}\n{}\n{}\n{}", d.title, d.keywords, d.note, d.doc_no, d.body_text, qa, files),
        );
        doc.add_text(f.doc_no, &d.doc_no);
        for k in doc_no_keys(&d.doc_no, &d.note) {
            doc.add_text(f.doc_no_keys, k);
        }
        doc.add_text(f.index_no, &d.index_no);
        doc.add_u64(f.unit, d.unit_id as u64);
        doc.add_text(f.genre, d.genre.code());
        doc.add_text(f.topic, d.topic.code());
        doc.add_text(f.validity, d.validity.code());
        let date = d.published_on;
        doc.add_u64(f.year, chrono_year(date) as u64);
        doc.add_i64(f.published, days(date));
        doc.add_text(f.published_on, date.to_string());
        doc
    }

    fn commit(&self, writer: &mut IndexWriter, cursor: i64) -> Result<()> {
        let payload = serde_json::to_string(&Payload { schema: SCHEMA_VERSION, outbox: cursor }).unwrap_or_default();
        let mut prepared = writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Applies the outbox events after the index's cursor; returns how many were applied.
    pub async fn sync(self: &Arc<Self>, store: &Store) -> Result<usize> {
        let _guard = self.sync_lock.lock().await;
        let mut applied = 0;
        loop {
            let cursor = self.cursor();
            let events = store.outbox_after(cursor, 500).await?;
            let Some(last) = events.last().map(|e| e.id) else { break };
            let mut docs = Vec::with_capacity(events.len());
            for e in &events {
                if e.topic == "document" {
                    let id = e.object_id;
                    let doc = store.public_document(id).await?;
                    let files = if doc.is_some() { store.attachments_public_text(id).await? } else { String::new() };
                    docs.push((id, doc.map(|d| (d, files))));
                }
            }
            let me = self.clone();
            tokio::task::spawn_blocking(move || -> Result<()> {
                let mut writer = me.writer.lock().map_err(|_| SearchError::Other("writer lock poisoned".into()))?;
                for (id, doc) in &docs {
                    writer.delete_term(Term::from_field_text(me.fields.key, &format!("d{id}")));
                    if let Some((d, files)) = doc.as_ref().filter(|(d, _)| d.withdrawal.is_none()) {
                        writer.add_document(me.to_document(d, files))?;
                    }
                }
                me.commit(&mut writer, last)
            })
            .await
            .map_err(|e| SearchError::Other(e.to_string()))??;
            applied += events.len();
        }
        Ok(applied)
    }

    /// Builds the whole index again from the store; `progress(done)` is called per batch.
    pub async fn rebuild(self: &Arc<Self>, store: &Store, progress: impl Fn(u64)) -> Result<u64> {
        let _guard = self.sync_lock.lock().await;
        // Events after this point are applied by the next sync, so nothing is missed.
        let cursor = store.outbox_last_id().await?;
        {
            let writer = self.writer.lock().map_err(|_| SearchError::Other("writer lock poisoned".into()))?;
            writer.delete_all_documents()?;
        }
        let mut after = 0;
        let mut done = 0u64;
        loop {
            let docs = store.public_documents_after(after, 500).await?;
            let Some(last) = docs.last().map(|d| d.id) else { break };
            let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
            let mut files = store.attachments_public_text_many(&ids).await?;
            let batch: Vec<_> = docs
                .into_iter()
                .map(|d| {
                    let text = files.remove(&d.id).unwrap_or_default();
                    (d, text)
                })
                .collect();
            let me = self.clone();
            let n = batch.len() as u64;
            tokio::task::spawn_blocking(move || -> Result<()> {
                let writer = me.writer.lock().map_err(|_| SearchError::Other("writer lock poisoned".into()))?;
                for (d, files) in &batch {
                    writer.add_document(me.to_document(d, files))?;
                }
                Ok(())
            })
            .await
            .map_err(|e| SearchError::Other(e.to_string()))??;
            after = last;
            done += n;
            progress(done);
        }
        let me = self.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            let mut writer = me.writer.lock().map_err(|_| SearchError::Other("writer lock poisoned".into()))?;
            me.commit(&mut writer, cursor)?;
            // The indexing threads each leave segments; one segment is what searches are
            // fastest on, and a rebuild is the moment to pay for the merge.
            let segments = me.index.searchable_segment_ids()?;
            if segments.len() > 1 {
                writer.merge(&segments).wait()?;
                me.reader.reload()?;
            }
            Ok(())
        })
        .await
        .map_err(|e| SearchError::Other(e.to_string()))??;
        Ok(done)
    }

    fn text_query(&self, text: &str) -> (Option<Box<dyn Query>>, Vec<String>) {
        let f = &self.fields;
        let mut segments: Vec<Box<dyn Query>> = Vec::new();
        let mut highlight = Vec::new();
        for segment in text.split_whitespace().take(10) {
            let mut variants = vec![segment.to_string()];
            for (a, b) in &self.synonyms {
                for (from, to) in [(a, b), (b, a)] {
                    if segment.contains(from.as_str()) && variants.len() < 6 {
                        let v = segment.replace(from.as_str(), to);
                        if !variants.contains(&v) {
                            variants.push(v);
                        }
                    }
                }
            }
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            for v in &variants {
                let terms = query_terms(&self.jieba, v);
                if terms.required.is_empty() {
                    continue;
                }
                let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for t in terms.required.iter().take(64) {
                    clauses.push((
                        Occur::Must,
                        Box::new(TermQuery::new(Term::from_field_text(f.body, t), IndexRecordOption::WithFreqs)),
                    ));
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(Term::from_field_text(f.title, t), IndexRecordOption::WithFreqs)),
                            3.0,
                        )),
                    ));
                    highlight.push(t.clone());
                }
                for w in terms.boosts.iter().take(16) {
                    clauses.push((
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(Term::from_field_text(f.body, w), IndexRecordOption::WithFreqs)),
                            0.5,
                        )),
                    ));
                }
                alternatives.push((Occur::Should, Box::new(BooleanQuery::new(clauses))));
            }
            if !alternatives.is_empty() {
                segments.push(Box::new(BooleanQuery::new(alternatives)));
            }
        }
        if segments.is_empty() {
            return (None, highlight);
        }
        let all: Vec<(Occur, Box<dyn Query>)> = segments.into_iter().map(|q| (Occur::Must, q)).collect();
        highlight.sort();
        highlight.dedup();
        (Some(Box::new(BooleanQuery::new(all))), highlight)
    }

    /// Runs a search. Blocking: call it from a blocking thread.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults> {
        let f = &self.fields;
        // Control characters out, and a sane length: a query of 10,000 characters is cut.
        let q: String = req.q.chars().filter(|c| !c.is_control()).take(200).collect::<String>();
        let q = q.trim();
        let mut matchers: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut terms = Vec::new();
        if !q.is_empty() {
            let stripped: String =
                q.chars().map(|c| if "\"'“”‘’()（）+-|!*:^~{}[]".contains(c) { ' ' } else { c }).collect();
            let (text, highlight) = self.text_query(&stripped);
            terms = highlight;
            if let Some(t) = text {
                matchers.push((Occur::Should, t));
            }
            // An exact 文号 comes first, then an exact title, then an exact 索引号.
            if let Ok(d) = DocNo::parse(q) {
                matchers.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(
                            Term::from_field_text(f.doc_no_keys, &d.key()),
                            IndexRecordOption::Basic,
                        )),
                        1000.0,
                    )),
                ));
            }
            matchers.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_field_text(f.title_exact, &normalize_title(q)),
                        IndexRecordOption::Basic,
                    )),
                    500.0,
                )),
            ));
            matchers.push((
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(Term::from_field_text(f.index_no, q), IndexRecordOption::Basic)),
                    500.0,
                )),
            ));
        }
        let matcher: Box<dyn Query> =
            if q.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(matchers)) };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, matcher)];
        let string_filter = |field: Field, value: &str| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic)))
        };
        if let Some(u) = req.unit {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_u64(f.unit, u.max(0) as u64), IndexRecordOption::Basic)),
            ));
        }
        if let Some(g) = req.genre {
            clauses.push(string_filter(f.genre, g.code()));
        }
        if let Some(t) = req.topic {
            clauses.push(string_filter(f.topic, t.code()));
        }
        if let Some(v) = req.validity {
            clauses.push(string_filter(f.validity, v.code()));
        }
        if let Some(y) = req.year {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(Term::from_field_u64(f.year, y.max(0) as u64), IndexRecordOption::Basic)),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let per_page = req.per_page.clamp(1, 100);
        let offset = req.page.saturating_sub(1).min(1000) * per_page;
        let facet_collector = (!req.skip_facets).then_some(facets::FacetCollector);
        let (addresses, total, facet_counts): (Vec<(f32, tantivy::DocAddress)>, usize, Option<facets::FacetCounts>) =
            match req.sort {
                Sort::Relevance => {
                    let collector = TopDocs::with_limit(per_page).and_offset(offset).order_by_score();
                    searcher.search(&query, &(collector, Count, facet_collector))?
                }
                Sort::Date => {
                    let collector = TopDocs::with_limit(per_page)
                        .and_offset(offset)
                        .order_by_fast_field::<i64>("published", Order::Desc);
                    let (top, total, counts) = searcher.search(&query, &(collector, Count, facet_collector))?;
                    (top.into_iter().map(|(_, a)| (0.0, a)).collect(), total, counts)
                }
            };
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
            let num = |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or(0);
            hits.push(Hit {
                id: num(f.id) as i64,
                title: text(f.title),
                index_no: text(f.index_no),
                doc_no: text(f.doc_no),
                unit_id: num(f.unit) as i64,
                genre: text(f.genre),
                published_on: text(f.published_on),
                validity: text(f.validity),
                score,
            });
        }
        let facets = facet_counts.as_ref().map(facets).unwrap_or_default();
        Ok(SearchResults { total, hits, facets, terms })
    }
}

fn facets(counts: &facets::FacetCounts) -> Facets {
    let mut year = counts.top("year");
    year.sort_by(|a, b| b.0.cmp(&a.0));
    Facets {
        unit: counts.top("unit"),
        genre: counts.top("genre"),
        topic: counts.top("topic"),
        year,
        validity: counts.top("validity"),
    }
}

fn chrono_year(d: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    d.year()
}

fn days(d: chrono::NaiveDate) -> i64 {
    (d - chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()).num_days()
}
