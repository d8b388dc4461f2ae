//! Continuity DNS at the registry (rules in [`crate::continuity::dns`]): switching a failed
//! registrar's name to the registry's name servers, by the operator or for a verified desk
//! case; the override ending with the domain's next change of name servers; and the zones the
//! registry's DNS server serves for the switched names.

use std::collections::BTreeSet;

use nameward_dns::zone::Entry;
use time::OffsetDateTime;

use super::zone::apex_setting;
use super::{DeskError, Done, Meta, Registry, ServiceError, Visitor, json, with_tx};
use crate::continuity::desk::{AuditEntry, CaseState, DeskRefusal, may_switch_delegation};
use crate::continuity::dns::{self as rules, END, SWITCH};
use crate::continuity::registrar::Act;
use crate::lifecycle::Refusal;
use crate::model::{Domain, HistoryEntry, ObjectKind};
use crate::publish::ZoneApex;
use crate::store::{ContinuityDnsRecord, StoreError, Tx};

/// Names read per page when listing switched names.
const PAGE: u32 = 1000;

/// A name on continuity DNS with the zone the registry serves for it.
#[derive(Debug, Clone)]
pub struct ContinuityZone {
    /// The override.
    pub record: ContinuityDnsRecord,
    /// The zone as served (see [`rules::served_zone`]), or why it cannot be served now (the
    /// TLD's name servers changed since the switch in a way the zone checks refuse).
    pub served: Result<Vec<Entry>, String>,
}

/// What a switch did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SwitchedDelegation {
    /// The override as stored.
    pub record: ContinuityDnsRecord,
    /// The name servers the TLD zone now delegates the name to.
    pub nameservers: Vec<String>,
    /// Whether the name was already on continuity DNS (its zone was taken again from escrow).
    pub refreshed: bool,
}

impl Registry {
    /// Switches `domain` to continuity DNS, as the operator: the TLD zone delegates it to the
    /// TLD's own name servers without DS, and those serve the zone its failed registrar hosted
    /// (from escrow), until the name's NS change or it is purged. Its own NS and DS stay
    /// stored. Refused (2304) unless the sponsor is FAILED or TERMINATED and the name is
    /// delegated; (2303) without an escrowed zone; (2306) when that zone cannot be served,
    /// naming the line. Switching a switched name again takes the escrow's current zone.
    pub async fn switch_to_continuity_dns(
        &self,
        domain: &str,
        now: OffsetDateTime,
    ) -> Result<Done<SwitchedDelegation>, ServiceError> {
        let name = crate::lifecycle::names::lookup_name(domain.trim().trim_end_matches('.'));
        let name = name.as_str();
        let meta = Meta::operator(now);
        let meta = &meta;
        self.write(meta, "continuity:switch-dns", |tx, sv_trid| async move {
            with_tx!(tx, switch(&mut tx, meta, &sv_trid, name, None).await)
        })
        .await
    }

    /// Ends the override of `domain` as the operator, with `reason` for the record; whether it
    /// had one.
    pub async fn end_continuity_dns(
        &self,
        domain: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Done<bool>, ServiceError> {
        let name = crate::lifecycle::names::lookup_name(domain.trim().trim_end_matches('.'));
        let name = name.as_str();
        let meta = Meta::operator(now);
        let meta = &meta;
        self.write(meta, "continuity:end-dns", |tx, sv_trid| async move {
            with_tx!(tx, {
                let tld = super::tld_of(name);
                Ok(end(&mut tx, meta, &sv_trid, &tld, name, reason).await?)
            })
        })
        .await
    }

    /// The override of `domain`, if it is on continuity DNS.
    pub async fn continuity_dns(
        &self,
        domain: &str,
    ) -> Result<Option<ContinuityDnsRecord>, ServiceError> {
        let name = crate::lifecycle::names::lookup_name(domain.trim().trim_end_matches('.'));
        let name = name.as_str();
        self.read(|tx| async move { with_tx!(tx, Ok(tx.continuity_dns(name).await?)) }).await
    }

    /// The zones the registry's DNS server serves for `tld`'s names on continuity DNS (those
    /// the TLD zone delegates: not on hold, not being deleted), in name order, with the TLD
    /// zone's serial from the same snapshot.
    pub async fn continuity_dns_zones(
        &self,
        tld: &str,
    ) -> Result<(u32, Vec<ContinuityZone>), ServiceError> {
        let tld = tld.trim_matches('.').to_ascii_lowercase();
        let tld = tld.as_str();
        self.read(|tx| async move {
            with_tx!(tx, {
                let serial = tx.serial(tld).await?;
                let nameservers = match apex(&mut tx, tld).await? {
                    Some(apex) => apex_names(&apex),
                    None => Vec::new(),
                };
                let mut zones = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let page = tx.continuity_dns_served(tld, after.as_deref(), PAGE).await?;
                    let Some(last) = page.last() else { break };
                    after = Some(last.domain.clone());
                    for record in page {
                        let served =
                            rules::served_zone(&record.domain, &record.zone_text, &nameservers)
                                .map_err(|refusal| refusal.to_string());
                        zones.push(ContinuityZone { record, served });
                    }
                }
                Ok((serial, zones))
            })
        })
        .await
    }

