//! `<domain:transfer>` (RFC 5731 §3.2.4): request, approve, reject, cancel and query; the
//! completion shared with the automatic approval; RFC 9154 transfer codes; RFC 3915 transfer
//! and auto-renew grace.
//!
//! Result codes, as RFC 5730 defines them and Nomulus and ICANN's RST use them: asking to
//! transfer a domain one already sponsors, or one still inside `transfer_lock_days` of its
//! create or last transfer, is 2106 (not eligible); a `*TransferProhibited` status or a
//! deletion is 2304; a transfer already pending is 2300; a missing, wrong or expired code
//! is 2202.

use time::OffsetDateTime;

use super::{charge, check_expiry_limit, label, require_not_prohibited, transfer_poll};
use crate::lifecycle::{Ctx, Decision, OPERATOR, Refusal, add_years, after, refuse};
use crate::model::{
    Account, ChargeKind, Domain, DomainStatus, GraceKind, GracePeriod, Transfer, TransferStatus,
};
use crate::policy::Policy;
use crate::secret;

/// The expiry `domain` would have if its transfer, adding `years`, completed at `at`: the
/// years are added to the current expiry, except that an auto-renewal still in its grace
/// period at `at` is taken back first (RFC 3915 §3.2: the loser is refunded and the year is
/// not added twice).
pub fn transfer_expiry(domain: &Domain, at: OffsetDateTime, years: u8) -> OffsetDateTime {
    let undone: i32 = domain
        .grace
        .iter()
        .filter(|grace| grace.kind == GraceKind::AutoRenew && grace.ends > at)
        .map(|grace| i32::from(grace.years))
        .sum();
    add_years(domain.expires_at, i32::from(years) - undone)
}

/// The gaining registrar (the actor) asks for `domain`, presenting its transfer `code`.
/// `years` is the requested period (`None`: one year, the only period offered).
///
/// The gaining registrar is charged `transfer_price` now (refunded if the transfer does not
/// complete); the losing registrar gets a poll message; the transfer is approved
/// automatically after `transfer_pending_days` unless acted on.
///
/// Refusals: 2201 the operator (registry moves are bulk transfers, elsewhere); 2106 the
/// actor already sponsors it, or it is inside the transfer lock; 2202 no code set, code
/// expired (`auth_code_days`) or wrong; 2300 a transfer is pending; 2304 in deletion or
/// `client`/`serverTransferProhibited`; 2004/2306 a period other than one year; 2306 the
/// expiry after transfer would lie more than `max_years` ahead.
pub fn transfer_request(
    ctx: &Ctx<'_>,
    domain: &Domain,
    code: &str,
    years: Option<u8>,
) -> Result<Decision<Domain>, Refusal> {
    let object = label(&domain.name);
    if ctx.is_operator() {
        return Err(refuse::authorization(
            &object,
            "the registry moves domains by bulk transfer, not by transfer request".to_owned(),
        ));
    }
    if ctx.actor == domain.sponsor {
        return Err(refuse::not_eligible(
            &object,
            format!("registrar {} already sponsors it", ctx.actor),
        ));
    }
    check_code(ctx, domain, code)?;
    if let Some(transfer) = domain.transfer.as_ref().filter(|t| t.status == TransferStatus::Pending)
    {
        return Err(refuse::pending(
            &object,
            format!("a transfer to {} is already pending", transfer.gaining),
        ));
    }
    if domain.deletion.is_some() {
        return Err(refuse::status(&object, "pendingDelete forbids transfer".to_owned()));
    }
    require_not_prohibited(
        ctx,
        domain,
        DomainStatus::ClientTransferProhibited,
        DomainStatus::ServerTransferProhibited,
        "transfer",
    )?;
    let lock = ctx.policy.transfer_lock_days;
    if lock > 0 {
        let last_move = domain.transferred_at.unwrap_or(domain.stamps.created_at);
        if after(last_move, lock) > ctx.now {
            return Err(refuse::not_eligible(
                &object,
                format!("it was created or transferred less than {lock} days ago"),
            ));
        }
    }
    let years = years.unwrap_or(1);
    if !(1..=99).contains(&years) {
        return Err(refuse::range(&object, format!("period {years} y is outside 1..=99")));
    }
    if years != 1 {
        return Err(refuse::policy(&object, "a transfer adds exactly one year here".to_owned()));
    }
    let action_at = after(ctx.now, ctx.policy.transfer_pending_days);
    let expires_at = transfer_expiry(domain, action_at, years);
    check_expiry_limit(ctx, &domain.name, expires_at)?;

    let amount = ctx.policy.transfer_price;
    let transfer = Transfer {
        status: TransferStatus::Pending,
        gaining: ctx.actor.to_owned(),
        losing: domain.sponsor.clone(),
        requested_at: ctx.now,
        action_at,
        years,
        amount,
    };
    let mut pending = domain.clone();
    pending.transfer = Some(transfer.clone());
    let mut decision = Decision::new(pending, "transfer_request");
    decision.charges.push(charge(
        ctx.actor,
        Account::Prepaid,
        -amount,
        ChargeKind::Transfer,
        &domain.name,
        years,
        ctx.now,
    ));
    decision.poll.push(transfer_poll(domain, &transfer, &domain.sponsor, ctx.now, expires_at));
    Ok(decision)
}

