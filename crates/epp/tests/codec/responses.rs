//! Every response variant and the greeting, written and validated against the IANA schemas.

use nameward_epp::command::{ParseError, parse};
use nameward_epp::greeting::Greeting;
use nameward_epp::response::{
    CheckResult, ContactInfoData, DomainInfoData, ExtensionData, HostInfoData, MsgQ, PendingAction,
    ResData, Response, ResultValue, TransferData, Unhandled,
};
use nameward_epp::result::ResultCode;
use nameward_epp::types::{
    Address, ContactType, Disclose, DiscloseField, DnssecData, DomainContact, DsData, KeyData,
    Namespace, Phone, PostalInfo, PostalType, RgpStatus, Secret, Status, StatusValue,
    TransferStatus,
};
use time::OffsetDateTime;
use time::macros::datetime;

use super::support::{validate, xmllint_present};

const NOW: OffsetDateTime = datetime!(2026-04-03 22:00:00.5 UTC);

fn ok(cl_trid: &str) -> Response {
    Response::new(ResultCode::Success, Some(cl_trid.to_owned()), "54322-XYZ")
}

fn transfer(name: &str, ex_date: Option<OffsetDateTime>) -> TransferData {
    TransferData {
        name: name.into(),
        status: TransferStatus::Pending,
        re_id: "ClientX".into(),
        re_date: NOW,
        ac_id: "ClientY".into(),
        ac_date: datetime!(2026-04-08 22:00 UTC),
        ex_date,
    }
}

fn pending(name: &str) -> PendingAction {
    PendingAction {
        name: name.into(),
        result: true,
        cl_trid: Some("ABC-12345".into()),
        sv_trid: "54321-XYZ".into(),
        date: NOW,
    }
}

fn postal(kind: PostalType, name: &str) -> PostalInfo {
    PostalInfo {
        kind,
        name: name.into(),
        org: Some("Example Inc. <&> \"Sons\"".into()),
        addr: Address {
            street: vec!["123 Example Dr.".into(), "Suite 100".into()],
            city: "Dulles".into(),
            sp: Some("VA".into()),
            pc: Some("20166-6503".into()),
            cc: "US".into(),
        },
    }
}

fn domain_info() -> DomainInfoData {
    DomainInfoData {
        name: "example.com".into(),
        roid: "EXAMPLE1-REP".into(),
        statuses: vec![
            Status::Ok.into(),
            StatusValue {
                status: Status::ClientHold,
                lang: Some("en".into()),
                text: Some("Payment overdue.".into()),
            },
        ],
        registrant: Some("jd1234".into()),
        contacts: vec![
            DomainContact { kind: ContactType::Admin, id: "sh8013".into() },
            DomainContact { kind: ContactType::Tech, id: "sh8013".into() },
        ],
        ns: vec!["ns1.example.com".into(), "ns1.example.net".into()],
        hosts: vec!["ns1.example.com".into(), "ns2.example.com".into()],
        cl_id: "ClientX".into(),
        cr_id: Some("ClientY".into()),
        cr_date: Some(datetime!(1999-04-03 22:00 UTC)),
        up_id: Some("ClientX".into()),
        up_date: Some(datetime!(1999-12-03 09:00 UTC)),
        ex_date: Some(datetime!(2005-04-03 22:00 UTC)),
        tr_date: Some(datetime!(2000-04-08 09:00 UTC)),
        auth_info: Some(Secret::new("2fooBAR")),
    }
}

