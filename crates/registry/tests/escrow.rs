//! Registrar escrow at the registry on both engines: keys, full and incremental imports, the
//! reconciliation, refusals that leave every table as it was, the holder's e-mail, hosted
//! zones and the creditor inventory.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use nameward_escrow::{
    Contact, Customer, DepositBuilder, DepositKind, Domain, Limits, Reseller, SigningKey,
    public_key_pem,
};
use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::model::{Account, Charge, ChargeKind};
use nameward_registry::policy::Policy;
use nameward_registry::service::{
    EscrowRefusal, Meta, NewRegistrar, Registry, ServiceError, UnsponsoredName,
};
use nameward_registry::store::Store;
use nameward_registry::testing::both;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

fn alpha_key() -> SigningKey {
    SigningKey::from_bytes(&[3; 32])
}

/// A registry with TLD `example`, registrars alpha (with an escrow key) and beta, and names:
/// alpha sponsors shop.example (registrant `proxy1`, a privacy service's contact),
/// ravi.example (registrant `ravi`) and lost.example; beta sponsors beta.example.
async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    for id in ["alpha", "beta"] {
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
    let pem = public_key_pem(&alpha_key().verifying_key()).unwrap();
    registry.set_escrow_key("alpha", &pem, START).await.unwrap();
    contact(&registry, "alpha", "proxy1", "proxy@privacy.example").await;
    contact(&registry, "alpha", "ravi", "ravi@old-isp.example").await;
    contact(&registry, "beta", "bcontact", "b@beta.example").await;
    create(&registry, "alpha", "shop.example", "proxy1").await;
    create(&registry, "alpha", "ravi.example", "ravi").await;
    create(&registry, "alpha", "lost.example", "ravi").await;
    create(&registry, "beta", "beta.example", "bcontact").await;
    registry
}

async fn contact(registry: &Registry, sponsor: &str, id: &str, email: &str) {
    let req = nameward_registry::testing::new_contact(id, email);
    let meta = Meta { actor: sponsor, cl_trid: None, now: START };
    registry.contact_create(&meta, &req).await.unwrap();
}

async fn create(registry: &Registry, sponsor: &str, name: &str, registrant: &str) {
    let req = DomainCreate {
        name: name.to_owned(),
        years: 1,
        registrant: Some(registrant.to_owned()),
        auth_code: "k7Qm2ZpX9vRt4LcW8nBy3H".to_owned(),
        ..DomainCreate::default()
    };
    let meta = Meta { actor: sponsor, cl_trid: None, now: START };
    registry.domain_create(&meta, &req).await.unwrap();
}

fn escrow_contact(id: &str, email: &str, customer: Option<&str>) -> Contact {
    Contact {
        id: id.to_owned(),
        name: format!("Contact {id}"),
        org: None,
        street: vec!["1 Main St".to_owned()],
        city: "Pune".to_owned(),
        sp: None,
        pc: None,
        cc: "IN".to_owned(),
        voice: None,
        email: email.to_owned(),
        customer: customer.map(str::to_owned),
    }
}

fn escrow_domain(name: &str, registrant: &str, customer: &str, privacy: bool) -> Domain {
    Domain {
        name: name.to_owned(),
        registrant: Some(registrant.to_owned()),
        customer: Some(customer.to_owned()),
        admin: None,
        tech: None,
        reseller: None,
        privacy,
        expires: datetime!(2027-03-01 12:00 UTC),
        nameservers: vec!["ns1.host.example".to_owned()],
    }
}

fn customer(id: &str, email: &str, balance: i64, reseller: Option<&str>) -> Customer {
    Customer {
        id: id.to_owned(),
        name: format!("Customer {id}"),
        email: email.to_owned(),
        balance,
        currency: "USD".to_owned(),
        reseller: reseller.map(str::to_owned),
    }
}

