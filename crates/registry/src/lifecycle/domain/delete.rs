//! `<domain:delete>` (RFC 5731 §3.2.2) and the RFC 3915 restore: request then report, or a
//! report alone.

use time::OffsetDateTime;

use super::{label, refund_all_grace, require_not_prohibited, require_settled, require_sponsor};
use crate::lifecycle::{Ctx, Decision, Refusal, after, refuse};
use crate::model::{
    Account, Charge, ChargeKind, Deletion, DeletionPhase, Domain, DomainStatus, GraceKind,
};

/// Deletes `domain`.
///
/// Inside the Add grace period the domain is gone at once (`state: None`) and every running
/// grace period is refunded — the create and any renew since. Otherwise it enters the
/// redemption period for `redemption_days`, and every running renew, auto-renew or transfer
/// grace period is refunded with its years taken off the expiry (RFC 3915 §3.1).
///
/// `linked_subordinates` are this domain's subordinate hosts that other domains delegate to
/// (a fact from the store). Subordinate hosts nobody else uses stay until the purge, so a
/// restore brings the domain back whole; the service removes them with the purged domain.
///
/// Refusals: 2201 not the sponsor; 2304 already in deletion, transfer pending,
/// `client`/`serverDeleteProhibited`; 2305 subordinate hosts linked from other domains.
pub fn delete(
    ctx: &Ctx<'_>,
    domain: &Domain,
    linked_subordinates: &[String],
) -> Result<Decision<Option<Domain>>, Refusal> {
    require_sponsor(ctx, domain)?;
    require_settled(domain, "delete")?;
    require_not_prohibited(
        ctx,
        domain,
        DomainStatus::ClientDeleteProhibited,
        DomainStatus::ServerDeleteProhibited,
        "delete",
    )?;
    if !linked_subordinates.is_empty() {
        return Err(refuse::association(
            &label(&domain.name),
            format!(
                "its subordinate hosts are name servers of other domains: {}",
                linked_subordinates.join(", ")
            ),
        ));
    }
    let in_add_grace = in_grace(domain, GraceKind::Add, ctx.now);
    let mut deleted = domain.clone();
    let refunds = refund_all_grace(&mut deleted, ctx.now);
    if in_add_grace {
        let mut decision = Decision::new(None, "delete");
        decision.charges = refunds;
        return Ok(decision);
    }
    deleted.deletion = Some(Deletion {
        phase: DeletionPhase::Redemption,
        phase_ends: after(ctx.now, ctx.policy.redemption_days),
        requested_at: ctx.now,
    });
    deleted.stamps.touch(ctx.actor, ctx.now);
    let mut decision = Decision::new(Some(deleted), "delete");
    decision.charges = refunds;
    Ok(decision)
}

/// Asks to restore a domain in its redemption period (RFC 3915 §4.2.1, `op="request"`): it
/// moves to pendingRestore for `pending_restore_days`, waiting for the report, and the
/// sponsor is charged `restore_price`. The restore adds no years: a domain whose expiry
/// passed while it was deleted is auto-renewed by [`crate::lifecycle::due::step`] once
/// restored, like any other.
///
/// Refusals: 2201 not the sponsor; 2304 not in redemptionPeriod.
pub fn restore_request(ctx: &Ctx<'_>, domain: &Domain) -> Result<Decision<Domain>, Refusal> {
    require_sponsor(ctx, domain)?;
    let Some(deletion) = domain.deletion.as_ref().filter(|d| d.phase == DeletionPhase::Redemption)
    else {
        return Err(refuse::status(
            &label(&domain.name),
            "restore needs the domain in redemptionPeriod".to_owned(),
        ));
    };
    let mut restoring = domain.clone();
    restoring.deletion = Some(Deletion {
        phase: DeletionPhase::PendingRestore,
        phase_ends: after(ctx.now, ctx.policy.pending_restore_days),
        requested_at: deletion.requested_at,
    });
    restoring.stamps.touch(ctx.actor, ctx.now);
    let mut decision = Decision::new(restoring, "restore_request");
    decision.charges.push(restore_charge(ctx, domain));
    Ok(decision)
}

