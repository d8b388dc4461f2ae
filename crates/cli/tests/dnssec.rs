//! DNSSEC through the binary, against the peers: every zone `nameward zone sign` makes passes
//! BIND's `dnssec-verify`, ldns's `ldns-verify-zone` and Knot's `kzonecheck -d on`; zones that
//! `dnssec-signzone` and `ldns-signzone` make pass `nameward dnssec verify`, and a tampered one
//! fails it; keys move both ways between nameward and the BIND and ldns tools.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod support;

const ZONE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/signing.zone");
const HIP_ZONE: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../dns/tests/data/peers/zones/ok/hip.zone");

/// The peer programs, with their Debian packages.
const PEERS: &[(&str, &str)] = &[
    ("/usr/bin/dnssec-verify", "bind9-utils"),
    ("/usr/bin/dnssec-signzone", "bind9-utils"),
    ("/usr/bin/dnssec-keygen", "bind9-utils"),
    ("/usr/bin/dnssec-dsfromkey", "bind9-utils"),
    ("/usr/bin/ldns-verify-zone", "ldnsutils"),
    ("/usr/bin/ldns-signzone", "ldnsutils"),
    ("/usr/bin/ldns-keygen", "ldnsutils"),
    ("/usr/bin/kzonecheck", "knot-dnssecutils"),
];

fn peers_available(what: &str) -> bool {
    PEERS.iter().all(|(binary, package)| nameward_peer::program(what, binary, package))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(program: &str, args: &[&str], dir: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} does not run: {e}"))
}

fn nameward(args: &[&str], dir: &Path) -> Output {
    run(env!("CARGO_BIN_EXE_nameward"), args, dir)
}

