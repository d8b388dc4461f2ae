//! The registry service on both engines: commands, ticks through a domain's life, and the zone
//! the database publishes — the paths the EPP server and `nameward registry` take.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use nameward_registry::lifecycle::domain::DomainCreate;
use nameward_registry::lifecycle::host::HostCreate;
use nameward_registry::model::{Account, DeletionPhase, TransferStatus};
use nameward_registry::policy::Policy;
use nameward_registry::publish::zone_text;
use nameward_registry::service::{Meta, NewRegistrar, Registry, TransferOp};
use nameward_registry::store::Store;
use nameward_registry::testing::{both, example_apex};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const START: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const CODE: &str = "k7Qm2ZpX9vRt4LcW8nBy3H";

async fn registry(store: Store) -> Registry {
    let registry = Registry::new(store);
    registry.add_tld(&Policy::default_for("example"), START).await.unwrap();
    let apex = example_apex();
    registry.set_zone_apex(&apex, START).await.unwrap();
    for id in ["alpha", "beta"] {
        let new = NewRegistrar {
            id: id.to_owned(),
            name: format!("{id} registrar"),
            password: format!("{id}-password-long-enough"),
            cert_fingerprints: vec!["ab".repeat(32)],
            email: None,
        };
        registry.add_registrar(&new, START).await.unwrap();
        registry.deposit(id, Account::Prepaid, 10_000, START).await.unwrap();
    }
    registry
}

fn meta(actor: &str, now: OffsetDateTime) -> Meta<'_> {
    Meta { actor, cl_trid: Some("test"), now }
}

async fn create(registry: &Registry, actor: &str, name: &str, ns: &[&str], now: OffsetDateTime) {
    let req = DomainCreate {
        name: name.to_owned(),
        years: 1,
        ns: ns.iter().map(|s| (*s).to_owned()).collect(),
        auth_code: CODE.to_owned(),
        ..DomainCreate::default()
    };
    registry.domain_create(&meta(actor, now), &req).await.unwrap();
}

#[tokio::test]
async fn login_checks_password_certificate_and_state() {
    both(|store| async move {
        let registry = registry(store).await;
        let good = "ab".repeat(32);
        assert!(registry.login("alpha", "alpha-password-long-enough", &good).await.is_ok());
        assert!(
            registry
                .login("alpha", "alpha-password-long-enough", &good.to_uppercase())
                .await
                .is_ok()
        );
        for (id, password, fingerprint) in [
            ("alpha", "wrong", good.as_str()),
            ("alpha", "alpha-password-long-enough", &"cd".repeat(32)),
            ("nobody", "alpha-password-long-enough", good.as_str()),
        ] {
            let error = registry.login(id, password, fingerprint).await.unwrap_err();
            assert_eq!(error.epp_code(), 2200, "{id} {password} {fingerprint}");
        }
    })
    .await;
}

#[tokio::test]
async fn a_year_of_life_through_ticks_and_the_zone() {
    both(|store| async move {
        let registry = registry(store).await;
        let alpha = meta("alpha", START);
        let host = HostCreate {
            name: "ns1.held.example".to_owned(),
            addrs: vec!["192.0.2.1".parse().unwrap()],
        };
        // A subordinate host needs its domain first.
        assert_eq!(registry.host_create(&alpha, &host).await.unwrap_err().epp_code(), 2303);
        create(&registry, "alpha", "held.example", &[], START).await;
        registry.host_create(&alpha, &host).await.unwrap();
        let serial_before = registry.zone_serial("example").await.unwrap();
        create(&registry, "alpha", "held2.example", &["ns1.held.example"], START).await;
        assert!(registry.zone_serial("example").await.unwrap() > serial_before);
        let (_, records) = registry.tld_zone("example").await.unwrap();
        let text = zone_text(&records);
        assert!(text.contains("held2.example. 3600 IN NS ns1.held.example."), "{text}");
        // held.example is not delegated, so its host's address is not published as glue.
        assert!(!text.contains("ns1.held.example. 3600 IN A"), "{text}");
        assert_eq!(registry.balance("alpha", Account::Prepaid).await.unwrap(), 10_000 - 2 * 1000);

        // Transfer held2 to beta; the registry approves it after five days.
        let beta = meta("beta", START + Duration::days(10));
        let done = registry
            .domain_transfer(&beta, "held2.example", TransferOp::Request, Some(CODE), None)
            .await
            .unwrap();
        assert_eq!(done.value.0.status, TransferStatus::Pending);
        let report = registry.tick(START + Duration::days(16)).await.unwrap();
        assert_eq!(report.actions.get("transfer_auto_approve"), Some(&1), "{report:?}");
        let view = registry
            .domain_info(&meta("beta", START + Duration::days(16)), "held2.example", None)
            .await
            .unwrap();
        assert_eq!(view.domain.sponsor, "beta");
        assert_eq!(view.domain.expires_at, datetime!(2028-03-01 12:00 UTC));

        // A year on, alpha's remaining domain is renewed by the registry.
        let year = START + Duration::days(366);
        registry.tick(year).await.unwrap();
        let again = registry.tick(year).await.unwrap();
        assert_eq!(again.total(), 0, "a second tick at the same instant does nothing");
        let view = registry.domain_info(&meta("alpha", year), "held.example", None).await.unwrap();
        assert_eq!(view.domain.expires_at, datetime!(2028-03-01 12:00 UTC));
        assert_eq!(registry.balance("alpha", Account::Prepaid).await.unwrap(), 10_000 - 3 * 1000);

        // beta deletes held2: redemption, then pendingDelete, then it is gone.
        let deleted = registry.domain_delete(&meta("beta", year), "held2.example").await.unwrap();
        assert_eq!(deleted.value.unwrap().deletion.unwrap().phase, DeletionPhase::Redemption);
        let (_, records) = registry.tld_zone("example").await.unwrap();
        assert!(!zone_text(&records).contains("held2.example"), "a deleted domain leaves the zone");
        registry.tick(year + Duration::days(36)).await.unwrap();
        let gone = registry
            .domain_info(&meta("beta", year + Duration::days(36)), "held2.example", None)
            .await;
        assert_eq!(gone.unwrap_err().epp_code(), 2303);
        let history = registry
            .store()
            .begin_read()
            .await
            .unwrap()
            .history(nameward_registry::model::ObjectKind::Domain, "held2.example")
            .await
            .unwrap();
        let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
        assert_eq!(actions.first(), Some(&"create"));
        assert_eq!(actions.last(), Some(&"purge"), "{actions:?}");
    })
    .await;
}

