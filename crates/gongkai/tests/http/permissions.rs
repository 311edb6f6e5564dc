//! The permission matrix: every console and API route × every role × a target in the user's
//! own unit, in another unit, and anonymous. The expected answers are written out here, route
//! by route, from the rules in the issue — not computed by the code under test.

use crate::common;
use common::{App, Session, client, csrf_in, location};
use gongkai_domain::staff::Role;
use gongkai_store::units::UnitFilter;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    /// The route has no unit: the user's own scope is all there is.
    None,
    Own,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Anyone,
    /// No one: tokens are made by their own user only (finding 9), administrators included.
    Nobody,
    /// System administrators anywhere, unit administrators in their own subtree.
    UnitAdmins,
    /// As `UnitAdmins`, and evaluators (the disclosure office) for reading.
    Supervisors,
    SystemAdmins,
    /// Staff who work with documents: editors, reviewers, unit administrators, evaluators.
    DocumentViewers,
    Editors,
    /// Review documents: reviewers (and system administrators).
    Reviewers,
    /// Read applications: request handlers, unit administrators and evaluators.
    RequestViewers,
    /// Handle applications: request handlers.
    Handlers,
    /// Approve replies (审签) and write the annual report: request handlers and unit administrators.
    Approvers,
}

fn expected(who: Who, role: Role, target: Target) -> bool {
    let own = target != Target::Other;
    match who {
        Who::Anyone => true,
        Who::Nobody => false,
        Who::SystemAdmins => role == Role::SystemAdmin,
        Who::UnitAdmins => role == Role::SystemAdmin || (role == Role::UnitAdmin && own),
        Who::Supervisors => role == Role::SystemAdmin || (matches!(role, Role::UnitAdmin | Role::Evaluator) && own),
        Who::DocumentViewers => {
            role == Role::SystemAdmin
                || (matches!(role, Role::Editor | Role::Reviewer | Role::UnitAdmin | Role::Evaluator) && own)
        }
        Who::Editors => role == Role::SystemAdmin || (role == Role::Editor && own),
        Who::Reviewers => role == Role::SystemAdmin || (role == Role::Reviewer && own),
        Who::RequestViewers => {
            role == Role::SystemAdmin
                || (matches!(role, Role::RequestHandler | Role::UnitAdmin | Role::Evaluator) && own)
        }
        Who::Handlers => role == Role::SystemAdmin || (role == Role::RequestHandler && own),
        Who::Approvers => role == Role::SystemAdmin || (matches!(role, Role::RequestHandler | Role::UnitAdmin) && own),
    }
}

/// How a refusal looks.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hide {
    /// 403.
    No,
    /// The route names a case: who may not read the case gets a 404, as if it did not exist,
    /// so case numbers reveal nothing; who may read it but not do this gets a 403.
    Case,
    /// A coordination asked of another unit is a 404; of one's own unit, a 403.
    Outside,
}

/// The status of a refused request.
fn refusal(hide: Hide, role: Role, target: Target) -> u16 {
    match hide {
        Hide::No => 403,
        Hide::Case if expected(Who::RequestViewers, role, target) => 403,
        Hide::Case => 404,
        Hide::Outside if target == Target::Other => 404,
        Hide::Outside => 403,
    }
}

/// What came back: the request got past authorisation, or was refused with this status.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    Allowed,
    Refused(u16),
    /// Neither: a failure whatever was expected.
    Unexpected(u16),
}

fn want(who: Who, hide: Hide, role: Role, target: Target) -> Answer {
    if expected(who, role, target) { Answer::Allowed } else { Answer::Refused(refusal(hide, role, target)) }
}

#[derive(Debug, Clone, Copy)]
enum R {
    Dashboard,
    Account,
    AccountPassword,
    Tokens,
    TokensOf,
    TokenCreateFor,
    TokenRevoke,
    Users,
    UserNew,
    UserCreate,
    UserEdit,
    UserSave,
    UserPassword,
    Units,
    UnitNew,
    UnitCreate,
    UnitEdit,
    UnitSave,
    UnitMove,
    UnitClose,
    Calendar,
    CalendarYear,
    CalendarDay,
    CalendarClear,
    CalendarDelete,
    Audit,
    AuditVerify,
    Documents,
    DocumentNew,
    Reviews,
    Interpretable,
    DocumentCreate,
    Catalogue,
    CatalogueUnit,
    CatalogueItemAdd,
    Columns,
    ColumnCreate,
    WordLists,
    Requests,
    RequestsOfUnit,
    RequestExport,
    RequestExportOfUnit,
    RequestNew,
    RequestRegister,
    Case,
    CaseWithApplicant,
    CaseExtend,
    CaseApprove,
    CaseUpload,
    CaseFile,
    CaseLetter,
    Coordinations,
    CoordinationAnswer,
    AnnualReport,
    AnnualReportSave,
    AnnualReportDocument,
    ReviewCases,
    ReviewCaseAdd,
    ReviewCaseUpdate,
    LetterTemplates,
    LetterTemplate,
    LetterTemplateSave,
    LetterTemplateReset,
}

