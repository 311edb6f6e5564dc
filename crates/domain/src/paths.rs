//! Redirect targets that come from input (`return=`, `next=`): only a path on this site may
//! come out, whatever goes in.
//!
//! Browsers are lenient where servers are strict: they drop tabs and newlines from a URL,
//! read `\` as `/`, and take `//host` or `/\host` as another site. So anything with a control
//! character, whitespace or a backslash is refused outright rather than cleaned, and what is
//! left is resolved the way a browser would (the WHATWG parser of the `url` crate) against a
//! stand-in origin; only a result on that same origin whose path starts with a single `/` is
//! kept. The answer is plain visible ASCII, so it is always a valid `Location` header value.

use url::Url;

/// The origin that relative references are resolved against; any result elsewhere left the site.
const BASE: &str = "http://same-site.invalid/";

/// `raw` as a path on this site (with its query and fragment), or `fallback` when it is not
/// one. `fallback` must itself be a safe path (a constant of the caller).
pub fn same_site_path(raw: &str, fallback: &str) -> String {
    check(raw).unwrap_or_else(|| fallback.to_string())
}

/// As `same_site_path`, but only within `prefix` (e.g. `/admin`): the prefix itself, or the
/// prefix followed by `/`, `?` or `#`.
pub fn same_site_path_within(raw: &str, prefix: &str, fallback: &str) -> String {
    match check(raw) {
        Some(p) if p == prefix || p.strip_prefix(prefix).is_some_and(|rest| rest.starts_with(['/', '?', '#'])) => p,
        _ => fallback.to_string(),
    }
}

fn check(raw: &str) -> Option<String> {
    if raw.len() > 2048 || raw.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\') {
        return None;
    }
    // An absolute path: one slash, and not a scheme-relative `//host`.
    let rest = raw.strip_prefix('/')?;
    if rest.starts_with('/') {
        return None;
    }
    // The path before the query, decoded: an encoded slash, backslash or control character at
    // the start could turn into `//host` in a server or proxy that decodes before routing.
    let path = raw.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path);
    if decoded.iter().any(|b| b.is_ascii_control() || *b == b'\\' || *b == b' ') || decoded.starts_with(b"//") {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let url = base.join(raw).ok()?;
    if url.origin() != base.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let path = url.path();
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    let mut out = path.to_string();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = url.fragment() {
        out.push('#');
        out.push_str(f);
    }
    // The parser leaves some visible characters unencoded; none outside visible ASCII.
    out.bytes().all(|b| b.is_ascii_graphic()).then_some(out)
}

/// `%XX` decoded to bytes (invalid escapes kept as they are).
fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn table() {
        for (raw, want) in [
            ("/units", "/units"),
            ("/", "/"),
            ("/search?q=%E5%8E%86&page=2", "/search?q=%E5%8E%86&page=2"),
            ("/search?q=a%20b", "/search?q=a%20b"),
            ("/documents/5#attachments", "/documents/5#attachments"),
            ("/units/历下", "/units/%E5%8E%86%E4%B8%8B"),
            ("/a/./b/../c", "/a/c"),
            ("/https://evil.com", "/https://evil.com"),
            // Leaving the site, or looking as if.
            ("//evil.com", "/"),
            ("///evil.com", "/"),
            ("/\\evil.com", "/"),
            ("\\\\evil.com", "/"),
            ("/\t/evil.com", "/"),
            ("/\n/evil.com", "/"),
            ("\t//evil.com", "/"),
            (" /units", "/"),
            ("/units ", "/"),
            ("/%2F/evil.com", "/"),
            ("/%2f%2fevil.com", "/"),
            ("/%5Cevil.com", "/"),
            ("/%09/evil.com", "/"),
            ("/..//evil.com", "/"),
            ("/a/..//evil.com", "/"),
            ("https://evil.com", "/"),
            ("http:/evil.com", "/"),
            ("javascript:alert(1)", "/"),
            ("evil.com", "/"),
            ("units", "/"),
            ("", "/"),
            ("?x=1", "/"),
            ("#top", "/"),
            ("/\u{7f}", "/"),
            ("/\u{0}", "/"),
            ("/\u{2028}", "/"),
            ("/\u{3000}x", "/"),
            ("/\r\nSet-Cookie:x=y", "/"),
        ] {
            assert_eq!(same_site_path(raw, "/"), want, "{raw:?}");
        }
    }

    #[test]
    fn within_a_prefix() {
        for (raw, want) in [
            ("/admin", "/admin"),
            ("/admin/users?q=1", "/admin/users?q=1"),
            ("/admin?notice=x", "/admin?notice=x"),
            ("/administrator", "/admin"),
            ("/admin/../units", "/admin"),
            ("/admin/\t", "/admin"),
            ("/admin\u{1}", "/admin"),
            ("//admin", "/admin"),
            ("/units", "/admin"),
        ] {
            assert_eq!(same_site_path_within(raw, "/admin", "/admin"), want, "{raw:?}");
        }
    }

    fn stays_on_site(out: &str) {
        assert!(out.starts_with('/') && !out.starts_with("//"), "{out:?}");
        assert!(out.bytes().all(|b| b.is_ascii_graphic()) && !out.contains('\\'), "{out:?}");
        // As a browser would resolve it against a page of the site.
        let base = Url::parse("https://gongkai.example.gov.cn/some/page").unwrap();
        let u = base.join(out).unwrap();
        assert_eq!(u.host_str(), Some("gongkai.example.gov.cn"), "{out:?}");
        assert_eq!(u.scheme(), "https");
        assert!(u.username().is_empty() && u.password().is_none());
        assert!(!u.path().starts_with("//"), "{out:?}");
        // The answer is a fixed point: cleaning it again changes nothing.
        assert_eq!(same_site_path(out, "/fallback"), out);
    }

    proptest! {
        #[test]
        fn any_input_gives_a_path_on_this_site(raw in any::<String>()) {
            stays_on_site(&same_site_path(&raw, "/"));
        }

        #[test]
        fn url_like_input_gives_a_path_on_this_site(
            raw in r"[/\\\t\n %:.a-z?#@0-9A-F]{0,24}",
        ) {
            stays_on_site(&same_site_path(&raw, "/"));
            let within = same_site_path_within(&raw, "/admin", "/admin");
            stays_on_site(&within);
            prop_assert!(within.starts_with("/admin"));
        }
    }
}
