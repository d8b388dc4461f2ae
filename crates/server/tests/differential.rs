//! Differential test: the same generated zones answered by nameward (through the pure
//! `answer` function) and by Knot DNS (`knotd` as a child process on 127.0.0.1), compared
//! section by section for a few thousand generated queries.
//!
//! Compared: rcode, AA, TC, and the answer, authority and additional sections as sets of
//! records (TTLs included, names compared case-insensitively). Every difference must match
//! an entry of `differential-allow.txt` (query kind, section, and why the two servers differ),
//! and every entry must be used, so the list stays true.
//!
//! Without `knotd` the comparison cannot run: under `CI=true` that is a failure; otherwise
//! the test says loudly that it did not run.

#![allow(clippy::unwrap_used, clippy::panic)]

mod signing;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Edns, Header, Message, Name, Question, Record, Rtype};
use nameward_server::{Outcome, ResponseBuffer, Transport, Zone, Zones, answer};

const KEY: &str = "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D";
const HIT: &str = "200100107B1A74DF365639CC39F1D578";
const HOSTS: usize = 300;
const DELEGATIONS: usize = 400;

/// SplitMix64: deterministic, so a failure names a query that can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One zone in two spellings: ours (HIP by mnemonic) and the peers' (HIP in RFC 3597 form).
struct ZoneText {
    origin: &'static str,
    ours: String,
    knot: String,
}

impl ZoneText {
    fn new(origin: &'static str) -> ZoneText {
        ZoneText { origin, ours: String::new(), knot: String::new() }
    }

    fn line(&mut self, text: &str) {
        self.ours.push_str(text);
        self.ours.push('\n');
        self.knot.push_str(text);
        self.knot.push('\n');
    }

    /// A HIP record: RFC 3597 form for Knot, which has no HIP type.
    fn hip(&mut self, owner: &str, rdata: &str) {
        writeln!(self.ours, "{owner} HIP {rdata}").unwrap();
        let origin = Name::parse(self.origin, None).unwrap();
        let tokens = nameward_dns::zone::tokenize_rdata(rdata.as_bytes());
        let mut tokens = nameward_dns::text::Tokens::new(&tokens, Some(&origin));
        let data = nameward_dns::RecordData::parse_text(Rtype::HIP, &mut tokens).unwrap();
        writeln!(self.knot, "{owner} TYPE55 {}", data.generic()).unwrap();
    }
}

fn hosting_zone() -> ZoneText {
    let mut z = ZoneText::new("hosting.test.");
    z.line("$TTL 3600");
    z.line("@ 3600 SOA ns1 hostmaster 2026112101 7200 3600 1209600 600");
    z.line("@ NS ns1");
    z.line("@ NS ns2.provider.example.");
    z.line("@ MX 10 mail");
    z.line("ns1 A 192.0.2.1");
    z.line("ns1 AAAA 2001:db8::1");
    z.line("mail A 192.0.2.25");
    z.line("rvs A 192.0.2.53");
    z.line("rvs AAAA 2001:db8::53");
    for i in 0..HOSTS {
        let ttl = 300 + (i % 4) * 100;
        z.line(&format!("h{i} {ttl} A 192.0.2.{}", i % 250 + 2));
        if i % 3 == 0 {
            z.line(&format!("h{i} {ttl} AAAA 2001:db8::{i:x}"));
        }
        if i % 5 == 0 {
            z.line(&format!("h{i} {ttl} TXT \"host {i}\""));
        }
        if i % 7 == 0 {
            z.line(&format!("h{i} {ttl} MX 10 mail"));
        }
        if i % 10 == 0 {
            // Empty non-terminals lvl1.dN and lvl2.lvl1.dN.
            z.line(&format!("w{i}.lvl2.lvl1.d{i} A 192.0.2.{}", i % 250 + 2));
        }
        if i < 60 {
            z.line(&format!("c{i} CNAME h{i}"));
            z.line(&format!("k{i} 120 CNAME c{i}"));
            z.line(&format!("out{i} CNAME www{i}.example.net."));
            z.line(&format!("dangling{i} CNAME missing{i}"));
        }
        if i < 20 {
            z.hip(&format!("hip{i}"), &format!("2 {HIT} {KEY} rvs.hosting.test."));
        }
    }
    z.line("*.wild A 192.0.2.80");
    z.line("*.wild TXT \"wildcard\"");
    z.line("specific.wild A 192.0.2.81");
    z.line("x.y.wild A 192.0.2.82");
    z.line("*.apps 900 CNAME h1");
    z.line("*.ext CNAME www.example.net.");
    z.line("old 1800 DNAME new.hosting.test.");
    z.line("away DNAME example.net.");
    for i in 0..40 {
        z.line(&format!("n{i}.new A 192.0.2.{}", 100 + i));
    }
    z.line("to-deleg CNAME www.d0.tld.");
    z.line("to-dname CNAME n1.old");
    z.line("to-wild CNAME q.wild");
    z.line("lvl1.*.nested A 192.0.2.90");
    z.line("loop1 CNAME loop2");
    z.line("loop2 CNAME loop1");
    for i in 0..4 {
        z.line(&format!("big TXT \"{}\"", char::from(b'a' + i).to_string().repeat(200)));
    }
    z
}

