//! What every part of a running server shares: the zone snapshot, the settings, the counters;
//! and reloading, which builds a new snapshot and swaps it in.

use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use nameward_dns::rdata::RecordData;
use nameward_dns::{Name, Rtype};

use crate::config::{Config, ZoneConfig};
use crate::net::metrics::Metrics;
use crate::transfer::{Journals, Notifier, RetryPolicy, TransferConfig, notify_after_reload};
use crate::{Zone, Zones};

/// The state shared by the listeners, the control socket and the signal handlers.
#[derive(Debug)]
pub struct Shared {
    /// The zones answered from. Workers `load()` it once per batch or query; a reload stores a
    /// new set, and queries already running finish on the old one.
    pub zones: ArcSwap<Zones>,
    /// The settings the server started with.
    pub config: Config,
    /// Counters.
    pub metrics: Metrics,
    /// TSIG keys and per-zone transfer and NOTIFY policies, read from `config`.
    pub transfer: TransferConfig,
    /// Differences between the versions loaded, for IXFR; replaced whole on reload.
    pub journals: ArcSwap<Journals>,
    /// NOTIFYs under way (the notify task sends them).
    pub notifiers: Mutex<Vec<Notifier>>,
    /// One reload at a time.
    reloading: Mutex<()>,
}

/// How one zone fared in a load or reload.
#[derive(Debug, Clone)]
pub struct ZoneStatus {
    /// The zone's origin.
    pub origin: Name,
    /// The SOA serial now served (the old one when loading failed), if a version is served.
    pub serial: Option<u32>,
    /// Why the new version was not taken, with `file:line` for each error.
    pub error: Option<String>,
}

/// The result of a reload.
#[derive(Debug, Clone)]
pub struct ReloadReport {
    /// One entry per configured zone.
    pub zones: Vec<ZoneStatus>,
}

impl ReloadReport {
    /// True when every zone loaded.
    pub fn ok(&self) -> bool {
        self.zones.iter().all(|z| z.error.is_none())
    }

    /// `origin serial` per zone, then every error.
    pub fn summary(&self) -> String {
        let mut lines = Vec::new();
        for z in &self.zones {
            let serial = z.serial.map_or_else(|| "-".to_string(), |s| s.to_string());
            let state = if z.error.is_some() { "failed, old version kept" } else { "loaded" };
            lines.push(format!("{} serial {serial}: {state}", z.origin));
        }
        for z in &self.zones {
            if let Some(error) = &z.error {
                lines.push(error.clone());
            }
        }
        lines.join("\n")
    }
}

/// Milliseconds since the epoch, the clock of NOTIFY retries and TSIG.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The SOA serial of a zone.
pub fn serial_of(zone: &Zone) -> Option<u32> {
    let soa = zone.apex()?.rrset(Rtype::SOA)?;
    match soa.data.first() {
        Some(RecordData::Soa(soa)) => Some(soa.serial),
        _ => None,
    }
}

/// Reads and compiles one configured zone; the error names the file and line of each problem.
pub fn load_zone(config: &ZoneConfig) -> Result<Zone, String> {
    let origin = Name::parse(&config.origin, Some(&Name::root()))
        .map_err(|e| format!("bad zone origin `{}`: {e}", config.origin))?;
    let file_name = config.file.to_string_lossy();
    let text = std::fs::read_to_string(&config.file)
        .map_err(|e| format!("{file_name}: cannot read zone {origin}: {e}"))?;
    Zone::from_text(&origin, &file_name, &text).map_err(|e| e.to_string())
}

