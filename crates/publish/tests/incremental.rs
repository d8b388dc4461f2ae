//! Incremental publication equals a full rebuild: after every registry change the zone served
//! (reached by differences alone) holds exactly the records `Registry::tld_zone` builds whole,
//! and the IXFR journal holds the differences that were applied. Signed, the same: the zone
//! served is the rebuild signed whole with the same keys and times, record for record, and
//! signatures coming due are made again at a new serial.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::net::IpAddr;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use nameward_dns::dnssec::{
    Algorithm, Denial, Nsec3Options, PrivateKey, SignOptions, SigningKey, sign_records,
};
use nameward_dns::message::Edns;
use nameward_dns::rdata::RecordData;
use nameward_dns::store::ZoneBuilder;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, Rtype};
use nameward_publish::rollover::KeyTiming;
use nameward_publish::{
    KeyStore, Published, Publisher, Signing, SigningPolicy, ZoneKey, zone_checks,
};
use nameward_registry::lifecycle::domain::{DomainCreate, DomainUpdate, SecDnsUpdate};
use nameward_registry::lifecycle::host::{HostCreate, HostUpdate};
use nameward_registry::model::{Account, DomainStatus, DsData};
use nameward_registry::policy::Policy;
use nameward_registry::service::{Meta, NewRegistrar, Registry};
use nameward_registry::store::Store;
use nameward_registry::testing::{SqliteFile, both, example_apex};
use nameward_server::transfer::{Diff, JournalLimits};
use nameward_server::{Config, ResponseBuffer, Shared, Transport, Zone, Zones, answer};
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const DOMAINS: usize = 5;

/// One registry change, over a small universe of names so that changes collide.
#[derive(Debug, Clone)]
enum Op {
    Create { domain: usize, ns: Vec<usize> },
    Host { host: usize, addr: u8 },
    AddNs { domain: usize, ns: usize },
    RemNs { domain: usize, ns: usize },
    AddDs { domain: usize, tag: u16 },
    RemAllDs { domain: usize },
    Hold { domain: usize, on: bool },
    Delete { domain: usize },
    Readdress { host: usize, addr: u8 },
    Rename { host: usize, to: usize },
    DeleteHost { host: usize },
}

fn domain(i: usize) -> String {
    format!("d{i}.example")
}

/// Name servers: two under each domain, and two outside the TLD.
fn nameserver(i: usize) -> String {
    match i % (2 * DOMAINS + 2) {
        n if n < 2 * DOMAINS => format!("ns{}.d{}.example", n % 2, n / 2),
        n => format!("ns{n}.elsewhere.test"),
    }
}

fn op() -> impl Strategy<Value = Op> {
    let d = 0..DOMAINS;
    let h = 0..(2 * DOMAINS + 2);
    prop_oneof![
        3 => (d.clone(), prop::collection::vec(h.clone(), 0..3))
            .prop_map(|(domain, ns)| Op::Create { domain, ns }),
        3 => (h.clone(), 1u8..4).prop_map(|(host, addr)| Op::Host { host, addr }),
        3 => (d.clone(), h.clone()).prop_map(|(domain, ns)| Op::AddNs { domain, ns }),
        2 => (d.clone(), h.clone()).prop_map(|(domain, ns)| Op::RemNs { domain, ns }),
        1 => (d.clone(), 1u16..4).prop_map(|(domain, tag)| Op::AddDs { domain, tag }),
        1 => d.clone().prop_map(|domain| Op::RemAllDs { domain }),
        2 => (d.clone(), any::<bool>()).prop_map(|(domain, on)| Op::Hold { domain, on }),
        1 => d.clone().prop_map(|domain| Op::Delete { domain }),
        2 => (h.clone(), 1u8..4).prop_map(|(host, addr)| Op::Readdress { host, addr }),
        1 => (h.clone(), h.clone()).prop_map(|(host, to)| Op::Rename { host, to }),
        1 => h.prop_map(|host| Op::DeleteHost { host }),
    ]
}

async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    let apex = example_apex();
    registry.set_zone_apex(&apex, START).await.unwrap();
    let new = NewRegistrar {
        id: "alpha".to_owned(),
        name: "alpha registrar".to_owned(),
        password: "alpha-password-long-enough".to_owned(),
        cert_fingerprints: vec!["ab".repeat(32)],
        email: None,
    };
    registry.add_registrar(&new, START).await.unwrap();
    registry.deposit("alpha", Account::Prepaid, 1_000_000, START).await.unwrap();
    // The name servers outside the TLD exist from the start, so that delegations can name them.
    let meta = Meta { actor: "alpha", cl_trid: None, now: START };
    for n in 2 * DOMAINS..2 * DOMAINS + 2 {
        let host = HostCreate { name: nameserver(n), addrs: vec![] };
        registry.host_create(&meta, &host).await.unwrap();
    }
    registry
}

