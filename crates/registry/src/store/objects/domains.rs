//! Domains, their links to hosts and contacts, and the queries bulk work runs over them.

use std::collections::BTreeSet;

use sqlx::any::AnyRow;
use time::OffsetDateTime;

use super::super::codec::{get, get_instant, get_json, get_u64, micros, micros_opt, to_json};
use super::super::error::StoreError;
use super::super::tx::{Tx, conflict, found, limit, still_linked};
use super::{StampColumns, stamps};
use crate::model::{
    AuthCode, ContactRole, Deletion, Domain, DomainContact, DomainStatus, DsData, GracePeriod,
    Transfer,
};

/// The part of a domain nothing queries by.
#[derive(serde::Serialize, serde::Deserialize)]
struct Doc {
    max_sig_life: Option<u32>,
    statuses: BTreeSet<DomainStatus>,
    #[serde(with = "time::serde::rfc3339::option")]
    transferred_at: Option<OffsetDateTime>,
    auth: Option<AuthCode>,
    grace: Vec<GracePeriod>,
    deletion: Option<Deletion>,
    transfer: Option<Transfer>,
}

/// Names per query in [`Tx::existing_domains`]: EPP clients check a few at a time, and a
/// bounded statement keeps the prepared-statement cache small.
const EXISTING_BATCH: usize = 32;

pub(super) const COLUMNS: &str = "name, roid, sponsor, reseller, expires_at, ds, created_by, created_at, \
                       updated_by, updated_at, doc";

/// The role a registrant link is stored under, beside `admin`, `billing` and `tech`.
const REGISTRANT: &str = "registrant";

fn role_name(role: ContactRole) -> &'static str {
    match role {
        ContactRole::Admin => "admin",
        ContactRole::Billing => "billing",
        ContactRole::Tech => "tech",
    }
}

fn role(name: &str) -> Option<ContactRole> {
    [ContactRole::Admin, ContactRole::Billing, ContactRole::Tech]
        .into_iter()
        .find(|role| role_name(*role) == name)
}

/// A domain's links as stored: name servers in order, then (role, contact) in order with the
/// registrant first.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Links {
    pub(super) ns: Vec<String>,
    pub(super) contacts: Vec<(String, String)>,
}

impl Links {
    pub(super) fn of(domain: &Domain) -> Result<Links, StoreError> {
        let mut contacts = Vec::with_capacity(domain.contacts.len() + 1);
        if let Some(registrant) = &domain.registrant {
            contacts.push((REGISTRANT.to_owned(), registrant.clone()));
        }
        contacts.extend(
            domain
                .contacts
                .iter()
                .map(|contact| (role_name(contact.role).to_owned(), contact.id.clone())),
        );
        let duplicate = |what: String| StoreError::Invalid {
            what: format!("domain {}", domain.name),
            detail: format!("{what} is listed twice"),
        };
        let mut seen = BTreeSet::new();
        for host in &domain.ns {
            if !seen.insert(host.as_str()) {
                return Err(duplicate(format!("name server {host}")));
            }
        }
        let mut seen = BTreeSet::new();
        for (role, id) in &contacts {
            if !seen.insert((role.as_str(), id.as_str())) {
                return Err(duplicate(format!("{role} contact {id}")));
            }
        }
        Ok(Links { ns: domain.ns.clone(), contacts })
    }
}

/// The zone a domain is delegated in: its name minus the first label.
fn zone_of(name: &str) -> Result<&str, StoreError> {
    match name.split_once('.') {
        Some((label, zone)) if !label.is_empty() && !zone.is_empty() => Ok(zone),
        _ => Err(StoreError::Invalid {
            what: format!("domain {name:?}"),
            detail: "a domain name needs a label below its zone".to_owned(),
        }),
    }
}

/// The columns every domain write binds, computed once.
pub(super) struct Row<'a> {
    zone: &'a str,
    pub(super) expires_at: i64,
    pub(super) next_event_at: Option<i64>,
    pub(super) in_zone: i64,
    ds: String,
    pub(super) stamps: StampColumns<'a>,
    pub(super) doc: String,
}

