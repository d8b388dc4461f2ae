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
    /// Days after a create or a completed transfer during which the domain cannot be
    /// transferred again (ICANN's Transfer Policy lets registrars deny these; a registry may
    /// enforce it). 0 turns the lock off.
    pub transfer_lock_days: u32,
    /// Unicode scripts (long or short names: `Latin`, `Deva`) whose letters an IDN label may
    /// use; empty allows every script. Whatever the list, a label is written in one script or
    /// one UTS 39 combination (Han with Hiragana and Katakana, with Bopomofo, with Hangul).
    pub idn_scripts: Vec<String>,
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
            repository: default_repository(tld),
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
            transfer_lock_days: 0,
            idn_scripts: Vec::new(),
            create_price: 1000,
            renew_price: 1000,
            transfer_price: 1000,
            restore_price: 4000,
        }
    }

    /// Checks that the policy can work: a TLD that is one lower-case LDH label, not all digits
    /// ([`crate::lifecycle::names::check_tld`]), a repository id that fits RFC 5730's
    /// `roidType` (1–8 letters, digits or underscores), 1 ≤ `min_years` ≤ `max_years` ≤ 99 (the
    /// EPP period range), and no negative price.
    pub fn check(&self) -> Result<(), PolicyError> {
        let invalid = |reason: String| PolicyError { tld: self.tld.clone(), reason };
        match crate::lifecycle::names::check_tld(&self.tld) {
            Ok(lower) if lower == self.tld => {}
            Ok(_) => return Err(invalid("the TLD must be lower-case".to_owned())),
            Err(refusal) => return Err(invalid(refusal.to_string())),
        }
        crate::lifecycle::names::check_repository(&self.repository)
            .map_err(|refusal| invalid(refusal.to_string()))?;
        if let Some(unknown) = crate::lifecycle::idn::unknown_script(&self.idn_scripts) {
            return Err(invalid(format!("IDN script {unknown:?} is not a Unicode script name")));
        }
        if self.min_years < 1 || self.min_years > self.max_years || self.max_years > 99 {
            return Err(invalid(format!(
                "registration periods {}..={} years are not within 1..=99",
                self.min_years, self.max_years
            )));
        }
        let prices = [
            ("create", self.create_price),
            ("renew", self.renew_price),
            ("transfer", self.transfer_price),
            ("restore", self.restore_price),
        ];
        if let Some((name, _)) = prices.iter().find(|(_, price)| *price < 0) {
            return Err(invalid(format!("the {name} price is negative")));
        }
        Ok(())
    }

    /// A duration of `days` days.
    pub fn days(days: u32) -> Duration {
        Duration::days(i64::from(days))
    }
}

/// A policy that cannot work, found by [`Policy::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policy for .{tld}: {reason}")]
pub struct PolicyError {
    /// The policy's TLD.
    pub tld: String,
    /// What is wrong.
    pub reason: String,
}

/// The TLD upper-cased as a repository id: characters outside `\w` become `_` and the result is
/// cut to 8 characters, the longest `roidType` allows (`xn--p1ai` gives `XN__P1AI`).
fn default_repository(tld: &str) -> String {
    tld.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b.to_ascii_uppercase()) } else { '_' })
        .take(8)
        .collect()
}

impl Default for Policy {
    fn default() -> Policy {
        Policy::default_for("example")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn default_repository_fits_roid_type() {
        assert_eq!(Policy::default_for("example").repository, "EXAMPLE");
        assert_eq!(Policy::default_for("xn--p1ai").repository, "XN__P1AI");
        assert_eq!(Policy::default_for("photography").repository, "PHOTOGRA");
        assert_eq!(Policy::default_for("photography").check(), Ok(()));
    }

    #[test]
    fn check_refuses_unworkable_policies() {
        let good = Policy::default();
        assert_eq!(good.check(), Ok(()));
        let mut long = good.clone();
        long.repository = "NINECHARS".to_owned();
        assert!(long.check().is_err());
        let mut years = good.clone();
        years.min_years = 3;
        years.max_years = 2;
        assert!(years.check().is_err());
        let mut price = good.clone();
        price.restore_price = -1;
        assert!(price.check().unwrap_err().to_string().contains("restore"));
        let mut scripts = good.clone();
        scripts.idn_scripts = vec!["Latin".to_owned(), "Klingon".to_owned()];
        assert!(scripts.check().unwrap_err().to_string().contains("Klingon"));
        let mut tld = good;
        tld.tld = "a.b".to_owned();
        assert!(tld.check().is_err());
    }
}
