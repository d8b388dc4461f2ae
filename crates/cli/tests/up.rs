//! `nameward up` as a first-time user runs it: a fresh data directory, `up.json`, an EPP
//! create with `nameward epp client` that reaches the DNS within seconds, SIGTERM, and a
//! second start that keeps the data.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use nameward_dns::Rtype;

mod support;
use support::{ask, epp, nameward, ns_names, temp_dir, terminate, up, up_with};

/// The NS names a referral for `name` carries.
fn delegated_to(dns: SocketAddr, name: &str) -> Vec<String> {
    ns_names(&ask(dns, name, Rtype::A).authority)
}

#[test]
fn up_serves_epp_and_publishes_to_dns_and_keeps_its_data() {
    let data = temp_dir("up");
    let (child, info) = up(&data);
    assert_eq!(info["tlds"], serde_json::json!(["example"]));
    assert_eq!(info["registrars"].as_array().unwrap().len(), 2);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
    let soa = ask(dns, "example", Rtype::SOA);
    assert!(soa.header.aa && soa.answers.len() == 1, "the TLD zone is served: {soa:?}");

    let out = epp(&data, "alpha", &["host-create", "ns1.elsewhere.test"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let out = epp(
        &data,
        "alpha",
        &["domain-create", "hello.example", "--ns", "ns1.elsewhere.test", "--years", "2"],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("code=\"1000\""), "{text}");

    // The delegation reaches the DNS within seconds.
    let started = Instant::now();
    while delegated_to(dns, "www.hello.example") != ["ns1.elsewhere.test."] {
        assert!(started.elapsed() < Duration::from_secs(10), "the delegation was not published");
        std::thread::sleep(Duration::from_millis(100));
    }
    // Another registrar cannot touch it.
    let out = epp(&data, "beta", &["domain-delete", "hello.example"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("code=\"2201\""));

    let zone = nameward()
        .args(["registry", "zone", "--tld", "example", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&zone.stdout)
            .contains("hello.example. 3600 IN NS ns1.elsewhere.test.")
    );
    terminate(child);

    // Again, from a data directory that moved: same data, same registrars, the domain still
    // there, and up.json still true when read from another working directory.
    let moved = temp_dir("up-moved");
    std::fs::rename(&data, &moved).unwrap();
    let data = moved;
    let (child, again) = up(&data);
    assert_eq!(again["registrars"], info["registrars"]);
    assert_eq!(again["registrars"][0]["cert"], "pki/alpha.pem", "relative to the data directory");
    let out = nameward()
        .current_dir("/")
        .args(["epp", "client", "--up"])
        .arg(std::fs::canonicalize(&data).unwrap())
        .args(["--registrar", "alpha", "domain-info", "hello.example"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("<domain:clID>alpha</domain:clID>"));
    let dns: SocketAddr = again["dns"].as_str().unwrap().parse().unwrap();
    let started = Instant::now();
    while delegated_to(dns, "hello.example") != ["ns1.elsewhere.test."] {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the zone was not published after restart"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    terminate(child);
    let _ = std::fs::remove_dir_all(&data);
}

#[test]
fn tick_with_now_renews_at_expiry() {
    let data = temp_dir("tick");
    let (child, _) = up(&data);
    let out = epp(&data, "beta", &["domain-create", "later.example"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    terminate(child);
    let in_two_years = (time::OffsetDateTime::now_utc() + time::Duration::days(731))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let tick = |now: &str| {
        let out = nameward()
            .args(["registry", "tick", "--data"])
            .arg(&data)
            .args(["--now", now])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let first = tick(&in_two_years);
    assert!(first.contains("auto_renew 2"), "{first}");
    let second = tick(&in_two_years);
    assert!(second.contains("0 transitions"), "running it twice changes nothing: {second}");
    let _ = std::fs::remove_dir_all(&data);
}

/// Every TLD of the registry is served, one added while `up` runs included; a start that
/// names a TLD the registry lacks refuses, saying how to add it, and changes nothing.
#[test]
fn up_serves_every_tld_and_refuses_an_unknown_one() {
    let data = temp_dir("up-tlds");
    let (child, info) = up(&data);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
    let out = nameward()
        .args(["registry", "add-tld", "test", "--ns", "ns1.nic.test=127.0.0.1", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let started = Instant::now();
    while !ask(dns, "test", Rtype::SOA).header.aa {
        assert!(started.elapsed() < Duration::from_secs(10), "the new TLD was not served");
        std::thread::sleep(Duration::from_millis(100));
    }
    let soa = ask(dns, "example", Rtype::SOA);
    assert!(soa.header.aa && soa.answers.len() == 1, "the first TLD is still served: {soa:?}");
    terminate(child);

    let before = std::fs::read_to_string(data.join("up.json")).unwrap();
    let out = nameward()
        .args(["up", "--tld", "other", "--epp", "127.0.0.1:0", "--dns", "127.0.0.1:0", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("TLD other is not in this registry"), "{stderr}");
    assert!(stderr.contains("add-tld other"), "{stderr}");
    assert_eq!(std::fs::read_to_string(data.join("up.json")).unwrap(), before);
    let _ = std::fs::remove_dir_all(&data);
}

/// ICANN RST epp-17: EPP listens on every address it is given (here IPv4 and IPv6 loopback,
/// as a registry's EPP name has A and AAAA records), and each answers `<info>` alike.
#[test]
fn epp_answers_alike_on_every_address() {
    let data = temp_dir("up-epp-addresses");
    let second = if std::net::TcpListener::bind("[::1]:0").is_ok() {
        "[::1]:0"
    } else {
        eprintln!("no IPv6 loopback here: the second EPP address is 127.0.0.2 instead");
        "127.0.0.2:0"
    };
    let args = ["--epp", "127.0.0.1:0", "--epp", second, "--dns", "127.0.0.1:0"];
    let (child, info) = up_with(&data, &args);
    let addresses: Vec<&str> =
        info["epp_all"].as_array().unwrap().iter().filter_map(|addr| addr.as_str()).collect();
    assert_eq!(addresses.len(), 2, "{info}");
    assert_eq!(info["epp"].as_str(), Some(addresses[0]));
    assert!(epp(&data, "alpha", &["host-create", "ns1.elsewhere.test"]).status.success());
    let out =
        epp(&data, "alpha", &["domain-create", "ports.example", "--ns", "ns1.elsewhere.test"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));

    let answers: Vec<String> = addresses
        .iter()
        .map(|addr| {
            let out = nameward()
                .args(["epp", "client", "--up"])
                .arg(&data)
                .args(["--server", addr, "--server-name", "localhost", "--registrar", "alpha"])
                .args(["domain-info", "ports.example"])
                .output()
                .unwrap();
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            assert!(out.status.success() && text.contains("code=\"1000\""), "{addr}: {text}");
            // The object as answered, without the transaction ids.
            let start = text.find("<resData>").unwrap_or_else(|| panic!("{addr}: {text}"));
            let end = text.find("<trID>").unwrap_or_else(|| panic!("{addr}: {text}"));
            text[start..end].to_owned()
        })
        .collect();
    assert!(answers[0].contains("ns1.elsewhere.test"), "{}", answers[0]);
    assert_eq!(answers[0], answers[1], "{} and {} answer differently", addresses[0], addresses[1]);
    terminate(child);
    let _ = std::fs::remove_dir_all(&data);
}

/// `kill -9` in the middle of a burst of creates: after the restart every create that was
/// confirmed is served, and what is served is exactly what the database holds.
#[test]
fn kill_9_during_a_burst_loses_no_committed_change() {
    let data = temp_dir("up-kill");
    let (mut child, _) = up(&data);
    assert!(epp(&data, "alpha", &["host-create", "ns1.elsewhere.test"]).status.success());
    let burst = {
        let data = data.clone();
        std::thread::spawn(move || {
            let mut confirmed = Vec::new();
            for i in 0..40 {
                let name = format!("burst{i}.example");
                let out =
                    epp(&data, "alpha", &["domain-create", &name, "--ns", "ns1.elsewhere.test"]);
                if String::from_utf8_lossy(&out.stdout).contains("code=\"1000\"") {
                    confirmed.push(name);
                }
            }
            confirmed
        })
    };
    // Killed once some creates went through, while the others are under way.
    let started = Instant::now();
    loop {
        let zone = nameward()
            .args(["registry", "zone", "--tld", "example", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        if String::from_utf8_lossy(&zone.stdout).matches("IN NS ns1.elsewhere.test.").count() >= 8 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the burst did not get going");
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let confirmed = burst.join().unwrap();
    assert!(confirmed.len() >= 8 && confirmed.len() < 40, "{} confirmed", confirmed.len());

    let (child, info) = up(&data);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();
    let zone = nameward()
        .args(["registry", "zone", "--tld", "example", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    let zone = String::from_utf8_lossy(&zone.stdout).into_owned();
    for i in 0..40 {
        let name = format!("burst{i}.example");
        let stored = zone.contains(&format!("{name}. 3600 IN NS ns1.elsewhere.test."));
        assert!(stored || !confirmed.contains(&name), "{name} was confirmed but is not stored");
        let served = delegated_to(dns, &name) == ["ns1.elsewhere.test."];
        assert_eq!(served, stored, "{name}: served {served}, in the database {stored}");
    }
    terminate(child);
    let _ = std::fs::remove_dir_all(&data);
}

/// A configuration file with an error is refused with its file and line, before anything is
/// created or bound.
#[test]
fn a_bad_configuration_file_is_refused_with_its_line() {
    let dir = temp_dir("up-bad-config");
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("up.toml");
    std::fs::write(&config, "[dns]\nlisten = [\"127.0.0.1:0\"]\nworkers = \"two\"\n").unwrap();
    let data = dir.join("data");
    let out =
        nameward().args(["up", "--config"]).arg(&config).arg("--data").arg(&data).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains(&format!("{}:3:", config.display())), "{stderr}");
    assert!(!data.exists(), "nothing is created");
    let _ = std::fs::remove_dir_all(&dir);
}
