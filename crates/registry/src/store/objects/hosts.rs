//! Hosts.

use std::collections::BTreeSet;
use std::net::IpAddr;

use sqlx::any::AnyRow;

use super::super::codec::{get, get_json, to_json};
use super::super::error::StoreError;
use super::super::tx::{Tx, conflict, found, limit, still_linked};
use super::{StampColumns, stamps};
use crate::model::{Host, HostStatus};

/// The part of a host nothing queries by.
#[derive(serde::Serialize, serde::Deserialize)]
struct Doc {
    statuses: BTreeSet<HostStatus>,
}

const COLUMNS: &str = "name, roid, sponsor, superordinate, addrs, created_by, created_at, updated_by, updated_at, doc";

fn host(row: &AnyRow) -> Result<Host, StoreError> {
    let doc: Doc = get_json(row, "doc")?;
    Ok(Host {
        name: get(row, "name")?,
        roid: get(row, "roid")?,
        sponsor: get(row, "sponsor")?,
        superordinate: get(row, "superordinate")?,
        addrs: get_json::<Vec<IpAddr>>(row, "addrs")?,
        statuses: doc.statuses,
        stamps: stamps(row)?,
    })
}

/// The `addrs` column of a host.
pub(super) fn addrs_column(host: &Host) -> Result<String, StoreError> {
    to_json(&host.addrs, &format!("host {}", host.name))
}

/// The `doc` column of a host.
pub(super) fn doc_column(host: &Host) -> Result<String, StoreError> {
    to_json(&Doc { statuses: host.statuses.clone() }, &format!("host {}", host.name))
}

impl Tx {
    /// Adds a host; [`StoreError::Exists`] if its name (or ROID) is taken,
    /// [`StoreError::MissingReference`] if its sponsor or superordinate domain is missing.
    pub async fn insert_host(&mut self, host: &Host) -> Result<(), StoreError> {
        self.writing("insert_host")?;
        let stamp = StampColumns::of(&host.stamps)?;
        let query = sqlx::query(
            "INSERT INTO hosts (name, roid, sponsor, superordinate, addrs, created_by, \
             created_at, updated_by, updated_at, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(host.name.as_str())
        .bind(host.roid.as_str())
        .bind(host.sponsor.as_str())
        .bind(host.superordinate.as_deref())
        .bind(addrs_column(host)?)
        .bind(stamp.created_by)
        .bind(stamp.created_at)
        .bind(stamp.updated_by)
        .bind(stamp.updated_at)
        .bind(doc_column(host)?);
        self.run("inserting a host", query)
            .await
            .map_err(|error| conflict(error, "host", &host.name))?;
        Ok(())
    }

    /// The hosts a registry data escrow deposit of `zone` holds, in name order: at most
    /// `page`, after the name `after`. Those are the hosts subordinate to a domain under
    /// `zone` and every host outside the registry's domains (which any TLD's domains may
    /// delegate to); hosts below another TLD's domains belong to that TLD's deposit.
    pub async fn host_page_for_zone(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<Host>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM hosts WHERE name > $2 AND (superordinate IS NULL OR \
             superordinate IN (SELECT name FROM domains WHERE zone = $1)) ORDER BY name LIMIT $3"
        );
        let query = sqlx::query(&sql).bind(zone).bind(after.unwrap_or("")).bind(limit(page));
        self.rows("reading a page of hosts", query).await?.iter().map(host).collect()
    }

    /// The host `name`.
    pub async fn get_host(&mut self, name: &str) -> Result<Option<Host>, StoreError> {
        self.load_host(name, false).await
    }

    /// The host `name`, locked against other writers until this transaction ends.
    pub async fn get_host_for_update(&mut self, name: &str) -> Result<Option<Host>, StoreError> {
        self.load_host(name, true).await
    }

