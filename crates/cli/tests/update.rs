//! Dynamic update (RFC 2136) against `nameward serve` as operators and hosts use it: BIND's
//! `nsupdate` and Knot's `knsupdate` with TSIG, refusals they report, an IXFR that carries
//! the change, `ctl flush`, and kill -9 during a stream of updates, after which every update
//! that was acknowledged is served.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::Write;
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nameward_dns::message::{Header, Message, opcode, rcode};
use nameward_dns::rdata::RecordData;
use nameward_dns::tsig::{self, Algorithm, Key, SignParams};
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Name, Question, Record, Rtype};

mod support;

const SECRET: &str = "dXBkYXRlLXNlY3JldC11cGRhdGUtc2VjcmV0LXVwZGF0ZQ==";
const ZONE: &str = "$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.80
";

/// A directory with the zone file and a configuration whose `ddns-key.` may change anything
/// below `hosts.example.test.` but not the rest.
fn setup(tag: &str) -> (PathBuf, PathBuf) {
    setup_with(tag, "127.0.0.1:0", "")
}

/// [`setup`] listening on `listen`, with `more` added to the configuration.
fn setup_with(tag: &str, listen: &str, more: &str) -> (PathBuf, PathBuf) {
    let dir = support::temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("example.test.zone"), ZONE).unwrap();
    let config = format!(
        r#"listen = ["{listen}"]
workers = 1
control = "{dir}/control.sock"
[[key]]
name = "ddns-key."
algorithm = "hmac-sha256"
secret = "{SECRET}"
[[acl]]
allow_transfer = ["127.0.0.0/8"]
[[zone]]
origin = "example.test."
file = "{dir}/example.test.zone"
[[zone.update]]
key = "ddns-key."
match = "subdomain"
name = "hosts"
{more}
"#,
        dir = dir.display()
    );
    let path = dir.join("nameward.toml");
    std::fs::write(&path, config).unwrap();
    (dir, path)
}

/// A server that is killed when the test ends, passing or failing.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, config: &Path) -> (Running, SocketAddr) {
    let (child, addr, _log) = support::serve_in(dir, &["--config", config.to_str().unwrap()]);
    (Running(child), addr)
}

/// Runs `program args` with `script` on its standard input.
fn run_script(program: &str, args: &[&str], script: &str) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn addresses(addr: SocketAddr, name: &str, rtype: Rtype) -> Vec<String> {
    let answer = support::ask(addr, name, rtype);
    answer.answers.iter().filter(|r| r.rtype() == rtype).map(|r| r.data.to_string()).collect()
}

