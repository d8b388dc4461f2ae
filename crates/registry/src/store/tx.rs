//! A transaction: the one way to read and write the store. The object-specific methods live in
//! the sibling modules; this one holds the plumbing they share.

use std::sync::Arc;

use sqlx::Any;
use sqlx::any::{AnyArguments, AnyRow};
use tokio::sync::OwnedMutexGuard;

use super::error::{Class, StoreError, classify};
use super::{Engine, Shared};

/// A query with its arguments bound, ready to run.
pub(super) type Query<'q> = sqlx::query::Query<'q, Any, AnyArguments<'q>>;

/// The statement that opens a transaction on `engine`.
pub(super) fn begin_statement(engine: Engine, write: bool) -> &'static str {
    match (engine, write) {
        (Engine::Sqlite, true) => "BEGIN IMMEDIATE",
        (Engine::Sqlite, false) => "BEGIN DEFERRED",
        // Explicit, so a server configured with another default changes nothing.
        (Engine::Postgres, true) => "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE",
        (Engine::Postgres, false) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    }
}

/// An open transaction. Commit it with [`Tx::commit`]; dropping it rolls back.
pub struct Tx {
    // Declared before the writer guard so it drops (queuing its rollback) first.
    inner: sqlx::Transaction<'static, Any>,
    shared: Arc<Shared>,
    writable: bool,
    /// The first failed operation, and whether its failure was contention.
    failed: Option<(&'static str, bool)>,
    /// Whether this transaction moved a zone's serial.
    pub(super) moved_zone: bool,
    _writer: Option<OwnedMutexGuard<()>>,
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Tx")
            .field("engine", &self.shared.engine)
            .field("writable", &self.writable)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Tx {
    pub(super) fn new(
        inner: sqlx::Transaction<'static, Any>,
        shared: Arc<Shared>,
        writable: bool,
        writer: Option<OwnedMutexGuard<()>>,
    ) -> Tx {
        Tx { inner, shared, writable, failed: None, moved_zone: false, _writer: writer }
    }

    /// The engine underneath.
    pub fn engine(&self) -> Engine {
        self.shared.engine
    }

    /// Makes every write of this transaction permanent. A transaction in which an operation
    /// failed is rolled back instead, and the first failure is reported.
    pub async fn commit(self) -> Result<(), StoreError> {
        if let Some((first, _)) = self.failed {
            self.inner.rollback().await.ok();
            return Err(StoreError::Aborted { first });
        }
        self.inner
            .commit()
            .await
            .map_err(|source| StoreError::Database { operation: "committing", source })?;
        if self.moved_zone {
            self.shared.zone_moved.notify_one();
        }
        Ok(())
    }

    /// Undoes every write of this transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        self.inner
            .rollback()
            .await
            .map_err(|source| StoreError::Database { operation: "rolling back", source })
    }

    /// See [`crate::store::Store::next_sv_trid`].
    pub fn next_sv_trid(&self) -> String {
        self.shared.next_sv_trid()
    }

    /// Whether an operation failed for contention, so that the whole transaction may succeed
    /// when run again.
    pub(crate) fn failed_retryably(&self) -> bool {
        self.failed.is_some_and(|(_, retryable)| retryable)
    }

    /// ` FOR UPDATE` on PostgreSQL; nothing on SQLite, whose write transactions hold the
    /// database's only write lock from their first statement.
    pub(super) fn lock_clause(&self, lock: bool) -> &'static str {
        match (self.shared.engine, lock && self.writable) {
            (Engine::Postgres, true) => " FOR UPDATE",
            _ => "",
        }
    }

