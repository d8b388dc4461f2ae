//! Set-based reads and writes for work over a whole portfolio (a failed registrar's bulk
//! transfer, its status view, a benchmark's fill): a page of full domains in three queries
//! rather than three per domain, and multi-row statements for the rows a batch writes. They
//! keep the single-row methods' meaning; only the number of round trips changes.

use std::collections::HashMap;
use std::fmt::Write as _;

use time::OffsetDateTime;

use super::super::Engine;
use super::super::codec::{get, get_u64, micros, to_json};
use super::super::error::StoreError;
use super::super::tx::{Tx, conflict, limit};
use super::StampColumns;
use super::domains::{COLUMNS, Links, Row, domain};
use super::hosts::{addrs_column, doc_column};
use crate::model::{ChargeKind, Domain, HistoryEntry, Host, Money, PollMessage};

/// Rows per multi-row statement on PostgreSQL: well under its 65,535 bound parameters at the
/// widest row written here (fourteen columns).
const POSTGRES_ROWS: usize = 500;

/// Bound parameters per multi-row statement on SQLite. sqlx binds each argument by looking up
/// the names of all the statement's parameters, so binding costs the square of their number:
/// a few hundred keeps that small against the statement's fixed cost.
const SQLITE_PARAMETERS: usize = 240;

/// The indexed column a page of domains is chosen by; a closed set, so that no caller's text
/// reaches the SQL.
#[derive(Debug, Clone, Copy)]
enum Portfolio {
    Sponsor,
    Zone,
}

impl Portfolio {
    fn column(self) -> &'static str {
        match self {
            Portfolio::Sponsor => "sponsor",
            Portfolio::Zone => "zone",
        }
    }
}

/// A history entry for [`Tx::record_many`], whose documents may come as JSON text already: a
/// bulk writer serializes each object once, straight from its type, rather than building a
/// `serde_json::Value` first. Text given here takes the place of the entry's `before` and
/// `after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// The entry.
    pub entry: HistoryEntry,
    /// `before` as JSON text.
    pub before: Option<String>,
    /// `after` as JSON text.
    pub after: Option<String>,
}

impl From<HistoryEntry> for HistoryRow {
    fn from(entry: HistoryEntry) -> HistoryRow {
        HistoryRow { entry, before: None, after: None }
    }
}

impl Tx {
    /// Rows of `columns` columns per multi-row statement on this engine.
    pub(in crate::store) fn rows_per_statement(&self, columns: usize) -> usize {
        match self.engine() {
            Engine::Postgres => POSTGRES_ROWS,
            Engine::Sqlite => (SQLITE_PARAMETERS / columns.max(1)).max(1),
        }
    }
}

/// `($1, $2), ($3, $4)`: `rows` tuples of `columns` placeholders.
fn placeholders(rows: usize, columns: usize) -> String {
    let mut text = String::with_capacity(rows * columns * 5);
    for row in 0..rows {
        text.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            let separator = if column == 0 { "" } else { ", " };
            // Writing to a String cannot fail.
            let _ = write!(text, "{separator}${}", row * columns + column + 1);
        }
        text.push(')');
    }
    text
}

impl Tx {
    /// The domains `sponsor` sponsors, complete with their links, in name order: at most
    /// `page`, after the name `after`. With `lock`, the rows are locked against other writers
    /// until this transaction ends (as [`Tx::get_domain_for_update`] locks one).
    pub async fn domain_page_of(
        &mut self,
        sponsor: &str,
        after: Option<&str>,
        page: u32,
        lock: bool,
    ) -> Result<Vec<Domain>, StoreError> {
        self.domain_page_where(Portfolio::Sponsor, sponsor, after, page, lock).await
    }

