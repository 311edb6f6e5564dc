//! No N+1: the SQL statements the heavy staff pages run are bounded, whatever the number of
//! rows they show. Each page is counted on the demo data, then again after many more cases,
//! coordinations and units' annual reports were added: the count must not grow with them.

use crate::common;

use chrono::Datelike;
use common::*;
use gongkai_domain::request_form::{Applicant, Delivery, ProvisionForm};
use gongkai_domain::request_lifecycle::RequestState;
use gongkai_domain::requests::{ApplicantType, Channel};
use gongkai_store::Actor;
use gongkai_store::requests::{ConsultationKind, NewRequest};
use gongkai_web::ServerOptions;
use reqwest::StatusCode;

fn counting() -> ServerOptions {
    ServerOptions { count_statements: true, ..TestApp::options() }
}

/// The year whose annual reports the console shows by default (the last one).
fn report_year() -> i32 {
    gongkai_app::today().year() - 1
}

/// A page, who opens it and the most statements it may run (with warm caches).
struct Probe {
    name: &'static str,
    path: String,
    who: &'static str,
    api: bool,
    bound: u64,
}

/// The demo case asking 住建局 to coordinate: its page grows with its timeline's actors and
/// the documents its reply points to.
const CASE: &str = "20261100000112";

async fn probes(app: &App) -> Vec<Probe> {
    let year = report_year();
    let case = app.store.request_by_tracking_no(CASE).await.unwrap().expect("demo case").id;
    let p = |name, path: &str, who, api, bound| Probe { name, path: path.to_string(), who, api, bound };
    let titled = |title: &'static str| async move {
        let all = app.store.consultations_live().await.unwrap();
        all.into_iter().find(|c| c.title().contains(title)).unwrap_or_else(|| panic!("demo consultation {title}")).id
    };
    // The demo's 开门写报告: hundreds of opinions in their groups, forwarded and decided.
    let report = titled("开门写报告").await;
    // The draft 物业管理条例 with the opinions on its passages.
    let draft = titled("物业管理条例").await;
    // The demo's finished open day: its roster of 22, 18 checked in.
    let all = app.store.open_days_live().await.unwrap();
    let visit = all.iter().find(|e| e.title().contains("政务服务中心")).expect("demo open day").id;
    // The demo's archived broadcast of 槐荫区's 66th meeting: 42 posts, photos, questions.
    let blogs = app.store.live_blogs().await.unwrap();
    let archive =
        blogs.iter().find(|b| b.status == gongkai_domain::live_blog::BlogStatus::Ended).expect("demo archive");
    let meeting = archive.subject_id.expect("the meeting");
    let archive = archive.id;
    vec![
        p("live page (public)", &format!("/live/{archive}"), "huaiyin_editor", false, 6),
        p("live page (API)", &format!("/api/v1/live/{archive}"), "huaiyin_editor", true, 6),
        p("live console", &format!("/admin/live/{archive}"), "huaiyin_editor", false, 8),
        p("meeting (public)", &format!("/meetings/{meeting}"), "huaiyin_editor", false, 5),
        p("open days (public)", "/open-days", "shizhong_editor", false, 3),
        p("open day (public)", &format!("/open-days/{visit}"), "shizhong_editor", false, 4),
        p("open day with roster (console)", &format!("/admin/open-days/{visit}"), "shizhong_editor", false, 6),
        p(
            "open day roster (API)",
            &format!("/api/v1/staff/open-days/{visit}/registrations"),
            "shizhong_editor",
            true,
            5,
        ),
        p("draft with opinions (public)", &format!("/consultations/{draft}/draft"), "bgt_editor", false, 5),
        p("one paragraph's opinions (public)", &format!("/consultations/{draft}/draft?para=3"), "bgt_editor", false, 6),
        p("consultation (public)", &format!("/consultations/{report}"), "bgt_editor", false, 5),
        p("feedback (public)", &format!("/consultations/{report}/report"), "bgt_editor", false, 2),
        p("feedback figures (API)", &format!("/api/v1/consultations/{report}/report"), "bgt_editor", true, 2),
        p("opinions (console)", &format!("/admin/consultations/{report}/opinions"), "bgt_editor", false, 8),
        p("opinion groups (console)", &format!("/admin/consultations/{report}/groups"), "bgt_editor", false, 9),
        p("opinion groups (API)", &format!("/api/v1/staff/consultations/{report}/groups"), "bgt_editor", true, 8),
        p("forwarded opinions (console)", "/admin/opinion-forwards", "jyj_editor", false, 6),
        p("case page (console)", &format!("/admin/requests/{case}"), "ybj_handler", false, 13),
        p("case (API)", &format!("/api/v1/staff/requests/{case}"), "ybj_handler", true, 10),
        p("request queue (console)", "/admin/requests", "ybj_handler", false, 8),
        p("request queue (API)", "/api/v1/staff/requests", "ybj_handler", true, 8),
        p("annual report (console)", &format!("/admin/annual-reports?year={year}"), "admin", false, 10),
        p("dashboard (handler)", "/admin", "ybj_handler", false, 5),
        // 16: with 公众参与 (forwards waiting, concern response times), two reads more.
        p("dashboard (administrator)", "/admin", "admin", false, 16),
        p("coordinations (console)", "/admin/coordinations", "zjj_handler", false, 6),
        p("coordinations (API)", "/api/v1/staff/coordinations", "zjj_handler", true, 7),
    ]
}

