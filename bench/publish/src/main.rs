//! nameward-bench-publish: what one registry change costs the server at a TLD's size.
//!
//! Builds in memory a TLD zone shaped as the registry publishes it (`--names` delegations, two
//! NS each, every tenth with a DS, every twentieth with two in-bailiwick name servers and
//! their glue), compiles it whole (`Zone::load_with`, what a start or a rebuild costs), then
//! serves it and publishes `--changes` single-delegation differences one after the other
//! through `Shared::apply` (what each published change costs the server, folds of the layers
//! included, which run on their own thread), and prints the median, 99th percentile and
//! maximum of each, with the process's peak resident memory. No database, no sockets.
//!
//! With `--signed nsec|nsec3|nsec3-opt-out` the zone is signed first (Ed25519, one key as a
//! CSK, `sign_records` on every core), each new delegation also has a DS (so that it enters even
//! an opt-out chain), and each change is signed by the incremental signer (`sign_change`,
//! reading the served zone through `SignedZone`) before it is applied: the signing and the
//! application are timed apart. At the end the served zone is compiled whole again `--loads`
//! times (`Zone::folded`: all its records compiled, what applying a change to a signed zone
//! cost when signed zones were not layered). Last, `--queries` questions with DO set (names
//! that do not exist, and DS at existing delegations: denial proofs) are answered by the
//! served zone (layered) and by the whole compilation, and the time per answer printed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use clap::{Parser, ValueEnum};
use nameward_dns::check::{CheckOptions, Severity};
use nameward_dns::dnssec::{
    Denial, Nsec3Options, PrivateKey, SignOptions, SigningKey, sign_change, sign_records,
};
use nameward_dns::message::Edns;
use nameward_dns::rdata::rfc1035::{A, Ns, Soa};
use nameward_dns::rdata::{Ds, RecordData};
use nameward_dns::{Class, Header, Message, Name, Question, Record, Rtype};
use nameward_server::transfer::Diff;
use nameward_server::{Config, ResponseBuffer, Shared, Transport, Zone, Zones, answer};

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
    /// Questions timed on the served zone and on its whole compilation (signed zones).
    #[arg(long, default_value_t = 200_000)]
    queries: usize,
    /// Sign the zone and every change, with this kind of denial chain.
    #[arg(long, value_enum, default_value_t = Signed::No)]
    signed: Signed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Signed {
    No,
    Nsec,
    Nsec3,
    Nsec3OptOut,
}

/// How the zone and the changes are signed, when they are.
struct Signer {
    keys: Vec<SigningKey>,
    options: SignOptions,
}

impl Signer {
    fn new(signed: Signed) -> Result<Option<Signer>> {
        let denial = match signed {
            Signed::No => return Ok(None),
            Signed::Nsec => Denial::Nsec,
            Signed::Nsec3 => Denial::Nsec3(Nsec3Options::default()),
            Signed::Nsec3OptOut => {
                Denial::Nsec3(Nsec3Options { opt_out: true, ..Nsec3Options::default() })
            }
        };
        // A fixed Ed25519 key (seed 00..1f): the benchmark measures the server, not key
        // handling.
        let private = PrivateKey::ed25519_from_seed(std::array::from_fn(|i| i as u8))?;
        let keys = vec![SigningKey::new(&private, 257)?];
        let options =
            SignOptions { inception: 1_700_000_000, expiration: 1_900_000_000, denial, threads: 0 };
        Ok(Some(Signer { keys, options }))
    }

    /// `records` signed whole.
    fn sign(&self, origin: &Name, records: &[Record]) -> Result<Vec<Record>> {
        Ok(sign_records(origin, records, &self.keys, &self.options)?)
    }

    /// `change` (records added at new owners) signed over the served `zone`, as the
    /// difference that replaces every owner whose records change.
    fn sign_change(&self, zone: &Zone, change: Diff) -> Result<Diff> {
        let mut touched: BTreeMap<Name, Vec<Record>> = BTreeMap::new();
        for record in change.added {
            touched.entry(record.owner.clone()).or_default().push(record);
        }
        let signed = sign_change(zone, &change.to, &touched, &self.keys, &self.options)?;
        let (mut deleted, mut added) = (Vec::new(), Vec::new());
        for (owner, after) in signed {
            let before = zone.records_at(&owner);
            let soa = |r: &Record| r.rtype() == Rtype::SOA;
            deleted.extend(before.iter().filter(|r| !soa(r) && !after.contains(r)).cloned());
            added.extend(after.iter().filter(|r| !soa(r) && !before.contains(r)).cloned());
        }
        Ok(Diff { from: change.from, to: change.to, deleted, added })
    }
}

