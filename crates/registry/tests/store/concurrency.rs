//! Transactions against each other: no lost update, no double spend, one winner per name,
//! nothing half-written.

use nameward_registry::model::{Account, ChargeKind, Domain};
use nameward_registry::store::{Store, StoreError};

use crate::fixtures::{self, bare_domain};
use crate::ledger::charge;
use nameward_registry::testing::both;

const TASKS: usize = 8;
const PER_TASK: usize = 50;
const PRICE: i64 = 100;

/// What one task got: domains created, debits refused for lack of money.
async fn buy_names(store: Store, task: usize) -> (usize, usize) {
    let (mut created, mut refused) = (0, 0);
    for index in 0..PER_TASK {
        let name = format!("t{task}-n{index}.test");
        let outcome = store
            .transact(|tx| {
                let name = name.clone();
                Box::pin(async move {
                    tx.book(&charge("r1", Account::Prepaid, -PRICE, ChargeKind::Create)).await?;
                    tx.insert_domain(&bare_domain(&name, "r1"), None).await?;
                    Ok(())
                })
            })
            .await;
        match outcome {
            Ok(()) => created += 1,
            Err(StoreError::InsufficientFunds { .. }) => refused += 1,
            Err(other) => panic!("task {task}, {name}: {other}"),
        }
    }
    (created, refused)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_debits_neither_lose_updates_nor_overspend() {
    both(|store| async move {
        fixtures::seed(&store).await;
        // Money for three quarters of the attempts.
        let affordable = TASKS * PER_TASK * 3 / 4;
        let mut tx = store.begin().await.unwrap();
        let funds = PRICE * i64::try_from(affordable).unwrap();
        tx.book(&charge("r1", Account::Prepaid, funds, ChargeKind::Deposit)).await.unwrap();
        tx.commit().await.unwrap();

        let tasks: Vec<_> =
            (0..TASKS).map(|task| tokio::spawn(buy_names(store.clone(), task))).collect();
        let (mut created, mut refused) = (0, 0);
        for task in tasks {
            let (made, denied) = task.await.unwrap();
            created += made;
            refused += denied;
        }
        assert_eq!(created, affordable);
        assert_eq!(refused, TASKS * PER_TASK - affordable);

        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.balance("r1", Account::Prepaid).await.unwrap(), 0);
        assert_eq!(tx.count_domains_of("r1").await.unwrap(), affordable as u64);
        let mut entries = Vec::new();
        let mut after = None;
        loop {
            let page = tx.ledger("r1", after, 128).await.unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id);
            entries.extend(page);
        }
        assert_eq!(entries.len(), affordable + 1);
        let sum: i64 = entries.iter().map(|entry| entry.charge.amount).sum();
        assert_eq!(sum, 0, "the ledger sums to the balance");
        // Every entry's running balance follows from the one before: no two debits saw the
        // same balance.
        let mut running = 0;
        for entry in &entries {
            running += entry.charge.amount;
            assert_eq!(entry.balance_after, running);
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn of_two_racing_creates_exactly_one_wins() {
    both(|store| async move {
        fixtures::seed(&store).await;
        for round in 0..10 {
            let name = format!("race{round}.test");
            let racers: Vec<_> = ["r1", "r2"]
                .into_iter()
                .map(|sponsor| {
                    let store = store.clone();
                    let domain = Domain {
                        roid: format!("D{round}{sponsor}-TEST"),
                        ..bare_domain(&name, sponsor)
                    };
                    tokio::spawn(async move {
                        store
                            .transact(|tx| {
                                let domain = domain.clone();
                                Box::pin(async move {
                                    if tx.domain_exists(&domain.name).await? {
                                        return Err(StoreError::Exists {
                                            kind: "domain",
                                            id: domain.name,
                                        });
                                    }
                                    tx.insert_domain(&domain, None).await
                                })
                            })
                            .await
                    })
                })
                .collect();
            let mut wins = 0;
            for racer in racers {
                match racer.await.unwrap() {
                    Ok(()) => wins += 1,
                    Err(StoreError::Exists { kind: "domain", .. }) => {}
                    Err(other) => panic!("{name}: {other}"),
                }
            }
            assert_eq!(wins, 1, "{name}");
        }
        let mut tx = store.begin_read().await.unwrap();
        let total =
            tx.count_domains_of("r1").await.unwrap() + tx.count_domains_of("r2").await.unwrap();
        assert_eq!(total, 10);
    })
    .await;
}

#[tokio::test]
async fn an_abandoned_transaction_leaves_nothing() {
    both(|store| async move {
        fixtures::seed(&store).await;
        {
            let mut tx = store.begin().await.unwrap();
            tx.insert_registrar(&fixtures::registrar("r9")).await.unwrap();
            tx.book(&charge("r1", Account::Prepaid, 500, ChargeKind::Deposit)).await.unwrap();
            tx.insert_domain(&bare_domain("ghost.test", "r1"), None).await.unwrap();
            let message = nameward_registry::model::PollMessage {
                registrar: "r1".to_owned(),
                at: fixtures::T0,
                text: "ghost".to_owned(),
                body: nameward_registry::model::PollBody::Purged {
                    domain: "ghost.test".to_owned(),
                },
            };
            tx.enqueue(&message).await.unwrap();
            // Dropped here, midway, without commit or rollback.
        }
        // The next writer is not blocked by the abandoned one, and sees none of its work.
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.get_registrar("r9").await.unwrap(), None);
        assert_eq!(tx.balance("r1", Account::Prepaid).await.unwrap(), 0);
        assert_eq!(tx.ledger("r1", None, 10).await.unwrap(), []);
        assert!(!tx.domain_exists("ghost.test").await.unwrap());
        assert_eq!(tx.poll_head("r1").await.unwrap(), None);
        tx.insert_domain(&bare_domain("real.test", "r1"), None).await.unwrap();
        tx.commit().await.unwrap();

        // A failed transaction is spent, and its commit writes nothing.
        let mut tx = store.begin().await.unwrap();
        tx.insert_domain(&bare_domain("half.test", "r1"), None).await.unwrap();
        let clash = tx.insert_domain(&bare_domain("real.test", "r1"), None).await;
        assert!(matches!(clash, Err(StoreError::Exists { .. })), "{clash:?}");
        assert!(matches!(tx.commit().await, Err(StoreError::Aborted { .. })));
        let mut tx = store.begin_read().await.unwrap();
        assert!(!tx.domain_exists("half.test").await.unwrap());
        let refused = tx.insert_domain(&bare_domain("read.test", "r1"), None).await;
        assert!(matches!(refused, Err(StoreError::ReadOnly { .. })), "{refused:?}");
    })
    .await;
}

/// Two transactions locking two names in opposite orders deadlock on PostgreSQL; `transact`
/// runs the victim again. (On SQLite writers queue whole, so they cannot deadlock.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadlocks_are_retried() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let Some(database) = nameward_registry::testing::PostgresDb::new().await else {
        return;
    };
    let store = Store::open(&database.url).await.unwrap();
    fixtures::seed(&store).await;
    let mut tx = store.begin().await.unwrap();
    tx.insert_domain(&bare_domain("a.test", "r1"), None).await.unwrap();
    tx.insert_domain(&bare_domain("b.test", "r1"), None).await.unwrap();
    tx.commit().await.unwrap();

    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let attempts = Arc::new(AtomicUsize::new(0));
    let lockers: Vec<_> = [("a.test", "b.test"), ("b.test", "a.test")]
        .into_iter()
        .map(|(first, second)| {
            let (store, barrier, attempts) = (store.clone(), barrier.clone(), attempts.clone());
            tokio::spawn(async move {
                store
                    .transact(|tx| {
                        let (barrier, attempts) = (barrier.clone(), attempts.clone());
                        Box::pin(async move {
                            let attempt = attempts.fetch_add(1, Ordering::SeqCst);
                            tx.get_domain_for_update(first).await?;
                            if attempt < 2 {
                                // Both hold their first lock before either asks for its second.
                                barrier.wait().await;
                            }
                            let mut domain = tx.get_domain_for_update(second).await?.unwrap();
                            domain.stamps.touch(first, fixtures::T0);
                            tx.update_domain(&domain, None).await
                        })
                    })
                    .await
            })
        })
        .collect();
    for locker in lockers {
        locker.await.unwrap().unwrap();
    }
    assert_eq!(attempts.load(Ordering::SeqCst), 3, "one of the two ran again");
    store.close().await;
    database.drop_database().await;
}

