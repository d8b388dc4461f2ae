//! Hostile and odd input: malformed documents and XML bombs are answered and write nothing;
//! services not announced at login are refused; a replayed clTRID is answered like any other
//! command; refused commands are logged; a session opened before its registrar was suspended
//! may look but not change.

use nameward_epp::command::{Command, Login, Poll, SecDnsCreate};
use nameward_epp::types::{DnssecData, Namespace, TransferOp};

use super::support::*;

const EPP: &str = "urn:ietf:params:xml:ns:epp-1.0";

fn billion_laughs() -> String {
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for level in 1..10 {
        let previous = if level == 1 { "lol".to_owned() } else { format!("lol{}", level - 1) };
        bomb.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
    }
    bomb.push_str(&format!("]>\n<epp xmlns=\"{EPP}\"><hello>&lol9;</hello></epp>"));
    bomb
}

#[tokio::test]
async fn hostile_input_is_answered_and_writes_nothing() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        let before = env.registry.store().row_counts().await.unwrap();
        let create = format!(
            "<epp xmlns=\"{EPP}\"><command><create><domain:create \
             xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\"><domain:name>bad.example\
             </domain:name><domain:authInfo><domain:pw/></domain:authInfo>\
             </domain:create></create><clTRID>BAD-1</clTRID></command>"
        );
        let cases: Vec<(&str, Vec<u8>, u16)> = vec![
            ("unclosed", create.clone().into_bytes(), 2001),
            ("bomb", billion_laughs().into_bytes(), 2001),
            ("binary", vec![0, 159, 146, 150, 255, 0], 2001),
            ("not-epp", b"<html><body>hi</body></html>".to_vec(), 2001),
            (
                "unknown-verb",
                format!("<epp xmlns=\"{EPP}\"><command><frobnicate/></command></epp>").into_bytes(),
                2000,
            ),
            (
                "unknown-object",
                format!(
                    "<epp xmlns=\"{EPP}\"><command><create><obj:create xmlns:obj=\"urn:x:obj\">\
                     <obj:name>x</obj:name></obj:create></create><clTRID>BAD-2</clTRID>\
                     </command></epp>"
                )
                .into_bytes(),
                2307,
            ),
        ];
        for (label, document, code) in cases {
            let response = conn.raw(label, &document).await;
            assert_eq!(response.code(), code, "{label}: {}", response.xml);
            assert!(response.text("svTRID").is_some(), "{label}");
            // The session goes on.
            conn.expect(Command::DomainCheck(vec!["bad.example".into()]), 1000).await;
        }
        let echoed = conn
            .raw("unknown-object-again", &{
                let mut doc = format!(
                    "<epp xmlns=\"{EPP}\"><command><create><obj:create xmlns:obj=\"urn:x:obj\">\
                 <obj:name>x</obj:name></obj:create></create><clTRID>BAD-3</clTRID></command></epp>"
                );
                doc.shrink_to_fit();
                doc.into_bytes()
            })
            .await;
        assert_eq!(echoed.text("clTRID").as_deref(), Some("BAD-3"));
        assert_eq!(env.registry.store().row_counts().await.unwrap(), before);
    })
    .await;
}

#[tokio::test]
async fn services_not_announced_at_login_are_refused() {
    on_both(async |env| {
        let mut conn = env.connect(R1).await;
        let only_domains = Login {
            obj_uris: vec![Namespace::Domain.uri().to_owned()],
            ext_uris: vec![Namespace::Rgp.uri().to_owned()],
            ..login_struct(login(R1, &password(R1)))
        };
        conn.expect(Command::Login(only_domains), 1000).await;
        let signed = nameward_epp::command::DomainCreate {
            sec_dns: Some(SecDnsCreate {
                max_sig_life: None,
                data: DnssecData::Ds(vec![nameward_epp::types::DsData {
                    key_tag: 1,
                    alg: 13,
                    digest_type: 2,
                    digest: vec![1; 32],
                    key_data: None,
                }]),
            }),
            ..create("signed.example")
        };
        conn.expect(Command::DomainCreate(signed), 2103).await;
        conn.expect(Command::ContactCheck(vec!["c-1".into()]), 2307).await;
        conn.expect(host("ns1.external.net", &[]), 2307).await;
        conn.expect(Command::DomainCreate(create("signed.example")), 1000).await;
    })
    .await;
}

