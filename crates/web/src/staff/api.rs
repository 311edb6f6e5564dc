//! The staff API: the caller, accounts and API tokens.

use super::{UserInput, create_token as make_token, managed_user, user_scope};
use crate::api::paging;
use crate::app::AppState;
use crate::auth::ApiStaff;
use crate::errors::{ApiResult, AppError, Problem};
use crate::forms::ApiQuery;
use crate::forms::{ApiJson, parse_int, path_id};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use gongkai_domain::staff::Role;
use gongkai_domain::time::format_instant;
use gongkai_store::users::{ApiToken, User, UserFilter};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// 工作人员账号
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    /// system_admin / unit_admin / editor / reviewer / request_handler / evaluator
    pub roles: Vec<String>,
    pub phone: String,
    pub email: String,
    pub active: bool,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            unit_id: u.unit_id,
            roles: u.roles.iter().map(|r| r.as_str().to_string()).collect(),
            phone: u.phone.clone(),
            email: u.email.clone(),
            active: u.active,
            created_at: format_instant(u.created_at),
            last_login_at: u.last_login_at.map(format_instant),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
    pub items: Vec<UserOut>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {
    /// 新密码：至少 10 个字符，包含大写字母、小写字母、数字、符号中的至少三类
    pub password: String,
}

/// API 令牌（不含令牌本身）
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// 令牌的前几个字符，用于区分
    pub prefix: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
}

