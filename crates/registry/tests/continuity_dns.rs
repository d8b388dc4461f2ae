//! Continuity DNS on both engines: a failed registrar's name switched to the registry's name
//! servers serving its escrowed zone — the refusals, the TLD zone while switched (apex NS, no
//! DS, the domain's own NS and DS kept), history, the zones listed for the server, and the
//! override surviving a bulk transfer and ending when the new sponsor changes the NS.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use nameward_escrow::{
    Customer, DepositBuilder, DepositKind, Domain, HostedZone, Limits, SigningKey,
};
use nameward_registry::lifecycle::domain::{DomainCreate, DomainUpdate};
use nameward_registry::lifecycle::host::HostCreate;
use nameward_registry::lifecycle::{OPERATOR, Refusal};
use nameward_registry::model::{Account, DomainStatus, DsData, HistoryEntry, ObjectKind};
use nameward_registry::policy::Policy;
use nameward_registry::publish::{ApexNameserver, ZoneApex};
use nameward_registry::service::{BulkTransfer, Meta, NewRegistrar, Registry, ServiceError};
use nameward_registry::store::Store;
use nameward_registry::testing::both;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const START: OffsetDateTime = datetime!(2026-03-01 00:00 UTC);
const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";

const SHOP_ZONE: &str = "$TTL 300\n\
    @ IN SOA ns1.oldhost.test. admin.shop.example. 7 3600 600 86400 300\n\
    @ IN NS ns1.oldhost.test.\n\
    www IN A 192.0.2.80\n";

fn alpha_key() -> SigningKey {
    SigningKey::from_bytes(&[9; 32])
}

fn meta(actor: &str, now: OffsetDateTime) -> Meta<'_> {
    Meta { actor, cl_trid: None, now }
}

fn ds() -> DsData {
    DsData {
        key_tag: 12345,
        alg: 13,
        digest_type: 2,
        digest: "2BB183AF5F22588179A53B0A98631FAD1A292118E0A1E2C6AE1E1AE1E1A2B3C4".to_owned(),
    }
}

/// TLD `example` with apex servers ns1/ns2.nic.example; registrars alpha (with an escrow key)
/// and heir; alpha sponsors shop.example (signed), plain.example, bare.example (escrowed zone
/// without SOA) and raw.example, all on ns1.oldhost.test; alpha's deposit holds the zones of
/// shop.example and bare.example.
async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    let nameservers = ["ns1.nic.example", "ns2.nic.example"]
        .map(|name| ApexNameserver {
            name: name.to_owned(),
            addrs: vec!["192.0.2.53".parse().unwrap()],
        })
        .to_vec();
    let apex = ZoneApex::usual("example", nameservers, "hostmaster@nic.example");
    registry.set_zone_apex(&apex, START).await.unwrap();
    for id in ["alpha", "heir"] {
        let new = NewRegistrar {
            id: id.to_owned(),
            name: format!("{id} registrar"),
            password: format!("{id}-password-long-enough"),
            cert_fingerprints: vec!["ab".repeat(32)],
            email: None,
        };
        registry.add_registrar(&new, START).await.unwrap();
        registry.deposit(id, Account::Prepaid, 100_000, START).await.unwrap();
    }
    let pem = nameward_escrow::public_key_pem(&alpha_key().verifying_key()).unwrap();
    registry.set_escrow_key("alpha", &pem, START).await.unwrap();
    for (sponsor, host) in [("alpha", "ns1.oldhost.test"), ("heir", "ns1.newhost.test")] {
        let req = HostCreate { name: host.to_owned(), addrs: vec![] };
        registry.host_create(&meta(sponsor, START), &req).await.unwrap();
    }
    for name in ["shop.example", "plain.example", "bare.example", "raw.example"] {
        let req = DomainCreate {
            name: name.to_owned(),
            years: 1,
            ns: vec!["ns1.oldhost.test".to_owned()],
            auth_code: CODE.to_owned(),
            ds: if name == "shop.example" { vec![ds()] } else { vec![] },
            ..DomainCreate::default()
        };
        registry.domain_create(&meta("alpha", START), &req).await.unwrap();
    }
    let escrowed = |name: &str| Domain {
        name: name.to_owned(),
        registrant: None,
        customer: Some("holder".to_owned()),
        admin: None,
        tech: None,
        reseller: None,
        privacy: false,
        expires: datetime!(2027-03-01 00:00 UTC),
        nameservers: vec!["ns1.oldhost.test".to_owned()],
    };
    let later = START + Duration::days(1);
    let deposit = DepositBuilder::new("alpha", "alpha-full-1", DepositKind::Full, later)
        .customer(Customer {
            id: "holder".to_owned(),
            name: "Holder".to_owned(),
            email: "holder@example.org".to_owned(),
            balance: 0,
            currency: "USD".to_owned(),
            reseller: None,
        })
        .domain(escrowed("shop.example"))
        .domain(escrowed("bare.example"))
        .zone("shop.example", SHOP_ZONE)
        .zone("bare.example", "$TTL 300\nwww IN A 192.0.2.1\n")
        .build(&alpha_key(), true)
        .unwrap();
    registry.import_escrow("alpha", &deposit, &Limits::default(), later).await.unwrap();
    // A zone the deposit reader would have refused, as if stored by an older import.
    let mut tx = registry.store().begin().await.unwrap();
    let raw = HostedZone {
        domain: "raw.example".to_owned(),
        text: "$TTL 300\n@ IN SOA a b 1 2 3 4 5\nwww IN A 300.1.1.1\n".to_owned(),
        records: 2,
    };
    tx.put_escrow_zones("alpha", "alpha-full-1", &[raw]).await.unwrap();
    tx.commit().await.unwrap();
    registry
}

