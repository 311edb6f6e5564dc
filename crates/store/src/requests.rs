//! Applications for disclosure: the case, its timeline, consultations, files, review cases,
//! letter templates, annual-report text and the public form's challenges. The rules (what may
//! happen next, when the reply is due) are the domain's; this module keeps the facts. Changes
//! of a case are made inside an audited `Writer` after `request_lock`, so two handlers acting
//! at once see each other's result instead of overwriting it.

use crate::audit::Writer;
use crate::counting::Conn;
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::{Named, Page};
use crate::sql::Sql;
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::annual_report::{ReviewKind, ReviewResult};
use gongkai_domain::documents::Genre;
use gongkai_domain::request_events::{EventDetails, EventKind};
use gongkai_domain::request_form::{Applicant, Delivery, ProvisionForm};
use gongkai_domain::request_lifecycle::RequestState;
use gongkai_domain::requests::{ApplicantType, Channel, FileRole, Outcome, Reply};
use sqlx::Row;
use sqlx::any::AnyRow;

/// The stored form of a query code (查询码): a hash bound to its tracking number, so a copy of
/// the table does not give the codes, and a code works for its own application only. Codes
/// are random and long enough that a fast hash adds nothing; guessing is throttled.
pub fn query_code_hash(tracking_no: &str, code: &str) -> String {
    crate::credentials::secret_hash(&format!("{tracking_no}:{}", code.trim().to_ascii_uppercase()))
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub id: i64,
    pub tracking_no: String,
    pub code_hash: String,
    pub unit_id: i64,
    pub channel: Channel,
    pub applicant_type: ApplicantType,
    /// Personal data: shown only to the handlers of `unit_id`.
    pub applicant: Applicant,
    pub description: String,
    pub provision_form: ProvisionForm,
    pub delivery: Delivery,
    pub state: RequestState,
    pub submitted_at: DateTime<Utc>,
    pub received_on: Option<NaiveDate>,
    pub clarification_requested_on: Option<NaiveDate>,
    pub clarification_received_on: Option<NaiveDate>,
    pub extension_days: u32,
    pub excessive_due_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub handler_id: Option<i64>,
    pub drafter_id: Option<i64>,
    pub approver_id: Option<i64>,
    pub outcome: Option<Outcome>,
    pub reply: Reply,
    pub replied_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub fee_yuan: Option<i64>,
    pub fee_noticed_on: Option<NaiveDate>,
    pub fee_paid_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

const REQUEST_COLUMNS: &str = "id, tracking_no, code_hash, unit_id, channel, applicant_type, applicant, description, provision_form, delivery, state, submitted_at, received_on, clarification_requested_on, clarification_received_on, extension_days, excessive_due_on, due_on, handler_id, drafter_id, approver_id, outcome, reply, replied_on, closed_on, fee_yuan, fee_noticed_on, fee_paid_on, created_at, updated_at";

fn text_date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn request_from_row(r: &AnyRow) -> Result<Request> {
    let r = Named::new(r, "requests");
    let extension_days: i64 = r.get("extension_days")?;
    Ok(Request {
        id: r.get("id")?,
        tracking_no: r.get("tracking_no")?,
        code_hash: r.get("code_hash")?,
        unit_id: r.get("unit_id")?,
        channel: r.code("channel", Channel::parse)?,
        applicant_type: r.code("applicant_type", ApplicantType::parse)?,
        applicant: r.json("applicant")?,
        description: r.get("description")?,
        provision_form: r.code("provision_form", ProvisionForm::parse)?,
        delivery: r.code("delivery", Delivery::parse)?,
        state: r.code("state", RequestState::parse)?,
        submitted_at: r.instant("submitted_at")?,
        received_on: r.date_opt("received_on")?,
        clarification_requested_on: r.date_opt("clarification_requested_on")?,
        clarification_received_on: r.date_opt("clarification_received_on")?,
        extension_days: u32::try_from(extension_days).map_err(|_| StoreError::Stored {
            table: "requests",
            column: "extension_days".into(),
            value: extension_days.to_string(),
        })?,
        excessive_due_on: r.date_opt("excessive_due_on")?,
        due_on: r.date_opt("due_on")?,
        handler_id: r.get("handler_id")?,
        drafter_id: r.get("drafter_id")?,
        approver_id: r.get("approver_id")?,
        outcome: r.code_opt("outcome", Outcome::parse)?,
        reply: r.json("reply")?,
        replied_on: r.date_opt("replied_on")?,
        closed_on: r.date_opt("closed_on")?,
        fee_yuan: r.get("fee_yuan")?,
        fee_noticed_on: r.date_opt("fee_noticed_on")?,
        fee_paid_on: r.date_opt("fee_paid_on")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
    })
}

/// Plain values serialise without fail; the fallback keeps the column's NOT NULL.
fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "{}".into())
}

/// One entry of a case's timeline: its kind and facts (`details`) for programs, its note as
/// written for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestEventRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub on_date: NaiveDate,
    pub kind: EventKind,
    pub details: EventDetails,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    pub public: bool,
    pub note: String,
}

/// A consultation of a third party (art. 32) or a coordination with another unit (art. 34).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consultation {
    pub id: i64,
    pub request_id: i64,
    pub kind: ConsultationKind,
    pub target_unit_id: Option<i64>,
    pub third_party: String,
    pub question: String,
    pub sent_on: NaiveDate,
    pub due_on: NaiveDate,
    pub answered_on: Option<NaiveDate>,
    pub answer: String,
    pub answered_by: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsultationKind {
    ThirdParty,
    Coordination,
}

