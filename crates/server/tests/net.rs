//! The network layer over real sockets on loopback: UDP and TCP answers, pipelining, TC and
//! TCP fallback, timeouts, connection limits, malformed input, reloads, metrics, rate limiting.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nameward_dns::message::{Header, Message};
use nameward_dns::rdata::RecordData;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Name, Question, Rtype};
use nameward_server::config::{RrlConfig, ZoneConfig};
use nameward_server::net::control;
use nameward_server::{Config, Server};

fn zone_text(serial: u32) -> String {
    let mut text = format!(
        "$TTL 300\n@ SOA ns1 host {serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n\
         www A 192.0.2.80\nwww AAAA 2001:db8::80\n"
    );
    // An RRset too large for 512 octets: TC over UDP without EDNS.
    for i in 0..40 {
        text.push_str(&format!("big TXT \"record number {i} of a set that does not fit\"\n"));
    }
    text
}

/// A temporary directory with a zone file, removed at the end.
struct Dir(PathBuf);

impl Dir {
    fn new(tag: &str) -> Dir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("nameward-net-{}-{tag}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Dir(dir)
    }
    fn zone(&self) -> PathBuf {
        self.0.join("example.test.zone")
    }
    fn control(&self) -> PathBuf {
        self.0.join("control.sock")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn config(dir: &Dir) -> Config {
    std::fs::write(dir.zone(), zone_text(1)).unwrap();
    Config {
        listen: vec!["127.0.0.1:0".parse().unwrap()],
        zones: vec![ZoneConfig {
            origin: "example.test.".into(),
            file: dir.zone(),
            sign: false,
            update: Vec::new(),
            journal: None,
        }],
        workers: 2,
        ..Config::default()
    }
}

fn start(config: Config) -> Server {
    Server::start(config).expect("server starts")
}

fn name(text: &str) -> Name {
    Name::parse(text, Some(&Name::root())).unwrap()
}

fn query(id: u16, qname: &str, qtype: Rtype) -> Vec<u8> {
    Message {
        header: Header { id, ..Header::default() },
        questions: vec![Question { name: name(qname), qtype, qclass: Class::IN }],
        ..Message::default()
    }
    .encode()
}

fn decode(bytes: &[u8]) -> Message {
    Message::decode(bytes, DecodeOptions::STRICT).unwrap()
}

fn udp_client(server: SocketAddr) -> UdpSocket {
    let bind = if server.is_ipv6() { "[::1]:0" } else { "127.0.0.1:0" };
    let socket = UdpSocket::bind(bind).unwrap();
    socket.connect(server).unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    socket
}

fn udp_ask(server: SocketAddr, message: &[u8]) -> Option<Vec<u8>> {
    let socket = udp_client(server);
    socket.send(message).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).ok()?;
    Some(buf[..n].to_vec())
}

fn tcp_send(stream: &mut TcpStream, message: &[u8]) {
    let mut framed = (message.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(message);
    stream.write_all(&framed).unwrap();
}

fn tcp_read(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut len = [0u8; 2];
    stream.read_exact(&mut len).ok()?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes(len))];
    stream.read_exact(&mut body).ok()?;
    Some(body)
}

fn tcp_connect(server: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(server).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
}

fn serial(response: &Message) -> u32 {
    match response.answers.first().map(|r| &r.data) {
        Some(RecordData::Soa(soa)) => soa.serial,
        other => panic!("no SOA in the answer: {other:?}"),
    }
}

