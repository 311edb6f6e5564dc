//! Compression, entity tags and the whole-page cache, over HTTP against the real server.

use crate::common;

use common::App;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::io::Read;

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut out).expect("a gzip body");
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096).read_to_string(&mut out).expect("a brotli body");
    out
}

/// A GET with these headers; the body as raw bytes (reqwest here decodes nothing).
async fn fetch(app: &App, path: &str, headers: &[(&str, &str)]) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = common::client().get(app.url(path));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let (status, h) = (res.status(), res.headers().clone());
    (status, h, res.bytes().await.unwrap().to_vec())
}

fn header<'a>(h: &'a reqwest::header::HeaderMap, name: &str) -> &'a str {
    h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Writes, submits and passes a document of 医保局 through the API; returns its id.
async fn publish_via_api(app: &App, title: &str, attachment: Option<Vec<u8>>) -> (i64, Option<i64>) {
    let editor = app.token("ybj_editor").await;
    let res = app
        .api_json(
            Method::POST,
            &editor,
            "/api/v1/staff/documents",
            json!({"title": title, "topic": "health", "genre": "notice", "body": "<p>为方便参保群众办理业务，现将有关事项通知如下。</p>"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut attachment_id = None;
    if let Some(pdf) = attachment {
        let part = reqwest::multipart::Part::bytes(pdf).file_name("参保须知.pdf");
        let res = common::client()
            .post(app.url(&format!("/api/v1/staff/documents/{id}/attachments")))
            .bearer_auth(&editor)
            .multipart(reqwest::multipart::Form::new().part("file", part))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "upload: {}", res.status());
        attachment_id = res.json::<Value>().await.unwrap()["id"].as_i64();
    }
    let act = |token: String, body: Value| {
        let app = app.clone();
        async move {
            app.api_json(Method::POST, &token, &format!("/api/v1/staff/documents/{id}/actions"), body).await.status()
        }
    };
    assert_eq!(act(editor.clone(), json!({"action": "submit"})).await, StatusCode::OK);
    for r in ["ybj_reviewer1", "ybj_reviewer2", "ybj_reviewer3"] {
        let body = json!({"action": "approve", "override_reason": "附件为扫描件，已人工核对"});
        assert_eq!(act(app.token(r).await, body).await, StatusCode::OK, "{r}");
    }
    (id, attachment_id)
}

both!(compressed_pages_decode_to_the_same_page, |app: App| async move {
    let (status, plain_h, plain) = fetch(&app, "/", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&plain_h, "content-encoding"), "");
    assert!(header(&plain_h, "vary").contains("Accept-Encoding"));
    let plain = String::from_utf8(plain).unwrap();
    assert!(plain.contains("</html>"));

    let (_, h, gz) = fetch(&app, "/", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert!(gz.len() < plain.len() / 2, "{} of {}", gz.len(), plain.len());
    assert_eq!(gunzip(&gz), plain);
    // Security headers are on answers from the cache too.
    assert!(header(&h, "content-security-policy").contains("default-src 'self'"));
    assert_eq!(header(&h, "x-frame-options"), "DENY");

    let (_, h, br) = fetch(&app, "/", &[("accept-encoding", "gzip, deflate, br, zstd")]).await;
    assert_eq!(header(&h, "content-encoding"), "br");
    assert_eq!(unbrotli(&br), plain);
    // Each encoding has its own strong tag.
    assert_ne!(header(&h, "etag"), header(&plain_h, "etag"));

    // Answers not kept are compressed on the way out: the API's JSON, a console page.
    let (_, h, json) = fetch(&app, "/api/v1/units", &[("accept-encoding", "br")]).await;
    assert_eq!(header(&h, "content-encoding"), "br");
    assert!(serde_json::from_str::<Value>(&unbrotli(&json)).unwrap()["items"].is_array());
    let (_, h, login) = fetch(&app, "/admin/login", &[("accept-encoding", "gzip")]).await;
    assert_eq!(header(&h, "content-encoding"), "gzip");
    assert!(gunzip(&login).contains("name=\"password\""));
    assert_eq!(header(&h, "cache-control"), "no-store");
});

both!(assets_are_precompressed_and_immutable_when_fingerprinted, |app: App| async move {
    let (_, _, home) = fetch(&app, "/", &[]).await;
    let home = String::from_utf8(home).unwrap();
    let css_url = home.split("href=\"").find(|s| s.starts_with("/static/site.css?v=")).unwrap();
    let css_url = &css_url[..css_url.find('"').unwrap()];
    let (status, h, plain) = fetch(&app, css_url, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, "cache-control"), "public, max-age=31536000, immutable");
    let (_, h, br) = fetch(&app, css_url, &[("accept-encoding", "br;q=1, gzip;q=0.5")]).await;
    assert_eq!(header(&h, "content-encoding"), "br");
    assert_eq!(header(&h, "cache-control"), "public, max-age=31536000, immutable");
    assert_eq!(unbrotli(&br).as_bytes(), &plain[..]);
    let etag = header(&h, "etag").to_string();
    let (status, _, body) = fetch(&app, css_url, &[("accept-encoding", "br"), ("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
    // Without this release's fingerprint the file must be checked again.
    let (_, h, _) = fetch(&app, "/static/site.css?v=old", &[]).await;
    assert_eq!(header(&h, "cache-control"), "public, no-cache");
});

both!(pages_and_files_answer_conditional_requests, |app: App| async move {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    for _ in 0..200 {
        pdf.extend_from_slice("% 医疗保障 padding line that compresses well\n".as_bytes());
    }
    let (id, attachment) = publish_via_api(&app, "关于调整城乡居民医保缴费标准的通知", Some(pdf.clone())).await;
    let path = format!("/documents/{id}");
    let (status, h, page) = fetch(&app, &path, &[("accept-encoding", "br")]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(unbrotli(&page).contains("关于调整城乡居民医保缴费标准的通知"));
    let etag = header(&h, "etag").to_string();
    let last_modified = header(&h, "last-modified").to_string();
    assert!(etag.starts_with('"') && etag.ends_with("-br\""), "{etag}");
    assert!(last_modified.ends_with(" GMT"), "{last_modified}");
    assert_eq!(header(&h, "cache-control"), "no-cache");

    // The tag of any encoding names the page; a changed tag does not.
    for (enc, tag) in [("br", etag.clone()), ("", etag.replace("-br\"", "\"")), ("gzip", etag.clone())] {
        let (status, h, body) = fetch(&app, &path, &[("accept-encoding", enc), ("if-none-match", &tag)]).await;
        assert_eq!(status, StatusCode::NOT_MODIFIED, "{enc} {tag}");
        assert!(body.is_empty());
        assert!(!header(&h, "etag").is_empty());
    }
    let (status, _, _) = fetch(&app, &path, &[("if-none-match", "\"0123\"")]).await;
    assert_eq!(status, StatusCode::OK);
    // By date, when no tag is sent.
    let (status, _, _) = fetch(&app, &path, &[("if-modified-since", &last_modified)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    let (status, _, _) = fetch(&app, &path, &[("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT")]).await;
    assert_eq!(status, StatusCode::OK);

    // The attachment: a PDF is never compressed; its tag is its SHA-256; a client holding it
    // gets a 304.
    let file = format!("/files/{}/参保须知.pdf", attachment.unwrap());
    let (status, h, body) = fetch(&app, &file, &[("accept-encoding", "gzip, br")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, "content-type"), "application/pdf");
    assert_eq!(header(&h, "content-encoding"), "");
    assert_eq!(body, pdf);
    let etag = header(&h, "etag").to_string();
    assert_eq!(etag.len(), 66, "{etag}");
    assert!(header(&h, "last-modified").ends_with(" GMT"));
    let (status, _, body) = fetch(&app, &file, &[("if-none-match", &etag)]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert!(body.is_empty());
});

both!(a_change_shows_at_once, |app: App| async move {
    let (_, _, before) = fetch(&app, "/", &[]).await;
    assert!(!app.state.pages.is_empty(), "the home page is kept");
    let title = "关于开展2026年度医保政策宣传月活动的通知";
    assert!(!String::from_utf8(before).unwrap().contains(title));
    // Published through the API on this node: on the home page at the next view.
    let (id, _) = publish_via_api(&app, title, None).await;
    let (_, _, after) = fetch(&app, "/", &[]).await;
    assert!(String::from_utf8(after).unwrap().contains(title));

    // Repealed: the kept document page goes at once.
    let (_, _, page) = fetch(&app, &format!("/documents/{id}"), &[]).await;
    assert!(!String::from_utf8(page).unwrap().contains("本文件已废止"));
    let res = app
        .api_json(
            Method::POST,
            &app.token("ybj_reviewer1").await,
            &format!("/api/v1/staff/documents/{id}/validity"),
            json!({"validity": "repealed", "validity_on": "2026-01-01"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, _, page) = fetch(&app, &format!("/documents/{id}"), &[]).await;
    assert!(String::from_utf8(page).unwrap().contains("本文件已废止（2026-01-01）"));

    // Written elsewhere (the command line, another node): seen when the indexer applies the
    // outbox, as every node's does.
    let other = "关于做好2026年医保基金监管工作的通知";
    app.published("济南市医疗保障局", other, "notice", "http-cache-1").await;
    app.sync_search().await;
    let (_, _, home) = fetch(&app, "/", &[]).await;
    assert!(String::from_utf8(home).unwrap().contains(other));
});

both!(elder_and_plain_pages_do_not_mix, |app: App| async move {
    for _ in 0..2 {
        let (_, _, plain) = fetch(&app, "/", &[]).await;
        let (_, _, elder) = fetch(&app, "/", &[("cookie", "gk_elder=1")]).await;
        let (_, _, elder_br) = fetch(&app, "/", &[("cookie", "gk_elder=1"), ("accept-encoding", "br")]).await;
        assert!(!String::from_utf8(plain).unwrap().contains("class=\"elder\""));
        assert!(String::from_utf8(elder).unwrap().contains("<html lang=\"zh-CN\" class=\"elder\">"));
        assert!(unbrotli(&elder_br).contains("<html lang=\"zh-CN\" class=\"elder\">"));
    }
    assert_eq!(app.state.pages.len(), 2);
});

both!(staff_and_private_pages_bypass_the_cache, |app: App| async move {
    // A browser sends the session cookie to /admin only; a client that sends it anywhere is
    // treated as signed in: nothing kept is served to it and nothing it gets is kept.
    let cookie = "gk_session=anything-signed-in; gk_elder=0";
    let (status, h, _) = fetch(&app, "/about", &[("cookie", cookie)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(header(&h, "etag"), "");
    assert!(app.state.pages.is_empty());
    let (_, h, _) = fetch(&app, "/about", &[]).await;
    assert!(!header(&h, "etag").is_empty());
    assert_eq!(app.state.pages.len(), 1);
    let (_, h, _) = fetch(&app, "/about", &[("cookie", cookie)]).await;
    assert_eq!(header(&h, "etag"), "", "a kept page went to a signed-in client");

    // Pages with per-visitor content or no-store are never kept.
    for path in ["/requests/new", "/requests/track", "/requests", "/admin/login", "/preferences/elder?on=1&return=/"] {
        let (_, h, _) = fetch(&app, path, &[]).await;
        assert_eq!(header(&h, "etag"), "", "{path}");
    }
    let (_, h, _) = fetch(&app, "/api/v1/units", &[]).await;
    assert_eq!(header(&h, "etag"), "");
    assert_eq!(app.state.pages.len(), 1);
});