#[tokio::test]
async fn replayed_cl_trid_is_answered_like_any_command() {
    on_both(async |env| {
        let mut conn = env.login(R1).await;
        let before = env.balance(R1).await;
        let request = |command| nameward_epp::command::Request {
            cl_trid: Some("REPLAY-0001".into()),
            command,
        };
        let create = request(Command::DomainCreate(create("replay.example"))).to_xml();
        let first = conn.raw("replay-create", &create).await;
        assert_eq!(first.code(), 1000);
        let second = conn.raw("replay-create", &create).await;
        assert_eq!(second.code(), 2302);
        assert_ne!(first.text("svTRID"), second.text("svTRID"));
        let expiry = date_of(&first.text("domain:exDate").unwrap());
        let renewal = request(renew("replay.example", expiry, 1)).to_xml();
        assert_eq!(conn.raw("replay-renew", &renewal).await.code(), 1000);
        // Later, so that the log's latest entry for the clTRID is the replay.
        env.advance_days(1);
        assert_eq!(conn.raw("replay-renew", &renewal).await.code(), 2306);
        assert_eq!(env.balance(R1).await, before - 2000);

        // Refusals are in the transaction log with their code.
        let mut tx = env.registry.store().begin_read().await.unwrap();
        let logged = tx.seen_cl_trid(R1, "REPLAY-0001").await.unwrap().unwrap();
        tx.rollback().await.unwrap();
        assert_eq!(logged.command, "domain:renew");
        assert_eq!(logged.result_code, 2306);
    })
    .await;
}

#[tokio::test]
async fn only_negotiated_extensions_are_answered() {
    on_both(async |env| {
        let signed = nameward_epp::command::DomainCreate {
            sec_dns: Some(SecDnsCreate {
                max_sig_life: None,
                data: DnssecData::Ds(vec![nameward_epp::types::DsData {
                    key_tag: 12345,
                    alg: 13,
                    digest_type: 2,
                    digest: vec![7; 32],
                    key_data: None,
                }]),
            }),
            ..create("signed.example")
        };
        let mut full = env.login(R1).await;
        full.expect(Command::DomainCreate(signed), 1000).await;
        let info = full.expect(domain_info("signed.example"), 1000).await;
        assert!(info.has("<secDNS:infData") && info.has("<rgp:infData"), "{}", info.xml);

        // RFC 5730 §2.9.1.1: a client that named no extension at login gets none.
        let mut plain = env.connect(R1).await;
        let bare = Login { ext_uris: Vec::new(), ..login_struct(login(R1, &password(R1))) };
        plain.expect(Command::Login(bare), 1000).await;
        let info = plain.expect(domain_info("signed.example"), 1000).await;
        assert!(!info.has("<extension>"), "{}", info.xml);
        assert_eq!(info.text("domain:name").as_deref(), Some("signed.example"));

        // Only RGP: the RGP block and no secDNS.
        let mut rgp = env.connect(R1).await;
        let only_rgp = Login {
            ext_uris: vec![Namespace::Rgp.uri().to_owned()],
            ..login_struct(login(R1, &password(R1)))
        };
        rgp.expect(Command::Login(only_rgp), 1000).await;
        let info = rgp.expect(domain_info("signed.example"), 1000).await;
        assert!(info.has("<rgp:infData") && !info.has("secDNS"), "{}", info.xml);

        // RFC 9038: a client that names unhandled-namespaces-1.0 gets what it did not name in
        // <extValue> under <result>, with the namespace in the reason.
        let unhandled = Namespace::UnhandledNamespaces.uri().to_owned();
        let mut told = env.connect(R1).await;
        let signal =
            Login { ext_uris: vec![unhandled.clone()], ..login_struct(login(R1, &password(R1))) };
        told.expect(Command::Login(signal), 1000).await;
        let info = told.expect(domain_info("signed.example"), 1000).await;
        assert!(!info.has("<extension>"), "{}", info.xml);
        assert!(info.has("<extValue><value><rgp:infData"), "{}", info.xml);
        assert!(info.has("<extValue><value><secDNS:infData"), "{}", info.xml);
        let reasons = info.texts("reason");
        assert!(reasons.contains(&format!("{} not in login services", Namespace::SecDns.uri())));
        assert_eq!(info.text("domain:name").as_deref(), Some("signed.example"));

        // A poll message about a domain, to a session that named no domain objects: its data
        // in <extValue> for a client that asked, dropped for one that did not.
        let mut r2 = env.login(R2).await;
        r2.expect(transfer(TransferOp::Request, "signed.example", Some(CODE)), 1001).await;
        let hosts_only = |ext_uris: Vec<String>| Login {
            obj_uris: vec![Namespace::Host.uri().to_owned()],
            ext_uris,
            ..login_struct(login(R1, &password(R1)))
        };
        let mut asked = env.connect(R1).await;
        asked.expect(Command::Login(hosts_only(vec![unhandled])), 1000).await;
        let message = asked.expect(Command::Poll(Poll::Request), 1301).await;
        assert!(!message.has("<resData>"), "{}", message.xml);
        assert!(message.has("<extValue><value><domain:trnData"), "{}", message.xml);
        assert_eq!(
            message.text("reason"),
            Some(format!("{} not in login services", Namespace::Domain.uri()))
        );
        let mut silent = env.connect(R1).await;
        silent.expect(Command::Login(hosts_only(Vec::new())), 1000).await;
        let message = silent.expect(Command::Poll(Poll::Request), 1301).await;
        assert!(!message.has("<resData>") && !message.has("<extValue>"), "{}", message.xml);
        assert!(message.has("<msg>"), "{}", message.xml);
    })
    .await;
}