#[test]
fn answers_over_udp_and_tcp_on_ipv4_and_ipv6() {
    let dir = Dir::new("basic");
    let mut config = config(&dir);
    // A container without IPv6 loopback can only test IPv4.
    let ipv6 = UdpSocket::bind("[::1]:0").is_ok();
    if ipv6 {
        config.listen.push("[::1]:0".parse().unwrap());
    } else {
        eprintln!("no ::1 here: IPv6 not tested");
    }
    let server = start(config);
    assert_eq!(server.local_addrs().len(), 1 + usize::from(ipv6));
    for &addr in server.local_addrs() {
        let r = decode(&udp_ask(addr, &query(7, "WWW.example.test.", Rtype::A)).unwrap());
        assert_eq!(r.header.id, 7);
        assert!(r.header.aa);
        assert_eq!(r.questions[0].name.to_string(), "WWW.example.test.");
        assert_eq!(r.answers.len(), 1);
        let mut stream = tcp_connect(addr);
        tcp_send(&mut stream, &query(8, "www.example.test.", Rtype::AAAA));
        let r = decode(&tcp_read(&mut stream).unwrap());
        assert_eq!((r.header.id, r.answers.len()), (8, 1));
    }
    server.shutdown();
}

#[test]
fn tcp_pipelined_queries_are_answered_in_order() {
    let dir = Dir::new("pipeline");
    let server = start(config(&dir));
    let mut stream = tcp_connect(server.local_addrs()[0]);
    let types = [Rtype::A, Rtype::AAAA, Rtype::SOA, Rtype::NS, Rtype::TXT, Rtype::MX];
    let mut all = Vec::new();
    for (id, &t) in types.iter().enumerate() {
        let q = query(id as u16 + 100, "www.example.test.", t);
        all.extend_from_slice(&(q.len() as u16).to_be_bytes());
        all.extend_from_slice(&q);
    }
    // Every query in flight at once, in one write.
    stream.write_all(&all).unwrap();
    for (id, &t) in types.iter().enumerate() {
        let r = decode(&tcp_read(&mut stream).unwrap());
        assert_eq!(r.header.id, id as u16 + 100);
        assert_eq!(r.questions[0].qtype, t);
    }
    // Shutdown closes the open connection between queries and does not wait for its timeout.
    let started = Instant::now();
    server.shutdown();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    let mut one = [0u8; 1];
    assert_eq!(stream.read(&mut one).unwrap_or(0), 0);
}

#[test]
fn truncated_over_udp_then_whole_over_tcp() {
    let dir = Dir::new("tc");
    let server = start(config(&dir));
    let addr = server.local_addrs()[0];
    let q = query(9, "big.example.test.", Rtype::TXT);
    let udp = decode(&udp_ask(addr, &q).unwrap());
    assert!(udp.header.tc);
    assert!(udp.answers.is_empty());
    let mut stream = tcp_connect(addr);
    tcp_send(&mut stream, &q);
    let tcp = decode(&tcp_read(&mut stream).unwrap());
    assert!(!tcp.header.tc);
    assert_eq!(tcp.answers.len(), 40);
    let text = server.shutdown_metrics();
    assert!(text.contains("nameward_responses_truncated_total 1"), "{text}");
}

trait ScrapeThenStop {
    fn shutdown_metrics(self) -> String;
}

impl ScrapeThenStop for Server {
    fn shutdown_metrics(self) -> String {
        let text = self.shared().metrics.render();
        self.shutdown();
        text
    }
}

#[test]
fn idle_connections_are_closed_after_the_timeout() {
    let dir = Dir::new("idle");
    let mut config = config(&dir);
    config.tcp.idle_timeout_secs = 2;
    let server = start(config);
    let addr = server.local_addrs()[0];
    let mut idle = tcp_connect(addr);
    // A stalled client: half a length prefix, then nothing.
    let mut stalled = tcp_connect(addr);
    stalled.write_all(&[0]).unwrap();
    let started = Instant::now();
    // Others are served while those two hang.
    let mut fresh = tcp_connect(addr);
    tcp_send(&mut fresh, &query(1, "www.example.test.", Rtype::A));
    assert!(tcp_read(&mut fresh).is_some());
    assert!(started.elapsed() < Duration::from_millis(1900));
    let mut buf = [0u8; 1];
    assert_eq!(idle.read(&mut buf).unwrap_or(0), 0);
    assert_eq!(stalled.read(&mut buf).unwrap_or(0), 0);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(1900) && waited < Duration::from_secs(6), "{waited:?}");
    // The counter is bumped just after the connection closes: give it a moment to catch up.
    let timed_out = |text: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix("nameward_tcp_connections_timed_out_total "))
            .and_then(|n| n.parse::<u64>().ok())
    };
    let deadline = Instant::now() + Duration::from_secs(2);
    let mut text = server.shared().metrics.render();
    while timed_out(&text).unwrap_or(0) < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        text = server.shared().metrics.render();
    }
    server.shutdown();
    // `fresh` may have timed out too by now.
    assert!(matches!(timed_out(&text), Some(2 | 3)), "{text}");
}

