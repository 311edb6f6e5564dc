//! Short-lived in-memory copies of data every page needs (the unit tree, the holiday
//! calendar). A write on this node drops the copy at once; other nodes pick the change up
//! within the time-to-live.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
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

/// One copy per key (a unit's page extras), with the same time-to-live; `invalidate` drops them
/// all. Keys come from existing objects only, and the map is cleared when it reaches `cap`
/// entries, so it cannot grow without bound.
pub struct Keyed<K, V> {
    slots: RwLock<HashMap<K, (Instant, Arc<V>)>>,
    ttl: Duration,
    cap: usize,
}

impl<K: Eq + Hash + Clone, V> Keyed<K, V> {
    pub fn new(ttl: Duration, cap: usize) -> Self {
        Keyed { slots: RwLock::new(HashMap::new()), ttl, cap }
    }

    pub async fn get<E, F, Fut>(&self, key: &K, load: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, E>>,
    {
        if let Some((at, value)) = self.slots.read().unwrap_or_else(|p| p.into_inner()).get(key)
            && at.elapsed() < self.ttl
        {
            return Ok(value.clone());
        }
        let value = Arc::new(load().await?);
        let mut slots = self.slots.write().unwrap_or_else(|p| p.into_inner());
        if slots.len() >= self.cap {
            slots.clear();
        }
        slots.insert(key.clone(), (Instant::now(), value.clone()));
        Ok(value)
    }

    pub fn invalidate(&self) {
        self.slots.write().unwrap_or_else(|p| p.into_inner()).clear();
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

    #[tokio::test]
    async fn keyed_copies_load_once_per_key_until_invalidated() {
        let cache: Keyed<i64, i64> = Keyed::new(Duration::from_secs(60), 2);
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = |k: i64| {
            let loads = &loads;
            async move {
                loads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<_, ()>(k * 10)
            }
        };
        assert_eq!(*cache.get(&1, || load(1)).await.unwrap(), 10);
        assert_eq!(*cache.get(&1, || load(1)).await.unwrap(), 10);
        assert_eq!(*cache.get(&2, || load(2)).await.unwrap(), 20);
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 2);
        // At the cap the map starts over: key 1 is loaded again after key 3 came in.
        assert_eq!(*cache.get(&3, || load(3)).await.unwrap(), 30);
        assert_eq!(*cache.get(&1, || load(1)).await.unwrap(), 10);
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 4);
        cache.invalidate();
        assert_eq!(*cache.get(&1, || load(1)).await.unwrap(), 10);
        assert_eq!(loads.load(std::sync::atomic::Ordering::SeqCst), 5);
        // A failed load is not kept.
        assert!(cache.get(&9, || async { Err::<i64, ()>(()) }).await.is_err());
        assert_eq!(*cache.get(&9, || load(9)).await.unwrap(), 90);
    }
}
