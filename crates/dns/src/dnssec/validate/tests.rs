//! The validator against zones signed by nameward's signer and answered from memory: good
//! chains (NSEC, NSEC3, opt-out), tampering, time, wrong keys, unsupported algorithms, missing
//! proofs, and a KeyTrap zone whose cost must stay under the caps.

use std::ops::ControlFlow;

use proptest::prelude::*;

use super::*;
use crate::dnssec::{
    Denial, DigestType, Nsec3Options, PrivateKey, SignOptions, SigningKey, ds, sign_zone,
};
use crate::message::Header;
use crate::name::Name;
use crate::rdata::rfc4034::Rrsig;
use crate::store::testing::{record, zone};

const INCEPTION: u32 = 1_700_000_000;
const EXPIRATION: u32 = 1_800_000_000;
const NOW: u32 = 1_750_000_000;

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

fn ed25519(seed: u8, flags: u16) -> SigningKey {
    SigningKey::new(&PrivateKey::ed25519_from_seed([seed; 32]).unwrap(), flags).unwrap()
}

fn sign(origin: &str, text: &str, keys: &[SigningKey], denial: Denial) -> Vec<Record> {
    let store = zone(origin, text);
    let options = SignOptions { inception: INCEPTION, expiration: EXPIRATION, denial, threads: 1 };
    let mut out = Vec::new();
    sign_zone(&store, keys, &options, &mut |r| {
        out.push(r);
        ControlFlow::Continue(())
    })
    .unwrap();
    out
}

const SOA: &str = "@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300";

/// A change the test makes to each response.
type Edit = Box<dyn FnMut(&Question, &mut Message)>;

/// Zones in memory, answered the way an authoritative server answers: the deepest zone holding
/// the name (the parent for DS), the RRset and its signatures, or a negative answer with the
/// SOA and every NSEC/NSEC3 of the zone (the validator picks what it needs).
struct World {
    zones: Vec<(Name, Vec<Record>)>,
    edit: Option<Edit>,
}

impl Fetch for World {
    type Error = String;

    fn fetch(&mut self, q: &Question) -> Result<Message, String> {
        let (apex, records) = self
            .zones
            .iter()
            .filter(|(apex, _)| {
                q.name.is_subdomain_of(apex) && !(q.qtype == Rtype::DS && q.name == *apex)
            })
            .max_by_key(|(apex, _)| apex.label_count())
            .ok_or("no zone")?;
        let mut m = Message {
            header: Header { qr: true, aa: true, ..Header::default() },
            questions: vec![q.clone()],
            ..Message::default()
        };
        let cut = records.iter().find(|r| {
            r.rtype() == Rtype::NS
                && r.owner != *apex
                && q.name.is_subdomain_of(&r.owner)
                && !(q.name == r.owner && q.qtype == Rtype::DS)
        });
        if let Some(cut) = cut {
            m.header.aa = false;
            m.authority.extend(rrset_with_sigs(records, &cut.owner, Rtype::NS));
            m.authority.extend(rrset_with_sigs(records, &cut.owner, Rtype::DS));
        } else {
            m.answers = rrset_with_sigs(records, &q.name, q.qtype);
            if m.answers.is_empty() {
                let exists = records.iter().any(|r| r.owner.is_subdomain_of(&q.name));
                if !exists {
                    m.header.rcode = rcode::NXDOMAIN as u8;
                }
                m.authority.extend(rrset_with_sigs(records, apex, Rtype::SOA));
                for r in records {
                    if matches!(r.rtype(), Rtype::NSEC | Rtype::NSEC3) {
                        m.authority.extend(rrset_with_sigs(records, &r.owner, r.rtype()));
                    }
                }
                m.authority.dedup();
            }
        }
        if let Some(edit) = &mut self.edit {
            edit(q, &mut m);
        }
        Ok(m)
    }
}

fn rrset_with_sigs(records: &[Record], owner: &Name, rtype: Rtype) -> Vec<Record> {
    let set: Vec<Record> =
        records.iter().filter(|r| r.owner == *owner && r.rtype() == rtype).cloned().collect();
    if set.is_empty() {
        return set;
    }
    let sigs = records.iter().filter(|r| {
        r.owner == *owner && matches!(&r.data, RecordData::Rrsig(s) if s.type_covered == rtype)
    });
    set.iter().cloned().chain(sigs.cloned()).collect()
}

