//! Signing for `nameward serve`: a zone marked `sign = true` is signed whole each time it
//! loads (at start, on reload), with its keys from `[dnssec] key_dir` (BIND's files, made on
//! first use: a CSK, or a KSK and a ZSK, the DS to give the parent logged), by the same policy
//! table as `nameward up`'s. Signatures are made again before the earliest comes within the
//! policy's refresh time of its expiry: the server reloads then. Keys are not rolled here.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow};
use nameward_dns::dnssec::{SignOptions, SigningKey, sign_zone};
use nameward_dns::store::ZoneStore;
use nameward_dns::{Name, Record};
use nameward_publish::rollover::KeyTiming;
use nameward_publish::{KeyStore, SigningPolicy};
use nameward_server::Shared;
use nameward_server::config::ZoneSigner;

use crate::up_config::DnssecConfig;
use crate::zone_keys::KeyDir;

/// The signer `nameward serve` gives its server.
#[derive(Debug)]
pub struct FileZoneSigner {
    keys: KeyDir,
    policy: SigningPolicy,
    /// The earliest signature expiration of each zone signed.
    expirations: Mutex<HashMap<Name, u32>>,
}

impl FileZoneSigner {
    /// The signer the `[dnssec]` table of serve's configuration describes: the policy of
    /// `nameward up`'s `[dnssec]` section, plus `key_dir`.
    pub fn from_table(table: &toml::Table) -> Result<FileZoneSigner> {
        let mut table = table.clone();
        let key_dir = match table.remove("key_dir") {
            Some(toml::Value::String(dir)) => PathBuf::from(dir),
            Some(_) => return Err(anyhow!("[dnssec] key_dir must be a path")),
            None => return Err(anyhow!("[dnssec] needs key_dir: where the zones' keys are kept")),
        };
        let config: DnssecConfig =
            toml::Value::Table(table).try_into().map_err(|e| anyhow!("[dnssec] {e}"))?;
        let settings = config.resolve().map_err(|message| anyhow!("[dnssec] {message}"))?;
        if settings.policy.zsk_lifetime.is_some() || settings.policy.ksk_lifetime.is_some() {
            return Err(anyhow!(
                "[dnssec] nameward serve does not roll keys: leave out the lifetimes"
            ));
        }
        let keys = KeyDir { dir: key_dir };
        Ok(FileZoneSigner {
            keys,
            policy: settings.policy,
            expirations: Mutex::new(HashMap::new()),
        })
    }

    /// Whether a zone's signatures are due to be made again at `now`.
    pub fn due(&self, now: u32) -> bool {
        let horizon = now.wrapping_add(self.policy.refresh);
        let expirations = self.expirations.lock().unwrap_or_else(|e| e.into_inner());
        expirations
            .values()
            .any(|&earliest| !nameward_server::transfer::serial_gt(earliest, horizon))
    }

    /// The zone's keys, made when it has none.
    fn keys(&self, origin: &Name, now: u32) -> Result<Vec<SigningKey>> {
        let mut keys = self.keys.keys(origin).map_err(|e| anyhow!(e))?;
        if keys.is_empty() {
            let timing = KeyTiming::from(u64::from(now));
            let roles: &[bool] = if self.policy.split { &[true, false] } else { &[true] };
            for &key_signing in roles {
                let key = self.keys.add(origin, self.policy.algorithm, key_signing, &timing);
                keys.push(key.map_err(|e| anyhow!(e))?);
            }
        }
        let now = u64::from(now);
        Ok(keys.into_iter().filter(|k| k.timing.signs_at(now)).map(|k| k.key).collect())
    }
}

impl ZoneSigner for FileZoneSigner {
    fn sign(&self, origin: &Name, store: &ZoneStore) -> Result<Vec<Record>, String> {
        let now = crate::commands::dnssec::clock();
        let keys = self.keys(origin, now).map_err(|e| format!("zone {origin}: {e:#}"))?;
        let jitter = match self.policy.jitter {
            0 => 0,
            most => (RandomState::new().hash_one(now) % u64::from(most)) as u32,
        };
        let expiration = now.wrapping_add(self.policy.validity.saturating_sub(jitter));
        let options = SignOptions {
            inception: now.wrapping_sub(self.policy.backdate),
            expiration,
            denial: self.policy.denial.clone(),
            threads: 0,
        };
        let mut signed = Vec::new();
        sign_zone(store, &keys, &options, &mut |record| {
            signed.push(record);
            ControlFlow::Continue(())
        })
        .map_err(|e| format!("zone {origin} cannot be signed: {e}"))?;
        let mut expirations = self.expirations.lock().unwrap_or_else(|e| e.into_inner());
        expirations.insert(origin.clone(), expiration);
        tracing::info!(zone = %origin, keys = keys.len(), records = signed.len(), "zone signed");
        Ok(signed)
    }
}

/// Reloads `shared` (which signs its zones again) whenever `signer` says signatures are due,
/// looking every `every`. Runs for the life of the process.
pub fn refresh(signer: Arc<FileZoneSigner>, shared: Arc<Shared>, every: Duration) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(every);
            if signer.due(crate::commands::dnssec::clock()) {
                tracing::info!("signatures come due: signing the zones again");
                shared.reload();
            }
        }
    });
}

/// The server's signer from its configuration's `[dnssec]` table, if it has one.
pub fn from_config(table: Option<&toml::Table>) -> Result<Option<Arc<FileZoneSigner>>> {
    table.map(|t| FileZoneSigner::from_table(t).map(Arc::new)).transpose().context("signing")
}
