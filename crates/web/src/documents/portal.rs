//! The public page of a document: metadata table of the 政府信息公开目录, 题注, body, validity
//! notice, interpretations, update history; withdrawn documents as their withdrawal says.

use crate::app::AppState;
use crate::errors::{AppError, PageResult};
use crate::forms::path_id;
use crate::forms::{Fields, Query};
use crate::page::html;
use crate::page::page_links;
use crate::portal::page;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use gongkai_app::documents::public;
use gongkai_domain::documents::{Genre, Topic, Validity, Withdrawal};
use gongkai_domain::time::format_instant;
use gongkai_store::documents::{PublicDocument, PublicFilter, Version};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/documents/{id}", get(show))
        .route("/gongkai/catalogue", get(|s: State<AppState>, h: HeaderMap, q: Query| list(s, h, q, "catalogue")))
        .route("/interpretations", get(|s: State<AppState>, h: HeaderMap, q: Query| list(s, h, q, "interpretations")))
        .route("/gongkai/rules", get(|s: State<AppState>, h: HeaderMap, q: Query| list(s, h, q, "rules")))
        .route("/gongkai/annual-reports", get(|s: State<AppState>, h: HeaderMap, q: Query| list(s, h, q, "reports")))
        .route("/feeds/documents.atom", get(feed))
        .route("/subscribe", get(subscribe))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemaps/pages.xml", get(sitemap_pages))
        .route("/sitemaps/documents-{n}", get(sitemap_documents))
}

pub const PER_PAGE: i64 = 20;

/// Filters of public lists and feeds, from the query string; bad values are ignored.
fn public_filter(q: &Fields) -> PublicFilter {
    super::public_filter(q).0
}

pub struct ListItem {
    pub id: i64,
    pub title: String,
    pub unit: String,
    pub doc_no: String,
    pub published_on: String,
    pub validity: &'static str,
    pub valid: bool,
}

#[derive(Template)]
#[template(path = "portal/documents.html")]
struct ListTemplate {
    page: crate::page::Page,
    heading: String,
    summary: &'static str,
    items: Vec<ListItem>,
    total: i64,
    form: Fields,
    genres: &'static [Genre],
    topics: &'static [Topic],
    validities: &'static [Validity],
    years: Vec<i32>,
    /// Units to filter by, grouped by government (a government includes its departments).
    units: Vec<crate::requests::portal::UnitOptionGroup>,
    pages: Vec<crate::page::PageLink>,
    feed: String,
    show_genre: bool,
}

