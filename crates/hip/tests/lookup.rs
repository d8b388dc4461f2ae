//! The RFC 5205 §3 lookup: the procedure driven without sockets, response matching, and the
//! UDP/TCP transport against a scripted server on the loopback interface.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::time::Duration;

use nameward_dns::message::rcode;
use nameward_dns::rdata::hip::Hip;
use nameward_dns::rdata::{RecordData, rfc1035};
use nameward_dns::{Class, Header, Message, Name, Question, Record, Rtype};
use nameward_hip::OrchidVersion;
use nameward_hip::lookup::{
    ClientError, Fallback, Lookup, LookupError, Outcome, Procedure, Received, ResolverConfig,
    match_response, resolve,
};

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

fn hip(rvs: &[&str]) -> Hip {
    // The RFC 8032 §7.1 test 1 Ed25519 public key and its ORCHID v2.
    let key: Vec<u8> = (0..32)
        .map(|i| {
            u8::from_str_radix(
                &"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
                    [i * 2..i * 2 + 2],
                16,
            )
            .unwrap()
        })
        .collect();
    let hit = nameward_hip::orchid_v2(4, &key).unwrap().to_vec();
    Hip {
        algorithm: 4,
        hit,
        public_key: key,
        rendezvous_servers: rvs.iter().map(|n| name(n)).collect(),
    }
}

fn record(owner: &str, data: RecordData) -> Record {
    Record { owner: name(owner), class: Class::IN, ttl: 300, data }
}

fn a(owner: &str, last: u8) -> Record {
    record(owner, RecordData::A(rfc1035::A { address: Ipv4Addr::new(192, 0, 2, last) }))
}

fn aaaa(owner: &str, last: u16) -> Record {
    record(
        owner,
        RecordData::Aaaa(nameward_dns::rdata::Aaaa {
            address: Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, last),
        }),
    )
}

fn response(q: &Question, code: u16, answers: Vec<Record>, additional: Vec<Record>) -> Message {
    Message {
        header: Header { id: 1, qr: true, aa: true, rcode: code as u8, ..Header::default() },
        questions: vec![q.clone()],
        answers,
        additional,
        ..Message::default()
    }
}

/// A scripted server: answers each question from `zone`, with the additional section `extra`
/// for HIP questions. Returns the lookup and the questions asked.
fn drive(
    target: &str,
    fallback: Fallback,
    zone: &[Record],
    nxdomain: &[&str],
    extra: &[Record],
) -> (Lookup, Vec<Question>) {
    let mut procedure = Procedure::new(name(target), fallback);
    let mut asked = Vec::new();
    while let Some(q) = procedure.next_query() {
        asked.push(q.clone());
        assert!(asked.len() < 20, "runaway lookup: {asked:?}");
        let code = if nxdomain.iter().any(|n| name(n) == q.name) {
            rcode::NXDOMAIN
        } else {
            rcode::NOERROR
        };
        let answers: Vec<Record> =
            zone.iter().filter(|r| r.owner == q.name && r.rtype() == q.qtype).cloned().collect();
        let additional = if q.qtype == Rtype::HIP { extra.to_vec() } else { Vec::new() };
        procedure.receive(&q, &response(&q, code, answers, additional)).unwrap();
    }
    let lookup = procedure.finish();
    assert_eq!(lookup.queries, asked.len());
    (lookup, asked)
}

fn types(asked: &[Question]) -> Vec<String> {
    asked.iter().map(|q| format!("{} {}", q.name, q.qtype)).collect()
}

#[test]
fn nxdomain_asks_exactly_once() {
    for fallback in [Fallback::Ip, Fallback::None] {
        let (lookup, asked) = drive("gone.example.", fallback, &[], &["gone.example."], &[]);
        assert_eq!(lookup.outcome, Outcome::NxDomain);
        assert_eq!(types(&asked), ["gone.example. HIP"]);
        assert!(lookup.addresses.is_empty() && lookup.records.is_empty());
    }
}