impl<'a> Row<'a> {
    pub(super) fn of(
        domain: &'a Domain,
        next_event_at: Option<OffsetDateTime>,
    ) -> Result<Row<'a>, StoreError> {
        let what = format!("domain {}", domain.name);
        let doc = Doc {
            max_sig_life: domain.max_sig_life,
            statuses: domain.statuses.clone(),
            transferred_at: domain.transferred_at,
            auth: domain.auth.clone(),
            grace: domain.grace.clone(),
            deletion: domain.deletion.clone(),
            transfer: domain.transfer.clone(),
        };
        Ok(Row {
            zone: zone_of(&domain.name)?,
            expires_at: micros(domain.expires_at)?,
            next_event_at: micros_opt(next_event_at)?,
            in_zone: i64::from(domain.in_zone()),
            ds: to_json(&domain.ds, &what)?,
            stamps: StampColumns::of(&domain.stamps)?,
            doc: to_json(&doc, &what)?,
        })
    }
}

impl Row<'_> {
    /// The columns only an insert writes: zone, DS data, creator and creation instant.
    pub(super) fn insert_columns(&self) -> (&str, String, &str, i64) {
        (self.zone, self.ds.clone(), self.stamps.created_by, self.stamps.created_at)
    }
}

impl Tx {
    /// Adds a domain with the instant the lifecycle engine next has work on it;
    /// [`StoreError::Exists`] if the name (or ROID) is taken, [`StoreError::MissingReference`]
    /// if its sponsor, a contact or a name server is missing.
    pub async fn insert_domain(
        &mut self,
        domain: &Domain,
        next_event_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        self.writing("insert_domain")?;
        let links = Links::of(domain)?;
        let row = Row::of(domain, next_event_at)?;
        let query = sqlx::query(
            "INSERT INTO domains (name, roid, zone, sponsor, reseller, expires_at, next_event_at, \
             in_zone, ds, created_by, created_at, updated_by, updated_at, doc) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        )
        .bind(domain.name.as_str())
        .bind(domain.roid.as_str())
        .bind(row.zone)
        .bind(domain.sponsor.as_str())
        .bind(domain.reseller.as_deref())
        .bind(row.expires_at)
        .bind(row.next_event_at)
        .bind(row.in_zone)
        .bind(row.ds)
        .bind(row.stamps.created_by)
        .bind(row.stamps.created_at)
        .bind(row.stamps.updated_by)
        .bind(row.stamps.updated_at)
        .bind(row.doc);
        self.run("inserting a domain", query)
            .await
            .map_err(|error| conflict(error, "domain", &domain.name))?;
        self.write_links(&domain.name, &links).await
    }

    /// Rewrites the domain `domain.name` and its links, with the instant the lifecycle engine
    /// next has work on it.
    pub async fn update_domain(
        &mut self,
        domain: &Domain,
        next_event_at: Option<OffsetDateTime>,
    ) -> Result<(), StoreError> {
        self.writing("update_domain")?;
        let links = Links::of(domain)?;
        let row = Row::of(domain, next_event_at)?;
        let query = sqlx::query(
            "UPDATE domains SET roid = $2, zone = $3, sponsor = $4, reseller = $5, \
             expires_at = $6, next_event_at = $7, in_zone = $8, ds = $9, created_by = $10, \
             created_at = $11, updated_by = $12, updated_at = $13, doc = $14 WHERE name = $1",
        )
        .bind(domain.name.as_str())
        .bind(domain.roid.as_str())
        .bind(row.zone)
        .bind(domain.sponsor.as_str())
        .bind(domain.reseller.as_deref())
        .bind(row.expires_at)
        .bind(row.next_event_at)
        .bind(row.in_zone)
        .bind(row.ds)
        .bind(row.stamps.created_by)
        .bind(row.stamps.created_at)
        .bind(row.stamps.updated_by)
        .bind(row.stamps.updated_at)
        .bind(row.doc);
        let rows = self
            .run("updating a domain", query)
            .await
            .map_err(|error| conflict(error, "domain", &domain.name))?;
        found(rows, "domain", &domain.name)?;
        if self.links(&domain.name).await? == links {
            // Most updates (renewals, transfers, lifecycle steps) leave the links alone.
            return Ok(());
        }
        let clear_hosts =
            sqlx::query("DELETE FROM domain_hosts WHERE domain = $1").bind(domain.name.as_str());
        self.run("unlinking name servers", clear_hosts).await?;
        let clear_contacts =
            sqlx::query("DELETE FROM domain_contacts WHERE domain = $1").bind(domain.name.as_str());
        self.run("unlinking contacts", clear_contacts).await?;
        self.write_links(&domain.name, &links).await
    }

    async fn write_links(&mut self, name: &str, links: &Links) -> Result<(), StoreError> {
        for (ord, host) in (0_i64..).zip(&links.ns) {
            let query =
                sqlx::query("INSERT INTO domain_hosts (domain, host, ord) VALUES ($1, $2, $3)")
                    .bind(name)
                    .bind(host.as_str())
                    .bind(ord);
            self.run("linking a name server", query).await.map_err(|error| {
                match conflict(error, "domain", name) {
                    StoreError::MissingReference { kind, id, .. } => StoreError::MissingReference {
                        kind,
                        id,
                        detail: format!("name server {host} is not a host object"),
                    },
                    other => other,
                }
            })?;
        }
        for (ord, (role, contact)) in (0_i64..).zip(&links.contacts) {
            let query = sqlx::query(
                "INSERT INTO domain_contacts (domain, contact, role, ord) VALUES ($1, $2, $3, $4)",
            )
            .bind(name)
            .bind(contact.as_str())
            .bind(role.as_str())
            .bind(ord);
            self.run("linking a contact", query).await.map_err(|error| {
                match conflict(error, "domain", name) {
                    StoreError::MissingReference { kind, id, .. } => StoreError::MissingReference {
                        kind,
                        id,
                        detail: format!("{role} contact {contact} does not exist"),
                    },
                    other => other,
                }
            })?;
        }
        Ok(())
    }

    async fn links(&mut self, name: &str) -> Result<Links, StoreError> {
        let query = sqlx::query(
            "SELECT 0 AS part, ord, host AS id, '' AS role FROM domain_hosts WHERE domain = $1 \
             UNION ALL \
             SELECT 1 AS part, ord, contact AS id, role FROM domain_contacts WHERE domain = $1 \
             ORDER BY part, ord",
        )
        .bind(name);
        let mut links = Links { ns: Vec::new(), contacts: Vec::new() };
        for row in self.rows("reading a domain's links", query).await? {
            let part: i64 = get(&row, "part")?;
            let id: String = get(&row, "id")?;
            if part == 0 {
                links.ns.push(id);
            } else {
                links.contacts.push((get(&row, "role")?, id));
            }
        }
        Ok(links)
    }

    /// The domain `name`.
    pub async fn get_domain(&mut self, name: &str) -> Result<Option<Domain>, StoreError> {
        self.load_domain(name, false).await
    }

    /// The domain `name`, locked against other writers until this transaction ends.
    pub async fn get_domain_for_update(
        &mut self,
        name: &str,
    ) -> Result<Option<Domain>, StoreError> {
        self.load_domain(name, true).await
    }

    async fn load_domain(&mut self, name: &str, lock: bool) -> Result<Option<Domain>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM domains WHERE name = $1{}", self.lock_clause(lock));
        let Some(row) = self.row("reading a domain", sqlx::query(&sql).bind(name)).await? else {
            return Ok(None);
        };
        let links = self.links(name).await?;
        domain(&row, links).map(Some)
    }

