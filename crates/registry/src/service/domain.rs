//! Domain commands.

use rand_core::OsRng;
use time::Date;

use super::{
    Availability, Done, Meta, Registry, ServiceError, ctx, json, must_exist, policy_for, settle,
    tld_of, with_tx,
};
use crate::continuity::registrar::Act;
use crate::lifecycle::domain::{self as engine, DomainCreate, DomainUpdate, RestoreReport};
use crate::lifecycle::{Decision, Refs, due, host as host_engine, names};
use crate::model::{Domain, DsData, ObjectKind, Transfer};
use crate::policy::Policy;
use crate::store::Tx;

/// A domain as `<info>` shows it to one registrar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainView {
    /// The domain.
    pub domain: Domain,
    /// Its subordinate hosts.
    pub hosts: Vec<String>,
    /// Whether the asking registrar sponsors it (or gave its transfer code), and so may see
    /// everything, the transfer code's existence included.
    pub full: bool,
}

/// The five transfer operations (RFC 5730 §2.9.3.4, `op` attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferOp {
    /// `request`, by the gaining registrar.
    Request,
    /// `approve`, by the sponsor.
    Approve,
    /// `reject`, by the sponsor.
    Reject,
    /// `cancel`, by the gaining registrar.
    Cancel,
    /// `query`, by either.
    Query,
}