impl ConsultationKind {
    pub fn code(self) -> &'static str {
        match self {
            ConsultationKind::ThirdParty => "third_party",
            ConsultationKind::Coordination => "coordination",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "third_party" => Some(ConsultationKind::ThirdParty),
            "coordination" => Some(ConsultationKind::Coordination),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ConsultationKind::ThirdParty => "征求第三方意见",
            ConsultationKind::Coordination => "会商协查",
        }
    }
}

const CONSULTATION_COLUMNS: &str =
    "id, request_id, kind, target_unit_id, third_party, question, sent_on, due_on, answered_on, answer, answered_by";

fn consultation_from_row(r: &AnyRow) -> Result<Consultation> {
    let r = Named::new(r, "request_consultations");
    Ok(Consultation {
        id: r.get("id")?,
        request_id: r.get("request_id")?,
        kind: r.code("kind", ConsultationKind::parse)?,
        target_unit_id: r.get("target_unit_id")?,
        third_party: r.get("third_party")?,
        question: r.get("question")?,
        sent_on: r.date("sent_on")?,
        due_on: r.date("due_on")?,
        answered_on: r.date_opt("answered_on")?,
        answer: r.get("answer")?,
        answered_by: r.get("answered_by")?,
    })
}

/// A file of a case (its content is in the file store under `sha256`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFile {
    pub id: i64,
    pub request_id: i64,
    pub role: FileRole,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

const FILE_COLUMNS: &str = "id, request_id, role, name, content_type, size, sha256, public, created_at";

fn file_from_row(r: &AnyRow) -> Result<RequestFile> {
    let r = Named::new(r, "request_files");
    Ok(RequestFile {
        id: r.get("id")?,
        request_id: r.get("request_id")?,
        role: r.code("role", FileRole::from_code)?,
        name: r.get("name")?,
        content_type: r.get("content_type")?,
        size: r.get("size")?,
        sha256: r.get("sha256")?,
        public: r.flag("public")?,
        created_at: r.instant("created_at")?,
    })
}

/// A 行政复议 or 行政诉讼 about a reply (table 四).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewCase {
    pub id: i64,
    pub unit_id: i64,
    pub request_id: Option<i64>,
    pub kind: ReviewKind,
    pub result: ReviewResult,
    pub filed_on: NaiveDate,
    pub decided_on: Option<NaiveDate>,
    pub authority: String,
    pub note: String,
}

const REVIEW_COLUMNS: &str = "id, unit_id, request_id, kind, result, filed_on, decided_on, authority, note";

fn review_from_row(r: &AnyRow) -> Result<ReviewCase> {
    let r = Named::new(r, "review_cases");
    Ok(ReviewCase {
        id: r.get("id")?,
        unit_id: r.get("unit_id")?,
        request_id: r.get("request_id")?,
        kind: r.code("kind", ReviewKind::from_code)?,
        result: r.code("result", ReviewResult::from_code)?,
        filed_on: r.date("filed_on")?,
        decided_on: r.date_opt("decided_on")?,
        authority: r.get("authority")?,
        note: r.get("note")?,
    })
}

/// Table 四's count of the cases of one kind with one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReviewCount {
    pub kind: ReviewKind,
    pub result: ReviewResult,
    pub count: u64,
}

/// Table 二's first item for one genre (规章 or 行政规范性文件).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegulationCount {
    pub genre: Genre,
    /// Written in the year.
    pub issued: u64,
    /// Repealed or expired in the year.
    pub repealed: u64,
    /// In force at the year's end.
    pub in_force: u64,
}

/// An administrator's version of a letter template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterTemplate {
    pub body: String,
    pub updated_at: DateTime<Utc>,
    /// The name of who changed it last.
    pub updated_by: String,
}

/// A published document a reply points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyDocument {
    pub id: i64,
    /// The title of the live version.
    pub title: String,
    /// 索引号 (empty when it has none).
    pub index_no: String,
}

/// Which cases a queue shows; all filters optional except the units.
#[derive(Debug, Clone, Default)]
pub struct RequestFilter {
    /// The units whose cases are listed (a unit and its subtree, as the caller's reach allows).
    pub unit_ids: Vec<i64>,
    pub state: Option<RequestState>,
    /// Only cases still owing a reply.
    pub open_only: bool,
    pub handler_id: Option<i64>,
    /// Only open cases due on or before this day (due soon and overdue).
    pub due_by: Option<NaiveDate>,
    pub received_from: Option<NaiveDate>,
    pub received_to: Option<NaiveDate>,
    /// Tracking number or words of the description.
    pub query: String,
}

/// A unit's annual report as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualReportMeta {
    /// The sections, as JSON.
    pub sections: String,
    /// The figures of table 二 staff enter, as JSON.
    pub manual: String,
    /// The document that publishes the report.
    pub document_id: Option<i64>,
    /// When that document was published (withdrawn ones included, as `public_document`
    /// finds them); `None` when it never was.
    pub published_on: Option<NaiveDate>,
}

/// The raw counts of annual-report table 三 for a set of units and a year, grouped as the
/// domain's `Table3Counts` wants them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestCounts {
    pub new: Vec<ApplicantCount>,
    pub carried_over: Vec<ApplicantCount>,
    pub replied: Vec<OutcomeCount>,
    pub carried_forward: Vec<ApplicantCount>,
}