fn tld_zone() -> ZoneText {
    let mut z = ZoneText::new("tld.");
    z.line("$TTL 86400");
    z.line("@ 3600 SOA a.nic hostmaster 2026112101 7200 3600 1209600 900");
    z.line("@ NS a.nic");
    z.line("a.nic A 198.51.100.1");
    z.line("a.nic AAAA 2001:db8:1::1");
    for i in 0..24 {
        // A referral too big for 512 octets: TC, or glue left out.
        z.line(&format!("fat NS ns{i:02}.with-a-long-name-for-the-server-{i:02}.fat"));
        z.line(&format!("ns{i:02}.with-a-long-name-for-the-server-{i:02}.fat A 198.51.100.{i}"));
    }
    z.line("alias-d0 CNAME www.d0");
    z.line("alias-d2 CNAME d2");
    z.line("alias-apex CNAME @");
    for i in 0..6 {
        z.line(&format!("glueful NS ns{i}.glueful"));
        z.line(&format!("ns{i}.glueful A 198.51.100.{}", 100 + i));
        z.line(&format!("ns{i}.glueful AAAA 2001:db8:3::{i}"));
        z.line(&format!("ns{i}.glueful TXT \"{}\"", "t".repeat(100)));
    }
    for i in 0..DELEGATIONS {
        if i % 2 == 0 {
            z.line(&format!("d{i} NS ns1.d{i}"));
            z.line(&format!("d{i} NS ns2.d{i}"));
            z.line(&format!("ns1.d{i} A 198.51.100.{}", i % 250 + 2));
            z.line(&format!("ns2.d{i} AAAA 2001:db8:2::{i:x}"));
        } else if i % 7 == 0 {
            // Sibling glue: a server below another cut of this zone.
            z.line(&format!("d{i} NS ns1.d{}", i - 1));
            z.line(&format!("d{i} NS ns2.provider.example."));
        } else {
            z.line(&format!("d{i} NS ns1.hosting.test."));
            z.line(&format!("d{i} NS ns2.provider.example."));
        }
        if i % 10 == 0 {
            z.line(&format!(
                "d{i} 3600 DS {} 8 2 {:064X}",
                10000 + i,
                (i as u128 + 1) * 0x0123_4567_89AB_CDEF
            ));
        }
    }
    z
}

/// The signed zones: one template signed three ways.
const SIGNED: [(&str, signing::Chain); 3] = [
    ("nsec.test.", signing::Chain::Nsec),
    ("nsec3.test.", signing::Chain::Nsec3),
    ("optout.test.", signing::Chain::Nsec3OptOut),
];
const SIGNED_HOSTS: usize = 30;
const SIGNED_DELEGATIONS: usize = 12;

