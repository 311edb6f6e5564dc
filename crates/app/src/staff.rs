//! Staff: logging in, accounts, passwords and API tokens — the actions shared by the console
//! and the API.

use crate::Context;
use crate::Error;
use crate::Principal;
use gongkai_domain::staff::{Action, Reach, Role, Roles, check_password, parse_roles, parse_username, throttle};
use gongkai_domain::units::is_plausible_email;
use gongkai_domain::validation::{self, Invalid};
use gongkai_store::credentials::{dummy_hash, hash_password, verify_password};
use gongkai_store::users::{ApiToken, NewUser, User, UserChange, UserFilter};

async fn hash(cx: &Context, password: String) -> Result<String, Error> {
    cx.hash_work(move || hash_password(&password)).await
}

/// The throttle keys of a staff password tried from an address; the same for logging in and
/// for the current password when changing it, which is the same secret.
fn password_keys(name: &str, ip: &str) -> crate::throttle::SecretKeys {
    crate::throttle::SecretKeys {
        pair: format!("user-ip:{name}|{ip}"),
        subject: format!("user:{name}"),
        address: format!("ip:{ip}"),
    }
}

const PASSWORD_LOCKED: &str = "登录失败次数过多，为保护账号安全";

/// Logs a member of staff in: wrong passwords lock the account for the address they came from
/// and the address for all accounts, and only slow down attempts on the account from elsewhere,
/// so no one can lock another out; the same answer (and the same time) for an unknown name as
/// for a wrong password. Returns the session cookie.
pub async fn login(
    cx: &Context,
    username: &str,
    password: &str,
    ip: &str,
    user_agent: &str,
) -> Result<(String, User), Error> {
    let name: String = username.trim().to_ascii_lowercase().chars().take(64).collect();
    let attempt = crate::throttle::secret_attempt(
        cx,
        &password_keys(&name, ip),
        throttle::PER_PAIR,
        throttle::PER_ADDRESS,
        PASSWORD_LOCKED,
    )
    .await?;
    let found = if name.is_empty() { None } else { cx.store.user_credentials(&name).await? };
    let (stored_hash, user) = match found {
        Some(c) => (c.password_hash, Some(c.user)),
        None => (dummy_hash().to_string(), None),
    };
    let password_owned = password.chars().take(256).collect::<String>();
    let matches = cx.hash_work(move || verify_password(&password_owned, &stored_hash)).await?;
    let user = match user {
        Some(u) if matches && u.active => u,
        _ => {
            tracing::warn!(username = %name, ip, "console login failed");
            return Err(Error::Invalid(Invalid::one("username", "用户名或密码", "不正确，或该账号已停用")));
        }
    };
    attempt.succeeded(cx).await?;
    let secret = cx.store.session_create(user.id, ip, user_agent).await?.secret;
    let actor = gongkai_store::Actor {
        user_id: Some(user.id),
        name: user.username.clone(),
        unit_id: Some(user.unit_id),
        ip: ip.to_string(),
    };
    let mut w = cx.store.write(actor).await?;
    w.user_logged_in(&user).await?;
    w.commit().await?;
    Ok((secret, user))
}

/// What a form or JSON body says about an account.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    pub unit_id: Option<i64>,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    /// Initial password (creation only).
    #[serde(default)]
    pub password: String,
    /// Whether the account may log in (editing only; new accounts are active).
    pub active: Option<bool>,
    /// 合作渠道账号的渠道（12345、newspaper、radio_tv、wechat、other），仅“合作渠道”角色填写，建立后不可更改
    #[serde(default)]
    pub partner_channel: String,
}

impl UserInput {
    /// The input of the console's account form: `get` gives a field's text, `all` every
    /// value of the role check boxes; a unit that is not a number is none, the box
    /// 启用 is on when it sends "1".
    pub fn from_form(get: &dyn Fn(&str) -> String, all: &dyn Fn(&str) -> Vec<String>) -> UserInput {
        UserInput {
            username: get("username"),
            display_name: get("display_name"),
            unit_id: get("unit_id").trim().parse().ok(),
            roles: all("roles"),
            phone: get("phone"),
            email: get("email"),
            password: get("password"),
            active: Some(get("active") == "1"),
            partner_channel: get("partner_channel"),
        }
    }
}

