//! `<domain:create>` (RFC 5731 §3.2.1, RFC 3915 add grace, RFC 9154 §4.1).

use std::collections::BTreeSet;

use rand_core::RngCore;

use super::{
    MAX_DS, check_contact_exists, check_contacts, check_ds, check_max_sig_life, check_ns,
    check_years, label,
};
use crate::lifecycle::{Ctx, Decision, Refs, Refusal, add_years, after, names, price_for, refuse};
use crate::model::{
    Account, ChargeKind, Domain, DomainContact, DsData, GraceKind, GracePeriod, Stamps,
};
use crate::secret;

/// A domain create as the registrar asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainCreate {
    /// The name to register.
    pub name: String,
    /// Registration period in years.
    pub years: u8,
    /// Name servers (host objects).
    pub ns: Vec<String>,
    /// Registrant contact id.
    pub registrant: Option<String>,
    /// Admin, billing and tech contacts.
    pub contacts: Vec<DomainContact>,
    /// The transfer code in clear; empty (`<domain:pw/>`) sets none (RFC 9154 §4.1).
    pub auth_code: String,
    /// DS data (RFC 5910).
    pub ds: Vec<DsData>,
    /// RFC 5910 `maxSigLife`, seconds.
    pub max_sig_life: Option<u32>,
}

/// Registers `req.name` for the actor.
///
/// Facts from the service: `taken` (a domain of that name exists, in any state), `refs` (which
/// named contacts and hosts exist) and `sequence` (the next domain ROID number). `rng` salts
/// the transfer code's hash.
///
/// Refusals: 2005/2306 name ([`names::check_domain_name`]); 2302 taken; 2004/2306 period;
/// 2303 unknown contact or host; 2306 repeated or too many name servers, too many DS
/// records; 2005 malformed DS; 2306 a transfer code that is not [`secret::is_strong`].
///
/// Charges `create_price × years` to the actor's prepaid account and starts the Add grace
/// period, inside which a delete refunds it.
pub fn create(
    ctx: &Ctx<'_>,
    req: &DomainCreate,
    taken: bool,
    refs: &Refs,
    sequence: u64,
    rng: &mut impl RngCore,
) -> Result<Decision<Domain>, Refusal> {
    let name = names::check_domain_name(ctx.policy, &req.name)?;
    let object = label(&name);
    if taken {
        return Err(refuse::exists(&object));
    }
    check_years(ctx, &name, req.years)?;
    let ns = check_ns(&name, &req.ns, refs, 0)?;
    if let Some(registrant) = &req.registrant {
        check_contact_exists(registrant, refs)?;
    }
    check_contacts(&name, &req.contacts, refs)?;
    if req.ds.len() > MAX_DS {
        return Err(refuse::policy(&object, format!("more than {MAX_DS} DS records")));
    }
    let mut ds = BTreeSet::new();
    for record in &req.ds {
        if !ds.insert(check_ds(&name, record)?) {
            return Err(refuse::policy(
                &object,
                format!("DS key tag {} is listed twice", record.key_tag),
            ));
        }
    }
    if let Some(value) = req.max_sig_life {
        check_max_sig_life(&name, value)?;
    }
    let auth = if req.auth_code.is_empty() {
        None
    } else if secret::is_strong(&req.auth_code) {
        Some(secret::new_auth_code(&req.auth_code, ctx.now, rng))
    } else {
        return Err(refuse::weak_code(&object));
    };
    let roid = names::roid("D", sequence, &ctx.policy.repository)?;

    let amount = price_for(ctx.policy.create_price, req.years);
    let expires_at = add_years(ctx.now, i32::from(req.years));
    let mut contacts = req.contacts.clone();
    contacts.sort();
    let domain = Domain {
        name: name.clone(),
        roid,
        sponsor: ctx.actor.to_owned(),
        reseller: None,
        registrant: req.registrant.clone(),
        contacts,
        ns,
        ds: ds.into_iter().collect(),
        max_sig_life: req.max_sig_life,
        statuses: BTreeSet::new(),
        stamps: Stamps::new(ctx.actor, ctx.now),
        expires_at,
        transferred_at: None,
        auth,
        grace: vec![GracePeriod {
            kind: GraceKind::Add,
            ends: after(ctx.now, ctx.policy.add_grace_days),
            registrar: ctx.actor.to_owned(),
            amount,
            years: req.years,
        }],
        deletion: None,
        transfer: None,
    };
    let mut decision = Decision::new(domain, "create");
    decision.charges.push(super::charge(
        ctx.actor,
        Account::Prepaid,
        -amount,
        ChargeKind::Create,
        &name,
        req.years,
        ctx.now,
    ));
    Ok(decision)
}
