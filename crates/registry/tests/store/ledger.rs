//! Ledger accounts.

use nameward_registry::model::{Account, Charge, ChargeKind};
use nameward_registry::store::StoreError;

use crate::fixtures::{self, T0};
use nameward_registry::testing::both;

pub fn charge(registrar: &str, account: Account, amount: i64, kind: ChargeKind) -> Charge {
    Charge {
        registrar: registrar.to_owned(),
        account,
        amount,
        kind,
        domain: (kind != ChargeKind::Deposit).then(|| "a.test".to_owned()),
        years: u8::from(kind == ChargeKind::Create),
        at: T0,
    }
}

#[tokio::test]
async fn bookings_move_balances_and_append_to_the_ledger() {
    both(|store| async move {
        fixtures::seed(&store).await;
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.balance("r1", Account::Prepaid).await.unwrap(), 0);
        let deposit = charge("r1", Account::Prepaid, 2500, ChargeKind::Deposit);
        let first = tx.book(&deposit).await.unwrap();
        assert_eq!(first.balance_after, 2500);
        assert_eq!(first.charge, deposit);
        let create = charge("r1", Account::Prepaid, -1000, ChargeKind::Create);
        assert_eq!(tx.book(&create).await.unwrap().balance_after, 1500);
        assert_eq!(tx.book(&create).await.unwrap().balance_after, 500);
        let refused = tx.book(&create).await;
        assert!(
            matches!(
                refused,
                Err(StoreError::InsufficientFunds { balance: 500, amount: -1000, .. })
            ),
            "{refused:?}"
        );
        // A refused debit leaves the transaction usable.
        assert_eq!(tx.balance("r1", Account::Prepaid).await.unwrap(), 500);
        // Only the prepaid account has a floor.
        let credit = charge("r1", Account::Receivable, -4000, ChargeKind::CreditRenewal);
        assert_eq!(tx.book(&credit).await.unwrap().balance_after, -4000);
        tx.book(&charge("r1", Account::Deposit, 10_000, ChargeKind::Deposit)).await.unwrap();
        tx.book(&charge("r2", Account::Prepaid, 7, ChargeKind::Deposit)).await.unwrap();
        let stranger = tx.book(&charge("nobody", Account::Prepaid, 7, ChargeKind::Deposit)).await;
        assert!(matches!(stranger, Err(StoreError::MissingReference { .. })), "{stranger:?}");
        tx.rollback().await.unwrap();

        let mut tx = store.begin().await.unwrap();
        tx.book(&deposit).await.unwrap();
        tx.book(&create).await.unwrap();
        tx.book(&charge("r1", Account::Receivable, -4000, ChargeKind::CreditRenewal))
            .await
            .unwrap();
        tx.book(&charge("r2", Account::Prepaid, 7, ChargeKind::Deposit)).await.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin_read().await.unwrap();
        assert_eq!(tx.balance("r1", Account::Prepaid).await.unwrap(), 1500);
        assert_eq!(tx.balance("r1", Account::Receivable).await.unwrap(), -4000);
        assert_eq!(tx.balance("r1", Account::Deposit).await.unwrap(), 0);
        let ledger = tx.ledger("r1", None, 100).await.unwrap();
        let amounts: Vec<i64> = ledger.iter().map(|entry| entry.charge.amount).collect();
        assert_eq!(amounts, [2500, -1000, -4000]);
        assert_eq!(ledger.first().map(|entry| &entry.charge), Some(&deposit));
        let page = tx.ledger("r1", ledger.first().map(|entry| entry.id), 1).await.unwrap();
        assert_eq!(page.len(), 1);
        assert_eq!(page.first().map(|entry| entry.balance_after), Some(1500));
        assert_eq!(tx.ledger("r2", None, 100).await.unwrap().len(), 1);
    })
    .await;
}
