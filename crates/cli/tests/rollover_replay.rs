//! Key rollovers of a TLD replayed in simulated time: `nameward up` is restarted at later and
//! later `--now` instants through ZSK pre-publication, a double-KSK rollover and an
//! algorithm rollover (ECDSA P-256 to Ed25519), with a parent — `nameward serve` serving a
//! root zone with the TLD's DS — that follows the TLD's CDS as its operator would. At every
//! step the zone served passes BIND's `dnssec-verify` and Knot's `kzonecheck`, and two
//! validators that trust only the parent's DS set at that moment find the answers secure:
//! BIND's `delv`, run by libfaketime at the simulated time, and nameward's own, strict about
//! algorithms (RFC 4035 §2.2: every algorithm of the DS set signs every RRset).

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nameward_dns::rdata::rfc4034::Ds;
use nameward_dns::{Class, Name, Record, RecordData, Rtype};

mod support;
use support::{Stopped, ask, epp_ok, temp_dir, text, up_with};

/// The peer programs, with their Debian packages.
const PEERS: &[(&str, &str)] = &[
    ("/usr/bin/dnssec-verify", "bind9-utils"),
    ("/usr/bin/kzonecheck", "knot-dnssecutils"),
    ("/usr/bin/kdig", "knot-dnsutils"),
    ("/usr/bin/delv", "bind9-dnsutils"),
];

const DAY: u64 = 86_400;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn name(text: &str) -> Name {
    Name::parse(text, Some(&Name::root())).unwrap()
}

/// The root zone the parent serves: the TLD's delegation and `ds`.
fn root_zone(serial: u32, ds: &BTreeSet<String>) -> String {
    let mut zone = format!(
        ". 86400 IN SOA a.root-servers.test. hostmaster.test. {serial} 1800 900 604800 3600\n\
         . 86400 IN NS a.root-servers.test.\n\
         a.root-servers.test. 86400 IN A 127.0.0.1\n\
         example. 3600 IN NS ns1.nic.example.\n\
         ns1.nic.example. 3600 IN A 127.0.0.1\n"
    );
    for record in ds {
        zone.push_str(&format!("example. 3600 IN DS {record}\n"));
    }
    zone
}

/// The parent: `nameward serve` with the root zone, reloaded by `nameward ctl`.
struct ParentServer {
    _child: support::Serving,
    addr: SocketAddr,
    zone: PathBuf,
    control: PathBuf,
    serial: u32,
}

impl ParentServer {
    fn start(dir: &Path, ds: &BTreeSet<String>) -> ParentServer {
        let zone = dir.join("root.zone");
        std::fs::write(&zone, root_zone(1, ds)).unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let control = dir.join("root.sock");
        let (listen, zone_arg) = (addr.to_string(), format!(".={}", zone.display()));
        let args = ["--listen", &listen, "--workers", "1", "--zone", &zone_arg];
        let child = support::serve(&args, &control);
        ParentServer { _child: child, addr, zone, control, serial: 1 }
    }

    /// Serves `ds` from now on.
    fn publish(&mut self, ds: &BTreeSet<String>) {
        self.serial += 1;
        std::fs::write(&self.zone, root_zone(self.serial, ds)).unwrap();
        let out = support::nameward()
            .args(["ctl", "reload", "--socket"])
            .arg(&self.control)
            .output()
            .unwrap();
        assert!(out.status.success(), "reload: {}", text(&out.stderr));
    }
}

/// The records `dns` answers for `example.` of `rtype`.
fn apex(dns: SocketAddr, rtype: Rtype) -> Vec<Record> {
    let answer = ask(dns, "example.", rtype);
    answer.answers.into_iter().filter(|r| r.data.rtype() == rtype).collect()
}

