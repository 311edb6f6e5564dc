//! A reply letter as DOCX, laid out like a Chinese official letter (GB/T 9704 style): A4 with
//! the standard margins, a centred bold title in 二号 宋体 (standing in for 方正小标宋, which few
//! machines have), the body in 三号 仿宋 at a fixed 28 pt line pitch with a two-character
//! first-line indent, and the signature and date on the right, four characters from the edge.
//! Staff open it in Word or WPS to adjust before printing, so everything is plain paragraph
//! formatting they can change, not frames or tables.

use docx_rs::{
    AlignmentType, BreakType, Docx, LineSpacing, LineSpacingType, PageMargin, Paragraph, Run, RunFonts,
    SpecialIndentType,
};
use gongkai_domain::reply_letter::Letter;
use std::fmt;
use std::io::Cursor;

/// Sizes in half-points, as Word stores them.
const TITLE_SIZE: usize = 44; // 二号, 22 pt
const BODY_SIZE: usize = 32; // 三号, 16 pt

/// Lengths in twentieths of a point.
const BODY_CHAR: i32 = 320;
const LINE_PITCH: u32 = 560; // 28 pt: 22 lines on the page
const A4_WIDTH: u32 = 11_906;
const A4_HEIGHT: u32 = 16_838;

/// Font names as Chinese Windows and WPS know them; both also answer to the Chinese names.
const TITLE_FONT: &str = "SimSun";
const BODY_FONT: &str = "FangSong";

#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "生成 DOCX 文件失败：{}", self.0)
    }
}

impl std::error::Error for Error {}

fn fonts(name: &str) -> RunFonts {
    // The eastAsia hint makes Word pick the East Asian slot for the ambiguous punctuation
    // (quotes, dashes) that would otherwise come out in a Latin font.
    RunFonts::new().ascii(name).hi_ansi(name).east_asia(name).cs(name).hint("eastAsia")
}

/// One run per line of `text`, with a line break between them, so that a `\n` the letter
/// kept stays a line break instead of turning into a space.
fn runs(mut p: Paragraph, text: &str, make: impl Fn(Run) -> Run) -> Paragraph {
    let mut run = make(Run::new());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            run = run.add_break(BreakType::TextWrapping);
        }
        run = run.add_text(line);
    }
    p = p.add_run(run);
    p
}

fn body_run(run: Run) -> Run {
    run.fonts(fonts(BODY_FONT)).size(BODY_SIZE)
}

fn exact_pitch() -> LineSpacing {
    LineSpacing::new().line_rule(LineSpacingType::Exact).line(LINE_PITCH as i32)
}

pub fn write(letter: &Letter) -> Result<Vec<u8>, Error> {
    let mut doc = Docx::new()
        .page_size(A4_WIDTH, A4_HEIGHT)
        // 37 mm top, 35 mm bottom, 28 mm left, 26 mm right: a 156 × 225 mm text block.
        .page_margin(PageMargin::new().top(2098).bottom(1984).left(1588).right(1474).header(851).footer(992))
        .default_fonts(fonts(BODY_FONT))
        .default_size(BODY_SIZE);

    let title = Paragraph::new()
        .align(AlignmentType::Center)
        .line_spacing(LineSpacing::new().line_rule(LineSpacingType::Auto).line(240).after(LINE_PITCH));
    doc = doc.add_paragraph(runs(title, &letter.title, |r| r.fonts(fonts(TITLE_FONT)).size(TITLE_SIZE).bold()));

    if !letter.salutation.is_empty() {
        doc = doc.add_paragraph(runs(Paragraph::new().line_spacing(exact_pitch()), &letter.salutation, body_run));
    }
    for text in &letter.paragraphs {
        let p = Paragraph::new().align(AlignmentType::Both).line_spacing(exact_pitch()).indent(
            None,
            Some(SpecialIndentType::FirstLine(2 * BODY_CHAR)),
            None,
            None,
        );
        doc = doc.add_paragraph(runs(p, text, body_run));
    }
    // 右空四字 for the signature and date, with one empty line above them.
    let closing = |first: bool| {
        let spacing = if first { exact_pitch().before(LINE_PITCH) } else { exact_pitch() };
        Paragraph::new().align(AlignmentType::Right).line_spacing(spacing).indent(None, None, Some(4 * BODY_CHAR), None)
    };
    let mut first = true;
    for text in [&letter.signature, &letter.date] {
        if !text.is_empty() {
            doc = doc.add_paragraph(runs(closing(first), text, body_run));
            first = false;
        }
    }

    let mut out = Cursor::new(Vec::new());
    doc.pack(&mut out).map_err(|e| Error(e.to_string()))?;
    Ok(out.into_inner())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use gongkai_domain::reply_letter::{LetterFacts, Placeholder, TemplateKey, default_template, render};
    use gongkai_domain::requests::Outcome;
    use std::io::Read;

    pub(crate) fn sample() -> Letter {
        let facts = LetterFacts::default()
            .with(Placeholder::Applicant, "张三")
            .with(Placeholder::RequestNumber, "2024-0001")
            .with(Placeholder::ReceivedOn, "2024年3月1日")
            .with(Placeholder::Description, "2023年经十路某路段改造工程的立项批复")
            .with(Placeholder::Provided, "《关于经十路某路段改造工程立项的批复》（见附件）")
            .with(Placeholder::Agency, "济南市某某局")
            .with(Placeholder::LetterDate, "2024年3月20日")
            .with(Placeholder::ReviewBody, "济南市人民政府");
        render(default_template(TemplateKey::reply(Outcome::Disclosed)), &facts)
    }

    fn part(docx: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(Cursor::new(docx)).expect("a DOCX is a zip");
        let mut text = String::new();
        zip.by_name(name).expect(name).read_to_string(&mut text).unwrap();
        text
    }

    #[test]
    fn a_letter_as_docx() {
        let letter = sample();
        let docx = write(&letter).unwrap();
        let xml = part(&docx, "word/document.xml");
        assert!(xml.contains("政府信息公开申请答复告知书"), "title");
        assert!(xml.contains("现向您提供该政府信息"), "a body sentence");
        assert!(xml.contains("张三："));
        assert!(xml.contains("济南市某某局") && xml.contains("2024年3月20日"));
        assert!(xml.contains(r#"w:eastAsia="FangSong""#) && xml.contains(r#"w:eastAsia="SimSun""#));
        assert!(xml.contains(r#"<w:jc w:val="center" />"#) && xml.contains(r#"<w:jc w:val="right" />"#));
        assert!(xml.contains(r#"w:firstLine="640""#), "two characters of 16 pt");
        assert!(xml.contains(r#"<w:sz w:val="32" />"#) && xml.contains(r#"<w:sz w:val="44" />"#));
        assert!(part(&docx, "[Content_Types].xml").contains("wordprocessingml"));
    }

    #[test]
    fn line_breaks_and_markup_characters_survive() {
        let letter = Letter {
            title: "标题".into(),
            paragraphs: vec!["第一行\n第二行 <a> & \"引号\"".into()],
            ..Letter::default()
        };
        let xml = part(&write(&letter).unwrap(), "word/document.xml");
        assert!(xml.contains("第一行") && xml.contains("<w:br w:type=\"textWrapping\" />"), "{xml}");
        assert!(xml.contains("&lt;a&gt; &amp;"), "escaped, not injected");
        write(&Letter::default()).expect("an empty letter is still a document");
    }
}
