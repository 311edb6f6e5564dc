//! 政府会议 and 图文直播 over HTTP on both databases: a meeting's notice published and its
//! decisions recorded; a live page whose posts, corrections, retractions and moderated
//! questions reach viewers over Server-Sent Events, a reconnecting viewer resuming with
//! Last-Event-ID and missing nothing; two nodes on one PostgreSQL database, a post on one
//! reaching a viewer of the other; and no published post lost to a kill -9.

use crate::common::{App, Server, client, problem, ready, solve};
use chrono::{Duration, Utc};
use gongkai_domain::time::local_minute_at;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn ok_json(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

/// One Server-Sent Event as read: id, event name, data.
#[derive(Debug, Clone, PartialEq)]
struct Sse {
    id: i64,
    event: String,
    data: Value,
}

/// A viewer's open stream.
struct Viewer {
    res: reqwest::Response,
    buf: String,
}

impl Viewer {
    async fn open(base: &str, blog: i64, last: Option<i64>) -> Viewer {
        let mut req = client().get(format!("{base}/live/{blog}/events"));
        if let Some(l) = last {
            req = req.header("last-event-id", l.to_string());
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "text/event-stream");
        Viewer { res, buf: String::new() }
    }

    /// The next event (keep-alive comments skipped), or none within `secs`.
    async fn next(&mut self, secs: u64) -> Option<Sse> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut id, mut event, mut data) = (None, String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().parse().ok();
                    } else if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if let Some(id) = id {
                    return Some(Sse { id, event, data: serde_json::from_str(&data).unwrap() });
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await.ok()?.ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// A meeting of 槐荫区 announced, with a live page on air; (meeting, blog).
async fn on_air(base: &str, editor: &str, reviewer: &str, number: u32) -> (i64, i64) {
    let at = |h: i64| local_minute_at(Utc::now() + Duration::hours(h));
    let post = |token: &str, path: &str, body: Value| {
        client().post(format!("{base}{path}")).bearer_auth(token).json(&body).send()
    };
    let m = ok_json(
        post(
            editor,
            "/api/v1/staff/meetings",
            json!({"kind": "executive", "number": format!("第{number}次"),
            "held_at": at(-1), "place": "区政府第一会议室", "agenda": ["研究老旧小区改造方案", "研究课后服务方案"]}),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let id = m["id"].as_i64().unwrap();
    assert_eq!(m["title"], format!("济南市槐荫区人民政府第{number}次常务会议"));
    let res = post(editor, &format!("/api/v1/staff/meetings/{id}/announce"), json!(null)).await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "the drafter does not publish the notice");
    ok_json(
        post(reviewer, &format!("/api/v1/staff/meetings/{id}/announce"), json!(null)).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let b = ok_json(
        post(
            editor,
            "/api/v1/staff/live",
            json!({"title": format!("第{number}次常务会议图文直播"), "subject_kind": "meeting",
            "subject_id": id, "starts_at": at(-1)}),
        )
        .await
        .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let blog = b["id"].as_i64().unwrap();
    let res = post(editor, &format!("/api/v1/staff/live/{blog}/posts"), json!({"text": "尚未开始"})).await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT, "no post before the broadcast starts");
    ok_json(
        post(editor, &format!("/api/v1/staff/live/{blog}/status"), json!({"status": "live"})).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    (id, blog)
}

async fn say(base: &str, token: &str, blog: i64, text: &str) -> Value {
    let res = client()
        .post(format!("{base}/api/v1/staff/live/{blog}/posts"))
        .bearer_auth(token)
        .json(&json!({"text": text}))
        .send()
        .await
        .unwrap();
    ok_json(res, StatusCode::CREATED).await
}

both!(posts_and_answers_reach_viewers_and_a_reconnecting_viewer_misses_nothing, |app: App| async move {
    let (editor, reviewer) = (app.token("huaiyin_editor").await, app.token("huaiyin_reviewer1").await);
    let base = app.url("").trim_end_matches('/').to_string();
    let (meeting, blog) = on_air(&base, &editor, &reviewer, 70).await;
    // Ten viewers connected; a post reaches every one, with its sequence number.
    let mut viewers = Vec::new();
    for _ in 0..10 {
        viewers.push(Viewer::open(&base, blog, None).await);
    }
    let first = say(&base, &editor, blog, "会议开始。").await;
    let mut seen = Vec::new();
    for v in &mut viewers {
        let e = v.next(10).await.expect("the post reaches the viewer");
        assert_eq!((e.event.as_str(), &e.data["text"]), ("post", &json!("会议开始。")));
        assert_eq!(e.data["id"], first["id"]);
        seen.push(e.id);
    }
    assert!(seen.windows(2).all(|w| w[0] == w[1]), "one id for one change: {seen:?}");
    let resume_from = seen[0];
    // One viewer goes away; three changes happen meanwhile (a post, a correction, a retraction).
    drop(viewers.pop());
    let second = say(&base, &editor, blog, "第一项议题：老旧小区改造。").await;
    let edited = client()
        .put(format!("{base}/api/v1/staff/live-posts/{}", second["id"]))
        .bearer_auth(&editor)
        .json(&json!({"text": "第一项议题：研究老旧小区改造方案。"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok_json(edited, StatusCode::OK).await["edited"], true);
    let retracted = client()
        .post(format!("{base}/api/v1/staff/live-posts/{}/retraction", first["id"]))
        .bearer_auth(&editor)
        .json(&json!({"note": "时间有误"}))
        .send()
        .await
        .unwrap();
    let retracted = ok_json(retracted, StatusCode::OK).await;
    assert_eq!((retracted["state"].as_str(), retracted["text"].as_str()), (Some("retracted"), Some("")));
    // Reconnecting with Last-Event-ID: exactly the three, in order.
    let mut back = Viewer::open(&base, blog, Some(resume_from)).await;
    let mut missed = Vec::new();
    for _ in 0..3 {
        missed.push(back.next(10).await.expect("a missed change"));
    }
    assert_eq!(
        missed.iter().map(|e| e.data["id"].clone()).collect::<Vec<_>>(),
        [second["id"].clone(), second["id"].clone(), first["id"].clone()]
    );
    assert!(missed.windows(2).all(|w| w[0].id < w[1].id), "in order");
    assert_eq!(missed[1].data["edited"], true);
    assert_eq!(missed[2].data["retract_note"], "时间有误");
    assert!(back.next(1).await.is_none(), "nothing twice");

    // A citizen's question: unseen until moderated, then with its answer; hidden, it goes.
    let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
    let asked = client()
        .post(format!("{base}/api/v1/live/{blog}/questions"))
        .json(&json!({"name": "网友", "text": "改造名单在哪里查？我的电话13912345678", "challenge_id": c["id"],
            "challenge_answer": solve(c["question"].as_str().unwrap())}))
        .send()
        .await
        .unwrap();
    let q = ok_json(asked, StatusCode::CREATED).await["id"].as_i64().unwrap();
    assert!(back.next(1).await.is_none(), "a pending question reaches nobody");
    let moderate = |body: Value| {
        client()
            .post(format!("{base}/api/v1/staff/live-questions/{q}/moderation"))
            .bearer_auth(&editor)
            .json(&body)
            .send()
    };
    let p = problem(moderate(json!({"action": "answer"})).await.unwrap(), 422).await;
    assert!(p.to_string().contains("answer"), "{p}");
    ok_json(moderate(json!({"action": "answer", "answer": "名单在区政府网站公布。"})).await.unwrap(), StatusCode::OK)
        .await;
    let e = back.next(10).await.expect("the answered question");
    assert_eq!(e.event, "question");
    assert_eq!(e.data["answer"], "名单在区政府网站公布。");
    assert!(!e.data.to_string().contains("13912345678"), "the phone number is masked: {}", e.data);
    ok_json(moderate(json!({"action": "hide", "reason": "personal_data"})).await.unwrap(), StatusCode::OK).await;
    assert_eq!(back.next(10).await.expect("hidden").event, "question_hidden");
    // The page without JavaScript shows it all, with a refresh link.
    let (status, page) = app.text(&format!("/live/{blog}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("第一项议题：研究老旧小区改造方案。")
            && page.contains("已修改")
            && page.contains("此条内容已撤回：时间有误")
    );
    assert!(page.contains("刷新，查看最新内容"));
    // Ending the broadcast tells viewers; no more posts or questions.
    let ended = client()
        .post(format!("{base}/api/v1/staff/live/{blog}/status"))
        .bearer_auth(&editor)
        .json(&json!({"status": "ended"}))
        .send()
        .await
        .unwrap();
    ok_json(ended, StatusCode::OK).await;
    assert_eq!(back.next(10).await.expect("the end").event, "status");
    let res = client()
        .post(format!("{base}/api/v1/staff/live/{blog}/posts"))
        .bearer_auth(&editor)
        .json(&json!({"text": "补充"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    // The meeting page links its live page; decisions need published documents.
    let m: Value =
        client().get(app.url(&format!("/api/v1/meetings/{meeting}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(m["live_blog_id"], blog);
    let decide = |body: Value| {
        client()
            .post(format!("{base}/api/v1/staff/meetings/{meeting}/decisions"))
            .bearer_auth(&editor)
            .json(&body)
            .send()
    };
    let p = problem(decide(json!({"item": 3, "decision": "通过"})).await.unwrap(), 422).await;
    assert!(p.to_string().contains("item"), "{p}");
    let p = problem(decide(json!({"item": 1, "decision": "通过", "document_ids": [999999]})).await.unwrap(), 422).await;
    assert!(p.to_string().contains("document_ids"), "{p}");
    let m = ok_json(decide(json!({"item": 1, "decision": "原则通过。"})).await.unwrap(), StatusCode::OK).await;
    assert_eq!(m["decisions"][0]["topic"], "研究老旧小区改造方案");
    let (_, page) = app.text(&format!("/meetings/{meeting}")).await;
    assert!(page.contains("原则通过。") && page.contains(&format!("/live/{blog}")), "{page}");
});

both!(a_meeting_notice_is_withdrawn_with_its_reason_and_announced_again, |app: App| async move {
    let editor = app.token("huaiyin_editor").await;
    let reviewer = app.token("huaiyin_reviewer1").await;
    let at = |h: i64| local_minute_at(Utc::now() + Duration::hours(h));
    let call = |token: &str, path: String, body: Value| {
        let (app, token) = (app.clone(), token.to_string());
        async move { app.api_json(Method::POST, &token, &path, body).await }
    };
    let create = |number: u32, held: String| {
        call(
            &editor,
            "/api/v1/staff/meetings".into(),
            json!({"kind": "executive", "number": number.to_string(), "held_at": held,
                "place": "区政府第一会议室", "agenda": ["研究背街小巷整治方案"]}),
        )
    };
    let m = ok_json(create(80, at(48)).await, StatusCode::CREATED).await;
    let id = m["id"].as_i64().unwrap();
    let (announce, withdraw) =
        (format!("/api/v1/staff/meetings/{id}/announce"), format!("/api/v1/staff/meetings/{id}/withdraw"));
    let p = problem(call(&reviewer, withdraw.clone(), json!({"note": "会议延期"})).await, 409).await;
    assert!(p.to_string().contains("尚未发布"), "{p}");
    ok_json(call(&reviewer, announce.clone(), Value::Null).await, StatusCode::OK).await;
    let public = || async { client().get(app.url(&format!("/api/v1/meetings/{id}"))).send().await.unwrap() };
    assert_eq!(public().await.status(), StatusCode::OK);

    // Only a reviewer withdraws, and only with a reason.
    assert_eq!(call(&editor, withdraw.clone(), json!({"note": "会议延期"})).await.status(), StatusCode::FORBIDDEN);
    let p = problem(call(&reviewer, withdraw.clone(), json!({"note": "  "})).await, 422).await;
    assert_eq!(p["field"], "note", "{p}");
    let out =
        ok_json(call(&reviewer, withdraw.clone(), json!({"note": "会议延期，时间另行通知"})).await, StatusCode::OK)
            .await;
    assert_eq!(
        (out["status"].as_str(), out["withdrawn_note"].as_str()),
        (Some("withdrawn"), Some("会议延期，时间另行通知"))
    );

    // The public no longer sees it; the console says when and why.
    assert_eq!(public().await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/meetings/{id}")).await.status(), StatusCode::NOT_FOUND);
    let list: Value = client().get(app.url("/api/v1/meetings")).send().await.unwrap().json().await.unwrap();
    assert!(list.as_array().unwrap().iter().all(|x| x["id"] != id), "{list}");
    let staff = ok_json(app.api_get(&editor, &format!("/api/v1/staff/meetings/{id}")).await, StatusCode::OK).await;
    assert_eq!(staff["withdrawn_note"], "会议延期，时间另行通知");
    let theirs = ok_json(app.api_get(&editor, "/api/v1/staff/meetings").await, StatusCode::OK).await;
    assert!(theirs.as_array().unwrap().iter().any(|x| x["id"] == id && x["status"] == "withdrawn"), "{theirs}");
    let other = app.token("zjj_editor").await;
    assert_eq!(app.api_get(&other, &format!("/api/v1/staff/meetings/{id}")).await.status(), StatusCode::NOT_FOUND);
    let session = app.login("huaiyin_reviewer1").await;
    let (status, page) = session.text(&format!("/admin/meetings/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("会议延期，时间另行通知") && page.contains("重新发布会议预告"), "{page}");
    let p = problem(call(&reviewer, withdraw.clone(), json!({"note": "再次撤回"})).await, 409).await;
    assert!(p.to_string().contains("尚未发布"), "{p}");
    let admin = app.token("admin").await;
    let audit = ok_json(app.api_get(&admin, "/api/v1/audit?action=meeting.withdraw").await, StatusCode::OK).await;
    assert!(audit.to_string().contains("会议延期，时间另行通知"), "{audit}");

    // Announced again, it is public again and the reason is cleared.
    let again = ok_json(call(&reviewer, announce, Value::Null).await, StatusCode::OK).await;
    assert_eq!((again["status"].as_str(), again["withdrawn_note"].is_null()), (Some("announced"), true));
    assert_eq!(public().await.status(), StatusCode::OK);

    // The console form: an empty reason is named on the page; a reason withdraws it.
    let res = session.post(&format!("/admin/meetings/{id}/withdraw"), &[("note", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("撤回原因"));
    let res = session.post(&format!("/admin/meetings/{id}/withdraw"), &[("note", "议题调整")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(public().await.status(), StatusCode::NOT_FOUND);

    // A meeting whose decisions are on record stays public.
    let held = ok_json(create(81, at(-2)).await, StatusCode::CREATED).await["id"].as_i64().unwrap();
    ok_json(call(&reviewer, format!("/api/v1/staff/meetings/{held}/announce"), Value::Null).await, StatusCode::OK)
        .await;
    let unit = "济南市槐荫区人民政府";
    let plan = app.published(unit, "槐荫区背街小巷整治提升方案", "notice", "meeting-plan").await;
    let other = app.published(unit, "槐荫区另一份通知", "notice", "meeting-other").await;
    let decided = call(
        &editor,
        format!("/api/v1/staff/meetings/{held}/decisions"),
        json!({"item": 1, "decision": "原则通过。", "document_ids": [plan]}),
    );
    ok_json(decided.await, StatusCode::OK).await;
    // The public list carries each meeting's own decisions.
    let list: Value = client().get(app.url("/api/v1/meetings")).send().await.unwrap().json().await.unwrap();
    for m in list.as_array().unwrap() {
        let want = if m["id"] == held {
            json!([{"item": 1, "topic": "研究背街小巷整治方案", "decision": "原则通过。", "document_ids": [plan]}])
        } else {
            json!([])
        };
        assert_eq!(m["decisions"], want, "{m}");
    }
    // The document the decision names links the meeting; another one does not.
    let (_, page) = app.text(&format!("/documents/{plan}")).await;
    assert!(page.contains(&format!("/meetings/{held}\"")), "{page}");
    let (_, page) = app.text(&format!("/documents/{other}")).await;
    assert!(!page.contains("会议决定："), "{page}");
    let p =
        problem(call(&reviewer, format!("/api/v1/staff/meetings/{held}/withdraw"), json!({"note": "误发"})).await, 409)
            .await;
    assert!(p.to_string().contains("已记录决定"), "{p}");
});

both!(bad_meetings_posts_and_photos_are_named_never_a_500, |app: App| async move {
    let editor = app.token("huaiyin_editor").await;
    let base = app.url("").trim_end_matches('/').to_string();
    let (_, blog) = on_air(&base, &editor, &app.token("huaiyin_reviewer1").await, 71).await;
    // The same number again.
    let p = problem(
        app.api_json(
            Method::POST,
            &editor,
            "/api/v1/staff/meetings",
            json!({"kind": "executive", "number": "71",
            "held_at": "2026-12-01 09:00", "place": "会议室", "agenda": ["议题"]}),
        )
        .await,
        409,
    )
    .await;
    assert!(p.to_string().contains("number"), "{p}");
    for (body, field) in [
        (json!({"kind": "photo", "alt": "图"}), "photo"),
        (json!({"kind": "photo", "image_base64": "!!!"}), "image_base64"),
        (json!({"kind": "photo", "alt": "图", "image_base64": "R0lGODlhAQABAAAAACw="}), "photo"),
        (json!({"kind": "quote", "text": "要把好事办好。"}), "speaker"),
        (json!({"kind": "video", "text": "x"}), "kind"),
        (json!({"text": "x".repeat(2001)}), "text"),
    ] {
        let res = app.api_json(Method::POST, &editor, &format!("/api/v1/staff/live/{blog}/posts"), body).await;
        let p = problem(res, 422).await;
        assert!(p.to_string().contains(field), "{field}: {p}");
    }
    // A real photo is scaled in the bounded process and kept as JPEG.
    let png = {
        use base64::Engine;
        let mut img = Vec::new();
        // A 2000 × 10 grey PNG, made by hand: no encoder needed in the test.
        let raw: Vec<u8> = (0..10).flat_map(|_| std::iter::once(0u8).chain(std::iter::repeat_n(128u8, 2000))).collect();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut z, &raw).unwrap();
        let idat = z.finish().unwrap();
        let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let mut c = kind.to_vec();
            c.extend_from_slice(data);
            out.extend_from_slice(&c);
            out.extend_from_slice(&crc32(&c).to_be_bytes());
        };
        img.extend_from_slice(b"\x89PNG\r\n\x1a\n");
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&2000u32.to_be_bytes());
        ihdr.extend_from_slice(&10u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        chunk(&mut img, b"IHDR", &ihdr);
        chunk(&mut img, b"IDAT", &idat);
        chunk(&mut img, b"IEND", &[]);
        base64::engine::general_purpose::STANDARD.encode(img)
    };
    let res = app
        .api_json(
            Method::POST,
            &editor,
            &format!("/api/v1/staff/live/{blog}/posts"),
            json!({"kind": "photo", "alt": "会场",
            "image_base64": png}),
        )
        .await;
    let post = ok_json(res, StatusCode::CREATED).await;
    let img = client().get(app.url(post["image_url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(img.headers()["content-type"], "image/jpeg");
    // Hostile question text is kept as text; unknown pages and bad ids are 404.
    let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
    let res = client()
        .post(app.url(&format!("/api/v1/live/{blog}/questions")))
        .json(&json!({"text": "", "challenge_id": c["id"], "challenge_answer": "0"}))
        .send()
        .await
        .unwrap();
    let p = problem(res, 422).await;
    assert!(p.to_string().contains("\"text"), "{p}");
    assert_eq!(app.get("/live/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/live/999999/events").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/live/abc").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/meetings/999999").await.status(), StatusCode::NOT_FOUND);
    // A garbage Last-Event-ID is a first connection, not an error.
    let res =
        client().get(app.url(&format!("/live/{blog}/events"))).header("last-event-id", "abc").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
});

/// CRC-32 of PNG chunks (the test makes its PNG by hand).
fn crc32(data: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in data {
        c ^= u32::from(b);
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xedb8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// Two nodes on one PostgreSQL database: a viewer of one sees what staff post on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_post_on_one_node_reaches_viewers_of_another() {
    let dir = tempfile::tempdir().unwrap();
    let (url, name) = crate::common::pg_database().await;
    let (a_dir, b_dir) = (dir.path().join("a"), dir.path().join("b"));
    let db = ["--database-url", url.as_str()];
    let a = Server::start(&a_dir, &[db[0], db[1], "--demo"]);
    ready(&a.base).await;
    // Every node signs the audit chain with the same key.
    std::fs::create_dir_all(&b_dir).unwrap();
    let key = gongkai_store::audit_keys::KEY_FILE;
    std::fs::copy(a_dir.join(key), b_dir.join(key)).unwrap();
    let b = Server::start(&b_dir, &db);
    ready(&b.base).await;
    let token = |user: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
            .arg("--data-dir")
            .arg(&a_dir)
            .args(["--database-url", &url, "token", "create", "--user", user])
            .env_remove("GONGKAI_DATABASE_URL")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).split_whitespace().last().unwrap().to_string()
    };
    let (editor, reviewer) = (token("huaiyin_editor"), token("huaiyin_reviewer1"));
    let (_, blog) = on_air(&a.base, &editor, &reviewer, 72).await;
    let mut on_b = Viewer::open(&b.base, blog, None).await;
    let mut on_a = Viewer::open(&a.base, blog, None).await;
    for i in 0..5 {
        let text = format!("第{i}条：两个节点同时直播。");
        let started = std::time::Instant::now();
        say(&a.base, &editor, blog, &text).await;
        let e = on_b.next(10).await.expect("the post reaches the other node's viewer");
        assert_eq!(e.data["text"], text.as_str());
        eprintln!("node B saw post {i} after {:?}", started.elapsed());
        assert_eq!(on_a.next(10).await.expect("and this node's").data["text"], text.as_str());
    }
    // And the other way round: a post on B reaches A.
    say(&b.base, &editor, blog, "从另一个节点发布。").await;
    assert_eq!(on_a.next(10).await.expect("B to A").data["text"], "从另一个节点发布。");
    drop((a, b));
    crate::common::drop_pg_database(&name).await;
}

/// Posts keep being published while the server is killed; every acknowledged one is on the
/// page after the restart.
async fn posts_survive_a_kill(pg: bool) {
    use crate::common::crash::{Crashable, answer};
    let mut server = Crashable::start(pg).await;
    let editor = server.token("huaiyin_editor");
    let (_, blog) = on_air(&server.base(), &editor, &server.token("huaiyin_reviewer1"), 73).await;
    let acked = server
        .kill_mid_stream(4, 50, 12, move |base, t, i| {
            let editor = editor.clone();
            async move {
                let sent = client()
                    .post(format!("{base}/api/v1/staff/live/{blog}/posts"))
                    .bearer_auth(&editor)
                    .json(&json!({"text": format!("第{t}-{i}条")}))
                    .send()
                    .await;
                answer(sent, |v| v["id"].as_i64().unwrap()).await
            }
        })
        .await;
    let again = server.restart().await;
    let page: Value =
        client().get(format!("{}/api/v1/live/{blog}", again.base)).send().await.unwrap().json().await.unwrap();
    let kept: Vec<i64> = page["posts"].as_array().unwrap().iter().map(|p| p["id"].as_i64().unwrap()).collect();
    for id in &acked {
        assert!(kept.contains(id), "post {id} was acknowledged but is lost");
    }
    // And a viewer resuming from the start gets every one of them from the outbox.
    let mut v = Viewer::open(&again.base, blog, Some(0)).await;
    let mut streamed = Vec::new();
    while let Some(e) = v.next(2).await {
        if e.event == "post" {
            streamed.push(e.data["id"].as_i64().unwrap());
        }
    }
    for id in &acked {
        assert!(streamed.contains(id), "post {id} is not in the stream");
    }
    eprintln!("killed mid-stream: {} posts acknowledged, all kept and streamed", acked.len());
    drop(again);
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_posts_survive_a_killed_server_sqlite() {
    posts_survive_a_kill(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_posts_survive_a_killed_server_postgres() {
    posts_survive_a_kill(true).await;
}

/// What the test of every documented operation needs, at 医保局: a draft meeting, one
/// announced and held, a broadcast on air with a post and a pending question.
pub struct Fixture {
    pub draft_meeting: i64,
    pub held_meeting: i64,
    pub blog: i64,
    pub post: i64,
    pub question: i64,
}

pub async fn fixture(app: &App) -> Fixture {
    let editor = app.token("ybj_editor").await;
    let reviewer = app.token("ybj_reviewer1").await;
    let at = |h: i64| local_minute_at(Utc::now() + Duration::hours(h));
    let meeting = |number: u32, held: String| json!({"kind": "thematic", "number": number.to_string(), "held_at": held, "place": "局会议室", "agenda": ["研究医保经办服务"]});
    let draft = ok_json(
        app.api_json(Method::POST, &editor, "/api/v1/staff/meetings", meeting(1, at(24))).await,
        StatusCode::CREATED,
    )
    .await;
    let held = ok_json(
        app.api_json(Method::POST, &editor, "/api/v1/staff/meetings", meeting(2, at(-2))).await,
        StatusCode::CREATED,
    )
    .await;
    let held = held["id"].as_i64().unwrap();
    let res =
        app.api_json(Method::POST, &reviewer, &format!("/api/v1/staff/meetings/{held}/announce"), Value::Null).await;
    assert_eq!(res.status(), StatusCode::OK);
    let b = app
        .api_json(
            Method::POST,
            &editor,
            "/api/v1/staff/live",
            json!({"title": "接口测试直播", "subject_kind": "meeting",
            "subject_id": held, "starts_at": at(-2)}),
        )
        .await;
    let blog = ok_json(b, StatusCode::CREATED).await["id"].as_i64().unwrap();
    let res = app
        .api_json(Method::POST, &editor, &format!("/api/v1/staff/live/{blog}/status"), json!({"status": "live"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let post = say(app.url("").trim_end_matches('/'), &editor, blog, "接口测试内容").await["id"].as_i64().unwrap();
    let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
    let asked = client()
        .post(app.url(&format!("/api/v1/live/{blog}/questions")))
        .json(&json!({"text": "接口测试提问", "challenge_id": c["id"], "challenge_answer": solve(c["question"].as_str().unwrap())}))
        .send()
        .await
        .unwrap();
    let question = ok_json(asked, StatusCode::CREATED).await["id"].as_i64().unwrap();
    Fixture { draft_meeting: draft["id"].as_i64().unwrap(), held_meeting: held, blog, post, question }
}
