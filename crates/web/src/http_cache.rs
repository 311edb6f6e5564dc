//! HTTP caching and compression shared by the page cache, the embedded assets and the
//! attachment downloads: which encoding a client accepts, bodies kept with their gzip and
//! brotli copies (made once, on first demand), strong entity tags, and conditional requests
//! (`If-None-Match`, `If-Modified-Since`) answered with 304 Not Modified.
//!
//! Dynamic responses that are not kept (API answers, console pages, error pages) are compressed
//! on the way out by tower-http's `CompressionLayer` with the same rules (`compressible`).

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use std::io::Write;
use std::sync::OnceLock;

/// Bodies smaller than this are sent as they are: the saving would not pay for the work, and
/// the response layer (`compression_layer`) uses the same bound, so a body is never compressed
/// by one and not the other.
pub const MIN_COMPRESS: usize = 1024;

/// The content types worth compressing. Everything else is left alone: images, PDF, Office
/// files and ZIP are compressed already, and `text/event-stream` must reach the client event
/// by event, not when a compressor's buffer fills.
pub const COMPRESSIBLE: &[&str] = &[
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/xml",
    "application/atom+xml",
    "image/svg+xml",
    "text/plain",
    "text/csv",
];

/// Whether a response of this `Content-Type` may be compressed.
pub fn compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    COMPRESSIBLE.iter().any(|t| essence.eq_ignore_ascii_case(t))
}

/// The response layer for everything not compressed ahead: gzip and brotli, negotiated from
/// `Accept-Encoding` (tower-http prefers brotli, then gzip), only for `compressible` types of
/// at least `MIN_COMPRESS` bytes; it adds `Vary: Accept-Encoding` and leaves responses that
/// already carry a `Content-Encoding` (the precompressed ones) as they are. Level 5 for both:
/// brotli's default is 11, far too slow to run on every response (tens of milliseconds for a
/// page); 5 compresses a page in well under a millisecond at a ratio close to the best.
pub fn compression_layer() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{Predicate, SizeAbove};
    let by_type = |_: StatusCode, _: axum::http::Version, h: &HeaderMap, _: &axum::http::Extensions| {
        h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(compressible)
    };
    tower_http::compression::CompressionLayer::new()
        .quality(tower_http::CompressionLevel::Precise(5))
        .compress_when(SizeAbove::new(MIN_COMPRESS as u16 - 1).and(by_type))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The encoding to answer with: brotli when accepted at least as much as gzip, else gzip,
    /// else none. `q=0` refuses; `*` stands for any encoding not named.
    pub fn negotiate(headers: &HeaderMap) -> Encoding {
        let (mut br, mut gzip, mut star) = (None::<f32>, None::<f32>, None::<f32>);
        for value in headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
            for item in value.split(',') {
                let mut parts = item.split(';');
                let name = parts.next().unwrap_or("").trim();
                let q = parts
                    .filter_map(|p| p.trim().strip_prefix("q=").or_else(|| p.trim().strip_prefix("Q=")))
                    .find_map(|q| q.trim().parse::<f32>().ok())
                    .unwrap_or(1.0);
                if name.eq_ignore_ascii_case("br") {
                    br = Some(q);
                } else if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
                    gzip = Some(q);
                } else if name == "*" {
                    star = Some(q);
                }
            }
        }
        let br = br.or(star).unwrap_or(0.0);
        let gzip = gzip.or(star).unwrap_or(0.0);
        if br > 0.0 && br >= gzip {
            Encoding::Brotli
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    fn header(self) -> Option<HeaderValue> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some(HeaderValue::from_static("gzip")),
            Encoding::Brotli => Some(HeaderValue::from_static("br")),
        }
    }
}

/// How hard to compress: once per release for the embedded assets, once per cached page for
/// pages (which a change to public content throws away).
#[derive(Debug, Clone, Copy)]
pub enum Effort {
    /// gzip 9, brotli 11: the smallest files, at tens of milliseconds each, once.
    Best,
    /// gzip 6, brotli 5: about a millisecond for a page.
    Page,
}

pub fn gzip(bytes: &[u8], effort: Effort) -> Bytes {
    let level = match effort {
        Effort::Best => 9,
        Effort::Page => 6,
    };
    let mut enc = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 3), flate2::Compression::new(level));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(bytes);
    Bytes::from(enc.finish().unwrap_or_default())
}

pub fn brotli(bytes: &[u8], effort: Effort) -> Bytes {
    let quality = match effort {
        Effort::Best => 11,
        Effort::Page => 5,
    };
    let mut out = Vec::with_capacity(bytes.len() / 3);
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        let _ = enc.write_all(bytes);
    }
    Bytes::from(out)
}

/// One body with its compressed copies and entity tags. The copies are made the first time a
/// client asks for them (a page nobody fetches with brotli is never brotli-compressed), then
/// kept: a hit costs no compression.
pub struct Representation {
    identity: Bytes,
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
    effort: Effort,
    /// The tag without quotes; each encoding has its own strong tag (`"<tag>"`, `"<tag>-gz"`,
    /// `"<tag>-br"`), as different bytes must, and `If-None-Match` accepts any of them.
    tag: String,
    etags: [HeaderValue; 3],
}

