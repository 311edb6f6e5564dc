//! Demo data: Jinan's units and a set of staff accounts, loaded idempotently (units matched on
//! their demo key, accounts on their user name) so `gongkai demo` can run any number of times;
//! the standard lists, catalogues, columns and documents of two bureaus (through the store's
//! import, as `gongkai import documents` loads them); and applications for disclosure, each
//! replayed through the use cases a citizen and the unit's staff use, on the days its story
//! gives, so that their timelines, clocks and letters are the platform's own.

use crate::annual_report::{ReviewBody, add_review};
use crate::requests::{Step, take_step};
use crate::{Context, Error, NoEffects, Options, Principal};
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::catalogue::{CatalogueRow, Level};
use gongkai_domain::columns::{ColumnFields, ColumnInput};
use gongkai_domain::documents::{DocumentFields, DocumentInput};
use gongkai_domain::request_events::EventKind;
use gongkai_domain::request_form::{RequestFields, RequestInput};
use gongkai_domain::request_lifecycle::RequestState;
use gongkai_domain::requests::{Channel, Outcome, Reply, ReplyInput};
use gongkai_domain::staff::parse_roles;
use gongkai_domain::units::{UnitFields, UnitInput, UnitKind};
use gongkai_store::credentials::hash_password;
use gongkai_store::requests::ConsultationKind;
use gongkai_store::users::NewUser;
use gongkai_store::{Actor, Store};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

type Result<T> = std::result::Result<T, Error>;

const DEMO_UNITS: &str = include_str!("../demo/units.toml");

#[derive(Debug, Deserialize)]
struct DemoFile {
    unit: Vec<DemoUnit>,
    user: Vec<DemoUser>,
}

#[derive(Debug, Deserialize)]
struct DemoUnit {
    key: String,
    parent: String,
    /// The unit's fields, its `kind` among them.
    #[serde(flatten)]
    input: UnitInput,
}

#[derive(Debug, Deserialize)]
pub struct DemoUser {
    pub username: String,
    pub display_name: String,
    pub unit: String,
    pub roles: Vec<String>,
    pub password: String,
    /// A partner account's channel (12345, newspaper, radio_tv, …).
    #[serde(default)]
    pub partner_channel: Option<String>,
}

/// A login to print at start-up.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub unit_name: String,
    pub roles: Vec<String>,
}

#[derive(Debug, Default)]
pub struct DemoReport {
    pub units_added: usize,
    pub users_added: usize,
    pub documents_added: usize,
    pub requests_added: usize,
    pub policies_added: usize,
    pub enterprises_added: usize,
    /// 快申快享 claims of the redemption demo.
    pub claims_added: usize,
    /// Opinions of the consultations demo.
    pub opinions_added: usize,
    /// Registrations for the demo's open days.
    pub registrations_added: usize,
    /// Posts of the demo's live broadcasts.
    pub posts_added: usize,
    pub logins: Vec<DemoLogin>,
}

fn parse() -> Result<DemoFile> {
    toml::from_str(DEMO_UNITS).map_err(|e| demo_error("data", e))
}

/// Everything: units, users and the disclosure demo. Idempotent.
pub async fn load(store: &Store) -> Result<DemoReport> {
    load_parts(store, true).await
}

async fn load_parts(store: &Store, with_disclosure: bool) -> Result<DemoReport> {
    let file = parse()?;
    let mut report = DemoReport::default();
    let existing = demo_unit_ids(store).await?;
    let mut ids = existing.clone();
    let mut names: HashMap<String, String> = HashMap::new();
    let missing_units: Vec<&DemoUnit> = file.unit.iter().filter(|u| !existing.contains_key(&u.key)).collect();
    if !missing_units.is_empty() {
        let mut w = store.write(Actor::system("demo")).await?;
        for (i, u) in file.unit.iter().enumerate() {
            let kind =
                UnitKind::parse(&u.input.kind).ok_or_else(|| demo_error(&u.key, format!("kind {}", u.input.kind)))?;
            let fields = UnitFields::parse(kind, &u.input).map_err(|e| demo_error(&u.key, e))?;
            names.insert(u.key.clone(), fields.name.clone());
            if ids.contains_key(&u.key) {
                continue;
            }
            let parent = match u.parent.as_str() {
                "" => None,
                p => Some(*ids.get(p).ok_or_else(|| demo_error(&u.key, format!("parent {p} unknown")))?),
            };
            let id = w.unit_create(parent, kind, &fields, (i as i64 + 1) * 10, Some(&u.key)).await?;
            ids.insert(u.key.clone(), id);
            report.units_added += 1;
        }
        w.commit().await?;
    } else {
        for u in &file.unit {
            names.insert(u.key.clone(), u.input.name.trim().to_string());
        }
    }

    let mut new_users = Vec::new();
    for u in &file.user {
        let unit_id = *ids.get(&u.unit).ok_or_else(|| demo_error(&u.username, format!("unit {}", u.unit)))?;
        if store.user_by_username(&u.username).await?.is_none() {
            let roles = parse_roles(u.roles.iter().map(String::as_str)).map_err(|e| demo_error(&u.username, e))?;
            let password = u.password.clone();
            let password_hash =
                tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(Error::internal)?;
            new_users.push(NewUser {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                unit_id,
                roles,
                phone: String::new(),
                email: String::new(),
                password_hash,
                partner_channel: u.partner_channel.clone(),
            });
        }
        report.logins.push(DemoLogin {
            username: u.username.clone(),
            password: u.password.clone(),
            display_name: u.display_name.clone(),
            unit_name: names.get(&u.unit).cloned().unwrap_or_default(),
            roles: u.roles.clone(),
        });
    }
    if !new_users.is_empty() {
        let mut w = store.write(Actor::system("demo")).await?;
        for u in &new_users {
            w.user_create(u).await?;
        }
        w.commit().await?;
        report.users_added = new_users.len();
    }
    if with_disclosure {
        report.documents_added = load_disclosure(store, &ids).await?;
        report.requests_added = load_requests(store, &ids).await?;
        report.policies_added = load_policies(store, &ids).await?;
        report.enterprises_added = load_enterprises(store).await?;
        report.claims_added = crate::business_policy::demo::load(store).await?;
        report.opinions_added = crate::consultation::demo::load(store).await?;
        report.registrations_added = crate::open_day::demo::load(store).await?;
        report.posts_added = crate::live_blog::demo::load(store).await?;
    }
    Ok(report)
}