#[test]
fn nodata_falls_back_to_addresses_when_allowed() {
    let zone = [a("plain.example.", 1), aaaa("plain.example.", 1)];
    let (lookup, asked) = drive("plain.example.", Fallback::Ip, &zone, &[], &[]);
    assert_eq!(lookup.outcome, Outcome::NoDataFallback);
    assert_eq!(types(&asked), ["plain.example. HIP", "plain.example. A", "plain.example. AAAA"]);
    assert_eq!(
        lookup.addresses,
        [IpAddr::from([192, 0, 2, 1]), "2001:db8::1".parse::<IpAddr>().unwrap()]
    );

    let (lookup, asked) = drive("plain.example.", Fallback::None, &zone, &[], &[]);
    assert_eq!(lookup.outcome, Outcome::NoData);
    assert_eq!(asked.len(), 1);
    assert!(lookup.addresses.is_empty());
}

#[test]
fn hip_without_rvs_uses_the_hosts_own_addresses() {
    let zone = [
        record("host.example.", RecordData::Hip(hip(&[]))),
        a("host.example.", 7),
        // The owner named as its own rendezvous server is the same as naming none.
    ];
    let (lookup, asked) = drive("host.example.", Fallback::None, &zone, &[], &[]);
    assert_eq!(lookup.outcome, Outcome::Hip);
    assert_eq!(types(&asked), ["host.example. HIP", "host.example. A", "host.example. AAAA"]);
    assert_eq!(lookup.records[0].hit_matches, Some(OrchidVersion::V2));
    assert!(lookup.records[0].rvs.is_empty());
    assert_eq!(lookup.addresses, [IpAddr::from([192, 0, 2, 7])]);
    assert!(lookup.all_hits_match());

    let zone =
        [record("host.example.", RecordData::Hip(hip(&["host.example."]))), a("host.example.", 7)];
    let (lookup, _) = drive("host.example.", Fallback::None, &zone, &[], &[]);
    assert!(lookup.records[0].rvs.is_empty());
    assert_eq!(lookup.addresses, [IpAddr::from([192, 0, 2, 7])]);
}

#[test]
fn rvs_addresses_are_queried_in_record_order() {
    let zone = [
        record("mobile.example.", RecordData::Hip(hip(&["rvs2.example.", "rvs1.example."]))),
        a("mobile.example.", 99),
        a("rvs1.example.", 1),
        aaaa("rvs2.example.", 2),
        a("rvs2.example.", 2),
    ];
    let (lookup, asked) = drive("mobile.example.", Fallback::Ip, &zone, &[], &[]);
    assert_eq!(
        types(&asked),
        [
            "mobile.example. HIP",
            "rvs2.example. A",
            "rvs2.example. AAAA",
            "rvs1.example. A",
            "rvs1.example. AAAA"
        ]
    );
    let rvs = &lookup.records[0].rvs;
    assert_eq!(
        (rvs[0].name.clone(), rvs[1].name.clone()),
        (name("rvs2.example."), name("rvs1.example."))
    );
    assert!(!rvs[0].from_additional);
    // I1 goes to the rendezvous servers, never to the host's own address.
    assert_eq!(
        lookup.addresses,
        [
            IpAddr::from([192, 0, 2, 2]),
            "2001:db8::2".parse::<IpAddr>().unwrap(),
            IpAddr::from([192, 0, 2, 1])
        ]
    );
}

#[test]
fn rvs_addresses_from_the_additional_section_are_not_queried() {
    let zone = [record("mobile.example.", RecordData::Hip(hip(&["rvs.example."])))];
    let extra = [a("rvs.example.", 5), aaaa("rvs.example.", 5)];
    let (lookup, asked) = drive("mobile.example.", Fallback::Ip, &zone, &[], &extra);
    assert_eq!(asked.len(), 1);
    assert!(lookup.records[0].rvs[0].from_additional);
    assert_eq!(lookup.addresses.len(), 2);
    // An RVS name that does not exist leaves it without addresses, not the lookup failed.
    let (lookup, asked) = drive("mobile.example.", Fallback::Ip, &zone, &["rvs.example."], &[]);
    assert_eq!(asked.len(), 3);
    assert!(lookup.records[0].rvs[0].addresses.is_empty());
}

#[test]
fn tampered_hit_is_reported() {
    let mut tampered = hip(&[]);
    tampered.hit[15] ^= 1;
    let zone = [
        record("host.example.", RecordData::Hip(hip(&[]))),
        record("host.example.", RecordData::Hip(tampered)),
    ];
    let (lookup, _) = drive("host.example.", Fallback::Ip, &zone, &[], &[]);
    assert_eq!(lookup.records.len(), 2);
    assert_eq!(lookup.records[0].hit_matches, Some(OrchidVersion::V2));
    assert_eq!(lookup.records[1].hit_matches, None);
    assert!(!lookup.all_hits_match());
}

