//! Throttle events (failed secrets, counted actions) with the check and the count in one
//! atomic step, so concurrent attempts cannot all pass a check made before any was counted.
//! The rules (limits, windows, delays) are the domain's; this module only keeps the events.

use crate::db::Store;
use crate::error::Result;
use crate::row::Named;
use chrono::{DateTime, Duration, Utc};
use gongkai_domain::time::format_instant;
use sha2::{Digest, Sha256};
use sqlx::Row;

/// How many lock rows the keys share. Keys that fall in one stripe wait for each other for a
/// few milliseconds; the table never grows past this.
const STRIPES: u64 = 64;

/// Events older than this no longer matter to any rule and are deleted on the way.
const KEEP: Duration = Duration::days(1);

fn stripe(key: &str) -> i64 {
    let digest = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    (u64::from_be_bytes(first) % STRIPES) as i64
}

/// The events one successful [`Store::throttle_take`] recorded, one per key in order; a
/// caller releases them when the attempt turns out not to count (a right password).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    pub ids: Vec<i64>,
}

impl Store {
    /// Reads the recent events of each key, asks `decide`, and when it allows the attempt
    /// records one event at `now` for every key — all in one transaction that holds the lock
    /// rows of the keys' stripes, so that concurrent attempts on the same keys are decided one
    /// after the other, each seeing the events of those before it. The lock is an upsert: on
    /// PostgreSQL it locks the row until the transaction ends at any isolation level, and on
    /// SQLite it makes the transaction the single writer. Stripes are taken in ascending order,
    /// so two attempts never wait for each other.
    ///
    /// `events[i]` passed to `decide` are the instants after `since` of `keys[i]`.
    pub async fn throttle_take<T, E>(
        &self,
        keys: &[String],
        since: DateTime<Utc>,
        now: DateTime<Utc>,
        decide: impl FnOnce(&[Vec<DateTime<Utc>>]) -> std::result::Result<T, E>,
    ) -> Result<std::result::Result<(T, Taken), E>> {
        let mut stripes: Vec<i64> = keys.iter().map(|k| stripe(k)).collect();
        stripes.sort_unstable();
        stripes.dedup();
        let now_text = format_instant(now);
        let mut tx = self.pool.begin().await?;
        for s in stripes {
            sqlx::query(
                "INSERT INTO throttle_stripes (stripe, touched_at) VALUES ($1, $2)
                 ON CONFLICT (stripe) DO UPDATE SET touched_at = excluded.touched_at",
            )
            .bind(s)
            .bind(&now_text)
            .execute(&mut *tx)
            .await?;
        }
        let mut events = Vec::with_capacity(keys.len());
        for key in keys {
            let rows = sqlx::query("SELECT at FROM login_failures WHERE throttle_key = $1 AND at > $2")
                .bind(key)
                .bind(format_instant(since))
                .fetch_all(&mut *tx)
                .await?;
            let times =
                rows.iter().map(|r| Named::new(r, "login_failures").instant("at")).collect::<Result<Vec<_>>>()?;
            events.push(times);
        }
        let verdict = match decide(&events) {
            Ok(v) => v,
            Err(e) => {
                tx.rollback().await?;
                return Ok(Err(e));
            }
        };
        let mut taken = Taken::default();
        for key in keys {
            let id: i64 = sqlx::query("INSERT INTO login_failures (throttle_key, at) VALUES ($1, $2) RETURNING id")
                .bind(key)
                .bind(&now_text)
                .fetch_one(&mut *tx)
                .await?
                .try_get("id")?;
            taken.ids.push(id);
        }
        sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(format_instant(now - KEEP))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Ok((verdict, taken)))
    }

    /// Takes back events recorded by [`Store::throttle_take`]: the attempt did not count.
    pub async fn throttle_release(&self, ids: &[i64]) -> Result<()> {
        for id in ids {
            sqlx::query("DELETE FROM login_failures WHERE id = $1").bind(id).execute(&self.pool).await?;
        }
        Ok(())
    }

    /// Forgets every event of a key (a right secret clears its pair's failures).
    pub async fn throttle_clear(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE throttle_key = $1").bind(key).execute(&self.pool).await?;
        Ok(())
    }

    /// The recorded events of a key after `since` (for tests and diagnosis).
    pub async fn throttle_events(&self, key: &str, since: DateTime<Utc>) -> Result<Vec<DateTime<Utc>>> {
        let rows = sqlx::query("SELECT at FROM login_failures WHERE throttle_key = $1 AND at > $2")
            .bind(key)
            .bind(format_instant(since))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Named::new(r, "login_failures").instant("at")).collect()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn stripes_are_stable_and_in_range() {
        assert_eq!(super::stripe("ip:10.0.0.1"), super::stripe("ip:10.0.0.1"));
        let all: std::collections::BTreeSet<i64> = (0..1000).map(|i| super::stripe(&format!("k{i}"))).collect();
        assert!(all.iter().all(|s| (0..64).contains(s)));
        assert!(all.len() > 32, "keys spread over the stripes");
    }
}
