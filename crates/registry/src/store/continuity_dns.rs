//! Continuity DNS overrides: names the registry delegates to its own name servers, with the
//! escrowed zone it serves for each (see [`crate::continuity::dns`]).

use std::collections::BTreeSet;

use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::codec::{get, get_instant, micros};
use super::error::StoreError;
use super::tx::{Tx, limit};

const COLUMNS: &str = "c.domain AS domain, c.zone AS zone, c.zone_text AS zone_text, \
                       c.escrow_registrar AS escrow_registrar, c.deposit_id AS deposit_id, \
                       c.case_id AS case_id, c.switched_by AS switched_by, \
                       c.switched_at AS switched_at";

/// A name on continuity DNS.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ContinuityDnsRecord {
    /// The domain, lower case.
    pub domain: String,
    /// Its TLD.
    pub zone: String,
    /// The escrowed zone file served for it, as it was when switched.
    pub zone_text: String,
    /// The registrar whose escrow it came from.
    pub escrow_registrar: String,
    /// The deposit that last wrote it.
    pub deposit_id: String,
    /// The registrant desk case that asked for it, if one did.
    pub case_id: Option<String>,
    /// Who switched it (the operator, or the registry for a desk case).
    pub switched_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub switched_at: OffsetDateTime,
}

fn record(row: &AnyRow) -> Result<ContinuityDnsRecord, StoreError> {
    Ok(ContinuityDnsRecord {
        domain: get(row, "domain")?,
        zone: get(row, "zone")?,
        zone_text: get(row, "zone_text")?,
        escrow_registrar: get(row, "escrow_registrar")?,
        deposit_id: get(row, "deposit_id")?,
        case_id: get(row, "case_id")?,
        switched_by: get(row, "switched_by")?,
        switched_at: get_instant(row, "switched_at")?,
    })
}

/// A hosted zone as some registrar's escrow holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscrowedZone {
    /// The registrar whose escrow holds it.
    pub registrar: String,
    /// The deposit that last wrote it.
    pub deposit_id: String,
    /// The zone file.
    pub text: String,
}

impl Tx {
    /// The override of `domain`, if it is on continuity DNS.
    pub async fn continuity_dns(
        &mut self,
        domain: &str,
    ) -> Result<Option<ContinuityDnsRecord>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM continuity_dns c WHERE c.domain = $1");
        let found = self.row("reading a continuity DNS override", sqlx::query(&sql).bind(domain));
        found.await?.as_ref().map(record).transpose()
    }

    /// Puts `entry.domain` on continuity DNS, replacing any override it had.
    pub async fn put_continuity_dns(
        &mut self,
        entry: &ContinuityDnsRecord,
    ) -> Result<(), StoreError> {
        self.writing("put_continuity_dns")?;
        self.end_continuity_dns(&entry.domain).await?;
        let query = sqlx::query(
            "INSERT INTO continuity_dns (domain, zone, zone_text, escrow_registrar, deposit_id, \
             case_id, switched_by, switched_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(entry.domain.as_str())
        .bind(entry.zone.as_str())
        .bind(entry.zone_text.as_str())
        .bind(entry.escrow_registrar.as_str())
        .bind(entry.deposit_id.as_str())
        .bind(entry.case_id.as_deref())
        .bind(entry.switched_by.as_str())
        .bind(micros(entry.switched_at)?);
        self.run("switching a name to continuity DNS", query).await?;
        Ok(())
    }

    /// Ends the override of `domain`; whether it had one.
    pub async fn end_continuity_dns(&mut self, domain: &str) -> Result<bool, StoreError> {
        self.writing("end_continuity_dns")?;
        let query = sqlx::query("DELETE FROM continuity_dns WHERE domain = $1").bind(domain);
        Ok(self.run("ending a continuity DNS override", query).await? > 0)
    }

    /// The names of `zone` on continuity DNS, in name order, at most `page` after `after`.
    pub async fn continuity_dns_names(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query(
            "SELECT domain FROM continuity_dns WHERE zone = $1 AND domain > $2 \
             ORDER BY domain LIMIT $3",
        )
        .bind(zone)
        .bind(after.unwrap_or(""))
        .bind(limit(page));
        let rows = self.rows("reading continuity DNS names", query).await?;
        rows.iter().map(|row| get(row, "domain")).collect()
    }

    /// Which of `names` are on continuity DNS.
    pub async fn continuity_dns_among(
        &mut self,
        names: &[String],
    ) -> Result<BTreeSet<String>, StoreError> {
        let sql =
            |list: &str| format!("SELECT domain FROM continuity_dns WHERE domain IN ({list})");
        let rows =
            self.rows_for_names("reading continuity DNS names", names, 500, &[], sql).await?;
        rows.iter().map(|row| get(row, "domain")).collect()
    }

    /// The overrides of `zone` whose domain the TLD zone delegates (not on hold, not being
    /// deleted): the zones to serve, in name order, at most `page` after `after`.
    pub async fn continuity_dns_served(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<ContinuityDnsRecord>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM continuity_dns c JOIN domains d ON d.name = c.domain \
             WHERE c.zone = $1 AND d.in_zone = 1 AND c.domain > $2 ORDER BY c.domain LIMIT $3"
        );
        let query = sqlx::query(&sql).bind(zone).bind(after.unwrap_or("")).bind(limit(page));
        self.rows("reading continuity DNS zones", query).await?.iter().map(record).collect()
    }

    /// Every registrar's escrowed zone for `domain`, in registrar order.
    pub async fn escrowed_zones(&mut self, domain: &str) -> Result<Vec<EscrowedZone>, StoreError> {
        let query = sqlx::query(
            "SELECT registrar, deposit_id, zone_text FROM escrow_zones WHERE domain = $1 \
             ORDER BY registrar",
        )
        .bind(domain);
        self.rows("reading escrowed zones", query)
            .await?
            .iter()
            .map(|row| {
                Ok(EscrowedZone {
                    registrar: get(row, "registrar")?,
                    deposit_id: get(row, "deposit_id")?,
                    text: get(row, "zone_text")?,
                })
            })
            .collect()
    }
}
