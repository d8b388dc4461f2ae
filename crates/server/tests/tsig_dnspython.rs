//! TSIG cross-checked against dnspython's `dns.tsig` (run as /usr/bin/python3): queries signed
//! by dnspython are verified by nameward and answered with signed AXFR/IXFR streams that
//! dnspython verifies message by message (prior-MAC chaining); queries signed by nameward are
//! verified by dnspython, whose signed responses nameward verifies; nameward's BADKEY, BADSIG
//! and BADTIME responses are read by dnspython as those errors. hmac-sha256 and hmac-sha512.
//!
//! dnspython checks the time against the wall clock, so these tests use it too.
//!
//! Without python3-dnspython the test cannot run: under `CI=true` that is a failure;
//! otherwise the test says loudly that it did not run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write as _};
use std::net::IpAddr;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use nameward_dns::message::rcode;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, Rtype};
use nameward_server::transfer::tsig::{self, Algorithm, Key, KeyRing, SignParams};
use nameward_server::transfer::{
    Acl, Journals, Request, TransferConfig, TransferKind, ZonePolicy, respond_transfer,
};
use nameward_server::{Incoming, Transport, Zone, Zones};

const PYTHON: &str = "/usr/bin/python3";
const SECRET: &str = "bmFtZXdhcmQtdHNpZy1pbnRlcm9wLXNlY3JldC0wMTIzNDU2Nzg5";
const WRONG_SECRET: &str = "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZw==";

const SCRIPT: &str = r#"
import sys, binascii
import dns.message, dns.tsig, dns.name, dns.rdatatype, dns.query

state = {}
def out(*a):
    print(*a, flush=True)

for line in sys.stdin:
    f = line.split()
    if not f:
        continue
    cmd = f[0]
    try:
        if cmd == 'query':
            alg, keyname, secret, qtype = f[1], f[2], f[3], f[4]
            key = dns.tsig.Key(keyname, secret, alg)
            state['key'] = key
            q = dns.message.make_query('example.', qtype)
            if qtype == 'IXFR':
                q = dns.message.make_query('example.', 'IXFR')
                soa = dns.rrset.from_text('example.', 0, 'IN', 'SOA', 'ns1.example. hostmaster.example. %s 1 1 1 1' % f[5])
                q.authority.append(soa)
            q.use_tsig(key)
            wire = q.to_wire()
            state['q'] = q
            out(wire.hex(), q.mac.hex())
        elif cmd == 'stream':
            n = int(f[1])
            msgs = [bytes.fromhex(sys.stdin.readline().strip()) for _ in range(n)]
            q = state['q']
            kr = {q.keyname: state['key']}
            ctx = None
            records = []
            for w in msgs:
                m = dns.message.from_wire(w, keyring=kr, request_mac=q.mac, xfr=True,
                                          origin=dns.name.from_text('example.'), tsig_ctx=ctx,
                                          multi=True, one_rr_per_rrset=True)
                if not m.had_tsig:
                    raise Exception('unsigned message')
                ctx = m.tsig_ctx
                for rrset in m.answer:
                    for rr in rrset:
                        records.append((rrset.rdtype, rr))
            soas = [rr.serial for t, rr in records if t == dns.rdatatype.SOA]
            out('ok', len(records), ' '.join(map(str, soas)))
        elif cmd == 'verify':
            alg, keyname, secret, hexwire = f[1], f[2], f[3], f[4]
            key = dns.tsig.Key(keyname, secret, alg)
            q = dns.message.from_wire(bytes.fromhex(hexwire), keyring={key.name: key})
            r = dns.message.make_response(q)
            r.flags |= dns.flags.AA
            out('ok', r.to_wire().hex())
        elif cmd == 'response':
            q = state['q']
            m = dns.message.from_wire(bytes.fromhex(f[1]), keyring={q.keyname: state['key']}, request_mac=q.mac)
            out('ok', m.rcode())
        else:
            out('error', 'unknown-command')
    except Exception as e:
        out('error', type(e).__name__, str(e).replace('\n', ' '))
