//! One test per answering rule, on small zones; each decodes the response with nameward-dns.

use std::sync::Arc;

use nameward_dns::message::{Edns, opcode, rcode};
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, Record, Rtype};

use crate::cookie::CookieSecrets;
use crate::{Incoming, Outcome, Requester, ResponseBuffer, Transport, Zone, Zones, answer};

const KEY: &str = "AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D";
const HIT: &str = "200100107B1A74DF365639CC39F1D578";

fn example_zone() -> String {
    format!(
        "$TTL 3600
@        SOA   ns1 hostmaster 1 7200 3600 1209600 300
@        NS    ns1
@        NS    ns2.elsewhere.
ns1      A     192.0.2.1
ns1      AAAA  2001:db8::1
www      A     192.0.2.10
www      TXT   \"hello\"
alias    CNAME www
chain1   CNAME chain2
chain2   CNAME www
loop1    CNAME loop2
loop2    CNAME loop1
out      CNAME www.elsewhere.
dangling CNAME nothere
*.wild   A     192.0.2.20
*.wild   MX    10 mail.wild
*.wc     CNAME www
a.b.ent  A     192.0.2.30
sub      NS    ns.sub
sub      NS    ns1
sub      DS    12345 8 2 49FD46E6C4B45C55D4AC69CBD3CD34AC1AFE51DE8B3D28A2E2D3C1B5A3F0D8B2
ns.sub   A     192.0.2.40
nods     NS    ns2.elsewhere.
dn       DNAME target
x.target A     192.0.2.50
host     HIP   2 {HIT} {KEY} rvs1 rvs2.other. rvs1 gone
host2    HIP   2 {HIT} {KEY} rvs2.other.
rvs1     AAAA  2001:db8::2
rvs1     A     192.0.2.60
big      TXT   \"{a}\"
big      TXT   \"{b}\"
big      TXT   \"{c}\"
",
        a = "a".repeat(200),
        b = "b".repeat(200),
        c = "c".repeat(200),
    )
}

fn other_zone() -> &'static str {
    "@ 600 SOA ns hostmaster 1 7200 3600 1209600 900
@ 600 NS ns
ns 600 A 198.51.100.1
rvs2 600 A 198.51.100.2
rvs2 600 AAAA 2001:db8::3
"
}

fn name(text: &str) -> Name {
    Name::parse(text, Some(&Name::root())).unwrap()
}

fn zones() -> Zones {
    let mut zones = Zones::new();
    for (origin, text) in [("example.", example_zone()), ("other.", other_zone().to_string())] {
        let zone = Zone::from_text(&name(origin), origin, &text).unwrap();
        zones.insert(Arc::new(zone));
    }
    zones
}

pub(crate) fn query_message(qname: &str, qtype: Rtype) -> Message {
    Message {
        header: Header { id: 0xBEEF, rd: true, ..Header::default() },
        questions: vec![Question { name: name(qname), qtype, qclass: Class::IN }],
        ..Message::default()
    }
}

fn send(zones: &Zones, query: &Message, transport: Transport) -> Message {
    let mut out = ResponseBuffer::new(transport);
    let outcome = answer(zones, &query.encode(), &mut out);
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    let response = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
    assert_eq!(response.header.id, query.header.id);
    assert!(response.header.qr);
    response
}

fn ask(qname: &str, qtype: Rtype) -> Message {
    send(&zones(), &query_message(qname, qtype), Transport::Udp)
}

fn texts(records: &[Record]) -> Vec<String> {
    records.iter().map(|r| r.to_string()).collect()
}

fn types(records: &[Record]) -> Vec<Rtype> {
    records.iter().map(Record::rtype).collect()
}

