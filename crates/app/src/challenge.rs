//! The public form's challenge: a small sum written in Chinese words, answered in digits.
//! Self-hosted (no third-party service may be called from a government intranet), readable by
//! screen readers and usable without JavaScript, unlike image or puzzle captchas.
//!
//! Challenges are stateless: the id is a token signed with a key every node shares (HMAC-SHA256)
//! that holds the expiry, a nonce and a keyed hash of the answer, so issuing one writes nothing.
//! Each can be answered once, on any node: the nonce of an answered challenge is kept until the
//! challenge expires. Issuing is limited per address in memory, so a flood gets 429 without
//! touching the database; together with the limit on applications per address this keeps
//! scripted floods off the form without hindering people.

use crate::Context;
use crate::Error;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use gongkai_domain::time::format_instant;
use gongkai_domain::validation::Invalid;
use hmac::{Hmac, Mac};
use rand::{Rng, RngCore};
use sha2::Sha256;

/// How long a challenge stays answerable: long enough to fill in a long form.
const LIFETIME_MINUTES: i64 = 60;

const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// A number from 1 to 20 in Chinese words: 十三, 二十.
fn words(n: u32) -> String {
    match n {
        0..=9 => DIGITS[n as usize].to_string(),
        10 => "十".into(),
        11..=19 => format!("十{}", DIGITS[(n - 10) as usize]),
        _ => format!(
            "{}十{}",
            DIGITS[(n / 10) as usize],
            if n.is_multiple_of(10) { "" } else { DIGITS[(n % 10) as usize] }
        ),
    }
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Challenge {
    /// 提交申请时原样带回
    pub id: String,
    /// 题目，如“十三加五等于多少？”，以阿拉伯数字作答
    pub question: String,
    pub expires_at: String,
}

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "ch_";
const VERSION: u8 = 1;
const NONCE_LEN: usize = 16;
/// The answer's hash and the signature are HMAC-SHA256 cut to 128 bits: forging either means
/// guessing 128 bits, and the id stays short enough for a hidden form field.
const TAG_LEN: usize = 16;
/// version, expiry (Unix seconds, big-endian), nonce, the answer's keyed hash.
const BODY_LEN: usize = 1 + 8 + NONCE_LEN + TAG_LEN;
const TOKEN_LEN: usize = BODY_LEN + TAG_LEN;

/// The key that signs challenges; the same on every node (kept in the database, made on first use).
pub struct ChallengeKey([u8; 32]);

impl ChallengeKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        ChallengeKey(bytes)
    }

    fn mac(&self, purpose: &[u8]) -> HmacSha256 {
        // HMAC takes keys of any length, so this cannot fail.
        let mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts any key length");
        mac.chain_update(purpose)
    }

    fn answer_mac(&self, nonce: &[u8], answer: &str) -> HmacSha256 {
        self.mac(b"gongkai challenge answer\0").chain_update(nonce).chain_update(answer.as_bytes())
    }

    fn body_mac(&self, body: &[u8]) -> HmacSha256 {
        self.mac(b"gongkai challenge\0").chain_update(body)
    }

    /// A signed challenge id for an answer, valid until `expires`.
    pub fn mint(&self, expires: DateTime<Utc>, nonce: [u8; NONCE_LEN], answer: &str) -> String {
        let mut token = Vec::with_capacity(TOKEN_LEN);
        token.push(VERSION);
        token.extend_from_slice(&expires.timestamp().to_be_bytes());
        token.extend_from_slice(&nonce);
        token.extend_from_slice(&self.answer_mac(&nonce, answer).finalize().into_bytes()[..TAG_LEN]);
        let signature = self.body_mac(&token).finalize().into_bytes();
        token.extend_from_slice(&signature[..TAG_LEN]);
        format!("{PREFIX}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token))
    }

    /// The expiry, nonce and answer hash of an id this key signed; `None` for anything else.
    fn open(&self, id: &str) -> Option<(DateTime<Utc>, [u8; NONCE_LEN], [u8; TAG_LEN])> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id.strip_prefix(PREFIX)?).ok()?;
        if bytes.len() != TOKEN_LEN || bytes[0] != VERSION {
            return None;
        }
        let (body, signature) = bytes.split_at(BODY_LEN);
        self.body_mac(body).verify_truncated_left(signature).ok()?;
        let expires = DateTime::from_timestamp(i64::from_be_bytes(body[1..9].try_into().ok()?), 0)?;
        Some((expires, body[9..9 + NONCE_LEN].try_into().ok()?, body[9 + NONCE_LEN..].try_into().ok()?))
    }

    fn answer_matches(&self, nonce: &[u8], tag: &[u8], answer: &str) -> bool {
        self.answer_mac(nonce, answer).verify_truncated_left(tag).is_ok()
    }

    /// A signature of `data` for another short-lived token of the public form (`purpose`
    /// keeps the kinds apart): 128 bits, Base64 without padding.
    pub fn sign(&self, purpose: &str, data: &[u8]) -> String {
        let mac = self.mac(purpose.as_bytes()).chain_update([0u8]).chain_update(data).finalize().into_bytes();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&mac[..TAG_LEN])
    }

    pub fn signed(&self, purpose: &str, data: &[u8], signature: &str) -> bool {
        let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else { return false };
        tag.len() == TAG_LEN
            && self.mac(purpose.as_bytes()).chain_update([0u8]).chain_update(data).verify_truncated_left(&tag).is_ok()
    }
}

