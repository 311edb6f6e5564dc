//! Applications for disclosure (依申请公开) over HTTP: a citizen applies without an account and
//! follows the case with the tracking number and query code; bad input is named field by field
//! and stores nothing; a handler confirms receipt, asks for a clarification, coordinates with
//! another unit, extends once and drafts a reply that a second person approves, the due date
//! following the holiday calendar throughout; staff register applications received otherwise;
//! personal data stays with the handling unit's handlers; the processing fee; and the real
//! binary killed mid-stream loses no acknowledged application.

use crate::common;
use chrono::{Duration, NaiveDate, Utc};
use common::{App, chinese_number, client, problem, solve};
use gongkai_domain::calendar::Calendar;
use gongkai_domain::requests::{ClockFacts, Pause, ReplyClock, consultation_due, reply_clock};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

// ----- helpers -----

/// A fresh challenge from `base`: (id, the right answer).
async fn challenge_at(base: &str) -> (String, String) {
    let res = client().get(format!("{base}/api/v1/requests/challenge")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = res.json().await.unwrap();
    let question = c["question"].as_str().unwrap();
    assert!(c["expires_at"].as_str().is_some_and(|s| !s.is_empty()), "{c}");
    (c["id"].as_str().unwrap().to_string(), solve(question))
}

async fn challenge(app: &App) -> (String, String) {
    challenge_at(&app.base).await
}

fn citizen_id(first17: &str) -> String {
    format!("{first17}{}", gongkai_domain::codes::citizen_id_check_char(first17).unwrap())
}

fn credit_code(first17: &str) -> String {
    format!("{first17}{}", gongkai_domain::codes::credit_code_check_char(first17).unwrap())
}

const NAME: &str = "欧阳明远";
const PHONE: &str = "13905318765";
const ADDRESS: &str = "济南市历下区泉城路188号";

fn id_number() -> String {
    citizen_id("37010219850615123")
}

/// A person's application to `unit_id`, without the challenge.
fn person(unit_id: i64) -> Value {
    json!({
        "unit_id": unit_id.to_string(),
        "applicant_type": "person",
        "name": NAME,
        "id_type": "citizen_id",
        "id_number": id_number(),
        "phone": PHONE,
        "email": "ouyang@example.com",
        "address": ADDRESS,
        "postcode": "250011",
        "description": "2025年济南市城乡居民医疗保险门诊慢特病病种目录及其调整依据",
        "provision_form": "electronic",
        "delivery": "email",
    })
}

fn organisation(unit_id: i64) -> Value {
    json!({
        "unit_id": unit_id.to_string(),
        "applicant_type": "organisation.business",
        "name": "济南泉水医药科技有限公司",
        "credit_code": credit_code("91370102MA3C5K7X2"),
        "legal_representative": "李四",
        "contact_person": "王五",
        "phone": "0531-88990011",
        "address": "济南市历下区经十路1号",
        "description": "本公司2025年医保定点协议的考核结果",
        "provision_form": "paper",
        "delivery": "post",
    })
}

fn with(mut body: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

async fn post_application(base: &str, body: &Value, forwarded_for: Option<&str>) -> Response {
    let mut req = client().post(format!("{base}/api/v1/requests")).json(body);
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    req.send().await.unwrap()
}

/// Solves a fresh challenge and submits.
async fn apply(app: &App, body: Value) -> Response {
    let (id, answer) = challenge(app).await;
    post_application(&app.base, &with(body, json!({"challenge_id": id, "challenge_answer": answer})), None).await
}

/// Applies and expects an acknowledgement; returns it.
async fn applied(app: &App, body: Value) -> Value {
    let res = apply(app, body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

/// The fields a problem document names, in order.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// A 422 whose first field is `field`.
async fn invalid(res: Response, field: &str) -> Value {
    let body = problem(res, 422).await;
    assert_eq!(body["field"], field, "{body}");
    body
}

async fn track(app: &App, tracking_no: &str, code: &str) -> Response {
    app.get(&format!("/api/v1/requests/{tracking_no}?code={code}")).await
}

fn today() -> NaiveDate {
    gongkai_domain::time::date_in_china(Utc::now())
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

fn due_of(clock: ReplyClock) -> NaiveDate {
    match clock {
        ReplyClock::Due(c) => c.value,
        other => panic!("not due: {other:?}"),
    }
}

fn date(v: &Value) -> NaiveDate {
    NaiveDate::parse_from_str(v.as_str().unwrap_or_else(|| panic!("not a date: {v}")), "%Y-%m-%d").unwrap()
}

/// The server's own calendar, asked over HTTP.
async fn add_workdays(app: &App, from: NaiveDate, n: u32) -> NaiveDate {
    let res: Value =
        app.get(&format!("/api/v1/calendar/add-workdays?from={from}&days={n}")).await.json().await.unwrap();
    date(&res["date"])
}

async fn staff_get(app: &App, token: &str, path: &str) -> Value {
    let res = app.api_get(token, path).await;
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    res.json().await.unwrap()
}

/// Takes a step and expects success; returns the case.
async fn step(app: &App, token: &str, id: i64, name: &str, body: Value) -> Value {
    let res = step_res(app, token, id, name, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "step {name}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn step_res(app: &App, token: &str, id: i64, name: &str, body: Value) -> Response {
    app.api_json(Method::POST, token, &format!("/api/v1/staff/requests/{id}/steps/{name}"), body).await
}

/// The internal id of a case, found in the handler's queue by its tracking number.
async fn case_id(app: &App, token: &str, tracking_no: &str) -> i64 {
    let list = staff_get(app, token, &format!("/api/v1/staff/requests?q={tracking_no}")).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["tracking_no"], tracking_no);
    list["items"][0]["id"].as_i64().unwrap()
}

async fn queue_total(app: &App, token: &str) -> i64 {
    staff_get(app, token, "/api/v1/staff/requests").await["total"].as_i64().unwrap()
}

/// Makes an account through the API as the system administrator; returns a token for it.
async fn new_user(app: &App, username: &str, unit_id: i64, roles: &[&str]) -> String {
    let admin = app.token("admin").await;
    let res = app
        .api_json(
            Method::POST,
            &admin,
            "/api/v1/users",
            json!({"username": username, "display_name": "测试人员", "unit_id": unit_id, "roles": roles, "password": "Requests-Test-2026"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
    app.token(username).await
}

/// Audit records with this action (and object id, if given), as the system administrator sees them.
async fn audit(app: &App, action: &str, object_id: Option<i64>) -> Vec<Value> {
    let admin = app.token("admin").await;
    let mut path = format!("/api/v1/audit?action={action}&per_page=500");
    if let Some(id) = object_id {
        path.push_str(&format!("&object_id={id}"));
    }
    staff_get(app, &admin, &path).await["items"].as_array().unwrap().clone()
}

/// Pretends an online application was submitted earlier, so receipt can be confirmed for a
/// past day (the confirmation may not precede the submission).
async fn age_submission(app: &App, id: i64, submitted_on: NaiveDate) {
    let at = format!("{submitted_on}T01:00:00.000000Z");
    let mut conn = common::raw_conn(&app.store).await;
    sqlx::query(&format!("UPDATE requests SET submitted_at = '{at}' WHERE id = {id}"))
        .execute(&mut conn)
        .await
        .unwrap();
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn assert_no_personal_data(text: &str, what: &str) {
    for secret in [NAME, PHONE, ADDRESS, &id_number(), "ouyang@example.com"] {
        assert!(!text.contains(secret), "{what} shows {secret}: {text}");
    }
}

#[test]
fn the_challenge_parser_reads_every_question_the_server_asks() {
    assert_eq!(solve("十三加五等于多少？"), "18");
    assert_eq!(solve("二十减九等于多少？"), "11");
    assert_eq!(solve("二加一等于多少？"), "3");
    assert_eq!(solve("十减十等于多少？"), "0");
    assert_eq!(chinese_number("二十九"), 29);
    assert_eq!(base64(b"Man"), "TWFu");
    assert_eq!(base64(b"Ma"), "TWE=");
    assert_eq!(base64(b"M"), "TQ==");
}

// ----- 1. apply and track -----

both!(a_citizen_applies_and_follows_the_case_with_the_code, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let ack = applied(&app, person(ybj)).await;
    let tracking_no = ack["tracking_no"].as_str().unwrap().to_string();
    let code = ack["query_code"].as_str().unwrap().to_string();
    assert_eq!(ack["status"], "awaiting_confirmation");
    assert_eq!(ack["status_label"], "待确认收到");
    assert!(tracking_no.starts_with(&today().format("%Y%m").to_string()) && tracking_no.len() == 14, "{tracking_no}");
    assert_eq!(code.len(), 8);
    assert_eq!(ack["track_url"], format!("/requests/{tracking_no}?code={code}"));

    // The right code shows the case, and nothing personal.
    let res = track(&app, &tracking_no, &code).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert_no_personal_data(&text, "the public tracking JSON");
    let view: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(view["tracking_no"], tracking_no.as_str());
    assert_eq!(view["status"], "awaiting_confirmation");
    assert_eq!(view["unit"], "济南市医疗保障局");
    assert_eq!(view["deadline"]["kind"], "none");
    assert_eq!(view["deadline"]["due_on"], Value::Null);
    assert_eq!(view["received_on"], Value::Null);
    assert_eq!(view["outcome"], Value::Null);
    assert_eq!(view["timeline"].as_array().unwrap().len(), 1, "{view}");
    assert_eq!(view["timeline"][0]["kind"], "网上提交申请");
    assert!(view["timeline"][0].get("actor").is_none(), "no staff names on the public timeline");
    // The code is not case-sensitive and may carry spaces.
    let res = track(&app, &tracking_no, &format!("%20{}%20", code.to_lowercase())).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The portal's tracking form shows the same, without personal data.
    let res = client()
        .post(app.url("/requests/track"))
        .form(&[("tracking_no", tracking_no.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains(&tracking_no) && html.contains("待确认收到"), "{html}");
    assert_no_personal_data(&html, "the tracking page");

    // A wrong code and an unknown number get the same answer.
    let wrong = problem(track(&app, &tracking_no, "WRONG234").await, 422).await;
    assert_eq!(wrong["field"], "code");
    let unknown = problem(track(&app, "20990100000000", &code).await, 422).await;
    assert_eq!(unknown, wrong, "an unknown number cannot be told from a wrong code");
    let missing = problem(track(&app, &tracking_no, "").await, 422).await;
    assert_eq!(missing["field"], "code");

    // Guessing stops after five wrong codes for one number, even with the right one.
    for _ in 0..3 {
        problem(track(&app, &tracking_no, "WRONG234").await, 422).await;
    }
    let res = track(&app, &tracking_no, "WRONG234").await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    problem(res, 429).await;
    problem(track(&app, &tracking_no, &code).await, 429).await;
});

both!(submissions_are_rate_limited_per_address, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    for _ in 0..10 {
        applied(&app, person(ybj)).await;
    }
    let (id, answer) = challenge(&app).await;
    let body = with(person(ybj), json!({"challenge_id": id, "challenge_answer": answer}));
    let res = post_application(&app.base, &body, None).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let p = problem(res, 429).await;
    assert!(p["detail"].as_str().unwrap().contains("提交申请过于频繁"), "{p}");
    let handler = app.token("ybj_handler").await;
    assert_eq!(queue_total(&app, &handler).await, 10);
});

// ----- 2. bad input -----

both!(bad_applications_are_named_and_store_nothing, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    let before = queue_total(&app, &handler).await;

    let bad_id = format!("{}{}", &id_number()[..17], if id_number().ends_with('1') { '2' } else { '1' });
    let bad_code = credit_code("91370102MA3C5K7X2").replace("MA3", "MA4");
    let cases = [
        (with(person(ybj), json!({"id_number": bad_id})), "id_number", "校验位"),
        (with(organisation(ybj), json!({"credit_code": bad_code})), "credit_code", "校验位"),
        (with(organisation(ybj), json!({"credit_code": "91370102MA3C5K7X"})), "credit_code", "18"),
        (with(person(ybj), json!({"description": ""})), "description", "不能为空"),
        (with(person(ybj), json!({"description": "文件"})), "description", "特征性描述"),
        (with(person(ybj), json!({"phone": "abc"})), "phone", "电话号码"),
        (with(person(ybj), json!({"unit_id": "999999"})), "unit_id", "不是可选的机关"),
        (with(person(ybj), json!({"unit_id": ""})), "unit_id", "请选择"),
        (with(person(ybj), json!({"applicant_type": "alien"})), "applicant_type", "不是可选的值"),
        (
            with(
                person(ybj),
                json!({"identity_proof": {"name": "证件.txt", "content_base64": base64(b"not a picture")}}),
            ),
            "identity_proof",
            "PDF",
        ),
    ];
    for (body, field, message) in cases {
        let p = invalid(apply(&app, body).await, field).await;
        let text = p["errors"][0]["message"].as_str().unwrap();
        assert!(text.contains(message), "{field}: {p}");
        assert!(!fields(&p).contains(&"challenge_answer".to_string()), "the challenge is not blamed: {p}");
    }
    // Several problems are named at once.
    let p = invalid(apply(&app, with(person(ybj), json!({"name": "", "phone": "", "description": ""}))).await, "name")
        .await;
    assert_eq!(fields(&p), vec!["name", "phone", "description"]);

    // The challenge: missing, wrong, unknown.
    let p = invalid(post_application(&app.base, &person(ybj), None).await, "challenge_answer").await;
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("请回答验证问题"), "{p}");
    let (id, answer) = challenge(&app).await;
    let wrong = (answer.parse::<u32>().unwrap() + 1).to_string();
    let body = with(person(ybj), json!({"challenge_id": id, "challenge_answer": wrong}));
    let p = invalid(post_application(&app.base, &body, None).await, "challenge_answer").await;
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("回答不正确"), "{p}");
    // A wrongly answered challenge is used up: the right answer no longer counts.
    let body = with(person(ybj), json!({"challenge_id": id, "challenge_answer": answer}));
    let p = invalid(post_application(&app.base, &body, None).await, "challenge_answer").await;
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("已失效"), "{p}");
    let body = with(person(ybj), json!({"challenge_id": "ch_made_up", "challenge_answer": "7"}));
    invalid(post_application(&app.base, &body, None).await, "challenge_answer").await;
    // An expired challenge (issued over an hour ago) is refused even with the right answer.
    let old = gongkai_web::requests::challenge::issue_at(&app.state, Utc::now() - Duration::hours(2)).await.unwrap();
    let (id, answer) = (old.id, solve(&old.question));
    let body = with(person(ybj), json!({"challenge_id": id, "challenge_answer": answer}));
    let p = invalid(post_application(&app.base, &body, None).await, "challenge_answer").await;
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("过期")
            || p["errors"][0]["message"].as_str().unwrap().contains("失效"),
        "{p}"
    );
    assert_eq!(queue_total(&app, &handler).await, before, "nothing was stored");

    // A typo elsewhere does not burn the challenge; once used, it cannot be used again.
    let (id, answer) = challenge(&app).await;
    let answered = json!({"challenge_id": id, "challenge_answer": answer});
    let typo = with(with(person(ybj), answered.clone()), json!({"id_number": bad_id}));
    invalid(post_application(&app.base, &typo, None).await, "id_number").await;
    let good = with(person(ybj), answered.clone());
    assert_eq!(post_application(&app.base, &good, None).await.status(), StatusCode::CREATED);
    let p = invalid(post_application(&app.base, &good, None).await, "challenge_answer").await;
    assert!(p["errors"][0]["message"].as_str().unwrap().contains("已失效"), "{p}");
    // Full-width digits are accepted as the answer.
    let (id, answer) = challenge(&app).await;
    let full_width: String = answer.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
    let body = with(organisation(ybj), json!({"challenge_id": id, "challenge_answer": full_width}));
    assert_eq!(post_application(&app.base, &body, None).await.status(), StatusCode::CREATED);
    assert_eq!(queue_total(&app, &handler).await, before + 2, "exactly the two good applications");
});

// ----- 3. handling: receipt, clarification, coordination, extension, reply and approval -----

both!(a_handler_takes_a_case_from_receipt_to_reply, |app: App| async move {
    let cal = Calendar::official();
    let today = today();
    let ybj = app.unit_id("济南市医疗保障局").await;
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    let handler = app.token("ybj_handler").await;
    let ack = applied(&app, person(ybj)).await;
    let (tracking_no, code) = (ack["tracking_no"].as_str().unwrap(), ack["query_code"].as_str().unwrap());
    let id = case_id(&app, &handler, tracking_no).await;
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["status"], "awaiting_confirmation");
    assert_eq!(case["channel"], "online");

    // Receipt is confirmed for the day the handler saw it, not before the submission and not
    // in the future.
    let submitted = today - days(45);
    let received = today - days(40);
    age_submission(&app, id, submitted).await;
    invalid(step_res(&app, &handler, id, "confirm", json!({"on": (today + days(1)).to_string()})).await, "on").await;
    invalid(step_res(&app, &handler, id, "confirm", json!({"on": "2025-02-30"})).await, "on").await;
    // Not before the submission; the problem names the field the caller filled in.
    let early = step_res(&app, &handler, id, "confirm", json!({"on": (submitted - days(1)).to_string()})).await;
    invalid(early, "on").await;
    let case = step(&app, &handler, id, "confirm", json!({"on": received.to_string()})).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["received_on"], received.to_string());
    let due = date(&case["deadline"]["due_on"]);
    assert_eq!(due, add_workdays(&app, received, 20).await, "20 working days by the server's calendar");
    let facts = ClockFacts { received_on: Some(received), ..Default::default() };
    assert_eq!(due, due_of(reply_clock(&cal, &facts)), "and by the domain's");
    assert_eq!(case["deadline"]["kind"], "reply");
    assert_eq!(case["deadline"]["days_left"], cal.workdays_between(today, due).value);
    let me: Value = staff_get(&app, &handler, "/api/v1/me").await;
    assert_eq!(case["handler_id"], me["id"], "the confirming handler takes the case");
    assert_eq!(step_res(&app, &handler, id, "confirm", json!({})).await.status(), StatusCode::CONFLICT);

    // 补正: asked once; the clock waits, then starts again from the corrected application.
    let asked = received + days(2);
    let case = step(
        &app,
        &handler,
        id,
        "clarification",
        json!({"on": asked.to_string(), "what": "请写明所需病种目录的年份和文号"}),
    )
    .await;
    assert_eq!(case["status"], "clarifying");
    assert_eq!(case["deadline"]["kind"], "awaiting_clarification");
    assert_eq!(case["deadline"]["due_on"], Value::Null);
    let view: Value = track(&app, tracking_no, code).await.json().await.unwrap();
    assert_eq!(view["status"], "clarifying");
    assert!(
        view["timeline"].as_array().unwrap().iter().any(|e| e["note"].as_str().unwrap().contains("病种目录的年份"))
    );
    let clarified = today - days(21);
    invalid(
        step_res(&app, &handler, id, "clarification-received", json!({"on": (asked - days(1)).to_string()})).await,
        "on",
    )
    .await;
    let case = step(&app, &handler, id, "clarification-received", json!({"on": clarified.to_string()})).await;
    assert_eq!(case["status"], "in_progress");
    let facts =
        ClockFacts { clarification_requested_on: Some(asked), clarification_received_on: Some(clarified), ..facts };
    let restarted = due_of(reply_clock(&cal, &facts));
    assert_eq!(restarted, add_workdays(&app, clarified, 20).await);
    assert_eq!(date(&case["deadline"]["due_on"]), restarted, "the period restarts from the corrected application");
    let again = step_res(&app, &handler, id, "clarification", json!({"what": "再补一次"})).await;
    assert_eq!(problem(again, 409).await["field"], "state", "every correction is asked for at once");

    // 会商协查 with another unit: the clock stops until it answers.
    let sent = today - days(7);
    assert!(sent < restarted, "the coordination starts before the reply is due");
    invalid(
        step_res(
            &app,
            &handler,
            id,
            "consultations",
            json!({"kind": "coordination", "question": "请提供病种调整的会议纪要"}),
        )
        .await,
        "target_unit_id",
    )
    .await;
    invalid(
        step_res(
            &app,
            &handler,
            id,
            "consultations",
            json!({"kind": "coordination", "target_unit_id": ybj, "question": "本机关", "on": sent.to_string()}),
        )
        .await,
        "target_unit_id",
    )
    .await;
    let case = step(
        &app,
        &handler,
        id,
        "consultations",
        json!({"kind": "coordination", "target_unit_id": zjj, "question": "请提供病种调整涉及的住房保障数据", "on": sent.to_string()}),
    )
    .await;
    assert_eq!(case["status"], "consulting");
    assert_eq!(case["deadline"]["kind"], "paused");
    assert_eq!(case["deadline"]["due_on"], Value::Null);
    let consultation = &case["consultations"][0];
    assert_eq!(consultation["target_unit_id"], zjj);
    assert_eq!(date(&consultation["due_on"]), consultation_due(&cal, sent).value);
    let cid = consultation["id"].as_i64().unwrap();

    // The other unit's handler sees the question, never the applicant.
    let other = app.token("zjj_handler").await;
    let res = app.api_get(&other, "/api/v1/staff/coordinations?open=1").await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert_no_personal_data(&text, "the coordination queue");
    let queue: Value = serde_json::from_str(&text).unwrap();
    let item = queue.as_array().unwrap().iter().find(|c| c["id"] == cid).unwrap_or_else(|| panic!("{queue}"));
    assert_eq!(item["tracking_no"], tracking_no);
    assert_eq!(item["request_id"], id);
    assert_eq!(item["from_unit"], "济南市医疗保障局");
    assert!(item["description"].as_str().unwrap().contains("门诊慢特病"));
    let res = app.api_get(&other, &format!("/api/v1/staff/requests/{id}?applicant=1")).await;
    assert_eq!(res.status(), StatusCode::OK, "a coordinating unit reads the request it was asked about");
    let text = res.text().await.unwrap();
    assert_no_personal_data(&text, "the coordinating unit's view");
    assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["applicant"], Value::Null);
    assert!(audit(&app, "request.view_applicant", Some(id)).await.is_empty());
    // The coordinating unit may answer, not handle the case.
    let res = step_res(&app, &other, id, "extension", json!({"days": 5, "reason": "x", "approver": "y"})).await;
    problem(res, 404).await;
    let lixia = app.token("lixia_handler").await;
    let res = app
        .api_json(Method::POST, &lixia, &format!("/api/v1/staff/coordinations/{cid}/answer"), json!({"answer": "无"}))
        .await;
    problem(res, 404).await;
    let res = app
        .api_json(Method::POST, &other, &format!("/api/v1/staff/coordinations/{cid}/answer"), json!({"answer": ""}))
        .await;
    invalid(res, "answer").await;
    let res = app
        .api_json(
            Method::POST,
            &other,
            &format!("/api/v1/staff/coordinations/{cid}/answer"),
            json!({"answer": "经核查，本局不掌握相关数据"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .api_json(
            Method::POST,
            &other,
            &format!("/api/v1/staff/coordinations/{cid}/answer"),
            json!({"answer": "再答一次"}),
        )
        .await;
    problem(res, 409).await;
    let open: Value = staff_get(&app, &other, "/api/v1/staff/coordinations?open=1").await;
    assert!(open.as_array().unwrap().iter().all(|c| c["id"] != cid), "answered coordinations leave the open queue");

    // Back in progress; the due date moved by the working days the coordination took.
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["consultations"][0]["answered_on"], today.to_string());
    let facts = ClockFacts { pauses: vec![Pause { from: sent, to: Some(today) }], ..facts };
    let moved = due_of(reply_clock(&cal, &facts));
    let paused_days = cal.workdays_between(sent, today).value as u32;
    assert_eq!(moved, add_workdays(&app, clarified, 20 + paused_days).await, "moved by {paused_days} working days");
    assert_eq!(date(&case["deadline"]["due_on"]), moved);

    // 延期: once, at most 20 working days.
    invalid(
        step_res(&app, &handler, id, "extension", json!({"days": 21, "reason": "数据量大", "approver": "张主任"}))
            .await,
        "days",
    )
    .await;
    invalid(step_res(&app, &handler, id, "extension", json!({"days": 15, "reason": "数据量大"})).await, "approver")
        .await;
    let case = step(
        &app,
        &handler,
        id,
        "extension",
        json!({"days": 15, "reason": "需调取多年档案", "approver": "市医保局政务公开办主任张某"}),
    )
    .await;
    assert_eq!(case["extension_days"], 15);
    let facts = ClockFacts { extension_days: 15, ..facts };
    let extended = due_of(reply_clock(&cal, &facts));
    assert_eq!(extended, add_workdays(&app, clarified, 35 + paused_days).await);
    assert_eq!(date(&case["deadline"]["due_on"]), extended);
    let again =
        step_res(&app, &handler, id, "extension", json!({"days": 5, "reason": "再延", "approver": "张某"})).await;
    assert_eq!(problem(again, 409).await["field"], "state");

    // The reply: reasons for what is withheld; 审签 by someone else.
    let draft = json!({"outcome": "partially_disclosed", "provided": "病种目录（2025年版）"});
    let p = invalid(step_res(&app, &handler, id, "reply", draft.clone()).await, "reasons").await;
    assert_eq!(fields(&p), vec!["reasons"]);
    invalid(step_res(&app, &handler, id, "reply", json!({"outcome": "granted"})).await, "outcome").await;
    let case = step(
        &app,
        &handler,
        id,
        "reply",
        with(draft, json!({"reasons": "会议纪要属于过程性信息，依据条例第十六条不予公开"})),
    )
    .await;
    assert_eq!(case["status"], "awaiting_approval");
    assert_eq!(case["reply"]["drafter_id"], me["id"]);
    let view: Value = track(&app, tracking_no, code).await.json().await.unwrap();
    assert_eq!(view["outcome"], Value::Null, "no outcome before the reply is sent");
    let own = step_res(&app, &handler, id, "approve", json!({})).await;
    let p = problem(own, 409).await;
    assert_eq!(p["field"], "state");
    assert!(p["detail"].as_str().unwrap().contains("审签"), "{p}");
    let second = new_user(&app, "ybj_handler2", ybj, &["request_handler"]).await;
    let editor = app.token("ybj_editor").await;
    problem(step_res(&app, &editor, id, "approve", json!({})).await, 404).await;
    let early = step_res(&app, &second, id, "approve", json!({"on": (received - days(1)).to_string()})).await;
    invalid(early, "on").await;
    invalid(step_res(&app, &second, id, "approve", json!({"on": (today + days(1)).to_string()})).await, "on").await;
    let case = step(&app, &second, id, "approve", json!({})).await;
    assert_eq!(case["status"], "replied");
    assert_eq!(case["reply"]["replied_on"], today.to_string());
    assert_ne!(case["reply"]["approver_id"], me["id"]);

    // The applicant sees the outcome and the day of the reply, not the internal steps.
    let view: Value = track(&app, tracking_no, code).await.json().await.unwrap();
    assert_eq!(view["status"], "replied");
    assert_eq!(view["outcome"], "partially_disclosed");
    assert_eq!(view["outcome_label"], "部分公开");
    assert_eq!(view["replied_on"], today.to_string());
    assert_eq!(view["deadline"]["kind"], "none");
    let kinds: Vec<&str> = view["timeline"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    for kind in [
        "网上提交申请",
        "确认收到申请",
        "告知补正",
        "收到补正材料",
        "会商协查",
        "收到协查意见",
        "延长答复期限",
        "已答复",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(!kinds.contains(&"答复提交审签"), "审签 is internal: {kinds:?}");
    let staff_kinds = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_string())
        .collect::<Vec<_>>();
    assert!(staff_kinds.contains(&"答复提交审签".to_string()), "{staff_kinds:?}");

    // Replied is replied.
    let again = step_res(&app, &handler, id, "reply", json!({"outcome": "disclosed", "provided": "全部"})).await;
    assert_eq!(problem(again, 409).await["field"], "state");
    assert_eq!(step_res(&app, &second, id, "approve", json!({})).await.status(), StatusCode::CONFLICT);
    assert_eq!(step_res(&app, &handler, id, "withdraw", json!({})).await.status(), StatusCode::CONFLICT);
    let case = step(&app, &handler, id, "archive", json!({})).await;
    assert_eq!(case["status"], "archived");
    for action in [
        "request.confirm",
        "request.clarification",
        "request.consult",
        "request.extend",
        "request.reply",
        "request.approve",
    ] {
        assert_eq!(audit(&app, action, Some(id)).await.len(), 1, "{action} is audited");
    }
    assert_eq!(audit(&app, "request.coordination_answer", Some(id)).await[0]["actor_name"], "zjj_handler");
});

// ----- 4. registration of applications received otherwise -----

both!(staff_register_applications_received_in_person, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    let received = today() - days(10);
    let body = with(person(ybj), json!({"channel": "in_person", "received_on": received.to_string()}));
    let res = app.api_json(Method::POST, &handler, "/api/v1/staff/requests", body.clone()).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let ack: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(ack["status"], "in_progress");
    let (tracking_no, code) = (ack["tracking_no"].as_str().unwrap(), ack["query_code"].as_str().unwrap());
    let id = case_id(&app, &handler, tracking_no).await;
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["channel"], "in_person");
    assert_eq!(case["received_on"], received.to_string());
    assert_eq!(date(&case["deadline"]["due_on"]), add_workdays(&app, received, 20).await);
    let me = staff_get(&app, &handler, "/api/v1/me").await;
    assert_eq!(case["handler_id"], me["id"]);
    // The applicant follows it like an online one.
    let view: Value = track(&app, tracking_no, code).await.json().await.unwrap();
    assert_eq!(view["status"], "in_progress");
    assert_eq!(view["channel"], "当面申请");
    assert_eq!(view["received_on"], received.to_string());
    assert_eq!(date(&view["deadline"]["due_on"]), add_workdays(&app, received, 20).await);

    // Audited, with the handler as the actor.
    let records = audit(&app, "request.create", Some(id)).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["actor_name"], "ybj_handler");
    assert!(records[0]["summary"].as_str().unwrap().contains(tracking_no));

    // Bad registrations are named and stored nowhere.
    let before = queue_total(&app, &handler).await;
    let register = |changes: Value| {
        let (app, handler, body) = (app.clone(), handler.clone(), with(body.clone(), changes));
        async move { app.api_json(Method::POST, &handler, "/api/v1/staff/requests", body).await }
    };
    invalid(register(json!({"received_on": (today() + days(1)).to_string()})).await, "received_on").await;
    invalid(register(json!({"received_on": ""})).await, "received_on").await;
    invalid(register(json!({"received_on": "2025-13-01"})).await, "received_on").await;
    invalid(register(json!({"received_on": (today() - days(5 * 365)).to_string()})).await, "received_on").await;
    invalid(register(json!({"channel": "online"})).await, "channel").await;
    invalid(register(json!({"channel": "pigeon"})).await, "channel").await;
    invalid(register(json!({"description": ""})).await, "description").await;
    assert_eq!(queue_total(&app, &handler).await, before);
    // Only handlers register, and only for their own unit.
    let editor = app.token("ybj_editor").await;
    problem(app.api_json(Method::POST, &editor, "/api/v1/staff/requests", body.clone()).await, 403).await;
    let other = app.token("zjj_handler").await;
    problem(app.api_json(Method::POST, &other, "/api/v1/staff/requests", body.clone()).await, 403).await;
    // A post application received the day before yesterday, for another unit's own handler.
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    let post = with(organisation(zjj), json!({"channel": "post", "received_on": (today() - days(2)).to_string()}));
    let res = app.api_json(Method::POST, &other, "/api/v1/staff/requests", post).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(queue_total(&app, &handler).await, before, "another unit's case is not in this queue");
});

// ----- 5. personal data -----

both!(only_the_handling_units_handlers_see_the_applicant, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    let proof = json!({"name": "身份证.pdf", "content_base64": base64(b"%PDF-1.4\n% identity card scan\n%%EOF\n")});
    let ack = applied(&app, with(person(ybj), json!({"identity_proof": proof}))).await;
    let id = case_id(&app, &handler, ack["tracking_no"].as_str().unwrap()).await;

    // Another unit's handler does not even learn that the case exists.
    for other in ["zjj_handler", "lixia_handler"] {
        let token = app.token(other).await;
        problem(app.api_get(&token, &format!("/api/v1/staff/requests/{id}")).await, 404).await;
        problem(app.api_get(&token, &format!("/api/v1/staff/requests/{id}?applicant=1")).await, 404).await;
        problem(step_res(&app, &token, id, "confirm", json!({})).await, 404).await;
        let list =
            staff_get(&app, &token, &format!("/api/v1/staff/requests?q={}", ack["tracking_no"].as_str().unwrap()))
                .await;
        assert_eq!(list["total"], 0, "{other}");
        problem(app.api_get(&token, &format!("/api/v1/staff/requests?unit_id={ybj}")).await, 403).await;
    }
    problem(app.api_get(&handler, "/api/v1/staff/requests/999999").await, 404).await;

    // The unit's administrator and an evaluator read the case, never the applicant.
    let evaluator = new_user(&app, "ybj_evaluator", ybj, &["evaluator"]).await;
    for (who, token) in [("ybj_admin", app.token("ybj_admin").await), ("ybj_evaluator", evaluator)] {
        let res = app.api_get(&token, &format!("/api/v1/staff/requests/{id}?applicant=1")).await;
        assert_eq!(res.status(), StatusCode::OK, "{who}");
        let text = res.text().await.unwrap();
        assert_no_personal_data(&text, who);
        let case: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(case["applicant"], Value::Null, "{who}");
        assert!(case["files"].as_array().unwrap().is_empty(), "{who} does not see the identity proof");
        assert_eq!(case["description"], person(ybj)["description"], "{who} reads the request");
        problem(step_res(&app, &token, id, "confirm", json!({})).await, 403).await;
    }
    assert!(audit(&app, "request.view_applicant", Some(id)).await.is_empty(), "no personal data was shown yet");

    // The handler sees it only when asking for it, and each view is audited.
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["applicant"], Value::Null);
    assert!(audit(&app, "request.view_applicant", Some(id)).await.is_empty());
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}?applicant=1")).await;
    let applicant = &case["applicant"];
    assert_eq!(applicant["name"], NAME);
    assert_eq!(applicant["id_number"], id_number());
    assert_eq!(applicant["phone"], PHONE);
    assert_eq!(applicant["address"], ADDRESS);
    assert_eq!(applicant["id_type"], "居民身份证");
    let records = audit(&app, "request.view_applicant", Some(id)).await;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["actor_name"], "ybj_handler");
    assert_eq!(records[0]["object_type"], "request");

    // The identity proof: to the handler (audited again), to nobody else.
    let files = case["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{case}");
    assert_eq!(files[0]["role"], "identity_proof");
    assert_eq!(files[0]["content_type"], "application/pdf");
    let url = files[0]["url"].as_str().unwrap().to_string();
    let res = app.api_get(&handler, &url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF-1.4"));
    assert_eq!(audit(&app, "request.view_applicant", Some(id)).await.len(), 2);
    problem(app.api_get(&app.token("ybj_admin").await, &url).await, 404).await;
    problem(app.api_get(&app.token("zjj_handler").await, &url).await, 404).await;
    // The public tracking page never lists it.
    let view: Value = track(&app, ack["tracking_no"].as_str().unwrap(), ack["query_code"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert!(view["files"].as_array().unwrap().is_empty(), "{view}");
});

// ----- 6. the processing fee -----

both!(a_processing_fee_is_noticed_and_paid, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    let body = with(person(ybj), json!({"channel": "in_person", "received_on": (today() - days(3)).to_string()}));
    let res = app.api_json(Method::POST, &handler, "/api/v1/staff/requests", body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let ack: Value = res.json().await.unwrap();
    let (tracking_no, code) = (ack["tracking_no"].as_str().unwrap(), ack["query_code"].as_str().unwrap());
    let id = case_id(&app, &handler, tracking_no).await;

    // Within the free allowance there is nothing to notice.
    invalid(step_res(&app, &handler, id, "fee-notice", json!({"basis": "per_page", "quantity": 30})).await, "quantity")
        .await;
    invalid(
        step_res(&app, &handler, id, "fee-notice", json!({"basis": "per_item", "quantity": 3, "earlier_items": 5}))
            .await,
        "quantity",
    )
    .await;
    invalid(step_res(&app, &handler, id, "fee-notice", json!({"basis": "by_weight", "quantity": 300})).await, "basis")
        .await;
    // Too early to answer that the fee was not paid.
    let p = problem(
        step_res(&app, &handler, id, "reply", json!({"outcome": "other.fee_unpaid", "reasons": "未缴费"})).await,
        409,
    )
    .await;
    assert_eq!(p["field"], "outcome");

    // 150 pages: 31–100 at 10 yuan, 101–150 at 20 yuan (国办函〔2020〕109号).
    let case = step(&app, &handler, id, "fee-notice", json!({"basis": "per_page", "quantity": 150})).await;
    assert_eq!(gongkai_domain::processing_fee::per_page_fee(150), 1700);
    assert_eq!(case["fee_yuan"], 70 * 10 + 50 * 20);
    assert_eq!(case["status"], "awaiting_fee");
    assert_eq!(case["fee_noticed_on"], today().to_string());
    let pay_by = add_workdays(&app, today(), 20).await;
    assert_eq!(case["deadline"]["kind"], "fee");
    assert_eq!(date(&case["deadline"]["due_on"]), pay_by);
    let view: Value = track(&app, tracking_no, code).await.json().await.unwrap();
    assert_eq!(view["status"], "awaiting_fee");
    let notice = view["timeline"].as_array().unwrap().iter().find(|e| e["kind"] == "发出收费通知").cloned().unwrap();
    assert!(
        notice["note"].as_str().unwrap().contains("1700 元")
            && notice["note"].as_str().unwrap().contains(&pay_by.to_string())
    );

    // Before the payment period ends the application cannot lapse; no other reply fits either.
    let unpaid = json!({"outcome": "other.fee_unpaid", "reasons": "申请人逾期未缴纳信息处理费"});
    let p = problem(step_res(&app, &handler, id, "reply", unpaid).await, 409).await;
    assert_eq!(p["field"], "outcome");
    assert!(p["detail"].as_str().unwrap().contains(&pay_by.to_string()), "{p}");
    let p =
        problem(step_res(&app, &handler, id, "reply", json!({"outcome": "disclosed", "provided": "全部"})).await, 409)
            .await;
    assert_eq!(p["field"], "outcome");
    assert_eq!(
        step_res(&app, &handler, id, "extension", json!({"days": 5, "reason": "x", "approver": "y"})).await.status(),
        StatusCode::CONFLICT
    );
    invalid(step_res(&app, &handler, id, "fee-payment", json!({"on": (today() - days(1)).to_string()})).await, "on")
        .await;

    let case = step(&app, &handler, id, "fee-payment", json!({})).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["fee_paid_on"], today().to_string());
    assert_eq!(case["fee_yuan"], 1700);
    assert_eq!(case["deadline"]["kind"], "reply");
    assert_eq!(step_res(&app, &handler, id, "fee-payment", json!({})).await.status(), StatusCode::CONFLICT);
    assert_eq!(audit(&app, "request.fee_notice", Some(id)).await.len(), 1);
    assert_eq!(audit(&app, "request.fee_paid", Some(id)).await.len(), 1);
});

