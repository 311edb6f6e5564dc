//! A reply letter as PDF, with the layout of the DOCX (see `letter_docx`): A4, GB/T 9704
//! margins, a centred title in 二号, the body in 三号 at a 28 pt pitch with a two-character
//! indent, justified, and the signature and date four characters from the right edge.
//!
//! The PDF embeds the one CJK font it is given, subset to the glyphs used, so a one-page letter
//! stays small and prints the same everywhere. Lines are laid out here rather than by a shaper:
//! Chinese needs no shaping, and measuring and drawing the same advances keeps every line
//! inside the margins. Chinese breaks between any two characters, except that a line does not
//! start with closing punctuation (，。）」…) or end with opening punctuation (（《“…), and a
//! run of Latin letters and digits (a phone number, a URL) is not split unless it is longer than
//! a whole line. A font has no bold face here, so the title is thickened with a thin outline.

use gongkai_domain::reply_letter::Letter;
use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineJoin, Stroke};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::Charmap;
use skrifa::instance::{LocationRef, Size};
use skrifa::metrics::GlyphMetrics;
use skrifa::{FontRef, MetadataProvider};
use std::fmt;

const MM: f32 = 72.0 / 25.4;
const PAGE_WIDTH: f32 = 210.0 * MM;
const PAGE_HEIGHT: f32 = 297.0 * MM;
const LEFT: f32 = 28.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 26.0 * MM;
const TOP: f32 = 37.0 * MM;
const BOTTOM: f32 = PAGE_HEIGHT - 35.0 * MM;
const TEXT_WIDTH: f32 = RIGHT - LEFT;

const TITLE_SIZE: f32 = 22.0; // 二号
const TITLE_PITCH: f32 = 33.0;
const BODY_SIZE: f32 = 16.0; // 三号
const BODY_PITCH: f32 = 28.0; // 22 lines on the page
const PAGE_NUMBER_SIZE: f32 = 14.0; // 四号
/// Justifying a line never widens a gap by more than this (in em); a line with a long
/// unbreakable Latin run stays ragged instead of being torn apart.
const MAX_JUSTIFY_EM: f32 = 0.5;

/// Characters that must not begin a line.
const NO_START: &str = "，。、；：？！）］｝〕〉》」』】〗”’…%％,.;:?!)]}";
/// Characters that must not end a line.
const NO_END: &str = "（［｛〔〈《「『【〖“‘([{";

#[derive(Debug)]
pub enum Error {
    /// The font data is not a font, or has no face at this index.
    Font {
        index: u32,
    },
    Pdf(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Font { index } => write!(f, "无法读取字体文件，或文件中没有第 {index} 号字体"),
            Error::Pdf(e) => write!(f, "生成 PDF 文件失败：{e}"),
        }
    }
}

impl std::error::Error for Error {}

/// Metrics of the embedded font, in em.
struct Face<'a> {
    charmap: Charmap<'a>,
    glyphs: GlyphMetrics<'a>,
    /// Where the baseline sits in the font's ascent-to-descent box, from the top.
    ascent_ratio: f32,
}

impl<'a> Face<'a> {
    fn new(data: &'a [u8], index: u32) -> Option<Face<'a>> {
        let font = FontRef::from_index(data, index).ok()?;
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        let span = metrics.ascent - metrics.descent;
        Some(Face {
            charmap: font.charmap(),
            // One pixel per em: advances come out in em.
            glyphs: font.glyph_metrics(Size::new(1.0), LocationRef::default()),
            ascent_ratio: if span > 0.0 { metrics.ascent / span } else { 0.88 },
        })
    }

    fn glyph(&self, c: char) -> (u32, f32) {
        let id = self.charmap.map(c).unwrap_or_default();
        (id.to_u32(), self.glyphs.advance_width(id).unwrap_or(0.0))
    }

    fn advance(&self, c: char) -> f32 {
        self.glyph(c).1
    }
}

/// The smallest piece a line may not be broken inside: one Chinese character or space, or a
/// run of visible ASCII.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Unit {
    start: usize,
    end: usize,
    width: f32,
    space: bool,
    no_start: bool,
    no_end: bool,
}

