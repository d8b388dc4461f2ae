//! Fills a registry store with N domains of one registrar, for the continuity benchmark
//! (`bench/continuity/run.py`): TLD `example`, registrars `failing` (whose names these are)
//! and `heir` (its successor), and names `d0000000.example` … expiring over the coming year,
//! every 50th held through a reseller. The domains go in through the store's multi-row
//! insert, many thousands per transaction, because a benchmark of the bulk transfer should not
//! wait an hour for its input.
//!
//! Each name has a registrant, as registrant notices need (see [`Holder`]): portfolio holders
//! of about 3,000 names each, a privacy service whose names the registrar's escrow attributes
//! to customers (some not, which go to the service's own address), small holders of one to
//! three names, and one name in 500 without a registrant. It prints what a queue run should
//! find: `expect names=N reachable=R addresses=A`.
//!
//! Usage: cargo run --release -p nameward-registry --example continuity_fill -- URL N [NOW]

use std::collections::{BTreeSet, HashSet};
use std::process::ExitCode;

use nameward_escrow::Customer;
use nameward_registry::lifecycle::{add_years, due};
use nameward_registry::model::{Contact, Domain, PostalInfo, PostalKind, Stamps};
use nameward_registry::policy::Policy;
use nameward_registry::service::{Accreditation, NewRegistrar, Registry};
use nameward_registry::store::Tx;
use sqlx::Connection as _;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Domains per transaction.
const CHUNK: u64 = 20_000;

/// Names per portfolio holder.
const PORTFOLIO: u64 = 3_000;

/// Who holds name number `index`, and so where its notices go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    /// No registrant on record (one name in 500).
    Nobody,
    /// One of the portfolio holders (every 10th name), about [`PORTFOLIO`] names each.
    Portfolio(u64),
    /// The registrar's privacy service (every 5th name, from the 3rd); the escrow names the
    /// customer behind it — the same for two names — except for one name in 50.
    Proxied(Option<u64>),
    /// A small holder of the four names from 4 × n on that no rule above took.
    Small(u64),
}

/// How many portfolio holders a store of `count` names has.
fn portfolios(count: u64) -> u64 {
    (count / 10 / PORTFOLIO).max(1)
}

fn holder(index: u64, count: u64) -> Holder {
    if index % 500 == 499 {
        Holder::Nobody
    } else if index.is_multiple_of(10) {
        Holder::Portfolio((index / 10) % portfolios(count))
    } else if index % 5 == 2 {
        Holder::Proxied((index % 50 != 7).then_some(index / 10))
    } else {
        Holder::Small(index / 4)
    }
}

/// The registrant contact's id.
fn registrant(holder: Holder) -> Option<String> {
    match holder {
        Holder::Nobody => None,
        Holder::Portfolio(number) => Some(format!("big{number}")),
        Holder::Proxied(_) => Some("privacy".to_owned()),
        Holder::Small(number) => Some(format!("r{number}")),
    }
}

/// The registrant contact's e-mail in the registry; some small holders' in capitals, which
/// the notices must treat as the same address.
fn registry_email(holder: Holder) -> Option<String> {
    match holder {
        Holder::Nobody => None,
        Holder::Portfolio(number) => Some(format!("big{number}@portfolio.example")),
        Holder::Proxied(_) => Some("privacy@proxy.example".to_owned()),
        Holder::Small(number) if number.is_multiple_of(7) => Some(format!("R{number}@Example.NET")),
        Holder::Small(number) => Some(format!("r{number}@example.net")),
    }
}

/// Where the name's notices should go: the escrowed customer first.
fn expected_address(holder: Holder) -> Option<String> {
    match holder {
        Holder::Proxied(Some(customer)) => Some(format!("cust{customer}@holders.example")),
        other => registry_email(other).map(|email| email.to_ascii_lowercase()),
    }
}

