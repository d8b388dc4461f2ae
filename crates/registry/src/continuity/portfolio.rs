//! A portfolio at an instant: how many domains stand where, and the expiry cliff — how many
//! names reach expiry in each of the coming weeks, which is how much time the registry has
//! to find their registrants a new home.

use time::{Duration, OffsetDateTime};

use super::transfer::{Standing, standing};
use crate::model::Domain;

/// Weeks the expiry cliff covers.
pub const WEEKS: usize = 52;

/// Counts over a portfolio, built one domain at a time (so a portfolio of millions never
/// needs to be in memory at once).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Portfolio {
    /// The instant the counts are for; week 0 of the cliff starts here.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// Domains counted.
    pub domains: u64,
    /// Registered, outside any grace period.
    pub active: u64,
    /// Inside a grace period.
    pub in_grace: u64,
    /// In redemption (or pendingRestore).
    pub redemption: u64,
    /// In pendingDelete.
    pub pending_delete: u64,
    /// Held through a reseller (counted in the states above as well).
    pub via_reseller: u64,
    /// Names expiring in each week from `at`: `cliff[0]` is `[at, at + 7 days)`.
    pub cliff: Vec<u64>,
    /// Names already past expiry (while continuity renews them, none stay so for long).
    pub expired: u64,
}

impl Portfolio {
    /// An empty portfolio at `at`.
    pub fn new(at: OffsetDateTime) -> Portfolio {
        Portfolio {
            at,
            domains: 0,
            active: 0,
            in_grace: 0,
            redemption: 0,
            pending_delete: 0,
            via_reseller: 0,
            cliff: vec![0; WEEKS],
            expired: 0,
        }
    }

    /// Counts `domain`.
    pub fn add(&mut self, domain: &Domain) {
        self.domains += 1;
        match standing(domain, self.at) {
            Standing::Normal => self.active += 1,
            Standing::Grace => self.in_grace += 1,
            Standing::Redemption => self.redemption += 1,
            Standing::PendingDelete => self.pending_delete += 1,
        }
        if domain.reseller.is_some() {
            self.via_reseller += 1;
        }
        if domain.deletion.is_some() {
            return;
        }
        match week_of(self.at, domain.expires_at) {
            Some(week) => {
                if let Some(slot) = self.cliff.get_mut(week) {
                    *slot += 1;
                }
            }
            None if domain.expires_at < self.at => self.expired += 1,
            None => {}
        }
    }
}

/// The week (0-based, from `now`) `expires_at` falls in, if within [`WEEKS`] weeks.
pub fn week_of(now: OffsetDateTime, expires_at: OffsetDateTime) -> Option<usize> {
    if expires_at < now {
        return None;
    }
    let weeks = (expires_at - now).whole_seconds() / Duration::weeks(1).whole_seconds();
    usize::try_from(weeks).ok().filter(|week| *week < WEEKS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::domain::tests::{T0, created, policy};

    #[test]
    fn weeks_and_counts() {
        assert_eq!(week_of(T0, T0), Some(0));
        assert_eq!(week_of(T0, T0 + Duration::days(6)), Some(0));
        assert_eq!(week_of(T0, T0 + Duration::days(7)), Some(1));
        assert_eq!(week_of(T0, T0 + Duration::weeks(52)), None);
        assert_eq!(week_of(T0, T0 - Duration::seconds(1)), None);
        let policy = policy();
        let mut domain = created(&policy);
        let mut portfolio = Portfolio::new(domain.expires_at - Duration::days(8));
        portfolio.add(&domain);
        domain.reseller = Some("shop".to_owned());
        portfolio.add(&domain);
        assert_eq!(portfolio.domains, 2);
        assert_eq!(portfolio.active, 2);
        assert_eq!(portfolio.via_reseller, 1);
        assert_eq!(portfolio.cliff[1], 2);
        assert_eq!(portfolio.cliff.iter().sum::<u64>(), 2);
    }
}
