//! The registry's store: every object, the ledger, history, poll queue and transaction log, in
//! one schema on SQLite (the embedded default) or PostgreSQL.
//!
//! # One set of SQL for two engines
//!
//! Queries go through sqlx's `Any` driver with `$N` placeholders, which SQLite accepts as well
//! as PostgreSQL. The alternative — an enum over a `SqlitePool` and a `PgPool` — would need every
//! query bound and decoded twice (or generics over `sqlx::Database` with long bounds) for no
//! gain: the schema uses only what `Any` carries (BIGINT, TEXT, NULL). Instants are unix
//! microseconds, money is BIGINT minor units, flags are 0/1 BIGINT, and the parts of an object
//! nothing queries by (a domain's grace periods, a contact's postal info, ...) are a JSON
//! document in a TEXT column. Everything the registry looks things up by — sponsor, expiry,
//! `next_event_at`, superordinate domain, zone membership, links between domains and hosts or
//! contacts — is a real indexed column or relation table. The few places the engines differ
//! are spelled out in code: the auto-numbered key in migrations (see `migrate`), `FOR UPDATE`
//! (PostgreSQL only) and the `BEGIN` statement.
//!
//! # Transactions and concurrency
//!
//! [`Store::begin`] opens a write transaction, [`Store::begin_read`] a read-only snapshot.
//!
//! - SQLite has one writer at a time. A write transaction starts with `BEGIN IMMEDIATE`, which
//!   takes the write lock up front, so two transactions can never both read a balance and then
//!   both write it; inside one process writers also queue on an async mutex rather than on
//!   SQLite's polling busy handler (the busy timeout still covers other processes).
//! - PostgreSQL runs write transactions at READ COMMITTED with explicit row locks: every
//!   `get_*_for_update` is `SELECT … FOR UPDATE`, and the ledger locks the balance row before it
//!   reads it. We chose this over SERIALIZABLE because the registry's hot spots (a registrar's
//!   prepaid balance, a popular name) would turn into a stream of serialization failures, each
//!   costing a full retry, where row locks just make writers queue. What locks cannot cover —
//!   two creates of one new name — the unique keys do ([`StoreError::Exists`]), and linked-object
//!   integrity is held by foreign keys. Deadlocks remain possible when two transactions lock
//!   rows in opposite orders; [`Store::transact`] runs a transaction body again on a deadlock,
//!   serialization failure or SQLite busy error.
//!
//! The rule for code using a [`Tx`] is therefore the same on both engines: load what you will
//! change with `get_*_for_update`, decide, write, commit. After any database error a `Tx` is
//! spent (PostgreSQL aborts the transaction; SQLite is made to behave the same) and only
//! [`Tx::rollback`] remains. Dropping a `Tx` without committing rolls it back.
//!
//! ```no_run
//! use nameward_registry::model::Charge;
//! use nameward_registry::store::{Store, StoreError};
//!
//! async fn charge(store: &Store, charge: Charge, domain: &str) -> Result<i64, StoreError> {
//!     let domain = domain.to_owned();
//!     store
//!         .transact(|tx| {
//!             let (charge, domain) = (charge.clone(), domain.clone());
//!             Box::pin(async move {
//!                 let Some(mut found) = tx.get_domain_for_update(&domain).await? else {
//!                     return Err(StoreError::NotFound { kind: "domain", id: domain });
//!                 };
//!                 let booked = tx.book(&charge).await?;
//!                 found.expires_at += time::Duration::days(365);
//!                 tx.update_domain(&found, None).await?;
//!                 Ok(booked.balance_after)
//!             })
//!         })
//!         .await
//! }
//! ```

mod codec;
mod continuity_dns;
mod desk;
mod error;
mod escrow;
mod journal;
mod leader;
mod ledger;
mod look_back;
mod migrate;
mod notices;
mod objects;
mod rdap;
mod rde;
mod registrars;
mod settings;
mod standing;
mod tx;
mod zone;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tokio::sync::Mutex;