/// `test.` (the anchor) delegating `child.test.` securely and `unsigned.test.` without DS.
struct Chain {
    parent_denial: Denial,
    child_denial: Denial,
    child_keys: Vec<SigningKey>,
    /// DS records placed in the parent for the child (by default, the child's KSK's).
    child_ds: Option<Vec<String>>,
}

impl Chain {
    fn new(denial: Denial) -> Chain {
        Chain {
            parent_denial: denial.clone(),
            child_denial: denial,
            child_keys: vec![ed25519(2, 257), ed25519(3, 256)],
            child_ds: None,
        }
    }

    fn world(&self) -> (World, TrustAnchor) {
        let parent_keys = [ed25519(1, 257)];
        let parent_key = &parent_keys[0];
        let ds_lines = self.child_ds.clone().unwrap_or_else(|| {
            let d = ds(&name("child.test."), self.child_keys[0].dnskey(), DigestType::Sha256);
            vec![format!("child 3600 IN DS {d}")]
        });
        let parent_text = format!(
            "{SOA}\n@ 3600 IN NS ns\nns 3600 IN A 192.0.2.1\nchild 3600 IN NS ns.child\n\
             ns.child 3600 IN A 192.0.2.2\n{}\nunsigned 3600 IN NS ns.unsigned\n\
             ns.unsigned 3600 IN A 192.0.2.3\nhost.ent 3600 IN A 192.0.2.4\n",
            ds_lines.join("\n")
        );
        let child_text = format!(
            "{SOA}\n@ 3600 IN NS ns\nns 3600 IN A 192.0.2.2\nwww 300 IN A 192.0.2.10\n\
             www 300 IN AAAA 2001:db8::10\n"
        );
        let parent = sign("test.", &parent_text, &parent_keys, self.parent_denial.clone());
        let child = sign("child.test.", &child_text, &self.child_keys, self.child_denial.clone());
        let origin = name("unsigned.test.");
        let unsigned: Vec<Record> =
            [SOA, "host 300 IN A 192.0.2.20"].iter().map(|l| record(l, &origin)).collect();
        let anchor = TrustAnchor::from_records(&[Record {
            owner: name("test."),
            class: Class::IN,
            ttl: 3600,
            data: RecordData::Ds(ds(&name("test."), parent_key.dnskey(), DigestType::Sha256)),
        }])
        .unwrap();
        let world = World {
            zones: vec![(name("test."), parent), (name("child.test."), child), (origin, unsigned)],
            edit: None,
        };
        (world, anchor)
    }
}

fn denials() -> Vec<Denial> {
    vec![
        Denial::Nsec,
        Denial::Nsec3(Nsec3Options::default()),
        Denial::Nsec3(Nsec3Options { opt_out: true, ..Nsec3Options::default() }),
        Denial::Nsec3(Nsec3Options { iterations: 5, salt: vec![0xab, 0xcd], opt_out: false }),
    ]
}

fn context(anchor: TrustAnchor, now: u32) -> Context {
    Context::new(anchor, now)
}

fn check(world: &mut World, anchor: &TrustAnchor, now: u32, qname: &str, qtype: Rtype) -> Verdict {
    validate(world, &context(anchor.clone(), now), &name(qname), qtype).unwrap()
}

fn security(chain: &Chain, qname: &str, qtype: Rtype) -> (Security, String) {
    let (mut world, anchor) = chain.world();
    let verdict = check(&mut world, &anchor, NOW, qname, qtype);
    (verdict.security, verdict.finding.map(|f| f.to_string()).unwrap_or_default())
}

