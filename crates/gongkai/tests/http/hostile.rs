//! Malformed and hostile input at every route: huge fields, invalid UTF-8, SQL and script
//! fragments, path traversal, control characters, absurd numbers. No answer may be a 500,
//! nothing may be reflected unescaped, and the server and its audit chain must survive.

use crate::common;
use common::{App, client};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn hostile_values() -> Vec<String> {
    vec![
        "' OR '1'='1".into(),
        "\"; DROP TABLE users; --".into(),
        "<script>alert('gk')</script>".into(),
        "../../../../etc/passwd".into(),
        "..\\..\\windows\\win.ini".into(),
        "\u{0}nul\u{0}".into(),
        "\u{202e}gnp.exe".into(),
        "😀".repeat(500),
        "9".repeat(40),
        "-1".into(),
        "1e309".into(),
        "".into(),
        " ".into(),
        "null".into(),
        "A".repeat(100_000),
        "%00%2e%2e%2f".into(),
        "\r\nSet-Cookie: x=y".into(),
    ]
}

const SCRIPT: &str = "<script>alert('gk')</script>";

/// Portal and console GET routes with their query parameters.
const GET_ROUTES: &[(&str, &[&str])] = &[
    ("/", &[]),
    ("/units", &["q"]),
    ("/units/{v}", &[]),
    ("/search", &["q"]),
    ("/gongkai/guide", &["unit"]),
    ("/preferences/elder", &["on", "return"]),
    ("/admin/login", &["next"]),
    ("/admin", &["notice"]),
    ("/admin/users", &["q", "role", "inactive", "page"]),
    ("/admin/users/{v}", &["notice"]),
    ("/admin/units", &["notice"]),
    ("/admin/units/new", &["parent"]),
    ("/admin/units/{v}", &[]),
    ("/admin/calendar", &["year"]),
    ("/admin/audit", &["actor", "action", "object_type", "object_id", "from", "to", "q", "page"]),
    ("/admin/tokens", &["user"]),
    ("/api/v1/units", &["parent", "kind", "q", "include_closed", "page", "per_page"]),
    ("/api/v1/units/{v}", &[]),
    ("/api/v1/users", &["unit", "q", "role", "include_inactive", "page", "per_page"]),
    ("/api/v1/users/{v}", &[]),
    ("/api/v1/tokens", &["user"]),
    ("/api/v1/calendar/{v}", &[]),
    ("/api/v1/calendar/is-workday", &["date"]),
    ("/api/v1/calendar/add-workdays", &["from", "days"]),
    ("/api/v1/calendar/workdays-between", &["from", "to"]),
    ("/api/v1/audit", &["actor", "action", "from", "to", "q", "page", "per_page"]),
    ("/search", &["q", "unit", "genre", "topic", "year", "validity", "sort", "page"]),
    ("/api/v1/search", &["q", "unit", "genre", "topic", "year", "validity", "sort", "page", "per_page"]),
    ("/documents/{v}", &[]),
    ("/api/v1/documents", &["unit", "genre", "topic", "year", "validity", "page", "per_page"]),
    ("/api/v1/documents/{v}", &[]),
    ("/admin/documents", &["q", "status", "page"]),
    ("/admin/documents/{v}", &["notice"]),
    ("/admin/documents/{v}/edit", &[]),
    ("/api/v1/staff/documents", &["status", "q", "unit", "page", "per_page"]),
    ("/api/v1/staff/documents/{v}", &[]),
    ("/api/v1/staff/documents/{v}/checks", &[]),
    ("/api/v1/staff/documents/{v}/attachments", &[]),
    ("/files/{v}/{v}", &[]),
    ("/units/{v}/catalogue", &[]),
    ("/units/{v}/catalogue.xlsx", &[]),
    ("/columns/{v}", &["page"]),
    ("/gongkai/rules", &["unit", "genre", "topic", "year", "validity", "page"]),
    ("/gongkai/annual-reports", &["unit", "page"]),
    ("/admin/catalogue", &["report", "notice"]),
    ("/admin/catalogue/standards.xlsx", &["level", "domain"]),
    ("/admin/catalogue/units/{v}", &["notice"]),
    ("/admin/columns", &["notice"]),
    ("/api/v1/standards", &["level", "domain"]),
    ("/api/v1/units/{v}/catalogue", &[]),
    ("/api/v1/columns", &["unit"]),
    ("/api/v1/staff/documents/flags", &["unit"]),
    ("/admin/wordlists", &["notice"]),
    ("/api/v1/staff/wordlists", &[]),
    ("/requests", &[]),
    ("/requests/new", &["unit"]),
    ("/requests/track", &["tracking_no", "code"]),
    ("/requests/{v}", &["code"]),
    ("/requests/{v}/files/{v}", &["code"]),
    ("/gongkai/annual-reports/{v}/{v}", &[]),
    ("/api/v1/requests/challenge", &[]),
    ("/api/v1/requests/{v}", &["code"]),
    ("/api/v1/units/{v}/annual-report", &["year", "scope", "format"]),
    // Without `unit_id` the queue is the caller's own, so the other values are read.
    ("/admin/requests", &["state", "due", "mine", "q", "page", "open", "notice"]),
    ("/admin/requests", &["state", "due", "mine", "q", "page", "open", "unit_id"]),
    ("/admin/requests/new", &[]),
    ("/admin/requests/{v}", &["applicant", "notice", "code"]),
    ("/admin/requests/{v}/files/{v}", &[]),
    ("/admin/requests/{v}/letters/{v}", &["format"]),
    ("/admin/coordinations", &["notice"]),
    ("/admin/annual-reports", &["year", "scope", "notice"]),
    ("/admin/annual-reports", &["unit_id", "year", "scope"]),
    ("/admin/review-cases", &["notice"]),
    ("/admin/letter-templates", &["notice"]),
    ("/admin/letter-templates/{v}", &[]),
    ("/api/v1/staff/requests", &["state", "due", "mine", "open", "q", "page", "per_page"]),
    ("/api/v1/staff/requests", &["unit_id", "state", "due", "mine", "open", "q", "page", "per_page"]),
    ("/api/v1/staff/requests/export", &["unit_id", "state", "q"]),
    ("/api/v1/staff/requests/export", &["state", "q"]),
    ("/admin/requests/export", &["unit_id", "state", "q"]),
    ("/admin/requests/export", &["state", "q"]),
    ("/api/v1/staff/requests/{v}", &["applicant"]),
    ("/api/v1/staff/requests/{v}/files/{v}", &[]),
    ("/api/v1/staff/requests/{v}/letters/{v}", &["format"]),
    ("/api/v1/staff/coordinations", &["open"]),
    ("/api/v1/staff/letter-templates", &[]),
    ("/api/v1/staff/review-cases", &["year"]),
];

