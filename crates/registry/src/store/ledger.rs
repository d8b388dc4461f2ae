//! Ledger accounts: an append-only ledger of charges and one balance row per account, moved
//! together in the same transaction.

use sqlx::any::AnyRow;

use super::codec::{get, get_instant, get_u64, micros, to_i64};
use super::error::StoreError;
use super::tx::{Tx, conflict, limit};
use crate::model::{Account, Charge, ChargeKind, Money};

/// One booked charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Its place in the ledger (increasing in booking order).
    pub id: u64,
    /// The charge as booked.
    pub charge: Charge,
    /// The account's balance right after it.
    pub balance_after: Money,
}

fn entry(row: &AnyRow) -> Result<LedgerEntry, StoreError> {
    let account: String = get(row, "account")?;
    let kind: String = get(row, "kind")?;
    let years: i64 = get(row, "years")?;
    Ok(LedgerEntry {
        id: get_u64(row, "id")?,
        charge: Charge {
            registrar: get(row, "registrar")?,
            account: Account::parse(&account).ok_or_else(|| StoreError::Corrupt {
                what: "ledger.account".to_owned(),
                detail: format!("unknown account {account:?}"),
            })?,
            amount: get(row, "amount")?,
            kind: ChargeKind::parse(&kind).ok_or_else(|| StoreError::Corrupt {
                what: "ledger.kind".to_owned(),
                detail: format!("unknown charge kind {kind:?}"),
            })?,
            domain: get(row, "domain")?,
            years: u8::try_from(years).map_err(|_| StoreError::Corrupt {
                what: "ledger.years".to_owned(),
                detail: format!("{years} years"),
            })?,
            at: get_instant(row, "at")?,
        },
        balance_after: get(row, "balance_after")?,
    })
}

impl Tx {
    /// The balance of one account (0 for an account never booked to).
    pub async fn balance(
        &mut self,
        registrar: &str,
        account: Account,
    ) -> Result<Money, StoreError> {
        let query =
            sqlx::query("SELECT balance FROM accounts WHERE registrar = $1 AND account = $2")
                .bind(registrar)
                .bind(account.as_str());
        match self.row("reading a balance", query).await? {
            Some(row) => get(&row, "balance"),
            None => Ok(0),
        }
    }

    /// Books `charge`: appends it to the ledger and moves the account's balance, atomically. A
    /// debit that would take a Prepaid account below zero is refused with
    /// [`StoreError::InsufficientFunds`] and moves no money (the transaction stays usable).
    /// The balance row is locked first, so concurrent bookings queue rather than lose updates.
    pub async fn book(&mut self, charge: &Charge) -> Result<LedgerEntry, StoreError> {
        self.writing("book")?;
        let create = sqlx::query(
            "INSERT INTO accounts (registrar, account, balance) VALUES ($1, $2, 0) \
             ON CONFLICT (registrar, account) DO NOTHING",
        )
        .bind(charge.registrar.as_str())
        .bind(charge.account.as_str());
        self.run("opening an account", create)
            .await
            .map_err(|error| conflict(error, "ledger account", &charge.registrar))?;
        let sql = format!(
            "SELECT balance FROM accounts WHERE registrar = $1 AND account = $2{}",
            self.lock_clause(true)
        );
        let query = sqlx::query(&sql).bind(charge.registrar.as_str()).bind(charge.account.as_str());
        let row = self.one("locking a balance", query).await?;
        let balance: Money = get(&row, "balance")?;
        let after = balance.checked_add(charge.amount).ok_or_else(|| StoreError::Invalid {
            what: format!("charge of {} to {}", charge.amount, charge.registrar),
            detail: format!("balance {balance} would overflow"),
        })?;
        if charge.account == Account::Prepaid && charge.amount < 0 && after < 0 {
            return Err(StoreError::InsufficientFunds {
                registrar: charge.registrar.clone(),
                balance,
                amount: charge.amount,
            });
        }
        let update =
            sqlx::query("UPDATE accounts SET balance = $3 WHERE registrar = $1 AND account = $2")
                .bind(charge.registrar.as_str())
                .bind(charge.account.as_str())
                .bind(after);
        self.run("moving a balance", update).await?;
        let append = sqlx::query(
            "INSERT INTO ledger (registrar, account, amount, kind, domain, years, at, \
             balance_after) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(charge.registrar.as_str())
        .bind(charge.account.as_str())
        .bind(charge.amount)
        .bind(charge.kind.as_str())
        .bind(charge.domain.as_deref())
        .bind(i64::from(charge.years))
        .bind(micros(charge.at)?)
        .bind(after);
        let row = self.one("appending to the ledger", append).await?;
        Ok(LedgerEntry { id: get_u64(&row, "id")?, charge: charge.clone(), balance_after: after })
    }

    /// A registrar's ledger entries (all accounts) in booking order: at most `page` of them,
    /// starting after entry `after` (pass the last id of one page to get the next).
    pub async fn ledger(
        &mut self,
        registrar: &str,
        after: Option<u64>,
        page: u32,
    ) -> Result<Vec<LedgerEntry>, StoreError> {
        let query = sqlx::query(
            "SELECT id, registrar, account, amount, kind, domain, years, at, balance_after \
             FROM ledger WHERE registrar = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(registrar)
        .bind(to_i64(after.unwrap_or(0), "ledger position")?)
        .bind(limit(page));
        self.rows("reading the ledger", query).await?.iter().map(entry).collect()
    }
}
