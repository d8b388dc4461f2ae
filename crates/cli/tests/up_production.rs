//! `nameward up` as an operator sets up a real TLD: TLDs and the EPP certificate from the
//! configuration file, no demo parts, registrars accredited by command and checked as EPP
//! will check them; a failed first start that leaves nothing behind; commands that refuse a
//! registry that is not there; backups.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant, SystemTime};

use nameward_dns::Rtype;
use nameward_epp::pki::{CertificateAuthority, IssuedCert, Validity};

mod support;
use support::{Login, Stopped, ask, nameward, ns_names, temp_dir, up_with};

fn write_cert(dir: &Path, name: &str, cert: &IssuedCert) {
    std::fs::write(dir.join(format!("{name}.pem")), &cert.cert_pem).unwrap();
    std::fs::write(dir.join(format!("{name}.key")), &cert.key_pem).unwrap();
}

fn run(args: &[&str], data: &Path) -> Output {
    nameward().args(args).arg("--data").arg(data).output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The names of the apex NS records of `zone`, sorted.
fn apex_ns(dns: SocketAddr, zone: &str) -> Vec<String> {
    let mut names = ns_names(&ask(dns, zone, Rtype::NS).answers);
    names.sort();
    names
}

const CONFIG: &str = r#"
[epp]
listen = "127.0.0.1:0"
certificate = "epp.pem"
key = "epp.key"
max_connections = 64

[[tld]]
name = "example"
nameservers = ["ns1.nic.example=127.0.0.1"]

[[tld]]
name = "test"
nameservers = ["ns1.nic.test=127.0.0.1", "ns.elsewhere.net"]
hostmaster = "dns@registry.test"

[backup]
every_hours = 24

[dns]
listen = ["127.0.0.1:0"]
"#;

#[test]
fn a_configured_registry_runs_without_demo_parts() {
    let data = temp_dir("up-configured");
    let etc = temp_dir("up-configured-etc");
    std::fs::create_dir_all(&etc).unwrap();
    let validity = Validity::days_from(SystemTime::now(), 30);
    let ca = CertificateAuthority::generate("operator CA", validity).unwrap();
    write_cert(&etc, "ca", ca.cert());
    write_cert(&etc, "epp", &ca.issue_server(&["localhost", "127.0.0.1"], validity).unwrap());
    write_cert(&etc, "alpha", &ca.issue_client("alpha", validity).unwrap());
    let config = etc.join("up.toml");
    std::fs::write(&config, CONFIG).unwrap();

    let (child, info) = up_with(&data, &["--config", config.to_str().unwrap()]);
    let up = Stopped::guard(child);
    assert_eq!(info["tlds"], serde_json::json!(["example", "test"]));
    assert_eq!(info["registrars"], serde_json::json!([]), "no demo registrars");
    assert!(info.get("ca_cert").is_none(), "no demo CA: {info}");
    assert!(!data.join("pki").exists(), "no demo certificates");
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
    assert_eq!(apex_ns(dns, "test"), ["ns.elsewhere.net.", "ns1.nic.test."]);
    assert_eq!(apex_ns(dns, "example"), ["ns1.nic.example."]);

    // Registrars are accredited by command, checked as <login> will read them.
    let cert = etc.join("alpha.pem");
    let accredit = |id: &str, password: &str| {
        let args = ["registry", "add-registrar", id, "--name", "Alpha", "--password", password];
        nameward().args(args).arg("--cert").arg(&cert).arg("--data").arg(&data).output().unwrap()
    };
    let short_id = accredit("ab", "Alpha-pass-2026");
    assert!(stderr(&short_id).contains("not 3 to 16"), "{}", stderr(&short_id));
    let short_password = accredit("alpha", "abc");
    assert!(stderr(&short_password).contains("not 6 to 1024"), "{}", stderr(&short_password));
    let spaced = accredit("alpha", " Alpha-pass");
    assert!(stderr(&spaced).contains("<pw>"), "{}", stderr(&spaced));
    let good = accredit("alpha", "Alpha-pass-2026");
    assert!(good.status.success(), "{}", stderr(&good));
    let out = run(&["registry", "deposit", "alpha", "100000"], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["registry", "add-tld", "Bad.TLD", "--ns", "ns1.example.net"], &data);
    assert!(stderr(&out).contains("one label"), "{}", stderr(&out));

    // A registrar logs in with the operator's certificates, not a demo CA's.
    let (ca, key) = (etc.join("ca.pem"), etc.join("alpha.key"));
    let login = Login {
        server: info["epp"].as_str().unwrap(),
        ca: &ca,
        cert: &cert,
        key: &key,
        id: "alpha",
        password: "Alpha-pass-2026",
    };
    let epp = |verb: &[&str]| login.ok(verb);
    epp(&["host-create", "ns.elsewhere.net"]);
    epp(&["domain-create", "hello.test", "--ns", "ns.elsewhere.net"]);
    let started = Instant::now();
    while ask(dns, "www.hello.test", Rtype::A).authority.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "the delegation was not published");
        std::thread::sleep(Duration::from_millis(100));
    }
    up.stop();

    // The configuration file is the truth for the apex: a changed one is applied on start.
    let changed = CONFIG.replace("\"ns.elsewhere.net\"]", "\"ns2.nic.test=127.0.0.2\"]");
    std::fs::write(&config, changed).unwrap();
    let (child, info) = up_with(&data, &["--config", config.to_str().unwrap()]);
    let up = Stopped::guard(child);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
    assert_eq!(apex_ns(dns, "test"), ["ns1.nic.test.", "ns2.nic.test."]);
    up.stop();

    let copy = etc.join("copy.sqlite");
    let out = run(&["registry", "backup", "--to", copy.to_str().unwrap()], &data);
    assert!(out.status.success(), "{}", stderr(&out));
    let moved = temp_dir("up-configured-copy");
    std::fs::create_dir_all(&moved).unwrap();
    std::fs::rename(&copy, moved.join("registry.sqlite")).unwrap();
    let out = run(&["registry", "registrars"], &moved);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && listed.starts_with("alpha\tACTIVE"), "{listed}");
    for dir in [&data, &etc, &moved] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn a_failed_first_start_leaves_nothing_behind() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let epp = taken.local_addr().unwrap().to_string();
    let fresh = temp_dir("up-failed");
    let out = run(&["up", "--epp", &epp, "--dns", "127.0.0.1:0"], &fresh);
    assert!(stderr(&out).contains("cannot listen for EPP"), "{}", stderr(&out));
    assert!(!fresh.exists(), "the data directory the start made is gone");

    // In a directory that was there, what was there stays and only the start's files go.
    std::fs::create_dir_all(&fresh).unwrap();
    std::fs::write(fresh.join("notes.txt"), "mine").unwrap();
    let out = run(&["up", "--epp", &epp, "--dns", "127.0.0.1:0"], &fresh);
    assert!(!out.status.success());
    let left: Vec<_> = std::fs::read_dir(&fresh).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["notes.txt"]);
    drop(taken);

    let out = run(&["up", "--tld", "Bad_TLD", "--epp", "127.0.0.1:0"], &fresh);
    assert!(
        stderr(&out).contains("Bad_TLD") || stderr(&out).contains("bad_tld"),
        "{}",
        stderr(&out)
    );
    let out = run(&["registry", "add-tld", "bad.tld", "--ns", "ns1.example.net"], &fresh);
    assert!(!out.status.success());
    let left: Vec<_> = std::fs::read_dir(&fresh).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["notes.txt"], "refused TLDs create no registry");
    let _ = std::fs::remove_dir_all(&fresh);

    // A command over a registry that is not there says so and creates nothing.
    let missing = temp_dir("up-missing");
    for command in [&["registry", "registrars"][..], &["registry", "tick"], &["notices", "list"]] {
        let out = run(command, &missing);
        assert!(stderr(&out).contains("no registry at"), "{command:?}: {}", stderr(&out));
        assert!(!missing.exists(), "{command:?} created {}", missing.display());
    }
}

#[test]
fn a_postgres_registry_is_backed_up_with_pg_dump() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(database) = runtime.block_on(nameward_registry::testing::PostgresDb::new()) else {
        return;
    };
    let dir = temp_dir("pg-backup");
    std::fs::create_dir_all(&dir).unwrap();
    let db = ["--db", database.url.as_str()];
    let add = nameward()
        .args(["registry", "add-tld", "example", "--ns", "ns1.nic.example=192.0.2.1"])
        .args(db)
        .output()
        .unwrap();
    assert!(add.status.success(), "{}", stderr(&add));
    let archive = dir.join("registry.pgdump");
    let out = nameward()
        .args(["registry", "backup", "--to", archive.to_str().unwrap()])
        .args(db)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // PostgreSQL's own tool reads the archive and finds the registry's tables in it.
    let listed = std::process::Command::new("pg_restore").arg("--list").arg(&archive).output();
    let listed = String::from_utf8_lossy(&listed.expect("pg_restore runs").stdout).into_owned();
    assert!(listed.contains("TABLE public domains"), "{listed}");
    assert!(listed.contains("TABLE DATA public tlds"), "{listed}");
    runtime.block_on(database.drop_database());
    let _ = std::fs::remove_dir_all(&dir);
}