/// Console routes: (route, who may, whether it takes a target unit).
const CONSOLE: &[(R, Who, bool)] = &[
    (R::Dashboard, Who::Anyone, false),
    (R::Account, Who::Anyone, false),
    (R::AccountPassword, Who::Anyone, false),
    (R::Tokens, Who::Anyone, false),
    (R::TokensOf, Who::UnitAdmins, true),
    (R::TokenCreateFor, Who::Nobody, true),
    (R::TokenRevoke, Who::UnitAdmins, true),
    (R::Users, Who::UnitAdmins, false),
    (R::UserNew, Who::UnitAdmins, false),
    (R::UserCreate, Who::UnitAdmins, true),
    (R::UserEdit, Who::UnitAdmins, true),
    (R::UserSave, Who::UnitAdmins, true),
    (R::UserPassword, Who::UnitAdmins, true),
    (R::Units, Who::UnitAdmins, false),
    (R::UnitNew, Who::SystemAdmins, false),
    (R::UnitCreate, Who::SystemAdmins, true),
    (R::UnitEdit, Who::UnitAdmins, true),
    (R::UnitSave, Who::UnitAdmins, true),
    (R::UnitMove, Who::SystemAdmins, true),
    (R::UnitClose, Who::SystemAdmins, true),
    (R::Calendar, Who::SystemAdmins, false),
    (R::CalendarYear, Who::SystemAdmins, false),
    (R::CalendarDay, Who::SystemAdmins, false),
    (R::CalendarClear, Who::SystemAdmins, false),
    (R::CalendarDelete, Who::SystemAdmins, false),
    (R::Audit, Who::Supervisors, false),
    (R::AuditVerify, Who::SystemAdmins, false),
    (R::Documents, Who::DocumentViewers, false),
    (R::DocumentNew, Who::Editors, false),
    (R::Reviews, Who::Reviewers, false),
    (R::Interpretable, Who::DocumentViewers, false),
    (R::DocumentCreate, Who::Editors, true),
    (R::Catalogue, Who::Supervisors, false),
    (R::CatalogueUnit, Who::Supervisors, true),
    (R::CatalogueItemAdd, Who::Supervisors, true),
    (R::Columns, Who::UnitAdmins, false),
    (R::ColumnCreate, Who::UnitAdmins, true),
    (R::WordLists, Who::SystemAdmins, false),
    (R::Requests, Who::RequestViewers, false),
    (R::RequestsOfUnit, Who::RequestViewers, true),
    // The register with the applicants' details: unit administrators only.
    (R::RequestExport, Who::UnitAdmins, false),
    (R::RequestExportOfUnit, Who::UnitAdmins, true),
    (R::RequestNew, Who::Handlers, false),
    (R::RequestRegister, Who::Handlers, true),
    (R::Case, Who::RequestViewers, true),
    (R::CaseWithApplicant, Who::RequestViewers, true),
    (R::CaseExtend, Who::Handlers, true),
    (R::CaseApprove, Who::Approvers, true),
    (R::CaseUpload, Who::Handlers, true),
    (R::CaseFile, Who::RequestViewers, true),
    (R::CaseLetter, Who::Handlers, true),
    (R::Coordinations, Who::Handlers, false),
    (R::CoordinationAnswer, Who::Handlers, true),
    (R::AnnualReport, Who::RequestViewers, true),
    (R::AnnualReportSave, Who::Approvers, true),
    (R::AnnualReportDocument, Who::Approvers, true),
    (R::ReviewCases, Who::RequestViewers, false),
    // The console registers review cases for the user's own unit only.
    (R::ReviewCaseAdd, Who::Handlers, false),
    (R::ReviewCaseUpdate, Who::Handlers, true),
    (R::LetterTemplates, Who::SystemAdmins, false),
    (R::LetterTemplate, Who::SystemAdmins, false),
    (R::LetterTemplateSave, Who::SystemAdmins, false),
    (R::LetterTemplateReset, Who::SystemAdmins, false),
];

fn console_hides(r: R) -> Hide {
    match r {
        R::Case
        | R::CaseWithApplicant
        | R::CaseExtend
        | R::CaseApprove
        | R::CaseUpload
        | R::CaseFile
        | R::CaseLetter => Hide::Case,
        R::CoordinationAnswer => Hide::Outside,
        _ => Hide::No,
    }
}

#[derive(Debug, Clone, Copy)]
enum A {
    Me,
    Users,
    UserCreate,
    UserGet,
    UserPatch,
    UserPassword,
    Tokens,
    TokensOf,
    TokenCreate,
    TokenCreateFor,
    TokenRevoke,
    UnitCreate,
    UnitPatchContacts,
    UnitPatchName,
    UnitMove,
    UnitClose,
    CalendarPut,
    CalendarDelete,
    CalendarDay,
    CalendarClear,
    Audit,
    AuditVerify,
    StaffDocuments,
    StaffDocumentCreate,
    Flags,
    CatalogueItemAdd,
    ColumnCreate,
    WordLists,
    Requests,
    RequestsOfUnit,
    RequestExport,
    RequestExportOfUnit,
    RequestRegister,
    Case,
    CaseExtend,
    CaseApprove,
    CaseUpload,
    CaseFile,
    CaseLetter,
    Coordinations,
    CoordinationAnswer,
    LetterTemplates,
    LetterTemplatePut,
    LetterTemplateReset,
    AnnualReportPut,
    AnnualReportDocument,
    ReviewCases,
    ReviewCaseCreate,
    ReviewCaseUpdate,
}

