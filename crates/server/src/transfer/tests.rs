//! One test per transfer rule (RFC 5936, 1995, 1996, 8945), responses decoded with
//! nameward-dns.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use nameward_dns::message::{opcode, rcode};
use nameward_dns::rdata::RecordData;
use nameward_dns::rdata::rfc1035::Soa;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, Record, Rtype};

use super::tsig::{
    self, Algorithm, Key, KeyRing, SignParams, StreamVerifier, TsigError, error as tsig_error,
};
use super::*;
use crate::Incoming;
use crate::{Transport, Zone, Zones};

const NOW: u64 = 1_790_000_000;
const SECRET: &str = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA==";

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

fn zone_text(serial: u32, extra: &str) -> String {
    format!(
        "$TTL 3600
@      SOA   ns1 hostmaster {serial} 7200 3600 1209600 300
@      NS    ns1
ns1    A     192.0.2.1
www    A     192.0.2.10
www    TXT   \"hello\"
sub    NS    ns.sub
ns.sub A     192.0.2.40
{extra}"
    )
}

fn zone(serial: u32, extra: &str) -> Arc<Zone> {
    Arc::new(Zone::from_text(&name("example."), "test", &zone_text(serial, extra)).unwrap())
}

fn zones(zone: &Arc<Zone>) -> Zones {
    let mut zones = Zones::new();
    zones.insert(Arc::clone(zone));
    zones
}

fn key() -> Key {
    Key::from_base64(&name("XFR.Key."), Algorithm::HmacSha256, SECRET).unwrap()
}

fn config(transfer: Acl) -> TransferConfig {
    let mut keys = KeyRing::new();
    keys.insert(key());
    let policy = ZonePolicy { transfer: transfer.clone(), notify_from: transfer, notify: vec![] };
    TransferConfig {
        keys,
        policies: HashMap::from([(name("example."), policy)]),
        ..Default::default()
    }
}

fn loopback() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

fn query(qtype: Rtype, client_serial: Option<u32>) -> Message {
    let authority = client_serial
        .map(|serial| Record {
            owner: name("example."),
            class: Class::IN,
            ttl: 0,
            data: soa_data(serial),
        })
        .into_iter()
        .collect();
    Message {
        header: Header { id: 0x4242, rd: false, ..Header::default() },
        questions: vec![Question { name: name("example."), qtype, qclass: Class::IN }],
        authority,
        ..Message::default()
    }
}

fn soa_data(serial: u32) -> RecordData {
    RecordData::Soa(Soa {
        mname: name("ns1.example."),
        rname: name("hostmaster.example."),
        serial,
        refresh: 1,
        retry: 1,
        expire: 1,
        minimum: 1,
    })
}

fn run(
    zones: &Zones,
    journals: &Journals,
    config: &TransferConfig,
    bytes: &[u8],
    transport: Transport,
) -> (TransferSummary, Vec<Vec<u8>>) {
    // A message shorter than a header has no view: the network layer sends nothing.
    let Some(message) = Incoming::parse(bytes) else {
        return (TransferStream::empty().summary(), Vec::new());
    };
    let request = Request { message: &message, client: loopback(), transport, now: NOW };
    let stream = respond_transfer(zones, journals, config, &request);
    let summary = stream.summary();
    (summary, stream.collect())
}

fn decode(bytes: &[u8]) -> Message {
    Message::decode(bytes, DecodeOptions::STRICT).unwrap()
}

/// Every record of a zone in transfer order, the SOA first and last.
fn expected_axfr(zone: &Zone) -> Vec<Record> {
    let soa = zone.soa().unwrap();
    let mut records = vec![soa.clone()];
    records.extend(zone.records().filter(|r| r.rtype() != Rtype::SOA));
    records.push(soa);
    records
}

#[test]
fn axfr_sends_soa_first_and_last_and_every_record_once() {
    let z = zone(1, "");
    let (summary, messages) = run(
        &zones(&z),
        &Journals::default(),
        &config(Acl::any()),
        &query(Rtype::AXFR, None).encode(),
        Transport::Tcp,
    );
    assert_eq!(summary, TransferSummary { rcode: rcode::NOERROR, kind: TransferKind::Full });
    assert_eq!(messages.len(), 1);
    let m = decode(&messages[0]);
    assert!(m.header.qr && m.header.aa && !m.header.tc);
    assert_eq!(m.header.id, 0x4242);
    assert_eq!(m.questions.len(), 1);
    assert_eq!(m.answers, expected_axfr(&z));
    assert_eq!(m.answers.len(), 8);
}

