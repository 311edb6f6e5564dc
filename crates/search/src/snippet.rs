//! The excerpt shown under a search hit: the stretch of text with the most query terms, terms
//! marked. Done by hand on the stored plain text, because the index keeps no copy of bodies
//! (they are in the database) and bigram terms overlap, which tantivy's snippet HTML does not
//! merge.

/// HTML (escaped text, terms in `<mark>`) of at most `max_chars` characters of `text`.
pub fn snippet(text: &str, terms: &[String], max_chars: usize) -> String {
    let chars: Vec<char> = text.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    if chars.is_empty() {
        return String::new();
    }
    let lower: Vec<char> = chars.iter().map(|c| c.to_ascii_lowercase()).collect();
    // Every occurrence of every term, as character ranges.
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for t in terms.iter().filter(|t| !t.is_empty()) {
        let tc: Vec<char> = t.chars().collect();
        if tc.len() > lower.len() {
            continue;
        }
        for i in 0..=lower.len() - tc.len() {
            if lower[i..i + tc.len()] == tc[..] {
                ranges.push((i, i + tc.len()));
            }
        }
    }
    ranges.sort();
    // The window of max_chars with the most matches starts a little before its first match.
    let mut best_start = 0;
    let mut best = 0;
    let mut j = 0;
    for i in 0..ranges.len() {
        while j < ranges.len() && ranges[j].1 <= ranges[i].0 + max_chars {
            j += 1;
        }
        if j - i > best {
            best = j - i;
            best_start = ranges[i].0.saturating_sub(max_chars / 6);
        }
    }
    let mut start = best_start.min(chars.len().saturating_sub(max_chars));
    // Never begin inside a match.
    if let Some(r) = ranges.iter().find(|(a, b)| *a < start && start < *b) {
        start = r.0;
    }
    let end = (start + max_chars).min(chars.len());
    // Merge overlapping ranges inside the window.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges.into_iter().filter(|(a, b)| *a >= start && *b <= end) {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = start;
    for (a, b) in merged {
        out.push_str(&escape(&chars[pos..a]));
        out.push_str("<mark>");
        out.push_str(&escape(&chars[a..b]));
        out.push_str("</mark>");
        pos = b;
    }
    out.push_str(&escape(&chars[pos..end]));
    if end < chars.len() {
        out.push('…');
    }
    out
}

fn escape(chars: &[char]) -> String {
    let mut s = String::with_capacity(chars.len());
    for c in chars {
        match c {
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' => s.push_str("&amp;"),
            '"' => s.push_str("&quot;"),
            '\'' => s.push_str("&#39;"),
            c => s.push(*c),
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_merged_terms_in_the_best_window() {
        let text = "第一条 为了保障参保人员权益。第二条 本市门诊慢特病医疗保障待遇按照下列规定执行。";
        let terms: Vec<String> = ["医疗", "疗保", "保障"].iter().map(|s| s.to_string()).collect();
        let s = snippet(text, &terms, 30);
        assert!(s.contains("<mark>医疗保障</mark>"), "{s}");
        assert!(s.chars().filter(|c| *c != '…').count() < 30 + 40);
        assert_eq!(snippet("<script>x</script>", &["x".into()], 50), "&lt;script&gt;<mark>x</mark>&lt;/script&gt;");
        assert_eq!(snippet("", &["x".into()], 10), "");
        assert_eq!(snippet("没有命中的文字", &["医保".into()], 4), "没有命中…");
    }
}
