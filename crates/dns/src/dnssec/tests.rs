//! Vectors from the RFCs, and signed zones checked by the verifier.

use std::ops::ControlFlow;

use data_encoding::{BASE32HEX_NOPAD, BASE64, HEXLOWER};
use proptest::prelude::*;

use super::canonical::signed_data;
use super::*;
use crate::name::Name;
use crate::rdata::RecordData;
use crate::rdata::rfc4034::{Dnskey, Rrsig, parse_sig_time};
use crate::record::Record;
use crate::rtype::{Class, Rtype};
use crate::store::testing::{record, zone};
use crate::store::{ZoneBuilder, ZoneStore};
use crate::zone::Source;

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

pub(crate) fn b64(text: &str) -> Vec<u8> {
    BASE64.decode(text.as_bytes()).unwrap()
}

fn dnskey(text: &str) -> Dnskey {
    match record(text, &Name::root()).data {
        RecordData::Dnskey(key) => key,
        other => panic!("not a DNSKEY: {other}"),
    }
}

fn rrsig(text: &str) -> Rrsig {
    match record(text, &Name::root()).data {
        RecordData::Rrsig(rrsig) => rrsig,
        other => panic!("not an RRSIG: {other}"),
    }
}

/// Verifies `sig` over the one-record RRset `rr` with `key`.
fn verifies(key: &Dnskey, rr: &str, sig: &Rrsig) -> bool {
    let rr = record(rr, &Name::root());
    let canonical = {
        let mut w = crate::wire::Writer::with_mode(crate::wire::WireMode::Canonical);
        rr.data.encode(&mut w);
        w.into_bytes()
    };
    let mut data = Vec::new();
    signed_data(&mut data, sig, &rr.owner, rr.class, &mut [&canonical[..]]);
    verify_signature(key, &data, &sig.signature).is_ok()
}

#[test]
fn rfc6605_p256_example() {
    // RFC 6605 §6.1.
    let key = dnskey(
        "example.net. 3600 IN DNSKEY 257 3 13 GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edbkrSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA==",
    );
    assert_eq!(key.key_tag(), 55648);
    let ds = ds(&name("example.net."), &key, DigestType::Sha256);
    assert_eq!(
        ds.to_string(),
        "55648 13 2 b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17"
    );
    let sig = rrsig(
        "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 55648 example.net. qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXAyGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw==",
    );
    assert!(verifies(&key, "www.example.net. 3600 IN A 192.0.2.1", &sig));
    assert!(!verifies(&key, "www.example.net. 3600 IN A 192.0.2.2", &sig));
    // A private key that is not the DNSKEY's is refused.
    let wrong = PrivateKey::EcdsaP256 { d: b64(P256_D), public: key.public_key.clone() };
    assert_eq!(SigningKey::new(&wrong, 257).unwrap_err(), KeyError::Mismatch);
}

/// A P-256 test key: the scalar and its public point, computed apart with Python's
/// `cryptography` (OpenSSL).
pub(crate) const P256_D: &str = "GU6SnQ/Ojb9GxtLBvUe3yHOE+tudjTr/jbbp3O7ZH/w=";
pub(crate) const P256_PUBLIC: &str =
    "cfXK22QdSwk91yOgQccAiO2QwI7EYOd0A0TaMomvvL2prLrborzJpIuubQ26QFxReFUO40nyRIe6qwKo/Zc5RQ==";

#[test]
fn p256_signatures_verify() {
    let private = PrivateKey::EcdsaP256 { d: b64(P256_D), public: b64(P256_PUBLIC) };
    let signer = SigningKey::new(&private, 257).unwrap();
    let sig = rrsig(&format!(
        "www.example.net. 3600 IN RRSIG A 13 3 3600 20100909100439 20100812100439 {} example.net. AA==",
        signer.key_tag()
    ));
    let mut data = Vec::new();
    let rr = record("www.example.net. 3600 IN A 192.0.2.1", &Name::root());
    signed_data(&mut data, &sig, &rr.owner, Class::IN, &mut [&[192, 0, 2, 1][..]]);
    let mut fresh = sig.clone();
    fresh.signature = signer.sign(&data).unwrap();
    assert_eq!(fresh.signature.len(), 64, "r‖s, not DER");
    assert!(verifies(signer.dnskey(), "www.example.net. 3600 IN A 192.0.2.1", &fresh));
    assert!(!verifies(signer.dnskey(), "www.example.net. 3600 IN A 192.0.2.2", &fresh));
}

