//! Registrant desk cases, their audit trail, the events its limits count and the refusals it
//! records.

use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::codec::{get, get_instant, get_instant_opt, get_u64, micros, micros_opt};
use super::error::StoreError;
use super::tx::{Tx, conflict, found};
use crate::continuity::desk::{AuditEntry, Case, CaseKind, CaseState, Method, Recent};

const COLUMNS: &str = "id, domain, sponsor, kind, state, token, detail, code_hash, code_expires_at, \
                       codes_sent, failures, locked, verified_by, code_session, verified_session, \
                       next_guess_at, created_at, updated_at";

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
        code_session: get(row, "code_session")?,
        verified_session: get(row, "verified_session")?,
        next_guess_at: get_instant_opt(row, "next_guess_at")?,
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
             sponsor, code_session, verified_session, next_guess_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18)",
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
        .bind(case.sponsor.as_str())
        .bind(case.code_session.as_deref())
        .bind(case.verified_session.as_deref())
        .bind(micros_opt(case.next_guess_at)?);
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
             codes_sent = $6, failures = $7, locked = $8, verified_by = $9, updated_at = $10, \
             code_session = $11, verified_session = $12, next_guess_at = $13 WHERE id = $1",
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
        .bind(micros(case.updated_at)?)
        .bind(case.code_session.as_deref())
        .bind(case.verified_session.as_deref())
        .bind(micros_opt(case.next_guess_at)?);
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

    /// What `scope` has counted for `subject` since `since`.
    pub async fn desk_recent(
        &mut self,
        scope: &str,
        subject: &str,
        since: OffsetDateTime,
    ) -> Result<Recent, StoreError> {
        let query = sqlx::query(
            "SELECT COUNT(*) AS n, MAX(at) AS latest FROM desk_events \
             WHERE scope = $1 AND subject = $2 AND at >= $3",
        )
        .bind(scope)
        .bind(subject)
        .bind(micros(since)?);
        let row = self.one("counting desk events", query).await?;
        Ok(Recent { count: get_u64(&row, "n")?, latest: get_instant_opt(&row, "latest")? })
    }

    /// Counts an event of `scope` for `subject`, and drops events older than `prune_before`.
    pub async fn desk_count(
        &mut self,
        scope: &str,
        subject: &str,
        at: OffsetDateTime,
        prune_before: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.writing("desk_count")?;
        let prune =
            sqlx::query("DELETE FROM desk_events WHERE at < $1").bind(micros(prune_before)?);
        self.run("pruning desk events", prune).await?;
        let query = sqlx::query("INSERT INTO desk_events (scope, subject, at) VALUES ($1, $2, $3)")
            .bind(scope)
            .bind(subject)
            .bind(micros(at)?);
        self.run("counting a desk event", query).await?;
        Ok(())
    }

    /// Records a refusal made outside a case's own trail.
    pub async fn desk_refusal(
        &mut self,
        at: OffsetDateTime,
        step: &str,
        refusal: &str,
        client: &str,
        case_id: Option<&str>,
    ) -> Result<(), StoreError> {
        self.writing("desk_refusal")?;
        let query = sqlx::query(
            "INSERT INTO desk_refusals (at, step, refusal, client, case_id) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(micros(at)?)
        .bind(step)
        .bind(refusal)
        .bind(client)
        .bind(case_id);
        self.run("recording a desk refusal", query).await?;
        Ok(())
    }

    /// The refusals recorded at or after `since`, oldest first, at most `limit`: (at, step,
    /// refusal, client, case).
    pub async fn desk_refusals_since(
        &mut self,
        since: OffsetDateTime,
        limit: u32,
    ) -> Result<Vec<(OffsetDateTime, String, String, String, Option<String>)>, StoreError> {
        let query = sqlx::query(
            "SELECT at, step, refusal, client, case_id FROM desk_refusals WHERE at >= $1 \
             ORDER BY id LIMIT $2",
        )
        .bind(micros(since)?)
        .bind(i64::from(limit));
        self.rows("reading desk refusals", query)
            .await?
            .iter()
            .map(|row| {
                Ok((
                    get_instant(row, "at")?,
                    get(row, "step")?,
                    get(row, "refusal")?,
                    get(row, "client")?,
                    get(row, "case_id")?,
                ))
            })
            .collect()
    }
}
