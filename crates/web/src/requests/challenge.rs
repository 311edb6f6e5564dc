//! Issuing the public form's challenge to a client address, limited per address in memory on
//! this node (the challenge itself is `gongkai_app::challenge`).

pub use gongkai_app::challenge::*;

use crate::app::AppState;
use crate::errors::AppError;
use chrono::Utc;

/// Issues a challenge to a client address: refused with 429 when the address asked for too
/// many lately. Writes nothing.
pub async fn issue(state: &AppState, ip: &str) -> Result<Challenge, AppError> {
    use governor::clock::{Clock, DefaultClock};
    if let Err(not_until) = state.challenge_limiter.check_key(&ip.to_string()) {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        return Err(AppError::TooManyRequests {
            retry_after_secs: (wait.as_secs() as i64).max(1),
            detail: "获取验证问题过于频繁，请稍后再试。".into(),
        });
    }
    // Forget addresses whose allowance is full again, so the map stays small.
    if state.challenge_limiter.len() > 10_000 {
        state.challenge_limiter.retain_recent();
    }
    Ok(issue_at(state, Utc::now()).await?)
}

/// The challenge of a form shown again after errors: the same question when it was not used
/// (it is checked only once the rest of the form is right), with the answer already typed; a
/// used one (wrong answer) or one whose hour is over is replaced, and the person is told why.
pub async fn again(
    state: &AppState,
    ip: &str,
    kept: &mut crate::forms::Fields,
    errors: &mut gongkai_domain::validation::Invalid,
) -> Result<Challenge, AppError> {
    let used = errors.message_for("challenge_answer").is_some();
    let challenge = if used {
        None
    } else {
        match keep(state, kept.get("challenge_id"), kept.get("challenge_question")).await? {
            Kept::Same(c) => Some(c),
            Kept::Expired => {
                errors.push("challenge_answer", "验证问题", "验证已过期，请重新完成验证");
                None
            }
            Kept::Unusable => None,
        }
    };
    match challenge {
        Some(c) => Ok(c),
        None => {
            *kept = kept.without(&["challenge_answer", "challenge_id", "challenge_question"]);
            issue(state, ip).await
        }
    }
}
