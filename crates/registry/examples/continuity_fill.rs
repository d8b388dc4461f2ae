//! Fills a registry store with N domains of one registrar, for the continuity benchmark
//! (`bench/continuity/run.py`): TLD `example`, registrars `failing` (whose names these are)
//! and `heir` (its successor), and names `d0000000.example` … expiring over the coming year,
//! every 50th held through a reseller. The domains go in through the store's multi-row
//! insert, many thousands per transaction, because a benchmark of the bulk transfer should not
//! wait an hour for its input.
//!
//! Usage: cargo run --release -p nameward-registry --example continuity_fill -- URL N [NOW]

use std::collections::BTreeSet;
use std::process::ExitCode;

use nameward_registry::lifecycle::{add_years, due};
use nameward_registry::model::{Domain, Stamps};
use nameward_registry::policy::Policy;
use nameward_registry::service::{Accreditation, NewRegistrar, Registry};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// Domains per transaction.
const CHUNK: u64 = 20_000;

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
        name: format!("d{index:07}.example"),
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
        let mut tx = registry.store().begin().await.map_err(|error| error.to_string())?;
        tx.insert_unlinked_domains(&rows).await.map_err(|error| error.to_string())?;
        tx.commit().await.map_err(|error| error.to_string())?;
        start = end;
    }
    registry.store().close().await;
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
