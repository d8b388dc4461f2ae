//! End to end: `nameward hip keygen` → `hip rr` → `zone check --strict-hit` → a server serving
//! the zone → `nameward hip resolve --json`, for every key type, with zero, one and two
//! rendezvous servers, and the RFC 5205 §3 outcomes — against `nameward serve` and against BIND
//! `named`. nameward puts the rendezvous servers' addresses in the additional section, so the
//! lookup needs one query; BIND does not, which exercises the resolver's query path.
//!
//! BIND is a peer: under `CI=true` a missing `named` fails the test; otherwise the test says it
//! did not run.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn nameward(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nameward")).args(args).output().expect("nameward runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    stdout(&out)
}

fn named_binary() -> Option<PathBuf> {
    ["/usr/sbin/named", "/usr/bin/named", "/usr/local/sbin/named"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server in the foreground (`named` or `nameward serve`); killed when dropped.
struct Named(Child);

impl Drop for Named {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn start_named(binary: &Path, dir: &Path, zone: &str) -> (Named, String) {
    let d = dir.display();
    for _ in 0..5 {
        let port = free_port();
        let conf = format!(
            "options {{\n  directory \"{d}\";\n  pid-file \"{d}/named.pid\";\n  \
             session-keyfile \"{d}/session.key\";\n  managed-keys-directory \"{d}\";\n  \
             listen-on port {port} {{ 127.0.0.1; }};\n  listen-on-v6 {{ none; }};\n  \
             recursion no;\n  dnssec-validation no;\n  allow-query {{ any; }};\n}};\n\
             controls {{ }};\n\
             zone \"hip.test\" {{ type primary; file \"{d}/hip.test.zone\"; }};\n"
        );
        std::fs::write(dir.join("named.conf"), conf).unwrap();
        std::fs::write(dir.join("hip.test.zone"), zone).unwrap();
        let log = std::fs::File::create(dir.join("named.log")).unwrap();
        let child = Command::new(binary)
            .args(["-g", "-c"])
            .arg(dir.join("named.conf"))
            .args(["-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("named starts");
        let mut named = Named(child);
        let server = format!("127.0.0.1:{port}");
        if wait_until_serving(&mut named, &server) {
            return (named, server);
        }
        drop(named);
    }
    let log = std::fs::read_to_string(dir.join("named.log")).unwrap_or_default();
    panic!("named did not start serving hip.test:\n{log}");
}

/// Starts `nameward serve` on a free loopback port with the zone.
fn start_nameward(dir: &Path, zone: &str) -> (Named, String) {
    std::fs::write(dir.join("hip.test.zone"), zone).unwrap();
    let zone_arg = format!("hip.test.={}", dir.join("hip.test.zone").display());
    for _ in 0..5 {
        let server = format!("127.0.0.1:{}", free_port());
        let child = Command::new(env!("CARGO_BIN_EXE_nameward"))
            .args(["serve", "--workers", "1", "--listen", &server, "--zone", &zone_arg])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nameward serve starts");
        let mut serve = Named(child);
        if wait_until_serving(&mut serve, &server) {
            return (serve, server);
        }
    }
    panic!("nameward serve did not start serving hip.test");
}

/// Waits until the server answers for hip.test (a name without HIP records: exit 2), or gives
/// up when it exits or 20 seconds pass.
fn wait_until_serving(server_process: &mut Named, server: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = server_process.0.try_wait() {
            return false;
        }
        let probe = nameward(&[
            "hip",
            "resolve",
            "ns.hip.test.",
            "--server",
            server,
            "--timeout",
            "200ms",
            "--retries",
            "0",
            "--fallback",
            "none",
        ]);
        if probe.status.code() == Some(2) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn resolve(server: &str, name: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["hip", "resolve", name, "--server", server, "--json", "--timeout", "2s"];
    args.extend_from_slice(extra);
    let out = nameward(&args);
    let code = out.status.code().unwrap();
    let json: Value = serde_json::from_str(&stdout(&out))
        .unwrap_or_else(|e| panic!("{name}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (code, json)
}

fn addresses(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect()
}

#[test]
fn keygen_rr_check_serve_resolve_with_nameward_serve() {
    let dir =
        TempDir(std::env::temp_dir().join(format!("nameward-hip-serve-{}", std::process::id())));
    let (zone, hits) = build_zone(&dir.0);
    let (_serve, server) = start_nameward(&dir.0, &zone);
    look_up_every_host(&server, &hits, Served::WithRvsAddresses);
}

#[test]
fn keygen_rr_check_serve_resolve_with_bind() {
    let Some(binary) = named_binary() else {
        let missing = "BIND's named is missing (Debian package bind9)";
        nameward_peer::available("the end-to-end HIP test against BIND", false, missing);
        return;
    };
    let dir =
        TempDir(std::env::temp_dir().join(format!("nameward-hip-bind-{}", std::process::id())));
    let (zone, hits) = build_zone(&dir.0);
    let (_named, server) = start_named(&binary, &dir.0, &zone);
    look_up_every_host(&server, &hits, Served::WithoutRvsAddresses);
}

/// Whether the server puts the rendezvous servers' addresses in the additional section of a
/// HIP answer (nameward does; BIND does not), which decides how many queries a lookup takes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Served {
    WithRvsAddresses,
    WithoutRvsAddresses,
}

/// Makes a key of every type and a zone with their HIP records (zero, one and two RVS names,
/// a HIPv1 HIT, and one tampered HIT); checks it with `--strict-hit` before the tampering.
/// Returns the zone text and each algorithm's HIT.
fn build_zone(dir: &Path) -> (String, Vec<String>) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    let path = |file: &str| dir.join(file).to_string_lossy().into_owned();

    let mut zone = String::from(
        "$ORIGIN hip.test.\n$TTL 300\n\
         @ SOA ns hostmaster 1 3600 600 86400 300\n@ NS ns\nns A 127.0.0.1\n\
         rvs1 A 192.0.2.1\nrvs1 AAAA 2001:db8::1\nrvs2 A 192.0.2.2\n\
         plain A 192.0.2.9\nplain AAAA 2001:db8::9\n",
    );
    let algorithms = ["rsa", "ecdsa-p256", "ecdsa-p384", "ed25519"];
    let mut hits = Vec::new();
    for (i, algorithm) in algorithms.iter().enumerate() {
        let key = path(&format!("{algorithm}.key"));
        ok(nameward(&["hip", "keygen", "--algorithm", algorithm, "--out", &key]));
        let hit = ok(nameward(&["hip", "hit", "--key", &key])).trim().to_owned();
        for rvs in 0..3 {
            let owner = format!("h-{algorithm}-{rvs}");
            let mut args = vec!["hip", "rr", "--key", &key, "--owner", &owner, "--ttl", "300"];
            let servers = ["rvs2.hip.test.", "rvs1.hip.test."];
            for server in &servers[..rvs] {
                args.extend(["--rvs", server]);
            }
            zone.push_str(&ok(nameward(&args)));
            zone.push_str(&format!("{owner} A 10.0.0.{}\n", i * 3 + rvs + 1));
        }
        hits.push(hit);
    }
    // RSA with a HIPv1 HIT.
    zone.push_str(&ok(nameward(&[
        "hip",
        "rr",
        "--key",
        &path("rsa.key"),
        "--owner",
        "h-rsa-v1",
        "--orchid",
        "v1",
    ])));
    std::fs::write(dir.join("check.zone"), &zone).unwrap();
    let check =
        nameward(&["zone", "check", "--strict-hit", "--origin", "hip.test.", &path("check.zone")]);
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    // A record whose HIT does not belong to its key: the last hex digit of the HIT changed.
    let line = ok(nameward(&["hip", "rr", "--key", &path("ed25519.key"), "--owner", "tampered"]));
    let mut fields: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    let hit = &mut fields[5];
    let last = if hit.ends_with('0') { '1' } else { '0' };
    hit.pop();
    hit.push(last);
    zone.push_str(&fields.join(" "));
    zone.push('\n');
    zone.push_str("tampered A 10.0.0.99\n");
    (zone, hits)
}

/// The RFC 5205 §3 lookups of every host in the zone `build_zone` made, and their outcomes.
fn look_up_every_host(server: &str, hits: &[String], served: Served) {
    let algorithms = ["rsa", "ecdsa-p256", "ecdsa-p384", "ed25519"];
    // With the RVS addresses in the additional section, the HIP query is the only one.
    let rvs_lookup_queries = |one_query: u64, by_query: u64| {
        if served == Served::WithRvsAddresses { one_query } else { by_query }
    };
    for (i, algorithm) in algorithms.iter().enumerate() {
        for rvs in 0..3 {
            let owner = format!("h-{algorithm}-{rvs}.hip.test.");
            let (code, json) = resolve(server, &owner, &[]);
            assert_eq!(code, 0, "{owner}: {json}");
            assert_eq!(json["name"], owner.as_str());
            assert_eq!(json["outcome"], "hip");
            let record = &json["records"][0];
            assert_eq!(json["records"].as_array().unwrap().len(), 1);
            assert_eq!(record["hit"], hits[i].as_str(), "{owner}");
            assert_eq!(record["hit_matches"], "v2", "{owner}");
            let expected_algorithm = match *algorithm {
                "rsa" => 2,
                "ed25519" => 4,
                _ => 3,
            };
            assert_eq!(record["algorithm"], expected_algorithm);
            let rvs_list = record["rvs"].as_array().unwrap();
            assert_eq!(rvs_list.len(), rvs, "{owner}");
            match rvs {
                0 => {
                    assert_eq!(addresses(&json["addresses"]), [format!("10.0.0.{}", i * 3 + 1)]);
                    assert_eq!(json["queries"], 3);
                }
                1 => {
                    assert_eq!(rvs_list[0]["name"], "rvs2.hip.test.");
                    assert_eq!(addresses(&rvs_list[0]["addresses"]), ["192.0.2.2"]);
                    assert_eq!(addresses(&json["addresses"]), ["192.0.2.2"]);
                    assert_eq!(json["queries"], rvs_lookup_queries(1, 3));
                }
                _ => {
                    assert_eq!(rvs_list[0]["name"], "rvs2.hip.test.");
                    assert_eq!(rvs_list[1]["name"], "rvs1.hip.test.");
                    assert_eq!(addresses(&rvs_list[1]["addresses"]), ["192.0.2.1", "2001:db8::1"]);
                    assert_eq!(
                        addresses(&json["addresses"]),
                        ["192.0.2.2", "192.0.2.1", "2001:db8::1"]
                    );
                    assert_eq!(json["queries"], rvs_lookup_queries(1, 5));
                }
            }
        }
    }

    let (code, json) = resolve(server, "h-rsa-v1.hip.test.", &[]);
    assert_eq!((code, &json["records"][0]["hit_matches"]), (0, &Value::from("v1")), "{json}");

    let (code, json) = resolve(server, "missing.hip.test.", &[]);
    assert_eq!(code, 2);
    assert_eq!(json["outcome"], "nxdomain");
    assert_eq!(json["queries"], 1);
    assert_eq!(json["records"], Value::Array(vec![]));

    let (code, json) = resolve(server, "plain.hip.test.", &[]);
    assert_eq!(code, 2);
    assert_eq!(json["outcome"], "nodata-fallback");
    assert_eq!(json["queries"], 3);
    assert_eq!(addresses(&json["addresses"]), ["192.0.2.9", "2001:db8::9"]);

    let (code, json) = resolve(server, "plain.hip.test.", &["--fallback", "none"]);
    assert_eq!(code, 2);
    assert_eq!(json["outcome"], "nodata");
    assert_eq!(json["queries"], 1);
    assert_eq!(json["addresses"], Value::Array(vec![]));

    let (code, json) = resolve(server, "tampered.hip.test.", &[]);
    assert_eq!(code, 3, "{json}");
    assert_eq!(json["records"][0]["hit_matches"], Value::Null);

    // The human-readable form says the same.
    let out = nameward(&["hip", "resolve", "h-ed25519-2.hip.test.", "--server", server]);
    let text = stdout(&out);
    assert!(text.contains("rendezvous server rvs2.hip.test.: 192.0.2.2"), "{text}");
    assert!(text.contains("I1 to: 192.0.2.2 192.0.2.1 2001:db8::1"), "{text}");
}
