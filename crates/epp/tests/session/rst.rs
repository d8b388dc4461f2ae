//! One test per ICANN RST v2 EPP case, epp-01 to epp-27. epp-22 (restore) was withdrawn
//! from RST in January 2025; its last text is kept as a test all the same, since RFC 3915
//! restores are what it checked.

use std::sync::Arc;
use std::time::Duration;

use nameward_epp::client::{ClientError, ClientOptions, EppClient, TlsVersions};
use nameward_epp::command::{
    Command, ContactChange, ContactInfo, ContactUpdate, DomainAddRem, DomainChange, HostAddRem,
    HostUpdate, Poll, PostalInfoChange, RgpReport, RgpRestore, SecDnsCreate, SecDnsRem,
    SecDnsUpdate,
};
use nameward_epp::tls;
use nameward_epp::types::{
    AuthInfo, Change, ContactType, DnssecData, DomainContact, Namespace, Period, PostalType,
    Secret, Status, StatusValue, TransferOp,
};
use rustls::{ClientConfig, ProtocolVersion, RootCertStore};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::support::*;

fn ds(key_tag: u16) -> nameward_epp::types::DsData {
    nameward_epp::types::DsData {
        key_tag,
        alg: 13,
        digest_type: 2,
        digest: vec![0xAB; 32],
        key_data: None,
    }
}

fn status(status: Status) -> StatusValue {
    StatusValue::from(status)
}

/// A TLS 1.1 ClientHello, which rustls cannot send: the server must refuse it.
fn tls11_client_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x02];
    body.extend([7u8; 32]);
    body.push(0); // no session id
    body.extend([0x00, 0x04, 0x00, 0x2f, 0x00, 0x35]); // AES128-SHA, AES256-SHA
    body.extend([0x01, 0x00]); // null compression
    let mut handshake = vec![0x01, 0x00];
    handshake.extend(u16::try_from(body.len()).unwrap().to_be_bytes());
    handshake.extend(body);
    let mut record = vec![0x16, 0x03, 0x01];
    record.extend(u16::try_from(handshake.len()).unwrap().to_be_bytes());
    record.extend(handshake);
    record
}

#[tokio::test]
async fn epp01_tls_1_2_and_later_only() {
    on_both(async |env| {
        for (versions, expected) in [
            (TlsVersions::Tls12Only, ProtocolVersion::TLSv1_2),
            (TlsVersions::Tls13Only, ProtocolVersion::TLSv1_3),
        ] {
            let mut conn = env.connect_as(&pki().r1, versions).await;
            assert_eq!(conn.tls_version(), Some(expected));
            conn.expect(login(R1, &password(R1)), 1000).await;
        }
        // TLS 1.1: the server answers with an alert (content type 21), never a ServerHello.
        let mut tcp = TcpStream::connect(env.addr).await.unwrap();
        tcp.write_all(&tls11_client_hello()).await.unwrap();
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), tcp.read_to_end(&mut answer)).await;
        assert!(read.is_ok(), "the server must close a TLS 1.1 connection");
        assert_ne!(answer.first(), Some(&0x16), "no handshake may follow a TLS 1.1 hello");
    })
    .await;
}

#[tokio::test]
async fn epp02_greeting() {
    on_both(async |env| {
        let mut conn = env.connect(R1).await;
        let hello =
            b"<?xml version=\"1.0\"?><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello/></epp>";
        let answer = conn.raw("hello", hello).await;
        for greeting in [&conn.greeting, &answer] {
            assert_eq!(greeting.text("svID").as_deref(), Some("nameward-test"));
            assert!(greeting.text("svDate").unwrap().starts_with("2030-01-01T12:00:00"));
            assert_eq!(greeting.texts("version"), ["1.0"]);
            assert_eq!(greeting.texts("lang"), ["en"]);
            let objects = greeting.texts("objURI");
            for ns in [Namespace::Domain, Namespace::Host, Namespace::Contact] {
                assert!(objects.iter().any(|uri| uri == ns.uri()), "{objects:?}");
            }
            let extensions = greeting.texts("extURI");
            for ns in [Namespace::SecDns, Namespace::Rgp, Namespace::LoginSec] {
                assert!(extensions.iter().any(|uri| uri == ns.uri()), "{extensions:?}");
            }
        }
        conn.expect(login(R1, &password(R1)), 1000).await;
        let hello = conn
            .raw(
                "hello",
                &nameward_epp::command::Request { cl_trid: None, command: Command::Hello }.to_xml(),
            )
            .await;
        assert!(hello.has("<greeting>"), "{}", hello.xml);
    })
    .await;
}