const API: &[(A, Who, bool)] = &[
    (A::Me, Who::Anyone, false),
    (A::Users, Who::UnitAdmins, false),
    (A::UserCreate, Who::UnitAdmins, true),
    (A::UserGet, Who::UnitAdmins, true),
    (A::UserPatch, Who::UnitAdmins, true),
    (A::UserPassword, Who::UnitAdmins, true),
    (A::Tokens, Who::Anyone, false),
    (A::TokensOf, Who::UnitAdmins, true),
    (A::TokenCreate, Who::Anyone, false),
    (A::TokenCreateFor, Who::Nobody, true),
    (A::TokenRevoke, Who::UnitAdmins, true),
    (A::UnitCreate, Who::SystemAdmins, true),
    (A::UnitPatchContacts, Who::UnitAdmins, true),
    (A::UnitPatchName, Who::SystemAdmins, true),
    (A::UnitMove, Who::SystemAdmins, true),
    (A::UnitClose, Who::SystemAdmins, true),
    (A::CalendarPut, Who::SystemAdmins, false),
    (A::CalendarDelete, Who::SystemAdmins, false),
    (A::CalendarDay, Who::SystemAdmins, false),
    (A::CalendarClear, Who::SystemAdmins, false),
    (A::Audit, Who::Supervisors, false),
    (A::AuditVerify, Who::SystemAdmins, false),
    (A::StaffDocuments, Who::DocumentViewers, false),
    (A::StaffDocumentCreate, Who::Editors, true),
    (A::Flags, Who::DocumentViewers, true),
    (A::CatalogueItemAdd, Who::Supervisors, true),
    (A::ColumnCreate, Who::UnitAdmins, true),
    (A::WordLists, Who::SystemAdmins, false),
    (A::Requests, Who::RequestViewers, false),
    (A::RequestsOfUnit, Who::RequestViewers, true),
    (A::RequestExport, Who::UnitAdmins, false),
    (A::RequestExportOfUnit, Who::UnitAdmins, true),
    (A::RequestRegister, Who::Handlers, true),
    (A::Case, Who::RequestViewers, true),
    (A::CaseExtend, Who::Handlers, true),
    (A::CaseApprove, Who::Approvers, true),
    (A::CaseUpload, Who::Handlers, true),
    (A::CaseFile, Who::RequestViewers, true),
    (A::CaseLetter, Who::Handlers, true),
    (A::Coordinations, Who::Handlers, false),
    (A::CoordinationAnswer, Who::Handlers, true),
    (A::LetterTemplates, Who::SystemAdmins, false),
    (A::LetterTemplatePut, Who::SystemAdmins, false),
    (A::LetterTemplateReset, Who::SystemAdmins, false),
    (A::AnnualReportPut, Who::Approvers, true),
    (A::AnnualReportDocument, Who::Approvers, true),
    (A::ReviewCases, Who::RequestViewers, false),
    (A::ReviewCaseCreate, Who::Handlers, true),
    (A::ReviewCaseUpdate, Who::Handlers, true),
];

fn api_hides(a: A) -> Hide {
    match a {
        A::Case | A::CaseExtend | A::CaseApprove | A::CaseUpload | A::CaseFile | A::CaseLetter => Hide::Case,
        A::CoordinationAnswer => Hide::Outside,
        _ => Hide::No,
    }
}

/// The report year the matrix writes.
const YEAR: i32 = 2026;

fn yesterday() -> chrono::NaiveDate {
    gongkai_domain::time::date_in_china(chrono::Utc::now()) - chrono::Duration::days(1)
}