fn main() -> Result<()> {
    let args = Args::parse();
    let origin = name("example.")?;
    let signer = Signer::new(args.signed)?;
    let mut records = tld_records(&origin, args.names)?;
    let mut signing = None;
    if let Some(signer) = &signer {
        let started = Instant::now();
        records = signer.sign(&origin, &records)?;
        signing = Some(started.elapsed().as_secs_f64());
    }
    let count = records.len();
    let checks = CheckOptions { missing_glue: Severity::Warning, ..CheckOptions::default() };

    let mut loads = Vec::new();
    let mut zone = None;
    let runs = args.loads.max(1);
    for run in 1..=runs {
        let records = if run == runs { std::mem::take(&mut records) } else { records.clone() };
        let started = Instant::now();
        let loaded = Zone::from_records(&origin, records, "bench", &checks)
            .map_err(|e| anyhow!("the zone does not load: {e}"))?;
        loads.push(started.elapsed().as_secs_f64());
        zone = Some(loaded);
    }
    let zone = zone.context("no zone")?;
    let shared = Shared::load(Config::default()).map_err(|e| anyhow!("{e}"))?;
    shared.publish(zone);

    let mut applies = Vec::new();
    let mut signatures = Vec::new();
    for change in 0..args.changes {
        let served = shared.zones.load().get(&origin).cloned().context("not served")?;
        let mut diff = one_change(&served, change, signer.is_some())?;
        if let Some(signer) = &signer {
            let started = Instant::now();
            diff = signer.sign_change(&served, diff)?;
            signatures.push(started.elapsed().as_secs_f64());
        }
        drop(served);
        let started = Instant::now();
        shared.apply(&origin, diff, &checks).map_err(|e| anyhow!("change {change}: {e}"))?;
        applies.push(started.elapsed().as_secs_f64());
    }
    let served = shared.zones.load().get(&origin).cloned().context("not served")?;
    if let Some(signing) = signing {
        let mut folds = Vec::new();
        let mut whole = None;
        for _ in 0..runs {
            let started = Instant::now();
            let folded = served.folded(&checks).map_err(|e| anyhow!("the fold: {e}"))?;
            folds.push(started.elapsed().as_secs_f64());
            whole = Some(folded);
        }
        let whole = Arc::new(whole.context("no fold")?);
        let questions = questions(args.queries, args.names)?;
        let (layered_ns, whole_ns) = answer_times(&served, &whole, &questions);
        drop(whole);
        println!(
            "signed {:?}: whole signing {signing:.1} s | each change signed: median {:.2} ms \
             p99 {:.2} ms | the served zone compiled whole: median {:.3} s max {:.3} s | \
             {} answers with DO: layered {layered_ns:.0} ns of CPU each, whole {whole_ns:.0} ns",
            args.signed,
            median(&mut signatures) * 1e3,
            percentile(&signatures, 0.99) * 1e3,
            median(&mut folds),
            max(&folds),
            questions.len(),
        );
    }
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

/// A new delegation `new{change}.example` at the next serial, with a DS when `ds`.
fn one_change(zone: &Zone, change: usize, ds: bool) -> Result<Diff> {
    let from = zone.soa().context("no SOA")?;
    let mut to = from.clone();
    if let RecordData::Soa(soa) = &mut to.data {
        soa.serial += 1;
    }
    let owner = name(&format!("new{change}.example."))?;
    let nsdname = name("ns1.elsewhere.test.")?;
    let mut added = vec![record(&owner, RecordData::Ns(Ns { nsdname }))];
    if ds {
        let digest = vec![0xcd; 32];
        let ds = Ds { key_tag: (change % 65_536) as u16, algorithm: 13, digest_type: 2, digest };
        added.push(record(&owner, RecordData::Ds(ds)));
    }
    Ok(Diff { from, to, deleted: Vec::new(), added })
}

/// `count` queries with DO set, alternately for a name that does not exist (NXDOMAIN with
/// its proofs) and for the DS of an existing delegation (the DS, or the proof of none).
fn questions(count: usize, names: usize) -> Result<Vec<Vec<u8>>> {
    (0..count)
        .map(|i| {
            let (qname, qtype) = if i % 2 == 0 {
                (format!("nx{i}.example."), Rtype::A)
            } else {
                (format!("d{}.example.", (i * 7919) % names.max(1)), Rtype::DS)
            };
            let edns = Edns { udp_payload: 1232, dnssec_ok: true, ..Edns::default() };
            Ok(Message {
                header: Header { id: 1, ..Header::default() },
                questions: vec![Question { name: name(&qname)?, qtype, qclass: Class::IN }],
                edns: Some(edns),
                ..Message::default()
            }
            .encode())
        })
        .collect()
}

/// CPU nanoseconds per answer to `questions` from `layered` and from `whole`: the best of
/// five passes each, the two taking turns (so that other load on the machine weighs on both
/// alike), timed by the thread's own CPU time.
fn answer_times(layered: &Arc<Zone>, whole: &Arc<Zone>, questions: &[Vec<u8>]) -> (f64, f64) {
    let zones = [layered, whole].map(|zone| {
        let mut zones = Zones::new();
        zones.insert(Arc::clone(zone));
        zones
    });
    let mut out = ResponseBuffer::new(Transport::Udp);
    let mut best = [f64::MAX; 2];
    for _ in 0..5 {
        for (zones, best) in zones.iter().zip(&mut best) {
            let started = thread_cpu_ns();
            for question in questions {
                answer(zones, question, &mut out);
            }
            let spent = thread_cpu_ns().saturating_sub(started) as f64;
            *best = best.min(spent / questions.len().max(1) as f64);
        }
    }
    (best[0], best[1])
}

/// CPU time of this thread so far, in nanoseconds (Linux `schedstat`); 0 when unreadable.
fn thread_cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    stat.split_whitespace().next().and_then(|ns| ns.parse().ok()).unwrap_or(0)
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