#[tokio::test]
async fn epp03_login_failures() {
    on_both(async |env| {
        // Nothing but hello, login and logout before login.
        let mut conn = env.connect(R1).await;
        conn.expect(Command::DomainCheck(vec!["a.example".into()]), 2002).await;
        conn.expect(Command::Poll(Poll::Request), 2002).await;

        // Unknown client id, wrong password, then the third failure closes the session.
        conn.expect(login("nobody", "whatever1"), 2200).await;
        conn.expect(login(R1, "wrong-password"), 2200).await;
        conn.expect(login(R1, "wrong-again"), 2501).await;
        conn.expect_closed().await;

        // Another registrar's certificate is refused at login; one nobody registered gets no
        // session at all: the server closes right after the handshake, before the greeting.
        let mut conn = env.connect(R2).await;
        conn.expect(login(R1, &password(R1)), 2200).await;
        conn.expect(Command::Logout, 1500).await;
        conn.expect_closed().await;
        let stranger = pki().client_tls(&pki().stranger, TlsVersions::Both);
        let refused = EppClient::connect(env.addr, &stranger).await;
        assert!(matches!(refused, Err(ClientError::NotAdmitted { .. })), "{refused:?}");

        // Version, language and services.
        let mut conn = env.connect(R1).await;
        let base = login_struct(login(R1, &password(R1)));
        let wrong_lang = nameward_epp::command::Login { lang: "fr".into(), ..base.clone() };
        conn.expect(Command::Login(wrong_lang), 2102).await;
        let mut odd_object = base.clone();
        odd_object.obj_uris.push("urn:ietf:params:xml:ns:obj-1.0".into());
        conn.expect(Command::Login(odd_object), 2307).await;
        let mut odd_extension = base.clone();
        odd_extension.ext_uris.push("urn:ietf:params:xml:ns:fee-0.5".into());
        conn.expect(Command::Login(odd_extension), 2103).await;
        let version = String::from_utf8(
            nameward_epp::command::Request {
                cl_trid: Some("V-1".into()),
                command: login(R1, &password(R1)),
            }
            .to_xml(),
        )
        .unwrap()
        .replace("<version>1.0</version>", "<version>2.0</version>");
        assert_eq!(conn.raw("login-version", version.as_bytes()).await.code(), 2100);

        // A good login; a second one is a use error.
        conn.expect(Command::Login(base.clone()), 1000).await;
        conn.expect(Command::Login(base.clone()), 2002).await;
        conn.expect(Command::Logout, 1500).await;
        conn.expect_closed().await;

        // newPW changes the password.
        let mut conn = env.connect(R1).await;
        let change = nameward_epp::command::Login {
            new_password: Some(Secret::new("Changed-Pw-1")),
            ..base.clone()
        };
        conn.expect(Command::Login(change), 1000).await;
        conn.expect(Command::Logout, 1500).await;
        let mut conn = env.connect(R1).await;
        conn.expect(Command::Login(base.clone()), 2200).await;
        conn.expect(login(R1, "Changed-Pw-1"), 1000).await;

        // No certificate at all: the TLS layer refuses before any session exists.
        let mut roots = RootCertStore::empty();
        for cert in tls::certs_from_pem(&pki().ca.cert().cert_pem, "CA").unwrap() {
            roots.add(cert).unwrap();
        }
        let config = ClientConfig::builder_with_provider(tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("localhost").unwrap();
        let refused =
            EppClient::connect_with(env.addr, Arc::new(config), name, ClientOptions::default())
                .await;
        assert!(matches!(refused, Err(ClientError::Handshake { .. })), "{refused:?}");
    })
    .await;
}

#[tokio::test]
async fn epp04_domain_check() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(Command::DomainCreate(create("taken.example")), 1000).await;
        let names = ["free.example", "TAKEN.example", "-bad-.example", "a.other"];
        let check = conn
            .expect(Command::DomainCheck(names.iter().map(|n| n.to_string()).collect()), 1000)
            .await;
        assert_eq!(check.texts("domain:name"), names);
        assert_eq!(check.attrs("domain:name", "avail"), ["1", "0", "0", "0"]);
        assert_eq!(check.texts("domain:reason").len(), 3);
    })
    .await;
}

#[tokio::test]
async fn epp05_host_check() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(host("ns1.external.net", &[]), 1000).await;
        let check = conn
            .expect(
                Command::HostCheck(vec!["ns1.external.net".into(), "ns2.external.net".into()]),
                1000,
            )
            .await;
        assert_eq!(check.attrs("host:name", "avail"), ["0", "1"]);
    })
    .await;
}

#[tokio::test]
async fn epp06_contact_check() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(Command::ContactCreate(contact("c-used")), 1000).await;
        let check =
            conn.expect(Command::ContactCheck(vec!["c-used".into(), "c-free".into()]), 1000).await;
        assert_eq!(check.texts("contact:id"), ["c-used", "c-free"]);
        assert_eq!(check.attrs("contact:id", "avail"), ["0", "1"]);
    })
    .await;
}

#[tokio::test]
async fn epp07_contact_create() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        let created = conn.expect(Command::ContactCreate(contact("c-one")), 1000).await;
        assert_eq!(created.text("contact:id").as_deref(), Some("c-one"));
        assert!(created.text("contact:crDate").unwrap().starts_with("2030-01-01T12:00:00"));
        conn.expect(Command::ContactCreate(contact("c-one")), 2302).await;
        let info = conn
            .expect(Command::ContactInfo(ContactInfo { id: "c-one".into(), auth_info: None }), 1000)
            .await;
        assert_eq!(info.text("contact:email").as_deref(), Some("jdoe@example.net"));
        assert_eq!(info.text("contact:city").as_deref(), Some("Dulles"));
        assert_eq!(info.text("contact:clID").as_deref(), Some(R1));
        assert_eq!(info.statuses("contact"), ["ok"]);
        // The code is kept hashed: the sponsor sees that one is set, not what it is.
        assert_eq!(info.text("contact:pw").as_deref(), Some(""));
        assert!(!info.has(CODE));
    })
    .await;
}

