//! Leadership among several processes over one database: the work that must run in exactly
//! one place at a time (lifecycle ticks, notice queueing, backups) runs in the process that
//! holds it, while every process serves EPP and DNS.
//!
//! On PostgreSQL it is a session-level advisory lock held by one connection set apart from
//! the pool: the lock lives exactly as long as that session, so a leader that dies (even by
//! `kill -9`) releases it when its connection closes, and a standby's next attempt wins. The
//! leader checks its session regularly and gives the work up when the check fails, so that a
//! leader cut off from the database stops acting as one. A SQLite database belongs to one
//! machine and, in practice, one process: there every process leads.

use std::time::Duration;

use sqlx::{AnyConnection, Connection};

use super::{Engine, Store, StoreError};

/// The advisory lock's key: "nwleader" in ASCII, so an operator sees what holds it in
/// `pg_locks`. It must differ from the migrations' lock ("nameward"), which every process
/// takes when it opens the store: sharing it would keep a second process from starting
/// while a leader lives.
const LOCK_KEY: i64 = 0x6e77_6c65_6164_6572;

/// How long a check of the leader's session may take before it counts as lost.
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);

/// The right to do the work that runs in one process at a time; released when dropped.
#[derive(Debug)]
pub struct Leadership {
    /// PostgreSQL: the session that holds the advisory lock. SQLite: none.
    session: Option<AnyConnection>,
}

impl Store {
    /// Takes leadership if no other process holds it: `None` while another does.
    pub async fn try_lead(&self) -> Result<Option<Leadership>, StoreError> {
        if self.engine() == Engine::Sqlite {
            return Ok(Some(Leadership { session: None }));
        }
        let failed = |source| StoreError::Database { operation: "taking leadership", source };
        let mut session = self.shared.pool.acquire().await.map_err(failed)?.detach();
        let locked: i64 = sqlx::query_scalar(
            "SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END::bigint",
        )
        .bind(LOCK_KEY)
        .fetch_one(&mut session)
        .await
        .map_err(failed)?;
        if locked == 1 {
            Ok(Some(Leadership { session: Some(session) }))
        } else {
            let _ = session.close().await;
            Ok(None)
        }
    }
}

impl Leadership {
    /// Whether leadership still holds: the session that holds the lock answers in time.
    pub async fn still_held(&mut self) -> bool {
        let Some(session) = &mut self.session else { return true };
        matches!(tokio::time::timeout(CHECK_TIMEOUT, session.ping()).await, Ok(Ok(())))
    }

    /// Gives leadership up now (dropping it does the same when the session closes).
    pub async fn release(mut self) {
        if let Some(session) = self.session.take() {
            let _ = session.close().await;
        }
    }
}
