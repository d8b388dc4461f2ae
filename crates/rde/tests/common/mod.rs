//! What the registry data escrow tests share: a registry with every kind of object, built
//! through the registry service, the test keys, and temporary directories.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::{Path, PathBuf};

use nameward_rde::deposit::DepositOptions;
use nameward_rde::names::Kind;
use nameward_rde::verify::Keys;
use nameward_registry::lifecycle::domain::{DomainCreate, DomainUpdate, SecDnsUpdate};
use nameward_registry::lifecycle::host::{HostCreate, HostUpdate};
use nameward_registry::model::{
    Account, ContactRole, Disclose, DomainContact, DomainStatus, DsData, HostStatus, PostalInfo,
    PostalKind, RegistrarState,
};
use nameward_registry::policy::Policy;
use nameward_registry::service::{Meta, NewRegistrar, Registry, TransferOp};
use nameward_registry::store::Store;
use nameward_registry::testing::{example_apex, new_contact};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

pub const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
/// The deposit's watermark: after everything the registry did.
pub const WATERMARK: OffsetDateTime = datetime!(2026-04-05 00:00 UTC);
const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";

pub fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

pub fn keys() -> Keys {
    Keys { agent_secret: data("agent.sec.asc"), registry_public: data("registry.pub.asc") }
}