fn contact(id: &str, email: &str, now: OffsetDateTime) -> Contact {
    Contact {
        id: id.to_owned(),
        roid: format!("C{id}-EXAMPLE"),
        sponsor: "failing".to_owned(),
        postal: vec![PostalInfo {
            kind: PostalKind::Int,
            name: format!("Holder {id}"),
            org: None,
            street: vec!["1 Main Street".to_owned()],
            city: "Pune".to_owned(),
            sp: None,
            pc: None,
            cc: "IN".to_owned(),
        }],
        voice: None,
        voice_ext: None,
        fax: None,
        fax_ext: None,
        email: email.to_owned(),
        auth: None,
        statuses: BTreeSet::new(),
        disclose: None,
        stamps: Stamps::new("failing", now),
    }
}

/// The contacts, escrowed customers and escrowed domains that names `start..end` bring in
/// first.
async fn put_holders(
    tx: &mut Tx,
    start: u64,
    end: u64,
    count: u64,
    now: OffsetDateTime,
) -> Result<(), String> {
    let failed = |error: nameward_registry::store::StoreError| error.to_string();
    let mut customers = Vec::new();
    let mut escrowed = Vec::new();
    for index in start..end {
        let who = holder(index, count);
        match who {
            Holder::Small(number) => {
                let first = (number * 4..index).all(|before| holder(before, count) != who);
                if first && let (Some(id), Some(email)) = (registrant(who), registry_email(who)) {
                    tx.insert_contact(&contact(&id, &email, now)).await.map_err(failed)?;
                }
            }
            Holder::Proxied(customer) => {
                if let Some(customer) = customer {
                    if index % 10 == 2 {
                        customers.push(Customer {
                            id: format!("cust{customer}"),
                            name: format!("Customer {customer}"),
                            email: format!("cust{customer}@holders.example"),
                            balance: 1_000,
                            currency: "USD".to_owned(),
                            reseller: None,
                        });
                    }
                    escrowed.push(nameward_escrow::Domain {
                        name: name(index),
                        registrant: Some("privacy".to_owned()),
                        customer: Some(format!("cust{customer}")),
                        admin: None,
                        tech: None,
                        reseller: None,
                        privacy: true,
                        expires: now,
                        nameservers: Vec::new(),
                    });
                }
            }
            Holder::Nobody | Holder::Portfolio(_) => {}
        }
    }
    // Small slices: sqlx binds SQLite parameters in time quadratic in their number.
    for slice in customers.chunks(25) {
        tx.put_escrow_customers("failing", "bench", slice).await.map_err(failed)?;
    }
    for slice in escrowed.chunks(20) {
        tx.put_escrow_domains("failing", "bench", slice).await.map_err(failed)?;
    }
    Ok(())
}

fn name(index: u64) -> String {
    format!("d{index:07}.example")
}

/// Links each name to its registrant contact. The store writes links one domain at a time
/// (and the bulk transfer never needs more), so the filler writes the link rows itself, many
/// per statement.
async fn link_registrants(url: &str, count: u64) -> Result<(), String> {
    let failed = |error: sqlx::Error| error.to_string();
    let mut connection = sqlx::AnyConnection::connect(url).await.map_err(failed)?;
    let rows_per_statement: u64 = if url.starts_with("sqlite:") { 60 } else { 500 };
    let mut start = 0;
    while start < count {
        let end = count.min(start + CHUNK);
        let mut tx = connection.begin().await.map_err(failed)?;
        let links: Vec<(String, String)> = (start..end)
            .filter_map(|index| registrant(holder(index, count)).map(|id| (name(index), id)))
            .collect();
        for slice in links.chunks(usize::try_from(rows_per_statement).unwrap_or(60)) {
            let tuples: Vec<String> = (0..slice.len())
                .map(|row| format!("(${}, ${}, 'registrant', 0)", row * 2 + 1, row * 2 + 2))
                .collect();
            let sql = format!(
                "INSERT INTO domain_contacts (domain, contact, role, ord) VALUES {}",
                tuples.join(", ")
            );
            let mut query = sqlx::query(&sql);
            for (domain, contact) in slice {
                query = query.bind(domain.as_str()).bind(contact.as_str());
            }
            query.execute(&mut *tx).await.map_err(failed)?;
        }
        tx.commit().await.map_err(failed)?;
        start = end;
    }
    connection.close().await.map_err(failed)
}

