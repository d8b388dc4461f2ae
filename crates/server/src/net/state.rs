//! What every part of a running server shares: the zone snapshot, the settings, the counters;
//! and reloading, which builds a new snapshot and swaps it in.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use arc_swap::ArcSwap;
use nameward_dns::Name;
use nameward_dns::check::{CheckOptions, Diagnostic, Severity};
use nameward_dns::zone::{IncludeLoader, ReaderOptions, ZoneReader};

use crate::config::{Config, ZoneConfig, ZoneSigner};
use crate::cookie::Cookies;
use crate::net::metrics::Metrics;
use crate::net::tcp::Limits;
use crate::net::transfer_hook::zone_replaced;
use crate::transfer::{
    ApplyError, Diff, Journals, Notifier, RetryPolicy, TransferConfig, notify_after_reload,
};
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
    /// Wakes the notify task when a notifier is queued.
    notifier_wake: tokio::sync::Notify,
    /// When the latest NOTIFY of each zone was (or is to be) first sent, in `now_ms` time.
    notified_at: Mutex<HashMap<Name, u64>>,
    /// Where DNS Cookie secrets come from; `None` when cookies are off.
    pub cookies: Option<Cookies>,
    /// Zone transfers under way over TCP, in total and per client.
    pub transfer_limits: Arc<Limits>,
    /// One reload at a time.
    reloading: Mutex<()>,
    /// Folds of layered zones under way (see [`Shared::apply`]), by origin.
    folds: Mutex<HashMap<Name, Fold>>,
    /// The update rules of the zones that take updates, by origin.
    pub update_policies: HashMap<Name, crate::update::Policy>,
    /// Where UPDATE messages and flushes go; set once the updater thread runs.
    pub updater: std::sync::OnceLock<crate::net::update_hook::UpdateQueue>,
}

/// A layered zone being compiled whole on a thread of its own.
#[derive(Debug)]
struct Fold {
    /// The version folded: its fold stands for it only under a zone layered over the same
    /// base (a whole version published since starts another line).
    snapshot: Arc<Zone>,
    /// Its serial.
    serial: u32,
    job: std::thread::JoinHandle<Result<Zone, crate::LoadError>>,
}

/// A layered zone is folded once its top layer holds more nodes than this, plus one for every
/// [`FOLD_SHARE`] nodes of its base: each change compiles the top anew, so the top is kept
/// small, and a fold compiles the whole zone, so it is not done for every few changes.
const FOLD_AT: usize = 2048;
const FOLD_SHARE: usize = 256;

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

/// Seconds since the epoch as DNS keeps them (32 bits, compared in serial number arithmetic),
/// the clock of DNS Cookies.
pub fn now_secs() -> u32 {
    (now_ms() / 1000) as u32
}

/// The SOA serial of a zone.
pub fn serial_of(zone: &Zone) -> Option<u32> {
    zone.serial()
}

/// Opens `$INCLUDE` files; the reader confines them to the zone file's directory.
struct FileIncludes;

impl IncludeLoader for FileIncludes {
    fn open(&self, path: &Path) -> io::Result<Box<dyn BufRead>> {
        Ok(Box::new(BufReader::with_capacity(64 * 1024, File::open(path)?)))
    }

    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        std::fs::canonicalize(path)
    }
}

/// A configured zone's origin, its file's name and a reader of its records.
fn read_zone(config: &ZoneConfig) -> Result<(Name, String, ZoneReader<'static>), String> {
    let origin = Name::parse(&config.origin, Some(&Name::root()))
        .map_err(|e| format!("bad zone origin `{}`: {e}", config.origin))?;
    let file_name = config.file.to_string_lossy().into_owned();
    let file = File::open(&config.file)
        .map_err(|e| format!("{file_name}: cannot read zone {origin}: {e}"))?;
    let reader = BufReader::with_capacity(256 * 1024, file);
    let options = ReaderOptions::default();
    let zone = ZoneReader::new(reader, &file_name, Some(origin.clone()), options, &FileIncludes);
    Ok((origin, file_name, zone))
}

