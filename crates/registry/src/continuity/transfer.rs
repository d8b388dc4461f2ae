//! The bulk transfer of a failed registrar's portfolio, one domain at a time as a pure
//! decision (the service batches them).
//!
//! As ICANN's De-Accredited Registrar Transition Procedure has it: the gaining registrar
//! takes the name with its expiry unchanged, no year is added and nobody is charged. A
//! transfer still pending is cancelled by the registry first (the registrar that asked is
//! refunded, as for any cancelled transfer). Names in a grace period or in redemption move
//! too: a name in redemption keeps its deletion, and the gaining registrar may restore it.
//! Grace periods end, since what they would refund was paid by the losing registrar. The
//! transfer code is cleared (RFC 9154 §4.3) and the reseller relation — which was with the
//! losing registrar — ends. Names held through a reseller move only when the operator says
//! so: with Net4India they were left behind, and that should be a decision, not an accident.

use time::OffsetDateTime;

use crate::lifecycle::domain::transfer_cancel;
use crate::lifecycle::{Ctx, Decision, OPERATOR};
use crate::model::{DeletionPhase, Domain, PollBody, PollMessage, Transfer, TransferStatus};
use crate::policy::Policy;

/// The history action of a bulk move.
pub const ACTION: &str = "bulk_transfer";

/// Where a domain stands, as the bulk transfer and the status view count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Registered, no grace period running, not deleted.
    Normal,
    /// Inside a grace period (add, renew, auto-renew, transfer).
    Grace,
    /// Deleted but restorable: redemption or pendingRestore.
    Redemption,
    /// Deleted and past restoring (held there while its registrar is failed).
    PendingDelete,
}

/// The standing of `domain` at `now`.
pub fn standing(domain: &Domain, now: OffsetDateTime) -> Standing {
    match domain.deletion.as_ref().map(|deletion| deletion.phase) {
        Some(DeletionPhase::Redemption | DeletionPhase::PendingRestore) => Standing::Redemption,
        Some(DeletionPhase::PendingDelete) => Standing::PendingDelete,
        None if domain.grace.iter().any(|grace| grace.ends > now) => Standing::Grace,
        None => Standing::Normal,
    }
}

/// What the bulk transfer does with one domain of the losing registrar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// It moves.
    Move(Standing),
    /// It stays: held through a reseller, and resellers' names were not included.
    KeepReseller(Standing),
}

/// The plan for `domain`.
pub fn plan(domain: &Domain, include_resellers: bool, now: OffsetDateTime) -> Plan {
    let standing = standing(domain, now);
    if domain.reseller.is_some() && !include_resellers {
        Plan::KeepReseller(standing)
    } else {
        Plan::Move(standing)
    }
}

/// A domain's bulk move: the cancellation of a pending transfer first, if one was pending
/// (its own history entry, refund and messages), then the move itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkMove {
    /// The pending transfer cancelled by the registry (`transfer_cancel`, ServerCancelled).
    pub cancelled: Option<Decision<Domain>>,
    /// The move: no charges, one poll message to the gaining registrar.
    pub moved: Decision<Domain>,
}

