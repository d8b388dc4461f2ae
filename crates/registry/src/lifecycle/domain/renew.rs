//! `<domain:renew>` (RFC 5731 §3.2.3, RFC 3915 renew grace).

use time::Date;

use super::{
    charge, check_expiry_limit, check_years, label, require_not_prohibited, require_settled,
    require_sponsor,
};
use crate::lifecycle::{Ctx, Decision, Refusal, add_years, after, price_for, refuse};
use crate::model::{Account, ChargeKind, Domain, DomainStatus, GraceKind, GracePeriod};

/// Renews `domain` by `years`, charged to its sponsor.
///
/// `cur_exp_date` must be the current expiry date (in UTC), so that a retried renew cannot
/// add the years twice (RFC 5731 §3.2.3).
///
/// Refusals: 2201 not the sponsor; 2304 in deletion, transfer pending,
/// `client`/`serverRenewProhibited`; 2004/2306 period; 2306 `cur_exp_date` is not the
/// expiry date, or the new expiry lies more than `max_years` ahead.
pub fn renew(
    ctx: &Ctx<'_>,
    domain: &Domain,
    cur_exp_date: Date,
    years: u8,
) -> Result<Decision<Domain>, Refusal> {
    require_sponsor(ctx, domain)?;
    require_settled(domain, "renew")?;
    require_not_prohibited(
        ctx,
        domain,
        DomainStatus::ClientRenewProhibited,
        DomainStatus::ServerRenewProhibited,
        "renew",
    )?;
    check_years(ctx, &domain.name, years)?;
    let current = domain.expires_at.to_offset(time::UtcOffset::UTC).date();
    if cur_exp_date != current {
        return Err(refuse::policy(
            &label(&domain.name),
            format!("curExpDate {cur_exp_date} is not the expiry date {current}"),
        ));
    }
    let expires_at = add_years(domain.expires_at, i32::from(years));
    check_expiry_limit(ctx, &domain.name, expires_at)?;

    let amount = price_for(ctx.policy.renew_price, years);
    let mut renewed = domain.clone();
    renewed.expires_at = expires_at;
    renewed.grace.retain(|grace| grace.ends > ctx.now);
    renewed.grace.push(GracePeriod {
        kind: GraceKind::Renew,
        ends: after(ctx.now, ctx.policy.renew_grace_days),
        registrar: domain.sponsor.clone(),
        amount,
        years,
    });
    renewed.stamps.touch(ctx.actor, ctx.now);
    let mut decision = Decision::new(renewed, "renew");
    decision.charges.push(charge(
        &domain.sponsor,
        Account::Prepaid,
        -amount,
        ChargeKind::Renew,
        &domain.name,
        years,
        ctx.now,
    ));
    Ok(decision)
}
