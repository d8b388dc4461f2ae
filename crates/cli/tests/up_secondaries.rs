//! Real secondaries follow `nameward up` through its configuration file alone: Knot, NSD and
//! BIND, each a TSIG-keyed secondary of the TLD zone in `up --config`, reach every change made
//! over EPP (creates, NS and glue changes, a hold, a delete) by NOTIFY and IXFR, and answer
//! for every name what `up` answers.
//!
//! Without the peer's daemon the test says that it did not run; under `CI=true` that is a
//! failure.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, RecordData, Rtype};

mod support;
use support::{nameward, temp_dir, terminate, up_with};

const KEY_NAME: &str = "xfr.key.";
const SECRET: &str = "dXAtc2Vjb25kYXJpZXMta2V5LW5hbWV3YXJkLTAwMQ==";

/// A loopback port free for UDP and TCP alike.
fn free_port() -> u16 {
    for _ in 0..50 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = udp.local_addr().unwrap().port();
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port");
}

/// One UDP query, or None when nothing answers in time.
fn ask(server: SocketAddr, qname: &str, qtype: Rtype) -> Option<Message> {
    let query = Message {
        header: Header { id: 9, ..Header::default() },
        questions: vec![Question {
            name: Name::parse(qname, Some(&Name::root())).unwrap(),
            qtype,
            qclass: Class::IN,
        }],
        ..Message::default()
    };
    let socket = UdpSocket::bind("127.0.0.1:0").ok()?;
    socket.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
    socket.send_to(&query.encode(), server).ok()?;
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).ok()?;
    Message::decode(&buf[..n], DecodeOptions::STRICT).ok()
}

fn serial_at(server: SocketAddr) -> Option<u32> {
    let answer = ask(server, "example.", Rtype::SOA)?;
    answer.answers.iter().find_map(|r| match &r.data {
        RecordData::Soa(soa) if answer.header.aa => Some(soa.serial),
        _ => None,
    })
}

/// What a server says about `qname`: rcode, and every record of every section but OPT, as
/// lower-case text, sorted.
fn view(server: SocketAddr, qname: &str, qtype: Rtype) -> (u16, BTreeSet<String>) {
    let answer = ask(server, qname, qtype).unwrap_or_else(|| panic!("no answer to {qname}"));
    let records = answer
        .answers
        .iter()
        .chain(&answer.authority)
        .chain(&answer.additional)
        .filter(|r| r.rtype() != Rtype::OPT)
        .map(|r| r.to_string().to_lowercase())
        .collect();
    (answer.rcode(), records)
}

fn epp(data: &Path, verb: &[&str]) {
    let out = nameward()
        .args(["epp", "client", "--up"])
        .arg(data)
        .args(["--registrar", "alpha"])
        .args(verb)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("code=\"1000\""), "{verb:?}: {text}");
}