#[test]
fn axfr_fills_messages_to_64k_question_in_first_only() {
    let extra: String = (0..3000)
        .map(|i| format!("host{i} A 198.51.100.{}\nhost{i} TXT \"{}\"\n", i % 250, "x".repeat(40)))
        .collect();
    let z = zone(7, &extra);
    let (_, messages) = run(
        &zones(&z),
        &Journals::default(),
        &config(Acl::any()),
        &query(Rtype::AXFR, None).encode(),
        Transport::Tcp,
    );
    assert!(messages.len() >= 3, "{} messages", messages.len());
    let mut records = Vec::new();
    for (i, bytes) in messages.iter().enumerate() {
        assert!(bytes.len() <= 65535);
        let m = decode(bytes);
        assert_eq!(m.header.id, 0x4242);
        assert!(m.header.aa);
        assert_eq!(m.questions.len(), usize::from(i == 0), "message {i}");
        if i + 1 < messages.len() {
            // Full: the next record would not have fitted.
            assert!(bytes.len() > 65535 - 200, "message {i} only {} octets", bytes.len());
        }
        records.extend(m.answers);
    }
    assert_eq!(records, expected_axfr(&z));
    // Owners are compressed: far smaller than written out.
    let plain: usize =
        records.iter().map(|r| r.owner.wire_len() + 10 + r.data.to_wire().len()).sum();
    let sent: usize = messages.iter().map(Vec::len).sum();
    assert!(sent < plain * 9 / 10, "sent {sent} of {plain}");
}

#[test]
fn transfer_refusals() {
    let z = zone(1, "");
    let zs = zones(&z);
    let j = Journals::default();
    let axfr = query(Rtype::AXFR, None).encode();
    let rcode_of = |messages: &[Vec<u8>]| {
        assert_eq!(messages.len(), 1);
        let m = decode(&messages[0]);
        assert!(m.answers.is_empty());
        m.rcode()
    };
    // ACL says no.
    let (s, m) = run(&zs, &j, &config(Acl::default()), &axfr, Transport::Tcp);
    assert_eq!((s.rcode, rcode_of(&m)), (rcode::REFUSED, rcode::REFUSED));
    // No policy for the zone at all.
    let (_, m) = run(&zs, &j, &TransferConfig::default(), &axfr, Transport::Tcp);
    assert_eq!(rcode_of(&m), rcode::REFUSED);
    // A zone we do not serve, or a name below the apex.
    for qname in ["example.org.", "www.example."] {
        let mut q = query(Rtype::AXFR, None);
        q.questions[0].name = name(qname);
        let (_, m) = run(&zs, &j, &config(Acl::any()), &q.encode(), Transport::Tcp);
        assert_eq!(rcode_of(&m), rcode::NOTAUTH, "{qname}");
    }
    // AXFR over UDP is not defined (RFC 5936 §4.2).
    let (_, m) = run(&zs, &j, &config(Acl::any()), &axfr, Transport::Udp);
    assert_eq!(rcode_of(&m), rcode::NOTIMP);
    // IXFR without the client's SOA.
    let (_, m) =
        run(&zs, &j, &config(Acl::any()), &query(Rtype::IXFR, None).encode(), Transport::Tcp);
    assert_eq!(rcode_of(&m), rcode::FORMERR);
    // Garbage after the header.
    let mut bad = axfr.clone();
    bad.truncate(20);
    let (_, m) = run(&zs, &j, &config(Acl::any()), &bad, Transport::Tcp);
    assert_eq!(rcode_of(&m), rcode::FORMERR);
    // A response, or less than a header: nothing at all.
    let mut response = axfr.clone();
    response[2] |= 0x80;
    assert!(run(&zs, &j, &config(Acl::any()), &response, Transport::Tcp).1.is_empty());
    assert!(run(&zs, &j, &config(Acl::any()), &axfr[..5], Transport::Tcp).1.is_empty());
}

#[test]
fn acl_by_key_needs_a_signed_request() {
    let z = zone(1, "");
    let acl = Acl { rules: vec![Rule { network: None, key: Some(name("xfr.key.")) }] };
    let mut unsigned = query(Rtype::AXFR, None).encode();
    let (s, _) =
        run(&zones(&z), &Journals::default(), &config(acl.clone()), &unsigned, Transport::Tcp);
    assert_eq!(s.rcode, rcode::REFUSED);
    tsig::sign(&mut unsigned, &key(), &SignParams::request(NOW));
    let (s, messages) =
        run(&zones(&z), &Journals::default(), &config(acl), &unsigned, Transport::Tcp);
    assert_eq!(s.kind, TransferKind::Full);
    assert!(tsig::split(&messages[0]).unwrap().is_some());
}

