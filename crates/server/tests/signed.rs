//! Answers from zones signed at test time by `dnssec-signzone` (NSEC, NSEC3, NSEC3 with
//! opt-out), one test per rule of RFC 4035 §3.1 and RFC 5155 §7.2. The proofs are checked on
//! their own terms (canonical order for NSEC, hashes for NSEC3), not against another server.

#![allow(clippy::unwrap_used, clippy::panic)]

mod signing;

use std::cmp::Ordering;
use std::sync::Arc;

use data_encoding::BASE32HEX_NOPAD;
use nameward_dns::rdata::RecordData;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Edns, Header, Message, Name, Question, Record, Rtype};
use nameward_server::{Outcome, ResponseBuffer, Transport, Zone, Zones, answer};
use sha1::{Digest, Sha1};
use signing::Chain;

const ZONE: &str = "\
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
a 300 A 192.0.2.2
a 900 TXT \"two types, two TTLs\"
b CNAME a
m.ent A 192.0.2.3
*.w TXT \"wild\"
*.c CNAME a
old DNAME new
*.hip HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D rvs.example.
rvs A 192.0.2.9
n.new A 192.0.2.4
secure NS ns.secure
ns.secure A 192.0.2.5
secure DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF
insecure NS ns.insecure
d0.only NS ns.provider.test.
ns.insecure A 192.0.2.6
big TXT \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"
big TXT \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\"
big TXT \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc\"
";

const ORIGIN: &str = "example.";

/// The signed zone for each chain, or nothing (said loudly) when the signer is missing.
fn signed(chain: Chain) -> Option<Zones> {
    if !signing::tools_present("signed-zone answer tests") {
        return None;
    }
    let text = signing::sign(ORIGIN, ZONE, chain);
    let zone = Zone::from_text(&n(ORIGIN), "signed", &text).unwrap_or_else(|e| panic!("{e}"));
    let mut zones = Zones::new();
    zones.insert(Arc::new(zone));
    Some(zones)
}

const CHAINS: [Chain; 3] = [Chain::Nsec, Chain::Nsec3, Chain::Nsec3OptOut];

fn n(text: &str) -> Name {
    Name::parse(text, Some(&Name::parse(ORIGIN, None).unwrap())).unwrap()
}

fn ask_with(zones: &Zones, qname: &str, qtype: Rtype, edns: Option<Edns>) -> Message {
    let query = Message {
        header: Header { id: 7, ..Header::default() },
        questions: vec![Question { name: n(qname), qtype, qclass: Class::IN }],
        edns,
        ..Message::default()
    };
    let mut out = ResponseBuffer::new(Transport::Udp);
    let outcome = answer(zones, &query.encode(), &mut out);
    assert!(matches!(outcome, Outcome::Response(_)));
    let response = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
    check_signatures(&response, qtype);
    response
}

/// With DO and a large payload.
fn ask(zones: &Zones, qname: &str, qtype: Rtype) -> Message {
    ask_with(
        zones,
        qname,
        qtype,
        Some(Edns { udp_payload: 4096, dnssec_ok: true, ..Edns::default() }),
    )
}

fn covered(r: &Record) -> Option<Rtype> {
    match &r.data {
        RecordData::Rrsig(sig) => Some(sig.type_covered),
        _ => None,
    }
}

