//! Transfer interop: Knot DNS, NSD and BIND as TSIG-keyed secondaries of nameward on
//! loopback. nameward runs as `nameward serve` does (`Server::start` with a configuration naming
//! the secondary and its key: real sockets, reload, NOTIFY sender). Each secondary pulls the
//! zone (AXFR, signed); then the zone file changes, nameward reloads and sends a signed NOTIFY,
//! and the secondary pulls the difference (IXFR). After each step the secondary's answers are
//! compared with nameward's (rcode and answer section), and nameward's transfer counters must
//! show one AXFR then one IXFR.
//!
//! Without a peer's daemon its test cannot run: under `CI=true` that is a failure; otherwise
//! the test says loudly that it did not run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, Rtype};
use nameward_server::config::{SecondaryConfig, TsigKeyConfig, ZoneConfig};
use nameward_server::testing::{Peer, ask, free_port};
use nameward_server::{Config, ResponseBuffer, Server, Transport, Zones, answer};

const SECRET: &str = "aW50ZXJvcC10cmFuc2Zlci1rZXktbmFtZXdhcmQtMDAx";
const KEY_NAME: &str = "interop.key.";

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64
}

fn zone_text(serial: u32, extra: &str) -> String {
    let mut text = format!(
        "$TTL 3600
@        SOA   ns1 hostmaster {serial} 7200 3600 1209600 300
@        NS    ns1
ns1      A     127.0.0.1
www      A     192.0.2.10
www      AAAA  2001:db8::10
www      TXT   \"hello world\"
alias    CNAME www
mail     MX    10 www
sub      NS    ns.sub
ns.sub   A     192.0.2.40
"
    );
    for i in 0..400 {
        text.push_str(&format!(
            "h{i} A 198.51.{}.{}\nh{i} TXT \"host number {i}\"\n",
            i / 250,
            i % 250
        ));
    }
    text.push_str(extra);
    text
}

/// nameward serving `example.` from `dir/example.zone`, with `secondary` as its TSIG-keyed
/// secondary.
fn start_nameward(dir: &Path, secondary: SocketAddr) -> Server {
    let config = Config {
        listen: vec!["127.0.0.1:0".parse().unwrap()],
        zones: vec![ZoneConfig {
            origin: "example.".into(),
            file: dir.join("example.zone"),
            sign: false,
            update: Vec::new(),
            journal: None,
        }],
        workers: 1,
        secondaries: vec![SecondaryConfig {
            address: secondary,
            zones: vec![],
            key: Some(KEY_NAME.into()),
        }],
        keys: vec![TsigKeyConfig {
            name: KEY_NAME.into(),
            algorithm: "hmac-sha256".into(),
            secret: SECRET.into(),
        }],
        ..Config::default()
    };
    Server::start(config).unwrap()
}

fn transfers(server: &Server) -> (u64, u64) {
    let c = &server.shared().metrics.shared;
    (c.transfers_axfr.load(Ordering::Relaxed), c.transfers_ixfr.load(Ordering::Relaxed))
}

fn ours(zones: &Zones, qname: &str, qtype: Rtype) -> Message {
    let query = Message {
        header: Header { id: 0x3344, ..Header::default() },
        questions: vec![Question { name: name(qname), qtype, qclass: Class::IN }],
        ..Message::default()
    };
    let mut buffer = ResponseBuffer::new(Transport::Tcp);
    answer(zones, &query.encode(), &mut buffer);
    Message::decode(buffer.as_bytes(), DecodeOptions::STRICT).unwrap()
}

/// The secondary and nameward give the same rcode and answer section.
fn compare(server: &Server, secondary: SocketAddr, peer: &str) {
    let zones = server.shared().zones.load_full();
    let queries = [
        ("example.", Rtype::SOA),
        ("example.", Rtype::NS),
        ("www.example.", Rtype::A),
        ("www.example.", Rtype::AAAA),
        ("www.example.", Rtype::TXT),
        ("alias.example.", Rtype::A),
        ("mail.example.", Rtype::MX),
        ("h7.example.", Rtype::TXT),
        ("h399.example.", Rtype::A),
        ("added.example.", Rtype::A),
        ("gone.example.", Rtype::A),
        ("nothere.example.", Rtype::A),
        ("www.example.", Rtype::MX),
    ];
    for (qname, qtype) in queries {
        let theirs = ask(secondary, qname, qtype)
            .unwrap_or_else(|| panic!("{peer}: no answer to {qname} {qtype}"));
        let mine = ours(&zones, qname, qtype);
        let set = |m: &Message| {
            m.answers.iter().map(|r| r.to_string().to_lowercase()).collect::<BTreeSet<_>>()
        };
        assert_eq!(theirs.rcode(), mine.rcode(), "{peer}: rcode of {qname} {qtype}");
        assert_eq!(set(&theirs), set(&mine), "{peer}: answer to {qname} {qtype}");
    }
}

fn temp_dir(peer: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "nameward-xfr-{peer}-{}-{}",
        std::process::id(),
        now_ms()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// AXFR, compare, reload + NOTIFY, IXFR, compare.
fn scenario(secondary_peer: Peer) {
    if !secondary_peer.available("transfer interop") {
        return;
    }
    let peer = secondary_peer.name();
    let port = free_port();
    let secondary: SocketAddr = ([127, 0, 0, 1], port).into();
    let dir = temp_dir(&format!("{peer}-primary"));
    std::fs::write(dir.join("example.zone"), zone_text(2026112101, "gone A 192.0.2.66\n")).unwrap();
    let server = start_nameward(&dir, secondary);
    let mut daemon =
        secondary_peer.secondary("example.", server.local_addrs()[0], port, KEY_NAME, SECRET);
    daemon.wait_for_serial(secondary, "example.", 2026112101);
    compare(&server, secondary, peer);
    assert_eq!(transfers(&server), (1, 0), "{peer}: AXFR, IXFR served\n{}", daemon.log());

    let new = zone_text(2026112102, "added A 192.0.2.77\nwww A 192.0.2.11\n");
    std::fs::write(dir.join("example.zone"), new).unwrap();
    assert!(server.reload().ok());
    daemon.wait_for_serial(secondary, "example.", 2026112102);
    compare(&server, secondary, peer);
    assert_eq!(transfers(&server), (1, 1), "{peer}: AXFR, IXFR served\n{}", daemon.log());
    // The NOTIFY was acknowledged: nothing left to send.
    let started = Instant::now();
    while !server.shared().notifiers.lock().unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{peer}: NOTIFY not acknowledged\n{}",
            daemon.log()
        );
        thread::sleep(Duration::from_millis(100));
    }
    server.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn knot_secondary() {
    scenario(Peer::Knot);
}

#[test]
fn nsd_secondary() {
    scenario(Peer::Nsd);
}

#[test]
fn bind_secondary() {
    scenario(Peer::Bind);
}