/// Runs and requires success, returning standard output.
fn ok(program: &str, args: &[&str], dir: &Path) -> String {
    let out = run(program, args, dir);
    assert!(
        out.status.success(),
        "{program} {args:?} failed:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

fn nw(args: &[&str], dir: &Path) -> String {
    ok(env!("CARGO_BIN_EXE_nameward"), args, dir)
}

/// A fresh directory for one test, removed when the test passes.
fn work_dir(tag: &str) -> PathBuf {
    let dir = support::temp_dir(&format!("dnssec-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A nameward key of `algorithm` and `role` for `zone`, generated in `dir`; its file stem.
fn keygen(dir: &Path, zone: &str, algorithm: &str, role: &str) -> String {
    nw(&["dnssec", "keygen", "--zone", zone, "--algorithm", algorithm, "--role", role], dir)
        .trim()
        .to_string()
}

/// A BIND key (`dnssec-keygen`) for `zone`; its file stem.
fn bind_keygen(dir: &Path, zone: &str, algorithm: &str, ksk: bool) -> String {
    let mut args = vec!["-q", "-a", algorithm];
    if algorithm == "RSASHA256" {
        args.extend(["-b", "2048"]);
    }
    if ksk {
        args.extend(["-f", "KSK"]);
    }
    args.push(zone);
    ok("dnssec-keygen", &args, dir).trim().to_string()
}

/// Every verifier's complaints about the signed zone at `signed` (empty when all pass). A zone
/// with only key-signing-flagged keys (CSK) is checked by `dnssec-verify -z`, as BIND wants.
fn peer_problems(dir: &Path, origin: &str, signed: &str, csk: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |name: &str, out: Output| {
        if !out.status.success() {
            problems.push(format!("{name}:\n{}{}", text(&out.stdout), text(&out.stderr)));
        }
    };
    let mut bind = vec!["-o", origin];
    if csk {
        bind.push("-z");
    }
    bind.push(signed);
    check("dnssec-verify", run("dnssec-verify", &bind, dir));
    check("ldns-verify-zone", run("ldns-verify-zone", &["-e", "P7D", signed], dir));
    // Knot DNS has no HIP type: it reads the zone in RFC 3597 form, which the same signatures
    // cover.
    let generic = format!("{signed}.generic");
    let fmt = nameward(&["zone", "fmt", "--generic", "--origin", origin, signed], dir);
    assert!(fmt.status.success(), "zone fmt --generic: {}", text(&fmt.stderr));
    std::fs::write(dir.join(&generic), &fmt.stdout).unwrap();
    check("kzonecheck", run("kzonecheck", &["-d", "on", "-o", origin, &generic], dir));
    check(
        "nameward dnssec verify",
        nameward(&["dnssec", "verify", "--origin", origin, signed], dir),
    );
    problems
}

/// One signing of the test zone: keys and `zone sign` options.
struct Case {
    name: &'static str,
    keys: Vec<String>,
    options: &'static [&'static str],
    csk: bool,
}

#[test]
fn zones_nameward_signs_pass_bind_ldns_and_knot() {
    if !peers_available("nameward-signed zones against the peer verifiers") {
        return;
    }
    let dir = work_dir("signed");
    let d = &dir;
    let mut cases = Vec::new();
    for algorithm in ["ECDSAP256SHA256", "ECDSAP384SHA384", "ED25519"] {
        let keys = vec![keygen(d, "test.", algorithm, "ksk"), keygen(d, "test.", algorithm, "zsk")];
        for (name, options) in [
            ("NSEC", &[][..]),
            ("NSEC3", &["--nsec3"][..]),
            ("NSEC3 opt-out", &["--nsec3", "--opt-out"][..]),
        ] {
            cases.push(Case { name, keys: keys.clone(), options, csk: false });
        }
    }
    // RSA keys come from BIND (nameward reads them), which also spares generating RSA here.
    let rsa = vec![
        bind_keygen(d, "test.", "RSASHA256", true),
        bind_keygen(d, "test.", "RSASHA256", false),
    ];
    cases.push(Case { name: "RSA NSEC", keys: rsa.clone(), options: &[], csk: false });
    cases.push(Case { name: "RSA NSEC3", keys: rsa, options: &["--nsec3"], csk: false });
    let csk = vec![keygen(d, "test.", "ECDSAP256SHA256", "csk")];
    cases.push(Case { name: "CSK NSEC", keys: csk.clone(), options: &[], csk: true });
    cases.push(Case {
        name: "CSK NSEC3 salt and iterations",
        keys: csk,
        options: &["--nsec3", "--salt", "a1b2c3d4", "--iterations", "5"],
        csk: true,
    });
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let signed = format!("signed-{i}.zone");
        let mut args = vec!["zone", "sign", "--origin", "test.", ZONE, "--out", &signed];
        for key in &case.keys {
            args.extend(["--key", key]);
        }
        args.extend(case.options);
        nw(&args, d);
        for problem in peer_problems(d, "test.", &signed, case.csk) {
            failures.push(format!("{} ({:?}): {problem}", case.name, case.keys));
        }
    }
    // The HIP zone of the DNS library's peer tests, CSK and NSEC3 opt-out.
    let key = keygen(d, "example.", "ED25519", "csk");
    nw(
        &[
            "zone",
            "sign",
            "--origin",
            "example.",
            HIP_ZONE,
            "--key",
            &key,
            "--nsec3",
            "--opt-out",
            "--out",
            "hip.signed",
        ],
        d,
    );
    failures.extend(peer_problems(d, "example.", "hip.signed", true));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The same checks fail a zone whose signed data changed: each verifier complains.
    let signed = std::fs::read_to_string(d.join("signed-0.zone")).unwrap();
    let tampered = signed.replacen("192.0.2.25", "192.0.2.26", 1);
    assert_ne!(signed, tampered);
    std::fs::write(d.join("tampered.zone"), tampered).unwrap();
    let complaints = peer_problems(d, "test.", "tampered.zone", false);
    let names: Vec<&str> = complaints.iter().filter_map(|c| c.split(':').next()).collect();
    assert_eq!(
        names,
        ["dnssec-verify", "ldns-verify-zone", "kzonecheck", "nameward dnssec verify"],
        "{complaints:?}"
    );
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn zones_bind_and_ldns_sign_pass_nameward_verify_and_tampering_fails() {
    if !peers_available("peer-signed zones against nameward dnssec verify") {
        return;
    }
    let dir = work_dir("peers");
    let d = &dir;
    let zone = std::fs::read_to_string(ZONE).unwrap();
    // BIND keys and nameward keys, each signed by dnssec-signzone.
    let bind_keys = [
        bind_keygen(d, "test.", "ECDSAP256SHA256", true),
        bind_keygen(d, "test.", "ECDSAP256SHA256", false),
    ];
    let our_keys = [keygen(d, "test.", "ED25519", "ksk"), keygen(d, "test.", "ED25519", "zsk")];
    let mut signed = Vec::new();
    for (tag, keys) in [("bind-keys", &bind_keys), ("nameward-keys", &our_keys)] {
        let mut with_keys = zone.clone();
        for key in keys.iter() {
            with_keys += &std::fs::read_to_string(d.join(format!("{key}.key"))).unwrap();
        }
        std::fs::write(d.join(format!("{tag}.zone")), with_keys).unwrap();
        for (denial, extra) in [("nsec", &[][..]), ("nsec3", &["-3", "-", "-H", "0"][..])] {
            let out = format!("bind-{tag}-{denial}.signed");
            let mut args = vec!["-q", "-o", "test.", "-f", &out];
            args.extend(extra);
            let input = format!("{tag}.zone");
            args.push(&input);
            args.extend(keys.iter().map(String::as_str));
            ok("dnssec-signzone", &args, d);
            signed.push(out);
        }
    }
    // ldns keys and nameward keys, each signed by ldns-signzone (NSEC and NSEC3).
    let ldns_ksk =
        ok("ldns-keygen", &["-a", "ECDSAP256SHA256", "-k", "test."], d).trim().to_string();
    let ldns_zsk = ok("ldns-keygen", &["-a", "ECDSAP256SHA256", "test."], d).trim().to_string();
    for (tag, keys) in
        [("ldns-keys", [ldns_ksk.clone(), ldns_zsk.clone()]), ("nameward-keys", our_keys.clone())]
    {
        for (denial, extra) in [("nsec", &[][..]), ("nsec3", &["-n", "-t", "0"][..])] {
            let out = format!("ldns-{tag}-{denial}.signed");
            let mut args = vec!["-o", "test.", "-f", &out];
            args.extend(extra);
            args.push(ZONE);
            args.extend(keys.iter().map(String::as_str));
            ok("ldns-signzone", &args, d);
            signed.push(out);
        }
    }
    // ldns-keygen keys sign in nameward too.
    for key in [&ldns_ksk, &ldns_zsk] {
        // ldns-keygen leaves the private file as the umask made it.
        set_mode(&d.join(format!("{key}.private")), 0o600);
    }
    nw(
        &[
            "zone",
            "sign",
            "--origin",
            "test.",
            ZONE,
            "--key",
            &ldns_ksk,
            "--key",
            &ldns_zsk,
            "--out",
            "ours-ldns-keys.signed",
        ],
        d,
    );
    assert_eq!(peer_problems(d, "test.", "ours-ldns-keys.signed", false), Vec::<String>::new());
    for file in &signed {
        let out = nameward(&["dnssec", "verify", "--origin", "test.", file], d);
        assert!(out.status.success(), "{file}:\n{}{}", text(&out.stdout), text(&out.stderr));
        // Change one address that a signature covers: nameward names the RRset.
        let original = std::fs::read_to_string(d.join(file)).unwrap();
        assert!(original.contains("192.0.2.25"), "{file} lost mail.test.'s address");
        let tampered = original.replacen("192.0.2.25", "192.0.2.26", 1);
        let bad = format!("{file}.tampered");
        std::fs::write(d.join(&bad), tampered).unwrap();
        let out = nameward(&["dnssec", "verify", "--origin", "test.", &bad], d);
        assert_eq!(out.status.code(), Some(1), "{bad} passed:\n{}", text(&out.stderr));
        let report = text(&out.stdout);
        assert!(report.contains("mail.test. A: signature by key tag"), "{bad}:\n{report}");
    }
    let _ = std::fs::remove_dir_all(d);
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

#[test]
fn ds_records_agree_with_bind() {
    if !peers_available("DS records against dnssec-dsfromkey") {
        return;
    }
    let dir = work_dir("ds");
    let d = &dir;
    for key in [
        keygen(d, "Example.COM.", "ECDSAP256SHA256", "ksk"),
        bind_keygen(d, "example.com.", "ED25519", true),
    ] {
        let file = format!("{key}.key");
        for (ours, bind) in [("2", "-2"), ("4", "-a SHA-384")] {
            let mut bind_args: Vec<&str> = bind.split(' ').collect();
            bind_args.push(&file);
            let theirs = ok("dnssec-dsfromkey", &bind_args, d);
            let mine = nw(&["dnssec", "ds", "--digest", ours, &file], d);
            let rdata = |line: &str| {
                let words: Vec<String> =
                    line.split_whitespace().map(str::to_ascii_lowercase).collect();
                let at = words.iter().position(|w| w == "ds").expect("a DS line");
                (words[0].clone(), words[at + 1..].concat())
            };
            assert_eq!(rdata(&mine), rdata(&theirs), "{file} digest {ours}");
        }
    }
    let _ = std::fs::remove_dir_all(d);
}

#[test]
fn key_file_errors_are_clear() {
    let dir = work_dir("errors");
    let d = &dir;
    let key = keygen(d, "test.", "ECDSAP256SHA256", "csk");
    let private = d.join(format!("{key}.private"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the private key is written for its owner only");
    }
    let sign = |key: &str| {
        let out =
            nameward(&["zone", "sign", "--origin", "test.", ZONE, "--key", key, "--out", "s"], d);
        assert_eq!(out.status.code(), Some(1));
        text(&out.stderr)
    };
    let e = sign("Ktest.+013+00000");
    assert!(e.contains("cannot read public key Ktest.+013+00000.key"), "{e}");
    let other = keygen(d, "other.", "ED25519", "csk");
    let e = sign(&other);
    assert!(e.contains("is a key for other., not for the zone test."), "{e}");
    set_mode(&private, 0o644);
    let e = sign(&key);
    assert!(e.contains("is open to others (mode 0644)") && e.contains("chmod 600"), "{e}");
    set_mode(&private, 0o600);
    let good = std::fs::read_to_string(&private).unwrap();
    std::fs::write(&private, good.replace("PrivateKey: ", "PrivateKey: !")).unwrap();
    let e = sign(&key);
    assert!(e.contains("bad private key") && e.contains("not base64"), "{e}");
    // Another key's private half under this key's name.
    let twin = keygen(d, "test.", "ECDSAP256SHA256", "csk");
    std::fs::write(&private, std::fs::read(d.join(format!("{twin}.private"))).unwrap()).unwrap();
    let e = sign(&key);
    assert!(e.contains("does not match") || e.contains("does not hold"), "{e}");
    assert!(!d.join("s").exists(), "nothing is written when a key fails");
    // A zone with errors is not signed.
    std::fs::write(d.join("bad.zone"), "@ 3600 IN SOA ns hm 1 2 3 4 5\n@ 3600 IN NS ns\nns 3600 IN A 192.0.2.1\nx 3600 IN CNAME ns\nx 3600 IN A 192.0.2.2\n").unwrap();
    let out = nameward(
        &["zone", "sign", "--origin", "test.", "bad.zone", "--key", &twin, "--out", "s"],
        d,
    );
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(e.contains("bad.zone:5: error") && e.contains("nothing was signed"), "{e}");
    assert!(!d.join("s").exists());
    let out = nameward(&["dnssec", "keygen", "--zone", "test.", "--algorithm", "DSA"], d);
    assert!(text(&out.stderr).contains("unknown algorithm `DSA`"));
    let _ = std::fs::remove_dir_all(d);
}
