//! The publication loop: each TLD's zone served at the registry's serial, by difference when
//! the change is known owner by owner, whole otherwise.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nameward_dns::check::{CheckOptions, Diagnostic, Severity};
use nameward_dns::dnssec::{self, SignError, SignOptions, SigningKey, sign_zone};
use nameward_dns::rdata::RecordData;
use nameward_dns::serial::serial_lt;
use nameward_dns::store::ZoneBuilder;
use nameward_dns::{Name, Record};
use nameward_registry::service::{Registry, ServiceError, ZoneDelta};
use nameward_server::transfer::Diff;
use nameward_server::{LoadError, Shared, Zone};

use crate::continuity::Continuity;
use crate::diff::{difference, served_owners};
use crate::history;
use crate::metrics::PublishMetrics;
use crate::rollover::{self, ParentView};
use crate::signing::{KeysAt, Signing, TldSigning, sign_difference};

/// How many serials of change notes are kept behind the one served: a publisher that falls
/// further behind (another process stopped for a while) rebuilds its zone whole once.
const KEEP_NOTES: u32 = 100_000;

/// How often the notes older than that are forgotten.
const FORGET_EVERY: Duration = Duration::from_secs(600);

/// The least time from one publication round to the next. A round costs a few database
/// reads whatever it carries; under 200 creates a second (`bench/up`, 200,000 names), a round
/// per change cost `up` 2.6 ms of CPU a change, rounds at least 20 ms apart 1.9 ms and 50 ms
/// apart 1.2 ms, with the delegation answered within 29 ms and 57 ms (p99).
const MIN_ROUND_GAP: Duration = Duration::from_millis(50);

/// What one round of publication did for one TLD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Published {
    /// The serial had not moved.
    Unchanged,
    /// The zone was built whole from the database.
    Whole {
        /// The serial now served.
        serial: u32,
        /// Records in the zone.
        records: usize,
    },
    /// The served zone was changed by a difference.
    Difference {
        /// The serial now served.
        serial: u32,
        /// Records removed.
        deleted: usize,
        /// Records added.
        added: usize,
    },
}

/// Why a TLD's zone was not published; the version served before keeps being served.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// The registry could not be read.
    #[error("TLD {tld}: {source}")]
    Registry {
        /// The TLD.
        tld: String,
        /// What went wrong.
        source: ServiceError,
    },
    /// The TLD has no zone apex (name servers, SOA values) yet.
    #[error("TLD {tld}: no zone apex is set")]
    NoApex {
        /// The TLD.
        tld: String,
    },
    /// The zone the database holds does not pass the zone checks.
    #[error("TLD {tld}: serial {serial} does not load: {source}")]
    Load {
        /// The TLD.
        tld: String,
        /// The serial refused.
        serial: u32,
        /// The checks that failed.
        source: LoadError,
    },
    /// The TLD is not a domain name.
    #[error("TLD {tld} is not a domain name")]
    BadTld {
        /// The TLD.
        tld: String,
    },
    /// The TLD's signing keys could not be had.
    #[error("TLD {tld}: no signing keys: {message}")]
    Keys {
        /// The TLD.
        tld: String,
        /// Why.
        message: String,
    },
    /// The zone could not be signed.
    #[error("TLD {tld}: serial {serial} cannot be signed: {source}")]
    Sign {
        /// The TLD.
        tld: String,
        /// The serial refused.
        serial: u32,
        /// What went wrong.
        source: SignError,
    },
}

/// One TLD being published.
#[derive(Debug)]
struct Tld {
    name: String,
    origin: Name,
    continuity: Continuity,
    /// A serial that failed to publish: not tried again until the serial moves.
    failed: Option<u32>,
    /// The keys and signature times of a signed zone.
    signing: Option<TldSigning>,
}

/// Serves the registry's TLD zones from `dns` and keeps them at the registry's serial.
#[derive(Debug)]
pub struct Publisher {
    registry: Arc<Registry>,
    dns: Arc<Shared>,
    tlds: Vec<Tld>,
    /// For [`Publisher::every_tld`]: when the registry's TLDs were last listed.
    listed: Option<Option<Instant>>,
    metrics: Arc<PublishMetrics>,
    /// How zones are signed; unsigned when `None`.
    signing: Option<Signing>,
}

