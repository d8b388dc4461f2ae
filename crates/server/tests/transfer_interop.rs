//! Transfer interop: Knot DNS, NSD and BIND as TSIG-keyed secondaries of nameward on
//! loopback. Each pulls the zone (AXFR), then nameward reloads a new version, sends NOTIFY,
//! and the secondary pulls the difference (IXFR); after each step the secondary's answers are
//! compared with nameward's.
//!
//! Until `nameward serve` exists, nameward's side is a small loopback server in this file that
//! only moves bytes to and from the library's pure functions (`answer`, `respond_transfer`,
//! `respond_signed`, `respond_notify`, `Notifier`) — the same calls the network layer makes.
//!
//! Without a peer's daemon its test cannot run: under `CI=true` that is a failure; otherwise
//! the test says loudly that it did not run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nameward_dns::message::opcode;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, Rtype};
use nameward_server::transfer::tsig::{Algorithm, Key, KeyRing};
use nameward_server::transfer::{
    Acl, Journals, Notifier, NotifyTarget, Request, RetryPolicy, Rule, TransferConfig,
    TransferKind, ZonePolicy, notify_after_reload, respond_notify, respond_signed,
    respond_transfer,
};
use nameward_server::{Outcome, ResponseBuffer, Transport, Zone, Zones, answer};

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

fn zone(serial: u32, extra: &str) -> Arc<Zone> {
    Arc::new(Zone::from_text(&name("example."), "interop", &zone_text(serial, extra)).unwrap())
}

/// nameward's side: a loopback UDP and TCP server over the pure functions.
struct Primary {
    addr: SocketAddr,
    zones: RwLock<Arc<Zones>>,
    journals: RwLock<Arc<Journals>>,
    config: TransferConfig,
    notifier: Mutex<Option<Notifier>>,
    transfers: Mutex<Vec<TransferKind>>,
    udp: UdpSocket,
    stop: AtomicBool,
}