/// Counts every probe, each twice so that the second runs with warm caches (unit tree,
/// calendar), and returns the warm counts.
async fn measure(app: &App) -> Vec<u64> {
    let mut out = Vec::new();
    for probe in probes(app).await {
        let mut count = 0;
        for _ in 0..2 {
            let (status, n) = if probe.api {
                let token = app.token(probe.who).await;
                app.api_statements(&probe.path, &token).await
            } else {
                let session = app.login(probe.who).await;
                app.statements(&probe.path, &session).await
            };
            assert_eq!(status, StatusCode::OK, "{}", probe.name);
            count = n;
        }
        out.push(count);
    }
    out
}

/// Adds `n` cases to 医保局 in the states the queue and the reminders count (every fourth one
/// consulting 住建局), and a published annual report for `n` units.
async fn add_rows(app: &App, n: usize) {
    let ybj = app.store.user_by_username("ybj_handler").await.unwrap().unwrap();
    let zjj = app.store.user_by_username("zjj_handler").await.unwrap().unwrap().unit_id;
    let today = gongkai_app::today();
    let mut w = app.store.write(Actor::system("test")).await.unwrap();
    for i in 0..n {
        let state = [
            RequestState::AwaitingConfirmation,
            RequestState::InProgress,
            RequestState::Consulting,
            RequestState::AwaitingApproval,
        ][i % 4];
        let new = NewRequest {
            unit_id: ybj.unit_id,
            channel: Channel::Online,
            applicant_type: ApplicantType::Person,
            applicant: Applicant { name: format!("申请人{i}"), ..Default::default() },
            description: format!("第 {i} 件测试申请的内容"),
            provision_form: ProvisionForm::Electronic,
            delivery: Delivery::Email,
            state,
            received_on: Some(today - chrono::Days::new(5)),
            due_on: Some(today + chrono::Days::new(i as u64 % 7)),
            handler_id: Some(ybj.id),
        };
        let id = w.request_insert(&new, &format!("2099{i:010}"), "x").await.unwrap().unwrap();
        if state == RequestState::Consulting {
            let sent = today - chrono::Days::new(2);
            let due = today + chrono::Days::new(10);
            w.consultation_insert(id, ConsultationKind::Coordination, Some(zjj), "", "请提出意见", sent, due)
                .await
                .unwrap();
        }
    }
    w.record("test.rows", "request", 0, None, "statement bounds");
    w.commit().await.unwrap();

    // The case's timeline gets an entry by every demo user, its reply `n` published documents.
    let case = app.store.request_by_tracking_no(CASE).await.unwrap().unwrap().id;
    let gongkai_store::Page { items: users, total: _ } =
        app.store.users_list(&Default::default(), 200, 0).await.unwrap();
    for u in &users {
        let actor =
            Actor { user_id: Some(u.id), name: u.username.clone(), unit_id: Some(u.unit_id), ip: String::new() };
        let mut w = app.store.write(actor).await.unwrap();
        let details = gongkai_domain::request_events::EventDetails::default();
        w.request_event(case, gongkai_domain::request_events::EventKind::Archived, today, false, &details)
            .await
            .unwrap();
        w.record("test.event", "request", case, None, "statement bounds");
        w.commit().await.unwrap();
    }
    let filter = gongkai_store::documents::PublicFilter::default();
    let gongkai_store::Page { items: docs, total: _ } = app.store.public_documents(&filter, n as i64, 0).await.unwrap();
    let mut w = app.store.write(Actor::system("test")).await.unwrap();
    let mut r = w.request_lock(case).await.unwrap();
    r.reply.document_ids = docs.iter().map(|d| d.id).collect();
    w.request_save(&r).await.unwrap();
    w.record("test.reply", "request", case, None, "statement bounds");
    w.commit().await.unwrap();

    // The open day's roster grows by `n` registrations.
    let visit =
        app.store.open_days_live().await.unwrap().into_iter().find(|e| e.title().contains("政务服务中心")).unwrap();
    let answers = vec![("topic".to_string(), "测试".to_string())];
    let mut w = app.store.write(Actor::system("test")).await.unwrap();
    for i in 0..n {
        let (code, who) = (format!("statement-code-{i}"), format!("statement-person-{i}"));
        let new = gongkai_store::open_day::registrations::NewRegistration {
            open_day_id: visit.id,
            code_hash: &code,
            status: gongkai_domain::open_day::registration::RegistrationStatus::Confirmed,
            name: "测试",
            id_number: "370103198001010011",
            id_hash: &who,
            phone: "13900000000",
            district: Some("370103"),
            answers: &answers,
            kind: "visit",
            year: 2026,
        };
        w.registration_insert(&new).await.unwrap();
    }
    w.record("test.registrations", "open_day", visit.id, None, "statement bounds");
    w.commit().await.unwrap();

    let year = report_year();
    let units: Vec<_> = app.store.units_all().await.unwrap().into_iter().filter(|u| !u.is_closed()).take(n).collect();
    for (i, u) in units.iter().enumerate() {
        let doc = app
            .published(&u.name, &format!("{}{year}年政府信息公开工作年度报告", u.name), "report", &format!("ar-{i}"))
            .await;
        let mut w = app.store.write(Actor::system("test")).await.unwrap();
        w.annual_report_put(u.id, year, "{}", "{}").await.unwrap();
        w.annual_report_document(u.id, year, doc).await.unwrap();
        w.record("test.report", "annual_report", u.id, Some(u.id), "statement bounds");
        w.commit().await.unwrap();
    }
}

