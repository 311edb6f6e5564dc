//! 政府开放活动 over HTTP on both databases: an event drafted, reviewed and published through
//! the API; registration on the public form (no account, the challenge, works without
//! JavaScript) and through the API; the code with its QR image; looking up and cancelling by the
//! code; the organiser's roster with the personal data nobody else sees; check-in; and bad
//! input at each step answered by field, never a 500.

use crate::common::{App, client, problem, solve};
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

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("{start} not in {text}")) + start.len();
    let len = text[from..].find(end).unwrap_or_else(|| panic!("{end} not after {start}"));
    &text[from..from + len]
}

fn citizen_id(n: u32) -> String {
    let first17 = format!("370103{}0615{:03}", 1970 + n % 30, n % 1000);
    format!("{first17}{}", gongkai_domain::codes::citizen_id_check_char(&first17).unwrap())
}

/// An event of 市中区 open for registration now with `open` seats, published through the API.
async fn published(app: &App, open: u32, extra: Value) -> i64 {
    let editor = app.token("shizhong_editor").await;
    let at = |h: i64| local_minute_at(Utc::now() + Duration::hours(h));
    let mut body = json!({"kind": "seminar", "title": "老城区有机更新座谈会", "description": "听取居民意见。",
        "place": "魏家庄街道办事处三楼会议室", "registration_opens_at": at(-24), "registration_closes_at": at(24),
        "starts_at": at(48), "ends_at": at(50), "capacity": open + 1, "reserved": 1,
        "fields": [{"key": "org", "label": "工作单位", "kind": "line", "required": true}]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let e =
        ok_json(app.api_json(Method::POST, &editor, "/api/v1/staff/open-days", body).await, StatusCode::CREATED).await;
    let id = e["id"].as_i64().unwrap();
    assert_eq!(e["status"], "draft");
    let act = |who: &'static str, action: &'static str| async move {
        let token = app.token(who).await;
        app.api_json(Method::POST, &token, &format!("/api/v1/staff/open-days/{id}/actions"), json!({"action": action}))
            .await
    };
    assert_eq!(act("shizhong_editor", "submit").await.status(), StatusCode::OK);
    assert_eq!(act("shizhong_editor", "approve").await.status(), StatusCode::FORBIDDEN, "the editor does not review");
    for r in ["shizhong_reviewer1", "shizhong_reviewer2"] {
        assert_eq!(act(r, "approve").await.status(), StatusCode::OK);
    }
    let last = ok_json(act("shizhong_reviewer3", "approve").await, StatusCode::OK).await;
    assert_eq!(last["status"], "published");
    id
}

async fn api_register(app: &App, id: i64, n: u32) -> reqwest::Response {
    let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
    let body = json!({"name": format!("市民{n}"), "id_number": citizen_id(n), "phone": format!("1390531{n:04}"),
        "answers": {"org": "魏家庄街道居民"}, "challenge_id": c["id"],
        "challenge_answer": solve(c["question"].as_str().unwrap())});
    client().post(app.url(&format!("/api/v1/open-days/{id}/registrations"))).json(&body).send().await.unwrap()
}

both!(a_citizen_registers_on_the_form_and_cancels_with_the_code, |app: App| async move {
    let id = published(&app, 1, json!({})).await;
    let (status, list) = app.text("/open-days").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains(&format!("/open-days/{id}")), "{list}");
    let (_, page) = app.text(&format!("/open-days/{id}")).await;
    assert!(page.contains("老城区有机更新座谈会") && page.contains("我要报名"), "{page}");

    let (_, form) = app.text(&format!("/open-days/{id}/register")).await;
    let challenge_id = between(&form, "name=\"challenge_id\" value=\"", "\"").to_string();
    let question = between(&form, "<label for=\"f-challenge_answer\">", "</label>").trim().to_string();
    let answer = solve(&question);
    let fields = |phone: &str, org: &str| {
        vec![
            ("challenge_id", challenge_id.clone()),
            ("challenge_question", question.clone()),
            ("challenge_answer", answer.clone()),
            ("name", "欧阳明远".to_string()),
            ("id_number", citizen_id(1)),
            ("phone", phone.to_string()),
            ("district", String::new()),
            ("answers.org", org.to_string()),
        ]
    };
    // A short phone number and a missing answer are named, the rest kept.
    let res = client()
        .post(app.url(&format!("/open-days/{id}/register")))
        .form(&fields("1381234567", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.unwrap();
    assert!(again.contains("联系电话：") && again.contains("href=\"#f-phone\""), "{again}");
    assert!(again.contains("href=\"#f-answers.org\"") && again.contains("工作单位"), "{again}");
    assert!(again.contains("value=\"欧阳明远\""), "what was typed is kept");
    // Corrected: the code, once, with its QR image drawn here.
    let res = client()
        .post(app.url(&format!("/open-days/{id}/register")))
        .form(&fields("13812345678", "市中区居民"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let ack = res.text().await.unwrap();
    assert!(ack.contains("报名成功"), "{ack}");
    let code = between(&ack, "id=\"registration-code\">", "<").to_string();
    assert_eq!(code.len(), 8);
    assert!(ack.contains("<svg"), "the QR image is in the page");
    let qr = client().get(app.url(&format!("/open-days/qr/{code}.svg"))).send().await.unwrap();
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    assert_eq!(app.get("/open-days/qr/NOTACODE.svg").await.status(), StatusCode::NOT_FOUND);

    // The second comes to a full event and waits.
    let waiter = ok_json(api_register(&app, id, 2).await, StatusCode::CREATED).await;
    assert_eq!(waiter["status"], "waitlisted");
    // The same person twice is refused by field.
    let p = problem(api_register(&app, id, 2).await, 409).await;
    assert!(p.to_string().contains("id_number"), "{p}");

    // Looked up by the code as typed (lower case, a dash): masked, with the cancel button.
    let typed = format!("{}-{}", &code[..4], &code[4..]).to_lowercase();
    let res = client().post(app.url("/open-days/registration")).form(&[("code", typed.as_str())]).send().await.unwrap();
    let mine = res.text().await.unwrap();
    assert!(mine.contains("data-status=\"confirmed\"") && mine.contains("欧***"), "{mine}");
    assert!(!mine.contains(&citizen_id(1)) && !mine.contains("13812345678"), "nothing personal in full");
    let res =
        client().post(app.url("/open-days/registration/cancel")).form(&[("code", code.as_str())]).send().await.unwrap();
    let cancelled = res.text().await.unwrap();
    assert!(cancelled.contains("data-status=\"cancelled\""), "{cancelled}");
    // The waiter took the seat and is told so.
    let told = ok_json(
        client()
            .post(app.url("/api/v1/open-days/registrations/lookup"))
            .json(&json!({"code": waiter["code"]}))
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(told["status"], "confirmed");
    assert!(told["notices"][0]["text"].as_str().unwrap().contains("由候补转为报名成功"), "{told}");
    let masked = gongkai_domain::codes::CitizenId::parse(&citizen_id(2)).unwrap().masked();
    assert_eq!(told["id_number"], masked.as_str(), "{told}");
    assert!(!told.to_string().contains(&citizen_id(2)), "{told}");
    // A mistyped code is named; an unknown one is not found without telling more.
    let res = client().post(app.url("/open-days/registration")).form(&[("code", "ABC")]).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("报名码"));
});

both!(the_organiser_alone_sees_the_roster_and_checks_people_in, |app: App| async move {
    let id = published(&app, 2, json!({})).await;
    let first = ok_json(api_register(&app, id, 5).await, StatusCode::CREATED).await;
    let code = first["code"].as_str().unwrap().to_string();
    let editor = app.token("shizhong_editor").await;
    let roster =
        ok_json(app.api_get(&editor, &format!("/api/v1/staff/open-days/{id}/registrations")).await, StatusCode::OK)
            .await;
    assert_eq!(roster[0]["id_number"], citizen_id(5), "the organiser sees the number to check at the door");
    assert_eq!(roster[0]["answers"]["org"], "魏家庄街道居民");
    // Staff of another unit do not learn of it.
    let other = app.token("zjj_editor").await;
    let res = app.api_get(&other, &format!("/api/v1/staff/open-days/{id}/registrations")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = app
        .api_json(Method::POST, &other, &format!("/api/v1/staff/open-days/{id}/check-ins"), json!({"codes": [code]}))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Check-in: once counted, twice not; garbage and empty lists named.
    let path = format!("/api/v1/staff/open-days/{id}/check-ins");
    let done = ok_json(
        app.api_json(Method::POST, &editor, &path, json!({"codes": [code, code, "ZZZZ"]})).await,
        StatusCode::OK,
    )
    .await;
    let outcomes: Vec<&str> =
        done["results"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["admitted", "already_in", "unknown"]);
    assert_eq!(done["counts"]["checked_in"], 1);
    let p = problem(app.api_json(Method::POST, &editor, &path, json!({"codes": []})).await, 422).await;
    assert!(p.to_string().contains("codes"), "{p}");
    // The public event shows the live counts.
    let public: Value =
        client().get(app.url(&format!("/api/v1/open-days/{id}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!(public["counts"]["checked_in"], 1);
    assert_eq!(public["free_seats"], 1);
    // The year's figures: the organiser's unit for its staff and the city, not for another unit.
    let unit = public["unit_id"].as_i64().unwrap();
    let year =
        chrono::Datelike::year(&(Utc::now() + Duration::hours(48)).with_timezone(&gongkai_domain::time::china()));
    let figures_path = format!("/api/v1/staff/open-days/figures?year={year}");
    let mine = ok_json(app.api_get(&editor, &figures_path).await, StatusCode::OK).await;
    let row = mine.as_array().unwrap().iter().find(|r| r["unit_id"] == unit).expect("the organiser's unit").clone();
    assert_eq!(
        (row["events"].as_i64(), row["registrations"].as_i64(), row["attended"].as_i64()),
        (Some(1), Some(1), Some(1)),
        "{row}"
    );
    let city = ok_json(app.api_get(&app.token("admin").await, &figures_path).await, StatusCode::OK).await;
    assert!(city.as_array().unwrap().contains(&row), "{city}");
    let theirs = ok_json(app.api_get(&other, &figures_path).await, StatusCode::OK).await;
    assert!(theirs.as_array().unwrap().iter().all(|r| r["unit_id"] != unit), "{theirs}");
    // Every staff write is in the audit log.
    let admin = app.token("admin").await;
    let audit = ok_json(app.api_get(&admin, "/api/v1/audit?action=open_day.check_in").await, StatusCode::OK).await;
    assert!(audit.to_string().contains("open_day.check_in"), "{audit}");
});

both!(bad_events_and_registrations_are_named_never_a_500, |app: App| async move {
    let editor = app.token("shizhong_editor").await;
    let at = |h: i64| local_minute_at(Utc::now() + Duration::hours(h));
    for (body, field) in [
        (json!({"kind": "party"}), "kind"),
        (
            json!({"kind": "visit", "title": "x", "description": "y", "place": "z", "registration_opens_at": at(2),
            "registration_closes_at": at(1), "starts_at": at(3), "ends_at": at(4), "capacity": 5}),
            "registration_closes_at",
        ),
        (
            json!({"kind": "visit", "title": "x", "description": "y", "place": "z", "registration_opens_at": at(1),
            "registration_closes_at": at(2), "starts_at": at(3), "ends_at": at(4), "capacity": 5, "reserved": 5}),
            "reserved",
        ),
        (
            json!({"kind": "visit", "title": "x", "description": "y", "place": "z", "registration_opens_at": at(1),
            "registration_closes_at": at(2), "starts_at": at(3), "ends_at": at(4), "capacity": 5, "districts": ["北京"]}),
            "districts",
        ),
        (
            json!({"kind": "visit", "title": "x", "description": "y", "place": "z", "registration_opens_at": at(1),
            "registration_closes_at": at(2), "starts_at": at(3), "ends_at": at(4), "capacity": 5, "series_id": 999999}),
            "series_id",
        ),
    ] {
        let p = problem(app.api_json(Method::POST, &editor, "/api/v1/staff/open-days", body).await, 422).await;
        assert!(p.to_string().contains(field), "{field}: {p}");
    }
    let id = published(&app, 3, json!({})).await;
    let hostile = "<script>alert(1)</script>".repeat(100);
    let c: Value = client().get(app.url("/api/v1/requests/challenge")).send().await.unwrap().json().await.unwrap();
    let res = client()
        .post(app.url(&format!("/api/v1/open-days/{id}/registrations")))
        .json(&json!({"name": hostile, "id_number": "110101199003077777", "phone": "abc",
            "answers": {"org": "x", "nope": "y"}, "challenge_id": c["id"], "challenge_answer": "1"}))
        .send()
        .await
        .unwrap();
    let p = problem(res, 422).await;
    for field in ["name", "id_number", "phone", "answers"] {
        assert!(p.to_string().contains(&format!("\"{field}")), "{field}: {p}");
    }
    // Unknown events and malformed ids.
    assert_eq!(app.get("/open-days/999999").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get("/open-days/abc").await.status(), StatusCode::NOT_FOUND);
    let res = client().post(app.url("/api/v1/open-days/999999/registrations")).json(&json!({})).send().await.unwrap();
    assert!(res.status().is_client_error());
    let p = problem(app.get("/api/v1/open-days?phase=soon").await, 422).await;
    assert!(p.to_string().contains("phase"), "{p}");
});

/// Registrations keep arriving (each from its own address behind the trusted proxy) while the
/// server is killed; every acknowledged code is found after the restart.
async fn registrations_survive_a_kill(pg: bool) {
    use crate::common::crash::{Crashable, Sent, answer};
    let mut server = Crashable::start(pg).await;
    let list: Value = client()
        .get(format!("{}/api/v1/open-days?phase=registration_open", server.base()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let open =
        list["items"].as_array().unwrap().iter().find(|e| e["fields"].as_array().unwrap().is_empty()).unwrap()["id"]
            .as_i64()
            .unwrap();
    // `Server::start` trusts the proxy: each registration gives its own address.
    let acked = server
        .kill_mid_stream(8, 30, 16, move |base, t, i| async move {
            let n = t * 100 + i;
            let ip = format!("10.{t}.{i}.7");
            let Ok(res) = client().get(format!("{base}/api/v1/requests/challenge")).header("x-forwarded-for", &ip).send().await
            else {
                return Sent::Cut;
            };
            let Ok(c) = res.json::<Value>().await else { return Sent::Cut };
            let body = json!({"name": format!("市民{n}"), "id_number": citizen_id(n), "phone": format!("1390531{:04}", n),
                "challenge_id": c["id"], "challenge_answer": solve(c["question"].as_str().unwrap())});
            let sent = client()
                .post(format!("{base}/api/v1/open-days/{open}/registrations"))
                .header("x-forwarded-for", &ip)
                .json(&body)
                .send()
                .await;
            answer(sent, |ack| ack["code"].as_str().unwrap().to_string()).await
        })
        .await;
    let again = server.restart().await;
    for code in &acked {
        let res = client()
            .post(format!("{}/api/v1/open-days/registrations/lookup", again.base))
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{code} was acknowledged but is lost");
    }
    eprintln!("killed mid-stream: {} registrations acknowledged, all found", acked.len());
    drop(again);
    server.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_registrations_survive_a_killed_server_sqlite() {
    registrations_survive_a_kill(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_registrations_survive_a_killed_server_postgres() {
    registrations_survive_a_kill(true).await;
}

/// What the test of every documented operation needs, all at 医保局 (so the published test
/// document can be an event's record): a draft event, an event open for registration with a
/// registration (its code) and one of selection mode with a pending registration.
pub struct Fixture {
    pub draft: i64,
    pub open: i64,
    pub code: String,
    pub pending: i64,
}

pub async fn fixture(app: &App) -> Fixture {
    use gongkai_app::open_day::{self, ReviewAction, registrations};
    let cx = gongkai_app::Context::new(
        app.store.clone(),
        gongkai_app::Options::default(),
        std::sync::Arc::new(gongkai_app::NoEffects),
    );
    let who = |name: &'static str| async move {
        let user = app.store.user_by_username(name).await.unwrap().unwrap();
        gongkai_app::Principal { user, ip: "127.0.0.1".into(), session: None }
    };
    let at = |h: i64| local_minute_at(Utc::now() + Duration::hours(h));
    let input = |approval: &str| gongkai_domain::open_day::input::EventInput {
        kind: "visit".into(),
        title: "走进医保服务大厅".into(),
        description: "参观医保服务大厅。".into(),
        place: "济南市医疗保障局".into(),
        registration_opens_at: at(-24),
        registration_closes_at: at(24),
        starts_at: at(48),
        ends_at: at(50),
        capacity: 10,
        approval: approval.into(),
        ..Default::default()
    };
    let editor = who("ybj_editor").await;
    let mut ids = Vec::new();
    for approval in ["first_come", "first_come", "selection"] {
        let e = open_day::create(&cx, &editor, &input(approval)).await.unwrap();
        ids.push(e.id);
    }
    for id in &ids[1..] {
        open_day::act(&cx, &editor, *id, &ReviewAction::Submit).await.unwrap();
        for r in ["ybj_reviewer1", "ybj_reviewer2", "ybj_reviewer3"] {
            open_day::act(&cx, &who(r).await, *id, &ReviewAction::Approve).await.unwrap();
        }
    }
    let mut acks = Vec::new();
    for (n, id) in [(11, ids[1]), (12, ids[2])] {
        let c = gongkai_app::challenge::issue_at(&cx, Utc::now()).await.unwrap();
        let r = gongkai_domain::open_day::input::RegistrationInput {
            name: "接口测试".into(),
            id_number: citizen_id(n),
            phone: "13905310011".into(),
            challenge_answer: solve(&c.question),
            challenge_id: c.id,
            ..Default::default()
        };
        acks.push(registrations::register(&cx, id, &r, &format!("10.99.0.{n}")).await.unwrap());
    }
    Fixture { draft: ids[0], open: ids[1], code: acks[0].code.clone(), pending: acks[1].registration.id }
}
