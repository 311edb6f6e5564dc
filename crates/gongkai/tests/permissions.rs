//! The permission matrix: every console and API route × every role × a target in the user's
//! own unit, in another unit, and anonymous. The expected answers are written out here, route
//! by route, from the rules in the issue — not computed by the code under test.

mod common;
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
    /// System administrators anywhere, unit administrators in their own subtree.
    UnitAdmins,
    /// As `UnitAdmins`, and evaluators (the disclosure office) for reading.
    Supervisors,
    SystemAdmins,
    /// Staff who work with documents: editors, reviewers, unit administrators, evaluators.
    DocumentViewers,
    Editors,
}

fn expected(who: Who, role: Role, target: Target) -> bool {
    let own = target != Target::Other;
    match who {
        Who::Anyone => true,
        Who::SystemAdmins => role == Role::SystemAdmin,
        Who::UnitAdmins => role == Role::SystemAdmin || (role == Role::UnitAdmin && own),
        Who::Supervisors => role == Role::SystemAdmin || (matches!(role, Role::UnitAdmin | Role::Evaluator) && own),
        Who::DocumentViewers => {
            role == Role::SystemAdmin
                || (matches!(role, Role::Editor | Role::Reviewer | Role::UnitAdmin | Role::Evaluator) && own)
        }
        Who::Editors => role == Role::SystemAdmin || (role == Role::Editor && own),
    }
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
    DocumentCreate,
    Catalogue,
    CatalogueUnit,
    CatalogueItemAdd,
    Columns,
    ColumnCreate,
    WordLists,
}

/// Console routes: (route, who may, whether it takes a target unit).
const CONSOLE: &[(R, Who, bool)] = &[
    (R::Dashboard, Who::Anyone, false),
    (R::Account, Who::Anyone, false),
    (R::AccountPassword, Who::Anyone, false),
    (R::Tokens, Who::Anyone, false),
    (R::TokensOf, Who::UnitAdmins, true),
    (R::TokenCreateFor, Who::UnitAdmins, true),
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
    (R::DocumentCreate, Who::Editors, true),
    (R::Catalogue, Who::Supervisors, false),
    (R::CatalogueUnit, Who::Supervisors, true),
    (R::CatalogueItemAdd, Who::Supervisors, true),
    (R::Columns, Who::UnitAdmins, false),
    (R::ColumnCreate, Who::UnitAdmins, true),
    (R::WordLists, Who::SystemAdmins, false),
];

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
    (A::TokenCreateFor, Who::UnitAdmins, true),
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
];

struct Ctx {
    app: App,
    /// Unit A (the acting users' unit) and unit B.
    unit: [i64; 2],
    /// A member of staff in each unit, as the object of user routes.
    staff: [i64; 2],
    counter: std::sync::atomic::AtomicU32,
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

    async fn scratch_token(&self, target: Target) -> i64 {
        let mut w = self.app.store.write(gongkai_store::Actor::system("test")).await.unwrap();
        let (id, _) = w.token_create(self.staff[Self::idx(target)], "matrix").await.unwrap();
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
        })
        .await
        .unwrap();
        w.commit().await.unwrap();
        let session =
            app.login_with(&username, "Matrix-Login-2026").await.unwrap_or_else(|_| panic!("{username} logs in"));
        let token = app.token(&username).await;
        actors.push((role, session, token));
    }
    let ctx = Ctx { app: app.clone(), unit: [a, b], staff: [staff_a, staff_b], counter: Default::default() };
    (ctx, actors)
}

fn targets(takes_target: bool) -> &'static [Target] {
    if takes_target { &[Target::Own, Target::Other] } else { &[Target::None] }
}

/// Allowed means the request got past authorisation: a page, a redirect that is not to the
/// login page, or a validation answer. Refused means 403.
fn classify(status: StatusCode, location: &str) -> Option<bool> {
    match status.as_u16() {
        401 => None,
        403 => Some(false),
        303 if location.starts_with("/admin/login") => None,
        s if s < 400 || s == 422 || s == 409 => Some(true),
        _ => panic!("unexpected status {status}"),
    }
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
                if method != Method::GET {
                    let mut all = vec![("csrf".to_string(), session.csrf.clone())];
                    all.extend(fields);
                    req = req.form(&all);
                }
                let res = req.send().await.unwrap();
                let got = classify(res.status(), &location(&res));
                let want = expected(*who, *role, *target);
                if got != Some(want) {
                    failures.push(format!(
                        "{route:?} {target:?} as {role:?}: got {} (expected {})",
                        res.status(),
                        if want { "allowed" } else { "403" }
                    ));
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
            if method != Method::GET {
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
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 250, "{checked} checks");
    // The closes and creations allowed above left their marks, all audited and intact.
    assert!(app.store.audit_verify().await.unwrap().is_ok());
    let (units, _) =
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
                let want = expected(*who, *role, *target);
                if got != Some(want) {
                    failures.push(format!(
                        "{route:?} {target:?} as {role:?}: got {status} {}",
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
    assert!(failures.is_empty(), "{} of {checked} checks failed:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 200, "{checked} checks");
});