/// What a restore costs the sponsor, charged when it is asked for.
fn restore_charge(ctx: &Ctx<'_>, domain: &Domain) -> Charge {
    super::charge(
        &domain.sponsor,
        Account::Prepaid,
        -ctx.policy.restore_price,
        ChargeKind::Restore,
        &domain.name,
        0,
        ctx.now,
    )
}

/// The RFC 3915 §4.2.5 restore report, as the registrar sent it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RestoreReport {
    /// The registration data before the delete.
    pub pre_data: String,
    /// The registration data now.
    pub post_data: String,
    /// When the domain was deleted.
    #[serde(with = "time::serde::rfc3339")]
    pub del_time: OffsetDateTime,
    /// When it was restored.
    #[serde(with = "time::serde::rfc3339")]
    pub res_time: OffsetDateTime,
    /// Why.
    pub res_reason: String,
    /// The two statements the registrar makes.
    pub statements: Vec<String>,
    /// Anything else.
    pub other: Option<String>,
}

/// Completes a restore with the registrar's report (RFC 3915 §4.2.5, `op="report"`): the
/// deletion is cleared and the domain is back to normal. The report is returned, as JSON,
/// in the decision's `note` for the history entry.
///
/// A report may come in pendingRestore, after a request, or in redemptionPeriod without one:
/// RFC 3915 §4.2.5 defines `op="report"` as "a restore request that contains a restore
/// report", so a registrar that has its report ready restores in one command, and is charged
/// `restore_price` then, as the request would have charged it. This is also what ICANN RST's
/// restore case (epp-22) sends to a registry that requires a report: a `report` straight
/// after the delete.
///
/// Refusals: 2201 not the sponsor; 2304 neither in redemptionPeriod nor in pendingRestore;
/// 2003 empty pre- or post-data, reason or statements; 2306 a restore time before the
/// delete time.
pub fn restore_report(
    ctx: &Ctx<'_>,
    domain: &Domain,
    report: &RestoreReport,
) -> Result<Decision<Domain>, Refusal> {
    let object = label(&domain.name);
    require_sponsor(ctx, domain)?;
    let requested_now = match domain.deletion.as_ref().map(|d| d.phase) {
        Some(DeletionPhase::PendingRestore) => false,
        Some(DeletionPhase::Redemption) => true,
        _ => {
            return Err(refuse::status(
                &object,
                "a restore report needs the domain in redemptionPeriod or pendingRestore"
                    .to_owned(),
            ));
        }
    };
    for (value, what) in [
        (&report.pre_data, "the report's preData is empty"),
        (&report.post_data, "the report's postData is empty"),
        (&report.res_reason, "the report's resReason is empty"),
    ] {
        if value.trim().is_empty() {
            return Err(refuse::required(&object, what));
        }
    }
    if report.statements.iter().all(|statement| statement.trim().is_empty()) {
        return Err(refuse::required(&object, "the report has no statement"));
    }
    if report.res_time < report.del_time {
        return Err(refuse::policy(
            &object,
            "the report's resTime is before its delTime".to_owned(),
        ));
    }
    let mut restored = domain.clone();
    restored.deletion = None;
    restored.stamps.touch(ctx.actor, ctx.now);
    let mut decision = Decision::new(restored, "restore_report");
    decision.note = serde_json::to_string(report).ok();
    if requested_now {
        decision.charges.push(restore_charge(ctx, domain));
    }
    Ok(decision)
}

/// Whether a running grace period of `kind` covers `at`.
pub(crate) fn in_grace(domain: &Domain, kind: GraceKind, at: OffsetDateTime) -> bool {
    domain.grace.iter().any(|grace| grace.kind == kind && grace.ends > at)
}
