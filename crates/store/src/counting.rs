//! Counting the SQL statements a piece of work runs, so that tests can bound the statements of
//! a page (no N+1: a list's statements must not grow with its rows).
//!
//! Why this mechanism: the count must hold on both backends, reads and writes alike.
//! sqlx's statement log (`log_statements`) is emitted where the statement runs, and
//! sqlx-sqlite runs statements on a worker thread per connection, so neither a tracing span
//! nor a task-local of the request is in scope there. sqlx's `Any` driver cannot be wrapped
//! either (its connection's backend is private to sqlx). What every statement of this crate
//! does pass through is an `Executor` given by the store: `&Pool` for single statements,
//! `&mut Conn` for a connection held over several (`Store` reads, the `Writer`'s
//! transaction). Those executors bump a tokio task-local counter in the caller's task before
//! delegating to sqlx — at the call, not where sqlx runs the statement — so the count is
//! right on SQLite and PostgreSQL alike. A scope (`counting`) sets the counter for one
//! future, such as one HTTP request; outside any scope counting costs one failed lookup.
//!
//! What counts: every statement sent through an executor (`fetch_*`, `execute`), plus BEGIN
//! and COMMIT of a transaction; one `execute` of a text holding several statements (the
//! migrations) counts once. Statements run by tasks the request spawns are not counted in the
//! request's scope.

use futures_core::future::BoxFuture;
use futures_core::stream::BoxStream;
use sqlx::any::{AnyQueryResult, AnyRow, AnyStatement, AnyTypeInfo};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyConnection, AnyPool, Describe, Either, Execute, Executor, Transaction};
use std::cell::Cell;
use std::future::Future;

tokio::task_local! {
    static STATEMENTS: Cell<u64>;
}

/// Runs `work` counting the statements it runs through the store; returns its output and
/// the count.
pub async fn counting<F: Future>(work: F) -> (F::Output, u64) {
    STATEMENTS
        .scope(Cell::new(0), async move {
            let out = work.await;
            (out, STATEMENTS.with(Cell::get))
        })
        .await
}

/// The statements counted so far in the current scope (`None` outside one).
pub fn statements_so_far() -> Option<u64> {
    STATEMENTS.try_with(Cell::get).ok()
}

fn bump() {
    let _ = STATEMENTS.try_with(|c| c.set(c.get() + 1));
}

/// Delegates the two methods sqlx's `Executor` requires to run a statement (every other
/// running method defaults to them), counting one statement each, and the two that only
/// prepare or describe without counting.
macro_rules! counted_executor {
    ($inner:expr) => {
        type Database = Any;

        fn fetch_many<'e, 'q: 'e, E>(
            self,
            query: E,
        ) -> BoxStream<'e, Result<Either<AnyQueryResult, AnyRow>, sqlx::Error>>
        where
            'c: 'e,
            E: 'q + Execute<'q, Any>,
        {
            bump();
            #[allow(clippy::redundant_closure_call, reason = "the macro applies the accessor it is given to `self`")]
            ($inner)(self).fetch_many(query)
        }

        fn fetch_optional<'e, 'q: 'e, E>(self, query: E) -> BoxFuture<'e, Result<Option<AnyRow>, sqlx::Error>>
        where
            'c: 'e,
            E: 'q + Execute<'q, Any>,
        {
            bump();
            #[allow(clippy::redundant_closure_call, reason = "the macro applies the accessor it is given to `self`")]
            ($inner)(self).fetch_optional(query)
        }

        fn prepare_with<'e, 'q: 'e>(
            self,
            sql: &'q str,
            parameters: &'e [AnyTypeInfo],
        ) -> BoxFuture<'e, Result<AnyStatement<'q>, sqlx::Error>>
        where
            'c: 'e,
        {
            #[allow(clippy::redundant_closure_call, reason = "the macro applies the accessor it is given to `self`")]
            ($inner)(self).prepare_with(sql, parameters)
        }

        fn describe<'e, 'q: 'e>(self, sql: &'q str) -> BoxFuture<'e, Result<Describe<Any>, sqlx::Error>>
        where
            'c: 'e,
        {
            #[allow(clippy::redundant_closure_call, reason = "the macro applies the accessor it is given to `self`")]
            ($inner)(self).describe(sql)
        }
    };
}

/// The store's pool: sqlx's, handing out counted connections and transactions.
#[derive(Debug, Clone)]
pub struct Pool(AnyPool);

impl Pool {
    pub(crate) fn new(pool: AnyPool) -> Pool {
        Pool(pool)
    }

    pub async fn acquire(&self) -> sqlx::Result<Pooled> {
        Ok(Pooled(self.0.acquire().await?))
    }

    /// A transaction; its BEGIN counts as a statement.
    pub async fn begin(&self) -> sqlx::Result<Tx> {
        bump();
        Ok(Tx(self.0.begin().await?))
    }

    pub async fn close(&self) {
        self.0.close().await;
    }
}

impl<'c> Executor<'c> for &'_ Pool {
    counted_executor!(|p: Self| &p.0);
}

/// A connection, counting the statements run on it. The same type serves a pooled
/// connection and a transaction, so the helpers that run several statements take `&mut Conn`
/// from either.
#[repr(transparent)]
#[derive(Debug)]
pub struct Conn(AnyConnection);

impl Conn {
    fn wrap(c: &mut AnyConnection) -> &mut Conn {
        // SAFETY: `Conn` is `repr(transparent)` over `AnyConnection`: the same layout, so a
        // unique reference to one is a unique reference to the other, for the same lifetime.
        unsafe { &mut *(c as *mut AnyConnection as *mut Conn) }
    }
}

impl<'c> Executor<'c> for &'c mut Conn {
    counted_executor!(|c: Self| &mut c.0);
}

impl std::ops::Deref for Conn {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.0
    }
}

/// The bare connection, for code that takes `&mut AnyConnection` (documents.rs's `doc_in`
/// today). Its statements bypass the counted executor, so handing it out counts one: each
/// such caller runs exactly one statement per hand-out. Code that runs several statements
/// on one hand-out must take `&mut Conn` instead to be counted right.
impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        bump();
        &mut self.0
    }
}

/// A connection from the pool, back to the pool when dropped.
#[derive(Debug)]
pub struct Pooled(PoolConnection<Any>);

impl std::ops::Deref for Pooled {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        // SAFETY as in `Conn::wrap`, for a shared reference.
        unsafe { &*(&*self.0 as *const AnyConnection as *const Conn) }
    }
}

impl std::ops::DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Conn {
        Conn::wrap(&mut self.0)
    }
}

/// A transaction: rolled back when dropped uncommitted, as sqlx's.
#[derive(Debug)]
pub struct Tx(Transaction<'static, Any>);

impl Tx {
    /// Commits; the COMMIT counts as a statement.
    pub async fn commit(self) -> sqlx::Result<()> {
        bump();
        self.0.commit().await
    }

    /// Rolls back; the ROLLBACK counts as a statement (one dropped uncommitted does not).
    pub async fn rollback(self) -> sqlx::Result<()> {
        bump();
        self.0.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        // SAFETY as in `Conn::wrap`, for a shared reference.
        unsafe { &*(&*self.0 as *const AnyConnection as *const Conn) }
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        Conn::wrap(&mut self.0)
    }
}
