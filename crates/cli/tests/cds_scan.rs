//! The registry as parent: `nameward up` reads a secure child's CDS from its name server
//! (`nameward serve`, serving the child zone signed here) and changes the child's DS in the
//! TLD zone only when the CDS passes the parent's checks. A CDS naming a key the child does
//! not publish is refused and changes nothing; a CDS for a new KSK, signed by the key the DS
//! names, adds that key's DS; the delete signal removes the DS.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr, TcpListener, UdpSocket};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use nameward_dns::dnssec::{
    Denial, DigestType, PrivateKey, SignOptions, SigningKey, cdnskey, cds, ds, sign_records,
};
use nameward_dns::{Class, Name, Record, RecordData, Rtype};

mod support;
use support::{Stopped, ask, epp_ok, temp_dir, up_logging};

fn free_port(ip: IpAddr) -> u16 {
    TcpListener::bind((ip, 0)).unwrap().local_addr().unwrap().port()
}

/// An address of this machine that a name server may have (the registry refuses loopback
/// glue): the one a route out would leave from. Connecting a UDP socket sends nothing.
fn own_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

fn origin() -> Name {
    Name::parse("child.example.", None).unwrap()
}

fn key(seed: u8, flags: u16) -> SigningKey {
    SigningKey::new(&PrivateKey::ed25519_from_seed([seed; 32]).unwrap(), flags).unwrap()
}

/// The DS text `TAG ALG TYPE DIGEST` of `key`, as `domain-update --add-ds` takes it.
fn ds_text(key: &SigningKey) -> String {
    let ds = ds(&origin(), key.dnskey(), DigestType::Sha256);
    let digest: String = ds.digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{} {} {} {digest}", ds.key_tag, ds.algorithm, ds.digest_type)
}

/// The child zone signed with `keys`, asking by CDS and CDNSKEY for `wanted` (the delete
/// signal when `delete`).
fn child_zone(ip: IpAddr, keys: &[SigningKey], wanted: &[&SigningKey], delete: bool) -> String {
    let record = |data| Record { owner: origin(), class: Class::IN, ttl: 300, data };
    let text = format!(
        "@ 300 IN SOA ns1 hostmaster 1 1800 900 1209600 300\n@ 300 IN NS ns1\nns1 300 IN {} {ip}\n",
        if ip.is_ipv4() { "A" } else { "AAAA" }
    );
    let zone = nameward_server::Zone::from_text(&origin(), "child", &text).unwrap();
    let mut records: Vec<Record> = zone.records().collect();
    for key in wanted {
        records.push(record(RecordData::Cds(cds(&origin(), key.dnskey(), DigestType::Sha256))));
        records.push(record(RecordData::Cdnskey(cdnskey(key.dnskey()))));
    }
    let mut text: String = records.iter().map(|r| format!("{r}\n")).collect();
    if delete {
        text.push_str(
            "child.example. 300 IN CDS 0 0 0 00\nchild.example. 300 IN CDNSKEY 0 3 0 AA==\n",
        );
        let zone = nameward_server::Zone::from_text(&origin(), "child", &text).unwrap();
        records = zone.records().collect();
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as u32;
    let options = SignOptions {
        inception: now - 3600,
        expiration: now + 7 * 86_400,
        denial: Denial::Nsec,
        threads: 1,
    };
    let signed = sign_records(&origin(), &records, keys, &options).unwrap();
    signed.iter().map(|r| format!("{r}\n")).collect()
}

/// The DS set the TLD zone of `dns` serves for the child.
fn served_ds(dns: SocketAddr) -> BTreeSet<u16> {
    let answer = ask(dns, "child.example.", Rtype::DS);
    answer
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RecordData::Ds(ds) => Some(ds.key_tag),
            _ => None,
        })
        .collect()
}

/// Waits (at most 20 seconds) until `dns` serves the DS set `wanted` for the child.
fn wait_for_ds(dns: SocketAddr, wanted: &BTreeSet<u16>) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if served_ds(dns) == *wanted {
            return true;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    false
}

