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
}

const COLUMNS: &str = "tld, deposit_id, kind, prev_id, resend, watermark, domains, hosts, \
                       contacts, registrars, deletes, files, made_at";

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
             domains, hosts, contacts, registrars, deletes, files, made_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
        .bind(micros(deposit.made_at)?);
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
}