pub fn options(out: &Path) -> DepositOptions {
    DepositOptions {
        tld: "example".to_owned(),
        kind: Kind::Full,
        out: out.to_owned(),
        agent_key: data("agent.pub.asc"),
        signing_key: data("registry.sec.asc"),
        watermark: WATERMARK,
        resend: 0,
        now: WATERMARK + Duration::hours(2),
    }
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(what: &str) -> TempDir {
        static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let count = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir()
            .join(format!("nameward_rde_{what}_{}_{count}", std::process::id()));
        std::fs::remove_dir_all(&dir).ok();
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

pub fn meta(actor: &str, now: OffsetDateTime) -> Meta<'_> {
    Meta { actor, cl_trid: Some("rde-test"), now }
}

pub async fn create(registry: &Registry, actor: &str, req: DomainCreate, now: OffsetDateTime) {
    registry
        .domain_create(
            &meta(actor, now),
            &DomainCreate { auth_code: CODE.to_owned(), years: 1, ..req },
        )
        .await
        .unwrap();
}

/// A registry of the TLD `example` with every kind of object and state escrow carries: three
/// registrars (one suspended), contacts with two postal forms, phone extensions and a
/// disclosure preference, subordinate hosts with IPv4 and IPv6 glue and an external host,
/// domains with contacts, DS data and maxSigLife, statuses, an IDN, a pending transfer, one
/// in its add grace period, one in redemption, one on hold, one undelegated.
pub async fn fill(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    registry.set_zone_apex(&example_apex(), START).await.unwrap();
    for id in ["alpha", "beta", "gamma"] {
        let new = NewRegistrar {
            id: id.to_owned(),
            name: format!("{id} registrar"),
            password: format!("{id}-password-long-enough"),
            cert_fingerprints: vec!["ab".repeat(32)],
            email: Some(format!("ops@{id}.test")),
        };
        registry.add_registrar(&new, START).await.unwrap();
        registry.deposit(id, Account::Prepaid, 100_000, START).await.unwrap();
    }
    let alpha = meta("alpha", START);
    let mut full = new_contact("c-alpha", "holder@alpha.test");
    full.postal.push(PostalInfo {
        kind: PostalKind::Loc,
        name: "Contact \u{939}\u{93f}\u{902}\u{926}\u{940} & <Co>".to_owned(),
        org: Some("Org \"Loc\"".to_owned()),
        street: vec!["Line 1".to_owned(), "Line 2".to_owned()],
        city: "Pune".to_owned(),
        sp: Some("MH".to_owned()),
        pc: Some("411001".to_owned()),
        cc: "IN".to_owned(),
    });
    full.voice = Some("+91.2012345678".to_owned());
    full.voice_ext = Some("42".to_owned());
    full.fax = Some("+91.2012345679".to_owned());
    full.disclose =
        Some(Disclose { flag: false, fields: vec!["voice".to_owned(), "name_int".to_owned()] });
    registry.contact_create(&alpha, &full).await.unwrap();
    registry.contact_create(&alpha, &new_contact("c-tech", "tech@alpha.test")).await.unwrap();
    registry
        .contact_create(&meta("beta", START), &new_contact("c-beta", "holder@beta.test"))
        .await
        .unwrap();

    registry
        .host_create(&alpha, &HostCreate { name: "ns.external.test".to_owned(), addrs: Vec::new() })
        .await
        .unwrap();
    create(
        &registry,
        "alpha",
        DomainCreate { name: "alpha.example".to_owned(), ..DomainCreate::default() },
        START,
    )
    .await;
    registry
        .host_create(
            &alpha,
            &HostCreate {
                name: "ns1.alpha.example".to_owned(),
                addrs: vec!["192.0.2.1".parse().unwrap(), "2001:db8::1".parse().unwrap()],
            },
        )
        .await
        .unwrap();
    registry
        .host_update(
            &meta("alpha", START + Duration::hours(1)),
            "ns1.alpha.example",
            &HostUpdate {
                add_statuses: vec![HostStatus::ClientDeleteProhibited],
                ..HostUpdate::default()
            },
        )
        .await
        .unwrap();
    let later = START + Duration::days(1);
    registry
        .domain_update(
            &meta("alpha", later),
            "alpha.example",
            &DomainUpdate {
                add_ns: vec!["ns1.alpha.example".to_owned(), "ns.external.test".to_owned()],
                registrant: Some(Some("c-alpha".to_owned())),
                add_contacts: vec![
                    DomainContact { role: ContactRole::Admin, id: "c-alpha".to_owned() },
                    DomainContact { role: ContactRole::Tech, id: "c-tech".to_owned() },
                ],
                add_statuses: vec![DomainStatus::ClientTransferProhibited],
                sec_dns: Some(SecDnsUpdate {
                    add: vec![DsData {
                        key_tag: 12345,
                        alg: 13,
                        digest_type: 2,
                        digest: "AB".repeat(32),
                    }],
                    max_sig_life: Some(604800),
                    ..SecDnsUpdate::default()
                }),
                ..DomainUpdate::default()
            },
        )
        .await
        .unwrap();
    // An IDN, delegated to the external host.
    create(
        &registry,
        "alpha",
        DomainCreate {
            name: "xn--bcher-kva.example".to_owned(),
            ns: vec!["ns.external.test".to_owned()],
            ..DomainCreate::default()
        },
        later,
    )
    .await;
    // On hold.
    create(
        &registry,
        "alpha",
        DomainCreate {
            name: "held.example".to_owned(),
            ns: vec!["ns1.alpha.example".to_owned()],
            ..DomainCreate::default()
        },
        later,
    )
    .await;
    registry
        .domain_update(
            &meta("alpha", later),
            "held.example",
            &DomainUpdate {
                add_statuses: vec![DomainStatus::ClientHold],
                ..DomainUpdate::default()
            },
        )
        .await
        .unwrap();
    // Pending transfer to beta, requested shortly before the watermark.
    create(
        &registry,
        "alpha",
        DomainCreate {
            name: "moving.example".to_owned(),
            registrant: Some("c-tech".to_owned()),
            ..DomainCreate::default()
        },
        WATERMARK - Duration::days(10),
    )
    .await;
    registry
        .domain_transfer(
            &meta("beta", WATERMARK - Duration::days(2)),
            "moving.example",
            TransferOp::Request,
            Some(CODE),
            None,
        )
        .await
        .unwrap();
    // In redemption: deleted after its add grace period.
    create(
        &registry,
        "beta",
        DomainCreate {
            name: "gone.example".to_owned(),
            registrant: Some("c-beta".to_owned()),
            ..DomainCreate::default()
        },
        later,
    )
    .await;
    registry
        .domain_delete(&meta("beta", WATERMARK - Duration::days(3)), "gone.example")
        .await
        .unwrap();
    // In its add grace period at the watermark, undelegated.
    create(
        &registry,
        "beta",
        DomainCreate { name: "fresh.example".to_owned(), ..DomainCreate::default() },
        WATERMARK - Duration::days(1),
    )
    .await;
    // A suspended registrar still sponsoring a name.
    create(
        &registry,
        "gamma",
        DomainCreate {
            name: "gamma.example".to_owned(),
            ns: vec!["ns.external.test".to_owned()],
            ..DomainCreate::default()
        },
        later,
    )
    .await;
    registry
        .set_registrar_state(
            "gamma",
            RegistrarState::Suspended,
            "audit",
            WATERMARK - Duration::hours(1),
        )
        .await
        .unwrap();
    // The lifecycle work due by the watermark (grace periods that ended) is done, as a
    // running registry does it.
    registry.tick(WATERMARK).await.unwrap();
    registry
}
