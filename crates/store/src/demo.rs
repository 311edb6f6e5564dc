//! Demo data: Jinan's units and a set of staff accounts, loaded idempotently (units matched on
//! their demo key, accounts on their user name) so `gongkai demo` can run any number of times.

use crate::audit::Actor;
use crate::credentials::hash_password;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::requests::{ConsultationKind, NewRequest, ReviewCase, query_code_hash};
use crate::users::NewUser;
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::annual_report::{ReviewKind, ReviewResult};
use gongkai_domain::calendar::Calendar;
use gongkai_domain::catalogue::{CatalogueRow, Level};
use gongkai_domain::columns::{ColumnFields, ColumnInput};
use gongkai_domain::documents::{DocumentFields, DocumentInput};
use gongkai_domain::request_events::{EventDetails, EventKind};
use gongkai_domain::request_form::{RequestFields, RequestInput};
use gongkai_domain::request_lifecycle::RequestState;
use gongkai_domain::requests::{
    Channel, ClockFacts, Outcome, Pause, Reply, ReplyClock, ReplyInput, consultation_due, reply_clock,
};
use gongkai_domain::staff::parse_roles;
use gongkai_domain::units::{UnitFields, UnitInput, UnitKind};
use serde::Deserialize;
use sqlx::Row;
use std::collections::HashMap;

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
    kind: String,
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
    pub logins: Vec<DemoLogin>,
}

