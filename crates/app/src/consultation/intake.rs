//! Group commit of arriving opinions. A campaign brings opinions by the hundred per second, and
//! each is an audited write: on its own, each would take the database's write lock (SQLite) or
//! the audit chain's row (PostgreSQL) for a whole transaction and a flush to disk. Instead the
//! opinions checked and grouped by their requests queue here; a writer takes all that are
//! waiting and stores them in one transaction, each with its own audit record under its own
//! actor, and answers each request only once that transaction committed. While one batch
//! commits the next gathers, so the busier the intake, the larger the batches.
//!
//! Hand-rolled because it is a channel and a loop around our own audited writer; a batch that
//! fails is tried again one opinion at a time, so one bad opinion cannot sink the others.

use crate::Error;
use gongkai_domain::consultation::Channel;
use gongkai_domain::consultation::input::OpinionFields;
use gongkai_domain::validation::Invalid;
use gongkai_store::consultation::opinions::{NewOpinion, Opinion};
use gongkai_store::{Actor, Store};
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// The most opinions committed in one transaction.
const BATCH: usize = 64;
/// Opinions waiting at most; a request beyond waits for room.
const QUEUE: usize = 4096;

/// An opinion ready to store: checked, its group chosen, its numbers drawn by the caller (a
/// taken receipt number is drawn again here, unless it was `fixed`).
pub(crate) struct Job {
    actor: Actor,
    consultation_id: i64,
    channel: Channel,
    partner_id: Option<i64>,
    entered_by: Option<i64>,
    received_on: chrono::NaiveDate,
    fields: OpinionFields,
    bands: Vec<i64>,
    group: Option<i64>,
    /// The query code, kept as a hash made with the receipt number.
    code: String,
    /// Numbers given by the caller (the demo's examples); drawn here otherwise.
    fixed_receipt: Option<String>,
    reply: Option<oneshot::Sender<Result<Opinion, Error>>>,
}

/// The queue of one node's opinions and its writers.
pub(crate) struct Intake {
    queue: mpsc::Sender<Job>,
}

impl Intake {
    /// Starts the writers: one on SQLite (it has one write lock), a few on PostgreSQL, whose
    /// batches then overlap all but their audit records.
    pub fn start(store: Store) -> Intake {
        let (queue, rx) = mpsc::channel(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        let writers = match store.backend() {
            gongkai_store::Backend::Sqlite => 1,
            gongkai_store::Backend::Postgres => 4,
        };
        for _ in 0..writers {
            tokio::spawn(run(store.clone(), rx.clone()));
        }
        Intake { queue }
    }

    /// Whether its writers still run (they end with the runtime that started them).
    pub fn running(&self) -> bool {
        !self.queue.is_closed()
    }

    /// Stores the opinion; answers once it is committed.
    pub async fn store(&self, mut job: Job) -> Result<Opinion, Error> {
        let (tx, rx) = oneshot::channel();
        job.reply = Some(tx);
        self.queue.send(job).await.map_err(|_| Error::internal("the opinion writer has stopped"))?;
        rx.await.map_err(|_| Error::internal("the opinion writer dropped an opinion unanswered"))?
    }
}

impl Job {
    pub fn new(
        actor: Actor,
        new: &NewOpinion<'_>,
        bands: Vec<i64>,
        group: Option<i64>,
        code: String,
        fixed_receipt: Option<String>,
    ) -> Job {
        Job {
            actor,
            consultation_id: new.consultation_id,
            channel: new.channel,
            partner_id: new.partner_id,
            entered_by: new.entered_by,
            received_on: new.received_on,
            fields: new.fields.clone(),
            bands,
            group,
            code,
            fixed_receipt,
            reply: None,
        }
    }

    fn new_opinion(&self) -> NewOpinion<'_> {
        NewOpinion {
            consultation_id: self.consultation_id,
            channel: self.channel,
            partner_id: self.partner_id,
            entered_by: self.entered_by,
            received_on: self.received_on,
            fields: &self.fields,
        }
    }

    fn answer(&mut self, result: Result<Opinion, Error>) {
        if let Some(reply) = self.reply.take() {
            // The request may have gone (its client hung up): the opinion is stored all the same.
            let _ = reply.send(result);
        }
    }
}

async fn run(store: Store, rx: Arc<Mutex<mpsc::Receiver<Job>>>) {
    loop {
        let mut jobs = {
            let mut rx = rx.lock().await;
            let Some(first) = rx.recv().await else { return };
            let mut jobs = vec![first];
            while jobs.len() < BATCH {
                match rx.try_recv() {
                    Ok(job) => jobs.push(job),
                    Err(_) => break,
                }
            }
            jobs
        };
        // A batch runs as its own task: should it panic, its requests get an error (their
        // replies are dropped) and this writer goes on with the next batch.
        let store2 = store.clone();
        let handle = tokio::spawn(async move {
            let stored_together = jobs.len() > 1 && write(&store2, &mut jobs).await.is_ok();
            if !stored_together {
                for job in &mut jobs {
                    if let Err(e) = write(&store2, std::slice::from_mut(job)).await {
                        job.answer(Err(e));
                    }
                }
            }
        });
        if let Err(e) = handle.await {
            tracing::error!("opinion batch failed: {e}");
        }
    }
}

/// Stores `jobs` in one transaction and answers them after the commit; on an error nothing is
/// stored and nobody is answered (the caller decides).
async fn write(store: &Store, jobs: &mut [Job]) -> Result<(), Error> {
    let Some(first) = jobs.first() else { return Ok(()) };
    let mut w = store.write_appending(first.actor.clone()).await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in jobs.iter() {
        w.act_as(job.actor.clone());
        let new = job.new_opinion();
        let mut stored = None;
        for _ in 0..5 {
            let receipt_no =
                job.fixed_receipt.clone().unwrap_or_else(|| format!("Y{}", crate::requests::intake::new_tracking_no()));
            let hash = gongkai_store::requests::query_code_hash(&receipt_no, &job.code);
            stored = w.opinion_insert(&new, &receipt_no, Some(&hash), &job.bands, job.group).await?;
            if stored.is_some() || job.fixed_receipt.is_some() {
                break;
            }
        }
        results.push(match stored {
            Some(o) => Ok(o),
            None if job.fixed_receipt.is_some() => {
                Err(Error::Conflict(Invalid::one("receipt_no", "意见编号", "已被使用")))
            }
            None => Err(Error::internal("no free receipt number after 5 draws")),
        });
    }
    if results.iter().all(Result::is_err) {
        // Nothing to commit (and an audited write may not commit without a record).
        drop(w);
    } else {
        w.commit().await?;
    }
    for (job, result) in jobs.iter_mut().zip(results) {
        job.answer(result);
    }
    Ok(())
}
