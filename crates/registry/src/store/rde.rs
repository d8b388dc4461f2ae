//! Registry data escrow: the record of each deposit the registry made of a TLD.

use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::codec::{get, get_instant, get_u64, micros, to_i64};
use super::error::StoreError;
use super::tx::{Tx, conflict};

/// One registry data escrow deposit, as the registry recorded it when it wrote the files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RdeDepositRecord {
    /// The TLD deposited.
    pub tld: String,
    /// The deposit's `id` (RFC 8909 `depositIdType`).
    pub deposit_id: String,
    /// `FULL` or `DIFF`.
    pub kind: String,
    /// The deposit a DIFF follows.
    pub prev_id: Option<String>,
    /// How many times this deposit was sent again before (the `R{rev}` of its file names).
    pub resend: u32,
    /// The instant the deposit describes.
    #[serde(with = "time::serde::rfc3339")]
    pub watermark: OffsetDateTime,
    /// Domain objects in it.
    pub domains: u64,
    /// Host objects in it.
    pub hosts: u64,
    /// Contact objects in it.
    pub contacts: u64,
    /// Registrar objects in it.
    pub registrars: u64,
    /// Objects it deletes (a DIFF).
    pub deletes: u64,
    /// The files written, space-separated.
    pub files: String,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub made_at: OffsetDateTime,
    /// The last change (`rde_changes` id) its snapshot is known to hold: the next DIFF
    /// holds what changed after it. `None` for a deposit no DIFF can follow.
    pub change_mark: Option<u64>,
}

const COLUMNS: &str = "tld, deposit_id, kind, prev_id, resend, watermark, domains, hosts, \
                       contacts, registrars, deletes, files, made_at, change_mark";

fn record(row: &AnyRow) -> Result<RdeDepositRecord, StoreError> {
    Ok(RdeDepositRecord {
        tld: get(row, "tld")?,
        deposit_id: get(row, "deposit_id")?,
        kind: get(row, "kind")?,
        prev_id: get(row, "prev_id")?,
        resend: u32::try_from(get_u64(row, "resend")?).map_err(|_| StoreError::Corrupt {
            what: "rde_deposits.resend".to_owned(),
            detail: "beyond 32 bits".to_owned(),
        })?,
        watermark: get_instant(row, "watermark")?,
        domains: get_u64(row, "domains")?,
        hosts: get_u64(row, "hosts")?,
        contacts: get_u64(row, "contacts")?,
        registrars: get_u64(row, "registrars")?,
        deletes: get_u64(row, "deletes")?,
        files: get(row, "files")?,
        made_at: get_instant(row, "made_at")?,
        change_mark: get::<Option<i64>>(row, "change_mark")?
            .map(|mark| {
                u64::try_from(mark).map_err(|_| StoreError::Corrupt {
                    what: "rde_deposits.change_mark".to_owned(),
                    detail: format!("{mark} is negative"),
                })
            })
            .transpose()?,
    })
}

impl Tx {
    /// Records a deposit made; [`StoreError::Exists`] if that id and resend number of the
    /// TLD is recorded already.
    pub async fn record_rde_deposit(
        &mut self,
        deposit: &RdeDepositRecord,
    ) -> Result<(), StoreError> {
        self.writing("record_rde_deposit")?;
        let query = sqlx::query(
            "INSERT INTO rde_deposits (tld, deposit_id, kind, prev_id, resend, watermark, \
             domains, hosts, contacts, registrars, deletes, files, made_at, change_mark) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(deposit.tld.as_str())
        .bind(deposit.deposit_id.as_str())
        .bind(deposit.kind.as_str())
        .bind(deposit.prev_id.as_deref())
        .bind(i64::from(deposit.resend))
        .bind(micros(deposit.watermark)?)
        .bind(to_i64(deposit.domains, "domains")?)
        .bind(to_i64(deposit.hosts, "hosts")?)
        .bind(to_i64(deposit.contacts, "contacts")?)
        .bind(to_i64(deposit.registrars, "registrars")?)
        .bind(to_i64(deposit.deletes, "deletes")?)
        .bind(deposit.files.as_str())
        .bind(micros(deposit.made_at)?)
        .bind(deposit.change_mark.map(|mark| to_i64(mark, "change_mark")).transpose()?);
        self.run("recording a registry escrow deposit", query)
            .await
            .map_err(|error| conflict(error, "registry escrow deposit", &deposit.deposit_id))?;
        Ok(())
    }

    /// The deposits recorded for `tld`, latest watermark first (ties: latest made first).
    pub async fn rde_deposits(&mut self, tld: &str) -> Result<Vec<RdeDepositRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM rde_deposits WHERE tld = $1 \
             ORDER BY watermark DESC, made_at DESC"
        );
        self.rows("listing registry escrow deposits", sqlx::query(&sql).bind(tld))
            .await?
            .iter()
            .map(record)
            .collect()
    }

    /// The mark a deposit's snapshot will hold every change up to: the last change noted, once
    /// no transaction that noted an earlier one is still running. On PostgreSQL ids are handed
    /// out before commit, so a running writer may hold a lower id than one already visible;
    /// the SHARE lock waits for every such writer and holds back new ones until this
    /// transaction ends, so commit it at once, then open the deposit's snapshot. On SQLite the
    /// write transaction itself excludes every other writer.
    pub async fn rde_change_mark(&mut self) -> Result<u64, StoreError> {
        self.writing("rde_change_mark")?;
        if self.engine() == super::Engine::Postgres {
            self.run(
                "waiting for running writers",
                sqlx::query("LOCK TABLE rde_changes IN SHARE MODE"),
            )
            .await?;
        }
        let row = self
            .one(
                "reading the last escrow change",
                sqlx::query("SELECT COALESCE(MAX(id), 0) AS mark FROM rde_changes"),
            )
            .await?;
        get_u64(&row, "mark")
    }

    /// Keys of `kind` (`domain`, `host`, `contact`, `registrar`) changed after change `since`,
    /// in key order after `after`, at most `page` of them.
    pub async fn rde_changed_keys(
        &mut self,
        kind: &str,
        since: u64,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query(
            "SELECT DISTINCT key FROM rde_changes WHERE kind = $1 AND key > $2 AND id > $3 \
             ORDER BY key LIMIT $4",
        )
        .bind(kind)
        .bind(after.unwrap_or(""))
        .bind(to_i64(since, "change mark")?)
        .bind(i64::from(page));
        self.rows("reading escrow changes", query)
            .await?
            .iter()
            .map(|row| get(row, "key"))
            .collect()
    }

    /// Forgets the changes no DIFF will need: those up to the oldest latest mark of the TLDs
    /// that have deposits. Returns how many were removed.
    pub async fn prune_rde_changes(&mut self) -> Result<u64, StoreError> {
        self.writing("prune_rde_changes")?;
        let query = sqlx::query(
            "DELETE FROM rde_changes WHERE id <= (SELECT MIN(latest) FROM \
             (SELECT MAX(change_mark) AS latest FROM rde_deposits GROUP BY tld) AS marks)",
        );
        self.run("pruning escrow changes", query).await
    }
}