#[test]
fn connections_over_the_limit_are_refused() {
    let dir = Dir::new("limit");
    let mut config = config(&dir);
    config.tcp.max_connections_per_client = 2;
    let server = start(config);
    let addr = server.local_addrs()[0];
    let mut kept: Vec<TcpStream> = (0..2).map(|_| tcp_connect(addr)).collect();
    // Make sure both were accepted before the third arrives.
    for (i, stream) in kept.iter_mut().enumerate() {
        tcp_send(stream, &query(i as u16, "www.example.test.", Rtype::A));
        assert!(tcp_read(stream).is_some());
    }
    let mut extra = tcp_connect(addr);
    let _ = extra.write_all(&[0, 12]);
    let mut buf = [0u8; 1];
    assert_eq!(extra.read(&mut buf).unwrap_or(0), 0, "the third connection is closed");
    for stream in &mut kept {
        tcp_send(stream, &query(5, "www.example.test.", Rtype::A));
        assert!(tcp_read(stream).is_some(), "the admitted ones still work");
    }
    drop(kept);
    // Once they close, a new connection is admitted again.
    std::thread::sleep(Duration::from_millis(200));
    let mut again = tcp_connect(addr);
    tcp_send(&mut again, &query(6, "www.example.test.", Rtype::A));
    assert!(tcp_read(&mut again).is_some());
    let text = server.shutdown_metrics();
    assert!(text.contains("nameward_tcp_connections_refused_total 1"), "{text}");
}

#[test]
fn malformed_messages_get_formerr_or_nothing_and_others_are_served() {
    let dir = Dir::new("malformed");
    let server = start(config(&dir));
    let addr = server.local_addrs()[0];
    let socket = udp_client(addr);
    socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let mut buf = [0u8; 4096];
    // Too short to answer: nothing.
    socket.send(&[1, 2, 3]).unwrap();
    assert!(socket.recv(&mut buf).is_err());
    // A header promising a question that is not there, and a compression loop: FORMERR.
    let mut looped = query(77, "www.example.test.", Rtype::A);
    looped.truncate(12);
    looped.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
    for bad in [vec![0, 66, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, b'x'], looped] {
        socket.send(&bad).unwrap();
        let n = socket.recv(&mut buf).unwrap();
        let r = decode(&buf[..n]);
        assert_eq!(r.rcode(), 1, "FORMERR");
    }
    // Oversized over UDP: dropped.
    socket.send(&vec![0u8; 5000]).unwrap();
    assert!(socket.recv(&mut buf).is_err());
    // A TCP length prefix of 0 and of more than allowed: the connection closes.
    for prefix in [[0u8, 0], [0xFF, 0xFF]] {
        let mut stream = tcp_connect(addr);
        stream.write_all(&prefix).unwrap();
        let mut one = [0u8; 1];
        assert_eq!(stream.read(&mut one).unwrap_or(0), 0);
    }
    let r = decode(&udp_ask(addr, &query(8, "www.example.test.", Rtype::A)).unwrap());
    assert_eq!(r.answers.len(), 1);
    server.shutdown();
}

