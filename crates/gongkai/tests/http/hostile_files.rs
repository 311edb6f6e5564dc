//! Hostile files: PDFs, DOCX/XLSX attachments and standard-list workbooks made to overflow the
//! parser's stack, inflate to gigabytes or declare billions of cells. Each fails its own
//! extraction in a limited child process; the server answers clearly and keeps serving. On the
//! old code (parsing in the server's process) these tests abort the test process.

use crate::common;
use common::{App, Db, TestApp, client};
use flate2::Compression;
use flate2::write::ZlibEncoder;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;

/// The test options with small extraction limits, so that hostile files fail fast.
fn options() -> gongkai_web::ServerOptions {
    gongkai_web::ServerOptions {
        attachment_limit: 4 << 20,
        extract_limits: gongkai_extract::Limits {
            memory_mb: 192,
            cpu_secs: 15,
            wall_secs: 30,
            output_bytes: 1 << 20,
            jobs: 2,
        },
        ..TestApp::options()
    }
}

use gongkai_extract::fixtures::pdf_of;

/// A one-page PDF whose page content is `stream` (a dictionary and stream bytes).
fn pdf_with_content(content: Vec<u8>) -> Vec<u8> {
    pdf_of(&[
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        content,
    ])
}

/// A FlateDecode stream of `chunks` times `chunk`.
fn deflated_stream(chunk: &[u8], chunks: usize) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    for _ in 0..chunks {
        z.write_all(chunk).unwrap();
    }
    let data = z.finish().unwrap();
    let mut out = format!("<< /Length {} /Filter /FlateDecode >>\nstream\n", data.len()).into_bytes();
    out.extend_from_slice(&data);
    out.extend_from_slice(b"\nendstream");
    out
}

/// 50,000 nested arrays: a recursive parser overflows its stack.
fn nested_pdf() -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>".to_vec(),
        b"<< /Length 0 >>\nstream\n\nendstream".to_vec(),
    ];
    objects.push([vec![b'['; 50_000], vec![b']'; 50_000]].concat());
    pdf_of(&objects)
}

/// A content stream of 1 GiB of zeros, about 1 MB compressed (made once per test process).
fn inflating_pdf() -> Vec<u8> {
    static PDF: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    PDF.get_or_init(|| pdf_with_content(deflated_stream(&[0u8; 1 << 20], 1024))).clone()
}

/// 16 MiB of `0 ` operands, about 16 KB compressed: parsed, each is an object, and memory
/// peaks at gigabytes.
fn peaking_pdf() -> Vec<u8> {
    pdf_with_content(deflated_stream(&b"0 ".repeat(1 << 19), 16))
}

/// A zip of these parts, the last one `size` bytes of spaces (compressing about 1000:1).
fn zip_bomb(parts: &[(&str, &str)], bomb: &str, size: usize) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        for (name, body) in parts {
            z.start_file(*name, deflated).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.start_file(bomb, deflated).unwrap();
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..size >> 20 {
            z.write_all(&spaces).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="清单" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#;
const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;

/// A workbook whose shared strings are 1 GiB of whitespace (about 1 MB compressed; made once
/// per test process).
fn xlsx_bomb() -> Vec<u8> {
    static XLSX: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    XLSX.get_or_init(xlsx_bomb_once).clone()
}

fn xlsx_bomb_once() -> Vec<u8> {
    zip_bomb(
        &[
            ("[Content_Types].xml", CONTENT_TYPES),
            ("xl/workbook.xml", WORKBOOK),
            ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
            ("xl/worksheets/sheet1.xml", SHEET),
        ],
        "xl/sharedStrings.xml",
        1 << 30,
    )
}

/// A workbook with cells A1 and XFD1048576: a dense reader asks for 2^34 cells.
fn xlsx_corners() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "A1").unwrap();
    sheet.write_string(1_048_575, 16_383, "XFD1048576").unwrap();
    book.save_to_buffer().unwrap()
}

fn docx(text: &str) -> Vec<u8> {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        let xml = format!("<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>");
        z.write_all(xml.as_bytes()).unwrap();
        z.finish().unwrap();
    }
    buf.into_inner()
}

async fn upload(app: &App, token: &str, doc: i64, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
    client()
        .post(app.url(&format!("/api/v1/staff/documents/{doc}/attachments")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn still_serving(app: &App) {
    assert_eq!(app.get("/").await.status(), StatusCode::OK, "the server keeps serving");
}

both_with!(hostile_attachments_fail_their_own_extraction, options, |app: App| async move {
    let token = app.token("ybj_editor").await;
    let res = app
        .api_json(
            reqwest::Method::POST,
            &token,
            "/api/v1/staff/documents",
            json!({"title": "关于公布定点医疗机构名单的通知", "topic": "health", "genre": "notice", "body": "<p>名单见附件。</p>"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let doc = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let hostile = [
        ("嵌套.pdf", nested_pdf()),
        ("膨胀.pdf", inflating_pdf()),
        ("内存.pdf", peaking_pdf()),
        ("膨胀.xlsx", xlsx_bomb()),
    ];
    for (name, bytes) in hostile {
        let res = upload(&app, &token, doc, name, bytes).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{name}: the file is stored");
        still_serving(&app).await;
    }
    // A good file next to them is read as before.
    let res = upload(&app, &token, doc, "名单.docx", docx("联系人身份证 11010519491231002X")).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let report: Value =
        app.api_get(&token, &format!("/api/v1/staff/documents/{doc}/checks")).await.json().await.unwrap();
    let skipped: Vec<(&str, &str)> = report["skipped_attachments"]
        .as_array()
        .expect("the report lists the attachments it skipped")
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        ["嵌套.pdf", "膨胀.pdf", "内存.pdf", "膨胀.xlsx"].map(|n| (n, "附件文字无法提取，已跳过检查")).to_vec()
    );
    assert_eq!(report["personal_information"].as_array().unwrap().len(), 1, "the good file is checked");
    let files = app.store.attachments_current(doc).await.unwrap();
    assert_eq!(files.iter().filter(|a| a.text_unavailable).count(), 4);

    // The reviewer sees it on the console page too.
    let reviewer = app.login("ybj_reviewer1").await;
    let (status, page) = reviewer.text(&format!("/admin/documents/{doc}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("嵌套.pdf：附件文字无法提取，已跳过检查"), "{page}");
    still_serving(&app).await;
});

async fn upload_list(app: &App, token: &str, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("level", "city")
        .text("domain", "医疗保障")
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name("清单.xlsx"));
    client().post(app.url("/api/v1/staff/standards")).bearer_auth(token).multipart(form).send().await.unwrap()
}

both_with!(hostile_standard_lists_are_refused_clearly, options, |app: App| async move {
    let token = app.token("gkb").await;
    let res = upload_list(&app, &token, xlsx_corners()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(body.contains("清单文件") && body.contains("A1:XFD1048576") && body.contains("10000 行"), "{body}");
    still_serving(&app).await;

    let res = upload_list(&app, &token, xlsx_bomb()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(body.contains("清单文件") && body.contains("解压后超过"), "{body}");
    still_serving(&app).await;
});

/// Without an extractor program nothing is parsed: attachments are stored with their text
/// marked unavailable, standard lists are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_extractor_nothing_is_parsed() {
    let app = TestApp::start_with(Db::Sqlite, gongkai_web::ServerOptions { extractor: None, ..options() }).await;
    let handle = app.clone_handle();
    let token = handle.token("gkb").await;
    let res = upload_list(&handle, &token, xlsx_corners()).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("文件无法读取"));
    app.stop().await;
}
