//! The lifecycle engine: every registry command and every time-driven transition as a plain
//! function from (state, now) to a [`Decision`] or a [`Refusal`].
//!
//! The engine does no I/O, reads no clock and draws no randomness of its own. The service
//! runs it inside one store transaction: it loads the objects a command names, gathers the
//! facts only the store knows (does this name exist, which of these contacts exist, is this
//! host linked), calls the engine, then writes back the returned state, books the charges,
//! queues the poll messages and appends a history entry under `action`.
//!
//! Facts the service passes in, so nothing is looked up behind its back:
//! - whether the object to create already exists (`taken`);
//! - [`Refs`]: which of the contacts and hosts a command names exist;
//! - whether a host or contact is linked (`linked`), and which subordinate hosts of a domain
//!   other domains use (`linked_subordinates`);
//! - the superordinate domain of a host under our TLD, if it exists;
//! - for [`due::step`], the sponsor's [`RegistrarState`](crate::model::RegistrarState).
//!
//! What the service still owns: balances (refusing with [`Refusal::BillingFailure`] before
//! booking a charge the account cannot pay), object sequences for ROIDs, moving subordinate
//! hosts along with a transferred domain ([`host::follow_superordinate`]) and removing a
//! purged domain's subordinate hosts.

pub mod contact;
pub mod domain;
pub mod due;
pub mod host;
pub mod idn;
pub mod names;
mod refusal;
mod statuses;

use std::collections::BTreeSet;

use time::{OffsetDateTime, PrimitiveDateTime};

use crate::model::{Charge, PollMessage};
use crate::policy::Policy;

pub use refusal::Refusal;
pub(crate) use refusal::refuse;

/// The actor name the registry operator (and the engine itself) acts under.
pub const OPERATOR: &str = "registry";

/// Who is acting, when, under which policy.
#[derive(Debug, Clone, Copy)]
pub struct Ctx<'a> {
    /// The TLD's policy.
    pub policy: &'a Policy,
    /// The instant the command takes effect.
    pub now: OffsetDateTime,
    /// The registrar id, or [`OPERATOR`] for the registry operator.
    pub actor: &'a str,
}

impl Ctx<'_> {
    /// Whether the registry operator is acting; the operator may act on any object, set
    /// `server*` statuses, and is not bound by `client*` or `server*` prohibitions.
    pub fn is_operator(&self) -> bool {
        self.actor == OPERATOR
    }
}

/// What a command or transition decided: the new state of the object, the money to move, the
/// messages to queue, and the history action name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision<T> {
    /// The object after the change (`None` where the object is gone, for `Option` states).
    pub state: T,
    /// Ledger movements, in order.
    pub charges: Vec<Charge>,
    /// Poll messages to queue.
    pub poll: Vec<PollMessage>,
    /// The history action (`create`, `renew`, `auto_renew`, `purge`, …).
    pub action: &'static str,
    /// Extra text for the history entry's `reason` (the restore report, for instance).
    pub note: Option<String>,
}

impl<T> Decision<T> {
    /// A decision that only changes state.
    pub fn new(state: T, action: &'static str) -> Decision<T> {
        Decision { state, charges: Vec::new(), poll: Vec::new(), action, note: None }
    }

    /// The same decision over a different state.
    pub fn map<U>(self, map: impl FnOnce(T) -> U) -> Decision<U> {
        Decision {
            state: map(self.state),
            charges: self.charges,
            poll: self.poll,
            action: self.action,
            note: self.note,
        }
    }
}

/// Which of the objects a command names exist: the service looks up every contact id and host
/// name in the request and passes those it found. Host names are compared lower-cased.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refs {
    /// Contact ids that exist.
    pub contacts: BTreeSet<String>,
    /// Host names that exist.
    pub hosts: BTreeSet<String>,
}

/// `at` plus `days`, saturating at the end of time's range rather than overflowing.
pub fn after(at: OffsetDateTime, days: u32) -> OffsetDateTime {
    at.checked_add(Policy::days(days)).unwrap_or_else(end_of_time)
}

/// `at` moved by whole calendar `years` (negative to go back). 29 February becomes 28
/// February in a common year, as registries do; saturates at the ends of time's range.
pub fn add_years(at: OffsetDateTime, years: i32) -> OffsetDateTime {
    let Some(year) = at.year().checked_add(years) else {
        return if years < 0 { start_of_time() } else { end_of_time() };
    };
    let date = at.date();
    let day = if date.month() == time::Month::February
        && date.day() == 29
        && !time::util::is_leap_year(year)
    {
        28
    } else {
        date.day()
    };
    match time::Date::from_calendar_date(year, date.month(), day) {
        Ok(moved) => at.replace_date(moved),
        Err(_) if years < 0 => start_of_time(),
        Err(_) => end_of_time(),
    }
}

fn end_of_time() -> OffsetDateTime {
    PrimitiveDateTime::MAX.assume_utc()
}

fn start_of_time() -> OffsetDateTime {
    PrimitiveDateTime::MIN.assume_utc()
}

/// The furthest ahead an expiry may lie at `now`.
pub fn expiry_limit(policy: &Policy, now: OffsetDateTime) -> OffsetDateTime {
    add_years(now, i32::from(policy.max_years))
}

/// A whole number of years' price, saturating.
pub(crate) fn price_for(price: crate::model::Money, years: u8) -> crate::model::Money {
    price.saturating_mul(i64::from(years))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn years_keep_the_day_and_clip_29_february() {
        let leap = datetime!(2028-02-29 12:00 UTC);
        assert_eq!(add_years(leap, 1), datetime!(2029-02-28 12:00 UTC));
        assert_eq!(add_years(leap, 4), datetime!(2032-02-29 12:00 UTC));
        assert_eq!(add_years(leap, -1), datetime!(2027-02-28 12:00 UTC));
        assert_eq!(add_years(datetime!(2027-03-01 0:00 UTC), 1), datetime!(2028-03-01 0:00 UTC));
        assert_eq!(add_years(datetime!(9999-06-01 0:00 UTC), 1), end_of_time());
    }

    #[test]
    fn days_saturate() {
        assert_eq!(after(datetime!(2030-01-01 0:00 UTC), 5), datetime!(2030-01-06 0:00 UTC));
        assert_eq!(after(end_of_time(), 5), end_of_time());
    }
}
