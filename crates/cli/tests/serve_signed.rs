//! `nameward serve` signing a zone it reads unsigned from its file: keys made on first start
//! in `[dnssec] key_dir` (private files mode 0600), the zone signed as it loads and again on
//! reload after an edit, the same keys after a restart. Each version, taken by AXFR, passes
//! BIND's `dnssec-verify`, ldns's `ldns-verify-zone` and Knot's `kzonecheck -d on`, and
//! BIND's `delv`, trusting the zone's key-signing key, validates its answers.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

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

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `nameward serve --config FILE`, once its control socket is there.
fn serve(config: &Path, control: &Path) -> Serving {
    let _ = std::fs::remove_file(control);
    let child = support::nameward()
        .args(["serve", "--config"])
        .arg(config)
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
    let server = serve(&config, &control);
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
    let mut anchors = String::from("trust-anchors {\n");
    for key in dnskeys(&lines).iter().filter(|k| k.starts_with("257 ")) {
        let fields: Vec<&str> = key.split_whitespace().collect();
        let (protocol, algorithm, public) = (fields[1], fields[2], fields[3..].concat());
        anchors.push_str(&format!(
            "  example.com. static-key 257 {protocol} {algorithm} \"{public}\";\n"
        ));
    }
    let anchor_file = dir.join("anchors.conf");
    std::fs::write(&anchor_file, anchors + "};\n").unwrap();
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
    let _server = serve(&config, &control);
    assert_eq!(
        dnskeys(&support::transfer(dns, "example.com.", &signed)),
        first_keys,
        "the same keys after a restart"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
