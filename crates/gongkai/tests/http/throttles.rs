//! Throttles and the application form's challenge against abuse (security issue, findings 4,
//! 10 and 11): nobody can lock an account or an applicant out from another address, limits
//! hold under concurrent requests, and challenges cost the database nothing until answered.
//! Client addresses are set through `X-Forwarded-For` (a single entry) on a server that
//! trusts it.

use crate::common;
use common::{App, Db, TestApp, client, csrf_in, password_of, solve};
use gongkai_web::ServerOptions;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use std::time::Duration;

/// A server that trusts `X-Forwarded-For`, waits at most 20 ms for an account's failures from
/// elsewhere, and gives `challenges` challenges per address and minute.
fn behind_proxy(challenges: u32) -> impl Fn() -> ServerOptions {
    move || ServerOptions {
        trust_proxy: true,
        throttle_delay_max: Duration::from_millis(20),
        challenges_per_minute: challenges,
        ..TestApp::options()
    }
}

/// Logs in through the form from `ip`; the status of the answer (303 is success).
async fn login_from(app: &App, ip: &str, username: &str, password: &str) -> StatusCode {
    let c = client();
    let page = c.get(app.url("/admin/login")).header("x-forwarded-for", ip).send().await.unwrap();
    let token = csrf_in(&page.text().await.unwrap()).expect("login form has a token");
    c.post(app.url("/admin/login"))
        .header("x-forwarded-for", ip)
        .form(&[("csrf", token.as_str()), ("username", username), ("password", password), ("next", "/admin")])
        .send()
        .await
        .unwrap()
        .status()
}

async fn challenge_from(app: &App, ip: &str) -> Response {
    client().get(app.url("/api/v1/requests/challenge")).header("x-forwarded-for", ip).send().await.unwrap()
}

/// A solved challenge: (id, answer).
async fn solved_from(app: &App, ip: &str) -> (String, String) {
    let res = challenge_from(app, ip).await;
    assert_eq!(res.status(), StatusCode::OK);
    let c: Value = res.json().await.unwrap();
    (c["id"].as_str().unwrap().to_string(), solve(c["question"].as_str().unwrap()))
}

async fn application(app: &App) -> Value {
    json!({
        "unit_id": app.unit_id("济南市医疗保障局").await.to_string(),
        "applicant_type": "person",
        "name": "欧阳明远",
        "id_type": "citizen_id",
        "id_number": format!("37010219850615123{}", gongkai_domain::codes::citizen_id_check_char("37010219850615123").unwrap()),
        "phone": "13905318765",
        "address": "济南市历下区泉城路188号",
        "description": "2025年济南市城乡居民医疗保险门诊慢特病病种目录",
        "provision_form": "electronic",
        "delivery": "email",
        "email": "ouyang@example.com",
    })
}

async fn apply_from(app: &App, ip: &str, body: &Value, (id, answer): &(String, String)) -> Response {
    let mut body = body.clone();
    body["challenge_id"] = json!(id);
    body["challenge_answer"] = json!(answer);
    client().post(app.url("/api/v1/requests")).header("x-forwarded-for", ip).json(&body).send().await.unwrap()
}

async fn count(app: &App, sql: &str) -> i64 {
    let mut conn = common::raw_conn(&app.store).await;
    sqlx::Row::try_get(&sqlx::query(sql).fetch_one(&mut conn).await.unwrap(), 0).unwrap()
}

/// The number of rows in every table of the database.
async fn all_rows(app: &App) -> i64 {
    let mut conn = common::raw_conn(&app.store).await;
    let list = match app.db {
        Db::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        Db::Postgres => "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public'",
    };
    let tables: Vec<String> = sqlx::query(list)
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::try_get(r, 0).unwrap())
        .collect();
    assert!(tables.len() > 10, "{tables:?}");
    let mut total = 0i64;
    for t in tables {
        let n: i64 = sqlx::Row::try_get(
            &sqlx::query(&format!("SELECT COUNT(*) FROM \"{t}\"")).fetch_one(&mut conn).await.unwrap(),
            0,
        )
        .unwrap();
        total += n;
    }
    total
}