/// The fields of an application, on the public form and in the API.
const APPLICATION: &[&str] = &[
    "unit_id",
    "applicant_type",
    "name",
    "id_type",
    "id_number",
    "credit_code",
    "legal_representative",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
    "description",
    "provision_form",
    "delivery",
    "challenge_id",
    "challenge_answer",
];

/// The application fields a handler registers, with the channel and the day of receipt.
const REGISTRATION: &[&str] = &[
    "unit_id",
    "channel",
    "received_on",
    "applicant_type",
    "name",
    "id_type",
    "id_number",
    "credit_code",
    "legal_representative",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
    "description",
    "provision_form",
    "delivery",
];

/// The text fields of every handling step (the numeric ones are typed in the API).
const STEP_FIELDS: &[&str] = &[
    "on",
    "what",
    "note",
    "kind",
    "third_party",
    "question",
    "answer",
    "reason",
    "approver",
    "due_on",
    "basis",
    "outcome",
    "reasons",
    "provided",
    "responsible_agency",
    "responsible_contact",
    "replied_on",
];

/// The numeric fields of the steps, which the console reads from text.
const STEP_NUMBERS: &[&str] =
    &["target_unit_id", "consultation_id", "days", "quantity", "earlier_items", "document_ids", "handler_id"];

const STEPS: &[&str] = &[
    "confirm",
    "clarification",
    "clarification-received",
    "consultations",
    "opinion",
    "extension",
    "excessive-period",
    "fee-notice",
    "fee-payment",
    "reply",
    "approve",
    "return",
    "withdraw",
    "archive",
    "assign",
];

const REPORT: &[&str] = &["overall", "problems", "other", "licensing", "penalty", "enforcement", "fees_wan_yuan"];