#[test]
fn positive_answer_is_authoritative_and_minimal() {
    let r = ask("www.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert!(r.header.aa && !r.header.tc && r.header.rd && !r.header.ra);
    assert_eq!(texts(&r.answers), ["www.example. 3600 IN A 192.0.2.10"]);
    assert!(r.authority.is_empty() && r.additional.is_empty() && r.edns.is_none());
}

#[test]
fn question_keeps_the_query_case() {
    let r = ask("WwW.ExAmple.", Rtype::A);
    assert_eq!(r.questions[0].name.to_string(), "WwW.ExAmple.");
    assert_eq!(r.answers.len(), 1);
}

#[test]
fn nodata_has_soa_with_negative_ttl() {
    let r = ask("www.example.", Rtype::AAAA);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert!(r.header.aa && r.answers.is_empty());
    // min(SOA TTL 3600, MINIMUM 300) = 300.
    assert_eq!(types(&r.authority), [Rtype::SOA]);
    assert_eq!(r.authority[0].ttl, 300);
    assert_eq!(r.authority[0].owner, name("example."));
}

#[test]
fn negative_ttl_is_soa_ttl_when_lower_than_minimum() {
    let r = ask("nothing.other.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NXDOMAIN);
    assert_eq!(r.authority[0].ttl, 600);
}

#[test]
fn nxdomain_has_soa() {
    let r = ask("nothing.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NXDOMAIN);
    assert!(r.header.aa && r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::SOA]);
}

#[test]
fn empty_non_terminal_is_nodata_not_nxdomain() {
    for qname in ["b.ent.example.", "ent.example."] {
        let r = ask(qname, Rtype::A);
        assert_eq!(r.rcode(), rcode::NOERROR, "{qname}");
        assert!(r.answers.is_empty());
        assert_eq!(types(&r.authority), [Rtype::SOA]);
    }
}

#[test]
fn cname_is_followed_inside_the_zone() {
    let r = ask("alias.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert_eq!(
        texts(&r.answers),
        ["alias.example. 3600 IN CNAME www.example.", "www.example. 3600 IN A 192.0.2.10"]
    );
}

#[test]
fn cname_chain_is_followed_to_the_end() {
    let r = ask("chain1.example.", Rtype::A);
    assert_eq!(types(&r.answers), [Rtype::CNAME, Rtype::CNAME, Rtype::A]);
}

#[test]
fn cname_query_returns_the_cname_only() {
    let r = ask("alias.example.", Rtype::CNAME);
    assert_eq!(texts(&r.answers), ["alias.example. 3600 IN CNAME www.example."]);
}

#[test]
fn cname_loop_stops_without_repeating() {
    let r = ask("loop1.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert_eq!(
        texts(&r.answers),
        [
            "loop1.example. 3600 IN CNAME loop2.example.",
            "loop2.example. 3600 IN CNAME loop1.example."
        ]
    );
}

#[test]
fn cname_leaving_the_zone_is_not_followed() {
    let r = ask("out.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert_eq!(types(&r.answers), [Rtype::CNAME]);
    assert!(r.authority.is_empty());
}

#[test]
fn cname_to_a_missing_name_is_nxdomain_with_the_cname() {
    let r = ask("dangling.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NXDOMAIN);
    assert_eq!(types(&r.answers), [Rtype::CNAME]);
    assert_eq!(types(&r.authority), [Rtype::SOA]);
}

#[test]
fn wildcard_synthesises_with_the_qname_as_owner() {
    let r = ask("anything.wild.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert_eq!(texts(&r.answers), ["anything.wild.example. 3600 IN A 192.0.2.20"]);
}

#[test]
fn wildcard_matches_several_labels() {
    let r = ask("a.b.c.wild.example.", Rtype::A);
    assert_eq!(r.answers[0].owner, name("a.b.c.wild.example."));
}

#[test]
fn wildcard_nodata_has_soa() {
    let r = ask("anything.wild.example.", Rtype::AAAA);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert!(r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::SOA]);
}

#[test]
fn wildcard_does_not_match_below_an_existing_name() {
    // RFC 4592 §2.2.1: ent.example exists (as an empty non-terminal), so `*` at the apex
    // level is not consulted; there is none here and the answer is NXDOMAIN.
    let r = ask("zzz.b.ent.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NXDOMAIN);
}

#[test]
fn wildcard_itself_is_answered_as_a_name() {
    let r = ask("*.wild.example.", Rtype::A);
    assert_eq!(r.answers[0].owner.to_string(), "*.wild.example.");
}

#[test]
fn wildcard_cname_is_synthesised_and_followed() {
    let r = ask("foo.wc.example.", Rtype::A);
    assert_eq!(
        texts(&r.answers),
        ["foo.wc.example. 3600 IN CNAME www.example.", "www.example. 3600 IN A 192.0.2.10"]
    );
}

#[test]
fn referral_has_ns_and_glue_without_aa() {
    let r = ask("www.sub.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert!(!r.header.aa && r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::NS, Rtype::NS]);
    assert_eq!(
        texts(&r.additional),
        [
            "ns.sub.example. 3600 IN A 192.0.2.40",
            "ns1.example. 3600 IN A 192.0.2.1",
            "ns1.example. 3600 IN AAAA 2001:db8::1",
        ]
    );
}

#[test]
fn query_at_the_cut_is_a_referral() {
    let r = ask("sub.example.", Rtype::NS);
    assert!(!r.header.aa && r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::NS, Rtype::NS]);
}

#[test]
fn glue_below_the_cut_is_not_answered_authoritatively() {
    let r = ask("ns.sub.example.", Rtype::A);
    assert!(!r.header.aa && r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::NS, Rtype::NS]);
}

#[test]
fn referral_without_in_zone_servers_has_no_additional() {
    let r = ask("nods.example.", Rtype::A);
    assert_eq!(types(&r.authority), [Rtype::NS]);
    assert!(r.additional.is_empty());
}

#[test]
fn ds_at_the_cut_is_answered_by_the_parent() {
    let r = ask("sub.example.", Rtype::DS);
    assert!(r.header.aa);
    assert_eq!(types(&r.answers), [Rtype::DS]);
    assert!(r.authority.is_empty());
}

#[test]
fn missing_ds_at_the_cut_is_parent_nodata() {
    let r = ask("nods.example.", Rtype::DS);
    assert!(r.header.aa && r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::SOA]);
    assert_eq!(r.authority[0].owner, name("example."));
}

#[test]
fn ds_below_the_cut_is_a_referral() {
    let r = ask("www.sub.example.", Rtype::DS);
    assert!(!r.header.aa);
    assert_eq!(types(&r.authority), [Rtype::NS, Rtype::NS]);
}

#[test]
fn ds_at_a_zone_apex_is_answered_by_the_parent_zone() {
    let mut zones = zones();
    let child = "@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.99\n";
    let child = Zone::from_text(&name("sub.example."), "sub", child).unwrap();
    zones.insert(Arc::new(child));
    let r = send(&zones, &query_message("sub.example.", Rtype::DS), Transport::Udp);
    assert_eq!(types(&r.answers), [Rtype::DS]);
    let r = send(&zones, &query_message("sub.example.", Rtype::SOA), Transport::Udp);
    assert!(r.header.aa);
    assert_eq!(r.answers[0].owner, name("sub.example."));
}

#[test]
fn most_specific_zone_answers() {
    let mut zones = zones();
    let child = "@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.99\nwww A 192.0.2.98\n";
    zones.insert(Arc::new(Zone::from_text(&name("sub.example."), "sub", child).unwrap()));
    let r = send(&zones, &query_message("www.sub.example.", Rtype::A), Transport::Udp);
    assert!(r.header.aa);
    assert_eq!(texts(&r.answers), ["www.sub.example. 5 IN A 192.0.2.98"]);
}

#[test]
fn dname_synthesises_a_cname_and_follows_it() {
    let r = ask("x.dn.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert_eq!(
        texts(&r.answers),
        [
            "dn.example. 3600 IN DNAME target.example.",
            "x.dn.example. 3600 IN CNAME x.target.example.",
            "x.target.example. 3600 IN A 192.0.2.50",
        ]
    );
}

#[test]
fn dname_owner_itself_is_not_redirected() {
    let r = ask("dn.example.", Rtype::A);
    assert!(r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::SOA]);
    let r = ask("dn.example.", Rtype::DNAME);
    assert_eq!(types(&r.answers), [Rtype::DNAME]);
}

#[test]
fn dname_target_missing_gives_nxdomain_after_the_cname() {
    let r = ask("y.dn.example.", Rtype::A);
    assert_eq!(r.rcode(), rcode::NXDOMAIN);
    assert_eq!(types(&r.answers), [Rtype::DNAME, Rtype::CNAME]);
}

#[test]
fn dname_with_qtype_cname_stops_at_the_synthesised_cname() {
    let r = ask("y.dn.example.", Rtype::CNAME);
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert_eq!(types(&r.answers), [Rtype::DNAME, Rtype::CNAME]);
    assert!(r.authority.is_empty());
}

#[test]
fn dname_overflowing_the_name_length_is_yxdomain() {
    let long = format!("{}.dn.example.", vec!["x".repeat(50); 4].join("."));
    let zone = "@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n\
                dn DNAME aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.\n";
    let mut zones = Zones::new();
    zones.insert(Arc::new(Zone::from_text(&name("example."), "z", zone).unwrap()));
    let r = send(&zones, &query_message(&long, Rtype::A), Transport::Udp);
    assert_eq!(r.rcode(), 6);
    assert_eq!(types(&r.answers), [Rtype::DNAME]);
}

#[test]
fn outside_our_zones_is_refused() {
    let r = ask("www.example.net.", Rtype::A);
    assert_eq!(r.rcode(), rcode::REFUSED);
    assert!(!r.header.aa && r.answers.is_empty() && r.authority.is_empty());
    assert_eq!(r.questions.len(), 1);
}

#[test]
fn other_classes_are_refused() {
    let mut q = query_message("www.example.", Rtype::A);
    q.questions[0].qclass = Class::CH;
    assert_eq!(send(&zones(), &q, Transport::Udp).rcode(), rcode::REFUSED);
}

#[test]
fn other_opcodes_get_notimp() {
    let mut q = query_message("example.", Rtype::SOA);
    q.header.opcode = opcode::NOTIFY;
    let r = send(&zones(), &q, Transport::Udp);
    assert_eq!(r.rcode(), rcode::NOTIMP);
    assert_eq!(r.header.opcode, opcode::NOTIFY);
    assert!(!r.header.rd, "RD is defined for QUERY only, and cleared for other opcodes");
    // An opcode nobody defined, every flag set: answered NOTIMP with its opcode, RD clear.
    let mut bytes = query_message("example.", Rtype::SOA).encode();
    bytes[2] = 0x7F;
    bytes[3] = 0x70;
    let mut out = ResponseBuffer::new(Transport::Udp);
    answer(&zones(), &bytes, &mut out);
    let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
    assert_eq!((r.rcode(), r.header.opcode, r.header.rd), (rcode::NOTIMP, 15, false));
    assert!(r.header.qr && !r.header.aa && !r.header.tc);
    // A QUERY keeps its RD.
    assert!(send(&zones(), &query_message("example.", Rtype::SOA), Transport::Udp).header.rd);
}

#[test]
fn update_with_prerequisites_gets_notimp() {
    let mut q = query_message("example.", Rtype::SOA);
    q.header.opcode = opcode::UPDATE;
    let mut bytes = q.encode();
    // One prerequisite "name is in use" (RFC 2136 §2.4.4): class ANY, type ANY, no RDATA.
    bytes[7] = 1;
    bytes.extend_from_slice(&[3, b'w', b'w', b'w', 0xC0, 12, 0, 255, 0, 255, 0, 0, 0, 0, 0, 0]);
    let mut out = ResponseBuffer::new(Transport::Udp);
    answer(&zones(), &bytes, &mut out);
    let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
    assert_eq!((r.rcode(), r.header.opcode), (rcode::NOTIMP, opcode::UPDATE));
}

#[test]
fn two_questions_are_formerr() {
    let mut q = query_message("www.example.", Rtype::A);
    q.questions.push(q.questions[0].clone());
    let r = send(&zones(), &q, Transport::Udp);
    assert_eq!(r.rcode(), rcode::FORMERR);
    assert!(r.answers.is_empty());
}

#[test]
fn no_question_is_formerr() {
    let mut q = query_message("www.example.", Rtype::A);
    q.questions.clear();
    assert_eq!(send(&zones(), &q, Transport::Udp).rcode(), rcode::FORMERR);
}

#[test]
fn malformed_body_is_formerr_with_the_id() {
    let mut bytes = query_message("www.example.", Rtype::A).encode();
    bytes.push(0);
    let mut out = ResponseBuffer::new(Transport::Udp);
    assert!(matches!(answer(&zones(), &bytes, &mut out), Outcome::Response(_)));
    let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
    assert_eq!((r.header.id, r.rcode()), (0xBEEF, rcode::FORMERR));
}

#[test]
fn short_header_gets_no_response() {
    let mut out = ResponseBuffer::new(Transport::Udp);
    assert_eq!(answer(&zones(), &[0xBE, 0xEF, 0, 0, 0, 1], &mut out), Outcome::NoResponse);
    assert!(out.as_bytes().is_empty());
}

#[test]
fn responses_are_not_answered() {
    let mut q = query_message("www.example.", Rtype::A);
    q.header.qr = true;
    let mut out = ResponseBuffer::new(Transport::Udp);
    assert_eq!(answer(&zones(), &q.encode(), &mut out), Outcome::NoResponse);
}

#[test]
fn edns_query_gets_opt_with_our_payload_and_do_echoed() {
    let mut q = query_message("www.example.", Rtype::A);
    q.edns = Some(Edns { udp_payload: 4096, dnssec_ok: true, ..Edns::default() });
    let r = send(&zones(), &q, Transport::Udp);
    let edns = r.edns.unwrap();
    assert_eq!((edns.udp_payload, edns.version, edns.dnssec_ok), (1232, 0, true));
    assert!(edns.options.is_empty());
}

#[test]
fn edns_version_other_than_zero_is_badvers() {
    let mut q = query_message("www.example.", Rtype::A);
    q.edns = Some(Edns { version: 1, ..Edns::default() });
    let r = send(&zones(), &q, Transport::Udp);
    assert_eq!(r.rcode(), rcode::BADVERS);
    assert!(r.answers.is_empty() && !r.header.aa);
    assert_eq!(r.questions.len(), 1);
    assert_eq!(r.edns.unwrap().version, 0);
}

#[test]
fn unknown_edns_options_are_ignored() {
    let mut q = query_message("www.example.", Rtype::A);
    let option = nameward_dns::message::EdnsOption { code: 65001, data: vec![1, 2, 3] };
    q.edns = Some(Edns { options: vec![option], ..Edns::default() });
    let r = send(&zones(), &q, Transport::Udp);
    assert_eq!((r.rcode(), r.answers.len()), (rcode::NOERROR, 1));
}

/// RFC 5001: the NSID goes back in the OPT of a response to a query whose OPT asked for it
/// (an empty NSID option), and nowhere else; a server with none configured sends none.
#[test]
fn nsid_is_sent_when_asked_for() {
    let ask_nsid = |nsid: &[u8], options: Vec<nameward_dns::message::EdnsOption>, edns: bool| {
        let mut q = query_message("www.example.", Rtype::A);
        if edns {
            q.edns = Some(Edns { udp_payload: 1232, options, ..Edns::default() });
        }
        let mut out = ResponseBuffer::new(Transport::Udp).with_nsid(nsid);
        answer(&zones(), &q.encode(), &mut out);
        let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
        assert_eq!((r.rcode(), r.answers.len()), (rcode::NOERROR, 1));
        r.edns.map(|e| e.options)
    };
    let nsid = || nameward_dns::message::EdnsOption { code: 3, data: vec![] };
    let other = || nameward_dns::message::EdnsOption { code: 65001, data: vec![1] };
    let sent = ask_nsid(b"ns1.example-anycast-ams", vec![other(), nsid()], true).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].code, &sent[0].data[..]), (3, &b"ns1.example-anycast-ams"[..]));
    assert_eq!(ask_nsid(b"ns1", vec![other()], true), Some(vec![]), "not asked for");
    assert_eq!(ask_nsid(b"", vec![nsid()], true), Some(vec![]), "none configured");
    assert_eq!(ask_nsid(b"ns1", vec![], false), None, "no EDNS, no OPT");
}

