//! From a policy to money paid, over HTTP on both databases: the 免申即享 list drawn from the
//! register, reviewed, published and paid; 快申快享 claims submitted without an account,
//! tracked and decided; the statistics; and bad input at each step.

use crate::common::{App, client, problem, solve};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn credit_code(first17: &str) -> String {
    format!("{first17}{}", gongkai_domain::codes::credit_code_check_char(first17).unwrap())
}

/// Three enterprises: two in 历城区 that qualify (small, high-tech), one in 槐荫区 that does not.
async fn register(app: &App) -> [String; 3] {
    let codes = [credit_code("91370112MA3C5K1X2"), credit_code("91370112MA3C5K2X3"), credit_code("91370104MA3D7P2Y4")];
    let body = json!({"enterprises": [
        {"credit_code": codes[0], "name": "济南历城软件有限公司", "district": "370112", "qualifications": ["high_tech"], "rd_expense_wan": 300},
        {"credit_code": codes[1], "name": "济南华山检测技术有限公司", "district": "370112", "qualifications": ["high_tech"], "rd_expense_wan": 80},
        {"credit_code": codes[2], "name": "济南槐荫商贸有限公司", "district": "370104"}
    ]});
    let res = app.api_json(Method::POST, &app.token("admin").await, "/api/v1/staff/enterprises", body).await;
    assert_eq!(res.status(), StatusCode::OK);
    codes
}

/// Imports one published policy of 市医疗保障局 in `mode`; answers its id.
async fn policy(app: &App, title: &str, mode: &str) -> i64 {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let line = json!({"unit": ybj, "title": title, "level": "city", "benefit_type": "subsidy", "mode": mode,
        "amount": {"rate": 0.1, "of": "rd_expense_wan", "cap_yuan": 200000}, "handling_days": 5,
        "guide": {"phone": "0531-12345"},
        "rule": {"all": [{"field": "district", "op": "==", "value": "370112"}, {"field": "qualifications", "op": "contains", "value": "high_tech"}]}});
    gongkai_app::business_policy::import::import_file(&app.store, &line.to_string()).await.unwrap();
    let live = app.store.policies_live().await.unwrap();
    live.iter().find(|p| p.live.as_ref().unwrap().title == title).unwrap().id
}

async fn post(app: &App, token: &str, path: &str, body: Value) -> reqwest::Response {
    app.api_json(Method::POST, token, path, body).await
}

/// A public form posted as a browser without JavaScript would.
async fn form(app: &App, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    client().post(app.url(path)).form(fields).send().await.unwrap()
}

