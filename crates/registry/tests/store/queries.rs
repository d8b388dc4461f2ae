//! The queries bulk work runs: due events, a sponsor's names page by page, a zone's
//! delegations and glue.

use std::collections::BTreeSet;

use nameward_registry::model::{Deletion, DeletionPhase, Domain, DomainStatus};
use nameward_registry::publish::{Delegation, Glue};

use crate::fixtures::{self, at_days, bare_domain};
use nameward_registry::testing::both;

#[tokio::test]
async fn due_domains_come_earliest_first() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let events = [
            ("d.test", Some(4)),
            ("a.test", Some(2)),
            ("b.test", None),
            ("c.test", Some(2)),
            ("e.test", Some(9)),
        ];
        for (name, day) in events {
            tx.insert_domain(&bare_domain(name, "r1"), day.map(at_days)).await.unwrap();
        }
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.domains_due(at_days(1), 10).await.unwrap(), Vec::<String>::new());
        assert_eq!(tx.domains_due(at_days(2), 10).await.unwrap(), ["a.test", "c.test"]);
        assert_eq!(tx.domains_due(at_days(5), 10).await.unwrap(), ["a.test", "c.test", "d.test"]);
        assert_eq!(tx.domains_due(at_days(100), 2).await.unwrap(), ["a.test", "c.test"]);
        // The engine handles a.test and moves its next event on.
        tx.update_domain(&bare_domain("a.test", "r1"), Some(at_days(50))).await.unwrap();
        tx.update_domain(&bare_domain("c.test", "r1"), None).await.unwrap();
        assert_eq!(tx.domains_due(at_days(100), 10).await.unwrap(), ["d.test", "e.test", "a.test"]);
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn a_sponsors_names_page_by_page() {
    const TOTAL: usize = 10_000;
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        for index in 0..TOTAL {
            tx.insert_domain(&bare_domain(&format!("name{index:05}.test"), "r1"), None)
                .await
                .unwrap();
        }
        for index in 0..7 {
            tx.insert_domain(&bare_domain(&format!("other{index}.test"), "r2"), None)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.count_domains_of("r1").await.unwrap(), TOTAL as u64);
        assert_eq!(tx.count_domains_of("nobody").await.unwrap(), 0);
        assert_eq!(
            tx.count_domains_by_sponsor().await.unwrap(),
            [("r1".to_owned(), TOTAL as u64), ("r2".to_owned(), 7)]
        );
        let mut seen = Vec::with_capacity(TOTAL);
        let mut after: Option<String> = None;
        loop {
            let page = tx.domains_of("r1", after.as_deref(), 999).await.unwrap();
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 999);
            after = page.last().cloned();
            seen.extend(page);
        }
        assert_eq!(seen.len(), TOTAL);
        let expected: Vec<String> =
            (0..TOTAL).map(|index| format!("name{index:05}.test")).collect();
        assert_eq!(seen, expected);
        assert_eq!(
            tx.domains_of("r2", Some("other4.test"), 10).await.unwrap(),
            ["other5.test", "other6.test"]
        );
    })
    .await;
}

#[tokio::test]
async fn a_zone_publishes_its_delegations_and_glue() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let full = fixtures::insert_full_domain(&mut tx, "rao.test", None).await;
        // The full fixture is in redemption: take it out so it is published.
        let full = Domain { deletion: None, ..full };
        tx.update_domain(&full, None).await.unwrap();
        let delegated = |name: &str| Domain {
            ns: vec!["ns.dns.example".to_owned()],
            ..bare_domain(name, "r1")
        };
        tx.insert_domain(&delegated("b.test"), None).await.unwrap();
        tx.insert_domain(&delegated("c.test"), None).await.unwrap();
        tx.insert_domain(&bare_domain("undelegated.test", "r1"), None).await.unwrap();
        let held = Domain {
            statuses: BTreeSet::from([DomainStatus::ServerHold]),
            ..delegated("held.test")
        };
        tx.insert_domain(&held, None).await.unwrap();
        let deleted = Domain {
            deletion: Some(Deletion {
                phase: DeletionPhase::PendingDelete,
                phase_ends: at_days(3),
                requested_at: at_days(-30),
            }),
            ..delegated("deleted.test")
        };
        tx.insert_domain(&deleted, None).await.unwrap();
        tx.insert_domain(&delegated("b.other"), None).await.unwrap();
        // Glue under a held domain stays out with its domain.
        tx.insert_host(&fixtures::host("ns1.held.test", "r1", Some("held.test"))).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        let (all, last) = tx.delegations("test", None, 100).await.unwrap();
        assert_eq!(last.as_deref(), Some("rao.test"));
        let names: Vec<&str> = all.iter().map(|delegation| delegation.name.as_str()).collect();
        assert_eq!(names, ["b.test", "c.test", "rao.test"]);
        assert_eq!(
            all.get(2),
            Some(&Delegation {
                name: "rao.test".to_owned(),
                ns: full.ns.clone(),
                ds: full.ds.clone()
            })
        );
        let (first, last) = tx.delegations("test", None, 2).await.unwrap();
        assert_eq!((first.len(), last.as_deref()), (2, Some("c.test")));
        let (rest, _) = tx.delegations("test", Some("c.test"), 2).await.unwrap();
        assert_eq!(rest.len(), 1);
        // The name servers come in the domain's order, not the database's.
        assert_eq!(rest.first().map(|d| d.ns.clone()), Some(full.ns.clone()));
        assert_eq!(tx.delegations("test", Some("rao.test"), 2).await.unwrap(), (vec![], None));
        assert_eq!(tx.delegations("other", None, 100).await.unwrap().0.len(), 1);
        assert_eq!(
            tx.glue("test", None, 100).await.unwrap(),
            [Glue {
                name: "ns1.rao.test".to_owned(),
                addrs: fixtures::host("ns1.rao.test", "r1", Some("rao.test")).addrs
            }]
        );
        assert_eq!(tx.glue("test", Some("ns1.rao.test"), 100).await.unwrap(), []);
        assert_eq!(tx.glue("other", None, 100).await.unwrap(), []);
    })
    .await;
}

