//! Signed zones: the chain neighbours an incremental signer asks for ([`Zone::nsec_before`],
//! [`Zone::nsec3_before`]).

use std::ops::ControlFlow;

use data_encoding::{BASE32HEX_NOPAD, BASE64};
use nameward_dns::dnssec::{Denial, Nsec3Options, PrivateKey, SignOptions, SigningKey, sign_zone};
use nameward_dns::rdata::RecordData;
use nameward_dns::store::ZoneBuilder;
use nameward_dns::zone::Source;
use nameward_dns::{Name, Record, Rtype};

use crate::Zone;

fn name(text: &str) -> Name {
    Name::parse(text, Some(&Name::root())).unwrap()
}

/// An Ed25519 key (seed 00..1f) signing everything: Ed25519 is deterministic, so a zone
/// signed twice is signed alike.
fn key() -> SigningKey {
    let private = PrivateKey::Ed25519 {
        seed: (0u8..32).collect(),
        public: BASE64.decode(b"A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=").unwrap(),
    };
    SigningKey::new(&private, 257).unwrap()
}

/// `records` signed with [`key`] and `denial`, at a fixed validity.
pub(crate) fn sign(origin: &Name, records: &[Record], denial: &Denial) -> Vec<Record> {
    let mut builder = ZoneBuilder::new(origin);
    let source = Source { file: "signed".into(), line: 1 };
    for record in records {
        builder.push(record, &source).unwrap();
    }
    let options = SignOptions {
        inception: 1_700_000_000,
        expiration: 1_800_000_000,
        denial: denial.clone(),
        threads: 1,
    };
    let mut signed = Vec::new();
    sign_zone(&builder.finish(), &[key()], &options, &mut |r| {
        signed.push(r);
        ControlFlow::Continue(())
    })
    .unwrap();
    signed
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