const REVIEW: &[&str] = &["tracking_no", "kind", "result", "filed_on", "decided_on", "authority", "note"];

/// An application received in person yesterday, as a handler registers it.
fn registration(unit_id: i64) -> Value {
    let yesterday = gongkai_domain::time::date_in_china(chrono::Utc::now()) - chrono::Duration::days(1);
    json!({
        "unit_id": unit_id.to_string(),
        "channel": "in_person",
        "received_on": yesterday.to_string(),
        "applicant_type": "person",
        "name": "王建国",
        "id_type": "citizen_id",
        "id_number": "11010519491231002X",
        "phone": "13905310000",
        "email": "wangjg@example.com",
        "description": "2025年度医疗保险基金收支情况",
        "provision_form": "electronic",
        "delivery": "email",
    })
}

/// Real objects for the routes that need one to get past the lookup: a case in progress
/// with a file (and its tracking number and query code), a coordination, a review case.
struct Objects {
    unit: i64,
    case: i64,
    file: i64,
    tracking_no: String,
    code: String,
    coordination: i64,
    review: i64,
}

async fn objects(app: &App, token: &str) -> Objects {
    let unit = app.unit_id("济南市医疗保障局").await;
    let zjj = app.unit_id("济南市住房和城乡建设局").await;
    let post = |path: String, body: Value| async move {
        let res = app.api_json(Method::POST, token, &path, body).await;
        let status = res.status();
        let text = res.text().await.unwrap();
        assert!(status.is_success(), "POST {path} -> {status}: {text}");
        serde_json::from_str::<Value>(&text).unwrap()
    };
    let ack = post("/api/v1/staff/requests".into(), registration(unit)).await;
    let tracking_no = ack["tracking_no"].as_str().unwrap().to_string();
    let code = ack["query_code"].as_str().unwrap().to_string();
    let case = app.store.request_by_tracking_no(&tracking_no).await.unwrap().unwrap().id;
    let file = post(
        format!("/api/v1/staff/requests/{case}/files"),
        json!({"name": "提供的信息.pdf", "content_base64": "JVBERi0xLjQKJXRlc3Q="}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let other = post("/api/v1/staff/requests".into(), registration(unit)).await;
    let other = app.store.request_by_tracking_no(other["tracking_no"].as_str().unwrap()).await.unwrap().unwrap().id;
    post(
        format!("/api/v1/staff/requests/{other}/steps/consultations"),
        json!({"kind": "coordination", "target_unit_id": zjj, "question": "请协助核实"}),
    )
    .await;
    let coordination = app.store.request_consultations(other).await.unwrap()[0].id;
    let review = post(
        "/api/v1/staff/review-cases".into(),
        json!({"unit_id": unit, "kind": "review", "result": "pending", "filed_on": "2026-01-05"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    Objects { unit, case, file, tracking_no, code, coordination, review }
}

/// GET routes on real objects, so that hostile values reach the query handling and the
/// remaining path segments (`{v}`).
fn object_get_routes(o: &Objects) -> Vec<(String, &'static [&'static str])> {
    vec![
        (format!("/requests/{}", o.tracking_no), &["code"]),
        (format!("/requests/{}/files/{}", o.tracking_no, o.file), &["code"]),
        (format!("/requests/{}/files/{{v}}", o.tracking_no), &[]),
        (format!("/api/v1/requests/{}", o.tracking_no), &["code"]),
        (format!("/gongkai/annual-reports/{}/{{v}}", o.unit), &[]),
        (format!("/api/v1/units/{}/annual-report", o.unit), &["year", "scope", "format"]),
        (format!("/api/v1/units/{}/annual-report", o.unit), &["year"]),
        (format!("/api/v1/units/{}/annual-report", o.unit), &["format"]),
        (format!("/admin/requests/{}", o.case), &["applicant", "notice", "code"]),
        (format!("/admin/requests/{}/files/{{v}}", o.case), &[]),
        (format!("/admin/requests/{}/letters/{{v}}", o.case), &["format"]),
        (format!("/admin/requests/{}/letters/clarification", o.case), &["format"]),
        (format!("/api/v1/staff/requests/{}", o.case), &["applicant"]),
        (format!("/api/v1/staff/requests/{}/files/{{v}}", o.case), &[]),
        (format!("/api/v1/staff/requests/{}/letters/{{v}}", o.case), &["format"]),
        (format!("/api/v1/staff/requests/{}/letters/clarification", o.case), &["format"]),
    ]
}

/// A console form: its path, fields with fixed values, and the fields given hostile values.
type FormSpec = (String, Vec<(String, String)>, Vec<&'static str>);

/// Console forms on real objects.
fn object_forms(o: &Objects) -> Vec<FormSpec> {
    let mut forms = Vec::new();
    for step in STEPS {
        forms.push((
            format!("/admin/requests/{}/steps/{step}", o.case),
            vec![],
            STEP_FIELDS.iter().chain(STEP_NUMBERS).copied().collect(),
        ));
    }
    forms.push(("/requests/track".into(), vec![("tracking_no".into(), o.tracking_no.clone())], vec!["code"]));
    forms.push((format!("/requests/{}/files/{}", o.tracking_no, o.file), vec![], vec!["code"]));
    forms.push((format!("/requests/{}/files/{{v}}", o.tracking_no), vec![("code".into(), o.code.clone())], vec![]));
    forms.push(("/requests/track".into(), vec![("code".into(), o.code.clone())], vec!["tracking_no"]));
    forms.push((format!("/admin/coordinations/{}/answer", o.coordination), vec![], vec!["answer"]));
    let unit_year = vec![("unit_id".to_string(), o.unit.to_string()), ("year".to_string(), "2026".to_string())];
    forms.push(("/admin/annual-reports".into(), unit_year.clone(), REPORT.to_vec()));
    forms.push(("/admin/annual-reports".into(), vec![("unit_id".into(), o.unit.to_string())], vec!["year"]));
    forms.push(("/admin/annual-reports/document".into(), vec![("unit_id".into(), o.unit.to_string())], vec!["year"]));
    forms.push((format!("/admin/review-cases/{}", o.review), vec![], REVIEW.to_vec()));
    forms.push(("/admin/letter-templates/extension".into(), vec![], vec!["body"]));
    forms
}

/// API writes on real objects: (method, path, hostile fields).
fn object_writes(o: &Objects) -> Vec<(&'static str, String, &'static [&'static str])> {
    let mut writes: Vec<(&'static str, String, &'static [&'static str])> = STEPS
        .iter()
        .map(|step| ("POST", format!("/api/v1/staff/requests/{}/steps/{step}", o.case), STEP_FIELDS))
        .collect();
    writes.extend([
        ("POST", format!("/api/v1/staff/requests/{}/files", o.case), &["name", "content_base64"][..]),
        ("POST", format!("/api/v1/staff/coordinations/{}/answer", o.coordination), &["answer"][..]),
        ("PUT", format!("/api/v1/staff/annual-reports/{}/2026", o.unit), REPORT),
        ("PUT", format!("/api/v1/staff/annual-reports/{}/{{v}}", o.unit), REPORT),
        ("POST", format!("/api/v1/staff/annual-reports/{}/{{v}}/document", o.unit), &[][..]),
        ("PUT", format!("/api/v1/staff/review-cases/{}", o.review), REVIEW),
        ("PUT", "/api/v1/staff/letter-templates/extension".to_string(), &["body"][..]),
    ]);
    writes
}

/// Console forms with their fields.
const FORMS: &[(&str, &[&str])] = &[
    ("/admin/login", &["username", "password", "next"]),
    ("/admin/users", &["username", "display_name", "unit_id", "roles", "phone", "email", "password"]),
    ("/admin/users/{v}", &["display_name", "unit_id", "roles", "phone", "email", "active"]),
    ("/admin/users/{v}/password", &["password", "confirm_password"]),
    (
        "/admin/units",
        &[
            "parent_id",
            "kind",
            "name",
            "short_name",
            "division_code",
            "credit_code",
            "address",
            "postcode",
            "phone",
            "email",
            "office_hours",
            "description",
        ],
    ),
    (
        "/admin/units/{v}",
        &[
            "name",
            "short_name",
            "division_code",
            "credit_code",
            "address",
            "postcode",
            "phone",
            "email",
            "office_hours",
            "description",
        ],
    ),
    ("/admin/units/{v}/move", &["parent_id"]),
    ("/admin/units/{v}/close", &["closed_on", "reason"]),
    ("/admin/calendar/years", &["schedule", "year"]),
    ("/admin/calendar/years/{v}/delete", &[]),
    ("/admin/calendar/days", &["date", "kind", "name"]),
    ("/admin/calendar/days/{v}/clear", &[]),
    ("/admin/account/password", &["current_password", "new_password", "confirm_password"]),
    ("/admin/tokens", &["user_id", "name"]),
    ("/admin/tokens/{v}/revoke", &[]),
    (
        "/admin/documents",
        &[
            "unit_id",
            "title",
            "publisher",
            "doc_no",
            "written_on",
            "publish_at",
            "topic",
            "genre",
            "keywords",
            "note",
            "interprets_id",
            "body",
            "body_is_text",
        ],
    ),
    ("/admin/documents/{v}", &["title", "doc_no", "written_on", "topic", "genre", "body", "change_note"]),
    ("/admin/documents/{v}/act", &["action", "comment", "override_reason", "reason", "note", "replacement"]),
    ("/admin/documents/{v}/mask", &[]),
    ("/admin/documents/{v}/validity", &["validity", "validity_on", "replaced_by"]),
    ("/admin/documents/{v}/attachments", &["file", "alt"]),
    ("/admin/documents/{v}/attachments/{v}/delete", &[]),
    ("/admin/catalogue/standards", &["level", "domain", "file"]),
    ("/admin/catalogue/units/{v}/instantiate", &["level", "domain"]),
    (
        "/admin/catalogue/units/{v}/items",
        &["level1", "level2", "content", "basis", "time_limit", "subject", "channels", "audience", "mode", "layer"],
    ),
    ("/admin/catalogue/items/{v}/mark", &["applicable", "reason"]),
    ("/admin/catalogue/items/{v}/delete", &[]),
    ("/admin/columns", &["unit_id", "name", "kind", "description"]),
    ("/admin/columns/{v}", &["name", "kind", "description"]),
    ("/admin/columns/{v}/delete", &[]),
    ("/admin/wordlists", &["kind", "word", "suggestion"]),
    ("/admin/wordlists/{v}/delete", &[]),
    ("/requests/track", &["tracking_no", "code"]),
    ("/requests/{v}/files/{v}", &["code"]),
    // The public form is multipart; sent as a plain form it must be refused cleanly.
    ("/requests/new", APPLICATION),
    ("/admin/requests/new", REGISTRATION),
    ("/admin/requests/{v}/steps/{v}", STEP_FIELDS),
    ("/admin/requests/{v}/files", &["file"]),
    ("/admin/coordinations/{v}/answer", &["answer"]),
    (
        "/admin/annual-reports",
        &["unit_id", "year", "overall", "problems", "other", "licensing", "penalty", "enforcement", "fees_wan_yuan"],
    ),
    ("/admin/annual-reports/document", &["unit_id", "year"]),
    ("/admin/review-cases", REVIEW),
    ("/admin/review-cases/{v}", REVIEW),
    ("/admin/letter-templates/{v}", &["body"]),
    ("/admin/letter-templates/{v}/reset", &[]),
];

/// API writes with their JSON fields.
const API_WRITES: &[(&str, &str, &[&str])] = &[
    (
        "POST",
        "/api/v1/units",
        &["parent_id", "kind", "name", "short_name", "division_code", "credit_code", "address", "phone", "email"],
    ),
    ("PATCH", "/api/v1/units/{v}", &["name", "phone", "email", "credit_code"]),
    ("POST", "/api/v1/units/{v}/move", &["parent_id"]),
    ("POST", "/api/v1/units/{v}/close", &["closed_on", "reason"]),
    (
        "POST",
        "/api/v1/users",
        &["username", "display_name", "unit_id", "roles", "phone", "email", "password", "active"],
    ),
    ("PATCH", "/api/v1/users/{v}", &["display_name", "unit_id", "roles", "active"]),
    ("POST", "/api/v1/users/{v}/password", &["password"]),
    ("POST", "/api/v1/tokens", &["user_id", "name"]),
    ("DELETE", "/api/v1/tokens/{v}", &[]),
    ("PUT", "/api/v1/calendar/{v}", &["schedule"]),
    ("DELETE", "/api/v1/calendar/{v}", &[]),
    ("PUT", "/api/v1/calendar/days/{v}", &["kind", "name"]),
    ("DELETE", "/api/v1/calendar/days/{v}", &[]),
    (
        "POST",
        "/api/v1/staff/documents",
        &["unit_id", "title", "doc_no", "written_on", "publish_at", "topic", "genre", "body", "interprets_id"],
    ),
    ("PUT", "/api/v1/staff/documents/{v}", &["title", "doc_no", "topic", "genre", "body"]),
    (
        "POST",
        "/api/v1/staff/documents/{v}/actions",
        &["action", "comment", "override_reason", "reason", "note", "replacement"],
    ),
    ("POST", "/api/v1/staff/documents/{v}/mask", &[]),
    ("POST", "/api/v1/staff/documents/{v}/validity", &["validity", "validity_on", "replaced_by"]),
    ("POST", "/api/v1/staff/documents/{v}/attachments", &["file", "alt"]),
    ("DELETE", "/api/v1/staff/documents/{v}/attachments/{v}", &[]),
    ("POST", "/api/v1/staff/standards", &["level", "domain", "file"]),
    ("POST", "/api/v1/staff/units/{v}/catalogue", &["level", "domain"]),
    (
        "POST",
        "/api/v1/staff/units/{v}/catalogue/items",
        &["level1", "level2", "content", "basis", "time_limit", "subject", "channels", "audience", "mode", "layer"],
    ),
    ("PATCH", "/api/v1/staff/catalogue/items/{v}", &["applicable", "reason"]),
    ("DELETE", "/api/v1/staff/catalogue/items/{v}", &[]),
    ("POST", "/api/v1/staff/columns", &["unit_id", "name", "kind", "description"]),
    ("PATCH", "/api/v1/staff/columns/{v}", &["name", "kind", "description"]),
    ("DELETE", "/api/v1/staff/columns/{v}", &[]),
    ("POST", "/api/v1/staff/wordlists", &["kind", "word", "suggestion"]),
    ("DELETE", "/api/v1/staff/wordlists/{v}", &[]),
    ("POST", "/api/v1/requests", APPLICATION),
    ("POST", "/api/v1/staff/requests", REGISTRATION),
    ("POST", "/api/v1/staff/requests/{v}/steps/{v}", STEP_FIELDS),
    ("POST", "/api/v1/staff/requests/{v}/files", &["name", "content_base64"]),
    ("POST", "/api/v1/staff/coordinations/{v}/answer", &["answer"]),
    ("PUT", "/api/v1/staff/letter-templates/{v}", &["body"]),
    ("DELETE", "/api/v1/staff/letter-templates/{v}", &[]),
    ("PUT", "/api/v1/staff/annual-reports/{v}/{v}", REPORT),
    ("POST", "/api/v1/staff/annual-reports/{v}/{v}/document", &[]),
    (
        "POST",
        "/api/v1/staff/review-cases",
        &["tracking_no", "kind", "result", "filed_on", "decided_on", "authority", "note"],
    ),
    ("PUT", "/api/v1/staff/review-cases/{v}", REVIEW),
];

fn enc(v: &str) -> String {
    url::form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// A value in a path segment, cut to what an address can carry.
fn in_path(v: &str) -> String {
    enc(&v.chars().take(2000).collect::<String>())
}

/// No 5xx, and no script reflected into a page (JSON may carry stored text as it is: it is
/// served as `application/json`, which no browser runs).
async fn check(what: &str, res: reqwest::Response, failures: &mut Vec<String>) {
    let status = res.status();
    if status.is_server_error() {
        failures.push(format!("{what} -> {status}"));
    }
    let html =
        res.headers().get("content-type").and_then(|v| v.to_str().ok()).is_none_or(|ct| ct.starts_with("text/html"));
    let body = res.text().await.unwrap_or_default();
    if html && body.contains(SCRIPT) {
        failures.push(format!("{what} reflects a script unescaped"));
    }
}

both!(hostile_input_never_breaks_the_server, |app: App| async move {
    let session = app.login("admin").await;
    let token = app.token("admin").await;
    let values = hostile_values();
    let mut failures = Vec::new();
    let mut sent = 0;

    let objects = objects(&app, &token).await;
    let get_routes: Vec<(String, &[&str])> =
        GET_ROUTES.iter().map(|(r, p)| (r.to_string(), *p)).chain(object_get_routes(&objects)).collect();
    for (route, params) in &get_routes {
        // Addresses are limited in length by every client and proxy; long values go in bodies.
        for v in values.iter().map(|v| v.chars().take(2000).collect::<String>()) {
            let v = &v;
            let path = route.replace("{v}", &enc(v));
            let query: String = params.iter().map(|p| format!("{p}={}", enc(v))).collect::<Vec<_>>().join("&");
            let url = session.url(&format!("{path}?{query}"));
            let res = if route.starts_with("/api/") {
                client().get(&url).bearer_auth(&token).send().await.unwrap()
            } else {
                session.client.get(&url).send().await.unwrap()
            };
            check(&format!("GET {route} with {:.20}", v), res, &mut failures).await;
            sent += 1;
        }
        // Invalid UTF-8 in the query string and path.
        let res = session
            .client
            .get(session.url(&format!(
                "{}?{}",
                route.replace("{v}", "%FF%FE"),
                params.iter().map(|p| format!("{p}=%FF%C0%80")).collect::<Vec<_>>().join("&")
            )))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        check(&format!("GET {route} with invalid UTF-8"), res, &mut failures).await;
        sent += 1;
    }

    let forms: Vec<FormSpec> =
        FORMS.iter().map(|(r, f)| (r.to_string(), vec![], f.to_vec())).chain(object_forms(&objects)).collect();
    for (route, fixed, fields) in &forms {
        for v in &values {
            let path = route.replace("{v}", &in_path(v));
            let mut form: Vec<(&str, &str)> = vec![("csrf", session.csrf.as_str())];
            form.extend(fixed.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            form.extend(fields.iter().map(|f| (*f, v.as_str())));
            let oversized = v.len() * fields.len() > 256 * 1024;
            match session.client.post(session.url(&path)).form(&form).send().await {
                Ok(res) => {
                    // The application form takes multipart bodies up to its own larger limit,
                    // so a big URL-encoded body there is refused as the wrong kind instead.
                    if oversized && route != "/requests/new" {
                        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{route}");
                    }
                    check(&format!("POST {route} with {:.20}", v), res, &mut failures).await
                }
                // The server may answer 413 and close while a body over the limit is still
                // being written.
                Err(e) if oversized && e.is_request() => {}
                Err(e) => panic!("POST {route}: {e}"),
            }
            sent += 1;
        }
        // Raw bytes that are not UTF-8, with the right token.
        let mut body = format!("csrf={}", session.csrf).into_bytes();
        for (k, v) in fixed {
            body.extend_from_slice(format!("&{k}={v}").as_bytes());
        }
        for f in fields {
            body.extend_from_slice(format!("&{f}=").as_bytes());
            body.extend_from_slice(&[0xff, 0xfe, 0xc0, 0x80]);
        }
        let res = session
            .client
            .post(session.url(&route.replace("{v}", "1")))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        check(&format!("POST {route} with raw invalid UTF-8"), res, &mut failures).await;
        sent += 1;
    }

    // The multipart forms: the public application (with an identity proof) and the console's
    // upload of the information provided (its form token in the address, as console uploads
    // carry it); hostile in every field, the file's name and content.
    let uploads = [
        ("/requests/new".to_string(), APPLICATION),
        (format!("/admin/requests/{}/files?_csrf={}", objects.case, session.csrf), &[][..]),
    ];
    for (route, fields) in &uploads {
        for v in &values {
            let mut form = reqwest::multipart::Form::new().text("csrf", session.csrf.clone());
            for f in fields.iter() {
                form = form.text(f.to_string(), v.clone());
            }
            let file = reqwest::multipart::Part::bytes(v.clone().into_bytes()).file_name(v.clone());
            // Over the route's limit (the attachment limit, 1 MB here, or the application's own
            // larger one): refused with 413, perhaps while the body is still being written.
            let limit =
                if route == "/requests/new" { gongkai_web::requests::APPLICATION_BODY_LIMIT } else { 1024 * 1024 };
            let oversized = v.len() * (fields.len() + 2) > limit;
            match session.client.post(session.url(route)).multipart(form.part("file", file)).send().await {
                Ok(res) => {
                    if oversized {
                        assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{route}");
                    }
                    check(&format!("POST {route} (multipart) with {:.20}", v), res, &mut failures).await
                }
                Err(e) if oversized && e.is_request() => {}
                Err(e) => panic!("POST {route}: {e}"),
            }
            sent += 1;
        }
        // A body that claims to be multipart and is not.
        let res = session
            .client
            .post(session.url(route))
            .header("content-type", "multipart/form-data; boundary=x")
            .body(b"--x\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n\xff\xfe".to_vec())
            .send()
            .await
            .unwrap();
        check(&format!("POST {route} with a broken multipart body"), res, &mut failures).await;
        sent += 1;
    }

    let writes: Vec<(&str, String, &[&str])> =
        API_WRITES.iter().map(|(m, r, f)| (*m, r.to_string(), *f)).chain(object_writes(&objects)).collect();
    for (method, route, fields) in &writes {
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        // The hostile writes revoke tokens by number; each route starts with a live one, and a
        // 401 counts as a failure so that no route is skipped unnoticed.
        let token = app.token("admin").await;
        for v in &values {
            let path = route.replace("{v}", &in_path(v));
            let mut body = serde_json::Map::new();
            for f in fields.iter() {
                body.insert(f.to_string(), json!(v));
            }
            let body = Value::Object(body).to_string();
            // Upload routes accept bodies up to the attachment limit.
            let upload = route.ends_with("/attachments") || route.ends_with("/standards") || route.ends_with("/files");
            let limit = if route == "/api/v1/requests" {
                gongkai_web::requests::APPLICATION_BODY_LIMIT
            } else if upload {
                1024 * 1024
            } else {
                256 * 1024
            };
            let oversized = body.len() > limit;
            let res = match client()
                .request(m.clone(), session.url(&path))
                .bearer_auth(&token)
                .body(body)
                .header("content-type", "application/json")
                .send()
                .await
            {
                Ok(res) => res,
                // As with forms: a 413 may close the connection while the body is being written.
                Err(e) if oversized && e.is_request() => {
                    sent += 1;
                    continue;
                }
                Err(e) => panic!("{method} {route}: {e}"),
            };
            if oversized {
                assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE, "{route}");
            }
            if res.status() == StatusCode::UNAUTHORIZED {
                failures.push(format!("{method} {route} was refused its token"));
            }
            check(&format!("{method} {route} with {:.20}", v), res, &mut failures).await;
            sent += 1;
        }
        for raw in [
            &b"{\"name\": \"\xff\xfe\"}"[..],
            b"[1,2,3]",
            b"\"just a string\"",
            b"{\"a\":{\"b\":{\"c\":[[[[[[[[]]]]]]]]}}}",
            b"nul\x00l",
        ] {
            let res = client()
                .request(m.clone(), session.url(&route.replace("{v}", "1")))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(raw.to_vec())
                .send()
                .await
                .unwrap();
            check(&format!("{method} {route} with raw body"), res, &mut failures).await;
            sent += 1;
        }
    }

    // Odd headers and paths.
    for (name, value) in [
        ("authorization", "Bearer "),
        ("authorization", "Bearer \u{7f}"),
        ("cookie", "gk_session=%FF; gk_elder=<script>"),
        ("x-forwarded-for", "' OR 1=1"),
    ] {
        let res = client().get(session.url("/api/v1/me")).header(name, value).send().await;
        if let Ok(res) = res {
            check(&format!("header {name}"), res, &mut failures).await;
        }
    }
    for path in [
        "/..%2f..%2fetc/passwd",
        "/static/..%2f..%2fCargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        &format!("/{}", "a".repeat(8000)),
        "/units/%00",
        "/admin/users/99999999999999999999999",
    ] {
        let res = session.client.get(session.url(path)).send().await.unwrap();
        if res.status().is_server_error() {
            failures.push(format!("GET {path:.40} -> {}", res.status()));
        }
        let body = res.text().await.unwrap_or_default();
        assert!(!body.contains("root:x:0:0") && !body.contains(SCRIPT), "{path:.40} leaks a file or a script");
    }

    assert!(failures.is_empty(), "{} of {sent} hostile requests failed:\n{}", failures.len(), failures.join("\n"));
    assert!(sent > 1200, "{sent} requests");
    // Still serving, and every write that got through was audited.
    assert_eq!(app.get("/readyz").await.status(), StatusCode::OK);
    assert_eq!(session.get("/admin").await.status(), StatusCode::OK);
    assert!(app.store.audit_verify().await.unwrap().is_ok());
});