/// Applies an IXFR answer (RFC 1995 §4) to `records`.
pub(super) fn apply_ixfr(mut records: Vec<Record>, answers: &[Record]) -> Vec<Record> {
    let is_soa = |r: &Record| r.rtype() == Rtype::SOA;
    assert!(is_soa(&answers[0]) && is_soa(answers.last().unwrap()));
    let body = &answers[1..answers.len() - 1];
    let mut deleting = false;
    for r in body {
        if is_soa(r) {
            deleting = !deleting;
            continue;
        }
        if deleting {
            let at = records
                .iter()
                .position(|x| x == r)
                .unwrap_or_else(|| panic!("deleting absent {r}"));
            records.remove(at);
        } else {
            records.push(r.clone());
        }
    }
    records
}

pub(super) fn sorted(mut records: Vec<Record>) -> Vec<String> {
    let mut v: Vec<String> =
        records.drain(..).filter(|r| r.rtype() != Rtype::SOA).map(|r| r.to_string()).collect();
    v.sort();
    v
}

fn ixfr_answers(zs: &Zones, j: &Journals, serial: u32) -> (TransferSummary, Vec<Record>) {
    let (s, messages) =
        run(zs, j, &config(Acl::any()), &query(Rtype::IXFR, Some(serial)).encode(), Transport::Tcp);
    (s, messages.iter().flat_map(|m| decode(m).answers).collect())
}

#[test]
fn ixfr_condenses_several_reloads() {
    let v1 = zone(1, "gone A 192.0.2.99\n");
    let v2 = zone(2, "new A 192.0.2.77\ntemp A 192.0.2.88\n");
    let v3 = zone(3, "new A 192.0.2.77\nwww A 192.0.2.11\n");
    let mut j = Journals::new(JournalLimits::default());
    assert_eq!(j.update(&v1, &v2), JournalUpdate::Recorded { deleted: 1, added: 2 });
    assert_eq!(j.update(&v2, &v3), JournalUpdate::Recorded { deleted: 1, added: 1 });
    let zs = zones(&v3);

    let (s, answers) = ixfr_answers(&zs, &j, 1);
    assert_eq!(s.kind, TransferKind::Incremental);
    // current SOA, old SOA, deletions, new SOA, additions, current SOA.
    let serials: Vec<u32> = answers
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Soa(s) => Some(s.serial),
            _ => None,
        })
        .collect();
    assert_eq!(serials, [3, 1, 3, 3]);
    // `temp` came and went between 1 and 3: condensed away.
    assert!(!answers.iter().any(|r| r.owner == name("temp.example.")));
    let v1_records: Vec<Record> = v1.records().collect();
    assert_eq!(sorted(apply_ixfr(v1_records, &answers)), sorted(v3.records().collect()));

    let (_, answers) = ixfr_answers(&zs, &j, 2);
    assert_eq!(
        sorted(apply_ixfr(v2.records().collect(), &answers)),
        sorted(v3.records().collect())
    );

    // Up to date, or newer than us: our SOA alone.
    for serial in [3, 4] {
        let (s, answers) = ixfr_answers(&zs, &j, serial);
        assert_eq!(s.kind, TransferKind::SoaOnly);
        assert_eq!(answers, vec![v3.soa().unwrap()]);
    }
    // Unknown to the journal: the whole zone, AXFR-style (RFC 1995 §4).
    let (s, answers) = ixfr_answers(&zs, &j, 0);
    assert_eq!(s.kind, TransferKind::Full);
    assert_eq!(answers, expected_axfr(&v3));
}