/// Reads and compiles one configured zone, `$INCLUDE`s included, signed by `signer` when the
/// zone is marked `sign`; the error names the file and line of each problem.
pub fn load_zone(config: &ZoneConfig, signer: Option<&dyn ZoneSigner>) -> Result<Zone, String> {
    if config.sign {
        let signer = signer.ok_or_else(|| {
            format!("zone {} is to be signed and no [dnssec] policy is set", config.origin)
        })?;
        return load_signed_zone(config, signer);
    }
    let (origin, _, zone) = read_zone(config)?;
    if !config.update.is_empty() {
        let zone = load_entries(&origin, zone)?;
        return crate::update::replay(zone, &config.journal_path())
            .map_err(|e| format!("zone {origin} cannot be served: {e}"));
    }
    load_entries(&origin, zone)
}

/// Compiles the records a zone file gives; the error names the file and line of each problem.
fn load_entries(origin: &Name, zone: ZoneReader<'static>) -> Result<Zone, String> {
    let mut errors = Vec::new();
    let entries = zone.filter_map(|item| item.map_err(|e| errors.push(e)).ok());
    let loaded = Zone::load(origin, entries);
    let mut lines: Vec<String> = errors
        .iter()
        .map(|e| Diagnostic {
            severity: Severity::Error,
            source: Some(e.location()),
            message: e.message.clone(),
        })
        .map(|d| format!("  {d}"))
        .collect();
    match loaded {
        Ok(zone) if lines.is_empty() => Ok(zone),
        Ok(_) => Err(format!("zone {origin} cannot be served:\n{}", lines.join("\n"))),
        Err(e) => {
            lines.extend(e.diagnostics.iter().map(|d| format!("  {d}")));
            Err(format!("zone {origin} cannot be served:\n{}", lines.join("\n")))
        }
    }
}

/// Reads one zone into the compact store, has `signer` sign it, and compiles the result.
fn load_signed_zone(config: &ZoneConfig, signer: &dyn ZoneSigner) -> Result<Zone, String> {
    let (origin, file_name, zone) = read_zone(config)?;
    let mut builder = nameward_dns::store::ZoneBuilder::new(&origin);
    let mut lines = Vec::new();
    let mut max_ttl = 0;
    for item in zone {
        match item.map_err(|e| format!("  {}: {}", e.location(), e.message)) {
            Ok(entry) => {
                max_ttl = max_ttl.max(entry.record.ttl);
                if let Err(e) = builder.push_entry(&entry) {
                    lines.push(format!("  {}: {e}", entry.source));
                }
            }
            Err(line) => lines.push(line),
        }
    }
    if !lines.is_empty() {
        return Err(format!("zone {origin} cannot be served:\n{}", lines.join("\n")));
    }
    let signed = signer.sign(&origin, builder, max_ttl)?;
    Zone::from_records(&origin, signed, &format!("{file_name}, signed"), &CheckOptions::default())
        .map_err(|e| {
            let lines: Vec<String> = e.diagnostics.iter().map(|d| format!("  {d}")).collect();
            format!("zone {origin} cannot be served once signed:\n{}", lines.join("\n"))
        })
}

/// Why an update's difference was not served.
#[derive(Debug)]
pub enum Applied<E = io::Error> {
    /// The new version would not compile or pass the zone checks.
    Zone(ApplyError),
    /// The journal could not be written: nothing was served.
    Journal(E),
}

impl<E: std::fmt::Display> std::fmt::Display for Applied<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Applied::Zone(e) => write!(f, "{e}"),
            Applied::Journal(e) => write!(f, "cannot write the update journal: {e}"),
        }
    }
}

/// The update rules of every zone that has some, read and checked.
fn update_policies(config: &Config) -> Result<HashMap<Name, crate::update::Policy>, String> {
    let mut policies = HashMap::new();
    for zone in config.zones.iter().filter(|z| !z.update.is_empty()) {
        let origin = Name::parse(&zone.origin, Some(&Name::root()))
            .map_err(|e| format!("bad zone origin `{}`: {e}", zone.origin))?;
        if zone.sign {
            return Err(format!(
                "zone {origin}: dynamic update of a zone signed as it loads is not supported; \
                 drop `sign` or the update rules"
            ));
        }
        for rule in &zone.update {
            let key = Name::parse(&rule.key, Some(&Name::root())).map_err(|e| e.to_string())?;
            if config
                .keys
                .iter()
                .all(|k| Name::parse(&k.name, Some(&Name::root())).map_or(true, |n| n != key))
            {
                return Err(format!(
                    "zone {origin}: update rule names key `{}`, which no [[key]] defines",
                    rule.key
                ));
            }
        }
        policies.insert(origin.clone(), crate::update::Policy::from_config(&origin, &zone.update)?);
    }
    Ok(policies)
}