#[test]
fn good_chains_are_secure_for_answers_nxdomain_and_nodata() {
    for denial in denials() {
        let chain = Chain::new(denial.clone());
        for (qname, qtype) in [
            ("www.child.test.", Rtype::A),
            ("www.child.test.", Rtype::AAAA),
            ("child.test.", Rtype::DNSKEY),
            ("test.", Rtype::SOA),
            ("host.ent.test.", Rtype::A),
            ("nope.child.test.", Rtype::A),
            ("nope.test.", Rtype::A),
            ("www.child.test.", Rtype::TXT),
            ("ent.test.", Rtype::A),
            ("test.", Rtype::TXT),
        ] {
            let (got, why) = security(&chain, qname, qtype);
            assert_eq!(got, Security::Secure, "{denial:?} {qname} {qtype}: {why}");
        }
    }
}

#[test]
fn unsigned_delegations_are_insecure() {
    for denial in denials() {
        let chain = Chain::new(denial.clone());
        let (got, why) = security(&chain, "host.unsigned.test.", Rtype::A);
        assert_eq!(got, Security::Insecure, "{denial:?}: {why}");
        assert!(why.contains("unsigned.test."), "{why}");
    }
}

#[test]
fn the_secure_verdict_caps_its_ttl() {
    let (mut world, anchor) = Chain::new(Denial::Nsec).world();
    let verdict = check(&mut world, &anchor, EXPIRATION - 100, "www.child.test.", Rtype::A);
    assert_eq!(verdict.security, Security::Secure);
    assert_eq!(verdict.ttl, Some(100), "capped at the time left to expiration");
    let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
    assert_eq!(verdict.ttl, Some(300));
    assert_eq!(verdict.zone, name("child.test."));
}

#[test]
fn expired_and_not_yet_valid_signatures_are_bogus() {
    let (mut world, anchor) = Chain::new(Denial::Nsec).world();
    let late = check(&mut world, &anchor, EXPIRATION + 1, "www.child.test.", Rtype::A);
    assert_eq!(late.security, Security::Bogus);
    assert!(late.finding.unwrap().what.contains("expired"));
    let early = check(&mut world, &anchor, INCEPTION - 1, "www.child.test.", Rtype::A);
    assert_eq!(early.security, Security::Bogus);
    assert!(early.finding.unwrap().what.contains("not valid before"));
}

#[test]
fn a_ds_matching_no_key_is_bogus() {
    let mut chain = Chain::new(Denial::Nsec);
    let other = ds(&name("child.test."), ed25519(9, 257).dnskey(), DigestType::Sha256);
    chain.child_ds = Some(vec![format!("child 3600 IN DS {other}")]);
    let (got, why) = security(&chain, "www.child.test.", Rtype::A);
    assert_eq!(got, Security::Bogus);
    assert!(why.starts_with("child.test. DNSKEY: no DNSKEY matches the DS"), "{why}");
}

#[test]
fn unsupported_algorithms_and_digests_are_insecure() {
    for ds_line in [
        "child 3600 IN DS 12345 253 2 0000000000000000000000000000000000000000000000000000000000000000",
        "child 3600 IN DS 12345 15 200 00",
    ] {
        let mut chain = Chain::new(Denial::Nsec);
        chain.child_ds = Some(vec![ds_line.into()]);
        let (got, why) = security(&chain, "www.child.test.", Rtype::A);
        assert_eq!(got, Security::Insecure, "{ds_line}: {why}");
    }
}

#[test]
fn a_ds_with_a_usable_and_an_unusable_algorithm_uses_the_usable_one() {
    let mut chain = Chain::new(Denial::Nsec);
    let good = ds(&name("child.test."), chain.child_keys[0].dnskey(), DigestType::Sha256);
    chain.child_ds = Some(vec![
        format!("child 3600 IN DS {good}"),
        "child 3600 IN DS 12345 253 2 0000000000000000000000000000000000000000000000000000000000000000".into(),
    ]);
    assert_eq!(security(&chain, "www.child.test.", Rtype::A).0, Security::Secure);
}

