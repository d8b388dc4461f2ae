//! `nameward up` keeps the TLD zone signed: keys made in the data directory on first start
//! (private files readable by their owner only), the zone signed whole at start, and every
//! registry change after it signed by difference (its names, their NSEC or NSEC3 neighbours
//! and the SOA). After each change the served zone, taken by AXFR, passes BIND's
//! `dnssec-verify`, ldns's `ldns-verify-zone` and Knot's `kzonecheck -d on`; BIND's `delv`,
//! trusting the TLD's key, validates a DS signed by difference and the proofs of denial; a
//! restart signs with the same keys.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use nameward_dns::Rtype;

mod support;
use support::{Stopped, ask, epp_ok, sample, scrape, temp_dir, up_with};

/// The peer programs, with their Debian packages.
const PEERS: &[(&str, &str)] = &[
    ("/usr/bin/dnssec-verify", "bind9-utils"),
    ("/usr/bin/ldns-verify-zone", "ldnsutils"),
    ("/usr/bin/kzonecheck", "knot-dnssecutils"),
    ("/usr/bin/kdig", "knot-dnsutils"),
    ("/usr/bin/delv", "bind9-dnsutils"),
];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The SOA serial `dns` serves for `example.`.
fn serial(dns: SocketAddr) -> u32 {
    let answer = ask(dns, "example.", Rtype::SOA);
    answer
        .answers
        .iter()
        .find_map(|r| match &r.data {
            nameward_dns::RecordData::Soa(soa) => Some(soa.serial),
            _ => None,
        })
        .unwrap_or(0)
}

/// Waits until the served serial has moved past `before`.
fn published_after(dns: SocketAddr, before: u32) -> u32 {
    let started = Instant::now();
    loop {
        let now = serial(dns);
        if now != before && now != 0 {
            return now;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "serial {before} never moved");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The zone `dns` serves for `example.`, by AXFR, as a zone file (the closing SOA dropped).
fn transfer(dns: SocketAddr, file: &Path) -> Vec<String> {
    let out = Command::new("kdig")
        .args([&format!("@{}", dns.ip()), "-p", &dns.port().to_string(), "example.", "AXFR"])
        .output()
        .unwrap();
    assert!(out.status.success(), "kdig AXFR: {}", text(&out.stderr));
    let mut lines: Vec<String> = text(&out.stdout)
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

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

/// Every verifier's complaints about the zone file `zone` (empty when all three pass).
fn peer_problems(zone: &Path, csk: bool) -> Vec<String> {
    let file = zone.to_str().unwrap();
    let mut bind = vec!["-o", "example."];
    if csk {
        bind.push("-z");
    }
    bind.push(file);
    let runs = [
        ("dnssec-verify", run("dnssec-verify", &bind)),
        ("ldns-verify-zone", run("ldns-verify-zone", &["-e", "P7D", file])),
        ("kzonecheck", run("kzonecheck", &["-d", "on", "-o", "example.", file])),
    ];
    runs.into_iter()
        .filter(|(_, out)| !out.status.success())
        .map(|(name, out)| format!("{name}:\n{}{}", text(&out.stdout), text(&out.stderr)))
        .collect()
}

/// delv's trust anchor for `example.`: its key-signing keys from their files in `keys`.
fn trust_anchor(keys: &Path) -> String {
    let mut anchors = String::from("trust-anchors {\n");
    for entry in std::fs::read_dir(keys).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "key") {
            continue;
        }
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if let ["example.", "IN", "DNSKEY", "257", protocol, algorithm, key @ ..] = &fields[..]
            {
                let key = key.concat();
                anchors.push_str(&format!(
                    "  example. static-key 257 {protocol} {algorithm} \"{key}\";\n"
                ));
            }
        }
    }
    anchors + "};\n"
}

/// A DS record as `domain-create --ds` takes it.
fn ds(tag: u16) -> String {
    format!("{tag} 13 2 {}", "e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766")
}