    /// The collation that compares text byte by byte: SQLite's default (BINARY) already
    /// does; on PostgreSQL, whose database collation may not, ` COLLATE "C"`. Range reads over
    /// names (prefix searches) need it so that `[p, p + "{")` holds exactly the names
    /// starting with `p`.
    pub(super) fn byte_order(&self) -> &'static str {
        match self.shared.engine {
            Engine::Postgres => " COLLATE \"C\"",
            Engine::Sqlite => "",
        }
    }

    /// Refuses `operation` unless this is a healthy write transaction.
    pub(super) fn writing(&self, operation: &'static str) -> Result<(), StoreError> {
        self.usable()?;
        if self.writable { Ok(()) } else { Err(StoreError::ReadOnly { operation }) }
    }

    fn usable(&self) -> Result<(), StoreError> {
        match self.failed {
            Some((first, _)) => Err(StoreError::Aborted { first }),
            None => Ok(()),
        }
    }

    fn fail(&mut self, operation: &'static str, source: sqlx::Error) -> StoreError {
        if self.failed.is_none() {
            self.failed = Some((operation, classify(&source) == Class::Retryable));
        }
        StoreError::Database { operation, source }
    }

    /// Runs a statement; the number of rows it touched.
    pub(super) async fn run(
        &mut self,
        operation: &'static str,
        query: Query<'_>,
    ) -> Result<u64, StoreError> {
        self.usable()?;
        match query.execute(&mut *self.inner).await {
            Ok(done) => Ok(done.rows_affected()),
            Err(source) => Err(self.fail(operation, source)),
        }
    }

    /// Runs a query; every row. Callers bound the result (a LIMIT, or a set known to be small).
    pub(super) async fn rows(
        &mut self,
        operation: &'static str,
        query: Query<'_>,
    ) -> Result<Vec<AnyRow>, StoreError> {
        self.usable()?;
        match query.fetch_all(&mut *self.inner).await {
            Ok(rows) => Ok(rows),
            Err(source) => Err(self.fail(operation, source)),
        }
    }

    /// Runs `sql(list)` for `names`, `batch` names at a time, `list` being the batch's
    /// numbered placeholders (after `leading`'s, bound first to each run); every row.
    pub(super) async fn rows_for_names(
        &mut self,
        operation: &'static str,
        names: &[String],
        batch: usize,
        leading: &[&str],
        sql: impl Fn(&str) -> String,
    ) -> Result<Vec<AnyRow>, StoreError> {
        let mut rows = Vec::new();
        for chunk in names.chunks(batch.max(1)) {
            let sql = sql(&list_placeholders(leading.len() + 1, chunk.len()));
            let query = leading.iter().fold(sqlx::query(&sql), |query, value| query.bind(*value));
            let query = chunk.iter().fold(query, |query, name| query.bind(name));
            rows.extend(self.rows(operation, query).await?);
        }
        Ok(rows)
    }

    /// Runs a query; its first row, if any.
    pub(super) async fn row(
        &mut self,
        operation: &'static str,
        query: Query<'_>,
    ) -> Result<Option<AnyRow>, StoreError> {
        self.usable()?;
        match query.fetch_optional(&mut *self.inner).await {
            Ok(row) => Ok(row),
            Err(source) => Err(self.fail(operation, source)),
        }
    }

    /// Runs a query that must return a row (an `INSERT … RETURNING`, a `COUNT`).
    pub(super) async fn one(
        &mut self,
        operation: &'static str,
        query: Query<'_>,
    ) -> Result<AnyRow, StoreError> {
        self.usable()?;
        match query.fetch_one(&mut *self.inner).await {
            Ok(row) => Ok(row),
            Err(source) => Err(self.fail(operation, source)),
        }
    }

    /// Whether a query returns any row.
    pub(super) async fn any(
        &mut self,
        operation: &'static str,
        query: Query<'_>,
    ) -> Result<bool, StoreError> {
        Ok(self.row(operation, query).await?.is_some())
    }
}

/// A database error in writing `kind` `id` as the registry names it: a unique key is an
/// existing object, a foreign key a reference to something missing.
pub(super) fn conflict(error: StoreError, kind: &'static str, id: &str) -> StoreError {
    match &error {
        StoreError::Database { source, .. } => match classify(source) {
            Class::Unique => StoreError::Exists { kind, id: id.to_owned() },
            Class::ForeignKey => {
                StoreError::MissingReference { kind, id: id.to_owned(), detail: source.to_string() }
            }
            _ => error,
        },
        _ => error,
    }
}

/// A database error in deleting or renaming `kind` `id`: a foreign key means something still
/// points at it.
pub(super) fn still_linked(error: StoreError, kind: &'static str, id: &str) -> StoreError {
    match &error {
        StoreError::Database { source, .. } if classify(source) == Class::ForeignKey => {
            StoreError::Linked { kind, id: id.to_owned() }
        }
        _ => error,
    }
}

/// `NotFound` unless a write touched a row.
pub(super) fn found(rows: u64, kind: &'static str, id: &str) -> Result<(), StoreError> {
    if rows == 0 { Err(StoreError::NotFound { kind, id: id.to_owned() }) } else { Ok(()) }
}

/// A page size as the bound parameter of a LIMIT.
pub(super) fn limit(limit: u32) -> i64 {
    i64::from(limit)
}

/// `$first, $first+1, …`: `count` numbered placeholders for an `IN (…)` list.
pub(super) fn list_placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}
