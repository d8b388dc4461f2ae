use time::OffsetDateTime;

/// An amount of money in the TLD's currency, in minor units (cents); negative for debits.
pub type Money = i64;

/// The ledger accounts a registrar holds with the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    /// Prepaid balance that billable commands draw on.
    Prepaid,
    /// The security deposit lodged at accreditation.
    Deposit,
    /// What the registrar owes the registry (renewals on credit after it failed).
    Receivable,
}

impl Account {
    /// The account's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Account::Prepaid => "prepaid",
            Account::Deposit => "deposit",
            Account::Receivable => "receivable",
        }
    }

    /// Parses a stored account name.
    pub fn parse(text: &str) -> Option<Account> {
        [Account::Prepaid, Account::Deposit, Account::Receivable]
            .into_iter()
            .find(|account| account.as_str() == text)
    }
}

/// Why money moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Domain create.
    Create,
    /// Explicit renew.
    Renew,
    /// Renewal at expiry by the registry.
    AutoRenew,
    /// Transfer (one year added).
    Transfer,
    /// Restore from redemption.
    Restore,
    /// Money back for a deletion or transfer inside a grace period.
    Refund,
    /// Money the registrar paid in (or the operator adjusted).
    Deposit,
    /// A renewal the registry granted on credit while the registrar is failed.
    CreditRenewal,
}

impl ChargeKind {
    /// The kind's name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ChargeKind::Create => "create",
            ChargeKind::Renew => "renew",
            ChargeKind::AutoRenew => "auto_renew",
            ChargeKind::Transfer => "transfer",
            ChargeKind::Restore => "restore",
            ChargeKind::Refund => "refund",
            ChargeKind::Deposit => "deposit",
            ChargeKind::CreditRenewal => "credit_renewal",
        }
    }

    /// Parses a stored kind name.
    pub fn parse(text: &str) -> Option<ChargeKind> {
        [
            ChargeKind::Create,
            ChargeKind::Renew,
            ChargeKind::AutoRenew,
            ChargeKind::Transfer,
            ChargeKind::Restore,
            ChargeKind::Refund,
            ChargeKind::Deposit,
            ChargeKind::CreditRenewal,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

/// One movement of money the lifecycle engine asks for; the store books it in the append-only
/// ledger and adjusts the account balance in the same transaction.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Charge {
    /// Whose account.
    pub registrar: String,
    /// Which account.
    pub account: Account,
    /// Signed amount, always seen from the registrar's side: negative draws on the account
    /// (a purchase), positive credits it (a refund, a payment). The same holds on
    /// `Receivable`, whose balance is therefore what the registrar owes as a negative number:
    /// a one-year `CreditRenewal` is `-renew_price`, and the registry's receivable is the
    /// negated balance. So the sum of a registrar's charges over all its accounts is its net
    /// position with the registry.
    pub amount: Money,
    /// Why.
    pub kind: ChargeKind,
    /// The domain it concerns, if any.
    pub domain: Option<String>,
    /// Years bought, if any.
    pub years: u8,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