#[test]
fn journal_is_bounded_and_reset_by_odd_serials() {
    let versions: Vec<Arc<Zone>> =
        (1..=5).map(|s| zone(s, &format!("v{s} A 192.0.2.{s}\n"))).collect();
    let mut j = Journal::new(JournalLimits { max_versions: 2, max_bytes: 1 << 20 });
    for pair in versions.windows(2) {
        j.update(&pair[0], &pair[1]);
    }
    assert_eq!(j.len(), 2);
    assert!(j.since(1).is_none() && j.since(2).is_none());
    assert_eq!(j.since(3).unwrap().to_serial(), 5);
    // A byte cap smaller than two differences keeps one.
    let one = j.diffs().next().unwrap().clone();
    let size = one.deleted.len() + one.added.len();
    assert!(size > 0);
    let mut small = Journal::new(JournalLimits { max_versions: 16, max_bytes: 300 });
    for pair in versions.windows(2) {
        small.update(&pair[0], &pair[1]);
    }
    assert!(
        small.len() < 4 && small.bytes() <= 300,
        "{} diffs, {} octets",
        small.len(),
        small.bytes()
    );
    // Too big for the journal at all.
    let mut tiny = Journal::new(JournalLimits { max_versions: 16, max_bytes: 10 });
    assert!(matches!(tiny.update(&versions[0], &versions[1]), JournalUpdate::Reset(_)));
    // Backwards, or changed under the same serial: history dropped.
    assert!(matches!(j.update(&versions[4], &versions[0]), JournalUpdate::Reset(_)));
    assert!(j.is_empty());
    assert_eq!(j.update(&versions[0], &zone(1, "v1 A 192.0.2.1\n")), JournalUpdate::Unchanged);
    j.update(&versions[0], &versions[1]);
    assert!(matches!(j.update(&versions[1], &zone(2, "")), JournalUpdate::Reset(_)));
    // Serial arithmetic: 4294967295 → 1 is an increase.
    let wrap_old = zone(u32::MAX, "");
    let wrap_new = zone(1, "w A 192.0.2.9\n");
    let mut w = Journal::new(JournalLimits::default());
    assert_eq!(w.update(&wrap_old, &wrap_new), JournalUpdate::Recorded { deleted: 0, added: 1 });
}

#[test]
fn ixfr_over_udp_is_the_soa_alone_or_tc() {
    let z = zone(5, "");
    let zs = zones(&z);
    let (s, messages) = run(
        &zs,
        &Journals::default(),
        &config(Acl::any()),
        &query(Rtype::IXFR, Some(1)).encode(),
        Transport::Udp,
    );
    assert_eq!(s.kind, TransferKind::SoaOnly);
    let m = decode(&messages[0]);
    assert_eq!(m.answers, vec![z.soa().unwrap()]);
    assert!(m.header.aa && !m.header.tc);
    // A SOA that cannot fit in 512 octets.
    let long =
        |c: char| (0..4).map(|_| c.to_string().repeat(60)).collect::<Vec<_>>().join(".") + ".";
    let origin = name(&long('o'));
    let text = format!("@ 60 SOA {} {} 1 1 1 1 1\n@ 60 NS ns.example.\n", long('m'), long('r'));
    let big = Arc::new(Zone::from_text(&origin, "big", &text).unwrap());
    let mut q = query(Rtype::IXFR, None);
    q.questions[0].name = origin.clone();
    q.authority =
        vec![Record { owner: origin.clone(), class: Class::IN, ttl: 0, data: soa_data(0) }];
    let mut cfg = config(Acl::any());
    let policy = cfg.policies[&name("example.")].clone();
    cfg.policies.insert(origin, policy);
    let (_, messages) = run(&zones(&big), &Journals::default(), &cfg, &q.encode(), Transport::Udp);
    let m = decode(&messages[0]);
    assert!(m.header.tc && m.answers.is_empty());
}

#[test]
fn tsig_sign_verify_and_each_failure() {
    let keys = config(Acl::any()).keys;
    let mut signed = query(Rtype::AXFR, None).encode();
    let mac = tsig::sign(&mut signed, &key(), &SignParams::request(NOW));
    assert_eq!(mac.len(), 32);
    let ok = tsig::verify_request(&signed, &keys, NOW + 299).unwrap().unwrap();
    assert_eq!(ok.tsig.mac, mac);
    assert_eq!(ok.key.name(), &name("xfr.key."));
    // Unsigned: nothing to verify.
    assert_eq!(tsig::verify_request(&query(Rtype::AXFR, None).encode(), &keys, NOW), Ok(None));
    // Outside the fudge.
    assert_eq!(
        tsig::verify_request(&signed, &keys, NOW + 301).unwrap_err().error,
        TsigError::BadTime
    );
    // One bit changed in the question.
    let mut tampered = signed.clone();
    tampered[14] ^= 0x20;
    assert_eq!(tsig::verify_request(&tampered, &keys, NOW).unwrap_err().error, TsigError::BadSig);
    // Unknown key, wrong algorithm.
    let other = Key::from_base64(&name("other."), Algorithm::HmacSha256, SECRET).unwrap();
    let mut by_other = query(Rtype::AXFR, None).encode();
    tsig::sign(&mut by_other, &other, &SignParams::request(NOW));
    assert_eq!(tsig::verify_request(&by_other, &keys, NOW).unwrap_err().error, TsigError::BadKey);
    let sha512 = Key::from_base64(&name("xfr.key."), Algorithm::HmacSha512, SECRET).unwrap();
    let mut by_512 = query(Rtype::AXFR, None).encode();
    assert_eq!(tsig::sign(&mut by_512, &sha512, &SignParams::request(NOW)).len(), 64);
    assert_eq!(tsig::verify_request(&by_512, &keys, NOW).unwrap_err().error, TsigError::BadKey);
    let mut ring512 = KeyRing::new();
    ring512.insert(sha512);
    assert!(tsig::verify_request(&by_512, &ring512, NOW).unwrap().is_some());
    // TSIG not last: format error.
    let mut misplaced = signed.clone();
    misplaced.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 192, 0, 2, 1]);
    misplaced[11] += 1;
    assert_eq!(tsig::verify_request(&misplaced, &keys, NOW).unwrap_err().error, TsigError::Format);
    // Bad secrets.
    assert!(Key::from_base64(&name("k."), Algorithm::HmacSha256, "not base64!").is_err());
    assert!(Key::from_base64(&name("k."), Algorithm::HmacSha256, "").is_err());
    assert_eq!(Algorithm::from_mnemonic("HMAC-SHA256."), Some(Algorithm::HmacSha256));
    assert_eq!(format!("{:?}", key()), "Key(xfr.key. hmac-sha256)");
}

