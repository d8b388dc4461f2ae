//! What the tests that run `nameward up` through the binary share: starting it on free ports,
//! stopping it, asking its DNS server.

#![allow(dead_code, reason = "each test crate uses its own part of this module")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nameward_dns::message::{Header, Message};
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Class, Name, Question, Rtype};

/// The binary under test.
pub fn nameward() -> Command {
    Command::new(env!("CARGO_BIN_EXE_nameward"))
}

/// Starts `nameward up` on free ports and waits for its up.json to name them.
pub fn up(data: &Path) -> (Child, serde_json::Value) {
    up_with(data, &["--epp", "127.0.0.1:0", "--dns", "127.0.0.1:0"])
}

/// Starts `nameward up` with `args` and waits for its up.json to name its addresses.
pub fn up_with(data: &Path, args: &[&str]) -> (Child, serde_json::Value) {
    up_logging(data, args, Stdio::null())
}

/// [`up_with`], its log (standard error) going to `log`. RDAP listens on a free port unless
/// `args` name one: its default port would be shared by every test.
#[allow(clippy::zombie_processes, reason = "the caller terminates and waits for the child")]
pub fn up_logging(data: &Path, args: &[&str], log: impl Into<Stdio>) -> (Child, serde_json::Value) {
    let before = std::fs::read_to_string(data.join("up.json")).ok();
    let rdap: &[&str] = if args.contains(&"--rdap") { &[] } else { &["--rdap", "127.0.0.1:0"] };
    let mut child = nameward()
        .args(["up", "--data"])
        .arg(data)
        .args(args)
        .args(rdap)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Ok(text) = std::fs::read_to_string(data.join("up.json"))
            && Some(&text) != before.as_ref()
        {
            let info: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            if info["epp"].as_str().is_some_and(|epp| !epp.is_empty() && !epp.ends_with(":0")) {
                return (child, info);
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("nameward up did not come up");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Starts `nameward serve` with `args` in `dir` and waits for its ready line; returns the child,
/// its first address and the log lines that follow. A server that stops first fails the test
/// with its log.
pub fn serve_in<S: AsRef<std::ffi::OsStr>>(
    dir: &Path,
    args: &[S],
) -> (Child, SocketAddr, mpsc::Receiver<String>) {
    let mut child = nameward()
        .arg("serve")
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nameward serve runs");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut log = Vec::new();
    let ready = loop {
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(line) if line.contains("nameward ready") => break line,
            Ok(line) => log.push(line),
            Err(_) => panic!("nameward serve did not start:\n{}", log.join("\n")),
        }
    };
    let after = ready.split("UDP and TCP on ").nth(1).expect("addresses in the ready line");
    let addr = after.split([',', ';']).next().unwrap().parse().expect("an address");
    (child, addr, rx)
}

pub fn terminate(mut child: Child) {
    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "SIGTERM ends nameward up with 0: {status}");
            return;
        }
        assert!(started.elapsed() < Duration::from_secs(15), "nameward up did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// One UDP query to `addr`, its decoded answer.
pub fn ask(addr: SocketAddr, qname: &str, qtype: Rtype) -> Message {
    let query = Message {
        header: Header { id: 7, ..Header::default() },
        questions: vec![Question {
            name: Name::parse(qname, Some(&Name::root())).unwrap(),
            qtype,
            qclass: Class::IN,
        }],
        ..Message::default()
    };
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    socket.send_to(&query.encode(), addr).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).unwrap();
    Message::decode(&buf[..n], DecodeOptions::STRICT).unwrap()
}

/// A fresh directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nameward-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// `nameward epp client` against the `up` of `data`, as `registrar`.
pub fn epp(data: &Path, registrar: &str, verb: &[&str]) -> Output {
    nameward()
        .args(["epp", "client", "--up"])
        .arg(data)
        .args(["--registrar", registrar])
        .args(verb)
        .output()
        .unwrap()
}

/// The NS names among `records`, in order.
pub fn ns_names(records: &[nameward_dns::Record]) -> Vec<String> {
    records
        .iter()
        .filter_map(|record| match &record.data {
            nameward_dns::RecordData::Ns(ns) => Some(ns.nsdname.to_string()),
            _ => None,
        })
        .collect()
}

/// A registrar's credentials for `nameward epp client` without an up.json.
pub struct Login<'a> {
    pub server: &'a str,
    pub ca: &'a Path,
    pub cert: &'a Path,
    pub key: &'a Path,
    pub id: &'a str,
    pub password: &'a str,
}

