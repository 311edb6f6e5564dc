//! Staff accounts, sessions and API tokens (login throttling is in `throttle`).

use crate::audit::Writer;
use crate::counting::Conn;
use crate::credentials::{new_secret, secret_hash};
use crate::db::Store;
use crate::error::{Result, StoreError};
use crate::row::{Named, Page};
use crate::sql::{Sql, like_contains};
use chrono::{DateTime, Duration, Utc};
use gongkai_domain::staff::{Role, Roles};
use gongkai_domain::time::format_instant;
use gongkai_domain::validation::Invalid;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub roles: Roles,
    pub phone: String,
    pub email: String,
    pub active: bool,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub created_at: DateTime<Utc>,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub updated_at: DateTime<Utc>,
    #[serde(with = "gongkai_domain::time::serde_instant_opt")]
    pub last_login_at: Option<DateTime<Utc>>,
    /// A partner account's channel (12345, newspaper, …): it submits opinions to
    /// consultations through the API under this channel only. None for staff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partner_channel: Option<String>,
}

const USER_COLUMNS: &str =
    "id, username, display_name, unit_id, phone, email, active, created_at, updated_at, last_login_at, partner_channel";

fn user_from_row(r: &AnyRow) -> Result<User> {
    let r = Named::new(r, "users");
    Ok(User {
        id: r.get("id")?,
        username: r.get("username")?,
        display_name: r.get("display_name")?,
        unit_id: r.get("unit_id")?,
        roles: Roles::new(),
        phone: r.get("phone")?,
        email: r.get("email")?,
        active: r.flag("active")?,
        created_at: r.instant("created_at")?,
        updated_at: r.instant("updated_at")?,
        last_login_at: r.instant_opt("last_login_at")?,
        partner_channel: r.get("partner_channel")?,
    })
}

async fn load_roles(conn: &mut Conn, users: &mut [User]) -> Result<()> {
    if users.is_empty() {
        return Ok(());
    }
    let mut q = Sql::new("SELECT user_id, role FROM user_roles WHERE user_id IN ");
    q.bind_list(users.iter().map(|u| u.id));
    for row in q.query().fetch_all(conn).await? {
        let row = Named::new(&row, "user_roles");
        let user_id: i64 = row.get("user_id")?;
        let role = row.code("role", Role::parse)?;
        if let Some(u) = users.iter_mut().find(|u| u.id == user_id) {
            u.roles.insert(role);
        }
    }
    Ok(())
}

async fn user_in(conn: &mut Conn, id: i64) -> Result<Option<User>> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let mut users = vec![user_from_row(&row)?];
    load_roles(conn, &mut users).await?;
    Ok(users.pop())
}

fn roles_text(roles: &Roles) -> String {
    if roles.is_empty() { "无".into() } else { roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、") }
}

#[derive(Debug, Clone, Default)]
pub struct UserFilter {
    pub within_unit: Option<i64>,
    pub unit: Option<i64>,
    pub q: Option<String>,
    pub role: Option<Role>,
    pub include_inactive: bool,
}

/// Fields of a new account; the password arrives already hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub unit_id: i64,
    pub roles: Roles,
    pub phone: String,
    pub email: String,
    pub password_hash: String,
    /// A partner account's channel (see [`User::partner_channel`]).
    pub partner_channel: Option<String>,
}

/// Editable fields of an account.
#[derive(Debug, Clone)]
pub struct UserChange {
    pub display_name: String,
    pub unit_id: i64,
    pub roles: Roles,
    pub phone: String,
    pub email: String,
    pub active: bool,
}

#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// How long a console session lives: ends after two idle hours or twelve hours in all.
pub const SESSION_IDLE: Duration = Duration::hours(2);
pub const SESSION_MAX: Duration = Duration::hours(12);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart in lists.
    pub prefix: String,
    #[serde(with = "gongkai_domain::time::serde_instant")]
    pub created_at: DateTime<Utc>,
    pub created_by: Option<i64>,
    #[serde(with = "gongkai_domain::time::serde_instant_opt")]
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(with = "gongkai_domain::time::serde_instant_opt")]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An account and its password hash, for logging in.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    /// The stored hash of the password (PHC string).
    pub password_hash: String,
}

