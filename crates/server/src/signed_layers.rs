//! Signed zones: the chain neighbours an incremental signer asks for ([`Zone::nsec_before`],
//! [`Zone::nsec3_before`]), and signed zones published by differences answering exactly as
//! the same records compiled whole.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use data_encoding::BASE32HEX_NOPAD;
use nameward_dns::check::CheckOptions;
use nameward_dns::dnssec::{
    Denial, Nsec3Options, PrivateKey, SignOptions, SigningKey, sign_change, sign_records,
};
use nameward_dns::message::Edns;
use nameward_dns::rdata::RecordData;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Message, Name, Record, Rtype};
use proptest::prelude::*;

use crate::tests::query_message;
use crate::transfer::Diff;
use crate::{ResponseBuffer, Transport, Zone, Zones, answer};

fn name(text: &str) -> Name {
    Name::parse(text, Some(&Name::root())).unwrap()
}

/// An Ed25519 key signing everything: Ed25519 is deterministic, so a zone signed twice is
/// signed alike.
fn key() -> SigningKey {
    let private = PrivateKey::ed25519_from_seed(std::array::from_fn(|i| i as u8)).unwrap();
    SigningKey::new(&private, 257).unwrap()
}

/// Signing with `denial` at a fixed validity, on one thread.
fn sign_options(denial: &Denial) -> SignOptions {
    SignOptions {
        inception: 1_700_000_000,
        expiration: 1_800_000_000,
        denial: denial.clone(),
        threads: 1,
    }
}

/// `records` signed with [`key`] and `denial`, at a fixed validity.
pub(crate) fn sign(origin: &Name, records: &[Record], denial: &Denial) -> Vec<Record> {
    sign_records(origin, records, &[key()], &sign_options(denial)).unwrap()
}

/// The zone text `text` at `example.`, signed with `denial` and compiled.
fn signed_zone(text: &str, denial: &Denial) -> Zone {
    let origin = name("example.");
    let unsigned = Zone::from_text(&origin, "unsigned", text).unwrap();
    let records: Vec<Record> = unsigned.records().collect();
    Zone::from_records(&origin, sign(&origin, &records, denial), "signed", &Default::default())
        .unwrap()
}

const ZONE: &str = "
@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.1
alpha 3600 IN NS ns.alpha
ns.alpha 3600 IN A 192.0.2.2
beta 3600 IN NS ns.other.
beta 3600 IN DS 60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118
deep.ent 300 IN A 192.0.2.3
www 300 IN A 192.0.2.4
";

fn nsec3() -> Denial {
    Denial::Nsec3(Nsec3Options::default())
}

/// The owner of the record found, which must be of `rtype`.
fn owner_of(record: Option<Record>, rtype: Rtype) -> String {
    let record = record.expect("a record");
    assert_eq!(record.rtype(), rtype, "{record}");
    record.owner.to_string()
}

#[test]
fn nsec_before_is_the_previous_owner_strictly_and_wraps_around() {
    let zone = signed_zone(ZONE, &Denial::Nsec);
    let before = |text: &str| owner_of(zone.nsec_before(&name(text)), Rtype::NSEC);
    // Owners of NSEC records, in canonical order: example., alpha, beta, deep.ent, ns1, www
    // (glue and the empty non-terminal ent have none).
    assert_eq!(before("alpha.example."), "example.");
    assert_eq!(before("ALPHA.example."), "example.", "canonical order ignores case");
    assert_eq!(before("beta.example."), "alpha.example.", "an owner itself: the one before");
    assert_eq!(before("ns.alpha.example."), "alpha.example.", "glue below a cut");
    assert_eq!(before("b.example."), "alpha.example.");
    assert_eq!(before("ent.example."), "beta.example.");
    assert_eq!(before("x.deep.ent.example."), "deep.ent.example.");
    assert_eq!(before("zzz.example."), "www.example.");
    // Nothing before the apex: the chain wraps around to its last owner.
    assert_eq!(before("example."), "www.example.");
    // The record is the zone's own, TTL included.
    let record = zone.nsec_before(&name("www.example.")).unwrap();
    assert!(zone.records().any(|r| r == record), "{record}");
    assert_eq!(zone.nsec_before(&name("example.org.")), None, "outside the zone");
    assert_eq!(zone.nsec3_before(&[0; 20]), None, "an NSEC zone has no NSEC3 chain");
}

