//! Test support for this and other crates' tests: Knot DNS, NSD and BIND started as TSIG-keyed
//! secondaries of one zone on loopback, and the rule for a peer that is not installed (the test
//! says loudly that it did not run; under `CI=true` it fails).

use std::net::{SocketAddr, TcpListener, UdpSocket};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Header, Message, Name, Question, RecordData, Rtype};

/// A secondary daemon: killed, and its directory removed, when dropped.
#[derive(Debug)]
pub struct Daemon {
    /// The process.
    pub child: Child,
    dir: PathBuf,
    log: PathBuf,
}

impl Daemon {
    /// What the daemon logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the daemon, answering at `server`, serves `zone` at `serial`; panics with
    /// its log when it exits or takes more than 40 seconds.
    pub fn wait_for_serial(&mut self, server: SocketAddr, zone: &str, serial: u32) {
        let started = Instant::now();
        while serial_at(server, zone) != Some(serial) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("the secondary exited ({status}):\n{}", self.log());
            }
            assert!(
                started.elapsed() < Duration::from_secs(40),
                "the secondary never reached serial {serial} of {zone}:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// One UDP query to `server`; its response, or `None` when nothing readable came in time.
pub fn ask(server: SocketAddr, qname: &str, qtype: Rtype) -> Option<Message> {
    let query = Message {
        header: Header { id: 0x3344, ..Header::default() },
        questions: vec![Question {
            name: Name::parse(qname, Some(&Name::root())).ok()?,
            qtype,
            qclass: Class::IN,
        }],
        ..Message::default()
    };
    let socket = UdpSocket::bind("127.0.0.1:0").ok()?;
    socket.set_read_timeout(Some(Duration::from_millis(500))).ok()?;
    socket.send_to(&query.encode(), server).ok()?;
    let mut buf = [0u8; 65535];
    let len = socket.recv(&mut buf).ok()?;
    Message::decode(buf.get(..len)?, DecodeOptions::LENIENT).ok()
}

/// The serial of `zone` that `server` answers with authority, if it does.
pub fn serial_at(server: SocketAddr, zone: &str) -> Option<u32> {
    let answer = ask(server, zone, Rtype::SOA)?;
    answer.answers.iter().find_map(|r| match &r.data {
        RecordData::Soa(soa) if answer.header.aa => Some(soa.serial),
        _ => None,
    })
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The peers this module starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    /// Knot DNS (`knotd`).
    Knot,
    /// NSD.
    Nsd,
    /// BIND (`named`).
    Bind,
}

impl Peer {
    /// The daemon's path and its Debian package.
    fn binary(self) -> (&'static str, &'static str) {
        match self {
            Peer::Knot => ("/usr/sbin/knotd", "knot"),
            Peer::Nsd => ("/usr/sbin/nsd", "nsd"),
            Peer::Bind => ("/usr/sbin/named", "bind9"),
        }
    }

    /// A short name for messages and directories.
    pub fn name(self) -> &'static str {
        match self {
            Peer::Knot => "knot",
            Peer::Nsd => "nsd",
            Peer::Bind => "bind",
        }
    }

    /// Whether the daemon is installed (see [`nameward_peer::program`]).
    pub fn available(self, what: &str) -> bool {
        let (binary, package) = self.binary();
        nameward_peer::program(what, binary, package)
    }

    /// Starts the daemon on 127.0.0.1:`port` as a secondary of `zone` (an origin with its final
    /// dot) from `primary`, transfers and NOTIFY signed with the HMAC-SHA256 key `key_name`
    /// (`secret` in base64). The same key may transfer the zone out of it, so a test can
    /// compare the secondary's copy with the primary's.
    pub fn secondary(
        self,
        zone: &str,
        primary: SocketAddr,
        port: u16,
        key_name: &str,
        secret: &str,
    ) -> Daemon {
        let dir = temp_dir(self.name());
        let d = dir.display();
        let (ip, pport) = (primary.ip(), primary.port());
        let (file, config, args): (&str, String, &[&str]) = match self {
            Peer::Knot => (
                "knot.conf",
                format!(
                    "server:\n    rundir: \"{d}\"\n    listen: 127.0.0.1@{port}\n\
                     database:\n    storage: \"{d}\"\n\
                     log:\n  - target: stderr\n    any: debug\n\
                     key:\n  - id: {key_name}\n    algorithm: hmac-sha256\n    secret: {secret}\n\
                     remote:\n  - id: primary\n    address: {ip}@{pport}\n    key: {key_name}\n\
                     acl:\n  - id: from_primary\n    address: 127.0.0.1\n    key: {key_name}\n    action: notify\n\
                     \x20 - id: transfer_out\n    address: 127.0.0.1\n    key: {key_name}\n    action: transfer\n\
                     template:\n  - id: default\n    storage: \"{d}\"\n\
                     zone:\n  - domain: {zone}\n    master: primary\n    acl: [from_primary, transfer_out]\n"
                ),
                &["-c"],
            ),
            Peer::Nsd => (
                "nsd.conf",
                format!(
                    "server:\n  ip-address: 127.0.0.1@{port}\n  port: {port}\n  zonesdir: \"{d}\"\n  database: \"\"\n\
                     \x20 zonelistfile: \"{d}/zone.list\"\n  xfrdfile: \"{d}/xfrd.state\"\n  xfrdir: \"{d}\"\n\
                     \x20 pidfile: \"{d}/nsd.pid\"\n  username: \"\"\n  verbosity: 2\n  server-count: 1\n\
                     remote-control:\n  control-enable: no\n\
                     key:\n  name: \"{key_name}\"\n  algorithm: hmac-sha256\n  secret: \"{secret}\"\n\
                     zone:\n  name: \"{zone}\"\n  zonefile: \"secondary.zone\"\n\
                     \x20 allow-notify: 127.0.0.1 {key_name}\n  request-xfr: {ip}@{pport} {key_name}\n\
                     \x20 provide-xfr: 127.0.0.1 {key_name}\n"
                ),
                &["-d", "-c"],
            ),
            Peer::Bind => (
                "named.conf",
                format!(
                    "options {{ directory \"{d}\"; listen-on port {port} {{ 127.0.0.1; }}; listen-on-v6 {{ none; }};\n\
                     pid-file \"{d}/named.pid\"; session-keyfile \"{d}/session.key\"; managed-keys-directory \"{d}\";\n\
                     recursion no; notify no; dnssec-validation no; }};\n\
                     controls {{ }};\n\
                     key \"{key_name}\" {{ algorithm hmac-sha256; secret \"{secret}\"; }};\n\
                     zone \"{zone}\" {{ type secondary; file \"secondary.db\";\n\
                     primaries {{ {ip} port {pport} key \"{key_name}\"; }};\n\
                     allow-notify {{ key \"{key_name}\"; }}; allow-transfer {{ key \"{key_name}\"; }}; }};\n"
                ),
                &["-g", "-n", "1", "-c"],
            ),
        };
        let path = dir.join(file);
        std::fs::write(&path, config).unwrap_or_else(|e| panic!("cannot write {file}: {e}"));
        let mut args = args.to_vec();
        let path = path.to_string_lossy().into_owned();
        args.push(&path);
        spawn(self.binary().0, &args, dir)
    }
}

/// Runs `program` with its output in `dir/daemon.log`.
fn spawn(program: &str, args: &[&str], dir: PathBuf) -> Daemon {
    let log = dir.join("daemon.log");
    let file = std::fs::File::create(&log).expect("the daemon's log");
    let child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("the daemon's log"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
    Daemon { child, dir, log }
}

/// A fresh directory for one daemon.
fn temp_dir(name: &str) -> PathBuf {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let dir =
        std::env::temp_dir().join(format!("nameward-peer-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a directory for the daemon");
    dir
}

/// A loopback port free for UDP and TCP alike (for a daemon to bind).
pub fn free_port() -> u16 {
    for _ in 0..50 {
        let Ok(udp) = UdpSocket::bind("127.0.0.1:0") else { continue };
        let Ok(addr) = udp.local_addr() else { continue };
        if TcpListener::bind(("127.0.0.1", addr.port())).is_ok() {
            return addr.port();
        }
    }
    panic!("no free loopback port");
}
