//! Several `nameward up` processes against one PostgreSQL registry: both serve EPP and DNS
//! from the same published state, exactly one leads (lifecycle, notices, backups), and when
//! the leader is killed with SIGKILL the other takes over.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, Instant};

use nameward_dns::Rtype;

mod support;
use support::{Login, Stopped, ask, temp_dir, up_logging};

/// Waits until `log` holds `line`.
fn wait_for_log(log: &Path, line: &str) {
    let started = Instant::now();
    while !std::fs::read_to_string(log).unwrap_or_default().contains(line) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{} never said {line:?}",
            log.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits until `dns` refers `name` to its name servers.
fn wait_for_delegation(dns: SocketAddr, name: &str) {
    let started = Instant::now();
    while ask(dns, &format!("www.{name}"), Rtype::A).authority.is_empty() {
        assert!(started.elapsed() < Duration::from_secs(10), "{dns} does not delegate {name}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn two_ups_share_a_postgres_registry_and_hand_leadership_over() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(database) = runtime.block_on(nameward_registry::testing::PostgresDb::new()) else {
        return;
    };
    let logs = temp_dir("up-leader-logs");
    std::fs::create_dir_all(&logs).unwrap();
    let (a_data, b_data) = (temp_dir("up-leader-a"), temp_dir("up-leader-b"));
    let (a_log, b_log) = (logs.join("a.log"), logs.join("b.log"));
    let common = ["--db", &database.url, "--epp", "127.0.0.1:0", "--dns", "127.0.0.1:0"];

    // A makes the demo registry; B joins it with A's EPP certificate.
    let (a, a_info) = up_logging(&a_data, &common, File::create(&a_log).unwrap());
    let a = Stopped::guard(a);
    wait_for_log(&a_log, "leading");
    let pki = a_data.join("pki");
    let config = logs.join("b.toml");
    let epp_files = format!(
        "[epp]\ncertificate = {:?}\nkey = {:?}\n",
        pki.join("epp.pem"),
        pki.join("epp.key")
    );
    std::fs::write(&config, epp_files).unwrap();
    let b_args = [&common[..], &["--config", config.to_str().unwrap()]].concat();
    let (b, b_info) = up_logging(&b_data, &b_args, File::create(&b_log).unwrap());
    let b = Stopped::guard(b);
    wait_for_log(&b_log, "standing by");

    // A change made through B's EPP is served by both.
    let password = a_info["registrars"][0]["password"].as_str().unwrap();
    let (ca, cert, key) = (pki.join("ca.pem"), pki.join("alpha.pem"), pki.join("alpha.key"));
    let login = Login {
        server: b_info["epp"].as_str().unwrap(),
        ca: &ca,
        cert: &cert,
        key: &key,
        id: "alpha",
        password,
    };
    let epp_via_b = |verb: &[&str]| login.ok(verb);
    epp_via_b(&["host-create", "ns1.elsewhere.test"]);
    epp_via_b(&["domain-create", "first.example", "--ns", "ns1.elsewhere.test"]);
    let a_dns: SocketAddr = a_info["dns"].as_str().unwrap().parse().unwrap();
    let b_dns: SocketAddr = b_info["dns"].as_str().unwrap().parse().unwrap();
    wait_for_delegation(a_dns, "first.example");
    wait_for_delegation(b_dns, "first.example");

    // SIGKILL the leader: B takes over and goes on serving.
    drop(a);
    wait_for_log(&b_log, "leading");
    epp_via_b(&["domain-create", "second.example", "--ns", "ns1.elsewhere.test"]);
    wait_for_delegation(b_dns, "second.example");
    let a_text = std::fs::read_to_string(&a_log).unwrap();
    assert!(!a_text.contains("standing by"), "A led from the start: {a_text}");
    b.stop();
    runtime.block_on(database.drop_database());
    for dir in [&logs, &a_data, &b_data] {
        let _ = std::fs::remove_dir_all(dir);
    }
}