fn units(text: &str, advance: impl Fn(char) -> f32, max_width: f32) -> Vec<Unit> {
    let single = |i: usize, c: char| Unit {
        start: i,
        end: i + c.len_utf8(),
        // A tab is drawn as a space (see `shape_line`), so it is measured as one.
        width: advance(if c == '\t' { ' ' } else { c }),
        space: c.is_whitespace(),
        no_start: NO_START.contains(c),
        no_end: NO_END.contains(c),
    };
    let mut out = Vec::new();
    let mut chars = text.char_indices().filter(|(_, c)| !c.is_control() || *c == '\t').peekable();
    while let Some((i, c)) = chars.next() {
        if !c.is_ascii_graphic() {
            out.push(single(i, c));
            continue;
        }
        let mut run = vec![(i, c)];
        while let Some(&(j, d)) = chars.peek() {
            if !d.is_ascii_graphic() {
                break;
            }
            run.push((j, d));
            chars.next();
        }
        let width: f32 = run.iter().map(|(_, c)| advance(*c)).sum();
        if width > max_width {
            // Too long for any line: it has to break somewhere, so anywhere.
            out.extend(run.iter().map(|(i, c)| single(*i, *c)));
        } else {
            let (first, last) = (run[0].1, run[run.len() - 1]);
            out.push(Unit {
                start: i,
                end: last.0 + 1,
                width,
                space: false,
                no_start: NO_START.contains(first),
                no_end: NO_END.contains(last.1),
            });
        }
    }
    out
}

/// Greedy line filling over units: `first` and `rest` are the widths available to the first
/// and the following lines. Returns the unit ranges of the lines, without edge spaces.
fn wrap(units: &[Unit], first: f32, rest: f32) -> Vec<(usize, usize)> {
    const SLACK: f32 = 1e-3;
    let mut lines = Vec::new();
    let mut start = 0;
    loop {
        while start < units.len() && units[start].space {
            start += 1;
        }
        if start >= units.len() {
            break;
        }
        let avail = if lines.is_empty() { first } else { rest };
        let (mut end, mut width) = (start, 0.0);
        while end < units.len() && (end == start || width + units[end].width <= avail + SLACK) {
            width += units[end].width;
            end += 1;
        }
        if end < units.len() {
            // Move characters down until the break is allowed; keep the plain break if no
            // allowed one is found on this line.
            let bad = |e: usize| units[e].no_start || units[e - 1].no_end;
            let mut e = end;
            while e > start + 1 && bad(e) {
                e -= 1;
            }
            if !bad(e) {
                end = e;
            }
        }
        let mut last = end;
        while last > start + 1 && units[last - 1].space {
            last -= 1;
        }
        lines.push((start, last));
        start = end;
    }
    lines
}

/// One line ready to draw: its text and glyphs, and its natural width in em.
struct Line {
    text: String,
    glyphs: Vec<KrillaGlyph>,
    width: f32,
}

fn shape_line(face: &Face<'_>, text: &str) -> Line {
    let mut glyphs = Vec::new();
    let mut width = 0.0;
    for (i, c) in text.char_indices() {
        if c.is_control() && c != '\t' {
            continue;
        }
        let (id, advance) = face.glyph(if c == '\t' { ' ' } else { c });
        width += advance;
        glyphs.push(KrillaGlyph::new(GlyphId::new(id), advance, 0.0, 0.0, 0.0, i..i + c.len_utf8(), None));
    }
    Line { text: text.to_string(), glyphs, width }
}

