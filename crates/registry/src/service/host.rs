//! Host commands.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    Availability, Done, Meta, Registry, ServiceError, ctx, default_policy, json, must_exist,
    settle, with_tx,
};
use crate::lifecycle::host::{self as engine, HostCreate, HostUpdate};
use crate::lifecycle::names;
use crate::model::{Domain, Host, ObjectKind};
use crate::policy::Policy;
use crate::store::Tx;

impl Registry {
    /// `<host:check>`.
    pub async fn check_hosts(&self, names: &[String]) -> Result<Vec<Availability>, ServiceError> {
        self.read(|tx| async move {
            with_tx!(tx, {
                let mut answers = Vec::with_capacity(names.len());
                for name in names {
                    let reason = match names::check_host_name(name) {
                        Err(refusal) => Some(refusal.to_string()),
                        Ok(lower) if tx.host_exists(&lower).await? => Some("In use".to_owned()),
                        Ok(_) => None,
                    };
                    answers.push(Availability::new(name, reason));
                }
                Ok(answers)
            })
        })
        .await
    }

    /// `<host:info>`: hosts are visible to every registrar (RFC 5732 §3.1.2).
    pub async fn host_info(&self, name: &str) -> Result<Host, ServiceError> {
        let name = names::lookup_name(name);
        self.read(|tx| async move { with_tx!(tx, existing(&mut tx, &name, false).await) }).await
    }

    /// Whether a host is linked to any domain (for the `linked` status).
    pub async fn host_linked(&self, name: &str) -> Result<bool, ServiceError> {
        let name = names::lookup_name(name);
        self.read(|tx| async move { with_tx!(tx, Ok(tx.host_is_linked(&name).await?)) }).await
    }

    /// `<host:create>`.
    pub async fn host_create(
        &self,
        meta: &Meta<'_>,
        req: &HostCreate,
    ) -> Result<Done<Host>, ServiceError> {
        self.write(meta, "host:create", |tx, sv_trid| async move {
            with_tx!(tx, {
                let lower = names::lookup_name(&req.name);
                let (policy, superordinate) = placement(&mut tx, &lower).await?;
                let taken = tx.host_exists(&lower).await?;
                let sequence = tx.next_roid_number(ObjectKind::Host).await?;
                let decision = engine::create(
                    &ctx(&policy, meta),
                    req,
                    taken,
                    superordinate.as_ref(),
                    sequence,
                )?;
                tx.insert_host(&decision.state).await?;
                let after = json(&decision.state);
                settle(
                    &mut tx,
                    meta,
                    &sv_trid,
                    (ObjectKind::Host, &decision.state.name),
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

    /// `<host:update>`, renames included: every domain delegating to the host follows it.
    pub async fn host_update(
        &self,
        meta: &Meta<'_>,
        name: &str,
        req: &HostUpdate,
    ) -> Result<Done<Host>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        self.write(meta, "host:update", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let (policy, _) = placement(&mut tx, name).await?;
                let (taken, new_superordinate) = match &req.new_name {
                    Some(new_name) => {
                        let lower = names::lookup_name(new_name);
                        let taken = lower != before.name && tx.host_exists(&lower).await?;
                        (taken, placement(&mut tx, &lower).await?.1)
                    }
                    None => (false, None),
                };
                let decision = engine::update(
                    &ctx(&policy, meta),
                    &before,
                    req,
                    taken,
                    new_superordinate.as_ref(),
                )?;
                let renamed = decision.state.name != before.name;
                if renamed {
                    tx.rename_host(&before.name, &decision.state.name).await?;
                }
                tx.update_host(&decision.state).await?;
                let mut changed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                if before.superordinate.is_some() || decision.state.superordinate.is_some() {
                    // Glue may have changed.
                    let names = [before.name.clone(), decision.state.name.clone()];
                    changed.entry(policy.tld.clone()).or_default().extend(names);
                }
                if renamed {
                    // Every delegation naming the host now names it by its new name.
                    for (domain, zone) in tx.delegations_using_host(&decision.state.name).await? {
                        changed.entry(zone).or_default().insert(domain);
                    }
                }
                for (zone, names) in &changed {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    tx.bump_serial(zone, &names).await?;
                }
                let after = json(&decision.state);
                settle(
                    &mut tx,
                    meta,
                    &sv_trid,
                    (ObjectKind::Host, &before.name),
                    json(&before),
                    after,
                    &decision,
                )
                .await?;
                Ok(decision.state)
            })
        })
        .await
    }

    /// `<host:delete>`.
    pub async fn host_delete(&self, meta: &Meta<'_>, name: &str) -> Result<Done<()>, ServiceError> {
        let name = names::lookup_name(name);
        let name = name.as_str();
        self.write(meta, "host:delete", |tx, sv_trid| async move {
            with_tx!(tx, {
                let before = existing(&mut tx, name, true).await?;
                let (policy, _) = placement(&mut tx, name).await?;
                let linked = tx.host_is_linked(name).await?;
                let decision = engine::delete(&ctx(&policy, meta), &before, linked)?;
                tx.delete_host(name).await?;
                settle(
                    &mut tx,
                    meta,
                    &sv_trid,
                    (ObjectKind::Host, name),
                    json(&before),
                    None,
                    &decision,
                )
                .await?;
                Ok(())
            })
        })
        .await
    }
}

/// Loads a host that must exist (2303 otherwise).
async fn existing(tx: &mut Tx, name: &str, for_update: bool) -> Result<Host, ServiceError> {
    let found =
        if for_update { tx.get_host_for_update(name).await? } else { tx.get_host(name).await? };
    must_exist(found, "host", name)
}

/// The policy a host name falls under and, inside one of our TLDs, its superordinate domain
/// if that exists.
async fn placement(tx: &mut Tx, host: &str) -> Result<(Policy, Option<Domain>), ServiceError> {
    for policy in tx.tlds().await? {
        if names::is_in_tld(&policy, host) {
            let superordinate = match names::superordinate(&policy, host) {
                Some(domain) => tx.get_domain(&domain).await?,
                None => None,
            };
            return Ok((policy, superordinate));
        }
    }
    Ok((default_policy(tx).await?, None))
}
