//! The look-back on declare-failed: the deletes a registrar made, read from history, and what
//! became of each name ([`crate::continuity::lookback`]).

use time::OffsetDateTime;

use super::codec::{from_json, get, get_instant, micros};
use super::error::StoreError;
use super::tx::Tx;
use crate::continuity::lookback::Deleted;
use crate::model::Domain;

/// What became of one name a failed registrar had deleted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LookBackRow {
    /// The name.
    pub domain: String,
    /// When the registrar deleted it.
    #[serde(with = "time::serde::rfc3339")]
    pub deleted_at: OffsetDateTime,
    /// `reinstated`, `taken` or `kept`.
    pub outcome: String,
    /// Who holds it, when someone else registered it meanwhile.
    pub holder: Option<String>,
}

impl Tx {
    /// The domain deletes `registrar` made at or after `since`, oldest first, each with the
    /// domain as it was just before (the history entry's `before` document).
    pub async fn domain_deletes_by(
        &mut self,
        registrar: &str,
        since: OffsetDateTime,
    ) -> Result<Vec<Deleted>, StoreError> {
        let query = sqlx::query(
            "SELECT at, object_id, before_doc FROM history \
             WHERE actor = $1 AND action = 'delete' AND at >= $2 AND object_kind = 'domain' \
             ORDER BY id",
        )
        .bind(registrar)
        .bind(micros(since)?);
        let rows = self.rows("reading a registrar's deletes", query).await?;
        let mut deletes = Vec::with_capacity(rows.len());
        for row in &rows {
            let name: String = get(row, "object_id")?;
            let Some(doc) = get::<Option<String>>(row, "before_doc")? else {
                return Err(StoreError::Corrupt {
                    what: format!("history of domain {name}"),
                    detail: "a delete without the domain as it was".to_owned(),
                });
            };
            let before: Domain = from_json(&doc, &format!("history of domain {name}"))?;
            deletes.push(Deleted { at: get_instant(row, "at")?, before });
        }
        Ok(deletes)
    }

    /// Records what became of a name `registrar` had deleted.
    pub async fn record_look_back(
        &mut self,
        registrar: &str,
        row: &LookBackRow,
        at: OffsetDateTime,
    ) -> Result<(), StoreError> {
        self.writing("record_look_back")?;
        let query = sqlx::query(
            "INSERT INTO continuity_look_back \
             (registrar, domain, deleted_at, outcome, holder, decided_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(registrar)
        .bind(row.domain.as_str())
        .bind(micros(row.deleted_at)?)
        .bind(row.outcome.as_str())
        .bind(row.holder.as_deref())
        .bind(micros(at)?);
        self.run("recording the look-back", query).await?;
        Ok(())
    }

    /// What the look-back found for `registrar`, by name.
    pub async fn look_back_of(&mut self, registrar: &str) -> Result<Vec<LookBackRow>, StoreError> {
        let query = sqlx::query(
            "SELECT domain, deleted_at, outcome, holder FROM continuity_look_back \
             WHERE registrar = $1 ORDER BY domain",
        )
        .bind(registrar);
        let rows = self.rows("reading the look-back", query).await?;
        rows.iter()
            .map(|row| {
                Ok(LookBackRow {
                    domain: get(row, "domain")?,
                    deleted_at: get_instant(row, "deleted_at")?,
                    outcome: get(row, "outcome")?,
                    holder: get(row, "holder")?,
                })
            })
            .collect()
    }
}