/// A session just created: the cookie value (only its hash is stored) and the session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub secret: String,
    pub session: Session,
}

/// A live session and its active user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub session: Session,
    pub user: User,
}

/// A live API token and its active user.
#[derive(Debug, Clone)]
pub struct TokenUser {
    pub token: ApiToken,
    pub user: User,
}

/// An API token just created: its id and the secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    pub id: i64,
    pub secret: String,
}

const TOKEN_COLUMNS: &str = "id, user_id, name, prefix, created_at, created_by, last_used_at, revoked_at";

fn token_from_row(r: &AnyRow) -> Result<ApiToken> {
    let r = Named::new(r, "api_tokens");
    Ok(ApiToken {
        id: r.get("id")?,
        user_id: r.get("user_id")?,
        name: r.get("name")?,
        prefix: r.get("prefix")?,
        created_at: r.instant("created_at")?,
        created_by: r.get("created_by")?,
        last_used_at: r.instant_opt("last_used_at")?,
        revoked_at: r.instant_opt("revoked_at")?,
    })
}

impl Store {
    pub async fn user(&self, id: i64) -> Result<Option<User>> {
        let mut conn = self.pool.acquire().await?;
        user_in(&mut conn, id).await
    }

    /// The display names of the users given, in one statement (unknown ids are left out).
    pub async fn user_display_names(&self, ids: &[i64]) -> Result<std::collections::HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(Default::default());
        }
        let mut q = crate::sql::Sql::new("SELECT id, display_name FROM users WHERE id IN ");
        q.bind_list(ids.iter().copied());
        let rows = q.query().fetch_all(&self.pool).await?;
        rows.iter().map(|r| Ok((r.try_get("id")?, r.try_get("display_name")?))).collect()
    }

    /// The account and its password hash, for logging in.
    pub async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(&format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE username = $1"))
            .bind(username)
            .fetch_optional(&mut *conn)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let password_hash: String = row.try_get("password_hash")?;
        let mut users = vec![user_from_row(&row)?];
        load_roles(&mut conn, &mut users).await?;
        Ok(users.pop().map(|user| Credentials { user, password_hash }))
    }

    pub async fn user_by_username(&self, username: &str) -> Result<Option<User>> {
        Ok(self.user_credentials(username).await?.map(|c| c.user))
    }

    pub async fn users_list(&self, f: &UserFilter, limit: i64, offset: i64) -> Result<Page<User>> {
        let build = |select: &str| {
            let mut q = Sql::new("");
            if let Some(unit) = f.within_unit {
                q.push("WITH RECURSIVE sub(id) AS (SELECT CAST(")
                    .bind(unit)
                    .push(" AS BIGINT) UNION ALL SELECT u.id FROM units u JOIN sub ON u.parent_id = sub.id) ");
            }
            q.push(select).push(" FROM users WHERE 1 = 1");
            if f.within_unit.is_some() {
                q.push(" AND unit_id IN (SELECT id FROM sub)");
            }
            if let Some(unit) = f.unit {
                q.push(" AND unit_id = ").bind(unit);
            }
            if !f.include_inactive {
                q.push(" AND active = 1");
            }
            if let Some(role) = f.role {
                q.push(" AND id IN (SELECT user_id FROM user_roles WHERE role = ").bind(role.as_str()).push(")");
            }
            if let Some(text) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                let pattern = like_contains(&text.to_lowercase());
                q.push(" AND (username LIKE ").bind(pattern.as_str()).push(" ESCAPE '\\'");
                q.push(" OR LOWER(display_name) LIKE ").bind(pattern.as_str()).push(" ESCAPE '\\')");
            }
            q
        };
        let mut conn = self.pool.acquire().await?;
        let total: i64 = build("SELECT COUNT(*) AS n").query().fetch_one(&mut *conn).await?.try_get("n")?;
        let mut q = build(&format!("SELECT {USER_COLUMNS}"));
        q.push(" ORDER BY unit_id, username LIMIT ").bind(limit.clamp(1, 500)).push(" OFFSET ").bind(offset.max(0));
        let rows = q.query().fetch_all(&mut *conn).await?;
        let mut users = rows.iter().map(user_from_row).collect::<Result<Vec<_>>>()?;
        load_roles(&mut conn, &mut users).await?;
        Ok(Page { items: users, total })
    }

    pub async fn user_count(&self) -> Result<i64> {
        Ok(sqlx::query("SELECT COUNT(*) AS n FROM users").fetch_one(&self.pool).await?.try_get("n")?)
    }

    // ----- sessions -----

    /// Creates a session and returns the cookie value (only its hash is stored). Logging in
    /// always makes a new session, so a session fixed by an attacker before login is useless.
    pub async fn session_create(&self, user_id: i64, ip: &str, user_agent: &str) -> Result<NewSession> {
        let secret = new_secret("");
        let now = Utc::now();
        let session = Session {
            id: secret_hash(&secret),
            user_id,
            csrf_token: new_secret(""),
            created_at: now,
            last_seen_at: now,
            expires_at: now + SESSION_MAX,
        };
        sqlx::query(
            "INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
             VALUES ($1, $2, $3, $4, $4, $5, $6, $7)",
        )
        .bind(&session.id)
        .bind(user_id)
        .bind(&session.csrf_token)
        .bind(format_instant(now))
        .bind(format_instant(session.expires_at))
        .bind(ip)
        .bind(user_agent.chars().take(300).collect::<String>())
        .execute(&self.pool)
        .await?;
        Ok(NewSession { secret, session })
    }

    /// The live session and its active user for a cookie value; touches the idle timer at
    /// most once a minute so that page views do not turn into writes.
    pub async fn session_user(&self, secret: &str) -> Result<Option<SessionUser>> {
        let id = secret_hash(secret);
        let row =
            sqlx::query("SELECT user_id, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id = $1")
                .bind(&id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let row = Named::new(&row, "sessions");
        let session = Session {
            id,
            user_id: row.get("user_id")?,
            csrf_token: row.get("csrf_token")?,
            created_at: row.instant("created_at")?,
            last_seen_at: row.instant("last_seen_at")?,
            expires_at: row.instant("expires_at")?,
        };
        let now = Utc::now();
        if now >= session.expires_at || now >= session.last_seen_at + SESSION_IDLE {
            sqlx::query("DELETE FROM sessions WHERE id = $1").bind(&session.id).execute(&self.pool).await?;
            return Ok(None);
        }
        let Some(user) = self.user(session.user_id).await?.filter(|u| u.active) else {
            return Ok(None);
        };
        if now - session.last_seen_at > Duration::minutes(1) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
                .bind(format_instant(now))
                .bind(&session.id)
                .execute(&self.pool)
                .await?;
        }
        Ok(Some(SessionUser { session, user }))
    }

    pub async fn session_delete(&self, secret: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(secret_hash(secret)).execute(&self.pool).await?;
        Ok(())
    }

    pub async fn sessions_prune(&self) -> Result<u64> {
        let now = Utc::now();
        let r = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR last_seen_at < $2")
            .bind(format_instant(now))
            .bind(format_instant(now - SESSION_IDLE))
            .execute(&self.pool)
            .await?;
        Ok(r.rows_affected())
    }

    // ----- API tokens -----

    /// The token and its active user for a bearer secret; revoked tokens and disabled users
    /// get nothing. Records the last use at most once a minute.
    pub async fn token_user(&self, secret: &str) -> Result<Option<TokenUser>> {
        // The token and its user in one statement, written once: every API call starts here.
        static SELECT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let users = USER_COLUMNS.split(", ").map(|c| format!("u.{c}")).collect::<Vec<_>>().join(", ");
            format!(
                "SELECT t.id AS t_id, t.name AS t_name, t.prefix AS t_prefix, t.created_at AS t_created_at, \
                 t.created_by AS t_created_by, t.last_used_at AS t_last_used_at, {users} \
                 FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.revoked_at IS NULL"
            )
        });
        let mut conn = self.pool.acquire().await?;
        let row = sqlx::query(&SELECT).bind(secret_hash(secret)).fetch_optional(&mut *conn).await?;
        let Some(row) = row else { return Ok(None) };
        let user = user_from_row(&row)?;
        if !user.active {
            return Ok(None);
        }
        let t = Named::new(&row, "api_tokens");
        let token = ApiToken {
            id: t.get("t_id")?,
            user_id: user.id,
            name: t.get("t_name")?,
            prefix: t.get("t_prefix")?,
            created_at: t.instant("t_created_at")?,
            created_by: t.get("t_created_by")?,
            last_used_at: t.instant_opt("t_last_used_at")?,
            revoked_at: None,
        };
        let mut users = vec![user];
        load_roles(&mut conn, &mut users).await?;
        let user = users.pop().expect("the user just read");
        let now = Utc::now();
        let stale = token.last_used_at.is_none_or(|t| now - t > Duration::minutes(1));
        if stale {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(format_instant(now))
                .bind(token.id)
                .execute(&mut *conn)
                .await?;
        }
        Ok(Some(TokenUser { token, user }))
    }

    pub async fn token(&self, id: i64) -> Result<Option<ApiToken>> {
        let row = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(token_from_row).transpose()
    }

    pub async fn tokens_of_user(&self, user_id: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(&format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY id DESC"))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(token_from_row).collect()
    }
}