/// The IXFRs `up` served, from its metrics endpoint.
fn ixfr_served(metrics: SocketAddr) -> u64 {
    let mut stream = TcpStream::connect(metrics).unwrap();
    stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix("nameward_transfers_total{type=\"IXFR\"} "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no IXFR counter in {text}"))
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

fn available(binary: &str, package: &str) -> bool {
    if Path::new(binary).exists() {
        return true;
    }
    assert!(
        !std::env::var("CI").is_ok_and(|v| v == "true"),
        "secondaries of nameward up cannot be tested under CI: {binary} ({package}) is missing"
    );
    eprintln!(
        "\n*** SECONDARY {binary} OF NAMEWARD UP DID NOT RUN: it is missing (Debian package \
         {package}).\n"
    );
    false
}

fn wait_for_serial(secondary: SocketAddr, serial: u32, peer: &str, daemon: &mut Daemon) {
    let started = Instant::now();
    while serial_at(secondary) != Some(serial) {
        if let Ok(Some(status)) = daemon.child.try_wait() {
            panic!("{peer} exited ({status}):\n{}", daemon.log());
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "{peer} never reached serial {serial}:\n{}",
            daemon.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `up` with `peer` as its secondary (started by `start(primary, port, dir)`), through the
/// configuration file; a stream of EPP changes; the secondary answering as `up` does.
fn follow(peer: &str, start: impl FnOnce(SocketAddr, u16, PathBuf) -> Daemon) {
    let data = temp_dir(&format!("up-{peer}"));
    std::fs::create_dir_all(&data).unwrap();
    let (dns_port, peer_port, metrics_port) = (free_port(), free_port(), free_port());
    let config = data.join("up.toml");
    std::fs::write(
        &config,
        format!(
            "[epp]\nlisten = \"127.0.0.1:0\"\n\n\
             [dns]\nlisten = [\"127.0.0.1:{dns_port}\"]\nworkers = 1\n\
             metrics = \"127.0.0.1:{metrics_port}\"\n\n\
             [[dns.secondary]]\naddress = \"127.0.0.1:{peer_port}\"\nzones = [\"example.\"]\n\
             key = \"{KEY_NAME}\"\n\n\
             [[dns.key]]\nname = \"{KEY_NAME}\"\nalgorithm = \"hmac-sha256\"\nsecret = \"{SECRET}\"\n"
        ),
    )
    .unwrap();
    let (child, info) = up_with(&data, &["--config", config.to_str().unwrap()]);
    let primary: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
    assert_eq!(primary.port(), dns_port, "the DNS address comes from the file");
    let secondary: SocketAddr = ([127, 0, 0, 1], peer_port).into();
    let peer_dir = temp_dir(&format!("up-{peer}-secondary"));
    std::fs::create_dir_all(&peer_dir).unwrap();
    let mut daemon = start(primary, peer_port, peer_dir);
    wait_for_serial(secondary, serial_at(primary).unwrap(), peer, &mut daemon);

    epp(&data, &["host-create", "ns1.elsewhere.test"]);
    epp(&data, &["domain-create", "a.example", "--ns", "ns1.elsewhere.test"]);
    epp(&data, &["domain-create", "b.example", "--ns", "ns1.elsewhere.test"]);
    epp(&data, &["host-create", "ns1.b.example", "192.0.2.7"]);
    epp(&data, &["domain-update", "b.example", "--add-ns", "ns1.b.example"]);
    epp(&data, &["domain-create", "c.example", "--ns", "ns1.b.example"]);
    epp(&data, &["domain-update", "a.example", "--add-status", "clientHold"]);
    epp(&data, &["domain-create", "d.example", "--ns", "ns1.elsewhere.test"]);
    epp(&data, &["domain-delete", "d.example"]);

    // up publishes within its polling interval; the secondary follows on NOTIFY.
    let started = Instant::now();
    let last = loop {
        let zone = nameward()
            .args(["registry", "zone", "--tld", "example", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&zone.stdout).into_owned();
        let registry_serial: u32 = text
            .lines()
            .find(|line| line.contains(" SOA "))
            .and_then(|line| line.split_whitespace().nth(6))
            .and_then(|serial| serial.parse().ok())
            .unwrap();
        if serial_at(primary) == Some(registry_serial) {
            break registry_serial;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "up did not publish");
        std::thread::sleep(Duration::from_millis(100));
    };
    wait_for_serial(secondary, last, peer, &mut daemon);
    for name in ["a", "b", "c", "d", "www.b", "ns1.b", "nothere"] {
        let qname = format!("{name}.example");
        for qtype in [Rtype::A, Rtype::NS, Rtype::DS] {
            assert_eq!(
                view(secondary, &qname, qtype),
                view(primary, &qname, qtype),
                "{peer}: {qname} {qtype}"
            );
        }
    }
    let (_, b) = view(secondary, "www.b.example", Rtype::A);
    assert!(b.contains("ns1.b.example. 3600 in a 192.0.2.7"), "{peer}: glue {b:?}");
    assert!(
        ixfr_served(([127, 0, 0, 1], metrics_port).into()) >= 1,
        "{peer}: no IXFR\n{}",
        daemon.log()
    );
    terminate(child);
    drop(daemon);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn knot_follows_up() {
    if !available("/usr/sbin/knotd", "knot") {
        return;
    }
    follow("knot", |primary, port, dir| {
        let d = dir.display();
        let config = format!(
            "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n\
             database:\n    storage: \"{d}\"\n\
             log:\n  - target: stderr\n    any: info\n\
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
fn nsd_follows_up() {
    if !available("/usr/sbin/nsd", "nsd") {
        return;
    }
    follow("nsd", |primary, port, dir| {
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
fn bind_follows_up() {
    if !available("/usr/sbin/named", "bind9") {
        return;
    }
    follow("bind", |primary, port, dir| {
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