#[tokio::test]
async fn epp08_contact_access_control() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(Command::ContactCreate(contact("c-mine")), 1000).await;
        let mut r2 = env.login(R2).await;
        let plain = ContactInfo { id: "c-mine".into(), auth_info: None };
        r2.expect(Command::ContactInfo(plain), 2201).await;
        let wrong = ContactInfo { id: "c-mine".into(), auth_info: Some(AuthInfo::password(CODE2)) };
        r2.expect(Command::ContactInfo(wrong), 2201).await;
        let right = ContactInfo { id: "c-mine".into(), auth_info: Some(AuthInfo::password(CODE)) };
        let info = r2.expect(Command::ContactInfo(right), 1000).await;
        assert!(!info.has("contact:authInfo"), "only the sponsor sees the code is set");
        let change = ContactUpdate {
            id: "c-mine".into(),
            add: Vec::new(),
            rem: Vec::new(),
            chg: ContactChange { email: Some("x@example.net".into()), ..ContactChange::default() },
        };
        r2.expect(Command::ContactUpdate(change), 2201).await;
        r2.expect(Command::ContactDelete("c-mine".into()), 2201).await;
    })
    .await;
}

#[tokio::test]
async fn epp09_contact_update() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(Command::ContactCreate(contact("c-upd")), 1000).await;
        env.advance_days(1);
        let change = ContactUpdate {
            id: "c-upd".into(),
            add: vec![status(Status::ClientDeleteProhibited)],
            rem: Vec::new(),
            chg: ContactChange {
                postal_info: vec![PostalInfoChange {
                    kind: PostalType::Int,
                    name: None,
                    org: Some(Change::Clear),
                    addr: None,
                }],
                voice: Some(Change::Clear),
                email: Some("new@example.net".into()),
                ..ContactChange::default()
            },
        };
        conn.expect(Command::ContactUpdate(change), 1000).await;
        let info = conn
            .expect(Command::ContactInfo(ContactInfo { id: "c-upd".into(), auth_info: None }), 1000)
            .await;
        assert_eq!(info.text("contact:email").as_deref(), Some("new@example.net"));
        assert_eq!(info.text("contact:name").as_deref(), Some("John Doe"));
        assert_eq!(info.text("contact:city").as_deref(), Some("Dulles"));
        assert!(!info.has("contact:org"), "{}", info.xml);
        assert!(!info.has("contact:voice"), "{}", info.xml);
        assert_eq!(info.statuses("contact"), ["clientDeleteProhibited"]);
        assert_eq!(info.text("contact:upID").as_deref(), Some(R1));
        assert!(info.text("contact:upDate").unwrap().starts_with("2030-01-02"));
        conn.expect(Command::ContactDelete("c-upd".into()), 2304).await;
    })
    .await;
}

#[tokio::test]
async fn epp10_contact_delete() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(Command::ContactCreate(contact("c-gone")), 1000).await;
        conn.expect(Command::ContactDelete("c-gone".into()), 1000).await;
        conn.expect(
            Command::ContactInfo(ContactInfo { id: "c-gone".into(), auth_info: None }),
            2303,
        )
        .await;
        conn.expect(Command::ContactDelete("c-gone".into()), 2303).await;
    })
    .await;
}

#[tokio::test]
async fn epp11_host_create() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        let created = conn.expect(host("ns1.external.net", &[]), 1000).await;
        assert_eq!(created.text("host:name").as_deref(), Some("ns1.external.net"));
        assert!(created.has("host:crDate"));
        conn.expect(host("ns1.external.net", &[]), 2302).await;
        conn.expect(host("ns2.external.net", &["192.0.2.1"]), 2306).await;
        let info = conn.expect(Command::HostInfo("ns1.external.net".into()), 1000).await;
        assert_eq!(info.statuses("host"), ["ok"]);
        assert_eq!(info.text("host:clID").as_deref(), Some(R1));
    })
    .await;
}

#[tokio::test]
async fn epp12_host_access_control() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(host("ns1.external.net", &[]), 1000).await;
        let mut r2 = env.login(R2).await;
        let info = r2.expect(Command::HostInfo("ns1.external.net".into()), 1000).await;
        assert_eq!(info.text("host:clID").as_deref(), Some(R1));
        let change = HostUpdate {
            name: "ns1.external.net".into(),
            add: HostAddRem {
                addrs: Vec::new(),
                statuses: vec![status(Status::ClientUpdateProhibited)],
            },
            rem: HostAddRem::default(),
            new_name: None,
        };
        r2.expect(Command::HostUpdate(change), 2201).await;
        r2.expect(Command::HostDelete("ns1.external.net".into()), 2201).await;
    })
    .await;
}

#[tokio::test]
async fn epp13_host_update() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(Command::DomainCreate(create("zone.example")), 1000).await;
        conn.expect(host("ns1.zone.example", &["192.0.2.1"]), 1000).await;
        let addrs = |add: &[&str], rem: &[&str]| HostUpdate {
            name: "ns1.zone.example".into(),
            add: HostAddRem {
                addrs: add.iter().map(|a| a.parse().unwrap()).collect(),
                statuses: Vec::new(),
            },
            rem: HostAddRem {
                addrs: rem.iter().map(|a| a.parse().unwrap()).collect(),
                statuses: Vec::new(),
            },
            new_name: None,
        };
        conn.expect(Command::HostUpdate(addrs(&["2001:db8::1"], &["192.0.2.1"])), 1000).await;
        let info = conn.expect(Command::HostInfo("ns1.zone.example".into()), 1000).await;
        assert_eq!(info.texts("host:addr"), ["2001:db8::1"]);
        assert_eq!(info.attrs("host:addr", "ip"), ["v6"]);
        let lock = HostUpdate {
            add: HostAddRem {
                addrs: Vec::new(),
                statuses: vec![status(Status::ClientUpdateProhibited)],
            },
            ..addrs(&[], &[])
        };
        conn.expect(Command::HostUpdate(lock), 1000).await;
        conn.expect(Command::HostUpdate(addrs(&["192.0.2.9"], &[])), 2304).await;
        let unlock = HostUpdate {
            rem: HostAddRem {
                addrs: Vec::new(),
                statuses: vec![status(Status::ClientUpdateProhibited)],
            },
            ..addrs(&[], &[])
        };
        conn.expect(Command::HostUpdate(unlock), 1000).await;
        conn.expect(Command::HostUpdate(addrs(&["192.0.2.9"], &[])), 1000).await;
    })
    .await;
}