fn signed_tld(tag: &str, dnssec: &str, csk: bool) {
    if !PEERS.iter().all(|(binary, package)| nameward_peer::program(tag, binary, package)) {
        return;
    }
    let data = temp_dir(tag);
    std::fs::create_dir_all(&data).unwrap();
    let metrics: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let config = data.with_extension("toml");
    std::fs::write(
        &config,
        format!(
            "[dnssec]\n{dnssec}\n\n[dns]\nlisten = [\"127.0.0.1:0\"]\nmetrics = \"{metrics}\"\n\n\
             [[dns.acl]]\nallow_transfer = [\"127.0.0.1\"]\n"
        ),
    )
    .unwrap();
    let args = ["--config", config.to_str().unwrap(), "--epp", "127.0.0.1:0"];
    let (child, info) = up_with(&data, &args);
    let up = Stopped::guard(child);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();

    // The keys: in the data directory, the private halves readable by their owner only.
    let keys = data.join("dnssec/example");
    assert_eq!(std::fs::metadata(&keys).unwrap().permissions().mode() & 0o777, 0o700);
    let mut files: Vec<_> = std::fs::read_dir(&keys).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let private: Vec<_> =
        files.iter().filter(|p| p.extension().is_some_and(|e| e == "private")).collect();
    assert_eq!(private.len(), if csk { 1 } else { 2 }, "{files:?}");
    for path in &private {
        assert_eq!(std::fs::metadata(path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    let zone = data.join("served.zone");
    let check = |what: &str| {
        let lines = transfer(dns, &zone);
        let problems = peer_problems(&zone, csk);
        assert!(
            problems.is_empty(),
            "after {what}:\n{}\n{}",
            problems.join("\n"),
            lines.join("\n")
        );
        lines
    };
    let lines = check("the first start");
    assert!(lines.iter().any(|l| l.contains("\tDNSKEY\t") || l.contains(" DNSKEY ")));

    // Each change, published by difference and checked by the three verifiers.
    let changes: Vec<(&str, Vec<String>)> = vec![
        ("an external host", vec!["host-create".into(), "ns1.dns.test".into()]),
        (
            "an insecure delegation",
            vec![
                "domain-create".into(),
                "one.example".into(),
                "--ns".into(),
                "ns1.dns.test".into(),
            ],
        ),
        (
            "a secure delegation",
            vec![
                "domain-create".into(),
                "two.example".into(),
                "--ns".into(),
                "ns1.dns.test".into(),
                "--ds".into(),
                ds(12345),
            ],
        ),
        (
            "a host with glue",
            vec!["host-create".into(), "ns1.two.example".into(), "192.0.2.10".into()],
        ),
        (
            "glue in the zone",
            vec![
                "domain-update".into(),
                "two.example".into(),
                "--add-ns".into(),
                "ns1.two.example".into(),
            ],
        ),
        (
            "a DS added",
            vec!["domain-update".into(), "one.example".into(), "--add-ds".into(), ds(23456)],
        ),
        (
            "a DS removed",
            vec!["domain-update".into(), "two.example".into(), "--rem-ds".into(), ds(12345)],
        ),
        ("a deletion", vec!["domain-delete".into(), "one.example".into()]),
        (
            "another secure delegation",
            vec![
                "domain-create".into(),
                "three.example".into(),
                "--ns".into(),
                "ns1.dns.test".into(),
                "--ds".into(),
                ds(34567),
            ],
        ),
    ];
    for (what, verb) in &changes {
        let before = serial(dns);
        let verb: Vec<&str> = verb.iter().map(String::as_str).collect();
        epp_ok(&data, &verb);
        // A host alone publishes nothing until a delegation names it.
        if verb[0].starts_with("domain") {
            published_after(dns, before);
        }
        check(what);
    }
    // A validator trusting the TLD's key-signing key takes the answers as secure: a DS signed
    // by difference, the apex, and proofs that a name or a DS is not there.
    let anchors = data.join("anchors.conf");
    std::fs::write(&anchors, trust_anchor(&keys)).unwrap();
    for (name, qtype, wanted) in [
        ("three.example", "DS", "; fully validated"),
        ("example", "SOA", "; fully validated"),
        ("nothere.example", "A", "; negative response, fully validated"),
        ("two.example", "DS", "; negative response, fully validated"),
    ] {
        let out = run(
            "delv",
            &[
                &format!("@{}", dns.ip()),
                "-p",
                &dns.port().to_string(),
                "-a",
                anchors.to_str().unwrap(),
                "+root=example.",
                name,
                qtype,
            ],
        );
        let said = text(&out.stdout) + &text(&out.stderr);
        assert!(said.lines().any(|line| line == wanted), "delv {name} {qtype}:\n{said}");
    }

    let scraped = scrape(metrics);
    let whole = sample(&scraped, "nameward_publications_total{zone=\"example\",kind=\"whole\"}");
    let by_difference =
        sample(&scraped, "nameward_publications_total{zone=\"example\",kind=\"difference\"}");
    assert_eq!(whole, 1.0, "the zone was signed whole only at start:\n{scraped}");
    assert!(by_difference >= 5.0, "changes were published by difference:\n{scraped}");

    // A restart signs with the keys it made: the DNSKEY RRset is the same.
    let dnskeys = |lines: &[String]| -> Vec<String> {
        let mut keys: Vec<String> = lines
            .iter()
            .filter(|l| l.split_whitespace().nth(3) == Some("DNSKEY"))
            .map(|l| l.split_whitespace().skip(4).collect::<Vec<_>>().join(" "))
            .collect();
        keys.sort();
        keys
    };
    let before = dnskeys(&check("the last change"));
    up.stop();
    let (child, info) = up_with(&data, &args);
    let up = Stopped::guard(child);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
    let lines = transfer(dns, &zone);
    assert_eq!(dnskeys(&lines), before, "the same keys after a restart");
    assert!(peer_problems(&zone, csk).is_empty(), "after a restart");
    up.stop();

    // A private key others may read is refused, and nothing is served unsigned instead.
    std::fs::set_permissions(private[0], std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = support::nameward()
        .args(["up", "--rdap", "127.0.0.1:0", "--data"])
        .arg(&data)
        .args(args)
        .output()
        .unwrap();
    let stderr = text(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.contains("open to others") && stderr.contains("chmod 600"), "{stderr}");
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_file(&config);
}

#[test]
fn a_tld_signed_with_nsec_and_one_key_stays_signed_through_changes() {
    signed_tld("up-dnssec-nsec", "denial = \"nsec\"", true);
}

#[test]
fn a_tld_signed_with_nsec3_opt_out_and_two_keys_stays_signed_through_changes() {
    signed_tld(
        "up-dnssec-nsec3",
        "denial = \"nsec3-opt-out\"\nkeys = \"ksk-zsk\"\nalgorithm = \"ED25519\"",
        false,
    );
}