/// The least time between the first transmissions of two NOTIFYs of one zone (see
/// `Shared::queue_notifiers`).
pub const NOTIFY_SPACING_MS: u64 = 250;

/// When a zone's new NOTIFY is first sent, given when its previous one was (`last`): a
/// previous one still waiting is replaced and keeps its time; one already sent holds the next
/// back until [`NOTIFY_SPACING_MS`] after it.
fn notify_due(last: Option<u64>, now: u64) -> u64 {
    match last {
        Some(last) if last >= now => last,
        Some(last) => now.max(last + NOTIFY_SPACING_MS),
        None => now,
    }
}

impl Shared {
    /// Loads every configured zone; any failure is an error, since there is nothing old to keep.
    pub fn load(config: Config) -> Result<Shared, String> {
        let mut zones = Zones::new();
        let mut errors = Vec::new();
        for zone in &config.zones {
            match load_zone(zone, config.signer.as_deref()) {
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
        let update_policies = update_policies(&config)?;
        // Secondaries hear of every zone at start-up (RFC 1996 §4.7 lets them check at once).
        let notifiers = zones
            .iter()
            .filter_map(|zone| {
                let targets = &transfer.policy(zone.origin())?.notify;
                let policy = RetryPolicy::default();
                notify_after_reload(None, zone, targets, &transfer.keys, policy, now_ms())
            })
            .collect();
        let cookies = Cookies::from_config(&config.cookies);
        let tcp = &config.tcp;
        let transfer_limits = Limits::new(tcp.max_transfers, tcp.max_transfers_per_client);
        Ok(Shared {
            zones: ArcSwap::from_pointee(zones),
            config,
            metrics: Metrics::default(),
            transfer,
            journals: ArcSwap::from_pointee(Journals::default()),
            notifiers: Mutex::new(notifiers),
            notifier_wake: tokio::sync::Notify::new(),
            notified_at: Mutex::new(HashMap::new()),
            cookies,
            transfer_limits,
            reloading: Mutex::new(()),
            folds: Mutex::new(HashMap::new()),
            update_policies,
            updater: std::sync::OnceLock::new(),
        })
    }

    /// Queues the NOTIFYs of new versions of zones, each in place of any still under way for
    /// an older version, and wakes the notify task. Called once the new versions are served:
    /// a secondary that asks at once must find the serial it was told of.
    ///
    /// A zone's NOTIFYs leave at most one per [`NOTIFY_SPACING_MS`]: the first of a burst at
    /// once, the rest held and replaced by newer versions, so that the last is sent one
    /// spacing after the one before (as BIND's `notify-delay` does). Without it a stream of
    /// changes told secondaries of every version 50 ms apart, and NSD, told of a serial its
    /// transfer had already fetched but not yet loaded, abandoned the transfer and fetched
    /// the whole zone again.
    fn queue_notifiers(&self, notifiers: impl IntoIterator<Item = Notifier>) {
        let mut notifiers = notifiers.into_iter().peekable();
        if notifiers.peek().is_none() {
            return;
        }
        let now = now_ms();
        if let (Ok(mut queued), Ok(mut notified_at)) =
            (self.notifiers.lock(), self.notified_at.lock())
        {
            for mut notifier in notifiers {
                let due = notify_due(notified_at.get(notifier.zone()).copied(), now);
                notifier.not_before(due);
                notified_at.insert(notifier.zone().clone(), due);
                queued.retain(|n| n.zone() != notifier.zone());
                queued.push(notifier);
            }
        }
        self.notifier_wake.notify_one();
    }

    /// Resolves when a notifier has been queued since the last wait.
    pub async fn notifier_queued(&self) {
        self.notifier_wake.notified().await;
    }

    /// Serves `zone` in place of any version of it served now, as a reload would: the
    /// difference goes to the IXFR journal and the secondaries are sent NOTIFY. This is how
    /// zones built in memory (the registry's TLD zones) are published; a reload keeps them.
    pub fn publish(&self, zone: Zone) {
        self.install(zone, None);
    }

    /// [`Shared::publish`] for a zone this process serves for the first time, with `history`
    /// (differences, oldest first) kept from before as its IXFR journal: only the differences
    /// that chain up to `zone`'s serial are taken, so an IXFR is never answered from a
    /// history that does not lead to the zone served. The journal is in place before the
    /// zone is served and NOTIFY leaves, so a secondary that asks at once gets IXFR, not the
    /// whole zone. How many differences were taken.
    pub fn publish_with_history(&self, zone: Zone, history: Vec<Diff>) -> usize {
        self.install(zone, Some(history))
    }

    fn install(&self, zone: Zone, history: Option<Vec<Diff>>) -> usize {
        let _one_at_a_time = self.reloading.lock();
        let old = self.zones.load_full();
        let zone = Arc::new(zone);
        let previous = old.get(zone.origin()).cloned();
        let notifier = zone_replaced(self, previous.as_ref(), &zone, None);
        let kept = match (history, zone.serial()) {
            (Some(history), Some(serial)) => self.take_history(zone.origin(), serial, history),
            _ => 0,
        };
        let mut zones = (*old).clone();
        zones.insert(Arc::clone(&zone));
        self.zones.store(Arc::new(zones));
        self.queue_notifiers(notifier);
        tracing::info!(zone = %zone.origin(), serial = ?serial_of(&zone), "published");
        kept
    }

    /// Makes the differences of `history` that chain up to `serial` the journal of `origin`,
    /// in place of any it has; how many.
    fn take_history(&self, origin: &Name, serial: u32, history: Vec<Diff>) -> usize {
        let mut chain: Vec<Diff> = Vec::new();
        let mut next = serial;
        for diff in history.into_iter().rev() {
            if diff.to_serial() != next {
                break;
            }
            next = diff.from_serial();
            chain.push(diff);
        }
        chain.reverse();
        let mut journals = (**self.journals.load()).clone();
        journals.remove(origin);
        for diff in chain {
            journals.record(origin, diff);
        }
        let kept = journals.get(origin).map_or(0, |journal| journal.len());
        self.journals.store(Arc::new(journals));
        kept
    }

    /// Serves the next version of a zone handed in by [`Shared::publish`], made from the
    /// version served now by `diff` (see [`Diff::apply_to`]): the publisher knows what
    /// changed, so nothing is compared, and `diff` is what goes to the IXFR journal. Blocking,
    /// as compiling is. The new version passes the zone checks set by `options`. The serial
    /// now served, or why nothing changed.
    pub fn apply(
        &self,
        origin: &Name,
        diff: Diff,
        options: &CheckOptions,
    ) -> Result<u32, ApplyError> {
        let nothing_to_journal = |_: &Diff| Ok::<(), std::convert::Infallible>(());
        self.apply_then(origin, diff, options, nothing_to_journal).map_err(|e| match e {
            Applied::Zone(e) => e,
            Applied::Journal(never) => match never {},
        })
    }

    /// [`Shared::apply`] for a dynamic update: `journal` keeps the difference on disk once
    /// the new version has compiled and before it is served; when it fails, nothing is served.
    pub fn apply_update(
        &self,
        origin: &Name,
        diff: Diff,
        journal: impl FnOnce(&Diff) -> std::io::Result<()>,
    ) -> Result<u32, Applied> {
        self.apply_then(origin, diff, &CheckOptions::default(), journal)
    }

    fn apply_then<E>(
        &self,
        origin: &Name,
        diff: Diff,
        options: &CheckOptions,
        journal: impl FnOnce(&Diff) -> Result<(), E>,
    ) -> Result<u32, Applied<E>> {
        let _one_at_a_time = self.reloading.lock();
        self.finish_fold(origin);
        let old = self.zones.load_full();
        let previous = old.get(origin).cloned();
        let Some(previous) = previous else {
            return Err(Applied::Zone(ApplyError::NotFrom {
                from: diff.from_serial(),
                served: None,
            }));
        };
        let zone = Arc::new(diff.apply_to(&previous, options).map_err(Applied::Zone)?);
        journal(&diff).map_err(Applied::Journal)?;
        let serial = diff.to_serial();
        let notifier = zone_replaced(self, Some(&previous), &zone, Some(diff));
        let mut zones = (*old).clone();
        zones.insert(Arc::clone(&zone));
        self.zones.store(Arc::new(zones));
        self.queue_notifiers(notifier);
        tracing::debug!(zone = %origin, serial, "published a difference");
        self.start_fold(&zone, options.missing_glue);
        Ok(serial)
    }

    /// Runs `f` with no reload, publication or update under way: what writes a zone file
    /// and empties its journal must not interleave with a reload reading them.
    pub fn exclusive<T>(&self, f: impl FnOnce() -> T) -> T {
        let _one_at_a_time = self.reloading.lock();
        f()
    }

    /// Starts folding `zone` on a thread of its own when its top layer has grown past
    /// [`FOLD_AT`] and no fold of it is under way.
    fn start_fold(&self, zone: &Arc<Zone>, missing_glue: Severity) {
        let Some(serial) = zone.serial().filter(|_| zone.layered()) else { return };
        if zone.top_node_count() <= FOLD_AT + zone.base_node_count() / FOLD_SHARE {
            return;
        }
        let Ok(mut folds) = self.folds.lock() else { return };
        if folds.contains_key(zone.origin()) {
            return;
        }
        let snapshot = Arc::clone(zone);
        let job = std::thread::Builder::new().name("nameward-fold".to_owned()).spawn(move || {
            snapshot.folded(&CheckOptions { missing_glue, ..CheckOptions::default() })
        });
        match job {
            Ok(job) => {
                let snapshot = Arc::clone(zone);
                folds.insert(zone.origin().clone(), Fold { snapshot, serial, job });
            }
            Err(error) => tracing::warn!(zone = %zone.origin(), "cannot start a fold: {error}"),
        }
    }

    /// Lays the zone at `origin` over its finished fold, if one finished: the same records, a
    /// smaller top layer. Called with the reload lock held.
    fn finish_fold(&self, origin: &Name) {
        let Ok(mut folds) = self.folds.lock() else { return };
        if !folds.get(origin).is_some_and(|fold| fold.job.is_finished()) {
            return;
        }
        let Some(fold) = folds.remove(origin) else { return };
        drop(folds);
        let folded = match fold.job.join() {
            Ok(Ok(folded)) => Arc::new(folded),
            Ok(Err(error)) => {
                tracing::warn!(zone = %origin, "the fold did not load, the layers stay: {error}");
                return;
            }
            Err(_) => return,
        };
        let old = self.zones.load_full();
        let Some(current) = old.get(origin).filter(|zone| zone.same_base(&fold.snapshot)) else {
            return;
        };
        match current.rebased(folded, fold.serial) {
            Some(Ok(rebased)) => {
                let mut zones = (*old).clone();
                zones.insert(Arc::new(rebased));
                self.zones.store(Arc::new(zones));
                tracing::debug!(zone = %origin, serial = fold.serial, "layers folded");
            }
            Some(Err(error)) => tracing::warn!(zone = %origin, "cannot rebase the layers: {error}"),
            None => {}
        }
    }

    /// Stops serving the zone at `origin` that [`Shared::publish`] handed in, with its IXFR
    /// journal (a zone published again later starts a new history); the zone withdrawn, if
    /// one was served. Zones read from the configured files are left alone: a reload would
    /// bring them back, so they are withdrawn by leaving the configuration.
    pub fn withdraw(&self, origin: &Name) -> Option<Arc<Zone>> {
        let _one_at_a_time = self.reloading.lock();
        if self.is_file_zone(origin) {
            return None;
        }
        let old = self.zones.load_full();
        old.get(origin)?;
        let mut zones = (*old).clone();
        let removed = zones.remove(origin);
        self.zones.store(Arc::new(zones));
        let mut journals = (**self.journals.load()).clone();
        journals.remove(origin);
        self.journals.store(Arc::new(journals));
        // Zones come and go (names on continuity DNS): their NOTIFY times go with them.
        if let Ok(mut notified_at) = self.notified_at.lock() {
            notified_at.remove(origin);
        }
        tracing::info!(zone = %origin, "withdrawn");
        removed
    }

    fn is_file_zone(&self, origin: &Name) -> bool {
        self.config
            .zones
            .iter()
            .any(|z| Name::parse(&z.origin, Some(&Name::root())).is_ok_and(|o| &o == origin))
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
        let mut notifiers = Vec::new();
        for config in &self.config.zones {
            let origin = Name::parse(&config.origin, Some(&Name::root())).ok();
            let previous = origin.as_ref().and_then(|o| old.get(o)).cloned();
            let status = match load_zone(config, self.config.signer.as_deref()) {
                Ok(zone) => {
                    let status = ZoneStatus {
                        origin: zone.origin().clone(),
                        serial: serial_of(&zone),
                        error: None,
                    };
                    let zone = Arc::new(zone);
                    notifiers.extend(zone_replaced(self, previous.as_ref(), &zone, None));
                    zones.insert(zone);
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
        // Zones handed in by `publish` have no file to read again: they stay as they are.
        for zone in old.iter() {
            if zones.get(zone.origin()).is_none() && !self.is_file_zone(zone.origin()) {
                zones.insert(Arc::clone(zone));
            }
        }
        self.zones.store(Arc::new(zones));
        self.queue_notifiers(notifiers);
        let counter = if report.ok() {
            &self.metrics.shared.reloads_ok
        } else {
            &self.metrics.shared.reloads_failed
        };
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::info!(ok = report.ok(), "reloaded: {}", report.summary().replace('\n', "; "));
        report
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::Diff;

    fn zone(serial: u32, host: &str) -> Zone {
        let text = format!(
            "@ 3600 IN SOA ns1 hostmaster {serial} 1800 900 604800 900\n\
             @ 3600 IN NS ns1\n\
             ns1 3600 IN A 192.0.2.53\n\
             {host} 3600 IN NS ns.elsewhere.test.\n"
        );
        let origin = Name::parse("example.", None).unwrap();
        Zone::from_text(&origin, "published", &text).unwrap()
    }

    /// A TLD zone of `names` delegations at `serial`.
    fn tld(serial: u32, names: usize) -> Zone {
        let mut text = format!(
            "@ 3600 IN SOA ns1 hostmaster {serial} 1800 900 604800 900\n\
             @ 3600 IN NS ns1\nns1 3600 IN A 192.0.2.53\n"
        );
        for i in 0..names {
            text.push_str(&format!("d{i} 3600 IN NS ns.d{i}\nns.d{i} 3600 IN A 192.0.2.1\n"));
        }
        Zone::from_text(&Name::parse("example.", None).unwrap(), "tld", &text).unwrap()
    }

    /// The records an AXFR of `zone` sends, the closing SOA aside, sorted.
    fn axfr(zone: &Arc<Zone>) -> Vec<String> {
        let question = nameward_dns::Question {
            name: zone.origin().clone(),
            qtype: nameward_dns::Rtype::AXFR,
            qclass: nameward_dns::Class::IN,
        };
        let stream = crate::transfer::full_zone(Arc::clone(zone), 1, 0, question, None);
        let mut lines: Vec<String> = stream
            .flat_map(|message| {
                let options = nameward_dns::wire::DecodeOptions::STRICT;
                nameward_dns::Message::decode(&message, options).unwrap().answers
            })
            .map(|r| r.to_string())
            .collect();
        lines.pop();
        lines.sort();
        lines
    }

    fn sorted(zone: &Zone) -> Vec<String> {
        let mut lines: Vec<String> = zone.records().map(|r| r.to_string()).collect();
        lines.sort();
        lines
    }

    /// Differences layer the zone; once the top grows past its bound it is folded on a thread
    /// and the next difference lays the zone over the fold, keeping only what changed since:
    /// the records are the same as a zone built whole at every step.
    #[test]
    fn differences_layer_and_fold() {
        let shared = Shared::load(Config::default()).unwrap();
        let origin = Name::parse("example.", None).unwrap();
        shared.publish(tld(1, 3000));
        let served = || shared.zones.load().get(&origin).cloned().unwrap();
        // A difference touching 2100 delegations: each loses its glue's old address.
        let changed = 2100;
        let record = |line: &str| {
            let zone = Zone::from_text(
                &origin,
                "r",
                &format!("@ 1 IN SOA a b 1 1 1 1 1\n@ 1 IN NS ns.test.\n{line}\n"),
            )
            .unwrap();
            zone.records()
                .find(|r| r.to_string().starts_with(line.split(' ').next().unwrap()))
                .unwrap()
        };
        let soa = |serial: u32| tld(serial, 0).soa().unwrap();
        let diff = Diff {
            from: soa(1),
            to: soa(2),
            deleted: (0..changed)
                .map(|i| record(&format!("ns.d{i}.example. 3600 IN A 192.0.2.1")))
                .collect(),
            added: (0..changed)
                .map(|i| record(&format!("ns.d{i}.example. 3600 IN A 192.0.2.2")))
                .collect(),
        };
        let options = CheckOptions::default();
        assert_eq!(shared.apply(&origin, diff, &options).unwrap(), 2);
        let layered = served();
        assert!(layered.layered());
        assert!(layered.top_node_count() > 2 * changed);
        let whole: Vec<String> = sorted(&tld(2, 3000))
            .into_iter()
            .map(|line| {
                let ends = line.ends_with("A 192.0.2.1") && line.starts_with("ns.d");
                let number: usize = line
                    .trim_start_matches("ns.d")
                    .split('.')
                    .next()
                    .unwrap_or("")
                    .parse()
                    .unwrap_or(usize::MAX);
                if ends && number < changed { line.replace("192.0.2.1", "192.0.2.2") } else { line }
            })
            .collect();
        assert_eq!(sorted(&layered), whole);
        assert_eq!(axfr(&layered), whole, "AXFR walks both layers");
        // The fold runs on its own thread; the next difference finds it done.
        while !shared.folds.lock().unwrap().get(&origin).is_some_and(|f| f.job.is_finished()) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let one = Diff {
            from: soa(2),
            to: soa(3),
            deleted: vec![],
            added: vec![record("new.example. 3600 IN NS ns.elsewhere.test.")],
        };
        assert_eq!(shared.apply(&origin, one, &options).unwrap(), 3);
        let rebased = served();
        assert!(rebased.layered());
        // The apex and the one new delegation.
        assert!(rebased.top_node_count() <= 3, "{}", rebased.top_node_count());
        let mut whole: Vec<String> =
            whole.into_iter().map(|l| l.replace(" 2 1800 900", " 3 1800 900")).collect();
        whole.push("new.example. 3600 IN NS ns.elsewhere.test.".to_owned());
        whole.sort();
        assert_eq!(sorted(&rebased), whole);
    }

    #[test]
    fn published_zones_replace_journal_and_survive_reload() {
        let shared = Shared::load(Config::default()).unwrap();
        let origin = Name::parse("example.", None).unwrap();
        shared.publish(zone(1, "a"));
        assert_eq!(shared.zones.load().get(&origin).and_then(|z| serial_of(z)), Some(1));
        shared.publish(zone(2, "b"));
        assert_eq!(shared.zones.load().get(&origin).and_then(|z| serial_of(z)), Some(2));
        let journal = shared.journals.load();
        let diffs: Vec<(u32, u32)> = journal
            .get(&origin)
            .map(|j| j.diffs().map(|d| (d.from_serial(), d.to_serial())).collect())
            .unwrap_or_default();
        assert_eq!(diffs, [(1, 2)]);
        let report = shared.reload();
        assert!(report.ok());
        assert_eq!(shared.zones.load().get(&origin).and_then(|z| serial_of(z)), Some(2));
        assert!(shared.withdraw(&origin).is_some());
        assert!(shared.zones.load().get(&origin).is_none());
        assert!(shared.journals.load().get(&origin).is_none());
        assert!(shared.withdraw(&origin).is_none());
    }
}

#[cfg(test)]
mod notify_spacing_tests {
    use super::*;

    #[test]
    fn a_burst_sends_the_first_at_once_and_then_one_per_spacing() {
        let spacing = NOTIFY_SPACING_MS;
        assert_eq!(notify_due(None, 1_000), 1_000);
        // Sent at 1,000: one 50 ms later waits for the spacing.
        assert_eq!(notify_due(Some(1_000), 1_050), 1_000 + spacing);
        // Versions replacing that waiting one keep its time, however many come.
        let mut due = 1_000 + spacing;
        for now in (1_100..1_000 + spacing).step_by(50) {
            due = notify_due(Some(due), now);
            assert_eq!(due, 1_000 + spacing);
        }
        // Long after the last one, a NOTIFY leaves at once.
        assert_eq!(notify_due(Some(1_000), 1_000 + 10 * spacing), 1_000 + 10 * spacing);
    }
}