/// The serial `dns` serves, once it has stayed the same for a moment (`up` takes the steps
/// due at its start within a few publication rounds).
fn settled(dns: SocketAddr) -> u32 {
    let serial = || {
        apex(dns, Rtype::SOA).iter().find_map(|r| match &r.data {
            RecordData::Soa(soa) => Some(soa.serial),
            _ => None,
        })
    };
    let started = Instant::now();
    let mut last = None;
    loop {
        std::thread::sleep(Duration::from_millis(700));
        let now = serial();
        if let Some(serial) = now
            && now == last
        {
            return serial;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the zone never settled");
        last = now;
    }
}

/// The DS text (`TAG ALG DIGEST-TYPE DIGEST`) of each record of the CDS RRset, or of the
/// DS of each key-signing DNSKEY.
fn ds_texts(records: &[Record]) -> BTreeSet<String> {
    let apex = name("example.");
    let ds = |ds: Ds| {
        let record =
            Record { owner: apex.clone(), class: Class::IN, ttl: 0, data: RecordData::Ds(ds) };
        record.to_string().split_whitespace().skip(4).collect::<Vec<_>>().join(" ")
    };
    records
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Cds(c) => Some(ds(Ds {
                key_tag: c.key_tag,
                algorithm: c.algorithm,
                digest_type: c.digest_type,
                digest: c.digest.clone(),
            })),
            RecordData::Dnskey(key) if key.flags & 1 == 1 => Some(ds(nameward_dns::dnssec::ds(
                &apex,
                key,
                nameward_dns::dnssec::DigestType::Sha256,
            ))),
            _ => None,
        })
        .collect()
}

/// Every key time in the `.state` files of `keys`.
fn key_times(keys: &Path) -> Vec<u64> {
    let mut times = Vec::new();
    for entry in std::fs::read_dir(keys).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "state") {
            for line in std::fs::read_to_string(&path).unwrap().lines() {
                if let Some((_, value)) = line.split_once(':')
                    && let Ok(at) = value.trim().parse::<u64>()
                {
                    times.push(at);
                }
            }
        }
    }
    times
}