impl Line {
    /// Spreads `extra` em over the gaps between glyphs, unless that would open them too far.
    fn justify(&mut self, target: f32) {
        let gaps = self.glyphs.len().saturating_sub(1);
        if gaps == 0 {
            return;
        }
        let extra = (target - self.width) / gaps as f32;
        if !(0.0..=MAX_JUSTIFY_EM).contains(&extra) {
            return;
        }
        for g in &mut self.glyphs[..gaps] {
            g.x_advance += extra;
        }
        self.width = target;
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Left,
    Centre,
    Right,
}

/// How a block of text is set.
struct Style {
    size: f32,
    pitch: f32,
    bold: bool,
    align: Align,
    /// First-line indent, in em.
    indent: f32,
    /// Space kept free at the right edge, in em.
    right_indent: f32,
    justify: bool,
}

const BODY: Style = Style {
    size: BODY_SIZE,
    pitch: BODY_PITCH,
    bold: false,
    align: Align::Left,
    indent: 0.0,
    right_indent: 0.0,
    justify: false,
};

/// A line placed on a page.
struct Placed {
    line: Line,
    x: f32,
    baseline: f32,
    size: f32,
    bold: bool,
}

struct Layout<'a> {
    face: &'a Face<'a>,
    pages: Vec<Vec<Placed>>,
    y: f32,
}

impl<'a> Layout<'a> {
    fn new(face: &'a Face<'a>) -> Self {
        Layout { face, pages: vec![Vec::new()], y: TOP }
    }

