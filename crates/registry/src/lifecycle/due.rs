//! Time-driven transitions: what happens to a domain because time passed, with nobody
//! issuing a command. The service calls [`step`] in a loop until it returns `None`, writing
//! back each decision in turn; the store indexes [`next_event_at`] to find the domains due.
//!
//! Each transition takes effect at the instant it fell due, not at the (possibly later)
//! instant the service got to it, so a late run leaves the same state and charges as a
//! timely one. The transitions, earliest first (ties in this order):
//!
//! 1. a grace period ends: dropped (its refund is no longer possible);
//! 2. the transfer code reaches `auth_code_days`: cleared (ICANN Transfer Policy, RFC 9154);
//! 3. expiry, outside deletion: auto-renewed for one year, `renew_price` charged to the
//!    sponsor, Auto-Renew grace from the old expiry (RFC 3915 §3.1);
//! 4. a pending transfer reaches its action date: approved by the server
//!    ([`super::domain::complete_transfer`]);
//! 5. a deletion phase ends: redemption → pendingDelete; pendingRestore without a report →
//!    back to redemption for what is left of it, or pendingDelete if nothing is (RFC 3915
//!    §3.3); pendingDelete → purge (`state: None`, a `Purged` poll message).
//!
//! Continuity mode — the sponsor is FAILED (or TERMINATED with names not yet moved): no
//! domain moves toward deletion. When a redemption or pendingDelete phase falls due it is
//! held: its end moves one full phase ahead (`deletion_held`), again and again while the mode
//! lasts, so that when it ends (another registrar sponsors the name: the successor after a
//! bulk transfer, or the one its registrant chose; a FAILED registrar never becomes ACTIVE
//! again) the domain still has a whole phase ahead of it rather than being purged on the
//! spot. A domain
//! already in pendingDelete is held there, not brought back: the operator or the successor
//! restores it deliberately. A pendingRestore that runs out goes back to redemption, and is
//! held there. At expiry the domain is renewed one year on credit: a `CreditRenewal` charge
//! on the `Receivable` account, with no grace period (there is nothing to refund: the
//! registry extended the name and the failed registrar owes it). Pending transfers still
//! complete, so registrants can leave.
//!
//! Suspension — the sponsor is SUSPENDED, so the operator has yet to decide whether it fails:
//! its deleted domains move to pendingDelete as usual but are not purged; pendingDelete is
//! held the same way, so that a declaration of failure can still bring them back
//! ([`crate::continuity::lookback`]) and a reinstatement lets them go.
//!
//! Because a held phase is rescheduled rather than skipped, [`next_event_at`] does not depend
//! on the sponsor's state: the store need not re-index anything when a registrar fails.

use time::OffsetDateTime;

use super::domain::complete_transfer;
use super::{Ctx, Decision, OPERATOR, add_years, after};
use crate::model::{
    Account, Charge, ChargeKind, Deletion, DeletionPhase, Domain, GraceKind, GracePeriod, PollBody,
    PollMessage, RegistrarState, TransferStatus,
};
use crate::policy::Policy;

/// What fell due, in tie-break order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    GraceEnds,
    CodeExpires,
    Expiry,
    TransferDue,
    PhaseEnds,
}

/// Whether the sponsor's portfolio is in continuity mode.
pub fn continuity(sponsor: RegistrarState) -> bool {
    matches!(sponsor, RegistrarState::Failed | RegistrarState::Terminated)
}

/// Whether the sponsor's deleted names are kept from the purge: in continuity mode, and from
/// the moment it is suspended.
pub fn purge_held(sponsor: RegistrarState) -> bool {
    continuity(sponsor) || sponsor == RegistrarState::Suspended
}

fn next(policy: &Policy, domain: &Domain) -> Option<(OffsetDateTime, Event)> {
    let grace = domain.grace.iter().map(|grace| (grace.ends, Event::GraceEnds));
    let code = domain
        .auth
        .iter()
        .map(|auth| (after(auth.set_at, policy.auth_code_days), Event::CodeExpires));
    let expiry = domain.deletion.is_none().then_some((domain.expires_at, Event::Expiry));
    let transfer = domain
        .transfer
        .as_ref()
        .filter(|transfer| transfer.status == TransferStatus::Pending)
        .map(|transfer| (transfer.action_at, Event::TransferDue));
    let phase = domain.deletion.as_ref().map(|deletion| (deletion.phase_ends, Event::PhaseEnds));
    grace.chain(code).chain(expiry).chain(transfer).chain(phase).min()
}

/// When [`step`] will next act on `domain`, whatever its sponsor's state; `None` never
/// happens for a stored domain (its expiry is always ahead), but is kept for safety.
pub fn next_event_at(policy: &Policy, domain: &Domain) -> Option<OffsetDateTime> {
    next(policy, domain).map(|(at, _)| at)
}

