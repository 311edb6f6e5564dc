//! Document bodies are rich text from editors, often pasted from Word. What is kept is a small
//! set of structural tags; styles, classes, Office markup, scripts and event handlers go. The
//! sanitiser is ammonia (html5ever underneath), not a hand-written filter.

use std::collections::HashSet;

fn builder() -> ammonia::Builder<'static> {
    let tags: HashSet<&'static str> = [
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "ul",
        "ol",
        "li",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "caption",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "sub",
        "sup",
        "a",
        "img",
        "blockquote",
        "pre",
        "code",
        "hr",
        "div",
        "span",
    ]
    .into_iter()
    .collect();
    let mut b = ammonia::Builder::default();
    b.tags(tags)
        .generic_attributes(HashSet::new())
        .tag_attributes(
            [
                ("a", ["href", "title"].into_iter().collect::<HashSet<_>>()),
                ("img", ["src", "alt", "width", "height"].into_iter().collect()),
                ("td", ["colspan", "rowspan"].into_iter().collect()),
                ("th", ["colspan", "rowspan", "scope"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some("noopener noreferrer"))
        .strip_comments(true);
    b
}

/// Deepest nesting of elements a body may have. Pasted Word documents stay within a few
/// dozen levels; the HTML parser's time grows with the square of the depth, so a body of
/// 200,000 nested `<div>`s (1 MB) would hold a core for minutes.
pub const MAX_DEPTH: usize = 256;

/// How deeply the elements of `input` nest, counted from its tags without parsing: an opening
/// tag goes one level down and its closing tag back up. Void elements, self-closing tags and
/// elements whose end tag HTML lets writers leave out (`p`, `li`, table cells and rows, …) are
/// not counted, so sloppy but ordinary HTML is never judged deep. A scan, not a parser, because
/// it must run before the parser in time linear in the input.
pub fn nesting_depth(input: &str) -> usize {
    const NOT_COUNTED: &[&str] = &[
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr", "p",
        "li", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "rt", "rp", "colgroup",
        "caption", "html", "head", "body",
    ];
    let bytes = input.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(offset) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + offset + 1;
        let closing = bytes.get(start) == Some(&b'/');
        let name_start = if closing { start + 1 } else { start };
        let name_len = bytes[name_start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        let end = bytes[name_start..].iter().position(|&b| b == b'>').map_or(bytes.len(), |e| name_start + e);
        i = end.min(bytes.len());
        if name_len == 0 || !bytes[name_start].is_ascii_alphabetic() {
            continue;
        }
        let name = input[name_start..name_start + name_len].to_ascii_lowercase();
        let self_closing = end > 0 && bytes.get(end - 1) == Some(&b'/');
        if NOT_COUNTED.contains(&name.as_str()) || self_closing {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            depth += 1;
            deepest = deepest.max(depth);
        }
    }
    deepest
}

/// Safe HTML for a document body.
pub fn sanitize(input: &str) -> String {
    let cleaned = builder().clean(input).to_string();
    // Word leaves empty paragraphs and spans behind; drop the empty ones.
    let mut out = cleaned;
    for empty in ["<span></span>", "<p></p>", "<p><br></p>", "<div></div>"] {
        out = out.replace(empty, "");
    }
    out.trim().to_string()
}

/// The text of sanitised HTML, paragraphs on their own lines, for search and for checks.
pub fn to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name =
                    tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
                if matches!(name, "p" | "br" | "li" | "tr" | "h2" | "h3" | "h4" | "div" | "blockquote" | "hr" | "table")
                    && !out.ends_with('\n')
                    && !out.is_empty()
                {
                    out.push('\n');
                } else if tag.starts_with('/') && matches!(name, "td" | "th") {
                    out.push(' ');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    decode_entities(out.trim())
}

/// The entities html5ever writes when it serialises text.
fn decode_entities(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// The targets of the links and images in sanitised HTML, in order, for the link check.
pub fn links(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["href=\"", "src=\""] {
        for part in html.split(attr).skip(1) {
            if let Some(end) = part.find('"') {
                out.push(decode_entities(&part[..end]));
            }
        }
    }
    out
}

/// Text made safe inside HTML. (ammonia's `clean_text` also escapes spaces, which bloats
/// bodies and survives into the plain text.)
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text typed into a form, as paragraphs.
pub fn from_plain_text(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", p.lines().map(|l| escape_text(l.trim())).collect::<Vec<_>>().join("<br>")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_word_junk_go() {
        let cases: &[(&str, &str)] = &[
            ("<p>正文<script>alert(1)</script></p>", "<p>正文</p>"),
            ("<p onclick=\"x()\">点击</p>", "<p>点击</p>"),
            ("<a href=\"javascript:alert(1)\">链接</a>", "<a rel=\"noopener noreferrer\">链接</a>"),
            ("<img src=x onerror=alert(1)>", "<img src=\"x\">"),
            (
                "<p class=MsoNormal style='mso-line-height:150%'><span lang=EN-US>文字<o:p></o:p></span></p>",
                "<p><span>文字</span></p>",
            ),
            ("<!--[if gte mso 9]><xml>junk</xml><![endif]--><p>留下</p>", "<p>留下</p>"),
            ("<iframe src=\"https://evil.example\"></iframe><p>a</p>", "<p>a</p>"),
            ("<style>p{}</style><p>b</p>", "<p>b</p>"),
            (
                "<p><a href=\"/units/1\">机构</a></p>",
                "<p><a href=\"/units/1\" rel=\"noopener noreferrer\">机构</a></p>",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(sanitize(input), *expected, "{input}");
        }
    }

    #[test]
    fn text_and_links_of_a_body() {
        let html = sanitize(
            "<h2>第一章</h2><p>第一条 为了&lt;规范&gt;管理。</p><table><tr><td>甲</td><td>乙</td></tr></table><p><a href=\"https://www.gov.cn/a?b=1&amp;c=2\">国务院</a><img src=\"/files/ab\" alt=\"图\"></p>",
        );
        assert_eq!(to_text(&html), "第一章\n第一条 为了<规范>管理。\n甲 乙 \n国务院");
        assert_eq!(links(&html), vec!["https://www.gov.cn/a?b=1&c=2".to_string(), "/files/ab".to_string()]);
        assert_eq!(from_plain_text("第一段\n续行\n\n<第二段>"), "<p>第一段<br>续行</p><p>&lt;第二段&gt;</p>");
    }

    proptest::proptest! {
        #[test]
        fn sanitised_output_never_holds_a_script(s in "\\PC{0,200}") {
            let input = format!("<p>{s}</p><script>{s}</script><img src=x onerror='{s}'>");
            let out = sanitize(&input);
            proptest::prop_assert!(!out.contains("<script"));
            proptest::prop_assert!(!out.to_lowercase().contains("onerror"));
        }
    }
}

/// The small Markdown of the law texts (`## 第一章` headings, blank-line paragraphs) as HTML.
/// Only headings and paragraphs occur in them, so a Markdown library would add nothing.
pub fn from_markdown(md: &str) -> String {
    let mut out = String::with_capacity(md.len() + md.len() / 8);
    for block in md.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let (tag, text) = if let Some(t) = block.strip_prefix("#### ") {
            ("h4", t)
        } else if let Some(t) = block.strip_prefix("### ") {
            ("h3", t)
        } else if let Some(t) = block.strip_prefix("## ").or_else(|| block.strip_prefix("# ")) {
            ("h2", t)
        } else {
            ("p", block)
        };
        let lines: Vec<String> = text.lines().map(|l| escape_text(l.trim())).collect();
        out.push_str(&format!("<{tag}>{}</{tag}>", lines.join("<br>")));
    }
    out
}

#[cfg(test)]
mod markdown_tests {
    #[test]
    fn law_markdown() {
        assert_eq!(
            super::from_markdown("## 第一章  总则\n\n第一条 为了<规范>。\n\n### 第一节\n\n第二条 甲\n乙"),
            "<h2>第一章  总则</h2><p>第一条 为了&lt;规范&gt;。</p><h3>第一节</h3><p>第二条 甲<br>乙</p>"
        );
    }

    #[test]
    fn nesting_depth_counts_what_the_parser_would_nest() {
        for (html, depth) in [
            ("", 0),
            ("纯文字", 0),
            ("<p>一<p>二<p>三", 0),
            ("<div><div><span>x</span></div></div>", 3),
            ("<table><tr><td>1<td>2<tr><td>3</table>", 1),
            ("<div><br><img src=a.png><hr/></div>", 1),
            ("<ul><li>一<li>二</ul>", 1),
            ("a < b > c", 0),
            ("<DIV><Div></div></DIV>", 2),
            ("<div", 1),
            ("</div></div><div>", 1),
        ] {
            assert_eq!(super::nesting_depth(html), depth, "{html}");
        }
        let deep = "<div>".repeat(200_000);
        assert_eq!(super::nesting_depth(&deep), 200_000);
    }
}
