//! 企业画像 kept and subscribed: an enterprise keeps its profile under its credit code with a
//! query code shown once (as applications have), opens and updates it with the code, and
//! follows the policies it matches as they are published, by a feed whose address holds a
//! random token (a feed reader cannot send a code), or in the API.

use super::matching::{self, MatchResult};
use crate::requests::intake::new_query_code;
use crate::{Context, Error};
use chrono::NaiveDate;
use gongkai_domain::business_policy::profile::EnterpriseProfile;
use gongkai_domain::validation::Invalid;
use gongkai_store::business_policy::subscriptions::SavedProfile;
use gongkai_store::requests::query_code_hash;
use rand::Rng;

/// What keeping a profile answers.
#[derive(Debug, Clone)]
pub struct Kept {
    pub credit_code: String,
    /// The query code: shown only when the profile is first kept.
    pub code: Option<String>,
    pub feed_token: String,
}

/// 32 characters of the query code's alphabet: too many to guess, safe in a URL.
fn new_feed_token() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";
    let mut rng = rand::rng();
    (0..32).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

fn credit_code_of(profile: &EnterpriseProfile) -> Result<String, Error> {
    profile.credit_code.clone().ok_or_else(|| {
        Error::Invalid(Invalid::one("profile.credit_code", "统一社会信用代码", "保存企业画像须填写统一社会信用代码"))
    })
}

/// Keeps a new profile (the challenge is checked) or, with the right code, updates the kept
/// one; rate-limited per address as applications are.
pub async fn keep(
    cx: &Context,
    profile: &EnterpriseProfile,
    code: &str,
    challenge: (&str, &str),
    ip: &str,
) -> Result<Kept, Error> {
    let credit_code = credit_code_of(profile)?;
    if cx.store.saved_profile(&credit_code).await?.is_some() {
        let saved = open(cx, &credit_code, code, ip).await.map_err(|e| match e {
            // Too many wrong codes from this address: said as such, not as a conflict.
            e @ Error::TooManyRequests { .. } => e,
            _ => Error::Conflict(Invalid::one(
                "code",
                "查询码",
                "该企业已保存过企业画像；请填写保存时获得的查询码以更新",
            )),
        })?;
        let mut w = cx.store.write(actor(ip)).await?;
        w.saved_profile_update(&credit_code, profile).await?;
        w.commit().await?;
        return Ok(Kept { credit_code, code: None, feed_token: saved.feed_token });
    }
    let taken = crate::throttle::take(
        cx,
        &format!("apply-ip:{ip}"),
        crate::requests::SUBMISSIONS_PER_ADDRESS,
        "保存企业画像过于频繁",
    )
    .await?;
    let kept = keep_new(cx, profile, &credit_code, challenge, ip).await;
    if kept.is_err() {
        crate::throttle::release(cx, &taken).await?;
    }
    kept
}

fn actor(ip: &str) -> gongkai_store::Actor {
    gongkai_store::Actor { user_id: None, name: "企业".into(), unit_id: None, ip: ip.to_string() }
}

async fn keep_new(
    cx: &Context,
    profile: &EnterpriseProfile,
    credit_code: &str,
    challenge: (&str, &str),
    ip: &str,
) -> Result<Kept, Error> {
    crate::challenge::check(cx, challenge.0, challenge.1).await?;
    let code = new_query_code();
    let token = new_feed_token();
    let mut w = cx.store.write(actor(ip)).await?;
    if !w.saved_profile_insert(credit_code, &query_code_hash(credit_code, &code), &token, profile).await? {
        return Err(Error::Conflict(Invalid::one("code", "查询码", "该企业已保存过企业画像；请填写查询码以更新")));
    }
    w.commit().await?;
    Ok(Kept { credit_code: credit_code.to_string(), code: Some(code), feed_token: token })
}

/// The kept profile of a credit code, for the right code only (throttled as the tracking of
/// applications: wrong codes lock the address out of this profile, never the enterprise).
pub async fn open(cx: &Context, credit_code: &str, code: &str, ip: &str) -> Result<SavedProfile, Error> {
    let credit_code: String = credit_code.trim().to_ascii_uppercase().chars().take(18).collect();
    let find = async { Ok(cx.store.saved_profile(&credit_code).await?) };
    crate::throttle::check_query_code(
        cx,
        "profile",
        &credit_code,
        ip,
        find,
        |s: &SavedProfile| !code.trim().is_empty() && s.code_hash == query_code_hash(&credit_code, code),
        Invalid::one("code", "统一社会信用代码或查询码", "不正确，请核对后重新输入"),
    )
    .await
}

/// The kept profile a feed token names.
pub async fn by_feed(cx: &Context, token: &str) -> Result<SavedProfile, Error> {
    if token.len() != 32 {
        return Err(Error::NotFound);
    }
    cx.store.saved_profile_by_feed(token).await?.ok_or(Error::NotFound)
}

/// The policies a kept profile matches today (eligible and possible), those published on or
/// after `since` when given; each with the day it was published.
pub async fn matches(cx: &Context, saved: &SavedProfile, since: Option<NaiveDate>) -> Result<MatchResult, Error> {
    let today = cx.today();
    let mut result = matching::run(cx, saved.profile.clone(), today).await?;
    result.ineligible.clear();
    if let Some(since) = since {
        let lib = super::library::library(cx).await?;
        let new: std::collections::HashSet<i64> = lib
            .policies
            .iter()
            .filter(|p| gongkai_domain::time::date_in_china(p.published_at) >= since)
            .map(|p| p.id)
            .collect();
        result.eligible.retain(|e| new.contains(&e.policy_id));
        result.possible.retain(|p| new.contains(&p.policy_id));
    }
    Ok(result)
}