fn check_code(ctx: &Ctx<'_>, domain: &Domain, code: &str) -> Result<(), Refusal> {
    let object = label(&domain.name);
    let Some(auth) = &domain.auth else {
        return Err(refuse::invalid_auth(
            &object,
            "no transfer code is set; the sponsor sets one when the registrant asks",
        ));
    };
    if after(auth.set_at, ctx.policy.auth_code_days) <= ctx.now {
        return Err(refuse::invalid_auth(&object, "the transfer code has expired"));
    }
    if !secret::verify_code(code, auth) {
        return Err(refuse::invalid_auth(&object, "the transfer code does not match"));
    }
    Ok(())
}

fn pending_transfer(domain: &Domain) -> Result<&Transfer, Refusal> {
    domain
        .transfer
        .as_ref()
        .filter(|transfer| transfer.status == TransferStatus::Pending)
        .ok_or_else(|| refuse::not_pending(&label(&domain.name)))
}

/// The losing registrar (the sponsor) or the operator approves the pending transfer; it
/// completes at once ([`complete_transfer`]).
///
/// Refusals: 2301 nothing pending; 2201 neither the sponsor nor the operator.
pub fn transfer_approve(ctx: &Ctx<'_>, domain: &Domain) -> Result<Decision<Domain>, Refusal> {
    pending_transfer(domain)?;
    let status = if ctx.is_operator() {
        TransferStatus::ServerApproved
    } else if ctx.actor == domain.sponsor {
        TransferStatus::ClientApproved
    } else {
        return Err(refuse::authorization(
            &label(&domain.name),
            format!("only the sponsor approves a transfer, not {}", ctx.actor),
        ));
    };
    Ok(complete_transfer(ctx.policy, domain, ctx.now, ctx.actor, status, "transfer_approve"))
}

/// Moves `domain` to the gaining registrar of its pending transfer at `at`, with `status`
/// (ClientApproved or ServerApproved), under history `action`.
///
/// The auto-renew still in grace at `at`, if any, is refunded to whoever paid it and its
/// year taken off; then the transfer's years are added; every other grace period ends; a
/// Transfer grace period starts for the gaining registrar; the transfer code is cleared
/// (RFC 9154 §4.3); both registrars get a poll message. The service moves the domain's
/// subordinate hosts along ([`crate::lifecycle::host::follow_superordinate`]).
///
/// A domain without a pending transfer is returned unchanged.
pub fn complete_transfer(
    policy: &Policy,
    domain: &Domain,
    at: OffsetDateTime,
    actor: &str,
    status: TransferStatus,
    action: &'static str,
) -> Decision<Domain> {
    let Some(pending) = domain.transfer.as_ref().filter(|t| t.status == TransferStatus::Pending)
    else {
        return Decision::new(domain.clone(), action);
    };
    let mut moved = domain.clone();
    let mut decision_charges = Vec::new();
    for grace in std::mem::take(&mut moved.grace) {
        if grace.kind == GraceKind::AutoRenew && grace.ends > at {
            moved.expires_at = add_years(moved.expires_at, -i32::from(grace.years));
            if grace.amount != 0 {
                decision_charges.push(charge(
                    &grace.registrar,
                    Account::Prepaid,
                    grace.amount,
                    ChargeKind::Refund,
                    &domain.name,
                    grace.years,
                    at,
                ));
            }
        }
    }
    moved.expires_at = add_years(moved.expires_at, i32::from(pending.years));
    if pending.amount != 0 || pending.years != 0 {
        moved.grace.push(GracePeriod {
            kind: GraceKind::Transfer,
            ends: after(at, policy.transfer_grace_days),
            registrar: pending.gaining.clone(),
            amount: pending.amount,
            years: pending.years,
        });
    }
    moved.sponsor = pending.gaining.clone();
    moved.transferred_at = Some(at);
    moved.auth = None;
    let done = Transfer { status, action_at: at, ..pending.clone() };
    moved.transfer = Some(done.clone());
    moved.stamps.touch(actor, at);
    let mut decision = Decision::new(moved, action);
    decision.charges = decision_charges;
    let expires_at = decision.state.expires_at;
    decision.poll.push(transfer_poll(domain, &done, &done.gaining, at, expires_at));
    decision.poll.push(transfer_poll(domain, &done, &done.losing, at, expires_at));
    decision
}

