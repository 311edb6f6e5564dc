//! Office Open XML (DOCX, XLSX): a zip of XML parts. The zip's declared sizes are checked and
//! every part is read through a cap, since declared sizes may lie; the XML is read by quick-xml,
//! a streaming reader that expands no entities but the five predefined ones and character
//! references, and keeps no tree.

use quick_xml::events::Event;
use std::io::{Read, Seek};

/// Most entries an Office file may hold (real ones have tens).
pub const MAX_ENTRIES: usize = 10_000;
/// Largest decompressed part, in bytes.
pub const MAX_PART: u64 = 64 << 20;
/// Largest decompressed total of all parts, in bytes.
pub const MAX_TOTAL: u64 = 128 << 20;

pub type Archive<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

pub fn open(bytes: &[u8]) -> Result<Archive<'_>, String> {
    let zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a zip archive: {e}"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!("{} zip entries, more than {MAX_ENTRIES}", zip.len()));
    }
    Ok(zip)
}

/// Checks every entry's declared and actual decompressed size against the caps, by
/// decompressing each through a cap into nothing. For readers (calamine) that open the parts
/// themselves and cannot be given a cap.
pub fn check_sizes<R: Read + Seek>(zip: &mut zip::ZipArchive<R>) -> Result<(), String> {
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| format!("zip entry {i}: {e}"))?;
        if entry.size() > MAX_PART {
            return Err(format!("zip entry {i} declares {} bytes, more than {MAX_PART}", entry.size()));
        }
        let read = std::io::copy(&mut entry.take(MAX_PART + 1), &mut std::io::sink())
            .map_err(|e| format!("zip entry {i}: {e}"))?;
        if read > MAX_PART {
            return Err(format!("zip entry {i} inflates past {MAX_PART} bytes"));
        }
        total += read;
        if total > MAX_TOTAL {
            return Err(format!("zip entries inflate past {MAX_TOTAL} bytes in all"));
        }
    }
    Ok(())
}

/// The text of the `<…:tag>` elements of one part, a line break between `<…:para>` elements;
/// at most `max_chars` characters.
fn part_text(bytes: &[u8], entry: &str, tag: &str, para: &str, max_chars: usize) -> Result<String, String> {
    let mut zip = open(bytes)?;
    let part = zip.by_name(entry).map_err(|e| format!("{entry}: {e}"))?;
    if part.size() > MAX_PART {
        return Err(format!("{entry} declares {} bytes, more than {MAX_PART}", part.size()));
    }
    // Cut at the cap even where the declared size lies; a cut part is an XML error below.
    let mut xml = quick_xml::Reader::from_reader(std::io::BufReader::new(part.take(MAX_PART)));
    xml.config_mut().trim_text(false);
    let mut out = Text { text: String::new(), chars: 0, max_chars, new_para: false };
    let mut inside = false;
    let mut buf = Vec::new();
    while out.chars < max_chars {
        buf.clear();
        match xml
            .read_event_into(&mut buf)
            .map_err(|e| format!("{entry}: XML error at {}: {e}", xml.buffer_position()))?
        {
            Event::Start(e) if e.local_name().as_ref() == tag => inside = true,
            Event::End(e) if e.local_name().as_ref() == tag => inside = false,
            Event::End(e) if e.local_name().as_ref() == para => out.new_para = true,
            Event::Text(t) if inside => out.push(&t.xml10_content()),
            Event::CData(t) if inside => out.push(&t),
            Event::GeneralRef(r) if inside => match r.resolve_char_ref() {
                Ok(Some(c)) => out.push(c.encode_utf8(&mut [0; 4])),
                _ => out.push(quick_xml::escape::resolve_predefined_entity(&r).unwrap_or("")),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out.text)
}

/// Text gathered up to a number of characters, a line break before each new paragraph.
struct Text {
    text: String,
    chars: usize,
    max_chars: usize,
    new_para: bool,
}

impl Text {
    fn push(&mut self, s: &str) {
        if self.new_para && !self.text.is_empty() {
            self.text.push('\n');
            self.chars += 1;
        }
        self.new_para = false;
        for c in s.chars().take(self.max_chars.saturating_sub(self.chars)) {
            self.text.push(c);
            self.chars += 1;
        }
    }
}

/// The text of a Word document's body, a paragraph a line.
pub fn docx_text(bytes: &[u8], max_chars: usize) -> Result<String, String> {
    part_text(bytes, "word/document.xml", "t", "p", max_chars)
}

/// The shared strings of a workbook (the text of its cells), a string a line.
pub fn xlsx_text(bytes: &[u8], max_chars: usize) -> Result<String, String> {
    part_text(bytes, "xl/sharedStrings.xml", "t", "si", max_chars)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::Write;

    pub fn zip_with(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            for (name, body) in entries {
                z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
                z.write_all(body).unwrap();
            }
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn word_and_excel_text() {
        let docx = zip_with(&[(
            "word/document.xml",
            "<w:document><w:body><w:p><w:r><w:t>第一段</w:t></w:r></w:p><w:p><w:r><w:t xml:space=\"preserve\">第二段 &amp; 附表&#x3002;</w:t></w:r></w:p><w:tbl></w:tbl></w:body></w:document>".as_bytes(),
        )]);
        assert_eq!(docx_text(&docx, 1000).unwrap(), "第一段\n第二段 & 附表。");
        assert_eq!(docx_text(&docx, 4).unwrap(), "第一段\n");
        let xlsx = zip_with(&[
            ("xl/workbook.xml", b"<workbook/>"),
            (
                "xl/sharedStrings.xml",
                "<sst><si><t>定点医疗机构</t></si><si><r><t>历下</t></r><r><t>区</t></r></si></sst>".as_bytes(),
            ),
        ]);
        assert_eq!(xlsx_text(&xlsx, 1000).unwrap(), "定点医疗机构\n历下区");
        assert!(docx_text(b"PK\x03\x04 broken", 1000).is_err());
        assert!(docx_text(&xlsx, 1000).is_err());
    }

    #[test]
    fn parts_are_read_through_a_cap() {
        // 80 MiB of spaces compress to about 80 KB; the part is cut at the cap and refused.
        let spaces = vec![b' '; (MAX_PART + (16 << 20)) as usize];
        let bomb = zip_with(&[("xl/workbook.xml", b"<workbook/>"), ("xl/sharedStrings.xml", &spaces)]);
        assert!(bomb.len() < 1 << 20);
        let err = check_sizes(&mut open(&bomb).unwrap()).unwrap_err();
        assert!(err.contains("more than") || err.contains("inflates"), "{err}");
        assert!(xlsx_text(&bomb, 1000).is_err());
    }
}