/// Applies `op`; a change the registry refuses (a name that exists, a host still linked) is
/// simply not made, as for a registrar.
async fn apply(registry: &Registry, op: &Op) {
    let meta = Meta { actor: "alpha", cl_trid: None, now: START };
    let address = |n: u8| -> IpAddr { format!("192.0.2.{n}").parse().unwrap() };
    let update = |f: &dyn Fn(&mut DomainUpdate)| {
        let mut req = DomainUpdate::default();
        f(&mut req);
        req
    };
    let _ = match op {
        Op::Create { domain: d, ns } => {
            let req = DomainCreate {
                name: domain(*d),
                years: 1,
                ns: ns.iter().map(|n| nameserver(*n)).collect(),
                auth_code: "k7Qm2ZpX9vRt4LcW8nBy3H".to_owned(),
                ..DomainCreate::default()
            };
            registry.domain_create(&meta, &req).await.map(|_| ())
        }
        Op::Host { host, addr } => {
            let name = nameserver(*host);
            let addrs = if name.ends_with(".example") { vec![address(*addr)] } else { vec![] };
            registry.host_create(&meta, &HostCreate { name, addrs }).await.map(|_| ())
        }
        Op::AddNs { domain: d, ns } => {
            let req = update(&|r| r.add_ns = vec![nameserver(*ns)]);
            registry.domain_update(&meta, &domain(*d), &req).await.map(|_| ())
        }
        Op::RemNs { domain: d, ns } => {
            let req = update(&|r| r.rem_ns = vec![nameserver(*ns)]);
            registry.domain_update(&meta, &domain(*d), &req).await.map(|_| ())
        }
        Op::AddDs { domain: d, tag } => {
            let ds = DsData { key_tag: *tag, alg: 13, digest_type: 2, digest: "AB".repeat(32) };
            let sec = SecDnsUpdate { add: vec![ds], ..SecDnsUpdate::default() };
            let req = update(&|r| r.sec_dns = Some(sec.clone()));
            registry.domain_update(&meta, &domain(*d), &req).await.map(|_| ())
        }
        Op::RemAllDs { domain: d } => {
            let sec = SecDnsUpdate { rem_all: true, ..SecDnsUpdate::default() };
            let req = update(&|r| r.sec_dns = Some(sec.clone()));
            registry.domain_update(&meta, &domain(*d), &req).await.map(|_| ())
        }
        Op::Hold { domain: d, on } => {
            let statuses = vec![DomainStatus::ClientHold];
            let req = if *on {
                update(&|r| r.add_statuses = statuses.clone())
            } else {
                update(&|r| r.rem_statuses = statuses.clone())
            };
            registry.domain_update(&meta, &domain(*d), &req).await.map(|_| ())
        }
        Op::Delete { domain: d } => registry.domain_delete(&meta, &domain(*d)).await.map(|_| ()),
        Op::Readdress { host, addr } => {
            let req = HostUpdate { add_addrs: vec![address(*addr)], ..HostUpdate::default() };
            registry.host_update(&meta, &nameserver(*host), &req).await.map(|_| ())
        }
        Op::Rename { host, to } => {
            let req = HostUpdate { new_name: Some(nameserver(*to)), ..HostUpdate::default() };
            registry.host_update(&meta, &nameserver(*host), &req).await.map(|_| ())
        }
        Op::DeleteHost { host } => {
            registry.host_delete(&meta, &nameserver(*host)).await.map(|_| ())
        }
    };
}

fn origin() -> Name {
    Name::parse("example.", None).unwrap()
}

/// The records of a zone as sorted text lines.
fn lines(zone: &Zone) -> Vec<String> {
    let mut lines: Vec<String> = zone.records().map(|r| r.to_string()).collect();
    lines.sort();
    lines
}

/// The zone as `Registry::tld_zone` builds it whole.
async fn rebuilt(registry: &Registry) -> Zone {
    let (_, records) = registry.tld_zone("example").await.unwrap();
    Zone::from_records(&origin(), records, "rebuilt", &zone_checks()).unwrap()
}