#[test]
fn rfc6605_p384_example() {
    // RFC 6605 §6.2.
    let key = dnskey(
        "example.net. 3600 IN DNSKEY 257 3 14 xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8/uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40",
    );
    assert_eq!(key.key_tag(), 10771);
    let ds = ds(&name("example.net."), &key, DigestType::Sha384);
    assert_eq!(
        ds.to_string(),
        "10771 14 4 72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a946df983d6"
    );
    let sig = rrsig(
        "www.example.net. 3600 IN RRSIG A 14 3 3600 20100909102025 20100812102025 10771 example.net. /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuzWTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm",
    );
    assert!(verifies(&key, "www.example.net. 3600 IN A 192.0.2.1", &sig));
    let private = PrivateKey::EcdsaP384 {
        d: b64("WURgWHCcYIYUPWgeLmiPY2DJJk02vgrmTfitxgqcL4vwW7BOrbawVmVe0d9V94SR"),
        public: key.public_key.clone(),
    };
    assert_eq!(SigningKey::new(&private, 257).unwrap().key_tag(), 10771);
}

#[test]
fn rfc8080_ed25519_example_signs_byte_for_byte() {
    // RFC 8080 §6.1: Ed25519 is deterministic, so our signature must be the RFC's.
    let key =
        dnskey("example.com. 3600 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=");
    assert_eq!(key.key_tag(), 3613);
    assert_eq!(
        ds(&name("example.com."), &key, DigestType::Sha256).to_string(),
        "3613 15 2 3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b"
    );
    let private = PrivateKey::Ed25519 {
        seed: b64("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI="),
        public: key.public_key.clone(),
    };
    let signer = SigningKey::new(&private, 257).unwrap();
    let sig = rrsig(
        "example.com. 3600 IN RRSIG MX 15 2 3600 1440021600 1438207200 3613 example.com. oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg==",
    );
    let rr = record("example.com. 3600 IN MX 10 mail.example.com.", &Name::root());
    let mut data = Vec::new();
    let canonical = rr.data.to_wire();
    signed_data(&mut data, &sig, &rr.owner, Class::IN, &mut [&canonical[..]]);
    assert_eq!(BASE64.encode(&signer.sign(&data).unwrap()), BASE64.encode(&sig.signature));
    assert!(verifies(&key, "example.com. 3600 IN MX 10 mail.example.com.", &sig));
}