pub use continuity_dns::{ContinuityDnsRecord, EscrowedZone};
pub use error::StoreError;
pub use escrow::{EscrowDepositRecord, RegistrantEmails, ResellerLink};
pub use journal::{PollHead, TransactionRecord};
pub use leader::Leadership;
pub use ledger::LedgerEntry;
pub use look_back::LookBackRow;
pub use notices::{NewNoticeItem, NoticedItem, PlanKey, PlanPage, PlannedName};
pub use objects::HistoryRow;
pub use rde::RdeDepositRecord;
pub use standing::ContinuityCounts;
pub use tx::Tx;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// SQLite: one file, WAL.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Engine {
    /// The engine a URL names.
    pub fn of_url(url: &str) -> Result<Engine, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Engine::Postgres)
        } else {
            Err(StoreError::BadUrl { url: redact(url) })
        }
    }

    /// The engine's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

/// The URL with any password cut out, fit for an error message.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|at| at + 3) else {
        return url.to_owned();
    };
    match (url.get(..scheme_end), url.get(scheme_end..)) {
        (Some(scheme), Some(rest)) => match rest.rsplit_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or_default();
                format!("{scheme}{user}:…@{host}")
            }
            None => url.to_owned(),
        },
        _ => url.to_owned(),
    }
}

/// The future a [`Store::transact`] body returns.
pub type TxFuture<'t, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 't>>;

/// How often [`Store::transact`] runs a body that keeps meeting contention.
const TRANSACT_ATTEMPTS: u32 = 6;

/// A handle on the registry database; cheap to clone, shared by every task.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