/// Rules every DO answer keeps: each RRset of answer and authority has its RRSIGs next to it
/// with the same TTL (but the CNAME synthesised from a DNAME, RFC 6672 §5.3.1, and a
/// referral's NS, RFC 4035 §3.1.4), every RRSIG goes with an RRset of the same section, and
/// glue is never signed.
fn check_signatures(m: &Message, qtype: Rtype) {
    if qtype == Rtype::RRSIG {
        return;
    }
    let dname_synthesised = |r: &Record| {
        r.rtype() == Rtype::CNAME
            && m.answers.iter().any(|d| {
                d.rtype() == Rtype::DNAME && r.owner.is_subdomain_of(&d.owner) && r.owner != d.owner
            })
    };
    let referral = !m.header.aa;
    for section in [&m.answers, &m.authority] {
        for r in section {
            if let Some(t) = covered(r) {
                let set = section.iter().find(|s| s.owner == r.owner && s.rtype() == t);
                let set = set.unwrap_or_else(|| panic!("RRSIG without its RRset: {r}"));
                assert_eq!(set.ttl, r.ttl, "RRSIG TTL differs from its RRset's: {r}");
                continue;
            }
            let signed =
                section.iter().any(|s| s.owner == r.owner && covered(s) == Some(r.rtype()));
            let do_bit = m.edns.as_ref().is_some_and(|e| e.dnssec_ok);
            let unsigned_ok = dname_synthesised(r) || (referral && r.rtype() == Rtype::NS);
            if do_bit && !unsigned_ok && !m.header.tc {
                assert!(signed, "no RRSIG for {r}");
            }
        }
    }
    assert!(m.additional.iter().all(|r| covered(r).is_none()), "signed glue: {m:?}");
}

fn owners(records: &[Record], rtype: Rtype) -> Vec<String> {
    records.iter().filter(|r| r.rtype() == rtype).map(|r| r.owner.to_string()).collect()
}

fn nsecs(m: &Message) -> Vec<(Name, Name, Vec<Rtype>)> {
    m.authority
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Nsec(nsec) => {
                Some((r.owner.clone(), nsec.next.clone(), nsec.types.iter().collect()))
            }
            _ => None,
        })
        .collect()
}

/// An NSEC covering `name`: owner < name < next, the last one wrapping to the apex.
fn nsec_covers(m: &Message, name: &str) -> bool {
    let name = n(name);
    nsecs(m).iter().any(|(owner, next, _)| {
        let after_owner = owner.canonical_cmp(&name) == Ordering::Less;
        let before_next = name.canonical_cmp(next) == Ordering::Less || *next == n(ORIGIN);
        after_owner && before_next
    })
}

fn nsec_at(m: &Message, name: &str) -> Option<Vec<Rtype>> {
    nsecs(m).into_iter().find(|(owner, _, _)| *owner == n(name)).map(|(_, _, types)| types)
}

fn hash(name: &str) -> Vec<u8> {
    let wire = n(name).to_lowercase();
    Sha1::new().chain_update(wire.as_wire()).chain_update([0xab]).finalize().to_vec()
}

/// Owner hash, next hash, opt-out flag and types of an NSEC3.
type Nsec3View = (Vec<u8>, Vec<u8>, bool, Vec<Rtype>);

/// Each NSEC3 in authority.
fn nsec3s(m: &Message) -> Vec<Nsec3View> {
    m.authority
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Nsec3(nsec3) => {
                let label = r.owner.labels().next().unwrap().to_ascii_uppercase();
                let owner = BASE32HEX_NOPAD.decode(&label).unwrap();
                let next = nsec3.next_hashed_owner.clone();
                Some((owner, next, nsec3.flags & 1 == 1, nsec3.types.iter().collect()))
            }
            _ => None,
        })
        .collect()
}

fn nsec3_matching(m: &Message, name: &str) -> Option<Vec<Rtype>> {
    let h = hash(name);
    nsec3s(m).into_iter().find(|(owner, ..)| *owner == h).map(|(.., types)| types)
}

/// The NSEC3 covering the hash of `name`, with its opt-out flag.
fn nsec3_covering(m: &Message, name: &str) -> Option<bool> {
    let h = hash(name);
    nsec3s(m).into_iter().find_map(|(owner, next, opt_out, _)| {
        let covers = if owner < next { owner < h && h < next } else { h > owner || h < next };
        covers.then_some(opt_out)
    })
}

/// RFC 5155 §7.2.1: NSEC3 matching `encloser`, covering `next_closer`.
fn closest_encloser_proof(m: &Message, encloser: &str, next_closer: &str) {
    assert!(nsec3_matching(m, encloser).is_some(), "no NSEC3 matching {encloser}: {m:?}");
    assert!(nsec3_covering(m, next_closer).is_some(), "no NSEC3 covering {next_closer}: {m:?}");
}