#[test]
fn rfc5155_hashes() {
    // RFC 5155 Appendix A, salt aabbccdd, 12 iterations.
    let salt = HEXLOWER.decode(b"aabbccdd").unwrap();
    for (owner, hash) in [
        ("example.", "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom"),
        ("a.example.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
        ("w.example.", "k8udemvp1j2f7eg6jebps17vp3n8i58h"),
        ("A.EXAMPLE.", "35mthgpgcu1qg68fab165klnsnk3dpvl"),
    ] {
        let got = nsec3::nsec3_hash(&name(owner), &salt, 12);
        assert_eq!(BASE32HEX_NOPAD.encode(&got).to_ascii_lowercase(), hash, "{owner}");
    }
    let owner =
        nsec3::hashed_owner(&nsec3::nsec3_hash(&name("example."), &salt, 12), &name("example."))
            .unwrap();
    assert_eq!(owner.to_string(), "0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.");
    assert_eq!(nsec3::hash_of_owner(&owner).map(|h| h.len()), Some(20));
}

#[test]
fn wildcard_owner_is_signed_as_the_wildcard() {
    let root = Name::root();
    let sig_fields = |labels| Rrsig {
        type_covered: Rtype::A,
        algorithm: 13,
        labels,
        original_ttl: 60,
        expiration: 2,
        inception: 1,
        key_tag: 7,
        signer: root.clone(),
        signature: Vec::new(),
    };
    let (mut expanded, mut wildcard) = (Vec::new(), Vec::new());
    let rdata: &[u8] = &[1, 2, 3, 4];
    signed_data(&mut expanded, &sig_fields(2), &name("A.b.W.example."), Class::IN, &mut [rdata]);
    signed_data(&mut wildcard, &sig_fields(2), &name("*.w.example."), Class::IN, &mut [rdata]);
    assert_eq!(expanded, wildcard);
    assert_eq!(canonical::rrsig_labels(&name("*.w.example.")), 2);
}

#[test]
fn canonical_rrset_is_sorted_and_deduplicated() {
    let fields = Rrsig {
        type_covered: Rtype::A,
        algorithm: 13,
        labels: 1,
        original_ttl: 60,
        expiration: 2,
        inception: 1,
        key_tag: 7,
        signer: Name::root(),
        signature: Vec::new(),
    };
    let (mut one, mut two) = (Vec::new(), Vec::new());
    let (a, b): (&[u8], &[u8]) = (&[1, 1, 1, 1], &[1, 1, 1, 2]);
    signed_data(&mut one, &fields, &name("X."), Class::IN, &mut [b, a, b]);
    signed_data(&mut two, &fields, &name("x."), Class::IN, &mut [a, b]);
    assert_eq!(one, two);
    // header 18 + signer 1, then two RRs of owner 3 + 10 + 4.
    assert_eq!(one.len(), 19 + 2 * 17);
}

fn keys_p256() -> Vec<SigningKey> {
    let private = PrivateKey::EcdsaP256 { d: b64(P256_D), public: b64(P256_PUBLIC) };
    vec![SigningKey::new(&private, 257).unwrap()]
}

fn keys_ed25519() -> Vec<SigningKey> {
    let key = dnskey("x. 1 IN DNSKEY 257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=");
    let private = PrivateKey::Ed25519 {
        seed: b64("ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI="),
        public: key.public_key,
    };
    vec![SigningKey::new(&private, 257).unwrap()]
}

const ZONE: &str = "
    @ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300
    @ 3600 IN NS ns1
    @ 3600 IN NS ns2.other.
    ns1 3600 IN A 192.0.2.1
    www 300 IN A 192.0.2.2
    www 300 IN AAAA 2001:db8::2
    *.wild 300 IN TXT \"any\"
    deep.ent.below 300 IN A 192.0.2.3
    sub 3600 IN NS ns.sub
    ns.sub 3600 IN A 192.0.2.4
    secure 3600 IN NS ns.other.
    secure 3600 IN DS 60485 5 1 2bb183af5f22588179a53b0a98631fad1a292118
    insecure.ent 3600 IN NS ns.other.
";

const INCEPTION: u32 = 1_700_000_000;
const EXPIRATION: u32 = 1_800_000_000;

fn sign(store: &ZoneStore, keys: &[SigningKey], denial: Denial, threads: usize) -> Vec<Record> {
    let options = SignOptions { inception: INCEPTION, expiration: EXPIRATION, denial, threads };
    let mut out = Vec::new();
    sign_zone(store, keys, &options, &mut |r| {
        out.push(r);
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

fn store_of(origin: &Name, records: &[Record]) -> ZoneStore {
    let mut builder = ZoneBuilder::new(origin);
    let source = Source { file: "signed".into(), line: 1 };
    for r in records {
        builder.push(r, &source).unwrap();
    }
    builder.finish()
}

fn problems(store: &ZoneStore, now: u32) -> Vec<String> {
    let mut found = Vec::new();
    verify_zone(store, &VerifyOptions { now }, &mut |p| found.push(p.to_string()));
    found
}

fn all_denials() -> Vec<Denial> {
    vec![
        Denial::Nsec,
        Denial::Nsec3(Nsec3Options::default()),
        Denial::Nsec3(Nsec3Options { opt_out: true, ..Nsec3Options::default() }),
        Denial::Nsec3(Nsec3Options { iterations: 3, salt: vec![0xab, 0xcd], opt_out: false }),
    ]
}

#[test]
fn signed_zones_verify_and_follow_the_rules() {
    let origin = name("example.");
    let input = zone("example.", ZONE);
    for denial in all_denials() {
        let signed = sign(&input, &keys_p256(), denial.clone(), 2);
        let store = store_of(&origin, &signed);
        assert_eq!(problems(&store, INCEPTION + 10), Vec::<String>::new(), "{denial:?}");
        let covered = |owner: &str, rtype: Rtype| {
            signed.iter().any(|r| {
                r.owner == name(owner)
                    && matches!(&r.data, RecordData::Rrsig(s) if s.type_covered == rtype)
            })
        };
        assert!(covered("example.", Rtype::NS), "apex NS is signed");
        assert!(covered("example.", Rtype::DNSKEY));
        assert!(covered("secure.example.", Rtype::DS), "DS is signed");
        assert!(!covered("secure.example.", Rtype::NS), "delegation NS is not");
        assert!(!covered("ns.sub.example.", Rtype::A), "glue is not");
        assert!(covered("*.wild.example.", Rtype::TXT));
        for r in &signed {
            match &r.data {
                RecordData::Nsec(_) | RecordData::Nsec3(_) => assert_eq!(r.ttl, 300),
                RecordData::Rrsig(s) => {
                    assert_eq!(s.original_ttl, r.ttl);
                    assert_eq!((s.inception, s.expiration), (INCEPTION, EXPIRATION));
                }
                _ => {}
            }
        }
        let nsec3 = signed.iter().filter(|r| r.rtype() == Rtype::NSEC3).count();
        let nsec = signed.iter().filter(|r| r.rtype() == Rtype::NSEC).count();
        match &denial {
            // apex, ns1, www, *.wild, deep.ent.below, sub, secure, insecure.ent
            Denial::Nsec => assert_eq!((nsec, nsec3), (8, 0)),
            // ... and the empty non-terminals wild, ent.below, below, ent.
            Denial::Nsec3(o) if !o.opt_out => assert_eq!((nsec, nsec3), (0, 12)),
            // opt-out drops sub, insecure.ent and the ENT ent above it alone.
            Denial::Nsec3(_) => assert_eq!((nsec, nsec3), (0, 9)),
        }
        // Expired and premature.
        assert!(problems(&store, EXPIRATION + 1).iter().any(|p| p.contains("expired")));
        assert!(problems(&store, INCEPTION - 1).iter().any(|p| p.contains("not valid before")));
    }
}

#[test]
fn signing_is_the_same_on_one_thread_or_many_and_signs_again() {
    let origin = name("example.");
    let input = zone("example.", ZONE);
    // Ed25519 is deterministic, so the outputs compare byte for byte.
    let one = sign(&input, &keys_ed25519(), Denial::Nsec, 1);
    let many = sign(&input, &keys_ed25519(), Denial::Nsec, 3);
    assert_eq!(one, many);
    // Signing the signed zone again replaces the old chain and signatures.
    let again = sign(&store_of(&origin, &one), &keys_ed25519(), Denial::Nsec, 2);
    let canonical = |records: &[Record]| {
        let store = store_of(&origin, records);
        store.iter().map(|r| r.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(canonical(&one), canonical(&again));
}

/// A second Ed25519 test key (seed 00..1f), its public half computed apart with Python's
/// `cryptography`.
fn ed25519_second() -> PrivateKey {
    PrivateKey::Ed25519 {
        seed: (0u8..32).collect(),
        public: b64("A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg="),
    }
}

fn tags_over(signed: &[Record], owner: &Name, rtype: Rtype) -> Vec<u16> {
    let mut tags: Vec<u16> = signed
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Rrsig(s) if s.type_covered == rtype && r.owner == *owner => Some(s.key_tag),
            _ => None,
        })
        .collect();
    tags.sort_unstable();
    tags
}

#[test]
fn key_roles_ksk_signs_dnskey_zsk_the_rest() {
    let origin = name("example.");
    let input = zone("example.", ZONE);
    // One algorithm with a KSK and a ZSK: the KSK signs only the DNSKEY RRset.
    let ksk = keys_ed25519().remove(0);
    let zsk = SigningKey::new(&ed25519_second(), 256).unwrap();
    let (ksk_tag, zsk_tag) = (ksk.key_tag(), zsk.key_tag());
    let signed = sign(&input, &[ksk, zsk], Denial::Nsec, 2);
    assert_eq!(problems(&store_of(&origin, &signed), INCEPTION + 1), Vec::<String>::new());
    assert_eq!(tags_over(&signed, &origin, Rtype::DNSKEY), vec![ksk_tag]);
    assert_eq!(tags_over(&signed, &origin, Rtype::SOA), vec![zsk_tag]);
    assert_eq!(tags_over(&signed, &name("www.example."), Rtype::A), vec![zsk_tag]);
    let published = signed.iter().filter(|r| r.rtype() == Rtype::DNSKEY).count();
    assert_eq!(published, 2);
    // Two algorithms, P-256 as a CSK and Ed25519 as a lone ZSK: each signs everything.
    let keys = vec![keys_p256().remove(0), SigningKey::new(&ed25519_second(), 256).unwrap()];
    let mut both = vec![keys[0].key_tag(), keys[1].key_tag()];
    both.sort_unstable();
    let signed = sign(&input, &keys, Denial::Nsec, 2);
    assert_eq!(problems(&store_of(&origin, &signed), INCEPTION + 1), Vec::<String>::new());
    assert_eq!(tags_over(&signed, &origin, Rtype::SOA), both);
    assert_eq!(tags_over(&signed, &origin, Rtype::DNSKEY), both);
    // Without the Ed25519 signatures the zone is short of an algorithm.
    let without: Vec<Record> = signed
        .into_iter()
        .filter(|r| !matches!(&r.data, RecordData::Rrsig(s) if s.algorithm == 15 && s.type_covered == Rtype::SOA))
        .collect();
    let found = problems(&store_of(&origin, &without), INCEPTION + 1);
    assert_eq!(found, vec!["example. SOA: no signature by an algorithm 15 key of the DNSKEY set"]);
}

#[test]
fn verifier_reports_missing_and_stray_records() {
    let origin = name("example.");
    let input = zone("example.", ZONE);
    let signed = sign(&input, &keys_p256(), Denial::Nsec3(Nsec3Options::default()), 2);
    // Drop one NSEC3 record: the chain breaks and a name has none.
    let at = signed.iter().position(|r| r.rtype() == Rtype::NSEC3).unwrap();
    let mut broken = signed.clone();
    broken.remove(at);
    let found = problems(&store_of(&origin, &broken), INCEPTION + 1);
    assert!(found.iter().any(|p| p.contains("missing NSEC3")), "{found:?}");
    assert!(found.iter().any(|p| p.contains("next hashed owner")), "{found:?}");
    // An unsigned RRset.
    let mut unsigned = signed.clone();
    unsigned.push(record("extra.example. 300 IN A 192.0.2.9", &origin));
    let found = problems(&store_of(&origin, &unsigned), INCEPTION + 1);
    assert!(found.iter().any(|p| p.starts_with("extra.example. A: no signature")), "{found:?}");
    // A signature on glue.
    let mut glue = signed;
    let sig = glue
        .iter()
        .find(|r| matches!(&r.data, RecordData::Rrsig(s) if s.type_covered == Rtype::A))
        .unwrap()
        .clone();
    glue.push(Record { owner: name("ns.sub.example."), ..sig });
    let found = problems(&store_of(&origin, &glue), INCEPTION + 1);
    assert!(found.iter().any(|p| p.contains("glue")), "{found:?}");
}

#[test]
fn times_parse_for_the_cli() {
    assert_eq!(parse_sig_time(b"20261201000000"), Ok(1_796_083_200));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// A zone of random names signed with random denial verifies; changing any one octet of
    /// one signed record's RDATA makes the verifier complain.
    #[test]
    fn signed_zone_verifies_and_a_changed_byte_fails(
        labels in prop::collection::vec("[a-z]{1,3}(\\.[a-z]{1,2}){0,2}", 1..12),
        delegations in prop::collection::vec(any::<bool>(), 12),
        denial in 0usize..4,
        pick in any::<prop::sample::Index>(),
        octet in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let origin = name("example.");
        let mut text = String::from("@ 3600 IN SOA ns hm 1 2 3 4 300\n@ 3600 IN NS ns\nns 3600 IN A 192.0.2.1\n");
        for (label, delegate) in labels.iter().zip(&delegations) {
            if *delegate {
                text += &format!("{label} 3600 IN NS ns.other.\n");
            } else {
                text += &format!("{label} 300 IN TXT \"{label}\"\n");
            }
        }
        let store = zone("example.", &text);
        let signed = sign(&store, &keys_ed25519(), all_denials()[denial].clone(), 2);
        let signed_store = store_of(&origin, &signed);
        prop_assert_eq!(problems(&signed_store, INCEPTION + 1), Vec::<String>::new());
        // Change one octet of one record that a signature covers (not glue, not an unsigned
        // delegation NS), by re-reading the changed RDATA; skip changes that do not decode.
        let signed_types: Vec<(Name, Rtype)> = signed
            .iter()
            .filter_map(|r| match &r.data {
                RecordData::Rrsig(s) => Some((r.owner.clone(), s.type_covered)),
                _ => None,
            })
            .collect();
        let candidates: Vec<usize> = (0..signed.len())
            .filter(|&i| signed_types.contains(&(signed[i].owner.clone(), signed[i].rtype())))
            .collect();
        let victim = candidates[pick.index(candidates.len())];
        let mut wire = signed[victim].data.to_wire();
        let at = octet.index(wire.len());
        wire[at] ^= flip;
        if let Ok(data) = RecordData::from_wire(signed[victim].rtype(), &wire) {
            let mut tampered = signed.clone();
            tampered[victim].data = data;
            let found = problems(&store_of(&origin, &tampered), INCEPTION + 1);
            prop_assert!(!found.is_empty(), "changed octet {} of {}", at, signed[victim]);
        }
    }
}

#[test]
fn key_files_round_trip_and_refuse_mismatches() {
    let origin = name("Example.");
    for private in
        [PrivateKey::EcdsaP256 { d: b64(P256_D), public: b64(P256_PUBLIC) }, ed25519_second()]
    {
        let key = private.dnskey(257);
        let stem = keyfile::file_stem(&origin, &key);
        assert_eq!(stem, format!("Kexample.+{:03}+{:05}", key.algorithm, key.key_tag()));
        let public_text = keyfile::public_file(&origin, &key, Some(3600));
        let (owner, read) = keyfile::parse_public(&public_text).unwrap();
        assert_eq!((owner, &read), (origin.clone(), &key));
        let private_text = keyfile::private_file(&private);
        assert_eq!(keyfile::parse_private(&private_text, &key).unwrap(), private);
        // The private key against another DNSKEY.
        let other = keys_ed25519().remove(0).dnskey().clone();
        let wrong = keyfile::parse_private(&private_text, &other);
        match private.algorithm() {
            Algorithm::Ed25519 => {
                let key = wrong.unwrap();
                assert_eq!(SigningKey::new(&key, 257).unwrap_err(), KeyError::Mismatch);
            }
            _ => assert!(wrong.unwrap_err().to_string().contains("algorithm 13")),
        }
    }
    for (text, needle) in [
        ("Algorithm: 13\nPrivateKey: AA==\n", "Private-key-format"),
        ("Private-key-format: v1.3\nAlgorithm: 13 (ECDSAP256SHA256)\n", "missing `PrivateKey:`"),
        ("Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: !!\n", "not base64"),
        ("Private-key-format: v1.3\nAlgorithm: 13\nPrivateKey: AAAA\n", "holds 3 octets"),
        ("Private-key-format: v1.3\nAlgorithm: 5\nPrivateKey: AAAA\n", "algorithm 5"),
        ("garbage\n", "expected `Field: value`"),
    ] {
        let key = PrivateKey::EcdsaP256 { d: b64(P256_D), public: b64(P256_PUBLIC) }.dnskey(256);
        let e = keyfile::parse_private(text, &key).unwrap_err().to_string();
        assert!(e.contains(needle), "{text:?}: {e}");
    }
    assert!(keyfile::parse_public("; only a comment\n").is_err());
    assert!(
        keyfile::parse_public("x. IN A 192.0.2.1\n").unwrap_err().to_string().contains("line 1")
    );
}

/// A signed zone held as a map, read the way the incremental signer reads a served zone.
struct MapZone(std::collections::BTreeMap<Name, Vec<Record>>);

impl MapZone {
    fn of(records: Vec<Record>) -> MapZone {
        let mut map = std::collections::BTreeMap::<Name, Vec<Record>>::new();
        for r in records {
            map.entry(r.owner.clone()).or_default().push(r);
        }
        MapZone(map)
    }

    fn apply(&mut self, change: std::collections::BTreeMap<Name, Vec<Record>>) {
        for (owner, records) in change {
            if records.is_empty() {
                self.0.remove(&owner);
            } else {
                self.0.insert(owner, records);
            }
        }
    }

    fn texts(&self) -> Vec<String> {
        let mut texts: Vec<String> = self.0.values().flatten().map(|r| r.to_string()).collect();
        texts.sort();
        texts
    }
}

impl SignedZone for MapZone {
    fn records_at(&self, owner: &Name) -> Vec<Record> {
        self.0.get(owner).cloned().unwrap_or_default()
    }

    fn nsec_before(&self, name: &Name) -> Option<Record> {
        let nsec =
            |records: &Vec<Record>| records.iter().find(|r| r.data.rtype() == Rtype::NSEC).cloned();
        let before = self.0.range(..name.clone()).rev().find_map(|(_, records)| nsec(records));
        before.or_else(|| self.0.values().rev().find_map(nsec))
    }

    fn nsec3_before(&self, hash: &[u8]) -> Option<Record> {
        let mut chain: Vec<(Vec<u8>, Record)> = self
            .0
            .values()
            .flatten()
            .filter(|r| r.data.rtype() == Rtype::NSEC3)
            .filter_map(|r| Some((nsec3::hash_of_owner(&r.owner)?, r.clone())))
            .collect();
        chain.sort_by(|a, b| a.0.cmp(&b.0));
        let before = chain.iter().rev().find(|(h, _)| h.as_slice() < hash);
        before.or(chain.last()).map(|(_, r)| r.clone())
    }
}

/// What a name `n<i>` of the generated zones is: 0 absent, 1 an insecure delegation, 2 a
/// secure one, 3 a delegation with glue below it, 4 a name with an address of its own.
fn generated_zone(kinds: &[u8], serial: u32) -> Vec<Record> {
    let mut text = format!(
        "@ 3600 IN SOA ns1.other. hostmaster.other. {serial} 7200 3600 1209600 300\n\
         @ 3600 IN NS ns1.other.\n"
    );
    for (i, kind) in kinds.iter().enumerate() {
        text.push_str(&match kind {
            1 => format!("n{i} 3600 IN NS ns.other.\n"),
            2 => format!(
                "n{i} 3600 IN NS ns.other.\nn{i} 3600 IN DS {} 13 2 {}\n",
                1000 + i,
                "ab".repeat(32)
            ),
            3 => format!("n{i} 3600 IN NS ns.n{i}\nns.n{i} 3600 IN A 192.0.2.{i}\n"),
            4 => format!("n{i} 300 IN A 198.51.100.{i}\n"),
            _ => String::new(),
        });
    }
    zone("test.", &text).iter().map(|r| r.record().unwrap()).collect()
}

/// The touched owners of a change from `before` to `after` kinds, with their records after.
fn generated_change(before: &[u8], after: &[u8]) -> std::collections::BTreeMap<Name, Vec<Record>> {
    let now = generated_zone(after, 2);
    let at = |owner: &Name| -> Vec<Record> {
        now.iter().filter(|r| &r.owner == owner).cloned().collect()
    };
    let mut touched = std::collections::BTreeMap::new();
    for (i, (b, a)) in before.iter().zip(after).enumerate() {
        if b == a {
            continue;
        }
        let top = name(&format!("n{i}.test."));
        touched.insert(top.clone(), at(&top));
        if *b == 3 || *a == 3 {
            let glue = name(&format!("ns.n{i}.test."));
            touched.insert(glue.clone(), at(&glue));
        }
    }
    touched
}

fn whole(records: &[Record], keys: &[SigningKey], denial: &Denial) -> Vec<Record> {
    sign(&store_of(&name("test."), records), keys, denial.clone(), 1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Signing a change owner by owner gives the very zone that signing the changed zone whole
    /// gives (Ed25519 signs deterministically, so the records compare byte for byte).
    #[test]
    fn a_change_signed_incrementally_is_the_zone_signed_whole(
        changes in proptest::collection::vec(
            (proptest::collection::vec(0u8..5, 12), proptest::collection::vec(0u8..5, 12)),
            1..3,
        ),
        denial in 0usize..4,
    ) {
        let keys = keys_ed25519();
        let denial = all_denials().swap_remove(denial);
        for (before, after) in changes {
            let mut served = MapZone::of(whole(&generated_zone(&before, 1), &keys, &denial));
            let expected = MapZone::of(whole(&generated_zone(&after, 2), &keys, &denial));
            let soa = generated_zone(&after, 2).into_iter().find(|r| r.data.rtype() == Rtype::SOA).unwrap();
            let options = SignOptions {
                inception: INCEPTION,
                expiration: EXPIRATION,
                denial: denial.clone(),
                threads: 1,
            };
            let change = sign_change(&served, &soa, &generated_change(&before, &after), &keys, &options);
            let change = change.unwrap();
            served.apply(change);
            prop_assert_eq!(served.texts(), expected.texts());
        }
    }
}

#[test]
fn changes_the_signer_cannot_follow_are_refused() {
    let keys = keys_ed25519();
    let served = MapZone::of(whole(&generated_zone(&[4, 1], 1), &keys, &Denial::Nsec));
    let soa =
        generated_zone(&[4, 1], 2).into_iter().find(|r| r.data.rtype() == Rtype::SOA).unwrap();
    let options = SignOptions {
        inception: INCEPTION,
        expiration: EXPIRATION,
        denial: Denial::Nsec,
        threads: 1,
    };
    let refused = |owner: &str, text: &str| {
        let owner = name(owner);
        let records = zone("test.", text).iter().map(|r| r.record().unwrap()).collect();
        let touched = std::collections::BTreeMap::from([(owner.clone(), records)]);
        let error = sign_change(&served, &soa, &touched, &keys, &options).unwrap_err();
        assert_eq!(error, SignError::NotIncremental(owner));
    };
    // Data below a name with data of its own (an empty non-terminal's kin), the apex itself,
    // and a record the signer makes.
    refused("www.n0.test.", "www.n0 300 IN A 192.0.2.1");
    refused("a.b.n9.test.", "a.b.n9 300 IN A 192.0.2.1");
    refused("test.", "@ 300 IN TXT \"apex\"");
    refused("n1.test.", "n1 300 IN NSEC n2 A");
}