/// How often a publisher of every TLD looks for TLDs added since.
const LIST_EVERY: Duration = Duration::from_secs(2);

impl Publisher {
    /// A publisher of `tlds` (without dots) into `dns`; nothing is served until
    /// [`Publisher::publish`] runs.
    pub fn new(
        registry: Arc<Registry>,
        dns: Arc<Shared>,
        tlds: &[String],
    ) -> Result<Publisher, PublishError> {
        let tlds = tlds
            .iter()
            .map(|tld| {
                let name = tld.trim_matches('.').to_ascii_lowercase();
                let origin = Name::parse(&name, Some(&Name::root()))
                    .map_err(|_| PublishError::BadTld { tld: tld.clone() })?;
                Ok(Tld {
                    name,
                    origin,
                    continuity: Continuity::default(),
                    failed: None,
                    signing: None,
                })
            })
            .collect::<Result<_, _>>()?;
        let metrics = Arc::new(PublishMetrics::new(Arc::clone(&dns)));
        Ok(Publisher { registry, dns, tlds, listed: None, metrics, signing: None })
    }

    /// A publisher of every TLD of the registry that has a zone apex, TLDs added later
    /// included (they are looked for every [`LIST_EVERY`]).
    pub fn every_tld(registry: Arc<Registry>, dns: Arc<Shared>) -> Publisher {
        let metrics = Arc::new(PublishMetrics::new(Arc::clone(&dns)));
        Publisher { registry, dns, tlds: Vec::new(), listed: Some(None), metrics, signing: None }
    }

    /// This publisher, signing every zone it publishes by `signing`.
    pub fn with_signing(mut self, signing: Signing) -> Publisher {
        self.signing = Some(signing);
        self
    }

    /// What this publisher did, per TLD, for a Prometheus endpoint.
    pub fn metrics(&self) -> Arc<PublishMetrics> {
        Arc::clone(&self.metrics)
    }

    /// The TLDs published, in the order they were found.
    pub fn tlds(&self) -> impl Iterator<Item = &str> {
        self.tlds.iter().map(|tld| tld.name.as_str())
    }

    /// Adds the registry's TLDs that have a zone apex and are not published yet.
    async fn find_tlds(&mut self) -> Result<(), PublishError> {
        let failed = |source| PublishError::Registry { tld: "*".to_owned(), source };
        for policy in self.registry.tlds().await.map_err(failed)? {
            if self.tlds.iter().any(|tld| tld.name == policy.tld) {
                continue;
            }
            if self.registry.zone_apex(&policy.tld).await.map_err(failed)?.is_none() {
                continue;
            }
            let origin = Name::parse(&policy.tld, Some(&Name::root()))
                .map_err(|_| PublishError::BadTld { tld: policy.tld.clone() })?;
            tracing::info!(tld = policy.tld, "publishing the TLD zone");
            let continuity = Continuity::default();
            let failed = None;
            self.tlds.push(Tld { name: policy.tld, origin, continuity, failed, signing: None });
        }
        Ok(())
    }

    /// One round: every TLD whose serial moved is published at its new serial.
    pub async fn publish(&mut self) -> Vec<(String, Result<Published, PublishError>)> {
        let mut report = Vec::with_capacity(self.tlds.len() + 1);
        if let Some(listed) = self.listed
            && listed.is_none_or(|at| at.elapsed() >= LIST_EVERY)
        {
            self.listed = Some(Some(Instant::now()));
            if let Err(error) = self.find_tlds().await {
                report.push(("*".to_owned(), Err(error)));
            }
        }
        for tld in &mut self.tlds {
            let signing = self.signing.as_ref();
            let outcome = match prepare_signing(&self.registry, signing, tld).await {
                Ok(()) => publish_tld(&self.registry, &self.dns, signing, tld).await,
                Err(error) => Err(error),
            };
            match &outcome {
                Ok(Published::Unchanged) => {}
                Ok(published) => {
                    let lag = lag(&self.registry, &tld.name, published).await;
                    self.metrics.published(&tld.name, published, lag);
                }
                Err(_) => self.metrics.failed(&tld.name),
            }
            report.push((tld.name.clone(), outcome));
        }
        report
    }

