//! Pre-publication checks, run at every review stage: personal information, sensitive words
//! and wrong expressions, and links. 终审 waits until they are clear or overridden.

use crate::app::AppState;
use crate::errors::AppError;
use gongkai_domain::privacy::{Finding, scan};
use gongkai_domain::wordcheck::{WordChecker, WordHit};
use gongkai_store::documents::Document;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkResult {
    pub url: String,
    /// ok / broken / external（外部链接发布后在后台检查）
    pub status: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingOut {
    /// citizen_id / mobile / bank_card
    pub kind: String,
    pub label: String,
    /// Character positions in the document's plain text.
    pub start: usize,
    pub end: usize,
    pub masked: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WordOut {
    /// sensitive / wrong
    pub kind: String,
    pub label: String,
    pub word: String,
    pub suggestion: String,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckReport {
    pub personal_information: Vec<FindingOut>,
    pub words: Vec<WordOut>,
    pub links: Vec<LinkResult>,
    /// Whether nothing blocks 终审.
    pub clear: bool,
}

fn finding_out(f: &Finding) -> FindingOut {
    FindingOut {
        kind: serde_json::to_value(f.kind).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
        label: f.kind.label().into(),
        start: f.start,
        end: f.end,
        masked: f.masked(),
    }
}

fn word_out(h: &WordHit) -> WordOut {
    WordOut {
        kind: h.kind.code().into(),
        label: h.kind.label().into(),
        word: h.word.clone(),
        suggestion: h.suggestion.clone(),
        start: h.start,
        end: h.end,
    }
}

/// The text the checks read: title, 题注 and body.
pub fn checked_text(doc: &Document) -> String {
    format!("{}\n{}\n{}", doc.title, doc.note, doc.body_text)
}

pub async fn run(state: &AppState, doc: &Document) -> Result<CheckReport, AppError> {
    // Attachments are read too: personal information hides in tables.
    let text = format!("{}\n{}", checked_text(doc), state.store.attachments_current_text(doc.id).await?);
    let findings = scan(&text);
    let words = state.store.words().await?.into_iter().map(|w| w.entry).collect();
    let hits = WordChecker::new(words).check(&text);
    let mut links = Vec::new();
    for url in gongkai_domain::html::links(&doc.body_html) {
        let status = if url.starts_with("http://") || url.starts_with("https://") {
            "external"
        } else if let Some(id) = url.strip_prefix("/documents/").and_then(|s| s.parse::<i64>().ok()) {
            if state.store.public_document(id).await?.is_some_and(|d| d.withdrawal.is_none()) { "ok" } else { "broken" }
        } else if let Some(id) = url.strip_prefix("/units/").and_then(|s| s.parse::<i64>().ok()) {
            if state.store.unit(id).await?.is_some() { "ok" } else { "broken" }
        } else if url.starts_with('/') {
            let path = url.split(['?', '#']).next().unwrap_or("");
            let known =
                ["/", "/units", "/search", "/sitemap", "/gongkai", "/hudong", "/about", "/contact", "/accessibility"]
                    .contains(&path)
                    || crate::portal::NAV
                        .iter()
                        .flat_map(|n| std::iter::once(n).chain(n.children.iter()))
                        .any(|n| n.path == path);
            if known { "ok" } else { "broken" }
        } else if url.starts_with("mailto:") {
            "ok"
        } else {
            "broken"
        };
        links.push(LinkResult { url, status: status.into() });
    }
    let clear = findings.is_empty() && hits.is_empty() && links.iter().all(|l| l.status != "broken");
    Ok(CheckReport {
        personal_information: findings.iter().map(finding_out).collect(),
        words: hits.iter().map(word_out).collect(),
        links,
        clear,
    })
}

/// The body with every piece of personal information masked, as HTML.
pub fn masked_body(doc: &Document) -> String {
    let mut html = doc.body_html.clone();
    for f in scan(&checked_text(doc)) {
        html = html.replace(&f.text, &f.masked());
    }
    html
}
