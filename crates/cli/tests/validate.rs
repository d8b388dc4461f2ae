//! nameward's DNSSEC validator against `delv` (BIND 9) on a corpus of signed, broken and unsigned
//! delegations, all served by one `nameward serve`: a trust anchor zone `corpus.`, three parent
//! zones under it (NSEC, NSEC3, NSEC3 opt-out), and under each parent one child zone per
//! scenario (every algorithm and denial, expired and not-yet-valid signatures, a DS matching no
//! key, signatures by an unknown key, changed RDATA, stripped denial records, an unsigned
//! delegation, an algorithm downgrade, DS records of unsupported algorithms and digests, too many
//! NSEC3 iterations, two algorithms with one stripped). Each (name, type) asked of each child is a case: both validators must reach
//! the same secure / insecure / bogus verdict. `nameward hip resolve --dnssec` is run on a few.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;
use std::net::SocketAddr;

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use nameward_dns::dnssec::keyfile::{parse_private, parse_public};
use nameward_dns::dnssec::validate::{Context, Security, TrustAnchor, validate};
use nameward_dns::dnssec::{
    Denial, DigestType, Nsec3Options, SignOptions, SigningKey, ds, sign_records,
};
use nameward_dns::rdata::RecordData;

use nameward_dns::zone::{MemoryLoader, ReaderOptions, ZoneReader};
use nameward_dns::{Class, Name, Record, Rtype};
use nameward_hip::lookup::Client;

mod support;

const DAY: u32 = 86_400;

fn now() -> u32 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as u32
}

fn name(text: &str) -> Name {
    Name::parse(text, None).unwrap()
}

/// BIND-generated keys (`dnssec-keygen` is fast at RSA, where a debug build is not): for each
/// algorithm, a few key pairs, used with whatever flags a zone gives them.
struct Keys {
    pairs:
        BTreeMap<u8, Vec<(nameward_dns::dnssec::PrivateKey, nameward_dns::rdata::rfc4034::Dnskey)>>,
}

impl Keys {
    fn generate(dir: &Path) -> Keys {
        let mut pairs = BTreeMap::new();
        for (number, mnemonic) in
            [(8u8, "RSASHA256"), (13, "ECDSAP256SHA256"), (14, "ECDSAP384SHA384"), (15, "ED25519")]
        {
            let mut list = Vec::new();
            for _ in 0..3 {
                let mut args = vec!["-q", "-K", dir.to_str().unwrap(), "-a", mnemonic];
                if number == 8 {
                    args.extend(["-b", "2048"]);
                }
                args.push("corpus.");
                let out = Command::new("dnssec-keygen").args(&args).output().unwrap();
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                let stem = String::from_utf8_lossy(&out.stdout).trim().to_string();
                let public = std::fs::read_to_string(dir.join(format!("{stem}.key"))).unwrap();
                let private = std::fs::read_to_string(dir.join(format!("{stem}.private"))).unwrap();
                let (_, dnskey) = parse_public(&public).unwrap();
                let key = parse_private(&private, &dnskey).unwrap();
                list.push((key, dnskey));
            }
            pairs.insert(number, list);
        }
        Keys { pairs }
    }

