//! Console pages for logging in, accounts, passwords and API tokens.

use super::{
    UserInput, change_own_password, create_token, create_user, managed_user, reset_password, revoke_token, update_user,
    user_scope,
};
use crate::app::AppState;
use crate::auth::{ClientIp, LOGIN_CSRF_COOKIE, SESSION_COOKIE, Staff, login_csrf_cookie, session_cookie};
use crate::console::{console_page, with_notice};
use crate::errors::{AppError, PageResult};
use crate::forms::{Fields, Form, FormView, Query, path_id};
use crate::page::page_links;
use crate::page::{Page, Prefs, cookie_value, html, see_other};
use crate::units::{UnitOption, unit_options};
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use gongkai_domain::staff::Role;
use gongkai_domain::time::display_instant_at;
use gongkai_store::users::{ApiToken, SESSION_MAX, User, UserFilter};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login_submit))
        .route("/logout", post(logout))
        .route("/users", get(users).post(user_create))
        .route("/users/new", get(user_new))
        .route("/users/{id}", get(user_edit).post(user_save))
        .route("/users/{id}/password", post(user_password))
        .route("/account", get(account))
        .route("/account/password", post(account_password))
        .route("/tokens", get(tokens).post(token_create))
        .route("/tokens/{id}/revoke", post(token_revoke))
}

/// Where to go after login: only a console path, so the parameter cannot send staff to
/// another site (nor, with a control character, break the redirect after a good password).
fn safe_next(next: &str) -> String {
    gongkai_domain::paths::same_site_path_within(next, "/admin", "/admin")
}

// ----- login -----

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginTemplate {
    page: Page,
    form: FormView,
    next: String,
}