/// Every question about the universe's names is answered byte for byte alike by the zone
/// served (layered, when published by differences) and by the zone built whole: referrals with
/// their glue, negative answers with the SOA, the apex.
fn same_answers(served: &Arc<Zone>, expected: Zone, context: &str) {
    let (mut layered, mut whole) = (Zones::new(), Zones::new());
    layered.insert(Arc::clone(served));
    whole.insert(Arc::new(expected));
    let mut names =
        vec!["example.".to_owned(), "nx.example.".to_owned(), "ns1.nic.example.".to_owned()];
    for i in 0..DOMAINS {
        names.push(format!("{}.", domain(i)));
        names.push(format!("www.{}.", domain(i)));
    }
    names.extend((0..2 * DOMAINS).map(|n| format!("{}.", nameserver(n))));
    let dnssec = [false, true];
    for (name, dnssec_ok) in names.iter().flat_map(|n| dnssec.iter().map(move |d| (n, *d))) {
        for qtype in [Rtype::SOA, Rtype::NS, Rtype::DS, Rtype::A] {
            let edns = Edns { udp_payload: 4096, dnssec_ok, ..Edns::default() };
            let query = Message {
                header: Header { id: 7, ..Header::default() },
                questions: vec![Question {
                    name: Name::parse(name, None).unwrap(),
                    qtype,
                    qclass: Class::IN,
                }],
                edns: Some(edns),
                ..Message::default()
            }
            .encode();
            let (mut a, mut b) =
                (ResponseBuffer::new(Transport::Udp), ResponseBuffer::new(Transport::Udp));
            answer(&layered, &query, &mut a);
            answer(&whole, &query, &mut b);
            if a.as_bytes() != b.as_bytes() {
                let decode = |out: &ResponseBuffer| {
                    Message::decode(out.as_bytes(), DecodeOptions::STRICT).map(|m| format!("{m:?}"))
                };
                panic!(
                    "{name} {qtype} (DO {dnssec_ok}): served {:?}\nwhole {:?}\n{context}",
                    decode(&a),
                    decode(&b)
                );
            }
        }
    }
}