#[test]
fn an_rrset_signed_only_by_a_key_outside_the_ds_set_is_a_downgrade() {
    // The DS names one KSK; the zone publishes and signs with another one, so no path from the
    // DS reaches the DNSKEY RRset.
    let mut chain = Chain::new(Denial::Nsec);
    let ksk = ed25519(2, 257);
    chain.child_keys = vec![ed25519(4, 257), ed25519(3, 256)];
    let d = ds(&name("child.test."), ksk.dnskey(), DigestType::Sha256);
    chain.child_ds = Some(vec![format!("child 3600 IN DS {d}")]);
    let (got, why) = security(&chain, "www.child.test.", Rtype::A);
    assert_eq!(got, Security::Bogus, "{why}");
}

fn edit_world(
    chain: &Chain,
    edit: impl FnMut(&Question, &mut Message) + 'static,
) -> (World, TrustAnchor) {
    let (mut world, anchor) = chain.world();
    world.edit = Some(Box::new(edit));
    (world, anchor)
}

#[test]
fn a_changed_answer_is_bogus_and_the_finding_names_it() {
    let (mut world, anchor) = edit_world(&Chain::new(Denial::Nsec), |q, m| {
        if q.qtype == Rtype::A {
            for r in &mut m.answers {
                if let RecordData::A(a) = &mut r.data {
                    a.address = "192.0.2.99".parse().unwrap();
                }
            }
        }
    });
    let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
    assert_eq!(verdict.security, Security::Bogus);
    let finding = verdict.finding.unwrap();
    assert_eq!((finding.owner, finding.rtype), (name("www.child.test."), Rtype::A));
    assert!(finding.what.contains("does not verify"), "{}", finding.what);
}

#[test]
fn stripped_signatures_and_proofs_are_bogus() {
    for denial in denials() {
        let chain = Chain::new(denial.clone());
        let (mut world, anchor) = edit_world(&chain, |_, m| {
            m.answers.retain(|r| r.rtype() != Rtype::RRSIG);
        });
        let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
        assert_eq!(verdict.security, Security::Bogus, "{denial:?}");
        for (qname, qtype) in [("nope.child.test.", Rtype::A), ("www.child.test.", Rtype::TXT)] {
            let (mut world, anchor) = edit_world(&chain, |q, m| {
                if q.qtype != Rtype::DS {
                    m.authority.retain(|r| !matches!(r.rtype(), Rtype::NSEC | Rtype::NSEC3));
                }
            });
            let verdict = check(&mut world, &anchor, NOW, qname, qtype);
            assert_eq!(verdict.security, Security::Bogus, "{denial:?} {qname} {qtype}");
        }
    }
}

#[test]
fn an_rrsig_by_an_unknown_key_is_bogus() {
    let (mut world, anchor) = edit_world(&Chain::new(Denial::Nsec), |q, m| {
        if q.qtype == Rtype::A {
            for r in &mut m.answers {
                if let RecordData::Rrsig(sig) = &mut r.data {
                    sig.key_tag = sig.key_tag.wrapping_add(1);
                }
            }
        }
    });
    let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
    assert_eq!(verdict.security, Security::Bogus);
    assert!(verdict.finding.unwrap().what.contains("no DNSKEY of child.test. has tag"));
}

#[test]
fn too_many_nsec3_iterations_are_insecure() {
    let denial = Denial::Nsec3(Nsec3Options { iterations: 151, salt: Vec::new(), opt_out: false });
    let mut chain = Chain::new(Denial::Nsec);
    chain.child_denial = denial;
    let (got, why) = security(&chain, "nope.child.test.", Rtype::A);
    assert_eq!(got, Security::Insecure, "{why}");
    assert!(why.contains("151 iterations"), "{why}");
}

#[test]
fn an_nsec_at_a_delegation_never_denies_below_it() {
    // The parent's NSEC at unsigned.test. covers names under the cut in canonical order; it
    // must not prove that host.unsigned.test. does not exist (RFC 6840 §4.1).
    let chain = Chain::new(Denial::Nsec);
    let (mut world, anchor) = chain.world();
    let parent = world.zones[0].1.clone();
    let mut forged = Message {
        header: Header { qr: true, aa: true, rcode: rcode::NXDOMAIN as u8, ..Header::default() },
        ..Message::default()
    };
    forged.authority = parent
        .iter()
        .filter(|r| matches!(r.rtype(), Rtype::NSEC | Rtype::RRSIG | Rtype::SOA))
        .cloned()
        .collect();
    world.edit = Some(Box::new(move |q, m| {
        if q.name == name("zzz.unsigned.test.") && q.qtype == Rtype::A {
            let mut answer = forged.clone();
            answer.questions = vec![q.clone()];
            *m = answer;
        }
    }));
    let verdict = check(&mut world, &anchor, NOW, "zzz.unsigned.test.", Rtype::A);
    assert_ne!(verdict.security, Security::Secure, "{verdict:?}");
}