impl From<&ApiToken> for TokenOut {
    fn from(t: &ApiToken) -> Self {
        TokenOut {
            id: t.id,
            user_id: t.user_id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            created_at: format_instant(t.created_at),
            last_used_at: t.last_used_at.map(format_instant),
            revoked_at: t.revoked_at.map(format_instant),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenCreated {
    pub token: TokenOut,
    /// 令牌本身，只在创建时返回一次
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenCreate {
    /// 令牌所属账号：只能是调用者本人（不填即为本人）；为其他账号创建令牌将被拒绝（403）
    pub user_id: Option<i64>,
    /// 令牌名称，写明用途
    #[schema(schema_with = crate::api::schema::line::<60>)]
    pub name: String,
}

/// 当前调用者
#[utoipa::path(get, path = "/api/v1/me", tag = "staff", security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = Problem)))]
pub async fn me(ApiStaff(p): ApiStaff) -> Json<UserOut> {
    Json(UserOut::from(&p.user))
}

/// 账号列表（单位管理员：本单位及下级；系统管理员：全部）
#[utoipa::path(get, path = "/api/v1/users", tag = "staff", security(("bearer" = [])),
    params(("unit" = Option<i64>, Query, description = "只看该单位"), ("q" = Option<String>, Query), ("role" = inline(Option<crate::api::schema::RoleCode>), Query),
        ("include_inactive" = Option<bool>, Query), ("page" = Option<i64>, Query, minimum = 1, maximum = 100000), ("per_page" = Option<i64>, Query, minimum = 1, maximum = 500)),
    responses((status = 200, body = UserList), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<UserList>> {
    // A caller who may see no accounts is refused before the query's problems are told.
    user_scope(&p)?;
    let (page, per_page) = paging(&q, 50, 500)?;
    let role = match q.opt("role") {
        Some(r) => Some(Role::parse(r).ok_or_else(|| {
            AppError::Invalid(gongkai_domain::validation::Invalid::one("role", "角色", "不是可选的角色"))
        })?),
        None => None,
    };
    let filter = UserFilter {
        // The caller's scope: staff::users sets it.
        within_unit: None,
        unit: parse_int(q.opt("unit"), "unit", "单位")?,
        q: q.opt("q").map(|s| s.chars().take(100).collect()),
        role,
        include_inactive: q.flag("include_inactive")?,
    };
    let gongkai_store::Page { items: users, total } =
        super::users(&state, &p, filter, per_page, (page - 1) * per_page).await?;
    Ok(Json(UserList { total, page, per_page, items: users.iter().map(UserOut::from).collect() }))
}

/// 新建账号
#[utoipa::path(post, path = "/api/v1/users", tag = "staff", request_body = UserInput, security(("bearer" = [])),
    responses((status = 201, body = UserOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<UserInput>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    let user = super::create_user(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(UserOut::from(&user))))
}

/// 账号详情
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "staff", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<UserOut>> {
    let id = path_id(&id)?;
    if id == p.user.id {
        return Ok(Json(UserOut::from(&p.user)));
    }
    Ok(Json(UserOut::from(&managed_user(&state, &p, id).await?)))
}

/// 修改账号（姓名、单位、角色、联系方式、启用或停用）；未给出的字段保持不变
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "staff", params(("id" = i64, Path)), request_body = UserInput, security(("bearer" = [])),
    responses((status = 200, body = UserOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_user(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<serde_json::Value>,
) -> ApiResult<Json<UserOut>> {
    let id = path_id(&id)?;
    let user = managed_user(&state, &p, id).await?;
    // Merge the given fields over the account as it is, so a PATCH may send one field.
    let mut merged = serde_json::json!({
        "display_name": user.display_name,
        "unit_id": user.unit_id,
        "roles": user.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "phone": user.phone,
        "email": user.email,
        "active": user.active,
    });
    let serde_json::Value::Object(given) = body else {
        return Err(AppError::BadRequest("请求体应为 JSON 对象".into()).into());
    };
    for (k, v) in given {
        if !["display_name", "unit_id", "roles", "phone", "email", "active"].contains(&k.as_str()) {
            return Err(AppError::Invalid(gongkai_domain::validation::Invalid::one(
                &k,
                &format!("字段 {k}"),
                "不能修改或不存在",
            ))
            .into());
        }
        merged[k] = v;
    }
    let input: UserInput = serde_json::from_value(merged).map_err(|e| {
        AppError::Invalid(gongkai_domain::validation::Invalid::one("", "请求", format!("字段类型不正确：{e}")))
    })?;
    let saved = super::update_user(&state, &p, id, &input).await?;
    Ok(Json(UserOut::from(&saved)))
}

/// 重置账号密码；该账号的所有登录会话随之退出
#[utoipa::path(post, path = "/api/v1/users/{id}/password", tag = "staff", params(("id" = i64, Path)), request_body = PasswordReset, security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn reset_password(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<PasswordReset>,
) -> ApiResult<StatusCode> {
    super::reset_password(&state, &p, path_id(&id)?, &body.password).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// 令牌列表（本人的，或可管理账号的）
#[utoipa::path(get, path = "/api/v1/tokens", tag = "staff", security(("bearer" = [])),
    params(("user" = Option<i64>, Query, description = "账号 id，不填为本人")),
    responses((status = 200, body = Vec<TokenOut>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiQuery(q): ApiQuery,
) -> ApiResult<Json<Vec<TokenOut>>> {
    let user_id = parse_int(q.opt("user"), "user", "账号")?;
    let (_, tokens) = super::tokens(&state, &p, user_id).await?;
    Ok(Json(tokens.iter().map(TokenOut::from).collect()))
}

/// 为调用者本人创建 API 令牌；令牌本身只在此返回一次
///
/// 令牌只能由账号本人创建：管理员不能为其他账号创建令牌（返回 403），但可以查看和吊销其管理范围内账号的令牌。
/// 运维人员可在服务器上用命令行 `gongkai token create` 为账号创建令牌。
#[utoipa::path(post, path = "/api/v1/tokens", tag = "staff", request_body = TokenCreate, security(("bearer" = [])),
    responses((status = 201, body = TokenCreated), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_token(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    ApiJson(body): ApiJson<TokenCreate>,
) -> ApiResult<(StatusCode, Json<TokenCreated>)> {
    let (token, secret) = make_token(&state, &p, body.user_id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(TokenCreated { token: TokenOut::from(&token), secret })))
}

/// 吊销 API 令牌（本人的，或管理员管理范围内账号的）
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "staff", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = TokenOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ApiStaff(p): ApiStaff,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenOut>> {
    let token = super::revoke_token(&state, &p, path_id(&id)?).await?;
    Ok(Json(TokenOut::from(&token)))
}

/// The staff accounts' and tokens' API routes.
pub fn routes() -> utoipa_axum::router::OpenApiRouter<AppState> {
    use utoipa_axum::routes;
    utoipa_axum::router::OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_users, create_user))
        .routes(routes!(get_user, update_user))
        .routes(routes!(reset_password))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
}