fn kill_9(running: &mut Running) {
    let child = &mut running.0;
    let status = Command::new("kill").args(["-KILL", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let _ = child.wait();
}

#[test]
fn nsupdate_and_knsupdate_change_the_zone_with_tsig() {
    let bind = nameward_peer::program("nsupdate against nameward", "nsupdate", "bind9-dnsutils");
    let knot = nameward_peer::program("knsupdate against nameward", "knsupdate", "knot-dnsutils");
    if !(bind && knot) {
        return;
    }
    let (dir, config) = setup("update-peers");
    let (mut child, addr) = serve(&dir, &config);
    let key = format!("hmac-sha256:ddns-key.:{SECRET}");
    let server = format!("server 127.0.0.1 {}\nzone example.test.\n", addr.port());

    // nsupdate over UDP: add an address to a new host.
    let script = format!("{server}update add a.hosts.example.test. 60 A 192.0.2.10\nsend\n");
    let out = run_script("nsupdate", &["-y", &key], &script);
    assert!(out.status.success(), "nsupdate: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(addresses(addr, "a.hosts.example.test.", Rtype::A), ["192.0.2.10"]);

    // nsupdate over TCP with a prerequisite that holds: replace the address.
    let script = format!(
        "{server}prereq yxrrset a.hosts.example.test. A 192.0.2.10\n\
         update delete a.hosts.example.test. A\n\
         update add a.hosts.example.test. 60 A 192.0.2.11\nsend\n"
    );
    let out = run_script("nsupdate", &["-v", "-y", &key], &script);
    assert!(out.status.success(), "nsupdate -v: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(addresses(addr, "a.hosts.example.test.", Rtype::A), ["192.0.2.11"]);

    // A prerequisite that fails: nsupdate reports the code, nothing changes.
    let script = format!(
        "{server}prereq nxdomain a.hosts.example.test.\n\
         update add a.hosts.example.test. 60 A 192.0.2.12\nsend\n"
    );
    let out = run_script("nsupdate", &["-y", &key], &script);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && said.contains("YXDOMAIN"), "{said}");
    assert_eq!(addresses(addr, "a.hosts.example.test.", Rtype::A), ["192.0.2.11"]);

    // Outside the key's grant, unsigned, with a wrong secret: refused, nothing changes.
    let script = format!("{server}update add www.example.test. 60 A 192.0.2.99\nsend\n");
    let out = run_script("nsupdate", &["-y", &key], &script);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && said.contains("REFUSED"), "{said}");
    let script = format!("{server}update add b.hosts.example.test. 60 A 192.0.2.99\nsend\n");
    let out = run_script("nsupdate", &[], &script);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && said.contains("REFUSED"), "{said}");
    let wrong = "hmac-sha256:ddns-key.:d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZw==";
    let out = run_script("nsupdate", &["-y", wrong], &script);
    assert!(!out.status.success());
    assert_eq!(addresses(addr, "www.example.test.", Rtype::A), ["192.0.2.80"]);
    assert!(addresses(addr, "b.hosts.example.test.", Rtype::A).is_empty());

    // knsupdate: add a HIP host's address and delete a name.
    let script = format!(
        "server 127.0.0.1 {}\nzone example.test.\n\
         update add h.hosts.example.test. 60 AAAA 2001:db8::7\n\
         update delete a.hosts.example.test.\nsend\nquit\n",
        addr.port()
    );
    let out = run_script("knsupdate", &["-y", &key], &script);
    assert!(out.status.success(), "knsupdate: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(addresses(addr, "h.hosts.example.test.", Rtype::AAAA), ["2001:db8::7"]);
    assert!(addresses(addr, "a.hosts.example.test.", Rtype::A).is_empty());
    let serial = support::ask(addr, "example.test.", Rtype::SOA).answers[0].to_string();
    assert!(serial.contains(" 4 3600 "), "three updates changed the zone: {serial}");

    // An IXFR from serial 2 carries the changes since: the address of serial 2 deleted, the
    // new host added.
    let out = Command::new("kdig")
        .args(["-p", &addr.port().to_string(), "@127.0.0.1", "example.test.", "IXFR=2"])
        .output()
        .unwrap();
    let ixfr = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(ixfr.contains("h.hosts.example.test.") && ixfr.contains("2001:db8::7"), "{ixfr}");
    assert!(ixfr.contains("192.0.2.10"), "serial 2's address is deleted in the IXFR: {ixfr}");
    assert!(!ixfr.contains("192.0.2.11"), "added and deleted since: not in the IXFR: {ixfr}");

    // ctl flush writes the zone file; the journal is empty; a restart serves the same.
    let control = dir.join("control.sock");
    let out =
        support::nameward().args(["ctl", "flush", "--socket"]).arg(&control).output().unwrap();
    assert!(out.status.success(), "flush: {}", String::from_utf8_lossy(&out.stderr));
    let file = std::fs::read_to_string(dir.join("example.test.zone")).unwrap();
    assert!(file.contains("h.hosts.example.test.") && file.contains("2001:db8::7"), "{file}");
    let journal = std::fs::metadata(dir.join("example.test.zone.jnl")).unwrap();
    assert!(journal.len() < 64, "the journal is emptied: {} octets", journal.len());
    kill_9(&mut child);
    let (mut child, addr) = serve(&dir, &config);
    assert_eq!(addresses(addr, "h.hosts.example.test.", Rtype::AAAA), ["2001:db8::7"]);
    kill_9(&mut child);
    let _ = std::fs::remove_dir_all(&dir);
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// A signed update adding `h<n>.hosts.example.test. A`.
fn update_message(key: &Key, n: u32) -> Vec<u8> {
    let owner = Name::parse(&format!("h{n}.hosts.example.test."), None).unwrap();
    let address = std::net::Ipv4Addr::from(0x0A00_0000 + n);
    let data = RecordData::A(nameward_dns::rdata::rfc1035::A { address });
    let message = Message {
        header: Header { id: n as u16, opcode: opcode::UPDATE, ..Header::default() },
        questions: vec![Question {
            name: Name::parse("example.test.", None).unwrap(),
            qtype: Rtype::SOA,
            qclass: Class::IN,
        }],
        authority: vec![Record { owner, class: Class::IN, ttl: 60, data }],
        ..Message::default()
    };
    let mut bytes = message.encode();
    tsig::sign(&mut bytes, key, &SignParams::request(now()));
    bytes
}

#[test]
fn every_acknowledged_update_survives_kill_9() {
    let (dir, config) = setup("update-kill");
    let (mut child, addr) = serve(&dir, &config);
    let key =
        Key::from_base64(&Name::parse("ddns-key.", None).unwrap(), Algorithm::HmacSha256, SECRET)
            .unwrap();
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    // Four clients send updates one after the other until the server dies.
    let senders: Vec<_> = (0..4u32)
        .map(|client| {
            let (key, acknowledged, stop) =
                (key.clone(), Arc::clone(&acknowledged), Arc::clone(&stop));
            std::thread::spawn(move || {
                let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
                socket.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
                let mut buf = [0u8; 4096];
                for i in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let n = client * 100_000 + i;
                    if socket.send_to(&update_message(&key, n), addr).is_err() {
                        return;
                    }
                    let Ok(len) = socket.recv(&mut buf) else { continue };
                    let Ok(answer) = Message::decode(&buf[..len], DecodeOptions::LENIENT) else {
                        continue;
                    };
                    if answer.header.id == n as u16 && answer.rcode() == rcode::NOERROR {
                        acknowledged.lock().unwrap().push(n);
                    }
                }
            })
        })
        .collect();
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(started.elapsed() < Duration::from_secs(60), "updates are not acknowledged");
        std::thread::sleep(Duration::from_millis(5));
    }
    kill_9(&mut child);
    let acked: Vec<u32> = acknowledged.lock().unwrap().clone();
    stop.store(true, Ordering::Relaxed);
    for sender in senders {
        sender.join().unwrap();
    }
    let (mut child, addr) = serve(&dir, &config);
    let mut missing = Vec::new();
    for &n in &acked {
        let name = format!("h{n}.hosts.example.test.");
        let expected = std::net::Ipv4Addr::from(0x0A00_0000 + n).to_string();
        if addresses(addr, &name, Rtype::A) != [expected] {
            missing.push(n);
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged updates lost: {missing:?}",
        missing.len(),
        acked.len()
    );
    // The serial counts every update the journal kept: at least those acknowledged.
    let soa = support::ask(addr, "example.test.", Rtype::SOA);
    let RecordData::Soa(soa) = &soa.answers[0].data else { panic!("no SOA") };
    assert!(
        soa.serial as usize > acked.len(),
        "serial {} after {} updates",
        soa.serial,
        acked.len()
    );
    kill_9(&mut child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_knot_secondary_follows_updates_by_notify_and_ixfr() {
    use nameward_server::testing::{Peer, free_port, serial_at};
    if !Peer::Knot.available("a Knot secondary of an updated zone") {
        return;
    }
    let xfr_secret = "eGZyLXNlY3JldC14ZnItc2VjcmV0LXhmci1zZWNyZXQ=";
    let (primary_port, secondary_port) = (free_port(), free_port());
    let primary: SocketAddr = format!("127.0.0.1:{primary_port}").parse().unwrap();
    let secondary: SocketAddr = format!("127.0.0.1:{secondary_port}").parse().unwrap();
    let more = format!(
        "[[key]]\nname = \"xfr-key.\"\nalgorithm = \"hmac-sha256\"\nsecret = \"{xfr_secret}\"\n\
         [[secondary]]\naddress = \"{secondary}\"\nkey = \"xfr-key.\"\n"
    );
    let (dir, config) = setup_with("update-secondary", &primary.to_string(), &more);
    let (mut child, addr) = serve(&dir, &config);
    let mut knot =
        Peer::Knot.secondary("example.test.", addr, secondary_port, "xfr-key.", xfr_secret);
    knot.wait_for_serial(secondary, "example.test.", 1);
    let key =
        Key::from_base64(&Name::parse("ddns-key.", None).unwrap(), Algorithm::HmacSha256, SECRET)
            .unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    socket.send_to(&update_message(&key, 7), addr).unwrap();
    let mut buf = [0u8; 4096];
    let len = socket.recv(&mut buf).unwrap();
    assert_eq!(
        Message::decode(&buf[..len], DecodeOptions::LENIENT).unwrap().rcode(),
        rcode::NOERROR
    );
    assert_eq!(serial_at(addr, "example.test."), Some(2));
    // NOTIFY tells Knot, which asks for IXFR and serves the new host.
    knot.wait_for_serial(secondary, "example.test.", 2);
    assert_eq!(addresses(secondary, "h7.hosts.example.test.", Rtype::A), ["10.0.0.7"]);
    assert!(knot.log().contains("IXFR"), "Knot took the change by IXFR:\n{}", knot.log());
    kill_9(&mut child);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_readme_update_configuration_reads() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let block = readme
        .split("```toml\n")
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("[[zone.update]]"))
        .expect("the update TOML block in the README");
    let config = nameward_server::Config::from_toml(block).expect("the README's TOML reads");
    let zone = &config.zones[0];
    let origin = Name::parse(&zone.origin, None).unwrap();
    let policy = nameward_server::update::Policy::from_config(&origin, &zone.update).unwrap();
    let key = nameward_server::update::Signer::Tsig(Name::parse("hosts-key.", None).unwrap());
    let laptop = Name::parse("laptop.hosts.example.com.", None).unwrap();
    assert!(policy.allows(&key, &laptop, Some(Rtype::HIP)));
    assert!(!policy.allows(&key, &Name::parse("www.example.com.", None).unwrap(), Some(Rtype::A)));
    assert_eq!(zone.journal_path(), Path::new("example.com.zone.jnl"));
}
