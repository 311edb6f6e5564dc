//! What an uploaded file really is, from its first bytes and, for Office files, the names in
//! its ZIP directory. This runs in the server's process, unlike the rest of this crate: it
//! reads a few bytes and the archive's central directory, and inflates nothing.

use gongkai_domain::attachments::FileKind;

fn zip_has(bytes: &[u8], entry: &str) -> bool {
    zip::ZipArchive::new(std::io::Cursor::new(bytes)).is_ok_and(|mut z| z.by_name(entry).is_ok())
}

/// What a file really is, by its first bytes (and for Office files, by what the archive holds),
/// checked against its name: a script renamed `.pdf` is refused.
pub fn detect(name: &str, bytes: &[u8]) -> std::result::Result<FileKind, String> {
    let kind = if bytes.starts_with(b"%PDF-") {
        FileKind::Pdf
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        FileKind::Png
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        FileKind::Jpeg
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        FileKind::Gif
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        FileKind::Webp
    } else if bytes.len() > 12 && &bytes[4..8] == b"ftyp" {
        FileKind::Mp4
    } else if bytes.starts_with(b"ID3") || (bytes.len() > 2 && bytes[0] == 0xFF && bytes[1] & 0xE0 == 0xE0) {
        FileKind::Mp3
    } else if bytes.starts_with(b"PK\x03\x04") && zip_has(bytes, "word/document.xml") {
        FileKind::Docx
    } else if bytes.starts_with(b"PK\x03\x04") && zip_has(bytes, "xl/workbook.xml") {
        FileKind::Xlsx
    } else {
        return Err(
            "只能上传 PDF、Word（.docx）、Excel（.xlsx）文件，PNG、JPEG、GIF、WebP 图片和 MP4 视频、MP3 音频".into()
        );
    };
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    if !kind.extensions().contains(&ext.as_str()) {
        return Err(format!("文件内容与扩展名“.{ext}”不符，请检查文件"));
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_with(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            for (name, body) in entries {
                z.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
                z.write_all(body.as_bytes()).unwrap();
            }
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn files_are_known_by_their_content() {
        let docx = zip_with(&[(
            "word/document.xml",
            "<w:document><w:body><w:p><w:r><w:t>第一段</w:t></w:r></w:p><w:p><w:r><w:t xml:space=\"preserve\">第二段 &amp; 附表</w:t></w:r></w:p><w:tbl></w:tbl></w:body></w:document>",
        )]);
        let xlsx = zip_with(&[
            ("xl/workbook.xml", "<workbook/>"),
            ("xl/sharedStrings.xml", "<sst><si><t>定点医疗机构</t></si><si><t>历下区</t></si></sst>"),
        ]);
        let cases: Vec<(&str, Vec<u8>, Result<FileKind, ()>)> = vec![
            ("通知.pdf", b"%PDF-1.7 ...".to_vec(), Ok(FileKind::Pdf)),
            ("附件.DOCX", docx.clone(), Ok(FileKind::Docx)),
            ("名单.xlsx", xlsx.clone(), Ok(FileKind::Xlsx)),
            ("图解.png", vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0], Ok(FileKind::Png)),
            ("照片.jpg", vec![0xFF, 0xD8, 0xFF, 0xE0], Ok(FileKind::Jpeg)),
            ("解读.mp4", b"\0\0\0\x20ftypisom\0\0\x02\0".to_vec(), Ok(FileKind::Mp4)),
            ("解读.mp3", b"ID3\x04\0\0\0\0\0\0".to_vec(), Ok(FileKind::Mp3)),
            ("解读.mp3", b"\0\0\0\x20ftypisom\0\0\x02\0".to_vec(), Err(())),
            ("脚本.pdf", b"#!/bin/sh\nrm -rf /".to_vec(), Err(())),
            ("页面.pdf", b"<html><script>alert(1)</script>".to_vec(), Err(())),
            ("伪装.pdf", docx.clone(), Err(())),
            ("压缩包.zip", zip_with(&[("a.txt", "x")]), Err(())),
            ("空.pdf", Vec::new(), Err(())),
        ];
        for (name, bytes, expected) in cases {
            assert_eq!(detect(name, &bytes).map_err(|_| ()), expected, "{name}");
        }
        // Their text is read by gongkai-extract, in a limited child process.
    }
}