async fn list(State(state): State<AppState>, headers: HeaderMap, Query(q): Query, key: &'static str) -> PageResult {
    let (section, _) = crate::portal::find(key).ok_or(AppError::NotFound)?;
    let mut filter = public_filter(&q);
    match key {
        "interpretations" => filter.genre = Some(Genre::Interpretation),
        "rules" => filter.column_kind = Some(gongkai_domain::columns::ColumnKind::Rules),
        "reports" => filter.column_kind = Some(gongkai_domain::columns::ColumnKind::Reports),
        _ => {}
    }
    let page_no = q.page();
    let gongkai_store::Page { items: docs, total } =
        public::list(&state, &filter, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let tree = state.unit_tree().await?;
    let unit_name = filter.within_unit.and_then(|u| tree.get(u)).map(|u| u.name.clone()).unwrap_or_default();
    let items = docs.iter().map(|d| list_item(&tree, d)).collect();
    let keys = ["unit", "item", "genre", "topic", "year", "validity"];
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(keys.iter().map(|k| (*k, q.get(k))).filter(|(_, v)| !v.is_empty()))
        .finish();
    let pages = page_links(&format!("{}?{query}&", section.path), total, PER_PAGE, page_no);
    let title = if key == "catalogue" && !unit_name.is_empty() { "全部公开信息" } else { section.title };
    let heading = if unit_name.is_empty() { title.to_string() } else { format!("{unit_name} · {title}") };
    let mut p =
        page(&state, &headers, &heading, section.path, "gongkai").column(section.title, "信息公开", section.summary);
    p = p.crumb("政务公开", "/gongkai").crumb(section.title, section.path);
    // In a unit's 政府信息公开 section, the page carries the section's navigation.
    let unit_key = match key {
        "catalogue" => Some("all"),
        "rules" => Some("rules"),
        "reports" => Some("reports"),
        _ => None,
    };
    if let (Some(unit), Some(k)) = (filter.within_unit.and_then(|u| tree.get(u)), unit_key) {
        p = p.in_unit_gongkai(unit.id, &unit.name, k);
    }
    let years = public::years(&state, &filter).await?;
    Ok(html(&ListTemplate {
        page: p,
        heading,
        summary: section.summary,
        items,
        total,
        form: q.clone(),
        genres: Genre::ALL,
        topics: Topic::ALL,
        validities: Validity::ALL,
        years,
        units: crate::requests::portal::unit_options(&tree),
        pages,
        feed: format!("/subscribe?{query}"),
        show_genre: key != "interpretations",
    }))
}

/// A published document as list pages show it.
pub fn list_item(tree: &gongkai_domain::units::UnitTree, d: &PublicDocument) -> ListItem {
    ListItem {
        id: d.id,
        title: d.title.clone(),
        unit: tree.get(d.unit_id).map(|u| u.short_name.clone()).unwrap_or_default(),
        doc_no: d.doc_no.clone(),
        published_on: d.published_on.to_string(),
        validity: d.validity.label(),
        valid: d.validity == Validity::Valid,
    }
}

/// One entry of the Atom feed: a published document.
struct FeedEntry<'a> {
    id: i64,
    title: &'a str,
    updated: String,
    /// The publishing unit's name.
    author: String,
    /// The start of the document's text.
    summary: String,
}

#[derive(Template)]
#[template(path = "portal/feed.xml")]
struct FeedTemplate<'a> {
    title: String,
    base: String,
    updated: String,
    entries: Vec<FeedEntry<'a>>,
}

/// An Atom feed of the newest documents, filtered like the lists (per unit, genre, column).
/// Rendered from `portal/feed.xml`, which escapes every value.
async fn feed(State(state): State<AppState>, Query(q): Query) -> PageResult {
    let filter = public_filter(&q);
    let gongkai_store::Page { items: docs, .. } = public::list(&state, &filter, 50, 0).await?;
    let tree = state.unit_tree().await?;
    let mut title = state.site.site_name.clone();
    if let Some(u) = filter.within_unit.and_then(|u| tree.get(u)) {
        title = format!("{} · {}", title, u.name);
    }
    if let Some(g) = filter.genre {
        title = format!("{title} · {}", g.label());
    }
    let updated = docs.first().map(|d| format_instant(d.updated_at)).unwrap_or_else(|| "2000-01-01T00:00:00Z".into());
    let entries = docs
        .iter()
        .map(|d| FeedEntry {
            id: d.id,
            title: &d.title,
            updated: format_instant(d.updated_at),
            author: tree.get(d.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
            summary: d.body_text.chars().take(200).collect(),
        })
        .collect();
    let xml = FeedTemplate { title, base: state.base_url(), updated, entries }.render()?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], xml).into_response())
}

#[derive(Template)]
#[template(path = "portal/subscribe.html")]
struct SubscribeTemplate {
    page: crate::page::Page,
    /// What the feed holds, in words ("历下区人民政府 · 政策解读"), empty for everything.
    scope: String,
    feed_path: String,
    feed_url: String,
    unit: Option<(i64, String)>,
}