/// The demo's enterprise register: 200 enterprises across the districts and industries,
/// made from fixed lists by a fixed sequence, so every load makes the same register (the
/// lists are realistic; the figures are made up). Imported by `admin` through the use case.
async fn load_enterprises(store: &Store) -> Result<usize> {
    const DISTRICTS: [&str; 13] = [
        "370102", "370103", "370104", "370105", "370112", "370113", "370114", "370115", "370116", "370117", "370124",
        "370126", "370176",
    ];
    const PLACES: [&str; 20] = [
        "泉城", "历山", "千佛", "大明", "趵突", "华山", "鹊山", "章丘", "明水", "济阳", "莱城", "钢都", "平阴", "商河",
        "齐鲁", "舜耕", "黄河", "汇泉", "龙奥", "奥体",
    ];
    // (industry code, words of the name, typical employees, typical revenue in 万元)
    const KINDS: [(&str, &str, u64, u64); 12] = [
        ("I6510", "软件科技", 80, 3000),
        ("I6420", "网络信息技术", 60, 2500),
        ("C3911", "计算机设备制造", 400, 30000),
        ("C1391", "食品加工", 150, 8000),
        ("C3484", "机械制造", 300, 20000),
        ("F5212", "商贸", 20, 1500),
        ("F5123", "医药销售", 40, 6000),
        ("G5430", "物流", 200, 12000),
        ("H6210", "餐饮管理", 50, 800),
        ("M7320", "检测技术", 90, 2000),
        ("L7212", "企业管理咨询", 30, 600),
        ("A0111", "农业发展", 25, 400),
    ];
    const QUALIFICATIONS: [&str; 7] =
        ["high_tech", "tech_sme", "specialized_new", "little_giant", "gazelle", "unicorn", "listed"];
    let cx = Context::new(store.clone(), Options::default(), Arc::new(NoEffects));
    if cx.store.enterprise_count().await? > 0 {
        return Ok(0);
    }
    let admin = store.user_by_username("admin").await?.ok_or_else(|| demo_error("user", "admin"))?;
    let p = Principal { user: admin, ip: String::new(), session: None };
    let mut seed: u64 = 0x5eed_2026;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut items = Vec::new();
    for i in 0..200u64 {
        let district = DISTRICTS[next(DISTRICTS.len() as u64) as usize];
        let (industry, words, employees, revenue) = KINDS[next(KINDS.len() as u64) as usize];
        let place = PLACES[(i % PLACES.len() as u64) as usize];
        let scale = 20 + next(180);
        let ownership = ["private", "private", "private", "state", "foreign", "mixed"][next(6) as usize];
        let mut profile = serde_json::json!({
            "credit_code": demo_credit_code(district, i),
            "name": format!("济南{place}{words}有限公司{}", if i >= 20 { format!("（{}）", i / 20) } else { String::new() }),
            "district": district,
            "industry": industry,
            "founded_on": format!("{}-{:02}-{:02}", 2005 + next(21), 1 + next(12), 1 + next(28)),
            "employees": employees * scale / 100,
            "revenue_wan": revenue * scale / 100,
            "registered_capital_wan": 100 * (1 + next(50)),
            "ownership": ownership,
            "export": next(4) == 0,
        });
        // Not every enterprise has told everything: the calculator says what is missing.
        if next(3) > 0 {
            profile["rd_expense_wan"] = serde_json::json!(revenue * scale / 100 * (1 + next(12)) / 100);
            profile["rd_ratio"] = serde_json::json!((1 + next(12)) as f64 / 100.0);
        }
        if next(2) == 0 {
            profile["qualifications"] = serde_json::json!([QUALIFICATIONS[next(QUALIFICATIONS.len() as u64) as usize]]);
        }
        if next(2) == 0 {
            profile["tax_paid_wan"] = serde_json::json!(revenue * scale / 100 / 20);
            profile["total_assets_wan"] = serde_json::json!(revenue * scale / 100 * 2);
        }
        items.push(profile);
    }
    let report = crate::business_policy::register::import_json(&cx, &p, &items)
        .await
        .map_err(|e| demo_error("enterprises", e))?;
    Ok(report.created)
}

/// A valid 统一社会信用代码 for demo enterprise `i` registered in `district`: 91 (enterprise),
/// the division code, a made-up organisation code, and the check character of GB 32100-2015.
fn demo_credit_code(district: &str, i: u64) -> String {
    let body = format!("91{district}MA{:07}", 3_100_000 + i * 37);
    gongkai_domain::codes::CreditCode::complete(&body).map_or(body, |c| c.as_str().to_string())
}

const DEMO_POLICIES: &str = include_str!("../demo/policies.jsonl");