/// A zone exercising every DNSSEC answer rule, signed with `dnssec-signzone`.
fn signed_zone(origin: &'static str, chain: signing::Chain) -> ZoneText {
    let mut z = String::new();
    let mut line = |text: &str| {
        z.push_str(text);
        z.push('\n');
    };
    line("$TTL 3600");
    line("@ 3600 SOA ns1 hostmaster 2026112101 7200 3600 1209600 600");
    line("@ NS ns1");
    line("ns1 A 192.0.2.1");
    for i in 0..SIGNED_HOSTS {
        let ttl = 300 + (i % 4) * 100;
        line(&format!("h{i} {ttl} A 192.0.2.{}", i + 2));
        if i % 3 == 0 {
            // A different TTL for each type at the name: so for their RRSIGs.
            line(&format!("h{i} {} AAAA 2001:db8::{i:x}", ttl + 50));
        }
        if i % 5 == 0 {
            line(&format!("h{i} 900 TXT \"host {i}\""));
        }
        if i % 10 == 0 {
            line(&format!("w{i}.lvl2.lvl1.e{i} A 192.0.2.{}", i + 2));
        }
        line(&format!("c{i} CNAME h{i}"));
    }
    line("dangling CNAME missing");
    // An empty non-terminal above an unsigned delegation only: no NSEC3 of its own with opt-out.
    line("d0.only NS ns.provider.example.");
    for c in ["a", "b", "c"] {
        // Fits in 512 octets alone, not with its RRSIG.
        line(&format!("big TXT \"{}\"", c.repeat(120)));
    }
    line("*.wild A 192.0.2.80");
    line("*.wild TXT \"wildcard\"");
    line("specific.wild A 192.0.2.81");
    line("x.y.wild A 192.0.2.82");
    line("*.apps 900 CNAME h1");
    line("old 1800 DNAME new");
    for i in 0..5 {
        line(&format!("n{i}.new A 192.0.2.{}", 100 + i));
    }
    for i in 0..SIGNED_DELEGATIONS {
        match i % 3 {
            0 => {
                line(&format!("d{i} NS ns1.d{i}"));
                line(&format!("ns1.d{i} A 198.51.100.{i}"));
                line(&format!(
                    "d{i} 3600 DS {} 13 2 {:064X}",
                    20000 + i,
                    (i as u128 + 1) * 0x0123_4567_89AB_CDEF
                ));
            }
            1 => {
                line(&format!("d{i} NS ns1.d{i}"));
                line(&format!("ns1.d{i} A 198.51.100.{i}"));
            }
            _ => line(&format!("d{i} NS ns.provider.example.")),
        }
    }
    let signed = signing::sign(origin, &z, chain);
    let mut text = ZoneText::new(origin);
    text.ours.push_str(&signed);
    text.knot.push_str(&signed);
    text
}

/// The first label of the NSEC3 owner name of `name` with the test zones' parameters (SHA-1,
/// salt AB, no extra iterations; RFC 5155 §5).
fn nsec3_label(name: &str) -> String {
    use sha1::Digest as _;
    let wire = Name::parse(name, None).unwrap().to_lowercase();
    let hash = sha1::Sha1::new().chain_update(wire.as_wire()).chain_update([0xab]).finalize();
    data_encoding::BASE32HEX_NOPAD.encode(&hash).to_ascii_lowercase()
}