#[test]
fn tsig_truncated_macs() {
    let keys = config(Acl::any()).keys;
    let mut signed = query(Rtype::AXFR, None).encode();
    tsig::sign(&mut signed, &key(), &SignParams::request(NOW));
    let truncate = |len: usize| {
        let split = tsig::split(&signed).unwrap().unwrap();
        let mut t = split.tsig.clone();
        t.mac.truncate(len);
        let mut bytes = split.unsigned.clone();
        bytes[11] += 1;
        // Re-encode the record by signing a copy and swapping the MAC in: simplest via the
        // public fields.
        bytes.extend_from_slice(t.key_name.as_wire());
        bytes.extend_from_slice(&[0, 250, 0, 255, 0, 0, 0, 0]);
        let rdlen = t.algorithm.wire_len() + 16 + t.mac.len();
        bytes.extend_from_slice(&(rdlen as u16).to_be_bytes());
        bytes.extend_from_slice(t.algorithm.as_wire());
        bytes.extend_from_slice(&t.time_signed.to_be_bytes()[2..]);
        bytes.extend_from_slice(&t.fudge.to_be_bytes());
        bytes.extend_from_slice(&(t.mac.len() as u16).to_be_bytes());
        bytes.extend_from_slice(&t.mac);
        bytes.extend_from_slice(&t.original_id.to_be_bytes());
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        tsig::verify_request(&bytes, &keys, NOW).map(|v| v.is_some()).map_err(|r| r.error)
    };
    assert_eq!(truncate(32), Ok(true));
    assert_eq!(truncate(16), Ok(true));
    assert_eq!(truncate(15), Err(TsigError::BadSig));
}

#[test]
fn tsig_error_responses() {
    let z = zone(1, "");
    let zs = zones(&z);
    let cfg = config(Acl::any());
    let mut stale = query(Rtype::AXFR, None).encode();
    let request_mac = tsig::sign(&mut stale, &key(), &SignParams::request(NOW - 1000));
    let (s, messages) = run(&zs, &Journals::default(), &cfg, &stale, Transport::Tcp);
    assert_eq!(s.rcode, rcode::NOTAUTH);
    let m = decode(&messages[0]);
    assert_eq!(m.rcode(), rcode::NOTAUTH);
    let split = tsig::split(&messages[0]).unwrap().unwrap();
    assert_eq!(split.tsig.error, tsig_error::BADTIME);
    assert_eq!(split.tsig.time_signed, NOW - 1000);
    assert_eq!(split.tsig.other, NOW.to_be_bytes()[2..].to_vec());
    // Signed with the key and chained to the request MAC; the peer reports BADTIME.
    assert_eq!(
        tsig::verify_response(&messages[0], &key(), &request_mac, NOW - 1000),
        Err(TsigError::Peer(tsig_error::BADTIME))
    );

    let mut tampered = query(Rtype::AXFR, None).encode();
    tsig::sign(&mut tampered, &key(), &SignParams::request(NOW));
    tampered[2] |= 0x01; // RD
    let (_, messages) = run(&zs, &Journals::default(), &cfg, &tampered, Transport::Tcp);
    let split = tsig::split(&messages[0]).unwrap().unwrap();
    assert_eq!((split.tsig.error, split.tsig.mac.len()), (tsig_error::BADSIG, 0));
    assert_eq!(decode(&messages[0]).rcode(), rcode::NOTAUTH);
}