/// alpha's full deposit: shop.example behind a proxy for customer asha, ravi.example with a
/// newer e-mail than the registry has, beta.example (which beta sponsors) and ghost.example
/// (not registered); lost.example is missing.
fn full_deposit(id: &str, watermark: OffsetDateTime) -> DepositBuilder {
    DepositBuilder::new("alpha", id, DepositKind::Full, watermark)
        .reseller(Reseller {
            id: "res1".to_owned(),
            name: "Reseller One".to_owned(),
            email: "res1@example.net".to_owned(),
            balance: 50_000,
            currency: "USD".to_owned(),
        })
        .customer(customer("asha", "asha@example.org", 1_200, Some("res1")))
        .customer(customer("ravi", "ravi@new-isp.example", 300, None))
        .customer(customer("owes", "owes@example.org", -75, None))
        .contact(escrow_contact("proxy1", "proxy@privacy.example", Some("asha")))
        .contact(escrow_contact("ravi", "ravi@new-isp.example", None))
        .domain(escrow_domain("shop.example", "proxy1", "asha", true))
        .domain(escrow_domain("ravi.example", "ravi", "ravi", false))
        .domain(escrow_domain("beta.example", "ravi", "ravi", false))
        .domain(escrow_domain("ghost.example", "ravi", "ravi", false))
        .zone("shop.example", "$TTL 300\n@ IN NS ns1.host.example.\nwww IN A 192.0.2.80\n")
}

async fn counts(registry: &Registry) -> Vec<(String, u64)> {
    registry.store().row_counts().await.unwrap()
}

fn refusal(error: ServiceError) -> EscrowRefusal {
    match error {
        ServiceError::Escrow(refusal) => refusal,
        other => panic!("expected an escrow refusal, got {other}"),
    }
}