#[tokio::test]
async fn epp14_domain_create() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        let before = env.balance(R1).await;
        for years in 1..=10u8 {
            let name = format!("p{years}.example");
            let req = nameward_epp::command::DomainCreate {
                period: Period::years(years),
                ..create(&name)
            };
            let created = conn.expect(Command::DomainCreate(req), 1000).await;
            assert_eq!(created.text("domain:name").as_deref(), Some(name.as_str()));
            let expires = date_of(&created.text("domain:exDate").unwrap());
            assert_eq!(expires.year(), 2030 + i32::from(years), "{}", created.xml);
        }
        assert_eq!(env.balance(R1).await, before - 55 * 1000);
        let too_long = nameward_epp::command::DomainCreate {
            period: Period::years(11),
            ..create("p11.example")
        };
        conn.expect(Command::DomainCreate(too_long), 2306).await;

        // DS data, then shown back in secDNS:infData.
        let signed = nameward_epp::command::DomainCreate {
            sec_dns: Some(SecDnsCreate {
                max_sig_life: None,
                data: DnssecData::Ds(vec![ds(12345)]),
            }),
            ..create("signed.example")
        };
        conn.expect(Command::DomainCreate(signed), 1000).await;
        let info = conn.expect(domain_info("signed.example"), 1000).await;
        assert_eq!(info.text("secDNS:keyTag").as_deref(), Some("12345"));
        assert_eq!(info.text("secDNS:digest").as_deref(), Some("AB".repeat(32).as_str()));
        assert_eq!(info.attrs("rgp:rgpStatus", "s"), ["addPeriod"]);

        // RFC 9154: an empty <pw/> sets no code, so no authInfo is shown.
        let empty = nameward_epp::command::DomainCreate {
            auth_info: AuthInfo::password(""),
            ..create("nocode.example")
        };
        conn.expect(Command::DomainCreate(empty), 1000).await;
        let info = conn.expect(domain_info("nocode.example"), 1000).await;
        assert!(!info.has("domain:authInfo"), "{}", info.xml);
        let info = conn.expect(domain_info("p1.example"), 1000).await;
        assert_eq!(info.text("domain:pw").as_deref(), Some(""));

        // A weak code is refused; the name is still free.
        let weak = nameward_epp::command::DomainCreate {
            auth_info: AuthInfo::password("2fooBAR"),
            ..create("weak.example")
        };
        // RFC 5730: a value outside server policy is 2306; 2202 is for a code that does not match.
        conn.expect(Command::DomainCreate(weak), 2306).await;
        conn.expect(domain_info("weak.example"), 2303).await;
    })
    .await;
}

#[tokio::test]
async fn epp15_linked_object_integrity() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(Command::ContactCreate(contact("c-reg")), 1000).await;
        conn.expect(host("ns1.external.net", &[]), 1000).await;
        let missing_contact = nameward_epp::command::DomainCreate {
            registrant: Some("c-nobody".into()),
            ..create("linked.example")
        };
        conn.expect(Command::DomainCreate(missing_contact), 2303).await;
        let missing_host = nameward_epp::command::DomainCreate {
            ns: vec!["ns9.external.net".into()],
            ..create("linked.example")
        };
        conn.expect(Command::DomainCreate(missing_host), 2303).await;
        let linked = nameward_epp::command::DomainCreate {
            registrant: Some("c-reg".into()),
            contacts: vec![DomainContact { kind: ContactType::Tech, id: "c-reg".into() }],
            ns: vec!["ns1.external.net".into()],
            ..create("linked.example")
        };
        conn.expect(Command::DomainCreate(linked), 1000).await;
        conn.expect(Command::ContactDelete("c-reg".into()), 2305).await;
        conn.expect(Command::HostDelete("ns1.external.net".into()), 2305).await;
        let info = conn.expect(Command::HostInfo("ns1.external.net".into()), 1000).await;
        assert_eq!(info.statuses("host"), ["linked"]);
        let contact = conn
            .expect(Command::ContactInfo(ContactInfo { id: "c-reg".into(), auth_info: None }), 1000)
            .await;
        assert_eq!(contact.statuses("contact"), ["linked"]);
    })
    .await;
}