/// Gives the demo case's reply one published document, so that the first count already
/// includes the look-up of the documents a reply points to.
async fn link_one_document(app: &App) {
    let case = app.store.request_by_tracking_no(CASE).await.unwrap().unwrap().id;
    let gongkai_store::Page { items: docs, total: _ } =
        app.store.public_documents(&Default::default(), 1, 0).await.unwrap();
    let mut w = app.store.write(Actor::system("test")).await.unwrap();
    let mut r = w.request_lock(case).await.unwrap();
    r.reply.document_ids = docs.iter().map(|d| d.id).collect();
    w.request_save(&r).await.unwrap();
    w.record("test.reply", "request", case, None, "statement bounds");
    w.commit().await.unwrap();
}

both_with!(heavy_pages_run_a_bounded_number_of_statements, counting, |app: App| async move {
    gongkai_app::demo::load(&app.store).await.unwrap();
    app.sync_search().await;
    link_one_document(&app).await;
    let before = measure(&app).await;
    add_rows(&app, 40).await;
    let after = measure(&app).await;
    let mut report = String::new();
    let probes = probes(&app).await;
    for ((probe, b), a) in probes.iter().zip(&before).zip(&after) {
        report.push_str(&format!("{:?} {:<28} demo {b:>4}  +rows {a:>4}  bound {}\n", app.db, probe.name, probe.bound));
    }
    eprintln!("{report}");
    for ((probe, b), a) in probes.iter().zip(&before).zip(&after) {
        assert!(a <= b, "{}: {b} statements on the demo data, {a} with more rows\n{report}", probe.name);
        assert!(*a <= probe.bound, "{}: {a} statements, bound {}\n{report}", probe.name, probe.bound);
    }
});