impl Primary {
    fn start(first: Arc<Zone>, secondary: SocketAddr) -> Arc<Primary> {
        let (udp, tcp) = bind_pair();
        let addr = udp.local_addr().unwrap();
        let key = Key::from_base64(&name(KEY_NAME), Algorithm::HmacSha256, SECRET).unwrap();
        let mut keys = KeyRing::new();
        keys.insert(key);
        let by_key = Acl {
            rules: vec![Rule {
                network: Some("127.0.0.0/8".parse().unwrap()),
                key: Some(name(KEY_NAME)),
            }],
        };
        let policy = ZonePolicy {
            transfer: by_key.clone(),
            notify_from: by_key,
            notify: vec![NotifyTarget { address: secondary, key: Some(name(KEY_NAME)) }],
        };
        let config = TransferConfig {
            keys,
            policies: HashMap::from([(name("example."), policy)]),
            ..Default::default()
        };
        let mut zones = Zones::new();
        zones.insert(first);
        udp.set_read_timeout(Some(Duration::from_millis(100))).unwrap();
        let primary = Arc::new(Primary {
            addr,
            zones: RwLock::new(Arc::new(zones)),
            journals: RwLock::new(Arc::new(Journals::default())),
            config,
            notifier: Mutex::new(None),
            transfers: Mutex::new(Vec::new()),
            udp,
            stop: AtomicBool::new(false),
        });
        let p = Arc::clone(&primary);
        thread::spawn(move || p.serve_udp());
        let p = Arc::clone(&primary);
        tcp.set_nonblocking(true).unwrap();
        thread::spawn(move || {
            while !p.stop.load(Ordering::Relaxed) {
                match tcp.accept() {
                    Ok((stream, peer)) => {
                        let p = Arc::clone(&p);
                        thread::spawn(move || p.serve_tcp(stream, peer));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        primary
    }

    /// One query in, the messages to send back.
    fn handle(&self, query: &[u8], client: SocketAddr, transport: Transport) -> Vec<Vec<u8>> {
        let zones = Arc::clone(&self.zones.read().unwrap());
        let request = Request { query, client: client.ip(), transport, now: now_ms() / 1000 };
        let Ok(header) = Message::decode(query, DecodeOptions::LENIENT).map(|m| m.header) else {
            return Vec::new();
        };
        if header.opcode == opcode::NOTIFY {
            if header.qr {
                if let Some(n) = self.notifier.lock().unwrap().as_mut() {
                    n.on_response(client, query, now_ms());
                }
                return Vec::new();
            }
            return respond_notify(&zones, &self.config, &request).into_iter().collect();
        }
        let mut buffer = ResponseBuffer::new(transport);
        let outcome = answer(&zones, query, &mut buffer);
        if let Outcome::Response(summary) = outcome
            && summary.transfer
        {
            let journals = Arc::clone(&self.journals.read().unwrap());
            let stream = respond_transfer(&zones, &journals, &self.config, &request);
            self.transfers.lock().unwrap().push(stream.summary().kind);
            return stream.collect();
        }
        if let Some(signed) = respond_signed(&zones, &self.config, &request) {
            return vec![signed];
        }
        match outcome {
            Outcome::Response(_) => vec![buffer.as_bytes().to_vec()],
            Outcome::NoResponse => Vec::new(),
        }
    }

    fn serve_udp(&self) {
        let mut buf = [0u8; 65535];
        while !self.stop.load(Ordering::Relaxed) {
            let Ok((len, from)) = self.udp.recv_from(&mut buf) else { continue };
            for response in self.handle(&buf[..len], from, Transport::Udp) {
                let _ = self.udp.send_to(&response, from);
            }
        }
    }

    fn serve_tcp(&self, mut stream: TcpStream, peer: SocketAddr) {
        stream.set_nonblocking(false).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        loop {
            let mut len = [0u8; 2];
            if stream.read_exact(&mut len).is_err() {
                return;
            }
            let mut query = vec![0u8; usize::from(u16::from_be_bytes(len))];
            if stream.read_exact(&mut query).is_err() {
                return;
            }
            for response in self.handle(&query, peer, Transport::Tcp) {
                let mut framed = (response.len() as u16).to_be_bytes().to_vec();
                framed.extend_from_slice(&response);
                if stream.write_all(&framed).is_err() {
                    return;
                }
            }
        }
    }

    /// Publishes a new version, records the difference and starts notifying.
    fn reload(&self, new: Arc<Zone>) {
        let old = self.zones.read().unwrap().get(&name("example.")).cloned().unwrap();
        let mut journals = (**self.journals.read().unwrap()).clone();
        journals.update(&old, &new);
        *self.journals.write().unwrap() = Arc::new(journals);
        let mut zones = (**self.zones.read().unwrap()).clone();
        zones.insert(Arc::clone(&new));
        *self.zones.write().unwrap() = Arc::new(zones);
        let targets = &self.config.policies[&name("example.")].notify;
        let policy = RetryPolicy { first_timeout_ms: 1000, attempts: 5 };
        *self.notifier.lock().unwrap() =
            notify_after_reload(Some(&old), &new, targets, &self.config.keys, policy, now_ms());
    }

    /// Sends the NOTIFYs that are due.
    fn drive_notify(&self) {
        let mut id = (now_ms() & 0xFFFF) as u16;
        let mut next_id = || {
            id = id.wrapping_mul(31).wrapping_add(7);
            id
        };
        let due = self.notifier.lock().unwrap().as_mut().map(|n| n.poll(now_ms(), &mut next_id));
        for out in due.map(|d| d.0).unwrap_or_default() {
            let _ = self.udp.send_to(&out.message, out.to);
        }
    }

    fn zones(&self) -> Arc<Zones> {
        Arc::clone(&self.zones.read().unwrap())
    }
}

impl Drop for Primary {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A UDP socket and a TCP listener on the same loopback port.
fn bind_pair() -> (UdpSocket, TcpListener) {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if let Ok(tcp) = TcpListener::bind(("127.0.0.1", port)) {
            return (udp, tcp);
        }
    }
    panic!("no free loopback port");
}

fn free_port() -> u16 {
    let (udp, tcp) = bind_pair();
    let port = udp.local_addr().unwrap().port();
    drop((udp, tcp));
    port
}

/// One UDP query; the response decoded.
fn ask(server: SocketAddr, qname: &str, qtype: Rtype) -> Option<Message> {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
    let query = Message {
        header: Header { id: 0x3344, ..Header::default() },
        questions: vec![Question { name: name(qname), qtype, qclass: Class::IN }],
        ..Message::default()
    };
    socket.send_to(&query.encode(), server).ok()?;
    let mut buf = [0u8; 65535];
    let (len, _) = socket.recv_from(&mut buf).ok()?;
    Message::decode(&buf[..len], DecodeOptions::LENIENT).ok()
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

fn serial_at(server: SocketAddr) -> Option<u32> {
    let m = ask(server, "example.", Rtype::SOA)?;
    m.answers.iter().find_map(|r| match &r.data {
        nameward_dns::RecordData::Soa(soa) => Some(soa.serial),
        _ => None,
    })
}

/// The secondary and nameward give the same rcode and answer section.
fn compare(primary: &Primary, secondary: SocketAddr, peer: &str) {
    let zones = primary.zones();
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

fn wait_for_serial(
    primary: &Primary,
    secondary: SocketAddr,
    serial: u32,
    peer: &str,
    daemon: &mut Daemon,
) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(40) {
        primary.drive_notify();
        if serial_at(secondary) == Some(serial) {
            return;
        }
        if let Ok(Some(status)) = daemon.child.try_wait() {
            panic!("{peer} exited ({status}):\n{}", daemon.log());
        }
        thread::sleep(Duration::from_millis(200));
    }
    panic!("{peer} never reached serial {serial}:\n{}", daemon.log());
}

struct Daemon {
    child: Child,
    dir: PathBuf,
    log: PathBuf,
}

impl Daemon {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
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

fn available(binary: &str, package: &str) -> bool {
    if Path::new(binary).exists() {
        return true;
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "transfer interop cannot run under CI: {binary} (Debian package {package}) is missing"
        );
    }
    eprintln!(
        "\n*** TRANSFER INTEROP WITH {binary} DID NOT RUN: it is missing (Debian package \
         {package}).\n*** nameward's transfers were NOT checked against it.\n"
    );
    false
}

fn spawn(program: &str, args: &[&str], dir: PathBuf) -> Daemon {
    let log = dir.join("daemon.log");
    let file = std::fs::File::create(&log).unwrap();
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    Daemon { child, dir, log }
}

/// AXFR, compare, reload + NOTIFY, IXFR, compare.
fn scenario(peer: &str, start: impl FnOnce(SocketAddr, u16) -> Daemon) {
    let port = free_port();
    let secondary: SocketAddr = ([127, 0, 0, 1], port).into();
    let primary = Primary::start(zone(2026112101, "gone A 192.0.2.66\n"), secondary);
    let mut daemon = start(primary.addr, port);
    wait_for_serial(&primary, secondary, 2026112101, peer, &mut daemon);
    compare(&primary, secondary, peer);
    assert_eq!(primary.transfers.lock().unwrap().first(), Some(&TransferKind::Full), "{peer}");

    primary.reload(zone(2026112102, "added A 192.0.2.77\nwww A 192.0.2.11\n"));
    wait_for_serial(&primary, secondary, 2026112102, peer, &mut daemon);
    compare(&primary, secondary, peer);
    let kinds = primary.transfers.lock().unwrap().clone();
    eprintln!("{peer}: transfers served {kinds:?}");
    assert_eq!(
        kinds.last(),
        Some(&TransferKind::Incremental),
        "{peer}: transfers {kinds:?}\n{}",
        daemon.log()
    );
    assert!(
        primary.notifier.lock().unwrap().as_ref().is_some_and(Notifier::is_finished),
        "{peer}: NOTIFY not acknowledged\n{}",
        daemon.log()
    );
}

#[test]
fn knot_secondary() {
    if !available("/usr/sbin/knotd", "knot") {
        return;
    }
    scenario("knot", |primary, port| {
        let dir = temp_dir("knot");
        let d = dir.display();
        let config = format!(
            "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n\
             database:\n    storage: \"{d}\"\n\
             log:\n  - target: stderr\n    any: debug\n\
             key:\n  - id: {KEY_NAME}\n    algorithm: hmac-sha256\n    secret: {SECRET}\n\
             remote:\n  - id: primary\n    address: {ip}@{pport}\n    key: {KEY_NAME}\n\
             acl:\n  - id: from_primary\n    address: 127.0.0.1\n    key: {KEY_NAME}\n    action: notify\n\
             template:\n  - id: default\n    storage: \"{d}\"\n\
             zone:\n  - domain: example.\n    master: primary\n    acl: from_primary\n",
            ip = primary.ip(),
            pport = primary.port(),
        );
        std::fs::write(dir.join("knot.conf"), config).unwrap();
        let conf = dir.join("knot.conf");
        spawn("/usr/sbin/knotd", &["-c", conf.to_str().unwrap()], dir)
    });
}

#[test]
fn nsd_secondary() {
    if !available("/usr/sbin/nsd", "nsd") {
        return;
    }
    scenario("nsd", |primary, port| {
        let dir = temp_dir("nsd");
        let d = dir.display();
        let config = format!(
            "server:\n  ip-address: 127.0.0.1@{port}\n  port: {port}\n  zonesdir: \"{d}\"\n  database: \"\"\n\
             \x20 zonelistfile: \"{d}/zone.list\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n\
             \x20 pidfile: \"{d}/nsd.pid\"\n  username: \"\"\n  verbosity: 2\n  server-count: 1\n\
             remote-control:\n  control-enable: no\n\
             key:\n  name: \"{KEY_NAME}\"\n  algorithm: hmac-sha256\n  secret: \"{SECRET}\"\n\
             zone:\n  name: \"example.\"\n  zonefile: \"example.zone\"\n\
             \x20 allow-notify: 127.0.0.1 {KEY_NAME}\n  request-xfr: {ip}@{pport} {KEY_NAME}\n",
            ip = primary.ip(),
            pport = primary.port(),
        );
        std::fs::write(dir.join("nsd.conf"), config).unwrap();
        let conf = dir.join("nsd.conf");
        spawn("/usr/sbin/nsd", &["-d", "-c", conf.to_str().unwrap()], dir)
    });
}

#[test]
fn bind_secondary() {
    if !available("/usr/sbin/named", "bind9") {
        return;
    }
    scenario("bind", |primary, port| {
        let dir = temp_dir("bind");
        let d = dir.display();
        let config = format!(
            "options {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};\n\
             pid-file \"{d}/named.pid\"; session-keyfile \"{d}/session.key\"; managed-keys-directory \"{d}\";\n\
             recursion no; notify no; dnssec-validation no; }};\n\
             controls {{ }};\n\
             key \"{KEY_NAME}\" {{ algorithm hmac-sha256; secret \"{SECRET}\"; }};\n\
             zone \"example.\" {{ type secondary; file \"example.db\";\n\
             primaries {{ {ip} port {pport} key \"{KEY_NAME}\"; }};\n\
             allow-notify {{ key \"{KEY_NAME}\"; }}; }};\n",
            ip = primary.ip(),
            pport = primary.port(),
        );
        std::fs::write(dir.join("named.conf"), config).unwrap();
        let conf = dir.join("named.conf");
        spawn("/usr/sbin/named", &["-g", "-n", "1", "-c", conf.to_str().unwrap()], dir)
    });
}