    fn key(&self, algorithm: u8, index: usize, flags: u16) -> SigningKey {
        SigningKey::new(&self.pairs[&algorithm][index].0, flags).unwrap()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proof {
    Nsec,
    Nsec3,
    OptOut,
    Iterations200,
}

impl Proof {
    fn denial(self) -> Denial {
        match self {
            Proof::Nsec => Denial::Nsec,
            Proof::Nsec3 => Denial::Nsec3(Nsec3Options::default()),
            Proof::OptOut => Denial::Nsec3(Nsec3Options { opt_out: true, ..Default::default() }),
            Proof::Iterations200 => {
                Denial::Nsec3(Nsec3Options { iterations: 200, ..Default::default() })
            }
        }
    }
}

/// What is done to a child zone or to its DS in the parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    Expired,
    NotYetValid,
    /// The parent's DS is of a key the child does not have.
    WrongDs,
    /// The child's RRsets other than DNSKEY are signed by a key not in its DNSKEY RRset.
    UnknownKey,
    /// `www` A changed after signing.
    ChangedRdata,
    /// No NSEC or NSEC3 records (nor their signatures) in the child.
    NoDenial,
    /// No DS in the parent, no signatures in the child.
    Unsigned,
    /// The DS names an algorithm-13 key that is published but signs nothing: the zone is
    /// signed only with Ed25519.
    Downgrade,
    /// The only DS has algorithm 253 (private, unsupported).
    DsAlgorithm253,
    /// The only DS has digest type 200 (unassigned).
    DsDigest200,
    /// A good DS plus one of algorithm 253.
    DsExtraUnsupported,
    /// Two keys, of algorithms 13 and 15, each with its DS, both signing everything.
    TwoAlgorithms,
    /// As `TwoAlgorithms`, with every algorithm-15 signature removed.
    TwoAlgorithmsOnlyOne,
    /// As `TwoAlgorithms`, with the algorithm-15 signatures removed from all but the DNSKEY
    /// RRset: the DS set announces an algorithm the answers are not signed with.
    TwoAlgorithmsAnswersOnlyOne,
}

struct Scenario {
    algorithm: u8,
    proof: Proof,
    fault: Fault,
}

fn scenarios() -> Vec<Scenario> {
    let mut list = Vec::new();
    for algorithm in [8, 13, 14, 15] {
        for proof in [Proof::Nsec, Proof::Nsec3, Proof::OptOut] {
            list.push(Scenario { algorithm, proof, fault: Fault::None });
        }
    }
    let faults = [
        (13, Proof::Nsec, Fault::Expired),
        (15, Proof::Nsec3, Fault::NotYetValid),
        (13, Proof::Nsec3, Fault::WrongDs),
        (15, Proof::Nsec, Fault::UnknownKey),
        (14, Proof::Nsec3, Fault::ChangedRdata),
        (13, Proof::Nsec, Fault::NoDenial),
        (15, Proof::Nsec3, Fault::NoDenial),
        (13, Proof::Nsec, Fault::Unsigned),
        (15, Proof::Nsec, Fault::Downgrade),
        (13, Proof::Nsec, Fault::DsAlgorithm253),
        (13, Proof::Nsec3, Fault::DsDigest200),
        (15, Proof::Nsec3, Fault::DsExtraUnsupported),
        (13, Proof::Iterations200, Fault::None),
        (13, Proof::Nsec, Fault::TwoAlgorithms),
        (13, Proof::Nsec3, Fault::TwoAlgorithmsOnlyOne),
        (13, Proof::Nsec, Fault::TwoAlgorithmsAnswersOnlyOne),
    ];
    for (algorithm, proof, fault) in faults {
        list.push(Scenario { algorithm, proof, fault });
    }
    list
}

const HIP: &str = "HIP 2 200100107B1A74DF365639CC39F1D578 AwEAAbdxyhNuSutc5EMzxTs9LBPCIkOFH8cIvM4p9+LrV4e19WzK00+CI6zBCQTdtWsuxKbWIy87UOoJTwkUs7lBu+Upr1gsNrut79ryra+bSRGQb1slImA8YVJyuIDsj7kwzG7jnERNqnWxZ48AWkskmdHaVDP4BcelrTI3rMXdXF5D";

fn child_text(origin: &str) -> String {
    format!(
        "$ORIGIN {origin}\n@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns\n\
         ns 3600 IN A 127.0.0.1\nwww 300 IN A 192.0.2.10\nwww 300 IN AAAA 2001:db8::10\n\
         host 300 IN {HIP} www.{origin}\n*.wild 300 IN A 192.0.2.30\n\
         deep.ent 300 IN A 192.0.2.40\nalias 300 IN CNAME www\ngone 300 IN CNAME nothere\n"
    )
}

fn read_records(origin: &Name, text: &str) -> Vec<Record> {
    ZoneReader::new(
        text.as_bytes(),
        "corpus",
        Some(origin.clone()),
        ReaderOptions::default(),
        &MemoryLoader::new(),
    )
    .map(|entry| entry.unwrap().record)
    .collect()
}

fn sign(
    origin: &Name,
    records: &[Record],
    keys: &[SigningKey],
    denial: Denial,
    window: (u32, u32),
) -> Vec<Record> {
    let options = SignOptions { inception: window.0, expiration: window.1, denial, threads: 1 };
    sign_records(origin, records, keys, &options).unwrap()
}

fn covers(record: &Record, rtype: Rtype) -> bool {
    matches!(&record.data, RecordData::Rrsig(s) if s.type_covered == rtype)
}

/// The child zone of `scenario` at `origin`, and the DS lines its parent publishes.
fn child_zone(
    keys: &Keys,
    scenario: &Scenario,
    origin: &Name,
    now: u32,
) -> (Vec<Record>, Vec<String>) {
    let records = read_records(origin, &child_text(&origin.to_string()));
    let alg = scenario.algorithm;
    let ksk = keys.key(alg, 0, 257);
    let zsk = keys.key(alg, 1, 256);
    let good = (now - DAY, now + 30 * DAY);
    let window = match scenario.fault {
        Fault::Expired => (now - 30 * DAY, now - DAY),
        Fault::NotYetValid => (now + DAY, now + 30 * DAY),
        _ => good,
    };
    let ds_of = |key: &SigningKey| {
        format!("{} 3600 IN DS {}", origin, ds(origin, key.dnskey(), DigestType::Sha256))
    };
    let denial = scenario.proof.denial();
    match scenario.fault {
        Fault::Unsigned => (records, Vec::new()),
        Fault::UnknownKey => {
            let other = keys.key(alg, 2, 256);
            let published = sign(origin, &records, &[ksk, zsk], denial.clone(), good);
            let ksk = keys.key(alg, 0, 257);
            let signing = sign(origin, &records, &[ksk, other], denial, good);
            let is_dnskey = |r: &Record| r.rtype() == Rtype::DNSKEY || covers(r, Rtype::DNSKEY);
            let mut zone: Vec<Record> = published.into_iter().filter(|r| is_dnskey(r)).collect();
            zone.extend(signing.into_iter().filter(|r| !is_dnskey(r)));
            let ksk = keys.key(alg, 0, 257);
            (zone, vec![ds_of(&ksk)])
        }
        Fault::TwoAlgorithms | Fault::TwoAlgorithmsOnlyOne | Fault::TwoAlgorithmsAnswersOnlyOne => {
            let (first, second) = (keys.key(13, 0, 257), keys.key(15, 1, 257));
            let ds_lines = vec![ds_of(&first), ds_of(&second)];
            let mut zone = sign(origin, &records, &[first, second], denial, good);
            let fault = scenario.fault;
            zone.retain(|r| match &r.data {
                RecordData::Rrsig(s) if s.algorithm == 15 => match fault {
                    Fault::TwoAlgorithmsOnlyOne => false,
                    Fault::TwoAlgorithmsAnswersOnlyOne => s.type_covered == Rtype::DNSKEY,
                    _ => true,
                },
                _ => true,
            });
            (zone, ds_lines)
        }
        Fault::Downgrade => {
            let named = keys.key(13, 0, 257);
            let ds_line = ds_of(&named);
            let csk = keys.key(15, 0, 257);
            let mut zone = sign(origin, &records, &[named, csk], denial, good);
            zone.retain(|r| !matches!(&r.data, RecordData::Rrsig(s) if s.algorithm == 13));
            (zone, vec![ds_line])
        }
        fault => {
            let ds_line = ds_of(&ksk);
            let other_ds = ds_of(&keys.key(alg, 2, 257));
            let mut zone = sign(origin, &records, &[ksk, zsk], denial, window);
            if fault == Fault::ChangedRdata {
                for r in &mut zone {
                    if let RecordData::A(a) = &mut r.data
                        && r.owner.labels().next() == Some(b"www")
                    {
                        a.address = "192.0.2.99".parse().unwrap();
                    }
                }
            }
            if fault == Fault::NoDenial {
                zone.retain(|r| {
                    !matches!(r.rtype(), Rtype::NSEC | Rtype::NSEC3)
                        && !covers(r, Rtype::NSEC)
                        && !covers(r, Rtype::NSEC3)
                });
            }
            let unsupported = format!("{origin} 3600 IN DS 4242 253 2 {}", "ab".repeat(32));
            let ds_lines = match fault {
                Fault::WrongDs => vec![other_ds],
                Fault::DsAlgorithm253 => vec![unsupported],
                Fault::DsDigest200 => {
                    vec![format!("{origin} 3600 IN DS 4242 {alg} 200 {}", "cd".repeat(20))]
                }
                Fault::DsExtraUnsupported => vec![ds_line, unsupported],
                _ => vec![ds_line],
            };
            (zone, ds_lines)
        }
    }
}

/// A zone served, and the questions asked of it.
struct Served {
    origin: Name,
    records: Vec<Record>,
}

/// Every zone of the corpus and the cases (name, type, scenario label).
fn corpus(keys: &Keys, now: u32) -> (Vec<Served>, Vec<(Name, Rtype, String)>, SigningKey) {
    let good = (now - DAY, now + 30 * DAY);
    let root = name("corpus.");
    let root_key = keys.key(15, 0, 257);
    let parents = [("n", Proof::Nsec), ("h", Proof::Nsec3), ("o", Proof::OptOut)];
    let mut served = Vec::new();
    let mut cases = Vec::new();
    let mut root_text = String::from(
        "$ORIGIN corpus.\n@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns\n\
         ns 3600 IN A 127.0.0.1\n",
    );
    for (label, proof) in parents {
        let parent = name(&format!("{label}.corpus."));
        let parent_key = keys.key(13, 2, 257);
        root_text.push_str(&format!(
            "{parent} 3600 IN NS ns.{parent}\nns.{parent} 3600 IN A 127.0.0.1\n"
        ));
        root_text.push_str(&format!(
            "{parent} 3600 IN DS {}\n",
            ds(&parent, parent_key.dnskey(), DigestType::Sha256)
        ));
        let mut parent_text = format!(
            "$ORIGIN {parent}\n@ 3600 IN SOA ns hostmaster 1 7200 3600 1209600 300\n@ 3600 IN NS ns\n\
             ns 3600 IN A 127.0.0.1\n"
        );
        for (i, scenario) in scenarios().iter().enumerate() {
            let child = name(&format!("s{i}.{parent}"));
            let (records, ds_lines) = child_zone(keys, scenario, &child, now);
            parent_text.push_str(&format!(
                "{child} 3600 IN NS ns.{child}\nns.{child} 3600 IN A 127.0.0.1\n"
            ));
            for line in ds_lines {
                parent_text.push_str(&line);
                parent_text.push('\n');
            }
            let tag =
                format!("{label}/{:?}/{}/{:?}", scenario.fault, scenario.algorithm, scenario.proof);
            for (owner, rtype) in [
                (format!("www.{child}"), Rtype::A),
                (format!("nope.{child}"), Rtype::A),
                (format!("www.{child}"), Rtype::TXT),
                (format!("host.{child}"), Rtype::HIP),
                (child.to_string(), Rtype::DNSKEY),
                (format!("x.wild.{child}"), Rtype::A),
                (format!("x.wild.{child}"), Rtype::TXT),
                (format!("ent.{child}"), Rtype::A),
                (format!("a.b.nope.{child}"), Rtype::AAAA),
                (format!("alias.{child}"), Rtype::A),
                (format!("gone.{child}"), Rtype::A),
            ] {
                cases.push((name(&owner), rtype, tag.clone()));
            }
            served.push(Served { origin: child, records });
        }
        let records = read_records(&parent, &parent_text);
        let records = sign(&parent, &records, &[parent_key], proof.denial(), good);
        served.push(Served { origin: parent, records });
    }
    let records = read_records(&root, &root_text);
    let records = sign(&root, &records, &[keys.key(15, 0, 257)], Denial::Nsec, good);
    served.push(Served { origin: root, records });
    (served, cases, root_key)
}

/// Starts `nameward serve` on every zone; its address.
fn serve(dir: &Path, zones: &[Served]) -> (Child, SocketAddr) {
    let mut args: Vec<String> = vec!["--listen".into(), "127.0.0.1:0".into()];
    for (i, zone) in zones.iter().enumerate() {
        let path = dir.join(format!("zone{i}.db"));
        let text: String = zone.records.iter().map(|r| format!("{r}\n")).collect();
        std::fs::write(&path, text).unwrap();
        args.push("--zone".into());
        args.push(format!("{}={}", zone.origin, path.display()));
    }
    let (child, addr, _log) = support::serve_in(dir, &args);
    (child, addr)
}

/// delv's verdict: "fully validated" is secure and "unsigned answer" insecure, for each part
/// of the answer it prints (a CNAME and its target are two); a part that failed makes it
/// bogus. "resolution failed: ncache …" only says the answer was negative.
fn delv(addr: SocketAddr, anchors: &Path, qname: &Name, rtype: Rtype) -> (Security, String) {
    let out = Command::new("delv")
        .arg(format!("@{}", addr.ip()))
        .args(["-p", &addr.port().to_string(), "-a"])
        .arg(anchors)
        .args(["+root=corpus.", "+nomtrace", "+norrcomments"])
        .arg(qname.to_string())
        .arg(rtype.to_string())
        .output()
        .unwrap();
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let failed = text
        .lines()
        .filter_map(|line| line.split("resolution failed: ").nth(1))
        .any(|reason| !reason.starts_with("ncache"));
    let security = if failed {
        Security::Bogus
    } else if text.contains("unsigned answer") {
        Security::Insecure
    } else if text.contains("fully validated") {
        Security::Secure
    } else {
        Security::Bogus
    };
    (security, text)
}

#[test]
fn the_validator_agrees_with_delv_on_the_corpus() {
    if !nameward_peer::program("delv (BIND 9)", "delv", "bind9-dnsutils")
        || !nameward_peer::program("dnssec-keygen (BIND 9)", "dnssec-keygen", "bind9-utils")
    {
        return;
    }
    let dir = support::temp_dir("validate-corpus");
    std::fs::create_dir_all(&dir).unwrap();
    let now = now();
    let keys = Keys::generate(&dir);
    let (zones, cases, root_key) = corpus(&keys, now);
    let (server, addr) = serve(&dir, &zones);
    let root_dnskey = root_key.dnskey();
    let anchors = dir.join("anchors.conf");
    std::fs::write(
        &anchors,
        format!(
            "trust-anchors {{ corpus. static-key {}\"; }};\n",
            root_dnskey.to_string().replacen(' ', " \"", 3).replacen(" \"", " ", 2)
        ),
    )
    .unwrap();
    let anchor = TrustAnchor::from_records(&[Record {
        owner: name("corpus."),
        class: Class::IN,
        ttl: 3600,
        data: RecordData::Dnskey(root_dnskey.clone()),
    }])
    .unwrap();
    let cx = Context::new(anchor, now);

    // delv, a few at a time.
    let started = Instant::now();
    let mut theirs: Vec<Option<(Security, String)>> = vec![None; cases.len()];
    std::thread::scope(|scope| {
        let chunks: Vec<_> = cases.chunks(cases.len().div_ceil(4)).collect();
        let mut handles = Vec::new();
        for chunk in chunks {
            let anchors = &anchors;
            handles.push(scope.spawn(move || {
                chunk.iter().map(|(q, t, _)| delv(addr, anchors, q, *t)).collect::<Vec<_>>()
            }));
        }
        let mut at = 0;
        for handle in handles {
            for verdict in handle.join().unwrap() {
                theirs[at] = Some(verdict);
                at += 1;
            }
        }
    });
    let delv_time = started.elapsed();

    let started = Instant::now();
    let mut client = Client::new(addr);
    client.dnssec_ok = true;
    let mut disagreements = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for ((qname, rtype, tag), delv_verdict) in cases.iter().zip(theirs) {
        let (delv_security, delv_text) = delv_verdict.unwrap();
        let ours = validate(&mut client, &cx, qname, *rtype).unwrap();
        *counts.entry(ours.security.as_str()).or_default() += 1;
        if ours.security != delv_security {
            disagreements.push(format!(
                "{qname} {rtype} [{tag}]: nameward {} ({}), delv {delv_security}: {}",
                ours.security,
                ours.finding.map(|f| f.to_string()).unwrap_or_default(),
                delv_text.lines().filter(|l| l.starts_with(';')).collect::<Vec<_>>().join(" | ")
            ));
        }
    }
    let ours_time = started.elapsed();
    let resolved = hip_resolve_cases(&dir, addr, root_dnskey);
    eprintln!(
        "{} cases: {counts:?}; delv {delv_time:.1?} (4 at a time), nameward {ours_time:.1?}",
        cases.len()
    );
    support::terminate(server);
    assert!(resolved.is_empty(), "nameward hip resolve --dnssec:\n{}", resolved.join("\n"));
    assert!(
        disagreements.is_empty(),
        "{} of {} cases disagree:\n{}",
        disagreements.len(),
        cases.len(),
        disagreements.join("\n")
    );
    assert!(cases.len() >= 200);
    for state in ["secure", "insecure", "bogus"] {
        assert!(counts.get(state).copied().unwrap_or(0) >= 20, "too few {state} cases: {counts:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The child of the first scenario with `fault` and `algorithm` under the NSEC parent.
fn child_with(fault: Fault, algorithm: u8) -> String {
    let index = scenarios()
        .iter()
        .position(|s| s.fault == fault && s.algorithm == algorithm)
        .expect("a scenario");
    format!("s{index}.n.corpus.")
}

/// `nameward hip resolve --dnssec` on a secure, an insecure and two bogus HIP lookups, with the
/// anchor as a DNSKEY and as a DS record; what went wrong, if anything.
fn hip_resolve_cases(
    dir: &Path,
    addr: SocketAddr,
    dnskey: &nameward_dns::rdata::rfc4034::Dnskey,
) -> Vec<String> {
    let key_anchor = dir.join("anchor.key");
    std::fs::write(&key_anchor, format!("corpus. 3600 IN DNSKEY {dnskey}\n")).unwrap();
    let ds_anchor = dir.join("anchor.ds");
    let ds_line = ds(&name("corpus."), dnskey, DigestType::Sha384);
    std::fs::write(&ds_anchor, format!("; from nameward dnssec ds\ncorpus. IN DS {ds_line}\n"))
        .unwrap();
    let server = addr.to_string();
    let mut failures = Vec::new();
    let cases = [
        (child_with(Fault::None, 13), &key_anchor, "secure", false),
        (child_with(Fault::None, 8), &ds_anchor, "secure", false),
        (child_with(Fault::Unsigned, 13), &key_anchor, "insecure", false),
        (child_with(Fault::ChangedRdata, 14), &ds_anchor, "bogus", true),
        (child_with(Fault::WrongDs, 13), &key_anchor, "bogus", true),
    ];
    for (child, anchor, want, refused) in cases {
        let host = format!("host.{child}");
        let out = support::nameward()
            .args(["hip", "resolve", &host, "--server", &server, "--json", "--trust-anchor"])
            .arg(anchor)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_default();
        let got = json["dnssec"]["security"].as_str().unwrap_or("none");
        let code = out.status.code();
        let ok = got == want
            && (code == Some(4)) == refused
            && (!refused || stderr.contains("refusing the lookup"))
            && (refused || json["records"].as_array().is_some_and(|r| r.len() == 1))
            // A secure HIP answer three zones down costs a signature check at each step.
            && (want != "secure" || json["dnssec"]["answers"][0]["signatures"].as_u64() >= Some(6));
        if !ok {
            failures
                .push(format!("{host}: want {want}, got {got}, exit {code:?}: {stdout} {stderr}"));
        }
    }
    // One of two DS algorithms signing the answers: secure, unless --strict-algorithms.
    let host = format!("host.{}", child_with(Fault::TwoAlgorithmsAnswersOnlyOne, 13));
    for (strict, want) in [(false, "secure"), (true, "bogus")] {
        let mut command = support::nameward();
        command.args(["hip", "resolve", &host, "--server", &server, "--json", "--trust-anchor"]);
        command.arg(&key_anchor);
        if strict {
            command.arg("--strict-algorithms");
        }
        let out = command.output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if json["dnssec"]["security"] != want {
            failures.push(format!("{host} strict={strict}: {json}"));
        }
    }
    // Text output names the state and the reason.
    let host = format!("host.{}", child_with(Fault::WrongDs, 13));
    let out = support::nameward()
        .args(["hip", "resolve", &host, "--server", &server, "--dnssec", "--trust-anchor"])
        .arg(&key_anchor)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !(out.status.code() == Some(4)
        && stderr.contains("bogus")
        && stderr.contains("no DNSKEY matches the DS"))
    {
        failures.push(format!("{host} (text): {stderr}"));
    }
    failures
}