struct Shared {
    pool: AnyPool,
    engine: Engine,
    /// SQLite only: the in-process queue of writers.
    writer: Option<Arc<Mutex<()>>>,
    /// This store's row in `store_boots`: the svTRID prefix that no other open shares.
    boot: u64,
    /// The last svTRID counter handed out under `boot`.
    trids: AtomicU64,
    /// Told when a transaction that moved a zone's serial commits (see [`Store::zone_moved`]).
    zone_moved: tokio::sync::Notify,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("Store")
            .field("engine", &self.shared.engine)
            .field("boot", &self.shared.boot)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if need be) the database at `url` — `sqlite:PATH` or
    /// `postgres://USER:PASSWORD@HOST/DB` — and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let engine = Engine::of_url(url)?;
        if engine == Engine::Sqlite && (url.contains(":memory:") || url.contains("mode=memory")) {
            // Each pooled connection would get a database of its own, and WAL needs a file.
            return Err(StoreError::BadUrl { url: url.to_owned() });
        }
        let (url, connections) = match engine {
            // mode=rwc: create the file if it is missing. SQLite serves one writer at a time,
            // so more connections only help readers.
            Engine::Sqlite if !url.contains('?') => (format!("{url}?mode=rwc"), 4),
            Engine::Sqlite => (url.to_owned(), 4),
            Engine::Postgres => (url.to_owned(), 10),
        };
        let connecting = |source| StoreError::Database { operation: "connecting", source };
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // A page cache of 32 MiB per connection (SQLite's default is 2 MiB):
                        // portfolio-wide work (a bulk transfer, a notice run) otherwise reads
                        // the same index pages from the operating system again and again.
                        sqlx::query("PRAGMA cache_size = -32768").execute(connection).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(connecting)?;
        if engine == Engine::Sqlite {
            // WAL is a property of the file, so setting it once is enough; sqlx already sets
            // foreign_keys = ON and a busy timeout on every connection.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await.map_err(connecting)?;
        }
        let writer = (engine == Engine::Sqlite).then(|| Arc::new(Mutex::new(())));
        let mut transaction = pool
            .begin_with(tx::begin_statement(engine, true))
            .await
            .map_err(|source| StoreError::Database { operation: "beginning migration", source })?;
        migrate::run(&mut transaction, engine).await?;
        let boot: i64 =
            sqlx::query_scalar("INSERT INTO store_boots (note) VALUES ('open') RETURNING id")
                .fetch_one(&mut *transaction)
                .await
                .map_err(|source| StoreError::Database { operation: "registering", source })?;
        transaction
            .commit()
            .await
            .map_err(|source| StoreError::Database { operation: "committing migration", source })?;
        Ok(Store {
            shared: Arc::new(Shared {
                pool,
                engine,
                writer,
                boot: u64::try_from(boot).unwrap_or_default(),
                trids: AtomicU64::new(0),
                zone_moved: tokio::sync::Notify::new(),
            }),
        })
    }

    /// The engine underneath.
    pub fn engine(&self) -> Engine {
        self.shared.engine
    }

    /// Resolves once a transaction of this process that moved a zone's serial has committed
    /// since the last wait (at once when one did meanwhile): the publisher's cue to look now
    /// rather than at its next round. Changes other processes commit are not seen here.
    pub async fn zone_moved(&self) {
        self.shared.zone_moved.notified().await;
    }

    /// SQLite only: writes a consistent copy of the whole database to `path` while the
    /// registry keeps running (`VACUUM INTO` reads one snapshot, so writers are not stopped),
    /// through a temporary file renamed into place, so `path` is either the old copy or a
    /// complete new one. PostgreSQL has its own tools for this (`pg_dump`).
    pub async fn backup_sqlite(&self, path: &std::path::Path) -> Result<(), StoreError> {
        if self.shared.engine != Engine::Sqlite {
            return Err(StoreError::Unsupported {
                what: "an online copy of a PostgreSQL registry (use pg_dump)",
            });
        }
        let partial = path.with_extension("partial");
        let io = |operation: &'static str, source: std::io::Error| StoreError::Io {
            operation,
            path: partial.display().to_string(),
            source,
        };
        match std::fs::remove_file(&partial) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(io("removing a stale partial backup", error));
            }
            _ => {}
        }
        let target = partial
            .to_str()
            .ok_or_else(|| StoreError::Unsupported { what: "a backup path that is not UTF-8" })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target.to_owned())
            .execute(&self.shared.pool)
            .await
            .map_err(|source| StoreError::Database { operation: "copying the database", source })?;
        std::fs::rename(&partial, path).map_err(|error| io("renaming the backup", error))
    }

    /// Opens a write transaction (see the module documentation for how it serializes). Write
    /// transactions queue for each other on SQLite, so a task holding one must finish it before
    /// it asks for another.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        let guard = match &self.shared.writer {
            Some(writer) => Some(Arc::clone(writer).lock_owned().await),
            None => None,
        };
        let inner = self
            .shared
            .pool
            .begin_with(tx::begin_statement(self.shared.engine, true))
            .await
            .map_err(|source| StoreError::Database {
                operation: "beginning a transaction",
                source,
            })?;
        Ok(Tx::new(inner, Arc::clone(&self.shared), true, guard))
    }

    /// Opens a read-only transaction that sees one consistent snapshot throughout (for zone
    /// publication, reports and EPP queries); it neither waits for nor blocks writers.
    pub async fn begin_read(&self) -> Result<Tx, StoreError> {
        let inner = self
            .shared
            .pool
            .begin_with(tx::begin_statement(self.shared.engine, false))
            .await
            .map_err(|source| StoreError::Database {
                operation: "beginning a transaction",
                source,
            })?;
        Ok(Tx::new(inner, Arc::clone(&self.shared), false, None))
    }

    /// Runs `body` in a write transaction and commits it; when the body or the commit meets
    /// contention (deadlock, serialization failure, SQLite busy) the whole body runs again, up
    /// to a few times. Any other error rolls back and is returned. The body is called as
    /// `|tx| Box::pin(async move { ... })`.
    pub async fn transact<T, F>(&self, mut body: F) -> Result<T, StoreError>
    where
        F: for<'t> FnMut(&'t mut Tx) -> TxFuture<'t, T>,
    {
        let mut attempt = 1;
        loop {
            let mut transaction = self.begin().await?;
            let outcome = match body(&mut transaction).await {
                Ok(value) => transaction.commit().await.map(|()| value),
                Err(error) => {
                    let retryable = error.is_retryable() || transaction.failed_retryably();
                    transaction.rollback().await.ok();
                    if retryable && attempt < TRANSACT_ATTEMPTS {
                        attempt += 1;
                        tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 3)).await;
                        continue;
                    }
                    Err(error)
                }
            };
            match outcome {
                Err(error) if error.is_retryable() && attempt < TRANSACT_ATTEMPTS => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(u64::from(attempt) * 3)).await;
                }
                other => return other,
            }
        }
    }

    /// A server transaction id no other command of any process on this database has had or
    /// will have: this open's number in the database, then a counter. It is drawn outside any
    /// transaction, so a command that fails and rolls back still has an id no one reuses.
    pub fn next_sv_trid(&self) -> String {
        self.shared.next_sv_trid()
    }

    /// The schema as the migrations built it, one sorted line per column (`table.column type
    /// [not null]`) and per explicit index (`index name on table`): lets tests, and an
    /// operator's check, confirm that both engines hold the same schema.
    pub async fn schema_outline(&self) -> Result<Vec<String>, StoreError> {
        let (columns, indexes) = match self.shared.engine {
            Engine::Sqlite => (
                "SELECT m.name AS table_name, p.name AS column_name, lower(p.type) AS column_type, \
                        CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 1 ELSE 0 END AS required \
                 FROM sqlite_master m, pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'",
                "SELECT tbl_name AS table_name, name AS index_name FROM sqlite_master \
                 WHERE type = 'index' AND sql IS NOT NULL",
            ),
            Engine::Postgres => (
                "SELECT CAST(table_name AS TEXT) AS table_name, \
                        CAST(column_name AS TEXT) AS column_name, \
                        CAST(data_type AS TEXT) AS column_type, \
                        CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END AS required \
                 FROM information_schema.columns WHERE table_schema = current_schema()",
                "SELECT CAST(tablename AS TEXT) AS table_name, CAST(indexname AS TEXT) AS index_name \
                 FROM pg_indexes WHERE schemaname = current_schema() \
                 AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            ),
        };
        let failed = |source| StoreError::Database { operation: "reading the schema", source };
        let mut outline = Vec::new();
        for row in sqlx::query(columns).fetch_all(&self.shared.pool).await.map_err(failed)? {
            let table: String = codec::get(&row, "table_name")?;
            let column: String = codec::get(&row, "column_name")?;
            let kind: String = codec::get(&row, "column_type")?;
            let required: i64 = codec::get(&row, "required")?;
            // SQLite's auto-numbered key must be spelled INTEGER; it holds 64 bits.
            let kind = if kind == "integer" { "bigint".to_owned() } else { kind };
            let null = if required == 1 { " not null" } else { "" };
            outline.push(format!("{table}.{column} {kind}{null}"));
        }
        for row in sqlx::query(indexes).fetch_all(&self.shared.pool).await.map_err(failed)? {
            let table: String = codec::get(&row, "table_name")?;
            let index: String = codec::get(&row, "index_name")?;
            outline.push(format!("index {index} on {table}"));
        }
        outline.sort();
        Ok(outline)
    }

    /// How many rows each table holds, by table name in sorted order: for an operator's status
    /// view, and for tests that must show a refused command wrote nothing.
    pub async fn row_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let failed = |source| StoreError::Database { operation: "counting rows", source };
        let mut tables: Vec<String> = self
            .schema_outline()
            .await?
            .iter()
            .filter(|line| !line.starts_with("index "))
            .filter_map(|line| line.split_once('.').map(|(table, _)| table.to_owned()))
            .collect();
        tables.dedup();
        let mut counts = Vec::with_capacity(tables.len());
        for table in tables {
            // The names come from the database's own catalogue, never from input.
            let sql = format!("SELECT COUNT(*) AS n FROM {table}");
            let row = sqlx::query(&sql).fetch_one(&self.shared.pool).await.map_err(failed)?;
            let count: i64 = codec::get(&row, "n")?;
            counts.push((table, u64::try_from(count).unwrap_or_default()));
        }
        Ok(counts)
    }

    /// Closes every connection, waiting for transactions in flight to finish.
    pub async fn close(&self) {
        self.shared.pool.close().await;
    }
}

impl Shared {
    fn next_sv_trid(&self) -> String {
        let count = self.trids.fetch_add(1, Ordering::Relaxed) + 1;
        format!("NW-{}-{count}", self.boot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_engine() {
        assert_eq!(Engine::of_url("sqlite:/tmp/x.db").ok(), Some(Engine::Sqlite));
        assert_eq!(Engine::of_url("postgres://a@b/c").ok(), Some(Engine::Postgres));
        assert_eq!(Engine::of_url("postgresql://a@b/c").ok(), Some(Engine::Postgres));
        assert!(Engine::of_url("mysql://a@b/c").is_err());
    }

    #[test]
    fn passwords_stay_out_of_errors() {
        let Err(error) = Engine::of_url("mysql://user:secret@host/db") else {
            return;
        };
        let text = error.to_string();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("user:…@host/db"), "{text}");
    }
}