/// How many cases of one applicant type a row of table 三 counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApplicantCount {
    pub applicant_type: ApplicantType,
    pub count: u64,
}

/// How many cases of one applicant type were replied with one outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutcomeCount {
    pub applicant_type: ApplicantType,
    pub outcome: Outcome,
    pub count: u64,
}

/// The condition of a case still owing a reply.
const OPEN_STATES: &str = "state NOT IN ('replied', 'archived', 'withdrawn')";

/// How many cases of a set of units wait for something, as the console's reminders show
/// them; counted in one statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReminderCounts {
    pub awaiting_confirmation: i64,
    /// Open cases due on or before the `soon` day given.
    pub due_soon: i64,
    /// Open cases due on or before the `overdue` day given.
    pub overdue: i64,
    pub awaiting_approval: i64,
    /// Unanswered coordinations asked of the coordination units given.
    pub open_coordinations: i64,
}

async fn request_in(conn: &mut Conn, sql: &str, key: impl Into<crate::sql::Value>) -> Result<Option<Request>> {
    let mut q = Sql::new(&format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE "));
    q.push(sql).bind(key);
    let row = q.query().fetch_optional(conn).await?;
    row.as_ref().map(request_from_row).transpose()
}

async fn consultations_in(conn: &mut Conn, request_id: i64) -> Result<Vec<Consultation>> {
    let sql = format!("SELECT {CONSULTATION_COLUMNS} FROM request_consultations WHERE request_id = $1 ORDER BY id");
    let rows = sqlx::query(&sql).bind(request_id).fetch_all(conn).await?;
    rows.iter().map(consultation_from_row).collect()
}

impl Store {
    pub async fn request(&self, id: i64) -> Result<Option<Request>> {
        let mut conn = self.pool.acquire().await?;
        request_in(&mut conn, "id = ", id).await
    }

    pub async fn request_by_tracking_no(&self, tracking_no: &str) -> Result<Option<Request>> {
        let mut conn = self.pool.acquire().await?;
        request_in(&mut conn, "tracking_no = ", tracking_no).await
    }

    /// A queue: the cases matching `f`, the earliest due first, and how many there are in all.
    pub async fn requests_list(&self, f: &RequestFilter, limit: i64, offset: i64) -> Result<Page<Request>> {
        if f.unit_ids.is_empty() {
            return Ok(Page { items: Vec::new(), total: 0 });
        }
        let mut filter = Sql::new(" FROM requests WHERE unit_id IN ");
        filter.bind_list(f.unit_ids.iter().copied());
        if let Some(s) = f.state {
            filter.push(" AND state = ").bind(s.code());
        }
        if f.open_only || f.due_by.is_some() {
            filter.push(" AND ").push(OPEN_STATES);
        }
        if let Some(h) = f.handler_id {
            filter.push(" AND handler_id = ").bind(h);
        }
        if let Some(d) = f.due_by {
            filter.push(" AND due_on <= ").bind(d.to_string());
        }
        if let Some(d) = f.received_from {
            filter.push(" AND received_on >= ").bind(d.to_string());
        }
        if let Some(d) = f.received_to {
            filter.push(" AND received_on <= ").bind(d.to_string());
        }
        let query = f.query.trim();
        if !query.is_empty() {
            filter.push(" AND (tracking_no = ").bind(query);
            filter.push(" OR description LIKE ").bind(crate::sql::like_contains(query)).push(" ESCAPE '\\')");
        }
        let mut count = Sql::new("SELECT COUNT(*) AS n");
        count.push(filter.text());
        let mut count_q = sqlx::query(count.text());
        let mut list = Sql::new(&format!("SELECT {REQUEST_COLUMNS}"));
        list.push(filter.text());
        // Open cases by due date (a paused clock has none and comes after), then the newest.
        list.push(" ORDER BY CASE WHEN due_on IS NULL THEN 1 ELSE 0 END, due_on, id DESC LIMIT ");
        let n = filter.values().len();
        list.push(&format!("${} OFFSET ${}", n + 1, n + 2));
        let mut list_q = sqlx::query(list.text());
        for v in filter.values() {
            count_q = bind_value(count_q, v.clone());
            list_q = bind_value(list_q, v.clone());
        }
        let total: i64 = count_q.fetch_one(&self.pool).await?.try_get("n")?;
        let rows = list_q.bind(limit).bind(offset).fetch_all(&self.pool).await?;
        Ok(Page { items: rows.iter().map(request_from_row).collect::<Result<_>>()?, total })
    }

    /// The cases with the given ids, in one statement (in no particular order; unknown ids
    /// are left out).
    pub async fn requests_by_ids(&self, ids: &[i64]) -> Result<Vec<Request>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(&format!("SELECT {REQUEST_COLUMNS} FROM requests WHERE id IN "));
        q.bind_list(ids.iter().copied());
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter().map(request_from_row).collect()
    }

    /// The reminders' counts for the cases of `unit_ids` and the coordinations asked of
    /// `coordination_units` (none when empty), in one statement: the queue's filters
    /// `state=awaiting_confirmation`, `due_by = soon`, `due_by = overdue` (the last day that
    /// counts as overdue) and `state=awaiting_approval`, and the open coordination queue.
    pub async fn request_reminders(
        &self,
        unit_ids: &[i64],
        soon: NaiveDate,
        overdue: NaiveDate,
        coordination_units: &[i64],
    ) -> Result<ReminderCounts> {
        let mut q = Sql::default();
        let (soon, overdue) = (q.param(soon.to_string()), q.param(overdue.to_string()));
        let mut list = |ids: &[i64]| ids.iter().map(|id| q.param(*id)).collect::<Vec<_>>().join(", ");
        let units = if unit_ids.is_empty() { "1 = 0".to_string() } else { format!("unit_id IN ({})", list(unit_ids)) };
        let coordinations = if coordination_units.is_empty() {
            "0 AS open_coordinations".to_string()
        } else {
            // The coordination queue lists at most 500; the reminder links to it.
            format!(
                "(SELECT COUNT(*) FROM (SELECT 1 FROM request_consultations WHERE kind = 'coordination' \
                 AND answered_on IS NULL AND target_unit_id IN ({}) LIMIT 500) c) AS open_coordinations",
                list(coordination_units)
            )
        };
        q.push(&format!(
            "SELECT SUM(CASE WHEN state = 'awaiting_confirmation' THEN 1 ELSE 0 END) AS awaiting_confirmation, \
             SUM(CASE WHEN {OPEN_STATES} AND due_on <= {soon} THEN 1 ELSE 0 END) AS due_soon, \
             SUM(CASE WHEN {OPEN_STATES} AND due_on <= {overdue} THEN 1 ELSE 0 END) AS overdue, \
             SUM(CASE WHEN state = 'awaiting_approval' THEN 1 ELSE 0 END) AS awaiting_approval, \
             {coordinations} FROM requests WHERE {units}"
        ));
        let row = q.query().fetch_one(&self.pool).await?;
        let n = |column: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>, _>(column)?.unwrap_or(0)) };
        Ok(ReminderCounts {
            awaiting_confirmation: n("awaiting_confirmation")?,
            due_soon: n("due_soon")?,
            overdue: n("overdue")?,
            awaiting_approval: n("awaiting_approval")?,
            open_coordinations: n("open_coordinations")?,
        })
    }

    /// The timeline; with `public_only` what the applicant sees.
    pub async fn request_events(&self, request_id: i64, public_only: bool) -> Result<Vec<RequestEventRow>> {
        let rows = sqlx::query(
            "SELECT id, at, on_date, kind, actor_id, actor_name, public, note, details FROM request_events \
             WHERE request_id = $1 AND (public = 1 OR $2 = 0) ORDER BY id",
        )
        .bind(request_id)
        .bind(i64::from(public_only))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "request_events");
                let details: String = r.get("details")?;
                Ok(RequestEventRow {
                    id: r.get("id")?,
                    at: r.instant("at")?,
                    on_date: r.date("on_date")?,
                    kind: r.code("kind", EventKind::from_code)?,
                    actor_id: r.get("actor_id")?,
                    actor_name: r.get("actor_name")?,
                    public: r.flag("public")?,
                    note: r.get("note")?,
                    details: EventDetails::from_json(&details).map_err(|e| StoreError::Stored {
                        table: "request_events",
                        column: "details".into(),
                        value: format!("{e}: {details}"),
                    })?,
                })
            })
            .collect()
    }

    pub async fn request_consultations(&self, request_id: i64) -> Result<Vec<Consultation>> {
        let mut conn = self.pool.acquire().await?;
        consultations_in(&mut conn, request_id).await
    }

    /// The consultations of many cases in one statement, by case, each case's in order.
    pub async fn consultations_of_requests(
        &self,
        request_ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, Vec<Consultation>>> {
        let mut out: std::collections::HashMap<i64, Vec<Consultation>> = std::collections::HashMap::new();
        if request_ids.is_empty() {
            return Ok(out);
        }
        let mut q = Sql::new(&format!("SELECT {CONSULTATION_COLUMNS} FROM request_consultations WHERE request_id IN "));
        q.bind_list(request_ids.iter().copied());
        q.push(" ORDER BY id");
        for row in q.query().fetch_all(&self.pool).await? {
            let c = consultation_from_row(&row)?;
            out.entry(c.request_id).or_default().push(c);
        }
        Ok(out)
    }

    pub async fn consultation(&self, id: i64) -> Result<Option<Consultation>> {
        let sql = format!("SELECT {CONSULTATION_COLUMNS} FROM request_consultations WHERE id = $1");
        self.row_by_id(&sql, id, consultation_from_row).await
    }

    /// One row by its id, mapped; for the small lookups of this module.
    async fn row_by_id<T>(&self, sql: &str, id: i64, map: fn(&AnyRow) -> Result<T>) -> Result<Option<T>> {
        let row = sqlx::query(sql).bind(id).fetch_optional(&self.pool).await?;
        row.as_ref().map(map).transpose()
    }

    /// The coordination queue of `unit_ids`: what other units asked them, unanswered first.
    pub async fn coordinations_for(&self, unit_ids: &[i64], open_only: bool) -> Result<Vec<Consultation>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(&format!(
            "SELECT {CONSULTATION_COLUMNS} FROM request_consultations WHERE kind = 'coordination' AND target_unit_id IN "
        ));
        q.bind_list(unit_ids.iter().copied());
        if open_only {
            q.push(" AND answered_on IS NULL");
        }
        q.push(" ORDER BY CASE WHEN answered_on IS NULL THEN 0 ELSE 1 END, due_on, id DESC LIMIT 500");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter().map(consultation_from_row).collect()
    }

    pub async fn request_files(&self, request_id: i64) -> Result<Vec<RequestFile>> {
        let rows = sqlx::query(&format!("SELECT {FILE_COLUMNS} FROM request_files WHERE request_id = $1 ORDER BY id"))
            .bind(request_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(file_from_row).collect()
    }

    pub async fn request_file(&self, id: i64) -> Result<Option<RequestFile>> {
        self.row_by_id(&format!("SELECT {FILE_COLUMNS} FROM request_files WHERE id = $1"), id, file_from_row).await
    }

    pub async fn review_cases(&self, unit_ids: &[i64], year: Option<i32>) -> Result<Vec<ReviewCase>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(&format!("SELECT {REVIEW_COLUMNS} FROM review_cases WHERE unit_id IN "));
        q.bind_list(unit_ids.iter().copied());
        if let Some(y) = year {
            q.push(" AND filed_on >= ").bind(format!("{y}-01-01")).push(" AND filed_on <= ").bind(format!("{y}-12-31"));
        }
        q.push(" ORDER BY filed_on DESC, id DESC");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter().map(review_from_row).collect()
    }

    pub async fn review_case(&self, id: i64) -> Result<Option<ReviewCase>> {
        self.row_by_id(&format!("SELECT {REVIEW_COLUMNS} FROM review_cases WHERE id = $1"), id, review_from_row).await
    }

    /// Table 四's counts for the units and year, by kind and result.
    pub async fn review_counts(&self, unit_ids: &[i64], year: i32) -> Result<Vec<ReviewCount>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new("SELECT kind, result, COUNT(*) AS n FROM review_cases WHERE unit_id IN ");
        q.bind_list(unit_ids.iter().copied());
        q.push(" AND filed_on >= ")
            .bind(format!("{year}-01-01"))
            .push(" AND filed_on <= ")
            .bind(format!("{year}-12-31"));
        q.push(" GROUP BY kind, result");
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "review_cases");
                Ok(ReviewCount {
                    kind: r.code("kind", ReviewKind::from_code)?,
                    result: r.code("result", ReviewResult::from_code)?,
                    count: r.count("n")?,
                })
            })
            .collect()
    }

    /// Table 三's counts for the units and year, by applicant type (and outcome), in one pass
    /// over the cases that matter to the year (received by its end and not closed before its
    /// start), so that a city's report over a million cases stays well under a second or two.
    pub async fn request_counts(&self, unit_ids: &[i64], year: i32) -> Result<RequestCounts> {
        if unit_ids.is_empty() {
            return Ok(RequestCounts::default());
        }
        let mut q = Sql::default();
        let (first, last) = (q.param(format!("{year}-01-01")), q.param(format!("{year}-12-31")));
        // "Not closed before the year" is written without OR: SQLite plans an OR over two
        // index ranges per unit, four times slower for a city's report than reading the table.
        q.push(&format!(
            "SELECT applicant_type, outcome, \
             SUM(CASE WHEN received_on >= {first} THEN 1 ELSE 0 END) AS new, \
             SUM(CASE WHEN received_on < {first} THEN 1 ELSE 0 END) AS carried_over, \
             SUM(CASE WHEN closed_on <= {last} THEN 1 ELSE 0 END) AS replied, \
             SUM(CASE WHEN closed_on IS NULL OR closed_on > {last} THEN 1 ELSE 0 END) AS carried_forward \
             FROM requests WHERE received_on IS NOT NULL AND received_on <= {last} \
             AND COALESCE(closed_on, '9999-12-31') >= {first} AND unit_id IN "
        ));
        q.bind_list(unit_ids.iter().copied());
        q.push(" GROUP BY applicant_type, outcome");
        let rows = q.query().fetch_all(&self.pool).await?;
        // By code, so that the rows keep the order they had.
        let mut by_type: std::collections::BTreeMap<&'static str, (ApplicantType, [u64; 3])> =
            std::collections::BTreeMap::new();
        let mut out = RequestCounts::default();
        for r in &rows {
            let r = Named::new(r, "requests");
            let applicant_type = r.code("applicant_type", ApplicantType::parse)?;
            let outcome = r.code_opt("outcome", Outcome::parse)?;
            let (new, carried_over, replied, carried_forward) =
                (r.count("new")?, r.count("carried_over")?, r.count("replied")?, r.count("carried_forward")?);
            let (_, sums) = by_type.entry(applicant_type.code()).or_insert((applicant_type, [0; 3]));
            sums[0] += new;
            sums[1] += carried_over;
            sums[2] += carried_forward;
            if replied > 0 {
                // A case closed in the year without an outcome cannot be counted in table 三.
                let outcome = outcome.ok_or_else(|| StoreError::Stored {
                    table: "requests",
                    column: "outcome".into(),
                    value: "NULL".into(),
                })?;
                out.replied.push(OutcomeCount { applicant_type, outcome, count: replied });
            }
        }
        for (applicant_type, [new, carried_over, carried_forward]) in by_type.into_values() {
            out.new.push(ApplicantCount { applicant_type, count: new });
            out.carried_over.push(ApplicantCount { applicant_type, count: carried_over });
            out.carried_forward.push(ApplicantCount { applicant_type, count: carried_forward });
        }
        Ok(out)
    }

    /// Counts for table 二's first item: 规章 and 行政规范性文件 of the units issued, repealed
    /// (or expired) in the year, and in force at its end, from published documents.
    pub async fn regulation_counts(&self, unit_ids: &[i64], year: i32) -> Result<Vec<RegulationCount>> {
        if unit_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::default();
        let (first, last) = (q.param(format!("{year}-01-01")), q.param(format!("{year}-12-31")));
        q.push(&format!(
            "SELECT genre, \
             SUM(CASE WHEN written_on >= {first} AND written_on <= {last} THEN 1 ELSE 0 END) AS issued, \
             SUM(CASE WHEN validity <> 'valid' AND validity_on >= {first} AND validity_on <= {last} THEN 1 ELSE 0 END) AS repealed, \
             SUM(CASE WHEN written_on <= {last} AND (validity = 'valid' OR validity_on IS NULL OR validity_on > {last}) THEN 1 ELSE 0 END) AS in_force \
             FROM documents WHERE live_version > 0 AND withdrawal IS NULL AND genre IN ('regulation', 'normative') AND unit_id IN "
        ));
        q.bind_list(unit_ids.iter().copied());
        q.push(" GROUP BY genre");
        let query = q.query();
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let r = Named::new(r, "documents");
                Ok(RegulationCount {
                    genre: r.code("genre", Genre::from_code)?,
                    issued: r.count("issued")?,
                    repealed: r.count("repealed")?,
                    in_force: r.count("in_force")?,
                })
            })
            .collect()
    }

    /// An administrator's version of a letter template, if any.
    pub async fn letter_template(&self, key: &str) -> Result<Option<LetterTemplate>> {
        let row = sqlx::query("SELECT body, updated_at, updated_by FROM letter_templates WHERE template_key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let r = Named::new(&r, "letter_templates");
            Ok(LetterTemplate {
                body: r.get("body")?,
                updated_at: r.instant("updated_at")?,
                updated_by: r.get("updated_by")?,
            })
        })
        .transpose()
    }

    /// The stored annual-report text of a unit and year, with the document that publishes it
    /// and, when that document was published, the day it went online; one statement.
    pub async fn annual_report_meta(&self, unit_id: i64, year: i32) -> Result<Option<AnnualReportMeta>> {
        let row = sqlx::query(
            "SELECT a.sections, a.manual, a.document_id, \
             CASE WHEN v.document_id IS NULL THEN NULL ELSE d.published_on END AS published_on \
             FROM annual_reports a LEFT JOIN documents d ON d.id = a.document_id \
             LEFT JOIN document_versions v ON v.document_id = d.id AND v.version = d.live_version \
             WHERE a.unit_id = $1 AND a.year = $2",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            let r = Named::new(&r, "annual_reports");
            Ok(AnnualReportMeta {
                sections: r.get("sections")?,
                manual: r.get("manual")?,
                document_id: r.get("document_id")?,
                published_on: r.date_opt("published_on")?,
            })
        })
        .transpose()
    }

    /// Of the documents a reply points to, those that were published (withdrawn ones
    /// included, as `public_document` finds them), in the order of `ids`; one statement.
    pub async fn reply_documents(&self, ids: &[i64]) -> Result<Vec<ReplyDocument>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = Sql::new(
            "SELECT d.id, v.title, d.index_no FROM documents d \
             JOIN document_versions v ON v.document_id = d.id AND v.version = d.live_version WHERE d.id IN ",
        );
        q.bind_list(ids.iter().copied());
        let rows = q.query().fetch_all(&self.pool).await?;
        let found: std::collections::HashMap<i64, ReplyDocument> = rows
            .iter()
            .map(|r| {
                let r = Named::new(r, "documents");
                let id: i64 = r.get("id")?;
                let index_no: Option<String> = r.get("index_no")?;
                Ok((id, ReplyDocument { id, title: r.get("title")?, index_no: index_no.unwrap_or_default() }))
            })
            .collect::<Result<_>>()?;
        Ok(ids.iter().filter_map(|id| found.get(id).cloned()).collect())
    }

    /// For the units given, when their annual report of `year` went online: the publication
    /// day of the document linked to the report, for the units whose linked document was
    /// published (withdrawn ones included, as `public_document` finds them); one statement.
    pub async fn annual_reports_published(
        &self,
        unit_ids: &[i64],
        year: i32,
    ) -> Result<std::collections::HashMap<i64, NaiveDate>> {
        if unit_ids.is_empty() {
            return Ok(Default::default());
        }
        let mut q = Sql::new(
            "SELECT a.unit_id, d.published_on FROM annual_reports a JOIN documents d ON d.id = a.document_id \
             JOIN document_versions v ON v.document_id = d.id AND v.version = d.live_version WHERE a.year = ",
        );
        q.bind(i64::from(year)).push(" AND a.unit_id IN ").bind_list(unit_ids.iter().copied());
        let rows = q.query().fetch_all(&self.pool).await?;
        // A live document has its publication day; one without would be no publication.
        rows.iter()
            .filter_map(|r| {
                let r = Named::new(r, "documents");
                match (r.get::<i64>("unit_id"), r.date_opt("published_on")) {
                    (Ok(unit), Ok(Some(on))) => Some(Ok((unit, on))),
                    (Ok(_), Ok(None)) => None,
                    (Err(e), _) | (_, Err(e)) => Some(Err(e)),
                }
            })
            .collect()
    }

    /// Marks the nonce of a challenge as answered; `false` when it was answered before (also by
    /// another node, or by a concurrent request: the primary key lets only one insert in).
    /// Nonces of expired challenges are cleared on the way, so the table holds no more than
    /// the challenges answered within one lifetime.
    pub async fn challenge_nonce_use(&self, nonce: &str, expires_at: &str) -> Result<bool> {
        sqlx::query("DELETE FROM challenge_nonces WHERE expires_at < $1")
            .bind(crate::now_text())
            .execute(&self.pool)
            .await?;
        let done = sqlx::query(
            "INSERT INTO challenge_nonces (nonce, expires_at) VALUES ($1, $2) ON CONFLICT (nonce) DO NOTHING",
        )
        .bind(nonce)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn server_key_stored(&self, name: &str) -> Result<Option<String>> {
        let row =
            sqlx::query("SELECT value FROM server_keys WHERE name = $1").bind(name).fetch_optional(&self.pool).await?;
        Ok(row.map(|r| r.try_get::<String, _>("value")).transpose()?)
    }

    /// A key every node shares (such as the one that signs challenges), stored on first use:
    /// `make` gives a new one when none is stored; when two nodes make one at once, the first
    /// stored wins and both use it.
    pub async fn server_key(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        if let Some(v) = self.server_key_stored(name).await? {
            return Ok(v);
        }
        sqlx::query(
            "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(make())
        .bind(crate::now_text())
        .execute(&self.pool)
        .await?;
        self.server_key_stored(name)
            .await?
            .ok_or_else(|| crate::StoreError::Other(format!("server key {name} not stored")))
    }
}

fn bind_value<'q>(
    q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    v: crate::sql::Value,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match v {
        crate::sql::Value::Int(i) => q.bind(i),
        crate::sql::Value::Text(s) => q.bind(s),
    }
}

