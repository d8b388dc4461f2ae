//! Objects with every field set, and small helpers to put them in a store.

use std::collections::BTreeSet;

use nameward_registry::model::{
    AuthCode, Contact, ContactRole, ContactStatus, Deletion, DeletionPhase, Disclose, Domain,
    DomainContact, DomainStatus, DsData, GraceKind, GracePeriod, Host, HostStatus, PostalInfo,
    PostalKind, Registrar, RegistrarState, Stamps, Transfer, TransferStatus,
};
use nameward_registry::store::{Store, Tx};
use time::OffsetDateTime;
use time::macros::datetime;

/// An instant with whole microseconds (what the store keeps).
pub const T0: OffsetDateTime = datetime!(2026-03-01 12:34:56.123456 UTC);

pub fn at_days(days: i64) -> OffsetDateTime {
    T0 + time::Duration::days(days)
}

pub fn registrar(id: &str) -> Registrar {
    Registrar {
        id: id.to_owned(),
        name: format!("{id} Registrar Ltd"),
        state: RegistrarState::Active,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned(),
        cert_fingerprints: vec!["ab".repeat(32), "cd".repeat(32)],
        email: Some(format!("ops@{id}.example")),
        successor: Some("successor".to_owned()),
        created_at: T0,
    }
}

pub fn contact(id: &str, sponsor: &str) -> Contact {
    Contact {
        id: id.to_owned(),
        roid: format!("C{id}-TEST"),
        sponsor: sponsor.to_owned(),
        postal: vec![
            PostalInfo {
                kind: PostalKind::Int,
                name: "Asha Rao".to_owned(),
                org: Some("Rao Traders".to_owned()),
                street: vec!["12 MG Road".to_owned(), "Floor 3".to_owned()],
                city: "Pune".to_owned(),
                sp: Some("MH".to_owned()),
                pc: Some("411001".to_owned()),
                cc: "IN".to_owned(),
            },
            PostalInfo {
                kind: PostalKind::Loc,
                name: "आशा राव".to_owned(),
                org: None,
                street: vec![],
                city: "पुणे".to_owned(),
                sp: None,
                pc: None,
                cc: "IN".to_owned(),
            },
        ],
        voice: Some("+91.2012345678".to_owned()),
        voice_ext: Some("12".to_owned()),
        fax: Some("+91.2087654321".to_owned()),
        fax_ext: Some("9".to_owned()),
        email: format!("{id}@rao.example"),
        auth: Some(AuthCode { hash: "$argon2id$contact".to_owned(), set_at: T0 }),
        statuses: BTreeSet::from([
            ContactStatus::ClientDeleteProhibited,
            ContactStatus::ServerUpdateProhibited,
        ]),
        disclose: Some(Disclose {
            flag: false,
            fields: vec!["voice".to_owned(), "email".to_owned()],
        }),
        stamps: Stamps {
            created_by: sponsor.to_owned(),
            created_at: T0,
            updated_by: Some("registry".to_owned()),
            updated_at: Some(at_days(1)),
        },
    }
}

pub fn host(name: &str, sponsor: &str, superordinate: Option<&str>) -> Host {
    Host {
        name: name.to_owned(),
        roid: format!("H{}-TEST", name.replace('.', "_")),
        sponsor: sponsor.to_owned(),
        superordinate: superordinate.map(str::to_owned),
        addrs: if superordinate.is_some() {
            vec!["192.0.2.1".parse().unwrap(), "2001:db8::53".parse().unwrap()]
        } else {
            vec![]
        },
        statuses: BTreeSet::from([HostStatus::ClientDeleteProhibited]),
        stamps: Stamps::new(sponsor, T0),
    }
}

/// A domain with no links: the cheapest row (for bulk tests).
pub fn bare_domain(name: &str, sponsor: &str) -> Domain {
    Domain {
        name: name.to_owned(),
        roid: format!("D{}-TEST", name.replace('.', "_")),
        sponsor: sponsor.to_owned(),
        reseller: None,
        registrant: None,
        contacts: vec![],
        ns: vec![],
        ds: vec![],
        max_sig_life: None,
        statuses: BTreeSet::new(),
        stamps: Stamps::new(sponsor, T0),
        expires_at: at_days(365),
        transferred_at: None,
        auth: None,
        grace: vec![],
        deletion: None,
        transfer: None,
    }
}