/// A number from 0 to 29 written as `words` writes it.
fn from_words(s: &str) -> Option<u32> {
    let digit = |w: &str| DIGITS.iter().position(|d| *d == w).map(|p| p as u32);
    match s.split_once('十') {
        None => digit(s),
        Some((tens, ones)) => {
            let tens = if tens.is_empty() { 1 } else { digit(tens).filter(|t| *t >= 2)? };
            let ones = if ones.is_empty() { 0 } else { digit(ones).filter(|o| *o >= 1)? };
            Some(tens * 10 + ones)
        }
    }
}

/// The answer to a question as `issue_at` words it (“十三加五等于多少？”).
fn answer_of(question: &str) -> Option<u32> {
    let sum = question.strip_suffix("等于多少？")?;
    if let Some((a, b)) = sum.split_once('加') {
        return Some(from_words(a)? + from_words(b)?);
    }
    let (a, b) = sum.split_once('减')?;
    from_words(a)?.checked_sub(from_words(b)?)
}

/// What became of the challenge a form came back with.
pub enum Kept {
    /// Still answerable: shown again as it was, so an answer already given stands.
    Same(Challenge),
    /// Its hour is over: a new question, and the applicant is told why.
    Expired,
    /// Absent, forged, or its question does not match it.
    Unusable,
}

/// Takes back the challenge a form was shown with, if it can still be answered: the id must be
/// one this server signed and not expired, and the question carried with it must be the one
/// whose answer the id holds (so a question edited in the page is not shown). Writes nothing;
/// whether it was answered before only `check` knows, and says so on submission.
pub async fn keep(cx: &Context, id: &str, question: &str) -> Result<Kept, Error> {
    let id = id.trim();
    if id.is_empty() || id.len() > 100 {
        return Ok(Kept::Unusable);
    }
    let key = cx.challenge_key().await?;
    let Some((expires, nonce, tag)) = key.open(id) else { return Ok(Kept::Unusable) };
    if expires < Utc::now() + Duration::minutes(2) {
        return Ok(Kept::Expired);
    }
    match answer_of(question.trim()) {
        Some(answer) if key.answer_matches(&nonce, &tag, &answer.to_string()) => Ok(Kept::Same(Challenge {
            id: id.to_string(),
            question: question.trim().to_string(),
            expires_at: format_instant(expires),
        })),
        _ => Ok(Kept::Unusable),
    }
}

/// Issues a challenge as if at `at` (the face limits how often an address may ask, see
/// `gongkai_web::requests::challenge::issue`); tests of expiry give another `at`.
pub async fn issue_at(cx: &Context, at: DateTime<Utc>) -> Result<Challenge, Error> {
    let (a, b, plus, nonce) = {
        let mut rng = rand::rng();
        let a = rng.random_range(2..=20u32);
        let b = rng.random_range(1..=9u32);
        let plus = rng.random_bool(0.5) || a <= b;
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        (a, b, plus, nonce)
    };
    let (question, answer) = if plus {
        (format!("{}加{}等于多少？", words(a), words(b)), a + b)
    } else {
        (format!("{}减{}等于多少？", words(a), words(b)), a - b)
    };
    // Whole seconds, as the token holds them.
    let expires =
        DateTime::from_timestamp(at.timestamp() + Duration::minutes(LIFETIME_MINUTES).num_seconds(), 0).unwrap_or(at);
    let key = cx.challenge_key().await?;
    Ok(Challenge { id: key.mint(expires, nonce, &answer.to_string()), question, expires_at: format_instant(expires) })
}

