//! Every object goes in and comes back with every field intact.

use nameward_registry::model::{ContactStatus, DomainStatus, RegistrarState};
use nameward_registry::policy::Policy;
use nameward_registry::store::StoreError;

use crate::fixtures::{self, T0, at_days};
use nameward_registry::testing::both;

#[tokio::test]
async fn registrars_round_trip() {
    both(|store| async move {
        let mut tx = store.begin().await.unwrap();
        let mut first = fixtures::registrar("r1");
        tx.insert_registrar(&first).await.unwrap();
        let second = fixtures::registrar("r0");
        tx.insert_registrar(&second).await.unwrap();
        let bare = nameward_registry::model::Registrar {
            email: None,
            successor: None,
            cert_fingerprints: vec![],
            ..fixtures::registrar("r2")
        };
        tx.insert_registrar(&bare).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.get_registrar("r1").await.unwrap(), Some(first.clone()));
        assert_eq!(tx.get_registrar_for_update("r2").await.unwrap(), Some(bare.clone()));
        assert_eq!(tx.get_registrar("nobody").await.unwrap(), None);
        let all: Vec<String> = tx.registrars().await.unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(all, ["r0", "r1", "r2"]);

        tx.set_registrar_state("r1", RegistrarState::Failed).await.unwrap();
        tx.set_registrar_password("r1", "$argon2id$new").await.unwrap();
        tx.set_registrar_fingerprints("r1", &["ef".repeat(32)]).await.unwrap();
        first.state = RegistrarState::Failed;
        first.password_hash = "$argon2id$new".to_owned();
        first.cert_fingerprints = vec!["ef".repeat(32)];
        assert_eq!(tx.get_registrar("r1").await.unwrap(), Some(first.clone()));
        first.name = "Renamed".to_owned();
        first.successor = None;
        tx.update_registrar(&first).await.unwrap();
        assert!(matches!(
            tx.set_registrar_state("nobody", RegistrarState::Active).await,
            Err(StoreError::NotFound { kind: "registrar", .. })
        ));
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.get_registrar("r1").await.unwrap(), Some(first));
        drop(tx);

        let mut tx = store.begin().await.unwrap();
        let duplicate = tx.insert_registrar(&fixtures::registrar("r1")).await;
        assert!(
            matches!(duplicate, Err(StoreError::Exists { kind: "registrar", .. })),
            "{duplicate:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn contacts_hosts_and_domains_round_trip() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let domain = fixtures::insert_full_domain(&mut tx, "rao.test", Some(at_days(5))).await;
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.get_contact("c-reg").await.unwrap(), Some(fixtures::contact("c-reg", "r1")));
        assert_eq!(
            tx.get_contact_for_update("c-adm").await.unwrap(),
            Some(fixtures::contact("c-adm", "r1"))
        );
        assert_eq!(
            tx.get_host("ns1.rao.test").await.unwrap(),
            Some(fixtures::host("ns1.rao.test", "r1", Some("rao.test")))
        );
        assert_eq!(
            tx.get_host_for_update("ns.dns.example").await.unwrap(),
            Some(fixtures::host("ns.dns.example", "r1", None))
        );
        assert_eq!(tx.get_domain("rao.test").await.unwrap(), Some(domain.clone()));
        assert_eq!(tx.get_domain_for_update("rao.test").await.unwrap(), Some(domain.clone()));
        assert_eq!(tx.get_domain("nothing.test").await.unwrap(), None);
        assert!(tx.domain_exists("rao.test").await.unwrap());
        assert!(!tx.domain_exists("nothing.test").await.unwrap());
        assert!(tx.host_exists("ns1.rao.test").await.unwrap());
        assert!(tx.contact_exists("c-tech").await.unwrap());
        assert!(!tx.contact_exists("c-none").await.unwrap());

        // Change everything an update can change, links included.
        let mut contact = fixtures::contact("c-reg", "r1");
        contact.sponsor = "r2".to_owned();
        contact.postal.truncate(1);
        contact.voice = None;
        contact.statuses = [ContactStatus::ServerDeleteProhibited].into();
        contact.disclose = None;
        contact.stamps.touch("r2", at_days(9));
        tx.update_contact(&contact).await.unwrap();

        let mut host = fixtures::host("ns1.rao.test", "r1", Some("rao.test"));
        host.addrs = vec!["198.51.100.7".parse().unwrap()];
        host.statuses.clear();
        host.stamps.touch("r1", at_days(9));
        tx.update_host(&host).await.unwrap();

        let mut changed = domain.clone();
        changed.sponsor = "r2".to_owned();
        changed.reseller = None;
        changed.registrant = Some("c-adm".to_owned());
        changed.contacts.reverse();
        changed.ns.reverse();
        changed.ds.truncate(1);
        changed.max_sig_life = None;
        changed.statuses = [DomainStatus::ClientHold].into();
        changed.expires_at = at_days(730);
        changed.transferred_at = None;
        changed.auth = None;
        changed.grace.clear();
        changed.deletion = None;
        changed.transfer = None;
        changed.stamps.touch("r2", at_days(10));
        tx.update_domain(&changed, None).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.get_contact("c-reg").await.unwrap(), Some(contact));
        assert_eq!(tx.get_host("ns1.rao.test").await.unwrap(), Some(host));
        assert_eq!(tx.get_domain("rao.test").await.unwrap(), Some(changed));
    })
    .await;
}

