//! A document from draft to the public over HTTP: an editor drafts in the console, three
//! different reviewers approve, the checks hold up 终审 until personal information is masked
//! or a reason is recorded, the citizen finds it; then a revision, withdrawal, and the API.

use crate::common;
use common::{App, location};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn id_from(loc: &str) -> i64 {
    loc.trim_start_matches("/admin/documents/").split('?').next().unwrap().parse().unwrap()
}

both!(draft_review_publish_find_revise_withdraw, |app: App| async move {
    let editor = app.login("ybj_editor").await;
    let body = "<p class=MsoNormal>为做好门诊慢特病医疗保障工作，现就有关事项通知如下。</p><p>联系人身份证号11010519491231002X，本文件为内部资料。</p><p><a href=\"/documents/999999\">失效链接</a></p>";
    let res = editor
        .post(
            "/admin/documents",
            &[
                ("title", "济南市医疗保障局关于做好门诊慢特病待遇保障工作的通知"),
                ("doc_no", "济医保字[2025]3号"),
                ("written_on", "2025-03-03"),
                ("topic", "health"),
                ("genre", "normative"),
                ("body", body),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = id_from(&location(&res));
    let (_, page) = editor.text(&format!("/admin/documents/{id}")).await;
    assert!(
        page.contains("个人信息（1 处）") && page.contains("内部资料") && page.contains("失效链接：/documents/999999"),
        "checks are shown"
    );
    assert!(!page.contains("MsoNormal"), "Word markup is gone");
    // Bad input is named.
    let res = editor
        .post(
            &format!("/admin/documents/{id}"),
            &[("title", ""), ("doc_no", "济医保字2025年3号"), ("topic", "health"), ("genre", "normative")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("标题：不能为空") && html.contains("文号：格式不正确"));
    // Submit; the author cannot review.
    assert_eq!(
        editor.post(&format!("/admin/documents/{id}/act"), &[("action", "submit")]).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        editor.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await.status(),
        StatusCode::FORBIDDEN
    );
    let r1 = app.login("ybj_reviewer1").await;
    assert_eq!(
        r1.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let again = r1.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().await.unwrap().contains("每一审核环节须由不同的人完成"));
    let r2 = app.login("ybj_reviewer2").await;
    assert_eq!(
        r2.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await.status(),
        StatusCode::SEE_OTHER
    );
    // 终审 is blocked while the checks find problems.
    let r3 = app.login("ybj_reviewer3").await;
    let blocked =
        r3.post(&format!("/admin/documents/{id}/act"), &[("action", "approve"), ("confirm_publish", "1")]).await;
    assert_eq!(blocked.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blocked.text().await.unwrap().contains("发布前检查发现的问题尚未处理"));
    assert_eq!(r3.post(&format!("/admin/documents/{id}/mask"), &[]).await.status(), StatusCode::SEE_OTHER);
    let (_, page) = r3.text(&format!("/admin/documents/{id}")).await;
    assert!(page.contains("110105********002X") && !page.contains("11010519491231002X"), "masked in place");
    let res = r3
        .post(
            &format!("/admin/documents/{id}/act"),
            &[
                ("action", "approve"),
                ("confirm_publish", "1"),
                ("override_reason", "“内部资料”系引用文件名称，链接将在发布后修正"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let doc = app.store.document(id).await.unwrap().unwrap();
    assert_eq!(doc.status.code(), "published");
    let code = app.store.unit(doc.unit_id).await.unwrap().unwrap().credit_code.unwrap();
    assert_eq!(doc.index_no.as_deref(), Some(format!("{code}/{}-00001", chrono::Utc::now().format("%Y")).as_str()));

    // The citizen finds it and reads it.
    app.sync_search().await;
    for q in ["门诊慢特病", "济医保字〔2025〕3号", "济医保字(2025)3号", "医保"] {
        let res: Value = app
            .get(&format!(
                "/api/v1/search?q={}",
                url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
            ))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(res["hits"][0]["id"], id, "{q}");
    }
    let (status, html) = app.text(&format!("/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("济医保字〔2025〕3号") && html.contains(&code) && html.contains("行政规范性文件"));
    assert!(!html.contains("11010519491231002X"));

    // A revision keeps the public version until it passes 终审; the update shows in history.
    assert_eq!(
        editor.post(&format!("/admin/documents/{id}/act"), &[("action", "revise")]).await.status(),
        StatusCode::SEE_OTHER
    );
    let res = editor
        .post(
            &format!("/admin/documents/{id}"),
            &[
                ("title", "济南市医疗保障局关于做好门诊慢特病待遇保障工作的通知"),
                ("doc_no", "济医保字〔2025〕3号"),
                ("topic", "health"),
                ("genre", "normative"),
                ("body", "<p>为做好门诊慢特病医疗保障工作，现就有关事项通知如下。修订后的正文。</p>"),
                ("change_note", "补充申报材料清单"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, html) = app.text(&format!("/documents/{id}")).await;
    assert!(!html.contains("修订后的正文"), "the public still sees the published version");
    editor.post(&format!("/admin/documents/{id}/act"), &[("action", "submit")]).await;
    r1.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await;
    r2.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await;
    assert_eq!(
        r3.post(&format!("/admin/documents/{id}/act"), &[("action", "approve"), ("confirm_publish", "1")])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (_, html) = app.text(&format!("/documents/{id}")).await;
    assert!(html.contains("修订后的正文") && html.contains("更新记录") && html.contains("补充申报材料清单"));

    // Withdrawal: kept with a notice, or gone with a notice.
    let res = r1
        .post(
            &format!("/admin/documents/{id}/act"),
            &[("action", "withdraw"), ("reason", "withdrawn"), ("note", "政策已调整")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, html) = app.text(&format!("/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("本信息已撤回") && html.contains("政策已调整"));
    app.sync_search().await;
    let res: Value =
        app.get("/api/v1/search?q=%E9%97%A8%E8%AF%8A%E6%85%A2%E7%89%B9%E7%97%85").await.json().await.unwrap();
    assert_eq!(res["total"], 0, "withdrawn documents leave the index");
    assert!(app.store.audit_verify().await.unwrap().is_ok());
});

both!(the_api_drives_the_same_workflow, |app: App| async move {
    let editor = app.token("ybj_editor").await;
    let res = app.api_json(Method::POST, &editor, "/api/v1/staff/documents", json!({"title": "关于公布2025年定点医药机构名单的通知", "topic": "health", "genre": "notice", "body": "第一段\n\n第二段", "body_is_text": true})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let doc: Value = res.json().await.unwrap();
    let id = doc["id"].as_i64().unwrap();
    assert_eq!(doc["body_html"], "<p>第一段</p><p>第二段</p>");
    let res = app
        .api_json(
            Method::POST,
            &editor,
            "/api/v1/staff/documents",
            json!({"title": "x", "topic": "health", "genre": "novel"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["field"], "genre");
    let act = |token: String, action: &'static str| {
        let app = app.clone();
        async move {
            app.api_json(
                Method::POST,
                &token,
                &format!("/api/v1/staff/documents/{id}/actions"),
                json!({"action": action}),
            )
            .await
        }
    };
    assert_eq!(act(editor.clone(), "submit").await.status(), StatusCode::OK);
    let checks: Value =
        app.api_get(&editor, &format!("/api/v1/staff/documents/{id}/checks")).await.json().await.unwrap();
    assert_eq!(checks["clear"], true);
    for reviewer in ["ybj_reviewer1", "ybj_reviewer2", "ybj_reviewer3"] {
        let res = act(app.token(reviewer).await, "approve").await;
        assert_eq!(res.status(), StatusCode::OK, "{reviewer}");
    }
    let published: Value = app.api_get(&editor, &format!("/api/v1/staff/documents/{id}")).await.json().await.unwrap();
    assert_eq!(published["status"], "published");
    let public: Value = app.get(&format!("/api/v1/documents/{id}")).await.json().await.unwrap();
    assert_eq!(public["title"], "关于公布2025年定点医药机构名单的通知");
    let list: Value = app.get(&format!("/api/v1/documents?unit={}", published["unit_id"])).await.json().await.unwrap();
    assert_eq!(list["items"][0]["id"], id);
    // Another unit's reviewer cannot act on it.
    let zjj = app.token("zjj_editor").await;
    assert_eq!(act(zjj, "revise").await.status(), StatusCode::FORBIDDEN);
    let res = app
        .api_json(
            Method::POST,
            &app.token("ybj_reviewer1").await,
            &format!("/api/v1/staff/documents/{id}/actions"),
            json!({"action": "reject"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "nothing to reject, and a comment would be needed");
    let res = app
        .api_json(
            Method::POST,
            &app.token("ybj_reviewer1").await,
            &format!("/api/v1/staff/documents/{id}/validity"),
            json!({"validity": "repealed", "validity_on": "2025-12-31"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let public: Value = app.get(&format!("/api/v1/documents/{id}")).await.json().await.unwrap();
    assert_eq!((public["validity"].as_str(), public["validity_on"].as_str()), (Some("repealed"), Some("2025-12-31")));
    let res = app
        .api_json(
            Method::POST,
            &app.token("ybj_reviewer1").await,
            &format!("/api/v1/staff/documents/{id}/actions"),
            json!({"action": "withdraw", "reason": "in_error", "note": "误发"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get(&format!("/documents/{id}")).await.status(), StatusCode::GONE);
    assert_eq!(app.get(&format!("/api/v1/documents/{id}")).await.status(), StatusCode::NOT_FOUND);
});

both!(scheduled_publication, |app: App| async move {
    let editor = app.token("ybj_editor").await;
    let res = app
        .api_json(Method::POST, &editor, "/api/v1/staff/documents", json!({"title": "定时发布的公告", "topic": "general", "genre": "notice", "body": "<p>正文</p>", "publish_at": "2099-01-01 09:00"}))
        .await;
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    app.api_json(Method::POST, &editor, &format!("/api/v1/staff/documents/{id}/actions"), json!({"action": "submit"}))
        .await;
    for reviewer in ["ybj_reviewer1", "ybj_reviewer2", "ybj_reviewer3"] {
        app.api_json(
            Method::POST,
            &app.token(reviewer).await,
            &format!("/api/v1/staff/documents/{id}/actions"),
            json!({"action": "approve"}),
        )
        .await;
    }
    assert_eq!(app.store.document(id).await.unwrap().unwrap().status.code(), "scheduled");
    assert_eq!(gongkai_web::publish_due(&app.state).await.unwrap(), 0, "not yet");
    assert_eq!(app.get(&format!("/documents/{id}")).await.status(), StatusCode::NOT_FOUND);
    // The time comes.
    let mut conn = common::raw_conn(&app.store).await;
    sqlx::query("UPDATE documents SET publish_at = '2000-01-01 09:00' WHERE id = $1")
        .bind(id)
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(gongkai_web::publish_due(&app.state).await.unwrap(), 1);
    assert_eq!(app.get(&format!("/documents/{id}")).await.status(), StatusCode::OK);
    let records = app
        .store
        .audit_list(&gongkai_store::AuditFilter { actor: Some("system:scheduler".into()), ..Default::default() }, 5, 0)
        .await
        .unwrap()
        .items;
    assert_eq!(records[0].action, "document.publish_due");
});

fn docx(text: &str) -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        z.start_file("word/document.xml", zip::write::SimpleFileOptions::default()).unwrap();
        z.write_all(
            format!("<w:document><w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>").as_bytes(),
        )
        .unwrap();
        z.finish().unwrap();
    }
    buf.into_inner()
}

async fn upload(s: &common::Session, doc: i64, name: &str, bytes: Vec<u8>, alt: &str) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()))
        .text("alt", alt.to_string());
    s.client
        .post(s.url(&format!("/admin/documents/{doc}/attachments?_csrf={}", s.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

both!(attachments_are_checked_versioned_and_found, |app: App| async move {
    let editor = app.login("ybj_editor").await;
    let res = editor
        .post(
            "/admin/documents",
            &[
                ("title", "关于公布定点医疗机构名单的通知"),
                ("topic", "health"),
                ("genre", "notice"),
                ("body", "<p>名单见附件。</p>"),
            ],
        )
        .await;
    let id = id_from(&location(&res));
    // Refused by content, with the field named.
    let res = upload(&editor, id, "名单.pdf", b"#!/bin/sh\necho pwned".to_vec(), "").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("只能上传 PDF"));
    let res = upload(&editor, id, "名单.pdf", docx("x"), "").await;
    assert!(res.text().await.unwrap().contains("文件内容与扩展名“.pdf”不符"));
    let png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];
    let res = upload(&editor, id, "图解.png", png.clone(), "").await;
    assert!(res.text().await.unwrap().contains("图片须有文字说明"));
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes([b"%PDF-1.7\n".to_vec(), vec![b'x'; 1_200_000]].concat())
            .file_name("大文件.pdf"),
    );
    match editor
        .client
        .post(editor.url(&format!("/admin/documents/{id}/attachments?_csrf={}", editor.csrf)))
        .multipart(form)
        .send()
        .await
    {
        Ok(res) => assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE),
        // The server may answer 413 and close while the body is still being written.
        Err(e) => assert!(e.is_request(), "{e}"),
    }
    let csrf_missing = editor
        .client
        .post(editor.url(&format!("/admin/documents/{id}/attachments")))
        .multipart(reqwest::multipart::Form::new().text("alt", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(csrf_missing.status(), StatusCode::BAD_REQUEST, "uploads need the form token too");
    // Accepted: a Word table with a person's number in it, and an image with its description.
    assert_eq!(
        upload(
            &editor,
            id,
            "定点医疗机构名单.docx",
            docx("历下区定点医疗机构：济南市第一人民医院，联系人身份证11010519491231002X"),
            ""
        )
        .await
        .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        upload(&editor, id, "图解.png", png.clone(), "定点医疗机构分布示意图").await.status(),
        StatusCode::SEE_OTHER
    );
    // An audio interpretation needs its text alternative too.
    let mp3 = b"ID3\x04\0\0\0\0\0\0audio".to_vec();
    let res = upload(&editor, id, "政策解读.mp3", mp3.clone(), "").await;
    assert!(res.text().await.unwrap().contains("音视频须附文字说明"));
    assert_eq!(
        upload(&editor, id, "政策解读.mp3", mp3, "局长解读定点医疗机构管理办法的录音文字稿").await.status(),
        StatusCode::SEE_OTHER
    );
    let (_, page) = editor.text(&format!("/admin/documents/{id}")).await;
    assert!(page.contains("定点医疗机构名单.docx") && page.contains("个人信息（1 处）"), "the checks read attachments");
    assert!(
        app.get(&format!("/files/{}/x", app.store.attachments_current(id).await.unwrap()[0].id)).await.status()
            == StatusCode::NOT_FOUND,
        "not public before publication"
    );
    // Replace the docx with a clean one, then publish.
    let files = app.store.attachments_current(id).await.unwrap();
    let docx_id = files.iter().find(|a| a.name.ends_with(".docx")).unwrap().id;
    assert_eq!(
        editor.post(&format!("/admin/documents/{id}/attachments/{docx_id}/delete"), &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    upload(&editor, id, "定点医疗机构名单.docx", docx("历下区定点医疗机构：济南市第一人民医院、济南市中心医院"), "")
        .await;
    editor.post(&format!("/admin/documents/{id}/act"), &[("action", "submit")]).await;
    app.approve_all_stages(id).await;
    let (status, html) = app.text(&format!("/documents/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(">定点医疗机构名单</a> <span class=\"file-meta\">")
            && html.contains("alt=\"定点医疗机构分布示意图\"")
    );
    assert!(html.contains("<audio controls") && html.contains("录音文字稿"), "the audio plays in the page");
    let public = app.store.attachments_public(id).await.unwrap();
    assert_eq!(public.len(), 3);
    let word = public.iter().find(|a| a.name.ends_with(".docx")).unwrap();
    let res = app.get(&format!("/files/{}/{}", word.id, "x.docx")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    );
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename*=UTF-8''"));
    assert_eq!(res.bytes().await.unwrap().len() as i64, word.size);
    // The attachment's text is searchable.
    app.sync_search().await;
    let found: Value = app
        .get("/api/v1/search?q=%E6%B5%8E%E5%8D%97%E5%B8%82%E4%B8%AD%E5%BF%83%E5%8C%BB%E9%99%A2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["hits"][0]["id"], id);
    // A revision that drops a file keeps it public until the revision is published.
    editor.post(&format!("/admin/documents/{id}/act"), &[("action", "revise")]).await;
    editor.post(&format!("/admin/documents/{id}/attachments/{}/delete", word.id), &[]).await;
    assert_eq!(app.store.attachments_public(id).await.unwrap().len(), 3);
    assert_eq!(app.store.attachments_current(id).await.unwrap().len(), 2);
    editor.post(&format!("/admin/documents/{id}/act"), &[("action", "discard")]).await;
    assert_eq!(
        app.store.attachments_current(id).await.unwrap().len(),
        3,
        "discarding the revision brings the file back"
    );
});

both!(word_lists_are_maintained_and_apply_at_once, |app: App| async move {
    let admin = app.token("admin").await;
    let res = app
        .api_json(
            Method::POST,
            &admin,
            "/api/v1/staff/wordlists",
            json!({"kind": "wrong", "word": "济南市医保局", "suggestion": "济南市医疗保障局"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let word: Value = res.json().await.unwrap();
    let res = app
        .api_json(
            Method::POST,
            &admin,
            "/api/v1/staff/wordlists",
            json!({"kind": "wrong", "word": "济南市医保局", "suggestion": "济南市医疗保障局"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT, "no duplicates");
    // Only system administrators keep the lists.
    let editor = app.token("ybj_editor").await;
    assert_eq!(app.api_get(&editor, "/api/v1/staff/wordlists").await.status(), StatusCode::FORBIDDEN);
    // The next check of a draft finds the new expression.
    let res = app
        .api_json(
            Method::POST,
            &editor,
            "/api/v1/staff/documents",
            json!({"title": "通知", "topic": "health", "genre": "notice", "body": "<p>请到济南市医保局办理。</p>"}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let checks: Value =
        app.api_get(&editor, &format!("/api/v1/staff/documents/{id}/checks")).await.json().await.unwrap();
    let hit = checks["words"].as_array().unwrap().iter().find(|w| w["word"] == "济南市医保局").cloned();
    assert_eq!(hit.unwrap()["suggestion"], "济南市医疗保障局");
    assert_eq!(checks["clear"], false);
    // The console form names the missing field; removal applies at once.
    let session = app.login("admin").await;
    let res = session.post("/admin/wordlists", &[("kind", "wrong"), ("word", "市医保中心"), ("suggestion", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("href=\"#f-suggestion\""));
    let res = session.post(&format!("/admin/wordlists/{}/delete", word["id"]), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let checks: Value =
        app.api_get(&editor, &format!("/api/v1/staff/documents/{id}/checks")).await.json().await.unwrap();
    assert!(checks["words"].as_array().unwrap().iter().all(|w| w["word"] != "济南市医保局"));
    let (status, page) = session.text("/admin/wordlists").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("错误表述") && !page.contains("济南市医保局"));
});

both!(qa_interpretations_keep_their_pairs, |app: App| async move {
    let policy =
        app.published("济南市医疗保障局", "济南市门诊慢特病管理办法", "normative", "qa-policy").await.to_string();
    let editor = app.login("ybj_editor").await;
    let form = |qa: &'static str| {
        vec![
            ("title", "《门诊慢特病管理办法》问答解读"),
            ("topic", "health"),
            ("genre", "interpretation"),
            ("interpretation_form", "qa"),
            ("interprets_id", policy.as_str()),
            ("qa", qa),
        ]
    };
    // Bad pairs are named, with the line.
    for (qa, message) in [
        ("", "问答：问答形式的解读至少要有一组问答"),
        ("答：不需要。", "问答：第 1 行：问答应从以“问：”开头的一行开始"),
        ("问：需要重新申请吗？\n\n问：在哪里申请？\n答：定点医疗机构。", "问答：第 1 行的问题还没有“答：”"),
    ] {
        let res = editor.post("/admin/documents", &form(qa)).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{qa}");
        assert!(res.text().await.unwrap().contains(message), "{message}");
    }
    let res = editor
        .post(
            "/admin/documents",
            &form(
                "1. 问：已认定的病种需要重新申请吗？\n答：不需要，自动按新标准执行。\n（二）问：有疑问找谁？\n答：可拨打经办电话。\n咨询人员联系电话13905310000。",
            ),
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = id_from(&location(&res));
    let doc = app.store.document(id).await.unwrap().unwrap();
    assert_eq!(doc.qa.len(), 2);
    assert_eq!(doc.qa[0].question, "已认定的病种需要重新申请吗？");
    assert_eq!(doc.qa[1].answer, "可拨打经办电话。\n咨询人员联系电话13905310000。");
    // The checks read the answers, and the mask reaches them.
    let (_, page) = editor.text(&format!("/admin/documents/{id}")).await;
    assert!(page.contains("个人信息（1 处）"), "a phone number in an answer is found");
    assert_eq!(editor.post(&format!("/admin/documents/{id}/mask"), &[]).await.status(), StatusCode::SEE_OTHER);
    let doc = app.store.document(id).await.unwrap().unwrap();
    assert!(!doc.qa[1].answer.contains("13905310000") && doc.qa[1].answer.contains("139****0000"), "{:?}", doc.qa);
    let (_, edit) = editor.text(&format!("/admin/documents/{id}/edit")).await;
    assert!(edit.contains("问：有疑问找谁？\n答：可拨打经办电话。"), "the form shows the pairs as typed");
    editor.post(&format!("/admin/documents/{id}/act"), &[("action", "submit")]).await;
    app.approve_all_stages(id).await;
    // The public page, the API and search show the pairs of the published version.
    let (_, html) = app.text(&format!("/documents/{id}")).await;
    assert!(html.contains("<dl class=\"qa\">") && html.contains("已认定的病种需要重新申请吗？"));
    assert!(
        html.contains("<p>可拨打经办电话。</p><p>咨询人员联系电话139****0000。</p>"),
        "answers keep their paragraphs"
    );
    let public: Value = app.get(&format!("/api/v1/documents/{id}")).await.json().await.unwrap();
    assert_eq!(public["qa_pairs"][0]["answer"], "不需要，自动按新标准执行。");
    app.sync_search().await;
    let found: Value = app.get("/api/v1/search?q=%E7%BB%8F%E5%8A%9E%E7%94%B5%E8%AF%9D").await.json().await.unwrap();
    assert!(found["hits"].as_array().unwrap().iter().any(|h| h["id"] == id), "answers are searchable: {found}");
    let versions = app.store.document_versions(id).await.unwrap();
    assert_eq!(versions.len(), 1);

    // The API takes the pairs structured and names the bad one.
    let token = app.token("ybj_editor").await;
    let body = |pairs: Value| {
        json!({"title": "问答解读", "topic": "health", "genre": "interpretation", "interpretation_form": "qa",
            "interprets_id": policy.parse::<i64>().unwrap(), "qa_pairs": pairs})
    };
    let res = app
        .api_json(
            Method::POST,
            &token,
            "/api/v1/staff/documents",
            body(json!([{"question": "问什么？", "answer": " "}])),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["field"], "qa");
    assert!(problem["detail"].as_str().unwrap().contains("第 1 组问答的回答为空"), "{problem}");
    let res = app
        .api_json(
            Method::POST,
            &token,
            "/api/v1/staff/documents",
            body(json!([{"question": "问什么？", "answer": "答这个。"}])),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["qa_pairs"], json!([{"question": "问什么？", "answer": "答这个。"}]));
});

/// A far site for the link checker: a live page, a removed one, and one that refuses HEAD.
async fn far_site() -> String {
    use axum::http::{Method as M, StatusCode as S};
    let app = axum::Router::new()
        .route("/live", axum::routing::get(|| async { "ok" }))
        .route("/gone", axum::routing::get(|| async { (S::NOT_FOUND, "gone") }))
        .route(
            "/no-head",
            axum::routing::any(|m: M| async move { if m == M::HEAD { S::METHOD_NOT_ALLOWED } else { S::OK } }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// The link checker, allowed to reach the far site on this host (internal addresses are
/// refused otherwise).
fn far_checker() -> gongkai_web::link_checker::Checker {
    gongkai_web::link_checker::client(&gongkai_web::link_checker::AllowList::parse("127.0.0.1").unwrap())
}

both!(external_links_are_checked_in_the_background, |app: App| async move {
    let far = far_site().await;
    // A port nothing listens on: the server cannot be reached.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/page", l.local_addr().unwrap())
    };
    let body = format!(
        "<p>详见<a href=\"{far}/live\">国家医保局</a>、<a href=\"{far}/gone\">旧通知</a>、<a href=\"{far}/no-head\">省医保局</a>和<a href=\"{closed}\">内网系统</a>。</p>"
    );
    let token = app.token("ybj_editor").await;
    let res = app
        .api_json(
            Method::POST,
            &token,
            "/api/v1/staff/documents",
            json!({"title": "关于异地就医备案的通知", "topic": "health", "genre": "notice", "body": body}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let report = || async {
        app.api_get(&token, &format!("/api/v1/staff/documents/{id}/checks")).await.json::<Value>().await.unwrap()
    };
    let status_of = |r: &Value, path: &str| -> (String, String) {
        let l = r["links"].as_array().unwrap().iter().find(|l| l["url"].as_str().unwrap().ends_with(path)).unwrap();
        (l["status"].as_str().unwrap().to_string(), l["detail"].as_str().unwrap().to_string())
    };
    // At first the report does not wait on the far hosts.
    let first = report().await;
    assert_eq!(first["links"].as_array().unwrap().len(), 4);
    assert!(first["links"].as_array().unwrap().iter().all(|l| l["status"] == "pending" && l["external"] == true));
    assert_eq!(first["clear"], true, "pending links do not block");
    // One round of the background checker.
    let checked = gongkai_web::link_checker::check_due(&app.state, &far_checker()).await.unwrap();
    assert_eq!(checked, 4);
    let second = report().await;
    assert_eq!(status_of(&second, "/live").0, "ok");
    assert_eq!(status_of(&second, "/gone"), ("broken".to_string(), "HTTP 404".to_string()));
    assert_eq!(status_of(&second, "/no-head").0, "ok", "GET confirms what HEAD refused");
    assert_eq!(status_of(&second, "/page").0, "unreachable");
    assert_eq!(second["clear"], false, "a page that is gone blocks 终审");
    let editor = app.login("ybj_editor").await;
    let (_, page) = editor.text(&format!("/admin/documents/{id}")).await;
    assert!(page.contains(&format!("失效链接：{far}/gone（HTTP 404）")) && page.contains("暂时无法访问，请人工确认"));
    // Nothing is due until a result grows old.
    assert_eq!(gongkai_web::link_checker::check_due(&app.state, &far_checker()).await.unwrap(), 0);
});

// Issue 13 item 5: each reviewer sees what waits for them (in the dashboard, the menu count
// and the API), is offered 审核通过 only when the rule allows it and told why otherwise, and
// 终审 says it publishes and asks to confirm.
both!(reviewer_queue_and_final_confirmation, |app: App| async move {
    let editor = app.token("ybj_editor").await;
    let draft = |title: &'static str, publish_at: &'static str| {
        let app = app.clone();
        let editor = editor.clone();
        async move {
            let res = app
                .api_json(
                    Method::POST,
                    &editor,
                    "/api/v1/staff/documents",
                    json!({"title": title, "topic": "health", "genre": "notice", "body": "<p>正文</p>", "publish_at": publish_at}),
                )
                .await;
            let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
            let res = app
                .api_json(
                    Method::POST,
                    &editor,
                    &format!("/api/v1/staff/documents/{id}/actions"),
                    json!({"action": "submit"}),
                )
                .await;
            assert_eq!(res.status(), StatusCode::OK);
            id
        }
    };
    let now = draft("关于调整职工医保门诊统筹待遇的通知", "").await;
    let later = draft("关于开展医保基金监管集中宣传月活动的公告", "2099-12-08 09:00").await;
    let queue_ids = |token: String| {
        let app = app.clone();
        async move {
            let res = app.api_get(&token, "/api/v1/staff/reviews").await;
            assert_eq!(res.status(), StatusCode::OK);
            let body: Value = res.json().await.unwrap();
            let ids: Vec<i64> = body["items"].as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect();
            assert_eq!(body["total"].as_i64().unwrap() as usize, ids.len());
            ids
        }
    };
    let (t1, t2, t3) =
        (app.token("ybj_reviewer1").await, app.token("ybj_reviewer2").await, app.token("ybj_reviewer3").await);
    // 初审: every reviewer of the unit may take it; the editor and another unit see nothing.
    assert_eq!(queue_ids(t1.clone()).await, vec![now, later]);
    assert_eq!(queue_ids(editor.clone()).await, Vec::<i64>::new());
    assert_eq!(queue_ids(app.token("zjj_editor").await).await, Vec::<i64>::new());
    let r1 = app.login("ybj_reviewer1").await;
    let (_, dash) = r1.text("/admin").await;
    assert!(dash.contains("待我审核") && dash.contains("关于调整职工医保门诊统筹待遇的通知"), "dashboard list");
    assert!(dash.contains("<span class=\"nav-count\">2<"), "count in the menu");
    let (_, own) = r1.text("/admin/reviews").await;
    assert!(own.contains("共 2 篇文件等待您审核"));
    for id in [now, later] {
        assert_eq!(
            r1.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    // 复审: reviewer 1 took 初审, so it no longer waits for them and they are told why.
    assert_eq!(queue_ids(t1.clone()).await, Vec::<i64>::new());
    assert_eq!(queue_ids(t2.clone()).await, vec![now, later]);
    let (_, page) = r1.text(&format!("/admin/documents/{now}")).await;
    assert!(page.contains("您已参与本文的初审，按规定不能再复审"), "reason shown");
    assert!(!page.contains("value=\"approve\""), "no approve button offered");
    assert!(page.contains("退回修改"), "may still send it back");
    let perms: Value = app.api_get(&t1, &format!("/api/v1/staff/documents/{now}/review")).await.json().await.unwrap();
    assert_eq!(perms["may_approve"], false);
    assert_eq!(perms["may_reject"], true);
    assert!(perms["approve_refusal"].as_str().unwrap().contains("不能再复审"));
    let perms: Value = app.api_get(&t2, &format!("/api/v1/staff/documents/{now}/review")).await.json().await.unwrap();
    assert_eq!(
        (perms["may_approve"].as_bool(), perms["approve_leads_to"].as_str()),
        (Some(true), Some("review_final"))
    );
    let r2 = app.login("ybj_reviewer2").await;
    for id in [now, later] {
        r2.post(&format!("/admin/documents/{id}/act"), &[("action", "approve")]).await;
    }
    // 终审: says it publishes, asks to confirm, or names the scheduled time.
    assert_eq!(queue_ids(t2).await, Vec::<i64>::new());
    assert_eq!(queue_ids(t3.clone()).await, vec![now, later]);
    let items: Value = app.api_get(&t3, "/api/v1/staff/reviews").await.json().await.unwrap();
    assert_eq!(items["items"][0]["publishes_now"], true);
    assert_eq!(
        (items["items"][1]["publishes_now"].as_bool(), items["items"][1]["publish_at"].as_str()),
        (Some(false), Some("2099-12-08 09:00"))
    );
    let r3 = app.login("ybj_reviewer3").await;
    let (_, page) = r3.text(&format!("/admin/documents/{now}")).await;
    assert!(page.contains("终审并发布") && page.contains("我确认发布后将立即在门户网站公开"));
    let unconfirmed = r3.post(&format!("/admin/documents/{now}/act"), &[("action", "approve")]).await;
    assert_eq!(unconfirmed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.text().await.unwrap().contains("请勾选“我确认发布后将立即在门户网站公开”"));
    assert_eq!(app.store.document(now).await.unwrap().unwrap().status.code(), "review_final", "nothing published");
    let confirmed =
        r3.post(&format!("/admin/documents/{now}/act"), &[("action", "approve"), ("confirm_publish", "1")]).await;
    assert_eq!(confirmed.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.document(now).await.unwrap().unwrap().status.code(), "published");
    let (_, page) = r3.text(&format!("/admin/documents/{later}")).await;
    assert!(page.contains("将于 2099年12月8日 09:00 定时发布") && !page.contains("终审并发布"));
    assert_eq!(
        r3.post(&format!("/admin/documents/{later}/act"), &[("action", "approve")]).await.status(),
        StatusCode::SEE_OTHER,
        "a scheduled one needs no confirmation"
    );
    assert_eq!(app.store.document(later).await.unwrap().unwrap().status.code(), "scheduled");
    assert_eq!(queue_ids(t3).await, Vec::<i64>::new());
    let (_, dash) = r3.text("/admin").await;
    assert!(dash.contains("目前没有等待您审核的文件") && !dash.contains("nav-count"));
    // The version published shows its time in Beijing time, not as a raw UTC instant.
    let (_, page) = r3.text(&format!("/admin/documents/{now}")).await;
    let shown = gongkai_domain::time::display_instant(&gongkai_domain::time::format_instant(chrono::Utc::now()));
    assert!(page.contains(&format!("第 1 版 · {}", &shown[..shown.find(' ').unwrap()])), "Chinese date");
    assert!(!has_raw_instant(&page), "no RFC 3339 instant reaches the page");
});

/// Whether a text holds a stored instant as it is (`2026-12-05T12:33:55…`).
fn has_raw_instant(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(14).any(|w| {
        w[..4].iter().all(u8::is_ascii_digit)
            && w[4] == b'-'
            && w[7] == b'-'
            && w[10] == b'T'
            && w[11..13].iter().all(u8::is_ascii_digit)
            && w[13] == b':'
    })
}

// Issue 13 item 6: a returned draft says why at the top of its page, who returned it and when.
both!(a_returned_draft_shows_the_reason_at_the_top, |app: App| async move {
    let editor = app.token("ybj_editor").await;
    let res = app
        .api_json(
            Method::POST,
            &editor,
            "/api/v1/staff/documents",
            json!({"title": "关于公布2025年度医保定点机构年度考核结果的通知", "topic": "health", "genre": "notice", "body": "<p>正文</p>"}),
        )
        .await;
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let act = |token: String, body: Value| {
        let app = app.clone();
        async move { app.api_json(Method::POST, &token, &format!("/api/v1/staff/documents/{id}/actions"), body).await }
    };
    act(editor.clone(), json!({"action": "submit"})).await;
    let res = act(
        app.token("ybj_reviewer1").await,
        json!({"action": "reject", "comment": "请补充考核结果附件并核对机构名称"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let (_, page) = app.login("ybj_editor").await.text(&format!("/admin/documents/{id}")).await;
    let notice = page.find("本稿已被退回修改").expect("notice shown");
    let reason = page.find("请补充考核结果附件并核对机构名称").unwrap();
    assert!(notice < page.find("发布前检查").unwrap() && reason > notice, "at the top");
    assert!(page[notice..].contains("王强于") && page[notice..reason].contains("初审环节退回"));
    assert!(page[notice..reason].contains("年") && !has_raw_instant(&page));
    // Resubmitted, the notice goes.
    act(editor, json!({"action": "submit"})).await;
    let (_, page) = app.login("ybj_editor").await.text(&format!("/admin/documents/{id}")).await;
    assert!(!page.contains("本稿已被退回修改"));
});

// Issue 13 item 6: demo documents carry the times they would have had, not the moment the
// demo was loaded: drafted before, published on their publication day, updated then.
both!(demo_documents_have_realistic_times, |app: App| async move {
    app.load_disclosure_demo().await;
    let filter = gongkai_store::documents::DocumentFilter::default();
    let gongkai_store::Page { items: docs, total } = app.store.documents_list(&filter, 500, 0).await.unwrap();
    assert!(total > 5);
    let today = gongkai_domain::time::date_in_china(chrono::Utc::now());
    let mut days = std::collections::BTreeSet::new();
    for d in &docs {
        let created = d.created_at;
        let published = d.last_published_at.unwrap();
        let updated = d.updated_at;
        assert!(created < published && published <= updated, "{}", d.title);
        let day = gongkai_domain::time::date_in_china(published);
        assert_eq!(Some(day), d.published_on, "{}", d.title);
        assert!(day < today);
        days.insert(day);
    }
    assert!(days.len() > 3, "spread over months: {days:?}");
    let d = &docs[0];
    let shown = gongkai_domain::time::display_instant_at(d.updated_at);
    let (_, page) = app.text(&format!("/documents/{}", d.id)).await;
    assert!(page.contains(&format!("更新时间：{shown}")), "portal shows the real update time {shown}");
});

// Issue 13 item 6: an interpretation is linked by searching, not by a number copied from a
// URL. Without JavaScript the search is part of the form and keeps what was typed; the JSON
// endpoint answers the search-as-you-type.
both!(interpretations_are_linked_with_a_picker, |app: App| async move {
    let policy =
        app.published("济南市医疗保障局", "济南市门诊慢特病医疗保障管理办法", "normative", "picker-policy").await;
    let res = app
        .api_json(
            Method::POST,
            &app.token("ybj_editor").await,
            "/api/v1/staff/documents",
            json!({"title": "《济南市门诊慢特病医疗保障管理办法》政策解读", "topic": "health", "genre": "interpretation", "interprets_id": policy, "body": "<p>解读</p>"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let editor = app.login("ybj_editor").await;
    let typed = [
        ("title", "《济南市门诊慢特病医疗保障管理办法》图解"),
        ("topic", "health"),
        ("genre", "interpretation"),
        ("interpretation_form", "graphic"),
        ("body", "<p>一图读懂门诊慢特病待遇。</p>"),
        ("interprets_id", ""),
        ("interp_q", "门诊慢特病"),
    ];
    let mut search = typed.to_vec();
    search.push(("_picker", "search"));
    let res = editor.post("/admin/documents", &search).await;
    assert_eq!(res.status(), StatusCode::OK, "a search saves nothing");
    let html = res.text().await.unwrap();
    assert!(html.contains("找到 1 份文件"), "interpretations are not offered");
    assert!(html.contains(&format!("value=\"pick:{policy}\"")) && html.contains("一图读懂门诊慢特病待遇"));
    let mut pick = typed.to_vec();
    let value = format!("pick:{policy}");
    pick.push(("_picker", &value));
    let html = editor.post("/admin/documents", &pick).await.text().await.unwrap();
    assert!(html.contains("所解读的文件：<strong>《济南市门诊慢特病医疗保障管理办法》</strong>"));
    assert!(html.contains(&format!("name=\"interprets_id\" value=\"{policy}\"")) && html.contains("一图读懂"));
    let policy_id = policy.to_string();
    let mut save: Vec<(&str, &str)> = typed.iter().filter(|(k, _)| *k != "interprets_id").copied().collect();
    save.push(("interprets_id", &policy_id));
    let res = editor.post("/admin/documents", &save).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = id_from(&location(&res));
    assert_eq!(app.store.document(id).await.unwrap().unwrap().interprets_id, Some(policy));
    // The JSON behind search-as-you-type: the same search, staff only.
    let found: Value = editor
        .get(&format!(
            "/admin/documents/interpretable?q={}",
            url::form_urlencoded::byte_serialize("门诊慢特病".as_bytes()).collect::<String>()
        ))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = found.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![policy], "{found}");
    assert!(found[0]["detail"].as_str().unwrap().contains("索引号"));
    assert_ne!(app.get("/admin/documents/interpretable?q=x").await.status(), StatusCode::OK);
    // No number box is left to type into.
    let (_, form) = editor.text(&format!("/admin/documents/{id}/edit")).await;
    assert!(!form.contains("所解读的文件编号") && form.contains("查找所解读的文件"));
});