/// Queries with DO (mostly) to the signed zones, one per DNSSEC answer rule.
fn signed_queries(rng: &mut Rng) -> Vec<Case> {
    let mut cases = Vec::new();
    for _ in 0..1500 {
        let origin = rng.pick(&SIGNED).0;
        let host = rng.below(SIGNED_HOSTS);
        let deleg = rng.below(SIGNED_DELEGATIONS);
        let (kind, name, qtype): (&'static str, String, Rtype) = match rng.below(16) {
            0 | 1 => {
                let t = *rng.pick(&[Rtype::A, Rtype::AAAA, Rtype::TXT]);
                ("sig-positive", format!("h{host}"), t)
            }
            2 => ("sig-nxdomain", format!("nx{}", rng.next() % 100_000), Rtype::A),
            3 => {
                let t = *rng.pick(&[Rtype::MX, Rtype::SRV, Rtype::CAA]);
                ("sig-nodata", format!("h{host}"), t)
            }
            4 if rng.below(3) == 0 => {
                let name = *rng.pick(&["only", "nx.only", "d0.only", "www.d0.only"]);
                ("sig-optout-ent", name.to_string(), *rng.pick(&[Rtype::A, Rtype::DS]))
            }
            4 => {
                let name = *rng.pick(&["lvl1.e0", "lvl2.lvl1.e10", "zz.lvl1.e20", "y.wild"]);
                ("sig-ent", name.to_string(), Rtype::A)
            }
            5 => {
                let t = *rng.pick(&[Rtype::A, Rtype::TXT]);
                ("sig-wildcard", format!("q{}.wild", rng.below(1000)), t)
            }
            6 => {
                let name = format!("q{}.wild", rng.below(1000));
                ("sig-wildcard-nodata", name, *rng.pick(&[Rtype::AAAA, Rtype::MX]))
            }
            7 => ("sig-wildcard-cname", format!("a{}.apps", rng.below(50)), Rtype::A),
            8 | 9 => {
                let name = match rng.below(3) {
                    0 => format!("www.d{deleg}"),
                    1 => format!("d{deleg}"),
                    _ => format!("ns1.d{deleg}"),
                };
                ("sig-referral", name, *rng.pick(&[Rtype::A, Rtype::NS]))
            }
            10 => ("sig-ds", format!("d{deleg}"), Rtype::DS),
            11 => {
                let name = *rng.pick(&["c3", "dangling", "c7"]);
                ("sig-cname", name.to_string(), *rng.pick(&[Rtype::A, Rtype::CNAME]))
            }
            12 => {
                let name = *rng.pick(&["n1.old", "nx.old", "old"]);
                ("sig-dname", name.to_string(), *rng.pick(&[Rtype::A, Rtype::DNAME]))
            }
            13 => {
                let (name, t) = *rng.pick(&[
                    ("@", Rtype::SOA),
                    ("@", Rtype::DNSKEY),
                    ("@", Rtype::NS),
                    ("@", Rtype::NSEC3PARAM),
                    ("@", Rtype::DS),
                ]);
                ("sig-apex", name.to_string(), t)
            }
            14 if origin != "nsec.test." && rng.below(2) == 0 => {
                // The owner of an NSEC3 record (RFC 5155 §7.2.8).
                let t = *rng.pick(&[Rtype::A, Rtype::NSEC3, Rtype::RRSIG]);
                let qname = if rng.below(2) == 0 { format!("h{host}") } else { "@".to_string() };
                let qname =
                    if qname == "@" { origin.to_string() } else { format!("{qname}.{origin}") };
                ("sig-hashed", nsec3_label(&qname), t)
            }
            14 => {
                let t = *rng.pick(&[Rtype::RRSIG, Rtype::NSEC, Rtype::ANY]);
                ("sig-by-type", format!("h{}", 3 * rng.below(SIGNED_HOSTS / 3)), t)
            }
            _ => {
                let name = if rng.below(2) == 0 { "big".to_string() } else { format!("h{host}") };
                ("sig-small", name, *rng.pick(&[Rtype::A, Rtype::TXT]))
            }
        };
        let qname = if name == "@" { origin.to_string() } else { format!("{name}.{origin}") };
        let edns = match (kind, rng.below(8)) {
            ("sig-small", _) => Some(Edns { udp_payload: 512, dnssec_ok: true, ..Edns::default() }),
            (_, 0) => None,
            (_, 1) => Some(Edns::default()),
            _ => Some(Edns { udp_payload: 4096, dnssec_ok: true, ..Edns::default() }),
        };
        let message = Message {
            header: Header { id: (rng.next() & 0xFFFF) as u16, ..Header::default() },
            questions: vec![Question {
                name: Name::parse(&qname, None).unwrap(),
                qtype,
                qclass: Class::IN,
            }],
            edns,
            ..Message::default()
        };
        cases.push(Case { kind, message });
    }
    cases
}

/// A query and the rule it exercises (the allow-list key).
struct Case {
    kind: &'static str,
    message: Message,
}