    /// Deletes (purges) the domain `name` with its links; [`StoreError::Linked`] while hosts
    /// are subordinate to it.
    pub async fn delete_domain(&mut self, name: &str) -> Result<(), StoreError> {
        self.writing("delete_domain")?;
        let query = sqlx::query("DELETE FROM domains WHERE name = $1").bind(name);
        let rows = self
            .run("deleting a domain", query)
            .await
            .map_err(|error| still_linked(error, "domain", name))?;
        found(rows, "domain", name)
    }

    /// Whether the domain `name` exists.
    pub async fn domain_exists(&mut self, name: &str) -> Result<bool, StoreError> {
        let query = sqlx::query("SELECT 1 AS hit FROM domains WHERE name = $1").bind(name);
        self.any("checking a domain", query).await
    }

    /// Which of `names` (lower-case) exist as domains, in any state: one query per
    /// [`EXISTING_BATCH`] names rather than one per name, for `<domain:check>`.
    pub async fn existing_domains(
        &mut self,
        names: &[String],
    ) -> Result<BTreeSet<String>, StoreError> {
        let sql = |list: &str| format!("SELECT name FROM domains WHERE name IN ({list})");
        let rows = self.rows_for_names("checking domains", names, EXISTING_BATCH, &[], sql).await?;
        rows.iter().map(|row| get(row, "name")).collect()
    }

