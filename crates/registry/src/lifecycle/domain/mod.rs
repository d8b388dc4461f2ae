//! Domain commands (RFC 5731, with RFC 3915 grace periods and restore, RFC 5910 DS data and
//! RFC 9154 transfer codes), one file per command family.
//!
//! Authorization: only the sponsor, or the registry operator, may change a domain; the
//! operator is not bound by `client*` or `server*` prohibitions (it sets the latter). A
//! domain in deletion or with a transfer pending refuses every transform but the ones made
//! for those states (restore; transfer approve/reject/cancel).

mod create;
mod delete;
mod renew;
mod transfer;
mod update;

pub use create::{DomainCreate, create};
pub use delete::{RestoreReport, delete, restore_report, restore_request};
pub use renew::renew;
pub use transfer::{
    complete_transfer, transfer_approve, transfer_cancel, transfer_expiry, transfer_query,
    transfer_reject, transfer_request,
};
pub use update::{AuthChange, DomainUpdate, SecDnsUpdate, update};

use std::collections::BTreeSet;

use time::OffsetDateTime;

use super::{Ctx, Refs, Refusal, add_years, refuse};
use crate::model::{
    Account, Charge, ChargeKind, Domain, DomainContact, DomainStatus, DsData, Money, PollBody,
    PollMessage, Transfer,
};

/// Most name servers a domain may list (as many as fit a classic 512-octet referral).
pub const MAX_NS: usize = 13;

/// Most DS records a domain may carry.
pub const MAX_DS: usize = 8;

/// How a domain is named in refusals and history.
pub(crate) fn label(name: &str) -> String {
    format!("domain {name}")
}

pub(crate) fn require_sponsor(ctx: &Ctx<'_>, domain: &Domain) -> Result<(), Refusal> {
    if ctx.is_operator() || ctx.actor == domain.sponsor {
        Ok(())
    } else {
        Err(refuse::authorization(
            &label(&domain.name),
            format!("registrar {} is not the sponsor", ctx.actor),
        ))
    }
}

/// Refuses `what` on a domain in deletion or with a transfer pending (RFC 5731 §2.3: such
/// domains take no transform commands but the ones for their state).
pub(crate) fn require_settled(domain: &Domain, what: &str) -> Result<(), Refusal> {
    if let Some(deletion) = &domain.deletion {
        let phase = match deletion.phase {
            crate::model::DeletionPhase::Redemption => "redemptionPeriod",
            crate::model::DeletionPhase::PendingRestore => "pendingRestore",
            crate::model::DeletionPhase::PendingDelete => "pendingDelete",
        };
        return Err(refuse::status(
            &label(&domain.name),
            format!("pendingDelete ({phase}) forbids {what}"),
        ));
    }
    if domain.transfer_pending() {
        return Err(refuse::status(
            &label(&domain.name),
            format!("pendingTransfer forbids {what}"),
        ));
    }
    Ok(())
}

/// Refuses `what` when `client` or `server` is set, unless the operator acts.
pub(crate) fn require_not_prohibited(
    ctx: &Ctx<'_>,
    domain: &Domain,
    client: DomainStatus,
    server: DomainStatus,
    what: &str,
) -> Result<(), Refusal> {
    if ctx.is_operator() {
        return Ok(());
    }
    for status in [server, client] {
        if domain.statuses.contains(&status) {
            return Err(refuse::status(
                &label(&domain.name),
                format!("status {} forbids {what}", status.as_str()),
            ));
        }
    }
    Ok(())
}

/// Checks a registration period: 1–99 is the protocol's range (2004), the policy's
/// `min_years..=max_years` its own (2306).
pub(crate) fn check_years(ctx: &Ctx<'_>, name: &str, years: u8) -> Result<(), Refusal> {
    if !(1..=99).contains(&years) {
        return Err(refuse::range(&label(name), format!("period {years} y is outside 1..=99")));
    }
    let policy = ctx.policy;
    if years < policy.min_years || years > policy.max_years {
        return Err(refuse::policy(
            &label(name),
            format!(
                "period {years} y is outside this registry's {}..={} years",
                policy.min_years, policy.max_years
            ),
        ));
    }
    Ok(())
}

/// Refuses an expiry further than `max_years` ahead of now (RFC 5731 §3.2.3; ICANN's ten
/// years).
pub(crate) fn check_expiry_limit(
    ctx: &Ctx<'_>,
    name: &str,
    expires_at: OffsetDateTime,
) -> Result<(), Refusal> {
    let limit = super::expiry_limit(ctx.policy, ctx.now);
    if expires_at > limit {
        return Err(refuse::policy(
            &label(name),
            format!(
                "the new expiry {} would lie more than {} years ahead",
                expires_at.date(),
                ctx.policy.max_years
            ),
        ));
    }
    Ok(())
}