#[test]
fn signed_axfr_stream_verifies_message_by_message() {
    let extra: String = (0..3000).map(|i| format!("h{i} TXT \"{}\"\n", "y".repeat(60))).collect();
    let z = zone(1, &extra);
    let mut q = query(Rtype::AXFR, None).encode();
    let request_mac = tsig::sign(&mut q, &key(), &SignParams::request(NOW));
    let (_, messages) =
        run(&zones(&z), &Journals::default(), &config(Acl::any()), &q, Transport::Tcp);
    assert!(messages.len() >= 3);
    let mut v = StreamVerifier::new(key(), request_mac.clone(), NOW);
    let mut records = Vec::new();
    for m in &messages {
        assert!(m.len() <= 65535);
        assert_eq!(v.next(m), Ok(true));
        records.extend(decode(&tsig::split(m).unwrap().unwrap().unsigned).answers);
    }
    v.finish().unwrap();
    assert_eq!(records, expected_axfr(&z));
    // A changed middle message breaks the chain.
    let mut v = StreamVerifier::new(key(), request_mac.clone(), NOW);
    let mut bad = messages[1].clone();
    bad[40] ^= 1;
    assert_eq!(v.next(&messages[0]), Ok(true));
    assert_eq!(v.next(&bad), Err(TsigError::BadSig));
    // Unsigned intermediate messages are accepted (RFC 8945 §5.3.1) when the next signed one
    // covers them; the first and last must be signed.
    let mut v = StreamVerifier::new(key(), request_mac, NOW);
    assert_eq!(v.next(&messages[0]), Ok(true));
    assert_eq!(v.next(&tsig::split(&messages[1]).unwrap().unwrap().unsigned), Ok(false));
    assert!(v.finish().is_err());
}

#[test]
fn notify_answers() {
    let z = zone(1, "");
    let zs = zones(&z);
    let notify = |qname: &str, qtype: Rtype, cfg: &TransferConfig| {
        let m = Message {
            header: Header { id: 7, opcode: opcode::NOTIFY, aa: true, ..Header::default() },
            questions: vec![Question { name: name(qname), qtype, qclass: Class::IN }],
            ..Message::default()
        };
        let bytes = m.encode();
        let message = Incoming::parse(&bytes).unwrap();
        let request =
            Request { message: &message, client: loopback(), transport: Transport::Udp, now: NOW };
        decode(&respond_notify(&zs, cfg, &request).unwrap())
    };
    let ack = notify("example.", Rtype::SOA, &config(Acl::any()));
    assert_eq!(
        (ack.rcode(), ack.header.opcode, ack.header.aa, ack.header.id),
        (rcode::NOERROR, opcode::NOTIFY, true, 7)
    );
    assert_eq!(ack.questions[0].name, name("example."));
    assert_eq!(notify("example.", Rtype::SOA, &config(Acl::default())).rcode(), rcode::REFUSED);
    assert_eq!(notify("example.org.", Rtype::SOA, &config(Acl::any())).rcode(), rcode::NOTAUTH);
    assert_eq!(notify("example.", Rtype::A, &config(Acl::any())).rcode(), rcode::FORMERR);
}