/// Runs `ops`, publishing after each, and checks the served zone against a full rebuild every
/// time; every publication after the first must be a difference.
async fn run(store: Store, ops: &[Op]) {
    let registry = Arc::new(registry(store).await);
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let mut publisher =
        Publisher::new(Arc::clone(&registry), Arc::clone(&dns), &["example".to_owned()]).unwrap();
    let first = publisher.publish().await.remove(0).1.unwrap();
    assert!(matches!(first, Published::Whole { .. }), "{first:?}");
    let mut differences = Vec::new();
    for (step, op) in ops.iter().enumerate() {
        apply(&registry, op).await;
        let published = publisher.publish().await.remove(0).1.unwrap();
        match published {
            Published::Unchanged => {}
            Published::Difference { serial, .. } => differences.push(serial),
            Published::Whole { .. } => panic!("step {step} {op:?}: rebuilt whole, {published:?}"),
        }
        let served = dns.zones.load().get(&origin()).cloned().unwrap();
        let expected = rebuilt(&registry).await;
        assert_eq!(lines(&served), lines(&expected), "after step {step}: {op:?} ({ops:?})");
        same_answers(&served, expected, &format!("after step {step}: {op:?} ({ops:?})"));
    }
    // The journal holds the differences applied, one per serial published.
    let journals = dns.journals.load();
    let journalled: Vec<u32> = journals
        .get(&origin())
        .map(|journal| journal.diffs().map(|d| d.to_serial()).collect())
        .unwrap_or_default();
    let kept = differences.len().min(JournalLimits::default().max_versions);
    assert_eq!(journalled, differences[differences.len() - kept..], "{ops:?}");

    // The metrics say the same: one whole build, then the differences, each with its lag
    // from the commit of its serial.
    let mut text = String::new();
    publisher.metrics().render(&mut text);
    let published = 1 + differences.len();
    for line in [
        "nameward_publications_total{zone=\"example\",kind=\"whole\"} 1".to_owned(),
        format!(
            "nameward_publications_total{{zone=\"example\",kind=\"difference\"}} {}",
            differences.len()
        ),
        format!("nameward_publication_lag_seconds_count{{zone=\"example\"}} {published}"),
        format!(
            "nameward_publication_lag_seconds_bucket{{zone=\"example\",le=\"+Inf\"}} {published}"
        ),
        format!("nameward_journal_differences{{zone=\"example\"}} {kept}"),
        "nameward_publication_failures_total{zone=\"example\"} 0".to_owned(),
    ] {
        assert!(text.lines().any(|have| have == line), "{line} missing from\n{text}");
    }
    let serial = registry.zone_serial("example").await.unwrap();
    assert!(text.contains(&format!("nameward_zone_serial{{zone=\"example\"}} {serial}\n")));

    // A restart: a new server and publisher build the zone whole and take the IXFR history
    // back from what the registry recorded, difference for difference.
    let restarted = Arc::new(Shared::load(Config::default()).unwrap());
    let mut again =
        Publisher::new(Arc::clone(&registry), Arc::clone(&restarted), &["example".to_owned()])
            .unwrap();
    let first = again.publish().await.remove(0).1.unwrap();
    assert!(matches!(first, Published::Whole { .. }), "{first:?}");
    let history = |dns: &Shared| -> Vec<Diff> {
        let journals = dns.journals.load();
        journals
            .get(&origin())
            .map(|journal| journal.diffs().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(history(&restarted).len(), kept, "{ops:?}");
    assert_eq!(history(&restarted), history(&dns), "{ops:?}");
}

/// Glue coming and going with its delegations, a rename seen by every delegation naming the
/// host, a hold, a delete within add grace taking its hosts along.
fn a_day() -> Vec<Op> {
    use Op::*;
    vec![
        Create { domain: 0, ns: vec![] },
        Host { host: 0, addr: 1 },
        Host { host: 1, addr: 2 },
        Create { domain: 1, ns: vec![0, 10] },
        AddNs { domain: 0, ns: 1 },
        Readdress { host: 0, addr: 3 },
        // d1 no longer names ns0.d0: its glue goes, though nothing changed at d0.
        RemNs { domain: 1, ns: 0 },
        AddNs { domain: 1, ns: 0 },
        AddDs { domain: 1, tag: 7 },
        Rename { host: 0, to: 4 },
        Hold { domain: 0, on: true },
        Hold { domain: 0, on: false },
        RemNs { domain: 1, ns: 4 },
        RemAllDs { domain: 1 },
        Delete { domain: 1 },
        Create { domain: 2, ns: vec![1, 11] },
        Delete { domain: 0 },
    ]
}

/// [`a_day`] on both engines.
#[tokio::test]
async fn a_day_of_changes_on_both_engines() {
    let ops = a_day();
    both(|store| {
        let ops = ops.clone();
        async move { run(store, &ops).await }
    })
    .await;
}

/// A change the database holds but DNS cannot publish (a DS digest that is not hex, written
/// past the service's checks): the version served before keeps serving, the failure is
/// counted, and the next good change is published.
#[tokio::test]
async fn an_unpublishable_change_leaves_the_old_zone_serving() {
    let file = SqliteFile::new();
    let registry = Arc::new(registry(Store::open(&file.url()).await.unwrap()).await);
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let mut publisher =
        Publisher::new(Arc::clone(&registry), Arc::clone(&dns), &["example".to_owned()]).unwrap();
    apply(&registry, &Op::Create { domain: 0, ns: vec![10] }).await;
    publisher.publish().await.remove(0).1.unwrap();
    let good = dns.zones.load().get(&origin()).and_then(|zone| zone.serial()).unwrap();

    let mut tx = registry.store().begin().await.unwrap();
    let mut broken = tx.get_domain_for_update(&domain(0)).await.unwrap().unwrap();
    broken.ds = vec![DsData { key_tag: 1, alg: 13, digest_type: 2, digest: "not hex".to_owned() }];
    tx.update_domain(&broken, None).await.unwrap();
    tx.bump_serial("example", &[domain(0).as_str()]).await.unwrap();
    tx.commit().await.unwrap();
    let refused = publisher.publish().await.remove(0).1;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(dns.zones.load().get(&origin()).and_then(|zone| zone.serial()), Some(good));
    let mut text = String::new();
    publisher.metrics().render(&mut text);
    assert!(text.contains("nameward_publication_failures_total{zone=\"example\"} 1"), "{text}");

    apply(&registry, &Op::RemAllDs { domain: 0 }).await;
    let published = publisher.publish().await.remove(0).1.unwrap();
    assert!(!matches!(published, Published::Unchanged), "{published:?}");
    let served = dns.zones.load().get(&origin()).cloned().unwrap();
    assert_eq!(lines(&served), lines(&rebuilt(&registry).await));
}

/// The publisher's rounds are an hour apart here, so only the cue a commit of this process
/// gives can publish a change made after the first round.
#[tokio::test]
async fn a_change_committed_here_is_published_without_waiting_for_the_round() {
    let file = SqliteFile::new();
    let registry = Arc::new(registry(Store::open(&file.url()).await.unwrap()).await);
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let publisher =
        Publisher::new(Arc::clone(&registry), Arc::clone(&dns), &["example".to_owned()]).unwrap();
    let running = tokio::spawn(publisher.run(std::time::Duration::from_secs(3600)));
    let served = |dns: &Shared| dns.zones.load().get(&origin()).and_then(|zone| zone.serial());
    let until = |wanted: u32| {
        let dns = Arc::clone(&dns);
        async move {
            while served(&dns) != Some(wanted) {
                tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            }
        }
    };
    let first = registry.zone_serial("example").await.unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(30), until(first))
        .await
        .expect("the first round publishes the zone");

    apply(&registry, &Op::Create { domain: 0, ns: vec![10] }).await;
    let changed = registry.zone_serial("example").await.unwrap();
    assert_ne!(changed, first);
    tokio::time::timeout(std::time::Duration::from_secs(30), until(changed))
        .await
        .expect("the commit's cue publishes the change before the next round");
    running.abort();
}

/// An Ed25519 key from seed `seed` with `flags`: it signs deterministically, so the zone
/// served and the rebuild signed whole compare record for record.
fn ed25519(seed: u8, flags: u16) -> SigningKey {
    SigningKey::new(&PrivateKey::ed25519_from_seed([seed; 32]).unwrap(), flags).unwrap()
}

/// The one key (a CSK) the signed tests sign with.
fn key() -> SigningKey {
    ed25519(9, 257)
}

/// Keys kept in memory, made from the next seed each.
struct MemoryKeys {
    keys: std::sync::Mutex<Vec<ZoneKey>>,
    /// The next `set_timing` fails, as a process killed right before it would.
    crash: std::sync::atomic::AtomicBool,
}

impl MemoryKeys {
    fn new() -> MemoryKeys {
        let crash = std::sync::atomic::AtomicBool::new(false);
        MemoryKeys { keys: std::sync::Mutex::new(Vec::new()), crash }
    }
}

impl KeyStore for MemoryKeys {
    fn keys(&self, _: &Name) -> Result<Vec<ZoneKey>, String> {
        Ok(self.keys.lock().unwrap().clone())
    }

    /// Ed25519 keys from seeds 9, 10, 11...: the first is the CSK (or KSK) [`key`].
    fn add(
        &self,
        _: &Name,
        algorithm: Algorithm,
        key_signing: bool,
        timing: &KeyTiming,
    ) -> Result<ZoneKey, String> {
        if algorithm != Algorithm::Ed25519 {
            return Err(format!("these tests make Ed25519 keys, not {algorithm}"));
        }
        let mut keys = self.keys.lock().unwrap();
        let seed = 9 + u8::try_from(keys.len()).unwrap();
        let flags = if key_signing { 257 } else { 256 };
        let new = ZoneKey { id: format!("k{seed}"), key: ed25519(seed, flags), timing: *timing };
        keys.push(new.clone());
        Ok(new)
    }

    fn set_timing(&self, _: &Name, id: &str, timing: &KeyTiming) -> Result<(), String> {
        if self.crash.swap(false, Ordering::SeqCst) {
            return Err("killed".to_owned());
        }
        let mut keys = self.keys.lock().unwrap();
        keys.iter_mut().find(|k| k.id == id).ok_or("no such key")?.timing = *timing;
        Ok(())
    }
}

/// Signing by `denial` with [`key`], on `clock`, without jitter (so times are known).
fn signing(clock: &Arc<AtomicU32>, denial: &Denial) -> Signing {
    let policy = SigningPolicy {
        denial: denial.clone(),
        jitter: 0,
        algorithm: Algorithm::Ed25519,
        ..SigningPolicy::default()
    };
    let clock = Arc::clone(clock);
    Signing {
        policy,
        keys: Arc::new(MemoryKeys::new()),
        clock: Arc::new(move || clock.load(Ordering::SeqCst)),
        parent: None,
    }
}

/// The rebuild signed whole as `signing` signs at the time on its clock.
async fn rebuilt_signed(registry: &Registry, signing: &Signing) -> Zone {
    let (_, records) = registry.tld_zone("example").await.unwrap();
    let now = (signing.clock)();
    let options = SignOptions {
        inception: now - signing.policy.backdate,
        expiration: now + signing.policy.validity,
        denial: signing.policy.denial.clone(),
        threads: 1,
    };
    let signed = sign_records(&origin(), &records, &[key()], &options).unwrap();
    Zone::from_records(&origin(), signed, "rebuilt, signed", &zone_checks()).unwrap()
}

/// The earliest expiration among the signatures of `zone`.
fn earliest_expiration(zone: &Zone) -> u32 {
    zone.records()
        .filter_map(|r| match r.data {
            RecordData::Rrsig(rrsig) => Some(rrsig.expiration),
            _ => None,
        })
        .min()
        .unwrap()
}

/// Runs `ops` on a signed TLD, publishing after each: every publication after the first is a
/// difference, and the zone served is the rebuild signed whole, record for record, with the
/// same answers with and without DO. The clock stands still, so every signature, made whole
/// or by difference, has the same times as the rebuild's.
async fn run_signed(store: Store, ops: &[Op], denial: &Denial) {
    let registry = Arc::new(registry(store).await);
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let clock = Arc::new(AtomicU32::new(1_800_000_000));
    let signing = signing(&clock, denial);
    let mut publisher =
        Publisher::new(Arc::clone(&registry), Arc::clone(&dns), &["example".to_owned()])
            .unwrap()
            .with_signing(signing.clone());
    let first = publisher.publish().await.remove(0).1.unwrap();
    assert!(matches!(first, Published::Whole { .. }), "{first:?}");
    for (step, op) in ops.iter().enumerate() {
        apply(&registry, op).await;
        let published = publisher.publish().await.remove(0).1.unwrap();
        if let Published::Whole { .. } = published {
            panic!("step {step} {op:?}: signed whole, {published:?}");
        }
        let served = dns.zones.load().get(&origin()).cloned().unwrap();
        let expected = rebuilt_signed(&registry, &signing).await;
        assert_eq!(lines(&served), lines(&expected), "after step {step}: {op:?} ({ops:?})");
        same_answers(&served, expected, &format!("after step {step}: {op:?} ({ops:?})"));
    }
}

/// The signed zone through [`a_day`] and a DS at a domain that goes, with each denial.
#[tokio::test]
async fn a_signed_day_of_changes() {
    let mut ops = a_day();
    ops.insert(9, Op::AddDs { domain: 0, tag: 8 });
    for denial in denials() {
        let file = SqliteFile::new();
        let store = Store::open(&file.url()).await.unwrap();
        run_signed(store.clone(), &ops, &denial).await;
        store.close().await;
    }
}

fn denials() -> [Denial; 3] {
    [
        Denial::Nsec,
        Denial::Nsec3(Nsec3Options::default()),
        Denial::Nsec3(Nsec3Options { opt_out: true, ..Nsec3Options::default() }),
    ]
}

/// Signatures coming due are made again: the publisher moves the serial in the registry and
/// signs the zone whole at it; until then, and after, no signature served expires within
/// the refresh time. A clock that jumps past every expiration gets the same at once.
#[tokio::test]
async fn signatures_coming_due_are_made_again_at_a_new_serial() {
    let file = SqliteFile::new();
    let registry = Arc::new(registry(Store::open(&file.url()).await.unwrap()).await);
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let start = 1_800_000_000u32;
    let clock = Arc::new(AtomicU32::new(start));
    let signing = signing(&clock, &Denial::Nsec);
    let policy = signing.policy.clone();
    let mut publisher =
        Publisher::new(Arc::clone(&registry), Arc::clone(&dns), &["example".to_owned()])
            .unwrap()
            .with_signing(signing.clone());
    publisher.publish().await.remove(0).1.unwrap();
    apply(&registry, &Op::Create { domain: 0, ns: vec![10] }).await;
    publisher.publish().await.remove(0).1.unwrap();
    let served = |dns: &Shared| dns.zones.load().get(&origin()).cloned().unwrap();
    let before = served(&dns);
    assert_eq!(earliest_expiration(&before), start + policy.validity);

    // A day before the refresh time: nothing to do.
    clock.store(start + policy.validity - policy.refresh - 86_400, Ordering::SeqCst);
    let quiet = publisher.publish().await.remove(0).1.unwrap();
    assert_eq!(quiet, Published::Unchanged);

    // At the refresh time the serial moves and the zone is signed whole again.
    for jump in [policy.validity - policy.refresh, 3 * policy.validity] {
        let now = start + jump;
        clock.store(now, Ordering::SeqCst);
        let serial = served(&dns).serial().unwrap();
        let asked = publisher.publish().await.remove(0).1.unwrap();
        let resigned = match asked {
            Published::Unchanged => publisher.publish().await.remove(0).1.unwrap(),
            other => other,
        };
        assert!(matches!(resigned, Published::Whole { .. }), "{resigned:?}");
        let zone = served(&dns);
        assert_eq!(zone.serial(), Some(serial + 1));
        assert_eq!(earliest_expiration(&zone), now + policy.validity);
        assert_eq!(lines(&zone), lines(&rebuilt_signed(&registry, &signing).await));
        // And not again until they come due once more.
        assert_eq!(publisher.publish().await.remove(0).1.unwrap(), Published::Unchanged);
    }
}

/// The key tags of the DNSKEY RRset of `zone`, and of the keys its signatures name.
fn keys_and_signers(zone: &Zone) -> (BTreeSet<u16>, BTreeSet<u16>) {
    let (mut published, mut signers) = (BTreeSet::new(), BTreeSet::new());
    for record in zone.records() {
        match &record.data {
            RecordData::Dnskey(key) => {
                published.insert(key.key_tag());
            }
            RecordData::Rrsig(rrsig) => {
                signers.insert(rrsig.key_tag);
            }
            _ => {}
        }
    }
    (published, signers)
}

/// Forty days of a TLD with a KSK and a ZSK rolled every ten days, replayed in twenty-minute
/// steps with a change every few hours: the zone always verifies at the time it is served,
/// and no resolver can meet a signature it cannot check — every key that signs now was in
/// every DNSKEY RRset served within TTLkey + Dprp before (caches hold those), and every key
/// whose signatures were served within TTLsig + Dprp before is still published.
#[tokio::test]
async fn zsk_rollovers_replayed_leave_nothing_a_resolver_cannot_check() {
    use nameward_dns::dnssec::{VerifyOptions, verify_zone};
    const MINUTE: u32 = 60;
    const DAY: u32 = 86_400;
    let file = SqliteFile::new();
    let registry = Arc::new(registry(Store::open(&file.url()).await.unwrap()).await);
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let start = 1_800_000_000u32;
    let clock = Arc::new(AtomicU32::new(start));
    let mut signing = signing(&clock, &Denial::Nsec3(Nsec3Options::default()));
    signing.keys = Arc::new(MemoryKeys::new());
    signing.policy.split = true;
    signing.policy.zsk_lifetime = Some(10 * DAY);
    let policy = signing.policy.clone();
    let mut publisher =
        Publisher::new(Arc::clone(&registry), Arc::clone(&dns), &["example".to_owned()])
            .unwrap()
            .with_signing(signing);
    publisher.publish().await.remove(0).1.unwrap();
    let ttl = example_apex().ttl;
    let window_keys = ttl + policy.propagation;
    let window_sigs = ttl + policy.propagation;
    let mut history: Vec<(u32, BTreeSet<u16>, BTreeSet<u16>)> = Vec::new();
    let mut zsks_seen = BTreeSet::new();
    let mut change = 0;
    for step in 0..(40 * DAY / (20 * MINUTE)) {
        let now = start + step * 20 * MINUTE;
        clock.store(now, Ordering::SeqCst);
        if step % 13 == 0 {
            change += 1;
            let op = match change % 3 {
                0 => Op::Create { domain: change % DOMAINS, ns: vec![10] },
                1 => Op::AddDs { domain: change % DOMAINS, tag: change as u16 },
                _ => Op::Delete { domain: change % DOMAINS },
            };
            apply(&registry, &op).await;
        }
        // A round to act, and one to publish what it asked of the registry.
        publisher.publish().await.remove(0).1.unwrap();
        publisher.publish().await.remove(0).1.unwrap();
        let zone = dns.zones.load().get(&origin()).cloned().unwrap();
        let records: Vec<_> = zone.records().collect();
        let mut builder = ZoneBuilder::new(&origin());
        let source = nameward_dns::zone::Source { file: "served".into(), line: 1 };
        for record in &records {
            builder.push(record, &source).unwrap();
        }
        let mut problems = Vec::new();
        verify_zone(&builder.finish(), &VerifyOptions { now }, &mut |p| {
            problems.push(p.to_string())
        });
        assert!(
            problems.is_empty(),
            "day {:.2}: {problems:?}",
            f64::from(now - start) / f64::from(DAY)
        );
        let (published, signers) = keys_and_signers(&zone);
        for (at, cached_keys, cached_signers) in &history {
            if now - at <= window_keys {
                assert!(
                    signers.is_subset(cached_keys),
                    "at {now}: signers {signers:?} not in the DNSKEYs of {at} {cached_keys:?}"
                );
            }
            if now - at <= window_sigs {
                assert!(
                    cached_signers.is_subset(&published),
                    "at {now}: signatures of {at} by {cached_signers:?}, keys now {published:?}"
                );
            }
        }
        zsks_seen.extend(signers.iter().copied());
        history.push((now, published, signers));
        history.retain(|(at, _, _)| now - at <= window_keys.max(window_sigs));
    }
    // The KSK, and the first ZSK with three successors in forty days.
    assert_eq!(zsks_seen.len(), 5, "{zsks_seen:?}");
}

/// A process killed between keeping a rollover's new key and the old key's times: the next
/// process finishes the rollover, and the old key signs no more and leaves the zone in time.
#[tokio::test]
async fn a_rollover_killed_half_way_resumes_at_the_right_step() {
    const DAY: u32 = 86_400;
    let file = SqliteFile::new();
    let registry = Arc::new(registry(Store::open(&file.url()).await.unwrap()).await);
    let start = 1_800_000_000u32;
    let clock = Arc::new(AtomicU32::new(start));
    let mut signing = signing(&clock, &Denial::Nsec);
    let store = Arc::new(MemoryKeys::new());
    signing.keys = store.clone();
    signing.policy.split = true;
    signing.policy.zsk_lifetime = Some(10 * DAY);
    let publisher = |dns: &Arc<Shared>| {
        Publisher::new(Arc::clone(&registry), Arc::clone(dns), &["example".to_owned()])
            .unwrap()
            .with_signing(signing.clone())
    };
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let mut first = publisher(&dns);
    first.publish().await.remove(0).1.unwrap();
    let (_, signers) = keys_and_signers(&dns.zones.load().get(&origin()).cloned().unwrap());
    clock.store(start + 10 * DAY, Ordering::SeqCst);
    store.crash.store(true, Ordering::SeqCst);
    assert!(first.publish().await.remove(0).1.is_err(), "the kill stops the round");
    assert_eq!(store.keys.lock().unwrap().len(), 3, "the new key was kept");

    // The next process.
    let dns = Arc::new(Shared::load(Config::default()).unwrap());
    let mut next = publisher(&dns);
    for hour in 0..72 {
        clock.store(start + 10 * DAY + hour * 3600, Ordering::SeqCst);
        next.publish().await.remove(0).1.unwrap();
        next.publish().await.remove(0).1.unwrap();
        let (published, signing_now) =
            keys_and_signers(&dns.zones.load().get(&origin()).cloned().unwrap());
        assert!(signing_now.is_subset(&published));
    }
    let keys = store.keys.lock().unwrap().clone();
    let old = keys
        .iter()
        .find(|k| signers.contains(&k.key.key_tag()) && !k.key.is_key_signing())
        .unwrap();
    assert!(old.timing.retired.is_some() && old.timing.removed.is_some(), "{:?}", old.timing);
    let (published, signing_now) =
        keys_and_signers(&dns.zones.load().get(&origin()).cloned().unwrap());
    assert!(!published.contains(&old.key.key_tag()), "the old ZSK left the zone");
    assert!(!signing_now.contains(&old.key.key_tag()));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn signed_incremental_publication_equals_signing_the_rebuild(
        random in prop::collection::vec(op(), 1..30),
        denial in 0usize..3,
    ) {
        let mut ops: Vec<Op> = (0..DOMAINS)
            .map(|domain| Op::Create { domain, ns: vec![2 * DOMAINS + domain % 2] })
            .chain((0..2 * DOMAINS).map(|host| Op::Host { host, addr: 1 }))
            .collect();
        ops.extend(random);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let file = SqliteFile::new();
            let store = Store::open(&file.url()).await.unwrap();
            run_signed(store.clone(), &ops, &denials()[denial]).await;
            store.close().await;
        });
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn incremental_publication_equals_a_full_rebuild(random in prop::collection::vec(op(), 1..40)) {
        // Every domain delegated and every host in place first, so that the random changes
        // meet glue, shared name servers and delegations to move rather than refusals.
        let mut ops: Vec<Op> = (0..DOMAINS)
            .map(|domain| Op::Create { domain, ns: vec![2 * DOMAINS + domain % 2] })
            .chain((0..2 * DOMAINS).map(|host| Op::Host { host, addr: 1 }))
            .collect();
        ops.extend(random);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let file = SqliteFile::new();
            let store = Store::open(&file.url()).await.unwrap();
            run(store.clone(), &ops).await;
            store.close().await;
        });
    }
}