/// RFC 7314: a query whose OPT carries EXPIRE gets the zone's SOA expire timer back, as a
/// primary gives it; a query without it, or for a zone not served, gets no EXPIRE.
#[test]
fn expire_is_the_soa_expire_when_asked_for() {
    let option = |options: &[u16], qname: &str| {
        let mut q = query_message(qname, Rtype::SOA);
        let options = options
            .iter()
            .map(|&code| nameward_dns::message::EdnsOption { code, data: vec![] })
            .collect();
        q.edns = Some(Edns { udp_payload: 1232, options, ..Edns::default() });
        let mut out = ResponseBuffer::new(Transport::Udp).with_nsid(b"n1");
        answer(&zones(), &q.encode(), &mut out);
        let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
        r.edns.unwrap().options.into_iter().map(|o| (o.code, o.data)).collect::<Vec<_>>()
    };
    let expire = zones().get(&name("example.")).unwrap().expire().unwrap();
    assert_eq!(option(&[9], "example."), [(9, expire.to_be_bytes().to_vec())]);
    assert_eq!(
        option(&[3, 9], "www.example."),
        [(3, b"n1".to_vec()), (9, expire.to_be_bytes().to_vec())]
    );
    assert_eq!(option(&[], "example."), []);
    assert_eq!(option(&[9], "not-served."), [], "REFUSED: no zone, no EXPIRE");
}

