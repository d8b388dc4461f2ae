//! `<domain:update>` (RFC 5731 §3.2.5, RFC 5910 secDNS, RFC 9154 §4.2).

use rand_core::RngCore;

use super::{
    MAX_DS, check_contact_exists, check_contacts, check_ds, check_max_sig_life, check_ns, label,
    require_settled, require_sponsor,
};
use crate::lifecycle::statuses;
use crate::lifecycle::{Ctx, Decision, Refs, Refusal, refuse};
use crate::model::{Domain, DomainContact, DomainStatus, DsData};
use crate::secret;

/// A change to the transfer code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthChange {
    /// Set this code (in clear); an empty code unsets it, as `<domain:null/>` does (RFC 9154
    /// §4.2).
    Set(String),
    /// `<domain:null/>`: no code.
    Unset,
}

/// An RFC 5910 `<secDNS:update>`: removals apply before additions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecDnsUpdate {
    /// `<secDNS:rem><secDNS:all>true</secDNS:all>`.
    pub rem_all: bool,
    /// DS records to remove.
    pub rem: Vec<DsData>,
    /// DS records to add.
    pub add: Vec<DsData>,
    /// New `maxSigLife`.
    pub max_sig_life: Option<u32>,
}

/// A domain update as the registrar asked for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DomainUpdate {
    /// Statuses to set.
    pub add_statuses: Vec<DomainStatus>,
    /// Statuses to clear.
    pub rem_statuses: Vec<DomainStatus>,
    /// Name servers to add.
    pub add_ns: Vec<String>,
    /// Name servers to remove.
    pub rem_ns: Vec<String>,
    /// Contacts to add.
    pub add_contacts: Vec<DomainContact>,
    /// Contacts to remove.
    pub rem_contacts: Vec<DomainContact>,
    /// `Some(Some(id))` changes the registrant, `Some(None)` removes it.
    pub registrant: Option<Option<String>>,
    /// Transfer code change.
    pub auth: Option<AuthChange>,
    /// DNSSEC change.
    pub sec_dns: Option<SecDnsUpdate>,
}

impl DomainUpdate {
    /// Whether the update changes nothing but statuses.
    fn only_statuses(&self) -> bool {
        self.add_ns.is_empty()
            && self.rem_ns.is_empty()
            && self.add_contacts.is_empty()
            && self.rem_contacts.is_empty()
            && self.registrant.is_none()
            && self.auth.is_none()
            && self.sec_dns.is_none()
    }
}

/// Applies `req` to `domain`. Removals apply before additions, in each part.
///
/// `clientUpdateProhibited` lets through only an update that removes it and changes nothing
/// but statuses (RFC 5731 §2.3: "other than to remove this status"), so a registrar can lift
/// its locks in one command; `serverUpdateProhibited` stops every registrar update.
///
/// Refusals: 2201 not the sponsor; 2304 in deletion, transfer pending, update prohibited;
/// 2306 a `server*` status from a registrar, a status added that is set or removed that is
/// not, a name server or contact added twice or removed while absent, too many name servers
/// or DS records; 2303 an unknown host or contact; 2306 a weak transfer code; 2005 malformed
/// DS data; 2004 `maxSigLife` out of range.
pub fn update(
    ctx: &Ctx<'_>,
    domain: &Domain,
    req: &DomainUpdate,
    refs: &Refs,
    rng: &mut impl RngCore,
) -> Result<Decision<Domain>, Refusal> {
    let object = label(&domain.name);
    require_sponsor(ctx, domain)?;
    require_settled(domain, "update")?;
    statuses::may_update(ctx, &object, &domain.statuses, &req.rem_statuses, req.only_statuses())?;
    let mut next = domain.clone();
    statuses::change(ctx, &object, &mut next.statuses, &req.add_statuses, &req.rem_statuses)?;

    for host in &req.rem_ns {
        let host = crate::lifecycle::names::lookup_name(host);
        let before = next.ns.len();
        next.ns.retain(|ns| *ns != host);
        if next.ns.len() == before {
            return Err(refuse::policy(&object, format!("name server {host} is not listed")));
        }
    }
    let added = check_ns(&domain.name, &req.add_ns, refs, next.ns.len())?;
    for host in added {
        if next.ns.contains(&host) {
            return Err(refuse::policy(&object, format!("name server {host} is already listed")));
        }
        next.ns.push(host);
    }

    for contact in &req.rem_contacts {
        let before = next.contacts.len();
        next.contacts.retain(|listed| listed != contact);
        if next.contacts.len() == before {
            return Err(refuse::policy(
                &object,
                format!("contact {} is not listed in that role", contact.id),
            ));
        }
    }
    check_contacts(&domain.name, &req.add_contacts, refs)?;
    for contact in &req.add_contacts {
        if next.contacts.contains(contact) {
            return Err(refuse::policy(
                &object,
                format!("contact {} is already listed in that role", contact.id),
            ));
        }
        next.contacts.push(contact.clone());
    }
    next.contacts.sort();

    if let Some(registrant) = &req.registrant {
        if let Some(id) = registrant {
            check_contact_exists(id, refs)?;
        }
        next.registrant.clone_from(registrant);
    }

    match &req.auth {
        None => {}
        Some(AuthChange::Unset) => next.auth = None,
        Some(AuthChange::Set(code)) if code.is_empty() => next.auth = None,
        Some(AuthChange::Set(code)) => {
            if !secret::is_strong(code) {
                return Err(refuse::weak_code(&object));
            }
            next.auth = Some(secret::new_auth_code(code, ctx.now, rng));
        }
    }

    if let Some(sec_dns) = &req.sec_dns {
        if sec_dns.rem_all {
            next.ds.clear();
        }
        for record in &sec_dns.rem {
            let record = check_ds(&domain.name, record)?;
            let before = next.ds.len();
            next.ds.retain(|ds| *ds != record);
            if next.ds.len() == before && !sec_dns.rem_all {
                return Err(refuse::policy(
                    &object,
                    format!("DS key tag {} is not on the domain", record.key_tag),
                ));
            }
        }
        for record in &sec_dns.add {
            let record = check_ds(&domain.name, record)?;
            if next.ds.contains(&record) {
                return Err(refuse::policy(
                    &object,
                    format!("DS key tag {} is already on the domain", record.key_tag),
                ));
            }
            next.ds.push(record);
            if next.ds.len() > MAX_DS {
                return Err(refuse::policy(&object, format!("more than {MAX_DS} DS records")));
            }
        }
        next.ds.sort();
        if let Some(value) = sec_dns.max_sig_life {
            check_max_sig_life(&domain.name, value)?;
            next.max_sig_life = Some(value);
        }
    }

    next.stamps.touch(ctx.actor, ctx.now);
    Ok(Decision::new(next, "update"))
}