/// The demo's policies, once, through the bulk import (published as an administrative action):
/// each line names its unit by demo key and its documents by title.
async fn load_policies(store: &Store, units: &HashMap<String, i64>) -> Result<usize> {
    if store.audit_action_taken("demo.policies").await? {
        return Ok(0);
    }
    let mut lines = Vec::new();
    for (i, raw) in DEMO_POLICIES.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let at = format!("policies line {}", i + 1);
        let mut value: serde_json::Value = serde_json::from_str(raw).map_err(|e| demo_error(&at, e))?;
        let o = value.as_object_mut().ok_or_else(|| demo_error(&at, "not an object"))?;
        let key = o.get("unit").and_then(|u| u.as_str()).unwrap_or_default().to_string();
        let unit = *units.get(&key).ok_or_else(|| demo_error(&at, format!("unit {key}")))?;
        o.insert("unit".into(), unit.into());
        for (titles, ids) in [("documents", "document_ids"), ("interpretations", "interpretation_ids")] {
            let Some(serde_json::Value::Array(titles)) = o.remove(titles) else { continue };
            let mut found = Vec::new();
            for t in titles.iter().filter_map(|t| t.as_str()) {
                found.push(store.document_id_titled(t).await?.ok_or_else(|| demo_error(&at, format!("document {t}")))?);
            }
            o.insert(ids.into(), found.into());
        }
        lines.push(value.to_string());
    }
    let cx = Context::new(store.clone(), Options::default(), Arc::new(NoEffects));
    let report = crate::business_policy::import::import_policies(&cx, Actor::system("demo"), &lines.join("\n"))
        .await
        .map_err(|e| demo_error("policies", e))?;
    let mut w = store.write(Actor::system("demo")).await?;
    w.record("demo.policies", "demo", 0, None, "载入演示用惠企政策");
    w.commit().await?;
    Ok(report.created)
}

async fn demo_unit_ids(store: &Store) -> Result<HashMap<String, i64>> {
    Ok(store.demo_unit_ids().await?)
}

/// Units and users only, for tests that build their own documents from nothing.
pub async fn load_base(store: &Store) -> Result<DemoReport> {
    load_parts(store, false).await
}

/// The demo standard lists, catalogues, columns and documents, over loaded demo units.
pub async fn load_disclosure_demo(store: &Store) -> Result<usize> {
    load_disclosure(store, &demo_unit_ids(store).await?).await
}

const DEMO_DISCLOSURE: &str = include_str!("../demo/disclosure.toml");

#[derive(Debug, Deserialize)]
struct DisclosureFile {
    standard: Vec<DemoStandard>,
    catalogue: Vec<DemoCatalogue>,
    column: Vec<DemoColumn>,
    document: Vec<DemoDocument>,
}

#[derive(Debug, Deserialize)]
struct DemoStandard {
    levels: Vec<String>,
    domain: String,
    items: Vec<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct DemoCatalogue {
    unit: String,
    level: String,
    domain: String,
    #[serde(default)]
    own: Vec<Vec<String>>,
    /// 一级事项, 二级事项, reason
    #[serde(default)]
    not_applicable: Vec<[String; 3]>,
}

#[derive(Debug, Deserialize)]
struct DemoColumn {
    unit: String,
    #[serde(flatten)]
    input: ColumnInput,
}

#[derive(Debug, Deserialize)]
struct DemoDocument {
    key: String,
    unit: String,
    published_on: String,
    #[serde(default)]
    catalogue: String,
    #[serde(default)]
    column: String,
    #[serde(default)]
    interprets: String,
    #[serde(flatten)]
    input: DocumentInput,
}

fn parse_disclosure() -> Result<DisclosureFile> {
    toml::from_str(DEMO_DISCLOSURE).map_err(|e| demo_error("disclosure", e))
}

fn demo_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::internal(format!("demo {what}: {e}"))
}

/// Standard lists, the two bureaus' catalogues and columns, and their published documents,
/// once: the marker in the audit log keeps administrators' later edits from being redone.
async fn load_disclosure(store: &Store, units: &HashMap<String, i64>) -> Result<usize> {
    if store.audit_action_taken("demo.disclosure").await? {
        return Ok(0);
    }
    let file = parse_disclosure()?;
    let unit = |key: &str| units.get(key).copied().ok_or_else(|| demo_error("unit", key));
    let mut w = store.write(Actor::system("demo")).await?;
    for s in &file.standard {
        let rows = s
            .items
            .iter()
            .map(|cells| CatalogueRow::from_cells(cells).map_err(|e| demo_error(&s.domain, e)))
            .collect::<Result<Vec<_>>>()?;
        for level in &s.levels {
            let level = Level::parse(level).ok_or_else(|| demo_error("level", level))?;
            // Each level's list holds the rows whose 公开层级 names it.
            let rows: Vec<_> = rows.iter().filter(|r| r.layer.contains(level.label())).cloned().collect();
            w.standards_replace(level, &s.domain, &rows).await?;
        }
    }
    for c in &file.catalogue {
        let unit_id = unit(&c.unit)?;
        let level = Level::parse(&c.level).ok_or_else(|| demo_error("level", &c.level))?;
        w.catalogue_instantiate(unit_id, level, Some(&c.domain)).await?;
        for cells in &c.own {
            let row = CatalogueRow::from_cells(cells).map_err(|e| demo_error(&c.unit, e))?;
            w.catalogue_add(unit_id, &row).await?;
        }
        for [l1, l2, reason] in &c.not_applicable {
            let item = w.catalogue_item_named(unit_id, Some(l1), l2).await?;
            w.catalogue_mark(item, false, reason).await?;
        }
    }
    let mut columns = HashMap::new();
    for c in &file.column {
        let unit_id = unit(&c.unit)?;
        let fields = ColumnFields::parse(&c.input).map_err(|e| demo_error(&c.input.name, e))?;
        columns.insert((unit_id, fields.name.clone()), w.column_create(unit_id, &fields).await?);
    }
    let names: HashMap<i64, String> = store.units_all().await?.into_iter().map(|u| (u.id, u.name)).collect();
    let mut documents: HashMap<&str, i64> = HashMap::new();
    for d in &file.document {
        let unit_id = unit(&d.unit)?;
        let mut input = d.input.clone();
        if !d.catalogue.is_empty() {
            input.catalogue_item_id = Some(w.catalogue_item_named(unit_id, None, &d.catalogue).await?);
        }
        if !d.column.is_empty() {
            input.column_id =
                Some(*columns.get(&(unit_id, d.column.clone())).ok_or_else(|| demo_error("column", &d.column))?);
        }
        if !d.interprets.is_empty() {
            input.interprets_id =
                Some(*documents.get(d.interprets.as_str()).ok_or_else(|| demo_error("interprets", &d.interprets))?);
        }
        let fields = DocumentFields::parse(&input, names.get(&unit_id).map(String::as_str).unwrap_or(""))
            .map_err(|e| demo_error(&d.key, e))?;
        let published =
            gongkai_domain::time::parse_date(&d.published_on).ok_or_else(|| demo_error(&d.key, &d.published_on))?;
        let gongkai_store::documents::Imported { id, fresh } =
            w.document_import(unit_id, &fields, &format!("demo:{}", d.key), Some(published)).await?;
        if fresh {
            set_demo_times(&mut w, id, published, documents.len()).await?;
        }
        documents.insert(d.key.as_str(), id);
    }
    w.record("demo.disclosure", "demo", 0, None, "载入演示用事项标准清单、主动公开目录、栏目和政府信息");
    w.commit().await?;
    Ok(documents.len())
}