impl Registry {
    /// `<domain:check>`: which names could be created now. Each TLD's policy is read once
    /// and the names that pass its rules are looked up together, so a check of several names
    /// costs a few queries rather than two per name.
    pub async fn check_domains(&self, names: &[String]) -> Result<Vec<Availability>, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let mut policies: Vec<Policy> = Vec::new();
                // Per name: Err(reason it cannot be created), or Ok(lower-case name to look up).
                let mut verdicts: Vec<Result<String, String>> = Vec::with_capacity(names.len());
                for name in names {
                    let tld = tld_of(name);
                    let known = policies.iter().position(|policy| policy.tld == tld);
                    let policy = match known {
                        Some(at) => policies.get(at),
                        None => match tx.tld(&tld).await? {
                            Some(policy) => {
                                policies.push(policy);
                                policies.last()
                            }
                            None => None,
                        },
                    };
                    verdicts.push(match policy {
                        None => Err(format!("not a TLD of this registry: {tld}")),
                        Some(policy) => {
                            names::check_domain_name(policy, name).map_err(|r| r.to_string())
                        }
                    });
                }
                let lookup: Vec<String> =
                    verdicts.iter().filter_map(|v| v.as_ref().ok().cloned()).collect();
                let existing = tx.existing_domains(&lookup).await?;
                let answers = names
                    .iter()
                    .zip(verdicts)
                    .map(|(name, verdict)| {
                        let reason = match verdict {
                            Err(reason) => Some(reason),
                            Ok(lower) if existing.contains(&lower) => Some("In use".to_owned()),
                            Ok(_) => None,
                        };
                        Availability::new(name, reason)
                    })
                    .collect();
                Ok(answers)
            })
        })
        .await
    }

    /// `<domain:info>`: the domain as `meta.actor` may see it. A registrar other than the
    /// sponsor sees the full object only with the right transfer code.
    pub async fn domain_info(
        &self,
        meta: &Meta<'_>,
        name: &str,
        auth_code: Option<&str>,
    ) -> Result<DomainView, ServiceError> {
        let name = names::lookup_name(name);
        self.read(|tx| async move {
            with_tx!(tx, {
                let domain = existing(&mut tx, &name, false).await?;
                let hosts = tx.hosts_subordinate_to(&domain.name).await?;
                let sponsor =
                    meta.actor == domain.sponsor || meta.actor == crate::lifecycle::OPERATOR;
                let with_code = match (auth_code, &domain.auth) {
                    (Some(code), Some(stored)) => crate::secret::verify_code(code, stored),
                    _ => false,
                };
                Ok(DomainView { domain, hosts, full: sponsor || with_code })
            })
        })
        .await
    }

    /// `<domain:create>`.
    pub async fn domain_create(
        &self,
        meta: &Meta<'_>,
        req: &DomainCreate,
    ) -> Result<Done<Domain>, ServiceError> {
        self.write(meta, "domain:create", |tx, sv_trid| async move {
            with_tx!(tx, {
                let policy = policy_for(&mut tx, &req.name).await?;
                let lower = names::lookup_name(&req.name);
                let taken = tx.domain_exists(&lower).await?;
                let refs = refs(
                    &mut tx,
                    req.registrant.iter().chain(req.contacts.iter().map(|c| &c.id)),
                    &req.ns,
                )
                .await?;
                let sequence = tx.next_roid_number(ObjectKind::Domain).await?;
                let decision =
                    engine::create(&ctx(&policy, meta), req, taken, &refs, sequence, &mut OsRng)?;
                tx.insert_domain(&decision.state, due::next_event_at(&policy, &decision.state))
                    .await?;
                if decision.state.in_zone() {
                    tx.bump_serial(&policy.tld, &[&decision.state.name]).await?;
                }
                let after = json(&decision.state);
                settle(
                    &mut tx,
                    meta,
                    &sv_trid,
                    (ObjectKind::Domain, &decision.state.name),
                    None,
                    after,
                    &decision,
                )
                .await?;
                Ok(decision.state)
            })
        })
        .await
    }

    /// `<domain:update>`.
    pub async fn domain_update(
        &self,
        meta: &Meta<'_>,
        name: &str,
        req: &DomainUpdate,
    ) -> Result<Done<Domain>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        self.write(meta, "domain:update", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let policy = policy_for(&mut tx, name).await?;
                let named_contacts =
                    req.add_contacts.iter().map(|c| &c.id).chain(req.registrant.iter().flatten());
                let refs = refs(&mut tx, named_contacts, &req.add_ns).await?;
                let decision =
                    engine::update(&ctx(&policy, meta), &before, req, &refs, &mut OsRng)?;
                store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision.map(Some))
                    .await
                    .map(|after| after.unwrap_or(before))
            })
        })
        .await
    }

    /// Replaces `name`'s DS set with `ds` (none: the child goes insecure) as the registry,
    /// after its child zone asked for it by CDS or CDNSKEY (RFC 7344, RFC 8078) and passed the
    /// parent's checks. A name with clientUpdateProhibited or serverUpdateProhibited keeps its
    /// DS (2304): the registrant locked it. The sponsor hears of the change by poll message,
    /// and the history records it with `cds` as the client transaction.
    pub async fn ds_from_child(
        &self,
        name: &str,
        ds: Vec<DsData>,
        now: time::OffsetDateTime,
    ) -> Result<Done<Domain>, ServiceError> {
        use crate::lifecycle::domain::SecDnsUpdate;
        use crate::model::{DomainStatus, PollBody, PollMessage};
        let name = names::lookup_name(name);
        let name = name.as_str();
        let meta = Meta { actor: crate::lifecycle::OPERATOR, cl_trid: Some("cds"), now };
        let meta = &meta;
        let ds = &ds;
        self.write(meta, "domain:update", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let locked = [DomainStatus::ClientUpdateProhibited, DomainStatus::ServerUpdateProhibited];
                if let Some(lock) = locked.iter().find(|s| before.statuses.contains(s)) {
                    let reason = format!("status {lock:?} keeps the DS set the child's CDS would change");
                    return Err(crate::lifecycle::refuse::status(name, reason).into());
                }
                let policy = policy_for(&mut tx, name).await?;
                let sec_dns = SecDnsUpdate { rem_all: true, add: ds.clone(), ..SecDnsUpdate::default() };
                let req = DomainUpdate { sec_dns: Some(sec_dns), ..DomainUpdate::default() };
                let decision =
                    engine::update(&ctx(&policy, meta), &before, &req, &Refs::default(), &mut OsRng)?;
                let after = store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision.map(Some))
                    .await?
                    .unwrap_or(before);
                let text = match ds.is_empty() {
                    true => format!("{name}: its DS set removed, as its zone's CDS asked (RFC 8078)"),
                    false => format!(
                        "{name}: its DS set replaced by the {} record(s) its zone's CDS asked for (RFC 7344)",
                        ds.len()
                    ),
                };
                let message = PollMessage {
                    registrar: after.sponsor.clone(),
                    at: now,
                    text: text.clone(),
                    body: PollBody::System { text },
                };
                tx.enqueue(&message).await?;
                Ok(after)
            })
        })
        .await
    }

    /// `<domain:renew>`.
    pub async fn domain_renew(
        &self,
        meta: &Meta<'_>,
        name: &str,
        current_expiry: Date,
        years: u8,
    ) -> Result<Done<Domain>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        self.write(meta, "domain:renew", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let policy = policy_for(&mut tx, name).await?;
                let decision = engine::renew(&ctx(&policy, meta), &before, current_expiry, years)?;
                store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision.map(Some))
                    .await
                    .map(|after| after.unwrap_or(before))
            })
        })
        .await
    }

    /// `<domain:delete>`: `None` when the domain was removed at once (inside its add grace
    /// period, result 1000), the domain in redemption otherwise (result 1001).
    pub async fn domain_delete(
        &self,
        meta: &Meta<'_>,
        name: &str,
    ) -> Result<Done<Option<Domain>>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        // Into redemption is 1001: the purge is pending (RFC 3915 §3.1).
        let code_of = |state: &Option<Domain>| if state.is_some() { 1001 } else { 1000 };
        self.write_coded(meta, "domain:delete", Act::Change, code_of, |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let policy = policy_for(&mut tx, name).await?;
                let mut linked = Vec::new();
                for host in tx.hosts_subordinate_to(name).await? {
                    if tx.host_is_linked_elsewhere(&host, name).await? {
                        linked.push(host);
                    }
                }
                let decision = engine::delete(&ctx(&policy, meta), &before, &linked)?;
                store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision).await
            })
        })
        .await
    }

    /// RFC 3915 restore request.
    pub async fn domain_restore_request(
        &self,
        meta: &Meta<'_>,
        name: &str,
    ) -> Result<Done<Domain>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        self.write(meta, "domain:update(restore request)", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let policy = policy_for(&mut tx, name).await?;
                let decision = engine::restore_request(&ctx(&policy, meta), &before)?;
                store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision.map(Some))
                    .await
                    .map(|after| after.unwrap_or(before))
            })
        })
        .await
    }

    /// RFC 3915 restore report: completes a restore in pendingRestore, or restores from
    /// redemptionPeriod in one step ([`engine::restore_report`]).
    pub async fn domain_restore_report(
        &self,
        meta: &Meta<'_>,
        name: &str,
        report: &RestoreReport,
    ) -> Result<Done<Domain>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        self.write(meta, "domain:update(restore report)", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let policy = policy_for(&mut tx, name).await?;
                let decision = engine::restore_report(&ctx(&policy, meta), &before, report)?;
                store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision.map(Some))
                    .await
                    .map(|after| after.unwrap_or(before))
            })
        })
        .await
    }

    /// `<domain:transfer>`: returns the transfer as it stands after the operation and the
    /// domain's expiry (what `trnData` shows).
    pub async fn domain_transfer(
        &self,
        meta: &Meta<'_>,
        name: &str,
        op: TransferOp,
        auth_code: Option<&str>,
        years: Option<u8>,
    ) -> Result<Done<(Transfer, Domain)>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        let code_of = |_: &(Transfer, Domain)| if op == TransferOp::Request { 1001 } else { 1000 };
        let act = match op {
            TransferOp::Query => Act::Look,
            TransferOp::Approve => Act::Release,
            TransferOp::Request | TransferOp::Reject | TransferOp::Cancel => Act::Change,
        };
        self.write_coded(meta, "domain:transfer", act, code_of, |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, op != TransferOp::Query).await?;
                let policy = policy_for(&mut tx, name).await?;
                let ctx = ctx(&policy, meta);
                let decision = match op {
                    TransferOp::Query => {
                        let transfer = engine::transfer_query(&ctx, &before)?;
                        return Ok((transfer, before));
                    }
                    TransferOp::Request => engine::transfer_request(
                        &ctx,
                        &before,
                        auth_code.unwrap_or_default(),
                        years,
                    )?,
                    TransferOp::Approve => engine::transfer_approve(&ctx, &before)?,
                    TransferOp::Reject => engine::transfer_reject(&ctx, &before)?,
                    TransferOp::Cancel => engine::transfer_cancel(&ctx, &before)?,
                };
                let after =
                    store_domain(&mut tx, meta, &sv_trid, &policy, &before, decision.map(Some))
                        .await?;
                let after = after.unwrap_or(before);
                match after.transfer.clone() {
                    Some(transfer) => Ok((transfer, after)),
                    None => {
                        Err(ServiceError::Refused(crate::lifecycle::Refusal::NotPendingTransfer {
                            object: format!("domain {name}"),
                            reason: "no transfer recorded".to_owned(),
                        }))
                    }
                }
            })
        })
        .await
    }
}

