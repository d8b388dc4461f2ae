//! Time-driven work: everything due at `now`, run domain by domain, one transaction each, and
//! the registrant notices that makes due.

use std::collections::HashSet;

use super::{
    Meta, QueueReport, Registry, ServiceError,
    domain::{existing, store_domain},
    policy_for, with_tx,
};
use crate::lifecycle::{OPERATOR, due};
use crate::model::RegistrarState;

/// Domains fetched from the due index per round.
const PAGE: u32 = 500;

/// What a tick did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Domains looked at.
    pub domains: u64,
    /// Transitions applied (auto-renewals, approvals, phase changes, purges, …), by action.
    pub actions: std::collections::BTreeMap<String, u64>,
}

impl TickReport {
    /// Transitions applied in all.
    pub fn total(&self) -> u64 {
        self.actions.values().sum()
    }
}

/// What [`Registry::tick_all`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DueReport {
    /// The lifecycle tick.
    pub lifecycle: TickReport,
    /// The registrant notices queued after it.
    pub notices: QueueReport,
}

impl Registry {
    /// Everything time-driven that is due at `now`: the lifecycle [`tick`](Registry::tick),
    /// then the registrant notices of failed registrars' names
    /// ([`queue_notices`](Registry::queue_notices)), in that order so that a name the tick has
    /// just renewed on credit is noticed as renewed. Sending is left to `send_notices`, which
    /// needs a mail server. Idempotent like both of its parts.
    pub async fn tick_all(&self, now: time::OffsetDateTime) -> Result<DueReport, ServiceError> {
        let lifecycle = self.tick(now).await?;
        let notices = self.queue_notices(now).await?;
        Ok(DueReport { lifecycle, notices })
    }

    /// Runs every transition due at `now`. Idempotent: each transition takes effect at the
    /// instant it fell due and moves the domain's next event past it, so a second run for the
    /// same `now` finds nothing to do.
    pub async fn tick(&self, now: time::OffsetDateTime) -> Result<TickReport, ServiceError> {
        let mut report = TickReport::default();
        let mut seen = HashSet::new();
        loop {
            let mut tx = self.store().begin_read().await?;
            let names = tx.domains_due(now, PAGE).await?;
            tx.rollback().await.ok();
            let fresh: Vec<String> =
                names.into_iter().filter(|name| seen.insert(name.clone())).collect();
            if fresh.is_empty() {
                return Ok(report);
            }
            for name in fresh {
                report.domains += 1;
                for action in self.step_domain(&name, now).await? {
                    *report.actions.entry(action.to_owned()).or_default() += 1;
                }
            }
        }
    }

    /// Steps one domain to quiescence at `now` in one transaction; returns the actions.
    async fn step_domain(
        &self,
        name: &str,
        now: time::OffsetDateTime,
    ) -> Result<Vec<&'static str>, ServiceError> {
        let meta = Meta::operator(now);
        let meta = &meta;
        let done = self
            .write(meta, "tick", |tx, sv_trid| async move {
                with_tx!(tx, {
                    let mut actions = Vec::new();
                    let policy = policy_for(&mut tx, name).await?;
                    let mut current = existing(&mut tx, name, true).await?;
                    let sponsor = tx
                        .get_registrar(&current.sponsor)
                        .await?
                        .map_or(RegistrarState::Active, |registrar| registrar.state);
                    let ctx = crate::lifecycle::Ctx { policy: &policy, now, actor: OPERATOR };
                    // Bounded: each step moves the domain's next event strictly later.
                    for _ in 0..64 {
                        let Some(decision) = due::step(&ctx, &current, sponsor) else { break };
                        actions.push(decision.action);
                        match store_domain(&mut tx, meta, &sv_trid, &policy, &current, decision)
                            .await?
                        {
                            Some(next) => current = next,
                            None => break,
                        }
                    }
                    Ok(actions)
                })
            })
            .await?;
        Ok(done.value)
    }
}