/// What 「订阅」 means, on an HTML page: the feed's address to copy into a reader, and how;
/// the raw Atom XML is for readers, not for people.
async fn subscribe(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let filter = public_filter(&q);
    let tree = state.unit_tree().await?;
    let unit = filter.within_unit.and_then(|u| tree.get(u)).map(|u| (u.id, u.name.clone()));
    let keys = ["unit", "item", "genre", "topic", "year", "validity", "column"];
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(keys.iter().map(|k| (*k, q.get(k))).filter(|(_, v)| !v.is_empty()))
        .finish();
    let feed_path =
        if query.is_empty() { "/feeds/documents.atom".to_string() } else { format!("/feeds/documents.atom?{query}") };
    let mut scope = Vec::new();
    if let Some((_, name)) = &unit {
        scope.push(name.clone());
    }
    if let Some(g) = filter.genre {
        scope.push(g.label().to_string());
    }
    let page = page(&state, &headers, "订阅", "/subscribe", "")
        .column("订阅", "其他", "用阅读器订阅新发布的政府信息")
        .crumb("订阅", "/subscribe");
    Ok(html(&SubscribeTemplate {
        page,
        scope: scope.join(" · "),
        feed_url: format!("{}{feed_path}", state.base_url()),
        feed_path,
        unit,
    }))
}

/// Documents per sitemap file (the protocol allows 50,000).
const SITEMAP_PAGE: i64 = 40_000;

fn xml_response(body: String) -> axum::response::Response {
    ([(axum::http::header::CONTENT_TYPE, "application/xml; charset=utf-8")], body).into_response()
}

#[derive(Template)]
#[template(path = "portal/sitemap_index.xml")]
struct SitemapIndexTemplate {
    base: String,
    /// The numbers of the documents' sitemap files, from 1.
    document_files: Vec<i64>,
}