fn soa_signed(m: &Message) {
    assert_eq!(owners(&m.authority, Rtype::SOA), ["example."]);
    assert!(m.authority.iter().any(|r| covered(r) == Some(Rtype::SOA)));
}

#[test]
fn rrsigs_carry_the_ttl_of_the_rrset_they_cover() {
    let Some(zones) = signed(Chain::Nsec) else { return };
    let r = ask(&zones, "a", Rtype::RRSIG);
    let mut ttls: Vec<(Rtype, u32)> =
        r.answers.iter().map(|r| (covered(r).unwrap(), r.ttl)).collect();
    ttls.sort();
    assert_eq!(ttls, [(Rtype::A, 300), (Rtype::TXT, 900), (Rtype::NSEC, 300)]);
    let a = ask(&zones, "a", Rtype::A);
    assert_eq!(
        a.answers.iter().map(|r| (r.rtype(), r.ttl)).collect::<Vec<_>>(),
        [(Rtype::A, 300), (Rtype::RRSIG, 300)]
    );
    let txt = ask(&zones, "a", Rtype::TXT);
    assert!(txt.answers.iter().all(|r| r.ttl == 900));
    // Zone transfers keep each RRSIG's own TTL too.
    let zone = zones.get(&n(ORIGIN)).unwrap();
    let mut transferred: Vec<(Rtype, u32)> = zone
        .records()
        .filter(|r| r.owner == n("a"))
        .filter_map(|r| Some((covered(&r)?, r.ttl)))
        .collect();
    transferred.sort();
    assert_eq!(transferred, ttls);
}

#[test]
fn without_do_nothing_of_dnssec_unless_asked_by_type() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        for (qname, qtype) in [
            ("a", Rtype::A),
            ("nx", Rtype::A),
            ("a", Rtype::MX),
            ("x.w", Rtype::TXT),
            ("www.insecure", Rtype::A),
            ("www.secure", Rtype::A),
            ("secure", Rtype::DS),
        ] {
            for edns in [None, Some(Edns::default())] {
                let r = ask_with(&zones, qname, qtype, edns);
                let all = r.answers.iter().chain(&r.authority).chain(&r.additional);
                let dnssec = [Rtype::RRSIG, Rtype::NSEC, Rtype::NSEC3];
                assert!(
                    all.clone().all(|r| !dnssec.contains(&r.rtype())),
                    "{qname} {qtype}: {r:?}"
                );
            }
        }
        let asked = ask_with(&zones, "a", Rtype::RRSIG, None);
        // A, TXT, and NSEC when the zone has it.
        let expected = if chain == Chain::Nsec { 3 } else { 2 };
        assert_eq!(asked.answers.len(), expected, "{asked:?}");
        if chain == Chain::Nsec {
            assert_eq!(types(&ask_with(&zones, "a", Rtype::NSEC, None).answers), [Rtype::NSEC]);
        }
    }
}

fn types(records: &[Record]) -> Vec<Rtype> {
    records.iter().map(Record::rtype).collect()
}

#[test]
fn positive_answers_and_cname_chains_are_signed() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        let r = ask(&zones, "a", Rtype::A);
        assert!(r.header.aa);
        assert_eq!(types(&r.answers), [Rtype::A, Rtype::RRSIG]);
        assert!(r.authority.is_empty());
        let r = ask(&zones, "b", Rtype::A);
        assert_eq!(types(&r.answers), [Rtype::CNAME, Rtype::RRSIG, Rtype::A, Rtype::RRSIG]);
        // DNAME: the DNAME is signed, the synthesised CNAME is not (RFC 6672 §5.3.1).
        let r = ask(&zones, "n.old", Rtype::A);
        assert_eq!(
            types(&r.answers),
            [Rtype::DNAME, Rtype::RRSIG, Rtype::CNAME, Rtype::A, Rtype::RRSIG]
        );
    }
}