#[test]
fn reload_swaps_zones_without_losing_a_query() {
    let dir = Dir::new("reload");
    let server = start(config(&dir));
    let addr = server.local_addrs()[0];
    let stop = Arc::new(AtomicBool::new(false));
    let loops: Vec<_> = (0..2)
        .map(|_| {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let socket = udp_client(addr);
                let mut tcp = tcp_connect(addr);
                let mut buf = [0u8; 4096];
                let mut serials = Vec::new();
                let mut id = 0u16;
                while !stop.load(Ordering::Relaxed) {
                    id = id.wrapping_add(1);
                    let q = query(id, "example.test.", Rtype::SOA);
                    socket.send(&q).unwrap();
                    let n = socket.recv(&mut buf).expect("every UDP query is answered");
                    let r = decode(&buf[..n]);
                    assert_eq!((r.header.id, r.rcode()), (id, 0));
                    serials.push(serial(&r));
                    tcp_send(&mut tcp, &q);
                    let r = decode(&tcp_read(&mut tcp).expect("every TCP query is answered"));
                    serials.push(serial(&r));
                }
                serials
            })
        })
        .collect();
    for serial in 2..=4 {
        std::thread::sleep(Duration::from_millis(100));
        std::fs::write(dir.zone(), zone_text(serial)).unwrap();
        let report = server.reload();
        assert!(report.ok(), "{}", report.summary());
        assert_eq!(report.zones[0].serial, Some(serial));
    }
    std::thread::sleep(Duration::from_millis(100));
    stop.store(true, Ordering::Relaxed);
    for handle in loops {
        let serials = handle.join().expect("the query loop did not fail");
        assert!(serials.windows(2).all(|w| w[0] <= w[1]), "serials never go back");
        assert_eq!(serials.last(), Some(&4));
        assert!(serials.len() > 10);
    }
    server.shutdown();
}

#[test]
fn broken_zone_on_reload_keeps_the_old_one_and_says_where() {
    let dir = Dir::new("broken");
    let mut config = config(&dir);
    config.control = Some(dir.control());
    let server = start(config);
    let addr = server.local_addrs()[0];
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(dir.control()).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600, "only the owner may use the control socket");
    std::fs::write(dir.zone(), zone_text(5) + "bad A 192.0.2.999\n").unwrap();
    let (ok, details) = control::request(&dir.control(), "reload").unwrap();
    assert!(!ok);
    let line = zone_text(5).lines().count() + 1;
    let file_line = format!("{}:{line}", dir.zone().display());
    assert!(details.contains(&file_line), "{details}");
    assert!(details.contains("serial 1"), "{details}");
    let r = decode(&udp_ask(addr, &query(3, "example.test.", Rtype::SOA)).unwrap());
    assert_eq!(serial(&r), 1, "the old zone is still served");
    std::fs::write(dir.zone(), zone_text(6)).unwrap();
    let (ok, details) = control::request(&dir.control(), "reload").unwrap();
    assert!(ok, "{details}");
    let r = decode(&udp_ask(addr, &query(4, "example.test.", Rtype::SOA)).unwrap());
    assert_eq!(serial(&r), 6);
    let (ok, status) = control::request(&dir.control(), "status").unwrap();
    assert!(ok && status.contains("example.test. serial 6"), "{status}");
    let text = server.shutdown_metrics();
    assert!(text.contains("nameward_reloads_failed_total 1"), "{text}");
    assert!(text.contains("nameward_reloads_total 1"), "{text}");
    assert!(!dir.control().exists(), "the control socket is removed on shutdown");
}

#[test]
fn metrics_endpoint_counts_queries_by_type_and_rcode() {
    let dir = Dir::new("metrics");
    let mut config = config(&dir);
    config.metrics = Some("127.0.0.1:0".parse().unwrap());
    let server = start(config);
    let addr = server.local_addrs()[0];
    udp_ask(addr, &query(1, "www.example.test.", Rtype::AAAA)).unwrap();
    udp_ask(addr, &query(2, "nope.example.test.", Rtype::A)).unwrap();
    udp_ask(addr, &query(3, "elsewhere.", Rtype::A)).unwrap();
    let mut http = TcpStream::connect(server.metrics_addr().unwrap()).unwrap();
    http.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut text = String::new();
    http.read_to_string(&mut text).unwrap();
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("text/plain; version=0.0.4"), "{text}");
    for line in [
        "nameward_queries_total{transport=\"udp\",qtype=\"AAAA\"} 1",
        "nameward_queries_total{transport=\"udp\",qtype=\"A\"} 2",
        "nameward_responses_total{rcode=\"NOERROR\"} 1",
        "nameward_responses_total{rcode=\"NXDOMAIN\"} 1",
        "nameward_responses_total{rcode=\"REFUSED\"} 1",
        "nameward_transfers_total{type=\"AXFR\"} 0",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    server.shutdown();
}