fn queries(rng: &mut Rng) -> Vec<Case> {
    let mut cases = Vec::new();
    let host = |rng: &mut Rng| rng.below(HOSTS);
    let deleg = |rng: &mut Rng| rng.below(DELEGATIONS);
    for _ in 0..2500 {
        let (kind, qname, qtype): (&'static str, String, Rtype) = match rng.below(30) {
            0..=3 => {
                let t = *rng.pick(&[Rtype::A, Rtype::AAAA, Rtype::TXT]);
                ("host", format!("h{}.hosting.test.", host(rng)), t)
            }
            4 => ("mx", format!("h{}.hosting.test.", 7 * rng.below(HOSTS / 7)), Rtype::MX),
            5 => {
                let t = *rng.pick(&[Rtype::SRV, Rtype::CAA, Rtype(65280), Rtype::HINFO]);
                ("nodata", format!("h{}.hosting.test.", host(rng)), t)
            }
            6 => ("nxdomain", format!("nx{}.hosting.test.", rng.next() % 100_000), Rtype::A),
            7 => {
                let i = 10 * rng.below(HOSTS / 10);
                let name = *rng.pick(&["lvl1", "lvl2.lvl1", "zz.lvl2.lvl1", "zz.lvl1"]);
                ("ent", format!("{name}.d{i}.hosting.test."), Rtype::A)
            }
            8 => {
                let label = rng.next() % 10_000;
                let t = *rng.pick(&[Rtype::A, Rtype::TXT, Rtype::AAAA, Rtype::MX]);
                ("wildcard", format!("q{label}.wild.hosting.test."), t)
            }
            9 => {
                let name = *rng.pick(&[
                    "specific.wild",
                    "*.wild",
                    "y.wild",
                    "z.y.wild",
                    "a.b.wild",
                    "x.y.wild",
                ]);
                ("wildcard-edge", format!("{name}.hosting.test."), Rtype::A)
            }
            10 => ("wildcard-cname", format!("app{}.apps.hosting.test.", rng.below(50)), Rtype::A),
            11 => {
                let i = rng.below(60);
                let name = *rng.pick(&["c", "k", "out", "dangling"]);
                let t = *rng.pick(&[Rtype::A, Rtype::CNAME, Rtype::AAAA]);
                ("cname", format!("{name}{i}.hosting.test."), t)
            }
            12 => {
                let name = match rng.below(4) {
                    0 => format!("n{}.old.hosting.test.", rng.below(40)),
                    1 => format!("nx{}.old.hosting.test.", rng.below(40)),
                    2 => "old.hosting.test.".to_string(),
                    _ => format!("x{}.away.hosting.test.", rng.below(40)),
                };
                let t = *rng.pick(&[Rtype::A, Rtype::DNAME, Rtype::CNAME]);
                ("dname", name, t)
            }
            13..=15 => {
                let i = deleg(rng);
                let name = match rng.below(3) {
                    0 => format!("www.d{i}.tld."),
                    1 => format!("d{i}.tld."),
                    _ => format!("ns1.d{i}.tld."),
                };
                let t = *rng.pick(&[Rtype::A, Rtype::NS, Rtype::AAAA, Rtype::SOA]);
                ("referral", name, t)
            }
            16 | 17 => ("ds", format!("d{}.tld.", deleg(rng)), Rtype::DS),
            18 => ("ds-below", format!("www.d{}.tld.", deleg(rng)), Rtype::DS),
            19 => {
                let (zone, t) = *rng.pick(&[
                    ("hosting.test.", Rtype::SOA),
                    ("tld.", Rtype::SOA),
                    ("hosting.test.", Rtype::MX),
                    ("tld.", Rtype::DS),
                    ("nx.tld.", Rtype::A),
                ]);
                ("apex", zone.to_string(), t)
            }
            20 => {
                let name = *rng.pick(&["ns1.hosting.test.", "tld.", "hosting.test."]);
                ("ns", name.to_string(), Rtype::NS)
            }
            21 => ("hip", format!("hip{}.hosting.test.", rng.below(20)), Rtype::HIP),
            22 => {
                let name = *rng.pick(&["big.hosting.test.", "loop1.hosting.test."]);
                ("big", name.to_string(), *rng.pick(&[Rtype::TXT, Rtype::A]))
            }
            23 => {
                let name = *rng.pick(&["www.example.net.", "net.", "test.", "example."]);
                ("refused", name.to_string(), Rtype::A)
            }
            24 => {
                let name = match rng.below(6) {
                    0 => "hosting.test.".to_string(),
                    1 => format!("q{}.wild.hosting.test.", rng.below(100)),
                    2 => format!("c{}.hosting.test.", rng.below(60)),
                    3 => "lvl1.d0.hosting.test.".to_string(),
                    4 => format!("d{}.tld.", deleg(rng)),
                    _ => format!("h{}.hosting.test.", host(rng)),
                };
                ("any", name, Rtype::ANY)
            }
            26 => {
                let name = *rng.pick(&[
                    "to-deleg.hosting.test.",
                    "to-dname.hosting.test.",
                    "to-wild.hosting.test.",
                    "x.ext.hosting.test.",
                    "lvl1.*.nested.hosting.test.",
                    "x.*.nested.hosting.test.",
                    "lvl1.x.nested.hosting.test.",
                    "*.nested.hosting.test.",
                    "alias-d0.tld.",
                    "alias-d2.tld.",
                    "alias-apex.tld.",
                ]);
                ("cname-mix", name.to_string(), *rng.pick(&[Rtype::A, Rtype::NS, Rtype::DS]))
            }
            27 => {
                let name = *rng.pick(&["www.fat.tld.", "fat.tld.", "www.glueful.tld."]);
                ("big-referral", name.to_string(), *rng.pick(&[Rtype::A, Rtype::NS]))
            }
            28 => {
                let name = format!("h{}.hosting.test.", host(rng));
                match rng.below(4) {
                    0 => ("type0", name, Rtype(0)),
                    _ => ("odd-query", name, *rng.pick(&[Rtype::A, Rtype::RRSIG, Rtype::NSEC])),
                }
            }
            _ => {
                let name = *rng.pick(&["loop1.hosting.test.", "k3.hosting.test."]);
                ("loop", name.to_string(), *rng.pick(&[Rtype::A, Rtype::TXT]))
            }
        };
        let mut qname = qname;
        if rng.below(4) == 0 {
            // QNAME case variants (0x20): the question must come back as sent.
            qname = qname
                .chars()
                .map(|c| if rng.below(2) == 0 { c.to_ascii_uppercase() } else { c })
                .collect();
        }
        let edns = match rng.below(7) {
            0 | 1 => None,
            6 => {
                // Unknown options are ignored (RFC 6891 §6.1.2); version 1 is BADVERS.
                let option = nameward_dns::message::EdnsOption { code: 65_001, data: vec![7; 5] };
                let version = u8::from(rng.below(3) == 0);
                Some(Edns { version, options: vec![option], ..Edns::default() })
            }
            2 => Some(Edns::default()),
            3 => Some(Edns { dnssec_ok: true, ..Edns::default() }),
            4 => Some(Edns { udp_payload: *rng.pick(&[0, 100, 511, 512, 700]), ..Edns::default() }),
            _ => Some(Edns { udp_payload: 4096, dnssec_ok: rng.below(2) == 0, ..Edns::default() }),
        };
        let kind = if edns.as_ref().is_some_and(|e| e.version != 0) { "badvers" } else { kind };
        let id = (rng.next() & 0xFFFF) as u16;
        // Flags a query may carry (RFC 8906 §3.1.3): RD, CD, AD, and the reserved Z bit.
        let flags = rng.next();
        let header = Header {
            id,
            rd: flags & 1 != 0,
            cd: flags & 6 == 6,
            ad: flags & 24 == 24,
            z: flags & 96 == 96,
            ..Header::default()
        };
        let message = Message {
            header,
            questions: vec![Question {
                name: Name::parse(&qname, None).unwrap(),
                qtype,
                qclass: Class::IN,
            }],
            edns,
            ..Message::default()
        };
        cases.push(Case { kind, message });
    }
    cases
}

