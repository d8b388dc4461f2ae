//! Registry data escrow deposits made by `nameward up` (its configuration's `[escrow]`): each
//! TLD's deposit when [`Schedule::due`] says one is due (a FULL weekly, a DIFF the other days,
//! the first one a FULL at start), then a sleep until the next 00:00 UTC. A deposit that fails
//! is logged and tried again a little later; its partial files never look like a deposit.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use nameward_rde::deposit::{DepositMade, DepositOptions, deposit};
use nameward_rde::names::Kind;
use nameward_rde::schedule::{Made, Schedule};
use nameward_registry::service::Registry;
use time::OffsetDateTime;

use crate::up_config::EscrowConfig;

/// How long after a failed deposit the next try is.
const RETRY: Duration = Duration::from_secs(600);

/// The deposits `up` makes.
#[derive(Debug, Clone)]
pub struct EscrowSchedule {
    schedule: Schedule,
    dir: PathBuf,
    agent_key: PathBuf,
    signing_key: PathBuf,
}

impl EscrowSchedule {
    /// The schedule `[escrow]` sets, its directory defaulting to `DATA/escrow`.
    pub fn new(config: &EscrowConfig, data: &std::path::Path) -> Result<EscrowSchedule, String> {
        Ok(EscrowSchedule {
            schedule: config.schedule()?,
            dir: config.dir.clone().unwrap_or_else(|| data.join("escrow")),
            agent_key: config.agent_key.clone(),
            signing_key: config.signing_key.clone(),
        })
    }

    /// Makes each TLD's due deposit, then sleeps until the next one is due, until aborted.
    pub async fn run(self, registry: Arc<Registry>) {
        loop {
            let now = OffsetDateTime::now_utc();
            let tlds = registry.tlds().await.unwrap_or_else(|error| {
                tracing::error!("escrow deposits: cannot read the TLDs: {error}");
                Vec::new()
            });
            // A registry that could not be read is tried again soon, like a failed deposit.
            let mut failed = tlds.is_empty();
            for tld in tlds {
                match self.once(&registry, &tld.tld, now).await {
                    Ok(Some(made)) => tracing::info!(
                        tld = %tld.tld,
                        kind = %made.record.kind,
                        id = %made.record.deposit_id,
                        file = %made.ryde.display(),
                        "escrow deposit made"
                    ),
                    Ok(None) => {}
                    Err(error) => {
                        failed = true;
                        tracing::error!(
                            tld = %tld.tld,
                            "escrow deposit failed: {}",
                            crate::error_text::error_text(&error)
                        );
                    }
                }
            }
            let next = self.schedule.next_slot(now) - OffsetDateTime::now_utc();
            let wait = Duration::try_from(next).unwrap_or(Duration::ZERO);
            tokio::time::sleep(if failed { wait.min(RETRY) } else { wait }).await;
        }
    }

    /// The deposit of `tld` due at `now`, made; `None` when none is due.
    pub async fn once(
        &self,
        registry: &Registry,
        tld: &str,
        now: OffsetDateTime,
    ) -> Result<Option<DepositMade>> {
        let mut tx = registry.store().begin_read().await?;
        let deposits = tx.rde_deposits(tld).await?;
        tx.rollback().await?;
        let made = Made {
            latest: deposits.first().map(|latest| (latest.watermark, latest.change_mark.is_some())),
            latest_full: deposits
                .iter()
                .find(|deposit| deposit.kind == Kind::Full.as_str())
                .map(|full| full.watermark),
        };
        let Some(kind) = self.schedule.due(made, now) else { return Ok(None) };
        let options = DepositOptions {
            tld: tld.to_owned(),
            kind,
            out: self.dir.clone(),
            agent_key: self.agent_key.clone(),
            signing_key: self.signing_key.clone(),
            watermark: now,
            resend: 0,
            now,
        };
        // The deposit encrypts and signs on this thread; the runtime's other tasks move to
        // another worker meanwhile.
        let made = tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(deposit(registry.store(), &options))
        })
        .with_context(|| format!("{} deposit of {tld}", kind.as_str()))?;
        Ok(Some(made))
    }
}