/// Times a demo document would have had: drafted a few working days before its publication
/// day, published that day during office hours, last updated then (its only version), so
/// that 「更新时间」 is not the moment the demo was loaded. `n` spreads the times of day.
async fn set_demo_times(w: &mut gongkai_store::Writer, id: i64, published: NaiveDate, n: usize) -> Result<()> {
    let n = n as u32;
    let drafted = at_in_china(published - chrono::Duration::days(i64::from(2 + n % 5)), 8 * 60 + 40 + (n * 17) % 120);
    let out = at_in_china(published, 9 * 60 + 30 + (n * 23) % 420);
    Ok(w.document_set_times(id, drafted, out).await?)
}

const DEMO_REQUESTS: &str = include_str!("../demo/requests.toml");

/// The characters of a query code (as the public form draws them): no 0/O, 1/I/L.
const QUERY_CODE_ALPHABET: &str = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

#[derive(Debug, Deserialize)]
struct RequestsFile {
    request: Vec<DemoRequest>,
    #[serde(default)]
    review: Vec<DemoReview>,
}

/// One demo application: the form's fields, the facts the story ends with (checked against
/// what the replay makes of it) and its timeline, each entry a step someone took.
#[derive(Debug, Deserialize)]
struct DemoRequest {
    tracking_no: String,
    query_code: String,
    unit: String,
    channel: String,
    state: String,
    /// RFC 3339; defaults to 09:00 on the day received.
    #[serde(default)]
    submitted_at: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    clarification_requested_on: String,
    #[serde(default)]
    clarification_received_on: String,
    #[serde(default)]
    extension_days: u32,
    /// User names of the demo accounts.
    #[serde(default)]
    handler: String,
    #[serde(default)]
    approver: String,
    #[serde(default)]
    replied_on: String,
    reply: Option<ReplyInput>,
    #[serde(default)]
    consultation: Vec<DemoConsultation>,
    #[serde(default)]
    event: Vec<DemoEvent>,
    #[serde(flatten)]
    input: RequestInput,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoConsultation {
    kind: String,
    /// A demo unit's key (coordination), or empty for a third party.
    #[serde(default)]
    target: String,
    #[serde(default)]
    third_party: String,
    question: String,
    sent_on: String,
    #[serde(default)]
    answer: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoEvent {
    #[serde(deserialize_with = "event_kind")]
    kind: EventKind,
    on: String,
    /// The words given with the step (a return's reason, a withdrawal's note).
    #[serde(default)]
    note: String,
    /// What a clarification notice asks for.
    #[serde(default)]
    items: String,
    /// "applicant" or a user name; empty: see `event_actor`.
    #[serde(default)]
    by: String,
}

fn event_kind<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<EventKind, D::Error> {
    let code = String::deserialize(d)?;
    EventKind::from_code(&code).ok_or_else(|| serde::de::Error::custom(format!("unknown event kind {code}")))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DemoReview {
    unit: String,
    /// The tracking number of the demo application concerned, if any.
    #[serde(default)]
    request: String,
    kind: String,
    result: String,
    filed_on: String,
    #[serde(default)]
    decided_on: String,
    #[serde(default)]
    authority: String,
    #[serde(default)]
    note: String,
    /// The user name of the handler who records it.
    by: String,
}

fn parse_requests() -> Result<RequestsFile> {
    toml::from_str(DEMO_REQUESTS).map_err(|e| demo_error("requests", e))
}

/// A demo application with its codes and dates read.
struct PlannedRequest<'a> {
    src: &'a DemoRequest,
    fields: RequestFields,
    channel: Channel,
    state: RequestState,
    submitted_at: DateTime<Utc>,
    received_on: Option<NaiveDate>,
    clarification: (Option<NaiveDate>, Option<NaiveDate>),
    replied_on: Option<NaiveDate>,
    answer: Option<(Outcome, Reply)>,
    consultations: Vec<PlannedConsultation<'a>>,
    events: Vec<(NaiveDate, &'a DemoEvent)>,
}

struct PlannedConsultation<'a> {
    src: &'a DemoConsultation,
    kind: ConsultationKind,
    sent_on: NaiveDate,
}

fn demo_date(what: &str, raw: &str) -> Result<Option<NaiveDate>> {
    match raw.trim() {
        "" => Ok(None),
        s => gongkai_domain::time::parse_date(s).map(Some).ok_or_else(|| demo_error(what, s)),
    }
}

/// Reads an entry: its numbers, codes, form and dates. Whether its story is lawful is the
/// replay's to find out, step by step, as the platform would have.
fn plan_request(r: &DemoRequest) -> Result<PlannedRequest<'_>> {
    let no = r.tracking_no.as_str();
    let err = |what: String| demo_error(no, what);
    if no.len() != 14 || !no.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err("申请编号应为年月和 8 位数字".into()));
    }
    if r.query_code.chars().count() != 8 || !r.query_code.chars().all(|c| QUERY_CODE_ALPHABET.contains(c)) {
        return Err(err(format!("查询码 {} 应为 8 个可用字符", r.query_code)));
    }
    let channel = Channel::parse(&r.channel).ok_or_else(|| err(format!("channel {}", r.channel)))?;
    let state = RequestState::parse(&r.state).ok_or_else(|| err(format!("state {}", r.state)))?;
    let fields = RequestFields::parse(&r.input).map_err(|e| err(e.to_string()))?;
    let date = |what: &str, raw: &str| demo_date(&format!("{no} {what}"), raw);
    let received_on = date("received_on", &r.received_on)?;
    let replied_on = date("replied_on", &r.replied_on)?;
    let clarification = (
        date("clarification_requested_on", &r.clarification_requested_on)?,
        date("clarification_received_on", &r.clarification_received_on)?,
    );
    let submitted_at = match (r.submitted_at.trim(), received_on) {
        ("", Some(day)) => at_in_china(day, 9 * 60),
        ("", None) => return Err(err("submitted_at or received_on needed".into())),
        (s, _) => DateTime::parse_from_rfc3339(s).map_err(|e| err(format!("submitted_at: {e}")))?.with_timezone(&Utc),
    };
    let submitted_on = gongkai_domain::time::date_in_china(submitted_at);
    if !no.starts_with(&submitted_on.format("%Y%m").to_string()) {
        return Err(err(format!("申请编号应以提交年月 {} 开头", submitted_on.format("%Y%m"))));
    }
    let answer = r.reply.as_ref().map(|i| Reply::parse(i, false).map_err(|e| err(e.to_string()))).transpose()?;
    let consultations = r
        .consultation
        .iter()
        .map(|c| {
            Ok(PlannedConsultation {
                src: c,
                kind: ConsultationKind::parse(&c.kind).ok_or_else(|| err(format!("consultation kind {}", c.kind)))?,
                sent_on: date("sent_on", &c.sent_on)?.ok_or_else(|| err("sent_on needed".into()))?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let events = r
        .event
        .iter()
        .map(|e| Ok((date("event", &e.on)?.ok_or_else(|| err(format!("{}: on needed", e.kind.code())))?, e)))
        .collect::<Result<Vec<_>>>()?;
    if events.is_empty() || !events.windows(2).all(|w| w[0].0 <= w[1].0) {
        return Err(err("events in order of date".into()));
    }
    let first = if channel == Channel::Online { EventKind::Submitted } else { EventKind::Registered };
    if events[0].1.kind != first || events.iter().skip(1).any(|(_, e)| e.kind == first) {
        return Err(err(format!("the timeline starts with {}, once", first.code())));
    }
    Ok(PlannedRequest {
        src: r,
        fields,
        channel,
        state,
        submitted_at,
        received_on,
        clarification,
        replied_on,
        answer,
        consultations,
        events,
    })
}

/// An instant on `day` at `minutes` past midnight, China time.
fn at_in_china(day: NaiveDate, minutes: u32) -> DateTime<Utc> {
    let local = day.and_hms_opt(0, 0, 0).unwrap_or_default() + chrono::Duration::minutes(i64::from(minutes));
    local.and_local_timezone(gongkai_domain::time::china()).single().map(|t| t.with_timezone(&Utc)).unwrap_or_default()
}

impl PlannedRequest<'_> {
    /// Who an event is by: the applicant submits online; the approver sends the reply; the
    /// handler does the rest.
    fn event_actor<'b>(&'b self, e: &'b DemoEvent) -> Option<&'b str> {
        let r = self.src;
        match e.by.as_str() {
            "applicant" => None,
            "" if e.kind == EventKind::Submitted => None,
            "" if e.kind == EventKind::Replied && !r.approver.is_empty() => Some(&r.approver),
            "" if !r.handler.is_empty() => Some(&r.handler),
            "" => None,
            user => Some(user),
        }
    }

    fn usernames(&self) -> impl Iterator<Item = &str> {
        [self.src.handler.as_str(), self.src.approver.as_str()]
            .into_iter()
            .chain(self.events.iter().filter_map(|(_, e)| self.event_actor(e)))
            .filter(|u| !u.is_empty())
    }

    /// The step an event of the timeline records, as the console would have sent it.
    fn step(&self, on: NaiveDate, e: &DemoEvent, units: &HashMap<String, i64>, open: &[i64]) -> Result<Step> {
        let err = |what: &str| demo_error(&self.src.tracking_no, format!("{} {on}: {what}", e.kind.code()));
        Ok(match e.kind {
            EventKind::Confirmed => Step::Confirm { on },
            EventKind::ClarificationRequested => Step::RequestClarification { on, what: e.items.clone() },
            EventKind::ClarificationReceived => Step::ClarificationReceived { on, note: e.note.clone() },
            EventKind::ThirdPartyConsulted | EventKind::CoordinationRequested => {
                let kind = match e.kind {
                    EventKind::ThirdPartyConsulted => ConsultationKind::ThirdParty,
                    _ => ConsultationKind::Coordination,
                };
                let c = self
                    .consultations
                    .iter()
                    .find(|c| c.kind == kind && c.sent_on == on)
                    .ok_or_else(|| err("no consultation sent that day"))?;
                let target_unit_id = match c.src.target.as_str() {
                    "" => None,
                    key => Some(*units.get(key).ok_or_else(|| err("target unit unknown"))?),
                };
                Step::Consult {
                    kind,
                    target_unit_id,
                    third_party: c.src.third_party.clone(),
                    question: c.src.question.clone(),
                    on,
                }
            }
            EventKind::OpinionReceived => {
                // The oldest consultation still open; its answer is the demo's.
                let (Some(&consultation_id), Some(c)) =
                    (open.first(), self.consultations.iter().find(|c| !c.src.answer.is_empty()))
                else {
                    return Err(err("no open consultation with an answer"));
                };
                Step::RecordOpinion { consultation_id, on, answer: c.src.answer.clone() }
            }
            EventKind::Extended => Step::Extend {
                days: self.src.extension_days,
                reason: e.note.clone(),
                approver: self.src.approver.clone(),
                on,
            },
            EventKind::ReplySubmitted => {
                let (outcome, reply) = self.answer.clone().ok_or_else(|| err("no reply"))?;
                Step::SubmitReply { outcome, reply, replied_on: None }
            }
            EventKind::ReplyReturned => Step::Return { note: e.note.clone() },
            EventKind::Replied => Step::Approve { on: Some(on) },
            EventKind::Withdrawn => Step::Withdraw { on, note: e.note.clone() },
            EventKind::Archived => Step::Archive,
            _ => return Err(err("not a step the demo takes")),
        })
    }
}

/// The demo applications and review cases, once: nothing is added when any demo tracking
/// number is taken already. Each application is submitted online or registered, then every
/// entry of its timeline is taken as a step by its person, with the context's clock on that
/// day; the facts it ends with must be those the entry states. Returns how many were added.
async fn load_requests(store: &Store, units: &HashMap<String, i64>) -> Result<usize> {
    let file = parse_requests()?;
    for r in &file.request {
        if store.request_by_tracking_no(&r.tracking_no).await?.is_some() {
            return Ok(0);
        }
    }
    let planned = file.request.iter().map(plan_request).collect::<Result<Vec<_>>>()?;
    let mut people: HashMap<String, Principal> = HashMap::new();
    for name in planned.iter().flat_map(PlannedRequest::usernames).chain(file.review.iter().map(|c| c.by.as_str())) {
        if !people.contains_key(name) {
            let user = store.user_by_username(name).await?.ok_or_else(|| demo_error("user", name))?;
            people.insert(name.to_string(), Principal { user, ip: String::new(), session: None });
        }
    }
    let cx = Context::new(store.clone(), Options::default(), Arc::new(NoEffects));
    let mut ids: HashMap<&str, i64> = HashMap::new();
    for p in &planned {
        let id = replay(&cx, p, units, &people).await?;
        ids.insert(p.src.tracking_no.as_str(), id);
    }
    // Review and lawsuit records, entered by the unit's handler when they were decided (or filed).
    for c in &file.review {
        let day = demo_date("review", if c.decided_on.is_empty() { &c.filed_on } else { &c.decided_on })?
            .ok_or_else(|| demo_error("review", "filed_on needed"))?;
        cx.clock.set(Some(at_in_china(day, 16 * 60)));
        let body = ReviewBody {
            unit_id: Some(*units.get(&c.unit).ok_or_else(|| demo_error("review unit", &c.unit))?),
            tracking_no: c.request.clone(),
            kind: c.kind.clone(),
            result: c.result.clone(),
            filed_on: c.filed_on.clone(),
            decided_on: c.decided_on.clone(),
            authority: c.authority.clone(),
            note: c.note.clone(),
        };
        add_review(&cx, person(&people, &c.by)?, &body)
            .await
            .map_err(|e| demo_error("review", format!("{} {}: {e}", c.unit, c.filed_on)))?;
    }
    Ok(ids.len())
}

fn person<'a>(people: &'a HashMap<String, Principal>, name: &str) -> Result<&'a Principal> {
    people.get(name).ok_or_else(|| demo_error("user", name))
}