#[test]
fn two_opt_records_are_formerr() {
    let q = query_message("www.example.", Rtype::A);
    let mut bytes = q.encode();
    bytes[11] = 2;
    for _ in 0..2 {
        bytes.extend_from_slice(&[0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 0]);
    }
    let mut out = ResponseBuffer::new(Transport::Udp);
    answer(&zones(), &bytes, &mut out);
    let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
    assert_eq!(r.rcode(), rcode::FORMERR);
}

#[test]
fn opt_with_an_overrunning_option_is_formerr() {
    let mut bytes = query_message("www.example.", Rtype::A).encode();
    bytes[11] = 1;
    // RDLENGTH 6 holding an option that claims 4 octets of data but has 2.
    bytes.extend_from_slice(&[0, 0, 41, 4, 0, 0, 0, 0, 0, 0, 6, 0, 10, 0, 4, 1, 2]);
    let mut out = ResponseBuffer::new(Transport::Udp);
    answer(&zones(), &bytes, &mut out);
    let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
    assert_eq!(r.rcode(), rcode::FORMERR);
    assert!(r.edns.is_none());
}

#[test]
fn answer_too_big_for_512_sets_tc_and_drops_the_rrset() {
    let r = ask("big.example.", Rtype::TXT);
    assert!(r.header.tc && r.header.aa);
    assert!(r.answers.is_empty());
}