#[test]
fn nxdomain_proves_the_name_and_the_wildcard_absent() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        let r = ask(&zones, "nx.ent", Rtype::A);
        assert_eq!(r.rcode(), 3);
        soa_signed(&r);
        match chain {
            Chain::Nsec => {
                assert!(nsec_covers(&r, "nx.ent"), "{r:?}");
                assert!(nsec_covers(&r, "*.ent"), "{r:?}");
            }
            _ => {
                closest_encloser_proof(&r, "ent", "nx.ent");
                assert!(nsec3_covering(&r, "*.ent").is_some(), "{r:?}");
            }
        }
        // Several labels missing: the next closer name is one below the apex.
        let r = ask(&zones, "deep.nx", Rtype::A);
        assert_eq!(r.rcode(), 3);
        match chain {
            Chain::Nsec => assert!(nsec_covers(&r, "deep.nx") && nsec_covers(&r, "*.example.")),
            _ => {
                closest_encloser_proof(&r, ORIGIN, "nx");
                assert!(nsec3_covering(&r, "*.example.").is_some());
            }
        }
    }
}

#[test]
fn nodata_shows_the_types_at_the_name() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        let r = ask(&zones, "a", Rtype::MX);
        assert_eq!((r.rcode(), r.answers.len()), (0, 0));
        soa_signed(&r);
        let types = match chain {
            Chain::Nsec => nsec_at(&r, "a"),
            _ => nsec3_matching(&r, "a"),
        };
        let types = types.unwrap_or_else(|| panic!("{r:?}"));
        assert!(types.contains(&Rtype::A) && !types.contains(&Rtype::MX));
        // An empty non-terminal.
        let r = ask(&zones, "ent", Rtype::A);
        assert_eq!((r.rcode(), r.answers.len()), (0, 0));
        match chain {
            Chain::Nsec => assert!(nsec_covers(&r, "ent") && nsec_at(&r, "ent").is_none()),
            _ => assert!(nsec3_matching(&r, "ent").is_some_and(|t| t.is_empty()), "{r:?}"),
        }
    }
}

#[test]
fn wildcard_answers_prove_the_qname_absent() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        let r = ask(&zones, "q.w", Rtype::TXT);
        assert_eq!(types(&r.answers), [Rtype::TXT, Rtype::RRSIG]);
        assert_eq!(owners(&r.answers, Rtype::RRSIG), ["q.w.example."]);
        match chain {
            Chain::Nsec => assert!(nsec_covers(&r, "q.w")),
            _ => assert!(nsec3_covering(&r, "q.w").is_some()),
        }
        // Through a wildcard CNAME.
        let r = ask(&zones, "q.c", Rtype::A);
        assert_eq!(types(&r.answers), [Rtype::CNAME, Rtype::RRSIG, Rtype::A, Rtype::RRSIG]);
        match chain {
            Chain::Nsec => assert!(nsec_covers(&r, "q.c")),
            _ => assert!(nsec3_covering(&r, "q.c").is_some()),
        }
        // Wildcard NODATA (RFC 4035 §3.1.3.4, RFC 5155 §7.2.5).
        let r = ask(&zones, "q.w", Rtype::A);
        assert_eq!((r.rcode(), r.answers.len()), (0, 0));
        soa_signed(&r);
        match chain {
            Chain::Nsec => {
                assert!(nsec_covers(&r, "q.w"));
                assert!(nsec_at(&r, "*.w").is_some_and(|t| !t.contains(&Rtype::A)));
            }
            _ => {
                closest_encloser_proof(&r, "w", "q.w");
                assert!(nsec3_matching(&r, "*.w").is_some_and(|t| !t.contains(&Rtype::A)));
            }
        }
    }
}