/// A page in a sitemap: its path under the base address, and the day a document last changed.
struct SitemapUrl {
    path: String,
    lastmod: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/sitemap_urls.xml")]
struct SitemapUrlsTemplate {
    base: String,
    urls: Vec<SitemapUrl>,
}

async fn sitemap_index(State(state): State<AppState>) -> PageResult {
    let gongkai_store::Page { total, .. } = public::list(&state, &PublicFilter::default(), 1, 0).await?;
    let document_files = (1..=(total + SITEMAP_PAGE - 1) / SITEMAP_PAGE).collect();
    Ok(xml_response(SitemapIndexTemplate { base: state.base_url(), document_files }.render()?))
}

async fn sitemap_pages(State(state): State<AppState>) -> PageResult {
    let tree = state.unit_tree().await?;
    let mut paths: Vec<String> = vec!["/".into(), "/units".into(), "/sitemap".into(), "/search".into()];
    for top in crate::portal::NAV {
        paths.push(top.path.into());
        paths.extend(top.children.iter().map(|c| c.path.to_string()));
    }
    paths.extend(tree.all().iter().filter(|u| !u.is_closed()).map(|u| format!("/units/{}", u.id)));
    let urls = paths.into_iter().map(|path| SitemapUrl { path, lastmod: None }).collect();
    Ok(xml_response(SitemapUrlsTemplate { base: state.base_url(), urls }.render()?))
}

async fn sitemap_documents(State(state): State<AppState>, Path(file): Path<String>) -> PageResult {
    let n: i64 =
        file.strip_suffix(".xml").and_then(|n| n.parse().ok()).filter(|n| *n >= 1).ok_or(AppError::NotFound)?;
    let entries = public::sitemap(&state, SITEMAP_PAGE, (n - 1) * SITEMAP_PAGE).await?;
    if entries.is_empty() && n > 1 {
        return Err(AppError::NotFound);
    }
    // The day of the last change as it was stored (UTC), as sitemaps have always shown it.
    let urls = entries
        .iter()
        .map(|e| SitemapUrl {
            path: format!("/documents/{}", e.id),
            lastmod: Some(e.changed_at.format("%Y-%m-%d").to_string()),
        })
        .collect();
    Ok(xml_response(SitemapUrlsTemplate { base: state.base_url(), urls }.render()?))
}

pub struct Link {
    pub id: i64,
    pub title: String,
}

#[derive(Template)]
#[template(path = "portal/document.html")]
struct DocumentTemplate {
    page: crate::page::Page,
    doc: PublicDocument,
    unit: String,
    genre: &'static str,
    topic: &'static str,
    validity: &'static str,
    repealed: bool,
    replaced_by: Option<Link>,
    interprets: Option<Link>,
    interpretations: Vec<Link>,
    /// The meetings whose decisions this document carries out (政府会议).
    meetings: Vec<Link>,
    versions: Vec<Version>,
    withdrawn: bool,
    note_lines: Vec<String>,
    updated: String,
    attachments: Vec<super::AttachmentView>,
    /// 目录事项 (一级 / 二级) and the column the document was published into.
    filed_under: Option<String>,
    column: Option<(i64, String)>,
}

fn link(d: PublicDocument) -> Link {
    Link { id: d.id, title: d.title }
}

async fn show(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id)?;
    let doc = public::document(&state, id).await?.ok_or(AppError::NotFound)?;
    match doc.withdrawal {
        Some(Withdrawal::Replaced) => {
            if let Some(to) = doc.replaced_by {
                return Ok(Redirect::permanent(&format!("/documents/{to}")).into_response());
            }
        }
        Some(Withdrawal::InError) => {
            // The page is gone; a notice stays at its address.
            let info = crate::errors::ErrorInfo {
                status: 410,
                title: "该信息已撤回".into(),
                detail: format!("《{}》因发布有误已撤回，原页面不再提供。{}", doc.title, doc.withdrawal_note),
                errors: vec![],
            };
            let p = page(&state, &headers, "该信息已撤回", &format!("/documents/{id}"), "gongkai");
            let mut res = crate::portal::error_page(&p, &info, false);
            *res.status_mut() = StatusCode::GONE;
            return Ok(res);
        }
        _ => {}
    }
    let tree = state.unit_tree().await?;
    let unit = tree.get(doc.unit_id).map(|u| u.name.clone()).unwrap_or_default();
    let path = format!("/documents/{id}");
    let mut p = page(&state, &headers, &doc.title, &path, "gongkai").article(
        "政府信息",
        &doc.title,
        &doc.published_on.to_string(),
        &doc.publisher,
        &doc.body_text,
    );
    p.meta.keywords = if doc.keywords.is_empty() { doc.title.clone() } else { doc.keywords.clone() };
    p = p.crumb("政务公开", "/gongkai").crumb(&unit, &format!("/units/{}", doc.unit_id)).crumb("政府信息", &path);
    let details = public::details(&state, &doc).await?;
    let filed_under = details.filed_under.map(|c| format!("{} / {}", c.row.level1, c.row.level2));
    let column = details.column.map(|c| (c.id, c.name));
    let mut meetings = Vec::new();
    for m in gongkai_app::meeting::citing(&state, id).await? {
        meetings.push(Link { id: m.id, title: m.title });
    }
    let t = DocumentTemplate {
        meetings,
        filed_under,
        column,
        page: p,
        unit,
        genre: doc.genre.label(),
        topic: doc.topic.label(),
        validity: doc.validity.label(),
        repealed: doc.validity != Validity::Valid,
        replaced_by: details.replaced_by.map(link),
        interprets: details.interprets.map(link),
        interpretations: details.interpretations.into_iter().map(link).collect(),
        versions: details.versions,
        withdrawn: doc.withdrawal == Some(Withdrawal::Withdrawn),
        note_lines: doc.note.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect(),
        updated: super::updated_text(&doc),
        attachments: details.attachments.iter().map(super::AttachmentView::from).collect(),
        doc,
    };
    // The latest of the document's own changes; the page cache answers If-Modified-Since with
    // it (only when the client sent no entity tag, which is checked first and covers what else
    // the page shows: interpretations, the unit's name).
    let last_modified =
        [Some(t.doc.changed_at), Some(t.doc.updated_at), t.doc.withdrawn_at].into_iter().flatten().max();
    let mut res = html(&t);
    if let Some(at) = last_modified {
        res.headers_mut()
            .insert(axum::http::header::LAST_MODIFIED, crate::http_cache::http_date(at.with_timezone(&chrono::Utc)));
    }
    Ok(res)
}