/// A zone whose DNSKEY RRset holds `keys` keys sharing one key tag, and whose answer carries
/// `sigs` signatures claiming that tag: verifying naively costs `keys × sigs` checks.
#[test]
fn keytrap_work_stays_under_the_caps() {
    let chain = Chain::new(Denial::Nsec);
    let (mut world, anchor) = chain.world();
    let ksk = &chain.child_keys[0];
    let target_tag = chain.child_keys[1].key_tag();
    let colliding = colliding_keys(target_tag, 100);
    // The DNSKEY RRset: the real keys and 100 colliding ones, signed by the real KSK.
    let mut dnskeys: Vec<Record> = chain
        .child_keys
        .iter()
        .map(|k| k.dnskey().clone())
        .chain(colliding)
        .map(|k| Record {
            owner: name("child.test."),
            class: Class::IN,
            ttl: 3600,
            data: RecordData::Dnskey(k),
        })
        .collect();
    let dnskey_sig = sign_rrset(ksk, &dnskeys, "child.test.");
    dnskeys.push(dnskey_sig);
    let fake_sigs: Vec<Record> = (0..100u8)
        .map(|i| {
            let mut sig = Rrsig {
                type_covered: Rtype::A,
                algorithm: 15,
                labels: 3,
                original_ttl: 300,
                expiration: EXPIRATION,
                inception: INCEPTION,
                key_tag: target_tag,
                signer: name("child.test."),
                signature: vec![i; 64],
            };
            sig.signature[0] = i;
            Record {
                owner: name("www.child.test."),
                class: Class::IN,
                ttl: 300,
                data: RecordData::Rrsig(sig),
            }
        })
        .collect();
    world.edit = Some(Box::new(move |q, m| {
        if q.qtype == Rtype::DNSKEY && q.name == name("child.test.") {
            m.answers = dnskeys.clone();
        }
        if q.qtype == Rtype::A {
            m.answers.retain(|r| r.rtype() != Rtype::RRSIG);
            m.answers.extend(fake_sigs.iter().cloned());
        }
    }));
    let limits = Limits::default();
    let verdict =
        validate(&mut world, &context(anchor, NOW), &name("www.child.test."), Rtype::A).unwrap();
    assert_eq!(verdict.security, Security::Bogus);
    eprintln!("keytrap work: {:?}", verdict.work);
    // Up to 4 keys per tag, 8 checks per RRset: the 100 × 101 pairs cost at most 8 for the
    // answer, plus one each for the parent's DNSKEY, the child's DS and the child's DNSKEY.
    assert!(verdict.work.signatures <= limits.signatures_per_rrset + 3, "{:?}", verdict.work);
    assert!(verdict.work.signatures <= limits.signatures_per_lookup);
    assert!(verdict.finding.unwrap().what.contains("more than 8 signature checks"));
}