#[tokio::test]
async fn a_session_opened_before_suspension_may_look_but_not_change() {
    use nameward_epp::types::{Change, Secret};
    use nameward_registry::model::RegistrarState;

    on_both(async |env| {
        let mut r1 = env.login(R1).await;
        let mut r2 = env.login(R2).await;
        for name in ["kept.example", "leaving.example"] {
            r1.expect(Command::DomainCreate(create(name)), 1000).await;
            r2.expect(transfer(TransferOp::Request, name, Some(CODE)), 1001).await;
        }
        // A name with nothing pending, so that only the suspension can refuse a change to it.
        r1.expect(Command::DomainCreate(create("mine.example")), 1000).await;
        r1.expect(host("ns1.mine.example", &["192.0.2.1"]), 1000).await;
        let info = r1.expect(domain_info("mine.example"), 1000).await;
        let expiry = date_of(&info.text("domain:exDate").unwrap());
        env.registry
            .set_registrar_state(R1, RegistrarState::Suspended, "unpaid invoices", env.now())
            .await
            .unwrap();
        let balance = env.balance(R1).await;
        let rows = env.registry.store().row_counts().await.unwrap();

        // The session opened before the suspension changes nothing any more...
        let delete = Command::DomainDelete("mine.example".into());
        let refused = [
            Command::DomainCreate(create("new.example")),
            Command::DomainUpdate(nameward_epp::command::DomainUpdate {
                chg: nameward_epp::command::DomainChange {
                    auth_info: Some(Change::Set(Secret::new(CODE2))),
                    registrant: None,
                },
                ..update("mine.example")
            }),
            renew("mine.example", expiry, 1),
            transfer(TransferOp::Reject, "kept.example", None),
            host("ns2.mine.example", &["192.0.2.2"]),
            Command::HostDelete("ns1.mine.example".into()),
            Command::ContactCreate(contact("c-late")),
            delete,
        ];
        for command in refused {
            let name = command.name();
            let answer = r1.expect(command, 2304).await;
            assert!(answer.has("SUSPENDED"), "{name}: {}", answer.xml);
        }
        assert_eq!(env.balance(R1).await, balance, "nothing charged");
        let logged = env.registry.store().row_counts().await.unwrap();
        let changed: Vec<_> =
            rows.iter().filter(|row| row.0 != "transactions" && !logged.contains(row)).collect();
        assert!(changed.is_empty(), "tables changed: {changed:?}");

        // ... but still reads, empties its poll queue and lets a registrant's name go.
        r1.expect(domain_info("kept.example"), 1000).await;
        r1.expect(Command::DomainCheck(vec!["new.example".into()]), 1000).await;
        r1.expect(transfer(TransferOp::Query, "kept.example", None), 1000).await;
        let message = r1.expect(Command::Poll(Poll::Request), 1301).await;
        let id = message.attr("msgQ", "id").unwrap();
        r1.expect(Command::Poll(Poll::Ack { msg_id: id }), 1000).await;
        r1.expect(transfer(TransferOp::Approve, "leaving.example", None), 1000).await;
        let info = r2.expect(domain_info("leaving.example"), 1000).await;
        assert_eq!(info.text("domain:clID").as_deref(), Some(R2));
        let info = r2.expect(domain_info("kept.example"), 1000).await;
        assert!(info.statuses("domain").contains(&"pendingTransfer".to_owned()), "{}", info.xml);

        // Reinstated, the same session changes things again.
        env.registry
            .set_registrar_state(R1, RegistrarState::Active, "paid", env.now())
            .await
            .unwrap();
        r1.expect(Command::DomainCreate(create("new.example")), 1000).await;
    })
    .await;
}
