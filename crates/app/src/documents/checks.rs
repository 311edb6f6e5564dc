//! Pre-publication checks, run at every review stage: personal information, sensitive words
//! and wrong expressions, and links. 终审 waits until they are clear or overridden.

use crate::Context;
use crate::Error;
use gongkai_domain::link_check::LinkStatus;
use gongkai_domain::privacy::{Finding, scan};
use gongkai_domain::qa::QaPair;
use gongkai_domain::wordcheck::{WordChecker, WordHit};
use gongkai_store::documents::Document;
use serde::Serialize;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LinkResult {
    pub url: String,
    /// ok / broken；外部链接另有 pending（正在后台检查）/ unreachable（暂时无法访问）/ unchecked（未启用检查）
    pub status: String,
    pub label: String,
    /// Whether the link leads to another site (checked in the background).
    pub external: bool,
    /// What the far server answered, e.g. “HTTP 404”.
    pub detail: String,
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

/// An attachment whose text could not be extracted, so the checks did not read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SkippedAttachment {
    pub id: i64,
    pub name: String,
    /// 附件文字无法提取，已跳过检查
    pub message: String,
}

pub const SKIPPED_MESSAGE: &str = "附件文字无法提取，已跳过检查";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CheckReport {
    pub personal_information: Vec<FindingOut>,
    pub words: Vec<WordOut>,
    pub links: Vec<LinkResult>,
    /// Attachments whose text could not be extracted (broken, hostile or too large files):
    /// the checks above did not read them; the reviewer should open them.
    pub skipped_attachments: Vec<SkippedAttachment>,
    /// Whether nothing blocks 终审.
    pub clear: bool,
}

impl CheckReport {
    pub fn has_external_links(&self) -> bool {
        self.links.iter().any(|l| l.external)
    }
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

/// The text the checks read: title, 题注, body and the questions and answers.
pub fn checked_text(doc: &Document) -> String {
    format!("{}\n{}\n{}\n{}", doc.title, doc.note, doc.body_text, gongkai_domain::qa::plain_text(&doc.qa))
}

pub async fn run(cx: &Context, doc: &Document) -> Result<CheckReport, Error> {
    // Attachments are read too: personal information hides in tables.
    let text = format!("{}\n{}", checked_text(doc), cx.store.attachments_current_text(doc.id).await?);
    let findings = scan(&text);
    let words = cx.store.words().await?.into_iter().map(|w| w.entry).collect();
    let hits = WordChecker::new(words).check(&text);
    let mut links = Vec::new();
    let (mut asked, mut blocked) = (false, false);
    for url in gongkai_domain::html::links(&doc.body_html) {
        let external = url.starts_with("http://") || url.starts_with("https://");
        let (status, detail) = if !external {
            (if internal_link_ok(cx, &url).await? { LinkStatus::Ok } else { LinkStatus::Broken }, String::new())
        } else if cx.options.link_check {
            let known = cx.store.link_check_request(&url).await?;
            asked |= known.status == LinkStatus::Pending;
            (known.status, known.detail)
        } else {
            (LinkStatus::Unchecked, String::new())
        };
        blocked |= status.blocks();
        links.push(LinkResult { url, status: status.code().into(), label: status.label().into(), external, detail });
    }
    if asked {
        cx.link_wake.notify_one();
    }
    let clear = findings.is_empty() && hits.is_empty() && !blocked;
    let skipped_attachments = cx
        .store
        .attachments_current(doc.id)
        .await?
        .into_iter()
        .filter(|a| a.text_unavailable)
        .map(|a| SkippedAttachment { id: a.id, name: a.name, message: SKIPPED_MESSAGE.into() })
        .collect();
    Ok(CheckReport {
        personal_information: findings.iter().map(finding_out).collect(),
        words: hits.iter().map(word_out).collect(),
        links,
        skipped_attachments,
        clear,
    })
}

/// Whether a link within this site leads to something that exists and is public.
async fn internal_link_ok(cx: &Context, url: &str) -> Result<bool, Error> {
    Ok(if let Some(id) = url.strip_prefix("/documents/").and_then(|s| s.parse::<i64>().ok()) {
        cx.store.public_document(id).await?.is_some_and(|d| d.withdrawal.is_none())
    } else if let Some(id) = url.strip_prefix("/units/").and_then(|s| s.parse::<i64>().ok()) {
        cx.store.unit(id).await?.is_some()
    } else if url.starts_with('/') {
        let path = url.split(['?', '#']).next().unwrap_or("");
        cx.options.site_paths.iter().any(|p| p == path)
    } else {
        url.starts_with("mailto:")
    })
}

/// The body (HTML) and the question–answer pairs with every piece of personal information masked.
pub fn masked_body(doc: &Document) -> (String, Vec<QaPair>) {
    let mut html = doc.body_html.clone();
    let mut qa = doc.qa.clone();
    for f in scan(&checked_text(doc)) {
        html = html.replace(&f.text, &f.masked());
        for p in &mut qa {
            p.question = p.question.replace(&f.text, &f.masked());
            p.answer = p.answer.replace(&f.text, &f.masked());
        }
    }
    (html, qa)
}

/// The external links waiting for the link checker (at most `limit`), oldest request first.
pub async fn links_due(cx: &Context, limit: i64) -> Result<Vec<String>, Error> {
    Ok(cx.store.link_checks_due(limit).await?)
}

/// Records what the link checker found at `url`.
pub async fn record_link(cx: &Context, url: &str, status: LinkStatus, detail: &str) -> Result<(), Error> {
    Ok(cx.store.link_check_record(url, status, detail).await?)
}