#[test]
fn notifier_retries_then_gives_up_or_is_acknowledged() {
    let old = zone(1, "");
    let new = zone(2, "");
    let a: SocketAddr = "127.0.0.1:5301".parse().unwrap();
    let b: SocketAddr = "[::1]:5302".parse().unwrap();
    let targets = vec![
        NotifyTarget { address: a, key: None },
        NotifyTarget { address: b, key: Some(name("xfr.key.")) },
    ];
    let keys = config(Acl::any()).keys;
    assert!(
        notify_after_reload(Some(&new), &old, &targets, &keys, RetryPolicy::default(), 0).is_none()
    );
    assert!(
        notify_after_reload(Some(&old), &old, &targets, &keys, RetryPolicy::default(), 0).is_none()
    );
    assert!(notify_after_reload(Some(&old), &new, &[], &keys, RetryPolicy::default(), 0).is_none());
    let start = NOW * 1000;
    let mut n =
        notify_after_reload(Some(&old), &new, &targets, &keys, RetryPolicy::default(), start)
            .unwrap();
    let mut id = 100u16;
    let mut ids = || {
        id += 1;
        id
    };
    let (out, events) = n.poll(start, &mut ids);
    assert_eq!(out.len(), 2);
    assert!(events.is_empty());
    let m = decode(&out[0].message);
    assert_eq!((m.header.opcode, m.header.aa, m.header.qr), (opcode::NOTIFY, true, false));
    assert_eq!(
        m.questions[0],
        Question { name: name("example."), qtype: Rtype::SOA, qclass: Class::IN }
    );
    assert_eq!(m.answers, vec![new.soa().unwrap()]);
    assert!(tsig::split(&out[1].message).unwrap().is_some());
    assert_eq!(n.next_deadline(), Some(start + 2000));
    assert!(n.poll(start + 1999, &mut ids).0.is_empty());

    // The signed one is answered by our own NOTIFY handler, as a secondary would.
    let zs = zones(&new);
    let message = Incoming::parse(&out[1].message).unwrap();
    let request =
        Request { message: &message, client: b.ip(), transport: Transport::Udp, now: NOW };
    let ack = respond_notify(&zs, &config(Acl::any()), &request).unwrap();
    let mut wrong_id = ack.clone();
    wrong_id[1] ^= 1;
    assert_eq!(n.on_response(b, &wrong_id, start), None);
    assert_eq!(n.on_response(a, &ack, start), None);
    assert_eq!(n.on_response(b, &ack, start), Some(NotifyEvent::Acknowledged(b)));

    // The other is retransmitted at 2, 4, 8, 16 s intervals, then given up.
    let mut at = start;
    let mut sends = 1;
    let mut gave_up = false;
    while let Some(next) = n.next_deadline() {
        assert!(next > at);
        at = next;
        let (out, events) = n.poll(at, &mut ids);
        sends += out.len();
        gave_up |= events == vec![NotifyEvent::GaveUp(a)];
    }
    assert_eq!(sends, 5);
    assert!(gave_up && n.is_finished());
    assert_eq!(at - start, 2000 + 4000 + 8000 + 16000 + 32000);
}

#[test]
fn signed_ordinary_queries_get_signed_answers() {
    let z = zone(9, "");
    let zs = zones(&z);
    let cfg = config(Acl::any());
    let mut q = query(Rtype::SOA, None).encode();
    let message = Incoming::parse(&q).unwrap();
    let request =
        Request { message: &message, client: loopback(), transport: Transport::Udp, now: NOW };
    assert_eq!(respond_signed(&zs, &cfg, &request), None);
    let mac = tsig::sign(&mut q, &key(), &SignParams::request(NOW));
    let message = Incoming::parse(&q).unwrap();
    let request =
        Request { message: &message, client: loopback(), transport: Transport::Udp, now: NOW };
    let response = respond_signed(&zs, &cfg, &request).unwrap();
    tsig::verify_response(&response, &key(), &mac, NOW).unwrap();
    let m = decode(&response);
    assert_eq!((m.rcode(), m.header.aa), (rcode::NOERROR, true));
    assert_eq!(m.answers, vec![z.soa().unwrap()]);
    let late = Request { now: NOW + 1000, ..request };
    let response = respond_signed(&zs, &cfg, &late).unwrap();
    assert_eq!(decode(&response).rcode(), rcode::NOTAUTH);
}

#[test]
fn the_parsed_view_tells_signed_queries_from_plain_ones() {
    let signed = |bytes: &[u8]| Incoming::parse(bytes).is_some_and(|m| m.is_signed());
    let plain = query(Rtype::A, None).encode();
    assert!(!signed(&plain));
    let with_edns = Message { edns: Some(nameward_dns::Edns::default()), ..query(Rtype::A, None) };
    assert!(!signed(&with_edns.encode()));
    let mut signed_plain = plain.clone();
    tsig::sign(&mut signed_plain, &key(), &SignParams::request(NOW));
    assert!(signed(&signed_plain));
    let mut signed_edns = with_edns.encode();
    tsig::sign(&mut signed_edns, &key(), &SignParams::request(NOW));
    assert!(signed(&signed_edns));
    assert!(!signed(&[0; 5]));
}

/// What the property tests share with these.
pub(super) mod support {
    use super::*;

    pub(in crate::transfer) use super::{apply_ixfr, sorted as sorted_text};

    pub(in crate::transfer) fn config_any() -> TransferConfig {
        config(Acl::any())
    }

    pub(in crate::transfer) fn ixfr_query(serial: u32) -> Vec<u8> {
        query(Rtype::IXFR, Some(serial)).encode()
    }
}

