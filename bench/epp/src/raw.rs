//! The database's own rate: single-row transactions through sqlx on the same database, opened
//! the way the registry's store opens it (same URL and driver, same pool size, WAL on SQLite,
//! the same BEGIN statements), with no EPP, TLS or registry logic around them.
//!
//! - write: `BEGIN` (SQLite: `BEGIN IMMEDIATE`); one `INSERT` of a new row with a unique
//!   name; `COMMIT`. On SQLite the writers queue on an in-process async mutex first, as the
//!   store's do, instead of polling on SQLite's busy handler.
//! - read: `BEGIN` (SQLite: `BEGIN DEFERRED`; PostgreSQL: `REPEATABLE READ READ ONLY`, as the
//!   store's snapshots); one `SELECT` of an existing row by its key; `ROLLBACK`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::{Context, Result};
use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;
use tokio::sync::Mutex;

use crate::db::Engine;
use crate::stats::{Tally, Window};

/// A row's payload: about the size of a small registry row.
const DOC: &str = "{\"note\":\"raw single-row transaction\",\"padding\":\"................................................................................................................................................................................\"}";

/// The raw side of a run.
pub struct Raw {
    pool: AnyPool,
    engine: Engine,
    writer: Arc<Mutex<()>>,
    /// Numbers the rows written, across tasks and slices.
    next: AtomicU64,
}

impl Raw {
    /// Opens a pool on `url` (sized as the store sizes its own) and creates the scratch table.
    pub async fn open(engine: Engine, url: &str) -> Result<Raw> {
        sqlx::any::install_default_drivers();
        let (url, connections) = match engine {
            Engine::Sqlite => (format!("{url}?mode=rwc"), 4),
            Engine::Postgres => (url.to_owned(), 10),
        };
        let pool = AnyPoolOptions::new()
            .max_connections(connections)
            .connect(&url)
            .await
            .context("opening the raw pool")?;
        sqlx::query(
            "CREATE TABLE IF NOT EXISTS bench_raw (name TEXT PRIMARY KEY, doc TEXT NOT NULL)",
        )
        .execute(&pool)
        .await
        .context("creating bench_raw")?;
        // NAMEWARD_BENCH_PRAGMAS=1 shows how the raw pool's connections are set up.
        if std::env::var_os("NAMEWARD_BENCH_PRAGMAS").is_some() {
            for pragma in ["journal_mode", "synchronous"] {
                let value: String = sqlx::query_scalar(&format!(
                    "SELECT CAST({pragma} AS TEXT) FROM pragma_{pragma}"
                ))
                .fetch_one(&pool)
                .await?;
                eprintln!("raw pool: {pragma} = {value}");
            }
        }
        Ok(Raw { pool, engine, writer: Arc::new(Mutex::new(())), next: AtomicU64::new(1) })
    }

    fn begin_statement(&self, write: bool) -> &'static str {
        match (self.engine, write) {
            (Engine::Sqlite, true) => "BEGIN IMMEDIATE",
            (Engine::Sqlite, false) => "BEGIN DEFERRED",
            (Engine::Postgres, true) => "BEGIN ISOLATION LEVEL READ COMMITTED READ WRITE",
            (Engine::Postgres, false) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        }
    }

    async fn write_one(&self, name: &str) -> Result<()> {
        let _queued = match self.engine {
            Engine::Sqlite => Some(self.writer.lock().await),
            Engine::Postgres => None,
        };
        let mut tx = self.pool.begin_with(self.begin_statement(true)).await?;
        sqlx::query("INSERT INTO bench_raw (name, doc) VALUES ($1, $2)")
            .bind(name)
            .bind(DOC)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn read_one(&self, name: &str) -> Result<()> {
        let mut tx = self.pool.begin_with(self.begin_statement(false)).await?;
        let row: Option<String> = sqlx::query_scalar("SELECT doc FROM bench_raw WHERE name = $1")
            .bind(name)
            .fetch_optional(&mut *tx)
            .await?;
        tx.rollback().await?;
        row.map(|_| ()).with_context(|| format!("row {name} missing"))
    }

    /// One task's write loop; returns its tally and the names it wrote.
    pub async fn writes(self: Arc<Self>, task: usize, window: Window) -> (Tally, Vec<String>) {
        let mut tally = Tally::default();
        let mut names = Vec::new();
        while Instant::now() < window.end {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            let name = format!("raw-t{task}-{n}");
            let started = Instant::now();
            let outcome = self.write_one(&name).await.map_err(|e| format!("{e:#}"));
            if outcome.is_ok() {
                names.push(name);
            }
            tally.record(&window, started, started.elapsed(), outcome);
        }
        (tally, names)
    }

    /// One task's read loop over `names` (rows that exist).
    pub async fn reads(
        self: Arc<Self>,
        names: Arc<Vec<String>>,
        task: usize,
        window: Window,
    ) -> Tally {
        let mut tally = Tally::default();
        if names.is_empty() {
            tally.errors = 1;
            tally.first_error = Some("no rows to read: the write phase wrote none".to_owned());
            return tally;
        }
        // Tasks start at different places so they do not read the same rows in step.
        let mut at = task * names.len() / 10;
        while Instant::now() < window.end {
            at = (at + 1) % names.len();
            let name = names.get(at).map_or("", String::as_str);
            let started = Instant::now();
            let outcome = self.read_one(name).await.map_err(|e| format!("{e:#}"));
            tally.record(&window, started, started.elapsed(), outcome);
        }
        tally
    }

    /// Closes the pool.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}