    /// Starts a new page unless `height` still fits (or the page is empty, where nothing
    /// would be gained).
    fn room_for(&mut self, height: f32) {
        let empty = self.pages.last().is_none_or(Vec::is_empty);
        if self.y + height > BOTTOM + 0.01 && !empty {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
    }

    fn lines(&self, text: &str, style: &Style) -> Vec<Line> {
        let full = TEXT_WIDTH / style.size - style.right_indent;
        let mut out = Vec::new();
        for segment in text.split('\n') {
            let units = units(segment, |c| self.face.advance(c), full);
            let ranges = wrap(&units, full - style.indent, full);
            let count = ranges.len();
            for (n, (a, b)) in ranges.into_iter().enumerate() {
                let mut line = shape_line(self.face, &segment[units[a].start..units[b - 1].end]);
                if style.justify && n + 1 < count {
                    line.justify(if n == 0 { full - style.indent } else { full });
                }
                out.push(line);
            }
        }
        out
    }

    fn place(&mut self, lines: Vec<Line>, style: &Style) {
        for (n, line) in lines.into_iter().enumerate() {
            self.room_for(style.pitch);
            let width = line.width * style.size;
            let indent = if n == 0 { style.indent * style.size } else { 0.0 };
            let right = RIGHT - style.right_indent * style.size;
            let x = match style.align {
                Align::Left => LEFT + indent,
                Align::Centre => LEFT + (TEXT_WIDTH - width) / 2.0,
                Align::Right => right - width,
            };
            let baseline = self.y + (style.pitch - style.size) / 2.0 + style.size * self.face.ascent_ratio;
            let page = self.pages.last_mut().expect("a layout always has a page");
            page.push(Placed { line, x, baseline, size: style.size, bold: style.bold });
            self.y += style.pitch;
        }
    }

    fn paragraph(&mut self, text: &str, style: &Style) {
        let lines = self.lines(text, style);
        self.place(lines, style);
    }
}

fn lay_out<'a>(letter: &Letter, face: &'a Face<'a>) -> Layout<'a> {
    let mut layout = Layout::new(face);
    let title = Style { size: TITLE_SIZE, pitch: TITLE_PITCH, bold: true, align: Align::Centre, ..BODY };
    layout.paragraph(&letter.title, &title);
    // One empty body line between the title and the salutation.
    layout.y += BODY_PITCH;
    if !letter.salutation.is_empty() {
        layout.paragraph(&letter.salutation, &BODY);
    }
    let body = Style { indent: 2.0, justify: true, ..BODY };
    for text in &letter.paragraphs {
        layout.paragraph(text, &body);
    }
    // The signature and date stay together, below one empty line, 右空四字.
    let closing = Style { align: Align::Right, right_indent: 4.0, ..BODY };
    let mut lines = Vec::new();
    for text in [&letter.signature, &letter.date] {
        if !text.is_empty() {
            lines.extend(layout.lines(text, &closing));
        }
    }
    if !lines.is_empty() {
        layout.room_for(BODY_PITCH * (lines.len() + 1) as f32);
        if layout.y > TOP {
            layout.y += BODY_PITCH;
        }
        layout.place(lines, &closing);
    }
    layout
}

/// Writes `letter` as an A4 PDF, embedding a subset of face `index` of the font file `font`
/// (index 0 unless it is a collection; see `fonts::find_cjk_font`).
pub fn write(letter: &Letter, font: &[u8], index: u32) -> Result<Vec<u8>, Error> {
    let face = Face::new(font, index).ok_or(Error::Font { index })?;
    let embedded = Font::new(font.to_vec().into(), index).ok_or(Error::Font { index })?;
    let layout = lay_out(letter, &face);

    let mut document = Document::new();
    let mut metadata = Metadata::new().language("zh-CN".to_string()).creator("gongkai".to_string());
    if !letter.title.is_empty() {
        metadata = metadata.title(letter.title.clone());
    }
    document.set_metadata(metadata);
    let page_count = layout.pages.len();
    for (n, mut lines) in layout.pages.into_iter().enumerate() {
        // Page numbers only when there is more than one page, as on printed official letters:
        // "— 1 —" in 四号 below the text block.
        if page_count > 1 {
            let line = shape_line(&face, &format!("— {} —", n + 1));
            let x = LEFT + (TEXT_WIDTH - line.width * PAGE_NUMBER_SIZE) / 2.0;
            lines.push(Placed {
                line,
                x,
                baseline: BOTTOM + 7.0 * MM + PAGE_NUMBER_SIZE,
                size: PAGE_NUMBER_SIZE,
                bold: false,
            });
        }
        let settings =
            PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| Error::Pdf("页面尺寸无效".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        surface.set_fill(Some(Fill::default()));
        for placed in &lines {
            surface.set_stroke(placed.bold.then(|| Stroke {
                width: placed.size * 0.025,
                line_join: LineJoin::Round,
                ..Stroke::default()
            }));
            surface.draw_glyphs(
                Point::from_xy(placed.x, placed.baseline),
                &placed.line.glyphs,
                embedded.clone(),
                &placed.line.text,
                placed.size,
                false,
            );
        }
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| Error::Pdf(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fonts::find_cjk_font;

    /// Every character one em wide.
    fn wrapped(text: &str, first: f32, rest: f32) -> Vec<String> {
        let units = units(text, |_| 1.0, rest);
        wrap(&units, first, rest).into_iter().map(|(a, b)| text[units[a].start..units[b - 1].end].to_string()).collect()
    }

    #[test]
    fn chinese_wraps_anywhere_but_before_closing_punctuation() {
        for (text, first, rest, want) in [
            ("一二三四五六七", 3.0, 3.0, vec!["一二三", "四五六", "七"]),
            ("一二三四五六七", 1.0, 3.0, vec!["一", "二三四", "五六七"]),
            // "，" would start line 2: "三" moves down with it.
            ("一二三，四五六", 3.0, 3.0, vec!["一二", "三，四", "五六"]),
            // Two closing marks in a row move two characters.
            ("一二三”。四五", 4.0, 4.0, vec!["一二", "三”。四", "五"]),
            // An opening mark does not end a line.
            ("一二（三）四五", 3.0, 3.0, vec!["一二", "（三）", "四五"]),
            // No better break on the line: keep the plain one.
            ("一，，，，二", 3.0, 3.0, vec!["一，，", "，，二"]),
            // A phone number is kept whole, and spaces vanish at the break.
            ("电话 0531-88150105 转", 8.0, 16.0, vec!["电话", "0531-88150105 转"]),
            // Longer than a line: broken anyway.
            ("abcdefghijklmnop", 10.0, 10.0, vec!["abcdefghij", "klmnop"]),
            ("", 3.0, 3.0, vec![]),
        ] {
            assert_eq!(wrapped(text, first, rest), want, "{text:?}");
        }
    }

    /// The compiled-in font, and the system's Noto CJK where installed: letters must come out
    /// right in both.
    fn fonts() -> Vec<(Vec<u8>, u32)> {
        let mut all = vec![(crate::fonts::EMBEDDED_CJK_FONT.to_vec(), 0)];
        match find_cjk_font(None) {
            Some((path, index)) => all.push((std::fs::read(path).unwrap(), index)),
            None => {
                eprintln!("note: no Noto CJK font installed (apt-get install fonts-noto-cjk); compiled-in font only")
            }
        }
        all
    }

    #[test]
    fn a_one_page_letter() {
        for (data, index) in fonts() {
            let letter = crate::letter_docx::tests::sample();
            let pdf = write(&letter, &data, index).unwrap();
            assert!(pdf.starts_with(b"%PDF-"));
            assert!(pdf.len() < 1_000_000, "the font is subset: {} bytes", pdf.len());
            let pages = pdf_extract::extract_text_from_mem_by_pages(&pdf).unwrap();
            assert_eq!(pages.len(), 1);
            let text: String = pages[0].chars().filter(|c| !c.is_whitespace()).collect();
            for wanted in
                ["政府信息公开申请答复告知书", "张三：", "第三十六条第（二）项", "济南市某某局", "2024年3月20日"]
            {
                assert!(text.contains(wanted), "{wanted} not in extracted text: {text}");
            }
        }
    }

    #[test]
    fn lines_stay_inside_the_margins() {
        for (data, index) in fonts() {
            let face = Face::new(&data, index).unwrap();
            let mut letter = crate::letter_docx::tests::sample();
            letter.paragraphs.push(
                "网址：https://www.jinan.gov.cn/col/col1229214366/index.html?xxgkhide=1&page=2，电话0531-88150105。"
                    .repeat(3),
            );
            let layout = lay_out(&letter, &face);
            for placed in layout.pages.iter().flatten() {
                let right = placed.x + placed.line.width * placed.size;
                assert!(
                    placed.x >= LEFT - 0.01 && right <= RIGHT + 0.01,
                    "{} at {}..{right}",
                    placed.line.text,
                    placed.x
                );
                assert!(placed.baseline > TOP && placed.baseline < BOTTOM, "{}", placed.line.text);
                assert!(!placed.line.text.starts_with(|c| NO_START.contains(c)), "{}", placed.line.text);
            }
        }
    }

    #[test]
    fn a_long_letter_runs_over_several_pages() {
        for (data, index) in fonts() {
            let mut letter = crate::letter_docx::tests::sample();
            letter.paragraphs = (1..=30)
                .map(|i| format!("第{i}段：{}", "本机关经检索后认为，该信息属于可以公开的政府信息。".repeat(4)))
                .collect();
            let pdf = write(&letter, &data, index).unwrap();
            let pages = pdf_extract::extract_text_from_mem_by_pages(&pdf).unwrap();
            assert!(pages.len() >= 3, "{} pages", pages.len());
            let last: String = pages.last().unwrap().chars().filter(|c| !c.is_whitespace()).collect();
            assert!(last.contains("第30段") || last.contains("济南市某某局"), "{last}");
            assert!(last.contains("2024年3月20日") && last.contains(&format!("—{}—", pages.len())), "{last}");
        }
    }

    #[test]
    fn bad_font_data_is_an_error() {
        let letter = crate::letter_docx::tests::sample();
        let err = write(&letter, b"not a font", 0).unwrap_err();
        assert_eq!(err.to_string(), "无法读取字体文件，或文件中没有第 0 号字体");
        let (data, _) = &fonts()[0];
        assert!(matches!(write(&letter, data, 999), Err(Error::Font { index: 999 })));
        let pdf = write(&Letter::default(), data, 0).expect("an empty letter is one blank page");
        assert!(pdf.starts_with(b"%PDF-"));
    }
}