#[tokio::test]
async fn epp16_domain_update() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        conn.expect(Command::ContactCreate(contact("c-old")), 1000).await;
        conn.expect(Command::ContactCreate(contact("c-new")), 1000).await;
        conn.expect(host("ns1.external.net", &[]), 1000).await;
        conn.expect(host("ns2.external.net", &[]), 1000).await;
        let req = nameward_epp::command::DomainCreate {
            registrant: Some("c-old".into()),
            ns: vec!["ns1.external.net".into()],
            ..create("upd.example")
        };
        conn.expect(Command::DomainCreate(req), 1000).await;
        let change = nameward_epp::command::DomainUpdate {
            add: DomainAddRem {
                ns: vec!["ns2.external.net".into()],
                contacts: vec![DomainContact { kind: ContactType::Admin, id: "c-new".into() }],
                statuses: vec![status(Status::ClientHold), status(Status::ClientDeleteProhibited)],
            },
            rem: DomainAddRem { ns: vec!["ns1.external.net".into()], ..DomainAddRem::default() },
            chg: DomainChange { registrant: Some(Change::Set("c-new".into())), auth_info: None },
            sec_dns: Some(SecDnsUpdate {
                add: Some(DnssecData::Ds(vec![ds(1), ds(2)])),
                ..SecDnsUpdate::default()
            }),
            ..update("upd.example")
        };
        conn.expect(Command::DomainUpdate(change), 1000).await;
        let info = conn.expect(domain_info("upd.example"), 1000).await;
        assert_eq!(info.texts("domain:hostObj"), ["ns2.external.net"]);
        assert_eq!(info.text("domain:registrant").as_deref(), Some("c-new"));
        assert_eq!(info.attrs("domain:contact", "type"), ["admin"]);
        let statuses = info.statuses("domain");
        assert!(statuses.contains(&"clientHold".to_owned()), "{statuses:?}");
        assert!(statuses.contains(&"clientDeleteProhibited".to_owned()), "{statuses:?}");
        assert_eq!(info.texts("secDNS:keyTag"), ["1", "2"]);
        assert_eq!(info.text("domain:upID").as_deref(), Some(R1));
        conn.expect(Command::DomainDelete("upd.example".into()), 2304).await;

        // DNSSEC off again.
        let unsign = nameward_epp::command::DomainUpdate {
            sec_dns: Some(SecDnsUpdate { rem: Some(SecDnsRem::All), ..SecDnsUpdate::default() }),
            ..update("upd.example")
        };
        conn.expect(Command::DomainUpdate(unsign), 1000).await;
        let info = conn.expect(domain_info("upd.example"), 1000).await;
        assert!(!info.has("secDNS:infData"));
        // A status only the registry sets.
        let server = nameward_epp::command::DomainUpdate {
            add: DomainAddRem {
                statuses: vec![status(Status::ServerHold)],
                ..DomainAddRem::default()
            },
            ..update("upd.example")
        };
        conn.expect(Command::DomainUpdate(server), 2306).await;

        // Another registrar may neither change nor fully see it.
        let mut r2 = env.login(R2).await;
        let hold = nameward_epp::command::DomainUpdate {
            rem: DomainAddRem {
                statuses: vec![status(Status::ClientHold)],
                ..DomainAddRem::default()
            },
            ..update("upd.example")
        };
        r2.expect(Command::DomainUpdate(hold), 2201).await;
        let minimal = r2.expect(domain_info("upd.example"), 1000).await;
        assert_eq!(minimal.text("domain:clID").as_deref(), Some(R1));
        assert!(
            !minimal.has("domain:registrant") && !minimal.has("domain:exDate"),
            "{}",
            minimal.xml
        );
        let full = r2.expect(info_with_code("upd.example", CODE), 1000).await;
        assert_eq!(full.text("domain:registrant").as_deref(), Some("c-new"));
        assert!(!full.has("domain:authInfo"), "only the sponsor learns a code is set");
    })
    .await;
}

/// The addresses epp-17 serves on: IPv4 and IPv6 loopback, as a registry publishes A and
/// AAAA records for its EPP name; a second IPv4 loopback address where IPv6 is missing.
fn two_service_addresses() -> [&'static str; 2] {
    if std::net::TcpListener::bind("[::1]:0").is_ok() {
        ["127.0.0.1:0", "[::1]:0"]
    } else {
        eprintln!("epp17: no IPv6 loopback here, serving on 127.0.0.1 and 127.0.0.2 instead");
        ["127.0.0.1:0", "127.0.0.2:0"]
    }
}

/// What an `<info>` answer says about the object: `<resData>` and `<extension>`, without the
/// transaction ids, which differ on every command.
fn object_data(answer: &Resp) -> String {
    let between = |open: &str, close: &str| {
        let start = answer.xml.find(open);
        let end = answer.xml.find(close);
        match (start, end) {
            (Some(start), Some(end)) if start < end => {
                answer.xml[start..end + close.len()].to_owned()
            }
            _ => String::new(),
        }
    };
    let data = between("<resData>", "</resData>");
    assert!(!data.is_empty(), "no resData: {}", answer.xml);
    data + &between("<extension>", "</extension>")
}

#[tokio::test]
async fn epp17_identical_answers_on_every_service_address() {
    on_both_listening(BALANCE, &two_service_addresses(), async |env| {
        assert_eq!(env.addrs.len(), 2);
        // Objects made through the first address...
        let mut first = env.login(R1).await;
        first.expect(Command::ContactCreate(contact("c-port")), 1000).await;
        let made = nameward_epp::command::DomainCreate {
            registrant: Some("c-port".into()),
            sec_dns: Some(SecDnsCreate {
                max_sig_life: None,
                data: DnssecData::Ds(vec![ds(4242)]),
            }),
            ..create("ports.example")
        };
        first.expect(Command::DomainCreate(made), 1000).await;
        first.expect(host("ns1.ports.example", &["192.0.2.1", "2001:db8::1"]), 1000).await;
        first
            .expect(
                Command::DomainUpdate(nameward_epp::command::DomainUpdate {
                    add: DomainAddRem {
                        ns: vec!["ns1.ports.example".into()],
                        ..Default::default()
                    },
                    ..update("ports.example")
                }),
                1000,
            )
            .await;
        let infos = || {
            [
                domain_info("ports.example"),
                Command::HostInfo("ns1.ports.example".into()),
                Command::ContactInfo(ContactInfo { id: "c-port".into(), auth_info: None }),
            ]
        };
        // ... read back on every address, each over a connection of its own.
        let mut answers: Vec<(std::net::SocketAddr, Vec<String>)> = Vec::new();
        for &addr in &env.addrs {
            let mut conn = env.connect_to(addr, pki().cert(R1), TlsVersions::Both).await;
            conn.expect(login(R1, &password(R1)), 1000).await;
            let mut data = Vec::new();
            for info in infos() {
                data.push(object_data(&conn.expect(info, 1000).await));
            }
            answers.push((addr, data));
        }
        let (reference, expected) = &answers[0];
        assert!(expected[0].contains("<secDNS:keyTag>4242<"), "{}", expected[0]);
        assert!(expected[0].contains("ns1.ports.example"), "{}", expected[0]);
        for (addr, data) in &answers[1..] {
            assert_ne!(addr.ip(), reference.ip(), "two different addresses");
            assert_eq!(data, expected, "{addr} answers differently from {reference}");
        }
    })
    .await;
}