struct Profile {
    partner_channel: Option<String>,
    display_name: String,
    phone: String,
    email: String,
    roles: Roles,
    unit_id: i64,
}

fn parse_profile(input: &UserInput, errors: &mut Invalid) -> Option<Profile> {
    let display_name = validation::line(errors, "display_name", "姓名", &input.display_name, true, 30);
    let phone = validation::line(errors, "phone", "联系电话", &input.phone, false, 30);
    if !phone.chars().all(|c| c.is_ascii_digit() || c == '-' || c == ' ' || c == '+') {
        errors.push("phone", "联系电话", "只能包含数字和“-”");
    }
    let email = validation::line(errors, "email", "电子邮箱", &input.email, false, 120);
    if !email.is_empty() && !is_plausible_email(&email) {
        errors.push("email", "电子邮箱", "格式不正确");
    }
    let roles = match parse_roles(input.roles.iter().map(String::as_str)) {
        Ok(r) => r,
        Err(e) => {
            errors.0.extend(e.0);
            Roles::new()
        }
    };
    if input.unit_id.is_none() {
        errors.push("unit_id", "所属单位", "请选择");
    }
    let partner_channel = partner_channel(input, &roles, errors);
    Some(Profile { partner_channel, display_name, phone, email, roles, unit_id: input.unit_id? })
}

/// A partner account's channel: required with the 合作渠道 role, which takes no other role;
/// refused for every other account.
fn partner_channel(input: &UserInput, roles: &Roles, errors: &mut Invalid) -> Option<String> {
    use gongkai_domain::consultation::Channel;
    let label = "合作渠道";
    let channel = match input.partner_channel.trim() {
        "" => None,
        raw => match Channel::parse(raw).filter(|c| Channel::PARTNER.contains(c)) {
            Some(c) => Some(c.code().to_string()),
            None => {
                errors.push("partner_channel", label, "应为 12345、newspaper、radio_tv、wechat 或 other");
                return None;
            }
        },
    };
    let partner = roles.contains(&Role::Partner);
    if partner && channel.is_none() {
        errors.push("partner_channel", label, "“合作渠道”账号须选择渠道");
    } else if !partner && channel.is_some() {
        errors.push("partner_channel", label, "只有“合作渠道”角色的账号可以选择渠道");
    } else if partner && roles.len() > 1 {
        errors.push("roles", "角色", "“合作渠道”账号不能兼有其他角色");
    }
    channel
}

/// The roles `p` may hand out: everything for system administrators, all but that for
/// unit administrators.
pub fn grantable_roles(p: &Principal) -> Vec<Role> {
    Role::ALL.into_iter().filter(|r| *r != Role::SystemAdmin || p.may(Action::GrantSystemAdmin)).collect()
}

pub async fn create_user(cx: &Context, p: &Principal, input: &UserInput) -> Result<User, Error> {
    let mut errors = Invalid::default();
    let username = match parse_username(&input.username) {
        Ok(u) => u,
        Err(e) => {
            errors.0.extend(e.0);
            String::new()
        }
    };
    let profile = parse_profile(input, &mut errors);
    if let Err(e) = check_password("password", &input.password) {
        errors.0.extend(e.0);
    }
    let profile = match profile {
        Some(p) if errors.is_empty() => p,
        _ => return Err(errors.into()),
    };
    p.require_for_unit(cx, Action::ManageUsers, profile.unit_id).await?;
    if profile.roles.contains(&Role::SystemAdmin) {
        p.require(Action::GrantSystemAdmin, Reach::Global)?;
    }
    let new = NewUser {
        username,
        display_name: profile.display_name,
        unit_id: profile.unit_id,
        roles: profile.roles,
        phone: profile.phone,
        email: profile.email,
        password_hash: hash(cx, input.password.clone()).await?,
        partner_channel: profile.partner_channel,
    };
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.user_create(&new).await?;
    w.commit().await?;
    cx.store.user(id).await?.ok_or(Error::NotFound)
}

/// The account if `p` may manage it.
pub async fn managed_user(cx: &Context, p: &Principal, id: i64) -> Result<User, Error> {
    let user = cx.store.user(id).await?.ok_or(Error::NotFound)?;
    p.require_for_unit(cx, Action::ManageUsers, user.unit_id).await?;
    Ok(user)
}