/// A domain with every field set; its contacts `c-reg`, `c-adm`, `c-tech` and its name servers
/// `ns1.<name>` (subordinate) and `ns.dns.example` must exist.
pub fn full_domain(name: &str, sponsor: &str) -> Domain {
    Domain {
        reseller: Some("reseller-7".to_owned()),
        registrant: Some("c-reg".to_owned()),
        contacts: vec![
            DomainContact { role: ContactRole::Tech, id: "c-tech".to_owned() },
            DomainContact { role: ContactRole::Admin, id: "c-adm".to_owned() },
            DomainContact { role: ContactRole::Billing, id: "c-adm".to_owned() },
        ],
        ns: vec![format!("ns1.{name}"), "ns.dns.example".to_owned()],
        ds: vec![
            DsData { key_tag: 12345, alg: 13, digest_type: 2, digest: "AB".repeat(32) },
            DsData { key_tag: 54321, alg: 8, digest_type: 4, digest: "CD".repeat(48) },
        ],
        max_sig_life: Some(604_800),
        statuses: BTreeSet::from([
            DomainStatus::ClientTransferProhibited,
            DomainStatus::ServerRenewProhibited,
        ]),
        stamps: Stamps {
            created_by: sponsor.to_owned(),
            created_at: T0,
            updated_by: Some(sponsor.to_owned()),
            updated_at: Some(at_days(2)),
        },
        transferred_at: Some(at_days(3)),
        auth: Some(AuthCode { hash: "$argon2id$domain".to_owned(), set_at: at_days(4) }),
        grace: vec![
            GracePeriod {
                kind: GraceKind::Add,
                ends: at_days(5),
                registrar: sponsor.to_owned(),
                amount: 1000,
                years: 1,
            },
            GracePeriod {
                kind: GraceKind::Renew,
                ends: at_days(6),
                registrar: sponsor.to_owned(),
                amount: 2000,
                years: 2,
            },
        ],
        deletion: Some(Deletion {
            phase: DeletionPhase::Redemption,
            phase_ends: at_days(30),
            requested_at: at_days(1),
        }),
        transfer: Some(Transfer {
            status: TransferStatus::ClientRejected,
            gaining: "other".to_owned(),
            losing: sponsor.to_owned(),
            requested_at: at_days(7),
            action_at: at_days(8),
            years: 1,
            amount: 1000,
        }),
        ..bare_domain(name, sponsor)
    }
}

/// Registrars `r1` and `r2`, contacts `c-reg`, `c-adm`, `c-tech` of `r1`, and the external host
/// `ns.dns.example`.
pub async fn seed(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    seed_in(&mut tx).await;
    tx.commit().await.unwrap();
}

pub async fn seed_in(tx: &mut Tx) {
    tx.insert_registrar(&registrar("r1")).await.unwrap();
    tx.insert_registrar(&registrar("r2")).await.unwrap();
    for id in ["c-reg", "c-adm", "c-tech"] {
        tx.insert_contact(&contact(id, "r1")).await.unwrap();
    }
    tx.insert_host(&host("ns.dns.example", "r1", None)).await.unwrap();
}

/// Inserts `full_domain(name)` with its subordinate host `ns1.<name>`, which must exist
/// before the domain delegates to it but needs the domain as its superordinate: so the
/// domain goes in without name servers first.
pub async fn insert_full_domain(tx: &mut Tx, name: &str, next: Option<OffsetDateTime>) -> Domain {
    let domain = full_domain(name, "r1");
    let undelegated = Domain { ns: vec![], ..domain.clone() };
    tx.insert_domain(&undelegated, next).await.unwrap();
    tx.insert_host(&host(&format!("ns1.{name}"), "r1", Some(name))).await.unwrap();
    tx.update_domain(&domain, next).await.unwrap();
    domain
}