/// One leader among the processes sharing a PostgreSQL registry, and a new one as soon as it
/// goes; on SQLite every process leads.
#[tokio::test]
async fn one_leader_at_a_time() {
    let file = nameward_registry::testing::SqliteFile::new();
    let sqlite = Store::open(&file.url()).await.unwrap();
    let mut first = sqlite.try_lead().await.unwrap().expect("SQLite: every process leads");
    assert!(sqlite.try_lead().await.unwrap().is_some());
    assert!(first.still_held().await);
    sqlite.close().await;

    let Some(database) = nameward_registry::testing::PostgresDb::new().await else {
        return;
    };
    // Two stores stand for two processes: each its own pool and sessions.
    let one = Store::open(&database.url).await.unwrap();
    let two = Store::open(&database.url).await.unwrap();
    let mut leader = one.try_lead().await.unwrap().expect("the first to ask leads");
    // A process starting while a leader lives opens the store (and runs its migrations).
    let three =
        tokio::time::timeout(std::time::Duration::from_secs(10), Store::open(&database.url))
            .await
            .expect("opening the store is not held up by the leader")
            .unwrap();
    three.close().await;
    assert!(two.try_lead().await.unwrap().is_none(), "a second leader while the first holds");
    assert!(one.try_lead().await.unwrap().is_none(), "not even a second session of the first");
    assert!(leader.still_held().await);
    leader.release().await;
    let mut next = two.try_lead().await.unwrap().expect("the standby leads once it is released");
    assert!(next.still_held().await);
    drop(next);
    // Dropping the session ends it as a dead process's does: the lock goes with it.
    let mut waited = 0;
    let again = loop {
        if let Some(again) = one.try_lead().await.unwrap() {
            break again;
        }
        waited += 1;
        assert!(waited < 100, "a dropped leadership was not released");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    again.release().await;
    one.close().await;
    two.close().await;
    database.drop_database().await;
}
