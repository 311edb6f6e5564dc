//! One search over everything public: the page `/search` and `GET /api/v1/search`.

pub mod api;
pub mod portal;

use crate::app::AppState;
use crate::errors::AppError;
use crate::forms::Fields;
use gongkai_domain::documents::{Genre, Topic, Validity};
use gongkai_domain::validation::Invalid;
use gongkai_search::{SearchRequest, Sort};
use serde::Serialize;

/// Reads the search parameters. `strict` (the API) refuses bad filter values with the field
/// named; the page ignores them, since a hand-edited address should still show results.
pub fn request_from(q: &Fields, strict: bool) -> Result<SearchRequest, Invalid> {
    let mut errors = Invalid::default();
    let mut req =
        SearchRequest { q: q.get("q").chars().take(10_000).collect(), page: 1, per_page: 10, ..Default::default() };
    let mut bad = |field: &str, label: &str, problem: &str| {
        if strict {
            errors.push(field, label, problem);
        }
    };
    if let Some(u) = q.opt("unit") {
        match u.parse::<i64>() {
            Ok(v) => req.unit = Some(v),
            Err(_) => bad("unit", "参数 unit", "应为单位 id"),
        }
    }
    if let Some(g) = q.opt("genre") {
        req.genre = Genre::parse(g);
        if req.genre.is_none() {
            bad("genre", "参数 genre", "不是可选的体裁");
        }
    }
    if let Some(t) = q.opt("topic") {
        req.topic = Topic::parse(t);
        if req.topic.is_none() {
            bad("topic", "参数 topic", "不是可选的主题分类");
        }
    }
    if let Some(v) = q.opt("validity") {
        req.validity = Validity::parse(v);
        if req.validity.is_none() {
            bad("validity", "参数 validity", "应为 valid、expired 或 repealed");
        }
    }
    if let Some(y) = q.opt("year") {
        match y.parse::<i32>() {
            Ok(v) if (1949..=2100).contains(&v) => req.year = Some(v),
            _ => bad("year", "参数 year", "应为四位年份"),
        }
    }
    match q.opt("sort") {
        None | Some("relevance") => {}
        Some("date") => req.sort = Sort::Date,
        Some(_) => bad("sort", "参数 sort", "应为 relevance 或 date"),
    }
    match q.opt("facets") {
        None | Some("true") | Some("1") => {}
        Some("false") | Some("0") => req.skip_facets = true,
        Some(_) => bad("facets", "参数 facets", "应为 true 或 false"),
    }
    if let Some(p) = q.opt("page") {
        match p.parse::<usize>() {
            Ok(v) if (1..=1000).contains(&v) => req.page = v,
            _ => bad("page", "参数 page", "应为 1 到 1000 之间的整数"),
        }
    }
    if let Some(p) = q.opt("per_page") {
        match p.parse::<usize>() {
            Ok(v) if (1..=100).contains(&v) => req.per_page = v,
            _ => bad("per_page", "参数 per_page", "应为 1 到 100 之间的整数"),
        }
    }
    errors.into_result(req)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HitView {
    pub id: i64,
    pub title: String,
    pub index_no: String,
    pub doc_no: String,
    pub unit: String,
    pub unit_id: i64,
    pub genre: String,
    pub validity: String,
    pub published_on: String,
    pub url: String,
    /// An excerpt as HTML: escaped text with the matched words in `<mark>`.
    pub snippet: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    /// The value to filter by (a code or an id).
    pub value: String,
    pub label: String,
    pub count: u64,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct FacetsView {
    pub unit: Vec<FacetValue>,
    pub genre: Vec<FacetValue>,
    pub topic: Vec<FacetValue>,
    pub year: Vec<FacetValue>,
    pub validity: Vec<FacetValue>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchView {
    pub total: usize,
    pub hits: Vec<HitView>,
    pub facets: FacetsView,
}

pub async fn run(state: &AppState, req: SearchRequest) -> Result<SearchView, AppError> {
    let index = state.search.clone();
    let results = tokio::task::spawn_blocking(move || index.search(&req))
        .await
        .map_err(AppError::internal)?
        .map_err(AppError::internal)?;
    let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
    let texts = gongkai_app::documents::public::texts(state, &ids).await?;
    let tree = state.unit_tree().await?;
    let unit_name = |id: i64| tree.get(id).map(|u| u.name.clone()).unwrap_or_default();
    let hits = results
        .hits
        .iter()
        .map(|h| HitView {
            id: h.id,
            title: h.title.clone(),
            index_no: h.index_no.clone(),
            doc_no: h.doc_no.clone(),
            unit: unit_name(h.unit_id),
            unit_id: h.unit_id,
            genre: Genre::parse(&h.genre).map(|g| g.label()).unwrap_or("").to_string(),
            validity: Validity::parse(&h.validity).map(|v| v.label()).unwrap_or("").to_string(),
            published_on: h.published_on.clone(),
            url: format!("/documents/{}", h.id),
            snippet: gongkai_search::snippet::snippet(
                texts.get(&h.id).map(String::as_str).unwrap_or(""),
                &results.terms,
                120,
            ),
        })
        .collect();
    let f = &results.facets;
    let label_of = |values: &[(String, u64)], label: &dyn Fn(&str) -> String| -> Vec<FacetValue> {
        values.iter().map(|(v, c)| FacetValue { value: v.clone(), label: label(v), count: *c }).collect()
    };
    let facets = FacetsView {
        unit: label_of(&f.unit, &|v| v.parse().ok().map(unit_name).unwrap_or_default()),
        genre: label_of(&f.genre, &|v| Genre::parse(v).map(|g| g.label().to_string()).unwrap_or_default()),
        topic: label_of(&f.topic, &|v| Topic::parse(v).map(|t| t.label().to_string()).unwrap_or_default()),
        year: label_of(&f.year, &|v| format!("{v}年")),
        validity: label_of(&f.validity, &|v| Validity::parse(v).map(|x| x.label().to_string()).unwrap_or_default()),
    };
    Ok(SearchView { total: results.total, hits, facets })
}
