//! Charts as SVG drawn on the server: no script, no external font or host, readable by
//! screen readers (a title and a description naming every figure; the page shows the same
//! figures as a table beside it).
//!
//! Hand-written on purpose: a labelled horizontal bar chart is a few rectangles and texts, and
//! the plotting crates (plotters and the like) bring font loading and rasterising we do not
//! need, and emit SVG without the `role`, `<title>` and `<desc>` accessibility asks for.

use std::fmt::Write;

/// One bar: its label and value.
pub struct Bar {
    pub label: String,
    pub value: i64,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A label short enough for the label column (the full label is in the bar's `<title>`).
fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        format!("{}…", label.chars().take(max - 1).collect::<String>())
    }
}

/// Horizontal bars, largest scale at the largest value, `unit` after each figure; `id` makes
/// the title and description ids unique on the page. Scales to the width of its container.
pub fn bars(id: &str, title: &str, unit: &str, data: &[Bar]) -> String {
    const WIDTH: i64 = 480;
    const LABEL: i64 = 150;
    const VALUE: i64 = 90;
    const ROW: i64 = 30;
    let height = (data.len() as i64).max(1) * ROW + 8;
    let max = data.iter().map(|b| b.value).max().unwrap_or(0).max(1);
    let id = escape(id);
    let desc: Vec<String> = data.iter().map(|b| format!("{} {}{unit}", b.label, b.value)).collect();
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        escape(title),
        escape(&if desc.is_empty() { "无数据".to_string() } else { desc.join("；") })
    );
    if data.is_empty() {
        let _ = write!(out, r##"<text x="8" y="22" font-size="14" fill="#555">无数据</text>"##);
    }
    for (i, b) in data.iter().enumerate() {
        let y = i as i64 * ROW + 4;
        let w = (b.value.max(0) as f64 / max as f64 * (WIDTH - LABEL - VALUE) as f64).round() as i64;
        let _ = write!(
            out,
            r##"<g><title>{full} {v}{unit}</title><text x="{lx}" y="{ty}" font-size="15" text-anchor="end" fill="#1f2d3d">{label}</text><rect x="{LABEL}" y="{ry}" width="{w}" height="18" fill="#1d5fa8"/><text x="{vx}" y="{ty}" font-size="15" fill="#1f2d3d">{v}{unit}</text></g>"##,
            full = escape(&b.label),
            label = escape(&short(&b.label, 9)),
            lx = LABEL - 6,
            ty = y + 17,
            ry = y + 3,
            vx = LABEL + w + 6,
            v = b.value,
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_name_every_figure() {
        let svg = bars(
            "c1",
            "已兑现金额",
            "元",
            &[Bar { label: "历下区".into(), value: 300 }, Bar { label: "<script>".into(), value: 150 }],
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"role="img""#) && svg.contains(r#"aria-labelledby="c1-t c1-d""#));
        assert!(svg.contains("<desc id=\"c1-d\">历下区 300元；&lt;script&gt; 150元</desc>"), "{svg}");
        // The largest bar fills the bar column (480 − 150 − 90), the other half of it.
        assert!(svg.contains(r#"width="240""#) && svg.contains(r#"width="120""#), "{svg}");
        assert!(!svg.contains("<script>"));
        assert!(bars("c2", "空", "", &[]).contains("无数据"));
        assert_eq!(short("济南市高新技术企业认定奖励政策", 6), "济南市高新…");
    }
}