/// Checks the answer to a challenge and uses the challenge up; a wrong, expired, forged or
/// reused one is refused with a message naming the field, and the applicant gets a new question
/// with the form.
pub async fn check(cx: &Context, id: &str, answer: &str) -> Result<(), Invalid> {
    let refuse = |msg: &str| Invalid::one("challenge_answer", "验证问题", msg);
    let id = id.trim();
    if id.is_empty() {
        return Err(refuse("请回答验证问题"));
    }
    let key = cx.challenge_key().await.map_err(|_| refuse("暂时无法核对，请重试"))?;
    let Some((expires, nonce, tag)) = (if id.len() > 100 { None } else { key.open(id) }) else {
        return Err(refuse("已失效，请回答新的验证问题"));
    };
    if expires < Utc::now() {
        return Err(refuse("验证已过期，请重新完成验证"));
    }
    // Used up whether the answer is right or not, so answers cannot be tried one by one.
    let first_use = cx
        .store
        .challenge_nonce_use(&hex::encode(nonce), &format_instant(expires))
        .await
        .map_err(|_| refuse("暂时无法核对，请重试"))?;
    if !first_use {
        return Err(refuse("已失效，请回答新的验证问题"));
    }
    let given: String = answer.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let given = given
        .chars()
        .map(|c| if ('０'..='９').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap_or(c) } else { c })
        .collect::<String>();
    if !key.answer_matches(&nonce, &tag, &given) {
        return Err(refuse("回答不正确，请回答新的验证问题"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_words() {
        let cases = [(1, "一"), (9, "九"), (10, "十"), (13, "十三"), (20, "二十"), (29, "二十九")];
        for (n, w) in cases {
            assert_eq!(words(n), w, "{n}");
        }
        for n in 0..30 {
            assert_eq!(from_words(&words(n)), Some(n), "{n} reads back");
        }
        for bad in ["", "十十", "一十", "二十零", "三百", "x"] {
            assert_eq!(from_words(bad), None, "{bad}");
        }
        assert_eq!(answer_of("十三加五等于多少？"), Some(18));
        assert_eq!(answer_of("二十减九等于多少？"), Some(11));
        assert_eq!(answer_of("三减九等于多少？"), None);
        assert_eq!(answer_of("十三加五"), None);
    }

    #[test]
    fn signatures_hold_their_purpose_and_data() {
        let key = ChallengeKey::new([7; 32]);
        let sig = key.sign("draft", b"abc");
        assert!(key.signed("draft", b"abc", &sig));
        assert!(!key.signed("draft", b"abd", &sig));
        assert!(!key.signed("other", b"abc", &sig));
        assert!(!ChallengeKey::new([8; 32]).signed("draft", b"abc", &sig));
        assert!(!key.signed("draft", b"abc", "not base64!"));
        assert!(!key.signed("draft", b"abc", &sig[..sig.len() - 2]));
    }

    #[test]
    fn tokens_open_only_with_their_key_and_hold_the_answer_hashed() {
        let key = ChallengeKey::new([7; 32]);
        let expires = DateTime::from_timestamp(1_900_000_000, 0).unwrap();
        let id = key.mint(expires, [1; NONCE_LEN], "13");
        assert!(id.len() <= 100, "{id}");
        let (e, nonce, tag) = key.open(&id).expect("opens");
        assert_eq!((e, nonce), (expires, [1; NONCE_LEN]));
        assert!(key.answer_matches(&nonce, &tag, "13"));
        assert!(!key.answer_matches(&nonce, &tag, "12"));
        // Another key, a changed byte, a cut token, garbage: nothing opens.
        assert!(ChallengeKey::new([8; 32]).open(&id).is_none());
        let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&id[3..]).unwrap();
        bytes[2] ^= 1;
        let tampered = format!("ch_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes));
        assert!(key.open(&tampered).is_none(), "a later expiry cannot be written in");
        assert!(key.open(&id[..id.len() - 2]).is_none());
        assert!(key.open("ch_made_up").is_none());
        assert!(key.open("").is_none());
    }
}
