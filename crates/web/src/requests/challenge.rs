//! The public form's challenge: a small sum written in Chinese words, answered in digits.
//! Self-hosted (no third-party service may be called from a government intranet), readable by
//! screen readers and usable without JavaScript, unlike image or puzzle captchas. Each
//! challenge is stored and can be answered once, on any node; together with the rate limit
//! per address this keeps scripted floods off the form without hindering people.

use crate::app::AppState;
use crate::errors::AppError;
use chrono::{Duration, Utc};
use gongkai_domain::time::format_instant;
use gongkai_domain::validation::Invalid;
use rand::Rng;

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

pub async fn issue(state: &AppState) -> Result<Challenge, AppError> {
    let (a, b, plus, id) = {
        let mut rng = rand::rng();
        let a = rng.random_range(2..=20u32);
        let b = rng.random_range(1..=9u32);
        let plus = rng.random_bool(0.5) || a <= b;
        (a, b, plus, gongkai_store::credentials::new_secret("ch_"))
    };
    let (question, answer) = if plus {
        (format!("{}加{}等于多少？", words(a), words(b)), a + b)
    } else {
        (format!("{}减{}等于多少？", words(a), words(b)), a - b)
    };
    let expires_at = format_instant(Utc::now() + Duration::minutes(LIFETIME_MINUTES));
    state.store.challenge_create(&id, &answer.to_string(), &expires_at).await?;
    Ok(Challenge { id, question, expires_at })
}

/// Takes the challenge and checks the answer; a wrong, expired or reused one is refused with
/// a message naming the field, and the applicant gets a new question with the form.
pub async fn check(state: &AppState, id: &str, answer: &str) -> Result<(), Invalid> {
    let refuse = |msg: &str| Invalid::one("challenge_answer", "验证问题", msg);
    let id = id.trim();
    if id.is_empty() || id.len() > 100 {
        return Err(refuse("请回答验证问题"));
    }
    let taken = state.store.challenge_take(id).await.map_err(|_| refuse("暂时无法核对，请重试"))?;
    let Some((expected, expires_at)) = taken else { return Err(refuse("已失效，请回答新的验证问题")) };
    if expires_at < format_instant(Utc::now()) {
        return Err(refuse("已过期，请回答新的验证问题"));
    }
    let given: String = answer.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let given = given
        .chars()
        .map(|c| if ('０'..='９').contains(&c) { char::from_u32(c as u32 - 0xFEE0).unwrap_or(c) } else { c })
        .collect::<String>();
    if given != expected {
        return Err(refuse("回答不正确，请回答新的验证问题"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::words;

    #[test]
    fn numbers_in_words() {
        let cases = [(1, "一"), (9, "九"), (10, "十"), (13, "十三"), (20, "二十"), (29, "二十九")];
        for (n, w) in cases {
            assert_eq!(words(n), w, "{n}");
        }
    }
}
