//! The look-back on declare-failed: a registrar on its way down deletes the names it can no
//! longer pay for — inside the add-grace period they are gone at once and anyone may take
//! them. When the operator declares it failed, the names it deleted in the window before
//! (default [`DEFAULT_DAYS`]) come back into its portfolio under continuity, as its other
//! names are kept: with their last registrant, contacts, delegations and statuses, and on
//! credit. What the delete refunded (the create in add grace, a renewal in its grace period)
//! is booked back on the registrar's Receivable account as a renewal on credit, so the expiry
//! date the name had is kept and paid for the way continuity pays for renewals; an expiry
//! already past is renewed on credit by the next tick, as for any name of a failed registrar.
//! A name someone else registered since stays theirs and is listed for the operator.

use time::OffsetDateTime;

use crate::lifecycle::{Decision, OPERATOR, Refs};
use crate::model::{Account, Charge, ChargeKind, Domain};

/// The window before the failure whose deletes are looked back on, in days.
pub const DEFAULT_DAYS: u32 = 60;

/// The history action of a name brought back.
pub const ACTION: &str = "continuity_reinstate";

/// A delete the failing registrar made, as its history entry recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deleted {
    /// When the delete was accepted.
    pub at: OffsetDateTime,
    /// The domain just before the delete.
    pub before: Domain,
}

/// What becomes of one deleted name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookBack {
    /// It comes back: the state to write (inserted if the name was purged, over the domain in
    /// redemption or pendingDelete otherwise), the charges on credit and the history note.
    Reinstate(Box<Decision<Domain>>),
    /// Someone else registered it meanwhile; it stays with them.
    Taken {
        /// Its sponsor now.
        holder: String,
    },
    /// The registrar holds it again already, out of deletion (restored or registered anew).
    Kept,
}

impl LookBack {
    /// The outcome's name as the store and the status view write it.
    pub fn outcome(&self) -> &'static str {
        match self {
            LookBack::Reinstate(_) => "reinstated",
            LookBack::Taken { .. } => "taken",
            LookBack::Kept => "kept",
        }
    }
}

/// Decides what becomes of `deleted` at `now`, given the domain under its name today (if any)
/// and which of the contacts and name servers it named still exist (`refs`). Contacts and
/// hosts that are gone are left out and named in the note, since a domain cannot point at
/// objects that do not exist.
pub fn look_back(
    deleted: &Deleted,
    current: Option<&Domain>,
    refs: &Refs,
    now: OffsetDateTime,
) -> LookBack {
    let registrar = &deleted.before.sponsor;
    match current {
        Some(domain) if domain.sponsor != *registrar => {
            return LookBack::Taken { holder: domain.sponsor.clone() };
        }
        Some(domain) if domain.deletion.is_none() => return LookBack::Kept,
        _ => {}
    }
    let before = &deleted.before;
    let mut back = before.clone();
    back.deletion = None;
    // A code set before the failure is not one the registrant asked the registry for.
    back.auth = None;
    let mut dropped: Vec<String> = Vec::new();
    if let Some(registrant) = &before.registrant
        && !refs.contacts.contains(registrant)
    {
        back.registrant = None;
        dropped.push(format!("registrant {registrant}"));
    }
    back.contacts.retain(|contact| {
        let keep = refs.contacts.contains(&contact.id);
        if !keep {
            dropped.push(format!("contact {}", contact.id));
        }
        keep
    });
    back.ns.retain(|host| {
        let keep = refs.hosts.contains(host);
        if !keep {
            dropped.push(format!("name server {host}"));
        }
        keep
    });
    // The delete refunded every grace period still running; what it refunded is owed again.
    let refunded: Vec<Charge> = before
        .grace
        .iter()
        .filter(|grace| grace.ends > deleted.at)
        .map(|grace| Charge {
            registrar: registrar.clone(),
            account: Account::Receivable,
            amount: -grace.amount,
            kind: ChargeKind::CreditRenewal,
            domain: Some(before.name.clone()),
            years: grace.years,
            at: now,
        })
        .collect();
    back.grace.clear();
    back.stamps.touch(OPERATOR, now);
    let mut decision = Decision::new(back, ACTION);
    decision.charges = refunded;
    let mut note = format!(
        "deleted by {registrar} at {} and brought back when it was declared failed",
        deleted.at
    );
    if !dropped.is_empty() {
        note.push_str(&format!("; left out as no longer existing: {}", dropped.join(", ")));
    }
    decision.note = Some(note);
    LookBack::Reinstate(Box::new(decision))
}

