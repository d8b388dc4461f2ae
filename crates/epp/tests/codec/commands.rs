//! Every command example of RFC 5730-5733, 3915, 5910 and 8807 (tests/data/commands) parses to
//! the command it describes; the fixtures and their re-encodings validate against the schemas.

use std::net::IpAddr;

use nameward_epp::command::{
    Command, ContactChange, ContactCreate, ContactInfo, ContactTransfer, ContactUpdate,
    DomainAddRem, DomainChange, DomainCreate, DomainInfo, DomainRenew, DomainTransfer,
    DomainUpdate, HostAddRem, HostCreate, HostUpdate, Login, Poll, PostalInfoChange, Request,
    RgpRestore, SecDnsCreate, SecDnsRem, SecDnsUpdate, UserAgent, parse,
};
use nameward_epp::types::{
    Address, AuthInfo, Change, ContactType, Disclose, DiscloseField, DnssecData, DomainContact,
    DsData, HostsFilter, KeyData, Period, PeriodUnit, Phone, PostalInfo, PostalType, Secret,
    Status, StatusValue, TransferOp,
};
use time::macros::{date, datetime};

use super::support::{all_fixtures, fixture, validate, xmllint_present};

fn command(name: &str) -> Command {
    let request = parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(request.cl_trid.as_deref(), expected_cl_trid(name), "{name}");
    request.command
}

fn expected_cl_trid(name: &str) -> Option<&'static str> {
    match name {
        "rfc5730-hello" => None,
        "rfc5730-poll-ack" => Some("ABC-12346"),
        _ => Some("ABC-12345"),
    }
}

fn pw(text: &str) -> AuthInfo {
    AuthInfo::password(text)
}