async fn active_system_admins(cx: &Context) -> Result<i64, Error> {
    let filter = UserFilter { role: Some(Role::SystemAdmin), ..Default::default() };
    Ok(cx.store.users_list(&filter, 1, 0).await?.total)
}

pub async fn update_user(cx: &Context, p: &Principal, id: i64, input: &UserInput) -> Result<User, Error> {
    let user = managed_user(cx, p, id).await?;
    let mut errors = Invalid::default();
    let profile = parse_profile(input, &mut errors);
    let profile = match profile {
        Some(p) if errors.is_empty() => p,
        _ => return Err(errors.into()),
    };
    let active = input.active.unwrap_or(user.active);
    if profile.unit_id != user.unit_id {
        p.require_for_unit(cx, Action::ManageUsers, profile.unit_id).await?;
    }
    let admin_changed = user.roles.contains(&Role::SystemAdmin) != profile.roles.contains(&Role::SystemAdmin);
    if admin_changed {
        p.require(Action::GrantSystemAdmin, Reach::Global)?;
    }
    if id == p.user.id {
        if !active {
            return Err(Invalid::one("active", "账号状态", "不能停用自己的账号").into());
        }
        let lost = [Role::SystemAdmin, Role::UnitAdmin]
            .into_iter()
            .find(|r| user.roles.contains(r) && !profile.roles.contains(r));
        if let Some(r) = lost {
            return Err(Invalid::one(
                "roles",
                "角色",
                format!("不能取消自己的“{}”角色，请由其他管理员操作", r.label()),
            )
            .into());
        }
    }
    let loses_admin = user.roles.contains(&Role::SystemAdmin)
        && user.active
        && (!active || !profile.roles.contains(&Role::SystemAdmin));
    if loses_admin && active_system_admins(cx).await? <= 1 {
        return Err(Invalid::one("roles", "角色", "这是最后一个在岗的系统管理员，不能停用或取消其角色").into());
    }
    let change = UserChange {
        display_name: profile.display_name,
        unit_id: profile.unit_id,
        roles: profile.roles,
        phone: profile.phone,
        email: profile.email,
        active,
    };
    let mut w = cx.store.write(p.actor()).await?;
    let saved = w.user_update(id, &change).await?;
    if saved.updated_at != user.updated_at {
        w.commit().await?;
    }
    Ok(saved)
}

pub async fn reset_password(cx: &Context, p: &Principal, id: i64, password: &str) -> Result<(), Error> {
    managed_user(cx, p, id).await?;
    check_password("password", password)?;
    let hashed = hash(cx, password.to_string()).await?;
    let mut w = cx.store.write(p.actor()).await?;
    w.user_set_password(id, &hashed, None).await?;
    w.commit().await?;
    Ok(())
}

pub async fn change_own_password(
    cx: &Context,
    p: &Principal,
    current: &str,
    new: &str,
    confirm: &str,
) -> Result<(), Error> {
    // Guessing the current password is guessing the login password: throttled alike.
    let attempt = crate::throttle::secret_attempt(
        cx,
        &password_keys(&p.user.username, &p.ip),
        throttle::PER_PAIR,
        throttle::PER_ADDRESS,
        PASSWORD_LOCKED,
    )
    .await?;
    let stored = cx.store.user_credentials(&p.user.username).await?.ok_or(Error::Unauthenticated)?.password_hash;
    let current_owned = current.chars().take(256).collect::<String>();
    let ok = cx.hash_work(move || verify_password(&current_owned, &stored)).await?;
    if ok {
        attempt.succeeded(cx).await?;
    }
    let mut errors = Invalid::default();
    if !ok {
        errors.push("current_password", "当前密码", "不正确");
    }
    if let Err(e) = check_password("new_password", new) {
        errors.0.extend(e.0);
    }
    if new != confirm {
        errors.push("confirm_password", "确认新密码", "与新密码不一致");
    }
    if new == current && ok {
        errors.push("new_password", "新密码", "不能与当前密码相同");
    }
    errors.into_result(())?;
    let hashed = hash(cx, new.to_string()).await?;
    let mut w = cx.store.write(p.actor()).await?;
    w.user_set_password(p.user.id, &hashed, p.session.as_ref().map(|s| s.id.as_str())).await?;
    w.commit().await?;
    Ok(())
}