#[test]
fn errors_and_unasked_responses() {
    let mut procedure = Procedure::new(name("host.example."), Fallback::Ip);
    let q = procedure.next_query().unwrap();
    // Until answered, the same question comes back and is not counted twice.
    assert_eq!(procedure.next_query(), Some(q.clone()));
    let other = Question { name: name("other.example."), qtype: Rtype::HIP, qclass: Class::IN };
    let error = procedure.receive(&other, &response(&other, 0, vec![], vec![])).unwrap_err();
    assert!(matches!(error, LookupError::Unexpected(_)), "{error}");
    let error = procedure.receive(&q, &response(&q, rcode::SERVFAIL, vec![], vec![])).unwrap_err();
    assert!(error.to_string().contains("RCODE 2 (SERVFAIL)"), "{error}");
}

fn hip_question(owner: &str) -> Question {
    Question { name: name(owner), qtype: Rtype::HIP, qclass: Class::IN }
}

#[test]
fn responses_must_match_id_and_question() {
    let q = hip_question("host.example.");
    let mut good =
        response(&q, 0, vec![record("host.example.", RecordData::Hip(hip(&[])))], vec![]);
    good.header.id = 7;
    assert!(matches!(match_response(7, &q, &good.encode()), Received::Answer(_)));
    assert!(
        matches!(match_response(8, &q, &good.encode()), Received::Ignored(r) if r.contains("ID 7"))
    );
    let wrong = hip_question("evil.example.");
    assert!(
        matches!(match_response(7, &wrong, &good.encode()), Received::Ignored(r) if r.contains("question"))
    );
    let a_question = Question { qtype: Rtype::A, ..q.clone() };
    assert!(matches!(match_response(7, &a_question, &good.encode()), Received::Ignored(_)));
    let mut query = good.clone();
    query.header.qr = false;
    assert!(matches!(match_response(7, &q, &query.encode()), Received::Ignored(_)));
    let mut truncated = good.clone();
    truncated.header.tc = true;
    assert_eq!(match_response(7, &q, &truncated.encode()), Received::Truncated);
    // Cut mid-record, with TC set: still a reason to retry over TCP.
    let bytes = truncated.encode();
    assert_eq!(match_response(7, &q, &bytes[..bytes.len() - 5]), Received::Truncated);
    assert!(matches!(match_response(7, &q, &[0, 7]), Received::Ignored(_)));
}

/// A HIP response whose RVS name is a compression pointer to the question name.
fn compressed_rvs_response(id: u16) -> Vec<u8> {
    let h = hip(&[]);
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]);
    m.extend_from_slice(name("host.example.").as_wire());
    m.extend_from_slice(&[0, 55, 0, 1]);
    m.extend_from_slice(&[0xC0, 12, 0, 55, 0, 1, 0, 0, 1, 0]);
    let rdlength = 4 + h.hit.len() + h.public_key.len() + 2;
    m.extend_from_slice(&(rdlength as u16).to_be_bytes());
    m.extend_from_slice(&[h.hit.len() as u8, 4, 0, h.public_key.len() as u8]);
    m.extend_from_slice(&h.hit);
    m.extend_from_slice(&h.public_key);
    m.extend_from_slice(&[0xC0, 12]);
    m
}

#[test]
fn compressed_rvs_names_are_read_leniently() {
    let q = hip_question("host.example.");
    let Received::Answer(message) = match_response(9, &q, &compressed_rvs_response(9)) else {
        panic!("compressed RVS refused")
    };
    let RecordData::Hip(h) = &message.answers[0].data else { panic!() };
    assert_eq!(h.rendezvous_servers, [name("host.example.")]);
}

/// What the scripted server does with each UDP query.
#[derive(Clone, Copy)]
enum Script {
    /// Send a response with the wrong ID, then one with the wrong question, then the answer.
    SpoofFirst,
    /// Answer with TC over UDP; answer fully over TCP.
    Truncate,
    /// Never answer.
    Silent,
}

