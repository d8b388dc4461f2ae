//! Real secondaries follow `nameward up` through its configuration file alone: Knot, NSD and
//! BIND, each a TSIG-keyed secondary of the TLD zone in `up --config`, reach every change
//! made over EPP (creates, NS and glue changes, a hold, a delete, a DS), renewals past expiry
//! and a continuity DNS switch by NOTIFY and IXFR, answer for every name what `up` answers,
//! and hold a copy of the zone that ldns-compare-zones finds equal to `nameward registry
//! zone`. Restarted, `up` answers IXFR from before the restart out of the history the registry
//! kept; killed with SIGKILL in a burst of changes and restarted, it brings the secondaries to
//! every committed change.
//!
//! Without the peer's daemon the test says that it did not run; under `CI=true` that is a
//! failure.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nameward_dns::Rtype;
use nameward_escrow::{
    Customer, DepositBuilder, DepositKind, Domain as EscrowedDomain, SigningKey, public_key_pem,
};
use time::OffsetDateTime;

use nameward_server::testing::{Daemon, Peer, ask, free_port, serial_at};

mod support;
use support::{Stopped, epp, epp_ok, nameward, sample, scrape, temp_dir, up_with};

const KEY_NAME: &str = "xfr.key.";
const SECRET: &str = "dXAtc2Vjb25kYXJpZXMta2V5LW5hbWV3YXJkLTAwMQ==";

/// What a server says about `qname`: rcode, and every record of every section but OPT, as
/// lower-case text, sorted.
fn view(server: SocketAddr, qname: &str, qtype: Rtype) -> (u16, BTreeSet<String>) {
    let answer = ask(server, qname, qtype).unwrap_or_else(|| panic!("no answer to {qname}"));
    let records = answer
        .answers
        .iter()
        .chain(&answer.authority)
        .chain(&answer.additional)
        .filter(|r| r.rtype() != Rtype::OPT)
        .map(|r| r.to_string().to_lowercase())
        .collect();
    (answer.rcode(), records)
}

/// A DS record added to b.example (RFC 5910).
const ADD_DS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><update>
<domain:update xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>b.example</domain:name></domain:update>
</update><extension><secDNS:update xmlns:secDNS="urn:ietf:params:xml:ns:secDNS-1.1"><secDNS:add><secDNS:dsData>
<secDNS:keyTag>12345</secDNS:keyTag><secDNS:alg>13</secDNS:alg><secDNS:digestType>2</secDNS:digestType>
<secDNS:digest>E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766</secDNS:digest>
</secDNS:dsData></secDNS:add></secDNS:update></extension><clTRID>DS-1</clTRID></command></epp>
"#;

/// The secondary's whole copy of the zone, transferred out of it, equals `nameward registry
/// zone` record for record, SOA included (ldns-compare-zones, from ldnsutils, judges).
fn same_zone(data: &std::path::Path, secondary: SocketAddr, peer: &str) {
    let what = format!("comparing {peer}'s copy with ldns-compare-zones");
    if !nameward_peer::program(&what, "/usr/bin/ldns-compare-zones", "ldnsutils")
        || !nameward_peer::program(&what, "/usr/bin/kdig", "knot-dnsutils")
    {
        return;
    }
    let key = format!("hmac-sha256:{KEY_NAME}:{SECRET}");
    let server = format!("@{}", secondary.ip());
    let port = secondary.port().to_string();
    let axfr = std::process::Command::new("kdig")
        .args(["-y", &key, &server, "-p", &port, "example.", "AXFR"])
        .output()
        .unwrap();
    assert!(axfr.status.success(), "{}", String::from_utf8_lossy(&axfr.stderr));
    // The transfer ends with the SOA it began with (a zone file holds it once), and kdig
    // prints the transfer's TSIG, which is no part of the zone.
    let mut copy: Vec<String> = String::from_utf8_lossy(&axfr.stdout)
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with(';'))
        .filter(|line| line.split_whitespace().nth(3) != Some("TSIG"))
        .map(str::to_owned)
        .collect();
    copy.dedup_by(|a, b| a == b);
    if copy.len() > 1 && copy.first() == copy.last() {
        copy.pop();
    }
    let copy_file = data.join(format!("{peer}-copy.zone"));
    std::fs::write(&copy_file, copy.join("\n") + "\n").unwrap();
    let zone = nameward()
        .args(["registry", "zone", "--tld", "example", "--data"])
        .arg(data)
        .output()
        .unwrap();
    let registry_file = data.join("registry.zone");
    std::fs::write(&registry_file, &zone.stdout).unwrap();
    let compared = std::process::Command::new("ldns-compare-zones")
        .args(["-s", "-a", "-e"])
        .args([&registry_file, &copy_file])
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&compared.stdout);
    assert!(
        compared.status.success() && report.lines().all(|line| !line.starts_with(['+', '-', '~'])),
        "{peer}'s copy differs from the registry's zone:\n{report}{}",
        String::from_utf8_lossy(&compared.stderr)
    );
}