/// Whether `p` may see and revoke the tokens of `user`: their own always, others' as
/// administrators of the user's unit. Nobody may create a token for another (see `create_token`).
pub async fn may_manage_tokens_of(cx: &Context, p: &Principal, user: &User) -> Result<(), Error> {
    if user.id == p.user.id {
        return Ok(());
    }
    p.require_for_unit(cx, Action::ManageTokens, user.unit_id).await
}

/// Creates an API token for the caller. A token acts as its user, so one made by an
/// administrator for someone else would let the administrator act (and be audited) as that
/// person and get past the rules that need different people (three reviewers, a second
/// signature); only the operator's command line makes tokens for others.
pub async fn create_token(
    cx: &Context,
    p: &Principal,
    user_id: Option<i64>,
    name: &str,
) -> Result<(ApiToken, String), Error> {
    if user_id.is_some_and(|id| id != p.user.id) {
        return Err(Error::ForbiddenBecause(
            "API 令牌只能由账号本人创建，不能为其他账号创建；管理员可以查看和吊销本单位账号的令牌。".into(),
        ));
    }
    let mut errors = Invalid::default();
    let name = validation::line(&mut errors, "name", "令牌名称", name, true, 60);
    errors.into_result(())?;
    let mut w = cx.store.write(p.actor()).await?;
    let gongkai_store::users::NewToken { id, secret } = w.token_create(p.user.id, &name).await?;
    w.commit().await?;
    let token = cx.store.token(id).await?.ok_or(Error::NotFound)?;
    Ok((token, secret))
}

pub async fn revoke_token(cx: &Context, p: &Principal, token_id: i64) -> Result<ApiToken, Error> {
    let token = cx.store.token(token_id).await?.ok_or(Error::NotFound)?;
    let owner = cx.store.user(token.user_id).await?.ok_or(Error::NotFound)?;
    may_manage_tokens_of(cx, p, &owner).await?;
    if token.revoked_at.is_none() {
        let mut w = cx.store.write(p.actor()).await?;
        w.token_revoke(token_id).await?;
        w.commit().await?;
    }
    cx.store.token(token_id).await?.ok_or(Error::NotFound)
}

/// The users `p` may see in lists: all for system administrators, their unit's subtree for
/// unit administrators.
pub fn user_scope(p: &Principal) -> Result<Option<i64>, Error> {
    p.reach_root(Action::ManageUsers)
}

/// A page of the accounts in `p`'s scope matching `filter`, and how many match.
pub async fn users(
    cx: &Context,
    p: &Principal,
    mut filter: UserFilter,
    limit: i64,
    offset: i64,
) -> Result<gongkai_store::Page<User>, Error> {
    filter.within_unit = user_scope(p)?;
    Ok(cx.store.users_list(&filter, limit, offset).await?)
}

/// The tokens of an account (`None`: the caller's own), with the account, if `p` may manage
/// them.
pub async fn tokens(cx: &Context, p: &Principal, user_id: Option<i64>) -> Result<(User, Vec<ApiToken>), Error> {
    let owner = match user_id {
        Some(id) if id != p.user.id => {
            let u = cx.store.user(id).await?.ok_or(Error::NotFound)?;
            may_manage_tokens_of(cx, p, &u).await?;
            u
        }
        _ => p.user.clone(),
    };
    let tokens = cx.store.tokens_of_user(owner.id).await?;
    Ok((owner, tokens))
}

/// The console session a browser's secret names (unexpired), with its account.
pub async fn session(cx: &Context, secret: &str) -> Result<Option<gongkai_store::users::SessionUser>, Error> {
    Ok(cx.store.session_user(secret).await?)
}

/// The account an API token's secret acts as (the token not revoked).
pub async fn token_user(cx: &Context, secret: &str) -> Result<Option<User>, Error> {
    Ok(cx.store.token_user(secret).await?.map(|t| t.user))
}

/// Ends a console session (the one whose secret the browser held, if any), audited.
pub async fn logout(cx: &Context, p: &Principal, secret: Option<&str>) -> Result<(), Error> {
    if let Some(secret) = secret {
        cx.store.session_delete(secret).await?;
    }
    let mut w = cx.store.write(p.actor()).await?;
    w.record("user.logout", "user", p.user.id, Some(p.user.unit_id), format!("{} 退出管理后台", p.user.username));
    w.commit().await?;
    Ok(())
}