    /// Publishes every `every`, and as soon as a change made in this process commits, until
    /// the task is dropped, logging what each round did. (Changes other processes commit wait
    /// for the next round.)
    pub async fn run(mut self, every: Duration) {
        let mut forgotten = Instant::now();
        loop {
            let round = Instant::now();
            for (tld, outcome) in self.publish().await {
                match outcome {
                    Ok(Published::Unchanged) => {}
                    Ok(published) => tracing::debug!(tld, ?published, "zone published"),
                    Err(error) => tracing::error!("cannot publish the zone: {error}"),
                }
            }
            if forgotten.elapsed() >= FORGET_EVERY {
                forgotten = Instant::now();
                self.forget_old_notes().await;
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = self.registry.store().zone_moved() => {}
            }
            // Under a stream of changes, rounds this far apart take several changes each
            // rather than one; a lone change waits for none of it.
            tokio::time::sleep_until((round + MIN_ROUND_GAP).into()).await;
        }
    }

    async fn forget_old_notes(&self) {
        let zones = self.dns.zones.load();
        for tld in &self.tlds {
            let Some(serial) = zones.get(&tld.origin).and_then(|zone| zone.serial()) else {
                continue;
            };
            let Some(upto) = serial.checked_sub(KEEP_NOTES) else { continue };
            if let Err(error) = self.registry.forget_zone_changes(&tld.name, upto).await {
                tracing::warn!(tld = tld.name, "cannot forget old zone-change notes: {error}");
            }
        }
    }
}

/// How long ago the serial just published was committed; none when the registry has moved
/// on since (the figure would belong to another serial) or did not record the time.
async fn lag(registry: &Registry, tld: &str, published: &Published) -> Option<Duration> {
    let serial = match published {
        Published::Unchanged => return None,
        Published::Whole { serial, .. } | Published::Difference { serial, .. } => *serial,
    };
    let (now_serial, committed) = registry.zone_serial_time(tld).await.ok()?;
    let committed = committed.filter(|_| now_serial == serial)?;
    let elapsed = time::OffsetDateTime::now_utc() - committed;
    Some(elapsed.try_into().unwrap_or(Duration::ZERO))
}

/// For a signed TLD: its keys, loaded the first time; a ZSK rollover started when one is
/// due (the new key and the old key's times kept before anything is served); and, when the
/// keys published or signing change or the signatures come due, a new serial asked of the
/// registry, at which the zone is signed whole again.
async fn prepare_signing(
    registry: &Registry,
    signing: Option<&Signing>,
    tld: &mut Tld,
) -> Result<(), PublishError> {
    let Some(signing) = signing else { return Ok(()) };
    let now = signing.now();
    let keys_error = |message| PublishError::Keys { tld: tld.name.clone(), message };
    let state = match &mut tld.signing {
        Some(state) => state,
        None => {
            let keys = signing.keys.keys(&tld.origin).map_err(keys_error)?;
            tld.signing.insert(TldSigning {
                keys,
                signers: None,
                ttl: 0,
                earliest: None,
                next_event: None,
                refresh_asked: false,
                parent_asked: None,
            })
        }
    };
    // Before the zone is first signed its TTLs are not known: only its first keys are made.
    if state.signers.is_none() && !state.keys.is_empty() {
        return Ok(());
    }
    let times = signing.times(state.ttl);
    let steps = rollover::steps(&state.roles(), &times, signing.target(), now);
    if !steps.is_empty() {
        let keys_error = |message| PublishError::Keys { tld: tld.name.clone(), message };
        state.take(signing.keys.as_ref(), &tld.origin, &steps).map_err(keys_error)?;
        state.next_event = Some(now);
    }
    if state.signers.is_none() {
        return Ok(());
    }
    ask_parent(signing, &tld.name, &tld.origin, state, now).await;
    let keys_change = state.next_event.is_some_and(|at| at <= now);
    let expiring = state.earliest.filter(|e| signing.due(*e));
    if state.refresh_asked || !(keys_change || expiring.is_some()) {
        return Ok(());
    }
    match registry.resign_zone(&tld.name, time::OffsetDateTime::now_utc()).await {
        Ok(done) => {
            tracing::info!(
                tld = tld.name,
                serial = done.value,
                keys_change,
                earliest = expiring,
                "signing the zone again"
            );
            state.refresh_asked = true;
        }
        Err(error) => tracing::error!(
            tld = tld.name,
            earliest = expiring,
            "the zone is due to be signed again and cannot be moved to a new serial: {error}"
        ),
    }
    Ok(())
}