    async fn load_host(&mut self, name: &str, lock: bool) -> Result<Option<Host>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM hosts WHERE name = $1{}", self.lock_clause(lock));
        self.row("reading a host", sqlx::query(&sql).bind(name))
            .await?
            .as_ref()
            .map(host)
            .transpose()
    }

    /// Rewrites the host `host.name` (to change the name itself, see [`Tx::rename_host`]).
    pub async fn update_host(&mut self, host: &Host) -> Result<(), StoreError> {
        self.writing("update_host")?;
        let stamp = StampColumns::of(&host.stamps)?;
        let query = sqlx::query(
            "UPDATE hosts SET sponsor = $2, superordinate = $3, addrs = $4, created_by = $5, \
             created_at = $6, updated_by = $7, updated_at = $8, doc = $9 WHERE name = $1",
        )
        .bind(host.name.as_str())
        .bind(host.sponsor.as_str())
        .bind(host.superordinate.as_deref())
        .bind(addrs_column(host)?)
        .bind(stamp.created_by)
        .bind(stamp.created_at)
        .bind(stamp.updated_by)
        .bind(stamp.updated_at)
        .bind(doc_column(host)?);
        let rows = self
            .run("updating a host", query)
            .await
            .map_err(|error| conflict(error, "host", &host.name))?;
        found(rows, "host", &host.name)
    }

    /// Renames the host `from` to `to` (RFC 5732 `chg/name`); every domain delegating to it
    /// follows. [`StoreError::Exists`] if `to` is taken.
    pub async fn rename_host(&mut self, from: &str, to: &str) -> Result<(), StoreError> {
        self.writing("rename_host")?;
        let query = sqlx::query("UPDATE hosts SET name = $2 WHERE name = $1").bind(from).bind(to);
        let rows = self
            .run("renaming a host", query)
            .await
            .map_err(|error| conflict(error, "host", to))?;
        found(rows, "host", from)
    }

    /// Deletes the host `name`; [`StoreError::Linked`] while a domain delegates to it.
    pub async fn delete_host(&mut self, name: &str) -> Result<(), StoreError> {
        self.writing("delete_host")?;
        let query = sqlx::query("DELETE FROM hosts WHERE name = $1").bind(name);
        let rows = self
            .run("deleting a host", query)
            .await
            .map_err(|error| still_linked(error, "host", name))?;
        found(rows, "host", name)
    }

    /// Whether the host `name` exists.
    pub async fn host_exists(&mut self, name: &str) -> Result<bool, StoreError> {
        let query = sqlx::query("SELECT 1 AS hit FROM hosts WHERE name = $1").bind(name);
        self.any("checking a host", query).await
    }

    /// Whether any domain delegates to the host `name`.
    pub async fn host_is_linked(&mut self, name: &str) -> Result<bool, StoreError> {
        let query =
            sqlx::query("SELECT 1 AS hit FROM domain_hosts WHERE host = $1 LIMIT 1").bind(name);
        self.any("checking a host's links", query).await
    }

    /// The published delegations that name the host `name` as a name server, each with the
    /// zone it is published in: what a rename of the host changes in those zones.
    pub async fn delegations_using_host(
        &mut self,
        name: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let query = sqlx::query(
            "SELECT d.name AS name, d.zone AS zone FROM domain_hosts l \
             JOIN domains d ON d.name = l.domain WHERE l.host = $1 AND d.in_zone = 1",
        )
        .bind(name);
        self.rows("listing a host's delegations", query)
            .await?
            .iter()
            .map(|row| Ok((get(row, "name")?, get(row, "zone")?)))
            .collect()
    }

    /// Whether a domain other than `domain` delegates to the host `name` (a subordinate host
    /// its own domain uses does not stop that domain's deletion).
    pub async fn host_is_linked_elsewhere(
        &mut self,
        name: &str,
        domain: &str,
    ) -> Result<bool, StoreError> {
        let query = sqlx::query(
            "SELECT 1 AS hit FROM domain_hosts WHERE host = $1 AND domain <> $2 LIMIT 1",
        )
        .bind(name)
        .bind(domain);
        self.any("checking a host's links", query).await
    }

    /// The names of the hosts subordinate to `domain`, sorted.
    pub async fn hosts_subordinate_to(&mut self, domain: &str) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query("SELECT name FROM hosts WHERE superordinate = $1 ORDER BY name")
            .bind(domain);
        self.rows("listing subordinate hosts", query)
            .await?
            .iter()
            .map(|row| get(row, "name"))
            .collect()
    }
}