/// `nameward up` with a secondary that follows it through the configuration file alone.
struct Running {
    peer: &'static str,
    data: std::path::PathBuf,
    config: std::path::PathBuf,
    up: Stopped,
    daemon: Daemon,
    primary: SocketAddr,
    secondary: SocketAddr,
    metrics: SocketAddr,
    first_serial: u32,
}

impl Running {
    /// Starts `up` with `peer` as its TSIG-keyed secondary, once the secondary holds the zone;
    /// `None` (having said so) when the peer is not installed.
    fn start(peer: Peer, test: &str) -> Option<Running> {
        if !peer.available("secondary of nameward up") {
            return None;
        }
        let data = temp_dir(&format!("{test}-{}", peer.name()));
        std::fs::create_dir_all(&data).unwrap();
        let (dns_port, peer_port, metrics_port) = (free_port(), free_port(), free_port());
        let config = data.join("up.toml");
        std::fs::write(
            &config,
            format!(
                "[epp]\nlisten = \"127.0.0.1:0\"\n\n\
                 [dns]\nlisten = [\"127.0.0.1:{dns_port}\"]\nworkers = 1\n\
                 metrics = \"127.0.0.1:{metrics_port}\"\n\n\
                 [[dns.secondary]]\naddress = \"127.0.0.1:{peer_port}\"\nzones = [\"example.\"]\n\
                 key = \"{KEY_NAME}\"\n\n\
                 [[dns.key]]\nname = \"{KEY_NAME}\"\nalgorithm = \"hmac-sha256\"\nsecret = \"{SECRET}\"\n"
            ),
        )
        .unwrap();
        let (child, info) = up_with(&data, &["--config", config.to_str().unwrap()]);
        let up = Stopped::guard(child);
        let primary: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
        assert_eq!(primary.port(), dns_port, "the DNS address comes from the file");
        let secondary: SocketAddr = ([127, 0, 0, 1], peer_port).into();
        let mut daemon = peer.secondary("example.", primary, peer_port, KEY_NAME, SECRET);
        let first_serial = serial_at(primary, "example.").unwrap();
        daemon.wait_for_serial(secondary, "example.", first_serial);
        Some(Running {
            peer: peer.name(),
            data,
            config,
            up,
            daemon,
            primary,
            secondary,
            metrics: ([127, 0, 0, 1], metrics_port).into(),
            first_serial,
        })
    }

    /// Stops `up` (unless it is dead already) and starts it again on the same data and
    /// configuration.
    fn restart(&mut self) {
        self.up.terminate();
        let (child, _) = up_with(&self.data, &["--config", self.config.to_str().unwrap()]);
        self.up = Stopped::guard(child);
    }

