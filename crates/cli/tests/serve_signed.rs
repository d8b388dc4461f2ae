//! `nameward serve` signing a zone it reads unsigned from its file: keys made on first start
//! in `[dnssec] key_dir` (private files mode 0600), the zone signed as it loads and again on
//! reload after an edit, the same keys after a restart. Each version, taken by AXFR, passes
//! BIND's `dnssec-verify`, ldns's `ldns-verify-zone` and Knot's `kzonecheck -d on`, and
//! BIND's `delv`, trusting the zone's key-signing key, validates its answers.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::{dnskeys, temp_dir, text};

/// The example zone of the README, with HIP records.
const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/example.com.zone");

const PEERS: &[(&str, &str)] = &[
    ("/usr/bin/dnssec-verify", "bind9-utils"),
    ("/usr/bin/ldns-verify-zone", "ldnsutils"),
    ("/usr/bin/kzonecheck", "knot-dnssecutils"),
    ("/usr/bin/kdig", "knot-dnsutils"),
    ("/usr/bin/delv", "bind9-dnsutils"),
];

fn run(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

/// Every verifier's complaints about the signed zone in `file`.
fn problems(file: &Path) -> Vec<String> {
    let file = file.to_str().unwrap();
    let runs = [
        ("dnssec-verify", run("dnssec-verify", &["-o", "example.com.", file])),
        ("ldns-verify-zone", run("ldns-verify-zone", &[file])),
        ("kzonecheck", run("kzonecheck", &["-d", "on", "-o", "example.com.", file])),
    ];
    runs.into_iter()
        .filter(|(_, out)| !out.status.success())
        .map(|(name, out)| format!("{name}:\n{}{}", text(&out.stdout), text(&out.stderr)))
        .collect()
}

/// delv's trust anchors in `dir`: the key-signing keys among `dnskeys` (as [`dnskeys`]
/// gives them); the file's path.
fn ksk_anchors(dir: &Path, dnskeys: &[String]) -> std::path::PathBuf {
    let mut anchors = String::from("trust-anchors {\n");
    for key in dnskeys.iter().filter(|k| k.starts_with("257 ")) {
        let fields: Vec<&str> = key.split_whitespace().collect();
        let (protocol, algorithm, public) = (fields[1], fields[2], fields[3..].concat());
        anchors.push_str(&format!(
            "  example.com. static-key 257 {protocol} {algorithm} \"{public}\";\n"
        ));
    }
    let file = dir.join("anchors.conf");
    std::fs::write(&file, anchors + "};\n").unwrap();
    file
}

#[test]
fn serve_signs_a_zone_from_its_file_and_again_on_reload() {
    let tag = "serve-signed";
    if !PEERS.iter().all(|(binary, package)| nameward_peer::program(tag, binary, package)) {
        return;
    }
    let dir = temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let zone_file = dir.join("example.com.zone");
    let original = std::fs::read_to_string(EXAMPLE).unwrap();
    std::fs::write(&zone_file, &original).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dns: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let control = dir.join("control.sock");
    let keys = dir.join("keys");
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "listen = [\"{dns}\"]\nworkers = 1\ncontrol = \"{}\"\n\n\
             [[zone]]\norigin = \"example.com.\"\nfile = \"{}\"\nsign = true\n\n\
             [dnssec]\nkey_dir = \"{}\"\nkeys = \"ksk-zsk\"\ndenial = \"nsec3\"\n\n\
             [[acl]]\nallow_transfer = [\"127.0.0.1\"]\n",
            control.display(),
            zone_file.display(),
            keys.display()
        ),
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let server = support::serve(&["--config", config_arg], &control);
    let signed = dir.join("signed.zone");
    let lines = support::transfer(dns, "example.com.", &signed);
    let found = problems(&signed);
    assert!(found.is_empty(), "{}\n{}", found.join("\n"), lines.join("\n"));
    let first_keys = dnskeys(&lines);
    assert_eq!(first_keys.len(), 2, "a KSK and a ZSK: {first_keys:?}");
    let zone_keys = keys.join("example.com");
    let mut private = 0;
    for entry in std::fs::read_dir(&zone_keys).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "private") {
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            private += 1;
        }
    }
    assert_eq!(private, 2);

    // An edit, reloaded: signed again, the new name with it.
    let edited = original.replace("2026112101 ; serial", "2026112102 ; serial")
        + "added       A     192.0.2.99\n";
    std::fs::write(&zone_file, edited).unwrap();
    let out = support::nameward().args(["ctl", "reload", "--socket"]).arg(&control).output();
    assert!(out.unwrap().status.success());
    let lines = support::transfer(dns, "example.com.", &signed);
    assert!(lines.iter().any(|l| l.starts_with("added.example.com.")), "{}", lines.join("\n"));
    let found = problems(&signed);
    assert!(found.is_empty(), "after reload: {}", found.join("\n"));

    // A validator trusting the KSK: the new name, and a name that is not there.
    let anchor_file = ksk_anchors(&dir, &dnskeys(&lines));
    for (name, qtype, wanted) in [
        ("added.example.com", "A", "; fully validated"),
        ("nothere.example.com", "A", "; negative response, fully validated"),
    ] {
        let port = dns.port().to_string();
        let anchors = anchor_file.to_str().unwrap();
        let args = ["@127.0.0.1", "-p", &port, "-a", anchors, "+root=example.com.", name, qtype];
        let out = run("delv", &args);
        let said = text(&out.stdout) + &text(&out.stderr);
        assert!(said.lines().any(|line| line == wanted), "delv {name} {qtype}:\n{said}");
    }

    // A restart signs with the same keys.
    drop(server);
    let _server = support::serve(&["--config", config_arg], &control);
    assert_eq!(
        dnskeys(&support::transfer(dns, "example.com.", &signed)),
        first_keys,
        "the same keys after a restart"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `nameward serve` rolls a ZSK by pre-publication across restarts at later `--now` instants:
/// the successor published before it signs, the old key published after it stops; at each
/// step the zone passes `dnssec-verify` and `kzonecheck` at the simulated time, and `delv`,
/// run at that time and trusting the KSK, validates it.
#[test]
fn serve_rolls_a_zsk_by_pre_publication() {
    let tag = "serve-zsk-rollover";
    if !PEERS.iter().all(|(binary, package)| nameward_peer::program(tag, binary, package))
        || !support::faketime_present(tag)
    {
        return;
    }
    let dir = temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let zone_file = dir.join("example.com.zone");
    std::fs::write(&zone_file, std::fs::read_to_string(EXAMPLE).unwrap()).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let dns: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let control = dir.join("control.sock");
    let config = dir.join("serve.toml");
    std::fs::write(
        &config,
        format!(
            "listen = [\"{dns}\"]\nworkers = 1\ncontrol = \"{}\"\n\n\
             [[zone]]\norigin = \"example.com.\"\nfile = \"{}\"\nsign = true\n\n\
             [dnssec]\nkey_dir = \"{}\"\nkeys = \"ksk-zsk\"\nalgorithm = \"ED25519\"\n\
             zsk_lifetime_days = 20\njitter_hours = 0\n\n\
             [[acl]]\nallow_transfer = [\"127.0.0.1\"]\n",
            control.display(),
            zone_file.display(),
            dir.join("keys").display()
        ),
    )
    .unwrap();
    let start =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    const DAY: u64 = 86_400;
    // The zone's TTLs are an hour, so a successor waits an hour plus that before it signs,
    // and the old key stays published as long after.
    let steps = [0, 10 * DAY, 20 * DAY, 20 * DAY + 7201, 20 * DAY + 14_401, 30 * DAY];
    let signed = dir.join("signed.zone");
    let mut zsks_seen = std::collections::BTreeSet::new();
    let mut most_keys = 0;
    for offset in steps {
        let now = start + offset;
        let (config_arg, now_arg) = (config.to_str().unwrap(), now.to_string());
        let _serving = support::serve(&["--config", config_arg, "--now", &now_arg], &control);
        let lines = support::transfer(dns, "example.com.", &signed);
        let keys = dnskeys(&lines);
        most_keys = most_keys.max(keys.len());
        zsks_seen.extend(keys.iter().filter(|k| k.starts_with("256 ")).cloned());
        let file = signed.to_str().unwrap();
        let time = now.to_string();
        for (program, args) in [
            ("dnssec-verify", vec!["-o", "example.com.", file]),
            ("kzonecheck", vec!["-d", "on", "-t", &time, "-o", "example.com.", file]),
        ] {
            let out = support::at_time(now + 60, program, &args);
            assert!(
                out.status.success(),
                "day {}: {program}: {}{}",
                offset / DAY,
                text(&out.stdout),
                text(&out.stderr)
            );
        }
        let anchor_file = ksk_anchors(&dir, &keys);
        let port = dns.port().to_string();
        let anchors = anchor_file.to_str().unwrap();
        let args = [
            "@127.0.0.1",
            "-p",
            &port,
            "-a",
            anchors,
            "+root=example.com.",
            "www.example.com",
            "HIP",
        ];
        let out = support::at_time(now + 60, "delv", &args);
        let said = text(&out.stdout) + &text(&out.stderr);
        assert!(
            said.lines().any(|l| l == "; fully validated"),
            "day {}: delv:\n{said}",
            offset / DAY
        );
    }
    assert_eq!(zsks_seen.len(), 2, "the first ZSK and its successor: {zsks_seen:?}");
    assert_eq!(most_keys, 3, "the successor pre-published beside the KSK and the old ZSK");
    let _ = std::fs::remove_dir_all(&dir);
}