both_with!(statements_are_counted_only_when_asked, counting, |app: App| async move {
    // Reads and writes both count: a login reads the user and writes the session.
    let session = app.login("ybj_handler").await;
    let (status, n) = app.statements("/admin/requests", &session).await;
    assert_eq!(status, StatusCode::OK);
    assert!(n > 0);
    let res = session
        .client
        .post(session.url("/admin/logout"))
        .form(&[("csrf", session.csrf.as_str())])
        .send()
        .await
        .unwrap();
    // A write counts its transaction: BEGIN, the audit head, the change, the record, COMMIT.
    let (status, n) = statements_of(res).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(n >= 5, "{n}");
});

both!(statements_are_not_counted_by_default, |app: App| async move {
    let res = app.get("/").await;
    assert!(!res.headers().contains_key(gongkai_web::STATEMENTS_HEADER));
});

/// The statements of a public page or call, warm (the second of two).
async fn public_statements(app: &App, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> u64 {
    let mut count = 0;
    for _ in 0..2 {
        let mut req = client().request(method.clone(), app.url(path));
        if let Some(b) = &body {
            req = req.json(b);
        }
        let (status, n) = statements_of(req.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        count = n;
    }
    count
}

both_with!(policy_pages_do_not_grow_with_the_library, counting, |app: App| async move {
    gongkai_app::demo::load(&app.store).await.unwrap();
    let profile =
        serde_json::json!({"profile": {"district": "370112", "employees": 50, "qualifications": ["tech_sme"]}});
    let some = app.store.policies_live().await.unwrap()[0].id;
    let measure = || async {
        let get = reqwest::Method::GET;
        let session = app.login("ybj_editor").await;
        let (status, console) = app.statements("/admin/policies", &session).await;
        assert_eq!(status, StatusCode::OK);
        // A query not seen before, so that the page is rendered, not answered from the page
        // cache (the second of two, with warm caches).
        let round = app.store.policies_live().await.unwrap().len();
        let mut list = 0;
        for i in 0..2 {
            let res =
                client().get(app.url(&format!("/policies?benefit_type=subsidy&v={round}-{i}"))).send().await.unwrap();
            list = statements_of(res).await.1;
        }
        vec![
            list,
            public_statements(&app, get.clone(), "/api/v1/policies?per_page=100", None).await,
            public_statements(&app, get.clone(), &format!("/policies/{some}"), None).await,
            public_statements(&app, reqwest::Method::POST, "/api/v1/policies/match", Some(profile.clone())).await,
            console,
        ]
    };
    let before = measure().await;
    let ybj = app.unit_id("济南市医疗保障局").await;
    let lines: Vec<String> = (0..40)
        .map(|i| {
            serde_json::json!({"unit": ybj, "title": format!("追加政策{i}"), "level": "city", "benefit_type": "subsidy",
                "mode": "regular", "rule": {"field": "employees", "op": ">=", "value": i}})
            .to_string()
        })
        .collect();
    gongkai_app::business_policy::import::import_file(&app.store, &lines.join("\n")).await.unwrap();
    let after = measure().await;
    eprintln!("{:?} policy pages: demo {before:?}, +40 policies {after:?}", app.db);
    let bounds = [2, 2, 2, 2, 6];
    for ((b, a), bound) in before.iter().zip(&after).zip(bounds) {
        assert!(a <= b, "{before:?} → {after:?}");
        assert!(*a <= bound, "{after:?} against {bounds:?}");
    }
});