#[tokio::test]
async fn a_bulk_insert_reads_back_as_single_inserts_do() {
    both(|store| async move {
        fixtures::seed(&store).await;
        // A delegated name with an in-bailiwick name server (its host goes in with it), one
        // with an external name server only, and one with none.
        let full = Domain { deletion: None, ..fixtures::full_domain("rao.test", "r1") };
        let external =
            Domain { ns: vec!["ns.dns.example".to_owned()], ..bare_domain("b.test", "r1") };
        let bare = bare_domain("c.test", "r1");
        let glue = fixtures::host("ns1.rao.test", "r1", Some("rao.test"));
        let rows: Vec<_> = [&full, &external, &bare]
            .into_iter()
            .map(|domain| (domain.clone(), Some(at_days(300))))
            .collect();
        let mut tx = store.begin().await.unwrap();
        tx.insert_domains(&rows, std::slice::from_ref(&glue)).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        for domain in [&full, &external, &bare] {
            assert_eq!(tx.get_domain(&domain.name).await.unwrap().as_ref(), Some(domain));
        }
        assert_eq!(tx.get_host("ns1.rao.test").await.unwrap(), Some(glue.clone()));
        let names: Vec<String> = tx
            .delegations("test", None, 100)
            .await
            .unwrap()
            .0
            .into_iter()
            .map(|d| d.name)
            .collect();
        assert_eq!(names, ["b.test", "rao.test"]);
        assert_eq!(
            tx.glue("test", None, 100).await.unwrap(),
            [Glue { name: glue.name.clone(), addrs: glue.addrs.clone() }]
        );
        assert_eq!(tx.domains_due(at_days(301), 10).await.unwrap().len(), 3);
        tx.rollback().await.unwrap();

        // A name server that does not exist refuses the whole batch.
        let lame =
            Domain { ns: vec!["ns.nowhere.example".to_owned()], ..bare_domain("d.test", "r1") };
        let mut tx = store.begin().await.unwrap();
        assert!(tx.insert_domains(&[(lame, None)], &[]).await.is_err());
    })
    .await;
}

#[tokio::test]
async fn rdap_searches_read_bounded_ranges() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        fixtures::insert_full_domain(&mut tx, "example.test", None).await;
        fixtures::insert_full_domain(&mut tx, "exact.other", None).await;
        for name in ["ex.test", "ey.test", "e.test", "examplex.test"] {
            tx.insert_domain(&bare_domain(name, "r2"), None).await.unwrap();
        }
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        let names = tx.domain_names_between("ex", "ex{", None, 10).await.unwrap();
        assert_eq!(names, ["ex.test", "exact.other", "example.test", "examplex.test"]);
        let names = tx.domain_names_between("ex", "ex{", Some("test"), 2).await.unwrap();
        assert_eq!(names, ["ex.test", "example.test"]);
        let exact = tx.domain_names_between("ex.test", "ex.test!", None, 10).await.unwrap();
        assert_eq!(exact, ["ex.test"]);
        let using = tx.domain_names_using_host("ns.dns.example", 10).await.unwrap();
        assert_eq!(using, ["exact.other", "example.test"]);
        assert_eq!(tx.domain_names_using_host("ns.dns.example", 1).await.unwrap().len(), 1);
        let glue = "192.0.2.1".parse().unwrap();
        assert_eq!(
            tx.host_names_with_addr(glue, 10).await.unwrap(),
            ["ns1.exact.other", "ns1.example.test"]
        );
        assert_eq!(
            tx.domain_names_using_addr("2001:db8::53".parse().unwrap(), 10).await.unwrap(),
            ["exact.other", "example.test"]
        );
        let near = "192.0.2.10".parse().unwrap();
        assert!(tx.host_names_with_addr(near, 10).await.unwrap().is_empty(), "no partial match");
        assert_eq!(
            tx.host_names_between("ns1", "ns1{", 10).await.unwrap(),
            ["ns1.exact.other", "ns1.example.test"]
        );
        let roid = fixtures::contact("c-reg", "r1").roid;
        assert_eq!(tx.contact_id_of_roid(&roid).await.unwrap().as_deref(), Some("c-reg"));
        assert_eq!(tx.contact_id_of_roid("NONE-TEST").await.unwrap(), None);
        tx.rollback().await.unwrap();
    })
    .await;
}