    /// Switches a verified delegation-change case's domain to continuity DNS (as
    /// [`Registry::switch_to_continuity_dns`] does for the operator), recorded in the domain's
    /// history with the case id and in the case's trail as `delegation_switched`.
    /// Only the session that proved control may switch; every refusal is on the case's trail.
    pub async fn desk_switch_delegation(
        &self,
        id: &str,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<SwitchedDelegation, DeskError> {
        let switched = self.switch_delegation_for(id, visitor, now).await;
        self.refused_on_case(&switched, "continuity_dns", id, visitor, now).await?;
        switched
    }

    async fn switch_delegation_for(
        &self,
        id: &str,
        visitor: Visitor<'_>,
        now: OffsetDateTime,
    ) -> Result<SwitchedDelegation, DeskError> {
        let client = visitor.client;
        let session = visitor.session;
        let meta = Meta::operator(now);
        let meta = &meta;
        // As for transfer codes: refusals come back inside `Ok`, so the trail keeps them.
        let code_of = |outcome: &Result<SwitchedDelegation, DeskRefusal>| match outcome {
            Ok(_) => 1000,
            Err(_) => 2304,
        };
        let done = self
            .write_coded(meta, "desk:continuity-dns", Act::Change, code_of, |tx, sv_trid| async move {
                with_tx!(tx, {
                    let Some(mut case) = tx.get_case(id, true).await? else {
                        return Ok(Err(DeskRefusal::NoCase(id.to_owned())));
                    };
                    if let Err(refusal) = may_switch_delegation(&case, session) {
                        return Ok(Err(refusal));
                    }
                    let switched =
                        match switch(&mut tx, meta, &sv_trid, &case.domain, Some(&case.id)).await {
                            Ok(switched) => switched,
                            Err(ServiceError::Refused(refusal)) => {
                                let entry = audit(
                                    now,
                                    "delegation_switch_refused",
                                    client,
                                    Some(refusal.to_string()),
                                );
                                tx.audit_case(&case.id, &entry).await?;
                                return Ok(Err(DeskRefusal::CannotSwitch(refusal.to_string())));
                            }
                            Err(error) => return Err(error),
                        };
                    case.state = CaseState::DelegationSwitched;
                    case.updated_at = now;
                    tx.update_case(&case).await?;
                    let detail = format!(
                        "to {}, serving the zone from {}'s escrow (deposit {}); svTRID {sv_trid}",
                        switched.nameservers.join(", "),
                        switched.record.escrow_registrar,
                        switched.record.deposit_id,
                    );
                    let entry = audit(now, "delegation_switched", client, Some(detail));
                    tx.audit_case(&case.id, &entry).await?;
                    Ok(Ok(switched))
                })
            })
            .await?;
        Ok(done.value?)
    }
}

fn audit(at: OffsetDateTime, action: &str, client: &str, detail: Option<String>) -> AuditEntry {
    AuditEntry { at, action: action.to_owned(), client: client.to_owned(), detail }
}

async fn apex(tx: &mut Tx, tld: &str) -> Result<Option<ZoneApex>, ServiceError> {
    let Some(text) = tx.setting(&apex_setting(tld)).await? else { return Ok(None) };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|error| ServiceError::Internal(format!("stored zone apex of {tld}: {error}")))
}

fn apex_names(apex: &ZoneApex) -> Vec<String> {
    apex.nameservers.iter().map(|server| server.name.clone()).collect()
}

