//! The deposit reader on what it is given: deposits nameward writes read back to the objects
//! written, whatever their text; and any bytes — arbitrary, or a written deposit cut short or
//! with bytes changed — give objects or an error, never a panic, with every object within the
//! reader's limits.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeSet;

use nameward_rde::names::Kind;
use nameward_rde::objects;
use nameward_rde::xml::Object;
use nameward_rde::xml::read::{DepositReader, Item, MAX_DEPTH, MAX_NODES, Node};
use nameward_rde::xml::write::{Deletes, DepositHead, DepositWriter};
use nameward_registry::model::{
    Contact, ContactStatus, Domain, DomainStatus, DsData, Host, HostStatus, PostalInfo, PostalKind,
    Registrar, RegistrarState, Stamps,
};
use nameward_registry::policy::Policy;
use proptest::prelude::*;
use time::OffsetDateTime;
use time::macros::datetime;

const WATERMARK: OffsetDateTime = datetime!(2026-04-05 00:00 UTC);

/// Text as EPP allows it: any XML character, trimmed (the reader trims element text).
fn text() -> impl Strategy<Value = String> {
    "[ -~\u{a0}-\u{d7ff}&<>\"']{1,24}"
        .prop_map(|text| text.trim().to_owned())
        .prop_filter("empty", |text| !text.is_empty())
}

fn stamps() -> Stamps {
    Stamps::new("alpha", datetime!(2026-03-01 12:00 UTC))
}

fn contact_of(id: String, name: String, city: String, email: String) -> Contact {
    Contact {
        id,
        roid: "C1-EXAMPLE".to_owned(),
        sponsor: "alpha".to_owned(),
        postal: vec![PostalInfo {
            kind: PostalKind::Int,
            name,
            org: None,
            street: vec!["1 Main St".to_owned()],
            city,
            sp: None,
            pc: None,
            cc: "IN".to_owned(),
        }],
        voice: None,
        voice_ext: None,
        fax: None,
        fax_ext: None,
        email,
        auth: None,
        statuses: BTreeSet::from([ContactStatus::ClientDeleteProhibited]),
        disclose: None,
        stamps: stamps(),
    }
}

fn domain_of(name: String, registrant: String, digest: String) -> Domain {
    Domain {
        name,
        roid: "D1-EXAMPLE".to_owned(),
        sponsor: "alpha".to_owned(),
        reseller: None,
        registrant: Some(registrant),
        contacts: Vec::new(),
        ns: vec!["ns1.example.net".to_owned()],
        ds: vec![DsData { key_tag: 1, alg: 13, digest_type: 2, digest }],
        max_sig_life: None,
        statuses: BTreeSet::from([DomainStatus::ServerHold]),
        stamps: stamps(),
        expires_at: datetime!(2027-03-01 12:00 UTC),
        transferred_at: None,
        auth: None,
        grace: Vec::new(),
        deletion: None,
        transfer: None,
    }
}

fn registrar_of(name: String) -> Registrar {
    Registrar {
        id: "alpha".to_owned(),
        name,
        state: RegistrarState::Active,
        password_hash: String::new(),
        cert_fingerprints: Vec::new(),
        email: Some("ops@alpha.test".to_owned()),
        successor: None,
        created_at: datetime!(2026-01-01 00:00 UTC),
    }
}

fn host_of(name: String) -> Host {
    Host {
        name,
        roid: "H1-EXAMPLE".to_owned(),
        sponsor: "alpha".to_owned(),
        superordinate: None,
        addrs: vec!["192.0.2.1".parse().unwrap(), "2001:db8::53".parse().unwrap()],
        statuses: BTreeSet::from([HostStatus::ServerUpdateProhibited]),
        stamps: stamps(),
    }
}

fn write(registrar: &Registrar, contact: &Contact, host: &Host, domain: &Domain) -> Vec<u8> {
    let head = DepositHead {
        kind: Kind::Full,
        id: "X1".to_owned(),
        prev_id: None,
        resend: 0,
        watermark: WATERMARK,
    };
    let mut writer = DepositWriter::start(Vec::new(), &head, &Deletes::default()).unwrap();
    writer.registrar(registrar).unwrap();
    writer.contact(contact).unwrap();
    writer.host(host).unwrap();
    writer.domain(domain).unwrap();
    writer.finish("example").unwrap().0
}

fn depth(node: &Node) -> usize {
    1 + node.children.iter().map(depth).max().unwrap_or(0)
}

fn size(node: &Node) -> usize {
    1 + node.children.iter().map(size).sum::<usize>()
}