#[tokio::test]
async fn a_full_then_an_incremental_deposit_and_the_reconciliation() {
    both(|store| async move {
        let registry = registry(store).await;
        let limits = Limits::default();
        let bytes =
            full_deposit("full-1", START + Duration::days(1)).build(&alpha_key(), true).unwrap();
        let done = registry
            .import_escrow("alpha", &bytes, &limits, START + Duration::days(1))
            .await
            .unwrap();
        let import = done.value;
        assert_eq!(import.deposit.domains, 4);
        assert_eq!(import.deposit.customers, 3);
        assert_eq!(import.deposit.zones, 1);
        let report = import.reconciliation;
        assert_eq!(report.missing_from_escrow, ["lost.example"]);
        assert_eq!(
            report.not_sponsored,
            [
                UnsponsoredName {
                    name: "beta.example".to_owned(),
                    sponsor: Some("beta".to_owned())
                },
                UnsponsoredName { name: "ghost.example".to_owned(), sponsor: None },
            ]
        );
        // shop.example's customer asha buys through reseller res1: the import links it.
        let linked: Vec<_> = report
            .resellers_linked
            .iter()
            .map(|link| (link.domain.as_str(), link.registry.as_deref(), link.escrow.as_deref()))
            .collect();
        assert_eq!(linked, [("shop.example", None, Some("res1"))]);
        // shop.example's registry registrant is the proxy, as in escrow: no difference.
        assert_eq!(report.email_differences.len(), 1, "{report:?}");
        let difference = &report.email_differences[0];
        assert_eq!(difference.domain, "ravi.example");
        assert_eq!(difference.registry, "ravi@old-isp.example");
        assert_eq!(difference.escrow.as_deref(), Some("ravi@new-isp.example"));

        // The holder behind the proxy, not the proxy, is who to write to; the escrow's
        // customer before the registry's stale contact; the registry's contact for a name
        // the escrow lacks.
        assert_eq!(
            registry.holder_address("shop.example").await.unwrap().as_deref(),
            Some("asha@example.org")
        );
        assert_eq!(
            registry.holder_address("RAVI.example.").await.unwrap().as_deref(),
            Some("ravi@new-isp.example")
        );
        assert_eq!(
            registry.holder_address("lost.example").await.unwrap().as_deref(),
            Some("ravi@old-isp.example")
        );
        assert_eq!(registry.holder_address("unknown.example").await.unwrap(), None);
        let zone = registry.hosted_zone("shop.example").await.unwrap().unwrap();
        assert!(zone.contains("192.0.2.80"));
        assert_eq!(registry.hosted_zone("ravi.example").await.unwrap(), None);

        // An incremental deposit adds lost.example, updates a balance and a zone.
        let incr =
            DepositBuilder::new("alpha", "incr-1", DepositKind::Incr, START + Duration::days(2))
                .customer(customer("asha", "asha@example.org", 900, Some("res1")))
                .domain(escrow_domain("lost.example", "ravi", "ravi", false))
                .zone("shop.example", "$TTL 300\n@ IN NS ns1.host.example.\nwww IN A 192.0.2.81\n")
                .build(&alpha_key(), false)
                .unwrap();
        let done = registry
            .import_escrow("alpha", &incr, &limits, START + Duration::days(2))
            .await
            .unwrap();
        assert!(done.value.reconciliation.missing_from_escrow.is_empty());
        assert_eq!(done.value.reconciliation.email_differences.len(), 2);
        let customers = registry.escrow_customers("alpha").await.unwrap();
        assert_eq!(customers.len(), 3);
        assert_eq!(customers.iter().find(|c| c.id == "asha").unwrap().balance, 900);
        assert!(
            registry.hosted_zone("shop.example").await.unwrap().unwrap().contains("192.0.2.81")
        );
        assert_eq!(registry.escrow_resellers("alpha").await.unwrap().len(), 1);

        // A new full deposit replaces everything: ghost.example and the zone are gone.
        let full2 =
            DepositBuilder::new("alpha", "full-2", DepositKind::Full, START + Duration::days(3))
                .customer(customer("ravi", "ravi@new-isp.example", 10, None))
                .contact(escrow_contact("ravi", "ravi@new-isp.example", None))
                .domain(escrow_domain("ravi.example", "ravi", "ravi", false))
                .build(&alpha_key(), true)
                .unwrap();
        let done = registry
            .import_escrow("alpha", &full2, &limits, START + Duration::days(3))
            .await
            .unwrap();
        assert!(done.value.reconciliation.not_sponsored.is_empty());
        assert_eq!(registry.escrow_customers("alpha").await.unwrap().len(), 1);
        assert_eq!(registry.escrow_resellers("alpha").await.unwrap().len(), 0);
        assert_eq!(registry.hosted_zone("shop.example").await.unwrap(), None);
        assert_eq!(registry.escrow_deposits("alpha").await.unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn refused_deposits_leave_every_table_as_it_was() {
    both(|store| async move {
        let registry = registry(store).await;
        let limits = Limits::default();
        let at = START + Duration::days(1);
        let good = full_deposit("full-1", at).build(&alpha_key(), false).unwrap();
        registry.import_escrow("alpha", &good, &limits, at).await.unwrap();
        let before = counts(&registry).await;

        let later = START + Duration::days(5);
        let fresh = full_deposit("full-2", later);
        let bytes = fresh.build(&alpha_key(), false).unwrap();
        // Compressed, so that any flipped bit is caught (tar padding carries no data).
        let mut corrupt = fresh.build(&alpha_key(), true).unwrap();
        let middle = corrupt.len() / 3;
        corrupt[middle] ^= 0x55;
        let mut miscounted = fresh.unsealed().unwrap();
        miscounted.manifest.files.get_mut("domains.csv").unwrap().rows = 5;
        let miscounted = miscounted.seal(&alpha_key(), false).unwrap();
        let unsigned: Vec<_> = nameward_escrow::unpack(&bytes, &limits)
            .unwrap()
            .into_iter()
            .filter(|file| file.path != "manifest.sig")
            .collect();
        let unsigned = nameward_escrow::pack(&unsigned, false).unwrap();
        let other_key = fresh.build(&SigningKey::from_bytes(&[9; 32]), false).unwrap();
        let stale = full_deposit("full-0", START).build(&alpha_key(), false).unwrap();
        let orphan_incr = DepositBuilder::new("beta", "b-incr", DepositKind::Incr, later)
            .build(&alpha_key(), false)
            .unwrap();

        let cases: Vec<(&str, &str, Vec<u8>)> = vec![
            ("alpha", "corrupt", corrupt),
            ("alpha", "truncated", bytes[..bytes.len() / 2].to_vec()),
            ("alpha", "unsigned", unsigned),
            ("alpha", "wrongly signed", other_key),
            ("alpha", "count mismatch", miscounted),
            ("alpha", "replayed", good.clone()),
            ("alpha", "stale", stale),
            ("beta", "no key", bytes.clone()),
            ("alpha", "another registrar's", orphan_incr),
        ];
        for (registrar, what, bytes) in cases {
            let error =
                registry.import_escrow(registrar, &bytes, &limits, later).await.unwrap_err();
            let text = error.to_string();
            let refusal = refusal(error);
            match what {
                "replayed" => assert!(matches!(refusal, EscrowRefusal::Replayed(_)), "{text}"),
                "stale" => assert!(matches!(refusal, EscrowRefusal::Stale { .. }), "{text}"),
                "no key" => assert!(matches!(refusal, EscrowRefusal::NoKey(_)), "{text}"),
                "another registrar's" => {
                    assert!(matches!(refusal, EscrowRefusal::WrongRegistrar { .. }), "{text}");
                }
                "count mismatch" => {
                    assert_eq!(text, "domains.csv: 4 rows, but the manifest says 5")
                }
                _ => assert!(matches!(refusal, EscrowRefusal::Deposit(_)), "{what}: {text}"),
            }
            assert_eq!(counts(&registry).await, before, "{what} changed the tables");
        }

        // An incremental deposit needs a full one before it.
        registry
            .set_escrow_key("beta", &public_key_pem(&alpha_key().verifying_key()).unwrap(), later)
            .await
            .unwrap();
        let before = counts(&registry).await;
        let incr = DepositBuilder::new("beta", "b-incr", DepositKind::Incr, later)
            .build(&alpha_key(), false)
            .unwrap();
        let error = registry.import_escrow("beta", &incr, &limits, later).await.unwrap_err();
        assert!(matches!(refusal(error), EscrowRefusal::NoFull(_)));
        assert_eq!(counts(&registry).await, before);

        // And the good new deposit still imports after all that.
        registry.import_escrow("alpha", &bytes, &limits, later).await.unwrap();
        let error = registry.set_escrow_key("alpha", "not a key", later).await.unwrap_err();
        assert!(error.to_string().starts_with("escrow key: "), "{error}");
    })
    .await;
}

#[tokio::test]
async fn claims_list_every_creditor_and_the_registry_receivable() {
    both(|store| async move {
        let registry = registry(store).await;
        let empty = registry.claims("alpha").await.unwrap();
        assert!(empty.deposit.is_none() && empty.customers.is_empty());
        assert_eq!(empty.registry_receivable, 0);

        let at = START + Duration::days(1);
        let bytes = full_deposit("full-1", at).build(&alpha_key(), true).unwrap();
        registry.import_escrow("alpha", &bytes, &Limits::default(), at).await.unwrap();
        // Two renewals granted on credit after alpha failed.
        let mut tx = registry.store().begin().await.unwrap();
        for domain in ["shop.example", "ravi.example"] {
            tx.book(&Charge {
                registrar: "alpha".to_owned(),
                account: Account::Receivable,
                amount: -1_000,
                kind: ChargeKind::CreditRenewal,
                domain: Some(domain.to_owned()),
                years: 1,
                at,
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        let claims = registry.claims("alpha").await.unwrap();
        assert_eq!(claims.deposit.as_ref().unwrap().deposit_id, "full-1");
        assert_eq!(claims.customers.len(), 3);
        assert_eq!(claims.resellers.len(), 1);
        assert_eq!(claims.registry_receivable, 2_000);
        assert_eq!(claims.registry_currency.as_deref(), Some("USD"));
        // Positive balances only: the customer who owes alpha money is no creditor.
        assert_eq!(claims.owed_by_currency().get("USD"), Some(&(50_000 + 1_200 + 300)));
        assert!(registry.claims("nobody").await.is_err());
    })
    .await;
}

/// Issue 14: no path set a domain's reseller, so names held through resellers were never
/// counted, claimed for or moved. The import links each name to its reseller as the latest
/// deposit says (the domain's own, else its customer's), on the name's history; a later
/// deposit that shows it held directly unlinks it.
#[tokio::test]
async fn the_import_links_names_to_their_resellers() {
    both(|store| async move {
        let registry = registry(store).await;
        let limits = Limits::default();
        let day = |n: i64| START + Duration::days(n);
        let mut ravi = escrow_domain("ravi.example", "ravi", "ravi", false);
        ravi.reseller = Some("res1".to_owned());
        let bytes = DepositBuilder::new("alpha", "full-1", DepositKind::Full, day(1))
            .reseller(Reseller {
                id: "res1".to_owned(),
                name: "Reseller One".to_owned(),
                email: "res1@example.net".to_owned(),
                balance: 0,
                currency: "USD".to_owned(),
            })
            .customer(customer("asha", "asha@example.org", 0, Some("res1")))
            .customer(customer("ravi", "ravi@new-isp.example", 0, None))
            .contact(escrow_contact("proxy1", "proxy@privacy.example", Some("asha")))
            .contact(escrow_contact("ravi", "ravi@new-isp.example", None))
            .domain(escrow_domain("shop.example", "proxy1", "asha", true))
            .domain(ravi)
            .build(&alpha_key(), false)
            .unwrap();
        let import = registry.import_escrow("alpha", &bytes, &limits, day(1)).await.unwrap();
        let report = import.value.reconciliation;
        let links: Vec<_> = report
            .resellers_linked
            .iter()
            .map(|link| (link.domain.as_str(), link.escrow.as_deref(), link.listed))
            .collect();
        assert_eq!(
            links,
            [("ravi.example", Some("res1"), true), ("shop.example", Some("res1"), true)]
        );
        let meta = Meta { actor: "registry", cl_trid: None, now: day(1) };
        let reseller = |name: &'static str| {
            let registry = &registry;
            let meta = &meta;
            async move { registry.domain_info(meta, name, None).await.unwrap().domain.reseller }
        };
        assert_eq!(reseller("shop.example").await.as_deref(), Some("res1"));
        assert_eq!(reseller("ravi.example").await.as_deref(), Some("res1"));
        assert!(registry.reconcile_escrow("alpha").await.unwrap().resellers_linked.is_empty());
        let status = registry.continuity_status("alpha", day(1)).await.unwrap();
        assert_eq!(status.portfolio.via_reseller, 2);
        let claims = registry.claims("alpha").await.unwrap();
        assert_eq!(claims.reseller_names.get("res1"), Some(&2), "its own name and asha's");
        assert_eq!(claims.customer_names.get("asha"), Some(&1));

        // The next full deposit shows both held directly: unlinked.
        let direct = DepositBuilder::new("alpha", "full-2", DepositKind::Full, day(2))
            .customer(customer("asha", "asha@example.org", 0, None))
            .customer(customer("ravi", "ravi@new-isp.example", 0, None))
            .contact(escrow_contact("proxy1", "proxy@privacy.example", Some("asha")))
            .contact(escrow_contact("ravi", "ravi@new-isp.example", None))
            .domain(escrow_domain("shop.example", "proxy1", "asha", true))
            .domain(escrow_domain("ravi.example", "ravi", "ravi", false))
            .build(&alpha_key(), false)
            .unwrap();
        let import = registry.import_escrow("alpha", &direct, &limits, day(2)).await.unwrap();
        assert_eq!(import.value.reconciliation.resellers_linked.len(), 2);
        assert_eq!(reseller("shop.example").await, None);
        let mut tx = registry.store().begin_read().await.unwrap();
        let history =
            tx.history(nameward_registry::model::ObjectKind::Domain, "shop.example").await.unwrap();
        tx.rollback().await.unwrap();
        let links: Vec<_> =
            history.iter().filter(|entry| entry.action == "reseller_link").collect();
        assert_eq!(links.len(), 2, "linked, then unlinked, each on the history");
        assert_eq!(links[0].after.as_ref().unwrap()["reseller"], "res1");
    })
    .await;
}