/// One application through the use cases, then the story's times on its timeline.
async fn replay(
    cx: &Context,
    p: &PlannedRequest<'_>,
    units: &HashMap<String, i64>,
    people: &HashMap<String, Principal>,
) -> Result<i64> {
    let r = p.src;
    let no = r.tracking_no.as_str();
    let failed = |what: String| demo_error(no, what);
    let unit_id = *units.get(&r.unit).ok_or_else(|| demo_error("unit", &r.unit))?;
    let fixed = Some((no, r.query_code.as_str()));
    cx.clock.set(Some(p.submitted_at));
    let ack = match p.channel {
        Channel::Online => crate::requests::store_online(cx, unit_id, &p.fields, &None, "", fixed).await,
        channel => {
            let received = p.received_on.ok_or_else(|| failed("received_on needed".into()))?;
            crate::requests::register_numbered(
                cx,
                person(people, &r.handler)?,
                &r.input,
                &unit_id.to_string(),
                channel.code(),
                &received.to_string(),
                fixed,
            )
            .await
        }
    }
    .map_err(|e| failed(e.to_string()))?;
    let id = ack.request.id;
    let mut times = vec![p.submitted_at];
    // Submitted at the story's time: the steps after it are checked against it.
    set_times(cx, id, unit_id, p.submitted_at, &times).await?;
    for (i, (on, e)) in p.events.iter().enumerate().skip(1) {
        let at =
            at_in_china(*on, 9 * 60 + 30 + 17 * i as u32).max(times[times.len() - 1] + chrono::Duration::minutes(1));
        cx.clock.set(Some(at));
        // Only an opinion needs the consultations still open (to answer the oldest).
        let open: Vec<i64> = if e.kind == EventKind::OpinionReceived {
            cx.store
                .consultations_of_requests(&[id])
                .await?
                .remove(&id)
                .unwrap_or_default()
                .into_iter()
                .filter(|c| c.answered_on.is_none())
                .map(|c| c.id)
                .collect()
        } else {
            Vec::new()
        };
        let step = p.step(*on, e, units, &open)?;
        let by = p.event_actor(e).ok_or_else(|| failed(format!("{} {on}: by whom", e.kind.code())))?;
        take_step(cx, person(people, by)?, id, step)
            .await
            .map_err(|err| failed(format!("{} {on}: {err}", e.kind.code())))?;
        times.push(at);
    }
    cx.clock.set(None);
    let done = cx.store.request(id).await?.ok_or(Error::NotFound)?;
    let told = (p.state, p.received_on, p.clarification, p.replied_on, p.answer.as_ref().map(|(o, _)| *o));
    let made = (
        done.state,
        done.received_on,
        (done.clarification_requested_on, done.clarification_received_on),
        done.replied_on,
        done.outcome,
    );
    if told != made {
        return Err(failed(format!("the story ends as {told:?}, the replay as {made:?}")));
    }
    set_times(cx, id, unit_id, p.submitted_at, &times).await?;
    Ok(id)
}

