//! The reads RDAP searches make: names in a range, the domains delegated to a host or to an
//! address, hosts by address, a contact by its ROID. Each is bounded by a page size the caller
//! gives, so no search reads more than it can answer with.

use std::net::IpAddr;

use super::codec::get;
use super::error::StoreError;
use super::tx::{Query, Tx, limit};

impl Tx {
    /// Domain names from `from` (inclusive) up to `to` (exclusive), in name order, at most
    /// `page`; only those delegated in `zone` when given, compared byte by byte. A prefix search
    /// passes the prefix and the first string after every name that starts with it, so one
    /// range is read (through the primary key's index on SQLite, and on a PostgreSQL database
    /// whose collation is "C").
    pub async fn domain_names_between(
        &mut self,
        from: &str,
        to: &str,
        zone: Option<&str>,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let order = self.byte_order();
        let range = format!("name{order} >= $1 AND name{order} < $2");
        let sql = match zone {
            Some(_) => format!(
                "SELECT name FROM domains WHERE {range} AND zone = $4 ORDER BY name{order} LIMIT $3"
            ),
            None => format!("SELECT name FROM domains WHERE {range} ORDER BY name{order} LIMIT $3"),
        };
        let mut query = sqlx::query(&sql).bind(from).bind(to).bind(limit(page));
        if let Some(zone) = zone {
            query = query.bind(zone);
        }
        names(self, "searching domains by name", query).await
    }

    /// The names of the domains delegated to the host `host`, in name order, at most `page`.
    pub async fn domain_names_using_host(
        &mut self,
        host: &str,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query(
            "SELECT domain AS name FROM domain_hosts WHERE host = $1 ORDER BY domain LIMIT $2",
        )
        .bind(host)
        .bind(limit(page));
        names(self, "searching domains by name server", query).await
    }

    /// Host names from `from` (inclusive) up to `to` (exclusive), in name order, at most `page`.
    pub async fn host_names_between(
        &mut self,
        from: &str,
        to: &str,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let order = self.byte_order();
        let sql = format!(
            "SELECT name FROM hosts WHERE name{order} >= $1 AND name{order} < $2 \
             ORDER BY name{order} LIMIT $3"
        );
        let query = sqlx::query(&sql).bind(from).bind(to).bind(limit(page));
        names(self, "searching hosts by name", query).await
    }

    /// The names of the hosts that have the address `addr`, in name order, at most `page`.
    /// Addresses are kept in the host's JSON list, so this reads the hosts table; it stops at
    /// `page` matches.
    pub async fn host_names_with_addr(
        &mut self,
        addr: IpAddr,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query =
            sqlx::query("SELECT name FROM hosts WHERE addrs LIKE $1 ORDER BY name LIMIT $2")
                .bind(addr_pattern(addr))
                .bind(limit(page));
        names(self, "searching hosts by address", query).await
    }

    /// The names of the domains delegated to a host that has the address `addr`, in name
    /// order, each once, at most `page`.
    pub async fn domain_names_using_addr(
        &mut self,
        addr: IpAddr,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query(
            "SELECT DISTINCT l.domain AS name FROM hosts h JOIN domain_hosts l ON l.host = h.name \
             WHERE h.addrs LIKE $1 ORDER BY l.domain LIMIT $2",
        )
        .bind(addr_pattern(addr))
        .bind(limit(page));
        names(self, "searching domains by name server address", query).await
    }

    /// The id of the contact whose repository object id is `roid`.
    pub async fn contact_id_of_roid(&mut self, roid: &str) -> Result<Option<String>, StoreError> {
        let query = sqlx::query("SELECT id AS name FROM contacts WHERE roid = $1").bind(roid);
        Ok(names(self, "reading a contact by ROID", query).await?.into_iter().next())
    }
}

/// The `LIKE` pattern that finds `addr` in a host's JSON address list (`["192.0.2.1", …]`):
/// the address as serde writes it, quoted, so `192.0.2.1` does not match `192.0.2.10`.
fn addr_pattern(addr: IpAddr) -> String {
    format!("%\"{addr}\"%")
}

async fn names(
    tx: &mut Tx,
    operation: &'static str,
    query: Query<'_>,
) -> Result<Vec<String>, StoreError> {
    tx.rows(operation, query).await?.iter().map(|row| get(row, "name")).collect()
}