impl Representation {
    pub fn new(identity: Bytes, tag: String, effort: Effort) -> Self {
        let etag = |suffix: &str| {
            HeaderValue::from_str(&format!("\"{tag}{suffix}\"")).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
        };
        let etags = [etag(""), etag("-gz"), etag("-br")];
        Representation { identity, gzip: OnceLock::new(), br: OnceLock::new(), effort, tag, etags }
    }

    /// A representation tagged with the hash of its bytes.
    pub fn hashed(identity: Bytes, effort: Effort) -> Self {
        let tag = content_tag(&identity);
        Representation::new(identity, tag, effort)
    }

    pub fn len(&self) -> usize {
        self.identity.len()
    }

    pub fn is_empty(&self) -> bool {
        self.identity.is_empty()
    }

    /// The body, its `Content-Encoding` and its entity tag for a client accepting `enc`.
    /// Small bodies, and bodies compression would not shrink, go as they are.
    pub fn pick(&self, enc: Encoding) -> (Bytes, Option<HeaderValue>, &HeaderValue) {
        if self.identity.len() < MIN_COMPRESS || enc == Encoding::Identity {
            return (self.identity.clone(), None, &self.etags[0]);
        }
        let (copy, etag) = match enc {
            Encoding::Gzip => (self.gzip.get_or_init(|| gzip(&self.identity, self.effort)), &self.etags[1]),
            _ => (self.br.get_or_init(|| brotli(&self.identity, self.effort)), &self.etags[2]),
        };
        if copy.len() >= self.identity.len() {
            return (self.identity.clone(), None, &self.etags[0]);
        }
        (copy.clone(), enc.header(), etag)
    }

    /// Makes both compressed copies now (for assets, at start-up, off the request path).
    pub fn warm(&self) {
        self.pick(Encoding::Gzip);
        self.pick(Encoding::Brotli);
    }

    /// Whether `If-None-Match` names this body (in any encoding; weak comparison, as RFC 9110
    /// prescribes for this header).
    pub fn matches(&self, if_none_match: &HeaderValue) -> bool {
        etag_matches(if_none_match, &self.tag)
    }
}

/// A strong tag from the bytes: the first 128 bits of their SHA-256, in hex.
pub fn content_tag(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(bytes)[..16])
}

/// Whether an `If-None-Match` value lists `tag` (with or without an encoding suffix), or is `*`.
pub fn etag_matches(if_none_match: &HeaderValue, tag: &str) -> bool {
    let Ok(list) = if_none_match.to_str() else { return false };
    list.split(',').map(str::trim).any(|t| {
        if t == "*" {
            return true;
        }
        let t = t.strip_prefix("W/").unwrap_or(t);
        let Some(t) = t.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else { return false };
        let t = t.strip_suffix("-gz").or_else(|| t.strip_suffix("-br")).unwrap_or(t);
        t == tag
    })
}

/// The `If-None-Match`, `If-Modified-Since` and `Accept-Encoding` of a request: what answering
/// from a kept body needs, taken before the request is handed on.
#[derive(Debug, Clone)]
pub struct Conditions {
    pub encoding: Encoding,
    pub if_none_match: Option<HeaderValue>,
    pub if_modified_since: Option<HeaderValue>,
}

impl Conditions {
    pub fn of(headers: &HeaderMap) -> Self {
        Conditions {
            encoding: Encoding::negotiate(headers),
            if_none_match: headers.get(header::IF_NONE_MATCH).cloned(),
            if_modified_since: headers.get(header::IF_MODIFIED_SINCE).cloned(),
        }
    }

    /// Whether the client's copy is current: by entity tag when it sent one (then
    /// `If-Modified-Since` is ignored, RFC 9110 13.1.3), else by date.
    pub fn not_modified(
        &self,
        matches_tag: impl FnOnce(&HeaderValue) -> bool,
        last_modified: Option<&HeaderValue>,
    ) -> bool {
        if let Some(inm) = &self.if_none_match {
            return matches_tag(inm);
        }
        match (&self.if_modified_since, last_modified) {
            (Some(since), Some(modified)) => {
                match (parse_http_date(since), modified.to_str().ok().and_then(parse_http_date_str)) {
                    (Some(since), Some(modified)) => modified <= since,
                    _ => false,
                }
            }
            _ => false,
        }
    }
}

fn parse_http_date(v: &HeaderValue) -> Option<chrono::DateTime<chrono::Utc>> {
    parse_http_date_str(v.to_str().ok()?)
}

fn parse_http_date_str(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::NaiveDateTime::parse_from_str(s.trim(), "%a, %d %b %Y %H:%M:%S GMT").ok().map(|d| d.and_utc())
}

/// An instant as an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(at: chrono::DateTime<chrono::Utc>) -> HeaderValue {
    HeaderValue::from_str(&at.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("Thu, 01 Jan 1970 00:00:00 GMT"))
}

