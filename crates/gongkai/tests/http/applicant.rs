//! The applicant's dead ends (issue 13): the correction (补正) sent online restarts the reply
//! period from its day of receipt by the holiday calendar, only with the right code and only
//! at 待申请人补正, its files for the handling unit's handlers only; every replied demo case
//! carries its reply letter; the form after an error keeps the challenge and the uploaded
//! identity proof.

use crate::common;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::{App, client, solve};
use gongkai_domain::calendar::Calendar;
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];

fn today() -> NaiveDate {
    gongkai_domain::time::date_in_china(Utc::now())
}

fn date(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(v.as_str().unwrap_or_else(|| panic!("not a date: {v}")), "%Y-%m-%d").unwrap()
}

fn citizen_id(first17: &str) -> String {
    format!("{first17}{}", gongkai_domain::codes::citizen_id_check_char(first17).unwrap())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("{start} not in {text}")) + start.len();
    let len = text[from..].find(end).unwrap_or_else(|| panic!("{end} not after {start}"));
    &text[from..from + len]
}

async fn staff_get(app: &App, token: &str, path: &str) -> Value {
    let res = app.api_get(token, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

async fn step(app: &App, token: &str, id: i64, name: &str, body: Value) -> Value {
    let res = app.api_json(Method::POST, token, &format!("/api/v1/staff/requests/{id}/steps/{name}"), body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "step {name}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn add_workdays(app: &App, from: NaiveDate, n: u32) -> NaiveDate {
    let res: Value =
        app.get(&format!("/api/v1/calendar/add-workdays?from={from}&days={n}")).await.json().await.unwrap();
    date(&res["date"])
}

async fn is_workday(app: &App, day: NaiveDate) -> bool {
    let res: Value = app.get(&format!("/api/v1/calendar/is-workday?date={day}")).await.json().await.unwrap();
    res["workday"].as_bool().unwrap_or_else(|| panic!("{res}"))
}

/// Applies through the API to the 医疗保障局; returns (tracking number, query code, case id).
async fn applied(app: &App, handler: &str) -> (String, String, i64) {
    let unit = app.unit_id("济南市医疗保障局").await;
    let c: Value = app.get("/api/v1/requests/challenge").await.json().await.unwrap();
    let body = json!({
        "unit_id": unit.to_string(),
        "applicant_type": "person",
        "name": "欧阳明远",
        "id_type": "citizen_id",
        "id_number": citizen_id("37010219850615123"),
        "phone": "13905318765",
        "description": "2025年济南市门诊慢特病病种目录",
        "provision_form": "electronic",
        "delivery": "online",
        "challenge_id": c["id"],
        "challenge_answer": solve(c["question"].as_str().unwrap()),
    });
    let res = client().post(app.url("/api/v1/requests")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let ack: Value = res.json().await.unwrap();
    let no = ack["tracking_no"].as_str().unwrap().to_string();
    let list = staff_get(app, handler, &format!("/api/v1/staff/requests?q={no}")).await;
    (no, ack["query_code"].as_str().unwrap().to_string(), list["items"][0]["id"].as_i64().unwrap())
}

/// Sends the correction form of the tracking page.
async fn correct(app: &App, no: &str, code: &str, text: &str, files: &[(&str, &[u8])]) -> Response {
    let mut form = reqwest::multipart::Form::new().text("code", code.to_string()).text("text", text.to_string());
    for (name, bytes) in files {
        form = form.part("files", reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()));
    }
    client().post(app.url(&format!("/requests/{no}/correction"))).multipart(form).send().await.unwrap()
}

// ----- 补正 -----

both!(the_applicants_correction_restarts_the_clock_over_a_holiday, |app: App| async move {
    let handler = app.token("ybj_handler").await;
    let admin = app.token("admin").await;
    let (no, code, id) = applied(&app, &handler).await;
    let today = today();
    step(&app, &handler, id, "confirm", json!({})).await;
    let asked = step(&app, &handler, id, "clarification", json!({"what": "请写明所需病种目录的年份和文号"})).await;
    assert_eq!(asked["status"], "clarifying");

    // The tracking page shows what was asked and by when, with the form.
    let res = client().post(app.url("/requests/track")).form(&[("tracking_no", &no), ("code", &code)]).send().await;
    let page = res.unwrap().text().await.unwrap();
    assert!(page.contains("请写明所需病种目录的年份和文号") && page.contains("需要您补正申请"), "{page}");
    let correction_due = add_workdays(&app, today, 15).await;
    assert!(page.contains(&format!("<strong>{correction_due}</strong>")), "the deadline: {page}");
    assert!(page.contains(&format!("action=\"/requests/{no}/correction\"")));
    let public: Value = app.get(&format!("/api/v1/requests/{no}?code={code}")).await.json().await.unwrap();
    assert_eq!(public["clarification"]["due_on"], correction_due.to_string());

    // A holiday inside the coming 20 working days (a State Council change made today).
    let mut holiday = today + Duration::days(1);
    while !is_workday(&app, holiday).await {
        holiday += Duration::days(1);
    }
    let official = Calendar::official().add_workdays(today, 20).value;
    let year = app.get(&format!("/api/v1/calendar/{}", holiday.year())).await;
    let put = if year.status() == StatusCode::OK {
        let path = format!("/api/v1/calendar/days/{holiday}");
        app.api_json(Method::PUT, &admin, &path, json!({"kind": "holiday", "name": "临时调整"})).await
    } else {
        // Near the turn of a year whose schedule is not out yet: the schedule with this day.
        let y = holiday.year();
        let schedule = format!("年份 {y} 国办发明电〔{}〕99号\n临时调整 {holiday} 放假", y - 1);
        app.api_json(Method::PUT, &admin, &format!("/api/v1/calendar/{y}"), json!({"schedule": schedule})).await
    };
    assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    assert!(!is_workday(&app, holiday).await, "the server counts the new holiday");

    let text = "所需信息为2025年济南市门诊慢特病病种目录（济医保发〔2025〕3号）及其调整说明";
    let res = correct(&app, &no, &code, text, &[("补正说明.pdf", PDF), ("目录截图.png", PNG)]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page = res.text().await.unwrap();
    assert!(page.contains("补正材料已提交"), "{page}");
    assert!(!page.contains("需要您补正申请"), "the form is gone once corrected");

    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["clarification_received_on"], today.to_string());
    let due = date(&case["deadline"]["due_on"]);
    assert_eq!(due, add_workdays(&app, today, 20).await, "20 working days from receipt");
    assert!(holiday > today && holiday <= due, "the holiday lies inside the period");
    assert!(due > official, "the new holiday moves the due day: {due} vs {official}");
    assert_eq!(case["correction"]["text"], text);
    assert_eq!(case["correction"]["received_on"], today.to_string());
    let files = case["correction"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2, "{case}");
    assert!(files.iter().all(|f| f["role"] == "correction"));
    assert!(case["timeline"].as_array().unwrap().iter().any(|e| e["kind"] == "申请人补正" && e["note"] == text));

    // The handler downloads the files; staff outside the handling unit's handlers do not see
    // them, nor does the public.
    let url = files[0]["url"].as_str().unwrap();
    let got = app.api_get(&handler, url).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);
    let other = staff_get(&app, &admin, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(other["correction"]["text"], text, "the text is part of the case");
    assert_eq!(other["correction"]["files"], json!([]), "{other}");
    assert!(other["files"].as_array().unwrap().iter().all(|f| f["role"] != "correction"));
    assert_eq!(app.api_get(&admin, url).await.status(), StatusCode::NOT_FOUND);
    let public: Value = app.get(&format!("/api/v1/requests/{no}?code={code}")).await.json().await.unwrap();
    assert!(public["files"].as_array().unwrap().is_empty(), "{public}");
    assert_eq!(public["clarification"], Value::Null);
    let file_id = files[0]["id"].as_i64().unwrap();
    let res = client()
        .post(app.url(&format!("/requests/{no}/files/{file_id}")))
        .form(&[("code", &code)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // The console case page shows the correction to the handler.
    let session = app.login("ybj_handler").await;
    let (status, console) = session.text(&format!("/admin/requests/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(console.contains("申请人补正") && console.contains("济医保发〔2025〕3号"));
    assert!(console.contains(&format!("/admin/requests/{id}/files/{file_id}")));

    // Audited with the applicant as actor.
    let records = staff_get(&app, &admin, &format!("/api/v1/audit?action=request.correction&object_id={id}")).await;
    let items = records["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{records}");
    assert_eq!(items[0]["actor_name"], "申请人", "{records}");

    // Once corrected, another correction is refused.
    let again = correct(&app, &no, &code, "再补充一些", &[]).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("不是待申请人补正"));
});

both!(a_correction_needs_the_code_the_state_and_good_input, |app: App| async move {
    let handler = app.token("ybj_handler").await;
    let (no, code, id) = applied(&app, &handler).await;
    step(&app, &handler, id, "confirm", json!({})).await;

    // Not awaiting a correction: refused, nothing changes.
    let res = correct(&app, &no, &code, "补正内容", &[]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(res.text().await.unwrap().contains("申请当前为“办理中”，不是待申请人补正"));

    step(&app, &handler, id, "clarification", json!({"what": "请写明年份"})).await;
    // A wrong code: the tracking form with the message, the case untouched.
    let res = correct(&app, &no, "WRONG234", "2025年", &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("申请编号或查询码：不正确"), "{page}");
    // Bad input is named field by field; the text typed is kept.
    let res = correct(&app, &no, &code, "  ", &[]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("补正内容：不能为空"));
    let res = correct(&app, &no, &code, "2025年的目录", &[("script.pdf", b"#!/bin/sh\n")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("“script.pdf”不是 PDF、JPG 或 PNG 文件") && page.contains("2025年的目录"), "{page}");
    let four: Vec<(&str, &[u8])> = vec![("a.pdf", PDF), ("b.pdf", PDF), ("c.pdf", PDF), ("d.pdf", PDF)];
    let res = correct(&app, &no, &code, "2025年", &four).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("最多上传 3 个文件"));
    let long = "年".repeat(2001);
    let res = correct(&app, &no, &code, &long, &[]).await;
    assert!(res.text().await.unwrap().contains("不能超过 2000 个字"));

    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["status"], "clarifying", "nothing was taken");
    assert_eq!(case["correction"], Value::Null);
    assert!(case["files"].as_array().unwrap().is_empty());
    // Wrong codes count as guesses for the tracking lookup.
    for _ in 0..5 {
        correct(&app, &no, "WRONG234", "2025年", &[]).await;
    }
    let res = correct(&app, &no, &code, "2025年", &[]).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS, "the address is locked out of this case");
});

// ----- the demo's letters -----

both!(every_replied_demo_case_has_its_letter, |app: App| async move {
    gongkai_app::demo::load(&app.store).await.unwrap();
    let demo: toml::Value = toml::from_str(include_str!("../../../app/demo/requests.toml")).unwrap();
    let replied: Vec<(&str, &str)> = demo["request"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| matches!(r["state"].as_str(), Some("replied" | "archived")))
        .map(|r| (r["tracking_no"].as_str().unwrap(), r["query_code"].as_str().unwrap()))
        .collect();
    // The demo's replies were approved through 审签, which wrote their letters.
    assert!(!replied.is_empty());
    let admin = app.token("admin").await;
    for (no, code) in replied {
        let view: Value = app.get(&format!("/api/v1/requests/{no}?code={code}")).await.json().await.unwrap();
        let letters: Vec<&Value> = view["files"].as_array().unwrap().iter().filter(|f| f["role"] == "letter").collect();
        assert!(!letters.is_empty(), "{no} has its letter: {view}");
        for f in &letters {
            let id = f["id"].as_i64().unwrap();
            let res = client()
                .post(app.url(&format!("/requests/{no}/files/{id}")))
                .form(&[("code", code)])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{no} {}", f["name"]);
            let ct = res.headers()["content-type"].to_str().unwrap().to_string();
            let bytes = res.bytes().await.unwrap();
            match ct.as_str() {
                "application/pdf" => assert!(bytes.starts_with(b"%PDF-"), "{no}"),
                _ => assert!(bytes.starts_with(b"PK"), "{no}: a DOCX"),
            }
        }
        // The tracking page offers it, and the console lists it.
        let res = client().post(app.url("/requests/track")).form(&[("tracking_no", no), ("code", code)]).send().await;
        let page = res.unwrap().text().await.unwrap();
        assert!(page.contains("（告知书）"), "{no}");
        let list = staff_get(&app, &admin, &format!("/api/v1/staff/requests?q={no}")).await;
        let id = list["items"][0]["id"].as_i64().unwrap();
        let case = staff_get(&app, &admin, &format!("/api/v1/staff/requests/{id}")).await;
        assert!(case["files"].as_array().unwrap().iter().any(|f| f["role"] == "letter"), "{no}");
    }
});

// ----- the form after an error -----

both!(the_form_after_an_error_keeps_the_challenge_and_the_proof, |app: App| async move {
    let unit = app.unit_id("济南市医疗保障局").await;
    let (_, form) = app.text("/requests/new").await;
    let challenge_id = between(&form, "name=\"challenge_id\" value=\"", "\"").to_string();
    let question = between(&form, "<label for=\"f-challenge_answer\">", "</label>").trim().to_string();
    let fields = |phone: &str, challenge_id: &str, answer: &str, question: &str| {
        reqwest::multipart::Form::new()
            .text("challenge_id", challenge_id.to_string())
            .text("challenge_question", question.to_string())
            .text("unit_id", unit.to_string())
            .text("applicant_type", "person")
            .text("name", "欧阳明远")
            .text("id_type", "citizen_id")
            .text("id_number", citizen_id("37010219850615123"))
            .text("phone", phone.to_string())
            .text("description", "2025年济南市门诊慢特病病种目录")
            .text("provision_form", "electronic")
            .text("delivery", "online")
            .text("challenge_answer", answer.to_string())
    };
    let answer = solve(&question);
    let first = fields("1381234567", &challenge_id, &answer, &question)
        .part("file", reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("身份证.pdf"));
    let res = client().post(app.url("/requests/new")).multipart(first).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.unwrap();
    assert!(again.contains("联系电话：手机号码应为 11 位（现有 10 位）"), "{again}");
    assert!(again.contains("href=\"#f-phone\""), "the summary links to the field");
    assert!(again.contains("value=\"1381234567\""), "the value typed is kept");
    assert!(again.contains(&format!("name=\"challenge_id\" value=\"{challenge_id}\"")), "the same challenge");
    assert!(again.contains(&format!("value=\"{answer}\"")), "and the answer given");
    assert!(again.contains("已上传：身份证.pdf（1 KB）"), "{again}");
    let token = between(&again, "name=\"identity_proof_token\" value=\"", "\"").to_string();

    // A forged or edited token is refused with a message, nothing is stored.
    let forged =
        fields("13812345678", &challenge_id, &answer, &question).text("identity_proof_token", format!("{}x", token));
    let res = client().post(app.url("/requests/new")).multipart(forged).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("身份证明：已上传的文件已过期，请重新选择上传"));

    // Corrected, without choosing the file again: the kept proof is filed with the case.
    let fixed = fields("13812345678", &challenge_id, &answer, &question).text("identity_proof_token", token.clone());
    let res = client().post(app.url("/requests/new")).multipart(fixed).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ack = res.text().await.unwrap();
    let no = between(&ack, "id=\"tracking-no\">", "<").to_string();
    let handler = app.token("ybj_handler").await;
    let list = staff_get(&app, &handler, &format!("/api/v1/staff/requests?q={no}")).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    let proof = case["files"].as_array().unwrap().iter().find(|f| f["role"] == "identity_proof").cloned();
    let proof = proof.unwrap_or_else(|| panic!("{case}"));
    assert_eq!(proof["name"], "身份证.pdf");
    let got = app.api_get(&handler, proof["url"].as_str().unwrap()).await;
    assert_eq!(got.bytes().await.unwrap().as_ref(), PDF);

    // A challenge answered wrongly is used up: a new question, the answer cleared, and why.
    let (_, form) = app.text("/requests/new").await;
    let challenge_id = between(&form, "name=\"challenge_id\" value=\"", "\"").to_string();
    let question = between(&form, "<label for=\"f-challenge_answer\">", "</label>").trim().to_string();
    let wrong = (solve(&question).parse::<u32>().unwrap() + 1).to_string();
    let res = client()
        .post(app.url("/requests/new"))
        .multipart(fields("13812345678", &challenge_id, &wrong, &question))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(page.contains("验证问题：回答不正确"), "{page}");
    assert!(!page.contains(&challenge_id), "a new challenge");
    // A question edited in the page is not shown again as if it were the challenge's.
    let (_, form) = app.text("/requests/new").await;
    let challenge_id = between(&form, "name=\"challenge_id\" value=\"", "\"").to_string();
    let res = client()
        .post(app.url("/requests/new"))
        .multipart(fields("138", &challenge_id, "", "一加一等于多少？二十加九等于多少？"))
        .send()
        .await
        .unwrap();
    let page = res.text().await.unwrap();
    assert!(!page.contains(&challenge_id), "an unmatched question gets a new challenge");
});