/// The latest delete of each name, in the order the names were last deleted: a name deleted,
/// registered again and deleted again comes back as it was before its last delete.
pub fn latest_per_name(mut deletes: Vec<Deleted>) -> Vec<Deleted> {
    deletes.sort_by_key(|deleted| deleted.at);
    let mut latest: Vec<Deleted> = Vec::with_capacity(deletes.len());
    for deleted in deletes.into_iter().rev() {
        if !latest.iter().any(|kept| kept.before.name == deleted.before.name) {
            latest.push(deleted);
        }
    }
    latest.reverse();
    latest
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use std::collections::BTreeSet;

    use time::macros::datetime;

    use super::*;
    use crate::model::{
        ContactRole, Deletion, DeletionPhase, DomainContact, GraceKind, GracePeriod, Stamps,
    };

    const DELETED_AT: OffsetDateTime = datetime!(2026-05-01 12:00 UTC);
    const NOW: OffsetDateTime = datetime!(2026-06-01 0:00 UTC);

    fn domain(name: &str, sponsor: &str) -> Domain {
        Domain {
            name: name.to_owned(),
            roid: "D1-EXAMPLE".to_owned(),
            sponsor: sponsor.to_owned(),
            reseller: None,
            registrant: Some("jane".to_owned()),
            contacts: vec![DomainContact { role: ContactRole::Admin, id: "gone".to_owned() }],
            ns: vec!["ns1.hosting.test".to_owned(), "ns1.name.example".to_owned()],
            ds: Vec::new(),
            max_sig_life: None,
            statuses: BTreeSet::new(),
            stamps: Stamps::new(sponsor, datetime!(2026-04-29 0:00 UTC)),
            expires_at: datetime!(2027-04-29 0:00 UTC),
            transferred_at: None,
            auth: None,
            grace: vec![GracePeriod {
                kind: GraceKind::Add,
                ends: datetime!(2026-05-04 0:00 UTC),
                registrar: sponsor.to_owned(),
                amount: 1000,
                years: 1,
            }],
            deletion: None,
            transfer: None,
        }
    }

    fn refs() -> Refs {
        Refs { contacts: ["jane".to_owned()].into(), hosts: ["ns1.hosting.test".to_owned()].into() }
    }

    #[test]
    fn a_purged_name_comes_back_on_credit_with_what_still_exists() {
        let deleted = Deleted { at: DELETED_AT, before: domain("gone.example", "alpha") };
        let LookBack::Reinstate(decision) = look_back(&deleted, None, &refs(), NOW) else {
            panic!("a name nobody took comes back");
        };
        let back = &decision.state;
        assert_eq!(back.sponsor, "alpha");
        assert_eq!(back.registrant.as_deref(), Some("jane"));
        assert_eq!(back.ns, ["ns1.hosting.test"]);
        assert!(back.contacts.is_empty() && back.grace.is_empty() && back.deletion.is_none());
        assert_eq!(back.expires_at, deleted.before.expires_at);
        assert_eq!(decision.charges.len(), 1);
        let charge = &decision.charges[0];
        assert_eq!(
            (charge.account, charge.kind, charge.amount, charge.years),
            (Account::Receivable, ChargeKind::CreditRenewal, -1000, 1)
        );
        let note = decision.note.unwrap();
        assert!(note.contains("contact gone") && note.contains("ns1.name.example"), "{note}");
    }

    #[test]
    fn a_name_in_deletion_comes_back_and_a_taken_one_stays() {
        let mut before = domain("held.example", "alpha");
        before.grace.clear();
        let deleted = Deleted { at: DELETED_AT, before: before.clone() };
        let mut deleting = before.clone();
        deleting.deletion = Some(Deletion {
            phase: DeletionPhase::PendingDelete,
            phase_ends: NOW,
            requested_at: DELETED_AT,
        });
        let LookBack::Reinstate(decision) = look_back(&deleted, Some(&deleting), &refs(), NOW)
        else {
            panic!("a name still in deletion comes back");
        };
        assert!(decision.charges.is_empty(), "nothing was refunded");
        assert!(decision.state.deletion.is_none());
        let taken = domain("held.example", "beta");
        assert_eq!(
            look_back(&deleted, Some(&taken), &refs(), NOW),
            LookBack::Taken { holder: "beta".to_owned() }
        );
        assert_eq!(look_back(&deleted, Some(&before), &refs(), NOW), LookBack::Kept);
    }

    #[test]
    fn the_latest_delete_of_a_name_counts() {
        let first = Deleted { at: DELETED_AT, before: domain("a.example", "alpha") };
        let mut again = first.clone();
        again.at = NOW;
        again.before.ns.clear();
        let other = Deleted { at: DELETED_AT, before: domain("b.example", "alpha") };
        let latest = latest_per_name(vec![again.clone(), first, other.clone()]);
        assert_eq!(latest, [other, again]);
    }
}