#[tokio::test]
async fn epp18_domain_renew() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        let created = conn.expect(Command::DomainCreate(create("renew.example")), 1000).await;
        let expiry = date_of(&created.text("domain:exDate").unwrap());
        let before = env.balance(R1).await;
        let renewed = conn.expect(renew("renew.example", expiry, 2), 1000).await;
        let after = date_of(&renewed.text("domain:exDate").unwrap());
        assert_eq!(after.year(), expiry.year() + 2);
        assert_eq!((after.month(), after.day()), (expiry.month(), expiry.day()));
        assert_eq!(env.balance(R1).await, before - 2000);
        // The old date again (a replayed renew): refused, nothing charged.
        conn.expect(renew("renew.example", expiry, 1), 2306).await;
        // Beyond ten years from now.
        conn.expect(renew("renew.example", after, 8), 2306).await;
        conn.expect(renew("renew.example", after, 11), 2306).await;
        assert_eq!(env.balance(R1).await, before - 2000);
        let mut r2 = env.login(R2).await;
        r2.expect(renew("renew.example", after, 1), 2201).await;
        let info = conn.expect(domain_info("renew.example"), 1000).await;
        let rgp = info.attrs("rgp:rgpStatus", "s");
        assert!(rgp.contains(&"renewPeriod".to_owned()), "{rgp:?}");
    })
    .await;
}

#[tokio::test]
async fn epp19_domain_transfer() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        let empty = nameward_epp::command::DomainCreate {
            auth_info: AuthInfo::password(""),
            ..create("move.example")
        };
        let created = r1.expect(Command::DomainCreate(empty), 1000).await;
        let expiry = date_of(&created.text("domain:exDate").unwrap());
        let set_code = |code: &str| {
            Command::DomainUpdate(nameward_epp::command::DomainUpdate {
                chg: DomainChange {
                    registrant: None,
                    auth_info: Some(Change::Set(Secret::new(code))),
                },
                ..update("move.example")
            })
        };
        r1.expect(set_code("2fooBAR"), 2306).await;
        r1.expect(set_code(CODE), 1000).await;

        let mut r2 = env.login(R2).await;
        r2.expect(transfer(TransferOp::Request, "move.example", None), 2202).await;
        r2.expect(transfer(TransferOp::Request, "move.example", Some(CODE2)), 2202).await;
        let before = env.balance(R2).await;
        let requested =
            r2.expect(transfer(TransferOp::Request, "move.example", Some(CODE)), 1001).await;
        assert_eq!(requested.text("domain:trStatus").as_deref(), Some("pending"));
        assert_eq!(requested.text("domain:reID").as_deref(), Some(R2));
        assert_eq!(requested.text("domain:acID").as_deref(), Some(R1));
        assert_eq!(date_of(&requested.text("domain:exDate").unwrap()).year(), expiry.year() + 1);
        assert_eq!(env.balance(R2).await, before - 1000);
        r2.expect(transfer(TransferOp::Request, "move.example", Some(CODE)), 2300).await;

        let info = r1.expect(domain_info("move.example"), 1000).await;
        assert!(info.statuses("domain").contains(&"pendingTransfer".to_owned()));
        let queried = r2.expect(transfer(TransferOp::Query, "move.example", None), 1000).await;
        assert_eq!(queried.text("domain:trStatus").as_deref(), Some("pending"));

        // The losing registrar hears of it by poll.
        let message = r1.expect(Command::Poll(Poll::Request), 1301).await;
        assert_eq!(message.attr("msgQ", "count").as_deref(), Some("1"));
        assert_eq!(message.text("domain:trStatus").as_deref(), Some("pending"));
        assert!(message.has("<qDate>") && message.has("<msg>"), "{}", message.xml);
        let id = message.attr("msgQ", "id").unwrap();
        r2.expect(Command::Poll(Poll::Ack { msg_id: id.clone() }), 2303).await;
        let acked = r1.expect(Command::Poll(Poll::Ack { msg_id: id }), 1000).await;
        assert_eq!(acked.attr("msgQ", "count").as_deref(), Some("0"));
        r1.expect(Command::Poll(Poll::Request), 1300).await;

        r2.expect(transfer(TransferOp::Approve, "move.example", None), 2201).await;
        let approved = r1.expect(transfer(TransferOp::Approve, "move.example", None), 1000).await;
        assert_eq!(approved.text("domain:trStatus").as_deref(), Some("clientApproved"));

        // New sponsor, one more year, and the code is gone (RFC 9154 §4.3).
        let info = r2.expect(domain_info("move.example"), 1000).await;
        assert_eq!(info.text("domain:clID").as_deref(), Some(R2));
        assert!(info.has("domain:trDate"));
        assert!(!info.has("domain:authInfo"), "the code is reset after a transfer: {}", info.xml);
        assert_eq!(date_of(&info.text("domain:exDate").unwrap()).year(), expiry.year() + 1);
        r1.expect(info_with_code("move.example", CODE), 1000).await;
        let old_code = r1.expect(info_with_code("move.example", CODE), 1000).await;
        assert!(!old_code.has("domain:exDate"), "the old code no longer opens the full view");
        // The gaining registrar is told too.
        let told = r2.expect(Command::Poll(Poll::Request), 1301).await;
        assert_eq!(told.text("domain:trStatus").as_deref(), Some("clientApproved"));
    })
    .await;
}