/// A new case, as the form or a handler gave it.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub unit_id: i64,
    pub channel: Channel,
    pub applicant_type: ApplicantType,
    pub applicant: Applicant,
    pub description: String,
    pub provision_form: ProvisionForm,
    pub delivery: Delivery,
    pub state: RequestState,
    pub received_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub handler_id: Option<i64>,
}

impl Writer {
    /// Stores a new case under `tracking_no`; `Ok(None)` when that number is taken (the caller
    /// draws another).
    pub async fn request_insert(&mut self, n: &NewRequest, tracking_no: &str, code_hash: &str) -> Result<Option<i64>> {
        let now = crate::now_text();
        let taken = sqlx::query("SELECT 1 FROM requests WHERE tracking_no = $1")
            .bind(tracking_no)
            .fetch_optional(self.conn())
            .await?
            .is_some();
        if taken {
            return Ok(None);
        }
        let row = sqlx::query(
            "INSERT INTO requests (tracking_no, code_hash, unit_id, channel, applicant_type, applicant, description, \
             provision_form, delivery, state, submitted_at, received_on, due_on, handler_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $11, $11) RETURNING id",
        )
        .bind(tracking_no)
        .bind(code_hash)
        .bind(n.unit_id)
        .bind(n.channel.code())
        .bind(n.applicant_type.code())
        .bind(json(&n.applicant))
        .bind(&n.description)
        .bind(n.provision_form.code())
        .bind(n.delivery.code())
        .bind(n.state.code())
        .bind(&now)
        .bind(text_date(n.received_on))
        .bind(text_date(n.due_on))
        .bind(n.handler_id)
        .fetch_one(self.conn())
        .await?;
        Ok(Some(row.try_get("id")?))
    }