/// `count` Ed25519 DNSKEYs (zone keys, not valid points or not: never verified correctly)
/// whose key tag is `tag`, each differing in its key bytes.
fn colliding_keys(tag: u16, count: usize) -> Vec<crate::rdata::rfc4034::Dnskey> {
    let mut keys = Vec::new();
    let mut i: u32 = 0;
    while keys.len() < count {
        i += 1;
        let mut public = vec![0u8; 32];
        public[..4].copy_from_slice(&i.to_be_bytes());
        let mut key = crate::rdata::rfc4034::Dnskey {
            flags: 256,
            protocol: 3,
            algorithm: 15,
            public_key: public,
        };
        // Adjust the last two octets so that the checksum comes to `tag`.
        let current = key.key_tag();
        let diff = tag.wrapping_sub(current);
        let [hi, lo] = diff.to_be_bytes();
        key.public_key[30] = hi;
        key.public_key[31] = lo;
        if key.key_tag() == tag && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

fn sign_rrset(key: &SigningKey, records: &[Record], signer: &str) -> Record {
    let first = &records[0];
    let mut sig = Rrsig {
        type_covered: first.rtype(),
        algorithm: key.algorithm().number(),
        labels: crate::dnssec::canonical::rrsig_labels(&first.owner),
        original_ttl: first.ttl,
        expiration: EXPIRATION,
        inception: INCEPTION,
        key_tag: key.key_tag(),
        signer: name(signer),
        signature: Vec::new(),
    };
    let wire: Vec<Vec<u8>> = records
        .iter()
        .map(|r| {
            let mut w = crate::wire::Writer::with_mode(crate::wire::WireMode::Canonical);
            r.data.encode(&mut w);
            w.into_bytes()
        })
        .collect();
    let mut rdata: Vec<&[u8]> = wire.iter().map(Vec::as_slice).collect();
    let mut data = Vec::new();
    crate::dnssec::canonical::signed_data(&mut data, &sig, &first.owner, Class::IN, &mut rdata);
    sig.signature = key.sign(&data).unwrap();
    Record {
        owner: first.owner.clone(),
        class: Class::IN,
        ttl: first.ttl,
        data: RecordData::Rrsig(sig),
    }
}

#[test]
fn nsec3_hashes_per_lookup_are_capped() {
    let denial = Denial::Nsec3(Nsec3Options { iterations: 150, salt: Vec::new(), opt_out: false });
    let mut chain = Chain::new(Denial::Nsec);
    chain.child_denial = denial;
    let (mut world, anchor) = chain.world();
    let mut cx = context(anchor, NOW);
    cx.limits.hashes_per_lookup = 3;
    let deep = "a.b.c.d.e.f.g.h.nope.child.test.";
    let verdict = validate(&mut world, &cx, &name(deep), Rtype::A).unwrap();
    assert_eq!(verdict.security, Security::Bogus);
    assert_eq!(verdict.work.hashes, 3);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Any byte changed in any signed record of the answer makes it bogus (or, when the change
    /// makes the record undecodable, the fetch of a changed message never panics).
    #[test]
    fn a_changed_byte_in_the_answer_is_bogus(index in 0usize..4096, flip in 1u8..=255) {
        let (mut world, anchor) = edit_world(&Chain::new(Denial::Nsec), move |q, m| {
            if q.qtype != Rtype::A {
                return;
            }
            let Some(first) = m.answers.iter_mut().find(|r| r.rtype() == Rtype::A) else { return };
            let mut wire = first.data.to_wire();
            let at = index % wire.len();
            wire[at] ^= flip;
            if let Ok(data) = RecordData::from_wire(Rtype::A, &wire) {
                first.data = data;
            }
        });
        let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
        prop_assert_eq!(verdict.security, Security::Bogus);
    }

    /// An arbitrary response in place of any one never makes the validator panic, and in
    /// place of the answer never validates.
    #[test]
    fn arbitrary_responses_never_panic_or_validate(
        rcode in 0u8..6,
        answers in junk_records(),
        authority in junk_records(),
        which in 0usize..4,
    ) {
        let forged = Message {
            header: Header { qr: true, aa: true, rcode, ..Header::default() },
            answers: records_from(&answers),
            authority: records_from(&authority),
            ..Message::default()
        };
        let target = [Rtype::A, Rtype::DNSKEY, Rtype::DS, Rtype::A][which];
        let chain = Chain::new(Denial::Nsec3(Nsec3Options::default()));
        let (mut world, anchor) = edit_world(&chain, move |q, m| {
            if q.qtype == target {
                let mut forged = forged.clone();
                forged.questions = vec![q.clone()];
                *m = forged;
            }
        });
        let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
        if target == Rtype::A {
            prop_assert_ne!(verdict.security, Security::Secure);
        }
    }

    /// Arbitrary records in any section never make the validator panic, and never make the
    /// unsigned zone's answer secure.
    #[test]
    fn arbitrary_records_never_panic(records in junk_records(), section in 0usize..3) {
        let extra = records_from(&records);
        let (mut world, anchor) = edit_world(&Chain::new(Denial::Nsec3(Nsec3Options::default())), move |_, m| {
            let target = match section { 0 => &mut m.answers, 1 => &mut m.authority, _ => &mut m.additional };
            target.extend(extra.iter().cloned());
        });
        for qname in ["www.child.test.", "nope.child.test."] {
            let _ = check(&mut world, &anchor, NOW, qname, Rtype::A);
        }
        let unsigned = check(&mut world, &anchor, NOW, "x.unsigned.test.", Rtype::A);
        prop_assert_ne!(unsigned.security, Security::Secure);
    }
}

#[test]
fn a_raised_ttl_is_capped_at_the_original_ttl() {
    let (mut world, anchor) = edit_world(&Chain::new(Denial::Nsec), |q, m| {
        if q.qtype == Rtype::A {
            for r in &mut m.answers {
                r.ttl = 86_400;
            }
        }
    });
    let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
    assert_eq!(verdict.security, Security::Secure);
    assert_eq!(verdict.ttl, Some(300), "the RRSIG's original TTL (RFC 4035 §5.3.3)");
}

#[test]
fn sha1_ds_records_are_ignored_beside_sha256_ones() {
    // RFC 4509 §3: a good SHA-1 DS does not rescue a SHA-256 DS that matches nothing.
    let mut chain = Chain::new(Denial::Nsec);
    let good = ds(&name("child.test."), chain.child_keys[0].dnskey(), DigestType::Sha256);
    let sha1 = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &{
        let mut w = crate::wire::Writer::with_mode(crate::wire::WireMode::Canonical);
        w.bytes(name("child.test.").as_wire());
        crate::rdata::RecordType::encode(chain.child_keys[0].dnskey(), &mut w);
        w.into_bytes()
    });
    let hex: String = sha1.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    let sha1_line = format!("child 3600 IN DS {} {} 1 {hex}", good.key_tag, good.algorithm);
    chain.child_ds = Some(vec![sha1_line.clone()]);
    assert_eq!(security(&chain, "www.child.test.", Rtype::A).0, Security::Secure, "SHA-1 alone");
    let wrong =
        format!("child 3600 IN DS {} {} 2 {}", good.key_tag, good.algorithm, "00".repeat(32));
    chain.child_ds = Some(vec![sha1_line, wrong]);
    let (got, why) = security(&chain, "www.child.test.", Rtype::A);
    assert_eq!(got, Security::Bogus, "{why}");
}

#[test]
fn an_anchor_of_only_unsupported_algorithms_is_insecure() {
    let (mut world, _) = Chain::new(Denial::Nsec).world();
    let key = crate::rdata::rfc4034::Dnskey {
        flags: 257,
        protocol: 3,
        algorithm: 253,
        public_key: vec![1; 32],
    };
    let anchor = TrustAnchor::from_records(&[Record {
        owner: name("test."),
        class: Class::IN,
        ttl: 0,
        data: RecordData::Dnskey(key),
    }])
    .unwrap();
    let verdict = check(&mut world, &anchor, NOW, "www.child.test.", Rtype::A);
    assert_eq!(verdict.security, Security::Insecure, "{:?}", verdict.finding);
}

/// A P-256 CSK (RFC 6605's test key).
fn p256_csk() -> SigningKey {
    use crate::dnssec::tests::{P256_D, P256_PUBLIC, b64};
    let private = PrivateKey::EcdsaP256 { d: b64(P256_D), public: b64(P256_PUBLIC) };
    SigningKey::new(&private, 257).unwrap()
}

#[test]
fn answers_signed_by_one_of_two_ds_algorithms_are_secure_unless_strict() {
    // The DS set names an Ed25519 and a P-256 key; the DNSKEY RRset is signed by both, the
    // answers only with Ed25519 (the P-256 signatures stripped).
    let mut chain = Chain::new(Denial::Nsec);
    chain.child_keys = vec![ed25519(2, 257), p256_csk()];
    let lines = chain
        .child_keys
        .iter()
        .map(|k| {
            format!("child 3600 IN DS {}", ds(&name("child.test."), k.dnskey(), DigestType::Sha256))
        })
        .collect();
    chain.child_ds = Some(lines);
    let strip = |q: &Question, m: &mut Message| {
        if q.qtype != Rtype::DNSKEY {
            m.answers.retain(|r| !matches!(&r.data, RecordData::Rrsig(s) if s.algorithm == 13));
        }
    };
    let (mut world, anchor) = edit_world(&chain, strip);
    let mut cx = context(anchor, NOW);
    let lenient = validate(&mut world, &cx, &name("www.child.test."), Rtype::A).unwrap();
    assert_eq!(lenient.security, Security::Secure, "RFC 6840 §5.11, as BIND");
    cx.strict_algorithms = true;
    let strict = validate(&mut world, &cx, &name("www.child.test."), Rtype::A).unwrap();
    assert_eq!(strict.security, Security::Bogus);
    let finding = strict.finding.unwrap();
    assert!(finding.what.contains("names algorithm 13"), "{finding}");
    assert_eq!(finding.owner, name("www.child.test."));
    // With both algorithms' signatures in place, strict validation passes.
    let (mut world, anchor) = chain.world();
    let mut cx = context(anchor, NOW);
    cx.strict_algorithms = true;
    let both = validate(&mut world, &cx, &name("www.child.test."), Rtype::A).unwrap();
    assert_eq!(both.security, Security::Secure, "{:?}", both.finding);
}

/// Counts the questions that reach the fetcher behind a [`Memo`].
struct Counting<'w> {
    world: &'w mut World,
    asked: usize,
}

impl Fetch for Counting<'_> {
    type Error = String;

    fn fetch(&mut self, q: &Question) -> Result<Message, String> {
        self.asked += 1;
        self.world.fetch(q)
    }
}