// Finding 4: wrong passwords from one address lock that address out of the account, not the
// account: twenty for `admin` from A (and more from elsewhere, which only slow) leave the right
// password working from B while A stays refused. Before, five from anywhere locked `admin`
// for everyone.
both_with!(wrong_passwords_lock_the_address_not_the_account, behind_proxy(60), |app: App| async move {
    let (a, b) = ("203.0.113.7", "198.51.100.20");
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(login_from(&app, a, "admin", "Wrong-guess-2026").await);
    }
    let refused = answers.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!(answers[..5], [StatusCode::UNPROCESSABLE_ENTITY; 5], "{answers:?}");
    assert_eq!(refused, 15, "{answers:?}");
    // Ten more from two other addresses: the account's failures only slow attempts now.
    for ip in ["192.0.2.1", "192.0.2.2"] {
        for _ in 0..5 {
            assert_eq!(login_from(&app, ip, "admin", "Wrong-guess-2026").await, StatusCode::UNPROCESSABLE_ENTITY);
        }
    }
    assert_eq!(login_from(&app, a, "admin", &password_of("admin")).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(login_from(&app, b, "admin", &password_of("admin")).await, StatusCode::SEE_OTHER);
    // A's lock is A's own: another account still logs in from A.
    assert_eq!(login_from(&app, a, "gkb", &password_of("gkb")).await, StatusCode::SEE_OTHER);
    // A right password clears only its own pair: B may mistype again without a lock.
    for _ in 0..4 {
        assert_eq!(login_from(&app, b, "admin", "Wrong-guess-2026").await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(login_from(&app, b, "admin", &password_of("admin")).await, StatusCode::SEE_OTHER);
});

// Finding 4 for applicants: wrong query codes from A lock A out of the application; the
// applicant's right code still works from B. Before, five wrong codes from anywhere blocked it.
both_with!(wrong_query_codes_lock_the_address_not_the_applicant, behind_proxy(60), |app: App| async move {
    let body = application(&app).await;
    let ack = apply_from(&app, "198.51.100.20", &body, &solved_from(&app, "198.51.100.20").await).await;
    assert_eq!(ack.status(), StatusCode::CREATED);
    let ack: Value = ack.json().await.unwrap();
    let (no, code) = (ack["tracking_no"].as_str().unwrap(), ack["query_code"].as_str().unwrap());
    let track = |ip: &'static str, code: String| {
        let url = app.url(&format!("/api/v1/requests/{no}?code={code}"));
        async move { client().get(url).header("x-forwarded-for", ip).send().await.unwrap().status() }
    };
    let mut answers = Vec::new();
    for _ in 0..20 {
        answers.push(track("203.0.113.7", "WRONG234".into()).await);
    }
    assert_eq!(answers[..5], [StatusCode::UNPROCESSABLE_ENTITY; 5], "{answers:?}");
    assert!(answers[5..].iter().all(|s| *s == StatusCode::TOO_MANY_REQUESTS), "{answers:?}");
    for _ in 0..5 {
        assert_eq!(track("192.0.2.1", "WRONG234".into()).await, StatusCode::UNPROCESSABLE_ENTITY);
    }
    assert_eq!(track("203.0.113.7", code.to_string()).await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(track("198.51.100.20", code.to_string()).await, StatusCode::OK);
    assert_eq!(track("198.51.100.99", code.to_string()).await, StatusCode::OK);
});

// Finding 11: thirty applications at once from one address against the limit of ten: exactly
// ten are stored. Before, the check read the count before any of them was recorded.
both_with!(concurrent_applications_from_one_address_stop_at_the_limit, behind_proxy(100), |app: App| async move {
    let body = application(&app).await;
    let ip = "203.0.113.30";
    let mut challenges = Vec::new();
    for _ in 0..30 {
        challenges.push(solved_from(&app, ip).await);
    }
    let before = count(&app, "SELECT COUNT(*) FROM requests").await;
    let mut tasks = Vec::new();
    for c in challenges {
        let (app, body) = (app.clone(), body.clone());
        tasks.push(tokio::spawn(async move { apply_from(&app, ip, &body, &c).await.status() }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    let accepted = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((accepted, refused), (10, 20), "{statuses:?}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM requests").await, before + 10);
    // Another address is not affected.
    let other = apply_from(&app, "198.51.100.30", &body, &solved_from(&app, "198.51.100.30").await).await;
    assert_eq!(other.status(), StatusCode::CREATED);
});

// Finding 10: issuing challenges writes nothing (2,000 of them add no row anywhere), a flood
// from one address gets 429 while another address still gets challenges, and an answered
// challenge cannot be answered again, from any address.
both_with!(challenges_cost_no_rows_and_floods_get_429, behind_proxy(10), |app: App| async move {
    // The first challenge makes the signing key; count from there.
    solved_from(&app, "192.0.2.250").await;
    let before = all_rows(&app).await;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut ok = 0;
            // 25 addresses per task, 10 challenges each (the most an address gets at once).
            for i in 0..250 {
                let ip = format!("10.{t}.{}.1", i / 10);
                if challenge_from(&app, &ip).await.status() == StatusCode::OK {
                    ok += 1;
                }
            }
            ok
        }));
    }
    let mut issued = 0;
    for t in tasks {
        issued += t.await.unwrap();
    }
    assert_eq!(issued, 2000);
    assert_eq!(all_rows(&app).await, before, "issuing challenges wrote to the database");

    // A flood from one address: its allowance, then 429 with Retry-After, on the API and the form.
    let flood = "203.0.113.66";
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(challenge_from(&app, flood).await.status());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 10, "{statuses:?}");
    let res = challenge_from(&app, flood).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().contains_key("retry-after"));
    let p: Value = res.json().await.unwrap();
    assert!(p["detail"].as_str().unwrap().contains("获取验证问题过于频繁"), "{p}");
    let form = client().get(app.url("/requests/new")).header("x-forwarded-for", flood).send().await.unwrap();
    assert_eq!(form.status(), StatusCode::TOO_MANY_REQUESTS);
    let form = client().get(app.url("/requests/new")).header("x-forwarded-for", "198.51.100.66").send().await.unwrap();
    assert_eq!(form.status(), StatusCode::OK);
    assert_eq!(challenge_from(&app, "198.51.100.67").await.status(), StatusCode::OK);

    // Single use: an answered challenge is refused the second time, from the same or another
    // address, and reusing it concurrently lets at most one through.
    let body = application(&app).await;
    let c = solved_from(&app, "198.51.100.68").await;
    assert_eq!(apply_from(&app, "198.51.100.68", &body, &c).await.status(), StatusCode::CREATED);
    for ip in ["198.51.100.68", "198.51.100.69"] {
        let res = apply_from(&app, ip, &body, &c).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let p: Value = res.json().await.unwrap();
        assert_eq!(p["field"], "challenge_answer", "{p}");
        assert!(p["errors"][0]["message"].as_str().unwrap().contains("已失效"), "{p}");
    }
    let c = solved_from(&app, "198.51.100.70").await;
    let mut tasks = Vec::new();
    for i in 0..6 {
        let (app, body, c) = (app.clone(), body.clone(), c.clone());
        tasks.push(tokio::spawn(async move { apply_from(&app, &format!("198.51.100.{}", 71 + i), &body, &c).await }));
    }
    let mut created = 0;
    for t in tasks {
        created += usize::from(t.await.unwrap().status() == StatusCode::CREATED);
    }
    assert_eq!(created, 1);
    // Only answered challenges leave a row, until they expire.
    assert_eq!(count(&app, "SELECT COUNT(*) FROM challenge_nonces").await, 2);
});