/// One of every response shape the session will send.
fn cases() -> Vec<(&'static str, Response)> {
    let check = vec![
        CheckResult { name: "example.com".into(), avail: true, reason: None },
        CheckResult { name: "example.net".into(), avail: false, reason: Some("In use".into()) },
    ];
    let ds = DsData {
        key_tag: 12345,
        alg: 13,
        digest_type: 2,
        digest: vec![0xab; 32],
        key_data: Some(KeyData { flags: 257, protocol: 3, alg: 13, public_key: vec![1, 2, 3, 4] }),
    };
    let bare_domain = DomainInfoData {
        statuses: vec![],
        registrant: None,
        contacts: vec![],
        ns: vec![],
        hosts: vec![],
        cr_id: None,
        cr_date: None,
        up_id: None,
        up_date: None,
        ex_date: None,
        tr_date: None,
        auth_info: None,
        ..domain_info()
    };
    vec![
        ("success", ok("ABC-12345")),
        ("no-cltrid", Response::new(ResultCode::SuccessEndingSession, None, "54322-XYZ")),
        ("domain-check", ok("ABC-12345").with_res_data(ResData::DomainCheck(check.clone()))),
        ("host-check", ok("ABC-12345").with_res_data(ResData::HostCheck(check.clone()))),
        (
            "contact-check",
            ok("ABC-12345").with_res_data(ResData::ContactCheck(vec![CheckResult {
                name: "sh8013".into(),
                avail: false,
                reason: Some("In use".into()),
            }])),
        ),
        (
            "domain-info",
            ok("ABC-12345")
                .with_res_data(ResData::DomainInfo(Box::new(domain_info())))
                .with_extension(ExtensionData::SecDnsInfo {
                    max_sig_life: Some(604800),
                    data: DnssecData::Ds(vec![ds.clone()]),
                })
                .with_extension(ExtensionData::RgpInfo(vec![RgpStatus::AddPeriod])),
        ),
        (
            "domain-info-bare",
            ok("ABC-12345")
                .with_res_data(ResData::DomainInfo(Box::new(bare_domain)))
                .with_extension(ExtensionData::SecDnsInfo {
                    max_sig_life: None,
                    data: DnssecData::Ds(vec![]),
                })
                .with_extension(ExtensionData::RgpInfo(vec![])),
        ),
        (
            "domain-info-keydata",
            ok("ABC-12345")
                .with_res_data(ResData::DomainInfo(Box::new(domain_info())))
                .with_extension(ExtensionData::SecDnsInfo {
                    max_sig_life: None,
                    data: DnssecData::Key(vec![KeyData {
                        flags: 257,
                        protocol: 3,
                        alg: 8,
                        public_key: vec![0; 64],
                    }]),
                })
                .with_extension(ExtensionData::RgpInfo(vec![
                    RgpStatus::RedemptionPeriod,
                    RgpStatus::PendingRestore,
                ])),
        ),
        (
            "domain-create",
            ok("ABC-12345").with_res_data(ResData::DomainCreate {
                name: "example.com".into(),
                cr_date: NOW,
                ex_date: Some(datetime!(2028-04-03 22:00 UTC)),
            }),
        ),
        (
            "domain-renew",
            ok("ABC-12345").with_res_data(ResData::DomainRenew {
                name: "example.com".into(),
                ex_date: Some(datetime!(2031-04-03 22:00 UTC)),
            }),
        ),
        (
            "domain-transfer",
            Response::new(ResultCode::SuccessPending, Some("ABC-12345".into()), "54322-XYZ")
                .with_res_data(ResData::DomainTransfer(transfer(
                    "example.com",
                    Some(datetime!(2031-04-03 22:00 UTC)),
                ))),
        ),
        (
            "domain-restore",
            ok("ABC-12345").with_extension(ExtensionData::RgpUpdate(RgpStatus::PendingRestore)),
        ),
        (
            "host-info",
            ok("ABC-12345").with_res_data(ResData::HostInfo(Box::new(HostInfoData {
                name: "ns1.example.com".into(),
                roid: "NS1_EXAMPLE1-REP".into(),
                statuses: vec![Status::Linked.into(), Status::ClientUpdateProhibited.into()],
                addrs: vec!["192.0.2.2".parse().unwrap(), "1080::8:800:200c:417a".parse().unwrap()],
                cl_id: "ClientY".into(),
                cr_id: "ClientX".into(),
                cr_date: datetime!(1999-04-03 22:00 UTC),
                up_id: Some("ClientX".into()),
                up_date: Some(datetime!(1999-12-03 09:00 UTC)),
                tr_date: Some(datetime!(2000-04-08 09:00 UTC)),
            }))),
        ),
        (
            "host-info-bare",
            ok("ABC-12345").with_res_data(ResData::HostInfo(Box::new(HostInfoData {
                name: "ns9.example.net".into(),
                roid: "NS9-REP".into(),
                statuses: vec![],
                addrs: vec![],
                cl_id: "ClientY".into(),
                cr_id: "ClientX".into(),
                cr_date: NOW,
                up_id: None,
                up_date: None,
                tr_date: None,
            }))),
        ),
        (
            "host-create",
            ok("ABC-12345").with_res_data(ResData::HostCreate {
                name: "ns1.example.com".into(),
                cr_date: NOW,
            }),
        ),
        (
            "contact-info",
            ok("ABC-12345").with_res_data(ResData::ContactInfo(Box::new(ContactInfoData {
                id: "sh8013".into(),
                roid: "SH8013-REP".into(),
                statuses: vec![Status::Linked.into(), Status::ClientDeleteProhibited.into()],
                postal_info: vec![
                    postal(PostalType::Int, "John Doe"),
                    postal(PostalType::Loc, "Jöhn Dœ"),
                ],
                voice: Some(Phone { number: "+1.7035555555".into(), ext: Some("1234".into()) }),
                fax: Some(Phone { number: "+1.7035555556".into(), ext: None }),
                email: "jdoe@example.com".into(),
                cl_id: "ClientY".into(),
                cr_id: "ClientX".into(),
                cr_date: datetime!(1999-04-03 22:00 UTC),
                up_id: Some("ClientX".into()),
                up_date: Some(datetime!(1999-12-03 09:00 UTC)),
                tr_date: Some(datetime!(2000-04-08 09:00 UTC)),
                auth_info: Some(Secret::new("2fooBAR")),
                disclose: Some(Disclose {
                    flag: false,
                    fields: vec![
                        DiscloseField::Email,
                        DiscloseField::Voice,
                        DiscloseField::Addr(PostalType::Loc),
                        DiscloseField::Name(PostalType::Int),
                    ],
                }),
            }))),
        ),
        (
            "contact-create",
            ok("ABC-12345")
                .with_res_data(ResData::ContactCreate { id: "sh8013".into(), cr_date: NOW }),
        ),
        (
            "contact-transfer",
            ok("ABC-12345").with_res_data(ResData::ContactTransfer(transfer(
                "sh8013",
                Some(NOW), // not written for contacts
            ))),
        ),
        (
            "poll-domain-transfer",
            Response::new(ResultCode::SuccessAckToDequeue, Some("ABC-12345".into()), "54322-XYZ")
                .with_msg_q(MsgQ {
                    count: 5,
                    id: "12345".into(),
                    qdate: Some(NOW),
                    msg: Some("Transfer requested.".into()),
                })
                .with_res_data(ResData::DomainTransfer(transfer("example.com", None))),
        ),
        (
            "poll-domain-pending",
            Response::new(ResultCode::SuccessAckToDequeue, Some("ABC-12345".into()), "54322-XYZ")
                .with_msg_q(MsgQ {
                    count: 1,
                    id: "12346".into(),
                    qdate: Some(NOW),
                    msg: Some("Pending action completed successfully.".into()),
                })
                .with_res_data(ResData::DomainPending(pending("example.com"))),
        ),
        (
            "poll-host-pending",
            Response::new(ResultCode::SuccessAckToDequeue, None, "54322-XYZ")
                .with_msg_q(MsgQ { count: 1, id: "7".into(), qdate: None, msg: None })
                .with_res_data(ResData::HostPending(PendingAction {
                    cl_trid: None,
                    ..pending("ns1.example.com")
                })),
        ),
        (
            "poll-contact-pending",
            Response::new(ResultCode::SuccessAckToDequeue, Some("ABC-12345".into()), "54322-XYZ")
                .with_msg_q(MsgQ { count: 3, id: "8".into(), qdate: Some(NOW), msg: None })
                .with_res_data(ResData::ContactPending(pending("sh8013"))),
        ),
        (
            "poll-text-only",
            Response::new(ResultCode::SuccessAckToDequeue, Some("ABC-12345".into()), "54322-XYZ")
                .with_msg_q(MsgQ {
                    count: 1,
                    id: "9".into(),
                    qdate: Some(NOW),
                    msg: Some("Domain example.com deleted <redemption> & more".into()),
                }),
        ),
        (
            "poll-empty",
            Response::new(ResultCode::SuccessNoMessages, Some("ABC-12346".into()), "54322-XYZ"),
        ),
        (
            "poll-ack",
            ok("ABC-12346").with_msg_q(MsgQ {
                count: 4,
                id: "12345".into(),
                qdate: None,
                msg: None,
            }),
        ),
        (
            "error-with-values",
            Response {
                values: vec![
                    ResultValue {
                        namespace: Namespace::Domain,
                        element: "name".into(),
                        text: "ex&mple.com".into(),
                        reason: None,
                    },
                    ResultValue {
                        namespace: Namespace::Epp,
                        element: "clTRID".into(),
                        text: "ABC".into(),
                        reason: Some("Too short \u{1} indeed".into()),
                    },
                ],
                ..Response::new(ResultCode::ParameterValueSyntaxError, None, "54322-XYZ")
                    .with_message("Bad name\r\nreally")
            },
        ),
        // RFC 9038 §3: an info answer whose RGP and secDNS data the client did not name.
        (
            "unhandled-extensions",
            Response {
                unhandled: vec![
                    Unhandled::Extension(ExtensionData::RgpInfo(vec![RgpStatus::AddPeriod])),
                    Unhandled::Extension(ExtensionData::SecDnsInfo {
                        max_sig_life: None,
                        data: DnssecData::Ds(vec![DsData {
                            key_tag: 12345,
                            alg: 13,
                            digest_type: 2,
                            digest: vec![0xAB; 32],
                            key_data: None,
                        }]),
                    }),
                ],
                ..ok("ABC-12345").with_res_data(ResData::DomainInfo(Box::new(domain_info())))
            },
        ),
        // RFC 9038 §3: a poll message of an object type the client did not name.
        (
            "unhandled-poll-object",
            Response {
                unhandled: vec![Unhandled::Object(ResData::DomainTransfer(transfer(
                    "example.com",
                    Some(NOW),
                )))],
                ..Response::new(ResultCode::SuccessAckToDequeue, Some("ABC-1".into()), "54322-XYZ")
                    .with_msg_q(MsgQ {
                        count: 1,
                        id: "7".into(),
                        qdate: Some(NOW),
                        msg: Some("Transfer requested.".into()),
                    })
            },
        ),
    ]
}

