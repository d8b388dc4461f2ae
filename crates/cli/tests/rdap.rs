//! RDAP as `nameward up` serves it, over a registry built through EPP: lookups (IDN, DS, glue),
//! searches, redaction, the status codes and headers, a failed registrar in plain view and its
//! names after the bulk transfer, and ICANN's `rdap-test` (crate icann-rdap-cli 0.0.28) as an
//! independent checker of what is served.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{Stopped, epp_ok, nameward, temp_dir, up_with};

/// What `rdap-test` is, and how CI gets it.
const RDAP_TEST: &str = "rdap-test";
const RDAP_TEST_INSTALL: &str = "cargo install icann-rdap-cli --version 0.0.28 --locked";

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request to the RDAP base `base` (`http://ADDR:PORT/`).
fn get(base: &str, path: &str, extra: &[(&str, &str)]) -> Answer {
    let addr = base.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut request = format!("GET /{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|line| line.split(' ').nth(1)).unwrap().parse().unwrap();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Answer { status, headers, body: serde_json::from_str(body).unwrap_or(Value::Null) }
}

fn run_ok(data: &Path, args: &[&str]) -> String {
    let out = nameward().args(args).arg("--data").arg(data).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `rdap-test` against `url` (over HTTP, `-T`): its exit code and the checks it reported.
fn rdap_test(url: &str) -> (i32, Vec<String>) {
    rdap_test_with(url, &["-T"])
}

/// `nameward rdap serve` over HTTPS on `data` with a self-signed certificate made in `dir`;
/// the server and its base URL.
fn rdap_serve_https(dir: &Path, data: &Path) -> (Stopped, String) {
    use std::io::BufRead;
    let cert = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    std::fs::write(dir.join("rdap.pem"), cert.cert.pem()).unwrap();
    std::fs::write(dir.join("rdap.key"), cert.signing_key.serialize_pem()).unwrap();
    let mut child = nameward()
        .args(["rdap", "serve", "--listen", "127.0.0.1:0", "--rdap-cert"])
        .arg(dir.join("rdap.pem"))
        .arg("--rdap-key")
        .arg(dir.join("rdap.key"))
        .arg("--data")
        .arg(data)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stderr).read_line(&mut line).unwrap();
    let base = line.split_whitespace().find(|word| word.starts_with("https://")).unwrap();
    (Stopped::guard(child), base.to_owned())
}

/// `rdap-test` against `url` with `flags`: its exit code and the checks it reported.
fn rdap_test_with(url: &str, flags: &[&str]) -> (i32, Vec<String>) {
    let out = std::process::Command::new(RDAP_TEST)
        .args(flags)
        .args(["-g", "gtld", "--skip-v6", "-L", "off", "-O", "json"])
        .args([
            "-C",
            "warning",
            "-C",
            "gtld-profile-error",
            "-C",
            "std95-error",
            "-C",
            "std95-warn",
        ])
        .arg(url)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let first = text.lines().next().unwrap_or("");
    let report: Value = serde_json::from_str(first).unwrap_or(Value::Null);
    let mut checks = Vec::new();
    collect_checks(&report, &mut checks);
    checks.sort();
    checks.dedup();
    (out.status.code().unwrap_or(-1), checks)
}

fn collect_checks(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            if let (Some(class), Some(check)) = (members.get("check_class"), members.get("check")) {
                out.push(format!(
                    "{}:{}",
                    class.as_str().unwrap_or(""),
                    check.as_str().unwrap_or("")
                ));
            }
            members.values().for_each(|v| collect_checks(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_checks(v, out)),
        _ => {}
    }
}

/// What `rdap-test -T -g gtld` must say of a loopback server over plain HTTP and IPv4 only:
/// the gTLD profile requires HTTPS and IPv6, and nothing else may be reported.
const EXPECTED_OVER_LOCAL_HTTP: [&str; 2] = [
    "gtld_profile_error:ipv6_support_required_by_gtld_profile",
    "gtld_profile_error:must_use_https",
];

#[test]
fn rdap_shows_what_epp_made_redacted_and_a_failed_registrar_in_plain_view() {
    let dir = temp_dir("rdap");
    std::fs::create_dir_all(&dir).unwrap();
    let data = dir.join("data");
    std::fs::write(
        dir.join("rdap.toml"),
        "desk_url = \"https://desk.nic.example/\"\nmax_results = 3\n\
         [registrars.alpha]\niana_id = \"9990\"\nabuse_email = \"abuse@alpha.example\"\n\
         abuse_phone = \"+1.5555550100\"\n\
         [registrars.beta]\niana_id = \"9991\"\nabuse_email = \"abuse@beta.example\"\n\
         abuse_phone = \"+1.5555550101\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("up.toml"),
        format!("[rdap]\nsettings = \"{}\"\n", dir.join("rdap.toml").display()),
    )
    .unwrap();
    let config = dir.join("up.toml");
    let args =
        ["--epp", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--rdap", "127.0.0.1:0", "--config"];
    let (child, info) = up_with(&data, &[&args[..], &[config.to_str().unwrap()]].concat());
    let up = Stopped::guard(child);
    let base = info["rdap"].as_str().unwrap().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{info}");

    epp_ok(
        &data,
        &[
            "contact-create",
            "asha1",
            "--name",
            "Asha Kulkarni",
            "--email",
            "asha@kulkarni.test",
            "--city",
            "Pune",
            "--cc",
            "IN",
            "--auth",
            "Str0ng-Auth-Code!",
        ],
    );
    epp_ok(&data, &["domain-create", "hello.example", "--registrant", "asha1"]);
    epp_ok(&data, &["host-create", "ns1.hello.example", "192.0.2.53", "2001:db8::53"]);
    let ds = format!("12345 13 2 {}", "AB".repeat(32));
    epp_ok(
        &data,
        &[
            "domain-create",
            "signed.example",
            "--ns",
            "ns1.hello.example",
            "--registrant",
            "asha1",
            "--ds",
            &ds,
        ],
    );
    epp_ok(&data, &["domain-update", "signed.example", "--add-status", "clientTransferProhibited"]);
    let created = Instant::now();
    epp_ok(&data, &["domain-create", "xn--bcher-kva.example", "--ns", "ns1.hello.example"]);
    // An EPP change is visible at once: RDAP reads the registry, it keeps no copy.
    loop {
        if get(&base, "domain/xn--bcher-kva.example", &[]).status == 200 {
            break;
        }
        assert!(created.elapsed() < Duration::from_secs(1), "not visible within 1 s");
    }

    let signed = get(&base, "domain/SIGNED.example", &[]);
    assert_eq!(signed.status, 200);
    assert_eq!(signed.header("content-type"), Some("application/rdap+json"));
    assert_eq!(signed.header("access-control-allow-origin"), Some("*"));
    let body = &signed.body;
    assert_eq!(body["secureDNS"]["dsData"][0]["keyTag"], 12345);
    assert_eq!(body["nameservers"][0]["ipAddresses"]["v6"][0], "2001:db8::53");
    assert!(
        body["status"].as_array().unwrap().contains(&Value::from("client transfer prohibited")),
        "{body}"
    );
    assert_eq!(body["entities"][0]["publicIds"][0]["identifier"], "9990");
    let text = body.to_string();
    for personal in ["Asha", "Kulkarni", "asha@kulkarni.test", "Pune"] {
        assert!(!text.contains(personal), "{personal} in {text}");
    }
    let idn = get(&base, "domain/b%C3%BCcher.example", &[]);
    assert_eq!(idn.body["unicodeName"], "bücher.example");

    let etag = signed.header("etag").unwrap().to_owned();
    assert_eq!(get(&base, "domain/SIGNED.example", &[("If-None-Match", &etag)]).status, 304);
    assert_eq!(get(&base, "domain/missing.example", &[]).status, 404);
    assert_eq!(get(&base, "domain/no_such.example", &[]).status, 400);
    let search = get(&base, "domains?nsIp=192.0.2.53", &[]);
    let found: Vec<&str> = search.body["domainSearchResults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["ldhName"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["signed.example", "xn--bcher-kva.example"]);

    let checker =
        nameward_peer::tool("rdap-test against nameward up", RDAP_TEST, RDAP_TEST_INSTALL);
    if checker {
        for path in [
            "domain/signed.example",
            "domain/xn--bcher-kva.example",
            "domain/hello.example",
            "nameserver/ns1.hello.example",
            "help",
        ] {
            let (code, checks) = rdap_test(&format!("{base}{path}"));
            assert_eq!(checks, EXPECTED_OVER_LOCAL_HTTP, "rdap-test {path}: exit {code}");
            assert_eq!(code, 3, "rdap-test {path}: the two gTLD errors above, nothing else");
        }
        // A registrar looked up on its own carries its abuse contact as a nested entity, and
        // rdap-test 0.0.28 takes an entity whose parent is of the root's type for the root
        // (icann-rdap-common src/check/types.rs: `params.parent_type ==
        // params.root.get_type()`), so it asks the abuse entity for `rdapConformance`, which
        // RFC 9083 §4.1 puts on the top object only. That one finding is the checker's.
        let (code, checks) = rdap_test(&format!("{base}entity/9990"));
        let mut expected = EXPECTED_OVER_LOCAL_HTTP.to_vec();
        expected.push("std95_error:rdap_conformance_missing");
        assert_eq!(checks, expected, "rdap-test entity/9990: exit {code}");

        // The same package's client reads what is served, redaction included.
        let out = std::process::Command::new("rdap")
            .args(["-T", "-B", &base, "-O", "gtld-whois", "-L", "off", "signed.example"])
            .output()
            .unwrap();
        let whois = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{whois}");
        for line in [
            "Domain Name: signed.example",
            "Registrar: Alpha Registrar",
            "Domain Status: client transfer prohibited",
            "Registrant Name: ////REDACTED_NAME////",
            "Registrant Country: IN",
            "DNSSEC: signedDelegation",
        ] {
            assert!(whois.contains(line), "{line} in {whois}");
        }

        // Over HTTPS (`nameward rdap serve` with a self-signed certificate, which -I and -K
        // let the checker accept) only the IPv6 requirement is left.
        let (server, https) = rdap_serve_https(&dir, &data);
        let (code, checks) =
            rdap_test_with(&format!("{https}domain/signed.example"), &["-I", "-K"]);
        assert_eq!(
            checks,
            ["gtld_profile_error:ipv6_support_required_by_gtld_profile"],
            "exit {code}"
        );
        server.stop();
    }

    run_ok(&data, &["continuity", "declare-failed", "alpha", "--reason", "court order"]);
    let failed = get(&base, "domain/signed.example", &[]);
    let remark = failed.body["remarks"][0].to_string();
    assert!(
        remark.contains("Alpha Registrar (alpha) was declared FAILED by the registry on"),
        "{remark}"
    );
    assert!(remark.contains("The registry holds this name"), "{remark}");
    assert!(remark.contains("https://desk.nic.example/"), "{remark}");
    let entity = get(&base, "entity/9990", &[]);
    assert!(entity.body["remarks"][0].to_string().contains("declared FAILED"), "{}", entity.body);
    if checker {
        let (code, checks) = rdap_test(&format!("{base}domain/signed.example"));
        assert_eq!(
            checks, EXPECTED_OVER_LOCAL_HTTP,
            "rdap-test at a failed registrar: exit {code}"
        );
    }

    run_ok(&data, &["continuity", "transfer", "alpha", "--to", "beta"]);
    let moved = get(&base, "domain/signed.example", &[]);
    assert_eq!(moved.body["entities"][0]["handle"], "9991");
    assert!(moved.body.get("remarks").is_none(), "{}", moved.body);
    let transfers = moved.body["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["eventAction"] == "transfer")
        .count();
    assert_eq!(transfers, 1, "{}", moved.body);

    // Last, as it spends this address's requests: a client over its rate is told to wait.
    let refused = (0..2000).map(|_| get(&base, "help", &[])).find(|answer| answer.status == 429);
    let refused = refused.expect("a 429 within 2000 requests at the default rate");
    assert!(refused.header("retry-after").is_some_and(|wait| wait.parse::<u64>().is_ok()));
    assert_eq!(refused.body["errorCode"], 429);
    up.stop();
    std::fs::remove_dir_all(&dir).ok();
}