async fn login_form(State(state): State<AppState>, headers: HeaderMap, Query(q): Query) -> Response {
    let existing = cookie_value(&headers, LOGIN_CSRF_COOKIE).filter(|v| v.len() >= 32 && v.len() < 100);
    let token = existing.clone().unwrap_or_else(|| gongkai_store::credentials::new_secret(""));
    let mut page = Page::new(&state.site, "登录", "/admin/login", Prefs::from_headers(&headers), "");
    page.csrf = token.clone();
    let next = safe_next(q.get("next"));
    let mut res = html(&LoginTemplate { page, form: FormView::default(), next });
    if existing.is_none()
        && let Ok(v) = login_csrf_cookie(&state, &token).parse()
    {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

async fn login_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    ClientIp(ip): ClientIp,
    Form(f): Form,
) -> Response {
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let next = safe_next(f.get("next"));
    match super::login(&state, f.get("username"), f.get("password"), &ip, ua).await.map_err(AppError::from) {
        Ok((secret, _)) => {
            let mut res = see_other(&next);
            if let Ok(v) = session_cookie(&state, &secret, SESSION_MAX.num_seconds()).parse() {
                res.headers_mut().insert(header::SET_COOKIE, v);
            }
            res
        }
        Err(AppError::Invalid(errors)) => {
            let mut page = Page::new(&state.site, "登录", "/admin/login", Prefs::from_headers(&headers), "");
            page.csrf = cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default();
            // Only the user name is echoed back; the password never is.
            let mut form = FormView::from_pairs(&[("username", f.get("username"))]);
            form.errors = errors;
            let mut res = html(&LoginTemplate { page, form, next });
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            res
        }
        Err(other) => other.into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    super::logout(&state, &p, cookie_value(&headers, SESSION_COOKIE).as_deref()).await?;
    let mut res = see_other("/admin/login");
    if let Ok(v) = session_cookie(&state, "", 0).parse() {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(res)
}

// ----- users -----

pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit: String,
    pub roles: String,
    pub active: bool,
    pub last_login: String,
}

#[derive(Template)]
#[template(path = "console/users.html")]
struct UsersTemplate {
    page: Page,
    rows: Vec<UserRow>,
    total: i64,
    q: String,
    role: String,
    inactive: bool,
    roles: Vec<Role>,
    pages: Vec<crate::page::PageLink>,
}

const PER_PAGE: i64 = 50;

async fn users(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let page_no = q.page();
    let role = q.opt("role").and_then(Role::parse);
    let filter = UserFilter {
        q: q.opt("q").map(str::to_string),
        role,
        include_inactive: q.get("inactive") == "1",
        ..Default::default()
    };
    let gongkai_store::Page { items: list, total } =
        super::users(&state, &p, filter, PER_PAGE, (page_no - 1) * PER_PAGE).await?;
    let tree = state.unit_tree().await?;
    let rows = list
        .iter()
        .map(|u| UserRow {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            unit: tree.get(u.unit_id).map(|x| x.short_name.clone()).unwrap_or_default(),
            roles: u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
            active: u.active,
            last_login: u.last_login_at.map(display_instant_at).unwrap_or_else(|| "从未登录".into()),
        })
        .collect();
    let page = with_notice(console_page(&state, &headers, &p, "用户管理", "/admin/users", "users").await, &q);
    Ok(html(&UsersTemplate {
        page,
        rows,
        total,
        q: q.get("q").to_string(),
        role: role.map(|r| r.as_str().to_string()).unwrap_or_default(),
        inactive: q.get("inactive") == "1",
        roles: Role::ALL.to_vec(),
        pages: {
            let filters = [("q", q.get("q")), ("role", q.get("role")), ("inactive", q.get("inactive"))];
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(filters.iter().filter(|(_, v)| !v.is_empty()))
                .finish();
            page_links(&format!("/admin/users?{query}&"), total, PER_PAGE, page_no)
        },
    }))
}

#[derive(Template)]
#[template(path = "console/user_form.html")]
struct UserFormTemplate {
    page: Page,
    form: FormView,
    /// `None` when creating.
    user: Option<User>,
    units: Vec<UnitOption>,
    roles: Vec<Role>,
    password_form: FormView,
}

fn input_from(f: &Fields) -> UserInput {
    UserInput::from_form(&|name| f.get(name).to_string(), &|name| f.all(name).into_iter().map(str::to_string).collect())
}

fn fields_of(user: &User) -> Fields {
    let mut pairs = vec![
        ("username".to_string(), user.username.clone()),
        ("display_name".to_string(), user.display_name.clone()),
        ("unit_id".to_string(), user.unit_id.to_string()),
        ("phone".to_string(), user.phone.clone()),
        ("email".to_string(), user.email.clone()),
        ("active".to_string(), if user.active { "1" } else { "0" }.to_string()),
        ("partner_channel".to_string(), user.partner_channel.clone().unwrap_or_default()),
    ];
    pairs.extend(user.roles.iter().map(|r| ("roles".to_string(), r.as_str().to_string())));
    let encoded: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    Fields::parse(encoded.as_bytes())
}

async fn user_form_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &crate::auth::Principal,
    user: Option<User>,
    form: FormView,
    password_form: FormView,
    q: &Fields,
) -> PageResult {
    let tree = state.unit_tree().await?;
    let scope = user_scope(p)?;
    let (title, path) = match &user {
        Some(u) => (format!("编辑账号 {}", u.username), format!("/admin/users/{}", u.id)),
        None => ("新建账号".to_string(), "/admin/users/new".to_string()),
    };
    let failed = form.failed() || password_form.failed();
    let page = with_notice(console_page(state, headers, p, &title, &path, "users").await, q);
    let mut res = html(&UserFormTemplate {
        page,
        form,
        user,
        units: unit_options(&tree, scope),
        roles: super::grantable_roles(p),
        password_form,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn user_new(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff) -> PageResult {
    user_scope(&p)?;
    let form = FormView::from_pairs(&[("unit_id", &p.user.unit_id.to_string()), ("active", "1")]);
    user_form_page(&state, &headers, &p, None, form, FormView::default(), &Fields::default()).await
}

async fn user_create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    match create_user(&state, &p, &input_from(&f)).await {
        Ok(u) => Ok(see_other(&format!("/admin/users/{}?notice=user_created", u.id))),
        Err(e) => {
            let e = e.form_errors()?;
            user_form_page(
                &state,
                &headers,
                &p,
                None,
                FormView::with_errors(f, e),
                FormView::default(),
                &Fields::default(),
            )
            .await
        }
    }
}

async fn user_edit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Query(q): Query,
) -> PageResult {
    let user = managed_user(&state, &p, path_id(&id)?).await?;
    let form = FormView::new(fields_of(&user));
    user_form_page(&state, &headers, &p, Some(user), form, FormView::default(), &q).await
}

async fn user_save(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    match update_user(&state, &p, id, &input_from(&f)).await {
        Ok(_) => Ok(see_other(&format!("/admin/users/{id}?notice=user_saved"))),
        Err(e) => {
            let e = e.form_errors()?;
            let user = managed_user(&state, &p, id).await?;
            user_form_page(
                &state,
                &headers,
                &p,
                Some(user),
                FormView::with_errors(f, e),
                FormView::default(),
                &Fields::default(),
            )
            .await
        }
    }
}

async fn user_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Path(id): Path<String>,
    Form(f): Form,
) -> PageResult {
    let id = path_id(&id)?;
    let mut problems = gongkai_domain::validation::Invalid::default();
    if f.get("password") != f.get("confirm_password") {
        problems.push("confirm_password", "确认新密码", "与新密码不一致");
    }
    let result = if problems.is_empty() {
        reset_password(&state, &p, id, f.get("password")).await.map_err(AppError::from)
    } else {
        Err(AppError::Invalid(problems))
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/users/{id}?notice=password_reset"))),
        Err(e) => {
            let e = e.form_errors()?;
            let user = managed_user(&state, &p, id).await?;
            let form = FormView::new(fields_of(&user));
            user_form_page(
                &state,
                &headers,
                &p,
                Some(user),
                form,
                FormView::with_errors(Fields::default(), e),
                &Fields::default(),
            )
            .await
        }
    }
}

// ----- own account -----

#[derive(Template)]
#[template(path = "console/account.html")]
struct AccountTemplate {
    page: Page,
    user: User,
    unit: String,
    roles: String,
    form: FormView,
}

async fn account_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &crate::auth::Principal,
    q: &Fields,
    form: FormView,
) -> PageResult {
    let tree = state.unit_tree().await?;
    let failed = form.failed();
    let page = with_notice(console_page(state, headers, p, "我的账号", "/admin/account", "account").await, q);
    let mut res = html(&AccountTemplate {
        page,
        unit: tree.get(p.user.unit_id).map(|u| u.name.clone()).unwrap_or_default(),
        roles: p.user.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、"),
        user: p.user.clone(),
        form,
    });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn account(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    account_page(&state, &headers, &p, &q, FormView::default()).await
}

async fn account_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    Staff(p): Staff,
    Form(f): Form,
) -> PageResult {
    match change_own_password(&state, &p, f.get("current_password"), f.get("new_password"), f.get("confirm_password"))
        .await
    {
        Ok(()) => Ok(see_other("/admin/account?notice=password_changed")),
        Err(e) => {
            let e = e.form_errors()?;
            account_page(&state, &headers, &p, &Fields::default(), FormView::with_errors(Fields::default(), e)).await
        }
    }
}

