//! 意见征集 over HTTP on both databases: a consultation drafted, reviewed and published;
//! opinions from the public form (no account, the challenge), a partner's token under its
//! fixed channel and staff entering letters; near-duplicates grouped; moderation, forwards
//! answered in working days, decisions and the feedback's figures; a citizen seeing the
//! decision with the query code; bad input at each step; and no acknowledged opinion lost to a
//! kill -9 of the server.

use crate::common::{App, client, problem, solve};
use chrono::{Duration, Utc};
use gongkai_domain::time::local_minute_at;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn post(app: &App, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.api_json(Method::POST, token, path, body).await
}

async fn ok_json(res: reqwest::Response, status: StatusCode) -> Value {
    let got = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn window(opens_hours: i64, closes_hours: i64) -> (String, String) {
    (
        local_minute_at(Utc::now() + Duration::hours(opens_hours)),
        local_minute_at(Utc::now() + Duration::hours(closes_hours)),
    )
}

/// A consultation of 市政府办公厅 drafted and published through the three reviews; its id.
async fn published(app: &App, title: &str, opens: i64, closes: i64, extra: Value) -> i64 {
    let editor = app.token("bgt_editor").await;
    let (opens_at, closes_at) = window(opens, closes);
    let mut body = json!({"title": title, "background": "开门问策，问计于民。",
        "questions": ["您对明年市政府工作有什么意见建议？", "您最希望办好哪些民生实事？"],
        "topics": ["教育", "交通出行"], "opens_at": opens_at, "closes_at": closes_at});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let c = ok_json(post(app, &editor, "/api/v1/staff/consultations", body).await, StatusCode::CREATED).await;
    let id = c["consultation"]["id"].as_i64().unwrap();
    let act = |who: &'static str, action: &'static str| async move {
        let token = app.token(who).await;
        post(app, &token, &format!("/api/v1/staff/consultations/{id}/actions"), json!({"action": action})).await
    };
    assert_eq!(act("bgt_editor", "submit").await.status(), StatusCode::OK);
    assert_eq!(act("bgt_editor", "approve").await.status(), StatusCode::FORBIDDEN, "the editor does not review");
    for r in ["bgt_reviewer1", "bgt_reviewer2"] {
        assert_eq!(act(r, "approve").await.status(), StatusCode::OK);
    }
    let p = problem(act("bgt_reviewer2", "approve").await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("不同的人"), "{p}");
    let last = ok_json(act("bgt_reviewer3", "approve").await, StatusCode::OK).await;
    assert_eq!(last["status"], "published");
    id
}

/// The public's opinion with a solved challenge.
async fn public_opinion(app: &App, id: i64, body: Value) -> reqwest::Response {
    let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
    let mut body = body;
    body["challenge_id"] = c["id"].clone();
    body["challenge_answer"] = json!(solve(c["question"].as_str().unwrap()));
    client().post(app.url(&format!("/api/v1/consultations/{id}/opinions"))).json(&body).send().await.unwrap()
}

both!(a_consultation_runs_from_opinions_to_decisions, |app: App| async move {
    // Bad drafts name their fields.
    let editor = app.token("bgt_editor").await;
    let (opens_at, _) = window(1, 0);
    let p = problem(
        post(
            &app,
            &editor,
            "/api/v1/staff/consultations",
            json!({"title": "x", "opens_at": opens_at, "closes_at": opens_at, "channels": ["fax"]}),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["background", "questions", "closes_at", "channels"] {
        assert!(fields.contains(&f), "{f}: {p}");
    }

    let id = published(&app, "2027年市政府工作报告意见建议征集", -1, 24, json!({})).await;
    let list: Value =
        client().get(app.url("/api/v1/consultations?phase=open")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["items"][0]["id"], id);
    assert_eq!(list["items"][0]["phase"], "open");
    problem(client().get(app.url("/api/v1/consultations?phase=soon")).send().await.unwrap(), 422).await;

    // The public, without an account.
    let first = ok_json(
        public_opinion(
            &app,
            id,
            json!({"text": "建议在历城区新建一批公办幼儿园，解决新建小区孩子入园难的问题。我的电话13912345678",
            "topic": "教育", "district": "370112", "name": "张先生", "contact": "13912345678"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let (receipt, code) =
        (first["receipt_no"].as_str().unwrap().to_string(), first["query_code"].as_str().unwrap().to_string());
    assert!(receipt.starts_with('Y') && code.len() == 8, "{first}");
    assert_eq!(first["channel"], "portal");
    // A near-duplicate (punctuation and one word changed) and a different opinion.
    ok_json(
        public_opinion(
            &app,
            id,
            json!({"text": "建议在历城区新建一批公办幼儿园，解决新建小区孩子入园难问题！我的电话13912345678"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    ok_json(
        public_opinion(&app, id, json!({"text": "希望地铁尽快开通连接东部新区的线路。", "question": 2})).await,
        StatusCode::CREATED,
    )
    .await;
    // Bad opinions: each a Chinese message naming the field.
    for (body, field) in [
        (json!({"text": "  "}), "text"),
        (json!({"text": "字".repeat(5001)}), "text"),
        (json!({"text": "意见", "question": 3}), "question"),
        (json!({"text": "意见", "topic": "外星"}), "topic"),
        (json!({"text": "意见", "passage": "第一条"}), "passage"),
    ] {
        let p = problem(public_opinion(&app, id, body).await, 422).await;
        assert!(p["errors"].as_array().unwrap().iter().any(|e| e["field"] == field), "{field}: {p}");
    }
    let p = problem(
        client()
            .post(app.url(&format!("/api/v1/consultations/{id}/opinions")))
            .json(&json!({"text": "无验证题"}))
            .send()
            .await
            .unwrap(),
        422,
    )
    .await;
    assert!(p.to_string().contains("challenge_answer"), "{p}");
    problem(public_opinion(&app, 999_999, json!({"text": "意见"})).await, 404).await;

    // A partner under its own channel; a forged one refused; staff tokens and bad tokens too.
    let hotline = app.token("partner_12345").await;
    let partner_path = format!("/api/v1/consultations/{id}/opinions");
    let ack = ok_json(
        post(&app, &hotline, &partner_path, json!({"text": "市民来电：希望增加夜间儿科门诊。"})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(ack["channel"], "12345");
    let p =
        problem(post(&app, &hotline, &partner_path, json!({"text": "冒充报社", "channel": "newspaper"})).await, 422)
            .await;
    assert_eq!(p["field"], "channel");
    problem(post(&app, &app.token("ybj_editor").await, &partner_path, json!({"text": "工作人员"})).await, 403).await;
    problem(post(&app, "not-a-token", &partner_path, json!({"text": "假令牌"})).await, 401).await;
    // Staff enter a letter with the date received.
    let today = gongkai_app::today().to_string();
    let letter = ok_json(
        post(
            &app,
            &editor,
            &format!("/api/v1/staff/consultations/{id}/opinions"),
            json!({"text": "来信：建议公交站台增设遮阳棚。", "channel": "letter", "received_on": today}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(letter["channel"], "letter");
    let p = problem(
        post(
            &app,
            &editor,
            &format!("/api/v1/staff/consultations/{id}/opinions"),
            json!({"text": "来信", "channel": "12345", "received_on": "2099-01-01"}),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"channel") && fields.contains(&"received_on"), "{p}");

    // The staff's list: everything, contact details included; near-duplicates grouped.
    let all =
        ok_json(app.api_get(&editor, &format!("/api/v1/staff/consultations/{id}/opinions")).await, StatusCode::OK)
            .await;
    assert_eq!(all["total"], 5);
    let items = all["items"].as_array().unwrap();
    let by_text = |needle: &str| items.iter().find(|o| o["text"].as_str().unwrap().contains(needle)).unwrap().clone();
    let (a, b) = (by_text("公办幼儿园，解决新建小区孩子入园难的问题"), by_text("入园难问题！"));
    assert_eq!(a["group_id"], b["group_id"], "near-duplicates share a group");
    assert_ne!(a["group_id"], by_text("地铁")["group_id"]);
    assert_eq!(a["contact"], "13912345678");
    assert!(a["public_text"].as_str().unwrap().contains("139****5678"), "{a}");
    // Another unit's staff see none of it.
    problem(
        app.api_get(&app.token("ybj_editor").await, &format!("/api/v1/staff/consultations/{id}/opinions")).await,
        404,
    )
    .await;

    // Moderation: published ones reach the public, masked and without contact details.
    let moderate = |oid: i64, body: Value| {
        let (app, editor) = (&app, editor.clone());
        async move { post(app, &editor, &format!("/api/v1/staff/opinions/{oid}/moderation"), body).await }
    };
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    ok_json(moderate(a_id, json!({"action": "publish"})).await, StatusCode::OK).await;
    problem(moderate(a_id, json!({"action": "publish"})).await, 409).await;
    let p = problem(moderate(b_id, json!({"action": "hide", "reason": "because"})).await, 422).await;
    assert!(p["detail"].as_str().unwrap().contains("duplicate"), "{p}");
    let hidden = ok_json(moderate(b_id, json!({"action": "hide", "reason": "duplicate"})).await, StatusCode::OK).await;
    assert_eq!(hidden["hide_reason"], "duplicate");
    let public: Value = client()
        .get(app.url(&format!("/api/v1/consultations/{id}/opinions")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(public["total"], 1);
    assert_eq!(public["by_topic"]["教育"], 1);
    let shown = public["items"][0].to_string();
    assert!(shown.contains("139****5678") && !shown.contains("13912345678") && !shown.contains("张先生"), "{shown}");

    // Decide the group; forward it to 市教育局, due in working days, answered there.
    let group = a["group_id"].as_i64().unwrap();
    let p = problem(
        post(
            &app,
            &editor,
            &format!("/api/v1/staff/opinion-groups/{group}/decision"),
            json!({"decision": "not_adopted"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["field"], "reason");
    let decided = ok_json(
        post(
            &app,
            &editor,
            &format!("/api/v1/staff/opinion-groups/{group}/decision"),
            json!({"decision": "adopted", "reason": "已写入报告“办好十件民生实事”"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((decided["decision"].as_str(), decided["size"].as_u64()), (Some("adopted"), Some(2)));
    let jyj = app.unit_id("济南市教育局").await;
    let f = ok_json(
        post(
            &app,
            &editor,
            &format!("/api/v1/staff/opinion-groups/{group}/forwards"),
            json!({"unit_id": jyj, "workdays": 5}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let due = gongkai_domain::calendar::Calendar::official().add_workdays(gongkai_app::today(), 5).value;
    assert_eq!(f["due_on"], due.to_string());
    let fid = f["id"].as_i64().unwrap();
    let forward_path = format!("/api/v1/staff/opinion-forwards/{fid}/actions");
    problem(
        post(&app, &app.token("jtj_editor").await, &forward_path, json!({"action": "answer", "text": "不是我局"}))
            .await,
        403,
    )
    .await;
    let jyj_editor = app.token("jyj_editor").await;
    let waiting = ok_json(app.api_get(&jyj_editor, "/api/v1/staff/opinion-forwards").await, StatusCode::OK).await;
    assert_eq!(waiting[0]["state"], "sent");
    // The unit's console: the dashboard counts it, the forwards page shows it with its due date.
    let session = app.login("jyj_editor").await;
    let (status, dashboard) = session.text("/admin").await;
    assert_eq!(status, StatusCode::OK);
    assert!(dashboard.contains("公众参与") && dashboard.contains("待答复的转办意见"), "dashboard");
    let (_, forwards) = session.text("/admin/opinion-forwards").await;
    assert!(forwards.contains(&due.to_string()) && forwards.contains("公办幼儿园"), "forwards page");
    // Staff pages of the consultation answer for its unit's staff, not for others.
    let bgt = app.login("bgt_editor").await;
    for path in [
        format!("/admin/consultations/{id}"),
        format!("/admin/consultations/{id}/opinions"),
        format!("/admin/consultations/{id}/groups"),
        "/admin/consultations".to_string(),
        "/admin/concerns".to_string(),
    ] {
        let (status, html) = bgt.text(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(!html.contains("<script>"), "{path}");
    }
    assert_eq!(session.get(&format!("/admin/consultations/{id}/opinions")).await.status(), StatusCode::NOT_FOUND);
    problem(post(&app, &jyj_editor, &forward_path, json!({"action": "answer"})).await, 422).await;
    let answered = ok_json(
        post(&app, &jyj_editor, &forward_path, json!({"action": "answer", "text": "明年新建改扩建公办幼儿园20所。"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(answered["state"], "answered");
    problem(post(&app, &jyj_editor, &forward_path, json!({"action": "answer", "text": "再答一次"})).await, 409).await;

    // The citizen sees the decision and the answer with the query code; a wrong code, not.
    let track = |code: String| {
        let (app, receipt) = (&app, receipt.clone());
        async move {
            client()
                .post(app.url("/api/v1/consultations/opinions/track"))
                .json(&json!({"receipt_no": receipt, "code": code}))
                .send()
                .await
                .unwrap()
        }
    };
    let seen = ok_json(track(code.clone()).await, StatusCode::OK).await;
    assert_eq!((seen["decision"].as_str(), seen["status"].as_str()), (Some("adopted"), Some("published")));
    assert_eq!(seen["answers"][0]["answer"], "明年新建改扩建公办幼儿园20所。");
    assert!(!seen.to_string().contains("13912345678"));
    problem(track("WRONGCOD".into()).await, 422).await;
    let page = client()
        .post(app.url("/consultations/opinions"))
        .form(&[("receipt_no", receipt.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("采纳") && page.contains("明年新建改扩建公办幼儿园20所"),
        "the tracking page shows the decision"
    );

    // The figures: all but spam and repeats, by channel, topic, district, decision.
    let r: Value = client()
        .get(app.url(&format!("/api/v1/consultations/{id}/report")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["by_channel", "by_decision", "by_district", "by_topic", "groups", "total"]);
    assert_eq!(r["total"], 4, "{r}");
    assert_eq!(
        (r["by_channel"]["portal"].as_u64(), r["by_channel"]["12345"].as_u64(), r["by_channel"]["letter"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(
        r["by_decision"],
        json!({"adopted": 1, "partly_adopted": 0, "not_adopted": 0, "answered": 0, "open": 3})
    );
    assert_eq!(r["by_district"]["370112"], 1);
    assert_eq!(r["groups"], 4);
    // The feedback waits for the closing.
    problem(
        app.api_json(
            Method::PUT,
            &editor,
            &format!("/api/v1/staff/consultations/{id}/report"),
            json!({"summary": "感谢"}),
        )
        .await,
        409,
    )
    .await;
});

// Opinions arriving together are committed together (`gongkai_app::consultation::intake`):
// each is acknowledged with its own number, stored under its own channel, and audited under
// the account that sent it, with the chain intact.
both!(opinions_arriving_together_are_each_stored_and_audited_as_their_own, |app: App| async move {
    let id = published(&app, "同时到达的意见", -1, 24, json!({})).await;
    let partners = [("partner_12345", "12345"), ("partner_daily", "newspaper"), ("partner_radio", "radio_tv")];
    let mut sent = tokio::task::JoinSet::new();
    for (who, _) in partners {
        let token = app.token(who).await;
        for n in 0..20 {
            let (app, token) = (app.clone(), token.clone());
            sent.spawn(async move {
                let text = format!("{who} 转来的第{n}条意见：建议在第{n}号路口增设{}处非机动车停放点。", n * 7 + 3);
                let res =
                    post(&app, &token, &format!("/api/v1/consultations/{id}/opinions"), json!({"text": text})).await;
                (who, ok_json(res, StatusCode::CREATED).await)
            });
        }
    }
    let mut acks = Vec::new();
    while let Some(done) = sent.join_next().await {
        acks.push(done.unwrap());
    }
    let receipts: std::collections::HashSet<String> =
        acks.iter().map(|(_, a)| a["receipt_no"].as_str().unwrap().to_string()).collect();
    assert_eq!(receipts.len(), 60, "every opinion has its own number");

    let editor = app.token("bgt_editor").await;
    let list = ok_json(
        app.api_get(&editor, &format!("/api/v1/staff/consultations/{id}/opinions?per_page=100")).await,
        StatusCode::OK,
    )
    .await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 60, "{list}");
    let admin = app.token("admin").await;
    for (who, channel) in partners {
        let theirs: Vec<&Value> =
            items.iter().filter(|o| o["text"].as_str().unwrap().starts_with(&format!("{who} 转来"))).collect();
        assert_eq!(theirs.len(), 20, "{who}");
        for o in theirs {
            assert_eq!(o["channel"], channel, "{o}");
            assert!(o["group_id"].as_i64().is_some(), "{o}");
            let audit = ok_json(
                app.api_get(
                    &admin,
                    &format!("/api/v1/audit?action=opinion.create&object_type=opinion&object_id={}", o["id"]),
                )
                .await,
                StatusCode::OK,
            )
            .await;
            let records = audit["items"].as_array().unwrap();
            assert_eq!(records.len(), 1, "{audit}");
            let user = app.store.user_by_username(who).await.unwrap().unwrap().id;
            assert_eq!(records[0]["actor_id"].as_i64(), Some(user), "{who}: {audit}");
        }
    }
    let verify = ok_json(app.api_get(&admin, "/api/v1/audit/verify").await, StatusCode::OK).await;
    assert_eq!(verify["intact"], true, "{verify}");
});

fn small_partner_quota() -> gongkai_web::ServerOptions {
    gongkai_web::ServerOptions { partner_opinions_burst: 10, ..crate::common::TestApp::options() }
}

// A partner's runaway client is stopped with a 429 that says when to come back; other
// partners go on.
both_with!(a_flooding_partner_is_held_back_alone, small_partner_quota, |app: App| async move {
    let id = published(&app, "渠道限流", -1, 24, json!({})).await;
    let path = format!("/api/v1/consultations/{id}/opinions");
    let hotline = app.token("partner_12345").await;
    for n in 0..10 {
        let res = post(&app, &hotline, &path, json!({"text": format!("第{n}个来电：建议增加公交班次。")})).await;
        assert_eq!(res.status(), StatusCode::CREATED, "opinion {n}");
    }
    let res = post(&app, &hotline, &path, json!({"text": "第十一个来电"})).await;
    let wait: i64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(wait >= 1, "{wait}");
    let p = problem(res, 429).await;
    assert!(p["detail"].as_str().unwrap().contains("过于频繁"), "{p}");
    let daily = app.token("partner_daily").await;
    let res = post(&app, &daily, &path, json!({"text": "报社读者来信：建议增加公交班次。"})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
});

both!(closed_and_unpublished_consultations_take_no_opinion_and_feedback_is_final, |app: App| async move {
    let editor = app.token("bgt_editor").await;
    // A draft is not public.
    let (opens_at, closes_at) = window(-2, 24);
    let draft = ok_json(
        post(&app, &editor, "/api/v1/staff/consultations", json!({"title": "草稿", "background": "说明", "questions": ["问题？"], "opens_at": opens_at, "closes_at": closes_at})).await,
        StatusCode::CREATED,
    )
    .await;
    let draft_id = draft["consultation"]["id"].as_i64().unwrap();
    problem(public_opinion(&app, draft_id, json!({"text": "意见"})).await, 404).await;
    problem(client().get(app.url(&format!("/api/v1/consultations/{draft_id}/report"))).send().await.unwrap(), 404)
        .await;

    // An upcoming one and a closed one refuse opinions from every channel.
    let upcoming = published(&app, "即将开始的征集", 24, 48, json!({})).await;
    let p = problem(public_opinion(&app, upcoming, json!({"text": "意见"})).await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("尚未开始"), "{p}");
    let closed = published(&app, "已结束的征集", -48, -1, json!({})).await;
    let hotline = app.token("partner_12345").await;
    let p = problem(
        post(&app, &hotline, &format!("/api/v1/consultations/{closed}/opinions"), json!({"text": "来电"})).await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("已结束"), "{p}");
    // A consultation that does not take 12345 refuses the hotline.
    let portal_only = published(&app, "只在网站征集", -1, 24, json!({"channels": ["portal"]})).await;
    let p = problem(
        post(&app, &hotline, &format!("/api/v1/consultations/{portal_only}/opinions"), json!({"text": "来电"})).await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("12345"), "{p}");

    // A letter received before the closing is still entered; the feedback is reviewed and
    // published with the figures of that moment, and decisions are final afterwards.
    let yesterday = (gongkai_app::today() - chrono::Days::new(1)).to_string();
    let letter = ok_json(
        post(
            &app,
            &editor,
            &format!("/api/v1/staff/consultations/{closed}/opinions"),
            json!({"text": "来信意见", "channel": "letter", "received_on": yesterday}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let report_path = format!("/api/v1/staff/consultations/{closed}/report");
    problem(app.api_json(Method::PUT, &editor, &report_path, json!({"summary": " "})).await, 422).await;
    ok_json(
        app.api_json(Method::PUT, &editor, &report_path, json!({"summary": "共收到意见1条，已逐条研究。"})).await,
        StatusCode::OK,
    )
    .await;
    let act = |who: &'static str, action: &'static str| {
        let app = &app;
        let path = format!("{report_path}/actions");
        async move { post(app, &app.token(who).await, &path, json!({"action": action})).await }
    };
    ok_json(act("bgt_editor", "submit").await, StatusCode::OK).await;
    for r in ["bgt_reviewer1", "bgt_reviewer2", "bgt_reviewer3"] {
        ok_json(act(r, "approve").await, StatusCode::OK).await;
    }
    let frozen: Value = client()
        .get(app.url(&format!("/api/v1/consultations/{closed}/report")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(frozen["total"], 1);
    assert_eq!(frozen["by_channel"]["letter"], 1);
    let groups =
        ok_json(app.api_get(&editor, &format!("/api/v1/staff/consultations/{closed}/groups")).await, StatusCode::OK)
            .await;
    let g = groups["items"][0]["id"].as_i64().unwrap();
    let p = problem(
        post(&app, &editor, &format!("/api/v1/staff/opinion-groups/{g}/decision"), json!({"decision": "adopted"}))
            .await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("已发布"), "{p}");
    // The public page shows the feedback with its charts and workbook.
    let page =
        client().get(app.url(&format!("/consultations/{closed}/report"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("共收到意见1条") && page.contains("<svg") && page.contains("report.xlsx"), "feedback page");
    let xlsx = client().get(app.url(&format!("/consultations/{closed}/report.xlsx"))).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let _ = letter;
});

/// Opinions keep coming from a partner while the server is killed; every acknowledged one is
/// there after the restart, found with its receipt number and query code.
async fn opinions_survive_a_kill(pg: bool) {
    use crate::common::crash::{Crashable, answer};
    let mut server = Crashable::start(pg).await;
    let token = server.token("partner_12345");
    let list: Value = client()
        .get(format!("{}/api/v1/consultations?phase=open", server.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let open = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["channels"].as_array().unwrap().contains(&json!("12345")))
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let acked = server
        .kill_mid_stream(8, 40, 24, move |base, t, i| {
            let token = token.clone();
            async move {
                let body = json!({"text": format!("市民来电（{t}-{i}）：建议小区增设电动自行车充电桩，第{i}号意见。")});
                let sent = client()
                    .post(format!("{base}/api/v1/consultations/{open}/opinions"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await;
                answer(sent, |ack| {
                    (ack["receipt_no"].as_str().unwrap().to_string(), ack["query_code"].as_str().unwrap().to_string())
                })
                .await
            }
        })
        .await;
    let again = server.restart().await;
    for (receipt, code) in &acked {
        let res = client()
            .post(format!("{}/api/v1/consultations/opinions/track", again.base))
            .json(&json!({"receipt_no": receipt, "code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{receipt} was acknowledged but is lost");
    }
    eprintln!("killed mid-stream: {} opinions acknowledged, all found", acked.len());
    drop(again);
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_opinions_survive_a_killed_server_sqlite() {
    opinions_survive_a_kill(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_opinions_survive_a_killed_server_postgres() {
    opinions_survive_a_kill(true).await;
}

/// What the test of every documented operation needs: a draft, an open consultation with two
/// groups (one opinion each), a forward waiting, a closed one, a concern and a published
/// response.
pub struct Fixture {
    pub draft: i64,
    pub open: i64,
    pub closed: i64,
    pub opinion: i64,
    pub group: i64,
    pub other_group: i64,
    pub forward: i64,
    pub concern: i64,
    pub response: i64,
    pub ack: Value,
    pub body: Value,
}

pub async fn fixture(app: &App) -> Fixture {
    let editor = app.token("bgt_editor").await;
    let (opens_at, closes_at) = window(-1, 24);
    let body = json!({"title": "接口测试征集", "background": "说明", "questions": ["问题？"], "opens_at": opens_at, "closes_at": closes_at});
    let draft =
        ok_json(post(app, &editor, "/api/v1/staff/consultations", body.clone()).await, StatusCode::CREATED).await;
    let open = published(app, "接口测试：正在征集", -1, 24, json!({})).await;
    let closed = published(app, "接口测试：已结束", -48, -1, json!({})).await;
    let hotline = app.token("partner_12345").await;
    let path = format!("/api/v1/consultations/{open}/opinions");
    let ack = ok_json(
        post(app, &hotline, &path, json!({"text": "建议延长地铁末班车时间到晚上十一点。"})).await,
        StatusCode::CREATED,
    )
    .await;
    ok_json(
        post(app, &hotline, &path, json!({"text": "希望社区卫生服务中心周末也能开诊。"})).await,
        StatusCode::CREATED,
    )
    .await;
    let yesterday = (gongkai_app::today() - chrono::Days::new(1)).to_string();
    ok_json(
        post(
            app,
            &editor,
            &format!("/api/v1/staff/consultations/{closed}/opinions"),
            json!({"text": "来信", "channel": "letter", "received_on": yesterday}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let all =
        ok_json(app.api_get(&editor, &format!("/api/v1/staff/consultations/{open}/opinions")).await, StatusCode::OK)
            .await;
    let items = all["items"].as_array().unwrap();
    let first = items.iter().find(|o| o["receipt_no"] == ack["receipt_no"]).unwrap();
    let other = items.iter().find(|o| o["receipt_no"] != ack["receipt_no"]).unwrap();
    let group = first["group_id"].as_i64().unwrap();
    let jyj = app.unit_id("济南市教育局").await;
    let f = ok_json(
        post(app, &editor, &format!("/api/v1/staff/opinion-groups/{group}/forwards"), json!({"unit_id": jyj})).await,
        StatusCode::CREATED,
    )
    .await;
    let concern = ok_json(
        post(
            app,
            &editor,
            "/api/v1/staff/concerns",
            json!({"title": "地铁末班车太早", "source": "12345", "arose_on": yesterday}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let response =
        app.published("济南市人民政府办公厅", "关于地铁末班车时间的回应", "response", "openapi-response").await;
    Fixture {
        draft: draft["consultation"]["id"].as_i64().unwrap(),
        open,
        closed,
        opinion: first["id"].as_i64().unwrap(),
        group,
        other_group: other["group_id"].as_i64().unwrap(),
        forward: f["id"].as_i64().unwrap(),
        concern: concern["id"].as_i64().unwrap(),
        response,
        ack,
        body,
    }
}