    /// The domains whose next lifecycle event is due at `now`, earliest first, at most `page`.
    pub async fn domains_due(
        &mut self,
        now: OffsetDateTime,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query(
            "SELECT name FROM domains WHERE next_event_at IS NOT NULL AND next_event_at <= $1 \
             ORDER BY next_event_at, name LIMIT $2",
        )
        .bind(micros(now)?)
        .bind(limit(page));
        self.rows("listing due domains", query).await?.iter().map(|row| get(row, "name")).collect()
    }

    /// The names `sponsor` sponsors, in name order: at most `page`, after the name `after`
    /// (pass the last name of one page to get the next). Keyset pagination, so walking
    /// millions of names costs one index range scan per page.
    pub async fn domains_of(
        &mut self,
        sponsor: &str,
        after: Option<&str>,
        page: u32,
    ) -> Result<Vec<String>, StoreError> {
        let query = sqlx::query(
            "SELECT name FROM domains WHERE sponsor = $1 AND name > $2 ORDER BY name LIMIT $3",
        )
        .bind(sponsor)
        .bind(after.unwrap_or(""))
        .bind(limit(page));
        self.rows("listing a sponsor's domains", query)
            .await?
            .iter()
            .map(|row| get(row, "name"))
            .collect()
    }

    /// How many domains `sponsor` sponsors.
    pub async fn count_domains_of(&mut self, sponsor: &str) -> Result<u64, StoreError> {
        let query =
            sqlx::query("SELECT COUNT(*) AS n FROM domains WHERE sponsor = $1").bind(sponsor);
        get_u64(&self.one("counting a sponsor's domains", query).await?, "n")
    }

    /// How many domains each sponsor has, by sponsor (sponsors without domains are left out).
    pub async fn count_domains_by_sponsor(&mut self) -> Result<Vec<(String, u64)>, StoreError> {
        let query = sqlx::query(
            "SELECT sponsor, COUNT(*) AS n FROM domains GROUP BY sponsor ORDER BY sponsor",
        );
        self.rows("counting domains by sponsor", query)
            .await?
            .iter()
            .map(|row| Ok((get(row, "sponsor")?, get_u64(row, "n")?)))
            .collect()
    }
}

pub(super) fn domain(row: &AnyRow, links: Links) -> Result<Domain, StoreError> {
    let doc: Doc = get_json(row, "doc")?;
    let name: String = get(row, "name")?;
    let mut registrant = None;
    let mut contacts = Vec::with_capacity(links.contacts.len());
    for (role_text, id) in links.contacts {
        if role_text == REGISTRANT {
            registrant = Some(id);
        } else {
            let role = role(&role_text).ok_or_else(|| StoreError::Corrupt {
                what: format!("contacts of domain {name}"),
                detail: format!("unknown role {role_text:?}"),
            })?;
            contacts.push(DomainContact { role, id });
        }
    }
    Ok(Domain {
        roid: get(row, "roid")?,
        sponsor: get(row, "sponsor")?,
        reseller: get(row, "reseller")?,
        registrant,
        contacts,
        ns: links.ns,
        ds: get_json::<Vec<DsData>>(row, "ds")?,
        max_sig_life: doc.max_sig_life,
        statuses: doc.statuses,
        stamps: stamps(row)?,
        expires_at: get_instant(row, "expires_at")?,
        transferred_at: doc.transferred_at,
        auth: doc.auth,
        grace: doc.grace,
        deletion: doc.deletion,
        transfer: doc.transfer,
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_is_delegated_in_the_zone_above_it() {
        assert_eq!(zone_of("example.test").ok(), Some("test"));
        assert_eq!(zone_of("a.co.in").ok(), Some("co.in"));
        assert!(zone_of("test").is_err());
        assert!(zone_of(".test").is_err());
        assert!(zone_of("example.").is_err());
    }

    #[test]
    fn roles_round_trip() {
        for each in [ContactRole::Admin, ContactRole::Billing, ContactRole::Tech] {
            assert_eq!(role(role_name(each)), Some(each));
        }
        assert_eq!(role(REGISTRANT), None);
    }
}