/// A stored instant (RFC 3339, as `gongkai_store::now_text` writes) as an HTTP date; `None`
/// when it does not parse.
pub fn http_date_of(stored: &str) -> Option<HeaderValue> {
    chrono::DateTime::parse_from_rfc3339(stored.trim()).ok().map(|d| http_date(d.with_timezone(&chrono::Utc)))
}

/// What a kept body is answered with besides itself.
pub struct Head<'a> {
    pub content_type: &'a HeaderValue,
    pub cache_control: &'static str,
    pub vary: &'static str,
    pub last_modified: Option<&'a HeaderValue>,
}

/// The answer to a request for a kept body: 304 when the client's copy is current, else the
/// body in the encoding the client prefers.
pub fn respond(rep: &Representation, cond: &Conditions, head: &Head<'_>) -> Response {
    let not_modified = cond.not_modified(|inm| rep.matches(inm), head.last_modified);
    let (body, encoding, etag) = rep.pick(cond.encoding);
    let mut res = if not_modified {
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        Response::new(Body::from(body))
    };
    let h = res.headers_mut();
    if !not_modified {
        h.insert(header::CONTENT_TYPE, head.content_type.clone());
        if let Some(e) = encoding {
            h.insert(header::CONTENT_ENCODING, e);
        }
    }
    h.insert(header::ETAG, etag.clone());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(head.cache_control));
    h.insert(header::VARY, HeaderValue::from_static(head.vary));
    if let Some(lm) = head.last_modified {
        h.insert(header::LAST_MODIFIED, lm.clone());
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn negotiation_prefers_brotli_and_respects_refusals() {
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(Encoding::negotiate(&accept("gzip, deflate, br, zstd")), Encoding::Brotli);
        assert_eq!(Encoding::negotiate(&accept("gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(&accept("br;q=0, gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(&accept("br;q=0.5, gzip;q=0.8")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(&accept("*")), Encoding::Brotli);
        assert_eq!(Encoding::negotiate(&accept("*;q=0, identity")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(&accept("deflate")), Encoding::Identity);
    }

    #[test]
    fn only_text_types_are_compressed() {
        for yes in
            ["text/html; charset=utf-8", "application/json", "application/problem+json", "image/svg+xml", "TEXT/CSV"]
        {
            assert!(compressible(yes), "{yes}");
        }
        for no in
            ["text/event-stream", "application/pdf", "image/png", "image/jpeg", "application/zip", "video/mp4", ""]
        {
            assert!(!compressible(no), "{no}");
        }
    }

    #[test]
    fn entity_tags_match_in_every_encoding_and_in_lists() {
        let v = |s: &str| HeaderValue::from_str(s).unwrap();
        assert!(etag_matches(&v("\"abc\""), "abc"));
        assert!(etag_matches(&v("\"abc-br\""), "abc"));
        assert!(etag_matches(&v("W/\"abc-gz\""), "abc"));
        assert!(etag_matches(&v("\"x\", \"abc\""), "abc"));
        assert!(etag_matches(&v("*"), "abc"));
        assert!(!etag_matches(&v("\"abcd\""), "abc"));
        assert!(!etag_matches(&v("abc"), "abc"));
    }

    #[test]
    fn copies_decode_to_the_body_and_small_bodies_stay_plain() {
        let page = "<p>政务公开 gongkai</p>\n".repeat(200);
        let rep = Representation::hashed(Bytes::from(page.clone()), Effort::Page);
        let (gz, enc, etag) = rep.pick(Encoding::Gzip);
        assert_eq!(enc.unwrap(), "gzip");
        assert!(etag.to_str().unwrap().ends_with("-gz\""));
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
        assert_eq!(out, page);
        let (br, enc, _) = rep.pick(Encoding::Brotli);
        assert_eq!(enc.unwrap(), "br");
        let mut out = String::new();
        std::io::Read::read_to_string(&mut brotli::Decompressor::new(&br[..], 4096), &mut out).unwrap();
        assert_eq!(out, page);
        let small = Representation::hashed(Bytes::from_static(b"<p>short</p>"), Effort::Page);
        let (body, enc, _) = small.pick(Encoding::Brotli);
        assert!(enc.is_none());
        assert_eq!(&body[..], b"<p>short</p>");
    }

    #[test]
    fn dates_compare_when_no_tag_was_sent() {
        let modified = http_date_of("2024-03-01T08:00:00Z").unwrap();
        assert_eq!(modified, "Fri, 01 Mar 2024 08:00:00 GMT");
        let cond = |since: &str| Conditions {
            encoding: Encoding::Identity,
            if_none_match: None,
            if_modified_since: Some(HeaderValue::from_str(since).unwrap()),
        };
        assert!(cond("Fri, 01 Mar 2024 08:00:00 GMT").not_modified(|_| false, Some(&modified)));
        assert!(!cond("Fri, 01 Mar 2024 07:59:59 GMT").not_modified(|_| false, Some(&modified)));
        assert!(!cond("not a date").not_modified(|_| false, Some(&modified)));
        // A tag, when sent, decides alone.
        let mut c = cond("Fri, 01 Mar 2024 08:00:00 GMT");
        c.if_none_match = Some(HeaderValue::from_static("\"other\""));
        assert!(!c.not_modified(|_| false, Some(&modified)));
    }
}