#[test]
fn a_memo_asks_for_the_chain_once() {
    let (mut world, anchor) = Chain::new(Denial::Nsec).world();
    let cx = context(anchor, NOW);
    let mut memo = Memo::new(Counting { world: &mut world, asked: 0 });
    let first = validate(&mut memo, &cx, &name("www.child.test."), Rtype::A).unwrap();
    let second = validate(&mut memo, &cx, &name("www.child.test."), Rtype::AAAA).unwrap();
    assert_eq!((first.security, second.security), (Security::Secure, Security::Secure));
    // The answer, the anchor's DNSKEY, child.test. DS and DNSKEY (the walk ends at the zone
    // that signed the answer); then only the second answer.
    assert_eq!(first.work.queries, 4);
    assert_eq!(memo.kept(), 3);
    assert_eq!(memo.inner.asked, 5);
    assert!(second.work.signatures >= 3, "validated again: {:?}", second.work);
}

type Junk = Vec<(usize, u16, Vec<u8>)>;

/// Up to 12 records as (owner, type, RDATA octets), mostly DNSSEC types.
fn junk_records() -> impl Strategy<Value = Junk> {
    proptest::collection::vec(
        (0usize..6, any::<u16>(), proptest::collection::vec(any::<u8>(), 0..80)),
        0..12,
    )
}

/// The records of `junk` whose RDATA decodes, at names of the test chain.
fn records_from(junk: &Junk) -> Vec<Record> {
    let owners = [
        "www.child.test.",
        "child.test.",
        "test.",
        "nope.child.test.",
        "x.unsigned.test.",
        "*.child.test.",
    ];
    junk.iter()
        .filter_map(|(o, t, bytes)| {
            let types =
                [Rtype::RRSIG, Rtype::NSEC, Rtype::NSEC3, Rtype::DNSKEY, Rtype::DS, Rtype(*t)];
            let rtype = types[usize::from(*t as u8) % types.len()];
            let data = RecordData::from_wire(rtype, bytes).ok()?;
            Some(Record {
                owner: name(owners[*o % owners.len()]),
                class: Class::IN,
                ttl: 300,
                data,
            })
        })
        .collect()
}