async fn history(registry: &Registry, name: &str) -> Vec<HistoryEntry> {
    let mut tx = registry.store().begin_read().await.unwrap();
    let entries = tx.history(ObjectKind::Domain, name).await.unwrap();
    tx.rollback().await.unwrap();
    entries
}

/// The lines of the TLD zone about `name`.
async fn delegation(registry: &Registry, name: &str) -> Vec<String> {
    let (_, records) = registry.tld_zone("example").await.unwrap();
    let owner = format!("{name}.");
    records
        .iter()
        .map(ToString::to_string)
        .filter(|line| line.split(' ').next() == Some(owner.as_str()))
        .collect()
}

fn refusal(error: ServiceError) -> Refusal {
    match error {
        ServiceError::Refused(refusal) => refusal,
        other => panic!("expected a refusal, got {other}"),
    }
}

#[tokio::test]
async fn a_switch_is_refused_without_a_failed_sponsor_or_a_servable_escrowed_zone() {
    both(|store| async move {
        let registry = registry(store).await;
        let now = START + Duration::days(2);
        let serial = registry.zone_serial("example").await.unwrap();

        let error = registry.switch_to_continuity_dns("shop.example", now).await.unwrap_err();
        assert_eq!(error.epp_code(), 2304);
        assert!(error.to_string().contains("alpha is ACTIVE"), "{error}");

        registry.declare_failed("alpha", "insolvency", now).await.unwrap();
        let error = registry.switch_to_continuity_dns("plain.example", now).await.unwrap_err();
        assert_eq!(error.epp_code(), 2303);
        assert!(error.to_string().contains("hosted zone of plain.example"), "{error}");
        let error = registry.switch_to_continuity_dns("bare.example", now).await.unwrap_err();
        assert_eq!(error.epp_code(), 2306);
        assert!(error.to_string().contains("SOA"), "{error}");
        let error =
            refusal(registry.switch_to_continuity_dns("raw.example", now).await.unwrap_err());
        assert!(error.to_string().contains("escrowed zone raw.example:3"), "{error}");
        let error = registry.switch_to_continuity_dns("none.example", now).await.unwrap_err();
        assert_eq!(error.epp_code(), 2303);

        // Nothing was written by any refusal.
        assert_eq!(registry.zone_serial("example").await.unwrap(), serial);
        for name in ["shop.example", "plain.example", "bare.example", "raw.example"] {
            assert_eq!(registry.continuity_dns(name).await.unwrap(), None);
        }
        assert!(registry.continuity_dns_zones("example").await.unwrap().1.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_switched_name_is_delegated_to_the_registry_without_ds_and_its_zone_is_served() {
    both(|store| async move {
        let registry = registry(store).await;
        let now = START + Duration::days(2);
        assert_eq!(
            delegation(&registry, "shop.example").await,
            [
                "shop.example. 3600 IN NS ns1.oldhost.test.",
                "shop.example. 3600 IN DS 12345 13 2 \
                 2bb183af5f22588179a53b0a98631fad1a292118e0a1e2c6ae1e1ae1e1a2b3c4",
            ]
        );
        registry.declare_failed("alpha", "insolvency", now).await.unwrap();
        let serial = registry.zone_serial("example").await.unwrap();

        let done = registry.switch_to_continuity_dns("Shop.Example.", now).await.unwrap();
        let switched = done.value;
        assert_eq!(switched.nameservers, ["ns1.nic.example", "ns2.nic.example"]);
        assert!(!switched.refreshed);
        assert_eq!(switched.record.domain, "shop.example");
        assert_eq!(switched.record.escrow_registrar, "alpha");
        assert_eq!(switched.record.deposit_id, "alpha-full-1");
        assert_eq!(switched.record.switched_by, OPERATOR);
        assert_eq!(switched.record.case_id, None);
        assert!(registry.zone_serial("example").await.unwrap() > serial);

        assert_eq!(
            delegation(&registry, "shop.example").await,
            [
                "shop.example. 3600 IN NS ns1.nic.example.",
                "shop.example. 3600 IN NS ns2.nic.example."
            ]
        );
        // Only the switched name changes.
        assert_eq!(
            delegation(&registry, "plain.example").await,
            ["plain.example. 3600 IN NS ns1.oldhost.test."]
        );
        // The domain keeps its own NS and DS.
        let view = registry.domain_info(&meta(OPERATOR, now), "shop.example", None).await.unwrap();
        assert_eq!(view.domain.ns, ["ns1.oldhost.test"]);
        assert_eq!(view.domain.ds, [ds()]);

        let entries = history(&registry, "shop.example").await;
        let entry = entries.last().unwrap();
        assert_eq!(entry.action, "continuity_dns_switch");
        assert_eq!(entry.actor, OPERATOR);
        assert_eq!(entry.sv_trid, done.sv_trid);
        let reason = entry.reason.as_deref().unwrap();
        assert!(reason.contains("ns1.nic.example, ns2.nic.example"), "{reason}");
        assert!(reason.contains("alpha's escrow (deposit alpha-full-1)"), "{reason}");

        let (listed_serial, zones) = registry.continuity_dns_zones("example").await.unwrap();
        assert_eq!(listed_serial, registry.zone_serial("example").await.unwrap());
        assert_eq!(zones.len(), 1);
        let served: Vec<String> = zones[0]
            .served
            .as_ref()
            .unwrap()
            .iter()
            .map(|entry| entry.record.to_string())
            .collect();
        assert!(served.contains(&"www.shop.example. 300 IN A 192.0.2.80".to_owned()));
        assert!(served.contains(&"shop.example. 300 IN NS ns1.nic.example.".to_owned()));
        assert!(!served.iter().any(|line| line.contains("NS ns1.oldhost.test.")), "{served:?}");

        // Switching again takes the escrow's zone anew and says so.
        let again = registry.switch_to_continuity_dns("shop.example", now).await.unwrap();
        assert!(again.value.refreshed);

        // On hold, the name is neither delegated nor served, and comes back after.
        let hold = DomainUpdate {
            add_statuses: vec![DomainStatus::ServerHold],
            ..DomainUpdate::default()
        };
        registry.domain_update(&meta(OPERATOR, now), "shop.example", &hold).await.unwrap();
        assert!(delegation(&registry, "shop.example").await.is_empty());
        assert!(registry.continuity_dns_zones("example").await.unwrap().1.is_empty());
        let unhold = DomainUpdate {
            rem_statuses: vec![DomainStatus::ServerHold],
            ..DomainUpdate::default()
        };
        registry.domain_update(&meta(OPERATOR, now), "shop.example", &unhold).await.unwrap();
        assert_eq!(registry.continuity_dns_zones("example").await.unwrap().1.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_override_stays_through_a_bulk_transfer_and_ends_when_the_new_sponsor_changes_ns() {
    both(|store| async move {
        let registry = registry(store).await;
        let now = START + Duration::days(2);
        registry.declare_failed("alpha", "insolvency", now).await.unwrap();
        registry.switch_to_continuity_dns("shop.example", now).await.unwrap();

        let later = now + Duration::days(1);
        let report =
            registry.bulk_transfer(&BulkTransfer::new("alpha", "heir"), later, |_| {}).await;
        assert_eq!(report.unwrap().moved.total(), 4);
        // The gaining registrar may not host the zone yet: the site stays up.
        assert!(registry.continuity_dns("shop.example").await.unwrap().is_some());
        assert_eq!(
            delegation(&registry, "shop.example").await,
            [
                "shop.example. 3600 IN NS ns1.nic.example.",
                "shop.example. 3600 IN NS ns2.nic.example."
            ]
        );
        // Now the sponsor is ACTIVE, a switch is refused.
        let error = registry.switch_to_continuity_dns("plain.example", later).await.unwrap_err();
        assert_eq!(error.epp_code(), 2304);

        // A change that leaves the NS alone keeps the override.
        let lock = DomainUpdate {
            add_statuses: vec![DomainStatus::ClientTransferProhibited],
            ..DomainUpdate::default()
        };
        registry.domain_update(&meta("heir", later), "shop.example", &lock).await.unwrap();
        assert!(registry.continuity_dns("shop.example").await.unwrap().is_some());

        // New name servers end it: the TLD zone publishes the domain's own NS and DS again.
        let serial = registry.zone_serial("example").await.unwrap();
        let repoint = DomainUpdate {
            add_ns: vec!["ns1.newhost.test".to_owned()],
            rem_ns: vec!["ns1.oldhost.test".to_owned()],
            ..DomainUpdate::default()
        };
        let done =
            registry.domain_update(&meta("heir", later), "shop.example", &repoint).await.unwrap();
        assert_eq!(registry.continuity_dns("shop.example").await.unwrap(), None);
        assert!(registry.zone_serial("example").await.unwrap() > serial);
        assert_eq!(
            delegation(&registry, "shop.example").await,
            [
                "shop.example. 3600 IN NS ns1.newhost.test.",
                "shop.example. 3600 IN DS 12345 13 2 \
                 2bb183af5f22588179a53b0a98631fad1a292118e0a1e2c6ae1e1ae1e1a2b3c4",
            ]
        );
        assert!(registry.continuity_dns_zones("example").await.unwrap().1.is_empty());
        let entries = history(&registry, "shop.example").await;
        let ended = entries.iter().find(|entry| entry.action == "continuity_dns_end").unwrap();
        assert_eq!(ended.actor, "heir");
        assert_eq!(ended.sv_trid, done.sv_trid);
        assert_eq!(ended.reason.as_deref(), Some("heir changed the name servers"));
    })
    .await;
}

#[tokio::test]
async fn the_operator_can_end_an_override() {
    both(|store| async move {
        let registry = registry(store).await;
        let now = START + Duration::days(2);
        registry.declare_failed("alpha", "insolvency", now).await.unwrap();
        registry.switch_to_continuity_dns("shop.example", now).await.unwrap();
        let ended = registry.end_continuity_dns("shop.example", "registrant asked", now).await;
        assert!(ended.unwrap().value);
        assert_eq!(
            delegation(&registry, "shop.example").await.first().map(String::as_str),
            Some("shop.example. 3600 IN NS ns1.oldhost.test.")
        );
        let again = registry.end_continuity_dns("shop.example", "twice", now).await.unwrap();
        assert!(!again.value);
        let entries = history(&registry, "shop.example").await;
        let actions: Vec<&str> = entries.iter().map(|entry| entry.action.as_str()).collect();
        assert_eq!(actions[actions.len() - 2..], ["continuity_dns_switch", "continuity_dns_end"]);
    })
    .await;
}
