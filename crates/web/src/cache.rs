//! Short-lived in-memory copies of data every page needs (the unit tree, the holiday
//! calendar). A write on this node drops the copy at once; other nodes pick the change up
//! within the time-to-live.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub struct Cached<T> {
    slot: RwLock<Option<(Instant, Arc<T>)>>,
    ttl: Duration,
}

impl<T> Cached<T> {
    pub fn new(ttl: Duration) -> Self {
        Cached { slot: RwLock::new(None), ttl }
    }

    pub async fn get<E, F, Fut>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some((at, value)) = self.slot.read().unwrap_or_else(|p| p.into_inner()).as_ref()
            && at.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        let value = Arc::new(load().await?);
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = Some((Instant::now(), value.clone()));
        Ok(value)
    }

    pub fn invalidate(&self) {
        *self.slot.write().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loads_once_until_invalidated() {
        let cache: Cached<u32> = Cached::new(Duration::from_secs(60));
        let mut loads = 0;
        for _ in 0..3 {
            let v = cache
                .get(|| async {
                    loads += 1;
                    Ok::<_, ()>(7)
                })
                .await
                .unwrap();
            assert_eq!(*v, 7);
        }
        assert_eq!(loads, 1);
        cache.invalidate();
        cache
            .get(|| async {
                loads += 1;
                Ok::<_, ()>(8)
            })
            .await
            .unwrap();
        assert_eq!(loads, 2);
    }
}