/// Moves `domain` to `gaining` at `at`, noting `reason` in its history.
pub fn bulk_move(
    policy: &Policy,
    domain: &Domain,
    gaining: &str,
    at: OffsetDateTime,
    reason: &str,
) -> BulkMove {
    let ctx = Ctx { policy, now: at, actor: OPERATOR };
    let cancelled = if domain.transfer_pending() {
        // The operator may always cancel a pending transfer; the refusal cannot happen.
        transfer_cancel(&ctx, domain).ok()
    } else {
        None
    };
    let base = cancelled.as_ref().map_or(domain, |decision| &decision.state);
    let mut next = base.clone();
    let losing = base.sponsor.clone();
    let transfer = Transfer {
        status: TransferStatus::ServerApproved,
        gaining: gaining.to_owned(),
        losing: losing.clone(),
        requested_at: at,
        action_at: at,
        years: 0,
        amount: 0,
    };
    next.sponsor = gaining.to_owned();
    next.reseller = None;
    next.auth = None;
    next.grace.clear();
    next.transferred_at = Some(at);
    next.transfer = Some(transfer.clone());
    next.stamps.touch(OPERATOR, at);
    let mut moved = Decision::new(next, ACTION);
    moved.note = Some(reason.to_owned());
    moved.poll.push(PollMessage {
        registrar: gaining.to_owned(),
        at,
        text: format!("Domain transferred in bulk from failed registrar {losing}."),
        body: PollBody::Transfer {
            domain: domain.name.clone(),
            status: TransferStatus::ServerApproved,
            gaining: gaining.to_owned(),
            losing,
            requested_at: at,
            action_at: at,
            expires_at: domain.expires_at,
        },
    });
    BulkMove { cancelled, moved }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::lifecycle::domain::tests::{T0, created, policy};
    use crate::model::{AuthCode, Deletion, GraceKind, GracePeriod};
    use time::Duration;

    #[test]
    fn a_move_keeps_expiry_and_charges_nothing() {
        let policy = policy();
        let mut domain = created(&policy);
        domain.auth = Some(AuthCode { hash: "h".to_owned(), set_at: T0 });
        domain.reseller = Some("shop".to_owned());
        let at = T0 + Duration::days(2);
        assert_eq!(standing(&domain, at), Standing::Grace, "inside add grace");
        assert_eq!(plan(&domain, false, at), Plan::KeepReseller(Standing::Grace));
        assert_eq!(plan(&domain, true, at), Plan::Move(Standing::Grace));
        let bulk = bulk_move(&policy, &domain, "heir", at, "failed");
        assert!(bulk.cancelled.is_none());
        let moved = &bulk.moved;
        assert_eq!(moved.action, ACTION);
        assert!(moved.charges.is_empty());
        assert_eq!(moved.state.expires_at, domain.expires_at);
        assert_eq!(moved.state.sponsor, "heir");
        assert_eq!(moved.state.reseller, None);
        assert_eq!(moved.state.auth, None);
        assert!(moved.state.grace.is_empty());
        let transfer = moved.state.transfer.clone().unwrap();
        assert_eq!(
            (transfer.status, transfer.years, transfer.amount),
            (TransferStatus::ServerApproved, 0, 0)
        );
        assert_eq!(transfer.losing, domain.sponsor);
        assert_eq!(moved.poll.len(), 1);
        assert_eq!(moved.poll[0].registrar, "heir");
        assert!(matches!(
            moved.poll[0].body,
            PollBody::Transfer { status: TransferStatus::ServerApproved, .. }
        ));
    }

    #[test]
    fn a_pending_transfer_is_cancelled_first_and_refunded() {
        let policy = policy();
        let mut domain = created(&policy);
        domain.transfer = Some(Transfer {
            status: TransferStatus::Pending,
            gaining: "third".to_owned(),
            losing: domain.sponsor.clone(),
            requested_at: T0,
            action_at: T0 + Duration::days(5),
            years: 1,
            amount: 1000,
        });
        let bulk = bulk_move(&policy, &domain, "heir", T0 + Duration::days(1), "failed");
        let cancelled = bulk.cancelled.unwrap();
        assert_eq!(
            cancelled.state.transfer.as_ref().unwrap().status,
            TransferStatus::ServerCancelled
        );
        assert_eq!(cancelled.charges.len(), 1);
        assert_eq!(cancelled.charges[0].registrar, "third");
        assert_eq!(cancelled.charges[0].amount, 1000);
        assert!(bulk.moved.charges.is_empty());
        assert_eq!(bulk.moved.state.sponsor, "heir");
    }

    #[test]
    fn standings() {
        let policy = policy();
        let mut domain = created(&policy);
        let later = T0 + Duration::days(100);
        assert_eq!(standing(&domain, later), Standing::Normal);
        domain.grace.push(GracePeriod {
            kind: GraceKind::AutoRenew,
            ends: later + Duration::days(1),
            registrar: "alpha".to_owned(),
            amount: 1000,
            years: 1,
        });
        assert_eq!(standing(&domain, later), Standing::Grace);
        for (phase, expected) in [
            (DeletionPhase::Redemption, Standing::Redemption),
            (DeletionPhase::PendingRestore, Standing::Redemption),
            (DeletionPhase::PendingDelete, Standing::PendingDelete),
        ] {
            domain.deletion = Some(Deletion { phase, phase_ends: later, requested_at: T0 });
            assert_eq!(standing(&domain, later), expected);
        }
    }
}