/// During a KSK or algorithm rollover, asks the parent (at most every
/// [`SigningPolicy::parent_check`](crate::SigningPolicy)) whether it serves the new key's DS,
/// and takes the steps that follow when it does.
async fn ask_parent(signing: &Signing, tld: &str, origin: &Name, state: &mut TldSigning, now: u64) {
    let times = signing.times(state.ttl);
    let Some(new) = rollover::awaiting_parent(&state.roles(), &times, now) else { return };
    let every = std::time::Duration::from_secs(u64::from(signing.policy.parent_check));
    if state.parent_asked.is_some_and(|asked| asked.elapsed() < every) {
        return;
    }
    state.parent_asked = Some(Instant::now());
    let Some(key) = state.keys.get(new) else { return };
    let ds = nameward_dns::dnssec::ds(
        origin,
        key.key.dnskey(),
        nameward_dns::dnssec::DigestType::Sha256,
    );
    let Some(parent) = signing.parent.clone() else {
        tracing::warn!(
            tld,
            key = key.id,
            "a rollover waits for the parent to serve DS {ds}; no parent servers are configured to ask"
        );
        return;
    };
    let zone = origin.clone();
    let answer = tokio::task::spawn_blocking(move || parent.ds_sets(&zone)).await;
    match answer {
        Ok(Ok(sets)) => {
            let (dnskey, algorithm) = (key.key.dnskey(), key.key.dnskey().algorithm);
            let view = ParentView {
                serves_new: !sets.is_empty()
                    && sets.iter().all(|(set, _)| {
                        set.iter().any(|ds| dnssec::ds_matches(ds, origin, dnskey))
                    }),
                serves_other_algorithms: sets
                    .iter()
                    .any(|(set, _)| set.iter().any(|ds| ds.algorithm != algorithm)),
                ttl: sets.iter().map(|(_, ttl)| u64::from(*ttl)).max().unwrap_or(0),
            };
            let steps = rollover::parent_serves(&state.roles(), &times, new, now, view);
            if steps.is_empty() {
                tracing::info!(tld, key = key.id, ?view, "waiting for the parent's DS set: {ds}");
                return;
            }
            tracing::info!(tld, key = key.id, ttl = view.ttl, "the parent serves the new DS set");
            if let Err(error) = state.take(signing.keys.as_ref(), origin, &steps) {
                tracing::error!(tld, "cannot keep the rollover's next step: {error}");
                return;
            }
            state.next_event = Some(now);
        }
        Ok(Err(error)) => tracing::warn!(tld, "cannot ask the parent for DS {ds}: {error}"),
        Err(_) => {}
    }
}

/// What a signed TLD's changes are signed with: the keys of the zone served.
fn change_signer(
    signing: Option<&Signing>,
    tld: &Tld,
) -> Option<(SignOptions, Arc<Vec<SigningKey>>)> {
    Some((signing?.options(), Arc::clone(tld.signing.as_ref()?.signers.as_ref()?)))
}

/// What a signed TLD is signed whole with now: the keys that sign, the DNSKEYs published
/// beside them, and the time.
fn whole_signer(signing: Option<&Signing>, tld: &Tld, ttl: u32) -> Option<WholeSigner> {
    let signing = signing?;
    let now = signing.now();
    let keys = tld.signing.as_ref()?.at(now, &signing.times(ttl));
    Some(WholeSigner { options: signing.options(), keys, now })
}

/// A whole signing's keys and times.
struct WholeSigner {
    options: SignOptions,
    keys: KeysAt,
    now: u64,
}

impl WholeSigner {
    /// The apex records the keys add to the zone's own: DNSKEYs published that do not
    /// sign, and the CDS and CDNSKEY of the keys the parent is to point at (RFC 7344).
    fn apex_records(&self, origin: &Name, ttl: u32) -> Vec<Record> {
        let record =
            |data| Record { owner: origin.clone(), class: nameward_dns::Class::IN, ttl, data };
        let waiting = self.keys.waiting.iter().map(|key| RecordData::Dnskey(key.clone()));
        let cds = self.keys.at_parent.iter().flat_map(|key| {
            [
                RecordData::Cds(dnssec::cds(origin, key, dnssec::DigestType::Sha256)),
                RecordData::Cdnskey(dnssec::cdnskey(key)),
            ]
        });
        waiting.chain(cds).map(record).collect()
    }
}