#[tokio::test]
async fn epp20_domain_transfer_reject() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(Command::DomainCreate(create("keep.example")), 1000).await;
        let mut r2 = env.login(R2).await;
        let before = env.balance(R2).await;
        r2.expect(transfer(TransferOp::Request, "keep.example", Some(CODE)), 1001).await;
        r2.expect(transfer(TransferOp::Reject, "keep.example", None), 2201).await;
        let rejected = r1.expect(transfer(TransferOp::Reject, "keep.example", None), 1000).await;
        assert_eq!(rejected.text("domain:trStatus").as_deref(), Some("clientRejected"));
        let info = r1.expect(domain_info("keep.example"), 1000).await;
        assert_eq!(info.text("domain:clID").as_deref(), Some(R1));
        assert!(!info.statuses("domain").contains(&"pendingTransfer".to_owned()));
        assert_eq!(env.balance(R2).await, before, "the transfer fee comes back");
        r1.expect(transfer(TransferOp::Reject, "keep.example", None), 2301).await;
        // And a cancel by the gaining registrar.
        r2.expect(transfer(TransferOp::Request, "keep.example", Some(CODE)), 1001).await;
        let cancelled = r2.expect(transfer(TransferOp::Cancel, "keep.example", None), 1000).await;
        assert_eq!(cancelled.text("domain:trStatus").as_deref(), Some("clientCancelled"));
    })
    .await;
}

#[tokio::test]
async fn epp21_domain_delete() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        let before = env.balance(R1).await;
        r1.expect(Command::DomainCreate(create("quick.example")), 1000).await;
        r1.expect(Command::DomainCreate(create("slow.example")), 1000).await;
        // Inside the add grace period: gone at once and refunded.
        r1.expect(Command::DomainDelete("quick.example".into()), 1000).await;
        r1.expect(domain_info("quick.example"), 2303).await;
        assert_eq!(env.balance(R1).await, before - 1000);

        let mut r2 = env.login(R2).await;
        r2.expect(Command::DomainDelete("slow.example".into()), 2201).await;
        env.advance_days(6);
        r1.expect(Command::DomainDelete("slow.example".into()), 1001).await;
        let info = r1.expect(domain_info("slow.example"), 1000).await;
        assert_eq!(info.statuses("domain"), ["pendingDelete", "inactive"]);
        assert_eq!(info.attrs("rgp:rgpStatus", "s"), ["redemptionPeriod"]);
        r1.expect(Command::DomainDelete("slow.example".into()), 2304).await;

        // Restore: request, then report.
        let restore = |restore| {
            Command::DomainUpdate(nameward_epp::command::DomainUpdate {
                restore: Some(restore),
                ..update("slow.example")
            })
        };
        let requested = r1.expect(restore(RgpRestore::Request), 1000).await;
        assert_eq!(requested.attr("rgp:rgpStatus", "s").as_deref(), Some("pendingRestore"));
        let report = RgpReport {
            pre_data: "before".into(),
            post_data: "after".into(),
            del_time: env.now(),
            res_time: env.now(),
            res_reason: "registrant error".into(),
            statements: vec!["true".into(), "really".into()],
            other: None,
        };
        r1.expect(restore(RgpRestore::Report(Box::new(report))), 1000).await;
        let info = r1.expect(domain_info("slow.example"), 1000).await;
        assert_eq!(info.statuses("domain"), ["inactive"]);
    })
    .await;
}

#[tokio::test]
async fn epp22_domain_restore() {
    // The case's last text (2024-12): create, renew (renewPeriod), delete, restore, then info
    // shows neither pendingDelete nor an RGP deletion status. nameward requires a restore
    // report (epp.restoreReportRequired = true), so the restore is a `report` straight after
    // the delete, with no request before it (RFC 3915 §4.2.5: a report is a restore request
    // carrying its report). The domain is made before the add grace period ends and renewed
    // after it, since a delete inside add grace removes a name at once (why RST withdrew the
    // case: it could not count on a restorable name).
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(Command::DomainCreate(create("back.example")), 1000).await;
        env.advance_days(6);
        let info = r1.expect(domain_info("back.example"), 1000).await;
        let expiry = date_of(&info.text("domain:exDate").unwrap());
        r1.expect(renew("back.example", expiry, 1), 1000).await;
        let info = r1.expect(domain_info("back.example"), 1000).await;
        assert_eq!(info.attrs("rgp:rgpStatus", "s"), ["renewPeriod"]);
        r1.expect(Command::DomainDelete("back.example".into()), 1001).await;
        let info = r1.expect(domain_info("back.example"), 1000).await;
        assert!(info.statuses("domain").contains(&"pendingDelete".to_owned()), "{}", info.xml);

        let before = env.balance(R1).await;
        let report = RgpReport {
            pre_data: "back.example as it was".into(),
            post_data: "back.example as it is".into(),
            del_time: env.now(),
            res_time: env.now(),
            res_reason: "Registrant error.".into(),
            statements: vec!["Not restored to sell it.".into(), "This is true.".into()],
            other: None,
        };
        let restore = Command::DomainUpdate(nameward_epp::command::DomainUpdate {
            restore: Some(RgpRestore::Report(Box::new(report))),
            ..update("back.example")
        });
        let restored = r1.expect(restore, 1000).await;
        // RFC 3915 §4.2.5: a restore with a report answers without the RGP extension.
        assert!(!restored.has("rgp:upData"), "{}", restored.xml);
        assert_eq!(
            env.balance(R1).await,
            before - nameward_registry::policy::Policy::default_for("example").restore_price
        );
        let info = r1.expect(domain_info("back.example"), 1000).await;
        let statuses = info.statuses("domain");
        assert!(!statuses.contains(&"pendingDelete".to_owned()), "{}", info.xml);
        for status in info.attrs("rgp:rgpStatus", "s") {
            assert!(
                !["redemptionPeriod", "pendingRestore", "pendingDelete"].contains(&status.as_str()),
                "{}",
                info.xml
            );
        }
        // Restored, the name is out of redemption: a restore is refused now.
        let again = Command::DomainUpdate(nameward_epp::command::DomainUpdate {
            restore: Some(RgpRestore::Request),
            ..update("back.example")
        });
        r1.expect(again, 2304).await;
    })
    .await;
}