impl Shared {
    /// Loads every configured zone; any failure is an error, since there is nothing old to keep.
    pub fn load(config: Config) -> Result<Shared, String> {
        let mut zones = Zones::new();
        let mut errors = Vec::new();
        for zone in &config.zones {
            match load_zone(zone) {
                Ok(z) => {
                    zones.insert(Arc::new(z));
                }
                Err(e) => errors.push(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        let transfer = TransferConfig::from_config(&config)?;
        // Secondaries hear of every zone at start-up (RFC 1996 §4.7 lets them check at once).
        let notifiers = zones
            .iter()
            .filter_map(|zone| {
                let targets = &transfer.policy(zone.origin())?.notify;
                notify_after_reload(
                    None,
                    zone,
                    targets,
                    &transfer.keys,
                    RetryPolicy::default(),
                    now_ms(),
                )
            })
            .collect();
        Ok(Shared {
            zones: ArcSwap::from_pointee(zones),
            config,
            metrics: Metrics::default(),
            transfer,
            journals: ArcSwap::from_pointee(Journals::default()),
            notifiers: Mutex::new(notifiers),
            reloading: Mutex::new(()),
        })
    }

    /// The zones served now, with their serials.
    pub fn status(&self) -> Vec<ZoneStatus> {
        let zones = self.zones.load();
        zones
            .iter()
            .map(|z| ZoneStatus { origin: z.origin().clone(), serial: serial_of(z), error: None })
            .collect()
    }

    /// Reads every zone file again and swaps in the new set at once. A zone that fails keeps
    /// its old version, and the report says why. Blocking: zone compilation takes a while, so
    /// async callers run it on a blocking thread.
    pub fn reload(&self) -> ReloadReport {
        let _one_at_a_time = self.reloading.lock();
        let old = self.zones.load_full();
        let mut zones = Zones::new();
        let mut report = ReloadReport { zones: Vec::new() };
        for config in &self.config.zones {
            let origin = Name::parse(&config.origin, Some(&Name::root())).ok();
            let previous = origin.as_ref().and_then(|o| old.get(o)).cloned();
            let status = match load_zone(config) {
                Ok(zone) => {
                    let status = ZoneStatus {
                        origin: zone.origin().clone(),
                        serial: serial_of(&zone),
                        error: None,
                    };
                    zones.insert(Arc::new(zone));
                    status
                }
                Err(error) => {
                    tracing::error!(zone = %config.origin, "reload failed, old version kept: {error}");
                    let serial = previous.as_deref().and_then(serial_of);
                    if let Some(previous) = previous {
                        zones.insert(previous);
                    }
                    ZoneStatus {
                        origin: origin.unwrap_or_else(Name::root),
                        serial,
                        error: Some(error),
                    }
                }
            };
            report.zones.push(status);
        }
        self.record_versions(&old, &zones);
        self.zones.store(Arc::new(zones));
        let counter = if report.ok() {
            &self.metrics.shared.reloads_ok
        } else {
            &self.metrics.shared.reloads_failed
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(ok = report.ok(), "reloaded: {}", report.summary().replace('\n', "; "));
        report
    }

    /// Journals the differences of every zone that changed and queues NOTIFY for those with a
    /// higher serial (a NOTIFY still under way for an older version is replaced).
    fn record_versions(&self, old: &Zones, new: &Zones) {
        let mut journals = Journals::clone(&self.journals.load());
        let mut notifiers = Vec::new();
        for zone in new.iter() {
            let Some(previous) = old.get(zone.origin()) else { continue };
            if Arc::ptr_eq(previous, zone) {
                continue;
            }
            let update = journals.update(previous, zone);
            tracing::debug!(zone = %zone.origin(), "journal: {update:?}");
            let targets = self.transfer.policy(zone.origin()).map_or(&[][..], |p| &p.notify);
            let keys = &self.transfer.keys;
            if let Some(n) = notify_after_reload(
                Some(previous),
                zone,
                targets,
                keys,
                RetryPolicy::default(),
                now_ms(),
            ) {
                notifiers.push(n);
            }
        }
        for origin in old.iter().map(|z| z.origin()) {
            if new.get(origin).is_none() {
                journals.remove(origin);
            }
        }
        self.journals.store(Arc::new(journals));
        if let Ok(mut queued) = self.notifiers.lock() {
            queued.retain(|n| !notifiers.iter().any(|m| m.zone() == n.zone()));
            queued.extend(notifiers);
        }
    }
}