    /// Waits until `up` serves the registry's serial, and the secondary too; that serial.
    fn caught_up(&mut self) -> u32 {
        let started = Instant::now();
        let last = loop {
            let serial = registry_serial(&self.data);
            if serial_at(self.primary, "example.") == Some(serial) {
                break serial;
            }
            assert!(started.elapsed() < Duration::from_secs(10), "up did not publish");
            std::thread::sleep(Duration::from_millis(100));
        };
        self.daemon.wait_for_serial(self.secondary, "example.", last);
        last
    }

    fn finish(self) {
        self.up.stop();
        drop(self.daemon);
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

/// The serial of `nameward registry zone`.
fn registry_serial(data: &std::path::Path) -> u32 {
    let zone = nameward()
        .args(["registry", "zone", "--tld", "example", "--data"])
        .arg(data)
        .output()
        .unwrap();
    String::from_utf8_lossy(&zone.stdout)
        .lines()
        .find(|line| line.contains(" SOA "))
        .and_then(|line| line.split_whitespace().nth(6))
        .and_then(|serial| serial.parse().ok())
        .unwrap()
}

/// The registrar alpha fails, and `domain` (delegated to ns1.b.example) goes on continuity
/// DNS: the TLD delegates it to the registry's own server, which serves its escrowed zone.
/// For a secondary of the TLD, a delegation that changes.
fn switch_to_continuity_dns(data: &std::path::Path, domain: &str) {
    let run = |args: &[&str]| {
        let out = nameward().args(args).arg("--data").arg(data).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let key = SigningKey::from_bytes(&[7; 32]);
    let key_path = data.join("alpha-escrow.pub.pem");
    std::fs::write(&key_path, public_key_pem(&key.verifying_key()).unwrap()).unwrap();
    run(&["registry", "escrow-key", "alpha", "--key", key_path.to_str().unwrap()]);
    let zone = format!(
        "$TTL 300\n@ IN SOA ns1.b.example. admin.{domain}. 7 3600 600 86400 300\n\
         @ IN NS ns1.b.example.\nwww IN A 192.0.2.80\n"
    );
    let deposit =
        DepositBuilder::new("alpha", "alpha-full-1", DepositKind::Full, OffsetDateTime::now_utc())
            .customer(Customer {
                id: "asha".to_owned(),
                name: "Asha".to_owned(),
                email: "asha@example.org".to_owned(),
                balance: 0,
                currency: "USD".to_owned(),
                reseller: None,
            })
            .domain(EscrowedDomain {
                name: domain.to_owned(),
                registrant: None,
                customer: Some("asha".to_owned()),
                admin: None,
                tech: None,
                reseller: None,
                privacy: false,
                expires: OffsetDateTime::now_utc() + time::Duration::days(365),
                nameservers: vec!["ns1.b.example".to_owned()],
            })
            .zone(domain, &zone)
            .build(&key, true)
            .unwrap();
    let deposit_path = data.join("alpha-full-1.tar.gz");
    std::fs::write(&deposit_path, deposit).unwrap();
    run(&["escrow", "registrar", "import", deposit_path.to_str().unwrap()]);
    run(&["continuity", "declare-failed", "alpha", "--reason", "registrar went dark"]);
    run(&["continuity", "switch-dns", domain]);
}

/// `up` with `peer` as its secondary, through the configuration file; a stream of EPP
/// changes; the secondary answering as `up` does.
fn follow(secondary_peer: Peer) {
    let Some(mut running) = Running::start(secondary_peer, "up-follow") else { return };
    let (data, primary, secondary, peer) =
        (running.data.clone(), running.primary, running.secondary, running.peer);
    let first_serial = running.first_serial;
    let metrics_at = running.metrics;
    let dns_port = primary.port();

    epp_ok(&data, &["host-create", "ns1.elsewhere.test"]);
    epp_ok(&data, &["domain-create", "a.example", "--ns", "ns1.elsewhere.test"]);
    epp_ok(&data, &["domain-create", "b.example", "--ns", "ns1.elsewhere.test"]);
    epp_ok(&data, &["host-create", "ns1.b.example", "192.0.2.7"]);
    epp_ok(&data, &["domain-update", "b.example", "--add-ns", "ns1.b.example"]);
    epp_ok(&data, &["domain-create", "c.example", "--ns", "ns1.b.example"]);
    epp_ok(&data, &["domain-update", "a.example", "--add-status", "clientHold"]);
    epp_ok(&data, &["domain-create", "d.example", "--ns", "ns1.elsewhere.test"]);
    epp_ok(&data, &["domain-delete", "d.example"]);
    let add_ds = data.join("add-ds.xml");
    std::fs::write(&add_ds, ADD_DS).unwrap();
    epp_ok(&data, &["xml", add_ds.to_str().unwrap()]);
    // A year and more on, the lifecycle renews every name past its expiry; all stay in the zone.
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(400))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let tick = nameward()
        .args(["registry", "tick", "--now", &later, "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let ticked = String::from_utf8_lossy(&tick.stdout);
    assert!(ticked.contains("auto_renew"), "{ticked}{}", String::from_utf8_lossy(&tick.stderr));

    switch_to_continuity_dns(&data, "c.example");

    // up publishes within its polling interval; the secondary follows on NOTIFY.
    let last = running.caught_up();
    // (c.example is on continuity DNS: up answers for it from its escrowed zone, where the
    // secondary of the TLD refers; that referral is checked below.)
    for name in ["a", "b", "d", "www.b", "ns1.b", "nothere"] {
        let qname = format!("{name}.example");
        for qtype in [Rtype::A, Rtype::NS, Rtype::DS] {
            assert_eq!(
                view(secondary, &qname, qtype),
                view(primary, &qname, qtype),
                "{peer}: {qname} {qtype}"
            );
        }
    }
    let (_, b) = view(secondary, "www.b.example", Rtype::A);
    assert!(b.contains("ns1.b.example. 3600 in a 192.0.2.7"), "{peer}: glue {b:?}");
    same_zone(&data, secondary, peer);
    let (_, ds) = view(secondary, "b.example", Rtype::DS);
    assert!(ds.iter().any(|record| record.contains(" ds 12345 13 2 ")), "{peer}: {ds:?}");
    let (_, switched) = view(secondary, "www.c.example", Rtype::A);
    assert!(
        switched.contains("c.example. 3600 in ns ns1.nic.example.")
            && !switched.iter().any(|record| record.contains("ns1.b.example.")),
        "{peer}: c.example delegated to the registry's server: {switched:?}"
    );
    let metrics = scrape(metrics_at);
    assert!(
        sample(&metrics, "nameward_transfers_total{type=\"IXFR\"}") >= 1.0,
        "{peer}: no IXFR\n{}",
        running.daemon.log()
    );
    // What an operator watches: EPP results, publication and its lag, NOTIFY results.
    assert!(
        sample(&metrics, "nameward_epp_commands_total{command=\"login\",code=\"1000\"}") >= 1.0
    );
    assert_eq!(sample(&metrics, "nameward_zone_serial{zone=\"example\"}"), f64::from(last));
    let published =
        sample(&metrics, "nameward_publications_total{zone=\"example\",kind=\"difference\"}");
    assert!(published >= 1.0, "{metrics}");
    // A publication's lag is recorded unless the registry moved on to a newer serial before
    // the publisher read the commit time (the figure would belong to another serial), which
    // a burst of changes makes likely: so at least one, and never more than publications.
    let whole = sample(&metrics, "nameward_publications_total{zone=\"example\",kind=\"whole\"}");
    let lagged = sample(&metrics, "nameward_publication_lag_seconds_count{zone=\"example\"}");
    assert!(lagged >= 1.0 && lagged <= published + whole, "publication lags: {metrics}");
    assert!(
        sample(&metrics, "nameward_publication_lag_seconds_bucket{zone=\"example\",le=\"1\"}")
            >= 1.0
    );
    assert!(sample(&metrics, "nameward_journal_differences{zone=\"example\"}") >= 1.0);
    assert!(sample(&metrics, "nameward_notify_results_total{result=\"acknowledged\"}") >= 1.0);

    // Restarted, up takes its IXFR history back from the registry: a secondary still at the
    // first serial would get IXFR from the new process, not the whole zone again.
    running.restart();
    assert_eq!(serial_at(primary, "example."), Some(last));
    let key = format!("hmac-sha256:{KEY_NAME}:{SECRET}");
    let ixfr = std::process::Command::new("kdig")
        .args(["-y", &key, "@127.0.0.1", "-p", &dns_port.to_string()])
        .args(["example.", &format!("IXFR={first_serial}")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&ixfr.stdout);
    let soas: Vec<&str> = text.lines().filter(|line| line.contains("\tSOA\t")).collect();
    assert!(
        soas.len() >= 3 && soas[1].split_whitespace().nth(6) == Some(&first_serial.to_string()),
        "{peer}: an incremental answer from serial {first_serial} after the restart:\n{text}"
    );
    let metrics = scrape(metrics_at);
    assert!(sample(&metrics, "nameward_transfers_total{type=\"IXFR\"}") >= 1.0, "{metrics}");
    // No whole zone goes out after the restart, unless the secondary itself threw away a
    // transfer: NSD 4.6, when several IXFRs land before it reloads, may find the serial it
    // loaded is not the one it expected, log "restarting transfer" and fetch the whole zone
    // at the next NOTIFY, which is the restarted process's. That is NSD's recovery, not a
    // missing history (the IXFR just above shows the history is there).
    let log = running.daemon.log();
    let recovering = log.contains("restarting transfer");
    let whole = sample(&metrics, "nameward_transfers_total{type=\"AXFR\"}");
    assert!(
        whole == 0.0 || recovering,
        "{peer}: a whole zone sent after the restart\n{metrics}\n{log}"
    );
    running.finish();
}

/// `up` killed with SIGKILL in the middle of a burst of creates: restarted, it serves every
/// committed change, and the secondary reaches the same zone, record for record.
fn catch_up_after_kill(secondary_peer: Peer) {
    let Some(mut running) = Running::start(secondary_peer, "up-kill") else { return };
    let data = running.data.clone();
    epp_ok(&data, &["host-create", "ns1.elsewhere.test"]);
    let burst = {
        let data = data.clone();
        std::thread::spawn(move || {
            (0..30)
                .filter(|i| {
                    let name = format!("burst{i}.example");
                    let out = epp(
                        &data,
                        "alpha",
                        &["domain-create", &name, "--ns", "ns1.elsewhere.test"],
                    );
                    String::from_utf8_lossy(&out.stdout).contains("code=\"1000\"")
                })
                .count()
        })
    };
    let started = Instant::now();
    while registry_serial(&data) < running.first_serial + 6 {
        assert!(started.elapsed() < Duration::from_secs(60), "the burst did not get going");
        std::thread::sleep(Duration::from_millis(50));
    }
    running.up.kill();
    let confirmed = burst.join().unwrap();
    assert!((5..30).contains(&confirmed), "{confirmed} creates confirmed before the kill");
    running.restart();
    let last = running.caught_up();
    assert!(last > running.first_serial + 5);
    same_zone(&data, running.secondary, running.peer);
    running.finish();
}

#[test]
fn knot_catches_up_after_a_kill() {
    catch_up_after_kill(Peer::Knot);
}

#[test]
fn nsd_catches_up_after_a_kill() {
    catch_up_after_kill(Peer::Nsd);
}

#[test]
fn bind_catches_up_after_a_kill() {
    catch_up_after_kill(Peer::Bind);
}

#[test]
fn knot_follows_up() {
    follow(Peer::Knot);
}

#[test]
fn nsd_follows_up() {
    follow(Peer::Nsd);
}

#[test]
fn bind_follows_up() {
    follow(Peer::Bind);
}