/// The times of the story instead of the loading's, on the case and its timeline so far.
async fn set_times(
    cx: &Context,
    id: i64,
    unit_id: i64,
    submitted: DateTime<Utc>,
    times: &[DateTime<Utc>],
) -> Result<()> {
    let mut w = cx.store.write(Actor::system("demo")).await?;
    w.request_set_times(id, submitted, times).await?;
    w.record("demo.request_times", "request", id, Some(unit_id), "演示申请按其办理经过设定时间");
    w.commit().await?;
    Ok(())
}

/// The demo logins without touching the database, for printing.
pub fn logins() -> Vec<DemoUser> {
    parse().map(|f| f.user).unwrap_or_default()
}

/// A day of a demo story.
pub(crate) fn day(s: &str) -> chrono::NaiveDate {
    s.parse().expect("a demo date")
}

/// 09:30 in China on `d`: when a demo story's step is taken.
pub(crate) fn morning(d: chrono::NaiveDate) -> chrono::DateTime<chrono::Utc> {
    at(d, 9, 30)
}

/// `h:m` in China on `d`.
pub(crate) fn at(d: chrono::NaiveDate, h: u32, m: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let local = d.and_hms_opt(h, m, 0).expect("a time");
    gongkai_domain::time::china()
        .from_local_datetime(&local)
        .single()
        .expect("China has no clock changes")
        .with_timezone(&chrono::Utc)
}