impl Writer {
    async fn check_unit_open(&mut self, unit_id: i64) -> Result<String> {
        let row = sqlx::query("SELECT name, closed_on FROM units WHERE id = $1")
            .bind(unit_id)
            .fetch_optional(self.conn())
            .await?;
        let Some(row) = row else {
            return Err(StoreError::Invalid(Invalid::one("unit_id", "所属单位", "所选单位不存在")));
        };
        if row.try_get::<Option<String>, _>("closed_on")?.is_some() {
            return Err(StoreError::Invalid(Invalid::one("unit_id", "所属单位", "所选单位已撤销")));
        }
        Ok(row.try_get("name")?)
    }

    async fn set_roles(&mut self, user_id: i64, roles: &Roles) -> Result<()> {
        sqlx::query("DELETE FROM user_roles WHERE user_id = $1").bind(user_id).execute(self.conn()).await?;
        for role in roles {
            sqlx::query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2)")
                .bind(user_id)
                .bind(role.as_str())
                .execute(self.conn())
                .await?;
        }
        Ok(())
    }

    pub async fn user_create(&mut self, new: &NewUser) -> Result<i64> {
        let unit_name = self.check_unit_open(new.unit_id).await?;
        let taken = sqlx::query("SELECT id FROM users WHERE username = $1")
            .bind(&new.username)
            .fetch_optional(self.conn())
            .await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Invalid::one("username", "用户名", "已被使用，请换一个")));
        }
        let now = crate::now_text();
        let id: i64 = sqlx::query(
            "INSERT INTO users (username, display_name, unit_id, password_hash, phone, email, active, created_at, updated_at, partner_channel)
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7, $8) RETURNING id",
        )
        .bind(&new.username)
        .bind(&new.display_name)
        .bind(new.unit_id)
        .bind(&new.password_hash)
        .bind(&new.phone)
        .bind(&new.email)
        .bind(&now)
        .bind(new.partner_channel.as_deref())
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        self.set_roles(id, &new.roles).await?;
        self.record(
            "user.create",
            "user",
            id,
            Some(new.unit_id),
            format!(
                "新建账号 {}（{}），单位“{}”，角色：{}",
                new.username,
                new.display_name,
                unit_name,
                roles_text(&new.roles)
            ),
        );
        Ok(id)
    }

    pub async fn user_update(&mut self, id: i64, change: &UserChange) -> Result<User> {
        let before = user_in(self.conn(), id).await?.ok_or(StoreError::NotFound("账号"))?;
        let mut notes = Vec::new();
        if before.unit_id != change.unit_id {
            let unit_name = self.check_unit_open(change.unit_id).await?;
            notes.push(format!("单位改为“{unit_name}”"));
        }
        if before.display_name != change.display_name {
            notes.push(format!("姓名由“{}”改为“{}”", before.display_name, change.display_name));
        }
        if before.roles != change.roles {
            notes.push(format!("角色由“{}”改为“{}”", roles_text(&before.roles), roles_text(&change.roles)));
        }
        if before.phone != change.phone {
            notes.push("电话已修改".into());
        }
        if before.email != change.email {
            notes.push("邮箱已修改".into());
        }
        if before.active != change.active {
            notes.push(if change.active { "启用账号".into() } else { "停用账号".into() });
        }
        if notes.is_empty() {
            return Ok(before);
        }
        sqlx::query(
            "UPDATE users SET display_name = $1, unit_id = $2, phone = $3, email = $4, active = $5, updated_at = $6 WHERE id = $7",
        )
        .bind(&change.display_name)
        .bind(change.unit_id)
        .bind(&change.phone)
        .bind(&change.email)
        .bind(change.active as i64)
        .bind(crate::now_text())
        .bind(id)
        .execute(self.conn())
        .await?;
        self.set_roles(id, &change.roles).await?;
        // A disabled account, or one whose rights changed, must not keep old sessions alive.
        if !change.active || before.roles != change.roles || before.unit_id != change.unit_id {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id).execute(self.conn()).await?;
        }
        if !change.active {
            sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(crate::now_text())
                .bind(id)
                .execute(self.conn())
                .await?;
            notes.push("其 API 令牌一并吊销".into());
        }
        self.record(
            "user.update",
            "user",
            id,
            Some(change.unit_id),
            format!("{}：{}", before.username, notes.join("；")),
        );
        user_in(self.conn(), id).await?.ok_or(StoreError::NotFound("账号"))
    }

    /// Sets a new password and ends the account's sessions (except `keep_session`, the one
    /// that made the change when users change their own password).
    pub async fn user_set_password(&mut self, id: i64, password_hash: &str, keep_session: Option<&str>) -> Result<()> {
        let user = user_in(self.conn(), id).await?.ok_or(StoreError::NotFound("账号"))?;
        sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
            .bind(password_hash)
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
            .bind(id)
            .bind(keep_session.unwrap_or(""))
            .execute(self.conn())
            .await?;
        let own = self.actor().user_id == Some(id);
        let summary = if own {
            format!("{} 修改了自己的密码", user.username)
        } else {
            format!("重置 {} 的密码", user.username)
        };
        self.record("user.password", "user", id, Some(user.unit_id), summary);
        Ok(())
    }

    pub async fn user_logged_in(&mut self, user: &User) -> Result<()> {
        sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
            .bind(crate::now_text())
            .bind(user.id)
            .execute(self.conn())
            .await?;
        self.record("user.login", "user", user.id, Some(user.unit_id), format!("{} 登录管理后台", user.username));
        Ok(())
    }

    pub async fn token_create(&mut self, user_id: i64, name: &str) -> Result<NewToken> {
        let user = user_in(self.conn(), user_id).await?.ok_or(StoreError::NotFound("账号"))?;
        if !user.active {
            return Err(StoreError::Invalid(Invalid::one("user_id", "账号", "已停用的账号不能创建令牌")));
        }
        let secret = new_secret("gk_");
        let prefix: String = secret.chars().take(10).collect();
        let created_by = self.actor().user_id;
        let id: i64 = sqlx::query(
            "INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(user_id)
        .bind(name)
        .bind(secret_hash(&secret))
        .bind(&prefix)
        .bind(crate::now_text())
        .bind(created_by)
        .fetch_one(self.conn())
        .await?
        .try_get("id")?;
        self.record(
            "token.create",
            "api_token",
            id,
            Some(user.unit_id),
            format!("为 {} 创建 API 令牌“{name}”（{prefix}…）", user.username),
        );
        Ok(NewToken { id, secret })
    }

    pub async fn token_revoke(&mut self, id: i64) -> Result<()> {
        let row = sqlx::query(
            "SELECT t.name, t.prefix, t.revoked_at, u.username, u.unit_id FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = $1",
        )
        .bind(id)
        .fetch_optional(self.conn())
        .await?
        .ok_or(StoreError::NotFound("令牌"))?;
        if row.try_get::<Option<String>, _>("revoked_at")?.is_some() {
            return Ok(());
        }
        let (name, prefix, username, unit_id): (String, String, String, i64) =
            (row.try_get("name")?, row.try_get("prefix")?, row.try_get("username")?, row.try_get("unit_id")?);
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(crate::now_text())
            .bind(id)
            .execute(self.conn())
            .await?;
        self.record(
            "token.revoke",
            "api_token",
            id,
            Some(unit_id),
            format!("吊销 {username} 的 API 令牌“{name}”（{prefix}…）"),
        );
        Ok(())
    }
}