#[test]
fn a_secure_childs_cds_changes_its_ds_only_when_it_passes_the_checks() {
    let tag = "cds-scan";
    let address = own_address();
    let why = "this machine has no address but loopback to serve the child zone on";
    let Some(ip) = address.filter(|_| nameward_peer::available(tag, address.is_some(), why)) else {
        return;
    };
    let data = temp_dir(tag);
    std::fs::create_dir_all(&data).unwrap();
    let (ksk, zsk, new_ksk) = (key(1, 257), key(2, 256), key(3, 257));
    let zone_file = data.with_extension("child.zone");
    let control = data.with_extension("child.sock");
    let _ = std::fs::remove_file(&control);
    // A CDS naming a key the child does not publish: the check must refuse it.
    std::fs::write(&zone_file, child_zone(ip, &[ksk.clone(), zsk.clone()], &[&new_ksk], false))
        .unwrap();
    let port = free_port(ip);
    let listen = SocketAddr::new(ip, port).to_string();
    let zone = format!("child.example.={}", zone_file.display());
    let args = ["--listen", &listen, "--workers", "1", "--zone", &zone];
    let _child = support::serve(&args, &control);
    let config = data.with_extension("toml");
    std::fs::write(
        &config,
        format!(
            "[dnssec]\ncds_scan_seconds = 1\nchild_port = {port}\n\n\
             [dns]\nlisten = [\"127.0.0.1:0\"]\n"
        ),
    )
    .unwrap();
    let log = data.with_extension("log");
    let log_file = std::fs::File::create(&log).unwrap();
    let args = ["--config", config.to_str().unwrap(), "--epp", "127.0.0.1:0"];
    let (up, info) = up_logging(&data, &args, log_file);
    let up = Stopped::guard(up);
    let dns: SocketAddr = info["dns"].as_str().unwrap().parse().unwrap();

    epp_ok(&data, &["domain-create", "child.example", "--ds", &ds_text(&ksk)]);
    epp_ok(&data, &["host-create", "ns1.child.example", &ip.to_string()]);
    epp_ok(&data, &["domain-update", "child.example", "--add-ns", "ns1.child.example"]);
    let first = BTreeSet::from([ksk.key_tag()]);
    assert!(wait_for_ds(dns, &first), "the delegation is published with its DS");
    let started = Instant::now();
    while !std::fs::read_to_string(&log).unwrap().contains("CDS refused") {
        assert!(started.elapsed() < Duration::from_secs(20), "the bad CDS was never refused");
        std::thread::sleep(Duration::from_millis(200));
    }
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(said.contains("would not trust the DNSKEY RRset"), "{said}");
    assert_eq!(served_ds(dns), first, "a refused CDS changes nothing");

    // The new KSK published, and both asked for: the DS set follows.
    let reload = |text: String| {
        std::fs::write(&zone_file, text).unwrap();
        let out = support::nameward().args(["ctl", "reload", "--socket"]).arg(&control).output();
        assert!(out.unwrap().status.success());
    };
    let keys = [ksk.clone(), new_ksk.clone(), zsk.clone()];
    reload(child_zone(ip, &keys, &[&ksk, &new_ksk], false));
    let both = BTreeSet::from([ksk.key_tag(), new_ksk.key_tag()]);
    assert!(wait_for_ds(dns, &both), "DS now {:?}", served_ds(dns));
    // The new one alone, then the delete signal.
    reload(child_zone(ip, &keys, &[&new_ksk], false));
    assert!(wait_for_ds(dns, &BTreeSet::from([new_ksk.key_tag()])), "DS now {:?}", served_ds(dns));
    reload(child_zone(ip, &[new_ksk.clone(), zsk.clone()], &[], true));
    assert!(wait_for_ds(dns, &BTreeSet::new()), "DS now {:?}", served_ds(dns));
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(said.contains("DS set changed as the child's CDS asked"), "{said}");
    up.stop();
    let _ = std::fs::remove_dir_all(&data);
    for file in [&zone_file, &config, &log, &control] {
        let _ = std::fs::remove_file(file);
    }
}