/// Reads `bytes` to the end or the first error, converting each object as a restore would;
/// every object within the limits. Returns the objects read.
fn read(bytes: &[u8]) -> Result<Vec<(Object, Node)>, String> {
    let mut reader = DepositReader::new(bytes, "fuzz.xml");
    let policy = Policy::default_for("example");
    let mut found = Vec::new();
    while let Some(item) = reader.next_item().map_err(|error| error.to_string())? {
        if let Item::Object(object, node, _) = item {
            assert!(depth(&node) <= MAX_DEPTH + 1, "an object deeper than the limit");
            assert!(size(&node) <= MAX_NODES, "an object larger than the limit");
            let converted = match object {
                Object::Registrar => {
                    objects::registrar("fuzz.xml", &node, String::new(), WATERMARK).map(drop)
                }
                Object::Contact => objects::contact("fuzz.xml", &node, WATERMARK).map(drop),
                Object::Host => objects::host("fuzz.xml", &node, WATERMARK).map(drop),
                Object::Domain => objects::domain("fuzz.xml", &node, &policy, WATERMARK).map(drop),
            };
            converted.map_err(|error| error.to_string())?;
            found.push((object, node));
        }
    }
    Ok(found)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn written_deposits_read_back(
        name in text(), city in text(), email in text(), registrar_name in text(),
        label in "[a-z0-9-]{1,20}", digest in "[0-9A-F]{64}",
    ) {
        let registrar = registrar_of(registrar_name);
        let contact = contact_of("c1".to_owned(), name, city, email);
        let host = host_of(format!("ns1.{label}.example"));
        let domain = domain_of(format!("{label}.example"), "c1".to_owned(), digest);
        let bytes = write(&registrar, &contact, &host, &domain);
        let found = read(&bytes).unwrap();
        prop_assert_eq!(found.len(), 4);
        let node = |kind: Object| &found.iter().find(|(object, _)| *object == kind).unwrap().1;
        let back = objects::contact("x", node(Object::Contact), WATERMARK).unwrap();
        prop_assert_eq!(back, contact);
        let back = objects::host("x", node(Object::Host), WATERMARK).unwrap();
        prop_assert_eq!(back, host);
        let back = objects::domain("x", node(Object::Domain), &Policy::default_for("example"), WATERMARK).unwrap();
        prop_assert_eq!(back, domain);
        let back = objects::registrar("x", node(Object::Registrar), String::new(), WATERMARK).unwrap();
        prop_assert_eq!(back, registrar);
    }

    #[test]
    fn damaged_deposits_never_panic(cut in 0usize..4000, flips in proptest::collection::vec((0usize..4000, any::<u8>()), 0..8)) {
        let mut bytes = write(
            &registrar_of("Alpha".to_owned()),
            &contact_of("c1".to_owned(), "N".to_owned(), "C".to_owned(), "e@x.test".to_owned()),
            &host_of("ns1.a.example".to_owned()),
            &domain_of("a.example".to_owned(), "c1".to_owned(), "AB".repeat(32)),
        );
        for (at, byte) in flips {
            let len = bytes.len();
            bytes[at % len] = byte;
        }
        bytes.truncate(cut.max(1).min(bytes.len()));
        let _ = read(&bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read(&bytes);
    }
}

#[test]
fn deep_and_wide_documents_are_refused_within_the_limits() {
    let deep = format!(
        "<rde:deposit xmlns:rde=\"urn:ietf:params:xml:ns:rde-1.0\" type=\"FULL\" id=\"X\"><rde:contents>\
         <d:domain xmlns:d=\"urn:ietf:params:xml:ns:rdeDomain-1.0\">{}</d:domain></rde:contents></rde:deposit>",
        "<a>".repeat(100)
    );
    let refused = read(deep.as_bytes()).unwrap_err();
    assert!(refused.contains("nests over"), "{refused}");
    let wide = format!(
        "<rde:deposit xmlns:rde=\"urn:ietf:params:xml:ns:rde-1.0\" type=\"FULL\" id=\"X\"><rde:contents>\
         <d:domain xmlns:d=\"urn:ietf:params:xml:ns:rdeDomain-1.0\">{}</d:domain></rde:contents></rde:deposit>",
        "<a/>".repeat(MAX_NODES + 1)
    );
    let refused = read(wide.as_bytes()).unwrap_err();
    assert!(refused.contains("over 4096 elements"), "{refused}");
    let long = format!(
        "<rde:deposit xmlns:rde=\"urn:ietf:params:xml:ns:rde-1.0\" type=\"FULL\" id=\"X\"><rde:watermark>{}</rde:watermark></rde:deposit>",
        "9".repeat(nameward_rde::xml::read::MAX_EVENT + 10)
    );
    let refused = read(long.as_bytes()).unwrap_err();
    assert!(refused.contains("runs over"), "{refused}");
}