/// Loads a domain that must exist (2303 otherwise).
pub(super) async fn existing(
    tx: &mut Tx,
    name: &str,
    for_update: bool,
) -> Result<Domain, ServiceError> {
    let found = if for_update {
        tx.get_domain_for_update(name).await?
    } else {
        tx.get_domain(name).await?
    };
    must_exist(found, "domain", name)
}

/// Which of the named contacts and hosts exist.
async fn refs<'a>(
    tx: &mut Tx,
    contacts: impl Iterator<Item = &'a String>,
    hosts: &[String],
) -> Result<Refs, ServiceError> {
    let mut refs = Refs::default();
    for id in contacts {
        if tx.contact_exists(id).await? {
            refs.contacts.insert(id.clone());
        }
    }
    for host in hosts {
        let lower = names::lookup_name(host);
        if tx.host_exists(&lower).await? {
            refs.hosts.insert(lower);
        }
    }
    Ok(refs)
}

/// Writes a domain decision: the new state (or its removal), and what follows from it —
/// subordinate hosts following a new sponsor or leaving with a purged domain, the zone serial
/// when the published delegation changed — then the charges, poll messages and history.
pub(super) async fn store_domain(
    tx: &mut Tx,
    meta: &Meta<'_>,
    sv_trid: &str,
    policy: &Policy,
    before: &Domain,
    decision: Decision<Option<Domain>>,
) -> Result<Option<Domain>, ServiceError> {
    match &decision.state {
        Some(after) => {
            tx.update_domain(after, due::next_event_at(policy, after)).await?;
            if after.sponsor != before.sponsor {
                for name in tx.hosts_subordinate_to(&after.name).await? {
                    if let Some(host) = tx.get_host_for_update(&name).await? {
                        let moved =
                            host_engine::follow_superordinate(&host, &after.sponsor, meta.now);
                        tx.update_host(&moved.state).await?;
                    }
                }
            }
        }
        None => {
            // A purged or add-grace-deleted domain takes its unlinked subordinate hosts along.
            for name in tx.hosts_subordinate_to(&before.name).await? {
                if !tx.host_is_linked_elsewhere(&name, &before.name).await? {
                    tx.delete_host(&name).await?;
                }
            }
            tx.delete_domain(&before.name).await?;
        }
    }
    if zone_changed(before, decision.state.as_ref()) {
        tx.bump_serial(&policy.tld, &[&before.name]).await?;
    }
    super::continuity_dns::after_domain_change(
        tx,
        meta,
        sv_trid,
        &policy.tld,
        before,
        decision.state.as_ref(),
    )
    .await?;
    let after = decision.state.as_ref().and_then(json);
    settle(tx, meta, sv_trid, (ObjectKind::Domain, &before.name), json(before), after, &decision)
        .await?;
    Ok(decision.state)
}

/// Whether the change alters what the TLD zone publishes for this domain.
fn zone_changed(before: &Domain, after: Option<&Domain>) -> bool {
    let published =
        |domain: &Domain| domain.in_zone().then(|| (domain.ns.clone(), domain.ds.clone()));
    published(before) != after.and_then(published)
}