fn registrar(id: &str) -> NewRegistrar {
    NewRegistrar {
        id: id.to_owned(),
        name: format!("{id} registrar"),
        password: format!("{id}-benchmark-password"),
        cert_fingerprints: vec!["ab".repeat(32)],
        email: None,
    }
}

fn domain(index: u64, created: OffsetDateTime) -> Domain {
    let days = i64::try_from(index % 365).unwrap_or(0);
    Domain {
        name: name(index),
        roid: format!("D{}-EXAMPLE", index + 1_000_000),
        sponsor: "failing".to_owned(),
        reseller: index.is_multiple_of(50).then(|| format!("reseller{}", index % 7)),
        registrant: None,
        contacts: Vec::new(),
        ns: Vec::new(),
        ds: Vec::new(),
        max_sig_life: None,
        statuses: BTreeSet::new(),
        stamps: Stamps::new("failing", created),
        expires_at: add_years(created, 1) + Duration::days(days),
        transferred_at: None,
        auth: None,
        grace: Vec::new(),
        deletion: None,
        transfer: None,
    }
}

async fn fill(url: &str, count: u64, now: OffsetDateTime) -> Result<(), String> {
    let registry = Registry::open(url).await.map_err(|error| error.to_string())?;
    let policy = Policy::default_for("example");
    registry.add_tld(&policy, now).await.map_err(|error| error.to_string())?;
    registry.add_registrar(&registrar("heir"), now).await.map_err(|error| error.to_string())?;
    let terms = Accreditation { security_deposit: 1_000_000, successor: Some("heir".to_owned()) };
    registry
        .accredit(&registrar("failing"), &terms, now)
        .await
        .map_err(|error| error.to_string())?;
    // Created 300 days ago: no grace period runs and nothing is due now.
    let created = now - Duration::days(300);
    let failed = |error: nameward_registry::store::StoreError| error.to_string();
    let mut tx = registry.store().begin().await.map_err(failed)?;
    for holder in (0..portfolios(count)).map(Holder::Portfolio).chain([Holder::Proxied(None)]) {
        if let (Some(id), Some(email)) = (registrant(holder), registry_email(holder)) {
            tx.insert_contact(&contact(&id, &email, created)).await.map_err(failed)?;
        }
    }
    tx.commit().await.map_err(failed)?;
    let mut start = 0;
    while start < count {
        let end = count.min(start + CHUNK);
        let rows: Vec<(Domain, Option<OffsetDateTime>)> = (start..end)
            .map(|index| {
                let domain = domain(index, created);
                let next = due::next_event_at(&policy, &domain);
                (domain, next)
            })
            .collect();
        let mut tx = registry.store().begin().await.map_err(failed)?;
        put_holders(&mut tx, start, end, count, created).await?;
        tx.insert_unlinked_domains(&rows).await.map_err(failed)?;
        tx.commit().await.map_err(failed)?;
        start = end;
    }
    registry.store().close().await;
    link_registrants(url, count).await?;
    let mut addresses = HashSet::new();
    let mut reachable = 0_u64;
    for index in 0..count {
        if let Some(address) = expected_address(holder(index, count)) {
            reachable += 1;
            addresses.insert(address);
        }
    }
    println!("expect names={count} reachable={reachable} addresses={}", addresses.len());
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(url), Some(count)) = (args.get(1), args.get(2).and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: continuity_fill URL N [NOW as RFC 3339]");
        return ExitCode::FAILURE;
    };
    let now = match args.get(3) {
        Some(text) => match OffsetDateTime::parse(text, &Rfc3339) {
            Ok(now) => now,
            Err(error) => {
                eprintln!("continuity_fill: NOW {text}: {error}");
                return ExitCode::FAILURE;
            }
        },
        None => OffsetDateTime::now_utc(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("continuity_fill: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(fill(url, count, now)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("continuity_fill: {error}");
            ExitCode::FAILURE
        }
    }
}