async fn publish_tld(
    registry: &Registry,
    dns: &Arc<Shared>,
    signing: Option<&Signing>,
    tld: &mut Tld,
) -> Result<Published, PublishError> {
    let failed = |source| PublishError::Registry { tld: tld.name.clone(), source };
    let apex = registry.zone_apex(&tld.name).await.map_err(failed)?;
    let apex = apex.ok_or_else(|| PublishError::NoApex { tld: tld.name.clone() })?;
    let served = dns.zones.load().get(&tld.origin).cloned();
    let Some(zone) = served else { return whole(registry, dns, signing, tld).await };
    let published = zone.serial().unwrap_or(0);
    let view = Arc::clone(&zone);
    let served_owners = move |touched: &BTreeSet<Name>| served_owners(&view, touched);
    let delta = registry.zone_delta(&apex, published, &served_owners).await.map_err(failed)?;
    if delta.serial().is_some() && delta.serial() == tld.failed {
        return Ok(Published::Unchanged);
    }
    let (serial, owners) = match delta {
        ZoneDelta::Unchanged => return Ok(Published::Unchanged),
        ZoneDelta::Rebuild { .. } => return whole(registry, dns, signing, tld).await,
        ZoneDelta::Owners { serial, owners } => (serial, owners),
    };
    let signed = match change_signer(signing, tld) {
        None => None,
        Some((options, keys)) => {
            let (view, owners) = (Arc::clone(&zone), owners.clone());
            let expiration = options.expiration;
            let signed = tokio::task::spawn_blocking(move || {
                sign_difference(&view, serial, &owners, &keys, &options)
            })
            .await;
            match signed {
                Ok(Ok(signed)) => Some((signed, expiration)),
                Ok(Err(error)) => {
                    tracing::debug!(tld = tld.name, serial, "signing the zone whole: {error}");
                    return whole(registry, dns, signing, tld).await;
                }
                Err(_) => return whole(registry, dns, signing, tld).await,
            }
        }
    };
    let changed = signed.as_ref().map_or(&owners, |(signed, _)| signed);
    let Some(diff) = difference(&zone, serial, changed) else {
        return whole(registry, dns, signing, tld).await;
    };
    let (deleted, added) = (diff.deleted.len(), diff.added.len());
    // Switching a name to continuity DNS, ending it or taking it out of the zone touches that
    // name, so the continuity zones (whose texts are large) are read again only then.
    let apex_servers: BTreeSet<Name> = apex
        .nameservers
        .iter()
        .filter_map(|s| Name::parse(&s.name, Some(&Name::root())).ok())
        .collect();
    let continuity = owners.iter().any(|(owner, records)| {
        tld.continuity.serves(owner) || delegates_to(records, &apex_servers)
    });
    if continuity {
        serve_continuity_zones(registry, dns, tld).await;
    }
    let origin = tld.origin.clone();
    let server = Arc::clone(dns);
    let applied =
        tokio::task::spawn_blocking(move || server.apply(&origin, diff, &zone_checks())).await;
    match applied {
        Ok(Ok(_)) => {}
        Ok(Err(nameward_server::transfer::ApplyError::Load(source))) => {
            tld.failed = Some(serial);
            return Err(PublishError::Load { tld: tld.name.clone(), serial, source });
        }
        Ok(Err(error)) => {
            // The served zone is not the version the registry's view was taken against:
            // never serve a guess, build it whole.
            tracing::warn!(
                tld = tld.name,
                "the zone difference does not apply ({error}); rebuilding"
            );
            return whole(registry, dns, signing, tld).await;
        }
        Err(_) => return whole(registry, dns, signing, tld).await,
    }
    if let (Some((_, expiration)), Some(state)) = (signed, &mut tld.signing) {
        state.earliest = Some(match state.earliest {
            Some(earliest) if serial_lt(earliest, expiration) => earliest,
            _ => expiration,
        });
    }
    tld.continuity.withdraw_ended(dns).await;
    tld.failed = None;
    remember(registry, dns, tld, serial).await;
    Ok(Published::Difference { serial, deleted, added })
}

