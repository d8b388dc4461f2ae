//! Signing for `nameward serve`: a zone marked `sign = true` is signed whole each time it
//! loads (at start, on reload), with its keys from `[dnssec] key_dir` (BIND's files plus a
//! `.state` file of times, made on first use), by the same policy table as `nameward up`'s.
//! Keys are rolled as `up` rolls them ([`nameward_publish::rollover`]): ZSKs by
//! pre-publication, KSKs double-KSK and algorithms conservatively once `parent` servers serve
//! the new DS. The server reloads (so signs again) when signatures come within the refresh
//! time of expiring, and when the keys published or signing change.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use nameward_dns::dnssec::sign_zone;
use nameward_dns::store::ZoneBuilder;
use nameward_dns::{Name, Record};
use nameward_publish::rollover::{self, ParentView, RolloverTimes};
use nameward_publish::{Clock, KeySet, KeyStore, Parent, SigningPolicy};
use nameward_server::Shared;
use nameward_server::config::ZoneSigner;

use crate::parent_ds::ParentServers;
use crate::up_config::DnssecConfig;
use crate::zone_keys::KeyDir;

/// The signer `nameward serve` gives its server.
pub struct FileZoneSigner {
    keys: KeyDir,
    policy: SigningPolicy,
    parent: Option<ParentServers>,
    /// The time now.
    clock: Arc<Clock>,
    /// Each zone signed: its earliest signature expiration and when its keys change next.
    zones: Mutex<HashMap<Name, Signed>>,
}

impl std::fmt::Debug for FileZoneSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("FileZoneSigner");
        out.field("keys", &self.keys).field("policy", &self.policy).finish_non_exhaustive()
    }
}

/// What the last signing of a zone left to watch.
#[derive(Debug, Clone, Copy)]
struct Signed {
    earliest: u32,
    next_event: Option<u64>,
}

impl FileZoneSigner {
    /// The signer the `[dnssec]` table of serve's configuration describes: the policy of
    /// `nameward up`'s `[dnssec]` section, plus `key_dir`.
    pub fn from_table(table: &toml::Table, clock: Arc<Clock>) -> Result<FileZoneSigner> {
        let mut table = table.clone();
        let key_dir = match table.remove("key_dir") {
            Some(toml::Value::String(dir)) => PathBuf::from(dir),
            Some(_) => return Err(anyhow!("[dnssec] key_dir must be a path")),
            None => return Err(anyhow!("[dnssec] needs key_dir: where the zones' keys are kept")),
        };
        let config: DnssecConfig =
            toml::Value::Table(table).try_into().map_err(|e| anyhow!("[dnssec] {e}"))?;
        let settings = config.resolve().map_err(|message| anyhow!("[dnssec] {message}"))?;
        let parent =
            (!settings.parent.is_empty()).then_some(ParentServers { servers: settings.parent });
        Ok(FileZoneSigner {
            keys: KeyDir { dir: key_dir },
            policy: settings.policy,
            parent,
            clock,
            zones: Mutex::new(HashMap::new()),
        })
    }

    /// Whether some zone is due to be signed again at `now`: its signatures come within the
    /// refresh time of expiring, or its keys change.
    pub fn due(&self, now: u32) -> bool {
        let zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        zones.values().any(|signed| {
            self.policy.due(signed.earliest, now)
                || signed.next_event.is_some_and(|at| at <= u64::from(now))
        })
    }

    /// The zone's keys after the rollover steps due at `now` are taken (the first keys made).
    fn keys(&self, origin: &Name, times: &RolloverTimes, now: u64) -> Result<KeySet> {
        let mut keys = KeySet { keys: self.keys.keys(origin).map_err(|e| anyhow!(e))? };
        // A rollover's steps come one after the other: each may open the next (a first key
        // its partner; an algorithm's keys their CDS).
        for _ in 0..4 {
            let steps = rollover::steps(&keys.roles(), times, self.policy.target(), now);
            if steps.is_empty() {
                break;
            }
            keys.take(&self.keys, origin, &steps).map_err(|e| anyhow!(e))?;
        }
        if let Some(new) = rollover::awaiting_parent(&keys.roles(), times, now) {
            self.ask_parent(origin, &mut keys, times, new, now)?;
        }
        Ok(keys)
    }

    /// Asks the parent whether it serves what the rollover waits for, and takes the steps
    /// that follow when it does.
    fn ask_parent(
        &self,
        origin: &Name,
        keys: &mut KeySet,
        times: &RolloverTimes,
        new: usize,
        now: u64,
    ) -> Result<()> {
        let Some(key) = keys.keys.get(new) else { return Ok(()) };
        let Some(parent) = &self.parent else {
            tracing::warn!(zone = %origin, key = key.id, "a rollover waits for the parent's DS; no parent servers are configured");
            return Ok(());
        };
        let sets = match parent.ds_sets(origin) {
            Ok(sets) => sets,
            Err(error) => {
                tracing::warn!(zone = %origin, "cannot ask the parent for its DS: {error}");
                return Ok(());
            }
        };
        let view = ParentView::of(&sets, origin, key.key.dnskey());
        let steps = rollover::parent_serves(&keys.roles(), times, new, now, view);
        keys.take(&self.keys, origin, &steps).map_err(|e| anyhow!(e))
    }
}

impl ZoneSigner for FileZoneSigner {
    fn sign(
        &self,
        origin: &Name,
        mut zone: ZoneBuilder,
        max_ttl: u32,
    ) -> Result<Vec<Record>, String> {
        let now = (self.clock)();
        let ttl = max_ttl.max(1);
        let times = self.policy.rollover_times(ttl, ttl);
        let keys = self
            .keys(origin, &times, u64::from(now))
            .map_err(|e| format!("zone {origin}: {e:#}"))?;
        let at = keys.at(u64::from(now), &times);
        let source = nameward_dns::zone::Source { file: "keys".into(), line: 0 };
        for record in at.apex_records(origin, ttl) {
            zone.push(&record, &source).map_err(|e| format!("zone {origin}: {e}"))?;
        }
        let options = self.policy.options(now);
        let mut signed = Vec::new();
        sign_zone(&zone.finish(), &at.signers, &options, &mut |record| {
            signed.push(record);
            ControlFlow::Continue(())
        })
        .map_err(|e| format!("zone {origin} cannot be signed: {e}"))?;
        let next_event = rollover::next_event(&keys.roles(), &times, u64::from(now));
        let mut zones = self.zones.lock().unwrap_or_else(|e| e.into_inner());
        zones.insert(origin.clone(), Signed { earliest: options.expiration, next_event });
        tracing::info!(zone = %origin, keys = at.signers.len(), records = signed.len(), "zone signed");
        Ok(signed)
    }
}

/// Reloads `shared` (which signs its zones again) whenever `signer` says signatures are due,
/// looking every `every`. Runs for the life of the process.
pub fn refresh(signer: Arc<FileZoneSigner>, shared: Arc<Shared>, every: Duration) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            if signer.due((signer.clock)()) {
                tracing::info!("signatures come due: signing the zones again");
                shared.reload();
            }
        }
    });
}

/// The server's signer from its configuration's `[dnssec]` table, if it has one.
pub fn from_config(
    table: Option<&toml::Table>,
    clock: Arc<Clock>,
) -> Result<Option<Arc<FileZoneSigner>>> {
    let signer = table.map(|t| FileZoneSigner::from_table(t, clock).map(Arc::new));
    signer.transpose().context("signing")
}
