//! History, the poll queue, the transaction log and id sources.

use std::collections::BTreeSet;

use nameward_registry::model::{HistoryEntry, ObjectKind, PollBody, PollMessage, TransferStatus};
use nameward_registry::store::{PollHead, StoreError, TransactionRecord};

use crate::fixtures::{self, T0, at_days};
use nameward_registry::testing::both;

fn message(registrar: &str, body: PollBody) -> PollMessage {
    PollMessage {
        registrar: registrar.to_owned(),
        at: T0,
        text: "Something happened".to_owned(),
        body,
    }
}

#[tokio::test]
async fn history_is_kept_per_object_in_order() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        let create = HistoryEntry {
            at: T0,
            actor: "r1".to_owned(),
            cl_trid: Some("ABC-1".to_owned()),
            sv_trid: tx.next_sv_trid(),
            object: ObjectKind::Domain,
            object_id: "a.test".to_owned(),
            action: "create".to_owned(),
            reason: None,
            before: None,
            after: Some(serde_json::json!({"name": "a.test", "years": 1, "ns": ["x", "y"]})),
        };
        let purge = HistoryEntry {
            at: at_days(400),
            actor: "registry".to_owned(),
            cl_trid: None,
            sv_trid: tx.next_sv_trid(),
            action: "purge".to_owned(),
            reason: Some("deletion ran its course".to_owned()),
            before: create.after.clone(),
            after: None,
            ..create.clone()
        };
        let first = tx.record(&create).await.unwrap();
        let other = HistoryEntry { object: ObjectKind::Host, ..create.clone() };
        tx.record(&other).await.unwrap();
        let last = tx.record(&purge).await.unwrap();
        assert!(last > first);
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.history(ObjectKind::Domain, "a.test").await.unwrap(), [create, purge]);
        assert_eq!(tx.history(ObjectKind::Host, "a.test").await.unwrap(), [other]);
        assert_eq!(tx.history(ObjectKind::Contact, "a.test").await.unwrap(), []);
    })
    .await;
}

#[tokio::test]
async fn poll_queues_deliver_in_order_and_ack_only_their_own() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let bodies = [
            PollBody::Transfer {
                domain: "a.test".to_owned(),
                status: TransferStatus::Pending,
                gaining: "r2".to_owned(),
                losing: "r1".to_owned(),
                requested_at: T0,
                action_at: at_days(5),
                expires_at: at_days(365),
            },
            PollBody::AutoRenew { domain: "b.test".to_owned(), expires_at: at_days(730) },
            PollBody::Purged { domain: "c.test".to_owned() },
        ];
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.poll_head("r1").await.unwrap(), None);
        let mut ids = Vec::new();
        for body in &bodies {
            ids.push(tx.enqueue(&message("r1", body.clone())).await.unwrap());
        }
        let theirs = tx
            .enqueue(&message("r2", PollBody::System { text: "hello".to_owned() }))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");

        let mut tx = store.begin().await.unwrap();
        let head = tx.poll_head("r1").await.unwrap().unwrap();
        assert_eq!(
            head,
            PollHead { count: 3, id: ids[0], message: message("r1", bodies[0].clone()) }
        );
        let wrong = tx.ack("r1", theirs).await;
        assert!(matches!(wrong, Err(StoreError::NoSuchMessage { .. })), "{wrong:?}");
        let unknown = tx.ack("r1", 987_654_321).await;
        assert!(matches!(unknown, Err(StoreError::NoSuchMessage { .. })), "{unknown:?}");
        assert_eq!(tx.ack("r1", ids[0]).await.unwrap(), 2);
        let again = tx.ack("r1", ids[0]).await;
        assert!(matches!(again, Err(StoreError::NoSuchMessage { .. })), "{again:?}");
        let head = tx.poll_head("r1").await.unwrap().unwrap();
        assert_eq!((head.count, head.id, head.message.body), (2, ids[1], bodies[1].clone()));
        assert_eq!(tx.ack("r1", ids[1]).await.unwrap(), 1);
        assert_eq!(tx.ack("r1", ids[2]).await.unwrap(), 0);
        assert_eq!(tx.poll_head("r1").await.unwrap(), None);
        // Acked ids never come back.
        let next = tx
            .enqueue(&message("r1", PollBody::System { text: "later".to_owned() }))
            .await
            .unwrap();
        assert!(next > theirs && next > ids[2]);
        assert_eq!(
            tx.poll_head("r2").await.unwrap().map(|head| (head.count, head.id)),
            Some((1, theirs))
        );
        tx.commit().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn the_transaction_log_recognises_replays() {
    both(|store| async move {
        let mut tx = store.begin().await.unwrap();
        let record = TransactionRecord {
            sv_trid: tx.next_sv_trid(),
            registrar: "r1".to_owned(),
            cl_trid: Some("ABC-12345".to_owned()),
            command: "domain:create".to_owned(),
            result_code: 1000,
            at: T0,
        };
        tx.record_transaction(&record).await.unwrap();
        tx.record_transaction(&TransactionRecord {
            sv_trid: tx.next_sv_trid(),
            cl_trid: None,
            command: "poll".to_owned(),
            ..record.clone()
        })
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.seen_cl_trid("r1", "ABC-12345").await.unwrap(), Some(record.clone()));
        assert_eq!(tx.seen_cl_trid("r2", "ABC-12345").await.unwrap(), None);
        assert_eq!(tx.seen_cl_trid("r1", "ABC-0").await.unwrap(), None);
        let duplicate = tx.record_transaction(&record).await;
        assert!(matches!(duplicate, Err(StoreError::Exists { .. })), "{duplicate:?}");
    })
    .await;
}

#[tokio::test]
async fn ids_are_never_handed_out_twice() {
    both(|store| async move {
        let mut trids = BTreeSet::new();
        for _ in 0..100 {
            assert!(trids.insert(store.next_sv_trid()));
        }
        let mut numbers = BTreeSet::new();
        let mut tx = store.begin().await.unwrap();
        for kind in [ObjectKind::Domain, ObjectKind::Host, ObjectKind::Contact] {
            for _ in 0..10 {
                assert!(numbers.insert(tx.next_roid_number(kind).await.unwrap()));
            }
        }
        tx.commit().await.unwrap();
        let mut tx = store.begin().await.unwrap();
        let later = tx.next_roid_number(ObjectKind::Domain).await.unwrap();
        assert!(numbers.iter().all(|number| *number < later));
        assert!(trids.insert(tx.next_sv_trid()));
    })
    .await;
}