/// Records in the registry the journal's difference that led to `serial`, so that a later
/// start can answer IXFR from before it. A failure costs only that history: it is logged.
async fn remember(registry: &Registry, dns: &Arc<Shared>, tld: &Tld, serial: u32) {
    let journals = dns.journals.load();
    let newest = journals.get(&tld.origin).and_then(|journal| journal.diffs().last());
    let Some(diff) = newest.filter(|diff| diff.to_serial() == serial) else { return };
    let text = history::encode(diff);
    let from = diff.from_serial();
    drop(journals);
    if let Err(error) = registry.record_zone_difference(&tld.name, from, serial, &text).await {
        tracing::warn!(tld = tld.name, serial, "cannot record the zone difference: {error}");
    }
}

/// After a start, the IXFR history of `tld` up to `serial`, taken back from the differences
/// recorded before (oldest first; empty when none read).
async fn history(registry: &Registry, dns: &Arc<Shared>, tld: &Tld, serial: u32) -> Vec<Diff> {
    let most = dns.journals.load().limits().max_versions;
    let rows = match registry.zone_differences_to(&tld.name, serial, most).await {
        Ok(rows) => rows,
        Err(error) => {
            tracing::warn!(tld = tld.name, "cannot read the recorded zone differences: {error}");
            return Vec::new();
        }
    };
    let mut diffs = Vec::with_capacity(rows.len());
    for (from, to, text) in rows.into_iter().rev() {
        match history::decode(&text, &tld.origin) {
            Ok(diff) if diff.from_serial() == from && diff.to_serial() == to => diffs.push(diff),
            Ok(_) | Err(_) => {
                tracing::warn!(tld = tld.name, to, "a recorded zone difference does not read");
                break;
            }
        }
    }
    diffs.reverse();
    diffs
}

/// Whether `records` delegate their owner to exactly the name servers `servers` (as a name
/// on continuity DNS is, to the TLD's own).
fn delegates_to(records: &[Record], servers: &BTreeSet<Name>) -> bool {
    let named: BTreeSet<&Name> = records
        .iter()
        .filter_map(|record| match &record.data {
            RecordData::Ns(ns) => Some(&ns.nsdname),
            _ => None,
        })
        .collect();
    !named.is_empty() && named.len() == servers.len() && named.iter().all(|n| servers.contains(*n))
}

/// Builds the zone whole from the database and serves it.
async fn whole(
    registry: &Registry,
    dns: &Arc<Shared>,
    signing: Option<&Signing>,
    tld: &mut Tld,
) -> Result<Published, PublishError> {
    let started = Instant::now();
    let apex = registry
        .zone_apex(&tld.name)
        .await
        .and_then(|apex| {
            apex.ok_or_else(|| {
                ServiceError::Internal(format!("no zone apex set for TLD {}", tld.name))
            })
        })
        .map_err(|source| PublishError::Registry { tld: tld.name.clone(), source })?;
    // The zone is compiled on a thread of its own while the database gives the rest of it.
    let (chunks, mut received) = tokio::sync::mpsc::channel::<Vec<Record>>(4);
    let origin = tld.origin.clone();
    let ttl = apex.ttl;
    let signer = whole_signer(signing, tld, ttl);
    let signed_with =
        signer.as_ref().map(|s| (s.options.expiration, s.keys.signers.clone(), s.now));
    let compiling = tokio::task::spawn_blocking(move || {
        let records = std::iter::from_fn(|| received.blocking_recv()).flatten();
        let mut count = 0;
        let zone = match signer {
            None => Zone::from_records(
                &origin,
                records.inspect(|_| count += 1),
                "registry database",
                &zone_checks(),
            )
            .map_err(Built::Load),
            Some(signer) => {
                let records = records.chain(signer.apex_records(&origin, ttl));
                let keys = &signer.keys.signers;
                compile_signed(&origin, records, keys, &signer.options, &mut count)
            }
        };
        (zone, count)
    });
    let read = registry.zone_in_chunks(&apex, chunks).await;
    let compiled = compiling.await;
    let serial = read.map_err(|source| PublishError::Registry { tld: tld.name.clone(), source })?;
    let (zone, count) = match compiled {
        Ok((Ok(zone), count)) => (zone, count),
        Ok((Err(Built::Load(source)), _)) => {
            tld.failed = Some(serial);
            return Err(PublishError::Load { tld: tld.name.clone(), serial, source });
        }
        Ok((Err(Built::Sign(source)), _)) => {
            tld.failed = Some(serial);
            return Err(PublishError::Sign { tld: tld.name.clone(), serial, source });
        }
        Err(_) => return Ok(Published::Unchanged),
    };
    tracing::info!(
        tld = tld.name,
        serial,
        records = count,
        seconds = started.elapsed().as_secs_f64(),
        "the whole zone is read and compiled"
    );
    serve_continuity_zones(registry, dns, tld).await;
    let first = dns.zones.load().get(&tld.origin).is_none();
    // Served for the first time (a start): with the IXFR history kept in the registry, in
    // place before the NOTIFY that the first publication sends.
    let history = if first { Some(history(registry, dns, tld, serial).await) } else { None };
    let server = Arc::clone(dns);
    let published = tokio::task::spawn_blocking(move || match history {
        Some(history) => server.publish_with_history(zone, history),
        None => {
            server.publish(zone);
            0
        }
    });
    let Ok(kept) = published.await else {
        return Ok(Published::Unchanged);
    };
    if kept > 0 {
        tracing::info!(tld = tld.name, differences = kept, "IXFR history taken from the registry");
    }
    if let (Some(signing), Some(state), Some((expiration, signers, now))) =
        (signing, &mut tld.signing, signed_with)
    {
        state.earliest = Some(expiration);
        state.signers = Some(Arc::new(signers));
        state.ttl = ttl;
        state.next_event = rollover::next_event(&state.roles(), &signing.times(ttl), now);
        state.refresh_asked = false;
    }
    tld.continuity.withdraw_ended(dns).await;
    tld.failed = None;
    if !first {
        remember(registry, dns, tld, serial).await;
    }
    Ok(Published::Whole { serial, records: count })
}

