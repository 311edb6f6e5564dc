//! How changes reach viewers on this node. Every change is a row of the outbox
//! (`live_events`), written in the transaction that made it. One task per node reads the rows
//! it has not passed on yet and broadcasts them to this node's viewers: at once when a write on
//! this node commits (a poke), when PostgreSQL notifies that a write on another node committed
//! (`LISTEN gongkai_live`), and in any case every second, so a node that missed a notification
//! (a dropped connection, a restart of the listener) catches up from the outbox, the source of
//! truth. A viewer that falls behind the broadcast reads what it missed from the outbox too.

use gongkai_store::Store;
use gongkai_store::live_blog::LiveEvent;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, broadcast};

/// Changes held for viewers that read slower than changes arrive; one behind by more reads the
/// outbox instead.
const CAPACITY: usize = 1024;
/// Rows read from the outbox at a time.
const BATCH: i64 = 500;
/// The longest a change waits on this node when no poke or notification came.
const POLL: Duration = Duration::from_secs(1);

/// This node's broadcast of live changes.
pub struct Hub {
    tx: broadcast::Sender<Arc<LiveEvent>>,
    /// The last sequence number broadcast.
    last: AtomicI64,
    wake: Notify,
    task: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Hub {
    fn new(last: i64) -> Hub {
        let (tx, _) = broadcast::channel(CAPACITY);
        Hub { tx, last: AtomicI64::new(last), wake: Notify::new(), task: Default::default() }
    }

    /// Starts the hub of `store` from the outbox's current end, with its reading task (and, on
    /// PostgreSQL, its listener).
    pub(crate) async fn start(store: Store) -> Result<Arc<Hub>, gongkai_store::StoreError> {
        let hub = Arc::new(Hub::new(store.live_last_seq().await?));
        let listener = store.live_listener();
        let task = tokio::spawn(run(store, Arc::downgrade(&hub), listener));
        *hub.task.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(task);
        Ok(hub)
    }

    /// Whether its task still runs (it ends with the runtime that started it).
    pub(crate) fn running(&self) -> bool {
        self.task.lock().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Changes from now on; changes before come from the outbox (`Store::live_events_after`).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.tx.subscribe()
    }

    /// The last change broadcast on this node.
    pub fn last_seq(&self) -> i64 {
        self.last.load(Ordering::Acquire)
    }

    /// Viewers connected to this node.
    pub fn viewers(&self) -> usize {
        self.tx.receiver_count()
    }

    /// A write on this node committed changes: read them now.
    pub(crate) fn poke(&self) {
        self.wake.notify_one();
    }
}

async fn run(store: Store, hub: std::sync::Weak<Hub>, mut listener: Option<gongkai_store::live_blog::Listener>) {
    loop {
        let Some(h) = hub.upgrade() else { return };
        let notified = async {
            match listener.as_mut() {
                Some(l) => l.next().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = h.wake.notified() => {}
            () = notified => {}
            () = tokio::time::sleep(POLL) => {}
        }
        loop {
            let after = h.last.load(Ordering::Acquire);
            let events = match store.live_events_since(after, BATCH).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error = %e, "live events could not be read");
                    break;
                }
            };
            let full = events.len() as i64 == BATCH;
            for e in events {
                h.last.store(e.seq, Ordering::Release);
                // No receivers is not an error: nobody is watching on this node.
                let _ = h.tx.send(Arc::new(e));
            }
            if !full {
                break;
            }
        }
    }
}