#[test]
fn small_edns_payload_is_treated_as_512() {
    let mut q = query_message("big.example.", Rtype::TXT);
    q.edns = Some(Edns { udp_payload: 100, ..Edns::default() });
    let r = send(&zones(), &q, Transport::Udp);
    assert!(r.header.tc && r.edns.is_some());
    q.questions[0].name = name("www.example.");
    let r = send(&zones(), &q, Transport::Udp);
    assert!(!r.header.tc && r.answers.len() == 1);
}

#[test]
fn edns_payload_lets_a_big_answer_fit() {
    let mut q = query_message("big.example.", Rtype::TXT);
    q.edns = Some(Edns { udp_payload: 4096, ..Edns::default() });
    let r = send(&zones(), &q, Transport::Udp);
    assert!(!r.header.tc);
    assert_eq!(r.answers.len(), 3);
}

#[test]
fn tcp_has_no_512_limit() {
    let r = send(&zones(), &query_message("big.example.", Rtype::TXT), Transport::Tcp);
    assert!(!r.header.tc);
    assert_eq!(r.answers.len(), 3);
}

#[test]
fn glue_that_does_not_fit_is_dropped_without_tc() {
    let mut text = String::from("@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
    for i in 0..12 {
        text.push_str(&format!("d NS ns{i:02}-glue.d\n"));
        text.push_str(&format!("ns{i:02}-glue.d AAAA 2001:db8::{i}\n"));
    }
    let mut zones = Zones::new();
    zones.insert(Arc::new(Zone::from_text(&name("example."), "z", &text).unwrap()));
    let r = send(&zones, &query_message("www.d.example.", Rtype::A), Transport::Udp);
    assert!(!r.header.tc);
    assert_eq!(r.authority.len(), 12);
    assert!(!r.additional.is_empty() && r.additional.len() < 12);
}

#[test]
fn any_is_answered_with_one_rrset() {
    let r = ask("www.example.", Rtype::ANY);
    assert_eq!(texts(&r.answers), ["www.example. 3600 IN A 192.0.2.10"]);
    let r = ask("ent.example.", Rtype::ANY);
    assert!(r.answers.is_empty());
    assert_eq!(types(&r.authority), [Rtype::SOA]);
}

#[test]
fn unknown_type_is_answered_normally() {
    let r = ask("www.example.", Rtype(65000));
    assert_eq!(r.rcode(), rcode::NOERROR);
    assert_eq!(types(&r.authority), [Rtype::SOA]);
}

#[test]
fn unknown_flags_are_ignored_rd_echoed_and_cd_cleared() {
    let mut q = query_message("www.example.", Rtype::A);
    q.header.z = true;
    q.header.cd = true;
    q.header.ad = true;
    let r = send(&zones(), &q, Transport::Udp);
    assert!(r.header.rd && !r.header.cd && !r.header.z && !r.header.ad);
    assert_eq!(r.answers.len(), 1);
}

#[test]
fn axfr_over_this_path_is_notimp_and_marked_as_transfer() {
    let mut out = ResponseBuffer::new(Transport::Udp);
    let q = query_message("example.", Rtype::AXFR).encode();
    let Outcome::Response(summary) = answer(&zones(), &q, &mut out) else { panic!() };
    assert!(summary.transfer);
    assert_eq!(summary.rcode, rcode::NOTIMP);
}

#[test]
fn hip_answer_carries_rvs_addresses_in_rvs_order_once() {
    let r = ask("host.example.", Rtype::HIP);
    assert!(r.header.aa && !r.header.tc);
    assert_eq!(types(&r.answers), [Rtype::HIP]);
    // rvs1 (A then AAAA), rvs2.other. (another zone of ours); rvs1 repeated and `gone`
    // (not ours) add nothing.
    assert_eq!(
        texts(&r.additional),
        [
            "rvs1.example. 3600 IN A 192.0.2.60",
            "rvs1.example. 3600 IN AAAA 2001:db8::2",
            "rvs2.other. 600 IN A 198.51.100.2",
            "rvs2.other. 600 IN AAAA 2001:db8::3",
        ]
    );
}

#[test]
fn hip_rvs_addresses_never_cause_tc() {
    let mut text = String::from("@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\n");
    let mut rvs = String::new();
    for i in 0..40 {
        rvs.push_str(&format!(" rvs{i}"));
        text.push_str(&format!("rvs{i} AAAA 2001:db8::{i}\n"));
    }
    text.push_str(&format!("host HIP 2 {HIT} {KEY}{rvs}\n"));
    let mut zones = Zones::new();
    zones.insert(Arc::new(Zone::from_text(&name("example."), "z", &text).unwrap()));
    let mut q = query_message("host.example.", Rtype::HIP);
    q.edns = Some(Edns::default());
    let r = send(&zones, &q, Transport::Udp);
    assert!(!r.header.tc);
    assert_eq!(types(&r.answers), [Rtype::HIP]);
    assert!(!r.additional.is_empty() && r.additional.len() < 40);
    assert_eq!(r.additional[0].owner, name("rvs0.example."));
}

#[test]
fn hip_nodata_and_nxdomain_are_distinct() {
    // RFC 5205 §3 relies on NODATA for a name without HIP and NXDOMAIN for no name.
    assert_eq!(ask("www.example.", Rtype::HIP).rcode(), rcode::NOERROR);
    assert_eq!(ask("nohost.example.", Rtype::HIP).rcode(), rcode::NXDOMAIN);
}

#[test]
fn other_types_get_no_additional() {
    let r = ask("example.", Rtype::NS);
    assert_eq!(types(&r.answers), [Rtype::NS, Rtype::NS]);
    assert!(r.additional.is_empty() && r.authority.is_empty());
}

#[test]
fn zone_with_errors_is_refused_at_load() {
    let bad = "@ SOA ns hostmaster 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nx CNAME ns\nx A 192.0.2.2\n";
    let err = Zone::from_text(&name("example."), "bad", bad).unwrap_err();
    assert!(err.to_string().contains("CNAME"), "{err}");
}

#[test]
fn buffer_reuse_gives_identical_responses() {
    let zones = zones();
    let mut out = ResponseBuffer::new(Transport::Udp);
    let q = query_message("alias.example.", Rtype::A).encode();
    answer(&zones, &q, &mut out);
    let first = out.as_bytes().to_vec();
    answer(&zones, &query_message("big.example.", Rtype::TXT).encode(), &mut out);
    answer(&zones, &q, &mut out);
    assert_eq!(out.as_bytes(), first);
}

#[test]
fn types_are_send_sync() {
    fn check<T: Send + Sync>() {}
    check::<Zones>();
    check::<Zone>();
    check::<ResponseBuffer>();
}

mod cookies {
    use nameward_dns::message::EdnsOption;

    use super::*;
    use crate::answer_incoming;

    const NOW: u32 = 1_700_000_000;

    fn secrets() -> CookieSecrets {
        CookieSecrets::new([0x5a; 16], None)
    }

    /// Sends `www.example. A` with a COOKIE option of `cookie` from 192.0.2.7; the response
    /// and whether its cookie was valid.
    fn with_cookie(cookie: &[u8]) -> (Message, bool) {
        let query = Message {
            edns: Some(Edns {
                options: vec![EdnsOption { code: 10, data: cookie.to_vec() }],
                ..Edns::default()
            }),
            ..query_message("www.example.", Rtype::A)
        };
        let bytes = query.encode();
        let incoming = Incoming::parse(&bytes).unwrap();
        let secrets = secrets();
        let requester = Requester {
            address: Some("192.0.2.7".parse().unwrap()),
            now: NOW,
            cookies: Some(&secrets),
        };
        let mut out = ResponseBuffer::new(Transport::Udp);
        let Outcome::Response(summary) = answer_incoming(&zones(), &incoming, &requester, &mut out)
        else {
            panic!("no response");
        };
        let response = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
        assert_eq!(response.rcode(), summary.rcode);
        (response, summary.valid_cookie)
    }

    fn cookie_of(response: &Message) -> Vec<u8> {
        let edns = response.edns.as_ref().expect("an OPT record");
        edns.options.iter().find(|o| o.code == 10).expect("a COOKIE option").data.clone()
    }

    #[test]
    fn a_client_cookie_alone_gets_a_server_cookie() {
        let (response, valid) = with_cookie(b"clientck");
        assert_eq!(response.rcode(), rcode::NOERROR);
        assert_eq!(response.answers.len(), 1);
        assert!(!valid);
        let cookie = cookie_of(&response);
        assert_eq!(cookie.len(), 24);
        assert_eq!(&cookie[..8], b"clientck");
        let expected = secrets().server_cookie(b"clientck", "192.0.2.7".parse().unwrap(), NOW);
        assert_eq!(cookie[8..], expected);
    }

    #[test]
    fn a_valid_server_cookie_is_recognised_and_a_forged_one_is_not() {
        let (first, _) = with_cookie(b"clientck");
        let echoed = cookie_of(&first);
        let (second, valid) = with_cookie(&echoed);
        assert!(valid);
        assert_eq!(cookie_of(&second), echoed, "a young cookie comes back unchanged");
        let mut forged = echoed.clone();
        forged[23] ^= 0xff;
        let (third, valid) = with_cookie(&forged);
        // Answered all the same, with a fresh cookie, but not trusted.
        assert_eq!((third.rcode(), third.answers.len(), valid), (rcode::NOERROR, 1, false));
        assert_eq!(cookie_of(&third), echoed);
    }

    #[test]
    fn malformed_cookies_get_formerr() {
        for len in [0, 1, 7, 9, 15, 41, 64] {
            let (response, valid) = with_cookie(&vec![3; len]);
            assert_eq!(response.rcode(), rcode::FORMERR, "COOKIE of {len} octets");
            assert!(response.answers.is_empty() && !valid);
            assert!(response.edns.is_some(), "the OPT stays in a FORMERR to an EDNS query");
        }
        // Without secrets (the pure `answer`), the option is ignored like any unknown one.
        let query = Message {
            edns: Some(Edns {
                options: vec![EdnsOption { code: 10, data: vec![3; 9] }],
                ..Edns::default()
            }),
            ..query_message("www.example.", Rtype::A)
        };
        assert_eq!(send(&zones(), &query, Transport::Udp).rcode(), rcode::NOERROR);
    }
}

mod props {
    use proptest::prelude::*;

    use super::*;

    fn check(zones: &Zones, bytes: &[u8]) {
        let mut out = ResponseBuffer::new(Transport::Udp);
        match answer(zones, bytes, &mut out) {
            Outcome::NoResponse => assert!(out.as_bytes().is_empty()),
            Outcome::Response(summary) => {
                let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
                assert_eq!(r.header.id, u16::from_be_bytes([bytes[0], bytes[1]]));
                assert!(r.header.qr);
                assert_eq!(r.rcode(), summary.rcode);
                assert!(out.as_bytes().len() <= 1232);
            }
        }
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            check(&zones(), &bytes);
        }

        #[test]
        fn queries_with_cookies_never_panic(
            cookie in proptest::collection::vec(any::<u8>(), 0..48),
            v6 in any::<bool>(),
            now in any::<u32>(),
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..3),
        ) {
            let q = Message {
                edns: Some(Edns {
                    options: vec![nameward_dns::message::EdnsOption { code: 10, data: cookie }],
                    ..Edns::default()
                }),
                ..query_message("www.example.", Rtype::A)
            };
            let mut bytes = q.encode();
            for (at, value) in flips {
                let len = bytes.len();
                bytes[at % len] ^= value;
            }
            let secrets = CookieSecrets::new([1; 16], Some([2; 16]));
            let address = if v6 { "2001:db8::1" } else { "192.0.2.1" };
            let requester =
                Requester { address: address.parse().ok(), now, cookies: Some(&secrets) };
            let Some(incoming) = Incoming::parse(&bytes) else { return Ok(()) };
            let _ = (incoming.route(), incoming.qtype(), incoming.qname_wire(), incoming.is_signed());
            let mut out = ResponseBuffer::new(Transport::Udp);
            if let Outcome::Response(summary) =
                crate::answer_incoming(&zones(), &incoming, &requester, &mut out)
            {
                let r = Message::decode(out.as_bytes(), DecodeOptions::STRICT).unwrap();
                prop_assert_eq!(r.rcode(), summary.rcode);
                prop_assert!(out.as_bytes().len() <= 1232);
                prop_assert!(out.question_end() <= out.as_bytes().len());
            }
        }

        #[test]
        fn mutated_queries_never_panic(
            qname in prop::sample::select(vec![
                "www.example.", "x.dn.example.", "a.wild.example.", "host.example.",
                "www.sub.example.", "big.example.", "loop1.example.", "nothing.other.",
            ]),
            qtype in any::<u16>(),
            edns in any::<bool>(),
            flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..4),
        ) {
            let mut q = query_message(qname, Rtype(qtype));
            if edns {
                q.edns = Some(Edns { udp_payload: 700, ..Edns::default() });
            }
            let mut bytes = q.encode();
            for (at, value) in flips {
                let len = bytes.len();
                bytes[at % len] ^= value;
            }
            check(&zones(), &bytes);
        }
    }
}