/// Why a zone built whole is not served.
enum Built {
    /// It does not pass the zone checks.
    Load(LoadError),
    /// It cannot be signed.
    Sign(SignError),
}

/// Signs the zone of `records` whole and compiles the signed records as the signer hands
/// them out (the signed zone is never held as records); `count` gets the records served.
fn compile_signed(
    origin: &Name,
    records: impl Iterator<Item = Record>,
    keys: &[SigningKey],
    options: &SignOptions,
    count: &mut usize,
) -> Result<Zone, Built> {
    let mut builder = ZoneBuilder::new(origin);
    let source = nameward_dns::zone::Source { file: "registry database".into(), line: 0 };
    for record in records {
        if let Err(error) = builder.push(&record, &source) {
            let message = format!("{}: {error}", record.owner);
            let diagnostics = vec![Diagnostic { severity: Severity::Error, source: None, message }];
            return Err(Built::Load(LoadError { origin: origin.clone(), diagnostics }));
        }
    }
    let store = builder.finish();
    const BATCH: usize = 4096;
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Record>>(4);
    std::thread::scope(|scope| {
        let signer = scope.spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let signed = sign_zone(&store, keys, options, &mut |record| {
                batch.push(record);
                if batch.len() >= BATCH && sender.send(std::mem::take(&mut batch)).is_err() {
                    return std::ops::ControlFlow::Break(());
                }
                std::ops::ControlFlow::Continue(())
            });
            // A compiler that stopped early has its own error to give.
            let _ = sender.send(batch);
            signed
        });
        let compiled = Zone::from_records(
            origin,
            receiver.iter().flatten().inspect(|_| *count += 1),
            "registry database, signed",
            &zone_checks(),
        );
        let signed = signer.join().map_err(|_| Built::Sign(SignError::Worker))?;
        signed.map_err(Built::Sign)?;
        compiled.map_err(Built::Load)
    })
}

/// The zone checks a TLD zone built by the registry must pass. A delegation to a name server
/// inside the TLD that has no glue (its domain is not delegated, or the host has no address)
/// is lame for that one name; it is the registrant's to mend, and must not stop the whole TLD
/// from being published, so it is a warning here.
pub fn zone_checks() -> CheckOptions {
    CheckOptions { missing_glue: Severity::Warning, ..CheckOptions::default() }
}

/// A newly switched name's zone is served before the TLD delegates to it.
async fn serve_continuity_zones(registry: &Registry, dns: &Arc<Shared>, tld: &mut Tld) {
    if let Err(error) = tld.continuity.publish(registry, &tld.name, dns).await {
        tracing::error!(tld = tld.name, "cannot publish the continuity DNS zones: {error}");
    }
}