/// A response reduced to what is compared.
#[derive(Debug, PartialEq, Eq)]
struct View {
    rcode: u16,
    aa: bool,
    tc: bool,
    /// RD, CD, RA, AD and Z.
    flags: u16,
    question: String,
    sections: [BTreeSet<String>; 3],
    opt: Option<(u16, bool)>,
}

const SECTIONS: [&str; 3] = ["answer", "authority", "additional"];

fn view(bytes: &[u8]) -> View {
    let m = Message::decode(bytes, DecodeOptions::STRICT).unwrap();
    let set = |records: &[Record]| -> BTreeSet<String> {
        records.iter().map(|r| r.to_string().to_ascii_lowercase()).collect()
    };
    View {
        rcode: m.rcode(),
        aa: m.header.aa,
        tc: m.header.tc,
        flags: m.header.flags() & 0x01F0,
        question: m.questions.iter().map(|q| format!("{} {}", q.name, q.qtype)).collect(),
        sections: [set(&m.answers), set(&m.authority), set(&m.additional)],
        opt: m.edns.map(|e| (e.udp_payload, e.dnssec_ok)),
    }
}

/// An allowed difference: `peer kind section reason`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Allowed {
    peer: String,
    kind: String,
    section: String,
}

/// One entry per line; `#` starts a comment.
fn allow_list() -> Vec<Allowed> {
    let text = include_str!("differential-allow.txt");
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut words = l.split_whitespace();
            let mut word = || words.next().unwrap().to_string();
            let entry = Allowed { peer: word(), kind: word(), section: word() };
            assert!(words.next().is_some(), "allow-list entry without a reason: {l}");
            entry
        })
        .collect()
}

/// Differences between the two views, keyed by section (or flag) with a description.
fn differences(ours: &View, peer: &View) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if ours.rcode != peer.rcode {
        out.push(("rcode", format!("rcode {} vs {}", ours.rcode, peer.rcode)));
    }
    if ours.aa != peer.aa {
        out.push(("aa", format!("AA {} vs {}", ours.aa, peer.aa)));
    }
    if ours.tc != peer.tc {
        out.push(("tc", format!("TC {} vs {}", ours.tc, peer.tc)));
    }
    if ours.flags != peer.flags {
        out.push(("flags", format!("flags {:#06x} vs {:#06x}", ours.flags, peer.flags)));
    }
    if ours.question != peer.question {
        out.push(("question", format!("{} vs {}", ours.question, peer.question)));
    }
    if ours.opt != peer.opt {
        out.push(("opt", format!("OPT {:?} vs {:?}", ours.opt, peer.opt)));
    }
    for (i, section) in SECTIONS.iter().enumerate() {
        let (a, b) = (&ours.sections[i], &peer.sections[i]);
        if a != b {
            let only_ours: Vec<_> = a.difference(b).collect();
            let only_peer: Vec<_> = b.difference(a).collect();
            out.push((section, format!("only nameward {only_ours:?}; only peer {only_peer:?}")));
        }
    }
    out
}

