//! nameward-bench-publish: what one registry change costs the server at a TLD's size.
//!
//! Builds in memory a TLD zone shaped as the registry publishes it (`--names` delegations, two
//! NS each, every tenth with a DS, every twentieth with two in-bailiwick name servers and
//! their glue), compiles it whole (`Zone::load_with`, what a start or a rebuild costs), then
//! serves it and publishes `--changes` single-delegation differences one after the other
//! through `Shared::apply` (what each published change costs the server, folds of the layers
//! included, which run on their own thread), and prints the median, 99th percentile and
//! maximum of each, with the process's peak resident memory. No database, no sockets.

use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::Parser;
use nameward_dns::check::{CheckOptions, Severity};
use nameward_dns::rdata::rfc1035::{A, Ns, Soa};
use nameward_dns::rdata::{Ds, RecordData};
use nameward_dns::{Class, Name, Record};
use nameward_server::transfer::Diff;
use nameward_server::{Config, Shared, Zone};

#[derive(Parser)]
struct Args {
    /// Delegations in the zone.
    #[arg(long, default_value_t = 200_000)]
    names: usize,
    /// Single-delegation changes applied one after the other.
    #[arg(long, default_value_t = 1000)]
    changes: usize,
    /// Whole compilations timed.
    #[arg(long, default_value_t = 3)]
    loads: usize,
}

fn main() -> Result<()> {
    let args = Args::parse();
    let origin = name("example.")?;
    let records = tld_records(&origin, args.names)?;
    let count = records.len();
    let checks = CheckOptions { missing_glue: Severity::Warning, ..CheckOptions::default() };

    let mut loads = Vec::new();
    let mut zone = None;
    for _ in 0..args.loads.max(1) {
        let started = Instant::now();
        let loaded = Zone::from_records(&origin, records.clone(), "bench", &checks)
            .map_err(|e| anyhow!("the zone does not load: {e}"))?;
        loads.push(started.elapsed().as_secs_f64());
        zone = Some(loaded);
    }
    let zone = zone.context("no zone")?;
    drop(records);
    let shared = Shared::load(Config::default()).map_err(|e| anyhow!("{e}"))?;
    shared.publish(zone);

    let mut applies = Vec::new();
    for change in 0..args.changes {
        let served = shared.zones.load().get(&origin).cloned().context("not served")?;
        let diff = one_change(&served, change)?;
        drop(served);
        let started = Instant::now();
        shared.apply(&origin, diff, &checks).map_err(|e| anyhow!("change {change}: {e}"))?;
        applies.push(started.elapsed().as_secs_f64());
    }
    let served = shared.zones.load().get(&origin).cloned().context("not served")?;
    println!(
        "names {} records {count} | whole load median {:.3} s max {:.3} s | one change \
         published: median {:.1} ms p99 {:.1} ms max {:.1} ms ({} changes; top layer now {} \
         nodes over {}) | peak RSS {} MiB",
        args.names,
        median(&mut loads),
        max(&loads),
        median(&mut applies) * 1e3,
        percentile(&applies, 0.99) * 1e3,
        max(&applies) * 1e3,
        applies.len(),
        served.top_node_count(),
        served.base_node_count(),
        peak_rss_mib().unwrap_or(0),
    );
    Ok(())
}

fn name(text: &str) -> Result<Name> {
    Name::parse(text, None).map_err(|e| anyhow!("{text}: {e}"))
}

fn record(owner: &Name, data: RecordData) -> Record {
    Record { owner: owner.clone(), class: Class::IN, ttl: 3600, data }
}

fn tld_records(origin: &Name, names: usize) -> Result<Vec<Record>> {
    let ns1 = name("ns1.nic.example.")?;
    let soa = Soa {
        mname: ns1.clone(),
        rname: name("hostmaster.nic.example.")?,
        serial: 1,
        refresh: 1800,
        retry: 900,
        expire: 604_800,
        minimum: 900,
    };
    let mut records = vec![
        record(origin, RecordData::Soa(soa)),
        record(origin, RecordData::Ns(Ns { nsdname: ns1.clone() })),
        record(&ns1, RecordData::A(A { address: [192, 0, 2, 53].into() })),
    ];
    for i in 0..names {
        let owner = name(&format!("d{i}.example."))?;
        if i % 20 == 0 {
            for n in 1..=2u8 {
                let host = name(&format!("ns{n}.d{i}.example."))?;
                records.push(record(&owner, RecordData::Ns(Ns { nsdname: host.clone() })));
                let address = [10, (i >> 16) as u8, (i >> 8) as u8, n].into();
                records.push(record(&host, RecordData::A(A { address })));
            }
        } else {
            for n in 1..=2 {
                let nsdname = name(&format!("ns{n}.host{}.test.", i % 1000))?;
                records.push(record(&owner, RecordData::Ns(Ns { nsdname })));
            }
        }
        if i % 10 == 0 {
            let ds = Ds {
                key_tag: (i % 65_536) as u16,
                algorithm: 13,
                digest_type: 2,
                digest: vec![0xab; 32],
            };
            records.push(record(&owner, RecordData::Ds(ds)));
        }
    }
    Ok(records)
}

/// A new delegation `new{change}.example` at the next serial.
fn one_change(zone: &Zone, change: usize) -> Result<Diff> {
    let from = zone.soa().context("no SOA")?;
    let mut to = from.clone();
    if let RecordData::Soa(soa) = &mut to.data {
        soa.serial += 1;
    }
    let owner = name(&format!("new{change}.example."))?;
    let nsdname = name("ns1.elsewhere.test.")?;
    let added = vec![record(&owner, RecordData::Ns(Ns { nsdname }))];
    Ok(Diff { from, to, deleted: Vec::new(), added })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

/// The `q` quantile of `values` (sorted by [`median`]).
fn percentile(values: &[f64], q: f64) -> f64 {
    let at = ((values.len() as f64 * q).ceil() as usize).saturating_sub(1);
    values.get(at.min(values.len().saturating_sub(1))).copied().unwrap_or(0.0)
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(0.0, f64::max)
}

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}