#[tokio::test]
async fn policies_serials_and_settings_round_trip() {
    both(|store| async move {
        let mut tx = store.begin().await.unwrap();
        let mut policy = Policy::default_for("test");
        policy.create_price = 1234;
        policy.redemption_days = 40;
        tx.insert_tld(&policy).await.unwrap();
        tx.insert_tld(&Policy::default_for("other")).await.unwrap();
        assert!(matches!(
            tx.insert_tld(&policy).await,
            Err(StoreError::Exists { kind: "TLD", .. })
        ));
        tx.rollback().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        tx.insert_tld(&policy).await.unwrap();
        tx.insert_tld(&Policy::default_for("other")).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.tld("test").await.unwrap(), Some(policy.clone()));
        assert_eq!(tx.tld("none").await.unwrap(), None);
        policy.renew_price = 999;
        tx.update_tld(&policy).await.unwrap();
        let all: Vec<String> = tx.tlds().await.unwrap().into_iter().map(|p| p.tld).collect();
        assert_eq!(all, ["other", "test"]);

        assert_eq!(tx.serial("test").await.unwrap(), 0);
        assert_eq!(tx.bump_serial("test", &["a.test", "ns1.b.test", "a.test"]).await.unwrap(), 1);
        assert_eq!(tx.bump_serial("test", &[]).await.unwrap(), 2);
        assert_eq!(tx.serial("other").await.unwrap(), 0);
        assert!(matches!(
            tx.bump_serial("none", &["x.none"]).await,
            Err(StoreError::NotFound { .. })
        ));
        // Each serial's names, the apex for a change that named none; a gap means unknown.
        let names = |list: &[&str]| Some(list.iter().map(|n| (*n).to_owned()).collect());
        assert_eq!(tx.zone_changes("test", 0, 1).await.unwrap(), names(&["a.test", "ns1.b.test"]));
        assert_eq!(tx.zone_changes("test", 1, 2).await.unwrap(), names(&["test"]));
        assert_eq!(tx.zone_changes("test", 2, 2).await.unwrap(), names(&[]));
        assert_eq!(tx.zone_changes("test", 0, 3).await.unwrap(), None);
        assert_eq!(tx.zone_changes("other", 0, 1).await.unwrap(), None);
        assert_eq!(tx.forget_zone_changes("test", 1).await.unwrap(), 2);
        assert_eq!(tx.zone_changes("test", 0, 2).await.unwrap(), None);
        assert_eq!(tx.zone_changes("test", 1, 2).await.unwrap(), names(&["test"]));

        assert_eq!(tx.setting("greeting").await.unwrap(), None);
        tx.set_setting("greeting", "nameward").await.unwrap();
        tx.set_setting("greeting", "nameward registry").await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.tld("test").await.unwrap(), Some(policy));
        assert_eq!(tx.serial("test").await.unwrap(), 2);
        assert_eq!(tx.setting("greeting").await.unwrap().as_deref(), Some("nameward registry"));
        assert!(matches!(
            tx.bump_serial("test", &["a.test"]).await,
            Err(StoreError::ReadOnly { operation: "bump_serial" })
        ));
        assert_eq!(T0.unix_timestamp(), fixtures::T0.unix_timestamp());
    })
    .await;
}