/// A peer server running as a child process in its own scratch directory.
struct Peer {
    name: &'static str,
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn scratch(peer: &str) -> (PathBuf, u16) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir()
        .join(format!("nameward-differential-{peer}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Free for TCP too: a port free for UDP alone made the peer fail to start now and then.
    (dir, nameward_server::testing::free_port())
}

fn spawn(
    name: &'static str,
    program: &str,
    args: &[&std::ffi::OsStr],
    dir: PathBuf,
    port: u16,
) -> Peer {
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    Peer { name, child, dir, port }
}

/// Knot with one UDP worker; HIP in RFC 3597 form.
fn start_knot(zones: &[ZoneText]) -> Peer {
    let (dir, port) = scratch("knot");
    let d = dir.display();
    let mut conf = format!(
        "server:\n    listen: 127.0.0.1@{port}\n    rundir: {d}\n    udp-workers: 1\n    \
         tcp-workers: 1\n    background-workers: 1\n\
         database:\n    storage: {d}\n\
         log:\n  - target: stderr\n    any: warning\n\
         template:\n  - id: default\n    storage: {d}\n    file: \"%s.zone\"\n    \
         zonefile-sync: -1\n    journal-content: none\n    semantic-checks: off\n\
         zone:\n"
    );
    for zone in zones {
        std::fs::write(dir.join(format!("{}zone", zone.origin)), &zone.knot).unwrap();
        writeln!(conf, "  - domain: {}", zone.origin).unwrap();
    }
    let conf_path = dir.join("knot.conf");
    std::fs::write(&conf_path, conf).unwrap();
    spawn("knot", "knotd", &["-c".as_ref(), conf_path.as_os_str()], dir, port)
}

/// NSD with one server process, minimal responses and no rate limit; HIP in RFC 3597 form
/// (NSD 4.6's zone parser does not know the mnemonic).
fn start_nsd(zones: &[ZoneText]) -> Peer {
    let (dir, port) = scratch("nsd");
    let d = dir.display();
    let mut conf = format!(
        "server:\n    ip-address: 127.0.0.1@{port}\n    server-count: 1\n    zonesdir: {d}\n    \
         database: \"\"\n    pidfile: {d}/nsd.pid\n    zonelistfile: {d}/zone.list\n    \
         xfrdfile: {d}/xfrd.state\n    xfrdir: {d}\n    username: \"\"\n    chroot: \"\"\n    \
         logfile: {d}/nsd.log\n    verbosity: 0\n    minimal-responses: yes\n    \
         rrl-ratelimit: 0\n    rrl-whitelist-ratelimit: 0\n\
         remote-control:\n    control-enable: no\n"
    );
    for zone in zones {
        let file = format!("{}zone", zone.origin);
        std::fs::write(dir.join(&file), &zone.knot).unwrap();
        writeln!(conf, "zone:\n    name: {}\n    zonefile: {file}", zone.origin).unwrap();
    }
    let conf_path = dir.join("nsd.conf");
    std::fs::write(&conf_path, conf).unwrap();
    spawn("nsd", "nsd", &["-d".as_ref(), "-c".as_ref(), conf_path.as_os_str()], dir, port)
}

/// Sends `query` to a peer, retrying on timeout.
fn ask_peer(socket: &UdpSocket, port: u16, query: &[u8]) -> Option<Vec<u8>> {
    let mut buf = [0u8; 65535];
    for _ in 0..3 {
        socket.send_to(query, ("127.0.0.1", port)).ok()?;
        while let Ok(len) = socket.recv(&mut buf) {
            // A late answer to an earlier try of another query is skipped.
            if buf.get(..2) == query.get(..2) {
                return Some(buf[..len].to_vec());
            }
        }
    }
    None
}

/// Waits until the peer answers the SOA of every zone authoritatively.
fn wait_for(socket: &UdpSocket, peer: &Peer, zones: &[ZoneText]) {
    let deadline = Instant::now() + Duration::from_secs(20);
    for zone in zones {
        loop {
            if Instant::now() > deadline {
                let log = std::fs::read_to_string(peer.dir.join("nsd.log")).unwrap_or_default();
                panic!("{} did not load {} in time\n{log}", peer.name, zone.origin);
            }
            let q = Message {
                header: Header { id: 7, ..Header::default() },
                questions: vec![Question {
                    name: Name::parse(zone.origin, None).unwrap(),
                    qtype: Rtype::SOA,
                    qclass: Class::IN,
                }],
                ..Message::default()
            };
            if let Some(r) = ask_peer(socket, peer.port, &q.encode())
                && let Ok(m) = Message::decode(&r, DecodeOptions::STRICT)
                && m.header.aa
                && m.answers.len() == 1
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// True when `program` is installed (see [`nameward_peer`]).
fn present(program: &str, package: &str) -> bool {
    nameward_peer::program(&format!("the differential test against {program}"), program, package)
}

fn load_ours(zones: &[ZoneText]) -> Zones {
    let mut set = Zones::new();
    for zone in zones {
        let origin = Name::parse(zone.origin, None).unwrap();
        let loaded = Zone::from_text(&origin, zone.origin, &zone.ours);
        set.insert(Arc::new(loaded.unwrap_or_else(|e| panic!("{e}"))));
    }
    set
}

/// Runs every case against `peer`; returns the unexplained differences, counting the allowed.
fn compare(
    ours: &Zones,
    peer: &Peer,
    zones: &[ZoneText],
    cases: &[Case],
    allow: &[Allowed],
    used: &mut BTreeMap<Allowed, usize>,
) -> Vec<String> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    wait_for(&socket, peer, zones);
    let mut unexplained = Vec::new();
    let mut out = ResponseBuffer::new(Transport::Udp);
    for case in cases {
        let bytes = case.message.encode();
        let question = &case.message.questions[0];
        let Outcome::Response(_) = answer(ours, &bytes, &mut out) else {
            panic!("no response from nameward to {question}");
        };
        let ours_view = view(out.as_bytes());
        let peer_bytes = ask_peer(&socket, peer.port, &bytes)
            .unwrap_or_else(|| panic!("no response from {} to {question}", peer.name));
        let peer_view = view(&peer_bytes);
        for (section, what) in differences(&ours_view, &peer_view) {
            let key = Allowed {
                peer: peer.name.to_string(),
                kind: case.kind.to_string(),
                section: section.to_string(),
            };
            if allow.contains(&key) {
                *used.entry(key).or_default() += 1;
            } else {
                let edns =
                    case.message.edns.as_ref().map(|e| (e.udp_payload, e.dnssec_ok, e.version));
                unexplained.push(format!(
                    "{} {question} [{}] edns={edns:?}: {section}: {what}",
                    peer.name, case.kind
                ));
            }
        }
    }
    unexplained
}

#[test]
fn answers_match_knot_and_nsd() {
    let peers: Vec<fn(&[ZoneText]) -> Peer> = [
        present("knotd", "knot").then_some(start_knot as fn(&[ZoneText]) -> Peer),
        present("nsd", "nsd").then_some(start_nsd as fn(&[ZoneText]) -> Peer),
    ]
    .into_iter()
    .flatten()
    .collect();
    if peers.is_empty() {
        return;
    }
    let mut zone_texts = vec![hosting_zone(), tld_zone()];
    let mut cases = queries(&mut Rng(0x6e61_6d65_7761_7264));
    let signed_ran = signing::tools_present("the differential test of signed zones");
    if signed_ran {
        zone_texts.extend(SIGNED.iter().map(|&(origin, chain)| signed_zone(origin, chain)));
        cases.extend(signed_queries(&mut Rng(0x7369_676e_6564)));
    }
    let ours = load_ours(&zone_texts);
    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for case in &cases {
        *per_kind.entry(case.kind).or_default() += 1;
    }
    let allow = allow_list();
    let mut used = BTreeMap::new();
    let mut unexplained = Vec::new();
    let mut compared = Vec::new();
    for start in peers {
        let peer = start(&zone_texts);
        unexplained.extend(compare(&ours, &peer, &zone_texts, &cases, &allow, &mut used));
        compared.push(peer.name);
    }
    let mut report = format!("compared {} queries with {compared:?}: {per_kind:?}\n", cases.len());
    for (key, count) in &used {
        writeln!(report, "  allowed {} {} {}: {count}", key.peer, key.kind, key.section).unwrap();
    }
    let _ = writeln!(std::io::stderr(), "{report}");
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences (first 40):\n{}",
        unexplained.len(),
        unexplained.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    let unused: Vec<_> = allow
        .iter()
        .filter(|k| !used.contains_key(*k) && compared.contains(&k.peer.as_str()))
        .filter(|k| signed_ran || !k.kind.starts_with("sig-"))
        .collect();
    assert!(unused.is_empty(), "allow-list entries no query needed: {unused:?}");
}