fn contact(kind: ContactType, id: &str) -> DomainContact {
    DomainContact { kind, id: id.to_owned() }
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn ds(key_tag: u16, digest: &[u8]) -> DsData {
    DsData { key_tag, alg: 3, digest_type: 1, digest: digest.to_vec(), key_data: None }
}

fn rfc5910_key() -> KeyData {
    KeyData {
        flags: 257,
        protocol: 3,
        alg: 1,
        public_key: vec![0x01, 0x03, 0xc9, 0xff, 0xff, 0xff, 0xe1],
    }
}

const DIGEST_12345: [u8; 10] = [0x49, 0xFD, 0x46, 0xE6, 0xC4, 0xB4, 0x5C, 0x55, 0xD4, 0xAC];
const DIGEST_OLD: [u8; 10] = [0x38, 0xEC, 0x35, 0xD5, 0xB3, 0xA3, 0x4B, 0x33, 0xC9, 0x9B];
const DIGEST_NEW: [u8; 10] = [0x38, 0xEC, 0x35, 0xD5, 0xB3, 0xA3, 0x4B, 0x44, 0xC3, 0x9B];

fn rfc5910_create(sec_dns: SecDnsCreate) -> Command {
    Command::DomainCreate(DomainCreate {
        name: "example.com".into(),
        period: Period::years(2),
        ns: vec!["ns1.example.com".into(), "ns2.example.com".into()],
        registrant: Some("jd1234".into()),
        contacts: vec![contact(ContactType::Admin, "sh8013"), contact(ContactType::Tech, "sh8013")],
        auth_info: pw("2fooBAR"),
        sec_dns: Some(sec_dns),
    })
}

fn rfc5910_update(sec_dns: SecDnsUpdate) -> Command {
    Command::DomainUpdate(DomainUpdate {
        name: "example.com".into(),
        add: DomainAddRem::default(),
        rem: DomainAddRem::default(),
        chg: DomainChange::default(),
        sec_dns: Some(sec_dns),
        restore: None,
    })
}

#[test]
fn rfc5730_session_commands() {
    assert_eq!(command("rfc5730-hello"), Command::Hello);
    assert_eq!(
        command("rfc5730-login"),
        Command::Login(Login {
            client_id: "ClientX".into(),
            password: Secret::new("foo-BAR2"),
            new_password: Some(Secret::new("bar-FOO2")),
            version: "1.0".into(),
            lang: "en".into(),
            obj_uris: vec![
                "urn:ietf:params:xml:ns:obj1".into(),
                "urn:ietf:params:xml:ns:obj2".into(),
                "urn:ietf:params:xml:ns:obj3".into(),
            ],
            ext_uris: vec!["http://custom/obj1ext-1.0".into()],
            user_agent: None,
            used_login_sec: false,
        })
    );
    assert_eq!(command("rfc5730-logout"), Command::Logout);
    assert_eq!(command("rfc5730-poll-req"), Command::Poll(Poll::Request));
    assert_eq!(command("rfc5730-poll-ack"), Command::Poll(Poll::Ack { msg_id: "12345".into() }));
}

#[test]
fn rfc8807_login_security() {
    let Command::Login(login) = command("rfc8807-login") else { panic!("not a login") };
    assert_eq!(login.password, Secret::new("this is a long password"));
    assert_eq!(login.new_password, Some(Secret::new("new password that is still long")));
    assert_eq!(
        login.user_agent,
        Some(UserAgent {
            app: Some("EPP SDK 1.0.0".into()),
            tech: Some("Vendor Java 11.0.6".into()),
            os: Some("x86_64 Mac OS X 10.21".into()),
        })
    );
    assert!(login.used_login_sec);
    assert_eq!(format!("{:?}", login.password), "Secret(***)", "passwords never reach logs");
}

#[test]
fn rfc5731_domain_commands() {
    assert_eq!(
        command("rfc5731-domain-check"),
        Command::DomainCheck(vec![
            "example.com".into(),
            "example.net".into(),
            "example.org".into()
        ])
    );
    assert_eq!(
        command("rfc5731-domain-info"),
        Command::DomainInfo(DomainInfo {
            name: "example.com".into(),
            hosts: HostsFilter::All,
            auth_info: Some(pw("2fooBAR")),
        })
    );
    let with_roid = AuthInfo { pw: Secret::new("2fooBAR"), roid: Some("JD1234-REP".into()) };
    assert_eq!(
        command("rfc5731-domain-transfer-query"),
        Command::DomainTransfer(DomainTransfer {
            op: TransferOp::Query,
            name: "example.com".into(),
            period: None,
            auth_info: Some(with_roid.clone()),
        })
    );
    assert_eq!(
        command("rfc5731-domain-transfer-request"),
        Command::DomainTransfer(DomainTransfer {
            op: TransferOp::Request,
            name: "example.com".into(),
            period: Some(Period::ONE_YEAR),
            auth_info: Some(with_roid),
        })
    );
    assert_eq!(
        command("rfc5731-domain-create"),
        Command::DomainCreate(DomainCreate {
            name: "example.com".into(),
            period: Period { value: 2, unit: PeriodUnit::Year },
            ns: vec!["ns1.example.net".into(), "ns2.example.net".into()],
            registrant: Some("jd1234".into()),
            contacts: vec![
                contact(ContactType::Admin, "sh8013"),
                contact(ContactType::Tech, "sh8013")
            ],
            auth_info: pw("2fooBAR"),
            sec_dns: None,
        })
    );
    assert_eq!(command("rfc5731-domain-delete"), Command::DomainDelete("example.com".into()));
    assert_eq!(
        command("rfc5731-domain-renew"),
        Command::DomainRenew(DomainRenew {
            name: "example.com".into(),
            cur_exp_date: date!(2000 - 04 - 03),
            period: Period::years(5),
        })
    );
    assert_eq!(
        command("rfc5731-domain-update"),
        Command::DomainUpdate(DomainUpdate {
            name: "example.com".into(),
            add: DomainAddRem {
                ns: vec!["ns2.example.com".into()],
                contacts: vec![contact(ContactType::Tech, "mak21")],
                statuses: vec![StatusValue {
                    status: Status::ClientHold,
                    lang: Some("en".into()),
                    text: Some("Payment overdue.".into()),
                }],
            },
            rem: DomainAddRem {
                ns: vec!["ns1.example.com".into()],
                contacts: vec![contact(ContactType::Tech, "sh8013")],
                statuses: vec![Status::ClientUpdateProhibited.into()],
            },
            chg: DomainChange {
                registrant: Some(Change::Set("sh8013".into())),
                auth_info: Some(Change::Set(Secret::new("2BARfoo"))),
            },
            sec_dns: None,
            restore: None,
        })
    );
}

#[test]
fn rfc9154_transfer_codes() {
    let Command::DomainCreate(create) = command("rfc9154-domain-create-empty-pw") else {
        panic!("not a create")
    };
    assert!(create.auth_info.pw.is_empty());
    assert_eq!(create.period, Period::ONE_YEAR, "default period");
    let Command::DomainUpdate(update) = command("rfc9154-domain-update-null-pw") else {
        panic!("not an update")
    };
    assert_eq!(update.chg.auth_info, Some(Change::Clear));
}

#[test]
fn rfc5732_host_commands() {
    assert_eq!(
        command("rfc5732-host-check"),
        Command::HostCheck(vec![
            "ns1.example.com".into(),
            "ns2.example.com".into(),
            "ns3.example.com".into()
        ])
    );
    assert_eq!(command("rfc5732-host-info"), Command::HostInfo("ns1.example.com".into()));
    assert_eq!(
        command("rfc5732-host-create"),
        Command::HostCreate(HostCreate {
            name: "ns1.example.com".into(),
            addrs: vec![ip("192.0.2.2"), ip("192.0.2.29"), ip("1080::8:800:200c:417a")],
        })
    );
    assert_eq!(command("rfc5732-host-delete"), Command::HostDelete("ns1.example.com".into()));
    assert_eq!(
        command("rfc5732-host-update"),
        Command::HostUpdate(HostUpdate {
            name: "ns1.example.com".into(),
            add: HostAddRem {
                addrs: vec![ip("192.0.2.22")],
                statuses: vec![Status::ClientUpdateProhibited.into()],
            },
            rem: HostAddRem { addrs: vec![ip("1080::8:800:200c:417a")], statuses: vec![] },
            new_name: Some("ns2.example.com".into()),
        })
    );
}

#[test]
fn rfc5733_contact_commands() {
    assert_eq!(
        command("rfc5733-contact-check"),
        Command::ContactCheck(vec!["sh8013".into(), "sah8013".into(), "8013sah".into()])
    );
    assert_eq!(
        command("rfc5733-contact-info"),
        Command::ContactInfo(ContactInfo { id: "sh8013".into(), auth_info: Some(pw("2fooBAR")) })
    );
    for (name, op) in [
        ("rfc5733-contact-transfer-query", TransferOp::Query),
        ("rfc5733-contact-transfer-request", TransferOp::Request),
    ] {
        assert_eq!(
            command(name),
            Command::ContactTransfer(ContactTransfer {
                op,
                id: "sh8013".into(),
                auth_info: Some(pw("2fooBAR")),
            })
        );
    }
    assert_eq!(command("rfc5733-contact-delete"), Command::ContactDelete("sh8013".into()));
    assert_eq!(
        command("rfc5733-contact-create"),
        Command::ContactCreate(ContactCreate {
            id: "sh8013".into(),
            postal_info: vec![PostalInfo {
                kind: PostalType::Int,
                name: "John Doe".into(),
                org: Some("Example Inc.".into()),
                addr: Address {
                    street: vec!["123 Example Dr.".into(), "Suite 100".into()],
                    city: "Dulles".into(),
                    sp: Some("VA".into()),
                    pc: Some("20166-6503".into()),
                    cc: "US".into(),
                },
            }],
            voice: Some(Phone { number: "+1.7035555555".into(), ext: Some("1234".into()) }),
            fax: Some(Phone { number: "+1.7035555556".into(), ext: None }),
            email: "jdoe@example.com".into(),
            auth_info: pw("2fooBAR"),
            disclose: Some(Disclose {
                flag: false,
                fields: vec![DiscloseField::Voice, DiscloseField::Email],
            }),
        })
    );
    assert_eq!(
        command("rfc5733-contact-update"),
        Command::ContactUpdate(ContactUpdate {
            id: "sh8013".into(),
            add: vec![Status::ClientDeleteProhibited.into()],
            rem: vec![],
            chg: ContactChange {
                postal_info: vec![PostalInfoChange {
                    kind: PostalType::Int,
                    name: None,
                    org: Some(Change::Clear),
                    addr: Some(Address {
                        street: vec!["124 Example Dr.".into(), "Suite 200".into()],
                        city: "Dulles".into(),
                        sp: Some("VA".into()),
                        pc: Some("20166-6503".into()),
                        cc: "US".into(),
                    }),
                }],
                voice: Some(Change::Set(Phone { number: "+1.7034444444".into(), ext: None })),
                fax: Some(Change::Clear),
                email: None,
                auth_info: Some(pw("2fooBAR")),
                disclose: Some(Disclose {
                    flag: true,
                    fields: vec![DiscloseField::Voice, DiscloseField::Email],
                }),
            },
        })
    );
}

#[test]
fn rfc3915_restore() {
    let Command::DomainUpdate(update) = command("rfc3915-restore-request") else {
        panic!("not an update")
    };
    assert_eq!(update.name, "example.com");
    assert_eq!(update.chg, DomainChange::default());
    assert_eq!(update.restore, Some(RgpRestore::Request));

    let Command::DomainUpdate(update) = command("rfc3915-restore-report") else {
        panic!("not an update")
    };
    let Some(RgpRestore::Report(report)) = update.restore else { panic!("no report") };
    assert!(report.pre_data.starts_with("Pre-delete registration data goes here."));
    assert_eq!(report.del_time, datetime!(2003-07-10 22:00 UTC));
    assert_eq!(report.res_time, datetime!(2003-07-20 22:00 UTC));
    assert_eq!(report.res_reason, "Registrant error.");
    assert_eq!(report.statements.len(), 2);
    assert!(report.other.is_some());
}

#[test]
fn rfc5910_dnssec() {
    let ds_12345 = ds(12345, &DIGEST_12345);
    assert_eq!(
        command("rfc5910-create-ds"),
        rfc5910_create(SecDnsCreate {
            max_sig_life: Some(604800),
            data: DnssecData::Ds(vec![ds_12345.clone()]),
        })
    );
    assert_eq!(
        command("rfc5910-create-ds-key"),
        rfc5910_create(SecDnsCreate {
            max_sig_life: Some(604800),
            data: DnssecData::Ds(vec![DsData { key_data: Some(rfc5910_key()), ..ds_12345 }]),
        })
    );
    assert_eq!(
        command("rfc5910-create-key"),
        rfc5910_create(SecDnsCreate {
            max_sig_life: None,
            data: DnssecData::Key(vec![rfc5910_key()]),
        })
    );
    assert_eq!(
        command("rfc5910-update-ds"),
        rfc5910_update(SecDnsUpdate {
            urgent: false,
            rem: Some(SecDnsRem::Data(DnssecData::Ds(vec![ds(12345, &DIGEST_OLD)]))),
            add: Some(DnssecData::Ds(vec![ds(12346, &DIGEST_NEW)])),
            max_sig_life: Some(604800),
        })
    );
    let mut new_key = rfc5910_key();
    new_key.public_key = vec![0x01, 0x03, 0xc9, 0xff, 0xff, 0xff, 0xe1, 0x04, 0x10];
    assert_eq!(
        command("rfc5910-update-key"),
        rfc5910_update(SecDnsUpdate {
            urgent: false,
            rem: Some(SecDnsRem::Data(DnssecData::Key(vec![rfc5910_key()]))),
            add: Some(DnssecData::Key(vec![new_key])),
            max_sig_life: None,
        })
    );
    assert_eq!(
        command("rfc5910-update-rem-all"),
        rfc5910_update(SecDnsUpdate {
            urgent: false,
            rem: Some(SecDnsRem::All),
            add: Some(DnssecData::Ds(vec![ds(12346, &DIGEST_NEW)])),
            max_sig_life: None,
        })
    );
    assert_eq!(
        command("rfc5910-update-chg"),
        rfc5910_update(SecDnsUpdate { max_sig_life: Some(604800), ..SecDnsUpdate::default() })
    );
    assert_eq!(
        command("rfc5910-update-urgent"),
        rfc5910_update(SecDnsUpdate {
            urgent: true,
            add: Some(DnssecData::Ds(vec![ds(12346, &DIGEST_NEW)])),
            ..SecDnsUpdate::default()
        })
    );
}

#[test]
fn every_fixture_parses_and_survives_re_encoding() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= 38, "fixtures missing: {}", fixtures.len());
    for (name, xml) in fixtures {
        let request = parse(&xml).unwrap_or_else(|e| panic!("{name}: {e}"));
        let again = request.to_xml();
        let reparsed: Request = parse(&again).unwrap_or_else(|e| {
            panic!("{name} re-encoded does not parse: {e}\n{}", String::from_utf8_lossy(&again))
        });
        assert_eq!(reparsed, request, "{name}");
    }
}

#[test]
fn fixtures_and_their_re_encodings_validate() {
    if !xmllint_present() {
        return;
    }
    let mut failures = Vec::new();
    for (name, xml) in all_fixtures() {
        if let Err(e) = validate(&name, &xml) {
            failures.push(e);
        }
        let again = parse(&xml).unwrap().to_xml();
        if let Err(e) = validate(&format!("{name}-reencoded"), &again) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