#[test]
fn unhandled_namespaces_go_in_ext_value_with_their_reason() {
    let cases = cases();
    let find = |wanted: &str| {
        let (_, response) = cases.iter().find(|(name, _)| *name == wanted).unwrap();
        String::from_utf8(response.to_xml()).unwrap()
    };
    let info = find("unhandled-extensions");
    assert!(!info.contains("<extension>"), "{info}");
    for needle in [
        "<extValue><value><rgp:infData xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\">",
        "<reason>urn:ietf:params:xml:ns:rgp-1.0 not in login services</reason></extValue>",
        "<extValue><value><secDNS:infData",
        "<reason>urn:ietf:params:xml:ns:secDNS-1.1 not in login services</reason>",
    ] {
        assert!(info.contains(needle), "missing {needle} in {info}");
    }
    // Inside <result>, after its message; the object data stays in <resData>.
    let result_end = info.find("</result>").unwrap();
    assert!(info.find("<extValue>").unwrap() < result_end, "{info}");
    assert!(info.find("<resData>").unwrap() > result_end, "{info}");
    let poll = find("unhandled-poll-object");
    assert!(!poll.contains("<resData>"), "{poll}");
    assert!(poll.contains("<value><domain:trnData"), "{poll}");
    assert!(poll.contains("<reason>urn:ietf:params:xml:ns:domain-1.0 not in login services"));
}

