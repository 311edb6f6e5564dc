//! The search page.

use crate::app::AppState;
use crate::errors::PageResult;
use crate::forms::{Fields, Query};
use crate::page::html;
use crate::portal::{UnitLink, match_units, page};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use gongkai_search::Sort;

pub fn routes() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

pub struct FacetLink {
    pub label: String,
    pub count: u64,
    pub href: String,
    pub current: bool,
}

pub struct FacetGroup {
    pub title: &'static str,
    pub links: Vec<FacetLink>,
}

#[derive(Template)]
#[template(path = "portal/search.html")]
struct SearchTemplate {
    page: crate::page::Page,
    q: String,
    view: super::SearchView,
    groups: Vec<FacetGroup>,
    units: Vec<UnitLink>,
    filtered: bool,
    by_date: bool,
    sort_href: String,
    clear_href: String,
    pages: Vec<crate::page::PageLink>,
    suggestions: Vec<(String, String)>,
}

/// The current query with `key` set to `value` (removed when empty) and the page reset.
fn href_with(q: &Fields, key: &str, value: &str) -> String {
    let keys = ["q", "unit", "genre", "topic", "year", "validity", "sort"];
    let pairs: Vec<(&str, String)> = keys
        .iter()
        .filter_map(|k| {
            let v = if *k == key { value.to_string() } else { q.get(k).to_string() };
            (!v.is_empty()).then_some((*k, v))
        })
        .collect();
    let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("/search?{query}")
}

async fn search(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> PageResult {
    let req = super::request_from(&q, false).unwrap_or_default();
    let text: String = req.q.chars().take(100).collect();
    let by_date = req.sort == Sort::Date;
    let current_page = req.page.max(1);
    let per_page = req.per_page.max(1);
    let filtered = req.unit.is_some()
        || req.genre.is_some()
        || req.topic.is_some()
        || req.year.is_some()
        || req.validity.is_some();
    let view =
        super::run(&state, gongkai_search::SearchRequest { per_page, page: current_page, ..req.clone() }).await?;
    let group = |title: &'static str, key: &str, values: &[super::FacetValue]| FacetGroup {
        title,
        links: values
            .iter()
            .map(|v| FacetLink {
                label: v.label.clone(),
                count: v.count,
                href: href_with(&q, key, if q.get(key) == v.value { "" } else { &v.value }),
                current: q.get(key) == v.value,
            })
            .collect(),
    };
    let groups = vec![
        group("发布机构", "unit", &view.facets.unit),
        group("体裁", "genre", &view.facets.genre),
        group("主题分类", "topic", &view.facets.topic),
        group("年份", "year", &view.facets.year),
        group("有效性", "validity", &view.facets.validity),
    ];
    let pages = crate::page::page_links_up_to(
        &format!("{}&", href_with(&q, "page", "")),
        view.total as i64,
        per_page as i64,
        current_page as i64,
        100,
    );
    // With nothing found: each word alone, and the query without its filters.
    let mut suggestions = Vec::new();
    if view.total == 0 && !text.trim().is_empty() {
        for word in text
            .split_whitespace()
            .flat_map(|w| w.split(['的', '和', '与', '及']))
            .filter(|w| w.chars().count() >= 2)
            .take(4)
        {
            if word != text.trim() {
                suggestions.push((
                    word.to_string(),
                    format!("/search?q={}", url::form_urlencoded::byte_serialize(word.as_bytes()).collect::<String>()),
                ));
            }
        }
        let chars: Vec<char> = text.trim().chars().collect();
        if suggestions.is_empty() && chars.len() > 4 {
            let shorter: String = chars[..chars.len() / 2].iter().collect();
            suggestions.push((
                shorter.clone(),
                format!("/search?q={}", url::form_urlencoded::byte_serialize(shorter.as_bytes()).collect::<String>()),
            ));
        }
    }
    let title = if text.is_empty() { "搜索".to_string() } else { format!("{text} - 搜索") };
    let p = page(&state, &headers, &title, "/search", "search")
        .column("搜索", "搜索", "检索本站公开的政府信息、政策解读和机构")
        .crumb("搜索", "/search");
    let tree = state.unit_tree().await?;
    Ok(html(&SearchTemplate {
        page: p,
        units: match_units(&tree, &text).into_iter().take(5).collect(),
        sort_href: href_with(&q, "sort", if by_date { "" } else { "date" }),
        clear_href: format!("/search?q={}", url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>()),
        q: text,
        view,
        groups,
        filtered,
        by_date,
        pages,
        suggestions,
    }))
}