/// The hash of each NSEC3 owner of `zone`, sorted.
fn owner_hashes(zone: &Zone) -> Vec<Vec<u8>> {
    let mut hashes: Vec<Vec<u8>> = zone
        .records()
        .filter(|r| r.rtype() == Rtype::NSEC3)
        .map(|r| {
            let label = r.owner.labels().next().unwrap().to_ascii_uppercase();
            BASE32HEX_NOPAD.decode(&label).unwrap()
        })
        .collect();
    hashes.sort();
    hashes
}

fn hash_of(record: Option<Record>) -> Vec<u8> {
    let record = record.expect("a record");
    assert!(matches!(record.data, RecordData::Nsec3(_)), "{record}");
    BASE32HEX_NOPAD.decode(&record.owner.labels().next().unwrap().to_ascii_uppercase()).unwrap()
}

#[test]
fn nsec3_before_is_the_previous_hash_strictly_and_wraps_around() {
    for denial in
        [nsec3(), Denial::Nsec3(Nsec3Options { opt_out: true, ..Nsec3Options::default() })]
    {
        let zone = signed_zone(ZONE, &denial);
        let hashes = owner_hashes(&zone);
        assert!(hashes.len() >= 5, "{}", hashes.len());
        let last = hashes.last().unwrap().clone();
        for (at, hash) in hashes.iter().enumerate() {
            let previous = if at == 0 { &last } else { &hashes[at - 1] };
            assert_eq!(&hash_of(zone.nsec3_before(hash)), previous, "an owner hash itself");
            // One above an owner hash: that owner.
            let mut above = hash.clone();
            let last_octet = above.last_mut().unwrap();
            *last_octet = last_octet.wrapping_add(1);
            if *last_octet != 0 && !hashes.contains(&above) {
                assert_eq!(&hash_of(zone.nsec3_before(&above)), hash);
            }
        }
        assert_eq!(hash_of(zone.nsec3_before(&[0; 20])), last, "wraps around");
        assert_eq!(hash_of(zone.nsec3_before(&[0xff; 20])), last);
        let record = zone.nsec3_before(&[0xff; 20]).unwrap();
        assert!(zone.records().any(|r| r == record), "{record}");
        assert_eq!(zone.nsec_before(&name("www.example.")), None, "no NSEC chain");
    }
}

/// Labels of the delegations the differential test makes: neighbours in both orders (names,
/// hashes), and two below an empty non-terminal `e`.
const LABELS: [&str; 10] = ["a", "b", "ba", "c", "d", "m", "x.e", "y.e", "z", "zz"];

/// One delegation: with DS (signed) or not, with an in-zone name server and its glue or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Delegation {
    ds: bool,
    glue: bool,
}

/// What one step does to the zone.
#[derive(Debug, Clone)]
enum Change {
    /// Adds the delegation, or replaces it.
    Put(usize, Delegation),
    Remove(usize),
    ToggleDs(usize),
    ToggleGlue(usize),
}

/// The unsigned records of a TLD-like zone at `serial`.
fn tld_records(
    serial: u32,
    wildcard: bool,
    delegations: &BTreeMap<usize, Delegation>,
) -> Vec<Record> {
    let mut text = format!(
        "@ 3600 IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n\
         @ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.1\nwww 300 IN A 192.0.2.4\n"
    );
    if wildcard {
        text.push_str("* 300 IN TXT \"wild\"\n");
    }
    for (&at, d) in delegations {
        let label = LABELS[at];
        text.push_str(&format!("{label} 3600 IN NS ns.elsewhere.test.\n"));
        if d.ds {
            let digest = format!("{:040x}", at + 1);
            text.push_str(&format!("{label} 3600 IN DS {} 13 2 {digest}{digest:.24}\n", 1000 + at));
        }
        if d.glue {
            text.push_str(&format!(
                "{label} 3600 IN NS ns.{label}\nns.{label} 3600 IN A 192.0.2.{}\n",
                10 + at
            ));
        }
    }
    Zone::from_text(&name("example."), "tld", &text).unwrap().records().collect()
}

