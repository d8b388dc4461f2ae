//! Continuity DNS through the binary: `nameward up` running, a name created over EPP, its
//! registrar's escrow imported with the zone it hosted, the registrar declared failed, then
//! `nameward continuity switch-dns`: up's DNS server answers for the name from the escrowed
//! zone and the TLD delegates it to the registry's name server; `end-dns` puts it back.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use nameward_dns::{RecordData, Rtype};
use nameward_escrow::{Customer, DepositBuilder, DepositKind, Domain, SigningKey, public_key_pem};
use time::macros::datetime;

mod support;
use support::{ask, epp_ok, nameward, ns_names, temp_dir, terminate, up};

const SHOP_ZONE: &str = "$TTL 300\n\
    @ IN SOA ns1.oldhost.test. admin.shop.example. 7 3600 600 86400 300\n\
    @ IN NS ns1.oldhost.test.\n\
    www IN A 192.0.2.80\n";

fn ok(out: Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

fn run(data: &Path, args: &[&str]) -> String {
    ok(nameward().args(args).arg("--data").arg(data).output().unwrap())
}

/// The addresses of an authoritative answer for `qname` A, or none.
fn authoritative_a(dns: SocketAddr, qname: &str) -> Vec<String> {
    let answer = ask(dns, qname, Rtype::A);
    if !answer.header.aa {
        return Vec::new();
    }
    answer
        .answers
        .iter()
        .filter_map(|record| match &record.data {
            RecordData::A(a) => Some(a.address.to_string()),
            _ => None,
        })
        .collect()
}

/// The NS names of the referral a query for `qname` gets, or none when it is answered.
fn referral(dns: SocketAddr, qname: &str) -> Vec<String> {
    let answer = ask(dns, qname, Rtype::A);
    if answer.header.aa {
        return Vec::new();
    }
    ns_names(&answer.authority)
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(10), "{what} did not happen");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn deposit(key: &SigningKey) -> Vec<u8> {
    DepositBuilder::new("alpha", "alpha-full-1", DepositKind::Full, datetime!(2026-01-02 0:00 UTC))
        .customer(Customer {
            id: "asha".to_owned(),
            name: "Asha".to_owned(),
            email: "asha@example.org".to_owned(),
            balance: 0,
            currency: "USD".to_owned(),
            reseller: None,
        })
        .domain(Domain {
            name: "shop.example".to_owned(),
            registrant: None,
            customer: Some("asha".to_owned()),
            admin: None,
            tech: None,
            reseller: None,
            privacy: false,
            expires: datetime!(2027-01-01 0:00 UTC),
            nameservers: vec!["ns1.oldhost.test".to_owned()],
        })
        .zone("shop.example", SHOP_ZONE)
        .build(key, true)
        .unwrap()
}

#[test]
fn a_switched_name_is_served_by_up_from_its_escrowed_zone() {
    let data = temp_dir("continuity-dns");
    let (child, info) = up(&data);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();

    epp_ok(&data, &["host-create", "ns1.oldhost.test"]);
    epp_ok(&data, &["domain-create", "shop.example", "--ns", "ns1.oldhost.test"]);
    wait_for("the delegation to the registrar's server", || {
        referral(dns, "www.shop.example") == ["ns1.oldhost.test."]
    });

    let key = SigningKey::from_bytes(&[7; 32]);
    let key_path = data.join("alpha-escrow.pub.pem");
    std::fs::write(&key_path, public_key_pem(&key.verifying_key()).unwrap()).unwrap();
    run(&data, &["registry", "escrow-key", "alpha", "--key", key_path.to_str().unwrap()]);
    let deposit_path = data.join("alpha-full-1.tar.gz");
    std::fs::write(&deposit_path, deposit(&key)).unwrap();
    run(&data, &["escrow", "registrar", "import", deposit_path.to_str().unwrap()]);

    // Not while the registrar operates.
    let out = nameward()
        .args(["continuity", "switch-dns", "shop.example", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("alpha is ACTIVE"), "{stderr}");

    run(&data, &["continuity", "declare-failed", "alpha", "--reason", "registrar went dark"]);
    let said = run(&data, &["continuity", "switch-dns", "shop.example"]);
    assert!(
        said.contains("shop.example on continuity DNS: delegated to ns1.nic.example"),
        "{said}"
    );

    // up's DNS server answers for the name itself, from the escrowed zone.
    wait_for("the escrowed zone being served", || {
        authoritative_a(dns, "www.shop.example") == ["192.0.2.80"]
    });
    let ns = ask(dns, "shop.example", Rtype::NS);
    assert!(ns.header.aa, "{ns:?}");
    assert_eq!(ns_names(&ns.answers), ["ns1.nic.example."]);
    // The TLD's side: delegated to the registry's server, no DS.
    let ds = ask(dns, "shop.example", Rtype::DS);
    assert!(ds.answers.is_empty(), "{ds:?}");
    let zone = run(&data, &["registry", "zone", "--tld", "example"]);
    assert!(zone.contains("shop.example. 3600 IN NS ns1.nic.example."), "{zone}");
    assert!(!zone.contains("ns1.oldhost.test"), "{zone}");

    // Ended, the delegation returns to the registrar's server and the zone is no longer served.
    let said = run(&data, &["continuity", "end-dns", "shop.example", "--reason", "test"]);
    assert!(said.contains("continuity DNS ended"), "{said}");
    wait_for("the delegation returning", || {
        referral(dns, "www.shop.example") == ["ns1.oldhost.test."]
    });

    terminate(child);
    let _ = std::fs::remove_dir_all(&data);
}