/// The switch, inside the caller's transaction: checks first, then writes, so that a refusal
/// leaves nothing written.
async fn switch(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    name: &str,
    case: Option<&str>,
) -> Result<SwitchedDelegation, ServiceError> {
    let domain = super::domain::existing(tx, name, true).await?;
    let sponsor = tx.get_registrar(&domain.sponsor).await?;
    rules::may_switch(&domain, sponsor.as_ref())?;
    let tld = super::tld_of(name);
    let nameservers = match apex(tx, &tld).await? {
        Some(apex) => apex_names(&apex),
        None => Vec::new(),
    };
    let mut zones = tx.escrowed_zones(name).await?;
    // The sponsor's escrow first; else another registrar's that still holds the name's zone.
    zones.sort_by_key(|zone| zone.registrar != domain.sponsor);
    let Some(zone) = zones.into_iter().next() else {
        return Err(Refusal::ObjectDoesNotExist {
            object: format!("a hosted zone of {name}"),
            reason: " in any registrar's escrow; import the deposit that holds it first".to_owned(),
        }
        .into());
    };
    rules::served_zone(name, &zone.text, &nameservers)?;
    let earlier = tx.continuity_dns(name).await?;
    let record = ContinuityDnsRecord {
        domain: name.to_owned(),
        zone: tld.clone(),
        zone_text: zone.text,
        escrow_registrar: zone.registrar,
        deposit_id: zone.deposit_id,
        case_id: case.map(str::to_owned),
        switched_by: meta.actor.to_owned(),
        switched_at: meta.now,
    };
    tx.put_continuity_dns(&record).await?;
    tx.bump_serial(&tld, &[name]).await?;
    let mut reason = format!(
        "delegated to {} serving the zone from {}'s escrow (deposit {}); own NS and DS kept, \
         DS not published",
        nameservers.join(", "),
        record.escrow_registrar,
        record.deposit_id
    );
    if let Some(case) = case {
        reason.push_str(&format!("; registrant desk case {case}"));
    }
    if earlier.is_some() {
        reason.push_str("; switched again, zone taken anew from escrow");
    }
    let summary = serde_json::json!({
        "nameservers": nameservers,
        "escrow_registrar": record.escrow_registrar,
        "deposit_id": record.deposit_id,
        "case_id": record.case_id,
    });
    tx.record(&history(meta, sv_trid, &domain, SWITCH, reason, json(&summary))).await?;
    Ok(SwitchedDelegation { record, nameservers, refreshed: earlier.is_some() })
}

/// Ends `name`'s override, if it has one: the TLD zone delegates it to its own NS (and DS)
/// again.
async fn end(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    tld: &str,
    name: &str,
    reason: &str,
) -> Result<bool, StoreError> {
    if !tx.end_continuity_dns(name).await? {
        return Ok(false);
    }
    tx.bump_serial(tld, &[name]).await?;
    tx.record(&HistoryEntry {
        at: meta.now,
        actor: meta.actor.to_owned(),
        cl_trid: meta.cl_trid.map(str::to_owned),
        sv_trid: sv_trid.to_owned(),
        object: ObjectKind::Domain,
        object_id: name.to_owned(),
        action: END.to_owned(),
        reason: Some(reason.to_owned()),
        before: None,
        after: None,
    })
    .await?;
    Ok(true)
}

/// After a domain changed (in [`super::domain::store_domain`]): ends its override when the
/// change ends it (new name servers, or the domain purged).
pub(super) async fn after_domain_change(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    tld: &str,
    before: &Domain,
    after: Option<&Domain>,
) -> Result<(), StoreError> {
    if let Some(reason) = rules::ends(before, after, meta.actor) {
        end(tx, meta, sv_trid, tld, &before.name, &reason).await?;
    }
    Ok(())
}

/// The names of `tld` on continuity DNS, for building its zone.
pub(super) async fn switched_names(tx: &mut Tx, tld: &str) -> Result<BTreeSet<String>, StoreError> {
    let mut names = BTreeSet::new();
    let mut after: Option<String> = None;
    loop {
        let page = tx.continuity_dns_names(tld, after.as_deref(), PAGE).await?;
        let Some(last) = page.last() else { break };
        after = Some(last.clone());
        names.extend(page);
    }
    Ok(names)
}

fn history(
    meta: &Meta<'_>,
    sv_trid: &str,
    domain: &Domain,
    action: &str,
    reason: String,
    after: Option<serde_json::Value>,
) -> HistoryEntry {
    HistoryEntry {
        at: meta.now,
        actor: meta.actor.to_owned(),
        cl_trid: meta.cl_trid.map(str::to_owned),
        sv_trid: sv_trid.to_owned(),
        object: ObjectKind::Domain,
        object_id: domain.name.clone(),
        action: action.to_owned(),
        reason: Some(reason),
        before: None,
        after,
    }
}