"#;

struct Peer {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Peer {
    fn start() -> Option<Peer> {
        let probe = Command::new(PYTHON).args(["-c", "import dns.tsig, dns.message"]).output();
        if !probe.is_ok_and(|o| o.status.success()) {
            return None;
        }
        let mut child = Command::new(PYTHON)
            .args(["-c", SCRIPT])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take()?;
        let stdout = BufReader::new(child.stdout.take()?);
        Some(Peer { child, stdin, stdout })
    }

    fn ask(&mut self, lines: &[String]) -> Vec<String> {
        for line in lines {
            writeln!(self.stdin, "{line}").unwrap();
        }
        self.stdin.flush().unwrap();
        let mut answer = String::new();
        self.stdout.read_line(&mut answer).unwrap();
        answer.split_whitespace().map(str::to_string).collect()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn peer() -> Option<Peer> {
    let peer = Peer::start();
    let missing = format!("{PYTHON} with dnspython is missing (Debian package python3-dnspython)");
    nameward_peer::available("the TSIG interop test", peer.is_some(), &missing);
    peer
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

fn zone(serial: u32, extra: &str) -> Arc<Zone> {
    let text = format!(
        "$TTL 3600\n@ SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.1\n\
         www A 192.0.2.10\n{extra}"
    );
    Arc::new(Zone::from_text(&name("example."), "interop", &text).unwrap())
}

fn setup(algorithm: Algorithm) -> (Key, TransferConfig) {
    let key = Key::from_base64(&name("interop.key."), algorithm, SECRET).unwrap();
    let mut keys = KeyRing::new();
    keys.insert(key.clone());
    let acl = Acl {
        rules: vec![nameward_server::transfer::Rule {
            network: None,
            key: Some(name("interop.key.")),
        }],
    };
    let policy = ZonePolicy { transfer: acl.clone(), notify_from: acl, notify: vec![] };
    let config = TransferConfig {
        keys,
        policies: HashMap::from([(name("example."), policy)]),
        ..Default::default()
    };
    (key, config)
}

fn respond(
    zones: &Zones,
    journals: &Journals,
    config: &TransferConfig,
    query: &[u8],
) -> (TransferKind, Vec<Vec<u8>>) {
    let client: IpAddr = "127.0.0.1".parse().unwrap();
    let message = Incoming::parse(query).unwrap();
    let request = Request { message: &message, client, transport: Transport::Tcp, now: now() };
    let stream = respond_transfer(zones, journals, config, &request);
    let kind = stream.summary().kind;
    (kind, stream.collect())
}

fn stream_lines(messages: &[Vec<u8>]) -> Vec<String> {
    let mut lines = vec![format!("stream {}", messages.len())];
    lines.extend(messages.iter().map(|m| hex(m)));
    lines
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn dnspython_signed_transfers_verify_both_ways() {
    let Some(mut py) = peer() else { return };
    let extra: String = (0..2500).map(|i| format!("h{i} TXT \"{}\"\n", "z".repeat(50))).collect();
    let old = zone(1, &extra);
    let new = zone(2, &(extra.clone() + "added A 192.0.2.55\n"));
    let mut zones = Zones::new();
    zones.insert(Arc::clone(&new));
    let mut journals = Journals::default();
    journals.update(&old, &new);
    for (algorithm, mnemonic) in
        [(Algorithm::HmacSha256, "hmac-sha256"), (Algorithm::HmacSha512, "hmac-sha512")]
    {
        let (_, config) = setup(algorithm);
        // AXFR: several messages, each signed, chained to the previous MAC.
        let q = py.ask(&[format!("query {mnemonic} interop.key. {SECRET} AXFR")]);
        let (kind, messages) = respond(&zones, &journals, &config, &unhex(&q[0]));
        assert_eq!(kind, TransferKind::Full, "{mnemonic}");
        assert!(messages.len() >= 3);
        let verdict = py.ask(&stream_lines(&messages));
        let expected = new.records().count() + 1;
        assert_eq!(
            verdict,
            vec!["ok".into(), expected.to_string(), "2".into(), "2".into()],
            "{mnemonic}"
        );
        // IXFR from serial 1: the difference, signed.
        let q = py.ask(&[format!("query {mnemonic} interop.key. {SECRET} IXFR 1")]);
        let (kind, messages) = respond(&zones, &journals, &config, &unhex(&q[0]));
        assert_eq!(kind, TransferKind::Incremental);
        let verdict = py.ask(&stream_lines(&messages));
        assert_eq!(verdict, ["ok", "5", "2", "1", "2", "2"], "{mnemonic}");
    }
}

#[test]
fn nameward_signed_query_verifies_in_dnspython_and_back() {
    let Some(mut py) = peer() else { return };
    for (algorithm, mnemonic) in
        [(Algorithm::HmacSha256, "hmac-sha256"), (Algorithm::HmacSha512, "hmac-sha512")]
    {
        let (key, _) = setup(algorithm);
        let query = Message {
            header: Header { id: 0x5151, ..Header::default() },
            questions: vec![Question {
                name: name("example."),
                qtype: Rtype::SOA,
                qclass: Class::IN,
            }],
            ..Message::default()
        };
        let mut bytes = query.encode();
        let mac = tsig::sign(&mut bytes, &key, &SignParams::request(now()));
        let answer = py.ask(&[format!("verify {mnemonic} interop.key. {SECRET} {}", hex(&bytes))]);
        assert_eq!(answer[0], "ok", "{answer:?}");
        let response = unhex(&answer[1]);
        let verified = tsig::verify_response(&response, &key, &mac, now()).unwrap();
        assert_eq!(verified.error, 0);
        // Another key with the same name does not verify.
        let wrong = Key::from_base64(&name("interop.key."), algorithm, WRONG_SECRET).unwrap();
        assert!(tsig::verify_response(&response, &wrong, &mac, now()).is_err());
        let m = Message::decode(&response, DecodeOptions::STRICT).unwrap();
        assert_eq!(m.header.id, 0x5151);
    }
}

#[test]
fn nameward_tsig_errors_read_by_dnspython() {
    let Some(mut py) = peer() else { return };
    let z = zone(1, "");
    let mut zones = Zones::new();
    zones.insert(z);
    let (_, config) = setup(Algorithm::HmacSha256);
    let journals = Journals::default();
    let cases = [
        ("interop.key.", WRONG_SECRET, "PeerBadSignature"),
        ("unknown.key.", SECRET, "PeerBadKey"),
    ];
    for (keyname, secret, error) in cases {
        let q = py.ask(&[format!("query hmac-sha256 {keyname} {secret} AXFR")]);
        let (kind, messages) = respond(&zones, &journals, &config, &unhex(&q[0]));
        assert_eq!((kind, messages.len()), (TransferKind::Error, 1));
        let m = Message::decode(&messages[0], DecodeOptions::STRICT).unwrap();
        assert_eq!(m.rcode(), rcode::NOTAUTH);
        let answer = py.ask(&[format!("response {}", hex(&messages[0]))]);
        assert_eq!(
            answer.get(..2),
            Some(&["error".to_string(), error.to_string()][..]),
            "{answer:?}"
        );
    }
    // BADTIME: nameward's clock an hour ahead of the signer's.
    let q = py.ask(&[format!("query hmac-sha256 interop.key. {SECRET} AXFR")]);
    let bytes = unhex(&q[0]);
    let message = Incoming::parse(&bytes).unwrap();
    let request = Request {
        message: &message,
        client: "127.0.0.1".parse().unwrap(),
        transport: Transport::Tcp,
        now: now() + 3600,
    };
    let messages: Vec<Vec<u8>> = respond_transfer(&zones, &journals, &config, &request).collect();
    let answer = py.ask(&[format!("response {}", hex(&messages[0]))]);
    assert_eq!(
        answer.get(..2),
        Some(&["error".to_string(), "PeerBadTime".to_string()][..]),
        "{answer:?}"
    );
}