    /// Reads a case inside this write; the audit head lock taken at the start of the write
    /// serialises writers, so what is read here is what the save overwrites.
    pub async fn request_lock(&mut self, id: i64) -> Result<Request> {
        request_in(self.conn(), "id = ", id).await?.ok_or(StoreError::NotFound("申请"))
    }

    /// Writes back every changeable column of a case.
    pub async fn request_save(&mut self, r: &Request) -> Result<()> {
        sqlx::query(
            "UPDATE requests SET state = $1, received_on = $2, clarification_requested_on = $3, \
             clarification_received_on = $4, extension_days = $5, excessive_due_on = $6, due_on = $7, handler_id = $8, \
             drafter_id = $9, approver_id = $10, outcome = $11, reply = $12, replied_on = $13, closed_on = $14, \
             fee_yuan = $15, fee_noticed_on = $16, fee_paid_on = $17, updated_at = $18 WHERE id = $19",
        )
        .bind(r.state.code())
        .bind(text_date(r.received_on))
        .bind(text_date(r.clarification_requested_on))
        .bind(text_date(r.clarification_received_on))
        .bind(i64::from(r.extension_days))
        .bind(text_date(r.excessive_due_on))
        .bind(text_date(r.due_on))
        .bind(r.handler_id)
        .bind(r.drafter_id)
        .bind(r.approver_id)
        .bind(r.outcome.map(|o| o.code()))
        .bind(json(&r.reply))
        .bind(text_date(r.replied_on))
        .bind(text_date(r.closed_on))
        .bind(r.fee_yuan)
        .bind(text_date(r.fee_noticed_on))
        .bind(text_date(r.fee_paid_on))
        .bind(crate::now_text())
        .bind(r.id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Appends to a case's timeline: the kind and its facts, and the note people read, written
    /// from them (`gongkai_domain::request_events::note`).
    pub async fn request_event(
        &mut self,
        request_id: i64,
        kind: EventKind,
        on_date: NaiveDate,
        public: bool,
        details: &EventDetails,
    ) -> Result<()> {
        let (actor_id, actor_name) = (self.actor().user_id, self.actor().name.clone());
        sqlx::query(
            "INSERT INTO request_events (request_id, at, on_date, kind, actor_id, actor_name, public, note, details) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(request_id)
        .bind(crate::now_text())
        .bind(on_date.to_string())
        .bind(kind.code())
        .bind(actor_id)
        .bind(actor_name)
        .bind(i64::from(public))
        .bind(gongkai_domain::request_events::note(kind, details))
        .bind(details.to_json())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    #[expect(clippy::too_many_arguments, reason = "one argument per column of the row it inserts")]
    pub async fn consultation_insert(
        &mut self,
        request_id: i64,
        kind: ConsultationKind,
        target_unit_id: Option<i64>,
        third_party: &str,
        question: &str,
        sent_on: NaiveDate,
        due_on: NaiveDate,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO request_consultations (request_id, kind, target_unit_id, third_party, question, sent_on, due_on, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(request_id)
        .bind(kind.code())
        .bind(target_unit_id)
        .bind(third_party)
        .bind(question)
        .bind(sent_on.to_string())
        .bind(due_on.to_string())
        .bind(crate::now_text())
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Records an answer; `false` when the consultation was answered already.
    pub async fn consultation_answer(&mut self, id: i64, on: NaiveDate, answer: &str) -> Result<bool> {
        let by = self.actor().user_id;
        let done = sqlx::query(
            "UPDATE request_consultations SET answered_on = $1, answer = $2, answered_by = $3 WHERE id = $4 AND answered_on IS NULL",
        )
        .bind(on.to_string())
        .bind(answer)
        .bind(by)
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn consultations_of(&mut self, request_id: i64) -> Result<Vec<Consultation>> {
        consultations_in(self.conn(), request_id).await
    }

    #[expect(clippy::too_many_arguments, reason = "one argument per column of the row it inserts")]
    pub async fn request_file_insert(
        &mut self,
        request_id: i64,
        role: FileRole,
        name: &str,
        content_type: &str,
        size: i64,
        sha256: &str,
        public: bool,
    ) -> Result<i64> {
        let row = sqlx::query(
            "INSERT INTO request_files (request_id, role, name, content_type, size, sha256, public, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(request_id)
        .bind(role.code())
        .bind(name)
        .bind(content_type)
        .bind(size)
        .bind(sha256)
        .bind(i64::from(public))
        .bind(crate::now_text())
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    /// Makes the case's provided files and letters downloadable by the applicant (on 审签).
    pub async fn request_files_publish(&mut self, request_id: i64) -> Result<()> {
        sqlx::query("UPDATE request_files SET public = 1 WHERE request_id = $1 AND role IN ('provided', 'letter')")
            .bind(request_id)
            .execute(self.conn())
            .await?;
        Ok(())
    }

    pub async fn request_file_delete(&mut self, id: i64) -> Result<bool> {
        let done = sqlx::query(
            "DELETE FROM request_files WHERE id = $1 AND public = 0 AND role NOT IN ('identity_proof', 'correction')",
        )
        .bind(id)
        .execute(self.conn())
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn review_case_insert(&mut self, c: &ReviewCase) -> Result<i64> {
        let now = crate::now_text();
        let row = sqlx::query(
            "INSERT INTO review_cases (unit_id, request_id, kind, result, filed_on, decided_on, authority, note, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
        )
        .bind(c.unit_id)
        .bind(c.request_id)
        .bind(c.kind.code())
        .bind(c.result.code())
        .bind(c.filed_on.to_string())
        .bind(text_date(c.decided_on))
        .bind(&c.authority)
        .bind(&c.note)
        .bind(now)
        .fetch_one(self.conn())
        .await?;
        Ok(row.try_get("id")?)
    }

    pub async fn review_case_update(&mut self, c: &ReviewCase) -> Result<()> {
        sqlx::query(
            "UPDATE review_cases SET kind = $1, result = $2, filed_on = $3, decided_on = $4, authority = $5, note = $6, \
             updated_at = $7 WHERE id = $8",
        )
        .bind(c.kind.code())
        .bind(c.result.code())
        .bind(c.filed_on.to_string())
        .bind(text_date(c.decided_on))
        .bind(&c.authority)
        .bind(&c.note)
        .bind(crate::now_text())
        .bind(c.id)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    pub async fn letter_template_put(&mut self, key: &str, body: &str) -> Result<()> {
        let by = self.actor().name.clone();
        sqlx::query(
            "INSERT INTO letter_templates (template_key, body, updated_at, updated_by) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (template_key) DO UPDATE SET body = $2, updated_at = $3, updated_by = $4",
        )
        .bind(key)
        .bind(body)
        .bind(crate::now_text())
        .bind(by)
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Goes back to the shipped template; `false` when it was not changed.
    pub async fn letter_template_reset(&mut self, key: &str) -> Result<bool> {
        let done =
            sqlx::query("DELETE FROM letter_templates WHERE template_key = $1").bind(key).execute(self.conn()).await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn annual_report_put(&mut self, unit_id: i64, year: i32, sections: &str, manual: &str) -> Result<()> {
        sqlx::query(
            "INSERT INTO annual_reports (unit_id, year, sections, manual, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (unit_id, year) DO UPDATE SET sections = $3, manual = $4, updated_at = $5",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .bind(sections)
        .bind(manual)
        .bind(crate::now_text())
        .execute(self.conn())
        .await?;
        Ok(())
    }

    /// Links the document that publishes the report; whether it is published is the
    /// document's own state.
    pub async fn annual_report_document(&mut self, unit_id: i64, year: i32, document_id: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO annual_reports (unit_id, year, document_id, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (unit_id, year) DO UPDATE SET document_id = $3, updated_at = $4",
        )
        .bind(unit_id)
        .bind(i64::from(year))
        .bind(document_id)
        .bind(crate::now_text())
        .execute(self.conn())
        .await?;
        Ok(())
    }
}