#[tokio::test]
async fn epp23_host_rename() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(Command::DomainCreate(create("parent.example")), 1000).await;
        r1.expect(host("ns1.parent.example", &["192.0.2.1"]), 1000).await;
        let user = nameward_epp::command::DomainCreate {
            ns: vec!["ns1.parent.example".into()],
            ..create("user.example")
        };
        r1.expect(Command::DomainCreate(user), 1000).await;
        let rename = |to: &str| {
            Command::HostUpdate(HostUpdate {
                name: "ns1.parent.example".into(),
                add: HostAddRem::default(),
                rem: HostAddRem::default(),
                new_name: Some(to.into()),
            })
        };
        r1.expect(rename("dns.parent.example"), 1000).await;
        r1.expect(Command::HostInfo("ns1.parent.example".into()), 2303).await;
        r1.expect(Command::HostInfo("dns.parent.example".into()), 1000).await;
        let info = r1.expect(domain_info("user.example"), 1000).await;
        assert_eq!(info.texts("domain:hostObj"), ["dns.parent.example"]);
        let parent = r1.expect(domain_info("parent.example"), 1000).await;
        assert_eq!(parent.texts("domain:host"), ["dns.parent.example"]);
        // Not onto another registrar's domain.
        let mut r2 = env.login(R2).await;
        r2.expect(Command::DomainCreate(create("other.example")), 1000).await;
        let away = HostUpdate { name: "dns.parent.example".into(), ..host_rename_base() };
        r1.expect(
            Command::HostUpdate(HostUpdate { new_name: Some("ns1.other.example".into()), ..away }),
            2201,
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn epp24_host_delete() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(host("ns1.external.net", &[]), 1000).await;
        r1.expect(host("ns2.external.net", &[]), 1000).await;
        let user = nameward_epp::command::DomainCreate {
            ns: vec!["ns2.external.net".into()],
            ..create("user.example")
        };
        r1.expect(Command::DomainCreate(user), 1000).await;
        r1.expect(Command::HostDelete("ns1.external.net".into()), 1000).await;
        r1.expect(Command::HostInfo("ns1.external.net".into()), 2303).await;
        r1.expect(Command::HostDelete("ns2.external.net".into()), 2305).await;
    })
    .await;
}

#[tokio::test]
async fn epp25_subordinate_host_create() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(Command::DomainCreate(create("glue.example")), 1000).await;
        r1.expect(host("ns1.glue.example", &[]), 2003).await;
        r1.expect(host("ns1.glue.example", &["192.0.2.1", "2001:db8::53"]), 1000).await;
        r1.expect(host("ns1.missing.example", &["192.0.2.1"]), 2303).await;
        let info = r1.expect(Command::HostInfo("ns1.glue.example".into()), 1000).await;
        assert_eq!(info.texts("host:addr"), ["192.0.2.1", "2001:db8::53"]);
        let parent = r1.expect(domain_info("glue.example"), 1000).await;
        assert_eq!(parent.texts("domain:host"), ["ns1.glue.example"]);
    })
    .await;
}

#[tokio::test]
async fn epp26_27_glue_access_control() {
    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        r1.expect(Command::DomainCreate(create("owned.example")), 1000).await;
        r1.expect(host("ns1.owned.example", &["192.0.2.1"]), 1000).await;
        let mut r2 = env.login(R2).await;
        // No glue under another registrar's domain, and no changes to its glue.
        r2.expect(host("ns2.owned.example", &["192.0.2.2"]), 2201).await;
        let change = HostUpdate {
            name: "ns1.owned.example".into(),
            add: HostAddRem { addrs: vec!["192.0.2.3".parse().unwrap()], statuses: Vec::new() },
            rem: HostAddRem::default(),
            new_name: None,
        };
        r2.expect(Command::HostUpdate(change), 2201).await;
        r2.expect(Command::HostDelete("ns1.owned.example".into()), 2201).await;
        let info = r2.expect(Command::HostInfo("ns1.owned.example".into()), 1000).await;
        assert_eq!(info.texts("host:addr"), ["192.0.2.1"]);
        r2.expect(Command::HostCheck(vec!["ns2.owned.example".into()]), 1000).await;
    })
    .await;
}

fn host_rename_base() -> HostUpdate {
    HostUpdate {
        name: String::new(),
        add: HostAddRem::default(),
        rem: HostAddRem::default(),
        new_name: None,
    }
}