#[test]
fn referrals_carry_the_ds_or_the_proof_of_none() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        let r = ask(&zones, "www.secure", Rtype::A);
        assert!(!r.header.aa);
        assert_eq!(types(&r.authority), [Rtype::NS, Rtype::DS, Rtype::RRSIG]);
        assert_eq!(types(&r.additional), [Rtype::A]);
        let r = ask(&zones, "www.insecure", Rtype::A);
        assert_eq!(types(&r.additional), [Rtype::A]);
        assert_eq!(owners(&r.authority, Rtype::DS), Vec::<String>::new());
        insecure_proof(&r, chain);
        // DS at the cut: answered by the parent, signed or proven absent.
        let r = ask(&zones, "secure", Rtype::DS);
        assert!(r.header.aa);
        assert_eq!(types(&r.answers), [Rtype::DS, Rtype::RRSIG]);
        let r = ask(&zones, "insecure", Rtype::DS);
        assert!(r.header.aa);
        assert_eq!((r.rcode(), r.answers.len()), (0, 0));
        soa_signed(&r);
        insecure_proof(&r, chain);
    }
}

/// No DS at `insecure`: its NSEC or NSEC3 lacks DS (RFC 4035 §3.1.4.1), or with opt-out the
/// NSEC3 covering it has the opt-out flag (RFC 5155 §7.2.4).
fn insecure_proof(r: &Message, chain: Chain) {
    match chain {
        Chain::Nsec => {
            let types = nsec_at(r, "insecure").unwrap_or_else(|| panic!("{r:?}"));
            assert!(types.contains(&Rtype::NS) && !types.contains(&Rtype::DS));
        }
        Chain::Nsec3 => {
            let types = nsec3_matching(r, "insecure").unwrap_or_else(|| panic!("{r:?}"));
            assert!(types.contains(&Rtype::NS) && !types.contains(&Rtype::DS));
        }
        Chain::Nsec3OptOut => {
            assert!(nsec3_matching(r, "insecure").is_none());
            assert!(nsec3_matching(r, ORIGIN).is_some(), "{r:?}");
            assert_eq!(nsec3_covering(r, "insecure"), Some(true), "{r:?}");
        }
    }
}

#[test]
fn a_response_too_big_for_its_rrsigs_is_truncated() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        let edns = |dnssec_ok| Some(Edns { udp_payload: 512, dnssec_ok, ..Edns::default() });
        let r = ask_with(&zones, "big", Rtype::TXT, edns(false));
        assert!(!r.header.tc);
        let r = ask_with(&zones, "big", Rtype::TXT, edns(true));
        assert!(r.header.tc, "{r:?}");
        // What went in is whole: the TXT RRset never without its RRSIG.
        let txt = r.answers.iter().any(|r| r.rtype() == Rtype::TXT);
        let sig = r.answers.iter().any(|r| covered(r) == Some(Rtype::TXT));
        assert!(!txt || sig, "{r:?}");
        let mut tcp = ResponseBuffer::new(Transport::Tcp);
        let query = Message {
            questions: vec![Question { name: n("big"), qtype: Rtype::TXT, qclass: Class::IN }],
            edns: edns(true),
            ..Message::default()
        };
        answer(&zones, &query.encode(), &mut tcp);
        let full = Message::decode(tcp.as_bytes(), DecodeOptions::STRICT).unwrap();
        assert!(!full.header.tc);
        assert_eq!(types(&full.answers), [Rtype::TXT, Rtype::TXT, Rtype::TXT, Rtype::RRSIG]);
    }
}

#[test]
fn nsec3_owner_names_do_not_exist() {
    for chain in [Chain::Nsec3, Chain::Nsec3OptOut] {
        let Some(zones) = signed(chain) else { return };
        let label = BASE32HEX_NOPAD.encode(&hash("a")).to_ascii_lowercase();
        for qtype in [Rtype::A, Rtype::NSEC3] {
            // RFC 5155 §7.2.8: as if the NSEC3 owner name did not exist.
            let r = ask(&zones, &label, qtype);
            assert_eq!((r.rcode(), r.answers.len()), (3, 0), "{r:?}");
            closest_encloser_proof(&r, ORIGIN, &label);
        }
        // Still transferred.
        let zone = zones.get(&n(ORIGIN)).unwrap();
        assert!(zone.records().any(|r| r.owner == n(&label) && r.rtype() == Rtype::NSEC3));
    }
}