fn parse() -> Result<DemoFile> {
    toml::from_str(DEMO_UNITS).map_err(|e| StoreError::Other(format!("demo data: {e}")))
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
            let kind = UnitKind::parse(&u.kind)
                .ok_or_else(|| StoreError::Other(format!("demo unit {}: kind {}", u.key, u.kind)))?;
            let fields = UnitFields::parse(kind, &u.input)
                .map_err(|e| StoreError::Other(format!("demo unit {}: {e}", u.key)))?;
            names.insert(u.key.clone(), fields.name.clone());
            if ids.contains_key(&u.key) {
                continue;
            }
            let parent = match u.parent.as_str() {
                "" => None,
                p => Some(
                    *ids.get(p).ok_or_else(|| StoreError::Other(format!("demo unit {}: parent {p} unknown", u.key)))?,
                ),
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
        let unit_id =
            *ids.get(&u.unit).ok_or_else(|| StoreError::Other(format!("demo user {}: unit {}", u.username, u.unit)))?;
        if store.user_by_username(&u.username).await?.is_none() {
            let roles =
                parse_roles(u.roles.iter().map(String::as_str)).map_err(|e| StoreError::Other(e.to_string()))?;
            let password = u.password.clone();
            let password_hash = tokio::task::spawn_blocking(move || hash_password(&password))
                .await
                .map_err(|e| StoreError::Other(e.to_string()))?;
            new_users.push(NewUser {
                username: u.username.clone(),
                display_name: u.display_name.clone(),
                unit_id,
                roles,
                phone: String::new(),
                email: String::new(),
                password_hash,
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
    }
    Ok(report)
}

/// The demo units loaded so far, by their key in the demo file.
async fn demo_unit_ids(store: &Store) -> Result<HashMap<String, i64>> {
    sqlx::query("SELECT demo_key, id FROM units WHERE demo_key IS NOT NULL")
        .fetch_all(&store.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_>>()
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
    toml::from_str(DEMO_DISCLOSURE).map_err(|e| StoreError::Other(format!("demo disclosure: {e}")))
}

fn demo_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("demo {what}: {e}"))
}

/// Standard lists, the two bureaus' catalogues and columns, and their published documents,
/// once: the marker in the audit log keeps administrators' later edits from being redone.
async fn load_disclosure(store: &Store, units: &HashMap<String, i64>) -> Result<usize> {
    let done: i64 = sqlx::query("SELECT COUNT(*) FROM audit_log WHERE action = 'demo.disclosure'")
        .fetch_one(&store.pool)
        .await?
        .try_get(0)?;
    if done > 0 {
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
            let item = catalogue_item_named(&mut w, unit_id, l1, l2).await?;
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
            let item = sqlx::query("SELECT id FROM catalogue_items WHERE unit_id = $1 AND level2 = $2")
                .bind(unit_id)
                .bind(&d.catalogue)
                .fetch_optional(w.conn())
                .await?
                .ok_or_else(|| demo_error("catalogue item", &d.catalogue))?;
            input.catalogue_item_id = Some(item.try_get(0)?);
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
        let (id, fresh) = w.document_import(unit_id, &fields, &format!("demo:{}", d.key), Some(published)).await?;
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
async fn set_demo_times(w: &mut crate::Writer, id: i64, published: NaiveDate, n: usize) -> Result<()> {
    let n = n as u32;
    let drafted = at_in_china(published - chrono::Duration::days(i64::from(2 + n % 5)), 8 * 60 + 40 + (n * 17) % 120);
    let out = at_in_china(published, 9 * 60 + 30 + (n * 23) % 420);
    let (drafted, out) = (gongkai_domain::time::format_instant(drafted), gongkai_domain::time::format_instant(out));
    sqlx::query("UPDATE documents SET created_at = $1, last_published_at = $2, updated_at = $2 WHERE id = $3")
        .bind(&drafted)
        .bind(&out)
        .bind(id)
        .execute(w.conn())
        .await?;
    sqlx::query("UPDATE document_versions SET published_at = $1 WHERE document_id = $2")
        .bind(&out)
        .bind(id)
        .execute(w.conn())
        .await?;
    Ok(())
}

async fn catalogue_item_named(w: &mut crate::Writer, unit_id: i64, level1: &str, level2: &str) -> Result<i64> {
    let row = sqlx::query("SELECT id FROM catalogue_items WHERE unit_id = $1 AND level1 = $2 AND level2 = $3")
        .bind(unit_id)
        .bind(level1)
        .bind(level2)
        .fetch_optional(w.conn())
        .await?
        .ok_or_else(|| demo_error("catalogue item", level2))?;
    Ok(row.try_get(0)?)
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

/// One demo application: the form's fields, the case's facts and its timeline.
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
    answered_on: String,
    #[serde(default)]
    answer: String,
}

#[derive(Debug, Deserialize)]
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
    #[serde(default = "public_event")]
    public: bool,
    /// "applicant" or a user name; empty: see `event_actor`.
    #[serde(default)]
    by: String,
}

fn event_kind<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<EventKind, D::Error> {
    let code = String::deserialize(d)?;
    EventKind::from_code(&code).ok_or_else(|| serde::de::Error::custom(format!("unknown event kind {code}")))
}

fn public_event() -> bool {
    true
}

#[derive(Debug, Deserialize)]
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
}

fn parse_requests() -> Result<RequestsFile> {
    toml::from_str(DEMO_REQUESTS).map_err(|e| StoreError::Other(format!("demo requests: {e}")))
}

/// A demo application checked and with its dates parsed.
struct PlannedRequest<'a> {
    src: &'a DemoRequest,
    fields: RequestFields,
    channel: Channel,
    state: RequestState,
    submitted_at: DateTime<Utc>,
    received_on: Option<NaiveDate>,
    clarification_requested_on: Option<NaiveDate>,
    clarification_received_on: Option<NaiveDate>,
    replied_on: Option<NaiveDate>,
    answer: Option<(Outcome, Reply)>,
    consultations: Vec<PlannedConsultation<'a>>,
    events: Vec<(NaiveDate, &'a DemoEvent)>,
}

struct PlannedConsultation<'a> {
    src: &'a DemoConsultation,
    kind: ConsultationKind,
    sent_on: NaiveDate,
    answered_on: Option<NaiveDate>,
}

fn demo_date(what: &str, raw: &str) -> Result<Option<NaiveDate>> {
    match raw.trim() {
        "" => Ok(None),
        s => gongkai_domain::time::parse_date(s).map(Some).ok_or_else(|| demo_error(what, s)),
    }
}

/// Checks an entry as the platform would have: the form by its own rules, the reply by the
/// reply's, and the facts against the state the entry claims.
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
    let clarification_requested_on = date("clarification_requested_on", &r.clarification_requested_on)?;
    let clarification_received_on = date("clarification_received_on", &r.clarification_received_on)?;
    let replied_on = date("replied_on", &r.replied_on)?;
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
                answered_on: date("answered_on", &c.answered_on)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let events = r
        .event
        .iter()
        .map(|e| Ok((date("event", &e.on)?.ok_or_else(|| err(format!("{}: on needed", e.kind.code())))?, e)))
        .collect::<Result<Vec<_>>>()?;

    // The facts the state implies.
    let closed = matches!(state, RequestState::Replied | RequestState::Archived);
    let check = |ok: bool, why: &str| if ok { Ok(()) } else { Err(err(format!("{}：{why}", state.code()))) };
    check(state != RequestState::Withdrawn, "demo entries are not withdrawn")?;
    check(closed == replied_on.is_some(), "replied_on is set exactly on replied cases")?;
    check(
        (closed || state == RequestState::AwaitingApproval) == answer.is_some(),
        "a reply belongs to replied cases and drafts",
    )?;
    if state == RequestState::AwaitingConfirmation {
        check(
            channel.needs_confirmation() && received_on.is_none(),
            "only unconfirmed online, fax or e-mail applications",
        )?;
        check(r.handler.is_empty(), "no handler before confirmation")?;
    } else {
        check(received_on.is_some() && !r.handler.is_empty(), "received_on and handler needed")?;
    }
    check(
        (state == RequestState::Clarifying)
            == (clarification_requested_on.is_some() && clarification_received_on.is_none()),
        "awaiting the applicant's correction exactly when clarifying",
    )?;
    check(
        (state == RequestState::Consulting) == consultations.iter().any(|c| c.answered_on.is_none()),
        "an unanswered consultation exactly when consulting",
    )?;
    check(replied_on.is_none() || replied_on >= received_on, "replied before received")?;
    check(!events.is_empty() && events.windows(2).all(|w| w[0].0 <= w[1].0), "events in order of date")?;
    let first = if channel == Channel::Online { EventKind::Submitted } else { EventKind::Registered };
    check(events[0].1.kind == first, &format!("the timeline starts with {}", first.code()))?;
    if let Some(received) = received_on {
        check(events.iter().all(|(on, e)| *on >= received || e.kind == EventKind::Submitted), "events before receipt")?;
    }
    for c in &consultations {
        check(
            c.kind != ConsultationKind::Coordination || !c.src.target.is_empty(),
            "coordination needs a target unit",
        )?;
        check(c.kind != ConsultationKind::ThirdParty || !c.src.third_party.is_empty(), "third party needs a name")?;
    }
    Ok(PlannedRequest {
        src: r,
        fields,
        channel,
        state,
        submitted_at,
        received_on,
        clarification_requested_on,
        clarification_received_on,
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
    /// The reply clock as the platform computes it on `today`: an unanswered consultation
    /// stops it until its own period ends (art. 34).
    fn clock(&self, cal: &Calendar, today: NaiveDate) -> ReplyClock {
        let pauses = self
            .consultations
            .iter()
            .map(|c| Pause::consultation(c.sent_on, consultation_due(cal, c.sent_on).value, c.answered_on, today))
            .collect();
        reply_clock(
            cal,
            &ClockFacts {
                received_on: self.received_on,
                clarification_requested_on: self.clarification_requested_on,
                clarification_received_on: self.clarification_received_on,
                pauses,
                extension_days: self.src.extension_days,
                excessive_due_on: None,
            },
        )
    }

    /// The due date kept on an open case for the queues; none while the clock stands still.
    fn due_on(&self, cal: &Calendar, today: NaiveDate) -> Option<NaiveDate> {
        match self.clock(cal, today) {
            ReplyClock::Due(d) if self.state.is_open() => Some(d.value),
            _ => None,
        }
    }

    /// An event's facts, as the step that records it gives them.
    fn details(
        &self,
        on: NaiveDate,
        e: &DemoEvent,
        cal: &Calendar,
        unit_name: &dyn Fn(&str) -> String,
    ) -> Result<EventDetails> {
        let given = Some(e.note.clone()).filter(|n| !n.is_empty());
        Ok(match e.kind {
            EventKind::Submitted | EventKind::Registered => EventDetails {
                channel: Some(self.channel.code().into()),
                unit: Some(unit_name(&self.src.unit)),
                ..Default::default()
            },
            EventKind::Confirmed => EventDetails { due_on: Some(on), ..Default::default() },
            EventKind::ReplySubmitted | EventKind::Replied => {
                EventDetails { outcome: self.answer.as_ref().map(|(o, _)| o.code().into()), ..Default::default() }
            }
            EventKind::ClarificationRequested => EventDetails { items: Some(e.items.clone()), ..Default::default() },
            EventKind::ThirdPartyConsulted | EventKind::CoordinationRequested => {
                let wanted = match e.kind {
                    EventKind::ThirdPartyConsulted => ConsultationKind::ThirdParty,
                    _ => ConsultationKind::Coordination,
                };
                let c = self.consultations.iter().find(|c| c.kind == wanted && c.sent_on == on).ok_or_else(|| {
                    demo_error(&self.src.tracking_no, format!("{} {on}: no consultation", e.kind.code()))
                })?;
                let whom = if c.src.target.is_empty() { c.src.third_party.clone() } else { unit_name(&c.src.target) };
                EventDetails {
                    unit: Some(whom),
                    due_on: Some(consultation_due(cal, on).value),
                    text: Some(c.src.question.clone()),
                    ..Default::default()
                }
            }
            _ => EventDetails { text: given, ..Default::default() },
        })
    }

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
}

/// The demo applications and review cases, once: nothing is added when any demo tracking
/// number is taken already. All in one audited write. Returns how many applications were added.
async fn load_requests(store: &Store, units: &HashMap<String, i64>) -> Result<usize> {
    let file = parse_requests()?;
    for r in &file.request {
        if store.request_by_tracking_no(&r.tracking_no).await?.is_some() {
            return Ok(0);
        }
    }
    let planned = file.request.iter().map(plan_request).collect::<Result<Vec<_>>>()?;
    let unit = |key: &str| units.get(key).copied().ok_or_else(|| demo_error("unit", key));
    let mut users: HashMap<String, (i64, String)> = HashMap::new();
    for name in planned.iter().flat_map(PlannedRequest::usernames) {
        if !users.contains_key(name) {
            let u = store.user_by_username(name).await?.ok_or_else(|| demo_error("user", name))?;
            users.insert(name.to_string(), (u.id, u.display_name));
        }
    }
    let user_id = |name: &str| -> Result<Option<i64>> {
        match name {
            "" => Ok(None),
            n => users.get(n).map(|u| Some(u.0)).ok_or_else(|| demo_error("user", n)),
        }
    };
    let names: HashMap<i64, String> = store.units_all().await?.into_iter().map(|u| (u.id, u.name)).collect();
    let unit_name = |key: &str| units.get(key).and_then(|id| names.get(id)).cloned().unwrap_or_default();
    let cal = store.calendar().await?;
    let today = gongkai_domain::time::date_in_china(Utc::now());

    let mut w = store.write(Actor::system("demo")).await?;
    let mut ids: HashMap<&str, i64> = HashMap::new();
    for p in &planned {
        let r = p.src;
        let unit_id = unit(&r.unit)?;
        let handler_id = user_id(&r.handler)?;
        let new = NewRequest {
            unit_id,
            channel: p.channel,
            applicant_type: p.fields.applicant_type,
            applicant: p.fields.applicant(),
            description: p.fields.description.clone(),
            provision_form: p.fields.provision_form,
            delivery: p.fields.delivery,
            state: p.state,
            received_on: p.received_on,
            due_on: None,
            handler_id,
        };
        let id = w
            .request_insert(&new, &r.tracking_no, &query_code_hash(&r.tracking_no, &r.query_code))
            .await?
            .ok_or_else(|| demo_error("tracking number taken", &r.tracking_no))?;
        for c in &p.consultations {
            let target = if c.src.target.is_empty() { None } else { Some(unit(&c.src.target)?) };
            let due = consultation_due(&cal, c.sent_on).value;
            let cid =
                w.consultation_insert(id, c.kind, target, &c.src.third_party, &c.src.question, c.sent_on, due).await?;
            if let Some(answered) = c.answered_on {
                w.consultation_answer(cid, answered, &c.src.answer).await?;
            }
        }
        let mut saved = w.request_lock(id).await?;
        saved.clarification_requested_on = p.clarification_requested_on;
        saved.clarification_received_on = p.clarification_received_on;
        saved.extension_days = r.extension_days;
        saved.due_on = p.due_on(&cal, today);
        if let Some((outcome, reply)) = &p.answer {
            saved.outcome = Some(*outcome);
            saved.reply = reply.clone();
            saved.drafter_id = handler_id;
        }
        saved.approver_id = user_id(&r.approver)?;
        saved.replied_on = p.replied_on;
        saved.closed_on = p.replied_on;
        w.request_save(&saved).await?;

        // The timeline, with the times and people of the story rather than of the loading.
        let mut last = p.submitted_at;
        for (i, (on, e)) in p.events.iter().enumerate() {
            let details = p.details(*on, e, &cal, &unit_name)?;
            w.request_event(id, e.kind, *on, e.public, &details).await?;
            let at = if i == 0 { p.submitted_at } else { at_in_china(*on, 9 * 60 + 30 + 17 * i as u32).max(last) };
            last = at + chrono::Duration::minutes(1);
            let (actor_id, actor_name) = match p.event_actor(e) {
                None => (None, "申请人".to_string()),
                Some(u) => {
                    users.get(u).map(|(id, name)| (Some(*id), name.clone())).ok_or_else(|| demo_error("user", u))?
                }
            };
            sqlx::query(
                "UPDATE request_events SET at = $1, actor_id = $2, actor_name = $3 \
                 WHERE id = (SELECT MAX(id) FROM request_events WHERE request_id = $4)",
            )
            .bind(gongkai_domain::time::format_instant(at))
            .bind(actor_id)
            .bind(actor_name)
            .bind(id)
            .execute(w.conn())
            .await?;
        }
        sqlx::query("UPDATE requests SET submitted_at = $1, created_at = $1, updated_at = $2 WHERE id = $3")
            .bind(gongkai_domain::time::format_instant(p.submitted_at))
            .bind(gongkai_domain::time::format_instant(last.max(p.submitted_at)))
            .bind(id)
            .execute(w.conn())
            .await?;
        w.record("request.create", "request", id, Some(unit_id), format!("载入演示申请：申请编号 {}", r.tracking_no));
        ids.insert(r.tracking_no.as_str(), id);
    }
    for c in &file.review {
        let case = plan_review(c, &|no| ids.get(no).copied(), &unit)?;
        let id = w.review_case_insert(&case).await?;
        w.record(
            "review_case.create",
            "review_case",
            id,
            Some(case.unit_id),
            format!("载入演示{}（{}）", ReviewKind::parse(&c.kind).map(|k| k.label()).unwrap_or_default(), c.filed_on),
        );
    }
    w.commit().await?;
    Ok(planned.len())
}

/// A review case as stored; `request` and `unit` resolve the demo's keys.
fn plan_review(
    c: &DemoReview,
    request: &dyn Fn(&str) -> Option<i64>,
    unit: &dyn Fn(&str) -> Result<i64>,
) -> Result<ReviewCase> {
    let err = |what: &str| demo_error("review case", format!("{} {}: {what}", c.unit, c.filed_on));
    ReviewKind::parse(&c.kind).ok_or_else(|| err("kind"))?;
    let result = ReviewResult::parse(&c.result).ok_or_else(|| err("result"))?;
    let filed_on = demo_date("filed_on", &c.filed_on)?.ok_or_else(|| err("filed_on needed"))?;
    let decided_on = demo_date("decided_on", &c.decided_on)?;
    if (result == ReviewResult::Pending) != decided_on.is_none() {
        return Err(err("decided_on is set exactly when decided"));
    }
    let request_id = match c.request.as_str() {
        "" => None,
        no => Some(request(no).ok_or_else(|| err("request is not a demo application"))?),
    };
    Ok(ReviewCase {
        id: 0,
        unit_id: unit(&c.unit)?,
        request_id,
        kind: c.kind.clone(),
        result: c.result.clone(),
        filed_on,
        decided_on,
        authority: c.authority.clone(),
        note: c.note.clone(),
    })
}

/// The demo logins without touching the database, for printing.
pub fn logins() -> Vec<DemoUser> {
    parse().map(|f| f.user).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use gongkai_domain::codes::CreditCode;

    #[test]
    fn demo_file_is_valid() {
        let file = parse().unwrap();
        let mut keys = std::collections::HashSet::new();
        for u in &file.unit {
            assert!(keys.insert(u.key.as_str()), "duplicate key {}", u.key);
            let kind = UnitKind::parse(&u.kind).unwrap();
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
    /// the check character), its reply the reply's, and its story the law's calendar.
    #[test]
    fn demo_requests_are_valid() {
        let file = parse().unwrap();
        let requests = parse_requests().unwrap();
        let unit_names: HashMap<&str, &str> = file.unit.iter().map(|u| (u.key.as_str(), u.input.name.trim())).collect();
        let users: HashMap<&str, &DemoUser> = file.user.iter().map(|u| (u.username.as_str(), u)).collect();
        let cal = Calendar::official();
        let today = d("2026-12-02");
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
            let name = |key: &str| unit_names.get(key).map(|n| n.to_string()).unwrap_or_default();
            for (on, e) in &p.events {
                let details = p.details(*on, e, &cal, &name).unwrap_or_else(|e| panic!("{e}"));
                let note = gongkai_domain::request_events::note(e.kind, &details);
                assert!(!note.is_empty() || e.kind == EventKind::Archived, "{no}: {}", e.kind.code());
                // Staff act on working days; only the applicant submits at any time.
                assert!(
                    e.kind == EventKind::Submitted || cal.is_workday(*on).value,
                    "{no}: {} on {on}, a day off",
                    e.kind.code()
                );
            }
            // A reply was sent in time; what is open has the deadline the queues show.
            let as_open = |on: NaiveDate| match p.clock(&cal, on) {
                ReplyClock::Due(c) => Some(c.value),
                _ => None,
            };
            if let Some(replied) = p.replied_on {
                let due = as_open(replied).unwrap();
                assert!(replied <= due, "{no}: replied {replied} after the due day {due}");
                assert!(cal.is_workday(replied).value, "{no}: replied on a day off");
                assert_eq!(p.due_on(&cal, today), None);
            } else if matches!(p.state, RequestState::InProgress | RequestState::AwaitingApproval) {
                assert!(p.due_on(&cal, today).is_some(), "{no}");
            } else {
                assert_eq!(p.due_on(&cal, today), None, "{no}: the clock stands still");
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
        // The queues on 2026-12-02: one due in a working day, one overdue.
        let due = |no: &str| {
            let r = requests.request.iter().find(|r| r.tracking_no == no).unwrap();
            plan_request(r).unwrap().due_on(&cal, today).unwrap()
        };
        let left = |no: &str| gongkai_domain::requests::days_left(&cal, today, due(no));
        assert_eq!((due("20261100000109"), left("20261100000109")), (d("2026-12-03"), 1));
        assert_eq!((due("20261100000110"), left("20261100000110")), (d("2026-11-30"), -2));
        for c in &requests.review {
            let case = plan_review(c, &|no| numbers.contains(no).then_some(1), &|_| Ok(1)).unwrap();
            // A refusal goes to review before court (2023 Administrative Review Law art. 23).
            if case.kind == "lawsuit_direct" {
                let r = requests.request.iter().find(|r| r.tracking_no == c.request).unwrap();
                assert!(!plan_request(r).unwrap().answer.unwrap().0.review_first(), "{}", c.request);
            }
        }
    }

    #[tokio::test]
    async fn demo_requests_load_once_and_open_with_their_codes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&crate::DatabaseSettings::new(dir.path(), None)).await.unwrap();
        let demo = parse_requests().unwrap();
        let first = load(&store).await.unwrap();
        assert_eq!(first.requests_added, demo.request.len());
        let second = load(&store).await.unwrap();
        assert_eq!(second.requests_added, 0, "loaded once");
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
            assert!(found.submitted_at <= events[0].at);
        }
        let units = demo_unit_ids(&store).await.unwrap();
        let (ybj, zjj) = (units["ybj"], units["zjj"]);
        // 住建局's coordination queue has ybj's question; ybj's case waits without a due date.
        let queue = store.coordinations_for(&[zjj], true).await.unwrap();
        assert_eq!(queue.len(), 1);
        let consulting = store.request(queue[0].request_id).await.unwrap().unwrap();
        assert_eq!((consulting.unit_id, consulting.state, consulting.due_on), (ybj, RequestState::Consulting, None));
        let drafted = store.request_by_tracking_no("20261100000113").await.unwrap().unwrap();
        let handler = store.user_by_username("ybj_handler").await.unwrap().unwrap();
        assert_eq!((drafted.drafter_id, drafted.handler_id), (Some(handler.id), Some(handler.id)));
        assert!(drafted.due_on.is_some() && drafted.replied_on.is_none());
        let counts = store.review_counts(&[ybj], 2025).await.unwrap();
        assert_eq!(counts.len(), 2, "{counts:?}");
        assert!(store.audit_verify().await.unwrap().is_ok());
    }
}