both!(an_exempt_list_is_reviewed_published_and_paid, |app: App| async move {
    let codes = register(&app).await;
    let id = policy(&app, "历城区高新技术企业研发奖励", "exempt_apply").await;
    let editor = app.token("ybj_editor").await;

    // Only eligible enterprises may be put on the list.
    let p = problem(
        post(&app, &editor, &format!("/api/v1/staff/policies/{id}/lists"), json!({"include": [codes[2]]})).await,
        422,
    )
    .await;
    assert_eq!(p["field"], "include");
    assert!(p["detail"].as_str().unwrap().contains(&codes[2]), "{p}");
    let res = post(&app, &editor, &format!("/api/v1/staff/policies/{id}/lists"), json!({})).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let list: Value = res.json().await.unwrap();
    let list_id = list["id"].as_i64().unwrap();
    assert_eq!(list["status"], "draft");
    assert_eq!((list["eligible"].as_i64(), list["entries"].as_array().unwrap().len()), (Some(2), 2));
    assert_eq!(list["entries"][0]["amount_yuan"], 200000, "10% of 300 万元, capped");
    assert!(list["notice"].as_str().unwrap().contains("5个工作日"), "{list}");
    // Not public while in review.
    let public: Value =
        client().get(app.url(&format!("/api/v1/policies/{id}/lists"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(public.as_array().unwrap().len(), 0);

    let act = |token: String, action: &'static str| {
        let app = &app;
        async move {
            post(app, &token, &format!("/api/v1/staff/policy-lists/{list_id}/actions"), json!({"action": action})).await
        }
    };
    assert_eq!(act(editor.clone(), "submit").await.status(), StatusCode::OK);
    assert_eq!(act(editor.clone(), "approve").await.status(), StatusCode::FORBIDDEN, "the author does not review");
    for r in ["ybj_reviewer1", "ybj_reviewer2"] {
        assert_eq!(act(app.token(r).await, "approve").await.status(), StatusCode::OK);
    }
    let done: Value = act(app.token("ybj_reviewer3").await, "approve").await.json().await.unwrap();
    assert_eq!(done["status"], "published");
    let today = gongkai_app::today();
    let cal = gongkai_domain::calendar::Calendar::official();
    assert_eq!(done["publicity_ends_on"], cal.add_workdays(today, 5).value.to_string());

    // The public sees names and credit codes only.
    let public: Value =
        client().get(app.url(&format!("/api/v1/policies/{id}/lists"))).send().await.unwrap().json().await.unwrap();
    let entry = &public[0]["entries"][0];
    assert!(entry["name"].is_string() && entry["credit_code"].is_string());
    assert!(entry.get("amount_yuan").is_none() && entry.get("district").is_none(), "{entry}");
    let (status, page) = app.text(&format!("/policies/{id}/publicity")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("济南华山检测技术有限公司") && !page.contains("济南槐荫商贸有限公司"));

    // Each enterprise is 待兑现; staff record payment, return, reopen.
    let payouts: Value =
        app.api_get(&editor, &format!("/api/v1/staff/policies/{id}/payouts")).await.json().await.unwrap();
    let rows = payouts.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r["status"] == "pending"));
    let (a, b) = (rows[0]["id"].as_i64().unwrap(), rows[1]["id"].as_i64().unwrap());
    let pay = |id: i64, body: Value| {
        let (app, editor) = (&app, editor.clone());
        async move { post(app, &editor, &format!("/api/v1/staff/policy-payouts/{id}"), body).await }
    };
    let future = (today + chrono::Duration::days(1)).to_string();
    let p = problem(pay(a, json!({"action": "pay", "amount_yuan": 200000, "paid_on": future})).await, 422).await;
    assert_eq!(p["field"], "paid_on");
    let p = problem(pay(a, json!({"action": "return"})).await, 422).await;
    assert_eq!(p["field"], "reason");
    let paid: Value = pay(a, json!({"action": "pay", "amount_yuan": 200000, "paid_on": today.to_string()}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((paid["status"].as_str(), paid["paid_on"].as_str()), (Some("paid"), Some(today.to_string().as_str())));
    problem(pay(a, json!({"action": "pay", "amount_yuan": 1, "paid_on": today.to_string()})).await, 409).await;
    let returned: Value = pay(b, json!({"action": "return", "reason": "账户已注销"})).await.json().await.unwrap();
    assert_eq!((returned["status"].as_str(), returned["reason"].as_str()), (Some("returned"), Some("账户已注销")));
    assert_eq!(pay(b, json!({"action": "reopen"})).await.json::<Value>().await.unwrap()["status"], "pending");
    // Another unit's editor sees none of it.
    let other = app.token("zjj_editor").await;
    assert_eq!(
        app.api_get(&other, &format!("/api/v1/staff/policies/{id}/payouts")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(pay(a, json!({"action": "reopen"})).await.status(), StatusCode::CONFLICT);
    let res = post(&app, &other, &format!("/api/v1/staff/policy-payouts/{a}"), json!({"action": "reopen"})).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    // The statistics count the run, the payment and where the enterprises are.
    let admin = app.token("admin").await;
    let s: Value = app.api_get(&admin, "/api/v1/staff/policy-stats").await.json().await.unwrap();
    assert_eq!((s["total"]["matched"].as_i64(), s["total"]["paid"].as_i64()), (Some(2), Some(1)));
    assert_eq!(s["total"]["paid_yuan"], 200000);
    let licheng = s["by_district"].as_array().unwrap().iter().find(|r| r["key"] == "370112").unwrap();
    assert_eq!((licheng["label"].as_str(), licheng["matched"].as_i64()), (Some("历城区"), Some(2)));
    let session = app.login("admin").await;
    let page = session.get("/admin/policies/stats").await.text().await.unwrap();
    assert!(page.contains("<svg") && page.contains("历城区 200000元"), "the chart names its figures");
    let xlsx = session.get("/admin/policies/stats.xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("按区县").unwrap();
    assert_eq!(sheet.get_value((1, 0)), Some(&calamine::Data::String("370112".into())));
    assert_eq!(sheet.get_value((1, 5)), Some(&calamine::Data::Float(200000.0)));

    // A list is only for a published 免申即享 policy.
    let quick = policy(&app, "历城区快申快享补贴", "quick_apply").await;
    let p = problem(post(&app, &editor, &format!("/api/v1/staff/policies/{quick}/lists"), json!({})).await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("免申即享"), "{p}");
});

async fn challenge(app: &App) -> (String, String) {
    let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
    (c["id"].as_str().unwrap().to_string(), solve(c["question"].as_str().unwrap()))
}

both!(quick_apply_claims_are_tracked_and_decided, |app: App| async move {
    let codes = register(&app).await;
    let id = policy(&app, "历城区研发投入快申快享补贴", "quick_apply").await;
    let exempt = policy(&app, "历城区免申即享奖励", "exempt_apply").await;
    let claim = |code: &str, challenge: &(String, String)| {
        json!({"credit_code": code, "enterprise_name": "济南历城软件有限公司", "contact_name": "刘洋",
               "phone": "13905310001", "statement": "本公司2025年研发费用300万元。", "amount_yuan": 30000,
               "challenge_id": challenge.0, "challenge_answer": challenge.1})
    };
    let submit = |policy: i64, body: Value| {
        let app = &app;
        async move { client().post(app.url(&format!("/api/v1/policies/{policy}/claims"))).json(&body).send().await.unwrap() }
    };
    // Bad fields are named before the challenge is spent.
    let c = challenge(&app).await;
    let mut bad = claim(&codes[0], &c);
    bad["credit_code"] = json!("91370112MA3C5K1X2Z");
    bad["phone"] = json!("12");
    let p = problem(submit(id, bad).await, 422).await;
    assert_eq!(p["field"], "credit_code");
    let fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["credit_code", "phone"]);
    let p = problem(submit(exempt, claim(&codes[0], &c)).await, 409).await;
    assert!(p["detail"].as_str().unwrap().contains("免申即享"), "{p}");
    assert_eq!(submit(999_999, claim(&codes[0], &c)).await.status(), StatusCode::NOT_FOUND);

    let res = submit(id, claim(&codes[0], &c)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let ack: Value = res.json().await.unwrap();
    let (no, code) =
        (ack["tracking_no"].as_str().unwrap().to_string(), ack["query_code"].as_str().unwrap().to_string());
    let today = gongkai_app::today();
    let due = gongkai_domain::calendar::Calendar::official().add_workdays(today, 5).value;
    assert_eq!(ack["due_on"], due.to_string(), "the policy's 5 working days");
    // One open claim per enterprise and policy.
    let p = problem(submit(id, claim(&codes[0], &challenge(&app).await)).await, 409).await;
    assert_eq!(p["field"], "credit_code");

    // The enterprise follows it with the number and code; a wrong code gets nothing.
    let track = |no: String, code: String| {
        let app = &app;
        async move {
            client()
                .post(app.url("/api/v1/policies/claims/track"))
                .json(&json!({"tracking_no": no, "code": code}))
                .send()
                .await
                .unwrap()
        }
    };
    problem(track(no.clone(), "WRONGCOD".into()).await, 422).await;
    let seen: Value = track(no.clone(), code.to_lowercase()).await.json().await.unwrap();
    assert_eq!((seen["status"].as_str(), seen["district"].as_str()), (Some("submitted"), Some("370112")));
    assert!(seen.get("phone").is_none() && seen.get("contact_name").is_none(), "{seen}");

    // The unit decides; its staff see the contact, others do not see the claim.
    let editor = app.token("ybj_editor").await;
    let queue: Value = app.api_get(&editor, "/api/v1/staff/policy-claims").await.json().await.unwrap();
    let claim_id = queue[0]["id"].as_i64().unwrap();
    assert_eq!(queue[0]["phone"], "13905310001");
    let other = app.token("zjj_editor").await;
    assert_eq!(
        app.api_get(&other, &format!("/api/v1/staff/policy-claims/{claim_id}")).await.status(),
        StatusCode::NOT_FOUND
    );
    let step = |body: Value| {
        let (app, editor) = (&app, editor.clone());
        async move { post(app, &editor, &format!("/api/v1/staff/policy-claims/{claim_id}/actions"), body).await }
    };
    problem(step(json!({"action": "approve", "amount_yuan": 30000})).await, 409).await;
    assert_eq!(step(json!({"action": "accept"})).await.status(), StatusCode::OK);
    let p = problem(step(json!({"action": "approve"})).await, 422).await;
    assert_eq!(p["field"], "amount_yuan");
    let p = problem(step(json!({"action": "reject"})).await, 422).await;
    assert_eq!(p["field"], "reason");
    let approved: Value = step(json!({"action": "approve", "amount_yuan": 28000})).await.json().await.unwrap();
    assert_eq!((approved["status"].as_str(), approved["amount_yuan"].as_i64()), (Some("approved"), Some(28000)));
    assert_eq!(approved["payout_status"], "pending");
    problem(step(json!({"action": "reject", "reason": "迟了"})).await, 409).await;
    let payouts: Value =
        app.api_get(&editor, &format!("/api/v1/staff/policies/{id}/payouts")).await.json().await.unwrap();
    assert_eq!((payouts[0]["claim_id"].as_i64(), payouts[0]["amount_yuan"].as_i64()), (Some(claim_id), Some(28000)));
    let seen: Value = track(no.clone(), code.clone()).await.json().await.unwrap();
    let steps: Vec<&str> = seen["steps"].as_array().unwrap().iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(steps, ["submitted", "accepted", "approved"]);
    // Decided, the enterprise may apply again (for a new year, say).
    assert_eq!(submit(id, claim(&codes[0], &challenge(&app).await)).await.status(), StatusCode::CREATED);
});

both!(a_claim_is_made_and_followed_without_javascript, |app: App| async move {
    let codes = register(&app).await;
    let id = policy(&app, "历城区网页申报补贴", "quick_apply").await;
    let (status, html) = app.text(&format!("/policies/{id}/apply")).await;
    assert_eq!(status, StatusCode::OK);
    let grab = |name: &str| -> String {
        let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap_or_else(|| panic!("{name}"));
        let rest = &html[at + name.len() + 15..];
        rest[..rest.find('"').unwrap()].to_string()
    };
    let (cid, question) = (grab("challenge_id"), grab("challenge_question"));
    // A mistake comes back with the message next to the field and the typed values kept.
    let res = form(
        &app,
        &format!("/policies/{id}/apply"),
        &[
            ("credit_code", &codes[1]),
            ("enterprise_name", ""),
            ("contact_name", "王芳"),
            ("phone", "13806400002"),
            ("statement", "申请补贴"),
            ("challenge_id", &cid),
            ("challenge_question", &question),
            ("challenge_answer", &solve(&question)),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("企业名称") && page.contains("王芳"), "{page}");
    let res = form(
        &app,
        &format!("/policies/{id}/apply"),
        &[
            ("credit_code", &codes[1]),
            ("enterprise_name", "济南华山检测技术有限公司"),
            ("contact_name", "王芳"),
            ("phone", "13806400002"),
            ("statement", "申请补贴"),
            ("challenge_id", &cid),
            ("challenge_question", &question),
            ("challenge_answer", &solve(&question)),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let number = |id: &str| -> String {
        let at = page.find(&format!("id=\"{id}\">")).unwrap() + id.len() + 6;
        page[at..at + page[at..].find('<').unwrap()].to_string()
    };
    let (no, code) = (number("tracking-no"), number("query-code"));
    let res = form(&app, "/policies/claims", &[("tracking_no", &no), ("code", &code)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let page = res.text().await.unwrap();
    assert!(page.contains("待受理") && page.contains("历城区网页申报补贴"), "{page}");
    let res = form(&app, "/policies/claims", &[("tracking_no", &no), ("code", "AAAAAAAA")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
});

both!(the_demo_follows_policies_to_payment, |app: App| async move {
    let report = gongkai_app::demo::load(&app.store).await.unwrap();
    assert_eq!(report.claims_added, 6);
    assert_eq!(gongkai_app::demo::load(&app.store).await.unwrap().claims_added, 0, "loaded once");
    let s: Value = app.api_get(&app.token("admin").await, "/api/v1/staff/policy-stats").await.json().await.unwrap();
    assert!(s["total"]["matched"].as_i64().unwrap() > 50, "{}", s["total"]);
    assert!(s["total"]["paid"].as_i64().unwrap() >= 5 && s["total"]["applied"] == 6, "{}", s["total"]);
    let seen: Value = client()
        .post(app.url("/api/v1/policies/claims/track"))
        .json(&json!({"tracking_no": "Q20261000000001", "code": "KJJ7DEMQ"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((seen["status"].as_str(), seen["payout_status"].as_str()), (Some("approved"), Some("paid")));
});