/// Serves `zones` over UDP on 127.0.0.1 from a thread (the pure `answer`, no network layer).
fn serve(zones: Zones) -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut out = ResponseBuffer::new(Transport::Udp);
        let mut buf = [0u8; 4096];
        while let Ok((len, from)) = socket.recv_from(&mut buf) {
            if let Outcome::Response(_) = answer(&zones, &buf[..len], &mut out) {
                let _ = socket.send_to(out.as_bytes(), from);
            }
        }
    });
    port
}

/// `drill -S` (ldnsutils) chases each answer's signatures, and the denial proofs of negative
/// answers, to the zone's KSK. (Not DNAME answers: drill chases the synthesised CNAME, which
/// is unsigned by design, RFC 6672 §5.3.1.)
#[test]
fn drill_validates_the_answers() {
    if !nameward_peer::program("validating signed answers with drill", "drill", "ldnsutils") {
        return;
    }
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        let zone = zones.get(&n(ORIGIN)).unwrap();
        let ksk: Vec<String> = zone
            .records()
            .filter(|r| matches!(&r.data, RecordData::Dnskey(k) if k.flags == 257))
            .map(|r| r.to_string())
            .collect();
        let dir =
            std::env::temp_dir().join(format!("nameward-drill-{}-{chain:?}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("ksk");
        std::fs::write(&key, ksk.first().unwrap().clone() + "\n").unwrap();
        let port = serve(zones.clone());
        for (qname, qtype) in [
            ("a", "A"),
            ("a", "MX"),
            ("nx.ent", "A"),
            ("q.w", "TXT"),
            ("q.w", "A"),
            ("ent", "A"),
            ("b", "A"),
            ("q.c", "A"),
            ("secure", "DS"),
            ("insecure", "DS"),
        ] {
            // An empty non-terminal of an NSEC zone is proven by the NSEC covering it (RFC
            // 4035 §3.1.3.1, §5.4; Knot and NSD send the same); drill wants the wildcard
            // covered too, as for NXDOMAIN.
            if chain == Chain::Nsec && qname == "ent" {
                continue;
            }
            let output = std::process::Command::new("drill")
                .args(["-S", "-k"])
                .arg(&key)
                .args(["-p", &port.to_string(), "@127.0.0.1"])
                .arg(n(qname).to_string())
                .arg(qtype)
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            let ok = text.contains(";; Chase successful");
            assert!(ok, "drill -S {qname} {qtype} ({chain:?}):\n{text}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn sections_stay_in_order_when_a_wildcard_hip_answer_has_proofs_and_additional_data() {
    for chain in CHAINS {
        let Some(zones) = signed(chain) else { return };
        // The decoder would misplace records written out of section order.
        let r = ask(&zones, "x.hip", Rtype::HIP);
        assert_eq!(types(&r.answers), [Rtype::HIP, Rtype::RRSIG]);
        assert!(!r.authority.is_empty(), "{r:?}");
        assert!(
            r.authority
                .iter()
                .all(|r| matches!(r.rtype(), Rtype::NSEC | Rtype::NSEC3 | Rtype::RRSIG))
        );
        assert_eq!(owners(&r.additional, Rtype::A), ["rvs.example."]);
    }
}

#[test]
fn opt_out_empty_non_terminals_are_proven_from_the_closest_provable_encloser() {
    let Some(zones) = signed(Chain::Nsec3OptOut) else { return };
    // `only` leads to an unsigned delegation alone, so it has no NSEC3 (RFC 5155 §7.1).
    let r = ask(&zones, "nx.only", Rtype::A);
    assert_eq!(r.rcode(), 3);
    assert!(nsec3_matching(&r, "only").is_none());
    assert!(nsec3_matching(&r, ORIGIN).is_some(), "{r:?}");
    assert_eq!(nsec3_covering(&r, "only"), Some(true), "{r:?}");
    assert!(nsec3_covering(&r, "*.example.").is_some(), "{r:?}");
    let r = ask(&zones, "only", Rtype::DS);
    assert_eq!((r.rcode(), r.answers.len()), (0, 0));
    assert_eq!(nsec3_covering(&r, "only"), Some(true), "{r:?}");
}