#[test]
fn axfr_keeps_each_rrsig_with_the_ttl_of_the_rrset_it_covers() {
    let sig = |covered: &str, ttl: u32| {
        format!(
            "www {ttl} RRSIG {covered} 13 2 {ttl} 20301231000000 20200101000000 1 example. AAAA"
        )
    };
    let extra = format!("www 300 AAAA 2001:db8::1\n{}\n{}\n", sig("AAAA", 300), sig("TXT", 3600));
    let z = zone(1, &extra);
    let (_, messages) = run(
        &zones(&z),
        &Journals::default(),
        &config(Acl::any()),
        &query(Rtype::AXFR, None).encode(),
        Transport::Tcp,
    );
    let m = decode(&messages[0]);
    assert_eq!(m.answers, expected_axfr(&z));
    let mut sigs: Vec<(Rtype, u32)> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Rrsig(s) => Some((s.type_covered, r.ttl)),
            _ => None,
        })
        .collect();
    sigs.sort();
    assert_eq!(sigs, [(Rtype::TXT, 3600), (Rtype::AAAA, 300)]);
}

#[test]
fn a_transfer_asked_for_expire_carries_the_soa_expire_in_its_first_message() {
    let extra: String =
        (0..3000).map(|i| format!("host{i} TXT \"a record to fill several messages\"\n")).collect();
    let z = zone(5, &extra);
    let zs = zones(&z);
    let j = Journals::default();
    let with_expire = |options| Message {
        edns: Some(nameward_dns::Edns { options, ..nameward_dns::Edns::default() }),
        ..query(Rtype::AXFR, None)
    };
    let expire = nameward_dns::message::EdnsOption { code: 9, data: vec![] };
    let cfg = config(Acl::any());
    let (summary, messages) =
        run(&zs, &j, &cfg, &with_expire(vec![expire.clone()]).encode(), Transport::Tcp);
    assert_eq!(summary.kind, TransferKind::Full);
    assert!(messages.len() > 1, "the zone fills {} message(s)", messages.len());
    let first = decode(&messages[0]);
    let options = &first.edns.as_ref().expect("an OPT in the first message").options;
    // A primary sends its SOA expire (RFC 7314 §4): 1209600 in this zone.
    assert_eq!(
        options,
        &[nameward_dns::message::EdnsOption { code: 9, data: 1209600u32.to_be_bytes().to_vec() }]
    );
    assert_eq!(Some(1209600), z.expire());
    for later in &messages[1..] {
        assert!(decode(later).edns.is_none(), "OPT in the first message only");
    }
    // The records are the zone, whole.
    let records: usize = messages.iter().map(|m| decode(m).answers.len()).sum();
    assert_eq!(records, z.records().count() + 1);
    // EDNS without EXPIRE: an OPT without options; no EDNS: no OPT.
    let (_, messages) = run(&zs, &j, &cfg, &with_expire(vec![]).encode(), Transport::Tcp);
    assert_eq!(decode(&messages[0]).edns.map(|e| e.options), Some(vec![]));
    let (_, messages) = run(&zs, &j, &cfg, &query(Rtype::AXFR, None).encode(), Transport::Tcp);
    assert!(decode(&messages[0]).edns.is_none());
    // A signed transfer keeps its OPT before the TSIG, and verifies.
    let mut signed = with_expire(vec![expire]).encode();
    let mac = tsig::sign(&mut signed, &key(), &SignParams::request(NOW));
    let (_, messages) = run(&zs, &j, &cfg, &signed, Transport::Tcp);
    let mut verifier = StreamVerifier::new(key(), mac, NOW);
    for m in &messages {
        verifier.next(m).unwrap();
    }
    let first = decode(&messages[0]);
    assert_eq!(first.edns.map(|e| e.options.len()), Some(1));
}

#[test]
fn a_refused_transfer_is_one_servfail_signed_like_the_transfer() {
    let z = zone(5, "");
    let zs = zones(&z);
    let mut signed = query(Rtype::AXFR, None).encode();
    let mac = tsig::sign(&mut signed, &key(), &SignParams::request(NOW));
    let message = Incoming::parse(&signed).unwrap();
    let request =
        Request { message: &message, client: loopback(), transport: Transport::Tcp, now: NOW };
    let stream = respond_transfer(&zs, &Journals::default(), &config(Acl::any()), &request);
    let refused = stream.refused(rcode::SERVFAIL);
    assert_eq!(
        refused.summary(),
        TransferSummary { rcode: rcode::SERVFAIL, kind: TransferKind::Error }
    );
    let messages: Vec<Vec<u8>> = refused.collect();
    assert_eq!(messages.len(), 1);
    tsig::verify_response(&messages[0], &key(), &mac, NOW).unwrap();
    let m = decode(&messages[0]);
    assert_eq!((m.rcode(), m.answers.len(), m.questions.len()), (rcode::SERVFAIL, 0, 1));
}
