//! PDF text, read by pdf-extract (lopdf); only ever in the limited child.

use pdf_extract::{Document, Object};
use std::io::Read;

/// Largest inflated stream that text extraction would read (content streams, fonts), in bytes.
pub const MAX_STREAM: u64 = 64 << 20;
/// Largest inflated total of those streams, in bytes.
pub const MAX_STREAMS: u64 = 256 << 20;

/// The text of a PDF, whitespace collapsed and radicals folded. Streams are inflated through a
/// cap first: lopdf inflates whatever a stream holds into memory (1 MB of zeros is 1 GB), and
/// cut short it would go on with part of the content silently. A parser panic is reported
/// as a failure like any error (the limits, not this, stop what a panic cannot: stack
/// overflow, exhausted memory, endless loops).
pub fn text(bytes: &[u8]) -> Result<String, String> {
    match std::panic::catch_unwind(|| read(bytes)) {
        Ok(Ok(t)) => Ok(fold_radicals(&t.split_whitespace().collect::<Vec<_>>().join(" "))),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("PDF: the parser panicked".into()),
    }
}

fn read(bytes: &[u8]) -> Result<String, String> {
    let mut doc = Document::load_mem(bytes).map_err(|e| format!("PDF: {e}"))?;
    if doc.is_encrypted() {
        // As pdf-extract does: documents with an empty user password open.
        doc.decrypt("").map_err(|e| format!("PDF: {e}"))?;
    }
    check_streams(&doc)?;
    let mut s = String::new();
    pdf_extract::output_doc(&doc, &mut pdf_extract::PlainTextOutput::new(&mut s)).map_err(|e| format!("PDF: {e}"))?;
    Ok(s)
}

/// Inflates every Flate stream but images (which text extraction never decodes) into nothing,
/// through the caps.
fn check_streams(doc: &Document) -> Result<(), String> {
    let mut total = 0u64;
    for object in doc.objects.values() {
        let Object::Stream(stream) = object else { continue };
        if stream.dict.get(b"Subtype").and_then(Object::as_name).is_ok_and(|n| n == b"Image") {
            continue;
        }
        if !stream.filters().is_ok_and(|f| f.first() == Some(&&b"FlateDecode"[..])) {
            continue;
        }
        let mut inflate = flate2::read::ZlibDecoder::new(&stream.content[..]).take(MAX_STREAM + 1);
        // A damaged stream is lopdf's to judge; only the size matters here.
        let n = std::io::copy(&mut inflate, &mut std::io::sink()).unwrap_or(0);
        if n > MAX_STREAM {
            return Err(format!("PDF: a stream inflates past {MAX_STREAM} bytes"));
        }
        total += n;
        if total > MAX_STREAMS {
            return Err(format!("PDF: streams inflate past {MAX_STREAMS} bytes in all"));
        }
    }
    Ok(())
}

/// CJK fonts often map the glyph of a common character to a radical code point that looks the
/// same (⼈ for 人, ⺠ for 民), and a PDF's ToUnicode map then yields the radical. Kangxi
/// radicals have compatibility decompositions (NFKC); the supplement's simplified forms do not,
/// so those that are whole characters are listed here.
fn fold_radicals(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    const SUPPLEMENT: &[(char, char)] = &[
        ('⺟', '母'),
        ('⺠', '民'),
        ('⺩', '王'),
        ('⺝', '月'),
        ('⺼', '月'),
        ('⻁', '虎'),
        ('⻄', '西'),
        ('⻅', '见'),
        ('⻆', '角'),
        ('⻉', '贝'),
        ('⻋', '车'),
        ('⻓', '长'),
        ('⻔', '门'),
        ('⻘', '青'),
        ('⻙', '韦'),
        ('⻚', '页'),
        ('⻛', '风'),
        ('⻜', '飞'),
        ('⻝', '食'),
        ('⻢', '马'),
        ('⻣', '骨'),
        ('⻤', '鬼'),
        ('⻥', '鱼'),
        ('⻦', '鸟'),
        ('⻧', '卤'),
        ('⻨', '麦'),
        ('⻩', '黄'),
        ('⻪', '黾'),
        ('⻬', '齐'),
        ('⻮', '齿'),
        ('⻰', '龙'),
        ('⻳', '龟'),
    ];
    text.chars()
        .map(|c| match c {
            '\u{2F00}'..='\u{2FDF}' => c.nfkc().next().unwrap_or(c),
            '\u{2E80}'..='\u{2EFF}' => SUPPLEMENT.iter().find(|(r, _)| *r == c).map(|(_, full)| *full).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdf_text_and_radicals() {
        // A PDF printed by Chromium with an embedded CJK font: its text is read through the
        // font's ToUnicode map, so the privacy check sees the ID number in it.
        let pdf = include_bytes!("../tests/fixtures/list-zh.pdf");
        let t = text(pdf).unwrap();
        assert!(t.contains("济南市第一人民医院") && t.contains("11010519491231002X"), "{t}");
        assert!(text(b"%PDF-1.7 garbage").is_err());
        assert_eq!(fold_radicals("第⼀⼈⺠医院⾝份证⻓⻔"), "第一人民医院身份证长门");
        let mut cut = pdf.to_vec();
        cut.truncate(pdf.len() / 2);
        let _ = text(&cut);
    }

    #[test]
    fn inflating_streams_are_refused() {
        // 80 MiB of zeros in a content stream: about 80 KB compressed.
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        for _ in 0..80 {
            z.write_all(&[0u8; 1 << 20]).unwrap();
        }
        let data = z.finish().unwrap();
        let mut content = format!("<< /Length {} /Filter /FlateDecode >>\nstream\n", data.len()).into_bytes();
        content.extend_from_slice(&data);
        content.extend_from_slice(b"\nendstream");
        let pdf = crate::fixtures::pdf_of(&[
            b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
            content,
        ]);
        let err = text(&pdf).unwrap_err();
        assert!(err.contains("inflates past"), "{err}");
    }
}