#[test]
fn rate_limiting_drops_and_slips_identical_responses() {
    let dir = Dir::new("rrl");
    let mut config = config(&dir);
    config.workers = 1;
    config.rrl = Some(RrlConfig { responses_per_second: 2, slip: 2, table_size: 1024 });
    let server = start(config);
    let socket = udp_client(server.local_addrs()[0]);
    socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let q = query(1, "www.example.test.", Rtype::A);
    for _ in 0..10 {
        socket.send(&q).unwrap();
    }
    let mut buf = [0u8; 4096];
    let (mut full, mut slipped) = (0, 0);
    while let Ok(n) = socket.recv(&mut buf) {
        let r = decode(&buf[..n]);
        if r.header.tc { slipped += 1 } else { full += 1 }
    }
    // Ten within one second, or split over two: 2 to 4 full answers, and every second
    // limited one slipped.
    assert!((2..=4).contains(&full), "{full} full answers");
    assert!(slipped >= 2, "{slipped} slipped");
    let text = server.shutdown_metrics();
    assert!(text.contains("nameward_rrl_slipped_total"), "{text}");
}

/// `www.example.test. A` with EDNS and a COOKIE option of `cookie`.
fn query_with_cookie(id: u16, cookie: &[u8]) -> Vec<u8> {
    let mut q =
        Message::decode(&query(id, "www.example.test.", Rtype::A), DecodeOptions::STRICT).unwrap();
    q.edns = Some(nameward_dns::Edns {
        options: vec![nameward_dns::message::EdnsOption { code: 10, data: cookie.to_vec() }],
        ..nameward_dns::Edns::default()
    });
    q.encode()
}

fn cookie_of(response: &Message) -> Vec<u8> {
    let options = &response.edns.as_ref().expect("an OPT record").options;
    options.iter().find(|o| o.code == 10).expect("a COOKIE option").data.clone()
}

#[test]
fn rate_limiting_trusts_a_valid_cookie_and_not_a_forged_one() {
    let dir = Dir::new("rrl-cookie");
    let mut config = config(&dir);
    config.workers = 1;
    // Everything over one response a second is dropped.
    config.rrl = Some(RrlConfig { responses_per_second: 1, slip: 0, table_size: 1024 });
    let server = start(config);
    let socket = udp_client(server.local_addrs()[0]);
    socket.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    socket.send(&query_with_cookie(1, b"clientck")).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).unwrap();
    let cookie = cookie_of(&decode(&buf[..n]));
    assert_eq!((cookie.len(), &cookie[..8]), (24, &b"clientck"[..]));
    let mut forged = cookie.clone();
    forged[20] ^= 0x55;
    let mut answered = |cookie: &[u8]| {
        for id in 0..10 {
            socket.send(&query_with_cookie(id, cookie)).unwrap();
        }
        let mut count = 0;
        while let Ok(n) = socket.recv(&mut buf) {
            let r = decode(&buf[..n]);
            assert_eq!((r.rcode(), r.answers.len()), (0, 1));
            count += 1;
        }
        count
    };
    assert_eq!(answered(&cookie), 10, "a valid cookie proves the address: never limited");
    let forged_answers = answered(&forged);
    assert!(forged_answers <= 2, "{forged_answers} answers to a forged cookie");
    server.shutdown();
}

