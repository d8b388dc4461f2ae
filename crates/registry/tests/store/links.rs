//! Linked-object integrity: the relation tables answer "is it linked" and the database refuses
//! to delete what a domain still uses.

use nameward_registry::model::Domain;
use nameward_registry::store::StoreError;

use crate::fixtures::{self, bare_domain};
use nameward_registry::testing::both;

#[tokio::test]
async fn linked_objects_cannot_be_deleted() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        assert!(!tx.contact_is_linked("c-reg").await.unwrap());
        assert!(!tx.host_is_linked("ns.dns.example").await.unwrap());
        let domain = fixtures::insert_full_domain(&mut tx, "rao.test", None).await;
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        for contact in ["c-reg", "c-adm", "c-tech"] {
            assert!(tx.contact_is_linked(contact).await.unwrap(), "{contact}");
        }
        assert!(tx.host_is_linked("ns.dns.example").await.unwrap());
        assert!(tx.host_is_linked("ns1.rao.test").await.unwrap());
        assert_eq!(tx.hosts_subordinate_to("rao.test").await.unwrap(), ["ns1.rao.test"]);
        assert_eq!(tx.hosts_subordinate_to("other.test").await.unwrap(), Vec::<String>::new());
        let refused = tx.delete_contact("c-reg").await;
        assert!(matches!(refused, Err(StoreError::Linked { kind: "contact", .. })), "{refused:?}");
        tx.rollback().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let refused = tx.delete_host("ns.dns.example").await;
        assert!(matches!(refused, Err(StoreError::Linked { kind: "host", .. })), "{refused:?}");
        tx.rollback().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        let refused = tx.delete_domain("rao.test").await;
        assert!(matches!(refused, Err(StoreError::Linked { kind: "domain", .. })), "{refused:?}");
        tx.rollback().await.unwrap();

        // Unlink, then everything can go.
        let mut tx = store.begin().await.unwrap();
        let unlinked = Domain { ns: vec![], registrant: None, contacts: vec![], ..domain.clone() };
        tx.update_domain(&unlinked, None).await.unwrap();
        assert!(!tx.host_is_linked("ns.dns.example").await.unwrap());
        assert!(!tx.contact_is_linked("c-reg").await.unwrap());
        tx.delete_host("ns.dns.example").await.unwrap();
        tx.delete_contact("c-reg").await.unwrap();
        tx.delete_host("ns1.rao.test").await.unwrap();
        tx.delete_domain("rao.test").await.unwrap();
        assert!(matches!(tx.delete_domain("rao.test").await, Err(StoreError::NotFound { .. })));
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_renamed_host_stays_delegated_to() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let domain =
            Domain { ns: vec!["ns.dns.example".to_owned()], ..bare_domain("a.test", "r1") };
        tx.insert_domain(&domain, None).await.unwrap();
        tx.rename_host("ns.dns.example", "ns2.dns.example").await.unwrap();
        let loaded = tx.get_domain("a.test").await.unwrap().unwrap();
        assert_eq!(loaded.ns, ["ns2.dns.example"]);
        assert!(tx.host_is_linked("ns2.dns.example").await.unwrap());
        assert!(!tx.host_exists("ns.dns.example").await.unwrap());
        tx.insert_host(&fixtures::host("ns3.dns.example", "r1", None)).await.unwrap();
        let taken = tx.rename_host("ns2.dns.example", "ns3.dns.example").await;
        assert!(matches!(taken, Err(StoreError::Exists { kind: "host", .. })), "{taken:?}");
    })
    .await;
}

#[tokio::test]
async fn writes_naming_missing_objects_are_refused() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let cases = [
            Domain { ns: vec!["ns.nowhere.example".to_owned()], ..bare_domain("a.test", "r1") },
            Domain { registrant: Some("c-none".to_owned()), ..bare_domain("a.test", "r1") },
            bare_domain("a.test", "no-such-registrar"),
        ];
        for domain in cases {
            let mut tx = store.begin().await.unwrap();
            let refused = tx.insert_domain(&domain, None).await;
            assert!(matches!(refused, Err(StoreError::MissingReference { .. })), "{refused:?}");
            // The transaction is spent on both engines alike.
            assert!(matches!(tx.domain_exists("a.test").await, Err(StoreError::Aborted { .. })));
            assert!(matches!(tx.commit().await, Err(StoreError::Aborted { .. })));
        }
        let mut tx = store.begin().await.unwrap();
        let twice = Domain {
            ns: vec!["ns.dns.example".to_owned(), "ns.dns.example".to_owned()],
            ..bare_domain("a.test", "r1")
        };
        assert!(matches!(tx.insert_domain(&twice, None).await, Err(StoreError::Invalid { .. })));
        let orphan = fixtures::host("ns1.none.test", "r1", Some("none.test"));
        assert!(matches!(tx.insert_host(&orphan).await, Err(StoreError::MissingReference { .. })));
        tx.rollback().await.unwrap();
        let mut tx = store.begin_read().await.unwrap();
        assert!(!tx.domain_exists("a.test").await.unwrap());
    })
    .await;
}