impl Login<'_> {
    /// Runs `verb`, which must succeed with result code 1000; its output.
    pub fn ok(&self, verb: &[&str]) -> String {
        let out = nameward()
            .args(["epp", "client", "--server", self.server, "--ca"])
            .arg(self.ca)
            .arg("--cert")
            .arg(self.cert)
            .arg("--key")
            .arg(self.key)
            .args(["--client-id", self.id, "--password", self.password])
            .args(verb)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(out.status.success() && stdout.contains("code=\"1000\""), "{verb:?}: {stdout}");
        stdout
    }
}

/// [`epp`] as `alpha`, which must succeed with result code 1000; its output.
pub fn epp_ok(data: &Path, verb: &[&str]) -> String {
    let out = epp(data, "alpha", verb);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success() && stdout.contains("code=\"1000\""), "{verb:?}: {stdout}");
    stdout
}

/// A child process that is killed if the test panics before it is [`Stopped::stop`]ped, so a
/// failed assertion leaves no `nameward up` behind holding its ports.
pub struct Stopped(Option<Child>);

impl Stopped {
    /// Guards `child`.
    pub fn guard(child: Child) -> Stopped {
        Stopped(Some(child))
    }

    /// Kills the child with SIGKILL and reaps it, as a crash would end it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Stops the child as [`terminate`] does.
    pub fn stop(mut self) {
        self.terminate();
    }

    /// Stops the child as [`terminate`] does, keeping the guard (empty) for another.
    pub fn terminate(&mut self) {
        if let Some(child) = self.0.take() {
            terminate(child);
        }
    }
}

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `up`'s metrics endpoint, scraped.
pub fn scrape(metrics: SocketAddr) -> String {
    let mut stream = TcpStream::connect(metrics).unwrap();
    stream.write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    text
}

/// The value of the sample `name` (with its labels) in `text`.
pub fn sample(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {text}"))
}

/// A program's output as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `zone` from `dns` by AXFR (Knot's `kdig`), written to `file` as a zone file without the
/// closing SOA; its lines.
pub fn transfer(dns: SocketAddr, zone: &str, file: &Path) -> Vec<String> {
    let out = Command::new("kdig")
        .args([&format!("@{}", dns.ip()), "-p", &dns.port().to_string(), zone, "AXFR"])
        .output()
        .unwrap();
    assert!(out.status.success(), "kdig AXFR {zone}: {}", text(&out.stderr));
    let said = text(&out.stdout);
    let mut lines: Vec<String> = said
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with(';'))
        .map(str::to_owned)
        .collect();
    if lines.len() > 1 && lines.first() == lines.last() {
        lines.pop();
    }
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
    lines
}

/// The DNSKEY records (flags, protocol, algorithm, key) among zone-file `lines`, sorted.
pub fn dnskeys(lines: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = lines
        .iter()
        .filter(|line| line.split_whitespace().nth(3) == Some("DNSKEY"))
        .map(|line| line.split_whitespace().skip(4).collect::<Vec<_>>().join(" "))
        .collect();
    keys.sort();
    keys
}

/// libfaketime, which makes a program read the clock as if it were another time.
pub const FAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// Whether libfaketime is here (said loudly when it is not; a failure under CI).
pub fn faketime_present(what: &str) -> bool {
    let missing = format!("{FAKETIME} is missing (Debian package libfaketime)");
    nameward_peer::available(what, Path::new(FAKETIME).is_file(), &missing)
}

/// `/usr/bin/program args` run as if the time were `at` (seconds since 1970; it runs on from
/// there). The C library is preloaded first so that its allocator serves the program: BIND's
/// (jemalloc) reads the clock while libfaketime starts, which makes libfaketime give up.
pub fn at_time(at: u64, program: &str, args: &[&str]) -> Output {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let offset = at as i64 - now.as_secs() as i64;
    Command::new("/lib64/ld-linux-x86-64.so.2")
        .args(["--preload", "/lib/x86_64-linux-gnu/libc.so.6", &format!("/usr/bin/{program}")])
        .args(args)
        .env("LD_PRELOAD", FAKETIME)
        .env("FAKETIME", format!("{offset:+}s"))
        .output()
        .unwrap()
}

/// A `nameward serve` started by [`serve`]: killed and reaped when dropped.
pub struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `nameward serve ARGS --control CONTROL`, once its control socket is there (so its zones
/// are loaded and it answers).
pub fn serve(args: &[&str], control: &Path) -> Serving {
    let _ = std::fs::remove_file(control);
    let child = nameward()
        .arg("serve")
        .args(args)
        .arg("--control")
        .arg(control)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let serving = Serving(child);
    let started = Instant::now();
    while !control.exists() {
        assert!(started.elapsed() < Duration::from_secs(30), "nameward serve did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    serving
}