#[tokio::test]
async fn billing_failure_leaves_nothing_behind() {
    both(|store| async move {
        let registry = registry(store).await;
        registry.deposit("alpha", Account::Prepaid, -9_500, START).await.unwrap();
        let req =
            DomainCreate { name: "costly.example".to_owned(), years: 1, ..DomainCreate::default() };
        let error = registry.domain_create(&meta("alpha", START), &req).await.unwrap_err();
        assert_eq!(error.epp_code(), 2104, "{error}");
        let check = registry.check_domains(&["costly.example".to_owned()]).await.unwrap();
        assert!(check[0].available, "the failed create left no domain behind");
        assert_eq!(registry.balance("alpha", Account::Prepaid).await.unwrap(), 500);
    })
    .await;
}

#[tokio::test]
async fn check_answers_each_name_in_order() {
    both(|store| async move {
        let registry = registry(store).await;
        create(&registry, "alpha", "taken.example", &[], START).await;
        // More names than one lookup batch, so the batching is crossed.
        let mut names: Vec<String> = vec![
            "TAKEN.example".to_owned(),
            "free.example".to_owned(),
            "taken.example".to_owned(),
            "nowhere.test".to_owned(),
            "-bad-.example".to_owned(),
        ];
        names.extend((0..40).map(|n| format!("spare{n}.example")));
        names.push("taken.example.".to_owned());
        let check = registry.check_domains(&names).await.unwrap();
        assert_eq!(check.len(), names.len());
        for (answer, name) in check.iter().zip(&names) {
            assert_eq!(&answer.name, name, "answers keep the order and spelling asked");
        }
        let (taken_upper, free, taken, nowhere, bad) =
            (&check[0], &check[1], &check[2], &check[3], &check[4]);
        assert!(!taken_upper.available);
        assert_eq!(taken_upper.reason.as_deref(), Some("In use"));
        assert!(free.available && free.reason.is_none(), "{free:?}");
        assert_eq!(taken.reason.as_deref(), Some("In use"));
        assert!(!nowhere.available);
        assert!(nowhere.reason.as_deref().unwrap().contains("not a TLD"), "{nowhere:?}");
        assert!(!bad.available && bad.reason.is_some(), "{bad:?}");
        assert!(check[5..45].iter().all(|a| a.available), "the spares are free");
        assert!(!check[45].available, "a trailing dot does not make a taken name free");
        assert!(registry.check_domains(&[]).await.unwrap().is_empty());
    })
    .await;
}

/// Issue 14: A-labels that are no IDNA2008 label were registered and published; a U-label,
/// as some EPP clients send it, is registered under its A-label and found by either form.
#[tokio::test]
async fn idn_names_are_checked_and_u_labels_converted() {
    both(|store| async move {
        let registry = registry(store).await;
        create(&registry, "alpha", "B\u{fc}cher.example", &[], START).await;
        let info = registry.domain_info(&meta("alpha", START), "b\u{fc}cher.example", None).await;
        assert_eq!(info.unwrap().domain.name, "xn--bcher-kva.example");
        let info = registry.domain_info(&meta("alpha", START), "xn--bcher-kva.example", None).await;
        assert!(info.is_ok());
        let checks = registry
            .check_domains(&["b\u{fc}cher.example".to_owned(), "xn--ls8h.example".to_owned()])
            .await
            .unwrap();
        assert_eq!(checks.iter().filter(|c| c.reason.is_some()).count(), 2, "{checks:?}");
        for name in
            ["xn--zz.example", "xn--0.example", "xn--99999999999.example", "xn--ls8h.example"]
        {
            let req = DomainCreate {
                name: name.to_owned(),
                years: 1,
                auth_code: CODE.to_owned(),
                ..DomainCreate::default()
            };
            let error = registry.domain_create(&meta("alpha", START), &req).await.unwrap_err();
            assert_eq!(error.epp_code(), 2005, "{name}: {error}");
        }
        let (_, records) = registry.tld_zone("example").await.unwrap();
        assert!(!zone_text(&records).contains("xn--ls8h"));
    })
    .await;
}