#[test]
fn zsk_ksk_and_algorithm_rollovers_replayed_stay_valid_at_every_step() {
    let tag = "rollover-replay";
    if !PEERS.iter().all(|(binary, package)| nameward_peer::program(tag, binary, package))
        || !support::faketime_present(tag)
    {
        return;
    }
    let data = temp_dir(tag);
    std::fs::create_dir_all(&data).unwrap();
    let parent_dir = data.with_extension("parent");
    let _ = std::fs::remove_dir_all(&parent_dir);
    std::fs::create_dir_all(&parent_dir).unwrap();
    let mut parent_ds = BTreeSet::new();
    let mut parent = ParentServer::start(&parent_dir, &parent_ds);
    let config = data.with_extension("toml");
    let parent_addr = parent.addr;
    let write_config = |algorithm: &str| {
        std::fs::write(
            &config,
            format!(
                "[dnssec]\nalgorithm = \"{algorithm}\"\nkeys = \"ksk-zsk\"\ndenial = \"nsec3\"\n\
                 jitter_hours = 0\nzsk_lifetime_days = 30\nksk_lifetime_days = 60\n\
                 parent = [\"{}\"]\nparent_check_seconds = 1\n\n\
                 [dns]\nlisten = [\"127.0.0.1:0\"]\n\n[[dns.acl]]\nallow_transfer = [\"127.0.0.1\"]\n",
                parent_addr
            ),
        )
        .unwrap();
    };
    write_config("ECDSAP256SHA256");
    let keys = data.join("dnssec/example");
    let zone_file = data.join("served.zone");
    let anchor_conf = data.join("anchors.conf");
    let anchor_file = data.join("anchor.ds");

    let start = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    let change_algorithm = start + 70 * DAY;
    let end = start + 84 * DAY;
    let mut sim = start;
    let mut tags_seen = BTreeSet::new();
    let mut algorithms_seen = BTreeSet::new();
    let mut steps = 0;
    let mut failures = Vec::new();
    while sim <= end {
        if sim >= change_algorithm {
            write_config("ED25519");
        }
        let config_arg = config.to_str().unwrap().to_owned();
        let now_arg = sim.to_string();
        let args = ["--config", &config_arg, "--epp", "127.0.0.1:0", "--now", &now_arg];
        let (child, info) = up_with(&data, &args);
        let up = Stopped::guard(child);
        let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
        if steps == 0 {
            // The TLD's operator gives the parent its first DS, and makes a secure delegation.
            parent_ds = ds_texts(&apex(dns, Rtype::DNSKEY));
            parent.publish(&parent_ds);
            let ds = "12345 13 2 e2d3c916f6deeac73294e8268fb5885044a833fc5459588f4a9184cfc41a5766";
            epp_ok(&data, &["host-create", "ns1.dns.test"]);
            epp_ok(&data, &["domain-create", "two.example", "--ns", "ns1.dns.test", "--ds", ds]);
        }
        settled(dns);
        // The parent follows the CDS; the rollover then goes on in `up`.
        let cds = ds_texts(&apex(dns, Rtype::CDS));
        if !cds.is_empty() && cds != parent_ds {
            parent_ds = cds;
            parent.publish(&parent_ds);
            let before = key_times(&keys);
            let started = Instant::now();
            while key_times(&keys) == before && started.elapsed() < Duration::from_secs(10) {
                std::thread::sleep(Duration::from_millis(200));
            }
            settled(dns);
        }
        let day = (sim - start) as f64 / DAY as f64;
        let zone = support::transfer(dns, "example.", &zone_file).join("\n");
        for record in apex(dns, Rtype::DNSKEY) {
            if let RecordData::Dnskey(key) = &record.data {
                tags_seen.insert(key.key_tag());
                algorithms_seen.insert(key.algorithm);
            }
        }
        // The zone, checked at the simulated time.
        let file = zone_file.to_str().unwrap();
        let time = sim.to_string();
        for (program, args) in [
            ("dnssec-verify", vec!["-o", "example.", file]),
            ("kzonecheck", vec!["-d", "on", "-t", &time, "-o", "example.", file]),
        ] {
            let out = support::at_time(sim + 60, program, &args);
            if !out.status.success() {
                failures.push(format!(
                    "day {day:.2}: {program}: {}{}\n{zone}",
                    text(&out.stdout),
                    text(&out.stderr)
                ));
            }
        }
        // Validators trusting only the parent's DS set.
        let mut conf = String::from("trust-anchors {\n");
        let mut anchor = String::new();
        for ds in &parent_ds {
            let fields: Vec<&str> = ds.split_whitespace().collect();
            let (tag, alg, digest_type, digest) =
                (fields[0], fields[1], fields[2], fields[3..].concat());
            conf.push_str(&format!(
                "  example. static-ds {tag} {alg} {digest_type} \"{digest}\";\n"
            ));
            anchor.push_str(&format!("example. DS {ds}\n"));
        }
        std::fs::write(&anchor_conf, conf + "};\n").unwrap();
        std::fs::write(&anchor_file, anchor).unwrap();
        for (qname, qtype, wanted) in [
            ("example", "SOA", "; fully validated"),
            ("two.example", "DS", "; fully validated"),
            ("nothere.example", "A", "; negative response, fully validated"),
        ] {
            let server = format!("@{}", dns.ip());
            let port = dns.port().to_string();
            let anchors = anchor_conf.to_str().unwrap();
            let args =
                [server.as_str(), "-p", &port, "-a", anchors, "+root=example.", qname, qtype];
            let out = support::at_time(sim + 60, "delv", &args);
            let said = text(&out.stdout) + &text(&out.stderr);
            if !said.lines().any(|line| line == wanted) {
                failures.push(format!(
                    "day {day:.2}: delv {qname} {qtype} (DS {parent_ds:?}):\n{said}"
                ));
            }
        }
        for qname in ["example", "nothere.example"] {
            let out = support::nameward()
                .args(["hip", "resolve", qname, "--server", &dns.to_string(), "--json"])
                .arg("--trust-anchor")
                .arg(&anchor_file)
                .args(["--strict-algorithms", "--now", &(sim + 60).to_string()])
                .output()
                .unwrap();
            let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
            if json["dnssec"]["security"] != "secure" {
                failures.push(format!(
                    "day {day:.2}: hip resolve {qname}: {}{}",
                    text(&out.stdout),
                    text(&out.stderr)
                ));
            }
        }
        up.stop();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        steps += 1;
        // The next step: the next time a key changes (and just after it, when a new key is
        // ready), or ten days on.
        let next = key_times(&keys)
            .into_iter()
            .flat_map(|at| [at + 1, at + 2 * 3600 + 1])
            .filter(|&at| at > sim + 60)
            .min();
        sim = next.unwrap_or(sim + 10 * DAY).min(sim + 10 * DAY);
    }
    // Two ZSK rollovers, a KSK rollover and the algorithm's: P-256's first KSK and ZSK, two
    // ZSK successors and a KSK successor, then Ed25519's KSK and ZSK.
    assert_eq!(algorithms_seen, BTreeSet::from([13, 15]), "algorithms served");
    assert!(tags_seen.len() >= 7, "keys served: {tags_seen:?}");
    assert!(parent_ds.iter().all(|ds| ds.split_whitespace().nth(1) == Some("15")), "{parent_ds:?}");
    assert!(steps >= 10, "{steps} steps");
    let _ = std::fs::remove_dir_all(&data);
    let _ = std::fs::remove_dir_all(&parent_dir);
    let _ = std::fs::remove_file(&config);
}