/// The difference between two signed versions, as a publisher hands it to the server.
fn diff_between(before: &[Record], after: &[Record]) -> Diff {
    let soa = |records: &[Record]| {
        records.iter().find(|r| r.rtype() == Rtype::SOA).cloned().expect("an SOA")
    };
    diff_of(soa(before), soa(after), before, after)
}

/// The difference from the records `before` to `after` (the SOA aside: `from` and `to`).
fn diff_of(from: Record, to: Record, before: &[Record], after: &[Record]) -> Diff {
    let key = |r: &Record| r.to_string();
    let old: BTreeMap<String, &Record> = before.iter().map(|r| (key(r), r)).collect();
    let new: BTreeMap<String, &Record> = after.iter().map(|r| (key(r), r)).collect();
    let only = |a: &BTreeMap<String, &Record>, b: &BTreeMap<String, &Record>| -> Vec<Record> {
        a.iter()
            .filter(|(k, r)| r.rtype() != Rtype::SOA && !b.contains_key(*k))
            .map(|(_, r)| (*r).clone())
            .collect()
    };
    Diff { from, to, deleted: only(&old, &new), added: only(&new, &old) }
}

/// The names the differential test asks about: every owner of either zone, names between
/// and around the delegations, below them, below the empty non-terminal and the wildcard.
fn questions(zones: [&Zone; 2]) -> BTreeSet<Name> {
    let mut names: BTreeSet<Name> =
        zones.iter().flat_map(|z| z.records()).map(|r| r.owner).collect();
    for label in LABELS {
        for text in [
            format!("{label}.example."),
            format!("{label}0.example."),
            format!("x.{label}.example."),
            format!("ns.{label}.example."),
        ] {
            names.insert(name(&text));
        }
    }
    for text in [
        "example.",
        "e.example.",
        "q.e.example.",
        "0.example.",
        "zzz.example.",
        "a.b.c.www.example.",
    ] {
        names.insert(name(text));
    }
    names
}

/// Asserts that `served` and `whole` answer every question alike, byte for byte, with DNSSEC
/// and without, and hold the same records.
fn same_answers(served: &Arc<Zone>, whole: &Zone, context: &str) {
    let sorted = |zone: &Zone| {
        let mut lines: Vec<String> = zone.records().map(|r| r.to_string()).collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(served), sorted(whole), "records differ; {context}");
    let (mut layered, mut one) = (Zones::new(), Zones::new());
    layered.insert(Arc::clone(served));
    one.insert(Arc::new(whole.clone()));
    let types = [Rtype::A, Rtype::NS, Rtype::DS, Rtype::TXT, Rtype::NSEC, Rtype::NSEC3, Rtype::ANY];
    let (mut a, mut b) = (ResponseBuffer::new(Transport::Tcp), ResponseBuffer::new(Transport::Tcp));
    for qname in questions([served, whole]) {
        for qtype in types {
            for dnssec_ok in [true, false] {
                let edns = Edns { udp_payload: 4096, dnssec_ok, ..Edns::default() };
                let query =
                    Message { edns: Some(edns), ..query_message(&qname.to_string(), qtype) };
                let bytes = query.encode();
                answer(&layered, &bytes, &mut a);
                answer(&one, &bytes, &mut b);
                if a.as_bytes() != b.as_bytes() {
                    let decode = |out: &ResponseBuffer| {
                        Message::decode(out.as_bytes(), DecodeOptions::STRICT).map(|m| {
                            let sections = [&m.answers, &m.authority, &m.additional];
                            let lines = sections
                                .map(|s| s.iter().map(|r| format!("\n  {r}")).collect::<String>());
                            format!(
                                "rcode {}:{}\n --{}\n --{}",
                                m.rcode(),
                                lines[0],
                                lines[1],
                                lines[2]
                            )
                        })
                    };
                    panic!(
                        "{qname} {qtype} DO={dnssec_ok}: layered {:?}\nwhole {:?}\n{context}",
                        decode(&a),
                        decode(&b)
                    );
                }
            }
        }
        assert_eq!(served.nsec_before(&qname), whole.nsec_before(&qname), "nsec_before {qname}");
    }
    for hash in owner_hashes(whole).into_iter().chain([vec![0; 20], vec![0xff; 20]]) {
        assert_eq!(served.nsec3_before(&hash), whole.nsec3_before(&hash), "{context}");
    }
}

