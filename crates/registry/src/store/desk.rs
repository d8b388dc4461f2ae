//! Registrant desk cases, their audit trail and the per-client failure log.

use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::codec::{get, get_instant, get_instant_opt, get_u64, micros, micros_opt};
use super::error::StoreError;
use super::tx::{Tx, conflict, found};
use crate::continuity::desk::{AuditEntry, Case, CaseKind, CaseState, Method};

const COLUMNS: &str = "id, domain, sponsor, kind, state, token, detail, code_hash, code_expires_at, \
                       codes_sent, failures, locked, verified_by, created_at, updated_at";

fn case(row: &AnyRow) -> Result<Case, StoreError> {
    let corrupt = |what: &str, value: &str| StoreError::Corrupt {
        what: format!("desk_cases.{what}"),
        detail: format!("unknown value {value:?}"),
    };
    let kind: String = get(row, "kind")?;
    let state: String = get(row, "state")?;
    let verified_by: Option<String> = get(row, "verified_by")?;
    let count = |name| get_u64(row, name).map(|n| u32::try_from(n).unwrap_or(u32::MAX));
    Ok(Case {
        id: get(row, "id")?,
        domain: get(row, "domain")?,
        sponsor: get(row, "sponsor")?,
        kind: CaseKind::parse(&kind).ok_or_else(|| corrupt("kind", &kind))?,
        state: CaseState::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        token: get(row, "token")?,
        detail: get(row, "detail")?,
        code_hash: get(row, "code_hash")?,
        code_expires_at: get_instant_opt(row, "code_expires_at")?,
        codes_sent: count("codes_sent")?,
        failures: count("failures")?,
        locked: get::<i64>(row, "locked")? != 0,
        verified_by: match verified_by {
            Some(text) => Some(Method::parse(&text).ok_or_else(|| corrupt("verified_by", &text))?),
            None => None,
        },
        created_at: get_instant(row, "created_at")?,
        updated_at: get_instant(row, "updated_at")?,
    })
}

impl Tx {
    /// Adds a case; [`StoreError::Exists`] if its id is taken.
    pub async fn insert_case(&mut self, case: &Case) -> Result<(), StoreError> {
        self.writing("insert_case")?;
        let query = sqlx::query(
            "INSERT INTO desk_cases (id, domain, kind, state, token, detail, code_hash, \
             code_expires_at, codes_sent, failures, locked, verified_by, created_at, updated_at, \
             sponsor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(case.id.as_str())
        .bind(case.domain.as_str())
        .bind(case.kind.as_str())
        .bind(case.state.as_str())
        .bind(case.token.as_str())
        .bind(case.detail.as_deref())
        .bind(case.code_hash.as_deref())
        .bind(micros_opt(case.code_expires_at)?)
        .bind(i64::from(case.codes_sent))
        .bind(i64::from(case.failures))
        .bind(i64::from(case.locked))
        .bind(case.verified_by.map(Method::as_str))
        .bind(micros(case.created_at)?)
        .bind(micros(case.updated_at)?)
        .bind(case.sponsor.as_str());
        self.run("opening a case", query)
            .await
            .map_err(|error| conflict(error, "case", &case.id))?;
        Ok(())
    }

    /// The case `id`; locked against other writers when `lock`.
    pub async fn get_case(&mut self, id: &str, lock: bool) -> Result<Option<Case>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM desk_cases WHERE id = $1{}", self.lock_clause(lock));
        self.row("reading a case", sqlx::query(&sql).bind(id)).await?.as_ref().map(case).transpose()
    }

    /// Rewrites the case `case.id` (everything but its id, domain, kind and creation).
    pub async fn update_case(&mut self, case: &Case) -> Result<(), StoreError> {
        self.writing("update_case")?;
        let query = sqlx::query(
            "UPDATE desk_cases SET state = $2, detail = $3, code_hash = $4, code_expires_at = $5, \
             codes_sent = $6, failures = $7, locked = $8, verified_by = $9, updated_at = $10 \
             WHERE id = $1",
        )
        .bind(case.id.as_str())
        .bind(case.state.as_str())
        .bind(case.detail.as_deref())
        .bind(case.code_hash.as_deref())
        .bind(micros_opt(case.code_expires_at)?)
        .bind(i64::from(case.codes_sent))
        .bind(i64::from(case.failures))
        .bind(i64::from(case.locked))
        .bind(case.verified_by.map(Method::as_str))
        .bind(micros(case.updated_at)?);
        let rows = self.run("updating a case", query).await?;
        found(rows, "case", &case.id)
    }

    /// Appends a step to a case's audit trail.
    pub async fn audit_case(
        &mut self,
        case_id: &str,
        entry: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.writing("audit_case")?;
        let query = sqlx::query(
            "INSERT INTO desk_audit (case_id, at, action, client, detail) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(case_id)
        .bind(micros(entry.at)?)
        .bind(entry.action.as_str())
        .bind(entry.client.as_str())
        .bind(entry.detail.as_deref());
        self.run("auditing a case", query).await?;
        Ok(())
    }

    /// A case's audit trail, oldest first (a case has a handful of steps: its codes are
    /// limited and it locks after a few failures).
    pub async fn case_audit(&mut self, case_id: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let query = sqlx::query(
            "SELECT at, action, client, detail FROM desk_audit WHERE case_id = $1 ORDER BY id",
        )
        .bind(case_id);
        self.rows("reading a case's audit trail", query)
            .await?
            .iter()
            .map(|row| {
                Ok(AuditEntry {
                    at: get_instant(row, "at")?,
                    action: get(row, "action")?,
                    client: get(row, "client")?,
                    detail: get(row, "detail")?,
                })
            })
            .collect()
    }

    /// Logs a wrong code from `client`.
    pub async fn record_desk_failure(
        &mut self,
        client: &str,
        case_id: &str,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.writing("record_desk_failure")?;
        let query =
            sqlx::query("INSERT INTO desk_failures (client, case_id, at) VALUES ($1, $2, $3)")
                .bind(client)
                .bind(case_id)
                .bind(micros(at)?);
        self.run("logging a wrong code", query).await?;
        Ok(())
    }

    /// Wrong codes from `client` at or after `since`.
    pub async fn desk_failures_since(
        &mut self,
        client: &str,
        since: OffsetDateTime,
    ) -> Result<u64, StoreError> {
        let query =
            sqlx::query("SELECT COUNT(*) AS n FROM desk_failures WHERE client = $1 AND at >= $2")
                .bind(client)
                .bind(micros(since)?);
        get_u64(&self.one("counting wrong codes", query).await?, "n")
    }
}