/// Serves one lookup of `host.example.` (one HIP record, no RVS, one A record) on a loopback
/// port, UDP and TCP.
fn scripted_server(script: Script) -> SocketAddr {
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = udp.local_addr().unwrap();
    let tcp = TcpListener::bind(addr).unwrap();
    let answer = |q: &Question, id: u16| {
        let answers = match q.qtype {
            Rtype::HIP => vec![record("host.example.", RecordData::Hip(hip(&[])))],
            Rtype::A => vec![a("host.example.", 3)],
            _ => vec![],
        };
        let mut m = response(q, 0, answers, vec![]);
        m.header.id = id;
        m
    };
    std::thread::spawn(move || {
        let mut buffer = [0u8; 4096];
        while let Ok((len, peer)) = udp.recv_from(&mut buffer) {
            let query = Message::decode(&buffer[..len], Default::default()).unwrap();
            let q = query.questions[0].clone();
            let id = query.header.id;
            match script {
                Script::SpoofFirst => {
                    let spoof = answer(&q, id.wrapping_add(1));
                    udp.send_to(&spoof.encode(), peer).unwrap();
                    let mut other = answer(&hip_question("evil.example."), id);
                    other.answers.clear();
                    udp.send_to(&other.encode(), peer).unwrap();
                    udp.send_to(&answer(&q, id).encode(), peer).unwrap();
                }
                Script::Truncate => {
                    let mut m = answer(&q, id);
                    m.answers.clear();
                    m.header.tc = true;
                    udp.send_to(&m.encode(), peer).unwrap();
                }
                Script::Silent => {}
            }
        }
    });
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in tcp.incoming() {
            let mut stream = stream.unwrap();
            let mut len = [0u8; 2];
            stream.read_exact(&mut len).unwrap();
            let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
            stream.read_exact(&mut query).unwrap();
            let query = Message::decode(&query, Default::default()).unwrap();
            let bytes = answer(&query.questions[0], query.header.id).encode();
            stream.write_all(&(bytes.len() as u16).to_be_bytes()).unwrap();
            stream.write_all(&bytes).unwrap();
        }
    });
    addr
}

fn config(server: SocketAddr) -> ResolverConfig {
    ResolverConfig {
        timeout: Duration::from_millis(1500),
        retries: 0,
        ..ResolverConfig::new(server)
    }
}

#[test]
fn spoofed_datagrams_are_ignored() {
    let server = scripted_server(Script::SpoofFirst);
    let lookup = resolve(&name("host.example."), &config(server)).unwrap();
    assert_eq!(lookup.outcome, Outcome::Hip);
    assert_eq!(lookup.queries, 3);
    assert_eq!(lookup.addresses, [IpAddr::from([192, 0, 2, 3])]);
}

#[test]
fn truncated_answers_are_asked_again_over_tcp() {
    let server = scripted_server(Script::Truncate);
    let lookup = resolve(&name("host.example."), &config(server)).unwrap();
    assert_eq!(lookup.outcome, Outcome::Hip);
    assert_eq!(lookup.records[0].hit_matches, Some(OrchidVersion::V2));
    assert_eq!(lookup.queries, 3);
}

#[test]
fn silence_times_out_after_the_retries() {
    let server = scripted_server(Script::Silent);
    let config =
        ResolverConfig { timeout: Duration::from_millis(200), retries: 2, ..config(server) };
    let started = std::time::Instant::now();
    let error = resolve(&name("host.example."), &config).unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert!(
        matches!(error, LookupError::Client(ClientError::Timeout { attempts: 3, .. })),
        "{error}"
    );
    assert!(error.to_string().contains("host.example. HIP"), "{error}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_datagrams_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let q = hip_question("host.example.");
            let id = u16::from_be_bytes([bytes.first().copied().unwrap_or(0), bytes.get(1).copied().unwrap_or(0)]);
            let _ = match_response(id, &q, &bytes);
        }

        #[test]
        fn damaged_responses_never_panic(at in 0usize..200, byte in any::<u8>()) {
            let mut bytes = compressed_rvs_response(9);
            let at = at % bytes.len();
            bytes[at] = byte;
            let q = hip_question("host.example.");
            if let Received::Answer(message) = match_response(9, &q, &bytes) {
                // Whatever decodes is something the procedure can take.
                let mut procedure = Procedure::new(name("host.example."), Fallback::Ip);
                let asked = procedure.next_query().unwrap();
                let _ = procedure.receive(&asked, &message);
            }
        }
    }
}