/// dnspython (as a resolver would) sends a client cookie, learns the server cookie, sends both
/// back and is answered with the same; a malformed COOKIE gets FORMERR.
#[test]
fn dnspython_learns_a_server_cookie_and_is_known_by_it() {
    const PYTHON: &str = "/usr/bin/python3";
    if !nameward_peer::program("cookie interop", PYTHON, "python3-dnspython") {
        return;
    }
    let dir = Dir::new("dnspython-cookie");
    let server = start(config(&dir));
    let port = server.local_addrs()[0].port().to_string();
    let script = r#"
import sys
import dns.edns, dns.message, dns.query, dns.rcode
port = int(sys.argv[1])
def ask(cookie):
    q = dns.message.make_query('www.example.test.', 'A', use_edns=0,
                               options=[dns.edns.GenericOption(10, cookie)])
    r = dns.query.udp(q, '127.0.0.1', port=port, timeout=2)
    sent = [o.data for o in r.options if o.otype == 10]
    return dns.rcode.to_text(r.rcode()), len(r.answer), sent[0] if sent else b''
rcode, answers, first = ask(b'dnspytho')
assert (rcode, answers) == ('NOERROR', 1), (rcode, answers)
assert len(first) == 24 and first[:8] == b'dnspytho' and first[8] == 1, first.hex()
rcode, answers, again = ask(first)
assert (rcode, answers, again) == ('NOERROR', 1, first), (rcode, answers, again.hex())
rcode, answers, _ = ask(b'short')
assert rcode == 'FORMERR', rcode
print('ok', first.hex())
"#;
    let out = std::process::Command::new(PYTHON).args(["-c", script, &port]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.starts_with("ok "),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.shutdown();
}

#[test]
fn transfers_reach_the_transfer_hook() {
    let dir = Dir::new("axfr");
    let server = start(config(&dir));
    let mut stream = tcp_connect(server.local_addrs()[0]);
    tcp_send(&mut stream, &query(1, "example.test.", Rtype::AXFR));
    let r = decode(&tcp_read(&mut stream).unwrap());
    assert_eq!(r.rcode(), 5, "REFUSED until transfers are served");
    server.shutdown();
}

#[test]
fn kdig_gets_answers_over_udp_and_tcp() {
    if !nameward_peer::program("kdig", "/usr/bin/kdig", "knot-dnsutils") {
        return;
    }
    let dir = Dir::new("kdig");
    let mut config = config(&dir);
    config.nsid = Some("nameward-test-1".to_owned());
    let server = start(config);
    let addr = server.local_addrs()[0];
    let port = addr.port().to_string();
    // kdig's output for an SOA query over `transport` with `options`.
    let kdig = |transport: &str, options: &[&str]| {
        let out = std::process::Command::new("/usr/bin/kdig")
            .args(["@127.0.0.1", "-p", &port, transport, "-t", "SOA", "example.test."])
            .args(options)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // The line of `option` (`NSID: `, `EXPIRE: `, `COOKIE: `) in kdig's output.
    let line = |text: &str, option: &str| {
        text.lines().find(|l| l.contains(option)).map(str::to_owned).unwrap_or_default()
    };
    for transport in ["+notcp", "+tcp"] {
        let text = kdig(transport, &["+short"]);
        assert!(text.contains("ns1.example.test. host.example.test. 1 3600"), "{text}");
        // kdig asks for the NSID (RFC 5001), the EXPIRE timer (RFC 7314, which a primary takes
        // from its SOA) and a server cookie (RFC 7873), and shows what we send.
        let text = kdig(transport, &["+nsid", "+expire", "+cookie"]);
        assert!(text.contains("status: NOERROR"), "{text}");
        assert!(line(&text, "NSID: ").contains("\"nameward-test-1\""), "{text}");
        assert!(line(&text, "EXPIRE: ").contains("EXPIRE: 86400"), "{text}");
        let cookie = line(&text, "COOKIE: ");
        let hex: String = cookie
            .split("COOKIE: ")
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_hexdigit)
            .collect::<String>()
            .to_ascii_lowercase();
        assert_eq!(hex.len(), 48, "a client and a 16-octet server cookie: {text}");
        assert!(hex[16..].starts_with("01000000"), "an RFC 9018 server cookie: {cookie}");
        // Sent back whole, it is accepted: the same server cookie comes back (a fresh one
        // is made only after half an hour).
        let text = kdig(transport, &[&format!("+cookie={hex}")]);
        assert!(text.contains("status: NOERROR"), "{text}");
        let again = line(&text, "COOKIE: ").to_ascii_lowercase();
        assert!(again.contains(&hex), "{again} after {cookie}");
    }
    server.shutdown();
}

#[test]
fn a_client_that_does_not_read_is_dropped_after_the_timeout() {
    let dir = Dir::new("noread");
    let mut config = config(&dir);
    config.tcp.idle_timeout_secs = 1;
    let server = start(config);
    let addr = server.local_addrs()[0];
    let mut greedy = tcp_connect(addr);
    // About 2 KB of answer per query: some 16 MB of responses nobody reads.
    let q = query(1, "big.example.test.", Rtype::TXT);
    let mut framed = (q.len() as u16).to_be_bytes().to_vec();
    framed.extend_from_slice(&q);
    greedy.set_write_timeout(Some(Duration::from_secs(5))).unwrap();
    for _ in 0..8000 {
        if greedy.write_all(&framed).is_err() {
            break;
        }
    }
    // Others are served while the server's writes to it are stuck.
    let mut other = tcp_connect(addr);
    tcp_send(&mut other, &query(2, "www.example.test.", Rtype::A));
    assert!(tcp_read(&mut other).is_some());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = server.shared().metrics.render();
        if text.contains("nameward_tcp_connections_timed_out_total 1")
            || text.contains("nameward_tcp_connections_timed_out_total 2")
        {
            break;
        }
        assert!(Instant::now() < deadline, "the stuck connection was not dropped:\n{text}");
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(greedy);
    server.shutdown();
}

#[test]
fn zone_files_may_include_others_from_their_directory() {
    let dir = Dir::new("include");
    let mut config = config(&dir);
    std::fs::write(dir.0.join("hosts"), "mail A 192.0.2.25\n").unwrap();
    std::fs::write(dir.zone(), zone_text(1) + "$INCLUDE hosts\n").unwrap();
    config.listen = vec!["127.0.0.1:0".parse().unwrap()];
    let server = start(config);
    let r = decode(
        &udp_ask(server.local_addrs()[0], &query(1, "mail.example.test.", Rtype::A)).unwrap(),
    );
    assert_eq!(r.answers.len(), 1);
    server.shutdown();
}

#[test]
fn a_flood_of_connections_stops_at_the_total_limit() {
    let dir = Dir::new("flood");
    let mut config = config(&dir);
    config.tcp.max_connections = 3;
    config.tcp.max_connections_per_client = 100;
    let server = start(config);
    let addr = server.local_addrs()[0];
    let mut open = Vec::new();
    let mut refused = 0;
    for i in 0..10u16 {
        let mut stream = tcp_connect(addr);
        stream.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        tcp_send(&mut stream, &query(i, "www.example.test.", Rtype::A));
        match tcp_read(&mut stream) {
            Some(_) => open.push(stream),
            None => refused += 1,
        }
    }
    assert_eq!((open.len(), refused), (3, 7));
    server.shutdown();
}

#[test]
fn random_garbage_does_not_stop_the_server() {
    let dir = Dir::new("garbage");
    let server = start(config(&dir));
    let addr = server.local_addrs()[0];
    let socket = udp_client(addr);
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2000 {
        let len = (next() % 600) as usize;
        let mut packet: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Half of them look like queries, so they reach the decoder.
        if next() % 2 == 0 && packet.len() > 12 {
            packet[2] &= 0x07;
            packet[4] = 0;
            packet[5] = 1;
        }
        socket.send(&packet).unwrap();
        let mut stream = None;
        if next() % 50 == 0 {
            let mut s = tcp_connect(addr);
            tcp_send(&mut s, &packet);
            stream = Some(s);
        }
        drop(stream);
    }
    // UDP may lose a datagram on a loaded machine: the server must answer one of three tries.
    let answer = (0..3).find_map(|_| udp_ask(addr, &query(9, "www.example.test.", Rtype::A)));
    let r = decode(&answer.expect("the server still answers after the garbage"));
    assert_eq!(r.answers.len(), 1);
    server.shutdown();
}