/// The sponsor (ClientRejected) or the operator (ServerCancelled) turns the pending
/// transfer down; the gaining registrar is refunded and told.
///
/// Refusals: 2301 nothing pending; 2201 neither the sponsor nor the operator.
pub fn transfer_reject(ctx: &Ctx<'_>, domain: &Domain) -> Result<Decision<Domain>, Refusal> {
    pending_transfer(domain)?;
    let status = if ctx.is_operator() {
        TransferStatus::ServerCancelled
    } else if ctx.actor == domain.sponsor {
        TransferStatus::ClientRejected
    } else {
        return Err(refuse::authorization(
            &label(&domain.name),
            format!("only the sponsor rejects a transfer, not {}", ctx.actor),
        ));
    };
    Ok(end_unsuccessfully(ctx, domain, status, "transfer_reject"))
}

/// The gaining registrar (ClientCancelled) or the operator (ServerCancelled) withdraws the
/// pending transfer; the gaining registrar is refunded and the losing one told.
///
/// Refusals: 2301 nothing pending; 2201 neither the gaining registrar nor the operator.
pub fn transfer_cancel(ctx: &Ctx<'_>, domain: &Domain) -> Result<Decision<Domain>, Refusal> {
    let pending = pending_transfer(domain)?;
    let status = if ctx.is_operator() {
        TransferStatus::ServerCancelled
    } else if ctx.actor == pending.gaining {
        TransferStatus::ClientCancelled
    } else {
        return Err(refuse::authorization(
            &label(&domain.name),
            format!("only the requesting registrar cancels a transfer, not {}", ctx.actor),
        ));
    };
    Ok(end_unsuccessfully(ctx, domain, status, "transfer_cancel"))
}

fn end_unsuccessfully(
    ctx: &Ctx<'_>,
    domain: &Domain,
    status: TransferStatus,
    action: &'static str,
) -> Decision<Domain> {
    let mut ended = domain.clone();
    let mut decision_charges = Vec::new();
    let mut poll = Vec::new();
    if let Some(pending) = domain.transfer.as_ref() {
        let done = Transfer { status, action_at: ctx.now, ..pending.clone() };
        if pending.amount != 0 {
            decision_charges.push(charge(
                &pending.gaining,
                Account::Prepaid,
                pending.amount,
                ChargeKind::Refund,
                &domain.name,
                pending.years,
                ctx.now,
            ));
        }
        // Tell whoever did not act: the gaining registrar of a rejection, the losing one of
        // a cancellation, both when the registry steps in.
        let told: Vec<&str> = match status {
            TransferStatus::ClientRejected => vec![done.gaining.as_str()],
            TransferStatus::ClientCancelled => vec![done.losing.as_str()],
            _ => vec![done.gaining.as_str(), done.losing.as_str()],
        };
        for registrar in told {
            poll.push(transfer_poll(domain, &done, registrar, ctx.now, domain.expires_at));
        }
        ended.transfer = Some(done);
    }
    ended.stamps.touch(if ctx.is_operator() { OPERATOR } else { ctx.actor }, ctx.now);
    let mut decision = Decision::new(ended, action);
    decision.charges = decision_charges;
    decision.poll = poll;
    decision
}

/// The latest transfer of `domain`, for `<domain:transfer op="query">`: the sponsor, the two
/// registrars of that transfer and the operator may ask.
///
/// Refusals: 2301 the domain was never transferred; 2201 anyone else.
pub fn transfer_query(ctx: &Ctx<'_>, domain: &Domain) -> Result<Transfer, Refusal> {
    let object = label(&domain.name);
    let Some(transfer) = &domain.transfer else {
        return Err(Refusal::NotPendingTransfer {
            object,
            reason: "no transfer has been requested".to_owned(),
        });
    };
    if ctx.is_operator()
        || ctx.actor == domain.sponsor
        || ctx.actor == transfer.gaining
        || ctx.actor == transfer.losing
    {
        Ok(transfer.clone())
    } else {
        Err(refuse::authorization(
            &object,
            format!("registrar {} is not a party to its transfer", ctx.actor),
        ))
    }
}