/// A demo account acting in a story.
pub(crate) async fn account(store: &Store, name: &str) -> Result<crate::Principal> {
    let user = store.user_by_username(name).await?.ok_or_else(|| Error::internal(format!("demo user {name}")))?;
    Ok(crate::Principal { user, ip: String::new(), session: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_domain::calendar::Calendar;
    use gongkai_domain::codes::CreditCode;
    use gongkai_domain::requests::ReplyClock;
    use gongkai_store::requests::query_code_hash;

    #[test]
    fn demo_file_is_valid() {
        let file = parse().unwrap();
        let mut keys = std::collections::HashSet::new();
        for u in &file.unit {
            assert!(keys.insert(u.key.as_str()), "duplicate key {}", u.key);
            let kind = UnitKind::parse(&u.input.kind).unwrap();
            UnitFields::parse(kind, &u.input).unwrap_or_else(|e| panic!("{}: {e}", u.key));
            if !u.input.credit_code.is_empty() {
                CreditCode::parse(&u.input.credit_code).unwrap();
            }
            assert!(u.parent.is_empty() || keys.contains(u.parent.as_str()), "{} before its parent", u.key);
        }
        assert!(file.unit.len() >= 100);
        assert!(file.user.iter().any(|u| u.username == "admin" && u.roles == ["system_admin"]));
        let disclosure = parse_disclosure().unwrap();
        for s in &disclosure.standard {
            for cells in &s.items {
                CatalogueRow::from_cells(cells).unwrap_or_else(|e| panic!("{}: {e}", s.domain));
            }
        }
        for d in &disclosure.document {
            assert!(keys.contains(d.unit.as_str()), "{}", d.key);
            let mut input = d.input.clone();
            // Links are resolved at load time; any id stands in for them here.
            input.interprets_id = (!d.interprets.is_empty()).then_some(1);
            DocumentFields::parse(&input, "x").unwrap_or_else(|e| panic!("{}: {e}", d.key));
        }
        for u in &file.user {
            gongkai_domain::staff::check_password("password", &u.password).unwrap();
            gongkai_domain::staff::parse_username(&u.username).unwrap();
        }
    }

    fn d(s: &str) -> NaiveDate {
        gongkai_domain::time::parse_date(s).unwrap()
    }

    /// Every demo application passes the public form's checks (ID numbers and credit codes to
    /// the check character) and its reply the reply's; its people exist, in its unit; staff
    /// act on working days; and the set covers every channel, kind of applicant and state.
    #[test]
    fn demo_requests_are_valid() {
        let file = parse().unwrap();
        let requests = parse_requests().unwrap();
        let unit_names: HashMap<&str, &str> = file.unit.iter().map(|u| (u.key.as_str(), u.input.name.trim())).collect();
        let users: HashMap<&str, &DemoUser> = file.user.iter().map(|u| (u.username.as_str(), u)).collect();
        let cal = Calendar::official();
        let mut numbers = std::collections::HashSet::new();
        let mut codes = std::collections::HashSet::new();
        let (mut channels, mut types, mut states) = (Vec::new(), Vec::new(), Vec::new());
        assert!((10..=14).contains(&requests.request.len()), "{}", requests.request.len());
        for r in &requests.request {
            let no = r.tracking_no.as_str();
            let fields = RequestFields::parse(&r.input).unwrap_or_else(|e| panic!("{no}: {e}"));
            let p = plan_request(r).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.fields, fields);
            assert!(numbers.insert(no), "{no} twice");
            assert!(codes.insert(r.query_code.as_str()), "{no}: query code twice");
            assert!(unit_names.contains_key(r.unit.as_str()), "{no}: unit {}", r.unit);
            for (who, role) in [(&r.handler, "request_handler"), (&r.approver, "")] {
                if who.is_empty() {
                    continue;
                }
                let u = users.get(who.as_str()).unwrap_or_else(|| panic!("{no}: user {who}"));
                assert_eq!(u.unit, r.unit, "{no}: {who} is of another unit");
                assert!(role.is_empty() || u.roles.iter().any(|x| x == role), "{no}: {who} does not handle requests");
            }
            assert!(r.approver.is_empty() || r.approver != r.handler, "{no}: 审签 is by a second person");
            for u in p.usernames() {
                assert!(users.contains_key(u), "{no}: user {u}");
            }
            for (on, e) in &p.events {
                // Staff act on working days; only the applicant submits at any time.
                assert!(
                    e.kind == EventKind::Submitted || cal.is_workday(*on).value,
                    "{no}: {} on {on}, a day off",
                    e.kind.code()
                );
            }
            channels.push(p.channel.code());
            types.push(p.fields.applicant_type.code());
            states.push(p.state.code());
        }
        for want in ["online", "in_person", "post", "email"] {
            assert!(channels.contains(&want), "no {want} application");
        }
        for want in ["person", "organisation.business", "organisation.legal_service", "organisation.public_interest"] {
            assert!(types.contains(&want), "no {want} applicant");
        }
        for want in ["replied", "awaiting_confirmation", "in_progress", "clarifying", "consulting", "awaiting_approval"]
        {
            assert!(states.contains(&want), "no {want} application");
        }
        for c in &requests.review {
            assert!(numbers.contains(c.request.as_str()) || c.request.is_empty(), "{}", c.request);
            // A refusal goes to review before court (2023 Administrative Review Law art. 23).
            if c.kind == "lawsuit_direct" {
                let r = requests.request.iter().find(|r| r.tracking_no == c.request).unwrap();
                assert!(!plan_request(r).unwrap().answer.unwrap().0.review_first(), "{}", c.request);
            }
        }
    }

    /// Loaded through the use cases, the applications end as their stories say (the replay
    /// checks it), open with their codes, keep the story's times, and the clocks the queues
    /// show are the platform's own.
    #[tokio::test]
    async fn demo_requests_load_once_and_open_with_their_codes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&gongkai_store::DatabaseSettings::new(dir.path(), None)).await.unwrap();
        let demo = parse_requests().unwrap();
        let first = load(&store).await.unwrap();
        assert_eq!(first.requests_added, demo.request.len());
        let second = load(&store).await.unwrap();
        assert_eq!(second.requests_added, 0, "loaded once");
        let cal = store.calendar().await.unwrap();
        for r in &demo.request {
            let found = store.request_by_tracking_no(&r.tracking_no).await.unwrap().unwrap();
            assert_eq!(found.code_hash, query_code_hash(&r.tracking_no, &r.query_code), "{}", r.tracking_no);
            assert_eq!(found.code_hash, query_code_hash(&r.tracking_no, &r.query_code.to_lowercase()));
            assert_ne!(found.code_hash, query_code_hash(&r.tracking_no, "23456789"));
            assert_eq!(found.state.code(), r.state);
            assert_eq!(found.closed_on, found.replied_on);
            let events = store.request_events(found.id, false).await.unwrap();
            assert_eq!(events.len(), r.event.len(), "{}", r.tracking_no);
            assert!(events.windows(2).all(|w| w[0].at < w[1].at), "{}: times in order", r.tracking_no);
            assert_eq!(found.submitted_at, events[0].at);
            for (e, want) in events.iter().zip(&r.event) {
                assert_eq!((e.kind, e.on_date.to_string()), (want.kind, want.on.clone()), "{}", r.tracking_no);
            }
            // A reply was sent within the period the law gives, counted as on the day it went.
            if let Some(replied) = found.replied_on {
                let consultations = store.consultations_of_requests(&[found.id]).await.unwrap();
                let facts = crate::requests::clock_facts(
                    &found,
                    consultations.get(&found.id).map(Vec::as_slice).unwrap_or_default(),
                    replied,
                );
                let ReplyClock::Due(due) = gongkai_domain::requests::reply_clock(&cal, &facts) else { panic!() };
                assert!(replied <= due.value, "{}: replied {replied} after {}", r.tracking_no, due.value);
            }
        }
        let units = store.demo_unit_ids().await.unwrap();
        let (ybj, zjj) = (units["ybj"], units["zjj"]);
        // 住建局's coordination queue has ybj's question; ybj's case is due only once the
        // coordination's own period has run out unanswered (art. 34).
        let queue = store.coordinations_for(&[zjj], true).await.unwrap();
        assert_eq!(queue.len(), 1);
        let consulting = store.request(queue[0].request_id).await.unwrap().unwrap();
        assert_eq!((consulting.unit_id, consulting.state), (ybj, RequestState::Consulting));
        assert!(consulting.due_on.unwrap() > queue[0].due_on, "{:?}", consulting.due_on);
        let drafted = store.request_by_tracking_no("20261100000113").await.unwrap().unwrap();
        let handler = store.user_by_username("ybj_handler").await.unwrap().unwrap();
        assert_eq!((drafted.drafter_id, drafted.handler_id), (Some(handler.id), Some(handler.id)));
        assert!(drafted.due_on.is_some() && drafted.replied_on.is_none());
        // The queues on 2026-12-02: one due in a working day, one overdue.
        for (no, due, left) in [("20261100000109", "2026-12-03", 1), ("20261100000110", "2026-11-30", -2)] {
            let r = store.request_by_tracking_no(no).await.unwrap().unwrap();
            let shown = crate::requests::deadline(&cal, &r, &[], d("2026-12-02"));
            assert_eq!((shown.due_on.as_deref(), shown.days_left), (Some(due), Some(left)), "{no}");
        }
        // Replies sent through 审签 carry their letters.
        let replied = store.request_by_tracking_no("20250300000101").await.unwrap().unwrap();
        assert!(!store.request_files(replied.id).await.unwrap().is_empty());
        let counts = store.review_counts(&[ybj], 2025).await.unwrap();
        assert_eq!(counts.len(), 2, "{counts:?}");
        assert!(store.audit_verify().await.unwrap().is_ok());
    }
}
