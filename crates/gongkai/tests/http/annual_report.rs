//! The annual report over a generated year of applications: table 三 as the server computes
//! it (grouped queries in the database) against an independent count in memory of the same
//! cases, the column identity 一 + 二 = 三（七）+ 四, table 四 from review records, and the
//! report's JSON, XLSX and DOCX answers — on SQLite and PostgreSQL.

use crate::common;
use chrono::{Duration, NaiveDate};
use common::App;
use gongkai_domain::annual_report::{RequestRecord, Table3};
use gongkai_domain::requests::{ApplicantType, Outcome};
use serde_json::Value;

/// A small deterministic generator (xorshift), so a failure can be reproduced.
struct Gen(u64);

impl Gen {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// Cases received from mid-2024 to early 2026, some never received (awaiting confirmation),
/// most closed a few weeks later with any outcome, some still open.
fn generate(n: usize, seed: u64) -> Vec<RequestRecord> {
    let mut g = Gen(seed);
    let start = d("2024-06-01");
    (0..n)
        .map(|_| {
            let applicant_type = ApplicantType::ALL[g.below(ApplicantType::ALL.len() as u64) as usize];
            if g.below(20) == 0 {
                return RequestRecord { applicant_type, received_on: None, closed: None };
            }
            let received = start + Duration::days(g.below(640) as i64);
            let closed = (g.below(10) < 8).then(|| {
                let outcome = Outcome::ALL[g.below(Outcome::ALL.len() as u64) as usize];
                (outcome, received + Duration::days(g.below(60) as i64))
            });
            RequestRecord { applicant_type, received_on: Some(received), closed }
        })
        .collect()
}

async fn insert(app: &App, unit_id: i64, records: &[RequestRecord]) {
    let mut conn = common::raw_conn(&app.store).await;
    for (i, chunk) in records.chunks(200).enumerate() {
        let rows: Vec<String> = chunk
            .iter()
            .enumerate()
            .map(|(j, r)| {
                let no = format!("T{:04}{:04}", i, j);
                let date = |x: Option<NaiveDate>| x.map(|x| format!("'{x}'")).unwrap_or_else(|| "NULL".into());
                let (state, outcome, closed) = match (r.received_on, r.closed) {
                    (None, _) => ("awaiting_confirmation", "NULL".to_string(), None),
                    (Some(_), Some((o, c))) => ("replied", format!("'{}'", o.code()), Some(c)),
                    (Some(_), None) => ("in_progress", "NULL".to_string(), None),
                };
                format!(
                    "('{no}', 'x', {unit_id}, 'online', '{}', '{{}}', '生成的申请', 'electronic', 'email', '{state}', \
                     '2024-01-01T00:00:00Z', {}, {outcome}, {}, {}, '2024-01-01T00:00:00Z', '2024-01-01T00:00:00Z')",
                    r.applicant_type.code(),
                    date(r.received_on),
                    date(closed),
                    date(closed),
                )
            })
            .collect();
        sqlx::query(&format!(
            "INSERT INTO requests (tracking_no, code_hash, unit_id, channel, applicant_type, applicant, description, \
             provision_form, delivery, state, submitted_at, received_on, outcome, replied_on, closed_on, created_at, updated_at) \
             VALUES {}",
            rows.join(", ")
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

fn row(json: &Value, path: &[&str]) -> [u64; 7] {
    let mut v = json;
    for p in path {
        v = &v[*p];
    }
    let mut out = [0u64; 7];
    for (i, t) in ApplicantType::ALL.iter().enumerate() {
        out[i] = v[t.code()].as_u64().unwrap_or_else(|| panic!("{path:?} {}: {v}", t.code()));
    }
    out[6] = v["total"].as_u64().unwrap();
    out
}

both!(table_three_agrees_with_an_independent_count, |app: App| async move {
    // A unit of its own, so the demo's cases do not mix in.
    let admin = app.token("admin").await;
    let parent = app.unit_id("济南市历下区人民政府").await;
    let created: Value = app
        .api_json(
            reqwest::Method::POST,
            &admin,
            "/api/v1/units",
            serde_json::json!({"parent_id": parent, "kind": "department", "name": "济南市历下区年报测试局"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let unit = created["id"].as_i64().unwrap();
    let records = generate(1500, 0x9e3779b97f4a7c15);
    insert(&app, unit, &records).await;
    for year in [2024, 2025, 2026] {
        let expected = Table3::from_records(year, &records);
        expected.check_identity().unwrap();
        let res = app.get(&format!("/api/v1/units/{unit}/annual-report?year={year}")).await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["balanced"], true, "{year}: the identity holds");
        let t3 = &body["report"]["table3"];
        assert_eq!(row(t3, &["new"]), expected.row(0), "{year}: 一、本年新收");
        assert_eq!(row(t3, &["carried_over"]), expected.row(1), "{year}: 二、上年结转");
        for o in Outcome::ALL {
            assert_eq!(row(t3, &["outcomes", o.code()]), expected.row(o.table3_row()), "{year}: {}", o.code());
        }
        assert_eq!(row(t3, &["replied_total"]), expected.row(23), "{year}: 三（七）总计");
        assert_eq!(row(t3, &["carried_forward"]), expected.row(24), "{year}: 四、结转下年度");
        let (new, carried, replied, forward) =
            (row(t3, &["new"]), row(t3, &["carried_over"]), row(t3, &["replied_total"]), row(t3, &["carried_forward"]));
        for c in 0..7 {
            assert_eq!(new[c] + carried[c], replied[c] + forward[c], "{year}: column {c}");
        }
    }
    // The year's numbers are not all zero, or the comparison would prove little.
    assert!(Table3::from_records(2025, &records).row(0)[6] > 500);

    // The government's report over its units includes the test unit's cases.
    let own = Table3::from_records(2025, &records).row(0)[6];
    let district: Value =
        app.get(&format!("/api/v1/units/{parent}/annual-report?year=2025&scope=all")).await.json().await.unwrap();
    assert!(district["units_counted"].as_u64().unwrap() > 1);
    assert!(row(&district["report"]["table3"], &["new"])[6] >= own);
    let alone: Value = app.get(&format!("/api/v1/units/{parent}/annual-report?year=2025")).await.json().await.unwrap();
    assert!(row(&alone["report"]["table3"], &["new"])[6] < own, "scope=unit counts the government alone");

    // The downloads carry the same figures.
    let xlsx = app.get(&format!("/api/v1/units/{unit}/annual-report?year=2025&format=xlsx")).await;
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let docx = app.get(&format!("/api/v1/units/{unit}/annual-report?year=2025&format=docx")).await;
    assert_eq!(docx.status(), 200);
    assert!(docx.bytes().await.unwrap().starts_with(b"PK"));
    let bad = app.get(&format!("/api/v1/units/{unit}/annual-report?year=1990")).await;
    assert_eq!(bad.status(), 422);
});

both!(table_four_counts_reviews_in_the_year_filed, |app: App| async move {
    let handler = app.token("zjj_handler").await;
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    let before: Value = app.get(&format!("/api/v1/units/{zjj}/annual-report?year=2025")).await.json().await.unwrap();
    let base = |k: &str, r: &str| before["report"]["table4"][k][r].as_u64().unwrap();
    for (kind, result, filed, decided) in [
        ("review", "upheld", "2025-03-02", "2025-05-06"),
        ("review", "corrected", "2025-06-10", "2025-08-01"),
        ("review", "pending", "2025-12-20", ""),
        ("lawsuit_direct", "other", "2025-04-01", "2025-10-09"),
        ("lawsuit_after_review", "pending", "2025-09-15", ""),
        ("review", "upheld", "2024-12-30", "2025-02-01"),
    ] {
        let res = app
            .api_json(
                reqwest::Method::POST,
                &handler,
                "/api/v1/staff/review-cases",
                serde_json::json!({"kind": kind, "result": result, "filed_on": filed, "decided_on": decided, "authority": "济南市人民政府"}),
            )
            .await;
        assert_eq!(res.status(), 201, "{kind} {result}: {}", res.text().await.unwrap());
    }
    let after: Value = app.get(&format!("/api/v1/units/{zjj}/annual-report?year=2025")).await.json().await.unwrap();
    let t4 = &after["report"]["table4"];
    assert_eq!(t4["review"]["upheld"].as_u64().unwrap(), base("review", "upheld") + 1, "the 2024 case is not counted");
    assert_eq!(t4["review"]["corrected"].as_u64().unwrap(), base("review", "corrected") + 1);
    assert_eq!(t4["review"]["pending"].as_u64().unwrap(), base("review", "pending") + 1);
    assert_eq!(t4["review"]["total"].as_u64().unwrap(), base("review", "total") + 3);
    assert_eq!(t4["lawsuit_direct"]["other"].as_u64().unwrap(), base("lawsuit_direct", "other") + 1);
    assert_eq!(t4["lawsuit_after_review"]["pending"].as_u64().unwrap(), base("lawsuit_after_review", "pending") + 1);
    // A decided case must have a decision date after its filing; pending ones none.
    let res = app
        .api_json(
            reqwest::Method::POST,
            &handler,
            "/api/v1/staff/review-cases",
            serde_json::json!({"kind": "review", "result": "pending", "filed_on": "2025-03-02", "decided_on": "2025-01-01"}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let fields: Vec<&str> = body["errors"].as_array().unwrap().iter().filter_map(|e| e["field"].as_str()).collect();
    assert!(fields.contains(&"decided_on") && fields.contains(&"result"), "{body}");
});