/// Lower-cases and checks a name-server list against `refs`: each at most once, all
/// existing, at most [`MAX_NS`] once combined with `keep` (what the domain already has).
pub(crate) fn check_ns(
    name: &str,
    ns: &[String],
    refs: &Refs,
    keep: usize,
) -> Result<Vec<String>, Refusal> {
    let mut seen = BTreeSet::new();
    let mut lowered = Vec::with_capacity(ns.len().min(MAX_NS));
    for host in ns {
        let host = crate::lifecycle::names::lookup_name(host);
        if !seen.insert(host.clone()) {
            return Err(refuse::policy(
                &label(name),
                format!("name server {host} is listed twice"),
            ));
        }
        if !refs.hosts.contains(&host) {
            return Err(refuse::missing(format!("host {host}"), ", named as a name server"));
        }
        lowered.push(host);
        if keep + lowered.len() > MAX_NS {
            return Err(refuse::policy(&label(name), format!("more than {MAX_NS} name servers")));
        }
    }
    Ok(lowered)
}

/// Checks contact references: each (role, id) once, every id existing.
pub(crate) fn check_contacts(
    name: &str,
    contacts: &[DomainContact],
    refs: &Refs,
) -> Result<(), Refusal> {
    let mut seen = BTreeSet::new();
    for contact in contacts {
        if !seen.insert(contact) {
            return Err(refuse::policy(
                &label(name),
                format!("contact {} is listed twice in the same role", contact.id),
            ));
        }
        check_contact_exists(contact.id.as_str(), refs)?;
    }
    Ok(())
}

pub(crate) fn check_contact_exists(id: &str, refs: &Refs) -> Result<(), Refusal> {
    if refs.contacts.contains(id) {
        Ok(())
    } else {
        Err(refuse::missing(format!("contact {id}"), ", named by the domain"))
    }
}

/// Checks and normalizes DS data (RFC 5910, RFC 4034 §5): the digest in hex (stored upper
/// case), of the length its digest type fixes for the types in use (1 SHA-1, 2 SHA-256,
/// 3 GOST, 4 SHA-384).
pub(crate) fn check_ds(name: &str, ds: &DsData) -> Result<DsData, Refusal> {
    let digest = ds.digest.to_ascii_uppercase();
    if digest.is_empty()
        || !digest.len().is_multiple_of(2)
        || !digest.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return Err(refuse::syntax(
            &label(name),
            format!("DS digest for key tag {} is not an even number of hex digits", ds.key_tag),
        ));
    }
    let expected = match ds.digest_type {
        1 => Some(40),
        2 | 3 => Some(64),
        4 => Some(96),
        _ => None,
    };
    if let Some(expected) = expected
        && digest.len() != expected
    {
        return Err(refuse::syntax(
            &label(name),
            format!(
                "DS digest type {} takes {expected} hex digits, key tag {} has {}",
                ds.digest_type,
                ds.key_tag,
                digest.len()
            ),
        ));
    }
    Ok(DsData { digest, ..ds.clone() })
}

/// RFC 5910 `maxSigLife` is 1..=2147483647 seconds.
pub(crate) fn check_max_sig_life(name: &str, value: u32) -> Result<(), Refusal> {
    if (1..=i32::MAX.unsigned_abs()).contains(&value) {
        Ok(())
    } else {
        Err(refuse::range(&label(name), format!("maxSigLife {value} is outside 1..=2147483647")))
    }
}

/// Takes back every grace period still running at `at` (RFC 3915: a delete inside one
/// refunds its command), returning the refunds; elapsed periods are dropped without one.
pub(crate) fn refund_all_grace(domain: &mut Domain, at: OffsetDateTime) -> Vec<Charge> {
    let mut refunds = Vec::new();
    for grace in std::mem::take(&mut domain.grace) {
        if grace.ends > at {
            domain.expires_at = add_years(domain.expires_at, -i32::from(grace.years));
            if grace.amount != 0 {
                refunds.push(charge(
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
    refunds
}

pub(crate) fn charge(
    registrar: &str,
    account: Account,
    amount: Money,
    kind: ChargeKind,
    domain: &str,
    years: u8,
    at: OffsetDateTime,
) -> Charge {
    Charge {
        registrar: registrar.to_owned(),
        account,
        amount,
        kind,
        domain: Some(domain.to_owned()),
        years,
        at,
    }
}

/// The poll message telling `to` where `transfer` of `domain` stands.
pub(crate) fn transfer_poll(
    domain: &Domain,
    transfer: &Transfer,
    to: &str,
    at: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> PollMessage {
    let text = match transfer.status {
        crate::model::TransferStatus::Pending => "Transfer requested.",
        crate::model::TransferStatus::ClientApproved => "Transfer approved.",
        crate::model::TransferStatus::ServerApproved => "Transfer auto-approved.",
        crate::model::TransferStatus::ClientRejected => "Transfer rejected.",
        crate::model::TransferStatus::ClientCancelled => "Transfer cancelled.",
        crate::model::TransferStatus::ServerCancelled => "Transfer cancelled by the registry.",
    };
    PollMessage {
        registrar: to.to_owned(),
        at,
        text: text.to_owned(),
        body: PollBody::Transfer {
            domain: domain.name.clone(),
            status: transfer.status,
            gaining: transfer.gaining.clone(),
            losing: transfer.losing.clone(),
            requested_at: transfer.requested_at,
            action_at: transfer.action_at,
            expires_at,
        },
    }
}

#[cfg(test)]
pub(crate) mod tests;