/// Applies the earliest transition due at `ctx.now`, if any; `None` once the domain is
/// quiescent. A purge returns `Some` with `state: None`.
pub fn step(
    ctx: &Ctx<'_>,
    domain: &Domain,
    sponsor: RegistrarState,
) -> Option<Decision<Option<Domain>>> {
    let (at, event) = next(ctx.policy, domain).filter(|(at, _)| *at <= ctx.now)?;
    let policy = ctx.policy;
    let mut next = domain.clone();
    let decision = match event {
        Event::GraceEnds => {
            next.grace.retain(|grace| grace.ends > at);
            Decision::new(Some(next), "grace_end")
        }
        Event::CodeExpires => {
            next.auth = None;
            next.stamps.touch(OPERATOR, at);
            Decision::new(Some(next), "auth_code_expired")
        }
        Event::Expiry if continuity(sponsor) => {
            next.expires_at = add_years(domain.expires_at, 1);
            next.stamps.touch(OPERATOR, at);
            let mut decision = Decision::new(Some(next), "credit_renewal");
            decision.charges.push(renewal_charge(
                policy,
                domain,
                Account::Receivable,
                ChargeKind::CreditRenewal,
                at,
            ));
            decision.poll.push(renewal_poll(
                domain,
                at,
                "Domain renewed on credit by the registry.",
            ));
            decision
        }
        Event::Expiry => {
            next.expires_at = add_years(domain.expires_at, 1);
            let ends = after(at, policy.auto_renew_grace_days);
            if ends > at {
                next.grace.push(GracePeriod {
                    kind: GraceKind::AutoRenew,
                    ends,
                    registrar: domain.sponsor.clone(),
                    amount: policy.renew_price,
                    years: 1,
                });
            }
            next.stamps.touch(OPERATOR, at);
            let mut decision = Decision::new(Some(next), "auto_renew");
            decision.charges.push(renewal_charge(
                policy,
                domain,
                Account::Prepaid,
                ChargeKind::AutoRenew,
                at,
            ));
            decision.poll.push(renewal_poll(domain, at, "Domain auto-renewed."));
            decision
        }
        Event::TransferDue => complete_transfer(
            policy,
            domain,
            at,
            OPERATOR,
            TransferStatus::ServerApproved,
            "transfer_auto_approve",
        )
        .map(Some),
        Event::PhaseEnds => return Some(end_phase(policy, next, at, sponsor)),
    };
    Some(decision)
}

fn end_phase(
    policy: &Policy,
    mut domain: Domain,
    at: OffsetDateTime,
    sponsor: RegistrarState,
) -> Decision<Option<Domain>> {
    let Some(deletion) = domain.deletion.clone() else {
        return Decision::new(Some(domain), "none");
    };
    let pending_delete = Deletion {
        phase: DeletionPhase::PendingDelete,
        phase_ends: after(at, policy.pending_delete_days),
        requested_at: deletion.requested_at,
    };
    if continuity(sponsor) && deletion.phase != DeletionPhase::PendingRestore {
        let days = match deletion.phase {
            DeletionPhase::PendingDelete => policy.pending_delete_days,
            _ => policy.redemption_days,
        };
        // A zero-length phase could not move forward; one day keeps the hold advancing.
        domain.deletion = Some(Deletion { phase_ends: after(at, days.max(1)), ..deletion });
        return Decision::new(Some(domain), "deletion_held");
    }
    if purge_held(sponsor) && deletion.phase == DeletionPhase::PendingDelete {
        let phase_ends = after(at, policy.pending_delete_days.max(1));
        domain.deletion = Some(Deletion { phase_ends, ..deletion });
        return Decision::new(Some(domain), "deletion_held");
    }
    match deletion.phase {
        DeletionPhase::Redemption => {
            domain.deletion = Some(pending_delete);
            domain.stamps.touch(OPERATOR, at);
            Decision::new(Some(domain), "pending_delete")
        }
        DeletionPhase::PendingRestore => {
            let redemption_ends = after(deletion.requested_at, policy.redemption_days);
            domain.deletion = Some(if redemption_ends > at || continuity(sponsor) {
                // Held or not, the domain goes back to redemption; a held one whose time ran
                // out is moved ahead at the next step.
                Deletion {
                    phase: DeletionPhase::Redemption,
                    phase_ends: redemption_ends,
                    ..deletion
                }
            } else {
                pending_delete
            });
            domain.stamps.touch(OPERATOR, at);
            Decision::new(Some(domain), "restore_expired")
        }
        DeletionPhase::PendingDelete => {
            let mut decision = Decision::new(None, "purge");
            decision.poll.push(PollMessage {
                registrar: domain.sponsor.clone(),
                at,
                text: "Domain purged.".to_owned(),
                body: PollBody::Purged { domain: domain.name.clone() },
            });
            decision
        }
    }
}

fn renewal_charge(
    policy: &Policy,
    domain: &Domain,
    account: Account,
    kind: ChargeKind,
    at: OffsetDateTime,
) -> Charge {
    Charge {
        registrar: domain.sponsor.clone(),
        account,
        amount: -policy.renew_price,
        kind,
        domain: Some(domain.name.clone()),
        years: 1,
        at,
    }
}

fn renewal_poll(domain: &Domain, at: OffsetDateTime, text: &str) -> PollMessage {
    PollMessage {
        registrar: domain.sponsor.clone(),
        at,
        text: text.to_owned(),
        body: PollBody::AutoRenew {
            domain: domain.name.clone(),
            expires_at: add_years(domain.expires_at, 1),
        },
    }
}
