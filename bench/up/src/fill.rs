//! Fills the demo TLD of a registry made by a first `nameward up` with delegated names, through
//! the store's multi-row inserts, many thousands of names per transaction: EPP would take a day
//! for two million.
//!
//! Name `d0000042.example` delegates to two name servers: for one name in twenty, two hosts of
//! its own inside it (`ns1.d0000040.example` with an IPv4 and an IPv6 address, `ns2.…` with an
//! IPv4 address: glue in the TLD zone); for the others, two of a pool of shared hosts outside
//! the TLD (`ns1.p123.dns-hosting.net`). One name in ten has a DS record. Every transaction
//! advances the zone serial and notes the apex as changed, which tells a publisher that the
//! change is not known name by name: the zone is built whole, which is what a start does anyway.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use nameward_registry::lifecycle::{add_years, due};
use nameward_registry::model::{Account, Domain, DsData, Host, Stamps};
use nameward_registry::service::Registry;
use sqlx::Connection as _;
use time::{Duration, OffsetDateTime};

use crate::TLD;

/// Names per transaction.
const CHUNK: u64 = 20_000;

/// Shared name-server hosts outside the TLD (two each: `ns1.pN…` and `ns2.pN…`).
const POOL: u64 = 1_000;

/// The registrar that sponsors the filled names.
const SPONSOR: &str = "beta";

/// The registrar whose EPP sessions make the measured changes.
pub const CHANGER: &str = "alpha";

/// The name servers the measured creates delegate to (hosts outside the TLD, made here).
pub const CHANGE_NS: [&str; 2] = ["ns1.bench-provider.net", "ns2.bench-provider.net"];

/// Name number `index`.
fn name(index: u64) -> String {
    format!("d{index:07}.{TLD}")
}

fn in_bailiwick(index: u64) -> bool {
    index.is_multiple_of(20)
}

fn pool_host(n: u64, pool: u64) -> String {
    format!("ns{n}.p{pool}.dns-hosting.net")
}

fn host(
    name: String,
    roid: u64,
    sponsor: &str,
    superordinate: Option<String>,
    addrs: Vec<IpAddr>,
    at: OffsetDateTime,
) -> Host {
    Host {
        name,
        roid: format!("H{roid}-EXAMPLE"),
        sponsor: sponsor.to_owned(),
        superordinate,
        addrs,
        statuses: Default::default(),
        stamps: Stamps::new(sponsor, at),
    }
}

/// ROIDs of filled objects start here, far above the numbers the registry draws for the
/// objects EPP creates.
const ROID_BASE: u64 = 1_000_000_000;

/// Name `index` and, when it has its own name servers, their hosts.
fn domain(index: u64, created: OffsetDateTime) -> (Domain, Vec<Host>) {
    let domain_name = name(index);
    let mut hosts = Vec::new();
    let ns = if in_bailiwick(index) {
        let (a, b) = ((index >> 8) as u8, index as u8);
        let v4 = |last: u8| IpAddr::V4(Ipv4Addr::new(10, a, b, last));
        let v6 = IpAddr::V6(Ipv6Addr::new(
            0x2001,
            0xdb8,
            0,
            0,
            0,
            0,
            (index >> 16) as u16,
            index as u16,
        ));
        let ns1 = format!("ns1.{domain_name}");
        let ns2 = format!("ns2.{domain_name}");
        let roid = ROID_BASE * 2 + index * 2;
        hosts.push(host(
            ns1.clone(),
            roid,
            SPONSOR,
            Some(domain_name.clone()),
            vec![v4(1), v6],
            created,
        ));
        hosts.push(host(
            ns2.clone(),
            roid + 1,
            SPONSOR,
            Some(domain_name.clone()),
            vec![v4(2)],
            created,
        ));
        vec![ns1, ns2]
    } else {
        let pool = index % POOL;
        vec![pool_host(1, pool), pool_host(2, pool)]
    };
    let ds = if index % 10 == 3 {
        let digest = format!("{:064X}", u128::from(index) * 0x9E37_79B9_7F4A_7C15);
        vec![DsData { key_tag: (index % 65_536) as u16, alg: 13, digest_type: 2, digest }]
    } else {
        Vec::new()
    };
    let days = i64::try_from(index % 365).unwrap_or(0);
    let domain = Domain {
        name: domain_name,
        roid: format!("D{}-EXAMPLE", ROID_BASE + index),
        sponsor: SPONSOR.to_owned(),
        reseller: None,
        registrant: None,
        contacts: Vec::new(),
        ns,
        ds,
        max_sig_life: None,
        statuses: Default::default(),
        stamps: Stamps::new(SPONSOR, created),
        expires_at: add_years(created, 1) + Duration::days(days),
        transferred_at: None,
        auth: None,
        grace: Vec::new(),
        deletion: None,
        transfer: None,
    };
    (domain, hosts)
}

/// Fills the registry at `url` with `count` names; the registry must hold the demo TLD and
/// registrars and no filled names yet.
pub async fn fill(url: &str, count: u64) -> Result<()> {
    let registry = Registry::open(url).await.context("opening the registry")?;
    let now = OffsetDateTime::now_utc();
    let policy = registry
        .tlds()
        .await?
        .into_iter()
        .find(|policy| policy.tld == TLD)
        .context("the registry has no TLD `example`: start `nameward up` on it once first")?;
    let registrars = registry.store().begin_read().await?.get_registrar(CHANGER).await?;
    if registrars.is_none() {
        bail!("the registry has no registrar {CHANGER}: start `nameward up` on it once first");
    }
    // Money for every create a run makes (1,000 units each by default).
    registry.deposit(CHANGER, Account::Prepaid, 1_000_000_000_000, now).await?;
    // Created 300 days ago: no grace period runs, and nothing falls due for 65 days.
    let created = now - Duration::days(300);
    let started = Instant::now();
    let mut tx = registry.store().begin().await?;
    let mut shared = Vec::new();
    for pool in 0..POOL {
        for n in [1, 2] {
            shared.push(host(
                pool_host(n, pool),
                ROID_BASE * 4 + pool * 2 + n,
                SPONSOR,
                None,
                Vec::new(),
                created,
            ));
        }
    }
    for (n, ns) in (0..).zip(CHANGE_NS) {
        shared.push(host(ns.to_owned(), ROID_BASE * 5 + n, CHANGER, None, Vec::new(), created));
    }
    tx.insert_hosts(&shared).await?;
    tx.commit().await?;
    let mut start = 0;
    while start < count {
        let end = count.min(start + CHUNK);
        let mut rows = Vec::with_capacity((end - start) as usize);
        let mut hosts = Vec::new();
        for index in start..end {
            let (domain, own) = domain(index, created);
            let next = due::next_event_at(&policy, &domain);
            rows.push((domain, next));
            hosts.extend(own);
        }
        let mut tx = registry.store().begin().await?;
        tx.insert_domains(&rows, &hosts).await?;
        tx.bump_serial(TLD, &[TLD]).await?;
        tx.commit().await?;
        start = end;
        if start % 200_000 == 0 || start == count {
            eprintln!("filled {start} names in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    let serial = registry.zone_serial(TLD).await?;
    registry.store().close().await;
    if url.starts_with("postgres") {
        // What autovacuum would do shortly after a bulk load: statistics for the planner.
        let mut connection = sqlx::AnyConnection::connect(url).await?;
        sqlx::query("ANALYZE").execute(&mut connection).await?;
        connection.close().await?;
    }
    println!("filled names={count} serial={serial} seconds={:.1}", started.elapsed().as_secs_f64());
    Ok(())
}