    /// The domains registered under `zone` (a TLD: every domain whose name is one label
    /// below it, in or out of the DNS), complete with their links, in name order: at most
    /// `page`, after the name `after`. A registry data escrow deposit reads a TLD this way.
    pub async fn domain_page_in_zone(
        &mut self,
        zone: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<Domain>, StoreError> {
        self.domain_page_where(Portfolio::Zone, zone, after, page, false).await
    }

    async fn domain_page_where(
        &mut self,
        by: Portfolio,
        value: &str,
        after: Option<&str>,
        page: u32,
        lock: bool,
    ) -> Result<Vec<Domain>, StoreError> {
        let column = by.column();
        let sql = format!(
            "SELECT {COLUMNS} FROM domains WHERE {column} = $1 AND name > $2 ORDER BY name \
             LIMIT $3{}",
            self.lock_clause(lock)
        );
        let query = sqlx::query(&sql).bind(value).bind(after.unwrap_or("")).bind(limit(page));
        let rows = self.rows("reading a page of domains", query).await?;
        let Some(last) = rows.last() else { return Ok(Vec::new()) };
        let last: String = get(last, "name")?;
        let links_sql = format!(
            "SELECT l.domain AS domain, 0 AS part, l.ord AS ord, l.host AS id, '' AS role \
             FROM domain_hosts l JOIN domains d ON d.name = l.domain \
             WHERE d.{column} = $1 AND d.name > $2 AND d.name <= $3 \
             UNION ALL \
             SELECT l.domain AS domain, 1 AS part, l.ord AS ord, l.contact AS id, l.role AS role \
             FROM domain_contacts l JOIN domains d ON d.name = l.domain \
             WHERE d.{column} = $1 AND d.name > $2 AND d.name <= $3 \
             ORDER BY domain, part, ord"
        );
        let links =
            sqlx::query(&links_sql).bind(value).bind(after.unwrap_or("")).bind(last.as_str());
        let mut by_domain: HashMap<String, Links> = HashMap::new();
        for row in self.rows("reading a page's links", links).await? {
            let name: String = get(&row, "domain")?;
            let part: i64 = get(&row, "part")?;
            let id: String = get(&row, "id")?;
            let entry = by_domain.entry(name).or_default();
            if part == 0 {
                entry.ns.push(id);
            } else {
                entry.contacts.push((get(&row, "role")?, id));
            }
        }
        rows.iter()
            .map(|row| {
                let name: String = get(row, "name")?;
                domain(row, by_domain.remove(&name).unwrap_or_default())
            })
            .collect()
    }

    /// Rewrites many domains at once, each with the instant the lifecycle engine next has
    /// work on it, for changes that leave a domain's name, links (name servers, contacts),
    /// DS data and audit creation stamps as they were — a bulk transfer changes sponsor,
    /// reseller, transfer code, grace periods and transfer record only. Returns how many rows
    /// changed; [`StoreError::NotFound`] if one of the domains is missing.
    pub async fn update_domains_in_place(
        &mut self,
        domains: &[(Domain, Option<OffsetDateTime>)],
    ) -> Result<u64, StoreError> {
        self.writing("update_domains_in_place")?;
        const COLUMNS: usize = 9;
        let mut changed = 0;
        for chunk in domains.chunks(self.rows_per_statement(COLUMNS)) {
            // The columns of a VALUES list are column1, column2, … on both engines.
            let sql = format!(
                "UPDATE domains SET sponsor = v.column2, reseller = v.column3, \
                 expires_at = v.column4, next_event_at = v.column5, in_zone = v.column6, \
                 updated_by = v.column7, updated_at = v.column8, doc = v.column9 \
                 FROM (VALUES {}) AS v WHERE domains.name = v.column1",
                placeholders(chunk.len(), COLUMNS)
            );
            let mut query = sqlx::query(&sql);
            for (domain, next_event_at) in chunk {
                let row = Row::of(domain, *next_event_at)?;
                query = query
                    .bind(domain.name.clone())
                    .bind(domain.sponsor.clone())
                    .bind(domain.reseller.clone())
                    .bind(row.expires_at)
                    .bind(row.next_event_at)
                    .bind(row.in_zone)
                    .bind(row.stamps.updated_by.map(str::to_owned))
                    .bind(row.stamps.updated_at)
                    .bind(row.doc);
            }
            let rows = self
                .run("updating domains in place", query)
                .await
                .map_err(|error| conflict(error, "domain", "(batch)"))?;
            if usize::try_from(rows).ok() != Some(chunk.len()) {
                return Err(StoreError::NotFound {
                    kind: "domain",
                    id: format!("{} of {} in a batch", chunk.len() as u64 - rows, chunk.len()),
                });
            }
            changed += rows;
        }
        Ok(changed)
    }

    /// Appends many entries to the history, in order.
    pub async fn record_many(&mut self, entries: &[HistoryRow]) -> Result<(), StoreError> {
        self.writing("record_many")?;
        for chunk in entries.chunks(self.rows_per_statement(10)) {
            let sql = format!(
                "INSERT INTO history (at, actor, cl_trid, sv_trid, object_kind, object_id, \
                 action, reason, before_doc, after_doc) VALUES {}",
                placeholders(chunk.len(), 10)
            );
            let mut query = sqlx::query(&sql);
            for row in chunk {
                let entry = &row.entry;
                let what = format!("history of {} {}", entry.object.as_str(), entry.object_id);
                let before = match &row.before {
                    Some(text) => Some(text.clone()),
                    None => entry.before.as_ref().map(|value| to_json(value, &what)).transpose()?,
                };
                let after = match &row.after {
                    Some(text) => Some(text.clone()),
                    None => entry.after.as_ref().map(|value| to_json(value, &what)).transpose()?,
                };
                query = query
                    .bind(micros(entry.at)?)
                    .bind(entry.actor.clone())
                    .bind(entry.cl_trid.clone())
                    .bind(entry.sv_trid.clone())
                    .bind(entry.object.as_str())
                    .bind(entry.object_id.clone())
                    .bind(entry.action.clone())
                    .bind(entry.reason.clone())
                    .bind(before)
                    .bind(after);
            }
            self.run("recording history", query).await?;
        }
        Ok(())
    }

    /// Queues many poll messages, in order (ids grow in that order).
    pub async fn enqueue_many(&mut self, messages: &[PollMessage]) -> Result<(), StoreError> {
        self.writing("enqueue_many")?;
        for chunk in messages.chunks(self.rows_per_statement(4)) {
            let sql = format!(
                "INSERT INTO poll_messages (registrar, at, summary, body) VALUES {}",
                placeholders(chunk.len(), 4)
            );
            let mut query = sqlx::query(&sql);
            for message in chunk {
                query = query
                    .bind(message.registrar.clone())
                    .bind(micros(message.at)?)
                    .bind(message.text.clone())
                    .bind(to_json(&message.body, "poll message")?);
            }
            self.run("queuing poll messages", query)
                .await
                .map_err(|error| conflict(error, "poll messages for registrar", "(batch)"))?;
        }
        Ok(())
    }

    /// Hosts subordinate to a domain whose name lies in `(after, last]`, as (host,
    /// superordinate domain), by host name.
    pub async fn hosts_subordinate_between(
        &mut self,
        after: Option<&str>,
        last: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let query = sqlx::query(
            "SELECT name, superordinate FROM hosts WHERE superordinate > $1 \
             AND superordinate <= $2 ORDER BY name",
        )
        .bind(after.unwrap_or(""))
        .bind(last);
        self.rows("listing subordinate hosts of a range", query)
            .await?
            .iter()
            .map(|row| Ok((get(row, "name")?, get(row, "superordinate")?)))
            .collect()
    }

    /// How many charges of `kind` a registrar's ledger holds, and their sum.
    pub async fn charges_of_kind(
        &mut self,
        registrar: &str,
        kind: ChargeKind,
    ) -> Result<(u64, Money), StoreError> {
        let query = sqlx::query(
            "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM ledger \
             WHERE registrar = $1 AND kind = $2",
        )
        .bind(registrar)
        .bind(kind.as_str());
        let row = self.one("summing charges", query).await?;
        Ok((get_u64(&row, "n")?, get(&row, "total")?))
    }

    /// Adds many domains that have no links (no name servers, no contacts) at once — how a
    /// benchmark or an import fills a store quickly. [`StoreError::Invalid`] if one has links.
    pub async fn insert_unlinked_domains(
        &mut self,
        domains: &[(Domain, Option<OffsetDateTime>)],
    ) -> Result<(), StoreError> {
        self.writing("insert_unlinked_domains")?;
        if let Some((domain, _)) = domains.iter().find(|(domain, _)| {
            domain.registrant.is_some() || !domain.contacts.is_empty() || !domain.ns.is_empty()
        }) {
            return Err(StoreError::Invalid {
                what: format!("domain {}", domain.name),
                detail: "has name servers or contacts; insert it with insert_domain".to_owned(),
            });
        }
        self.insert_domain_rows(domains).await
    }

    /// Adds many domains with their links, and the hosts `hosts`, at once — how an import or a
    /// benchmark fills a store with delegated names quickly. The rows go in the order the
    /// foreign keys need, each kind in multi-row statements: the domains, then the hosts (so a
    /// host subordinate to one of these domains, an in-bailiwick name server with its glue, can
    /// be among them), then the domains' links to their name servers and contacts (which must
    /// exist by then). Each row means what the single-row methods write.
    pub async fn insert_domains(
        &mut self,
        domains: &[(Domain, Option<OffsetDateTime>)],
        hosts: &[Host],
    ) -> Result<(), StoreError> {
        self.writing("insert_domains")?;
        let links = domains
            .iter()
            .map(|(domain, _)| Ok((domain.name.as_str(), Links::of(domain)?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.insert_domain_rows(domains).await?;
        self.insert_hosts(hosts).await?;
        let ns: Vec<(&str, i64, &str)> = links
            .iter()
            .flat_map(|(name, links)| {
                (0_i64..).zip(&links.ns).map(move |(ord, host)| (*name, ord, host.as_str()))
            })
            .collect();
        for chunk in ns.chunks(self.rows_per_statement(3)) {
            let sql = format!(
                "INSERT INTO domain_hosts (domain, host, ord) VALUES {}",
                placeholders(chunk.len(), 3)
            );
            let mut query = sqlx::query(&sql);
            for (domain, ord, host) in chunk {
                query = query.bind(domain.to_string()).bind(host.to_string()).bind(*ord);
            }
            self.run("linking name servers", query)
                .await
                .map_err(|error| conflict(error, "domain", "(batch)"))?;
        }
        let contacts: Vec<(&str, i64, &str, &str)> = links
            .iter()
            .flat_map(|(name, links)| {
                (0_i64..).zip(&links.contacts).map(move |(ord, (role, contact))| {
                    (*name, ord, role.as_str(), contact.as_str())
                })
            })
            .collect();
        for chunk in contacts.chunks(self.rows_per_statement(4)) {
            let sql = format!(
                "INSERT INTO domain_contacts (domain, contact, role, ord) VALUES {}",
                placeholders(chunk.len(), 4)
            );
            let mut query = sqlx::query(&sql);
            for (domain, ord, role, contact) in chunk {
                query = query
                    .bind(domain.to_string())
                    .bind(contact.to_string())
                    .bind(role.to_string())
                    .bind(*ord);
            }
            self.run("linking contacts", query)
                .await
                .map_err(|error| conflict(error, "domain", "(batch)"))?;
        }
        Ok(())
    }

    /// Adds many hosts at once, as [`Tx::insert_host`] adds one.
    pub async fn insert_hosts(&mut self, hosts: &[Host]) -> Result<(), StoreError> {
        self.writing("insert_hosts")?;
        for chunk in hosts.chunks(self.rows_per_statement(10)) {
            let sql = format!(
                "INSERT INTO hosts (name, roid, sponsor, superordinate, addrs, created_by, \
                 created_at, updated_by, updated_at, doc) VALUES {}",
                placeholders(chunk.len(), 10)
            );
            let mut query = sqlx::query(&sql);
            for host in chunk {
                let stamp = StampColumns::of(&host.stamps)?;
                query = query
                    .bind(host.name.clone())
                    .bind(host.roid.clone())
                    .bind(host.sponsor.clone())
                    .bind(host.superordinate.clone())
                    .bind(addrs_column(host)?)
                    .bind(stamp.created_by.to_owned())
                    .bind(stamp.created_at)
                    .bind(stamp.updated_by.map(str::to_owned))
                    .bind(stamp.updated_at)
                    .bind(doc_column(host)?);
            }
            self.run("inserting hosts", query)
                .await
                .map_err(|error| conflict(error, "host", "(batch)"))?;
        }
        Ok(())
    }

    /// The domain rows of `domains`, in multi-row statements; their links are the caller's.
    async fn insert_domain_rows(
        &mut self,
        domains: &[(Domain, Option<OffsetDateTime>)],
    ) -> Result<(), StoreError> {
        for chunk in domains.chunks(self.rows_per_statement(14)) {
            let sql = format!(
                "INSERT INTO domains (name, roid, zone, sponsor, reseller, expires_at, \
                 next_event_at, in_zone, ds, created_by, created_at, updated_by, updated_at, doc) \
                 VALUES {}",
                placeholders(chunk.len(), 14)
            );
            let mut query = sqlx::query(&sql);
            for (domain, next_event_at) in chunk {
                let row = Row::of(domain, *next_event_at)?;
                let (zone, ds, created_by, created_at) = row.insert_columns();
                query = query
                    .bind(domain.name.clone())
                    .bind(domain.roid.clone())
                    .bind(zone.to_owned())
                    .bind(domain.sponsor.clone())
                    .bind(domain.reseller.clone())
                    .bind(row.expires_at)
                    .bind(row.next_event_at)
                    .bind(row.in_zone)
                    .bind(ds)
                    .bind(created_by.to_owned())
                    .bind(created_at)
                    .bind(row.stamps.updated_by.map(str::to_owned))
                    .bind(row.stamps.updated_at)
                    .bind(row.doc);
            }
            self.run("inserting domains", query)
                .await
                .map_err(|error| conflict(error, "domain", "(batch)"))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_number_rows_in_order() {
        assert_eq!(placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(1, 1), "($1)");
    }
}