#[test]
fn stored_rrsets_write_as_the_encoder_does() {
    let zones = zones();
    let mut checked = 0;
    for zone in zones.iter() {
        for node in zone.nodes() {
            for set in node.rrsets() {
                let decoded = set.decoded();
                assert_eq!(decoded.len(), set.len(), "{} {}", node.name(), set.rtype());
                for (data, record) in decoded.iter().zip(set.records()) {
                    let mut expected = nameward_dns::wire::Writer::new();
                    data.encode(&mut expected);
                    let mut stored = nameward_dns::wire::Writer::new();
                    set.write_rdata(&mut stored, record);
                    let what = format!("{} {}", node.name(), set.rtype());
                    assert_eq!(stored.as_bytes(), expected.as_bytes(), "{what}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 10);
}

/// A zone with (unverifiable) RRSIGs and a DNSKEY, so that it counts as signed: the rules
/// that need no real signature run without the signing tools of `tests/signed.rs`.
fn fake_signed_zones() -> Zones {
    let sig = |owner: &str, covered: &str, ttl: u32| {
        format!(
            "{owner} {ttl} RRSIG {covered} 13 2 {ttl} 20301231000000 20200101000000 1 signed. AAAA\n"
        )
    };
    let mut text = String::from(
        "$TTL 3600\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n@ NS ns1\n@ DNSKEY 257 3 13 AAAA\n\
         ns1 A 192.0.2.1\nwww 300 A 192.0.2.2\nwww 900 TXT \"t\"\n",
    );
    text.push_str(&sig("www", "A", 300));
    text.push_str(&sig("www", "TXT", 900));
    let mut zones = Zones::new();
    zones.insert(Arc::new(Zone::from_text(&name("signed."), "signed", &text).unwrap()));
    zones
}

#[test]
fn rrsigs_go_with_their_rrset_and_its_ttl_only_with_do() {
    let zones = fake_signed_zones();
    let mut query = query_message("www.signed.", Rtype::TXT);
    query.edns = Some(Edns { dnssec_ok: true, ..Edns::default() });
    let r = send(&zones, &query, Transport::Udp);
    let got: Vec<(Rtype, u32)> = r.answers.iter().map(|r| (r.rtype(), r.ttl)).collect();
    assert_eq!(got, [(Rtype::TXT, 900), (Rtype::RRSIG, 900)]);
    query.questions[0].qtype = Rtype::A;
    let r = send(&zones, &query, Transport::Udp);
    let got: Vec<(Rtype, u32)> = r.answers.iter().map(|r| (r.rtype(), r.ttl)).collect();
    assert_eq!(got, [(Rtype::A, 300), (Rtype::RRSIG, 300)]);
    query.edns = Some(Edns::default());
    assert_eq!(types(&send(&zones, &query, Transport::Udp).answers), [Rtype::A]);
    // Asked for by type: each RRSIG set with its own TTL.
    query.questions[0].qtype = Rtype::RRSIG;
    let r = send(&zones, &query, Transport::Udp);
    let got: Vec<(Rtype, u32)> = r.answers.iter().map(|r| (r.rtype(), r.ttl)).collect();
    assert_eq!(got, [(Rtype::RRSIG, 300), (Rtype::RRSIG, 900)]);
}