fn denial_of(kind: u8) -> Denial {
    match kind {
        0 => Denial::Nsec,
        1 => nsec3(),
        _ => Denial::Nsec3(Nsec3Options { opt_out: true, ..Nsec3Options::default() }),
    }
}

fn delegation() -> impl Strategy<Value = Delegation> {
    (any::<bool>(), any::<bool>()).prop_map(|(ds, glue)| Delegation { ds, glue })
}

fn change() -> impl Strategy<Value = Change> {
    let at = 0..LABELS.len();
    prop_oneof![
        (at.clone(), delegation()).prop_map(|(at, d)| Change::Put(at, d)),
        at.clone().prop_map(Change::Remove),
        at.clone().prop_map(Change::ToggleDs),
        at.prop_map(Change::ToggleGlue),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random signed zones changed step by step through the layered path: after each step
    /// the served zone answers exactly as the same records compiled whole. Every third step
    /// the zone is laid over a fold of the version two steps back, as the server does.
    #[test]
    fn layered_signed_zones_answer_as_whole_ones(
        kind in 0u8..3,
        wildcard in any::<bool>(),
        initial in proptest::collection::btree_map(0..LABELS.len(), delegation(), 0..8),
        changes in proptest::collection::vec(change(), 1..8),
    ) {
        let origin = name("example.");
        let denial = denial_of(kind);
        let mut delegations = initial;
        let mut signed = sign(&origin, &tld_records(1, wildcard, &delegations), &denial);
        let options = CheckOptions::default();
        let mut served = Arc::new(Zone::from_records(&origin, signed.clone(), "v1", &options).unwrap());
        let mut versions = vec![Arc::clone(&served)];
        for (step, change) in changes.iter().enumerate() {
            match *change {
                Change::Put(at, d) => { delegations.insert(at, d); }
                Change::Remove(at) => { delegations.remove(&at); }
                Change::ToggleDs(at) => {
                    if let Some(d) = delegations.get_mut(&at) { d.ds = !d.ds; }
                }
                Change::ToggleGlue(at) => {
                    if let Some(d) = delegations.get_mut(&at) { d.glue = !d.glue; }
                }
            }
            let serial = u32::try_from(step).unwrap() + 2;
            let next = sign(&origin, &tld_records(serial, wildcard, &delegations), &denial);
            let diff = diff_between(&signed, &next);
            served = Arc::new(diff.apply_to(&served, &options).unwrap());
            prop_assert!(served.layered());
            let whole = Zone::from_records(&origin, next.clone(), "whole", &options).unwrap();
            let context = format!("step {step} ({change:?}) of {changes:?} from {:?}", versions.len());
            same_answers(&served, &whole, &context);
            if step % 3 == 2 && let Some(older) = versions.get(versions.len().saturating_sub(2)) {
                let fold = Arc::new(older.folded(&options).unwrap());
                let older_serial = older.serial().unwrap();
                served = Arc::new(served.rebased(fold, older_serial).unwrap().unwrap());
                same_answers(&served, &whole, &format!("rebased; {context}"));
            }
            versions.push(Arc::clone(&served));
            signed = next;
        }
    }
}

/// A difference that signs a zone, or moves it from NSEC to NSEC3, cannot share the base's
/// chain: the new version is compiled whole, and answers as such.
#[test]
fn a_new_kind_of_chain_is_compiled_whole() {
    let origin = name("example.");
    let options = CheckOptions::default();
    let delegations: BTreeMap<usize, Delegation> =
        [(0, Delegation { ds: true, glue: true }), (3, Delegation { ds: false, glue: false })]
            .into_iter()
            .collect();
    let mut records = tld_records(1, false, &delegations);
    let mut served =
        Arc::new(Zone::from_records(&origin, records.clone(), "v1", &options).unwrap());
    for (serial, denial) in [(2, Denial::Nsec), (3, nsec3()), (4, Denial::Nsec)] {
        let next = sign(&origin, &tld_records(serial, false, &delegations), &denial);
        served = Arc::new(diff_between(&records, &next).apply_to(&served, &options).unwrap());
        assert!(!served.layered(), "{denial:?}");
        let whole = Zone::from_records(&origin, next.clone(), "whole", &options).unwrap();
        same_answers(&served, &whole, &format!("{denial:?}"));
        records = next;
    }
    // The same chain again: layered.
    let next = sign(&origin, &tld_records(5, false, &BTreeMap::new()), &Denial::Nsec);
    served = Arc::new(diff_between(&records, &next).apply_to(&served, &options).unwrap());
    assert!(served.layered());
    same_answers(&served, &Zone::from_records(&origin, next, "whole", &options).unwrap(), "NSEC");
}

/// Single-label delegations only: the incremental signer leaves changes that make or unmake
/// an empty non-terminal to a whole signing.
fn one_label(change: &Change) -> bool {
    match *change {
        Change::Put(at, _) | Change::Remove(at) | Change::ToggleDs(at) | Change::ToggleGlue(at) => {
            !LABELS[at].contains('.')
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// The incremental signer (`sign_change`) reading a layered zone through `SignedZone`:
    /// each change it signs, applied as a difference, gives the zone signed whole.
    #[test]
    fn changes_signed_over_layers_give_the_zone_signed_whole(
        kind in 0u8..3,
        initial in proptest::collection::btree_map(0..LABELS.len(), delegation(), 0..8),
        changes in proptest::collection::vec(change().prop_filter("one label", one_label), 1..8),
    ) {
        let origin = name("example.");
        let denial = denial_of(kind);
        let mut delegations: BTreeMap<usize, Delegation> =
            initial.into_iter().filter(|(at, _)| !LABELS[*at].contains('.')).collect();
        let options = CheckOptions::default();
        let first = sign(&origin, &tld_records(1, false, &delegations), &denial);
        let mut served = Arc::new(Zone::from_records(&origin, first, "v1", &options).unwrap());
        for (step, change) in changes.iter().enumerate() {
            let at = match *change {
                Change::Put(at, d) => { delegations.insert(at, d); at }
                Change::Remove(at) => { delegations.remove(&at); at }
                Change::ToggleDs(at) | Change::ToggleGlue(at) => {
                    if let Some(d) = delegations.get_mut(&at) {
                        if matches!(change, Change::ToggleDs(_)) { d.ds = !d.ds } else { d.glue = !d.glue }
                    }
                    at
                }
            };
            let serial = u32::try_from(step).unwrap() + 2;
            let unsigned = tld_records(serial, false, &delegations);
            let touched: BTreeMap<Name, Vec<Record>> =
                [format!("{}.example.", LABELS[at]), format!("ns.{}.example.", LABELS[at])]
                    .into_iter()
                    .map(|owner| {
                        let owner = name(&owner);
                        let records = unsigned.iter().filter(|r| r.owner == owner).cloned().collect();
                        (owner, records)
                    })
                    .collect();
            let soa = unsigned.iter().find(|r| r.rtype() == Rtype::SOA).unwrap().clone();
            let signed = sign_change(&*served, &soa, &touched, &[key()], &sign_options(&denial))
                .unwrap_or_else(|e| panic!("{change:?}: {e}"));
            let before: Vec<Record> = signed.keys().flat_map(|owner| served.records_at(owner)).collect();
            let after: Vec<Record> = signed.into_values().flatten().collect();
            let diff = diff_of(served.soa().unwrap(), soa, &before, &after);
            served = Arc::new(diff.apply_to(&served, &options).unwrap());
            prop_assert!(served.layered());
            let whole = sign(&origin, &unsigned, &denial);
            let whole = Zone::from_records(&origin, whole, "whole", &options).unwrap();
            same_answers(&served, &whole, &format!("step {step} ({change:?}) of {changes:?}"));
        }
    }
}