// ----- API tokens -----

pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: String,
    pub last_used: String,
    pub revoked: String,
}

impl From<&ApiToken> for TokenRow {
    fn from(t: &ApiToken) -> Self {
        TokenRow {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: display_instant_at(t.created_at),
            last_used: t.last_used_at.map(display_instant_at).unwrap_or_else(|| "尚未使用".into()),
            revoked: t.revoked_at.map(display_instant_at).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/tokens.html")]
struct TokensTemplate {
    page: Page,
    owner: User,
    own: bool,
    rows: Vec<TokenRow>,
    form: FormView,
    created_secret: String,
}

async fn tokens_page(
    state: &AppState,
    headers: &HeaderMap,
    p: &crate::auth::Principal,
    owner_id: Option<i64>,
    q: &Fields,
    form: FormView,
    created_secret: String,
) -> PageResult {
    let (owner, tokens) = super::tokens(state, p, owner_id).await?;
    let rows = tokens.iter().map(TokenRow::from).collect();
    let failed = form.failed();
    let page = with_notice(console_page(state, headers, p, "API 令牌", "/admin/tokens", "tokens").await, q);
    let mut res = html(&TokensTemplate { page, own: owner.id == p.user.id, owner, rows, form, created_secret });
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn tokens(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Query(q): Query) -> PageResult {
    let owner = q.opt("user").map(path_id).transpose()?;
    tokens_page(&state, &headers, &p, owner, &q, FormView::default(), String::new()).await
}

async fn token_create(State(state): State<AppState>, headers: HeaderMap, Staff(p): Staff, Form(f): Form) -> PageResult {
    let owner = f.opt("user_id").map(path_id).transpose()?;
    match create_token(&state, &p, owner, f.get("name")).await {
        // The secret is shown once, on this response, and never stored in the clear.
        Ok((_, secret)) => {
            tokens_page(&state, &headers, &p, owner, &Fields::default(), FormView::default(), secret).await
        }
        Err(e) => {
            let e = e.form_errors()?;
            tokens_page(&state, &headers, &p, owner, &Fields::default(), FormView::with_errors(f, e), String::new())
                .await
        }
    }
}

async fn token_revoke(State(state): State<AppState>, Staff(p): Staff, Path(id): Path<String>) -> PageResult {
    let token = revoke_token(&state, &p, path_id(&id)?).await?;
    let back = if token.user_id == p.user.id {
        "/admin/tokens?notice=token_revoked".to_string()
    } else {
        format!("/admin/tokens?user={}&notice=token_revoked", token.user_id)
    };
    Ok(see_other(&back))
}
