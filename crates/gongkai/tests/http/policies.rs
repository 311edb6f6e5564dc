//! The policy library over HTTP on both databases: drafting through the three-stage review,
//! the public list with facets, the calculator in JSON and as a page without JavaScript, the
//! feed, the bulk import, and bad input.

use crate::common::{App, client, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn body(title: &str, rule: Value) -> Value {
    json!({
        "title": title, "level": "city", "benefit_type": "subsidy", "mode": "exempt_apply",
        "amount": {"rate": 0.1, "of": "rd_expense_wan", "cap_yuan": 500000},
        "guide": {"beneficiaries": "科技型中小企业", "phone": "0531-12345"},
        "rule": rule
    })
}

async fn act(app: &App, token: &str, id: i64, action: &str) -> reqwest::Response {
    app.api_json(
        Method::POST,
        token,
        &format!("/api/v1/staff/policies/{id}/actions"),
        json!({"action": action, "comment": "测试"}),
    )
    .await
}

async fn matched(app: &App, profile: Value) -> Value {
    let res = client().post(app.url("/api/v1/policies/match")).json(&json!({"profile": profile})).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array().unwrap().iter().map(|x| x["policy_id"].as_i64().unwrap()).collect()
}

both!(a_policy_is_reviewed_published_and_matched, |app: App| async move {
    let editor = app.token("ybj_editor").await;
    let rule = json!({"all": [
        {"field": "district", "op": "in", "value": ["370102", "370112"]},
        {"any": [
            {"field": "qualifications", "op": "contains", "value": "high_tech"},
            {"field": "rd_ratio", "op": ">=", "value": 0.05}
        ]}
    ]});
    let res = app.api_json(Method::POST, &editor, "/api/v1/staff/policies", body("历下历城研发补助", rule)).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    let id = created["policy"]["id"].as_i64().unwrap();
    assert_eq!(created["status"], "draft");
    assert_eq!(created["policy"]["rule_text"], "注册地在历下区或历城区，且为高新技术企业或研发投入占比不低于5%");
    // Not public before the review.
    assert_eq!(
        client().get(app.url(&format!("/api/v1/policies/{id}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(act(&app, &editor, id, "submit").await.status(), StatusCode::OK);
    // The author may not review; each stage needs another reviewer.
    let body = problem(act(&app, &editor, id, "approve").await, 403).await;
    assert!(body["detail"].is_string());
    let r1 = app.token("ybj_reviewer1").await;
    assert_eq!(act(&app, &r1, id, "approve").await.status(), StatusCode::OK);
    let again = problem(act(&app, &r1, id, "approve").await, 409).await;
    assert!(again["detail"].as_str().unwrap().contains("不能再"), "{again}");
    assert_eq!(act(&app, &app.token("ybj_reviewer2").await, id, "approve").await.status(), StatusCode::OK);
    let done = act(&app, &app.token("ybj_reviewer3").await, id, "approve").await;
    assert_eq!(done.status(), StatusCode::OK);
    assert_eq!(done.json::<Value>().await.unwrap()["status"], "published");

    // Public: the list with its facets, the policy, the page and the feed.
    let list: Value =
        client().get(app.url("/api/v1/policies?district=370112")).send().await.unwrap().json().await.unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["facets"]["mode"]["exempt_apply"], 1);
    assert_eq!(list["facets"]["district"]["370102"], 1);
    let none: Value =
        client().get(app.url("/api/v1/policies?district=370104")).send().await.unwrap().json().await.unwrap();
    assert_eq!(none["total"], 0);
    let found: Value = client().get(app.url("/api/v1/policies?q=研发补助")).send().await.unwrap().json().await.unwrap();
    assert_eq!(found["items"][0]["id"], id);
    let page = client().get(app.url(&format!("/policies/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("注册地在历下区或历城区，且为高新技术企业或研发投入占比不低于5%"), "{page}");
    let feed = client().get(app.url("/policies/feed.atom")).send().await.unwrap().text().await.unwrap();
    assert!(feed.contains("历下历城研发补助") && feed.contains(&format!("/policies/{id}</id>")), "{feed}");

    // The calculator: eligible with reasons and the amount, possible with what to fill in,
    // ineligible with the test failed.
    let yes = matched(&app, json!({"district": "370112", "rd_ratio": 0.08, "rd_expense_wan": 300})).await;
    assert_eq!(ids(&yes["eligible"]), vec![id]);
    assert_eq!(yes["eligible"][0]["amount_yuan"], 300000);
    let why: Vec<&str> =
        yes["eligible"][0]["why"].as_array().unwrap().iter().map(|w| w["field"].as_str().unwrap()).collect();
    assert_eq!(why, ["district", "rd_ratio"]);
    let maybe = matched(&app, json!({"district": "370102"})).await;
    assert_eq!(ids(&maybe["possible"]), vec![id]);
    assert_eq!(maybe["possible"][0]["unknown"], json!(["qualifications", "rd_ratio"]));
    let no = matched(&app, json!({"district": "370104", "qualifications": ["high_tech"]})).await;
    assert_eq!(ids(&no["ineligible"]), vec![id]);
    assert_eq!(no["ineligible"][0]["failed"][0]["field"], "district");
    assert_eq!(no["ineligible"][0]["failed"][0]["actual"], "370104");
    assert!(no["ineligible"][0]["failed"][0]["text"].as_str().unwrap().contains("槐荫区"));

    // A revision stays private until approved; withdrawal takes the policy down.
    assert_eq!(act(&app, &editor, id, "revise").await.status(), StatusCode::OK);
    assert_eq!(client().get(app.url(&format!("/api/v1/policies/{id}"))).send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(act(&app, &editor, id, "discard").await.status(), StatusCode::OK);
    let admin = app.token("ybj_admin").await;
    let res = app
        .api_json(Method::POST, &admin, &format!("/api/v1/staff/policies/{id}/actions"), json!({"action": "withdraw"}))
        .await;
    assert_eq!(problem(res, 422).await["field"], "comment");
    assert_eq!(act(&app, &admin, id, "withdraw").await.status(), StatusCode::OK);
    assert_eq!(
        client().get(app.url(&format!("/api/v1/policies/{id}"))).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert!(ids(&matched(&app, json!({"district": "370112", "rd_ratio": 0.08})).await["eligible"]).is_empty());
});

both!(only_open_policies_are_matched, |app: App| async move {
    let line = |title: &str, window: Value, valid_until: &str| {
        json!({"unit": "11370100MB28532967", "title": title, "level": "city", "benefit_type": "honour", "mode": "regular",
               "window": window, "valid_until": valid_until, "rule": {"all": []}})
    };
    let ybj = app.unit_id("济南市医疗保障局").await;
    let text = [
        line("常年受理", Value::Null, ""),
        line("上半年受理", json!({"opens_on": "2026-01-01", "closes_on": "2026-06-30"}), ""),
        line("已失效", Value::Null, "2025-12-31"),
    ]
    .iter()
    .map(|l| {
        let mut l = l.clone();
        l["unit"] = json!(ybj);
        l.to_string()
    })
    .collect::<Vec<_>>()
    .join("\n");
    let report = gongkai_app::business_policy::import::import_file(&app.store, &text).await.unwrap();
    assert_eq!(report.created, 3);
    let again = gongkai_app::business_policy::import::import_file(&app.store, &text).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 3), "a re-run changes nothing");
    let on = |d: &str| {
        let app = app.clone();
        let d = d.to_string();
        async move {
            let res = client()
                .post(app.url("/api/v1/policies/match"))
                .json(&json!({"profile": {}, "as_of": d}))
                .send()
                .await
                .unwrap();
            let v: Value = res.json().await.unwrap();
            let mut titles: Vec<String> =
                v["eligible"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap().to_string()).collect();
            titles.sort();
            titles
        }
    };
    assert_eq!(on("2026-03-01").await, vec!["上半年受理", "常年受理"]);
    assert_eq!(on("2026-07-01").await, vec!["常年受理"]);
    assert_eq!(on("2025-03-01").await, vec!["已失效", "常年受理"]);
    let expired: Value =
        client().get(app.url("/api/v1/policies?validity=expired")).send().await.unwrap().json().await.unwrap();
    assert_eq!(expired["total"], 1);
    // A bad line stops the whole file, naming the line.
    let bad = format!(
        "{text}\n{{\"unit\": {ybj}, \"title\": \"坏\", \"level\": \"city\", \"benefit_type\": \"x\", \"mode\": \"regular\", \"rule\": {{\"all\": []}}}}"
    );
    let e = gongkai_app::business_policy::import::import_file(&app.store, &bad).await.unwrap_err();
    assert!(e.to_string().contains("第 4 行"), "{e}");
});

both!(bad_rules_and_profiles_name_their_field, |app: App| async move {
    let editor = app.token("ybj_editor").await;
    let deep = (0..20).fold(json!({"field": "export", "op": "==", "value": true}), |acc, _| json!({"not": acc}));
    for (rule, words) in [
        (json!({"field": "colour", "op": "==", "value": 1}), "不是企业画像的字段"),
        (json!({"field": "employees", "op": "~", "value": 1}), "不是可用的比较方式"),
        (json!({"field": "employees", "op": ">", "value": "x"}), "应为数字"),
        (deep, "嵌套超过 16 层"),
    ] {
        let res = app.api_json(Method::POST, &editor, "/api/v1/staff/policies", body("坏规则", rule)).await;
        let p = problem(res, 422).await;
        assert_eq!(p["field"], "rule");
        assert!(p["detail"].as_str().unwrap().contains(words), "{p}");
    }
    for (profile, field) in [
        (json!({"employees": -5}), "profile.employees"),
        (json!({"founded_on": "2999-01-01"}), "profile.founded_on"),
        (json!({"credit_code": "91370100MA3C5K1X2Z"}), "profile.credit_code"),
        (json!({"colour": "red"}), "profile.colour"),
    ] {
        let res =
            client().post(app.url("/api/v1/policies/match")).json(&json!({"profile": profile})).send().await.unwrap();
        assert_eq!(problem(res, 422).await["field"], field);
    }
    let res = client()
        .post(app.url("/api/v1/policies/match"))
        .json(&json!({"profile": {}, "extra": 1}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    let res = client().get(app.url("/api/v1/policies?level=galactic")).send().await.unwrap();
    assert_eq!(problem(res, 422).await["field"], "level");
});

both!(the_calculator_works_without_javascript, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let line = json!({"unit": ybj, "title": "小微企业房租补贴", "level": "district", "benefit_type": "subsidy", "mode": "quick_apply",
        "amount": {"fixed_yuan": 100000},
        "rule": {"all": [{"field": "size", "op": "in", "value": ["small", "micro"]}, {"field": "district", "op": "==", "value": "370112"}]}});
    gongkai_app::business_policy::import::import_file(&app.store, &line.to_string()).await.unwrap();
    let form = client().get(app.url("/policies/calculator")).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("<form method=\"post\" action=\"/policies/calculator\""));
    // Software, 30 people, 500万元: small by the 2017 table.
    let res = client()
        .post(app.url("/policies/calculator"))
        .form(&[("district", "370112"), ("industry", "I65"), ("employees", "30"), ("revenue_wan", "500")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("符合条件的政策（1 项）"), "{page}");
    assert!(page.contains("小微企业房租补贴") && page.contains("10万元"), "{page}");
    assert!(page.contains("测算为小型企业"), "{page}");
    let res = client()
        .post(app.url("/policies/calculator"))
        .form(&[("employees", "-3"), ("rd_ratio_pct", "500")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("从业人员：不能为负数") && page.contains("研发投入占比"), "{page}");
    let list = client().get(app.url("/policies?mode=quick_apply")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("小微企业房租补贴") && list.contains("共 1 项政策"), "{list}");
});

both!(the_demo_library_covers_every_kind, |app: App| async move {
    gongkai_app::demo::load(&app.store).await.unwrap();
    let list: Value =
        client().get(app.url("/api/v1/policies?per_page=100")).send().await.unwrap().json().await.unwrap();
    assert!(list["total"].as_u64().unwrap() >= 25, "{}", list["total"]);
    let facets = &list["facets"];
    for b in ["subsidy", "tax_relief", "loan_interest", "talent", "land", "financing", "honour", "other"] {
        assert!(facets["benefit_type"][b].as_u64().unwrap_or(0) >= 1, "benefit type {b}");
    }
    for l in ["national", "provincial", "city", "district"] {
        assert!(facets["level"][l].as_u64().unwrap_or(0) >= 1, "level {l}");
    }
    assert!(facets["mode"]["exempt_apply"].as_u64().unwrap() >= 3);
    // Loading again adds nothing.
    let again = gongkai_app::demo::load(&app.store).await.unwrap();
    assert_eq!((again.policies_added, again.enterprises_added), (0, 0));
    // The register of 200 enterprises: running a policy finds some with reasons.
    let admin = app.token("admin").await;
    let list: Value =
        client().get(app.url("/api/v1/policies?q=中小微企业贷款贴息")).send().await.unwrap().json().await.unwrap();
    let id = list["items"][0]["id"].as_i64().unwrap();
    let run: Value = app.api_get(&admin, &format!("/api/v1/staff/policies/{id}/register")).await.json().await.unwrap();
    assert_eq!(run["enterprises"], 200);
    let eligible = run["eligible"].as_array().unwrap();
    assert!(!eligible.is_empty() && eligible.len() < 200, "{}", eligible.len());
    assert!(eligible[0]["why"][0]["text"].as_str().unwrap().contains("企业"), "{}", eligible[0]);
});

both!(the_register_is_imported_checked_and_run, |app: App| async move {
    let admin = app.token("admin").await;
    let code = |first17: &str| gongkai_domain::codes::CreditCode::complete(first17).unwrap().as_str().to_string();
    let (a, b) = (code("91370112MA3C5K1X2"), code("91370104MA3D7P2Y4"));
    let bad =
        json!({"enterprises": [{"credit_code": a, "name": "甲"}, {"credit_code": b, "name": "乙", "employees": -1}]});
    let p = problem(app.api_json(Method::POST, &admin, "/api/v1/staff/enterprises", bad).await, 422).await;
    assert_eq!(p["field"], "enterprises[1].employees");
    let good = json!({"enterprises": [
        {"credit_code": a, "name": "济南历城软件有限公司", "district": "370112", "employees": 30, "industry": "I65", "revenue_wan": 500},
        {"credit_code": b, "name": "济南槐荫商贸有限公司", "district": "370104", "employees": 8}
    ]});
    let r: Value =
        app.api_json(Method::POST, &admin, "/api/v1/staff/enterprises", good.clone()).await.json().await.unwrap();
    assert_eq!((r["created"].as_u64(), r["unchanged"].as_u64()), (Some(2), Some(0)));
    let r: Value = app.api_json(Method::POST, &admin, "/api/v1/staff/enterprises", good).await.json().await.unwrap();
    assert_eq!((r["created"].as_u64(), r["unchanged"].as_u64()), (Some(0), Some(2)), "a second import changes nothing");
    // Only the city-wide drafters keep the register.
    let editor = app.token("ybj_editor").await;
    let res = app.api_json(Method::POST, &editor, "/api/v1/staff/enterprises", json!({"enterprises": []})).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let ybj = app.unit_id("济南市医疗保障局").await;
    let line = json!({"unit": ybj, "title": "历城区小微企业补贴", "level": "district", "benefit_type": "subsidy", "mode": "exempt_apply",
        "amount": {"fixed_yuan": 50000},
        "rule": {"all": [{"field": "district", "op": "==", "value": "370112"}, {"field": "size", "op": "in", "value": ["small", "micro"]}]}});
    gongkai_app::business_policy::import::import_file(&app.store, &line.to_string()).await.unwrap();
    let id = app.store.policies_live().await.unwrap()[0].id;
    let run: Value = app.api_get(&admin, &format!("/api/v1/staff/policies/{id}/register")).await.json().await.unwrap();
    assert_eq!(run["enterprises"], 2);
    assert_eq!(run["eligible"].as_array().unwrap().len(), 1);
    assert_eq!(run["eligible"][0]["name"], "济南历城软件有限公司");
    assert_eq!(run["eligible"][0]["amount_yuan"], 50000);
    assert_eq!(run["ineligible"], 1);

    // The console takes a CSV and names the bad line.
    let session = app.login("admin").await;
    let csv = format!("统一社会信用代码,企业名称,从业人员\n{a},甲公司,10\n{b},乙公司,很多\n");
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("名录.csv"));
    let res = session
        .client
        .post(session.url(&format!("/admin/policies/register?_csrf={}", session.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("第 3 行：从业人员：应为数字"), "{page}");
});

both!(a_profile_is_kept_subscribed_and_updated, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let import = |title: &str| {
        let line = json!({"unit": ybj, "title": title, "level": "city", "benefit_type": "subsidy", "mode": "exempt_apply",
            "rule": {"field": "district", "op": "==", "value": "370112"}});
        let store = app.store.clone();
        async move { gongkai_app::business_policy::import::import_file(&store, &line.to_string()).await.unwrap() }
    };
    import("历城区企业首批订阅政策").await;
    let code17 = "91370112MA3C5K1X2";
    let credit = format!("{code17}{}", gongkai_domain::codes::credit_code_check_char(code17).unwrap());
    let challenge = || {
        let url = app.url("/api/v1/requests/challenge");
        async move {
            let c: Value = client().get(url).send().await.unwrap().json().await.unwrap();
            (c["id"].as_str().unwrap().to_string(), crate::common::solve(c["question"].as_str().unwrap()))
        }
    };
    let keep = |body: Value| {
        let url = app.url("/api/v1/policies/profiles");
        async move { client().post(url).json(&body).send().await.unwrap() }
    };
    let c = challenge().await;
    let p = problem(
        keep(json!({"profile": {"district": "370112"}, "challenge_id": c.0, "challenge_answer": c.1})).await,
        422,
    )
    .await;
    assert_eq!(p["field"], "profile.credit_code");
    let p = problem(keep(json!({"profile": {"credit_code": credit, "employees": -3}})).await, 422).await;
    assert_eq!(p["field"], "profile.employees");
    let res = keep(json!({"profile": {"credit_code": credit, "name": "济南历城软件有限公司", "district": "370112"},
        "challenge_id": c.0, "challenge_answer": c.1}))
    .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let kept: Value = res.json().await.unwrap();
    let code = kept["code"].as_str().unwrap().to_string();
    let feed = kept["feed_url"].as_str().unwrap().to_string();
    let token = feed.split('/').rev().nth(1).unwrap().to_string();
    // Kept once: another save needs the code, and never shows it again.
    let p = problem(keep(json!({"profile": {"credit_code": credit}})).await, 409).await;
    assert_eq!(p["field"], "code");
    let res = keep(json!({"profile": {"credit_code": credit, "name": "济南历城软件有限公司", "district": "370112", "employees": 30}, "code": code})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.json::<Value>().await.unwrap().get("code").is_none());

    let open = |code: String| {
        let (url, credit) = (app.url("/api/v1/policies/profiles/open"), credit.to_lowercase());
        async move { client().post(url).json(&json!({"credit_code": credit, "code": code})).send().await.unwrap() }
    };
    problem(open("AAAAAAAA".into()).await, 422).await;
    let seen: Value = open(code.clone()).await.json().await.unwrap();
    assert_eq!(seen["profile"]["employees"], 30, "updated");
    assert_eq!(seen["eligible"][0]["title"], "历城区企业首批订阅政策");

    // The subscription: what is new since a day, and the feed.
    let since = |day: chrono::NaiveDate| {
        let url = app.url(&format!("/api/v1/policies/subscriptions/{token}?since={day}"));
        async move { client().get(url).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let today = gongkai_app::today();
    assert_eq!(since(today + chrono::Duration::days(1)).await["eligible"].as_array().unwrap().len(), 0);
    import("历城区企业新发布订阅政策").await;
    let new = since(today).await;
    let titles: Vec<&str> = new["eligible"].as_array().unwrap().iter().map(|e| e["title"].as_str().unwrap()).collect();
    assert!(titles.contains(&"历城区企业新发布订阅政策"), "{new}");
    assert!(new.get("profile").is_none(), "the feed token does not show the profile");
    let res = client().get(&feed).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let atom = res.text().await.unwrap();
    assert!(atom.contains("【符合】历城区企业新发布订阅政策"), "{atom}");
    assert_eq!(app.get("/policies/subscriptions/xyz/feed.atom").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.get(&format!("/api/v1/policies/subscriptions/{token}?since=昨天")).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // Without JavaScript: from the calculator's values to the page with the code.
    let fields = [("credit_code", "91370104MA3D7P2Y4"), ("district", "370104")];
    let mut other: Vec<(String, String)> = fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    other[0].1 =
        format!("91370104MA3D7P2Y4{}", gongkai_domain::codes::credit_code_check_char("91370104MA3D7P2Y4").unwrap());
    let res = client().post(app.url("/policies/profiles/confirm")).form(&other).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    let grab = |name: &str| -> String {
        let at = page.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        page[at..at + page[at..].find('"').unwrap()].to_string()
    };
    let question = grab("challenge_question");
    other.push(("challenge_id".into(), grab("challenge_id")));
    other.push(("challenge_question".into(), question.clone()));
    other.push(("challenge_answer".into(), crate::common::solve(&question)));
    let res = client().post(app.url("/policies/profiles")).form(&other).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("企业画像已保存") && page.contains("id=\"query-code\""), "{page}");
    let res =
        client().post(app.url("/policies/profiles/confirm")).form(&[("district", "370104")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Guessing the code to overwrite a kept profile is throttled as any query code is.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let status = keep(json!({"profile": {"credit_code": credit}, "code": "WRONG234"})).await.status();
        statuses.push(status.as_u16());
        if status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(statuses.first(), Some(&409));
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
});

both!(the_console_imports_a_policy_workbook, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await.to_string();
    let book = |rows: &[&[&str]]| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write(r as u32, c as u16, *v).unwrap();
            }
        }
        wb.save_to_buffer().unwrap()
    };
    let header: &[&str] =
        &["政策名称", "发布单位", "政策层级", "扶持方式", "兑现方式", "扶持金额", "适用条件", "咨询电话"];
    let rule = r#"{"field": "district", "op": "==", "value": "370112"}"#;
    let admin = app.login("admin").await;
    // Bad rows are all named by their row; nothing is written.
    let bad = book(&[
        header,
        &["历城区工作簿政策甲", &ybj, "市级", "资金补贴", "免申即享", r#"{"fixed_yuan": 1000}"#, rule, "0531-1"],
        &["历城区工作簿政策乙", &ybj, "市级", "资金补贴", "免申即享", "", r#"{"field": "colour"}"#, ""],
        &["历城区工作簿政策丙", "没有这个单位", "市级", "资金补贴", "免申即享", "", rule, ""],
    ]);
    let res = upload(&admin, bad).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("第 3 行：") && page.contains("第 4 行："), "{page}");
    assert!(!page.contains("第 2 行："), "{page}");
    assert!(app.store.policies_live().await.unwrap().is_empty());
    let good = book(&[
        header,
        &["历城区工作簿政策甲", &ybj, "市级", "资金补贴", "免申即享", r#"{"fixed_yuan": 1000}"#, rule, "0531-1"],
        &["历城区工作簿政策乙", &ybj, "district", "honour", "quick_apply", "", rule, ""],
    ]);
    let res = upload(&admin, good.clone()).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(crate::common::location(&res).contains("report="));
    let live = app.store.policies_live().await.unwrap();
    assert_eq!(live.len(), 2);
    let b = live.iter().find(|p| p.draft.title == "历城区工作簿政策乙").unwrap();
    assert_eq!(b.draft.mode.code(), "quick_apply");
    upload(&admin, good.clone()).await;
    assert_eq!(app.store.policies_live().await.unwrap().len(), 2, "a second import adds nothing");
    // The template reads back as the import's header.
    let template = admin.get("/admin/policies/import/template.xlsx").await;
    assert_eq!(template.status(), StatusCode::OK);
    // It publishes without review: an editor may not.
    let editor = app.login("ybj_editor").await;
    assert_eq!(editor.get("/admin/policies/import").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(upload(&editor, good).await.status(), StatusCode::FORBIDDEN);
});

async fn upload(session: &crate::common::Session, bytes: Vec<u8>) -> reqwest::Response {
    let form =
        reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(bytes).file_name("政策.xlsx"));
    session
        .client
        .post(session.url(&format!("/admin/policies/import?_csrf={}", session.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap()
}