// ----- more handling: consultations, return, files, withdrawal, queues, the portal -----

/// Registers an application received in person on `received`; returns (id, tracking_no, code).
async fn registered(app: &App, token: &str, body: Value, received: NaiveDate) -> (i64, String, String) {
    let body = with(body, json!({"channel": "in_person", "received_on": received.to_string()}));
    let res = app.api_json(Method::POST, token, "/api/v1/staff/requests", body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let ack: Value = res.json().await.unwrap();
    let tracking_no = ack["tracking_no"].as_str().unwrap().to_string();
    let id = case_id(app, token, &tracking_no).await;
    (id, tracking_no, ack["query_code"].as_str().unwrap().to_string())
}

both!(consultations_pause_the_clock_until_the_last_answer, |app: App| async move {
    let cal = Calendar::official();
    let today = today();
    let ybj = app.unit_id("济南市医疗保障局").await;
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    let handler = app.token("ybj_handler").await;
    let received = today - days(20);
    let (id, _, _) = registered(&app, &handler, person(ybj), received).await;

    let third = today - days(10);
    invalid(
        step_res(&app, &handler, id, "consultations", json!({"kind": "third_party", "question": "是否同意公开"})).await,
        "third_party",
    )
    .await;
    invalid(step_res(&app, &handler, id, "consultations", json!({"kind": "survey", "question": "?"})).await, "kind")
        .await;
    invalid(
        step_res(
            &app,
            &handler,
            id,
            "consultations",
            json!({"kind": "third_party", "third_party": "某公司", "question": "是否同意公开", "on": (received - days(1)).to_string()}),
        )
        .await,
        "on",
    )
    .await;
    let case = step(
        &app,
        &handler,
        id,
        "consultations",
        json!({"kind": "third_party", "third_party": "济南泉水医药科技有限公司", "question": "贵公司的投标报价是否同意公开", "on": third.to_string()}),
    )
    .await;
    assert_eq!(case["status"], "consulting");
    let tp = case["consultations"][0]["id"].as_i64().unwrap();
    assert_eq!(case["consultations"][0]["target"], "济南泉水医药科技有限公司");
    let coordination = today - days(8);
    let case = step(
        &app,
        &handler,
        id,
        "consultations",
        json!({"kind": "coordination", "target_unit_id": zjj, "question": "请核实相关数据", "on": coordination.to_string()}),
    )
    .await;
    assert_eq!(case["consultations"].as_array().unwrap().len(), 2);
    let co = case["consultations"][1]["id"].as_i64().unwrap();

    // The third party's opinion, recorded by the handler; the coordination is still open.
    let opinion = today - days(5);
    invalid(
        step_res(&app, &handler, id, "opinion", json!({"consultation_id": 999999, "answer": "同意"})).await,
        "consultation_id",
    )
    .await;
    invalid(
        step_res(
            &app,
            &handler,
            id,
            "opinion",
            json!({"consultation_id": tp, "answer": "同意", "on": (third - days(1)).to_string()}),
        )
        .await,
        "on",
    )
    .await;
    invalid(step_res(&app, &handler, id, "opinion", json!({"consultation_id": tp, "answer": ""})).await, "answer")
        .await;
    let case = step(
        &app,
        &handler,
        id,
        "opinion",
        json!({"consultation_id": tp, "answer": "不同意公开报价明细", "on": opinion.to_string()}),
    )
    .await;
    assert_eq!(case["status"], "consulting", "the coordination is still open");
    assert_eq!(case["deadline"]["kind"], "paused");
    assert_eq!(case["consultations"][0]["answered_on"], opinion.to_string());
    let again = step_res(&app, &handler, id, "opinion", json!({"consultation_id": tp, "answer": "改为同意"})).await;
    assert_eq!(problem(again, 409).await["field"], "consultation_id");

    // The last answer restarts the clock, less both pauses (counted once where they overlap).
    let other = app.token("zjj_handler").await;
    let res = app
        .api_json(
            Method::POST,
            &other,
            &format!("/api/v1/staff/coordinations/{co}/answer"),
            json!({"answer": "数据无误"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["status"], "in_progress");
    let facts = ClockFacts {
        received_on: Some(received),
        pauses: vec![Pause { from: third, to: Some(opinion) }, Pause { from: coordination, to: Some(today) }],
        ..Default::default()
    };
    let due = due_of(reply_clock(&cal, &facts));
    assert_eq!(date(&case["deadline"]["due_on"]), due);
    let paused = cal.workdays_between(third, today).value as u32;
    assert_eq!(due, add_workdays(&app, received, 20 + paused).await, "paused from {third} to {today}");
    assert_eq!(audit(&app, "request.opinion", Some(id)).await.len(), 1);
});

both!(a_silent_consultation_ends_the_pause_in_the_queues_too, |app: App| async move {
    // Art. 34: a unit that does not answer within 15 working days agrees. The case's deadline
    // then runs again by itself; the due-soon and overdue queues must see it as the case does.
    let cal = Calendar::official();
    let today = today();
    let ybj = app.unit_id("济南市医疗保障局").await;
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    let handler = app.token("ybj_handler").await;
    let (id, _, _) = registered(&app, &handler, person(ybj), today - days(5)).await;
    let case = step(
        &app,
        &handler,
        id,
        "consultations",
        json!({"kind": "coordination", "target_unit_id": zjj, "question": "请核实", "on": today.to_string()}),
    )
    .await;
    assert_eq!(case["deadline"]["kind"], "paused");
    let cid = case["consultations"][0]["id"].as_i64().unwrap();
    assert!(
        staff_get(&app, &handler, "/api/v1/staff/requests?due=soon").await["items"].as_array().unwrap().is_empty(),
        "a paused case is due nowhere"
    );
    // The queues filter on the stored due date, which no step rewrites when the coordination
    // lapses in silence; so it is stored as the day the reply falls due if the coordination is
    // never answered, and the case appears in the due-soon and overdue queues on time.
    let received = today - days(5);
    let lapsed = consultation_due(&cal, today).value;
    let facts = ClockFacts {
        received_on: Some(received),
        pauses: vec![Pause { from: today, to: Some(lapsed) }],
        ..Default::default()
    };
    let worst = due_of(reply_clock(&cal, &facts));
    let mut conn = common::raw_conn(&app.store).await;
    let stored: Option<String> =
        sqlx::query_scalar(&format!("SELECT due_on FROM requests WHERE id = {id}")).fetch_one(&mut conn).await.unwrap();
    assert_eq!(stored.as_deref(), Some(worst.to_string().as_str()), "stored as if the coordination lapses");
    // Once the period has run out unanswered the case shows that same date.
    sqlx::query(&format!("UPDATE request_consultations SET due_on = '{}' WHERE id = {cid}", today - days(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}")).await;
    assert_eq!(case["deadline"]["kind"], "reply", "the pause ended with the consultation period");
});

both!(a_returned_reply_is_redrafted_and_its_files_reach_the_applicant, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    let head = app.token("ybj_admin").await;
    let (id, tracking_no, code) = registered(&app, &handler, person(ybj), today() - days(5)).await;

    // Files of the information provided, while the reply is drafted.
    let pdf = b"%PDF-1.4\n% catalogue of diseases\n%%EOF\n";
    let res = app
        .api_json(
            Method::POST,
            &handler,
            &format!("/api/v1/staff/requests/{id}/files"),
            json!({"name": "病种目录.pdf", "content_base64": base64(pdf)}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let file: Value = res.json().await.unwrap();
    assert_eq!(file["role"], "provided");
    let res = app
        .api_json(
            Method::POST,
            &handler,
            &format!("/api/v1/staff/requests/{id}/files"),
            json!({"name": "病种目录.exe", "content_base64": base64(b"MZ\x90\x00")}),
        )
        .await;
    invalid(res, "file").await;
    let res = app
        .api_json(
            Method::POST,
            &handler,
            &format!("/api/v1/staff/requests/{id}/files"),
            json!({"name": "x.pdf", "content_base64": "@@@"}),
        )
        .await;
    invalid(res, "file").await;
    let other = app.token("zjj_handler").await;
    let res = app
        .api_json(
            Method::POST,
            &other,
            &format!("/api/v1/staff/requests/{id}/files"),
            json!({"name": "x.pdf", "content_base64": base64(pdf)}),
        )
        .await;
    problem(res, 404).await;

    // Linked documents must be published ones; a disclosure with a file needs no more.
    invalid(
        step_res(&app, &handler, id, "reply", json!({"outcome": "disclosed", "document_ids": [999999]})).await,
        "document_ids",
    )
    .await;
    let case = step(&app, &handler, id, "reply", json!({"outcome": "disclosed"})).await;
    assert_eq!(case["status"], "awaiting_approval");
    let view: Value = track(&app, &tracking_no, &code).await.json().await.unwrap();
    assert!(view["files"].as_array().unwrap().is_empty(), "not before the reply is sent");

    // 审签退回: not by the drafter; by the head of the unit; back to the handler.
    assert_eq!(
        problem(step_res(&app, &handler, id, "return", json!({"note": "x"})).await, 409).await["field"],
        "state"
    );
    invalid(step_res(&app, &head, id, "return", json!({})).await, "note").await;
    let case = step(&app, &head, id, "return", json!({"note": "请补充说明提供方式"})).await;
    assert_eq!(case["status"], "in_progress");
    assert_eq!(case["reply"]["outcome"], Value::Null);
    let view: Value = track(&app, &tracking_no, &code).await.json().await.unwrap();
    let text = view.to_string();
    assert!(!text.contains("请补充说明提供方式"), "the return note is internal: {text}");
    // The unit admin approves but does not draft.
    problem(step_res(&app, &head, id, "reply", json!({"outcome": "disclosed"})).await, 403).await;
    // The console's reply form takes a file in the same submit: uploading keeps what was typed,
    // a refused file too, and the hint states the real types and size limit.
    let console = app.login("ybj_handler").await;
    let (_, page) = console.text(&format!("/admin/requests/{id}")).await;
    assert!(page.contains("MP4 视频或 MP3 音频，每个文件不超过") && !page.contains("（PDF、Word、Excel、图片）"));
    let reply_form = |file: reqwest::multipart::Part| {
        reqwest::multipart::Form::new()
            .text("csrf", console.csrf.clone())
            .text("outcome", "disclosed")
            .text("reasons", "")
            .text("provided", "门诊慢特病病种目录（2025年版）一份，随本告知书提供。")
            .text("do", "upload")
            .part("file", file)
    };
    let url = console.url(&format!("/admin/requests/{id}/reply?_csrf={}", console.csrf));
    let res = console
        .client
        .post(&url)
        .multipart(reply_form(reqwest::multipart::Part::bytes(pdf.to_vec()).file_name("病种目录补充.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("门诊慢特病病种目录（2025年版）一份，随本告知书提供。"), "typed text kept");
    assert!(html.contains("已填写的答复内容保留在下方") && html.contains("病种目录补充.pdf"));
    assert!(html.contains("<option value=\"disclosed\" selected>"), "choice kept");
    let res = console
        .client
        .post(&url)
        .multipart(reply_form(reqwest::multipart::Part::bytes(b"MZ not a pdf".to_vec()).file_name("x.exe")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("门诊慢特病病种目录（2025年版）一份，随本告知书提供。"), "kept on a refused file too");
    assert_eq!(audit(&app, "request.file_add", Some(id)).await.len(), 2);
    let doc = app.published("济南市医疗保障局", "济南市门诊慢特病病种目录", "notice", "requests-test-1").await;
    let case = step(
        &app,
        &handler,
        id,
        "reply",
        json!({"outcome": "disclosed", "provided": "病种目录及已公开的通知", "document_ids": [doc]}),
    )
    .await;
    assert_eq!(case["reply"]["document_ids"], json!([doc]));
    let case = step(&app, &head, id, "approve", json!({"on": (today() - days(1)).to_string()})).await;
    assert_eq!(case["status"], "replied");
    assert_eq!(case["reply"]["replied_on"], (today() - days(1)).to_string());

    // The applicant downloads what was provided, with the code only.
    let view: Value = track(&app, &tracking_no, &code).await.json().await.unwrap();
    assert_eq!(view["outcome"], "disclosed");
    assert_eq!(view["replied_on"], (today() - days(1)).to_string());
    let files = view["files"].as_array().unwrap();
    let provided: Vec<&Value> = files.iter().filter(|f| f["role"] == "provided").collect();
    assert_eq!(provided.len(), 2, "{view}");
    assert!(files.iter().all(|f| f["role"] == "provided" || f["role"] == "letter"), "{view}");
    assert_eq!(provided[0]["name"], "病种目录.pdf");
    let url = provided[0]["url"].as_str().unwrap();
    assert_eq!(url, format!("/requests/{tracking_no}/files/{}?code={code}", file["id"]));
    let res = app.get(url).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), pdf);
    let res = app.get(&format!("/requests/{tracking_no}/files/{}?code=WRONG234", file["id"])).await;
    assert_ne!(res.status(), StatusCode::OK);
    // Nothing is added to a closed case.
    let res = app
        .api_json(
            Method::POST,
            &handler,
            &format!("/api/v1/staff/requests/{id}/files"),
            json!({"name": "y.pdf", "content_base64": base64(pdf)}),
        )
        .await;
    problem(res, 409).await;
    assert_eq!(audit(&app, "request.file_add", Some(id)).await.len(), 2);
    assert_eq!(audit(&app, "request.return", Some(id)).await[0]["actor_name"], "ybj_admin");

    // Issue 13 item 6: the disclosed document is named by title and 索引号 on the case page
    // and in the reply letter, never as 「信息编号 N」; the audit list speaks Chinese.
    let index_no = app.store.document(doc).await.unwrap().unwrap().index_no.unwrap();
    let (_, page) = app.login("ybj_handler").await.text(&format!("/admin/requests/{id}")).await;
    assert!(page.contains("《济南市门诊慢特病病种目录》") && page.contains(&format!("索引号 {index_no}")), "case page");
    let r = app.store.request(id).await.unwrap().unwrap();
    let key = gongkai_web::requests::letters::key_for(&r, "reply").unwrap();
    let letter = gongkai_web::requests::letters::letter(&app.state, &r, key).await.unwrap();
    let text = letter.paragraphs.join("\n");
    assert!(text.contains(&format!("《济南市门诊慢特病病种目录》（索引号：{index_no}")), "{text}");
    assert!(!text.contains("信息编号"), "{text}");
    let (_, audit_page) = app.login("ybj_admin").await.text("/admin/audit").await;
    assert!(audit_page.contains("答复提交审签：予以公开") && !audit_page.contains("：disclosed"), "summary in Chinese");
    assert!(audit_page.contains("<td>审签通过并答复</td>") && !audit_page.contains("<code>request."), "action labels");
    assert!(audit_page.contains("<option value=\"request.reply\">答复提交审签</option>"), "filter labels");
});

/// A server whose only font is the subset compiled into the binary (configured here as a file,
/// so the test does not depend on what the machine has installed): letters come out as PDF, but
/// one naming a character outside GB 2312 is refused as PDF with the character named, and its
/// DOCX still comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pdf_letters_name_a_character_their_font_lacks() {
    let font = concat!(env!("CARGO_MANIFEST_DIR"), "/../export/fonts/gongkai-serif-sc-gb2312.otf");
    let options = gongkai_web::ServerOptions { letter_font: Some(font.into()), ..common::TestApp::options() };
    let server = common::TestApp::start_with(common::Db::Sqlite, options).await;
    let app = server.clone_handle();
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    let letter = |id: i64, format: &str| format!("/api/v1/staff/requests/{id}/letters/clarification?format={format}");

    let (plain, _, _) = registered(&app, &handler, person(ybj), today() - days(1)).await;
    let res = app.api_get(&handler, &letter(plain, "pdf")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF-"));

    let (rare, _, _) = registered(&app, &handler, with(person(ybj), json!({"name": "刘䶮"})), today() - days(1)).await;
    let refused = problem(app.api_get(&handler, &letter(rare, "pdf")).await, 409).await;
    assert_eq!(fields(&refused), ["format"]);
    let detail = refused.to_string();
    assert!(detail.contains("䶮") && detail.contains("letter_font") && !detail.contains("“刘"), "{detail}");
    let res = app.api_get(&handler, &letter(rare, "docx")).await;
    assert_eq!(res.status(), StatusCode::OK);
    server.stop().await;
}

both!(applicants_may_withdraw_until_the_reply, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    let ack = applied(&app, person(ybj)).await;
    let (tracking_no, code) = (ack["tracking_no"].as_str().unwrap(), ack["query_code"].as_str().unwrap());
    let id = case_id(&app, &handler, tracking_no).await;
    let case = step(&app, &handler, id, "withdraw", json!({"note": "申请人电话告知撤回"})).await;
    assert_eq!(case["status"], "withdrawn");
    assert_eq!(case["reply"]["outcome"], Value::Null, "never received, so not counted");
    let view: Value = track(&app, tracking_no, code).await.json().await.unwrap();
    assert_eq!(view["status"], "withdrawn");
    assert_eq!(view["deadline"]["kind"], "none");
    assert_eq!(step_res(&app, &handler, id, "confirm", json!({})).await.status(), StatusCode::CONFLICT);
    // After receipt a withdrawal counts as 其他处理 in the annual report.
    let (id, _, _) = registered(&app, &handler, person(ybj), today() - days(2)).await;
    let case = step(&app, &handler, id, "withdraw", json!({})).await;
    assert_eq!(case["reply"]["outcome"], "other.other");
    let open = staff_get(&app, &handler, "/api/v1/staff/requests?open=1").await;
    assert_eq!(open["total"], 0, "{open}");
});

both!(the_queue_filters_by_state_due_date_handler_and_words, |app: App| async move {
    let cal = Calendar::official();
    let today = today();
    let ybj = app.unit_id("济南市医疗保障局").await;
    let handler = app.token("ybj_handler").await;
    // Overdue; due within three working days; due later; awaiting confirmation.
    let (overdue, _, _) = registered(&app, &handler, person(ybj), today - days(45)).await;
    let soon_by = cal.add_workdays(today, 3).value;
    let soon_received = (1..60)
        .map(|n| today - days(n))
        .find(|r| {
            let d = cal.add_workdays(*r, 20).value;
            d >= today && d <= soon_by
        })
        .unwrap();
    let (soon, _, _) = registered(
        &app,
        &handler,
        with(person(ybj), json!({"description": "2024年度医保基金收支决算表（100%公开）"})),
        soon_received,
    )
    .await;
    let (later, _, _) = registered(&app, &handler, person(ybj), today).await;
    let ack = applied(&app, organisation(ybj)).await;
    let waiting = case_id(&app, &handler, ack["tracking_no"].as_str().unwrap()).await;

    let ids = |list: Value| -> Vec<i64> {
        list["items"].as_array().unwrap().iter().map(|r| r["id"].as_i64().unwrap()).collect()
    };
    let all = staff_get(&app, &handler, "/api/v1/staff/requests").await;
    assert_eq!(all["total"], 4);
    assert_eq!(ids(all), vec![overdue, soon, later, waiting], "earliest due first, unstarted last");
    assert_eq!(ids(staff_get(&app, &handler, "/api/v1/staff/requests?due=overdue").await), vec![overdue]);
    assert_eq!(
        ids(staff_get(&app, &handler, "/api/v1/staff/requests?due=soon").await),
        vec![overdue, soon],
        "due soon includes what is overdue"
    );
    assert_eq!(
        ids(staff_get(&app, &handler, "/api/v1/staff/requests?state=awaiting_confirmation").await),
        vec![waiting]
    );
    assert_eq!(ids(staff_get(&app, &handler, "/api/v1/staff/requests?mine=1").await), vec![overdue, soon, later]);
    let q = |words: &str| {
        format!(
            "/api/v1/staff/requests?q={}",
            url::form_urlencoded::byte_serialize(words.as_bytes()).collect::<String>()
        )
    };
    assert_eq!(ids(staff_get(&app, &handler, &q("收支决算")).await), vec![soon]);
    assert_eq!(ids(staff_get(&app, &handler, &q("100%")).await), vec![soon]);
    assert_eq!(ids(staff_get(&app, &handler, &q("%")).await), vec![soon], "% is a character, not a wildcard");
    assert_eq!(ids(staff_get(&app, &handler, &q("_")).await), Vec::<i64>::new());
    assert_eq!(
        ids(staff_get(&app, &handler, &q(NAME)).await),
        Vec::<i64>::new(),
        "the applicant's name is not searched"
    );
    // The city government's handlers? There are none; the city's unit admin sees nothing of ybj's
    // subtree unless it is theirs.
    invalid(app.api_get(&handler, "/api/v1/staff/requests?due=tomorrow").await, "due").await;
    invalid(app.api_get(&handler, "/api/v1/staff/requests?state=lost").await, "state").await;
    invalid(app.api_get(&handler, "/api/v1/staff/requests?unit_id=abc").await, "unit_id").await;
    let anonymous = client().get(app.url("/api/v1/staff/requests")).send().await.unwrap();
    problem(anonymous, 401).await;
    let editor = app.token("ybj_editor").await;
    problem(app.api_get(&editor, "/api/v1/staff/requests").await, 403).await;
    // The city's system administrator sees every unit's cases from the top.
    let admin = app.token("admin").await;
    let city = app.unit_id("济南市人民政府").await;
    let res = app.api_get(&admin, &format!("/api/v1/staff/requests?unit_id={city}")).await;
    assert!(res.status() == StatusCode::OK || res.status() == StatusCode::FORBIDDEN, "{}", res.status());
});

fn between<'a>(html: &'a str, start: &str, end: &str) -> &'a str {
    let from = html.find(start).unwrap_or_else(|| panic!("{start} not in {html}")) + start.len();
    let to = html[from..].find(end).unwrap() + from;
    &html[from..to]
}

both!(the_portal_form_applies_without_javascript, |app: App| async move {
    let ybj = app.unit_id("济南市医疗保障局").await;
    let (status, html) = app.text("/requests").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("/requests/new"), "{html}");
    let (status, form) = app.text(&format!("/requests/new?unit={ybj}")).await;
    assert_eq!(status, StatusCode::OK);
    let fill = |form: &str, changes: &[(&str, &str)]| {
        let challenge_id = between(form, "name=\"challenge_id\" value=\"", "\"").to_string();
        let question = between(form, "<label for=\"f-challenge_answer\">", "</label>").trim().to_string();
        let mut fields: Vec<(String, String)> = vec![
            ("unit_id".into(), ybj.to_string()),
            ("applicant_type".into(), "person".into()),
            ("name".into(), NAME.into()),
            ("id_type".into(), "citizen_id".into()),
            ("id_number".into(), id_number()),
            ("phone".into(), PHONE.into()),
            ("address".into(), ADDRESS.into()),
            ("description".into(), "<script>alert(1)</script>2025年医保目录".into()),
            ("provision_form".into(), "paper".into()),
            ("delivery".into(), "post".into()),
            ("challenge_id".into(), challenge_id),
            ("challenge_answer".into(), solve(&question)),
        ];
        for (k, v) in changes {
            fields.iter_mut().find(|(name, _)| name == k).unwrap().1 = v.to_string();
        }
        let mut multipart = reqwest::multipart::Form::new();
        for (k, v) in fields {
            multipart = multipart.text(k, v);
        }
        multipart
    };
    // A mistake: the form comes back with the message, the values and a new question.
    let res = client().post(app.url("/requests/new")).multipart(fill(&form, &[("phone", "12")])).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.unwrap();
    assert!(again.contains("f-phone-error") && again.contains("固定电话请加区号"), "{again}");
    assert!(again.contains(ADDRESS), "the values are kept");
    let res = client().post(app.url("/requests/new")).multipart(fill(&again, &[])).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let ack = res.text().await.unwrap();
    let tracking_no = between(&ack, "id=\"tracking-no\">", "<").to_string();
    let code = between(&ack, "id=\"query-code\">", "<").to_string();
    assert_eq!(tracking_no.len(), 14);
    let (status, page) = app.text(&format!("/requests/{tracking_no}?code={code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("alert(1)") && page.contains("2025年医保目录"), "{page}");
    assert!(!page.contains("<script>alert(1)"));
    assert_no_personal_data(&page, "the tracking page");
    // A wrong code on the page: the same form, a message, no case.
    let (status, page) = app.text(&format!("/requests/{tracking_no}?code=WRONG234")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!page.contains("2025年医保目录"));
    let handler = app.token("ybj_handler").await;
    let id = case_id(&app, &handler, &tracking_no).await;
    let case = staff_get(&app, &handler, &format!("/api/v1/staff/requests/{id}?applicant=1")).await;
    assert_eq!(case["applicant"]["name"], NAME);
    assert_eq!(case["delivery"], "邮寄");
});

// ----- 7. crash safety of the real binary -----

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_applications_survive_a_killed_server() {
    use common::crash::{Crashable, Sent, answer};
    let mut server = Crashable::start(false).await;
    let units: Value = client()
        .get(format!("{}/api/v1/units", server.base()))
        .query(&[("q", "医疗保障局")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ybj = units["items"].as_array().unwrap().iter().find(|u| u["name"] == "济南市医疗保障局").unwrap()["id"]
        .as_i64()
        .unwrap();

    // Eight clients keep applying, each application from its own address (through the trusted
    // proxy header, so the per-address limit does not stop the stream); the server is killed
    // while they are still sending.
    let acked = server
        .kill_mid_stream(8, 20, 24, move |base, t, i| async move {
            let ip = format!("10.{t}.{i}.1");
            let asked = client().get(format!("{base}/api/v1/requests/challenge")).header("x-forwarded-for", &ip);
            let Ok(res) = asked.send().await else { return Sent::Cut };
            let Ok(c) = res.json::<Value>().await else { return Sent::Cut };
            let body = with(
                person(ybj),
                json!({"challenge_id": c["id"], "challenge_answer": solve(c["question"].as_str().unwrap())}),
            );
            let sent =
                client().post(format!("{base}/api/v1/requests")).header("x-forwarded-for", ip).json(&body).send().await;
            answer(sent, |ack| {
                (ack["tracking_no"].as_str().unwrap().to_string(), ack["query_code"].as_str().unwrap().to_string())
            })
            .await
        })
        .await;

    // The audit chain survived the crash.
    server.cli(&["audit", "verify"]);

    // Every acknowledged application is there after the restart, found by its number and code.
    let again = server.restart().await;
    for (tracking_no, code) in &acked {
        let res =
            client().get(format!("{}/api/v1/requests/{tracking_no}?code={code}", again.base)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{tracking_no} was acknowledged but is lost");
        let view: Value = res.json().await.unwrap();
        assert_eq!(view["status"], "awaiting_confirmation");
        assert_eq!(view["timeline"].as_array().unwrap().len(), 1, "{view}");
    }
    // And in the handler's queue: at least those (some unacknowledged ones may have committed).
    let token = server.token("ybj_handler");
    let queue: Value = client()
        .get(format!("{}/api/v1/staff/requests?per_page=200", again.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = queue["total"].as_i64().unwrap() as usize;
    assert!(total >= acked.len(), "{total} in the queue, {} acknowledged", acked.len());
    eprintln!("killed mid-stream: {} acknowledged, {total} stored", acked.len());
    let listed: Vec<&str> =
        queue["items"].as_array().unwrap().iter().map(|r| r["tracking_no"].as_str().unwrap()).collect();
    for (tracking_no, _) in &acked {
        assert!(listed.contains(&tracking_no.as_str()), "{tracking_no} missing from the queue");
    }
    drop(again);
    server.finish().await;
}
