//! Throttles of the web actions: guessed secrets (passwords, query codes) and counted actions
//! (online applications). The rules are `gongkai_domain::staff::throttle`; the store checks and
//! counts in one atomic step (`Store::throttle_take`), so concurrent requests cannot slip past
//! a limit together.

use crate::Context;
use crate::Error;
use chrono::{DateTime, Utc};
use gongkai_domain::staff::throttle::{self, Recent, SecretLimits, Verdict};
use gongkai_store::throttle::Taken;

/// The 429 answer with the local time to come back: "{what}，请于 HH:MM 后再试。"
fn too_many(until: DateTime<Utc>, now: DateTime<Utc>, what: &str) -> Error {
    let local = until.with_timezone(&gongkai_domain::time::china());
    Error::TooManyRequests {
        retry_after_secs: (until - now).num_seconds().max(1),
        detail: format!("{what}，请于 {} 后再试。", local.format("%H:%M")),
    }
}

/// The throttle keys of one secret tried from one address.
#[derive(Debug, Clone)]
pub struct SecretKeys {
    /// This subject from this address: locks after `per_pair` failures.
    pub pair: String,
    /// This subject from all addresses: slows, never refuses.
    pub subject: String,
    /// This address, all subjects: locks after `per_address` failures.
    pub address: String,
}

/// An attempt at a secret that was let through; its events count as a failure unless it is
/// settled as a success.
#[must_use = "a right secret must be settled with `succeeded`"]
pub struct Attempt {
    pair: String,
    taken: Taken,
}

impl Attempt {
    /// The secret was right: the pair's failures are forgotten and this attempt's events (on
    /// the subject and the address) are taken back.
    pub async fn succeeded(self, cx: &Context) -> Result<(), Error> {
        cx.store.throttle_release(&self.taken.ids).await?;
        cx.store.throttle_clear(&self.pair).await?;
        Ok(())
    }
}

/// Lets an attempt at a secret through, or refuses it with 429 when its pair or its address is
/// locked. The attempt is recorded (as a failure until it succeeds) in the same atomic step as
/// the check, so parallel guesses count against each other; then it waits as long as the
/// subject's failures from all addresses ask, before the caller checks the secret.
pub async fn secret_attempt(
    cx: &Context,
    keys: &SecretKeys,
    per_pair: usize,
    per_address: usize,
    what: &str,
) -> Result<Attempt, Error> {
    let now = Utc::now();
    let limits = SecretLimits { per_pair, per_address, max_delay: cx.options.throttle_delay_max };
    let list = [keys.pair.clone(), keys.subject.clone(), keys.address.clone()];
    let decided = cx
        .store
        .throttle_take(&list, now - throttle::WINDOW, now, |events| {
            let recent = Recent { pair: &events[0], subject: &events[1], address: &events[2] };
            match throttle::secret_attempt(recent, &limits, now) {
                Verdict::Proceed { delay } => Ok(delay),
                Verdict::Refuse { until } => Err(until),
            }
        })
        .await?;
    let (delay, taken) = decided.map_err(|until| too_many(until, now, what))?;
    if !delay.is_zero() {
        // Outside the hashing limit, so waiting attempts do not hold up other logins.
        tokio::time::sleep(delay).await;
    }
    Ok(Attempt { pair: keys.pair.clone(), taken })
}

/// A query code checked for what `subject` names (an application, a claim, a kept profile),
/// from `ip`, with the limits of the applications' query codes: wrong codes lock this subject
/// for the address (and the address for all subjects) and only slow attempts from elsewhere, so
/// the rightful holder is never locked out. `find` is run only once the attempt is let through;
/// an unknown subject and a wrong code get the same answer, `wrong`, so subjects cannot be probed.
pub async fn check_query_code<T>(
    cx: &Context,
    kind: &str,
    subject: &str,
    ip: &str,
    find: impl std::future::Future<Output = Result<Option<T>, Error>>,
    right: impl FnOnce(&T) -> bool,
    wrong: gongkai_domain::validation::Invalid,
) -> Result<T, Error> {
    let keys = SecretKeys {
        pair: format!("{kind}-pair:{subject}|{ip}"),
        subject: format!("{kind}:{subject}"),
        address: format!("query-ip:{ip}"),
    };
    let attempt = secret_attempt(
        cx,
        &keys,
        crate::requests::CODE_GUESSES_PER_REQUEST,
        crate::requests::CODE_GUESSES_PER_ADDRESS,
        "查询码错误次数过多",
    )
    .await?;
    match find.await? {
        Some(found) if right(&found) => {
            attempt.succeeded(cx).await?;
            Ok(found)
        }
        _ => Err(Error::Invalid(wrong)),
    }
}

/// Takes one of the `limit` actions `key` may do in the window, checked and counted in one
/// atomic step; refused with 429 at the limit. Give the events back with [`release`] when the
/// action did not happen after all.
pub async fn take(cx: &Context, key: &str, limit: usize, what: &str) -> Result<Taken, Error> {
    let now = Utc::now();
    let decided = cx
        .store
        .throttle_take(&[key.to_string()], now - throttle::WINDOW, now, |events| {
            throttle::check(&events[0], limit, now)
        })
        .await?;
    decided.map(|((), taken)| taken).map_err(|until| too_many(until, now, what))
}

/// Gives back what [`take`] counted.
pub async fn release(cx: &Context, taken: &Taken) -> Result<(), Error> {
    cx.store.throttle_release(&taken.ids).await?;
    Ok(())
}
