//! The reads a registry data escrow deposit makes (a zone's domains and hosts, every contact,
//! a page at a time) and the record of deposits made.

use nameward_registry::store::{RdeDepositRecord, StoreError};
use nameward_registry::testing::both;

use crate::fixtures::{self, at_days, bare_domain, host};

#[tokio::test]
async fn a_deposit_reads_its_zone_page_by_page() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let a = fixtures::insert_full_domain(&mut tx, "a.test", None).await;
        tx.insert_domain(&bare_domain("b.test", "r2"), None).await.unwrap();
        tx.insert_domain(&bare_domain("c.test", "r1"), None).await.unwrap();
        tx.insert_domain(&bare_domain("other.zone", "r1"), None).await.unwrap();
        tx.insert_host(&host("ns1.other.zone", "r1", Some("other.zone"))).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        let first = tx.domain_page_in_zone("test", None, 2).await.unwrap();
        let names: Vec<&str> = first.iter().map(|domain| domain.name.as_str()).collect();
        assert_eq!(names, ["a.test", "b.test"], "every sponsor's, in name order");
        assert_eq!(first[0], a, "complete with links");
        let rest = tx.domain_page_in_zone("test", Some("b.test"), 2).await.unwrap();
        assert_eq!(rest.iter().map(|domain| domain.name.as_str()).collect::<Vec<_>>(), ["c.test"]);
        assert!(tx.domain_page_in_zone("test", Some("c.test"), 2).await.unwrap().is_empty());

        // Hosts below the zone's domains and hosts outside every domain; not those below
        // another zone's.
        let hosts = tx.host_page_for_zone("test", None, 10).await.unwrap();
        let names: Vec<&str> = hosts.iter().map(|host| host.name.as_str()).collect();
        assert_eq!(names, ["ns.dns.example", "ns1.a.test"]);
        let page = tx.host_page_for_zone("test", Some("ns.dns.example"), 1).await.unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page[0].name, "ns1.a.test");

        let contacts = tx.contact_page(None, 2).await.unwrap();
        let ids: Vec<&str> = contacts.iter().map(|contact| contact.id.as_str()).collect();
        assert_eq!(ids, ["c-adm", "c-reg"]);
        assert_eq!(contacts[0], fixtures::contact("c-adm", "r1"));
        let rest = tx.contact_page(Some("c-reg"), 2).await.unwrap();
        assert_eq!(rest.iter().map(|contact| contact.id.as_str()).collect::<Vec<_>>(), ["c-tech"]);
        tx.rollback().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn deposits_are_recorded_latest_first() {
    both(|store| async move {
        let record = |id: &str, day: i64| RdeDepositRecord {
            tld: "test".to_owned(),
            deposit_id: id.to_owned(),
            kind: "FULL".to_owned(),
            prev_id: None,
            resend: 0,
            watermark: at_days(day),
            domains: 3,
            hosts: 2,
            contacts: 1,
            registrars: 2,
            deletes: 0,
            files: format!("test_{id}.ryde test_{id}.sig"),
            made_at: at_days(day) + time::Duration::hours(1),
            change_mark: Some(day as u64 * 10),
        };
        let mut tx = store.begin().await.unwrap();
        tx.record_rde_deposit(&record("A", 1)).await.unwrap();
        tx.record_rde_deposit(&record("B", 8)).await.unwrap();
        let again = tx.record_rde_deposit(&record("A", 1)).await.unwrap_err();
        assert!(matches!(again, StoreError::Exists { .. }), "{again:?}");
        tx.rollback().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        tx.record_rde_deposit(&record("A", 1)).await.unwrap();
        tx.record_rde_deposit(&record("B", 8)).await.unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.rde_deposits("test").await.unwrap(), vec![record("B", 8), record("A", 1)]);
        assert!(tx.rde_deposits("other").await.unwrap().is_empty());
        tx.rollback().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn every_write_of_an_object_is_noted_for_the_next_diff() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let mark = tx.rde_change_mark().await.unwrap();
        tx.commit().await.unwrap();
        assert!(mark > 0, "seeding wrote registrars, contacts and a host");

        let mut tx = store.begin().await.unwrap();
        tx.insert_domain(&bare_domain("b.test", "r2"), None).await.unwrap();
        tx.insert_host(&host("ns1.b.test", "r2", Some("b.test"))).await.unwrap();
        tx.rename_host("ns1.b.test", "ns2.b.test").await.unwrap();
        tx.delete_contact("c-tech").await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let next = tx.rde_change_mark().await.unwrap();
        assert!(next > mark);
        let keys = |kind: &'static str| {
            let store = store.clone();
            async move {
                let mut tx = store.begin_read().await.unwrap();
                let keys = tx.rde_changed_keys(kind, mark, None, 100).await.unwrap();
                tx.rollback().await.unwrap();
                keys
            }
        };
        tx.rollback().await.unwrap();
        assert_eq!(keys("domain").await, ["b.test"]);
        assert_eq!(keys("host").await, ["ns1.b.test", "ns2.b.test"], "a rename notes both names");
        assert_eq!(keys("contact").await, ["c-tech"]);
        assert!(keys("registrar").await.is_empty());
        let mut tx = store.begin_read().await.unwrap();
        let page = tx.rde_changed_keys("host", mark, Some("ns1.b.test"), 100).await.unwrap();
        assert_eq!(page, ["ns2.b.test"], "paged by key");
        assert!(tx.rde_changed_keys("host", next, None, 100).await.unwrap().is_empty());
        tx.rollback().await.unwrap();

        // Recording a deposit with a mark lets the notes up to it go.
        let mut tx = store.begin().await.unwrap();
        tx.record_rde_deposit(&RdeDepositRecord {
            tld: "test".to_owned(),
            deposit_id: "M".to_owned(),
            kind: "FULL".to_owned(),
            prev_id: None,
            resend: 0,
            watermark: at_days(3),
            domains: 0,
            hosts: 0,
            contacts: 0,
            registrars: 0,
            deletes: 0,
            files: String::new(),
            made_at: at_days(3),
            change_mark: Some(mark),
        })
        .await
        .unwrap();
        assert!(tx.prune_rde_changes().await.unwrap() > 0);
        tx.commit().await.unwrap();
        let mut tx = store.begin_read().await.unwrap();
        let seeded = tx.rde_changed_keys("registrar", 0, None, 100).await.unwrap();
        assert!(seeded.is_empty(), "the seed's notes are gone: {seeded:?}");
        tx.rollback().await.unwrap();
        assert_eq!(keys("host").await, ["ns1.b.test", "ns2.b.test"], "later notes kept");
    })
    .await;
}
