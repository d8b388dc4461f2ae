//! Registry policy: the durations and prices of a TLD. RFC 3915 and ICANN's policies give the
//! usual values ([`Policy::default_for`]); a registry operator may set others per TLD.

use time::Duration;

use crate::model::Money;

/// The rules one TLD runs by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    /// The TLD, lower case, without dots (`example`).
    pub tld: String,
    /// Repository id, the suffix of every ROID (`D123-EXAMPLE`).
    pub repository: String,
    /// Currency of every price (ISO 4217).
    pub currency: String,
    /// Shortest registration or renewal, in years.
    pub min_years: u8,
    /// Longest registration or renewal, and the furthest an expiry may lie ahead, in years.
    pub max_years: u8,
    /// Days after create during which a delete refunds the create.
    pub add_grace_days: u32,
    /// Days after an automatic renewal during which a delete (or transfer) refunds it.
    pub auto_renew_grace_days: u32,
    /// Days after an explicit renew during which a delete refunds it.
    pub renew_grace_days: u32,
    /// Days after a completed transfer during which a delete refunds it.
    pub transfer_grace_days: u32,
    /// Days a deleted domain stays restorable.
    pub redemption_days: u32,
    /// Days the registry waits for a restore report.
    pub pending_restore_days: u32,
    /// Days between the end of redemption and the purge.
    pub pending_delete_days: u32,
    /// Days before a pending transfer is approved automatically.
    pub transfer_pending_days: u32,
    /// Days a transfer code stays valid after it is set.
    pub auth_code_days: u32,
    /// Price of one year of registration (create).
    pub create_price: Money,
    /// Price of one year of renewal.
    pub renew_price: Money,
    /// Price of a transfer (which adds one year).
    pub transfer_price: Money,
    /// Price of a restore from redemption.
    pub restore_price: Money,
}

impl Policy {
    /// The common values (RFC 3915 §2 and ICANN's Transfer Policy) for `tld`.
    pub fn default_for(tld: &str) -> Policy {
        Policy {
            tld: tld.to_ascii_lowercase(),
            repository: tld.to_ascii_uppercase(),
            currency: "USD".to_owned(),
            min_years: 1,
            max_years: 10,
            add_grace_days: 5,
            auto_renew_grace_days: 45,
            renew_grace_days: 5,
            transfer_grace_days: 5,
            redemption_days: 30,
            pending_restore_days: 7,
            pending_delete_days: 5,
            transfer_pending_days: 5,
            auth_code_days: 14,
            create_price: 1000,
            renew_price: 1000,
            transfer_price: 1000,
            restore_price: 4000,
        }
    }

    /// A duration of `days` days.
    pub fn days(days: u32) -> Duration {
        Duration::days(i64::from(days))
    }
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::default_for("example")
    }
}