#[test]
fn every_result_code_writes_its_message() {
    for &code in ResultCode::ALL {
        let xml = String::from_utf8(Response::new(code, None, "SRV-1").to_xml()).unwrap();
        assert!(xml.contains(&format!(
            "<result code=\"{}\"><msg>{}</msg>",
            code.code(),
            code.message()
        )));
    }
}

#[test]
fn response_shapes() {
    let xml = String::from_utf8(cases().remove(5).1.to_xml()).unwrap();
    assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>"#));
    assert!(xml.contains("<domain:authInfo><domain:pw>2fooBAR</domain:pw></domain:authInfo>"));
    assert!(xml.contains("<domain:crDate>1999-04-03T22:00:00Z</domain:crDate>"));
    let by_name: std::collections::HashMap<_, _> = cases().into_iter().collect();
    let bare = String::from_utf8(by_name["domain-info-bare"].to_xml()).unwrap();
    assert!(bare.contains(r#"<domain:status s="ok"/>"#), "an empty status list is ok");
    assert!(!bare.contains("<extension>"), "empty extensions are left out: {bare}");
    let contact = String::from_utf8(by_name["contact-transfer"].to_xml()).unwrap();
    assert!(!contact.contains("exDate"));
    let poll = String::from_utf8(by_name["poll-text-only"].to_xml()).unwrap();
    assert!(poll.contains("<qDate>2026-04-03T22:00:00.5Z</qDate>"));
    assert!(poll.contains("deleted &lt;redemption&gt; &amp; more"));
    let error = String::from_utf8(by_name["error-with-values"].to_xml()).unwrap();
    assert!(error.contains("<msg>Bad name&#13;\nreally</msg>"), "{error}");
    assert!(error.contains("Too short \u{fffd} indeed"), "control characters cannot reach XML");
}

#[test]
fn parse_errors_become_responses_that_echo_the_cl_trid() {
    let bad = br#"<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><command><check>
        <domain:check xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"/></check>
        <clTRID>ABC-999</clTRID></command></epp>"#;
    let error: ParseError = parse(bad).unwrap_err();
    let response = Response::from_parse_error(&error, "SRV-1");
    assert_eq!(response.result, ResultCode::RequiredParameterMissing);
    assert_eq!(response.cl_trid.as_deref(), Some("ABC-999"));
    let xml = String::from_utf8(response.to_xml()).unwrap();
    assert!(xml.contains("<clTRID>ABC-999</clTRID>"), "{xml}");
    assert!(xml.contains("Required parameter missing: /epp/command/check/domain:check"), "{xml}");
}

#[test]
fn responses_and_greeting_validate() {
    if !xmllint_present() {
        return;
    }
    let mut failures = Vec::new();
    let mut all: Vec<(String, Vec<u8>)> =
        cases().into_iter().map(|(name, r)| (format!("response-{name}"), r.to_xml())).collect();
    all.push(("greeting".into(), Greeting::new("nameward EPP server", NOW).to_xml()));
    for &code in ResultCode::ALL {
        all.push((format!("code-{}", code.code()), Response::new(code, None, "SRV-1").to_xml()));
    }
    let error = parse(
        b"<epp xmlns='urn:ietf:params:xml:ns:epp-1.0'><command><frob/>\
        <clTRID>ABC-1</clTRID></command></epp>",
    )
    .unwrap_err();
    all.push(("parse-error".into(), Response::from_parse_error(&error, "SRV-1").to_xml()));
    for (name, xml) in all {
        if let Err(e) = validate(&name, &xml) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn greeting_announces_objects_extensions_and_policy() {
    let xml = String::from_utf8(Greeting::new("nameward", NOW).to_xml()).unwrap();
    for needle in [
        "<svID>nameward</svID>",
        "<svDate>2026-04-03T22:00:00.5Z</svDate>",
        "<version>1.0</version><lang>en</lang>",
        "<objURI>urn:ietf:params:xml:ns:domain-1.0</objURI>",
        "<objURI>urn:ietf:params:xml:ns:host-1.0</objURI>",
        "<objURI>urn:ietf:params:xml:ns:contact-1.0</objURI>",
        "<extURI>urn:ietf:params:xml:ns:secDNS-1.1</extURI>",
        "<extURI>urn:ietf:params:xml:ns:rgp-1.0</extURI>",
        "<extURI>urn:ietf:params:xml:ns:epp:loginSec-1.0</extURI>",
        "<extURI>urn:ietf:params:xml:ns:epp:unhandled-namespaces-1.0</extURI>",
        "<access><all/></access>",
        "<purpose><admin/><prov/></purpose>",
        "<recipient><ours/><public/></recipient>",
        "<retention><stated/></retention>",
    ] {
        assert!(xml.contains(needle), "missing {needle} in {xml}");
    }
}

#[test]
fn the_schema_check_itself_refuses_invalid_documents() {
    if !xmllint_present() {
        return;
    }
    // A status hosts have but domains do not, and a domain extension inside the wrong place:
    // proof that validation is strict, not a pass-through.
    let mut info = domain_info();
    info.statuses = vec![Status::Linked.into()];
    let wrong = ok("ABC-12345").with_res_data(ResData::DomainInfo(Box::new(info))).to_xml();
    assert!(validate("invalid-status", &wrong).is_err());
    let unknown_ext = br#"<?xml version="1.0" encoding="UTF-8"?>
<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result>
<extension><x:y xmlns:x="urn:example:unknown"/></extension>
<trID><svTRID>SRV-1</svTRID></trID></response></epp>"#;
    assert!(validate("unknown-extension", unknown_ext).is_err());
}