/// An application received in person yesterday, as the fields of a registration.
fn registration(unit_id: i64) -> Vec<(String, String)> {
    [
        ("unit_id", unit_id.to_string()),
        ("channel", "in_person".into()),
        ("received_on", yesterday().to_string()),
        ("applicant_type", "person".into()),
        ("name", "王建国".into()),
        ("id_type", "citizen_id".into()),
        ("id_number", "11010519491231002X".into()),
        ("phone", "13905310000".into()),
        ("email", "wangjg@example.com".into()),
        ("description", "2025年度医疗保险基金收支情况".into()),
        ("provision_form", "electronic".into()),
        ("delivery", "email".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn registration_json(unit_id: i64) -> Value {
    Value::Object(registration(unit_id).into_iter().map(|(k, v)| (k, Value::String(v))).collect())
}

/// The extension letter's shipped text with a word changed.
fn changed_template() -> String {
    let key = gongkai_domain::reply_letter::TemplateKey::parse("extension").unwrap();
    let text = gongkai_domain::reply_letter::default_template(key);
    let changed = text.replacen("答复期限延长", "答复期限依法延长", 1);
    assert_ne!(changed, text);
    changed
}

fn report_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("overall", "本年度认真贯彻落实《中华人民共和国政府信息公开条例》。"),
        ("problems", "公开的及时性有待提高。"),
        ("other", "无。"),
        ("licensing", "12"),
        ("penalty", "3"),
        ("enforcement", "0"),
        ("fees_wan_yuan", "1.5"),
    ]
}

/// A review case decided yesterday.
fn review_fields() -> Value {
    json!({
        "kind": "review", "result": "upheld", "filed_on": yesterday().to_string(),
        "decided_on": yesterday().to_string(), "authority": "济南市人民政府",
    })
}

/// Calls the API as the system administrator, to set cases up; expects success.
async fn as_admin(app: &App, admin: &str, method: Method, path: &str, body: Value) -> Value {
    let res = app.api_json(method.clone(), admin, path, body).await;
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{method} {path} -> {status}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// Registers an application (in progress since yesterday) to `unit_id`; returns its number.
async fn register_case(app: &App, admin: &str, unit_id: i64) -> i64 {
    let ack = as_admin(app, admin, Method::POST, "/api/v1/staff/requests", registration_json(unit_id)).await;
    app.store.request_by_tracking_no(ack["tracking_no"].as_str().unwrap()).await.unwrap().unwrap().id
}

struct Ctx {
    app: App,
    /// Unit A (the acting users' unit) and unit B.
    unit: [i64; 2],
    /// A member of staff in each unit, as the object of user routes.
    staff: [i64; 2],
    counter: std::sync::atomic::AtomicU32,
    /// The system administrator's API token, to set cases up.
    admin: String,
    /// An application in progress in each unit, with a file of the information provided.
    case: [i64; 2],
    case_file: [i64; 2],
    /// A review case of each unit.
    review: [i64; 2],
}

impl Ctx {
    fn idx(target: Target) -> usize {
        if target == Target::Other { 1 } else { 0 }
    }

    fn next(&self) -> u32 {
        self.counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    }

    /// A fresh department under the target unit, for routes that close units.
    async fn scratch_unit(&self, target: Target) -> i64 {
        let mut w = self.app.store.write(gongkai_store::Actor::system("test")).await.unwrap();
        let fields = gongkai_domain::units::UnitFields {
            name: format!("临时处室{}", self.next()),
            short_name: "临时处室".into(),
            ..Default::default()
        };
        let id = w
            .unit_create(
                Some(self.unit[Self::idx(target)]),
                gongkai_domain::units::UnitKind::Department,
                &fields,
                0,
                None,
            )
            .await
            .unwrap();
        w.commit().await.unwrap();
        id
    }

    /// A fresh application in progress in the target unit.
    async fn scratch_case(&self, target: Target) -> i64 {
        register_case(&self.app, &self.admin, self.unit[Self::idx(target)]).await
    }

    /// A fresh application in the target unit whose reply, drafted by the system
    /// administrator, waits for approval.
    async fn drafted_case(&self, target: Target) -> i64 {
        let id = self.scratch_case(target).await;
        as_admin(
            &self.app,
            &self.admin,
            Method::POST,
            &format!("/api/v1/staff/requests/{id}/steps/reply"),
            json!({"outcome": "disclosed", "provided": "2025年度医疗保险基金收支情况表"}),
        )
        .await;
        id
    }

    /// A fresh coordination asked of the target unit by the other unit.
    async fn coordination(&self, target: Target) -> i64 {
        let i = Self::idx(target);
        let case = register_case(&self.app, &self.admin, self.unit[1 - i]).await;
        as_admin(
            &self.app,
            &self.admin,
            Method::POST,
            &format!("/api/v1/staff/requests/{case}/steps/consultations"),
            json!({"kind": "coordination", "target_unit_id": self.unit[i], "question": "请协助核实"}),
        )
        .await;
        self.app.store.request_consultations(case).await.unwrap()[0].id
    }

    async fn scratch_token(&self, target: Target) -> i64 {
        let mut w = self.app.store.write(gongkai_store::Actor::system("test")).await.unwrap();
        let id = w.token_create(self.staff[Self::idx(target)], "matrix").await.unwrap().id;
        w.commit().await.unwrap();
        id
    }

    async fn staff_fields(&self, target: Target) -> Vec<(String, String)> {
        let u = self.app.store.user(self.staff[Self::idx(target)]).await.unwrap().unwrap();
        let mut f = vec![
            ("display_name".to_string(), u.display_name.clone()),
            ("unit_id".to_string(), u.unit_id.to_string()),
            ("active".to_string(), "1".to_string()),
        ];
        f.extend(u.roles.iter().map(|r| ("roles".to_string(), r.as_str().to_string())));
        f
    }

    async fn unit_fields(&self, target: Target) -> Vec<(String, String)> {
        let u = self.app.store.unit(self.unit[Self::idx(target)]).await.unwrap().unwrap();
        vec![
            ("name".into(), u.name.clone()),
            ("short_name".into(), u.short_name.clone()),
            ("division_code".into(), u.division_code.clone()),
            ("credit_code".into(), u.credit_code.clone().unwrap_or_default()),
            ("address".into(), u.address.clone()),
            ("phone".into(), u.phone.clone()),
        ]
    }

    /// Method, path and form fields of a console request.
    async fn console_request(&self, r: R, target: Target) -> (Method, String, Vec<(String, String)>) {
        let i = Self::idx(target);
        let unit = self.unit[i];
        let staff = self.staff[i];
        let n = self.next();
        let s = |v: &str| v.to_string();
        match r {
            R::Dashboard => (Method::GET, s("/admin"), vec![]),
            R::Account => (Method::GET, s("/admin/account"), vec![]),
            R::AccountPassword => (
                Method::POST,
                s("/admin/account/password"),
                vec![(s("current_password"), s("wrong")), (s("new_password"), s("x")), (s("confirm_password"), s("x"))],
            ),
            R::Tokens => (Method::GET, s("/admin/tokens"), vec![]),
            R::TokensOf => (Method::GET, format!("/admin/tokens?user={staff}"), vec![]),
            R::TokenCreateFor => {
                (Method::POST, s("/admin/tokens"), vec![(s("user_id"), staff.to_string()), (s("name"), s("matrix"))])
            }
            R::TokenRevoke => {
                (Method::POST, format!("/admin/tokens/{}/revoke", self.scratch_token(target).await), vec![])
            }
            R::Users => (Method::GET, s("/admin/users"), vec![]),
            R::UserNew => (Method::GET, s("/admin/users/new"), vec![]),
            R::UserCreate => (
                Method::POST,
                s("/admin/users"),
                vec![
                    (s("username"), format!("matrix_{n}")),
                    (s("display_name"), s("矩阵")),
                    (s("unit_id"), unit.to_string()),
                    (s("roles"), s("editor")),
                    (s("password"), s("Matrix-Pass-2026")),
                ],
            ),
            R::UserEdit => (Method::GET, format!("/admin/users/{staff}"), vec![]),
            R::UserSave => (Method::POST, format!("/admin/users/{staff}"), self.staff_fields(target).await),
            R::UserPassword => (
                Method::POST,
                format!("/admin/users/{staff}/password"),
                vec![(s("password"), s("Matrix-Pass-2026")), (s("confirm_password"), s("Matrix-Pass-2026"))],
            ),
            R::Units => (Method::GET, s("/admin/units"), vec![]),
            R::UnitNew => (Method::GET, s("/admin/units/new"), vec![]),
            R::UnitCreate => (
                Method::POST,
                s("/admin/units"),
                vec![
                    (s("parent_id"), unit.to_string()),
                    (s("kind"), s("department")),
                    (s("name"), format!("矩阵处室{n}")),
                ],
            ),
            R::UnitEdit => (Method::GET, format!("/admin/units/{unit}"), vec![]),
            R::UnitSave => (Method::POST, format!("/admin/units/{unit}"), self.unit_fields(target).await),
            R::UnitMove => {
                let parent = self.app.store.unit(unit).await.unwrap().unwrap().parent_id.unwrap();
                (Method::POST, format!("/admin/units/{unit}/move"), vec![(s("parent_id"), parent.to_string())])
            }
            R::UnitClose => (
                Method::POST,
                format!("/admin/units/{}/close", self.scratch_unit(target).await),
                vec![(s("reason"), s("矩阵测试"))],
            ),
            R::Calendar => (Method::GET, s("/admin/calendar"), vec![]),
            R::CalendarYear => (
                Method::POST,
                s("/admin/calendar/years"),
                vec![(s("schedule"), s("年份 2031 国办发明电〔2030〕1号\n元旦 2031-01-01 放假"))],
            ),
            R::CalendarDay => (
                Method::POST,
                s("/admin/calendar/days"),
                vec![(s("date"), s("2026-12-07")), (s("kind"), s("holiday")), (s("name"), s("矩阵"))],
            ),
            R::CalendarClear => (Method::POST, s("/admin/calendar/days/2026-12-07/clear"), vec![]),
            R::CalendarDelete => (Method::POST, s("/admin/calendar/years/2031/delete"), vec![]),
            R::Audit => (Method::GET, s("/admin/audit"), vec![]),
            R::AuditVerify => (Method::GET, s("/admin/audit/verify"), vec![]),
            R::Documents => (Method::GET, s("/admin/documents"), vec![]),
            R::DocumentNew => (Method::GET, s("/admin/documents/new"), vec![]),
            R::Reviews => (Method::GET, s("/admin/reviews"), vec![]),
            R::Interpretable => (Method::GET, s("/admin/documents/interpretable?q=%E5%8C%BB%E4%BF%9D"), vec![]),
            R::Catalogue => (Method::GET, s("/admin/catalogue"), vec![]),
            R::CatalogueUnit => (Method::GET, format!("/admin/catalogue/units/{unit}"), vec![]),
            R::CatalogueItemAdd => (
                Method::POST,
                format!("/admin/catalogue/units/{unit}/items"),
                vec![
                    (s("level1"), s("矩阵事项")),
                    (s("level2"), format!("矩阵二级事项{n}")),
                    (s("time_limit"), s("及时")),
                    (s("channels"), s("政府网站")),
                ],
            ),
            R::Columns => (Method::GET, s("/admin/columns"), vec![]),
            R::ColumnCreate => (
                Method::POST,
                s("/admin/columns"),
                vec![(s("unit_id"), unit.to_string()), (s("name"), format!("矩阵专栏{n}"))],
            ),
            R::WordLists => (Method::GET, s("/admin/wordlists"), vec![]),
            R::Requests => (Method::GET, s("/admin/requests"), vec![]),
            R::RequestsOfUnit => (Method::GET, format!("/admin/requests?unit_id={unit}"), vec![]),
            R::RequestExport => (Method::GET, s("/admin/requests/export"), vec![]),
            R::RequestExportOfUnit => (Method::GET, format!("/admin/requests/export?unit_id={unit}"), vec![]),
            R::RequestNew => (Method::GET, s("/admin/requests/new"), vec![]),
            R::RequestRegister => (Method::POST, s("/admin/requests/new"), registration(unit)),
            R::Case => (Method::GET, format!("/admin/requests/{}", self.case[i]), vec![]),
            R::CaseWithApplicant => (Method::GET, format!("/admin/requests/{}?applicant=1", self.case[i]), vec![]),
            R::CaseExtend => (
                Method::POST,
                format!("/admin/requests/{}/steps/extension", self.scratch_case(target).await),
                vec![(s("days"), s("10")), (s("reason"), s("需要调取档案")), (s("approver"), s("张主任"))],
            ),
            R::CaseApprove => {
                (Method::POST, format!("/admin/requests/{}/steps/approve", self.drafted_case(target).await), vec![])
            }
            // Sent as multipart, the form token in the address as with every console upload (the
            // session layer does not read multipart bodies); see `upload_form`.
            R::CaseUpload => (Method::POST, format!("/admin/requests/{}/files", self.case[i]), vec![]),
            R::CaseFile => {
                (Method::GET, format!("/admin/requests/{}/files/{}", self.case[i], self.case_file[i]), vec![])
            }
            R::CaseLetter => (Method::GET, format!("/admin/requests/{}/letters/clarification", self.case[i]), vec![]),
            R::Coordinations => (Method::GET, s("/admin/coordinations"), vec![]),
            R::CoordinationAnswer => (
                Method::POST,
                format!("/admin/coordinations/{}/answer", self.coordination(target).await),
                vec![(s("answer"), s("经核实，相关信息由本单位保存。"))],
            ),
            R::AnnualReport => (Method::GET, format!("/admin/annual-reports?unit_id={unit}&year={YEAR}"), vec![]),
            R::AnnualReportSave => {
                let mut f = vec![(s("unit_id"), unit.to_string()), (s("year"), YEAR.to_string())];
                f.extend(report_fields().into_iter().map(|(k, v)| (s(k), s(v))));
                (Method::POST, s("/admin/annual-reports"), f)
            }
            R::AnnualReportDocument => (
                Method::POST,
                s("/admin/annual-reports/document"),
                vec![(s("unit_id"), unit.to_string()), (s("year"), YEAR.to_string())],
            ),
            R::ReviewCases => (Method::GET, s("/admin/review-cases"), vec![]),
            R::ReviewCaseAdd => (
                Method::POST,
                s("/admin/review-cases"),
                vec![
                    (s("kind"), s("lawsuit_direct")),
                    (s("result"), s("pending")),
                    (s("filed_on"), yesterday().to_string()),
                    (s("authority"), s("济南市历下区人民法院")),
                ],
            ),
            R::ReviewCaseUpdate => (
                Method::POST,
                format!("/admin/review-cases/{}", self.review[i]),
                review_fields()
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect(),
            ),
            R::LetterTemplates => (Method::GET, s("/admin/letter-templates"), vec![]),
            R::LetterTemplate => (Method::GET, s("/admin/letter-templates/extension"), vec![]),
            R::LetterTemplateSave => {
                (Method::POST, s("/admin/letter-templates/extension"), vec![(s("body"), changed_template())])
            }
            R::LetterTemplateReset => (Method::POST, s("/admin/letter-templates/extension/reset"), vec![]),
            R::DocumentCreate => (
                Method::POST,
                s("/admin/documents"),
                vec![
                    (s("unit_id"), unit.to_string()),
                    (s("title"), format!("矩阵文件{n}")),
                    (s("topic"), s("general")),
                    (s("genre"), s("notice")),
                ],
            ),
        }
    }

    async fn api_request(&self, a: A, target: Target) -> (Method, String, Value) {
        let i = Self::idx(target);
        let unit = self.unit[i];
        let staff = self.staff[i];
        let n = self.next();
        match a {
            A::Me => (Method::GET, "/api/v1/me".into(), Value::Null),
            A::Users => (Method::GET, "/api/v1/users".into(), Value::Null),
            A::UserCreate => (
                Method::POST,
                "/api/v1/users".into(),
                json!({"username": format!("api_matrix_{n}"), "display_name": "矩阵", "unit_id": unit, "roles": ["editor"], "password": "Matrix-Pass-2026"}),
            ),
            A::UserGet => (Method::GET, format!("/api/v1/users/{staff}"), Value::Null),
            A::UserPatch => (Method::PATCH, format!("/api/v1/users/{staff}"), json!({"phone": "13900000000"})),
            A::UserPassword => {
                (Method::POST, format!("/api/v1/users/{staff}/password"), json!({"password": "Matrix-Pass-2026"}))
            }
            A::Tokens => (Method::GET, "/api/v1/tokens".into(), Value::Null),
            A::TokensOf => (Method::GET, format!("/api/v1/tokens?user={staff}"), Value::Null),
            A::TokenCreate => (Method::POST, "/api/v1/tokens".into(), json!({"name": "matrix"})),
            A::TokenCreateFor => (Method::POST, "/api/v1/tokens".into(), json!({"user_id": staff, "name": "matrix"})),
            A::TokenRevoke => {
                (Method::DELETE, format!("/api/v1/tokens/{}", self.scratch_token(target).await), Value::Null)
            }
            A::UnitCreate => (
                Method::POST,
                "/api/v1/units".into(),
                json!({"parent_id": unit, "kind": "department", "name": format!("接口处室{n}")}),
            ),
            A::UnitPatchContacts => (Method::PATCH, format!("/api/v1/units/{unit}"), json!({"phone": "0531-81234567"})),
            A::UnitPatchName => (
                Method::PATCH,
                format!("/api/v1/units/{}", self.scratch_unit(target).await),
                json!({"name": format!("改名处室{n}")}),
            ),
            A::UnitMove => {
                let parent = self.app.store.unit(unit).await.unwrap().unwrap().parent_id.unwrap();
                (Method::POST, format!("/api/v1/units/{unit}/move"), json!({"parent_id": parent}))
            }
            A::UnitClose => (
                Method::POST,
                format!("/api/v1/units/{}/close", self.scratch_unit(target).await),
                json!({"reason": "矩阵"}),
            ),
            A::CalendarPut => (
                Method::PUT,
                "/api/v1/calendar/2032".into(),
                json!({"schedule": "年份 2032 国办发明电〔2031〕1号\n元旦 2032-01-01 放假"}),
            ),
            A::CalendarDelete => (Method::DELETE, "/api/v1/calendar/2032".into(), Value::Null),
            A::CalendarDay => {
                (Method::PUT, "/api/v1/calendar/days/2026-12-08".into(), json!({"kind": "holiday", "name": "矩阵"}))
            }
            A::CalendarClear => (Method::DELETE, "/api/v1/calendar/days/2026-12-08".into(), Value::Null),
            A::Audit => (Method::GET, "/api/v1/audit".into(), Value::Null),
            A::AuditVerify => (Method::GET, "/api/v1/audit/verify".into(), Value::Null),
            A::StaffDocuments => (Method::GET, "/api/v1/staff/documents".into(), Value::Null),
            A::StaffDocumentCreate => (
                Method::POST,
                "/api/v1/staff/documents".into(),
                json!({"unit_id": unit, "title": format!("接口矩阵文件{n}"), "topic": "general", "genre": "notice"}),
            ),
            A::Flags => (Method::GET, format!("/api/v1/staff/documents/flags?unit={unit}"), Value::Null),
            A::CatalogueItemAdd => (
                Method::POST,
                format!("/api/v1/staff/units/{unit}/catalogue/items"),
                json!({"level1": "矩阵事项", "level2": format!("接口矩阵事项{n}"), "time_limit": "及时", "channels": ["website"]}),
            ),
            A::ColumnCreate => (
                Method::POST,
                "/api/v1/staff/columns".into(),
                json!({"unit_id": unit, "name": format!("接口矩阵专栏{n}")}),
            ),
            A::WordLists => (Method::GET, "/api/v1/staff/wordlists".into(), Value::Null),
            A::Requests => (Method::GET, "/api/v1/staff/requests".into(), Value::Null),
            A::RequestsOfUnit => (Method::GET, format!("/api/v1/staff/requests?unit_id={unit}"), Value::Null),
            A::RequestExport => (Method::GET, "/api/v1/staff/requests/export".into(), Value::Null),
            A::RequestExportOfUnit => {
                (Method::GET, format!("/api/v1/staff/requests/export?unit_id={unit}"), Value::Null)
            }
            A::RequestRegister => (Method::POST, "/api/v1/staff/requests".into(), registration_json(unit)),
            A::Case => (Method::GET, format!("/api/v1/staff/requests/{}", self.case[i]), Value::Null),
            A::CaseExtend => (
                Method::POST,
                format!("/api/v1/staff/requests/{}/steps/extension", self.scratch_case(target).await),
                json!({"days": 10, "reason": "需要调取档案", "approver": "张主任"}),
            ),
            A::CaseApprove => (
                Method::POST,
                format!("/api/v1/staff/requests/{}/steps/approve", self.drafted_case(target).await),
                json!({}),
            ),
            A::CaseUpload => (
                Method::POST,
                format!("/api/v1/staff/requests/{}/files", self.case[i]),
                // b"%PDF-1.4\n%test"
                json!({"name": "提供的信息.pdf", "content_base64": "JVBERi0xLjQKJXRlc3Q="}),
            ),
            A::CaseFile => (
                Method::GET,
                format!("/api/v1/staff/requests/{}/files/{}", self.case[i], self.case_file[i]),
                Value::Null,
            ),
            A::CaseLetter => {
                (Method::GET, format!("/api/v1/staff/requests/{}/letters/clarification", self.case[i]), Value::Null)
            }
            A::Coordinations => (Method::GET, "/api/v1/staff/coordinations".into(), Value::Null),
            A::CoordinationAnswer => (
                Method::POST,
                format!("/api/v1/staff/coordinations/{}/answer", self.coordination(target).await),
                json!({"answer": "经核实，相关信息由本单位保存。"}),
            ),
            A::LetterTemplates => (Method::GET, "/api/v1/staff/letter-templates".into(), Value::Null),
            A::LetterTemplatePut => {
                (Method::PUT, "/api/v1/staff/letter-templates/extension".into(), json!({"body": changed_template()}))
            }
            A::LetterTemplateReset => {
                // Something to reset, so that an allowed reset answers 204 rather than 404.
                as_admin(
                    &self.app,
                    &self.admin,
                    Method::PUT,
                    "/api/v1/staff/letter-templates/extension",
                    json!({"body": changed_template()}),
                )
                .await;
                (Method::DELETE, "/api/v1/staff/letter-templates/extension".into(), Value::Null)
            }
            A::AnnualReportPut => (
                Method::PUT,
                format!("/api/v1/staff/annual-reports/{unit}/{YEAR}"),
                Value::Object(report_fields().into_iter().map(|(k, v)| (k.to_string(), json!(v))).collect()),
            ),
            A::AnnualReportDocument => {
                (Method::POST, format!("/api/v1/staff/annual-reports/{unit}/{YEAR}/document"), Value::Null)
            }
            A::ReviewCases => (Method::GET, "/api/v1/staff/review-cases".into(), Value::Null),
            A::ReviewCaseCreate => (
                Method::POST,
                "/api/v1/staff/review-cases".into(),
                json!({"unit_id": unit, "kind": "lawsuit_direct", "result": "pending", "filed_on": yesterday().to_string()}),
            ),
            A::ReviewCaseUpdate => {
                (Method::PUT, format!("/api/v1/staff/review-cases/{}", self.review[i]), review_fields())
            }
        }
    }
}

async fn setup(app: &App) -> (Ctx, Vec<(Role, Session, String)>) {
    let a = app.unit_id("济南市医疗保障局").await;
    let b = app.unit_id("济南市住房和城乡建设局").await;
    let staff_a = app.store.user_by_username("ybj_editor").await.unwrap().unwrap().id;
    let staff_b = app.store.user_by_username("zjj_editor").await.unwrap().unwrap().id;
    let mut actors = Vec::new();
    for role in Role::ALL {
        let username = format!("m_{}", role.as_str());
        let mut w = app.store.write(gongkai_store::Actor::system("test")).await.unwrap();
        w.user_create(&gongkai_store::users::NewUser {
            username: username.clone(),
            display_name: role.label().into(),
            unit_id: a,
            roles: [role].into_iter().collect(),
            phone: String::new(),
            email: String::new(),
            password_hash: gongkai_store::credentials::hash_password("Matrix-Login-2026"),
            partner_channel: None,
        })
        .await
        .unwrap();
        w.commit().await.unwrap();
        let session =
            app.login_with(&username, "Matrix-Login-2026").await.unwrap_or_else(|_| panic!("{username} logs in"));
        let token = app.token(&username).await;
        actors.push((role, session, token));
    }
    let admin = app.token("admin").await;
    let mut case = [0; 2];
    let mut case_file = [0; 2];
    let mut review = [0; 2];
    for (i, unit) in [a, b].into_iter().enumerate() {
        case[i] = register_case(app, &admin, unit).await;
        let file = as_admin(
            app,
            &admin,
            Method::POST,
            &format!("/api/v1/staff/requests/{}/files", case[i]),
            json!({"name": "提供的信息.pdf", "content_base64": "JVBERi0xLjQKJXRlc3Q="}),
        )
        .await;
        case_file[i] = file["id"].as_i64().unwrap();
        let created = as_admin(
            app,
            &admin,
            Method::POST,
            "/api/v1/staff/review-cases",
            json!({"unit_id": unit, "kind": "review", "result": "pending", "filed_on": yesterday().to_string()}),
        )
        .await;
        review[i] = created["id"].as_i64().unwrap();
    }
    let ctx = Ctx {
        app: app.clone(),
        unit: [a, b],
        staff: [staff_a, staff_b],
        counter: Default::default(),
        admin,
        case,
        case_file,
        review,
    };
    (ctx, actors)
}

fn targets(takes_target: bool) -> &'static [Target] {
    if takes_target { &[Target::Own, Target::Other] } else { &[Target::None] }
}

/// Allowed means the request got past authorisation: a page, a redirect that is not to the
/// login page, or a validation answer. Refused means 403, or 404 where a case is hidden.
fn classify(status: StatusCode, location: &str) -> Option<Answer> {
    match status.as_u16() {
        401 => None,
        s @ (403 | 404) => Some(Answer::Refused(s)),
        303 if location.starts_with("/admin/login") => None,
        s if s < 400 || s == 422 || s == 409 => Some(Answer::Allowed),
        s => Some(Answer::Unexpected(s)),
    }
}

/// A console upload of a file of the information provided, as the case page's form sends it
/// (with the form token among its fields).
fn upload_form(csrf: &str) -> reqwest::multipart::Form {
    let pdf = reqwest::multipart::Part::bytes(b"%PDF-1.4\n%test".to_vec()).file_name("提供的信息.pdf");
    reqwest::multipart::Form::new().text("csrf", csrf.to_string()).part("file", pdf)
}

both!(console_routes_by_role_and_unit, |app: App| async move {
    let (ctx, actors) = setup(&app).await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for (route, who, takes_target) in CONSOLE {
        for target in targets(*takes_target) {
            for (role, session, _) in &actors {
                let (method, path, fields) = ctx.console_request(*route, *target).await;
                let mut req = session.client.request(method.clone(), session.url(&path));
                if matches!(route, R::CaseUpload) {
                    req = session
                        .client
                        .post(session.url(&format!("{path}?_csrf={}", session.csrf)))
                        .multipart(upload_form(&session.csrf));
                } else if method != Method::GET {
                    let mut all = vec![("csrf".to_string(), session.csrf.clone())];
                    all.extend(fields);
                    req = req.form(&all);
                }
                let res = req.send().await.unwrap();
                let got = classify(res.status(), &location(&res));
                let want = want(*who, console_hides(*route), *role, *target);
                if got != Some(want) {
                    failures
                        .push(format!("{route:?} {target:?} as {role:?}: got {} (expected {want:?})", res.status()));
                }
                checked += 1;
            }
            // Anonymous: sent to the login page (posts carry a valid pre-login form token, so
            // it is the missing login and not the token that stops them).
            let (method, path, fields) = ctx.console_request(*route, *target).await;
            let c = client();
            let login_page = c.get(app.url("/admin/login")).send().await.unwrap().text().await.unwrap();
            let token = csrf_in(&login_page).unwrap();
            let mut req = c.request(method.clone(), app.url(&path));
            if matches!(route, R::CaseUpload) {
                req = c.post(app.url(&format!("{path}?_csrf={token}"))).multipart(upload_form(&token));
            } else if method != Method::GET {
                let mut all = vec![("csrf".to_string(), token)];
                all.extend(fields);
                req = req.form(&all);
            }
            let res = req.send().await.unwrap();
            if !(res.status() == StatusCode::SEE_OTHER && location(&res).starts_with("/admin/login?next=")) {
                failures.push(format!("{route:?} anonymous: got {} {}", res.status(), location(&res)));
            }
            checked += 1;
        }
    }
    // Of all who may read a case, only the handlers of its unit see who applied.
    for (role, session, _) in &actors {
        let (status, page) = session.text(&format!("/admin/requests/{}?applicant=1", ctx.case[0])).await;
        if expected(Who::RequestViewers, *role, Target::Own) {
            assert_eq!(status, StatusCode::OK, "{role:?}");
            assert_eq!(
                page.contains("11010519491231002X"),
                *role == Role::RequestHandler,
                "{role:?} and the ID number"
            );
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 250, "{checked} checks");
    // The case page's reply form, which takes the upload in the same submit, posted as a
    // browser does (its action as written, its hidden fields in the multipart body), gets
    // through the form-token check.
    let (_, handler, _) = actors.iter().find(|(r, _, _)| *r == Role::RequestHandler).unwrap();
    let page = handler.text(&format!("/admin/requests/{}", ctx.case[0])).await.1;
    let marker = format!("action=\"/admin/requests/{}/reply", ctx.case[0]);
    let start = page.find(&marker).expect("the case page has an upload form") + "action=\"".len();
    let action = page[start..start + page[start..].find('"').unwrap()].replace("&amp;", "&");
    let res = handler
        .client
        .post(handler.url(&action))
        .multipart(upload_form(&handler.csrf).text("do", "upload"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "the upload form posts to {action}");
    assert!(res.text().await.unwrap().contains("已填写的答复内容保留在下方"));
    // The closes and creations allowed above left their marks, all audited and intact.
    assert!(app.store.audit_verify().await.unwrap().is_ok());
    let gongkai_store::Page { items: units, total: _ } =
        app.store.units_list(&UnitFilter { q: Some("矩阵处室".into()), ..Default::default() }, 100, 0).await.unwrap();
    assert_eq!(units.len(), 2, "system admins created one unit in each place; nobody else did");
});

both!(api_routes_by_role_and_unit, |app: App| async move {
    let (ctx, actors) = setup(&app).await;
    let mut checked = 0;
    let mut failures = Vec::new();
    for (route, who, takes_target) in API {
        for target in targets(*takes_target) {
            for (role, _, token) in &actors {
                let (method, path, body) = ctx.api_request(*route, *target).await;
                let mut req = client().request(method, app.url(&path)).bearer_auth(token);
                if !body.is_null() {
                    req = req.json(&body);
                }
                let res = req.send().await.unwrap();
                let status = res.status();
                let got = classify(status, "");
                let want = want(*who, api_hides(*route), *role, *target);
                if got != Some(want) {
                    failures.push(format!(
                        "{route:?} {target:?} as {role:?}: got {status} (expected {want:?}) {}",
                        res.text().await.unwrap_or_default()
                    ));
                }
                checked += 1;
            }
            let (method, path, body) = ctx.api_request(*route, *target).await;
            let mut req = client().request(method, app.url(&path));
            if !body.is_null() {
                req = req.json(&body);
            }
            let res = req.send().await.unwrap();
            if res.status() != StatusCode::UNAUTHORIZED {
                failures.push(format!("{route:?} anonymous: got {}", res.status()));
            }
            checked += 1;
        }
    }
    for (role, _, token) in &actors {
        let res = app.api_get(token, &format!("/api/v1/staff/requests/{}?applicant=1", ctx.case[0])).await;
        if expected(Who::RequestViewers, *role, Target::Own) {
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["applicant"].is_object(), *role == Role::RequestHandler, "{role:?}: {body}");
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 200, "{checked} checks");
});
